//! One layer's tar stream written into an empty directory in overlayfs "diff" format.
//!
//! * in [`SnapshotFormat::Overlay`], `.wh.<name>` becomes a 0:0 character device `<name>`;
//!   `.wh..wh..opq` becomes the xattr `trusted.overlay.opaque=y` on its directory (both need
//!   root with CAP_MKNOD and CAP_SYS_ADMIN, and a filesystem that is not itself an overlay);
//! * in [`SnapshotFormat::Files`], both stay as the layer has them: empty regular files
//!   `.wh.<name>` and `.wh..wh..opq` (what an unprivileged container can write);
//! * modes, owners (as root), mtimes, symlinks, hard links within the layer, fifos and device nodes
//!   (as root) and `SCHILY.xattr.*` extended attributes are kept;
//! * every path goes through the private `confined` module: `..` is refused, absolute paths are
//!   taken inside the layer, parents that are symlinks are refused, files are created with
//!   `O_NOFOLLOW | O_EXCL`, hard links must name an earlier entry of this layer.
//!
//! Directory modes and mtimes are applied at the end, deepest first, so that writing children
//! neither changes a recorded mtime nor trips over a read-only directory.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use rustix::fs::{
    AtFlags, FileType, Gid, Mode, OFlags, Timespec, Timestamps, Uid, XattrFlags, chmodat, chownat,
    fchmod, fchown, fsetxattr, futimens, linkat, lsetxattr, makedev, mkdirat, mknodat, openat,
    symlinkat, unlinkat, utimensat,
};
use rustix::io::Errno;
use tar::EntryType;

use super::confined::{self, Refusal, join, kind, normalize, open_dir};
use super::error::{Result, StoreError};
use super::snapshots::SnapshotFormat;

/// The xattr overlayfs reads to make a directory hide the layers below it.
pub const OPAQUE_XATTR: &str = "trusted.overlay.opaque";
const WHITEOUT_PREFIX: &[u8] = b".wh.";
const OPAQUE_MARKER: &[u8] = b".wh..wh..opq";

/// Unpacks the tar stream `tar` into the existing, empty directory `dest`, whiteouts as
/// `format` writes them.
pub(crate) fn unpack_tar(dest: &Path, tar: impl Read, format: SnapshotFormat) -> Result<()> {
    let root = rustix::fs::open(
        dest,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| StoreError::Io {
        path: dest.to_path_buf(),
        source: e.into(),
    })?;
    let mut unpacker = Unpacker {
        root,
        dest,
        is_root: rustix::process::geteuid().is_root(),
        format,
        dirs: Vec::new(),
        buf: vec![0; COPY_BUFFER],
    };
    let mut archive = tar::Archive::new(tar);
    let entries = archive.entries().map_err(|e| tar_error(None, e))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| tar_error(None, e))?;
        unpacker.entry(&mut entry)?;
    }
    unpacker.finish_dirs()
}

/// Size of [`Unpacker`]'s copy buffer.
const COPY_BUFFER: usize = 256 * 1024;

/// Copies `from` to its end into `to` through `buf`.
fn copy_with(mut from: impl Read, to: &mut File, buf: &mut [u8]) -> io::Result<()> {
    use std::io::Write as _;
    loop {
        let n = match from.read(buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        to.write_all(&buf[..n])?;
    }
}

/// Metadata of one entry, PAX extensions applied.
struct Meta {
    mode: u32,
    uid: u32,
    gid: u32,
    mtime: Timespec,
    xattrs: Vec<(OsString, Vec<u8>)>,
}

struct Unpacker<'a> {
    root: OwnedFd,
    dest: &'a Path,
    is_root: bool,
    format: SnapshotFormat,
    /// Directories whose mode and mtime are applied at the end.
    dirs: Vec<(Vec<OsString>, Meta)>,
    /// File contents pass through this: big reads and writes, not `io::copy`'s 8 KiB ones
    /// (through the decompressor and the diff_id hash too).
    buf: Vec<u8>,
}

