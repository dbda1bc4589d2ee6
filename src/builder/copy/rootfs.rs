//! Reading a [`RootfsView`] (a stack of snapshot directories) through
//! [`crate::store::lookup`]: single paths, small files, and `COPY --from` sources (wildcards and
//! the tree below a selected path).

use std::fs::Metadata;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

use super::RootfsView;
use super::paths::{self, Comps};
use crate::context::dockerignore::{MatchInfo, PatternMatcher};
use crate::context::glob::{self, Glob, Token, bytes_to_match_text};
use crate::store::{StoreError, lookup};

/// A file of the view: the real file in a snapshot that provides it, and its `lstat`.
pub type Found = (PathBuf, Metadata);

/// One path a source selected in a view.
#[derive(Debug)]
pub struct ViewMatch {
    /// The path as matched (what names it in the destination).
    pub path: Comps,
    /// The real file it resolves to (symlinks followed) and its metadata.
    pub found: Found,
}

/// One entry below a selected directory.
#[derive(Debug)]
pub struct ViewEntry {
    /// Its path relative to the selected directory.
    pub rel: Vec<u8>,
    /// The real file and its `lstat`.
    pub found: Found,
}

impl RootfsView {
    /// A view of these snapshot directories (top first).
    pub fn new(stack: Vec<PathBuf>) -> Self {
        Self { stack }
    }

    /// What `path` resolves to, symlinks followed (the last one too); `None` when absent.
    pub fn stat(&self, path: &Path) -> Result<Option<Found>, StoreError> {
        lookup::resolve(&self.stack, path)
    }

    /// What `path` is, a final symlink not followed; `None` when absent.
    pub fn lstat(&self, path: &Path) -> Result<Option<Found>, StoreError> {
        lookup::resolve_nofollow(&self.stack, path)
    }

    /// The content of the regular file at `path` (symlinks followed, inside the view), at most
    /// `limit` bytes; `None` when absent or not a regular file.
    pub fn read_file(&self, path: &Path, limit: u64) -> Result<Option<Vec<u8>>, StoreError> {
        let Some((real, meta)) = self.stat(path)? else {
            return Ok(None);
        };
        if !meta.is_file() {
            return Ok(None);
        }
        let io = |source| StoreError::Io {
            path: real.clone(),
            source,
        };
        let file = std::fs::File::open(&real).map_err(io)?;
        let mut out = Vec::new();
        file.take(limit).read_to_end(&mut out).map_err(io)?;
        Ok(Some(out))
    }

    /// The paths `source` selects (BuildKit's copy: `..` clamped, the components after the
    /// first wildcard one matched with `filepath.Match` below the base, a matched directory not
    /// entered, matches in lexical order, symlinks followed). `Ok(None)` when a path without
    /// wildcards (or a wildcard's base) does not exist; a wildcard matching nothing is empty.
    pub fn select(&self, source: &str) -> Result<Option<Vec<ViewMatch>>, StoreError> {
        let comps = paths::clean(source.as_bytes());
        let text = |c: &Vec<u8>| bytes_to_match_text(c);
        let split = comps
            .iter()
            .position(|c| glob::contains_wildcards(&text(c)))
            .unwrap_or(comps.len());
        let base: Comps = comps[..split].to_vec();
        let Some(found) = self.stat(&paths::host(&base))? else {
            return Ok(None);
        };
        if split == comps.len() {
            return Ok(Some(vec![ViewMatch { path: base, found }]));
        }
        let pattern = comps[split..]
            .iter()
            .map(text)
            .collect::<Vec<_>>()
            .join("/");
        let Ok(glob) = Glob::new(&pattern) else {
            return Ok(Some(Vec::new()));
        };
        let max_depth = 1 + glob
            .tokens()
            .iter()
            .filter(|t| matches!(t, Token::Literal('/') | Token::Class { .. }))
            .count();
        let mut out = Vec::new();
        self.collect_matches(&base, &mut Vec::new(), &glob, max_depth, &mut out)?;
        Ok(Some(out))
    }

    fn collect_matches(
        &self,
        base: &Comps,
        rel: &mut Comps,
        glob: &Glob,
        max_depth: usize,
        out: &mut Vec<ViewMatch>,
    ) -> Result<(), StoreError> {
        let dir: Comps = base.iter().chain(rel.iter()).cloned().collect();
        let Some(children) = lookup::read_dir_merged(&self.stack, &paths::host(&dir))? else {
            return Ok(());
        };
        for child in children {
            rel.push(child.name.as_bytes().to_vec());
            let rel_text = bytes_to_match_text(&paths::join(rel));
            let path: Comps = base.iter().chain(rel.iter()).cloned().collect();
            if glob.matches(&rel_text) {
                if let Some(found) = self.stat(&paths::host(&path))? {
                    out.push(ViewMatch { path, found });
                }
            } else if rel.len() < max_depth && child.metadata.is_dir() {
                self.collect_matches(base, rel, glob, max_depth, out)?;
            }
            rel.pop();
        }
        Ok(())
    }

    /// Everything below the directory `dir` (symlinks in it not followed), parents before
    /// children, siblings by name, leaving out what `exclude` matches (paths relative to `dir`;
    /// an excluded directory is still entered when the patterns have exceptions).
    pub fn walk(
        &self,
        dir: &Comps,
        exclude: Option<&PatternMatcher>,
    ) -> Result<Vec<ViewEntry>, StoreError> {
        let mut out = Vec::new();
        self.walk_into(
            dir,
            &mut Vec::new(),
            exclude,
            &MatchInfo::default(),
            &mut out,
        )?;
        Ok(out)
    }

