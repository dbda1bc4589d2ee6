//! `rbuild build`: plan, build with the local cache, then the outputs buildx would make: tags
//! pushed (`--push`, `--output type=registry`), OCI layouts and docker archives, `--iidfile`,
//! `--metadata-file`.

use super::plan_cmd::{InputArgs, make_plan};
use crate::build::mounts::{SecretSource, SshSource};
use crate::build::{
    BuildOptions, Builder, JsonProgress, PlainProgress, Progress, QuietProgress, StepCache,
    TtyProgress,
};
use crate::image::layer::Compression;
use crate::output::{ImageName, OutputSpec};
use crate::plan::reference::Reference;
use crate::registry::{PushOptions, RegistryOptions, RegistryResolver, Repository};
use crate::store::Store;
use anyhow::Context as _;
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::time::Instant;

/// Flags of `rbuild build`, named as `docker buildx build` names them.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The Dockerfile, context and platform.
    #[command(flatten)]
    pub input: InputArgs,
    /// Name and optionally a tag (format: "name:tag"); several allowed
    #[arg(short = 't', long = "tag", value_name = "NAME")]
    pub tags: Vec<String>,
    /// Shorthand for "--output=type=registry": push the image to every tag
    #[arg(long)]
    pub push: bool,
    /// Output destination (format: "type=oci|docker|registry,dest=path,name=...")
    #[arg(short = 'o', long = "output", value_name = "SPEC")]
    pub outputs: Vec<String>,
    /// Write the image ID (config digest) to the file
    #[arg(long, value_name = "FILE")]
    pub iidfile: Option<PathBuf>,
    /// Write build result metadata to the file
    #[arg(long = "metadata-file", value_name = "FILE")]
    pub metadata_file: Option<PathBuf>,
    /// Compression of new layers
    #[arg(long, value_enum, default_value_t = CompressionArg::Gzip)]
    pub compression: CompressionArg,
    /// Do not use cache when building the image
    #[arg(long = "no-cache")]
    pub no_cache: bool,
    /// Do not cache specified stages
    #[arg(long = "no-cache-filter", value_name = "STAGE", value_delimiter = ',')]
    pub no_cache_filter: Vec<String>,
    /// Set type of progress output ("auto", "tty", "plain", "json", "quiet")
    #[arg(long, value_enum, default_value_t = ProgressArg::Auto)]
    pub progress: ProgressArg,
    /// Say why each step that misses the cache missed, as it starts, and in the metadata file
    /// (`rbuild.explain`); the final table always does
    #[arg(long)]
    pub explain: bool,
    /// Secret to expose to the build (format: "id=mysecret[,src=/local/secret]" or
    /// "id=mysecret,env=VAR")
    #[arg(long = "secret", value_name = "SPEC")]
    pub secrets: Vec<String>,
    /// SSH agent socket to expose to the build (format: "default|<id>[=<socket>]")
    #[arg(long = "ssh", value_name = "SPEC")]
    pub ssh: Vec<String>,
    /// OCI runtime for RUN steps: "runc", "crun" or a path (default: runc, else crun)
    #[arg(long, value_name = "RUNTIME")]
    pub runtime: Option<String>,
    /// Run at most N stages at once (default: the number of cores)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
}

/// `--compression` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CompressionArg {
    /// gzip, level 1 (Docker's default format)
    Gzip,
    /// zstd, level 3
    Zstd,
    /// no compression
    Uncompressed,
}

/// `--progress` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ProgressArg {
    /// tty when standard error is a terminal and CI is not set, else plain
    Auto,
    /// a live view: running steps with spinners and their latest output
    Tty,
    /// one line per step start and end
    Plain,
    /// one JSON object per event, for tools
    Json,
    /// nothing but errors
    Quiet,
}

impl ProgressArg {
    /// `auto` and `tty` made concrete: tty only on a terminal (and for `auto` only when the
    /// environment variable `CI` is not `true` or `1`), else plain.
    fn resolve(self) -> ProgressArg {
        use std::io::IsTerminal;
        let terminal = std::io::stderr().is_terminal();
        match self {
            ProgressArg::Auto => {
                let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
                if terminal && !ci {
                    ProgressArg::Tty
                } else {
                    ProgressArg::Plain
                }
            }
            ProgressArg::Tty if !terminal => {
                eprintln!("WARNING: --progress=tty: standard error is not a terminal, using plain");
                ProgressArg::Plain
            }
            other => other,
        }
    }
}

/// Where the image goes.
enum Output {
    /// An OCI layout or docker archive.
    Local(OutputSpec),
    /// A push to these names.
    Registry(Vec<String>),
}

