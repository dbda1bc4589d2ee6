//! Entries from a root directory and the list of what changed under it: the result of a RUN step
//! in the in-container isolation (DESIGN.md, "Layers and execution"), which has no overlay upper
//! dir but the difference between two stat walks. The layer has the shape
//! [`super::OverlaySource`] gives the same step under runc:
//!
//! * a changed or new path is read from the root as it is now (a [`super::DirSource`] entry);
//! * every ancestor of a changed, deleted or replaced path is an entry too, as overlayfs copies
//!   the parents of what a step touched up into the upper dir;
//! * a deleted path becomes an empty regular entry `.wh.name`, mode `0o600`, owned by root, with
//!   its parent's mtime, sorted under its new name (only the topmost deleted path: nothing below
//!   a whiteout is listed);
//! * a directory made anew (its inode changed: `rm -rf d && mkdir d`) is followed by the marker
//!   `dir/.wh..wh..opq`, with the directory's permission bits, owner and mtime, before its other
//!   entries;
//! * layer order is [`super`]'s: paths compared component by component.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::LayerError;
use super::entries::{DiskEntry, Entry, HardLinks, Steps, entry_from_disk, next_step, read_err};
use super::overlay::{OPAQUE_MARKER, WHITEOUT_PREFIX};

/// What happened to one path during a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// New, or its content or metadata changed (also: a parent of a change).
    Changed,
    /// Gone.
    Deleted,
    /// A directory made anew: nothing of the one before survives.
    Replaced,
}

/// A root directory and what changed under it, to turn into layer entries.
#[derive(Debug, Clone, Default)]
pub struct ChangesSource {
    root: PathBuf,
    /// By path components (layer order); a deletion is keyed by its whiteout's name.
    changes: BTreeMap<Vec<Vec<u8>>, Change>,
}

impl ChangesSource {
    /// The changes of `changes` (paths relative to `root`, `/`-separated, no `.` or `..`)
    /// under `root`; their ancestors are added as [`Change::Changed`].
    pub fn new(
        root: impl Into<PathBuf>,
        changes: impl IntoIterator<Item = (Vec<u8>, Change)>,
    ) -> Self {
        let mut out = BTreeMap::new();
        for (path, change) in changes {
            let mut comps: Vec<Vec<u8>> = path
                .split(|b| *b == b'/')
                .filter(|c| !c.is_empty())
                .map(<[u8]>::to_vec)
                .collect();
            for depth in 1..comps.len() {
                out.entry(comps[..depth].to_vec())
                    .or_insert(Change::Changed);
            }
            if change == Change::Deleted
                && let Some(last) = comps.last_mut()
            {
                *last = [WHITEOUT_PREFIX, last.as_slice()].concat();
            }
            if !comps.is_empty() {
                out.insert(comps, change);
            }
        }
        Self {
            root: root.into(),
            changes: out,
        }
    }

    /// Whether nothing changed (the step makes no layer).
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// How many entries the changes list (ancestors included, opaque markers not).
    pub fn len(&self) -> usize {
        self.changes.len()
    }

    /// The entries, in layer order; stops after the first error.
    pub fn entries(&self) -> ChangesEntries<'_> {
        ChangesEntries {
            root: &self.root,
            changes: self.changes.iter(),
            pending: None,
            links: HardLinks::default(),
            done: false,
        }
    }
}

/// The entries of a [`ChangesSource`].
#[derive(Debug)]
pub struct ChangesEntries<'a> {
    root: &'a Path,
    changes: std::collections::btree_map::Iter<'a, Vec<Vec<u8>>, Change>,
    /// An opaque marker to yield next.
    pending: Option<Entry>,
    links: HardLinks,
    done: bool,
}

