//! Multi-platform builds (`--platform linux/amd64,linux/arm64`): one plan per platform, the
//! shared `$BUILDPLATFORM` stage built once, one OCI index pushed (manifests first) and named in
//! `--metadata-file` and `--iidfile`, every platform's records in one remote cache export, and
//! a fresh-runner rebuild from it that runs no step and downloads no layer. The arm64 RUN steps
//! run through QEMU (`scripts/peers.sh` registers its handlers); BuildKit's results are compared
//! in `differential_run::multi_platform_cross_compile`.

use super::remote_cache::build;
use super::support::{context, registry, skopeo};
use sha2::Digest as _;

const DOCKERFILE: &str = "\
FROM --platform=$BUILDPLATFORM {REG}/library/busybox:latest AS tools
RUN echo shared > /tool
FROM --platform=$BUILDPLATFORM {REG}/library/busybox:latest AS build
ARG TARGETARCH
COPY --from=tools /tool /tool
RUN echo \"for $TARGETARCH\" > /out
FROM {REG}/library/busybox:latest
COPY --from=build /out /tool /app/
RUN uname -m > /app/arch
";

/// `rbuild plan --platform a,b` lists both plans and which stages they share.
#[test]
fn plan_shows_each_platform_and_the_shared_stages() {
    let ctx = context(DOCKERFILE, &[]);
    let out = super::support::rbuild_ok(
        &[
            "plan",
            "--format",
            "json",
            "--platform",
            "linux/amd64,linux/arm64",
            ctx.path().to_str().unwrap(),
        ],
        &[],
        &[],
    );
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let plans = doc["plans"].as_array().unwrap();
    let platforms: Vec<&str> = plans
        .iter()
        .map(|p| p["platform"].as_str().unwrap())
        .collect();
    assert_eq!(platforms, ["linux/amd64", "linux/arm64"]);
    assert_eq!(doc["shared_stages"], serde_json::json!([0]), "{doc}");
    // The build stage reads TARGETARCH: a key per platform.
    assert_ne!(plans[0]["stages"][1]["key"], plans[1]["stages"][1]["key"]);
    assert_eq!(plans[0]["stages"][0]["key"], plans[1]["stages"][0]["key"]);

    let text = super::support::rbuild_ok(
        &[
            "plan",
            "--platform",
            "linux/amd64",
            "--platform",
            "linux/arm64,linux/amd64",
            ctx.path().to_str().unwrap(),
        ],
        &[],
        &[],
    );
    assert!(text.contains("== platform linux/arm64 =="), "{text}");
    assert!(
        text.contains("shared by every platform (built once): #0 tools"),
        "{text}"
    );
    assert_eq!(
        text.matches("== platform").count(),
        2,
        "duplicates dropped: {text}"
    );
}

