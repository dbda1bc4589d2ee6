//! Why a build failed.

use crate::digest::Digest;
use crate::registry::RegistryError;
use crate::store::StoreError;

/// A failed build; errors about an instruction name its Dockerfile line.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// A step failed.
    #[error("line {line}: {message}")]
    Step {
        /// 1-based Dockerfile line.
        line: usize,
        /// What went wrong.
        message: String,
    },
    /// COPY/ADD failed.
    #[error(transparent)]
    Copy(#[from] super::copy::CopyError),
    /// Talking to a registry failed.
    #[error("{what}: {source}")]
    Registry {
        /// What rbuild was doing.
        what: String,
        /// The registry error.
        #[source]
        source: RegistryError,
    },
    /// The local store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A lazy layer's blob could not be made from its snapshot (`crate::store::lazy`).
    #[error("layer {digest}: making its blob from its snapshot: {message}")]
    LazyLayer {
        /// The lazy layer's digest (its diff_id).
        digest: crate::digest::Digest,
        /// What went wrong.
        message: String,
    },
    /// Writing a layer failed.
    #[error("line {line}: writing the layer: {source}")]
    Layer {
        /// 1-based Dockerfile line.
        line: usize,
        /// The layer error.
        #[source]
        source: crate::image::layer::LayerError,
    },
    /// A RUN step could not be run (not a non-zero exit: that is [`BuildError::Step`]).
    #[error("line {line}: RUN: {source}")]
    Exec {
        /// 1-based Dockerfile line.
        line: usize,
        /// The execution error.
        #[source]
        source: crate::exec::ExecError,
    },
    /// A blob the build needs is neither in the store nor fetchable.
    #[error("blob {digest} is not in the store and has no registry to fetch it from")]
    MissingBlob {
        /// The blob.
        digest: Digest,
    },
    /// A layer of a step found in a remote cache could not be fetched or failed verification:
    /// the blob is poisoned and the build runs again, running that step.
    #[error("cache {backend}: layer {digest} unusable: {reason}")]
    CacheBlob {
        /// The backend.
        backend: String,
        /// The blob.
        digest: Digest,
        /// What failed.
        reason: String,
    },
    /// SIGINT or SIGTERM stopped the build.
    #[error("interrupted: the build was cancelled by a signal")]
    Interrupted,
    /// The build was cancelled (another stage failed); never the error a build returns.
    #[error("cancelled")]
    Cancelled,
    /// The plan is not one the builder can run (a bug if it happens).
    #[error("internal: {0}")]
    Internal(String),
}

impl BuildError {
    /// The Dockerfile line the error is about, if any.
    pub fn line(&self) -> Option<usize> {
        match self {
            BuildError::Step { line, .. }
            | BuildError::Layer { line, .. }
            | BuildError::Exec { line, .. } => Some(*line),
            BuildError::Copy(e) => Some(e.line()),
            _ => None,
        }
    }

    pub(crate) fn at(line: usize, message: impl Into<String>) -> Self {
        BuildError::Step {
            line,
            message: message.into(),
        }
    }
}
