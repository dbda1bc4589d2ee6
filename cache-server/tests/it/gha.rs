//! The GitHub Actions cache service v2 driven by the real `@actions/cache` 4.x and
//! `@azure/storage-blob` (pinned in `tests/node/package-lock.json`, installed with `npm ci` into
//! the target directory). Without npm the tests are skipped with a message, unless
//! `RBUILD_REQUIRE_DIFFERENTIAL=1` (CI), where they fail.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine as _;
use rbuild_cache_server::blobs::BlobStore;
use rbuild_cache_server::gha::{self, GhaState};
use rbuild_cache_server::meta::Meta;
use rbuild_cache_server::store::Store;
use sha2::Digest as _;

use crate::support::{NodeJob, node_dir, serve};

/// A GitHub Actions cache router on 127.0.0.1:0 over a fresh store and database.
struct Server {
    addr: SocketAddr,
    store: Arc<Store>,
    meta: Arc<Meta>,
    dir: tempfile::TempDir,
}

async fn start() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::local(dir.path()).await.unwrap());
    let meta = Arc::new(Meta::open(dir.path()).unwrap());
    let state = GhaState::new(
        store.clone(),
        meta.clone(),
        b"test signing key".to_vec(),
        dir.path().join("gha-staging"),
    )
    .unwrap();
    let addr = serve(gha::router(state)).await;
    Server {
        addr,
        store,
        meta,
        dir,
    }
}

impl Server {
    /// `gha.js` jobs against this server, with `node_dir`'s package.
    fn job<'a>(&self, node_dir: &'a Path) -> NodeJob<'a> {
        NodeJob {
            node_dir,
            results_url: format!("http://{}/", self.addr),
            runner_temp: self.dir.path().join("runner-temp"),
        }
    }
}

/// Restores with `gha.js args..` as `token` into a new workspace `name` under `root`; the key
/// it restored and the workspace.
async fn restore(
    job: &NodeJob<'_>,
    root: &Path,
    name: &str,
    token: &str,
    args: &[&str],
) -> (serde_json::Value, PathBuf) {
    let ws = empty_workspace(root, name);
    let got = job.run(token, &ws, args).await;
    (got["key"].clone(), ws)
}

/// An unsigned runtime token whose `ac` claim lists `(scope, permission)` as GitHub does.
fn token(scopes: &[(&str, u64)]) -> String {
    let ac: Vec<serde_json::Value> = scopes
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

fn main_token() -> String {
    token(&[("refs/heads/main", 3)])
}

fn feature_token() -> String {
    token(&[("refs/heads/main", 1), ("refs/heads/feature", 3)])
}

/// Deterministic bytes that do not compress away.
fn bytes(seed: &str, len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 32);
    let mut block = sha2::Sha256::digest(seed.as_bytes());
    while out.len() < len {
        out.extend_from_slice(&block);
        block = sha2::Sha256::digest(block);
    }
    out.truncate(len);
    out
}

