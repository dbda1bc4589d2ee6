//! The blob store chosen at startup: [`Store`] wraps every [`BlobStore`] implementation behind
//! one concrete type, so the HTTP side holds an `Arc<Store>` whatever backs it (a local
//! directory by default, S3 for several replicas sharing one store).

use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use tokio::io::AsyncRead;

use crate::blobs::{BlobStore, Digest, LocalBlobStore, Result};
use crate::config::Config;
use crate::s3::S3BlobStore;
use crate::s3::refs::S3Refs;

/// A reader of blob bytes, whatever store produced it.
pub type BlobReader = Box<dyn AsyncRead + Send + Unpin>;

/// Multipart uploads older than this are taken for leftovers of a crashed replica. Long enough
/// that no replica's put is still running (a put streams at most as long as its client sends).
pub const STALE_UPLOAD_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// The server's blob store.
#[derive(Debug, Clone)]
pub enum Store {
    /// Blobs in `<data>/blobs/` (the embedded default).
    Local(LocalBlobStore),
    /// Blobs in an S3 bucket, shared by every replica that serves it.
    S3(S3BlobStore),
}

impl Store {
    /// The embedded default: blobs under `data_dir`.
    pub async fn local(data_dir: &Path) -> Result<Self> {
        Ok(Self::Local(LocalBlobStore::open(data_dir).await?))
    }

    /// The store `config` asks for: S3 when `storage.s3` is set (credentials from the AWS
    /// environment; the bucket must exist and answer), else blobs under `data_dir`.
    pub async fn from_config(config: &Config, data_dir: &Path) -> Result<Self> {
        match &config.storage.s3 {
            Some(s3) => Ok(Self::S3(S3BlobStore::connect(s3).await?)),
            None => Self::local(data_dir).await,
        }
    }

    /// Tag references shared by every replica of an S3 store (`None` for the local store, whose
    /// tags live in `Meta`).
    pub fn s3_refs(&self) -> Option<S3Refs> {
        match self {
            Self::Local(_) => None,
            Self::S3(store) => Some(S3Refs::new(store.clone())),
        }
    }

    /// Removes what crashed puts left behind; call once at startup. For S3 these are multipart
    /// uploads older than [`STALE_UPLOAD_AGE`].
    pub async fn sweep_temp(&self) -> Result<usize> {
        match self {
            Self::Local(store) => store.sweep_temp().await,
            Self::S3(store) => store.sweep_uploads(STALE_UPLOAD_AGE).await,
        }
    }
}

impl BlobStore for Store {
    type Reader = BlobReader;

    async fn stat(&self, digest: &Digest) -> Result<Option<u64>> {
        match self {
            Self::Local(store) => store.stat(digest).await,
            Self::S3(store) => store.stat(digest).await,
        }
    }

    async fn put<R: AsyncRead + Send + Unpin>(&self, expected: &Digest, body: R) -> Result<u64> {
        match self {
            Self::Local(store) => store.put(expected, body).await,
            Self::S3(store) => store.put(expected, body).await,
        }
    }

    async fn put_file(&self, expected: &Digest, path: &Path) -> Result<u64> {
        match self {
            Self::Local(store) => store.put_file(expected, path).await,
            Self::S3(store) => store.put_file(expected, path).await,
        }
    }

    async fn open(&self, digest: &Digest, range: Option<Range<u64>>) -> Result<(BlobReader, u64)> {
        match self {
            Self::Local(store) => {
                let (reader, len) = store.open(digest, range).await?;
                Ok((Box::new(reader), len))
            }
            Self::S3(store) => {
                let (reader, len) = store.open(digest, range).await?;
                Ok((Box::new(reader), len))
            }
        }
    }

    async fn delete(&self, digest: &Digest) -> Result<bool> {
        match self {
            Self::Local(store) => store.delete(digest).await,
            Self::S3(store) => store.delete(digest).await,
        }
    }

    async fn list(&self) -> Result<Vec<(Digest, u64)>> {
        match self {
            Self::Local(store) => store.list().await,
            Self::S3(store) => store.list().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn from_config_without_s3_is_local() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::from_config(&Config::default(), dir.path())
            .await
            .unwrap();
        assert!(matches!(store, Store::Local(_)));
        assert!(store.s3_refs().is_none());
        let digest = Digest::of(b"x");
        store.put(&digest, &b"x"[..]).await.unwrap();
        assert!(dir.path().join("blobs/sha256").join(digest.hex()).is_file());
    }
}
