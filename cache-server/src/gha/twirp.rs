//! The twirp JSON API of cache service v2, with the protobuf field names `@actions/cache` sends
//! (`useProtoFieldName`) and reads: `CreateCacheEntry` (reserve key+version in the job's write
//! scope, answer a signed upload URL), `FinalizeCacheEntryUpload` (make the uploaded archive the
//! entry, answer its id) and `GetCacheEntryDownloadURL` (search the scope chain, answer a signed
//! download URL and the matched key). Failures are twirp error bodies `{"code":..,"msg":..}`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use super::entries::Hit;
use super::sign::{self, Permission};
use super::{GhaError, GhaState, blocking, scope};
use crate::blobs::BlobError;

/// Path prefix of the twirp methods: `/` and [`rbuild_wire::gha::SERVICE_PATH`].
pub const PREFIX: &str = "/twirp/github.actions.results.api.v1.CacheService/";

/// Longest key GitHub accepts.
const MAX_KEY: usize = 512;

use rbuild_wire::gha::{
    CreateCacheEntryRequest as CreateRequest, CreateCacheEntryResponse as CreateResponse,
    FinalizeCacheEntryUploadRequest as FinalizeRequest,
    FinalizeCacheEntryUploadResponse as FinalizeResponse,
    GetCacheEntryDownloadUrlRequest as DownloadRequest,
    GetCacheEntryDownloadUrlResponse as DownloadResponse,
};

/// A twirp error: its code, HTTP status and message.
fn twirp_error(err: &GhaError) -> Response {
    let (code, status) = match err {
        GhaError::BadToken(_) => ("unauthenticated", StatusCode::UNAUTHORIZED),
        GhaError::ReadOnly | GhaError::Sign(_) => ("permission_denied", StatusCode::FORBIDDEN),
        GhaError::AlreadyExists { .. } => ("already_exists", StatusCode::CONFLICT),
        GhaError::NotReserved { .. } | GhaError::UnknownUpload => {
            ("not_found", StatusCode::NOT_FOUND)
        }
        GhaError::NotUploaded { .. } => ("failed_precondition", StatusCode::PRECONDITION_FAILED),
        GhaError::SizeMismatch { .. }
        | GhaError::InvalidArgument(_)
        | GhaError::UnknownBlock(_)
        | GhaError::Body(_) => ("invalid_argument", StatusCode::BAD_REQUEST),
        GhaError::Blob(BlobError::NotFound(_)) => ("not_found", StatusCode::NOT_FOUND),
        GhaError::RateLimited { .. } => ("resource_exhausted", StatusCode::TOO_MANY_REQUESTS),
        GhaError::TooLarge { .. } => ("invalid_argument", StatusCode::PAYLOAD_TOO_LARGE),
        GhaError::Record(_)
        | GhaError::Meta(_)
        | GhaError::Blob(_)
        | GhaError::Io { .. }
        | GhaError::Task(_) => ("internal", StatusCode::INTERNAL_SERVER_ERROR),
    };
    if status.is_server_error() {
        tracing::error!(error = %err, "gha twirp request failed");
    } else {
        tracing::debug!(error = %err, code, "gha twirp request refused");
    }
    let body = serde_json::json!({ "code": code, "msg": err.to_string() });
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response();
    if let GhaError::RateLimited { retry_after } = err {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(*retry_after));
    }
    response
}

