//! Writing blobs: a [`BlobWriter`] hashes while it writes, and `commit` fsyncs, verifies the
//! digest and renames the file into `blobs/` — the only way a blob appears in the store.
//!
//! With an expected digest the bytes go to `ingest/<hex>.partial`, locked (`flock`) by the writer,
//! so an interrupted download can resume where it stopped ([`BlobWriter::resume_offset`]); the
//! prefix already there is re-hashed, never trusted. A second concurrent writer of the same digest
//! finds the lock taken and writes to a private temp file instead; both commits succeed (the
//! rename of identical content is harmless). Without an expected digest the bytes go to a temp file.

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use rustix::fs::{FlockOperation, flock};

use super::error::{IoContext, Result, StoreError};
use super::layout::{Layout, sync_dir};
use crate::digest::{Digest, DigestWriter};

/// A blob being written. Dropping it uncommitted stores nothing (a partial download may stay
/// under `ingest/` for a later resume).
pub struct BlobWriter {
    layout: Layout,
    expected: Option<Digest>,
    file: File,
    path: PathBuf,
    /// Whether `path` is a resumable partial (kept on drop) or a private temp (removed on drop).
    resumable: bool,
    hasher: DigestWriter<io::Sink>,
    resumed: u64,
    done: bool,
}

impl BlobWriter {
    pub(crate) fn new(layout: &Layout, expected: Option<&Digest>) -> Result<Self> {
        if let Some(digest) = expected
            && let Some((file, path)) = open_partial(layout, digest)?
        {
            return Self::resume(layout, digest, file, path);
        }
        let path = layout.temp_path("blob");
        let file = File::create_new(&path).at(&path)?;
        Ok(Self {
            layout: layout.clone(),
            expected: expected.cloned(),
            file,
            path,
            resumable: false,
            hasher: DigestWriter::new(io::sink()),
            resumed: 0,
            done: false,
        })
    }

    /// Re-hashes the bytes already in the partial file and positions the writer after them.
    fn resume(layout: &Layout, digest: &Digest, mut file: File, path: PathBuf) -> Result<Self> {
        let mut hasher = DigestWriter::new(io::sink());
        file.seek(SeekFrom::Start(0)).at(&path)?;
        io::copy(&mut file, &mut hasher).at(&path)?;
        let resumed = hasher.len();
        file.seek(SeekFrom::Start(resumed)).at(&path)?;
        Ok(Self {
            layout: layout.clone(),
            expected: Some(digest.clone()),
            file,
            path,
            resumable: true,
            hasher,
            resumed,
            done: false,
        })
    }

    /// Bytes already present from an earlier, interrupted write of the same expected digest:
    /// continue the download from this offset (an HTTP `Range: bytes=<offset>-` request).
    pub fn resume_offset(&self) -> u64 {
        self.resumed
    }

    /// Bytes written so far, resumed ones included.
    pub fn len(&self) -> u64 {
        self.hasher.len()
    }

    /// Whether nothing was written yet.
    pub fn is_empty(&self) -> bool {
        self.hasher.is_empty()
    }

    /// Throws away the resumed prefix and starts over (e.g. when the server ignores `Range`).
    pub fn restart(&mut self) -> Result<()> {
        self.file.set_len(0).at(&self.path)?;
        self.file.seek(SeekFrom::Start(0)).at(&self.path)?;
        self.hasher = DigestWriter::new(io::sink());
        self.resumed = 0;
        Ok(())
    }

    /// Fsyncs the bytes, checks them against the expected digest and moves them into `blobs/`.
    /// On a mismatch nothing is stored, the partial file is removed, and the error is
    /// [`StoreError::DigestMismatch`].
    pub fn commit(mut self) -> Result<(Digest, u64)> {
        self.done = true;
        let result = self.finish();
        if result.is_err() {
            let _ = std::fs::remove_file(&self.path);
        }
        result
    }

    fn finish(&mut self) -> Result<(Digest, u64)> {
        self.file.flush().at(&self.path)?;
        if self.layout.durable {
            self.file.sync_all().at(&self.path)?;
        }
        let hasher = std::mem::replace(&mut self.hasher, DigestWriter::new(io::sink()));
        let (_, actual, size) = hasher.finish();
        if let Some(expected) = &self.expected
            && *expected != actual
        {
            return Err(StoreError::DigestMismatch {
                expected: expected.clone(),
                actual,
            });
        }
        let target = self.layout.blob(&actual);
        std::fs::rename(&self.path, &target).at(&target)?;
        if self.layout.durable {
            sync_dir(&self.layout.blob_dir())?;
        }
        Ok((actual, size))
    }
}

impl Write for BlobWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hasher.write_all(&buf[..n])?;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

/// Where a download's bytes go: the store's [`BlobWriter`], or a stream that unpacks them as they
/// arrive. Backends that resume or retry a download ask it how much it holds and may start over.
pub trait BlobSink: Write + Send {
    /// Bytes received so far (a resumed prefix included).
    fn len(&self) -> u64;

    /// Whether nothing was received yet.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes already present before this download began: continue from this offset.
    fn resume_offset(&self) -> u64;

    /// Throws away what was received and starts over; a sink whose bytes already went on
    /// (a stream) refuses with [`StoreError::StreamRestart`].
    fn restart(&mut self) -> Result<()>;
}

impl BlobSink for BlobWriter {
    fn len(&self) -> u64 {
        BlobWriter::len(self)
    }

    fn resume_offset(&self) -> u64 {
        BlobWriter::resume_offset(self)
    }

    fn restart(&mut self) -> Result<()> {
        BlobWriter::restart(self)
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        if !self.done && !self.resumable {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Opens and locks `ingest/<hex>.partial`; `None` when another writer holds it.
fn open_partial(layout: &Layout, digest: &Digest) -> Result<Option<(File, PathBuf)>> {
    let path = layout.partial(digest);
    // The lock-file dance: after locking, the path must still name the locked file, else a
    // writer that held the lock meanwhile committed (renamed) it and we would append to a blob.
    for _ in 0..8 {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .at(&path)?;
        match flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(rustix::io::Errno::WOULDBLOCK) => return Ok(None),
            Err(e) => return Err(e).at(&path),
        }
        if same_file(&file, &path)? {
            return Ok(Some((file, path)));
        }
    }
    Ok(None)
}

fn same_file(file: &File, path: &Path) -> Result<bool> {
    let open = file.metadata().at(path)?;
    match std::fs::symlink_metadata(path) {
        Ok(now) => Ok(now.ino() == open.ino() && now.dev() == open.dev()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e).at(path),
    }
}
