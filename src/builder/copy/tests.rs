//! `copy_entries` and `workdir_entries` end to end, on real directories (run as root: owners
//! and whiteout devices are made by hand).

use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::Path;

use filetime::{FileTime, set_file_mtime};

use super::*;
use crate::image::layer::{EntryKind, FileData};

fn ctx(root: &Path) -> BuildContext {
    BuildContext::open(root, None, None).unwrap()
}

fn req<'a>(from: CopyFrom<'a>, sources: &[&str], dest: &str) -> CopyRequest<'a> {
    CopyRequest {
        line: 7,
        sources: sources.iter().map(|s| s.to_string()).collect(),
        inline: Vec::new(),
        dest: dest.to_string(),
        workdir: "/".to_string(),
        from,
        chown: None,
        chmod: None,
        excludes: Vec::new(),
        parents: false,
        link: false,
        add: None,
    }
}

fn paths_of(entries: &[Entry]) -> Vec<String> {
    entries
        .iter()
        .map(|e| String::from_utf8_lossy(&e.path).into_owned())
        .collect()
}

fn find<'e>(entries: &'e [Entry], path: &str) -> &'e Entry {
    entries
        .iter()
        .find(|e| e.path == path.as_bytes())
        .unwrap_or_else(|| panic!("no {path} in {:?}", paths_of(entries)))
}

/// A context with `app/{main.rs, sub/lib.rs, link -> main.rs}`, `top.txt` (owned 1234),
/// `ignored.log`, `toplink -> app`, and a `.dockerignore` with `*.log`.
fn sample_context(root: &Path) {
    std::fs::create_dir_all(root.join("app/sub")).unwrap();
    std::fs::write(root.join("app/main.rs"), "fn main() {}").unwrap();
    std::fs::write(root.join("app/sub/lib.rs"), "lib").unwrap();
    symlink("main.rs", root.join("app/link")).unwrap();
    std::fs::write(root.join("top.txt"), "top").unwrap();
    std::os::unix::fs::chown(root.join("top.txt"), Some(1234), Some(1234)).unwrap();
    set_file_mtime(root.join("top.txt"), FileTime::from_unix_time(1_000_000, 0)).unwrap();
    std::fs::write(root.join("ignored.log"), "log").unwrap();
    std::fs::write(root.join(".dockerignore"), "*.log\n").unwrap();
    symlink("app", root.join("toplink")).unwrap();
}

/// A lower filesystem with `/tmp` (1777, mtime 5), `/run`, `/var/run -> ../run`,
/// `/srv/data` (a dir), `/file` (a file) and `/etc/passwd` with `app` (1000:1001).
fn sample_lower(root: &Path) -> RootfsView {
    let l = root.join("lower");
    for d in ["tmp", "run", "var", "srv/data", "etc"] {
        std::fs::create_dir_all(l.join(d)).unwrap();
    }
    std::fs::set_permissions(l.join("tmp"), std::fs::Permissions::from_mode(0o1777)).unwrap();
    set_file_mtime(l.join("tmp"), FileTime::from_unix_time(5, 0)).unwrap();
    symlink("../run", l.join("var/run")).unwrap();
    std::fs::write(l.join("file"), "f").unwrap();
    std::fs::write(l.join("etc/passwd"), "app:x:1000:1001::/home/app:/bin/sh\n").unwrap();
    RootfsView::new(vec![l])
}

#[test]
fn a_directory_source_copies_its_contents_and_keeps_inner_symlinks() {
    let dir = tempfile::tempdir().unwrap();
    sample_context(dir.path());
    let c = ctx(dir.path());
    let entries = copy_entries(
        &req(CopyFrom::Context(&c), &["app"], "/dst"),
        &RootfsView::default(),
        dir.path(),
    )
    .unwrap();
    assert_eq!(
        paths_of(&entries),
        [
            "dst",
            "dst/link",
            "dst/main.rs",
            "dst/sub",
            "dst/sub/lib.rs"
        ]
    );
    assert!(
        matches!(&find(&entries, "dst/link").kind, EntryKind::Symlink { target } if target == b"main.rs")
    );
    assert_eq!(find(&entries, "dst").mode, 0o755);
}

