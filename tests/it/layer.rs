//! Deterministic layers from real trees: read back with the `tar` crate and the system's
//! `gzip`/`zstd`, overlay upper dirs with real whiteout devices and xattrs.

use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::process::Command;

use filetime::FileTime;
use rbuild::digest::Digest;
use rbuild::image::layer::{
    Compression, DirSource, Entry, LayerDescriptor, LayerError, LayerOptions, OverlaySource,
    write_layer,
};

fn write(root: &Path, rel: &str, content: &[u8]) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn options(compression: Compression, epoch: Option<i64>) -> LayerOptions {
    LayerOptions {
        compression,
        source_date_epoch: epoch,
    }
}

fn pack(
    entries: impl IntoIterator<Item = Result<Entry, LayerError>, IntoIter: Send>,
    options: &LayerOptions,
) -> (LayerDescriptor, Vec<u8>) {
    write_layer(entries, options, Vec::new()).unwrap()
}

fn pack_dir(root: &Path, options: &LayerOptions) -> (LayerDescriptor, Vec<u8>) {
    pack(DirSource::new(root).entries().unwrap(), options)
}

fn plain_tar(
    entries: impl IntoIterator<Item = Result<Entry, LayerError>, IntoIter: Send>,
) -> Vec<u8> {
    pack(entries, &options(Compression::None, None)).1
}

/// One tar entry as read back: what the tests compare.
#[derive(Debug, PartialEq, Eq)]
struct Got {
    path: Vec<u8>,
    kind: char,
    mode: u32,
    uid: u64,
    gid: u64,
    mtime: u64,
    link: Option<Vec<u8>>,
    dev: Option<(u32, u32)>,
    xattrs: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
    pax: bool,
}

fn read_tar(tar: &[u8]) -> Vec<Got> {
    let mut archive = tar::Archive::new(tar);
    let mut out = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let h = entry.header().clone();
        let ustar = h.as_ustar().expect("a ustar header");
        assert!(ustar.username_bytes().is_empty() && ustar.groupname_bytes().is_empty());
        let mut xattrs = Vec::new();
        let mut pax = false;
        let (mut uid, mut gid) = (h.uid().unwrap(), h.gid().unwrap());
        if let Some(exts) = entry.pax_extensions().unwrap() {
            pax = true;
            for ext in exts {
                let ext = ext.unwrap();
                let (key, value) = (ext.key().unwrap(), ext.value().unwrap());
                if let Some(name) = key.strip_prefix("SCHILY.xattr.") {
                    xattrs.push((name.to_string(), ext.value_bytes().to_vec()));
                } else if key == "uid" {
                    uid = value.parse().unwrap();
                } else if key == "gid" {
                    gid = value.parse().unwrap();
                }
            }
        }
        let kind = h.entry_type().as_byte() as char;
        let dev = matches!(kind, '3' | '4').then(|| {
            (
                h.device_major().unwrap().unwrap(),
                h.device_minor().unwrap().unwrap(),
            )
        });
        if !matches!(kind, '3' | '4') {
            assert!(
                ustar.dev_major[..].iter().all(|&b| b == 0),
                "no device numbers"
            );
        }
        let mut body = Vec::new();
        entry.read_to_end(&mut body).unwrap();
        out.push(Got {
            path: entry.path_bytes().to_vec(),
            kind,
            mode: h.mode().unwrap(),
            uid,
            gid,
            mtime: h.mtime().unwrap(),
            link: entry.link_name_bytes().map(|l| l.to_vec()),
            dev,
            xattrs,
            body,
            pax,
        });
    }
    out
}

fn paths(entries: &[Got]) -> Vec<String> {
    entries
        .iter()
        .map(|e| String::from_utf8_lossy(&e.path).into_owned())
        .collect()
}

fn mknod(path: &Path, kind: &str, major: u32, minor: u32) -> bool {
    let ok = Command::new("mknod")
        .arg(path)
        .arg(kind)
        .arg(major.to_string())
        .arg(minor.to_string())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipping device checks: mknod failed (not root?)");
    }
    ok
}

