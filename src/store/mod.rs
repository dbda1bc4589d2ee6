//! Local state: the content store of blobs by digest and unpacked layers (snapshots) by chain id,
//! under `$RBUILD_HOME` (DESIGN.md, "Layers and execution").
//!
//! * [`layout`] — the versioned directory layout (`rbuild-state-v1`) and temp-file hygiene;
//! * [`blobs`] and [`ingest`] — the content store; every blob enters through a [`BlobWriter`]
//!   that hashes while writing, fsyncs, verifies and renames, and can resume a download;
//! * [`chain`] — OCI chain ids, the names of snapshots;
//! * [`durability`] — when a snapshot published without a sync of its own can be trusted;
//! * `decode` — a layer decompressed and hashed on a thread beside the one unpacking it;
//! * [`snapshots`] and [`unpack`] — layer tars unpacked into one directory per layer in overlayfs
//!   "diff" format (whiteouts as 0:0 character devices, opaque dirs by xattr), refusing entries
//!   that would write outside it;
//! * [`lookup`] — paths resolved through a stack of snapshots as overlayfs would merge them;
//! * [`usage`] — disk usage for `rbuild du` and pruning.
//!
//! Every write is temp + fsync + rename (snapshots: temp + rename under [`durability`]'s rule): a process killed at any point leaves no half object that
//! a later run would trust; `Store::open` removes the temp files of dead processes.

pub mod blobs;
pub mod chain;
pub mod compression;
mod confined;
pub(crate) mod decode;
pub mod durability;
pub mod error;
pub mod ingest;
pub mod layout;
pub mod lazy;
pub mod lookup;
pub mod snapshots;
pub mod unpack;
pub mod usage;

use std::path::Path;

use crate::digest::Digest;

pub use blobs::{BlobInfo, Blobs};
pub use chain::{chain_id, child_chain_id};
pub use compression::Compression;
pub use error::{Result, StoreError};
pub use ingest::{BlobSink, BlobWriter};
pub use layout::LAYOUT_VERSION;
pub use lookup::{MergedEntry, read_dir_merged, resolve, resolve_nofollow};
pub use snapshots::{SnapshotFormat, StagedSnapshot};
pub use usage::{Tally, Usage};

/// The local state directory.
#[derive(Debug, Clone)]
pub struct Store {
    layout: layout::Layout,
    blobs: Blobs,
    /// Set while a [`Store::flush_ahead`] write-back runs.
    flushing: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Store {
    /// Opens (creating if needed) the state directory at `root`, usually
    /// [`crate::home::state_dir`]; refuses a directory of another layout version and removes
    /// the temp files left by processes that are gone.
    pub fn open(root: &Path) -> Result<Self> {
        let layout = layout::Layout::init(root)?;
        layout.clean_stale_temps()?;
        let blobs = Blobs::new(layout.clone());
        Ok(Self {
            layout,
            blobs,
            flushing: Default::default(),
        })
    }

    /// Opens a scratch store at `root`: the same layout, but commits are not fsynced (for
    /// blobs that live only while this process uses them, such as mount-cache chunks on their
    /// way in or out; thousands of fsyncs would cost more than the transfer).
    pub fn open_scratch(root: &Path) -> Result<Self> {
        let mut layout = layout::Layout::init(root)?;
        layout.durable = false;
        layout.clean_stale_temps()?;
        let blobs = Blobs::new(layout.clone());
        Ok(Self {
            layout,
            blobs,
            flushing: Default::default(),
        })
    }

    /// The content store.
    pub fn blobs(&self) -> &Blobs {
        &self.blobs
    }

    /// A writer for a new blob ([`Blobs::writer`]).
    pub fn writer(&self, expected: Option<&Digest>) -> Result<BlobWriter> {
        self.blobs.writer(expected)
    }

    /// Stores a small document ([`Blobs::put_bytes`]).
    pub fn put_bytes(&self, bytes: &[u8]) -> Result<Digest> {
        self.blobs.put_bytes(bytes)
    }

    /// The state directory.
    pub fn root(&self) -> &Path {
        self.layout.root()
    }

    /// Paths inside the state directory, for the modules that keep files there (the local cache).
    pub(crate) fn layout(&self) -> &layout::Layout {
        &self.layout
    }
}
