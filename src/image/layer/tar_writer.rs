//! Deterministic tar headers, written byte by byte (no builder whose defaults could drift).
//!
//! Each entry is one ustar header (POSIX.1-1988 `ustar\0` magic, version `00`), preceded by a PAX
//! extended header (`x`) only when something does not fit ustar:
//!
//! * `path` when the name (with the trailing `/` of a directory) is longer than 100 bytes, and
//!   `linkpath` for a link target longer than 100 bytes. Names are never split into ustar's
//!   prefix field, and are written as the bytes they are (non-UTF-8 names included);
//! * `uid`/`gid` above `0o7777777`, `size` above `0o77777777777`, `mtime` below 0 or above
//!   `0o77777777777` (the ustar field then holds 0);
//! * `SCHILY.xattr.<name>` for every xattr (the key GNU tar, BuildKit and Docker use).
//!
//! PAX records are sorted by key; the PAX header's own ustar header is named
//! `<dir>/PaxHeaders.0/<base>` (as Go's archive/tar), truncated to 100 bytes, with mode, owner
//! and mtime 0. Fixed fields: mode is the permission bits only (no file-type bits); user and
//! group names are empty; device numbers are filled only for devices (empty otherwise); mtime is
//! the entry's, or `min(mtime, SOURCE_DATE_EPOCH)` when an epoch is given; no atime or ctime.
//! Directories are named with a trailing `/`; the archive ends with two zero blocks.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;

use super::LayerError;
use super::entries::{Entry, EntryKind, FileData, read_err};

const BLOCK: usize = 512;
const NAME_LEN: usize = 100;
const MAX_ID: u64 = 0o7777777;
const MAX_SIZE: u64 = 0o77777777777;
/// How much of a file is read at a time.
const COPY_BUF: usize = 256 * 1024;

/// Writes entries as a deterministic tar stream into `W`.
pub struct TarWriter<W> {
    out: W,
    source_date_epoch: Option<i64>,
    buf: Vec<u8>,
}

impl<W: Write> TarWriter<W> {
    /// A writer into `out`; with `source_date_epoch`, mtimes are clamped to it.
    pub fn new(out: W, source_date_epoch: Option<i64>) -> Self {
        Self {
            out,
            source_date_epoch,
            buf: Vec::new(),
        }
    }

    /// Appends one entry (header, PAX header if needed, file bytes and padding).
    pub fn append(&mut self, entry: &Entry) -> Result<(), LayerError> {
        let mtime = match self.source_date_epoch {
            Some(epoch) => entry.mtime.min(epoch),
            None => entry.mtime,
        };
        let (pax, header) = encode_header(entry, mtime);
        if !pax.is_empty() {
            let name = pax_header_name(&entry_name(entry));
            let size = pax.len() as u64;
            let block = ustar_block(&name, 0, 0, 0, size, 0, b'x', b"", None);
            self.write(&block)?;
            self.write(&pax)?;
            self.pad(size)?;
        }
        self.write(&header)?;
        if let EntryKind::File { data, size } = &entry.kind {
            match data {
                FileData::Empty => check_size(Path::new(""), *size, 0, &entry.path)?,
                FileData::Bytes(bytes) => {
                    check_size(Path::new(""), *size, bytes.len() as u64, &entry.path)?;
                    self.write(bytes)?;
                }
                FileData::Disk(path) => self.copy_file(path, *size)?,
            }
            self.pad(*size)?;
        }
        Ok(())
    }

    /// Writes the end-of-archive marker (two zero blocks) and returns the inner writer.
    pub fn finish(mut self) -> Result<W, LayerError> {
        self.write(&[0; 2 * BLOCK])?;
        self.out.flush().map_err(LayerError::Write)?;
        Ok(self.out)
    }

    fn copy_file(&mut self, path: &Path, size: u64) -> Result<(), LayerError> {
        let mut file = File::open(path).map_err(|e| read_err(path, e))?;
        if self.buf.len() < COPY_BUF {
            self.buf.resize(COPY_BUF, 0);
        }
        let mut done = 0u64;
        loop {
            // Read up to one byte past the expected end, to notice a file that grew.
            let want = (size - done + 1).min(COPY_BUF as u64) as usize;
            let n = match file.read(&mut self.buf[..want]) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(read_err(path, e)),
            };
            if done + n as u64 > size {
                return Err(LayerError::FileChanged {
                    path: path.to_path_buf(),
                    expected: size,
                    actual: done + n as u64,
                });
            }
            self.out
                .write_all(&self.buf[..n])
                .map_err(LayerError::Write)?;
            done += n as u64;
        }
        check_size(path, size, done, b"")
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), LayerError> {
        self.out.write_all(bytes).map_err(LayerError::Write)
    }

    fn pad(&mut self, size: u64) -> Result<(), LayerError> {
        let rem = (size % BLOCK as u64) as usize;
        if rem != 0 {
            self.write(&[0; BLOCK][..BLOCK - rem])?;
        }
        Ok(())
    }
}

