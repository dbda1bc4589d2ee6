//! rbuild run as users of unprivileged CI run it: in a Docker container (Docker 26 of
//! `scripts/buildkit.sh`) with Docker's default security profile (no `--privileged`, no added
//! capability, uid 0 inside), its image a base the build replaces (the test registry's busybox).
//!
//! The test binary is rbuild's debug build, linked against glibc: it is bind-mounted at
//! `/rbuild/rbuild` with its loader and libraries at `/rbuild/lib` (copied once per machine
//! under `/var/tmp/rbuild-test-container/`), and started through the loader, so that it needs
//! nothing of the container's `/` (which the container isolation replaces). Directories shared
//! with the test are mounted at the same path inside, so that paths in arguments need no
//! rewriting. The state dir is in the container (`/state`) unless the test gives one.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use crate::it::differential_harness::Peer;

/// Where the loader and libraries are copied.
const LIB_DIR: &str = "/var/tmp/rbuild-test-container/lib";

/// The loader's name in `LIB_DIR`.
const LOADER: &str = "ld-linux-x86-64.so.2";

/// Copies the dynamic loader and the libraries of rbuild's binary into [`LIB_DIR`] (once).
fn libraries() -> &'static Path {
    static DONE: OnceLock<PathBuf> = OnceLock::new();
    DONE.get_or_init(|| {
        let dir = PathBuf::from(LIB_DIR);
        std::fs::create_dir_all(&dir).unwrap();
        let out = Command::new("ldd")
            .arg(env!("CARGO_BIN_EXE_rbuild"))
            .output()
            .expect("ldd");
        assert!(
            out.status.success(),
            "ldd: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            // `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)` or `/lib64/ld-linux... (0x...)`
            let path = line
                .split_whitespace()
                .find(|w| w.starts_with('/'))
                .map(PathBuf::from);
            let Some(path) = path else { continue };
            let name = path.file_name().unwrap().to_owned();
            let tmp = dir.join(format!(
                "{}.tmp-{}",
                name.to_string_lossy(),
                std::process::id()
            ));
            std::fs::copy(&path, &tmp).unwrap();
            std::fs::rename(&tmp, dir.join(&name)).unwrap();
        }
        assert!(dir.join(LOADER).exists(), "no {LOADER} in ldd's output");
        dir
    })
}

/// `docker run` of rbuild in a default-profile container: `shared` directories mounted at
/// their own paths, `env` passed in, `docker_args` before the image (e.g.
/// `--security-opt no-new-privileges`); rbuild's arguments follow.
pub(crate) fn rbuild(
    peer: &Peer,
    shared: &[&Path],
    env: &[(&str, &str)],
    docker_args: &[&str],
) -> Command {
    rbuild_at(peer, shared, env, docker_args, "/rbuild/rbuild")
}

/// [`rbuild`] with the binary at `program` in the container (`/kaniko/executor`: started as
/// Kaniko's executor).
pub(crate) fn rbuild_at(
    peer: &Peer,
    shared: &[&Path],
    env: &[(&str, &str)],
    docker_args: &[&str],
    program: &str,
) -> Command {
    let lib = libraries();
    let mut cmd = peer.docker();
    cmd.args(["run", "--rm", "--network", "host"]);
    cmd.arg("-v")
        .arg(format!("{}:{program}:ro", env!("CARGO_BIN_EXE_rbuild")));
    cmd.arg("-v")
        .arg(format!("{}:/rbuild/lib:ro", lib.display()));
    for dir in shared {
        cmd.arg("-v").arg(format!("{0}:{0}", dir.display()));
    }
    if !env.iter().any(|(k, _)| *k == "RBUILD_HOME") {
        cmd.args(["-e", "RBUILD_HOME=/state"]);
    }
    for (k, v) in env {
        cmd.arg("-e").arg(format!("{k}={v}"));
    }
    cmd.args(docker_args);
    cmd.arg("--entrypoint").arg(format!("/rbuild/lib/{LOADER}"));
    cmd.arg(format!("{}/library/busybox:latest", peer.registry));
    cmd.args(["--library-path", "/rbuild/lib", program]);
    cmd
}

/// `docker run` of busybox's `sh -c script` in a default-profile container set up as
/// [`rbuild`]'s, with `$RBUILD` in the script starting rbuild (for several builds in one
/// container).
pub(crate) fn shell(peer: &Peer, shared: &[&Path], env: &[(&str, &str)], script: &str) -> Command {
    let lib = libraries();
    let mut cmd = peer.docker();
    cmd.args(["run", "--rm", "--network", "host"]);
    cmd.arg("-v").arg(format!(
        "{}:/rbuild/rbuild:ro",
        env!("CARGO_BIN_EXE_rbuild")
    ));
    cmd.arg("-v")
        .arg(format!("{}:/rbuild/lib:ro", lib.display()));
    for dir in shared {
        cmd.arg("-v").arg(format!("{0}:{0}", dir.display()));
    }
    cmd.args(["-e", "RBUILD_HOME=/state"]);
    cmd.arg("-e").arg(format!(
        "RBUILD=/rbuild/lib/{LOADER} --library-path /rbuild/lib /rbuild/rbuild"
    ));
    for (k, v) in env {
        cmd.arg("-e").arg(format!("{k}={v}"));
    }
    cmd.arg("--entrypoint").arg("/bin/sh");
    cmd.arg(format!("{}/library/busybox:latest", peer.registry));
    cmd.args(["-c", script]);
    cmd
}
