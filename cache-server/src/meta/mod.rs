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

    /// Links a stored blob of `size` bytes to `repository` (creating the repository). The size
    /// counts into the repository's logical bytes the first time it is linked there, and into the
    /// stored bytes the first time the blob is known at all. Returns whether the link is new.
    pub fn link_blob(&self, repository: &str, digest: &str, size: u64) -> Result<bool> {
        let txn = self.db.begin_write()?;
        let new = link(&txn, repository, digest, size)?;
        txn.commit()?;
        Ok(new)
    }

    /// Whether `digest` is linked to `repository`.
    pub fn is_linked(&self, repository: &str, digest: &str) -> Result<bool> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(REPO_BLOBS)?;
        Ok(table.get((repository, digest))?.is_some())
    }

    /// Repositories that link `digest`, in lexical order.
    pub fn repositories_of(&self, digest: &str) -> Result<Vec<String>> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(BLOB_REPOS)?;
        let mut failed = Failed::default();
        let out = table
            .range((digest, "")..)?
            .map_while(failed.ok())
            .take_while(|(k, _)| k.value().0 == digest)
            .map(|(k, _)| k.value().1.to_string())
            .collect();
        failed.check()?;
        Ok(out)
    }

    /// Removes the link of `digest` to `repository` (its size leaves the repository's logical
    /// bytes; the blob stays stored, for eviction to sweep once nothing references it). Use
    /// [`Meta::delete_manifest`] for manifests. Returns whether the link existed.
    pub fn unlink_blob(&self, repository: &str, digest: &str) -> Result<bool> {
        let txn = self.db.begin_write()?;
        let found = unlink(&txn, repository, digest)?.is_some();
        if found {
            drop_repo_if_empty(&txn, repository)?;
        }
        txn.commit()?;
        Ok(found)
    }

    /// Forgets a blob that the store deleted: its stored bytes and its links (and the logical
    /// bytes of every repository that linked it). When it is a manifest its record and tags go
    /// too; manifests that reference it are marked broken and removed by the next eviction run.
    pub fn forget_blob(&self, digest: &str) -> Result<()> {
        let txn = self.db.begin_write()?;
        forget(&txn, digest)?;
        drop_record(&txn, digest)?;
        let referrers = referrers_in(&txn.open_table(REFERRERS)?, digest)?;
        {
            let mut broken = txn.open_table(BROKEN)?;
            for manifest in referrers {
                broken.insert(manifest.as_str(), ())?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    /// Stores a manifest's record and links it to `repository`; with `tag`, points the tag at it.
    /// Records the push time (the eviction grace period counts from it).
    pub fn put_manifest(
        &self,
        repository: &str,
        digest: &str,
        record: &ManifestRecord,
        tag: Option<&str>,
    ) -> Result<()> {
        let bytes = encode(digest, record)?;
        let txn = self.db.begin_write()?;
        let mut touched = record.references.clone();
        {
            let old = txn
                .open_table(MANIFESTS)?
                .insert(digest, bytes.as_slice())?
                .map(|g| g.value().to_vec());
            let mut referrers = txn.open_table(REFERRERS)?;
            if let Some(old) = old {
                let old: ManifestRecord = decode(digest, &old)?;
                for reference in &old.references {
                    referrers.remove((reference.as_str(), digest))?;
                }
                touched.extend(old.references);
            }
            for reference in &record.references {
                referrers.insert((reference.as_str(), digest), ())?;
            }
        }
        txn.open_table(PUSHED)?.insert(digest, now())?;
        txn.open_table(BROKEN)?.remove(digest)?;
        link(&txn, repository, digest, record.size)?;
        if let Some(tag) = tag {
            set_tag(&txn, repository, tag, digest)?;
        }
        for reference in &touched {
            refresh_unreferenced(&txn, reference)?;
        }
        txn.commit()?;
        Ok(())
    }

    /// The record of a manifest linked to `repository`.
    pub fn get_manifest(&self, repository: &str, digest: &str) -> Result<Option<ManifestRecord>> {
        let txn = self.db.begin_read()?;
        if txn
            .open_table(REPO_BLOBS)?
            .get((repository, digest))?
            .is_none()
        {
            return Ok(None);
        }
        let manifests = txn.open_table(MANIFESTS)?;
        let Some(bytes) = manifests.get(digest)? else {
            return Ok(None);
        };
        decode(digest, bytes.value()).map(Some)
    }

    /// Unlinks a manifest from `repository` and removes the repository's tags that point at it.
    /// The record is dropped once no repository links it. Returns whether it was linked.
    pub fn delete_manifest(&self, repository: &str, digest: &str) -> Result<bool> {
        let txn = self.db.begin_write()?;
        let mut failed = Failed::default();
        let stale: Vec<String> = txn
            .open_table(TAG_INDEX)?
            .range((digest, repository, "")..)?
            .map_while(failed.ok())
            .take_while(|(k, _)| k.value().0 == digest && k.value().1 == repository)
            .map(|(k, _)| k.value().2.to_string())
            .collect();
        failed.check()?;
        let found = unlink(&txn, repository, digest)?.is_some();
        if found {
            for tag in stale {
                remove_tag(&txn, repository, &tag)?;
            }
            drop_repo_if_empty(&txn, repository)?;
            if !has_links(&txn, digest)? {
                drop_record(&txn, digest)?;
            }
        }
        txn.commit()?;
        Ok(found)
    }

    /// Points `tag` of `repository` at a manifest digest.
    pub fn put_tag(&self, repository: &str, tag: &str, digest: &str) -> Result<()> {
        let txn = self.db.begin_write()?;
        set_tag(&txn, repository, tag, digest)?;
        txn.commit()?;
        Ok(())
    }

    /// The manifest digest `tag` of `repository` points at.
    pub fn get_tag(&self, repository: &str, tag: &str) -> Result<Option<String>> {
        let txn = self.db.begin_read()?;
        let tags = txn.open_table(TAGS)?;
        Ok(tags.get((repository, tag))?.map(|g| g.value().to_string()))
    }

    /// Removes a tag; returns whether it existed.
    pub fn delete_tag(&self, repository: &str, tag: &str) -> Result<bool> {
        let txn = self.db.begin_write()?;
        let found = remove_tag(&txn, repository, tag)?;
        txn.commit()?;
        Ok(found)
    }

    /// Tags of `repository` in lexical order, at most `n` (all when `None`), strictly after
    /// `last` (the distribution API's `n` and `last` parameters).
    pub fn list_tags(
        &self,
        repository: &str,
        n: Option<usize>,
        last: Option<&str>,
    ) -> Result<TagPage> {
        let txn = self.db.begin_read()?;
        let tags = txn.open_table(TAGS)?;
        let mut failed = Failed::default();
        let mut names = tags
            .range((repository, last.unwrap_or(""))..)?
            .map_while(failed.ok())
            .take_while(|(k, _)| k.value().0 == repository)
            .map(|(k, _)| k.value().1.to_string())
            .filter(|tag| Some(tag.as_str()) != last);
        let limit = n.unwrap_or(usize::MAX);
        let page: Vec<String> = names.by_ref().take(limit).collect();
        let more = names.next().is_some();
        drop(names);
        failed.check()?;
        Ok(TagPage { tags: page, more })
    }

    /// Repositories in lexical order.
    pub fn repositories(&self) -> Result<Vec<String>> {
        let txn = self.db.begin_read()?;
        let repos = txn.open_table(REPOS)?;
        let mut failed = Failed::default();
        let out = repos
            .iter()?
            .map_while(failed.ok())
            .map(|(k, _)| k.value().to_string())
            .collect();
        failed.check()?;
        Ok(out)
    }

    /// Records an access to a blob or manifest now. Digests that are not stored are ignored.
    /// An access within [`TOUCH_RESOLUTION`] seconds of the recorded one only reads (serving a
    /// blob costs no write transaction).
    pub fn touch(&self, digest: &str) -> Result<()> {
        let now = now();
        {
            let txn = self.db.begin_read()?;
            let last = txn.open_table(ACCESS)?.get(digest)?.map(|g| g.value());
            if last.is_some_and(|t| t <= now && now - t < TOUCH_RESOLUTION) {
                return Ok(());
            }
        }
        self.set_last_access(digest, now)
    }

    /// Records an access to a blob or manifest at `time` (seconds since the epoch); [`Meta::touch`]
    /// with an explicit clock, for tests and imports. Digests that are not stored are ignored.
    pub fn set_last_access(&self, digest: &str, time: u64) -> Result<()> {
        let txn = self.db.begin_write()?;
        if txn.open_table(BLOBS)?.get(digest)?.is_none() {
            return Ok(());
        }
        set_access(&txn, digest, time)?;
        txn.commit()?;
        Ok(())
    }

    /// Last access of a blob or manifest, seconds since the epoch.
    pub fn last_access(&self, digest: &str) -> Result<Option<u64>> {
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(ACCESS)?.get(digest)?.map(|g| g.value()))
    }

    /// Up to `limit` digests in least-recently-used order, `(last access, digest)`, strictly
    /// after `after` and accessed before `before`.
    pub fn least_recently_used(
        &self,
        after: Option<(u64, &str)>,
        before: u64,
        limit: usize,
    ) -> Result<Vec<(u64, String)>> {
        self.by_access(ACCESS_ORDER, after, before, limit)
    }

    /// Like [`Meta::least_recently_used`], for manifests only.
    pub fn manifests_by_access(
        &self,
        after: Option<(u64, &str)>,
        before: u64,
        limit: usize,
    ) -> Result<Vec<(u64, String)>> {
        self.by_access(MANIFEST_ORDER, after, before, limit)
    }

    /// Up to `limit` entries of the access-ordered `table`, `(last access, digest)`, strictly
    /// after `after` and accessed before `before`.
    fn by_access(
        &self,
        table: TableDefinition<(u64, &str), ()>,
        after: Option<(u64, &str)>,
        before: u64,
        limit: usize,
    ) -> Result<Vec<(u64, String)>> {
        let txn = self.db.begin_read()?;
        let order = txn.open_table(table)?;
        let start = after.unwrap_or((0, ""));
        let mut failed = Failed::default();
        let out = order
            .range(start..)?
            .map_while(failed.ok())
            .map(|(k, _)| (k.value().0, k.value().1.to_string()))
            .filter(|(time, digest)| after != Some((*time, digest.as_str())))
            .take_while(|(time, _)| *time < before)
            .take(limit)
            .collect();
        failed.check()?;
        Ok(out)
    }

    /// Stored blobs that are no manifest, that no manifest references and that no GitHub Actions
    /// cache entry links, last accessed before `before`, least recently used first (reads only
    /// those blobs).
    pub fn unreferenced(&self, before: u64) -> Result<Vec<(u64, String)>> {
        let txn = self.db.begin_read()?;
        let access = txn.open_table(ACCESS)?;
        let mut out = Vec::new();
        for entry in txn.open_table(UNREFERENCED)?.iter()? {
            let (k, _) = entry?;
            let time = get_u64(&access, k.value())?.unwrap_or(0);
            if time < before {
                out.push((time, k.value().to_string()));
            }
        }
        out.sort();
        Ok(out)
    }

    /// Manifests referencing `digest` (a blob or a child manifest), in lexical order.
    pub fn referrers(&self, digest: &str) -> Result<Vec<String>> {
        let txn = self.db.begin_read()?;
        referrers_in(&txn.open_table(REFERRERS)?, digest)
    }

    /// When the manifest `digest` was last pushed.
    pub fn pushed(&self, digest: &str) -> Result<Option<u64>> {
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(PUSHED)?.get(digest)?.map(|g| g.value()))
    }

    /// What eviction needs to decide about a stored digest, or `None` when it is not stored.
    pub fn blob_facts(&self, digest: &str) -> Result<Option<BlobFacts>> {
        let txn = self.db.begin_read()?;
        let Some(size) = txn.open_table(BLOBS)?.get(digest)?.map(|g| g.value()) else {
            return Ok(None);
        };
        Ok(Some(BlobFacts {
            size,
            last_access: txn
                .open_table(ACCESS)?
                .get(digest)?
                .map(|g| g.value())
                .unwrap_or(0),
            pushed: if txn.open_table(MANIFESTS)?.get(digest)?.is_some() {
                Some(
                    txn.open_table(PUSHED)?
                        .get(digest)?
                        .map(|g| g.value())
                        .unwrap_or(0),
                )
            } else {
                None
            },
            referenced: has_referrers(&txn.open_table(REFERRERS)?, digest)?,
            gha: gha_linked(&txn.open_table(BLOB_REPOS)?, digest)?,
        }))
    }

    /// Removes `digest` from the metadata if `rule` still allows it, with the manifests that
    /// reference it (when allowed), their tags, and the blobs only the removed manifests
    /// referenced. Everything removed is queued for deletion from the blob store
    /// ([`Meta::pending_deletes`]); the caller deletes the bytes, then calls
    /// [`Meta::finish_delete`]. Returns `None` when the rule keeps the digest.
    pub fn evict(&self, digest: &str, rule: EvictRule) -> Result<Option<Evicted>> {
        let txn = self.db.begin_write()?;
        let stored = txn.open_table(BLOBS)?.get(digest)?.is_some();
        let recorded = txn.open_table(MANIFESTS)?.get(digest)?.is_some();
        if !stored && !recorded {
            txn.open_table(BROKEN)?.remove(digest)?;
            txn.commit()?;
            return Ok(None);
        }
        let access = txn
            .open_table(ACCESS)?
            .get(digest)?
            .map(|g| g.value())
            .unwrap_or(0);
        if access >= rule.accessed_before || gha_linked(&txn.open_table(BLOB_REPOS)?, digest)? {
            return Ok(None);
        }
        // The digest and every manifest above it (referencing it directly or through others).
        let mut closure = vec![digest.to_string()];
        let mut seen: HashSet<String> = closure.iter().cloned().collect();
        {
            let referrers = txn.open_table(REFERRERS)?;
            let mut i = 0;
            while let Some(current) = closure.get(i).cloned() {
                for manifest in referrers_in(&referrers, &current)? {
                    if seen.insert(manifest.clone()) {
                        closure.push(manifest);
                    }
                }
                i += 1;
            }
        }
        if closure.len() > 1 && !rule.with_referrers {
            return Ok(None);
        }
        if !rule.ignore_grace {
            let pushed = txn.open_table(PUSHED)?;
            for d in &closure {
                if pushed
                    .get(d.as_str())?
                    .is_some_and(|g| g.value() >= rule.grace_cutoff)
                {
                    return Ok(None);
                }
            }
        }
        let mut out = Evicted::default();
        let mut freed_refs = Vec::new();
        let when = now();
        for d in &closure {
            out.tags += tag_count(&txn, d)?;
            if let Some(record) = drop_record(&txn, d)? {
                out.manifests.push(d.clone());
                freed_refs.extend(record.references);
            }
            if let Some(size) = forget(&txn, d)? {
                txn.open_table(PENDING_DELETES)?.insert(d.as_str(), when)?;
                out.blobs.push((d.clone(), size));
            }
        }
        for reference in freed_refs {
            if !seen.insert(reference.clone()) {
                continue;
            }
            let keep = txn
                .open_table(MANIFESTS)?
                .get(reference.as_str())?
                .is_some()
                || has_referrers(&txn.open_table(REFERRERS)?, &reference)?
                || gha_linked(&txn.open_table(BLOB_REPOS)?, &reference)?
                || txn
                    .open_table(ACCESS)?
                    .get(reference.as_str())?
                    .is_some_and(|g| g.value() >= rule.grace_cutoff);
            if keep {
                continue;
            }
            if let Some(size) = forget(&txn, &reference)? {
                txn.open_table(PENDING_DELETES)?
                    .insert(reference.as_str(), when)?;
                out.blobs.push((reference, size));
            }
        }
        txn.commit()?;
        Ok(Some(out))
    }

    /// Manifests one of whose references was forgotten ([`Meta::forget_blob`]).
    pub fn broken_manifests(&self) -> Result<Vec<String>> {
        let txn = self.db.begin_read()?;
        let mut failed = Failed::default();
        let out = txn
            .open_table(BROKEN)?
            .iter()?
            .map_while(failed.ok())
            .map(|(k, _)| k.value().to_string())
            .collect();
        failed.check()?;
        Ok(out)
    }

    /// Digests removed from the metadata whose bytes the blob store may still hold.
    pub fn pending_deletes(&self) -> Result<Vec<String>> {
        let txn = self.db.begin_read()?;
        let mut failed = Failed::default();
        let out = txn
            .open_table(PENDING_DELETES)?
            .iter()?
            .map_while(failed.ok())
            .map(|(k, _)| k.value().to_string())
            .collect();
        failed.check()?;
        Ok(out)
    }

    /// Whether the bytes of `digest` may be deleted now: it is queued and nothing linked it
    /// again since.
    pub fn may_delete(&self, digest: &str) -> Result<bool> {
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(PENDING_DELETES)?.get(digest)?.is_some()
            && txn.open_table(BLOBS)?.get(digest)?.is_none())
    }

    /// Takes `digest` off the delete queue after the blob store deleted it. Returns `false` when
    /// it had left the queue already: something linked it again meanwhile, and the caller must
    /// check that the store still holds it.
    pub fn finish_delete(&self, digest: &str) -> Result<bool> {
        let txn = self.db.begin_write()?;
        let found = txn.open_table(PENDING_DELETES)?.remove(digest)?.is_some();
        txn.commit()?;
        Ok(found)
    }

    /// Starts or updates an upload session (its last update is now).
    pub fn put_upload(&self, id: &str, session: &UploadSession) -> Result<()> {
        let bytes = encode(id, session)?;
        let txn = self.db.begin_write()?;
        txn.open_table(UPLOADS)?.insert(id, bytes.as_slice())?;
        txn.open_table(UPLOAD_SEEN)?.insert(id, now())?;
        txn.commit()?;
        Ok(())
    }

    /// An upload session.
    pub fn get_upload(&self, id: &str) -> Result<Option<UploadSession>> {
        let txn = self.db.begin_read()?;
        let uploads = txn.open_table(UPLOADS)?;
        let Some(bytes) = uploads.get(id)? else {
            return Ok(None);
        };
        decode(id, bytes.value()).map(Some)
    }

    /// Ends an upload session; returns whether it existed.
    pub fn delete_upload(&self, id: &str) -> Result<bool> {
        let txn = self.db.begin_write()?;
        let found = txn.open_table(UPLOADS)?.remove(id)?.is_some();
        txn.open_table(UPLOAD_SEEN)?.remove(id)?;
        txn.commit()?;
        Ok(found)
    }

    /// Every upload session with its last update (for the stale-session sweep).
    pub fn uploads(&self) -> Result<Vec<UploadEntry>> {
        let txn = self.db.begin_read()?;
        let seen = txn.open_table(UPLOAD_SEEN)?;
        let mut out = Vec::new();
        for entry in txn.open_table(UPLOADS)?.iter()? {
            let (k, v) = entry?;
            let id = k.value().to_string();
            let session: UploadSession = decode(&id, v.value())?;
            let updated = seen
                .get(id.as_str())?
                .map(|g| g.value())
                .unwrap_or(session.started);
            out.push(UploadEntry {
                id,
                session,
                updated,
            });
        }
        Ok(out)
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

    /// Links several stored blobs to `repository` in one transaction; see [`Meta::link_blob`].
    pub fn link_blobs(&self, repository: &str, blobs: &[(String, u64)]) -> Result<()> {
        let txn = self.db.begin_write()?;
        for (digest, size) in blobs {
            link(&txn, repository, digest, *size)?;
        }
        txn.commit()?;
        Ok(())
    }

    /// Whether any repository links `digest` (a lookup in the by-digest link index).
    pub fn linked_anywhere(&self, digest: &str) -> Result<bool> {
        let txn = self.db.begin_read()?;
        let index = txn.open_table(BLOB_REPOS)?;
        let mut range = index.range((digest, "")..)?;
        Ok(match range.next() {
            Some(entry) => entry?.0.value().0 == digest,
            None => false,
        })
    }

    /// Whether anything was ever pushed to `repository`.
    pub fn has_repository(&self, repository: &str) -> Result<bool> {
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(REPOS)?.get(repository)?.is_some())
    }

    /// Number of blobs (and manifests) stored.
    pub fn blob_count(&self) -> Result<u64> {
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(BLOBS)?.len()?)
    }

    /// Records that the manifest `digest` in `repository` refers to `subject`, with the
    /// descriptor the referrers API lists for it.
    pub fn put_subject_referrer(
        &self,
        repository: &str,
        subject: &str,
        digest: &str,
        descriptor: &serde_json::Value,
    ) -> Result<()> {
        let bytes = encode(digest, descriptor)?;
        let txn = self.db.begin_write()?;
        txn.open_table(Self::SUBJECT_REFERRERS)?
            .insert((repository, subject, digest), bytes.as_slice())?;
        txn.commit()?;
        Ok(())
    }

    /// Descriptors of the manifests in `repository` whose subject is `subject` and that are still
    /// linked there.
    pub fn subject_referrers(
        &self,
        repository: &str,
        subject: &str,
    ) -> Result<Vec<serde_json::Value>> {
        let txn = self.db.begin_read()?;
        let table = match txn.open_table(Self::SUBJECT_REFERRERS) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let links = txn.open_table(REPO_BLOBS)?;
        let mut out = Vec::new();
        for entry in table.range((repository, subject, "")..)? {
            let (key, value) = entry?;
            let (repo, subj, digest) = key.value();
            if repo != repository || subj != subject {
                break;
            }
            if links.get((repository, digest))?.is_some() {
                out.push(decode(digest, value.value())?);
            }
        }
        Ok(out)
    }

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

    /// [`Meta::unlink_blob`] inside the caller's write transaction on [`Meta::db`], so a module
    /// with tables of its own (the GitHub Actions cache entries) drops its record and the link
    /// atomically.
    pub fn unlink_in(txn: &WriteTransaction, repository: &str, digest: &str) -> Result<bool> {
        let found = unlink(txn, repository, digest)?.is_some();
        if found {
            drop_repo_if_empty(txn, repository)?;
        }
        Ok(found)
    }
}

