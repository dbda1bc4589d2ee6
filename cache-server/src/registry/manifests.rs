//! Manifests (`/v2/<name>/manifests/<tag|digest>`: PUT, GET, HEAD, DELETE), tag listing
//! (`/v2/<name>/tags/list?n=&last=` with the `Link` header) and referrers
//! (`/v2/<name>/referrers/<digest>?artifactType=`).
//!
//! A pushed manifest is parsed for what it references: `config` and `layers` (image manifests:
//! OCI and Docker schema2), `manifests` (OCI index, Docker manifest list) and `subject`. Every
//! referenced blob and child manifest must be stored (`MANIFEST_BLOB_UNKNOWN` otherwise; foreign
//! layers that carry `urls` excepted) and is linked to the repository; the subject need not exist
//! (spec v1.1). The manifest's bytes go to the blob store under their digest.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Query, Request};
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tokio_util::io::ReaderStream;

use super::error::{RegistryError, Result};
use super::{RegistryState, parse_digest};
use crate::blobs::{BlobStore, Digest};
use crate::meta::ManifestRecord;

/// Largest manifest accepted (distribution's limit).
pub const MAX_MANIFEST: usize = 4 * 1024 * 1024;

/// OCI image manifest media type.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index media type.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// A descriptor inside a manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    #[serde(default)]
    media_type: Option<String>,
    digest: String,
    #[serde(default)]
    urls: Option<Vec<String>>,
}

/// The fields of any manifest kind that matter to the registry.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    artifact_type: Option<String>,
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Vec<Descriptor>,
    #[serde(default)]
    manifests: Vec<Descriptor>,
    #[serde(default)]
    subject: Option<Descriptor>,
    #[serde(default)]
    annotations: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Whether `reference` is a tag as the spec allows: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
pub fn valid_tag(reference: &str) -> bool {
    let mut bytes = reference.bytes();
    let first_ok = bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
    first_ok
        && reference.len() <= 128
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// A manifest reference: a digest, or a tag.
enum Reference {
    Digest(Digest),
    Tag(String),
}

fn reference(r: &str) -> Result<Reference> {
    if r.contains(':') {
        return Ok(Reference::Digest(parse_digest(r)?));
    }
    if !valid_tag(r) {
        return Err(RegistryError::ManifestInvalid(format!("invalid tag {r:?}")));
    }
    Ok(Reference::Tag(r.to_string()))
}

/// Resolves a reference to a manifest digest in `name`.
async fn resolve(state: &RegistryState, name: &str, r: &str) -> Result<Digest> {
    match reference(r)? {
        Reference::Digest(d) => Ok(d),
        Reference::Tag(tag) => {
            let repo = name.to_string();
            let found = state.meta(move |m| m.get_tag(&repo, &tag)).await?;
            let found = found.ok_or_else(|| RegistryError::ManifestUnknown(r.to_string()))?;
            parse_digest(&found)
        }
    }
}

/// `GET`/`HEAD` of a manifest by tag or digest.
pub async fn get(state: &RegistryState, name: &str, r: &str, method: &Method) -> Result<Response> {
    let digest = resolve(state, name, r).await?;
    let (repo, key) = (name.to_string(), digest.as_str().to_string());
    let record = state
        .meta(move |m| m.get_manifest(&repo, &key))
        .await?
        .ok_or_else(|| RegistryError::ManifestUnknown(r.to_string()))?;
    state.touch(&digest);
    let builder = Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, &record.media_type)
        .header(header::CONTENT_LENGTH, record.size)
        .header("Docker-Content-Digest", digest.as_str())
        .header(header::ETAG, format!("\"{digest}\""));
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        let (reader, _) = state.store.open(&digest, None).await.map_err(|e| match e {
            crate::blobs::BlobError::NotFound(_) => RegistryError::ManifestUnknown(r.to_string()),
            other => other.into(),
        })?;
        Body::from_stream(ReaderStream::new(reader))
    };
    builder
        .body(body)
        .map_err(|e| RegistryError::ManifestInvalid(e.to_string()))
}

/// The media type of a pushed manifest: the request's `Content-Type`, else the document's
/// `mediaType`, else guessed from its shape. A `Content-Type` that contradicts the document's
/// `mediaType` is `MANIFEST_INVALID` (the spec requires them to match).
fn media_type(content_type: Option<&str>, doc: &Document) -> Result<String> {
    let header = content_type
        .map(|c| c.split(';').next().unwrap_or_default().trim())
        .filter(|c| !c.is_empty() && *c != "application/json" && *c != "application/octet-stream");
    if let (Some(header), Some(field)) = (header, &doc.media_type)
        && header != field
    {
        return Err(RegistryError::ManifestInvalid(format!(
            "Content-Type {header} but mediaType {field}"
        )));
    }
    Ok(header
        .map(str::to_string)
        .or_else(|| doc.media_type.clone())
        .unwrap_or_else(|| {
            if doc.manifests.is_empty() {
                OCI_MANIFEST.to_string()
            } else {
                OCI_INDEX.to_string()
            }
        }))
}

