//! The build context: walking it, `.dockerignore`, and the content (Merkle) hashes that COPY/ADD
//! cache keys are made of (DESIGN.md, "The cache key").
//!
//! * [`ignore_file`] finds and reads `.dockerignore` (`<Dockerfile>.dockerignore` first), and
//!   [`dockerignore`] matches its patterns with Docker's (moby/patternmatcher's) semantics.
//! * `walk` gives the filtered view of the context that BuildKit's walker would transfer;
//!   `select` resolves COPY/ADD sources in it (wildcards, symlinks, `..` clamped at the root).
//! * [`merkle`] defines the digests; `hash_cache` remembers file digests between runs.
//!
//! # The digests (`rbuild-ctx-v1`)
//!
//! A cache-key input: stable across machines and runs, never depending on mtimes, owners or
//! inodes. `lp(x)` is `x`'s byte length as a big-endian u64 followed by `x`.
//!
//! * A regular file's digest is `sha256(content)`.
//! * A symlink's is `sha256(lp("rbuild-ctx-v1/symlink") || lp(target))`; it is never followed
//!   (except when a COPY source names it directly, as BuildKit follows it then).
//! * A fifo's or device's is `sha256(lp("rbuild-ctx-v1/special") || lp(type) || u64 major ||
//!   u64 minor)`; such files are never opened. A Unix socket is an empty regular file (BuildKit's
//!   context transfer sends it as one).
//! * A directory's is `sha256(lp("rbuild-ctx-v1/dir") || u64 n || record(child)...)` over its
//!   children in the filtered view, sorted by name bytes.
//! * `record(e)` = `lp(name) || lp(type) || u32 (mode & 0o7777) || lp(link target) ||
//!   lp(digest)`, type being `file`, `dir`, `symlink`, `fifo`, `char` or `block`, the digest 32
//!   raw bytes, the mode the permission bits with setuid, setgid and sticky.
//! * What a list of sources selects ([`SourcesDigest::digest`]) is
//!   `sha256(lp("rbuild-ctx-v1/sources") || u64 n || record(match)...)`, the matches in source
//!   order (a wildcard's in lexical order), each named by its path relative to the root (`.` for
//!   the root) and described by what it resolves to.
//!
//! Names are raw bytes, so non-UTF-8 file names are hashed exactly; pattern matching sees each
//! byte of an invalid UTF-8 sequence as U+FFFD (as Go does), and displayed paths are lossy.
//! Hard links are hashed as regular files. rbuild targets Linux: this module uses Unix metadata.

pub mod dockerignore;
pub(crate) mod glob;
mod hash_cache;
pub mod ignore_file;
pub mod merkle;
pub mod parents;
mod select;
mod walk;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use dockerignore::PatternMatcher;
use hash_cache::{FileStamp, HashCache};
use ignore_file::IgnoreFile;
use merkle::{EntryType, Hash, Record};
use select::{Selected, display_path};
use walk::{Entry, Filter, Walker, abs_path};

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
    /// A source points outside the context (`../x`). Not produced today: like BuildKit, rbuild
    /// clamps `..` at the context root.
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
    /// A `COPY --exclude` pattern is malformed.
    #[error("--exclude={pattern}: {message}")]
    BadExcludePattern {
        /// The pattern as written.
        pattern: String,
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
    /// Every entry of the selection with a short digest of what it is, by path relative to the
    /// context root: not part of [`digest`](Self::digest)'s encoding, only what a cache miss
    /// is explained with (which file changed).
    pub listing: Vec<(String, String)>,
}

/// One path a COPY/ADD source selected, with the filtered tree below it: what the copy reads
/// (see [`BuildContext::select_for_copy`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectedTree {
    /// Index, in the list given, of the source that selected it.
    pub source: usize,
    /// The path as matched, relative to the root (empty for the root): what names it in the
    /// destination.
    pub path: Vec<u8>,
    /// Where it resolves after following symlinks, relative to the root (what is copied).
    pub resolved: Vec<u8>,
    /// Whether it resolves to a directory (its contents are copied).
    pub is_dir: bool,
    /// Every entry below it in the filtered view (`.dockerignore` and `--exclude` applied),
    /// relative to `resolved`, parents before children, siblings by name bytes.
    pub entries: Vec<Vec<u8>>,
}

/// How much work hashing did, summed over a [`BuildContext`]'s life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HashStats {
    /// Regular files actually read and hashed.
    pub files_hashed: u64,
    /// Regular files whose digest came from the hash cache.
    pub files_from_cache: u64,
    /// Bytes read to hash files.
    pub bytes_hashed: u64,
}

