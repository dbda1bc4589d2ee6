//! The local store: blob ingest, chain ids, layer unpacking (hostile layers included) and lookup
//! through snapshot stacks. Runs as root (CI does): whiteouts, owners and devices need it.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rbuild::digest::Digest;
use rbuild::store::{
    Compression, SnapshotFormat, Store, StoreError, chain_id, read_dir_merged, resolve,
};
use sha2::Digest as _;
use tar::EntryType;

// ---------------------------------------------------------------------------------------------
// Helpers

/// A layer tar written entry by entry, with raw paths (hostile ones included).
struct Layer(tar::Builder<Vec<u8>>);

impl Layer {
    fn new() -> Self {
        Self(tar::Builder::new(Vec::new()))
    }

    fn raw(&mut self, kind: EntryType, path: &str, mode: u32, owner: u64, data: &[u8], link: &str) {
        let mut h = tar::Header::new_ustar();
        h.as_old_mut().name[..path.len()].copy_from_slice(path.as_bytes());
        h.set_entry_type(kind);
        h.set_mode(mode);
        h.set_uid(owner);
        h.set_gid(owner);
        h.set_mtime(1_600_000_000);
        h.set_size(data.len() as u64);
        h.set_link_name_literal(link).unwrap();
        h.set_cksum();
        self.0.append(&h, data).unwrap();
    }

    fn dir(mut self, path: &str) -> Self {
        self.raw(EntryType::Directory, path, 0o755, 0, b"", "");
        self
    }

    fn file(mut self, path: &str, data: &str) -> Self {
        self.raw(EntryType::Regular, path, 0o644, 0, data.as_bytes(), "");
        self
    }

    fn symlink(mut self, path: &str, target: &str) -> Self {
        self.raw(EntryType::Symlink, path, 0o777, 0, b"", target);
        self
    }

    fn hardlink(mut self, path: &str, target: &str) -> Self {
        self.raw(EntryType::Link, path, 0o644, 0, b"", target);
        self
    }

    /// PAX records for the next entry.
    fn pax(mut self, records: &[(&str, &[u8])]) -> Self {
        let mut data = Vec::new();
        for (key, value) in records {
            let body_len = key.len() + value.len() + 3;
            let mut len = body_len + 1;
            while format!("{len}").len() + body_len != len {
                len += 1;
            }
            data.extend_from_slice(format!("{len} {key}=").as_bytes());
            data.extend_from_slice(value);
            data.push(b'\n');
        }
        self.raw(EntryType::XHeader, "PaxHeader", 0o644, 0, &data, "");
        self
    }

    fn tar(self) -> Vec<u8> {
        self.0.into_inner().unwrap()
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

fn sha256(bytes: &[u8]) -> Digest {
    Digest::parse(&format!(
        "sha256:{}",
        hex::encode(sha2::Sha256::digest(bytes))
    ))
    .unwrap()
}

/// A sandbox holding the state dir and an `outside/` dir hostile layers aim at.
struct Sandbox {
    dir: tempfile::TempDir,
    store: Store,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("outside")).unwrap();
        let store = Store::open(&dir.path().join("state")).unwrap();
        Self { dir, store }
    }

    fn outside(&self) -> PathBuf {
        self.dir.path().join("outside")
    }

    fn unpack(&self, name: &str, tar: &[u8]) -> Result<PathBuf, StoreError> {
        self.store
            .unpack(&Digest::of(name.as_bytes()), tar, Compression::Auto, None)
    }

    /// Unpacks a hostile layer: it must be refused naming `entry`, leave no snapshot, no temp and
    /// nothing outside the state dir.
    fn refuse(&self, tar: Vec<u8>, entry: &str) {
        let outside_before = contents(&self.outside());
        let err = self.unpack("hostile", &tar).unwrap_err();
        match &err {
            StoreError::UnsafeEntry { entry: e, .. } => assert_eq!(e, entry, "{err}"),
            other => panic!("want UnsafeEntry for `{entry}`, got {other:?}"),
        }
        assert!(err.to_string().contains(entry), "{err}");
        assert!(self.store.snapshots().unwrap().is_empty());
        assert_eq!(temps(&self.store.root().join("tmp")), Vec::<String>::new());
        assert_eq!(contents(&self.outside()), outside_before);
        assert_eq!(list(self.dir.path()), ["outside", "state"]);
    }
}

