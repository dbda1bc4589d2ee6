//! ADD's local archives: recognized by content, never by name, and extracted into a scratch
//! directory from which the layer entries are read.
//!
//! A file is an archive when, after an optional gzip or zstd compression (found by its magic
//! bytes), its first 512 bytes are a valid tar header (checksum right, not an end-of-archive
//! block), as BuildKit asks `tar.Reader.Next` to succeed. bzip2 and xz are recognized but not
//! decompressed (no decoder in rbuild's dependencies): such a file is an error rather than a
//! silent copy. Extraction goes through the store's confined unpacker: `..` is refused, absolute
//! names are taken inside the destination, nothing is written through a symlink; owners, modes,
//! mtimes and xattrs of the archive are kept.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

/// How an archive is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// A plain tar.
    None,
    /// gzip.
    Gzip,
    /// zstd.
    Zstd,
    /// bzip2 (recognized, not supported).
    Bzip2,
    /// xz (recognized, not supported).
    Xz,
}

impl Compression {
    /// The compression named by a stream's first bytes.
    pub fn from_magic(head: &[u8]) -> Self {
        if head.starts_with(&[0x1f, 0x8b]) {
            Self::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Self::Zstd
        } else if head.starts_with(b"BZh") {
            Self::Bzip2
        } else if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
            Self::Xz
        } else {
            Self::None
        }
    }
}

/// Whether `path` (a regular file) is a tar archive, and its compression. `Ok(None)`: copy it
/// as a file.
pub fn detect(path: &Path) -> io::Result<Option<Compression>> {
    let mut head = [0u8; 6];
    let n = crate::store::decode::fill(&mut File::open(path)?, &mut head)?;
    let compression = Compression::from_magic(&head[..n]);
    if matches!(compression, Compression::Bzip2 | Compression::Xz) {
        return Ok(Some(compression));
    }
    let mut reader = match decoder(path, compression) {
        Ok(reader) => reader,
        Err(_) => return Ok(None),
    };
    let mut block = [0u8; 512];
    match crate::store::decode::fill(&mut reader, &mut block) {
        Ok(512) if is_tar_header(&block) => Ok(Some(compression)),
        _ => Ok(None),
    }
}

/// Extracts the archive at `path` into the empty directory `into`.
pub fn extract(path: &Path, compression: Compression, into: &Path) -> Result<(), String> {
    if matches!(compression, Compression::Bzip2 | Compression::Xz) {
        return Err(format!(
            "{compression:?} archives are not supported yet (gzip, zstd and plain tar are)"
        ));
    }
    let reader = decoder(path, compression).map_err(|e| e.to_string())?;
    crate::store::unpack::unpack_tar(
        into,
        reader,
        crate::store::snapshots::SnapshotFormat::Overlay,
    )
    .map_err(|e| {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            text.push_str(&format!(": {s}"));
            source = s.source();
        }
        text
    })
}

fn decoder(path: &Path, compression: Compression) -> io::Result<Box<dyn Read>> {
    let file = BufReader::new(File::open(path)?);
    Ok(match compression {
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(file)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::with_buffer(file)?),
        _ => Box::new(file),
    })
}

/// A tar header block: not all zeros, and its checksum (octal, bytes 148..156) is the sum of
/// its bytes with the checksum field counted as spaces.
fn is_tar_header(block: &[u8; 512]) -> bool {
    if block.iter().all(|&b| b == 0) {
        return false;
    }
    let field = &block[148..156];
    let text: String = field
        .iter()
        .map(|&b| b as char)
        .filter(|c| c.is_ascii_digit())
        .collect();
    let Ok(stored) = u64::from_str_radix(&text, 8) else {
        return false;
    };
    let sum: u64 = block
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u64::from(b)
            }
        })
        .sum();
    sum == stored
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    /// A tar with `dir/`, `dir/f` (uid 7, mode 0640, "hello") and a symlink `l -> dir/f`.
    pub(crate) fn sample_tar() -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Directory);
        h.set_mode(0o750);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mtime(1000);
        h.set_size(0);
        b.append_data(&mut h, "dir/", io::empty()).unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o640);
        h.set_uid(7);
        h.set_gid(8);
        h.set_mtime(2000);
        h.set_size(5);
        b.append_data(&mut h, "dir/f", &b"hello"[..]).unwrap();
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(tar::EntryType::Symlink);
        h.set_size(0);
        h.set_uid(0);
        h.set_gid(0);
        h.set_mode(0o777);
        h.set_mtime(3000);
        b.append_link(&mut h, "l", "dir/f").unwrap();
        b.into_inner().unwrap()
    }

    #[test]
    fn archives_are_found_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("a.txt");
        std::fs::write(&plain, sample_tar()).unwrap();
        assert_eq!(detect(&plain).unwrap(), Some(Compression::None));
        let gz = dir.path().join("b.bin");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&sample_tar()).unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        assert_eq!(detect(&gz).unwrap(), Some(Compression::Gzip));
        let zst = dir.path().join("c");
        std::fs::write(&zst, zstd::encode_all(&sample_tar()[..], 1).unwrap()).unwrap();
        assert_eq!(detect(&zst).unwrap(), Some(Compression::Zstd));
        let text = dir.path().join("x.tar.gz");
        std::fs::write(&text, "not an archive at all").unwrap();
        assert_eq!(detect(&text).unwrap(), None);
        let gz_text = dir.path().join("y.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"just text").unwrap();
        std::fs::write(&gz_text, enc.finish().unwrap()).unwrap();
        assert_eq!(detect(&gz_text).unwrap(), None);
    }

    #[test]
    fn extraction_refuses_escapes() {
        let dir = tempfile::tempdir().unwrap();
        let mut raw = tar::Header::new_old();
        raw.as_old_mut().name[..9].copy_from_slice(b"../escape");
        raw.set_size(1);
        raw.set_mode(0o644);
        raw.set_cksum();
        let mut data = raw.as_bytes().to_vec();
        data.extend_from_slice(b"x");
        data.resize(1024, 0);
        data.extend_from_slice(&[0u8; 1024]);
        let bad = dir.path().join("bad.tar");
        std::fs::write(&bad, data).unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let err = extract(&bad, Compression::None, &out).unwrap_err();
        assert!(err.contains(".."), "{err}");
        assert!(!dir.path().join("escape").exists());
    }
}
