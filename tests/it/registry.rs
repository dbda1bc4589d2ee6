//! The registry client against the real registry of `scripts/peers.sh` (`RBUILD_TEST_REGISTRY`,
//! with a one-layer OCI busybox and a three-layer Docker-media-type debian, `RBUILD_TEST_DEBIAN`),
//! checked against what skopeo and umoci say; an in-process hostile registry only for faults a real one
//! never produces (corrupt and truncated blobs, a Range request ignored, a manifest digest
//! misreported after a push). Pushes go to fresh `test/push-*` repositories.

use rbuild::digest::Digest;
use rbuild::image::config::ImageConfig;
use rbuild::image::layer::{Compression, DirSource, LayerOptions, write_layer};
use rbuild::image::manifest::{BuiltImage, Descriptor, Manifest, PlatformSpec, assemble};
use rbuild::oci::reference::Reference;
use rbuild::plan::Platform;
use rbuild::registry::{
    PushOptions, PushReport, Registry, RegistryError, RegistryOptions, Repository, ResolvedImage,
};
use rbuild::store::{Compression as StoreCompression, Store, chain_id, resolve, resolve_nofollow};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// `host:port` of the test registry.
fn test_registry() -> String {
    std::env::var("RBUILD_TEST_REGISTRY").unwrap_or_else(|_| {
        panic!(
            "RBUILD_TEST_REGISTRY is not set: run the tests with scripts/test.sh (it starts the \
             test registry with scripts/peers.sh and exports the variable)"
        )
    })
}

/// A client that ignores the host's docker config.
fn client() -> Registry {
    Registry::new(&RegistryOptions {
        docker_config: Some("/nonexistent/rbuild-test/config.json".into()),
        ..RegistryOptions::default()
    })
    .unwrap()
}

fn busybox() -> Reference {
    Reference::parse(&format!("{}/library/busybox:latest", test_registry())).unwrap()
}

/// `host:port/library/debian:bookworm-slim` of the test registry: three layers, Docker media
/// types, under a Docker manifest list.
fn debian() -> Reference {
    let image = std::env::var("RBUILD_TEST_DEBIAN").unwrap_or_else(|_| {
        panic!(
            "RBUILD_TEST_DEBIAN is not set: run the tests with scripts/test.sh (scripts/peers.sh \
             builds the debian image, pushes it to the test registry and exports the variable)"
        )
    });
    Reference::parse(&image).unwrap()
}

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
const DOCKER_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";

fn amd64() -> Platform {
    Platform::parse("linux/amd64").unwrap()
}