/// An opened build context.
#[derive(Debug)]
pub struct BuildContext {
    root: PathBuf,
    ignore_file: IgnoreFile,
    ignore: Filter,
    cache: HashCache,
    files_hashed: AtomicU64,
    files_from_cache: AtomicU64,
    bytes_hashed: AtomicU64,
}

impl BuildContext {
    /// Opens the context at `root`, reading `<dockerfile>.dockerignore` (next to the Dockerfile)
    /// or else `root/.dockerignore`, with hashes cached in `hash_cache` when given.
    ///
    /// A missing, unreadable or corrupt hash cache is ignored (everything is rehashed). The cache
    /// is saved by [`BuildContext::save_hash_cache`], and on drop (errors ignored there).
    pub fn open(
        root: &Path,
        dockerfile: Option<&Path>,
        hash_cache: Option<&Path>,
    ) -> Result<Self, ContextError> {
        let io = |source| ContextError::Io {
            path: root.to_path_buf(),
            source,
        };
        let root = std::fs::canonicalize(root).map_err(io)?;
        if !std::fs::metadata(&root).map_err(io)?.is_dir() {
            return Err(io(std::io::Error::other(
                "the build context is not a directory",
            )));
        }
        let ignore_file = IgnoreFile::locate(&root, dockerfile)?;
        let ignore = Filter::ignore(ignore_file.matcher()?);
        let cache = HashCache::load(hash_cache, &root);
        Ok(Self {
            root,
            ignore_file,
            ignore,
            cache,
            files_hashed: AtomicU64::new(0),
            files_from_cache: AtomicU64::new(0),
            bytes_hashed: AtomicU64::new(0),
        })
    }

    /// The context's root directory (canonical).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The ignore file in effect, if any.
    pub fn ignore_file_path(&self) -> Option<&Path> {
        self.ignore_file.path.as_deref()
    }

    /// The ignore patterns in effect, as read (`!` kept), each with its line.
    pub fn ignore_patterns(&self) -> &[(usize, String)] {
        &self.ignore_file.patterns
    }

    /// Whether `.dockerignore` excludes the path `rel` (relative to the root) itself or a parent
    /// directory that the walk does not enter. An excluded directory may still hold re-included
    /// entries.
    pub fn is_ignored(&self, rel: &str) -> bool {
        let cleaned = glob::clean(rel);
        let rel = cleaned.trim_start_matches('/');
        if rel.is_empty() || rel == "." {
            return false;
        }
        self.walker(None)
            .ignore_state(rel.as_bytes())
            .is_none_or(|(excluded, _)| excluded)
    }

    /// Hashes what `sources` (COPY/ADD sources, wildcards allowed) select, after `.dockerignore`.
    pub fn hash_sources(&self, sources: &[String]) -> Result<SourcesDigest, ContextError> {
        self.hash_sources_with(sources, &[])
    }

    /// Like [`BuildContext::hash_sources`], leaving out what `excludes` (`COPY --exclude`
    /// patterns, `.dockerignore` syntax) match below each selected path, as BuildKit's copy does.
    pub fn hash_sources_with(
        &self,
        sources: &[String],
        excludes: &[String],
    ) -> Result<SourcesDigest, ContextError> {
        let exclude = exclude_filter(excludes)?;
        self.hash_trees(self.select_trees(sources, exclude.as_ref(), false)?)
    }

    /// Like [`BuildContext::hash_sources_with`] for `COPY --parents` sources, each selecting
    /// what its include pattern matches below its directory ([`parents`]).
    pub fn hash_parents_sources(
        &self,
        sources: &[String],
        excludes: &[String],
    ) -> Result<SourcesDigest, ContextError> {
        let exclude = exclude_filter(excludes)?;
        self.hash_trees(self.select_trees(sources, exclude.as_ref(), true)?)
    }

    /// The digest of selected trees.
    fn hash_trees(&self, mut tops: Vec<(Selected, Entry)>) -> Result<SourcesDigest, ContextError> {
        let start_ns = now_ns();

        let mut jobs: Vec<(Vec<u8>, FileStamp)> = Vec::new();
        for (_, tree) in &tops {
            tree.visit(&mut |e| {
                if e.kind == EntryType::File {
                    jobs.push((e.rel.clone(), e.stamp));
                }
            });
        }
        let digests = jobs
            .par_iter()
            .map(|(rel, stamp)| self.file_digest(rel, stamp, start_ns))
            .collect::<Result<Vec<Hash>, ContextError>>()?;
        let mut digests = digests.into_iter();

        let mut entries = 0;
        for (_, tree) in &mut tops {
            finish(tree, &mut digests, &mut entries);
        }
        let names: Vec<Vec<u8>> = tops
            .iter()
            .map(|(sel, _)| display_path(&sel.path).into_bytes())
            .collect();
        let records: Vec<Record<'_>> = tops
            .iter()
            .zip(&names)
            .map(|((_, tree), name)| record(name, tree))
            .collect();
        let mut listing = Vec::with_capacity(entries);
        for (_, tree) in &tops {
            tree.visit(&mut |e| listing.push((display_path(&e.rel), listing_value(e))));
        }
        Ok(SourcesDigest {
            listing,
            digest: merkle::display(&merkle::sources_digest(&records)),
            paths: tops
                .iter()
                .map(|(sel, tree)| (display_path(&sel.path), merkle::display(&tree.digest)))
                .collect(),
            entries,
        })
    }

