//! Cutting a directory's archive into content-defined chunks (FastCDC, 2020 variant) and
//! compressing the new ones.
//!
//! The archive is written by one thread into a pipe and cut as it streams ([`cut`]); chunks are
//! hashed and compressed in parallel (rayon), a batch at a time, so memory stays bounded by the
//! batch whatever the directory's size. A chunk whose archive bytes are already known (from the
//! manifest imported or found in the backend) is not compressed again: its blob is reused.
//!
//! **Chunk sizes** ([`CUTTING`]: 64 KiB min, 256 KiB average, 1 MiB max) were chosen by
//! measurement (`bench/mount-cache.sh`: 1 GiB of ~8100 files of 4–256 KiB, every hundredth file
//! rewritten): each changed file dirties its own bytes plus about one chunk, so what a 1% change
//! uploads grows with the average chunk (estimated 1.5% of the archive at 64 KiB, 3.0% at
//! 256 KiB, 8.9% at 1 MiB; measured at 256 KiB: 4.1–4.6%, under the 5% bar), while the blob
//! count, and with it the requests of a registry or S3 backend, grows as it shrinks (~3240
//! chunks per GiB at 256 KiB, four times that at 64 KiB). 1 MiB misses the bar; 64 KiB would
//! quadruple the requests of every save and restore.

use std::collections::HashMap;
use std::io::{self, Read};
use std::path::Path;

use rayon::prelude::*;

use super::archive::{self, Plan};
use super::error::MountCacheError;
use super::manifest::{Chunk, Cutting};
use crate::digest::Digest;
use crate::store::Store;

/// The chunk sizes every export uses (see the module doc).
pub const CUTTING: Cutting = Cutting {
    min: 64 << 10,
    avg: 256 << 10,
    max: 1 << 20,
};

/// zstd level of chunk blobs (3: zstd's default, ~300 MB/s per core).
pub const ZSTD_LEVEL: i32 = 3;

/// Chunks hashed and compressed together.
const BATCH: usize = 32;

/// The chunks of an archive.
#[derive(Debug, Clone, Default)]
pub struct Cut {
    /// The chunks, in archive order.
    pub chunks: Vec<Chunk>,
    /// Bytes of the archive.
    pub archive_bytes: u64,
    /// How many chunks were compressed (not known before).
    pub compressed: usize,
}

/// Archives `dir` as `plan` says, cuts the archive with `cutting`, and compresses into `store`
/// every chunk whose archive bytes `known` (raw digest -> chunk) lacks.
pub fn cut(
    dir: &Path,
    plan: &Plan,
    cutting: Cutting,
    known: &HashMap<Digest, Chunk>,
    store: &Store,
) -> Result<Cut, MountCacheError> {
    let (reader, writer) = io::pipe().map_err(|e| MountCacheError::Io {
        path: dir.to_path_buf(),
        source: e,
    })?;
    std::thread::scope(|scope| {
        let producer = scope.spawn(move || archive::write(plan, dir, io::BufWriter::new(writer)));
        let consumed = consume(reader, cutting, known, store);
        let produced = producer.join().unwrap_or_else(|_| {
            Err(MountCacheError::Unpack(
                "the archive writer panicked".into(),
            ))
        });
        // The writer's error explains a short stream better than the reader's.
        let archive_bytes = produced?;
        let cut = consumed?;
        if cut.archive_bytes != archive_bytes {
            return Err(MountCacheError::Io {
                path: dir.to_path_buf(),
                source: io::Error::other(format!(
                    "the archive has {archive_bytes} bytes but {} were cut",
                    cut.archive_bytes
                )),
            });
        }
        Ok(cut)
    })
}

