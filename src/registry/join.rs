//! Images joined into one index (`rbuild imagetools create`, as `docker buildx imagetools
//! create`): the images an amd64 and an arm64 runner pushed become one multi-platform name.
//!
//! Every source is read as the registry serves it: an image manifest joins with its platform
//! (read from its config), an index with each of its entries as they are (platforms and
//! annotations, attestation manifests too). The manifests are copied byte for byte, so their
//! digests stay; their blobs are mounted from the source repository when it is on the target's
//! registry (nothing is uploaded), else downloaded into the store and uploaded. The index is
//! `PUT` last, to every target.

use bytes::Bytes;
use serde_json::{Value, json};

use super::error::RegistryError;
use super::push::PushOptions;
use super::{BlobPush, Registry, Repository};
use crate::digest::Digest;
use crate::image::manifest::{Descriptor, OCI_INDEX, OCI_MANIFEST};
use crate::oci::reference::Reference;
use crate::store::Store;

/// Docker's manifest list media type.
const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// Docker's image manifest media type.
const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";

/// One manifest the index will list, with what copying it needs.
#[derive(Debug, Clone)]
struct Child {
    /// Its entry in the index (media type, digest, size, platform, annotations).
    entry: Value,
    /// The manifest exactly as the registry served it.
    bytes: Bytes,
    media_type: String,
    digest: Digest,
    /// Where it comes from.
    repo: Repository,
    /// Its config and layers.
    blobs: Vec<Descriptor>,
}

/// The index the sources make, before it is pushed.
#[derive(Debug, Clone)]
pub struct Joined {
    children: Vec<Child>,
    /// The index document.
    pub bytes: Bytes,
    /// Its media type (OCI, or Docker's manifest list when every source is Docker's).
    pub media_type: String,
    /// Its digest.
    pub digest: Digest,
}

/// What a join pushed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JoinReport {
    /// Manifests copied (each once per target repository).
    pub manifests: usize,
    /// Blobs the target already had.
    pub blobs_skipped: usize,
    /// Blobs mounted from the source repository.
    pub blobs_mounted: usize,
    /// Blobs uploaded (from another registry).
    pub blobs_uploaded: usize,
}

fn invalid(at: &str, message: impl Into<String>) -> RegistryError {
    RegistryError::InvalidManifest {
        reference: at.to_string(),
        message: message.into(),
    }
}

fn is_index(media_type: &str, doc: &Value) -> bool {
    media_type == OCI_INDEX || media_type == DOCKER_LIST || doc.get("manifests").is_some()
}

/// A manifest's config and layers.
fn blobs_of(doc: &Value, at: &str) -> Result<Vec<Descriptor>, RegistryError> {
    let mut out = Vec::new();
    let layers = doc.get("layers").and_then(Value::as_array);
    for d in doc
        .get("config")
        .into_iter()
        .chain(layers.into_iter().flatten())
    {
        let digest = d
            .get("digest")
            .and_then(Value::as_str)
            .and_then(Digest::parse)
            .ok_or_else(|| invalid(at, "a blob without a sha256 digest"))?;
        out.push(Descriptor {
            media_type: d
                .get("mediaType")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            digest,
            size: d.get("size").and_then(Value::as_u64).unwrap_or(0),
            annotations: Default::default(),
            platform: None,
        });
    }
    Ok(out)
}