/// The entries of a state dir's `tmp/` but the lock files of processes (`<pid>.<start>.lock`,
/// held while their process lives: store::layout).
fn temps(tmp: &Path) -> Vec<String> {
    list(tmp)
        .into_iter()
        .filter(|n| !n.ends_with(".lock"))
        .collect()
}

fn list(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Names and contents of the files in `dir`.
fn contents(dir: &Path) -> Vec<(String, String)> {
    list(dir)
        .into_iter()
        .map(|name| {
            let text = read(&dir.join(&name));
            (name, text)
        })
        .collect()
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap()
}

fn xattr(path: &Path, name: &str) -> Option<Vec<u8>> {
    let mut buf = [0u8; 256];
    let n = rustix::fs::lgetxattr(path, name, &mut buf[..]).ok()?;
    Some(buf[..n].to_vec())
}

// ---------------------------------------------------------------------------------------------
// Ingest

#[test]
fn digest_mismatch_stores_nothing() {
    let sb = Sandbox::new();
    let expected = Digest::of(b"the real content");
    let mut w = sb.store.writer(Some(&expected)).unwrap();
    w.write_all(b"something else").unwrap();
    match w.commit() {
        Err(StoreError::DigestMismatch {
            expected: e,
            actual,
        }) => {
            assert_eq!(e, expected);
            assert_eq!(actual, Digest::of(b"something else"));
        }
        other => panic!("{other:?}"),
    }
    assert!(sb.store.blobs().list().unwrap().is_empty());
    assert!(!sb.store.blobs().has(&expected));
    assert_eq!(list(&sb.store.root().join("ingest")), Vec::<String>::new());
}

#[test]
fn interrupted_write_resumes_with_the_right_digest() {
    let sb = Sandbox::new();
    let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let digest = Digest::of(&content);
    let mut w = sb.store.writer(Some(&digest)).unwrap();
    assert_eq!(w.resume_offset(), 0);
    w.write_all(&content[..70_000]).unwrap();
    drop(w); // connection lost
    assert!(!sb.store.blobs().has(&digest));

    let mut w = sb.store.writer(Some(&digest)).unwrap();
    assert_eq!(w.resume_offset(), 70_000);
    w.write_all(&content[70_000..]).unwrap();
    assert_eq!(w.commit().unwrap(), (digest.clone(), content.len() as u64));
    sb.store.blobs().verify(&digest).unwrap();
    assert_eq!(list(&sb.store.root().join("ingest")), Vec::<String>::new());
}

#[test]
fn a_corrupt_partial_is_rehashed_and_never_trusted() {
    let sb = Sandbox::new();
    let digest = Digest::of(b"hello world");
    // A killed process left a partial whose bytes are wrong.
    let partial = sb
        .store
        .root()
        .join(format!("ingest/{}.partial", digest.hex()));
    fs::write(&partial, b"HELLO").unwrap();
    let mut w = sb.store.writer(Some(&digest)).unwrap();
    assert_eq!(w.resume_offset(), 5);
    w.write_all(b" world").unwrap();
    assert!(matches!(w.commit(), Err(StoreError::DigestMismatch { .. })));
    assert!(!partial.exists());
    assert!(!sb.store.blobs().has(&digest));
    // The retry from scratch succeeds.
    let mut w = sb.store.writer(Some(&digest)).unwrap();
    assert_eq!(w.resume_offset(), 0);
    w.write_all(b"hello world").unwrap();
    w.commit().unwrap();
    assert!(sb.store.blobs().has(&digest));
}

#[test]
fn concurrent_writers_of_one_blob_both_succeed() {
    let sb = Sandbox::new();
    let content = vec![7u8; 300_000];
    let digest = Digest::of(&content);
    // Interleaved in one thread: the second writer must not share the first one's partial.
    let mut a = sb.store.writer(Some(&digest)).unwrap();
    let mut b = sb.store.writer(Some(&digest)).unwrap();
    for chunk in content.chunks(10_000) {
        a.write_all(chunk).unwrap();
        b.write_all(chunk).unwrap();
    }
    assert_eq!(b.commit().unwrap().0, digest);
    assert_eq!(a.commit().unwrap().0, digest);
    // And from threads.
    let other = vec![9u8; 100_000];
    let other_digest = Digest::of(&other);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let mut w = sb.store.writer(Some(&other_digest)).unwrap();
                for chunk in other.chunks(1000) {
                    w.write_all(chunk).unwrap();
                }
                assert_eq!(w.commit().unwrap().0, other_digest);
            });
        }
    });
    for d in [&digest, &other_digest] {
        sb.store.blobs().verify(d).unwrap();
    }
    assert_eq!(sb.store.blobs().list().unwrap().len(), 2);
    assert_eq!(temps(&sb.store.root().join("tmp")), Vec::<String>::new());
}

