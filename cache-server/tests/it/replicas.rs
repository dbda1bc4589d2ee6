//! Two in-process replicas (two data directories, one S3 bucket on the moto peer): tags pushed to
//! one are served by the other, manifests known only to the bucket are read through, and each
//! replica's `/stats` counts only its own metadata.
//!
//! The servers take S3 credentials from the AWS environment, so the test proper runs in a child
//! process of this test binary whose environment holds moto's credentials (the trick of
//! `s3::s3_store_from_config_uses_the_aws_environment`).

use std::process::Command;

use aws_sdk_s3::Client;
use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
use rbuild_cache_server::blobs::Digest;
use rbuild_cache_server::config::{Config, S3Config, StorageConfig};
use rbuild_cache_server::server::Server;
use reqwest::StatusCode;
use serde_json::Value;

fn endpoint() -> String {
    std::env::var("RBUILD_TEST_MOTO").unwrap_or_else(|_| "http://127.0.0.1:5001".to_string())
}

fn debian() -> String {
    std::env::var("RBUILD_TEST_DEBIAN")
        .unwrap_or_else(|_| "127.0.0.1:5000/library/debian:bookworm-slim".into())
}

/// A raw client with moto's credentials, to create and drop the bucket.
fn client() -> Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .credentials_provider(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "rbuild-tests",
        ))
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint())
        .force_path_style(true)
        .build();
    Client::from_conf(config)
}

async fn drop_bucket(bucket: &str) {
    let client = client();
    loop {
        let page = client
            .list_objects_v2()
            .bucket(bucket)
            .send()
            .await
            .unwrap();
        let keys: Vec<String> = page
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_string))
            .collect();
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

fn skopeo(args: &[&str]) -> String {
    let out = Command::new("skopeo")
        .args(args)
        .output()
        .expect("skopeo runs");
    assert!(
        out.status.success(),
        "skopeo {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn copy(from: &str, to: &str) {
    skopeo(&[
        "copy",
        "--all",
        "--preserve-digests",
        "--src-tls-verify=false",
        "--dest-tls-verify=false",
        from,
        to,
    ]);
}

fn raw_manifest(image: &str) -> String {
    skopeo(&["inspect", "--tls-verify=false", "--raw", image])
}

/// Runs `replicas::<child>` in a child process with moto's credentials and a fresh bucket.
fn run_child(child: &str) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let bucket = format!("rbuild-it-{}", uuid::Uuid::new_v4().simple());
    runtime
        .block_on(client().create_bucket().bucket(&bucket).send())
        .unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            &format!("replicas::{child}"),
            "--include-ignored",
            "--nocapture",
        ])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env_remove("AWS_PROFILE")
        .env("RBUILD_IT_S3_BUCKET", &bucket)
        .output()
        .unwrap();
    runtime.block_on(drop_bucket(&bucket));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// One replica over the child's bucket, with its own data directory.
async fn replica(dir: &std::path::Path) -> Server {
    let bucket = std::env::var("RBUILD_IT_S3_BUCKET").unwrap();
    let config = Config {
        listen: Some("127.0.0.1:0".into()),
        data_dir: Some(dir.to_path_buf()),
        storage: StorageConfig {
            s3: Some(S3Config {
                bucket,
                prefix: "cache/".into(),
                region: Some("us-east-1".into()),
                endpoint: Some(endpoint()),
            }),
        },
        ..Config::default()
    };
    Server::start(&config).await.expect("replica starts")
}

fn url(server: &Server, path: &str) -> String {
    format!("http://{}{path}", server.addr())
}