/// `PUT` of a manifest.
pub async fn put(state: &RegistryState, name: &str, r: &str, request: Request) -> Result<Response> {
    let reference = reference(r)?;
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = axum::body::to_bytes(request.into_body(), MAX_MANIFEST)
        .await
        .map_err(|e| RegistryError::ManifestInvalid(format!("reading body: {e}")))?;
    let digest = Digest::of(&bytes);
    if let Reference::Digest(expected) = &reference
        && expected != &digest
    {
        return Err(RegistryError::DigestInvalid(format!(
            "manifest is {digest}, pushed as {expected}"
        )));
    }
    let doc: Document = serde_json::from_slice(&bytes)
        .map_err(|e| RegistryError::ManifestInvalid(e.to_string()))?;
    let media_type = media_type(content_type.as_deref(), &doc)?;

    // Everything it references must be stored; link it all to the repository.
    let mut references = Vec::new();
    let mut links = Vec::new();
    let required = doc
        .config
        .iter()
        .chain(&doc.layers)
        .chain(&doc.manifests)
        .filter(|d| d.urls.as_ref().is_none_or(|u| u.is_empty()));
    for descriptor in required {
        let child = parse_digest(&descriptor.digest).map_err(|_| {
            RegistryError::ManifestInvalid(format!("bad digest {:?}", descriptor.digest))
        })?;
        let size = state
            .store
            .stat(&child)
            .await?
            .ok_or_else(|| RegistryError::ManifestBlobUnknown(child.to_string()))?;
        references.push(child.to_string());
        links.push((child.to_string(), size));
    }
    if let Some(subject) = &doc.subject {
        references.push(subject.digest.clone());
    }

    let _pin = state.pins.pin(digest.as_str()).await;
    if state.store.stat(&digest).await?.is_none() {
        state.store.put(&digest, &bytes[..]).await?;
    }
    let record = ManifestRecord {
        media_type: media_type.clone(),
        size: bytes.len() as u64,
        references,
    };
    let tag = match &reference {
        Reference::Tag(t) => Some(t.clone()),
        Reference::Digest(_) => None,
    };
    let (repo, key) = (name.to_string(), digest.as_str().to_string());
    state
        .meta(move |m| {
            m.link_blobs(&repo, &links)?;
            m.put_manifest(&repo, &key, &record, tag.as_deref())
        })
        .await?;

    let mut response = (
        StatusCode::CREATED,
        [
            (header::LOCATION, format!("/v2/{name}/manifests/{digest}")),
            (
                header::HeaderName::from_static("docker-content-digest"),
                digest.to_string(),
            ),
            (header::CONTENT_LENGTH, "0".to_string()),
        ],
    )
        .into_response();
    if let Some(subject) = &doc.subject {
        let artifact_type = doc
            .artifact_type
            .clone()
            .or_else(|| doc.config.as_ref().and_then(|c| c.media_type.clone()));
        let mut descriptor = serde_json::json!({
            "mediaType": media_type,
            "digest": digest.as_str(),
            "size": bytes.len(),
        });
        if let Some(t) = artifact_type {
            descriptor["artifactType"] = t.into();
        }
        if let Some(a) = &doc.annotations {
            descriptor["annotations"] = serde_json::Value::Object(a.clone());
        }
        let (repo, subj, key) = (name.to_string(), subject.digest.clone(), digest.to_string());
        state
            .meta(move |m| m.put_subject_referrer(&repo, &subj, &key, &descriptor))
            .await?;
        if let Ok(value) = header::HeaderValue::from_str(&subject.digest) {
            response.headers_mut().insert("OCI-Subject", value);
        }
    }
    Ok(response)
}

/// `DELETE` of a manifest by digest (unlinks it and the tags on it) or of a tag.
pub async fn delete(state: &RegistryState, name: &str, r: &str) -> Result<Response> {
    let repo = name.to_string();
    let found = match reference(r)? {
        Reference::Digest(d) => {
            let key = d.to_string();
            state.meta(move |m| m.delete_manifest(&repo, &key)).await?
        }
        Reference::Tag(tag) => state.meta(move |m| m.delete_tag(&repo, &tag)).await?,
    };
    if !found {
        return Err(RegistryError::ManifestUnknown(r.to_string()));
    }
    Ok((StatusCode::ACCEPTED, [(header::CONTENT_LENGTH, "0")]).into_response())
}

fn params(uri: &Uri) -> HashMap<String, String> {
    Query::<HashMap<String, String>>::try_from_uri(uri)
        .map(|q| q.0)
        .unwrap_or_default()
}

