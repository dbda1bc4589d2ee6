//! What goes into a layer: one [`Entry`] per tar entry, and how one is read from the disk.
//!
//! An entry keeps what the layer needs and nothing that varies between machines: path, type,
//! permission bits, numeric owner, mtime (seconds), and xattrs. No atime or ctime, no user or
//! group names, no inode numbers. Of the xattrs, only `security.capability` (file capabilities,
//! e.g. of `ping`) is kept, as Docker's and containerd's layer writers (BuildKit's differ) keep
//! it: other attributes are labels of the host (`security.selinux`), overlayfs' own
//! (`trusted.overlay.*`, which the overlay source turns into whiteouts) or user data that
//! BuildKit's images never carry (`tests/it/differential_run.rs`, case run-xattr).

use std::collections::HashMap;
use std::fs::Metadata;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use super::LayerError;

/// Extended attributes as (name, value) pairs, sorted by name.
pub type Xattrs = Vec<(Vec<u8>, Vec<u8>)>;

/// One entry of a layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The path inside the layer: relative, `/`-separated, no `.` or `..` components, no
    /// trailing `/` (the tar writer adds one to directory names).
    pub path: Vec<u8>,
    /// What the entry is.
    pub kind: EntryKind,
    /// Permission bits with setuid, setgid and sticky (`0o7777`), never the file type.
    pub mode: u32,
    /// Numeric owner.
    pub uid: u64,
    /// Numeric group.
    pub gid: u64,
    /// Modification time in seconds since the epoch (before any SOURCE_DATE_EPOCH clamping).
    pub mtime: i64,
    /// Extended attributes as (name, value), sorted by name.
    pub xattrs: Xattrs,
}

/// The type of an entry and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file of `size` bytes.
    File {
        /// Where its bytes come from.
        data: FileData,
        /// Its size; reading a different number of bytes is [`LayerError::FileChanged`].
        size: u64,
    },
    /// A directory.
    Dir,
    /// A symbolic link.
    Symlink {
        /// The link's target, as stored.
        target: Vec<u8>,
    },
    /// A hard link to an earlier entry of the same layer.
    HardLink {
        /// The layer path of that earlier entry.
        target: Vec<u8>,
    },
    /// A named pipe.
    Fifo,
    /// A character device.
    CharDevice {
        /// Major number.
        major: u64,
        /// Minor number.
        minor: u64,
    },
    /// A block device.
    BlockDevice {
        /// Major number.
        major: u64,
        /// Minor number.
        minor: u64,
    },
}

/// Where a regular file's bytes come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileData {
    /// No bytes (whiteouts, opaque markers, empty files).
    Empty,
    /// Bytes held by the caller (small generated files).
    Bytes(Vec<u8>),
    /// A file on disk, opened when the entry is written.
    Disk(PathBuf),
}

impl Entry {
    /// A regular file entry with no bytes, owned by root, mode 0o600, mtime 0 (a whiteout's
    /// shape before the caller adjusts it).
    pub fn empty_file(path: Vec<u8>) -> Self {
        Self {
            path,
            kind: EntryKind::File {
                data: FileData::Empty,
                size: 0,
            },
            mode: 0o600,
            uid: 0,
            gid: 0,
            mtime: 0,
            xattrs: Vec::new(),
        }
    }

    /// Whether this is a directory.
    pub fn is_dir(&self) -> bool {
        matches!(self.kind, EntryKind::Dir)
    }
}

/// An entry read from the disk, with the overlayfs xattrs that were not copied into it.
#[derive(Debug)]
pub(crate) struct DiskEntry {
    /// The entry.
    pub(crate) entry: Entry,
    /// `trusted.overlay.*` and `user.overlay.*` xattrs as (name, value).
    pub(crate) overlay_xattrs: Xattrs,
}

/// The entry for the file at `disk` (already `lstat`ed into `meta`), named `path` in the layer.
/// `None` for sockets. Hard links are not resolved here (see [`HardLinks`]).
pub(crate) fn entry_from_disk(
    path: Vec<u8>,
    disk: &Path,
    meta: &Metadata,
) -> Result<Option<DiskEntry>, LayerError> {
    let ft = meta.file_type();
    let (major, minor) = device_numbers(meta.rdev());
    let kind = if ft.is_file() {
        EntryKind::File {
            data: FileData::Disk(disk.to_path_buf()),
            size: meta.len(),
        }
    } else if ft.is_dir() {
        EntryKind::Dir
    } else if ft.is_symlink() {
        let target = std::fs::read_link(disk).map_err(|source| read_err(disk, source))?;
        EntryKind::Symlink {
            target: target.as_os_str().as_bytes().to_vec(),
        }
    } else if ft.is_fifo() {
        EntryKind::Fifo
    } else if ft.is_char_device() {
        EntryKind::CharDevice { major, minor }
    } else if ft.is_block_device() {
        EntryKind::BlockDevice { major, minor }
    } else {
        return Ok(None);
    };
    let (overlay_xattrs, mut xattrs): (Vec<_>, Vec<_>) = read_xattrs(disk)?
        .into_iter()
        .partition(|(name, _)| is_overlay_xattr(name));
    xattrs.retain(|(name, _)| keep_xattr(name));
    let entry = Entry {
        path,
        kind,
        mode: meta.mode() & 0o7777,
        uid: u64::from(meta.uid()),
        gid: u64::from(meta.gid()),
        mtime: meta.mtime(),
        xattrs,
    };
    Ok(Some(DiskEntry {
        entry,
        overlay_xattrs,
    }))
}

