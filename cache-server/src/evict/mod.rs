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

mod pass;
mod pins;
#[cfg(test)]
mod tests;
mod uploads;

pub use pins::{Pin, Pins};

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
