//! The S3 blob store and tag references against the moto S3 peer (`RBUILD_TEST_MOTO`, default
//! http://127.0.0.1:5001); every test creates its own bucket.
// Test helpers: a failed setup step is a failed test.
#![allow(clippy::unwrap_used)]

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::StreamExt as _;
use rbuild_cache_server::blobs::{BlobError, BlobStore, Digest};
use rbuild_cache_server::config::{Config, S3Config, StorageConfig};
use rbuild_cache_server::s3::refs::{S3Refs, Swap};
use rbuild_cache_server::s3::{PART_SIZE, S3BlobStore};
use rbuild_cache_server::store::Store;
use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};

use crate::support::{
    bucket_keys as keys, child_bucket, create_bucket as bucket, drop_bucket, moto_credentials,
    run_child_with_moto, s3_client as client, s3_config,
};

/// The store on `config` with moto's credentials.
async fn connect(config: &S3Config) -> Result<S3BlobStore, BlobError> {
    let loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .credentials_provider(moto_credentials());
    S3BlobStore::connect_with(config, loader).await
}

async fn store(prefix: &str) -> (String, S3BlobStore) {
    let bucket = bucket().await;
    let store = connect(&s3_config(&bucket, prefix)).await.unwrap();
    (bucket, store)
}

fn data(len: usize, seed: u32) -> Vec<u8> {
    (0..len as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761).wrapping_add(seed) >> 13) as u8)
        .collect()
}

async fn read_all(reader: impl AsyncRead + Unpin) -> Vec<u8> {
    let mut out = Vec::new();
    let mut reader = reader;
    reader.read_to_end(&mut out).await.unwrap();
    out
}

async fn open_uploads(bucket: &str) -> Vec<String> {
    let out = client()
        .list_multipart_uploads()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    out.uploads()
        .iter()
        .filter_map(|u| u.key().map(str::to_string))
        .collect()
}

#[tokio::test]
async fn s3_put_stat_open_range_list_delete() {
    let (bucket, store) = store("team-a").await;
    let body = data(300_000, 1);
    let digest = Digest::of(&body);
    assert_eq!(store.stat(&digest).await.unwrap(), None);
    assert_eq!(store.put(&digest, &body[..]).await.unwrap(), 300_000);
    // The prefix gained its slash; the blob sits at its documented key.
    assert_eq!(
        keys(&bucket).await,
        vec![format!("team-a/blobs/sha256/{}", digest.hex())]
    );
    assert_eq!(store.stat(&digest).await.unwrap(), Some(300_000));

    let (reader, len) = store.open(&digest, None).await.unwrap();
    assert_eq!(len, 300_000);
    assert_eq!(read_all(reader).await, body);
    let (reader, len) = store.open(&digest, Some(70_000..70_010)).await.unwrap();
    assert_eq!(len, 10);
    assert_eq!(read_all(reader).await, body[70_000..70_010]);
    let (reader, len) = store.open(&digest, Some(5..5)).await.unwrap();
    assert_eq!(len, 0);
    assert!(read_all(reader).await.is_empty());
    for bad in [10..300_001, 300_000..300_010, 400_000..400_000] {
        let Err(err) = store.open(&digest, Some(bad.clone())).await else {
            panic!("{bad:?} opened");
        };
        assert!(
            matches!(err, BlobError::RangeNotSatisfiable { size: 300_000, .. }),
            "{bad:?}: {err}"
        );
    }

    // The empty blob (an empty layer's digest) is a blob like any other.
    let empty = Digest::of(b"");
    assert_eq!(store.put(&empty, &b""[..]).await.unwrap(), 0);
    let (reader, len) = store.open(&empty, None).await.unwrap();
    assert_eq!(len, 0);
    assert!(read_all(reader).await.is_empty());
    assert!(store.delete(&empty).await.unwrap());

    let other = Digest::of(b"small");
    store.put(&other, &b"small"[..]).await.unwrap();
    let mut expected = vec![(digest.clone(), 300_000), (other.clone(), 5)];
    expected.sort();
    assert_eq!(store.list().await.unwrap(), expected);
    assert_eq!(store.stored_bytes().await.unwrap(), 300_005);

    assert!(store.delete(&digest).await.unwrap());
    assert!(!store.delete(&digest).await.unwrap());
    assert_eq!(store.stat(&digest).await.unwrap(), None);
    assert!(matches!(
        store.open(&digest, None).await,
        Err(BlobError::NotFound(_))
    ));
    assert!(matches!(
        store.open(&digest, Some(0..1)).await,
        Err(BlobError::NotFound(_))
    ));
    assert_eq!(store.list().await.unwrap(), vec![(other, 5)]);
}

