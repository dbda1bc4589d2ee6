//! Whole builds with RUN steps against BuildKit (see [`super::differential_harness`] for what is
//! compared and how): each case under `tests/data/differential/run-*/` is built by BuildKit 0.13
//! and by rbuild (RUN in runc on an overlayfs), and the filesystems (paths, types, modes, owners,
//! contents, link targets, hard-link groups, xattrs, mtimes clamped to the epoch), configs and
//! histories must agree.
//!
//! Files the steps write (`id`, `env`, `stat` output) make the runtime environment part of the
//! filesystem comparison: a difference in what a step sees shows up as the lines only one builder
//! wrote.

use super::differential_harness::{Opts, check};

/// Created, changed, deleted (whiteouts in an earlier RUN's layer and in the base), opaque
/// directories, renames, a directory replaced by a file and a file by a directory.
#[test]
fn run_files() {
    check("run-files", &Opts { ..Opts::default() });
}

/// Symlinks (absolute, relative, dangling, replaced, retargeted) and hard links (within the
/// step, to a lower layer's file).
#[test]
fn run_links() {
    check(
        "run-links",
        &Opts {
            known: &[
                // BuildKit's overlay differ leaves out a file overlayfs copied up unchanged (here
                // by `ln lower-file hard-to-lower`): its layer has hard-to-lower as a new file and
                // not lower-file, so the two are no longer linked. rbuild's layer is the upper dir
                // as it is (as Docker's classic overlay2 diff): both names, one inode. Kept.
                "/l/hard-to-lower: ",
                "/l/lower-file: ",
            ],
            ..Opts::default()
        },
    );
}

/// setuid/setgid/sticky, restrictive modes, umask, chown by ids and names, lchown, large ids.
#[test]
fn run_perms() {
    check("run-perms", &Opts { ..Opts::default() });
}

/// USER for RUN: owners of what the step creates, `id` (supplementary groups), WORKDIR creation.
#[test]
fn run_user() {
    // Includes the process's groups: the primary gid first, then the member groups
    // (src/exec/user.rs), as BuildKit's `id` output shows them.
    check("run-user", &Opts::default());
}

/// useradd/groupadd on Debian, USER by name, deletions across three base layers.
#[test]
fn run_debian() {
    check(
        "run-debian",
        &Opts {
            known: &[
                // useradd opens /etc/.pwd.lock for writing: overlayfs copies it up unchanged.
                // BuildKit leaves it out of the layer (the base's mtime stays); rbuild's layer
                // has it, its mtime clamped to SOURCE_DATE_EPOCH (see run_links). Kept.
                "/etc/.pwd.lock: mtime Some(1735689600) vs Some(1500000000)",
            ],
            ..Opts::default()
        },
    );
}

/// The environment a RUN sees: ENV, ARG (build arg given, default, redeclared), PATH.
#[test]
fn run_env() {
    check(
        "run-env",
        &Opts {
            build_args: &[("A2", "given"), ("GLOBAL", "global-given")],
            ..Opts::default()
        },
    );
}

/// SHELL for shell-form RUN, CMD and ENTRYPOINT; the exec form ignores it.
#[test]
fn run_shell() {
    check("run-shell", &Opts { ..Opts::default() });
}

/// `RUN --network=none`: only the loopback device, nothing reachable.
#[test]
fn run_network_none() {
    check("run-network", &Opts { ..Opts::default() });
}

/// RUN results copied between stages.
#[test]
fn run_multistage() {
    check("run-multistage", &Opts::default());
}

/// RUN steps that change nothing: each commits an empty layer, as in BuildKit (issue 23:
/// history and layer counts differed from every other builder).
#[test]
fn run_empty() {
    check("run-empty", &Opts::default());
}

/// WORKDIR that does not exist before a RUN.
#[test]
fn run_workdir() {
    check(
        "run-workdir",
        &Opts {
            known: &[
                // WORKDIR of an existing directory: BuildKit exports an empty layer (see
                // differential_build's workdir case).
                "history[6]: \"WORKDIR /tmp\"",
                "layers: 7 vs 6",
            ],
            ..Opts::default()
        },
    );
}

/// xattrs a RUN sets.
#[test]
fn run_xattr() {
    // Docker and BuildKit (containerd's tar writer) keep only `security.capability` in layers;
    // so does rbuild (src/image/layer/entries.rs).
    check(
        "run-xattr",
        &Opts {
            known: &[
                // Setting an xattr on a base file copies it up unchanged but for the dropped
                // xattr: BuildKit's differ leaves such a file out of the layer, rbuild's layer is
                // the upper dir as it is (see run_links). Kept.
                "/etc/debian_version: ",
            ],
            ..Opts::default()
        },
    );
}

/// `RUN --mount=type=cache`: the cache's contents stay out of the image.
#[test]
fn run_cache_mount() {
    check("run-cache-mount", &Opts::default());
}

/// `--platform linux/amd64,linux/arm64`: the same platforms in the index, and per platform the
/// same filesystem, config and history (the arm64 RUN through QEMU, as BuildKit's).
#[test]
fn multi_platform_cross_compile() {
    check(
        "multi-platform",
        &Opts {
            platforms: &["linux/amd64", "linux/arm64"],
            ..Opts::default()
        },
    );
}

/// Debian bookworm-slim for linux/amd64 and linux/arm64 (the arm64 image built by
/// `scripts/peers.sh` with debootstrap's second stage under QEMU): per platform the same
/// filesystem and config as BuildKit's.
#[test]
fn multi_platform_debian() {
    check(
        "multi-platform-debian",
        &Opts {
            platforms: &["linux/amd64", "linux/arm64"],
            ..Opts::default()
        },
    );
}

/// Proxy build args reach RUN's environment without an ARG, and stay out of the image (issue
/// 23: behind a corporate proxy nothing installed).
#[test]
fn run_proxy() {
    check(
        "run-proxy",
        &Opts {
            build_args: &[
                ("http_proxy", "http://proxy.invalid:3128"),
                ("HTTPS_PROXY", "http://proxy.invalid:3129"),
                ("no_proxy", "localhost,127.0.0.1"),
            ],
            ..Opts::default()
        },
    );
}

/// `--add-host`, `--shm-size` and `--ulimit` reach every RUN step as BuildKit gives them
/// (issue 23: build-push-action's add-hosts, shm-size and ulimit inputs).
#[test]
fn run_sandbox_flags() {
    check(
        "run-sandbox",
        &Opts {
            flags: &[
                "--add-host",
                "db.internal:10.1.2.3",
                "--add-host",
                "cache.internal=10.1.2.4",
                "--shm-size",
                "128m",
                "--ulimit",
                "nofile=2048:4096",
                "--ulimit",
                "nproc=512",
            ],
            ..Opts::default()
        },
    );
}

/// RUN's host name and `/etc/hosts`: BuildKit's default, and `--build-arg
/// BUILDKIT_SANDBOX_HOSTNAME=...` (issue 23), in every stage.
#[test]
fn run_hostname() {
    check("run-hostname", &Opts::default());
    check(
        "run-hostname",
        &Opts {
            build_args: &[("BUILDKIT_SANDBOX_HOSTNAME", "foo")],
            ..Opts::default()
        },
    );
}

/// `RUN --mount=type=tmpfs,target=/dev/shm`: the step's tmpfs replaces the default /dev/shm
/// (issue 23: it was mounted on top of it, two /dev/shm mounts in /proc/mounts).
#[test]
fn run_tmpfs_over_dev_shm() {
    check("run-tmpfs-shm", &Opts::default());
}
