//! `type=gha` against the real `rbuild-cache-server` binary (its GitHub Actions cache service
//! v2): exports pack the layers into a handful of entries, a second export uploads only the new
//! layers, branches restore along the token's scope chain, a 429 storm only slows an export
//! down, corrupted bytes fail the digest check, and an unknown token is a clear error.
//!
//! The server binary is `target/debug/rbuild-cache-server` (built by `cargo test --workspace`
//! or `cargo build -p rbuild-cache-server`), or `RBUILD_TEST_CACHE_SERVER`.

use std::io::Write as _;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use rbuild::cache::CacheRecord;
use rbuild::cache::remote::gha::GhaBackend;
use rbuild::cache::remote::retry::Backoff;
use rbuild::cache::remote::spec::{CacheSpec, Direction, Kind};
use rbuild::cache::remote::{Access, CacheIndex, Meter, RemoteBackend as _, RemoteError};
use rbuild::digest::Digest;
use rbuild::image::layer::LayerDescriptor;
use rbuild::store::{Store, StoreError};
use sha2::Digest as _;

/// The cache server binary.
fn server_binary() -> PathBuf {
    if let Ok(path) = std::env::var("RBUILD_TEST_CACHE_SERVER") {
        return PathBuf::from(path);
    }
    // target/debug/deps/tests-<hash> -> target/debug/rbuild-cache-server
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .and_then(Path::parent)
        .unwrap()
        .join("rbuild-cache-server");
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build -p rbuild-cache-server` (or set RBUILD_TEST_CACHE_SERVER)",
        path.display()
    );
    path
}

/// A running `rbuild-cache-server` on a free port over a fresh data directory.
pub(crate) struct CacheServer {
    child: Child,
    /// `http://127.0.0.1:<port>/`.
    pub(crate) url: String,
    dir: tempfile::TempDir,
}

impl CacheServer {
    /// Starts the server with `config` (YAML, if any) and extra environment `env`.
    pub(crate) fn start(config: Option<&str>, env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let log = std::fs::File::create(dir.path().join("server.log")).unwrap();
        let mut cmd = Command::new(server_binary());
        cmd.arg("--listen")
            .arg(&addr)
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .stdin(Stdio::null())
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log));
        for name in rbuild_cache_env() {
            cmd.env_remove(name);
        }
        if let Some(config) = config {
            let path = dir.path().join("config.yaml");
            std::fs::write(&path, config).unwrap();
            cmd.arg("--config").arg(path);
        }
        cmd.envs(env.iter().copied());
        let child = cmd.spawn().unwrap();
        let mut server = Self {
            child,
            url: format!("http://{addr}/"),
            dir,
        };
        server.wait_ready(&addr);
        server
    }

    fn wait_ready(&mut self, addr: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(addr).is_err() {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("the cache server exited with {status}: {}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "the cache server does not listen: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// The stored blob files, largest first.
    fn blob_files(&self) -> Vec<PathBuf> {
        let dir = self.dir.path().join("data/blobs/sha256");
        let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (e.metadata().unwrap().len(), e.path())
            })
            .collect();
        files.sort_by(|a, b| b.cmp(a));
        files.into_iter().map(|(_, p)| p).collect()
    }
}

impl Drop for CacheServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Environment variables the server reads, kept from leaking in from the caller.
fn rbuild_cache_env() -> Vec<String> {
    std::env::vars()
        .map(|(k, _)| k)
        .filter(|k| k.starts_with("RBUILD_CACHE_"))
        .collect()
}