/// Creates the same tree in the given order of its paths, with every mtime set to `mtime`.
fn same_tree(root: &Path, order: &[usize], mtime: i64) {
    let files: [(&str, &[u8]); 5] = [
        ("b/z.txt", b"zed"),
        ("a.txt", b"alpha"),
        ("b/c/d.bin", &[0, 1, 2, 3, 255]),
        ("a-b", b"dash"),
        ("b/a.txt", b"b alpha"),
    ];
    for &i in order {
        write(root, files[i].0, files[i].1);
    }
    for &i in order.iter().rev() {
        let path = root.join(files[i].0);
        filetime::set_symlink_file_times(
            &path,
            FileTime::from_unix_time(mtime, 0),
            FileTime::from_unix_time(mtime, 0),
        )
        .unwrap();
    }
    for dir in ["b/c", "b", ""] {
        chmod(&root.join(dir), 0o755);
        filetime::set_file_mtime(root.join(dir), FileTime::from_unix_time(mtime, 0)).unwrap();
    }
}

#[test]
fn same_tree_same_bytes_whatever_the_creation_order() {
    let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    same_tree(one.path(), &[0, 1, 2, 3, 4], 1_700_000_000);
    same_tree(two.path(), &[4, 2, 3, 1, 0], 1_800_000_000);
    for compression in [Compression::gzip(), Compression::zstd(), Compression::None] {
        let epoch = options(compression, Some(1_000_000_000));
        let (a, _) = pack_dir(one.path(), &epoch);
        let (b, _) = pack_dir(two.path(), &epoch);
        assert_eq!(a, b, "{compression:?}");
        let no_epoch = options(compression, None);
        let (a, _) = pack_dir(one.path(), &no_epoch);
        let (b, _) = pack_dir(two.path(), &no_epoch);
        assert_ne!(a.diff_id, b.diff_id, "mtimes matter without an epoch");
        assert_ne!(a.digest, b.digest);
    }
    let entries = read_tar(&plain_tar(DirSource::new(one.path()).entries().unwrap()));
    // Component order: a directory right before its contents, `b/c/` before `b/z.txt`.
    assert_eq!(
        paths(&entries),
        [
            "a-b",
            "a.txt",
            "b/",
            "b/a.txt",
            "b/c/",
            "b/c/d.bin",
            "b/z.txt"
        ]
    );
    let epoch = options(Compression::None, Some(1_000_000_000));
    let (_, tar) = pack_dir(one.path(), &epoch);
    assert!(read_tar(&tar).iter().all(|e| e.mtime == 1_000_000_000));
    let later = options(Compression::None, Some(2_000_000_000));
    let (_, tar) = pack_dir(one.path(), &later);
    assert!(
        read_tar(&tar).iter().all(|e| e.mtime == 1_700_000_000),
        "clamp only"
    );
}

#[test]
fn every_file_type_reads_back_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "dir/file", b"content\n");
    std::os::unix::fs::chown(root.join("dir/file"), Some(1234), Some(5678)).unwrap();
    chmod(&root.join("dir/file"), 0o4750); // after chown, which clears setuid
    xattr::set(root.join("dir/file"), "user.note", b"hello").unwrap();
    let cap = [1u8, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    xattr::set(root.join("dir/file"), "security.capability", &cap).unwrap();
    // Created before the first name in layer order: the link must still point to `dir/file`.
    std::fs::hard_link(root.join("dir/file"), root.join("z-hardlink")).unwrap();
    std::fs::hard_link(root.join("dir/file"), root.join("dir/another")).unwrap();
    symlink("dir/file", root.join("link")).unwrap();
    assert!(
        Command::new("mkfifo")
            .arg(root.join("fifo"))
            .status()
            .unwrap()
            .success()
    );
    let devices = mknod(&root.join("null"), "c", 1, 3) && mknod(&root.join("loop"), "b", 7, 5);
    let _socket = std::os::unix::net::UnixListener::bind(root.join("sock")).unwrap();
    chmod(&root.join("dir"), 0o1777);
    filetime::set_file_mtime(root.join("dir"), FileTime::from_unix_time(1_600_000_000, 0)).unwrap();

    let entries = read_tar(&plain_tar(DirSource::new(root).entries().unwrap()));
    let mut want = vec!["dir/", "dir/another", "dir/file", "fifo", "link"];
    if devices {
        want.extend(["loop", "null"]);
    }
    want.push("z-hardlink");
    assert_eq!(paths(&entries), want, "sockets are skipped");
    let get = |p: &str| entries.iter().find(|e| e.path == p.as_bytes()).unwrap();

    let d = get("dir/");
    assert_eq!((d.kind, d.mode, d.mtime), ('5', 0o1777, 1_600_000_000));
    let first = get("dir/another");
    assert_eq!(
        (first.kind, first.mode, first.uid, first.gid),
        ('0', 0o4750, 1234, 5678)
    );
    assert_eq!(first.body, b"content\n");
    assert_eq!(
        first.xattrs,
        [("security.capability".to_string(), cap.to_vec())],
        "file capabilities are kept, other xattrs (user.note) are not, as in Docker's layers"
    );
    for later in ["dir/file", "z-hardlink"] {
        let l = get(later);
        assert_eq!(
            (l.kind, l.link.as_deref()),
            ('1', Some(&b"dir/another"[..])),
            "{later}"
        );
        assert!(l.body.is_empty());
    }
    let s = get("link");
    assert_eq!(
        (s.kind, s.link.as_deref(), s.mode),
        ('2', Some(&b"dir/file"[..]), 0o777)
    );
    assert_eq!(get("fifo").kind, '6');
    if devices {
        assert_eq!((get("null").kind, get("null").dev), ('3', Some((1, 3))));
        assert_eq!((get("loop").kind, get("loop").dev), ('4', Some((7, 5))));
    }
}

