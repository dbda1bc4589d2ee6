//! Entries from a plain directory tree: the result of a COPY.
//!
//! [`DirSource`] walks a root depth-first, each directory's children sorted by name bytes, so the
//! order depends on names only (never on readdir order). Nothing is followed: a symlink is an
//! entry. Sockets are skipped. The root may also be a single file.
//!
//! * `prefix` (the COPY destination, e.g. `app/bin`) names the root inside the layer: its last
//!   component takes the root's own metadata, the components before it are directories with mode
//!   `0o755`, owned by root (or the `--chown` owner) with the root's mtime. Without a prefix the
//!   root's contents sit at the top of the layer and the root itself is no entry.
//! * `include` restricts the walk to some paths relative to the root (what a COPY selected): an
//!   included directory brings its whole subtree, and the directories leading to an included
//!   path come with their own metadata. Paths are taken literally; none of them is followed
//!   through a symlink.
//! * `chown` sets every entry's owner; `chmod` sets the permission bits of everything but
//!   symlinks (`--chown`, `--chmod`).

use std::collections::{HashSet, VecDeque};
use std::fs::Metadata;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

use super::LayerError;
use super::entries::{
    DiskEntry, Entry, EntryKind, HardLinks, Steps, entry_from_disk, next_step, read_err,
};

/// A directory tree to turn into layer entries (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirSource {
    root: PathBuf,
    include: Option<Vec<Vec<u8>>>,
    prefix: Vec<u8>,
    owner: Option<(u64, u64)>,
    mode: Option<u32>,
}

impl DirSource {
    /// Everything below `root`, at the top of the layer, with the owners and modes on disk.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self {
            root: root.into(),
            include: None,
            prefix: Vec::new(),
            owner: None,
            mode: None,
        }
    }

    /// Only these paths (relative to the root, `/`-separated; an empty path is the root).
    pub fn include(mut self, paths: Vec<Vec<u8>>) -> Self {
        self.include = Some(paths);
        self
    }

    /// Where the root lands in the layer (leading and trailing `/` are ignored).
    pub fn prefix(mut self, prefix: impl Into<Vec<u8>>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Every entry owned by `uid:gid` (`--chown`).
    pub fn chown(mut self, uid: u64, gid: u64) -> Self {
        self.owner = Some((uid, gid));
        self
    }

    /// Every entry but symlinks with these permission bits (`--chmod`; masked to `0o7777`).
    pub fn chmod(mut self, mode: u32) -> Self {
        self.mode = Some(mode & 0o7777);
        self
    }

    /// The entries, in layer order. Checks the prefix and the included paths first.
    pub fn entries(&self) -> Result<DirEntries, LayerError> {
        let prefix = clean_prefix(&self.prefix)?;
        let root_meta = self
            .root
            .symlink_metadata()
            .map_err(|e| read_err(&self.root, e))?;
        let mut selected = HashSet::new();
        let mut ancestors = HashSet::new();
        let all = match &self.include {
            None => true,
            Some(paths) => {
                for path in paths {
                    check_relative(path)?;
                    let disk = self.root.join(std::ffi::OsStr::from_bytes(path));
                    if disk.symlink_metadata().is_err() {
                        return Err(LayerError::NotFound { path: disk });
                    }
                    for (i, &b) in path.iter().enumerate() {
                        if b == b'/' {
                            ancestors.insert(path[..i].to_vec());
                        }
                    }
                    selected.insert(path.clone());
                }
                selected.contains(&b""[..])
            }
        };
        let mut walk = DirEntries {
            prefix: prefix.clone(),
            selected,
            ancestors,
            owner: self.owner,
            mode: self.mode,
            pending: VecDeque::new(),
            stack: Vec::new(),
            links: HardLinks::default(),
            done: false,
        };
        if !prefix.is_empty() {
            for (i, &b) in prefix.iter().enumerate() {
                if b == b'/' {
                    let mut dir = Entry::empty_file(prefix[..i].to_vec());
                    dir.kind = EntryKind::Dir;
                    dir.mode = 0o755;
                    (dir.uid, dir.gid) = self.owner.unwrap_or((0, 0));
                    dir.mtime = std::os::unix::fs::MetadataExt::mtime(&root_meta);
                    walk.pending.push_back(dir);
                }
            }
            if let Some(root) = entry_from_disk(prefix.clone(), &self.root, &root_meta)? {
                let mut root = root.entry;
                walk.apply_overrides(&mut root);
                walk.pending.push_back(root);
            }
        } else if !root_meta.is_dir() {
            return Err(LayerError::BadPath {
                path: self.root.as_os_str().as_bytes().to_vec(),
            });
        }
        if root_meta.is_dir() {
            walk.stack.push(Frame {
                rel: Vec::new(),
                all,
                children: list_dir(&self.root)?.into_iter(),
            });
        }
        Ok(walk)
    }
}

/// The entries of a [`DirSource`], in layer order; stops after the first error.
#[derive(Debug)]
pub struct DirEntries {
    prefix: Vec<u8>,
    selected: HashSet<Vec<u8>>,
    ancestors: HashSet<Vec<u8>>,
    owner: Option<(u64, u64)>,
    mode: Option<u32>,
    pending: VecDeque<Entry>,
    stack: Vec<Frame>,
    links: HardLinks,
    done: bool,
}

#[derive(Debug)]
struct Frame {
    /// The directory's path relative to the root.
    rel: Vec<u8>,
    /// Whether everything below it is included.
    all: bool,
    children: std::vec::IntoIter<Child>,
}

