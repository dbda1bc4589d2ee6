//! Lazy layers: a layer a step made that only caches need (its stage is in no image this build
//! outputs) is not compressed when the step ends. Its snapshot (the step's upper dir, adopted)
//! holds its files; its descriptor is that of the plain tar (digest = diff_id, media type
//! `application/vnd.oci.image.layer.v1.tar`), and `lazy/<digest hex>` names the snapshot it can
//! be made from. The blob is made (compressed as the consumer wants, its diff_id checked) only
//! when a cache export, a push or an output needs its bytes (the builder's `lazy` module). BuildKit
//! does the same: a layer is compressed when it is exported, not when its step ends (before,
//! the Rust corpus' cold build spent 1.6 s compressing a 700 MB toolchain layer no image held).
//!
//! A lazy layer is present while its snapshot is ([`Store::lazy_snapshot`]); once the snapshot
//! is pruned (or not trusted after a reboot, [`super::durability`]), a record naming it is a
//! miss, as one whose blob is gone. The marker is a few bytes, written synced (temp + rename)
//! before the record that names the layer.

use std::fs;
use std::io;

use super::Store;
use super::error::{IoContext, Result};
use super::layout::{sync_dir, write_synced};
use crate::digest::Digest;

/// The media type of a lazy layer's descriptor: the plain tar, whose digest is its diff_id.
pub const LAZY_MEDIA_TYPE: &str = "application/vnd.oci.image.layer.v1.tar";

impl Store {
    /// Records that the layer `digest` (a plain tar's, so also its diff_id) can be made from the
    /// snapshot `chain_id`.
    pub fn record_lazy(&self, digest: &Digest, chain_id: &Digest) -> Result<()> {
        let dir = self.layout.lazy_dir();
        fs::create_dir_all(&dir).at(&dir)?;
        let tmp = self.layout.temp_path("lazy");
        write_synced(&tmp, chain_id.as_str().as_bytes())?;
        let target = dir.join(digest.hex());
        fs::rename(&tmp, &target).at(&target)?;
        sync_dir(&dir)
    }

    /// The snapshot the lazy layer `digest` can be made from: `None` when `digest` is not a
    /// lazy layer or its snapshot is gone (or untrusted).
    pub fn lazy_snapshot(&self, digest: &Digest) -> Option<Digest> {
        let path = self.layout.lazy_dir().join(digest.hex());
        let chain_id = match fs::read_to_string(&path) {
            Ok(text) => Digest::parse(text.trim())?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
            Err(e) => {
                tracing::warn!("lazy layer {digest}: {}: {e}", path.display());
                return None;
            }
        };
        self.has_snapshot(&chain_id).then_some(chain_id)
    }

    /// Forgets the lazy layer `digest` (its blob exists now, or it can no longer be made).
    pub fn forget_lazy(&self, digest: &Digest) -> Result<()> {
        let path = self.layout.lazy_dir().join(digest.hex());
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).at(path),
        }
    }

    /// Every lazy layer's digest and marker file (for `rbuild prune`, which forgets those no
    /// record names).
    pub fn lazy_layers(&self) -> Result<Vec<(Digest, std::path::PathBuf)>> {
        let dir = self.layout.lazy_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).at(dir),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.at(&dir)?;
            if let Some(digest) = entry
                .file_name()
                .to_str()
                .and_then(|hex| Digest::parse(&format!("sha256:{hex}")))
            {
                out.push((digest, entry.path()));
            }
        }
        Ok(out)
    }

    /// Whether the layer `digest` is present: its blob is stored, or it is a lazy layer whose
    /// snapshot is.
    pub fn has_layer(&self, digest: &Digest) -> bool {
        self.blobs().has(digest) || self.lazy_snapshot(digest).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lazy_layer_is_present_while_its_snapshot_is() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let (digest, chain) = (Digest::of(b"tar"), Digest::of(b"chain"));
        assert!(!store.has_layer(&digest));
        store.record_lazy(&digest, &chain).unwrap();
        assert_eq!(store.lazy_snapshot(&digest), None, "no snapshot yet");
        fs::create_dir_all(store.snapshot_path(&chain)).unwrap();
        assert_eq!(store.lazy_snapshot(&digest), Some(chain.clone()));
        assert!(store.has_layer(&digest));
        store.delete_snapshot(&chain).unwrap();
        assert!(!store.has_layer(&digest));
        assert_eq!(store.lazy_layers().unwrap().len(), 1);
        store.forget_lazy(&digest).unwrap();
        store.forget_lazy(&digest).unwrap();
        assert!(store.lazy_layers().unwrap().is_empty());
    }
}
