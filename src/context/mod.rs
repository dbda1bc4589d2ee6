//! The build context: walking it, `.dockerignore`, and the content (Merkle) hashes that COPY/ADD
//! cache keys are made of (DESIGN.md, "The cache key").
//!
//! Placeholder: the interface below is fixed; the implementation lands with its tests.

use std::path::{Path, PathBuf};

/// Why the context could not be read or hashed.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    /// A file or directory could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path that failed.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A COPY/ADD source matched nothing in the context (after `.dockerignore`).
    #[error("{pattern}: no such file or directory in the build context")]
    NotFound {
        /// The source as written (after variable expansion).
        pattern: String,
    },
    /// A source points outside the context (`../x`).
    #[error("{pattern}: forbidden path outside the build context")]
    OutsideContext {
        /// The source as written.
        pattern: String,
    },
    /// A `.dockerignore` pattern is malformed.
    #[error("{file}:{line}: {message}")]
    BadIgnorePattern {
        /// The ignore file.
        file: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// What a set of COPY/ADD sources selected, and its content digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcesDigest {
    /// `sha256:<hex>` over the selected paths (relative path, type, mode, link target, content).
    pub digest: String,
    /// The matched top-level paths, relative to the context root, each with its own digest.
    pub paths: Vec<(String, String)>,
    /// How many regular files, symlinks and directories the selection holds in all.
    pub entries: usize,
}

/// An opened build context.
#[derive(Debug)]
pub struct BuildContext {
    root: PathBuf,
}

impl BuildContext {
    /// Opens the context at `root`, reading `<dockerfile>.dockerignore` (next to the Dockerfile)
    /// or else `root/.dockerignore`, with hashes cached in `hash_cache` when given.
    pub fn open(
        root: &Path,
        dockerfile: Option<&Path>,
        hash_cache: Option<&Path>,
    ) -> Result<Self, ContextError> {
        let _ = (dockerfile, hash_cache);
        Ok(Self {
            root: root.to_path_buf(),
        })
    }

    /// The context's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Hashes what `sources` (COPY/ADD sources, wildcards allowed) select, after `.dockerignore`.
    pub fn hash_sources(&self, sources: &[String]) -> Result<SourcesDigest, ContextError> {
        Err(ContextError::NotFound {
            pattern: sources.join(" "),
        })
    }
}
