//! The registry client against the real registry of `scripts/peers.sh` (`RBUILD_TEST_REGISTRY`),
//! checked against what skopeo says; an in-process hostile registry only for faults a real one
//! never produces (corrupt and truncated blobs, a Range request ignored).

use rbuild::digest::Digest;
use rbuild::plan::Platform;
use rbuild::plan::reference::Reference;
use rbuild::registry::{Registry, RegistryError, RegistryOptions, Repository};
use std::process::Command;
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

    let arm = Platform::parse("linux/arm64").unwrap();
    let e = client().resolve(&busybox(), &arm).await.unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, RegistryError::PlatformNotFound { .. }), "{e:?}");
    assert!(
        msg.contains("linux/arm64") && msg.contains("available: linux/amd64"),
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let blob = blob.clone();
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
