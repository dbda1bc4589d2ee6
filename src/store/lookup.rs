//! Reading the merged view of a stack of snapshots without mounting it, as overlayfs would show
//! it: the topmost layer holding a path wins; a whiteout (0:0 character device, or an empty file
//! `.wh.<name>` in [`super::SnapshotFormat::Files`]) hides the path below; an opaque directory
//! (`trusted.overlay.opaque=y`, `user.overlay.opaque=y`, or a `.wh..wh..opq` file in it) hides
//! the directory's content below; a non-directory hides everything below it.
//!
//! Symlinks are resolved inside the merged root, as a chroot would (`..` stops at `/`, absolute
//! targets start at the merged root), with a limit of 40 links. Each layer is walked one
//! component at a time with `symlink_metadata`, so the host never follows a symlink of a layer.
//! Used for `COPY --from` and for reading `/etc/passwd` for `--chown`.

use std::ffi::OsString;
use std::fs::{self, Metadata};
use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Component, Path, PathBuf};

use super::error::{IoContext, Result, StoreError};

/// How many symlinks one resolution may follow (Linux's `MAXSYMLINKS`).
const MAX_SYMLINKS: usize = 40;

/// One entry of a merged directory.
#[derive(Debug)]
pub struct MergedEntry {
    /// The entry's name.
    pub name: OsString,
    /// The real file in the layer that provides it.
    pub path: PathBuf,
    /// Its metadata (not following a symlink).
    pub metadata: Metadata,
}

/// Resolves `path` (taken from the merged root) through `stack` (snapshot dirs, top first),
/// following symlinks, the last one included. Returns the real file in the layer that provides
/// it and its metadata; `None` when the merged view has no such path.
pub fn resolve(stack: &[PathBuf], path: &Path) -> Result<Option<(PathBuf, Metadata)>> {
    Ok(resolve_in(stack, path, true)?.map(|(_, p, m)| (p, m)))
}

/// As [`resolve`], but a final symlink is returned itself (as `lstat` would).
pub fn resolve_nofollow(stack: &[PathBuf], path: &Path) -> Result<Option<(PathBuf, Metadata)>> {
    Ok(resolve_in(stack, path, false)?.map(|(_, p, m)| (p, m)))
}

/// The merged listing of directory `dir` (symlinks followed), sorted by name; `None` when the
/// merged view has no such directory.
pub fn read_dir_merged(stack: &[PathBuf], dir: &Path) -> Result<Option<Vec<MergedEntry>>> {
    let Some((comps, _, meta)) = resolve_in(stack, dir, true)? else {
        return Ok(None);
    };
    if !meta.is_dir() {
        return Ok(None);
    }
    let mut seen = std::collections::BTreeMap::<OsString, Option<MergedEntry>>::new();
    for layer in stack {
        match probe(layer, &comps)? {
            Probe::Found(path, meta) if meta.is_dir() => {
                for entry in fs::read_dir(&path).at(&path)? {
                    let entry = entry.at(&path)?;
                    let name = entry.file_name();
                    if let Some(hidden) = whiteout_file_target(&name) {
                        // A whiteout kept as a file: it hides `hidden`, and is no entry itself.
                        if let Some(hidden) = hidden {
                            seen.entry(hidden).or_insert(None);
                        }
                        continue;
                    }
                    if seen.contains_key(&name) {
                        continue;
                    }
                    let path = entry.path();
                    let metadata = fs::symlink_metadata(&path).at(&path)?;
                    let shown = (!is_whiteout(&metadata)).then(|| MergedEntry {
                        name: name.clone(),
                        path,
                        metadata,
                    });
                    seen.insert(name, shown);
                }
                if is_opaque(&path) {
                    break;
                }
            }
            Probe::Found(..) | Probe::Hidden => break,
            Probe::Absent => {}
        }
    }
    Ok(Some(seen.into_values().flatten().collect()))
}