/// Every tag as (manifest digest, repository, tag), for building the tag index and auditing
/// it. A storage error fails the read: a skipped tag would leave the index short.
fn all_tags(
    tags: &impl ReadableTable<(&'static str, &'static str), &'static str>,
) -> Result<Vec<(String, String, String)>> {
    let mut out = Vec::new();
    for entry in tags.iter()? {
        let (key, digest) = entry?;
        let (repository, tag) = key.value();
        out.push((
            digest.value().to_string(),
            repository.to_string(),
            tag.to_string(),
        ));
    }
    Ok(out)
}

/// Reading a redb range or table entry by entry: `.map_while(failed.ok())` stops at the first
/// storage error and keeps it, and `failed.check()?` returns it once the iteration is done, so a
/// listing, an index or an eviction decision never rests on a read that silently skipped entries.
#[derive(Default)]
struct Failed(Option<redb::StorageError>);

impl Failed {
    /// The `map_while` function: the entry, or `None` (and the error kept) on a storage error.
    fn ok<T>(
        &mut self,
    ) -> impl FnMut(std::result::Result<T, redb::StorageError>) -> Option<T> + '_ {
        move |entry| match entry {
            Ok(entry) => Some(entry),
            Err(e) => {
                self.0 = Some(e);
                None
            }
        }
    }

    /// The storage error the iteration stopped at, if any.
    fn check(self) -> Result<()> {
        match self.0 {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }
}

