//! `HEAD`/`GET`/`DELETE /v2/<name>/blobs/<digest>`: blobs streamed from the store, whole or one
//! byte range (`Range: bytes=a-b`, `bytes=a-`, `bytes=-n`), never buffered.

use std::ops::Range;

use axum::body::Body;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio_util::io::ReaderStream;

use super::error::{RegistryError, Result};
use super::{RegistryState, links, parse_stored_digest};
use crate::blobs::BlobStore;

/// Serves a blob the repository `name` links (see the module rules in [`super`]).
pub async fn get(
    state: &RegistryState,
    name: &str,
    digest: &str,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Response> {
    let digest = parse_stored_digest(digest, RegistryError::BlobUnknown)?;
    if !links::is_linked(state, name, digest.as_str()).await? {
        return Err(RegistryError::BlobUnknown(digest.to_string()));
    }
    let size = state
        .store
        .stat(&digest)
        .await?
        .ok_or_else(|| RegistryError::BlobUnknown(digest.to_string()))?;
    let range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(spec) => parse_range(spec, size)?,
        None => None,
    };
    state.touch(&digest);
    let mut builder = Response::builder()
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header(header::ACCEPT_RANGES, "bytes")
        .header("Docker-Content-Digest", digest.as_str())
        .header(header::ETAG, format!("\"{digest}\""));
    let len = match &range {
        Some(r) => {
            builder = builder.status(StatusCode::PARTIAL_CONTENT).header(
                header::CONTENT_RANGE,
                format!("bytes {}-{}/{size}", r.start, r.end.saturating_sub(1)),
            );
            r.end - r.start
        }
        None => size,
    };
    builder = builder.header(header::CONTENT_LENGTH, len);
    let body = if method == Method::HEAD {
        Body::empty()
    } else {
        let (reader, _) = state.store.open(&digest, range).await?;
        Body::from_stream(ReaderStream::with_capacity(reader, READ_CHUNK))
    };
    builder
        .body(body)
        .map_err(|e| RegistryError::BlobUploadInvalid(e.to_string()))
}

/// Bytes read from the store per chunk of a blob response. Every read of a local file is a trip
/// through tokio's blocking pool, so chunks much smaller than this cost throughput when many
/// clients read at once (bench/cache-server-load.sh: 50 readers of one 1 GiB blob); each reader
/// holds about two chunks, 50 readers about 50 MB.
const READ_CHUNK: usize = 512 * 1024;

/// Unlinks a blob from the repository. Once no repository links it, it is deleted from the
/// store too (so a GET after the DELETE is 404, as the spec's conformance test expects); while
/// another repository links it, the bytes stay and remain readable by digest.
pub async fn delete(state: &RegistryState, name: &str, digest: &str) -> Result<Response> {
    let digest = parse_stored_digest(digest, RegistryError::BlobUnknown)?;
    if !links::unlink(state, name, digest.as_str()).await? {
        return Err(RegistryError::BlobUnknown(digest.to_string()));
    }
    let key = digest.as_str().to_string();
    let orphan = !state.meta(move |m| m.linked_anywhere(&key)).await?;
    if orphan {
        // Metadata first, then bytes: a crash in between leaves bytes nobody names (swept by
        // the evictor), never a record naming missing bytes.
        let key = digest.as_str().to_string();
        state.meta(move |m| m.forget_blob(&key)).await?;
        if state.store.s3_refs().is_some() {
            // Other replicas sharing the store may link it in their own metadata: only the
            // evicting replica deletes shared bytes.
            tracing::info!(%digest, repository = name, "blob unlinked; kept in the shared store");
        } else {
            state.store.delete(&digest).await?;
            tracing::info!(%digest, repository = name, "blob deleted: no repository links it");
        }
    }
    Ok((StatusCode::ACCEPTED, [(header::CONTENT_LENGTH, "0")]).into_response())
}

/// Parses one `Range: bytes=...` of a blob of `size` bytes into a half-open range. A header this
/// server does not understand (several ranges, other units) is ignored: the whole blob is served,
/// as RFC 9110 allows. A range outside the blob is `416`.
pub fn parse_range(spec: &str, size: u64) -> Result<Option<Range<u64>>> {
    let Some(spec) = spec.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let Some((a, b)) = spec.split_once('-') else {
        return Ok(None);
    };
    let (a, b) = (a.trim(), b.trim());
    let unsatisfiable = || RegistryError::RangeNotSatisfiable { size };
    let range = if a.is_empty() {
        // Suffix: the last n bytes.
        let Ok(n) = b.parse::<u64>() else {
            return Ok(None);
        };
        if n == 0 {
            return Err(unsatisfiable());
        }
        size.saturating_sub(n)..size
    } else {
        let Ok(start) = a.parse::<u64>() else {
            return Ok(None);
        };
        let end = if b.is_empty() {
            size
        } else {
            let Ok(last) = b.parse::<u64>() else {
                return Ok(None);
            };
            if last < start {
                return Ok(None);
            }
            last.saturating_add(1).min(size)
        };
        if start >= size {
            return Err(unsatisfiable());
        }
        start..end
    };
    Ok(Some(range))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("bytes=0-9", 100).unwrap(), Some(0..10));
        assert_eq!(parse_range("bytes=90-", 100).unwrap(), Some(90..100));
        assert_eq!(parse_range("bytes=90-200", 100).unwrap(), Some(90..100));
        assert_eq!(parse_range("bytes=-10", 100).unwrap(), Some(90..100));
        assert_eq!(parse_range("bytes=-500", 100).unwrap(), Some(0..100));
        assert_eq!(parse_range("bytes=0-1,5-6", 100).unwrap(), None);
        assert_eq!(parse_range("items=0-1", 100).unwrap(), None);
        assert_eq!(parse_range("bytes=5-1", 100).unwrap(), None);
        assert!(matches!(
            parse_range("bytes=100-", 100),
            Err(RegistryError::RangeNotSatisfiable { size: 100 })
        ));
        assert!(parse_range("bytes=-0", 100).is_err());
        assert!(parse_range("bytes=0-0", 0).is_err());
    }
}
