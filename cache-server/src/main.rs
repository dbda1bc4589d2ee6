//! `rbuild-cache-server`: the cache server that stores every blob once across runners, branches
//! and repositories (DESIGN.md, "The cache server").
//!
//! This is the skeleton of the binary: its command line is fixed here so that scripts and docs can
//! name it; the OCI distribution API, storage, tokens and eviction arrive with their own issue.

use clap::Parser;

/// Command line of the cache server.
#[derive(Debug, Parser)]
#[command(name = "rbuild-cache-server", version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:5050", env = "RBUILD_CACHE_LISTEN")]
    listen: String,
    /// Directory that holds blobs and metadata.
    #[arg(
        long,
        default_value = "/var/lib/rbuild-cache",
        env = "RBUILD_CACHE_DIR"
    )]
    data_dir: std::path::PathBuf,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    anyhow::bail!(
        "rbuild-cache-server is not implemented yet (would listen on {} with data in {})",
        args.listen,
        args.data_dir.display()
    )
}
