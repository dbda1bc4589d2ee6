//! The remote-cache round trip of [`super::remote_cache`] through the other backends: S3
//! (moto), the GitHub Actions cache (the cache server's implementation of the service v2) and
//! the cache server as a registry; and a 30-step `mode=max` export to the Actions cache that
//! makes only a handful of uploads.

use super::remote_cache::{build, round_trip};
use super::remote_gha::{CacheServer, token as runtime_token};
use super::support::context;

/// moto's endpoint URL.
pub(crate) fn moto() -> String {
    std::env::var("RBUILD_TEST_MOTO").unwrap_or_else(|_| {
        panic!("RBUILD_TEST_MOTO is not set: run the tests with scripts/test.sh")
    })
}

/// A cache server on a free port: its `http://host:port/` URL and `host:port`.
pub(crate) fn cache_server() -> (CacheServer, String, String) {
    let server = CacheServer::start(None, &[]);
    let url = server.url.clone();
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    (server, url, addr)
}

/// Creates a bucket in moto.
pub(crate) fn create_bucket(name: &str) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(moto())
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_s3::config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .load()
            .await;
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        );
        s3.create_bucket().bucket(name).send().await.unwrap();
    });
}

/// A fresh moto bucket named `<name>-<pid>` and the import spec of an S3 cache in it.
pub(crate) fn s3_spec(name: &str) -> String {
    let bucket = format!("{name}-{}", std::process::id());
    create_bucket(&bucket);
    format!(
        "type=s3,bucket={bucket},region=us-east-1,prefix=app/,endpoint_url={},use_path_style=true,access_key_id=testing,secret_access_key=testing",
        moto()
    )
}

/// A job's environment on branch `main` of a runner whose Actions cache is the cache server at
/// `url` (the token must outlive the environment).
pub(crate) fn gha_env<'a>(url: &'a str, token: &'a str) -> [(&'static str, &'a str); 3] {
    [
        ("ACTIONS_RESULTS_URL", url),
        ("ACTIONS_RUNTIME_TOKEN", token),
        ("GITHUB_REF_NAME", "main"),
    ]
}

/// A runtime token for `refs/heads/main`.
pub(crate) fn main_token() -> String {
    runtime_token(&[("refs/heads/main", 3)])
}

#[test]
fn s3_cache_round_trip() {
    let spec = s3_spec("rbuild-remote");
    round_trip(&format!("{spec},mode=max"), &spec, &[]);
}

#[test]
fn gha_cache_round_trip_through_the_cache_server() {
    let (_server, url, _) = cache_server();
    let token = main_token();
    round_trip("type=gha,mode=max", "type=gha", &gha_env(&url, &token));
}

#[test]
fn registry_cache_round_trip_through_the_cache_server() {
    let (_server, _, addr) = cache_server();
    let reference = format!("{addr}/proj/app-cache");
    round_trip(
        &format!("type=registry,ref={reference},mode=max"),
        &format!("type=registry,ref={reference}"),
        &[],
    );
}

#[test]
fn a_thirty_step_max_mode_export_to_the_actions_cache_is_a_handful_of_uploads() {
    let (_server, url, _) = cache_server();
    let token = runtime_token(&[("refs/heads/main", 3)]);
    let env = [
        ("ACTIONS_RESULTS_URL", url.as_str()),
        ("ACTIONS_RUNTIME_TOKEN", token.as_str()),
        ("GITHUB_REF_NAME", "main"),
    ];
    // Three stages of ten RUN steps each, every one making a layer.
    let mut dockerfile = String::new();
    for stage in 0..3 {
        dockerfile.push_str(&format!(
            "FROM {{REG}}/library/busybox:latest AS s{stage}\n"
        ));
        for step in 0..10 {
            dockerfile.push_str(&format!("RUN echo {stage}-{step} > /f{step}\n"));
        }
    }
    dockerfile.push_str("FROM s0\nCOPY --from=s1 /f9 /s1\nCOPY --from=s2 /f9 /s2\n");
    let ctx = context(&dockerfile, &[]);
    let home = tempfile::tempdir().unwrap();
    let first = build(
        ctx.path(),
        home.path(),
        &["--cache-to", "type=gha,mode=max"],
        &env,
    );
    assert!(first.ran().len() >= 32, "{:?}", first.steps);
    let report = first.cache_report("gha:rbuild");
    assert!(
        report["blobs_uploaded"].as_u64().unwrap() >= 30,
        "{}",
        first.metadata
    );
    let requests = report["requests"].as_u64().unwrap();
    assert!(
        requests <= 12,
        "{requests} requests for one export of 32 layers: {report}"
    );
    let fresh = tempfile::tempdir().unwrap();
    let second = build(
        ctx.path(),
        fresh.path(),
        &["--cache-from", "type=gha"],
        &env,
    );
    assert!(second.ran().is_empty(), "{:?}", second.ran());
    assert_eq!(second.digest(), first.digest());
}

