//! The cache index: the records an export publishes, and its encoding as an OCI image manifest
//! (DESIGN.md "Cache export and import").
//!
//! * The **config blob** (`application/vnd.rbuild.cache.config.v1+json`) is
//!   `{"version":1,"records":[CacheRecord...]}`: each record as the local cache stores it, its
//!   explanation snapshot included, so a fresh runner can still say why a step missed.
//! * The **manifest** is an OCI image manifest (never an index: ECR rejects manifest lists for
//!   caches) with `artifactType: application/vnd.rbuild.cache.v1`, the config above, and one layer
//!   descriptor per distinct layer blob a record names, in record order.
//!
//! Registries, OCI layout directories and S3 store exactly these two documents; the GitHub
//! Actions backend stores the config document plus blob locations in its own index entry.
//! A record is imported only when it names its key consistently and its layer is listed; the
//! rest of a damaged index is still used.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::document::{DocKind, Document, LoadedDoc};
use crate::cache::CacheRecord;
use crate::digest::Digest;
use crate::image::layer::LayerDescriptor;

/// `artifactType` of a cache manifest.
pub const ARTIFACT_TYPE: &str = "application/vnd.rbuild.cache.v1";
/// Media type of the records document (the manifest's config).
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.rbuild.cache.config.v1+json";
/// The format version the config carries.
pub const FORMAT_VERSION: u32 = 1;
pub use super::document::{MANIFEST_MEDIA_TYPE, MAX_DOC_BYTES as MAX_INDEX_BYTES};

/// The records of one export.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheIndex {
    /// Format version ([`FORMAT_VERSION`]).
    pub version: u32,
    /// The records, in the order the steps ran.
    pub records: Vec<CacheRecord>,
}

impl CacheIndex {
    /// An index of `records` (at most one per key: the first wins).
    pub fn new(records: Vec<CacheRecord>) -> Self {
        let mut seen = BTreeSet::new();
        let records = records
            .into_iter()
            .filter(|r| seen.insert(r.key.clone()))
            .collect();
        Self {
            version: FORMAT_VERSION,
            records,
        }
    }

    /// The distinct layer blobs the records name, in record order.
    pub fn layers(&self) -> Vec<LayerDescriptor> {
        let mut seen = BTreeSet::new();
        self.records
            .iter()
            .filter_map(|r| r.layer.as_ref())
            .filter(|l| seen.insert(l.digest.clone()))
            .cloned()
            .collect()
    }

    /// The records by key.
    pub fn by_key(&self) -> HashMap<Digest, CacheRecord> {
        self.records
            .iter()
            .map(|r| (r.key.clone(), r.clone()))
            .collect()
    }

    /// The records document (the manifest's config blob).
    pub fn config_bytes(&self) -> Vec<u8> {
        // A struct of strings, numbers and vectors: serializing it cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Parses a records document; records whose layer is not in `listed` (when given) are
    /// dropped with a warning, as are records of an unknown format version.
    pub fn from_config_bytes(
        bytes: &[u8],
        listed: Option<&BTreeSet<Digest>>,
    ) -> Result<Self, String> {
        let index: CacheIndex = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if index.version != FORMAT_VERSION {
            return Err(format!(
                "format version {} (this rbuild reads {FORMAT_VERSION})",
                index.version
            ));
        }
        let records = index
            .records
            .into_iter()
            .filter(|r| match (&r.layer, listed) {
                (Some(l), Some(listed)) if !listed.contains(&l.digest) => {
                    tracing::warn!(
                        "cache record {}: its layer {} is not in the manifest, ignored",
                        r.key,
                        l.digest
                    );
                    false
                }
                _ => true,
            })
            .collect();
        Ok(Self::new(records))
    }

    /// The kind of document an index is.
    pub const KIND: DocKind = DocKind {
        artifact_type: ARTIFACT_TYPE,
        config_media_type: CONFIG_MEDIA_TYPE,
    };

    /// This index as a document: the records and the layers they name.
    pub fn document(&self) -> Document {
        Document {
            kind: Self::KIND,
            config: self.config_bytes(),
            blobs: self.layers(),
        }
    }

    /// The config bytes and the manifest bytes of this index.
    pub fn encode(&self) -> (Vec<u8>, Vec<u8>) {
        let doc = self.document();
        let manifest = doc.manifest_bytes();
        (doc.config, manifest)
    }

    /// The index of a loaded document.
    pub fn from_loaded(doc: &LoadedDoc) -> Result<Self, String> {
        Self::from_config_bytes(&doc.config, doc.listed.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::remote::document::DocManifest;

    fn record(n: u8, layer: Option<u8>) -> CacheRecord {
        CacheRecord {
            key: Digest::of(&[n]),
            layer: layer.map(|l| LayerDescriptor {
                digest: Digest::of(&[l, 1]),
                diff_id: Digest::of(&[l, 2]),
                size: 10 + u64::from(l),
                media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
            }),
            chain_id: None,
            created: "2026-01-01T00:00:00Z".into(),
            created_by: format!("RUN step {n}"),
            duration_ms: 5,
            lower_layers: Vec::new(),
            lower_chain_ids: Vec::new(),
            snapshot: None,
        }
    }

    #[test]
    fn round_trip_through_the_manifest() {
        let index = CacheIndex::new(vec![
            record(1, Some(1)),
            record(2, None),
            record(3, Some(1)),
            record(4, Some(4)),
            record(1, Some(9)),
        ]);
        assert_eq!(index.records.len(), 4, "one record per key");
        let (config, manifest) = index.encode();
        let m = DocManifest::parse(&manifest, CacheIndex::KIND).unwrap();
        assert_eq!(m.layers.len(), 2, "layers listed once");
        assert_eq!(m.config_digest().unwrap(), Digest::of(&config));
        let back = CacheIndex::from_config_bytes(&config, Some(&m.layer_digests())).unwrap();
        assert_eq!(back, index);
        // Deterministic: the same records make the same bytes.
        assert_eq!(index.encode(), back.encode());
    }

    #[test]
    fn records_of_unlisted_layers_and_foreign_documents_are_refused() {
        let index = CacheIndex::new(vec![record(1, Some(1)), record(2, Some(2))]);
        let listed: BTreeSet<Digest> = [Digest::of(&[1, 1])].into();
        let back = CacheIndex::from_config_bytes(&index.config_bytes(), Some(&listed)).unwrap();
        assert_eq!(back.records.len(), 1);
        assert!(DocManifest::parse(br#"{"schemaVersion":2}"#, CacheIndex::KIND).is_err());
        let image = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"x","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:00","size":1},"layers":[]}"#;
        assert!(
            DocManifest::parse(image, CacheIndex::KIND)
                .unwrap_err()
                .contains("not an rbuild")
        );
        assert!(CacheIndex::from_config_bytes(br#"{"version":7,"records":[]}"#, None).is_err());
    }
}
