//! `--cache-to` / `--cache-from` end to end, against real backends: build with `--cache-to`,
//! wipe the state directory (a fresh runner), build with `--cache-from`: every step CACHED and
//! the same image digest; then one source file changed: only the steps that depend on it run.
//! Also: a fully cached build pushing to the cache's registry downloads no layer, and a
//! corrupted or missing cache blob ends in the right image (the step that made it runs again).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use super::support::{Relay, context, rbuild_build, registry};

/// Three stages: `deps` (a base for the final stage), `app` (copied from) and the final one.
pub(crate) const DOCKERFILE: &str = "\
FROM {REG}/library/busybox:latest AS deps
RUN echo deps > /deps.txt && mkdir -p /opt && seq 1 2000 > /opt/numbers
FROM {REG}/library/busybox:latest AS app
COPY app.txt /app.txt
RUN cat /app.txt /app.txt > /app.out
FROM deps
COPY --from=app /app.out /app.out
COPY static.txt /static.txt
RUN ls / > /listing && wc -l /opt/numbers > /count
";

/// The context of [`DOCKERFILE`] with `app.txt` holding `app`.
pub(crate) fn scenario(app: &str) -> tempfile::TempDir {
    context(DOCKERFILE, &[("app.txt", app), ("static.txt", "static\n")])
}

/// What one build did.
pub(crate) struct Built {
    /// `(step name, cached)` for each layer step, in order.
    pub steps: Vec<(String, bool)>,
    /// The `--metadata-file` document.
    pub metadata: serde_json::Value,
    /// rbuild's stderr.
    pub stderr: String,
}

