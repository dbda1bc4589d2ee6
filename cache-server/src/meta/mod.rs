//! Metadata of the cache server in one redb database, `<data>/meta.redb`: repositories and the
//! blobs linked to them, tags, manifests, per-repository logical bytes, last access times and
//! upload sessions, plus the indexes eviction needs so that no operation scans a whole table.
//!
//! Blobs are global (stored once, [`crate::blobs`]); a repository only *links* them. Linking
//! counts the blob's size into the repository's logical bytes once per repository, and into the
//! stored bytes once overall, so [`Meta::stats`] shows the deduplication. Manifests are linked the
//! same way (their bytes live in the blob store too). Every call is one redb transaction and
//! blocks: async callers use `tokio::task::spawn_blocking`.
//!
//! Indexes kept in step with the primary tables, in the same transactions:
//! - `blob_repos` (digest, repository): the repositories linking a digest;
//! - `referrers` (digest, manifest): the manifests referencing a blob or child manifest, so
//!   "unreferenced" is one lookup;
//! - `access_order` (time, digest): the `access` table ordered by time, for least-recently-used,
//!   and `manifest_order`, the same for manifests only;
//! - `pushed` manifest -> push time, for the eviction grace period;
//! - `tag_index` (manifest, repository, tag): the tags pointing at a manifest;
//! - `upload_seen` upload id -> last update, for the stale-session sweep;
//! - `pending_deletes` digest -> time: digests eviction removed from the metadata whose bytes
//!   are still to be deleted from the blob store (metadata goes first, so a crash never leaves
//!   a manifest pointing at a missing blob);
//! - `broken` manifest: manifests one of whose references was forgotten, removed by the next
//!   eviction run;
//! - `unreferenced` digest: stored blobs that are no manifest, that no manifest references and
//!   that no GitHub Actions cache entry links, so the sweep of unreferenced blobs reads only them.

mod access;
mod blobs;
mod manifests;
mod repair;
#[cfg(test)]
mod tests;
mod txn;
mod uploads;

use repair::*;

use std::collections::HashSet;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use redb::{
    Database, ReadTransaction, ReadableDatabase, ReadableTable, ReadableTableMetadata,
    TableDefinition, WriteTransaction,
};
use serde::{Deserialize, Serialize};

/// repository -> logical bytes linked to it.
const REPOS: TableDefinition<&str, u64> = TableDefinition::new("repos");
/// (repository, digest) -> size: blobs and manifests linked to a repository.
const REPO_BLOBS: TableDefinition<(&str, &str), u64> = TableDefinition::new("repo_blobs");
/// (digest, repository) -> size: the same links by digest.
const BLOB_REPOS: TableDefinition<(&str, &str), u64> = TableDefinition::new("blob_repos");
/// digest -> size: everything known to be stored once.
const BLOBS: TableDefinition<&str, u64> = TableDefinition::new("blobs");
/// (repository, tag) -> manifest digest.
const TAGS: TableDefinition<(&str, &str), &str> = TableDefinition::new("tags");
/// (manifest digest, repository, tag): the tags by manifest.
const TAG_INDEX: TableDefinition<(&str, &str, &str), ()> = TableDefinition::new("tag_index");
/// manifest digest -> JSON [`ManifestRecord`].
const MANIFESTS: TableDefinition<&str, &[u8]> = TableDefinition::new("manifests");
/// (referenced digest, manifest digest): which manifests reference a digest.
const REFERRERS: TableDefinition<(&str, &str), ()> = TableDefinition::new("referrers");
/// manifest digest -> last push, seconds since the epoch.
const PUSHED: TableDefinition<&str, u64> = TableDefinition::new("pushed");
/// digest -> last access, seconds since the epoch.
const ACCESS: TableDefinition<&str, u64> = TableDefinition::new("access");
/// (last access, digest): `access` ordered by time.
const ACCESS_ORDER: TableDefinition<(u64, &str), ()> = TableDefinition::new("access_order");
/// (last access, manifest digest): the manifests among `access_order`.
const MANIFEST_ORDER: TableDefinition<(u64, &str), ()> = TableDefinition::new("manifest_order");
/// upload id -> JSON [`UploadSession`].
const UPLOADS: TableDefinition<&str, &[u8]> = TableDefinition::new("uploads");
/// upload id -> last update, seconds since the epoch.
const UPLOAD_SEEN: TableDefinition<&str, u64> = TableDefinition::new("upload_seen");
/// digest -> time it was forgotten: bytes still to delete from the blob store.
const PENDING_DELETES: TableDefinition<&str, u64> = TableDefinition::new("pending_deletes");
/// manifest digest: one of its references is gone.
const BROKEN: TableDefinition<&str, ()> = TableDefinition::new("broken");
/// digest: stored, not a manifest, referenced by no manifest, linked to no `_gha/` repository.
const UNREFERENCED: TableDefinition<&str, ()> = TableDefinition::new("unreferenced");
/// name -> counter (`stored_bytes`, `logical_bytes`).
const COUNTERS: TableDefinition<&str, u64> = TableDefinition::new("counters");

