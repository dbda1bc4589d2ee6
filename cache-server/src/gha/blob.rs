//! The signed blob URLs, served as Azure Blob Storage serves a SAS URL, so `@azure/storage-blob`
//! (which `@actions/cache` uploads with) works unchanged:
//!
//! - `PUT ?comp=block&blockid=<base64>`: Put Block, streamed to `<staging>/<upload>/<block>`.
//! - `PUT ?comp=blocklist` with `<BlockList><Latest>id</Latest>..</BlockList>`: Put Block List;
//!   the blocks are hashed in order, then streamed into the [`Store`](crate::store::Store) as ONE
//!   blob under that digest (identical archives are stored once).
//! - `PUT` with `x-ms-blob-type: BlockBlob`: Put Blob, the whole archive in one request.
//! - `HEAD` / `GET`, whole or ranged (`x-ms-range` or `Range: bytes=a-b`): Get Blob
//!   (Properties), 200 or 206 with `Content-Range`.
//!
//! Every answer carries `x-ms-request-id`, `x-ms-version`, `Date`; blobs carry `ETag` (from the
//! digest), `Last-Modified`, `Content-Length`, `x-ms-blob-type`. Errors are Azure's XML
//! `<Error><Code>..</Code><Message>..</Message></Error>` with `x-ms-error-code`.

use std::path::{Path as FsPath, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{StreamExt, TryStreamExt};
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::io::{ReaderStream, StreamReader};

use super::entries::BlobRef;
use super::sign::{self, Permission, SignError};
use super::{GhaError, GhaState, blocking};
use crate::blobs::{BlobError, BlobStore, Digest};

/// The storage service version answered when the client names none.
const SERVICE_VERSION: &str = "2025-01-05";
/// Largest block list body accepted (50,000 ids of at most 64 bytes, with tags).
const MAX_BLOCK_LIST: usize = 8 << 20;
/// Longest block id accepted (Azure: 64 bytes before base64).
const MAX_BLOCK_ID: usize = 128;

fn io(op: &'static str, path: &FsPath) -> impl FnOnce(std::io::Error) -> GhaError + use<> {
    let path = path.to_path_buf();
    move |source| GhaError::Io { op, path, source }
}

/// Headers every answer carries.
fn common_headers(request: &HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::new();
    let version = request
        .get("x-ms-version")
        .cloned()
        .unwrap_or(HeaderValue::from_static(SERVICE_VERSION));
    out.insert("x-ms-version", version);
    if let Some(id) = request.get("x-ms-client-request-id") {
        out.insert("x-ms-client-request-id", id.clone());
    }
    if let Ok(id) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        out.insert("x-ms-request-id", id);
    }
    if let Ok(date) = HeaderValue::from_str(&sign::http_date(sign::now())) {
        out.insert(header::DATE, date);
    }
    out
}

/// An Azure-style error answer.
fn azure_error(request: &HeaderMap, err: &GhaError) -> Response {
    let (status, code) = match err {
        GhaError::Sign(SignError::Expired) => (StatusCode::FORBIDDEN, "AuthenticationFailed"),
        GhaError::Sign(_) | GhaError::BadToken(_) | GhaError::ReadOnly => {
            (StatusCode::FORBIDDEN, "AuthenticationFailed")
        }
        GhaError::UnknownUpload
        | GhaError::NotReserved { .. }
        | GhaError::Blob(BlobError::NotFound(_)) => (StatusCode::NOT_FOUND, "BlobNotFound"),
        GhaError::Blob(BlobError::RangeNotSatisfiable { .. }) => {
            (StatusCode::RANGE_NOT_SATISFIABLE, "InvalidRange")
        }
        GhaError::Blob(BlobError::DigestMismatch { .. }) => {
            (StatusCode::BAD_REQUEST, "Md5Mismatch")
        }
        GhaError::UnknownBlock(_) => (StatusCode::BAD_REQUEST, "InvalidBlockList"),
        GhaError::InvalidArgument(_) | GhaError::SizeMismatch { .. } | GhaError::Body(_) => {
            (StatusCode::BAD_REQUEST, "InvalidInput")
        }
        GhaError::AlreadyExists { .. } => (StatusCode::CONFLICT, "BlobAlreadyExists"),
        GhaError::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "RequestBodyTooLarge"),
        GhaError::RateLimited { .. } => (StatusCode::SERVICE_UNAVAILABLE, "ServerBusy"),
        GhaError::NotUploaded { .. } => (StatusCode::CONFLICT, "InvalidBlobOrBlock"),
        GhaError::Blob(_)
        | GhaError::Record(_)
        | GhaError::Meta(_)
        | GhaError::Io { .. }
        | GhaError::Task(_) => (StatusCode::INTERNAL_SERVER_ERROR, "InternalError"),
    };
    if status.is_server_error() {
        tracing::error!(error = %err, "gha blob request failed");
    } else {
        tracing::debug!(error = %err, code, "gha blob request refused");
    }
    let message = xml_escape(&err.to_string());
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code><Message>{message}</Message></Error>"
    );
    let mut headers = common_headers(request);
    headers.insert("x-ms-error-code", HeaderValue::from_static(code));
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    (status, headers, body).into_response()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

