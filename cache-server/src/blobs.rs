//! Content-addressed blob storage: the [`BlobStore`] trait and its embedded implementation
//! [`LocalBlobStore`], which keeps every blob once under `<data>/blobs/sha256/<hex>`.
//!
//! A put streams the body into `<data>/blobs/tmp/`, hashing it as it goes; only when the sha256
//! matches the expected digest is the file fsynced and renamed into place, so a reader never sees
//! a partial or wrong blob and a crash leaves at most a stray temp file.

use std::future::Future;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

/// Errors of blob storage.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// The digest string is not `sha256:<64 lowercase hex>`.
    #[error("invalid digest {0:?}: expected sha256:<64 hex digits>")]
    InvalidDigest(String),
    /// The uploaded content does not hash to the digest the client announced.
    #[error("digest mismatch: expected {expected}, content is {actual}")]
    DigestMismatch {
        /// The digest the client announced.
        expected: Digest,
        /// The digest of what was received.
        actual: Digest,
    },
    /// No blob with this digest is stored.
    #[error("blob {0} not found")]
    NotFound(Digest),
    /// The requested byte range lies outside the blob.
    #[error("range {start}..{end} not satisfiable for a blob of {size} bytes")]
    RangeNotSatisfiable {
        /// First byte requested.
        start: u64,
        /// One past the last byte requested.
        end: u64,
        /// Size of the blob.
        size: u64,
    },
    /// A filesystem operation failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A request to the S3 backend failed (see `crate::s3`).
    #[error("S3 {op} s3://{bucket}/{key} at {endpoint}: {message}")]
    S3 {
        /// The S3 operation (`PutObject`, `HeadBucket`, ...).
        op: &'static str,
        /// The endpoint the request went to (`AWS default` when none is configured).
        endpoint: String,
        /// The bucket.
        bucket: String,
        /// The object key or key prefix.
        key: String,
        /// What went wrong, with its causes.
        message: String,
    },
}

/// Result of blob operations.
pub type Result<T> = std::result::Result<T, BlobError>;

