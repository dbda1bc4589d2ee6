//! `rbuild build --explain` end to end against the test registry: why each missed step missed,
//! in the progress lines (`#N MISS: ...`), the final table and the metadata file.

use std::fs;
use std::path::Path;
use std::process::Output;

use super::support::{rbuild_build, registry, skopeo};

/// Runs `rbuild build --explain --progress=plain` in `ctx` with the state dir `home`.
fn build(ctx: &Path, home: &Path, args: &[&str]) -> String {
    let mut all = vec!["--explain", "--progress=plain"];
    all.extend_from_slice(args);
    let out: Output = rbuild_build(ctx, home, &all).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "rbuild build failed:\n{stderr}");
    stderr
}

/// Each layer step's text (`COPY app/ /app/`) with its miss reason (`None`: CACHED), from the
/// progress lines; every `#N MISS:` line must belong to a step that then ran.
fn steps(stderr: &str) -> Vec<(String, Option<String>)> {
    let mut names = std::collections::BTreeMap::new();
    let mut reasons = std::collections::BTreeMap::new();
    let mut out = Vec::new();
    for line in stderr.lines() {
        let Some((id, text)) = line.strip_prefix('#').and_then(|r| r.split_once(' ')) else {
            continue;
        };
        if let Some(name) = text.strip_prefix('[') {
            let name = name.split_once("] ").map_or(name, |(_, n)| n);
            names.insert(id.to_string(), name.to_string());
        } else if let Some(reason) = text.strip_prefix("MISS: ") {
            reasons.insert(id.to_string(), reason.to_string());
        } else if text == "CACHED" || text.starts_with("DONE") {
            let name = names.get(id).cloned().unwrap_or_default();
            if name.starts_with("FROM ") {
                continue;
            }
            let reason = reasons.remove(id);
            assert_eq!(
                reason.is_none(),
                text == "CACHED",
                "a MISS line for a hit or none for a miss: {stderr}"
            );
            out.push((name, reason));
        }
    }
    assert!(reasons.is_empty(), "{stderr}");
    out
}

/// The reason lines of the final table (`  ↳ ...`).
fn table_reasons(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .skip_while(|l| !l.starts_with("STEP"))
        .filter_map(|l| l.strip_prefix("  ↳ "))
        .map(str::to_string)
        .collect()
}

fn reasons(stderr: &str) -> Vec<Option<String>> {
    let steps = steps(stderr);
    let reasons: Vec<Option<String>> = steps.iter().map(|(_, r)| r.clone()).collect();
    let in_table: Vec<String> = reasons.iter().flatten().cloned().collect();
    assert_eq!(table_reasons(stderr), in_table, "{stderr}");
    reasons
}

const DOCKERFILE: &str = r#"FROM {REG}/library/busybox
ARG VERSION=1
COPY app/ /app/
RUN {CMD}
COPY other.txt /other.txt
"#;

fn dockerfile(ctx: &Path, cmd: &str) {
    let text = DOCKERFILE
        .replace("{REG}", &registry())
        .replace("{CMD}", cmd);
    fs::write(ctx.join("Dockerfile"), text).unwrap();
}

