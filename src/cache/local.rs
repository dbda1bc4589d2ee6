//! The records of one state directory: `cache/records/<key hex>.json`, one small JSON document
//! per step key.
//!
//! * Writes are temp (in the store's `tmp/`) + fsync + rename, so a reader sees a whole record or
//!   none, and two builds writing the same key at once leave one of their (equivalent) records.
//! * Last use is the record file's mtime: [`LocalCache::put`] sets it (a new file) and
//!   [`LocalCache::get`] / [`LocalCache::touch`] bump it on every hit, without rewriting the
//!   record. Pruning removes the records unused the longest first.
//! * A record that does not parse (a torn disk, a hand edit, a future format) is a miss: it is
//!   logged with `tracing::warn`, removed, and never fails a build.
//! * A record is usable only while its layer blob is in the store ([`LocalCache::is_usable`]);
//!   [`LocalCache::get`] returns usable records only.
//! * Records are tagged with the cache scope of the build that stored them (ran the step or
//!   imported it), and a build whose [`RecordScope`] limits what it reads is served only the
//!   records of its own scopes: a runner shared by pull-request and default-branch jobs never
//!   serves a pull request's record to a default-branch build. The tag is a
//!   `scope` field beside the record's in its file; a record from another scope is a miss, and
//!   the build's own import or run stores it again under its own tag.

use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::CacheRecord;
use super::error::{CacheError, IoContext};
use crate::digest::Digest;
use crate::store::Store;
use crate::store::layout::{sync_dir, write_synced};

/// A record file bigger than this is not one rbuild wrote: it is treated as corrupt.
const MAX_RECORD_BYTES: u64 = 4 << 20;

/// The local per-step cache of a [`Store`].
#[derive(Debug, Clone)]
pub struct LocalCache {
    store: Store,
    dir: PathBuf,
    scope: RecordScope,
}

/// How a build tags the records it stores and which tags it may be served (module docs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordScope {
    /// The tag of the records this build stores (its write scope); `None`: untagged.
    pub tag: Option<String>,
    /// The tags whose records this build is served (untagged records included only when
    /// `None`): set on CI runners, which jobs of other branches and pull requests share.
    pub readable: Option<Vec<String>>,
}

/// The scope tag of a record file (the rest of the file is the record).
#[derive(serde::Deserialize)]
struct Tag {
    #[serde(default)]
    scope: Option<String>,
}

/// A record as listed by [`LocalCache::records`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordInfo {
    /// The record.
    pub record: CacheRecord,
    /// When it was last used (stored or hit): its file's mtime.
    pub last_used: SystemTime,
    /// Size in bytes of its layer blob; 0 when it made no layer or the blob is missing.
    pub layer_size: u64,
    /// Whether its layer blob is in the store (always true for a record without a layer).
    pub usable: bool,
}

impl LocalCache {
    /// Opens the cache of `store`, creating `cache/records/` if needed.
    pub fn open(store: &Store) -> Result<Self, CacheError> {
        let dir = store.layout().cache_records_dir();
        fs::create_dir_all(&dir).at(&dir)?;
        Ok(Self {
            store: store.clone(),
            dir,
            scope: RecordScope::default(),
        })
    }

    /// This cache, tagging and serving records as `scope` says.
    pub fn with_scope(mut self, scope: RecordScope) -> Self {
        self.scope = scope;
        self
    }

    /// The store whose blobs and snapshots the records name.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The directory of the record files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the record of `key` is (or would be) stored.
    pub fn record_path(&self, key: &Digest) -> PathBuf {
        self.dir.join(format!("{}.json", key.hex()))
    }

    /// The usable record of `key`, marked as used now (a failure to mark it is only a
    /// warning); `None` when there is none, when it is
    /// corrupt (removed, with a warning) or when its layer blob is not in the store (left in
    /// place: a later [`put`](Self::put) replaces it, pruning removes it). An error only for
    /// I/O failures other than a missing file; a build should treat it as a miss too.
    pub fn get(&self, key: &Digest) -> Result<Option<CacheRecord>, CacheError> {
        let Some((record, tag)) = self.read(key)? else {
            return Ok(None);
        };
        if let Some(readable) = &self.scope.readable
            && !tag.as_ref().is_some_and(|t| readable.contains(t))
        {
            tracing::debug!(
                "cache record {key}: stored by scope {}, not one this build reads: a miss",
                tag.as_deref().unwrap_or("(none)")
            );
            return Ok(None);
        }
        if !self.is_usable(&record) {
            tracing::debug!("cache record {key}: layer blob missing, a miss");
            return Ok(None);
        }
        // A hit stays a hit on a read-only state directory: only its last use is not recorded.
        if let Err(e) = self.touch(key) {
            tracing::warn!("cache record {key}: cannot mark as used: {e}");
        }
        Ok(Some(record))
    }

