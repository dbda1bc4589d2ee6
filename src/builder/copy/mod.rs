//! COPY and ADD with Docker's semantics (BuildKit's Dockerfile frontend and file op), turned
//! into the entries of one layer.
//!
//! * [`sources`] resolves sources in the build context (`.dockerignore`, wildcards, symlinks
//!   followed) or in a stage's filesystem ([`rootfs`], through [`crate::store::lookup`]);
//! * [`copier`] applies the destination rules, source after source, onto a [`layer_tree`] that
//!   sees the destination stage's filesystem below the entries made so far;
//! * [`owner`] resolves `--chown`, [`mode`] parses `--chmod`;
//! * [`archive`] unpacks ADD's local archives, [`url`] downloads ADD's URLs;
//! * [`paths`] cleans paths and defines the layer order.
//!
//! Times: copied files keep their mtimes; what the copy creates (missing parent directories,
//! heredoc files, downloads without `Last-Modified`) gets the time of the copy, as in BuildKit;
//! the layer writer clamps them to `SOURCE_DATE_EPOCH` when set.

pub mod archive;
pub mod copier;
pub mod error;
pub mod git;
pub mod layer_tree;
pub mod mode;
pub mod owner;
pub mod paths;
pub mod rootfs;
pub mod scratch;
pub mod sources;
pub mod url;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use error::CopyError;

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
    /// URLs fetched while planning: used instead of downloading again; git sources' commits.
    pub prefetched: Option<Arc<url::Prefetch>>,
    /// `--keep-git-dir`.
    pub keep_git_dir: bool,
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

/// The entries of the layer a COPY/ADD makes on top of `lower` (the destination stage's
/// filesystem before the step), in layer order. `scratch` is a directory for temporary files
/// (extracted archives, downloads) that must outlive the returned entries.
///
/// A source without wildcards that names nothing is [`CopyError::SourceNotFound`]; a wildcard
/// matching nothing copies nothing (BuildKit's `AllowEmptyWildcard`). A later source overrides
/// an earlier entry of the same path.
pub fn copy_entries(
    req: &CopyRequest<'_>,
    lower: &RootfsView,
    scratch: &Path,
) -> Result<Vec<Entry>, CopyError> {
    let line = req.line;
    let owner = req
        .chown
        .as_deref()
        .map(|spec| owner::resolve_chown(spec, lower, line))
        .transpose()?;
    let chmod = req
        .chmod
        .as_deref()
        .map(|value| mode::Chmod::parse(value, line))
        .transpose()?;
    let checksum = checked_checksum(req)?;
    // BuildKit 0.13 links only when no --chmod is given; with one, COPY --link is a plain COPY.
    let link = req.link && req.chmod.is_none();
    // A stage or image without layers still has a root: an empty directory (BuildKit's
    // scratch), so that `COPY --from=<it> / ...` copies nothing instead of failing.
    let empty_root;
    let from = match &req.from {
        CopyFrom::Context(ctx) => CopyFrom::Context(ctx),
        CopyFrom::Rootfs(view) if view.stack.is_empty() => {
            let dir = scratch::new_dir(scratch, "empty-root").map_err(|source| CopyError::Io {
                line,
                path: scratch.to_path_buf(),
                source,
            })?;
            empty_root = RootfsView::new(vec![dir]);
            CopyFrom::Rootfs(&empty_root)
        }
        CopyFrom::Rootfs(view) => CopyFrom::Rootfs(view),
    };
    let tree = layer_tree::LayerTree::new((!link).then_some(lower), line);
    let mut copier = copier::Copier::new(
        req,
        tree,
        owner,
        chmod,
        crate::builder::time::build_epoch(None),
        scratch,
    );
    for source in &req.sources {
        if url::is_git(source) {
            if req.add.is_none() {
                return Err(CopyError::Unsupported {
                    line,
                    source_path: source.clone(),
                    reason: "source can't be a git repository for COPY".to_string(),
                });
            }
            copier.copy_git(source)?;
            continue;
        }
        if url::is_http(source) {
            if req.add.is_none() {
                return Err(CopyError::Unsupported {
                    line,
                    source_path: source.clone(),
                    reason: "source can't be a URL for COPY".to_string(),
                });
            }
            copier.copy_url(source, checksum.as_deref())?;
            continue;
        }
        for selected in sources::resolve(&from, source, &req.excludes, req.parents, line)? {
            copier.copy_source(&selected)?;
        }
    }
    for (name, content) in &req.inline {
        copier.copy_inline(name, content)?;
    }
    Ok(copier.finish())
}

/// The entries WORKDIR's directory makes on top of `lower`: the directory (symlinks on the way
/// followed) and its missing parents, mode 0755, owned by `owner` (the stage's `USER`) or root;
/// existing parents with lower's metadata. Empty when the directory already exists. Errors
/// carry line 0.
pub fn workdir_entries(
    path: &str,
    lower: &RootfsView,
    owner: Option<(u64, u64)>,
) -> Result<Vec<Entry>, CopyError> {
    let comps = paths::clean(path.as_bytes());
    let mut tree = layer_tree::LayerTree::new(Some(lower), 0);
    let (real, node) = tree.resolve(&comps, true)?;
    match node {
        Some(layer_tree::Node::Dir(_)) => Ok(Vec::new()),
        Some(_) => Err(CopyError::NotADirectory {
            line: 0,
            path: paths::display(&real),
        }),
        None => {
            tree.ensure_dir(
                &real,
                0o755,
                owner.unwrap_or((0, 0)),
                crate::builder::time::build_epoch(None),
            )?;
            Ok(tree.into_entries())
        }
    }
}

/// `--checksum` as a sha256 hex digest, checked against BuildKit's rules (ADD only, one
/// source, an http(s) one).
fn checked_checksum(req: &CopyRequest<'_>) -> Result<Option<String>, CopyError> {
    let Some(value) = req.add.as_ref().and_then(|a| a.checksum.as_deref()) else {
        return Ok(None);
    };
    let bad = |reason: &str| CopyError::BadChecksum {
        line: req.line,
        value: value.to_string(),
        reason: reason.to_string(),
    };
    match req.sources.as_slice() {
        [one] if url::is_http(one) => url::parse_checksum(value, req.line).map(Some),
        [_] => Err(bad("checksum requires HTTP(S) or Git sources")),
        _ => Err(bad("checksum can't be specified for multiple sources")),
    }
}

#[cfg(test)]
mod tests;
