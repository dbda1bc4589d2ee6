//! Helpers shared by the integration tests, one per concept: the peers' environment and the
//! `RBUILD_REQUIRE_DIFFERENTIAL` rule, the server binary as a child process, the server (or a
//! bare router) in-process, skopeo, Docker with a DOCKER_CONFIG of its own, the pinned Node
//! package of the Actions cache tests, moto buckets and a child test process with moto's
//! credentials, and the registry requests the tests repeat.
//!
//! Helpers panic on purpose when a peer or the server fails: that fails the calling test.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::Mutex;

use aws_sdk_s3::Client;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use rbuild_cache_server::blobs::Digest;
use rbuild_cache_server::config::{Config, S3Config};
use rbuild_cache_server::server::Server;
use reqwest::StatusCode;
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Peers

/// Whether a missing peer fails the test (`RBUILD_REQUIRE_DIFFERENTIAL=1`, as in CI) instead of
/// skipping it.
pub fn peers_required() -> bool {
    std::env::var("RBUILD_REQUIRE_DIFFERENTIAL").as_deref() == Ok("1")
}

/// Skips `test` because `why` (a peer is missing) with a message and returns `false`; under
/// `RBUILD_REQUIRE_DIFFERENTIAL=1` fails it instead.
pub fn skip(test: &str, why: &str) -> bool {
    assert!(
        !peers_required(),
        "RBUILD_REQUIRE_DIFFERENTIAL=1 but {test} cannot run: {why}"
    );
    eprintln!("SKIP {test}: {why}");
    false
}

/// The lab registry, `host:port` (scripts/peers.sh).
pub fn registry() -> String {
    std::env::var("RBUILD_TEST_REGISTRY").unwrap_or_else(|_| "127.0.0.1:5000".into())
}

/// The lab registry's debian image, without a transport (scripts/peers.sh).
pub fn debian() -> String {
    std::env::var("RBUILD_TEST_DEBIAN")
        .unwrap_or_else(|_| "127.0.0.1:5000/library/debian:bookworm-slim".into())
}

/// The lab registry's busybox image, without a transport.
pub fn busybox() -> String {
    format!("{}/library/busybox:latest", registry())
}

/// `true` when skopeo runs and the lab registry answers; else [`skip`]s `test`.
pub async fn have_skopeo_and_registry(test: &str) -> bool {
    if Command::new("skopeo").arg("--version").output().is_err() {
        return skip(test, "skopeo is not on PATH");
    }
    if reqwest::get(format!("http://{}/v2/", registry()))
        .await
        .is_err()
    {
        return skip(
            test,
            &format!(
                "the lab registry {} does not answer (scripts/peers.sh start)",
                registry()
            ),
        );
    }
    true
}

// ---------------------------------------------------------------------------------------------
// Process output

/// Asserts that `what` (a child process) succeeded, showing its output when not.
pub fn assert_ok(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what} failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Asserts that `what` failed with an authorization error (401/403, `denied`, `unauthorized`).
pub fn assert_denied(what: &str, out: &Output) {
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

// ---------------------------------------------------------------------------------------------
// The server binary

/// How to start the server [`Binary`].
#[derive(Default)]
pub struct Launch<'a> {
    /// The data directory; `<the binary's temp dir>/data` when `None`.
    pub data: Option<&'a Path>,
    /// The YAML config, written to a file passed with `--config`.
    pub config: Option<&'a str>,
    /// Extra environment of the server.
    pub env: &'a [(&'a str, &'a str)],
}

/// The `rbuild-cache-server` binary on a free port of 127.0.0.1, logging to a file; killed
/// (SIGKILL) and reaped when dropped, also when a failing assertion unwinds.
pub struct Binary {
    child: Child,
    /// `127.0.0.1:<port>`.
    pub addr: String,
    dir: tempfile::TempDir,
}