/// Seconds within which a second [`Meta::touch`] of a digest records nothing new: least recently
/// used needs no finer clock.
pub const TOUCH_RESOLUTION: u64 = 60;

const STORED_BYTES: &str = "stored_bytes";
const LOGICAL_BYTES: &str = "logical_bytes";

/// Prefix of the pseudo-repositories of GitHub Actions cache entries (`_gha/<scope>`): a blob
/// linked to one of them is referenced even though no manifest names it.
pub const GHA_PREFIX: &str = "_gha/";

/// Errors of the metadata database.
#[derive(Debug, thiserror::Error)]
pub enum MetaError {
    /// redb failed (open, transaction, table, storage or commit).
    #[error("metadata database: {0}")]
    Db(#[from] redb::Error),
    /// A stored record does not decode (or a record does not encode).
    #[error("metadata record {key}: {source}")]
    Record {
        /// Key of the record.
        key: String,
        /// The JSON error.
        source: serde_json::Error,
    },
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for MetaError {
            fn from(e: $t) -> Self {
                Self::Db(e.into())
            }
        }
    )*};
}
from_redb!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// Result of metadata operations.
pub type Result<T> = std::result::Result<T, MetaError>;

/// What the server knows of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestRecord {
    /// Media type the client pushed it with.
    pub media_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Digests of the blobs (config, layers) and child manifests it references.
    pub references: Vec<String>,
}

/// An upload in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadSession {
    /// Repository the upload was started in.
    pub repository: String,
    /// Start time, seconds since the epoch.
    pub started: u64,
    /// Bytes received so far.
    pub bytes: u64,
}

/// An upload session with its id and the time of its last update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadEntry {
    /// Upload id.
    pub id: String,
    /// The session.
    pub session: UploadSession,
    /// Last [`Meta::put_upload`] of it, seconds since the epoch.
    pub updated: u64,
}

/// Byte counts of the whole store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// What clients pushed, counted once per repository that links each blob.
    pub logical_bytes: u64,
    /// What the store holds: each blob once.
    pub stored_bytes: u64,
}

/// How many things the metadata holds (each an O(1) read).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Stored blobs and manifests.
    pub blobs: u64,
    /// Repositories.
    pub repositories: u64,
    /// Manifest records.
    pub manifests: u64,
    /// Upload sessions.
    pub uploads: u64,
}

/// One page of tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagPage {
    /// Tags in lexical order.
    pub tags: Vec<String>,
    /// Whether tags follow the last one returned.
    pub more: bool,
}

/// What eviction needs to know of one stored digest, read in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobFacts {
    /// Stored size.
    pub size: u64,
    /// Last access, seconds since the epoch (0 when never recorded).
    pub last_access: u64,
    /// Last push when the digest is a manifest with a record.
    pub pushed: Option<u64>,
    /// Whether some manifest references it.
    pub referenced: bool,
    /// Whether a GitHub Actions cache entry (a `_gha/...` repository) links it.
    pub gha: bool,
}

/// The conditions [`Meta::evict`] re-checks inside its transaction before removing anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvictRule {
    /// The digest is kept if it was accessed at or after this time (since it was chosen).
    pub accessed_before: u64,
    /// Grace period: manifests pushed at or after this time are kept with everything they
    /// reference; blobs freed by removing a manifest are kept if accessed at or after it.
    pub grace_cutoff: u64,
    /// Whether a referenced digest may go, taking the manifests that reference it (and those
    /// referencing them) along; otherwise a referenced digest is kept.
    pub with_referrers: bool,
    /// Whether the grace period is ignored for the digest and its referrers (broken manifests).
    pub ignore_grace: bool,
}

