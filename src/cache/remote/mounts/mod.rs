//! Mount caches that travel (DESIGN.md "Mount caches"): the `RUN --mount=type=cache`
//! directories of a build, exported to and restored from every remote-cache backend, per
//! (cache id, scope), with the same scope fallback as the step records.
//!
//! * [`archive`] — the deterministic tar stream of a directory (and the size bound);
//! * [`chunking`] — that stream cut by FastCDC, new chunks zstd-compressed into blobs;
//! * [`manifest`] — the versioned manifest of one (id, scope): chunk list, tree hash, sizes;
//! * [`restore`] — chunks fetched in parallel and streamed through zstd and tar into place;
//! * [`sync`] — one build's mount caches: lazy restores, exports of what changed, reports;
//! * [`error`] — the module's error type (nothing here fails a build).
//!
//! A mount cache's key is its directory name under `<state>/mounts/`
//! (the builder's `mounts::cache::dir_name`: the id, or a prefix and a hash when the id is
//! not a plain name or the mount sets initial content).

pub mod archive;
pub mod chunking;
pub mod error;
pub mod manifest;
pub mod restore;
pub mod sync;

pub use error::MountCacheError;
pub use manifest::MountManifest;
pub use sync::{MountCaches, MountReport};
