//! GitHub Actions cache service v2, so that a runner pointed at the server
//! (`ACTIONS_RESULTS_URL=http://host:port/`, `ACTIONS_CACHE_SERVICE_V2=true`) gets
//! `actions/cache` (and `@actions/cache` users such as BuildKit's `type=gha`) working.
//!
//! - [`twirp`]: the JSON twirp API `POST /twirp/github.actions.results.api.v1.CacheService/
//!   {CreateCacheEntry,FinalizeCacheEntryUpload,GetCacheEntryDownloadURL}`.
//! - [`blob`]: the signed URLs it hands out, served Azure-Blob style under `/_gha/blobs/`
//!   (`@azure/storage-blob` uploads with Put Blob, or Put Block + Put Block List; downloads are
//!   plain or ranged GETs). An archive is stored once, by digest, in the server's [`Store`].
//! - [`entries`]: entry records (scope, key, version) in the server's redb database.
//! - [`scope`]: the job's scope chain from its runtime token.
//! - [`sign`]: HMAC-signed, expiring blob URLs.
//! - [`limit`]: the optional rate limit on `CreateCacheEntry` (`limits.gha_uploads_per_minute`).
//!
//! Each finalized entry links its blob to the pseudo-repository `_gha/<scope>`
//! ([`scope::repository_of`]) so `/stats` counts it and eviction sees it.

pub mod blob;
pub mod entries;
pub mod limit;
pub mod scope;
pub mod sign;
pub mod tokens;
pub mod twirp;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::routing::{post, put};

use crate::blobs::BlobError;
use crate::meta::{Meta, MetaError};
use crate::store::Store;
pub use scope::{ScopeChain, resolve_scopes};

