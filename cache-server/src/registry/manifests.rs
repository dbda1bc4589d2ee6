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
use tokio::io::AsyncReadExt as _;
use tokio_util::io::ReaderStream;

use super::error::{RegistryError, Result};
use super::{RegistryState, links, parse_digest, parse_stored_digest};
use crate::blobs::{BlobError, BlobStore, Digest};
use crate::meta::{ManifestRecord, TagPage};

/// A page without tags.
fn empty_page() -> TagPage {
    TagPage {
        tags: Vec::new(),
        more: false,
    }
}

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
    size: Option<u64>,
    #[serde(default)]
    urls: Option<Vec<String>>,
}

/// The fields of any manifest kind that matter to the registry.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    #[serde(default)]
    schema_version: Option<u64>,
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

/// [`reference`] for a read or delete: a reference that cannot name a stored manifest (a
/// malformed tag, a sha512 digest) is unknown (404, as the distribution registry and the
/// conformance suite want), not invalid; a push of one stays invalid (400).
fn existing_reference(r: &str) -> Result<Reference> {
    if r.contains(':') {
        return Ok(Reference::Digest(parse_stored_digest(
            r,
            RegistryError::ManifestUnknown,
        )?));
    }
    if !valid_tag(r) {
        return Err(RegistryError::ManifestUnknown(r.to_string()));
    }
    Ok(Reference::Tag(r.to_string()))
}

impl Document {
    /// Whether the document looks like a manifest (rather than, say, an image config, which is
    /// JSON too): schema version 2 with a manifest media type, a config or child manifests.
    fn is_manifest(&self) -> bool {
        let typed = self
            .media_type
            .as_deref()
            .is_some_and(|t| t.contains("manifest") || t == OCI_INDEX);
        self.schema_version == Some(2)
            && (typed || self.config.is_some() || !self.manifests.is_empty())
    }
}

/// The manifest digest `tag` of `name` points at: from the bucket when replicas share an S3
/// store (it is authoritative there), else from this replica's metadata.
pub async fn tag_target(state: &RegistryState, name: &str, tag: &str) -> Result<Option<String>> {
    match state.store.s3_refs() {
        Some(refs) => Ok(refs.get_tag(name, tag).await?),
        None => {
            let (repo, tag) = (name.to_string(), tag.to_string());
            state.meta(move |m| m.get_tag(&repo, &tag)).await
        }
    }
}

/// The record of manifest `digest` in `name`. With a shared S3 store, a manifest this replica's
/// metadata does not know but the store holds is read through when it belongs to `name` (the
/// bucket links it there, or `tag`, a bucket tag of `name`, points at it): its bytes are fetched
/// and parsed and it is recorded locally, linked to `name` (and its references with it). `tag`
/// is kept as the local copy of that tag.
pub async fn manifest_record(
    state: &RegistryState,
    name: &str,
    digest: &Digest,
    tag: Option<&str>,
) -> Result<Option<ManifestRecord>> {
    let shared = state.store.s3_refs().is_some();
    let (repo, key, local_tag) = (
        name.to_string(),
        digest.as_str().to_string(),
        tag.filter(|_| shared).map(str::to_string),
    );
    let (record, stale_tag) = state
        .meta(move |m| {
            let record = m.get_manifest(&repo, &key)?;
            let stale = match (&record, local_tag) {
                (Some(_), Some(tag)) if m.get_tag(&repo, &tag)?.as_deref() != Some(&key) => {
                    Some(tag)
                }
                _ => None,
            };
            Ok((record, stale))
        })
        .await?;
    if let Some(record) = record {
        if let Some(tag) = stale_tag {
            let (repo, key) = (name.to_string(), digest.as_str().to_string());
            state.meta(move |m| m.put_tag(&repo, &tag, &key)).await?;
        }
        return Ok(Some(record));
    }
    if !shared || (tag.is_none() && !links::in_bucket(state, name, digest.as_str()).await?) {
        return Ok(None);
    }
    read_through(state, name, digest, tag).await
}