impl Registry {
    /// Reads `sources` into the index they make (entries in the order given, each manifest
    /// once); two images of one platform are refused.
    pub async fn join(&self, sources: &[Reference]) -> Result<Joined, RegistryError> {
        let mut children: Vec<Child> = Vec::new();
        for source in sources {
            let repo = Repository::of(source);
            let shown = source.to_string();
            let (bytes, digest) = match &source.digest {
                Some(d) => {
                    let digest = Digest::parse(d)
                        .ok_or_else(|| invalid(&shown, "only sha256 digests are supported"))?;
                    (self.fetch_manifest(&repo, &digest).await?, digest)
                }
                None => {
                    let tag = source.tag.as_deref().unwrap_or("latest");
                    self.fetch_manifest_by_tag(&repo, tag).await?
                }
            };
            let doc: Value =
                serde_json::from_slice(&bytes).map_err(|e| invalid(&shown, e.to_string()))?;
            let media_type = doc
                .get("mediaType")
                .and_then(Value::as_str)
                .unwrap_or(OCI_MANIFEST)
                .to_string();
            if is_index(&media_type, &doc) {
                for entry in doc
                    .get("manifests")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let child_digest = entry
                        .get("digest")
                        .and_then(Value::as_str)
                        .and_then(Digest::parse)
                        .ok_or_else(|| invalid(&shown, "an entry without a sha256 digest"))?;
                    let at = format!("{repo}@{child_digest}");
                    let child_bytes = self.fetch_manifest(&repo, &child_digest).await?;
                    let child_doc: Value = serde_json::from_slice(&child_bytes)
                        .map_err(|e| invalid(&at, e.to_string()))?;
                    let child_type = entry
                        .get("mediaType")
                        .and_then(Value::as_str)
                        .unwrap_or(OCI_MANIFEST)
                        .to_string();
                    if is_index(&child_type, &child_doc) {
                        return Err(invalid(&at, "an index inside an index is not supported"));
                    }
                    children.push(Child {
                        entry: entry.clone(),
                        bytes: child_bytes,
                        media_type: child_type,
                        digest: child_digest,
                        repo: repo.clone(),
                        blobs: blobs_of(&child_doc, &at)?,
                    });
                }
            } else {
                let blobs = blobs_of(&doc, &shown)?;
                let config = blobs
                    .first()
                    .ok_or_else(|| invalid(&shown, "a manifest without a config"))?;
                let config: Value =
                    serde_json::from_slice(&self.fetch_config(&repo, &config.digest).await?)
                        .map_err(|e| invalid(&shown, format!("its config: {e}")))?;
                let mut platform = json!({
                    "architecture": config.get("architecture").cloned().unwrap_or(json!("")),
                    "os": config.get("os").cloned().unwrap_or(json!("")),
                });
                if let Some(v) = config
                    .get("variant")
                    .and_then(Value::as_str)
                    .filter(|v| !v.is_empty())
                {
                    platform["variant"] = json!(v);
                }
                children.push(Child {
                    entry: json!({
                        "mediaType": media_type,
                        "digest": digest.as_str(),
                        "size": bytes.len(),
                        "platform": platform,
                    }),
                    bytes,
                    media_type,
                    digest,
                    repo,
                    blobs,
                });
            }
        }
        let mut seen = std::collections::BTreeSet::new();
        children.retain(|c| seen.insert(c.digest.clone()));
        let mut platforms = std::collections::BTreeSet::new();
        for c in &children {
            let is_attestation = c.entry["annotations"]["vnd.docker.reference.type"].is_string();
            if let Some(p) = c.entry.get("platform").filter(|_| !is_attestation)
                && !platforms.insert(p.to_string())
            {
                return Err(RegistryError::Invalid(format!(
                    "two images for the platform {p} among the sources: join one per platform"
                )));
            }
        }
        let media_type = if children
            .iter()
            .all(|c| c.media_type == DOCKER_MANIFEST || c.media_type == DOCKER_LIST)
        {
            DOCKER_LIST
        } else {
            OCI_INDEX
        };
        let doc = json!({
            "schemaVersion": 2,
            "mediaType": media_type,
            "manifests": children.iter().map(|c| c.entry.clone()).collect::<Vec<_>>(),
        });
        let bytes = Bytes::from(serde_json::to_vec(&doc).unwrap_or_default());
        Ok(Joined {
            digest: Digest::of(&bytes),
            children,
            bytes,
            media_type: media_type.to_string(),
        })
    }

    /// Pushes `joined` to every target: each target repository gets every manifest (its
    /// blobs skipped, mounted from the source repository, or else downloaded into `store` and
    /// uploaded), then the index under the target's tag.
    pub async fn push_joined(
        &self,
        joined: &Joined,
        targets: &[Reference],
        store: &Store,
    ) -> Result<JoinReport, RegistryError> {
        let mut report = JoinReport::default();
        let mut done: Vec<Repository> = Vec::new();
        for target in targets {
            let repo = Repository::of(target);
            if !done.contains(&repo) {
                self.copy_children(&joined.children, &repo, store, &mut report)
                    .await?;
                done.push(repo.clone());
            }
            let pushed = self
                .push_manifest_bytes(target, &joined.media_type, joined.bytes.clone())
                .await?;
            if pushed != joined.digest {
                return Err(RegistryError::DigestMismatch {
                    location: target.to_string(),
                    expected: joined.digest.clone(),
                    actual: pushed,
                });
            }
        }
        Ok(report)
    }

    async fn copy_children(
        &self,
        children: &[Child],
        target: &Repository,
        store: &Store,
        report: &mut JoinReport,
    ) -> Result<(), RegistryError> {
        let local = |digest: &Digest| {
            let digest = digest.clone();
            move |source| RegistryError::LocalBlob { digest, source }
        };
        for child in children {
            let digests: Vec<Digest> = child.blobs.iter().map(|b| b.digest.clone()).collect();
            // From another registry nothing can be mounted: what the target lacks comes
            // through the store.
            if child.repo.domain != target.domain {
                for digest in self.missing_blobs(target, &digests).await? {
                    if store.blobs().has(&digest) {
                        continue;
                    }
                    let mut writer = store
                        .blobs()
                        .writer(Some(&digest))
                        .map_err(local(&digest))?;
                    self.fetch_blob(&child.repo, &digest, &mut writer).await?;
                    writer.commit().map_err(local(&digest))?;
                }
            }
            let opts = PushOptions {
                mount_from: vec![child.repo.to_string()],
                ..PushOptions::default()
            };
            for outcome in self.push_blobs(store, target, &child.blobs, &opts).await? {
                match outcome {
                    BlobPush::Skipped => report.blobs_skipped += 1,
                    BlobPush::Mounted { .. } => report.blobs_mounted += 1,
                    BlobPush::Uploaded { .. } => report.blobs_uploaded += 1,
                }
            }
            let by_digest = Reference {
                domain: target.domain.clone(),
                path: target.path.clone(),
                tag: None,
                digest: Some(child.digest.to_string()),
            };
            self.push_manifest_bytes(&by_digest, &child.media_type, child.bytes.clone())
                .await?;
            report.manifests += 1;
        }
        Ok(())
    }
}
