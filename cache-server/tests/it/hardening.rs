//! Issue 18 against the whole server in-process, as a raw socket client would attack it: bodies
//! announced as 1.5 GB to the GitHub cache's twirp service and to `/token`, without credentials,
//! are answered at once, without the server buffering them.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use rbuild_cache_server::config::Config;

use crate::support::start_server;

/// A server on 127.0.0.1:0 over `data`: a token that may write `proj/**`, and an Actions cache
/// runtime token of scope `main`.
fn config(data: &Path) -> Config {
    let yaml = format!(
        "listen: 127.0.0.1:0\ndata_dir: {}\ntokens:\n  - name: ci\n    secret: ci-secret\n    \
         grants:\n      - repositories: [\"proj/**\"]\n        access: write\n  - name: gha\n    \
         secret: gha-secret\n    grants:\n      - {{ repositories: [\"_gha/main\"], access: write }}\n",
        data.display()
    );
    Config::parse(Path::new("hardening.yaml"), &yaml).unwrap()
}

/// Sends `head` (request line and headers, a `Content-Length` of 1.5 GB among them) and 128 KiB
/// of the body, then reads the status line the server answers within 10 s (the rest of the
/// body is never sent).
fn status_of_huge_post(addr: &str, head: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&vec![b'{'; 128 << 10]).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while !got.windows(2).any(|w| w == b"\r\n") {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) => panic!("no answer within 10 s (the server waits for the body): {e}"),
        }
    }
    String::from_utf8_lossy(&got)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn huge_unauthenticated_bodies_are_refused_without_being_read() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(&config(dir.path())).await;
    let addr = server.addr().to_string();
    let twirp = "/twirp/github.actions.results.api.v1.CacheService/CreateCacheEntry";
    let cases = [
        (
            format!(
                "POST {twirp} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                 Content-Length: 1500000000\r\n\r\n"
            ),
            "401",
        ),
        (
            format!(
                "POST {twirp} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                 Authorization: Bearer gha-secret\r\nContent-Length: 1500000000\r\n\r\n"
            ),
            "413",
        ),
        (
            "POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: 1500000000\r\n\r\n"
                .to_string(),
            "413",
        ),
    ];
    for (head, want) in cases {
        let (addr, sent) = (addr.clone(), head.clone());
        let line = tokio::task::spawn_blocking(move || status_of_huge_post(&addr, &sent))
            .await
            .unwrap();
        assert!(line.contains(want), "{head:?}: wanted {want}, got {line:?}");
    }
}

/// `CreateCacheEntry` of `key` with `token`: the HTTP status.
async fn create_entry(base: &str, token: &str, key: &str) -> u16 {
    reqwest::Client::new()
        .post(format!(
            "{base}/twirp/github.actions.results.api.v1.CacheService/CreateCacheEntry"
        ))
        .bearer_auth(token)
        .json(&serde_json::json!({"key": key, "version": "v1"}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_token_spends_no_upload_budget_and_each_scope_has_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        "listen: 127.0.0.1:0\ndata_dir: {}\nlimits:\n  gha_uploads_per_minute: 2\ntokens:\n\
         \x20 - name: reader\n    secret: reader-secret\n    grants:\n\
         \x20     - {{ repositories: [\"_gha/main\"] }}\n\
         \x20 - name: main\n    secret: main-secret\n    grants:\n\
         \x20     - {{ repositories: [\"_gha/main\"], access: write }}\n\
         \x20 - name: pr\n    secret: pr-secret\n    grants:\n\
         \x20     - {{ repositories: [\"_gha/pr-7\"], access: write }}\n",
        dir.path().display()
    );
    let config = Config::parse(Path::new("limits.yaml"), &yaml).unwrap();
    let server = start_server(&config).await;
    let base = format!("http://{}", server.addr());
    // The attack: a read-only token calls CreateCacheEntry over and over.
    for n in 0..5 {
        assert_eq!(
            create_entry(&base, "reader-secret", &format!("r{n}")).await,
            403
        );
    }
    // The writers' budgets are whole, and one's does not spend the other's.
    assert_eq!(create_entry(&base, "main-secret", "a").await, 200);
    assert_eq!(create_entry(&base, "main-secret", "b").await, 200);
    assert_eq!(create_entry(&base, "main-secret", "c").await, 429);
    assert_eq!(create_entry(&base, "pr-secret", "a").await, 200);
}

/// Whether the server closed `s` (end of stream or reset), without waiting.
fn closed_by_server(s: &TcpStream) -> bool {
    s.set_nonblocking(true).unwrap();
    let mut buf = [0u8; 64];
    let closed = match s.peek(&mut buf) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
    };
    s.set_nonblocking(false).unwrap();
    closed
}

