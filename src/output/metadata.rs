//! `--iidfile` and `--metadata-file`, in the formats docker and buildx write.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use super::error::Result;
use super::files::write_atomic;
use super::name::ImageName;
use crate::image::index::Built;

/// Writes the image id (the config digest, `sha256:<hex>`, no newline) to `path`, as
/// `docker build --iidfile` does (also when attestations make one platform an index); for a
/// multi-platform build the index digest, as buildx writes it when there is no single config.
pub fn write_iidfile(path: &Path, built: &Built) -> Result<()> {
    let id = match built.images() {
        [image] => image.config.digest.clone(),
        _ => built.top().digest,
    };
    write_atomic(path, id.as_str().as_bytes())
}

/// The `--metadata-file` document: buildx's keys `containerimage.digest` (the manifest
/// digest), `containerimage.config.digest`, `containerimage.descriptor` (the manifest
/// descriptor, with buildkit's `config.digest` annotation) and, when the image is named,
/// `image.name` (the full names, comma-separated). For an index, as buildx writes it: the
/// index's digest and descriptor, no config digest.
pub fn metadata(built: &Built, names: &[ImageName]) -> Value {
    let mut doc = BTreeMap::new();
    let top = built.top();
    doc.insert("containerimage.digest".to_string(), json!(top.digest));
    let mut descriptor = json!({
        "mediaType": top.media_type,
        "digest": top.digest,
        "size": top.size,
    });
    // One platform (attestations or not): its config is the image id.
    if let [image] = built.images() {
        doc.insert(
            "containerimage.config.digest".to_string(),
            json!(image.config.digest),
        );
        if let Built::Image(_) = built {
            descriptor["annotations"] = json!({"config.digest": image.config.digest});
        }
    }
    doc.insert("containerimage.descriptor".to_string(), descriptor);
    if !names.is_empty() {
        let names: Vec<String> = names.iter().map(ImageName::full).collect();
        doc.insert("image.name".to_string(), json!(names.join(",")));
    }
    json!(doc)
}

/// Writes [`metadata`] to `path` as buildx does (two-space indented JSON, sorted keys).
pub fn write_metadata_file(path: &Path, built: &Built, names: &[ImageName]) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(&metadata(built, names)).unwrap_or_default();
    write_atomic(path, &bytes)
}
