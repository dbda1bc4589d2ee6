//! `type=oci` into a directory: an OCI image layout created or updated in place.
//!
//! Blobs are hard-linked from the store when the layout is on the same file system (the store's
//! blobs are verified when they enter it and never modified), else copied, streaming, with their
//! digest checked. Every file is written under a temp name and renamed, blobs before
//! `index.json`, so a killed export leaves an index that references only complete blobs. An
//! existing layout keeps its other images: only the index entries for the same names (or, for an
//! unnamed export, the same unnamed manifest) are replaced.

use std::fs;
use std::io;
use std::path::Path;

use serde_json::Value;

use super::documents::{
    LAYOUT_VERSION, OCI_LAYOUT, blob_path, index_entries, index_json, is_replaced_by,
};
use super::error::{IoContext, OutputError, Result};
use super::files::{StoreBlob, TempFile, sync_dir, temp_beside, write_atomic};
use super::name::ImageName;
use crate::image::index::Built;
use crate::image::manifest::Descriptor;
use crate::store::Store;

/// Writes `built` (an image, or an index and its images) into the OCI layout directory `dir`, creating it if needed.
pub(crate) fn export_dir(
    store: &Store,
    built: &Built,
    names: &[ImageName],
    dir: &Path,
) -> Result<()> {
    let blob_dir = dir.join("blobs").join("sha256");
    fs::create_dir_all(&blob_dir).at(&blob_dir)?;
    let layout_file = dir.join("oci-layout");
    let has_layout_file = check_layout_file(&layout_file)?;
    let index_file = dir.join("index.json");
    let existing = read_index(&index_file)?;

    for desc in built.blobs() {
        place_blob(store, desc, &dir.join(blob_path(&desc.digest)))?;
    }
    sync_dir(&blob_dir)?;

    if !has_layout_file {
        write_atomic(&layout_file, OCI_LAYOUT)?;
    }
    let new_entries = index_entries(&built.top(), names);
    let mut manifests: Vec<Value> = match &existing {
        Some(index) => index
            .get("manifests")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|old| !is_replaced_by(old, &new_entries))
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    manifests.extend(new_entries);
    write_atomic(&index_file, &index_json(existing, manifests))
}

/// `true` when `oci-layout` exists with the version rbuild writes; an error when it exists with
/// anything else.
fn check_layout_file(path: &Path) -> Result<bool> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e).at(path),
    };
    let version = serde_json::from_slice::<Value>(&bytes)
        .ok()
        .and_then(|v| v.get("imageLayoutVersion")?.as_str().map(str::to_string));
    match version {
        Some(v) if v == LAYOUT_VERSION => Ok(true),
        Some(v) => Err(OutputError::NotALayout {
            path: path.to_path_buf(),
            reason: format!("imageLayoutVersion is `{v}`, rbuild writes `{LAYOUT_VERSION}`"),
        }),
        None => Err(OutputError::NotALayout {
            path: path.to_path_buf(),
            reason: "not a JSON object with `imageLayoutVersion`".into(),
        }),
    }
}

/// The existing `index.json`, if any; an error when it is not an image index.
fn read_index(path: &Path) -> Result<Option<Value>> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).at(path),
    };
    let not_index = |reason: String| OutputError::NotALayout {
        path: path.to_path_buf(),
        reason,
    };
    let index: Value = serde_json::from_slice(&bytes).map_err(|e| not_index(e.to_string()))?;
    match index.get("manifests") {
        Some(Value::Array(_)) | None if index.is_object() => Ok(Some(index)),
        _ => Err(not_index(
            "not an image index with a `manifests` list".into(),
        )),
    }
}

/// Puts one blob at `target`: kept when a file of the right size is there, else hard-linked
/// from the store, else copied; always through a temp name and a rename.
fn place_blob(store: &Store, desc: &Descriptor, target: &Path) -> Result<()> {
    if fs::metadata(target).is_ok_and(|m| m.is_file() && m.len() == desc.size) {
        return Ok(());
    }
    let source = store.blobs().path(&desc.digest);
    let size = store.blobs().size(&desc.digest)?;
    if size != desc.size {
        return Err(OutputError::SizeMismatch {
            path: source,
            digest: desc.digest.clone(),
            expected: desc.size,
            actual: size,
        });
    }
    let link = temp_beside(target);
    if fs::hard_link(&source, &link).is_ok() {
        let renamed = fs::rename(&link, target).at(target);
        // rename() between two links of one file succeeds without removing the source.
        let _ = fs::remove_file(&link);
        return renamed;
    }
    // Another file system (or hard links refused): copy, checking the digest on the way.
    let mut blob = StoreBlob::open(store, &desc.digest, desc.size)?;
    let mut tmp = TempFile::beside(target)?;
    let tmp_path = tmp.path().to_path_buf();
    io::copy(&mut blob.reader, tmp.file()?).at(tmp_path)?;
    blob.verify()?;
    tmp.persist(target)
}
