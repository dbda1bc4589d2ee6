//! `--isolation container`: rbuild in an unprivileged Docker container (Docker's default
//! security profile, as GitLab's and Kubernetes' runners start jobs; `support::container`),
//! RUN steps run in that container directly. The differential cases of
//! [`super::differential_run`] built there must give what BuildKit gives, with the known
//! differences of the runc isolation (the same overlay-shaped layers) and no others.

use std::fs;
use std::io::Read as _;

use sha2::Digest as _;
use std::path::Path;

use super::differential_harness::{Opts, check, image_files, peer};

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

/// Symlinks and hard links (within the step, to a lower layer's file).
#[test]
fn run_links_in_a_container() {
    check(
        "run-links",
        &in_container(&[
            // `ln lower-file hard-to-lower` changes lower-file's link count (and ctime): both
            // names are in the layer, one inode, as in the runc isolation (differential_run's
            // run_links). Kept.
            "/l/hard-to-lower: ",
            "/l/lower-file: ",
        ]),
    );
}

/// SHELL for shell-form RUN, CMD and ENTRYPOINT.
#[test]
fn run_shell_in_a_container() {
    check("run-shell", &in_container(&[]));
}

/// WORKDIR that does not exist before a RUN.
#[test]
fn run_workdir_in_a_container() {
    check(
        "run-workdir",
        &in_container(&["history[6]: \"WORKDIR /tmp\"", "layers: 7 vs 6"]),
    );
}

/// RUN steps that change nothing: an empty layer each, as BuildKit commits them.
#[test]
fn run_empty_in_a_container() {
    check("run-empty", &in_container(&[]));
}

/// xattrs a RUN sets (only `security.capability` reaches a layer).
#[test]
fn run_xattr_in_a_container() {
    // As in the runc isolation (differential_run's run_xattr): a file whose xattr a step set
    // (to a value no layer keeps) is in the layer. Kept.
    check("run-xattr", &in_container(&["/etc/debian_version: "]));
}

/// Every blob of the OCI tar at `tar` (layers gunzipped) that holds `needle`.
fn blobs_holding(tar: &Path, needle: &[u8]) -> Vec<String> {
    let mut found = Vec::new();
    let mut archive = tar::Archive::new(fs::File::open(tar).unwrap());
    for e in archive.entries().unwrap() {
        let mut e = e.unwrap();
        let name = e.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        e.read_to_end(&mut data).unwrap();
        let mut plain = Vec::new();
        if flate2::read::GzDecoder::new(&data[..])
            .read_to_end(&mut plain)
            .is_err()
        {
            plain = data;
        }
        if plain.windows(needle.len()).any(|w| w == needle) {
            found.push(name);
        }
    }
    found
}

/// Runs `cmd`; its stderr, failing the test unless it succeeds.
fn ok(cmd: &mut std::process::Command, what: &str) -> String {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{what} failed:\n{stderr}");
    stderr
}

/// Two builds in one container, different Dockerfiles: nothing of the first reaches the
/// second (its files are gone from `/` before the second's first RUN), and rbuild's own
/// folder, the state and the shared directory survive both.
#[test]
fn a_second_build_in_the_same_container_sees_nothing_of_the_first() {
    let Some(peer) = peer() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let base = format!("{}/library/busybox:latest", peer.registry);
    for (name, dockerfile) in [
        (
            "a",
            format!("FROM {base}\nRUN echo first > /from-a && mkdir -p /usr/a-dir\n"),
        ),
        (
            "b",
            format!("FROM {base}\nRUN ls / /usr > /listing; cat /listing\n"),
        ),
    ] {
        let ctx = tmp.path().join(name);
        fs::create_dir_all(&ctx).unwrap();
        fs::write(ctx.join("Dockerfile"), dockerfile).unwrap();
    }
    let t = tmp.path().display();
    let script = format!(
        "$RBUILD build --progress plain -o type=oci,dest={t}/a.tar {t}/a && \
         $RBUILD build --progress plain -o type=oci,dest={t}/b.tar {t}/b"
    );
    let log = ok(
        &mut super::support::container::shell(&peer, &[tmp.path()], &[], &script),
        "two builds in one container",
    );
    let b = image_files(&tmp.path().join("b.tar"));
    let listing = String::from_utf8(b["listing"].clone().unwrap()).unwrap();
    assert!(listing.contains("bin"), "{listing}");
    for leaked in ["from-a", "a-dir"] {
        assert!(
            !listing.contains(leaked),
            "`{leaked}` leaked into the second build:\n{listing}\n{log}"
        );
    }
    // rbuild's folder and its state are visible to steps (as `/kaniko` is to Kaniko's) but
    // never part of an image.
    assert!(
        b.keys()
            .all(|k| !k.starts_with("rbuild") && !k.starts_with("state")),
        "{:?}",
        b.keys().collect::<Vec<_>>()
    );
    assert!(!b.contains_key("from-a"));
    assert!(image_files(&tmp.path().join("a.tar")).contains_key("from-a"));
}

