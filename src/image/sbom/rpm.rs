//! rpm's package database as rpm 4.16 and later keep it (`var/lib/rpm/rpmdb.sqlite`,
//! `usr/lib/sysimage/rpm/rpmdb.sqlite`): a SQLite file read by hand — the `Packages` table's
//! B-tree, each row's blob an rpm header (without its magic). The BerkeleyDB `Packages` and
//! NDB `Packages.db` of older rpm are not read.
//!
//! Bounds: every page visited at most once (overflow chains and child pointers that loop
//! end there), tree depth at most [`MAX_DEPTH`], every offset checked against its page or
//! blob, a header's index count at most [`MAX_INDEX`] and data at most [`MAX_DATA`]; a
//! damaged file gives what was read before the damage.

use std::collections::HashSet;

use super::Package;

/// The largest rpm database read.
pub const MAX_DB: u64 = 256 << 20;
/// The deepest table B-tree walked.
pub const MAX_DEPTH: usize = 64;
/// The most index entries an rpm header may have.
pub const MAX_INDEX: usize = 1 << 16;
/// The most data bytes an rpm header may have.
pub const MAX_DATA: usize = 256 << 20;

/// Whether `path` is an rpm database this module reads.
pub fn is_rpmdb(path: &str) -> bool {
    path == "var/lib/rpm/rpmdb.sqlite" || path == "usr/lib/sysimage/rpm/rpmdb.sqlite"
}

/// A SQLite file's pages.
struct Db<'a> {
    bytes: &'a [u8],
    page_size: usize,
    usable: usize,
    visited: HashSet<u32>,
}

/// A SQLite varint at `at`: its value and length.
fn varint(b: &[u8], at: usize) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for i in 0..9 {
        let byte = *b.get(at + i)?;
        if i == 8 {
            return Some(((v << 8) | byte as u64, 9));
        }
        v = (v << 7) | (byte & 0x7f) as u64;
        if byte & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

fn be16(b: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?) as usize)
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

impl<'a> Db<'a> {
    fn open(bytes: &'a [u8]) -> Option<Self> {
        if bytes.get(..16)? != b"SQLite format 3\0" {
            return None;
        }
        let page_size = match be16(bytes, 16)? {
            1 => 65536,
            n if (512..=32768).contains(&n) && n.is_power_of_two() => n,
            _ => return None,
        };
        let usable = page_size.checked_sub(*bytes.get(20)? as usize)?;
        if usable < 480 {
            return None;
        }
        Some(Db {
            bytes,
            page_size,
            usable,
            visited: HashSet::new(),
        })
    }

    /// Page `n` (from 1), once: `None` if out of the file or already visited.
    fn page(&mut self, n: u32) -> Option<&'a [u8]> {
        if n == 0 || !self.visited.insert(n) {
            return None;
        }
        let start = (n as usize - 1).checked_mul(self.page_size)?;
        self.bytes.get(start..start.checked_add(self.page_size)?)
    }

    /// A leaf cell's payload (following its overflow chain), from `at` in `page`.
    fn payload(&mut self, page: &[u8], at: usize) -> Option<Vec<u8>> {
        let (size, n) = varint(page, at)?;
        let (_rowid, m) = varint(page, at + n)?;
        let start = at + n + m;
        let size = usize::try_from(size).ok()?.min(self.bytes.len());
        let (u, x) = (self.usable, self.usable - 35);
        let local = if size <= x {
            size
        } else {
            let min = (u - 12) * 32 / 255 - 23;
            let k = min + (size - min) % (u - 4);
            if k <= x { k } else { min }
        };
        let mut out = page.get(start..start + local)?.to_vec();
        if size > local {
            let mut next = be32(page, start + local)?;
            while out.len() < size {
                let Some(over) = self.page(next) else { break };
                let take = (size - out.len()).min(self.usable - 4);
                out.extend_from_slice(over.get(4..4 + take)?);
                next = be32(over, 0)?;
            }
        }
        Some(out)
    }

    /// Each row's payload of the table B-tree rooted at `root`, given to `row` in order.
    fn walk(&mut self, root: u32, depth: usize, row: &mut dyn FnMut(&[u8])) {
        if depth > MAX_DEPTH {
            return;
        }
        let Some(page) = self.page(root) else { return };
        let hdr = if root == 1 { 100 } else { 0 };
        let (Some(&kind), Some(cells)) = (page.get(hdr), be16(page, hdr + 3)) else {
            return;
        };
        let (leaf, ptrs) = match kind {
            0x0D => (true, hdr + 8),
            0x05 => (false, hdr + 12),
            _ => return,
        };
        for i in 0..cells {
            let Some(at) = be16(page, ptrs + 2 * i) else {
                return;
            };
            if leaf {
                match self.payload(page, at) {
                    Some(p) => row(&p),
                    None => continue,
                }
            } else if let Some(child) = be32(page, at) {
                self.walk(child, depth + 1, row);
            }
        }
        if !leaf && let Some(right) = be32(page, hdr + 8) {
            self.walk(right, depth + 1, row);
        }
    }
}

