//! End to end: the `rbuild-cache-server` BINARY, started with `--listen --data-dir --config FILE`
//! and a YAML file of tokens, driven by real clients: skopeo (`--src-creds`/`--dest-creds`, the
//! containers/image token flow), Docker 26 (`docker login` + `docker push`), the official
//! `@actions/cache` (cache service v2) with token secrets as runtime tokens, and raw HTTP for
//! `/stats` and `/scopes/v1/resolve`. Config errors are checked on the binary's exit status and
//! message.
//!
//! A test whose peer is missing (skopeo, the lab registry, Docker, npm) is skipped with a
//! message, unless `RBUILD_REQUIRE_DIFFERENTIAL=1`, where it fails.

use std::path::Path;

use base64::Engine as _;
use serde_json::Value;

use crate::support::{
    Binary, Docker, Launch, NodeJob, assert_denied, assert_ok, busybox, cache_from, cache_to,
    copy_as as copy, have_skopeo_and_registry, node_dir, run_with_config,
};

/// Tokens of every test: a writer (secret from the environment), a reader, a fork of `proj`
/// that reads every scope and writes only `pr-*`, and the Actions cache tokens of a `main` job
/// and of a fork's `pr-7` job.
const TOKENS: &str = r#"
tokens:
  - name: writer
    secret_env: E2E_WRITER_SECRET
    grants:
      - repositories: ["**"]
        access: write
  - name: reader
    secret: reader-secret
    grants:
      - repositories: ["**"]
  - name: fork
    secret: fork-secret
    grants:
      - repositories: ["proj/**"]
      - repositories: ["proj/*"]
        access: write
        scopes: ["pr-*"]
  - name: gha-main
    secret: gha-main-secret
    grants:
      - { repositories: ["_gha/main"], access: write }
  - name: gha-fork
    secret: gha-fork-secret
    grants:
      - { repositories: ["_gha/pr-7"], access: write }
      - { repositories: ["_gha/main"], access: read }
"#;

/// The writer's secret, passed to the binary through `E2E_WRITER_SECRET` (`secret_env`).
const WRITER_SECRET: &str = "writer-secret-from-env";

/// The binary with `config` (and `E2E_WRITER_SECRET` in its environment).
async fn start(config: &str) -> Binary {
    Binary::start(Launch {
        config: Some(config),
        env: &[("E2E_WRITER_SECRET", WRITER_SECRET)],
        ..Launch::default()
    })
    .await
}

/// The lab registry's busybox, as a skopeo reference.
fn lab_busybox() -> String {
    format!("docker://{}", busybox())
}

/// `/stats` (it needs credentials: the writer's secret as a bearer).
async fn stats(server: &Binary) -> Value {
    let response = reqwest::Client::new()
        .get(server.url("/stats"))
        .bearer_auth(WRITER_SECRET)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{response:?}");
    response.json().await.unwrap()
}

/// Pulls the lab's busybox into the daemon and tags it `ours`.
fn pull_and_tag_busybox(docker: &Docker, config: &Path, ours: &str) {
    let lab = busybox();
    docker.ok(config, &["pull", "-q", &lab]);
    docker.ok(config, &["tag", &lab, ours]);
}