    /// Every entry (file, symlink, directory, ...) the sources select, relative to the root, in
    /// walk order, without hashing: a plan's "inputs".
    pub fn selected_paths(
        &self,
        sources: &[String],
        excludes: &[String],
    ) -> Result<Vec<String>, ContextError> {
        let exclude = exclude_filter(excludes)?;
        let mut out = Vec::new();
        for (_, tree) in self.select_trees(sources, exclude.as_ref(), false)? {
            tree.visit(&mut |e| out.push(display_path(&e.rel)));
        }
        Ok(out)
    }

    /// What `sources` select for a copy, source by source (a wildcard's matches in lexical
    /// order; a wildcard matching nothing selects nothing), with `excludes` (`COPY --exclude`)
    /// left out below each selected path. A missing path without wildcards is
    /// [`ContextError::NotFound`].
    ///
    /// With `parents` (`COPY --parents`), each source selects the directories before its `/./`
    /// pivot (`/` without one), each holding only what the include pattern after it matches
    /// ([`parents`]).
    pub fn select_for_copy(
        &self,
        sources: &[String],
        excludes: &[String],
        parents: bool,
    ) -> Result<Vec<SelectedTree>, ContextError> {
        let exclude = exclude_filter(excludes)?;
        let mut out = Vec::new();
        for (index, source) in sources.iter().enumerate() {
            let trees =
                self.select_trees(std::slice::from_ref(source), exclude.as_ref(), parents)?;
            for (sel, tree) in trees {
                let skip = if sel.resolved.is_empty() {
                    0
                } else {
                    sel.resolved.len() + 1
                };
                let mut entries = Vec::new();
                for child in &tree.children {
                    child.visit(&mut |e| entries.push(e.rel[skip..].to_vec()));
                }
                out.push(SelectedTree {
                    source: index,
                    path: sel.path,
                    resolved: sel.resolved,
                    is_dir: tree.kind == EntryType::Dir,
                    entries,
                });
            }
        }
        Ok(out)
    }

    /// The work done so far.
    pub fn stats(&self) -> HashStats {
        HashStats {
            files_hashed: self.files_hashed.load(Ordering::Relaxed),
            files_from_cache: self.files_from_cache.load(Ordering::Relaxed),
            bytes_hashed: self.bytes_hashed.load(Ordering::Relaxed),
        }
    }

    /// Writes the hash cache (temp file, fsync, rename) if one was given and anything changed.
    pub fn save_hash_cache(&self) -> Result<(), ContextError> {
        self.cache.save().map_err(|source| ContextError::Io {
            path: self.root.clone(),
            source,
        })
    }

    fn walker<'a>(&'a self, exclude: Option<&'a Filter>) -> Walker<'a> {
        Walker {
            root: &self.root,
            ignore: &self.ignore,
            exclude,
        }
    }

    fn select_trees(
        &self,
        sources: &[String],
        exclude: Option<&Filter>,
        parents: bool,
    ) -> Result<Vec<(Selected, Entry)>, ContextError> {
        let walker = self.walker(exclude);
        let mut tops = Vec::new();
        for source in sources {
            if parents {
                self.select_parents(&walker, source, &mut tops)?;
                continue;
            }
            for selected in select::select(&walker, source)? {
                let tree =
                    walker
                        .tree(&selected.resolved)?
                        .ok_or_else(|| ContextError::NotFound {
                            pattern: source.clone(),
                        })?;
                tops.push((selected, tree));
            }
        }
        Ok(tops)
    }

