//! `RUN --mount=type=cache` directories, kept across builds in `<state>/mounts/<name>/`
//! (DESIGN.md), with BuildKit's sharing modes:
//!
//! * `shared` (default): every user gets the same directory at once;
//! * `locked`: one user at a time, the others wait (an exclusive `flock`);
//! * `private`: a user that finds the directory in use gets another instance of it
//!   (`<name>~1`, `~2`, ...), created fresh and kept for later users like the first one.
//!
//! A lock is taken on `<name>.lock` beside the directory (shared users hold a shared lock, so a
//! `locked` user waits for them too). `<name>` is the id when it is a plain file name; otherwise,
//! or when the mount sets initial content (`from=`, `mode=`, `uid=`, `gid=`, which BuildKit keys
//! its cache directories by), a readable prefix of the id and a hash. A new directory is made
//! under a temporary name and renamed into place, so a killed build leaves none half made.

use std::fs::{self, File};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use rustix::fs::{FlockOperation, flock};

use crate::builder::BuildError;
use crate::plan::Sharing;

/// A cache directory in use; its lock is released on drop.
#[derive(Debug)]
pub struct CacheDir {
    /// The directory.
    pub path: PathBuf,
    _lock: File,
}

/// The directory under `mounts/` of cache `name` (from [`dir_name`]) for a build that keeps
/// the cache mounts of its scope apart (`scope`: the cache scope it writes, set on CI runners
/// that jobs of other branches and pull requests share): `<name>@<16 hex of the scope's
/// SHA-256>`. So a pull request's job that fills a cache mount (a poisoned package cache, a
/// `target/` with planted objects) never hands it to a default-branch job on the same runner,
/// which exports it to the default branch's scope. `@` is never in a name
/// [`dir_name`] makes, so a scoped name cannot be another cache's. Without a scope, `name`.
pub fn scoped_dir_name(name: &str, scope: Option<&str>) -> String {
    match scope {
        None => name.to_string(),
        Some(scope) => {
            let hash = crate::digest::Digest::of(scope.as_bytes());
            format!("{name}@{}", &hash.hex()[..16])
        }
    }
}

/// The directory name of cache `id` whose initial content is described by `base` (empty when
/// it starts empty with the default mode and owner).
pub fn dir_name(id: &str, base: &str) -> String {
    let plain = !id.is_empty()
        && id.len() <= 100
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if plain && base.is_empty() {
        return id.to_string();
    }
    let prefix: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .take(48)
        .collect();
    let prefix = prefix.trim_start_matches(['.', '_']);
    let hash = crate::digest::Digest::of(format!("{id}\0{base}").as_bytes());
    let hex = hash.as_str().trim_start_matches("sha256:");
    format!("{prefix}-{}", &hex[..16])
}

/// Takes the cache directory `name` under `mounts` for `sharing`, creating it with `init` (given
/// an empty directory to fill) when it does not exist yet.
pub fn acquire(
    mounts: &Path,
    name: &str,
    sharing: Sharing,
    line: usize,
    init: &mut dyn FnMut(&Path) -> Result<(), BuildError>,
) -> Result<CacheDir, BuildError> {
    fs::create_dir_all(mounts).map_err(|e| io(line, "creating", mounts, e))?;
    let mut instance = 0usize;
    loop {
        let dir_name = if instance == 0 {
            name.to_string()
        } else {
            format!("{name}~{instance}")
        };
        let lock_path = mounts.join(format!("{dir_name}.lock"));
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| io(line, "opening", &lock_path, e))?;
        // The lock's mtime is the directory's last use (`rbuild prune --filter until=`).
        let _ = lock.set_modified(std::time::SystemTime::now());
        if sharing == Sharing::Private {
            match flock(&lock, FlockOperation::NonBlockingLockExclusive) {
                Ok(()) => {}
                Err(rustix::io::Errno::WOULDBLOCK) => {
                    instance += 1;
                    continue;
                }
                Err(e) => return Err(io(line, "locking", &lock_path, e.into())),
            }
        }
        let path = mounts.join(&dir_name);
        if sharing == Sharing::Shared {
            flock(&lock, FlockOperation::LockShared)
                .map_err(|e| io(line, "locking", &lock_path, e.into()))?;
            if path.is_dir() {
                return Ok(CacheDir { path, _lock: lock });
            }
        }
        if sharing != Sharing::Private {
            flock(&lock, FlockOperation::LockExclusive)
                .map_err(|e| io(line, "locking", &lock_path, e.into()))?;
        }
        if !path.is_dir() {
            let tmp = mounts.join(format!(".tmp-{dir_name}-{}", std::process::id()));
            if tmp.exists() {
                fs::remove_dir_all(&tmp).map_err(|e| io(line, "removing", &tmp, e))?;
            }
            fs::create_dir(&tmp).map_err(|e| io(line, "creating", &tmp, e))?;
            fs::set_permissions(&tmp, fs::Permissions::from_mode(0o755))
                .map_err(|e| io(line, "creating", &tmp, e))?;
            if let Err(e) = init(&tmp) {
                let _ = fs::remove_dir_all(&tmp);
                return Err(e);
            }
            fs::rename(&tmp, &path).map_err(|e| io(line, "creating", &path, e))?;
        }
        if sharing == Sharing::Shared {
            flock(&lock, FlockOperation::LockShared)
                .map_err(|e| io(line, "locking", &lock_path, e.into()))?;
        }
        return Ok(CacheDir { path, _lock: lock });
    }
}

fn io(line: usize, what: &str, path: &Path, e: std::io::Error) -> BuildError {
    BuildError::at(
        line,
        format!("cache mount: {what} `{}`: {e}", path.display()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_safe_and_distinct() {
        assert_eq!(dir_name("go-build", ""), "go-build");
        let a = dir_name("/root/.cache", "");
        assert!(a.starts_with("root_.cache-"), "{a}");
        assert_ne!(dir_name("x", "mode=700"), dir_name("x", ""));
        assert!(!dir_name("../../etc", "").contains('/'));
        assert!(!dir_name("..", "").starts_with('.'));
    }

    #[test]
    fn private_users_get_their_own_dir_and_shared_the_same() {
        let tmp = tempfile::tempdir().unwrap();
        let mut init = |d: &Path| {
            fs::write(d.join("seed"), "1").unwrap();
            Ok(())
        };
        let a = acquire(tmp.path(), "c", Sharing::Private, 1, &mut init).unwrap();
        let b = acquire(tmp.path(), "c", Sharing::Private, 1, &mut init).unwrap();
        assert_ne!(a.path, b.path);
        assert!(b.path.join("seed").is_file());
        drop((a, b));
        let s1 = acquire(tmp.path(), "s", Sharing::Shared, 1, &mut init).unwrap();
        let s2 = acquire(tmp.path(), "s", Sharing::Shared, 1, &mut init).unwrap();
        assert_eq!(s1.path, s2.path);
    }
}
