//! What the end-to-end build tests share: the test registry, throwaway contexts, and the
//! `rbuild build` command with the test environment.

use std::fs;
use std::path::Path;
use std::process::Command;

/// `host:port` of the test registry (`scripts/peers.sh`).
pub(crate) fn registry() -> String {
    std::env::var("RBUILD_TEST_REGISTRY").unwrap_or_else(|_| {
        panic!("RBUILD_TEST_REGISTRY is not set: run the tests with scripts/test.sh")
    })
}

/// A context holding `dockerfile` (`{REG}` replaced by the test registry) and `files` (parent
/// directories created).
pub(crate) fn context(dockerfile: &str, files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("Dockerfile"),
        dockerfile.replace("{REG}", &registry()),
    )
    .unwrap();
    for (rel, content) in files {
        let p = dir.path().join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, content).unwrap();
    }
    dir
}

/// `rbuild build ARGS CTX` with the state dir `home`, no docker credentials, and neither
/// `SOURCE_DATE_EPOCH` nor `CI` from the caller's environment.
pub(crate) fn rbuild_build(ctx: &Path, home: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rbuild"));
    cmd.arg("build")
        .args(args)
        .arg(ctx)
        .env("RBUILD_HOME", home)
        .env("DOCKER_CONFIG", "/nonexistent/rbuild-test")
        .env_remove("SOURCE_DATE_EPOCH")
        .env_remove("CI")
        .env_remove("GITHUB_EVENT_PATH")
        .env_remove("GITHUB_ACTIONS");
    cmd
}

/// Runs `rbuild ARGS` with `env` set and `unset` removed; its stdout (fails the test with
/// rbuild's message unless it succeeds).
pub(crate) fn rbuild_ok(args: &[&str], env: &[(&str, &str)], unset: &[&str]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rbuild"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    for k in unset {
        cmd.env_remove(k);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "rbuild {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs `skopeo ARGS`; fails the test with skopeo's message unless it succeeds; its stdout.
pub(crate) fn skopeo<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Vec<u8> {
    let out = Command::new("skopeo").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "skopeo {:?}: {}",
        args.iter().map(|a| a.as_ref()).collect::<Vec<_>>(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}
