//! The deterministic archive of a cache directory: a tar stream in which the same tree always
//! makes the same bytes, so content-defined chunks of an unchanged directory are the chunks the
//! backend holds already.
//!
//! * Entries are sorted by name (bytes), depth first; the directory itself is not an entry (its
//!   mode and owner come from the mount's options, which are part of its key).
//! * Headers are GNU headers with only the path, type, permission bits, numeric owner, size and
//!   modification time (whole seconds): no user or group names, no access or change times, no
//!   device numbers, no extended attributes. Modification times stay because the tools that
//!   use these caches (cargo, ccache, pip) compare them.
//! * A file with several links is stored once; its other names are hard-link entries.
//!   Sockets, FIFOs and device files are left out.
//! * With a size bound, files are dropped until the regular files fit: least recently used
//!   (the later of access and modification, by day) first and, among those of one day, the
//!   largest first.

use std::collections::{BTreeSet, HashMap};
use std::fs::{self, File, Metadata};
use std::io::{self, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::error::MountCacheError;
use super::manifest::Dropped;
use crate::digest::Digest;

/// What one entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    /// A directory.
    Dir,
    /// A regular file of this many bytes.
    File(u64),
    /// A symbolic link to this target.
    Symlink(PathBuf),
    /// Another name of the file archived earlier at this path.
    HardLink(PathBuf),
}

/// One entry of the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its path relative to the directory.
    pub path: PathBuf,
    /// What it is.
    pub kind: EntryKind,
    /// Permission bits (with setuid, setgid, sticky).
    pub mode: u32,
    /// Owner.
    pub uid: u64,
    /// Group.
    pub gid: u64,
    /// Modification time, whole seconds since the epoch (0 for earlier ones).
    pub mtime: u64,
    /// The nanoseconds of the modification time (in the listing only: the archive keeps
    /// seconds, so a file rewritten within the second it was restored at still shows).
    pub mtime_nanos: u32,
}

/// The entries of a directory's archive, chosen and ordered.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// The entries, in archive order.
    pub entries: Vec<Entry>,
    /// Bytes of the regular files kept.
    pub file_bytes: u64,
    /// What the size bound left out.
    pub dropped: Dropped,
}

/// A walked file, before the size bound and hard links are applied.
struct Walked {
    entry: Entry,
    /// (device, inode) of a regular file with more than one link.
    link_id: Option<(u64, u64)>,
    /// Later of access and modification, whole days since the epoch.
    used_day: i64,
}

/// Walks `dir` and chooses what its archive holds, keeping the regular files within
/// `max_bytes` when given.
pub fn plan(dir: &Path, max_bytes: Option<u64>) -> Result<Plan, MountCacheError> {
    let mut walked = Vec::new();
    walk(dir, Path::new(""), &mut walked)?;
    // A file with several names counts (and goes) once: its names are one unit.
    let mut units: Vec<Vec<usize>> = Vec::new();
    let mut unit_of: HashMap<(u64, u64), usize> = HashMap::new();
    for (i, w) in walked.iter().enumerate() {
        if !matches!(w.entry.kind, EntryKind::File(_)) {
            continue;
        }
        match w.link_id.and_then(|id| unit_of.get(&id).copied()) {
            Some(u) => units[u].push(i),
            None => {
                if let Some(id) = w.link_id {
                    unit_of.insert(id, units.len());
                }
                units.push(vec![i]);
            }
        }
    }
    let total: u64 = units.iter().map(|u| file_size(&walked[u[0]].entry)).sum();
    let mut drop = BTreeSet::new();
    let mut dropped = Dropped::default();
    if let Some(max) = max_bytes
        && total > max
    {
        units.sort_by(|a, b| {
            let (a, b) = (&walked[a[0]], &walked[b[0]]);
            a.used_day
                .cmp(&b.used_day)
                .then(file_size(&b.entry).cmp(&file_size(&a.entry)))
                .then(a.entry.path.cmp(&b.entry.path))
        });
        let mut kept = total;
        for unit in units {
            if kept <= max {
                break;
            }
            let size = file_size(&walked[unit[0]].entry);
            kept -= size;
            dropped.files += unit.len() as u64;
            dropped.bytes += size;
            drop.extend(unit);
        }
    }
    let mut first_names: HashMap<(u64, u64), PathBuf> = HashMap::new();
    let mut entries = Vec::with_capacity(walked.len());
    let mut file_bytes = 0;
    for (i, w) in walked.into_iter().enumerate() {
        if drop.contains(&i) {
            continue;
        }
        let mut entry = w.entry;
        if let Some(id) = w.link_id {
            match first_names.get(&id) {
                Some(first) => entry.kind = EntryKind::HardLink(first.clone()),
                None => {
                    first_names.insert(id, entry.path.clone());
                }
            }
        }
        // Hard-link entries have no size: a file's bytes count once.
        file_bytes += file_size(&entry);
        entries.push(entry);
    }
    Ok(Plan {
        entries,
        file_bytes,
        dropped,
    })
}

