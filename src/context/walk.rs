//! Walking the context as BuildKit's fsutil walker sees it after `.dockerignore`: the filtered
//! view that COPY/ADD select from.
//!
//! An excluded directory is not entered unless an exception pattern could re-include something
//! below it (fsutil's rule: always, when an exception has wildcards before its trailing `/*` or
//! `/**`; otherwise when an exception's text starts with the directory's path). An excluded
//! directory is still present when something below it is re-included (it holds that entry). Unix
//! sockets are empty regular files (as BuildKit receives them); fifos and devices are entries
//! hashed by type and device number, never opened. Nothing is followed: a symlink is an entry.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use super::ContextError;
use super::dockerignore::{MatchInfo, PatternMatcher};
use super::glob::bytes_to_match_text;
use super::hash_cache::FileStamp;
use super::merkle::{EntryType, Hash};

/// A pattern list with the walker's rules for entering excluded directories.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    matcher: PatternMatcher,
    only_prefix_exceptions: bool,
    always_descend: bool,
}

impl Filter {
    /// The `.dockerignore` filter (fsutil walker rules).
    pub fn ignore(matcher: PatternMatcher) -> Self {
        let only_prefix_exceptions = matcher
            .patterns()
            .iter()
            .filter(|p| p.is_exclusion())
            .all(|p| !without_trailing_glob(p.as_str()).contains(['*', '[', ']', '?', '^', '\\']));
        Self {
            matcher,
            only_prefix_exceptions,
            always_descend: false,
        }
    }

    /// A `COPY --exclude` filter: excluded directories are always entered (fsutil's copier).
    pub fn copy_excludes(matcher: PatternMatcher) -> Self {
        Self {
            matcher,
            only_prefix_exceptions: false,
            always_descend: true,
        }
    }

    /// Whether `rel` is excluded given its parent's results, and the results for its children.
    pub fn eval(&self, rel: &[u8], parent: &MatchInfo) -> (bool, MatchInfo) {
        if self.matcher.patterns().is_empty() {
            return (false, MatchInfo::default());
        }
        self.matcher
            .matches_using_parent_results(&bytes_to_match_text(rel), parent)
    }

    /// Whether the walker enters the excluded directory `rel`.
    pub fn descend_excluded(&self, rel: &[u8]) -> bool {
        if self.always_descend || !self.only_prefix_exceptions {
            return true;
        }
        if !self.matcher.has_exclusions() {
            return false;
        }
        let mut dir = bytes_to_match_text(rel);
        dir.push('/');
        self.matcher
            .patterns()
            .iter()
            .filter(|p| p.is_exclusion())
            .any(|p| {
                let mut pat = without_trailing_glob(p.as_str()).to_string();
                pat.push('/');
                pat.starts_with(&dir)
            })
    }
}

fn without_trailing_glob(pattern: &str) -> &str {
    let p = pattern.strip_suffix("/**").unwrap_or(pattern);
    p.strip_suffix("/*").unwrap_or(p)
}

/// One entry of the filtered view.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Path relative to the context root (raw bytes, `/`-separated; empty for the root).
    pub rel: Vec<u8>,
    /// Its type.
    pub kind: EntryType,
    /// `st_mode`.
    pub mode: u32,
    /// The symlink's target.
    pub link_target: Vec<u8>,
    /// What the hash cache checks.
    pub stamp: FileStamp,
    /// Device number of a device entry.
    pub rdev: u64,
    /// Present children, sorted by name bytes.
    pub children: Vec<Entry>,
    /// The entry's digest, once computed.
    pub digest: Hash,
}

impl Entry {
    /// The last component of the path (the root's is empty).
    pub fn name(&self) -> &[u8] {
        match self.rel.iter().rposition(|&b| b == b'/') {
            Some(i) => &self.rel[i + 1..],
            None => &self.rel,
        }
    }

    /// Calls `f` on this entry and everything below it, parents first.
    pub fn visit<'a>(&'a self, f: &mut impl FnMut(&'a Entry)) {
        f(self);
        for child in &self.children {
            child.visit(f);
        }
    }
}

/// Joins a relative path and a name.
pub fn join_rel(rel: &[u8], name: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rel.len() + 1 + name.len());
    out.extend_from_slice(rel);
    if !rel.is_empty() {
        out.push(b'/');
    }
    out.extend_from_slice(name);
    out
}

/// The absolute path of a relative one.
pub fn abs_path(root: &Path, rel: &[u8]) -> PathBuf {
    if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(OsStr::from_bytes(rel))
    }
}

fn io_error(path: PathBuf, source: std::io::Error) -> ContextError {
    ContextError::Io { path, source }
}

/// Reads the filtered view below a context root.
#[derive(Debug, Clone, Copy)]
pub struct Walker<'a> {
    /// The context root.
    pub root: &'a Path,
    /// `.dockerignore`, on paths relative to the root.
    pub ignore: &'a Filter,
    /// `COPY --exclude`, on paths relative to the walked source.
    pub exclude: Option<&'a Filter>,
}

