//! The software bill of materials of an image: the packages its package databases, language
//! metadata and binaries name, read from its layers (bottom first, whiteouts applied), written
//! as an SPDX 2.3 JSON document, the predicate BuildKit's SBOM attestations carry.
//!
//! What is read: Debian's dpkg database (`var/lib/dpkg/status`, distroless `status.d/*`),
//! Alpine's apk database (`lib/apk/db/installed`), rpm's SQLite database
//! (`var/lib/rpm/rpmdb.sqlite`, `usr/lib/sysimage/rpm/rpmdb.sqlite`, rpm 4.16+: [`rpm`]), Python distributions (`*.dist-info/METADATA`,
//! `*.egg-info/PKG-INFO`), Node packages (`node_modules/<name>/package.json`),
//! `etc/os-release` for the distribution ([`metadata`]); in ELF executables, Go build info
//! ([`golang`], Go 1.18 and later) and `cargo auditable`'s crate list ([`cargo`]). Not read
//! (said so in docs/attestations.md): rpm's older BerkeleyDB `Packages` and NDB `Packages.db`, Go binaries before 1.18,
//! binaries other than ELF.
//!
//! Bounds: a metadata file larger than [`metadata::MAX_FILE`] (dpkg's status:
//! [`metadata::MAX_DPKG_STATUS`]) is skipped, never read whole; an executable is read through
//! bounded windows ([`elf`]); paths are only matched, never opened on the host.

pub mod cargo;
pub mod elf;
pub mod golang;
pub mod layers;
pub mod metadata;
pub mod purl;
pub mod rpm;

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::manifest::BuiltImage;
use crate::digest::Digest;
use crate::store::Store;
use layers::Found;
use purl::package_url;

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
    /// Its ecosystem: `deb`, `apk`, `rpm`, `pypi`, `npm`, `golang`, `cargo`.
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

/// The image's distribution and packages, sorted, each listed once, from what the scan found.
fn packages(found: BTreeMap<String, Found>) -> (Option<(String, String)>, Vec<Package>) {
    let mut files = BTreeMap::new();
    let mut out = Vec::new();
    for (path, found) in found {
        match found {
            Found::Metadata(bytes) => {
                files.insert(path, bytes);
            }
            Found::Binary(packages) => out.extend(packages),
        }
    }
    out.extend(metadata::packages(&files));
    out.retain(|p| !p.name.is_empty());
    out.sort();
    out.dedup_by(|a, b| a.kind == b.kind && a.name == b.name && a.version == b.version);
    (metadata::distro(&files), out)
}

/// Scans `image` (every layer must be in the store) and returns its SPDX 2.3 document; `name`
/// names the document (the image's name), `created` is its RFC 3339 creation time.
pub fn spdx(
    store: &Store,
    image: &BuiltImage,
    name: &str,
    created: &str,
) -> Result<Value, SbomError> {
    let found = layers::scan(store, image)?;
    let (distro, found) = packages(found);
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
    use crate::image::config::ImageConfig;
    use crate::image::manifest::{Descriptor, assemble};

    #[test]
    fn the_document_lists_binaries_packages_the_top_layer_keeps() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let info = golang::fixture::section(
            "go1.22.1",
            "path\texample.com/app\nmod\texample.com/app\tv1.2.3\t\n\
             dep\tgithub.com/spf13/cobra\tv1.8.0\th1:x=\n",
        );
        let go = elf::fixture::elf64(&[(golang::SECTION, &info)]);
        let deps = cargo::fixture::section(
            br#"{"packages":[{"name":"ripgrep","version":"14.1.0","source":"crates.io"}]}"#,
        );
        let rust = elf::fixture::elf64(&[(cargo::SECTION, &deps)]);
        let layers = [
            layers::fixture::layer(&[
                ("usr/bin/app", 0o755, &go),
                ("usr/bin/rg", 0o755, &rust),
                ("usr/bin/old", 0o755, &rust),
            ]),
            layers::fixture::layer(&[("usr/bin/.wh.old", 0o644, b"")]),
        ];
        let mut image = assemble(&store, &ImageConfig::default(), &[]).unwrap();
        for tar in layers {
            image.layers.push(Descriptor {
                media_type: "application/vnd.oci.image.layer.v1.tar".into(),
                digest: store.put_bytes(&tar).unwrap(),
                size: tar.len() as u64,
                annotations: BTreeMap::new(),
                platform: None,
            });
        }
        let doc = spdx(&store, &image, "app", "2024-01-01T00:00:00Z").unwrap();
        let urls: Vec<(&str, &str)> = doc["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["externalRefs"][0]["referenceLocator"].as_str().unwrap(),
                    p["sourceInfo"].as_str().unwrap(),
                )
            })
            .collect();
        let from = |path| format!("acquired package info from {path}");
        let (app, rg) = (from("usr/bin/app"), from("usr/bin/rg"));
        assert_eq!(
            urls,
            [
                ("pkg:cargo/ripgrep@14.1.0", rg.as_str()),
                ("pkg:golang/example.com/app@v1.2.3", app.as_str()),
                ("pkg:golang/github.com/spf13/cobra@v1.8.0", app.as_str()),
                ("pkg:golang/stdlib@1.22.1", app.as_str()),
            ]
        );
    }

    #[test]
    fn the_document_lists_rpm_packages_with_their_distro() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let db = include_bytes!("../../../tests/data/sbom/rpmdb-1024.sqlite");
        let tar = layers::fixture::layer(&[
            ("etc/os-release", 0o644, b"ID=fedora\nVERSION_ID=40\n"),
            ("var/lib/rpm/rpmdb.sqlite", 0o644, db),
        ]);
        let mut image = assemble(&store, &ImageConfig::default(), &[]).unwrap();
        image.layers.push(Descriptor {
            media_type: "application/vnd.oci.image.layer.v1.tar".into(),
            digest: store.put_bytes(&tar).unwrap(),
            size: tar.len() as u64,
            annotations: BTreeMap::new(),
            platform: None,
        });
        let doc = spdx(&store, &image, "app", "2024-01-01T00:00:00Z").unwrap();
        let packages = doc["packages"].as_array().unwrap();
        assert_eq!(packages.len(), 33);
        let bash = packages.iter().find(|p| p["name"] == "bash").unwrap();
        assert_eq!(bash["versionInfo"], "1:5.2.26-3.fc40");
        assert_eq!(bash["licenseDeclared"], "GPL-3.0-or-later");
        assert_eq!(
            bash["externalRefs"][0]["referenceLocator"],
            "pkg:rpm/fedora/bash@5.2.26-3.fc40?arch=x86_64&epoch=1&distro=fedora-40"
        );
        assert_eq!(
            bash["sourceInfo"],
            "acquired package info from var/lib/rpm/rpmdb.sqlite"
        );
    }
}
