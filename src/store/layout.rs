//! The on-disk layout of the state directory, its version stamp, temp names and the fsync helpers
//! every write goes through.
//!
//! ```text
//! $RBUILD_HOME/
//!   VERSION                   "rbuild-state-v1"
//!   blobs/sha256/<hex>        content store, one file per digest
//!   snapshots/<chain hex>/    one unpacked layer per chain id, overlayfs "diff" format
//!   snapshots-files/<chain hex>/  the same with whiteouts as files (`SnapshotFormat::Files`,
//!                             for unprivileged containers; the two never mix)
//!   ingest/<hex>.partial      resumable downloads, one per expected digest
//!   cache/records/<hex>.json  the local per-step cache: one record per step key (the cache module's);
//!                             made by `LocalCache::open`, its mtime is the record's last use
//!   tmp/                      temp files and dirs, named <pid>.<start time>.<n>[-what]
//! ```
//!
//! A temp name starts with its process's `<pid>.<start time>.`, and that process holds an
//! exclusive `flock` on `tmp/<pid>.<start time>.lock` for as long as it lives (taken when it
//! opens the store, under a temp name first and renamed into place, so a lock file is only ever
//! seen held). `open` tells the leftovers of a dead (killed) process, which it removes, from the
//! work in flight of a live one by that lock alone: a process whose lock it can take is gone
//! (the kernel drops a dead process's locks), whatever its pid is now used for. Removing
//! leftovers never descends into a mount a killed run left behind (an overlay): it is detached
//! first.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::snapshots::SnapshotFormat;

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
    /// How snapshots hold whiteouts (each format has its own folder).
    pub(crate) format: SnapshotFormat,
}

impl Layout {
    /// Creates the directories and the version stamp, or checks an existing stamp.
    pub(crate) fn init(root: &Path) -> Result<Self> {
        let layout = Self {
            root: root.to_path_buf(),
            durable: true,
            format: SnapshotFormat::Overlay,
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
        hold_process_lock(&layout.tmp())?;
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
        match self.format {
            SnapshotFormat::Overlay => self.root.join("snapshots"),
            SnapshotFormat::Files => self.root.join("snapshots-files"),
        }
    }

    /// Where the snapshot of `chain_id` lives.
    pub(crate) fn snapshot(&self, chain_id: &Digest) -> PathBuf {
        self.snapshot_dir().join(chain_id.hex())
    }

    /// `lazy`: the layers made only from a snapshot so far ([`super::lazy`]).
    pub(crate) fn lazy_dir(&self) -> PathBuf {
        self.root.join("lazy")
    }

    /// `cache/records`, the local per-step cache's records (created by the cache module).
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

    /// Removes the entries of `tmp/` left by processes that no longer run (their lock is free,
    /// or they never had one), and their locks. Returns how many entries.
    pub(crate) fn clean_stale_temps(&self) -> Result<usize> {
        let tmp = self.tmp();
        let mut removed = 0;
        // Per owner prefix: `Some(lock)` (the owner is gone; its lock, if any, taken) or `None`
        // (alive).
        let mut owners: HashMap<String, Option<Option<File>>> = HashMap::new();
        for entry in fs::read_dir(&tmp).at(&tmp)? {
            let entry = entry.at(&tmp)?;
            let name = entry.file_name();
            // Not a name rbuild makes: left alone.
            let Some(owner) = owner_of(&name) else {
                continue;
            };
            if name.to_str().is_some_and(|n| n.ends_with(LOCK_SUFFIX)) {
                continue;
            }
            let gone = owners
                .entry(owner.clone())
                .or_insert_with(|| take_if_gone(&tmp, &owner))
                .is_some();
            if !gone {
                continue;
            }
            let path = entry.path();
            match remove_tree(&path) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e).at(path),
            }
        }
        // The locks of the owners found gone (held by this process now), and of any other owner
        // that is gone.
        for entry in fs::read_dir(&tmp).at(&tmp)? {
            let entry = entry.at(&tmp)?;
            let name = entry.file_name();
            let Some(owner) = name.to_str().and_then(|n| n.strip_suffix(LOCK_SUFFIX)) else {
                continue;
            };
            let gone = match owners.get(owner) {
                Some(taken) => taken.is_some(),
                None => take_if_gone(&tmp, owner).is_some(),
            };
            if gone {
                let _ = fs::remove_file(entry.path());
            }
        }
        Ok(removed)
    }
}

/// The end of a process's lock file name.
const LOCK_SUFFIX: &str = ".lock";