fn etag(digest: &str) -> String {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    format!("\"0x{}\"", hex.get(..16).unwrap_or(hex).to_uppercase())
}

fn param<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Block ids named in a Put Block List body, in order (`Latest`, `Uncommitted` and `Committed`
/// all name staged blocks here: a committed upload's blocks are not kept).
pub fn parse_block_list(xml: &str) -> Result<Vec<String>, GhaError> {
    let bad = |why: &str| GhaError::InvalidArgument(format!("block list: {why}"));
    let start = xml
        .find("<BlockList>")
        .ok_or_else(|| bad("no <BlockList>"))?;
    let mut rest = xml.get(start + "<BlockList>".len()..).unwrap_or_default();
    let end = rest
        .find("</BlockList>")
        .ok_or_else(|| bad("no </BlockList>"))?;
    rest = rest.get(..end).unwrap_or_default();
    let mut ids = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let after_lt = rest
            .strip_prefix('<')
            .ok_or_else(|| bad("text outside elements"))?;
        let close = after_lt.find('>').ok_or_else(|| bad("unterminated tag"))?;
        let tag = after_lt.get(..close).unwrap_or_default();
        if !matches!(tag, "Latest" | "Uncommitted" | "Committed") {
            return Err(bad(&format!("unexpected element <{tag}>")));
        }
        let content_start = after_lt.get(close + 1..).unwrap_or_default();
        let end_tag = format!("</{tag}>");
        let end = content_start
            .find(&end_tag)
            .ok_or_else(|| bad(&format!("no {end_tag}")))?;
        ids.push(xml_unescape(
            content_start.get(..end).unwrap_or_default().trim(),
        ));
        rest = content_start.get(end + end_tag.len()..).unwrap_or_default();
    }
    if ids.is_empty() {
        return Err(bad("no blocks"));
    }
    Ok(ids)
}

fn block_path(dir: &FsPath, block_id: &str) -> Result<PathBuf, GhaError> {
    if block_id.is_empty() || block_id.len() > MAX_BLOCK_ID {
        return Err(GhaError::InvalidArgument(format!(
            "block id {block_id:?} must be 1..={MAX_BLOCK_ID} bytes"
        )));
    }
    Ok(dir.join(format!("block-{}", hex::encode(block_id))))
}

/// Streams a request body into `path` (via a temp name), hashing it; returns digest and size.
async fn write_body(body: Body, path: &FsPath) -> Result<(Digest, u64), GhaError> {
    let temp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4()));
    let result = async {
        let mut file = tokio::fs::File::create(&temp)
            .await
            .map_err(io("create", &temp))?;
        let mut stream = body.into_data_stream();
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| GhaError::Body(e.to_string()))?;
            hasher.update(&chunk);
            size += chunk.len() as u64;
            file.write_all(&chunk).await.map_err(io("write", &temp))?;
        }
        file.flush().await.map_err(io("write", &temp))?;
        drop(file);
        tokio::fs::rename(&temp, path)
            .await
            .map_err(io("rename", &temp))?;
        let digest = Digest::from_sha256(hasher.finalize().into());
        Ok((digest, size))
    }
    .await;
    if result.is_err() {
        let _ = tokio::fs::remove_file(&temp).await;
    }
    result
}

fn check_length(headers: &HeaderMap, size: u64) -> Result<(), GhaError> {
    let stated = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match stated {
        Some(stated) if stated != size => Err(GhaError::Body(format!(
            "received {size} bytes of the {stated} announced"
        ))),
        _ => Ok(()),
    }
}

/// Hashes the staged files in order; returns their digest and total size.
async fn hash_files(paths: &[PathBuf]) -> Result<(Digest, u64), GhaError> {
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut buf = vec![0u8; 256 * 1024];
    for path in paths {
        let mut file = tokio::fs::File::open(path)
            .await
            .map_err(io("open", path))?;
        loop {
            let n = file.read(&mut buf).await.map_err(io("read", path))?;
            if n == 0 {
                break;
            }
            hasher.update(buf.get(..n).unwrap_or_default());
            size += n as u64;
        }
    }
    let digest = Digest::from_sha256(hasher.finalize().into());
    Ok((digest, size))
}

