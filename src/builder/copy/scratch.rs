//! Fresh names in the caller's scratch directory (downloads, extracted archives).

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// A new, empty file `<prefix>-<n>` in `scratch`.
pub fn new_file(scratch: &Path, prefix: &str) -> io::Result<(File, PathBuf)> {
    for n in 0u32.. {
        let path = scratch.join(format!("{prefix}-{n}"));
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => return Ok((file, path)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("no free name in the scratch directory"))
}

/// A new, empty directory `<prefix>-<n>` in `scratch`.
pub fn new_dir(scratch: &Path, prefix: &str) -> io::Result<PathBuf> {
    for n in 0u32.. {
        let path = scratch.join(format!("{prefix}-{n}"));
        match std::fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("no free name in the scratch directory"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_do_not_collide() {
        let dir = tempfile::tempdir().unwrap();
        let (_, a) = new_file(dir.path(), "x").unwrap();
        let (_, b) = new_file(dir.path(), "x").unwrap();
        let c = new_dir(dir.path(), "x").unwrap();
        assert!(a != b && b != c && a != c);
    }
}
