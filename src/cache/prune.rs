//! What the state directory holds (`rbuild du`) and making room in it (`rbuild prune`).
//!
//! A record *references* the blobs and snapshots of [`CacheRecord::blobs`] and
//! [`CacheRecord::snapshots`]: its layer blob and chain-id snapshot, and the layers and snapshots
//! below them. [`prune`] works in two phases:
//!
//! 1. **Records.** The candidates are every record, least recently used first (last use = the
//!    record file's mtime, see [`super::local`]). With [`PruneOptions::until`], only the records
//!    unused for longer than that remain candidates; with [`PruneOptions::keep_storage`], the
//!    candidates are removed oldest first only until the store (blobs + snapshots that would be
//!    left after phase 2) fits the budget. With neither, every record is removed. Both together
//!    combine as in BuildKit: only records older than `until`, and only while over budget. A
//!    record used by a running build since it was listed (its mtime moved) is kept.
//! 2. **Sweep.** The records are listed again, and every blob and snapshot referenced by none of
//!    them is removed, except those created or modified within [`PruneOptions::grace`] (default
//!    [`GC_GRACE`], ten minutes): a build running meanwhile may have just written a layer whose
//!    record it has not stored yet. A blob referenced by a kept record is never removed. Blobs
//!    go with one `unlink`, snapshots are first renamed out of `snapshots/`, so each removal is
//!    atomic.
//!
//!    Markers of lazy layers (`crate::store::lazy`) that no kept record names go with them.
//! 3. **Index.** Step index entries (`super::steps`) whose records are gone are dropped; a
//!    reader skips such entries anyway, so a failure here is only a warning.
//!
//! So a bare `rbuild prune` leaves only what builds wrote in the last ten minutes. Blobs that no
//! record names (base-image manifests and configs, pulled layers no record lists in its
//! `lower_layers`) are swept by every prune: a later build fetches them again.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::io;
use std::path::Path;
use std::time::{Duration, SystemTime};

use super::CacheRecord;
use super::error::{CacheError, IoContext};
use super::local::{LocalCache, RecordInfo};
use crate::digest::Digest;
use crate::store::{Store, Tally};

/// How recently a blob or snapshot must have been written for the sweep to keep it though no
/// record references it: long enough for a running build to store the record of a layer.
pub const GC_GRACE: Duration = Duration::from_secs(10 * 60);

/// What [`prune`] removes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PruneOptions {
    /// Only records unused for longer than this are removed (`--filter until=24h`).
    pub until: Option<Duration>,
    /// Records are removed, oldest first, only until the store takes at most this many bytes
    /// (`--keep-storage`).
    pub keep_storage: Option<u64>,
    /// Unreferenced blobs and snapshots written more recently than this are kept.
    pub grace: Duration,
}

impl Default for PruneOptions {
    /// Every record and every unreferenced object older than [`GC_GRACE`].
    fn default() -> Self {
        Self {
            until: None,
            keep_storage: None,
            grace: GC_GRACE,
        }
    }
}

/// A removed blob or snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    /// Its digest (a snapshot's chain id).
    pub digest: Digest,
    /// The bytes it took.
    pub bytes: u64,
}

/// What [`prune`] removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PruneReport {
    /// The records removed, least recently used first.
    pub records: Vec<RecordInfo>,
    /// The blobs removed.
    pub blobs: Vec<Removed>,
    /// The snapshots removed.
    pub snapshots: Vec<Removed>,
}

impl PruneReport {
    /// Bytes freed: the removed blobs and snapshots.
    pub fn reclaimed(&self) -> u64 {
        self.blobs
            .iter()
            .chain(&self.snapshots)
            .map(|r| r.bytes)
            .sum()
    }
}

/// What the state directory holds, from [`disk_usage`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskUsage {
    /// Blobs in the content store.
    pub blobs: Tally,
    /// Unpacked layers.
    pub snapshots: Tally,
    /// The cache records, least recently used first.
    pub records: Vec<RecordInfo>,
    /// The distinct layer blobs the records name that are in the store.
    pub record_layers: Tally,
    /// Bytes of the blobs and snapshots no record references, past the grace period: what
    /// any prune frees.
    pub unreferenced: u64,
    /// Bytes of every blob and snapshot past the grace period: what a bare `rbuild prune`
    /// frees.
    pub reclaimable: u64,
    /// Bytes of all blobs and snapshots.
    pub total: u64,
}

