//! Cache entries in the server's redb database (tables of their own, next to [`crate::meta`]'s).
//!
//! | table          | key                     | value                                          |
//! |----------------|-------------------------|------------------------------------------------|
//! | `gha_entries`  | (scope, key, version)   | JSON [`EntryRecord`]: id, upload, blob once finalized |
//! | `gha_uploads`  | upload id               | JSON [`UploadRecord`]: whose upload, the blob once committed |
//! | `gha_counters` | `next_id`, `digests_indexed` | the last entry id handed out; whether `gha_digests` is built |
//! | `gha_digests`  | (digest, scope, key, version) | finalized entries by archive digest       |
//!
//! An entry is *reserved* by `CreateCacheEntry` (so a second job saving the same key+version in
//! the same scope is refused), gets its blob when the upload commits, and becomes visible to
//! restores when `FinalizeCacheEntryUpload` marks it finalized. A reservation that is never
//! finalized stops blocking the key after [`RESERVATION_TTL`]. Every call is one transaction and
//! blocks: async callers use `spawn_blocking`.
//!
//! Restores record the entry's last access ([`Entries::touch`], at most one write per entry per
//! [`TOUCH_RESOLUTION`] seconds); eviction ([`crate::evict`]) lists the entries
//! ([`Entries::list`]) and removes expired or least recently used ones ([`Entries::remove`]):
//! the record and, in the same transaction, the link of its blob to `_gha/<scope>` unless
//! another entry of a scope with the same pseudo-repository still holds that blob
//! (`gha_digests` answers that without a scan).

use std::sync::Arc;

use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

use super::GhaError;
use crate::meta::Meta;

/// (scope, key, version) -> JSON [`EntryRecord`].
const ENTRIES: TableDefinition<(&str, &str, &str), &[u8]> = TableDefinition::new("gha_entries");
/// upload id -> JSON [`UploadRecord`].
const UPLOADS: TableDefinition<&str, &[u8]> = TableDefinition::new("gha_uploads");
/// name -> counter.
const COUNTERS: TableDefinition<&str, u64> = TableDefinition::new("gha_counters");
const NEXT_ID: &str = "next_id";
/// (digest, scope, key, version): finalized entries by the digest of their archive.
const DIGESTS: TableDefinition<(&str, &str, &str, &str), ()> = TableDefinition::new("gha_digests");
/// Set in `gha_counters` once `gha_digests` has been built from `gha_entries`.
const DIGESTS_INDEXED: &str = "digests_indexed";

/// How long an unfinished reservation blocks its key (seconds).
pub const RESERVATION_TTL: u64 = 6 * 3600;

/// Seconds within which a second [`Entries::touch`] of an entry records nothing new.
pub const TOUCH_RESOLUTION: u64 = 60;

/// A stored blob: its digest and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobRef {
    /// `sha256:<hex>`.
    pub digest: String,
    /// Size in bytes.
    pub size: u64,
}

/// One cache entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryRecord {
    /// The id `FinalizeCacheEntryUpload` reports.
    pub id: u64,
    /// The upload that fills it.
    pub upload: String,
    /// Creation time, seconds since the epoch (restore-key matches prefer the newest).
    pub created: u64,
    /// The archive, once finalized; `None` while reserved.
    pub blob: Option<BlobRef>,
    /// Last restore, seconds since the epoch (`None`: never restored).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accessed: Option<u64>,
}

impl EntryRecord {
    /// When the entry was last created or restored, seconds since the epoch.
    pub fn last_used(&self) -> u64 {
        self.accessed.unwrap_or(0).max(self.created)
    }
}

/// An entry with its identity, as [`Entries::list`] returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Scope of the entry.
    pub scope: String,
    /// Key of the entry.
    pub key: String,
    /// Version of the entry.
    pub version: String,
    /// The record.
    pub record: EntryRecord,
}

/// What [`Entries::remove`] removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    /// The entry's archive, when it was finalized.
    pub blob: Option<BlobRef>,
    /// Whether the archive's link to `_gha/<scope>` went with it (no other entry of that
    /// pseudo-repository holds the same archive).
    pub unlinked: bool,
}

/// An upload of an entry's archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadRecord {
    /// Scope of the entry.
    pub scope: String,
    /// Key of the entry.
    pub key: String,
    /// Version of the entry.
    pub version: String,
    /// Start time, seconds since the epoch.
    pub created: u64,
    /// The committed blob, once the archive is complete.
    pub blob: Option<BlobRef>,
}