impl Unpacker<'_> {
    fn entry<R: Read>(&mut self, entry: &mut tar::Entry<'_, R>) -> Result<()> {
        let raw = entry.path_bytes().into_owned();
        let name = String::from_utf8_lossy(&raw).into_owned();
        let kind = entry.header().entry_type();
        if kind.is_pax_global_extensions()
            || kind.is_pax_local_extensions()
            || kind.is_gnu_longname()
            || kind.is_gnu_longlink()
        {
            return Ok(());
        }
        let comps = normalize(&raw).map_err(|r| refused(&name, r))?;
        let meta = read_meta(entry).map_err(|e| tar_error(Some(&name), e))?;
        let Some((last, parents)) = comps.split_last() else {
            if kind.is_dir() {
                self.dirs.push((Vec::new(), meta));
                return Ok(());
            }
            return Err(unsafe_entry(&name, "it names the layer root"));
        };
        let parent = open_dir(&self.root, parents, true).map_err(|r| refused(&name, r))?;

        if self.format == SnapshotFormat::Files && last.as_bytes().starts_with(WHITEOUT_PREFIX) {
            return self.marker_file(&parent, parents, last, &name);
        }
        if last.as_bytes() == OPAQUE_MARKER {
            return fsetxattr(&parent, OPAQUE_XATTR, b"y", XattrFlags::empty())
                .map_err(|e| privileged(&name, "an opaque directory", e));
        }
        if let Some(hidden) = last.as_bytes().strip_prefix(WHITEOUT_PREFIX) {
            if matches!(hidden, b"" | b"." | b"..") {
                return Err(unsafe_entry(&name, "a whiteout must name a file"));
            }
            let hidden = OsStr::from_bytes(hidden);
            self.clear(&parent, parents, hidden, false, &name)?;
            return mknodat(
                &parent,
                hidden,
                FileType::CharacterDevice,
                Mode::empty(),
                makedev(0, 0),
            )
            .map_err(|e| privileged(&name, "a whiteout (0:0 character device)", e));
        }

        self.clear(&parent, parents, last, kind.is_dir(), &name)?;
        let io = |e: io::Error| StoreError::Entry {
            entry: name.clone(),
            source: e,
        };
        match kind {
            EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => {
                let fd = openat(
                    &parent,
                    last.as_os_str(),
                    OFlags::WRONLY
                        | OFlags::CREATE
                        | OFlags::EXCL
                        | OFlags::NOFOLLOW
                        | OFlags::CLOEXEC,
                    Mode::from_raw_mode(0o600),
                )
                .map_err(|e| io(e.into()))?;
                let mut file = File::from(fd);
                copy_with(entry, &mut file, &mut self.buf).map_err(io)?;
                self.set_owner_fd(&file, &meta).map_err(io)?;
                fchmod(&file, Mode::from_raw_mode(meta.mode)).map_err(|e| io(e.into()))?;
                self.set_xattrs(&join(self.dest, &comps), &meta, &name)?;
                futimens(&file, &times(&meta)).map_err(|e| io(e.into()))?;
            }
            EntryType::Directory => {
                match mkdirat(&parent, last.as_os_str(), Mode::from_raw_mode(0o700)) {
                    Ok(()) | Err(Errno::EXIST) => {}
                    Err(e) => return Err(io(e.into())),
                }
                self.set_owner_at(&parent, last, &meta).map_err(io)?;
                self.set_xattrs(&join(self.dest, &comps), &meta, &name)?;
                self.dirs.push((comps.clone(), meta));
            }
            EntryType::Symlink => {
                let target = entry
                    .link_name_bytes()
                    .ok_or_else(|| unsafe_entry(&name, "a symlink without a target"))?
                    .into_owned();
                symlinkat(OsStr::from_bytes(&target), &parent, last.as_os_str())
                    .map_err(|e| io(e.into()))?;
                self.set_owner_at(&parent, last, &meta).map_err(io)?;
                self.set_xattrs(&join(self.dest, &comps), &meta, &name)?;
                set_times_nofollow(&parent, last, &meta).map_err(io)?;
            }
            EntryType::Link => {
                let target = entry
                    .link_name_bytes()
                    .ok_or_else(|| unsafe_entry(&name, "a hard link without a target"))?
                    .into_owned();
                self.hard_link(&target, &parent, last, &name)?;
            }
            EntryType::Char | EntryType::Block | EntryType::Fifo => {
                let (file_type, what) = match kind {
                    EntryType::Char => (FileType::CharacterDevice, "a character device"),
                    EntryType::Block => (FileType::BlockDevice, "a block device"),
                    _ => (FileType::Fifo, "a fifo"),
                };
                let header = entry.header();
                let major = header.device_major().ok().flatten().unwrap_or(0);
                let minor = header.device_minor().ok().flatten().unwrap_or(0);
                mknodat(
                    &parent,
                    last.as_os_str(),
                    file_type,
                    Mode::from_raw_mode(0o600),
                    makedev(major, minor),
                )
                .map_err(|e| privileged(&name, what, e))?;
                self.set_owner_at(&parent, last, &meta).map_err(io)?;
                chmodat(
                    &parent,
                    last.as_os_str(),
                    Mode::from_raw_mode(meta.mode),
                    AtFlags::empty(),
                )
                .map_err(|e| io(e.into()))?;
                self.set_xattrs(&join(self.dest, &comps), &meta, &name)?;
                set_times_nofollow(&parent, last, &meta).map_err(io)?;
            }
            other => {
                return Err(unsafe_entry(
                    &name,
                    &format!("unsupported tar entry type {:?}", other.as_byte() as char),
                ));
            }
        }
        Ok(())
    }

    /// Makes room for a new entry `name` in `parent`: an existing directory stays when the new
    /// entry is a directory too (tar semantics: later entries update it), anything else goes.
    fn clear(
        &self,
        parent: &OwnedFd,
        parents: &[OsString],
        name: &OsStr,
        new_is_dir: bool,
        entry: &str,
    ) -> Result<()> {
        let io = |e: io::Error| StoreError::Entry {
            entry: entry.to_string(),
            source: e,
        };
        match kind(parent, name).map_err(|e| io(e.into()))? {
            None => Ok(()),
            Some(FileType::Directory) if new_is_dir => Ok(()),
            Some(FileType::Directory) => {
                // The parents were just walked without following symlinks, and remove_dir_all
                // never follows one inside.
                let mut path = join(self.dest, parents);
                path.push(name);
                std::fs::remove_dir_all(&path).map_err(io)
            }
            Some(_) => unlinkat(parent, name, AtFlags::empty()).map_err(|e| io(e.into())),
        }
    }

    /// A whiteout or opaque marker kept as the layer has it: an empty file, owner-only.
    fn marker_file(
        &self,
        parent: &OwnedFd,
        parents: &[OsString],
        last: &OsStr,
        name: &str,
    ) -> Result<()> {
        let hidden = &last.as_bytes()[WHITEOUT_PREFIX.len()..];
        if matches!(hidden, b"" | b"." | b"..") {
            return Err(unsafe_entry(name, "a whiteout must name a file"));
        }
        if last.as_bytes() != OPAQUE_MARKER {
            self.clear(parent, parents, OsStr::from_bytes(hidden), false, name)?;
        }
        self.clear(parent, parents, last, false, name)?;
        openat(
            parent,
            last,
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )
        .map(drop)
        .map_err(|e| StoreError::Entry {
            entry: name.to_string(),
            source: e.into(),
        })
    }

    /// A hard link to an earlier entry of this layer, never through a symlink.
    fn hard_link(&self, target: &[u8], parent: &OwnedFd, last: &OsStr, name: &str) -> Result<()> {
        let comps = normalize(target).map_err(|r| refused(name, r))?;
        let Some((target_last, target_parents)) = comps.split_last() else {
            return Err(unsafe_entry(name, "a hard link to the layer root"));
        };
        let outside = || {
            unsafe_entry(
                name,
                &format!(
                    "its hard link target `{}` is not an earlier entry of this layer",
                    confined::display(&comps)
                ),
            )
        };
        let target_dir = match open_dir(&self.root, target_parents, false) {
            Ok(fd) => fd,
            Err(Refusal::Os(e)) if e.kind() == io::ErrorKind::NotFound => return Err(outside()),
            Err(r) => return Err(refused(name, r)),
        };
        // No AT_SYMLINK_FOLLOW: a link to a symlink links the symlink itself.
        match linkat(
            &target_dir,
            target_last.as_os_str(),
            parent,
            last,
            AtFlags::empty(),
        ) {
            Ok(()) => Ok(()),
            Err(Errno::NOENT) => Err(outside()),
            Err(e) => Err(StoreError::Entry {
                entry: name.to_string(),
                source: e.into(),
            }),
        }
    }

    fn set_owner_fd(&self, file: &File, meta: &Meta) -> io::Result<()> {
        if self.is_root {
            fchown(file, Some(uid(meta)), Some(gid(meta)))?;
        }
        Ok(())
    }

    fn set_owner_at(&self, parent: &OwnedFd, name: &OsStr, meta: &Meta) -> io::Result<()> {
        if self.is_root {
            chownat(
                parent,
                name,
                Some(uid(meta)),
                Some(gid(meta)),
                AtFlags::SYMLINK_NOFOLLOW,
            )?;
        }
        Ok(())
    }

    /// Sets the entry's xattrs on `path`, whose parents were walked without following symlinks.
    /// Not as root, the privileged namespaces (`trusted.`, `security.`) are skipped.
    fn set_xattrs(&self, path: &Path, meta: &Meta, entry: &str) -> Result<()> {
        for (key, value) in &meta.xattrs {
            let privileged_ns =
                key.as_bytes().starts_with(b"trusted.") || key.as_bytes().starts_with(b"security.");
            if !self.is_root && privileged_ns {
                continue;
            }
            lsetxattr(path, key.as_os_str(), value, XattrFlags::empty()).map_err(|e| {
                StoreError::Entry {
                    entry: entry.to_string(),
                    source: io::Error::new(
                        io::Error::from(e).kind(),
                        format!("setting xattr `{}`: {e}", key.to_string_lossy()),
                    ),
                }
            })?;
        }
        Ok(())
    }

    /// Applies directory modes and mtimes, deepest first. A directory a later entry replaced by
    /// something else is skipped (the walk refuses to follow a symlink there).
    fn finish_dirs(&mut self) -> Result<()> {
        let mut dirs = std::mem::take(&mut self.dirs);
        // Later records of the same directory win; sort keeps their order (stable) and deepest first.
        dirs.sort_by_key(|d| std::cmp::Reverse(d.0.len()));
        for (comps, meta) in dirs {
            let Ok(fd) = open_dir(&self.root, &comps, false) else {
                continue;
            };
            let path = join(self.dest, &comps);
            let io = |e: Errno| StoreError::Io {
                path: path.clone(),
                source: e.into(),
            };
            if comps.is_empty() {
                fchown(
                    &fd,
                    self.is_root.then(|| uid(&meta)),
                    self.is_root.then(|| gid(&meta)),
                )
                .map_err(io)?;
            }
            fchmod(&fd, Mode::from_raw_mode(meta.mode)).map_err(io)?;
            futimens(&fd, &times(&meta)).map_err(io)?;
        }
        Ok(())
    }
}