#[test]
fn files_are_renamed_or_put_inside_directories() {
    let dir = tempfile::tempdir().unwrap();
    sample_context(dir.path());
    let c = ctx(dir.path());
    let lower = sample_lower(&dir.path().join("img"));
    let copy = |sources: &[&str], dest: &str| {
        paths_of(
            &copy_entries(
                &req(CopyFrom::Context(&c), sources, dest),
                &lower,
                dir.path(),
            )
            .unwrap(),
        )
    };
    assert_eq!(copy(&["top.txt"], "/new"), ["new"]);
    assert_eq!(copy(&["top.txt"], "/new/"), ["new", "new/top.txt"]);
    assert_eq!(
        copy(&["top.txt"], "/srv/data"),
        ["srv", "srv/data", "srv/data/top.txt"]
    );
    // A symlink named as the source is followed; the name is the one written.
    assert_eq!(copy(&["toplink/link"], "/d/"), ["d", "d/link"]);
    // Several files and no trailing slash: BuildKit lets the last one win.
    assert_eq!(copy(&["top.txt", "app/main.rs"], "/x"), ["x"]);
    // A wildcard with one match and no slash renames too (BuildKit's `COPY f*.go foo2.go`).
    assert_eq!(copy(&["t*.txt"], "/renamed"), ["renamed"]);
    assert_eq!(copy(&["nomatch*"], "/x/"), Vec::<String>::new());
}

#[test]
fn context_files_are_root_owned_with_their_modes_and_mtimes() {
    let dir = tempfile::tempdir().unwrap();
    sample_context(dir.path());
    std::fs::set_permissions(
        dir.path().join("top.txt"),
        std::fs::Permissions::from_mode(0o751),
    )
    .unwrap();
    let c = ctx(dir.path());
    let entries = copy_entries(
        &req(CopyFrom::Context(&c), &["top.txt"], "/t"),
        &RootfsView::default(),
        dir.path(),
    )
    .unwrap();
    let e = find(&entries, "t");
    assert_eq!((e.uid, e.gid, e.mode, e.mtime), (0, 0, 0o751, 1_000_000));
    assert!(matches!(
        &e.kind,
        EntryKind::File {
            data: FileData::Disk(_),
            size: 3
        }
    ));
}

