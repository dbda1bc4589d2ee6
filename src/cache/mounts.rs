//! The state directory's `RUN --mount=type=cache` directories (`mounts/<name>/`, made and locked
//! by the builder's RUN mounts): what they hold (`rbuild du`) and removing the unused ones
//! (`rbuild prune`).
//!
//! Each directory has a lock file `<name>.lock` beside it, held (shared or exclusive) by every
//! step that uses the directory and touched when a step takes it: its mtime is the directory's
//! last use. A prune removes a directory only while it holds that lock exclusively without
//! waiting, so a running step's cache is never pulled from under it; the directory is first
//! renamed out of the way (one atomic step), then deleted.

use std::fs::{self, File};
use std::io;
use std::path::Path;
use std::time::{Duration, SystemTime};

use rustix::fs::{FlockOperation, flock};

use super::error::{CacheError, IoContext};

/// Carries cache directories between machines (`--cache-to` / `--cache-from`, DESIGN.md
/// "Mount caches"): told which directories the build's steps use, and asked to fill a new one.
pub trait MountSync: Send + Sync + std::fmt::Debug {
    /// Fills `dir`, the new and empty directory of cache `key` (mount `id`), from a remote
    /// cache; returns whether it did. Never fails the step: a restore that fails leaves `dir`
    /// empty and reports through `warn`.
    fn restore(&self, key: &str, id: &str, dir: &Path, warn: &dyn Fn(&str)) -> bool;
    /// Notes that a step used `dir_name` (under `mounts/`), the directory of cache `key`
    /// (mount `id`): it is exported.
    fn used(&self, key: &str, dir_name: &str, id: &str);
}

/// The folder of cache-mount directories under the state directory.
pub const MOUNTS_DIR: &str = "mounts";

/// One cache-mount directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountDir {
    /// Its name under `mounts/` (the cache id, or a prefix and a hash).
    pub name: String,
    /// Bytes of the regular files in it.
    pub bytes: u64,
    /// When a step last took it.
    pub last_used: SystemTime,
}

/// Every cache-mount directory under `state` (none when `mounts/` is absent), by name.
pub fn list(state: &Path) -> Result<Vec<MountDir>, CacheError> {
    let root = state.join(MOUNTS_DIR);
    let entries = match fs::read_dir(&root) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).at(&root),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.at(&root)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.ends_with(".lock") {
            continue;
        }
        let path = entry.path();
        if !entry.file_type().at(&path)?.is_dir() {
            continue;
        }
        let lock = root.join(format!("{name}.lock"));
        let last_used = fs::metadata(&lock)
            .or_else(|_| fs::metadata(&path))
            .and_then(|m| m.modified())
            .unwrap_or(SystemTime::UNIX_EPOCH);
        out.push(MountDir {
            name,
            bytes: tree_bytes(&path),
            last_used,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Removes the cache-mount directories unused for longer than `until` (all when `None`) that no
/// step holds; returns those removed. A directory in use is kept.
pub fn prune(state: &Path, until: Option<Duration>) -> Result<Vec<MountDir>, CacheError> {
    let root = state.join(MOUNTS_DIR);
    let now = SystemTime::now();
    let mut removed = Vec::new();
    for dir in list(state)? {
        let age = now.duration_since(dir.last_used).unwrap_or_default();
        if until.is_some_and(|u| age <= u) {
            continue;
        }
        let lock_path = root.join(format!("{}.lock", dir.name));
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .at(&lock_path)?;
        match flock(&lock, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(rustix::io::Errno::WOULDBLOCK) => continue,
            Err(e) => return Err(io::Error::from(e)).at(&lock_path),
        }
        let path = root.join(&dir.name);
        let trash = root.join(format!(".prune-{}-{}", dir.name, std::process::id()));
        fs::rename(&path, &trash).at(&path)?;
        fs::remove_dir_all(&trash).at(&trash)?;
        // The lock file goes while still held: a step that opened it meanwhile creates the
        // directory afresh, as for a new id.
        let _ = fs::remove_file(&lock_path);
        removed.push(dir);
    }
    Ok(removed)
}

/// Bytes of the regular files under `path` (unreadable parts count as nothing).
fn tree_bytes(path: &Path) -> u64 {
    let Ok(entries) = fs::read_dir(path) else {
        return 0;
    };
    let mut total = 0;
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            total += tree_bytes(&entry.path());
        } else if kind.is_file() {
            total += entry.metadata().map(|m| m.len()).unwrap_or(0);
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make(state: &Path, name: &str, bytes: usize) {
        let dir = state.join(MOUNTS_DIR).join(name);
        fs::create_dir_all(dir.join("sub")).unwrap();
        fs::write(dir.join("sub/f"), vec![0u8; bytes]).unwrap();
        File::create(state.join(MOUNTS_DIR).join(format!("{name}.lock"))).unwrap();
    }

    #[test]
    fn lists_directories_with_their_sizes_and_skips_locks_and_temporaries() {
        let state = tempfile::tempdir().unwrap();
        assert!(list(state.path()).unwrap().is_empty());
        make(state.path(), "go-build", 100);
        make(state.path(), "npm~1", 7);
        fs::create_dir(state.path().join("mounts/.tmp-x-1")).unwrap();
        let found = list(state.path()).unwrap();
        let names: Vec<(&str, u64)> = found.iter().map(|d| (d.name.as_str(), d.bytes)).collect();
        assert_eq!(names, [("go-build", 100), ("npm~1", 7)]);
    }

    #[test]
    fn prune_keeps_recent_and_held_directories() {
        let state = tempfile::tempdir().unwrap();
        make(state.path(), "a", 1);
        make(state.path(), "b", 1);
        let held = File::options()
            .write(true)
            .open(state.path().join("mounts/b.lock"))
            .unwrap();
        flock(&held, FlockOperation::LockShared).unwrap();
        // Just used: an `until` keeps both.
        let removed = prune(state.path(), Some(Duration::from_secs(3600))).unwrap();
        assert!(removed.is_empty());
        // Without `until`, the unused one goes, the held one stays.
        let removed = prune(state.path(), None).unwrap();
        let names: Vec<&str> = removed.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["a"]);
        assert!(!state.path().join("mounts/a").exists());
        assert!(state.path().join("mounts/b/sub/f").exists());
        drop(held);
        assert_eq!(prune(state.path(), None).unwrap().len(), 1);
        assert!(list(state.path()).unwrap().is_empty());
    }
}
