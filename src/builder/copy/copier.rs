//! Where each source lands, by BuildKit's rules (fsutil's `Copy` called once per match):
//!
//! 1. The destination's parent (or the destination itself when it ends with `/`) is made a
//!    directory, symlinks on the way followed; parents that exist keep their metadata, missing
//!    ones are created with the `--chown` owner (root otherwise) and mode 0755, whatever
//!    `--chmod` says (BuildKit 0.13, the differential tests' reference; fsutil PR #228 later made
//!    an octal `--chmod` apply to them, and moby/buildkit#5943 asks to undo that).
//! 2. The destination is resolved, a final symlink followed. A file goes inside it when it is a
//!    directory then (in lower or made by an earlier source of the same instruction), else it
//!    becomes that path. A directory's contents go into it, created when missing; the directory
//!    keeps its metadata but takes the source directory's mtime.
//! 3. Copied entries keep their mode (or `--chmod`), mtime and xattrs; the context's are owned
//!    by root, a stage's keep their owners, `--chown` sets them all. A socket becomes an empty
//!    regular file, as BuildKit receives and copies it.
//!
//! So several sources and a destination without `/` are not an error (BuildKit does not check):
//! a first file becomes the destination and the next ones replace it.

use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use super::archive::{self, Compression};
use super::layer_tree::{LayerTree, Node, link_key};
use super::mode::Chmod;
use super::paths::{self, Comps};
use super::sources::{Source, SourceFile, disk_tree};
use super::url::{self, Download};
use super::{CopyError, CopyRequest, scratch};
use crate::image::layer::entries::entry_from_disk;
use crate::image::layer::{Entry, EntryKind, FileData};

/// One COPY/ADD in progress.
pub struct Copier<'r, 'a> {
    req: &'r CopyRequest<'a>,
    tree: LayerTree<'r>,
    dest: Comps,
    dest_is_dir: bool,
    owner: Option<(u64, u64)>,
    chmod: Option<Chmod>,
    now: i64,
    scratch: &'r Path,
}

impl<'r, 'a> Copier<'r, 'a> {
    /// A copy for `req` into `tree`, with the resolved `--chown` and parsed `--chmod`.
    pub fn new(
        req: &'r CopyRequest<'a>,
        tree: LayerTree<'r>,
        owner: Option<(u64, u64)>,
        chmod: Option<Chmod>,
        now: i64,
        scratch: &'r Path,
    ) -> Self {
        let (dest, dest_is_dir) = paths::destination(&req.dest, &req.workdir);
        Self {
            req,
            tree,
            dest,
            dest_is_dir,
            owner,
            chmod,
            now,
            scratch,
        }
    }

    /// The entries made, in layer order.
    pub fn finish(self) -> Vec<Entry> {
        self.tree.into_entries()
    }

    fn line(&self) -> usize {
        self.req.line
    }

    fn created_owner(&self) -> (u64, u64) {
        self.owner.unwrap_or((0, 0))
    }

    fn mkdir_all(&mut self, comps: &[Vec<u8>]) -> Result<(), CopyError> {
        let mode = Chmod::created_dir_mode(self.chmod.as_ref());
        let owner = self.created_owner();
        self.tree.ensure_dir(comps, mode, owner, self.now)
    }

    /// Step 1 and the resolution of step 2: the real destination and what is there.
    fn prepare(&mut self) -> Result<(Comps, Option<Node>), CopyError> {
        let dest = self.dest.clone();
        let ensure = if self.dest_is_dir || dest.is_empty() {
            &dest[..]
        } else {
            &dest[..dest.len() - 1]
        };
        let (real, _) = self.tree.resolve(ensure, true)?;
        self.mkdir_all(&real)?;
        self.tree.resolve(&dest, true)
    }

    /// Where a file-like source named `name` goes.
    fn place_file(&mut self, name: &[u8]) -> Result<Comps, CopyError> {
        let (mut dst, existing) = self.prepare()?;
        if matches!(existing, Some(Node::Dir(_))) {
            if name.is_empty() {
                return Err(CopyError::IsADirectory {
                    line: self.line(),
                    path: paths::display(&dst),
                });
            }
            dst.push(name.to_vec());
        }
        if let Some((_, parent)) = dst.split_last() {
            // A directory of lower that receives the file is part of the layer.
            let parent = parent.to_vec();
            self.mkdir_all(&parent)?;
        }
        Ok(dst)
    }

