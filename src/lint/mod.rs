//! Dockerfile checks (DESIGN.md "Checks"): `rbuild check`, and the warnings every build prints
//! at its start.
//!
//! * [`rule`] — the rules as data: names, descriptions and links, BuildKit's for its rules;
//! * [`config`] — which rules run and whether a finding is an error: `# check=` and the
//!   `BUILDKIT_DOCKERFILE_CHECK` build arg, as BuildKit reads them;
//! * `buildkit` — BuildKit's rules over the parsed Dockerfile, with its messages and lines;
//!   `from_args` — those about FROM's variables (undeclared, or defaults that make no image);
//!   `ignored` — COPY and ADD of what `.dockerignore` excludes;
//!   `undefined` — UndefinedVar, in each stage's environment;
//! * `own` — rbuild's rules from Dockerfile best practice (`docs/checks.md`); `secrets` —
//!   secret-looking files of the context that a COPY takes into a layer;
//! * [`finding`] — what a check found; [`history`] — what a mistake cost, from the cache;
//! * [`render`] — findings for people (BuildKit's shapes) and for tools (JSON).

mod buildkit;
pub mod config;
pub mod finding;
mod from_args;
pub mod history;
mod ignored;
mod own;
pub mod render;
pub mod rule;
mod secrets;
mod undefined;

pub use config::{CHECK_BUILD_ARG, CheckConfig, ConfigError};
pub use finding::{Finding, Level};
pub use rule::Rule;
pub use undefined::BaseEnv;

use crate::dockerfile::ast::{Dockerfile, Instruction};

/// What the checks read.
#[derive(Clone, Copy)]
pub struct Input<'a> {
    /// The parsed Dockerfile.
    pub dockerfile: &'a Dockerfile,
    /// The build's `--build-arg`s.
    pub build_args: &'a std::collections::BTreeMap<String, String>,
    /// The context's `.dockerignore` (`None`: no context, the rule about it does not run).
    pub dockerignore: Option<&'a crate::context::dockerignore::PatternMatcher>,
    /// The context directory (what NoDockerignore looks at), when there is one.
    pub context: Option<&'a std::path::Path>,
    /// The environment of base images (UndefinedVar starts each stage from it); `None`: not
    /// known, stages on images are not checked for undefined variables.
    pub base_env: Option<&'a undefined::BaseEnv<'a>>,
    /// The local cache's history of the steps, and the Dockerfile's name as step identities
    /// give it (relative to the context): findings about a step say what it cost.
    pub history: Option<(&'a dyn history::History, &'a str)>,
    /// The `--build-context` names: a FROM naming one names no image (the base-image rules
    /// skip it).
    pub named_contexts: &'a [String],
}

/// Runs every rule `config` lets run over `input`; findings in line order (a rule's
/// findings for one instruction in the order they were made), at the level `config` gives.
pub fn check(input: &Input<'_>, config: &CheckConfig) -> Vec<Finding> {
    let dockerfile = input.dockerfile;
    let level = if config.error {
        Level::Error
    } else {
        Level::Warning
    };
    let mut out: Vec<Finding> = Vec::new();
    let mut emit = |rule: &'static Rule,
                    message: String,
                    line: usize,
                    end_line: usize,
                    at: Option<&Instruction>| {
        // A `# check=` comment just above the instruction adds to the file's configuration
        // for that instruction alone.
        let local = at.and_then(|i| config.with_comments(&i.comments));
        if local.as_ref().unwrap_or(config).runs(rule) {
            out.push(Finding {
                rule,
                message,
                line,
                end_line,
                // rbuild's own rules advise: BuildKit's `error=true` (which a Dockerfile moving
                // from BuildKit may carry) makes only BuildKit's rules errors.
                level: if rule.info {
                    Level::Info
                } else if rule::OWN_RULES.contains(rule) {
                    Level::Warning
                } else {
                    level
                },
            });
        }
    };
    buildkit::check(dockerfile, &mut emit);
    from_args::check(dockerfile, input.build_args, &mut emit);
    if let Some(matcher) = input.dockerignore {
        ignored::check(dockerfile, matcher, &mut emit);
    }
    undefined::check(dockerfile, input.build_args, input.base_env, &mut emit);
    own::check(
        dockerfile,
        input.context,
        input.history,
        input.named_contexts,
        &mut emit,
    );
    if let Some(root) = input.context {
        secrets::check(dockerfile, root, input.dockerignore, &mut emit);
    }
    out.sort_by_key(|f| f.line);
    out
}

/// Whether the findings fail a check (`error=true` and at least one).
pub fn fails(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.level == Level::Error)
}