fn get_u64(table: &impl ReadableTable<&'static str, u64>, key: &str) -> Result<Option<u64>> {
    Ok(table.get(key)?.map(|g| g.value()))
}

/// Adds `add` and subtracts `sub` from a counter.
fn bump(txn: &WriteTransaction, name: &str, add: u64, sub: u64) -> Result<()> {
    let mut counters = txn.open_table(COUNTERS)?;
    let value = get_u64(&counters, name)?.unwrap_or(0);
    counters.insert(name, (value + add).saturating_sub(sub))?;
    Ok(())
}

fn set_access(txn: &WriteTransaction, digest: &str, time: u64) -> Result<()> {
    let old = txn
        .open_table(ACCESS)?
        .insert(digest, time)?
        .map(|g| g.value());
    let mut order = txn.open_table(ACCESS_ORDER)?;
    let mut manifests = txn.open_table(MANIFEST_ORDER)?;
    if let Some(old) = old {
        order.remove((old, digest))?;
        manifests.remove((old, digest))?;
    }
    order.insert((time, digest), ())?;
    if txn.open_table(MANIFESTS)?.get(digest)?.is_some() {
        manifests.insert((time, digest), ())?;
    }
    Ok(())
}

fn clear_access(txn: &WriteTransaction, digest: &str) -> Result<()> {
    let old = txn.open_table(ACCESS)?.remove(digest)?.map(|g| g.value());
    if let Some(old) = old {
        txn.open_table(ACCESS_ORDER)?.remove((old, digest))?;
        txn.open_table(MANIFEST_ORDER)?.remove((old, digest))?;
    }
    Ok(())
}

