//! Images in an OCI layout directory (`--build-context NAME=oci-layout://DIR[:TAG|@DIGEST]`):
//! a tag is found by its `org.opencontainers.image.ref.name` annotation in `index.json` (TAG
//! `latest` when none is given), as buildx's `resolveDigest` finds it; an image index is resolved
//! to the platform's manifest as a registry's is ([`select_platform`]); every document read is
//! bounded and verified against its digest.

use std::path::{Path, PathBuf};

use oci_client::manifest::{OciImageIndex, OciImageManifest};

use super::resolve::{MAX_MANIFEST_SIZE, select_platform};
use crate::digest::Digest;
use crate::image::config::ImageConfig;
use crate::oci::Platform;

/// The annotation that names a tag in a layout's `index.json`.
const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// An image (or image index) of an OCI layout.
#[derive(Debug, Clone)]
pub struct LayoutImage {
    dir: PathBuf,
    /// The digest the tag or `@DIGEST` names.
    top: Digest,
    /// `DIR[:TAG|@DIGEST]` as given.
    spec: String,
}

/// One platform's image of a layout.
#[derive(Debug, Clone)]
pub struct LayoutManifest {
    /// The image manifest's digest.
    pub digest: Digest,
    /// The manifest.
    pub manifest: OciImageManifest,
    /// The image config.
    pub config: ImageConfig,
}

impl LayoutImage {
    /// Opens `DIR[:TAG|@DIGEST]`.
    pub fn open(spec: &str) -> Result<Self, String> {
        let (path, pinned) = match spec.split_once('@') {
            Some((p, d)) => (p, Some(d)),
            None => (spec, None),
        };
        let (dir, tag) = path.split_once(':').unwrap_or((path, "latest"));
        let dir = PathBuf::from(dir);
        let top = match pinned {
            Some(d) => Digest::parse(d).ok_or_else(|| format!("invalid digest {d:?}"))?,
            None => {
                let index = read_bounded(&dir.join("index.json"))?;
                let index: OciImageIndex = serde_json::from_slice(&index)
                    .map_err(|e| format!("{}/index.json: {e}", dir.display()))?;
                let entry = index
                    .manifests
                    .iter()
                    .find(|m| {
                        m.annotations.as_ref().and_then(|a| a.get(REF_NAME))
                            == Some(&tag.to_string())
                    })
                    .ok_or_else(|| {
                        format!("no image tagged {tag:?} in {}/index.json", dir.display())
                    })?;
                Digest::parse(&entry.digest)
                    .ok_or_else(|| format!("invalid digest {:?} in index.json", entry.digest))?
            }
        };
        Ok(Self {
            dir,
            top,
            spec: spec.to_string(),
        })
    }

    /// Where the blob `digest` is.
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.dir.join("blobs/sha256").join(digest.hex())
    }

    /// The image for `platform`: its manifest and config.
    pub fn resolve(&self, platform: &Platform) -> Result<LayoutManifest, String> {
        let top = self.document(&self.top)?;
        let shape: serde_json::Value =
            serde_json::from_slice(&top).map_err(|e| format!("{}: {e}", self.spec))?;
        let (digest, bytes) = if shape.get("manifests").is_some() {
            let index: OciImageIndex =
                serde_json::from_slice(&top).map_err(|e| format!("{}: {e}", self.spec))?;
            let digest =
                select_platform(&index, platform, &self.spec).map_err(|e| e.to_string())?;
            let bytes = self.document(&digest)?;
            (digest, bytes)
        } else {
            (self.top.clone(), top)
        };
        let manifest: OciImageManifest = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{}: manifest {digest}: {e}", self.spec))?;
        let config_digest = Digest::parse(&manifest.config.digest)
            .ok_or_else(|| format!("{}: invalid config digest", self.spec))?;
        let config = serde_json::from_slice(&self.document(&config_digest)?)
            .map_err(|e| format!("{}: config {config_digest}: {e}", self.spec))?;
        Ok(LayoutManifest {
            digest,
            manifest,
            config,
        })
    }

    /// A manifest, index or config blob, checked against its digest.
    fn document(&self, digest: &Digest) -> Result<Vec<u8>, String> {
        let bytes = read_bounded(&self.blob_path(digest))?;
        let actual = Digest::of(&bytes);
        if actual != *digest {
            return Err(format!(
                "{}: blob {digest} has digest {actual}",
                self.dir.display()
            ));
        }
        Ok(bytes)
    }
}

/// A file of at most [`MAX_MANIFEST_SIZE`] bytes.
fn read_bounded(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let err = |e: std::io::Error| format!("{}: {e}", path.display());
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(err)?
        .take(MAX_MANIFEST_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(err)?;
    if bytes.len() as u64 > MAX_MANIFEST_SIZE {
        return Err(format!(
            "{}: larger than {MAX_MANIFEST_SIZE} bytes",
            path.display()
        ));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A layout with one single-platform image tagged `v1`: its dir and manifest digest.
    fn layout() -> (tempfile::TempDir, Digest) {
        let dir = tempfile::tempdir().unwrap();
        let blobs = dir.path().join("blobs/sha256");
        std::fs::create_dir_all(&blobs).unwrap();
        let put = |bytes: &[u8]| {
            let d = Digest::of(bytes);
            std::fs::write(blobs.join(d.hex()), bytes).unwrap();
            d
        };
        let config = put(br#"{"architecture":"amd64","os":"linux","config":{"Env":["A=1"]},"rootfs":{"type":"layers","diff_ids":[]}}"#);
        let manifest = format!(
            r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{config}","size":1}},"layers":[]}}"#
        );
        let manifest = put(manifest.as_bytes());
        let index = format!(
            r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{manifest}","size":1,"annotations":{{"org.opencontainers.image.ref.name":"v1"}}}}]}}"#
        );
        std::fs::write(dir.path().join("index.json"), index).unwrap();
        (dir, manifest)
    }

    #[test]
    fn a_tag_or_digest_names_the_image() {
        let (dir, manifest) = layout();
        let root = dir.path().display().to_string();
        let amd64 = Platform::parse("linux/amd64").unwrap();
        let by_tag = LayoutImage::open(&format!("{root}:v1")).unwrap();
        let found = by_tag.resolve(&amd64).unwrap();
        assert_eq!(found.digest, manifest);
        assert_eq!(found.config.config.env, ["A=1"]);
        let by_digest = LayoutImage::open(&format!("{root}@{manifest}")).unwrap();
        assert_eq!(by_digest.resolve(&amd64).unwrap().digest, manifest);
        let missing = LayoutImage::open(&root).unwrap_err();
        assert!(missing.contains("no image tagged \"latest\""), "{missing}");
        std::fs::write(by_tag.blob_path(&manifest), b"{}").unwrap();
        assert!(by_tag.resolve(&amd64).unwrap_err().contains("has digest"));
    }
}
