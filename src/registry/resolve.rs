//! Tag (or digest) -> manifest digest for a platform.
//!
//! The reference's manifest is fetched (and, when pinned by digest, verified); an image index
//! (OCI index or Docker manifest list) is resolved to the manifest of the requested platform,
//! chosen as containerd's `platforms.Only` does: the exact platform first, then the ones it can
//! also run in order of preference (`amd64/v3` -> `v2` -> `v1` -> `386`; `arm/v7` -> `v6` ->
//! `v5`; `arm64` -> `arm/v8` ... `arm/v5`). A single manifest is taken as it is.

use super::error::{RegistryError, error_chain};
use super::{Registry, Repository};
use crate::digest::Digest;
use crate::oci::Platform;
use crate::oci::reference::Reference;
use bytes::Bytes;
use futures_util::StreamExt as _;
use oci_client::RegistryOperation;
use oci_client::manifest::{
    IMAGE_MANIFEST_LIST_MEDIA_TYPE, IMAGE_MANIFEST_MEDIA_TYPE, OCI_IMAGE_INDEX_MEDIA_TYPE,
    OCI_IMAGE_MEDIA_TYPE, OciImageIndex, OciImageManifest,
};
use reqwest::{Method, StatusCode, header};

/// Manifests and indexes larger than this are refused, as containerd and distribution refuse
/// them (4 MiB).
pub const MAX_MANIFEST_SIZE: u64 = 4 << 20;

/// The manifest media types asked for (single manifests and indexes, OCI and Docker).
const ACCEPT: &[&str] = &[
    OCI_IMAGE_INDEX_MEDIA_TYPE,
    IMAGE_MANIFEST_LIST_MEDIA_TYPE,
    OCI_IMAGE_MEDIA_TYPE,
    IMAGE_MANIFEST_MEDIA_TYPE,
];

/// A reference resolved for one platform.
#[derive(Debug, Clone)]
pub struct ResolvedImage {
    /// The reference as asked for.
    pub reference: Reference,
    /// Its repository.
    pub repository: Repository,
    /// The platform's image manifest digest: what cache keys record.
    pub manifest_digest: Digest,
    /// The image index the tag pointed to, if it was one.
    pub index_digest: Option<Digest>,
    /// The manifest's media type.
    pub media_type: String,
    /// The manifest exactly as the registry sent it (its digest is `manifest_digest`).
    pub manifest_bytes: Bytes,
    /// The parsed manifest.
    pub manifest: OciImageManifest,
    /// The image config's digest.
    pub config_digest: Digest,
}

/// What the `mediaType` and shape of a manifest say it is.
enum Kind {
    Index,
    Manifest,
}

impl Registry {
    /// Resolves `reference` (a tag or a digest) to the manifest for `platform`.
    pub async fn resolve(
        &self,
        reference: &Reference,
        platform: &Platform,
    ) -> Result<ResolvedImage, RegistryError> {
        let repo = Repository::of(reference);
        let (top, top_digest) = match &reference.digest {
            Some(d) => {
                let digest = Digest::parse(d).ok_or_else(|| {
                    RegistryError::Invalid(format!(
                        "`{reference}`: only sha256 digests are supported"
                    ))
                })?;
                let bytes = self.fetch_manifest(&repo, &digest).await?;
                (bytes, digest)
            }
            None => {
                let tag = reference.tag.as_deref().unwrap_or("latest");
                self.fetch_manifest_by_tag(&repo, tag).await?
            }
        };
        let shown = reference.to_string();
        let (media_type, kind) = kind_of(&top, &shown)?;
        let (index_digest, manifest_digest, bytes, media_type) = match kind {
            Kind::Manifest => (None, top_digest, top, media_type),
            Kind::Index => {
                let index: OciImageIndex =
                    serde_json::from_slice(&top).map_err(|e| RegistryError::InvalidManifest {
                        reference: shown.clone(),
                        message: format!("image index: {e}"),
                    })?;
                let child = select_platform(&index, platform, &shown)?;
                let bytes = self.fetch_manifest(&repo, &child).await?;
                let at = format!("{repo}@{child}");
                let (child_type, child_kind) = kind_of(&bytes, &at)?;
                if matches!(child_kind, Kind::Index) {
                    return Err(RegistryError::InvalidManifest {
                        reference: at,
                        message: "an image index inside an image index is not supported".into(),
                    });
                }
                (Some(top_digest), child, bytes, child_type)
            }
        };
        let at = format!("{repo}@{manifest_digest}");
        let manifest: OciImageManifest =
            serde_json::from_slice(&bytes).map_err(|e| RegistryError::InvalidManifest {
                reference: at.clone(),
                message: e.to_string(),
            })?;
        let config_digest = Digest::parse(&manifest.config.digest).ok_or_else(|| {
            RegistryError::InvalidManifest {
                reference: at.clone(),
                message: format!("config digest {:?} is not sha256", manifest.config.digest),
            }
        })?;
        Ok(ResolvedImage {
            reference: reference.clone(),
            repository: repo,
            manifest_digest,
            index_digest,
            media_type,
            manifest_bytes: bytes,
            manifest,
            config_digest,
        })
    }

