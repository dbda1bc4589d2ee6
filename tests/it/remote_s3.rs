//! The `type=s3` cache backend against moto (`scripts/peers.sh`, `RBUILD_TEST_MOTO`): each test
//! makes its own bucket, exports an index with real blobs from a store under a tempdir, and reads
//! it back through a second store, verified.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_s3::Client;
use aws_sdk_s3::config::{Credentials, Region};
use aws_sdk_s3::primitives::ByteStream;
use rbuild::cache::CacheRecord;
use rbuild::cache::remote::index::CacheIndex;
use rbuild::cache::remote::s3::{S3Backend, S3Options};
use rbuild::cache::remote::spec::{CacheSpec, Direction, Kind, S3Spec};
use rbuild::cache::remote::{Access, Meter, RemoteBackend as _, RemoteError};
use rbuild::digest::Digest;
use rbuild::image::layer::LayerDescriptor;
use rbuild::store::{Store, StoreError};

/// moto's endpoint URL.
fn moto() -> String {
    std::env::var("RBUILD_TEST_MOTO").unwrap_or_else(|_| {
        panic!(
            "RBUILD_TEST_MOTO is not set: run the tests with scripts/test.sh (scripts/peers.sh \
             starts moto_server and exports the variable)"
        )
    })
}

/// A direct client of moto, to set up buckets and look at objects.
fn raw_client() -> Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(moto())
        .force_path_style(true)
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
        .build();
    Client::from_conf(config)
}

/// A fresh bucket with a name unique to this test and process.
async fn bucket(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let name = format!("rbuild-{test}-{}-{nanos}", std::process::id());
    raw_client()
        .create_bucket()
        .bucket(&name)
        .send()
        .await
        .unwrap();
    name
}

fn spec_text(bucket: &str, extra: &str) -> String {
    format!(
        "type=s3,bucket={bucket},region=us-east-1,endpoint_url={},use_path_style=true,\
         access_key_id=testing,secret_access_key=testing,prefix=ci/app/{extra}",
        moto()
    )
}

fn s3_spec(spec: &CacheSpec) -> S3Spec {
    match &spec.kind {
        Kind::S3(s3) => s3.clone(),
        other => panic!("not an s3 spec: {other:?}"),
    }
}

async fn backend_with(text: &str, options: S3Options) -> (S3Backend, Arc<Meter>) {
    let spec = CacheSpec::parse(text, Direction::Export).unwrap();
    let meter = Arc::new(Meter::default());
    let backend = S3Backend::connect_with(&spec, &s3_spec(&spec), meter.clone(), options)
        .await
        .unwrap();
    (backend, meter)
}

async fn backend(bucket: &str, extra: &str) -> (S3Backend, Arc<Meter>) {
    backend_with(&spec_text(bucket, extra), S3Options::default()).await
}

/// Deterministic bytes that do not compress to nothing.
fn bytes(seed: u8, len: usize) -> Vec<u8> {
    let mut x = u32::from(seed).wrapping_mul(2_654_435_761).max(1);
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x.to_le_bytes()[0]
        })
        .collect()
}

fn layer(store: &Store, content: &[u8]) -> LayerDescriptor {
    let digest = store.put_bytes(content).unwrap();
    LayerDescriptor {
        digest,
        diff_id: Digest::of(&[content, b"diff"].concat()),
        size: content.len() as u64,
        media_type: "application/vnd.oci.image.layer.v1.tar+zstd".into(),
    }
}

fn record(n: u8, layer: Option<&LayerDescriptor>) -> CacheRecord {
    CacheRecord {
        key: Digest::of(&[n, 0xca]),
        layer: layer.cloned(),
        chain_id: layer.map(|l| l.diff_id.clone()),
        created: "2026-01-01T00:00:00Z".into(),
        created_by: format!("RUN step {n}"),
        duration_ms: 7,
        lower_layers: Vec::new(),
        lower_chain_ids: Vec::new(),
        snapshot: None,
    }
}

fn index_of(layers: &[&LayerDescriptor]) -> CacheIndex {
    let mut records: Vec<CacheRecord> = layers
        .iter()
        .enumerate()
        .map(|(i, l)| record(u8::try_from(i).unwrap(), Some(l)))
        .collect();
    records.push(record(200, None));
    CacheIndex::new(records)
}

/// Fetches `desc` into `store` and commits it.
async fn fetch_into(
    backend: &S3Backend,
    store: &Store,
    desc: &LayerDescriptor,
) -> Result<Digest, String> {
    let mut sink = store.writer(Some(&desc.digest)).unwrap();
    backend
        .fetch(desc, &mut sink)
        .await
        .map_err(|e| format!("fetch: {e}"))?;
    sink.commit()
        .map(|(d, _)| d)
        .map_err(|e| format!("commit: {e}"))
}

