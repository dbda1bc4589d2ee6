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
use super::{CopyError, CopyFrom, RootfsView};
use crate::context::dockerignore::PatternMatcher;
use crate::context::{BuildContext, ContextError};
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
    /// The path as matched, from the root (or from the `/./` pivot with `--parents`).
    pub name: Comps,
    /// What it resolves to on the host, symlinks followed.
    pub disk: PathBuf,
    /// Its metadata.
    pub meta: Metadata,
    /// Everything below it when it is a directory.
    pub below: Vec<SourceFile>,
    /// Whether owners are kept (`--from`) rather than set to root (the context).
    pub keep_owner: bool,
    /// With `--parents`: the directories leading to `name`, one per component but the last.
    pub parents: Vec<(PathBuf, Metadata)>,
}

/// The paths `source` selects in `from`, with `excludes` left out below them; `parents` keeps
/// the path from the root or from a `/./` pivot in `name`.
pub fn resolve(
    from: &CopyFrom<'_>,
    source: &str,
    excludes: &[String],
    parents: bool,
    line: usize,
) -> Result<Vec<Source>, CopyError> {
    let (pivot, full) = match source.split_once("/./") {
        Some((pivot, rest)) if parents => {
            (paths::clean(pivot.as_bytes()), format!("{pivot}/{rest}"))
        }
        _ => (Vec::new(), source.to_string()),
    };
    let not_found = || CopyError::SourceNotFound {
        line,
        source_path: source.trim_start_matches('/').to_string(),
    };
    let strip = |name: Comps| match name.strip_prefix(pivot.as_slice()) {
        Some(rest) => rest.to_vec(),
        None => name,
    };
    match from {
        CopyFrom::Context(ctx) => {
            let selected = ctx
                .select_for_copy(std::slice::from_ref(&full), excludes)
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
                let name = strip(paths::clean(&sel.path));
                let parents = if parents {
                    context_parents(ctx, &pivot, &name, line)?
                } else {
                    Vec::new()
                };
                out.push(Source {
                    name,
                    disk,
                    meta,
                    below,
                    keep_owner: false,
                    parents,
                });
            }
            Ok(out)
        }
        CopyFrom::Rootfs(view) => {
            let store = |source| CopyError::Store {
                line,
                path: full.clone(),
                source,
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
            let matches = view.select(&full).map_err(store)?.ok_or_else(not_found)?;
            let mut out = Vec::new();
            for m in matches {
                let (disk, meta) = m.found;
                let below = if meta.is_dir() {
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
                let name = strip(m.path);
                let parents = if parents {
                    view_parents(view, &pivot, &name).map_err(store)?
                } else {
                    Vec::new()
                };
                out.push(Source {
                    name,
                    disk,
                    meta,
                    below,
                    keep_owner: true,
                    parents,
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

fn context_parents(
    ctx: &BuildContext,
    pivot: &Comps,
    name: &Comps,
    line: usize,
) -> Result<Vec<(PathBuf, Metadata)>, CopyError> {
    let mut out = Vec::new();
    for i in 1..name.len() {
        let rel = paths::join(&[pivot.as_slice(), &name[..i]].concat());
        let disk = under(ctx.root(), &rel);
        let meta = std::fs::metadata(&disk).map_err(|source| CopyError::Io {
            line,
            path: disk.clone(),
            source,
        })?;
        out.push((disk, meta));
    }
    Ok(out)
}

fn view_parents(
    view: &RootfsView,
    pivot: &Comps,
    name: &Comps,
) -> Result<Vec<(PathBuf, Metadata)>, crate::store::StoreError> {
    let mut out = Vec::new();
    for i in 1..name.len() {
        let path = paths::host(&[pivot.as_slice(), &name[..i]].concat());
        if let Some(found) = view.stat(&path)? {
            out.push(found);
        }
    }
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
