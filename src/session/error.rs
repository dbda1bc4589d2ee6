//! Why a build session failed, with where: the flag, the Dockerfile line, the path.

use std::path::PathBuf;

use crate::builder::BuildError;

/// Why a build session failed.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// A request value that cannot be used (`--cache-from`, `--platform`, `--build-arg`, ...).
    #[error("{flag}: {reason}")]
    Flag {
        /// The flag or value, as the user wrote it.
        flag: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// The Dockerfile: unreadable, malformed, or a step that failed at a line.
    #[error("{}{}: {message}", file.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Dockerfile {
        /// The Dockerfile's path as given (`<stdin>` for standard input).
        file: PathBuf,
        /// The line, when the failure has one.
        line: Option<usize>,
        /// What went wrong.
        message: String,
    },
    /// A file or directory the session needs (the context, the state directory, a secret).
    #[error("{}: {reason}", path.display())]
    Path {
        /// The path.
        path: PathBuf,
        /// What went wrong with it.
        reason: String,
    },
    /// Something the build needs could not be set up (the registry client, the remote caches).
    #[error("{what}: {reason}")]
    Setup {
        /// What was being set up.
        what: String,
        /// Why it failed.
        reason: String,
    },
    /// The build failed without a line to point at.
    #[error("{message}")]
    Build {
        /// What went wrong, causes included.
        message: String,
    },
    /// Writing an output failed: an export, a push, `--iidfile`, `--metadata-file`.
    #[error("{what}: {reason}")]
    Output {
        /// Which output.
        what: String,
        /// Why it failed.
        reason: String,
    },
    /// A `--cache-to` backend with `ignore-error=false` failed to export (after the outputs).
    #[error("cache export to {backend} failed: {reason}")]
    CacheExport {
        /// The backend (`type=registry,ref=...`).
        backend: String,
        /// Why.
        reason: String,
    },
}

/// An error and its causes, joined with `: ` (the cause is often the interesting part: which
/// file could not be read, and why).
pub fn chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !msg.contains(&text) {
            msg.push_str(": ");
            msg.push_str(&text);
        }
        cause = c.source();
    }
    msg
}

/// A build error as the session reports it: at its Dockerfile line (`FILE:N: ...`) when it has
/// one ([`BuildError::line`]), with its causes.
pub(crate) fn at_line(file: &std::path::Path, e: &BuildError) -> SessionError {
    let message = chain(e);
    match e.line() {
        Some(line) => SessionError::Dockerfile {
            file: file.to_path_buf(),
            line: Some(line),
            // The builder's messages name their line for logs; the location is the field here.
            message: message
                .strip_prefix(&format!("line {line}: "))
                .unwrap_or(&message)
                .to_string(),
        },
        None => SessionError::Build { message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_error_points_at_its_dockerfile_line() {
        let file = std::path::Path::new("app/Dockerfile");
        let e = at_line(file, &BuildError::at(7, "RUN exited 2"));
        assert_eq!(e.to_string(), "app/Dockerfile:7: RUN exited 2");
        assert!(matches!(e, SessionError::Dockerfile { line: Some(7), .. }));
        let e = at_line(file, &BuildError::Internal("the runtime is gone".into()));
        assert_eq!(e.to_string(), "internal: the runtime is gone");
    }
}