    /// [`BuildContext::select_trees`] of one `--parents` source: the directories its part
    /// before the pivot selects, pruned to what its include pattern matches.
    fn select_parents(
        &self,
        walker: &Walker<'_>,
        source: &str,
        tops: &mut Vec<(Selected, Entry)>,
    ) -> Result<(), ContextError> {
        let not_found = || ContextError::NotFound {
            pattern: source.to_string(),
        };
        let split = parents::ParentsSource::split(source);
        if let Some(required) = split.required() {
            select::select(walker, &required).map_err(|e| match e {
                ContextError::NotFound { .. } => not_found(),
                other => other,
            })?;
        }
        let matcher = split.matcher();
        for selected in select::select(walker, &split.src)? {
            let mut tree = walker.tree(&selected.resolved)?.ok_or_else(not_found)?;
            if tree.kind != EntryType::Dir {
                continue;
            }
            if let Some(m) = &matcher {
                let skip = if selected.resolved.is_empty() {
                    0
                } else {
                    selected.resolved.len() + 1
                };
                parents::prune(&mut tree, m, skip, &dockerignore::MatchInfo::default());
            }
            tops.push((selected, tree));
        }
        Ok(())
    }

    fn file_digest(
        &self,
        rel: &[u8],
        stamp: &FileStamp,
        start_ns: i64,
    ) -> Result<Hash, ContextError> {
        if let Some(digest) = self.cache.get(rel, stamp) {
            self.files_from_cache.fetch_add(1, Ordering::Relaxed);
            return Ok(digest);
        }
        let path = abs_path(&self.root, rel);
        let io = |source| ContextError::Io {
            path: path.clone(),
            source,
        };
        let mut file = match std::fs::File::open(&path) {
            Ok(file) => file,
            // A socket cannot be opened (ENXIO): it is an empty file (see the module docs).
            Err(e)
                if e.raw_os_error() == Some(rustix::io::Errno::NXIO.raw_os_error())
                    && is_socket(&path) =>
            {
                return Ok(Sha256::digest([]).into());
            }
            Err(e) => return Err(io(e)),
        };
        let opened = FileStamp::of(&file.metadata().map_err(io)?);
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 256 * 1024];
        let mut total = 0u64;
        loop {
            match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    hasher.update(&buf[..n]);
                    total += n as u64;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io(e)),
            }
        }
        let digest: Hash = hasher.finalize().into();
        self.files_hashed.fetch_add(1, Ordering::Relaxed);
        self.bytes_hashed.fetch_add(total, Ordering::Relaxed);
        if opened == *stamp && total == stamp.size && !stamp.is_racy(start_ns) {
            self.cache.put(rel, *stamp, digest);
        }
        Ok(digest)
    }
}

impl Drop for BuildContext {
    fn drop(&mut self) {
        let _ = self.cache.save();
    }
}

/// Whether `path` is a Unix socket (not following a symlink).
fn is_socket(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    path.symlink_metadata()
        .is_ok_and(|m| m.file_type().is_socket())
}

fn exclude_filter(excludes: &[String]) -> Result<Option<Filter>, ContextError> {
    if excludes.is_empty() {
        return Ok(None);
    }
    let matcher = PatternMatcher::new(excludes).map_err(|e| ContextError::BadExcludePattern {
        pattern: excludes.get(e.index).cloned().unwrap_or_default(),
        message: e.message,
    })?;
    Ok(Some(Filter::copy_excludes(matcher)))
}

fn record<'a>(name: &'a [u8], entry: &'a Entry) -> Record<'a> {
    Record {
        name,
        kind: entry.kind,
        mode: entry.mode,
        link_target: &entry.link_target,
        digest: &entry.digest,
    }
}

/// Fills in the digests below and of `entry` (file digests taken in walk order).
fn finish(entry: &mut Entry, files: &mut impl Iterator<Item = Hash>, count: &mut usize) {
    *count += 1;
    entry.digest = match entry.kind {
        EntryType::File => files.next().unwrap_or_default(),
        EntryType::Symlink => merkle::symlink_digest(&entry.link_target),
        EntryType::Dir => {
            for child in &mut entry.children {
                finish(child, files, count);
            }
            let mut records: Vec<Record<'_>> =
                entry.children.iter().map(|c| record(c.name(), c)).collect();
            merkle::dir_digest(&mut records)
        }
        kind => {
            let dev = entry.rdev;
            let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & 0xffff_f000);
            let minor = (dev & 0xff) | ((dev >> 12) & 0xffff_ff00);
            merkle::special_digest(kind, major, minor)
        }
    };
}

/// What a listing says of an entry: its type and permission bits, and for anything but a
/// directory the first 16 hex digits of its digest (content, symlink target or device).
fn listing_value(e: &Entry) -> String {
    let mode = e.mode & 0o7777;
    match e.kind {
        EntryType::Dir => format!("dir {mode:o}"),
        kind => {
            let hex = merkle::display(&e.digest);
            let hex = hex.strip_prefix("sha256:").unwrap_or(&hex);
            format!("{} {mode:o} {}", kind.tag(), hex.get(..16).unwrap_or(hex))
        }
    }
}

fn now_ns() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}