/// `GET /healthz` on a new connection, header sent at once: the status line, or the error.
fn healthz(addr: &str) -> Result<String, std::io::Error> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(2)))?;
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
    let mut got = String::new();
    s.read_to_string(&mut got)?;
    Ok(got.lines().next().unwrap_or_default().to_string())
}

/// Slowloris (issue 18, item 11): 600 connections each send half a request header and wait. The
/// server holds at most `max_connections` of them (the rest are closed when accepted), drops
/// every one once its header timeout passes, and `/healthz` answers throughout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_open_connections_are_capped_and_timed_out_and_healthz_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path());
    config.limits.header_timeout_seconds = Some(3);
    config.limits.idle_timeout_seconds = Some(5);
    config.limits.max_connections = Some(200);
    config.limits.patient_connections = Some(20);
    let server = start_server(&config).await;
    let addr = server.addr().to_string();
    let verdict = tokio::task::spawn_blocking(move || {
        let mut attack = Vec::new();
        for _ in 0..600 {
            let mut s = TcpStream::connect(&addr).unwrap();
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                .unwrap();
            attack.push(s);
        }
        std::thread::sleep(Duration::from_millis(500));
        let open_early = attack.iter().filter(|s| !closed_by_server(s)).count();
        // A health check gets through while the attack holds its connections.
        let started = std::time::Instant::now();
        let health = loop {
            match healthz(&addr) {
                Ok(line) if line.contains("200") => break Some(started.elapsed()),
                _ if started.elapsed() > Duration::from_secs(8) => break None,
                _ => std::thread::sleep(Duration::from_millis(100)),
            }
        };
        std::thread::sleep(Duration::from_secs(4));
        let open_late = attack.iter().filter(|s| !closed_by_server(s)).count();
        (open_early, health, open_late)
    })
    .await
    .unwrap();
    let (open_early, health, open_late) = verdict;
    assert!(
        open_early <= 200,
        "{open_early} half-open connections held (cap 200)"
    );
    let health = health.expect("/healthz did not answer within 8 s of the attack");
    assert!(health < Duration::from_secs(4), "/healthz took {health:?}");
    assert_eq!(
        open_late, 0,
        "half-open connections outlived the header timeout"
    );
}

/// Item 12, as another tenant would try it: `victim` pushes a blob to `secret/app`; `mallory`,
/// who may write only `evil/**`, reads it by digest from her own repository, mounts it without
/// `from`, from a repository of hers, from one she may not read (plain and with the parameter
/// names percent-encoded), and with `from` given twice. A mount that is not allowed becomes a
/// plain upload session (202, as the spec lets a registry answer), a repeated `from` is
/// refused, and the blob never becomes readable in her repository.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_tenant_cannot_read_or_mount_a_blob_by_digest() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        "listen: 127.0.0.1:0\ndata_dir: {}\ntokens:\n  - name: victim\n    secret: victim-secret\n    \
         grants:\n      - {{ repositories: [\"secret/**\"], access: write }}\n  - name: mallory\n    \
         secret: mallory-secret\n    grants:\n      - {{ repositories: [\"evil/**\"], access: write }}\n",
        dir.path().display()
    );
    let config = Config::parse(Path::new("tenants.yaml"), &yaml).unwrap();
    let server = start_server(&config).await;
    let base = format!("http://{}", server.addr());
    let http = reqwest::Client::new();
    let secret = b"the victim's private layer".to_vec();
    let digest = format!("sha256:{}", hex_sha256(&secret));
    let pushed = http
        .post(format!(
            "{base}/v2/secret/app/blobs/uploads/?digest={digest}"
        ))
        .basic_auth("victim", Some("victim-secret"))
        .body(secret.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(pushed.status(), 201);
    let as_mallory = |method: reqwest::Method, path: String| {
        http.request(method, format!("{base}{path}"))
            .basic_auth("mallory", Some("mallory-secret"))
            .send()
    };
    let read = || as_mallory(reqwest::Method::GET, format!("/v2/evil/x/blobs/{digest}"));
    assert_eq!(read().await.unwrap().status(), 404, "read by digest");
    let enc = digest.replace(':', "%3A");
    for (query, want) in [
        (format!("mount={digest}"), 202),
        (format!("mount={digest}&from=evil/y"), 202),
        (format!("mount={digest}&from=secret/app"), 202),
        (format!("m%6Funt={enc}&fr%6Fm=secret%2Fapp"), 202),
        (format!("m%6Funt={enc}&from=secret/app"), 202),
        (format!("mount={digest}&from=evil/y&from=secret/app"), 400),
    ] {
        let got = as_mallory(
            reqwest::Method::POST,
            format!("/v2/evil/x/blobs/uploads/?{query}"),
        )
        .await
        .unwrap()
        .status()
        .as_u16();
        assert_eq!(got, want, "{query}");
        assert_eq!(read().await.unwrap().status(), 404, "after {query}");
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}
