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

use crate::cache::CacheRecord;
use crate::digest::Digest;
use crate::image::layer::LayerDescriptor;

/// `artifactType` of a cache manifest.
pub const ARTIFACT_TYPE: &str = "application/vnd.rbuild.cache.v1";
/// Media type of the records document (the manifest's config).
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.rbuild.cache.config.v1+json";
/// Media type of the manifest.
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// The format version the config carries.
pub const FORMAT_VERSION: u32 = 1;
/// Index documents larger than this are refused (thousands of records fit in 1 MiB).
pub const MAX_INDEX_BYTES: u64 = 64 << 20;

/// The records of one export.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheIndex {
    /// Format version ([`FORMAT_VERSION`]).
    pub version: u32,
    /// The records, in the order the steps ran.
    pub records: Vec<CacheRecord>,
}

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

/// The cache manifest as serialized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CacheManifest {
    /// Always 2.
    pub schema_version: u32,
    /// [`MANIFEST_MEDIA_TYPE`].
    pub media_type: String,
    /// [`ARTIFACT_TYPE`].
    pub artifact_type: String,
    /// The records document.
    pub config: OciDescriptor,
    /// The layer blobs.
    pub layers: Vec<OciDescriptor>,
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

    /// The manifest for a config blob of `config_digest` and `config_size`.
    pub fn manifest(&self, config_digest: &Digest, config_size: u64) -> CacheManifest {
        CacheManifest {
            schema_version: 2,
            media_type: MANIFEST_MEDIA_TYPE.into(),
            artifact_type: ARTIFACT_TYPE.into(),
            config: OciDescriptor {
                media_type: CONFIG_MEDIA_TYPE.into(),
                digest: config_digest.to_string(),
                size: config_size,
            },
            layers: self
                .layers()
                .into_iter()
                .map(|l| OciDescriptor {
                    media_type: l.media_type,
                    digest: l.digest.to_string(),
                    size: l.size,
                })
                .collect(),
        }
    }

    /// The config bytes and the manifest bytes of this index.
    pub fn encode(&self) -> (Vec<u8>, Vec<u8>) {
        let config = self.config_bytes();
        let manifest = self.manifest(&Digest::of(&config), config.len() as u64);
        (config, serde_json::to_vec(&manifest).unwrap_or_default())
    }
}

impl CacheManifest {
    /// Parses manifest bytes, checking that they are an rbuild cache manifest.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let m: CacheManifest = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if m.artifact_type != ARTIFACT_TYPE || m.config.media_type != CONFIG_MEDIA_TYPE {
            return Err(format!(
                "not an rbuild cache manifest (artifactType {:?}, config {:?})",
                m.artifact_type, m.config.media_type
            ));
        }
        if m.config.size > MAX_INDEX_BYTES {
            return Err(format!("its records document is {} bytes", m.config.size));
        }
        Ok(m)
    }

    /// The config's digest.
    pub fn config_digest(&self) -> Result<Digest, String> {
        Digest::parse(&self.config.digest)
            .ok_or_else(|| format!("invalid config digest {:?}", self.config.digest))
    }

    /// The digests of the listed layers (invalid ones skipped).
    pub fn layer_digests(&self) -> BTreeSet<Digest> {
        self.layers
            .iter()
            .filter_map(|l| Digest::parse(&l.digest))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let m = CacheManifest::parse(&manifest).unwrap();
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
        assert!(CacheManifest::parse(br#"{"schemaVersion":2}"#).is_err());
        let image = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"x","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:00","size":1},"layers":[]}"#;
        assert!(
            CacheManifest::parse(image)
                .unwrap_err()
                .contains("not an rbuild")
        );
        assert!(CacheIndex::from_config_bytes(br#"{"version":7,"records":[]}"#, None).is_err());
    }
}
