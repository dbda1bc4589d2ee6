//! `rbuild imagetools create`: joins images into one multi-platform index, as `docker buildx
//! imagetools create` does. The native fan-out recipe: an amd64 runner and an arm64 runner each
//! push their platform's image, a last job joins them (README, "Multi-platform images").

use clap::{Args, Subcommand};

use super::plan_cmd::RegistryArgs;
use crate::oci::reference::Reference;

/// Flags of `rbuild imagetools`.
#[derive(Debug, Args)]
pub struct ImagetoolsArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: ImagetoolsCommand,
}

/// `rbuild imagetools` subcommands.
#[derive(Debug, Subcommand)]
pub enum ImagetoolsCommand {
    /// Create an image index from images (each an image or an index: its entries join), its
    /// manifests copied unchanged and its blobs mounted, not uploaded
    Create(CreateArgs),
}

/// Flags of `rbuild imagetools create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The images to join (`REPO:TAG` or `REPO@DIGEST`)
    #[arg(value_name = "SOURCE", required = true)]
    pub sources: Vec<String>,
    /// Name of the index (repeatable)
    #[arg(short = 't', long = "tag", value_name = "REF")]
    pub tags: Vec<String>,
    /// Print the index instead of pushing it
    #[arg(long)]
    pub dry_run: bool,
    /// How registries are reached.
    #[command(flatten)]
    pub registries: RegistryArgs,
}

pub(super) fn run(args: &ImagetoolsArgs) -> anyhow::Result<()> {
    match &args.command {
        ImagetoolsCommand::Create(create) => run_create(create),
    }
}

fn run_create(args: &CreateArgs) -> anyhow::Result<()> {
    if args.tags.is_empty() && !args.dry_run {
        anyhow::bail!(
            "imagetools create: name the index with -t REF (or look at it with --dry-run)"
        );
    }
    let parse =
        |s: &String| Reference::parse(s).map_err(|e| anyhow::anyhow!("imagetools create: {e}"));
    let sources = args
        .sources
        .iter()
        .map(parse)
        .collect::<Result<Vec<_>, _>>()?;
    let targets = args.tags.iter().map(parse).collect::<Result<Vec<_>, _>>()?;
    let resolver = args.registries.resolver()?;
    let registry = resolver.registry();
    let joined = resolver.runtime().block_on(registry.join(&sources))?;
    if args.dry_run {
        println!("{}", String::from_utf8_lossy(&joined.bytes));
        return Ok(());
    }
    let store = crate::store::Store::open(&crate::home::state_dir())?;
    let report = resolver
        .runtime()
        .block_on(registry.push_joined(&joined, &targets, &store))?;
    for t in &targets {
        println!("{t}@{}", joined.digest);
    }
    eprintln!(
        "{} manifests copied; blobs: {} mounted, {} already there, {} uploaded",
        report.manifests, report.blobs_mounted, report.blobs_skipped, report.blobs_uploaded
    );
    Ok(())
}
