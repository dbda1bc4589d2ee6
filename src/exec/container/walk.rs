//! The stat walks before and after a step, and their difference: what the step changed, as
//! [`Change`]s for [`crate::image::layer::ChangesSource`].
//!
//! A walk records, per path, what any change to it moves: inode and birth time (an inode
//! number can be reused at once by a file made anew; its birth time is new), type and mode,
//! owner, size, mtime and ctime (a write, chmod, chown, rename or xattr change always moves
//! ctime, which no process can set back), link count and device number. No file is read: a path's content is
//! read only when the layer is written, and only for the paths whose metadata changed. Kept
//! paths ([`super::keep`]) and other file systems (anything mounted below the root) are not
//! entered.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::keep::{Keep, Kept};
use crate::image::layer::Change;

/// The metadata a walk records of one path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    ino: u64,
    /// Birth time (`statx`), where the file system keeps one.
    born: Option<std::time::SystemTime>,
    /// Type and permission bits.
    mode: u32,
    uid: u32,
    gid: u32,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
    nlink: u64,
    rdev: u64,
}

impl Stat {
    fn of(meta: &std::fs::Metadata) -> Self {
        Self {
            ino: meta.ino(),
            born: meta.created().ok(),
            mode: meta.mode(),
            uid: meta.uid(),
            gid: meta.gid(),
            size: meta.size(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
            nlink: meta.nlink(),
            rdev: meta.rdev(),
        }
    }

    fn is_dir(&self) -> bool {
        self.mode & 0o170_000 == 0o040_000
    }
}

/// Every path under a root (but the kept ones) and its [`Stat`], in layer order (component by
/// component).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tree(BTreeMap<Vec<Vec<u8>>, Stat>);

impl Tree {
    /// How many paths the walk found.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the walk found nothing.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A walk failed at `path`.
#[derive(Debug, thiserror::Error)]
#[error("walking `{}`", path.display())]
pub struct WalkError {
    /// Where.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: io::Error,
}

/// Walks `root`, leaving out what `keep` keeps and other file systems.
pub fn walk(root: &Path, keep: &Keep) -> Result<Tree, WalkError> {
    let err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| WalkError { path, source }
    };
    let dev = std::fs::symlink_metadata(root).map_err(err(root))?.dev();
    let mut tree = BTreeMap::new();
    let mut todo: Vec<Vec<Vec<u8>>> = vec![Vec::new()];
    while let Some(dir) = todo.pop() {
        let disk = disk_path(root, &dir);
        let entries = match std::fs::read_dir(&disk) {
            Ok(entries) => entries,
            // Removed by the step's own processes still running: nothing to record.
            Err(e) if e.kind() == io::ErrorKind::NotFound && !dir.is_empty() => continue,
            Err(e) => return Err(err(&disk)(e)),
        };
        for entry in entries {
            let entry = entry.map_err(err(&disk))?;
            let mut rel = dir.clone();
            rel.push(entry.file_name().as_bytes().to_vec());
            if keep.status(&rel_path(&rel)) == Kept::Whole {
                continue;
            }
            let meta = match entry.metadata() {
                Ok(meta) => meta,
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(err(&entry.path())(e)),
            };
            if meta.dev() != dev {
                continue;
            }
            let stat = Stat::of(&meta);
            if stat.is_dir() {
                todo.push(rel.clone());
            }
            tree.insert(rel, stat);
        }
    }
    Ok(Tree(tree))
}

fn rel_path(comps: &[Vec<u8>]) -> PathBuf {
    comps.iter().map(|c| OsStr::from_bytes(c)).collect()
}

fn disk_path(root: &Path, comps: &[Vec<u8>]) -> PathBuf {
    let mut p = root.to_path_buf();
    for c in comps {
        p.push(OsStr::from_bytes(c));
    }
    p
}

/// What changed from `before` to `after`, as (relative path, change): new and changed paths,
/// the topmost of deleted ones, and directories made anew.
pub fn diff(before: &Tree, after: &Tree) -> Vec<(Vec<u8>, Change)> {
    let mut out = Vec::new();
    // The last path whose old subtree is wholly gone (deleted, replaced by a non-directory or a
    // new directory): old paths below it need no whiteout of their own.
    let mut gone: Option<&Vec<Vec<u8>>> = None;
    let mut b = before.0.iter().peekable();
    let mut a = after.0.iter().peekable();
    loop {
        let order = match (b.peek(), a.peek()) {
            (None, None) => break,
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some((kb, _)), Some((ka, _))) => kb.cmp(ka),
        };
        match order {
            std::cmp::Ordering::Less => {
                let Some((path, _)) = b.next() else { break };
                if gone.is_some_and(|g| path.starts_with(g)) {
                    continue;
                }
                out.push((path.join(&b'/'), Change::Deleted));
                gone = Some(path);
            }
            std::cmp::Ordering::Greater => {
                let Some((path, _)) = a.next() else { break };
                out.push((path.join(&b'/'), Change::Changed));
            }
            std::cmp::Ordering::Equal => {
                let (Some((path, old)), Some((_, new))) = (b.next(), a.next()) else {
                    break;
                };
                let made_anew = old.ino != new.ino || old.born != new.born;
                if old.is_dir() && new.is_dir() && made_anew {
                    out.push((path.join(&b'/'), Change::Replaced));
                    gone = Some(path);
                } else if old != new {
                    out.push((path.join(&b'/'), Change::Changed));
                    if old.is_dir() && !new.is_dir() {
                        gone = Some(path);
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn changes(list: &[(Vec<u8>, Change)]) -> Vec<(String, Change)> {
        list.iter()
            .map(|(p, c)| (String::from_utf8(p.clone()).unwrap(), *c))
            .collect()
    }

    #[test]
    fn the_difference_of_two_walks_is_what_the_step_did() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        for d in ["etc", "old/sub", "redo", "keep-me", "usr/bin"] {
            fs::create_dir_all(r.join(d)).unwrap();
        }
        for f in [
            "etc/passwd",
            "old/sub/f",
            "redo/x",
            "keep-me/x",
            "usr/bin/tool",
            "same",
        ] {
            fs::write(r.join(f), f).unwrap();
        }
        let mut keep = Keep::default();
        keep.add(Path::new("keep-me"));
        let before = walk(r, &keep).unwrap();
        assert_eq!(before.len(), 11);

        std::thread::sleep(std::time::Duration::from_millis(20));
        fs::write(r.join("etc/passwd"), "changed").unwrap();
        fs::remove_dir_all(r.join("old")).unwrap();
        fs::remove_dir_all(r.join("redo")).unwrap();
        fs::create_dir(r.join("redo")).unwrap();
        fs::write(r.join("redo/y"), "y").unwrap();
        fs::write(r.join("keep-me/x"), "ignored").unwrap();
        fs::write(r.join("new"), "n").unwrap();
        let after = walk(r, &keep).unwrap();

        assert_eq!(
            changes(&diff(&before, &after)),
            [
                ("etc/passwd".to_string(), Change::Changed),
                ("new".to_string(), Change::Changed),
                ("old".to_string(), Change::Deleted),
                ("redo".to_string(), Change::Replaced),
                ("redo/y".to_string(), Change::Changed),
            ]
        );
        // Two walks of an untouched tree: no change.
        let again = walk(r, &keep).unwrap();
        assert!(diff(&after, &again).is_empty());
    }

    #[test]
    fn a_chmod_or_a_directory_replaced_by_a_file_are_changes() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        fs::create_dir_all(r.join("d/inner")).unwrap();
        fs::write(r.join("f"), "f").unwrap();
        let before = walk(r, &Keep::default()).unwrap();
        fs::set_permissions(r.join("f"), fs::Permissions::from_mode(0o700)).unwrap();
        fs::remove_dir_all(r.join("d")).unwrap();
        fs::write(r.join("d"), "now a file").unwrap();
        let after = walk(r, &Keep::default()).unwrap();
        assert_eq!(
            changes(&diff(&before, &after)),
            [
                ("d".to_string(), Change::Changed),
                ("f".to_string(), Change::Changed),
            ]
        );
    }
}