#[test]
fn every_miss_says_why_against_the_closest_record() {
    let ctx = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let root = ctx.path();
    fs::create_dir_all(root.join("app/src")).unwrap();
    fs::write(root.join("app/a.txt"), "a\n").unwrap();
    fs::write(root.join("app/src/main.py"), "print(1)\n").unwrap();
    fs::write(root.join("other.txt"), "other\n").unwrap();
    dockerfile(root, r#"echo "$VERSION" > /version"#);
    let first = "no record for this step (first build)".to_string();

    // First build: no record for any step.
    let out = build(root, home.path(), &[]);
    assert_eq!(reasons(&out), vec![Some(first.clone()); 3], "{out}");

    // Unchanged: all cached, no reasons anywhere.
    let out = build(root, home.path(), &[]);
    assert_eq!(reasons(&out), vec![None; 3], "{out}");
    assert!(!out.contains("MISS") && !out.contains('↳'), "{out}");

    // One file changed: named by path; the later steps missed because of it.
    fs::write(root.join("app/src/main.py"), "print(2)\n").unwrap();
    let out = build(root, home.path(), &[]);
    assert_eq!(
        reasons(&out),
        [
            Some("file changed: app/src/main.py".to_string()),
            Some("an earlier step missed (line 3)".to_string()),
            Some("an earlier step missed (line 4)".to_string()),
        ],
        "{out}"
    );

    // A file added and one removed.
    fs::write(root.join("app/new.txt"), "new\n").unwrap();
    fs::remove_file(root.join("app/a.txt")).unwrap();
    let out = build(root, home.path(), &[]);
    assert_eq!(
        reasons(&out)[0].as_deref(),
        Some("file added: app/new.txt; file removed: app/a.txt"),
        "{out}"
    );

    // A build arg: its name and both values, on the step that uses it.
    let meta = home.path().join("meta.json");
    let out = build(
        root,
        home.path(),
        &[
            "--build-arg",
            "VERSION=2",
            "--metadata-file",
            meta.to_str().unwrap(),
        ],
    );
    assert_eq!(
        reasons(&out),
        [
            None,
            Some(r#"build arg VERSION changed: "1" -> "2""#.to_string()),
            Some("an earlier step missed (line 4)".to_string()),
        ],
        "{out}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&fs::read(&meta).unwrap()).unwrap();
    let explained = doc["rbuild.explain"].as_array().unwrap();
    assert_eq!(explained.len(), 2, "{doc}");
    assert_eq!(explained[0]["line"], 4);
    assert_eq!(
        explained[0]["reason"],
        r#"build arg VERSION changed: "1" -> "2""#
    );
    assert!(doc["containerimage.digest"].is_string(), "{doc}");

    // A changed command.
    dockerfile(root, r#"echo "v$VERSION" > /version"#);
    let out = build(root, home.path(), &[]);
    assert_eq!(
        reasons(&out)[..2],
        [None, Some("command changed".to_string())],
        "{out}"
    );

    // --no-cache says so.
    let out = build(root, home.path(), &["--no-cache"]);
    assert_eq!(
        reasons(&out),
        vec![Some("--no-cache".to_string()); 3],
        "{out}"
    );
}

/// Copies `src` (in the test registry) to `dest` with skopeo; returns the manifest digest.
fn skopeo_copy(src: &str, dest: &str) -> String {
    skopeo(&[
        "copy",
        "--src-tls-verify=false",
        "--dest-tls-verify=false",
        &format!("docker://{src}"),
        &format!("docker://{dest}"),
    ]);
    let digest = skopeo(&[
        "inspect",
        "--tls-verify=false",
        "--format",
        "{{.Digest}}",
        &format!("docker://{dest}"),
    ]);
    String::from_utf8(digest).unwrap().trim().to_string()
}

#[test]
fn a_retagged_base_image_names_the_reference_and_both_digests() {
    let reg = registry();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let base = format!("{reg}/explain/base-{}-{nanos}:latest", std::process::id());
    let old = skopeo_copy(&format!("{reg}/library/debian:bookworm-slim"), &base);
    let ctx = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    fs::write(
        ctx.path().join("Dockerfile"),
        format!("FROM {base}\nCOPY a.txt /a.txt\nCOPY b.txt /b.txt\n"),
    )
    .unwrap();
    fs::write(ctx.path().join("a.txt"), "a\n").unwrap();
    fs::write(ctx.path().join("b.txt"), "b\n").unwrap();
    build(ctx.path(), home.path(), &[]);

    let new = skopeo_copy(&format!("{reg}/library/busybox:latest"), &base);
    assert_ne!(old, new);
    let out = build(ctx.path(), home.path(), &[]);
    let short = |d: &str| d[..d.len().min("sha256:".len() + 12)].to_string();
    assert_eq!(
        reasons(&out),
        [
            Some(format!(
                "base image {base} changed: {} -> {}",
                short(&old),
                short(&new)
            )),
            Some("an earlier step missed (line 2)".to_string()),
        ],
        "{out}"
    );
}

#[test]
fn plan_explain_says_what_a_build_would_miss_without_building() {
    let ctx = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let root = ctx.path();
    fs::write(
        root.join("Dockerfile"),
        "FROM scratch\nCOPY a.txt /a\nCOPY b.txt /b\n",
    )
    .unwrap();
    fs::write(root.join("a.txt"), "a\n").unwrap();
    fs::write(root.join("b.txt"), "b\n").unwrap();
    let plan = || {
        let out = super::support::Rbuild::new(home.path())
            .args(["plan", "--offline", "--explain"])
            .arg(root)
            .output();
        assert!(out.status.success(), "{out:?}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        stdout
            .lines()
            .skip_while(|l| *l != "cache (local):")
            .skip(1)
            .map(|l| l.trim().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        plan(),
        [
            "line 2: COPY a.txt /a: MISS: no record for this step (first build)",
            "line 3: COPY b.txt /b: MISS: no record for this step (first build)",
        ]
    );
    build(root, home.path(), &[]);
    assert_eq!(
        plan(),
        [
            "line 2: COPY a.txt /a: CACHED",
            "line 3: COPY b.txt /b: CACHED"
        ]
    );
    fs::write(root.join("a.txt"), "changed\n").unwrap();
    assert_eq!(
        plan(),
        [
            "line 2: COPY a.txt /a: MISS: file changed: a.txt",
            "line 3: COPY b.txt /b: MISS: an earlier step missed (line 2)",
        ]
    );
    // Planning built nothing: the build still finds the same.
    let out = build(root, home.path(), &[]);
    assert_eq!(
        reasons(&out),
        [
            Some("file changed: a.txt".to_string()),
            Some("an earlier step missed (line 2)".to_string()),
        ]
    );
}
