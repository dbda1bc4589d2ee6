//! A pack: the layer blobs of one export, concatenated in a fixed order into one cache entry,
//! each blob then found by its (offset, length). [`Pack`] is the layout; [`PackReader`] streams
//! the pack's bytes from the store's blob files in blocks, never the whole pack in memory.

use std::collections::VecDeque;

use bytes::Bytes;
use tokio::io::AsyncReadExt;

use super::entry::{self, Location};
use crate::digest::Digest;
use crate::store::{Blobs, StoreError};

/// Bytes per uploaded block.
pub const BLOCK_SIZE: usize = 4 << 20;

/// The blobs of a pack, in order, with their lengths.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pack {
    blobs: Vec<(Digest, u64)>,
}

impl Pack {
    /// A pack of `blobs` (digest, length), in that order.
    pub fn new(blobs: Vec<(Digest, u64)>) -> Self {
        Self { blobs }
    }

    /// Whether the pack holds no blob.
    pub fn is_empty(&self) -> bool {
        self.blobs.is_empty()
    }

    /// The blobs, in order.
    pub fn blobs(&self) -> &[(Digest, u64)] {
        &self.blobs
    }

    /// The pack's size in bytes.
    pub fn size(&self) -> u64 {
        self.blobs.iter().map(|(_, n)| n).sum()
    }

    /// The pack's entry key in namespace `ns` ([`entry::pack_key`]).
    pub fn key(&self, ns: &str) -> String {
        let digests: Vec<Digest> = self.blobs.iter().map(|(d, _)| d.clone()).collect();
        entry::pack_key(ns, &digests)
    }

    /// Where each blob lands when the pack is stored under `key`.
    pub fn locations(&self, key: &str) -> Vec<(Digest, Location)> {
        let mut offset = 0;
        self.blobs
            .iter()
            .map(|(digest, length)| {
                let loc = Location {
                    key: key.to_string(),
                    offset,
                    length: *length,
                };
                offset += length;
                (digest.clone(), loc)
            })
            .collect()
    }
}

/// The pack's bytes, read block by block from the store.
#[derive(Debug)]
pub struct PackReader {
    blobs: Blobs,
    todo: VecDeque<(Digest, u64)>,
    current: Option<Current>,
    block_size: usize,
}

/// The blob being read.
#[derive(Debug)]
struct Current {
    digest: Digest,
    file: tokio::fs::File,
    remaining: u64,
}

impl PackReader {
    /// A reader of `pack` from `blobs`, in blocks of `block_size` bytes (the last may be shorter).
    pub fn new(blobs: Blobs, pack: &Pack, block_size: usize) -> Self {
        Self {
            blobs,
            todo: pack.blobs.iter().cloned().collect(),
            current: None,
            block_size: block_size.max(1),
        }
    }

    /// The next block; `None` after the last. A blob shorter than its length is an error.
    pub async fn next_block(&mut self) -> Result<Option<Bytes>, StoreError> {
        let mut block = Vec::with_capacity(self.block_size.min(1 << 20));
        while block.len() < self.block_size {
            let current = match &mut self.current {
                Some(current) => current,
                None => {
                    let Some((digest, length)) = self.todo.pop_front() else {
                        break;
                    };
                    let file = self.blobs.open(&digest)?;
                    self.current.insert(Current {
                        digest,
                        file: tokio::fs::File::from_std(file),
                        remaining: length,
                    })
                }
            };
            let room = self.block_size - block.len();
            let want = usize::try_from(current.remaining).map_or(room, |r| r.min(room));
            if want > 0 {
                let start = block.len();
                block.resize(start + want, 0);
                let read = current.file.read(&mut block[start..]).await;
                let n = read.map_err(|source| StoreError::Io {
                    path: self.blobs.path(&current.digest),
                    source,
                })?;
                block.truncate(start + n);
                if n == 0 {
                    return Err(StoreError::Io {
                        path: self.blobs.path(&current.digest),
                        source: std::io::Error::new(
                            std::io::ErrorKind::UnexpectedEof,
                            format!("blob ends {} bytes early", current.remaining),
                        ),
                    });
                }
                current.remaining -= n as u64;
            }
            if current.remaining == 0 {
                self.current = None;
            }
        }
        Ok((!block.is_empty()).then(|| Bytes::from(block)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn blobs_are_laid_end_to_end() {
        let (a, b, c) = (Digest::of(b"a"), Digest::of(b"b"), Digest::of(b"c"));
        let pack = Pack::new(vec![(a.clone(), 5), (b.clone(), 0), (c.clone(), 7)]);
        assert_eq!(pack.size(), 12);
        let key = pack.key("ns");
        let locs = pack.locations(&key);
        let offsets: Vec<(Digest, u64, u64)> = locs
            .iter()
            .map(|(d, l)| (d.clone(), l.offset, l.length))
            .collect();
        assert_eq!(offsets, [(a, 0, 5), (b, 5, 0), (c, 5, 7)]);
        assert!(locs.iter().all(|(_, l)| l.key == key));
    }

    #[tokio::test]
    async fn the_reader_streams_the_concatenation_in_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let contents: Vec<Vec<u8>> = vec![
            b"first blob".to_vec(),
            Vec::new(),
            (0..=255u8).collect(),
            b"x".to_vec(),
        ];
        let blobs: Vec<(Digest, u64)> = contents
            .iter()
            .map(|c| (store.put_bytes(c).unwrap(), c.len() as u64))
            .collect();
        let pack = Pack::new(blobs);
        let mut reader = PackReader::new(store.blobs().clone(), &pack, 7);
        let mut all = Vec::new();
        let mut sizes = Vec::new();
        while let Some(block) = reader.next_block().await.unwrap() {
            sizes.push(block.len());
            all.extend_from_slice(&block);
        }
        assert_eq!(all, contents.concat());
        assert!(
            sizes[..sizes.len() - 1].iter().all(|n| *n == 7),
            "{sizes:?}"
        );
        for (digest, loc) in pack.locations("k") {
            let start = usize::try_from(loc.offset).unwrap();
            let end = start + usize::try_from(loc.length).unwrap();
            assert_eq!(Digest::of(&all[start..end]), digest);
        }
    }

    #[tokio::test]
    async fn a_blob_shorter_than_its_length_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let digest = store.put_bytes(b"short").unwrap();
        let pack = Pack::new(vec![(digest, 9)]);
        let mut reader = PackReader::new(store.blobs().clone(), &pack, 4);
        assert!(reader.next_block().await.unwrap().is_some());
        assert!(reader.next_block().await.is_err());
    }
}