struct Fixture {
    _dirs: (tempfile::TempDir, tempfile::TempDir),
    local: Store,
    fresh: Store,
}

fn stores() -> Fixture {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let local = Store::open(a.path()).unwrap();
    let fresh = Store::open(b.path()).unwrap();
    Fixture {
        _dirs: (a, b),
        local,
        fresh,
    }
}

#[tokio::test]
async fn an_export_loads_back_and_its_blobs_fetch_verified() {
    let bucket = bucket("roundtrip").await;
    let fx = stores();
    let small = layer(&fx.local, &bytes(1, 3000));
    let empty = layer(&fx.local, b"");
    let big = layer(&fx.local, &bytes(2, (20 << 20) + 123));
    let index = index_of(&[&small, &empty, &big]);
    let (writer, meter) = backend(&bucket, "").await;
    let lacking = writer.lacking(&index.layers()).await.unwrap();
    assert_eq!(lacking, index.layers(), "an empty bucket lacks everything");
    writer
        .export("main", &index, &lacking, &fx.local)
        .await
        .unwrap();
    let sent = meter.report();
    assert_eq!(sent.blobs_uploaded, 3);
    let layer_bytes = small.size + big.size;
    assert!(
        sent.upload_bytes > layer_bytes,
        "{} <= {layer_bytes}",
        sent.upload_bytes
    );
    assert!(sent.requests >= 3 + 3 + 2, "{sent:?}");

    // The big blob went up in parts (a multipart ETag ends in -<parts>).
    let raw = raw_client();
    let head = raw
        .head_object()
        .bucket(&bucket)
        .key(format!("ci/app/blobs/sha256/{}", big.digest.hex()))
        .send()
        .await
        .unwrap();
    assert!(
        head.e_tag().unwrap_or_default().contains("-3"),
        "{:?}",
        head.e_tag()
    );
    assert_eq!(
        head.content_length(),
        Some(i64::try_from(big.size).unwrap())
    );
    let open = raw
        .list_multipart_uploads()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert!(open.uploads().is_empty(), "{:?}", open.uploads());

    // A new backend (another runner) reads it back.
    let (reader, meter) = backend(&bucket, "").await;
    let loaded = reader
        .load(&["main".to_string()])
        .await
        .unwrap()
        .expect("an index");
    assert_eq!(loaded.index, index);
    assert_eq!(
        loaded.location,
        format!("s3://{bucket}/ci/app/index/main/cache")
    );
    for desc in [&small, &empty, &big] {
        assert_eq!(
            fetch_into(&reader, &fx.fresh, desc).await.unwrap(),
            desc.digest
        );
        fx.fresh.blobs().verify(&desc.digest).unwrap();
    }
    let got = meter.report();
    assert_eq!(got.blobs_downloaded, 3);
    assert!(got.download_bytes > layer_bytes, "{got:?}");
}

#[tokio::test]
async fn reads_fall_back_through_the_scopes() {
    let bucket = bucket("scopes").await;
    let fx = stores();
    let a = layer(&fx.local, &bytes(3, 100));
    let index = index_of(&[&a]);
    let (b, _) = backend(&bucket, "").await;
    b.export("main", &index, std::slice::from_ref(&a), &fx.local)
        .await
        .unwrap();
    let scopes = ["feature-x".to_string(), "main".to_string()];
    let loaded = b.load(&scopes).await.unwrap().expect("main's index");
    assert!(
        loaded.location.ends_with("/index/main/cache"),
        "{}",
        loaded.location
    );
    assert_eq!(loaded.index, index);
    assert!(b.load(&scopes[..1]).await.unwrap().is_none());
    assert!(b.load(&[]).await.unwrap().is_none());

    // The own scope wins once it has an index.
    let other = index_of(&[]);
    b.export("feature-x", &other, &[], &fx.local).await.unwrap();
    let loaded = b.load(&scopes).await.unwrap().unwrap();
    assert!(loaded.location.ends_with("/index/feature-x/cache"));
    assert_eq!(loaded.index, other);

    // Another `name=` is another index in the same scope.
    let (named, _) = backend(&bucket, ",name=arm64").await;
    assert!(named.load(&scopes).await.unwrap().is_none());
}

