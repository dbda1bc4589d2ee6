//! The content store: reading, listing, verifying and deleting blobs in `blobs/sha256/<hex>`, and
//! storing small documents. Writing big blobs goes through [`BlobWriter`].

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::PathBuf;

use super::error::{IoContext, Result, StoreError};
use super::ingest::BlobWriter;
use super::layout::Layout;
use crate::digest::{Digest, DigestWriter};

/// A blob in the store and its size in bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobInfo {
    /// Its digest.
    pub digest: Digest,
    /// Its size in bytes.
    pub size: u64,
}

/// The blobs of a [`Store`](super::Store), from [`Store::blobs`](super::Store::blobs).
#[derive(Debug, Clone)]
pub struct Blobs {
    layout: Layout,
}

impl Blobs {
    pub(crate) fn new(layout: Layout) -> Self {
        Self { layout }
    }

    /// Whether the blob is in the store.
    pub fn has(&self, digest: &Digest) -> bool {
        self.layout.blob(digest).is_file()
    }

    /// Where the blob is (or would be) stored.
    pub fn path(&self, digest: &Digest) -> PathBuf {
        self.layout.blob(digest)
    }

    /// Opens the blob for reading.
    pub fn open(&self, digest: &Digest) -> Result<File> {
        let path = self.layout.blob(digest);
        File::open(&path).map_err(|e| self.not_found_or_io(digest, path, e))
    }

    /// The blob's size in bytes.
    pub fn size(&self, digest: &Digest) -> Result<u64> {
        let path = self.layout.blob(digest);
        fs::metadata(&path)
            .map(|m| m.len())
            .map_err(|e| self.not_found_or_io(digest, path, e))
    }

    /// Removes the blob; `false` when it was not there.
    pub fn delete(&self, digest: &Digest) -> Result<bool> {
        let path = self.layout.blob(digest);
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e).at(path),
        }
    }

    /// Every blob with its size, sorted by digest. Files whose names are not digests are skipped.
    pub fn list(&self) -> Result<Vec<BlobInfo>> {
        let dir = self.layout.blob_dir();
        let mut blobs = Vec::new();
        for entry in fs::read_dir(&dir).at(&dir)? {
            let entry = entry.at(&dir)?;
            let Some(digest) = entry
                .file_name()
                .to_str()
                .and_then(|hex| Digest::parse(&format!("sha256:{hex}")))
            else {
                continue;
            };
            let meta = match entry.metadata() {
                Ok(meta) => meta,
                // Deleted since read_dir listed it.
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e).at(entry.path()),
            };
            if meta.is_file() {
                blobs.push(BlobInfo {
                    digest,
                    size: meta.len(),
                });
            }
        }
        blobs.sort_by(|a, b| a.digest.cmp(&b.digest));
        Ok(blobs)
    }

    /// Re-hashes the blob; [`StoreError::DigestMismatch`] when its content no longer matches.
    pub fn verify(&self, digest: &Digest) -> Result<()> {
        let mut file = self.open(digest)?;
        let mut hasher = DigestWriter::new(io::sink());
        io::copy(&mut file, &mut hasher).at(self.layout.blob(digest))?;
        let (_, actual, _) = hasher.finish();
        if actual == *digest {
            Ok(())
        } else {
            Err(StoreError::DigestMismatch {
                expected: digest.clone(),
                actual,
            })
        }
    }

    /// A writer for a new blob; with `expected`, the write can resume an interrupted one and
    /// `commit` refuses content with another digest.
    pub fn writer(&self, expected: Option<&Digest>) -> Result<BlobWriter> {
        BlobWriter::new(&self.layout, expected)
    }

    /// Stores a small document (config, manifest) and returns its digest.
    pub fn put_bytes(&self, bytes: &[u8]) -> Result<Digest> {
        let digest = Digest::of(bytes);
        if self.has(&digest) {
            return Ok(digest);
        }
        let mut writer = BlobWriter::new(&self.layout, None)?;
        writer.write_all(bytes).at(self.layout.blob(&digest))?;
        Ok(writer.commit()?.0)
    }

    fn not_found_or_io(&self, digest: &Digest, path: PathBuf, e: io::Error) -> StoreError {
        if e.kind() == io::ErrorKind::NotFound {
            StoreError::BlobNotFound {
                digest: digest.clone(),
                path,
            }
        } else {
            StoreError::Io { path, source: e }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn put_read_list_verify_delete() {
        let dir = tempfile::tempdir().unwrap();
        let store = super::super::Store::open(dir.path()).unwrap();
        let store = store.blobs();
        let d = store.put_bytes(b"{}").unwrap();
        assert_eq!(d, Digest::of(b"{}"));
        assert!(store.has(&d));
        assert_eq!(store.size(&d).unwrap(), 2);
        let mut s = String::new();
        store.open(&d).unwrap().read_to_string(&mut s).unwrap();
        assert_eq!(s, "{}");
        assert_eq!(
            store.list().unwrap(),
            vec![BlobInfo {
                digest: d.clone(),
                size: 2
            }]
        );
        store.verify(&d).unwrap();
        fs::write(store.path(&d), "[]").unwrap();
        assert!(matches!(
            store.verify(&d),
            Err(StoreError::DigestMismatch { .. })
        ));
        assert!(store.delete(&d).unwrap());
        assert!(!store.delete(&d).unwrap());
        assert!(matches!(
            store.open(&d),
            Err(StoreError::BlobNotFound { .. })
        ));
    }
}
