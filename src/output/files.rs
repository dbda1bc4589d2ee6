//! File helpers of the exporters: temp names beside the target, atomic small writes, and blob
//! copies that check size and digest while they stream.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest as _, Sha256};

use super::error::{IoContext, OutputError, Result};
use crate::digest::Digest;
use crate::store::Store;

/// A fresh temp path in `target`'s directory (so that a rename replaces `target` atomically):
/// `.<name>.rbuild-<pid>-<n>.tmp`.
pub(crate) fn temp_beside(target: &Path) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut name = OsString::from(".");
    name.push(target.file_name().unwrap_or_default());
    name.push(format!(".rbuild-{}-{n}.tmp", std::process::id()));
    target.with_file_name(name)
}

/// The directory holding `path` (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Fsyncs a directory so that renames into it survive a crash.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir).and_then(|d| d.sync_all()).at(dir)
}

/// A temp file that is removed unless [`TempFile::persist`] renames it into place.
pub(crate) struct TempFile {
    path: PathBuf,
    file: Option<File>,
}

impl TempFile {
    /// Creates a temp file beside `target`.
    pub(crate) fn beside(target: &Path) -> Result<Self> {
        let path = temp_beside(target);
        let file = File::create_new(&path).at(&path)?;
        Ok(Self {
            path,
            file: Some(file),
        })
    }

    /// The temp file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The open file.
    pub(crate) fn file(&mut self) -> Result<&mut File> {
        self.file.as_mut().ok_or_else(|| OutputError::Io {
            path: self.path.clone(),
            source: io::Error::other("temp file already closed"),
        })
    }

    /// Fsyncs the file, renames it to `target` and fsyncs `target`'s directory.
    pub(crate) fn persist(mut self, target: &Path) -> Result<()> {
        if let Some(file) = self.file.take() {
            file.sync_all().at(&self.path)?;
        }
        fs::rename(&self.path, target).at(target)?;
        sync_dir(parent_dir(target))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.file.is_some() {
            // Not persisted: an error path. Nothing better to do with a failure here.
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Writes `bytes` to `target` through a temp file and a rename.
pub(crate) fn write_atomic(target: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = TempFile::beside(target)?;
    let path = tmp.path().to_path_buf();
    tmp.file()?.write_all(bytes).at(path)?;
    tmp.persist(target)
}

/// A reader that hashes and counts what passes through it.
pub(crate) struct HashingReader<R> {
    inner: R,
    sha: Sha256,
    len: u64,
}

impl<R: Read> HashingReader<R> {
    /// Wraps `inner`.
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            sha: Sha256::new(),
            len: 0,
        }
    }

    /// The digest and length of everything read.
    pub(crate) fn finish(self) -> (Digest, u64) {
        (Digest::from_sha256(self.sha.finalize().into()), self.len)
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.sha.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }
}

/// A store blob opened for export: its size checked against the descriptor's.
pub(crate) struct StoreBlob {
    /// The blob file in the store.
    pub(crate) path: PathBuf,
    /// The open file, limited to the announced size.
    pub(crate) reader: HashingReader<io::Take<File>>,
    digest: Digest,
    size: u64,
}

impl StoreBlob {
    /// Opens the blob `digest` of `size` bytes.
    pub(crate) fn open(store: &Store, digest: &Digest, size: u64) -> Result<Self> {
        let path = store.blobs().path(digest);
        let file = store.blobs().open(digest)?;
        let actual = file.metadata().at(&path)?.len();
        if actual != size {
            return Err(OutputError::SizeMismatch {
                path,
                digest: digest.clone(),
                expected: size,
                actual,
            });
        }
        Ok(Self {
            path,
            reader: HashingReader::new(file.take(size)),
            digest: digest.clone(),
            size,
        })
    }

    /// Checks that exactly the announced bytes, with the announced digest, were read.
    pub(crate) fn verify(self) -> Result<()> {
        let (actual, len) = self.reader.finish();
        if len != self.size {
            return Err(OutputError::SizeMismatch {
                path: self.path,
                digest: self.digest,
                expected: self.size,
                actual: len,
            });
        }
        if actual != self.digest {
            return Err(OutputError::DigestMismatch {
                path: self.path,
                expected: self.digest,
                actual,
            });
        }
        Ok(())
    }
}
