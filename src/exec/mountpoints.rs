//! Paths the run creates in the root filesystem for its own needs.
//!
//! * The working directory is created before the step runs when missing (`0755`, root-owned, as
//!   BuildKit's runc executor does); it is a real change and stays in the layer, as in BuildKit.
//!   It is created through `openat2(RESOLVE_IN_ROOT)`, so an image's symlinks resolve inside the
//!   root, never on the host.
//! * Mount points: runc creates a missing mount target (an empty directory, or an empty file for a
//!   bind-mounted file such as `/etc/resolv.conf`) and its missing parents in the root. Those are
//!   no changes of the step: after the run (overlay unmounted) [`remove_residue`] removes from the
//!   upper dir each target that was absent before the run if it is still an empty directory or an
//!   empty file, then, walking up, each parent that is now an empty, non-opaque directory and was
//!   either absent before or copied up unchanged (same mode and owner as below). The step itself
//!   cannot have written at a mount target (the mount hides it), so nothing of the step is lost
//!   but an mtime-only change of such a parent. BuildKit (Docker 26) likewise leaves no empty
//!   mount points in its layers.

use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use rustix::fs::{Mode, OFlags, ResolveFlags, mkdirat, openat2};

use super::ExecError;
use super::error::IoContext;
use crate::store::lookup;

/// A mount target absent from the root before the run, with what was below its parents.
#[derive(Debug)]
pub struct Absent {
    /// The target, relative to the root.
    rel: PathBuf,
}

/// The targets (container paths) that `stack` lacks.
pub fn absent_targets(stack: &[PathBuf], targets: &[PathBuf]) -> Result<Vec<Absent>, ExecError> {
    let mut out = Vec::new();
    for t in targets {
        let found = lookup::resolve_nofollow(stack, t).map_err(|source| ExecError::Store {
            path: t.display().to_string(),
            source,
        })?;
        if found.is_none() {
            out.push(Absent { rel: relative(t) });
        }
    }
    Ok(out)
}

/// Removes the mount-point residue of `absent` from `upper` (see the module docs).
pub fn remove_residue(upper: &Path, stack: &[PathBuf], absent: &[Absent]) -> Result<(), ExecError> {
    let mut absent: Vec<&Absent> = absent.iter().collect();
    // Deepest first, so that a parent is looked at after its children.
    absent.sort_by_key(|a| std::cmp::Reverse(a.rel.components().count()));
    for a in absent {
        let path = upper.join(&a.rel);
        let Ok(meta) = path.symlink_metadata() else {
            continue;
        };
        if meta.is_dir() && is_empty_dir(&path)? {
            std::fs::remove_dir(&path).at("removing the mount point", &path)?;
        } else if meta.is_file() && meta.len() == 0 {
            std::fs::remove_file(&path).at("removing the mount point", &path)?;
        } else {
            continue;
        }
        let mut parent = a.rel.parent();
        while let Some(rel) = parent {
            if rel.as_os_str().is_empty() {
                break;
            }
            let dir = upper.join(rel);
            let Ok(meta) = dir.symlink_metadata() else {
                break;
            };
            if !meta.is_dir() || !is_empty_dir(&dir)? || is_opaque(&dir) {
                break;
            }
            let below =
                lookup::resolve_nofollow(stack, &Path::new("/").join(rel)).map_err(|source| {
                    ExecError::Store {
                        path: rel.display().to_string(),
                        source,
                    }
                })?;
            let unchanged = match &below {
                None => true,
                Some((_, m)) => {
                    m.is_dir()
                        && m.mode() == meta.mode()
                        && m.uid() == meta.uid()
                        && m.gid() == meta.gid()
                }
            };
            if !unchanged {
                break;
            }
            std::fs::remove_dir(&dir).at("removing the mount point", &dir)?;
            parent = rel.parent();
        }
    }
    Ok(())
}

/// Creates `workdir` (absolute, inside `root`) and its missing parents, mode `0755`, resolving
/// every component inside `root`.
pub fn create_workdir(root: &Path, workdir: &str) -> Result<(), ExecError> {
    let rootfd = std::fs::File::open(root).at("opening", root)?;
    let comps: Vec<&std::ffi::OsStr> = Path::new(workdir)
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n),
            _ => None,
        })
        .collect();
    let open = |n: usize| {
        let rel: PathBuf = if n == 0 {
            PathBuf::from(".")
        } else {
            comps[..n].iter().collect()
        };
        openat2(
            &rootfd,
            &rel,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
            ResolveFlags::IN_ROOT,
        )
        .map_err(io::Error::from)
    };
    for n in 1..=comps.len() {
        match open(n) {
            Ok(_) => continue,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let parent = open(n - 1).at("opening the parent of", Path::new(workdir))?;
                match mkdirat(&parent, comps[n - 1], Mode::from_raw_mode(0o755)) {
                    Ok(()) | Err(rustix::io::Errno::EXIST) => {}
                    Err(e) => {
                        return Err(io::Error::from(e))
                            .at("creating the working directory", workdir);
                    }
                }
            }
            Err(e) => return Err(e).at("creating the working directory", workdir),
        }
    }
    Ok(())
}

fn relative(p: &Path) -> PathBuf {
    p.components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect()
}

fn is_empty_dir(dir: &Path) -> Result<bool, ExecError> {
    Ok(std::fs::read_dir(dir).at("reading", dir)?.next().is_none())
}

fn is_opaque(dir: &Path) -> bool {
    ["trusted.overlay.opaque", "user.overlay.opaque"]
        .iter()
        .any(|name| matches!(xattr::get(dir, name), Ok(Some(v)) if v == b"y"))
}
