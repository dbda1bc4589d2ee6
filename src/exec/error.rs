//! What can go wrong while running a step.

use std::io;
use std::path::PathBuf;

/// An error of [`super::run`] or [`super::Runtime::find`]: the step's environment could not be
/// set up or the runtime failed. A process that ran and exited non-zero is no error (see
/// [`super::Finished::exit_code`]).
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// No OCI runtime on PATH (or the one asked for does not exist).
    #[error(
        "no OCI runtime found{}: RUN needs `runc` (Debian/Ubuntu: `apt-get install runc`) or \
         `crun`, on PATH or given with --runtime",
        asked.as_deref().map(|a| format!(" (looked for `{a}`)")).unwrap_or_default()
    )]
    NoRuntime {
        /// The runtime asked for, when one was.
        asked: Option<String>,
    },
    /// A file or directory operation failed.
    #[error("{what} `{}`", path.display())]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The system error.
        #[source]
        source: io::Error,
    },
    /// Mounting the overlay root filesystem failed.
    #[error("mounting the overlay at `{}` ({options})", target.display())]
    Mount {
        /// The mount point.
        target: PathBuf,
        /// The overlay options.
        options: String,
        /// The system error.
        #[source]
        source: io::Error,
    },
    /// A snapshot path that overlayfs options cannot carry.
    #[error("`{}` cannot be an overlay lower dir: {reason}", path.display())]
    BadLowerPath {
        /// The path.
        path: PathBuf,
        /// Why.
        reason: &'static str,
    },
    /// `USER` names a user or group that the image's `/etc/passwd` or `/etc/group` lacks.
    #[error("unable to find {what} `{name}`: no matching entries in {file}")]
    UnknownUser {
        /// `user` or `group`.
        what: &'static str,
        /// The name.
        name: String,
        /// `/etc/passwd` or `/etc/group`.
        file: &'static str,
    },
    /// `USER` is no valid user spec.
    #[error("invalid USER `{0}`: expected `user`, `user:group`, `uid` or `uid:gid`")]
    BadUser(String),
    /// Reading the image's files failed.
    #[error("reading `{path}` of the root filesystem")]
    Store {
        /// The path inside the root filesystem.
        path: String,
        /// The store error.
        #[source]
        source: crate::store::StoreError,
    },
    /// Generating the bundle's `config.json` failed.
    #[error("writing the OCI runtime config `{}`", path.display())]
    Spec {
        /// The config file.
        path: PathBuf,
        /// The error.
        #[source]
        source: oci_spec::OciSpecError,
    },
    /// The runtime could not be started.
    #[error("starting `{}`", runtime.display())]
    Spawn {
        /// The runtime binary.
        runtime: PathBuf,
        /// The system error.
        #[source]
        source: io::Error,
    },
    /// The runtime itself failed (not the step's process).
    #[error("the OCI runtime `{}` failed: {message}", runtime.display())]
    Runtime {
        /// The runtime binary.
        runtime: PathBuf,
        /// Its error messages.
        message: String,
    },
}

/// Attaches a path and a description to an I/O result.
pub(crate) trait IoContext<T> {
    /// Maps the error to [`ExecError::Io`].
    fn at(self, what: &'static str, path: impl Into<PathBuf>) -> Result<T, ExecError>;
}

impl<T> IoContext<T> for io::Result<T> {
    fn at(self, what: &'static str, path: impl Into<PathBuf>) -> Result<T, ExecError> {
        self.map_err(|source| ExecError::Io {
            what,
            path: path.into(),
            source,
        })
    }
}