    /// Fetches the manifest (or index) `digest` of `repo`, verified against the digest.
    pub async fn fetch_manifest(
        &self,
        repo: &Repository,
        digest: &Digest,
    ) -> Result<Bytes, RegistryError> {
        let shown = format!("{repo}@{digest}");
        let (bytes, actual) = self.manifest_raw(repo, digest.as_str(), &shown).await?;
        if actual != *digest {
            return Err(RegistryError::DigestMismatch {
                location: shown,
                expected: digest.clone(),
                actual,
            });
        }
        Ok(bytes)
    }

    /// Fetches the manifest `tag` of `repo` points to, and its digest (of the bytes received).
    pub async fn fetch_manifest_by_tag(
        &self,
        repo: &Repository,
        tag: &str,
    ) -> Result<(Bytes, Digest), RegistryError> {
        self.manifest_raw(repo, tag, &format!("{repo}:{tag}")).await
    }

    /// GETs the manifest `at` (a tag or `sha256:...`) of `repo` through a [`Session`], at most
    /// [`MAX_MANIFEST_SIZE`] bytes of it (a larger announced length is refused before the body
    /// is read, a longer body when it passes the limit); a `Docker-Content-Digest` the registry
    /// sends must be the body's digest. The bytes and their digest.
    async fn manifest_raw(
        &self,
        repo: &Repository,
        at: &str,
        shown: &str,
    ) -> Result<(Bytes, Digest), RegistryError> {
        let session = self.session(repo, RegistryOperation::Pull).await?;
        let url = session.url(&format!("manifests/{at}"))?;
        let req = session
            .request(Method::GET, url)
            .header(header::ACCEPT, ACCEPT.join(", "));
        let res = session.send(req, shown).await?;
        if res.status() != StatusCode::OK {
            return Err(session.status_error(res, shown).await);
        }
        let too_large = |announced: String| RegistryError::TooLarge {
            location: shown.to_string(),
            what: "manifest",
            limit: MAX_MANIFEST_SIZE,
            announced,
        };
        if let Some(n) = res.content_length().filter(|n| *n > MAX_MANIFEST_SIZE) {
            return Err(too_large(format!("{n} bytes announced")));
        }
        let claimed = res
            .headers()
            .get("docker-content-digest")
            .and_then(|v| v.to_str().ok())
            .and_then(Digest::parse);
        let mut body = Vec::new();
        let mut stream = res.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| RegistryError::Registry {
                reference: shown.to_string(),
                host: session.host.clone(),
                message: format!("reading the manifest: {}", error_chain(&e)),
            })?;
            if (body.len() + chunk.len()) as u64 > MAX_MANIFEST_SIZE {
                return Err(too_large(format!(
                    "more than {MAX_MANIFEST_SIZE} bytes sent"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        let digest = Digest::of(&body);
        if let Some(claimed) = claimed.filter(|c| *c != digest) {
            return Err(RegistryError::DigestMismatch {
                location: shown.to_string(),
                expected: claimed,
                actual: digest,
            });
        }
        Ok((Bytes::from(body), digest))
    }
}

/// The media type of a manifest document and whether it is an index.
fn kind_of(bytes: &[u8], shown: &str) -> Result<(String, Kind), RegistryError> {
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(rename = "schemaVersion", default)]
        schema_version: i64,
        #[serde(rename = "mediaType", default)]
        media_type: Option<String>,
        #[serde(default)]
        manifests: Option<serde_json::Value>,
        #[serde(default)]
        config: Option<serde_json::Value>,
    }
    let invalid = |message: String| RegistryError::InvalidManifest {
        reference: shown.to_string(),
        message,
    };
    let p: Probe = serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
    if p.schema_version != 2 {
        return Err(invalid(format!(
            "schemaVersion {} is not supported (only 2)",
            p.schema_version
        )));
    }
    match p.media_type.as_deref() {
        Some(t @ (OCI_IMAGE_INDEX_MEDIA_TYPE | IMAGE_MANIFEST_LIST_MEDIA_TYPE)) => {
            Ok((t.to_string(), Kind::Index))
        }
        Some(t @ (OCI_IMAGE_MEDIA_TYPE | IMAGE_MANIFEST_MEDIA_TYPE)) => {
            Ok((t.to_string(), Kind::Manifest))
        }
        Some(t) => Err(invalid(format!("unsupported media type {t}"))),
        // OCI allows omitting mediaType: tell by shape.
        None if p.manifests.is_some() => Ok((OCI_IMAGE_INDEX_MEDIA_TYPE.to_string(), Kind::Index)),
        None if p.config.is_some() => Ok((OCI_IMAGE_MEDIA_TYPE.to_string(), Kind::Manifest)),
        None => Err(invalid(
            "neither an image manifest nor an image index".into(),
        )),
    }
}

/// The digest of `index`'s best manifest for `platform`, or an error listing what there is.
pub fn select_platform(
    index: &OciImageIndex,
    platform: &Platform,
    shown: &str,
) -> Result<Digest, RegistryError> {
    let entries: Vec<(Option<Platform>, &str)> = index
        .manifests
        .iter()
        .map(|m| {
            let p = m.platform.as_ref().and_then(|p| {
                let mut s = format!("{}/{}", p.os, p.architecture);
                if let Some(v) = p.variant.as_deref().filter(|v| !v.is_empty()) {
                    s.push('/');
                    s.push_str(v);
                }
                Platform::parse(&s).ok()
            });
            (p, m.digest.as_str())
        })
        .collect();
    for want in preference(platform) {
        if let Some((_, digest)) = entries.iter().find(|(p, _)| p.as_ref() == Some(&want)) {
            return Digest::parse(digest).ok_or_else(|| RegistryError::InvalidManifest {
                reference: shown.to_string(),
                message: format!("manifest digest {digest:?} is not sha256"),
            });
        }
    }
    let mut available: Vec<String> = entries
        .iter()
        .map(|(p, _)| {
            p.as_ref()
                .map_or("(no platform)".to_string(), |p| p.to_string())
        })
        .collect();
    available.dedup();
    Err(RegistryError::PlatformNotFound {
        reference: shown.to_string(),
        platform: platform.to_string(),
        available,
    })
}

/// The platforms `p` runs, best first (containerd's `platforms.Only`).
pub fn preference(p: &Platform) -> Vec<Platform> {
    let with = |arch: &str, variant: String| Platform {
        os: p.os.clone(),
        arch: arch.to_string(),
        variant,
    };
    let version = |v: &str| v.strip_prefix('v').and_then(|n| n.parse::<u32>().ok());
    let mut out = vec![p.clone()];
    match p.arch.as_str() {
        "amd64" => {
            if let Some(n) = version(&p.variant).filter(|n| *n > 1) {
                for v in (2..n).rev() {
                    out.push(with("amd64", format!("v{v}")));
                }
                // v1 is the plain amd64 after normalization.
                out.push(with("amd64", String::new()));
            }
            out.push(with("386", String::new()));
        }
        "arm" => {
            if let Some(n) = version(&p.variant).filter(|n| *n > 5) {
                for v in (5..n).rev() {
                    out.push(with("arm", format!("v{v}")));
                }
            }
        }
        "arm64" => {
            let v = if p.variant.is_empty() {
                "v8"
            } else {
                &p.variant
            };
            out.extend(preference(&with("arm", v.to_string())));
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(platforms: &[&str]) -> OciImageIndex {
        let manifests: Vec<serde_json::Value> = platforms
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let parts: Vec<&str> = p.split('/').collect();
                let mut plat = serde_json::json!({"os": parts[0], "architecture": parts[1]});
                if let Some(v) = parts.get(2) {
                    plat["variant"] = serde_json::json!(v);
                }
                serde_json::json!({
                    "mediaType": OCI_IMAGE_MEDIA_TYPE,
                    "digest": format!("sha256:{}", format!("{i}").repeat(64)),
                    "size": 1,
                    "platform": plat,
                })
            })
            .collect();
        serde_json::from_value(serde_json::json!({
            "schemaVersion": 2,
            "mediaType": OCI_IMAGE_INDEX_MEDIA_TYPE,
            "manifests": manifests,
        }))
        .unwrap()
    }

    fn pick(platforms: &[&str], want: &str) -> Result<usize, String> {
        let d = select_platform(&index(platforms), &Platform::parse(want).unwrap(), "test")
            .map_err(|e| e.to_string())?;
        Ok(d.hex()[..1].parse().unwrap())
    }

    #[test]
    fn exact_platform_wins_and_variants_normalize() {
        let all = [
            "linux/386",
            "linux/amd64",
            "linux/arm/v6",
            "linux/arm/v7",
            "linux/arm64/v8",
        ];
        assert_eq!(pick(&all, "linux/amd64"), Ok(1));
        assert_eq!(pick(&all, "linux/arm64"), Ok(4));
        assert_eq!(pick(&all, "linux/arm/v7"), Ok(3));
        assert_eq!(pick(&all, "linux/arm/v6"), Ok(2));
    }

    #[test]
    fn compatible_platforms_in_containerd_order() {
        assert_eq!(
            pick(&["linux/arm/v5", "linux/arm/v6"], "linux/arm/v7"),
            Ok(1)
        );
        assert_eq!(pick(&["linux/arm/v7"], "linux/arm64"), Ok(0));
        assert_eq!(pick(&["linux/386", "linux/amd64"], "linux/amd64/v3"), Ok(1));
        assert_eq!(pick(&["linux/386"], "linux/amd64"), Ok(0));
    }

    #[test]
    fn no_match_lists_what_there_is() {
        let e = pick(&["linux/amd64", "linux/arm/v7"], "linux/s390x").unwrap_err();
        assert!(e.contains("linux/s390x"), "{e}");
        assert!(e.contains("linux/amd64, linux/arm/v7"), "{e}");
        let e = pick(&["linux/arm64"], "linux/arm/v7").unwrap_err();
        assert!(e.contains("available: linux/arm64"), "{e}");
        let e = pick(&["windows/amd64"], "linux/amd64").unwrap_err();
        assert!(e.contains("windows/amd64"), "{e}");
    }
}