/// A secret is readable by its step only: in no layer, no record, no later step, and gone
/// from `/` after the step; `auto` picks the container isolation in a default-profile
/// container, and `no-new-privileges` changes nothing.
#[test]
fn a_secret_is_in_no_layer_and_gone_after_its_step() {
    let Some(peer) = peer() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let ctx = tmp.path().join("ctx");
    fs::create_dir_all(&ctx).unwrap();
    let value = "s3cr3t-value-7f1c";
    fs::write(tmp.path().join("token"), value).unwrap();
    fs::write(
        ctx.join("Dockerfile"),
        format!(
            "FROM {}/library/busybox:latest\n\
             RUN --mount=type=secret,id=token stat -c '%a %u' /run/secrets/token > /mode \
                 && cat /run/secrets/token | wc -c > /length\n\
             RUN ls /run/secrets > /after 2>&1; ls /run >> /after 2>&1; true\n",
            peer.registry
        ),
    )
    .unwrap();
    let out = tmp.path().join("image.tar");
    let home = tmp.path().join("state");
    let mut cmd = super::support::container::rbuild(
        &peer,
        &[tmp.path()],
        &[("RBUILD_HOME", &home.display().to_string())],
        &["--security-opt", "no-new-privileges"],
    );
    cmd.args(["build", "--progress", "plain", "--secret"])
        .arg(format!(
            "id=token,src={}",
            tmp.path().join("token").display()
        ))
        .arg("-o")
        .arg(format!("type=oci,dest={}", out.display()))
        .arg(&ctx);
    ok(&mut cmd, "a build with a secret");
    let files = image_files(&out);
    let text = |p: &str| String::from_utf8(files[p].clone().unwrap()).unwrap();
    assert_eq!(text("mode").trim(), "400 0", "the secret is 0400, root's");
    assert_eq!(text("length").trim(), value.len().to_string());
    let after = text("after");
    assert!(!after.contains("token"), "{after}");
    assert!(blobs_holding(&out, value.as_bytes()).is_empty());
    // Nor in the state: records, snapshots, blobs.
    let grep = std::process::Command::new("grep")
        .args(["-r", "-l", value])
        .arg(&home)
        .output()
        .unwrap();
    assert!(
        grep.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&grep.stdout)
    );
}

/// `RUN --network=none` cannot be enforced without a network namespace: refused at its line.
#[test]
fn network_none_is_refused_with_the_reason() {
    let Some(peer) = peer() else { return };
    let tmp = tempfile::tempdir().unwrap();
    fs::write(
        tmp.path().join("Dockerfile"),
        format!(
            "FROM {}/library/busybox:latest\nRUN --network=none true\n",
            peer.registry
        ),
    )
    .unwrap();
    let mut cmd = super::support::container::rbuild(&peer, &[tmp.path()], &[], &[]);
    cmd.args(["build", "--progress", "plain"]).arg(tmp.path());
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains(":2:") && stderr.contains("--network=none cannot be enforced"),
        "{stderr}"
    );
}

/// The ids (`#N`) of the plain-progress steps whose title contains `needle`, and whether each
/// was `CACHED`.
fn step_results(stderr: &str, needle: &str) -> Vec<bool> {
    let ids: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix('#')?.split_once(' '))
        .filter(|(_, text)| text.starts_with('[') && text.contains(needle))
        .map(|(id, _)| id)
        .collect();
    ids.iter()
        .map(|id| stderr.lines().any(|l| l == format!("#{id} CACHED")))
        .collect()
}

