//! Blob uploads: `POST /v2/<name>/blobs/uploads/` (a session, a monolithic upload with
//! `?digest=`, or a cross-repository mount with `?mount=&from=`), chunked `PATCH`, the final `PUT
//! ?digest=` (with an optional last chunk), `GET` status and `DELETE` cancel.
//!
//! A session's bytes go to `<data>/uploads/<id>` and the session (repository, bytes so far) is
//! recorded in the metadata database after each chunk is fsynced, so sessions survive a restart.
//! A chunk first truncates the file to the recorded length, so bytes a crash left past the last
//! acknowledged chunk never count. The final `PUT` hands the file to
//! [`BlobStore::put_file`], which verifies the digest before the blob becomes visible.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt;
use tokio::io::{AsyncBufRead, AsyncSeekExt, AsyncWriteExt};
use tokio_util::io::StreamReader;

use super::error::{RegistryError, Result};
use super::{RegistryState, links, parse_digest};
use crate::blobs::{BlobStore, Digest};
use crate::meta::UploadSession;
use crate::query::QueryParams;

/// The `Range` header of an upload holding `bytes` bytes (`0-<last>`; `0-0` when empty, as
/// distribution answers).
pub fn range_header(bytes: u64) -> String {
    format!("0-{}", bytes.saturating_sub(1))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn body_reader(body: Body) -> impl AsyncBufRead + Send + Unpin {
    StreamReader::new(body.into_data_stream().map_err(std::io::Error::other))
}

fn query(request: &Request) -> QueryParams {
    QueryParams::parse(request.uri().query())
}

/// The single value of `name` in `params` (a repeated parameter is a bad request).
fn unique<'a>(params: &'a QueryParams, name: &str) -> Result<Option<&'a str>> {
    params
        .unique(name)
        .map_err(|e| RegistryError::BlobUploadInvalid(e.to_string()))
}

/// Per-session locks: a PATCH, PUT or DELETE holds its session's lock for the whole request.
#[derive(Debug, Clone, Default)]
pub struct SessionLocks(Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>);

impl SessionLocks {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<tokio::sync::Mutex<()>>>> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits for and takes the lock of session `id`.
    async fn lock(&self, id: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = Arc::clone(self.map().entry(id.to_string()).or_default());
        lock.lock_owned().await
    }

    /// Drops the lock of an ended session.
    fn forget(&self, id: &str) {
        self.map().remove(id);
    }
}

/// Path of a session's bytes.
pub fn session_path(state: &RegistryState, id: &str) -> PathBuf {
    state.uploads_dir.join(id)
}

/// Whether an upload id is one this server hands out (a UUID), so it is safe as a file name.
fn valid_id(id: &str) -> bool {
    uuid::Uuid::parse_str(id).is_ok()
}

fn created(name: &str, digest: &Digest) -> Response {
    (
        StatusCode::CREATED,
        [
            (header::LOCATION, format!("/v2/{name}/blobs/{digest}")),
            (
                header::HeaderName::from_static("docker-content-digest"),
                digest.to_string(),
            ),
            (header::CONTENT_LENGTH, "0".to_string()),
        ],
    )
        .into_response()
}

fn in_progress(status: StatusCode, name: &str, id: &str, bytes: u64) -> Response {
    (
        status,
        [
            (header::LOCATION, format!("/v2/{name}/blobs/uploads/{id}")),
            (header::RANGE, range_header(bytes)),
            (
                header::HeaderName::from_static("docker-upload-uuid"),
                id.to_string(),
            ),
            (header::CONTENT_LENGTH, "0".to_string()),
        ],
    )
        .into_response()
}

/// Links a stored blob of `size` bytes to `name` (here and, shared store, in the bucket).
async fn link(state: &RegistryState, name: &str, digest: &Digest, size: u64) -> Result<()> {
    links::link(state, name, vec![(digest.as_str().to_string(), size)]).await
}

/// Whether `digest` may be mounted from repository `from`: `from` links it, here or (shared
/// store: another replica may have taken the push) in the bucket. The authorization middleware
/// has checked that the caller may read `from`.
async fn mountable(state: &RegistryState, from: &str, digest: &Digest) -> Result<bool> {
    links::is_linked(state, from, digest.as_str()).await
}

