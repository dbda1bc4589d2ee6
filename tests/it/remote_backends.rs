//! The remote-cache round trip of [`super::remote_cache`] through the other backends: S3
//! (moto), the GitHub Actions cache (the cache server's implementation of the service v2) and
//! the cache server as a registry; and a 30-step `mode=max` export to the Actions cache that
//! makes only a handful of uploads.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;

use super::remote_cache::{build, round_trip};
use super::support::context;

/// moto's endpoint URL.
fn moto() -> String {
    std::env::var("RBUILD_TEST_MOTO").unwrap_or_else(|_| {
        panic!("RBUILD_TEST_MOTO is not set: run the tests with scripts/test.sh")
    })
}

/// The `rbuild-cache-server` binary `cargo test --workspace` built next to this test binary
/// (or `RBUILD_TEST_CACHE_SERVER`).
fn cache_server_binary() -> PathBuf {
    if let Ok(p) = std::env::var("RBUILD_TEST_CACHE_SERVER") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|dir| dir.join("rbuild-cache-server"))
        .unwrap();
    assert!(
        bin.is_file(),
        "{} is missing: run `cargo build -p rbuild-cache-server` (cargo test --workspace builds it)",
        bin.display()
    );
    bin
}

/// A cache server process on a free loopback port, killed on drop.
struct CacheServer {
    child: Child,
    addr: String,
    _data: tempfile::TempDir,
}

impl CacheServer {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let data = tempfile::tempdir().unwrap();
        let child = Command::new(cache_server_binary())
            .args(["--listen", &addr, "--data-dir"])
            .arg(data.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(&addr).is_err() {
            assert!(Instant::now() < deadline, "the cache server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            addr,
            _data: data,
        }
    }
}

impl Drop for CacheServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An unsigned Actions runtime token whose `ac` claim lets `ref` write and read (as GitHub's).
fn runtime_token(refs: &[(&str, u64)]) -> String {
    let ac: Vec<serde_json::Value> = refs
        .iter()
        .map(|(s, p)| serde_json::json!({ "Scope": s, "Permission": p }))
        .collect();
    let claims = serde_json::json!({
        "scp": "Actions.Results:1:1",
        "ac": serde_json::Value::Array(ac).to_string(),
    });
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.c2ln",
        b64.encode(br#"{"alg":"RS256","typ":"JWT"}"#),
        b64.encode(claims.to_string())
    )
}

/// Creates a bucket in moto.
fn create_bucket(name: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(moto())
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_s3::config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .load()
            .await;
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        );
        s3.create_bucket().bucket(name).send().await.unwrap();
    });
}

#[test]
fn s3_cache_round_trip() {
    let bucket = format!("rbuild-remote-{}", std::process::id());
    create_bucket(&bucket);
    let spec = format!(
        "type=s3,bucket={bucket},region=us-east-1,prefix=app/,endpoint_url={},use_path_style=true,access_key_id=testing,secret_access_key=testing",
        moto()
    );
    round_trip(&format!("{spec},mode=max"), &spec, &[]);
}

#[test]
fn gha_cache_round_trip_through_the_cache_server() {
    let server = CacheServer::start();
    let url = format!("http://{}/", server.addr);
    let token = runtime_token(&[("refs/heads/main", 3)]);
    let env = [
        ("ACTIONS_RESULTS_URL", url.as_str()),
        ("ACTIONS_RUNTIME_TOKEN", token.as_str()),
        ("GITHUB_REF_NAME", "main"),
    ];
    round_trip("type=gha,mode=max", "type=gha", &env);
}

#[test]
fn registry_cache_round_trip_through_the_cache_server() {
    let server = CacheServer::start();
    let reference = format!("{}/proj/app-cache", server.addr);
    round_trip(
        &format!("type=registry,ref={reference},mode=max"),
        &format!("type=registry,ref={reference}"),
        &[],
    );
}

#[test]
fn a_thirty_step_max_mode_export_to_the_actions_cache_is_a_handful_of_uploads() {
    let server = CacheServer::start();
    let url = format!("http://{}/", server.addr);
    let token = runtime_token(&[("refs/heads/main", 3)]);
    let env = [
        ("ACTIONS_RESULTS_URL", url.as_str()),
        ("ACTIONS_RUNTIME_TOKEN", token.as_str()),
        ("GITHUB_REF_NAME", "main"),
    ];
    // Three stages of ten RUN steps each, every one making a layer.
    let mut dockerfile = String::new();
    for stage in 0..3 {
        dockerfile.push_str(&format!(
            "FROM {{REG}}/library/busybox:latest AS s{stage}\n"
        ));
        for step in 0..10 {
            dockerfile.push_str(&format!("RUN echo {stage}-{step} > /f{step}\n"));
        }
    }
    dockerfile.push_str("FROM s0\nCOPY --from=s1 /f9 /s1\nCOPY --from=s2 /f9 /s2\n");
    let ctx = context(&dockerfile, &[]);
    let home = tempfile::tempdir().unwrap();
    let first = build(
        ctx.path(),
        home.path(),
        &["--cache-to", "type=gha,mode=max"],
        &env,
    );
    assert!(first.ran().len() >= 32, "{:?}", first.steps);
    let report = first.cache_report("gha:rbuild");
    assert!(
        report["blobs_uploaded"].as_u64().unwrap() >= 30,
        "{}",
        first.metadata
    );
    let requests = report["requests"].as_u64().unwrap();
    assert!(
        requests <= 12,
        "{requests} requests for one export of 32 layers: {report}"
    );
    let fresh = tempfile::tempdir().unwrap();
    let second = build(
        ctx.path(),
        fresh.path(),
        &["--cache-from", "type=gha"],
        &env,
    );
    assert!(second.ran().is_empty(), "{:?}", second.ran());
    assert_eq!(second.digest(), first.digest());
}