#[test]
fn long_names_and_big_ids_use_pax_and_only_then() {
    let dir = tempfile::tempdir().unwrap();
    let long = format!("{}/{}", "d".repeat(60), "f".repeat(60));
    write(dir.path(), &long, b"x");
    write(dir.path(), "short", b"y");
    symlink(&long, dir.path().join("to-long")).unwrap();
    let tar = plain_tar(DirSource::new(dir.path()).entries().unwrap());
    let entries = read_tar(&tar);
    assert_eq!(paths(&entries)[1], long);
    let get = |p: &[u8]| entries.iter().find(|e| e.path == p).unwrap();
    assert!(get(long.as_bytes()).pax);
    assert!(!get(b"short").pax && !get(format!("{}/", "d".repeat(60)).as_bytes()).pax);
    assert!(get(b"to-long").pax);
    assert_eq!(get(b"to-long").link.as_deref(), Some(long.as_bytes()));
    // The PAX header block itself: typeflag `x`, Go's name.
    assert_eq!(tar[512 + 156], b'x');
    assert!(tar[512..].starts_with(format!("{}/PaxHeaders.0/", "d".repeat(60)).as_bytes()));

    let big = DirSource::new(dir.path())
        .chown(3_000_000, 4_000_000_000)
        .chmod(0o640);
    let entries = read_tar(&plain_tar(big.entries().unwrap()));
    for e in &entries {
        assert!(e.pax, "{:?}", String::from_utf8_lossy(&e.path));
        assert_eq!((e.uid, e.gid), (3_000_000, 4_000_000_000));
        assert_eq!(e.mode, if e.kind == '2' { 0o777 } else { 0o640 });
    }
}

#[test]
fn non_utf8_names_are_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9");
    std::fs::write(dir.path().join(name), b"x").unwrap();
    let entries = read_tar(&plain_tar(DirSource::new(dir.path()).entries().unwrap()));
    assert_eq!(entries[0].path, b"caf\xe9");
}

#[test]
fn include_prefix_and_single_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "src/a/one", b"1");
    write(root, "src/a/two", b"2");
    write(root, "src/b/three", b"3");
    write(root, "top", b"t");
    let source = DirSource::new(root)
        .include(vec![b"src/a".to_vec(), b"top".to_vec()])
        .prefix("/app/")
        .chown(10, 20);
    let entries = read_tar(&plain_tar(source.entries().unwrap()));
    assert_eq!(
        paths(&entries),
        [
            "app/",
            "app/src/",
            "app/src/a/",
            "app/src/a/one",
            "app/src/a/two",
            "app/top"
        ]
    );
    assert!(entries.iter().all(|e| (e.uid, e.gid) == (10, 20)));
    let file = DirSource::new(root.join("top")).prefix("usr/local/bin/top");
    let entries = read_tar(&plain_tar(file.entries().unwrap()));
    assert_eq!(
        paths(&entries),
        ["usr/", "usr/local/", "usr/local/bin/", "usr/local/bin/top"]
    );
    assert_eq!(
        (entries[0].mode, entries[3].body.as_slice()),
        (0o755, &b"t"[..])
    );
    let missing = DirSource::new(root)
        .include(vec![b"nope".to_vec()])
        .entries();
    assert!(matches!(missing, Err(LayerError::NotFound { .. })));
    let escape = DirSource::new(root)
        .include(vec![b"../etc".to_vec()])
        .entries();
    assert!(matches!(escape, Err(LayerError::BadPath { .. })));
}

