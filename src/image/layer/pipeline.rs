//! One streaming pass from entries to a stored blob: tar -> diff_id -> compress -> digest.
//!
//! Two threads, like `tar | gzip`: a scoped thread walks the entries, reads the files, writes the
//! tar and hashes it (the diff_id) in 1 MiB chunks; the caller's thread compresses each chunk into
//! the caller's writer through a [`DigestWriter`] (the blob digest and size). A bounded channel
//! of four chunks between them, with the buffers sent back for reuse, keeps memory at a few
//! MiB whatever the layer's size. The caller's writer never leaves the caller's thread, so it
//! need not be `Send`.

use std::io::{self, Write};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};

use sha2::{Digest as _, Sha256};

use super::LayerError;
use super::compress::{Compression, Encoder, LayerDescriptor};
use super::entries::Entry;
use super::tar_writer::TarWriter;
use crate::digest::{Digest, DigestWriter};

/// Size of the chunks handed from the tar thread to the compressor.
const CHUNK: usize = 1024 * 1024;
/// How many chunks may wait between the two threads.
const QUEUE: usize = 4;

/// How a layer is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerOptions {
    /// The compression of the blob.
    pub compression: Compression,
    /// `SOURCE_DATE_EPOCH`: when set, every mtime later than it is clamped to it.
    pub source_date_epoch: Option<i64>,
}

impl Default for LayerOptions {
    fn default() -> Self {
        Self {
            compression: Compression::gzip(),
            source_date_epoch: None,
        }
    }
}

/// Writes the layer made of `entries` (in layer order, see [`super`]) compressed into `out`,
/// and returns its descriptor and `out`. Entries are read and the tar produced on a second
/// thread while this thread compresses; nothing holds the whole layer in memory.
///
/// The first error wins: a failure to write `out`, else the first failing entry. After an error
/// `out` holds a partial blob that the caller discards.
pub fn write_layer<I, W>(
    entries: I,
    options: &LayerOptions,
    out: W,
) -> Result<(LayerDescriptor, W), LayerError>
where
    I: IntoIterator<Item = Result<Entry, LayerError>>,
    I::IntoIter: Send,
    W: Write,
{
    let (full_tx, full_rx) = sync_channel::<Vec<u8>>(QUEUE);
    let (empty_tx, empty_rx) = channel::<Vec<u8>>();
    let iter = entries.into_iter();
    let epoch = options.source_date_epoch;
    std::thread::scope(|scope| {
        let tar_thread = std::thread::Builder::new()
            .name("rbuild-layer-tar".into())
            .spawn_scoped(scope, move || produce(iter, epoch, full_tx, empty_rx))
            .map_err(LayerError::Write)?;
        let compressed = compress(full_rx, empty_tx, options.compression, out);
        let diff_id = tar_thread.join().map_err(|_| LayerError::TarThread);
        let (out, digest, size) = compressed?;
        let diff_id = diff_id??;
        Ok((
            LayerDescriptor {
                digest,
                diff_id,
                size,
                media_type: options.compression.media_type().to_string(),
            },
            out,
        ))
    })
}

/// The diff_id and size of the plain tar of `entries`, without writing it anywhere: the
/// descriptor of a lazy layer (`crate::store::lazy`), whose blob is made later from the same
/// files. One thread; the tar's bytes are hashed as they are produced.
pub fn diff_of<I>(entries: I, source_date_epoch: Option<i64>) -> Result<(Digest, u64), LayerError>
where
    I: IntoIterator<Item = Result<Entry, LayerError>>,
{
    let mut tar = TarWriter::new(HashCount::default(), source_date_epoch);
    for entry in entries {
        tar.append(&entry?)?;
    }
    let sink = tar.finish()?;
    Ok((Digest::from_sha256(sink.sha.finalize().into()), sink.len))
}

/// A writer that only hashes and counts.
#[derive(Default)]
struct HashCount {
    sha: Sha256,
    len: u64,
}