fn io(op: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> BlobError + use<> {
    let path = path.to_path_buf();
    move |source| BlobError::Io { op, path, source }
}

pub use rbuild_wire::digest::Digest;

/// Parses `sha256:<64 lowercase hex digits>` ([`Digest::parse`]) into the blob store's error.
pub fn parse_digest(s: &str) -> Result<Digest> {
    Digest::parse(s).ok_or_else(|| BlobError::InvalidDigest(s.to_string()))
}

/// A store of content-addressed blobs; every blob is held once, whoever pushed it.
pub trait BlobStore: Send + Sync {
    /// Reader returned by [`BlobStore::open`].
    type Reader: AsyncRead + Send + Unpin;

    /// The size of a stored blob, or `None` when it is absent.
    fn stat(&self, digest: &Digest) -> impl Future<Output = Result<Option<u64>>> + Send;

    /// Streams `body` into the store. The blob becomes visible only if its content hashes to
    /// `expected`; otherwise [`BlobError::DigestMismatch`] and nothing is left behind. Returns
    /// the blob's size. Putting a blob that is already stored verifies the body and keeps one copy.
    fn put<R: AsyncRead + Send + Unpin>(
        &self,
        expected: &Digest,
        body: R,
    ) -> impl Future<Output = Result<u64>> + Send;

    /// Moves the finished upload in the file `path` into the store under `expected`, verifying
    /// its content first, as [`BlobStore::put`] does. The file is consumed whatever the outcome
    /// (moved into place, or removed on a mismatch). Returns the blob's size. The default reads the
    /// file through [`BlobStore::put`]; a store on the same filesystem renames it instead.
    fn put_file(&self, expected: &Digest, path: &Path) -> impl Future<Output = Result<u64>> + Send {
        async move {
            let file = tokio::fs::File::open(path)
                .await
                .map_err(io("open", path))?;
            let result = self.put(expected, file).await;
            let _ = tokio::fs::remove_file(path).await;
            result
        }
    }

    /// Opens a blob, whole or the byte `range`; returns the reader and the number of bytes it
    /// yields.
    fn open(
        &self,
        digest: &Digest,
        range: Option<Range<u64>>,
    ) -> impl Future<Output = Result<(Self::Reader, u64)>> + Send;

    /// Deletes a blob; returns whether it existed.
    fn delete(&self, digest: &Digest) -> impl Future<Output = Result<bool>> + Send;

    /// Every stored blob with its size.
    fn list(&self) -> impl Future<Output = Result<Vec<(Digest, u64)>>> + Send;

    /// Total bytes of the stored blobs.
    fn stored_bytes(&self) -> impl Future<Output = Result<u64>> + Send {
        async { Ok(self.list().await?.iter().map(|(_, size)| size).sum()) }
    }
}

/// Blobs in a local directory: `<data>/blobs/sha256/<hex>`, temp files in `<data>/blobs/tmp/`.
#[derive(Debug, Clone)]
pub struct LocalBlobStore {
    root: PathBuf,
}

/// Size of the buffer a put copies through.
const CHUNK: usize = 64 * 1024;

static TEMP_SEQ: AtomicU64 = AtomicU64::new(0);

impl LocalBlobStore {
    /// Opens (creating the directories) the store under `data_dir`.
    pub async fn open(data_dir: &Path) -> Result<Self> {
        let root = data_dir.join("blobs");
        for dir in [root.join("sha256"), root.join("tmp")] {
            tokio::fs::create_dir_all(&dir)
                .await
                .map_err(io("create", &dir))?;
        }
        Ok(Self { root })
    }

    fn path(&self, digest: &Digest) -> PathBuf {
        self.root.join("sha256").join(digest.hex())
    }

    fn temp_path(&self) -> PathBuf {
        let seq = TEMP_SEQ.fetch_add(1, Ordering::Relaxed);
        self.root
            .join("tmp")
            .join(format!("{}-{seq}", std::process::id()))
    }

    /// Removes leftover temp files (of puts interrupted by a crash); call at startup.
    pub async fn sweep_temp(&self) -> Result<usize> {
        let dir = self.root.join("tmp");
        let mut entries = tokio::fs::read_dir(&dir).await.map_err(io("read", &dir))?;
        let mut removed = 0;
        while let Some(entry) = entries.next_entry().await.map_err(io("read", &dir))? {
            let path = entry.path();
            tokio::fs::remove_file(&path)
                .await
                .map_err(io("remove", &path))?;
            removed += 1;
        }
        Ok(removed)
    }

    /// Moves the verified file at `from` (already fsynced) to its blob path and syncs the directory.
    async fn install(&self, from: &Path, digest: &Digest) -> Result<()> {
        let path = self.path(digest);
        if let Err(e) = tokio::fs::rename(from, &path).await {
            let _ = tokio::fs::remove_file(from).await;
            return Err(io("rename into", &path)(e));
        }
        // The rename is durable once the directory is synced.
        let dir = self.root.join("sha256");
        let handle = tokio::fs::File::open(&dir)
            .await
            .map_err(io("open", &dir))?;
        handle.sync_all().await.map_err(io("fsync", &dir))?;
        Ok(())
    }

    /// Hashes the file at `path` (and fsyncs it); returns its digest and size.
    async fn hash_file(path: &Path) -> Result<(Digest, u64)> {
        let mut file = tokio::fs::File::open(path)
            .await
            .map_err(io("open", path))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; CHUNK];
        let mut size = 0u64;
        loop {
            let n = file.read(&mut buf).await.map_err(io("read", path))?;
            let Some(chunk) = buf.get(..n).filter(|c| !c.is_empty()) else {
                break;
            };
            hasher.update(chunk);
            size += n as u64;
        }
        file.sync_all().await.map_err(io("fsync", path))?;
        Ok((Digest::from_sha256(hasher.finalize().into()), size))
    }

    async fn write_temp<R: AsyncRead + Send + Unpin>(
        temp: &Path,
        mut body: R,
    ) -> Result<(Digest, u64)> {
        let mut file = tokio::fs::File::create(temp)
            .await
            .map_err(io("create", temp))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; CHUNK];
        let mut size = 0u64;
        loop {
            let n = body
                .read(&mut buf)
                .await
                .map_err(io("read body for", temp))?;
            let Some(chunk) = buf.get(..n).filter(|c| !c.is_empty()) else {
                break;
            };
            hasher.update(chunk);
            file.write_all(chunk).await.map_err(io("write", temp))?;
            size += n as u64;
        }
        file.flush().await.map_err(io("write", temp))?;
        file.sync_all().await.map_err(io("fsync", temp))?;
        Ok((Digest::from_sha256(hasher.finalize().into()), size))
    }
}

