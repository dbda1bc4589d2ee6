//! Disk usage of the store, for `rbuild du` and pruning.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::Store;
use super::error::{IoContext, Result};

/// A count of objects and the bytes they hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    /// How many objects.
    pub count: u64,
    /// Their apparent size in bytes (files and symlinks; a hard-linked file counted once).
    pub bytes: u64,
}

/// What the store holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Blobs in `blobs/`.
    pub blobs: Tally,
    /// Snapshots in `snapshots/`.
    pub snapshots: Tally,
}

impl Store {
    /// Counts blobs and snapshots and the bytes they take.
    pub fn usage(&self) -> Result<Usage> {
        let mut usage = Usage::default();
        for blob in self.blobs().list()? {
            usage.blobs.count += 1;
            usage.blobs.bytes += blob.size;
        }
        for chain_id in self.snapshots()? {
            usage.snapshots.count += 1;
            let mut seen = HashSet::new();
            usage.snapshots.bytes += tree_bytes(&self.snapshot_path(&chain_id), &mut seen)?;
        }
        Ok(usage)
    }

    /// Bytes of the files and symlinks of one snapshot (0 when it is not there), counted as
    /// [`Store::usage`] counts them.
    pub fn snapshot_size(&self, chain_id: &crate::digest::Digest) -> Result<u64> {
        tree_bytes(&self.snapshot_path(chain_id), &mut HashSet::new())
    }
}

/// Bytes of the files and symlinks below `dir`, without following symlinks.
fn tree_bytes(dir: &Path, seen: &mut HashSet<(u64, u64)>) -> Result<u64> {
    let mut total = 0;
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        // Deleted meanwhile.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e).at(dir),
    };
    for entry in entries {
        let entry = entry.at(dir)?;
        let path = entry.path();
        let meta = fs::symlink_metadata(&path).at(&path)?;
        if meta.is_dir() {
            total += tree_bytes(&path, seen)?;
        } else if meta.nlink() <= 1 || seen.insert((meta.dev(), meta.ino())) {
            total += meta.len();
        }
    }
    Ok(total)
}
