//! OCI image manifests and descriptors, and the assembly of a finished image in the store: its
//! config and manifest written as blobs next to its layers, ready to push or export.

use super::config::ImageConfig;
use super::layer::LayerDescriptor;
use crate::digest::Digest;
use crate::store::{Store, StoreError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `application/vnd.oci.image.manifest.v1+json`.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// `application/vnd.oci.image.index.v1+json`.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// `application/vnd.oci.image.config.v1+json`.
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";

/// An OCI content descriptor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    /// Media type of the referenced content.
    pub media_type: String,
    /// Its digest.
    pub digest: Digest,
    /// Its size in bytes.
    pub size: u64,
    /// Optional annotations (e.g. `org.opencontainers.image.ref.name` in an OCI layout index).
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub annotations: BTreeMap<String, String>,
    /// The platform, in an index entry.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub platform: Option<PlatformSpec>,
}

/// A descriptor's platform object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformSpec {
    /// `amd64`, ...
    pub architecture: String,
    /// `linux`, ...
    pub os: String,
    /// `v8`, ...
    #[serde(skip_serializing_if = "String::is_empty", default)]
    pub variant: String,
}

/// An OCI image manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Always 2.
    pub schema_version: u32,
    /// [`OCI_MANIFEST`].
    pub media_type: String,
    /// The image config.
    pub config: Descriptor,
    /// The layers, bottom first.
    pub layers: Vec<Descriptor>,
    /// Manifest annotations.
    #[serde(skip_serializing_if = "BTreeMap::is_empty", default)]
    pub annotations: BTreeMap<String, String>,
}

/// A finished image whose manifest, config and layers are all blobs in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltImage {
    /// The manifest's descriptor (its digest is the image's identity).
    pub manifest: Descriptor,
    /// The config's descriptor (its digest is Docker's "image id").
    pub config: Descriptor,
    /// The layers, bottom first.
    pub layers: Vec<Descriptor>,
    /// The platform the image is for.
    pub platform: PlatformSpec,
}

impl From<&LayerDescriptor> for Descriptor {
    fn from(l: &LayerDescriptor) -> Self {
        Descriptor {
            media_type: l.media_type.clone(),
            digest: l.digest.clone(),
            size: l.size,
            annotations: BTreeMap::new(),
            platform: None,
        }
    }
}

/// Writes `config` (its `rootfs.diff_ids` set from `layers`) and a manifest over it into the
/// store. The JSON is serialized deterministically (fixed field order, sorted maps), so the same
/// inputs give the same manifest digest on any machine.
pub fn assemble(
    store: &Store,
    config: &ImageConfig,
    layers: &[LayerDescriptor],
) -> Result<BuiltImage, StoreError> {
    let mut config = config.clone();
    config.rootfs.diff_ids = layers.iter().map(|l| l.diff_id.to_string()).collect();
    let config_bytes = serde_json::to_vec(&config).unwrap_or_default();
    let config_digest = store.put_bytes(&config_bytes)?;
    let config_desc = Descriptor {
        media_type: OCI_CONFIG.into(),
        digest: config_digest,
        size: config_bytes.len() as u64,
        annotations: BTreeMap::new(),
        platform: None,
    };
    let layer_descs: Vec<Descriptor> = layers.iter().map(Descriptor::from).collect();
    let manifest = Manifest {
        schema_version: 2,
        media_type: OCI_MANIFEST.into(),
        config: config_desc.clone(),
        layers: layer_descs.clone(),
        annotations: BTreeMap::new(),
    };
    let manifest_bytes = serde_json::to_vec(&manifest).unwrap_or_default();
    let manifest_digest = store.put_bytes(&manifest_bytes)?;
    Ok(BuiltImage {
        manifest: Descriptor {
            media_type: OCI_MANIFEST.into(),
            digest: manifest_digest,
            size: manifest_bytes.len() as u64,
            annotations: BTreeMap::new(),
            platform: None,
        },
        config: config_desc,
        layers: layer_descs,
        platform: PlatformSpec {
            architecture: config.architecture.clone(),
            os: config.os.clone(),
            variant: config.variant.clone(),
        },
    })
}

/// `image` with `annotations` in its manifest (`--annotation manifest:...`): the manifest is
/// written again over the same config and layers, so the image's digest changes and nothing
/// else does. No annotations: `image` unchanged.
pub fn annotate(
    store: &Store,
    image: &BuiltImage,
    annotations: BTreeMap<String, String>,
) -> Result<BuiltImage, StoreError> {
    if annotations.is_empty() {
        return Ok(image.clone());
    }
    let manifest = Manifest {
        schema_version: 2,
        media_type: OCI_MANIFEST.into(),
        config: image.config.clone(),
        layers: image.layers.clone(),
        annotations,
    };
    let bytes = serde_json::to_vec(&manifest).unwrap_or_default();
    let digest = store.put_bytes(&bytes)?;
    Ok(BuiltImage {
        manifest: Descriptor {
            digest,
            size: bytes.len() as u64,
            ..image.manifest.clone()
        },
        ..image.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::layer::{Compression, DirSource, LayerOptions, write_layer};
    use std::io::Read;

    #[test]
    fn assembled_image_is_deterministic_and_complete() {
        let ctx = tempfile::tempdir().unwrap();
        std::fs::write(ctx.path().join("hello.txt"), "hi\n").unwrap();
        let build = |state: &std::path::Path| {
            let store = Store::open(state).unwrap();
            let opts = LayerOptions {
                compression: Compression::gzip(),
                source_date_epoch: Some(0),
            };
            let entries = DirSource::new(ctx.path()).entries().unwrap();
            let writer = store.writer(None).unwrap();
            let (layer, writer) = write_layer(entries, &opts, writer).unwrap();
            let (digest, _) = writer.commit().unwrap();
            assert_eq!(digest, layer.digest);
            let config = ImageConfig {
                architecture: "amd64".into(),
                os: "linux".into(),
                ..ImageConfig::default()
            };
            let img = assemble(&store, &config, &[layer]).unwrap();
            let mut manifest = String::new();
            store
                .blobs()
                .open(&img.manifest.digest)
                .unwrap()
                .read_to_string(&mut manifest)
                .unwrap();
            let m: Manifest = serde_json::from_str(&manifest).unwrap();
            assert_eq!(m.config, img.config);
            assert!(store.blobs().has(&img.config.digest));
            img
        };
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        assert_eq!(build(a.path()), build(b.path()));
    }
}
