//! Which context paths a COPY/ADD source selects, as BuildKit's copy resolves them.
//!
//! * The source is taken relative to the context root: `/a` and `a` are the same, and `..` is
//!   clamped at the root (`../a` is `a`), as BuildKit cleans `"/" + source`; it never escapes.
//! * The components up to the first one holding a wildcard (`*`, `?`, `[`; `\` escapes) name a
//!   base directory; the rest is one Go `filepath.Match` pattern matched against every path
//!   below the base (so `*` never crosses `/`), a matched directory selecting its whole subtree.
//!   Matches come in lexical order. A wildcard matching nothing selects nothing (BuildKit's
//!   `AllowEmptyWildcard`, which Dockerfile COPY/ADD use); a missing path without wildcards is
//!   [`ContextError::NotFound`].
//! * Symlinks on the way, and a selected path that is a symlink, are followed as BuildKit's
//!   `FollowSymlinks` does, resolved inside the context (an absolute target is taken from the
//!   context root, `..` stops at the root). Symlinks inside a selected directory are not followed.
//! * Everything happens in the filtered view: an ignored path does not exist.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use super::ContextError;
use super::glob::{self, Glob, Token, bytes_to_match_text};
use super::walk::{Entry, Walker, abs_path, is_missing, join_rel};

/// One selected path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selected {
    /// The path as matched, relative to the root (what the copy names it by); empty for the root.
    pub path: Vec<u8>,
    /// Where it resolves after following symlinks (what is hashed).
    pub resolved: Vec<u8>,
}

/// How many symlinks one resolution may follow (Linux's limit).
const MAX_LINKS: usize = 40;

/// The paths `source` selects.
pub fn select(walker: &Walker<'_>, source: &str) -> Result<Vec<Selected>, ContextError> {
    let not_found = || ContextError::NotFound {
        pattern: source.to_string(),
    };
    let cleaned = glob::clean(&format!("/{source}"));
    let components: Vec<&str> = cleaned.split('/').filter(|c| !c.is_empty()).collect();
    let split = components
        .iter()
        .position(|c| glob::contains_wildcards(c))
        .unwrap_or(components.len());
    let base = components[..split].join("/");
    if split == components.len() {
        let resolved = resolve(walker, base.as_bytes())?.ok_or_else(not_found)?;
        return Ok(vec![Selected {
            path: base.into_bytes(),
            resolved,
        }]);
    }
    let base_resolved = resolve(walker, base.as_bytes())?.ok_or_else(not_found)?;
    let pattern = components[split..].join("/");
    let Ok(glob) = Glob::new(&pattern) else {
        return Ok(Vec::new()); // BuildKit ignores filepath.Match's error: nothing matches
    };
    let Some(tree) = walker.tree(&base_resolved)? else {
        return Err(not_found());
    };
    // Each `/` in a name must be matched by a literal `/` or a class: that bounds the depth.
    let max_depth = 1 + glob
        .tokens()
        .iter()
        .filter(|t| matches!(t, Token::Literal('/') | Token::Class { .. }))
        .count();
    let mut matched = Vec::new();
    let skip = if base_resolved.is_empty() {
        0
    } else {
        base_resolved.len() + 1
    };
    for child in &tree.children {
        collect_matches(child, skip, &glob, 1, max_depth, &mut matched);
    }
    let mut out = Vec::with_capacity(matched.len());
    for rel_to_base in matched {
        let path = join_rel(base.as_bytes(), &rel_to_base);
        let walked = join_rel(&base_resolved, &rel_to_base);
        let resolved = resolve(walker, &walked)?.ok_or_else(not_found)?;
        out.push(Selected { path, resolved });
    }
    Ok(out)
}

fn collect_matches(
    entry: &Entry,
    skip: usize,
    glob: &Glob,
    depth: usize,
    max_depth: usize,
    out: &mut Vec<Vec<u8>>,
) {
    let rel_to_base = &entry.rel[skip..];
    if glob.matches(&bytes_to_match_text(rel_to_base)) {
        out.push(rel_to_base.to_vec());
        return;
    }
    if depth < max_depth {
        for child in &entry.children {
            collect_matches(child, skip, glob, depth + 1, max_depth, out);
        }
    }
}

/// Resolves `rel` inside the root, following every symlink (scoped to the root); `None` when
/// it, or a link on the way, is absent from the filtered view.
pub fn resolve(walker: &Walker<'_>, rel: &[u8]) -> Result<Option<Vec<u8>>, ContextError> {
    let mut pending: Vec<Vec<u8>> = rel
        .split(|&b| b == b'/')
        .rev()
        .map(<[u8]>::to_vec)
        .collect();
    let mut current: Vec<Vec<u8>> = Vec::new();
    let mut links = 0;
    while let Some(component) = pending.pop() {
        match component.as_slice() {
            b"" | b"." => continue,
            b".." => {
                current.pop();
                continue;
            }
            _ => {}
        }
        current.push(component);
        let candidate = current.join(&b'/');
        let abs = abs_path(walker.root, &candidate);
        let meta = match std::fs::symlink_metadata(&abs) {
            Ok(meta) => meta,
            Err(e) if is_missing(&e) => return Ok(None),
            Err(source) => return Err(ContextError::Io { path: abs, source }),
        };
        if !meta.file_type().is_symlink() {
            continue;
        }
        if !walker.is_present(&candidate)? {
            return Ok(None);
        }
        links += 1;
        if links > MAX_LINKS {
            return Err(ContextError::Io {
                path: abs,
                source: std::io::Error::other("too many levels of symbolic links"),
            });
        }
        let target = std::fs::read_link(&abs).map_err(|source| ContextError::Io {
            path: abs.clone(),
            source,
        })?;
        let target = target.as_os_str().as_bytes();
        current.pop();
        if target.starts_with(b"/") {
            current.clear();
        }
        pending.extend(target.split(|&b| b == b'/').rev().map(<[u8]>::to_vec));
    }
    let resolved = current.join(&b'/');
    if !walker.is_present(&resolved)? {
        return Ok(None);
    }
    Ok(Some(resolved))
}

/// A selected path for display (`.` for the root), lossy for non-UTF-8 bytes.
pub fn display_path(rel: &[u8]) -> String {
    if rel.is_empty() {
        ".".to_string()
    } else {
        OsStr::from_bytes(rel).to_string_lossy().into_owned()
    }
}
