//! Snapshots: one directory per unpacked layer, `snapshots/<chain id hex>/`, holding only that
//! layer's content in overlayfs "diff" format so that a stack of them mounts as overlay lowerdirs.
//!
//! A snapshot is unpacked into `tmp/` ([`Store::stage_snapshot`]), checked, and renamed into
//! place ([`StagedSnapshot::publish`]): one that exists is complete, and is reused as is, unless
//! it was published during an earlier boot and never synced (see [`super::durability`]).

use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::Store;
use super::compression::Compression;
use super::error::{IoContext, Result, StoreError};
use super::unpack::unpack_tar;
use crate::digest::Digest;

/// How a snapshot holds the layer's whiteouts and opaque-directory markers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SnapshotFormat {
    /// As overlayfs wants them (0:0 character devices, `trusted.overlay.opaque`): the stack
    /// mounts as overlay lowerdirs. Needs CAP_MKNOD and CAP_SYS_ADMIN.
    #[default]
    Overlay,
    /// As the layer has them (empty files `.wh.<name>`, `.wh..wh..opq`): what uid 0 of an
    /// unprivileged container can write, read by [`super::lookup`] and by the in-container
    /// isolation, never mounted.
    Files,
}

impl Store {
    /// This store with its snapshots in `format` (in a folder of their own: a state dir can
    /// hold both, and a stack never mixes them).
    pub fn with_snapshot_format(mut self, format: SnapshotFormat) -> Result<Self> {
        self.layout.format = format;
        let dir = self.layout.snapshot_dir();
        fs::create_dir_all(&dir).at(&dir)?;
        Ok(self)
    }

    /// How this store's snapshots hold whiteouts.
    pub fn snapshot_format(&self) -> SnapshotFormat {
        self.layout.format
    }

    /// Where the snapshot of `chain_id` is (or would be).
    pub fn snapshot_path(&self, chain_id: &Digest) -> PathBuf {
        self.layout.snapshot(chain_id)
    }

    /// Whether the snapshot of `chain_id` exists and can be trusted (and so is complete). One
    /// that cannot (see [`super::durability`]) is removed.
    pub fn has_snapshot(&self, chain_id: &Digest) -> bool {
        if !self.layout.snapshot(chain_id).is_dir() {
            return false;
        }
        self.check_trusted(chain_id).unwrap_or_else(|e| {
            tracing::warn!("snapshot {chain_id}: {e}");
            false
        })
    }

    /// The snapshot directories of a stack of layers given top-first by chain id, ready for
    /// [`lookup`](super::lookup) or as overlay lowerdirs.
    pub fn stack(&self, chain_ids_top_first: &[Digest]) -> Vec<PathBuf> {
        chain_ids_top_first
            .iter()
            .map(|c| self.snapshot_path(c))
            .collect()
    }

    /// The chain ids of all snapshots, sorted.
    pub fn snapshots(&self) -> Result<Vec<Digest>> {
        let dir = self.layout.snapshot_dir();
        let mut out = Vec::new();
        for entry in fs::read_dir(&dir).at(&dir)? {
            let entry = entry.at(&dir)?;
            if let Some(d) = entry
                .file_name()
                .to_str()
                .and_then(|hex| Digest::parse(&format!("sha256:{hex}")))
            {
                out.push(d);
            }
        }
        out.sort();
        Ok(out)
    }