#[test]
fn overlay_upper_dir_becomes_oci_whiteouts() {
    let dir = tempfile::tempdir().unwrap();
    let upper = dir.path();
    write(upper, "etc/new.conf", b"new");
    if !mknod(&upper.join("etc/deleted"), "c", 0, 0) {
        return;
    }
    assert!(mknod(&upper.join("gone"), "c", 0, 0));
    // An opaque dir whose children sort before `.wh..wh..opq` by bytes.
    write(upper, "var/cache/-first", b"1");
    write(upper, "var/cache/.a", b"2");
    write(upper, "var/cache/z", b"3");
    xattr::set(upper.join("var/cache"), "trusted.overlay.opaque", b"y").unwrap();
    let cap = [1u8, 0, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    xattr::set(upper.join("var/cache"), "security.capability", &cap).unwrap();
    xattr::set(upper.join("var/cache"), "user.dropped", b"d").unwrap();
    write(upper, "home/u/x", b"x");
    xattr::set(upper.join("home/u"), "user.overlay.opaque", b"y").unwrap();
    xattr::set(upper.join("etc"), "trusted.overlay.origin", b"junk").unwrap();
    chmod(&upper.join("var/cache"), 0o2750);

    let entries = read_tar(&plain_tar(OverlaySource::new(upper).entries().unwrap()));
    assert_eq!(
        paths(&entries),
        [
            ".wh.gone",
            "etc/",
            "etc/.wh.deleted",
            "etc/new.conf",
            "home/",
            "home/u/",
            "home/u/.wh..wh..opq",
            "home/u/x",
            "var/",
            "var/cache/",
            "var/cache/.wh..wh..opq",
            "var/cache/-first",
            "var/cache/.a",
            "var/cache/z",
        ]
    );
    let get = |p: &str| entries.iter().find(|e| e.path == p.as_bytes()).unwrap();
    let wh = get("etc/.wh.deleted");
    assert_eq!((wh.kind, wh.mode, wh.body.len()), ('0', 0o600, 0));
    let opq = get("var/cache/.wh..wh..opq");
    assert_eq!((opq.kind, opq.mode), ('0', 0o750));
    assert_eq!(
        get("var/cache/").xattrs,
        [("security.capability".to_string(), cap.to_vec())],
        "overlay's own xattrs become whiteouts, user ones are dropped (as Docker's layers)"
    );
    assert!(
        entries
            .iter()
            .all(|e| e.xattrs.iter().all(|(k, _)| !k.contains("overlay")))
    );

    xattr::set(upper.join("etc"), "trusted.overlay.redirect", b"/x").unwrap();
    let err = OverlaySource::new(upper)
        .entries()
        .unwrap()
        .find_map(Result::err)
        .unwrap();
    assert!(
        matches!(err, LayerError::UnsupportedOverlay { .. }),
        "{err}"
    );
}

fn decompress_with(tool: &str, blob: &[u8]) -> Option<Vec<u8>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blob");
    std::fs::write(&path, blob).unwrap();
    let out = Command::new(tool).arg("-dc").arg(&path).output().ok()?;
    assert!(out.status.success(), "{tool} -dc failed");
    Some(out.stdout)
}

#[test]
fn diff_id_is_the_digest_of_what_system_tools_decompress() {
    let dir = tempfile::tempdir().unwrap();
    let noise: Vec<u8> = (0..3_000_000u64)
        .map(|i| (i.wrapping_mul(6364136223846793005) >> 56) as u8)
        .collect();
    write(dir.path(), "noise.bin", &noise);
    write(dir.path(), "text.txt", &b"hello layer\n".repeat(200_000));
    let tar = plain_tar(DirSource::new(dir.path()).entries().unwrap());
    for (compression, tool) in [(Compression::gzip(), "gzip"), (Compression::zstd(), "zstd")] {
        let (desc, blob) = pack_dir(dir.path(), &options(compression, None));
        assert_eq!(desc.digest, Digest::of(&blob));
        assert_eq!(desc.size, blob.len() as u64);
        assert_eq!(desc.diff_id, Digest::of(&tar));
        assert_eq!(desc.media_type, compression.media_type());
        match decompress_with(tool, &blob) {
            Some(back) => assert_eq!(Digest::of(&back), desc.diff_id, "{tool}"),
            None => eprintln!("skipping the {tool} CLI check: {tool} not found"),
        }
    }
    let (plain, blob) = pack_dir(dir.path(), &options(Compression::None, None));
    assert_eq!((plain.digest.clone(), blob), (plain.diff_id, tar));
}
