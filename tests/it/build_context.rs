//! `--build-context NAME=VALUE`: the keys of steps that read a named directory follow its
//! content and nothing else; bad values fail naming the flag. (Whole builds against BuildKit:
//! `differential_build::build_context_*`.)

use std::fs;
use std::path::Path;
use std::process::Output;

fn rbuild(args: &[&str], dir: &Path) -> Output {
    super::support::Rbuild::new(&dir.join(".rbuild-home"))
        .args(args)
        .current_dir(dir)
        .output()
}

/// Stages that each read one thing: the main context, `files/x`, `files/y` (COPY and a bind
/// mount), the whole `files` directory as a base.
const DOCKERFILE: &str = "\
FROM scratch AS main
COPY x /x

FROM scratch AS copy-x
COPY --from=files x /x

FROM scratch AS copy-y
COPY --from=files y /y

FROM scratch AS mount-y
RUN --mount=from=files,source=y,target=/m true

FROM files AS base

FROM scratch
COPY --from=main /x /1
COPY --from=copy-x /x /2
COPY --from=copy-y /y /3
COPY --from=base /x /4
COPY --from=mount-y / /5/
";

/// A work directory with `ctx/` (the main context, which has an `x` too) and `files/`.
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("ctx")).unwrap();
    fs::create_dir_all(dir.path().join("files")).unwrap();
    fs::write(dir.path().join("ctx/Dockerfile"), DOCKERFILE).unwrap();
    fs::write(dir.path().join("ctx/x"), "main x").unwrap();
    fs::write(dir.path().join("files/x"), "named x").unwrap();
    fs::write(dir.path().join("files/y"), "named y").unwrap();
    dir
}

/// The key of each stage, by name, of `rbuild plan` with `files=files`.
fn keys(dir: &Path) -> Vec<(String, String)> {
    let out = rbuild(
        &[
            "plan",
            "--offline",
            "--format",
            "json",
            "--build-context",
            "files=files",
            "ctx",
        ],
        dir,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    plan["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or("last").to_string(),
                s["key"]
                    .as_str()
                    .expect("every stage is needed")
                    .to_string(),
            )
        })
        .collect()
}

/// The names of the stages whose keys differ between `a` and `b`.
fn changed(a: &[(String, String)], b: &[(String, String)]) -> Vec<String> {
    a.iter()
        .zip(b)
        .filter(|(x, y)| x.1 != y.1)
        .map(|(x, _)| x.0.clone())
        .collect()
}

#[test]
fn a_named_directory_keys_the_steps_that_read_it_and_no_other() {
    let dir = setup();
    let before = keys(dir.path());
    assert_eq!(keys(dir.path()), before, "keys are stable");

    fs::write(dir.path().join("files/y"), "named y, edited").unwrap();
    let after_y = keys(dir.path());
    assert_eq!(
        changed(&before, &after_y),
        ["copy-y", "mount-y", "base", "last"]
    );

    fs::write(dir.path().join("files/x"), "named x, edited").unwrap();
    let after_x = keys(dir.path());
    assert_eq!(changed(&after_y, &after_x), ["copy-x", "base", "last"]);

    // The main context's files (its own `x` included) key only what reads the main context.
    fs::write(dir.path().join("ctx/x"), "main x, edited").unwrap();
    fs::write(dir.path().join("ctx/unused"), "new").unwrap();
    let after_main = keys(dir.path());
    assert_eq!(changed(&after_x, &after_main), ["main", "last"]);

    // A file the named directory's own .dockerignore leaves out keys nothing.
    fs::write(dir.path().join("files/.dockerignore"), "ignored\n").unwrap();
    let with_ignore = keys(dir.path());
    fs::write(dir.path().join("files/ignored"), "anything").unwrap();
    assert_eq!(
        changed(&with_ignore, &keys(dir.path())),
        Vec::<String>::new()
    );
}

