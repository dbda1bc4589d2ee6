//! Layer compression: chosen from a media type or detected from the stream's magic bytes, and
//! undone while streaming.

use std::io::{self, BufRead, BufReader, Read};

/// How a layer blob is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Detect from the first bytes: gzip (`1f 8b`), zstd (`28 b5 2f fd`), else a plain tar.
    Auto,
    /// A plain tar.
    None,
    /// gzip (`application/vnd.oci.image.layer.v1.tar+gzip`, Docker's `...tar.gzip`).
    Gzip,
    /// zstd (`application/vnd.oci.image.layer.v1.tar+zstd`).
    Zstd,
}

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZSTD_MAGIC: &[u8] = &[0x28, 0xb5, 0x2f, 0xfd];

impl Compression {
    /// The compression a layer media type announces; `None` for a media type that is not a
    /// layer tar (OCI, Docker and the non-distributable variants are all understood).
    pub fn from_media_type(media_type: &str) -> Option<Self> {
        let (base, suffix) = match media_type.rsplit_once(['+', '.']) {
            Some((base, suffix @ ("gzip" | "zstd"))) => (base, suffix),
            _ => (media_type, ""),
        };
        if !(base.ends_with(".tar") || base.ends_with(".tar.diff") || base.ends_with("rootfs.diff"))
        {
            return None;
        }
        Some(match suffix {
            "gzip" => Self::Gzip,
            "zstd" => Self::Zstd,
            _ => Self::None,
        })
    }

    /// Detects the compression from the first bytes of `reader` without consuming them.
    pub fn detect<R: BufRead>(reader: &mut R) -> io::Result<Self> {
        let mut head = Vec::with_capacity(4);
        // fill_buf may return fewer bytes than the magic; a BufReader holds at least 4 unless
        // the stream is that short.
        let buf = reader.fill_buf()?;
        head.extend_from_slice(&buf[..buf.len().min(4)]);
        Ok(if head.starts_with(GZIP_MAGIC) {
            Self::Gzip
        } else if head.starts_with(ZSTD_MAGIC) {
            Self::Zstd
        } else {
            Self::None
        })
    }

    /// Wraps `reader` in the decoder for this compression (detecting it for `Auto`).
    pub fn decoder<'a, R: Read + 'a>(self, reader: R) -> io::Result<Box<dyn Read + 'a>> {
        let mut reader = BufReader::with_capacity(64 * 1024, reader);
        let kind = match self {
            Self::Auto => Self::detect(&mut reader)?,
            other => other,
        };
        Ok(match kind {
            Self::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(reader)),
            Self::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(reader)?),
            Self::None | Self::Auto => Box::new(reader),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn media_types() {
        use Compression::*;
        let cases = [
            ("application/vnd.oci.image.layer.v1.tar", Some(None)),
            ("application/vnd.oci.image.layer.v1.tar+gzip", Some(Gzip)),
            ("application/vnd.oci.image.layer.v1.tar+zstd", Some(Zstd)),
            (
                "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
                Some(Gzip),
            ),
            (
                "application/vnd.docker.image.rootfs.diff.tar.gzip",
                Some(Gzip),
            ),
            ("application/vnd.docker.image.rootfs.diff.tar", Some(None)),
            ("application/vnd.oci.image.config.v1+json", Option::None),
        ];
        for (mt, want) in cases {
            assert_eq!(Compression::from_media_type(mt), want, "{mt}");
        }
    }

    #[test]
    fn detects_and_decodes() {
        let plain = b"hello tar".to_vec();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&plain).unwrap();
        let gz = gz.finish().unwrap();
        let zst = zstd::encode_all(&plain[..], 1).unwrap();
        for (bytes, kind) in [
            (&plain, Compression::None),
            (&gz, Compression::Gzip),
            (&zst, Compression::Zstd),
        ] {
            assert_eq!(Compression::detect(&mut &bytes[..]).unwrap(), kind);
            let mut out = Vec::new();
            Compression::Auto
                .decoder(&bytes[..])
                .unwrap()
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out, plain);
        }
    }
}
