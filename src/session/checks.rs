//! The Dockerfile checks of a build or of `rbuild check` ([`crate::lint`]): configured by the
//! Dockerfile's `# check=` directive or the `BUILDKIT_DOCKERFILE_CHECK` build arg; with
//! `error=true` a finding fails, with BuildKit's message, at the Dockerfile.

use std::collections::BTreeMap;
use std::path::Path;

use super::error::SessionError;
use super::input::{PlanInput, Source, load, parse_build_args, read_dockerfile};
use crate::cache::LocalCache;
use crate::context::ignore_file::IgnoreFile;
use crate::lint::history::{ContextChanges, History, PastRun};
use crate::lint::{BaseEnv, CHECK_BUILD_ARG, CheckConfig, Finding, Input, Level};
use crate::oci::platform::Platform;
use crate::oci::reference::Reference;
use crate::plan::BaseResolver;

/// What the checks found in one Dockerfile.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The Dockerfile.
    pub source: Source,
    /// The findings, in line order.
    pub findings: Vec<Finding>,
}

impl Checked {
    /// With `error=true` and a finding: BuildKit's error, at the Dockerfile and the first
    /// finding's line.
    pub fn failure(&self) -> Option<SessionError> {
        if !crate::lint::fails(&self.findings) {
            return None;
        }
        let errors = self.findings.iter().filter(|f| f.level == Level::Error);
        let mut rules: Vec<&str> = errors.clone().map(|f| f.rule.name).collect();
        rules.sort_unstable();
        rules.dedup();
        Some(SessionError::Dockerfile {
            file: self.source.file.clone(),
            line: errors.map(|f| f.line).next(),
            message: format!("lint violation found for rules: {}", rules.join(", ")),
        })
    }
}

/// The environment of base images as `resolver` knows their configs (for the machine's
/// platform), for UndefinedVar.
pub fn base_env_from(resolver: &dyn BaseResolver) -> impl Fn(&str) -> Option<Vec<String>> + '_ {
    move |base: &str| {
        let reference = Reference::parse(base).ok()?;
        resolver
            .config(&reference, &Platform::host())
            .ok()
            .flatten()
            .map(|c| c.config.env)
    }
}

/// The local cache's step history, for what a finding cost.
pub struct CacheHistory(pub LocalCache);

impl History for CacheHistory {
    fn runs(&self, identity: &crate::digest::Digest) -> Vec<PastRun> {
        self.0
            .recent_keys(identity)
            .iter()
            .filter_map(|k| self.0.peek(k).ok().flatten())
            .map(|r| PastRun {
                duration_ms: r.duration_ms,
            })
            .collect()
    }

    fn context_changes(&self, identity: &crate::digest::Digest) -> Option<ContextChanges> {
        let listings: Vec<BTreeMap<String, String>> = self
            .0
            .recent_keys(identity)
            .iter()
            .filter_map(|k| self.0.peek(k).ok().flatten())
            .filter_map(|r| r.snapshot?.context.map(|c| c.entries))
            .collect();
        if listings.len() < 2 {
            return None;
        }
        let mut changed = std::collections::BTreeSet::new();
        for pair in listings.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            for path in a.keys().chain(b.keys()) {
                if a.get(path) != b.get(path) {
                    changed.insert(path.clone());
                }
            }
        }
        let unchanged = listings[0]
            .keys()
            .filter(|p| !changed.contains(*p))
            .cloned()
            .collect();
        Some(ContextChanges {
            changed: changed.into_iter().collect(),
            unchanged,
        })
    }

    fn layer_bytes_under(&self, identity: &crate::digest::Digest, dir: &str) -> Option<u64> {
        let record = self
            .0
            .recent_keys(identity)
            .iter()
            .find_map(|k| self.0.peek(k).ok().flatten())?;
        let layer = record.layer?;
        let blob = self.0.store().blobs().open(&layer.digest).ok()?;
        let contents = crate::image::size::read_contents(blob, usize::MAX).ok()?;
        contents
            .largest_dirs
            .iter()
            .find(|(path, _)| path == dir)
            .map(|(_, n)| *n)
    }
}

/// The history of the local cache in `state`, when there is one.
pub fn history_in(state: &Path) -> Option<CacheHistory> {
    if !state.exists() {
        return None;
    }
    let store = crate::store::Store::open(state).ok()?;
    LocalCache::open(&store).ok().map(CacheHistory)
}

/// Runs the checks over `source` with the build's `build_args`, the `.dockerignore` of
/// `context` and, when given, the environment of base images and the cache's history.
pub fn check_source(
    source: Source,
    build_args: &BTreeMap<String, String>,
    context: &Path,
    contexts: &[(String, String)],
    base_env: Option<&BaseEnv<'_>>,
    history: Option<&dyn History>,
) -> Result<Checked, SessionError> {
    let config = CheckConfig::of(
        source.syntax.directives.get("check").map(String::as_str),
        build_args.get(CHECK_BUILD_ARG).map(String::as_str),
    )
    .map_err(|e| SessionError::Dockerfile {
        file: source.file.clone(),
        line: None,
        message: e.to_string(),
    })?;
    let dockerfile = (source.file.as_os_str() != "-").then_some(source.file.as_path());
    let root = std::fs::canonicalize(context).unwrap_or_else(|_| context.to_path_buf());
    let name = super::input::dockerfile_in_context(&source.file, &root);
    let matcher = IgnoreFile::locate(context, dockerfile)
        .and_then(|f| f.matcher())
        .map_err(|e| SessionError::Path {
            path: context.to_path_buf(),
            reason: e.to_string(),
        })?;
    let named: Vec<String> = contexts.iter().map(|(n, _)| n.clone()).collect();
    // A `--build-context` base has the environment of its `docker-image://` image; other named
    // contexts' stages start from no known environment (not checked for undefined variables).
    let named_env = |base: &str| match contexts
        .iter()
        .rev()
        .find(|(n, _)| crate::plan::named::same_name(n, base))
    {
        Some((_, value)) => value
            .strip_prefix("docker-image://")
            .and_then(|image| base_env.and_then(|f| f(image))),
        None => base_env.and_then(|f| f(base)),
    };
    let findings = crate::lint::check(
        &Input {
            dockerfile: &source.syntax,
            build_args,
            dockerignore: Some(&matcher),
            context: Some(context),
            base_env: base_env.map(|_| &named_env as &BaseEnv<'_>),
            history: history.map(|h| (h, name.as_str())),
            named_contexts: &named,
        },
        &config,
    );
    Ok(Checked { source, findings })
}

/// Reads and parses the Dockerfile of `input` and checks it (bases' environments from
/// `base_env` when given; the context only for its `.dockerignore` and top-level names).
pub fn check_input(
    input: &PlanInput,
    base_env: Option<&BaseEnv<'_>>,
    history: Option<&dyn History>,
) -> Result<Checked, SessionError> {
    let file = input
        .file
        .clone()
        .unwrap_or_else(|| super::input::default_dockerfile(&input.context));
    let text = read_dockerfile(&file)?;
    let (syntax, _) = load(&file, &text)?;
    let build_args = parse_build_args(&input.build_args)?;
    check_source(
        Source { file, text, syntax },
        &build_args,
        &input.context,
        &input.build_contexts,
        base_env,
        history,
    )
}