/// Links `digest` to `repository` inside `txn`; see [`Meta::link_blob`].
fn link(txn: &WriteTransaction, repository: &str, digest: &str, size: u64) -> Result<bool> {
    let new = {
        let mut links = txn.open_table(REPO_BLOBS)?;
        let new = links.get((repository, digest))?.is_none();
        if new {
            links.insert((repository, digest), size)?;
        }
        new
    };
    {
        let mut repos = txn.open_table(REPOS)?;
        let logical = get_u64(&repos, repository)?;
        if new || logical.is_none() {
            let add = if new { size } else { 0 };
            repos.insert(repository, logical.unwrap_or(0) + add)?;
        }
    }
    if new {
        txn.open_table(BLOB_REPOS)?
            .insert((digest, repository), size)?;
        bump(txn, LOGICAL_BYTES, size, 0)?;
    }
    let stored_new = {
        let mut blobs = txn.open_table(BLOBS)?;
        let stored_new = blobs.get(digest)?.is_none();
        if stored_new {
            blobs.insert(digest, size)?;
        }
        stored_new
    };
    if stored_new {
        bump(txn, STORED_BYTES, size, 0)?;
    }
    txn.open_table(PENDING_DELETES)?.remove(digest)?;
    set_access(txn, digest, now())?;
    refresh_unreferenced(txn, digest)?;
    Ok(new)
}

/// Puts `digest` in the `unreferenced` set or takes it out, as it now is.
fn refresh_unreferenced(txn: &WriteTransaction, digest: &str) -> Result<()> {
    let member = txn.open_table(BLOBS)?.get(digest)?.is_some()
        && txn.open_table(MANIFESTS)?.get(digest)?.is_none()
        && !has_referrers(&txn.open_table(REFERRERS)?, digest)?
        && !gha_linked(&txn.open_table(BLOB_REPOS)?, digest)?;
    let mut set = txn.open_table(UNREFERENCED)?;
    if member {
        set.insert(digest, ())?;
    } else {
        set.remove(digest)?;
    }
    Ok(())
}

/// Removes the link of `digest` to `repository`; returns its size when it existed.
fn unlink(txn: &WriteTransaction, repository: &str, digest: &str) -> Result<Option<u64>> {
    let size = txn
        .open_table(REPO_BLOBS)?
        .remove((repository, digest))?
        .map(|g| g.value());
    let Some(size) = size else {
        return Ok(None);
    };
    txn.open_table(BLOB_REPOS)?.remove((digest, repository))?;
    bump(txn, LOGICAL_BYTES, 0, size)?;
    let mut repos = txn.open_table(REPOS)?;
    let logical = get_u64(&repos, repository)?.unwrap_or(0);
    repos.insert(repository, logical.saturating_sub(size))?;
    drop(repos);
    refresh_unreferenced(txn, digest)?;
    Ok(Some(size))
}

/// Drops a repository that links nothing and has no tags left.
fn drop_repo_if_empty(txn: &WriteTransaction, repository: &str) -> Result<()> {
    let linked = txn
        .open_table(REPO_BLOBS)?
        .range((repository, "")..)?
        .next()
        .transpose()?
        .is_some_and(|(k, _)| k.value().0 == repository);
    let tagged = txn
        .open_table(TAGS)?
        .range((repository, "")..)?
        .next()
        .transpose()?
        .is_some_and(|(k, _)| k.value().0 == repository);
    if !linked && !tagged {
        txn.open_table(REPOS)?.remove(repository)?;
    }
    Ok(())
}

fn has_links(txn: &WriteTransaction, digest: &str) -> Result<bool> {
    Ok(txn
        .open_table(BLOB_REPOS)?
        .range((digest, "")..)?
        .next()
        .transpose()?
        .is_some_and(|(k, _)| k.value().0 == digest))
}

fn referrers_in(
    table: &impl ReadableTable<(&'static str, &'static str), ()>,
    digest: &str,
) -> Result<Vec<String>> {
    let mut failed = Failed::default();
    let out = table
        .range((digest, "")..)?
        .map_while(failed.ok())
        .take_while(|(k, _)| k.value().0 == digest)
        .map(|(k, _)| k.value().1.to_string())
        .collect();
    failed.check()?;
    Ok(out)
}

