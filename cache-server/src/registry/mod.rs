//! The OCI distribution API (spec v1.1) over the global blob store and the metadata database.
//!
//! Repository names contain slashes, so every `/v2/...` request goes through one handler that
//! splits the path into the repository and the endpoint ([`Endpoint::parse`]) and dispatches on
//! the method.
//!
//! Visibility rules (blobs are stored once, whichever repository pushed them):
//! - A blob is *linked* to a repository (counted in its logical bytes) when it is uploaded or
//!   mounted there, and when a manifest pushed there references it.
//! - `HEAD`/`GET` of a blob succeed only in a repository that links it (before, any tenant
//!   could read any blob by digest); they record the access time and never link.
//! - Cross-repository mount (`POST .../blobs/uploads/?mount=<digest>&from=<repo>`) answers 201
//!   only when `from` links the blob (the middleware has dropped a `from` the caller may not
//!   read); otherwise it starts a session (202), as the spec allows. Query parameters are read
//!   through [`crate::query::QueryParams`], as the middleware reads them.
//! - With a shared S3 store, links are kept in the bucket too ([`links`]), so a blob pushed
//!   through one replica is readable and mountable through another, in the repositories that
//!   link it and no other.
//! - `DELETE` of a blob unlinks it from the repository; once no repository links it, it is
//!   deleted from the store (while another repository links it, it stays readable by digest).
//!   With a shared S3 store the bytes stay (other replicas may link them; see below).
//! - Manifests are visible only in the repositories they were pushed to (or mounted into by an
//!   index push); child manifests of an index and the config and layers of an image must be
//!   stored when the manifest is pushed (`MANIFEST_BLOB_UNKNOWN` otherwise); a `subject` need
//!   not exist.
//!
//! Replicas sharing one S3 store (`Store::s3_refs()` is `Some`): tags live in the bucket
//! ([`crate::s3::refs::S3Refs`]), which is authoritative; this replica's metadata keeps a copy.
//! A manifest PUT by tag writes the tag there last (after bytes and metadata); GET/HEAD by tag,
//! `tags/list` and DELETE of a tag read and write the bucket. A manifest by digest this replica's
//! metadata does not know but the store holds is read through ([`manifest_record`]) when the
//! bucket links it to the repository or a bucket tag of the repository points at it: parsed,
//! recorded and linked to the repository, then served. Upload sessions, access times and
//! `/stats` stay per replica.

pub(crate) mod blobs;
pub mod error;
pub mod links;
mod manifests;
pub mod name;
mod stats;
pub mod uploads;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};

use crate::blobs::{BlobError, Digest};
use crate::evict::Pins;
use crate::meta::Meta;
use crate::store::Store;
pub use error::{RegistryError, Result};
pub use manifests::{manifest_record, tag_target};

/// What the distribution API handlers share.
#[derive(Debug, Clone)]
pub struct RegistryState {
    /// The global blob store.
    pub store: Arc<Store>,
    /// The metadata database.
    pub meta: Arc<Meta>,
    /// Where upload sessions keep their bytes (`<data>/uploads`); on the same filesystem as a
    /// local blob store, so finishing an upload is a rename.
    pub uploads_dir: PathBuf,
    /// One lock per upload session, so two requests on one session never interleave.
    sessions: uploads::SessionLocks,
    /// Pins the evictor respects: held on a digest from writing (or finding) its bytes until it
    /// is linked, so an eviction run never deletes bytes a push is about to link.
    pub pins: Arc<Pins>,
    /// When each digest's access time was last written by a read.
    touched: Arc<Mutex<HashMap<String, Instant>>>,
}

/// Reads record a digest's access time at most this often.
pub const TOUCH_EVERY: Duration = Duration::from_secs(60);

/// Digests the throttle tracks before it drops the expired ones.
const TOUCH_TRACKED: usize = 65_536;

impl RegistryState {
    /// The state over a store, its metadata and the directory of upload sessions.
    pub fn new(store: Arc<Store>, meta: Arc<Meta>, uploads_dir: PathBuf) -> Self {
        Self {
            store,
            meta,
            uploads_dir,
            sessions: uploads::SessionLocks::default(),
            pins: Arc::default(),
            touched: Arc::default(),
        }
    }

    /// Shares the evictor's pins (see [`crate::evict::Pins`]).
    pub fn with_pins(mut self, pins: Arc<Pins>) -> Self {
        self.pins = pins;
        self
    }

