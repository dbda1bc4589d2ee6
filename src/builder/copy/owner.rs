//! `--chown`: `uid`, `uid:gid`, `name`, `name:group`, resolved as BuildKit's file op does.
//!
//! A number needs no lookup; a number without a group gives the same number as gid. A name is
//! looked up in the destination's `/etc/passwd` (read through the snapshot stack, symlinks
//! confined to it) and, without a group, takes the user's primary gid; a group name is looked up
//! in `/etc/group`.

use std::path::Path;

use super::{CopyError, RootfsView};

/// The largest `/etc/passwd` or `/etc/group` read (a bigger one is cut there).
const MAX_DB_SIZE: u64 = 16 << 20;

/// The (uid, gid) of a `--chown` value, names resolved in `lower`.
pub fn resolve_chown(spec: &str, lower: &RootfsView, line: usize) -> Result<(u64, u64), CopyError> {
    let bad = |reason: &str| CopyError::BadChown {
        line,
        value: spec.to_string(),
        reason: reason.to_string(),
    };
    let (user, group) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    if user.is_empty() || group.is_some_and(str::is_empty) {
        return Err(bad("expected `user`, `user:group`, `uid` or `uid:gid`"));
    }
    let (uid, primary_gid) = match user.parse::<u64>() {
        Ok(uid) => (uid, uid),
        Err(_) => {
            let (uid, gid) = find(lower, "/etc/passwd", user, line)?
                .and_then(|fields| Some((parse_id(fields.get(2)?)?, parse_id(fields.get(3)?)?)))
                .ok_or_else(|| CopyError::UnknownName {
                    line,
                    what: "user",
                    name: user.to_string(),
                    file: "/etc/passwd",
                })?;
            (uid, gid)
        }
    };
    let gid = match group {
        None => primary_gid,
        Some(group) => match group.parse::<u64>() {
            Ok(gid) => gid,
            Err(_) => find(lower, "/etc/group", group, line)?
                .and_then(|fields| parse_id(fields.get(2)?))
                .ok_or_else(|| CopyError::UnknownName {
                    line,
                    what: "group",
                    name: group.to_string(),
                    file: "/etc/group",
                })?,
        },
    };
    Ok((uid, gid))
}

/// The `:`-separated fields of the first line of `file` whose first field is `name`.
fn find(
    lower: &RootfsView,
    file: &'static str,
    name: &str,
    line: usize,
) -> Result<Option<Vec<String>>, CopyError> {
    let content = lower
        .read_file(Path::new(file), MAX_DB_SIZE)
        .map_err(|source| CopyError::Store {
            line,
            path: file.to_string(),
            source,
        })?;
    let Some(content) = content else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&content);
    Ok(text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .map(|l| l.split(':').map(str::to_string).collect::<Vec<_>>())
        .find(|fields| fields.first().is_some_and(|f| f == name)))
}

fn parse_id(field: &str) -> Option<u64> {
    field.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view_with_db(root: &Path) -> RootfsView {
        let etc = root.join("layer/etc");
        std::fs::create_dir_all(&etc).unwrap();
        std::fs::write(
            etc.join("passwd"),
            "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n",
        )
        .unwrap();
        std::fs::write(etc.join("group"), "root:x:0:\nstaff:x:50:app\n").unwrap();
        RootfsView::new(vec![root.join("layer")])
    }

    #[test]
    fn numbers_need_no_lookup() {
        let empty = RootfsView::default();
        assert_eq!(resolve_chown("10", &empty, 1).unwrap(), (10, 10));
        assert_eq!(resolve_chown("10:11", &empty, 1).unwrap(), (10, 11));
    }

    #[test]
    fn names_come_from_the_destination() {
        let dir = tempfile::tempdir().unwrap();
        let view = view_with_db(dir.path());
        assert_eq!(resolve_chown("app", &view, 1).unwrap(), (1000, 1001));
        assert_eq!(resolve_chown("app:staff", &view, 1).unwrap(), (1000, 50));
        assert_eq!(resolve_chown("app:7", &view, 1).unwrap(), (1000, 7));
        assert_eq!(resolve_chown("5:staff", &view, 1).unwrap(), (5, 50));
    }

    #[test]
    fn unknown_names_and_bad_values_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let view = view_with_db(dir.path());
        let err = resolve_chown("nobody", &view, 3).unwrap_err().to_string();
        assert!(
            err.contains("nobody") && err.contains("/etc/passwd"),
            "{err}"
        );
        let err = resolve_chown("app:nogroup", &view, 3)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("nogroup") && err.contains("/etc/group"),
            "{err}"
        );
        assert!(resolve_chown("app:", &view, 3).is_err());
        assert!(resolve_chown("x", &RootfsView::default(), 3).is_err());
    }
}
