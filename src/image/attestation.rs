//! Attestations attached to an image the way BuildKit attaches them (DESIGN.md
//! "Attestations"): in-toto statements, one layer each (`application/vnd.in-toto+json`,
//! annotated with its predicate type), in an *attestation manifest* that the image index lists
//! after the images, with platform `unknown/unknown` and the annotations
//! `vnd.docker.reference.type: attestation-manifest` and `vnd.docker.reference.digest: <the
//! image's manifest digest>`. `docker buildx imagetools inspect --format '{{json
//! .Provenance}}'` and policy tools find them there.
//!
//! Layout, config and field order follow BuildKit's `commitAttestationsManifest`
//! (exporter/containerimage/writer.go): the config is an image config for `unknown/unknown`
//! whose `diff_ids` are the statements' digests (statements are stored uncompressed).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::manifest::{BuiltImage, Descriptor, Manifest, OCI_CONFIG, OCI_MANIFEST, PlatformSpec};
use crate::oci::reference::Reference;
use crate::store::{Store, StoreError};

/// The media type of an in-toto statement layer.
pub const IN_TOTO: &str = "application/vnd.in-toto+json";
/// The in-toto statement type BuildKit writes.
pub const STATEMENT_V01: &str = "https://in-toto.io/Statement/v0.1";
/// SLSA provenance v0.2's predicate type (BuildKit's default provenance).
pub const SLSA_PROVENANCE_V02: &str = "https://slsa.dev/provenance/v0.2";
/// An SPDX document's predicate type (BuildKit's SBOM).
pub const SPDX_DOCUMENT: &str = "https://spdx.dev/Document";
/// The layer annotation naming a statement's predicate type.
pub const PREDICATE_TYPE: &str = "in-toto.io/predicate-type";
/// The index annotation saying what an entry is.
pub const REFERENCE_TYPE: &str = "vnd.docker.reference.type";
/// The index annotation naming the manifest an attestation manifest is about.
pub const REFERENCE_DIGEST: &str = "vnd.docker.reference.digest";
/// [`REFERENCE_TYPE`]'s value for an attestation manifest.
pub const ATTESTATION_MANIFEST: &str = "attestation-manifest";

/// One predicate to attach: its type and document.
#[derive(Debug, Clone, PartialEq)]
pub struct Predicate {
    /// Its type URI ([`SLSA_PROVENANCE_V02`], [`SPDX_DOCUMENT`]).
    pub predicate_type: String,
    /// The predicate document.
    pub predicate: Value,
}

/// An in-toto statement, its fields in the order BuildKit's writes them.
#[derive(Serialize)]
struct Statement<'a> {
    #[serde(rename = "_type")]
    kind: &'a str,
    #[serde(rename = "predicateType")]
    predicate_type: &'a str,
    subject: &'a [Subject],
    predicate: &'a Value,
}

/// A statement's subject: the image by package URL and manifest digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subject {
    /// `pkg:docker/<name>@<tag>?platform=<os>%2F<arch>`.
    pub name: String,
    /// `{"sha256": "<hex>"}`.
    pub digest: BTreeMap<String, String>,
}

/// The attestation image config's shape (an image config for `unknown/unknown`).
#[derive(Serialize)]
struct AttestationConfig<'a> {
    architecture: &'a str,
    os: &'a str,
    config: BTreeMap<String, String>,
    rootfs: RootFs,
}

#[derive(Serialize)]
struct RootFs {
    #[serde(rename = "type")]
    kind: &'static str,
    diff_ids: Vec<String>,
}

/// The platform BuildKit gives attestation manifests.
pub fn unknown_platform() -> PlatformSpec {
    PlatformSpec {
        architecture: "unknown".into(),
        os: "unknown".into(),
        variant: String::new(),
    }
}

/// `os/architecture[/variant]`, as platforms are written.
pub fn platform_text(p: &PlatformSpec) -> String {
    let mut text = format!("{}/{}", p.os, p.architecture);
    if !p.variant.is_empty() {
        text.push('/');
        text.push_str(&p.variant);
    }
    text
}

/// Whether an index entry is an attestation manifest (by its annotation).
pub fn is_attestation(desc: &Descriptor) -> bool {
    desc.annotations.get(REFERENCE_TYPE).map(String::as_str) == Some(ATTESTATION_MANIFEST)
}

/// The package URL of an image reference, as BuildKit's `purl.RefToPURL` writes it:
/// `pkg:docker/<namespace>/<name>@<tag>?digest=...&platform=linux%2Famd64`, the name familiar
/// (`busybox` for `docker.io/library/busybox`), the tag `latest` when there is neither tag nor
/// digest.
pub fn purl(reference: &str, platform: Option<&str>) -> Option<String> {
    let r = Reference::parse(reference).ok()?;
    let familiar = if r.domain == "docker.io" {
        r.path
            .strip_prefix("library/")
            .filter(|rest| !rest.contains('/'))
            .unwrap_or(&r.path)
            .to_string()
    } else {
        format!("{}/{}", r.domain, r.path)
    };
    let (namespace, name) = match familiar.rsplit_once('/') {
        Some((ns, name)) => (Some(ns), name),
        None => (None, familiar.as_str()),
    };
    let mut out = String::from("pkg:docker/");
    if let Some(ns) = namespace {
        let segments: Vec<String> = ns.split('/').map(purl_escape).collect();
        out.push_str(&segments.join("/"));
        out.push('/');
    }
    out.push_str(&purl_escape(name));
    let version = match (&r.tag, &r.digest) {
        (Some(tag), _) => Some(tag.clone()),
        (None, Some(_)) => None,
        (None, None) => Some("latest".to_string()),
    };
    if let Some(v) = version {
        out.push('@');
        out.push_str(&purl_escape(&v));
    }
    let mut qualifiers = Vec::new();
    if let Some(d) = &r.digest {
        qualifiers.push(format!("digest={}", purl_escape(d)));
    }
    if let Some(p) = platform {
        qualifiers.push(format!("platform={}", purl_escape(p)));
    }
    if !qualifiers.is_empty() {
        out.push('?');
        out.push_str(&qualifiers.join("&"));
    }
    Some(out)
}

