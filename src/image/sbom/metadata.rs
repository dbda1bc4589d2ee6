//! Packages named by package databases and language metadata files: dpkg's status, apk's
//! installed database, rpm's `rpmdb.sqlite` ([`rpm`]), Python's `METADATA`/`PKG-INFO`, Node's `package.json`; and the
//! distribution from `os-release`.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Package, rpm};

/// The largest language metadata file read.
pub const MAX_FILE: u64 = 1 << 20;
/// The largest dpkg status file read.
pub const MAX_DPKG_STATUS: u64 = 64 << 20;

/// The largest size read of the metadata file at `path`, if it is one.
pub fn interesting(path: &str) -> Option<u64> {
    if path == "var/lib/dpkg/status" {
        return Some(MAX_DPKG_STATUS);
    }
    if rpm::is_rpmdb(path) {
        return Some(rpm::MAX_DB);
    }
    let parent_and_name = path.rsplit_once('/');
    match parent_and_name {
        Some(("var/lib/dpkg/status.d", _)) => Some(MAX_FILE),
        Some((_, "METADATA")) if path.contains(".dist-info/") => Some(MAX_FILE),
        Some((_, "PKG-INFO")) if path.contains(".egg-info/") => Some(MAX_FILE),
        Some((dir, "package.json")) if node_package_dir(dir) => Some(MAX_FILE),
        _ if path == "lib/apk/db/installed"
            || path == "etc/os-release"
            || path == "usr/lib/os-release" =>
        {
            Some(MAX_FILE)
        }
        _ => None,
    }
}

/// Whether `dir` is a package directory right under a `node_modules` (`node_modules/x` or
/// `node_modules/@scope/x`).
fn node_package_dir(dir: &str) -> bool {
    let parts: Vec<&str> = dir.rsplit('/').take(3).collect();
    match parts.as_slice() {
        [_, "node_modules", ..] => true,
        [_, scope, "node_modules"] => scope.starts_with('@'),
        _ => false,
    }
}

/// `Key: value` paragraphs (dpkg status, apk's `K:value` records when `sep` is `:` alone):
/// continuation lines (starting with a space) are dropped.
fn paragraphs(text: &str, sep: &str) -> Vec<BTreeMap<String, String>> {
    let mut out = Vec::new();
    let mut cur = BTreeMap::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            continue;
        }
        if let Some((k, v)) = line.split_once(sep) {
            cur.entry(k.trim().to_string())
                .or_insert_with(|| v.trim().to_string());
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The packages the metadata file at `path` names.
pub fn packages(files: &BTreeMap<String, Vec<u8>>) -> Vec<Package> {
    let mut out = Vec::new();
    for (path, bytes) in files {
        if rpm::is_rpmdb(path) {
            out.extend(rpm::packages(bytes, path));
            continue;
        }
        let text = String::from_utf8_lossy(bytes);
        let field = |p: &BTreeMap<String, String>, k: &str| p.get(k).cloned().unwrap_or_default();
        if path == "var/lib/dpkg/status" || path.starts_with("var/lib/dpkg/status.d/") {
            for p in paragraphs(&text, ": ") {
                let status = field(&p, "Status");
                if !status.is_empty() && !status.ends_with(" installed") {
                    continue;
                }
                out.push(Package {
                    kind: "deb",
                    name: field(&p, "Package"),
                    version: field(&p, "Version"),
                    arch: field(&p, "Architecture"),
                    license: String::new(),
                    location: path.clone(),
                });
            }
        } else if path == "lib/apk/db/installed" {
            for p in paragraphs(&text, ":") {
                out.push(Package {
                    kind: "apk",
                    name: field(&p, "P"),
                    version: field(&p, "V"),
                    arch: field(&p, "A"),
                    license: field(&p, "L"),
                    location: path.clone(),
                });
            }
        } else if path.ends_with("/METADATA") || path.ends_with("/PKG-INFO") {
            let head = text.split("\n\n").next().unwrap_or_default();
            if let Some(p) = paragraphs(head, ": ").into_iter().next() {
                out.push(Package {
                    kind: "pypi",
                    name: field(&p, "Name"),
                    version: field(&p, "Version"),
                    arch: String::new(),
                    license: field(&p, "License"),
                    location: path.clone(),
                });
            }
        } else if path.ends_with("/package.json") {
            let Ok(doc) = serde_json::from_slice::<Value>(bytes) else {
                continue;
            };
            let s = |k: &str| doc.get(k).and_then(Value::as_str).unwrap_or_default();
            out.push(Package {
                kind: "npm",
                name: s("name").to_string(),
                version: s("version").to_string(),
                arch: String::new(),
                license: s("license").to_string(),
                location: path.clone(),
            });
        }
    }
    out.retain(|p| !p.name.is_empty());
    out.sort();
    out.dedup_by(|a, b| a.kind == b.kind && a.name == b.name && a.version == b.version);
    out
}

/// `ID` and `VERSION_ID` of the image's os-release.
pub fn distro(files: &BTreeMap<String, Vec<u8>>) -> Option<(String, String)> {
    let bytes = files
        .get("etc/os-release")
        .or_else(|| files.get("usr/lib/os-release"))?;
    let text = String::from_utf8_lossy(bytes);
    let get = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{k}=")))
            .map(|v| v.trim().trim_matches('"').to_string())
    };
    Some((get("ID")?, get("VERSION_ID").unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_hold_package_metadata() {
        assert!(interesting("var/lib/dpkg/status").is_some());
        assert_eq!(interesting("var/lib/rpm/rpmdb.sqlite"), Some(rpm::MAX_DB));
        assert!(interesting("usr/lib/sysimage/rpm/rpmdb.sqlite").is_some());
        assert!(interesting("var/lib/rpm/Packages").is_none());
        assert!(
            interesting("usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA").is_some()
        );
        assert!(interesting("app/node_modules/left-pad/package.json").is_some());
        assert!(interesting("app/node_modules/@types/node/package.json").is_some());
        assert!(interesting("app/node_modules/left-pad/lib/package.json").is_none());
        assert!(interesting("app/package.json").is_none());
        assert!(interesting("etc/passwd").is_none());
    }

    #[test]
    fn packages_of_each_database() {
        let mut files = BTreeMap::new();
        files.insert(
            "var/lib/dpkg/status".to_string(),
            b"Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b2\nDescription: x\n more\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 1\n".to_vec(),
        );
        files.insert(
            "lib/apk/db/installed".to_string(),
            b"P:musl\nV:1.2.4-r2\nA:x86_64\nL:MIT\n\nP:busybox\nV:1.36.1-r5\n".to_vec(),
        );
        files.insert(
            "usr/lib/python3.11/site-packages/requests-2.31.0.dist-info/METADATA".to_string(),
            b"Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nLicense: Apache 2.0\n\nbody"
                .to_vec(),
        );
        files.insert(
            "app/node_modules/@scope/x/package.json".to_string(),
            br#"{"name":"@scope/x","version":"1.0.0","license":"MIT"}"#.to_vec(),
        );
        files.insert(
            "etc/os-release".to_string(),
            b"ID=debian\nVERSION_ID=\"12\"\n".to_vec(),
        );
        let found = packages(&files);
        let names: Vec<_> = found.iter().map(|p| (p.kind, p.name.as_str())).collect();
        assert_eq!(
            names,
            [
                ("apk", "busybox"),
                ("apk", "musl"),
                ("deb", "bash"),
                ("npm", "@scope/x"),
                ("pypi", "requests")
            ]
        );
        assert_eq!(
            distro(&files),
            Some(("debian".to_string(), "12".to_string()))
        );
    }
}