impl Plan {
    /// A hash of the entries: names, types, permission bits, owners, sizes and modification
    /// times to the nanosecond (what a tool that rewrites a file changes, as rsync's quick
    /// check assumes). A restored tree lists differently from its origin (the archive keeps
    /// whole seconds): its first export reads it, finds the same tree hash, and skips.
    pub fn listing(&self) -> Digest {
        let mut text = String::new();
        for e in &self.entries {
            let kind = match &e.kind {
                EntryKind::Dir => "d".to_string(),
                EntryKind::File(n) => format!("f{n}"),
                EntryKind::Symlink(t) => format!("s{}", t.display()),
                EntryKind::HardLink(t) => format!("h{}", t.display()),
            };
            text.push_str(&format!(
                "{}\0{kind}\0{:o} {} {} {}.{:09}\n",
                e.path.display(),
                e.mode,
                e.uid,
                e.gid,
                e.mtime,
                e.mtime_nanos
            ));
        }
        Digest::of(text.as_bytes())
    }
}

fn file_size(entry: &Entry) -> u64 {
    match entry.kind {
        EntryKind::File(n) => n,
        _ => 0,
    }
}

fn io_err(path: &Path, source: io::Error) -> MountCacheError {
    MountCacheError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn walk(root: &Path, rel: &Path, out: &mut Vec<Walked>) -> Result<(), MountCacheError> {
    let here = root.join(rel);
    let mut names: Vec<_> = fs::read_dir(&here)
        .map_err(|e| io_err(&here, e))?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()
        .map_err(|e| io_err(&here, e))?;
    names.sort_by(|a, b| a.as_encoded_bytes().cmp(b.as_encoded_bytes()));
    for name in names {
        let rel = rel.join(&name);
        let path = root.join(&rel);
        let meta = fs::symlink_metadata(&path).map_err(|e| io_err(&path, e))?;
        let kind = meta.file_type();
        let entry_kind = if kind.is_dir() {
            EntryKind::Dir
        } else if kind.is_file() {
            EntryKind::File(meta.len())
        } else if kind.is_symlink() {
            EntryKind::Symlink(fs::read_link(&path).map_err(|e| io_err(&path, e))?)
        } else {
            tracing::debug!(
                "mount cache: {} is not archived (special file)",
                path.display()
            );
            continue;
        };
        let link_id = (kind.is_file() && meta.nlink() > 1).then(|| (meta.dev(), meta.ino()));
        let is_dir = kind.is_dir();
        out.push(Walked {
            entry: entry(rel.clone(), entry_kind, &meta),
            link_id,
            used_day: meta.atime().max(meta.mtime()).div_euclid(86_400),
        });
        if is_dir {
            walk(root, &rel, out)?;
        }
    }
    Ok(())
}

fn entry(path: PathBuf, kind: EntryKind, meta: &Metadata) -> Entry {
    Entry {
        path,
        kind,
        mode: meta.permissions().mode() & 0o7777,
        uid: u64::from(meta.uid()),
        gid: u64::from(meta.gid()),
        mtime: u64::try_from(meta.mtime()).unwrap_or(0),
        mtime_nanos: u32::try_from(meta.mtime_nsec()).unwrap_or(0),
    }
}

/// Writes the archive of `plan` (read from `dir`) to `out`; returns the bytes written.
pub fn write(plan: &Plan, dir: &Path, out: impl Write) -> Result<u64, MountCacheError> {
    let mut counted = CountingWriter { inner: out, n: 0 };
    let mut builder = tar::Builder::new(&mut counted);
    builder.mode(tar::HeaderMode::Complete);
    for e in &plan.entries {
        let mut header = tar::Header::new_gnu();
        header.set_mode(e.mode);
        header.set_uid(e.uid);
        header.set_gid(e.gid);
        header.set_mtime(e.mtime);
        let path = dir.join(&e.path);
        let written = match &e.kind {
            EntryKind::Dir => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_size(0);
                builder.append_data(&mut header, &e.path, io::empty())
            }
            EntryKind::File(size) => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(*size);
                let file = File::open(&path).map_err(|err| io_err(&path, err))?;
                let mut exact = ExactReader {
                    inner: io::Read::take(file, *size),
                    left: *size,
                };
                builder.append_data(&mut header, &e.path, &mut exact)
            }
            EntryKind::Symlink(target) => {
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_size(0);
                builder.append_link(&mut header, &e.path, target)
            }
            EntryKind::HardLink(first) => {
                header.set_entry_type(tar::EntryType::Link);
                header.set_size(0);
                builder.append_link(&mut header, &e.path, first)
            }
        };
        written.map_err(|err| io_err(&path, err))?;
    }
    builder.finish().map_err(|err| io_err(dir, err))?;
    drop(builder);
    Ok(counted.n)
}