/// `skopeo inspect [args] docker://<image>` against the plain-HTTP test registry.
fn skopeo(args: &[&str], image: &str) -> Vec<u8> {
    let out = Command::new("skopeo")
        .arg("inspect")
        .arg("--tls-verify=false")
        .args(args)
        .arg(format!("docker://{image}"))
        .output()
        .expect("skopeo (installed by scripts/peers.sh)");
    assert!(
        out.status.success(),
        "skopeo: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[tokio::test]
async fn resolve_matches_skopeo() {
    let image = busybox();
    let r = client().resolve(&image, &amd64()).await.unwrap();

    // The tag names an index: skopeo's raw bytes are it, its `Digest` is theirs.
    let raw_index = skopeo(&["--raw"], &image.to_string());
    let index_digest = Digest::of(&raw_index);
    assert_eq!(r.index_digest.as_ref(), Some(&index_digest));
    let info: serde_json::Value = serde_json::from_slice(&skopeo(&[], &image.to_string())).unwrap();
    assert_eq!(info["Digest"], index_digest.as_str());

    // The index's linux/amd64 entry is the manifest resolved, byte for byte.
    let index: serde_json::Value = serde_json::from_slice(&raw_index).unwrap();
    let entry = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["platform"]["architecture"] == "amd64" && m["platform"]["os"] == "linux")
        .unwrap();
    assert_eq!(entry["digest"], r.manifest_digest.as_str());
    let pinned = format!("{}@{}", image.repository(), r.manifest_digest);
    let raw_manifest = skopeo(&["--raw"], &pinned);
    assert_eq!(&r.manifest_bytes[..], &raw_manifest[..]);
    assert_eq!(r.media_type, "application/vnd.oci.image.manifest.v1+json");
    assert_eq!(r.manifest.config.digest, r.config_digest.as_str());

    // Pinned by the index digest or the manifest digest: the same manifest.
    let by_index = Reference::parse(&format!("{}@{index_digest}", image.repository())).unwrap();
    let again = client().resolve(&by_index, &amd64()).await.unwrap();
    assert_eq!(again.manifest_digest, r.manifest_digest);
    let by_manifest = Reference::parse(&pinned).unwrap();
    let again = client().resolve(&by_manifest, &amd64()).await.unwrap();
    assert_eq!(
        (again.manifest_digest, again.index_digest),
        (r.manifest_digest, None)
    );
}

#[tokio::test]
async fn unknown_tag_and_platform_are_clear_errors() {
    let reg = test_registry();
    let nope = Reference::parse(&format!("{reg}/library/busybox:no-such-tag")).unwrap();
    let e = client().resolve(&nope, &amd64()).await.unwrap_err();
    assert!(matches!(e, RegistryError::NotFound { .. }), "{e:?}");
    assert!(e.to_string().contains("library/busybox:no-such-tag"), "{e}");

    let no_repo = Reference::parse(&format!("{reg}/library/no-such-repo")).unwrap();
    let e = client().resolve(&no_repo, &amd64()).await.unwrap_err();
    assert!(matches!(e, RegistryError::NotFound { .. }), "{e:?}");

    // The test busybox is amd64 and arm64 (scripts/peers.sh).
    let s390x = Platform::parse("linux/s390x").unwrap();
    let e = client().resolve(&busybox(), &s390x).await.unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, RegistryError::PlatformNotFound { .. }), "{e:?}");
    assert!(
        msg.contains("linux/s390x") && msg.contains("available: linux/amd64, linux/arm64"),
        "{msg}"
    );

    let down = Reference::parse("127.0.0.1:1/library/busybox").unwrap();
    let e = client().resolve(&down, &amd64()).await.unwrap_err();
    assert!(matches!(e, RegistryError::Unreachable { .. }), "{e:?}");
    assert!(e.to_string().contains("127.0.0.1:1"), "{e}");
}

#[tokio::test]
async fn fetch_config_and_layers_verified_and_resumable() {
    let c = client();
    let r = c.resolve(&busybox(), &amd64()).await.unwrap();
    let config = c
        .fetch_config(&r.repository, &r.config_digest)
        .await
        .unwrap();
    assert_eq!(Digest::of(&config), r.config_digest);
    let cfg: serde_json::Value = serde_json::from_slice(&config).unwrap();
    assert_eq!(cfg["architecture"], "amd64");

    let layer = Digest::parse(&r.manifest.layers[0].digest).unwrap();
    let mut full = Vec::new();
    let got = c
        .fetch_blob(&r.repository, &layer, &mut full)
        .await
        .unwrap();
    assert_eq!(Digest::of(&full), layer);
    assert_eq!(got.size, full.len() as u64);
    assert_eq!(got.size as i64, r.manifest.layers[0].size);

    // Resume: the caller has a prefix; only the rest comes (HTTP Range) and the whole verifies.
    for cut in [1, full.len() / 3, full.len() - 1] {
        let mut rest = Vec::new();
        let got = c
            .resume_blob(&r.repository, &layer, &full[..cut], &mut rest)
            .await
            .unwrap();
        assert_eq!(got.resumed_from, cut as u64);
        assert_eq!([&full[..cut], &rest[..]].concat(), full, "cut at {cut}");
    }
    // A wrong prefix fails verification.
    let mut bad = full[..100].to_vec();
    bad[50] ^= 1;
    let e = c
        .resume_blob(&r.repository, &layer, &bad[..], std::io::sink())
        .await
        .unwrap_err();
    assert!(matches!(e, RegistryError::DigestMismatch { .. }), "{e:?}");

    // Several at once, results in order.
    let results = c
        .fetch_blobs(
            &r.repository,
            vec![
                (layer.clone(), Vec::new()),
                (r.config_digest.clone(), Vec::new()),
            ],
            2,
        )
        .await;
    let sizes: Vec<u64> = results.into_iter().map(|x| x.unwrap().size).collect();
    assert_eq!(sizes, [full.len() as u64, config.len() as u64]);

    // A blob that is not there.
    let missing = Digest::of(b"not in the registry");
    let e = c
        .fetch_blob(&r.repository, &missing, std::io::sink())
        .await
        .unwrap_err();
    assert!(matches!(e, RegistryError::NotFound { .. }), "{e:?}");
}