#[test]
fn an_image_context_replaces_the_name_in_from_and_copy() {
    let dir = setup();
    fs::write(
        dir.path().join("ctx/Dockerfile"),
        "FROM base\nCOPY --from=tools /bin/sh /sh\n",
    )
    .unwrap();
    let digest = format!("sha256:{}", "a".repeat(64));
    let out = rbuild(
        &[
            "plan",
            "--offline",
            "--format",
            "json",
            "--build-context",
            &format!("base=docker-image://alpine@{digest}"),
            "--build-context",
            "tools=docker-image://busybox:1.36",
            "ctx",
        ],
        dir.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let stage = &plan["stages"][0];
    assert_eq!(
        stage["base_image"]["reference"],
        format!("docker.io/library/alpine@{digest}")
    );
    assert_eq!(stage["base_image"]["digest"], digest.as_str());
    assert_eq!(
        stage["steps"][1]["inputs"]["images"][0]["reference"],
        "docker.io/library/busybox:1.36"
    );
}

/// Each bad value fails before anything is built, naming the flag and what is wrong.
#[test]
fn bad_build_context_values_fail_naming_the_flag() {
    let dir = setup();
    let fails = |value: &str, expected: &str| {
        let out = rbuild(
            &["plan", "--offline", "--build-context", value, "ctx"],
            dir.path(),
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{value}: succeeded");
        assert!(stderr.contains("--build-context"), "{value}: {stderr}");
        assert!(stderr.contains(expected), "{value}: {stderr}");
    };
    fails("files", "expected NAME=VALUE");
    fails("=files", "the name is empty");
    fails("files=", "the value is empty");
    fails("files=missing-dir", "no such directory missing-dir");
    fails("files=ctx/Dockerfile", "is not a directory");
    fails("Files=files", "invalid context name");
    fails("img=docker-image://Not A Ref", "invalid reference format");
    fails("img=oci-layout://layout:v1", "layout/index.json");
    fails("img=s3://bucket/key", "unsupported context source s3://");
    fails("img=target:other", "bake target");
}

/// One HTTP/1.0 response of `body` to every connection, on a loopback port (a thread that
/// lives as long as the test binary); the URL of `/name`.
fn serve(name: &str, body: &'static str) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/{name}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let _ = write!(
                conn,
                "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

/// A git URL is its checkout at the ref (no `.git`), an http URL the one file `context`
/// (mode 0600), as BuildKit makes them; both are keyed by their content.
#[test]
fn git_and_http_contexts_are_fetched_files() {
    let daemon = super::add_git::GitDaemon::start();
    super::add_git::make_repo(&daemon);
    let repo = format!("{}#v1", daemon.url("repo.git"));
    let page = serve("notes.txt", "served\n");
    let ctx = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    fs::write(
        ctx.path().join("Dockerfile"),
        "FROM scratch\nCOPY --from=repo / /repo/\nCOPY --from=page context /page\n",
    )
    .unwrap();
    let layout = home.path().join("layout");
    let out = super::support::rbuild_build(
        ctx.path(),
        home.path(),
        &[
            "--build-context",
            &format!("repo={repo}"),
            "--build-context",
            &format!("page={page}"),
            "-o",
            &format!("type=oci,dest={},tar=false", layout.display()),
            "-t",
            "x:v1",
        ],
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bundle = home.path().join("bundle");
    super::support::unpack_layout(&layout, "v1", &bundle);
    let root = bundle.join("rootfs");
    assert_eq!(
        fs::read_to_string(root.join("repo/a.txt")).unwrap(),
        "hello\n"
    );
    assert_eq!(
        fs::read_to_string(root.join("repo/sub/x")).unwrap(),
        "sub\n"
    );
    assert!(!root.join("repo/.git").exists());
    assert_eq!(fs::read_to_string(root.join("page")).unwrap(), "served\n");
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(root.join("page"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o7777, 0o600);
}

/// A FROM naming a `--build-context` names no image: the base-image checks leave it alone.
#[test]
fn checks_do_not_take_a_named_context_for_an_image() {
    let dir = setup();
    fs::write(dir.path().join("ctx/Dockerfile"), "FROM files\nUSER 1000\n").unwrap();
    fs::write(dir.path().join("ctx/.dockerignore"), "x\n").unwrap();
    let check = |extra: &[&str]| {
        let out = rbuild(
            &[&["check", "--offline"], extra, &["ctx"]].concat(),
            dir.path(),
        );
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
    };
    assert!(check(&[]).contains("BaseImageLatest"));
    let named = check(&["--build-context", "files=files"]);
    assert!(!named.contains("BaseImageLatest"), "{named}");
}
