//! Eviction: keeps the store under its size budget and sweeps what nobody can use any more.
//!
//! One [`Evictor::run_once`] does, in order:
//! 1. finish deletions a crash interrupted (digests the metadata forgot, still in the store);
//! 2. sweep upload sessions idle longer than the upload TTL, with their files under
//!    `<data>/uploads/<id>` (and files there that have no session, older than the TTL);
//! 3. remove manifests one of whose blobs is gone (marked by [`Meta::forget_blob`]);
//! 4. sweep blobs that no manifest references and no GitHub Actions cache entry links
//!    (repositories `_gha/<scope>`), last accessed before the grace period;
//! 5. while the stored bytes exceed the budget: evict unreferenced blobs least recently used
//!    first (those accessed within the upload TTL are kept: a push may be about to reference
//!    them), then whole manifests least recently used first, with their tags and the blobs only
//!    they referenced, and any manifest that referenced an evicted one.
//!
//! Nothing referenced by a manifest pushed within the grace period is evicted, directly or
//! through an index. Every removal is ordered metadata first, then the bytes: [`Meta::evict`]
//! forgets the digests and queues them in one transaction, then the store deletes them. A crash
//! in between leaves bytes nobody names (deleted by step 1 of the next run), never a manifest
//! naming a missing blob. If a client links a queued digest again before its bytes go, the
//! deletion is skipped; a push holding a [`Pin`] on the digest (from storing the bytes to linking
//! them) is never interleaved with the delete. Should someone link it without a pin in the instant
//! between the check and the delete, the evictor notices the missing bytes afterwards and forgets
//! the digest again, so the metadata never keeps claiming a blob the store lost.

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use std::time::{Duration, UNIX_EPOCH};

use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock};
use tokio::task::JoinHandle;

use crate::blobs::{BlobError, BlobStore, Digest};
use crate::config::Limits;
use crate::gha::GhaError;
use crate::gha::entries::{Entries, RESERVATION_TTL};
use crate::meta::{self, EvictRule, Evicted, Meta, MetaError};
use crate::metrics::Metrics;

/// Default grace period: manifests pushed within this many minutes keep what they reference.
pub const DEFAULT_GRACE_MINUTES: u64 = 60;
/// Default lifetime of an idle upload session, in minutes.
pub const DEFAULT_UPLOAD_TTL_MINUTES: u64 = 60;
/// How often the server runs eviction ([`spawn`]).
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(5 * 60);
/// Digests examined per metadata read while walking the least-recently-used order.
const PAGE: usize = 256;

/// Errors of eviction.
#[derive(Debug, thiserror::Error)]
pub enum EvictError {
    /// The metadata database failed.
    #[error(transparent)]
    Meta(#[from] MetaError),
    /// The blob store failed.
    #[error(transparent)]
    Blob(#[from] BlobError),
    /// A blocking metadata call did not complete.
    #[error("metadata task: {0}")]
    Join(#[from] tokio::task::JoinError),
    /// Removing an upload's files failed.
    #[error("remove {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The GitHub Actions cache entries could not be read or removed.
    #[error("GitHub Actions cache entries: {0}")]
    Gha(#[from] GhaError),
    /// `limits.max_bytes` is not a size.
    #[error("limits.max_bytes: {0}")]
    Size(#[from] crate::config::ConfigError),
}

/// Result of eviction.
pub type Result<T> = std::result::Result<T, EvictError>;

/// What eviction keeps and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Size budget in stored bytes; `None` means no budget (only the sweeps run).
    pub max_bytes: Option<u64>,
    /// Grace period in seconds.
    pub grace_secs: u64,
    /// Idle upload sessions older than this many seconds are swept.
    pub upload_ttl_secs: u64,
    /// GitHub Actions cache entries neither created nor restored for this many seconds are
    /// removed; `None` keeps them (`limits.gha_max_age_days: 0`).
    pub gha_max_age_secs: Option<u64>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            max_bytes: None,
            grace_secs: DEFAULT_GRACE_MINUTES * 60,
            upload_ttl_secs: DEFAULT_UPLOAD_TTL_MINUTES * 60,
            gha_max_age_secs: Some(DEFAULT_GHA_MAX_AGE_DAYS * DAY),
        }
    }
}

/// Default of `limits.gha_max_age_days`: GitHub's own service removes entries unused for 7 days.
pub const DEFAULT_GHA_MAX_AGE_DAYS: u64 = 7;

/// Seconds in a day.
const DAY: u64 = 24 * 3600;

impl Policy {
    /// The policy of the configuration's `limits` section.
    pub fn from_limits(limits: &Limits) -> Result<Self> {
        Ok(Self {
            // The configuration's own reading, so what is enforced is what was validated.
            max_bytes: limits.max_bytes()?,
            grace_secs: limits.grace_minutes.unwrap_or(DEFAULT_GRACE_MINUTES) * 60,
            upload_ttl_secs: limits
                .upload_ttl_minutes
                .unwrap_or(DEFAULT_UPLOAD_TTL_MINUTES)
                * 60,
            gha_max_age_secs: match limits.gha_max_age_days {
                Some(0) => None,
                days => Some(days.unwrap_or(DEFAULT_GHA_MAX_AGE_DAYS) * DAY),
            },
        })
    }
}

/// What one run removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvictionReport {
    /// Stale upload sessions (and orphaned upload files) removed.
    pub uploads: usize,
    /// Blobs (and manifests' bytes) deleted.
    pub blobs: usize,
    /// Bytes deleted.
    pub bytes: u64,
    /// Manifest records removed.
    pub manifests: usize,
    /// Tags removed with them.
    pub tags: usize,
    /// Deletions finished that a previous run (or crash) left pending.
    pub resumed: usize,
    /// Whether the store is still above its budget (everything left is protected).
    pub over_budget: bool,
    /// GitHub Actions cache entries removed because nobody used them within the max age.
    pub gha_entries: usize,
    /// GitHub Actions cache reservations never finalized, removed.
    pub gha_reservations: usize,
}

impl EvictionReport {
    /// Whether the run removed nothing.
    pub fn is_empty(&self) -> bool {
        self.uploads == 0
            && self.blobs == 0
            && self.manifests == 0
            && self.resumed == 0
            && self.gha_entries == 0
            && self.gha_reservations == 0
    }
}

/// Runs eviction over a blob store and its metadata.
#[derive(Debug, Clone)]
pub struct Evictor {
    policy: Policy,
    uploads_dir: Option<PathBuf>,
    metrics: Option<Arc<Metrics>>,
    pins: Arc<Pins>,
}

/// Digests a request is storing or linking right now, whose bytes eviction must not delete
/// meanwhile. The registry holds a [`Pin`] from before it writes a blob to the store until it has
/// linked it (and around a cross-repository mount's check and link); eviction deletes a blob's
/// bytes only while no pin on it is held, and nobody pins it until the delete is done. So a push
/// either completes before (the blob is linked again and kept) or starts after (it writes the
/// bytes anew). Pins are per process: replicas sharing one S3 store need more than this.
#[derive(Debug, Default)]
pub struct Pins {
    locks: std::sync::Mutex<HashMap<String, Weak<RwLock<()>>>>,
}

/// A held pin on a digest (see [`Pins`]); dropping it releases the pin.
#[derive(Debug)]
pub struct Pin {
    _guard: OwnedRwLockReadGuard<()>,
}

impl Pins {
    /// No pins.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock_for(&self, digest: &str) -> Arc<RwLock<()>> {
        let mut locks = self
            .locks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(lock) = locks.get(digest).and_then(Weak::upgrade) {
            return lock;
        }
        if locks.len() >= 1024 {
            locks.retain(|_, lock| lock.strong_count() > 0);
        }
        let lock = Arc::new(RwLock::new(()));
        locks.insert(digest.to_string(), Arc::downgrade(&lock));
        lock
    }

