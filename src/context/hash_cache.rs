//! The local hash cache: a file's relative path -> its content sha256, trusted only while the
//! file's `(size, mtime ns, ctime ns, inode, mode)` are unchanged.
//!
//! File format (`rbuild-hashcache-v1`, little endian): the magic `RBHC`, a u32 version (1), the
//! context root as `u32 len + bytes`, a u64 record count, then per record `u32 len + path bytes`,
//! `u64 size`, `i64 mtime_ns`, `i64 ctime_ns`, `u64 inode`, `u32 mode`, 32 digest bytes. A file
//! that is missing, unreadable, truncated, of another version or written for another root is
//! ignored (everything is rehashed). Saving writes a temporary file next to the cache, fsyncs it
//! and renames it over the cache.
//!
//! A file modified in the last [`RACY_WINDOW_NS`] before hashing started is hashed but not
//! cached: timestamps have coarse granularity, so a same-size rewrite a moment after hashing
//! could keep the same stamp (git's "racy clean" problem).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use super::merkle::Hash;

const MAGIC: &[u8; 4] = b"RBHC";
const FORMAT_VERSION: u32 = 1;

/// Files changed less than this long before hashing started are not cached.
pub const RACY_WINDOW_NS: i64 = 100_000_000;

/// What must be unchanged for a cached digest to be trusted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    /// Size in bytes.
    pub size: u64,
    /// Modification time, ns since the epoch.
    pub mtime_ns: i64,
    /// Status-change time, ns since the epoch.
    pub ctime_ns: i64,
    /// Inode number.
    pub inode: u64,
    /// `st_mode` (type and permission bits).
    pub mode: u32,
}

impl FileStamp {
    /// The stamp of `meta` (from `lstat`/`fstat`).
    pub fn of(meta: &std::fs::Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        Self {
            size: meta.size(),
            mtime_ns: meta.mtime().saturating_mul(1_000_000_000) + meta.mtime_nsec(),
            ctime_ns: meta.ctime().saturating_mul(1_000_000_000) + meta.ctime_nsec(),
            inode: meta.ino(),
            mode: meta.mode(),
        }
    }

    /// Whether the file changed too recently (relative to `start_ns`) to be cached safely.
    pub fn is_racy(&self, start_ns: i64) -> bool {
        let limit = start_ns - RACY_WINDOW_NS;
        self.mtime_ns >= limit || self.ctime_ns >= limit
    }
}

/// The in-memory cache, loaded from and saved to one file.
#[derive(Debug)]
pub struct HashCache {
    file: Option<PathBuf>,
    root: Vec<u8>,
    entries: Mutex<HashMap<Vec<u8>, (FileStamp, Hash)>>,
    dirty: AtomicBool,
}

impl HashCache {
    /// Loads the cache at `file` for the context `root`; no file, or a bad one, is empty.
    pub fn load(file: Option<&Path>, root: &Path) -> Self {
        use std::os::unix::ffi::OsStrExt;
        let root = root.as_os_str().as_bytes().to_vec();
        let entries = file
            .and_then(|f| std::fs::read(f).ok())
            .and_then(|bytes| decode(&bytes, &root))
            .unwrap_or_default();
        Self {
            file: file.map(Path::to_path_buf),
            root,
            entries: Mutex::new(entries),
            dirty: AtomicBool::new(false),
        }
    }

    /// The cached digest of `rel`, if its stamp is unchanged.
    pub fn get(&self, rel: &[u8], stamp: &FileStamp) -> Option<Hash> {
        let entries = self.entries.lock().ok()?;
        match entries.get(rel) {
            Some((cached, digest)) if cached == stamp => Some(*digest),
            _ => None,
        }
    }

