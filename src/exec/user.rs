//! `USER` to uid, gid and supplementary gids, as BuildKit does (its `oci.GetUser`, which uses
//! runc's `user.GetExecUser`):
//!
//! * `""` is root (0:0); `uid:gid` with two numbers needs no lookup;
//! * otherwise the user part is looked up in the image's `/etc/passwd` by name or uid; a name not
//!   found is an error, a number not found runs as that uid with gid 0;
//! * without a group, the gid is the passwd entry's and the supplementary gids are those of the
//!   `/etc/group` entries that list the user's name; with a group (name or number, looked up in
//!   `/etc/group`; a name not found is an error) there are no supplementary gids.
//!
//! The files are read through the snapshot stack ([`crate::store::lookup`]), never through the
//! mounted root, so an image's symlinks cannot point the host at its own files.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::ExecError;
use crate::store::lookup;

/// The largest `/etc/passwd` or `/etc/group` read (a bigger one is cut there).
const MAX_DB_SIZE: u64 = 16 << 20;

/// The ids a step's process runs with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ids {
    /// The user id.
    pub uid: u32,
    /// The primary group id.
    pub gid: u32,
    /// Supplementary group ids.
    pub additional_gids: Vec<u32>,
}

/// Resolves `user` (a `USER` value) in the root filesystem of `stack` (snapshot dirs, top first).
pub fn resolve_user(user: &str, stack: &[PathBuf]) -> Result<Ids, ExecError> {
    let user = user.trim();
    if user.is_empty() {
        // No USER: root, with root's groups as BuildKit gives them (`id` prints
        // `groups=0(root)`, and any group listing root as a member).
        return Ok(resolve_user("root", stack).unwrap_or(Ids {
            uid: 0,
            gid: 0,
            additional_gids: vec![0],
        }));
    }
    let (name, group) = match user.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (user, None),
    };
    if name.is_empty() || group.is_some_and(str::is_empty) {
        return Err(ExecError::BadUser(user.to_string()));
    }
    if let (Ok(uid), Some(Ok(gid))) = (name.parse::<u32>(), group.map(str::parse::<u32>)) {
        return Ok(Ids {
            uid,
            gid,
            additional_gids: vec![gid],
        });
    }
    let passwd = read_db(stack, "/etc/passwd")?;
    let entry = passwd.iter().find(|f| {
        f.first().is_some_and(|n| n == name) || f.get(2).is_some_and(|id| id.trim() == name)
    });
    let (uid, mut gid, user_name) = match (entry, name.parse::<u32>()) {
        (Some(f), _) => (
            parse_id(f.get(2)).ok_or_else(|| ExecError::BadUser(user.to_string()))?,
            parse_id(f.get(3)).unwrap_or(0),
            f.first().cloned().unwrap_or_default(),
        ),
        (None, Ok(uid)) => (uid, 0, String::new()),
        (None, Err(_)) => {
            return Err(ExecError::UnknownUser {
                what: "user",
                name: name.to_string(),
                file: "/etc/passwd",
            });
        }
    };
    let groups = read_db(stack, "/etc/group")?;
    // The primary group comes first among the process's groups, as BuildKit (and Docker) set
    // them: `id` in a `USER app` step prints `groups=1000(app),2000(extra)`.
    let mut additional_gids = Vec::new();
    match group {
        Some(group) => {
            let found = groups.iter().find(|f| {
                f.first().is_some_and(|n| n == group)
                    || f.get(2).is_some_and(|id| id.trim() == group)
            });
            gid = match (found.and_then(|f| parse_id(f.get(2))), group.parse::<u32>()) {
                (Some(g), _) | (None, Ok(g)) => g,
                (None, Err(_)) => {
                    return Err(ExecError::UnknownUser {
                        what: "group",
                        name: group.to_string(),
                        file: "/etc/group",
                    });
                }
            };
        }
        None if !user_name.is_empty() => {
            for f in &groups {
                let member = f
                    .get(3)
                    .is_some_and(|list| list.split(',').any(|m| m.trim() == user_name));
                if member && let Some(g) = parse_id(f.get(2)) {
                    additional_gids.push(g);
                }
            }
        }
        None => {}
    }
    additional_gids.retain(|g| *g != gid);
    additional_gids.insert(0, gid);
    Ok(Ids {
        uid,
        gid,
        additional_gids,
    })
}