/// Parses the `--output` values and `--push`; `type=registry` and `type=image,push=true` push to
/// their `name=` or, without one, to the tags.
fn outputs(args: &BuildArgs) -> anyhow::Result<Vec<Output>> {
    let mut out = Vec::new();
    for spec in &args.outputs {
        let fields =
            crate::csv::fields(spec).map_err(|e| anyhow::anyhow!("--output {spec:?}: {e}"))?;
        let get = |k: &str| {
            fields.iter().find_map(|f| {
                f.split_once('=')
                    .filter(|(key, _)| *key == k)
                    .map(|(_, v)| v.to_string())
            })
        };
        match get("type").as_deref() {
            Some("registry") | Some("image") => {
                if get("type").as_deref() == Some("image") && get("push").as_deref() != Some("true")
                {
                    anyhow::bail!(
                        "--output {spec:?}: type=image without push=true keeps the image only in the local store; use type=oci or type=docker to export it"
                    );
                }
                let names: Vec<String> = match get("name") {
                    Some(n) => n.split(',').map(str::to_string).collect(),
                    None => args.tags.clone(),
                };
                if names.is_empty() {
                    anyhow::bail!("--output {spec:?}: a registry output needs name= or -t");
                }
                out.push(Output::Registry(names));
            }
            _ => {
                let mut parsed = OutputSpec::parse(spec).map_err(|e| anyhow::anyhow!("{e}"))?;
                parsed
                    .default_names(&args.tags)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                out.push(Output::Local(parsed));
            }
        }
    }
    if args.push {
        if args.tags.is_empty() {
            anyhow::bail!("--push needs at least one -t/--tag");
        }
        out.push(Output::Registry(args.tags.clone()));
    }
    Ok(out)
}

/// `SOURCE_DATE_EPOCH` from `--build-arg` (as buildx takes it) or the environment.
fn source_date_epoch(args: &BuildArgs) -> anyhow::Result<Option<i64>> {
    let from_arg = args
        .input
        .build_args
        .iter()
        .find_map(|a| a.strip_prefix("SOURCE_DATE_EPOCH=").map(str::to_string));
    match from_arg.or_else(|| std::env::var("SOURCE_DATE_EPOCH").ok()) {
        None => Ok(None),
        Some(v) if v.is_empty() => Ok(None),
        Some(v) => v
            .parse::<i64>()
            .map(Some)
            .map_err(|_| anyhow::anyhow!("SOURCE_DATE_EPOCH={v:?} is not a number of seconds")),
    }
}

