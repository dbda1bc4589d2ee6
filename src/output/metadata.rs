//! `--iidfile` and `--metadata-file`, in the formats docker and buildx write.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use super::error::Result;
use super::files::write_atomic;
use super::name::ImageName;
use crate::image::manifest::BuiltImage;

/// Writes the image id (the config digest, `sha256:<hex>`, no newline) to `path`, as
/// `docker build --iidfile` does.
pub fn write_iidfile(path: &Path, image: &BuiltImage) -> Result<()> {
    write_atomic(path, image.config.digest.as_str().as_bytes())
}

/// The `--metadata-file` document: buildx's keys `containerimage.digest` (the manifest
/// digest), `containerimage.config.digest`, `containerimage.descriptor` (the manifest
/// descriptor, with buildkit's `config.digest` annotation) and, when the image is named,
/// `image.name` (the full names, comma-separated).
pub fn metadata(image: &BuiltImage, names: &[ImageName]) -> Value {
    let mut doc = BTreeMap::new();
    doc.insert(
        "containerimage.digest".to_string(),
        json!(image.manifest.digest),
    );
    doc.insert(
        "containerimage.config.digest".to_string(),
        json!(image.config.digest),
    );
    doc.insert(
        "containerimage.descriptor".to_string(),
        json!({
            "mediaType": image.manifest.media_type,
            "digest": image.manifest.digest,
            "size": image.manifest.size,
            "annotations": {"config.digest": image.config.digest},
        }),
    );
    if !names.is_empty() {
        let names: Vec<String> = names.iter().map(ImageName::full).collect();
        doc.insert("image.name".to_string(), json!(names.join(",")));
    }
    json!(doc)
}

/// Writes [`metadata`] to `path` as buildx does (two-space indented JSON, sorted keys).
pub fn write_metadata_file(path: &Path, image: &BuiltImage, names: &[ImageName]) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(&metadata(image, names)).unwrap_or_default();
    write_atomic(path, &bytes)
}
