//! What the in-container isolation never touches at `/`: the container's mount points (`/proc`,
//! `/sys`, `/dev`, `/etc/hosts`, `/etc/resolv.conf`, `/etc/hostname`, volumes, the context,
//! Kubernetes' `/var/run/secrets/...`), rbuild's own files (`/rbuild`, the state dir), and
//! whatever a step places for its mounts. A kept path is neither removed nor replaced by the
//! stage's files, and neither stat walk enters it; its parents stay directories.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Component, Path, PathBuf};

/// Paths under a root that stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keep {
    /// Relative to the root, as components.
    paths: BTreeSet<Vec<OsString>>,
}

/// What [`Keep::status`] says about a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// Kept, with everything below it.
    Whole,
    /// A parent of a kept path: stays a directory, its other children do not stay.
    Parent,
    /// Not kept.
    No,
}

impl Keep {
    /// Keeps `path` (absolute, or relative to the root; `..` and `.` are dropped as a
    /// normalized path would); the root itself cannot be kept.
    pub fn add(&mut self, path: &Path) {
        let comps = normal_components(path);
        if !comps.is_empty() {
            self.paths.insert(comps);
        }
    }

    /// Keeps the mount points listed in a `/proc/self/mountinfo` text that lie under `root`
    /// (the root's own mount excluded).
    pub fn add_mount_points(&mut self, mountinfo: &str, root: &Path) {
        for line in mountinfo.lines() {
            let Some(point) = line.split(' ').nth(4) else {
                continue;
            };
            let point = PathBuf::from(OsString::from_vec(unescape(point)));
            if let Ok(rel) = point.strip_prefix(root)
                && rel.components().next().is_some()
            {
                self.add(rel);
            }
        }
    }

    /// Whether `rel` (relative to the root) is kept, a parent of a kept path, or neither.
    pub fn status(&self, rel: &Path) -> Kept {
        let comps = normal_components(rel);
        // A kept path that is `rel` or above it comes at or before `rel` in order; a kept path
        // below it comes right after.
        if let Some(prev) = self.paths.range(..=comps.clone()).next_back()
            && comps.starts_with(prev)
        {
            return Kept::Whole;
        }
        match self.paths.range(comps.clone()..).next() {
            Some(next) if next.starts_with(&comps) => Kept::Parent,
            _ => Kept::No,
        }
    }

    /// The kept paths, relative to the root.
    pub fn paths(&self) -> impl Iterator<Item = PathBuf> + '_ {
        self.paths.iter().map(|c| c.iter().collect())
    }
}

/// The normal components of `p` (`/`, `.` and `..` dropped).
fn normal_components(p: &Path) -> Vec<OsString> {
    p.components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            _ => None,
        })
        .collect()
}

/// A mountinfo field with its octal escapes (`\040` for a space) decoded.
fn unescape(field: &str) -> Vec<u8> {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|d| bytes[i] == b'\\' && d.iter().all(|b| (b'0'..=b'7').contains(b)));
        if let Some(d) = octal {
            let v = d.iter().fold(0u32, |v, b| v * 8 + u32::from(b - b'0'));
            out.push(u8::try_from(v).unwrap_or(b'?'));
            i += 4;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// `rel` (components) as a path under `root`.
pub fn under(root: &Path, rel: &Path) -> PathBuf {
    let mut p = root.to_path_buf();
    for c in rel.components() {
        if let Component::Normal(n) = c {
            p.push(n);
        }
    }
    p
}

/// A path's bytes.
pub fn bytes(p: &Path) -> &[u8] {
    p.as_os_str().as_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO: &str = "\
74 48 0:43 / / rw,relatime master:2 - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w
75 74 0:41 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
82 74 0:42 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755
100 74 254:0 /x/hosts /etc/hosts rw,relatime - ext4 /dev/vda rw
101 74 254:0 /x/ctx /my\\040context rw,relatime - ext4 /dev/vda rw
102 74 254:0 /x/s /var/run/secrets/kubernetes.io/serviceaccount ro - tmpfs tmpfs ro
";

    #[test]
    fn mount_points_and_their_parents_are_kept() {
        let mut keep = Keep::default();
        keep.add_mount_points(MOUNTINFO, Path::new("/"));
        keep.add(Path::new("/rbuild"));
        for (path, want) in [
            ("proc", Kept::Whole),
            ("proc/self/status", Kept::Whole),
            ("etc/hosts", Kept::Whole),
            ("etc", Kept::Parent),
            ("etc/passwd", Kept::No),
            ("my context", Kept::Whole),
            ("var", Kept::Parent),
            ("var/run/secrets", Kept::Parent),
            ("var/lib", Kept::No),
            ("rbuild/rbuild", Kept::Whole),
            ("rbuil", Kept::No),
            ("usr", Kept::No),
        ] {
            assert_eq!(keep.status(Path::new(path)), want, "{path}");
        }
        assert_eq!(keep.paths().count(), 6);
    }
}
