//! `rbuild-cache-server`: the cache server that stores every blob once across runners, branches
//! and repositories (DESIGN.md, "The cache server").
//!
//! `rbuild-cache-server --listen 127.0.0.1:5050 --data-dir DIR` serves the OCI distribution API
//! until SIGTERM or SIGINT, then finishes the requests in flight.

use anyhow::Context as _;
use clap::Parser;
use rbuild_cache_server::config::Config;
use rbuild_cache_server::server::{self, Server};

/// Command line of the cache server.
#[derive(Debug, Parser)]
#[command(name = "rbuild-cache-server", version, about)]
struct Args {
    /// Address to listen on (default 127.0.0.1:5050).
    #[arg(long, env = "RBUILD_CACHE_LISTEN")]
    listen: Option<String>,
    /// Directory that holds blobs and metadata (default /var/lib/rbuild-cache).
    #[arg(long, env = "RBUILD_CACHE_DIR")]
    data_dir: Option<std::path::PathBuf>,
    /// YAML configuration file (tokens, storage, limits).
    #[arg(long, env = "RBUILD_CACHE_CONFIG")]
    config: Option<std::path::PathBuf>,
    /// Log lines as text for people or as JSON objects for log collectors (levels and modules
    /// from `RUST_LOG`, default `info`).
    #[arg(
        long,
        value_enum,
        default_value = "text",
        env = "RBUILD_CACHE_LOG_FORMAT"
    )]
    log_format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per event (timestamp, level, target, fields).
    Json,
}

/// Installs the log subscriber: `RUST_LOG` filters (default `info`), `format` shapes the lines.
fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
}

/// Data directory used when neither the flags, the environment nor the file name one.
const DEFAULT_DATA_DIR: &str = "/var/lib/rbuild-cache";

/// Builds the configuration: defaults, the file (when given), the `RBUILD_CACHE_*` environment,
/// then the flags on top.
fn config(args: Args) -> anyhow::Result<Config> {
    let mut config =
        Config::load(args.config.as_deref()).with_context(|| "loading the configuration")?;
    if let Some(listen) = args.listen {
        config.listen = Some(listen);
    }
    if let Some(dir) = args.data_dir {
        config.data_dir = Some(dir);
    }
    config
        .data_dir
        .get_or_insert_with(|| DEFAULT_DATA_DIR.into());
    Ok(config)
}

/// Runs the server; an error is printed as one line of causes (`error: a: b: c`) with exit
/// status 1, never with a backtrace.
fn main() -> std::process::ExitCode {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: starting the async runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    init_logs(args.log_format);
    let config = config(args)?;
    let server = Server::start(&config).await?;
    server::termination_signal().await;
    tracing::info!("shutting down: finishing requests in flight");
    server.shutdown().await?;
    Ok(())
}
