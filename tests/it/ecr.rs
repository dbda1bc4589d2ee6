//! ECR credentials against moto (`scripts/peers.sh`, `RBUILD_TEST_MOTO`), which implements
//! `GetAuthorizationToken` (a fixed token: `AWS:123456789012-auth-token`, expiring
//! 2015-01-01) but no registry: so the auth functions are checked, not a pull from ECR.
//!
//! The tests that need the standard AWS environment (`AWS_ENDPOINT_URL_ECR`, static keys, no
//! profile) run this test binary again as a child process with that environment: changing the
//! environment of the running test process would race with the other tests.

use aws_sdk_ecr::config::Credentials;
use oci_client::secrets::RegistryAuth;
use rbuild::digest::Digest;
use rbuild::registry::ecr::{EcrHost, ensure_repository_with, fetch_token_with};
use rbuild::registry::{Registry, RegistryError, RegistryOptions};
use std::process::Command;
use std::time::{Duration, UNIX_EPOCH};

/// moto's endpoint URL.
fn moto() -> String {
    std::env::var("RBUILD_TEST_MOTO").unwrap_or_else(|_| {
        panic!(
            "RBUILD_TEST_MOTO is not set: run the tests with scripts/test.sh (scripts/peers.sh \
             starts moto_server and exports the variable)"
        )
    })
}

const HOST: &str = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";

fn moto_token() -> RegistryAuth {
    RegistryAuth::Basic("AWS".into(), "123456789012-auth-token".into())
}

fn basic(a: &RegistryAuth) -> Option<(&str, &str)> {
    match a {
        RegistryAuth::Basic(u, p) => Some((u, p)),
        _ => None,
    }
}

#[tokio::test]
async fn get_authorization_token_from_moto_decodes_to_basic_credentials() {
    let host = EcrHost::parse(HOST).unwrap();
    let loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(moto())
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"));
    let token = fetch_token_with(&host, loader).await.unwrap();
    assert_eq!(token.username, "AWS");
    assert_eq!(token.password, "123456789012-auth-token");
    assert_eq!(
        token.expires_at,
        UNIX_EPOCH + Duration::from_secs(1_420_070_400)
    );
    let endpoint = token.proxy_endpoint.as_deref().unwrap_or_default();
    assert!(
        endpoint.starts_with("https://123456789012.dkr.ecr."),
        "{endpoint}"
    );
    assert!(!format!("{token:?}").contains("auth-token"), "{token:?}");
}

#[tokio::test]
async fn a_cache_export_creates_its_ecr_repository_once() {
    let host = EcrHost::parse(HOST).unwrap();
    let loader = || {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(moto())
            .credentials_provider(Credentials::new("testing", "testing", None, None, "test"))
    };
    let name = format!("rbuild-cache/app-{}", std::process::id());
    assert!(
        ensure_repository_with(&host, &name, loader())
            .await
            .unwrap(),
        "created"
    );
    assert!(
        !ensure_repository_with(&host, &name, loader())
            .await
            .unwrap(),
        "already there"
    );
    let down = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url("http://127.0.0.1:1")
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"));
    let e = ensure_repository_with(&host, &name, down)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("DescribeRepositories"), "{e}");
}

