//! Host views of what a bind or cache mount reads: the build context's selected files
//! (`.dockerignore` applied) copied into a scratch dir, or a stage's or image's snapshot stack as
//! an overlay with a throwaway upper dir; and the `source=` path resolved inside the view, never
//! through a symlink out of it.

use std::fs;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags, ResolveFlags, openat2};

use crate::builder::BuildError;
use crate::context::BuildContext;
use crate::exec::overlay::{OverlayDirs, OverlayMount};

/// A view's root on the host; an overlay is unmounted when it drops.
#[derive(Debug)]
pub struct View {
    /// The root directory.
    pub root: PathBuf,
    _mount: Option<OverlayMount>,
}

/// A view of `lower` (snapshot dirs, top first) under `dir`: the dir itself when there is one
/// and the view is read-only, else an overlay whose writes go to a throwaway upper dir.
///
/// With `copy` (the container isolation, which cannot mount and places a view by renaming it),
/// the view is always a private copy of the merged layers under `dir`.
pub fn stack_view(
    lower: &[PathBuf],
    writable: bool,
    dir: &Path,
    line: usize,
    copy: bool,
) -> Result<View, BuildError> {
    if copy {
        let root = dir.join("merged");
        fs::create_dir_all(&root)
            .map_err(|e| BuildError::at(line, format!("creating {}: {e}", root.display())))?;
        let keep = crate::exec::container::keep::Keep::default();
        for layer in lower.iter().rev() {
            crate::exec::container::materialize::apply(&root, layer, &keep)
                .map_err(|e| BuildError::at(line, format!("copying a mount's files: {e}")))?;
        }
        return Ok(View { root, _mount: None });
    }
    if let ([only], false) = (lower, writable) {
        return Ok(View {
            root: only.clone(),
            _mount: None,
        });
    }
    let dirs = OverlayDirs {
        lower: lower.to_vec(),
        empty: dir.join("empty"),
        upper: dir.join("upper"),
        work: dir.join("work"),
        merged: dir.join("merged"),
    };
    let mount = dirs
        .mount()
        .map_err(|source| BuildError::Exec { line, source })?;
    Ok(View {
        root: dirs.merged.clone(),
        _mount: Some(mount),
    })
}

/// Copies what `source` selects in the context (`.dockerignore` applied) to `dest`; returns
/// the path to mount (`dest` for a directory, the copied file otherwise). Files are hard-linked
/// where possible (a directory is mounted read-only or as an overlay's lower dir) except a
/// single file that will be mounted `writable`, which is copied.
pub fn materialize_context(
    context: &BuildContext,
    source: &str,
    dest: &Path,
    writable: bool,
    line: usize,
) -> Result<PathBuf, BuildError> {
    let selected = context
        .select_for_copy(&[source.to_string()], &[], false)
        .map_err(|e| BuildError::at(line, format!("bind mount source `{source}`: {e}")))?;
    let Some(sel) = selected.into_iter().next() else {
        return Err(BuildError::at(
            line,
            format!("bind mount source `{source}` not found in the build context"),
        ));
    };
    let from = context.root().join(bytes_path(&sel.resolved));
    if !sel.is_dir {
        fs::create_dir_all(dest).map_err(|e| io(line, "creating", dest, e))?;
        let file = dest.join("file");
        copy_entry(&from, &file, !writable, line)?;
        return Ok(file);
    }
    copy_entry(&from, dest, true, line)?;
    for rel in &sel.entries {
        copy_entry(
            &from.join(bytes_path(rel)),
            &dest.join(bytes_path(rel)),
            true,
            line,
        )?;
    }
    Ok(dest.to_path_buf())
}

/// `rel` (relative, cleaned) resolved inside `root` as the container would resolve it:
/// symlinks stay inside `root`. The host path of what it names.
pub fn resolve_in_root(root: &Path, rel: &str, line: usize) -> Result<PathBuf, BuildError> {
    if rel.is_empty() {
        return Ok(root.to_path_buf());
    }
    let rootfd = fs::File::open(root).map_err(|e| io(line, "opening", root, e))?;
    let fd = openat2(
        &rootfd,
        rel,
        OFlags::PATH | OFlags::CLOEXEC,
        Mode::empty(),
        ResolveFlags::IN_ROOT,
    )
    .map_err(|e| BuildError::at(line, format!("mount source `{rel}`: {e}")))?;
    let real = fs::read_link(format!("/proc/self/fd/{}", fd.as_raw_fd()))
        .map_err(|e| io(line, "resolving", &root.join(rel), e))?;
    if !real.starts_with(root) {
        return Err(BuildError::at(
            line,
            format!("mount source `{rel}` resolves outside its root"),
        ));
    }
    Ok(real)
}

/// Copies the tree at `from` to `to` (which may exist as a directory): files, directories and
/// symlinks with their modes and owners; other kinds are skipped.
pub fn copy_tree(from: &Path, to: &Path, line: usize) -> Result<(), BuildError> {
    copy_entry(from, to, false, line)?;
    let meta = fs::symlink_metadata(from).map_err(|e| io(line, "reading", from, e))?;
    if !meta.is_dir() {
        return Ok(());
    }
    let entries = fs::read_dir(from).map_err(|e| io(line, "reading", from, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io(line, "reading", from, e))?;
        copy_tree(&entry.path(), &to.join(entry.file_name()), line)?;
    }
    Ok(())
}

/// Copies one entry (a directory without its contents), keeping mode and owner; a file is
/// hard-linked when `link` allows it (a view that is read-only or an overlay's lower dir).
fn copy_entry(from: &Path, to: &Path, link: bool, line: usize) -> Result<(), BuildError> {
    let meta = fs::symlink_metadata(from).map_err(|e| io(line, "reading", from, e))?;
    let ft = meta.file_type();
    if ft.is_dir() {
        match fs::create_dir(to) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io(line, "creating", to, e)),
        }
    } else if ft.is_symlink() {
        let target = fs::read_link(from).map_err(|e| io(line, "reading", from, e))?;
        std::os::unix::fs::symlink(&target, to).map_err(|e| io(line, "creating", to, e))?;
    } else if ft.is_file() {
        if link && fs::hard_link(from, to).is_ok() {
            return Ok(());
        }
        fs::copy(from, to).map_err(|e| io(line, "copying", from, e))?;
    } else {
        return Ok(());
    }
    std::os::unix::fs::lchown(to, Some(meta.uid()), Some(meta.gid()))
        .map_err(|e| io(line, "changing the owner of", to, e))?;
    if !ft.is_symlink() {
        fs::set_permissions(to, fs::Permissions::from_mode(meta.mode() & 0o7777))
            .map_err(|e| io(line, "changing the mode of", to, e))?;
    }
    Ok(())
}

fn bytes_path(b: &[u8]) -> &Path {
    Path::new(std::ffi::OsStr::from_bytes(b))
}

fn io(line: usize, what: &str, path: &Path, e: std::io::Error) -> BuildError {
    BuildError::at(line, format!("{what} `{}`: {e}", path.display()))
}
