//! `ADD <git repository>[#ref[:dir]] <dest>` against a real `git daemon` on loopback: the files
//! of the commit the ref names (tags peeled, subdirectories, `--keep-git-dir`), with git's modes,
//! owner 0:0 (or `--chown`) and the commit's time; keyed by that commit, so an unchanged ref is
//! `CACHED` and a moved branch misses with the commit change named.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

/// A `git daemon` serving the bare repositories under its directory; killed on drop.
pub(super) struct GitDaemon {
    child: Child,
    base: tempfile::TempDir,
    port: u16,
}

impl GitDaemon {
    pub(super) fn start() -> Self {
        let base = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("git")
            .arg("daemon")
            .arg("--reuseaddr")
            .arg("--export-all")
            .arg(format!("--base-path={}", base.path().display()))
            .arg(format!("--port={port}"))
            .arg("--listen=127.0.0.1")
            .arg(base.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("git daemon (Debian's git package) must be installed");
        let daemon = Self { child, base, port };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return daemon;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("git daemon did not listen on {port}");
    }

    pub(super) fn url(&self, repo: &str) -> String {
        format!("git://127.0.0.1:{}/{repo}", self.port)
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `git ARGS` in `dir` with a fixed identity and dates; stdout.
fn git(dir: &Path, args: &[&str], date: &str) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A work tree committed and pushed to `<daemon>/repo.git`: a file, an executable, a
/// symlink and a subdirectory; `main` and an annotated tag `v1` on its first commit.
pub(super) fn make_repo(daemon: &GitDaemon) -> PathBuf {
    let work = daemon.base.path().join("work");
    fs::create_dir_all(work.join("bin")).unwrap();
    fs::create_dir_all(work.join("sub")).unwrap();
    fs::write(work.join("a.txt"), "hello\n").unwrap();
    fs::write(work.join("bin/run.sh"), "#!/bin/sh\necho run\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(work.join("bin/run.sh"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(work.join("sub/x"), "sub\n").unwrap();
    std::os::unix::fs::symlink("a.txt", work.join("link")).unwrap();
    let date = "2020-01-02T03:04:05Z";
    git(&work, &["init", "-q", "-b", "main"], date);
    git(&work, &["add", "-A"], date);
    git(&work, &["commit", "-q", "-m", "one"], date);
    git(&work, &["tag", "-a", "v1", "-m", "v1"], date);
    bare_clone(&work, &daemon.base.path().join("repo.git"));
    work
}

/// `git clone --bare WORK BARE`: what the daemon serves.
fn bare_clone(work: &Path, bare: &Path) {
    let out = Command::new("git")
        .args(["clone", "-q", "--bare"])
        .arg(work)
        .arg(bare)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn build(ctx: &Path, home: &Path, args: &[&str]) -> std::process::Output {
    super::support::rbuild_build(ctx, home, &[&["--progress", "plain"], args].concat())
        .output()
        .unwrap()
}

fn ok(out: std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "rbuild build failed:\n{stderr}");
    stderr
}

/// Whether the step whose title contains `step` was `CACHED` in `log`.
fn cached(log: &str, step: &str) -> bool {
    let id = log
        .lines()
        .find_map(|l| {
            let (id, title) = l.strip_prefix('#')?.split_once(' ')?;
            (title.starts_with('[') && title.contains(step)).then_some(id)
        })
        .unwrap_or_else(|| panic!("no step {step:?} in:\n{log}"));
    log.lines().any(|l| l == format!("#{id} CACHED"))
}

#[test]
fn add_of_a_git_source_checks_out_the_commit_its_ref_names() {
    let daemon = GitDaemon::start();
    let work = make_repo(&daemon);
    let repo = daemon.url("repo.git");
    let ctx = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    fs::write(
        ctx.path().join("Dockerfile"),
        format!(
            "FROM scratch\n\
             ADD {repo}#v1 /src\n\
             ADD --chown=7:8 {repo}#main:sub /sub/\n\
             ADD --keep-git-dir=true {repo} /withgit\n"
        ),
    )
    .unwrap();
    let layout = home.path().join("layout");
    let first = ok(build(
        ctx.path(),
        home.path(),
        &[
            "-o",
            &format!("type=oci,dest={},tar=false", layout.display()),
            "-t",
            "x:v1",
        ],
    ));
    let bundle = home.path().join("bundle");
    super::support::unpack_layout(&layout, "v1", &bundle);
    let root = bundle.join("rootfs");
    let meta = |p: &str| fs::symlink_metadata(root.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    assert_eq!(
        fs::read_to_string(root.join("src/a.txt")).unwrap(),
        "hello\n"
    );
    assert_eq!(meta("src/bin/run.sh").mode() & 0o7777, 0o755);
    assert_eq!(meta("src/a.txt").mode() & 0o7777, 0o644);
    assert_eq!(
        fs::read_link(root.join("src/link")).unwrap(),
        Path::new("a.txt")
    );
    assert_eq!((meta("src/a.txt").uid(), meta("src/a.txt").gid()), (0, 0));
    // The commit's time, on files and directories alike.
    assert_eq!(meta("src/a.txt").mtime(), 1_577_934_245);
    assert_eq!(meta("src/bin").mtime(), 1_577_934_245);
    assert!(
        !root.join("src/.git").exists(),
        ".git only with --keep-git-dir"
    );
    // `#main:sub`: that directory's files only, owned as --chown says.
    assert_eq!(fs::read_to_string(root.join("sub/x")).unwrap(), "sub\n");
    assert!(!root.join("sub/a.txt").exists());
    assert_eq!((meta("sub/x").uid(), meta("sub/x").gid()), (7, 8));
    assert!(
        root.join("withgit/.git/HEAD").is_file(),
        "--keep-git-dir=true"
    );
    assert!(root.join("withgit/a.txt").is_file());
    assert!(first.lines().all(|l| !l.ends_with(" CACHED")), "{first}");

    // Nothing moved: every step is CACHED (the refs are asked again, nothing is fetched).
    let again = ok(build(ctx.path(), home.path(), &[]));
    for step in ["#v1", "#main:sub", "/withgit"] {
        assert!(cached(&again, step), "{step} CACHED:\n{again}");
    }

    // main moves: its steps miss, naming the commit change; the tag's step stays CACHED.
    let before = git(&work, &["rev-parse", "HEAD"], "2020-01-03T00:00:00Z");
    fs::write(work.join("sub/y"), "new\n").unwrap();
    git(&work, &["add", "-A"], "2020-01-03T00:00:00Z");
    git(
        &work,
        &["commit", "-q", "-m", "two"],
        "2020-01-03T00:00:00Z",
    );
    git(
        &work,
        &[
            "push",
            "-q",
            daemon.base.path().join("repo.git").to_str().unwrap(),
            "main",
        ],
        "2020-01-03T00:00:00Z",
    );
    let moved = ok(build(ctx.path(), home.path(), &[]));
    assert!(cached(&moved, "#v1"), "{moved}");
    assert!(!cached(&moved, "#main:sub"), "{moved}");
    assert!(
        moved.contains(&format!(
            "source {repo}#main:sub changed: commit {} -> commit ",
            &before[..12]
        )),
        "{moved}"
    );
}

#[test]
fn a_git_source_that_cannot_be_resolved_or_copied_is_an_error_at_its_line() {
    let daemon = GitDaemon::start();
    make_repo(&daemon);
    let repo = daemon.url("repo.git");
    let ctx = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let fails = |dockerfile: String, wanted: &[&str]| {
        fs::write(ctx.path().join("Dockerfile"), dockerfile).unwrap();
        let out = build(ctx.path(), home.path(), &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{stderr}");
        for w in wanted {
            assert!(stderr.contains(w), "{w:?} in:\n{stderr}");
        }
        assert!(!stderr.contains("panicked"), "{stderr}");
    };
    fails(
        format!("FROM scratch\n\nADD {repo}#no-such-ref /src\n"),
        &["Dockerfile:3:", "no ref no-such-ref"],
    );
    fails(
        format!("FROM scratch\nADD {repo}#v1:missing/dir /src\n"),
        &["Dockerfile:2:", "no directory missing/dir"],
    );
    fails(
        format!("FROM scratch\nADD {}/nothing.git /src\n", daemon.url("")),
        &["Dockerfile:2:", "git ls-remote"],
    );
    fails(
        format!("FROM scratch\nCOPY {repo} /src\n"),
        &["Dockerfile:2:", "source can't be a git repository for COPY"],
    );
}

/// A smart-HTTP git server (`git http-backend` behind Python's http.server) that answers 401
/// unless the request carries `Authorization: basic base64(x-access-token:<token>)`, as
/// GitHub does for a private repository. Arguments: port, project root, token.
const AUTH_GIT_SERVER: &str = r#"
import base64, http.server, os, subprocess, sys
port, root, token = int(sys.argv[1]), sys.argv[2], sys.argv[3]
wanted = "basic " + base64.b64encode(("x-access-token:" + token).encode()).decode()
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def handle_any(self):
        if self.headers.get("Authorization", "").lower() != wanted.lower():
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        env = dict(os.environ, GIT_PROJECT_ROOT=root, GIT_HTTP_EXPORT_ALL="1",
                   PATH_INFO=path, QUERY_STRING=query, REQUEST_METHOD=self.command,
                   CONTENT_TYPE=self.headers.get("Content-Type", ""),
                   CONTENT_LENGTH=str(len(body)), REMOTE_ADDR="127.0.0.1",
                   GIT_PROTOCOL=self.headers.get("Git-Protocol", ""))
        out = subprocess.run(["git", "http-backend"], input=body, env=env,
                             capture_output=True).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        status = 200
        headers = []
        for line in head.decode().split("\r\n"):
            k, _, v = line.partition(":")
            if k.lower() == "status":
                status = int(v.split()[0])
            elif k:
                headers.append((k, v.strip()))
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
    do_GET = handle_any
    do_POST = handle_any
http.server.ThreadingHTTPServer(("127.0.0.1", port), H).serve_forever()
"#;

#[test]
fn a_private_repository_over_http_takes_the_git_auth_token_secret() {
    let daemon = GitDaemon::start();
    make_repo(&daemon);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let token = "ghs_private_9f2c";
    let mut server = Command::new("python3")
        .args(["-c", AUTH_GIT_SERVER, &port.to_string()])
        .arg(daemon.base.path())
        .arg(token)
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let repo = format!("http://127.0.0.1:{port}/repo.git");
    let ctx = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    fs::write(
        ctx.path().join("Dockerfile"),
        format!("FROM scratch\nADD {repo}#v1 /src\n"),
    )
    .unwrap();
    // Without the secret: the repository answers 401, the build fails at the line.
    let denied = build(ctx.path(), home.path(), &[]);
    let stderr = String::from_utf8_lossy(&denied.stderr);
    assert!(!denied.status.success(), "{stderr}");
    assert!(
        stderr.contains("Dockerfile:2:") && stderr.contains("git ls-remote"),
        "{stderr}"
    );
    // With it: resolved and checked out; the token shows nowhere in the output.
    let layout = home.path().join("layout");
    let out = super::support::rbuild_build(
        ctx.path(),
        home.path(),
        &[
            "--progress",
            "plain",
            "--secret",
            "id=GIT_AUTH_TOKEN.127.0.0.1,env=RBUILD_TEST_GIT_TOKEN",
            "-o",
            &format!("type=oci,dest={},tar=false", layout.display()),
            "-t",
            "x:v1",
        ],
    )
    .env("RBUILD_TEST_GIT_TOKEN", token)
    .output()
    .unwrap();
    let _ = server.kill();
    let _ = server.wait();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{log}");
    assert!(!log.contains(token), "{log}");
    let bundle = home.path().join("bundle");
    super::support::unpack_layout(&layout, "v1", &bundle);
    assert_eq!(
        fs::read_to_string(bundle.join("rootfs/src/a.txt")).unwrap(),
        "hello\n"
    );
}

#[test]
fn a_hostile_submodule_cannot_run_a_transport_outside_the_allow_list() {
    // The runner's git config allows every protocol, and a git remote helper is installed;
    // a hostile repository's .gitmodules names that helper's transport.
    let daemon = GitDaemon::start();
    let tools = tempfile::tempdir().unwrap();
    let marker = tools.path().join("helper-ran");
    let helper = tools.path().join("git-remote-evil");
    fs::write(
        &helper,
        format!("#!/bin/sh\ntouch {}\nexit 1\n", marker.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(&helper, fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(
        tools.path().join(".gitconfig"),
        "[protocol]\n\tallow = always\n",
    )
    .unwrap();

    let work = daemon.base.path().join("hostile");
    fs::create_dir_all(&work).unwrap();
    fs::write(work.join("a.txt"), "a\n").unwrap();
    fs::write(
        work.join(".gitmodules"),
        "[submodule \"s\"]\n\tpath = s\n\turl = evil::payload\n",
    )
    .unwrap();
    let date = "2020-01-02T03:04:05Z";
    git(&work, &["init", "-q", "-b", "main"], date);
    git(&work, &["add", "a.txt", ".gitmodules"], date);
    git(
        &work,
        &[
            "update-index",
            "--add",
            "--cacheinfo",
            "160000,0123456789abcdef0123456789abcdef01234567,s",
        ],
        date,
    );
    git(&work, &["commit", "-q", "-m", "hostile"], date);
    bare_clone(&work, &daemon.base.path().join("hostile.git"));

    let ctx = tempfile::tempdir().unwrap();
    fs::write(
        ctx.path().join("Dockerfile"),
        format!("FROM scratch\nADD {} /src\n", daemon.url("hostile.git")),
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let path = format!(
        "{}:{}",
        tools.path().display(),
        std::env::var("PATH").unwrap()
    );
    let out = super::support::rbuild_build(ctx.path(), home.path(), &[])
        .env("HOME", tools.path())
        .env("PATH", path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !marker.exists(),
        "the submodule's transport helper ran:\n{stderr}"
    );
    assert!(!out.status.success());
    assert!(stderr.contains("line 2"), "{stderr}");
}
