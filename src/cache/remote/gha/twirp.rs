//! The cache service v2's twirp JSON API, as `@actions/cache` calls it:
//! `POST {ACTIONS_RESULTS_URL}/twirp/github.actions.results.api.v1.CacheService/<Method>` with
//! `Authorization: Bearer <ACTIONS_RUNTIME_TOKEN>` and protobuf field names in the bodies.

use serde::Serialize;
use serde::de::DeserializeOwned;

use rbuild_wire::gha::{
    CreateCacheEntryRequest, CreateCacheEntryResponse, FinalizeCacheEntryUploadRequest,
    FinalizeCacheEntryUploadResponse, GetCacheEntryDownloadUrlRequest,
    GetCacheEntryDownloadUrlResponse, SERVICE_PATH,
};

use super::http::{Http, Kind};
use crate::cache::remote::error::RemoteError;

/// Largest answer read (they are a few hundred bytes).
const MAX_ANSWER: usize = 1 << 20;

/// The service's address and the job's token.
#[derive(Clone)]
pub struct Twirp {
    base: String,
    token: String,
}

impl std::fmt::Debug for Twirp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Twirp")
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// What `CreateCacheEntry` answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    /// Reserved: upload to this signed URL, then finalize.
    Upload(String),
    /// The key+version exists in the job's scope, or another job is saving it (HTTP 409).
    Exists,
}

/// An entry found by [`Twirp::lookup`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// The key that matched.
    pub key: String,
    /// Where to download it.
    pub url: String,
}

impl Twirp {
    /// The service at `base` (e.g. `ACTIONS_RESULTS_URL`), called with `token`.
    pub fn new(base: &str, token: &str) -> Self {
        Self {
            base: format!("{}/", base.trim_end_matches('/')),
            token: token.to_string(),
        }
    }

    async fn call<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        http: &Http,
        kind: Kind,
        method: &str,
        subject: &str,
        request: &Req,
    ) -> Result<Option<Resp>, RemoteError> {
        let url = format!("{}{SERVICE_PATH}{method}", self.base);
        let body = serde_json::to_vec(request).unwrap_or_default();
        let what = format!("{method} {subject}");
        let resp = http
            .send(kind, &what, &[409], || {
                http.client()
                    .post(&url)
                    .bearer_auth(&self.token)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .header(reqwest::header::ACCEPT, "application/json")
                    .body(body.clone())
            })
            .await?;
        http.meter.uploaded(body.len() as u64);
        if resp.status().as_u16() == 409 {
            return Ok(None);
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| http.error(format!("{what}: reading the answer: {e}")))?;
        http.meter.downloaded(bytes.len() as u64);
        if bytes.len() > MAX_ANSWER {
            return Err(http.error(format!("{what}: answer of {} bytes", bytes.len())));
        }
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| http.error(format!("{what}: the answer is not the expected JSON: {e}")))
    }

    /// `CreateCacheEntry {key, version}`.
    pub async fn create(
        &self,
        http: &Http,
        key: &str,
        version: &str,
    ) -> Result<Created, RemoteError> {
        let request = CreateCacheEntryRequest {
            key: key.into(),
            version: version.into(),
        };
        let answer: Option<CreateCacheEntryResponse> = self
            .call(http, Kind::Create, "CreateCacheEntry", key, &request)
            .await?;
        match answer {
            None => Ok(Created::Exists),
            Some(a) if a.ok && !a.signed_upload_url.is_empty() => {
                Ok(Created::Upload(a.signed_upload_url))
            }
            Some(_) => Err(http.error(format!(
                "CreateCacheEntry {key}: the service refused the entry (ok: false)"
            ))),
        }
    }

    /// `FinalizeCacheEntryUpload {key, version, size_bytes}`.
    pub async fn finalize(
        &self,
        http: &Http,
        key: &str,
        version: &str,
        size: u64,
    ) -> Result<(), RemoteError> {
        let request = FinalizeCacheEntryUploadRequest {
            key: key.into(),
            version: version.into(),
            size_bytes: Some(size),
        };
        let answer: Option<FinalizeCacheEntryUploadResponse> = self
            .call(
                http,
                Kind::Finalize,
                "FinalizeCacheEntryUpload",
                key,
                &request,
            )
            .await?;
        match answer {
            Some(a) if a.ok => Ok(()),
            _ => Err(http.error(format!(
                "FinalizeCacheEntryUpload {key}: the service did not finalize the entry"
            ))),
        }
    }

    /// `GetCacheEntryDownloadURL {key, restore_keys, version}`: the entry of `key`, else the
    /// newest whose key starts with one of `restore_keys`; `None` on a miss.
    pub async fn lookup(
        &self,
        http: &Http,
        key: &str,
        restore_keys: &[String],
        version: &str,
    ) -> Result<Option<Found>, RemoteError> {
        let request = GetCacheEntryDownloadUrlRequest {
            key: key.into(),
            restore_keys: restore_keys.to_vec(),
            version: version.into(),
        };
        let answer: Option<GetCacheEntryDownloadUrlResponse> = self
            .call(
                http,
                Kind::Lookup,
                "GetCacheEntryDownloadURL",
                key,
                &request,
            )
            .await?;
        Ok(match answer {
            Some(a) if a.ok && !a.signed_download_url.is_empty() => Some(Found {
                key: if a.matched_key.is_empty() {
                    key.to_string()
                } else {
                    a.matched_key
                },
                url: a.signed_download_url,
            }),
            _ => None,
        })
    }
}
