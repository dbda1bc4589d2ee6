//! [`CopyError`]: what can go wrong in a COPY/ADD, each variant naming the line and the path.

use std::path::PathBuf;

use crate::context::ContextError;
use crate::image::layer::LayerError;
use crate::store::StoreError;

/// What went wrong in a COPY/ADD; every message names the line and the source or destination.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// A source without wildcards names nothing (BuildKit's wording).
    #[error("line {line}: failed to compute cache key: \"/{source_path}\": not found")]
    SourceNotFound {
        /// The line.
        line: usize,
        /// The source as written (a leading `/` dropped).
        source_path: String,
    },
    /// Reading the build context failed (or an `--exclude` pattern is malformed).
    #[error("line {line}: reading the build context")]
    Context {
        /// The line.
        line: usize,
        /// The cause.
        #[source]
        source: ContextError,
    },
    /// Reading a stage's or the destination's filesystem failed.
    #[error("line {line}: reading `{path}` in the image")]
    Store {
        /// The line.
        line: usize,
        /// The path inside the image.
        path: String,
        /// The cause.
        #[source]
        source: StoreError,
    },
    /// Reading a source file or writing a temporary file failed.
    #[error("line {line}: `{}`", path.display())]
    Io {
        /// The line.
        line: usize,
        /// The file on the host.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Turning a source file into a layer entry failed.
    #[error("line {line}: reading a source")]
    Layer {
        /// The line.
        line: usize,
        /// The cause.
        #[source]
        source: LayerError,
    },
    /// A directory would be written where the image has something else (BuildKit: "cannot copy
    /// to non-directory").
    #[error("line {line}: cannot copy to non-directory: {path}")]
    NotADirectory {
        /// The line.
        line: usize,
        /// The path inside the image.
        path: String,
    },
    /// A file would replace a directory.
    #[error("line {line}: cannot replace directory {path} with a file")]
    IsADirectory {
        /// The line.
        line: usize,
        /// The path inside the image.
        path: String,
    },
    /// `--chown` is malformed.
    #[error("line {line}: invalid --chown=`{value}`: {reason}")]
    BadChown {
        /// The line.
        line: usize,
        /// The value as written.
        value: String,
        /// What is wrong.
        reason: String,
    },
    /// A `--chown` user or group name is not in the destination's `/etc/passwd` or
    /// `/etc/group`.
    #[error("line {line}: --chown: unable to find {what} `{name}` in {file} of the destination")]
    UnknownName {
        /// The line.
        line: usize,
        /// `user` or `group`.
        what: &'static str,
        /// The name.
        name: String,
        /// `/etc/passwd` or `/etc/group`.
        file: &'static str,
    },
    /// `--chmod` is malformed.
    #[error("line {line}: invalid --chmod=`{value}`: {reason}")]
    BadChmod {
        /// The line.
        line: usize,
        /// The value as written.
        value: String,
        /// What is wrong.
        reason: String,
    },
    /// `--checksum` is malformed or unusable here.
    #[error("line {line}: invalid --checksum=`{value}`: {reason}")]
    BadChecksum {
        /// The line.
        line: usize,
        /// The value as written.
        value: String,
        /// What is wrong.
        reason: String,
    },
    /// A downloaded file's digest is not the one `--checksum` expects.
    #[error("line {line}: checksum mismatch for {url}: expected {expected}, got {actual}")]
    ChecksumMismatch {
        /// The line.
        line: usize,
        /// The URL.
        url: String,
        /// `--checksum`.
        expected: String,
        /// What the download hashed to.
        actual: String,
    },
    /// Downloading an ADD URL failed.
    #[error("line {line}: downloading {url}: {reason}")]
    Download {
        /// The line.
        line: usize,
        /// The URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// A source kind rbuild does not handle (git URLs, or a URL in COPY).
    #[error("line {line}: {source_path}: {reason}")]
    Unsupported {
        /// The line.
        line: usize,
        /// The source as written.
        source_path: String,
        /// What is not supported.
        reason: String,
    },
    /// An archive to unpack is corrupt, uses an unsupported compression, or has an entry that
    /// would leave the destination.
    #[error("line {line}: unpacking `{path}`: {reason}")]
    Archive {
        /// The line.
        line: usize,
        /// The source as written.
        path: String,
        /// What went wrong.
        reason: String,
    },
}

impl CopyError {
    /// The Dockerfile line of the COPY/ADD (every variant has one).
    pub fn line(&self) -> usize {
        match self {
            Self::SourceNotFound { line, .. }
            | Self::Context { line, .. }
            | Self::Store { line, .. }
            | Self::Io { line, .. }
            | Self::Layer { line, .. }
            | Self::NotADirectory { line, .. }
            | Self::IsADirectory { line, .. }
            | Self::BadChown { line, .. }
            | Self::UnknownName { line, .. }
            | Self::BadChmod { line, .. }
            | Self::BadChecksum { line, .. }
            | Self::ChecksumMismatch { line, .. }
            | Self::Download { line, .. }
            | Self::Unsupported { line, .. }
            | Self::Archive { line, .. } => *line,
        }
    }
}
