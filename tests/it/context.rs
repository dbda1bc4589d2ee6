//! Context walking, `.dockerignore` and content hashes.

// Test helpers outside `#[test]` functions unwrap too: a failure is a test failure.
#![allow(clippy::unwrap_used)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use filetime::FileTime;
use rbuild::context::{BuildContext, ContextError};

fn write(root: &Path, rel: &str, content: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

fn srcs(sources: &[&str]) -> Vec<String> {
    sources.iter().map(|s| s.to_string()).collect()
}

fn digest(root: &Path, sources: &[&str]) -> String {
    BuildContext::open(root, None, None)
        .unwrap()
        .hash_sources(&srcs(sources))
        .unwrap()
        .digest
}

fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.txt", "alpha");
    write(dir.path(), "b.txt", "beta");
    write(dir.path(), "c.md", "gamma");
    write(dir.path(), "src/main.rs", "fn main() {}");
    write(dir.path(), "src/lib/mod.rs", "// lib");
    dir
}

#[test]
fn touching_mtimes_changes_no_digest() {
    let dir = tree();
    let before = digest(dir.path(), &["."]);
    let past = FileTime::from_unix_time(1_000_000, 0);
    for rel in ["a.txt", "src/main.rs", "src", "."] {
        filetime::set_file_mtime(dir.path().join(rel), past).unwrap();
    }
    assert_eq!(digest(dir.path(), &["."]), before);
}

#[test]
fn content_and_mode_changes_reach_only_sources_holding_them() {
    let dir = tree();
    let src = digest(dir.path(), &["src"]);
    let a = digest(dir.path(), &["a.txt"]);
    let all = digest(dir.path(), &["."]);

    write(dir.path(), "src/main.rs", "fn main() { }");
    let src2 = digest(dir.path(), &["src"]);
    assert_ne!(src2, src);
    assert_eq!(digest(dir.path(), &["a.txt"]), a);
    assert_ne!(digest(dir.path(), &["."]), all);

    let main = dir.path().join("src/main.rs");
    std::fs::set_permissions(&main, std::fs::Permissions::from_mode(0o755)).unwrap();
    let src3 = digest(dir.path(), &["src"]);
    assert_ne!(src3, src2);
    assert_eq!(digest(dir.path(), &["a.txt"]), a);
    std::fs::set_permissions(&main, std::fs::Permissions::from_mode(0o4755)).unwrap();
    assert_ne!(digest(dir.path(), &["src"]), src3, "setuid counts");
}

#[test]
fn ignored_files_never_affect_digests() {
    let dir = tree();
    write(
        dir.path(),
        ".dockerignore",
        "# build output\n*.md\nsrc/lib\n",
    );
    let all = digest(dir.path(), &["."]);
    let src = digest(dir.path(), &["src"]);
    write(dir.path(), "c.md", "changed");
    write(dir.path(), "src/lib/mod.rs", "// changed");
    write(dir.path(), "src/lib/new.rs", "new");
    assert_eq!(digest(dir.path(), &["."]), all);
    assert_eq!(digest(dir.path(), &["src"]), src);
    let ctx = BuildContext::open(dir.path(), None, None).unwrap();
    let paths = ctx.selected_paths(&srcs(&["."]), &[]).unwrap();
    assert!(
        !paths
            .iter()
            .any(|p| p.ends_with(".md") || p.contains("lib")),
        "{paths:?}"
    );
    assert!(ctx.is_ignored("src/lib/mod.rs"));
    assert!(!ctx.is_ignored("src/main.rs"));
    // A source that is entirely ignored is not found.
    for source in ["c.md", "src/lib", "src/lib/mod.rs"] {
        match ctx.hash_sources(&srcs(&[source])) {
            Err(ContextError::NotFound { pattern }) => assert_eq!(pattern, source),
            other => panic!("{source}: {other:?}"),
        }
    }
}

