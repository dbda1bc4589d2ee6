//! Tokens, the auth middleware, `/token` and the branch-scope resolve API, in front of a router of
//! dummy handlers on 127.0.0.1:0, driven with reqwest and with Docker 26's `docker login`.

#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::{any, get};
use rbuild_cache_server::auth::{self, Authorizer};
use rbuild_cache_server::config::Config;
use rbuild_cache_server::meta::Meta;
use rbuild_cache_server::registry::RegistryState;
use rbuild_cache_server::scopes;
use rbuild_cache_server::store::Store;
use reqwest::Method;

use crate::support::{Docker, assert_ok, serve, skip, skopeo};

const CONFIG: &str = r#"
tokens:
  - name: ci
    secret: ci-secret
    grants:
      - repositories: ["proj/**"]
        access: write
  - name: reader
    secret_env: RBUILD_AUTH_TEST_READER
    grants:
      - repositories: ["proj/**"]
  - name: fork
    secret: fork-secret
    grants:
      - repositories: ["proj/**"]
      - repositories: ["proj/*"]
        access: write
        scopes: ["pr-*"]
  - name: mainonly
    secret: main-secret
    grants:
      - repositories: ["proj/main"]
"#;

struct TestServer {
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl TestServer {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// Dummy handlers: every `/v2` request answers 200 with the URI it saw (after the middleware),
/// behind the auth middleware, next to `/token` and the scopes API over a real metadata database.
async fn start(anonymous_read: bool) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.yaml");
    std::fs::write(&path, CONFIG).unwrap();
    let mut config = Config::load_with_env(Some(&path), |name| {
        (name == "RBUILD_AUTH_TEST_READER").then(|| "reader-secret".to_string())
    })
    .unwrap();
    config.anonymous_read = anonymous_read;
    let authz = Arc::new(Authorizer::from_config(&config).unwrap());
    let meta = Arc::new(Meta::open(dir.path()).unwrap());
    meta.put_tag("proj/main", "cache", "sha256:aaaa").unwrap();
    meta.put_tag("proj/dev", "cache", "sha256:dddd").unwrap();
    meta.put_tag("proj/feature-x", "other", "sha256:ffff")
        .unwrap();
    let store = Arc::new(Store::local(dir.path()).await.unwrap());
    let registry = RegistryState::new(store, meta, dir.path().join("uploads"));

    let echo = |uri: Uri| async move {
        (
            [("docker-distribution-api-version", "registry/2.0")],
            uri.to_string(),
        )
    };
    let app = Router::new()
        .route("/v2/", get(echo))
        .route(
            "/v2/proj/main/tags/list",
            get(|| async {
                (
                    [("content-type", "application/json")],
                    r#"{"name":"proj/main","tags":["cache"]}"#,
                )
            }),
        )
        .route("/v2/{*rest}", any(echo))
        .route("/healthz", get(|| async { "ok" }))
        .route("/stats", get(|| async { "{}" }))
        .merge(auth::router(authz.clone()))
        .merge(scopes::router(registry, authz.clone()));
    let app = auth::protect(app, authz);
    let addr = serve(app).await;
    TestServer { addr, _dir: dir }
}

enum Cred<'a> {
    None,
    Basic(&'a str, &'a str),
    Bearer(&'a str),
}

async fn send(method: Method, url: &str, cred: Cred<'_>) -> (StatusCode, HeaderMap, String) {
    let client = reqwest::Client::new();
    let mut req = client.request(method, url);
    req = match cred {
        Cred::None => req,
        Cred::Basic(user, secret) => req.basic_auth(user, Some(secret)),
        Cred::Bearer(token) => req.bearer_auth(token),
    };
    let resp = req.send().await.unwrap();
    let status = StatusCode::from_u16(resp.status().as_u16()).unwrap();
    let mut headers = HeaderMap::new();
    for (k, v) in resp.headers() {
        headers.insert(
            axum::http::HeaderName::from_bytes(k.as_str().as_bytes()).unwrap(),
            axum::http::HeaderValue::from_bytes(v.as_bytes()).unwrap(),
        );
    }
    (status, headers, resp.text().await.unwrap())
}

fn error_code(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    v["errors"][0]["code"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn read_only_token_cannot_push() {
    let s = start(false).await;
    let reader = Cred::Basic("reader", "reader-secret");
    let (st, _, _) = send(Method::GET, &s.url("/v2/proj/main/manifests/cache"), reader).await;
    assert_eq!(st, StatusCode::OK);
    for (method, path) in [
        (Method::PUT, "/v2/proj/main/manifests/cache"),
        (Method::POST, "/v2/proj/main/blobs/uploads/"),
        (Method::PATCH, "/v2/proj/main/blobs/uploads/some-id"),
        (Method::DELETE, "/v2/proj/main/blobs/sha256:00"),
    ] {
        let (st, _, body) =
            send(method, &s.url(path), Cred::Basic("reader", "reader-secret")).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(error_code(&body), "DENIED");
    }
    // The writer can.
    let (st, _, _) = send(
        Method::PUT,
        &s.url("/v2/proj/main/manifests/cache"),
        Cred::Basic("ci", "ci-secret"),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    // Outside its repositories even the writer is denied.
    let (st, _, _) = send(
        Method::GET,
        &s.url("/v2/other/manifests/cache"),
        Cred::Basic("ci", "ci-secret"),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn fork_token_cannot_write_the_default_branch() {
    let s = start(false).await;
    let fork = || Cred::Basic("fork", "fork-secret");
    let (st, _, _) = send(Method::GET, &s.url("/v2/proj/main/manifests/cache"), fork()).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _, body) = send(Method::PUT, &s.url("/v2/proj/main/manifests/cache"), fork()).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(error_code(&body), "DENIED");
    let (st, _, _) = send(Method::PUT, &s.url("/v2/proj/pr-7/manifests/cache"), fork()).await;
    assert_eq!(st, StatusCode::OK);
    // An encoded slash does not smuggle a write past the glob.
    let (st, _, _) = send(
        Method::PUT,
        &s.url("/v2/proj%2Fmain/manifests/cache"),
        fork(),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // A mount from a repository the token cannot read becomes a plain upload.
    let (st, _, seen) = send(
        Method::POST,
        &s.url("/v2/proj/pr-7/blobs/uploads/?mount=sha256%3A00&from=secret%2Fx"),
        fork(),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(seen, "/v2/proj/pr-7/blobs/uploads/");
    let (_, _, seen) = send(
        Method::POST,
        &s.url("/v2/proj/pr-7/blobs/uploads/?mount=sha256%3A00&from=proj%2Fmain"),
        fork(),
    )
    .await;
    assert_eq!(
        seen,
        "/v2/proj/pr-7/blobs/uploads/?mount=sha256%3A00&from=proj%2Fmain"
    );
}

#[tokio::test]
async fn challenge_then_token_then_bearer() {
    let s = start(false).await;
    let (st, headers, body) =
        send(Method::PUT, &s.url("/v2/proj/pr-1/manifests/x"), Cred::None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "UNAUTHORIZED");
    let challenge = headers["www-authenticate"].to_str().unwrap();
    assert_eq!(
        challenge,
        format!(
            "Bearer realm=\"http://{}/token\",service=\"rbuild-cache\",scope=\"repository:proj/pr-1:pull,push\"",
            s.addr
        )
    );
    let token_url = s.url(
        "/token?service=rbuild-cache&scope=repository%3Aproj%2Fpr-1%3Apull%2Cpush&scope=repository%3Aproj%2Fmain%3Apull%2Cpush",
    );
    let (st, _, _) = send(Method::GET, &token_url, Cred::Basic("fork", "wrong")).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _, _) = send(Method::GET, &token_url, Cred::None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _, body) = send(Method::GET, &token_url, Cred::Basic("fork", "fork-secret")).await;
    assert_eq!(st, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let token = v["token"].as_str().unwrap().to_string();
    assert_eq!(v["access_token"].as_str(), Some(token.as_str()));
    assert!(v["expires_in"].as_u64().unwrap() > 0);

    let bearer = || Cred::Bearer(&token);
    let (st, _, _) = send(Method::PUT, &s.url("/v2/proj/pr-1/manifests/x"), bearer()).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _, _) = send(Method::GET, &s.url("/v2/proj/main/manifests/x"), bearer()).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _, _) = send(Method::PUT, &s.url("/v2/proj/main/manifests/x"), bearer()).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // Not in the token's scopes, though the fork token could read it.
    let (st, _, _) = send(Method::GET, &s.url("/v2/proj/dev/manifests/x"), bearer()).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    // A tampered token is no credential.
    let tampered = format!("{token}x");
    let (st, _, _) = send(Method::GET, &s.url("/v2/"), Cred::Bearer(&tampered)).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);

    // The OAuth2 form containerd and BuildKit post.
    let resp = reqwest::Client::new()
        .post(s.url("/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=password&username=ci&password=ci-secret&service=rbuild-cache&scope=repository%3Aproj%2Fmain%3Apull%2Cpush&client_id=test")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let v: serde_json::Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    let ci_token = v["access_token"].as_str().unwrap().to_string();
    let (st, _, _) = send(
        Method::PUT,
        &s.url("/v2/proj/main/manifests/x"),
        Cred::Bearer(&ci_token),
    )
    .await;
    assert_eq!(st, StatusCode::OK);

    // A raw secret works as a bearer token too (GitHub Actions cache clients, curl).
    let (st, _, _) = send(
        Method::PUT,
        &s.url("/v2/proj/main/manifests/x"),
        Cred::Bearer("ci-secret"),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _, _) = send(
        Method::GET,
        &s.url("/v2/proj/main/manifests/x"),
        Cred::Bearer("nope"),
    )
    .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn anonymous_read_off_and_on() {
    let closed = start(false).await;
    let (st, h, _) = send(Method::GET, &closed.url("/v2/"), Cred::None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert!(
        h["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer realm=")
    );
    let (st, _, _) = send(
        Method::GET,
        &closed.url("/v2/"),
        Cred::Basic("reader", "reader-secret"),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _, _) = send(
        Method::GET,
        &closed.url("/v2/proj/main/manifests/cache"),
        Cred::None,
    )
    .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _, _) = send(Method::GET, &closed.url("/healthz"), Cred::None).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _, _) = send(Method::GET, &closed.url("/stats"), Cred::None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _, _) = send(
        Method::GET,
        &closed.url("/stats"),
        Cred::Bearer("main-secret"),
    )
    .await;
    assert_eq!(st, StatusCode::OK);

    let open = start(true).await;
    // The version check still challenges (clients learn the auth scheme there).
    let (st, _, _) = send(Method::GET, &open.url("/v2/"), Cred::None).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    let (st, _, _) = send(
        Method::HEAD,
        &open.url("/v2/proj/main/blobs/sha256:00"),
        Cred::None,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _, body) = send(
        Method::PUT,
        &open.url("/v2/proj/main/manifests/cache"),
        Cred::None,
    )
    .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(&body), "UNAUTHORIZED");
    // Anonymous tokens carry pull only.
    let (st, _, body) = send(
        Method::GET,
        &open.url("/token?service=rbuild-cache&scope=repository%3Aproj%2Fmain%3Apull%2Cpush"),
        Cred::None,
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let token = v["token"].as_str().unwrap();
    let (st, _, _) = send(
        Method::GET,
        &open.url("/v2/proj/main/manifests/cache"),
        Cred::Bearer(token),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let (st, _, _) = send(
        Method::PUT,
        &open.url("/v2/proj/main/manifests/cache"),
        Cred::Bearer(token),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn scopes_resolve_falls_back_along_the_chain() {
    let s = start(false).await;
    let url = |q: &str| s.url(&format!("/scopes/v1/resolve?{q}"));
    let ci = || Cred::Basic("ci", "ci-secret");
    let (st, _, body) = send(
        Method::GET,
        &url("project=proj&reference=cache&scope=feature%2FX&scope=dev&scope=main"),
        ci(),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["repository"], "proj/dev");
    assert_eq!(v["scope"], "dev");
    assert_eq!(v["digest"], "sha256:dddd");
    // The branch's own scope wins when it has the tag (the scope is sanitized server-side).
    let (_, _, body) = send(
        Method::GET,
        &url("project=proj&reference=other&scope=Feature%2FX&scope=main"),
        ci(),
    )
    .await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["repository"], "proj/feature-x");
    // Scopes the caller cannot read are skipped.
    let (st, _, body) = send(
        Method::GET,
        &url("project=proj&reference=cache&scope=dev&scope=main"),
        Cred::Basic("mainonly", "main-secret"),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["repository"], "proj/main");
    assert_eq!(v["skipped"], serde_json::json!(["dev"]));
    // None has it: 404 with the distribution error body.
    let (st, _, body) = send(
        Method::GET,
        &url("project=proj&reference=nope&scope=dev&scope=main"),
        ci(),
    )
    .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(error_code(&body), "MANIFEST_UNKNOWN");
    // No credentials and nothing readable: 401.
    let (st, _, _) = send(
        Method::GET,
        &url("project=proj&reference=cache&scope=main"),
        Cred::None,
    )
    .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    // Malformed requests.
    let (st, _, _) = send(Method::GET, &url("project=proj&reference=cache"), ci()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, _, _) = send(
        Method::GET,
        &url("project=Bad%20Name&reference=cache&scope=main"),
        ci(),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
}

/// `docker login` with Docker 26 (the daemon from `scripts/buildkit.sh env`) against the test
/// server: the daemon probes `/v2/`, follows the Bearer challenge to `/token` with basic
/// credentials and retries with the token.
#[tokio::test]
async fn docker_login() {
    let Some(docker) = Docker::for_test("docker_login") else {
        return;
    };
    let s = start(false).await;
    let config_dir = tempfile::tempdir().unwrap();
    let config = docker.config(config_dir.path().to_path_buf());
    // The server runs on this test's runtime: the client runs off it.
    let login = |secret: &'static str| {
        let (docker, config, registry) = (docker.clone(), config.clone(), s.addr.to_string());
        tokio::task::spawn_blocking(move || docker.login(&config, &registry, "fork", secret))
    };
    let ok = login("fork-secret").await.unwrap();
    assert_ok("docker login", &ok);
    assert!(String::from_utf8_lossy(&ok.stdout).contains("Login Succeeded"));
    let bad = login("wrong").await.unwrap();
    assert!(
        !bad.status.success(),
        "docker login with a wrong secret succeeded"
    );
}

/// `skopeo list-tags --creds`: the containers/image token flow (challenge, `/token` with basic
/// credentials, bearer) on a repository the token may read, and refusal with a wrong secret.
#[tokio::test]
async fn skopeo_creds() {
    if std::process::Command::new("skopeo")
        .arg("--version")
        .output()
        .is_err()
    {
        skip("skopeo_creds", "skopeo is not on PATH");
        return;
    }
    let s = start(false).await;
    let image = format!("docker://{}/proj/main", s.addr);
    let run = |creds: &'static str| {
        let image = image.clone();
        tokio::task::spawn_blocking(move || {
            skopeo(&["list-tags", "--tls-verify=false", "--creds", creds, &image])
        })
    };
    let ok = run("reader:reader-secret").await.unwrap();
    assert_ok("skopeo list-tags", &ok);
    let v: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(v["Tags"], serde_json::json!(["cache"]));
    let bad = run("reader:wrong").await.unwrap();
    assert!(!bad.status.success());
}
