//! The local per-step cache: a record per step key, telling what the step produced.
//!
//! (Interface fixed by the executor; the implementation lands separately.)

use crate::digest::Digest;
use crate::image::layer::LayerDescriptor;
use serde::{Deserialize, Serialize};

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
}