/// Whether an xattr is copied into layers (see the module docs).
pub(crate) fn keep_xattr(name: &[u8]) -> bool {
    name == b"security.capability"
}

/// Whether an xattr is overlayfs' own.
pub(crate) fn is_overlay_xattr(name: &[u8]) -> bool {
    name.starts_with(b"trusted.overlay.") || name.starts_with(b"user.overlay.")
}

/// All xattrs of `disk` (not following a symlink), sorted by name. A file system without xattr
/// support has none.
pub(crate) fn read_xattrs(disk: &Path) -> Result<Xattrs, LayerError> {
    let names = match xattr::list(disk) {
        Ok(names) => names,
        Err(e) if is_unsupported(&e) => return Ok(Vec::new()),
        Err(source) => return Err(read_err(disk, source)),
    };
    let mut out = Vec::new();
    for name in names {
        let bytes = name.as_bytes();
        match xattr::get(disk, &name) {
            Ok(Some(value)) => out.push((bytes.to_vec(), value)),
            Ok(None) => {} // removed since the listing
            Err(e) if is_unsupported(&e) => {}
            Err(source) => return Err(read_err(disk, source)),
        }
    }
    out.sort();
    Ok(out)
}

fn is_unsupported(e: &std::io::Error) -> bool {
    // ENOTSUP/EOPNOTSUPP (95) on Linux; ENODATA is already `Ok(None)` in the xattr crate.
    e.kind() == std::io::ErrorKind::Unsupported || e.raw_os_error() == Some(95)
}

/// A [`LayerError::Read`] for `path`.
pub(crate) fn read_err(path: &Path, source: std::io::Error) -> LayerError {
    LayerError::Read {
        path: path.to_path_buf(),
        source,
    }
}

/// Splits a Linux `dev_t` into (major, minor) as glibc's `major()`/`minor()` do.
pub(crate) fn device_numbers(rdev: u64) -> (u64, u64) {
    let major = ((rdev >> 8) & 0xfff) | ((rdev >> 32) & 0xffff_f000);
    let minor = (rdev & 0xff) | ((rdev >> 12) & 0xffff_ff00);
    (major, minor)
}

/// An entry source walked one step at a time ([`DirSource`](super::DirSource)'s,
/// [`OverlaySource`](super::OverlaySource)'s and [`ChangesSource`](super::ChangesSource)'s
/// entries); as an iterator ([`next_step`]) it stops after the first error.
pub(crate) trait Steps {
    /// The next entry, `None` at the end.
    fn step(&mut self) -> Result<Option<Entry>, LayerError>;
    /// Whether the iteration ended (set by [`next_step`]).
    fn done(&mut self) -> &mut bool;
}

/// `Iterator::next` of a [`Steps`] source: its steps until the end or the first error.
pub(crate) fn next_step(source: &mut impl Steps) -> Option<Result<Entry, LayerError>> {
    if *source.done() {
        return None;
    }
    let step = source.step();
    if !matches!(step, Ok(Some(_))) {
        *source.done() = true;
    }
    step.transpose()
}

/// Remembers the first layer path of every multiply-linked file, so later links to the same
/// (device, inode) become tar link entries.
#[derive(Debug, Default)]
pub(crate) struct HardLinks {
    first: HashMap<(u64, u64), Vec<u8>>,
}

impl HardLinks {
    /// Turns `entry` into a link to the first path seen for the same file, or records it as
    /// that first path. Everything but directories with more than one link takes part:
    /// regular files, and also symlinks, fifos and devices (`ln` of a symlink makes a second
    /// name of the symlink itself), as Docker's and BuildKit's tar writers do.
    pub(crate) fn resolve(&mut self, entry: &mut Entry, meta: &Metadata) {
        if meta.nlink() < 2 || matches!(entry.kind, EntryKind::Dir | EntryKind::HardLink { .. }) {
            return;
        }
        match self.first.get(&(meta.dev(), meta.ino())) {
            Some(target) => {
                entry.kind = EntryKind::HardLink {
                    target: target.clone(),
                }
            }
            None => {
                self.first
                    .insert((meta.dev(), meta.ino()), entry.path.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_numbers_split_like_glibc() {
        // makedev(8, 1) and makedev(259, 1048575)
        assert_eq!(device_numbers(0x801), (8, 1));
        let (major, minor) = (0x1_0103u64, 1_048_575u64);
        let dev =
            (major & 0xfff) << 8 | (major & !0xfff) << 32 | (minor & 0xff) | (minor & !0xff) << 12;
        assert_eq!(device_numbers(dev), (major, minor));
    }

    #[test]
    fn overlay_and_selinux_xattrs_are_dropped() {
        assert!(keep_xattr(b"security.capability"));
        assert!(!keep_xattr(b"user.foo"));
        assert!(!keep_xattr(b"trusted.overlay.opaque"));
        assert!(!keep_xattr(b"user.overlay.opaque"));
        assert!(!keep_xattr(b"security.selinux"));
    }
}
