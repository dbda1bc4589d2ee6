//! Errors of mount-cache export and restore. None fails a build: the caller warns and goes on
//! with the local directory (an export skipped, a restore falling back to an empty directory).

use std::path::PathBuf;

use crate::cache::remote::RemoteError;
use crate::digest::Digest;
use crate::store::StoreError;

/// Why a mount cache could not be exported or restored.
#[derive(Debug, thiserror::Error)]
pub enum MountCacheError {
    /// Reading or writing the local directory.
    #[error("`{path}`: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// The backend failed.
    #[error(transparent)]
    Remote(#[from] RemoteError),
    /// The scratch store failed.
    #[error("scratch store: {0}")]
    Store(#[from] StoreError),
    /// A chunk's bytes do not make what the manifest says.
    #[error("chunk {digest}: {reason}")]
    Chunk {
        /// The chunk blob.
        digest: Digest,
        /// What is wrong.
        reason: String,
    },
    /// The archive could not be unpacked.
    #[error("unpacking: {0}")]
    Unpack(String),
}
