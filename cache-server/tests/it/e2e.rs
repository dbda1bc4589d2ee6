//! End to end: the `rbuild-cache-server` BINARY, started with `--listen --data-dir --config FILE`
//! and a YAML file of tokens, driven by real clients: skopeo (`--src-creds`/`--dest-creds`, the
//! containers/image token flow), Docker 26 (`docker login` + `docker push`), the official
//! `@actions/cache` (cache service v2) with token secrets as runtime tokens, and raw HTTP for
//! `/stats` and `/scopes/v1/resolve`. Config errors are checked on the binary's exit status and
//! message.
//!
//! A test whose peer is missing (skopeo, the lab registry, Docker, npm) is skipped with a
//! message, unless `RBUILD_REQUIRE_DIFFERENTIAL=1`, where it fails.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;

use base64::Engine as _;
use serde_json::Value;

/// Tokens of every test: a writer (secret from the environment), a reader, a fork of `proj`
/// that reads every scope and writes only `pr-*`, and the Actions cache tokens of a `main` job
/// and of a fork's `pr-7` job.
const TOKENS: &str = r#"
tokens:
  - name: writer
    secret_env: E2E_WRITER_SECRET
    grants:
      - repositories: ["**"]
        access: write
  - name: reader
    secret: reader-secret
    grants:
      - repositories: ["**"]
  - name: fork
    secret: fork-secret
    grants:
      - repositories: ["proj/**"]
      - repositories: ["proj/*"]
        access: write
        scopes: ["pr-*"]
  - name: gha-main
    secret: gha-main-secret
    grants:
      - { repositories: ["_gha/main"], access: write }
  - name: gha-fork
    secret: gha-fork-secret
    grants:
      - { repositories: ["_gha/pr-7"], access: write }
      - { repositories: ["_gha/main"], access: read }
"#;

/// The writer's secret, passed to the binary through `E2E_WRITER_SECRET` (`secret_env`).
const WRITER_SECRET: &str = "writer-secret-from-env";

/// Skips (returns `false`) with a message when a peer is missing, or fails under
/// `RBUILD_REQUIRE_DIFFERENTIAL=1`.
fn peer_missing(test: &str, why: &str) -> bool {
    assert!(
        std::env::var("RBUILD_REQUIRE_DIFFERENTIAL").as_deref() != Ok("1"),
        "RBUILD_REQUIRE_DIFFERENTIAL=1 but {test} cannot run: {why}"
    );
    eprintln!("SKIP {test}: {why}");
    false
}

/// `true` when skopeo runs and the lab registry answers (scripts/peers.sh); else skips.
async fn have_skopeo_and_registry(test: &str) -> bool {
    if Command::new("skopeo").arg("--version").output().is_err() {
        return peer_missing(test, "skopeo is not on PATH");
    }
    let probe = reqwest::get(format!("http://{}/v2/", registry())).await;
    if probe.is_err() {
        return peer_missing(
            test,
            &format!(
                "the lab registry {} does not answer (scripts/peers.sh start)",
                registry()
            ),
        );
    }
    true
}

/// The lab registry (scripts/peers.sh).
fn registry() -> String {
    std::env::var("RBUILD_TEST_REGISTRY").unwrap_or_else(|_| "127.0.0.1:5000".into())
}

/// The lab registry's busybox, as a skopeo reference.
fn busybox() -> String {
    format!("docker://{}/library/busybox:latest", registry())
}

/// The server binary on a free loopback port, with a config file; killed and reaped on drop.
struct Binary {
    child: Child,
    /// `127.0.0.1:<port>`.
    addr: String,
    dir: tempfile::TempDir,
}

