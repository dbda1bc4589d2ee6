//! `rbuild executor`: Kaniko's executor flags, so that a pipeline switching from Kaniko changes
//! only the executable's name (rbuild's image also answers at `/kaniko/executor`). The flags are
//! turned into an `rbuild build` command line:
//!
//! | Kaniko | rbuild build |
//! |---|---|
//! | `--context DIR` (or `dir://DIR`; default `/workspace/`) | the context |
//! | `--dockerfile F` (from the working directory, else the context) | `-f F` |
//! | `--destination REF` (repeatable) | `-t REF`, and `--push` unless `--no-push` |
//! | `--build-arg`, `--target`, `--label` | the same |
//! | `--cache[=true]`, `--cache-repo REPO` (default `<destination repo>/cache`) | `--cache-from type=registry,ref=REPO` and `--cache-to type=registry,ref=REPO,mode=max` |
//! | `--tar-path P` | `-o type=docker,dest=P` |
//! | `--digest-file F`, `--image-name-with-digest-file F` | written from the build's metadata |
//! | `--insecure`, `--insecure-pull` | `--insecure-registry` for the destinations, for every host |
//! | `--skip-tls-verify`, `--registry-mirror` | the same |
//! | `--reproducible` | `SOURCE_DATE_EPOCH=0` |
//! | `--custom-platform` | `--platform` |
//! | `--cleanup` | `/` is cleared after the build (the container isolation) |
//!
//! `--cache-ttl` is accepted (the cache ages out by the registry's retention) and so are the
//! flags that only tune Kaniko's speed (`--snapshot-mode`, `--use-new-run`,
//! `--compressed-caching`, `--cache-copy-layers`, `--cache-run-layers`, `--single-snapshot`):
//! rbuild caches every step and snapshots by stat walks anyway. Any other flag is refused with
//! the list of these.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow, bail};
use clap::{CommandFactory as _, FromArgMatches as _, Parser};

use super::build_args::BuildArgs;
use crate::oci::reference::Reference;

/// Kaniko's executor flags (see the module docs).
#[derive(Debug, Parser)]
#[command(
    name = "executor",
    about = "Build with Kaniko's executor flags",
    disable_help_subcommand = true
)]
pub struct ExecutorArgs {
    /// The build context: a directory, or `dir://DIR`
    #[arg(short = 'c', long, default_value = "/workspace/")]
    context: String,
    /// The Dockerfile (from the working directory, else from the context)
    #[arg(short = 'f', long, default_value = "Dockerfile")]
    dockerfile: PathBuf,
    /// Where to push the image (repeatable)
    #[arg(short = 'd', long = "destination", value_name = "REF")]
    destinations: Vec<String>,
    /// A build argument `KEY=VALUE` (repeatable)
    #[arg(long = "build-arg", value_name = "ARG")]
    build_args: Vec<String>,
    /// The stage to build
    #[arg(long)]
    target: Option<String>,
    /// Cache every step in a registry (`--cache-repo`)
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    cache: Option<bool>,
    /// The registry repository of the cache (default: `<first destination's repo>/cache`)
    #[arg(long = "cache-repo", value_name = "REPO")]
    cache_repo: Option<String>,
    /// Accepted: the cache ages out by the registry's retention
    #[arg(long = "cache-ttl", value_name = "DURATION")]
    cache_ttl: Option<String>,
    /// Build, but push nothing
    #[arg(long = "no-push", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    no_push: Option<bool>,
    /// Write the image as a docker archive here
    #[arg(long = "tar-path", value_name = "FILE")]
    tar_path: Option<PathBuf>,
    /// Write the image's digest here
    #[arg(long = "digest-file", value_name = "FILE")]
    digest_file: Option<PathBuf>,
    /// Write `REF@DIGEST` of every destination here
    #[arg(long = "image-name-with-digest-file", value_name = "FILE")]
    image_name_with_digest_file: Option<PathBuf>,
    /// Push to the destinations over plain HTTP
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    insecure: Option<bool>,
    /// Pull from every registry over plain HTTP
    #[arg(long = "insecure-pull", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    insecure_pull: Option<bool>,
    /// Accept any TLS certificate
    #[arg(long = "skip-tls-verify", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    skip_tls_verify: Option<bool>,
    /// A Docker Hub mirror (repeatable)
    #[arg(long = "registry-mirror", value_name = "HOST")]
    registry_mirrors: Vec<String>,
    /// A label `KEY=VALUE` of the image (repeatable)
    #[arg(long = "label", value_name = "LABEL")]
    labels: Vec<String>,
    /// Timestamps at the epoch (`SOURCE_DATE_EPOCH=0`)
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    reproducible: Option<bool>,
    /// The target platform
    #[arg(long = "custom-platform", value_name = "PLATFORM")]
    custom_platform: Option<String>,
    /// Clear `/` after the build
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    cleanup: Option<bool>,
    /// Accepted (Kaniko's snapshotting; rbuild walks stats)
    #[arg(long = "snapshot-mode", value_name = "MODE", hide = true)]
    snapshot_mode: Option<String>,
    /// Accepted (Kaniko's speed flags)
    #[arg(long = "use-new-run", num_args = 0..=1, require_equals = true, default_missing_value = "true", hide = true)]
    use_new_run: Option<bool>,
    /// Accepted (Kaniko's speed flags)
    #[arg(long = "compressed-caching", num_args = 0..=1, require_equals = true, default_missing_value = "true", hide = true)]
    compressed_caching: Option<bool>,
    /// Accepted (Kaniko's speed flags)
    #[arg(long = "cache-copy-layers", num_args = 0..=1, require_equals = true, default_missing_value = "true", hide = true)]
    cache_copy_layers: Option<bool>,
    /// Accepted (Kaniko's speed flags)
    #[arg(long = "cache-run-layers", num_args = 0..=1, require_equals = true, default_missing_value = "true", hide = true)]
    cache_run_layers: Option<bool>,
    /// Accepted (Kaniko's speed flags)
    #[arg(long = "single-snapshot", num_args = 0..=1, require_equals = true, default_missing_value = "true", hide = true)]
    single_snapshot: Option<bool>,
}