pub(super) fn run(args: &BuildArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let outputs = outputs(args)?;
    let sde = source_date_epoch(args)?;
    for tag in &args.tags {
        ImageName::parse(tag).map_err(|e| anyhow::anyhow!("-t {tag:?}: {e}"))?;
    }
    let resolver = RegistryResolver::new(&RegistryOptions {
        insecure_registries: args.input.insecure_registries.clone(),
        ..RegistryOptions::default()
    })?;
    let planned = make_plan(&args.input, &resolver)?;
    let state = crate::home::state_dir();
    let store = Store::open(&state)
        .with_context(|| format!("{}: cannot open the state directory", state.display()))?;
    let cache = super::local_cache(&store)?;
    let plain = PlainProgress::default();
    let json = JsonProgress::default();
    let mode = args.progress.resolve();
    let tty = matches!(mode, ProgressArg::Tty).then(TtyProgress::new);
    let progress: &dyn Progress = match (mode, &tty) {
        (ProgressArg::Quiet, _) => &QuietProgress,
        (ProgressArg::Json, _) => &json,
        (_, Some(tty)) => tty,
        _ => &plain,
    };
    // Ctrl-C (or SIGTERM) during the build cancels it cleanly instead of killing rbuild.
    let watch = crate::build::interrupt::Watch::start().map_err(|e| anyhow::anyhow!(e))?;
    let builder = Builder {
        store: &store,
        cache: cache.as_ref() as &dyn StepCache,
        resolver: &resolver,
        context: &planned.context,
        progress,
        options: BuildOptions {
            compression: match args.compression {
                CompressionArg::Gzip => Compression::gzip(),
                CompressionArg::Zstd => Compression::zstd(),
                CompressionArg::Uncompressed => Compression::None,
            },
            source_date_epoch: sde,
            no_cache: args.no_cache,
            no_cache_filter: args.no_cache_filter.clone(),
            explain: args.explain,
            secrets: args
                .secrets
                .iter()
                .map(|s| SecretSource::parse(s))
                .collect::<Result<_, _>>()?,
            ssh: args
                .ssh
                .iter()
                .map(|s| SshSource::parse(s))
                .collect::<Result<_, _>>()?,
            runtime: args.runtime.clone(),
            jobs: args.jobs.map_or(0, usize::from),
            interrupt: Some(watch.flag()),
        },
    };
    let built = builder.build(&planned.plan);
    drop(watch);
    let built = built.map_err(|e| at_file(&planned.file, &chain(&e)))?;
    let image = &built.image;
    let mut names: Vec<ImageName> = Vec::new();
    for out in &outputs {
        match out {
            Output::Local(spec) => {
                let materializer = crate::build::layers::Materializer {
                    store: &store,
                    registry: resolver.registry(),
                    runtime: resolver.runtime(),
                };
                materializer.ensure_blobs(&built.layers)?;
                progress.info(&format!(
                    "exporting to {} {}",
                    spec.kind.as_str(),
                    spec.dest.display()
                ));
                crate::output::export(&store, image, spec)?;
                names.extend(spec.names.iter().cloned());
            }
            Output::Registry(targets) => {
                for t in targets {
                    let name = ImageName::parse(t).map_err(|e| anyhow::anyhow!("{t:?}: {e}"))?;
                    let reference = Reference::parse(&name.full())
                        .map_err(|e| anyhow::anyhow!("{t:?}: {e}"))?;
                    let repo = Repository::of(&reference);
                    let missing = crate::build::executor::unmountable(&built.layers, &repo, &store);
                    let materializer = crate::build::layers::Materializer {
                        store: &store,
                        registry: resolver.registry(),
                        runtime: resolver.runtime(),
                    };
                    materializer.ensure_blobs(&missing)?;
                    let opts = PushOptions {
                        mount_from: crate::build::executor::mount_sources(&built.layers),
                        ..PushOptions::default()
                    };
                    progress.info(&format!("pushing {}", name.full()));
                    let report = resolver
                        .runtime()
                        .block_on(resolver.registry().push(&store, image, &reference, &opts))
                        .with_context(|| format!("pushing {}", name.full()))?;
                    progress.info(&format!(
                        "pushed {}@{} ({} blobs uploaded, {} mounted, {} already there)",
                        name.full(),
                        report.manifest_digest,
                        report.blobs_uploaded,
                        report.blobs_mounted,
                        report.blobs_skipped
                    ));
                    names.push(name);
                }
            }
        }
    }
    if outputs.is_empty() {
        progress.info(
            "WARNING: No output specified: the build result stays in rbuild's state only (use --push, -o type=oci,dest=... or -o type=docker,dest=...)",
        );
    }
    if let Some(path) = &args.iidfile {
        crate::output::write_iidfile(path, image)?;
    }
    if let Some(path) = &args.metadata_file {
        if args.explain {
            write_explained_metadata(path, image, &names, &built.steps)?;
        } else {
            crate::output::write_metadata_file(path, image, &names)?;
        }
    }
    if matches!(mode, ProgressArg::Tty | ProgressArg::Plain) && !built.steps.is_empty() {
        for line in crate::build::summary::render(&built.steps).lines() {
            progress.info(line);
        }
    }
    let cached = built.steps.iter().filter(|s| s.cached).count();
    progress.info(&format!(
        "built {} ({} steps, {} cached) in {:.1}s",
        image.manifest.digest,
        built.steps.len(),
        cached,
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// The `--metadata-file` document with `rbuild.explain`: every step that missed, its line and
/// why (`[{"step": "[2/3] COPY . /app", "line": 3, "reason": "file changed: app.py"}]`).
fn write_explained_metadata(
    path: &std::path::Path,
    image: &crate::image::manifest::BuiltImage,
    names: &[ImageName],
    steps: &[crate::build::StepReport],
) -> anyhow::Result<()> {
    let mut doc = crate::output::metadata::metadata(image, names);
    let misses: Vec<serde_json::Value> = steps
        .iter()
        .filter_map(|s| {
            let reason = s.miss_reason.as_ref()?;
            Some(serde_json::json!({"step": s.name, "line": s.line, "reason": reason}))
        })
        .collect();
    if let Some(map) = doc.as_object_mut() {
        map.insert("rbuild.explain".into(), serde_json::Value::Array(misses));
    }
    let bytes = serde_json::to_vec_pretty(&doc)?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, &bytes).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// An error message that starts with `line N: ` (a step's error) as `FILE:N: ...`.
fn at_file(file: &std::path::Path, msg: &str) -> anyhow::Error {
    let parsed = msg.strip_prefix("line ").and_then(|rest| {
        let (n, tail) = rest.split_once(": ")?;
        Some((n.parse::<usize>().ok()?, tail))
    });
    match parsed {
        Some((line, tail)) => anyhow::anyhow!("{}:{line}: {tail}", file.display()),
        None => anyhow::anyhow!("{msg}"),
    }
}

/// An error and its causes, joined with `: ` (the cause is often the interesting part: which
/// file could not be read, and why).
fn chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !msg.contains(&text) {
            msg.push_str(": ");
            msg.push_str(&text);
        }
        cause = c.source();
    }
    msg
}