/// A restore hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// The key that matched (the primary key, or an entry found by prefix).
    pub key: String,
    /// The scope it was found in.
    pub scope: String,
    /// Its archive.
    pub blob: BlobRef,
}

fn db_err(e: impl Into<redb::Error>) -> GhaError {
    GhaError::Meta(crate::meta::MetaError::Db(e.into()))
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, GhaError> {
    serde_json::to_vec(value).map_err(|e| GhaError::Record(e.to_string()))
}

fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, GhaError> {
    serde_json::from_slice(bytes).map_err(|e| GhaError::Record(e.to_string()))
}

/// The entry tables.
#[derive(Debug, Clone)]
pub struct Entries {
    meta: Arc<Meta>,
}

impl Entries {
    /// Opens (creating) the tables in `meta`'s database.
    pub fn open(meta: Arc<Meta>) -> Result<Self, GhaError> {
        let txn = meta.db().begin_write().map_err(db_err)?;
        {
            let entries = txn.open_table(ENTRIES).map_err(db_err)?;
            txn.open_table(UPLOADS).map_err(db_err)?;
            let mut counters = txn.open_table(COUNTERS).map_err(db_err)?;
            let mut digests = txn.open_table(DIGESTS).map_err(db_err)?;
            if counters.get(DIGESTS_INDEXED).map_err(db_err)?.is_none() {
                // A database from before the index: build it once.
                for item in entries.iter().map_err(db_err)? {
                    let (k, v) = item.map_err(db_err)?;
                    let (scope, key, version) = k.value();
                    let record: EntryRecord = decode(v.value())?;
                    if let Some(blob) = &record.blob {
                        digests
                            .insert((blob.digest.as_str(), scope, key, version), ())
                            .map_err(db_err)?;
                    }
                }
                counters.insert(DIGESTS_INDEXED, 1).map_err(db_err)?;
            }
        }
        txn.commit().map_err(db_err)?;
        Ok(Self { meta })
    }

    /// Records a restore of the finalized entry (scope, key, version) at `now`; an access within
    /// [`TOUCH_RESOLUTION`] seconds of the recorded one only reads. Returns whether it wrote.
    pub fn touch(&self, scope: &str, key: &str, version: &str, now: u64) -> Result<bool, GhaError> {
        let fresh = |record: &EntryRecord| {
            record.blob.is_none() || {
                let last = record.last_used();
                last <= now && now - last < TOUCH_RESOLUTION
            }
        };
        {
            let txn = self.meta.db().begin_read().map_err(db_err)?;
            let entries = txn.open_table(ENTRIES).map_err(db_err)?;
            match entries.get((scope, key, version)).map_err(db_err)? {
                Some(bytes) if !fresh(&decode(bytes.value())?) => {}
                _ => return Ok(false),
            }
        }
        let txn = self.meta.db().begin_write().map_err(db_err)?;
        {
            let mut entries = txn.open_table(ENTRIES).map_err(db_err)?;
            let mut record: EntryRecord =
                match entries.get((scope, key, version)).map_err(db_err)? {
                    Some(bytes) => decode(bytes.value())?,
                    None => return Ok(false),
                };
            if fresh(&record) {
                return Ok(false);
            }
            record.accessed = Some(now);
            entries
                .insert((scope, key, version), encode(&record)?.as_slice())
                .map_err(db_err)?;
        }
        txn.commit().map_err(db_err)?;
        Ok(true)
    }

    /// Every entry, finalized or reserved, in (scope, key, version) order. Reads the whole
    /// table: for eviction, which runs every few minutes.
    pub fn list(&self) -> Result<Vec<Listed>, GhaError> {
        let txn = self.meta.db().begin_read().map_err(db_err)?;
        let entries = txn.open_table(ENTRIES).map_err(db_err)?;
        let mut out = Vec::new();
        for item in entries.iter().map_err(db_err)? {
            let (k, v) = item.map_err(db_err)?;
            let (scope, key, version) = k.value();
            out.push(Listed {
                scope: scope.to_string(),
                key: key.to_string(),
                version: version.to_string(),
                record: decode(v.value())?,
            });
        }
        Ok(out)
    }

    /// Removes the entry (scope, key, version) if it is still the one with `id` and was last used
    /// before `used_before` (a restore since it was chosen keeps it): its record, its upload
    /// record if it was still reserved, and, in the same transaction, the link of its archive to
    /// `_gha/<scope>` unless another entry of that pseudo-repository holds the same archive. The
    /// archive's bytes stay; once nothing links it, eviction's unreferenced sweep deletes them.
    /// Returns `None` when the entry is kept or gone.
    pub fn remove(
        &self,
        scope: &str,
        key: &str,
        version: &str,
        id: u64,
        used_before: u64,
    ) -> Result<Option<Removed>, GhaError> {
        let txn = self.meta.db().begin_write().map_err(db_err)?;
        let removed = {
            let mut entries = txn.open_table(ENTRIES).map_err(db_err)?;
            let record: EntryRecord = match entries.get((scope, key, version)).map_err(db_err)? {
                Some(bytes) => decode(bytes.value())?,
                None => return Ok(None),
            };
            if record.id != id || record.last_used() >= used_before {
                return Ok(None);
            }
            entries.remove((scope, key, version)).map_err(db_err)?;
            txn.open_table(UPLOADS)
                .map_err(db_err)?
                .remove(record.upload.as_str())
                .map_err(db_err)?;
            let mut unlinked = false;
            if let Some(blob) = &record.blob {
                let digest = blob.digest.as_str();
                let mut digests = txn.open_table(DIGESTS).map_err(db_err)?;
                digests
                    .remove((digest, scope, key, version))
                    .map_err(db_err)?;
                let repository = super::scope::repository_of(scope);
                let mut shared = false;
                for item in digests.range((digest, "", "", "")..).map_err(db_err)? {
                    let (k, _) = item.map_err(db_err)?;
                    let (d, other, _, _) = k.value();
                    if d != digest {
                        break;
                    }
                    if super::scope::repository_of(other) == repository {
                        shared = true;
                        break;
                    }
                }
                if !shared {
                    unlinked = Meta::unlink_in(&txn, &repository, digest)?;
                }
            }
            Removed {
                blob: record.blob,
                unlinked,
            }
        };
        txn.commit().map_err(db_err)?;
        Ok(Some(removed))
    }

    /// Checks that every finalized entry is indexed by its digest and its archive linked to its
    /// pseudo-repository, and that the index names only such entries; lists the differences
    /// (empty when consistent). Scans everything: for tests and offline checks.
    pub fn audit(&self) -> Result<Vec<String>, GhaError> {
        let mut out = Vec::new();
        let mut finalized = std::collections::HashSet::new();
        for entry in self.list()? {
            let Some(blob) = &entry.record.blob else {
                continue;
            };
            let repository = super::scope::repository_of(&entry.scope);
            if !self.meta.is_linked(&repository, &blob.digest)? {
                out.push(format!(
                    "entry {}/{}/{}: {} not linked to {repository}",
                    entry.scope, entry.key, entry.version, blob.digest
                ));
            }
            finalized.insert((
                blob.digest.clone(),
                entry.scope.clone(),
                entry.key.clone(),
                entry.version.clone(),
            ));
        }
        let txn = self.meta.db().begin_read().map_err(db_err)?;
        let mut indexed = std::collections::HashSet::new();
        for item in txn
            .open_table(DIGESTS)
            .map_err(db_err)?
            .iter()
            .map_err(db_err)?
        {
            let (k, _) = item.map_err(db_err)?;
            let (d, s, key, v) = k.value();
            indexed.insert((d.to_string(), s.to_string(), key.to_string(), v.to_string()));
        }
        for missing in finalized.difference(&indexed) {
            out.push(format!("gha_digests lacks {missing:?}"));
        }
        for extra in indexed.difference(&finalized) {
            out.push(format!("gha_digests has stale {extra:?}"));
        }
        Ok(out)
    }

    /// Reserves (scope, key, version) for a new upload `upload_id` at time `now`. Fails with
    /// [`GhaError::AlreadyExists`] when the entry is finalized or reserved less than
    /// [`RESERVATION_TTL`] ago.
    pub fn reserve(
        &self,
        scope: &str,
        key: &str,
        version: &str,
        upload_id: &str,
        now: u64,
    ) -> Result<EntryRecord, GhaError> {
        let txn = self.meta.db().begin_write().map_err(db_err)?;
        let record = {
            let mut entries = txn.open_table(ENTRIES).map_err(db_err)?;
            let existing = entries
                .get((scope, key, version))
                .map_err(db_err)?
                .map(|g| decode::<EntryRecord>(g.value()))
                .transpose()?;
            let blocking = existing.as_ref().is_some_and(|old| {
                old.blob.is_some() || old.created.saturating_add(RESERVATION_TTL) > now
            });
            if blocking {
                return Err(GhaError::AlreadyExists {
                    key: key.to_string(),
                });
            }
            let mut uploads = txn.open_table(UPLOADS).map_err(db_err)?;
            if let Some(old) = &existing {
                uploads.remove(old.upload.as_str()).map_err(db_err)?;
            }
            let mut counters = txn.open_table(COUNTERS).map_err(db_err)?;
            let id = counters
                .get(NEXT_ID)
                .map_err(db_err)?
                .map(|g| g.value())
                .unwrap_or(0)
                + 1;
            counters.insert(NEXT_ID, id).map_err(db_err)?;
            let record = EntryRecord {
                id,
                upload: upload_id.to_string(),
                created: now,
                blob: None,
                accessed: None,
            };
            entries
                .insert((scope, key, version), encode(&record)?.as_slice())
                .map_err(db_err)?;
            let upload = UploadRecord {
                scope: scope.to_string(),
                key: key.to_string(),
                version: version.to_string(),
                created: now,
                blob: None,
            };
            uploads
                .insert(upload_id, encode(&upload)?.as_slice())
                .map_err(db_err)?;
            record
        };
        txn.commit().map_err(db_err)?;
        Ok(record)
    }

    /// An upload in progress.
    pub fn upload(&self, upload_id: &str) -> Result<Option<UploadRecord>, GhaError> {
        let txn = self.meta.db().begin_read().map_err(db_err)?;
        let uploads = txn.open_table(UPLOADS).map_err(db_err)?;
        let Some(bytes) = uploads.get(upload_id).map_err(db_err)? else {
            return Ok(None);
        };
        decode(bytes.value()).map(Some)
    }

    /// Records the blob an upload committed (replacing an earlier commit of the same upload).
    pub fn commit_upload(&self, upload_id: &str, blob: BlobRef) -> Result<(), GhaError> {
        let txn = self.meta.db().begin_write().map_err(db_err)?;
        {
            let mut uploads = txn.open_table(UPLOADS).map_err(db_err)?;
            let mut record: UploadRecord = match uploads.get(upload_id).map_err(db_err)? {
                Some(bytes) => decode(bytes.value())?,
                None => return Err(GhaError::UnknownUpload),
            };
            record.blob = Some(blob);
            uploads
                .insert(upload_id, encode(&record)?.as_slice())
                .map_err(db_err)?;
        }
        txn.commit().map_err(db_err)?;
        Ok(())
    }

    /// Finalizes the reserved entry (scope, key, version): its upload must have committed a blob
    /// (of `size` bytes when the client states one). Returns the finalized record and the
    /// upload id (whose staging the caller may remove).
    pub fn finalize(
        &self,
        scope: &str,
        key: &str,
        version: &str,
        size: Option<u64>,
    ) -> Result<EntryRecord, GhaError> {
        let txn = self.meta.db().begin_write().map_err(db_err)?;
        let record = {
            let mut entries = txn.open_table(ENTRIES).map_err(db_err)?;
            let mut record: EntryRecord =
                match entries.get((scope, key, version)).map_err(db_err)? {
                    Some(bytes) => decode(bytes.value())?,
                    None => {
                        return Err(GhaError::NotReserved {
                            key: key.to_string(),
                        });
                    }
                };
            if record.blob.is_some() {
                return Err(GhaError::AlreadyExists {
                    key: key.to_string(),
                });
            }
            let mut uploads = txn.open_table(UPLOADS).map_err(db_err)?;
            let upload: UploadRecord = match uploads.get(record.upload.as_str()).map_err(db_err)? {
                Some(bytes) => decode(bytes.value())?,
                None => return Err(GhaError::UnknownUpload),
            };
            let Some(blob) = upload.blob else {
                return Err(GhaError::NotUploaded {
                    key: key.to_string(),
                });
            };
            if let Some(stated) = size.filter(|s| *s != blob.size) {
                return Err(GhaError::SizeMismatch {
                    stated,
                    uploaded: blob.size,
                });
            }
            uploads.remove(record.upload.as_str()).map_err(db_err)?;
            txn.open_table(DIGESTS)
                .map_err(db_err)?
                .insert((blob.digest.as_str(), scope, key, version), ())
                .map_err(db_err)?;
            record.blob = Some(blob);
            entries
                .insert((scope, key, version), encode(&record)?.as_slice())
                .map_err(db_err)?;
            record
        };
        txn.commit().map_err(db_err)?;
        Ok(record)
    }

    /// Looks an entry up as GitHub does: in each scope of `scopes` in turn, the exact `key`, then
    /// the newest entry whose key starts with `key`, then for each restore key in order the
    /// newest entry whose key starts with it; only finalized entries of `version` count.
    pub fn lookup(
        &self,
        scopes: &[String],
        key: &str,
        restore_keys: &[String],
        version: &str,
    ) -> Result<Option<Hit>, GhaError> {
        let txn = self.meta.db().begin_read().map_err(db_err)?;
        let entries = txn.open_table(ENTRIES).map_err(db_err)?;
        for scope in scopes {
            if let Some(bytes) = entries
                .get((scope.as_str(), key, version))
                .map_err(db_err)?
            {
                let record: EntryRecord = decode(bytes.value())?;
                if let Some(blob) = record.blob {
                    return Ok(Some(Hit {
                        key: key.to_string(),
                        scope: scope.clone(),
                        blob,
                    }));
                }
            }
            for prefix in std::iter::once(key).chain(restore_keys.iter().map(String::as_str)) {
                let mut best: Option<(u64, u64, String, BlobRef)> = None;
                for item in entries
                    .range((scope.as_str(), prefix, "")..)
                    .map_err(db_err)?
                {
                    let (k, v) = item.map_err(db_err)?;
                    let (s, entry_key, entry_version) = k.value();
                    if s != scope.as_str() || !entry_key.starts_with(prefix) {
                        break;
                    }
                    if entry_version != version {
                        continue;
                    }
                    let record: EntryRecord = decode(v.value())?;
                    let Some(blob) = record.blob else { continue };
                    let newer = best.as_ref().is_none_or(|(created, id, _, _)| {
                        (record.created, record.id) > (*created, *id)
                    });
                    if newer {
                        best = Some((record.created, record.id, entry_key.to_string(), blob));
                    }
                }
                if let Some((_, _, key, blob)) = best {
                    return Ok(Some(Hit {
                        key,
                        scope: scope.clone(),
                        blob,
                    }));
                }
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries() -> (tempfile::TempDir, Entries) {
        let dir = tempfile::tempdir().unwrap();
        let meta = Arc::new(Meta::open(dir.path()).unwrap());
        (dir, Entries::open(meta).unwrap())
    }

    fn save(e: &Entries, scope: &str, key: &str, version: &str, digest: &str, now: u64) {
        let upload = format!("u-{scope}-{key}-{version}");
        e.reserve(scope, key, version, &upload, now).unwrap();
        let blob = BlobRef {
            digest: digest.to_string(),
            size: 3,
        };
        e.commit_upload(&upload, blob).unwrap();
        e.finalize(scope, key, version, Some(3)).unwrap();
    }

    #[test]
    fn touch_and_remove_keep_the_link_while_another_entry_holds_the_blob() {
        let (_d, e) = entries();
        let meta = e.meta.clone();
        for key in ["a", "b"] {
            save(&e, "main", key, "v", "sha256:1", 100);
            meta.link_blob("_gha/main", "sha256:1", 3).unwrap();
        }
        assert_eq!(e.audit().unwrap(), Vec::<String>::new());
        // A restore records the access once per resolution.
        assert!(e.touch("main", "a", "v", 1000).unwrap());
        assert!(!e.touch("main", "a", "v", 1010).unwrap());
        let ids: Vec<u64> = e.list().unwrap().iter().map(|l| l.record.id).collect();
        // Used since the cutoff: kept.
        assert_eq!(e.remove("main", "a", "v", ids[0], 500).unwrap(), None);
        // b goes, but a still holds the blob: the link stays.
        let removed = e.remove("main", "b", "v", ids[1], 500).unwrap().unwrap();
        assert!(!removed.unlinked);
        assert!(meta.is_linked("_gha/main", "sha256:1").unwrap());
        let removed = e.remove("main", "a", "v", ids[0], 2000).unwrap().unwrap();
        assert!(removed.unlinked);
        assert!(!meta.is_linked("_gha/main", "sha256:1").unwrap());
        assert!(e.list().unwrap().is_empty());
        assert_eq!(e.audit().unwrap(), Vec::<String>::new());
        assert_eq!(meta.audit().unwrap(), Vec::<String>::new());
    }

    #[test]
    fn reserve_twice_is_refused_until_the_reservation_expires() {
        let (_d, e) = entries();
        e.reserve("s", "k", "v", "u1", 100).unwrap();
        assert!(matches!(
            e.reserve("s", "k", "v", "u2", 101),
            Err(GhaError::AlreadyExists { .. })
        ));
        // Another scope or version is another entry.
        e.reserve("t", "k", "v", "u3", 101).unwrap();
        e.reserve("s", "k", "v2", "u4", 101).unwrap();
        // A stale reservation no longer blocks, and its upload is forgotten.
        e.reserve("s", "k", "v", "u5", 100 + RESERVATION_TTL + 1)
            .unwrap();
        assert_eq!(e.upload("u1").unwrap(), None);
    }

    #[test]
    fn finalize_needs_a_committed_upload_of_the_stated_size() {
        let (_d, e) = entries();
        e.reserve("s", "k", "v", "u1", 100).unwrap();
        assert!(matches!(
            e.finalize("s", "k", "v", None),
            Err(GhaError::NotUploaded { .. })
        ));
        let blob = BlobRef {
            digest: "sha256:aa".into(),
            size: 3,
        };
        e.commit_upload("u1", blob.clone()).unwrap();
        assert!(matches!(
            e.finalize("s", "k", "v", Some(4)),
            Err(GhaError::SizeMismatch { .. })
        ));
        let record = e.finalize("s", "k", "v", Some(3)).unwrap();
        assert_eq!(record.blob, Some(blob));
        assert!(matches!(
            e.finalize("s", "k", "v", Some(3)),
            Err(GhaError::AlreadyExists { .. })
        ));
        assert!(matches!(
            e.reserve("s", "k", "v", "u2", 10_000_000),
            Err(GhaError::AlreadyExists { .. })
        ));
        assert!(matches!(
            e.finalize("s", "other", "v", None),
            Err(GhaError::NotReserved { .. })
        ));
    }

    #[test]
    fn lookup_exact_then_prefix_newest_then_fallback_scopes() {
        let (_d, e) = entries();
        save(&e, "main", "deps-a", "v", "sha256:1", 100);
        save(&e, "main", "deps-b", "v", "sha256:2", 200);
        save(&e, "main", "deps-c", "other", "sha256:3", 300);
        save(&e, "feat", "build-x", "v", "sha256:4", 100);
        let scopes = ["feat".to_string(), "main".to_string()];
        let hit = |key: &str, restore: &[&str], version: &str| {
            let restore: Vec<String> = restore.iter().map(|s| s.to_string()).collect();
            e.lookup(&scopes, key, &restore, version)
                .unwrap()
                .map(|h| (h.scope, h.key, h.blob.digest))
        };
        assert_eq!(
            hit("deps-a", &[], "v"),
            Some(("main".into(), "deps-a".into(), "sha256:1".into()))
        );
        // Prefix match picks the newest entry of the right version.
        assert_eq!(
            hit("nothing", &["deps-"], "v"),
            Some(("main".into(), "deps-b".into(), "sha256:2".into()))
        );
        // The primary key is a prefix too.
        assert_eq!(
            hit("build", &[], "v"),
            Some(("feat".into(), "build-x".into(), "sha256:4".into()))
        );
        // The job's own scope wins over the fallback.
        assert_eq!(
            hit("nothing", &["build", "deps-"], "v").map(|h| h.0),
            Some("feat".into())
        );
        assert_eq!(hit("deps-a", &["deps-"], "v2"), None);
        assert_eq!(hit("nothing", &["zzz"], "v"), None);
        // Reserved entries are invisible.
        e.reserve("feat", "deps-z", "v", "u9", 500).unwrap();
        assert_eq!(hit("deps-z", &[], "v"), None);
        // Another job's scope that is not in the chain is invisible.
        assert_eq!(
            e.lookup(&["main".to_string()], "build-x", &[], "v")
                .unwrap(),
            None
        );
    }
}