/// What one [`Meta::evict`] removed from the metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evicted {
    /// Digests forgotten with their sizes; their bytes are queued in `pending_deletes` until the
    /// blob store has deleted them ([`Meta::finish_delete`]).
    pub blobs: Vec<(String, u64)>,
    /// Manifest records dropped (with all their tags).
    pub manifests: Vec<String>,
    /// Tags removed with the manifests.
    pub tags: usize,
}

/// The metadata database.
#[derive(Debug)]
pub struct Meta {
    db: Database,
}

/// Seconds since the epoch, now.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn encode<T: Serialize>(key: &str, value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|source| MetaError::Record {
        key: key.to_string(),
        source,
    })
}

fn decode<T: for<'de> Deserialize<'de>>(key: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|source| MetaError::Record {
        key: key.to_string(),
        source,
    })
}

impl Meta {
    /// Opens (or creates) `<data_dir>/meta.redb` with all its tables.
    pub fn open(data_dir: &Path) -> Result<Self> {
        let db = Database::create(data_dir.join("meta.redb"))?;
        let txn = db.begin_write()?;
        {
            txn.open_table(REPOS)?;
            txn.open_table(REPO_BLOBS)?;
            txn.open_table(BLOB_REPOS)?;
            txn.open_table(BLOBS)?;
            txn.open_table(TAGS)?;
            txn.open_table(TAG_INDEX)?;
            txn.open_table(MANIFESTS)?;
            txn.open_table(REFERRERS)?;
            txn.open_table(PUSHED)?;
            txn.open_table(ACCESS)?;
            txn.open_table(ACCESS_ORDER)?;
            txn.open_table(MANIFEST_ORDER)?;
            txn.open_table(UPLOADS)?;
            txn.open_table(UPLOAD_SEEN)?;
            txn.open_table(PENDING_DELETES)?;
            txn.open_table(BROKEN)?;
            txn.open_table(UNREFERENCED)?;
            txn.open_table(COUNTERS)?;
        }
        let indexed = txn.open_table(COUNTERS)?.get(LOGICAL_BYTES)?.is_some();
        if !indexed {
            rebuild_indexes(&txn)?;
        }
        txn.commit()?;
        Ok(Self { db })
    }

    /// The underlying database, for modules that keep their own tables in it (the GitHub Actions
    /// cache entries, eviction indexes).
    pub fn db(&self) -> &Database {
        &self.db
    }

    /// Logical bytes (summed over repositories) and stored bytes (each blob once), kept as
    /// counters in step with every link and unlink.
    pub fn stats(&self) -> Result<Stats> {
        let txn = self.db.begin_read()?;
        let counters = txn.open_table(COUNTERS)?;
        let read =
            |name: &str| -> Result<u64> { Ok(counters.get(name)?.map(|g| g.value()).unwrap_or(0)) };
        Ok(Stats {
            logical_bytes: read(LOGICAL_BYTES)?,
            stored_bytes: read(STORED_BYTES)?,
        })
    }

    /// (repository, subject digest, manifest digest) -> JSON descriptor of a manifest whose
    /// `subject` is that digest (the referrers API; not to be confused with the `referrers`
    /// index of eviction, which maps a digest to the manifests that reference it).
    const SUBJECT_REFERRERS: TableDefinition<
        'static,
        (&'static str, &'static str, &'static str),
        &'static [u8],
    > = TableDefinition::new("subject_referrers");

    /// How many blobs, repositories, manifests and upload sessions there are.
    pub fn counts(&self) -> Result<Counts> {
        let txn = self.db.begin_read()?;
        Ok(Counts {
            blobs: txn.open_table(BLOBS)?.len()?,
            repositories: txn.open_table(REPOS)?.len()?,
            manifests: txn.open_table(MANIFESTS)?.len()?,
            uploads: txn.open_table(UPLOADS)?.len()?,
        })
    }

    /// Recomputes every counter and index from the primary tables and lists the differences
    /// (empty when consistent). Scans everything: for tests and offline checks.
    pub fn audit(&self) -> Result<Vec<String>> {
        let txn = self.db.begin_read()?;
        audit(&txn)
    }
}
