//! Restoring a mount cache: its chunks fetched a few at a time (in order), each verified
//! against its digest ([`Backend::fetch_bytes`]), decompressed on the blocking pool, and
//! streamed into a tar extractor writing the directory. Memory holds at most the chunks in
//! flight.
//!
//! Any failure (a chunk missing, truncated or corrupt, the backend gone) stops the restore with
//! an error; the caller empties the directory and the step runs with an empty cache.

use std::io::{self, Read};
use std::path::Path;

use futures_util::StreamExt as _;

use super::error::MountCacheError;
use super::manifest::{Chunk, MountManifest};
use crate::cache::remote::Backend;
use crate::store::Store;

/// Chunks fetched at once.
const FETCH_CONCURRENCY: usize = 32;

/// What a restore moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Restored {
    /// Chunk blobs downloaded.
    pub chunks: u64,
    /// Their bytes.
    pub bytes: u64,
}

/// Restores `manifest` from `backend` into the empty directory `dir`, with `scratch` holding
/// chunks while they are read.
pub async fn restore(
    backend: &Backend,
    manifest: &MountManifest,
    dir: &Path,
    scratch: &Store,
) -> Result<Restored, MountCacheError> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
    let target = dir.to_path_buf();
    let extractor = tokio::task::spawn_blocking(move || unpack(rx, &target));
    let mut moved = Restored::default();
    let mut fetched = futures_util::stream::iter(&manifest.chunks)
        .map(|c| chunk_bytes(backend, c, scratch))
        .buffered(FETCH_CONCURRENCY);
    let mut failure = None;
    while let Some(next) = fetched.next().await {
        match next {
            Ok((raw, size)) => {
                moved.chunks += 1;
                moved.bytes += size;
                if tx.send(raw).await.is_err() {
                    // The extractor stopped: its error says why.
                    break;
                }
            }
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    drop(fetched);
    drop(tx);
    let unpacked = extractor
        .await
        .map_err(|e| MountCacheError::Unpack(format!("the extractor failed: {e}")))?;
    if let Some(e) = failure {
        return Err(e);
    }
    unpacked?;
    Ok(moved)
}

/// The archive bytes of chunk `c`: its blob fetched (verified against its digest; through
/// `scratch` for backends that stream to files) and decompressed on the blocking pool.
async fn chunk_bytes(
    backend: &Backend,
    c: &Chunk,
    scratch: &Store,
) -> Result<(Vec<u8>, u64), MountCacheError> {
    let packed = backend.fetch_bytes(&c.descriptor(), scratch).await?;
    let size = packed.len() as u64;
    let expected = usize::try_from(c.raw_size).unwrap_or(usize::MAX);
    let digest = c.digest.clone();
    let raw = tokio::task::spawn_blocking(move || zstd::bulk::decompress(&packed, expected))
        .await
        .map_err(|e| MountCacheError::Unpack(e.to_string()))?
        .map_err(|e| MountCacheError::Chunk {
            digest: digest.clone(),
            reason: format!("does not decompress: {e}"),
        })?;
    if raw.len() != expected {
        return Err(MountCacheError::Chunk {
            digest,
            reason: format!("holds {} archive bytes, not {expected}", raw.len()),
        });
    }
    Ok((raw, size))
}

/// Unpacks the archive arriving on `rx` into `dir`, keeping modes, owners and times.
fn unpack(rx: tokio::sync::mpsc::Receiver<Vec<u8>>, dir: &Path) -> Result<(), MountCacheError> {
    let reader = ChannelReader {
        rx,
        current: Vec::new(),
        at: 0,
    };
    let mut archive = tar::Archive::new(reader);
    archive.set_preserve_permissions(true);
    archive.set_preserve_mtime(true);
    archive.set_preserve_ownerships(rustix::process::geteuid().is_root());
    archive.set_unpack_xattrs(false);
    archive.set_overwrite(true);
    archive
        .unpack(dir)
        .map_err(|e| MountCacheError::Unpack(e.to_string()))?;
    // Drain what is left (the archive's zero blocks), so the sender never waits on a gone reader.
    let mut rest = archive.into_inner();
    io::copy(&mut rest, &mut io::sink()).map_err(|e| MountCacheError::Unpack(e.to_string()))?;
    Ok(())
}

/// A `Read` over the chunks sent on a channel; ends when the sender is dropped.
struct ChannelReader {
    rx: tokio::sync::mpsc::Receiver<Vec<u8>>,
    current: Vec<u8>,
    at: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.current.len() {
            match self.rx.blocking_recv() {
                Some(next) => {
                    self.current = next;
                    self.at = 0;
                }
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len() - self.at);
        buf[..n].copy_from_slice(&self.current[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}
