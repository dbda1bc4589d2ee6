//! Provenance and SBOM attestations, annotations, `-q`, `--load` and `--allow`, read back by
//! the tools users read them with: `docker buildx imagetools inspect` (buildx 0.13 from
//! `scripts/buildkit.sh`), skopeo, the Docker daemon.

use super::differential_harness::peer;
use super::support::{Rbuild, context, registry, skopeo};
use serde_json::Value;

/// What failing commands print.
trait OutputFails {
    /// Runs the command, asserts that it fails, and returns its standard error.
    fn output_fails(self) -> String;
}

impl OutputFails for Rbuild {
    fn output_fails(self) -> String {
        let out = self.command().output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            !out.status.success(),
            "succeeded, expected a failure:\n{stderr}"
        );
        stderr
    }
}

/// `docker buildx imagetools inspect REF --format FORMAT`'s JSON.
fn imagetools(reference: &str, format: &str) -> Value {
    let peer = peer().expect("the BuildKit peer (scripts/buildkit.sh)");
    let out = peer
        .docker()
        .args([
            "buildx",
            "imagetools",
            "inspect",
            reference,
            "--format",
            format,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "imagetools inspect {reference}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "imagetools output is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Builds `dockerfile` with `args` and pushes it as `reference`.
fn push(dockerfile: &str, reference: &str, args: &[&str]) {
    let ctx = context(dockerfile, &[("app.txt", "app\n")]);
    let home = tempfile::tempdir().unwrap();
    let mut all = vec!["--progress", "plain", "--push", "-t", reference];
    all.extend_from_slice(args);
    Rbuild::build(home.path(), ctx.path(), &all).ok();
}

/// The raw manifest or index at `reference`.
fn raw(reference: &str) -> Value {
    serde_json::from_slice(&skopeo(&[
        "inspect",
        "--raw",
        "--tls-verify=false",
        &format!("docker://{reference}"),
    ]))
    .unwrap()
}

const DOCKERFILE: &str = "\
FROM {REG}/library/busybox:latest
ARG FLAVOR
COPY app.txt /app.txt
RUN echo \"$FLAVOR\" > /flavor
";

/// `--provenance mode=max`: an attestation manifest in the index, as BuildKit attaches it,
/// whose SLSA predicate `imagetools inspect` prints with the build's materials and args.
#[test]
fn provenance_is_read_by_buildx_imagetools() {
    if peer().is_none() {
        return;
    }
    let reference = format!("{}/attest/provenance:max", registry());
    push(
        DOCKERFILE,
        &reference,
        &[
            "--provenance",
            "mode=max,builder-id=https://github.com/o/r/actions/runs/1",
            "--build-arg",
            "FLAVOR=vanilla",
        ],
    );
    let index = raw(&reference);
    assert_eq!(
        index["mediaType"],
        "application/vnd.oci.image.index.v1+json"
    );
    let manifests = index["manifests"].as_array().unwrap();
    assert_eq!(manifests.len(), 2, "{index}");
    let att = &manifests[1];
    assert_eq!(att["platform"]["os"], "unknown");
    assert_eq!(
        att["annotations"]["vnd.docker.reference.type"],
        "attestation-manifest"
    );
    assert_eq!(
        att["annotations"]["vnd.docker.reference.digest"],
        manifests[0]["digest"]
    );

    let prov = imagetools(&reference, "{{json .Provenance}}");
    let slsa = &prov["SLSA"];
    assert_eq!(
        slsa["buildType"], "https://mobyproject.org/buildkit@v1",
        "{prov}"
    );
    assert_eq!(
        slsa["builder"]["id"],
        "https://github.com/o/r/actions/runs/1"
    );
    let material = &slsa["materials"][0];
    let uri = material["uri"].as_str().unwrap();
    assert!(
        uri.starts_with("pkg:docker/")
            && uri.contains("library/busybox@latest?platform=linux%2Famd64"),
        "{uri}"
    );
    assert_eq!(material["digest"]["sha256"].as_str().unwrap().len(), 64);
    let params = &slsa["invocation"]["parameters"];
    assert_eq!(params["frontend"], "dockerfile.v0");
    assert_eq!(params["args"]["build-arg:FLAVOR"], "vanilla");
    assert_eq!(
        slsa["invocation"]["configSource"]["entryPoint"],
        "Dockerfile"
    );
    assert_eq!(slsa["metadata"]["completeness"]["parameters"], true);

    // The same build by BuildKit: the same materials (the busybox tag's index by digest), the
    // same invocation.
    let peer = peer().unwrap();
    let ctx = context(DOCKERFILE, &[("app.txt", "app\n")]);
    let theirs_ref = format!("{}/attest/provenance:buildkit", registry());
    let out = peer
        .docker()
        .args([
            "buildx",
            "build",
            "--builder",
            "default",
            "--progress=plain",
        ])
        .args([
            "--provenance=mode=max",
            "--sbom=false",
            "--push",
            "-t",
            &theirs_ref,
        ])
        .args(["--build-arg", "FLAVOR=vanilla"])
        .arg(ctx.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs = imagetools(&theirs_ref, "{{json .Provenance}}");
    let theirs = &theirs["SLSA"];
    assert_eq!(
        slsa["materials"], theirs["materials"],
        "materials: rbuild vs BuildKit"
    );
    for field in ["configSource", "environment"] {
        assert_eq!(
            slsa["invocation"][field], theirs["invocation"][field],
            "{field}"
        );
    }
    for field in ["frontend", "args", "locals"] {
        assert_eq!(
            params[field], theirs["invocation"]["parameters"][field],
            "{field}"
        );
    }
    assert_eq!(
        slsa["metadata"]["completeness"],
        theirs["metadata"]["completeness"]
    );

    // mode=min leaves the build args out and says the parameters are incomplete.
    let min = format!("{}/attest/provenance:min", registry());
    push(
        DOCKERFILE,
        &min,
        &[
            "--attest",
            "type=provenance,mode=min",
            "--build-arg",
            "FLAVOR=secret-ish",
        ],
    );
    let prov = imagetools(&min, "{{json .Provenance}}");
    assert!(
        prov["SLSA"]["invocation"]["parameters"]
            .get("args")
            .is_none(),
        "{prov}"
    );
    assert_eq!(
        prov["SLSA"]["metadata"]["completeness"]["parameters"],
        false
    );
    assert!(!prov.to_string().contains("secret-ish"));
}

/// `--sbom`: an SPDX document of the image's packages; for a Debian image, dpkg's.
#[test]
fn sbom_lists_the_packages_of_a_debian_image() {
    if peer().is_none() {
        return;
    }
    let reference = format!("{}/attest/sbom:debian", registry());
    push(
        "FROM {REG}/library/debian:bookworm-slim\nRUN echo hi > /hi\n",
        &reference,
        &["--sbom=true"],
    );
    let sbom = imagetools(&reference, "{{json .SBOM}}");
    let doc = &sbom["SPDX"];
    assert_eq!(doc["spdxVersion"], "SPDX-2.3", "{sbom}");
    let packages: Vec<(String, String)> = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["externalRefs"][0]["referenceLocator"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    for name in ["base-files", "bash", "dpkg", "libc6", "coreutils"] {
        assert!(
            packages.iter().any(|(n, _)| n == name),
            "{name} missing from the SBOM: {packages:?}"
        );
    }
    let (_, purl) = packages.iter().find(|(n, _)| n == "dpkg").unwrap();
    assert!(
        purl.starts_with("pkg:deb/debian/dpkg@") && purl.contains("distro=debian-12"),
        "{purl}"
    );
}

/// `--annotation`s land where their prefix says; `index:` without an index is refused.
#[test]
fn annotations_go_where_their_prefix_says() {
    let reference = format!("{}/attest/annotated:v1", registry());
    push(
        DOCKERFILE,
        &reference,
        &[
            "--annotation",
            "org.opencontainers.image.title=app",
            "--annotation",
            "index:org.opencontainers.image.description=the index",
            "--annotation",
            "manifest-descriptor:com.example.note=on the descriptor",
            "--provenance=true",
        ],
    );
    let index = raw(&reference);
    assert_eq!(
        index["annotations"]["org.opencontainers.image.description"],
        "the index"
    );
    let entry = &index["manifests"][0];
    assert_eq!(
        entry["annotations"]["com.example.note"],
        "on the descriptor"
    );
    let manifest = raw(&format!(
        "{}/attest/annotated@{}",
        registry(),
        entry["digest"].as_str().unwrap()
    ));
    assert_eq!(
        manifest["annotations"]["org.opencontainers.image.title"],
        "app"
    );

    let ctx = context(DOCKERFILE, &[("app.txt", "app\n")]);
    let home = tempfile::tempdir().unwrap();
    let out = Rbuild::build(
        home.path(),
        ctx.path(),
        &["--annotation", "index:k=v", "-t", &reference, "--push"],
    )
    .output_fails();
    assert!(out.contains("makes an image, not an index"), "{out}");
}

/// `-q` prints the image id and nothing else; it is the config digest.
#[test]
fn quiet_prints_only_the_image_id() {
    let ctx = context(DOCKERFILE, &[("app.txt", "app\n")]);
    let home = tempfile::tempdir().unwrap();
    let iid = home.path().join("iid");
    let out = Rbuild::build(
        home.path(),
        ctx.path(),
        &["-q", "--iidfile", iid.to_str().unwrap()],
    )
    .ok();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.trim(), std::fs::read_to_string(&iid).unwrap());
    assert!(stdout.starts_with("sha256:") && stdout.lines().count() == 1);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `--load` puts the image into the Docker daemon `DOCKER_HOST` names; without a daemon the
/// error names the socket and what to do instead.
#[test]
fn load_goes_into_the_docker_daemon_or_says_why_not() {
    let ctx = context(DOCKERFILE, &[("app.txt", "app\n")]);
    let home = tempfile::tempdir().unwrap();
    let gone = home.path().join("no-docker.sock");
    let out = Rbuild::build(
        home.path(),
        ctx.path(),
        &["--load", "-t", "rbuild-load:test"],
    )
    .env("DOCKER_HOST", format!("unix://{}", gone.display()))
    .output_fails();
    assert!(
        out.contains("no Docker daemon answers") && out.contains("no-docker.sock"),
        "{out}"
    );
    let Some(peer) = peer() else { return };
    let name = "rbuild-load-test:v1";
    let built = Rbuild::build(home.path(), ctx.path(), &["--load", "-t", name, "-q"])
        .env("DOCKER_HOST", &peer.host)
        .ok();
    let id = String::from_utf8(built.stdout).unwrap();
    let inspect = peer
        .docker()
        .args(["image", "inspect", name, "--format", "{{.Id}}"])
        .output()
        .unwrap();
    assert!(
        inspect.status.success(),
        "{}",
        String::from_utf8_lossy(&inspect.stderr)
    );
    let shown = String::from_utf8_lossy(&inspect.stdout);
    // The containerd image store names an image by its manifest; the classic one by config.
    assert!(shown.starts_with("sha256:"), "{shown} (rbuild: {id})");
    let _ = peer.docker().args(["image", "rm", name]).output();
}

/// `--allow`: `RUN --network=host` and `RUN --security=insecure` need their entitlements, as
/// in BuildKit; granted, the insecure step has every capability.
#[test]
fn entitlements_are_needed_and_grant_what_they_name() {
    let home = tempfile::tempdir().unwrap();
    let host = context(
        "FROM {REG}/library/busybox:latest\nRUN true\nRUN --network=host true\n",
        &[],
    );
    let out = Rbuild::build(home.path(), host.path(), &[]).output_fails();
    assert!(
        out.contains(":3") && out.contains("network.host is not allowed"),
        "{out}"
    );
    Rbuild::build(home.path(), host.path(), &["--allow", "network.host"]).ok();

    let insecure = context(
        "FROM {REG}/library/busybox:latest\nRUN --security=insecure grep CapEff /proc/self/status > /caps\n",
        &[],
    );
    let out = Rbuild::build(home.path(), insecure.path(), &[]).output_fails();
    assert!(out.contains("security.insecure is not allowed"), "{out}");
    let layout = home.path().join("out");
    Rbuild::build(
        home.path(),
        insecure.path(),
        &[
            "--allow",
            "security.insecure",
            "-t",
            "caps:v1",
            "-o",
            &format!("type=oci,dest={},tar=false", layout.display()),
        ],
    )
    .ok();
    let rootfs = super::support::unpack_layout(&layout, "v1", &home.path().join("bundle"));
    let caps = std::fs::read_to_string(rootfs.join("caps")).unwrap();
    // Docker's default set is 00000000a80425fb; insecure mode has them all.
    assert!(!caps.contains("00000000a80425fb"), "{caps}");
    let out = Rbuild::build(home.path(), insecure.path(), &["--allow", "device"]).output_fails();
    assert!(out.contains("invalid entitlement: device"), "{out}");
}

/// In GitHub Actions the checks' findings are annotations, unless
/// `DOCKER_BUILD_CHECKS_ANNOTATIONS=false` (build-push-action's switch) says no.
#[test]
fn checks_annotations_follow_build_push_actions_switch() {
    let ctx = context(
        "FROM {REG}/library/busybox:latest AS Build\nRUN true\n",
        &[],
    );
    let home = tempfile::tempdir().unwrap();
    let run = |switch: Option<&str>| {
        let mut r = Rbuild::build(home.path(), ctx.path(), &[]).env("GITHUB_ACTIONS", "true");
        if let Some(v) = switch {
            r = r.env("DOCKER_BUILD_CHECKS_ANNOTATIONS", v);
        }
        String::from_utf8(r.ok().stdout).unwrap()
    };
    let on = run(None);
    assert!(
        on.contains("::warning file=") && on.contains("StageNameCasing"),
        "{on}"
    );
    assert!(run(Some("true")).contains("::warning"));
    let off = run(Some("false"));
    assert!(!off.contains("::warning"), "{off}");
}