impl Built {
    /// The image's manifest digest.
    pub fn digest(&self) -> String {
        self.metadata["containerimage.digest"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The names of the steps that ran.
    pub fn ran(&self) -> Vec<String> {
        self.steps
            .iter()
            .filter(|(_, cached)| !cached)
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// The `rbuild.cache` report of `backend`.
    pub fn cache_report(&self, backend: &str) -> &serde_json::Value {
        &self.metadata["rbuild.cache"][backend]
    }
}

/// `rbuild build` of `ctx` with state `home` and `args`, plain progress and a metadata file;
/// fails the test unless it succeeds.
pub(crate) fn build(ctx: &Path, home: &Path, args: &[&str], env: &[(&str, &str)]) -> Built {
    let meta = home.join("metadata.json");
    let meta_s = meta.to_str().unwrap().to_string();
    let mut all = vec!["--progress", "plain", "--metadata-file", &meta_s];
    all.extend_from_slice(args);
    let mut cmd = rbuild_build(ctx, home, &all);
    cmd.env_remove("GITHUB_REF_NAME")
        .env_remove("GITHUB_REF")
        .env_remove("GITHUB_BASE_REF")
        .env_remove("CODEBUILD_WEBHOOK_TRIGGER")
        .env_remove("CODEBUILD_WEBHOOK_HEAD_REF")
        .env_remove("CODEBUILD_SOURCE_VERSION")
        .env_remove("CODEBUILD_WEBHOOK_BASE_REF")
        .env_remove("RBUILD_CACHE_SCOPE")
        .env_remove("GITHUB_EVENT_PATH");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "rbuild build {args:?} failed:\n{stderr}"
    );
    let metadata = serde_json::from_slice(&fs::read(&meta).unwrap()).unwrap();
    Built {
        steps: steps(&stderr),
        metadata,
        stderr,
    }
}

/// `(name, cached)` of every layer step in plain progress output.
fn steps(stderr: &str) -> Vec<(String, bool)> {
    let mut names = BTreeMap::new();
    let mut out = Vec::new();
    for line in stderr.lines() {
        let Some((id, text)) = line.strip_prefix('#').and_then(|r| r.split_once(' ')) else {
            continue;
        };
        if text.starts_with('[') {
            names.insert(id.to_string(), text.to_string());
        } else if text == "CACHED" || text.starts_with("DONE") {
            let name = names.get(id).cloned().unwrap_or_default();
            if !name.contains("] FROM ") {
                out.push((name, text == "CACHED"));
            }
        }
    }
    out
}

/// The round trip every backend must pass: export from a build, import into a fresh state
/// directory (all CACHED, same digest), then a changed `app.txt` (only its dependants run).
/// `env` is the environment both builds run with (the branch, credentials).
pub(crate) fn round_trip(to: &str, from: &str, env: &[(&str, &str)]) {
    let ctx = scenario("app v1\n");
    let first_home = tempfile::tempdir().unwrap();
    let first = build(ctx.path(), first_home.path(), &["--cache-to", to], env);
    assert!(first.ran().len() >= 5, "{:?}", first.steps);
    assert!(
        first.stderr.contains("exported cache to"),
        "{}",
        first.stderr
    );

    let fresh = tempfile::tempdir().unwrap();
    let second = build(ctx.path(), fresh.path(), &["--cache-from", from], env);
    assert!(
        second.ran().is_empty(),
        "a fresh runner with the cache ran {:?}\n{}",
        second.ran(),
        second.stderr
    );
    assert_eq!(second.steps.len(), first.steps.len());
    assert_eq!(second.digest(), first.digest(), "the same image");

    fs::write(ctx.path().join("app.txt"), "app v2\n").unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let third = build(ctx.path(), fresh.path(), &["--cache-from", from], env);
    let ran = third.ran();
    let cached: Vec<String> = third
        .steps
        .iter()
        .filter(|(_, c)| *c)
        .map(|(n, _)| n.clone())
        .collect();
    assert!(
        cached.iter().any(|n| n.contains("RUN echo deps")),
        "the deps stage does not read app.txt: {:?}",
        third.steps
    );
    assert!(
        ran.iter().any(|n| n.contains("COPY app.txt"))
            && ran.iter().any(|n| n.contains("RUN cat /app.txt")),
        "{:?}",
        third.steps
    );
    assert_ne!(third.digest(), first.digest());
}

#[test]
fn registry_cache_round_trip() {
    let reference = format!("{}/rbuild-test/remote-{}", registry(), std::process::id());
    round_trip(
        &format!("type=registry,ref={reference},mode=max"),
        &format!("type=registry,ref={reference}"),
        &[],
    );
}

#[test]
fn registry_cache_with_an_explicit_tag_reads_and_writes_that_tag() {
    let reference = format!(
        "{}/rbuild-test/remote-tag-{}:buildcache",
        registry(),
        std::process::id()
    );
    round_trip(
        &format!("type=registry,ref={reference},mode=max"),
        &reference,
        &[],
    );
    let out = super::support::skopeo(&[
        "inspect",
        "--raw",
        "--tls-verify=false",
        &format!("docker://{reference}"),
    ]);
    let manifest: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(
        manifest["artifactType"], "application/vnd.rbuild.cache.v1",
        "{manifest}"
    );
    assert_eq!(
        manifest["mediaType"], "application/vnd.oci.image.manifest.v1+json",
        "an image manifest, never an index (ECR)"
    );
}

#[test]
fn a_feature_branch_reads_the_default_branch_and_writes_its_own_scope() {
    let reference = format!("{}/rbuild-test/scopes-{}", registry(), std::process::id());
    let ctx = scenario("scoped\n");
    let main_env = [("GITHUB_REF_NAME", "main")];
    let home = tempfile::tempdir().unwrap();
    let to = format!("type=registry,ref={reference},mode=max");
    build(ctx.path(), home.path(), &["--cache-to", &to], &main_env);

    // A pull request: reads pr-7 (empty), then its base `release/1`, then main.
    let pr_env = [
        ("GITHUB_REF", "refs/pull/7/merge"),
        ("GITHUB_REF_NAME", "7/merge"),
        ("GITHUB_BASE_REF", "release/1"),
    ];
    let fresh = tempfile::tempdir().unwrap();
    let pr = build(
        ctx.path(),
        fresh.path(),
        &["--cache-from", &reference, "--cache-to", &to],
        &pr_env,
    );
    assert!(pr.ran().is_empty(), "{:?}\n{}", pr.ran(), pr.stderr);
    // `release/1` is not a safe name as it is: its scope carries a hash of the name (issue 18).
    let release = rbuild_wire::scope::branch("release/1");
    assert!(
        pr.stderr.contains(&format!(
            "cache scope pr-7 (reads pr-7 -> {release} -> main)"
        )),
        "{}",
        pr.stderr
    );
    let tags = super::support::skopeo(&[
        "list-tags",
        "--tls-verify=false",
        &format!("docker://{reference}"),
    ]);
    let tags: serde_json::Value = serde_json::from_slice(&tags).unwrap();
    let mut tags: Vec<&str> = tags["Tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    tags.sort_unstable();
    // What `main` and `pr-7` hold now, to show below that no other branch rewrites them.
    let victim_manifests: std::collections::HashMap<&str, Vec<u8>> = ["main", "pr-7"]
        .into_iter()
        .map(|tag| {
            let raw = super::support::skopeo(&[
                "inspect",
                "--raw",
                "--tls-verify=false",
                &format!("docker://{reference}:{tag}"),
            ]);
            (tag, raw)
        })
        .collect();
    assert_eq!(
        tags,
        ["main", "pr-7"],
        "the pull request wrote only its own scope"
    );

    // Issue 18, item 6, as a contributor who may push branches would try it: branches named
    // `Main` and `pr-7` export to the same cache and must leave `main` and `pr-7` alone.
    for (branch, victim) in [("Main", "main"), ("pr-7", "pr-7")] {
        let attacker = tempfile::tempdir().unwrap();
        let edited = scenario(&format!("pushed from branch {branch}\n"));
        build(
            edited.path(),
            attacker.path(),
            &["--cache-to", &to],
            &[("GITHUB_REF_NAME", branch)],
        );
        let listed = super::support::skopeo(&[
            "list-tags",
            "--tls-verify=false",
            &format!("docker://{reference}"),
        ]);
        let listed: serde_json::Value = serde_json::from_slice(&listed).unwrap();
        let own = rbuild_wire::scope::branch(branch);
        assert_ne!(own, victim);
        assert!(
            listed["Tags"].as_array().unwrap().iter().any(|t| *t == own),
            "{branch} wrote its own scope {own}: {listed}"
        );
        let digest = |tag: &str| {
            super::support::skopeo(&[
                "inspect",
                "--raw",
                "--tls-verify=false",
                &format!("docker://{reference}:{tag}"),
            ])
        };
        assert_eq!(
            digest(victim),
            victim_manifests[victim],
            "branch {branch} rewrote scope {victim}"
        );
    }
}

#[test]
fn a_cached_rebuild_pushed_to_the_cache_registry_downloads_no_layer() {
    let reference = format!("{}/rbuild-test/nodl-{}", registry(), std::process::id());
    let ctx = scenario("no download\n");
    let home = tempfile::tempdir().unwrap();
    build(
        ctx.path(),
        home.path(),
        &[
            "--cache-to",
            &format!("type=registry,ref={reference},mode=max"),
        ],
        &[],
    );
    let fresh = tempfile::tempdir().unwrap();
    let target = format!(
        "{}/rbuild-test/nodl-image-{}:v1",
        registry(),
        std::process::id()
    );
    let pushed = build(
        ctx.path(),
        fresh.path(),
        &["--cache-from", &reference, "--push", "-t", &target],
        &[],
    );
    assert!(pushed.ran().is_empty(), "{:?}", pushed.ran());
    let cache = pushed.cache_report(&reference);
    assert_eq!(cache["blobs_downloaded"], 0, "{}", pushed.metadata);
    assert_eq!(pushed.metadata["rbuild.pull"]["download_bytes"], 0);
    assert_eq!(pushed.metadata["rbuild.pull"]["blobs_downloaded"], 0);
    // The pushed image is whole: skopeo copies it out.
    let dir = tempfile::tempdir().unwrap();
    super::support::skopeo(&[
        "copy",
        "--src-tls-verify=false",
        &format!("docker://{target}"),
        &format!("oci:{}:x", dir.path().display()),
    ]);
}

#[test]
fn local_cache_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    round_trip(
        &format!("type=local,dest={d},mode=max"),
        &format!("type=local,src={d}"),
        &[],
    );
    let index: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.path().join("index.json")).unwrap()).unwrap();
    assert_eq!(
        index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"],
        "main"
    );
}