fn consume(
    reader: impl Read,
    cutting: Cutting,
    known: &HashMap<Digest, Chunk>,
    store: &Store,
) -> Result<Cut, MountCacheError> {
    let chunker = fastcdc::v2020::StreamCDC::new(reader, cutting.min, cutting.avg, cutting.max);
    let mut out = Cut::default();
    let mut batch: Vec<Vec<u8>> = Vec::with_capacity(BATCH);
    for piece in chunker {
        let piece = piece.map_err(|e| MountCacheError::Io {
            path: "<archive stream>".into(),
            source: io::Error::other(e.to_string()),
        })?;
        out.archive_bytes += piece.length as u64;
        batch.push(piece.data);
        if batch.len() == BATCH {
            flush(&mut batch, known, store, &mut out)?;
        }
    }
    flush(&mut batch, known, store, &mut out)?;
    Ok(out)
}

/// Hashes (and compresses when new) a batch of chunks in parallel, appending them in order.
fn flush(
    batch: &mut Vec<Vec<u8>>,
    known: &HashMap<Digest, Chunk>,
    store: &Store,
    out: &mut Cut,
) -> Result<(), MountCacheError> {
    let done: Vec<Result<(Chunk, bool), MountCacheError>> = batch
        .par_iter()
        .map(|data| {
            let raw = Digest::of(data);
            if let Some(chunk) = known.get(&raw) {
                return Ok((chunk.clone(), false));
            }
            let packed =
                zstd::bulk::compress(data, ZSTD_LEVEL).map_err(|e| MountCacheError::Io {
                    path: "<zstd>".into(),
                    source: e,
                })?;
            let digest = store.put_bytes(&packed)?;
            Ok((
                Chunk {
                    digest,
                    size: packed.len() as u64,
                    raw,
                    raw_size: data.len() as u64,
                },
                true,
            ))
        })
        .collect();
    batch.clear();
    for r in done {
        let (chunk, fresh) = r?;
        out.compressed += usize::from(fresh);
        out.chunks.push(chunk);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    const SMALL: Cutting = Cutting {
        min: 256,
        avg: 1024,
        max: 4096,
    };

    fn pseudo_random(seed: u64, n: usize) -> Vec<u8> {
        let mut x = seed | 1;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect()
    }

    #[test]
    fn an_unchanged_tree_reuses_every_chunk_and_a_small_change_few() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..40u64 {
            fs::write(dir.path().join(format!("f{i:02}")), pseudo_random(i, 3000)).unwrap();
        }
        let scratch = tempfile::tempdir().unwrap();
        let store = Store::open(scratch.path()).unwrap();
        let plan = archive::plan(dir.path(), None).unwrap();
        let first = cut(dir.path(), &plan, SMALL, &HashMap::new(), &store).unwrap();
        assert!(first.chunks.len() > 40, "{}", first.chunks.len());
        assert_eq!(first.compressed, first.chunks.len());
        let known: HashMap<Digest, Chunk> = first
            .chunks
            .iter()
            .map(|c| (c.raw.clone(), c.clone()))
            .collect();
        let again = cut(dir.path(), &plan, SMALL, &known, &store).unwrap();
        assert_eq!(again.compressed, 0);
        assert_eq!(again.chunks, first.chunks);
        // One file rewritten: a few chunks are new, the rest reused.
        fs::write(dir.path().join("f20"), pseudo_random(99, 3000)).unwrap();
        let plan = archive::plan(dir.path(), None).unwrap();
        let changed = cut(dir.path(), &plan, SMALL, &known, &store).unwrap();
        assert!(
            changed.compressed >= 1 && changed.compressed <= 6,
            "{}",
            changed.compressed
        );
        // Every blob is in the store and unpacks to its archive bytes.
        let mut archive = Vec::new();
        for c in &changed.chunks {
            let packed = fs::read(store.blobs().path(&c.digest)).unwrap();
            archive.extend(zstd::decode_all(&packed[..]).unwrap());
        }
        assert_eq!(archive.len() as u64, changed.archive_bytes);
        let back = tempfile::tempdir().unwrap();
        tar::Archive::new(&archive[..]).unpack(back.path()).unwrap();
        assert_eq!(
            fs::read(back.path().join("f20")).unwrap(),
            pseudo_random(99, 3000)
        );
    }
}