/// Fetches a manifest another replica pushed from the store and records it in local metadata
/// (see [`manifest_record`]); `None` when the store does not hold it or it is not a manifest.
async fn read_through(
    state: &RegistryState,
    name: &str,
    digest: &Digest,
    tag: Option<&str>,
) -> Result<Option<ManifestRecord>> {
    let _pin = state.pins.pin(digest.as_str()).await;
    match state.store.stat(digest).await? {
        Some(size) if size <= MAX_MANIFEST as u64 => {}
        _ => return Ok(None),
    }
    let mut reader = match state.store.open(digest, None).await {
        Ok((reader, _)) => reader,
        Err(BlobError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .await
        .map_err(|source| BlobError::Io {
            op: "reading manifest",
            path: digest.as_str().into(),
            source,
        })?;
    let Ok(doc) = serde_json::from_slice::<Document>(&bytes) else {
        return Ok(None);
    };
    if !doc.is_manifest() {
        return Ok(None);
    }
    // The push checked the document; a media type that disagrees with the header it was pushed
    // with cannot have been stored, so the document's own (or the guess) is the pushed one.
    let media_type = media_type(None, &doc)?;
    let mut references = Vec::new();
    let mut links = Vec::new();
    for descriptor in required(&doc) {
        let Ok(child) = parse_digest(&descriptor.digest) else {
            continue;
        };
        references.push(child.to_string());
        links.push((child.to_string(), descriptor.size.unwrap_or_default()));
    }
    if let Some(subject) = &doc.subject {
        references.push(subject.digest.clone());
    }
    let record = ManifestRecord {
        media_type: media_type.clone(),
        size: bytes.len() as u64,
        references,
    };
    let (repo, key, tag) = (
        name.to_string(),
        digest.as_str().to_string(),
        tag.map(str::to_string),
    );
    let recorded = record.clone();
    state
        .meta(move |m| {
            m.link_blobs(&repo, &links)?;
            m.put_manifest(&repo, &key, &recorded, tag.as_deref())
        })
        .await?;
    record_subject(state, name, digest, &doc, &media_type, bytes.len()).await?;
    tracing::info!(%digest, repository = name, "manifest read through from the shared store");
    Ok(Some(record))
}

/// The descriptors a manifest needs stored: config, layers and child manifests, foreign layers
/// (those with `urls`) excepted.
fn required(doc: &Document) -> impl Iterator<Item = &Descriptor> {
    doc.config
        .iter()
        .chain(&doc.layers)
        .chain(&doc.manifests)
        .filter(|d| d.urls.as_ref().is_none_or(|u| u.is_empty()))
}

/// Records `digest` as a referrer of its subject, if it has one; returns the subject's digest.
async fn record_subject(
    state: &RegistryState,
    name: &str,
    digest: &Digest,
    doc: &Document,
    media_type: &str,
    size: usize,
) -> Result<Option<String>> {
    let Some(subject) = &doc.subject else {
        return Ok(None);
    };
    let artifact_type = doc
        .artifact_type
        .clone()
        .or_else(|| doc.config.as_ref().and_then(|c| c.media_type.clone()));
    let mut descriptor = serde_json::json!({
        "mediaType": media_type,
        "digest": digest.as_str(),
        "size": size,
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
    Ok(Some(subject.digest.clone()))
}

/// `GET`/`HEAD` of a manifest by tag or digest.
pub async fn get(state: &RegistryState, name: &str, r: &str, method: &Method) -> Result<Response> {
    let (digest, tag) = match existing_reference(r)? {
        Reference::Digest(d) => (d, None),
        Reference::Tag(tag) => {
            let found = tag_target(state, name, &tag)
                .await?
                .ok_or_else(|| RegistryError::ManifestUnknown(r.to_string()))?;
            (parse_digest(&found)?, Some(tag))
        }
    };
    let record = manifest_record(state, name, &digest, tag.as_deref())
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
    for descriptor in required(&doc) {
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
    let (repo, key, local_tag) = (name.to_string(), digest.as_str().to_string(), tag.clone());
    let links_of_push = links.clone();
    state
        .meta(move |m| {
            m.link_blobs(&repo, &links)?;
            m.put_manifest(&repo, &key, &record, local_tag.as_deref())
        })
        .await?;
    // Then the bucket's links (other replicas read through them), then its tag.
    let linked = links_of_push.into_iter().map(|(d, _)| d);
    links::put_in_bucket(state, name, linked.chain([digest.to_string()])).await?;
    // The bucket is authoritative for tags shared by replicas; it is written last, so a
    // replica that finds the tag there finds the manifest's bytes too.
    if let (Some(refs), Some(tag)) = (state.store.s3_refs(), &tag) {
        refs.put_tag(name, tag, digest.as_str()).await?;
    }
    let subject = record_subject(state, name, &digest, &doc, &media_type, bytes.len()).await?;

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
    if let Some(subject) = subject
        && let Ok(value) = header::HeaderValue::from_str(&subject)
    {
        response.headers_mut().insert("OCI-Subject", value);
    }
    Ok(response)
}

/// `DELETE` of a manifest by digest (unlinks it and the tags on it) or of a tag. With a shared
/// S3 store the tags go from the bucket too; a manifest known only to the store is read through
/// first, so that its deletion unlinks it here like any other.
pub async fn delete(state: &RegistryState, name: &str, r: &str) -> Result<Response> {
    let repo = name.to_string();
    let refs = state.store.s3_refs();
    let found = match existing_reference(r)? {
        Reference::Digest(d) => {
            if refs.is_some() {
                manifest_record(state, name, &d, None).await?;
            }
            let key = d.to_string();
            let found = state.meta(move |m| m.delete_manifest(&repo, &key)).await?;
            let mut shared = false;
            if let Some(refs) = &refs {
                shared |= refs.delete_link(name, d.as_str()).await?;
                for tag in refs.list_tags(name, None, None).await?.tags {
                    if refs.get_tag(name, &tag).await?.as_deref() == Some(d.as_str()) {
                        shared |= refs.delete_tag(name, &tag).await?;
                    }
                }
            }
            found || shared
        }
        Reference::Tag(tag) => {
            let shared = match &refs {
                Some(refs) => refs.delete_tag(name, &tag).await?,
                None => false,
            };
            state.meta(move |m| m.delete_tag(&repo, &tag)).await? || shared
        }
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
    let refs = state.store.s3_refs();
    let local = refs.is_none();
    let (mut exists, page) = state
        .meta(move |m| {
            let exists = m.has_repository(&repo)?;
            let page = match n {
                Some(0) => empty_page(),
                _ if !local => empty_page(),
                _ => m.list_tags(&repo, n, last.as_deref())?,
            };
            Ok((exists, page))
        })
        .await?;
    // With a shared S3 store the bucket's tags are the repository's tags; a repository this
    // replica never saw exists when the bucket holds a tag of it.
    let page = match &refs {
        Some(refs) => {
            let page = match n {
                Some(0) => empty_page(),
                _ => {
                    let last = params.get("last").map(String::as_str);
                    refs.list_tags(name, n, last).await?
                }
            };
            if !exists {
                exists = !page.tags.is_empty()
                    || !refs.list_tags(name, Some(1), None).await?.tags.is_empty();
            }
            page
        }
        None => page,
    };
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
    fn only_manifests_are_read_through() {
        let parse = |s: &str| serde_json::from_str::<Document>(s).unwrap().is_manifest();
        let d = format!("sha256:{}", "a".repeat(64));
        assert!(parse(&format!(
            r#"{{"schemaVersion":2,"config":{{"digest":"{d}","size":1}},"layers":[]}}"#
        )));
        assert!(parse(&format!(
            r#"{{"schemaVersion":2,"mediaType":"{OCI_INDEX}","manifests":[]}}"#
        )));
        assert!(parse(
            r#"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json"}"#
        ));
        // An image config, a schema 1 manifest, a JSON blob.
        assert!(!parse(
            r#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#
        ));
        assert!(!parse(r#"{"schemaVersion":1,"name":"x","tag":"y"}"#));
        assert!(!parse(r#"{"schemaVersion":2,"mediaType":"text/plain"}"#));
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
