//! The store's one error type: every variant names the path, digest or layer entry at fault.

use std::io;
use std::path::PathBuf;

use crate::digest::Digest;

/// What went wrong in the local store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file-system operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The state directory was written by an incompatible rbuild.
    #[error(
        "{path}: state directory layout is `{found}`, this rbuild uses `{expected}`; \
         point RBUILD_HOME elsewhere or remove the directory"
    )]
    UnsupportedVersion {
        /// The `VERSION` file.
        path: PathBuf,
        /// Its content.
        found: String,
        /// The layout this build understands.
        expected: &'static str,
    },
    /// A blob is not in the store.
    #[error("blob {digest} is not in the store ({path})")]
    BlobNotFound {
        /// The missing blob.
        digest: Digest,
        /// Where it would be.
        path: PathBuf,
    },
    /// Content did not hash to the digest it was announced with; nothing was stored.
    #[error("digest mismatch: expected {expected}, got {actual}")]
    DigestMismatch {
        /// The announced digest.
        expected: Digest,
        /// The digest of the bytes received.
        actual: Digest,
    },
    /// A download streamed into a snapshot failed after some of its bytes were unpacked: it
    /// cannot start over (the caller fetches the blob again from the beginning).
    #[error("blob {digest}: the streamed download broke off after {received} bytes")]
    StreamRestart {
        /// The blob.
        digest: Digest,
        /// Bytes already passed on.
        received: u64,
    },
    /// The uncompressed layer did not hash to its diff_id; no snapshot was made.
    #[error("layer for snapshot {chain_id}: diff_id mismatch: expected {expected}, got {actual}")]
    DiffIdMismatch {
        /// The snapshot being unpacked.
        chain_id: Digest,
        /// The announced diff_id.
        expected: Digest,
        /// The sha256 of the uncompressed tar stream.
        actual: Digest,
    },
    /// The layer's tar stream (or its compression) could not be read.
    #[error("bad layer tar stream{}: {source}", entry_suffix(.entry))]
    Tar {
        /// The entry being read, when known.
        entry: Option<String>,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A layer entry would escape the snapshot directory or is otherwise unsafe; refused.
    #[error("layer entry `{entry}` refused: {reason}")]
    UnsafeEntry {
        /// The entry's path as written in the tar.
        entry: String,
        /// Why it was refused.
        reason: String,
    },
    /// A layer entry needs privileges this process lacks (whiteouts, opaque dirs, devices).
    #[error("layer entry `{entry}`: {what} needs root (CAP_MKNOD / CAP_SYS_ADMIN): {source}")]
    NeedsPrivilege {
        /// The entry's path as written in the tar.
        entry: String,
        /// What was being created.
        what: &'static str,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Writing one layer entry failed.
    #[error("layer entry `{entry}`: {source}")]
    Entry {
        /// The entry's path as written in the tar.
        entry: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// Symlinks in the merged view of a snapshot stack nest too deep or loop.
    #[error("{path}: too many levels of symbolic links in the image filesystem")]
    SymlinkLoop {
        /// The path being resolved, in the merged view.
        path: PathBuf,
    },
}

fn entry_suffix(entry: &Option<String>) -> String {
    entry
        .as_ref()
        .map(|e| format!(" at entry `{e}`"))
        .unwrap_or_default()
}

/// The store's result type.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Attaches a path to an `io::Result`.
pub(crate) trait IoContext<T> {
    /// Maps the error to [`StoreError::Io`] naming `path`.
    fn at(self, path: impl Into<PathBuf>) -> Result<T>;
}

impl<T> IoContext<T> for io::Result<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T> {
        self.map_err(|source| StoreError::Io {
            path: path.into(),
            source,
        })
    }
}

impl<T> IoContext<T> for rustix::io::Result<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T> {
        self.map_err(|e| StoreError::Io {
            path: path.into(),
            source: e.into(),
        })
    }
}
