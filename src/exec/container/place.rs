//! A step's mounts (`RUN --mount`) placed at their targets in the root without mounting, and
//! taken away after the step, leaving the root as it was:
//!
//! * what the root had at a target is moved aside first (into `.rbuild-aside-<pid>` at the
//!   root, kept out of the walks) and moved back after;
//! * a directory (a cache dir, the context's selected files, a stage's merged files, heredoc
//!   scripts) is renamed into place and renamed back, so that what a cache mount's step wrote
//!   stays in the cache; where renaming is impossible (another file system) it is a symlink to
//!   the source;
//! * a file (a secret, mode 0400 by default) is copied with its owner and mode, and removed;
//! * a socket (an ssh agent) is a symlink to the source;
//! * a tmpfs is an empty directory, removed with what the step wrote in it;
//! * parents the target needed are made, and removed after when the step left them empty.
//!
//! The targets and the aside folder are kept out of both walks, so nothing of a mount reaches
//! the layer. `readonly` cannot be enforced without mounts: a step that writes into a read-only
//! bind writes into a copy that is thrown away (or, for a symlinked source, into the source).

use std::fs;
use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use super::keep::Keep;
use super::materialize::MaterializeError;
use crate::exec::{ExecMount, ExecMountKind};

type Result<T> = std::result::Result<T, MaterializeError>;

fn at(what: &'static str, path: &Path) -> impl FnOnce(io::Error) -> MaterializeError {
    let path = path.to_path_buf();
    move |source| MaterializeError { what, path, source }
}

/// How one mount was placed.
#[derive(Debug)]
enum How {
    /// The source directory was renamed to the target: rename it back.
    Renamed(PathBuf),
    /// A copy, a symlink or an empty directory: remove it.
    Made,
}

#[derive(Debug)]
struct Item {
    target: PathBuf,
    how: How,
    /// What the root had at the target, moved here.
    aside: Option<PathBuf>,
    /// Parents made for the target, outermost first.
    made_parents: Vec<PathBuf>,
}

/// The mounts of one step, placed; [`Placed::remove`] (or dropping it) takes them away.
#[derive(Debug)]
pub struct Placed {
    items: Vec<Item>,
    aside_dir: PathBuf,
}

/// The folder (at the root) what the root had at the mounts' targets waits in.
pub fn aside_dir(root: &Path) -> PathBuf {
    root.join(format!(".rbuild-aside-{}", std::process::id()))
}

/// Places `mounts` under `root` and adds their targets and the aside folder to `keep`.
pub fn place(root: &Path, mounts: &[ExecMount], keep: &mut Keep) -> Result<Placed> {
    let aside_dir = aside_dir(root);
    keep.add(aside_dir.strip_prefix(root).unwrap_or(&aside_dir));
    let mut placed = Placed {
        items: Vec::new(),
        aside_dir,
    };
    for (n, m) in mounts.iter().enumerate() {
        let Some(rel) = target_in_root(root, &m.target)? else {
            continue; // a mount at `/` is refused by the plan; nothing to place
        };
        keep.add(&rel);
        let target = root.join(&rel);
        let made_parents = make_parents(root, &rel)?;
        let aside = match fs::symlink_metadata(&target) {
            Ok(_) => {
                fs::create_dir_all(&placed.aside_dir).map_err(at("creating", &placed.aside_dir))?;
                let to = placed.aside_dir.join(n.to_string());
                fs::rename(&target, &to).map_err(at("moving aside", &target))?;
                Some(to)
            }
            Err(_) => None,
        };
        let mut item = Item {
            target: target.clone(),
            how: How::Made,
            aside,
            made_parents,
        };
        let made = put(&m.kind, &target);
        match made {
            Ok(how) => item.how = how,
            Err(e) => {
                placed.items.push(item);
                return Err(e);
            }
        }
        placed.items.push(item);
    }
    Ok(placed)
}

/// Puts what `kind` mounts at the absent `target`.
fn put(kind: &ExecMountKind, target: &Path) -> Result<How> {
    match kind {
        ExecMountKind::Tmpfs { .. } => {
            fs::create_dir(target).map_err(at("creating", target))?;
            fs::set_permissions(target, fs::Permissions::from_mode(0o1777))
                .map_err(at("changing the mode of", target))?;
            Ok(How::Made)
        }
        ExecMountKind::Bind { source, .. } => {
            let meta = fs::metadata(source).map_err(at("reading", source))?;
            if meta.is_dir() {
                match fs::rename(source, target) {
                    Ok(()) => return Ok(How::Renamed(source.clone())),
                    Err(e) => tracing::debug!(
                        "`{}` cannot be renamed to `{}` ({e}): a symlink instead",
                        source.display(),
                        target.display()
                    ),
                }
                std::os::unix::fs::symlink(source, target).map_err(at("linking", target))?;
            } else if meta.file_type().is_socket() {
                std::os::unix::fs::symlink(source, target).map_err(at("linking", target))?;
            } else {
                fs::copy(source, target).map_err(at("copying into", target))?;
                std::os::unix::fs::chown(target, Some(meta.uid()), Some(meta.gid()))
                    .map_err(at("changing the owner of", target))?;
                fs::set_permissions(target, fs::Permissions::from_mode(meta.mode() & 0o7777))
                    .map_err(at("changing the mode of", target))?;
            }
            Ok(How::Made)
        }
    }
}