    /// Pins `digest` until the returned [`Pin`] is dropped; waits while eviction is deleting it.
    pub async fn pin(&self, digest: &str) -> Pin {
        Pin {
            _guard: self.lock_for(digest).read_owned().await,
        }
    }

    /// Waits until no pin on `digest` is held and keeps new ones out until the guard is dropped.
    async fn exclusive(&self, digest: &str) -> OwnedRwLockWriteGuard<()> {
        self.lock_for(digest).write_owned().await
    }
}

/// Runs a blocking metadata call on the blocking pool.
async fn blocking<T: Send + 'static>(
    meta: &Arc<Meta>,
    f: impl FnOnce(&Meta) -> meta::Result<T> + Send + 'static,
) -> Result<T> {
    let meta = meta.clone();
    Ok(tokio::task::spawn_blocking(move || f(&meta)).await??)
}

/// Which least-recently-used candidates a pass takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// Unreferenced blobs that are not manifests.
    Unreferenced,
    /// Manifests, outside the grace period.
    Manifests,
}

impl Evictor {
    /// An evictor with `policy`; `uploads_dir` is `<data>/uploads` for a local store (upload
    /// files are removed with their sessions), `None` when uploads keep no local files.
    pub fn new(policy: Policy, uploads_dir: Option<PathBuf>) -> Self {
        Self {
            policy,
            uploads_dir,
            metrics: None,
            pins: Arc::new(Pins::new()),
        }
    }

    /// Counts evictions into `metrics` too.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Respects the pins of `pins` (shared with the registry) instead of its own.
    pub fn with_pins(mut self, pins: Arc<Pins>) -> Self {
        self.pins = pins;
        self
    }