#[tokio::test]
async fn a_second_export_uploads_only_the_new_blobs() {
    let bucket = bucket("incremental").await;
    let fx = stores();
    let a = layer(&fx.local, &bytes(4, 5000));
    let b = layer(&fx.local, &bytes(5, 6000));
    let (backend, meter) = backend(&bucket, "").await;
    let first = index_of(&[&a, &b]);
    let up = backend.lacking(&first.layers()).await.unwrap();
    backend
        .export("main", &first, &up, &fx.local)
        .await
        .unwrap();
    assert!(backend.lacking(&first.layers()).await.unwrap().is_empty());
    let before = meter.report();
    assert_eq!(before.blobs_uploaded, 2);

    let c = layer(&fx.local, &bytes(6, 7000));
    let second = index_of(&[&a, &b, &c]);
    let up = backend.lacking(&second.layers()).await.unwrap();
    assert_eq!(up, vec![c.clone()]);
    backend
        .export("main", &second, &up, &fx.local)
        .await
        .unwrap();
    let after = meter.report();
    assert_eq!(after.blobs_uploaded - before.blobs_uploaded, 1);
    let (config, manifest) = second.encode();
    assert_eq!(
        after.upload_bytes - before.upload_bytes,
        c.size + config.len() as u64 + manifest.len() as u64
    );
    let loaded = backend.load(&["main".into()]).await.unwrap().unwrap();
    assert_eq!(loaded.index, second);
}

#[tokio::test]
async fn touch_refresh_copies_old_blobs_onto_themselves() {
    let bucket = bucket("touch").await;
    let fx = stores();
    let a = layer(&fx.local, &bytes(7, 4000));
    let index = index_of(&[&a]);
    let key = format!("ci/app/blobs/sha256/{}", a.digest.hex());
    let modified = || async {
        raw_client()
            .head_object()
            .bucket(&bucket)
            .key(&key)
            .send()
            .await
            .unwrap()
            .last_modified()
            .copied()
            .unwrap()
    };
    // The default (24h): a fresh blob is left alone.
    let (lazy, lazy_meter) = backend(&bucket, "").await;
    lazy.export("main", &index, std::slice::from_ref(&a), &fx.local)
        .await
        .unwrap();
    let first = modified().await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert!(lazy.lacking(&index.layers()).await.unwrap().is_empty());
    let requests = lazy_meter.report().requests;
    lazy.export("main", &index, &[], &fx.local).await.unwrap();
    assert_eq!(
        lazy_meter.report().requests - requests,
        2,
        "config and index only"
    );
    assert_eq!(modified().await, first);

    // touch_refresh=0s: every blob seen by `lacking` is refreshed on export.
    let (eager, _) = backend(&bucket, ",touch_refresh=0s").await;
    assert!(eager.lacking(&index.layers()).await.unwrap().is_empty());
    eager.export("main", &index, &[], &fx.local).await.unwrap();
    let second = modified().await;
    assert!(second.secs() > first.secs(), "{first:?} -> {second:?}");
    // Still the same blob.
    assert_eq!(fetch_into(&eager, &fx.fresh, &a).await.unwrap(), a.digest);
}

#[tokio::test]
async fn a_corrupted_blob_fails_its_commit_and_a_missing_one_is_named() {
    let bucket = bucket("corrupt").await;
    let fx = stores();
    let a = layer(&fx.local, &bytes(8, 2048));
    let index = index_of(&[&a]);
    let (backend, _) = backend(&bucket, "").await;
    backend
        .export("main", &index, std::slice::from_ref(&a), &fx.local)
        .await
        .unwrap();
    let mut evil = bytes(8, 2048);
    evil[100] ^= 0xff;
    raw_client()
        .put_object()
        .bucket(&bucket)
        .key(format!("ci/app/blobs/sha256/{}", a.digest.hex()))
        .body(ByteStream::from(evil))
        .send()
        .await
        .unwrap();
    let mut sink = fx.fresh.writer(Some(&a.digest)).unwrap();
    backend.fetch(&a, &mut sink).await.unwrap();
    match sink.commit() {
        Err(StoreError::DigestMismatch { expected, actual }) => {
            assert_eq!(expected, a.digest);
            assert_ne!(actual, a.digest);
        }
        other => panic!("expected a digest mismatch, got {other:?}"),
    }
    assert!(!fx.fresh.blobs().has(&a.digest));

    let gone = layer(&fx.local, b"never exported");
    let mut sink = fx.fresh.writer(Some(&gone.digest)).unwrap();
    match backend.fetch(&gone, &mut sink).await {
        Err(RemoteError::MissingBlob { digest, .. }) => assert_eq!(digest, gone.digest),
        other => panic!("expected MissingBlob, got {other:?}"),
    }
}