/// The most symlinks one target's resolution follows (Linux's `MAXSYMLINKS`).
const MAX_SYMLINKS: usize = 40;

/// Where a mount at `target` lands under `root`, relative to it: the symlinks among its parents
/// resolved inside the root, as runc resolves a mount's destination in the container's root
/// (`RUN --mount=type=cache,target=/var/run/x` on Debian lands in `/run/x`); `..` stops at the
/// root; missing parents are taken as written; the last component is not followed. `None` for
/// the root itself. Changes nothing, so the walks can keep the target out before the mount is
/// placed.
pub fn target_in_root(root: &Path, target: &str) -> Result<Option<PathBuf>> {
    let mut todo: Vec<std::ffi::OsString> = components(Path::new(target));
    let Some(last) = todo.pop() else {
        return Ok(None);
    };
    todo.reverse();
    let mut cur: Vec<std::ffi::OsString> = Vec::new();
    let mut hops = 0;
    while let Some(c) = todo.pop() {
        if c == ".." {
            cur.pop();
            continue;
        }
        let mut here = root.to_path_buf();
        here.extend(&cur);
        here.push(&c);
        match fs::symlink_metadata(&here) {
            Ok(m) if m.file_type().is_symlink() => {
                hops += 1;
                if hops > MAX_SYMLINKS {
                    return Err(MaterializeError {
                        what: "resolving the mount target",
                        path: PathBuf::from(target),
                        source: io::Error::other("too many levels of symbolic links"),
                    });
                }
                let link = fs::read_link(&here).map_err(at("reading", &here))?;
                if link.is_absolute() {
                    cur.clear();
                }
                let mut next = components(&link);
                next.reverse();
                todo.extend(next);
            }
            _ => cur.push(c),
        }
    }
    cur.push(last);
    Ok(Some(cur.iter().collect()))
}

/// The normal and `..` components of `p` (`/` and `.` dropped).
fn components(p: &Path) -> Vec<std::ffi::OsString> {
    p.components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some("..".into()),
            _ => None,
        })
        .collect()
}

/// Makes the missing parents of `rel` under `root`; the ones made, outermost first.
fn make_parents(root: &Path, rel: &Path) -> Result<Vec<PathBuf>> {
    let mut made = Vec::new();
    let mut cur = root.to_path_buf();
    let comps: Vec<_> = rel.components().collect();
    for c in comps.iter().take(comps.len().saturating_sub(1)) {
        cur.push(c);
        match fs::symlink_metadata(&cur) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(MaterializeError {
                    what: "placing a mount under",
                    path: cur,
                    source: io::Error::other("not a directory"),
                });
            }
            Err(_) => {
                fs::create_dir(&cur).map_err(at("creating", &cur))?;
                made.push(cur.clone());
            }
        }
    }
    Ok(made)
}

impl Placed {
    /// Takes the mounts away and puts back what the root had at their targets.
    pub fn remove(mut self) -> Result<()> {
        self.undo()
    }

    fn undo(&mut self) -> Result<()> {
        let mut first_err = None;
        let mut note = |r: Result<()>| {
            if let Err(e) = r
                && first_err.is_none()
            {
                first_err = Some(e);
            }
        };
        while let Some(item) = self.items.pop() {
            note(take_away(&item));
            if let Some(aside) = &item.aside {
                note(fs::rename(aside, &item.target).map_err(at("moving back", &item.target)));
            }
            for parent in item.made_parents.iter().rev() {
                // Only when the step left it empty.
                let _ = fs::remove_dir(parent);
            }
        }
        let _ = fs::remove_dir(&self.aside_dir);
        first_err.map_or(Ok(()), Err)
    }
}