fn has_referrers(
    table: &impl ReadableTable<(&'static str, &'static str), ()>,
    digest: &str,
) -> Result<bool> {
    Ok(table
        .range((digest, "")..)?
        .next()
        .transpose()?
        .is_some_and(|(k, _)| k.value().0 == digest))
}

fn gha_linked(
    table: &impl ReadableTable<(&'static str, &'static str), u64>,
    digest: &str,
) -> Result<bool> {
    Ok(table
        .range((digest, GHA_PREFIX)..)?
        .next()
        .transpose()?
        .is_some_and(|(k, _)| k.value().0 == digest && k.value().1.starts_with(GHA_PREFIX)))
}

fn set_tag(txn: &WriteTransaction, repository: &str, tag: &str, digest: &str) -> Result<()> {
    let old = txn
        .open_table(TAGS)?
        .insert((repository, tag), digest)?
        .map(|g| g.value().to_string());
    let mut index = txn.open_table(TAG_INDEX)?;
    if let Some(old) = old {
        index.remove((old.as_str(), repository, tag))?;
    }
    index.insert((digest, repository, tag), ())?;
    Ok(())
}

fn remove_tag(txn: &WriteTransaction, repository: &str, tag: &str) -> Result<bool> {
    let old = txn
        .open_table(TAGS)?
        .remove((repository, tag))?
        .map(|g| g.value().to_string());
    let Some(old) = old else {
        return Ok(false);
    };
    txn.open_table(TAG_INDEX)?
        .remove((old.as_str(), repository, tag))?;
    Ok(true)
}

fn tag_count(txn: &WriteTransaction, digest: &str) -> Result<usize> {
    let mut failed = Failed::default();
    let count = txn
        .open_table(TAG_INDEX)?
        .range((digest, "", "")..)?
        .map_while(failed.ok())
        .take_while(|(k, _)| k.value().0 == digest)
        .count();
    failed.check()?;
    Ok(count)
}

/// Drops a manifest's record, its push time, its reference index entries and every tag pointing
/// at it (in any repository). Returns the record when there was one.
fn drop_record(txn: &WriteTransaction, digest: &str) -> Result<Option<ManifestRecord>> {
    let bytes = txn
        .open_table(MANIFESTS)?
        .remove(digest)?
        .map(|g| g.value().to_vec());
    txn.open_table(BROKEN)?.remove(digest)?;
    let Some(bytes) = bytes else {
        return Ok(None);
    };
    let record: ManifestRecord = decode(digest, &bytes)?;
    txn.open_table(PUSHED)?.remove(digest)?;
    let access = txn.open_table(ACCESS)?.get(digest)?.map(|g| g.value());
    if let Some(access) = access {
        txn.open_table(MANIFEST_ORDER)?.remove((access, digest))?;
    }
    {
        let mut referrers = txn.open_table(REFERRERS)?;
        for reference in &record.references {
            referrers.remove((reference.as_str(), digest))?;
        }
    }
    refresh_unreferenced(txn, digest)?;
    for reference in &record.references {
        refresh_unreferenced(txn, reference)?;
    }
    let mut failed = Failed::default();
    let tags: Vec<(String, String)> = txn
        .open_table(TAG_INDEX)?
        .range((digest, "", "")..)?
        .map_while(failed.ok())
        .take_while(|(k, _)| k.value().0 == digest)
        .map(|(k, _)| (k.value().1.to_string(), k.value().2.to_string()))
        .collect();
    failed.check()?;
    for (repository, tag) in &tags {
        remove_tag(txn, repository, tag)?;
        drop_repo_if_empty(txn, repository)?;
    }
    Ok(Some(record))
}

/// Forgets a stored digest: its stored bytes, every link to it and its access time. Returns its
/// size when it was stored.
fn forget(txn: &WriteTransaction, digest: &str) -> Result<Option<u64>> {
    let size = txn.open_table(BLOBS)?.remove(digest)?.map(|g| g.value());
    if let Some(size) = size {
        bump(txn, STORED_BYTES, 0, size)?;
    }
    let mut failed = Failed::default();
    let repos: Vec<String> = txn
        .open_table(BLOB_REPOS)?
        .range((digest, "")..)?
        .map_while(failed.ok())
        .take_while(|(k, _)| k.value().0 == digest)
        .map(|(k, _)| k.value().1.to_string())
        .collect();
    failed.check()?;
    for repository in &repos {
        unlink(txn, repository, digest)?;
        drop_repo_if_empty(txn, repository)?;
    }
    clear_access(txn, digest)?;
    txn.open_table(UNREFERENCED)?.remove(digest)?;
    Ok(size)
}

/// Builds every index and counter from the primary tables: once, when a database written before
/// the indexes existed is opened (a new database has nothing to index). Manifests get the current
/// time as their push time, so they start with a full grace period.
fn rebuild_indexes(txn: &WriteTransaction) -> Result<()> {
    let mut failed = Failed::default();
    let links: Vec<(String, String, u64)> = txn
        .open_table(REPO_BLOBS)?
        .iter()?
        .map_while(failed.ok())
        .map(|(k, v)| (k.value().0.to_string(), k.value().1.to_string(), v.value()))
        .collect();
    failed.check()?;
    {
        let mut by_digest = txn.open_table(BLOB_REPOS)?;
        for (repository, digest, size) in &links {
            by_digest.insert((digest.as_str(), repository.as_str()), size)?;
        }
    }
    let logical: u64 = links.iter().map(|(_, _, size)| size).sum();
    let mut failed = Failed::default();
    let stored: u64 = txn
        .open_table(BLOBS)?
        .iter()?
        .map_while(failed.ok())
        .map(|(_, v)| v.value())
        .sum();
    failed.check()?;
    {
        let mut counters = txn.open_table(COUNTERS)?;
        counters.insert(LOGICAL_BYTES, logical)?;
        counters.insert(STORED_BYTES, stored)?;
    }
    let mut failed = Failed::default();
    let access: Vec<(String, u64)> = txn
        .open_table(ACCESS)?
        .iter()?
        .map_while(failed.ok())
        .map(|(k, v)| (k.value().to_string(), v.value()))
        .collect();
    failed.check()?;
    {
        let mut order = txn.open_table(ACCESS_ORDER)?;
        for (digest, time) in &access {
            order.insert((*time, digest.as_str()), ())?;
        }
    }
    let mut manifests = Vec::new();
    for entry in txn.open_table(MANIFESTS)?.iter()? {
        let (k, v) = entry?;
        let record: ManifestRecord = decode(k.value(), v.value())?;
        manifests.push((k.value().to_string(), record));
    }
    {
        let mut referrers = txn.open_table(REFERRERS)?;
        let mut pushed = txn.open_table(PUSHED)?;
        let when = now();
        let access_of: std::collections::HashMap<&str, u64> =
            access.iter().map(|(d, t)| (d.as_str(), *t)).collect();
        let mut manifest_order = txn.open_table(MANIFEST_ORDER)?;
        for (digest, record) in &manifests {
            pushed.insert(digest.as_str(), when)?;
            if let Some(time) = access_of.get(digest.as_str()) {
                manifest_order.insert((*time, digest.as_str()), ())?;
            }
            for reference in &record.references {
                referrers.insert((reference.as_str(), digest.as_str()), ())?;
            }
        }
    }
    let tags = all_tags(&txn.open_table(TAGS)?)?;
    {
        let mut index = txn.open_table(TAG_INDEX)?;
        for (digest, repository, tag) in &tags {
            index.insert((digest.as_str(), repository.as_str(), tag.as_str()), ())?;
        }
    }
    let mut failed = Failed::default();
    let stored: Vec<String> = txn
        .open_table(BLOBS)?
        .iter()?
        .map_while(failed.ok())
        .map(|(k, _)| k.value().to_string())
        .collect();
    failed.check()?;
    for digest in &stored {
        refresh_unreferenced(txn, digest)?;
    }
    Ok(())
}