/// The owner prefix (`<pid>.<start>`) of a `tmp/` entry, if it has one.
fn owner_of(name: &OsStr) -> Option<String> {
    let name = name.to_str()?;
    let mut parts = name.splitn(3, '.');
    let (pid, start) = (parts.next()?, parts.next()?);
    (pid.parse::<u32>().is_ok() && start.parse::<u64>().is_ok()).then(|| format!("{pid}.{start}"))
}

/// The lock of `owner` in `tmp` taken, when the owner is gone (`Some(None)`: it never had a
/// lock, an older rbuild, or its lock was removed with its leftovers); `None` when it is alive
/// (its lock is held). A taken lock stays held by the returned file until it is dropped.
fn take_if_gone(tmp: &Path, owner: &str) -> Option<Option<File>> {
    let path = tmp.join(format!("{owner}{LOCK_SUFFIX}"));
    let Ok(file) = File::open(&path) else {
        return Some(None);
    };
    match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => Some(Some(file)),
        Err(_) => None,
    }
}

/// Takes this process's lock in `tmp` (once per directory for the process's life): created
/// under a temp name, locked, then renamed into place, so that no other process ever finds it
/// unlocked while this one lives.
fn hold_process_lock(tmp: &Path) -> Result<()> {
    static HELD: std::sync::Mutex<Vec<(PathBuf, File)>> = std::sync::Mutex::new(Vec::new());
    let mut held = HELD
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (pid, start) = process_identity();
    let path = tmp.join(format!("{pid}.{start}{LOCK_SUFFIX}"));
    if held.iter().any(|(p, _)| *p == path) && path.exists() {
        return Ok(());
    }
    held.retain(|(p, _)| *p != path);
    let staging = tmp.join(format!("{pid}.{start}.lock-staging"));
    let file = File::create(&staging).at(&staging)?;
    rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)
        .map_err(io::Error::from)
        .at(&staging)?;
    fs::rename(&staging, &path).at(&path)?;
    held.push((path, file));
    Ok(())
}

/// Removes `path` (a file or a whole tree), never descending into another mount: a directory
/// that is a mount point (an overlay or view a killed run left mounted) is detached first.
pub(crate) fn remove_tree(path: &Path) -> io::Result<()> {
    let meta = fs::symlink_metadata(path)?;
    if !meta.is_dir() {
        return fs::remove_file(path);
    }
    let here = mount_id(path)?;
    for entry in fs::read_dir(path)? {
        let child = entry?.path();
        if fs::symlink_metadata(&child)?.is_dir() && mount_id(&child)? != here {
            rustix::mount::unmount(&child, rustix::mount::UnmountFlags::DETACH).map_err(|e| {
                io::Error::other(format!("{}: still mounted: {e}", child.display()))
            })?;
        }
        remove_tree(&child)?;
    }
    fs::remove_dir(path)
}

/// The id of the mount `path` is on (itself, not a symlink's target).
fn mount_id(path: &Path) -> io::Result<u64> {
    use rustix::fs::{AtFlags, CWD, StatxFlags, statx};
    let st = statx(CWD, path, AtFlags::SYMLINK_NOFOLLOW, StatxFlags::MNT_ID)?;
    Ok(st.stx_mnt_id)
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
    fn leftovers_of_gone_owners_are_removed_and_a_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let layout = Layout::init(dir.path()).unwrap();
        let tmp = layout.tmp();
        let mine = layout.temp_path("step");
        fs::create_dir(&mine).unwrap();
        // Gone: a lock nobody holds, and an owner that never took one.
        fs::write(tmp.join("1.2.lock"), "").unwrap();
        fs::create_dir(tmp.join("1.2.0-step")).unwrap();
        fs::create_dir(tmp.join("3.4.0-blob")).unwrap();
        // Alive: its lock held (here by another open file of this process), whatever its pid.
        let live = File::create(tmp.join("5.6.lock")).unwrap();
        rustix::fs::flock(&live, rustix::fs::FlockOperation::LockExclusive).unwrap();
        fs::create_dir(tmp.join("5.6.0-step")).unwrap();
        fs::create_dir(tmp.join("not-rbuilds")).unwrap();
        assert_eq!(layout.clean_stale_temps().unwrap(), 2);
        for kept in [
            mine.as_path(),
            &tmp.join("5.6.0-step"),
            &tmp.join("5.6.lock"),
        ] {
            assert!(kept.exists(), "{}", kept.display());
        }
        assert!(tmp.join("not-rbuilds").exists());
        for gone in ["1.2.0-step", "1.2.lock", "3.4.0-blob"] {
            assert!(!tmp.join(gone).exists(), "{gone}");
        }
        // This process's own lock is in place and held.
        let (pid, start) = process_identity();
        assert!(take_if_gone(&tmp, &format!("{pid}.{start}")).is_none());
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
