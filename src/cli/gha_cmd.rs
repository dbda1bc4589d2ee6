//! `rbuild gha prune`: keeps rbuild's GitHub Actions cache entries tidy and under a budget
//! ([`crate::cache::remote::gha::prune`]), through the REST API (`GITHUB_TOKEN` with
//! `actions: write`). Inside a job (ACTIONS_RESULTS_URL and ACTIONS_RUNTIME_TOKEN set) it also
//! reads the job's newest documents, so packs none of them names can go.

use clap::{Args, Subcommand, ValueEnum};

use super::units::human_size;
use crate::cache::remote::gha::GhaBackend;
use crate::cache::remote::gha::prune::{self, Reason};
use crate::cache::remote::spec::{CacheSpec, Direction, Kind};
use crate::ci::github::GitHub;
use rbuild_wire::units::parse_size;

/// `rbuild gha ...`.
#[derive(Debug, Args)]
pub struct GhaArgs {
    #[command(subcommand)]
    command: GhaCommand,
}

#[derive(Debug, Subcommand)]
enum GhaCommand {
    /// Delete superseded rbuild entries of the GitHub Actions cache (older indexes and mount
    /// caches of each branch, packs the newest ones do not name) and keep them under a budget
    Prune(GhaPruneArgs),
}

/// Flags of `rbuild gha prune`.
#[derive(Debug, Args)]
pub struct GhaPruneArgs {
    /// The namespace (`scope=` of the type=gha cache specs)
    #[arg(long, default_value = crate::cache::remote::gha::DEFAULT_NAMESPACE)]
    scope: String,
    /// Keep rbuild's entries (all branches) under this size, least recently used first
    /// (e.g. 8GB; GitHub's quota is 10 GB per repository)
    #[arg(long = "max-size", value_name = "SIZE", value_parser = parse_size)]
    max_size: Option<u64>,
    /// Only print what would be deleted
    #[arg(long)]
    dry_run: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = GhaFormat::Text)]
    format: GhaFormat,
}

/// Output formats of `rbuild gha prune`.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum GhaFormat {
    /// One line per entry and a total
    Text,
    /// One JSON document
    Json,
}

pub(super) fn run(args: &GhaArgs) -> anyhow::Result<()> {
    let GhaCommand::Prune(args) = &args.command;
    let runtime = tokio::runtime::Runtime::new()?;
    let done = runtime.block_on(run_prune(args, None))?;
    match args.format {
        GhaFormat::Json => {
            let doc: Vec<serde_json::Value> = done
                .iter()
                .map(|(e, r)| serde_json::json!({"entry": e, "reason": r}))
                .collect();
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        GhaFormat::Text => {
            let verb = if args.dry_run {
                "would delete"
            } else {
                "deleted"
            };
            for (e, r) in &done {
                println!(
                    "{verb} {} ({}, {}, {})",
                    e.key,
                    e.git_ref,
                    human_size(e.size_in_bytes),
                    reason(*r)
                );
            }
            let total: u64 = done.iter().map(|(e, _)| e.size_in_bytes).sum();
            println!("{} entries, {} {verb}", done.len(), human_size(total));
        }
    }
    Ok(())
}

fn reason(r: Reason) -> &'static str {
    match r {
        Reason::Superseded => "superseded",
        Reason::Unreferenced => "no newest document names it",
        Reason::OverBudget => "least recently used, over the budget",
    }
}

/// Prunes as `args` say; `token` overrides `GITHUB_TOKEN`. Used by the command and by
/// `prune=true` after a gha export.
pub(crate) async fn run_prune(
    args: &GhaPruneArgs,
    token: Option<String>,
) -> anyhow::Result<Vec<(crate::cache::remote::gha::entries::CacheEntry, Reason)>> {
    let github = GitHub::from_env(token)?;
    let backend = match (
        std::env::var_os("ACTIONS_RESULTS_URL"),
        std::env::var_os("ACTIONS_RUNTIME_TOKEN"),
    ) {
        (Some(_), Some(_)) => {
            let spec =
                CacheSpec::parse(&format!("type=gha,scope={}", args.scope), Direction::Export)?;
            match &spec.kind {
                Kind::Gha(gha) => Some(GhaBackend::connect(&spec, gha, Default::default())?),
                _ => None,
            }
        }
        _ => None,
    };
    let git_ref = std::env::var("GITHUB_REF").ok();
    prune::prune(
        &github,
        backend.as_ref(),
        git_ref.as_deref(),
        &args.scope,
        args.max_size,
        args.dry_run,
    )
    .await
    .map_err(|e| anyhow::anyhow!("rbuild gha prune: {e}"))
}
