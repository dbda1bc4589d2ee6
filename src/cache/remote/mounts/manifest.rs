//! The manifest of one mount cache in one scope: the chunk list of its archive and what the
//! archive holds, versioned. Stored as the config of an OCI image manifest whose layers are the
//! chunk blobs ([`crate::cache::remote::document`]), so a registry keeps every chunk alive and
//! `skopeo inspect` shows what a cache is made of.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::cache::remote::document::{DocKind, Document, LoadedDoc};
use crate::digest::Digest;
use crate::image::layer::LayerDescriptor;

/// `artifactType` of a mount-cache manifest.
pub const ARTIFACT_TYPE: &str = "application/vnd.rbuild.mount-cache.v1";
/// Media type of the manifest's config (this document).
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.rbuild.mount-cache.config.v1+json";
/// Media type of a chunk blob: a zstd frame of a slice of the archive.
pub const CHUNK_MEDIA_TYPE: &str = "application/vnd.rbuild.mount-cache.chunk.v1.tar+zstd";
/// The format version this rbuild writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// One chunk of the archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Chunk {
    /// Digest of the stored (compressed) blob.
    pub digest: Digest,
    /// Size of the stored blob.
    pub size: u64,
    /// Digest of the archive bytes it holds.
    pub raw: Digest,
    /// How many archive bytes it holds.
    pub raw_size: u64,
}

impl Chunk {
    /// The chunk as a blob descriptor (the raw digest in `diff_id`).
    pub fn descriptor(&self) -> LayerDescriptor {
        LayerDescriptor {
            digest: self.digest.clone(),
            diff_id: self.raw.clone(),
            size: self.size,
            media_type: CHUNK_MEDIA_TYPE.into(),
        }
    }
}

/// The content-defined chunking parameters an archive was cut with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cutting {
    /// Smallest chunk.
    pub min: u32,
    /// Average chunk aimed at.
    pub avg: u32,
    /// Largest chunk.
    pub max: u32,
}

/// Files left out of an export to stay within `--mount-cache-max-size`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dropped {
    /// How many.
    pub files: u64,
    /// Their bytes.
    pub bytes: u64,
}

/// The manifest of one mount cache (one id, one scope).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MountManifest {
    /// [`FORMAT_VERSION`].
    pub version: u32,
    /// The mount's `id=` (its target when none was given), for people.
    pub id: String,
    /// The cache directory's name (the document's key).
    pub key: String,
    /// A hash of the archive (of its chunk list): equal trees have equal hashes.
    pub tree: Digest,
    /// A hash of the archive's entries (names, types, modes, owners, sizes, times): an export
    /// whose directory lists the same is skipped without reading a file
    /// ([`super::archive::Plan::listing`]).
    pub listing: Digest,
    /// Regular files, directories and links archived.
    pub entries: u64,
    /// Bytes of the regular files archived.
    pub file_bytes: u64,
    /// Bytes of the archive.
    pub archive_bytes: u64,
    /// How the archive was cut.
    pub cutting: Cutting,
    /// The chunks, in archive order (a chunk may repeat).
    pub chunks: Vec<Chunk>,
    /// What the size bound left out.
    #[serde(default)]
    pub dropped: Dropped,
}

impl MountManifest {
    /// The kind of document a mount-cache manifest is.
    pub const KIND: DocKind = DocKind {
        artifact_type: ARTIFACT_TYPE,
        config_media_type: CONFIG_MEDIA_TYPE,
    };

    /// The tree hash of an archive cut into `chunks`: the sha256 of their raw digests and
    /// sizes, one per line.
    pub fn tree_hash(chunks: &[Chunk]) -> Digest {
        let mut list = String::with_capacity(chunks.len() * 84);
        for c in chunks {
            list.push_str(c.raw.as_str());
            list.push(' ');
            list.push_str(&c.raw_size.to_string());
            list.push('\n');
        }
        Digest::of(list.as_bytes())
    }

    /// The distinct chunk blobs, in first-use order.
    pub fn blobs(&self) -> Vec<LayerDescriptor> {
        let mut seen = BTreeSet::new();
        self.chunks
            .iter()
            .filter(|c| seen.insert(c.digest.clone()))
            .map(Chunk::descriptor)
            .collect()
    }

    /// Stored bytes of the distinct chunks.
    pub fn stored_bytes(&self) -> u64 {
        self.blobs().iter().map(|b| b.size).sum()
    }

    /// This manifest as a document.
    pub fn document(&self) -> Document {
        Document {
            kind: Self::KIND,
            // Strings, numbers and vectors: serializing cannot fail.
            config: serde_json::to_vec(self).unwrap_or_default(),
            blobs: self.blobs(),
        }
    }