/// The layer blobs a local cache directory's index lists, largest first.
fn local_layers(dir: &Path) -> Vec<std::path::PathBuf> {
    let read = |p: std::path::PathBuf| -> serde_json::Value {
        serde_json::from_slice(&fs::read(p).unwrap()).unwrap()
    };
    let blob = |digest: &str| {
        dir.join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:"))
    };
    let index = read(dir.join("index.json"));
    let manifest = read(blob(index["manifests"][0]["digest"].as_str().unwrap()));
    let mut layers: Vec<(u64, std::path::PathBuf)> = manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["size"].as_u64().unwrap(),
                blob(l["digest"].as_str().unwrap()),
            )
        })
        .collect();
    layers.sort();
    layers.reverse();
    layers.into_iter().map(|(_, p)| p).collect()
}

/// The build refused the corrupt deps layer and built again, running the step that made it.
fn refused_and_rebuilt(built: &Built) {
    assert!(
        built.stderr.contains("digest mismatch") && built.stderr.contains("building again"),
        "{}",
        built.stderr
    );
    assert!(
        built.ran().iter().any(|n| n.contains("RUN echo deps")),
        "the step whose layer was corrupt ran: {:?}",
        built.steps
    );
}

#[test]
fn a_corrupt_or_missing_cache_blob_makes_its_step_run_and_the_image_is_right() {
    let epoch = [("SOURCE_DATE_EPOCH", "1700000000")];
    let ctx = scenario("corrupt\n");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let home = tempfile::tempdir().unwrap();
    let first = build(
        ctx.path(),
        home.path(),
        &["--cache-to", &format!("type=local,dest={d},mode=max")],
        &epoch,
    );
    // The biggest blob is the deps stage's layer (2000 numbers); flip bytes in it, keep size.
    let victim = local_layers(dir.path())[0].clone();
    let mut bytes = fs::read(&victim).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    fs::write(&victim, &bytes).unwrap();
    let out = tempfile::tempdir().unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let oci = format!("type=oci,dest={}", out.path().join("img.tar").display());
    let second = build(
        ctx.path(),
        fresh.path(),
        &["--cache-from", &format!("type=local,src={d}"), "-o", &oci],
        &epoch,
    );
    refused_and_rebuilt(&second);
    assert_eq!(second.digest(), first.digest(), "the same, correct image");

    // No output, and the final stage's COPY --from=app misses: the corrupt layer is streamed
    // into its snapshot without being kept, and the stream's own hash refuses it.
    let edited = scenario("corrupt, edited\n");
    let fresh = tempfile::tempdir().unwrap();
    let streamed = build(
        edited.path(),
        fresh.path(),
        &["--cache-from", &format!("type=local,src={d}")],
        &epoch,
    );
    refused_and_rebuilt(&streamed);

    // A blob gone from the cache: the same.
    fs::remove_file(&victim).unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let third = build(
        ctx.path(),
        fresh.path(),
        &["--cache-from", &format!("type=local,src={d}"), "-o", &oci],
        &epoch,
    );
    assert!(third.stderr.contains("is not there"), "{}", third.stderr);
    assert_eq!(third.digest(), first.digest());
}

