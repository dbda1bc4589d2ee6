//! The layer a COPY/ADD is making, seen together with the filesystem below it.
//!
//! [`LayerTree`] holds the entries made so far (a later one for the same path replaces an
//! earlier one) and answers what a path is in the merged view "lower + entries so far", as
//! BuildKit's copy sees the destination while it copies source after source. With `--link` there
//! is no lower: the copy happens on an empty filesystem.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::Metadata;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

use super::paths::{self, Comps};
use super::{CopyError, RootfsView};
use crate::image::layer::entries::entry_from_disk;
use crate::image::layer::{Entry, EntryKind};

/// How many symlinks one destination resolution may follow (Linux's limit).
const MAX_SYMLINKS: usize = 40;

/// What a path is in the merged view.
#[derive(Debug, Clone)]
pub enum Node {
    /// A directory (in the layer already, or only in lower: then its real file and metadata).
    Dir(Option<(PathBuf, Metadata)>),
    /// A symlink with its target.
    Symlink(Vec<u8>),
    /// Anything else.
    Other,
}

/// The entries of one layer, plus the view of the destination they go to.
#[derive(Debug)]
pub struct LayerTree<'a> {
    lower: Option<&'a RootfsView>,
    line: usize,
    entries: BTreeMap<Vec<u8>, Entry>,
    /// Directories this layer creates (nothing of lower is below them).
    new_dirs: HashSet<Vec<u8>>,
    /// (device, inode) of multiply-linked files, by layer path.
    inodes: HashMap<Vec<u8>, (u64, u64)>,
}

impl<'a> LayerTree<'a> {
    /// An empty layer over `lower` (`None`: an empty filesystem, for `--link`).
    pub fn new(lower: Option<&'a RootfsView>, line: usize) -> Self {
        Self {
            lower,
            line,
            entries: BTreeMap::new(),
            new_dirs: HashSet::new(),
            inodes: HashMap::new(),
        }
    }

    fn store_err(&self, comps: &[Vec<u8>]) -> impl Fn(crate::store::StoreError) -> CopyError {
        let line = self.line;
        let path = paths::display(comps);
        move |source| CopyError::Store {
            line,
            path: path.clone(),
            source,
        }
    }

    /// What `comps` is, no symlink followed (its parents must be real directories); `None`
    /// when absent.
    pub fn lookup(&self, comps: &[Vec<u8>]) -> Result<Option<Node>, CopyError> {
        let path = paths::join(comps);
        if comps.is_empty() {
            return Ok(Some(Node::Dir(None)));
        }
        if let Some(entry) = self.entries.get(&paths::order_key(&path)) {
            return Ok(Some(match &entry.kind {
                EntryKind::Dir => Node::Dir(None),
                EntryKind::Symlink { target } => Node::Symlink(target.clone()),
                _ => Node::Other,
            }));
        }
        let parent = paths::join(&comps[..comps.len() - 1]);
        let Some(lower) = self.lower else {
            return Ok(None);
        };
        if self.new_dirs.contains(&parent) {
            return Ok(None);
        }
        let Some((real, meta)) = lower
            .lstat(&paths::host(comps))
            .map_err(self.store_err(comps))?
        else {
            return Ok(None);
        };
        let ft = meta.file_type();
        Ok(Some(if ft.is_dir() {
            Node::Dir(Some((real, meta)))
        } else if ft.is_symlink() {
            let target = std::fs::read_link(&real).map_err(|source| CopyError::Io {
                line: self.line,
                path: real.clone(),
                source,
            })?;
            Node::Symlink(target.as_os_str().as_bytes().to_vec())
        } else {
            Node::Other
        }))
    }

    /// Resolves `comps` in the merged view as BuildKit's `RootPath` does: symlinks followed
    /// (the last one too when `follow_last`), inside the root. Returns the real path and what is
    /// there; from the first missing component on, the rest is taken literally.
    pub fn resolve(
        &self,
        comps: &[Vec<u8>],
        follow_last: bool,
    ) -> Result<(Comps, Option<Node>), CopyError> {
        let mut todo: Comps = comps.iter().rev().cloned().collect();
        let mut cur: Comps = Vec::new();
        let mut links = 0;
        let mut last = Some(Node::Dir(None));
        while let Some(comp) = todo.pop() {
            if comp == b".." {
                cur.pop();
                last = self.lookup(&cur)?;
                continue;
            }
            cur.push(comp);
            let node = self.lookup(&cur)?;
            let is_last = todo.is_empty();
            match node {
                None => {
                    // Missing: the rest is created as spelled (`..` still clamped).
                    while let Some(rest) = todo.pop() {
                        if rest == b".." {
                            cur.pop();
                        } else {
                            cur.push(rest);
                        }
                    }
                    return Ok((cur, None));
                }
                Some(Node::Symlink(target)) if follow_last || !is_last => {
                    links += 1;
                    if links > MAX_SYMLINKS {
                        return Err(CopyError::NotADirectory {
                            line: self.line,
                            path: format!(
                                "{} (too many levels of symbolic links)",
                                paths::display(comps)
                            ),
                        });
                    }
                    cur.pop();
                    if target.starts_with(b"/") {
                        cur.clear();
                    }
                    todo.extend(
                        target
                            .split(|&b| b == b'/')
                            .filter(|c| !c.is_empty() && *c != b".")
                            .rev()
                            .map(<[u8]>::to_vec),
                    );
                    last = self.lookup(&cur)?;
                }
                Some(Node::Dir(_)) => last = node,
                Some(other) => {
                    if !is_last {
                        return Err(CopyError::NotADirectory {
                            line: self.line,
                            path: paths::display(&cur),
                        });
                    }
                    last = Some(other);
                }
            }
        }
        Ok((cur, last))
    }

