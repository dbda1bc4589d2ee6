//! When a published snapshot may be trusted without a file-system sync per snapshot.
//!
//! A snapshot is thousands of files. Making each one durable before its rename took a `syncfs`,
//! which flushes every dirty page of the whole file system (other builds' too) and cost more
//! than the unpacking on a fresh runner. The rule instead:
//!
//! * before a snapshot is renamed into `snapshots/`, a marker `snapshots/<hex>.unsynced` holding
//!   the kernel's boot id is written and fsynced with its directory (two tiny fsyncs);
//! * a snapshot with a marker of **this** boot is trusted: its files were completely written
//!   before the marker, and a killed process loses nothing it wrote — only a kernel crash or a
//!   power loss drops dirty pages, and either changes the boot id;
//! * a snapshot with a marker of **another** boot may have lost pages in that crash: it is not
//!   trusted, and removed the first time anything asks for it (it is unpacked again);
//! * [`Store::settle`] (once at the end of a build) runs one `syncfs` and then removes the
//!   markers it saw before the sync: from then on the snapshot is durable like any file;
//! * [`Store::flush_ahead`] starts that write-back early, on a thread of its own, when a stack of
//!   lower layers has just been unpacked and a step is about to run on it: the disk writes the
//!   hundreds of MB while the step computes, and the sync at the end finds little left. It
//!   clears no marker (only `settle` does, after a sync that began after the marker was
//!   written).
//!
//! Where the boot id cannot be read (no `/proc`), every snapshot is synced before its rename,
//! as before.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::Store;
use super::error::{IoContext, Result};
use super::layout::sync_dir;
use crate::digest::Digest;

/// The suffix of a snapshot's "not yet synced" marker beside its directory.
const MARKER_SUFFIX: &str = ".unsynced";

/// This boot's id (`/proc/sys/kernel/random/boot_id`), `None` when it cannot be read.
pub(crate) fn boot_id() -> Option<&'static str> {
    static BOOT_ID: OnceLock<Option<String>> = OnceLock::new();
    BOOT_ID
        .get_or_init(|| {
            fs::read_to_string("/proc/sys/kernel/random/boot_id")
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        })
        .as_deref()
}

/// Whether a snapshot with this marker content can be trusted now.
fn trusted_marker(content: &str, current: Option<&str>) -> bool {
    current.is_some_and(|boot| content.trim() == boot)
}

impl Store {
    /// The marker of `chain_id`'s snapshot (present while it is not known to be on disk).
    pub(crate) fn unsynced_marker(&self, chain_id: &Digest) -> PathBuf {
        self.layout
            .snapshot_dir()
            .join(format!("{}{MARKER_SUFFIX}", chain_id.hex()))
    }

    /// Makes the unpacked directory `tmp` safe to publish as `chain_id`'s snapshot: a durable
    /// marker of this boot, or (without a boot id) a sync of its files.
    pub(crate) fn prepare_publish(&self, chain_id: &Digest, tmp: &Path) -> Result<()> {
        let Some(boot) = boot_id() else {
            let dir = fs::File::open(tmp).at(tmp)?;
            return rustix::fs::syncfs(&dir).at(tmp);
        };
        let marker = self.unsynced_marker(chain_id);
        let staging = self.layout.temp_path("unsynced-marker");
        let write = || -> io::Result<()> {
            let mut f = fs::File::create_new(&staging)?;
            f.write_all(boot.as_bytes())?;
            f.sync_all()
        };
        write().at(&staging)?;
        fs::rename(&staging, &marker).at(&marker)?;
        sync_dir(&self.layout.snapshot_dir())
    }

    /// Whether the snapshot directory of `chain_id`, known to exist, may be used: no marker, or
    /// a marker of this boot. An untrusted one is removed (with its marker).
    pub(crate) fn check_trusted(&self, chain_id: &Digest) -> Result<bool> {
        let marker = self.unsynced_marker(chain_id);
        let content = match fs::read_to_string(&marker) {
            Ok(c) => c,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(true),
            Err(e) => return Err(e).at(marker),
        };
        if trusted_marker(&content, boot_id()) {
            return Ok(true);
        }
        tracing::warn!(
            "snapshot {chain_id} was published during an earlier boot and never synced: \
             unpacking it again"
        );
        self.delete_snapshot(chain_id)?;
        Ok(false)
    }

