//! The local per-step cache: a record per step key, telling what the step produced.
//!
//! * [`CacheRecord`] — what a step produced (its layer, the chain id of the filesystem after it,
//!   and what it stacks on), stored under the step's key;
//! * [`LocalCache`] ([`local`]) — the records of one state directory, one JSON file each in
//!   `$RBUILD_HOME/cache/records/<key hex>.json`, written temp + fsync + rename; a record file's
//!   mtime is its last use, which pruning orders by;
//! * [`prune`](mod@prune) — `rbuild du` and `rbuild prune`: what the store holds, and removing records by
//!   age or a storage budget, then every blob and snapshot no remaining record needs.
//! * [`mounts`] — the `RUN --mount=type=cache` directories under `mounts/`: their sizes, and
//!   removing the unused ones;
//! * [`snapshot`] — the explanation snapshot a record keeps of its step's inputs;
//! * [`steps`] — the step index, `cache/steps/<identity hex>.json`: the keys most recently stored
//!   for a step, the records a miss is explained against;
//! * [`explain`] — compares a step's inputs with a record's snapshot: why the keys differ.
//!
//! The executor's side of it: look a step up with [`LocalCache::get`] (a usable hit, touched as
//! used), and after running a step, store its layer blob first and then [`LocalCache::put`] the
//! record, filling [`CacheRecord::lower_layers`] and [`CacheRecord::lower_chain_ids`] so that
//! pruning keeps what the record's filesystem stacks on.

pub mod error;
pub mod explain;
pub mod local;
pub mod mounts;
pub mod prune;
pub mod remote;
pub mod snapshot;
pub mod steps;

use crate::digest::Digest;
use crate::image::layer::LayerDescriptor;
use serde::{Deserialize, Serialize};

pub use error::CacheError;
pub use local::{LocalCache, RecordInfo, RecordScope};
pub use prune::{DiskUsage, GC_GRACE, PruneOptions, PruneReport, Removed, disk_usage, prune};
pub use snapshot::{ContextSnapshot, ImageRef, StageRef, StepSnapshot};

/// What a step produced, stored under its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheRecord {
    /// The step's key.
    pub key: Digest,
    /// The layer it made; `None` when it changed no file (an empty diff makes no layer).
    pub layer: Option<LayerDescriptor>,
    /// Chain id of the stage's filesystem after the step (its snapshot name); `None` for an
    /// empty filesystem.
    pub chain_id: Option<Digest>,
    /// When the step ran (RFC 3339), the image history's `created` for it.
    pub created: String,
    /// The history's `created_by`.
    pub created_by: String,
    /// How long the step took, in milliseconds.
    pub duration_ms: u64,
    /// Blob digests of the layers below this step's own (base image layers included), bottom
    /// first: pruning keeps them while the record is kept. Empty in records that predate it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lower_layers: Vec<Digest>,
    /// Chain ids of the snapshots below [`chain_id`](Self::chain_id), bottom first (the lower
    /// dirs the step's filesystem stacks on): pruning keeps them while the record is kept.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lower_chain_ids: Vec<Digest>,
    /// What the step's key was made from, to explain a later miss of the same step; `None` in
    /// records that predate it. Its identity lists the record in the step index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<StepSnapshot>,
}

impl CacheRecord {
    /// Every blob the record needs: its layer and the layers below.
    pub fn blobs(&self) -> impl Iterator<Item = &Digest> {
        self.layer
            .iter()
            .map(|l| &l.digest)
            .chain(self.lower_layers.iter())
    }

    /// Every snapshot the record needs: its chain id and the ones below.
    pub fn snapshots(&self) -> impl Iterator<Item = &Digest> {
        self.chain_id.iter().chain(self.lower_chain_ids.iter())
    }
}