/// Remote caches from inside: a fresh container importing the registry cache of an earlier
/// one runs no step of the unchanged build, and for a changed one its RUN finds the cache
/// mount the first container filled (exported with `mount-caches=true`).
#[test]
fn a_fresh_container_runs_nothing_cached_and_restores_mount_caches() {
    let Some(peer) = peer() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let ctx = tmp.path().join("ctx");
    fs::create_dir_all(&ctx).unwrap();
    fs::write(ctx.join("app.txt"), "v1").unwrap();
    fs::write(
        ctx.join("Dockerfile"),
        format!(
            "FROM {}/library/busybox:latest\n\
             COPY app.txt /app.txt\n\
             RUN --mount=type=cache,target=/var/cache/apt,id=apt \
                 if [ -f /var/cache/apt/marker ]; then echo HIT > /cache-state; \
                 else echo MISS > /cache-state; echo x > /var/cache/apt/marker; fi\n",
            peer.registry
        ),
    )
    .unwrap();
    let cache = format!(
        "{}/container-isolation/cache-{}:main",
        peer.registry,
        std::process::id()
    );
    let build = |extra: &[&str], out: &str| {
        let mut cmd = super::support::container::rbuild(&peer, &[tmp.path()], &[], &[]);
        cmd.args(["build", "--progress", "plain"])
            .args(extra)
            .arg("-o")
            .arg(format!("type=oci,dest={}", tmp.path().join(out).display()))
            .arg(&ctx);
        ok(&mut cmd, out)
    };
    let to = format!("type=registry,ref={cache},mode=max,mount-caches=true");
    let from = format!("type=registry,ref={cache},mount-caches=true");
    let first = build(&["--cache-to", &to], "first.tar");
    assert_eq!(step_results(&first, "RUN --mount"), [false], "{first}");

    let unchanged = build(&["--cache-from", &from], "unchanged.tar");
    assert_eq!(
        step_results(&unchanged, "COPY app.txt"),
        [true],
        "{unchanged}"
    );
    assert_eq!(
        step_results(&unchanged, "RUN --mount"),
        [true],
        "{unchanged}"
    );

    fs::write(ctx.join("app.txt"), "v2").unwrap();
    let changed = build(&["--cache-from", &from], "changed.tar");
    assert_eq!(step_results(&changed, "RUN --mount"), [false], "{changed}");
    let files = image_files(&tmp.path().join("changed.tar"));
    assert_eq!(
        files["cache-state"].as_deref(),
        Some(&b"HIT\n"[..]),
        "the restored mount cache: {changed}"
    );
}