#[tokio::test]
async fn s3_list_pages_past_a_thousand_keys() {
    let (_bucket, store) = store("").await;
    // ListObjectsV2 returns at most 1000 keys a page.
    let puts = (0..1005u32).map(|i| {
        let store = store.clone();
        async move {
            let body = i.to_be_bytes();
            let digest = Digest::of(&body);
            store.put(&digest, &body[..]).await.unwrap();
            (digest, 4)
        }
    });
    let mut expected: Vec<(Digest, u64)> = futures_util::stream::iter(puts)
        .buffer_unordered(16)
        .collect()
        .await;
    expected.sort();
    assert_eq!(store.list().await.unwrap(), expected);
}

#[tokio::test]
async fn s3_large_body_goes_multipart_and_reads_back() {
    let (bucket, store) = store("").await;
    let body = data(20 * 1024 * 1024 + 12_345, 2);
    let digest = Digest::of(&body);
    assert_eq!(
        store.put(&digest, &body[..]).await.unwrap(),
        body.len() as u64
    );
    let head = client()
        .head_object()
        .bucket(&bucket)
        .key(store.key(&digest))
        .send()
        .await
        .unwrap();
    // A multipart object's ETag ends in -<parts>: 8 + 8 + 4 MiB.
    assert!(
        head.e_tag()
            .unwrap_or_default()
            .trim_matches('"')
            .ends_with("-3"),
        "ETag {:?}",
        head.e_tag()
    );
    assert!(open_uploads(&bucket).await.is_empty());
    let (reader, len) = store.open(&digest, None).await.unwrap();
    assert_eq!(len, body.len() as u64);
    assert_eq!(read_all(reader).await, body);
    // A range across the first part boundary.
    let at = PART_SIZE as u64 - 100;
    let (reader, _) = store.open(&digest, Some(at..at + 200)).await.unwrap();
    assert_eq!(
        read_all(reader).await,
        body[PART_SIZE - 100..PART_SIZE + 100]
    );
    // Putting it again verifies the body, keeps the object and opens no upload.
    store.put(&digest, &body[..]).await.unwrap();
    let wrong = data(body.len(), 3);
    let err = store.put(&digest, &wrong[..]).await.unwrap_err();
    assert!(matches!(err, BlobError::DigestMismatch { .. }), "{err}");
    assert_eq!(
        store.list().await.unwrap(),
        vec![(digest, body.len() as u64)]
    );
    assert!(open_uploads(&bucket).await.is_empty());
    drop_bucket(&bucket).await;
}

#[tokio::test]
async fn s3_digest_mismatch_leaves_no_object_and_no_upload() {
    let (bucket, store) = store("").await;
    let wrong = Digest::of(b"something else");
    for len in [1000, PART_SIZE, PART_SIZE * 2 + 7] {
        let body = data(len, 4);
        let err = store.put(&wrong, &body[..]).await.unwrap_err();
        match err {
            BlobError::DigestMismatch { expected, actual } => {
                assert_eq!(expected, wrong);
                assert_eq!(actual, Digest::of(&body));
            }
            other => panic!("{len}: unexpected error {other}"),
        }
    }
    assert!(keys(&bucket).await.is_empty());
    assert!(open_uploads(&bucket).await.is_empty());
}

/// A body that yields `data`, then reports it is waiting and never ends.
struct Stalling {
    data: Vec<u8>,
    pos: usize,
    reached: Option<tokio::sync::oneshot::Sender<()>>,
}

impl AsyncRead for Stalling {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        if this.pos < this.data.len() {
            let n = buf.remaining().min(this.data.len() - this.pos);
            buf.put_slice(&this.data[this.pos..this.pos + n]);
            this.pos += n;
            return Poll::Ready(Ok(()));
        }
        if let Some(tx) = this.reached.take() {
            let _ = tx.send(());
        }
        Poll::Pending
    }
}

/// A body that yields `data` up to `gate_at`, reports it got there, and yields the rest once the
/// gate opens.
struct Gated {
    data: Vec<u8>,
    pos: usize,
    gate_at: usize,
    reached: Option<tokio::sync::oneshot::Sender<()>>,
    gate: Option<tokio::sync::oneshot::Receiver<()>>,
}