    /// Makes sure the real path `comps` is a directory, as `MkdirAll`: directories of lower on
    /// the way become entries with lower's metadata; missing ones are created with `mode`,
    /// `owner` and `mtime`.
    pub fn ensure_dir(
        &mut self,
        comps: &[Vec<u8>],
        mode: u32,
        owner: (u64, u64),
        mtime: i64,
    ) -> Result<(), CopyError> {
        for i in 1..=comps.len() {
            let prefix = &comps[..i];
            match self.lookup(prefix)? {
                Some(Node::Dir(None)) => {}
                Some(Node::Dir(Some((real, meta)))) => self.keep_lower_dir(prefix, &real, &meta)?,
                Some(_) => {
                    return Err(CopyError::NotADirectory {
                        line: self.line,
                        path: paths::display(prefix),
                    });
                }
                None => {
                    let path = paths::join(prefix);
                    let mut dir = Entry::empty_file(path.clone());
                    dir.kind = EntryKind::Dir;
                    dir.mode = mode;
                    (dir.uid, dir.gid) = owner;
                    dir.mtime = mtime;
                    self.new_dirs.insert(path.clone());
                    self.entries.insert(paths::order_key(&path), dir);
                }
            }
        }
        Ok(())
    }

    /// Sets the permission bits of an entry this layer holds at `comps` (no-op otherwise).
    pub fn set_mode(&mut self, comps: &[Vec<u8>], mode: u32) {
        if let Some(entry) = self.entries.get_mut(&paths::order_key(&paths::join(comps))) {
            entry.mode = mode & 0o7777;
        }
    }

    /// Adds lower's directory at `comps` as an entry with its own metadata.
    fn keep_lower_dir(
        &mut self,
        comps: &[Vec<u8>],
        real: &std::path::Path,
        meta: &Metadata,
    ) -> Result<(), CopyError> {
        let path = paths::join(comps);
        let line = self.line;
        if let Some(disk) = entry_from_disk(path.clone(), real, meta)
            .map_err(|source| CopyError::Layer { line, source })?
        {
            self.entries.insert(paths::order_key(&path), disk.entry);
        }
        Ok(())
    }

    /// Sets the mtime of the directory at the real path `comps` (an entry of the layer, or
    /// lower's, which then becomes one).
    pub fn touch_dir(&mut self, comps: &[Vec<u8>], mtime: i64) -> Result<(), CopyError> {
        if comps.is_empty() {
            return Ok(());
        }
        match self.lookup(comps)? {
            Some(Node::Dir(Some((real, meta)))) => self.keep_lower_dir(comps, &real, &meta)?,
            Some(Node::Dir(None)) => {}
            _ => {
                return Err(CopyError::NotADirectory {
                    line: self.line,
                    path: paths::display(comps),
                });
            }
        }
        if let Some(entry) = self.entries.get_mut(&paths::order_key(&paths::join(comps))) {
            entry.mtime = mtime;
        }
        Ok(())
    }

    /// Puts a copied entry at its path (whose parent is already a directory), as BuildKit's
    /// copier does: a directory merges into a directory and may not replace anything else; a
    /// file replaces anything but a directory. `inode` is the source's (device, inode) when it
    /// has several links, so that copies of the same file become hard links.
    pub fn put(&mut self, entry: Entry, inode: Option<(u64, u64)>) -> Result<(), CopyError> {
        let comps: Comps = entry
            .path
            .split(|&b| b == b'/')
            .map(<[u8]>::to_vec)
            .collect();
        let existing = self.lookup(&comps)?;
        let display = || paths::display(&comps);
        match (&existing, entry.is_dir()) {
            (Some(Node::Dir(_)) | None, true)
            | (None | Some(Node::Symlink(_) | Node::Other), false) => {}
            (Some(_), true) => {
                return Err(CopyError::NotADirectory {
                    line: self.line,
                    path: display(),
                });
            }
            (Some(Node::Dir(_)), false) => {
                return Err(CopyError::IsADirectory {
                    line: self.line,
                    path: display(),
                });
            }
        }
        if entry.is_dir() && existing.is_none() {
            self.new_dirs.insert(entry.path.clone());
        }
        match inode {
            Some(key) => self.inodes.insert(entry.path.clone(), key),
            None => self.inodes.remove(&entry.path),
        };
        self.entries.insert(paths::order_key(&entry.path), entry);
        Ok(())
    }

    /// The entries in layer order, later copies of one multiply-linked source file turned into
    /// hard links to the first.
    pub fn into_entries(self) -> Vec<Entry> {
        let mut first: HashMap<(u64, u64), Vec<u8>> = HashMap::new();
        let mut out = Vec::with_capacity(self.entries.len());
        for (_, mut entry) in self.entries {
            if let (Some(key), EntryKind::File { .. }) = (self.inodes.get(&entry.path), &entry.kind)
            {
                match first.get(key) {
                    Some(target) => {
                        entry.kind = EntryKind::HardLink {
                            target: target.clone(),
                        }
                    }
                    None => {
                        first.insert(*key, entry.path.clone());
                    }
                }
            }
            out.push(entry);
        }
        out
    }
}

/// The (device, inode) of a multiply-linked regular file.
pub fn link_key(meta: &Metadata) -> Option<(u64, u64)> {
    (meta.is_file() && meta.nlink() > 1).then(|| (meta.dev(), meta.ino()))
}