#[tokio::test]
async fn an_interrupted_download_resumes_with_a_range() {
    let bucket = bucket("resume").await;
    let fx = stores();
    let content = bytes(9, 100_000);
    let a = layer(&fx.local, &content);
    let (backend, meter) = backend(&bucket, "").await;
    backend
        .export(
            "main",
            &index_of(&[&a]),
            std::slice::from_ref(&a),
            &fx.local,
        )
        .await
        .unwrap();
    {
        use std::io::Write as _;
        let mut partial = fx.fresh.writer(Some(&a.digest)).unwrap();
        partial.write_all(&content[..30_000]).unwrap();
        // Dropped uncommitted: the partial stays for a resume.
    }
    let mut sink = fx.fresh.writer(Some(&a.digest)).unwrap();
    assert_eq!(sink.resume_offset(), 30_000);
    backend.fetch(&a, &mut sink).await.unwrap();
    assert_eq!(sink.commit().unwrap().0, a.digest);
    assert_eq!(meter.report().download_bytes, 70_000);
}

#[tokio::test]
async fn an_unreachable_endpoint_is_a_clear_error() {
    let text = "type=s3,bucket=nowhere,region=us-east-1,endpoint_url=http://127.0.0.1:1,\
                use_path_style=true,access_key_id=testing,secret_access_key=testing";
    let options = S3Options {
        max_attempts: 2,
        max_backoff: Duration::from_millis(100),
        connect_timeout: Duration::from_secs(1),
        ..S3Options::default()
    };
    let (backend, meter) = backend_with(text, options).await;
    match backend.load(&["main".into()]).await {
        Err(RemoteError::Backend { backend, message }) => {
            assert_eq!(backend, "s3://nowhere/");
            assert!(message.contains("GetObject"), "{message}");
            assert!(message.contains("http://127.0.0.1:1"), "{message}");
            assert!(
                message.to_lowercase().contains("connect") || message.contains("dispatch failure"),
                "{message}"
            );
        }
        other => panic!("expected a backend error, got {other:?}"),
    }
    assert_eq!(meter.report().requests, 2, "the retries are counted");
}

/// Runs this binary's `child` test with the standard AWS environment (no files, no instance
/// metadata) plus `extra`, so that the spec's missing region and credentials come from it;
/// `mode` says what the child expects.
fn run_child(mode: &str, bucket: &str, extra: &[(&str, &str)]) {
    let mut command = std::process::Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--exact",
            "it::remote_s3::child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("RBUILD_S3_CHILD", mode)
        .env("RBUILD_S3_CHILD_BUCKET", bucket)
        .env("AWS_CONFIG_FILE", "/nonexistent/rbuild-test/aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/rbuild-test/aws-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_S3");
    for (k, v) in extra {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child ({mode}): {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn region_and_credentials_come_from_the_aws_environment() {
    let bucket = bucket("envchain").await;
    run_child(
        "env",
        &bucket,
        &[
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_REGION", "us-east-1"),
        ],
    );
    run_child("none", &bucket, &[]);
}

/// The child side of [`run_child`]; does nothing in a normal test run.
#[tokio::test]
async fn child() {
    let (Ok(mode), Ok(bucket)) = (
        std::env::var("RBUILD_S3_CHILD"),
        std::env::var("RBUILD_S3_CHILD_BUCKET"),
    ) else {
        return;
    };
    // No region=, no keys: the standard chain.
    let text = format!(
        "type=s3,bucket={bucket},endpoint_url={},use_path_style=true",
        moto()
    );
    let (backend, _) = backend_with(&text, quick_retries()).await;
    let fx = stores();
    let a = layer(&fx.local, &bytes(12, 500));
    let index = index_of(&[&a]);
    let exported = backend
        .export("main", &index, std::slice::from_ref(&a), &fx.local)
        .await;
    match mode.as_str() {
        "env" => {
            exported.unwrap();
            let loaded = backend.load(&["main".into()]).await.unwrap().unwrap();
            assert_eq!(loaded.index, index);
        }
        "none" => {
            let e = exported.unwrap_err().to_string();
            assert!(e.to_lowercase().contains("credentials"), "{e}");
        }
        other => panic!("unknown child mode {other}"),
    }
}

/// An in-process S3 endpoint for faults moto cannot make: it answers the `i`-th connection
/// with `responses[i]` (raw HTTP, `Connection: close`) and records each request's head.
async fn scripted(responses: Vec<Vec<u8>>) -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        for response in responses {
            let (mut sock, _) = listener.accept().await.unwrap();
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && sock.read(&mut byte).await.unwrap() == 1 {
                head.push(byte[0]);
            }
            log.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&head).to_lowercase());
            sock.write_all(&response).await.unwrap();
            sock.shutdown().await.unwrap();
        }
    });
    (format!("http://{addr}"), seen)
}