impl AsyncRead for Gated {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = &mut *self;
        if this.pos == this.gate_at {
            if let Some(tx) = this.reached.take() {
                let _ = tx.send(());
            }
            if let Some(gate) = this.gate.as_mut() {
                if Pin::new(gate).poll(cx).is_pending() {
                    return Poll::Pending;
                }
                this.gate = None;
            }
        }
        let end = if this.gate.is_some() {
            this.gate_at
        } else {
            this.data.len()
        };
        let n = buf.remaining().min(end - this.pos);
        buf.put_slice(&this.data[this.pos..this.pos + n]);
        this.pos += n;
        Poll::Ready(Ok(()))
    }
}

#[tokio::test]
async fn s3_multipart_put_losing_the_race_keeps_the_winner() {
    // Another replica stores the blob while this put is between its parts: the conditional
    // CompleteMultipartUpload is refused (412), the put succeeds and aborts its upload, and the
    // object stays the other replica's (planted with other bytes, so a replacement would show).
    let (bucket, store) = store("").await;
    let body = data(PART_SIZE + 1000, 9);
    let digest = Digest::of(&body);
    let (reached_tx, reached) = tokio::sync::oneshot::channel();
    let (open, gate) = tokio::sync::oneshot::channel();
    let gated = Gated {
        data: body.clone(),
        pos: 0,
        gate_at: PART_SIZE + 10,
        reached: Some(reached_tx),
        gate: Some(gate),
    };
    let put = tokio::spawn({
        let (store, digest) = (store.clone(), digest.clone());
        async move { store.put(&digest, gated).await }
    });
    reached.await.unwrap();
    assert_eq!(open_uploads(&bucket).await.len(), 1);
    client()
        .put_object()
        .bucket(&bucket)
        .key(store.key(&digest))
        .body(b"planted".to_vec().into())
        .send()
        .await
        .unwrap();
    open.send(()).unwrap();
    assert_eq!(put.await.unwrap().unwrap(), body.len() as u64);
    let object = client()
        .get_object()
        .bucket(&bucket)
        .key(store.key(&digest))
        .send()
        .await
        .unwrap();
    let bytes = object.body.collect().await.unwrap().into_bytes();
    assert!(
        &bytes[..] == b"planted",
        "the object was replaced ({} bytes)",
        bytes.len()
    );
    assert!(open_uploads(&bucket).await.is_empty());
}

/// A body whose reads fail: a client connection that broke.
struct Broken;

impl AsyncRead for Broken {
    fn poll_read(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        _buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Poll::Ready(Err(std::io::Error::other("connection reset")))
    }
}

#[tokio::test]
async fn s3_body_error_mid_way_aborts_its_upload() {
    let (bucket, store) = store("").await;
    let first = data(PART_SIZE + 10, 8);
    let digest = Digest::of(&first);
    let err = store
        .put(&digest, (&first[..]).chain(Broken))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, BlobError::Io { source, .. } if source.to_string() == "connection reset"),
        "{err}"
    );
    assert!(open_uploads(&bucket).await.is_empty());
    assert!(keys(&bucket).await.is_empty());
}