/// Streams the staged files, in order, into the store as one blob of `digest`.
async fn store_files(
    state: &GhaState,
    digest: &Digest,
    paths: Vec<PathBuf>,
) -> Result<u64, GhaError> {
    let stream = futures_util::stream::iter(paths)
        .then(|path| async move { tokio::fs::File::open(path).await })
        .map_ok(ReaderStream::new)
        .try_flatten();
    let reader = StreamReader::new(Box::pin(stream));
    Ok(state.store.put(digest, reader).await?)
}

/// Records `blob` as the upload's archive and drops its staging directory.
async fn commit(
    state: &GhaState,
    upload: &str,
    blob: BlobRef,
    dir: &FsPath,
) -> Result<(), GhaError> {
    let entries = state.entries.clone();
    let id = upload.to_string();
    blocking(move || entries.commit_upload(&id, blob)).await?;
    if let Err(e) = tokio::fs::remove_dir_all(dir).await {
        tracing::warn!(dir = %dir.display(), error = %e, "removing gha staging");
    }
    Ok(())
}

async fn put_inner(
    state: &GhaState,
    name: &str,
    query: &[(String, String)],
    headers: &HeaderMap,
    body: Body,
) -> Result<(HeaderMap, StatusCode), GhaError> {
    state
        .signer
        .verify(name, query, Permission::Write, sign::now())?;
    let entries = state.entries.clone();
    let id = name.to_string();
    if blocking(move || entries.upload(&id)).await?.is_none() {
        return Err(GhaError::UnknownUpload);
    }
    let dir = state.staging.join(name);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(io("create", &dir))?;
    let mut out = HeaderMap::new();
    match param(query, "comp") {
        Some("block") => {
            let block_id = param(query, "blockid")
                .ok_or_else(|| GhaError::InvalidArgument("blockid is required".into()))?;
            let path = block_path(&dir, block_id)?;
            let (_, size) = write_body(body, &path).await?;
            check_length(headers, size)?;
        }
        Some("blocklist") => {
            let bytes = axum::body::to_bytes(body, MAX_BLOCK_LIST)
                .await
                .map_err(|e| GhaError::Body(e.to_string()))?;
            let xml = std::str::from_utf8(&bytes)
                .map_err(|_| GhaError::InvalidArgument("block list is not UTF-8".into()))?;
            let ids = parse_block_list(xml)?;
            let mut paths = Vec::with_capacity(ids.len());
            for id in &ids {
                let path = block_path(&dir, id)?;
                if tokio::fs::metadata(&path).await.is_err() {
                    return Err(GhaError::UnknownBlock(id.clone()));
                }
                paths.push(path);
            }
            let (digest, size) = hash_files(&paths).await?;
            store_files(state, &digest, paths).await?;
            out.insert(header::ETAG, header_value(&etag(digest.as_str())));
            let blob = BlobRef {
                digest: digest.to_string(),
                size,
            };
            commit(state, name, blob, &dir).await?;
        }
        Some(other) => {
            return Err(GhaError::InvalidArgument(format!(
                "comp={other} is not served"
            )));
        }
        None => {
            let blob_type = headers.get("x-ms-blob-type").and_then(|v| v.to_str().ok());
            if blob_type != Some("BlockBlob") {
                return Err(GhaError::InvalidArgument(
                    "x-ms-blob-type: BlockBlob is required".into(),
                ));
            }
            let path = dir.join("whole");
            let (digest, size) = write_body(body, &path).await?;
            check_length(headers, size)?;
            store_files(state, &digest, vec![path]).await?;
            out.insert(header::ETAG, header_value(&etag(digest.as_str())));
            let blob = BlobRef {
                digest: digest.to_string(),
                size,
            };
            commit(state, name, blob, &dir).await?;
        }
    }
    out.insert(
        header::LAST_MODIFIED,
        header_value(&sign::http_date(sign::now())),
    );
    out.insert(
        "x-ms-request-server-encrypted",
        HeaderValue::from_static("false"),
    );
    Ok((out, StatusCode::CREATED))
}

fn header_value(s: &str) -> HeaderValue {
    HeaderValue::from_str(s).unwrap_or(HeaderValue::from_static(""))
}

/// `PUT /_gha/blobs/{upload}`: Put Block, Put Block List or Put Blob.
pub async fn put(
    State(state): State<Arc<GhaState>>,
    Path(name): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match put_inner(&state, &name, &query, &headers, body).await {
        Ok((extra, status)) => {
            let mut out = common_headers(&headers);
            out.extend(extra);
            out.insert(header::CONTENT_LENGTH, HeaderValue::from_static("0"));
            (status, out).into_response()
        }
        Err(e) => azure_error(&headers, &e),
    }
}