impl Binary {
    /// Starts the binary as `launch` says and waits for `/healthz`; panics with its log when it
    /// exits or does not come up.
    pub async fn start(launch: Launch<'_>) -> Binary {
        let dir = tempfile::tempdir().unwrap();
        let data = launch
            .data
            .map_or_else(|| dir.path().join("data"), Path::to_path_buf);
        let addr = format!("127.0.0.1:{}", free_port());
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_rbuild-cache-server"));
        command
            .args(["--listen", &addr, "--data-dir"])
            .arg(&data)
            .env_remove("RBUILD_CACHE_CONFIG")
            .env_remove("RBUILD_CACHE_ANONYMOUS_READ")
            .env_remove("RBUILD_CACHE_TOKEN_KEY")
            .envs(launch.env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        if let Some(config) = launch.config {
            let path = dir.path().join("config.yaml");
            std::fs::write(&path, config).unwrap();
            command.arg("--config").arg(path);
        }
        let child = command.spawn().unwrap();
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

    /// `http://<addr><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// What the server logged so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// A scratch directory inside the binary's temporary directory.
    pub fn scratch(&self, name: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(&path).unwrap();
        path
    }

    /// `kill -9` and reap: the server gets no chance to clean up.
    pub fn kill_9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Sends SIGTERM and waits for the server to exit; its exit status.
    pub fn sigterm(&mut self) -> ExitStatus {
        let pid = self.child.id().to_string();
        let out = Command::new("kill")
            .args(["-s", "TERM", &pid])
            .output()
            .unwrap();
        assert_ok("kill -s TERM", &out);
        self.child.wait().unwrap()
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port of 127.0.0.1 that was free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs the binary with `config` as its file until it exits on its own; the config's path, the
/// output and the temporary directory holding both.
pub fn run_with_config(config: &str) -> (PathBuf, Output, tempfile::TempDir) {
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

// ---------------------------------------------------------------------------------------------
// In-process servers

/// A config that serves `data` on 127.0.0.1, port 0, with a local store.
pub fn local_config(data: &Path) -> Config {
    Config {
        listen: Some("127.0.0.1:0".into()),
        data_dir: Some(data.to_path_buf()),
        ..Config::default()
    }
}

/// Starts the whole server in-process with `config`.
pub async fn start_server(config: &Config) -> Server {
    Server::start(config).await.expect("server starts")
}

/// Starts the whole server in-process on `data` with a local store.
pub async fn start_local(data: &Path) -> Server {
    start_server(&local_config(data)).await
}

/// `http://<server>`, the base of its URLs.
pub fn base(server: &Server) -> String {
    format!("http://{}", server.addr())
}

/// `http://<server><path>`.
pub fn url(server: &Server, path: &str) -> String {
    format!("http://{}{path}", server.addr())
}

/// `GET path` on `server`: the answer, whatever its status (the test checks it).
pub async fn get(client: &reqwest::Client, server: &Server, path: &str) -> reqwest::Response {
    client.get(url(server, path)).send().await.unwrap()
}

/// `HEAD path` on `server`: the answer, whatever its status.
pub async fn head(client: &reqwest::Client, server: &Server, path: &str) -> reqwest::Response {
    client.head(url(server, path)).send().await.unwrap()
}

/// `DELETE path` on `server`: the answer, whatever its status.
pub async fn delete(client: &reqwest::Client, server: &Server, path: &str) -> reqwest::Response {
    client.delete(url(server, path)).send().await.unwrap()
}

/// `POST path` with `body` on `server`: the answer, whatever its status.
pub async fn post(
    client: &reqwest::Client,
    server: &Server,
    path: &str,
    body: impl Into<reqwest::Body>,
) -> reqwest::Response {
    client
        .post(url(server, path))
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Serves `app` on 127.0.0.1, port 0, in the background; its address.
pub async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

// ---------------------------------------------------------------------------------------------
// skopeo

/// Runs skopeo with no input; its output, whatever the status.
pub fn skopeo(args: &[&str]) -> Output {
    Command::new("skopeo")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("skopeo runs")
}

/// Runs skopeo, asserts it succeeded; its stdout.
pub fn skopeo_ok(args: &[&str]) -> String {
    let out = skopeo(args);
    assert_ok(&format!("skopeo {args:?}"), &out);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `skopeo copy --all --preserve-digests` over plain HTTP; asserts it succeeded.
pub fn copy_all(from: &str, to: &str) {
    skopeo_ok(&[
        "copy",
        "--all",
        "--preserve-digests",
        "--src-tls-verify=false",
        "--dest-tls-verify=false",
        from,
        to,
    ]);
}

/// `skopeo copy` over plain HTTP with optional `--src-creds` / `--dest-creds`; its output.
pub fn copy_as(from: &str, to: &str, src_creds: Option<&str>, dest_creds: Option<&str>) -> Output {
    let mut args = vec![
        "copy".to_string(),
        "--src-tls-verify=false".into(),
        "--dest-tls-verify=false".into(),
    ];
    args.extend(src_creds.map(|c| format!("--src-creds={c}")));
    args.extend(dest_creds.map(|c| format!("--dest-creds={c}")));
    args.push(from.into());
    args.push(to.into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    skopeo(&args)
}

/// The manifest of `image` (a skopeo reference) as the registry serves it.
pub fn raw_manifest(image: &str) -> String {
    skopeo_ok(&["inspect", "--tls-verify=false", "--raw", image])
}

// ---------------------------------------------------------------------------------------------
// Docker

/// The lab's Docker 26 and buildx (scripts/buildkit.sh): the client, the daemon's socket and the
/// lab's `cli-plugins` directory.
#[derive(Clone)]
pub struct Docker {
    bin: String,
    host: String,
    plugins: PathBuf,
}

impl Docker {
    /// The lab's Docker from the environment, or why not.
    pub fn from_env() -> Result<Docker, String> {
        let var = |name: &str| {
            std::env::var(name)
                .map_err(|_| format!("{name} is not set (eval \"$(scripts/buildkit.sh env)\")"))
        };
        Ok(Docker {
            bin: var("RBUILD_TEST_DOCKER")?,
            host: var("RBUILD_TEST_BUILDKIT_HOST")?,
            plugins: Path::new(&var("RBUILD_TEST_DOCKER_CONFIG")?).join("cli-plugins"),
        })
    }

    /// The lab's Docker, or `None` after [`skip`]ping `test`.
    pub fn for_test(test: &str) -> Option<Docker> {
        Docker::from_env().map_err(|why| skip(test, &why)).ok()
    }

    /// Makes `dir` a DOCKER_CONFIG of its own (logins stay apart) with the lab's buildx plugin.
    pub fn config(&self, dir: PathBuf) -> PathBuf {
        std::fs::create_dir_all(&dir).unwrap();
        let link = dir.join("cli-plugins");
        if !link.exists() {
            std::os::unix::fs::symlink(&self.plugins, link).unwrap();
        }
        dir
    }

    /// Runs `docker args..` with `config` as DOCKER_CONFIG and `stdin` as its input; its output.
    pub fn run(&self, config: &Path, args: &[&str], stdin: &str) -> Output {
        use std::io::Write as _;
        let mut child = Command::new(&self.bin)
            .args(args)
            .env("DOCKER_HOST", &self.host)
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

    /// Runs `docker args..`, asserts it succeeded; its stdout.
    pub fn ok(&self, config: &Path, args: &[&str]) -> String {
        let out = self.run(config, args, "");
        assert_ok(&format!("docker {args:?}"), &out);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `docker login -u user --password-stdin registry` with `secret`; its output.
    pub fn login(&self, config: &Path, registry: &str, user: &str, secret: &str) -> Output {
        self.run(
            config,
            &["login", "-u", user, "--password-stdin", registry],
            secret,
        )
    }

    /// `docker buildx build --progress=plain --output=type=cacheonly <cache..> <context>`.
    pub fn build_cache_only(&self, config: &Path, cache: &[String], context: &Path) -> Output {
        let mut args = vec![
            "buildx".to_string(),
            "build".into(),
            "--progress=plain".into(),
            "--output=type=cacheonly".into(),
        ];
        args.extend(cache.iter().cloned());
        args.push(context.to_string_lossy().into_owned());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.run(config, &args, "")
    }
}

/// `--cache-to` of BuildKit's registry cache at `reference` (mode=max, plain HTTP).
pub fn cache_to(reference: &str) -> String {
    format!("--cache-to=type=registry,ref={reference},mode=max,registry.insecure=true")
}

/// `--cache-from` of BuildKit's registry cache at `reference` (plain HTTP).
pub fn cache_from(reference: &str) -> String {
    format!("--cache-from=type=registry,ref={reference},registry.insecure=true")
}

// ---------------------------------------------------------------------------------------------
// The pinned Node package (@actions/cache)

/// `node_modules` with the pinned `@actions/cache` (tests/node), installed with `npm ci` once
/// per target directory and shared by every test; `None` after [`skip`]ping `test` when npm is
/// missing. Installs are serialized inside this process by a mutex and across processes by a
/// lock file, so concurrent tests never install into the directory at once.
pub fn node_dir(test: &str) -> Option<PathBuf> {
    static DIR: Mutex<Option<PathBuf>> = Mutex::new(None);
    let mut guard = DIR.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(dir) = guard.as_ref() {
        return Some(dir.clone());
    }
    if Command::new("npm").arg("--version").output().is_err() {
        skip(test, "npm is not on PATH (install nodejs and npm)");
        return None;
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/node");
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = target.join("node");
    std::fs::create_dir_all(&dir).unwrap();
    let lock_file = std::fs::File::create(target.join("node.lock")).unwrap();
    lock_file.lock().unwrap();
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
    drop(lock_file);
    *guard = Some(dir.clone());
    Some(dir)
}

/// One run of `gha.js` (tests/node): a job of the Actions cache service at `results_url`.
pub struct NodeJob<'a> {
    /// The directory [`node_dir`] returned.
    pub node_dir: &'a Path,
    /// `ACTIONS_RESULTS_URL`, ending in `/`.
    pub results_url: String,
    /// `RUNNER_TEMP`.
    pub runner_temp: PathBuf,
}

impl NodeJob<'_> {
    /// Runs `gha.js args..` in `workspace` with `token` as the runtime token (off the async
    /// runtime's workers); its `RESULT` JSON. Panics with the output when it fails.
    pub async fn run(&self, token: &str, workspace: &Path, args: &[&str]) -> Value {
        std::fs::create_dir_all(&self.runner_temp).unwrap();
        let mut cmd = Command::new("node");
        cmd.arg(self.node_dir.join("gha.js"))
            .args(args)
            .current_dir(workspace)
            .env("NODE_PATH", self.node_dir.join("node_modules"))
            .env("ACTIONS_RESULTS_URL", &self.results_url)
            .env("ACTIONS_CACHE_SERVICE_V2", "true")
            .env("ACTIONS_RUNTIME_TOKEN", token)
            .env("RUNNER_TEMP", &self.runner_temp)
            .env("GITHUB_WORKSPACE", workspace)
            .env_remove("ACTIONS_CACHE_URL");
        let out = tokio::task::spawn_blocking(move || cmd.output())
            .await
            .unwrap()
            .unwrap();
        assert_ok(&format!("gha.js {args:?}"), &out);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout
            .lines()
            .find_map(|l| l.strip_prefix("RESULT "))
            .unwrap_or_else(|| {
                panic!(
                    "gha.js {args:?} printed no result\nstdout:\n{stdout}\nstderr:\n{}",
                    String::from_utf8_lossy(&out.stderr)
                )
            });
        serde_json::from_str(line).unwrap()
    }
}

// ---------------------------------------------------------------------------------------------
// moto (S3)

/// The moto S3 peer's endpoint.
pub fn moto_endpoint() -> String {
    std::env::var("RBUILD_TEST_MOTO").unwrap_or_else(|_| "http://127.0.0.1:5001".to_string())
}

/// The credentials moto takes.
pub fn moto_credentials() -> Credentials {
    Credentials::new("testing", "testing", None, None, "rbuild-tests")
}

/// A raw S3 client on moto, for setting up buckets and looking behind the store's back.
pub fn s3_client() -> Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .credentials_provider(moto_credentials())
        .region(Region::new("us-east-1"))
        .endpoint_url(moto_endpoint())
        .force_path_style(true)
        .build();
    Client::from_conf(config)
}

/// The S3 block of a config: `bucket` under `prefix` on moto.
pub fn s3_config(bucket: &str, prefix: &str) -> S3Config {
    S3Config {
        bucket: bucket.to_string(),
        prefix: prefix.to_string(),
        region: Some("us-east-1".to_string()),
        endpoint: Some(moto_endpoint()),
    }
}

/// A fresh bucket for one test.
pub async fn create_bucket() -> String {
    let name = format!("rbuild-it-{}", uuid::Uuid::new_v4().simple());
    s3_client()
        .create_bucket()
        .bucket(&name)
        .send()
        .await
        .unwrap();
    name
}

/// The keys of `bucket` (its first page of up to 1000).
pub async fn bucket_keys(bucket: &str) -> Vec<String> {
    let out = s3_client()
        .list_objects_v2()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    out.contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_string))
        .collect()
}

/// Empties and removes a test bucket (moto keeps everything in memory, shared by all tests).
pub async fn drop_bucket(bucket: &str) {
    let client = s3_client();
    loop {
        let keys = bucket_keys(bucket).await;
        if keys.is_empty() {
            break;
        }
        for key in keys {
            client
                .delete_object()
                .bucket(bucket)
                .key(key)
                .send()
                .await
                .unwrap();
        }
    }
    client.delete_bucket().bucket(bucket).send().await.unwrap();
}

/// Runs the ignored test `test` (its full path, `module::name`) of this binary in a child
/// process whose AWS environment holds moto's credentials and `RBUILD_IT_S3_BUCKET=bucket`;
/// asserts that it passed.
pub fn run_child_with_moto(test: &str, bucket: &str) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", test, "--include-ignored", "--nocapture"])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_PROFILE")
        .env("RBUILD_IT_S3_BUCKET", bucket)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child {test} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The bucket a child of [`run_child_with_moto`] works in.
pub fn child_bucket() -> String {
    std::env::var("RBUILD_IT_S3_BUCKET").unwrap()
}

// ---------------------------------------------------------------------------------------------
// Registry requests

/// A monolithic upload: `POST <base>/v2/<repo>/blobs/uploads/?digest=` with `data`.
pub async fn push_blob(
    client: &reqwest::Client,
    base: &str,
    repo: &str,
    data: &[u8],
) -> reqwest::Response {
    client
        .post(format!(
            "{base}/v2/{repo}/blobs/uploads/?digest={}",
            Digest::of(data)
        ))
        .body(data.to_vec())
        .send()
        .await
        .unwrap()
}

/// Starts a chunked upload session in `repo` (asserting the protocol's answer); its absolute
/// URL.
pub async fn start_upload(client: &reqwest::Client, base: &str, repo: &str) -> String {
    let response = client
        .post(format!("{base}/v2/{repo}/blobs/uploads/"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(response.headers()["range"], "0-0");
    assert!(response.headers().contains_key("docker-upload-uuid"));
    let location = response.headers()["location"].to_str().unwrap();
    format!("{base}{location}")
}

/// `PATCH at` with `data` as the chunk `range` (`first-last`).
pub async fn patch_chunk(
    client: &reqwest::Client,
    at: &str,
    range: &str,
    data: &[u8],
) -> reqwest::Response {
    client
        .patch(at)
        .header("content-range", range)
        .header("content-type", "application/octet-stream")
        .body(data.to_vec())
        .send()
        .await
        .unwrap()
}

/// `GET url`: its status and JSON body (`null` when it has none).
pub async fn get_json(client: &reqwest::Client, url: &str) -> (StatusCode, Value) {
    let response = client.get(url).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The first error code of a distribution API error body.
pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["code"].as_str().unwrap_or_default()
}

/// A request body that the test sends in parts: send `Ok(bytes)` on the sender, drop it to end
/// the body.
pub fn streamed_body() -> (
    tokio::sync::mpsc::Sender<std::io::Result<Vec<u8>>>,
    reqwest::Body,
) {
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(2);
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    (tx, reqwest::Body::wrap_stream(body))
}