/// A Kaniko command line with only the executable changed (`/kaniko/executor` is rbuild):
/// the image is pushed to every destination, the digest files are written, the layers are
/// cached in `--cache-repo`, and a fresh container's same build runs no step.
#[test]
fn kanikos_command_line_pushes_and_caches_in_the_cache_repo() {
    let Some(peer) = peer() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let ws = tmp.path().join("workspace");
    fs::create_dir_all(&ws).unwrap();
    fs::write(ws.join("main.sh"), "echo hi\n").unwrap();
    fs::write(
        ws.join("Dockerfile"),
        format!(
            "FROM {}/library/busybox:latest\nCOPY main.sh /app/\nRUN chmod +x /app/main.sh && \
             echo built > /app/stamp\nLABEL from=kaniko-flags\n",
            peer.registry
        ),
    )
    .unwrap();
    let repo = format!("{}/kaniko-flags/app-{}", peer.registry, std::process::id());
    let cache_repo = format!("{repo}-cache");
    let w = ws.display();
    let kaniko = |extra: &[&str]| {
        let mut cmd = super::support::container::rbuild_at(
            &peer,
            &[tmp.path()],
            &[],
            &[],
            "/kaniko/executor",
        );
        cmd.args([
            &format!("--context=dir://{w}"),
            "--dockerfile",
            &format!("{w}/Dockerfile"),
            "--destination",
            &format!("{repo}:1.0"),
            "--destination",
            &format!("{repo}:latest"),
            "--cache=true",
            &format!("--cache-repo={cache_repo}"),
            "--snapshot-mode=redo",
            "--use-new-run",
            "--digest-file",
            &format!("{w}/digest"),
            "--image-name-with-digest-file",
            &format!("{w}/names"),
        ]);
        cmd.args(extra);
        cmd
    };
    ok(&mut kaniko(&[]), "the Kaniko command line");
    let digest = fs::read_to_string(ws.join("digest")).unwrap();
    assert!(digest.starts_with("sha256:"), "{digest}");
    let names = fs::read_to_string(ws.join("names")).unwrap();
    assert_eq!(names, format!("{repo}@{digest}\n{repo}@{digest}\n"));
    for tag in ["1.0", "latest"] {
        let raw = super::support::skopeo(&[
            "inspect",
            "--raw",
            "--tls-verify=false",
            &format!("docker://{repo}:{tag}"),
        ]);
        let pushed = format!("sha256:{}", hex::encode(sha2::Sha256::digest(&raw)));
        assert_eq!(pushed, digest, "{tag}");
    }
    let tags = super::support::skopeo(&[
        "list-tags",
        "--tls-verify=false",
        &format!("docker://{cache_repo}"),
    ]);
    let tags: serde_json::Value = serde_json::from_slice(&tags).unwrap();
    assert!(
        !tags["Tags"].as_array().unwrap().is_empty(),
        "nothing cached in {cache_repo}: {tags}"
    );
    // A fresh container, the same command line: every step from the cache repo.
    let again = ok(&mut kaniko(&[]), "the same command line again");
    assert_eq!(step_results(&again, "RUN chmod"), [true], "{again}");
    assert_eq!(fs::read_to_string(ws.join("digest")).unwrap(), digest);
}

/// A flag Kaniko has and rbuild does not is refused, naming what is supported.
#[test]
fn an_unsupported_kaniko_flag_is_refused_with_the_list() {
    let Some(peer) = peer() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let out =
        super::support::container::rbuild_at(&peer, &[tmp.path()], &[], &[], "/kaniko/executor")
            .args(["--no-push", "--cache-dir=/cache"])
            .output()
            .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("`--cache-dir") && stderr.contains("--cache-repo"),
        "{stderr}"
    );
}