/// Counts what the store and the cache hold; objects written within `grace` are not reclaimable.
pub fn disk_usage(cache: &LocalCache, grace: Duration) -> Result<DiskUsage, CacheError> {
    let now = SystemTime::now();
    let records = cache.records()?;
    let objects = inventory(cache.store(), now, grace)?;
    let referenced = referenced_by(records.iter().map(|r| &r.record));
    let mut usage = DiskUsage {
        blobs: Tally::default(),
        snapshots: Tally::default(),
        records: Vec::new(),
        record_layers: Tally::default(),
        unreferenced: 0,
        reclaimable: 0,
        total: 0,
    };
    for (id, object) in &objects {
        let tally = match id.0 {
            Kind::Blob => &mut usage.blobs,
            Kind::Snapshot => &mut usage.snapshots,
        };
        tally.count += 1;
        tally.bytes += object.size;
        usage.total += object.size;
        if !object.fresh {
            usage.reclaimable += object.size;
            if !referenced.contains(id) {
                usage.unreferenced += object.size;
            }
        }
    }
    let layers: HashSet<&Digest> = records
        .iter()
        .filter_map(|r| r.record.layer.as_ref().map(|l| &l.digest))
        .collect();
    for digest in layers {
        if let Some(object) = objects.get(&(Kind::Blob, digest.clone())) {
            usage.record_layers.count += 1;
            usage.record_layers.bytes += object.size;
        }
    }
    usage.records = records;
    Ok(usage)
}

/// Removes records as `options` say, then every blob and snapshot no remaining record
/// references (see the module docs).
pub fn prune(cache: &LocalCache, options: &PruneOptions) -> Result<PruneReport, CacheError> {
    let store = cache.store();
    let now = SystemTime::now();
    let records = cache.records()?;
    let objects = inventory(store, now, options.grace)?;

    let mut refcount: HashMap<ObjectId, usize> = HashMap::new();
    for info in &records {
        for id in references(&info.record) {
            if objects.contains_key(&id) {
                *refcount.entry(id).or_default() += 1;
            }
        }
    }
    // The bytes left once the sweep has run, were no more records removed.
    let mut projected: u64 = objects
        .iter()
        .filter(|(id, o)| o.fresh || refcount.contains_key(*id))
        .map(|(_, o)| o.size)
        .sum();

    let mut report = PruneReport::default();
    for info in records {
        if options
            .keep_storage
            .is_some_and(|budget| projected <= budget)
        {
            break;
        }
        if let Some(until) = options.until
            && age(info.last_used, now) <= until
        {
            continue;
        }
        let key = &info.record.key;
        // Used by a running build since it was listed, or gone: keep (or skip) it.
        if cache.last_used(key)? != Some(info.last_used) || !cache.remove(key)? {
            continue;
        }
        for id in references(&info.record) {
            if let Some(n) = refcount.get_mut(&id) {
                *n -= 1;
                if *n == 0 {
                    refcount.remove(&id);
                    if let Some(object) = objects.get(&id).filter(|o| !o.fresh) {
                        projected = projected.saturating_sub(object.size);
                    }
                }
            }
        }
        report.records.push(info);
    }

    // Listed again: a record stored meanwhile keeps what it names.
    let kept = cache.records()?;
    let referenced = referenced_by(kept.iter().map(|r| &r.record));
    for (id, object) in objects {
        if object.fresh || referenced.contains(&id) {
            continue;
        }
        let (kind, digest) = id;
        let path = match kind {
            Kind::Blob => store.blobs().path(&digest),
            Kind::Snapshot => store.snapshot_path(&digest),
        };
        // Rewritten since the inventory: in use again.
        if modified(&path)?.is_none_or(|t| is_fresh(t, SystemTime::now(), options.grace)) {
            continue;
        }
        let removed = Removed {
            digest,
            bytes: object.size,
        };
        match kind {
            Kind::Blob => {
                if store.blobs().delete(&removed.digest)? {
                    report.blobs.push(removed);
                }
            }
            Kind::Snapshot => {
                if store.delete_snapshot(&removed.digest)? {
                    report.snapshots.push(removed);
                }
            }
        }
    }
    // Lazy layers (crate::store::lazy) no kept record names, or whose snapshot went: their
    // markers go too (not those written within the grace: a running build's).
    let layers: HashSet<&Digest> = kept
        .iter()
        .filter_map(|r| r.record.layer.as_ref().map(|l| &l.digest))
        .collect();
    for (digest, marker) in store.lazy_layers()? {
        let named = layers.contains(&digest) && store.lazy_snapshot(&digest).is_some();
        if named || modified(&marker)?.is_none_or(|t| is_fresh(t, now, options.grace)) {
            continue;
        }
        store.forget_lazy(&digest)?;
    }
    // The step index names records by key: drop the names of the records removed.
    if let Err(e) = cache.tidy_index() {
        tracing::warn!("the step index was not tidied: {e}");
    }
    Ok(report)
}