#[test]
fn an_unreachable_cache_only_warns() {
    let ctx = scenario("unreachable\n");
    let home = tempfile::tempdir().unwrap();
    let built = build(
        ctx.path(),
        home.path(),
        &[
            "--cache-from",
            "type=registry,ref=127.0.0.1:9/nothing/here",
            "--cache-to",
            "type=registry,ref=127.0.0.1:9/nothing/here",
        ],
        &[],
    );
    assert!(built.stderr.contains("WARNING: cache"), "{}", built.stderr);
    // ignore-error=false makes the export failure fail the build, after the build itself.
    let meta = home.path().join("m.json");
    let out = rbuild_build(
        ctx.path(),
        home.path(),
        &[
            "--metadata-file",
            meta.to_str().unwrap(),
            "--cache-to",
            "type=registry,ref=127.0.0.1:9/nothing/here,ignore-error=false",
        ],
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("127.0.0.1:9"), "{stderr}");
}

#[test]
fn malformed_cache_specs_are_named() {
    let ctx = scenario("bad\n");
    let home = tempfile::tempdir().unwrap();
    for (flag, spec, says) in [
        ("--cache-to", "type=ftp,ref=x", "type=ftp"),
        ("--cache-to", "type=local,src=/x", "dest="),
        ("--cache-from", "type=s3,region=x", "bucket="),
        ("--cache-to", "type=registry,ref=a,mode=all", "mode=all"),
    ] {
        let out = rbuild_build(ctx.path(), home.path(), &[flag, spec])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(
            stderr.contains(flag) && stderr.contains(says),
            "{flag} {spec}: {stderr}"
        );
    }
}

