//! `RUN --mount` of every type, RUN heredocs and `--runtime`, end to end through `rbuild build`
//! on the test registry's busybox; each image is read back from an OCI layout output, layer by
//! layer. Needs root and runc (`scripts/peers.sh`); the ssh test needs `ssh-agent`.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::support::{context, rbuild_build};

/// Runs `rbuild build` on `ctx` with state dir `home`, extra environment `env`.
fn build(ctx: &Path, home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = rbuild_build(ctx, home, args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "rbuild build failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Builds to an OCI layout dir under `work`; returns the layout.
fn build_layout(ctx: &Path, home: &Path, work: &Path, extra: &[&str]) -> PathBuf {
    let layout = work.join(format!("layout-{}", unique()));
    let spec = format!("type=oci,dest={},tar=false", layout.display());
    let mut args = vec!["--output", spec.as_str()];
    args.extend_from_slice(extra);
    ok(&build(ctx, home, &args, &[]));
    layout
}

fn unique() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

fn blob(layout: &Path, digest: &str) -> PathBuf {
    layout
        .join("blobs/sha256")
        .join(digest.trim_start_matches("sha256:"))
}

/// Decompresses a layer blob (gzip, zstd or plain tar).
fn decompress(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    if bytes.starts_with(&[0x1f, 0x8b]) {
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
    } else if bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        out = zstd::decode_all(bytes).unwrap();
    } else {
        out = bytes.to_vec();
    }
    out
}

/// Each layer of the image in `layout` (the first manifest) as path -> content (empty for
/// non-files), bottom first.
fn layers(layout: &Path) -> Vec<BTreeMap<String, Vec<u8>>> {
    let index = json(&layout.join("index.json"));
    let manifest = json(&blob(
        layout,
        index["manifests"][0]["digest"].as_str().unwrap(),
    ));
    let mut out = Vec::new();
    for l in manifest["layers"].as_array().unwrap() {
        let data = decompress(&fs::read(blob(layout, l["digest"].as_str().unwrap())).unwrap());
        let mut files = BTreeMap::new();
        let mut ar = tar::Archive::new(data.as_slice());
        for e in ar.entries().unwrap() {
            let mut e = e.unwrap();
            let path = e.path().unwrap().to_string_lossy().into_owned();
            let mut content = Vec::new();
            e.read_to_end(&mut content).unwrap();
            files.insert(path.trim_end_matches('/').to_string(), content);
        }
        out.push(files);
    }
    out
}

/// The image's files: the layers applied in order (whiteouts are not needed here).
fn files(layout: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut all = BTreeMap::new();
    for l in layers(layout) {
        all.extend(l);
    }
    all
}

fn text(files: &BTreeMap<String, Vec<u8>>, path: &str) -> String {
    String::from_utf8_lossy(
        files
            .get(path)
            .unwrap_or_else(|| panic!("{path} is not in the image")),
    )
    .trim_end()
    .to_string()
}

/// Paths of the layers this build made (above busybox's).
fn own_paths(layout: &Path) -> Vec<String> {
    layers(layout)
        .into_iter()
        .skip(1)
        .flat_map(|l| l.into_keys())
        .collect()
}

#[test]
fn cache_mount_persists_across_builds_and_stays_out_of_layers() {
    let ctx = context(
        r#"FROM {REG}/library/busybox
RUN --mount=type=cache,target=/cache,id=counter sh -c 'c=$(cat /cache/n 2>/dev/null || echo 0); echo $((c+1)) > /cache/n; cp /cache/n /seen; echo junk > /cache/junk'
RUN --mount=type=cache,target=/var/cache/m,mode=0700,uid=1234,gid=2345 stat -c '%a %u %g' /var/cache/m > /modes
"#,
        &[],
    );
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let first = build_layout(ctx.path(), home.path(), work.path(), &[]);
    assert_eq!(text(&files(&first), "seen"), "1");
    assert_eq!(text(&files(&first), "modes"), "700 1234 2345");
    let second = build_layout(ctx.path(), home.path(), work.path(), &["--no-cache"]);
    assert_eq!(
        text(&files(&second), "seen"),
        "2",
        "the second build sees the first's file"
    );
    for layout in [&first, &second] {
        let own = own_paths(layout);
        assert!(
            own.iter()
                .all(|p| !p.starts_with("cache") && !p.starts_with("var/cache")),
            "cache contents or mount points in a layer: {own:?}"
        );
    }
    let mounts = home.path().join("mounts");
    assert_eq!(fs::read_to_string(mounts.join("counter/n")).unwrap(), "2\n");

    // `rbuild du` counts the cache mounts; `rbuild prune` removes them; the next build starts
    // from an empty cache again.
    let state = |sub: &str, extra: &[&str]| {
        let out = super::support::Rbuild::new(home.path())
            .arg(sub)
            .args(extra)
            .output();
        ok(&out);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let du: serde_json::Value = serde_json::from_str(&state("du", &["--format", "json"])).unwrap();
    assert_eq!(du["cache_mounts"]["count"], 2, "{du}");
    assert!(du["cache_mounts"]["bytes"].as_u64().unwrap() >= 7, "{du}");
    let kept = state("prune", &["--filter", "until=1h"]);
    assert!(mounts.join("counter/n").exists(), "just used: kept\n{kept}");
    let pruned = state("prune", &[]);
    assert!(pruned.contains("2 cache mounts"), "{pruned}");
    assert!(!mounts.join("counter").exists(), "{pruned}");
    let third = build_layout(ctx.path(), home.path(), work.path(), &["--no-cache"]);
    assert_eq!(
        text(&files(&third), "seen"),
        "1",
        "pruned: the cache starts over"
    );
}

#[test]
fn locked_cache_is_used_by_one_stage_at_a_time() {
    let ctx = context(
        r#"FROM {REG}/library/busybox AS a
RUN --mount=type=cache,target=/c,id=lk,sharing=locked sh -c 'echo start-a >> /c/log; sleep 1; echo end-a >> /c/log'

FROM {REG}/library/busybox AS b
RUN --mount=type=cache,target=/c,id=lk,sharing=locked sh -c 'echo start-b >> /c/log; sleep 1; echo end-b >> /c/log'

FROM {REG}/library/busybox
COPY --from=a /etc/passwd /a
COPY --from=b /etc/passwd /b
RUN --mount=type=cache,target=/c,id=lk,sharing=locked cp /c/log /log
"#,
        &[],
    );
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let layout = build_layout(ctx.path(), home.path(), work.path(), &[]);
    let log = text(&files(&layout), "log");
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 4, "{log}");
    assert!(
        (lines[0] == "start-a" && lines[1] == "end-a")
            || (lines[0] == "start-b" && lines[1] == "end-b"),
        "the stages ran inside the lock one after the other: {log}"
    );
}

/// Every file under `dir` whose bytes, or decompressed bytes, contain `needle`.
fn files_containing(dir: &Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let Ok(meta) = fs::symlink_metadata(&p) else {
                continue;
            };
            if meta.is_dir() {
                stack.push(p);
            } else if meta.is_file() {
                let bytes = fs::read(&p).unwrap_or_default();
                let mut views = vec![bytes.clone()];
                let mut gz = Vec::new();
                if flate2::read::GzDecoder::new(bytes.as_slice())
                    .read_to_end(&mut gz)
                    .is_ok()
                {
                    views.push(gz);
                }
                if let Ok(z) = zstd::decode_all(bytes.as_slice()) {
                    views.push(z);
                }
                if views.iter().any(|v| contains(v, needle)) {
                    found.push(p);
                }
            }
        }
    }
    found
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