#[test]
fn two_platforms_push_one_index_and_rebuild_from_the_cache_without_running_or_downloading() {
    let reg = registry();
    let id = std::process::id();
    let image = format!("{reg}/rbuild-test/multi-{id}:v1");
    let cache = format!("{reg}/rbuild-test/multi-cache-{id}");
    let ctx = context(DOCKERFILE, &[]);
    let home = tempfile::tempdir().unwrap();
    let iid = home.path().join("iid");
    let first = build(
        ctx.path(),
        home.path(),
        &[
            "--platform",
            "linux/amd64,linux/arm64",
            "--push",
            "-t",
            &image,
            "--iidfile",
            iid.to_str().unwrap(),
            "--cache-to",
            &format!("type=registry,ref={cache},mode=max"),
        ],
        &[],
    );
    // The shared stage ran once: one platform ran its RUN, the other found it cached.
    let tools: Vec<&(String, bool)> = first
        .steps
        .iter()
        .filter(|(n, _)| n.contains(" tools 2/2] RUN"))
        .collect();
    assert_eq!(tools.len(), 2, "{:?}", first.steps);
    assert_eq!(
        tools.iter().filter(|(_, cached)| !cached).count(),
        1,
        "{tools:?}"
    );
    assert!(
        first
            .steps
            .iter()
            .any(|(n, _)| n.starts_with("[linux/arm64 ")),
        "step names carry the platform: {:?}",
        first.steps
    );

    // The index: both platforms, each manifest in the repository.
    let raw = skopeo(&[
        "inspect",
        "--raw",
        "--tls-verify=false",
        &format!("docker://{image}"),
    ]);
    let index: serde_json::Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(
        index["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    let entries = index["manifests"].as_array().unwrap();
    let platforms: Vec<String> = entries
        .iter()
        .map(|m| format!("{}/{}", m["platform"]["os"], m["platform"]["architecture"]))
        .collect();
    assert_eq!(platforms, ["\"linux\"/\"amd64\"", "\"linux\"/\"arm64\""]);
    for (m, arch) in entries.iter().zip(["amd64", "arm64"]) {
        let by_digest = format!(
            "docker://{reg}/rbuild-test/multi-{id}@{}",
            m["digest"].as_str().unwrap()
        );
        let config = skopeo(&["inspect", "--config", "--tls-verify=false", &by_digest]);
        let config: serde_json::Value = serde_json::from_slice(&config).unwrap();
        assert_eq!(config["architecture"], arch);
    }
    // --metadata-file and --iidfile name the index, as buildx's do.
    let digest = first.digest();
    assert_eq!(
        digest,
        format!(
            "sha256:{:x}",
            sha2::Sha256::new_with_prefix(&raw).finalize()
        )
    );
    assert_eq!(
        first.metadata["containerimage.descriptor"]["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    assert!(first.metadata.get("containerimage.config.digest").is_none());
    assert_eq!(std::fs::read_to_string(&iid).unwrap(), digest);

    // A fresh runner with the remote cache: no step runs, no layer is downloaded, same index.
    let fresh = tempfile::tempdir().unwrap();
    let again = build(
        ctx.path(),
        fresh.path(),
        &[
            "--platform",
            "linux/amd64,linux/arm64",
            "--push",
            "-t",
            &image,
            "--cache-from",
            &format!("type=registry,ref={cache}"),
        ],
        &[],
    );
    assert!(again.ran().is_empty(), "{:?}", again.ran());
    assert_eq!(
        again.cache_report(&cache)["blobs_downloaded"],
        0,
        "{}",
        again.metadata
    );
    assert_eq!(again.metadata["rbuild.pull"]["download_bytes"], 0);
    assert_eq!(again.digest(), digest, "the same index");
}

/// A docker archive holds one image: several platforms are refused before anything is built,
/// with BuildKit's message.
#[test]
fn a_docker_archive_of_two_platforms_is_refused_before_the_build() {
    let ctx = context("FROM scratch\nCOPY a /\n", &[("a", "a")]);
    let home = tempfile::tempdir().unwrap();
    let out = super::support::rbuild_build(
        ctx.path(),
        home.path(),
        &[
            "--platform",
            "linux/amd64,linux/arm64",
            "-o",
            &format!("type=docker,dest={}", home.path().join("x.tar").display()),
        ],
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("docker exporter does not currently support exporting manifest lists"),
        "{stderr}"
    );
    assert!(!stderr.contains("COPY a /"), "nothing was built: {stderr}");
    assert!(!home.path().join("x.tar").exists());
}

/// Two platforms into an OCI archive: its entry is the index (named), and each image in it
/// has its own platform's files.
#[test]
fn an_oci_archive_holds_the_index_and_every_platform() {
    let ctx = context(
        "FROM {REG}/library/busybox:latest\nRUN uname -m > /arch\n",
        &[],
    );
    let home = tempfile::tempdir().unwrap();
    let tar = home.path().join("multi.tar");
    build(
        ctx.path(),
        home.path(),
        &[
            "--platform",
            "linux/arm64,linux/amd64",
            "-o",
            &format!("type=oci,dest={},name=multi:v1", tar.display()),
        ],
        &[],
    );
    let mut archive = tar::Archive::new(std::fs::File::open(&tar).unwrap());
    let mut blobs = std::collections::BTreeMap::new();
    for e in archive.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut data).unwrap();
        blobs.insert(name, data);
    }
    let json = |name: &str| -> serde_json::Value { serde_json::from_slice(&blobs[name]).unwrap() };
    let top = json("index.json");
    let entry = &top["manifests"][0];
    assert_eq!(
        entry["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    assert_eq!(
        entry["annotations"]["org.opencontainers.image.ref.name"],
        "v1"
    );
    let index = json(&format!(
        "blobs/sha256/{}",
        entry["digest"]
            .as_str()
            .unwrap()
            .trim_start_matches("sha256:")
    ));
    let order: Vec<&str> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["platform"]["architecture"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["arm64", "amd64"], "in --platform order");
    for (platform, machine) in [("linux/arm64", "aarch64"), ("linux/amd64", "x86_64")] {
        let files = super::differential_harness::platform_files(&tar, Some(platform));
        assert_eq!(
            files.get("arch").cloned().flatten(),
            Some(format!("{machine}\n").into_bytes()),
            "{platform}"
        );
    }
}

/// The native fan-out: an amd64 and an arm64 image pushed by two "runners" to two
/// repositories join into one index whose manifests are the inputs byte for byte, with every
/// blob mounted (none uploaded); an image of a platform already there is refused.
#[test]
fn imagetools_create_joins_native_builds_without_uploading_a_blob() {
    let reg = registry();
    let id = std::process::id();
    let ctx = context(
        "FROM {REG}/library/busybox:latest\nARG TARGETARCH\nRUN echo $TARGETARCH > /arch\n",
        &[],
    );
    let mut sources = Vec::new();
    for arch in ["amd64", "arm64"] {
        let home = tempfile::tempdir().unwrap();
        let image = format!("{reg}/rbuild-test/native-{arch}-{id}:v1");
        build(
            ctx.path(),
            home.path(),
            &[
                "--platform",
                &format!("linux/{arch}"),
                "--push",
                "-t",
                &image,
            ],
            &[],
        );
        sources.push(image);
    }
    let raw = |r: &str| {
        skopeo(&[
            "inspect",
            "--raw",
            "--tls-verify=false",
            &format!("docker://{r}"),
        ])
    };
    let target = format!("{reg}/rbuild-test/joined-{id}:v1");
    let home = tempfile::tempdir().unwrap();
    let out = super::support::Rbuild::new(home.path())
        .args(["imagetools", "create", "-t", &target])
        .args(&sources)
        .ok();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("0 uploaded"), "{stderr}");
    let index: serde_json::Value = serde_json::from_slice(&raw(&target)).unwrap();
    let entries = index["manifests"].as_array().unwrap();
    assert_eq!(entries.len(), 2, "{index}");
    for (entry, (source, arch)) in entries.iter().zip(sources.iter().zip(["amd64", "arm64"])) {
        assert_eq!(entry["platform"]["architecture"], arch);
        let input = raw(source);
        let digest = entry["digest"].as_str().unwrap();
        assert_eq!(
            digest,
            format!(
                "sha256:{:x}",
                sha2::Sha256::new_with_prefix(&input).finalize()
            )
        );
        let copied = raw(&format!("{reg}/rbuild-test/joined-{id}@{digest}"));
        assert_eq!(copied, input, "{arch}: byte-identical");
    }
    // The printed name carries the index digest.
    let stdout = String::from_utf8_lossy(&out.stdout);
    let pushed = format!(
        "sha256:{:x}",
        sha2::Sha256::new_with_prefix(raw(&target)).finalize()
    );
    assert!(stdout.contains(&pushed), "{stdout}");

    // --dry-run prints the same index and pushes nothing.
    let dry = super::support::Rbuild::new(home.path())
        .args(["imagetools", "create", "--dry-run"])
        .args(&sources)
        .ok();
    assert_eq!(
        format!(
            "sha256:{:x}",
            sha2::Sha256::new_with_prefix(dry.stdout.trim_ascii_end()).finalize()
        ),
        pushed
    );
    // Another amd64 image next to the index's is refused.
    let other_ctx = context("FROM scratch\nCOPY a /\n", &[("a", "a")]);
    let other = format!("{reg}/rbuild-test/native-other-{id}:v1");
    build(
        other_ctx.path(),
        tempfile::tempdir().unwrap().path(),
        &["--platform", "linux/amd64", "--push", "-t", &other],
        &[],
    );
    let twice = super::support::Rbuild::new(home.path())
        .args(["imagetools", "create", "-t", &format!("{target}-twice")])
        .arg(&target)
        .arg(&other)
        .command()
        .output()
        .unwrap();
    assert!(!twice.status.success());
    assert!(
        String::from_utf8_lossy(&twice.stderr).contains("two images for the platform"),
        "{}",
        String::from_utf8_lossy(&twice.stderr)
    );
}

/// `rbuild size` of a multi-platform layout: the machine's image by default, another with
/// `--platform`, and a clear error for a platform the index lacks.
#[test]
fn size_reads_one_platform_of_an_index() {
    let ctx = context(
        "FROM scratch\nARG TARGETARCH\nCOPY $TARGETARCH /\n",
        &[("amd64", "a"), ("arm64", "a much longer file for arm64\n")],
    );
    let home = tempfile::tempdir().unwrap();
    let layout = home.path().join("layout");
    build(
        ctx.path(),
        home.path(),
        &[
            "--platform",
            "linux/amd64,linux/arm64",
            "-o",
            &format!("type=oci,dest={},tar=false", layout.display()),
        ],
        &[],
    );
    let size = |platform: Option<&str>| {
        let mut cmd = super::support::Rbuild::new(home.path())
            .args(["size", "--format", "json"])
            .arg(&layout);
        if let Some(p) = platform {
            cmd = cmd.args(["--platform", p]);
        }
        cmd.command().output().unwrap()
    };
    let arm = size(Some("linux/arm64"));
    assert!(
        arm.status.success(),
        "{}",
        String::from_utf8_lossy(&arm.stderr)
    );
    assert!(String::from_utf8_lossy(&arm.stdout).contains("/arm64"));
    if std::env::consts::ARCH == "x86_64" {
        let native = size(None);
        assert!(String::from_utf8_lossy(&native.stdout).contains("/amd64"));
    }
    let none = size(Some("linux/s390x"));
    assert!(!none.status.success());
    assert!(
        String::from_utf8_lossy(&none.stderr).contains("no image for linux/s390x in the index"),
        "{}",
        String::from_utf8_lossy(&none.stderr)
    );
}

/// `mode=min` exports the final stage of every platform: a fresh runner finds the final steps
/// of both platforms in the one export.
#[test]
fn a_min_cache_export_holds_the_final_stage_of_every_platform() {
    let reg = registry();
    let cache = format!("{reg}/rbuild-test/multi-min-{}", std::process::id());
    let ctx = context(DOCKERFILE, &[]);
    let home = tempfile::tempdir().unwrap();
    build(
        ctx.path(),
        home.path(),
        &[
            "--platform",
            "linux/amd64,linux/arm64",
            "--cache-to",
            &format!("type=registry,ref={cache},mode=min"),
        ],
        &[],
    );
    let fresh = tempfile::tempdir().unwrap();
    let again = build(
        ctx.path(),
        fresh.path(),
        &[
            "--platform",
            "linux/amd64,linux/arm64",
            "--cache-from",
            &format!("type=registry,ref={cache}"),
        ],
        &[],
    );
    for platform in ["linux/amd64", "linux/arm64"] {
        let finals: Vec<&(String, bool)> = again
            .steps
            .iter()
            .filter(|(n, _)| n.starts_with(&format!("[{platform} stage-2 ")))
            .collect();
        assert_eq!(finals.len(), 2, "{:?}", again.steps);
        assert!(finals.iter().all(|(_, cached)| *cached), "{finals:?}");
    }
}
