//! Paths inside an image as component lists, and the layer order.
//!
//! A path is a list of components (raw bytes, never empty, `.` or `..`); the root is the empty
//! list. Cleaning follows Go's `path.Clean` from `/`: `..` stops at the root.

use std::cmp::Ordering;
use std::path::PathBuf;

/// A cleaned absolute path as its components.
pub type Comps = Vec<Vec<u8>>;

/// The components of `path` taken from the root (`..` clamped at the root, `.` and empty
/// components dropped).
pub fn clean(path: &[u8]) -> Comps {
    let mut out: Comps = Vec::new();
    for comp in path.split(|&b| b == b'/') {
        match comp {
            b"" | b"." => {}
            b".." => {
                out.pop();
            }
            c => out.push(c.to_vec()),
        }
    }
    out
}

/// The destination of a COPY/ADD: `dest` taken from `workdir` unless absolute, cleaned, and
/// whether it names a directory by its spelling (a trailing `/`, or `.`/empty as BuildKit turns
/// them into `./`).
pub fn destination(dest: &str, workdir: &str) -> (Comps, bool) {
    let trailing = dest.is_empty() || dest == "." || dest.ends_with('/') || dest.ends_with("/.");
    let full = if dest.starts_with('/') {
        dest.to_string()
    } else {
        format!("{workdir}/{dest}")
    };
    (clean(full.as_bytes()), trailing)
}

/// The components joined with `/` (no leading `/`): a layer entry's path.
pub fn join(comps: &[Vec<u8>]) -> Vec<u8> {
    comps.join(&b'/')
}

/// The path for messages: `/` and the components.
pub fn display(comps: &[Vec<u8>]) -> String {
    format!("/{}", String::from_utf8_lossy(&join(comps)))
}

/// The path as a host path under `/` (for [`crate::store::lookup`], which reads it from the
/// merged root).
pub fn host(comps: &[Vec<u8>]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    let mut out = PathBuf::from("/");
    for comp in comps {
        out.push(std::ffi::OsStr::from_bytes(comp));
    }
    out
}

/// A layer path's sort key: `/` becomes NUL (which no name holds), so byte order of keys is the
/// component-wise layer order (`a/b` before `a-b`).
pub fn order_key(path: &[u8]) -> Vec<u8> {
    path.iter()
        .map(|&b| if b == b'/' { 0 } else { b })
        .collect()
}

/// The layer order of two paths (component by component).
pub fn layer_order(a: &[u8], b: &[u8]) -> Ordering {
    a.split(|&c| c == b'/').cmp(b.split(|&c| c == b'/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_clamps_dotdot_at_the_root() {
        assert_eq!(
            clean(b"/../a/./b//c/.."),
            vec![b"a".to_vec(), b"b".to_vec()]
        );
        assert!(clean(b"/").is_empty());
    }

    #[test]
    fn destination_is_taken_from_the_workdir() {
        let (comps, dir) = destination("app", "/srv");
        assert_eq!(display(&comps), "/srv/app");
        assert!(!dir);
        let (comps, dir) = destination(".", "/srv");
        assert_eq!(display(&comps), "/srv");
        assert!(dir);
        let (comps, dir) = destination("/etc/x/", "/srv");
        assert_eq!(display(&comps), "/etc/x");
        assert!(dir);
    }

    #[test]
    fn order_keys_sort_component_wise() {
        let mut paths = vec![b"a-b".to_vec(), b"a/b".to_vec(), b"a".to_vec()];
        paths.sort_by_key(|p| order_key(p));
        assert_eq!(paths, vec![b"a".to_vec(), b"a/b".to_vec(), b"a-b".to_vec()]);
        assert_eq!(layer_order(b"a/b", b"a-b"), Ordering::Less);
    }
}
