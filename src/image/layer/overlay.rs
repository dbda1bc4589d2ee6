//! Entries from an overlayfs upper dir: the result of a RUN, in OCI layer form.
//!
//! The upper dir of an overlay mounted with `redirect_dir=off,index=off,metacopy=off` is a plain
//! diff against the lower layers, walked like a [`super::DirSource`] (sorted by name bytes,
//! depth-first, hard links within the layer as link entries), with overlayfs' markers converted
//! as Docker's and BuildKit's overlay differs do:
//!
//! * a character device 0:0 `name` (a deleted file or directory) becomes an empty regular entry
//!   `.wh.name`, mode `0o600`, with the device's owner and mtime, sorted under its new name;
//! * a directory with xattr `trusted.overlay.opaque=y` or `user.overlay.opaque=y` (replaced, so
//!   nothing below it in lower layers survives) is followed by an empty regular entry
//!   `dir/.wh..wh..opq`, with the directory's permission bits, owner and mtime, written before the
//!   directory's other entries;
//! * overlayfs' own xattrs (`trusted.overlay.*`, `user.overlay.*`) never reach the layer; a
//!   `redirect` or `metacopy` xattr means the upper dir is no plain diff and is an error.
//!
//! The upper dir itself is the layer's root and is no entry.

use std::collections::VecDeque;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::PathBuf;

use super::LayerError;
use super::entries::{DiskEntry, Entry, HardLinks, Steps, entry_from_disk, next_step};
use super::walk::{Child, join, list_dir};

/// Prefix of a whiteout entry's name.
pub const WHITEOUT_PREFIX: &[u8] = b".wh.";
/// Name of the opaque-directory marker entry.
pub const OPAQUE_MARKER: &[u8] = b".wh..wh..opq";

/// An overlayfs upper dir to turn into layer entries (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverlaySource {
    upper: PathBuf,
}

impl OverlaySource {
    /// The upper dir at `upper` (the overlay must be unmounted, or at least quiet).
    pub fn new(upper: impl Into<PathBuf>) -> Self {
        Self {
            upper: upper.into(),
        }
    }

    /// The entries, in layer order.
    pub fn entries(&self) -> Result<OverlayEntries, LayerError> {
        Ok(OverlayEntries {
            pending: VecDeque::new(),
            stack: vec![Frame {
                rel: Vec::new(),
                children: list_children(&self.upper)?.into_iter(),
            }],
            links: HardLinks::default(),
            done: false,
        })
    }
}

/// The entries of an [`OverlaySource`], in layer order; stops after the first error.
#[derive(Debug)]
pub struct OverlayEntries {
    pending: VecDeque<Entry>,
    stack: Vec<Frame>,
    links: HardLinks,
    done: bool,
}

#[derive(Debug)]
struct Frame {
    rel: Vec<u8>,
    children: std::vec::IntoIter<(Vec<u8>, Child)>,
}

impl OverlayEntries {
    fn step(&mut self) -> Result<Option<Entry>, LayerError> {
        loop {
            if let Some(entry) = self.pending.pop_front() {
                return Ok(Some(entry));
            }
            let Some(frame) = self.stack.last_mut() else {
                return Ok(None);
            };
            let Some((name, child)) = frame.children.next() else {
                self.stack.pop();
                continue;
            };
            let rel = join(&frame.rel, &name);
            if is_whiteout(&child) {
                let mut entry = Entry::empty_file(rel);
                entry.uid = u64::from(child.meta.uid());
                entry.gid = u64::from(child.meta.gid());
                entry.mtime = child.meta.mtime();
                return Ok(Some(entry));
            }
            let Some(DiskEntry {
                mut entry,
                overlay_xattrs,
            }) = entry_from_disk(rel.clone(), &child.disk, &child.meta)?
            else {
                continue;
            };
            let mut opaque = false;
            for (xattr, value) in &overlay_xattrs {
                let key = xattr
                    .strip_prefix(b"trusted.overlay.")
                    .or_else(|| xattr.strip_prefix(b"user.overlay."))
                    .unwrap_or(xattr);
                match key {
                    b"opaque" => opaque |= value == b"y",
                    b"redirect" | b"metacopy" => {
                        return Err(LayerError::UnsupportedOverlay {
                            path: child.disk.clone(),
                            xattr: String::from_utf8_lossy(xattr).into_owned(),
                        });
                    }
                    _ => {}
                }
            }
            self.links.resolve(&mut entry, &child.meta);
            if entry.is_dir() {
                if opaque {
                    let mut marker = Entry::empty_file(join(&rel, OPAQUE_MARKER));
                    marker.mode = entry.mode & 0o777;
                    (marker.uid, marker.gid, marker.mtime) = (entry.uid, entry.gid, entry.mtime);
                    self.pending.push_back(marker);
                }
                let children = list_children(&child.disk)?.into_iter();
                self.stack.push(Frame { rel, children });
            }
            return Ok(Some(entry));
        }
    }
}

impl Steps for OverlayEntries {
    fn step(&mut self) -> Result<Option<Entry>, LayerError> {
        OverlayEntries::step(self)
    }

    fn done(&mut self) -> &mut bool {
        &mut self.done
    }
}

impl Iterator for OverlayEntries {
    type Item = Result<Entry, LayerError>;

    fn next(&mut self) -> Option<Self::Item> {
        next_step(self)
    }
}

/// A deleted path: a character device with device number 0:0.
fn is_whiteout(child: &Child) -> bool {
    child.meta.file_type().is_char_device() && child.meta.rdev() == 0
}

/// The children of `dir` under their layer names (whiteouts renamed), sorted by those names.
fn list_children(dir: &std::path::Path) -> Result<Vec<(Vec<u8>, Child)>, LayerError> {
    let mut out: Vec<(Vec<u8>, Child)> = list_dir(dir)?
        .into_iter()
        .map(|child| {
            let name = if is_whiteout(&child) {
                [WHITEOUT_PREFIX, &child.name].concat()
            } else {
                child.name.clone()
            };
            (name, child)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}