/// A workspace with `data/` holding two files; returns it with the files' contents.
fn workspace(root: &Path, name: &str, seed: &str) -> (PathBuf, Vec<(&'static str, Vec<u8>)>) {
    let ws = root.join(name);
    std::fs::create_dir_all(ws.join("data/sub")).unwrap();
    let files = vec![
        ("data/a.txt", format!("hello from {seed}\n").into_bytes()),
        ("data/sub/b.bin", bytes(seed, 300_000)),
    ];
    for (path, content) in &files {
        std::fs::write(ws.join(path), content).unwrap();
    }
    (ws, files)
}

fn empty_workspace(root: &Path, name: &str) -> PathBuf {
    let ws = root.join(name);
    std::fs::create_dir_all(&ws).unwrap();
    ws
}

fn assert_restored(ws: &Path, files: &[(&str, Vec<u8>)]) {
    for (path, content) in files {
        let got = std::fs::read(ws.join(path))
            .unwrap_or_else(|e| panic!("{} not restored: {e}", ws.join(path).display()));
        assert!(got == *content, "{} differs from what was saved", path);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gha_actions_cache_saves_and_restores_along_the_scope_chain() {
    let Some(nd) = node_dir("gha_actions_cache_saves_and_restores_along_the_scope_chain") else {
        return;
    };
    let server = start().await;
    let job = server.job(&nd);
    let root = server.dir.path().join("ws");
    let (src, files) = workspace(&root, "src", "first");
    let main = main_token();
    let feature = feature_token();

    let saved = job
        .run(&main, &src, &["save", "deps-linux-abc", "data"])
        .await;
    assert!(saved["id"].as_i64().unwrap() > 0, "save failed: {saved}");

    // By exact key; by a restore key as a prefix; from a feature branch through its fallback
    // chain to main's entry.
    for (name, token, key, restore_keys) in [
        ("exact", &main, "deps-linux-abc", "-"),
        ("prefix", &main, "deps-linux-xyz", "deps-other-,deps-linux-"),
        ("feature", &feature, "deps-linux-abc", "-"),
    ] {
        let args = ["restore", key, restore_keys, "data"];
        let (got, ws) = restore(&job, &root, name, token, &args).await;
        assert_eq!(got, "deps-linux-abc", "{name}");
        assert_restored(&ws, &files);
    }

    // What a feature branch saves stays in its scope: main does not see it.
    let (feat_src, feat_files) = workspace(&root, "feat-src", "feature");
    let saved = job
        .run(&feature, &feat_src, &["save", "feat-only", "data"])
        .await;
    assert!(saved["id"].as_i64().unwrap() > 0, "save failed: {saved}");
    let only = ["restore", "feat-only", "-", "data"];
    let (got, _) = restore(&job, &root, "main-misses-feature", &main, &only).await;
    assert_eq!(got, serde_json::Value::Null);
    let (got, ws) = restore(&job, &root, "feature-own", &feature, &only).await;
    assert_eq!(got, "feat-only");
    assert_restored(&ws, &feat_files);

    // A second save of the same key and version in the same scope is refused, and the first
    // entry stays.
    let (other_src, _) = workspace(&root, "other-src", "second");
    let saved = job
        .run(&main, &other_src, &["save", "deps-linux-abc", "data"])
        .await;
    assert_eq!(saved["id"], -1, "a duplicate save was accepted: {saved}");
    let exact = ["restore", "deps-linux-abc", "-", "data"];
    let (got, ws) = restore(&job, &root, "still-first", &main, &exact).await;
    assert_eq!(got, "deps-linux-abc");
    assert_restored(&ws, &files);

    // Another path list is another version: a miss, even by prefix.
    let other = ["restore", "deps-linux-abc", "deps-", "data", "more"];
    let (got, ws) = restore(&job, &root, "version", &main, &other).await;
    assert_eq!(got, serde_json::Value::Null);
    assert!(!ws.join("data").exists());

    // Entries are linked to their scope's pseudo-repository.
    let repos = server.meta.repositories().unwrap();
    assert!(repos.contains(&"_gha/main".to_string()), "{repos:?}");
    assert!(repos.contains(&"_gha/feature".to_string()), "{repos:?}");
    let stats = server.meta.stats().unwrap();
    assert!(stats.stored_bytes > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gha_identical_archives_under_two_keys_are_stored_once() {
    // actions/cache's own archives differ run to run (`tar --posix` records access times), so
    // the same bytes are uploaded by the Azure SDK (blocks) under two keys and once more with
    // Put Blob in another scope.
    let Some(nd) = node_dir("gha_identical_archives_under_two_keys_are_stored_once") else {
        return;
    };
    let server = start().await;
    let ws = empty_workspace(server.dir.path(), "ws");
    let size = 700_000usize;
    let main = main_token();
    let mut digests = Vec::new();
    for key in ["key-one", "key-two"] {
        let args = ["blocks", key, &size.to_string(), "same-seed"];
        let got = server.job(&nd).run(&main, &ws, &args).await;
        assert_eq!(got["downloaded"][0], got["uploaded"]);
        digests.push(got["uploaded"].as_str().unwrap().to_string());
    }
    let data = bytes("same-seed", size);
    assert_eq!(digests[0], hex::encode(sha2::Sha256::digest(&data)));
    assert_eq!(digests[0], digests[1]);

    let client = reqwest::Client::new();
    let feature = feature_token();
    let req = serde_json::json!({ "key": "key-three", "version": "v" });
    let (_, created) = twirp(&client, &server, "CreateCacheEntry", &feature, req.clone()).await;
    let url = created["signed_upload_url"].as_str().unwrap();
    let response = client
        .put(url)
        .header("x-ms-blob-type", "BlockBlob")
        .body(data)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let (status, _) = twirp(&client, &server, "FinalizeCacheEntryUpload", &feature, req).await;
    assert_eq!(status, 200);

    let blobs = server.store.list().await.unwrap();
    assert_eq!(
        blobs.len(),
        1,
        "identical archives stored more than once: {blobs:?}"
    );
    assert_eq!(blobs[0].0.hex(), digests[0]);
    let stats = server.meta.stats().unwrap();
    assert_eq!(stats.stored_bytes, size as u64);
    // Linked once in _gha/main and once in _gha/feature.
    assert_eq!(stats.logical_bytes, 2 * size as u64);
    // Nothing is left in staging once uploads are committed.
    let staging: Vec<_> = std::fs::read_dir(server.dir.path().join("gha-staging"))
        .unwrap()
        .collect();
    assert!(staging.is_empty(), "staging left behind: {staging:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gha_block_upload_and_parallel_ranged_download_with_the_azure_sdk() {
    let Some(nd) = node_dir("gha_block_upload_and_parallel_ranged_download_with_the_azure_sdk")
    else {
        return;
    };
    let server = start().await;
    let ws = empty_workspace(server.dir.path(), "ws");
    let size = 1_500_000;
    let got = server
        .job(&nd)
        .run(
            &main_token(),
            &ws,
            &["blocks", "blocks-key", &size.to_string()],
        )
        .await;
    let uploaded = got["uploaded"].as_str().unwrap();
    assert_eq!(got["size"], size);
    assert_eq!(got["downloaded"][0], uploaded);
    assert_eq!(got["downloaded"][1], uploaded);
    assert_eq!(got["ranged_ok"], true);
    let blobs = server.store.list().await.unwrap();
    assert_eq!(blobs.len(), 1);
    assert_eq!(blobs[0].0.hex(), uploaded);
    assert_eq!(blobs[0].1, size);
}

async fn twirp(
    client: &reqwest::Client,
    server: &Server,
    method: &str,
    token: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let url = format!(
        "http://{}/twirp/github.actions.results.api.v1.CacheService/{method}",
        server.addr
    );
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap())
}

#[tokio::test]
async fn gha_refuses_tampered_urls_and_answers_twirp_errors() {
    let server = start().await;
    let client = reqwest::Client::new();
    let main = main_token();
    let req = serde_json::json!({ "key": "k", "version": "v" });
    let (status, created) = twirp(&client, &server, "CreateCacheEntry", &main, req.clone()).await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["ok"], true);
    let url = created["signed_upload_url"].as_str().unwrap().to_string();

    // A second reservation is a twirp already_exists error.
    let (status, dup) = twirp(&client, &server, "CreateCacheEntry", &main, req.clone()).await;
    assert_eq!(
        (status, dup["code"].as_str()),
        (409, Some("already_exists"))
    );
    // Finalize before upload fails.
    let (status, early) = twirp(&client, &server, "FinalizeCacheEntryUpload", &main, req).await;
    assert_eq!(
        (status, early["code"].as_str()),
        (412, Some("failed_precondition"))
    );
    // A read-only token cannot reserve.
    let reader = token(&[("refs/heads/main", 1)]);
    let (status, denied) = twirp(
        &client,
        &server,
        "CreateCacheEntry",
        &reader,
        serde_json::json!({ "key": "x", "version": "v" }),
    )
    .await;
    assert_eq!(
        (status, denied["code"].as_str()),
        (403, Some("permission_denied"))
    );
    let (status, bad) = twirp(&client, &server, "Nope", &main, serde_json::json!({})).await;
    assert_eq!((status, bad["code"].as_str()), (404, Some("bad_route")));

    // A tampered signature or a URL of another upload is refused.
    let tampered = url.replace("sp=w", "sp=r");
    let response = client
        .put(&tampered)
        .header("x-ms-blob-type", "BlockBlob")
        .body("data")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    assert_eq!(
        response.headers()["x-ms-error-code"].to_str().unwrap(),
        "AuthenticationFailed"
    );
    let (path, query) = url.split_once('?').unwrap();
    let other = format!("{path}0?{query}");
    let response = client.put(&other).body("data").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 403);

    // Put Blob without the blob type is refused; with it, it is stored.
    let response = client.put(&url).body("data").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let response = client
        .put(&url)
        .header("x-ms-blob-type", "BlockBlob")
        .body("data")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    assert!(response.headers().contains_key("etag"));
    assert!(response.headers().contains_key("x-ms-request-id"));

    // Finalize with a wrong size fails, with the right one succeeds.
    let (status, _) = twirp(
        &client,
        &server,
        "FinalizeCacheEntryUpload",
        &main,
        serde_json::json!({ "key": "k", "version": "v", "size_bytes": "5" }),
    )
    .await;
    assert_eq!(status, 400);
    let (status, done) = twirp(
        &client,
        &server,
        "FinalizeCacheEntryUpload",
        &main,
        serde_json::json!({ "key": "k", "version": "v", "size_bytes": "4" }),
    )
    .await;
    assert_eq!((status, done["ok"].as_bool()), (200, Some(true)), "{done}");
    assert!(done["entry_id"].as_str().unwrap().parse::<u64>().unwrap() > 0);

    // The download URL serves ranges and refuses writes and tampering.
    let (_, found) = twirp(
        &client,
        &server,
        "GetCacheEntryDownloadURL",
        &main,
        serde_json::json!({ "key": "k", "version": "v" }),
    )
    .await;
    assert_eq!(found["matched_key"], "k");
    let download = found["signed_download_url"].as_str().unwrap();
    let response = client
        .get(download)
        .header("x-ms-range", "bytes=1-2")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 206);
    assert_eq!(response.headers()["content-range"], "bytes 1-2/4");
    assert_eq!(response.bytes().await.unwrap().as_ref(), b"at");
    let response = client.head(download).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-length"], "4");
    assert_eq!(response.headers()["x-ms-blob-type"], "BlockBlob");
    let response = client.put(download).body("x").send().await.unwrap();
    assert_eq!(response.status().as_u16(), 403);
    let response = client
        .get(download.replace("se=", "se=9"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 403);
    let response = client
        .get(download)
        .header("range", "bytes=4-")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 416);
}
