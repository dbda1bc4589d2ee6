//! The blob store chosen at startup: [`Store`] wraps every [`BlobStore`] implementation behind
//! one concrete type, so the HTTP side holds an `Arc<Store>` whatever backs it (a local
//! directory by default, S3 for several replicas sharing one store).

use std::ops::Range;
use std::path::Path;

use tokio::io::AsyncRead;

use crate::blobs::{BlobStore, Digest, LocalBlobStore, Result};

/// A reader of blob bytes, whatever store produced it.
pub type BlobReader = Box<dyn AsyncRead + Send + Unpin>;

/// The server's blob store.
#[derive(Debug, Clone)]
pub enum Store {
    /// Blobs in `<data>/blobs/` (the embedded default).
    Local(LocalBlobStore),
}

impl Store {
    /// The embedded default: blobs under `data_dir`.
    pub async fn local(data_dir: &Path) -> Result<Self> {
        Ok(Self::Local(LocalBlobStore::open(data_dir).await?))
    }

    /// Removes what crashed puts left behind; call once at startup.
    pub async fn sweep_temp(&self) -> Result<usize> {
        match self {
            Self::Local(store) => store.sweep_temp().await,
        }
    }
}

impl BlobStore for Store {
    type Reader = BlobReader;

    async fn stat(&self, digest: &Digest) -> Result<Option<u64>> {
        match self {
            Self::Local(store) => store.stat(digest).await,
        }
    }

    async fn put<R: AsyncRead + Send + Unpin>(&self, expected: &Digest, body: R) -> Result<u64> {
        match self {
            Self::Local(store) => store.put(expected, body).await,
        }
    }

    async fn put_file(&self, expected: &Digest, path: &Path) -> Result<u64> {
        match self {
            Self::Local(store) => store.put_file(expected, path).await,
        }
    }

    async fn open(&self, digest: &Digest, range: Option<Range<u64>>) -> Result<(BlobReader, u64)> {
        match self {
            Self::Local(store) => {
                let (reader, len) = store.open(digest, range).await?;
                Ok((Box::new(reader), len))
            }
        }
    }

    async fn delete(&self, digest: &Digest) -> Result<bool> {
        match self {
            Self::Local(store) => store.delete(digest).await,
        }
    }

    async fn list(&self) -> Result<Vec<(Digest, u64)>> {
        match self {
            Self::Local(store) => store.list().await,
        }
    }
}