    /// Removes `chain_id`'s marker, if any.
    pub(crate) fn remove_marker(&self, chain_id: &Digest) -> Result<()> {
        let marker = self.unsynced_marker(chain_id);
        match fs::remove_file(&marker) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).at(marker),
        }
    }

    /// Starts writing the store's dirty pages back on a background thread (one `syncfs`), unless
    /// one such write-back is still running; returns at once. Only saves [`Self::settle`] time:
    /// nothing is marked durable by it.
    pub fn flush_ahead(&self) {
        use std::sync::atomic::Ordering;
        if !self.layout.durable || self.flushing.swap(true, Ordering::AcqRel) {
            return;
        }
        let dir = self.layout.snapshot_dir();
        let flushing = self.flushing.clone();
        let spawned = std::thread::Builder::new()
            .name("rbuild-flush-ahead".into())
            .spawn(move || {
                if let Ok(handle) = fs::File::open(&dir)
                    && let Err(e) = rustix::fs::syncfs(&handle)
                {
                    tracing::debug!("writing back {} ahead: {e}", dir.display());
                }
                flushing.store(false, Ordering::Release);
            });
        if spawned.is_err() {
            self.flushing.store(false, Ordering::Release);
        }
    }

    /// Makes every snapshot published so far durable: one `syncfs`, then their markers go.
    /// Returns how many markers were cleared. Cheap when there are none (no sync).
    pub fn settle(&self) -> Result<usize> {
        let dir = self.layout.snapshot_dir();
        let mut seen = Vec::new();
        for entry in fs::read_dir(&dir).at(&dir)? {
            let entry = entry.at(&dir)?;
            let name = entry.file_name();
            let Some(hex) = name.to_str().and_then(|n| n.strip_suffix(MARKER_SUFFIX)) else {
                continue;
            };
            if let Some(d) = Digest::parse(&format!("sha256:{hex}")) {
                seen.push(d);
            }
        }
        if seen.is_empty() {
            return Ok(0);
        }
        let handle = fs::File::open(&dir).at(&dir)?;
        rustix::fs::syncfs(&handle).at(&dir)?;
        let mut cleared = 0;
        for chain_id in &seen {
            // A marker of another boot stays: its snapshot is removed when next asked for.
            let marker = self.unsynced_marker(chain_id);
            match fs::read_to_string(&marker) {
                Ok(c) if trusted_marker(&c, boot_id()) => {
                    self.remove_marker(chain_id)?;
                    cleared += 1;
                }
                _ => {}
            }
        }
        sync_dir(&dir)?;
        Ok(cleared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer() -> (Vec<u8>, Digest) {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(2);
        h.set_mode(0o644);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(0);
        h.set_cksum();
        b.append_data(&mut h, "f", &b"hi"[..]).unwrap();
        let tar = b.into_inner().unwrap();
        let d = Digest::of(&tar);
        (tar, d)
    }

    #[test]
    fn a_snapshot_of_this_boot_is_trusted_until_settled_and_one_of_another_boot_is_not() {
        let Some(boot) = boot_id() else { return };
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let (tar, diff_id) = layer();
        let unpack = || {
            store
                .unpack(
                    &diff_id,
                    &tar[..],
                    super::super::Compression::None,
                    Some(&diff_id),
                )
                .unwrap()
        };
        let path = unpack();
        let marker = store.unsynced_marker(&diff_id);
        assert_eq!(fs::read_to_string(&marker).unwrap(), boot);
        assert!(store.has_snapshot(&diff_id));
        assert_eq!(store.settle().unwrap(), 1);
        assert!(!marker.exists() && store.has_snapshot(&diff_id));
        assert_eq!(store.settle().unwrap(), 0);

        // Published during a boot that ended without a sync: unpacked again.
        fs::write(&marker, "another-boot").unwrap();
        assert!(!store.has_snapshot(&diff_id));
        assert!(!path.exists() && !marker.exists());
        unpack();
        assert_eq!(fs::read(path.join("f")).unwrap(), b"hi");
    }

    #[test]
    fn markers_of_this_boot_are_trusted_and_others_are_not() {
        assert!(trusted_marker("abc\n", Some("abc")));
        assert!(!trusted_marker("abc", Some("def")));
        assert!(!trusted_marker("abc", None));
    }
}