    /// Runs a metadata call on the blocking pool.
    pub async fn meta<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Meta) -> std::result::Result<T, crate::meta::MetaError> + Send + 'static,
    {
        let meta = Arc::clone(&self.meta);
        Ok(tokio::task::spawn_blocking(move || f(&meta)).await??)
    }

    /// Records an access to `digest` in the background (reads do not wait for the write), at most
    /// once per [`TOUCH_EVERY`] per digest, so hot blobs do not turn every GET into a database
    /// write.
    pub fn touch(&self, digest: &Digest) {
        {
            let mut touched = self
                .touched
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let now = Instant::now();
            match touched.get(digest.as_str()) {
                Some(last) if now.duration_since(*last) < TOUCH_EVERY => return,
                _ => {
                    if touched.len() >= TOUCH_TRACKED {
                        // Entries older than the interval no longer throttle anything.
                        touched.retain(|_, last| now.duration_since(*last) < TOUCH_EVERY);
                    }
                    touched.insert(digest.as_str().to_string(), now);
                }
            }
        }
        let meta = Arc::clone(&self.meta);
        let digest = digest.as_str().to_string();
        tokio::task::spawn_blocking(move || {
            if let Err(e) = meta.touch(&digest) {
                tracing::warn!(%digest, error = %e, "recording access failed");
            }
        });
    }
}

/// The distribution API's routes: `/v2/` and everything under it, plus `/stats` and `/healthz`.
pub fn router(state: RegistryState) -> Router {
    Router::new()
        .route("/v2", any(base))
        .route("/v2/", any(base))
        .route("/v2/{*rest}", any(dispatch))
        .route("/stats", get(stats::stats))
        .route("/healthz", get(stats::healthz))
        .with_state(state)
}

/// The header every distribution API response carries.
pub const API_VERSION: (&str, &str) = ("Docker-Distribution-API-Version", "registry/2.0");

async fn base(method: Method) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return RegistryError::Unsupported(format!("{method} /v2/")).into_response();
    }
    let mut response = (StatusCode::OK, axum::Json(serde_json::json!({}))).into_response();
    response
        .headers_mut()
        .insert(API_VERSION.0, HeaderValue::from_static(API_VERSION.1));
    response
}

/// What a `/v2/<name>/...` path addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// `/v2/<name>/blobs/<digest>`
    Blob(String),
    /// `/v2/<name>/blobs/uploads/`
    UploadStart,
    /// `/v2/<name>/blobs/uploads/<id>`
    Upload(String),
    /// `/v2/<name>/manifests/<reference>`
    Manifest(String),
    /// `/v2/<name>/tags/list`
    Tags,
    /// `/v2/<name>/referrers/<digest>`
    Referrers(String),
}

impl Endpoint {
    /// Splits the path after `/v2/` into the repository name and the endpoint. The name is not
    /// validated here ([`name::validate`]).
    pub fn parse(rest: &str) -> Option<(&str, Endpoint)> {
        if let Some(name) = rest.strip_suffix("/tags/list") {
            return Some((name, Endpoint::Tags));
        }
        if let Some(name) = rest
            .strip_suffix("/blobs/uploads/")
            .or_else(|| rest.strip_suffix("/blobs/uploads"))
        {
            return Some((name, Endpoint::UploadStart));
        }
        let (head, last) = rest.rsplit_once('/')?;
        if last.is_empty() {
            return None;
        }
        let last = last.to_string();
        if let Some(name) = head.strip_suffix("/blobs/uploads") {
            return Some((name, Endpoint::Upload(last)));
        }
        if let Some(name) = head.strip_suffix("/blobs") {
            return Some((name, Endpoint::Blob(last)));
        }
        if let Some(name) = head.strip_suffix("/manifests") {
            return Some((name, Endpoint::Manifest(last)));
        }
        if let Some(name) = head.strip_suffix("/referrers") {
            return Some((name, Endpoint::Referrers(last)));
        }
        None
    }
}

/// Parses a digest from a path or query, as `DIGEST_INVALID`.
pub(crate) fn parse_digest(s: &str) -> Result<Digest> {
    crate::blobs::parse_digest(s)
        .map_err(|e: BlobError| RegistryError::DigestInvalid(e.to_string()))
}

