//! Two in-process replicas (two data directories, one S3 bucket on the moto peer): tags pushed to
//! one are served by the other, manifests known only to the bucket are read through, and each
//! replica's `/stats` counts only its own metadata.
//!
//! The servers take S3 credentials from the AWS environment, so the test proper runs in a child
//! process of this test binary whose environment holds moto's credentials (the trick of
//! `s3::s3_store_from_config_uses_the_aws_environment`).

use rbuild_cache_server::blobs::Digest;
use rbuild_cache_server::config::StorageConfig;
use rbuild_cache_server::server::Server;
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{
    base, bucket_keys, child_bucket, copy_all as copy, create_bucket, debian, drop_bucket,
    get_json, local_config, push_blob, raw_manifest, run_child_with_moto, s3_config, start_server,
    url,
};

/// One replica over the child's bucket (prefix `cache/`), with its own data directory.
async fn replica(dir: &std::path::Path) -> Server {
    let mut config = local_config(dir);
    config.storage = StorageConfig {
        s3: Some(s3_config(&child_bucket(), "cache/")),
    };
    start_server(&config).await
}

#[test]
fn replicas_share_tags_and_manifests_through_s3() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let bucket = runtime.block_on(create_bucket());
    run_child_with_moto("replicas::two_replicas_child", &bucket);
    runtime.block_on(drop_bucket(&bucket));
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
    let (_, stats_a) = get_json(&http, &url(&a, "/stats")).await;
    let (_, stats_b) = get_json(&http, &url(&b, "/stats")).await;
    assert_eq!(stats_a["repositories"], 1, "{stats_a}");
    assert!(stats_a["logical_bytes"].as_u64().unwrap() > 0, "{stats_a}");
    assert_eq!(stats_b["repositories"], 0, "{stats_b}");
    assert_eq!(stats_b["logical_bytes"], 0, "{stats_b}");

    // B serves the tag (from the bucket) and the manifests (read through from the store).
    let (status, tags) = get_json(&http, &url(&b, "/v2/proj/main/tags/list")).await;
    assert_eq!(status, StatusCode::OK, "{tags}");
    assert_eq!(tags["tags"], serde_json::json!(["bookworm"]));
    let served = raw_manifest(&at_b);
    assert_eq!(Digest::of(served.as_bytes()), want);
    let layout = dir_b.path().join("layout");
    copy(&at_b, &format!("dir:{}", layout.display()));
    let written = std::fs::read(layout.join("manifest.json")).unwrap();
    assert_eq!(Digest::of(&written), want);
    // Reading recorded the repository in B's own metadata.
    let (_, stats_b) = get_json(&http, &url(&b, "/stats")).await;
    assert_eq!(stats_b["repositories"], 1, "{stats_b}");

    // Branch-scope resolution on B sees what A pushed.
    let (status, resolved) = get_json(
        &http,
        &url(
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
    let (_, tags) = get_json(&http, &url(&a, "/v2/proj/main/tags/list?n=1")).await;
    assert_eq!(tags["tags"], serde_json::json!(["bookworm"]));
    let (_, tags) = get_json(&http, &url(&a, "/v2/proj/main/tags/list?n=5&last=bookworm")).await;
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
    let (status, _) = get_json(&http, &url(&b, "/v2/proj/none/tags/list")).await;
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

/// Issue 18, item 12 across replicas: links live in the bucket, so a blob or manifest pushed to
/// `secret/app` through replica A is readable through replica B in `secret/app` and in no other
/// repository (before, any stored digest was readable in every repository of a shared store);
/// a mount needs `from` to link it; a DELETE through B removes the bucket's link.
#[test]
fn replicas_serve_a_blob_only_where_it_is_linked() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let bucket = runtime.block_on(create_bucket());
    run_child_with_moto("replicas::links_child", &bucket);
    runtime.block_on(drop_bucket(&bucket));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by replicas_serve_a_blob_only_where_it_is_linked in a child process"]
async fn links_child() {
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = replica(dir_a.path()).await;
    let b = replica(dir_b.path()).await;
    let http = reqwest::Client::new();
    let status = |method: reqwest::Method, server: &Server, path: String| {
        let request = http.request(method, url(server, &path));
        async move { request.send().await.unwrap().status().as_u16() }
    };

    let layer = b"the victim's private layer".to_vec();
    let config =
        br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
    for data in [&layer[..], &config[..]] {
        assert_eq!(
            push_blob(&http, &base(&a), "secret/app", data)
                .await
                .status(),
            201
        );
    }
    let (layer_d, config_d) = (Digest::of(&layer), Digest::of(config));
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config_d.as_str(), "size": config.len()},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": layer_d.as_str(), "size": layer.len()}],
    })
    .to_string();
    let manifest_d = Digest::of(manifest.as_bytes());
    let put = http
        .put(url(&a, &format!("/v2/secret/app/manifests/{manifest_d}")))
        .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
        .body(manifest.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), 201);
    let keys = bucket_keys(&child_bucket()).await;
    let link = format!(
        "cache/repos/secret/app/links/sha256/{}",
        &layer_d.as_str()[7..]
    );
    assert!(keys.contains(&link), "{keys:?}");

    use reqwest::Method;
    // B serves them where they were pushed...
    let blob = |repo: &str| format!("/v2/{repo}/blobs/{layer_d}");
    let man = |repo: &str| format!("/v2/{repo}/manifests/{manifest_d}");
    assert_eq!(status(Method::GET, &b, blob("secret/app")).await, 200);
    assert_eq!(status(Method::GET, &b, man("secret/app")).await, 200);
    // ...and nowhere else, through either replica.
    for server in [&a, &b] {
        assert_eq!(status(Method::GET, server, blob("evil/x")).await, 404);
        assert_eq!(status(Method::HEAD, server, blob("evil/x")).await, 404);
        assert_eq!(status(Method::GET, server, man("evil/x")).await, 404);
    }
    // A mount from a repository that does not link it is a plain upload session; from one that
    // does, through the other replica, a mount.
    let mount = |from: &str| format!("/v2/evil/x/blobs/uploads/?mount={layer_d}&from={from}");
    assert_eq!(status(Method::POST, &b, mount("evil/y")).await, 202);
    assert_eq!(status(Method::GET, &b, blob("evil/x")).await, 404);
    assert_eq!(status(Method::POST, &b, mount("secret/app")).await, 201);
    assert_eq!(status(Method::GET, &a, blob("evil/x")).await, 200);

    // A DELETE through B removes the bucket's link: a third replica no longer reads it there.
    assert_eq!(status(Method::DELETE, &b, blob("secret/app")).await, 202);
    let dir_c = tempfile::tempdir().unwrap();
    let c = replica(dir_c.path()).await;
    assert_eq!(status(Method::GET, &c, blob("secret/app")).await, 404);
    assert_eq!(status(Method::GET, &c, blob("evil/x")).await, 200);

    a.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
    c.shutdown().await.unwrap();
}