impl Binary {
    /// Writes `config` to a file, starts the binary with it (and `E2E_WRITER_SECRET` in its
    /// environment) and waits for `/healthz`.
    async fn start(config: &str) -> Binary {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.yaml");
        std::fs::write(&path, config).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_rbuild-cache-server"))
            .args(["--listen", &addr, "--data-dir"])
            .arg(dir.path().join("data"))
            .arg("--config")
            .arg(&path)
            .env("E2E_WRITER_SECRET", WRITER_SECRET)
            .env_remove("RBUILD_CACHE_CONFIG")
            .env_remove("RBUILD_CACHE_ANONYMOUS_READ")
            .env_remove("RBUILD_CACHE_TOKEN_KEY")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut binary = Binary { child, addr, dir };
        for _ in 0..200 {
            if let Ok(Some(status)) = binary.child.try_wait() {
                panic!("the server exited with {status}:\n{}", binary.log());
            }
            let health = reqwest::get(binary.url("/healthz")).await;
            if health.is_ok_and(|r| r.status().is_success()) {
                return binary;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "the server did not come up on {}:\n{}",
            binary.addr,
            binary.log()
        );
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// What the server logged so far (for failure messages).
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// `/stats` (it needs credentials: the writer's secret as a bearer).
    async fn stats(&self) -> Value {
        let response = reqwest::Client::new()
            .get(self.url("/stats"))
            .bearer_auth(WRITER_SECRET)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{response:?}");
        response.json().await.unwrap()
    }

    /// A scratch directory inside the test's temporary directory.
    fn scratch(&self, name: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(&path).unwrap();
        path
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs skopeo (plain HTTP both ways, no signature policy surprises) and returns its output.
fn skopeo(args: &[&str]) -> Output {
    Command::new("skopeo")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// `skopeo copy` with optional `--src-creds` / `--dest-creds`.
fn copy(from: &str, to: &str, src_creds: Option<&str>, dest_creds: Option<&str>) -> Output {
    let mut args = vec![
        "copy".to_string(),
        "--src-tls-verify=false".into(),
        "--dest-tls-verify=false".into(),
    ];
    if let Some(creds) = src_creds {
        args.push(format!("--src-creds={creds}"));
    }
    if let Some(creds) = dest_creds {
        args.push(format!("--dest-creds={creds}"));
    }
    args.push(from.into());
    args.push(to.into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    skopeo(&args)
}

fn assert_ok(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what} failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Asserts `out` failed with an authorization error (401/403, `denied`, `unauthorized`).
fn assert_denied(what: &str, out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(
        !out.status.success(),
        "{what} succeeded but must be refused: {stderr}"
    );
    assert!(
        [
            "denied",
            "unauthorized",
            "authentication required",
            "403",
            "401"
        ]
        .iter()
        .any(|word| stderr.contains(word)),
        "{what} failed, but not with an authorization error: {stderr}"
    );
}

/// Tags of `repository`, read with the writer's secret.
async fn tags(server: &Binary, repository: &str) -> Value {
    let response = reqwest::Client::new()
        .get(server.url(&format!("/v2/{repository}/tags/list")))
        .bearer_auth(WRITER_SECRET)
        .send()
        .await
        .unwrap();
    response.json::<Value>().await.unwrap()["tags"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_read_only_token_cannot_push_and_write_token_can() {
    if !have_skopeo_and_registry("e2e_read_only_token_cannot_push_and_write_token_can").await {
        return;
    }
    let server = Binary::start(TOKENS).await;
    let before = server.stats().await;
    let dest = format!("docker://{}/e2e/busybox:ro", server.addr);
    let out = copy(&busybox(), &dest, None, Some("reader:reader-secret"));
    assert_denied("skopeo copy with the read-only token", &out);
    let after = server.stats().await;
    assert_eq!(before, after, "a refused push stored something");
    assert_eq!(after["blobs"], 0, "{after}");

    // A wrong secret is refused as well.
    let out = copy(&busybox(), &dest, None, Some("writer:not-the-secret"));
    assert_denied("skopeo copy with a wrong secret", &out);
    assert_eq!(server.stats().await, before);

    let out = copy(
        &busybox(),
        &dest,
        None,
        Some(&format!("writer:{WRITER_SECRET}")),
    );
    assert_ok("skopeo copy with the write token", &out);
    let stored = server.stats().await;
    assert_eq!(stored["repositories"], 1, "{stored}");
    assert!(stored["blobs"].as_u64().unwrap() >= 3, "{stored}");
    assert_eq!(
        tags(&server, "e2e/busybox").await,
        serde_json::json!(["ro"])
    );

    // The read-only token pulls what the writer pushed.
    let out_dir = server.scratch("pulled");
    let out = copy(
        &dest,
        &format!("dir:{}", out_dir.display()),
        Some("reader:reader-secret"),
        None,
    );
    assert_ok("skopeo copy out with the read-only token", &out);
    assert!(out_dir.join("manifest.json").exists());
}

/// The lab's Docker 26 (scripts/buildkit.sh): the docker binary and its daemon's socket.
fn docker_env() -> Result<(String, String), String> {
    let var = |name: &str| {
        std::env::var(name)
            .map_err(|_| format!("{name} is not set (eval \"$(scripts/buildkit.sh env)\")"))
    };
    Ok((
        var("RBUILD_TEST_DOCKER")?,
        var("RBUILD_TEST_BUILDKIT_HOST")?,
    ))
}

/// Runs `docker args..` with `config` as DOCKER_CONFIG and `stdin` written to its input.
fn docker(bin: &str, host: &str, config: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(bin)
        .args(args)
        .env("DOCKER_HOST", host)
        .env("DOCKER_CONFIG", config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_docker_login_and_push_with_write_and_read_only_tokens() {
    let test = "e2e_docker_login_and_push_with_write_and_read_only_tokens";
    let (bin, host) = match docker_env() {
        Ok(env) => env,
        Err(why) => {
            peer_missing(test, &why);
            return;
        }
    };
    let server = Binary::start(TOKENS).await;
    let writer_config = server.scratch("docker-writer");
    let reader_config = server.scratch("docker-reader");
    let lab = format!("{}/library/busybox:latest", registry());
    let pull = docker(&bin, &host, &writer_config, &["pull", "-q", &lab], "");
    assert_ok("docker pull from the lab registry", &pull);
    // The daemon is shared: a tag per server port keeps parallel tests apart.
    let ours = format!("{}/e2e/docker:pushed", server.addr);
    assert_ok(
        "docker tag",
        &docker(&bin, &host, &writer_config, &["tag", &lab, &ours], ""),
    );

    let login = |config: &Path, user: &str, secret: &str| {
        docker(
            &bin,
            &host,
            config,
            &["login", "-u", user, "--password-stdin", &server.addr],
            secret,
        )
    };
    let out = login(&reader_config, "reader", "reader-secret");
    assert_ok("docker login with the read-only token", &out);
    let out = docker(&bin, &host, &reader_config, &["push", "-q", &ours], "");
    assert_denied("docker push with the read-only token", &out);
    assert_eq!(server.stats().await["repositories"], 0);

    let out = login(&writer_config, "writer", "wrong");
    assert!(!out.status.success(), "docker login with a wrong secret");
    let out = login(&writer_config, "writer", WRITER_SECRET);
    assert_ok("docker login with the write token", &out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Login Succeeded"));
    let out = docker(&bin, &host, &writer_config, &["push", "-q", &ours], "");
    let _ = docker(&bin, &host, &writer_config, &["rmi", &ours], "");
    assert_ok("docker push with the write token", &out);
    assert_eq!(
        tags(&server, "e2e/docker").await,
        serde_json::json!(["pushed"])
    );
    assert_eq!(server.stats().await["repositories"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_buildkit_registry_cache_with_write_and_fork_tokens() {
    let test = "e2e_buildkit_registry_cache_with_write_and_fork_tokens";
    let (bin, host, plugins) = match (docker_env(), std::env::var("RBUILD_TEST_DOCKER_CONFIG")) {
        (Ok((bin, host)), Ok(config)) => (bin, host, Path::new(&config).join("cli-plugins")),
        (Err(why), _) => {
            peer_missing(test, &why);
            return;
        }
        (_, Err(_)) => {
            peer_missing(test, "RBUILD_TEST_DOCKER_CONFIG is not set");
            return;
        }
    };
    let server = Binary::start(TOKENS).await;
    // One DOCKER_CONFIG per identity, each with the lab's buildx plugin and its own login.
    let config = |name: &str, user: &str, secret: &str| {
        let dir = server.scratch(name);
        std::os::unix::fs::symlink(&plugins, dir.join("cli-plugins")).unwrap();
        let out = docker(
            &bin,
            &host,
            &dir,
            &["login", "-u", user, "--password-stdin", &server.addr],
            secret,
        );
        assert_ok(&format!("docker login as {user}"), &out);
        dir
    };
    let writer = config("buildx-writer", "writer", WRITER_SECRET);
    let fork = config("buildx-fork", "fork", "fork-secret");
    let context = server.scratch("context");
    let marker = server.addr.replace([':', '.'], "-");
    std::fs::write(
        context.join("Dockerfile"),
        format!(
            "FROM {}/library/busybox:latest\nRUN echo {marker} > /marker\n",
            registry()
        ),
    )
    .unwrap();
    let context = context.to_string_lossy().into_owned();
    let build = |config: &Path, cache: &[String]| {
        let mut args = vec![
            "buildx".to_string(),
            "build".into(),
            "--progress=plain".into(),
            "--output=type=cacheonly".into(),
        ];
        args.extend(cache.iter().cloned());
        args.push(context.clone());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        docker(&bin, &host, config, &args, "")
    };
    let main = format!("{}/proj/main", server.addr);
    let pr = format!("{}/proj/pr-7", server.addr);
    let to = |r: &str| format!("--cache-to=type=registry,ref={r},mode=max,registry.insecure=true");
    let from = |r: &str| format!("--cache-from=type=registry,ref={r},registry.insecure=true");

    let out = build(&writer, &[to(&main)]);
    assert_ok("buildx build --cache-to proj/main as the writer", &out);
    let main_tags = tags(&server, "proj/main").await;
    assert_eq!(main_tags, serde_json::json!(["latest"]));

    // The fork imports main's cache and exports its own to pr-7.
    let out = build(&fork, &[from(&main), to(&pr)]);
    assert_ok(
        "buildx build --cache-from main --cache-to pr-7 as the fork",
        &out,
    );
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains(&format!("importing cache manifest from {main}")),
        "{log}"
    );
    assert!(!log.contains("ERROR"), "{log}");
    assert_eq!(
        tags(&server, "proj/pr-7").await,
        serde_json::json!(["latest"])
    );

    // ... and cannot export to main.
    let before = server.stats().await;
    let out = build(&fork, &[to(&main)]);
    assert_denied("buildx build --cache-to proj/main as the fork", &out);
    assert_eq!(tags(&server, "proj/main").await, main_tags);
    assert_eq!(server.stats().await["repositories"], before["repositories"]);
}

/// `GET /scopes/v1/resolve` for `proj` / `cache` along `pr-7 -> main`, as `fork`.
async fn resolve(server: &Binary) -> (reqwest::StatusCode, Value) {
    let response = reqwest::Client::new()
        .get(server.url("/scopes/v1/resolve?project=proj&reference=cache&scope=pr-7&scope=main"))
        .basic_auth("fork", Some("fork-secret"))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_fork_token_reads_main_writes_only_its_pull_request_scope() {
    let test = "e2e_fork_token_reads_main_writes_only_its_pull_request_scope";
    if !have_skopeo_and_registry(test).await {
        return;
    }
    let server = Binary::start(TOKENS).await;
    let main = format!("docker://{}/proj/main:cache", server.addr);
    let pr = format!("docker://{}/proj/pr-7:cache", server.addr);
    let fork = Some("fork:fork-secret");

    // Nothing anywhere yet.
    let (status, body) = resolve(&server).await;
    assert_eq!(status, reqwest::StatusCode::NOT_FOUND, "{body}");

    let out = copy(
        &busybox(),
        &main,
        None,
        Some(&format!("writer:{WRITER_SECRET}")),
    );
    assert_ok("skopeo copy into proj/main with the write token", &out);
    let main_tags = tags(&server, "proj/main").await;

    // The fork reads main.
    let out_dir = server.scratch("fork-pulled");
    let out = copy(&main, &format!("dir:{}", out_dir.display()), fork, None);
    assert_ok("skopeo copy out of proj/main with the fork token", &out);

    // ... but never writes it: a push of another image under another tag is refused.
    let before = server.stats().await;
    let out = copy(
        &format!("dir:{}", out_dir.display()),
        &format!("docker://{}/proj/main:fork", server.addr),
        None,
        fork,
    );
    assert_denied("skopeo copy into proj/main with the fork token", &out);
    assert_eq!(tags(&server, "proj/main").await, main_tags);
    assert_eq!(server.stats().await, before);

    // The chain finds main's tag while pr-7 has none.
    let (status, body) = resolve(&server).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    assert_eq!(body["repository"], "proj/main", "{body}");
    assert_eq!(body["scope"], "main", "{body}");
    assert_eq!(body["skipped"], serde_json::json!([]), "{body}");
    let main_digest = body["digest"].as_str().unwrap().to_string();

    // The fork writes its pull request's scope.
    let out = copy(&format!("dir:{}", out_dir.display()), &pr, None, fork);
    assert_ok("skopeo copy into proj/pr-7 with the fork token", &out);
    assert_eq!(
        tags(&server, "proj/pr-7").await,
        serde_json::json!(["cache"])
    );
    let (status, body) = resolve(&server).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    assert_eq!(body["repository"], "proj/pr-7", "{body}");
    assert_eq!(body["scope"], "pr-7", "{body}");
    assert!(body["digest"].as_str().unwrap().starts_with("sha256:"));
    // skopeo copied the same image: the dir: round trip keeps the manifest bytes.
    assert_eq!(body["digest"], main_digest.as_str(), "{body}");

    // Registry to registry: one token that pulls main and pushes pr-7 (skopeo asks `/token`
    // for both scopes and may mount main's blobs into pr-7 instead of uploading them).
    let stored = server.stats().await["stored_bytes"].clone();
    let out = copy(
        &main,
        &format!("docker://{}/proj/pr-7:direct", server.addr),
        fork,
        fork,
    );
    assert_ok(
        "skopeo copy proj/main -> proj/pr-7 with the fork token",
        &out,
    );
    assert_eq!(
        tags(&server, "proj/pr-7").await,
        serde_json::json!(["cache", "direct"])
    );
    assert_eq!(server.stats().await["stored_bytes"], stored, "stored twice");
    // ... and the other way round is refused.
    let out = copy(
        &pr,
        &format!("docker://{}/proj/main:from-fork", server.addr),
        fork,
        fork,
    );
    assert_denied(
        "skopeo copy proj/pr-7 -> proj/main with the fork token",
        &out,
    );
    assert_eq!(tags(&server, "proj/main").await, main_tags);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_docker_pulls_anonymously_but_pushes_only_after_login() {
    let test = "e2e_docker_pulls_anonymously_but_pushes_only_after_login";
    let (bin, host) = match docker_env() {
        Ok(env) => env,
        Err(why) => {
            peer_missing(test, &why);
            return;
        }
    };
    let server = Binary::start(&format!("anonymous_read: true\n{TOKENS}")).await;
    let config = server.scratch("docker-anonymous");
    let lab = format!("{}/library/busybox:latest", registry());
    assert_ok(
        "docker pull from the lab registry",
        &docker(&bin, &host, &config, &["pull", "-q", &lab], ""),
    );
    let ours = format!("{}/e2e/anonymous:x", server.addr);
    assert_ok(
        "docker tag",
        &docker(&bin, &host, &config, &["tag", &lab, &ours], ""),
    );
    let out = docker(&bin, &host, &config, &["push", "-q", &ours], "");
    assert_denied("docker push without credentials", &out);
    assert_eq!(server.stats().await["blobs"], 0);

    let writer = server.scratch("docker-anonymous-writer");
    // Anonymous read does not make a wrong secret log in.
    let out = docker(
        &bin,
        &host,
        &writer,
        &["login", "-u", "writer", "--password-stdin", &server.addr],
        "wrong",
    );
    assert!(
        !out.status.success(),
        "docker login with a wrong secret succeeded on an anonymous-read server"
    );
    let out = docker(
        &bin,
        &host,
        &writer,
        &["login", "-u", "writer", "--password-stdin", &server.addr],
        WRITER_SECRET,
    );
    assert_ok("docker login with the write token", &out);
    let out = docker(&bin, &host, &writer, &["push", "-q", &ours], "");
    assert_ok("docker push with the write token", &out);

    // Without any login, the daemon follows the challenge to an anonymous pull token.
    assert_ok(
        "docker rmi",
        &docker(&bin, &host, &config, &["rmi", &ours], ""),
    );
    let out = docker(&bin, &host, &config, &["pull", "-q", &ours], "");
    let _ = docker(&bin, &host, &config, &["rmi", &ours], "");
    assert_ok("docker pull without credentials", &out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_anonymous_read_pulls_but_never_pushes() {
    if !have_skopeo_and_registry("e2e_anonymous_read_pulls_but_never_pushes").await {
        return;
    }
    let server = Binary::start(&format!("anonymous_read: true\n{TOKENS}")).await;
    let image = format!("docker://{}/proj/main:cache", server.addr);
    let out = copy(&busybox(), &image, None, None);
    assert_denied("skopeo copy in without credentials", &out);
    assert_eq!(server.stats().await["blobs"], 0);
    let out = copy(
        &busybox(),
        &image,
        None,
        Some(&format!("writer:{WRITER_SECRET}")),
    );
    assert_ok("skopeo copy in with the write token", &out);

    let out_dir = server.scratch("anonymous-pulled");
    let out = copy(&image, &format!("dir:{}", out_dir.display()), None, None);
    assert_ok("skopeo copy out without credentials", &out);
    assert!(out_dir.join("manifest.json").exists());
    let before = server.stats().await;
    let out = copy(
        &format!("dir:{}", out_dir.display()),
        &format!("docker://{}/anon/new:x", server.addr),
        None,
        None,
    );
    assert_denied("skopeo copy in (new repository) without credentials", &out);
    assert_eq!(server.stats().await, before);
}

/// `node_modules` with the pinned `@actions/cache` (tests/node), installed once per target
/// directory with `npm ci` (the pattern of tests/it/gha.rs, in a directory of its own so the two
/// modules never install into the same place at once); `None` after a skip message when npm is
/// missing.
fn node_dir() -> Option<PathBuf> {
    static DIR: Mutex<Option<PathBuf>> = Mutex::new(None);
    let mut guard = DIR.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(dir) = guard.as_ref() {
        return Some(dir.clone());
    }
    if Command::new("npm").arg("--version").output().is_err() {
        peer_missing("e2e Actions cache test", "npm is not on PATH");
        return None;
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node");
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-node");
    std::fs::create_dir_all(&dir).unwrap();
    let lock = std::fs::read(src.join("package-lock.json")).unwrap();
    let installed = std::fs::read(dir.join("installed-lock.json")).ok();
    if installed.as_deref() != Some(lock.as_slice()) || !dir.join("node_modules").exists() {
        for file in ["package.json", "package-lock.json"] {
            std::fs::copy(src.join(file), dir.join(file)).unwrap();
        }
        let out = Command::new("npm")
            .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert_ok("npm ci", &out);
        std::fs::write(dir.join("installed-lock.json"), &lock).unwrap();
    }
    std::fs::copy(src.join("gha.js"), dir.join("gha.js")).unwrap();
    *guard = Some(dir.clone());
    Some(dir)
}

/// Runs `gha.js args..` in `workspace` with `token` as the runtime token; its `RESULT` JSON.
fn node(server: &Binary, node_dir: &Path, token: &str, workspace: &Path, args: &[&str]) -> Value {
    let out = Command::new("node")
        .arg(node_dir.join("gha.js"))
        .args(args)
        .current_dir(workspace)
        .env("NODE_PATH", node_dir.join("node_modules"))
        .env("ACTIONS_RESULTS_URL", format!("http://{}/", server.addr))
        .env("ACTIONS_CACHE_SERVICE_V2", "true")
        .env("ACTIONS_RUNTIME_TOKEN", token)
        .env("RUNNER_TEMP", server.scratch("runner-temp"))
        .env("GITHUB_WORKSPACE", workspace)
        .env_remove("ACTIONS_CACHE_URL")
        .output()
        .unwrap();
    assert_ok(&format!("gha.js {args:?}"), &out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .unwrap_or_else(|| panic!("gha.js {args:?} printed no result:\n{stdout}"));
    serde_json::from_str(line).unwrap()
}

/// A workspace `name` with `data/a.txt` saying `content`.
fn workspace(server: &Binary, name: &str, content: &str) -> PathBuf {
    let ws = server.scratch(name);
    std::fs::create_dir_all(ws.join("data")).unwrap();
    std::fs::write(ws.join("data/a.txt"), content).unwrap();
    ws
}

fn restored(ws: &Path) -> Option<String> {
    std::fs::read_to_string(ws.join("data/a.txt")).ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_actions_cache_scopes_come_from_the_configured_tokens() {
    let Some(nd) = node_dir() else { return };
    let server = Binary::start(TOKENS).await;
    let main = "gha-main-secret";
    let fork = "gha-fork-secret";

    let src = workspace(&server, "main-src", "saved by main\n");
    let saved = node(
        &server,
        &nd,
        main,
        &src,
        &["save", "deps-linux-abc", "data"],
    );
    assert!(
        saved["id"].as_i64().unwrap() > 0,
        "main's save failed: {saved}"
    );

    // The fork restores main's entry through a restore-key prefix.
    let ws = server.scratch("fork-restores-main");
    let got = node(
        &server,
        &nd,
        fork,
        &ws,
        &["restore", "deps-linux-xyz", "deps-linux-", "data"],
    );
    assert_eq!(got["key"], "deps-linux-abc", "{got}");
    assert_eq!(restored(&ws).as_deref(), Some("saved by main\n"));

    // Its own save goes to pr-7: the fork finds it, main does not.
    let fork_src = workspace(&server, "fork-src", "saved by the fork\n");
    let saved = node(
        &server,
        &nd,
        fork,
        &fork_src,
        &["save", "fork-only", "data"],
    );
    assert!(
        saved["id"].as_i64().unwrap() > 0,
        "the fork's save failed: {saved}"
    );
    let ws = server.scratch("main-misses-fork");
    let got = node(
        &server,
        &nd,
        main,
        &ws,
        &["restore", "fork-only", "-", "data"],
    );
    assert_eq!(got["key"], Value::Null, "{got}");
    assert_eq!(restored(&ws), None);
    let ws = server.scratch("fork-own");
    let got = node(
        &server,
        &nd,
        fork,
        &ws,
        &["restore", "fork-only", "-", "data"],
    );
    assert_eq!(got["key"], "fork-only", "{got}");
    assert_eq!(restored(&ws).as_deref(), Some("saved by the fork\n"));

    // The fork's save of main's key lands in pr-7 and leaves main's entry alone.
    let clash = workspace(&server, "fork-clash", "fork's deps\n");
    let saved = node(
        &server,
        &nd,
        fork,
        &clash,
        &["save", "deps-linux-abc", "data"],
    );
    assert!(saved["id"].as_i64().unwrap() > 0, "{saved}");
    let ws = server.scratch("main-keeps-its-own");
    let got = node(
        &server,
        &nd,
        main,
        &ws,
        &["restore", "deps-linux-abc", "-", "data"],
    );
    assert_eq!(got["key"], "deps-linux-abc", "{got}");
    assert_eq!(restored(&ws).as_deref(), Some("saved by main\n"));
    // The entries link their archives to the pseudo-repositories of their scopes.
    assert_eq!(server.stats().await["repositories"], 2);

    // A bearer that is no configured secret saves nothing and restores nothing; neither does
    // an unsigned JWT claiming main's scope, and neither does a registry-only token.
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let jwt = format!(
        "{}.{}.c2ln",
        b64.encode(br#"{"alg":"RS256","typ":"JWT"}"#),
        b64.encode(
            serde_json::json!({"ac": r#"[{"Scope":"refs/heads/main","Permission":3}]"#})
                .to_string()
        )
    );
    let stats = server.stats().await;
    for bogus in ["not-a-configured-secret", jwt.as_str(), "reader-secret"] {
        let bad = workspace(&server, "bogus-src", "bogus\n");
        let saved = node(&server, &nd, bogus, &bad, &["save", "bogus-key", "data"]);
        assert_eq!(
            saved["id"], -1,
            "a save with {bogus:?} was accepted: {saved}"
        );
        let ws = server.scratch("bogus-restore");
        let got = node(
            &server,
            &nd,
            bogus,
            &ws,
            &["restore", "deps-linux-abc", "-", "data"],
        );
        assert_eq!(got["key"], Value::Null, "{bogus:?} restored: {got}");
    }
    assert_eq!(
        server.stats().await,
        stats,
        "a refused save stored something"
    );

    // Twirp answers a bad bearer 401 (unauthenticated), not 200 with ok: false.
    let response = reqwest::Client::new()
        .post(server.url("/twirp/github.actions.results.api.v1.CacheService/CreateCacheEntry"))
        .bearer_auth("not-a-configured-secret")
        .json(&serde_json::json!({"key": "k", "version": "v"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::UNAUTHORIZED);
}

/// Runs the binary with `config` as its file and returns its output (it must exit on its own).
fn run_with_config(config: &str) -> (PathBuf, Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.yaml");
    std::fs::write(&path, config).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rbuild-cache-server"))
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path().join("data"))
        .arg("--config")
        .arg(&path)
        .env_remove("RBUILD_CACHE_CONFIG")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (path, out, dir)
}

#[test]
fn e2e_config_errors_name_the_file_line_and_key() {
    // Line 5 opens a flow sequence that never closes.
    let (path, out, _dir) = run_with_config(
        "tokens:\n  - name: a\n    secret: s\n    grants:\n      - repositories: [\"x/**\"\n",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a malformed config was accepted");
    assert!(
        stderr.contains(&path.display().to_string()),
        "the message does not name the file: {stderr}"
    );
    let located = format!("{}:", path.display());
    let line: Option<usize> = stderr
        .split(&located)
        .nth(1)
        .and_then(|rest| rest.split(':').next().and_then(|n| n.trim().parse().ok()));
    assert!(
        matches!(line, Some(5 | 6)),
        "the message does not name the line: {stderr}"
    );

    let (path, out, _dir) = run_with_config(
        "tokens:\n  - name: a\n    secret: s\n    grnats:\n      - repositories: [\"x/**\"]\n",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "an unknown key was accepted");
    assert!(
        stderr.contains("grnats"),
        "the unknown key is not named: {stderr}"
    );
    assert!(
        stderr.contains(&format!("{}:4:", path.display())),
        "the message does not name the file and line 4: {stderr}"
    );

    // A top-level unknown key, and a valid file whose token lacks a secret.
    let (_, out, _dir) = run_with_config("listen: 127.0.0.1:0\nanonymous_reads: true\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("anonymous_reads"), "{stderr}");
    let (_, out, _dir) = run_with_config(
        "tokens:\n  - name: a\n    secret_env: E2E_SURELY_UNSET_VARIABLE\n    grants:\n      - repositories: [\"x\"]\n",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("E2E_SURELY_UNSET_VARIABLE"), "{stderr}");
}
