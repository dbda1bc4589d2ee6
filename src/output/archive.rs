//! `type=oci` and `type=docker` as tar archives, streamed, byte-for-byte deterministic.
//!
//! The entries are those containerd's archive exporter (which buildx uses) writes, sorted by
//! name: `blobs/`, `blobs/sha256/`, `blobs/sha256/<hex>` (mode 0444), `index.json` (0644),
//! `oci-layout` (0444), and for Docker `manifest.json` and, when the image is named,
//! `repositories` (0644), which `docker save` writes too. Headers are ustar with uid, gid and
//! mtime 0 and no user names. Layers stay as they are in the store (gzip or zstd): `docker load`
//! finds them through `manifest.json` and detects their compression.
//!
//! Each blob's size and digest are checked while it streams into the archive.

use std::io::{self, Write};
use std::path::Path;

use super::documents::{
    OCI_LAYOUT, blob_path, docker_manifest_json, docker_repositories, index_entries, index_json,
};
use super::error::{IoContext, OutputError, Result};
use super::files::{StoreBlob, TempFile};
use super::name::ImageName;
use super::spec::OutputKind;
use crate::digest::Digest;
use crate::image::index::Built;
use crate::store::Store;

/// What one archive entry holds.
enum Content {
    Dir,
    Bytes(Vec<u8>),
    Blob { digest: Digest, size: u64 },
}

/// Writes the archive for `built` to `out` and returns `out`. `label` names the destination
/// in errors.
pub(crate) fn write_archive<W: Write>(
    store: &Store,
    built: &Built,
    kind: OutputKind,
    names: &[ImageName],
    out: W,
    label: &Path,
) -> Result<W> {
    let mut entries: Vec<(String, u32, Content)> = vec![
        ("blobs/".into(), 0o755, Content::Dir),
        ("blobs/sha256/".into(), 0o755, Content::Dir),
        (
            "oci-layout".into(),
            0o444,
            Content::Bytes(OCI_LAYOUT.to_vec()),
        ),
        (
            "index.json".into(),
            0o644,
            Content::Bytes(index_json(None, index_entries(&built.top(), names))),
        ),
    ];
    for desc in built.blobs() {
        entries.push((
            blob_path(&desc.digest),
            0o444,
            Content::Blob {
                digest: desc.digest.clone(),
                size: desc.size,
            },
        ));
    }
    if kind == OutputKind::Docker {
        // One image, with or without attestations (`docker load` reads `manifest.json`; the
        // index keeps the attestation manifests, as BuildKit's docker exporter does).
        let [image] = built.images() else {
            return Err(OutputError::DockerManifestList {
                dest: label.to_path_buf(),
            });
        };
        let manifest = docker_manifest_json(image, names);
        entries.push(("manifest.json".into(), 0o644, Content::Bytes(manifest)));
        if let Some(repos) = docker_repositories(image, names) {
            entries.push(("repositories".into(), 0o644, Content::Bytes(repos)));
        }
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));

    let mut builder = tar::Builder::new(out);
    for (name, mode, content) in entries {
        let mut header = tar::Header::new_ustar();
        header.set_path(&name).at(label)?;
        header.set_mode(mode);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(0);
        match content {
            Content::Dir => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_size(0);
                header.set_cksum();
                builder.append(&header, io::empty()).at(label)?;
            }
            Content::Bytes(bytes) => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(bytes.len() as u64);
                header.set_cksum();
                builder.append(&header, bytes.as_slice()).at(label)?;
            }
            Content::Blob { digest, size } => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(size);
                header.set_cksum();
                let mut blob = StoreBlob::open(store, &digest, size)?;
                builder.append(&header, &mut blob.reader).at(label)?;
                blob.verify()?;
            }
        }
    }
    builder.into_inner().at(label)
}

/// Writes the archive to the file `dest` through a temp file beside it and a rename.
pub(crate) fn export_tar_file(
    store: &Store,
    built: &Built,
    kind: OutputKind,
    names: &[ImageName],
    dest: &Path,
) -> Result<()> {
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).at(parent)?;
    }
    if dest.is_dir() {
        return Err(OutputError::Io {
            path: dest.to_path_buf(),
            source: io::Error::new(
                io::ErrorKind::IsADirectory,
                "is a directory; use tar=false for an OCI layout directory",
            ),
        });
    }
    let mut tmp = TempFile::beside(dest)?;
    let tmp_path = tmp.path().to_path_buf();
    let file = tmp.file()?;
    let out = write_archive(store, built, kind, names, io::BufWriter::new(file), dest)?;
    out.into_inner().map_err(|e| e.into_error()).at(&tmp_path)?;
    tmp.persist(dest)
}

/// Writes the archive to standard output.
pub(crate) fn export_stdout(
    store: &Store,
    built: &Built,
    kind: OutputKind,
    names: &[ImageName],
) -> Result<()> {
    let stdout = io::stdout().lock();
    let label = Path::new("-");
    let mut out = write_archive(store, built, kind, names, io::BufWriter::new(stdout), label)?;
    out.flush().at(label)
}