impl Walker<'_> {
    /// `.dockerignore`'s verdict on `rel` (empty: the root, never excluded): `None` when a parent
    /// directory is excluded and not entered, else whether `rel` itself is excluded and its
    /// results.
    pub fn ignore_state(&self, rel: &[u8]) -> Option<(bool, MatchInfo)> {
        if rel.is_empty() {
            return Some((false, MatchInfo::default()));
        }
        let mut info = MatchInfo::default();
        for (i, _) in rel.iter().enumerate().filter(|(_, b)| **b == b'/') {
            let parent = &rel[..i];
            let (excluded, next) = self.ignore.eval(parent, &info);
            if excluded && !self.ignore.descend_excluded(parent) {
                return None;
            }
            info = next;
        }
        Some(self.ignore.eval(rel, &info))
    }

    /// Whether `rel` is in the filtered view (exists, not ignored or holding something that is).
    pub fn is_present(&self, rel: &[u8]) -> Result<bool, ContextError> {
        match self.ignore_state(rel) {
            None => Ok(false),
            Some((false, _)) => match std::fs::symlink_metadata(abs_path(self.root, rel)) {
                Ok(_) => Ok(true),
                Err(e) if is_missing(&e) => Ok(false),
                Err(e) => Err(io_error(abs_path(self.root, rel), e)),
            },
            Some((true, _)) => Ok(self.tree(rel)?.is_some()),
        }
    }

    /// The filtered tree at `rel` (`None` when it is absent or entirely ignored). A `COPY
    /// --exclude` filter applies below `rel`, never to `rel` itself.
    pub fn tree(&self, rel: &[u8]) -> Result<Option<Entry>, ContextError> {
        let Some((excluded, info)) = self.ignore_state(rel) else {
            return Ok(None);
        };
        let abs = abs_path(self.root, rel);
        let meta = match std::fs::symlink_metadata(&abs) {
            Ok(meta) => meta,
            Err(e) if is_missing(&e) => return Ok(None),
            Err(e) => return Err(io_error(abs, e)),
        };
        let state = State {
            ignored: excluded,
            ignore_info: info,
            excluded: false,
            exclude_info: MatchInfo::default(),
        };
        self.build(rel.to_vec(), rel.len(), &meta, state)
    }

    fn build(
        &self,
        rel: Vec<u8>,
        src_base: usize,
        meta: &std::fs::Metadata,
        state: State,
    ) -> Result<Option<Entry>, ContextError> {
        let ft = meta.file_type();
        let hidden = state.ignored || state.excluded;
        let kind = if ft.is_dir() {
            EntryType::Dir
        } else if ft.is_file() {
            EntryType::File
        } else if ft.is_symlink() {
            EntryType::Symlink
        } else if ft.is_fifo() {
            EntryType::Fifo
        } else if ft.is_char_device() {
            EntryType::CharDevice
        } else if ft.is_block_device() {
            EntryType::BlockDevice
        } else if ft.is_socket() {
            // fsutil sends a socket's stat without the socket bit: BuildKit's side makes it an
            // empty regular file (hashed as one, see `BuildContext::file_digest`).
            EntryType::File
        } else {
            return Ok(None);
        };
        let abs = abs_path(self.root, &rel);
        let mut entry = Entry {
            rel,
            kind,
            mode: meta.mode(),
            link_target: Vec::new(),
            stamp: FileStamp::of(meta),
            rdev: meta.rdev(),
            children: Vec::new(),
            digest: [0; 32],
        };
        if kind != EntryType::Dir {
            if hidden {
                return Ok(None);
            }
            if kind == EntryType::Symlink {
                let target = std::fs::read_link(&abs).map_err(|e| io_error(abs.clone(), e))?;
                entry.link_target = target.into_os_string().into_encoded_bytes();
            }
            return Ok(Some(entry));
        }
        if state.ignored && !self.ignore.descend_excluded(&entry.rel) {
            return Ok(None);
        }
        let reader = match std::fs::read_dir(&abs) {
            Ok(reader) => reader,
            Err(e) if hidden && e.kind() == std::io::ErrorKind::PermissionDenied => {
                return Ok(None);
            }
            Err(e) => return Err(io_error(abs, e)),
        };
        for dirent in reader {
            let dirent = dirent.map_err(|e| io_error(abs.clone(), e))?;
            let child_rel = join_rel(&entry.rel, dirent.file_name().as_bytes());
            let child_meta = match dirent.metadata() {
                Ok(meta) => meta,
                Err(e) if is_missing(&e) => continue,
                Err(e) => return Err(io_error(dirent.path(), e)),
            };
            let (ignored, ignore_info) = self.ignore.eval(&child_rel, &state.ignore_info);
            let (excluded, exclude_info) = match self.exclude {
                Some(filter) => {
                    let from = if src_base == 0 { 0 } else { src_base + 1 };
                    filter.eval(&child_rel[from..], &state.exclude_info)
                }
                None => (false, MatchInfo::default()),
            };
            let child_state = State {
                ignored,
                ignore_info,
                excluded,
                exclude_info,
            };
            if let Some(child) = self.build(child_rel, src_base, &child_meta, child_state)? {
                entry.children.push(child);
            }
        }
        if hidden && entry.children.is_empty() {
            return Ok(None);
        }
        entry.children.sort_by(|a, b| a.rel.cmp(&b.rel));
        Ok(Some(entry))
    }
}

/// Pattern results carried from a directory to its children.
struct State {
    ignored: bool,
    ignore_info: MatchInfo,
    excluded: bool,
    exclude_info: MatchInfo,
}

/// Whether an error means the path is not there (or a parent is not a directory).
pub fn is_missing(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::NotFound || e.raw_os_error() == Some(20) // ENOTDIR
}