/// An unsigned runtime token whose `ac` claim lists `(scope, permission)` as GitHub does.
pub(crate) fn token(scopes: &[(&str, u64)]) -> String {
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

/// Short waits, many attempts: enough for a server's `Retry-After` of up to a minute.
fn quick_backoff() -> Backoff {
    Backoff {
        attempts: 30,
        initial: Duration::from_millis(20),
        max_wait: Duration::from_secs(65),
        budget: Duration::from_secs(240),
    }
}

/// A backend on `server` with `token`, namespace `ns`, and its meter.
fn backend(server: &CacheServer, token: &str, ns: &str) -> (GhaBackend, Arc<Meter>) {
    let text = format!("type=gha,url={},token={token},scope={ns}", server.url);
    let spec = CacheSpec::parse(&text, Direction::Export).unwrap();
    let Kind::Gha(gha) = &spec.kind else {
        panic!("{text}: not a gha spec")
    };
    let meter = Arc::new(Meter::default());
    let backend = GhaBackend::connect(&spec, gha, meter.clone())
        .unwrap()
        .with_backoff(quick_backoff());
    (backend, meter)
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

/// A record of step `name` whose layer (`len` bytes) is put into `store`.
fn record(store: &Store, name: &str, len: usize) -> CacheRecord {
    let content = bytes(name, len);
    let digest = store.put_bytes(&content).unwrap();
    CacheRecord {
        key: Digest::of(format!("key of {name}").as_bytes()),
        layer: Some(LayerDescriptor {
            digest,
            diff_id: Digest::of(format!("diff of {name}").as_bytes()),
            size: content.len() as u64,
            media_type: "application/vnd.oci.image.layer.v1.tar+zstd".into(),
        }),
        chain_id: None,
        created: "2026-01-01T00:00:00Z".into(),
        created_by: format!("RUN {name}"),
        duration_ms: 7,
        lower_layers: Vec::new(),
        lower_chain_ids: Vec::new(),
        snapshot: None,
    }
}

/// A record that made no layer.
fn empty_record(name: &str) -> CacheRecord {
    CacheRecord {
        key: Digest::of(format!("key of {name}").as_bytes()),
        layer: None,
        chain_id: None,
        created: "2026-01-01T00:00:00Z".into(),
        created_by: format!("ENV {name}"),
        duration_ms: 0,
        lower_layers: Vec::new(),
        lower_chain_ids: Vec::new(),
        snapshot: None,
    }
}

/// `n` layer records (`len` bytes each, named `prefix-i`) plus one without a layer.
fn records(store: &Store, prefix: &str, n: usize, len: usize) -> Vec<CacheRecord> {
    let mut out: Vec<CacheRecord> = (0..n)
        .map(|i| record(store, &format!("{prefix}-{i}"), len))
        .collect();
    out.push(empty_record(prefix));
    out
}

/// Fetches `layer` into `store` and commits it: the digest and size the store verified.
async fn fetch(
    backend: &GhaBackend,
    store: &Store,
    layer: &LayerDescriptor,
) -> Result<(Digest, u64), String> {
    let mut writer = store.writer(Some(&layer.digest)).unwrap();
    backend
        .fetch(layer, &mut writer)
        .await
        .map_err(|e| e.to_string())?;
    writer.commit().map_err(|e| match e {
        StoreError::DigestMismatch { expected, actual } => {
            format!("digest mismatch: expected {expected}, got {actual}")
        }
        other => other.to_string(),
    })
}

/// Exports `index` from `store` as a fresh runner would: `lacking`, then `export`.
async fn export(backend: &GhaBackend, index: &CacheIndex, store: &Store) -> Vec<LayerDescriptor> {
    let lacking = backend.lacking(&index.layers()).await.unwrap();
    backend
        .export("main", index, &lacking, store)
        .await
        .unwrap();
    lacking
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gha_export_packs_layers_into_a_few_entries_and_a_second_export_only_the_new_ones() {
    let server = CacheServer::start(None, &[]);
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    // 30 layers of 160 KiB: a 4.7 MiB pack, so two blocks and a block list.
    let index = CacheIndex::new(records(&store, "first", 30, 160 << 10));
    assert_eq!(index.layers().len(), 30);

    let (writer, meter) = backend(&server, &main_token(), "app");
    let lacking = export(&writer, &index, &store).await;
    assert_eq!(lacking.len(), 30, "an empty cache lacks every layer");
    let calls = writer.calls();
    eprintln!("first export (30 layers): {calls:?}, {:?}", meter.report());
    assert_eq!(calls.creates, 2, "one pack entry and one index entry");
    assert_eq!(calls.finalizes, 2);
    assert!(
        calls.puts <= 4,
        "2 blocks + block list + the index: {calls:?}"
    );
    assert_eq!(meter.report().blobs_uploaded, 30);

    // A fresh runner restores the same records and verified blobs.
    let (reader, reader_meter) = backend(&server, &main_token(), "app");
    let loaded = reader.load(&["main".into()]).await.unwrap().unwrap();
    assert_eq!(loaded.index, index);
    assert!(loaded.location.starts_with("rbuild-v1-app-index-"));
    let home2 = tempfile::tempdir().unwrap();
    let fresh = Store::open(home2.path()).unwrap();
    for layer in index.layers() {
        let (digest, size) = fetch(&reader, &fresh, &layer).await.unwrap();
        assert_eq!((digest, size), (layer.digest.clone(), layer.size));
    }
    let calls = reader.calls();
    eprintln!("restore of 30 layers: {calls:?}");
    assert_eq!(
        calls.lookups, 2,
        "the index, then the pack's URL once: {calls:?}"
    );
    assert_eq!(calls.gets, 31);
    assert_eq!(reader_meter.report().blobs_downloaded, 30);
    let stranger = LayerDescriptor {
        digest: Digest::of(b"not exported"),
        ..index.layers()[0].clone()
    };
    let mut sink = fresh.writer(Some(&stranger.digest)).unwrap();
    assert!(matches!(
        reader.fetch(&stranger, &mut sink).await,
        Err(RemoteError::MissingBlob { .. })
    ));

    // The next run adds two layers: only they are uploaded, in one new pack.
    let mut more = index.records.clone();
    more.extend(records(&store, "second", 2, 1000));
    let index2 = CacheIndex::new(more);
    let (writer2, meter2) = backend(&server, &main_token(), "app");
    let lacking = export(&writer2, &index2, &store).await;
    let new: Vec<Digest> = lacking.iter().map(|l| l.digest.clone()).collect();
    let layers2 = index2.layers();
    assert_eq!(
        new,
        [layers2[30].digest.clone(), layers2[31].digest.clone()]
    );
    let calls = writer2.calls();
    eprintln!(
        "second export (+2 layers): {calls:?}, {:?}",
        meter2.report()
    );
    assert_eq!(calls.creates, 2);
    assert_eq!(
        calls.puts, 2,
        "one Put Blob for the pack, one for the index"
    );
    assert_eq!(meter2.report().blobs_uploaded, 2);
    assert!(
        meter2.report().upload_bytes < 100_000,
        "{:?}",
        meter2.report()
    );

    // The new index maps the old layers (first pack) and the new ones (second pack).
    let (reader2, reader2_meter) = backend(&server, &main_token(), "app");
    let loaded = reader2.load(&[]).await.unwrap().unwrap();
    assert_eq!(loaded.index, index2);
    assert!(reader2.lacking(&layers2).await.unwrap().is_empty());
    let home3 = tempfile::tempdir().unwrap();
    let fresh = Store::open(home3.path()).unwrap();
    for layer in [&layers2[0], &layers2[29], &layers2[30], &layers2[31]] {
        assert_eq!(
            fetch(&reader2, &fresh, layer).await.unwrap().0,
            layer.digest
        );
    }
    assert_eq!(reader2.calls().lookups, 3, "the index and each pack once");

    // An interrupted download resumes after the bytes the store kept.
    let layer = &layers2[7];
    let content = bytes("first-7", 160 << 10);
    let mut partial = fresh.writer(Some(&layer.digest)).unwrap();
    partial.write_all(&content[..1000]).unwrap();
    drop(partial);
    let mut resumed = fresh.writer(Some(&layer.digest)).unwrap();
    assert_eq!(resumed.resume_offset(), 1000);
    let before = reader2_meter.report().download_bytes;
    reader2.fetch(layer, &mut resumed).await.unwrap();
    assert_eq!(resumed.commit().unwrap().0, layer.digest);
    assert_eq!(
        reader2_meter.report().download_bytes - before,
        layer.size - 1000,
        "only the rest was downloaded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gha_a_feature_branch_restores_main_and_writes_its_own_scope() {
    let server = CacheServer::start(None, &[]);
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let main_index = CacheIndex::new(records(&store, "main", 3, 5000));
    let (main, _) = backend(&server, &main_token(), "rbuild");
    export(&main, &main_index, &store).await;

    let (feature, _) = backend(&server, &feature_token(), "rbuild");
    let loaded = feature.load(&["feature".into()]).await.unwrap().unwrap();
    assert_eq!(
        loaded.index, main_index,
        "main's index through the scope chain"
    );
    let home2 = tempfile::tempdir().unwrap();
    let fresh = Store::open(home2.path()).unwrap();
    let layer = &main_index.layers()[1];
    assert_eq!(
        fetch(&feature, &fresh, layer).await.unwrap().0,
        layer.digest
    );

    // The feature branch exports one more layer; main's packs are reused, not uploaded.
    let mut recs = main_index.records.clone();
    recs.push(record(&store, "feature-only", 3000));
    let feature_index = CacheIndex::new(recs);
    let lacking = export(&feature, &feature_index, &store).await;
    assert_eq!(lacking.len(), 1);

    let (feature_again, _) = backend(&server, &feature_token(), "rbuild");
    let got = feature_again.load(&[]).await.unwrap().unwrap();
    assert_eq!(got.index, feature_index);
    let (main_again, _) = backend(&server, &main_token(), "rbuild");
    let got = main_again.load(&[]).await.unwrap().unwrap();
    assert_eq!(
        got.index, main_index,
        "main never sees the feature's entries"
    );
    // Another namespace is another cache.
    let (other, _) = backend(&server, &main_token(), "other");
    assert!(other.load(&[]).await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gha_export_completes_through_a_429_storm() {
    // One entry a minute: the index entry's creation is refused until the pack's leaves the
    // window, so the export waits out the server's Retry-After (about a minute).
    let server = CacheServer::start(None, &[("RBUILD_CACHE_LIMITS_GHA_UPLOADS_PER_MINUTE", "1")]);
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let index = CacheIndex::new(records(&store, "storm", 4, 2000));
    let (writer, meter) = backend(&server, &main_token(), "rbuild");
    export(&writer, &index, &store).await;
    let calls = writer.calls();
    eprintln!(
        "export under 1 entry/minute: {calls:?}, {:?}",
        meter.report()
    );
    assert!(
        calls.creates >= 3,
        "a create was refused and retried: {calls:?}"
    );
    assert_eq!(calls.finalizes, 2);
    let (reader, _) = backend(&server, &main_token(), "rbuild");
    assert_eq!(reader.load(&[]).await.unwrap().unwrap().index, index);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gha_a_corrupted_pack_byte_fails_the_digest_check() {
    let server = CacheServer::start(None, &[]);
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let index = CacheIndex::new(records(&store, "corrupt", 3, 50_000));
    let (writer, _) = backend(&server, &main_token(), "rbuild");
    export(&writer, &index, &store).await;

    // The pack is the largest blob; its first bytes are the first layer's.
    let pack = server.blob_files().remove(0);
    let mut content = std::fs::read(&pack).unwrap();
    assert_eq!(content.len(), 150_000);
    content[10] ^= 0xff;
    std::fs::write(&pack, &content).unwrap();

    let (reader, _) = backend(&server, &main_token(), "rbuild");
    reader.load(&[]).await.unwrap().unwrap();
    let home2 = tempfile::tempdir().unwrap();
    let fresh = Store::open(home2.path()).unwrap();
    let layers = index.layers();
    let err = fetch(&reader, &fresh, &layers[0]).await.unwrap_err();
    assert!(err.contains("digest mismatch"), "{err}");
    assert!(!fresh.blobs().has(&layers[0].digest));
    assert_eq!(
        fetch(&reader, &fresh, &layers[1]).await.unwrap().0,
        layers[1].digest,
        "the other blobs of the pack are intact"
    );
}

/// A cache server configuration with one token, `ci-secret`, that writes `_gha/main`.
const CI_TOKEN_CONFIG: &str = r#"
tokens:
  - name: ci
    secret: ci-secret
    grants:
      - repositories: ["_gha/main"]
        access: write
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gha_an_unknown_token_is_a_clear_error() {
    let server = CacheServer::start(Some(CI_TOKEN_CONFIG), &[]);
    let (stranger, _) = backend(&server, "not-a-known-token", "rbuild");
    let err = stranger.load(&[]).await.unwrap_err().to_string();
    assert!(
        err.contains("401") && err.contains("unknown runtime token"),
        "{err}"
    );
    assert!(err.contains("GetCacheEntryDownloadURL"), "{err}");

    // The configured token works.
    let home = tempfile::tempdir().unwrap();
    let store = Store::open(home.path()).unwrap();
    let index = CacheIndex::new(records(&store, "known", 2, 100));
    let (ci, _) = backend(&server, "ci-secret", "rbuild");
    export(&ci, &index, &store).await;
    let (ci2, _) = backend(&server, "ci-secret", "rbuild");
    assert_eq!(ci2.load(&[]).await.unwrap().unwrap().index, index);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gha_the_start_up_check_reads_without_writing() {
    let server = CacheServer::start(Some(CI_TOKEN_CONFIG), &[]);
    let (ci, _) = backend(&server, "ci-secret", "rbuild");
    assert_eq!(ci.check("main").await.unwrap(), Access::ReadWrite);
    let calls = ci.calls();
    assert_eq!(
        (calls.lookups, calls.creates, calls.puts),
        (1, 0, 0),
        "{calls:?}"
    );
    let (stranger, _) = backend(&server, "not-a-known-token", "rbuild");
    match stranger.check("main").await.unwrap() {
        Access::Unreachable(why) => assert!(why.contains("401"), "{why}"),
        other => panic!("an unknown token checked as {other}"),
    }
}
