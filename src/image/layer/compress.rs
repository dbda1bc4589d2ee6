//! Layer compression (gzip, zstd or none), the OCI media types, and the descriptor of a written
//! layer.
//!
//! Both compressors are deterministic for a given level: gzip headers carry mtime 0, no file
//! name and OS byte 255 (flate2's defaults); zstd runs single-threaded with default parameters and
//! no checksum. The gzip default level is 1 ([`Compression::DEFAULT_GZIP_LEVEL`]): it is what
//! `gzip -1` and the `tar | gzip -1` reference do, it keeps packing at the speed of reading files
//! on CI runners, and costs only a few percent of size against level 6; users who want small
//! layers pick zstd (level 3: smaller than gzip -6 and several times faster).

use std::io::{self, Read, Write};

use crate::digest::{Digest, DigestWriter};

/// OCI media type of an uncompressed layer.
pub const MEDIA_TYPE_TAR: &str = "application/vnd.oci.image.layer.v1.tar";
/// OCI media type of a gzip-compressed layer.
pub const MEDIA_TYPE_TAR_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
/// OCI media type of a zstd-compressed layer.
pub const MEDIA_TYPE_TAR_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";

/// How a layer is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// A plain tar.
    None,
    /// gzip (deflate) at `level` 0..=9.
    Gzip {
        /// Compression level, 0 (store) to 9 (best).
        level: u32,
    },
    /// zstd at `level` 1..=22 (negative levels are faster still).
    Zstd {
        /// Compression level.
        level: i32,
    },
}

impl Compression {
    /// The gzip level used unless one is asked for (see the module docs).
    pub const DEFAULT_GZIP_LEVEL: u32 = 1;
    /// The zstd level used unless one is asked for (zstd's own default).
    pub const DEFAULT_ZSTD_LEVEL: i32 = 3;

    /// gzip at the default level.
    pub fn gzip() -> Self {
        Self::Gzip {
            level: Self::DEFAULT_GZIP_LEVEL,
        }
    }

    /// zstd at the default level.
    pub fn zstd() -> Self {
        Self::Zstd {
            level: Self::DEFAULT_ZSTD_LEVEL,
        }
    }

    /// The OCI media type of a layer compressed this way.
    pub fn media_type(&self) -> &'static str {
        match self {
            Self::None => MEDIA_TYPE_TAR,
            Self::Gzip { .. } => MEDIA_TYPE_TAR_GZIP,
            Self::Zstd { .. } => MEDIA_TYPE_TAR_ZSTD,
        }
    }
}

/// A written layer: what an image manifest and config need to reference it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LayerDescriptor {
    /// Digest of the blob as stored (compressed).
    pub digest: Digest,
    /// Digest of the uncompressed tar (the image config's `rootfs.diff_ids`).
    pub diff_id: Digest,
    /// Size of the blob in bytes.
    pub size: u64,
    /// OCI media type of the blob.
    pub media_type: String,
}

/// zstd worker threads per layer (any count >= 1 gives the same bytes).
pub const ZSTD_WORKERS: u32 = 2;

/// Bytes of input per zstd job: fixed (it shapes the output), and small enough that the
/// workers' buffers stay a few tens of MB.
pub const ZSTD_JOB_SIZE: u32 = 4 << 20;

/// Compresses the plain tar stream `tar` as `compression` into `out` (a layer given another
/// compression: its diff_id is unchanged); returns `out`, the blob's digest and its size.
pub fn recompress<R: Read, W: Write>(
    mut tar: R,
    compression: Compression,
    out: W,
) -> io::Result<(W, Digest, u64)> {
    let mut encoder = Encoder::new(compression, DigestWriter::new(out))?;
    io::copy(&mut tar, &mut encoder)?;
    Ok(encoder.finish()?.finish())
}

/// A compressing writer for one [`Compression`].
pub(crate) enum Encoder<W: Write> {
    /// No compression.
    Plain(W),
    /// gzip.
    Gzip(flate2::write::GzEncoder<W>),
    /// zstd.
    Zstd(zstd::stream::write::Encoder<'static, W>),
}

impl<W: Write> Encoder<W> {
    /// A writer compressing into `out`.
    pub(crate) fn new(compression: Compression, out: W) -> io::Result<Self> {
        Ok(match compression {
            Compression::None => Self::Plain(out),
            Compression::Gzip { level } => Self::Gzip(flate2::write::GzEncoder::new(
                out,
                flate2::Compression::new(level.min(9)),
            )),
            Compression::Zstd { level } => {
                let mut encoder = zstd::stream::write::Encoder::new(out, level)?;
                // zstd's multi-threaded mode: its output does not depend on the worker count
                // (checked: `zstd -3 -T1`, `-T2`, `-T4` give the same bytes; only the
                // single-threaded mode differs), so layer digests stay reproducible, and the
                // workers let compression keep up with `zstd -3` while this thread hashes
                // (bench/stream-1g.sh).
                encoder.multithread(ZSTD_WORKERS)?;
                encoder.set_parameter(zstd::stream::raw::CParameter::JobSize(ZSTD_JOB_SIZE))?;
                Self::Zstd(encoder)
            }
        })
    }

    /// Ends the compressed stream and returns the inner writer.
    pub(crate) fn finish(self) -> io::Result<W> {
        match self {
            Self::Plain(mut w) => {
                w.flush()?;
                Ok(w)
            }
            Self::Gzip(e) => e.finish(),
            Self::Zstd(e) => e.finish(),
        }
    }
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Plain(w) => w.write(buf),
            Self::Gzip(e) => e.write(buf),
            Self::Zstd(e) => e.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Self::Plain(w) => w.write_all(buf),
            Self::Gzip(e) => e.write_all(buf),
            Self::Zstd(e) => e.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Plain(w) => w.flush(),
            Self::Gzip(e) => e.flush(),
            Self::Zstd(e) => e.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn each_compression_round_trips_and_is_deterministic() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        for c in [Compression::None, Compression::gzip(), Compression::zstd()] {
            let pack = || {
                let mut e = Encoder::new(c, Vec::new()).unwrap();
                e.write_all(&data).unwrap();
                e.finish().unwrap()
            };
            let blob = pack();
            assert_eq!(blob, pack(), "{c:?}");
            let mut back = Vec::new();
            match c {
                Compression::None => back = blob,
                Compression::Gzip { .. } => {
                    flate2::read::GzDecoder::new(&blob[..])
                        .read_to_end(&mut back)
                        .unwrap();
                }
                Compression::Zstd { .. } => back = zstd::decode_all(&blob[..]).unwrap(),
            }
            assert_eq!(back, data, "{c:?}");
        }
    }

    #[test]
    fn media_types() {
        assert_eq!(
            Compression::gzip().media_type(),
            "application/vnd.oci.image.layer.v1.tar+gzip"
        );
        assert_eq!(Compression::None.media_type(), MEDIA_TYPE_TAR);
        assert_eq!(Compression::zstd().media_type(), MEDIA_TYPE_TAR_ZSTD);
    }
}