/// [`parse_digest`] for a read or delete: a well-formed digest of another algorithm than sha256
/// (`sha512:` and 128 hex digits) names nothing this server stores, so it is unknown (404, as
/// the distribution registry answers), not invalid; `unknown` makes the error.
pub(crate) fn parse_stored_digest(
    s: &str,
    unknown: impl FnOnce(String) -> RegistryError,
) -> Result<Digest> {
    parse_digest(s).map_err(|e| {
        let well_formed = s.strip_prefix("sha512:").is_some_and(|hex| {
            hex.len() == 128
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        });
        if well_formed {
            unknown(s.to_string())
        } else {
            e
        }
    })
}

async fn dispatch(State(state): State<RegistryState>, request: Request<Body>) -> Response {
    let path = request.uri().path().to_string();
    let rest = path.strip_prefix("/v2/").unwrap_or_default();
    if rest == "_catalog" {
        let result = match *request.method() {
            Method::GET => manifests::catalog(&state, request.uri()).await,
            _ => Err(RegistryError::Unsupported(format!(
                "{} {path}",
                request.method()
            ))),
        };
        return with_version(result);
    }
    let Some((name, endpoint)) = Endpoint::parse(rest) else {
        return with_version(Err(RegistryError::NotFound(path.clone())));
    };
    if let Err(e) = name::validate(name) {
        return with_version(Err(e));
    }
    let name = name.to_string();
    let method = request.method().clone();
    let result = match (&endpoint, &method) {
        (Endpoint::Blob(d), &Method::GET | &Method::HEAD) => {
            blobs::get(&state, &name, d, &method, request.headers()).await
        }
        (Endpoint::Blob(d), &Method::DELETE) => blobs::delete(&state, &name, d).await,
        (Endpoint::UploadStart, &Method::POST) => uploads::start(&state, &name, request).await,
        (Endpoint::Upload(id), &Method::GET) => uploads::status(&state, &name, id).await,
        (Endpoint::Upload(id), &Method::PATCH) => uploads::patch(&state, &name, id, request).await,
        (Endpoint::Upload(id), &Method::PUT) => uploads::finish(&state, &name, id, request).await,
        (Endpoint::Upload(id), &Method::DELETE) => uploads::cancel(&state, &name, id).await,
        (Endpoint::Manifest(r), &Method::GET | &Method::HEAD) => {
            manifests::get(&state, &name, r, &method).await
        }
        (Endpoint::Manifest(r), &Method::PUT) => manifests::put(&state, &name, r, request).await,
        (Endpoint::Manifest(r), &Method::DELETE) => manifests::delete(&state, &name, r).await,
        (Endpoint::Tags, &Method::GET) => manifests::tags(&state, &name, request.uri()).await,
        (Endpoint::Referrers(d), &Method::GET) => {
            manifests::referrers(&state, &name, d, request.uri()).await
        }
        _ => Err(RegistryError::Unsupported(format!("{method} {path}"))),
    };
    with_version(result)
}

fn with_version(result: Result<Response>) -> Response {
    let mut response = result.unwrap_or_else(IntoResponse::into_response);
    response
        .headers_mut()
        .insert(API_VERSION.0, HeaderValue::from_static(API_VERSION.1));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_split_names_with_slashes() {
        let d = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            Endpoint::parse(&format!("p/s/blobs/{d}")),
            Some(("p/s", Endpoint::Blob(d.clone())))
        );
        assert_eq!(
            Endpoint::parse("a/b/c/blobs/uploads/"),
            Some(("a/b/c", Endpoint::UploadStart))
        );
        assert_eq!(
            Endpoint::parse("a/blobs/uploads/123"),
            Some(("a", Endpoint::Upload("123".into())))
        );
        assert_eq!(
            Endpoint::parse("x/manifests/latest"),
            Some(("x", Endpoint::Manifest("latest".into())))
        );
        // A repository may itself be called "manifests" or "blobs".
        assert_eq!(
            Endpoint::parse("blobs/manifests/v1"),
            Some(("blobs", Endpoint::Manifest("v1".into())))
        );
        assert_eq!(Endpoint::parse("x/tags/list"), Some(("x", Endpoint::Tags)));
        assert_eq!(
            Endpoint::parse(&format!("x/referrers/{d}")),
            Some(("x", Endpoint::Referrers(d)))
        );
        assert_eq!(Endpoint::parse("x/other/thing"), None);
        assert_eq!(Endpoint::parse("x/manifests/"), None);
    }
}
