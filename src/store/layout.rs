//! The on-disk layout of the state directory, its version stamp, temp names and the fsync helpers
//! every write goes through.
//!
//! ```text
//! $RBUILD_HOME/
//!   VERSION                   "rbuild-state-v1"
//!   blobs/sha256/<hex>        content store, one file per digest
//!   snapshots/<chain hex>/    one unpacked layer per chain id, overlayfs "diff" format
//!   ingest/<hex>.partial      resumable downloads, one per expected digest
//!   cache/records/<hex>.json  the local per-step cache: one record per step key (`crate::cache`);
//!                             made by `LocalCache::open`, its mtime is the record's last use
//!   tmp/                      temp files and dirs, named <pid>.<start time>.<n>[-what]
//! ```
//!
//! A temp name carries its process's pid and start time, so that `open` can tell the leftovers
//! of a dead (killed) process, which it removes, from the work in flight of a live one.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::error::{IoContext, Result, StoreError};
use crate::digest::Digest;

/// The content of `VERSION` for this layout.
pub const LAYOUT_VERSION: &str = "rbuild-state-v1";

/// Makes the state directory its owner's alone (0700), tightening one that is looser: its
/// snapshots and restored mount caches keep the setuid files and device nodes of the layers and
/// caches they come from, and a step's bundle holds its secrets; a state directory other users
/// can traverse hands them a setuid-root binary (Docker's CVE-2021-41091) and those secrets.
/// Nothing else needs to traverse it: runc, overlayfs (the mounter's credentials) and bind
/// mounts reach inside as the user that runs rbuild.
fn make_private(root: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(root).at(root)?.permissions().mode();
    if mode & 0o077 != 0 {
        fs::set_permissions(root, fs::Permissions::from_mode(0o700)).at(root)?;
    }
    Ok(())
}

/// Paths inside one state directory.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    root: PathBuf,
    /// Whether commits are fsynced (a scratch store's blobs need not survive a crash).
    pub(crate) durable: bool,
}