    /// Where the contents of a directory source (with mtime `mtime`) go.
    fn place_dir(&mut self, mtime: i64) -> Result<Comps, CopyError> {
        let (dst, existing) = self.prepare()?;
        match existing {
            None => {
                // The parents are 0755; the destination directory itself is made as the copy
                // of the source directory, so an octal --chmod applies to it.
                self.mkdir_all(&dst)?;
                if let Some(Chmod::Octal(mode)) = self.chmod {
                    self.tree.set_mode(&dst, mode);
                }
            }
            Some(Node::Dir(_)) => {}
            Some(_) => {
                return Err(CopyError::NotADirectory {
                    line: self.line(),
                    path: paths::display(&dst),
                });
            }
        }
        self.tree.touch_dir(&dst, mtime)?;
        Ok(dst)
    }

    /// The entry for a source file on disk, at `path` in the layer.
    fn disk_entry(
        &self,
        path: Vec<u8>,
        disk: &Path,
        meta: &std::fs::Metadata,
        keep_owner: bool,
        apply_chmod: bool,
    ) -> Result<Option<Entry>, CopyError> {
        let line = self.line();
        let mut entry = if meta.file_type().is_socket() {
            // BuildKit receives a context's socket as an empty regular file (fsutil clears
            // the socket bit), and its copier makes one of a stage's ("copied as stub").
            let mut e = Entry::empty_file(path);
            e.mode = meta.mode() & 0o7777;
            (e.uid, e.gid) = (u64::from(meta.uid()), u64::from(meta.gid()));
            e.mtime = meta.mtime();
            e
        } else {
            let Some(found) = entry_from_disk(path, disk, meta)
                .map_err(|source| CopyError::Layer { line, source })?
            else {
                return Ok(None);
            };
            found.entry
        };
        if let Some(owner) = self.owner {
            (entry.uid, entry.gid) = owner;
        } else if !keep_owner {
            (entry.uid, entry.gid) = (0, 0);
        }
        if let (Some(chmod), true) = (&self.chmod, apply_chmod)
            && !matches!(entry.kind, EntryKind::Symlink { .. })
        {
            entry.mode = chmod.apply(entry.mode, entry.is_dir());
        }
        Ok(Some(entry))
    }

    fn put_disk(
        &mut self,
        comps: &[Vec<u8>],
        disk: &Path,
        meta: &std::fs::Metadata,
        keep_owner: bool,
        apply_chmod: bool,
    ) -> Result<(), CopyError> {
        if let Some(entry) =
            self.disk_entry(paths::join(comps), disk, meta, keep_owner, apply_chmod)?
        {
            self.tree.put(entry, link_key(meta))?;
        }
        Ok(())
    }

    /// Copies `below` (paths relative to a source directory) into the real directory `dst`.
    fn copy_tree(
        &mut self,
        dst: &Comps,
        below: &[SourceFile],
        keep_owner: bool,
        apply_chmod: bool,
    ) -> Result<(), CopyError> {
        for file in below {
            let mut comps = dst.clone();
            comps.extend(file.rel.split(|&b| b == b'/').map(<[u8]>::to_vec));
            self.put_disk(&comps, &file.disk, &file.meta, keep_owner, apply_chmod)?;
        }
        Ok(())
    }

    /// Whether ADD unpacks local archives here.
    fn unpacks_local(&self) -> bool {
        self.req
            .add
            .as_ref()
            .is_some_and(|add| add.unpack != Some(false))
    }

    /// Copies one selected source.
    pub fn copy_source(&mut self, src: &Source) -> Result<(), CopyError> {
        if self.req.parents {
            return self.copy_with_parents(src);
        }
        if src.meta.is_dir() {
            let dst = self.place_dir(src.meta.mtime())?;
            return self.copy_tree(&dst, &src.below, src.keep_owner, true);
        }
        if self.unpacks_local()
            && src.meta.is_file()
            && let Some(compression) =
                archive::detect(&src.disk).map_err(|source| CopyError::Io {
                    line: self.line(),
                    path: src.disk.clone(),
                    source,
                })?
        {
            return self.unpack(&src.disk, compression, &paths::display(&src.name));
        }
        let name = src.name.last().cloned().unwrap_or_default();
        let dst = self.place_file(&name)?;
        self.put_disk(&dst, &src.disk, &src.meta, src.keep_owner, true)
    }

    /// `--parents`: the destination is a directory that receives what the source directory
    /// holds of the include pattern, with the directories leading there (their source's
    /// metadata), as BuildKit's copy with `IncludePatterns`.
    fn copy_with_parents(&mut self, src: &Source) -> Result<(), CopyError> {
        let (root, existing) = self.tree.resolve(&self.dest.clone(), true)?;
        match existing {
            None => self.mkdir_all(&root)?,
            Some(Node::Dir(_)) => {}
            Some(_) => {
                return Err(CopyError::NotADirectory {
                    line: self.line(),
                    path: paths::display(&root),
                });
            }
        }
        let top: Comps = root.iter().chain(&src.name).cloned().collect();
        self.copy_tree(&top, &src.below, src.keep_owner, true)
    }