#[test]
fn missing_sources_name_the_line_and_path() {
    let dir = tempfile::tempdir().unwrap();
    sample_context(dir.path());
    let c = ctx(dir.path());
    let err = copy_entries(
        &req(CopyFrom::Context(&c), &["nope"], "/"),
        &RootfsView::default(),
        dir.path(),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(
        err,
        "line 7: failed to compute cache key: \"/nope\": not found"
    );
    // .dockerignore hides a file.
    assert!(
        copy_entries(
            &req(CopyFrom::Context(&c), &["ignored.log"], "/"),
            &RootfsView::default(),
            dir.path()
        )
        .is_err()
    );
}

#[test]
fn excludes_leave_paths_out() {
    let dir = tempfile::tempdir().unwrap();
    sample_context(dir.path());
    let c = ctx(dir.path());
    let mut r = req(CopyFrom::Context(&c), &["app"], "/d");
    r.excludes = vec!["sub".to_string()];
    let entries = copy_entries(&r, &RootfsView::default(), dir.path()).unwrap();
    assert_eq!(paths_of(&entries), ["d", "d/link", "d/main.rs"]);
}

#[test]
fn existing_parents_keep_lower_metadata_and_symlinks_are_followed() {
    let dir = tempfile::tempdir().unwrap();
    sample_context(dir.path());
    let c = ctx(dir.path());
    let lower = sample_lower(&dir.path().join("img"));
    let entries = copy_entries(
        &req(CopyFrom::Context(&c), &["top.txt"], "/tmp/x/"),
        &lower,
        dir.path(),
    )
    .unwrap();
    assert_eq!(paths_of(&entries), ["tmp", "tmp/x", "tmp/x/top.txt"]);
    let tmp = find(&entries, "tmp");
    assert_eq!((tmp.mode, tmp.mtime), (0o1777, 5));
    assert_eq!(find(&entries, "tmp/x").mode, 0o755);

    let entries = copy_entries(
        &req(CopyFrom::Context(&c), &["top.txt"], "/var/run/app/"),
        &lower,
        dir.path(),
    )
    .unwrap();
    assert_eq!(paths_of(&entries), ["run", "run/app", "run/app/top.txt"]);

    // --link: no lower, parents made fresh.
    let mut r = req(CopyFrom::Context(&c), &["top.txt"], "/tmp/");
    r.link = true;
    let entries = copy_entries(&r, &lower, dir.path()).unwrap();
    assert_eq!(find(&entries, "tmp").mode, 0o755);
}

#[test]
fn conflicts_with_lower_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    sample_context(dir.path());
    let c = ctx(dir.path());
    let lower = sample_lower(&dir.path().join("img"));
    let err = copy_entries(
        &req(CopyFrom::Context(&c), &["app"], "/file"),
        &lower,
        dir.path(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("non-directory: /file"), "{err}");
    let err = copy_entries(
        &req(CopyFrom::Context(&c), &["top.txt"], "/file/x"),
        &lower,
        dir.path(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("/file"), "{err}");
}

#[test]
fn chown_and_chmod_apply_to_copies_and_created_parents() {
    let dir = tempfile::tempdir().unwrap();
    sample_context(dir.path());
    let c = ctx(dir.path());
    let lower = sample_lower(&dir.path().join("img"));
    let mut r = req(CopyFrom::Context(&c), &["app"], "/opt/app");
    r.chown = Some("app".to_string());
    r.chmod = Some("0750".to_string());
    let entries = copy_entries(&r, &lower, dir.path()).unwrap();
    for e in &entries {
        assert_eq!((e.uid, e.gid), (1000, 1001), "{:?}", e.path);
        if e.path == b"opt" {
            // A parent the copy creates is 0755 whatever --chmod says (BuildKit 0.13).
            assert_eq!(e.mode, 0o755);
        } else if !matches!(e.kind, EntryKind::Symlink { .. }) {
            assert_eq!(e.mode, 0o750, "{:?}", e.path);
        }
    }
    let mut r = req(CopyFrom::Context(&c), &["top.txt"], "/");
    r.chown = Some("ghost".to_string());
    let err = copy_entries(&r, &lower, dir.path())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("ghost") && err.contains("/etc/passwd"),
        "{err}"
    );
}

#[test]
fn heredocs_are_files_with_the_destination_rules() {
    let dir = tempfile::tempdir().unwrap();
    let c = ctx(dir.path());
    let mut r = req(CopyFrom::Context(&c), &[], "/etc/app.conf");
    r.inline = vec![("EOF".to_string(), "a=1\n".to_string())];
    let entries = copy_entries(&r, &RootfsView::default(), dir.path()).unwrap();
    assert_eq!(paths_of(&entries), ["etc", "etc/app.conf"]);
    let f = find(&entries, "etc/app.conf");
    assert_eq!(f.mode, 0o644);
    assert!(matches!(&f.kind, EntryKind::File { data: FileData::Bytes(b), .. } if b == b"a=1\n"));
    r.dest = "/scripts/".to_string();
    let entries = copy_entries(&r, &RootfsView::default(), dir.path()).unwrap();
    assert_eq!(paths_of(&entries), ["scripts", "scripts/EOF"]);
}

#[test]
fn parents_keep_the_source_path() {
    let dir = tempfile::tempdir().unwrap();
    sample_context(dir.path());
    std::fs::set_permissions(
        dir.path().join("app/sub"),
        std::fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    let c = ctx(dir.path());
    let mut r = req(CopyFrom::Context(&c), &["app/sub/lib.rs"], "/dst/");
    r.parents = true;
    let entries = copy_entries(&r, &RootfsView::default(), dir.path()).unwrap();
    assert_eq!(
        paths_of(&entries),
        ["dst", "dst/app", "dst/app/sub", "dst/app/sub/lib.rs"]
    );
    assert_eq!(find(&entries, "dst/app/sub").mode, 0o700);
    r.sources = vec!["app/./sub/lib.rs".to_string()];
    let entries = copy_entries(&r, &RootfsView::default(), dir.path()).unwrap();
    assert_eq!(paths_of(&entries), ["dst", "dst/sub", "dst/sub/lib.rs"]);
}

#[test]
fn add_unpacks_local_archives_and_copy_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let ctx_dir = dir.path().join("ctx");
    std::fs::create_dir(&ctx_dir).unwrap();
    std::fs::write(ctx_dir.join("bundle.dat"), archive::tests::sample_tar()).unwrap();
    let scratch = dir.path().join("scratch");
    std::fs::create_dir(&scratch).unwrap();
    let c = ctx(&ctx_dir);
    let mut r = req(CopyFrom::Context(&c), &["bundle.dat"], "/opt");
    r.add = Some(AddOptions::default());
    let entries = copy_entries(&r, &RootfsView::default(), &scratch).unwrap();
    assert_eq!(paths_of(&entries), ["opt", "opt/dir", "opt/dir/f", "opt/l"]);
    let f = find(&entries, "opt/dir/f");
    assert_eq!((f.uid, f.gid, f.mode, f.mtime), (7, 8, 0o640, 2000));
    r.add = Some(AddOptions {
        checksum: None,
        unpack: Some(false),
        prefetched: None,
        keep_git_dir: false,
    });
    let entries = copy_entries(&r, &RootfsView::default(), &scratch).unwrap();
    assert_eq!(paths_of(&entries), ["opt"]);
    r.add = None;
    let entries = copy_entries(&r, &RootfsView::default(), &scratch).unwrap();
    assert_eq!(paths_of(&entries), ["opt"]);
}

#[test]
fn add_downloads_urls() {
    let base = url::tests::serve(b"remote bytes".to_vec());
    let dir = tempfile::tempdir().unwrap();
    let c = ctx(dir.path());
    let source = format!("{base}/files/tool.sh");
    let mut r = req(CopyFrom::Context(&c), &[&source], "/usr/bin/");
    r.add = Some(AddOptions::default());
    let entries = copy_entries(&r, &RootfsView::default(), dir.path()).unwrap();
    assert_eq!(paths_of(&entries), ["usr", "usr/bin", "usr/bin/tool.sh"]);
    let f = find(&entries, "usr/bin/tool.sh");
    assert_eq!(f.mode, 0o600);
    assert!(matches!(&f.kind, EntryKind::File { size: 12, .. }));
    r.add = Some(AddOptions {
        checksum: Some(format!("sha256:{}", "1".repeat(64))),
        unpack: None,
        prefetched: None,
        keep_git_dir: false,
    });
    let err = copy_entries(&r, &RootfsView::default(), dir.path())
        .unwrap_err()
        .to_string();
    assert!(err.contains("checksum mismatch"), "{err}");
    r.add = None;
    assert!(copy_entries(&r, &RootfsView::default(), dir.path()).is_err());
    let mut r = req(
        CopyFrom::Context(&c),
        &["git://127.0.0.1:1/o/r.git#main"],
        "/src",
    );
    // A git source whose remote does not answer (loopback, a closed port): the line and git's
    // failure, nothing panics.
    r.add = Some(AddOptions::default());
    let err = copy_entries(&r, &RootfsView::default(), dir.path())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 7") && err.contains("git ls-remote git://127.0.0.1:1/o/r.git"),
        "{err}"
    );
}