    /// The pins this evictor respects, for the registry to hold while it pushes.
    pub fn pins(&self) -> Arc<Pins> {
        self.pins.clone()
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// One eviction run now; see the module documentation.
    pub async fn run_once<S: BlobStore>(
        &self,
        store: &S,
        meta: &Arc<Meta>,
    ) -> Result<EvictionReport> {
        self.run_at(store, meta, meta::now()).await
    }

    /// Removes GitHub Actions cache entries neither created nor restored within the max age, and
    /// reservations never finalized within [`RESERVATION_TTL`]. Each entry's archive loses its
    /// link to `_gha/<scope>` in the same transaction, so the unreferenced sweep that follows
    /// deletes the archives nothing else links (after the grace period, metadata before bytes).
    async fn expire_gha_entries(
        &self,
        meta: &Arc<Meta>,
        now: u64,
        report: &mut EvictionReport,
    ) -> Result<()> {
        let max_age = self.policy.gha_max_age_secs;
        let meta = meta.clone();
        let (entries, reservations) = tokio::task::spawn_blocking(
            move || -> std::result::Result<(usize, usize), GhaError> {
                let table = Entries::open(meta)?;
                let (mut entries, mut reservations) = (0, 0);
                for listed in table.list()? {
                    let finalized = listed.record.blob.is_some();
                    let cutoff = match (finalized, max_age) {
                        (true, Some(age)) => now.saturating_sub(age),
                        (true, None) => continue,
                        (false, _) => now.saturating_sub(RESERVATION_TTL),
                    };
                    if listed.record.last_used() >= cutoff {
                        continue;
                    }
                    let removed = table.remove(
                        &listed.scope,
                        &listed.key,
                        &listed.version,
                        listed.record.id,
                        cutoff,
                    )?;
                    match (removed, finalized) {
                        (Some(_), true) => entries += 1,
                        (Some(_), false) => reservations += 1,
                        (None, _) => {}
                    }
                }
                Ok((entries, reservations))
            },
        )
        .await??;
        report.gha_entries += entries;
        report.gha_reservations += reservations;
        if let Some(metrics) = &self.metrics {
            metrics.evicted_gha_entries(entries as u64);
            metrics.swept_gha_reservations(reservations as u64);
        }
        Ok(())
    }

    /// One eviction run as if the clock read `now` (seconds since the epoch).
    pub async fn run_at<S: BlobStore>(
        &self,
        store: &S,
        meta: &Arc<Meta>,
        now: u64,
    ) -> Result<EvictionReport> {
        let mut report = EvictionReport::default();
        let grace_cutoff = now.saturating_sub(self.policy.grace_secs);
        let ttl_cutoff = now.saturating_sub(self.policy.upload_ttl_secs);

        for digest in blocking(meta, |m| m.pending_deletes()).await? {
            if self.delete_bytes(store, meta, &digest).await? {
                report.resumed += 1;
            }
        }

        self.sweep_uploads(meta, ttl_cutoff, &mut report).await?;
        self.expire_gha_entries(meta, now, &mut report).await?;

        let broken = blocking(meta, |m| m.broken_manifests()).await?;
        let rule = EvictRule {
            accessed_before: u64::MAX,
            grace_cutoff,
            with_referrers: true,
            ignore_grace: true,
        };
        for manifest in broken {
            let evicted = blocking(meta, move |m| m.evict(&manifest, rule)).await?;
            self.apply(store, meta, evicted, &mut report).await?;
        }

        self.pass(
            store,
            meta,
            Pass::Unreferenced,
            grace_cutoff,
            grace_cutoff,
            None,
            &mut report,
        )
        .await?;

        if let Some(max) = self.policy.max_bytes {
            let budget = Some(max);
            self.pass(
                store,
                meta,
                Pass::Unreferenced,
                ttl_cutoff,
                grace_cutoff,
                budget,
                &mut report,
            )
            .await?;
            self.pass(
                store,
                meta,
                Pass::Manifests,
                u64::MAX,
                grace_cutoff,
                budget,
                &mut report,
            )
            .await?;
            let stored = blocking(meta, |m| m.stats()).await?.stored_bytes;
            if stored > max {
                report.over_budget = true;
                tracing::warn!(
                    stored,
                    max,
                    "store above its budget; everything left is within the grace period"
                );
            }
        }
        if let Some(metrics) = &self.metrics {
            metrics.eviction_run();
        }
        Ok(report)
    }

    /// Evicts `pass`'s candidates accessed before `before`, least recently used first: the
    /// `unreferenced` set for blobs, the manifests' least-recently-used order for manifests. With
    /// `budget`, only while the stored bytes exceed it.
    #[allow(clippy::too_many_arguments)]
    async fn pass<S: BlobStore>(
        &self,
        store: &S,
        meta: &Arc<Meta>,
        pass: Pass,
        before: u64,
        grace_cutoff: u64,
        budget: Option<u64>,
        report: &mut EvictionReport,
    ) -> Result<()> {
        let mut cursor: Option<(u64, String)> = None;
        let mut last_page = false;
        loop {
            if last_page {
                return Ok(());
            }
            if let Some(max) = budget
                && blocking(meta, |m| m.stats()).await?.stored_bytes <= max
            {
                return Ok(());
            }
            let after = cursor.clone();
            last_page = pass == Pass::Unreferenced;
            let page = blocking(meta, move |m| {
                let page = match pass {
                    Pass::Unreferenced => m.unreferenced(before)?,
                    Pass::Manifests => {
                        let after = after.as_ref().map(|(t, d)| (*t, d.as_str()));
                        m.manifests_by_access(after, before, PAGE)?
                    }
                };
                page.into_iter()
                    .map(|(time, digest)| {
                        let facts = m.blob_facts(&digest)?;
                        Ok((time, digest, facts))
                    })
                    .collect::<meta::Result<Vec<_>>>()
            })
            .await?;
            let Some((time, digest, _)) = page.last() else {
                return Ok(());
            };
            cursor = Some((*time, digest.clone()));
            for (time, digest, facts) in page {
                let Some(facts) = facts else { continue };
                let candidate = match pass {
                    Pass::Unreferenced => !facts.referenced && !facts.gha && facts.pushed.is_none(),
                    Pass::Manifests => facts.pushed.is_some_and(|p| p < grace_cutoff) && !facts.gha,
                };
                if !candidate {
                    continue;
                }
                let rule = EvictRule {
                    accessed_before: time + 1,
                    grace_cutoff,
                    with_referrers: pass == Pass::Manifests,
                    ignore_grace: false,
                };
                let evicted = blocking(meta, move |m| m.evict(&digest, rule)).await?;
                self.apply(store, meta, evicted, report).await?;
                if let Some(max) = budget
                    && blocking(meta, |m| m.stats()).await?.stored_bytes <= max
                {
                    return Ok(());
                }
            }
        }
    }

    /// Deletes the bytes of what [`Meta::evict`] removed and counts it.
    async fn apply<S: BlobStore>(
        &self,
        store: &S,
        meta: &Arc<Meta>,
        evicted: Option<Evicted>,
        report: &mut EvictionReport,
    ) -> Result<()> {
        let Some(evicted) = evicted else {
            return Ok(());
        };
        for (digest, size) in &evicted.blobs {
            self.delete_bytes(store, meta, digest).await?;
            report.blobs += 1;
            report.bytes += size;
            if let Some(metrics) = &self.metrics {
                metrics.evicted(*size);
            }
            tracing::info!(%digest, size, "evicted");
        }
        report.manifests += evicted.manifests.len();
        report.tags += evicted.tags;
        if let Some(metrics) = &self.metrics {
            metrics.evicted_manifests(evicted.manifests.len() as u64);
        }
        Ok(())
    }

    /// Deletes the bytes of a digest queued for deletion; returns whether it did.
    async fn delete_bytes<S: BlobStore>(
        &self,
        store: &S,
        meta: &Arc<Meta>,
        digest: &str,
    ) -> Result<bool> {
        // No push of this digest runs between the check and the end of the delete.
        let _exclusive = self.pins.exclusive(digest).await;
        let owned = digest.to_string();
        if !blocking(meta, move |m| m.may_delete(&owned)).await? {
            return Ok(false);
        }
        let Some(parsed) = Digest::parse(digest) else {
            // Not something the store can hold; just drop it from the queue.
            let owned = digest.to_string();
            blocking(meta, move |m| m.finish_delete(&owned)).await?;
            return Ok(false);
        };
        store.delete(&parsed).await?;
        let owned = digest.to_string();
        if !blocking(meta, move |m| m.finish_delete(&owned)).await?
            && store.stat(&parsed).await?.is_none()
        {
            // Linked again between the check and the delete by someone who held no pin: the
            // bytes are gone, so the metadata must not keep claiming them.
            tracing::warn!(%digest, "blob linked again while it was being evicted; forgetting it");
            let owned = digest.to_string();
            blocking(meta, move |m| m.forget_blob(&owned)).await?;
        }
        Ok(true)
    }

    /// Removes upload sessions idle since before `cutoff` and their files, then files under
    /// the uploads directory that belong to no session and are older than `cutoff`.
    async fn sweep_uploads(
        &self,
        meta: &Arc<Meta>,
        cutoff: u64,
        report: &mut EvictionReport,
    ) -> Result<()> {
        for entry in blocking(meta, |m| m.uploads()).await? {
            if entry.updated >= cutoff {
                continue;
            }
            let id = entry.id.clone();
            blocking(meta, move |m| m.delete_upload(&id)).await?;
            self.remove_upload_files(&entry.id).await?;
            report.uploads += 1;
            if let Some(metrics) = &self.metrics {
                metrics.swept_uploads(1);
            }
            tracing::info!(id = %entry.id, repository = %entry.session.repository, "swept stale upload");
        }
        let Some(dir) = &self.uploads_dir else {
            return Ok(());
        };
        let mut entries = match tokio::fs::read_dir(dir).await {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(source) => {
                return Err(EvictError::Io {
                    path: dir.clone(),
                    source,
                });
            }
        };
        while let Some(entry) = entries
            .next_entry()
            .await
            .map_err(|source| EvictError::Io {
                path: dir.clone(),
                source,
            })?
        {
            let Some(id) = entry.file_name().to_str().map(str::to_string) else {
                continue;
            };
            let modified = entry
                .metadata()
                .await
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                .map_or(u64::MAX, |d| d.as_secs());
            if modified >= cutoff {
                continue;
            }
            let owned = id.clone();
            if blocking(meta, move |m| m.get_upload(&owned))
                .await?
                .is_none()
            {
                self.remove_upload_files(&id).await?;
                report.uploads += 1;
            }
        }
        Ok(())
    }

    async fn remove_upload_files(&self, id: &str) -> Result<()> {
        let Some(dir) = &self.uploads_dir else {
            return Ok(());
        };
        let safe = !id.is_empty()
            && id != "."
            && id != ".."
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !safe {
            tracing::warn!(id, "upload id is not a plain file name; leaving its files");
            return Ok(());
        }
        remove_path(&dir.join(id)).await
    }
}

/// Removes a file or a directory tree; a missing path is fine.
async fn remove_path(path: &Path) -> Result<()> {
    let meta = match tokio::fs::symlink_metadata(path).await {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(EvictError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let done = if meta.is_dir() {
        tokio::fs::remove_dir_all(path).await
    } else {
        tokio::fs::remove_file(path).await
    };
    match done {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(EvictError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Runs `evictor` every `every` (the first run at once) until `shutdown` completes; a run in
/// progress finishes first. Errors of a run are logged and the next run tries again.
pub fn spawn<S: BlobStore + 'static>(
    evictor: Evictor,
    store: Arc<S>,
    meta: Arc<Meta>,
    every: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                _ = tick.tick() => {
                    match evictor.run_once(store.as_ref(), &meta).await {
                        Ok(report) if !report.is_empty() => tracing::info!(?report, "eviction run"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "eviction run failed"),
                    }
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::{ManifestRecord, UploadSession};
    use crate::store::Store;

    const HOUR: u64 = 3600;

    struct Fixture {
        dir: tempfile::TempDir,
        /// The server's store type, backed by a local directory.
        store: Store,
        meta: Arc<Meta>,
    }

    impl Fixture {
        async fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::local(dir.path()).await.unwrap();
            let meta = Arc::new(Meta::open(dir.path()).unwrap());
            Self { dir, store, meta }
        }

        async fn blob(&self, repository: &str, data: &[u8]) -> String {
            let digest = Digest::of(data);
            self.store.put(&digest, data).await.unwrap();
            self.meta
                .link_blob(repository, digest.as_str(), data.len() as u64)
                .unwrap();
            digest.to_string()
        }

        async fn manifest(&self, repository: &str, tag: &str, references: &[&str]) -> String {
            let body = serde_json::to_vec(&serde_json::json!({
                "tag": tag, "repository": repository, "layers": references,
            }))
            .unwrap();
            let digest = Digest::of(&body);
            self.store.put(&digest, &body[..]).await.unwrap();
            let record = ManifestRecord {
                media_type: "application/vnd.oci.image.manifest.v1+json".into(),
                size: body.len() as u64,
                references: references.iter().map(|r| r.to_string()).collect(),
            };
            self.meta
                .put_manifest(repository, digest.as_str(), &record, Some(tag))
                .unwrap();
            digest.to_string()
        }

        async fn stored(&self, digest: &str) -> bool {
            let digest = Digest::parse(digest).unwrap();
            self.store.stat(&digest).await.unwrap().is_some()
        }

        /// Metadata indexes and counters are consistent and name exactly what the store holds.
        async fn assert_exact(&self) {
            assert_eq!(self.meta.audit().unwrap(), Vec::<String>::new());
            let listed: u64 = self
                .store
                .list()
                .await
                .unwrap()
                .iter()
                .map(|(_, s)| s)
                .sum();
            assert_eq!(self.meta.stats().unwrap().stored_bytes, listed);
            assert!(self.meta.pending_deletes().unwrap().is_empty());
        }
    }

    fn evictor(max_bytes: Option<u64>, grace_secs: u64, upload_ttl_secs: u64) -> Evictor {
        Evictor::new(
            Policy {
                max_bytes,
                grace_secs,
                upload_ttl_secs,
                ..Policy::default()
            },
            None,
        )
    }

    /// Issue 19: the configuration validated `limits.max_bytes` with one grammar (`10g` =
    /// 10 GiB) and the evictor enforced it with another (`10g` = 10^9 bytes). Now the policy is
    /// the configuration's own reading, for every way of writing a size.
    #[test]
    fn the_evictor_enforces_what_the_configuration_says() {
        for text in ["10g", "10GB", "10GiB", "2G", "512m", "1.5k", "1048576"] {
            let limits = Limits {
                max_bytes: Some(text.into()),
                ..Limits::default()
            };
            let policy = Policy::from_limits(&limits).unwrap();
            assert_eq!(policy.max_bytes, limits.max_bytes().unwrap(), "{text}");
        }
        let limits = Limits {
            max_bytes: Some("10 parsecs".into()),
            ..Limits::default()
        };
        assert!(Policy::from_limits(&limits).is_err());
        let limits = Limits {
            max_bytes: Some("2GB".into()),
            grace_minutes: None,
            upload_ttl_minutes: Some(5),
            gha_max_age_days: None,
            gha_uploads_per_minute: None,
            evict: None,
            ..Limits::default()
        };
        let policy = Policy::from_limits(&limits).unwrap();
        assert_eq!(policy.max_bytes, Some(2 << 30));
        assert_eq!(policy.grace_secs, 3600);
        assert_eq!(policy.upload_ttl_secs, 300);
    }

    #[tokio::test]
    async fn actions_cache_entries_unused_past_the_max_age_go_with_their_archives() {
        use crate::gha::entries::BlobRef;
        let f = Fixture::new().await;
        let t0 = meta::now();
        let repo = crate::gha::scope::repository_of("main");
        let archive = f.blob(&repo, b"an archive").await;
        // Also a layer of a manifest: the entry's removal must not take it.
        let layer = f.blob(&repo, b"a layer too").await;
        f.manifest("proj/main", "latest", &[&layer]).await;
        let entries = Entries::open(f.meta.clone()).unwrap();
        for (key, digest, size) in [("k1", &archive, 10), ("k2", &layer, 11)] {
            let upload = format!("u-{key}");
            entries.reserve("main", key, "v", &upload, t0).unwrap();
            let blob = BlobRef {
                digest: digest.clone(),
                size,
            };
            entries.commit_upload(&upload, blob).unwrap();
            entries.finalize("main", key, "v", Some(size)).unwrap();
        }
        // A reservation nobody finalized.
        entries.reserve("main", "k3", "v", "u-k3", t0).unwrap();
        let evictor = Evictor::new(Policy::default(), None);

        let report = evictor
            .run_at(&f.store, &f.meta, t0 + 6 * DAY)
            .await
            .unwrap();
        assert_eq!((report.gha_entries, report.gha_reservations), (0, 1));
        assert!(f.stored(&archive).await && f.stored(&layer).await);
        assert_eq!(entries.list().unwrap().len(), 2);

        let report = evictor
            .run_at(&f.store, &f.meta, t0 + 8 * DAY)
            .await
            .unwrap();
        assert_eq!(report.gha_entries, 2);
        assert!(
            !f.stored(&archive).await,
            "the expired entry's archive stays"
        );
        assert!(
            f.stored(&layer).await,
            "a manifest's layer went with an entry"
        );
        assert!(entries.list().unwrap().is_empty());
        assert_eq!(entries.audit().unwrap(), Vec::<String>::new());
        f.assert_exact().await;
    }

    #[test]
    fn gha_max_age_zero_keeps_entries() {
        let limits = Limits {
            gha_max_age_days: Some(0),
            ..Limits::default()
        };
        assert_eq!(Policy::from_limits(&limits).unwrap().gha_max_age_secs, None);
        assert_eq!(
            Policy::from_limits(&Limits::default())
                .unwrap()
                .gha_max_age_secs,
            Some(7 * DAY)
        );
    }

    #[tokio::test]
    async fn budget_evicts_least_recently_used_unreferenced_first() {
        let f = Fixture::new().await;
        let now = meta::now();
        let a = f.blob("p/main", &[b'a'; 100]).await;
        let b = f.blob("p/main", &[b'b'; 100]).await;
        let c = f.blob("p/main", &[b'c'; 100]).await;
        let m = f.manifest("p/main", "latest", &[&c]).await;
        // The referenced blob is the least recently used of all; unreferenced ones still go
        // first, the older of them first.
        f.meta.set_last_access(&c, now - 9000).unwrap();
        f.meta.set_last_access(&m, now - 9000).unwrap();
        f.meta.set_last_access(&a, now - 3000).unwrap();
        f.meta.set_last_access(&b, now - 2000).unwrap();
        let total = f.meta.stats().unwrap().stored_bytes;
        // Long grace (the manifest is fresh), short upload TTL (a and b are not fresh uploads).
        let report = evictor(Some(total - 100), 10 * 24 * HOUR, 60)
            .run_at(&f.store, &f.meta, now)
            .await
            .unwrap();
        assert_eq!((report.blobs, report.bytes), (1, 100));
        assert!(!report.over_budget);
        assert!(!f.stored(&a).await && f.stored(&b).await && f.stored(&c).await);
        assert!(f.meta.blob_facts(&a).unwrap().is_none());
        f.assert_exact().await;

        // Below what the fresh manifest needs: b goes, then nothing more can.
        let report = evictor(Some(10), 10 * 24 * HOUR, 60)
            .run_at(&f.store, &f.meta, now)
            .await
            .unwrap();
        assert_eq!(report.blobs, 1);
        assert!(report.over_budget);
        assert!(!f.stored(&b).await && f.stored(&c).await && f.stored(&m).await);
        assert_eq!(f.meta.get_tag("p/main", "latest").unwrap(), Some(m));
        f.assert_exact().await;
    }

    #[tokio::test]
    async fn grace_period_protects_a_fresh_manifest_and_then_lets_it_go() {
        let f = Fixture::new().await;
        let now = meta::now();
        let l1 = f.blob("p/main", &[1; 50]).await;
        let l2 = f.blob("p/main", &[2; 70]).await;
        let m = f.manifest("p/main", "v1", &[&l1, &l2]).await;
        f.meta.put_tag("p/other", "copy", &m).unwrap();
        let ev = evictor(Some(0), HOUR, HOUR);
        let report = ev.run_at(&f.store, &f.meta, now).await.unwrap();
        assert_eq!(report.blobs, 0);
        assert!(report.over_budget);
        for d in [&l1, &l2, &m] {
            assert!(f.stored(d).await);
        }
        // Two hours later the manifest is outside the grace period: it goes with its tags
        // (in every repository) and the blobs only it referenced.
        let report = ev.run_at(&f.store, &f.meta, now + 2 * HOUR).await.unwrap();
        assert_eq!((report.blobs, report.manifests, report.tags), (3, 1, 2));
        assert!(!report.over_budget);
        for d in [&l1, &l2, &m] {
            assert!(!f.stored(d).await);
        }
        assert_eq!(f.meta.get_tag("p/main", "v1").unwrap(), None);
        assert_eq!(f.meta.get_tag("p/other", "copy").unwrap(), None);
        assert!(f.meta.repositories().unwrap().is_empty());
        assert_eq!(f.meta.stats().unwrap().logical_bytes, 0);
        f.assert_exact().await;
    }

    #[tokio::test]
    async fn a_fresh_index_protects_an_old_child_manifest() {
        let f = Fixture::new().await;
        let layer = f.blob("p/main", &[7; 40]).await;
        let child = f.manifest("p/main", "child", &[&layer]).await;
        // Push times have a one-second resolution: the index is pushed two seconds later.
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let index = f.manifest("p/main", "multi", &[&child]).await;
        let now = meta::now();
        // A one-second grace period: the child is outside it, the index inside.
        let ev = evictor(Some(0), 1, 1);
        assert!(f.meta.pushed(&child).unwrap() < Some(now - 1));
        let report = ev.run_at(&f.store, &f.meta, now).await.unwrap();
        assert_eq!((report.blobs, report.manifests), (0, 0));
        assert!(report.over_budget);
        for d in [&layer, &child, &index] {
            assert!(f.stored(d).await);
        }
        // Once both are outside it, the index goes with the child and the layer.
        let report = ev.run_at(&f.store, &f.meta, now + 10).await.unwrap();
        assert_eq!((report.blobs, report.manifests, report.tags), (3, 2, 2));
        assert!(f.meta.repositories().unwrap().is_empty());
        f.assert_exact().await;
    }

    #[tokio::test]
    async fn a_manifest_whose_blob_is_gone_disappears_with_its_tags() {
        let f = Fixture::new().await;
        let l1 = f.blob("p/main", &[1; 10]).await;
        let l2 = f.blob("p/main", &[2; 10]).await;
        let m1 = f.manifest("p/main", "amd64", &[&l1]).await;
        let m2 = f.manifest("p/main", "arm64", &[&l2]).await;
        let index = f.manifest("p/main", "multi", &[&m1, &m2]).await;
        f.meta.put_tag("p/dev", "amd64", &m1).unwrap();
        // The store lost l1 (or a client deleted it): the metadata forgets it.
        f.store.delete(&Digest::parse(&l1).unwrap()).await.unwrap();
        f.meta.forget_blob(&l1).unwrap();
        // Fresh manifests, default grace: broken ones go anyway, with the index naming them.
        let report = evictor(None, HOUR, HOUR)
            .run_at(&f.store, &f.meta, meta::now())
            .await
            .unwrap();
        assert_eq!(report.manifests, 2);
        assert_eq!(report.tags, 3);
        assert!(!f.stored(&m1).await && !f.stored(&index).await);
        assert_eq!(f.meta.get_tag("p/main", "amd64").unwrap(), None);
        assert_eq!(f.meta.get_tag("p/dev", "amd64").unwrap(), None);
        assert_eq!(f.meta.get_tag("p/main", "multi").unwrap(), None);
        // The sibling is whole and stays.
        assert_eq!(f.meta.get_tag("p/main", "arm64").unwrap(), Some(m2.clone()));
        assert!(f.stored(&m2).await && f.stored(&l2).await);
        f.assert_exact().await;
    }

    #[tokio::test]
    async fn unreferenced_sweep_keeps_referenced_and_github_cache_blobs() {
        let f = Fixture::new().await;
        let now = meta::now();
        let loose = f.blob("p/main", b"loose").await;
        let gha = f.blob("_gha/main", b"cache entry").await;
        let used = f.blob("p/main", b"used").await;
        let m = f.manifest("p/main", "t", &[&used]).await;
        let ev = evictor(None, HOUR, HOUR);
        // Within the grace period nothing goes (the loose blob may belong to a push).
        let report = ev.run_at(&f.store, &f.meta, now).await.unwrap();
        assert!(report.is_empty());
        let report = ev.run_at(&f.store, &f.meta, now + 2 * HOUR).await.unwrap();
        assert_eq!((report.blobs, report.bytes), (1, 5));
        assert!(!f.stored(&loose).await);
        for d in [&gha, &used, &m] {
            assert!(f.stored(d).await);
        }
        f.assert_exact().await;
    }

    #[tokio::test]
    async fn stale_upload_sessions_and_their_files_are_swept() {
        let f = Fixture::new().await;
        let uploads = f.dir.path().join("uploads");
        std::fs::create_dir_all(uploads.join("u1")).unwrap();
        std::fs::write(uploads.join("u1/data"), b"partial").unwrap();
        std::fs::write(uploads.join("orphan"), b"no session").unwrap();
        let session = UploadSession {
            repository: "p/main".into(),
            started: meta::now(),
            bytes: 7,
        };
        f.meta.put_upload("u1", &session).unwrap();
        let ev = Evictor::new(
            Policy {
                max_bytes: None,
                grace_secs: HOUR,
                upload_ttl_secs: HOUR,
                ..Policy::default()
            },
            Some(uploads.clone()),
        );
        let report = ev.run_at(&f.store, &f.meta, meta::now()).await.unwrap();
        assert_eq!(report.uploads, 0);
        assert!(uploads.join("u1/data").exists() && uploads.join("orphan").exists());
        let report = ev
            .run_at(&f.store, &f.meta, meta::now() + 2 * HOUR)
            .await
            .unwrap();
        assert_eq!(report.uploads, 2);
        assert_eq!(f.meta.get_upload("u1").unwrap(), None);
        assert!(!uploads.join("u1").exists() && !uploads.join("orphan").exists());
        assert!(f.meta.uploads().unwrap().is_empty());
    }

    #[tokio::test]
    async fn metadata_goes_first_and_a_crash_leftover_is_finished() {
        let f = Fixture::new().await;
        let now = meta::now();
        let a = f.blob("p/main", b"aaaa").await;
        let b = f.blob("p/main", b"bbbb").await;
        // As if a run crashed after forgetting both but before deleting their bytes.
        let rule = EvictRule {
            accessed_before: u64::MAX,
            grace_cutoff: now + 1,
            with_referrers: false,
            ignore_grace: false,
        };
        for d in [&a, &b] {
            let evicted = f.meta.evict(d, rule).unwrap().unwrap();
            assert_eq!(evicted.blobs, [(d.to_string(), 4)]);
        }
        assert_eq!(f.meta.stats().unwrap().stored_bytes, 0);
        assert!(f.stored(&a).await && f.stored(&b).await);
        // b is pushed again before the next run: its bytes must stay.
        f.meta.link_blob("p/main", &b, 4).unwrap();
        let report = evictor(None, HOUR, HOUR)
            .run_at(&f.store, &f.meta, now)
            .await
            .unwrap();
        assert_eq!(report.resumed, 1);
        assert!(!f.stored(&a).await && f.stored(&b).await);
        f.assert_exact().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_pinned_push_keeps_its_bytes_from_a_pending_delete() {
        let f = Arc::new(Fixture::new().await);
        let ev = Arc::new(evictor(None, HOUR, HOUR));
        let data = b"pushed again while being evicted";
        let digest = Digest::parse(&f.blob("p/main", data).await).unwrap();
        // Eviction has chosen the blob: the metadata forgot it, the bytes are still to delete.
        let rule = EvictRule {
            accessed_before: u64::MAX,
            grace_cutoff: meta::now() + 1,
            with_referrers: false,
            ignore_grace: false,
        };
        f.meta.evict(digest.as_str(), rule).unwrap().unwrap();
        // A push of the same blob: pin, store the bytes...
        let pin = ev.pins().pin(digest.as_str()).await;
        f.store.put(&digest, &data[..]).await.unwrap();
        // ...while the next eviction run gets to the pending delete...
        let run = {
            let (f, ev) = (f.clone(), ev.clone());
            tokio::spawn(async move { ev.run_at(&f.store, &f.meta, meta::now()).await })
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        // ...then link and unpin.
        f.meta
            .link_blob("p/main", digest.as_str(), data.len() as u64)
            .unwrap();
        drop(pin);
        let report = run.await.unwrap().unwrap();
        assert_eq!(report.resumed, 0);
        assert!(
            f.stored(digest.as_str()).await,
            "linked blob lost its bytes"
        );
        f.assert_exact().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_pushes_and_eviction_keep_metadata_and_store_in_step() {
        let f = Arc::new(Fixture::new().await);
        // Evict everything it can, as often as it can.
        let ev = Arc::new(evictor(Some(0), 0, 0));
        let contents: Vec<Vec<u8>> = (0..8u8).map(|i| vec![i; 1000 + usize::from(i)]).collect();
        let digests: Vec<String> = contents.iter().map(|c| Digest::of(c).to_string()).collect();
        let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let evicting = {
            let (f, ev, done) = (f.clone(), ev.clone(), done.clone());
            tokio::spawn(async move {
                let mut runs = 0;
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    ev.run_at(&f.store, &f.meta, meta::now() + 10)
                        .await
                        .unwrap();
                    runs += 1;
                }
                runs
            })
        };
        let pins = ev.pins();
        for round in 0..300 {
            let data = &contents[round % contents.len()];
            let digest = Digest::of(data);
            // What the registry does for a push: pin, store the bytes, link, unpin.
            let pin = pins.pin(digest.as_str()).await;
            f.store.put(&digest, &data[..]).await.unwrap();
            let meta = f.meta.clone();
            let d = digest.to_string();
            let size = data.len() as u64;
            tokio::task::spawn_blocking(move || meta.link_blob("p/main", &d, size))
                .await
                .unwrap()
                .unwrap();
            drop(pin);
            if round % 7 == 0 {
                tokio::task::yield_now().await;
            }
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        let runs = evicting.await.unwrap();
        assert!(runs > 0);
        for digest in &digests {
            if f.meta.blob_facts(digest).unwrap().is_some() {
                assert!(f.stored(digest).await, "{digest} linked but not stored");
            }
        }
        assert_eq!(f.meta.audit().unwrap(), Vec::<String>::new());
        ev.run_at(&f.store, &f.meta, meta::now() + 10)
            .await
            .unwrap();
        f.assert_exact().await;
        assert_eq!(f.meta.stats().unwrap().stored_bytes, 0);
    }

    #[tokio::test]
    async fn spawn_runs_until_shutdown() {
        let f = Fixture::new().await;
        let metrics = Arc::new(Metrics::new());
        let ev = evictor(None, 0, 0).with_metrics(metrics.clone());
        let loose = f.blob("p/main", b"loose").await;
        f.meta.set_last_access(&loose, 1).unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let handle = spawn(
            ev,
            Arc::new(f.store.clone()),
            f.meta.clone(),
            Duration::from_millis(20),
            async move {
                let _ = rx.await;
            },
        );
        for _ in 0..200 {
            if !f.stored(&loose).await {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(!f.stored(&loose).await);
        tx.send(()).unwrap();
        handle.await.unwrap();
        let text = metrics.render(None);
        assert!(
            text.lines()
                .any(|l| l == "rbuild_cache_evicted_bytes_total 5"),
            "{text}"
        );
    }
}
