//! Metadata of the cache server in one redb database, `<data>/meta.redb`: repositories and the
//! blobs linked to them, tags, manifests, per-repository logical bytes, last access times and
//! upload sessions.
//!
//! Blobs are global (stored once, [`crate::blobs`]); a repository only *links* them. Linking
//! counts the blob's size into the repository's logical bytes once per repository, and into the
//! stored bytes once overall, so [`Meta::stats`] shows the deduplication. Manifests are linked the
//! same way (their bytes live in the blob store too). Every call is one redb transaction and
//! blocks: async callers use `tokio::task::spawn_blocking`.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use serde::{Deserialize, Serialize};

/// repository -> logical bytes linked to it.
const REPOS: TableDefinition<&str, u64> = TableDefinition::new("repos");
/// (repository, digest) -> size: blobs and manifests linked to a repository.
const REPO_BLOBS: TableDefinition<(&str, &str), u64> = TableDefinition::new("repo_blobs");
/// digest -> size: everything known to be stored once.
const BLOBS: TableDefinition<&str, u64> = TableDefinition::new("blobs");
/// (repository, tag) -> manifest digest.
const TAGS: TableDefinition<(&str, &str), &str> = TableDefinition::new("tags");
/// manifest digest -> JSON [`ManifestRecord`].
const MANIFESTS: TableDefinition<&str, &[u8]> = TableDefinition::new("manifests");
/// digest -> last access, seconds since the epoch.
const ACCESS: TableDefinition<&str, u64> = TableDefinition::new("access");
/// upload id -> JSON [`UploadSession`].
const UPLOADS: TableDefinition<&str, &[u8]> = TableDefinition::new("uploads");
/// name -> counter (`stored_bytes`).
const COUNTERS: TableDefinition<&str, u64> = TableDefinition::new("counters");

const STORED_BYTES: &str = "stored_bytes";

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

/// Byte counts of the whole store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// What clients pushed, counted once per repository that links each blob.
    pub logical_bytes: u64,
    /// What the store holds: each blob once.
    pub stored_bytes: u64,
}

/// One page of tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagPage {
    /// Tags in lexical order.
    pub tags: Vec<String>,
    /// Whether tags follow the last one returned.
    pub more: bool,
}

/// The metadata database.
#[derive(Debug)]
pub struct Meta {
    db: Database,
}

