//! COPY/ADD sources resolved to files on the host, from the build context or a stage's
//! filesystem.
//!
//! A source selects paths (a wildcard several, in lexical order; one that matches nothing
//! selects nothing, as BuildKit's `AllowEmptyWildcard`); each path is followed through symlinks,
//! the last one included (BuildKit's `FollowSymlinks`), and a directory brings everything below
//! it, symlinks inside it kept as symlinks. `.dockerignore` (context only) and `--exclude`
//! leave paths out.

use std::fs::Metadata;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::paths::{self, Comps};
use super::{CopyError, CopyFrom};
use crate::context::ContextError;
use crate::context::dockerignore::PatternMatcher;
use crate::context::parents::{ParentsSource, included};
use crate::image::layer::walk::list_dir;

/// A file below a selected directory.
#[derive(Debug)]
pub struct SourceFile {
    /// Its path relative to the selected directory.
    pub rel: Vec<u8>,
    /// The file on the host.
    pub disk: PathBuf,
    /// Its `lstat`.
    pub meta: Metadata,
}

/// One selected path.
#[derive(Debug)]
pub struct Source {
    /// The path as matched, from the root (empty with `--parents`: the contents are copied).
    pub name: Comps,
    /// What it resolves to on the host, symlinks followed.
    pub disk: PathBuf,
    /// Its metadata.
    pub meta: Metadata,
    /// Everything below it when it is a directory.
    pub below: Vec<SourceFile>,
    /// Whether owners are kept (`--from`) rather than set to root (the context).
    pub keep_owner: bool,
}

/// The paths `source` selects in `from`, with `excludes` left out below them. With `parents`
/// (`COPY --parents`), each selected source is a directory before the `/./` pivot (the root
/// without one) whose contents are copied, holding only what the include pattern after it
/// matches and the directories leading there (see [`crate::context::parents`]).
pub fn resolve(
    from: &CopyFrom<'_>,
    source: &str,
    excludes: &[String],
    parents: bool,
    line: usize,
) -> Result<Vec<Source>, CopyError> {
    let not_found = || CopyError::SourceNotFound {
        line,
        source_path: source.trim_start_matches('/').to_string(),
    };
    match from {
        CopyFrom::Context(ctx) => {
            let selected = ctx
                .select_for_copy(std::slice::from_ref(&source.to_string()), excludes, parents)
                .map_err(|e| match e {
                    ContextError::NotFound { .. } => not_found(),
                    source => CopyError::Context { line, source },
                })?;
            let mut out = Vec::new();
            for sel in selected {
                let disk = under(ctx.root(), &sel.resolved);
                let meta = lstat(&disk, line)?;
                let mut below = Vec::new();
                for rel in sel.entries {
                    let path = under(&disk, &rel);
                    let meta = lstat(&path, line)?;
                    below.push(SourceFile {
                        rel,
                        disk: path,
                        meta,
                    });
                }
                out.push(Source {
                    name: if parents {
                        Vec::new()
                    } else {
                        paths::clean(&sel.path)
                    },
                    disk,
                    meta,
                    below,
                    keep_owner: false,
                });
            }
            Ok(out)
        }
        CopyFrom::Rootfs(view) => {
            let store = |e| CopyError::Store {
                line,
                path: source.to_string(),
                source: e,
            };
            let matcher = if excludes.is_empty() {
                None
            } else {
                Some(
                    PatternMatcher::new(excludes).map_err(|e| CopyError::Context {
                        line,
                        source: ContextError::BadExcludePattern {
                            pattern: excludes.get(e.index).cloned().unwrap_or_default(),
                            message: e.message,
                        },
                    })?,
                )
            };
            let split = parents.then(|| ParentsSource::split(source));
            if let Some(required) = split.as_ref().and_then(ParentsSource::required) {
                view.select(&required)
                    .map_err(store)?
                    .ok_or_else(not_found)?;
            }
            let selector = split.as_ref().map_or(source, |s| s.src.as_str());
            let include = split.as_ref().and_then(ParentsSource::matcher);
            let matches = view
                .select(selector)
                .map_err(store)?
                .ok_or_else(not_found)?;
            let mut out = Vec::new();
            for m in matches {
                let (disk, meta) = m.found;
                if parents && !meta.is_dir() {
                    continue;
                }
                let mut below: Vec<SourceFile> = if meta.is_dir() {
                    view.walk(&m.path, matcher.as_ref())
                        .map_err(store)?
                        .into_iter()
                        .map(|e| SourceFile {
                            rel: e.rel,
                            disk: e.found.0,
                            meta: e.found.1,
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                if let Some(include) = &include {
                    let listed: Vec<(&[u8], bool)> = below
                        .iter()
                        .map(|f| (f.rel.as_slice(), f.meta.is_dir()))
                        .collect();
                    let keep = included(&listed, include);
                    let mut keep = keep.into_iter();
                    below.retain(|_| keep.next().unwrap_or(false));
                }
                out.push(Source {
                    name: if parents { Vec::new() } else { m.path },
                    disk,
                    meta,
                    below,
                    keep_owner: true,
                });
            }
            Ok(out)
        }
    }
}

/// Everything below the host directory `dir` (nothing followed, sockets left out), parents
/// before children, siblings by name.
pub fn disk_tree(dir: &Path, line: usize) -> Result<Vec<SourceFile>, CopyError> {
    let mut out = Vec::new();
    let mut stack = vec![(Vec::new(), dir.to_path_buf())];
    while let Some((rel, path)) = stack.pop() {
        let children = list_dir(&path).map_err(|source| CopyError::Layer { line, source })?;
        for child in children {
            let child_rel = if rel.is_empty() {
                child.name.clone()
            } else {
                [rel.as_slice(), b"/", &child.name].concat()
            };
            if child.meta.is_dir() {
                stack.push((child_rel.clone(), child.disk.clone()));
            }
            out.push(SourceFile {
                rel: child_rel,
                disk: child.disk,
                meta: child.meta,
            });
        }
    }
    out.sort_by(|a, b| paths::layer_order(&a.rel, &b.rel));
    Ok(out)
}

/// `root/rel` (`root` itself for an empty `rel`).
fn under(root: &Path, rel: &[u8]) -> PathBuf {
    if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(std::ffi::OsStr::from_bytes(rel))
    }
}

fn lstat(path: &Path, line: usize) -> Result<Metadata, CopyError> {
    path.symlink_metadata().map_err(|source| CopyError::Io {
        line,
        path: path.to_path_buf(),
        source,
    })
}
