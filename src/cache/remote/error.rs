//! The remote caches' error type: every variant names the backend (its spec as the user wrote
//! it, e.g. `type=s3,bucket=ci,prefix=app/`) so a warning alone tells which cache misbehaved.

use crate::digest::Digest;

/// Why a remote-cache operation failed.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// A `--cache-to` / `--cache-from` value is malformed.
    #[error("cache spec `{spec}`: {reason}")]
    Spec {
        /// The value as given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The backend could not be reached, or answered with an error after the retries.
    #[error("cache `{backend}`: {message}")]
    Backend {
        /// The backend.
        backend: String,
        /// What happened (the operation and the peer's answer).
        message: String,
    },
    /// Downloaded bytes do not hash to the digest they were asked for by.
    #[error("cache `{backend}`: blob `{expected}`: digest mismatch (got `{actual}`)")]
    DigestMismatch {
        /// The backend.
        backend: String,
        /// The digest asked for.
        expected: Digest,
        /// What arrived.
        actual: Digest,
    },
    /// The backend's index lists no such blob, or the blob is gone.
    #[error("cache `{backend}`: blob `{digest}` is not there")]
    MissingBlob {
        /// The backend.
        backend: String,
        /// The blob.
        digest: Digest,
    },
    /// An index document does not parse or breaks the format's rules.
    #[error("cache `{backend}`: index `{location}` is invalid: {reason}")]
    InvalidIndex {
        /// The backend.
        backend: String,
        /// Where the index was read from (a tag, an object key, an entry key).
        location: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The local store failed while a blob was written or read.
    #[error("cache `{backend}`: local store: {source}")]
    Store {
        /// The backend.
        backend: String,
        /// The underlying error.
        #[source]
        source: crate::store::StoreError,
    },
}

impl RemoteError {
    /// A [`RemoteError::Backend`] for `backend`.
    pub fn backend(backend: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Backend {
            backend: backend.into(),
            message: message.into(),
        }
    }
}