#[test]
fn a_backend_killed_mid_import_ends_in_the_right_image() {
    let epoch = [("SOURCE_DATE_EPOCH", "1700000000")];
    let ctx = context(
        "FROM {REG}/library/busybox:latest\n\
         RUN seq 1 300000 > /big\n\
         RUN seq 1 1000 > /small\n",
        &[],
    );
    let repo = format!("rbuild-test/killed-{}", std::process::id());
    let home = tempfile::tempdir().unwrap();
    let first = build(
        ctx.path(),
        home.path(),
        &[
            "--cache-to",
            &format!("type=registry,ref={}/{repo},mode=max", registry()),
        ],
        &epoch,
    );
    // The proxy relays the index documents, then dies during the first layer download.
    let proxy = Relay::dying(registry(), 48 * 1024);
    let out = tempfile::tempdir().unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let oci = format!("type=oci,dest={}", out.path().join("img.tar").display());
    let second = build(
        ctx.path(),
        fresh.path(),
        &[
            "--cache-from",
            &format!("{}/{repo}", proxy.addr),
            "-o",
            &oci,
        ],
        &epoch,
    );
    assert!(
        second.stderr.contains("building again"),
        "the download was cut: {}",
        second.stderr
    );
    assert!(
        second.ran().iter().any(|n| n.contains("seq 1 300000")),
        "{:?}",
        second.steps
    );
    assert_eq!(second.digest(), first.digest(), "the same, correct image");
}

#[test]
fn two_runners_exporting_one_scope_at_once_leave_a_valid_cache() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let to = format!("type=local,dest={d},mode=max");
    let a = scenario("runner a\n");
    let b = scenario("runner b\n");
    let (ha, hb) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (pa, pb) = (a.path().to_path_buf(), b.path().to_path_buf());
    let (home_a, home_b) = (ha.path().to_path_buf(), hb.path().to_path_buf());
    let (to_a, to_b) = (to.clone(), to.clone());
    let ta = std::thread::spawn(move || build(&pa, &home_a, &["--cache-to", &to_a], &[]));
    let tb = std::thread::spawn(move || build(&pb, &home_b, &["--cache-to", &to_b], &[]));
    let (ra, rb) = (ta.join().unwrap(), tb.join().unwrap());
    // The last writer's index names only blobs that are there: one of the two builds is
    // entirely cached on a fresh runner, the other at least shares the deps stage.
    let from = format!("type=local,src={d}");
    let fresh_a = tempfile::tempdir().unwrap();
    let again_a = build(a.path(), fresh_a.path(), &["--cache-from", &from], &[]);
    let fresh_b = tempfile::tempdir().unwrap();
    let again_b = build(b.path(), fresh_b.path(), &["--cache-from", &from], &[]);
    let whole = (again_a.ran().is_empty() && again_a.digest() == ra.digest())
        || (again_b.ran().is_empty() && again_b.digest() == rb.digest());
    assert!(whole, "a: {:?}\nb: {:?}", again_a.steps, again_b.steps);
    for again in [&again_a, &again_b] {
        assert!(
            again
                .steps
                .iter()
                .any(|(n, cached)| n.contains("RUN echo deps") && *cached),
            "{:?}",
            again.steps
        );
    }
}