#[tokio::test]
async fn s3_put_dropped_mid_way_aborts_its_upload() {
    let (bucket, store) = store("").await;
    let (tx, rx) = tokio::sync::oneshot::channel();
    let body = Stalling {
        data: data(PART_SIZE + 10, 5),
        pos: 0,
        reached: Some(tx),
    };
    let digest = Digest::of(b"never complete");
    let put = tokio::spawn({
        let store = store.clone();
        async move { store.put(&digest, body).await }
    });
    // The first part is uploaded and the put waits for more of the body.
    rx.await.unwrap();
    assert_eq!(open_uploads(&bucket).await.len(), 1);
    put.abort();
    assert!(put.await.unwrap_err().is_cancelled());
    // The guard's abort runs in a spawned task: wait for it (bounded).
    for _ in 0..100 {
        if open_uploads(&bucket).await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(open_uploads(&bucket).await.is_empty());
    assert!(keys(&bucket).await.is_empty());
}

#[tokio::test]
async fn s3_concurrent_puts_of_one_blob_keep_one_object() {
    let (bucket, store) = store("").await;
    for len in [4096, PART_SIZE + 4096] {
        let body = data(len, 6);
        let digest = Digest::of(&body);
        let puts: Vec<_> = (0..4)
            .map(|_| {
                let (store, body, digest) = (store.clone(), body.clone(), digest.clone());
                tokio::spawn(async move { store.put(&digest, &body[..]).await })
            })
            .collect();
        for put in puts {
            assert_eq!(put.await.unwrap().unwrap(), len as u64);
        }
        let (reader, _) = store.open(&digest, None).await.unwrap();
        assert_eq!(read_all(reader).await, body);
    }
    assert_eq!(keys(&bucket).await.len(), 2);
    assert!(open_uploads(&bucket).await.is_empty());
    drop_bucket(&bucket).await;
}

#[tokio::test]
async fn s3_second_conditional_put_is_refused_and_taken_as_stored() {
    // What makes racing replicas safe: S3 refuses the second If-None-Match write (412) and the
    // store reports success without replacing the object. The object planted here holds other
    // bytes, so an unconditional write would show.
    let (bucket, store) = store("").await;
    let body = b"first".to_vec();
    let digest = Digest::of(&body);
    let raced = client()
        .put_object()
        .bucket(&bucket)
        .key(store.key(&digest))
        .body(b"planted".to_vec().into())
        .send()
        .await
        .unwrap();
    let refused = client()
        .put_object()
        .bucket(&bucket)
        .key(store.key(&digest))
        .if_none_match("*")
        .body(body.clone().into())
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        refused.raw_response().map(|r| r.status().as_u16()),
        Some(412)
    );
    assert_eq!(store.put(&digest, &body[..]).await.unwrap(), 5);
    let head = client()
        .head_object()
        .bucket(&bucket)
        .key(store.key(&digest))
        .send()
        .await
        .unwrap();
    assert_eq!(head.e_tag(), raced.e_tag());
}

#[tokio::test]
async fn s3_sweep_aborts_stale_uploads_under_blobs_only() {
    let (bucket, store) = store("p").await;
    let kept = Digest::of(b"kept");
    store.put(&kept, &b"kept"[..]).await.unwrap();
    for key in ["p/blobs/sha256/crashed", "elsewhere/upload"] {
        client()
            .create_multipart_upload()
            .bucket(&bucket)
            .key(key)
            .send()
            .await
            .unwrap();
    }
    // moto reports every upload as started in 2010, so an hour's cutoff takes ours.
    assert_eq!(
        store
            .sweep_uploads(Duration::from_secs(3600))
            .await
            .unwrap(),
        1
    );
    assert_eq!(open_uploads(&bucket).await, vec!["elsewhere/upload"]);
    assert_eq!(store.list().await.unwrap(), vec![(kept, 4)]);
    assert_eq!(
        Store::S3(store.clone()).sweep_temp().await.unwrap(),
        0,
        "nothing left to sweep"
    );
}

#[tokio::test]
async fn s3_unreachable_endpoint_is_a_clear_error() {
    let config = S3Config {
        endpoint: Some("http://127.0.0.1:1".to_string()),
        ..s3_config("no-such-bucket", "")
    };
    let err = connect(&config).await.unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(
            &err,
            BlobError::S3 {
                op: "HeadBucket",
                ..
            }
        ),
        "{message}"
    );
    assert!(message.contains("http://127.0.0.1:1"), "{message}");
    assert!(message.contains("Connection refused"), "{message}");
    assert!(message.contains("no-such-bucket"), "{message}");
}

#[tokio::test]
async fn s3_missing_bucket_is_a_clear_error() {
    let err = connect(&s3_config("rbuild-it-missing-bucket", ""))
        .await
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("HeadBucket"), "{message}");
    assert!(message.contains("HTTP 404"), "{message}");
    assert!(message.contains("rbuild-it-missing-bucket"), "{message}");
}

/// `Store::from_config` takes credentials from the AWS environment: run it in a child process of
/// this test binary whose environment holds moto's credentials.
#[test]
fn s3_store_from_config_uses_the_aws_environment() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let bucket = runtime.block_on(bucket());
    run_child_with_moto("s3::from_config_child", &bucket);
    let stored = runtime.block_on(keys(&bucket));
    assert_eq!(
        stored,
        vec![
            format!("ci/blobs/sha256/{}", Digest::of(b"from config").hex()),
            "ci/repos/app/main/tags/latest".to_string(),
        ]
    );
}

