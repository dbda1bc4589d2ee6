//! `rbuild size IMAGE` and the image size part of the build report: layers by size with the
//! instruction that made each, the largest files and directories of the largest layers, for an
//! OCI layout directory and a registry reference.

use super::remote_cache::build;
use super::support::{context, registry};

/// Runs `rbuild size ARGS`; its stdout (fails the test unless it succeeds).
fn size(args: &[&str]) -> String {
    let all: Vec<&str> = ["size"].iter().chain(args).copied().collect();
    super::support::rbuild_ok(&all, &[], &[])
}

#[test]
fn an_oci_layout_and_a_registry_image_say_what_makes_them_big() {
    let ctx = context(
        "FROM {REG}/library/busybox:latest\n\
         RUN mkdir -p /data/big && head -c 3000000 /dev/urandom > /data/big/blob && echo small > /data/note\n\
         COPY app.txt /app/app.txt\n",
        &[("app.txt", "hello\n")],
    );
    let home = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    let layout = out.path().join("img");
    let summary = out.path().join("summary.md");
    let tag = format!("{}/rbuild-test/size-{}:v1", registry(), std::process::id());
    build(
        ctx.path(),
        home.path(),
        &[
            "-o",
            &format!("type=oci,dest={},tar=false", layout.display()),
            "-t",
            &tag,
            "--push",
            "--summary",
            summary.to_str().unwrap(),
        ],
        &[],
    );
    let from_layout = size(&[&format!("oci:{}", layout.display()), "--inspect", "1"]);
    let first = from_layout.lines().nth(1).unwrap_or_default();
    assert!(
        first.contains("RUN") && first.contains("head -c 3000000"),
        "the RUN layer is the largest:\n{from_layout}"
    );
    assert!(from_layout.contains("/data/big/blob"), "{from_layout}");
    assert!(from_layout.contains("/data/big/"), "{from_layout}");
    // Only the largest layer is opened with --inspect 1.
    assert_eq!(
        from_layout.matches("unpacked; largest:").count(),
        1,
        "{from_layout}"
    );

    let from_registry = size(&[&tag, "--format", "json"]);
    let layers: serde_json::Value = serde_json::from_str(&from_registry).unwrap();
    let layers = layers.as_array().unwrap();
    assert_eq!(layers.len(), 3, "busybox, RUN, COPY: {from_registry}");
    let run = &layers[1];
    assert!(run["created_by"].as_str().unwrap().contains("RUN"), "{run}");
    assert_eq!(run["contents"]["largest_files"][0][0], "/data/big/blob");
    assert_eq!(run["contents"]["largest_files"][0][1], 3_000_000);

    // The build's own report carries the same.
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.contains("### Image size:") && md.contains("/data/big/blob"),
        "{md}"
    );
}