/// The two kinds of objects a record references.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Kind {
    Blob,
    Snapshot,
}

/// A blob by digest or a snapshot by chain id.
type ObjectId = (Kind, Digest);

/// A blob or snapshot in the store.
#[derive(Debug, Clone, Copy)]
struct Object {
    size: u64,
    /// Written within the grace period.
    fresh: bool,
}

/// Every blob and snapshot with its size and freshness.
fn inventory(
    store: &Store,
    now: SystemTime,
    grace: Duration,
) -> Result<BTreeMap<ObjectId, Object>, CacheError> {
    let mut objects = BTreeMap::new();
    for blob in store.blobs().list()? {
        // Gone since it was listed: nothing to count.
        let Some(mtime) = modified(&store.blobs().path(&blob.digest))? else {
            continue;
        };
        let object = Object {
            size: blob.size,
            fresh: is_fresh(mtime, now, grace),
        };
        objects.insert((Kind::Blob, blob.digest), object);
    }
    for chain_id in store.snapshots()? {
        let Some(mtime) = modified(&store.snapshot_path(&chain_id))? else {
            continue;
        };
        let object = Object {
            size: store.snapshot_size(&chain_id)?,
            fresh: is_fresh(mtime, now, grace),
        };
        objects.insert((Kind::Snapshot, chain_id), object);
    }
    Ok(objects)
}

/// The distinct objects one record references.
fn references(record: &CacheRecord) -> HashSet<ObjectId> {
    let blobs = record.blobs().map(|d| (Kind::Blob, d.clone()));
    let snapshots = record.snapshots().map(|d| (Kind::Snapshot, d.clone()));
    blobs.chain(snapshots).collect()
}

/// The objects some record references.
fn referenced_by<'a>(records: impl Iterator<Item = &'a CacheRecord>) -> HashSet<ObjectId> {
    records.flat_map(references).collect()
}

/// How long ago `t` was; zero for a time in the future.
fn age(t: SystemTime, now: SystemTime) -> Duration {
    now.duration_since(t).unwrap_or_default()
}

/// Whether something modified at `mtime` is within the grace period (or in the future).
fn is_fresh(mtime: SystemTime, now: SystemTime, grace: Duration) -> bool {
    now.duration_since(mtime).is_err() || age(mtime, now) < grace
}

/// The mtime of `path` (not following symlinks); `None` when it is gone.
fn modified(path: &Path) -> Result<Option<SystemTime>, CacheError> {
    match fs::symlink_metadata(path) {
        Ok(meta) => Ok(Some(meta.modified().at(path)?)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).at(path),
    }
}

#[cfg(test)]
mod tests {
    use super::super::local::tests::record;
    use super::*;

    const HOUR: Duration = Duration::from_secs(3600);

    fn set_mtime(path: &Path, ago: Duration) {
        let t = filetime::FileTime::from_system_time(SystemTime::now() - ago);
        filetime::set_file_mtime(path, t).unwrap();
    }