    /// The record of `key` as stored, usable or not, without marking it used; `None` when
    /// there is none or it is corrupt (removed, with a warning).
    pub fn peek(&self, key: &Digest) -> Result<Option<CacheRecord>, CacheError> {
        Ok(self.read(key)?.map(|(record, _)| record))
    }

    /// [`Self::peek`] with the record's scope tag.
    fn read(&self, key: &Digest) -> Result<Option<(CacheRecord, Option<String>)>, CacheError> {
        let path = self.record_path(key);
        let bytes = match read_capped(&path) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => {
                self.discard(&path, "larger than any record");
                return Ok(None);
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).at(path),
        };
        match serde_json::from_slice::<CacheRecord>(&bytes) {
            Ok(record) if record.key == *key => {
                let tag = serde_json::from_slice::<Tag>(&bytes)
                    .ok()
                    .and_then(|t| t.scope);
                Ok(Some((record, tag)))
            }
            Ok(record) => {
                self.discard(&path, &format!("holds the record of {}", record.key));
                Ok(None)
            }
            Err(e) => {
                self.discard(&path, &e.to_string());
                Ok(None)
            }
        }
    }

    /// Whether the record can be used: its layer (if it made one) is present, as a blob in the
    /// store or as a lazy layer whose snapshot is (`crate::store::lazy`).
    pub fn is_usable(&self, record: &CacheRecord) -> bool {
        record
            .layer
            .as_ref()
            .is_none_or(|layer| self.store.has_layer(&layer.digest))
    }

    /// Stores `record` under its key, replacing any record there, atomically (temp + fsync +
    /// rename), and lists it in the step index when its snapshot names the step's identity.
    /// Store the layer blob first: a record whose blob is missing is a miss.
    pub fn put(&self, record: &CacheRecord) -> Result<(), CacheError> {
        let encode = |source| CacheError::Encode {
            key: record.key.clone(),
            source,
        };
        let mut value = serde_json::to_value(record).map_err(encode)?;
        if let (Some(tag), Some(fields)) = (&self.scope.tag, value.as_object_mut()) {
            fields.insert("scope".into(), serde_json::Value::String(tag.clone()));
        }
        let mut bytes = serde_json::to_vec(&value).map_err(encode)?;
        bytes.push(b'\n');
        let tmp = self.store.layout().temp_path("cache-record");
        let target = self.record_path(&record.key);
        let written = write_synced(&tmp, &bytes)
            .map_err(CacheError::from)
            .and_then(|()| fs::rename(&tmp, &target).at(&target));
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        sync_dir(&self.dir)?;
        if let Some(identity) = record.snapshot.as_ref().and_then(|s| s.identity.as_ref()) {
            self.note_key(identity, &record.key)?;
        }
        Ok(())
    }

    /// Marks the record of `key` as used now (its file's mtime); `false` when there is none.
    pub fn touch(&self, key: &Digest) -> Result<bool, CacheError> {
        let path = self.record_path(key);
        let file = match File::options().write(true).open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e).at(path),
        };
        file.set_modified(SystemTime::now()).at(&path)?;
        Ok(true)
    }

    /// When the record of `key` was last used; `None` when there is none.
    pub fn last_used(&self, key: &Digest) -> Result<Option<SystemTime>, CacheError> {
        let path = self.record_path(key);
        match fs::metadata(&path) {
            Ok(meta) => Ok(Some(meta.modified().at(&path)?)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).at(path),
        }
    }

    /// Removes the record of `key`; `false` when there was none.
    pub fn remove(&self, key: &Digest) -> Result<bool, CacheError> {
        let path = self.record_path(key);
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e).at(path),
        }
    }

    /// Every record, the least recently used first (ties by key). Corrupt records are removed
    /// with a warning and left out; files not named `<64 hex>.json` are ignored.
    pub fn records(&self) -> Result<Vec<RecordInfo>, CacheError> {
        let mut out = Vec::new();
        for entry in fs::read_dir(&self.dir).at(&self.dir)? {
            let entry = entry.at(&self.dir)?;
            let Some(key) = entry
                .file_name()
                .to_str()
                .and_then(|name| name.strip_suffix(".json"))
                .and_then(|hex| Digest::parse(&format!("sha256:{hex}")))
            else {
                continue;
            };
            let Some(record) = self.peek(&key)? else {
                continue;
            };
            // Removed since it was read: skip it.
            let Some(last_used) = self.last_used(&key)? else {
                continue;
            };
            let (layer_size, usable) = match &record.layer {
                None => (0, true),
                Some(layer) => match self.store.blobs().size(&layer.digest) {
                    Ok(size) => (size, true),
                    Err(crate::store::StoreError::BlobNotFound { .. }) => (0, false),
                    Err(e) => return Err(e.into()),
                },
            };
            out.push(RecordInfo {
                record,
                last_used,
                layer_size,
                usable,
            });
        }
        out.sort_by(|a, b| {
            a.last_used
                .cmp(&b.last_used)
                .then_with(|| a.record.key.cmp(&b.record.key))
        });
        Ok(out)
    }

    /// Removes a record file that is not a valid record, with a warning.
    fn discard(&self, path: &Path, why: &str) {
        tracing::warn!(
            "{}: corrupt cache record ({why}); removed, the step runs again",
            path.display()
        );
        if let Err(e) = fs::remove_file(path)
            && e.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!("{}: cannot remove: {e}", path.display());
        }
    }
}

