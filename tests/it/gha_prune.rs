//! `rbuild gha prune` against an in-process stand-in of GitHub's Actions caches REST API
//! (`GET /repos/{owner}/{repo}/actions/caches`, `DELETE .../caches/{id}`): there is no real one
//! to run here. Superseded documents go, the newest stay, the budget holds, other tools'
//! entries are untouched. The same stand-in answers `GET /repos/{owner}/{repo}` and
//! `.../pulls/{n}` for the scope fallback a build asks the API for when the event payload is
//! silent.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// The stand-in: entries by id, and the requests it saw.
#[derive(Clone, Default)]
struct Api {
    entries: Arc<Mutex<BTreeMap<u64, serde_json::Value>>>,
    requests: Arc<Mutex<Vec<String>>>,
    /// Other documents served to `GET`, by path.
    documents: Arc<Mutex<BTreeMap<String, serde_json::Value>>>,
}

impl Api {
    /// Serves on a free loopback port; returns its base URL.
    fn start(&self) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let api = self.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let api = api.clone();
                std::thread::spawn(move || api.serve(conn));
            }
        });
        url
    }

    fn serve(&self, conn: TcpStream) {
        let mut reader = BufReader::new(conn.try_clone().unwrap());
        let mut writer = conn;
        loop {
            let mut first = String::new();
            if reader.read_line(&mut first).unwrap_or(0) == 0 {
                return;
            }
            let mut length = 0usize;
            let mut authorized = false;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                    break;
                }
                let lower = h.to_ascii_lowercase();
                if let Some(v) = lower.strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
                if lower.starts_with("authorization:") && h.contains("ghs_test_token") {
                    authorized = true;
                }
            }
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            let mut parts = first.split_whitespace();
            let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            self.requests
                .lock()
                .unwrap()
                .push(format!("{method} {target}"));
            let (status, json) = if !authorized {
                (401, r#"{"message":"Bad credentials"}"#.to_string())
            } else {
                self.answer(method, target)
            };
            let reason = match status {
                200 => "OK",
                204 => "No Content",
                401 => "Unauthorized",
                _ => "Not Found",
            };
            let response = format!(
                "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{json}",
                json.len()
            );
            if writer.write_all(response.as_bytes()).is_err() {
                return;
            }
        }
    }

    fn answer(&self, method: &str, target: &str) -> (u16, String) {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let param = |name: &str| {
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
                .map(|v| v.replace("%2F", "/"))
        };
        if method == "GET"
            && let Some(doc) = self.documents.lock().unwrap().get(path)
        {
            return (200, doc.to_string());
        }
        let base = "/repos/acme/demo/actions/caches";
        if method == "GET" && path == base {
            let key = param("key").unwrap_or_default();
            let per_page: usize = param("per_page").and_then(|v| v.parse().ok()).unwrap_or(30);
            let page: usize = param("page").and_then(|v| v.parse().ok()).unwrap_or(1);
            let entries = self.entries.lock().unwrap();
            let matching: Vec<&serde_json::Value> = entries
                .values()
                .filter(|e| e["key"].as_str().unwrap().starts_with(&key))
                .collect();
            let page_items: Vec<&serde_json::Value> = matching
                .iter()
                .skip((page - 1) * per_page)
                .take(per_page)
                .copied()
                .collect();
            let doc =
                serde_json::json!({"total_count": matching.len(), "actions_caches": page_items});
            return (200, doc.to_string());
        }
        if method == "DELETE"
            && let Some(id) = path.strip_prefix(&format!("{base}/"))
            && let Ok(id) = id.parse::<u64>()
        {
            return match self.entries.lock().unwrap().remove(&id) {
                Some(_) => (204, String::new()),
                None => (404, r#"{"message":"Not Found"}"#.into()),
            };
        }
        (404, r#"{"message":"Not Found"}"#.into())
    }

    fn add(&self, id: u64, git_ref: &str, key: &str, size: u64, used: &str) {
        self.entries.lock().unwrap().insert(
            id,
            serde_json::json!({
                "id": id, "ref": git_ref, "key": key, "version": "v", "size_in_bytes": size,
                "created_at": used, "last_accessed_at": used,
            }),
        );
    }

    fn serve_document(&self, path: &str, doc: serde_json::Value) {
        self.documents.lock().unwrap().insert(path.into(), doc);
    }

    fn gets(&self, path: &str) -> usize {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.split('?').next() == Some(&format!("GET {path}")))
            .count()
    }

    fn keys(&self) -> Vec<String> {
        self.entries
            .lock()
            .unwrap()
            .values()
            .map(|e| e["key"].as_str().unwrap().to_string())
            .collect()
    }
}