/// How the hostile registry serves its one blob.
#[derive(Clone, Copy)]
enum Fault {
    /// The right length, one byte flipped.
    Corrupt,
    /// Announces the full length, sends half, closes.
    Truncated,
    /// Correct bytes, but a Range request gets the whole blob (200).
    IgnoresRange,
}

/// Serves `/v2/` and `/v2/test/blob/blobs/<digest of blob>` on loopback; returns its address.
async fn hostile_registry(blob: Vec<u8>, fault: Fault) -> String {
    counting_registry(blob, fault, Arc::default()).await
}

/// [`hostile_registry`], counting the `GET /v2/` requests in `pings`.
async fn counting_registry(blob: Vec<u8>, fault: Fault, pings: Arc<AtomicUsize>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let blob = blob.clone();
            let pings = pings.clone();
            tokio::spawn(async move {
                let mut req = Vec::new();
                let mut buf = [0u8; 4096];
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&req).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
                let (status, body, len) = if path == "/v2/" {
                    pings.fetch_add(1, Ordering::SeqCst);
                    ("200 OK", b"{}".to_vec(), 2)
                } else if path.starts_with("/v2/test/blob/blobs/") {
                    match fault {
                        Fault::Corrupt => {
                            let mut b = blob.clone();
                            let mid = b.len() / 2;
                            b[mid] ^= 0xff;
                            ("200 OK", b, blob.len())
                        }
                        Fault::Truncated => ("200 OK", blob[..blob.len() / 2].to_vec(), blob.len()),
                        Fault::IgnoresRange => ("200 OK", blob.clone(), blob.len()),
                    }
                } else {
                    ("404 Not Found", b"{\"errors\":[]}".to_vec(), 13)
                };
                let header = format!(
                    "HTTP/1.1 {status}\r\nContent-Length: {len}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n"
                );
                let _ = conn.write_all(header.as_bytes()).await;
                let _ = conn.write_all(&body).await;
                let _ = conn.shutdown().await;
            });
        }
    });
    addr
}

fn blob_bytes() -> Vec<u8> {
    (0..200_000u32).map(|i| (i % 251) as u8).collect()
}

#[tokio::test]
async fn corrupt_blob_is_a_digest_mismatch() {
    let blob = blob_bytes();
    let digest = Digest::of(&blob);
    let addr = hostile_registry(blob.clone(), Fault::Corrupt).await;
    let repo = Repository::parse(&format!("{addr}/test/blob")).unwrap();
    let e = client()
        .fetch_blob(&repo, &digest, std::io::sink())
        .await
        .unwrap_err();
    let mut corrupt = blob.clone();
    corrupt[blob.len() / 2] ^= 0xff;
    match &e {
        RegistryError::DigestMismatch {
            expected, actual, ..
        } => {
            assert_eq!(expected, &digest);
            assert_eq!(actual, &Digest::of(&corrupt));
        }
        other => panic!("want DigestMismatch, got {other:?}"),
    }
    assert!(e.to_string().contains(digest.as_str()), "{e}");
}

