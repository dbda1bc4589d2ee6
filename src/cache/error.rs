//! The cache's error type.

use std::io;
use std::path::PathBuf;

use crate::digest::Digest;
use crate::store::StoreError;

/// What went wrong in the local cache.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// A file-system operation on a record failed.
    #[error("{path}: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A record could not be encoded.
    #[error("cache record `{key}`: cannot encode: {source}")]
    Encode {
        /// The record's key.
        key: Digest,
        /// The underlying error.
        #[source]
        source: serde_json::Error,
    },
    /// The store under the cache failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Attaches a path to an `io::Result`.
pub(crate) trait IoContext<T> {
    /// Maps the error to [`CacheError::Io`] naming `path`.
    fn at(self, path: impl Into<PathBuf>) -> Result<T, CacheError>;
}

impl<T> IoContext<T> for io::Result<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T, CacheError> {
        self.map_err(|source| CacheError::Io {
            path: path.into(),
            source,
        })
    }
}