    /// Removes a snapshot (first renamed into `tmp/`, so it vanishes at once); `false` when it
    /// was not there.
    pub fn delete_snapshot(&self, chain_id: &Digest) -> Result<bool> {
        let path = self.layout.snapshot(chain_id);
        let doomed = self.layout.temp_path("deleted-snapshot");
        match fs::rename(&path, &doomed) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                self.remove_marker(chain_id)?;
                return Ok(false);
            }
            Err(e) => return Err(e).at(path),
        }
        self.remove_marker(chain_id)?;
        fs::remove_dir_all(&doomed).at(&doomed)?;
        Ok(true)
    }

    /// Publishes `upper`, the upper dir of a finished RUN whose layer was just written from it,
    /// as the snapshot `chain_id`, instead of unpacking that layer again when a later step needs
    /// it (BuildKit's overlay snapshotter commits its upper dirs the same way). The layer was made
    /// from this very tree, so both hold the same paths, types, contents, owners, modes, xattrs
    /// and whiteouts (0:0 devices, opaque directories by `trusted.overlay.opaque`); overlayfs'
    /// other xattrs in it never reach a layer and no reader of a lower dir looks at them. Its
    /// root gets the mode and owner an unpacked snapshot's root has. The same durability rule as
    /// an unpacked snapshot's applies ([`super::durability`]). `false` when the snapshot already
    /// existed (`upper` is then left where it is).
    pub fn adopt_snapshot(&self, chain_id: &Digest, upper: &Path) -> Result<bool> {
        if self.has_snapshot(chain_id) {
            return Ok(false);
        }
        fs::set_permissions(upper, fs::Permissions::from_mode(0o755)).at(upper)?;
        let me = rustix::process::geteuid().as_raw();
        let group = rustix::process::getegid().as_raw();
        std::os::unix::fs::chown(upper, Some(me), Some(group)).at(upper)?;
        self.prepare_publish(chain_id, upper)?;
        let target = self.layout.snapshot(chain_id);
        match fs::rename(upper, &target) {
            Ok(()) => Ok(true),
            // Another process published the same snapshot meanwhile: use theirs.
            Err(_) if target.is_dir() => Ok(false),
            Err(e) => Err(e).at(target),
        }
    }

    /// Unpacks a layer blob (`layer` yields the compressed or plain tar) as the snapshot
    /// `chain_id` and returns its directory. With `diff_id`, the sha256 of the uncompressed tar
    /// must match ([`StoreError::DiffIdMismatch`]). An existing snapshot is reused without
    /// reading `layer`. A refused entry ([`StoreError::UnsafeEntry`]) or any failure leaves no
    /// snapshot.
    pub fn unpack(
        &self,
        chain_id: &Digest,
        layer: impl Read + Send,
        compression: Compression,
        diff_id: Option<&Digest>,
    ) -> Result<PathBuf> {
        if self.has_snapshot(chain_id) {
            return Ok(self.layout.snapshot(chain_id));
        }
        self.stage_snapshot(chain_id, layer, compression, diff_id)?
            .publish()
    }

    /// Unpacks `layer` into a temp directory, reading it to its end and checking `diff_id`,
    /// without publishing it: the caller publishes once whatever else it checks holds (a
    /// streamed download's digest). Dropping the result removes the directory.
    pub fn stage_snapshot(
        &self,
        chain_id: &Digest,
        layer: impl Read + Send,
        compression: Compression,
        diff_id: Option<&Digest>,
    ) -> Result<StagedSnapshot<'_>> {
        let tmp = self.layout.temp_path("snapshot");
        fs::DirBuilder::new().mode(0o755).create(&tmp).at(&tmp)?;
        let staged = StagedSnapshot {
            store: self,
            chain_id: chain_id.clone(),
            tmp,
            published: false,
        };
        let format = self.layout.format;
        unpack_checked(&staged.tmp, chain_id, layer, compression, diff_id, format)?;
        Ok(staged)
    }
}

/// An unpacked, checked layer not yet visible as a snapshot ([`Store::stage_snapshot`]).
pub struct StagedSnapshot<'a> {
    store: &'a Store,
    chain_id: Digest,
    tmp: PathBuf,
    published: bool,
}

impl StagedSnapshot<'_> {
    /// Renames the directory into `snapshots/` (after making that safe: [`super::durability`])
    /// and returns where it is. When another process published the same snapshot meanwhile,
    /// theirs is kept.
    pub fn publish(mut self) -> Result<PathBuf> {
        let store = self.store;
        let target = store.layout.snapshot(&self.chain_id);
        store.prepare_publish(&self.chain_id, &self.tmp)?;
        match fs::rename(&self.tmp, &target) {
            Ok(()) => {
                self.published = true;
                Ok(target)
            }
            // Another process unpacked the same snapshot meanwhile: use theirs.
            Err(e) if target.is_dir() => {
                tracing::debug!("snapshot {} appeared while unpacking: {e}", self.chain_id);
                Ok(target)
            }
            Err(e) => Err(e).at(target),
        }
    }
}

impl Drop for StagedSnapshot<'_> {
    fn drop(&mut self) {
        if !self.published {
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}

/// Unpacks `layer` into the empty directory `tmp` and checks its diff_id; the decompression
/// and the hash run beside the unpacking ([`super::decode`]).
fn unpack_checked(
    tmp: &std::path::Path,
    chain_id: &Digest,
    layer: impl Read + Send,
    compression: Compression,
    diff_id: Option<&Digest>,
    format: SnapshotFormat,
) -> Result<()> {
    let tar_err = |source| StoreError::Tar {
        entry: None,
        source,
    };
    let ((), actual) =
        super::decode::decoded(layer, compression, |tar| unpack_tar(tmp, tar, format))?
            .map_err(tar_err)?;
    if let Some(expected) = diff_id
        && *expected != actual
    {
        return Err(StoreError::DiffIdMismatch {
            chain_id: chain_id.clone(),
            expected: expected.clone(),
            actual,
        });
    }
    Ok(())
}
