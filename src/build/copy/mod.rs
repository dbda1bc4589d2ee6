//! COPY and ADD with Docker's semantics, turned into the entries of one layer.
//!
//! (Interface fixed by the executor; the implementation lands separately.)

use std::path::PathBuf;

use crate::context::BuildContext;
use crate::image::layer::Entry;

/// A stage's filesystem as later steps see it: a stack of snapshot directories (top first),
/// read through [`crate::store::lookup`] (overlay rules, symlinks resolved inside the root).
#[derive(Debug, Clone, Default)]
pub struct RootfsView {
    /// Snapshot directories, top layer first; empty for `scratch`.
    pub stack: Vec<PathBuf>,
}

/// Where COPY/ADD sources are read from.
pub enum CopyFrom<'a> {
    /// The build context (`.dockerignore` applies).
    Context(&'a BuildContext),
    /// Another stage's or an image's filesystem (`--from`).
    Rootfs(&'a RootfsView),
}

/// ADD's extras.
#[derive(Debug, Clone, Default)]
pub struct AddOptions {
    /// `--checksum=sha256:...` for URL sources.
    pub checksum: Option<String>,
    /// `--unpack` (default: local archives are unpacked, URLs are not).
    pub unpack: Option<bool>,
}

/// One COPY or ADD after variable expansion.
pub struct CopyRequest<'a> {
    /// 1-based Dockerfile line, for errors.
    pub line: usize,
    /// Sources as written (wildcards allowed), after expansion.
    pub sources: Vec<String>,
    /// Heredoc files: (name, content after expansion).
    pub inline: Vec<(String, String)>,
    /// Destination as written, after expansion (relative to `workdir`; a trailing `/` means a
    /// directory).
    pub dest: String,
    /// The stage's working directory (absolute).
    pub workdir: String,
    /// Where sources come from.
    pub from: CopyFrom<'a>,
    /// `--chown` (`user`, `user:group`, names or ids).
    pub chown: Option<String>,
    /// `--chmod` (octal).
    pub chmod: Option<String>,
    /// `--exclude` patterns.
    pub excludes: Vec<String>,
    /// `--parents`.
    pub parents: bool,
    /// `--link`: the layer does not depend on the destination's lower layers.
    pub link: bool,
    /// `Some` for ADD.
    pub add: Option<AddOptions>,
}

/// What went wrong in a COPY/ADD; every message names the source or destination.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// Not implemented yet.
    #[error("line {line}: COPY is not implemented yet")]
    Unimplemented {
        /// The line.
        line: usize,
    },
}

/// The entries of the layer a COPY/ADD makes on top of `lower` (the destination stage's
/// filesystem before the step), in layer order. `scratch` is a directory for temporary files
/// (heredocs, extracted archives, downloads) that must outlive the returned entries.
pub fn copy_entries(
    req: &CopyRequest<'_>,
    lower: &RootfsView,
    scratch: &std::path::Path,
) -> Result<Vec<Entry>, CopyError> {
    let _ = (lower, scratch);
    Err(CopyError::Unimplemented { line: req.line })
}

/// The entries WORKDIR's mkdir makes (stub until the implementation lands).
pub fn workdir_entries(
    path: &str,
    lower: &RootfsView,
    owner: Option<(u64, u64)>,
) -> Result<Vec<Entry>, CopyError> {
    let _ = (path, lower, owner);
    Err(CopyError::Unimplemented { line: 0 })
}

/// Resolves a `user[:group]` spec against the lower filesystem (stub).
pub fn resolve_owner(spec: &str, lower: &RootfsView) -> Result<(u64, u64), CopyError> {
    let _ = (spec, lower);
    Err(CopyError::Unimplemented { line: 0 })
}