/// The home directory of `uid` in the root filesystem of `stack` (`/` when `/etc/passwd` has no
/// entry for it), for the `HOME` a step gets when it sets none, as runc sets it.
pub fn home_of(uid: u32, stack: &[PathBuf]) -> Result<String, ExecError> {
    let passwd = read_db(stack, "/etc/passwd")?;
    Ok(passwd
        .iter()
        .find(|f| parse_id(f.get(2)) == Some(uid))
        .and_then(|f| f.get(5))
        .filter(|h| !h.is_empty())
        .cloned()
        .unwrap_or_else(|| "/".to_string()))
}

/// The `:`-separated fields of each non-comment line of `file`; empty when it is absent.
fn read_db(stack: &[PathBuf], file: &'static str) -> Result<Vec<Vec<String>>, ExecError> {
    let err = |source| ExecError::Store {
        path: file.to_string(),
        source,
    };
    let Some((real, meta)) = lookup::resolve(stack, Path::new(file)).map_err(err)? else {
        return Ok(Vec::new());
    };
    if !meta.is_file() {
        return Ok(Vec::new());
    }
    let mut content = Vec::new();
    std::fs::File::open(&real)
        .and_then(|f| f.take(MAX_DB_SIZE).read_to_end(&mut content))
        .map_err(|source| ExecError::Io {
            what: "reading",
            path: real.clone(),
            source,
        })?;
    Ok(String::from_utf8_lossy(&content)
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .map(|l| l.split(':').map(str::to_string).collect())
        .collect())
}

fn parse_id(field: Option<&String>) -> Option<u32> {
    field?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(dir: &Path) -> Vec<PathBuf> {
        let etc = dir.join("layer/etc");
        std::fs::create_dir_all(&etc).unwrap();
        std::fs::write(
            etc.join("passwd"),
            "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n",
        )
        .unwrap();
        std::fs::write(
            etc.join("group"),
            "root:x:0:\nstaff:x:50:app,other\nwheel:x:10:app\nappgrp:x:1001:\n",
        )
        .unwrap();
        vec![dir.join("layer")]
    }

    fn ids(uid: u32, gid: u32, extra: &[u32]) -> Ids {
        Ids {
            uid,
            gid,
            additional_gids: extra.to_vec(),
        }
    }

    #[test]
    fn empty_is_root_and_numbers_need_no_files() {
        // Root's own group is among its groups, as BuildKit gives them (issue 23).
        assert_eq!(resolve_user("", &[]).unwrap(), ids(0, 0, &[0]));
        assert_eq!(resolve_user("5:6", &[]).unwrap(), ids(5, 6, &[6]));
        assert_eq!(resolve_user("5", &[]).unwrap(), ids(5, 0, &[0]));
    }

    #[test]
    fn names_and_supplementary_groups_come_from_the_image() {
        let dir = tempfile::tempdir().unwrap();
        let s = stack(dir.path());
        assert_eq!(
            resolve_user("app", &s).unwrap(),
            ids(1000, 1001, &[1001, 50, 10])
        );
        assert_eq!(
            resolve_user("1000", &s).unwrap(),
            ids(1000, 1001, &[1001, 50, 10])
        );
        assert_eq!(resolve_user("app:staff", &s).unwrap(), ids(1000, 50, &[50]));
        assert_eq!(resolve_user("app:7", &s).unwrap(), ids(1000, 7, &[7]));
        assert_eq!(resolve_user("9:staff", &s).unwrap(), ids(9, 50, &[50]));
    }

    #[test]
    fn unknown_names_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let s = stack(dir.path());
        let e = resolve_user("nobody", &s).unwrap_err().to_string();
        assert!(e.contains("`nobody`") && e.contains("/etc/passwd"), "{e}");
        let e = resolve_user("app:nogroup", &s).unwrap_err().to_string();
        assert!(e.contains("`nogroup`") && e.contains("/etc/group"), "{e}");
        assert!(resolve_user("app:", &s).is_err());
    }
}
