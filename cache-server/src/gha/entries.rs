//! Cache entries in the server's redb database (tables of their own, next to [`crate::meta`]'s).
//!
//! | table          | key                     | value                                          |
//! |----------------|-------------------------|------------------------------------------------|
//! | `gha_entries`  | (scope, key, version)   | JSON [`EntryRecord`]: id, upload, blob once finalized |
//! | `gha_uploads`  | upload id               | JSON [`UploadRecord`]: whose upload, the blob once committed |
//! | `gha_counters` | `next_id`               | the last entry id handed out                   |
//!
//! An entry is *reserved* by `CreateCacheEntry` (so a second job saving the same key+version in
//! the same scope is refused), gets its blob when the upload commits, and becomes visible to
//! restores when `FinalizeCacheEntryUpload` marks it finalized. A reservation that is never
//! finalized stops blocking the key after [`RESERVATION_TTL`]. Every call is one transaction and
//! blocks: async callers use `spawn_blocking`.

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

/// How long an unfinished reservation blocks its key (seconds).
pub const RESERVATION_TTL: u64 = 6 * 3600;

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
            txn.open_table(ENTRIES).map_err(db_err)?;
            txn.open_table(UPLOADS).map_err(db_err)?;
            txn.open_table(COUNTERS).map_err(db_err)?;
        }
        txn.commit().map_err(db_err)?;
        Ok(Self { meta })
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