#[test]
fn exceptions_re_include() {
    let dir = tree();
    write(dir.path(), "docs/keep.md", "keep");
    write(dir.path(), "docs/drop.md", "drop");
    write(dir.path(), ".dockerignore", "docs\n!docs/keep.md\n");
    let ctx = BuildContext::open(dir.path(), None, None).unwrap();
    let paths = ctx.selected_paths(&srcs(&["docs"]), &[]).unwrap();
    assert_eq!(paths, ["docs", "docs/keep.md"]);
    drop(ctx);
    let docs = digest(dir.path(), &["docs"]);
    write(dir.path(), "docs/drop.md", "other");
    assert_eq!(digest(dir.path(), &["docs"]), docs);
    write(dir.path(), "docs/keep.md", "other");
    assert_ne!(digest(dir.path(), &["docs"]), docs);

    // Wildcard exceptions make the walk enter excluded directories.
    write(dir.path(), ".dockerignore", "*\n!**/*.rs\n");
    let ctx = BuildContext::open(dir.path(), None, None).unwrap();
    let paths = ctx.selected_paths(&srcs(&["."]), &[]).unwrap();
    assert_eq!(
        paths,
        [".", "src", "src/lib", "src/lib/mod.rs", "src/main.rs"]
    );
}

#[test]
fn dockerfile_specific_ignore_file_wins() {
    let dir = tree();
    write(dir.path(), ".dockerignore", "a.txt\n");
    write(dir.path(), "build/app.Dockerfile", "FROM scratch\n");
    write(dir.path(), "build/app.Dockerfile.dockerignore", "b.txt\n");
    let dockerfile = dir.path().join("build/app.Dockerfile");
    let ctx = BuildContext::open(dir.path(), Some(&dockerfile), None).unwrap();
    assert!(ctx.hash_sources(&srcs(&["a.txt"])).is_ok());
    assert!(matches!(
        ctx.hash_sources(&srcs(&["b.txt"])),
        Err(ContextError::NotFound { .. })
    ));
    // Without its own file, the root's applies.
    let other = dir.path().join("Dockerfile");
    let ctx = BuildContext::open(dir.path(), Some(&other), None).unwrap();
    assert!(ctx.hash_sources(&srcs(&["a.txt"])).is_err());
    assert!(ctx.hash_sources(&srcs(&["b.txt"])).is_ok());
}

#[test]
fn wildcards_select_per_component() {
    let dir = tree();
    write(dir.path(), "sub/d.txt", "delta");
    let ctx = BuildContext::open(dir.path(), None, None).unwrap();
    let got = ctx.hash_sources(&srcs(&["*.txt"])).unwrap();
    let names: Vec<&str> = got.paths.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(names, ["a.txt", "b.txt"]);
    assert_eq!(
        got.digest,
        ctx.hash_sources(&srcs(&["a.txt", "b.txt"])).unwrap().digest
    );
    let nested = ctx.hash_sources(&srcs(&["*/*.txt", "s?c/l[i]b"])).unwrap();
    let names: Vec<&str> = nested.paths.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(names, ["sub/d.txt", "src/lib"]);
    // An empty wildcard selects nothing (BuildKit's AllowEmptyWildcard); a plain path must exist.
    assert!(
        ctx.hash_sources(&srcs(&["nomatch*"]))
            .unwrap()
            .paths
            .is_empty()
    );
    assert!(matches!(
        ctx.hash_sources(&srcs(&["missing.txt"])),
        Err(ContextError::NotFound { .. })
    ));
    // `..` and a leading `/` stay inside the context.
    let a = ctx.hash_sources(&srcs(&["a.txt"])).unwrap().digest;
    assert_eq!(ctx.hash_sources(&srcs(&["../../a.txt"])).unwrap().digest, a);
    assert_eq!(ctx.hash_sources(&srcs(&["/a.txt"])).unwrap().digest, a);
    assert_eq!(
        ctx.hash_sources(&srcs(&["./src/../a.txt"])).unwrap().digest,
        a
    );
}