/// A record's column value.
#[derive(Debug, PartialEq)]
enum Value<'a> {
    Null,
    Int(i64),
    Bytes(&'a [u8]),
}

/// A record's columns (a float reads as `Null`).
fn record(p: &[u8]) -> Vec<Value<'_>> {
    let mut out = Vec::new();
    let Some((hsize, n)) = varint(p, 0) else {
        return out;
    };
    let Ok(hsize) = usize::try_from(hsize) else {
        return out;
    };
    let (mut at, mut data) = (n, hsize);
    while at < hsize.min(p.len()) {
        let Some((t, n)) = varint(p, at) else { break };
        at += n;
        let len = match t {
            0 | 8 | 9 => 0,
            1..=4 => t as usize,
            5 => 6,
            6 | 7 => 8,
            t if t >= 12 => ((t - 12) / 2) as usize,
            _ => break,
        };
        let Some(bytes) = data.checked_add(len).and_then(|end| p.get(data..end)) else {
            break;
        };
        data += len;
        out.push(match t {
            0 | 7 => Value::Null,
            8 => Value::Int(0),
            9 => Value::Int(1),
            1..=6 => {
                let mut v = if bytes[0] & 0x80 != 0 { -1i64 } else { 0 };
                for b in bytes {
                    v = (v << 8) | *b as i64;
                }
                Value::Int(v)
            }
            _ => Value::Bytes(bytes),
        });
    }
    out
}

/// The root page of the table `name`, from the schema on page 1.
fn table_root(db: &mut Db, name: &str) -> Option<u32> {
    let mut root = None;
    db.walk(1, 0, &mut |p| {
        let cols = record(p);
        if let (Some(Value::Bytes(b"table")), Some(Value::Bytes(n)), Some(Value::Int(r))) =
            (cols.first(), cols.get(1), cols.get(3))
            && *n == name.as_bytes()
            && root.is_none()
        {
            root = u32::try_from(*r).ok();
        }
    });
    root
}

/// The blobs of the `Packages` table of the SQLite file `bytes`, in row order.
fn blobs(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let Some(mut db) = Db::open(bytes) else {
        return out;
    };
    let Some(root) = table_root(&mut db, "Packages") else {
        return out;
    };
    db.walk(root, 0, &mut |p| {
        if let Some(Value::Bytes(b)) = record(p).get(1) {
            out.push(b.to_vec());
        }
    });
    out
}

/// An rpm header's tags this module reads.
#[derive(Debug, Default, PartialEq)]
pub struct Header {
    /// NAME.
    pub name: String,
    /// EPOCH, when set.
    pub epoch: Option<u32>,
    /// VERSION.
    pub version: String,
    /// RELEASE.
    pub release: String,
    /// ARCH.
    pub arch: String,
    /// LICENSE.
    pub license: String,
}