/// The flags [`ExecutorArgs`] takes, for the message refusing any other.
const SUPPORTED: &str = "--context, --dockerfile, --destination, --build-arg, --target, --cache, \
    --cache-repo, --cache-ttl, --no-push, --tar-path, --digest-file, \
    --image-name-with-digest-file, --insecure, --insecure-pull, --skip-tls-verify, \
    --registry-mirror, --label, --reproducible, --custom-platform, --cleanup, and (accepted, \
    nothing to do) --snapshot-mode, --use-new-run, --compressed-caching, --cache-copy-layers, \
    --cache-run-layers, --single-snapshot";

/// Parses Kaniko's flags (`args` without the program name); an unknown flag is refused with the
/// list of the supported ones.
pub fn parse(args: &[String]) -> anyhow::Result<ExecutorArgs> {
    let argv = std::iter::once("executor".to_string()).chain(args.iter().cloned());
    let matches = ExecutorArgs::command().try_get_matches_from(argv);
    let matches = match matches {
        Ok(m) => m,
        Err(e) if e.kind() == clap::error::ErrorKind::UnknownArgument => {
            let flag = e
                .get(clap::error::ContextKind::InvalidArg)
                .map(ToString::to_string)
                .unwrap_or_default();
            bail!(
                "rbuild executor does not support Kaniko's `{flag}`; it supports {SUPPORTED} \
                 (or use `rbuild build`, whose flags are buildx's)"
            );
        }
        Err(e) => return Err(anyhow!(e.render().to_string())),
    };
    Ok(ExecutorArgs::from_arg_matches(&matches)?)
}

/// An `rbuild build` command line for Kaniko's flags, and where the build's metadata goes (for
/// the digest files).
pub fn build_args(k: &ExecutorArgs, metadata: &Path) -> anyhow::Result<Vec<String>> {
    let on = |b: Option<bool>| b == Some(true);
    let context = match k.context.split_once("://") {
        None => k.context.clone(),
        Some(("dir", dir)) => dir.to_string(),
        Some((scheme, _)) => bail!(
            "--context={}: rbuild executor takes a directory (or dir://DIR), not a {scheme}:// \
             context: fetch it into a directory first",
            k.context
        ),
    };
    let dockerfile = if k.dockerfile.is_absolute() || k.dockerfile.exists() {
        k.dockerfile.clone()
    } else {
        Path::new(&context).join(&k.dockerfile)
    };
    let no_push = on(k.no_push);
    if k.destinations.is_empty() && !no_push {
        bail!("give a --destination, or use --no-push (as Kaniko requires)");
    }
    let mut out = vec![
        "build".to_string(),
        "-f".into(),
        dockerfile.display().to_string(),
    ];
    let mut push_hosts = Vec::new();
    for d in &k.destinations {
        let r = Reference::parse(d).with_context(|| format!("--destination={d}"))?;
        push_hosts.push(r.domain.clone());
        out.extend(["-t".into(), d.clone()]);
    }
    if !no_push && !k.destinations.is_empty() {
        out.push("--push".into());
    }
    if let Some(tar) = &k.tar_path {
        out.extend(["-o".into(), format!("type=docker,dest={}", tar.display())]);
    }
    for a in &k.build_args {
        out.extend(["--build-arg".into(), a.clone()]);
    }
    if on(k.reproducible) {
        out.extend(["--build-arg".into(), "SOURCE_DATE_EPOCH=0".into()]);
    }
    if let Some(t) = &k.target {
        out.extend(["--target".into(), t.clone()]);
    }
    for l in &k.labels {
        out.extend(["--label".into(), l.clone()]);
    }
    if let Some(p) = &k.custom_platform {
        out.extend(["--platform".into(), p.clone()]);
    }
    if on(k.cache) {
        let repo = match &k.cache_repo {
            Some(r) => r.clone(),
            None => {
                let first = k.destinations.first().ok_or_else(|| {
                    anyhow!("--cache without --cache-repo needs a --destination to put it beside")
                })?;
                let r = Reference::parse(first)?;
                format!("{}/{}/cache", r.domain, r.path)
            }
        };
        if let Ok(r) = Reference::parse(&repo) {
            push_hosts.push(r.domain);
        }
        out.extend([
            "--cache-from".into(),
            format!("type=registry,ref={repo}"),
            "--cache-to".into(),
            format!("type=registry,ref={repo},mode=max,ignore-error=true"),
        ]);
    }
    if on(k.insecure) {
        push_hosts.sort();
        push_hosts.dedup();
        for h in &push_hosts {
            out.extend(["--insecure-registry".into(), h.clone()]);
        }
    }
    if on(k.insecure_pull) {
        out.extend(["--insecure-registry".into(), "*".into()]);
    }
    if on(k.skip_tls_verify) {
        out.push("--skip-tls-verify".into());
    }
    for m in &k.registry_mirrors {
        out.extend(["--registry-mirror".into(), m.clone()]);
    }
    if on(k.cleanup) {
        out.push("--cleanup".into());
    }
    out.extend(["--metadata-file".into(), metadata.display().to_string()]);
    out.push(context);
    Ok(out)
}