#[test]
fn secrets_reach_the_step_and_nothing_else() {
    let file_secret = format!("file-secret-{}-Qx7", unique());
    let env_secret = format!("env-secret-{}-Zp3", unique());
    let ctx = context(
        r#"FROM {REG}/library/busybox
RUN --mount=type=secret,id=fsec sh -c 'sha256sum /run/secrets/fsec | cut -d" " -f1 > /f.sha; stat -c "%a %u" /run/secrets/fsec > /f.mode'
RUN --mount=type=secret,id=esec,env=ESEC sh -c 'printf %s "$ESEC" | sha256sum | cut -d" " -f1 > /e.sha; test ! -e /run/secrets/esec && echo no-file > /e.nofile'
RUN --mount=type=secret,id=esec,target=/tmp/es,mode=0440,uid=7 sh -c 'sha256sum /tmp/es | cut -d" " -f1 > /ef.sha; stat -c "%a %u" /tmp/es > /ef.mode'
RUN --mount=type=secret,id=absent echo optional secrets may be missing > /absent
"#,
        &[],
    );
    let work = tempfile::tempdir().unwrap();
    let secret_file = work.path().join("secret.txt");
    fs::write(&secret_file, &file_secret).unwrap();
    let home = tempfile::tempdir().unwrap();
    let layout = work.path().join("layout");
    let meta = work.path().join("meta.json");
    let fsec = format!("id=fsec,src={}", secret_file.display());
    let out_spec = format!("type=oci,dest={},tar=false", layout.display());
    let mut outputs = Vec::new();
    for progress in ["plain", "json"] {
        let out = build(
            ctx.path(),
            home.path(),
            &[
                "--no-cache",
                "--progress",
                progress,
                "--secret",
                &fsec,
                "--secret",
                "id=esec,env=RBUILD_TEST_SECRET",
                "--output",
                &out_spec,
                "--metadata-file",
                meta.to_str().unwrap(),
            ],
            &[("RBUILD_TEST_SECRET", &env_secret)],
        );
        ok(&out);
        outputs.push(out);
    }
    let f = files(&layout);
    assert_eq!(text(&f, "f.sha"), sha256_hex(file_secret.as_bytes()));
    assert_eq!(text(&f, "f.mode"), "400 0");
    assert_eq!(text(&f, "e.sha"), sha256_hex(env_secret.as_bytes()));
    assert_eq!(text(&f, "e.nofile"), "no-file");
    assert_eq!(text(&f, "ef.sha"), sha256_hex(env_secret.as_bytes()));
    assert_eq!(text(&f, "ef.mode"), "440 7");
    assert!(f.contains_key("absent"));
    let own = own_paths(&layout);
    assert!(
        own.iter()
            .all(|p| !p.starts_with("run") && !p.starts_with("tmp/es")),
        "secret mount points in a layer: {own:?}"
    );
    for secret in [&file_secret, &env_secret] {
        let needle = secret.as_bytes();
        for dir in [home.path(), layout.as_path()] {
            let found = files_containing(dir, needle);
            assert!(found.is_empty(), "the secret is in {found:?}");
        }
        assert!(!contains(&fs::read(&meta).unwrap(), needle));
        for out in &outputs {
            assert!(!contains(&out.stdout, needle), "the secret is on stdout");
            assert!(!contains(&out.stderr, needle), "the secret is on stderr");
        }
    }

    let missing = context(
        "FROM {REG}/library/busybox\nRUN --mount=type=secret,id=nope,required=true cat /run/secrets/nope\n",
        &[],
    );
    let out = build(missing.path(), home.path(), &[], &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Dockerfile:2") && err.contains("secret nope") && err.contains("required"),
        "{err}"
    );
}