/// The `n` pagination parameter.
fn page_size(params: &HashMap<String, String>) -> Result<Option<usize>> {
    match params.get("n") {
        Some(n) => {
            Ok(Some(n.parse::<usize>().map_err(|_| {
                RegistryError::PaginationInvalid(n.clone())
            })?))
        }
        None => Ok(None),
    }
}

/// `GET /v2/_catalog?n=&last=`: repositories in lexical order, paginated like tags.
pub async fn catalog(state: &RegistryState, uri: &Uri) -> Result<Response> {
    let params = params(uri);
    let n = page_size(&params)?;
    let last = params.get("last").cloned();
    let all = state.meta(|m| m.repositories()).await?;
    let mut rest = all
        .into_iter()
        .filter(|r| last.as_ref().is_none_or(|last| r > last));
    let page: Vec<String> = rest.by_ref().take(n.unwrap_or(usize::MAX)).collect();
    let more = rest.next().is_some();
    let mut response = axum::Json(serde_json::json!({ "repositories": page })).into_response();
    if more
        && let (Some(n), Some(last)) = (n, page.last())
        && let Ok(link) = header::HeaderValue::from_str(&format!(
            "</v2/_catalog?n={n}&last={last}>; rel=\"next\""
        ))
    {
        response.headers_mut().insert(header::LINK, link);
    }
    Ok(response)
}

/// `GET /v2/<name>/tags/list?n=&last=`.
pub async fn tags(state: &RegistryState, name: &str, uri: &Uri) -> Result<Response> {
    let params = params(uri);
    let n = page_size(&params)?;
    let last = params.get("last").cloned();
    let repo = name.to_string();
    let (exists, page) = state
        .meta(move |m| {
            let exists = m.has_repository(&repo)?;
            let page = match n {
                Some(0) => crate::meta::TagPage {
                    tags: Vec::new(),
                    more: false,
                },
                _ => m.list_tags(&repo, n, last.as_deref())?,
            };
            Ok((exists, page))
        })
        .await?;
    if !exists {
        return Err(RegistryError::NameUnknown(name.to_string()));
    }
    let mut response =
        axum::Json(serde_json::json!({ "name": name, "tags": page.tags })).into_response();
    if page.more
        && let (Some(n), Some(last)) = (n, page.tags.last())
        && let Ok(link) = header::HeaderValue::from_str(&format!(
            "</v2/{name}/tags/list?n={n}&last={last}>; rel=\"next\""
        ))
    {
        response.headers_mut().insert(header::LINK, link);
    }
    Ok(response)
}

/// `GET /v2/<name>/referrers/<digest>?artifactType=`: an OCI index of the manifests whose
/// subject is `digest`.
pub async fn referrers(
    state: &RegistryState,
    name: &str,
    digest: &str,
    uri: &Uri,
) -> Result<Response> {
    let digest = parse_digest(digest)?;
    let filter = params(uri).get("artifactType").cloned();
    let (repo, key) = (name.to_string(), digest.to_string());
    let mut manifests = state
        .meta(move |m| m.subject_referrers(&repo, &key))
        .await?;
    if let Some(t) = &filter {
        manifests.retain(|d| d.get("artifactType").and_then(|v| v.as_str()) == Some(t));
    }
    let body = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": manifests,
    });
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, OCI_INDEX)],
        body.to_string(),
    )
        .into_response();
    if filter.is_some() {
        response.headers_mut().insert(
            "OCI-Filters-Applied",
            header::HeaderValue::from_static("artifactType"),
        );
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_follow_the_spec() {
        assert!(valid_tag("latest"));
        assert!(valid_tag("_x.Y-1"));
        assert!(!valid_tag(".x"));
        assert!(!valid_tag(""));
        assert!(!valid_tag(&"a".repeat(129)));
        assert!(valid_tag(&"a".repeat(128)));
    }

    #[test]
    fn media_type_prefers_the_header() {
        let doc: Document = serde_json::from_str(r#"{"mediaType":"x","manifests":[]}"#).unwrap();
        assert_eq!(media_type(Some("x; charset=utf-8"), &doc).unwrap(), "x");
        assert_eq!(media_type(None, &doc).unwrap(), "x");
        assert!(matches!(
            media_type(Some("a/b"), &doc),
            Err(RegistryError::ManifestInvalid(_))
        ));
        let doc: Document =
            serde_json::from_str(r#"{"manifests":[{"digest":"sha256:00","size":1}]}"#).unwrap();
        assert_eq!(
            media_type(Some("application/json"), &doc).unwrap(),
            OCI_INDEX
        );
        assert_eq!(media_type(Some("a/b"), &doc).unwrap(), "a/b");
    }
}