/// A registry that needs no credentials is asked `/v2/` once, not before every blob (oci-client
/// alone pinged it before each request: 240 extra requests for a mount cache's chunks).
#[tokio::test]
async fn an_open_registry_is_pinged_once_for_many_blobs() {
    let blob = blob_bytes();
    let digest = Digest::of(&blob);
    let pings = Arc::new(AtomicUsize::new(0));
    let addr = counting_registry(blob.clone(), Fault::IgnoresRange, pings.clone()).await;
    let repo = Repository::parse(&format!("{addr}/test/blob")).unwrap();
    let c = client();
    for _ in 0..5 {
        let mut got = Vec::new();
        c.fetch_blob(&repo, &digest, &mut got).await.unwrap();
        assert_eq!(got, blob);
    }
    assert_eq!(pings.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn truncated_blob_is_a_clear_error() {
    let blob = blob_bytes();
    let digest = Digest::of(&blob);
    let addr = hostile_registry(blob.clone(), Fault::Truncated).await;
    let repo = Repository::parse(&format!("{addr}/test/blob")).unwrap();
    let e = client()
        .fetch_blob(&repo, &digest, std::io::sink())
        .await
        .unwrap_err();
    match &e {
        RegistryError::Truncated {
            received, expected, ..
        } => {
            assert_eq!(*expected, blob.len() as u64);
            assert!(*received < *expected);
        }
        other => panic!("want Truncated, got {other:?}"),
    }
    assert!(e.to_string().contains("cut short"), "{e}");
}

#[tokio::test]
async fn resume_works_when_the_registry_ignores_range() {
    let blob = blob_bytes();
    let digest = Digest::of(&blob);
    let addr = hostile_registry(blob.clone(), Fault::IgnoresRange).await;
    let repo = Repository::parse(&format!("{addr}/test/blob")).unwrap();
    let mut rest = Vec::new();
    client()
        .resume_blob(&repo, &digest, &blob[..1234], &mut rest)
        .await
        .unwrap();
    assert_eq!(rest, &blob[1234..]);
}

#[test]
fn plan_prints_the_resolved_digest() {
    let reg = test_registry();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        format!("FROM {reg}/library/busybox\nRUN echo hi\n"),
    )
    .unwrap();
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_rbuild"))
            .arg("plan")
            .args(extra)
            .arg(".")
            .current_dir(dir.path())
            .env("RBUILD_HOME", dir.path().join(".rbuild-home"))
            .env("DOCKER_CONFIG", dir.path().join(".docker"))
            .output()
            .unwrap()
    };
    let raw_index = skopeo(&["--raw"], &format!("{reg}/library/busybox:latest"));
    let index: serde_json::Value = serde_json::from_slice(&raw_index).unwrap();
    let manifest = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();

    let out = run(&["--platform", "linux/amd64"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("image: {reg}/library/busybox:latest {manifest}")),
        "{stdout}"
    );
    assert!(!stdout.contains("provisional"), "{stdout}");

    let offline = run(&["--platform", "linux/amd64", "--offline"]);
    let stdout = String::from_utf8_lossy(&offline.stdout);
    assert!(offline.status.success());
    assert!(stdout.contains("provisional"), "{stdout}");

    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM 127.0.0.1:1/library/busybox\n",
    )
    .unwrap();
    let down = run(&[]);
    let stderr = String::from_utf8_lossy(&down.stderr);
    assert!(!down.status.success());
    assert!(
        stderr.contains("Dockerfile:1:") && stderr.contains("`127.0.0.1:1` is unreachable"),
        "{stderr}"
    );
}

#[test]
fn plan_asks_the_credential_helper_with_the_server_on_stdin() {
    use std::os::unix::fs::PermissionsExt as _;
    let reg = test_registry();
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    let docker = dir.path().join("docker");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&docker).unwrap();
    let asked = dir.path().join("asked");
    let helper = bin.join("docker-credential-rbuildtest");
    std::fs::write(
        &helper,
        format!(
            "#!/bin/sh\n[ \"$1\" = get ] || exit 1\ncat > '{}'\necho '{{\"ServerURL\":\"x\",\"Username\":\"u\",\"Secret\":\"s\"}}'\n",
            asked.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        docker.join("config.json"),
        r#"{"credsStore": "rbuildtest"}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("Dockerfile"),
        format!("FROM {reg}/library/busybox\n"),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_rbuild"))
        .args(["plan", "--platform", "linux/amd64", "."])
        .current_dir(dir.path())
        .env("RBUILD_HOME", dir.path().join(".rbuild-home"))
        .env("DOCKER_CONFIG", &docker)
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&asked).unwrap(), reg);
}