impl Layout {
    /// Creates the directories and the version stamp, or checks an existing stamp.
    pub(crate) fn init(root: &Path) -> Result<Self> {
        let layout = Self {
            root: root.to_path_buf(),
            durable: true,
        };
        fs::create_dir_all(root).at(root)?;
        make_private(root)?;
        let version = layout.root.join("VERSION");
        match fs::read_to_string(&version) {
            Ok(found) => {
                if found.trim_end() != LAYOUT_VERSION {
                    return Err(StoreError::UnsupportedVersion {
                        path: version,
                        found: found.trim_end().to_string(),
                        expected: LAYOUT_VERSION,
                    });
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(layout.tmp()).at(layout.tmp())?;
                let tmp = layout.temp_path("VERSION");
                write_synced(&tmp, format!("{LAYOUT_VERSION}\n").as_bytes())?;
                fs::rename(&tmp, &version).at(&version)?;
                sync_dir(&layout.root)?;
            }
            Err(e) => return Err(e).at(&version),
        }
        for dir in [
            layout.blob_dir(),
            layout.snapshot_dir(),
            layout.ingest_dir(),
            layout.tmp(),
        ] {
            fs::create_dir_all(&dir).at(&dir)?;
        }
        Ok(layout)
    }

    /// The state directory.
    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// `blobs/sha256`.
    pub(crate) fn blob_dir(&self) -> PathBuf {
        self.root.join("blobs").join("sha256")
    }

    /// Where the blob `digest` lives.
    pub(crate) fn blob(&self, digest: &Digest) -> PathBuf {
        self.blob_dir().join(digest.hex())
    }

    /// `snapshots`.
    pub(crate) fn snapshot_dir(&self) -> PathBuf {
        self.root.join("snapshots")
    }

    /// Where the snapshot of `chain_id` lives.
    pub(crate) fn snapshot(&self, chain_id: &Digest) -> PathBuf {
        self.snapshot_dir().join(chain_id.hex())
    }

    /// `cache/records`, the local per-step cache's records (created by `crate::cache`).
    pub(crate) fn cache_records_dir(&self) -> PathBuf {
        self.root.join("cache").join("records")
    }

    /// `ingest`.
    pub(crate) fn ingest_dir(&self) -> PathBuf {
        self.root.join("ingest")
    }

    /// The resumable partial download of `digest`.
    pub(crate) fn partial(&self, digest: &Digest) -> PathBuf {
        self.ingest_dir().join(format!("{}.partial", digest.hex()))
    }

    /// `tmp`.
    pub(crate) fn tmp(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// A fresh, unique path in `tmp/` owned by this process.
    pub(crate) fn temp_path(&self, what: &str) -> PathBuf {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let (pid, start) = process_identity();
        self.tmp().join(format!("{pid}.{start}.{n}-{what}"))
    }

    /// Removes the entries of `tmp/` left by processes that no longer run. Returns how many.
    pub(crate) fn clean_stale_temps(&self) -> Result<usize> {
        let tmp = self.tmp();
        let mut removed = 0;
        for entry in fs::read_dir(&tmp).at(&tmp)? {
            let entry = entry.at(&tmp)?;
            if !is_stale(&entry.file_name()) {
                continue;
            }
            let path = entry.path();
            let is_dir = entry.file_type().at(&path)?.is_dir();
            let result = if is_dir {
                fs::remove_dir_all(&path)
            } else {
                fs::remove_file(&path)
            };
            match result {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e).at(path),
            }
        }
        Ok(removed)
    }
}

/// Whether a `tmp/` entry belongs to a process that is gone. Names rbuild did not make are stale.
fn is_stale(name: &OsStr) -> bool {
    let Some(name) = name.to_str() else {
        return true;
    };
    let mut parts = name.splitn(3, '.');
    let (Some(pid), Some(start)) = (parts.next(), parts.next()) else {
        return true;
    };
    let (Ok(pid), Ok(start)) = (pid.parse::<u32>(), start.parse::<u64>()) else {
        return true;
    };
    match start_time(&format!("/proc/{pid}/stat")) {
        Some(running) => running != start,
        // /proc/<pid> missing: the process is gone (or /proc is not mounted; then nothing
        // is alive as far as we can tell, and our own names are fresh anyway).
        None => true,
    }
}

/// This process's pid and start time (clock ticks since boot), cached.
fn process_identity() -> (u32, u64) {
    static IDENTITY: std::sync::OnceLock<(u32, u64)> = std::sync::OnceLock::new();
    *IDENTITY.get_or_init(|| {
        let pid = std::process::id();
        (pid, start_time("/proc/self/stat").unwrap_or(0))
    })
}

/// Field 22 (`starttime`) of a `/proc/<pid>/stat` file.
fn start_time(stat_file: &str) -> Option<u64> {
    let stat = fs::read_to_string(stat_file).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces; fields after the last
    // ')' start at field 3.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// Writes `bytes` to a new file at `path` and fsyncs it.
pub(crate) fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let mut file = File::create_new(path).at(path)?;
    file.write_all(bytes).at(path)?;
    file.sync_all().at(path)
}

/// Fsyncs a directory so that renames into it survive a crash.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).at(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_temp_names_are_fresh_and_dead_ones_stale() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::init(dir.path()).unwrap();
        let mine = layout.temp_path("x");
        assert!(!is_stale(mine.file_name().unwrap()));
        // A pid above any pid_max, and a live pid with the wrong start time.
        assert!(is_stale(OsStr::new("4294967295.1.0-blob")));
        let (pid, start) = process_identity();
        assert!(is_stale(OsStr::new(&format!("{pid}.{}.0-x", start + 1))));
        assert!(is_stale(OsStr::new("garbage")));
    }

    #[test]
    fn version_stamp_is_written_then_checked() {
        let dir = tempfile::tempdir().unwrap();
        Layout::init(dir.path()).unwrap();
        let stamp = fs::read_to_string(dir.path().join("VERSION")).unwrap();
        assert_eq!(stamp, "rbuild-state-v1\n");
        Layout::init(dir.path()).unwrap();
        fs::write(dir.path().join("VERSION"), "rbuild-state-v9\n").unwrap();
        let err = Layout::init(dir.path()).unwrap_err();
        assert!(
            matches!(err, StoreError::UnsupportedVersion { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("rbuild-state-v9"), "{err}");
    }
}