fn json<T: Serialize>(value: &T) -> Response {
    match serde_json::to_string(value) {
        Ok(body) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
        Err(e) => twirp_error(&GhaError::Record(e.to_string())),
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// Where signed URLs point: the configured public URL, else the address the client used.
fn base_url(state: &GhaState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.public_url {
        return url.clone();
    }
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let proto = get("x-forwarded-proto").unwrap_or("http");
    let host = get("x-forwarded-host")
        .or_else(|| get("host"))
        .unwrap_or("127.0.0.1");
    format!("{proto}://{host}")
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, GhaError> {
    serde_json::from_slice(body)
        .map_err(|e| GhaError::InvalidArgument(format!("request is not the expected JSON: {e}")))
}

fn check_key(key: &str) -> Result<(), GhaError> {
    if key.is_empty() || key.len() > MAX_KEY || key.contains(',') {
        return Err(GhaError::InvalidArgument(format!(
            "key {key:?} must be 1..={MAX_KEY} bytes without commas"
        )));
    }
    Ok(())
}

fn check_version(version: &str) -> Result<(), GhaError> {
    if version.is_empty() {
        return Err(GhaError::InvalidArgument("version is required".into()));
    }
    Ok(())
}

/// The largest twirp request body read: the messages are a key, a version and a few fields.
pub const MAX_BODY: usize = 64 << 10;

/// `POST /twirp/github.actions.results.api.v1.CacheService/{method}`. The caller's token is
/// checked before any of the body is read, and at most [`MAX_BODY`] bytes of it are: an
/// unauthenticated or oversized request is answered without buffering what it sends.
pub async fn handle(
    State(state): State<Arc<GhaState>>,
    Path(method): Path<String>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/json");
    if !content_type.starts_with("application/json") {
        let err = GhaError::InvalidArgument(format!(
            "content type {content_type:?} is not served; use application/json"
        ));
        return twirp_error(&err);
    }
    let chain = match (state.resolver)(bearer(&headers)) {
        Ok(chain) => chain,
        Err(e) => return twirp_error(&e),
    };
    let announced = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let read = match announced {
        Some(n) if n > MAX_BODY as u64 => None,
        _ => axum::body::to_bytes(body, MAX_BODY).await.ok(),
    };
    let Some(body) = read else {
        return twirp_error(&GhaError::TooLarge { max: MAX_BODY });
    };
    let base = base_url(&state, &headers);
    let result = match method.as_str() {
        "CreateCacheEntry" => match admit(&state, &chain) {
            Ok(()) => create(&state, chain, &base, &body).await,
            Err(e) => Err(e),
        },
        "FinalizeCacheEntryUpload" => finalize(&state, chain, &body).await,
        "GetCacheEntryDownloadURL" => download(&state, chain, &base, &body).await,
        _ => {
            let body = serde_json::json!({
                "code": "bad_route",
                "msg": format!("no method {method:?} in CacheService"),
            });
            return (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "application/json")],
                body.to_string(),
            )
                .into_response();
        }
    };
    result.unwrap_or_else(|e| twirp_error(&e))
}

/// The checks of a `CreateCacheEntry` call before it is served: a caller that may not write
/// is refused first (and spends no budget), then `limits.gha_uploads_per_minute` for the scope
/// it writes.
fn admit(state: &GhaState, chain: &scope::ScopeChain) -> Result<(), GhaError> {
    let scope = chain.write.as_deref().ok_or(GhaError::ReadOnly)?;
    match &state.limiter {
        Some(limiter) => limiter
            .admit(scope, std::time::Instant::now())
            .map_err(|retry_after| GhaError::RateLimited { retry_after }),
        None => Ok(()),
    }
}

async fn create(
    state: &GhaState,
    chain: scope::ScopeChain,
    base: &str,
    body: &[u8],
) -> Result<Response, GhaError> {
    let req: CreateRequest = parse(body)?;
    check_key(&req.key)?;
    check_version(&req.version)?;
    let scope = chain.write.ok_or(GhaError::ReadOnly)?;
    let upload_id = uuid::Uuid::new_v4().to_string();
    let entries = state.entries.clone();
    let now = sign::now();
    let id = upload_id.clone();
    let key = req.key.clone();
    blocking(move || entries.reserve(&scope, &key, &req.version, &id, now)).await?;
    let path = state
        .signer
        .path(Permission::Write, &upload_id, now + state.url_ttl);
    tracing::info!(key = %req.key, upload = %upload_id, "gha cache entry reserved");
    Ok(json(&CreateResponse {
        ok: true,
        signed_upload_url: format!("{base}{path}"),
    }))
}

async fn finalize(
    state: &GhaState,
    chain: scope::ScopeChain,
    body: &[u8],
) -> Result<Response, GhaError> {
    let req: FinalizeRequest = parse(body)?;
    check_key(&req.key)?;
    check_version(&req.version)?;
    let size = req.size_bytes;
    let scope = chain.write.ok_or(GhaError::ReadOnly)?;
    let entries = state.entries.clone();
    let meta = state.meta.clone();
    let key = req.key.clone();
    let record = blocking(move || {
        let record = entries.finalize(&scope, &key, &req.version, size)?;
        if let Some(blob) = &record.blob {
            meta.link_blob(&scope::repository_of(&scope), &blob.digest, blob.size)?;
            meta.touch(&blob.digest)?;
        }
        Ok(record)
    })
    .await?;
    let dir = state.staging.join(&record.upload);
    match tokio::fs::remove_dir_all(&dir).await {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            tracing::warn!(dir = %dir.display(), error = %e, "removing gha staging");
        }
        _ => {}
    }
    tracing::info!(key = %req.key, id = record.id, "gha cache entry finalized");
    Ok(json(&FinalizeResponse {
        ok: true,
        entry_id: record.id.to_string(),
    }))
}

async fn download(
    state: &GhaState,
    chain: scope::ScopeChain,
    base: &str,
    body: &[u8],
) -> Result<Response, GhaError> {
    let req: DownloadRequest = parse(body)?;
    check_key(&req.key)?;
    for key in &req.restore_keys {
        check_key(key)?;
    }
    check_version(&req.version)?;
    let entries = state.entries.clone();
    let hit: Option<Hit> = blocking(move || {
        let hit = entries.lookup(&chain.read, &req.key, &req.restore_keys, &req.version)?;
        if let Some(hit) = &hit {
            // The entry's last access, for expiry and least-recently-used eviction (the blob
            // download that follows touches the blob, which eviction counts too).
            entries.touch(&hit.scope, &hit.key, &req.version, sign::now())?;
        }
        Ok(hit)
    })
    .await?;
    let Some(hit) = hit else {
        return Ok(json(&DownloadResponse {
            ok: false,
            signed_download_url: String::new(),
            matched_key: String::new(),
        }));
    };
    let name = hit.blob.digest.strip_prefix("sha256:").unwrap_or_default();
    let path = state
        .signer
        .path(Permission::Read, name, sign::now() + state.url_ttl);
    tracing::debug!(key = %hit.key, scope = %hit.scope, "gha cache hit");
    Ok(json(&DownloadResponse {
        ok: true,
        signed_download_url: format!("{base}{path}"),
        matched_key: hit.key,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prefix_is_the_shared_service_path() {
        assert_eq!(PREFIX, format!("/{}", rbuild_wire::gha::SERVICE_PATH));
    }

    #[test]
    fn keys_are_checked() {
        assert!(check_key("a-b").is_ok());
        assert!(check_key("").is_err());
        assert!(check_key("a,b").is_err());
        assert!(check_key(&"x".repeat(513)).is_err());
    }

    #[test]
    fn rate_limited_creates_are_429_with_retry_after() {
        let response = twirp_error(&GhaError::RateLimited { retry_after: 7 });
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
            Some("7")
        );
    }

    #[test]
    fn bearer_tokens() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer(&headers), None);
        headers.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert_eq!(bearer(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer(&headers), None);
    }
}