    /// A store with three records, each with a layer of `size` bytes and a snapshot, last used
    /// 3, 2 and 1 hours ago; every object written 1 day ago.
    fn filled(size: usize) -> (tempfile::TempDir, LocalCache, Vec<CacheRecord>) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let cache = LocalCache::open(&store).unwrap();
        let mut records = Vec::new();
        for (i, step) in ["RUN one", "RUN two", "RUN three"].iter().enumerate() {
            let layer = vec![b'a' + i as u8; size];
            let rec = record(&store, step, Some(&layer));
            let snapshot = store.snapshot_path(rec.chain_id.as_ref().unwrap());
            fs::create_dir(&snapshot).unwrap();
            fs::write(snapshot.join("file"), &layer).unwrap();
            set_mtime(&snapshot, 24 * HOUR);
            set_mtime(
                &store.blobs().path(&rec.layer.as_ref().unwrap().digest),
                24 * HOUR,
            );
            cache.put(&rec).unwrap();
            set_mtime(&cache.record_path(&rec.key), (3 - i as u32) * HOUR);
            records.push(rec);
        }
        (dir, cache, records)
    }

    fn removed_steps(report: &PruneReport) -> Vec<&str> {
        report
            .records
            .iter()
            .map(|r| r.record.created_by.as_str())
            .collect()
    }

    #[test]
    fn lazy_markers_go_with_the_records_that_name_them_but_not_within_the_grace() {
        let (_dir, cache, records) = filled(100);
        let store = cache.store().clone();
        // The newest record's layer marked lazy, plus a marker no record names (old) and one a
        // running build just wrote.
        let named = records[2].layer.as_ref().unwrap().digest.clone();
        let (orphan, fresh) = (Digest::of(b"orphan"), Digest::of(b"fresh"));
        for d in [&named, &orphan, &fresh] {
            store
                .record_lazy(d, records[2].chain_id.as_ref().unwrap())
                .unwrap();
        }
        for (d, path) in store.lazy_layers().unwrap() {
            if d != fresh {
                set_mtime(&path, 24 * HOUR);
            }
        }
        let options = PruneOptions {
            until: Some(90 * 60 * Duration::from_secs(1)),
            ..PruneOptions::default()
        };
        prune(&cache, &options).unwrap();
        let mut left: Vec<Digest> = store
            .lazy_layers()
            .unwrap()
            .into_iter()
            .map(|l| l.0)
            .collect();
        left.sort();
        let mut want = vec![named, fresh];
        want.sort();
        assert_eq!(left, want);
    }

    #[test]
    fn a_bare_prune_removes_everything_but_fresh_objects() {
        let (_dir, cache, records) = filled(100);
        let store = cache.store().clone();
        let fresh = store.put_bytes(b"a build is writing this").unwrap();
        let report = prune(&cache, &PruneOptions::default()).unwrap();
        assert_eq!(removed_steps(&report), ["RUN one", "RUN two", "RUN three"]);
        assert_eq!((report.blobs.len(), report.snapshots.len()), (3, 3));
        assert_eq!(report.reclaimed(), 600);
        assert!(cache.records().unwrap().is_empty());
        assert_eq!(store.blobs().list().unwrap().len(), 1);
        assert!(store.blobs().has(&fresh));
        assert!(store.snapshots().unwrap().is_empty());
        assert!(
            !store
                .blobs()
                .has(&records[0].layer.as_ref().unwrap().digest)
        );
        // Once past the grace period it goes too.
        let options = PruneOptions {
            grace: Duration::ZERO,
            ..PruneOptions::default()
        };
        let report = prune(&cache, &options).unwrap();
        assert_eq!(report.blobs.len(), 1);
        assert!(store.blobs().list().unwrap().is_empty());
    }

    #[test]
    fn until_removes_only_records_unused_for_longer() {
        let (_dir, cache, records) = filled(100);
        let store = cache.store().clone();
        let options = PruneOptions {
            until: Some(HOUR + HOUR / 2),
            ..PruneOptions::default()
        };
        let report = prune(&cache, &options).unwrap();
        assert_eq!(removed_steps(&report), ["RUN one", "RUN two"]);
        assert_eq!(report.reclaimed(), 400);
        let kept = &records[2];
        assert_eq!(cache.get(&kept.key).unwrap().as_ref(), Some(kept));
        assert!(store.has_snapshot(kept.chain_id.as_ref().unwrap()));
        assert_eq!(store.blobs().list().unwrap().len(), 1);
        assert_eq!(store.snapshots().unwrap().len(), 1);
    }

    #[test]
    fn keep_storage_keeps_the_most_recently_used() {
        let (_dir, cache, records) = filled(1000);
        // 6000 bytes now; 4500 leaves room for two records (2 x (1000 + 1000)).
        let options = PruneOptions {
            keep_storage: Some(4500),
            ..PruneOptions::default()
        };
        let report = prune(&cache, &options).unwrap();
        assert_eq!(removed_steps(&report), ["RUN one"]);
        assert_eq!(report.reclaimed(), 2000);
        let usage = disk_usage(&cache, GC_GRACE).unwrap();
        assert_eq!(usage.total, 4000);
        let left: Vec<_> = usage.records.iter().map(|r| r.record.key.clone()).collect();
        assert_eq!(left, [records[1].key.clone(), records[2].key.clone()]);
        // A budget already met removes no record, but still sweeps the unreferenced.
        let orphan = cache.store().put_bytes(b"orphan").unwrap();
        set_mtime(&cache.store().blobs().path(&orphan), 24 * HOUR);
        let report = prune(&cache, &options).unwrap();
        assert!(report.records.is_empty());
        assert_eq!(
            report.blobs,
            [Removed {
                digest: orphan,
                bytes: 6
            }]
        );
    }

    #[test]
    fn keep_storage_and_until_together_take_only_old_records_while_over_budget() {
        let (_dir, cache, _) = filled(1000);
        let options = PruneOptions {
            until: Some(HOUR + HOUR / 2),
            keep_storage: Some(1),
            ..PruneOptions::default()
        };
        let report = prune(&cache, &options).unwrap();
        assert_eq!(removed_steps(&report), ["RUN one", "RUN two"]);
    }

    #[test]
    fn shared_and_lower_objects_of_kept_records_stay() {
        let (_dir, cache, records) = filled(100);
        let store = cache.store().clone();
        // A recent record stacked on the oldest one's layer and snapshot.
        let mut top = record(&store, "RUN top", None);
        top.lower_layers = vec![records[0].layer.as_ref().unwrap().digest.clone()];
        top.lower_chain_ids = vec![records[0].chain_id.clone().unwrap()];
        cache.put(&top).unwrap();
        let options = PruneOptions {
            until: Some(HOUR / 2),
            ..PruneOptions::default()
        };
        let report = prune(&cache, &options).unwrap();
        assert_eq!(removed_steps(&report), ["RUN one", "RUN two", "RUN three"]);
        assert!(store.blobs().has(&top.lower_layers[0]));
        assert!(store.has_snapshot(&top.lower_chain_ids[0]));
        assert_eq!((report.blobs.len(), report.snapshots.len()), (2, 2));
    }

    #[test]
    fn disk_usage_counts_objects_records_and_what_is_reclaimable() {
        let (_dir, cache, _) = filled(100);
        let store = cache.store().clone();
        let orphan = store.put_bytes(&[0; 50]).unwrap();
        set_mtime(&store.blobs().path(&orphan), 24 * HOUR);
        store.put_bytes(&[1; 7]).unwrap();
        let usage = disk_usage(&cache, GC_GRACE).unwrap();
        assert_eq!(
            usage.blobs,
            Tally {
                count: 5,
                bytes: 357
            }
        );
        assert_eq!(
            usage.snapshots,
            Tally {
                count: 3,
                bytes: 300
            }
        );
        assert_eq!(
            usage.record_layers,
            Tally {
                count: 3,
                bytes: 300
            }
        );
        assert_eq!(usage.records.len(), 3);
        assert_eq!(usage.unreferenced, 50);
        assert_eq!(usage.reclaimable, 650);
        assert_eq!(usage.total, 657);
    }
}
