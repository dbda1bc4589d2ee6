//! `rbuild build`: plan, build with the local cache, then the outputs buildx would make: tags
//! pushed (`--push`, `--output type=registry`), OCI layouts and docker archives, `--iidfile`,
//! `--metadata-file`.

use super::plan_cmd::{InputArgs, make_plan};
use crate::builder::mounts::{SecretSource, SshSource};
use crate::builder::resolver::RegistryResolver;
use crate::builder::{
    BuildOptions, Builder, JsonProgress, LayeredCache, PlainProgress, Progress, QuietProgress,
    StepCache, TtyProgress,
};
use crate::cache::remote::{CacheSpec, Direction, Meter, RemoteCaches, Scopes};
use crate::image::layer::Compression;
use crate::oci::reference::Reference;
use crate::output::{ImageName, OutputSpec};
use crate::registry::{PushOptions, Repository};
use crate::store::Store;
use anyhow::Context as _;
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::sync::Arc;
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
    /// Cache export destination (format: "type=registry|s3|gha|local,...", e.g.
    /// "type=registry,ref=reg/app-cache,mode=max"); several allowed
    #[arg(long = "cache-to", value_name = "SPEC")]
    pub cache_to: Vec<String>,
    /// External cache sources (format: "type=registry|s3|gha|local,...", or a registry ref);
    /// several allowed, read in order
    #[arg(long = "cache-from", value_name = "SPEC")]
    pub cache_from: Vec<String>,
    /// Write the build report as Markdown to FILE (also appended to $GITHUB_STEP_SUMMARY when
    /// that is set)
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Set metadata for the image (KEY=VALUE); several allowed
    #[arg(long = "label", value_name = "KEY=VALUE", value_parser = parse_label)]
    pub labels: Vec<(String, String)>,
    /// Always attempt to pull newer versions of the base images (rbuild resolves every tag in
    /// its registry on each build already: accepted for docker compatibility)
    #[arg(long)]
    pub pull: bool,
    /// Largest size one RUN --mount=type=cache directory may export (e.g. 2GB): the least
    /// recently used files, largest first, are left out
    #[arg(long = "mount-cache-max-size", value_name = "SIZE", value_parser = rbuild_wire::units::parse_size)]
    pub mount_cache_max_size: Option<u64>,
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
    let cache_from = args
        .cache_from
        .iter()
        .map(|s| CacheSpec::parse(s, Direction::Import))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("--cache-from: {e}"))?;
    let cache_to = args
        .cache_to
        .iter()
        .map(|s| CacheSpec::parse(s, Direction::Export))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("--cache-to: {e}"))?;
    let resolver = args.input.registries.resolver()?;
    let state = crate::home::state_dir();
    let store = Store::open(&state)
        .with_context(|| format!("{}: cannot open the state directory", state.display()))?;
    // ADD URLs without --checksum are fetched while planning: their content is in the key.
    let prefetch_dir = store.layout().temp_path("add-url");
    let secrets = args
        .secrets
        .iter()
        .map(|s| SecretSource::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    // GIT_AUTH_TOKEN[.<host>] / GIT_AUTH_HEADER[.<host>]: credentials for ADD's git sources.
    let mut git_secrets = Vec::new();
    let git_secret = |s: &&SecretSource| crate::builder::copy::git::GitAuth::wants(&s.id);
    for s in secrets.iter().filter(git_secret) {
        let value = s.read()?;
        git_secrets.push((s.id.clone(), String::from_utf8_lossy(&value).into_owned()));
    }
    let prefetched = Arc::new(
        crate::builder::copy::url::Prefetch::new(prefetch_dir.clone())
            .with_context(|| format!("{}: cannot create", prefetch_dir.display()))?
            .with_git_auth(crate::builder::copy::git::GitAuth::new(git_secrets)),
    );
    let planned = make_plan(
        &args.input,
        &crate::builder::copy::url::FetchingResolver {
            images: &resolver,
            urls: &prefetched,
        },
    )?;
    let plain = PlainProgress::default();
    let grouped = crate::builder::GroupedProgress::default();
    let in_github_actions = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    let json = JsonProgress::default();
    let mode = args.progress.resolve();
    let tty = matches!(mode, ProgressArg::Tty).then(TtyProgress::new);
    let progress: &dyn Progress = match (mode, &tty) {
        (ProgressArg::Quiet, _) => &QuietProgress,
        (ProgressArg::Json, _) => &json,
        (_, Some(tty)) => tty,
        _ if in_github_actions => &grouped,
        _ => &plain,
    };
    let remote_caches = !(cache_from.is_empty() && cache_to.is_empty());
    // On a CI runner, which jobs of other branches and pull requests share, the local records
    // are tagged with the build's scope and served only to builds that read it
    // (cache::local); the scopes are then detected even without a remote cache.
    let on_ci = ["GITHUB_ACTIONS", "CI"]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|v| v == "true"))
        || std::env::var_os("CODEBUILD_BUILD_ID").is_some();
    let scopes = (remote_caches || on_ci).then(|| {
        let warn = |w: &str| progress.info(w);
        let api = remote_caches
            .then(|| crate::github::ApiBranchFacts::on_github_actions(resolver.runtime(), &warn))
            .flatten();
        let scopes = Scopes::detect(
            &args.input.context,
            api.as_ref()
                .map(|a| a as &dyn crate::cache::remote::scope::BranchFacts),
        );
        progress.info(&format!(
            "cache scope {} (reads {})",
            scopes.write,
            scopes.reads.join(" -> ")
        ));
        scopes
    });
    // On a CI runner, cache-mount directories are kept per scope as records are.
    let mount_scope = scopes.as_ref().filter(|_| on_ci).map(|s| s.write.clone());
    let local = super::local_cache(
        &store,
        crate::cache::RecordScope {
            tag: scopes.as_ref().map(|s| s.write.clone()),
            readable: scopes.as_ref().filter(|_| on_ci).map(|s| {
                let mut readable = s.reads.clone();
                readable.push(s.write.clone());
                readable
            }),
        },
    )?;
    let remote = match scopes {
        Some(scopes) if remote_caches => RemoteCaches::open(
            &cache_from,
            &cache_to,
            scopes,
            resolver.registry(),
            resolver.runtime(),
            &|w| progress.info(w),
        )?,
        _ => RemoteCaches::none(),
    };
    let mount_caches = Arc::new(remote.mount_caches(
        &store.root().join(crate::cache::mounts::MOUNTS_DIR),
        args.mount_cache_max_size,
        resolver.runtime(),
    ));
    let cache = LayeredCache {
        local: local.as_ref(),
        remote: &remote,
    };
    let pull_meter = Arc::new(Meter::default());
    // Ctrl-C (or SIGTERM) during the build cancels it cleanly instead of killing rbuild.
    let watch = crate::builder::interrupt::Watch::start().map_err(|e| anyhow::anyhow!(e))?;
    let builder = Builder {
        store: &store,
        cache: &cache as &dyn StepCache,
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
            secrets,
            ssh: args
                .ssh
                .iter()
                .map(|s| SshSource::parse(s))
                .collect::<Result<_, _>>()?,
            runtime: args.runtime.clone(),
            jobs: args.jobs.map_or(0, usize::from),
            interrupt: Some(watch.flag()),
            pull_meter: Some(pull_meter.clone()),
            labels: args.labels.clone(),
            prefetched: Some(prefetched.clone()),
            keep_blobs: keep_blobs(&outputs, !cache_to.is_empty()),
            mount_scope: mount_scope.clone(),
            mount_sync: mount_caches
                .is_active()
                .then(|| mount_caches.clone() as Arc<dyn crate::cache::mounts::MountSync>),
        },
    };
    let materializer = crate::builder::layers::Materializer {
        store: &store,
        registry: resolver.registry(),
        runtime: resolver.runtime(),
        pulled: Some(&pull_meter),
        keep: crate::builder::layers::KeepBlobs::All,
        making: Default::default(),
        early: Default::default(),
    };
    // Build, and fetch the blobs the outputs need. A layer a remote cache cannot deliver
    // intact (missing, corrupt, the backend gone) is poisoned and the build runs again: the
    // steps that made it run instead (each round poisons at least one more blob).
    let built = loop {
        let poisoned = remote.poisoned_count();
        let result = builder.build(&planned.plan).and_then(|b| {
            materializer.ensure_blobs(&needed_blobs(&outputs, &b.layers, &store))?;
            Ok(b)
        });
        match result {
            Err(crate::builder::BuildError::CacheBlob {
                backend,
                digest,
                reason,
            }) if remote.poisoned_count() > poisoned => {
                progress.info(&format!(
                    "WARNING: cache {backend}: layer {digest} unusable ({reason}); building again without it"
                ));
            }
            other => break other,
        }
    };
    drop(watch);
    // One sync makes the snapshots this build published durable (store::durability).
    if let Err(e) = store.settle() {
        progress.info(&format!("WARNING: syncing the new snapshots: {e}"));
    }
    let built = built.map_err(|e| at_file(&planned.file, &chain(&e)))?;
    let image = &built.image;
    let mut names: Vec<ImageName> = Vec::new();
    for out in &outputs {
        match out {
            Output::Local(spec) => {
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
                    let opts = PushOptions {
                        mount_from: crate::builder::executor::mount_sources(&built.layers),
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
    let export_failure = export_caches(
        &remote,
        local.as_ref(),
        &planned.plan,
        &built.steps,
        &store,
        &resolver,
        progress,
    );
    mount_caches.export(&|w| progress.info(w));
    let mount_reports = mount_caches.reports();
    if let Some(path) = &args.iidfile {
        crate::output::write_iidfile(path, image)?;
    }
    if let Some(path) = &args.metadata_file {
        let mut doc = crate::output::metadata::metadata(image, &names);
        if let Some(map) = doc.as_object_mut() {
            if args.explain {
                map.insert("rbuild.explain".into(), explained(&built.steps));
            }
            map.insert(
                "rbuild.pull".into(),
                serde_json::to_value(pull_meter.report())?,
            );
            map.insert(
                "rbuild.materialize".into(),
                materialized(&planned.plan, &built.steps),
            );
            let caches = remote.reports();
            if !caches.is_empty() {
                map.insert("rbuild.cache".into(), serde_json::to_value(&caches)?);
            }
            if mount_caches.is_active() {
                map.insert(
                    "rbuild.mount-caches".into(),
                    serde_json::to_value(&mount_reports)?,
                );
            }
        }
        write_json_atomic(path, &doc)?;
    }
    if matches!(mode, ProgressArg::Tty | ProgressArg::Plain) && !built.steps.is_empty() {
        for line in crate::builder::summary::render(&built.steps).lines() {
            progress.info(line);
        }
        for (name, r) in remote.reports() {
            progress.info(&format!(
                "cache {name}: downloaded {} in {} blobs, uploaded {} in {} blobs, import {:.1}s, export {:.1}s",
                crate::cli::units::human_size(r.download_bytes),
                r.blobs_downloaded,
                crate::cli::units::human_size(r.upload_bytes),
                r.blobs_uploaded,
                r.import_seconds,
                r.export_seconds
            ));
        }
        for r in mount_reports.values() {
            progress.info(&mount_line(r));
        }
    }
    write_summaries(
        args.summary.as_deref(),
        &super::report::ReportInput {
            digest: image.manifest.digest.as_str(),
            seconds: started.elapsed().as_secs_f64(),
            steps: &built.steps,
            caches: &remote.reports(),
            mounts: &mount_reports,
            // Reading the largest layers costs a pass over them: only for a report.
            size: wants_summary(args.summary.as_deref())
                .then(|| super::size_cmd::local_sizes(&store, image, 3, 5))
                .and_then(|r| {
                    r.map_err(|e| tracing::warn!("image size report: {e:#}"))
                        .ok()
                })
                .map(|layers| super::size_cmd::render(&layers, true)),
        },
        progress,
    );
    let cached = built.steps.iter().filter(|s| s.cached).count();
    progress.info(&format!(
        "built {} ({} steps, {} cached) in {:.1}s",
        image.manifest.digest,
        built.steps.len(),
        cached,
        started.elapsed().as_secs_f64()
    ));
    match export_failure {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The repository a push target names (`None` when it does not parse; the push reports that).
fn push_repository(target: &str) -> Option<Repository> {
    let name = ImageName::parse(target).ok()?;
    let reference = Reference::parse(&name.full()).ok()?;
    Some(Repository::of(&reference))
}

/// Which blobs of layers streamed into snapshots (from base images or caches) are also kept in
/// the store: those an output or a cache export will need the bytes of ([`needed_blobs`] after
/// the build fetches any that are still missing).
fn keep_blobs(outputs: &[Output], exports: bool) -> crate::builder::layers::KeepBlobs {
    use crate::builder::layers::KeepBlobs;
    if exports {
        return KeepBlobs::All;
    }
    let mut hosts = Vec::new();
    for out in outputs {
        match out {
            Output::Local(_) => return KeepBlobs::All,
            Output::Registry(targets) => {
                for t in targets {
                    let Some(repo) = push_repository(t) else {
                        return KeepBlobs::All;
                    };
                    hosts.push(repo.domain);
                }
            }
        }
    }
    if hosts.is_empty() {
        KeepBlobs::None
    } else {
        KeepBlobs::UnlessPushedTo(hosts)
    }
}

/// The layers whose blobs the outputs need in the store: every layer for an OCI layout or a
/// docker archive; for a push, those the target registry cannot mount.
fn needed_blobs(
    outputs: &[Output],
    layers: &[crate::builder::layers::LayerRef],
    store: &Store,
) -> Vec<crate::builder::layers::LayerRef> {
    let mut needed: Vec<crate::builder::layers::LayerRef> = Vec::new();
    let mut add = |ls: Vec<crate::builder::layers::LayerRef>| {
        for l in ls {
            if !needed.iter().any(|n| n.desc.digest == l.desc.digest) {
                needed.push(l);
            }
        }
    };
    for out in outputs {
        match out {
            Output::Local(_) => add(layers.to_vec()),
            Output::Registry(targets) => {
                for repo in targets.iter().filter_map(|t| push_repository(t)) {
                    add(crate::builder::executor::unmountable(layers, &repo, store));
                }
            }
        }
    }
    needed
}

/// Exports the build's records to every `--cache-to` backend; a failure warns, and is
/// returned (to fail the build after its outputs) only for `ignore-error=false`.
fn export_caches(
    remote: &RemoteCaches,
    local: &dyn crate::builder::StepCache,
    plan: &crate::plan::Plan,
    steps: &[crate::builder::StepReport],
    store: &Store,
    resolver: &RegistryResolver,
    progress: &dyn Progress,
) -> Option<anyhow::Error> {
    if !remote.has_targets() {
        return None;
    }
    let in_image = plan.image_stages();
    // Lazy layers (crate::store::lazy) get their blobs now, as zstd; a record whose blob cannot
    // be made is left out of the export with a warning.
    let records: Vec<(crate::cache::CacheRecord, bool)> = steps
        .iter()
        .filter_map(|s| Some((s.record.clone()?, in_image.contains(&s.stage))))
        .filter_map(|(record, in_image)| {
            if !in_image && !remote.exports_every_stage() {
                return Some((record, in_image));
            }
            match crate::builder::lazy::realize_record(store, local, record) {
                Ok(record) => Some((record, in_image)),
                Err(e) => {
                    progress.info(&format!("WARNING: cache export: {e}; its step is left out"));
                    None
                }
            }
        })
        .collect();
    let mut failure = None;
    for (name, ignore_error, result) in remote.export(&records, store, resolver.runtime()) {
        match result {
            Ok(()) => progress.info(&format!("exported cache to {name}")),
            Err(e) if ignore_error => {
                progress.info(&format!("WARNING: cache export to {name} failed: {e}"));
            }
            Err(e) => {
                progress.info(&format!("ERROR: cache export to {name} failed: {e}"));
                failure.get_or_insert(anyhow::anyhow!("cache export to {name} failed: {e}"));
            }
        }
    }
    failure
}

/// Whether a Markdown report is wanted: `--summary FILE` or `$GITHUB_STEP_SUMMARY`.
fn wants_summary(file: Option<&std::path::Path>) -> bool {
    file.is_some() || std::env::var_os("GITHUB_STEP_SUMMARY").is_some_and(|v| !v.is_empty())
}

/// Writes the Markdown report to `--summary FILE` and appends it to `$GITHUB_STEP_SUMMARY`; a
/// file that cannot be written only warns (the image is built).
fn write_summaries(
    file: Option<&std::path::Path>,
    input: &super::report::ReportInput<'_>,
    progress: &dyn Progress,
) {
    let step_summary = std::env::var_os("GITHUB_STEP_SUMMARY")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    if !wants_summary(file) {
        return;
    }
    let markdown = super::report::markdown(input);
    if let Some(path) = file
        && let Err(e) = std::fs::write(path, &markdown)
    {
        progress.info(&format!("WARNING: --summary {}: {e}", path.display()));
    }
    if let Some(path) = step_summary {
        use std::io::Write as _;
        let appended = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(markdown.as_bytes()));
        if let Err(e) = appended {
            progress.info(&format!(
                "WARNING: $GITHUB_STEP_SUMMARY {}: {e}",
                path.display()
            ));
        }
    }
}

/// A `--label` value: `KEY=VALUE` (the value may be empty).
fn parse_label(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("{text:?}: want KEY=VALUE")),
    }
}

/// One mount cache's line in the final report.
fn mount_line(r: &crate::cache::remote::mounts::MountReport) -> String {
    use crate::cli::units::human_size;
    let restored = if r.restored {
        format!(
            "restored {} in {} chunks",
            human_size(r.bytes_downloaded),
            r.chunks_downloaded
        )
    } else if let Some(e) = &r.restore_error {
        format!("not restored ({e})")
    } else {
        "not restored".to_string()
    };
    let exported = if r.unchanged > 0 && r.chunks_uploaded == 0 && r.chunks_reused == 0 {
        "unchanged, not exported".to_string()
    } else {
        format!(
            "uploaded {} in {} chunks, {} chunks reused",
            human_size(r.bytes_uploaded),
            r.chunks_uploaded,
            r.chunks_reused
        )
    };
    let dropped = if r.dropped_files > 0 {
        format!(
            ", {} files ({}) left out by --mount-cache-max-size",
            r.dropped_files,
            human_size(r.dropped_bytes)
        )
    } else {
        String::new()
    };
    format!("mount cache {}: {restored}; {exported}{dropped}", r.id)
}

/// `rbuild.materialize`: per stage whose steps needed lower layers made present, how many,
/// the bytes downloaded for them, and the seconds its steps waited for them (`download_seconds`
/// until the last byte; `seconds` until the last snapshot, downloads overlapping the
/// unpacking); `early`: how many of them were started before a step asked, while the build ran
/// up to it (those count only the rest of their time).
fn materialized(
    plan: &crate::plan::Plan,
    steps: &[crate::builder::StepReport],
) -> serde_json::Value {
    let mut by_stage: std::collections::BTreeMap<usize, crate::builder::layers::MaterializeTimes> =
        std::collections::BTreeMap::new();
    for s in steps.iter().filter(|s| s.materialize.layers > 0) {
        by_stage.entry(s.stage).or_default().add(&s.materialize);
    }
    serde_json::Value::Array(
        by_stage
            .into_iter()
            .map(|(i, t)| {
                let name = plan
                    .stages
                    .get(i)
                    .and_then(|st| st.name.clone())
                    .unwrap_or_else(|| i.to_string());
                serde_json::json!({
                    "stage": name,
                    "layers": t.layers,
                    "download_bytes": t.download_bytes,
                    "download_seconds": t.download_seconds,
                    "seconds": t.seconds,
                    "early": t.early,
                })
            })
            .collect(),
    )
}

/// `rbuild.explain`: every step that missed, its line and why (`[{"step": "[2/3] COPY . /app",
/// "line": 3, "reason": "file changed: app.py"}]`).
fn explained(steps: &[crate::builder::StepReport]) -> serde_json::Value {
    let misses: Vec<serde_json::Value> = steps
        .iter()
        .filter_map(|s| {
            let reason = s.miss_reason.as_ref()?;
            Some(serde_json::json!({"step": s.name, "line": s.line, "reason": reason}))
        })
        .collect();
    serde_json::Value::Array(misses)
}

/// Writes `doc` as indented JSON to `path` (temp file + rename).
fn write_json_atomic(path: &std::path::Path, doc: &serde_json::Value) -> anyhow::Result<()> {
    let bytes = serde_json::to_vec_pretty(doc)?;
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