/// rbuild's own images (`deploy/image.sh`, built by rbuild): the plain one builds and pushes in
/// a default-profile container as the issue's user runs it (`docker run --rm --network host
/// -v ctx:/workspace rbuild build ...`), also with `no-new-privileges` and with every
/// capability Docker does not grant by default dropped; the debug one runs `script:` lines
/// (two builds, then Kaniko's executor path) in its busybox shell.
#[test]
fn rbuilds_own_images_build_in_unprivileged_containers() {
    let Some(peer) = peer() else { return };
    let repo = format!("{}/rbuild-image-{}", peer.registry, std::process::id());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/image.sh");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .args([
            env!("CARGO_BIN_EXE_rbuild"),
            &repo,
            "test",
            "--progress",
            "plain",
        ])
        .env("RBUILD_HOME", tempfile::tempdir().unwrap().path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "deploy/image.sh: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ctx = tempfile::tempdir().unwrap();
    fs::write(
        ctx.path().join("Dockerfile"),
        format!(
            "FROM {}/library/busybox:latest\nRUN echo from-rbuilds-image > /stamp\n",
            peer.registry
        ),
    )
    .unwrap();
    // Docker's default set, each added back after dropping all.
    let mut only_defaults = vec!["--cap-drop".to_string(), "ALL".to_string()];
    for cap in [
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "SETGID",
        "SETUID",
        "SETPCAP",
        "NET_BIND_SERVICE",
        "NET_RAW",
        "SYS_CHROOT",
        "MKNOD",
        "AUDIT_WRITE",
        "SETFCAP",
    ] {
        only_defaults.extend(["--cap-add".to_string(), cap.to_string()]);
    }
    let no_new_privileges = vec![
        "--security-opt".to_string(),
        "no-new-privileges".to_string(),
    ];
    for (n, profile) in [vec![], no_new_privileges, only_defaults]
        .into_iter()
        .enumerate()
    {
        let app = format!("{repo}-app:{n}");
        let mut cmd = peer.docker();
        cmd.args(["run", "--rm", "--pull", "always", "--network", "host", "-v"])
            .arg(format!("{}:/workspace", ctx.path().display()))
            .args(&profile)
            .arg(format!("{repo}:test"))
            .args([
                "build",
                "--progress",
                "plain",
                "--push",
                "-t",
                &app,
                "/workspace",
            ]);
        ok(&mut cmd, &format!("rbuild's image, profile {profile:?}"));
        let config = super::support::skopeo(&[
            "inspect",
            "--config",
            "--tls-verify=false",
            &format!("docker://{app}"),
        ]);
        let config: serde_json::Value = serde_json::from_slice(&config).unwrap();
        assert_eq!(
            config["rootfs"]["diff_ids"].as_array().unwrap().len(),
            2,
            "{config}"
        );
    }
    let mut debug = peer.docker();
    debug
        .args(["run", "--rm", "--pull", "always", "--network", "host", "-v"])
        .arg(format!("{}:/workspace", ctx.path().display()))
        .args(["--entrypoint", "/rbuild/bin/sh"])
        .arg(format!("{repo}:test-debug"))
        .args([
            "-c",
            "rbuild build --progress plain /workspace && ls / > /workspace/after-build && \
             /kaniko/executor --context /workspace --no-push --tar-path /workspace/out.tar \
               --cleanup && ls / > /workspace/after-cleanup && echo script-done",
        ]);
    let log = {
        let out = debug.output().unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "the debug image's script:\n{all}");
        all
    };
    assert!(log.contains("script-done"), "{log}");
    assert!(ctx.path().join("out.tar").exists());
    // The build left its last stage at `/`; `--cleanup` cleared it, but rbuild's folder and
    // the container's mounts.
    let listing = |f: &str| fs::read_to_string(ctx.path().join(f)).unwrap();
    assert!(
        listing("after-build").contains("stamp"),
        "{}",
        listing("after-build")
    );
    let after = listing("after-cleanup");
    assert!(
        !after.contains("stamp") && !after.contains("bin\n"),
        "{after}"
    );
    for kept in ["rbuild", "workspace", "proc", "kaniko"] {
        assert!(
            after.lines().any(|l| l == kept),
            "{kept} missing after --cleanup: {after}"
        );
    }
}

/// A mount whose target lies under a symlink (`/var/run` -> `/run` on Debian) lands where runc
/// puts it, and stays out of the layer.
#[test]
fn a_mount_under_a_symlinked_parent_stays_out_of_the_layer() {
    let Some(peer) = peer() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let ctx = tmp.path().join("ctx");
    fs::create_dir_all(&ctx).unwrap();
    fs::write(
        ctx.join("Dockerfile"),
        format!(
            "FROM {}/library/busybox:latest\n\
             RUN mkdir -p /opt/real && ln -s /opt/real /link\n\
             RUN --mount=type=cache,target=/link/cache,id=c \
                 echo cached > /link/cache/f && ls /opt/real > /seen\n",
            peer.registry
        ),
    )
    .unwrap();
    let out = tmp.path().join("image.tar");
    let mut cmd = super::support::container::rbuild(&peer, &[tmp.path()], &[], &[]);
    cmd.args(["build", "--progress", "plain", "-o"])
        .arg(format!("type=oci,dest={}", out.display()))
        .arg(&ctx);
    ok(&mut cmd, "a cache mount under a symlink");
    let files = image_files(&out);
    assert_eq!(
        files["seen"].as_deref(),
        Some(&b"cache\n"[..]),
        "{:?}",
        files.keys()
    );
    assert!(
        files.keys().all(|k| !k.starts_with("opt/real/cache")),
        "{:?}",
        files.keys()
    );
}

/// `--build-context` directories and images in the container isolation: the named directory is
/// kept (not replaced by the stage's rootfs) and mounted into RUN steps.
#[test]
fn build_contexts_in_a_container() {
    check(
        "build-context",
        &Opts {
            build_contexts: &[
                ("files", "files"),
                (
                    "base",
                    "docker-image://127.0.0.1:5000/library/busybox:latest",
                ),
            ],
            in_container: true,
            ..Opts::default()
        },
    );
}