/// Percent-encodes what a package URL component may not hold (packageurl-go's escaping:
/// everything but unreserved characters).
fn purl_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The subjects of `image`'s statements: one per name, as BuildKit makes them from the image
/// names (none for an unnamed image).
pub fn subjects(image: &BuiltImage, names: &[String]) -> Vec<Subject> {
    names
        .iter()
        .filter_map(|n| purl(n, Some(&platform_text(&image.platform))))
        .map(|name| Subject {
            name,
            digest: BTreeMap::from([(
                "sha256".to_string(),
                image.manifest.digest.hex().to_string(),
            )]),
        })
        .collect()
}

/// Writes `predicates` about `image` as in-toto statements, their config and an attestation
/// manifest into the store. The manifest's descriptor carries the index annotations and the
/// `unknown/unknown` platform, ready to be listed in the image index.
pub fn attach(
    store: &Store,
    image: &BuiltImage,
    subjects: &[Subject],
    predicates: &[Predicate],
) -> Result<BuiltImage, StoreError> {
    let mut layers = Vec::with_capacity(predicates.len());
    for p in predicates {
        let bytes = serde_json::to_vec(&Statement {
            kind: STATEMENT_V01,
            predicate_type: &p.predicate_type,
            subject: subjects,
            predicate: &p.predicate,
        })
        .unwrap_or_default();
        let digest = store.put_bytes(&bytes)?;
        layers.push(Descriptor {
            media_type: IN_TOTO.into(),
            digest,
            size: bytes.len() as u64,
            annotations: BTreeMap::from([(PREDICATE_TYPE.to_string(), p.predicate_type.clone())]),
            platform: None,
        });
    }
    let platform = unknown_platform();
    let config = serde_json::to_vec(&AttestationConfig {
        architecture: &platform.architecture,
        os: &platform.os,
        config: BTreeMap::new(),
        rootfs: RootFs {
            kind: "layers",
            diff_ids: layers.iter().map(|l| l.digest.to_string()).collect(),
        },
    })
    .unwrap_or_default();
    let config_desc = Descriptor {
        media_type: OCI_CONFIG.into(),
        digest: store.put_bytes(&config)?,
        size: config.len() as u64,
        annotations: BTreeMap::new(),
        platform: None,
    };
    let manifest = serde_json::to_vec(&Manifest {
        schema_version: 2,
        media_type: OCI_MANIFEST.into(),
        config: config_desc.clone(),
        layers: layers.clone(),
        annotations: BTreeMap::new(),
    })
    .unwrap_or_default();
    Ok(BuiltImage {
        manifest: Descriptor {
            media_type: OCI_MANIFEST.into(),
            digest: store.put_bytes(&manifest)?,
            size: manifest.len() as u64,
            annotations: BTreeMap::from([
                (REFERENCE_TYPE.to_string(), ATTESTATION_MANIFEST.to_string()),
                (
                    REFERENCE_DIGEST.to_string(),
                    image.manifest.digest.to_string(),
                ),
            ]),
            platform: None,
        },
        config: config_desc,
        layers,
        platform,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::config::ImageConfig;
    use crate::image::manifest::assemble;

    #[test]
    fn purls_as_buildkit_writes_them() {
        assert_eq!(
            purl("docker.io/library/alpine:3.19", Some("linux/amd64")).unwrap(),
            "pkg:docker/alpine@3.19?platform=linux%2Famd64"
        );
        assert_eq!(
            purl("127.0.0.1:5000/library/busybox", None).unwrap(),
            "pkg:docker/127.0.0.1%3A5000/library/busybox@latest"
        );
        assert_eq!(
            purl("docker.io/foo/bar@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", None).unwrap(),
            "pkg:docker/foo/bar?digest=sha256%3Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
        );
    }

    #[test]
    fn attestation_manifest_points_at_its_image() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let config = ImageConfig {
            architecture: "amd64".into(),
            os: "linux".into(),
            ..ImageConfig::default()
        };
        let image = assemble(&store, &config, &[]).unwrap();
        let subjects = subjects(&image, &["127.0.0.1:5000/app:v1".to_string()]);
        assert_eq!(
            subjects[0].name,
            "pkg:docker/127.0.0.1%3A5000/app@v1?platform=linux%2Famd64"
        );
        let att = attach(
            &store,
            &image,
            &subjects,
            &[Predicate {
                predicate_type: SLSA_PROVENANCE_V02.into(),
                predicate: serde_json::json!({"buildType": "x"}),
            }],
        )
        .unwrap();
        assert!(is_attestation(&att.manifest));
        assert_eq!(
            att.manifest.annotations[REFERENCE_DIGEST],
            image.manifest.digest.as_str()
        );
        let layer = std::fs::read(store.blobs().path(&att.layers[0].digest)).unwrap();
        let stmt: Value = serde_json::from_slice(&layer).unwrap();
        assert_eq!(stmt["_type"], STATEMENT_V01);
        assert_eq!(
            stmt["subject"][0]["digest"]["sha256"],
            image.manifest.digest.hex()
        );
        let cfg: Value =
            serde_json::from_slice(&std::fs::read(store.blobs().path(&att.config.digest)).unwrap())
                .unwrap();
        assert_eq!(cfg["rootfs"]["diff_ids"][0], att.layers[0].digest.as_str());
        assert_eq!(cfg["os"], "unknown");
    }
}
