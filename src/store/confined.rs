//! File-system operations confined to one directory tree, for unpacking untrusted layers.
//!
//! Paths from a tar are normalized to components (no `..`, leading `/` dropped) and walked one
//! component at a time from a directory file descriptor with `O_NOFOLLOW | O_DIRECTORY`: a parent
//! that is a symlink (or anything but a real directory) stops the walk, so no write ever goes
//! through a symlink, whatever the layer's earlier entries created.

use std::ffi::{OsStr, OsString};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Mode, OFlags, mkdirat, openat, statat};
use rustix::io::Errno;

/// Why a path from a layer cannot be used.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// The path itself is unsafe (`..`); the message says why.
    Unsafe(String),
    /// A system call failed.
    Os(std::io::Error),
}

impl From<Errno> for Refusal {
    fn from(e: Errno) -> Self {
        Self::Os(e.into())
    }
}

/// Splits a tar path into components: empty and `.` components dropped, a leading `/` ignored
/// (the path is taken relative to the layer root), `..` refused.
pub(crate) fn normalize(raw: &[u8]) -> Result<Vec<OsString>, Refusal> {
    let mut out = Vec::new();
    for comp in raw.split(|&b| b == b'/') {
        match comp {
            b"" | b"." => {}
            b".." => {
                return Err(Refusal::Unsafe(
                    "`..` components may not leave or walk the layer".into(),
                ));
            }
            c => out.push(OsString::from_vec(c.to_vec())),
        }
    }
    Ok(out)
}

/// `comps` joined under `root` (for messages and the few path-based calls on already-walked
/// parents).
pub(crate) fn join(root: &Path, comps: &[OsString]) -> PathBuf {
    comps.iter().fold(root.to_path_buf(), |p, c| p.join(c))
}

/// Opens the directory `comps` below `root` without following any symlink; with `create`,
/// missing directories are made (mode 0755).
pub(crate) fn open_dir(
    root: &OwnedFd,
    comps: &[OsString],
    create: bool,
) -> Result<OwnedFd, Refusal> {
    let mut cur = openat(root, ".", dir_flags(), Mode::empty())?;
    for (i, comp) in comps.iter().enumerate() {
        let next = match openat(&cur, comp.as_os_str(), dir_flags(), Mode::empty()) {
            Err(Errno::NOENT) if create => {
                match mkdirat(&cur, comp.as_os_str(), Mode::from_raw_mode(0o755)) {
                    Ok(()) | Err(Errno::EXIST) => {}
                    Err(e) => return Err(e.into()),
                }
                openat(&cur, comp.as_os_str(), dir_flags(), Mode::empty())
            }
            other => other,
        };
        cur = match next {
            Ok(fd) => fd,
            Err(Errno::LOOP | Errno::NOTDIR) => {
                let what = match kind(&cur, comp) {
                    Ok(Some(FileType::Symlink)) => "a symlink",
                    _ => "not a directory",
                };
                let prefix = comps[..=i]
                    .iter()
                    .map(|c| c.to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                return Err(Refusal::Unsafe(format!(
                    "its parent `{prefix}` is {what}; writing through it is not allowed"
                )));
            }
            Err(e) => return Err(e.into()),
        };
    }
    Ok(cur)
}

/// The type of `name` in `dir` without following a symlink; `None` when absent.
pub(crate) fn kind(dir: &OwnedFd, name: &OsStr) -> Result<Option<FileType>, Errno> {
    match statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(st) => Ok(Some(FileType::from_raw_mode(st.st_mode))),
        Err(Errno::NOENT) => Ok(None),
        Err(e) => Err(e),
    }
}

fn dir_flags() -> OFlags {
    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC
}

/// The components as a display string.
pub(crate) fn display(comps: &[OsString]) -> String {
    let bytes: Vec<&[u8]> = comps.iter().map(|c| c.as_bytes()).collect();
    String::from_utf8_lossy(&bytes.join(&b'/')).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_drops_dots_and_root_and_refuses_dotdot() {
        let n = |s: &str| normalize(s.as_bytes()).map(|v| display(&v));
        assert_eq!(n("./a//b/./c/").unwrap(), "a/b/c");
        assert_eq!(n("/etc/passwd").unwrap(), "etc/passwd");
        assert_eq!(n("./").unwrap(), "");
        assert!(matches!(n("a/../../x"), Err(Refusal::Unsafe(_))));
        assert!(matches!(n(".."), Err(Refusal::Unsafe(_))));
    }

    #[test]
    fn open_dir_never_follows_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).unwrap();
        let root = openat(rustix::fs::CWD, dir.path(), dir_flags(), Mode::empty()).unwrap();
        let comps = normalize(b"link/sub").unwrap();
        let err = open_dir(&root, &comps, true).unwrap_err();
        assert!(matches!(err, Refusal::Unsafe(ref m) if m.contains("`link` is a symlink")));
        assert!(std::fs::read_dir(outside.path()).unwrap().next().is_none());
        open_dir(&root, &normalize(b"a/b").unwrap(), true).unwrap();
        assert!(dir.path().join("a/b").is_dir());
    }
}