    /// Extracts an archive into the destination directory (created 0755 with the `--chown`
    /// owner); the archive's modes are kept, and its owners unless `--chown` is given.
    fn unpack(
        &mut self,
        archive_path: &Path,
        compression: Compression,
        label: &str,
    ) -> Result<(), CopyError> {
        let line = self.line();
        let (dst, _) = self.tree.resolve(&self.dest.clone(), true)?;
        let owner = self.created_owner();
        self.tree.ensure_dir(&dst, 0o755, owner, self.now)?;
        let into =
            scratch::new_dir(self.scratch, "add-archive").map_err(|source| CopyError::Io {
                line,
                path: self.scratch.to_path_buf(),
                source,
            })?;
        archive::extract(archive_path, compression, &into).map_err(|reason| {
            CopyError::Archive {
                line,
                path: label.to_string(),
                reason,
            }
        })?;
        let files = disk_tree(&into, line)?;
        // --chown owns everything extracted, as today's BuildKit does (unpack with the archive
        // package's ChownOpts); BuildKit 0.13 kept the archive's owners. Without it, the
        // archive's owners are kept.
        self.copy_tree(&dst, &files, true, false)
    }

    /// ADD of a git source: its checkout at the commit planned (resolved now when the build was
    /// planned without it) into the destination directory (see [`super::git`]).
    pub fn copy_git(&mut self, source: &str) -> Result<(), CopyError> {
        let line = self.line();
        let fail = |reason: String| CopyError::Download {
            line,
            url: source.to_string(),
            reason,
        };
        let add = self.req.add.as_ref();
        let keep_git_dir = add.is_some_and(|a| a.keep_git_dir);
        let git_source = super::git::GitSource::parse(source);
        let prefetched = add.and_then(|a| a.prefetched.as_ref());
        let no_auth = super::git::GitAuth::default();
        let auth = prefetched.map_or(&no_auth, |p| p.git_auth());
        let commit = match prefetched.and_then(|p| p.planned_commit(source)) {
            Some(c) => c,
            None => super::git::resolve(&git_source, auth).map_err(fail)?,
        };
        let root = super::git::checkout(&git_source, &commit, keep_git_dir, self.scratch, auth)
            .map_err(fail)?;
        let (dst, _) = self.tree.resolve(&self.dest.clone(), true)?;
        let owner = self.created_owner();
        self.tree.ensure_dir(&dst, 0o755, owner, self.now)?;
        let files = disk_tree(&root, line)?;
        self.copy_tree(&dst, &files, false, true)
    }

    /// ADD of an http(s) URL.
    pub fn copy_url(&mut self, source: &str, checksum: Option<&str>) -> Result<(), CopyError> {
        let line = self.line();
        let Download {
            path,
            name,
            size,
            mtime,
        } = match self
            .req
            .add
            .as_ref()
            .and_then(|a| a.prefetched.as_ref())
            .and_then(|p| p.get(source))
        {
            Some(fetched) => url::prefetched(source, &fetched, checksum, line)?,
            None => url::download(source, self.scratch, checksum, line)?,
        };
        let unpack = self.req.add.as_ref().and_then(|a| a.unpack) == Some(true);
        if unpack
            && let Some(compression) = archive::detect(&path).map_err(|source| CopyError::Io {
                line,
                path: path.clone(),
                source,
            })?
        {
            return self.unpack(&path, compression, source);
        }
        let dst = self.place_file(name.as_bytes())?;
        let mut entry = Entry::empty_file(paths::join(&dst));
        entry.kind = EntryKind::File {
            data: FileData::Disk(path),
            size,
        };
        entry.mode = self.chmod.as_ref().map_or(0o600, |c| c.apply(0o600, false));
        (entry.uid, entry.gid) = self.created_owner();
        entry.mtime = mtime.unwrap_or(self.now);
        self.tree.put(entry, None)
    }

    /// A heredoc: a file named `name` (0644 unless `--chmod`) with `content`.
    pub fn copy_inline(&mut self, name: &str, content: &str) -> Result<(), CopyError> {
        let name = paths::clean(name.as_bytes()).pop().unwrap_or_default();
        let dst = self.place_file(&name)?;
        let mut entry = Entry::empty_file(paths::join(&dst));
        entry.kind = EntryKind::File {
            data: FileData::Bytes(content.as_bytes().to_vec()),
            size: content.len() as u64,
        };
        entry.mode = self.chmod.as_ref().map_or(0o644, |c| c.apply(0o644, false));
        (entry.uid, entry.gid) = self.created_owner();
        entry.mtime = self.now;
        self.tree.put(entry, None)
    }
}