fn check_size(
    path: &Path,
    expected: u64,
    actual: u64,
    layer_path: &[u8],
) -> Result<(), LayerError> {
    if expected == actual {
        return Ok(());
    }
    let path = if path.as_os_str().is_empty() {
        String::from_utf8_lossy(layer_path).into_owned().into()
    } else {
        path.to_path_buf()
    };
    Err(LayerError::FileChanged {
        path,
        expected,
        actual,
    })
}

/// The entry's tar name: its path, with a trailing `/` for a directory.
fn entry_name(entry: &Entry) -> Vec<u8> {
    let mut name = entry.path.clone();
    if entry.is_dir() {
        name.push(b'/');
    }
    name
}

/// The PAX records (empty when none are needed) and the ustar header of `entry`.
fn encode_header(entry: &Entry, mtime: i64) -> (Vec<u8>, [u8; BLOCK]) {
    let name = entry_name(entry);
    let (typeflag, size, link, dev): (u8, u64, &[u8], _) = match &entry.kind {
        EntryKind::File { size, .. } => (b'0', *size, b"", None),
        EntryKind::HardLink { target } => (b'1', 0, target, None),
        EntryKind::Symlink { target } => (b'2', 0, target, None),
        EntryKind::CharDevice { major, minor } => (b'3', 0, b"", Some((*major, *minor))),
        EntryKind::BlockDevice { major, minor } => (b'4', 0, b"", Some((*major, *minor))),
        EntryKind::Dir => (b'5', 0, b"", None),
        EntryKind::Fifo => (b'6', 0, b"", None),
    };
    let mut records: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
    let mut number = |key: &str, v: u64, max: u64| {
        if v > max {
            records.insert(key.into(), v.to_string().into_bytes());
            0
        } else {
            v
        }
    };
    let uid = number("uid", entry.uid, MAX_ID);
    let gid = number("gid", entry.gid, MAX_ID);
    let size_field = number("size", size, MAX_SIZE);
    let mtime_field = match u64::try_from(mtime) {
        Ok(m) if m <= MAX_SIZE => m,
        _ => {
            records.insert(b"mtime".to_vec(), mtime.to_string().into_bytes());
            0
        }
    };
    if name.len() > NAME_LEN {
        records.insert(b"path".to_vec(), name.clone());
    }
    if link.len() > NAME_LEN {
        records.insert(b"linkpath".to_vec(), link.to_vec());
    }
    for (key, value) in &entry.xattrs {
        let mut k = b"SCHILY.xattr.".to_vec();
        k.extend_from_slice(key);
        records.insert(k, value.clone());
    }
    let mut pax = Vec::new();
    for (key, value) in &records {
        pax_record(&mut pax, key, value);
    }
    let header = ustar_block(
        &name,
        u64::from(entry.mode & 0o7777),
        uid,
        gid,
        size_field,
        mtime_field,
        typeflag,
        link,
        dev,
    );
    (pax, header)
}

