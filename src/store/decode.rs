//! A layer decompressed and hashed on a thread of its own, its tar read by the unpacker through a
//! bounded channel.
//!
//! Unpacking one layer is three kinds of work in a row: decompressing, hashing the uncompressed
//! stream (the diff_id) and writing files. On one thread they add up; a large layer (a 700 MB
//! toolchain, a 270 MB apt install) then bounds the time a whole stack takes to become present
//! even when the machine has a core to spare. Here the decompression and the hash run on a
//! second thread, the file writes on the caller's, at most [`IN_FLIGHT`] chunks of [`CHUNK`]
//! bytes apart (2 MiB per layer being unpacked). The unpacker hands each chunk it has read back
//! to the decompressing thread, which fills it again: no buffer is allocated or zeroed per chunk.

use std::io::{self, Read, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use super::compression::Compression;
use crate::digest::{Digest, DigestWriter};

/// Bytes per chunk handed from the decompressing thread to the unpacker.
const CHUNK: usize = 256 << 10;
/// Chunks decompressed ahead of the unpacker.
const IN_FLIGHT: usize = 8;

/// Runs `consume` on the decompressed `layer` while another thread decompresses and hashes it.
/// `consume`'s failure comes first (and stops the decompression); else what it returned and the
/// sha256 of the whole decompressed stream, which is read to its end whatever `consume` left
/// unread (a tar's padding after its end marker counts in a diff_id), or the failure to read it.
/// A decompression failure reaches `consume` as a read error where it happened.
pub(super) fn decoded<R, T, E>(
    layer: R,
    compression: Compression,
    consume: impl FnOnce(&mut dyn Read) -> Result<T, E>,
) -> Result<io::Result<(T, Digest)>, E>
where
    R: Read + Send,
{
    std::thread::scope(|s| {
        let (tx, rx) = sync_channel(IN_FLIGHT);
        let (spare_tx, spare_rx) = sync_channel(IN_FLIGHT + 1);
        let decoding = s.spawn(move || decode(layer, compression, &tx, &spare_rx));
        let mut reader = ChannelReader {
            rx,
            spare: spare_tx,
            chunk: Vec::new(),
            at: 0,
        };
        let consumed = consume(&mut reader);
        // What the consumer left unread still counts in the hash.
        let rest = match &consumed {
            Ok(_) => io::copy(&mut reader, &mut io::sink()).map(|_| ()),
            Err(_) => Ok(()),
        };
        // Unblocks a decoder waiting to send (the consumer failed).
        drop(reader);
        let digest = decoding
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the decompressing thread panicked")));
        let consumed = consumed?;
        Ok(rest.and(digest).map(|d| (consumed, d)))
    })
}

/// The decompressing thread: chunks of `layer`'s decompressed bytes into `tx` (in the buffers
/// `spare` returns, when it has one), hashed on the way; its failure is sent too, for the
/// reader to meet in place.
fn decode(
    layer: impl Read,
    compression: Compression,
    tx: &SyncSender<io::Result<Vec<u8>>>,
    spare: &Receiver<Vec<u8>>,
) -> io::Result<Digest> {
    let failed = |e: io::Error| {
        let _ = tx.send(Err(io::Error::new(e.kind(), e.to_string())));
        e
    };
    let mut decoder = compression.decoder(layer).map_err(failed)?;
    let mut hasher = DigestWriter::new(io::sink());
    loop {
        let mut chunk = spare.try_recv().unwrap_or_default();
        // Zeroes only what a new (or the last, shorter) buffer lacks.
        chunk.resize(CHUNK, 0);
        let n = fill(&mut decoder, &mut chunk).map_err(failed)?;
        if n == 0 {
            break;
        }
        chunk.truncate(n);
        hasher.write_all(&chunk)?;
        if tx.send(Ok(chunk)).is_err() {
            return Err(io::Error::other("the unpacker stopped reading"));
        }
    }
    let (_, digest, _) = hasher.finish();
    Ok(digest)
}

/// Reads into `buf` until it is full or the stream ends: how many bytes.
pub(crate) fn fill(r: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// The unpacker's end of the channel.
struct ChannelReader {
    rx: Receiver<io::Result<Vec<u8>>>,
    /// Where read chunks go back to be filled again.
    spare: SyncSender<Vec<u8>>,
    chunk: Vec<u8>,
    at: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.chunk.len() {
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    let read = std::mem::replace(&mut self.chunk, chunk);
                    if read.capacity() >= CHUNK {
                        // Full (the decoder has enough) or gone: the buffer is dropped.
                        let _ = self.spare.try_send(read);
                    }
                    self.at = 0;
                }
                Ok(Err(e)) => return Err(e),
                // The decoder is done (its failures arrive as messages first).
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn the_digest_covers_what_the_consumer_left_unread() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let ((), digest) = decoded(&gzip(&data)[..], Compression::Gzip, |r| {
            let mut head = [0u8; 1000];
            r.read_exact(&mut head)?;
            assert_eq!(&head[..], &data[..1000]);
            Ok::<_, io::Error>(())
        })
        .unwrap()
        .unwrap();
        assert_eq!(digest, Digest::of(&data));
    }

    #[test]
    fn a_corrupt_stream_fails_the_read_where_it_breaks() {
        let data = vec![7u8; 2_000_000];
        let mut z = gzip(&data);
        z.truncate(z.len() / 2);
        let err = decoded(&z[..], Compression::Gzip, |r| {
            let mut all = Vec::new();
            r.read_to_end(&mut all).map(|_| ())
        })
        .unwrap_err();
        // Not a short read that looks like the end: the consumer meets the failure.
        assert!(!err.to_string().is_empty());
    }

    #[test]
    fn a_consumer_that_fails_stops_the_decoder() {
        let data: Vec<u8> = (0..20_000_000u32).map(|i| (i % 13) as u8).collect();
        let err = decoded(&gzip(&data)[..], Compression::Gzip, |_| {
            Err::<(), _>("refused")
        })
        .unwrap_err();
        assert_eq!(err, "refused");
    }
}
