//! The builder: for each step of a plan, a cache lookup, else the step's work; then the image
//! (DESIGN.md: `plan` -> `build` -> `image` -> output).
//!
//! * [`executor`] — runs the needed stages, step by step, with the per-step cache;
//! * [`schedule`] — which stage runs when: as soon as its dependencies are built, `--jobs` at a
//!   time, the first failure cancelling the rest;
//! * [`interrupt`] — SIGINT/SIGTERM during a build cancel it cleanly;
//! * [`layers`] — a stage's layers; base blobs fetched and unpacked only when a step needs them;
//! * `early` — which lower layers the build will need, made present before the steps ask;
//! * [`copy`] — COPY and ADD (and WORKDIR's directory) as layer entries, with Docker's rules;
//! * [`progress`] — step events, rendered as buildx's plain progress or JSON lines;
//! * [`mounts`] — RUN's `--mount`s (cache, bind, tmpfs, secret, ssh) and heredoc scripts;
//! * [`tty_progress`] — the live terminal view (`--progress=tty`);
//! * [`run_step`] — RUN: the step run in an OCI runtime (`crate::exec`), its upper dir as a layer;
//! * [`summary`] — the table printed at the end: each step, hit or miss (and why), time, layer
//!   size;
//! * [`explain`] — why a step missed: its inputs against the closest record of the same step;
//! * [`time`] — `SOURCE_DATE_EPOCH` and RFC 3339 stamps.

pub mod copy;
mod early;
mod error;
pub mod executor;
pub mod explain;
pub mod interrupt;
pub mod layer_stream;
pub mod layers;
pub mod lazy;
pub mod mounts;
pub mod progress;
pub mod recompress;
pub mod resolver;
pub mod run_step;
pub mod schedule;
pub mod summary;
pub mod time;
pub mod tty_progress;

pub use error::BuildError;
pub use executor::{BuildOptions, BuildOutput, Builder, StepReport};
pub use layers::BlobOrigin;
pub use progress::{
    GroupedProgress, JsonProgress, PlainProgress, Progress, QuietProgress, StepEnd,
};
pub use tty_progress::TtyProgress;

use crate::cache::CacheRecord;
use crate::digest::Digest;

/// The per-step cache as the builder uses it.
pub trait StepCache: Sync {
    /// The record stored under `key`, if any (a damaged record is no record).
    fn get(&self, key: &Digest) -> Option<CacheRecord>;
    /// Stores `record` under its key.
    fn put(&self, record: &CacheRecord) -> Result<(), String>;
    /// The record stored under `key`, usable or not, without marking it used (to explain a
    /// miss); none by default.
    fn peek(&self, _key: &Digest) -> Option<CacheRecord> {
        None
    }
    /// The keys most recently stored for the step `identity`, most recent first (to explain a
    /// miss); none by default.
    fn recent(&self, _identity: &Digest) -> Vec<Digest> {
        Vec::new()
    }
    /// The record of `key` in a remote cache (`--cache-from`), with its backend; none by
    /// default.
    fn remote(&self, _key: &Digest) -> Option<crate::cache::remote::RemoteHit> {
        None
    }
}

/// A local cache with remote caches behind it: records are stored locally, lookups that the
/// local cache cannot answer with a usable record go to the `--cache-from` backends.
pub struct LayeredCache<'a> {
    /// The local cache.
    pub local: &'a dyn StepCache,
    /// The remote caches.
    pub remote: &'a crate::cache::remote::RemoteCaches,
}

impl StepCache for LayeredCache<'_> {
    fn get(&self, key: &Digest) -> Option<CacheRecord> {
        self.local.get(key)
    }

    fn put(&self, record: &CacheRecord) -> Result<(), String> {
        self.local.put(record)
    }

    fn peek(&self, key: &Digest) -> Option<CacheRecord> {
        self.local.peek(key)
    }

    fn recent(&self, identity: &Digest) -> Vec<Digest> {
        self.local.recent(identity)
    }

    fn remote(&self, key: &Digest) -> Option<crate::cache::remote::RemoteHit> {
        self.remote.lookup(key)
    }
}

/// A cache that holds nothing (`--no-cache` without touching the state's records).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoCache;

impl StepCache for NoCache {
    fn get(&self, _: &Digest) -> Option<CacheRecord> {
        None
    }

    fn put(&self, _: &CacheRecord) -> Result<(), String> {
        Ok(())
    }
}

impl StepCache for crate::cache::LocalCache {
    fn get(&self, key: &Digest) -> Option<CacheRecord> {
        match crate::cache::LocalCache::get(self, key) {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!("cache record {key} unreadable, treated as a miss: {e}");
                None
            }
        }
    }

    fn put(&self, record: &CacheRecord) -> Result<(), String> {
        crate::cache::LocalCache::put(self, record).map_err(|e| e.to_string())
    }

    fn peek(&self, key: &Digest) -> Option<CacheRecord> {
        crate::cache::LocalCache::peek(self, key).ok().flatten()
    }

    fn recent(&self, identity: &Digest) -> Vec<Digest> {
        self.recent_keys(identity)
    }
}