/// The file's bytes; `None` when it is larger than [`MAX_RECORD_BYTES`].
fn read_capped(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    File::open(path)?
        .take(MAX_RECORD_BYTES + 1)
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= MAX_RECORD_BYTES).then_some(bytes))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::image::layer::LayerDescriptor;
    use std::time::Duration;

    pub(crate) fn record(store: &Store, step: &str, layer: Option<&[u8]>) -> CacheRecord {
        let layer = layer.map(|bytes| {
            let digest = store.put_bytes(bytes).unwrap();
            LayerDescriptor {
                diff_id: digest.clone(),
                digest,
                size: bytes.len() as u64,
                media_type: "application/vnd.oci.image.layer.v1.tar".into(),
            }
        });
        CacheRecord {
            key: Digest::of(step.as_bytes()),
            layer,
            chain_id: Some(Digest::of(format!("chain {step}").as_bytes())),
            created: "2026-01-02T03:04:05Z".into(),
            created_by: step.into(),
            duration_ms: 7,
            lower_layers: Vec::new(),
            lower_chain_ids: Vec::new(),
            snapshot: None,
        }
    }

    fn set_mtime(path: &Path, ago: Duration) {
        let t = filetime::FileTime::from_system_time(SystemTime::now() - ago);
        filetime::set_file_mtime(path, t).unwrap();
    }

    #[test]
    fn put_then_get_round_trips_and_touches() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let cache = LocalCache::open(&store).unwrap();
        let rec = record(&store, "RUN make", Some(b"layer bytes"));
        assert_eq!(cache.get(&rec.key).unwrap(), None);
        cache.put(&rec).unwrap();
        assert!(
            dir.path()
                .join("cache/records")
                .join(format!("{}.json", rec.key.hex()))
                .is_file()
        );
        set_mtime(&cache.record_path(&rec.key), Duration::from_secs(3600));
        let before = cache.last_used(&rec.key).unwrap().unwrap();
        assert_eq!(cache.get(&rec.key).unwrap(), Some(rec.clone()));
        let after = cache.last_used(&rec.key).unwrap().unwrap();
        assert!(after > before + Duration::from_secs(3000), "get touches");
        // peek does not.
        set_mtime(&cache.record_path(&rec.key), Duration::from_secs(3600));
        let old = cache.last_used(&rec.key).unwrap();
        assert_eq!(cache.peek(&rec.key).unwrap(), Some(rec.clone()));
        assert_eq!(cache.last_used(&rec.key).unwrap(), old);
        // No temp file is left behind.
        // (This process's lock stays while it lives: store::layout.)
        let left = fs::read_dir(dir.path().join("tmp"))
            .unwrap()
            .flatten()
            .filter(|e| !e.file_name().to_string_lossy().ends_with(".lock"))
            .count();
        assert_eq!(left, 0);
    }

    #[test]
    fn old_records_without_lower_fields_still_parse() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let cache = LocalCache::open(&store).unwrap();
        let key = Digest::of(b"k");
        let json = format!(
            r#"{{"key":"{key}","layer":null,"chain_id":null,"created":"","created_by":"ENV A=1","duration_ms":0}}"#
        );
        fs::write(cache.record_path(&key), json).unwrap();
        let rec = cache.get(&key).unwrap().unwrap();
        assert_eq!(rec.created_by, "ENV A=1");
        assert!(rec.lower_layers.is_empty() && rec.lower_chain_ids.is_empty());
    }

    #[test]
    fn corrupt_records_are_misses_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let cache = LocalCache::open(&store).unwrap();
        let rec = record(&store, "RUN a", None);
        let other = record(&store, "RUN b", None);
        for bad in [
            b"{not json".to_vec(),
            Vec::new(),
            serde_json::to_vec(&other).unwrap(),
        ] {
            fs::write(cache.record_path(&rec.key), &bad).unwrap();
            assert_eq!(cache.get(&rec.key).unwrap(), None);
            assert!(!cache.record_path(&rec.key).exists());
        }
        fs::write(cache.record_path(&rec.key), b"[]").unwrap();
        cache.put(&other).unwrap();
        let listed = cache.records().unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].record, other);
        assert!(!cache.record_path(&rec.key).exists());
    }

    #[test]
    fn a_record_whose_layer_blob_is_gone_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let cache = LocalCache::open(&store).unwrap();
        let rec = record(&store, "COPY . /", Some(b"tar"));
        cache.put(&rec).unwrap();
        assert!(cache.is_usable(&rec));
        let digest = rec.layer.as_ref().unwrap().digest.clone();
        store.blobs().delete(&digest).unwrap();
        assert!(!cache.is_usable(&rec));
        assert_eq!(cache.get(&rec.key).unwrap(), None);
        assert_eq!(cache.peek(&rec.key).unwrap(), Some(rec.clone()));
        let listed = cache.records().unwrap();
        assert_eq!((listed[0].usable, listed[0].layer_size), (false, 0));
    }

    #[test]
    fn records_are_listed_oldest_first_with_layer_sizes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let cache = LocalCache::open(&store).unwrap();
        let a = record(&store, "RUN a", Some(b"aaaa"));
        let b = record(&store, "RUN b", Some(b"bb"));
        let c = record(&store, "ENV c=1", None);
        for (rec, ago) in [(&a, 10), (&b, 300), (&c, 20)] {
            cache.put(rec).unwrap();
            set_mtime(&cache.record_path(&rec.key), Duration::from_secs(ago));
        }
        fs::write(cache.dir().join("README"), "not a record").unwrap();
        let listed = cache.records().unwrap();
        let order: Vec<_> = listed
            .iter()
            .map(|r| r.record.created_by.as_str())
            .collect();
        assert_eq!(order, ["RUN b", "ENV c=1", "RUN a"]);
        let sizes: Vec<_> = listed.iter().map(|r| r.layer_size).collect();
        assert_eq!(sizes, [2, 0, 4]);
        assert!(cache.touch(&b.key).unwrap());
        assert_eq!(cache.records().unwrap().last().unwrap().record, b);
        assert!(cache.remove(&b.key).unwrap());
        assert!(!cache.remove(&b.key).unwrap());
        assert!(!cache.touch(&b.key).unwrap());
        assert_eq!(cache.records().unwrap().len(), 2);
    }

    #[test]
    fn concurrent_puts_of_one_key_leave_a_whole_record() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let cache = LocalCache::open(&store).unwrap();
        let rec = record(&store, "RUN same", Some(b"x"));
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..20 {
                        cache.put(&rec).unwrap();
                        assert_eq!(cache.peek(&rec.key).unwrap(), Some(rec.clone()));
                    }
                });
            }
        });
        assert_eq!(cache.records().unwrap().len(), 1);
    }
}
