//! `rbuild du`: what the state directory holds, as `docker buildx du` shows it.

use clap::{Args, ValueEnum};
use serde_json::json;
use std::time::SystemTime;

use super::units::{ago, human_size, rfc3339};
use crate::cache::mounts::MountDir;
use crate::cache::{self, DiskUsage, RecordInfo};

/// Flags of `rbuild du`.
#[derive(Debug, Args)]
pub struct DuArgs {
    /// The state directory.
    #[command(flatten)]
    pub state: StateDirArg,
    /// List every cache record (key, created by, size, last use)
    #[arg(long)]
    pub verbose: bool,
    /// Output format
    #[arg(long, value_enum, default_value_t = DuFormat::Text)]
    pub format: DuFormat,
}

/// The state directory flag of `rbuild du` and `rbuild prune`.
#[derive(Debug, Args)]
pub struct StateDirArg {
    /// State directory [default: $RBUILD_HOME, else /var/lib/rbuild for root, else
    /// $XDG_CACHE_HOME/rbuild or ~/.cache/rbuild]
    #[arg(long = "state-dir", value_name = "DIR")]
    pub state_dir: Option<std::path::PathBuf>,
}

impl StateDirArg {
    /// Opens the store and its cache.
    pub(super) fn open(&self) -> anyhow::Result<cache::LocalCache> {
        use anyhow::Context as _;
        let dir = self
            .state_dir
            .clone()
            .unwrap_or_else(crate::home::state_dir);
        let format = crate::exec::Privileges::of_this_process().snapshot_format();
        let store = crate::store::Store::open(&dir)
            .and_then(|s| s.with_snapshot_format(format))
            .with_context(|| format!("{}: cannot open the state directory", dir.display()))?;
        Ok(cache::LocalCache::open(&store)?)
    }
}

/// Output formats of `rbuild du`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DuFormat {
    /// Readable summary (and records with --verbose)
    Text,
    /// One JSON document, records included
    Json,
}

pub(super) fn run(args: &DuArgs) -> anyhow::Result<()> {
    let cache = args.state.open()?;
    let usage = cache::disk_usage(&cache, cache::GC_GRACE)?;
    let mounts = cache::mounts::list(cache.store().root())?;
    let now = SystemTime::now();
    match args.format {
        DuFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&to_json(&cache, &usage, &mounts))?
        ),
        DuFormat::Text => {
            if args.verbose {
                for info in &usage.records {
                    print!("{}", record_block(info, now));
                }
            }
            print!("{}", mounts_block(&mounts, now));
            print!("{}", summary(&cache, &usage, &mounts));
        }
    }
    Ok(())
}

/// One record as `docker buildx du --verbose` lists one.
fn record_block(info: &RecordInfo, now: SystemTime) -> String {
    let r = &info.record;
    let layer = match &r.layer {
        Some(l) if info.usable => l.digest.to_string(),
        Some(l) => format!("{} (missing: the record is a miss)", l.digest),
        None => "none".into(),
    };
    let chain = r
        .chain_id
        .as_ref()
        .map_or_else(|| "none".into(), |c| c.to_string());
    format!(
        "ID:\t\t{}\nCreated by:\t{}\nCreated at:\t{}\nDuration:\t{}ms\nLayer:\t\t{layer}\n\
         Chain ID:\t{chain}\nSize:\t\t{}\nLast used:\t{}\n\n",
        r.key.short(),
        r.created_by,
        r.created,
        r.duration_ms,
        human_size(info.layer_size),
        ago(info.last_used, now),
    )
}

/// The cache-mount directories, one per line (name, size, last use), largest first.
fn mounts_block(mounts: &[MountDir], now: SystemTime) -> String {
    if mounts.is_empty() {
        return String::new();
    }
    let mut sorted: Vec<&MountDir> = mounts.iter().collect();
    sorted.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.name.cmp(&b.name)));
    let width = sorted
        .iter()
        .map(|m| m.name.len())
        .max()
        .unwrap_or(0)
        .max(11);
    let mut out = format!("{:<width$}  {:>10}  LAST USED\n", "CACHE MOUNT", "SIZE");
    for m in sorted {
        out += &format!(
            "{:<width$}  {:>10}  {}\n",
            m.name,
            human_size(m.bytes),
            ago(m.last_used, now)
        );
    }
    out.push('\n');
    out
}

/// The totals.
fn summary(cache: &cache::LocalCache, u: &DiskUsage, mounts: &[MountDir]) -> String {
    let row = |name: &str, count: Option<u64>, bytes: u64| {
        let count = count.map(|c| c.to_string()).unwrap_or_default();
        format!("{name:<18}{count:>8}  {}\n", human_size(bytes))
    };
    let mut out = format!(
        "{:<18}{}\n",
        "State directory:",
        cache.store().root().display()
    );
    out += &row("Blobs:", Some(u.blobs.count), u.blobs.bytes);
    out += &row("Snapshots:", Some(u.snapshots.count), u.snapshots.bytes);
    out += &row(
        "Cache records:",
        Some(u.records.len() as u64),
        u.record_layers.bytes,
    );
    out += &row(
        "Cache mounts:",
        Some(mounts.len() as u64),
        mounts.iter().map(|m| m.bytes).sum(),
    );
    out += &row("Unreferenced:", None, u.unreferenced);
    out += &row("Reclaimable:", None, u.reclaimable);
    out += &row("Total:", None, u.total);
    out
}

/// The JSON document of `rbuild du --format json`.
fn to_json(cache: &cache::LocalCache, u: &DiskUsage, mounts: &[MountDir]) -> serde_json::Value {
    let records: Vec<_> = u
        .records
        .iter()
        .map(|info| {
            let r = &info.record;
            json!({
                "key": r.key,
                "created_by": r.created_by,
                "created": r.created,
                "duration_ms": r.duration_ms,
                "layer": r.layer.as_ref().map(|l| &l.digest),
                "chain_id": r.chain_id,
                "size": info.layer_size,
                "usable": info.usable,
                "last_used": rfc3339(info.last_used),
            })
        })
        .collect();
    json!({
        "state_dir": cache.store().root(),
        "blobs": {"count": u.blobs.count, "bytes": u.blobs.bytes},
        "snapshots": {"count": u.snapshots.count, "bytes": u.snapshots.bytes},
        "cache_records": {"count": u.records.len(), "bytes": u.record_layers.bytes},
        "cache_mounts": {
            "count": mounts.len(),
            "bytes": mounts.iter().map(|m| m.bytes).sum::<u64>(),
            "mounts": mounts
                .iter()
                .map(|m| json!({"name": m.name, "bytes": m.bytes, "last_used": rfc3339(m.last_used)}))
                .collect::<Vec<_>>(),
        },
        "unreferenced_bytes": u.unreferenced,
        "reclaimable_bytes": u.reclaimable,
        "total_bytes": u.total,
        "records": records,
    })
}
