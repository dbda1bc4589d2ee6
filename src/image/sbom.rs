//! The software bill of materials of an image: the packages its package databases and
//! language metadata name, read from its layers (bottom first, whiteouts applied), written as
//! an SPDX 2.3 JSON document, the predicate BuildKit's SBOM attestations carry.
//!
//! What is read: Debian's dpkg database (`var/lib/dpkg/status`, distroless `status.d/*`),
//! Alpine's apk database (`lib/apk/db/installed`), Python distributions (`*.dist-info/METADATA`,
//! `*.egg-info/PKG-INFO`), Node packages (`node_modules/<name>/package.json`), and
//! `etc/os-release` for the distribution. Not read (said so in docs/attestations.md): the rpm
//! database (SQLite), Go build info inside binaries and Rust's cargo-auditable sections.
//!
//! Bounds: a metadata file larger than [`MAX_FILE`] (dpkg's status: [`MAX_DPKG_STATUS`]) is
//! skipped, never read whole; paths are only matched, never opened on the host.

use std::collections::BTreeMap;
use std::io::Read;

use serde_json::{Value, json};

use super::manifest::BuiltImage;
use crate::digest::Digest;
use crate::store::Store;
use crate::store::compression::Compression;

/// The largest language metadata file read.
pub const MAX_FILE: u64 = 1 << 20;
/// The largest dpkg status file read.
pub const MAX_DPKG_STATUS: u64 = 64 << 20;

/// Why the SBOM could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SbomError {
    /// A layer blob could not be read.
    #[error("reading layer {digest} for the SBOM: {source}")]
    Layer {
        /// The layer.
        digest: Digest,
        /// What failed.
        source: std::io::Error,
    },
}

/// A package found in the image.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Package {
    /// Its ecosystem: `deb`, `apk`, `pypi`, `npm`.
    pub kind: &'static str,
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Its architecture (`amd64`), for system packages.
    pub arch: String,
    /// Its declared licence, when the metadata names one.
    pub license: String,
    /// Where it was found in the image.
    pub location: String,
}

