//! `rbuild build`: the flags ([`super::build_args`]) made into a session request, the session
//! run (`crate::session`) with the progress renderer the flags ask for, then what the user reads
//! at the end: the final table, the cache lines, the Markdown summary, the last line.

use super::build_args::{BuildArgs, CompressionArg, ProgressArg, outputs, source_date_epoch};
use crate::builder::mounts::{SecretSource, SshSource};
use crate::builder::{JsonProgress, PlainProgress, Progress, QuietProgress, TtyProgress};
use crate::cache::remote::{CacheSpec, Direction};
use crate::image::layer::Compression;
use crate::output::ImageName;
use crate::session::BuildRequest;
use std::time::Instant;

/// The request `args` make: every flag parsed and checked before anything is built.
fn request(args: &BuildArgs) -> anyhow::Result<BuildRequest> {
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
    let secrets = args
        .secrets
        .iter()
        .map(|s| SecretSource::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let ssh = args
        .ssh
        .iter()
        .map(|s| SshSource::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let mut attestations = crate::session::attest::Attestations::default();
    for a in &args.attest {
        attestations.attest(a)?;
    }
    if let Some(p) = &args.provenance {
        attestations.provenance(p)?;
    }
    if let Some(s) = &args.sbom {
        attestations.sbom(s)?;
    }
    let mut input = args.input.plan_input();
    for h in &args.add_hosts {
        input.sandbox.add_host(h).map_err(anyhow::Error::msg)?;
    }
    for u in &args.ulimits {
        input.sandbox.ulimit(u).map_err(anyhow::Error::msg)?;
    }
    input.sandbox.shm_size = args.shm_size;
    input.sandbox.cgroup_parent = args.cgroup_parent.clone().filter(|c| !c.is_empty());
    input
        .sandbox
        .network(&args.network)
        .map_err(anyhow::Error::msg)?;
    Ok(BuildRequest {
        entitlements: crate::session::entitlements::Entitlements::parse(&args.allow)?,
        attestations,
        annotations: crate::session::annotations::Annotations::parse(&args.annotations)?,
        registry: args.input.registries.options(),
        outputs,
        iidfile: args.iidfile.clone(),
        metadata_file: args.metadata_file.clone(),
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
        ssh,
        runtime: args.runtime.clone(),
        isolation: args.isolation,
        cleanup: args.cleanup,
        jobs: args.jobs.map_or(0, usize::from),
        labels: args.labels.clone(),
        cache_from,
        cache_to,
        mount_cache_max_size: args.mount_cache_max_size,
        ..BuildRequest::new(input)
    })
}

/// What `--call` (or `--check`) asks for: a build, or the checks alone in a format.
fn call(args: &BuildArgs) -> anyhow::Result<Option<super::check_cmd::CheckFormat>> {
    use super::check_cmd::CheckFormat;
    let mut parts = args.call.split(',');
    let method = parts.next().unwrap_or("build").trim();
    let mut format = CheckFormat::Text;
    for p in parts {
        match p.trim().split_once('=') {
            Some(("format", "json")) => format = CheckFormat::Json,
            Some(("format", "sarif")) => format = CheckFormat::Sarif,
            Some(("format", "github")) => format = CheckFormat::Github,
            Some(("format", "text")) => format = CheckFormat::Text,
            _ => anyhow::bail!(
                "--call {:?}: unknown option {p:?} (format=text|json)",
                args.call
            ),
        }
    }
    match method {
        "build" if args.check => Ok(Some(format)),
        "build" => Ok(None),
        "check" => Ok(Some(format)),
        other => anyhow::bail!(
            "--call {other:?} is not supported: rbuild answers \"build\" and \"check\""
        ),
    }
}

pub(super) fn run(args: &BuildArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    if let Some(format) = call(args)? {
        let resolver = args.input.registries.resolver()?;
        let base_env = crate::session::checks::base_env_from(&resolver);
        let history = crate::session::checks::history_in(&crate::home::state_dir());
        let checked = crate::session::checks::check_input(
            &args.input.plan_input(),
            Some(&base_env),
            history
                .as_ref()
                .map(|h| h as &dyn crate::lint::history::History),
        )?;
        super::check_cmd::print_checked(&checked, format)?;
        return match checked.failure() {
            Some(e) => Err(e.into()),
            None => Ok(()),
        };
    }
    let request = request(args)?;
    let plain = PlainProgress::default();
    let grouped = crate::builder::GroupedProgress::default();
    let in_github_actions = std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true");
    let json = JsonProgress::default();
    // -q: nothing but errors, and the image id on standard output at the end.
    let mode = if args.quiet {
        ProgressArg::Quiet
    } else {
        args.progress.resolve()
    };
    let tty = matches!(mode, ProgressArg::Tty).then(TtyProgress::new);
    let progress: &dyn Progress = match (mode, &tty) {
        (ProgressArg::Quiet, _) => &QuietProgress,
        (ProgressArg::Json, _) => &json,
        (_, Some(tty)) => tty,
        _ if in_github_actions => &grouped,
        _ => &plain,
    };
    let result = crate::session::build(&request, progress)?;
    let top = result.built.top();
    let images = result.built.images();
    if matches!(mode, ProgressArg::Tty | ProgressArg::Plain) && !result.steps.is_empty() {
        for line in crate::builder::summary::render(&result.steps).lines() {
            progress.info(line);
        }
        for (name, r) in &result.caches {
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
        for r in result.mounts.values() {
            progress.info(&super::report::mount_line(r));
        }
    }
    super::report::write_summaries(
        args.summary.as_deref(),
        &super::report::ReportInput {
            digest: top.digest.as_str(),
            seconds: started.elapsed().as_secs_f64(),
            steps: &result.steps,
            caches: &result.caches,
            mounts: &result.mounts,
            // Reading the largest layers costs a pass over them: only for a report.
            size: super::report::wants_summary(args.summary.as_deref())
                .then(|| size_report(&result.store, images)),
            findings: &result.findings,
        },
        progress,
    );
    // In GitHub Actions the checks' findings are annotations on their Dockerfile lines, unless
    // DOCKER_BUILD_CHECKS_ANNOTATIONS=false (build-push-action's switch).
    let annotations_wanted = !std::env::var("DOCKER_BUILD_CHECKS_ANNOTATIONS")
        .is_ok_and(|v| v.eq_ignore_ascii_case("false") || v == "0");
    if in_github_actions && annotations_wanted && !result.findings.is_empty() {
        let file = args
            .input
            .file
            .clone()
            .unwrap_or_else(|| crate::session::input::default_dockerfile(&args.input.context));
        let workspace = std::env::var_os("GITHUB_WORKSPACE").map(std::path::PathBuf::from);
        let shown: std::path::PathBuf = workspace
            .as_deref()
            .and_then(|w| file.strip_prefix(w).ok())
            .unwrap_or(&file)
            .components()
            .filter(|c| !matches!(c, std::path::Component::CurDir))
            .collect();
        print!(
            "{}",
            crate::lint::render::github(&result.findings, &shown.display().to_string())
        );
    }
    let cached = result.steps.iter().filter(|s| s.cached).count();
    if images.len() > 1 {
        for image in images {
            progress.info(&format!(
                "image {}/{}{}: {}",
                image.platform.os,
                image.platform.architecture,
                if image.platform.variant.is_empty() {
                    String::new()
                } else {
                    format!("/{}", image.platform.variant)
                },
                image.manifest.digest
            ));
        }
    }
    progress.info(&format!(
        "built {}{} ({} steps, {} cached) in {:.1}s",
        if images.len() > 1 { "index " } else { "" },
        top.digest,
        result.steps.len(),
        cached,
        started.elapsed().as_secs_f64()
    ));
    if args.quiet {
        let id = match images {
            [image] => image.config.digest.to_string(),
            _ => top.digest.to_string(),
        };
        println!("{id}");
    }
    match result.export_failure {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// The size section of the report: the largest layers and files of each platform's image
/// (headed by its platform when there are several).
fn size_report(
    store: &crate::store::Store,
    images: &[crate::image::manifest::BuiltImage],
) -> String {
    let mut out = String::new();
    for image in images {
        let layers = match super::size_cmd::local_sizes(store, image, 3, 5) {
            Ok(layers) => layers,
            Err(e) => {
                tracing::warn!("image size report: {e:#}");
                continue;
            }
        };
        if images.len() > 1 {
            out.push_str(&format!(
                "{}/{}:\n",
                image.platform.os, image.platform.architecture
            ));
        }
        out.push_str(&super::size_cmd::render(&layers, true));
    }
    out
}
