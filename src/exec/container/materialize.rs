//! Making a root hold a stage's filesystem: [`clear`] removes everything that is not kept, and
//! [`apply`] lays one snapshot ([`crate::store::SnapshotFormat::Files`], whiteouts as `.wh.`
//! files; a 0:0 character device is read as a whiteout too) over what the root holds, as
//! unpacking that layer over the ones below would: a whiteout removes its path, an opaque marker
//! empties its directory, a file replaces what was at its path, a directory that exists takes
//! the snapshot's mode, owner and mtime.
//!
//! Files are copied, never hard-linked to the snapshot: a step writing into a file in place
//! would otherwise change the snapshot under it. Hard links within the snapshot stay hard links.
//! Kept paths are never removed or replaced; a snapshot entry that would replace one is skipped.
//! Device nodes the container may not make (no CAP_MKNOD) are skipped with a warning, as
//! nothing of a build runs in `/dev` of its own.

use std::collections::HashMap;
use std::sync::Mutex;

use rayon::prelude::*;
use std::ffi::OsStr;
use std::fs;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, CWD, FileType, Mode, Timespec, Timestamps, makedev, mknodat, utimensat};

use super::keep::{Keep, Kept};

/// A root could not be made to hold a stage's files.
#[derive(Debug, thiserror::Error)]
#[error("{what} `{}`", path.display())]
pub struct MaterializeError {
    /// What was being done.
    pub what: &'static str,
    /// Where.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: io::Error,
}

type Result<T> = std::result::Result<T, MaterializeError>;

fn at(what: &'static str, path: &Path) -> impl FnOnce(io::Error) -> MaterializeError {
    let path = path.to_path_buf();
    move |source| MaterializeError { what, path, source }
}

/// Removes everything under `root` that `keep` does not keep.
pub fn clear(root: &Path, keep: &Keep) -> Result<()> {
    clear_dir(root, Path::new(""), keep)
}

fn clear_dir(root: &Path, rel: &Path, keep: &Keep) -> Result<()> {
    let dir = root.join(rel);
    for entry in fs::read_dir(&dir).map_err(at("listing", &dir))? {
        let entry = entry.map_err(at("listing", &dir))?;
        let child_rel = rel.join(entry.file_name());
        match keep.status(&child_rel) {
            Kept::Whole => {}
            Kept::Parent => {
                let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
                if is_dir {
                    clear_dir(root, &child_rel, keep)?;
                }
            }
            Kept::No => remove(&entry.path())?,
        }
    }
    Ok(())
}

/// Removes `path`, whatever it is (a directory with its contents; never following a symlink).
fn remove(path: &Path) -> Result<()> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(at("removing", path)(e)),
    };
    if meta.is_dir() {
        fs::remove_dir_all(path).map_err(at("removing", path))
    } else {
        fs::remove_file(path).map_err(at("removing", path))
    }
}

/// Lays the snapshot directory `snapshot` over `root` (see the module docs).
pub fn apply(root: &Path, snapshot: &Path, keep: &Keep) -> Result<()> {
    let work = Work::default();
    apply_dir(root, snapshot, Path::new(""), keep, &work)?;
    // Files with several names, one by one: the first name placed is what the others link to.
    let mut links = HashMap::new();
    let linked = std::mem::take(&mut *lock(&work.linked));
    for (src, target, meta) in &linked {
        place(src, target, meta, &mut links)?;
    }
    // Directory metadata last, deepest first: adding children moves a directory's mtime.
    let mut dirs = std::mem::take(&mut *lock(&work.dirs));
    dirs.sort_by_key(|(target, _)| std::cmp::Reverse(target.components().count()));
    for (target, meta) in &dirs {
        set_meta(target, meta)?;
    }
    Ok(())
}