impl BlobStore for LocalBlobStore {
    type Reader = tokio::io::Take<tokio::fs::File>;

    async fn stat(&self, digest: &Digest) -> Result<Option<u64>> {
        let path = self.path(digest);
        match tokio::fs::metadata(&path).await {
            Ok(meta) => Ok(Some(meta.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io("stat", &path)(e)),
        }
    }

    async fn put<R: AsyncRead + Send + Unpin>(&self, expected: &Digest, body: R) -> Result<u64> {
        let temp = self.temp_path();
        let written = Self::write_temp(&temp, body).await;
        let (actual, size) = match written {
            Ok(done) => done,
            Err(e) => {
                let _ = tokio::fs::remove_file(&temp).await;
                return Err(e);
            }
        };
        if &actual != expected {
            let _ = tokio::fs::remove_file(&temp).await;
            return Err(BlobError::DigestMismatch {
                expected: expected.clone(),
                actual,
            });
        }
        self.install(&temp, expected).await?;
        Ok(size)
    }

    /// Hashes the file in place and renames it into the store without copying (the upload
    /// directory must be on the same filesystem as `<data>/blobs/`).
    async fn put_file(&self, expected: &Digest, path: &Path) -> Result<u64> {
        let (actual, size) = match Self::hash_file(path).await {
            Ok(done) => done,
            Err(e) => {
                let _ = tokio::fs::remove_file(path).await;
                return Err(e);
            }
        };
        if &actual != expected {
            let _ = tokio::fs::remove_file(path).await;
            return Err(BlobError::DigestMismatch {
                expected: expected.clone(),
                actual,
            });
        }
        self.install(path, expected).await?;
        Ok(size)
    }

    async fn open(
        &self,
        digest: &Digest,
        range: Option<Range<u64>>,
    ) -> Result<(Self::Reader, u64)> {
        let path = self.path(digest);
        let mut file = match tokio::fs::File::open(&path).await {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(BlobError::NotFound(digest.clone()));
            }
            Err(e) => return Err(io("open", &path)(e)),
        };
        let size = file.metadata().await.map_err(io("stat", &path))?.len();
        let Range { start, end } = range.unwrap_or(0..size);
        if start > end || end > size {
            return Err(BlobError::RangeNotSatisfiable { start, end, size });
        }
        file.seek(std::io::SeekFrom::Start(start))
            .await
            .map_err(io("seek", &path))?;
        let len = end - start;
        Ok((file.take(len), len))
    }

    async fn delete(&self, digest: &Digest) -> Result<bool> {
        let path = self.path(digest);
        match tokio::fs::remove_file(&path).await {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(io("remove", &path)(e)),
        }
    }