fn now() -> u64 {
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
            txn.open_table(BLOBS)?;
            txn.open_table(TAGS)?;
            txn.open_table(MANIFESTS)?;
            txn.open_table(ACCESS)?;
            txn.open_table(UPLOADS)?;
            txn.open_table(COUNTERS)?;
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

    /// Forgets a blob that the store deleted: its stored bytes and its links (and the logical
    /// bytes of every repository that linked it).
    pub fn forget_blob(&self, digest: &str) -> Result<()> {
        let txn = self.db.begin_write()?;
        {
            let mut blobs = txn.open_table(BLOBS)?;
            let size = blobs.remove(digest)?.map(|g| g.value());
            if let Some(size) = size {
                let mut counters = txn.open_table(COUNTERS)?;
                let stored = counters.get(STORED_BYTES)?.map(|g| g.value()).unwrap_or(0);
                counters.insert(STORED_BYTES, stored.saturating_sub(size))?;
            }
            let mut links = txn.open_table(REPO_BLOBS)?;
            let mut repos = txn.open_table(REPOS)?;
            let linked: Vec<(String, u64)> = links
                .iter()?
                .filter_map(|entry| entry.ok())
                .filter(|(k, _)| k.value().1 == digest)
                .map(|(k, v)| (k.value().0.to_string(), v.value()))
                .collect();
            for (repo, size) in linked {
                links.remove((repo.as_str(), digest))?;
                let logical = repos.get(repo.as_str())?.map(|g| g.value()).unwrap_or(0);
                repos.insert(repo.as_str(), logical.saturating_sub(size))?;
            }
            txn.open_table(ACCESS)?.remove(digest)?;
        }
        txn.commit()?;
        Ok(())
    }

    /// Stores a manifest's record and links it to `repository`; with `tag`, points the tag at it.
    pub fn put_manifest(
        &self,
        repository: &str,
        digest: &str,
        record: &ManifestRecord,
        tag: Option<&str>,
    ) -> Result<()> {
        let bytes = encode(digest, record)?;
        let txn = self.db.begin_write()?;
        {
            txn.open_table(MANIFESTS)?
                .insert(digest, bytes.as_slice())?;
            link(&txn, repository, digest, record.size)?;
            if let Some(tag) = tag {
                txn.open_table(TAGS)?.insert((repository, tag), digest)?;
            }
            txn.open_table(ACCESS)?.insert(digest, now())?;
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
        let found;
        {
            let mut links = txn.open_table(REPO_BLOBS)?;
            let size = links.remove((repository, digest))?.map(|g| g.value());
            found = size.is_some();
            if let Some(size) = size {
                let mut repos = txn.open_table(REPOS)?;
                let logical = repos.get(repository)?.map(|g| g.value()).unwrap_or(0);
                repos.insert(repository, logical.saturating_sub(size))?;
                let mut tags = txn.open_table(TAGS)?;
                let stale: Vec<String> = tags
                    .range((repository, "")..)?
                    .filter_map(|entry| entry.ok())
                    .take_while(|(k, _)| k.value().0 == repository)
                    .filter(|(_, v)| v.value() == digest)
                    .map(|(k, _)| k.value().1.to_string())
                    .collect();
                for tag in stale {
                    tags.remove((repository, tag.as_str()))?;
                }
                let still_linked = links
                    .iter()?
                    .filter_map(|entry| entry.ok())
                    .any(|(k, _)| k.value().1 == digest);
                if !still_linked {
                    txn.open_table(MANIFESTS)?.remove(digest)?;
                }
            }
        }
        txn.commit()?;
        Ok(found)
    }

    /// Points `tag` of `repository` at a manifest digest.
    pub fn put_tag(&self, repository: &str, tag: &str, digest: &str) -> Result<()> {
        let txn = self.db.begin_write()?;
        txn.open_table(TAGS)?.insert((repository, tag), digest)?;
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
        let found = txn.open_table(TAGS)?.remove((repository, tag))?.is_some();
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
        let mut names = tags
            .range((repository, last.unwrap_or(""))..)?
            .filter_map(|entry| entry.ok())
            .take_while(|(k, _)| k.value().0 == repository)
            .map(|(k, _)| k.value().1.to_string())
            .filter(|tag| Some(tag.as_str()) != last);
        let limit = n.unwrap_or(usize::MAX);
        let page: Vec<String> = names.by_ref().take(limit).collect();
        let more = names.next().is_some();
        Ok(TagPage { tags: page, more })
    }

    /// Repositories in lexical order.
    pub fn repositories(&self) -> Result<Vec<String>> {
        let txn = self.db.begin_read()?;
        let repos = txn.open_table(REPOS)?;
        let out = repos
            .iter()?
            .filter_map(|entry| entry.ok())
            .map(|(k, _)| k.value().to_string())
            .collect();
        Ok(out)
    }

    /// Records an access to a blob or manifest now.
    pub fn touch(&self, digest: &str) -> Result<()> {
        let txn = self.db.begin_write()?;
        txn.open_table(ACCESS)?.insert(digest, now())?;
        txn.commit()?;
        Ok(())
    }

    /// Last access of a blob or manifest, seconds since the epoch.
    pub fn last_access(&self, digest: &str) -> Result<Option<u64>> {
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(ACCESS)?.get(digest)?.map(|g| g.value()))
    }

    /// Starts or updates an upload session.
    pub fn put_upload(&self, id: &str, session: &UploadSession) -> Result<()> {
        let bytes = encode(id, session)?;
        let txn = self.db.begin_write()?;
        txn.open_table(UPLOADS)?.insert(id, bytes.as_slice())?;
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
        txn.commit()?;
        Ok(found)
    }

    /// Logical bytes (summed over repositories) and stored bytes (each blob once).
    pub fn stats(&self) -> Result<Stats> {
        let txn = self.db.begin_read()?;
        let logical_bytes = txn
            .open_table(REPOS)?
            .iter()?
            .filter_map(|entry| entry.ok())
            .map(|(_, v)| v.value())
            .sum();
        let stored_bytes = txn
            .open_table(COUNTERS)?
            .get(STORED_BYTES)?
            .map(|g| g.value())
            .unwrap_or(0);
        Ok(Stats {
            logical_bytes,
            stored_bytes,
        })
    }

    /// (repository, subject digest, manifest digest) -> JSON descriptor of a manifest whose
    /// `subject` is that digest (the referrers API).
    const REFERRERS: TableDefinition<
        'static,
        (&'static str, &'static str, &'static str),
        &'static [u8],
    > = TableDefinition::new("referrers");

    /// Links several stored blobs to `repository` in one transaction; see [`Meta::link_blob`].
    pub fn link_blobs(&self, repository: &str, blobs: &[(String, u64)]) -> Result<()> {
        let txn = self.db.begin_write()?;
        for (digest, size) in blobs {
            link(&txn, repository, digest, *size)?;
        }
        txn.commit()?;
        Ok(())
    }

    /// Unlinks a blob from `repository` (its logical bytes drop); the stored blob stays. Returns
    /// whether it was linked.
    pub fn unlink_blob(&self, repository: &str, digest: &str) -> Result<bool> {
        let txn = self.db.begin_write()?;
        let size = txn
            .open_table(REPO_BLOBS)?
            .remove((repository, digest))?
            .map(|g| g.value());
        if let Some(size) = size {
            let mut repos = txn.open_table(REPOS)?;
            let logical = repos.get(repository)?.map(|g| g.value()).unwrap_or(0);
            repos.insert(repository, logical.saturating_sub(size))?;
        }
        txn.commit()?;
        Ok(size.is_some())
    }

    /// Whether any repository links `digest` (a scan of the links: for deletes, not hot paths).
    pub fn linked_anywhere(&self, digest: &str) -> Result<bool> {
        let txn = self.db.begin_read()?;
        let links = txn.open_table(REPO_BLOBS)?;
        for entry in links.iter()? {
            if entry?.0.value().1 == digest {
                return Ok(true);
            }
        }
        Ok(false)
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
    pub fn put_referrer(
        &self,
        repository: &str,
        subject: &str,
        digest: &str,
        descriptor: &serde_json::Value,
    ) -> Result<()> {
        let bytes = encode(digest, descriptor)?;
        let txn = self.db.begin_write()?;
        txn.open_table(Self::REFERRERS)?
            .insert((repository, subject, digest), bytes.as_slice())?;
        txn.commit()?;
        Ok(())
    }

    /// Descriptors of the manifests in `repository` whose subject is `subject` and that are still
    /// linked there.
    pub fn referrers(&self, repository: &str, subject: &str) -> Result<Vec<serde_json::Value>> {
        let txn = self.db.begin_read()?;
        let table = match txn.open_table(Self::REFERRERS) {
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
}

/// Links `digest` to `repository` inside `txn`; see [`Meta::link_blob`].
fn link(txn: &redb::WriteTransaction, repository: &str, digest: &str, size: u64) -> Result<bool> {
    let mut links = txn.open_table(REPO_BLOBS)?;
    let mut repos = txn.open_table(REPOS)?;
    let logical = repos.get(repository)?.map(|g| g.value()).unwrap_or(0);
    let new = links.get((repository, digest))?.is_none();
    if new {
        links.insert((repository, digest), size)?;
        repos.insert(repository, logical + size)?;
    } else if repos.get(repository)?.is_none() {
        repos.insert(repository, logical)?;
    }
    let mut blobs = txn.open_table(BLOBS)?;
    if blobs.get(digest)?.is_none() {
        blobs.insert(digest, size)?;
        let mut counters = txn.open_table(COUNTERS)?;
        let stored = counters.get(STORED_BYTES)?.map(|g| g.value()).unwrap_or(0);
        counters.insert(STORED_BYTES, stored + size)?;
    }
    txn.open_table(ACCESS)?.insert(digest, now())?;
    Ok(new)
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
}