#[test]
fn symlinks_are_hashed_by_target() {
    let dir = tree();
    std::os::unix::fs::symlink("../a.txt", dir.path().join("src/link")).unwrap();
    let src = digest(dir.path(), &["src"]);
    write(dir.path(), "a.txt", "changed through the link target");
    assert_eq!(
        digest(dir.path(), &["src"]),
        src,
        "not followed inside a directory"
    );
    std::fs::remove_file(dir.path().join("src/link")).unwrap();
    std::os::unix::fs::symlink("../b.txt", dir.path().join("src/link")).unwrap();
    assert_ne!(digest(dir.path(), &["src"]), src, "the target text counts");
    // A dangling link is fine inside a directory.
    std::os::unix::fs::symlink("nowhere", dir.path().join("src/dangling")).unwrap();
    assert!(
        BuildContext::open(dir.path(), None, None)
            .unwrap()
            .hash_sources(&srcs(&["src"]))
            .is_ok()
    );
}

#[test]
fn copy_excludes_apply_below_sources() {
    let dir = tree();
    let ctx = BuildContext::open(dir.path(), None, None).unwrap();
    let all = ctx.hash_sources(&srcs(&["src"])).unwrap();
    let without = ctx
        .hash_sources_with(&srcs(&["src"]), &srcs(&["lib"]))
        .unwrap();
    assert_ne!(all.digest, without.digest);
    let paths = ctx
        .selected_paths(&srcs(&["src"]), &srcs(&["lib"]))
        .unwrap();
    assert_eq!(paths, ["src", "src/main.rs"]);
    write(dir.path(), "src/lib/mod.rs", "changed");
    assert_eq!(
        ctx.hash_sources_with(&srcs(&["src"]), &srcs(&["lib"]))
            .unwrap()
            .digest,
        without.digest
    );
}

#[test]
fn hash_cache_is_reused_and_checks_inode_and_ctime() {
    let dir = tree();
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = cache_dir.path().join("hashes.bin");
    // Files changed within the racy window are never cached: let it pass.
    std::thread::sleep(Duration::from_millis(150));

    let ctx = BuildContext::open(dir.path(), None, Some(&cache)).unwrap();
    let first = ctx.hash_sources(&srcs(&["."])).unwrap();
    assert_eq!(ctx.stats().files_hashed, 5);
    ctx.save_hash_cache().unwrap();
    drop(ctx);

    let ctx = BuildContext::open(dir.path(), None, Some(&cache)).unwrap();
    assert_eq!(ctx.hash_sources(&srcs(&["."])).unwrap(), first);
    assert_eq!(ctx.stats().files_hashed, 0);
    assert_eq!(ctx.stats().files_from_cache, 5);
    drop(ctx);

    // Same size, mtime restored, new inode and ctime: must be rehashed.
    let path = dir.path().join("a.txt");
    let mtime = FileTime::from_last_modification_time(&std::fs::metadata(&path).unwrap());
    let tmp = dir.path().join("a.txt.new");
    std::fs::write(&tmp, "ALPHA").unwrap();
    filetime::set_file_mtime(&tmp, mtime).unwrap();
    std::fs::rename(&tmp, &path).unwrap();
    let ctx = BuildContext::open(dir.path(), None, Some(&cache)).unwrap();
    let second = ctx.hash_sources(&srcs(&["."])).unwrap();
    assert_ne!(second.digest, first.digest);
    assert_eq!(ctx.stats().files_hashed, 1);
    drop(ctx);

    // In place (same inode), same size, mtime restored: ctime still moved.
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(&path, "alpha").unwrap();
    filetime::set_file_mtime(&path, mtime).unwrap();
    let ctx = BuildContext::open(dir.path(), None, Some(&cache)).unwrap();
    assert_eq!(
        ctx.hash_sources(&srcs(&["."])).unwrap().digest,
        first.digest
    );
    assert_eq!(ctx.stats().files_hashed, 1);

    // A corrupt cache file is ignored.
    drop(ctx);
    std::fs::write(&cache, b"not a cache").unwrap();
    let ctx = BuildContext::open(dir.path(), None, Some(&cache)).unwrap();
    assert_eq!(
        ctx.hash_sources(&srcs(&["."])).unwrap().digest,
        first.digest
    );
    assert_eq!(ctx.stats().files_hashed, 5);
}

