//! `rbuild prune`: removes cache records and what only they kept, as `docker buildx prune` does
//! (the rules are in [`crate::cache::prune`](mod@crate::cache::prune)).

use clap::{Args, ValueEnum};
use serde_json::json;
use std::time::{Duration, SystemTime};

use super::du_cmd::StateDirArg;
use super::units::{ago, human_size, rfc3339};
use crate::cache::mounts::MountDir;
use crate::cache::{self, PruneOptions, PruneReport};
use crate::dockerfile::instructions::parse_go_duration;
use rbuild_wire::units::parse_size;

/// Flags of `rbuild prune`.
///
/// Without `--filter` and `--keep-storage` every cache record is removed, then every blob and
/// snapshot no record references, except those written in the last ten minutes (a build may be
/// running).
#[derive(Debug, Args)]
pub struct PruneArgs {
    /// The state directory.
    #[command(flatten)]
    pub state: StateDirArg,
    /// Include internal records (accepted for docker compatibility: rbuild keeps no internal
    /// or frontend records, so it changes nothing)
    #[arg(short = 'a', long)]
    pub all: bool,
    /// Provide filter values: `until=DURATION` (Go duration, e.g. 24h, 90m) removes only
    /// records unused for longer; `unused-for=` is the same
    #[arg(long = "filter", value_name = "FILTER")]
    pub filters: Vec<String>,
    /// Amount of disk space to keep (e.g. 10GB, 512MB, 1.5GiB, bytes; units are binary as in
    /// docker); records unused the longest go first; 0 means no limit
    #[arg(long = "keep-storage", value_name = "SIZE", value_parser = parse_size)]
    pub keep_storage: Option<u64>,
    /// Remove only the RUN --mount=type=cache directories (all, or those unused for
    /// `--filter until=`), leaving records, blobs and snapshots
    #[arg(long = "mount-caches")]
    pub mount_caches: bool,
    /// Do not prompt for confirmation (rbuild never prompts)
    #[arg(short = 'f', long)]
    pub force: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = PruneFormat::Text)]
    pub format: PruneFormat,
}

/// Output formats of `rbuild prune`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PruneFormat {
    /// The removed records and the total reclaimed, as buildx prints them
    Text,
    /// One JSON document
    Json,
}

pub(super) fn run(args: &PruneArgs) -> anyhow::Result<()> {
    let options = PruneOptions {
        until: until(&args.filters)?,
        keep_storage: args.keep_storage.filter(|&b| b > 0),
        ..PruneOptions::default()
    };
    let cache = args.state.open()?;
    if args.mount_caches && options.keep_storage.is_some() {
        anyhow::bail!("--mount-caches and --keep-storage: a size budget weighs layers only");
    }
    let report = if args.mount_caches {
        cache::PruneReport::default()
    } else {
        cache::prune(&cache, &options)?
    };
    // Cache mounts hold no layer a budget could weigh: `--keep-storage` leaves them alone.
    let mounts = if options.keep_storage.is_none() {
        cache::mounts::prune(cache.store().root(), options.until)?
    } else {
        Vec::new()
    };
    match args.format {
        PruneFormat::Text => print!("{}", render_text(&report, &mounts, SystemTime::now())),
        PruneFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&to_json(&report, &mounts))?
        ),
    }
    Ok(())
}

/// The `until` duration of the `--filter` values; other filters are refused.
fn until(filters: &[String]) -> anyhow::Result<Option<Duration>> {
    let mut until = None;
    for filter in filters {
        let Some((key, value)) = filter.split_once('=') else {
            anyhow::bail!("--filter {filter:?}: want KEY=VALUE, e.g. until=24h");
        };
        if key != "until" && key != "unused-for" {
            anyhow::bail!(
                "--filter {filter:?}: unsupported filter `{key}`; rbuild knows until=DURATION"
            );
        }
        let nanos = parse_go_duration(value).ok_or_else(|| {
            anyhow::anyhow!("--filter {filter:?}: time: invalid duration {value:?}")
        })?;
        if until.is_some() {
            anyhow::bail!("--filter {filter:?}: `until` given twice");
        }
        until = Some(Duration::from_nanos(
            u64::try_from(nanos).unwrap_or(u64::MAX),
        ));
    }
    Ok(until)
}

/// The removed records as a table, the counts, and `Total:` as buildx prints it.
fn render_text(report: &PruneReport, mounts: &[MountDir], now: SystemTime) -> String {
    let mut out = String::new();
    if !report.records.is_empty() {
        out += &format!(
            "{:<14}{:<10}{:<24}{}\n",
            "ID", "SIZE", "LAST USED", "CREATED BY"
        );
        for info in &report.records {
            out += &format!(
                "{:<14}{:<10}{:<24}{}\n",
                info.record.key.short(),
                human_size(info.layer_size),
                ago(info.last_used, now),
                info.record.created_by
            );
        }
    }
    for m in mounts {
        out += &format!("cache mount {} ({})\n", m.name, human_size(m.bytes));
    }
    let mounts_text = if mounts.is_empty() {
        String::new()
    } else {
        format!(", {} cache mounts", mounts.len())
    };
    out += &format!(
        "Deleted: {} cache records, {} blobs, {} snapshots{mounts_text}\nTotal:\t{}\n",
        report.records.len(),
        report.blobs.len(),
        report.snapshots.len(),
        human_size(report.reclaimed() + mounts.iter().map(|m| m.bytes).sum::<u64>())
    );
    out
}

/// The JSON document of `rbuild prune --format json`.
fn to_json(report: &PruneReport, mounts: &[MountDir]) -> serde_json::Value {
    let removed = |list: &[cache::Removed]| -> Vec<serde_json::Value> {
        list.iter()
            .map(|r| json!({"digest": r.digest, "bytes": r.bytes}))
            .collect()
    };
    let records: Vec<_> = report
        .records
        .iter()
        .map(|info| {
            json!({
                "key": info.record.key,
                "created_by": info.record.created_by,
                "size": info.layer_size,
                "last_used": rfc3339(info.last_used),
            })
        })
        .collect();
    let mounts: Vec<_> = mounts
        .iter()
        .map(|m| json!({"name": m.name, "bytes": m.bytes}))
        .collect();
    json!({
        "cache_mounts": mounts,
        "records": records,
        "blobs": removed(&report.blobs),
        "snapshots": removed(&report.snapshots),
        "reclaimed_bytes": report.reclaimed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn until_filters_parse_and_others_are_refused() {
        let f = |v: &[&str]| until(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(f(&[]).unwrap(), None);
        assert_eq!(
            f(&["until=24h"]).unwrap(),
            Some(Duration::from_secs(86_400))
        );
        assert_eq!(
            f(&["unused-for=90m"]).unwrap(),
            Some(Duration::from_secs(5400))
        );
        for bad in [
            &["until=1d"][..],
            &["type=regular"],
            &["until"],
            &["until=1h", "until=2h"],
        ] {
            assert!(f(bad).is_err(), "{bad:?}");
        }
    }
}
