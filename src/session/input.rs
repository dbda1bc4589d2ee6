//! What a build starts from: the Dockerfile read and parsed, the context opened, the plan made
//! (shared by `rbuild build`, `rbuild plan` and `rbuild parse`), every error naming its file and
//! line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::error::{SessionError, chain};
use crate::context::BuildContext;
use crate::dockerfile::Dockerfile;
use crate::dockerfile::instructions::Stages;
use crate::plan::{self, BaseResolver, PlanRequest, Platform};

/// The Dockerfile, context, target, build arguments and platform of one build or plan.
#[derive(Debug, Clone, Default)]
pub struct PlanInput {
    /// The build context directory.
    pub context: PathBuf,
    /// The Dockerfile (default `CONTEXT/Dockerfile`; `-` is standard input).
    pub file: Option<PathBuf>,
    /// The target stage (default: the last).
    pub target: Option<String>,
    /// `--build-arg` values as given: `K=V`, or `K` alone taken from the environment.
    pub build_args: Vec<String>,
    /// `--platform` values as given, each a platform or a comma-separated list (none: the
    /// machine's).
    pub platforms: Vec<String>,
    /// What every RUN step gets besides its instruction (`--add-host`, `--ulimit`, ...).
    pub sandbox: crate::plan::RunSandbox,
    /// `--build-context` values: name and value (a directory, `docker-image://REF`,
    /// `oci-layout://DIR[:TAG|@DIGEST]`, a URL).
    pub build_contexts: Vec<(String, String)>,
}

/// A planned build: the Dockerfile's path, the opened context and one plan per target
/// platform.
pub struct Planned {
    /// The Dockerfile's path as given.
    pub file: PathBuf,
    /// The build context.
    pub context: BuildContext,
    /// One plan per target platform, in the order `--platform` named them (at least one).
    pub plans: Vec<plan::Plan>,
    /// The Dockerfile's text and raw syntax (what the checks read).
    pub source: Source,
    /// The `--build-context` names.
    pub named: plan::NamedContexts,
    /// Where fetched named contexts are (removed with the plan, after `named`).
    pub fetched: super::named::FetchedDirs,
}

/// A Dockerfile read and parsed.
#[derive(Debug, Clone)]
pub struct Source {
    /// Its path as given.
    pub file: PathBuf,
    /// Its text.
    pub text: String,
    /// Its raw syntax tree.
    pub syntax: Dockerfile,
}

impl Planned {
    /// The first platform's plan (the only one of a single-platform build).
    pub fn first(&self) -> &plan::Plan {
        &self.plans[0]
    }
}

/// The target platforms `--platform` values name, normalized, each once, in order; empty when
/// none is given (the build platform). buildx's message for one that does not parse.
pub fn target_platforms(values: &[String]) -> Result<Vec<Platform>, SessionError> {
    let mut out: Vec<Platform> = Vec::new();
    for item in values.iter().flat_map(|v| v.split(',')) {
        let item = item.trim();
        if item.is_empty() {
            continue;
        }
        let platform = Platform::parse(item).map_err(|e| SessionError::Flag {
            flag: "--platform".into(),
            reason: e.to_string(),
        })?;
        if !out.contains(&platform) {
            out.push(platform);
        }
    }
    Ok(out)
}

/// The Dockerfile of a context when `-f` names none: `Dockerfile`, else `dockerfile`, as
/// BuildKit's dockerui looks for it.
pub fn default_dockerfile(context: &Path) -> PathBuf {
    let upper = context.join("Dockerfile");
    let lower = context.join("dockerfile");
    if !upper.exists() && lower.exists() {
        lower
    } else {
        upper
    }
}

/// Reads the Dockerfile at `path` (`-`: standard input), invalid UTF-8 replaced.
pub fn read_dockerfile(path: &Path) -> Result<String, SessionError> {
    let bytes = if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).map_err(|e| {
            SessionError::Flag {
                flag: "reading standard input".into(),
                reason: e.to_string(),
            }
        })?;
        buf
    } else {
        std::fs::read(path).map_err(|e| SessionError::Dockerfile {
            file: path.to_path_buf(),
            line: None,
            message: format!("cannot read Dockerfile: {e}"),
        })?
    };
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Parses Dockerfile text into raw and typed form, with errors as `FILE:LINE: message`.
pub fn load(path: &Path, text: &str) -> Result<(Dockerfile, Stages), SessionError> {
    let file = if path.as_os_str() == "-" {
        PathBuf::from("<stdin>")
    } else {
        path.to_path_buf()
    };
    // BuildKit reports some errors on line 0 (an empty file, a bad directive on line 1): a
    // FILE:LINE reference names line 1 then.
    let at = |e: crate::dockerfile::ParseError| SessionError::Dockerfile {
        file: file.clone(),
        line: Some(e.line.max(1)),
        message: e.message,
    };
    let df = crate::dockerfile::parse(text).map_err(at)?;
    let stages = crate::dockerfile::instructions::from_dockerfile(&df).map_err(at)?;
    Ok((df, stages))
}