// ---- push ----

/// A name no earlier run used: the test registry keeps what is pushed to it.
fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

/// A one-layer image (a file saying `text`) assembled in a fresh store under `state`.
fn small_image(state: &std::path::Path, text: &str) -> (Store, BuiltImage) {
    let store = Store::open(state).unwrap();
    let ctx = tempfile::tempdir().unwrap();
    std::fs::write(ctx.path().join("hello.txt"), text).unwrap();
    let opts = LayerOptions {
        compression: Compression::gzip(),
        source_date_epoch: Some(0),
    };
    let entries = DirSource::new(ctx.path()).entries().unwrap();
    let (layer, writer) = write_layer(entries, &opts, store.writer(None).unwrap()).unwrap();
    writer.commit().unwrap();
    let config = ImageConfig {
        architecture: "amd64".into(),
        os: "linux".into(),
        ..ImageConfig::default()
    };
    let image = assemble(&store, &config, &[layer]).unwrap();
    (store, image)
}

fn stored(store: &Store, digest: &Digest) -> Vec<u8> {
    std::fs::read(store.blobs().path(digest)).unwrap()
}

#[tokio::test]
async fn pushed_image_reads_back_byte_for_byte_and_a_second_push_uploads_nothing() {
    let state = tempfile::tempdir().unwrap();
    let (store, image) = small_image(state.path(), &unique("pushed"));
    let target =
        Reference::parse(&format!("{}/test/{}:v1", test_registry(), unique("push"))).unwrap();
    let c = client();
    let report = c
        .push(&store, &image, &target, &PushOptions::default())
        .await
        .unwrap();
    assert_eq!(
        report,
        PushReport {
            manifest_digest: image.manifest.digest.clone(),
            blobs_uploaded: 2,
            blobs_skipped: 0,
            blobs_mounted: 0,
            bytes_uploaded: image.layers[0].size + image.config.size,
        }
    );

    // skopeo reads exactly the stored manifest and copies the image to an OCI layout.
    let manifest = stored(&store, &image.manifest.digest);
    assert_eq!(skopeo(&["--raw"], &target.to_string()), manifest);
    let layout = tempfile::tempdir().unwrap();
    let out = Command::new("skopeo")
        .args(["copy", "--src-tls-verify=false"])
        .arg(format!("docker://{target}"))
        .arg(format!("oci:{}:v1", layout.path().display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "skopeo copy: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let copied = layout
        .path()
        .join("blobs/sha256")
        .join(image.manifest.digest.hex());
    assert_eq!(std::fs::read(copied).unwrap(), manifest);

    // The layer comes back with its digest.
    let mut layer = Vec::new();
    c.fetch_blob(
        &Repository::of(&target),
        &image.layers[0].digest,
        &mut layer,
    )
    .await
    .unwrap();
    assert_eq!(Digest::of(&layer), image.layers[0].digest);

    // Again: every blob is there already.
    let again = c
        .push(&store, &image, &target, &PushOptions::default())
        .await
        .unwrap();
    assert_eq!(
        (
            again.blobs_uploaded,
            again.blobs_skipped,
            again.bytes_uploaded
        ),
        (0, 2, 0)
    );
    assert_eq!(again.manifest_digest, image.manifest.digest);
}

#[tokio::test]
async fn push_mounts_blobs_from_another_repository() {
    let reg = test_registry();
    let state = tempfile::tempdir().unwrap();
    let (store, image) = small_image(state.path(), &unique("mounted"));
    let c = client();
    let first = Reference::parse(&format!("{reg}/test/{}:v1", unique("push-src"))).unwrap();
    c.push(&store, &image, &first, &PushOptions::default())
        .await
        .unwrap();

    let second = Reference::parse(&format!("{reg}/test/{}:v1", unique("push-dst"))).unwrap();
    let opts = PushOptions {
        mount_from: vec![
            // Another registry's repository is ignored; a repository without the blobs is
            // tried and falls back to the next one.
            "docker.io/library/busybox".into(),
            format!("{reg}/test/no-such-repository"),
            first.repository(),
        ],
        ..PushOptions::default()
    };
    let report = c.push(&store, &image, &second, &opts).await.unwrap();
    assert_eq!(
        (
            report.blobs_mounted,
            report.blobs_uploaded,
            report.bytes_uploaded
        ),
        (2, 0, 0),
        "{report:?}"
    );
    assert_eq!(
        skopeo(&["--raw"], &second.to_string()),
        stored(&store, &image.manifest.digest)
    );
}

/// A base image pulled into a fresh store: its manifest, config and every layer are blobs there.
struct Pulled {
    _state: tempfile::TempDir,
    store: Store,
    resolved: ResolvedImage,
    manifest: Manifest,
    image: BuiltImage,
}

/// Resolves `image` for linux/amd64 and fetches every blob into a fresh store.
async fn pull(c: &Registry, image: &Reference) -> Pulled {
    let r = c.resolve(image, &amd64()).await.unwrap();
    let state = tempfile::tempdir().unwrap();
    let store = Store::open(state.path()).unwrap();
    let m: Manifest = serde_json::from_slice(&r.manifest_bytes).unwrap();
    for d in m.layers.iter().chain([&m.config]) {
        let mut w = store.writer(Some(&d.digest)).unwrap();
        c.fetch_blob(&r.repository, &d.digest, &mut w)
            .await
            .unwrap();
        assert_eq!(w.commit().unwrap(), (d.digest.clone(), d.size));
    }
    assert_eq!(
        store.put_bytes(&r.manifest_bytes).unwrap(),
        r.manifest_digest
    );
    let image = BuiltImage {
        manifest: Descriptor {
            media_type: r.media_type.clone(),
            digest: r.manifest_digest.clone(),
            size: r.manifest_bytes.len() as u64,
            annotations: Default::default(),
            platform: None,
        },
        config: m.config.clone(),
        layers: m.layers.clone(),
        platform: PlatformSpec {
            architecture: "amd64".into(),
            os: "linux".into(),
            variant: String::new(),
        },
    };
    Pulled {
        _state: state,
        store,
        resolved: r,
        manifest: m,
        image,
    }
}

/// Pulls `base` into a fresh store, pushes it unchanged to a new repository `test/<prefix>-*`
/// and checks that the manifest digest and bytes survive; returns the pushed repository.
async fn pulled_base_pushed_unchanged(base: &Reference, prefix: &str) -> (Pulled, String) {
    let c = client();
    let p = pull(&c, base).await;
    let (r, m) = (&p.resolved, &p.manifest);
    let repo = format!("{}/test/{}", test_registry(), unique(prefix));
    let target = Reference::parse(&format!("{repo}:latest")).unwrap();
    let report = c
        .push(&p.store, &p.image, &target, &PushOptions::default())
        .await
        .unwrap();
    assert_eq!(report.manifest_digest, r.manifest_digest);
    assert_eq!(report.blobs_uploaded, 1 + m.layers.len());
    assert_eq!(
        skopeo(&["--raw"], &target.to_string()),
        r.manifest_bytes.to_vec()
    );
    // skopeo reads the pushed image as the base: same digest, same layers.
    let info: serde_json::Value =
        serde_json::from_slice(&skopeo(&[], &target.to_string())).unwrap();
    assert_eq!(info["Digest"], r.manifest_digest.as_str());
    let layers: Vec<&str> = m.layers.iter().map(|l| l.digest.as_str()).collect();
    assert_eq!(info["Layers"], serde_json::json!(layers));

    // The raw bytes under another tag, and pinned by their digest: the same digest.
    let tagged = Reference::parse(&format!("{repo}:again")).unwrap();
    let pinned = Reference::parse(&format!("{repo}@{}", r.manifest_digest)).unwrap();
    for t in [tagged, pinned] {
        let d = c
            .push_manifest_bytes(&t, &r.media_type, r.manifest_bytes.clone())
            .await
            .unwrap();
        assert_eq!(d, r.manifest_digest);
    }
    let elsewhere = Reference::parse(&format!("{repo}@{}", r.config_digest)).unwrap();
    let e = c
        .push_manifest_bytes(&elsewhere, &r.media_type, r.manifest_bytes.clone())
        .await
        .unwrap_err();
    assert!(matches!(e, RegistryError::Invalid(_)), "{e:?}");
    (p, repo)
}

#[tokio::test]
async fn pulled_base_pushed_unchanged_keeps_its_manifest_digest() {
    let (p, _) = pulled_base_pushed_unchanged(&busybox(), "push-busybox").await;
    assert_eq!(p.resolved.media_type, OCI_MANIFEST);
}

#[tokio::test]
async fn pulled_docker_multi_layer_base_pushed_unchanged_keeps_its_manifest_digest() {
    let debian = debian();
    // The tag names a Docker manifest list; the manifest and its layers use Docker media types.
    let list = skopeo(&["--raw"], &debian.to_string());
    let list: serde_json::Value = serde_json::from_slice(&list).unwrap();
    assert_eq!(list["mediaType"], DOCKER_MANIFEST_LIST);
    let (p, _) = pulled_base_pushed_unchanged(&debian, "push-debian").await;
    assert_eq!(p.resolved.media_type, DOCKER_MANIFEST);
    assert!(p.manifest.layers.len() >= 3, "{:?}", p.manifest.layers);
    for l in &p.manifest.layers {
        assert_eq!(l.media_type, DOCKER_LAYER_GZIP);
    }
    assert_eq!(p.manifest.config.media_type, DOCKER_CONFIG);
}

#[tokio::test]
async fn debian_layers_unpack_into_a_stack_that_umoci_agrees_with() {
    let c = client();
    let p = pull(&c, &debian()).await;
    let config: ImageConfig =
        serde_json::from_slice(&stored(&p.store, &p.image.config.digest)).unwrap();
    let diff_ids: Vec<Digest> = config
        .rootfs
        .diff_ids
        .iter()
        .map(|d| Digest::parse(d).unwrap())
        .collect();
    assert_eq!(diff_ids.len(), p.manifest.layers.len());

    // Each layer unpacked as the snapshot of its chain id, its diff_id verified.
    let mut chain = Vec::new();
    for (i, layer) in p.manifest.layers.iter().enumerate() {
        let id = chain_id(&diff_ids[..=i]).unwrap();
        let compression = StoreCompression::from_media_type(&layer.media_type).unwrap();
        let blob = p.store.blobs().open(&layer.digest).unwrap();
        let dir = p
            .store
            .unpack(&id, blob, compression, Some(&diff_ids[i]))
            .unwrap();
        assert_eq!(dir, p.store.snapshot_path(&id));
        chain.push(id);
    }
    chain.reverse();
    let stack = p.store.stack(&chain);

    let read = |path: &str| -> Vec<u8> {
        let (real, meta) = resolve(&stack, std::path::Path::new(path))
            .unwrap()
            .unwrap_or_else(|| panic!("{path} not in the merged stack"));
        assert!(meta.is_file(), "{path}: {meta:?}");
        std::fs::read(real).unwrap()
    };
    let version = String::from_utf8(read("/etc/debian_version")).unwrap();
    assert!(version.starts_with("12."), "{version:?}");
    // /bin is a symlink (bottom layer) into /usr/bin (middle layer): merged-/usr resolves.
    let (bash, _) = resolve(&stack, std::path::Path::new("/bin/bash"))
        .unwrap()
        .unwrap();
    assert!(bash.starts_with(&stack[1]), "{}", bash.display());
    assert!(read("/usr/share/doc/bash/copyright").starts_with(b"Format:"));
    let os_release = String::from_utf8(read("/etc/os-release")).unwrap();
    assert!(
        os_release.contains("VERSION_CODENAME=bookworm"),
        "{os_release}"
    );

    // Pushed (blobs mounted from the base's repository), then copied to an OCI layout by skopeo
    // and unpacked by umoci: the same files.
    let target = Reference::parse(&format!(
        "{}/test/{}:latest",
        test_registry(),
        unique("push-debian-umoci")
    ))
    .unwrap();
    let opts = PushOptions {
        mount_from: vec![p.resolved.reference.repository()],
        ..PushOptions::default()
    };
    let report = c.push(&p.store, &p.image, &target, &opts).await.unwrap();
    assert_eq!(
        report.blobs_mounted,
        1 + p.manifest.layers.len(),
        "{report:?}"
    );
    let work = tempfile::tempdir().unwrap();
    let layout = work.path().join("layout");
    let bundle = work.path().join("bundle");
    run(Command::new("skopeo")
        .args(["copy", "-q", "--src-tls-verify=false"])
        .arg(format!("docker://{target}"))
        .arg(format!("oci:{}:debian", layout.display())));
    run(Command::new("umoci")
        .args(["unpack", "--rootless", "--image"])
        .arg(format!("{}:debian", layout.display()))
        .arg(&bundle));
    let rootfs = bundle.join("rootfs");
    for path in [
        "/etc/debian_version",
        "/etc/os-release",
        "/etc/passwd",
        "/usr/bin/bash",
        "/usr/lib/x86_64-linux-gnu/libc.so.6",
        "/usr/share/doc/bash/copyright",
    ] {
        let theirs = std::fs::read(rootfs.join(&path[1..])).unwrap();
        assert!(read(path) == theirs, "{path} differs from umoci's");
    }
    for link in ["bin", "lib64", "etc/os-release"] {
        let (ours, meta) = resolve_nofollow(&stack, std::path::Path::new(link))
            .unwrap()
            .unwrap();
        assert!(meta.file_type().is_symlink(), "{link}");
        assert_eq!(
            std::fs::read_link(ours).unwrap(),
            std::fs::read_link(rootfs.join(link)).unwrap(),
            "{link}"
        );
    }
}

/// Runs `cmd`, failing the test with its stderr when it fails.
fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A registry that has every blob and answers a manifest PUT with a wrong
/// `Docker-Content-Digest`; returns its address.
async fn lying_registry(lie: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let lie = lie.clone();
            tokio::spawn(async move {
                let mut req = Vec::new();
                let mut buf = [0u8; 4096];
                let end = loop {
                    if let Some(i) = req.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                    match conn.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                };
                let head = String::from_utf8_lossy(&req[..end]).to_ascii_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                // Read the body before answering.
                while req.len() < end + length {
                    match conn.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                let mut words = head.split_whitespace();
                let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
                let answer = match (method, path) {
                    ("get", "/v2/") => "200 OK\r\nContent-Length: 2\r\n\r\n{}".to_string(),
                    ("head", p) if p.starts_with("/v2/test/push/blobs/") => {
                        "200 OK\r\nContent-Length: 1\r\n\r\n".to_string()
                    }
                    ("put", "/v2/test/push/manifests/v1") => format!(
                        "201 Created\r\nDocker-Content-Digest: {lie}\r\nLocation: /v2/test/push/manifests/{lie}\r\nContent-Length: 0\r\n\r\n"
                    ),
                    _ => "404 Not Found\r\nContent-Length: 0\r\n\r\n".to_string(),
                };
                let _ = conn
                    .write_all(
                        format!("HTTP/1.1 {answer}")
                            .replacen("\r\n", "\r\nConnection: close\r\n", 1)
                            .as_bytes(),
                    )
                    .await;
                let _ = conn.shutdown().await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn a_registry_reporting_another_manifest_digest_is_an_error() {
    let state = tempfile::tempdir().unwrap();
    let (store, image) = small_image(state.path(), "lied about");
    let lie = Digest::of(b"some other manifest");
    let addr = lying_registry(lie.to_string()).await;
    let target = Reference::parse(&format!("{addr}/test/push:v1")).unwrap();
    let e = client()
        .push(&store, &image, &target, &PushOptions::default())
        .await
        .unwrap_err();
    match &e {
        RegistryError::PushDigestMismatch {
            expected, actual, ..
        } => {
            assert_eq!(expected, &image.manifest.digest);
            assert_eq!(actual, lie.as_str());
        }
        other => panic!("want PushDigestMismatch, got {other:?}"),
    }
    assert!(e.to_string().contains(lie.as_str()), "{e}");
}