/// Errors of the GitHub Actions cache service; [`twirp`] and [`blob`] map them to HTTP.
#[derive(Debug, thiserror::Error)]
pub enum GhaError {
    /// The runtime token does not decode.
    #[error("invalid runtime token: {0}")]
    BadToken(String),
    /// The token grants no scope to write to.
    #[error("the runtime token allows no cache writes")]
    ReadOnly,
    /// The entry exists (or another job is saving it) in the writing scope.
    #[error("cache entry {key:?} with this version already exists in this scope")]
    AlreadyExists {
        /// The key.
        key: String,
    },
    /// Finalize of an entry that was never created.
    #[error("no cache entry {key:?} with this version is being uploaded in this scope")]
    NotReserved {
        /// The key.
        key: String,
    },
    /// The upload URL names no upload in progress (finalized or unknown).
    #[error("no such upload in progress")]
    UnknownUpload,
    /// Finalize before the archive was uploaded.
    #[error("cache entry {key:?}: the archive was not uploaded")]
    NotUploaded {
        /// The key.
        key: String,
    },
    /// Finalize with another size than was uploaded.
    #[error("stated size {stated} differs from the {uploaded} bytes uploaded")]
    SizeMismatch {
        /// What the client said.
        stated: u64,
        /// What was uploaded.
        uploaded: u64,
    },
    /// A request field is missing or malformed.
    #[error("invalid request: {0}")]
    InvalidArgument(String),
    /// A block list names a block that was not staged.
    #[error("block {0:?} was not uploaded")]
    UnknownBlock(String),
    /// A stored record does not decode.
    #[error("cache entry record: {0}")]
    Record(String),
    /// The metadata database failed.
    #[error(transparent)]
    Meta(#[from] MetaError),
    /// The blob store failed (or the blob is absent).
    #[error(transparent)]
    Blob(#[from] BlobError),
    /// The signed URL was refused.
    #[error(transparent)]
    Sign(#[from] sign::SignError),
    /// A staging file operation failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Reading the request body failed.
    #[error("reading the request body: {0}")]
    Body(String),
    /// A blocking task panicked or was cancelled.
    #[error("internal task failed: {0}")]
    Task(String),
    /// More entries were created this minute than `limits.gha_uploads_per_minute` allows.
    #[error("too many cache entries created; retry after {retry_after} seconds")]
    RateLimited {
        /// Seconds until a slot frees (the `Retry-After` header).
        retry_after: u64,
    },
    /// A request body over the size a message of this service can have.
    #[error("the request body is over {max} bytes")]
    TooLarge {
        /// The largest body read.
        max: usize,
    },
}

/// Turns a bearer token (or none) into the caller's scope chain.
pub type ScopeResolver = Arc<dyn Fn(Option<&str>) -> Result<ScopeChain, GhaError> + Send + Sync>;

/// Everything the GitHub Actions cache routes need.
#[derive(Clone)]
pub struct GhaState {
    store: Arc<Store>,
    meta: Arc<Meta>,
    entries: entries::Entries,
    signer: sign::Signer,
    staging: PathBuf,
    public_url: Option<String>,
    resolver: ScopeResolver,
    url_ttl: u64,
    limiter: Option<Arc<limit::UploadLimiter>>,
}

impl std::fmt::Debug for GhaState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GhaState")
            .field("staging", &self.staging)
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl GhaState {
    /// State over the server's store and database, signing URLs with `signing_key` and staging
    /// uploaded blocks under `staging` (created; e.g. `<data>/gha-staging`). Scopes come from
    /// [`resolve_scopes`] (unverified tokens: right for an open server only; see
    /// [`GhaState::with_scope_resolver`]).
    pub fn new(
        store: Arc<Store>,
        meta: Arc<Meta>,
        signing_key: impl Into<Vec<u8>>,
        staging: PathBuf,
    ) -> Result<Self, GhaError> {
        std::fs::create_dir_all(&staging).map_err(|source| GhaError::Io {
            op: "create",
            path: staging.clone(),
            source,
        })?;
        let entries = entries::Entries::open(meta.clone())?;
        Ok(Self {
            store,
            meta,
            entries,
            signer: sign::Signer::new(signing_key),
            staging,
            public_url: None,
            resolver: Arc::new(resolve_scopes),
            url_ttl: entries::RESERVATION_TTL,
            limiter: None,
        })
    }

    /// The base URL signed URLs start with (`https://cache.example.com`); without it they start
    /// with `http://<Host header>` (`X-Forwarded-Proto`/`X-Forwarded-Host` honoured).
    pub fn with_public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into().trim_end_matches('/').to_string());
        self
    }

    /// Replaces how bearer tokens become scope chains (a server with tokens checks them first).
    pub fn with_scope_resolver(mut self, resolver: ScopeResolver) -> Self {
        self.resolver = resolver;
        self
    }

    /// Answers `CreateCacheEntry` calls beyond `per_minute` a minute with 429 and
    /// `Retry-After` ([`limit::UploadLimiter`]); 0 keeps them unlimited.
    pub fn with_uploads_per_minute(mut self, per_minute: u64) -> Self {
        self.limiter = limit::UploadLimiter::new(per_minute).map(Arc::new);
        self
    }

    /// Removes the staged blocks of uploads that are gone (finalized, replaced) or older than
    /// [`entries::RESERVATION_TTL`]; call at startup and now and then. Returns how many upload
    /// directories it removed.
    pub async fn sweep_staging(&self) -> Result<usize, GhaError> {
        let io = |op, path: &std::path::Path| {
            let path = path.to_path_buf();
            move |source| GhaError::Io { op, path, source }
        };
        let mut dir = tokio::fs::read_dir(&self.staging)
            .await
            .map_err(io("read", &self.staging))?;
        let now = sign::now();
        let mut removed = 0;
        while let Some(item) = dir.next_entry().await.map_err(io("read", &self.staging))? {
            let name = item.file_name().to_string_lossy().into_owned();
            let entries = self.entries.clone();
            let upload = blocking(move || entries.upload(&name)).await?;
            let stale = upload.is_none_or(|u| {
                u.blob.is_some() || u.created.saturating_add(entries::RESERVATION_TTL) < now
            });
            if stale {
                let path = item.path();
                tokio::fs::remove_dir_all(&path)
                    .await
                    .map_err(io("remove", &path))?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

/// The twirp API and the signed blob URLs, as one router.
pub fn router(state: GhaState) -> Router {
    let state = Arc::new(state);
    Router::new()
        .route(&format!("{}{{method}}", twirp::PREFIX), post(twirp::handle))
        .route(
            &format!("{}{{name}}", sign::BLOB_PATH),
            put(blob::put).get(blob::get).head(blob::get),
        )
        .with_state(state)
}

/// Runs a blocking metadata call off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, GhaError> + Send + 'static,
) -> Result<T, GhaError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| GhaError::Task(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sweep_removes_staging_of_gone_uploads_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::local(dir.path()).await.unwrap());
        let meta = Arc::new(Meta::open(dir.path()).unwrap());
        let staging = dir.path().join("staging");
        let state = GhaState::new(store, meta, b"k".to_vec(), staging.clone()).unwrap();
        state
            .entries
            .reserve("s", "k", "v", "live", sign::now())
            .unwrap();
        state.entries.reserve("s", "old", "v", "old", 1).unwrap();
        for name in ["live", "old", "orphan"] {
            std::fs::create_dir_all(staging.join(name)).unwrap();
            std::fs::write(staging.join(name).join("block-00"), b"x").unwrap();
        }
        assert_eq!(state.sweep_staging().await.unwrap(), 2);
        assert!(staging.join("live/block-00").exists());
        assert!(!staging.join("old").exists());
        assert!(!staging.join("orphan").exists());
    }
}