    fn walk_into(
        &self,
        top: &Comps,
        rel: &mut Comps,
        exclude: Option<&PatternMatcher>,
        parent: &MatchInfo,
        out: &mut Vec<ViewEntry>,
    ) -> Result<(), StoreError> {
        let dir: Comps = top.iter().chain(rel.iter()).cloned().collect();
        let Some(children) = lookup::read_dir_merged(&self.stack, &paths::host(&dir))? else {
            return Ok(());
        };
        for child in children {
            // Sockets are left out (BuildKit cannot transfer them either).
            if child.metadata.file_type().is_socket() {
                continue;
            }
            rel.push(child.name.as_bytes().to_vec());
            let rel_bytes = paths::join(rel);
            let (excluded, info) = match exclude {
                Some(m) => m.matches_using_parent_results(&bytes_to_match_text(&rel_bytes), parent),
                None => (false, MatchInfo::default()),
            };
            let is_dir = child.metadata.is_dir();
            let index = out.len();
            if !excluded {
                out.push(ViewEntry {
                    rel: rel_bytes.clone(),
                    found: (child.path, child.metadata),
                });
            }
            let enter = !excluded || exclude.is_some_and(PatternMatcher::has_exclusions);
            if is_dir && enter {
                self.walk_into(top, rel, exclude, &info, out)?;
                if excluded && out.len() > index {
                    // An excluded directory holding a re-included entry is kept, as fsutil's
                    // copier creates the parents of what it copies.
                    if let Some(found) =
                        self.lstat(&paths::host(&[top.as_slice(), rel.as_slice()].concat()))?
                    {
                        out.insert(
                            index,
                            ViewEntry {
                                rel: rel_bytes,
                                found,
                            },
                        );
                    }
                }
            }
            rel.pop();
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// Two snapshot dirs: `lower` has `etc/passwd`, `a/x`, `a/y`, `link -> a`; `upper` has
    /// `a/z` and a whiteout for `a/y`.
    pub(crate) fn two_layers(root: &Path) -> RootfsView {
        let upper = root.join("upper");
        let lower = root.join("lower");
        std::fs::create_dir_all(lower.join("a")).unwrap();
        std::fs::create_dir_all(lower.join("etc")).unwrap();
        std::fs::write(lower.join("a/x"), "x").unwrap();
        std::fs::write(lower.join("a/y"), "y").unwrap();
        std::fs::write(lower.join("etc/passwd"), "root:x:0:0::/root:/bin/sh\n").unwrap();
        symlink("a", lower.join("link")).unwrap();
        std::fs::create_dir_all(upper.join("a")).unwrap();
        std::fs::write(upper.join("a/z"), "z").unwrap();
        rustix::fs::mknodat(
            rustix::fs::CWD,
            upper.join("a/y"),
            rustix::fs::FileType::CharacterDevice,
            rustix::fs::Mode::empty(),
            0,
        )
        .unwrap();
        RootfsView::new(vec![upper, lower])
    }

    #[test]
    fn select_follows_symlinks_and_expands_wildcards() {
        let dir = tempfile::tempdir().unwrap();
        let view = two_layers(dir.path());
        let m = view.select("/link/../link/x").unwrap().unwrap();
        assert_eq!(m.len(), 1);
        assert!(m[0].found.0.ends_with("lower/a/x"));
        let m = view.select("a/*").unwrap().unwrap();
        let names: Vec<String> = m.iter().map(|m| paths::display(&m.path)).collect();
        assert_eq!(names, ["/a/x", "/a/z"]);
        assert!(view.select("nope").unwrap().is_none());
        assert!(view.select("a/nope*").unwrap().unwrap().is_empty());
    }

    #[test]
    fn walk_merges_layers_and_applies_excludes() {
        let dir = tempfile::tempdir().unwrap();
        let view = two_layers(dir.path());
        let all = view.walk(&vec![b"a".to_vec()], None).unwrap();
        let rels: Vec<&[u8]> = all.iter().map(|e| e.rel.as_slice()).collect();
        assert_eq!(rels, [&b"x"[..], b"z"]);
        let ex = PatternMatcher::new(&["z"]).unwrap();
        let some = view.walk(&vec![b"a".to_vec()], Some(&ex)).unwrap();
        assert_eq!(some.len(), 1);
        // An excluded directory with a re-included entry is kept, with the real directory.
        let ex = PatternMatcher::new(&["a", "!a/z"]).unwrap();
        let kept = view.walk(&Vec::new(), Some(&ex)).unwrap();
        let rels: Vec<String> = kept
            .iter()
            .map(|e| String::from_utf8_lossy(&e.rel).into_owned())
            .collect();
        assert!(
            rels.starts_with(&["a".to_string(), "a/z".to_string()]),
            "{rels:?}"
        );
        assert!(kept[0].found.1.is_dir());
        assert_eq!(
            view.read_file(Path::new("/etc/passwd"), 100)
                .unwrap()
                .unwrap(),
            b"root:x:0:0::/root:/bin/sh\n"
        );
    }
}