/// Appends `"<len> <key>=<value>\n"`, where `<len>` counts the whole record, itself included.
fn pax_record(out: &mut Vec<u8>, key: &[u8], value: &[u8]) {
    let rest = 1 + key.len() + 1 + value.len() + 1; // " key=value\n"
    let mut len = rest + 1;
    while rest + len.to_string().len() != len {
        len = rest + len.to_string().len();
    }
    out.extend_from_slice(len.to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(key);
    out.push(b'=');
    out.extend_from_slice(value);
    out.push(b'\n');
}

/// `<dir>/PaxHeaders.0/<base>` for an entry named `name`, truncated to 100 bytes.
fn pax_header_name(name: &[u8]) -> Vec<u8> {
    let trimmed = name.strip_suffix(b"/").unwrap_or(name);
    let split = trimmed
        .iter()
        .rposition(|&b| b == b'/')
        .map_or(0, |i| i + 1);
    let mut out = trimmed[..split].to_vec();
    out.extend_from_slice(b"PaxHeaders.0/");
    out.extend_from_slice(&trimmed[split..]);
    out.truncate(NAME_LEN);
    out
}

/// One ustar header block. Values must already fit their fields (the caller moved the others to
/// PAX records), except device numbers, which fall back to base-256.
#[allow(clippy::too_many_arguments)]
fn ustar_block(
    name: &[u8],
    mode: u64,
    uid: u64,
    gid: u64,
    size: u64,
    mtime: u64,
    typeflag: u8,
    link: &[u8],
    dev: Option<(u64, u64)>,
) -> [u8; BLOCK] {
    let mut h = [0u8; BLOCK];
    copy_truncated(&mut h[0..100], name);
    octal(&mut h[100..108], mode);
    octal(&mut h[108..116], uid);
    octal(&mut h[116..124], gid);
    octal(&mut h[124..136], size);
    octal(&mut h[136..148], mtime);
    h[156] = typeflag;
    copy_truncated(&mut h[157..257], link);
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    if let Some((major, minor)) = dev {
        numeric(&mut h[329..337], major);
        numeric(&mut h[337..345], minor);
    }
    h[148..156].fill(b' ');
    let sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
    octal(&mut h[148..155], sum);
    h[155] = b' ';
    h
}

fn copy_truncated(field: &mut [u8], value: &[u8]) {
    let n = value.len().min(field.len());
    field[..n].copy_from_slice(&value[..n]);
}

/// Zero-padded octal digits filling all but the last byte, which is NUL. Returns false (and
/// writes nothing) when `v` does not fit.
fn octal(field: &mut [u8], v: u64) -> bool {
    let digits = field.len() - 1;
    let s = format!("{v:0digits$o}");
    if s.len() > digits {
        return false;
    }
    field[..digits].copy_from_slice(s.as_bytes());
    field[digits] = 0;
    true
}

/// Octal when it fits, else GNU base-256 (high bit set, big-endian value).
fn numeric(field: &mut [u8], v: u64) {
    if !octal(field, v) {
        field.fill(0);
        field[0] = 0x80;
        let bytes = v.to_be_bytes();
        let n = field.len() - 1;
        field[1..].copy_from_slice(&bytes[bytes.len() - n..]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, body: &[u8]) -> Entry {
        Entry {
            path: path.as_bytes().to_vec(),
            kind: EntryKind::File {
                data: FileData::Bytes(body.to_vec()),
                size: body.len() as u64,
            },
            mode: 0o644,
            uid: 1000,
            gid: 1000,
            mtime: 1_700_000_000,
            xattrs: Vec::new(),
        }
    }

    fn tar_of(entries: &[Entry], epoch: Option<i64>) -> Vec<u8> {
        let mut w = TarWriter::new(Vec::new(), epoch);
        for e in entries {
            w.append(e).unwrap();
        }
        w.finish().unwrap()
    }

    #[test]
    fn ustar_header_is_byte_exact() {
        let tar = tar_of(&[file("a.txt", b"hi\n")], None);
        assert_eq!(tar.len(), 512 + 512 + 1024);
        let h = &tar[..512];
        assert_eq!(&h[..6], b"a.txt\0");
        assert_eq!(&h[100..108], b"0000644\0");
        assert_eq!(&h[108..116], b"0001750\0");
        assert_eq!(&h[124..136], b"00000000003\0");
        assert_eq!(&h[136..148], b"14524770400\0");
        assert_eq!(h[156], b'0');
        assert_eq!(&h[257..265], b"ustar\x0000");
        assert!(
            h[265..345].iter().all(|&b| b == 0),
            "names and devices empty"
        );
        let sum: u32 = h
            .iter()
            .enumerate()
            .map(|(i, &b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    u32::from(b)
                }
            })
            .sum();
        assert_eq!(&h[148..156], format!("{sum:06o}\0 ").as_bytes());
        assert_eq!(&tar[512..515], b"hi\n");
    }

    #[test]
    fn epoch_clamps_only_later_mtimes() {
        let later = tar_of(&[file("a", b"")], Some(1_000));
        assert_eq!(&later[136..148], b"00000001750\0");
        let earlier = tar_of(&[file("a", b"")], Some(2_000_000_000));
        assert_eq!(&earlier[136..148], b"14524770400\0");
    }

    #[test]
    fn pax_records_count_their_own_length() {
        let mut out = Vec::new();
        pax_record(&mut out, b"path", &[b'a'; 93]);
        assert_eq!(&out[..4], b"103 ");
        assert_eq!(out.len(), 103);
        let mut out = Vec::new();
        pax_record(&mut out, b"uid", b"1");
        assert_eq!(out, b"8 uid=1\n");
    }

    #[test]
    fn pax_header_names_follow_go() {
        assert_eq!(pax_header_name(b"a/b/c"), b"a/b/PaxHeaders.0/c");
        assert_eq!(pax_header_name(b"dir/"), b"PaxHeaders.0/dir");
        assert_eq!(pax_header_name(&[b'x'; 200]).len(), 100);
    }

    #[test]
    fn base256_for_huge_device_numbers() {
        let mut f = [0u8; 8];
        numeric(&mut f, 1 << 40);
        assert_eq!(f, [0x80, 0, 1, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn size_mismatch_is_an_error() {
        let mut e = file("a", b"abc");
        e.kind = EntryKind::File {
            data: FileData::Bytes(b"abc".to_vec()),
            size: 4,
        };
        let mut w = TarWriter::new(Vec::new(), None);
        assert!(matches!(
            w.append(&e),
            Err(LayerError::FileChanged {
                expected: 4,
                actual: 3,
                ..
            })
        ));
    }
}