/// `rbuild build`'s flags parsed from `argv` (without the program name).
fn as_build(argv: Vec<String>) -> anyhow::Result<BuildArgs> {
    let cli = super::Cli::try_parse_from(std::iter::once("rbuild".to_string()).chain(argv))
        .map_err(|e| anyhow!(e.render().to_string()))?;
    match cli.command {
        super::Commands::Build(b) => Ok(*b),
        _ => bail!("not a build command line"),
    }
}

/// Runs `rbuild executor ARGS`.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    let k = parse(args)?;
    let metadata = std::env::temp_dir().join(format!(
        "rbuild-executor-{}.metadata.json",
        std::process::id()
    ));
    let argv = build_args(&k, &metadata)?;
    let built = super::build_cmd::run(&as_build(argv)?);
    let read = std::fs::read(&metadata);
    let _ = std::fs::remove_file(&metadata);
    built?;
    if k.digest_file.is_none() && k.image_name_with_digest_file.is_none() {
        return Ok(());
    }
    let meta: serde_json::Value =
        serde_json::from_slice(&read.context("reading the build's metadata")?)?;
    let digest = meta["containerimage.digest"]
        .as_str()
        .ok_or_else(|| anyhow!("the build's metadata has no image digest"))?;
    if let Some(f) = &k.digest_file {
        std::fs::write(f, digest).with_context(|| format!("writing {}", f.display()))?;
    }
    if let Some(f) = &k.image_name_with_digest_file {
        let lines: String = k
            .destinations
            .iter()
            .map(|d| {
                let name = d.rsplit_once('@').map_or(d.as_str(), |(n, _)| n);
                let name = match name.rsplit_once(':') {
                    Some((n, tag)) if !tag.contains('/') => n,
                    _ => name,
                };
                format!("{name}@{digest}\n")
            })
            .collect();
        std::fs::write(f, lines).with_context(|| format!("writing {}", f.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn a_kaniko_command_line_becomes_an_rbuild_build() {
        let k = parse(&args(
            "--context dir:///workspace --dockerfile /workspace/Dockerfile \
             --destination reg.example/app:1 --destination reg.example/app:latest \
             --cache=true --build-arg A=1 --label l=v --reproducible --snapshot-mode=redo \
             --use-new-run --insecure --cache-ttl=24h",
        ))
        .unwrap();
        let b = build_args(&k, Path::new("/tmp/m.json")).unwrap().join(" ");
        assert_eq!(
            b,
            "build -f /workspace/Dockerfile -t reg.example/app:1 -t reg.example/app:latest \
             --push --build-arg A=1 --build-arg SOURCE_DATE_EPOCH=0 --label l=v \
             --cache-from type=registry,ref=reg.example/app/cache \
             --cache-to type=registry,ref=reg.example/app/cache,mode=max,ignore-error=true \
             --insecure-registry reg.example --metadata-file /tmp/m.json /workspace"
        );
        let parsed = as_build(build_args(&k, Path::new("/m")).unwrap());
        assert!(parsed.is_ok(), "{parsed:?}");
    }

    #[test]
    fn unknown_flags_and_contexts_are_refused_with_what_is_supported() {
        let err = parse(&args("--destination r/a --cache-dir=/cache")).unwrap_err();
        let err = err.to_string();
        assert!(
            err.contains("--cache-dir") && err.contains("--cache-repo"),
            "{err}"
        );
        let k = parse(&args("--context s3://bucket/ctx.tgz --no-push")).unwrap();
        let err = build_args(&k, Path::new("/m")).unwrap_err().to_string();
        assert!(err.contains("s3://"), "{err}");
        let k = parse(&args("--context /w")).unwrap();
        assert!(
            build_args(&k, Path::new("/m"))
                .unwrap_err()
                .to_string()
                .contains("--no-push")
        );
    }
}