#[test]
fn errors_are_reported_not_panics() {
    let dir = tree();
    write(dir.path(), ".dockerignore", "ok\n\n[bad\n");
    match BuildContext::open(dir.path(), None, None) {
        Err(ContextError::BadIgnorePattern { line, .. }) => assert_eq!(line, 3),
        other => panic!("{other:?}"),
    }
    std::fs::remove_file(dir.path().join(".dockerignore")).unwrap();

    // Non-UTF-8 names are hashed by their bytes.
    use std::os::unix::ffi::OsStrExt;
    let odd = dir
        .path()
        .join(std::ffi::OsStr::from_bytes(b"odd\xff\nname"));
    std::fs::write(&odd, "x").unwrap();
    let ctx = BuildContext::open(dir.path(), None, None).unwrap();
    let all = ctx.hash_sources(&srcs(&["."])).unwrap();
    assert!(ctx.hash_sources(&srcs(&["odd*"])).unwrap().paths.len() == 1);
    std::fs::write(&odd, "y").unwrap();
    assert_ne!(ctx.hash_sources(&srcs(&["."])).unwrap().digest, all.digest);

    // A fifo is hashed without being opened; a socket is skipped.
    let fifo = dir.path().join("pipe");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status();
    if status.is_ok_and(|s| s.success()) {
        assert!(ctx.hash_sources(&srcs(&["."])).is_ok());
    }
    let _socket = std::os::unix::net::UnixListener::bind(dir.path().join("sock")).unwrap();
    assert!(ctx.hash_sources(&srcs(&["."])).is_ok());

    // An unreadable file is an Io error naming it (not when running as root).
    let secret = dir.path().join("secret");
    std::fs::write(&secret, "s").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&secret).is_err() {
        match ctx.hash_sources(&srcs(&["secret"])) {
            Err(ContextError::Io { path, .. }) => assert_eq!(path, ctx.root().join("secret")),
            other => panic!("{other:?}"),
        }
    }
}

/// Times hashing a 10,000-file context, cold and again with the hash cache:
/// `cargo test --release --test tests context_10k -- --ignored --nocapture`.
#[test]
#[ignore]
fn context_10k_timing() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..10_000 {
        write(
            dir.path(),
            &format!("d{}/s{}/f{i}.txt", i % 20, i % 7),
            &format!("file {i} ").repeat(50),
        );
    }
    std::fs::write(dir.path().join(".dockerignore"), ".cache\n").unwrap();
    let cache = dir.path().join(".cache/hashes.bin");
    std::thread::sleep(Duration::from_millis(150));

    let t = Instant::now();
    let ctx = BuildContext::open(dir.path(), None, Some(&cache)).unwrap();
    let first = ctx.hash_sources(&srcs(&["."])).unwrap();
    ctx.save_hash_cache().unwrap();
    let cold = t.elapsed();
    assert_eq!(ctx.stats().files_hashed, 10_001);
    drop(ctx);

    let t = Instant::now();
    let ctx = BuildContext::open(dir.path(), None, Some(&cache)).unwrap();
    let again = ctx.hash_sources(&srcs(&["."])).unwrap();
    let warm = t.elapsed();
    assert_eq!(again, first);
    assert_eq!(ctx.stats().files_hashed, 0);
    println!("10k files: first hash {cold:?}, re-hash with cache {warm:?}");
    assert!(warm < Duration::from_secs(1));
}

/// A Unix socket is an empty regular file, as BuildKit's context transfer sends it: its digest
/// is an empty file's with the same mode, and it never fails the hashing (issue 23).
#[test]
fn a_socket_is_hashed_as_an_empty_file() {
    let with_socket = tempfile::tempdir().unwrap();
    write(with_socket.path(), "d/a.txt", "alpha");
    drop(std::os::unix::net::UnixListener::bind(with_socket.path().join("d/s")).unwrap());
    let with_file = tempfile::tempdir().unwrap();
    write(with_file.path(), "d/a.txt", "alpha");
    write(with_file.path(), "d/s", "");
    for root in [with_socket.path(), with_file.path()] {
        std::fs::set_permissions(root.join("d/s"), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    assert_eq!(
        digest(with_socket.path(), &["d"]),
        digest(with_file.path(), &["d"])
    );
    assert_eq!(
        digest(with_socket.path(), &["d/s"]),
        digest(with_file.path(), &["d/s"])
    );
}
