//! The step index: step identity -> the keys most recently stored for that step, so that a miss
//! finds the records to explain itself against in O(1), never by scanning every record.
//!
//! * One small JSON file per identity, `cache/steps/<identity hex>.json`: `{"keys": [...]}`,
//!   most recent first, at most [`MAX_KEYS`].
//! * [`super::LocalCache::put`] adds the record's key when the record carries an identity
//!   (temp + fsync + rename, as records are). Two builds storing keys of one identity at the
//!   same moment may lose one of the two additions: the index only ever picks which record
//!   explains a miss, never what hits.
//! * Entries whose records are gone (pruned, discarded as corrupt) are skipped when read and
//!   dropped by [`super::LocalCache::tidy_index`], which `prune` runs. A corrupt index file
//!   reads as empty.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::LocalCache;
use super::error::{CacheError, IoContext};
use crate::digest::Digest;
use crate::store::layout::{sync_dir, write_synced};

/// How many keys an index file keeps per step.
pub const MAX_KEYS: usize = 8;

/// An index file larger than this is not one rbuild wrote.
const MAX_INDEX_BYTES: u64 = 64 << 10;

/// One index file.
#[derive(Debug, Default, Serialize, Deserialize)]
struct IndexFile {
    keys: Vec<Digest>,
}

impl LocalCache {
    /// The directory of the step index.
    pub fn index_dir(&self) -> PathBuf {
        self.dir().parent().unwrap_or(self.dir()).join("steps")
    }

    fn index_path(&self, identity: &Digest) -> PathBuf {
        self.index_dir().join(format!("{}.json", identity.hex()))
    }

    /// The keys stored for the step `identity`, most recent first (possibly naming records
    /// that are gone since).
    pub fn recent_keys(&self, identity: &Digest) -> Vec<Digest> {
        read_index(&self.index_path(identity)).keys
    }

    /// Lists `key` first under `identity`.
    pub fn note_key(&self, identity: &Digest, key: &Digest) -> Result<(), CacheError> {
        let dir = self.index_dir();
        fs::create_dir_all(&dir).at(&dir)?;
        let path = self.index_path(identity);
        let mut index = read_index(&path);
        if index.keys.first() == Some(key) {
            return Ok(());
        }
        index.keys.retain(|k| k != key);
        index.keys.insert(0, key.clone());
        index.keys.truncate(MAX_KEYS);
        self.write_index(&path, &index)
    }

    /// Drops index entries whose records are gone, and index files left empty.
    pub fn tidy_index(&self) -> Result<(), CacheError> {
        let dir = self.index_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e).at(&dir),
        };
        for entry in entries {
            let path = entry.at(&dir)?.path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let mut index = read_index(&path);
            let before = index.keys.len();
            index.keys.retain(|k| self.record_path(k).exists());
            if index.keys.is_empty() {
                match fs::remove_file(&path) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e).at(&path),
                    _ => {}
                }
            } else if index.keys.len() != before {
                self.write_index(&path, &index)?;
            }
        }
        Ok(())
    }

    fn write_index(&self, path: &Path, index: &IndexFile) -> Result<(), CacheError> {
        let mut bytes = serde_json::to_vec(index).unwrap_or_default();
        bytes.push(b'\n');
        let tmp = self.store().layout().temp_path("step-index");
        let written = write_synced(&tmp, &bytes)
            .map_err(CacheError::from)
            .and_then(|()| fs::rename(&tmp, path).at(path));
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(e);
        }
        sync_dir(&self.index_dir())?;
        Ok(())
    }
}

/// An index file's keys; empty when it is missing, too large or does not parse.
fn read_index(path: &Path) -> IndexFile {
    let Ok(meta) = fs::metadata(path) else {
        return IndexFile::default();
    };
    if meta.len() > MAX_INDEX_BYTES {
        return IndexFile::default();
    }
    fs::read(path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use crate::cache::local::tests::record;
    use crate::cache::{LocalCache, StepSnapshot};
    use crate::digest::Digest;
    use crate::store::Store;

    #[test]
    fn put_lists_keys_most_recent_first_and_tidy_drops_gone_records() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let cache = LocalCache::open(&store).unwrap();
        let identity = Digest::of(b"step");
        let mut keys = Vec::new();
        for i in 0..super::MAX_KEYS + 2 {
            let mut rec = record(&store, &format!("RUN {i}"), None);
            rec.snapshot = Some(StepSnapshot {
                identity: Some(identity.clone()),
                ..StepSnapshot::default()
            });
            cache.put(&rec).unwrap();
            keys.insert(0, rec.key.clone());
        }
        keys.truncate(super::MAX_KEYS);
        assert_eq!(cache.recent_keys(&identity), keys);
        // Storing a listed key again moves it first.
        cache.note_key(&identity, &keys[3]).unwrap();
        assert_eq!(cache.recent_keys(&identity)[0], keys[3]);

        for k in &keys[1..] {
            cache.remove(k).unwrap();
        }
        cache.tidy_index().unwrap();
        assert_eq!(cache.recent_keys(&identity), vec![keys[0].clone()]);
        cache.remove(&keys[0]).unwrap();
        cache.tidy_index().unwrap();
        assert!(cache.recent_keys(&identity).is_empty());
        assert_eq!(std::fs::read_dir(cache.index_dir()).unwrap().count(), 0);
    }

    #[test]
    fn a_corrupt_index_file_reads_as_empty() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let cache = LocalCache::open(&store).unwrap();
        let identity = Digest::of(b"step");
        std::fs::create_dir_all(cache.index_dir()).unwrap();
        std::fs::write(cache.index_path(&identity), b"{not json").unwrap();
        assert!(cache.recent_keys(&identity).is_empty());
        cache.note_key(&identity, &Digest::of(b"k")).unwrap();
        assert_eq!(cache.recent_keys(&identity), vec![Digest::of(b"k")]);
    }
}