#[tokio::test]
#[ignore = "run by s3_store_from_config_uses_the_aws_environment in a child process"]
async fn from_config_child() {
    let bucket = child_bucket();
    let config = Config {
        storage: StorageConfig {
            s3: Some(s3_config(&bucket, "ci/")),
        },
        ..Config::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let store = Store::from_config(&config, dir.path()).await.unwrap();
    assert!(matches!(store, Store::S3(_)), "{store:?}");
    let refs = store.s3_refs().unwrap();
    refs.put_tag("app/main", "latest", Digest::of(b"m").as_str())
        .await
        .unwrap();
    assert_eq!(
        refs.key("app/main", "latest"),
        "ci/repos/app/main/tags/latest"
    );
    let digest = Digest::of(b"from config");
    store.put(&digest, &b"from config"[..]).await.unwrap();
    let (reader, len) = store.open(&digest, Some(5..11)).await.unwrap();
    assert_eq!(len, 6);
    assert_eq!(read_all(reader).await, b"config");
    // Nothing went to the data directory.
    assert!(!dir.path().join("blobs").exists());
}

#[tokio::test]
async fn s3_refs_create_move_list_delete() {
    let (bucket, store) = store("").await;
    let refs = S3Refs::new(store.clone());
    let (a, b) = (Digest::of(b"a").to_string(), Digest::of(b"b").to_string());
    assert_eq!(refs.get_tag("org/app/main", "latest").await.unwrap(), None);
    refs.put_tag("org/app/main", "latest", &a).await.unwrap();
    assert_eq!(
        keys(&bucket).await,
        vec!["repos/org/app/main/tags/latest".to_string()]
    );
    assert_eq!(
        refs.get_tag("org/app/main", "latest").await.unwrap(),
        Some(a.clone())
    );
    refs.put_tag("org/app/main", "latest", &b).await.unwrap();
    assert_eq!(
        refs.get_tag("org/app/main", "latest").await.unwrap(),
        Some(b.clone())
    );
    for tag in ["v2", "v1", "cache", "v3"] {
        refs.put_tag("org/app/main", tag, &a).await.unwrap();
    }
    // A tag of a longer repository name is not a tag of this one.
    refs.put_tag("org/app/main/sub", "zzz", &a).await.unwrap();
    let all = refs.list_tags("org/app/main", None, None).await.unwrap();
    assert_eq!(all.tags, ["cache", "latest", "v1", "v2", "v3"]);
    assert!(!all.more);
    let page = refs
        .list_tags("org/app/main", Some(2), Some("latest"))
        .await
        .unwrap();
    assert_eq!(page.tags, ["v1", "v2"]);
    assert!(page.more);
    assert!(refs.delete_tag("org/app/main", "v1").await.unwrap());
    assert!(!refs.delete_tag("org/app/main", "v1").await.unwrap());
    let rest = refs
        .list_tags("org/app/main", Some(2), Some("latest"))
        .await
        .unwrap();
    assert_eq!(rest.tags, ["v2", "v3"]);
    assert!(!rest.more);
}

#[tokio::test]
async fn s3_refs_creation_race_has_one_winner() {
    let (_bucket, store) = store("").await;
    let refs = S3Refs::new(store);
    let racers: Vec<_> = (0..6u8)
        .map(|i| {
            let refs = refs.clone();
            tokio::spawn(async move {
                let digest = Digest::of(&[i]).to_string();
                let swap = refs.swap_tag("app/main", "latest", None, &digest).await;
                (swap.unwrap(), digest)
            })
        })
        .collect();
    let mut winners = Vec::new();
    for racer in racers {
        let (swap, digest) = racer.await.unwrap();
        if swap == Swap::Done {
            winners.push(digest);
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    assert_eq!(
        refs.get_tag("app/main", "latest").await.unwrap(),
        Some(winners[0].clone())
    );
    // Moving it needs the version it was read at.
    let current = refs.read_tag("app/main", "latest").await.unwrap().unwrap();
    let next = Digest::of(b"next").to_string();
    assert_eq!(
        refs.swap_tag("app/main", "latest", Some(&current), &next)
            .await
            .unwrap(),
        Swap::Done
    );
    // A swap from the stale version would be a Conflict on S3, but moto 5.1 ignores If-Match on
    // PutObject (checked), so only the creation race is asserted here.
    assert_eq!(
        refs.swap_tag("app/main", "latest", None, &next)
            .await
            .unwrap(),
        Swap::Conflict
    );
}