impl DirEntries {
    fn apply_overrides(&self, entry: &mut Entry) {
        if let Some((uid, gid)) = self.owner {
            (entry.uid, entry.gid) = (uid, gid);
        }
        match (self.mode, &entry.kind) {
            (_, EntryKind::Symlink { .. }) | (None, _) => {}
            (Some(mode), _) => entry.mode = mode,
        }
    }

    fn step(&mut self) -> Result<Option<Entry>, LayerError> {
        loop {
            if let Some(entry) = self.pending.pop_front() {
                return Ok(Some(entry));
            }
            let Some(frame) = self.stack.last_mut() else {
                return Ok(None);
            };
            let Some(child) = frame.children.next() else {
                self.stack.pop();
                continue;
            };
            let rel = join(&frame.rel, &child.name);
            let all = frame.all || self.selected.contains(&rel);
            if !all && !self.ancestors.contains(&rel) {
                continue;
            }
            let Some(DiskEntry { mut entry, .. }) =
                entry_from_disk(join(&self.prefix, &rel), &child.disk, &child.meta)?
            else {
                continue;
            };
            self.apply_overrides(&mut entry);
            self.links.resolve(&mut entry, &child.meta);
            if entry.is_dir() {
                let children = list_dir(&child.disk)?.into_iter();
                self.stack.push(Frame { rel, all, children });
            }
            return Ok(Some(entry));
        }
    }
}

impl Steps for DirEntries {
    fn step(&mut self) -> Result<Option<Entry>, LayerError> {
        DirEntries::step(self)
    }

    fn done(&mut self) -> &mut bool {
        &mut self.done
    }
}

impl Iterator for DirEntries {
    type Item = Result<Entry, LayerError>;

    fn next(&mut self) -> Option<Self::Item> {
        next_step(self)
    }
}

/// A directory's child as listed.
#[derive(Debug)]
pub(crate) struct Child {
    /// Its name.
    pub(crate) name: Vec<u8>,
    /// Its path on disk.
    pub(crate) disk: PathBuf,
    /// Its `lstat`.
    pub(crate) meta: Metadata,
}

/// The children of `dir` (lstat'ed, sockets left out), sorted by name bytes.
pub(crate) fn list_dir(dir: &Path) -> Result<Vec<Child>, LayerError> {
    let mut out = Vec::new();
    for item in std::fs::read_dir(dir).map_err(|e| read_err(dir, e))? {
        let item = item.map_err(|e| read_err(dir, e))?;
        let disk = item.path();
        let meta = disk.symlink_metadata().map_err(|e| read_err(&disk, e))?;
        if meta.file_type().is_socket() {
            continue;
        }
        out.push(Child {
            name: item.file_name().as_bytes().to_vec(),
            disk,
            meta,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// `dir/name`, or `name` when `dir` is empty.
pub(crate) fn join(dir: &[u8], name: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(dir.len() + 1 + name.len());
    out.extend_from_slice(dir);
    if !dir.is_empty() {
        out.push(b'/');
    }
    out.extend_from_slice(name);
    out
}

/// Errors unless `path` is empty or clean and relative (no empty, `.` or `..` component).
fn check_relative(path: &[u8]) -> Result<(), LayerError> {
    if path.is_empty()
        || path
            .split(|&b| b == b'/')
            .all(|c| !c.is_empty() && c != b"." && c != b"..")
    {
        Ok(())
    } else {
        Err(LayerError::BadPath {
            path: path.to_vec(),
        })
    }
}

/// The prefix without leading and trailing `/`, checked.
fn clean_prefix(prefix: &[u8]) -> Result<Vec<u8>, LayerError> {
    let start = prefix
        .iter()
        .position(|&b| b != b'/')
        .unwrap_or(prefix.len());
    let end = prefix
        .iter()
        .rposition(|&b| b != b'/')
        .map_or(start, |i| i + 1);
    let cleaned = &prefix[start..end.max(start)];
    check_relative(cleaned).map_err(|_| LayerError::BadPath {
        path: prefix.to_vec(),
    })?;
    Ok(cleaned.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_cleaned_and_checked() {
        assert_eq!(clean_prefix(b"/app/bin/").unwrap(), b"app/bin");
        assert_eq!(clean_prefix(b"/").unwrap(), b"");
        assert_eq!(clean_prefix(b"").unwrap(), b"");
        assert!(clean_prefix(b"a/../b").is_err());
        assert!(clean_prefix(b"a//b").is_err());
        assert!(check_relative(b"./a").is_err());
    }

    #[test]
    fn hard_links_of_symlinks_are_link_entries() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("target", dir.path().join("a")).unwrap();
        // link(2) does not follow a symlink: `b` is a second name of the symlink itself.
        std::fs::hard_link(dir.path().join("a"), dir.path().join("b")).unwrap();
        let entries: Vec<Entry> = DirSource::new(dir.path())
            .entries()
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(
            entries[0].kind,
            EntryKind::Symlink {
                target: b"target".to_vec()
            }
        );
        assert_eq!(
            entries[1].kind,
            EntryKind::HardLink {
                target: b"a".to_vec()
            }
        );
    }

    #[test]
    fn join_paths() {
        assert_eq!(join(b"", b"a"), b"a");
        assert_eq!(join(b"a/b", b"c"), b"a/b/c");
    }
}