/// Reads an rpm header blob (index count, data length, index, data); `None` if malformed.
pub fn header(blob: &[u8]) -> Option<Header> {
    let il = be32(blob, 0)? as usize;
    let dl = be32(blob, 4)? as usize;
    if il > MAX_INDEX || dl > MAX_DATA {
        return None;
    }
    let data_start = 8 + il * 16;
    let data = blob.get(data_start..data_start.checked_add(dl)?)?;
    let mut h = Header::default();
    for i in 0..il {
        let e = 8 + i * 16;
        let (tag, typ, off) = (
            be32(blob, e)?,
            be32(blob, e + 4)?,
            be32(blob, e + 8)? as usize,
        );
        let string = || -> Option<String> {
            let rest = data.get(off..)?;
            let end = rest.iter().position(|&b| b == 0)?;
            Some(String::from_utf8_lossy(&rest[..end]).into_owned())
        };
        let field = match tag {
            1000 => &mut h.name,
            1001 => &mut h.version,
            1002 => &mut h.release,
            1014 => &mut h.license,
            1022 => &mut h.arch,
            1003 if typ == 4 => {
                h.epoch = be32(data, off);
                continue;
            }
            _ => continue,
        };
        if matches!(typ, 6 | 8 | 9) {
            *field = string().unwrap_or_default();
        }
    }
    Some(h)
}