/// A child process killed on drop.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn ssh_agent_socket_is_forwarded() {
    let work = tempfile::tempdir().unwrap();
    let sock = work.path().join("agent.sock");
    let agent = Child(
        Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&sock)
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("ssh-agent (apt-get install openssh-client)"),
    );
    for _ in 0..100 {
        if sock.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let ctx = context(
        r#"FROM {REG}/library/busybox
RUN --mount=type=ssh sh -c 'test -S "$SSH_AUTH_SOCK" && echo "$SSH_AUTH_SOCK" > /default'
RUN --mount=type=ssh,id=gh,target=/root/agent.sock,uid=5,mode=0660 sh -c 'test -S /root/agent.sock && stat -c "%a %u" /root/agent.sock > /gh'
RUN --mount=type=ssh,id=other echo skipped > /optional
"#,
        &[],
    );
    let home = tempfile::tempdir().unwrap();
    let layout = work.path().join("layout");
    let out_spec = format!("type=oci,dest={},tar=false", layout.display());
    let gh = format!("gh={}", sock.display());
    let out = build(
        ctx.path(),
        home.path(),
        &["--ssh", "default", "--ssh", &gh, "--output", &out_spec],
        &[("SSH_AUTH_SOCK", sock.to_str().unwrap())],
    );
    ok(&out);
    let f = files(&layout);
    assert_eq!(text(&f, "default"), "/run/buildkit/ssh_agent.0");
    assert_eq!(text(&f, "gh"), "660 5");
    assert!(f.contains_key("optional"));
    let own = own_paths(&layout);
    assert!(
        own.iter()
            .all(|p| !p.starts_with("run") && p != "root/agent.sock"),
        "ssh mount points in a layer: {own:?}"
    );
    let required = context(
        "FROM {REG}/library/busybox\nRUN --mount=type=ssh,id=nokey,required true\n",
        &[],
    );
    let out = build(required.path(), home.path(), &[], &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Dockerfile:2") && err.contains("nokey"),
        "{err}"
    );
    drop(agent);
}