#[test]
fn a_scope_per_repository_on_the_cache_server() {
    let (_server, _, addr) = cache_server();
    let to = format!("type=registry,ref={addr}/proj/{{scope}},mode=max");
    let from = format!("type=registry,ref={addr}/proj/{{scope}}");
    let ctx = super::remote_cache::scenario("per-repo scopes\n");
    let home = tempfile::tempdir().unwrap();
    let first = build(
        ctx.path(),
        home.path(),
        &["--cache-to", &to],
        &[("GITHUB_REF_NAME", "main")],
    );
    let pr_env = [
        ("GITHUB_REF", "refs/pull/7/merge"),
        ("GITHUB_REF_NAME", "7/merge"),
    ];
    let fresh = tempfile::tempdir().unwrap();
    let pr = build(
        ctx.path(),
        fresh.path(),
        &["--cache-from", &from, "--cache-to", &to],
        &pr_env,
    );
    assert!(pr.ran().is_empty(), "{:?}\n{}", pr.ran(), pr.stderr);
    assert_eq!(pr.digest(), first.digest());
    let report = pr.cache_report(&from.replace("type=registry,ref=", ""));
    assert_eq!(report["blobs_downloaded"], 0, "{}", pr.metadata);
    assert_eq!(
        report["blobs_uploaded"], 0,
        "main's blobs are mounted into proj/pr-7, not uploaded: {}",
        pr.metadata
    );
    for repo in ["proj/main", "proj/pr-7"] {
        let out = super::support::skopeo(&[
            "inspect",
            "--raw",
            "--tls-verify=false",
            &format!("docker://{addr}/{repo}:cache"),
        ]);
        let m: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(m["artifactType"], "application/vnd.rbuild.cache.v1");
    }
}

#[test]
fn a_read_only_or_unreachable_cache_to_is_reported_before_the_build() {
    let config = r#"
anonymous_read: true
tokens:
  - name: ci
    secret: ci-secret
    grants:
      - repositories: ["**"]
        access: write
"#;
    let server = CacheServer::start(Some(config), &[]);
    let addr = server
        .url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let ctx = super::remote_cache::scenario("checked caches\n");
    let home = tempfile::tempdir().unwrap();
    let local = home.path().join("local-cache");
    let read_only = format!("{addr}/proj/cache:main");
    let unreachable = format!("{closed}/proj/cache:main");
    let built = build(
        ctx.path(),
        home.path(),
        &[
            "--cache-to",
            &format!("type=registry,ref={read_only},ignore-error=true"),
            "--cache-to",
            &format!("type=registry,ref={unreachable},ignore-error=true"),
            "--cache-to",
            &format!("type=local,dest={}", local.display()),
        ],
        &[],
    );
    let err = &built.stderr;
    let first_step = err.find("#1 [").expect("a step");
    let line_of = |needle: &str| {
        let at = err
            .find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in:\n{err}"));
        assert!(
            at < first_step,
            "{needle:?} came after the build began:\n{err}"
        );
        err[at..].lines().next().unwrap().to_string()
    };
    let ro = line_of(&format!("WARNING: cache-to {read_only} is read-only ("));
    assert!(ro.contains("its export will be skipped"), "{ro}");
    line_of(&format!("WARNING: cache-to {unreachable} is unreachable ("));
    assert!(
        !err.contains(&format!("cache-to {}", local.display())),
        "a writable directory is not reported:\n{err}"
    );
    // The anonymous export was refused at the end as the check said (and skipped).
    assert!(local.join("index.json").exists());
}