/// Removes what was placed at `item.target` (a renamed source goes back to where it was).
fn take_away(item: &Item) -> Result<()> {
    let target = &item.target;
    match &item.how {
        How::Renamed(source) => match fs::symlink_metadata(target) {
            Ok(m) if m.is_dir() => fs::rename(target, source).map_err(at("moving back", target)),
            // The step removed or replaced the directory: the source starts empty again.
            Ok(_) => {
                fs::remove_file(target).map_err(at("removing", target))?;
                fs::create_dir_all(source).map_err(at("creating", source))
            }
            Err(_) => fs::create_dir_all(source).map_err(at("creating", source)),
        },
        How::Made => match fs::symlink_metadata(target) {
            Ok(m) if m.is_dir() => fs::remove_dir_all(target).map_err(at("removing", target)),
            Ok(_) => fs::remove_file(target).map_err(at("removing", target)),
            Err(_) => Ok(()),
        },
    }
}

impl Drop for Placed {
    fn drop(&mut self) {
        if let Err(e) = self.undo() {
            tracing::warn!("taking a step's mounts away: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_under_symlinked_parents_land_where_runc_would_put_them() {
        let work = tempfile::tempdir().unwrap();
        let root = work.path();
        fs::create_dir_all(root.join("run")).unwrap();
        fs::create_dir_all(root.join("usr/lib")).unwrap();
        std::os::unix::fs::symlink("/run", root.join("run-abs")).unwrap();
        fs::create_dir_all(root.join("var")).unwrap();
        std::os::unix::fs::symlink("../run", root.join("var/run")).unwrap();
        std::os::unix::fs::symlink("usr/lib", root.join("lib")).unwrap();
        std::os::unix::fs::symlink("loop", root.join("loop")).unwrap();
        let at = |t: &str| {
            target_in_root(root, t)
                .unwrap()
                .map(|p| p.display().to_string())
        };
        assert_eq!(at("/var/run/x").as_deref(), Some("run/x"));
        assert_eq!(at("/run-abs/y").as_deref(), Some("run/y"));
        assert_eq!(at("/lib/cache").as_deref(), Some("usr/lib/cache"));
        assert_eq!(
            at("/../../etc/z").as_deref(),
            Some("etc/z"),
            "`..` stops at the root"
        );
        assert_eq!(at("/new/dir/t").as_deref(), Some("new/dir/t"));
        assert_eq!(
            at("/lib").as_deref(),
            Some("lib"),
            "the last component is not followed"
        );
        assert_eq!(at("/"), None);
        assert!(target_in_root(root, "/loop/x").is_err());
    }

    #[test]
    fn mounts_are_placed_and_taken_away_leaving_the_root_as_it_was() {
        let work = tempfile::tempdir().unwrap();
        let root = work.path().join("root");
        fs::create_dir_all(root.join("var/cache/apt")).unwrap();
        fs::write(root.join("var/cache/apt/image-file"), "image").unwrap();
        let cache = work.path().join("cache");
        fs::create_dir(&cache).unwrap();
        fs::write(cache.join("pkg.deb"), "deb").unwrap();
        let secret = work.path().join("secret");
        fs::write(&secret, "s3cr3t").unwrap();
        fs::set_permissions(&secret, fs::Permissions::from_mode(0o400)).unwrap();
        let mounts = [
            ExecMount {
                target: "/var/cache/apt".into(),
                kind: ExecMountKind::Bind {
                    source: cache.clone(),
                    readonly: false,
                },
            },
            ExecMount {
                target: "/run/secrets/token".into(),
                kind: ExecMountKind::Bind {
                    source: secret.clone(),
                    readonly: true,
                },
            },
            ExecMount {
                target: "/scratch".into(),
                kind: ExecMountKind::Tmpfs { size: None },
            },
        ];
        let mut keep = Keep::default();
        let placed = place(&root, &mounts, &mut keep).unwrap();
        assert_eq!(
            fs::read_to_string(root.join("var/cache/apt/pkg.deb")).unwrap(),
            "deb"
        );
        assert!(!root.join("var/cache/apt/image-file").exists());
        let token = fs::metadata(root.join("run/secrets/token")).unwrap();
        assert_eq!(token.mode() & 0o777, 0o400);
        assert!(root.join("scratch").is_dir());
        assert_eq!(
            keep.status(Path::new("var/cache/apt")),
            super::super::keep::Kept::Whole
        );
        // The step writes into the cache and the tmpfs.
        fs::write(root.join("var/cache/apt/new.deb"), "new").unwrap();
        fs::write(root.join("scratch/tmp"), "t").unwrap();
        placed.remove().unwrap();

        assert_eq!(
            fs::read_to_string(root.join("var/cache/apt/image-file")).unwrap(),
            "image"
        );
        assert_eq!(fs::read_to_string(cache.join("new.deb")).unwrap(), "new");
        assert!(!root.join("run").exists(), "made parents are removed");
        assert!(!root.join("scratch").exists());
        assert!(secret.exists(), "a copied source stays");
        let left: Vec<_> = fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["var"]);
    }
}