/// What [`apply_dir`] leaves for after the walk (the subtrees run in parallel).
#[derive(Default)]
struct Work {
    /// Directories whose metadata is set at the end.
    dirs: Mutex<Vec<(PathBuf, fs::Metadata)>>,
    /// Multiply-linked files, placed at the end in order.
    linked: Mutex<Vec<(PathBuf, PathBuf, fs::Metadata)>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn apply_dir(root: &Path, snapshot: &Path, rel: &Path, keep: &Keep, work: &Work) -> Result<()> {
    let src_dir = snapshot.join(rel);
    let mut children: Vec<fs::DirEntry> = fs::read_dir(&src_dir)
        .map_err(at("listing", &src_dir))?
        .collect::<io::Result<_>>()
        .map_err(at("listing", &src_dir))?;
    children.sort_by_key(fs::DirEntry::file_name);
    // An opaque marker first: the directory's old content goes before the new arrives.
    if children.iter().any(|c| c.file_name() == ".wh..wh..opq") {
        clear_dir(root, rel, keep)?;
    }
    let mut subdirs = Vec::new();
    for child in children {
        let name = child.file_name();
        let child_rel = rel.join(&name);
        let src = child.path();
        let meta = fs::symlink_metadata(&src).map_err(at("reading", &src))?;
        if name == ".wh..wh..opq" {
            continue;
        }
        if let Some(hidden) = name.as_bytes().strip_prefix(b".wh.") {
            whiteout(root, &rel.join(OsStr::from_bytes(hidden)), keep)?;
            continue;
        }
        if meta.file_type().is_char_device() && meta.rdev() == 0 {
            whiteout(root, &child_rel, keep)?;
            continue;
        }
        let status = keep.status(&child_rel);
        if status == Kept::Whole {
            continue;
        }
        let target = root.join(&child_rel);
        let existing = fs::symlink_metadata(&target).ok();
        if meta.is_dir() {
            if !existing.as_ref().is_some_and(fs::Metadata::is_dir) {
                if status == Kept::Parent {
                    tracing::warn!(
                        "`/{}` is a mount point's parent: the image's entry there is skipped",
                        child_rel.display()
                    );
                    continue;
                }
                remove(&target)?;
                fs::create_dir(&target).map_err(at("creating", &target))?;
            }
            subdirs.push(child_rel);
            lock(&work.dirs).push((target, meta));
            continue;
        }
        if status == Kept::Parent {
            tracing::warn!(
                "`/{}` is a mount point's parent: the image's file there is skipped",
                child_rel.display()
            );
            continue;
        }
        if existing.is_some() {
            remove(&target)?;
        }
        if meta.nlink() > 1 && !meta.is_dir() {
            lock(&work.linked).push((src, target, meta));
            continue;
        }
        place(&src, &target, &meta, &mut HashMap::new())?;
    }
    // The subtrees are disjoint: laid in parallel (file creation is syscall-bound).
    subdirs
        .par_iter()
        .try_for_each(|child_rel| apply_dir(root, snapshot, child_rel, keep, work))
}

/// Removes what a whiteout hides (a kept path stays; a kept path's parent is emptied).
fn whiteout(root: &Path, rel: &Path, keep: &Keep) -> Result<()> {
    match keep.status(rel) {
        Kept::Whole => Ok(()),
        Kept::Parent => clear_dir(root, rel, keep),
        Kept::No => remove(&root.join(rel)),
    }
}

/// Makes `target` (absent) a copy of the non-directory `src`.
fn place(
    src: &Path,
    target: &Path,
    meta: &fs::Metadata,
    links: &mut HashMap<(u64, u64), PathBuf>,
) -> Result<()> {
    let ft = meta.file_type();
    if meta.nlink() > 1 {
        if let Some(first) = links.get(&(meta.dev(), meta.ino())) {
            return fs::hard_link(first, target).map_err(at("linking", target));
        }
        links.insert((meta.dev(), meta.ino()), target.to_path_buf());
    }
    if ft.is_file() {
        fs::copy(src, target).map_err(at("copying into", target))?;
        copy_xattrs(src, target);
    } else if ft.is_symlink() {
        let to = fs::read_link(src).map_err(at("reading", src))?;
        std::os::unix::fs::symlink(&to, target).map_err(at("creating", target))?;
    } else {
        let kind = if ft.is_fifo() {
            FileType::Fifo
        } else if ft.is_char_device() {
            FileType::CharacterDevice
        } else if ft.is_block_device() {
            FileType::BlockDevice
        } else {
            return Ok(()); // a socket: never in a layer
        };
        let (major, minor) = crate::image::layer::entries::device_numbers(meta.rdev());
        let made = mknodat(
            CWD,
            target,
            kind,
            Mode::from_raw_mode(meta.mode() & 0o7777),
            makedev(major as u32, minor as u32),
        );
        if let Err(e) = made {
            tracing::warn!(
                "`{}`: the container may not make this node: {e}",
                target.display()
            );
            return Ok(());
        }
    }
    set_meta(target, meta)
}

/// Gives `target` the owner, permission bits and times of `meta` (never following a symlink;
/// the mode after the owner, as a chown clears setuid bits).
fn set_meta(target: &Path, meta: &fs::Metadata) -> Result<()> {
    std::os::unix::fs::lchown(target, Some(meta.uid()), Some(meta.gid()))
        .map_err(at("changing the owner of", target))?;
    if !meta.file_type().is_symlink() {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(target, fs::Permissions::from_mode(meta.mode() & 0o7777))
            .map_err(at("changing the mode of", target))?;
    }
    let times = Timestamps {
        last_access: Timespec {
            tv_sec: meta.atime(),
            tv_nsec: meta.atime_nsec(),
        },
        last_modification: Timespec {
            tv_sec: meta.mtime(),
            tv_nsec: meta.mtime_nsec(),
        },
    };
    utimensat(CWD, target, &times, AtFlags::SYMLINK_NOFOLLOW)
        .map_err(|e| at("setting the times of", target)(e.into()))
}

/// Copies the xattrs a layer keeps (file capabilities) from `src` to `target`, best effort.
fn copy_xattrs(src: &Path, target: &Path) {
    let Ok(names) = xattr::list(src) else { return };
    for name in names {
        if !crate::image::layer::entries::keep_xattr(name.as_bytes()) {
            continue;
        }
        if let Ok(Some(value)) = xattr::get(src, &name)
            && let Err(e) = xattr::set(target, &name, &value)
        {
            tracing::warn!("`{}`: setting {name:?}: {e}", target.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(root: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut todo = vec![root.to_path_buf()];
        while let Some(dir) = todo.pop() {
            for e in fs::read_dir(&dir).unwrap() {
                let p = e.unwrap().path();
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                if p.symlink_metadata().unwrap().is_dir() {
                    todo.push(p);
                    out.push(format!("{rel}/"));
                } else {
                    out.push(format!(
                        "{rel}={}",
                        fs::read_to_string(&p).unwrap_or_default()
                    ));
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn snapshots_laid_in_order_give_the_merged_tree_and_kept_paths_stay() {
        let work = tempfile::tempdir().unwrap();
        let root = work.path().join("root");
        let (lower, upper) = (work.path().join("lower"), work.path().join("upper"));
        for d in ["etc", "opt/sub", "var/lib"] {
            fs::create_dir_all(lower.join(d)).unwrap();
        }
        for (f, c) in [
            ("etc/passwd", "root"),
            ("etc/gone", "g"),
            ("opt/sub/x", "x"),
            ("var/lib/a", "a"),
        ] {
            fs::write(lower.join(f), c).unwrap();
        }
        fs::hard_link(lower.join("etc/passwd"), lower.join("etc/passwd-link")).unwrap();
        for d in ["etc", "opt"] {
            fs::create_dir_all(upper.join(d)).unwrap();
        }
        fs::write(upper.join("etc/.wh.gone"), "").unwrap();
        fs::write(upper.join("opt/.wh..wh..opq"), "").unwrap();
        fs::write(upper.join("opt/new"), "n").unwrap();
        fs::write(upper.join("etc/passwd"), "root2").unwrap();

        // The container's own files, a mount point, and rbuild's folder.
        for d in ["etc", "usr/share", "rbuild"] {
            fs::create_dir_all(root.join(d)).unwrap();
        }
        fs::write(root.join("etc/hosts"), "127.0.0.1 localhost").unwrap();
        fs::write(root.join("etc/os-release"), "alpine").unwrap();
        fs::write(root.join("usr/share/junk"), "j").unwrap();
        fs::write(root.join("rbuild/rbuild"), "ELF").unwrap();
        let mut keep = Keep::default();
        keep.add(Path::new("/etc/hosts"));
        keep.add(Path::new("/rbuild"));

        clear(&root, &keep).unwrap();
        assert_eq!(
            tree(&root),
            [
                "etc/",
                "etc/hosts=127.0.0.1 localhost",
                "rbuild/",
                "rbuild/rbuild=ELF"
            ]
        );
        apply(&root, &lower, &keep).unwrap();
        apply(&root, &upper, &keep).unwrap();
        assert_eq!(
            tree(&root),
            [
                "etc/",
                "etc/hosts=127.0.0.1 localhost",
                "etc/passwd-link=root",
                "etc/passwd=root2",
                "opt/",
                "opt/new=n",
                "rbuild/",
                "rbuild/rbuild=ELF",
                "var/",
                "var/lib/",
                "var/lib/a=a",
            ]
        );
        // A copy, not the snapshot's inode; the lower's hard link is kept as one.
        let ino = |p: &Path| fs::metadata(p).unwrap().ino();
        assert_ne!(ino(&root.join("var/lib/a")), ino(&lower.join("var/lib/a")));
        assert_ne!(
            ino(&root.join("etc/passwd")),
            ino(&root.join("etc/passwd-link"))
        );
        let mtime = |p: &Path| fs::metadata(p).unwrap().mtime();
        assert_eq!(mtime(&root.join("var/lib")), mtime(&lower.join("var/lib")));
    }
}