/// See [`Meta::audit`].
fn audit(txn: &ReadTransaction) -> Result<Vec<String>> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut problems = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };
    let mut failed = Failed::default();
    let blobs: BTreeMap<String, u64> = txn
        .open_table(BLOBS)?
        .iter()?
        .map_while(failed.ok())
        .map(|(k, v)| (k.value().to_string(), v.value()))
        .collect();
    failed.check()?;
    let counters = txn.open_table(COUNTERS)?;
    let stored = get_u64(&counters, STORED_BYTES)?.unwrap_or(0);
    let logical = get_u64(&counters, LOGICAL_BYTES)?.unwrap_or(0);
    let sum: u64 = blobs.values().sum();
    check(
        stored == sum,
        format!("stored_bytes {stored} != sum of blobs {sum}"),
    );
    let mut failed = Failed::default();
    let links: BTreeMap<(String, String), u64> = txn
        .open_table(REPO_BLOBS)?
        .iter()?
        .map_while(failed.ok())
        .map(|(k, v)| {
            (
                (k.value().0.to_string(), k.value().1.to_string()),
                v.value(),
            )
        })
        .collect();
    failed.check()?;
    let mut failed = Failed::default();
    let by_digest: BTreeMap<(String, String), u64> = txn
        .open_table(BLOB_REPOS)?
        .iter()?
        .map_while(failed.ok())
        .map(|(k, v)| {
            (
                (k.value().1.to_string(), k.value().0.to_string()),
                v.value(),
            )
        })
        .collect();
    failed.check()?;
    check(
        links == by_digest,
        "blob_repos differs from repo_blobs".into(),
    );
    let sum: u64 = links.values().sum();
    check(
        logical == sum,
        format!("logical_bytes {logical} != sum of links {sum}"),
    );
    let mut per_repo: BTreeMap<String, u64> = BTreeMap::new();
    for ((repo, digest), size) in &links {
        *per_repo.entry(repo.clone()).or_default() += size;
        check(
            blobs.contains_key(digest),
            format!("{repo} links unknown {digest}"),
        );
    }
    for entry in txn.open_table(REPOS)?.iter()? {
        let (k, v) = entry?;
        let want = per_repo.remove(k.value()).unwrap_or(0);
        check(
            v.value() == want,
            format!(
                "repository {} has {} logical bytes, links sum {want}",
                k.value(),
                v.value()
            ),
        );
    }
    check(
        per_repo.is_empty(),
        format!("links of unlisted repositories {per_repo:?}"),
    );
    let mut failed = Failed::default();
    let access: BTreeSet<(u64, String)> = txn
        .open_table(ACCESS)?
        .iter()?
        .map_while(failed.ok())
        .map(|(k, v)| (v.value(), k.value().to_string()))
        .collect();
    failed.check()?;
    let mut failed = Failed::default();
    let order: BTreeSet<(u64, String)> = txn
        .open_table(ACCESS_ORDER)?
        .iter()?
        .map_while(failed.ok())
        .map(|(k, _)| (k.value().0, k.value().1.to_string()))
        .collect();
    failed.check()?;
    check(access == order, "access_order differs from access".into());
    let mut failed = Failed::default();
    let manifest_names: BTreeSet<String> = txn
        .open_table(MANIFESTS)?
        .iter()?
        .map_while(failed.ok())
        .map(|(k, _)| k.value().to_string())
        .collect();
    failed.check()?;
    let want_manifest_order: BTreeSet<(u64, String)> = access
        .iter()
        .filter(|(_, d)| manifest_names.contains(d))
        .cloned()
        .collect();
    let mut failed = Failed::default();
    let manifest_order: BTreeSet<(u64, String)> = txn
        .open_table(MANIFEST_ORDER)?
        .iter()?
        .map_while(failed.ok())
        .map(|(k, _)| (k.value().0, k.value().1.to_string()))
        .collect();
    failed.check()?;
    check(
        manifest_order == want_manifest_order,
        "manifest_order differs from the access of manifests".into(),
    );
    let mut want_refs = BTreeSet::new();
    let pushed = txn.open_table(PUSHED)?;
    for entry in txn.open_table(MANIFESTS)?.iter()? {
        let (k, v) = entry?;
        let record: ManifestRecord = decode(k.value(), v.value())?;
        for reference in record.references {
            want_refs.insert((reference, k.value().to_string()));
        }
        check(
            pushed.get(k.value())?.is_some(),
            format!("manifest {} has no push time", k.value()),
        );
    }
    let mut failed = Failed::default();
    let refs: BTreeSet<(String, String)> = txn
        .open_table(REFERRERS)?
        .iter()?
        .map_while(failed.ok())
        .map(|(k, _)| (k.value().0.to_string(), k.value().1.to_string()))
        .collect();
    failed.check()?;
    check(
        refs == want_refs,
        "referrers differs from manifest references".into(),
    );
    let mut failed = Failed::default();
    let manifests: BTreeSet<String> = txn
        .open_table(MANIFESTS)?
        .iter()?
        .map_while(failed.ok())
        .map(|(k, _)| k.value().to_string())
        .collect();
    failed.check()?;
    let referenced: BTreeSet<&String> = refs.iter().map(|(r, _)| r).collect();
    let gha: BTreeSet<&String> = links
        .keys()
        .filter(|(repo, _)| repo.starts_with(GHA_PREFIX))
        .map(|(_, digest)| digest)
        .collect();
    let want_unreferenced: BTreeSet<String> = blobs
        .keys()
        .filter(|d| !manifests.contains(*d) && !referenced.contains(d) && !gha.contains(d))
        .cloned()
        .collect();
    let mut failed = Failed::default();
    let unreferenced: BTreeSet<String> = txn
        .open_table(UNREFERENCED)?
        .iter()?
        .map_while(failed.ok())
        .map(|(k, _)| k.value().to_string())
        .collect();
    failed.check()?;
    check(
        unreferenced == want_unreferenced,
        format!("unreferenced {unreferenced:?} != computed {want_unreferenced:?}"),
    );
    let tags: BTreeSet<(String, String, String)> =
        all_tags(&txn.open_table(TAGS)?)?.into_iter().collect();
    let mut failed = Failed::default();
    let index: BTreeSet<(String, String, String)> = txn
        .open_table(TAG_INDEX)?
        .iter()?
        .map_while(failed.ok())
        .map(|(k, _)| {
            (
                k.value().0.to_string(),
                k.value().1.to_string(),
                k.value().2.to_string(),
            )
        })
        .collect();
    failed.check()?;
    check(tags == index, "tag_index differs from tags".into());
    Ok(problems)
}
#[cfg(test)]
mod tests {
    use super::*;

