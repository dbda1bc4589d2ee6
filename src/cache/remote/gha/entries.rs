//! What pruning needs of GitHub's REST API, as cache defines it: the Actions cache entries of
//! the repository, listed by key prefix and deleted by id. The REST client, in the CI module
//! above cache, implements [`CacheEntries`]; the build hands it down as an [`EntriesApi`], so
//! that nothing here imports that client.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// One Actions cache entry, as the REST API lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheEntry {
    /// Its id (for deletion).
    pub id: u64,
    /// The git ref whose jobs made it (`refs/heads/main`, `refs/pull/7/merge`).
    #[serde(rename = "ref")]
    pub git_ref: String,
    /// Its key.
    pub key: String,
    /// Its size.
    pub size_in_bytes: u64,
    /// When it was made (RFC 3339).
    #[serde(default)]
    pub created_at: String,
    /// When it was last restored (RFC 3339).
    #[serde(default)]
    pub last_accessed_at: String,
}

/// A future an API call returns; its error is the message to report.
pub type ApiFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send + 'a>>;

/// The repository's Actions cache entries: listed and deleted.
pub trait CacheEntries: Send + Sync {
    /// Every entry whose key starts with `prefix`, all refs.
    fn list<'a>(&'a self, prefix: &'a str) -> ApiFuture<'a, Vec<CacheEntry>>;
    /// Deletes entry `id` (one already gone is not an error).
    fn delete(&self, id: u64) -> ApiFuture<'_, ()>;
}

/// Connects to the entries API when `prune=true` needs it (inside the build's tokio runtime);
/// an error says why it cannot (no token, no repository).
#[derive(Clone)]
pub struct EntriesApi(Arc<dyn Fn() -> Result<Arc<dyn CacheEntries>, String> + Send + Sync>);

impl EntriesApi {
    /// An API made by `connect` when first needed.
    pub fn new(
        connect: impl Fn() -> Result<Arc<dyn CacheEntries>, String> + Send + Sync + 'static,
    ) -> Self {
        Self(Arc::new(connect))
    }

    /// Connects.
    pub fn connect(&self) -> Result<Arc<dyn CacheEntries>, String> {
        (self.0)()
    }
}

impl std::fmt::Debug for EntriesApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EntriesApi")
    }
}