/// Resolves to (merged components, real path, metadata).
fn resolve_in(
    stack: &[PathBuf],
    path: &Path,
    follow_last: bool,
) -> Result<Option<(Vec<OsString>, PathBuf, Metadata)>> {
    // Components still to walk, in reverse (next one last).
    let mut todo: Vec<OsString> = components(path);
    todo.reverse();
    let mut cur: Vec<OsString> = Vec::new();
    let mut found: Option<(PathBuf, Metadata)> = None;
    let mut links = 0;
    while let Some(comp) = todo.pop() {
        if comp == ".." {
            cur.pop();
            found = None;
            continue;
        }
        cur.push(comp);
        let Some((real, meta)) = find(stack, &cur)? else {
            return Ok(None);
        };
        let is_last = todo.is_empty();
        if meta.file_type().is_symlink() && (follow_last || !is_last) {
            links += 1;
            if links > MAX_SYMLINKS {
                return Err(StoreError::SymlinkLoop {
                    path: path.to_path_buf(),
                });
            }
            let target = fs::read_link(&real).at(&real)?;
            cur.pop();
            if target.is_absolute() {
                cur.clear();
            }
            let mut next = components(&target);
            next.reverse();
            todo.extend(next);
            found = None;
            continue;
        }
        if !is_last && !meta.is_dir() {
            return Ok(None);
        }
        found = Some((real, meta));
    }
    match found {
        Some((real, meta)) => Ok(Some((cur, real, meta))),
        // The root, or a path that ended in `..`/a symlink to a directory: look `cur` up.
        None => Ok(find(stack, &cur)?.map(|(real, meta)| (cur, real, meta))),
    }
}

/// Splits a path into normal components and `..`, dropping the root, `.` and empty ones.
fn components(path: &Path) -> Vec<OsString> {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            _ => None,
        })
        .collect()
}

/// The topmost layer's file at `comps` (no symlink in `comps` is followed), unless a whiteout,
/// an opaque directory or a non-directory above hides it. The empty path is the root, which the
/// top layer provides.
fn find(stack: &[PathBuf], comps: &[OsString]) -> Result<Option<(PathBuf, Metadata)>> {
    for layer in stack {
        match probe(layer, comps)? {
            Probe::Found(path, meta) => return Ok(Some((path, meta))),
            Probe::Hidden => return Ok(None),
            Probe::Absent => {}
        }
    }
    Ok(None)
}

enum Probe {
    /// The layer provides the path.
    Found(PathBuf, Metadata),
    /// The layer hides the path (and everything below).
    Hidden,
    /// The layer has nothing to say; look below.
    Absent,
}

/// What one layer says about `comps`, walked with `symlink_metadata` one component at a time.
fn probe(layer: &Path, comps: &[OsString]) -> Result<Probe> {
    let mut path = layer.to_path_buf();
    let mut opaque_parent = false;
    for (i, comp) in comps.iter().enumerate() {
        path.push(comp);
        let meta = match fs::symlink_metadata(&path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let mut whiteout = OsString::from(".wh.");
                whiteout.push(comp);
                let marker = path.with_file_name(whiteout);
                return Ok(if opaque_parent || fs::symlink_metadata(marker).is_ok() {
                    Probe::Hidden
                } else {
                    Probe::Absent
                });
            }
            Err(e) => return Err(e).at(&path),
        };
        if is_whiteout(&meta) {
            return Ok(Probe::Hidden);
        }
        if i + 1 == comps.len() {
            return Ok(Probe::Found(path, meta));
        }
        if !meta.is_dir() {
            return Ok(Probe::Hidden);
        }
        opaque_parent = is_opaque(&path);
    }
    // The root of the layer.
    let meta = fs::symlink_metadata(&path).at(&path)?;
    Ok(Probe::Found(path, meta))
}

/// A 0:0 character device: overlayfs's whiteout.
pub fn is_whiteout(meta: &Metadata) -> bool {
    meta.file_type().is_char_device() && meta.rdev() == 0
}

/// For a name starting with `.wh.` (a whiteout or opaque marker kept as a file): `Some(Some(x))`
/// for the whiteout of `x`, `Some(None)` for the opaque marker; `None` for any other name.
fn whiteout_file_target(name: &std::ffi::OsStr) -> Option<Option<OsString>> {
    use std::os::unix::ffi::OsStrExt;
    let hidden = name.as_bytes().strip_prefix(b".wh.")?;
    Some((hidden != b".wh..opq").then(|| std::ffi::OsStr::from_bytes(hidden).to_os_string()))
}

/// Whether a directory hides the content of the layers below.
pub fn is_opaque(dir: &Path) -> bool {
    if fs::symlink_metadata(dir.join(".wh..wh..opq")).is_ok() {
        return true;
    }
    ["trusted.overlay.opaque", "user.overlay.opaque"]
        .iter()
        .any(|name| {
            let mut buf = [0u8; 4];
            matches!(rustix::fs::lgetxattr(dir, *name, &mut buf[..]), Ok(n) if buf[..n] == *b"y")
        })
}