#[tokio::test]
async fn no_aws_endpoint_is_an_ecr_error_naming_account_and_region() {
    let host = EcrHost::parse(HOST).unwrap();
    let loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url("http://127.0.0.1:1")
        .credentials_provider(Credentials::new("testing", "testing", None, None, "test"));
    let e = fetch_token_with(&host, loader).await.unwrap_err();
    assert!(matches!(e, RegistryError::Ecr { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains("123456789012") && msg.contains("eu-west-1"),
        "{msg}"
    );
}

/// Runs this test binary's `child` test with the standard AWS environment pointing at
/// `endpoint`, plus a `docker-credential-rbuildtest` helper on PATH; `mode` says which checks
/// the child makes.
fn run_child(mode: &str, endpoint: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let helper = dir.path().join("docker-credential-rbuildtest");
    std::fs::write(
        &helper,
        "#!/bin/sh\n[ \"$1\" = get ] || exit 1\ncat >/dev/null\necho '{\"ServerURL\":\"x\",\"Username\":\"helper-user\",\"Secret\":\"helper-secret\"}'\n",
    )
    .unwrap();
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        dir.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "it::ecr::child",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("RBUILD_ECR_CHILD", mode)
        .env("RBUILD_ECR_CHILD_DIR", dir.path())
        .env("PATH", path)
        .env("AWS_ENDPOINT_URL_ECR", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-west-2") // the host's region wins
        .env("AWS_CONFIG_FILE", "/nonexistent/rbuild-test/aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/rbuild-test/aws-credentials",
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_SESSION_TOKEN")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child ({mode}): {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn registry_credentials_for_ecr_hosts_follow_dockers_precedence() {
    run_child("moto", &moto());
}

#[test]
fn registry_falls_back_to_docker_config_when_ecr_fails() {
    run_child("down", "http://127.0.0.1:1");
}

/// A client reading `config` (JSON) as its docker config.
fn registry_with(config: &str) -> Registry {
    let dir = std::path::PathBuf::from(std::env::var("RBUILD_ECR_CHILD_DIR").unwrap());
    let path = dir.join(format!(
        "config-{}.json",
        Digest::of(config.as_bytes()).hex()
    ));
    std::fs::write(&path, config).unwrap();
    Registry::new(&RegistryOptions {
        docker_config: Some(path),
        ..RegistryOptions::default()
    })
    .unwrap()
}

/// The child side of [`run_child`]; does nothing in a normal test run.
#[tokio::test]
async fn child() {
    let Ok(mode) = std::env::var("RBUILD_ECR_CHILD") else {
        return;
    };
    let ecr_helper = format!(r#"{{"credHelpers": {{"{HOST}": "rbuildtest"}}}}"#);
    // "docker:login" in base64
    let ecr_auths = format!(r#"{{"auths": {{"https://{HOST}": {{"auth": "ZG9ja2VyOmxvZ2lu"}}}}}}"#);
    match mode.as_str() {
        "moto" => {
            // No config entry: the built-in exchange, through AWS_ENDPOINT_URL_ECR.
            let r = registry_with("{}");
            assert_eq!(
                basic(&r.credentials_for(HOST).await.unwrap()),
                basic(&moto_token())
            );
            // With a port, upper case, China and FIPS hosts: ECR too.
            for host in [
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com:443",
                "123456789012.DKR.ECR.EU-WEST-1.AMAZONAWS.COM",
                "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
            ] {
                assert_eq!(
                    basic(&r.credentials_for(host).await.unwrap()),
                    basic(&moto_token()),
                    "{host}"
                );
            }
            // A credential helper configured for the host wins (docker-credential-ecr-login).
            let r = registry_with(&ecr_helper);
            assert_eq!(
                basic(&r.credentials_for(HOST).await.unwrap()),
                Some(("helper-user", "helper-secret"))
            );
            // A stored `docker login` does not: ECR tokens expire, the built-in one is fresh.
            let r = registry_with(&ecr_auths);
            assert_eq!(
                basic(&r.credentials_for(HOST).await.unwrap()),
                basic(&moto_token())
            );
            // Other hosts never ask AWS.
            assert!(matches!(
                r.credentials_for("127.0.0.1:5000").await.unwrap(),
                RegistryAuth::Anonymous
            ));
        }
        "down" => {
            // ECR unreachable: a stored `docker login` is used ...
            let r = registry_with(&ecr_auths);
            assert_eq!(
                basic(&r.credentials_for(HOST).await.unwrap()),
                Some(("docker", "login"))
            );
            // ... and without one the ECR error is reported.
            let r = registry_with("{}");
            let e = r.credentials_for(HOST).await.unwrap_err();
            assert!(matches!(e, RegistryError::Ecr { .. }), "{e:?}");
        }
        other => panic!("unknown RBUILD_ECR_CHILD mode {other:?}"),
    }
}