/// `POST /v2/<name>/blobs/uploads/`.
pub async fn start(state: &RegistryState, name: &str, request: Request) -> Result<Response> {
    let params = query(&request);
    if let Some(mount) = unique(&params, "mount")? {
        let digest = parse_digest(mount)?;
        let from = unique(&params, "from")?;
        let _pin = state.pins.pin(digest.as_str()).await;
        if let Some(from) = from
            && mountable(state, from, &digest).await?
            && let Some(size) = state.store.stat(&digest).await?
        {
            link(state, name, &digest, size).await?;
            return Ok(created(name, &digest));
        }
        // Not in `from` (or no `from`): the spec says to fall back to a new session.
    } else if let Some(digest) = unique(&params, "digest")? {
        let digest = parse_digest(digest)?;
        let _pin = state.pins.pin(digest.as_str()).await;
        let size = state
            .store
            .put(&digest, body_reader(request.into_body()))
            .await?;
        link(state, name, &digest, size).await?;
        return Ok(created(name, &digest));
    }
    let id = uuid::Uuid::new_v4().to_string();
    let path = session_path(state, &id);
    tokio::fs::File::create(&path)
        .await
        .map_err(RegistryError::io("create"))?;
    let session = UploadSession {
        repository: name.to_string(),
        started: now(),
        bytes: 0,
    };
    let key = id.clone();
    state.meta(move |m| m.put_upload(&key, &session)).await?;
    Ok(in_progress(StatusCode::ACCEPTED, name, &id, 0))
}

/// The session `id` of repository `name`.
async fn session(state: &RegistryState, name: &str, id: &str) -> Result<UploadSession> {
    let unknown = || RegistryError::BlobUploadUnknown(id.to_string());
    if !valid_id(id) {
        return Err(unknown());
    }
    let key = id.to_string();
    let session = state.meta(move |m| m.get_upload(&key)).await?;
    session.filter(|s| s.repository == name).ok_or_else(unknown)
}

/// The session `id` of repository `name`, read while holding its lock (a request that waited
/// for the lock sees what the one before it recorded).
async fn locked_session(
    state: &RegistryState,
    name: &str,
    id: &str,
) -> Result<(UploadSession, tokio::sync::OwnedMutexGuard<()>)> {
    if !valid_id(id) {
        return Err(RegistryError::BlobUploadUnknown(id.to_string()));
    }
    let guard = state.sessions.lock(id).await;
    match session(state, name, id).await {
        Ok(session) => Ok((session, guard)),
        Err(e) => {
            drop(guard);
            state.sessions.forget(id);
            Err(e)
        }
    }
}

/// Parses `Content-Range: <start>-<end>` (a `bytes ` or `bytes=` prefix is tolerated).
fn content_range(headers: &HeaderMap) -> Result<Option<(u64, u64)>> {
    let Some(value) = headers.get(header::CONTENT_RANGE) else {
        return Ok(None);
    };
    let invalid = || RegistryError::BlobUploadInvalid(format!("bad Content-Range {value:?}"));
    let text = value.to_str().map_err(|_| invalid())?.trim();
    let text = text
        .strip_prefix("bytes=")
        .or_else(|| text.strip_prefix("bytes "))
        .unwrap_or(text);
    let text = text.split('/').next().unwrap_or_default();
    let (a, b) = text.split_once('-').ok_or_else(invalid)?;
    let a = a.trim().parse::<u64>().map_err(|_| invalid())?;
    let b = b.trim().parse::<u64>().map_err(|_| invalid())?;
    if b < a {
        return Err(invalid());
    }
    Ok(Some((a, b)))
}

/// Appends a request body to the session file at `path` after its first `have` bytes; returns
/// the new length. The file is fsynced before returning.
async fn append(path: &Path, have: u64, body: Body) -> Result<u64> {
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .await
        .map_err(RegistryError::io("open"))?;
    file.set_len(have)
        .await
        .map_err(RegistryError::io("truncate"))?;
    file.seek(std::io::SeekFrom::Start(have))
        .await
        .map_err(RegistryError::io("seek"))?;
    let mut reader = body_reader(body);
    let written = tokio::io::copy_buf(&mut reader, &mut file)
        .await
        .map_err(RegistryError::io("write"))?;
    file.flush().await.map_err(RegistryError::io("write"))?;
    file.sync_data().await.map_err(RegistryError::io("fsync"))?;
    Ok(have + written)
}

/// Appends the request's body as a chunk, checking its `Content-Range`; records the new length.
async fn chunk(
    state: &RegistryState,
    id: &str,
    mut session: UploadSession,
    request: Request,
) -> Result<UploadSession> {
    let range = content_range(request.headers())?;
    if let Some((start, _)) = range
        && start != session.bytes
    {
        return Err(RegistryError::ChunkOutOfOrder {
            have: session.bytes,
            start,
        });
    }
    let path = session_path(state, id);
    let have = session.bytes;
    let total = append(&path, have, request.into_body()).await?;
    // An empty body with a Content-Range (a final PUT repeating the last range) adds nothing.
    if let Some((start, end)) = range
        && total != have
    {
        let announced = (end - start).saturating_add(1);
        if total - have != announced {
            // The body does not match its Content-Range: drop it, keep the session as it was.
            let _ = append(&path, have, Body::empty()).await;
            return Err(RegistryError::SizeInvalid(format!(
                "Content-Range {start}-{end} announced {announced} bytes, body had {}",
                total - have
            )));
        }
    }
    if total != have {
        session.bytes = total;
        let (key, record) = (id.to_string(), session.clone());
        state.meta(move |m| m.put_upload(&key, &record)).await?;
    }
    Ok(session)
}

