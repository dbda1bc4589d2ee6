//! A layer download piped into its unpacking: the download (async, on the registry's or cache's
//! runtime) writes into a [`StreamSink`], the unpacker (a blocking thread) reads the same bytes
//! from a [`StreamReader`], so bytes are decompressed and written as files while the rest is
//! still arriving. A bounded channel between them keeps memory flat whatever the layer's size.
//!
//! The sink hashes what passes (when asked: a remote cache's bytes are not verified by the
//! backend) and can tee them into the content store when something later needs the blob.

use std::io::{self, Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use crate::cache::remote::Meter;
use crate::digest::{Digest, DigestWriter};
use crate::store::{BlobSink, BlobWriter, StoreError};

/// Chunks in flight between a download and its unpacker (a chunk is what one network read
/// gave, usually 8-64 KiB).
const CHANNEL_CHUNKS: usize = 16;

/// Makes a connected sink and reader for the blob `digest`.
pub fn pipe<'a>(
    digest: &Digest,
    tee: Option<BlobWriter>,
    verify: bool,
    meter: Option<&'a Meter>,
) -> (StreamSink<'a>, StreamReader) {
    let (tx, rx) = sync_channel(CHANNEL_CHUNKS);
    let reader_gone = Arc::new(AtomicBool::new(false));
    let sink = StreamSink {
        digest: digest.clone(),
        tx: Some(tx),
        tee,
        hasher: verify.then(|| DigestWriter::new(io::sink())),
        received: 0,
        reader_gone: reader_gone.clone(),
        meter,
    };
    let reader = StreamReader {
        rx,
        chunk: Vec::new(),
        pos: 0,
        gone: reader_gone,
    };
    (sink, reader)
}

/// The download's end of a [`pipe`].
pub struct StreamSink<'a> {
    digest: Digest,
    tx: Option<SyncSender<Vec<u8>>>,
    tee: Option<BlobWriter>,
    hasher: Option<DigestWriter<io::Sink>>,
    received: u64,
    reader_gone: Arc<AtomicBool>,
    meter: Option<&'a Meter>,
}

/// What a finished download leaves: the tee'd blob to commit, and the digest it hashed to
/// (when the sink hashed).
pub struct Streamed {
    /// The blob written beside the stream, not yet committed.
    pub tee: Option<BlobWriter>,
    /// The sha256 of the bytes that passed, when the sink verified.
    pub actual: Option<Digest>,
}

impl StreamSink<'_> {
    /// Whether the unpacker stopped reading (it failed): the download's error is then only a
    /// consequence, the unpacker's is the one to report.
    pub fn reader_gone(&self) -> bool {
        self.reader_gone.load(Ordering::Acquire)
    }

    /// Ends the stream (the reader sees its end) and returns the tee and the hash.
    pub fn finish(mut self) -> Streamed {
        self.tx = None;
        Streamed {
            tee: self.tee.take(),
            actual: self.hasher.take().map(|h| h.finish().1),
        }
    }
}

impl Write for StreamSink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if let Some(tee) = self.tee.as_mut() {
            tee.write_all(buf)?;
        }
        if let Some(h) = self.hasher.as_mut() {
            h.write_all(buf)?;
        }
        let Some(tx) = self.tx.as_ref() else {
            return Err(io::Error::other("the stream was finished"));
        };
        if tx.send(buf.to_vec()).is_err() {
            self.reader_gone.store(true, Ordering::Release);
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the unpacker stopped reading",
            ));
        }
        self.received += buf.len() as u64;
        if let Some(m) = self.meter {
            m.downloaded(buf.len() as u64);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.tee.as_mut() {
            Some(t) => t.flush(),
            None => Ok(()),
        }
    }
}

impl BlobSink for StreamSink<'_> {
    fn len(&self) -> u64 {
        self.received
    }

    fn resume_offset(&self) -> u64 {
        0
    }

    fn restart(&mut self) -> Result<(), StoreError> {
        if self.received == 0 {
            return Ok(());
        }
        Err(StoreError::StreamRestart {
            digest: self.digest.clone(),
            received: self.received,
        })
    }
}

/// The unpacker's end of a [`pipe`]: reads what the download wrote, in order; the end of the
/// stream once the sink is finished or dropped.
pub struct StreamReader {
    rx: Receiver<Vec<u8>>,
    chunk: Vec<u8>,
    pos: usize,
    gone: Arc<AtomicBool>,
}

impl Read for StreamReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.chunk.len() {
            match self.rx.recv() {
                Ok(next) => {
                    self.chunk = next;
                    self.pos = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.pos);
        buf[..n].copy_from_slice(&self.chunk[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Drop for StreamReader {
    fn drop(&mut self) {
        self.gone.store(true, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_pass_in_order_and_are_hashed() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let digest = Digest::of(&data);
        let (mut sink, mut reader) = pipe(&digest, None, true, None);
        let writer = std::thread::spawn(move || {
            for part in data.chunks(7000) {
                sink.write_all(part).unwrap();
            }
            sink.finish()
        });
        let mut got = Vec::new();
        reader.read_to_end(&mut got).unwrap();
        let streamed = writer.join().unwrap();
        assert_eq!(streamed.actual, Some(Digest::of(&got)));
        assert_eq!(Digest::of(&got), digest);
    }

    #[test]
    fn a_dropped_reader_stops_the_download_and_says_so() {
        let digest = Digest::of(b"x");
        let (mut sink, reader) = pipe(&digest, None, false, None);
        drop(reader);
        assert!(sink.write_all(b"abc").is_err());
        assert!(sink.reader_gone());
    }

    #[test]
    fn a_stream_cannot_start_over_once_bytes_went_on() {
        let digest = Digest::of(b"x");
        let (mut sink, _reader) = pipe(&digest, None, false, None);
        assert!(BlobSink::restart(&mut sink).is_ok());
        sink.write_all(b"a").unwrap();
        assert!(matches!(
            BlobSink::restart(&mut sink),
            Err(StoreError::StreamRestart { received: 1, .. })
        ));
    }
}