fn read_meta<R: Read>(entry: &mut tar::Entry<'_, R>) -> io::Result<Meta> {
    let header = entry.header();
    let mut meta = Meta {
        mode: header.mode()? & 0o7777,
        uid: u32::try_from(header.uid()?).unwrap_or(u32::MAX),
        gid: u32::try_from(header.gid()?).unwrap_or(u32::MAX),
        mtime: Timespec {
            tv_sec: i64::try_from(header.mtime()?).unwrap_or(i64::MAX),
            tv_nsec: 0,
        },
        xattrs: Vec::new(),
    };
    if let Some(pax) = entry.pax_extensions()? {
        for ext in pax {
            let ext = ext?;
            let key = ext.key_bytes();
            let value = ext.value_bytes();
            if let Some(xattr) = key.strip_prefix(b"SCHILY.xattr.") {
                meta.xattrs
                    .push((OsStr::from_bytes(xattr).to_os_string(), value.to_vec()));
            } else if key == b"uid" {
                meta.uid = parse_num(value).unwrap_or(meta.uid);
            } else if key == b"gid" {
                meta.gid = parse_num(value).unwrap_or(meta.gid);
            } else if key == b"mtime" {
                meta.mtime = parse_time(value).unwrap_or(meta.mtime);
            }
        }
    }
    Ok(meta)
}