#[test]
fn leftovers_of_a_killed_process_are_cleaned_at_open_and_never_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("state");
    let store = Store::open(&root).unwrap();
    let content = b"half a blob";
    // A temp blob and a temp snapshot dir of a process that is gone (pid above pid_max).
    fs::write(root.join("tmp/4294967295.12.0-blob"), content).unwrap();
    fs::create_dir_all(root.join("tmp/4294967295.12.1-snapshot/etc")).unwrap();
    // A temp file of this live process (another Store in it) stays.
    let live = store.writer(None).unwrap();
    drop(store);

    let store = Store::open(&root).unwrap();
    let left = temps(&root.join("tmp"));
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].starts_with(&format!("{}.", std::process::id())));
    assert!(!store.blobs().has(&Digest::of(content)));
    assert!(store.snapshots().unwrap().is_empty());
    drop(live);
    assert_eq!(temps(&root.join("tmp")), Vec::<String>::new());
}

#[test]
fn another_layout_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("VERSION"), "rbuild-state-v0\n").unwrap();
    let err = Store::open(dir.path()).unwrap_err();
    assert!(err.to_string().contains("rbuild-state-v1"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Chain ids

#[test]
fn chain_id_matches_the_oci_definition() {
    let l0 = sha256(b"layer zero");
    let l1 = sha256(b"layer one");
    let l2 = sha256(b"layer two");
    let c1 = sha256(format!("{l0} {l1}").as_bytes());
    let c2 = sha256(format!("{c1} {l2}").as_bytes());
    assert_eq!(chain_id(std::slice::from_ref(&l0)).unwrap(), l0);
    assert_eq!(chain_id(&[l0.clone(), l1.clone()]).unwrap(), c1);
    assert_eq!(chain_id(&[l0, l1, l2]).unwrap(), c2);
    // A fixed vector: sha256("sha256:<64 a> sha256:<64 b>").
    let a = Digest::parse(&format!("sha256:{}", "a".repeat(64))).unwrap();
    let b = Digest::parse(&format!("sha256:{}", "b".repeat(64))).unwrap();
    let text = format!("sha256:{} sha256:{}", "a".repeat(64), "b".repeat(64));
    assert_eq!(chain_id(&[a, b]).unwrap(), sha256(text.as_bytes()));
}

// ---------------------------------------------------------------------------------------------
// Unpacking

fn rich_layer() -> Vec<u8> {
    let mut l = Layer::new().dir("./").dir("etc/").dir("bin/").dir("dev/");
    l.raw(EntryType::Regular, "etc/shadow", 0o640, 42, b"secret", "");
    l.raw(EntryType::Regular, "bin/busybox", 0o4755, 0, b"\x7fELF", "");
    l.raw(EntryType::Char, "dev/null", 0o666, 0, b"", "");
    l.raw(EntryType::Fifo, "dev/pipe", 0o600, 0, b"", "");
    // Modes applied at the end: a read-only directory still gets its children.
    l.raw(EntryType::Directory, "ro/", 0o555, 0, b"", "");
    l.raw(EntryType::Regular, "ro/file", 0o444, 0, b"x", "");
    l.symlink("bin/sh", "busybox")
        .hardlink("bin/ash", "bin/busybox")
        .pax(&[("SCHILY.xattr.user.origin", b"test"), ("mtime", b"1234.5")])
        .file("etc/motd", "hi\n")
        .file("/abs/file", "normalized inside")
        .dir("var/")
        .file("var/.wh.cache", "")
        .dir("opt/")
        .file("opt/.wh..wh..opq", "")
        .tar()
}

#[test]
fn unpack_keeps_files_modes_owners_links_devices_and_xattrs() {
    let sb = Sandbox::new();
    let tar = rich_layer();
    let diff_id = sha256(&tar);
    let dir = sb
        .store
        .unpack(&diff_id, &gzip(&tar)[..], Compression::Auto, Some(&diff_id))
        .unwrap();
    assert_eq!(dir, sb.store.snapshot_path(&diff_id));

    let shadow = fs::metadata(dir.join("etc/shadow")).unwrap();
    assert_eq!(
        (shadow.mode() & 0o7777, shadow.uid(), shadow.gid()),
        (0o640, 42, 42)
    );
    assert_eq!(shadow.mtime(), 1_600_000_000);
    assert_eq!(read(&dir.join("etc/shadow")), "secret");
    let busybox = fs::metadata(dir.join("bin/busybox")).unwrap();
    assert_eq!(busybox.mode() & 0o7777, 0o4755, "setuid kept");
    assert_eq!(
        fs::read_link(dir.join("bin/sh")).unwrap(),
        Path::new("busybox")
    );
    assert_eq!(
        fs::metadata(dir.join("bin/ash")).unwrap().ino(),
        busybox.ino()
    );
    let null = fs::symlink_metadata(dir.join("dev/null")).unwrap();
    assert!(null.file_type().is_char_device());
    assert_eq!(null.mode() & 0o7777, 0o666);
    assert!(
        fs::symlink_metadata(dir.join("dev/pipe"))
            .unwrap()
            .file_type()
            .is_fifo()
    );
    let motd = dir.join("etc/motd");
    assert_eq!(xattr(&motd, "user.origin").as_deref(), Some(&b"test"[..]));
    let motd_meta = fs::metadata(&motd).unwrap();
    assert_eq!(
        (motd_meta.mtime(), motd_meta.mtime_nsec()),
        (1234, 500_000_000)
    );
    assert_eq!(read(&dir.join("abs/file")), "normalized inside");
    assert_eq!(
        fs::metadata(dir.join("ro")).unwrap().permissions().mode() & 0o777,
        0o555
    );
    assert_eq!(read(&dir.join("ro/file")), "x");
    assert_eq!(
        fs::metadata(dir.join("etc")).unwrap().mtime(),
        1_600_000_000,
        "dir mtime set last"
    );

    // Whiteout -> 0:0 char device; opaque marker -> xattr on the directory.
    let wh = fs::symlink_metadata(dir.join("var/cache")).unwrap();
    assert!(wh.file_type().is_char_device() && wh.rdev() == 0);
    assert!(!dir.join("var/.wh.cache").exists());
    assert_eq!(
        xattr(&dir.join("opt"), "trusted.overlay.opaque").as_deref(),
        Some(&b"y"[..])
    );
    assert!(list(&dir.join("opt")).is_empty());
    assert_eq!(temps(&sb.store.root().join("tmp")), Vec::<String>::new());
}

#[test]
fn unpack_zstd_and_plain_verify_the_diff_id() {
    let sb = Sandbox::new();
    let tar = Layer::new().file("a", "alpha").tar();
    let diff_id = sha256(&tar);
    let zst = zstd::encode_all(&tar[..], 3).unwrap();
    let c1 = Digest::of(b"zstd");
    sb.store
        .unpack(&c1, &zst[..], Compression::Zstd, Some(&diff_id))
        .unwrap();
    assert_eq!(read(&sb.store.snapshot_path(&c1).join("a")), "alpha");

    let wrong = Digest::of(b"not the diff id");
    let c2 = Digest::of(b"plain");
    let err = sb
        .store
        .unpack(&c2, &tar[..], Compression::None, Some(&wrong))
        .unwrap_err();
    assert!(
        matches!(err, StoreError::DiffIdMismatch { ref actual, .. } if *actual == diff_id),
        "{err}"
    );
    assert!(!sb.store.has_snapshot(&c2));
    assert_eq!(temps(&sb.store.root().join("tmp")), Vec::<String>::new());

    // An existing snapshot is reused without reading the layer.
    let garbage: &[u8] = b"not a tar at all";
    sb.store
        .unpack(&c1, garbage, Compression::Auto, None)
        .unwrap();
    let usage = sb.store.usage().unwrap();
    assert_eq!((usage.snapshots.count, usage.snapshots.bytes), (1, 5));
    assert!(sb.store.delete_snapshot(&c1).unwrap());
    assert!(sb.store.snapshots().unwrap().is_empty());
}

#[test]
fn hostile_dotdot_path_is_refused() {
    let sb = Sandbox::new();
    sb.refuse(
        Layer::new().file("../../../outside/evil", "x").tar(),
        "../../../outside/evil",
    );
    sb.refuse(
        Layer::new().dir("a/").file("a/../../evil", "x").tar(),
        "a/../../evil",
    );
}

#[test]
fn hostile_write_through_absolute_symlink_is_refused() {
    let sb = Sandbox::new();
    let target = sb.outside();
    let tar = Layer::new()
        .symlink("a", target.to_str().unwrap())
        .file("a/passwd", "pwned")
        .tar();
    sb.refuse(tar, "a/passwd");
}

#[test]
fn hostile_write_through_relative_symlink_is_refused() {
    let sb = Sandbox::new();
    // From state/tmp/<snapshot>/a, ../../.. is the sandbox itself.
    let tar = Layer::new()
        .symlink("a", "../../../outside")
        .file("a/evil", "pwned")
        .tar();
    sb.refuse(tar, "a/evil");
    let tar = Layer::new()
        .dir("d/")
        .symlink("d/up", "../../..")
        .dir("d/up/outside/")
        .tar();
    sb.refuse(tar, "d/up/outside/");
}

#[test]
fn hostile_symlink_replaced_file_is_not_followed() {
    // A symlink, then a regular file of the same name: the file replaces the link and the
    // link's target is untouched.
    let sb = Sandbox::new();
    let victim = sb.outside().join("victim");
    fs::write(&victim, "safe").unwrap();
    let tar = Layer::new()
        .symlink("f", victim.to_str().unwrap())
        .file("f", "pwned")
        .tar();
    let dir = sb.unpack("replace", &tar).unwrap();
    assert_eq!(read(&victim), "safe");
    assert_eq!(read(&dir.join("f")), "pwned");
    assert!(
        !fs::symlink_metadata(dir.join("f"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn hostile_hard_links_are_refused() {
    let sb = Sandbox::new();
    let victim = sb.outside().join("victim");
    fs::write(&victim, "safe").unwrap();
    // Outside the layer with `..`.
    sb.refuse(
        Layer::new().hardlink("x", "../../../outside/victim").tar(),
        "x",
    );
    // An absolute target is taken inside the layer, where it does not exist.
    sb.refuse(
        Layer::new().hardlink("x", victim.to_str().unwrap()).tar(),
        "x",
    );
    // Through a symlinked directory.
    let tar = Layer::new()
        .symlink("l", sb.outside().to_str().unwrap())
        .hardlink("x", "l/victim")
        .tar();
    sb.refuse(tar, "x");
    fs::remove_file(&victim).unwrap();
}

#[test]
fn hostile_whiteout_without_a_name_is_refused() {
    let sb = Sandbox::new();
    sb.refuse(Layer::new().file(".wh..", "").tar(), ".wh..");
}

// ---------------------------------------------------------------------------------------------
// Lookup through a stack

/// Three layers, returned top-first: a whiteout, an opaque dir, a replaced file and symlinks.
fn three_layers(sb: &Sandbox) -> Vec<PathBuf> {
    let l1 = Layer::new()
        .dir("etc/")
        .file("etc/passwd", "root:x:0:0::/root:/bin/sh\n")
        .file("etc/group", "root:x:0:\n")
        .dir("var/")
        .file("var/a", "a")
        .file("var/b", "b")
        .dir("opt/")
        .dir("opt/old/")
        .file("opt/old/file", "old")
        .dir("usr/")
        .dir("usr/lib/")
        .file("usr/lib/libc.so", "libc")
        .symlink("lib", "usr/lib")
        .tar();
    let l2 = Layer::new()
        .dir("etc/")
        .file(
            "etc/passwd",
            "root:x:0:0::/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n",
        )
        .dir("var/")
        .file("var/.wh.a", "")
        .dir("opt/")
        .file("opt/.wh..wh..opq", "")
        .file("opt/new", "new")
        .tar();
    let l3 = Layer::new()
        .dir("var/")
        .file("var/c", "c")
        .symlink("passwd", "/etc/passwd")
        .symlink("escape", "../../../../../etc/group")
        .symlink("loop1", "loop2")
        .symlink("loop2", "loop1")
        .symlink("etcdir", "etc")
        .tar();
    let ids: Vec<Digest> = [&l1, &l2, &l3].iter().map(|t| sha256(t)).collect();
    let mut chain = Vec::new();
    for (i, tar) in [l1, l2, l3].iter().enumerate() {
        let c = chain_id(&ids[..=i]).unwrap();
        sb.store
            .unpack(&c, &tar[..], Compression::Auto, Some(&ids[i]))
            .unwrap();
        chain.push(c);
    }
    chain.reverse();
    sb.store.stack(&chain)
}

fn names(stack: &[PathBuf], dir: &str) -> Option<Vec<String>> {
    read_dir_merged(stack, Path::new(dir))
        .unwrap()
        .map(|entries| {
            entries
                .into_iter()
                .map(|e| e.name.to_string_lossy().into_owned())
                .collect()
        })
}

fn content(stack: &[PathBuf], path: &str) -> Option<String> {
    resolve(stack, Path::new(path))
        .unwrap()
        .map(|(p, _)| read(&p))
}

#[test]
fn lookup_through_three_layers_is_what_overlayfs_shows() {
    let sb = Sandbox::new();
    let stack = three_layers(&sb);
    assert!(
        content(&stack, "/etc/passwd")
            .unwrap()
            .contains("user:x:1000")
    );
    assert_eq!(content(&stack, "/etc/group").unwrap(), "root:x:0:\n");
    assert_eq!(content(&stack, "/var/a"), None, "whited out");
    assert_eq!(content(&stack, "/var/b").as_deref(), Some("b"));
    assert_eq!(
        content(&stack, "/opt/old/file"),
        None,
        "below an opaque dir"
    );
    assert_eq!(content(&stack, "/opt/new").as_deref(), Some("new"));
    assert_eq!(content(&stack, "/lib/libc.so").as_deref(), Some("libc"));
    assert!(content(&stack, "passwd").unwrap().contains("user:x:1000"));
    assert_eq!(
        content(&stack, "/escape").as_deref(),
        Some("root:x:0:\n"),
        "kept inside"
    );
    assert_eq!(content(&stack, "/etcdir/../var/b").as_deref(), Some("b"));
    assert!(matches!(
        resolve(&stack, Path::new("/loop1")),
        Err(StoreError::SymlinkLoop { .. })
    ));
    assert_eq!(names(&stack, "/var").unwrap(), ["b", "c"]);
    assert_eq!(names(&stack, "/opt").unwrap(), ["new"]);
    assert_eq!(names(&stack, "/etcdir").unwrap(), ["group", "passwd"]);
    assert_eq!(
        names(&stack, "/").unwrap(),
        [
            "escape", "etc", "etcdir", "lib", "loop1", "loop2", "opt", "passwd", "usr", "var"
        ]
    );
    assert_eq!(names(&stack, "/var/a"), None);

    // The same stack mounted by the kernel, when this machine allows it.
    let mnt = sb.dir.path().join("mnt");
    fs::create_dir(&mnt).unwrap();
    let lower: Vec<&str> = stack.iter().map(|p| p.to_str().unwrap()).collect();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "overlay", "overlay", "-o"])
        .arg(format!("lowerdir={}", lower.join(":")))
        .arg(&mnt)
        .status()
        .is_ok_and(|s| s.success());
    if mounted {
        let kernel = |dir: &str| list(&mnt.join(dir));
        let outcome = std::panic::catch_unwind(|| {
            for dir in ["", "var", "opt", "etc", "usr/lib"] {
                assert_eq!(
                    names(&stack, &format!("/{dir}")).unwrap(),
                    kernel(dir),
                    "/{dir}"
                );
            }
            assert_eq!(
                read(&mnt.join("etc/passwd")),
                content(&stack, "/etc/passwd").unwrap()
            );
        });
        let _ = std::process::Command::new("umount").arg(&mnt).status();
        outcome.unwrap();
        eprintln!("merged view compared with a kernel overlay mount");
    } else {
        eprintln!("overlay mount not permitted here: kernel comparison skipped");
    }
}

#[test]
fn usage_counts_blobs_and_snapshots() {
    let sb = Sandbox::new();
    sb.store.put_bytes(b"{}").unwrap();
    sb.store.put_bytes(b"[1,2]").unwrap();
    three_layers(&sb);
    let usage = sb.store.usage().unwrap();
    assert_eq!((usage.blobs.count, usage.blobs.bytes), (2, 7));
    assert_eq!(usage.snapshots.count, 3);
    assert!(usage.snapshots.bytes > 0);
}

/// The merged view of `stack` as `(path, kind)` lines, every directory listed recursively.
fn merged_view(stack: &[PathBuf]) -> Vec<String> {
    fn walk(stack: &[PathBuf], dir: &Path, out: &mut Vec<String>) {
        for e in read_dir_merged(stack, dir).unwrap().unwrap() {
            let path = dir.join(&e.name);
            let kind = if e.metadata.is_dir() { "dir" } else { "file" };
            out.push(format!("{} {kind}", path.display()));
            if e.metadata.is_dir() {
                walk(stack, &path, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(stack, Path::new("/"), &mut out);
    out
}

#[test]
fn whiteouts_kept_as_files_give_the_same_merged_view_as_overlay_whiteouts() {
    let lower = Layer::new()
        .dir("etc/")
        .file("etc/keep", "k")
        .file("etc/gone", "g")
        .dir("opt/")
        .file("opt/old", "o")
        .dir("opt/sub/")
        .file("opt/sub/deep", "d")
        .tar();
    let upper = Layer::new()
        .dir("etc/")
        .file("etc/.wh.gone", "")
        .dir("opt/")
        .file("opt/.wh..wh..opq", "")
        .file("opt/new", "n")
        .tar();
    let views: Vec<Vec<String>> = [SnapshotFormat::Overlay, SnapshotFormat::Files]
        .into_iter()
        .map(|format| {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(dir.path())
                .unwrap()
                .with_snapshot_format(format)
                .unwrap();
            let bottom = Digest::of(b"lower");
            let top = Digest::of(b"upper");
            store
                .unpack(&bottom, &lower[..], Compression::Auto, None)
                .unwrap();
            store
                .unpack(&top, &upper[..], Compression::Auto, None)
                .unwrap();
            if format == SnapshotFormat::Files {
                // Kept as the layer has them, in a folder of their own.
                let top_dir = store.snapshot_path(&top);
                assert!(top_dir.starts_with(dir.path().join("snapshots-files")));
                assert!(top_dir.join("etc/.wh.gone").is_file());
                assert!(top_dir.join("opt/.wh..wh..opq").is_file());
            }
            let stack = store.stack(&[top, bottom]);
            assert!(resolve(&stack, Path::new("/etc/gone")).unwrap().is_none());
            assert!(
                resolve(&stack, Path::new("/opt/sub/deep"))
                    .unwrap()
                    .is_none()
            );
            merged_view(&stack)
        })
        .collect();
    assert_eq!(
        views[0],
        ["/etc dir", "/etc/keep file", "/opt dir", "/opt/new file"]
    );
    assert_eq!(views[1], views[0]);
}