/// `rbuild gha prune ARGS` against the stand-in at `url`; stdout.
fn prune(url: &str, args: &[&str]) -> String {
    let all: Vec<&str> = ["gha", "prune"].iter().chain(args).copied().collect();
    super::support::rbuild_ok(
        &all,
        &[
            ("GITHUB_API_URL", url),
            ("GITHUB_REPOSITORY", "acme/demo"),
            ("GITHUB_TOKEN", "ghs_test_token"),
            ("GITHUB_REF", "refs/heads/main"),
        ],
        &["ACTIONS_RESULTS_URL", "ACTIONS_RUNTIME_TOKEN"],
    )
}

#[test]
fn superseded_entries_go_the_newest_stay_and_the_budget_holds() {
    let api = Api::default();
    let url = api.start();
    const MAIN: &str = "refs/heads/main";
    const PR: &str = "refs/pull/7/merge";
    api.add(
        1,
        MAIN,
        "rbuild-v1-rbuild-index-000000000000001-a",
        1_000,
        "2026-11-01T00:00:00Z",
    );
    api.add(
        2,
        MAIN,
        "rbuild-v1-rbuild-index-000000000000002-b",
        1_000,
        "2026-11-02T00:00:00Z",
    );
    api.add(
        3,
        MAIN,
        "rbuild-v1-rbuild-pack-aaa",
        400_000,
        "2026-11-02T00:00:00Z",
    );
    api.add(
        4,
        MAIN,
        "rbuild-v1-rbuild-mount/apt/000000000000001-a",
        500,
        "2026-11-01T00:00:00Z",
    );
    api.add(
        5,
        MAIN,
        "rbuild-v1-rbuild-mount/apt/000000000000003-c",
        500,
        "2026-11-03T00:00:00Z",
    );
    api.add(
        6,
        PR,
        "rbuild-v1-rbuild-index-000000000000005-d",
        1_000,
        "2026-10-01T00:00:00Z",
    );
    api.add(
        7,
        PR,
        "rbuild-v1-rbuild-pack-bbb",
        300_000,
        "2026-10-01T00:00:00Z",
    );
    api.add(
        8,
        MAIN,
        "npm-cache-Linux-0123",
        9_000_000,
        "2026-01-01T00:00:00Z",
    );
    // Many pages: 150 superseded index entries of another branch.
    for n in 0..150u64 {
        api.add(
            100 + n,
            "refs/heads/old",
            &format!("rbuild-v1-rbuild-index-{:015}-x", 10 + n),
            100,
            "2026-09-01T00:00:00Z",
        );
    }

    let dry = prune(&url, &["--dry-run", "--max-size", "500kB"]);
    assert!(dry.contains("would delete"), "{dry}");
    assert_eq!(api.keys().len(), 158, "a dry run deletes nothing");

    let done = prune(&url, &["--max-size", "500kB"]);
    let keys = api.keys();
    // The newest document of each ref and document stays; older ones are gone.
    for kept in [
        "rbuild-v1-rbuild-index-000000000000002-b",
        "rbuild-v1-rbuild-mount/apt/000000000000003-c",
        "rbuild-v1-rbuild-pack-aaa",
        "npm-cache-Linux-0123",
    ] {
        assert!(keys.iter().any(|k| k == kept), "{kept} kept:\n{done}");
    }
    for gone in [
        "rbuild-v1-rbuild-index-000000000000001-a",
        "rbuild-v1-rbuild-mount/apt/000000000000001-a",
    ] {
        assert!(!keys.iter().any(|k| k == gone), "{gone} deleted:\n{done}");
    }
    assert_eq!(
        keys.iter()
            .filter(|k| k.contains("-index-") && k.ends_with("-x"))
            .count(),
        0,
        "only the newest of refs/heads/old's 150 indexes could stay, and the budget took it"
    );
    // The budget (500 kB, binary units: 512000 bytes) holds for rbuild's entries.
    let ours: u64 = api
        .entries
        .lock()
        .unwrap()
        .values()
        .filter(|e| e["key"].as_str().unwrap().starts_with("rbuild-v1-"))
        .map(|e| e["size_in_bytes"].as_u64().unwrap())
        .sum();
    assert!(ours <= 512_000, "{ours} bytes left:\n{done}");
    assert!(
        done.contains("superseded") && done.contains("over the budget"),
        "{done}"
    );
    // Pages were followed: more than one GET of the list.
    let gets = api
        .requests
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.starts_with("GET "))
        .count();
    assert!(gets >= 2, "pagination");
    // Nothing is left to do.
    let again = prune(&url, &["--max-size", "500kB"]);
    assert!(again.contains("0 entries"), "{again}");
}