impl Write for HashCount {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.sha.update(data);
        self.len += data.len() as u64;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The tar thread: writes every entry and returns the diff_id.
fn produce(
    entries: impl Iterator<Item = Result<Entry, LayerError>>,
    epoch: Option<i64>,
    full: SyncSender<Vec<u8>>,
    empty: Receiver<Vec<u8>>,
) -> Result<Digest, LayerError> {
    let sink = ChunkSink {
        buf: Vec::with_capacity(CHUNK),
        full,
        empty,
        sha: Sha256::new(),
    };
    let mut tar = TarWriter::new(sink, epoch);
    for entry in entries {
        tar.append(&entry?)?;
    }
    tar.finish()?.finish().map_err(LayerError::Write)
}

/// The compressing side: everything received goes through the encoder into `out`.
fn compress<W: Write>(
    full: Receiver<Vec<u8>>,
    empty: Sender<Vec<u8>>,
    compression: Compression,
    out: W,
) -> Result<(W, Digest, u64), LayerError> {
    let mut encoder =
        Encoder::new(compression, DigestWriter::new(out)).map_err(LayerError::Write)?;
    for mut chunk in full {
        encoder.write_all(&chunk).map_err(LayerError::Write)?;
        chunk.clear();
        let _ = empty.send(chunk); // the tar thread may be done already
    }
    Ok(encoder.finish().map_err(LayerError::Write)?.finish())
}

/// The tar thread's writer: fills chunks, hashes them, and sends them to the compressor.
struct ChunkSink {
    buf: Vec<u8>,
    full: SyncSender<Vec<u8>>,
    empty: Receiver<Vec<u8>>,
    sha: Sha256,
}

impl ChunkSink {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.sha.update(&self.buf);
        let next = self
            .empty
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(CHUNK));
        let chunk = std::mem::replace(&mut self.buf, next);
        self.full
            .send(chunk)
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the compressor stopped"))
    }

    /// Sends what is left and returns the digest of everything written.
    fn finish(mut self) -> io::Result<Digest> {
        self.send()?;
        Ok(Digest::from_sha256(self.sha.finalize().into()))
    }
}

impl Write for ChunkSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(CHUNK - self.buf.len());
        self.buf.extend_from_slice(&data[..n]);
        if self.buf.len() == CHUNK {
            self.send()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::layer::entries::{EntryKind, FileData};
    use std::io::Read;

    fn big_file(path: &str, len: usize) -> Entry {
        let body: Vec<u8> = (0..len).map(|i| (i * 7 % 256) as u8).collect();
        Entry {
            path: path.as_bytes().to_vec(),
            kind: EntryKind::File {
                data: FileData::Bytes(body),
                size: len as u64,
            },
            mode: 0o644,
            uid: 0,
            gid: 0,
            mtime: 0,
            xattrs: Vec::new(),
        }
    }

    #[test]
    fn digests_match_the_bytes_in_one_pass() {
        let entries = vec![big_file("a", 3 * CHUNK + 17), big_file("b", 5)];
        let mut tar = TarWriter::new(Vec::new(), None);
        for e in &entries {
            tar.append(e).unwrap();
        }
        let tar = tar.finish().unwrap();
        let options = LayerOptions::default();
        let (desc, blob) = write_layer(entries.into_iter().map(Ok), &options, Vec::new()).unwrap();
        assert_eq!(desc.diff_id, Digest::of(&tar));
        assert_eq!(desc.digest, Digest::of(&blob));
        assert_eq!(desc.size, blob.len() as u64);
        assert_eq!(
            desc.media_type,
            "application/vnd.oci.image.layer.v1.tar+gzip"
        );
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&blob[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, tar);
    }

    #[test]
    fn diff_of_is_the_plain_tars_digest_and_size() {
        let entries = vec![big_file("a", 3 * CHUNK + 17), big_file("b", 5)];
        let options = LayerOptions {
            compression: Compression::None,
            source_date_epoch: None,
        };
        let (desc, blob) =
            write_layer(entries.clone().into_iter().map(Ok), &options, Vec::new()).unwrap();
        let (diff_id, size) = diff_of(entries.into_iter().map(Ok), None).unwrap();
        assert_eq!((diff_id, size), (desc.diff_id, blob.len() as u64));
        assert_eq!(desc.digest, Digest::of(&blob));
    }

    #[test]
    fn an_entry_error_is_returned() {
        let entries = vec![
            Ok(big_file("a", 10)),
            Err(LayerError::NotFound {
                path: "missing".into(),
            }),
        ];
        let err = write_layer(entries, &LayerOptions::default(), Vec::new()).unwrap_err();
        assert!(matches!(err, LayerError::NotFound { .. }), "{err:?}");
    }

    #[derive(Debug)]
    struct Failing;
    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::other("disk full"))
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_failing_writer_stops_the_tar_thread() {
        let entries: Vec<_> = (0..20)
            .map(|i| Ok(big_file(&format!("f{i}"), CHUNK)))
            .collect();
        let options = LayerOptions {
            compression: Compression::None,
            source_date_epoch: None,
        };
        let err = write_layer(entries, &options, Failing).unwrap_err();
        assert!(matches!(err, LayerError::Write(_)), "{err:?}");
    }
}
