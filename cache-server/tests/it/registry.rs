//! The distribution API against real clients: skopeo (copies from the lab registry into the
//! server and back out), the `oci-client` crate, and raw HTTP for the protocol's edges (chunked
//! uploads out of order, wrong digests, ranges, pagination, errors, restarts).

use std::path::Path;

use rbuild_cache_server::blobs::{BlobStore, Digest};
use rbuild_cache_server::server::Server;
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{
    Binary, Docker, Launch, assert_ok, base, busybox, cache_from, cache_to, copy_all as copy,
    debian, delete, error_code, get, get_json, head, patch_chunk as patch, post, push_blob,
    raw_manifest, start_local as start, start_upload, streamed_body, url,
};

fn raw_manifest_digest(image: &str) -> Digest {
    Digest::of(raw_manifest(image).as_bytes())
}

async fn stats(client: &reqwest::Client, server: &Server) -> Value {
    client
        .get(url(server, "/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skopeo_round_trip_keeps_the_manifest_digest() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let source = format!("docker://{}", debian());
    let want = raw_manifest_digest(&source);

    let ours = format!("docker://{}/lib/debian:bookworm-slim", server.addr());
    copy(&source, &ours);
    assert_eq!(raw_manifest_digest(&ours), want);

    // Into another repository of the server (HEAD finds every blob), and out to an OCI layout.
    let other = format!("docker://{}/other/repo:copy", server.addr());
    copy(&ours, &other);
    assert_eq!(raw_manifest_digest(&other), want);
    // Out to a `dir:` layout, which keeps the manifest's bytes (an `oci:` layout would have to
    // convert a Docker manifest list).
    let layout = dir.path().join("layout");
    copy(&ours, &format!("dir:{}", layout.display()));
    let written = std::fs::read(layout.join("manifest.json")).unwrap();
    assert_eq!(Digest::of(&written), want);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_repositories_store_one_copy() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let client = reqwest::Client::new();
    let source = format!("docker://{}", debian());
    copy(&source, &format!("docker://{}/p0/s0:latest", server.addr()));
    let one = stats(&client, &server).await;
    let one_stored = one["stored_bytes"].as_u64().unwrap();
    assert!(one_stored > 1_000_000, "{one}");
    assert_eq!(one["logical_bytes"].as_u64(), Some(one_stored));

    // Copy from the server itself: skopeo finds every blob with HEAD and uploads nothing.
    let first = format!("docker://{}/p0/s0:latest", server.addr());
    for i in 0..10 {
        for j in 0..10 {
            if (i, j) != (0, 0) {
                copy(
                    &first,
                    &format!("docker://{}/p{i}/s{j}:latest", server.addr()),
                );
            }
        }
    }
    let all = stats(&client, &server).await;
    assert_eq!(all["stored_bytes"].as_u64(), Some(one_stored), "{all}");
    assert_eq!(
        all["logical_bytes"].as_u64(),
        Some(100 * one_stored),
        "{all}"
    );
    assert_eq!(all["repositories"].as_u64(), Some(100), "{all}");
    assert_eq!(all["blobs"], one["blobs"]);
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oci_client_pushes_and_pulls() {
    use oci_client::client::{ClientConfig, ClientProtocol, Config as OciConfig, ImageLayer};
    use oci_client::secrets::RegistryAuth;
    use oci_client::{Client, Reference};

    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let client = Client::new(ClientConfig {
        protocol: ClientProtocol::Http,
        ..ClientConfig::default()
    });
    let reference: Reference = format!("{}/oci/client:v1", server.addr()).parse().unwrap();
    // Larger than the client's chunk size, so it uploads in several PATCHes.
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 241) as u8).collect();
    let layers = vec![
        ImageLayer::oci_v1(big.clone(), None),
        ImageLayer::oci_v1(b"small layer".to_vec(), None),
    ];
    let config = OciConfig::oci_v1(br#"{"architecture":"amd64","os":"linux"}"#.to_vec(), None);
    let pushed = client
        .push(&reference, &layers, config, &RegistryAuth::Anonymous, None)
        .await
        .expect("push");
    assert!(pushed.manifest_url.contains("/v2/oci/client/manifests/"));

    let pulled = Client::new(ClientConfig {
        protocol: ClientProtocol::Http,
        ..ClientConfig::default()
    })
    .pull(
        &reference,
        &RegistryAuth::Anonymous,
        vec![oci_client::manifest::IMAGE_LAYER_MEDIA_TYPE],
    )
    .await
    .expect("pull");
    // Layers arrive in any order; compare digests, never print megabytes.
    let mut got: Vec<Digest> = pulled.layers.iter().map(|l| Digest::of(&l.data)).collect();
    let mut want = vec![Digest::of(&big), Digest::of(b"small layer")];
    got.sort();
    want.sort();
    assert_eq!(got, want);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn chunked_upload_checks_order_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let client = reqwest::Client::new();
    let data = b"hello, chunked world";
    let digest = Digest::of(data);
    let at = start_upload(&client, &base(&server), "c/r").await;

    let response = patch(&client, &at, "0-4", &data[..5]).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(response.headers()["range"], "0-4");

    // A chunk that does not start at byte 5 is out of order.
    let response = patch(&client, &at, "7-9", &data[7..10]).await;
    assert_eq!(response.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(response.headers()["range"], "0-4");
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "BLOB_UPLOAD_INVALID");
    // A body shorter than its Content-Range is refused and leaves the session as it was.
    let response = patch(&client, &at, "5-9", &data[5..8]).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = patch(&client, &at, "5-18446744073709551615", &data[5..8]).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // The session is recorded: it survives a restart of the server.
    let location = at.split_once("/v2/").unwrap().1.to_string();
    server.shutdown().await.unwrap();
    let server = start(dir.path()).await;
    let at = url(&server, &format!("/v2/{location}"));
    let status = client.get(&at).send().await.unwrap();
    assert_eq!(status.status(), StatusCode::NO_CONTENT);
    assert_eq!(status.headers()["range"], "0-4");

    let response = patch(&client, &at, "5-9", &data[5..10]).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    // The last chunk comes with the PUT.
    let response = client
        .put(format!("{at}?digest={digest}"))
        .header("content-range", format!("10-{}", data.len() - 1))
        .body(data[10..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["docker-content-digest"], digest.as_str());
    let got = get(&client, &server, &format!("/v2/c/r/blobs/{digest}")).await;
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.bytes().await.unwrap().as_ref(), data);
    // The session is gone.
    assert_eq!(
        client.get(&at).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_an_upload_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let client = reqwest::Client::new();
    let at = start_upload(&client, &base(&server), "g/s").await;
    let addr = server.addr();

    // A PATCH whose body arrives in two parts, the second after shutdown has begun.
    let (tx, body) = streamed_body();
    let request = client.patch(&at).body(body).send();
    let in_flight = tokio::spawn(request);
    tx.send(Ok(vec![1u8; 100_000])).await.unwrap();
    // Sequencing only: let the request reach the handler before shutting down.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let stopping = tokio::spawn(server.shutdown());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !stopping.is_finished(),
        "shutdown did not wait for the upload"
    );
    // No new connections are accepted meanwhile.
    assert!(
        reqwest::Client::new()
            .get(format!("http://{addr}/v2/"))
            .send()
            .await
            .is_err()
    );
    tx.send(Ok(vec![2u8; 50_000])).await.unwrap();
    drop(tx);
    let response = in_flight.await.unwrap().unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert_eq!(response.headers()["range"], "0-149999");
    stopping.await.unwrap().unwrap();

    // After a restart the session holds every acknowledged byte.
    let server = start(dir.path()).await;
    let location = at.split_once("/v2/").unwrap().1;
    let status = get(&client, &server, &format!("/v2/{location}")).await;
    assert_eq!(status.headers()["range"], "0-149999");
    server.shutdown().await.unwrap();
}

/// The server binary on `data`, with `config` as its file when given.
async fn binary(data: &Path, config: Option<&str>) -> Binary {
    Binary::start(Launch {
        data: Some(data),
        config,
        ..Launch::default()
    })
    .await
}

/// Five blobs of about 300 kB, pushed whole into `k/r`.
async fn push_five_blobs(client: &reqwest::Client, server: &Binary) -> Vec<Vec<u8>> {
    let blobs: Vec<Vec<u8>> = (0..5u8)
        .map(|i| vec![i; 300_000 + usize::from(i)])
        .collect();
    for blob in &blobs {
        let response = push_blob(client, &server.url(""), "k/r", blob).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    blobs
}

/// A chunked session in `k/r` with one acknowledged chunk of 10,000 bytes; its absolute URL.
async fn open_session(client: &reqwest::Client, server: &Binary) -> String {
    let session = start_upload(client, &server.url(""), "k/r").await;
    let response = patch(client, &session, "0-9999", &[7u8; 10_000]).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    session
}

/// Asserts that `server` serves every one of `blobs` from `k/r`, byte for byte.
async fn assert_blobs_intact(client: &reqwest::Client, server: &Binary, blobs: &[Vec<u8>]) {
    for blob in blobs {
        let got = client
            .get(server.url(&format!("/v2/k/r/blobs/{}", Digest::of(blob))))
            .send()
            .await
            .unwrap();
        assert_eq!(got.status(), StatusCode::OK);
        assert_eq!(Digest::of(&got.bytes().await.unwrap()), Digest::of(blob));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_during_uploads_loses_no_acknowledged_blob() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = binary(dir.path(), None).await;
    let client = reqwest::Client::new();
    let blobs = push_five_blobs(&client, &server).await;
    // A chunked session with one acknowledged chunk ...
    let session = open_session(&client, &server).await;
    // ... and a monolithic upload cut off in the middle by kill -9.
    let partial = vec![9u8; 1_000_000];
    let partial_digest = Digest::of(&partial);
    let (tx, body) = streamed_body();
    let in_flight = tokio::spawn(
        client
            .post(server.url(&format!("/v2/k/r/blobs/uploads/?digest={partial_digest}")))
            .body(body)
            .send(),
    );
    tx.send(Ok(partial[..400_000].to_vec())).await.unwrap();
    // Sequencing only: let the partial body reach the server's temp file.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    server.kill_9();
    drop(tx);
    // The client sees the connection drop; whatever it got, the blob must not exist.
    let _ = in_flight.await;
    drop(server);
    let leftovers = std::fs::read_dir(dir.path().join("blobs/tmp"))
        .unwrap()
        .count();
    assert_eq!(leftovers, 1, "the cut-off put left its temp file");

    let server = binary(dir.path(), None).await;
    assert_blobs_intact(&client, &server, &blobs).await;
    let head = client
        .head(server.url(&format!("/v2/k/r/blobs/{partial_digest}")))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::NOT_FOUND);
    // The crashed put's temp file was swept at startup; the session kept its acknowledged bytes.
    assert_eq!(
        std::fs::read_dir(dir.path().join("blobs/tmp"))
            .unwrap()
            .count(),
        0
    );
    // The session is reached through the restarted server's port.
    let session = server.url(&format!("/v2/{}", session.split_once("/v2/").unwrap().1));
    let status = client.get(&session).send().await.unwrap();
    assert_eq!(status.status(), StatusCode::NO_CONTENT);
    assert_eq!(status.headers()["range"], "0-9999");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_with_zero_upload_ttl_sweeps_a_session_left_by_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = binary(dir.path(), None).await;
    let client = reqwest::Client::new();
    let blobs = push_five_blobs(&client, &server).await;
    let session = open_session(&client, &server).await;
    let id = session
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let file = dir.path().join("uploads").join(&id);
    assert!(file.exists(), "the session keeps its bytes in {file:?}");
    server.kill_9();
    drop(server);
    // Sequencing only: the TTL compares whole seconds, so the session must be at least one
    // second old when the restarted server's evictor runs.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    let mut server = binary(dir.path(), Some("limits:\n  upload_ttl_minutes: 0\n")).await;
    let session = server.url(&format!("/v2/{}", session.split_once("/v2/").unwrap().1));
    // The evictor's first run starts with the server; wait for it to have swept the session.
    let mut status = StatusCode::NO_CONTENT;
    for _ in 0..100 {
        status = client.get(&session).send().await.unwrap().status();
        if status == StatusCode::NOT_FOUND && !file.exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status, StatusCode::NOT_FOUND, "{}", server.log());
    assert!(!file.exists(), "{file:?} was not swept:\n{}", server.log());
    assert_blobs_intact(&client, &server, &blobs).await;
    // SIGTERM shuts the server down cleanly.
    let exit = server.sigterm();
    assert!(exit.success(), "{exit}:\n{}", server.log());
}

#[tokio::test]
async fn wrong_digest_on_put_leaves_no_blob() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let client = reqwest::Client::new();
    let claimed = Digest::of(b"what the client claims");
    let at = start_upload(&client, &base(&server), "w/r").await;
    let response = client
        .put(format!("{at}?digest={claimed}"))
        .body(b"other bytes".to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "DIGEST_INVALID");
    for digest in [&claimed, &Digest::of(b"other bytes")] {
        let head = head(&client, &server, &format!("/v2/w/r/blobs/{digest}")).await;
        assert_eq!(head.status(), StatusCode::NOT_FOUND);
    }
    assert!(server.state().store.list().await.unwrap().is_empty());
    assert_eq!(
        std::fs::read_dir(dir.path().join("uploads"))
            .unwrap()
            .count(),
        0
    );

    // Monolithic POST with a wrong digest: the same.
    let response = post(
        &client,
        &server,
        &format!("/v2/w/r/blobs/uploads/?digest={claimed}"),
        b"still wrong".to_vec(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(server.state().store.list().await.unwrap().is_empty());
    server.shutdown().await.unwrap();
}

/// A server with one 1000-byte blob pushed to `a/b` by a monolithic upload (its `201` and
/// `Location` checked): the server, a client, the bytes and their digest.
async fn server_with_a_blob(dir: &std::path::Path) -> (Server, reqwest::Client, Vec<u8>, Digest) {
    let server = start(dir).await;
    let client = reqwest::Client::new();
    let data: Vec<u8> = (0..1000u32).map(|i| (i % 256) as u8).collect();
    let digest = Digest::of(&data);
    let response = post(
        &client,
        &server,
        &format!("/v2/a/b/blobs/uploads/?digest={digest}"),
        data.clone(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        response.headers()["location"],
        format!("/v2/a/b/blobs/{digest}").as_str()
    );
    (server, client, data, digest)
}

#[tokio::test]
async fn a_pushed_blob_is_served_whole_and_by_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let (server, client, data, digest) = server_with_a_blob(dir.path()).await;
    let blob = url(&server, &format!("/v2/a/b/blobs/{digest}"));
    let response = client
        .get(&blob)
        .header("range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(response.headers()["content-range"], "bytes 10-19/1000");
    assert_eq!(response.headers()["content-length"], "10");
    assert_eq!(response.bytes().await.unwrap().as_ref(), &data[10..20]);
    let response = client
        .get(&blob)
        .header("range", "bytes=-5")
        .send()
        .await
        .unwrap();
    assert_eq!(response.bytes().await.unwrap().as_ref(), &data[995..]);
    let response = client
        .get(&blob)
        .header("range", "bytes=1000-")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(response.headers()["content-range"], "bytes */1000");
    let head = client.head(&blob).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()["content-length"], "1000");
    assert_eq!(head.headers()["docker-content-digest"], digest.as_str());
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_blob_is_served_and_mounted_only_where_it_is_linked() {
    let dir = tempfile::tempdir().unwrap();
    let (server, client, data, digest) = server_with_a_blob(dir.path()).await;
    // A repository that does not link the blob does not serve it.
    let elsewhere = url(&server, &format!("/v2/x/y/blobs/{digest}"));
    let response = client.get(&elsewhere).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // Mounting from a repository that does not link it, or with no `from`, starts a session
    // instead; from the repository that has it, the mount links it here.
    for query in [
        format!("mount={digest}&from=nowhere"),
        format!("mount={digest}"),
    ] {
        let response = post(
            &client,
            &server,
            &format!("/v2/x/y/blobs/uploads/?{query}"),
            Vec::new(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::ACCEPTED, "{query}");
    }
    let response = post(
        &client,
        &server,
        &format!("/v2/x/y/blobs/uploads/?m%6Funt={digest}&fr%6Fm=a%2Fb"),
        Vec::new(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = client.get(&elsewhere).send().await.unwrap();
    assert_eq!(response.bytes().await.unwrap().as_ref(), &data[..]);
    // Mounting an unknown blob starts a session instead.
    let unknown = Digest::of(b"unknown");
    let response = post(
        &client,
        &server,
        &format!("/v2/x/y/blobs/uploads/?mount={unknown}&from=a/b"),
        Vec::new(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn manifests_tags_the_catalog_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let (server, client, _data, digest) = server_with_a_blob(dir.path()).await;
    // A second repository, for the catalog: the blob mounted into `x/y`.
    let response = post(
        &client,
        &server,
        &format!("/v2/x/y/blobs/uploads/?mount={digest}&from=a/b"),
        Vec::new(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);

    // A manifest that references a missing blob is refused.
    let config =
        br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
    let config_digest = Digest::of(config);
    let manifest = |config: &Digest| {
        serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config.as_str(), "size": 80},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest.as_str(), "size": 1000}],
        })
        .to_string()
    };
    let response = client
        .put(url(&server, "/v2/a/b/manifests/v1"))
        .header("content-type", "application/vnd.oci.image.manifest.v1+json")
        .body(manifest(&config_digest))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "MANIFEST_BLOB_UNKNOWN");

    // With the config uploaded it is accepted, under several tags.
    post(
        &client,
        &server,
        &format!("/v2/a/b/blobs/uploads/?digest={config_digest}"),
        config.to_vec(),
    )
    .await;
    let text = manifest(&config_digest);
    let manifest_digest = Digest::of(text.as_bytes());
    for tag in ["v1", "v2", "v3"] {
        let response = client
            .put(url(&server, &format!("/v2/a/b/manifests/{tag}")))
            .header("content-type", "application/vnd.oci.image.manifest.v1+json")
            .body(text.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(
            response.headers()["docker-content-digest"],
            manifest_digest.as_str()
        );
    }
    let got = get(&client, &server, "/v2/a/b/manifests/v2").await;
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(
        got.headers()["content-type"],
        "application/vnd.oci.image.manifest.v1+json"
    );
    assert_eq!(got.text().await.unwrap(), text);
    // Pushed by digest with the wrong digest.
    let response = client
        .put(url(&server, &format!("/v2/a/b/manifests/{config_digest}")))
        .body(text.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // Tag pagination with the Link header.
    let response = get(&client, &server, "/v2/a/b/tags/list?n=2").await;
    assert_eq!(
        response.headers()["link"],
        "</v2/a/b/tags/list?n=2&last=v2>; rel=\"next\""
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["tags"], serde_json::json!(["v1", "v2"]));
    let body: Value = get(&client, &server, "/v2/a/b/tags/list?n=2&last=v2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["tags"], serde_json::json!(["v3"]));
    let response = get(&client, &server, "/v2/a/b/tags/list?n=x").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // The catalog lists repositories, paginated the same way.
    let response = get(&client, &server, "/v2/_catalog?n=1").await;
    assert_eq!(
        response.headers()["link"],
        "</v2/_catalog?n=1&last=a/b>; rel=\"next\""
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["repositories"], serde_json::json!(["a/b"]));
    let body: Value = get(&client, &server, "/v2/_catalog?last=a/b")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["repositories"], serde_json::json!(["x/y"]));

    // Deleting a tag, then the manifest.
    let response = delete(&client, &server, "/v2/a/b/manifests/v3").await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let response = delete(
        &client,
        &server,
        &format!("/v2/a/b/manifests/{manifest_digest}"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let response = get(&client, &server, "/v2/a/b/manifests/v1").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "MANIFEST_UNKNOWN");

    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn invalid_names_unknown_repositories_and_the_base_endpoints() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let client = reqwest::Client::new();
    // Invalid names, unknown repositories.
    let response = get(&client, &server, "/v2/Bad/Name/tags/list").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "NAME_INVALID");
    let response = get(&client, &server, "/v2/never/pushed/tags/list").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    let health = get(&client, &server, "/healthz").await;
    assert_eq!(health.status(), StatusCode::OK);
    let base = get(&client, &server, "/v2/").await;
    assert_eq!(
        base.headers()["docker-distribution-api-version"],
        "registry/2.0"
    );
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docker_pushes_and_pulls_and_buildkit_exports_its_cache() {
    let Some(lab) = Docker::for_test("docker_pushes_and_pulls_and_buildkit_exports_its_cache")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let config = lab.config(dir.path().join("docker"));
    let docker = |args: &[&str]| lab.ok(&config, args);
    let busybox = busybox();
    let ours = format!("{}/docker/busybox:pushed", server.addr());
    for args in [
        &["pull", "-q", &busybox][..],
        &["tag", &busybox, &ours],
        &["push", "-q", &ours],
        &["rmi", &ours],
        &["pull", "-q", &ours],
    ] {
        docker(args);
    }
    let pulled = docker(&[
        "image",
        "inspect",
        "--format",
        "{{index .RepoDigests 0}}",
        &ours,
    ]);
    docker(&["rmi", &ours]);
    let digest = pulled.trim().rsplit_once('@').map(|(_, d)| d.to_string());
    let want = raw_manifest_digest(&format!("docker://{busybox}"));
    // Docker pushes the manifest it pulled, byte for byte.
    assert_eq!(digest.as_deref(), Some(want.as_str()), "{pulled}");

    // BuildKit's registry cache: export, then import into a build that finds its step cached.
    let context = dir.path().join("context");
    std::fs::create_dir_all(&context).unwrap();
    let marker = uuid_like(dir.path());
    std::fs::write(
        context.join("Dockerfile"),
        format!("FROM {busybox}\nRUN echo {marker} > /marker\n"),
    )
    .unwrap();
    let cache = format!("{}/cache/project/main", server.addr());
    let out = lab.build_cache_only(&config, &[cache_to(&cache)], &context);
    assert_ok("buildx build --cache-to", &out);
    let (_, tags) = get_json(
        &reqwest::Client::new(),
        &url(&server, "/v2/cache/project/main/tags/list"),
    )
    .await;
    assert_eq!(tags["tags"], serde_json::json!(["latest"]));
    let out = lab.build_cache_only(&config, &[cache_from(&cache)], &context);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(
        log.contains(&format!("importing cache manifest from {cache}")),
        "{log}"
    );
    assert!(!log.contains("ERROR"), "{log}");
    server.shutdown().await.unwrap();
}

/// A marker unique to this test run (the temp dir's name), so the build step is new.
fn uuid_like(dir: &Path) -> String {
    dir.file_name()
        .map(|n| {
            n.to_string_lossy()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "")
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn deleting_a_blob_keeps_it_while_another_repository_links_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let client = reqwest::Client::new();
    let data = b"shared layer";
    let digest = Digest::of(data);
    for repo in ["one/a", "two/b"] {
        let response = post(
            &client,
            &server,
            &format!("/v2/{repo}/blobs/uploads/?digest={digest}"),
            data.to_vec(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let blob = |repo: &str| url(&server, &format!("/v2/{repo}/blobs/{digest}"));
    let response = client.delete(blob("one/a")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    // Deleting twice: unknown in that repository now.
    let response = client.delete(blob("one/a")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    // Still linked from two/b: readable.
    let response = client.get(blob("two/b")).send().await.unwrap();
    assert_eq!(response.bytes().await.unwrap().as_ref(), data);
    let response = client.delete(blob("two/b")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    for repo in ["one/a", "two/b"] {
        let response = client.get(blob(repo)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
    assert!(server.state().store.list().await.unwrap().is_empty());
    assert_eq!(stats(&client, &server).await["stored_bytes"], 0);
    server.shutdown().await.unwrap();
}

#[tokio::test]
async fn referrers_list_manifests_with_a_subject() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let client = reqwest::Client::new();
    let empty = b"{}";
    let empty_digest = Digest::of(empty);
    post(
        &client,
        &server,
        &format!("/v2/r/s/blobs/uploads/?digest={empty_digest}"),
        empty.to_vec(),
    )
    .await;
    let image = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty_digest.as_str(), "size": 2},
        "layers": [],
    })
    .to_string();
    let image_digest = Digest::of(image.as_bytes());
    let response = client
        .put(url(&server, "/v2/r/s/manifests/img"))
        .header("content-type", "application/vnd.oci.image.manifest.v1+json")
        .body(image)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let signature = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "artifactType": "application/vnd.example.sig",
        "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty_digest.as_str(), "size": 2},
        "layers": [],
        "subject": {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": image_digest.as_str(), "size": 10},
    })
    .to_string();
    let signature_digest = Digest::of(signature.as_bytes());
    let response = client
        .put(url(
            &server,
            &format!("/v2/r/s/manifests/{signature_digest}"),
        ))
        .header("content-type", "application/vnd.oci.image.manifest.v1+json")
        .body(signature)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["oci-subject"], image_digest.as_str());
    let index: Value = get(
        &client,
        &server,
        &format!("/v2/r/s/referrers/{image_digest}"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(index["manifests"][0]["digest"], signature_digest.as_str());
    assert_eq!(
        index["manifests"][0]["artifactType"],
        "application/vnd.example.sig"
    );
    let filtered: Value = get(
        &client,
        &server,
        &format!("/v2/r/s/referrers/{image_digest}?artifactType=other"),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(filtered["manifests"], serde_json::json!([]));
    server.shutdown().await.unwrap();
}

/// The conformance suite's expectations that distribution 2.8 meets (issue 18, item 14): a
/// manifest read by a malformed tag, and a blob read or deleted by a well-formed sha512 digest
/// (which this server never stores), are unknown (404), not invalid; a push by a malformed tag
/// stays invalid (400).
#[tokio::test]
async fn references_that_cannot_exist_are_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path()).await;
    let client = reqwest::Client::new();
    let sha512 = format!("sha512:{}", "ab".repeat(64));
    let manifest = url(
        &server,
        "/v2/conformance/repo1/manifests/.INVALID_MANIFEST_NAME",
    );
    let blob = url(&server, &format!("/v2/conformance/repo1/blobs/{sha512}"));
    for (method, at) in [
        (reqwest::Method::GET, &manifest),
        (reqwest::Method::HEAD, &manifest),
        (reqwest::Method::DELETE, &manifest),
        (reqwest::Method::GET, &blob),
        (reqwest::Method::HEAD, &blob),
        (reqwest::Method::DELETE, &blob),
    ] {
        let status = client
            .request(method.clone(), at)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {at}");
    }
    let put = client
        .put(&manifest)
        .header("content-type", "application/vnd.oci.image.manifest.v1+json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::BAD_REQUEST);
    let short = url(&server, "/v2/conformance/repo1/blobs/sha512:abc");
    let status = client.get(&short).send().await.unwrap().status();
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "a malformed digest stays invalid"
    );
    server.shutdown().await.unwrap();
}