fn http(status: &str, headers: &str, body: &[u8], sent: usize) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(&body[..sent]);
    out
}

fn s3_error(status: &str, code: &str) -> Vec<u8> {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>\
         <Message>{code}</Message></Error>"
    );
    http(
        status,
        "Content-Type: application/xml\r\n",
        body.as_bytes(),
        body.len(),
    )
}

fn quick_retries() -> S3Options {
    S3Options {
        max_attempts: 4,
        max_backoff: Duration::from_millis(50),
        ..S3Options::default()
    }
}

#[tokio::test]
async fn slow_down_answers_are_retried() {
    let (endpoint, seen) = scripted(vec![
        s3_error("503 Slow Down", "SlowDown"),
        s3_error("503 Slow Down", "SlowDown"),
        s3_error("404 Not Found", "NoSuchKey"),
    ])
    .await;
    let text = format!(
        "type=s3,bucket=b,region=us-east-1,endpoint_url={endpoint},use_path_style=true,\
         access_key_id=testing,secret_access_key=testing"
    );
    let (backend, meter) = backend_with(&text, quick_retries()).await;
    assert!(backend.load(&["main".into()]).await.unwrap().is_none());
    assert_eq!(meter.report().requests, 3);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    assert!(
        seen[2].starts_with("get /b/index/main/cache"),
        "{}",
        seen[2]
    );
}

#[tokio::test]
async fn a_body_cut_mid_way_resumes_with_a_range() {
    let content = bytes(11, 1000);
    let fx = stores();
    let desc = layer(&fx.local, &content);
    let (endpoint, seen) = scripted(vec![
        // Announces 1000 bytes, sends 400 and hangs up.
        http("200 OK", "", &content, 400),
        http(
            "206 Partial Content",
            "Content-Range: bytes 400-999/1000\r\n",
            &content[400..],
            600,
        ),
    ])
    .await;
    let text = format!(
        "type=s3,bucket=b,region=us-east-1,endpoint_url={endpoint},use_path_style=true,\
         access_key_id=testing,secret_access_key=testing"
    );
    let (backend, meter) = backend_with(&text, quick_retries()).await;
    assert_eq!(
        fetch_into(&backend, &fx.fresh, &desc).await.unwrap(),
        desc.digest
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert!(!seen[0].contains("range:"), "{}", seen[0]);
    assert!(seen[1].contains("range: bytes=400-"), "{}", seen[1]);
    assert_eq!(meter.report().download_bytes, 1000);
    assert_eq!(meter.report().blobs_downloaded, 1);
}

#[tokio::test]
async fn a_wrong_bucket_is_an_error_not_an_empty_cache() {
    let fx = stores();
    let a = layer(&fx.local, &bytes(10, 10));
    let (backend, _) = backend("rbuild-no-such-bucket-anywhere", "").await;
    match backend.load(&["main".into()]).await {
        Err(RemoteError::Backend { message, .. }) => {
            assert!(message.contains("NoSuchBucket"), "{message}");
            assert!(
                message.contains("rbuild-no-such-bucket-anywhere"),
                "{message}"
            );
        }
        other => panic!("expected a backend error, got {other:?}"),
    }
    let e = backend
        .export(
            "main",
            &index_of(&[&a]),
            std::slice::from_ref(&a),
            &fx.local,
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("NoSuchBucket"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_start_up_check_tells_a_writable_bucket_from_a_missing_one() {
    let name = bucket("check").await;
    let (writable, _) = backend(&name, "").await;
    assert_eq!(writable.check("main").await.unwrap(), Access::ReadWrite);
    // Nothing was left behind: no object, no pending multipart upload.
    let client = raw_client();
    let objects = client.list_objects_v2().bucket(&name).send().await.unwrap();
    assert_eq!(objects.key_count(), Some(0), "{objects:?}");
    let uploads = client
        .list_multipart_uploads()
        .bucket(&name)
        .send()
        .await
        .unwrap();
    assert!(uploads.uploads().is_empty(), "{uploads:?}");

    let (missing, _) = backend(&format!("{name}-missing"), "").await;
    match missing.check("main").await.unwrap() {
        Access::Unreachable(why) => assert!(why.contains("NoSuchBucket"), "{why}"),
        other => panic!("a missing bucket checked as {other}"),
    }
}
