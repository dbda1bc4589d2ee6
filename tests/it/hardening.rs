//! Issue 18, as an attacker on the same machine would try it: what another local user (uid
//! 65534, through `setpriv`) can reach of a state directory rbuild wrote as root.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::support::{context, oci_layers, rbuild_build};

/// Runs `args` as user and group 65534 (nobody), with no supplementary groups, from a shell of
/// that user (as a local attacker would; on these machines `setpriv` itself could exec a file
/// under a 0700 directory that the same user's shell cannot).
fn as_nobody(args: &[&str]) -> Output {
    Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .args(["sh", "-c", "exec \"$@\"", "sh"])
        .args(args)
        .output()
        .unwrap()
}

/// A state dir inside a directory every user can traverse (as `/var/lib/rbuild` is), made
/// 0755 as rbuild made it before: what an older rbuild left behind.
fn exposed_home() -> (tempfile::TempDir, PathBuf) {
    let parent = tempfile::Builder::new()
        .prefix("rbuild-hardening-")
        .tempdir_in("/var/tmp")
        .unwrap();
    fs::set_permissions(parent.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let home = parent.path().join("home");
    fs::create_dir(&home).unwrap();
    fs::set_permissions(&home, fs::Permissions::from_mode(0o755)).unwrap();
    (parent, home)
}

/// Every file under `dir` whose mode has the setuid bit.
fn setuid_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let m = fs::symlink_metadata(e.path()).unwrap();
        if m.is_dir() {
            out.extend(setuid_files(&e.path()));
        } else if m.is_file() && m.permissions().mode() & 0o4000 != 0 {
            out.push(e.path());
        }
    }
    out
}

#[test]
fn another_user_cannot_run_setuid_files_from_snapshots_or_mount_caches() {
    let ctx = context(
        "FROM {REG}/library/busybox:latest\n\
         RUN cp /bin/busybox /suid && chmod 4755 /suid\n\
         RUN --mount=type=cache,target=/c cp /bin/busybox /c/suid && chmod 4755 /c/suid\n",
        &[],
    );
    let (_parent, home) = exposed_home();
    let out = rbuild_build(ctx.path(), &home, &[]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let found = setuid_files(&home);
    assert!(
        found.iter().any(|p| p.starts_with(home.join("snapshots")))
            && found.iter().any(|p| p.starts_with(home.join("mounts"))),
        "a setuid-root binary in a snapshot and in a mount cache: {found:?}"
    );
    for path in &found {
        // The attack: run the setuid-root binary as nobody, `id -u` printing its euid (0).
        let p = path.to_str().unwrap();
        let run = as_nobody(&[p, "id", "-u"]);
        assert!(
            !run.status.success(),
            "nobody ran {p}: euid {}",
            String::from_utf8_lossy(&run.stdout).trim()
        );
        assert!(
            String::from_utf8_lossy(&run.stderr).contains("Permission denied"),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
    let mode = fs::metadata(&home).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "the state dir is tightened on open");
}

/// The `bundle/config.json` files under `dir`.
fn bundles(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.ends_with("bundle/config.json") {
            out.push(path);
        } else if fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir()) && !path.ends_with("merged")
        {
            out.extend(bundles(&path));
        }
    }
    out
}