/// A `bytes=a-b` / `bytes=a-` range, as a half-open range within `size`.
pub fn parse_range(value: &str, size: u64) -> Result<std::ops::Range<u64>, GhaError> {
    let bad = || GhaError::InvalidArgument(format!("range {value:?} is not bytes=a-b"));
    let spec = value.trim().strip_prefix("bytes=").ok_or_else(bad)?;
    let (a, b) = spec.split_once('-').ok_or_else(bad)?;
    let start: u64 = a.trim().parse().map_err(|_| bad())?;
    let end = match b.trim() {
        "" => size,
        b => b
            .parse::<u64>()
            .map_err(|_| bad())?
            .saturating_add(1)
            .min(size),
    };
    if start >= size || start >= end {
        return Err(GhaError::Blob(BlobError::RangeNotSatisfiable {
            start,
            end,
            size,
        }));
    }
    Ok(start..end)
}

async fn get_inner(
    state: &GhaState,
    name: &str,
    query: &[(String, String)],
    method: &Method,
    headers: &HeaderMap,
) -> Result<Response, GhaError> {
    state
        .signer
        .verify(name, query, Permission::Read, sign::now())?;
    let digest = crate::blobs::parse_digest(&format!("sha256:{name}"))?;
    let size = state
        .store
        .stat(&digest)
        .await?
        .ok_or_else(|| BlobError::NotFound(digest.clone()))?;
    let range = headers
        .get("x-ms-range")
        .or_else(|| headers.get(header::RANGE))
        .and_then(|v| v.to_str().ok())
        .map(|v| parse_range(v, size))
        .transpose()?;
    let mut out = common_headers(headers);
    out.insert(header::ETAG, header_value(&etag(digest.as_str())));
    out.insert(header::LAST_MODIFIED, header_value(&sign::http_date(0)));
    out.insert("x-ms-blob-type", HeaderValue::from_static("BlockBlob"));
    out.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    out.insert("x-ms-server-encrypted", HeaderValue::from_static("false"));
    let status = match &range {
        Some(r) => {
            out.insert(
                header::CONTENT_RANGE,
                header_value(&format!("bytes {}-{}/{size}", r.start, r.end - 1)),
            );
            StatusCode::PARTIAL_CONTENT
        }
        None => StatusCode::OK,
    };
    let length = range.as_ref().map_or(size, |r| r.end - r.start);
    out.insert(header::CONTENT_LENGTH, header_value(&length.to_string()));
    if method == Method::HEAD {
        return Ok((status, out).into_response());
    }
    let (reader, _) = state.store.open(&digest, range).await?;
    let meta = state.meta.clone();
    let touched = digest.to_string();
    blocking(move || Ok(meta.touch(&touched)?)).await?;
    Ok((status, out, Body::from_stream(ReaderStream::new(reader))).into_response())
}

/// `GET` / `HEAD /_gha/blobs/{digest hex}`: Get Blob (Properties), whole or ranged.
pub async fn get(
    State(state): State<Arc<GhaState>>,
    Path(name): Path<String>,
    Query(query): Query<Vec<(String, String)>>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    match get_inner(&state, &name, &query, &method, &headers).await {
        Ok(response) => response,
        Err(e) => azure_error(&headers, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_lists_parse_in_order() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><BlockList><Latest>QQ==</Latest>
            <Uncommitted>Qg==</Uncommitted><Committed>a&amp;b</Committed></BlockList>"#;
        assert_eq!(parse_block_list(xml).unwrap(), ["QQ==", "Qg==", "a&b"]);
        assert!(parse_block_list("<BlockList></BlockList>").is_err());
        assert!(parse_block_list("<BlockList><Foo>x</Foo></BlockList>").is_err());
        assert!(parse_block_list("<BlockList><Latest>x</BlockList>").is_err());
        assert!(parse_block_list("nothing").is_err());
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100).unwrap(), 0..10);
        assert_eq!(parse_range("bytes=90-", 100).unwrap(), 90..100);
        assert_eq!(parse_range("bytes=90-200", 100).unwrap(), 90..100);
        assert!(matches!(
            parse_range("bytes=100-", 100),
            Err(GhaError::Blob(BlobError::RangeNotSatisfiable { .. }))
        ));
        assert!(parse_range("bytes=5-2", 100).is_err());
        assert!(parse_range("items=0-1", 100).is_err());
        assert!(parse_range("bytes=-5", 100).is_err());
    }

    #[test]
    fn block_ids_are_bounded_and_file_safe() {
        let dir = FsPath::new("/s");
        let path = block_path(dir, "a/b+=").unwrap();
        assert_eq!(path, FsPath::new("/s/block-612f622b3d"));
        assert!(block_path(dir, "").is_err());
        assert!(block_path(dir, &"x".repeat(129)).is_err());
    }
}