/// The packages the rpm database `bytes` (found at `path`) lists.
pub fn packages(bytes: &[u8], path: &str) -> Vec<Package> {
    blobs(bytes)
        .iter()
        .filter_map(|b| header(b))
        .filter(|h| !h.name.is_empty())
        .map(|h| Package {
            kind: "rpm",
            version: match h.epoch {
                Some(e) => format!("{e}:{}-{}", h.version, h.release),
                None => format!("{}-{}", h.version, h.release),
            },
            name: h.name,
            arch: h.arch,
            license: h.license,
            location: path.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DB_1024: &[u8] = include_bytes!("../../../tests/data/sbom/rpmdb-1024.sqlite");
    const DB_4096: &[u8] = include_bytes!("../../../tests/data/sbom/rpmdb-4096.sqlite");

    fn summary(bytes: &[u8]) -> Vec<(String, String, String, String)> {
        packages(bytes, "var/lib/rpm/rpmdb.sqlite")
            .into_iter()
            .filter(|p| !p.name.starts_with("filler-"))
            .map(|p| (p.name, p.version, p.arch, p.license))
            .collect()
    }

    fn expected() -> Vec<(String, String, String, String)> {
        [
            ("bash", "1:5.2.26-3.fc40", "x86_64", "GPL-3.0-or-later"),
            ("openssl-libs", "1:3.2.1-2.fc40", "x86_64", "Apache-2.0"),
            ("tzdata", "2024a-5.fc40", "noarch", "Public Domain"),
        ]
        .iter()
        .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), d.to_string()))
        .collect()
    }

    #[test]
    fn packages_of_both_page_sizes_with_overflow() {
        for db in [DB_1024, DB_4096] {
            assert_eq!(summary(db), expected());
            assert_eq!(packages(db, "x").len(), 33);
            // openssl-libs' blob (9 KiB of description) spans overflow pages.
            assert!(blobs(db)[1].len() > 9000);
        }
        // The 1024-byte fixture's table has an interior root.
        let mut db = Db::open(DB_1024).unwrap();
        let root = table_root(&mut db, "Packages").unwrap();
        assert_eq!(DB_1024[(root as usize - 1) * 1024], 0x05);
    }

    #[test]
    fn truncated_files_give_what_was_read() {
        for db in [DB_1024, DB_4096] {
            for len in (0..db.len()).step_by(97) {
                assert!(packages(&db[..len], "x").len() <= 33);
            }
        }
        assert!(packages(b"SQLite format 3\0", "x").is_empty());
        assert!(packages(b"not a database", "x").is_empty());
    }

    /// The page numbers of overflow pages full of openssl-libs' description.
    fn overflow_pages(db: &[u8], size: usize) -> Vec<u32> {
        (0..db.len() / size)
            .filter(|i| db[i * size + 4..i * size + 68].iter().all(|&b| b == b'Z'))
            .map(|i| i as u32 + 1)
            .collect()
    }

    #[test]
    fn a_cycle_in_an_overflow_chain_ends() {
        for (db, size) in [(DB_1024, 1024), (DB_4096, 4096)] {
            let pages = overflow_pages(db, size);
            assert!(!pages.is_empty());
            for p in pages {
                let mut bad = db.to_vec();
                let at = (p as usize - 1) * size;
                bad[at..at + 4].copy_from_slice(&p.to_be_bytes());
                let names: Vec<_> = summary(&bad).into_iter().map(|p| p.0).collect();
                assert!(names.contains(&"bash".to_string()), "{names:?}");
                assert!(names.contains(&"tzdata".to_string()), "{names:?}");
            }
        }
    }

    #[test]
    fn a_child_pointing_at_itself_ends() {
        let mut db = Db::open(DB_1024).unwrap();
        let root = table_root(&mut db, "Packages").unwrap();
        let at = (root as usize - 1) * 1024;
        let mut bad = DB_1024.to_vec();
        // The right-most pointer and the first cell's left child both point back at the root.
        bad[at + 8..at + 12].copy_from_slice(&root.to_be_bytes());
        let first = be16(&bad, at + 12).unwrap();
        bad[at + first..at + first + 4].copy_from_slice(&root.to_be_bytes());
        assert!(packages(&bad, "x").len() < 33);
    }

    #[test]
    fn damaged_bytes_anywhere_do_not_panic() {
        for (i, value) in (0..DB_1024.len())
            .step_by(3)
            .zip([0xff, 0x00, 0x80, 0x05].iter().cycle())
        {
            let mut bad = DB_1024.to_vec();
            bad[i] = *value;
            assert!(packages(&bad, "x").len() <= 33);
        }
    }

    #[test]
    fn hostile_headers_are_refused() {
        let mut blob = vec![0xff; 8];
        blob.extend_from_slice(&[0; 64]);
        assert_eq!(header(&blob), None);
        let mut blob = 1u32.to_be_bytes().to_vec();
        blob.extend_from_slice(&0xffff_ffffu32.to_be_bytes());
        blob.extend_from_slice(&[0; 16]);
        assert_eq!(header(&blob), None);
        // An entry whose offset is past the data, or whose string has no NUL.
        let mut blob = [1u32, 3, 1000, 6, 1000, 1].map(u32::to_be_bytes).concat();
        blob.extend_from_slice(b"abc");
        assert_eq!(header(&blob), Some(Header::default()));
        let mut blob = [1u32, 3, 1000, 6, 0, 1].map(u32::to_be_bytes).concat();
        blob.extend_from_slice(b"abc");
        assert_eq!(header(&blob), Some(Header::default()));
    }

    #[test]
    fn varints_and_records() {
        assert_eq!(varint(&[0x81, 0x00], 0), Some((128, 2)));
        assert_eq!(varint(&[0xff; 9], 0), Some((u64::MAX, 9)));
        assert_eq!(varint(&[0xff; 3], 0), None);
        // A 4-byte header (its own size included): NULL, a 1-byte int, a 1-byte blob.
        assert_eq!(
            record(&[4, 0, 1, 14, 0xfe, 7]),
            [Value::Null, Value::Int(-2), Value::Bytes(&[7])]
        );
        assert!(record(&[0xff, 0xff, 0xff]).len() <= 1);
    }
}