#[test]
fn a_secret_in_a_running_steps_bundle_is_readable_by_no_other_user() {
    let ctx = context(
        "FROM {REG}/library/busybox:latest\n\
         RUN --mount=type=secret,id=tok,env=TOK test -n \"$TOK\" && sleep 3\n",
        &[],
    );
    let (_parent, home) = exposed_home();
    let mut build = rbuild_build(
        ctx.path(),
        &home,
        &["--secret", "id=tok,env=HARDENING_TOKEN"],
    )
    .env("HARDENING_TOKEN", "s3cr3t-value")
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let config = loop {
        if let Some(c) = bundles(&home.join("tmp")).into_iter().next() {
            break c;
        }
        assert!(Instant::now() < deadline, "no bundle appeared");
        assert!(
            build.try_wait().unwrap().is_none(),
            "the build ended before its RUN"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    // The secret is in it (it is how runc gets the variable)...
    let text = fs::read_to_string(&config).unwrap();
    assert!(text.contains("s3cr3t-value"));
    // ... and no other user reads it; only its owner, along the whole path.
    let read = as_nobody(&["cat", config.to_str().unwrap()]);
    assert!(
        !String::from_utf8_lossy(&read.stdout).contains("s3cr3t"),
        "nobody read the secret"
    );
    assert!(!read.status.success());
    assert_eq!(
        fs::metadata(&config).unwrap().permissions().mode() & 0o777,
        0o600
    );
    for dir in [
        config.parent().unwrap(),
        config.parent().unwrap().parent().unwrap(),
    ] {
        assert_eq!(
            fs::metadata(dir).unwrap().permissions().mode() & 0o777,
            0o700,
            "{}",
            dir.display()
        );
    }
    let out = build.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn credentials_in_cache_specs_appear_in_no_message_or_metadata() {
    let ctx = context(
        "FROM {REG}/library/busybox:latest\nRUN echo hi > /hi\n",
        &[],
    );
    let home = tempfile::tempdir().unwrap();
    let secrets = ["TOPSECRETKEY", "SESSIONSECRET", "GHATOKENSECRET"];
    let check = |what: &str, text: &str| {
        for s in secrets {
            assert!(!text.contains(s), "{what} shows a credential: {text}");
        }
    };

    // A malformed spec: its error quotes the spec.
    let bad = format!(
        "type=s3,bucket=b,region=us-east-1,access_key_id=AKIAEXAMPLE,\
         secret_access_key={},session_token={},bogus=1",
        secrets[0], secrets[1]
    );
    let out = rbuild_build(ctx.path(), home.path(), &["--cache-to", &bad])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("secret_access_key=***"), "{stderr}");
    check("a malformed spec's error", &stderr);
    let bad_gha = format!(
        "type=gha,token={},url=http://127.0.0.1:1/,bogus=1",
        secrets[2]
    );
    let out = rbuild_build(ctx.path(), home.path(), &["--cache-from", &bad_gha])
        .output()
        .unwrap();
    check(
        "a malformed gha spec's error",
        &String::from_utf8_lossy(&out.stderr),
    );

    // A backend that fails (no such bucket on moto): the warning, the summary and the
    // metadata file.
    let moto = std::env::var("RBUILD_TEST_MOTO").unwrap_or_else(|_| "http://127.0.0.1:5001".into());
    let failing = format!(
        "type=s3,bucket=no-such-bucket-{},region=us-east-1,endpoint_url={moto},\
         use_path_style=true,access_key_id=AKIAEXAMPLE,secret_access_key={},session_token={}",
        std::process::id(),
        secrets[0],
        secrets[1]
    );
    let meta = home.path().join("meta.json");
    let out = rbuild_build(
        ctx.path(),
        home.path(),
        &[
            "--cache-to",
            &failing,
            "--cache-from",
            &failing,
            "--metadata-file",
            meta.to_str().unwrap(),
        ],
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "ignore-error: the build goes on: {stderr}"
    );
    check("a failing backend's messages", &stderr);
    check("the metadata file", &fs::read_to_string(&meta).unwrap());
}

/// The step's spec denies every device but the standard ones (exec::spec's unit test shows the
/// rules); runc 1.1 on these machines also denies by default, so this holds with or without the
/// explicit rule, and guards against a runtime that does not.
#[test]
fn a_run_step_cannot_open_the_hosts_disk() {
    use std::os::unix::fs::MetadataExt;
    // The block device holding the state dir, as a step's root would name it with mknod.
    let home = tempfile::Builder::new().tempdir_in("/var/tmp").unwrap();
    let dev = fs::metadata(home.path()).unwrap().dev();
    let (major, minor) = (rustix::fs::major(dev), rustix::fs::minor(dev));
    let ctx = context(
        &format!(
            "FROM {{REG}}/library/busybox:latest\n\
             RUN mknod /disk b {major} {minor} \
                 && if head -c 512 /disk > /dev/null; then echo DEVICE-READ; \
                    else echo DEVICE-DENIED; fi\n"
        ),
        &[],
    );
    let out = rbuild_build(ctx.path(), home.path(), &["--progress=plain"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The step's output lines (`#2 DEVICE-...`), not its title.
    let said = |word: &str| {
        stderr
            .lines()
            .any(|l| l.starts_with('#') && l.ends_with(&format!(" {word}")))
    };
    assert!(
        !said("DEVICE-READ"),
        "a step read the host's disk:\n{stderr}"
    );
    assert!(said("DEVICE-DENIED"), "{stderr}");
}

/// The files of the top layer of the one image in the OCI layout `dir` (paths as in the tar).
fn top_layer_files(dir: &Path) -> Vec<String> {
    let (layers, _) = oci_layers(dir);
    let top = &layers.last().unwrap().1;
    let blob = dir
        .join("blobs/sha256")
        .join(top.trim_start_matches("sha256:"));
    let out = Command::new("tar").arg("-tzf").arg(blob).output().unwrap();
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn builds_du_and_prune_sharing_a_state_dir_leave_each_others_work_alone() {
    let home = tempfile::tempdir().unwrap();
    let outs = tempfile::tempdir().unwrap();
    // The two RUNs wait for each other: each polls a loopback port (its network is the
    // host's) that the test opens only once both are running, however late a busy machine
    // starts the second (a sleep was not enough under the full suite in CI).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let wait = format!(
        "i=0; until nc -w 2 127.0.0.1 {port} </dev/null; do i=$((i+1)); \
         [ $i -lt 1200 ] || exit 9; sleep 0.1; done"
    );
    let dockerfiles = [
        format!("FROM {{REG}}/library/busybox:latest\nRUN {wait}; echo a > /a\n"),
        format!("FROM {{REG}}/library/busybox:latest\nRUN {wait}; echo b > /b\n"),
    ];
    let contexts: Vec<_> = dockerfiles.iter().map(|d| context(d, &[])).collect();
    let mut builds: Vec<_> = contexts
        .iter()
        .enumerate()
        .map(|(i, ctx)| {
            let dest = outs.path().join(format!("out{i}"));
            rbuild_build(
                ctx.path(),
                home.path(),
                &["-o", &format!("type=oci,dest={},tar=false", dest.display())],
            )
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    // Once both RUNs run (their bundles are written, their overlays mounted), `du` and
    // `prune` open the same state dir.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if bundles(&home.path().join("tmp")).len() >= 2 {
            break;
        }
        if Instant::now() >= deadline
            || builds
                .iter_mut()
                .any(|b| b.try_wait().is_ok_and(|s| s.is_some()))
        {
            // Say why: the builds' own words.
            let said: Vec<String> = builds
                .drain(..)
                .map(|mut b| {
                    let _ = b.kill();
                    let out = b.wait_with_output().unwrap();
                    format!("{}: {}", out.status, String::from_utf8_lossy(&out.stderr))
                })
                .collect();
            panic!(
                "the two RUN steps were never running at once:\n{}",
                said.join("\n---\n")
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    for args in [&["du"][..], &["prune", "-f"][..]] {
        let out = super::support::Rbuild::new(home.path()).args(args).output();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Now the steps may finish: the port answers (and hangs up at once).
    let release = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    std::thread::spawn(move || {
        for conn in release.incoming() {
            drop(conn);
        }
    });
    for (i, build) in builds.drain(..).enumerate() {
        let out = build.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "build {i}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Each image's RUN layer holds its file and no whiteout of anything else.
    for (i, file) in ["a", "b"].iter().enumerate() {
        let files = top_layer_files(&outs.path().join(format!("out{i}")));
        assert!(
            files.iter().any(|f| f.trim_start_matches("./") == *file),
            "{files:?}"
        );
        assert!(!files.iter().any(|f| f.contains(".wh.")), "{files:?}");
    }
}

/// How the hostile registry of [`hostile_manifest_registry`] sends a manifest.
#[derive(Clone, Copy)]
enum HugeManifest {
    /// `Content-Length: 1500000000`, then that many bytes.
    Announced,
    /// Chunked, without end.
    Endless,
}

/// A registry on loopback that answers `/v2/` and sends every manifest as `how` says, 64 KiB at
/// a time until the client hangs up; its address.
fn hostile_manifest_registry(how: HugeManifest) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            std::thread::spawn(move || {
                let mut req = Vec::new();
                let mut buf = [0u8; 4096];
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => req.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&req).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
                if path == "/v2/" {
                    let _ = conn.write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
                    );
                    return;
                }
                let chunk = vec![b' '; 64 << 10];
                let media = "Content-Type: application/vnd.oci.image.manifest.v1+json\r\n";
                match how {
                    HugeManifest::Announced => {
                        let _ = conn.write_all(
                            format!("HTTP/1.1 200 OK\r\n{media}Content-Length: 1500000000\r\n\r\n")
                                .as_bytes(),
                        );
                        for _ in 0..(1_500_000_000 / chunk.len()) {
                            if conn.write_all(&chunk).is_err() {
                                return;
                            }
                        }
                    }
                    HugeManifest::Endless => {
                        let _ = conn.write_all(
                            format!("HTTP/1.1 200 OK\r\n{media}Transfer-Encoding: chunked\r\n\r\n")
                                .as_bytes(),
                        );
                        let framed =
                            [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
                        while conn.write_all(&framed).is_ok() {}
                    }
                }
            });
        }
    });
    addr
}

/// Waits for `child`, polling its peak RSS (VmHWM) until it exits; fails the test after 60 s
/// (`doing` says what it was still doing). The exit status and the peak in kB.
fn wait_measuring_peak(
    child: &mut std::process::Child,
    started: Instant,
    doing: &str,
) -> (std::process::ExitStatus, u64) {
    let mut peak_kb = 0u64;
    loop {
        if let Ok(s) = fs::read_to_string(format!("/proc/{}/status", child.id())) {
            let hwm = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
            peak_kb = peak_kb.max(hwm.unwrap_or(0));
        }
        if let Some(status) = child.try_wait().unwrap() {
            return (status, peak_kb);
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "rbuild still {doing} after 60 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Item 5: a registry sending a 1.5 GB manifest (announced, or chunked without end) gets a clear
/// refusal naming the reference, and rbuild's peak RSS stays far below what was sent.
#[test]
fn a_huge_manifest_is_refused_without_being_held() {
    for how in [HugeManifest::Announced, HugeManifest::Endless] {
        let addr = hostile_manifest_registry(how);
        let ctx = context(&format!("FROM {addr}/evil/image:1\n"), &[]);
        let home = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let mut child = rbuild_build(ctx.path(), home.path(), &["--progress=plain"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (status, peak_kb) = wait_measuring_peak(&mut child, started, "reading the manifest");
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!status.success());
        assert!(
            stderr.contains("larger than 4194304 bytes") && stderr.contains("evil/image:1"),
            "{stderr}"
        );
        eprintln!(
            "huge manifest: refused in {:?}, peak RSS {peak_kb} kB",
            started.elapsed()
        );
        assert!(peak_kb < 150 * 1024, "peak RSS {peak_kb} kB");
    }
}

/// Item 7: a self-hosted runner's state dir shared by a pull request's job and the default
/// branch's. The pull request's records are never served to the default branch's build (it runs
/// its steps again); the pull request's job is served the default branch's (its scopes read
/// `main`); off CI, every record is served as before.
#[test]
fn a_pull_requests_local_records_are_not_served_to_the_default_branch() {
    let ctx = context(
        &format!(
            "FROM {}/library/busybox\nRUN echo built > /made\nRUN echo again >> /made\n",
            super::support::registry()
        ),
        &[],
    );
    let home = tempfile::tempdir().unwrap();
    let cached = |env: &[(&str, &str)]| -> usize {
        let out = rbuild_build(ctx.path(), home.path(), &["--progress=plain"])
            .envs(env.iter().copied())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        stderr.lines().filter(|l| l.ends_with(" CACHED")).count()
    };
    let pr = [
        ("CI", "true"),
        ("GITHUB_REF", "refs/pull/7/merge"),
        ("GITHUB_REF_NAME", "7/merge"),
    ];
    let main = [("CI", "true"), ("GITHUB_REF_NAME", "main")];
    assert_eq!(cached(&pr), 0, "first build");
    assert_eq!(cached(&pr), 2, "the pull request's own records");
    assert_eq!(cached(&main), 0, "the default branch ran its steps again");
    assert_eq!(cached(&pr), 2, "the pull request reads main's records");
    assert_eq!(cached(&[]), 2, "off CI every record is served");
}

/// Item 7's sibling for cache mounts: on a runner shared by a pull request's job and the default
/// branch's, a pull request that plants a file in a `RUN --mount=type=cache` directory (a
/// poisoned package cache, a `target/` with planted objects) never hands it to the default
/// branch's build, which would build it into its image and export it to the default branch's
/// scope. The pull request's own next build still finds it (its cache is kept, per scope).
#[test]
fn a_pull_requests_cache_mount_is_not_the_default_branchs() {
    let ctx = context(
        &format!(
            "FROM {}/library/busybox\nARG WHO\n\
             RUN --mount=type=cache,id=deps,target=/cache \\\n\
             if [ \"$WHO\" = pr ]; then echo evil > /cache/poison; \\\n\
             elif [ \"$WHO\" = pr-again ]; then test -e /cache/poison; \\\n\
             else test ! -e /cache/poison; fi\n",
            super::support::registry()
        ),
        &[],
    );
    let home = tempfile::tempdir().unwrap();
    let build = |who: &str, env: &[(&str, &str)]| {
        let out = rbuild_build(
            ctx.path(),
            home.path(),
            &["--progress=plain", "--build-arg", &format!("WHO={who}")],
        )
        .envs(env.iter().copied())
        .output()
        .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        (out.status.success(), stderr)
    };
    let pr = [
        ("CI", "true"),
        ("GITHUB_REF", "refs/pull/7/merge"),
        ("GITHUB_REF_NAME", "7/merge"),
    ];
    let main = [("CI", "true"), ("GITHUB_REF_NAME", "main")];
    let (ok, stderr) = build("pr", &pr);
    assert!(ok, "the pull request plants its file: {stderr}");
    let (ok, stderr) = build("main", &main);
    assert!(
        ok,
        "the default branch saw the pull request's file: {stderr}"
    );
    let (ok, stderr) = build("pr-again", &pr);
    assert!(ok, "the pull request lost its own cache: {stderr}");
    let (ok, stderr) = build("off-ci", &[]);
    assert!(ok, "a build off CI saw the pull request's file: {stderr}");
    let mut dirs: Vec<String> = std::fs::read_dir(home.path().join("mounts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("deps") && !n.ends_with(".lock"))
        .collect();
    dirs.sort();
    assert_eq!(
        dirs.len(),
        3,
        "one directory per scope and one off CI: {dirs:?}"
    );
    assert_eq!(dirs[0], "deps");
}

/// `sha256:<hex>` of `bytes`.
fn sha256_digest(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

/// As a hostile cache would: rewrites the mount-cache manifest of the `type=local` cache in
/// `dir`. `bomb`: every chunk is replaced by one blob of `raw_size` zero bytes compressed (a few
/// kB that decompress to `raw_size`), listed `count` times; else the chunks stay and each
/// claims `raw_size` bytes. The sizes, the total and the tree hash are made consistent, the
/// documents re-hashed and index.json pointed at them.
fn hostile_mount_manifest(dir: &Path, raw_size: u64, bomb: Option<usize>) {
    let blob = |digest: &str| dir.join("blobs/sha256").join(&digest[7..]);
    let write_blob = |bytes: &[u8]| {
        let digest = sha256_digest(bytes);
        fs::write(blob(&digest), bytes).unwrap();
        digest
    };
    let index_path = dir.join("index.json");
    let mut index: serde_json::Value =
        serde_json::from_slice(&fs::read(&index_path).unwrap()).unwrap();
    let entry = index["manifests"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|m| {
            m["annotations"]["org.opencontainers.image.ref.name"]
                .as_str()
                .is_some_and(|n| n.contains("/mount/"))
        })
        .expect("a mount-cache entry in index.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(blob(entry["digest"].as_str().unwrap())).unwrap())
            .unwrap();
    let mut config: serde_json::Value = serde_json::from_slice(
        &fs::read(blob(manifest["config"]["digest"].as_str().unwrap())).unwrap(),
    )
    .unwrap();
    if let Some(count) = bomb {
        let zeros = vec![0u8; raw_size as usize];
        let packed = zstd::bulk::compress(&zeros, 19).unwrap();
        let chunk = serde_json::json!({
            "digest": write_blob(&packed),
            "size": packed.len(),
            "raw": sha256_digest(&zeros),
            "rawSize": raw_size,
        });
        let mut layer = manifest["layers"][0].clone();
        layer["digest"] = chunk["digest"].clone();
        layer["size"] = chunk["size"].clone();
        manifest["layers"] = serde_json::json!([layer]);
        config["chunks"] = serde_json::Value::Array(vec![chunk; count]);
    }
    let chunks = config["chunks"].as_array_mut().unwrap();
    let mut tree = String::new();
    for c in chunks.iter_mut() {
        c["rawSize"] = raw_size.into();
        tree.push_str(&format!("{} {raw_size}\n", c["raw"].as_str().unwrap()));
    }
    let count = chunks.len() as u64;
    config["archiveBytes"] = (raw_size * count).into();
    config["tree"] = sha256_digest(tree.as_bytes()).into();
    let config = serde_json::to_vec(&config).unwrap();
    manifest["config"]["digest"] = write_blob(&config).into();
    manifest["config"]["size"] = config.len().into();
    let manifest = serde_json::to_vec(&manifest).unwrap();
    entry["digest"] = write_blob(&manifest).into();
    entry["size"] = manifest.len().into();
    fs::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
}

/// Item 4, as a hostile cache: a mount-cache manifest of 64 chunks that are each a zstd bomb
/// (a few kB decompressing to 64 MiB of zeros: the original attack of this shape drove rbuild
/// to 6.3 GB RSS, 32 chunks in flight), and one whose real chunks each claim exactly the
/// chunker's largest size but hold less. Both are a miss with a warning (the step starts from
/// an empty cache), the build succeeds, and rbuild's peak RSS stays far below what was claimed.
#[test]
fn a_mount_cache_manifest_claiming_huge_chunks_is_a_miss_not_an_allocation() {
    for (claim, bomb, why) in [
        (64u64 << 20, Some(64), "claims"),
        (1 << 20, None, "archive bytes"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let ctx = super::mount_caches::scenario("one\n");
        let a = tempfile::tempdir().unwrap();
        let to = format!("type=local,dest={},mode=max", dir.path().display());
        let out = rbuild_build(ctx.path(), a.path(), &["--cache-to", &to])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        hostile_mount_manifest(dir.path(), claim, bomb);
        fs::write(ctx.path().join("src.txt"), "two\n").unwrap();
        let b = tempfile::tempdir().unwrap();
        let from = format!("type=local,src={}", dir.path().display());
        let started = Instant::now();
        let mut child = rbuild_build(
            ctx.path(),
            b.path(),
            &["--progress=plain", "--cache-from", &from],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
        let (status, peak_kb) = wait_measuring_peak(&mut child, started, "restoring");
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        eprintln!("mount-cache chunks claiming {claim} bytes each: peak RSS {peak_kb} kB");
        assert!(status.success(), "{stderr}");
        assert!(
            stderr.contains("starting empty") && stderr.contains(why) && stderr.contains("FETCHED"),
            "{stderr}"
        );
        assert!(peak_kb < 150 * 1024, "peak RSS {peak_kb} kB");
    }
}