/// Tags of `repository`, read with the writer's secret.
async fn tags(server: &Binary, repository: &str) -> Value {
    let response = reqwest::Client::new()
        .get(server.url(&format!("/v2/{repository}/tags/list")))
        .bearer_auth(WRITER_SECRET)
        .send()
        .await
        .unwrap();
    response.json::<Value>().await.unwrap()["tags"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_read_only_token_cannot_push_and_write_token_can() {
    if !have_skopeo_and_registry("e2e_read_only_token_cannot_push_and_write_token_can").await {
        return;
    }
    let server = start(TOKENS).await;
    let before = stats(&server).await;
    let dest = format!("docker://{}/e2e/busybox:ro", server.addr);
    let out = copy(&lab_busybox(), &dest, None, Some("reader:reader-secret"));
    assert_denied("skopeo copy with the read-only token", &out);
    let after = stats(&server).await;
    assert_eq!(before, after, "a refused push stored something");
    assert_eq!(after["blobs"], 0, "{after}");

    // A wrong secret is refused as well.
    let out = copy(&lab_busybox(), &dest, None, Some("writer:not-the-secret"));
    assert_denied("skopeo copy with a wrong secret", &out);
    assert_eq!(stats(&server).await, before);

    let out = copy(
        &lab_busybox(),
        &dest,
        None,
        Some(&format!("writer:{WRITER_SECRET}")),
    );
    assert_ok("skopeo copy with the write token", &out);
    let stored = stats(&server).await;
    assert_eq!(stored["repositories"], 1, "{stored}");
    assert!(stored["blobs"].as_u64().unwrap() >= 3, "{stored}");
    assert_eq!(
        tags(&server, "e2e/busybox").await,
        serde_json::json!(["ro"])
    );

    // The read-only token pulls what the writer pushed.
    let out_dir = server.scratch("pulled");
    let out = copy(
        &dest,
        &format!("dir:{}", out_dir.display()),
        Some("reader:reader-secret"),
        None,
    );
    assert_ok("skopeo copy out with the read-only token", &out);
    assert!(out_dir.join("manifest.json").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_docker_login_and_push_with_write_and_read_only_tokens() {
    let Some(docker) =
        Docker::for_test("e2e_docker_login_and_push_with_write_and_read_only_tokens")
    else {
        return;
    };
    let server = start(TOKENS).await;
    let writer_config = docker.config(server.scratch("docker-writer"));
    let reader_config = docker.config(server.scratch("docker-reader"));
    // The daemon is shared: a tag per server port keeps parallel tests apart.
    let ours = format!("{}/e2e/docker:pushed", server.addr);
    pull_and_tag_busybox(&docker, &writer_config, &ours);

    let login =
        |config: &Path, user: &str, secret: &str| docker.login(config, &server.addr, user, secret);
    let out = login(&reader_config, "reader", "reader-secret");
    assert_ok("docker login with the read-only token", &out);
    let out = docker.run(&reader_config, &["push", "-q", &ours], "");
    assert_denied("docker push with the read-only token", &out);
    assert_eq!(stats(&server).await["repositories"], 0);

    let out = login(&writer_config, "writer", "wrong");
    assert!(!out.status.success(), "docker login with a wrong secret");
    let out = login(&writer_config, "writer", WRITER_SECRET);
    assert_ok("docker login with the write token", &out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Login Succeeded"));
    let out = docker.run(&writer_config, &["push", "-q", &ours], "");
    let _ = docker.run(&writer_config, &["rmi", &ours], "");
    assert_ok("docker push with the write token", &out);
    assert_eq!(
        tags(&server, "e2e/docker").await,
        serde_json::json!(["pushed"])
    );
    assert_eq!(stats(&server).await["repositories"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_buildkit_registry_cache_with_write_and_fork_tokens() {
    let Some(docker) = Docker::for_test("e2e_buildkit_registry_cache_with_write_and_fork_tokens")
    else {
        return;
    };
    let server = start(TOKENS).await;
    // One DOCKER_CONFIG per identity, each with the lab's buildx plugin and its own login.
    let config = |name: &str, user: &str, secret: &str| {
        let dir = docker.config(server.scratch(name));
        let out = docker.login(&dir, &server.addr, user, secret);
        assert_ok(&format!("docker login as {user}"), &out);
        dir
    };
    let writer = config("buildx-writer", "writer", WRITER_SECRET);
    let fork = config("buildx-fork", "fork", "fork-secret");
    let context = server.scratch("context");
    let marker = server.addr.replace([':', '.'], "-");
    std::fs::write(
        context.join("Dockerfile"),
        format!("FROM {}\nRUN echo {marker} > /marker\n", busybox()),
    )
    .unwrap();
    let build = |config: &Path, cache: &[String]| docker.build_cache_only(config, cache, &context);
    let main = format!("{}/proj/main", server.addr);
    let pr = format!("{}/proj/pr-7", server.addr);
    let (to, from) = (cache_to, cache_from);

    let out = build(&writer, &[to(&main)]);
    assert_ok("buildx build --cache-to proj/main as the writer", &out);
    let main_tags = tags(&server, "proj/main").await;
    assert_eq!(main_tags, serde_json::json!(["latest"]));

    // The fork imports main's cache and exports its own to pr-7.
    let out = build(&fork, &[from(&main), to(&pr)]);
    assert_ok(
        "buildx build --cache-from main --cache-to pr-7 as the fork",
        &out,
    );
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains(&format!("importing cache manifest from {main}")),
        "{log}"
    );
    assert!(!log.contains("ERROR"), "{log}");
    assert_eq!(
        tags(&server, "proj/pr-7").await,
        serde_json::json!(["latest"])
    );

    // ... and cannot export to main. With a build of its own: an export whose every blob and
    // cache manifest main already holds (the same build) is skipped by BuildKit after HEADs the
    // fork may make, so nothing would be written to refuse (it passed only while BuildKit's
    // local cache made the export differ).
    let before = stats(&server).await;
    let forked = server.scratch("fork-context");
    std::fs::write(
        forked.join("Dockerfile"),
        format!("FROM {}\nRUN echo fork-{marker} > /marker\n", busybox()),
    )
    .unwrap();
    let out = docker.build_cache_only(&fork, &[to(&main)], &forked);
    assert_denied("buildx build --cache-to proj/main as the fork", &out);
    assert_eq!(tags(&server, "proj/main").await, main_tags);
    assert_eq!(stats(&server).await["repositories"], before["repositories"]);
}

/// `GET /scopes/v1/resolve` for `proj` / `cache` along `pr-7 -> main`, as `fork`.
async fn resolve(server: &Binary) -> (reqwest::StatusCode, Value) {
    let response = reqwest::Client::new()
        .get(server.url("/scopes/v1/resolve?project=proj&reference=cache&scope=pr-7&scope=main"))
        .basic_auth("fork", Some("fork-secret"))
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_fork_token_reads_main_writes_only_its_pull_request_scope() {
    let test = "e2e_fork_token_reads_main_writes_only_its_pull_request_scope";
    if !have_skopeo_and_registry(test).await {
        return;
    }
    let server = start(TOKENS).await;
    let main = format!("docker://{}/proj/main:cache", server.addr);
    let pr = format!("docker://{}/proj/pr-7:cache", server.addr);
    let fork = Some("fork:fork-secret");

    // Nothing anywhere yet.
    let (status, body) = resolve(&server).await;
    assert_eq!(status, reqwest::StatusCode::NOT_FOUND, "{body}");

    let out = copy(
        &lab_busybox(),
        &main,
        None,
        Some(&format!("writer:{WRITER_SECRET}")),
    );
    assert_ok("skopeo copy into proj/main with the write token", &out);
    let main_tags = tags(&server, "proj/main").await;

    // The fork reads main.
    let out_dir = server.scratch("fork-pulled");
    let out = copy(&main, &format!("dir:{}", out_dir.display()), fork, None);
    assert_ok("skopeo copy out of proj/main with the fork token", &out);

    // ... but never writes it: a push of another image under another tag is refused.
    let before = stats(&server).await;
    let out = copy(
        &format!("dir:{}", out_dir.display()),
        &format!("docker://{}/proj/main:fork", server.addr),
        None,
        fork,
    );
    assert_denied("skopeo copy into proj/main with the fork token", &out);
    assert_eq!(tags(&server, "proj/main").await, main_tags);
    assert_eq!(stats(&server).await, before);

    // The chain finds main's tag while pr-7 has none.
    let (status, body) = resolve(&server).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    assert_eq!(body["repository"], "proj/main", "{body}");
    assert_eq!(body["scope"], "main", "{body}");
    assert_eq!(body["skipped"], serde_json::json!([]), "{body}");
    let main_digest = body["digest"].as_str().unwrap().to_string();

    // The fork writes its pull request's scope.
    let out = copy(&format!("dir:{}", out_dir.display()), &pr, None, fork);
    assert_ok("skopeo copy into proj/pr-7 with the fork token", &out);
    assert_eq!(
        tags(&server, "proj/pr-7").await,
        serde_json::json!(["cache"])
    );
    let (status, body) = resolve(&server).await;
    assert_eq!(status, reqwest::StatusCode::OK, "{body}");
    assert_eq!(body["repository"], "proj/pr-7", "{body}");
    assert_eq!(body["scope"], "pr-7", "{body}");
    assert!(body["digest"].as_str().unwrap().starts_with("sha256:"));
    // skopeo copied the same image: the dir: round trip keeps the manifest bytes.
    assert_eq!(body["digest"], main_digest.as_str(), "{body}");

    // Registry to registry: one token that pulls main and pushes pr-7 (skopeo asks `/token`
    // for both scopes and may mount main's blobs into pr-7 instead of uploading them).
    let stored = stats(&server).await["stored_bytes"].clone();
    let out = copy(
        &main,
        &format!("docker://{}/proj/pr-7:direct", server.addr),
        fork,
        fork,
    );
    assert_ok(
        "skopeo copy proj/main -> proj/pr-7 with the fork token",
        &out,
    );
    assert_eq!(
        tags(&server, "proj/pr-7").await,
        serde_json::json!(["cache", "direct"])
    );
    assert_eq!(stats(&server).await["stored_bytes"], stored, "stored twice");
    // ... and the other way round is refused.
    let out = copy(
        &pr,
        &format!("docker://{}/proj/main:from-fork", server.addr),
        fork,
        fork,
    );
    assert_denied(
        "skopeo copy proj/pr-7 -> proj/main with the fork token",
        &out,
    );
    assert_eq!(tags(&server, "proj/main").await, main_tags);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_docker_pulls_anonymously_but_pushes_only_after_login() {
    let Some(docker) = Docker::for_test("e2e_docker_pulls_anonymously_but_pushes_only_after_login")
    else {
        return;
    };
    let server = start(&format!("anonymous_read: true\n{TOKENS}")).await;
    let config = docker.config(server.scratch("docker-anonymous"));
    let ours = format!("{}/e2e/anonymous:x", server.addr);
    pull_and_tag_busybox(&docker, &config, &ours);
    let out = docker.run(&config, &["push", "-q", &ours], "");
    assert_denied("docker push without credentials", &out);
    assert_eq!(stats(&server).await["blobs"], 0);

    let writer = docker.config(server.scratch("docker-anonymous-writer"));
    // Anonymous read does not make a wrong secret log in.
    let out = docker.login(&writer, &server.addr, "writer", "wrong");
    assert!(
        !out.status.success(),
        "docker login with a wrong secret succeeded on an anonymous-read server"
    );
    let out = docker.login(&writer, &server.addr, "writer", WRITER_SECRET);
    assert_ok("docker login with the write token", &out);
    let out = docker.run(&writer, &["push", "-q", &ours], "");
    assert_ok("docker push with the write token", &out);

    // Without any login, the daemon follows the challenge to an anonymous pull token.
    docker.ok(&config, &["rmi", &ours]);
    let out = docker.run(&config, &["pull", "-q", &ours], "");
    let _ = docker.run(&config, &["rmi", &ours], "");
    assert_ok("docker pull without credentials", &out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_anonymous_read_pulls_but_never_pushes() {
    if !have_skopeo_and_registry("e2e_anonymous_read_pulls_but_never_pushes").await {
        return;
    }
    let server = start(&format!("anonymous_read: true\n{TOKENS}")).await;
    let image = format!("docker://{}/proj/main:cache", server.addr);
    let out = copy(&lab_busybox(), &image, None, None);
    assert_denied("skopeo copy in without credentials", &out);
    assert_eq!(stats(&server).await["blobs"], 0);
    let out = copy(
        &lab_busybox(),
        &image,
        None,
        Some(&format!("writer:{WRITER_SECRET}")),
    );
    assert_ok("skopeo copy in with the write token", &out);

    let out_dir = server.scratch("anonymous-pulled");
    let out = copy(&image, &format!("dir:{}", out_dir.display()), None, None);
    assert_ok("skopeo copy out without credentials", &out);
    assert!(out_dir.join("manifest.json").exists());
    let before = stats(&server).await;
    let out = copy(
        &format!("dir:{}", out_dir.display()),
        &format!("docker://{}/anon/new:x", server.addr),
        None,
        None,
    );
    assert_denied("skopeo copy in (new repository) without credentials", &out);
    assert_eq!(stats(&server).await, before);
}

/// The Actions cache of one [`Binary`], driven with `gha.js`; every workspace holds
/// `data/a.txt`.
struct Actions<'a> {
    server: &'a Binary,
    job: NodeJob<'a>,
}

impl Actions<'_> {
    /// Saves a new workspace `name` whose `data/a.txt` says `content` under `key` as `token`;
    /// the entry's id (-1 when refused).
    async fn save(&self, token: &str, name: &str, content: &str, key: &str) -> Value {
        let ws = self.server.scratch(name);
        std::fs::create_dir_all(ws.join("data")).unwrap();
        std::fs::write(ws.join("data/a.txt"), content).unwrap();
        let saved = self.job.run(token, &ws, &["save", key, "data"]).await;
        saved["id"].clone()
    }

    /// Restores `key` (or the first of `restore_key`, `-` for none) into a new workspace `name`
    /// as `token`; the key it restored and the content of `data/a.txt` it restored.
    async fn restore(
        &self,
        token: &str,
        name: &str,
        key: &str,
        restore_key: &str,
    ) -> (Value, Option<String>) {
        let ws = self.server.scratch(name);
        let got = self
            .job
            .run(token, &ws, &["restore", key, restore_key, "data"])
            .await;
        let content = std::fs::read_to_string(ws.join("data/a.txt")).ok();
        (got["key"].clone(), content)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e2e_actions_cache_scopes_come_from_the_configured_tokens() {
    let Some(nd) = node_dir("e2e_actions_cache_scopes_come_from_the_configured_tokens") else {
        return;
    };
    let server = start(TOKENS).await;
    let gha = Actions {
        server: &server,
        job: NodeJob {
            node_dir: &nd,
            results_url: server.url("/"),
            runner_temp: server.scratch("runner-temp"),
        },
    };
    let main = "gha-main-secret";
    let fork = "gha-fork-secret";

    let id = gha
        .save(main, "main-src", "saved by main\n", "deps-linux-abc")
        .await;
    assert!(id.as_i64().unwrap() > 0, "main's save failed: {id}");

    // The fork restores main's entry through a restore-key prefix.
    let got = gha
        .restore(fork, "fork-restores-main", "deps-linux-xyz", "deps-linux-")
        .await;
    assert_eq!(got.0, "deps-linux-abc", "{got:?}");
    assert_eq!(got.1.as_deref(), Some("saved by main\n"));

    // Its own save goes to pr-7: the fork finds it, main does not.
    let id = gha
        .save(fork, "fork-src", "saved by the fork\n", "fork-only")
        .await;
    assert!(id.as_i64().unwrap() > 0, "the fork's save failed: {id}");
    let got = gha
        .restore(main, "main-misses-fork", "fork-only", "-")
        .await;
    assert_eq!(got, (Value::Null, None));
    let got = gha.restore(fork, "fork-own", "fork-only", "-").await;
    assert_eq!(got.0, "fork-only", "{got:?}");
    assert_eq!(got.1.as_deref(), Some("saved by the fork\n"));

    // The fork's save of main's key lands in pr-7 and leaves main's entry alone.
    let id = gha
        .save(fork, "fork-clash", "fork's deps\n", "deps-linux-abc")
        .await;
    assert!(id.as_i64().unwrap() > 0, "{id}");
    let got = gha
        .restore(main, "main-keeps-its-own", "deps-linux-abc", "-")
        .await;
    assert_eq!(got.0, "deps-linux-abc", "{got:?}");
    assert_eq!(got.1.as_deref(), Some("saved by main\n"));
    // The entries link their archives to the pseudo-repositories of their scopes.
    assert_eq!(stats(&server).await["repositories"], 2);

    // A bearer that is no configured secret saves nothing and restores nothing; neither does
    // an unsigned JWT claiming main's scope, and neither does a registry-only token.
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let jwt = format!(
        "{}.{}.c2ln",
        b64.encode(br#"{"alg":"RS256","typ":"JWT"}"#),
        b64.encode(
            serde_json::json!({"ac": r#"[{"Scope":"refs/heads/main","Permission":3}]"#})
                .to_string()
        )
    );
    let before = stats(&server).await;
    for bogus in ["not-a-configured-secret", jwt.as_str(), "reader-secret"] {
        let id = gha.save(bogus, "bogus-src", "bogus\n", "bogus-key").await;
        assert_eq!(id, -1, "a save with {bogus:?} was accepted: {id}");
        let got = gha
            .restore(bogus, "bogus-restore", "deps-linux-abc", "-")
            .await;
        assert_eq!(got.0, Value::Null, "{bogus:?} restored: {got:?}");
    }
    assert_eq!(
        stats(&server).await,
        before,
        "a refused save stored something"
    );

    // Twirp answers a bad bearer 401 (unauthenticated), not 200 with ok: false.
    let response = reqwest::Client::new()
        .post(server.url("/twirp/github.actions.results.api.v1.CacheService/CreateCacheEntry"))
        .bearer_auth("not-a-configured-secret")
        .json(&serde_json::json!({"key": "k", "version": "v"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::UNAUTHORIZED);
}

#[test]
fn e2e_config_errors_name_the_file_line_and_key() {
    // Line 5 opens a flow sequence that never closes.
    let (path, out, _dir) = run_with_config(
        "tokens:\n  - name: a\n    secret: s\n    grants:\n      - repositories: [\"x/**\"\n",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "a malformed config was accepted");
    assert!(
        stderr.contains(&path.display().to_string()),
        "the message does not name the file: {stderr}"
    );
    let located = format!("{}:", path.display());
    let line: Option<usize> = stderr
        .split(&located)
        .nth(1)
        .and_then(|rest| rest.split(':').next().and_then(|n| n.trim().parse().ok()));
    assert!(
        matches!(line, Some(5 | 6)),
        "the message does not name the line: {stderr}"
    );

    let (path, out, _dir) = run_with_config(
        "tokens:\n  - name: a\n    secret: s\n    grnats:\n      - repositories: [\"x/**\"]\n",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "an unknown key was accepted");
    assert!(
        stderr.contains("grnats"),
        "the unknown key is not named: {stderr}"
    );
    assert!(
        stderr.contains(&format!("{}:4:", path.display())),
        "the message does not name the file and line 4: {stderr}"
    );

    // A top-level unknown key, and a valid file whose token lacks a secret.
    let (_, out, _dir) = run_with_config("listen: 127.0.0.1:0\nanonymous_reads: true\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("anonymous_reads"), "{stderr}");
    let (_, out, _dir) = run_with_config(
        "tokens:\n  - name: a\n    secret_env: E2E_SURELY_UNSET_VARIABLE\n    grants:\n      - repositories: [\"x\"]\n",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("E2E_SURELY_UNSET_VARIABLE"), "{stderr}");
}
