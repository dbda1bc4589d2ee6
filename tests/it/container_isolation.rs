//! `--isolation container`: rbuild in an unprivileged Docker container (Docker's default
//! security profile, as GitLab's and Kubernetes' runners start jobs; `support::container`),
//! RUN steps run in that container directly. The differential cases of
//! [`super::differential_run`] built there must give what BuildKit gives, with the known
//! differences of the runc isolation (the same overlay-shaped layers) and no others.

use super::differential_harness::{Opts, check};

fn in_container(known: &'static [&'static str]) -> Opts<'static> {
    Opts {
        known,
        in_container: true,
        ..Opts::default()
    }
}

/// Created, changed, deleted (whiteouts over an earlier RUN's layer and the base), opaque
/// directories, renames, a directory replaced by a file and a file by a directory.
#[test]
fn run_files_in_a_container() {
    check("run-files", &in_container(&[]));
}

/// setuid/setgid/sticky, restrictive modes, umask, chown by ids and names, lchown, large ids.
#[test]
fn run_perms_in_a_container() {
    check("run-perms", &in_container(&[]));
}

/// USER for RUN: owners, `id` with supplementary groups, WORKDIR creation.
#[test]
fn run_user_in_a_container() {
    check("run-user", &in_container(&[]));
}

/// The environment a RUN sees (`HOME` from the user's passwd entry, as runc sets it).
#[test]
fn run_env_in_a_container() {
    check(
        "run-env",
        &Opts {
            build_args: &[("A2", "given"), ("GLOBAL", "global-given")],
            in_container: true,
            known: &[
                // The step runs in rbuild's container, whose host name it cannot change (that
                // needs CAP_SYS_ADMIN): `hostname` and `/etc/hostname` are the container's, not
                // `buildkitsandbox`. Kaniko's steps see the same. Kept (README, "isolation").
                "/etc-hostname.txt: ",
                "/hostname.txt: ",
            ],
            ..Opts::default()
        },
    );
}

/// RUN results copied between stages (stages run one after another at `/`).
#[test]
fn run_multistage_in_a_container() {
    check("run-multistage", &in_container(&[]));
}

/// `RUN --mount=type=cache`: the cache's contents stay out of the image.
#[test]
fn run_cache_mount_in_a_container() {
    check("run-cache-mount", &in_container(&[]));
}

/// useradd/groupadd on Debian, USER by name, deletions across three base layers.
#[test]
fn run_debian_in_a_container() {
    // No `/etc/.pwd.lock` difference here (see differential_run's run_debian): useradd opens
    // it for writing without changing it, which overlayfs copies up but a stat walk does not
    // see, as BuildKit's differ does not.
    check("run-debian", &in_container(&[]));
}