    /// Reads a loaded document, checking its version, its tree hash and that the backend
    /// lists every chunk.
    pub fn from_loaded(doc: &LoadedDoc) -> Result<Self, String> {
        let m: MountManifest = serde_json::from_slice(&doc.config).map_err(|e| e.to_string())?;
        if m.version != FORMAT_VERSION {
            return Err(format!(
                "format version {} (this rbuild reads {FORMAT_VERSION})",
                m.version
            ));
        }
        if Self::tree_hash(&m.chunks) != m.tree {
            return Err("its tree hash does not match its chunk list".into());
        }
        // Bounds before a chunk's claimed sizes drive any allocation (a restore decompresses
        // each into a buffer of its `raw_size`, many at once): no chunk is larger than the
        // chunker's largest, or its compressed blob than zstd's bound for that.
        let max_raw = u64::from(super::chunking::CUTTING.max);
        let max_packed =
            zstd::zstd_safe::compress_bound(super::chunking::CUTTING.max as usize) as u64;
        if let Some(c) = m
            .chunks
            .iter()
            .find(|c| c.raw_size > max_raw || c.size > max_packed)
        {
            return Err(format!(
                "chunk {} claims {} bytes ({} compressed); a chunk holds at most {max_raw} \
                 ({max_packed} compressed)",
                c.digest, c.raw_size, c.size
            ));
        }
        if m.chunks.iter().map(|c| c.raw_size).sum::<u64>() != m.archive_bytes {
            return Err("its chunk sizes do not add up to the archive's".into());
        }
        if let Some(listed) = &doc.listed
            && let Some(c) = m.chunks.iter().find(|c| !listed.contains(&c.digest))
        {
            return Err(format!("chunk {} is not listed", c.digest));
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(n: u8) -> Chunk {
        Chunk {
            digest: Digest::of(&[n, 1]),
            size: 10,
            raw: Digest::of(&[n]),
            raw_size: 100,
        }
    }

    fn manifest(chunks: Vec<Chunk>) -> MountManifest {
        MountManifest {
            version: FORMAT_VERSION,
            id: "/var/cache/apt".into(),
            key: "var_cache_apt-0123".into(),
            tree: MountManifest::tree_hash(&chunks),
            listing: Digest::of(b"listing"),
            entries: 3,
            file_bytes: 250,
            archive_bytes: chunks.iter().map(|c| c.raw_size).sum(),
            cutting: Cutting {
                min: 1,
                avg: 2,
                max: 3,
            },
            chunks,
            dropped: Dropped::default(),
        }
    }

    fn loaded(m: &MountManifest) -> LoadedDoc {
        let doc = m.document();
        LoadedDoc {
            config: doc.config,
            listed: Some(doc.blobs.iter().map(|b| b.digest.clone()).collect()),
            location: "test".into(),
        }
    }

    #[test]
    fn round_trips_and_lists_each_blob_once() {
        let m = manifest(vec![chunk(1), chunk(2), chunk(1)]);
        assert_eq!(m.blobs().len(), 2);
        assert_eq!(m.stored_bytes(), 20);
        assert_eq!(MountManifest::from_loaded(&loaded(&m)).unwrap(), m);
    }

    #[test]
    fn damaged_manifests_are_refused() {
        let m = manifest(vec![chunk(1), chunk(2)]);
        let mut wrong_tree = m.clone();
        wrong_tree.chunks.swap(0, 1);
        assert!(MountManifest::from_loaded(&loaded(&wrong_tree)).is_err());
        let mut unlisted = loaded(&m);
        unlisted.listed = Some(BTreeSet::new());
        assert!(
            MountManifest::from_loaded(&unlisted)
                .unwrap_err()
                .contains("not listed")
        );
        let mut future = m.clone();
        future.version = 9;
        assert!(MountManifest::from_loaded(&loaded(&future)).is_err());
        // A chunk claiming more than a chunk can hold (a crafted list drove a restore to 6.3 GB
        // of buffers): refused before anything is fetched.
        for (raw_size, size) in [(u64::from(u32::MAX), 10), (100, 1 << 30)] {
            let mut huge = chunk(3);
            (huge.raw_size, huge.size) = (raw_size, size);
            let crafted = manifest(vec![chunk(1), huge]);
            let e = MountManifest::from_loaded(&loaded(&crafted)).unwrap_err();
            assert!(e.contains("a chunk holds at most"), "{e}");
        }
        // The tree hash names content and order.
        assert_ne!(
            MountManifest::tree_hash(&[chunk(1), chunk(2)]),
            MountManifest::tree_hash(&[chunk(2), chunk(1)])
        );
    }
}