    const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    #[test]
    fn same_blob_in_ten_repositories_counts_ten_logical_one_stored() {
        let dir = tempfile::tempdir().unwrap();
        let meta = Meta::open(dir.path()).unwrap();
        for i in 0..10 {
            assert!(
                meta.link_blob(&format!("project/branch-{i}"), D1, 1000)
                    .unwrap()
            );
            // A second push of the same blob to the same repository is not counted again.
            assert!(
                !meta
                    .link_blob(&format!("project/branch-{i}"), D1, 1000)
                    .unwrap()
            );
        }
        assert_eq!(
            meta.stats().unwrap(),
            Stats {
                logical_bytes: 10_000,
                stored_bytes: 1000
            }
        );
        assert_eq!(meta.repositories().unwrap().len(), 10);
        meta.forget_blob(D1).unwrap();
        assert_eq!(
            meta.stats().unwrap(),
            Stats {
                logical_bytes: 0,
                stored_bytes: 0
            }
        );
    }

    #[test]
    fn tag_pagination() {
        let dir = tempfile::tempdir().unwrap();
        let meta = Meta::open(dir.path()).unwrap();
        for tag in ["e", "a", "d", "b", "c"] {
            meta.put_tag("repo", tag, D1).unwrap();
        }
        // Tags of a neighbouring repository never leak into the page.
        meta.put_tag("repo2", "a", D1).unwrap();
        meta.put_tag("rep", "z", D1).unwrap();
        let page = meta.list_tags("repo", Some(2), None).unwrap();
        assert_eq!(page.tags, ["a", "b"]);
        assert!(page.more);
        let page = meta.list_tags("repo", Some(2), Some("b")).unwrap();
        assert_eq!(page.tags, ["c", "d"]);
        assert!(page.more);
        let page = meta.list_tags("repo", Some(2), Some("d")).unwrap();
        assert_eq!(page.tags, ["e"]);
        assert!(!page.more);
        let page = meta.list_tags("repo", None, Some("bb")).unwrap();
        assert_eq!(page.tags, ["c", "d", "e"]);
        assert_eq!(
            meta.list_tags("nothing", None, None).unwrap().tags,
            Vec::<String>::new()
        );
    }

    #[test]
    fn manifests_and_tags() {
        let dir = tempfile::tempdir().unwrap();
        let meta = Meta::open(dir.path()).unwrap();
        let record = ManifestRecord {
            media_type: "application/vnd.oci.image.manifest.v1+json".into(),
            size: 300,
            references: vec![D1.into()],
        };
        meta.put_manifest("a", D2, &record, Some("latest")).unwrap();
        meta.put_manifest("b", D2, &record, Some("v1")).unwrap();
        assert_eq!(meta.get_tag("a", "latest").unwrap().as_deref(), Some(D2));
        assert_eq!(meta.get_manifest("a", D2).unwrap(), Some(record.clone()));
        assert_eq!(meta.get_manifest("c", D2).unwrap(), None);
        assert!(meta.delete_manifest("a", D2).unwrap());
        assert_eq!(meta.get_tag("a", "latest").unwrap(), None);
        assert_eq!(meta.get_manifest("a", D2).unwrap(), None);
        // Still linked from b.
        assert_eq!(meta.get_manifest("b", D2).unwrap(), Some(record));
        assert!(meta.delete_tag("b", "v1").unwrap());
        assert!(!meta.delete_tag("b", "v1").unwrap());
    }

    #[test]
    fn reopening_keeps_everything() {
        let dir = tempfile::tempdir().unwrap();
        let record = ManifestRecord {
            media_type: "application/vnd.docker.distribution.manifest.v2+json".into(),
            size: 50,
            references: vec![D1.into()],
        };
        let session = UploadSession {
            repository: "a".into(),
            started: 42,
            bytes: 7,
        };
        let stats = {
            let meta = Meta::open(dir.path()).unwrap();
            meta.link_blob("a", D1, 100).unwrap();
            meta.link_blob("b", D1, 100).unwrap();
            meta.put_manifest("a", D2, &record, Some("main")).unwrap();
            meta.put_upload("u1", &session).unwrap();
            meta.stats().unwrap()
        };
        assert_eq!(
            stats,
            Stats {
                logical_bytes: 250,
                stored_bytes: 150
            }
        );
        let meta = Meta::open(dir.path()).unwrap();
        assert_eq!(meta.stats().unwrap(), stats);
        assert!(meta.is_linked("b", D1).unwrap());
        assert_eq!(meta.get_tag("a", "main").unwrap().as_deref(), Some(D2));
        assert_eq!(meta.get_manifest("a", D2).unwrap(), Some(record));
        assert_eq!(meta.get_upload("u1").unwrap(), Some(session));
        assert!(meta.last_access(D1).unwrap().is_some());
        assert!(meta.delete_upload("u1").unwrap());
        assert_eq!(meta.get_upload("u1").unwrap(), None);
    }

    const D3: &str = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
    const D4: &str = "sha256:4444444444444444444444444444444444444444444444444444444444444444";

    fn record(references: &[&str]) -> ManifestRecord {
        ManifestRecord {
            media_type: "application/vnd.oci.image.manifest.v1+json".into(),
            size: 10,
            references: references.iter().map(|r| r.to_string()).collect(),
        }
    }

    fn assert_consistent(meta: &Meta) {
        assert_eq!(meta.audit().unwrap(), Vec::<String>::new());
    }

    #[test]
    fn indexes_follow_links_manifests_and_tags() {
        let dir = tempfile::tempdir().unwrap();
        let meta = Meta::open(dir.path()).unwrap();
        meta.link_blob("p/main", D1, 100).unwrap();
        meta.link_blob("p/dev", D1, 100).unwrap();
        meta.link_blob("_gha/main", D3, 7).unwrap();
        assert_eq!(meta.repositories_of(D1).unwrap(), ["p/dev", "p/main"]);
        meta.put_manifest("p/main", D2, &record(&[D1]), Some("latest"))
            .unwrap();
        meta.put_tag("p/main", "v1", D2).unwrap();
        assert_consistent(&meta);
        assert_eq!(meta.referrers(D1).unwrap(), [D2]);
        // Referenced (D1), GitHub cache (D3) and manifests (D2) are not unreferenced.
        assert!(meta.unreferenced(u64::MAX).unwrap().is_empty());
        let manifests = meta.manifests_by_access(None, u64::MAX, 10).unwrap();
        assert_eq!(manifests.len(), 1);
        assert_eq!(manifests[0].1, D2);
        meta.set_last_access(D2, 3).unwrap();
        assert_eq!(
            meta.manifests_by_access(None, u64::MAX, 10).unwrap(),
            [(3, D2.to_string())]
        );
        let facts = meta.blob_facts(D1).unwrap().unwrap();
        assert!(facts.referenced && !facts.gha && facts.pushed.is_none());
        assert_eq!(facts.size, 100);
        let facts = meta.blob_facts(D3).unwrap().unwrap();
        assert!(!facts.referenced && facts.gha);
        assert!(meta.blob_facts(D2).unwrap().unwrap().pushed.is_some());
        assert_eq!(meta.blob_facts(D4).unwrap(), None);
        // Retagging moves the tag index entry.
        meta.put_manifest("p/main", D4, &record(&[]), Some("latest"))
            .unwrap();
        assert_consistent(&meta);
        // Unlinking the manifest drops its remaining tag (v1) and its record and references.
        assert!(meta.delete_manifest("p/main", D2).unwrap());
        assert_consistent(&meta);
        assert_eq!(meta.get_tag("p/main", "v1").unwrap(), None);
        assert_eq!(
            meta.get_tag("p/main", "latest").unwrap().as_deref(),
            Some(D4)
        );
        assert!(meta.referrers(D1).unwrap().is_empty());
        assert!(!meta.blob_facts(D1).unwrap().unwrap().referenced);
        // So is the manifest's own blob, now that no repository links it.
        let mut loose: Vec<String> = meta
            .unreferenced(u64::MAX)
            .unwrap()
            .into_iter()
            .map(|(_, d)| d)
            .collect();
        loose.sort();
        assert_eq!(loose, [D1, D2]);
        assert_eq!(meta.counts().unwrap().manifests, 1);
        // Forgetting a blob drops every link and the repositories left empty.
        meta.forget_blob(D1).unwrap();
        meta.forget_blob(D2).unwrap();
        assert_consistent(&meta);
        assert_eq!(meta.repositories().unwrap(), ["_gha/main", "p/main"]);
        assert_eq!(
            meta.stats().unwrap(),
            Stats {
                logical_bytes: 17,
                stored_bytes: 17
            }
        );
        let counts = meta.counts().unwrap();
        assert_eq!((counts.blobs, counts.repositories), (2, 2));
    }

