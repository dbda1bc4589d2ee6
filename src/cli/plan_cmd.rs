//! `rbuild plan`: stages, their order and dependencies, skipped stages, and every step's key with
//! the inputs that made it.

use crate::builder::resolver::RegistryResolver;
use crate::context::BuildContext;
use crate::plan::{self, PlanRequest, Platform};
use crate::registry::RegistryOptions;
use anyhow::Context as _;
use clap::{Args, ValueEnum};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What the Dockerfile, context and platform of a plan or build are (shared by `rbuild plan`
/// and `rbuild build`).
#[derive(Debug, Args)]
pub struct InputArgs {
    /// Build context directory
    #[arg(value_name = "PATH")]
    pub context: PathBuf,
    /// Name of the Dockerfile (default: "PATH/Dockerfile"; "-" reads standard input)
    #[arg(short = 'f', long = "file", value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// Set the target build stage to build
    #[arg(long, value_name = "STAGE")]
    pub target: Option<String>,
    /// Set build-time variables (`KEY=VALUE`; a bare `KEY` takes its value from the environment)
    #[arg(long = "build-arg", value_name = "KEY=VALUE")]
    pub build_args: Vec<String>,
    /// Set target platform for build
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Option<String>,
    /// How registries are reached.
    #[command(flatten)]
    pub registries: RegistryArgs,
}

/// The registry flags of every command that talks to registries.
#[derive(Debug, Args)]
pub struct RegistryArgs {
    /// Reach this registry (`host[:port]`) over plain HTTP, as loopback registries are
    /// (repeatable; `RBUILD_INSECURE_REGISTRIES` gives a comma-separated list)
    #[arg(
        long = "insecure-registry",
        value_name = "HOST",
        env = "RBUILD_INSECURE_REGISTRIES",
        value_delimiter = ','
    )]
    pub insecure_registries: Vec<String>,
}

impl RegistryArgs {
    /// A resolver (and registry client) with these flags.
    pub fn resolver(&self) -> anyhow::Result<RegistryResolver> {
        Ok(RegistryResolver::new(&RegistryOptions {
            insecure_registries: self.insecure_registries.clone(),
            ..RegistryOptions::default()
        })?)
    }
}

/// Flags of `rbuild plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The Dockerfile, context and platform.
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format
    #[arg(long, value_enum, default_value_t = PlanFormat::Text)]
    pub format: PlanFormat,
    /// Do not contact registries: only digest-pinned base images resolve, other keys are
    /// provisional
    #[arg(long)]
    pub offline: bool,
    /// Say, for every step that makes a layer, whether the local cache holds it and, if not,
    /// why it would miss (against the closest record of the same step); builds nothing
    #[arg(long)]
    pub explain: bool,
}

/// Output formats of `rbuild plan`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PlanFormat {
    /// Readable listing
    Text,
    /// The whole plan as JSON
    Json,
}