impl ChangesEntries<'_> {
    fn disk_path(&self, comps: &[Vec<u8>]) -> PathBuf {
        use std::os::unix::ffi::OsStrExt;
        let mut path = self.root.to_path_buf();
        for c in comps {
            path.push(std::ffi::OsStr::from_bytes(c));
        }
        path
    }

    fn step(&mut self) -> Result<Option<Entry>, LayerError> {
        if let Some(marker) = self.pending.take() {
            return Ok(Some(marker));
        }
        loop {
            let Some((comps, change)) = self.changes.next() else {
                return Ok(None);
            };
            let rel = comps.join(&b'/');
            if *change == Change::Deleted {
                let mut entry = Entry::empty_file(rel);
                let parent = self.disk_path(&comps[..comps.len() - 1]);
                let meta = std::fs::symlink_metadata(&parent).map_err(|e| read_err(&parent, e))?;
                entry.mtime = meta.mtime();
                return Ok(Some(entry));
            }
            let disk = self.disk_path(comps);
            let meta = std::fs::symlink_metadata(&disk).map_err(|e| read_err(&disk, e))?;
            let Some(DiskEntry { mut entry, .. }) = entry_from_disk(rel.clone(), &disk, &meta)?
            else {
                continue; // a socket
            };
            self.links.resolve(&mut entry, &meta);
            if *change == Change::Replaced && entry.is_dir() {
                let mut marker = Entry::empty_file([rel.as_slice(), b"/", OPAQUE_MARKER].concat());
                marker.mode = entry.mode & 0o777;
                (marker.uid, marker.gid, marker.mtime) = (entry.uid, entry.gid, entry.mtime);
                self.pending = Some(marker);
            }
            return Ok(Some(entry));
        }
    }
}

impl Steps for ChangesEntries<'_> {
    fn step(&mut self) -> Result<Option<Entry>, LayerError> {
        ChangesEntries::step(self)
    }

    fn done(&mut self) -> &mut bool {
        &mut self.done
    }
}

impl Iterator for ChangesEntries<'_> {
    type Item = Result<Entry, LayerError>;

    fn next(&mut self) -> Option<Self::Item> {
        next_step(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn names(source: &ChangesSource) -> Vec<String> {
        source
            .entries()
            .map(|e| String::from_utf8(e.unwrap().path).unwrap())
            .collect()
    }

    #[test]
    fn ancestors_whiteouts_and_opaque_markers_in_layer_order() {
        let root = tempfile::tempdir().unwrap();
        fs::create_dir_all(root.path().join("a/b")).unwrap();
        fs::create_dir_all(root.path().join("a-c")).unwrap();
        fs::write(root.path().join("a/b/new"), "x").unwrap();
        fs::create_dir_all(root.path().join("d")).unwrap();
        fs::write(root.path().join("d/f"), "y").unwrap();
        let source = ChangesSource::new(
            root.path(),
            [
                (b"a-c".to_vec(), Change::Changed),
                (b"a/b/new".to_vec(), Change::Changed),
                (b"a/gone".to_vec(), Change::Deleted),
                (b"d".to_vec(), Change::Replaced),
                (b"d/f".to_vec(), Change::Changed),
            ],
        );
        assert_eq!(
            names(&source),
            [
                "a",
                "a/.wh.gone",
                "a/b",
                "a/b/new",
                "a-c",
                "d",
                "d/.wh..wh..opq",
                "d/f"
            ]
        );
        let entries: Vec<Entry> = source.entries().map(Result::unwrap).collect();
        let whiteout = &entries[1];
        assert_eq!((whiteout.mode, whiteout.uid), (0o600, 0));
        assert!(matches!(
            whiteout.kind,
            super::super::EntryKind::File { size: 0, .. }
        ));
    }

    #[test]
    fn nothing_changed_is_empty() {
        let source = ChangesSource::new("/nonexistent", []);
        assert!(source.is_empty());
        assert_eq!(source.entries().count(), 0);
    }

    #[test]
    fn a_changed_path_gone_from_the_disk_is_an_error() {
        let root = tempfile::tempdir().unwrap();
        let source = ChangesSource::new(root.path(), [(b"vanished".to_vec(), Change::Changed)]);
        let err = source.entries().next().unwrap().unwrap_err();
        assert!(err.to_string().contains("vanished"), "{err}");
    }
}