#[test]
fn bind_and_tmpfs_mounts() {
    let ctx = context(
        r#"FROM {REG}/library/busybox AS src
RUN mkdir -p /out && echo fromstage > /out/s.txt

FROM {REG}/library/busybox
RUN --mount=target=/ctx sh -c 'cat /ctx/a.txt > /a; test ! -e /ctx/hidden.txt && echo hidden > /ignored; if touch /ctx/new 2>/dev/null; then echo writable; else echo readonly; fi > /ro'
RUN --mount=type=bind,from=src,source=/out,target=/mnt cat /mnt/s.txt > /s
RUN --mount=type=bind,source=dir,target=/d,rw sh -c 'echo changed > /d/b.txt && cat /d/b.txt > /rw'
RUN --mount=type=bind,source=dir,target=/d2 cat /d2/b.txt > /d2seen
RUN --mount=type=bind,source=a.txt,target=/one.txt,rw sh -c 'echo more >> /one.txt && wc -l < /one.txt > /onelines'
RUN --mount=type=cache,id=seeded,target=/seed,from=src,source=/out cat /seed/s.txt > /seeded
RUN --mount=type=tmpfs,target=/scratch sh -c 'test -z "$(ls -A /scratch)" && echo empty > /tmpfs.empty; echo x > /scratch/y && cat /scratch/y > /tmpfs.wrote'
"#,
        &[
            ("a.txt", "from the context\n"),
            ("hidden.txt", "ignored\n"),
            ("dir/b.txt", "original\n"),
            (".dockerignore", "hidden.txt\n"),
        ],
    );
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let layout = build_layout(ctx.path(), home.path(), work.path(), &[]);
    let f = files(&layout);
    assert_eq!(text(&f, "a"), "from the context");
    assert_eq!(
        text(&f, "ignored"),
        "hidden",
        ".dockerignore'd files are not visible"
    );
    assert_eq!(text(&f, "ro"), "readonly");
    assert_eq!(text(&f, "s"), "fromstage");
    assert_eq!(text(&f, "rw"), "changed");
    assert_eq!(
        text(&f, "d2seen"),
        "original",
        "a rw bind's writes are thrown away"
    );
    assert_eq!(
        fs::read_to_string(ctx.path().join("dir/b.txt")).unwrap(),
        "original\n"
    );
    assert_eq!(text(&f, "onelines"), "2");
    assert_eq!(
        fs::read_to_string(ctx.path().join("a.txt")).unwrap(),
        "from the context\n",
        "a rw bind of a context file never writes the context"
    );
    assert_eq!(
        text(&f, "seeded"),
        "fromstage",
        "a cache mount starts with its from= content"
    );
    assert_eq!(text(&f, "tmpfs.empty"), "empty");
    assert_eq!(text(&f, "tmpfs.wrote"), "x");
    let own = own_paths(&layout);
    for p in &own {
        assert!(
            !["ctx", "mnt", "d", "d2", "scratch", "one.txt", "seed"]
                .iter()
                .any(|m| p == m || p.starts_with(&format!("{m}/"))),
            "mount contents or points in a layer: {own:?}"
        );
    }
}

#[test]
fn run_heredocs_as_buildkit_runs_them() {
    let ctx = context(
        r#"FROM {REG}/library/busybox
RUN <<EOF
echo one > /h1
echo two >> /h1
EOF
RUN <<EOF
#!/bin/sh
echo "shebang $0" > /h2
EOF
RUN cat <<EOF > /h3
hello heredoc
EOF
RUN cat <<A > /h4a && cat <<B > /h4b
first
A
second
B
RUN sh <<EOF
echo "from stdin" > /h5
EOF
"#,
        &[],
    );
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let layout = build_layout(ctx.path(), home.path(), work.path(), &[]);
    let f = files(&layout);
    assert_eq!(text(&f, "h1"), "one\ntwo");
    assert_eq!(text(&f, "h2"), "shebang /dev/pipes/EOF");
    assert_eq!(text(&f, "h3"), "hello heredoc");
    assert_eq!(text(&f, "h4a"), "first");
    assert_eq!(text(&f, "h4b"), "second");
    assert_eq!(text(&f, "h5"), "from stdin");
    assert!(own_paths(&layout).iter().all(|p| !p.starts_with("dev")));
}

#[test]
fn unknown_runtime_is_a_clear_error() {
    let ctx = context("FROM {REG}/library/busybox\nRUN true\n", &[]);
    let home = tempfile::tempdir().unwrap();
    let out = build(
        ctx.path(),
        home.path(),
        &["--runtime", "no-such-runtime"],
        &[],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no-such-runtime") && err.contains("apt-get install runc"),
        "{err}"
    );
}
