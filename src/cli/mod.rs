//! The command line: flags in the words of `docker buildx`, parsed into requests for the library;
//! errors on input are printed as `FILE:LINE: message`.

mod annotate;
mod binfmt_cmd;
mod build_args;
mod build_cmd;
mod check_cmd;
mod du_cmd;
mod executor_cmd;
mod gha_cmd;
mod imagetools_cmd;
mod parse_cmd;
mod plan_cmd;
mod prune_cmd;
mod report;
mod size_cmd;
pub(crate) mod units;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// rbuild's command line.
#[derive(Debug, Parser)]
#[command(
    name = "rbuild",
    version,
    about = "Build container images from Dockerfiles, daemonless, with remote caches",
    long_about = "rbuild builds OCI images from Dockerfiles without a daemon and caches every step \
                  by content, locally and in remote caches (registry, S3, GitHub Actions cache, \
                  rbuild-cache-server)."
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Commands,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Commands {
    /// Print what the parser saw in a Dockerfile (before any variable expansion)
    Parse(parse_cmd::ParseArgs),
    /// Build an image from a Dockerfile
    Build(Box<build_args::BuildArgs>),
    /// Check a Dockerfile without building (as `docker build --check`): BuildKit's rules, by
    /// their names and messages; `# check=skip=...;error=true` and BUILDKIT_DOCKERFILE_CHECK
    /// honoured; exit 1 when error=true and something is found
    Check(check_cmd::CheckArgs),
    /// Show the build plan: stages, order, skipped stages, and every step's cache key and inputs
    Plan(plan_cmd::PlanArgs),
    /// Show disk usage of the state directory: blobs, snapshots, cache records
    Du(du_cmd::DuArgs),
    /// Remove build cache: cache records by age or a storage budget, then whatever no record
    /// needs
    ///
    /// Records go least recently used first. Without --filter and --keep-storage every record
    /// is removed; with --filter until=D only records unused for longer than D; with
    /// --keep-storage only as many as needed to fit the budget (both together: old records
    /// while over budget). Then every blob and snapshot no remaining record references is
    /// removed, except those written in the last ten minutes (a build may be running).
    Prune(prune_cmd::PruneArgs),
    /// Work with images in registries: `create` joins images (one per platform, from native
    /// runners) into one index
    Imagetools(imagetools_cmd::ImagetoolsArgs),
    /// Show which architectures RUN steps can run for here (QEMU's binfmt_misc handlers);
    /// `--install` registers Debian's qemu-user-static handlers
    Binfmt(binfmt_cmd::BinfmtArgs),
    /// Show why an image is as big as it is: layers by size, the instruction that made each,
    /// and the largest files and directories of the largest layers
    Size(size_cmd::SizeArgs),
    /// The GitHub Actions cache: `rbuild gha prune`
    Gha(gha_cmd::GhaArgs),
    /// Build with Kaniko's executor flags (`--context`, `--destination`, `--cache-repo`...);
    /// rbuild's image answers at `/kaniko/executor` too
    #[command(disable_help_flag = true)]
    Executor {
        /// Kaniko's flags
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
}

/// Where the system has no trust store, points `SSL_CERT_FILE` at rbuild's fallback roots
/// ([`crate::registry::trust`]) before any TLS client is made: without it, no HTTP client can
/// be made at all, not even for a plain-HTTP registry.
fn trust_something() {
    if crate::registry::trust::system_has_roots() {
        return;
    }
    match crate::registry::trust::write_fallback_bundle(&std::env::temp_dir()) {
        // SAFETY: called first thing in `main`, before any other thread exists.
        #[allow(unsafe_code)]
        Ok(path) => unsafe { std::env::set_var("SSL_CERT_FILE", path) },
        Err(e) => tracing::warn!("no trust store, and rbuild cannot write its own: {e}"),
    }
}

/// Runs the CLI with the process arguments and returns the exit code.
pub fn main() -> ExitCode {
    // Started as Kaniko's `/kaniko/executor` (a link to rbuild in rbuild's image).
    let argv: Vec<String> = std::env::args().collect();
    let as_executor = argv.first().is_some_and(|a0| {
        std::path::Path::new(a0)
            .file_name()
            .is_some_and(|n| n == "executor")
    });
    let cli = if as_executor {
        Cli {
            command: Commands::Executor {
                args: argv[1..].to_vec(),
            },
        }
    } else {
        Cli::parse()
    };
    // Warnings (a damaged cache record, a cache record not saved) go to standard error;
    // RUST_LOG=debug shows more.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .without_time()
        .with_target(false)
        .try_init();
    trust_something();
    let result = match cli.command {
        Commands::Parse(args) => parse_cmd::run(&args),
        Commands::Plan(args) => plan_cmd::run(&args),
        Commands::Check(args) => check_cmd::run(&args),
        Commands::Build(args) => build_cmd::run(&args),
        Commands::Du(args) => du_cmd::run(&args),
        Commands::Prune(args) => prune_cmd::run(&args),
        Commands::Size(args) => size_cmd::run(&args),
        Commands::Binfmt(args) => binfmt_cmd::run(&args),
        Commands::Imagetools(args) => imagetools_cmd::run(&args),
        Commands::Gha(args) => gha_cmd::run(&args),
        Commands::Executor { args } => executor_cmd::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let message = format!("{e:#}");
            eprintln!("{message}");
            if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
                let workspace = std::env::var_os("GITHUB_WORKSPACE").map(std::path::PathBuf::from);
                if let Some(a) = annotate::error_annotation(&message, workspace.as_deref()) {
                    // Workflow commands are read from standard output.
                    println!("{a}");
                }
            }
            ExitCode::FAILURE
        }
    }
}
