//! What a build made: one image, or an OCI image index over one image per target platform
//! (DESIGN.md "Platforms"), its document written into the store next to the images.

use std::collections::BTreeMap;

use serde::Serialize;

use super::manifest::{BuiltImage, Descriptor, OCI_INDEX};
use crate::store::{Store, StoreError};

/// An image index in the store over images that are all in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltIndex {
    /// The index document's descriptor.
    pub index: Descriptor,
    /// The images, in the order the index lists them.
    pub images: Vec<BuiltImage>,
    /// Attestation manifests ([`super::attestation`]), listed after the images, each
    /// descriptor with its `vnd.docker.reference.*` annotations.
    pub attestations: Vec<BuiltImage>,
}

/// A build's result: what outputs write, push and name. (One per build, built once and
/// borrowed after: the size difference of the variants costs nothing worth a box.)
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::large_enum_variant)]
pub enum Built {
    /// One platform: the image.
    Image(BuiltImage),
    /// Several platforms: the index over their images.
    Index(BuiltIndex),
}

/// The index document, its fields in the order BuildKit writes them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct IndexDocument<'a> {
    schema_version: u32,
    media_type: &'a str,
    manifests: Vec<Descriptor>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    annotations: BTreeMap<String, String>,
}

/// Writes an OCI image index over `images` (each entry the manifest's descriptor with its
/// platform), then `attestations` (as BuildKit lists them: after the images, platform
/// `unknown/unknown`), with `annotations` on the index itself (`--annotation index:...`).
/// Deterministic: the same inputs give the same digest.
pub fn assemble_index(
    store: &Store,
    images: Vec<BuiltImage>,
    attestations: Vec<BuiltImage>,
    annotations: BTreeMap<String, String>,
) -> Result<BuiltIndex, StoreError> {
    let manifests = images
        .iter()
        .chain(&attestations)
        .map(BuiltImage::platform_descriptor)
        .collect();
    let bytes = serde_json::to_vec(&IndexDocument {
        schema_version: 2,
        media_type: OCI_INDEX,
        manifests,
        annotations,
    })
    .unwrap_or_default();
    let digest = store.put_bytes(&bytes)?;
    Ok(BuiltIndex {
        index: Descriptor {
            media_type: OCI_INDEX.into(),
            digest,
            size: bytes.len() as u64,
            annotations: BTreeMap::new(),
            platform: None,
        },
        images,
        attestations,
    })
}

impl BuiltImage {
    /// The manifest's descriptor with the image's platform, as an index lists it.
    pub fn platform_descriptor(&self) -> Descriptor {
        Descriptor {
            platform: Some(self.platform.clone()),
            ..self.manifest.clone()
        }
    }
}

impl Built {
    /// The images: one, or the index's.
    pub fn images(&self) -> &[BuiltImage] {
        match self {
            Built::Image(image) => std::slice::from_ref(image),
            Built::Index(index) => &index.images,
        }
    }

    /// What a name points at: the image's manifest (with its platform) or the index.
    pub fn top(&self) -> Descriptor {
        match self {
            Built::Image(image) => image.platform_descriptor(),
            Built::Index(index) => index.index.clone(),
        }
    }

    /// The attestation manifests (none for a single image).
    pub fn attestations(&self) -> &[BuiltImage] {
        match self {
            Built::Image(_) => &[],
            Built::Index(index) => &index.attestations,
        }
    }

    /// Every blob, each once: each image's (then each attestation manifest's) layers, config
    /// and manifest, then the index.
    pub fn blobs(&self) -> Vec<&Descriptor> {
        let mut seen = std::collections::BTreeSet::new();
        let mut out: Vec<&Descriptor> = Vec::new();
        for image in self.images().iter().chain(self.attestations()) {
            for d in image.layers.iter().chain([&image.config, &image.manifest]) {
                if seen.insert(&d.digest) {
                    out.push(d);
                }
            }
        }
        if let Built::Index(index) = self {
            out.push(&index.index);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::config::ImageConfig;
    use crate::image::manifest::assemble;

    fn image(store: &Store, arch: &str) -> BuiltImage {
        let config = ImageConfig {
            architecture: arch.into(),
            os: "linux".into(),
            ..ImageConfig::default()
        };
        assemble(store, &config, &[]).unwrap()
    }

    #[test]
    fn index_lists_each_manifest_with_its_platform() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let amd = image(&store, "amd64");
        let arm = image(&store, "arm64");
        let built = assemble_index(
            &store,
            vec![amd.clone(), arm.clone()],
            vec![],
            BTreeMap::new(),
        )
        .unwrap();
        let bytes = std::fs::read(store.blobs().path(&built.index.digest)).unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(doc["mediaType"], OCI_INDEX);
        assert_eq!(doc["schemaVersion"], 2);
        let m = doc["manifests"].as_array().unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0]["digest"], amd.manifest.digest.as_str());
        assert_eq!(m[0]["platform"]["architecture"], "amd64");
        assert_eq!(m[1]["platform"]["architecture"], "arm64");
        assert!(m[1]["platform"].get("variant").is_none());
        let again = assemble_index(&store, vec![amd, arm], vec![], BTreeMap::new()).unwrap();
        assert_eq!(again.index, built.index, "deterministic");
        let all = Built::Index(built);
        assert_eq!(all.blobs().last().unwrap().digest, all.top().digest);
        assert_eq!(all.images().len(), 2);
    }
}
