//! `COPY --parents` as BuildKit's Dockerfile frontend turns it into a copy: a source
//! `<src>/./<pattern>` (or, without the `/./` pivot, `/` and the whole source as the pattern)
//! copies the contents of `<src>` (wildcards allowed) that the include pattern matches, with
//! patternmatcher's rules (`**` crosses directories; what is below a matched directory is
//! included), and the directories leading to each of them.

use super::dockerignore::{MatchInfo, PatternMatcher};
use super::glob::{self, bytes_to_match_text};
use super::walk::Entry;

/// A `--parents` source split as BuildKit splits it: the directory copied from and the include
/// pattern (cleaned, relative to it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentsSource {
    /// What is copied from (may hold wildcards): the part before `/./`, or `/`.
    pub src: String,
    /// The include pattern below `src`.
    pub pattern: String,
}

impl ParentsSource {
    /// Splits `source` at its first `/./`.
    pub fn split(source: &str) -> Self {
        let (src, pattern) = match source.split_once("/./") {
            Some((src, pattern)) => (src.to_string(), pattern),
            None => ("/".to_string(), source),
        };
        let pattern = glob::clean(&format!("/{pattern}"))
            .trim_start_matches('/')
            .to_string();
        Self { src, pattern }
    }

    /// The path that must exist when neither part holds a wildcard (BuildKit's
    /// `RequiredPaths`), else `None`.
    pub fn required(&self) -> Option<String> {
        let wild = |s: &str| s.split('/').any(glob::contains_wildcards);
        (!wild(&self.src) && !wild(&self.pattern))
            .then(|| format!("{}/{}", self.src.trim_end_matches('/'), self.pattern))
    }

    /// The include matcher of the pattern (`None`: the pattern selects everything).
    pub fn matcher(&self) -> Option<PatternMatcher> {
        if self.pattern.is_empty() {
            return None;
        }
        PatternMatcher::new(&[self.pattern.as_str()]).ok()
    }
}

/// `entry` (a directory tree) with only what `matcher` includes below it and the directories
/// leading there; `skip` is the length of the entry's own path prefix (`rel[skip..]` is a
/// child's path relative to it).
pub fn prune(entry: &mut Entry, matcher: &PatternMatcher, skip: usize, parent: &MatchInfo) {
    let children = std::mem::take(&mut entry.children);
    for mut child in children {
        let rel = bytes_to_match_text(child.rel.get(skip..).unwrap_or_default());
        let (matched, info) = matcher.matches_using_parent_results(&rel, parent);
        if !matched {
            prune(&mut child, matcher, skip, &info);
            if child.children.is_empty() {
                continue;
            }
        }
        entry.children.push(child);
    }
}

/// Which of `paths` (relative, parents before children, as a walk lists them; `is_dir` for
/// each) `matcher` includes with the directories leading to them: a mask over `paths`.
pub fn included(paths: &[(&[u8], bool)], matcher: &PatternMatcher) -> Vec<bool> {
    let mut infos: std::collections::HashMap<&[u8], MatchInfo> = Default::default();
    let mut keep = vec![false; paths.len()];
    let mut index: std::collections::HashMap<&[u8], usize> = Default::default();
    for (i, (rel, is_dir)) in paths.iter().enumerate() {
        index.insert(rel, i);
        let parent_rel: &[u8] = rel
            .iter()
            .rposition(|&b| b == b'/')
            .map_or(&[], |p| &rel[..p]);
        let parent = infos.get(parent_rel).cloned().unwrap_or_default();
        let (matched, info) =
            matcher.matches_using_parent_results(&bytes_to_match_text(rel), &parent);
        if *is_dir {
            infos.insert(rel, info);
        }
        if matched {
            keep[i] = true;
            // The directories leading to it.
            let mut at = *rel;
            while let Some(p) = at.iter().rposition(|&b| b == b'/') {
                at = &at[..p];
                match index.get(at) {
                    Some(&j) if !keep[j] => keep[j] = true,
                    _ => break,
                }
            }
        }
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_split_as_buildkit_splits_them() {
        let s = ParentsSource::split("/test/a/b*/./c/**/e");
        assert_eq!(
            (s.src.as_str(), s.pattern.as_str()),
            ("/test/a/b*", "c/**/e")
        );
        assert_eq!(s.required(), None);
        let s = ParentsSource::split("foo1/foo2/bar");
        assert_eq!((s.src.as_str(), s.pattern.as_str()), ("/", "foo1/foo2/bar"));
        assert_eq!(s.required().as_deref(), Some("/foo1/foo2/bar"));
        let s = ParentsSource::split("/test/a/b/c/d/.");
        assert_eq!((s.src.as_str(), s.pattern.as_str()), ("/", "test/a/b/c/d"));
    }

    #[test]
    fn double_stars_cross_directories_and_parents_are_kept() {
        let m = PatternMatcher::new(&["c/**/e"]).unwrap();
        let paths: Vec<(&[u8], bool)> = vec![
            (b"c", true),
            (b"c/d", true),
            (b"c/d/e", true),
            (b"c/d/e/bay", false),
            (b"c/d/foo", false),
            (b"x", false),
        ];
        assert_eq!(included(&paths, &m), [true, true, true, true, false, false]);
    }
}