/// `--build-arg` values as Docker reads them: `K=V`, or `K` alone taken from the environment
/// (and dropped when the environment has no such variable).
pub fn parse_build_args(raw: &[String]) -> Result<BTreeMap<String, String>, SessionError> {
    let mut out = BTreeMap::new();
    for a in raw {
        match a.split_once('=') {
            Some(("", _)) => {
                return Err(SessionError::Flag {
                    flag: format!("invalid build-arg {a:?}"),
                    reason: "the name is empty".into(),
                });
            }
            Some((k, v)) => {
                out.insert(k.to_string(), v.to_string());
            }
            None => {
                if let Ok(v) = std::env::var(a) {
                    out.insert(a.clone(), v);
                }
            }
        }
    }
    Ok(out)
}

/// Reads the Dockerfile, opens the context (its hash cache in the state directory `state`) and
/// plans, with errors as `FILE:LINE: message`.
pub fn make_plan(
    input: &PlanInput,
    state: &Path,
    resolver: &dyn BaseResolver,
) -> Result<Planned, SessionError> {
    let file = input
        .file
        .clone()
        .unwrap_or_else(|| default_dockerfile(&input.context));
    if !input.context.is_dir() {
        return Err(SessionError::Path {
            path: input.context.clone(),
            reason: "build context is not a directory".into(),
        });
    }
    let text = read_dockerfile(&file)?;
    let (syntax, stages) = load(&file, &text)?;
    let hash_cache = crate::home::hash_cache_file(state, &input.context);
    let dockerfile_for_ignore = (file.as_os_str() != "-").then_some(file.as_path());
    let context = BuildContext::open(&input.context, dockerfile_for_ignore, Some(&hash_cache))
        .map_err(|e| SessionError::Path {
            path: input.context.clone(),
            reason: format!("cannot open build context: {}", chain(&e)),
        })?;
    let targets: Vec<Option<Platform>> = match target_platforms(&input.platforms)? {
        list if list.is_empty() => vec![None],
        list => list.into_iter().map(Some).collect(),
    };
    let build_args = parse_build_args(&input.build_args)?;
    let (named, fetched) = super::named::open(&input.build_contexts, state)?;
    let dockerfile = dockerfile_in_context(&file, context.root());
    let mut plans = Vec::with_capacity(targets.len());
    for target_platform in targets {
        let req = PlanRequest {
            stages: &stages,
            target: input.target.clone(),
            build_args: build_args.clone(),
            build_platform: Platform::host(),
            target_platform,
            context: &context,
            resolver,
            sandbox: input.sandbox.clone(),
            named: &named,
        };
        let mut plan = plan::plan(&req).map_err(|e| {
            let line = e.line();
            let msg = e.to_string();
            let message = match line {
                Some(line) => msg
                    .strip_prefix(&format!("line {line}: "))
                    .unwrap_or(&msg)
                    .to_string(),
                None => msg,
            };
            SessionError::Dockerfile {
                file: file.clone(),
                line,
                message,
            }
        })?;
        plan.set_dockerfile(&dockerfile);
        plans.push(plan);
    }
    if let Err(e) = context.save_hash_cache() {
        tracing::debug!("hash cache not saved: {e}");
    }
    named.save_hash_caches();
    Ok(Planned {
        source: Source {
            file: file.clone(),
            text,
            syntax,
        },
        file,
        context,
        plans,
        named,
        fetched,
    })
}

/// How step identities name the Dockerfile: its path relative to the (canonical) context root,
/// `-` for standard input, its absolute path when it lies outside the context.
pub(super) fn dockerfile_in_context(file: &Path, root: &Path) -> String {
    if file.as_os_str() == "-" {
        return "-".into();
    }
    let abs = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    match abs.strip_prefix(root) {
        Ok(rel) => rel.to_string_lossy().into_owned(),
        Err(_) => abs.to_string_lossy().into_owned(),
    }
}
