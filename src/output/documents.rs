//! The small files of an export, serialized deterministically (sorted keys, no whitespace):
//! `oci-layout`, `index.json`, and for Docker `manifest.json` and `repositories`.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use super::name::ImageName;
use crate::digest::Digest;
use crate::image::manifest::{BuiltImage, Descriptor, OCI_INDEX};

/// The `oci-layout` file's content.
pub(crate) const OCI_LAYOUT: &[u8] = br#"{"imageLayoutVersion":"1.0.0"}"#;

/// The version an `oci-layout` file must announce.
pub(crate) const LAYOUT_VERSION: &str = "1.0.0";

/// The OCI annotation naming an index entry (the tag, in an image layout).
pub(crate) const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// containerd's annotation with the full image name, which buildx writes too.
pub(crate) const IMAGE_NAME: &str = "io.containerd.image.name";

/// `blobs/sha256/<hex>`, a blob's path inside a layout.
pub(crate) fn blob_path(digest: &Digest) -> String {
    format!("blobs/sha256/{}", digest.hex())
}

/// The index entries for `top` (an image manifest with its platform, or an image index): one
/// per name (annotated with the full name and the tag, as containerd's exporter does), or one
/// without annotations when it has no name.
pub(crate) fn index_entries(top: &Descriptor, names: &[ImageName]) -> Vec<Value> {
    let base = top.clone();
    // The descriptor's own annotations (`--annotation index-descriptor:...`), then the name.
    let entry = |names: BTreeMap<String, String>| {
        let mut annotations = base.annotations.clone();
        annotations.extend(names);
        serde_json::to_value(Descriptor {
            annotations,
            ..base.clone()
        })
        .unwrap_or(Value::Null)
    };
    if names.is_empty() {
        return vec![entry(BTreeMap::new())];
    }
    names
        .iter()
        .map(|n| {
            entry(BTreeMap::from([
                (IMAGE_NAME.to_string(), n.full()),
                (REF_NAME.to_string(), n.tag().to_string()),
            ]))
        })
        .collect()
}

/// Whether an existing index entry is superseded by the new `entries`: it names the same tag
/// or the same full name, or (unnamed) it is the same manifest unnamed.
pub(crate) fn is_replaced_by(existing: &Value, entries: &[Value]) -> bool {
    let annotation = |v: &Value, key: &str| {
        v.get("annotations")
            .and_then(|a| a.get(key))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let old_ref = annotation(existing, REF_NAME);
    let old_name = annotation(existing, IMAGE_NAME);
    entries
        .iter()
        .any(|new| match (&old_ref, annotation(new, REF_NAME)) {
            (Some(old), Some(new_ref)) => {
                *old == new_ref || old_name.is_some() && old_name == annotation(new, IMAGE_NAME)
            }
            (None, None) => existing.get("digest") == new.get("digest"),
            _ => false,
        })
}

/// `index.json` over `manifests`, keeping the other fields of an existing index.
pub(crate) fn index_json(existing: Option<Value>, manifests: Vec<Value>) -> Vec<u8> {
    let mut index = match existing {
        Some(Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    index.insert("schemaVersion".into(), json!(2));
    index.insert("mediaType".into(), json!(OCI_INDEX));
    index.insert("manifests".into(), Value::Array(manifests));
    serde_json::to_vec(&Value::Object(index)).unwrap_or_default()
}

/// One entry of Docker's `manifest.json`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DockerManifest {
    config: String,
    repo_tags: Vec<String>,
    layers: Vec<String>,
}

/// Docker's `manifest.json`: the config and layer paths in the layout and the familiar tags.
pub(crate) fn docker_manifest_json(image: &BuiltImage, names: &[ImageName]) -> Vec<u8> {
    let manifest = [DockerManifest {
        config: blob_path(&image.config.digest),
        repo_tags: names.iter().map(ImageName::familiar).collect(),
        layers: image.layers.iter().map(|l| blob_path(&l.digest)).collect(),
    }];
    serde_json::to_vec(&manifest).unwrap_or_default()
}

/// Docker's legacy `repositories` file (`{"foo":{"bar":"<top layer>"}}`), as `docker save`
/// writes it; `None` without names or layers.
pub(crate) fn docker_repositories(image: &BuiltImage, names: &[ImageName]) -> Option<Vec<u8>> {
    let top = image.layers.last()?;
    if names.is_empty() {
        return None;
    }
    let mut repos: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for n in names {
        repos
            .entry(n.familiar_repository())
            .or_default()
            .insert(n.tag().to_string(), top.digest.hex().to_string());
    }
    serde_json::to_vec(&repos).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(digest: &str, r: Option<&str>, n: Option<&str>) -> Value {
        let mut a = serde_json::Map::new();
        if let Some(r) = r {
            a.insert(REF_NAME.into(), json!(r));
        }
        if let Some(n) = n {
            a.insert(IMAGE_NAME.into(), json!(n));
        }
        json!({"digest": digest, "annotations": a})
    }

    #[test]
    fn replacement_rules() {
        let new = [entry("d2", Some("v1"), Some("docker.io/library/a:v1"))];
        assert!(is_replaced_by(&entry("d1", Some("v1"), None), &new));
        assert!(!is_replaced_by(&entry("d1", Some("v2"), None), &new));
        assert!(!is_replaced_by(&entry("d2", None, None), &new));
        let unnamed = [entry("d2", None, None)];
        assert!(is_replaced_by(&entry("d2", None, None), &unnamed));
        assert!(!is_replaced_by(&entry("d1", None, None), &unnamed));
        assert!(!is_replaced_by(&entry("d2", Some("x"), None), &unnamed));
    }
}