    #[test]
    fn least_recently_used_order_pages() {
        let dir = tempfile::tempdir().unwrap();
        let meta = Meta::open(dir.path()).unwrap();
        for (digest, time) in [(D1, 30), (D2, 10), (D3, 20), (D4, 20)] {
            meta.link_blob("r", digest, 1).unwrap();
            meta.set_last_access(digest, time).unwrap();
        }
        // Touching moves the entry instead of adding one.
        meta.set_last_access(D1, 5).unwrap();
        assert_consistent(&meta);
        let all = meta.least_recently_used(None, u64::MAX, 10).unwrap();
        let order: Vec<&str> = all.iter().map(|(_, d)| d.as_str()).collect();
        assert_eq!(order, [D1, D2, D3, D4]);
        let page = meta
            .least_recently_used(Some((20, D3)), u64::MAX, 10)
            .unwrap();
        assert_eq!(page, [(20, D4.to_string())]);
        let page = meta.least_recently_used(None, 20, 10).unwrap();
        assert_eq!(page.len(), 2);
        assert_eq!(
            meta.least_recently_used(None, u64::MAX, 1).unwrap().len(),
            1
        );
    }

    #[test]
    fn forgetting_a_referenced_blob_marks_the_manifest_broken() {
        let dir = tempfile::tempdir().unwrap();
        let meta = Meta::open(dir.path()).unwrap();
        meta.link_blob("r", D1, 5).unwrap();
        meta.put_manifest("r", D2, &record(&[D1]), Some("t"))
            .unwrap();
        meta.forget_blob(D1).unwrap();
        assert_eq!(meta.broken_manifests().unwrap(), [D2]);
        assert_consistent(&meta);
        // Pushing the manifest again (after the blob) repairs it.
        meta.link_blob("r", D1, 5).unwrap();
        meta.put_manifest("r", D2, &record(&[D1]), None).unwrap();
        assert!(meta.broken_manifests().unwrap().is_empty());
    }

    #[test]
    fn unlink_keeps_the_blob_and_touch_ignores_unknown_digests() {
        let dir = tempfile::tempdir().unwrap();
        let meta = Meta::open(dir.path()).unwrap();
        meta.link_blob("a", D1, 10).unwrap();
        meta.link_blob("b", D1, 10).unwrap();
        assert!(meta.unlink_blob("a", D1).unwrap());
        assert!(!meta.unlink_blob("a", D1).unwrap());
        assert_eq!(meta.repositories().unwrap(), ["b"]);
        assert_eq!(
            meta.stats().unwrap(),
            Stats {
                logical_bytes: 10,
                stored_bytes: 10
            }
        );
        meta.touch(D2).unwrap();
        assert_eq!(meta.last_access(D2).unwrap(), None);
        // A touch right after the link's records nothing new; an old access is moved to now.
        let linked = meta.last_access(D1).unwrap().unwrap();
        meta.touch(D1).unwrap();
        assert_eq!(meta.last_access(D1).unwrap(), Some(linked));
        meta.set_last_access(D1, 5).unwrap();
        meta.touch(D1).unwrap();
        assert!(meta.last_access(D1).unwrap().unwrap() >= linked);
        assert_consistent(&meta);
    }

    #[test]
    fn a_database_without_indexes_gets_them_on_open() {
        let dir = tempfile::tempdir().unwrap();
        {
            // The tables as the first version of this module wrote them.
            let db = Database::create(dir.path().join("meta.redb")).unwrap();
            let txn = db.begin_write().unwrap();
            {
                let mut repos = txn.open_table(REPOS).unwrap();
                repos.insert("a", 110).unwrap();
                repos.insert("b", 100).unwrap();
                let mut links = txn.open_table(REPO_BLOBS).unwrap();
                links.insert(("a", D1), 100).unwrap();
                links.insert(("b", D1), 100).unwrap();
                links.insert(("a", D2), 10).unwrap();
                let mut blobs = txn.open_table(BLOBS).unwrap();
                blobs.insert(D1, 100).unwrap();
                blobs.insert(D2, 10).unwrap();
                let bytes = serde_json::to_vec(&record(&[D1])).unwrap();
                txn.open_table(MANIFESTS)
                    .unwrap()
                    .insert(D2, bytes.as_slice())
                    .unwrap();
                txn.open_table(TAGS)
                    .unwrap()
                    .insert(("a", "t"), D2)
                    .unwrap();
                let mut access = txn.open_table(ACCESS).unwrap();
                access.insert(D1, 5).unwrap();
                access.insert(D2, 6).unwrap();
                txn.open_table(COUNTERS)
                    .unwrap()
                    .insert(STORED_BYTES, 110)
                    .unwrap();
            }
            txn.commit().unwrap();
        }
        let meta = Meta::open(dir.path()).unwrap();
        assert_consistent(&meta);
        assert_eq!(
            meta.stats().unwrap(),
            Stats {
                logical_bytes: 210,
                stored_bytes: 110
            }
        );
        assert_eq!(meta.referrers(D1).unwrap(), [D2]);
        assert_eq!(meta.repositories_of(D1).unwrap(), ["a", "b"]);
        let lru = meta.least_recently_used(None, u64::MAX, 10).unwrap();
        assert_eq!(lru, [(5, D1.to_string()), (6, D2.to_string())]);
        assert!(meta.delete_manifest("a", D2).unwrap());
        assert_eq!(meta.get_tag("a", "t").unwrap(), None);
        assert_consistent(&meta);
    }

    #[test]
    fn uploads_list_with_last_update() {
        let dir = tempfile::tempdir().unwrap();
        let meta = Meta::open(dir.path()).unwrap();
        let session = UploadSession {
            repository: "r".into(),
            started: 1,
            bytes: 0,
        };
        meta.put_upload("a", &session).unwrap();
        meta.put_upload("b", &session).unwrap();
        let list = meta.uploads().unwrap();
        assert_eq!(list.len(), 2);
        assert!(
            list.iter()
                .all(|e| e.updated >= now() - 5 && e.session == session)
        );
        meta.delete_upload("a").unwrap();
        assert_eq!(meta.uploads().unwrap().len(), 1);
        assert_eq!(meta.counts().unwrap().uploads, 1);
    }
}