fn parse_num(value: &[u8]) -> Option<u32> {
    std::str::from_utf8(value).ok()?.trim().parse().ok()
}

/// A PAX time, `<secs>[.<fraction>]`.
fn parse_time(value: &[u8]) -> Option<Timespec> {
    let s = std::str::from_utf8(value).ok()?.trim();
    let (secs, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits: String = frac.chars().take(9).collect();
    let nanos = if digits.is_empty() {
        0
    } else {
        format!("{digits:0<9}").parse().ok()?
    };
    Some(Timespec {
        tv_sec: secs.parse().ok()?,
        tv_nsec: nanos,
    })
}

/// Sets an entry's times without following it (symlinks, devices, fifos).
fn set_times_nofollow(parent: &OwnedFd, name: &OsStr, meta: &Meta) -> io::Result<()> {
    utimensat(parent, name, &times(meta), AtFlags::SYMLINK_NOFOLLOW).map_err(io::Error::from)
}

fn times(meta: &Meta) -> Timestamps {
    Timestamps {
        last_access: meta.mtime,
        last_modification: meta.mtime,
    }
}

fn uid(meta: &Meta) -> Uid {
    Uid::from_raw(meta.uid)
}

fn gid(meta: &Meta) -> Gid {
    Gid::from_raw(meta.gid)
}

fn tar_error(entry: Option<&str>, source: io::Error) -> StoreError {
    StoreError::Tar {
        entry: entry.map(str::to_string),
        source,
    }
}

fn unsafe_entry(entry: &str, reason: &str) -> StoreError {
    StoreError::UnsafeEntry {
        entry: entry.to_string(),
        reason: reason.to_string(),
    }
}

fn refused(entry: &str, refusal: Refusal) -> StoreError {
    match refusal {
        Refusal::Unsafe(reason) => StoreError::UnsafeEntry {
            entry: entry.to_string(),
            reason,
        },
        Refusal::Os(source) => StoreError::Entry {
            entry: entry.to_string(),
            source,
        },
    }
}

fn privileged(entry: &str, what: &'static str, e: Errno) -> StoreError {
    if matches!(e, Errno::PERM | Errno::ACCESS) {
        StoreError::NeedsPrivilege {
            entry: entry.to_string(),
            what,
            source: e.into(),
        }
    } else {
        StoreError::Entry {
            entry: entry.to_string(),
            source: e.into(),
        }
    }
}
