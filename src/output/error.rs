//! The output module's one error type: every variant names the `--output` spec, key, path or
//! digest at fault.

use std::io;
use std::path::PathBuf;

use crate::digest::Digest;
use crate::store::StoreError;

/// What went wrong parsing an `--output` spec or writing an image out.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The spec is not a comma-separated list of `key=value` fields.
    #[error("invalid --output `{spec}`: {reason}")]
    Syntax {
        /// The whole spec as given.
        spec: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A key this output type does not take.
    #[error(
        "invalid --output `{spec}`: unknown key `{key}` (rbuild takes `type`, `dest`, `name`, \
         `tar` here)"
    )]
    UnknownKey {
        /// The whole spec as given.
        spec: String,
        /// The unknown key.
        key: String,
    },
    /// A key given twice.
    #[error("invalid --output `{spec}`: key `{key}` is given twice")]
    DuplicateKey {
        /// The whole spec as given.
        spec: String,
        /// The repeated key.
        key: String,
    },
    /// A `type=` that buildx does not know either.
    #[error(
        "invalid --output `{spec}`: unknown type `{kind}` (known: oci, docker, local, tar, \
         image, registry)"
    )]
    UnknownType {
        /// The whole spec as given.
        spec: String,
        /// The unknown type.
        kind: String,
    },
    /// A docker archive of a multi-platform build (it holds one image); BuildKit's message.
    #[error(
        "{}: docker exporter does not currently support exporting manifest lists \
         (build one --platform for type=docker, or use type=oci or --push)",
        dest.display()
    )]
    DockerManifestList {
        /// The archive's destination.
        dest: PathBuf,
    },
    /// An output type buildx has and rbuild does not have yet.
    #[error("--output `{spec}`: type={kind} is not supported yet{hint}")]
    Unsupported {
        /// The whole spec as given.
        spec: String,
        /// The output type.
        kind: String,
        /// What to use instead, starting with `; `, or empty.
        hint: String,
    },
    /// The Docker daemon could not load the image (`--load`).
    #[error("loading into the Docker daemon at {}: {reason}", socket.display())]
    Daemon {
        /// The daemon's socket.
        socket: PathBuf,
        /// What failed, and what to do instead.
        reason: String,
    },
    /// `dest=` is missing or empty.
    #[error("invalid --output `{spec}`: type={kind} needs `dest=<path>`{hint}")]
    MissingDest {
        /// The whole spec as given.
        spec: String,
        /// The output type.
        kind: String,
        /// More context, starting with ` (`, or empty.
        hint: String,
    },
    /// A key with a value it cannot take.
    #[error("invalid --output `{spec}`: `{key}={value}`: {reason}")]
    BadValue {
        /// The whole spec as given.
        spec: String,
        /// The key.
        key: String,
        /// Its value.
        value: String,
        /// Why the value is wrong.
        reason: String,
    },
    /// An image name (from `name=` or a tag) is not a valid tagged reference.
    #[error("invalid image name `{name}`: {reason}")]
    BadName {
        /// The name as given.
        name: String,
        /// Why it is invalid.
        reason: String,
    },
    /// The destination exists but is not an OCI layout rbuild can update.
    #[error("{path}: not an OCI image layout rbuild can update: {reason}")]
    NotALayout {
        /// The offending file (`oci-layout` or `index.json`).
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A blob read from the store does not have the size its descriptor announces.
    #[error("{path}: blob {digest} has {actual} bytes, its descriptor says {expected}")]
    SizeMismatch {
        /// The blob file.
        path: PathBuf,
        /// The blob's digest.
        digest: Digest,
        /// The descriptor's size.
        expected: u64,
        /// The bytes found.
        actual: u64,
    },
    /// A blob read from the store no longer hashes to its digest.
    #[error("{path}: blob content hashes to {actual}, expected {expected}")]
    DigestMismatch {
        /// The blob file.
        path: PathBuf,
        /// The digest it should have.
        expected: Digest,
        /// The digest of its content.
        actual: Digest,
    },
    /// A file-system operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The path that failed (`-` for standard output).
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The store could not give a blob.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Shorthand for results of this module.
pub type Result<T, E = OutputError> = std::result::Result<T, E>;

/// Attaches a path to an I/O error.
pub(crate) trait IoContext<T> {
    /// Maps the error to [`OutputError::Io`] at `path`.
    fn at(self, path: impl Into<PathBuf>) -> Result<T>;
}

impl<T> IoContext<T> for io::Result<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T> {
        self.map_err(|source| OutputError::Io {
            path: path.into(),
            source,
        })
    }
}