/// A file's bytes, exactly as many as its header says: a file that shrank while archived is
/// an error rather than a corrupt archive.
struct ExactReader<R> {
    inner: R,
    left: u64,
}

impl<R: io::Read> io::Read for ExactReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file shrank while it was archived",
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

struct CountingWriter<W> {
    inner: W,
    n: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.n += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir_all(d.join("b/sub")).unwrap();
        fs::write(d.join("b/sub/big"), vec![7u8; 5000]).unwrap();
        fs::write(d.join("a"), b"alpha").unwrap();
        fs::hard_link(d.join("a"), d.join("c-link")).unwrap();
        symlink("a", d.join("s")).unwrap();
        dir
    }

    fn archive(dir: &Path, max: Option<u64>) -> (Plan, Vec<u8>) {
        let plan = plan(dir, max).unwrap();
        let mut out = Vec::new();
        let n = write(&plan, dir, &mut out).unwrap();
        assert_eq!(n, out.len() as u64);
        (plan, out)
    }

    #[test]
    fn the_same_tree_makes_the_same_bytes_in_name_order() {
        let one = tree();
        let two = tree();
        let (plan, bytes) = archive(one.path(), None);
        let names: Vec<_> = plan.entries.iter().map(|e| e.path.clone()).collect();
        let expected: Vec<PathBuf> = ["a", "b", "b/sub", "b/sub/big", "c-link", "s"]
            .iter()
            .map(PathBuf::from)
            .collect();
        assert_eq!(names, expected);
        assert_eq!(plan.entries[4].kind, EntryKind::HardLink("a".into()));
        assert_eq!(plan.file_bytes, 5005);
        // Access times differ between the two trees; modification times are set equal.
        for d in [one.path(), two.path()] {
            for e in &plan.entries {
                let p = d.join(&e.path);
                if !fs::symlink_metadata(&p).unwrap().is_symlink() {
                    File::options()
                        .write(true)
                        .open(&p)
                        .or_else(|_| File::open(&p))
                        .unwrap()
                        .set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(9))
                        .ok();
                }
            }
        }
        let (_, a) = archive(one.path(), None);
        let (_, b) = archive(two.path(), None);
        assert_eq!(a, b);
        assert_ne!(a, bytes, "modification times are archived");
        // It unpacks to the same tree.
        let back = tempfile::tempdir().unwrap();
        tar::Archive::new(&a[..]).unpack(back.path()).unwrap();
        assert_eq!(fs::read(back.path().join("c-link")).unwrap(), b"alpha");
        assert_eq!(
            fs::read_link(back.path().join("s")).unwrap(),
            Path::new("a")
        );
    }

    #[test]
    fn a_size_bound_drops_the_largest_least_recent_files_first() {
        let dir = tree();
        let (plan, _) = archive(dir.path(), Some(100));
        assert_eq!(plan.dropped.files, 1);
        assert_eq!(plan.dropped.bytes, 5000);
        assert!(plan.entries.iter().all(|e| !e.path.ends_with("big")));
        let old = std::time::UNIX_EPOCH + std::time::Duration::from_secs(86_400 * 10);
        File::options()
            .write(true)
            .open(dir.path().join("a"))
            .unwrap()
            .set_times(fs::FileTimes::new().set_accessed(old).set_modified(old))
            .unwrap();
        // `a` (both its names) is older than `big`: it goes first.
        let (plan, _) = archive(dir.path(), Some(5004));
        assert_eq!(plan.dropped.files, 2);
        assert_eq!(plan.dropped.bytes, 5);
        assert_eq!(plan.file_bytes, 5000);
        assert!(plan.entries.iter().all(|e| e.path != Path::new("c-link")));
    }
}
