//! The flags of `rbuild build`, named and parsed as `docker buildx build` names and parses
//! them: the command (`build_cmd`) turns them into a session request.

use super::plan_cmd::InputArgs;
use crate::output::OutputSpec;
use crate::session::Output;
use clap::{Args, ValueEnum};
use std::path::PathBuf;

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
    /// Check the Dockerfile without building (shorthand for "--call=check")
    #[arg(long)]
    pub check: bool,
    /// Set method for evaluating build ("build", "check"; "check,format=json" prints JSON)
    #[arg(long, value_name = "METHOD", default_value = "build")]
    pub call: String,
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
    /// How RUN steps are isolated: "runc" (overlayfs and an OCI runtime: root with
    /// CAP_SYS_ADMIN), "container" (directly in the container rbuild runs in, replacing its
    /// files: an unprivileged container, as Kaniko) or "auto" (runc where possible)
    #[arg(long, value_name = "MODE", default_value = "auto")]
    pub isolation: crate::exec::IsolationChoice,
    /// With the container isolation, clear `/` after the build (but rbuild's own files and the
    /// container's mounts), for what the job runs next (Kaniko's `--cleanup`)
    #[arg(long)]
    pub cleanup: bool,
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
    /// Shorthand for "--attest=type=provenance" ("true", "false" or attributes such as
    /// "mode=max,builder-id=URL")
    #[arg(long, value_name = "VALUE")]
    pub provenance: Option<String>,
    /// Shorthand for "--attest=type=sbom" ("true", "false")
    #[arg(long, value_name = "VALUE")]
    pub sbom: Option<String>,
    /// Attestation parameters (format: "type=sbom", "type=provenance,mode=max"); several
    /// allowed
    #[arg(long = "attest", value_name = "SPEC")]
    pub attest: Vec<String>,
    /// Add annotation to the image ("[manifest:|index:|manifest-descriptor:|index-descriptor:]
    /// KEY=VALUE"); several allowed
    #[arg(long = "annotation", value_name = "SPEC")]
    pub annotations: Vec<String>,
    /// Suppress the build output and print the image ID (the config digest) on success
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Add a custom host-to-IP mapping to RUN's /etc/hosts (format: "host:ip"); several
    /// allowed
    #[arg(long = "add-host", value_name = "HOST:IP")]
    pub add_hosts: Vec<String>,
    /// Size of /dev/shm in RUN steps (e.g. 128m)
    #[arg(long = "shm-size", value_name = "SIZE", value_parser = parse_shm_size)]
    pub shm_size: Option<u64>,
    /// Ulimit options for RUN steps (format: "nofile=1024:2048"); several allowed
    #[arg(long = "ulimit", value_name = "NAME=SOFT[:HARD]")]
    pub ulimits: Vec<String>,
    /// Set the parent cgroup for RUN steps' cgroups (runc isolation)
    #[arg(long = "cgroup-parent", value_name = "CGROUP")]
    pub cgroup_parent: Option<String>,
    /// Set the networking mode for RUN steps that name none ("default", "none", "host")
    #[arg(long, value_name = "MODE", default_value = "default")]
    pub network: String,
    /// Allow extra privileged entitlement ("network.host", "security.insecure"); several
    /// allowed
    #[arg(long = "allow", value_name = "ENTITLEMENT")]
    pub allow: Vec<String>,
    /// Shorthand for "--output=type=docker": load the single-platform result into the local
    /// Docker daemon (DOCKER_HOST, else /var/run/docker.sock)
    #[arg(long)]
    pub load: bool,
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
    pub(super) fn resolve(self) -> ProgressArg {
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

/// Parses the `--output` values and `--push`; `type=registry` and `type=image,push=true` push to
/// their `name=` or, without one, to the tags.
pub(super) fn outputs(args: &BuildArgs) -> anyhow::Result<Vec<Output>> {
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
    if args.load {
        out.push(Output::Local(
            OutputSpec::load(&args.tags).map_err(|e| anyhow::anyhow!("--load: {e}"))?,
        ));
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
pub(super) fn source_date_epoch(args: &BuildArgs) -> anyhow::Result<Option<i64>> {
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

/// A `--shm-size` value as Docker reads it: bytes, or a number with b, k, m or g (binary
/// units, `128m` is 128 MiB).
fn parse_shm_size(text: &str) -> Result<u64, String> {
    let lower = text.trim().to_ascii_lowercase();
    let (digits, unit) = match lower.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => lower.split_at(i),
        None => (lower.as_str(), ""),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{text:?}: want a size such as 64m or 1g"))?;
    let mult: u64 = match unit.trim_end_matches('b').trim_end_matches('i') {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        _ => return Err(format!("{text:?}: unknown unit (b, k, m or g)")),
    };
    n.checked_mul(mult)
        .filter(|v| *v > 0)
        .ok_or_else(|| format!("{text:?}: must be more than 0 and fit in 64 bits"))
}

/// A `--label` value: `KEY=VALUE` (the value may be empty).
fn parse_label(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("{text:?}: want KEY=VALUE")),
    }
}