    /// Records `rel`'s digest under `stamp`.
    pub fn put(&self, rel: &[u8], stamp: FileStamp, digest: Hash) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.insert(rel.to_vec(), (stamp, digest));
            self.dirty.store(true, Ordering::Relaxed);
        }
    }

    /// Writes the cache file (temp + fsync + rename) if there is one and anything changed.
    pub fn save(&self) -> std::io::Result<()> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        if !self.dirty.load(Ordering::Relaxed) {
            return Ok(());
        }
        let bytes = {
            let entries = self
                .entries
                .lock()
                .map_err(|_| std::io::Error::other("hash cache lock poisoned"))?;
            encode(&entries, &self.root)
        };
        let dir = file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let mut tmp_name = file.file_name().unwrap_or_default().to_os_string();
        tmp_name.push(format!(".tmp.{}", std::process::id()));
        let tmp = dir.join(tmp_name);
        let result = (|| {
            let mut out = std::fs::File::create(&tmp)?;
            out.write_all(&bytes)?;
            out.sync_all()?;
            std::fs::rename(&tmp, file)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result?;
        self.dirty.store(false, Ordering::Relaxed);
        Ok(())
    }
}

fn encode(entries: &HashMap<Vec<u8>, (FileStamp, Hash)>, root: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + entries.len() * 96);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(root.len() as u32).to_le_bytes());
    out.extend_from_slice(root);
    out.extend_from_slice(&(entries.len() as u64).to_le_bytes());
    let mut sorted: Vec<_> = entries.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    for (path, (stamp, digest)) in sorted {
        out.extend_from_slice(&(path.len() as u32).to_le_bytes());
        out.extend_from_slice(path);
        out.extend_from_slice(&stamp.size.to_le_bytes());
        out.extend_from_slice(&stamp.mtime_ns.to_le_bytes());
        out.extend_from_slice(&stamp.ctime_ns.to_le_bytes());
        out.extend_from_slice(&stamp.inode.to_le_bytes());
        out.extend_from_slice(&stamp.mode.to_le_bytes());
        out.extend_from_slice(digest);
    }
    out
}

/// A cursor over the cache file's bytes; every read fails cleanly at the end.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }
    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }
    fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_le_bytes)
    }
    fn i64(&mut self) -> Option<i64> {
        self.array().map(i64::from_le_bytes)
    }
}

fn decode(bytes: &[u8], root: &[u8]) -> Option<HashMap<Vec<u8>, (FileStamp, Hash)>> {
    let mut r = Reader(bytes);
    if r.take(4)? != MAGIC || r.u32()? != FORMAT_VERSION {
        return None;
    }
    let root_len = r.u32()? as usize;
    if r.take(root_len)? != root {
        return None;
    }
    let count = r.u64()?;
    let mut entries = HashMap::with_capacity(count.min(1 << 20) as usize);
    for _ in 0..count {
        let len = r.u32()? as usize;
        let path = r.take(len)?.to_vec();
        let stamp = FileStamp {
            size: r.u64()?,
            mtime_ns: r.i64()?,
            ctime_ns: r.i64()?,
            inode: r.u64()?,
            mode: r.u32()?,
        };
        let digest: Hash = r.array()?;
        entries.insert(path, (stamp, digest));
    }
    if !r.0.is_empty() {
        return None;
    }
    Some(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(size: u64) -> FileStamp {
        FileStamp {
            size,
            mtime_ns: 1,
            ctime_ns: 2,
            inode: 3,
            mode: 0o100644,
        }
    }

    #[test]
    fn round_trip_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sub/cache.bin");
        let cache = HashCache::load(Some(&file), Path::new("/ctx"));
        cache.put(b"a/b", stamp(5), [7; 32]);
        cache.put(b"\xff", stamp(6), [8; 32]);
        cache.save().unwrap();

        let again = HashCache::load(Some(&file), Path::new("/ctx"));
        assert_eq!(again.get(b"a/b", &stamp(5)), Some([7; 32]));
        assert_eq!(again.get(b"\xff", &stamp(6)), Some([8; 32]));
        assert_eq!(again.get(b"a/b", &stamp(4)), None);

        // Another root: ignored.
        assert_eq!(
            HashCache::load(Some(&file), Path::new("/other")).get(b"a/b", &stamp(5)),
            None
        );

        // Every truncation and a trailing byte: ignored, never a panic.
        let bytes = std::fs::read(&file).unwrap();
        for cut in 0..bytes.len() {
            assert!(decode(&bytes[..cut], b"/ctx").is_none(), "cut {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer, b"/ctx").is_none());
        std::fs::write(&file, b"garbage").unwrap();
        assert_eq!(
            HashCache::load(Some(&file), Path::new("/ctx")).get(b"a/b", &stamp(5)),
            None
        );
    }
}