#[test]
fn prune_true_after_a_gha_export_deletes_superseded_entries() {
    let api = Api::default();
    let url = api.start();
    api.add(
        1,
        "refs/heads/main",
        "rbuild-v1-rbuild-index-000000000000001-a",
        10,
        "2026-11-01T00:00:00Z",
    );
    api.add(
        2,
        "refs/heads/main",
        "rbuild-v1-rbuild-index-000000000000002-b",
        10,
        "2026-11-02T00:00:00Z",
    );
    let (_server, cache_url, _) = super::remote_backends::cache_server();
    let token = super::remote_backends::main_token();
    let mut env: Vec<(&str, &str)> = super::remote_backends::gha_env(&cache_url, &token).to_vec();
    env.extend([
        ("GITHUB_API_URL", url.as_str()),
        ("GITHUB_REPOSITORY", "acme/demo"),
        ("GITHUB_TOKEN", "ghs_test_token"),
        ("GITHUB_REF", "refs/heads/main"),
    ]);
    let ctx = super::support::context(
        "FROM {REG}/library/busybox:latest\nRUN echo hi > /hi\n",
        &[],
    );
    let home = tempfile::tempdir().unwrap();
    super::remote_cache::build(
        ctx.path(),
        home.path(),
        &[
            "--cache-to",
            "type=gha,mode=max,prune=true,ignore-error=false",
        ],
        &env,
    );
    assert_eq!(
        api.keys(),
        ["rbuild-v1-rbuild-index-000000000000002-b"],
        "the older index entry was pruned"
    );
}

/// The scopes line of a build on GitHub Actions whose event payload is `event` (none when
/// `None`), `GITHUB_REF` `git_ref`, the API at `url` with `token`.
fn scopes_line(url: &str, token: &str, git_ref: &str, event: Option<&serde_json::Value>) -> String {
    let ctx = super::support::context(
        "FROM {REG}/library/busybox:latest\nRUN echo hi > /hi\n",
        &[],
    );
    let home = tempfile::tempdir().unwrap();
    let dest = home.path().join("cache");
    let to = format!("type=local,dest={}", dest.display());
    let event_path = home.path().join("event.json");
    let mut env = vec![
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_API_URL", url),
        ("GITHUB_REPOSITORY", "acme/demo"),
        ("GITHUB_TOKEN", token),
        ("GITHUB_REF", git_ref),
    ];
    if let Some(branch) = git_ref.strip_prefix("refs/heads/") {
        env.push(("GITHUB_REF_NAME", branch));
    }
    if let Some(event) = event {
        std::fs::write(&event_path, event.to_string()).unwrap();
        env.push(("GITHUB_EVENT_PATH", event_path.to_str().unwrap()));
    }
    let built = super::remote_cache::build(ctx.path(), home.path(), &["--cache-to", &to], &env);
    built
        .stderr
        .lines()
        .filter(|l| l.contains("cache scope") || l.contains("cannot learn"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_silent_event_payload_makes_the_build_ask_the_api_for_the_base_and_default_branch() {
    let api = Api::default();
    let url = api.start();
    api.serve_document(
        "/repos/acme/demo",
        serde_json::json!({"default_branch": "trunk"}),
    );
    api.serve_document(
        "/repos/acme/demo/pulls/9",
        serde_json::json!({"number": 9, "base": {"ref": "release-2"}}),
    );
    // No payload at all (as a re-run may have), a pull request ref: both questions asked.
    let line = scopes_line(&url, "ghs_test_token", "refs/pull/9/merge", None);
    assert!(
        line.contains("cache scope pr-9 (reads pr-9 -> release-2 -> trunk)"),
        "{line}"
    );
    assert_eq!(api.gets("/repos/acme/demo"), 1, "asked once");
    assert_eq!(api.gets("/repos/acme/demo/pulls/9"), 1, "asked once");

    // A schedule event's payload names no repository: only the default branch is asked.
    let schedule = serde_json::json!({"schedule": "0 3 * * *"});
    let line = scopes_line(
        &url,
        "ghs_test_token",
        "refs/heads/nightly",
        Some(&schedule),
    );
    assert!(
        line.contains("cache scope nightly (reads nightly -> trunk)"),
        "{line}"
    );
    assert_eq!(api.gets("/repos/acme/demo"), 2);

    // A payload that names both: the API is not asked.
    let pull = serde_json::json!({
        "repository": {"default_branch": "develop"},
        "pull_request": {"number": 9, "base": {"ref": "develop"}},
    });
    let line = scopes_line(&url, "ghs_test_token", "refs/pull/9/merge", Some(&pull));
    assert!(
        line.contains("cache scope pr-9 (reads pr-9 -> develop)"),
        "{line}"
    );
    assert_eq!(api.gets("/repos/acme/demo"), 2, "not asked again");
    assert_eq!(api.gets("/repos/acme/demo/pulls/9"), 1, "not asked again");

    // A refused token: a warning, and the fallback goes on (git has no origin/HEAD: main).
    let line = scopes_line(&url, "ghs_wrong", "refs/heads/nightly", Some(&schedule));
    assert!(line.contains("cannot learn the default branch"), "{line}");
    assert!(
        line.contains("cache scope nightly (reads nightly -> main)"),
        "{line}"
    );
}