/// What kind of metadata file a path is, if any.
fn interesting(path: &str) -> Option<u64> {
    if path == "var/lib/dpkg/status" {
        return Some(MAX_DPKG_STATUS);
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

/// The metadata files of `image`'s filesystem, as the top layer leaves them.
fn metadata_files(
    store: &Store,
    image: &BuiltImage,
) -> Result<BTreeMap<String, Vec<u8>>, SbomError> {
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for layer in &image.layers {
        let err = |source| SbomError::Layer {
            digest: layer.digest.clone(),
            source,
        };
        let blob = store
            .blobs()
            .open(&layer.digest)
            .map_err(|e| err(std::io::Error::other(e.to_string())))?;
        let stream = Compression::Auto.decoder(blob).map_err(err)?;
        let mut archive = tar::Archive::new(stream);
        for entry in archive.entries().map_err(err)? {
            let mut entry = entry.map_err(err)?;
            let raw = entry.path_bytes().into_owned();
            let path = String::from_utf8_lossy(&raw)
                .trim_start_matches("./")
                .trim_start_matches('/')
                .trim_end_matches('/')
                .to_string();
            let (dir, name) = path.rsplit_once('/').unwrap_or(("", &path));
            if name == ".wh..wh..opq" {
                let prefix = format!("{dir}/");
                files.retain(|p, _| !p.starts_with(&prefix));
                continue;
            }
            if let Some(gone) = name.strip_prefix(".wh.") {
                let gone = if dir.is_empty() {
                    gone.to_string()
                } else {
                    format!("{dir}/{gone}")
                };
                let prefix = format!("{gone}/");
                files.retain(|p, _| *p != gone && !p.starts_with(&prefix));
                continue;
            }
            if !entry.header().entry_type().is_file() {
                // A directory or link replacing a file: the file is gone.
                if !entry.header().entry_type().is_dir() {
                    files.remove(&path);
                }
                continue;
            }
            let Some(limit) = interesting(&path) else {
                continue;
            };
            let size = entry.header().size().unwrap_or(u64::MAX);
            if size > limit {
                tracing::warn!("SBOM: {path} is {size} bytes, more than {limit}: skipped");
                files.remove(&path);
                continue;
            }
            let mut bytes = Vec::with_capacity(size as usize);
            entry
                .by_ref()
                .take(limit)
                .read_to_end(&mut bytes)
                .map_err(err)?;
            files.insert(path, bytes);
        }
    }
    Ok(files)
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

/// The packages the metadata files name.
fn packages(files: &BTreeMap<String, Vec<u8>>) -> Vec<Package> {
    let mut out = Vec::new();
    for (path, bytes) in files {
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
fn distro(files: &BTreeMap<String, Vec<u8>>) -> Option<(String, String)> {
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

/// A package's URL (`pkg:deb/debian/bash@5.2?arch=amd64&distro=debian-12`).
fn package_url(p: &Package, distro: Option<&(String, String)>) -> String {
    let esc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    let mut out = format!("pkg:{}/", p.kind);
    match (p.kind, distro) {
        ("deb" | "apk", Some((id, _))) => out.push_str(&format!("{}/", esc(id))),
        ("npm", _) if p.name.starts_with('@') => {}
        _ => {}
    }
    match p.name.split_once('/') {
        Some((scope, name)) if p.kind == "npm" => {
            out.push_str(&format!("{}/{}", esc(scope), esc(name)))
        }
        _ => out.push_str(&esc(&p.name)),
    }
    if !p.version.is_empty() {
        out.push('@');
        out.push_str(&esc(&p.version));
    }
    let mut q = Vec::new();
    if !p.arch.is_empty() {
        q.push(format!("arch={}", esc(&p.arch)));
    }
    if let (Some((id, version)), "deb" | "apk") = (distro, p.kind) {
        q.push(format!("distro={}", esc(&format!("{id}-{version}"))));
    }
    if !q.is_empty() {
        out.push('?');
        out.push_str(&q.join("&"));
    }
    out
}

/// Scans `image` (every layer must be in the store) and returns its SPDX 2.3 document; `name`
/// names the document (the image's name), `created` is its RFC 3339 creation time.
pub fn spdx(
    store: &Store,
    image: &BuiltImage,
    name: &str,
    created: &str,
) -> Result<Value, SbomError> {
    let files = metadata_files(store, image)?;
    let distro = distro(&files);
    let found = packages(&files);
    let mut spdx_packages = Vec::new();
    let mut relationships = Vec::new();
    for p in &found {
        let id_hash =
            Digest::of(format!("{}\0{}\0{}\0{}", p.kind, p.name, p.version, p.location).as_bytes());
        let id = format!(
            "SPDXRef-Package-{}-{}-{}",
            p.kind,
            p.name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                    c
                } else {
                    '-'
                })
                .collect::<String>(),
            &id_hash.hex()[..16]
        );
        let declared = if p.license.is_empty() {
            "NOASSERTION".to_string()
        } else {
            p.license.clone()
        };
        spdx_packages.push(json!({
            "name": p.name,
            "SPDXID": id,
            "versionInfo": p.version,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": if declared.chars().all(|c| c.is_ascii_alphanumeric() || "-.+ ()".contains(c)) { declared } else { "NOASSERTION".to_string() },
            "copyrightText": "NOASSERTION",
            "sourceInfo": format!("acquired package info from {}", p.location),
            "externalRefs": [{
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": package_url(p, distro.as_ref()),
            }],
        }));
        relationships.push(json!({
            "spdxElementId": "SPDXRef-DOCUMENT",
            "relationshipType": "DESCRIBES",
            "relatedSpdxElement": id,
        }));
    }
    Ok(json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": name,
        "documentNamespace": format!("https://rbuild.dev/spdx/{}", image.manifest.digest.hex()),
        "creationInfo": {
            "created": created,
            "creators": [format!("Tool: rbuild-{}", env!("CARGO_PKG_VERSION"))],
        },
        "packages": spdx_packages,
        "relationships": relationships,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_hold_package_metadata() {
        assert!(interesting("var/lib/dpkg/status").is_some());
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
        let d = distro(&files);
        let bash = found.iter().find(|p| p.name == "bash").unwrap();
        assert_eq!(
            package_url(bash, d.as_ref()),
            "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12"
        );
        let x = found.iter().find(|p| p.kind == "npm").unwrap();
        assert_eq!(package_url(x, d.as_ref()), "pkg:npm/%40scope/x@1.0.0");
    }
}