/// `PATCH /v2/<name>/blobs/uploads/<id>`: one chunk.
pub async fn patch(
    state: &RegistryState,
    name: &str,
    id: &str,
    request: Request,
) -> Result<Response> {
    let (session, _lock) = locked_session(state, name, id).await?;
    let session = chunk(state, id, session, request).await?;
    Ok(in_progress(StatusCode::ACCEPTED, name, id, session.bytes))
}

/// `GET /v2/<name>/blobs/uploads/<id>`: how many bytes the session holds.
pub async fn status(state: &RegistryState, name: &str, id: &str) -> Result<Response> {
    let session = session(state, name, id).await?;
    Ok(in_progress(StatusCode::NO_CONTENT, name, id, session.bytes))
}

/// Removes a session's record and file (also what the sweep of stale sessions calls).
pub async fn end_session(state: &RegistryState, id: &str) -> Result<()> {
    let key = id.to_string();
    state.meta(move |m| m.delete_upload(&key)).await?;
    state.sessions.forget(id);
    match tokio::fs::remove_file(session_path(state, id)).await {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(RegistryError::io("remove")(e)),
    }
}

/// `PUT /v2/<name>/blobs/uploads/<id>?digest=`: the optional last chunk, then verification; the
/// blob becomes visible only if it hashes to the digest. A mismatch ends the session.
pub async fn finish(
    state: &RegistryState,
    name: &str,
    id: &str,
    request: Request,
) -> Result<Response> {
    let (session, _lock) = locked_session(state, name, id).await?;
    let params = query(&request);
    let digest = unique(&params, "digest")?
        .map(parse_digest)
        .transpose()?
        .ok_or_else(|| RegistryError::DigestInvalid("PUT without ?digest=".into()))?;
    let session = chunk(state, id, session, request).await?;
    let path = session_path(state, id);
    let _pin = state.pins.pin(digest.as_str()).await;
    let result = state.store.put_file(&digest, &path).await;
    end_session(state, id).await?;
    let size = result?;
    if size != session.bytes {
        tracing::warn!(%digest, size, expected = session.bytes, "upload size differs from session");
    }
    link(state, name, &digest, size).await?;
    Ok(created(name, &digest))
}

/// `DELETE /v2/<name>/blobs/uploads/<id>`: cancels the session.
pub async fn cancel(state: &RegistryState, name: &str, id: &str) -> Result<Response> {
    let (_, _lock) = locked_session(state, name, id).await?;
    end_session(state, id).await?;
    Ok((StatusCode::NO_CONTENT, [(header::CONTENT_LENGTH, "0")]).into_response())
}

/// Removes files in the uploads directory that no session records (left by a crash between
/// creating the file and recording the session, or by a cancelled session); call at startup.
pub async fn sweep_orphans(state: &RegistryState) -> Result<usize> {
    let dir = &state.uploads_dir;
    let mut entries = tokio::fs::read_dir(dir)
        .await
        .map_err(RegistryError::io("read uploads"))?;
    let mut removed = 0;
    while let Some(entry) = entries
        .next_entry()
        .await
        .map_err(RegistryError::io("read uploads"))?
    {
        let id = entry.file_name().to_string_lossy().to_string();
        let key = id.clone();
        let known = state.meta(move |m| m.get_upload(&key)).await?.is_some();
        if !known {
            tokio::fs::remove_file(entry.path())
                .await
                .map_err(RegistryError::io("remove"))?;
            removed += 1;
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn range_headers() {
        assert_eq!(range_header(0), "0-0");
        assert_eq!(range_header(10), "0-9");
    }

    #[test]
    fn content_ranges() {
        let mut headers = HeaderMap::new();
        assert_eq!(content_range(&headers).unwrap(), None);
        headers.insert(header::CONTENT_RANGE, HeaderValue::from_static("10-19"));
        assert_eq!(content_range(&headers).unwrap(), Some((10, 19)));
        headers.insert(
            header::CONTENT_RANGE,
            HeaderValue::from_static("bytes 0-9/*"),
        );
        assert_eq!(content_range(&headers).unwrap(), Some((0, 9)));
        headers.insert(header::CONTENT_RANGE, HeaderValue::from_static("9-0"));
        assert!(content_range(&headers).is_err());
        headers.insert(header::CONTENT_RANGE, HeaderValue::from_static("x"));
        assert!(content_range(&headers).is_err());
    }
}