#[test]
fn from_a_stage_owners_are_kept_and_whiteouts_respected() {
    let dir = tempfile::tempdir().unwrap();
    let view = rootfs::tests::two_layers(dir.path());
    std::os::unix::fs::chown(dir.path().join("upper/a/z"), Some(42), Some(43)).unwrap();
    let entries = copy_entries(
        &req(CopyFrom::Rootfs(&view), &["/link"], "/out"),
        &RootfsView::default(),
        dir.path(),
    )
    .unwrap();
    assert_eq!(paths_of(&entries), ["out", "out/x", "out/z"]);
    let z = find(&entries, "out/z");
    assert_eq!((z.uid, z.gid), (42, 43));
    let err = copy_entries(
        &req(CopyFrom::Rootfs(&view), &["a/y"], "/out"),
        &RootfsView::default(),
        dir.path(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("not found"), "{err}");
}

#[test]
fn hard_links_stay_hard_links() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("d")).unwrap();
    std::fs::write(dir.path().join("d/a"), "same").unwrap();
    std::fs::hard_link(dir.path().join("d/a"), dir.path().join("d/b")).unwrap();
    let c = ctx(dir.path());
    let entries = copy_entries(
        &req(CopyFrom::Context(&c), &["d"], "/d"),
        &RootfsView::default(),
        dir.path(),
    )
    .unwrap();
    assert!(
        matches!(&find(&entries, "d/b").kind, EntryKind::HardLink { target } if target == b"d/a")
    );
    assert!(std::fs::metadata(dir.path().join("d/a")).unwrap().nlink() == 2);
}

#[test]
fn workdir_makes_missing_directories_only() {
    let dir = tempfile::tempdir().unwrap();
    let lower = sample_lower(dir.path());
    assert!(workdir_entries("/tmp", &lower, None).unwrap().is_empty());
    assert!(
        workdir_entries("/var/run", &lower, None)
            .unwrap()
            .is_empty()
    );
    let entries = workdir_entries("/tmp/a/b", &lower, Some((5, 6))).unwrap();
    assert_eq!(paths_of(&entries), ["tmp", "tmp/a", "tmp/a/b"]);
    assert_eq!(find(&entries, "tmp").mode, 0o1777);
    let b = find(&entries, "tmp/a/b");
    assert_eq!((b.mode, b.uid, b.gid), (0o755, 5, 6));
    assert!(workdir_entries("/file", &lower, None).is_err());
}