async fn json(client: &reqwest::Client, url: String) -> (StatusCode, Value) {
    let response = client.get(url).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[test]
fn replicas_share_tags_and_manifests_through_s3() {
    run_child("two_replicas_child");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by replicas_share_tags_and_manifests_through_s3 in a child process"]
async fn two_replicas_child() {
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = replica(dir_a.path()).await;
    let b = replica(dir_b.path()).await;
    let http = reqwest::Client::new();

    // Push through A.
    let source = format!("docker://{}", debian());
    let want = Digest::of(raw_manifest(&source).as_bytes());
    let at_a = format!("docker://{}/proj/main:bookworm", a.addr());
    let at_b = format!("docker://{}/proj/main:bookworm", b.addr());
    copy(&source, &at_a);

    // /stats is per replica: B has recorded nothing yet.
    let (_, stats_a) = json(&http, url(&a, "/stats")).await;
    let (_, stats_b) = json(&http, url(&b, "/stats")).await;
    assert_eq!(stats_a["repositories"], 1, "{stats_a}");
    assert!(stats_a["logical_bytes"].as_u64().unwrap() > 0, "{stats_a}");
    assert_eq!(stats_b["repositories"], 0, "{stats_b}");
    assert_eq!(stats_b["logical_bytes"], 0, "{stats_b}");

    // B serves the tag (from the bucket) and the manifests (read through from the store).
    let (status, tags) = json(&http, url(&b, "/v2/proj/main/tags/list")).await;
    assert_eq!(status, StatusCode::OK, "{tags}");
    assert_eq!(tags["tags"], serde_json::json!(["bookworm"]));
    let served = raw_manifest(&at_b);
    assert_eq!(Digest::of(served.as_bytes()), want);
    let layout = dir_b.path().join("layout");
    copy(&at_b, &format!("dir:{}", layout.display()));
    let written = std::fs::read(layout.join("manifest.json")).unwrap();
    assert_eq!(Digest::of(&written), want);
    // Reading recorded the repository in B's own metadata.
    let (_, stats_b) = json(&http, url(&b, "/stats")).await;
    assert_eq!(stats_b["repositories"], 1, "{stats_b}");

    // Branch-scope resolution on B sees what A pushed.
    let (status, resolved) = json(
        &http,
        url(
            &b,
            "/scopes/v1/resolve?project=proj&reference=bookworm&scope=feature/x&scope=main",
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{resolved}");
    assert_eq!(resolved["repository"], "proj/main");
    assert_eq!(resolved["digest"], want.as_str());

    // A tag moved through B (onto the platform manifest) is seen by A.
    let index: Value = serde_json::from_str(&served).unwrap();
    let child = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let child_type = index["manifests"][0]["mediaType"]
        .as_str()
        .unwrap()
        .to_string();
    let child_bytes = http
        .get(url(&b, &format!("/v2/proj/main/manifests/{child}")))
        .header("Accept", &child_type)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(Digest::of(&child_bytes).as_str(), child);
    let put = http
        .put(url(&b, "/v2/proj/main/manifests/bookworm"))
        .header("Content-Type", &child_type)
        .body(child_bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::CREATED);
    let head = http
        .head(url(&a, "/v2/proj/main/manifests/bookworm"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(
        head.headers()["docker-content-digest"].to_str().unwrap(),
        child
    );

    // A new tag pushed through B shows in A's listing; deleting it through A hides it from B.
    let put = http
        .put(url(&b, "/v2/proj/main/manifests/extra"))
        .header("Content-Type", &child_type)
        .body(child_bytes)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::CREATED);
    let (_, tags) = json(&http, url(&a, "/v2/proj/main/tags/list?n=1")).await;
    assert_eq!(tags["tags"], serde_json::json!(["bookworm"]));
    let (_, tags) = json(&http, url(&a, "/v2/proj/main/tags/list?n=5&last=bookworm")).await;
    assert_eq!(tags["tags"], serde_json::json!(["extra"]));
    let deleted = http
        .delete(url(&a, "/v2/proj/main/manifests/extra"))
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::ACCEPTED);
    let gone = http
        .get(url(&b, "/v2/proj/main/manifests/extra"))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);

    // A repository neither replica nor the bucket knows is NAME_UNKNOWN; a blob that is not a
    // manifest is not served as one.
    let (status, _) = json(&http, url(&b, "/v2/proj/none/tags/list")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let config = index_config(&http, &b, &child).await;
    let status = http
        .get(url(&b, &format!("/v2/proj/main/manifests/{config}")))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::NOT_FOUND);

    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}

/// The config digest of image manifest `child` as `server` serves it.
async fn index_config(http: &reqwest::Client, server: &Server, child: &str) -> String {
    let manifest: Value = http
        .get(url(server, &format!("/v2/proj/main/manifests/{child}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    manifest["config"]["digest"].as_str().unwrap().to_string()
}
