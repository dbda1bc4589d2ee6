//! Remote caches: `--cache-to` / `--cache-from` (DESIGN.md "Cache export and import").
//!
//! * [`spec`] — the flags' values, as buildx spells them;
//! * [`document`] — the documents every backend stores: cache indexes and mount-cache manifests;
//! * [`index`] — the records an export publishes and their OCI-manifest encoding;
//! * [`scope`] — which scope a build writes and which it reads (branch -> base -> default);
//! * [`caches`] — one build's imports, lazy blob fetches, lookups and exports;
//! * [`backend`] — one connected backend: [`registry`], [`local`], [`s3`] or [`gha`];
//! * [`mounts`] — `RUN --mount=type=cache` directories exported and restored;
//! * [`meter`] — bytes, blobs and time per backend, for the report;
//! * [`retry`] — backoff for 429, 5xx and dropped connections;
//! * [`error`] — the module's error type.

pub mod backend;
pub mod caches;
pub mod document;
pub mod error;
pub mod gha;
pub mod index;
pub mod local;
pub mod meter;
pub mod mounts;
pub mod registry;
pub mod retry;
pub mod s3;
pub mod scope;
pub mod spec;

pub use backend::{Access, Backend, BackendFuture, Loaded, RemoteBackend};
pub use caches::{FetchError, RemoteCaches, RemoteHit, RemoteSource};
pub use error::RemoteError;
pub use index::CacheIndex;
pub use meter::{Meter, MeterReport};
pub use scope::Scopes;
pub use spec::{CacheSpec, Direction, Kind, Mode};