/// `--build-arg` values as Docker reads them: `K=V`, or `K` alone taken from the environment
/// (and dropped when the environment has no such variable).
pub fn parse_build_args(raw: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for a in raw {
        match a.split_once('=') {
            Some(("", _)) => anyhow::bail!("invalid build-arg {a:?}: the name is empty"),
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

/// A planned build: the Dockerfile's path, the opened context and the plan.
pub(super) struct Planned {
    /// The Dockerfile's path as given.
    pub file: PathBuf,
    /// The build context.
    pub context: BuildContext,
    /// The plan.
    pub plan: plan::Plan,
}

/// Reads the Dockerfile, opens the context and plans, with errors as `FILE:LINE: message`.
pub(super) fn make_plan(
    args: &InputArgs,
    resolver: &dyn plan::BaseResolver,
) -> anyhow::Result<Planned> {
    let file = args
        .file
        .clone()
        .unwrap_or_else(|| args.context.join("Dockerfile"));
    if !args.context.is_dir() {
        anyhow::bail!(
            "{}: build context is not a directory",
            args.context.display()
        );
    }
    let text = super::read_dockerfile(&file)?;
    let (_, stages) = super::load(&file, &text)?;
    let state = crate::home::state_dir();
    let hash_cache = crate::home::hash_cache_file(&state, &args.context);
    let dockerfile_for_ignore = (file.as_os_str() != "-").then_some(file.as_path());
    let context = BuildContext::open(&args.context, dockerfile_for_ignore, Some(&hash_cache))
        .with_context(|| format!("{}: cannot open build context", args.context.display()))?;
    let target_platform = args
        .platform
        .as_deref()
        .map(Platform::parse)
        .transpose()
        .map_err(|e| anyhow::anyhow!("--platform: {e}"))?;
    let req = PlanRequest {
        stages: &stages,
        target: args.target.clone(),
        build_args: parse_build_args(&args.build_args)?,
        build_platform: Platform::host(),
        target_platform,
        context: &context,
        resolver,
    };
    let mut plan = plan::plan(&req).map_err(|e| match e.line() {
        Some(line) => {
            let msg = e.to_string();
            let msg = msg
                .strip_prefix(&format!("line {line}: "))
                .unwrap_or(&msg)
                .to_string();
            anyhow::anyhow!("{}:{line}: {msg}", file.display())
        }
        None => anyhow::anyhow!("{}: {e}", file.display()),
    })?;
    plan.set_dockerfile(&dockerfile_in_context(&file, context.root()));
    if let Err(e) = context.save_hash_cache() {
        tracing::debug!("hash cache not saved: {e}");
    }
    Ok(Planned {
        file,
        context,
        plan,
    })
}

/// How step identities name the Dockerfile: its path relative to the (canonical) context root,
/// `-` for standard input, its absolute path when it lies outside the context.
fn dockerfile_in_context(file: &std::path::Path, root: &std::path::Path) -> String {
    if file.as_os_str() == "-" {
        return "-".into();
    }
    let abs = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    match abs.strip_prefix(root) {
        Ok(rel) => rel.to_string_lossy().into_owned(),
        Err(_) => abs.to_string_lossy().into_owned(),
    }
}

pub(super) fn run(args: &PlanArgs) -> anyhow::Result<()> {
    let registry;
    let resolver: &dyn plan::BaseResolver = if args.offline {
        &plan::PinnedOnly
    } else {
        registry = args.input.registries.resolver()?;
        &registry
    };
    let planned = make_plan(&args.input, resolver)?;
    let verdicts = if args.explain {
        Some(explain(&planned.plan)?)
    } else {
        None
    };
    match args.format {
        PlanFormat::Text => {
            print!("{}", plan::render_text(&planned.plan));
            if let Some(verdicts) = &verdicts {
                println!("\ncache (local):");
                for v in verdicts {
                    match &v.miss_reason {
                        None => println!("  line {}: {}: CACHED", v.line, v.step),
                        Some(r) => println!("  line {}: {}: MISS: {r}", v.line, v.step),
                    }
                }
            }
        }
        PlanFormat::Json => match &verdicts {
            None => println!("{}", plan::render_json(&planned.plan)),
            Some(verdicts) => {
                let mut doc = serde_json::to_value(&planned.plan)?;
                if let Some(map) = doc.as_object_mut() {
                    map.insert("explain".into(), serde_json::to_value(verdicts)?);
                }
                println!("{}", serde_json::to_string_pretty(&doc)?);
            }
        },
    }
    Ok(())
}

/// `rbuild plan --explain`: every layer step against the local cache, without building.
fn explain(plan: &plan::Plan) -> anyhow::Result<Vec<crate::builder::explain::PlannedVerdict>> {
    let state = crate::home::state_dir();
    let store = crate::store::Store::open(&state)
        .with_context(|| format!("{}: cannot open the state directory", state.display()))?;
    let cache = crate::cache::LocalCache::open(&store)
        .map_err(|e| anyhow::anyhow!("opening the local cache: {e}"))?;
    let usable = |key: &crate::digest::Digest| {
        cache
            .peek(key)
            .ok()
            .flatten()
            .is_some_and(|r| cache.is_usable(&r))
    };
    Ok(crate::builder::explain::explain_plan(
        plan,
        &cache as &dyn crate::builder::StepCache,
        &usable,
    ))
}
