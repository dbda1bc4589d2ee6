//! `rbuild plan`: stages, their order and dependencies, skipped stages, and every step's key with
//! the inputs that made it.

use crate::builder::resolver::RegistryResolver;
use crate::plan;
use crate::registry::RegistryOptions;
use crate::session::{PlanInput, make_plan};
use anyhow::Context as _;
use clap::{Args, ValueEnum};
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
    /// Set target platform for build (a comma-separated list, or repeated, builds an image
    /// per platform joined by an index)
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Vec<String>,
    /// Additional build context, which FROM, `COPY --from` and `RUN --mount from=` name
    /// (`NAME=VALUE`, repeatable; VALUE a directory, `docker-image://REF`,
    /// `oci-layout://DIR[:TAG|@DIGEST]`, or an http(s) or git URL)
    #[arg(long = "build-context", value_name = "NAME=VALUE", value_parser = parse_build_context)]
    pub build_contexts: Vec<(String, String)>,
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
    /// Accept any TLS certificate of a registry (self-signed ones; a man in the middle goes
    /// unnoticed)
    #[arg(long = "skip-tls-verify")]
    pub skip_tls_verify: bool,
    /// Pull Docker Hub images from this mirror first (`host[:port][/prefix]`; repeatable,
    /// tried in order, Docker Hub last)
    #[arg(long = "registry-mirror", value_name = "HOST")]
    pub mirrors: Vec<String>,
}

impl RegistryArgs {
    /// The registry client's options these flags set.
    pub fn options(&self) -> RegistryOptions {
        RegistryOptions {
            insecure_registries: self.insecure_registries.clone(),
            skip_tls_verify: self.skip_tls_verify,
            mirrors: self.mirrors.clone(),
            ..RegistryOptions::default()
        }
    }

    /// A resolver (and registry client) with these flags.
    pub fn resolver(&self) -> anyhow::Result<RegistryResolver> {
        Ok(RegistryResolver::new(&self.options())?)
    }
}

impl InputArgs {
    /// The session's plan input these flags name.
    pub fn plan_input(&self) -> PlanInput {
        PlanInput {
            context: self.context.clone(),
            file: self.file.clone(),
            target: self.target.clone(),
            build_args: self.build_args.clone(),
            platforms: self.platform.clone(),
            sandbox: Default::default(),
            build_contexts: self.build_contexts.clone(),
        }
    }
}

/// A `--build-context` value: `NAME=VALUE`, both non-empty (buildx's "expected key=value").
fn parse_build_context(value: &str) -> Result<(String, String), String> {
    match value.split_once('=') {
        None => Err(format!(
            "invalid context value {value:?}, expected NAME=VALUE"
        )),
        Some(("", _)) => Err(format!(
            "invalid context value {value:?}: the name is empty"
        )),
        Some((_, "")) => Err(format!(
            "invalid context value {value:?}: the value is empty"
        )),
        Some((name, v)) => Ok((name.to_string(), v.to_string())),
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

pub(super) fn run(args: &PlanArgs) -> anyhow::Result<()> {
    let registry;
    let resolver: &dyn plan::BaseResolver = if args.offline {
        &plan::PinnedOnly
    } else {
        registry = args.input.registries.resolver()?;
        &registry
    };
    let planned = make_plan(
        &args.input.plan_input(),
        &crate::home::state_dir(),
        resolver,
    )?;
    let several = planned.plans.len() > 1;
    let shared = plan::shared_stages(&planned.plans);
    let mut docs = Vec::new();
    for (n, p) in planned.plans.iter().enumerate() {
        let verdicts = if args.explain {
            Some(explain(p)?)
        } else {
            None
        };
        match args.format {
            PlanFormat::Text => {
                if several {
                    if n > 0 {
                        println!();
                    }
                    println!("== platform {} ==", p.platform);
                }
                print!("{}", plan::render_text(p));
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
            PlanFormat::Json => {
                let mut doc = serde_json::to_value(p)?;
                if let (Some(map), Some(verdicts)) = (doc.as_object_mut(), &verdicts) {
                    map.insert("explain".into(), serde_json::to_value(verdicts)?);
                }
                docs.push(doc);
            }
        }
    }
    match args.format {
        PlanFormat::Text if several => {
            println!();
            println!("{}", plan::render_shared(&planned.plans, &shared));
        }
        PlanFormat::Text => {}
        // One platform: the plan itself, as before; several: every plan and the shared stages.
        PlanFormat::Json if !several => {
            if let Some(doc) = docs.pop() {
                println!("{}", serde_json::to_string_pretty(&doc)?);
            }
        }
        PlanFormat::Json => {
            let doc = serde_json::json!({ "plans": docs, "shared_stages": shared });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
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
