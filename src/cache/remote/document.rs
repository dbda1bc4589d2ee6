//! The documents a remote cache stores, whatever the backend: each scope's **cache index**
//! (the step records, [`super::index`]) and one **mount-cache manifest** per (mount id, scope)
//! (`cache::remote::mounts`). Both are an OCI image manifest (never an index: ECR
//! rejects manifest lists) with an `artifactType`, a JSON config blob and the blobs the document
//! keeps alive as its layers; backends store and name them side by side:
//!
//! | backend  | [`DocName::Index`]                | [`DocName::Mount`]`(key)`                       |
//! |----------|-----------------------------------|-------------------------------------------------|
//! | registry | tag `<tag>`                       | tag `<tag>-mount-<key>` (long ones hashed)      |
//! | local    | `index.json` ref.name `<scope>`   | ref.name `<scope>/mount/<key>`                  |
//! | s3       | `index/<scope>/<name>`            | `index/<scope>/<name>.mount/<key>`              |
//! | gha      | entry `rbuild-v1-<ns>-index-<t>`  | entry `rbuild-v1-<ns>-mount/<key>/<t>`           |
//!
//! A mount key is a cache directory name (the builder's `mounts::cache::dir_name`): at most
//! 100 bytes of `[A-Za-z0-9._-]`.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::image::layer::LayerDescriptor;

/// Which document of a scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocName {
    /// The scope's cache index (step records).
    Index,
    /// The manifest of the mount cache with this key.
    Mount(String),
}

/// What kind of document, as its OCI manifest says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocKind {
    /// The manifest's `artifactType`.
    pub artifact_type: &'static str,
    /// The config blob's media type.
    pub config_media_type: &'static str,
}

/// A document to store: its config bytes and the blobs it lists (kept alive by it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Its kind.
    pub kind: DocKind,
    /// The config blob (JSON).
    pub config: Vec<u8>,
    /// The blobs listed as the manifest's layers, in order, each once.
    pub blobs: Vec<LayerDescriptor>,
}

/// A document as loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedDoc {
    /// The config bytes.
    pub config: Vec<u8>,
    /// The digests the manifest lists (`None`: the backend keeps no list, e.g. gha).
    pub listed: Option<BTreeSet<Digest>>,
    /// Where it was found (tag, object key, entry key), for messages.
    pub location: String,
}

/// Media type of every document's manifest.
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// Config documents larger than this are refused (thousands of records fit in 1 MiB).
pub const MAX_DOC_BYTES: u64 = 64 << 20;

/// A descriptor of the manifest, as OCI spells it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OciDescriptor {
    /// Media type.
    pub media_type: String,
    /// Digest.
    pub digest: String,
    /// Size in bytes.
    pub size: u64,
}

/// A document's OCI image manifest as serialized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocManifest {
    /// Always 2.
    pub schema_version: u32,
    /// [`MANIFEST_MEDIA_TYPE`].
    pub media_type: String,
    /// The document kind's artifact type.
    pub artifact_type: String,
    /// The config blob.
    pub config: OciDescriptor,
    /// The listed blobs.
    pub layers: Vec<OciDescriptor>,
}

impl Document {
    /// The manifest of this document.
    pub fn manifest(&self) -> DocManifest {
        DocManifest {
            schema_version: 2,
            media_type: MANIFEST_MEDIA_TYPE.into(),
            artifact_type: self.kind.artifact_type.into(),
            config: OciDescriptor {
                media_type: self.kind.config_media_type.into(),
                digest: Digest::of(&self.config).to_string(),
                size: self.config.len() as u64,
            },
            layers: self
                .blobs
                .iter()
                .map(|l| OciDescriptor {
                    media_type: l.media_type.clone(),
                    digest: l.digest.to_string(),
                    size: l.size,
                })
                .collect(),
        }
    }

    /// The manifest's bytes (deterministic: the same document makes the same bytes).
    pub fn manifest_bytes(&self) -> Vec<u8> {
        // Strings, numbers and vectors: serializing cannot fail.
        serde_json::to_vec(&self.manifest()).unwrap_or_default()
    }
}

impl DocManifest {
    /// Parses manifest bytes, checking that they are a document of `kind`.
    pub fn parse(bytes: &[u8], kind: DocKind) -> Result<Self, String> {
        let m: DocManifest = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if m.artifact_type != kind.artifact_type || m.config.media_type != kind.config_media_type {
            return Err(format!(
                "not an rbuild {} manifest (artifactType {:?}, config {:?})",
                kind.artifact_type, m.artifact_type, m.config.media_type
            ));
        }
        if m.config.size > MAX_DOC_BYTES {
            return Err(format!("its config document is {} bytes", m.config.size));
        }
        Ok(m)
    }

    /// The config's digest.
    pub fn config_digest(&self) -> Result<Digest, String> {
        Digest::parse(&self.config.digest)
            .ok_or_else(|| format!("invalid config digest {:?}", self.config.digest))
    }

    /// The digests of the listed blobs (invalid ones skipped).
    pub fn layer_digests(&self) -> BTreeSet<Digest> {
        self.layers
            .iter()
            .filter_map(|l| Digest::parse(&l.digest))
            .collect()
    }
}

/// The registry tag of `name` beside the index tag `tag` (at most 128 characters: a long
/// one ends in a hash of the key instead of the key).
pub fn registry_tag(tag: &str, name: &DocName) -> String {
    match name {
        DocName::Index => tag.to_string(),
        DocName::Mount(key) => {
            let full = format!("{tag}-mount-{key}");
            if full.len() <= 128 {
                return full;
            }
            let hash = Digest::of(full.as_bytes());
            let hex = hash.as_str().trim_start_matches("sha256:");
            let head: String = full.chars().take(128 - 17).collect();
            format!("{head}-{}", &hex[..16])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_tags_stay_valid() {
        assert_eq!(registry_tag("main", &DocName::Index), "main");
        assert_eq!(
            registry_tag("main", &DocName::Mount("apt".into())),
            "main-mount-apt"
        );
        let long = registry_tag(&"s".repeat(100), &DocName::Mount("k".repeat(100)));
        assert_eq!(long.len(), 128);
        assert_ne!(
            long,
            registry_tag(&"s".repeat(100), &DocName::Mount("k".repeat(99)))
        );
    }

    #[test]
    fn manifests_round_trip_and_refuse_other_kinds() {
        const KIND: DocKind = DocKind {
            artifact_type: "application/vnd.rbuild.test.v1",
            config_media_type: "application/vnd.rbuild.test.config.v1+json",
        };
        let doc = Document {
            kind: KIND,
            config: br#"{"a":1}"#.to_vec(),
            blobs: Vec::new(),
        };
        let bytes = doc.manifest_bytes();
        let m = DocManifest::parse(&bytes, KIND).unwrap();
        assert_eq!(m.config_digest().unwrap(), Digest::of(&doc.config));
        let other = DocKind {
            artifact_type: "x",
            ..KIND
        };
        assert!(DocManifest::parse(&bytes, other).is_err());
    }
}
