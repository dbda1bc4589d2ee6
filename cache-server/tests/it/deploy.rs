//! The deployment files in `cache-server/deploy/` stay consistent with the server: the example
//! config parses into [`Config`] (which rejects unknown fields), and the Dockerfile and the
//! systemd unit agree on the port, the data directory and the health endpoint.

use std::path::PathBuf;

use rbuild_cache_server::config::{Access, Config};

fn deploy_file(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn example_config_parses_into_config() {
    let cfg: Config = serde_yaml::from_str(&deploy_file("config.example.yaml")).unwrap();
    assert_eq!(cfg.listen.as_deref(), Some("0.0.0.0:5000"));
    assert_eq!(
        cfg.data_dir.as_deref(),
        Some(std::path::Path::new("/var/lib/rbuild-cache"))
    );
    assert!(!cfg.anonymous_read);
    let names: Vec<_> = cfg.tokens.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["ci", "forks", "developers"]);
    // Secrets come from the environment: the file stays readable by the service's dynamic user.
    assert!(
        cfg.tokens
            .iter()
            .all(|t| t.secret.is_none() && t.secret_env.is_some())
    );
    // The fork token writes only pr-* scopes, never the default branch's.
    let forks = &cfg.tokens[1];
    assert_eq!(
        forks.secret_env.as_deref(),
        Some("RBUILD_CACHE_TOKEN_FORKS")
    );
    let writes: Vec<_> = forks
        .grants
        .iter()
        .filter(|g| g.access == Access::Write)
        .collect();
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0].scopes, ["pr-*"]);
    assert!(cfg.storage.s3.is_none());
    assert_eq!(cfg.limits.max_bytes.as_deref(), Some("200GiB"));
    assert_eq!(cfg.limits.grace_minutes, Some(60));
    assert_eq!(cfg.limits.upload_ttl_minutes, Some(60));
}

#[test]
fn example_config_s3_block_parses_when_uncommented() {
    let text = deploy_file("config.example.yaml")
        .replace("storage: {}\n", "")
        .replace("#storage:", "storage:")
        .replace("#  ", "  ");
    let cfg: Config = serde_yaml::from_str(&text).unwrap();
    let s3 = cfg.storage.s3.expect("the commented s3 block");
    assert_eq!(s3.bucket, "rbuild-cache");
    assert_eq!(s3.region.as_deref(), Some("eu-west-1"));
}

#[test]
fn dockerfile_port_data_dir_and_healthcheck_agree() {
    let df = deploy_file("Dockerfile");
    assert!(df.contains("FROM rust:1.94-bookworm AS build"));
    assert!(df.contains("FROM debian:bookworm-slim"));
    assert!(df.contains("RBUILD_CACHE_LISTEN=0.0.0.0:5000"));
    assert!(df.contains("RBUILD_CACHE_DIR=/var/lib/rbuild-cache"));
    assert!(df.contains("VOLUME [\"/var/lib/rbuild-cache\"]"));
    assert!(df.contains("EXPOSE 5000"));
    assert!(df.contains("http://127.0.0.1:5000/healthz"));
    // Runs as the non-root user created in the runtime stage.
    assert!(df.contains("useradd --system --uid 10001"));
    assert!(df.contains("USER 10001:10001"));
}

#[test]
fn systemd_unit_runs_the_server_in_its_state_directory() {
    let unit = deploy_file("rbuild-cache-server.service");
    let exec = unit
        .lines()
        .find_map(|l| l.strip_prefix("ExecStart="))
        .expect("ExecStart");
    assert_eq!(
        exec,
        "/usr/local/bin/rbuild-cache-server --listen 0.0.0.0:5000 \
         --data-dir /var/lib/rbuild-cache --config /etc/rbuild-cache/config.yaml"
    );
    for line in [
        "StateDirectory=rbuild-cache",
        "ReadWritePaths=/var/lib/rbuild-cache",
        "ProtectSystem=strict",
        "DynamicUser=yes",
        "KillSignal=SIGTERM",
        "NoNewPrivileges=yes",
    ] {
        assert!(unit.lines().any(|l| l == line), "missing {line}");
    }
    let stop: u64 = unit
        .lines()
        .find_map(|l| l.strip_prefix("TimeoutStopSec="))
        .and_then(|v| v.parse().ok())
        .expect("TimeoutStopSec in seconds");
    assert!(stop >= 60, "in-flight uploads need time to finish");
}