    async fn list(&self) -> Result<Vec<(Digest, u64)>> {
        let dir = self.root.join("sha256");
        let mut entries = tokio::fs::read_dir(&dir).await.map_err(io("read", &dir))?;
        let mut out = Vec::new();
        while let Some(entry) = entries.next_entry().await.map_err(io("read", &dir))? {
            let name = entry.file_name();
            let Some(digest) = Digest::parse(&format!("sha256:{}", name.to_string_lossy())) else {
                continue;
            };
            let size = entry
                .metadata()
                .await
                .map_err(io("stat", &entry.path()))?
                .len();
            out.push((digest, size));
        }
        out.sort();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (tempfile::TempDir, LocalBlobStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalBlobStore::open(dir.path()).await.unwrap();
        (dir, store)
    }

    async fn read_all(reader: impl AsyncRead + Unpin) -> Vec<u8> {
        let mut out = Vec::new();
        let mut reader = reader;
        reader.read_to_end(&mut out).await.unwrap();
        out
    }

    #[test]
    fn digest_parse_rejects_malformed() {
        assert!(parse_digest("sha256:abc").is_err());
        assert!(parse_digest(&format!("md5:{}", "a".repeat(64))).is_err());
        assert!(parse_digest(&format!("sha256:{}", "A".repeat(64))).is_err());
        let ok = parse_digest(&format!("sha256:{}", "a".repeat(64))).unwrap();
        assert_eq!(ok.hex(), "a".repeat(64));
    }

    #[tokio::test]
    async fn digest_mismatch_leaves_nothing() {
        let (dir, store) = store().await;
        let wrong = Digest::of(b"something else");
        let err = store.put(&wrong, &b"hello"[..]).await.unwrap_err();
        match err {
            BlobError::DigestMismatch { expected, actual } => {
                assert_eq!(expected, wrong);
                assert_eq!(actual, Digest::of(b"hello"));
            }
            other => panic!("unexpected error {other}"),
        }
        assert_eq!(store.stat(&wrong).await.unwrap(), None);
        assert_eq!(store.stat(&Digest::of(b"hello")).await.unwrap(), None);
        assert!(store.list().await.unwrap().is_empty());
        let tmp: Vec<_> = std::fs::read_dir(dir.path().join("blobs/tmp"))
            .unwrap()
            .collect();
        assert!(tmp.is_empty(), "temp files left: {tmp:?}");
    }

    #[tokio::test]
    async fn put_then_ranged_read() {
        let (dir, store) = store().await;
        // Larger than one copy chunk, so the put streams through several reads.
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let digest = Digest::of(&data);
        assert_eq!(
            store.put(&digest, &data[..]).await.unwrap(),
            data.len() as u64
        );
        assert!(dir.path().join("blobs/sha256").join(digest.hex()).is_file());
        assert_eq!(store.stat(&digest).await.unwrap(), Some(data.len() as u64));

        let (reader, len) = store.open(&digest, Some(70_000..70_010)).await.unwrap();
        assert_eq!(len, 10);
        assert_eq!(read_all(reader).await, data[70_000..70_010]);

        let (reader, len) = store.open(&digest, None).await.unwrap();
        assert_eq!(len, data.len() as u64);
        assert_eq!(read_all(reader).await, data);

        let err = store.open(&digest, Some(10..200_001)).await.unwrap_err();
        assert!(matches!(
            err,
            BlobError::RangeNotSatisfiable { size: 200_000, .. }
        ));
    }

    #[tokio::test]
    async fn put_file_renames_a_matching_file_and_drops_a_wrong_one() {
        let (dir, store) = store().await;
        let upload = dir.path().join("upload-1");
        std::fs::write(&upload, b"chunked upload").unwrap();
        let digest = Digest::of(b"chunked upload");
        assert_eq!(store.put_file(&digest, &upload).await.unwrap(), 14);
        assert!(!upload.exists());
        let (reader, _) = store.open(&digest, None).await.unwrap();
        assert_eq!(read_all(reader).await, b"chunked upload");

        std::fs::write(&upload, b"other bytes").unwrap();
        let wrong = Digest::of(b"not these");
        let err = store.put_file(&wrong, &upload).await.unwrap_err();
        assert!(matches!(err, BlobError::DigestMismatch { .. }), "{err}");
        assert!(!upload.exists());
        assert_eq!(store.stat(&wrong).await.unwrap(), None);
        assert_eq!(store.list().await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn sweep_removes_leftover_temp_files_only() {
        let (dir, store) = store().await;
        let digest = Digest::of(b"kept");
        store.put(&digest, &b"kept"[..]).await.unwrap();
        std::fs::write(dir.path().join("blobs/tmp/crashed-put"), b"partial").unwrap();
        assert_eq!(store.sweep_temp().await.unwrap(), 1);
        assert_eq!(store.list().await.unwrap(), vec![(digest, 4)]);
    }

    #[tokio::test]
    async fn put_twice_keeps_one_copy_and_delete_removes_it() {
        let (_dir, store) = store().await;
        let digest = Digest::of(b"layer");
        store.put(&digest, &b"layer"[..]).await.unwrap();
        store.put(&digest, &b"layer"[..]).await.unwrap();
        assert_eq!(store.list().await.unwrap(), vec![(digest.clone(), 5)]);
        assert_eq!(store.stored_bytes().await.unwrap(), 5);
        assert!(store.delete(&digest).await.unwrap());
        assert!(!store.delete(&digest).await.unwrap());
        assert!(matches!(
            store.open(&digest, None).await,
            Err(BlobError::NotFound(_))
        ));
    }
}
