//! The content (Merkle) digests of context entries: encoding `rbuild-ctx-v1`.
//!
//! This encoding is a cache-key input: changing it invalidates every cache, so it is versioned
//! and must only ever change together with its version tag. See the module docs of
//! [`crate::context`] for the full definition; in short:
//!
//! * `lp(x)` = `x`'s length as a big-endian u64, then `x`'s bytes;
//! * regular file: `sha256(content)`;
//! * symlink: `sha256(lp("rbuild-ctx-v1/symlink") || lp(target bytes))`;
//! * fifo / character / block device: `sha256(lp("rbuild-ctx-v1/special") || lp(type) ||
//!   u64be(major) || u64be(minor))`;
//! * directory: `sha256(lp("rbuild-ctx-v1/dir") || u64be(n) || record(child)...)`, children
//!   sorted by name bytes;
//! * a selection of sources: `sha256(lp("rbuild-ctx-v1/sources") || u64be(n) || record(top)...)`
//!   with each top-level match in source order, named by its relative path;
//! * `record(e)` = `lp(name bytes) || lp(type) || u32be(mode & 0o7777) || lp(link target bytes)
//!   || lp(digest: 32 raw bytes)`, `type` one of `file`, `dir`, `symlink`, `fifo`, `char`,
//!   `block`.

use sha2::{Digest, Sha256};

/// The version tag every encoding starts with.
pub const VERSION: &str = "rbuild-ctx-v1";

/// A raw sha256.
pub type Hash = [u8; 32];

/// An entry's file type, as it enters the digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryType {
    /// A regular file (hard links are regular files: their content is hashed).
    File,
    /// A directory.
    Dir,
    /// A symbolic link, hashed by its target text, never followed.
    Symlink,
    /// A named pipe (never opened).
    Fifo,
    /// A character device (never opened).
    CharDevice,
    /// A block device (never opened).
    BlockDevice,
}

impl EntryType {
    /// The type's name in the encoding.
    pub fn tag(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::Dir => "dir",
            Self::Symlink => "symlink",
            Self::Fifo => "fifo",
            Self::CharDevice => "char",
            Self::BlockDevice => "block",
        }
    }
}

/// What a parent records about one child (or a selection about one top-level match).
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    /// The child's name (or a top-level match's relative path), as raw bytes.
    pub name: &'a [u8],
    /// Its type.
    pub kind: EntryType,
    /// Permission bits plus setuid/setgid/sticky (`mode & 0o7777`).
    pub mode: u32,
    /// The symlink target (empty for other types).
    pub link_target: &'a [u8],
    /// The child's own digest.
    pub digest: &'a Hash,
}

fn put_lp(hasher: &mut Sha256, bytes: &[u8]) {
    hasher.update((bytes.len() as u64).to_be_bytes());
    hasher.update(bytes);
}

fn put_record(hasher: &mut Sha256, record: &Record<'_>) {
    put_lp(hasher, record.name);
    put_lp(hasher, record.kind.tag().as_bytes());
    hasher.update((record.mode & 0o7777).to_be_bytes());
    put_lp(hasher, record.link_target);
    put_lp(hasher, record.digest);
}

fn list_digest(domain: &str, records: &[Record<'_>]) -> Hash {
    let mut hasher = Sha256::new();
    put_lp(&mut hasher, format!("{VERSION}/{domain}").as_bytes());
    hasher.update((records.len() as u64).to_be_bytes());
    for record in records {
        put_record(&mut hasher, record);
    }
    hasher.finalize().into()
}

/// A directory's digest from its children's records (sorted here by name bytes).
pub fn dir_digest(children: &mut [Record<'_>]) -> Hash {
    children.sort_by(|a, b| a.name.cmp(b.name));
    list_digest("dir", children)
}

/// A selection's digest from its top-level matches, in the order given.
pub fn sources_digest(tops: &[Record<'_>]) -> Hash {
    list_digest("sources", tops)
}

/// A symlink's digest.
pub fn symlink_digest(target: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    put_lp(&mut hasher, format!("{VERSION}/symlink").as_bytes());
    put_lp(&mut hasher, target);
    hasher.finalize().into()
}

/// A fifo's or device's digest.
pub fn special_digest(kind: EntryType, major: u64, minor: u64) -> Hash {
    let mut hasher = Sha256::new();
    put_lp(&mut hasher, format!("{VERSION}/special").as_bytes());
    put_lp(&mut hasher, kind.tag().as_bytes());
    hasher.update(major.to_be_bytes());
    hasher.update(minor.to_be_bytes());
    hasher.finalize().into()
}

/// `sha256:<hex>`.
pub fn display(hash: &Hash) -> String {
    format!("sha256:{}", hex::encode(hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_is_stable() {
        // Pinned: a change here means every cache key changes; bump VERSION with it.
        let file: Hash = Sha256::digest(b"hello\n").into();
        let mut children = [
            Record {
                name: b"b.txt",
                kind: EntryType::File,
                mode: 0o100644,
                link_target: b"",
                digest: &file,
            },
            Record {
                name: b"a",
                kind: EntryType::Symlink,
                mode: 0o777,
                link_target: b"b.txt",
                digest: &symlink_digest(b"b.txt"),
            },
        ];
        let dir = dir_digest(&mut children);
        assert_eq!(children[0].name, b"a");
        assert_eq!(
            display(&dir),
            "sha256:8541ebe22fb27c74d1ab8f28cae9d87b0e43e1b4cf8d2b99373b578ef079bf9f"
        );
    }

    #[test]
    fn fields_are_not_ambiguous() {
        let d: Hash = [0; 32];
        let rec = |name: &'static [u8], target: &'static [u8]| Record {
            name,
            kind: EntryType::Symlink,
            mode: 0o777,
            link_target: target,
            digest: &d,
        };
        assert_ne!(
            sources_digest(&[rec(b"ab", b"c")]),
            sources_digest(&[rec(b"a", b"bc")])
        );
        assert_ne!(sources_digest(&[]), dir_digest(&mut []));
    }
}
