//! `rbuild build` end to end against the test registry (`scripts/peers.sh`): a multi-stage
//! COPY-only Dockerfile built, pushed, read back by skopeo and unpacked by umoci; determinism
//! across state dirs; the per-step cache; outputs; errors with `FILE:LINE`.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use super::support::{Rbuild, registry, skopeo};

/// A unique repository name under `test/`.
fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "{}/test/{prefix}-{}-{nanos}",
        registry(),
        std::process::id()
    )
}

/// Runs `rbuild build` in `ctx` with the state dir `home`.
fn build(ctx: &Path, home: &Path, args: &[&str]) -> Output {
    Rbuild::build(home, ctx, args).output()
}

fn ok(out: Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "rbuild build failed:\n{stderr}");
    stderr
}

fn write(root: &Path, rel: &str, content: &str, mode: u32) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(&p, content).unwrap();
    fs::set_permissions(&p, fs::Permissions::from_mode(mode)).unwrap();
}

const MULTI: &str = r#"FROM {REG}/library/busybox AS base
WORKDIR /app
COPY --chmod=755 bin/tool /usr/local/bin/tool
COPY src/ ./src/
COPY --chown=1000:1000 data.txt /data/
COPY data.txt /tmp/cache/
COPY conf.ini /root/.config/app.ini

FROM scratch AS assets
ARG GREETING=hello
COPY assets /assets
COPY <<EOF /assets/generated.txt
${GREETING} world
EOF

FROM base
COPY --from=assets /assets /srv/assets
COPY --chown=nobody:nogroup conf.ini /etc/app/
ENV APP_ENV=prod PATH=/app/bin:$PATH
USER 1000:1000
EXPOSE 8080/tcp 53/udp
LABEL org.example.name="demo app" org.example.version=1
ENTRYPOINT ["/usr/local/bin/tool"]
CMD ["--help"]
"#;

/// A context for [`MULTI`].
fn multi_context() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("Dockerfile"), MULTI.replace("{REG}", &registry())).unwrap();
    write(root, "bin/tool", "#!/bin/sh\necho tool\n", 0o644);
    write(root, "src/main.c", "int main(){}\n", 0o600);
    write(root, "src/lib/util.c", "void util(){}\n", 0o644);
    symlink("main.c", root.join("src/link-to-main")).unwrap();
    write(root, "src/ignored.log", "noise\n", 0o644);
    write(root, "data.txt", "data\n", 0o644);
    write(root, "assets/logo.svg", "<svg/>\n", 0o644);
    write(root, "assets/css/site.css", "body{}\n", 0o640);
    write(root, "conf.ini", "[app]\n", 0o644);
    write(root, ".dockerignore", "**/*.log\n", 0o644);
    dir
}

fn skopeo_inspect(args: &[&str], image: &str) -> serde_json::Value {
    let image = format!("docker://{image}");
    let mut all = vec!["inspect", "--tls-verify=false"];
    all.extend_from_slice(args);
    all.push(&image);
    serde_json::from_slice(&skopeo(&all)).unwrap()
}

/// Copies `image` into an OCI layout with skopeo and unpacks it with umoci; returns the rootfs.
fn umoci_unpack(image: &str, work: &Path) -> PathBuf {
    let layout = work.join("layout");
    skopeo(&[
        "copy",
        "--src-tls-verify=false",
        &format!("docker://{image}"),
        &format!("oci:{}:img", layout.display()),
    ]);
    super::support::unpack_layout(&layout, "img", &work.join("bundle"))
}

fn mode_owner(p: &Path) -> (u32, u32, u32) {
    let m = fs::symlink_metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    (m.mode() & 0o7777, m.uid(), m.gid())
}

#[test]
fn multi_stage_copy_build_pushes_and_unpacks_as_expected() {
    let ctx = multi_context();
    let home = tempfile::tempdir().unwrap();
    let name = format!("{}:v1", unique("multi"));
    let meta = home.path().join("meta.json");
    ok(build(
        ctx.path(),
        home.path(),
        &[
            "-t",
            &name,
            "--push",
            "--metadata-file",
            meta.to_str().unwrap(),
        ],
    ));
    let meta: serde_json::Value = serde_json::from_slice(&fs::read(&meta).unwrap()).unwrap();
    let raw = skopeo_inspect(&[], &name);
    assert_eq!(raw["Digest"], meta["containerimage.digest"]);
    assert_eq!(meta["image.name"], name.as_str());

    let config = skopeo_inspect(&["--config"], &name);
    let c = &config["config"];
    assert_eq!(
        c["Env"],
        serde_json::json!([
            "PATH=/app/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "APP_ENV=prod"
        ])
    );
    assert_eq!(c["Entrypoint"], serde_json::json!(["/usr/local/bin/tool"]));
    assert_eq!(c["Cmd"], serde_json::json!(["--help"]));
    assert_eq!(c["WorkingDir"], "/app");
    assert_eq!(c["User"], "1000:1000");
    assert_eq!(
        c["ExposedPorts"],
        serde_json::json!({"53/udp": {}, "8080/tcp": {}})
    );
    assert_eq!(c["Labels"]["org.example.name"], "demo app");
    assert_eq!(c["Labels"]["org.example.version"], "1");
    let history = config["history"].as_array().unwrap();
    let layers = history
        .iter()
        .filter(|h| h["empty_layer"] != serde_json::json!(true))
        .count();
    assert_eq!(
        layers,
        config["rootfs"]["diff_ids"].as_array().unwrap().len(),
        "one non-empty history entry per layer"
    );

    let work = tempfile::tempdir().unwrap();
    let rootfs = umoci_unpack(&name, work.path());
    let read = |p: &str| fs::read_to_string(rootfs.join(p)).unwrap();
    assert_eq!(read("usr/local/bin/tool"), "#!/bin/sh\necho tool\n");
    assert_eq!(
        mode_owner(&rootfs.join("usr/local/bin/tool")),
        (0o755, 0, 0)
    );
    assert_eq!(read("app/src/main.c"), "int main(){}\n");
    assert_eq!(mode_owner(&rootfs.join("app/src/main.c")), (0o600, 0, 0));
    assert_eq!(read("app/src/lib/util.c"), "void util(){}\n");
    assert_eq!(
        fs::read_link(rootfs.join("app/src/link-to-main")).unwrap(),
        Path::new("main.c")
    );
    assert!(
        !rootfs.join("app/src/ignored.log").exists(),
        ".dockerignore applies"
    );
    assert_eq!(
        mode_owner(&rootfs.join("data/data.txt")),
        (0o644, 1000, 1000)
    );
    assert_eq!(read("srv/assets/logo.svg"), "<svg/>\n");
    assert_eq!(
        mode_owner(&rootfs.join("srv/assets/css/site.css")),
        (0o640, 0, 0)
    );
    assert_eq!(read("srv/assets/generated.txt"), "hello world\n");
    assert_eq!(
        mode_owner(&rootfs.join("etc/app/conf.ini")),
        (0o644, 65534, 65534),
        "--chown by name resolves through the image's /etc/passwd and /etc/group"
    );
    assert!(rootfs.join("app").is_dir(), "WORKDIR is created");
    // The base's files are there, and the directories a COPY wrote into keep their modes:
    // /tmp stays 1777 and /root 0700 (the layer carries them as the base has them).
    assert!(rootfs.join("bin/busybox").is_file());
    assert_eq!(mode_owner(&rootfs.join("tmp")), (0o1777, 0, 0));
    assert_eq!(mode_owner(&rootfs.join("root")), (0o700, 0, 0));
    assert_eq!(read("tmp/cache/data.txt"), "data\n");
    assert_eq!(read("root/.config/app.ini"), "[app]\n");
    assert_eq!(mode_owner(&rootfs.join("root/.config")), (0o755, 0, 0));
}

fn digest_of(meta: &Path) -> String {
    let v: serde_json::Value = serde_json::from_slice(&fs::read(meta).unwrap()).unwrap();
    v["containerimage.digest"].as_str().unwrap().to_string()
}

fn blob_names(home: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(home.join("blobs/sha256"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn the_same_build_in_two_fresh_state_dirs_gives_the_same_digest() {
    let ctx = multi_context();
    let mut digests = Vec::new();
    for _ in 0..2 {
        let home = tempfile::tempdir().unwrap();
        let meta = home.path().join("meta.json");
        ok(build(
            ctx.path(),
            home.path(),
            &[
                "--build-arg",
                "SOURCE_DATE_EPOCH=1700000000",
                "--metadata-file",
                meta.to_str().unwrap(),
            ],
        ));
        digests.push(digest_of(&meta));
    }
    assert_eq!(digests[0], digests[1]);
}

/// Lines of the plain progress that end a step: `(step name, cached)`.
fn step_lines(stderr: &str) -> Vec<(String, bool)> {
    let mut names = std::collections::BTreeMap::new();
    let mut out = Vec::new();
    for line in stderr.lines() {
        let Some(rest) = line.strip_prefix('#') else {
            continue;
        };
        let Some((id, text)) = rest.split_once(' ') else {
            continue;
        };
        if text.starts_with('[') {
            names.insert(id.to_string(), text.to_string());
        } else if text == "CACHED" || text.starts_with("DONE") {
            let name = names.get(id).cloned().unwrap_or_default();
            if !name.contains("] FROM ") {
                out.push((name, text == "CACHED"));
            }
        }
    }
    out
}

#[test]
fn a_rebuild_is_cached_writes_no_blob_and_a_change_reruns_only_its_dependents() {
    let ctx = multi_context();
    let home = tempfile::tempdir().unwrap();
    let meta = home.path().join("meta.json");
    let args = [
        "--build-arg",
        "SOURCE_DATE_EPOCH=1700000000",
        "--metadata-file",
        meta.to_str().unwrap(),
    ];
    let first = step_lines(&ok(build(ctx.path(), home.path(), &args)));
    assert!(first.iter().all(|(_, cached)| !cached), "{first:?}");
    let first_digest = digest_of(&meta);
    let blobs = blob_names(home.path());

    let second = step_lines(&ok(build(ctx.path(), home.path(), &args)));
    assert_eq!(second.len(), first.len());
    assert!(second.iter().all(|(_, cached)| *cached), "{second:?}");
    assert_eq!(digest_of(&meta), first_digest);
    assert_eq!(
        blob_names(home.path()),
        blobs,
        "a cached rebuild writes no blob"
    );

    // assets/ feeds the `assets` stage only: its steps and the final stage's steps from its
    // COPY --from on re-run; every step of the sibling stage `base` stays cached.
    write(ctx.path(), "assets/logo.svg", "<svg>changed</svg>\n", 0o644);
    let third = step_lines(&ok(build(ctx.path(), home.path(), &args)));
    let rerun: Vec<&str> = third
        .iter()
        .filter(|(_, cached)| !cached)
        .map(|(n, _)| n.as_str())
        .collect();
    assert!(
        third
            .iter()
            .filter(|(n, _)| n.starts_with("[base "))
            .all(|(_, c)| *c),
        "{third:?}"
    );
    assert_eq!(rerun.len(), 4, "{rerun:?}");
    assert!(rerun[0].contains("COPY assets /assets"), "{rerun:?}");
    assert!(
        rerun[2].contains("COPY --from=assets /assets /srv/assets"),
        "{rerun:?}"
    );
    assert_ne!(digest_of(&meta), first_digest);

    // --no-cache-filter reruns one stage only; --no-cache every step.
    let filtered = step_lines(&ok(build(
        ctx.path(),
        home.path(),
        &[&args[..], &["--no-cache-filter", "assets"]].concat(),
    )));
    let rerun: Vec<&str> = filtered
        .iter()
        .filter(|(_, cached)| !cached)
        .map(|(n, _)| n.as_str())
        .collect();
    assert!(rerun.iter().all(|n| n.starts_with("[assets ")), "{rerun:?}");
    assert_eq!(rerun.len(), 2);
    let none = step_lines(&ok(build(
        ctx.path(),
        home.path(),
        &[&args[..], &["--no-cache"]].concat(),
    )));
    assert!(none.iter().all(|(_, cached)| !cached), "{none:?}");
}

#[test]
fn oci_and_docker_outputs_are_readable_by_skopeo() {
    let ctx = multi_context();
    let home = tempfile::tempdir().unwrap();
    let oci = home.path().join("image-oci.tar");
    let docker = home.path().join("image-docker.tar");
    let iid = home.path().join("iid");
    ok(build(
        ctx.path(),
        home.path(),
        &[
            "-t",
            "example.com/demo:1",
            "--output",
            &format!("type=oci,dest={}", oci.display()),
            "--output",
            &format!("type=docker,dest={}", docker.display()),
            "--iidfile",
            iid.to_str().unwrap(),
        ],
    ));
    let iid = fs::read_to_string(&iid).unwrap();
    for src in [
        format!("oci-archive:{}", oci.display()),
        format!("docker-archive:{}", docker.display()),
    ] {
        let out = Command::new("skopeo")
            .args(["inspect", "--config", &src])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{src}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let config: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(config["config"]["WorkingDir"], "/app", "{src}");
        let raw = Command::new("skopeo")
            .args(["inspect", "--raw", "--config", &src])
            .output()
            .unwrap();
        use sha2::Digest as _;
        let digest = format!("sha256:{}", hex::encode(sha2::Sha256::digest(&raw.stdout)));
        assert_eq!(digest, iid, "--iidfile holds the config digest ({src})");
    }
}

#[test]
fn build_errors_name_the_dockerfile_line() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let cases = [
        (
            "FROM scratch\nCOPY missing.txt /x\n",
            "Dockerfile:2:",
            "missing.txt",
        ),
        (
            format!(
                "FROM {}/library/busybox\nRUN echo oops; exit 3\n",
                registry()
            )
            .leak() as &str,
            "Dockerfile:2:",
            "exited with code 3",
        ),
        (
            format!("FROM {}/library/no-such-image\n", registry()).leak() as &str,
            "Dockerfile:1:",
            "no-such-image",
        ),
    ];
    for (df, at, what) in cases {
        fs::write(dir.path().join("Dockerfile"), df).unwrap();
        let out = build(dir.path(), home.path(), &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{df}");
        assert!(
            stderr.contains(at) && stderr.contains(what),
            "{df}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// Serves `body` over HTTP on 127.0.0.1 for `requests` requests; returns the base URL.
fn serve(body: Vec<u8>, requests: usize) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests) {
            let mut stream = stream.unwrap();
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    format!("http://{addr}")
}

#[test]
fn add_extracts_local_archives_and_fetches_urls_checked_by_checksum() {
    let ctx = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    // A gzip'd tar with a file owned by 123:456 and a nested directory.
    let mut tar = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    let data = b"from the archive\n";
    h.set_size(data.len() as u64);
    h.set_mode(0o640);
    h.set_uid(123);
    h.set_gid(456);
    h.set_mtime(1_600_000_000);
    tar.append_data(&mut h, "pkg/inner/file.txt", &data[..])
        .unwrap();
    let tar = tar.into_inner().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &tar).unwrap();
    fs::write(ctx.path().join("bundle.tgz"), gz.finish().unwrap()).unwrap();

    let remote = b"remote content\n".to_vec();
    use sha2::Digest as _;
    let sum = format!("sha256:{}", hex::encode(sha2::Sha256::digest(&remote)));
    let base = serve(remote, 16);
    fs::write(
        ctx.path().join("Dockerfile"),
        format!(
            "FROM scratch\nADD bundle.tgz /opt/\nCOPY bundle.tgz /raw/\nADD --checksum={sum} {base}/files/remote.txt /dl/\n"
        ),
    )
    .unwrap();
    let out = home.path().join("layout");
    ok(build(
        ctx.path(),
        home.path(),
        &[
            "-t",
            "example.com/add:v1",
            "-o",
            &format!("type=oci,dest={},tar=false", out.display()),
        ],
    ));
    let bundle = home.path().join("bundle");
    super::support::unpack_layout(&out, "v1", &bundle);
    let rootfs = bundle.join("rootfs");
    assert_eq!(
        fs::read_to_string(rootfs.join("opt/pkg/inner/file.txt")).unwrap(),
        "from the archive\n"
    );
    assert_eq!(
        mode_owner(&rootfs.join("opt/pkg/inner/file.txt")),
        (0o640, 123, 456),
        "ADD keeps the archive's owners and modes"
    );
    assert!(
        rootfs.join("raw/bundle.tgz").is_file(),
        "COPY never extracts"
    );
    assert_eq!(
        fs::read_to_string(rootfs.join("dl/remote.txt")).unwrap(),
        "remote content\n"
    );
    assert_eq!(mode_owner(&rootfs.join("dl/remote.txt")).0, 0o600);

    // A wrong checksum fails the build, naming the line and both digests.
    let wrong = format!("sha256:{}", "0".repeat(64));
    fs::write(
        ctx.path().join("Dockerfile"),
        format!("FROM scratch\nADD --checksum={wrong} {base}/files/remote.txt /dl/\n"),
    )
    .unwrap();
    let res = build(ctx.path(), home.path(), &[]);
    let stderr = String::from_utf8_lossy(&res.stderr);
    assert!(!res.status.success());
    assert!(
        stderr.contains("Dockerfile:2:") && stderr.contains(&wrong) && stderr.contains(&sum),
        "{stderr}"
    );

    // Without --checksum the step is keyed by what the URL serves, fetched once per build (as
    // BuildKit's http source): the same content is CACHED with the steps after it, a change
    // misses them. The server is asked once per build, not again when the step runs.
    let (url, body, gets) = serve_mutable(b"version 1\n".to_vec());
    fs::write(
        ctx.path().join("Dockerfile"),
        format!("FROM scratch\nADD {url}/files/remote.txt /dl/\nCOPY bundle.tgz /after/\n"),
    )
    .unwrap();
    let first = step_lines(&ok(build(ctx.path(), home.path(), &[])));
    assert_eq!(first.len(), 2, "{first:?}");
    assert!(first.iter().all(|s| !s.1), "{first:?}");
    assert_eq!(
        gets.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "one GET per build"
    );
    let again = step_lines(&ok(build(ctx.path(), home.path(), &[])));
    assert!(
        again.iter().all(|s| s.1),
        "unchanged content: all CACHED {again:?}"
    );
    assert_eq!(
        gets.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "fetched to compare"
    );
    *body.lock().unwrap() = b"version 2\n".to_vec();
    let out = home.path().join("changed");
    let changed_log = ok(build(
        ctx.path(),
        home.path(),
        &[
            "-o",
            &format!("type=oci,dest={},tar=false", out.display()),
            "-t",
            "x:v2",
        ],
    ));
    assert!(
        changed_log.contains(&format!("source {url}/files/remote.txt changed: sha256:")),
        "the miss names the URL whose content changed:\n{changed_log}"
    );
    let changed = step_lines(&changed_log);
    assert!(
        changed.iter().all(|s| !s.1),
        "changed content: both steps ran {changed:?}"
    );
    assert_eq!(
        gets.load(std::sync::atomic::Ordering::SeqCst),
        3,
        "not fetched twice"
    );
    let bundle = home.path().join("bundle-v2");
    super::support::unpack_layout(&out, "v2", &bundle);
    assert_eq!(
        fs::read_to_string(bundle.join("rootfs/dl/remote.txt")).unwrap(),
        "version 2\n",
        "the image holds what the key was made from"
    );

    // A URL that cannot be fetched fails the build at its line.
    fs::write(
        ctx.path().join("Dockerfile"),
        format!("FROM scratch\n\nADD {url}/missing /dl/\n"),
    )
    .unwrap();
    *body.lock().unwrap() = Vec::new();
    let res = build(ctx.path(), home.path(), &[]);
    let stderr = String::from_utf8_lossy(&res.stderr);
    assert!(!res.status.success());
    assert!(
        stderr.contains("Dockerfile:3:") && stderr.contains("/missing") && stderr.contains("404"),
        "{stderr}"
    );
}

/// Serves the shared body to every GET on 127.0.0.1 (404 while it is empty) and counts the
/// requests; returns the base URL, the body and the count.
fn serve_mutable(
    body: Vec<u8>,
) -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let body = std::sync::Arc::new(std::sync::Mutex::new(body));
    let gets = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let (b, g) = (body.clone(), gets.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            g.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let body = b.lock().unwrap().clone();
            let status = if body.is_empty() {
                "404 Not Found"
            } else {
                "200 OK"
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    (format!("http://{addr}"), body, gets)
}

/// Writes a one-layer OCI layout holding `layer` (a plain tar) and pushes it to `image`.
fn push_raw_image(layer: &[u8], image: &str, work: &Path) {
    use sha2::Digest as _;
    let dir = work.join("hostile-layout");
    let blobs = dir.join("blobs/sha256");
    fs::create_dir_all(&blobs).unwrap();
    let put = |bytes: &[u8]| {
        let hex = hex::encode(sha2::Sha256::digest(bytes));
        fs::write(blobs.join(&hex), bytes).unwrap();
        (format!("sha256:{hex}"), bytes.len())
    };
    let (layer_digest, layer_size) = put(layer);
    let config = serde_json::json!({
        "architecture": "amd64", "os": "linux", "config": {},
        "rootfs": {"type": "layers", "diff_ids": [layer_digest]}
    });
    let (config_digest, config_size) = put(&serde_json::to_vec(&config).unwrap());
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": config_digest, "size": config_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                    "digest": layer_digest, "size": layer_size}]
    });
    let (m_digest, m_size) = put(&serde_json::to_vec(&manifest).unwrap());
    fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let index = serde_json::json!({
        "schemaVersion": 2,
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                       "digest": m_digest, "size": m_size,
                       "annotations": {"org.opencontainers.image.ref.name": "x"}}]
    });
    fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap()).unwrap();
    let out = Command::new("skopeo")
        .args(["copy", "--dest-tls-verify=false"])
        .arg(format!("oci:{}:x", dir.display()))
        .arg(format!("docker://{image}"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_hostile_base_image_cannot_write_outside_its_rootfs() {
    let work = tempfile::tempdir().unwrap();
    let outside = work.path().join("outside");
    fs::create_dir(&outside).unwrap();
    let ctx = tempfile::tempdir().unwrap();
    fs::write(ctx.path().join("x"), "x\n").unwrap();
    let home = tempfile::tempdir().unwrap();

    // 1. An absolute symlink to a host directory, then a file written through it.
    let mut t = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Symlink);
    h.set_size(0);
    h.set_mode(0o777);
    t.append_link(&mut h, "evil", &outside).unwrap();
    let mut h = tar::Header::new_gnu();
    h.set_size(6);
    h.set_mode(0o644);
    t.append_data(&mut h, "evil/pwned", &b"pwned\n"[..])
        .unwrap();
    let through_symlink = t.into_inner().unwrap();

    // 2. A `../` path (written raw: the tar crate refuses to build one).
    let mut h = tar::Header::new_gnu();
    h.set_size(6);
    h.set_mode(0o644);
    let name = b"../../../../../../tmp/rbuild-dotdot-pwned";
    h.as_old_mut().name[..name.len()].copy_from_slice(name);
    h.set_cksum();
    let mut dotdot = h.as_bytes().to_vec();
    dotdot.extend_from_slice(b"pwned\n");
    dotdot.resize(512 * 2, 0);
    dotdot.extend_from_slice(&[0u8; 1024]);

    for (case, layer) in [("symlink", through_symlink), ("dotdot", dotdot)] {
        let image = format!("{}:1", unique(&format!("hostile-{case}")));
        push_raw_image(&layer, &image, work.path());
        fs::write(
            ctx.path().join("Dockerfile"),
            format!("FROM {image}\nCOPY x /srv/x\n"),
        )
        .unwrap();
        let out = build(ctx.path(), home.path(), &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "{case}: the build must fail:\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(
            stderr.contains("evil") || stderr.contains(".."),
            "{case}: the error names the entry: {stderr}"
        );
        assert!(
            fs::read_dir(&outside).unwrap().next().is_none(),
            "{case}: nothing written outside"
        );
        assert!(!Path::new("/tmp/rbuild-dotdot-pwned").exists());
    }
}

#[test]
fn a_build_on_the_multi_layer_debian_image_mounts_its_layers_and_unpacks_with_umoci() {
    let debian = std::env::var("RBUILD_TEST_DEBIAN")
        .unwrap_or_else(|_| panic!("RBUILD_TEST_DEBIAN is not set: run scripts/test.sh"));
    let ctx = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    write(ctx.path(), "motd", "built on debian\n", 0o644);
    fs::write(
        ctx.path().join("Dockerfile"),
        format!(
            "FROM {debian}\nWORKDIR /opt/app\nCOPY --chown=daemon:daemon motd /etc/motd.d/rbuild\n"
        ),
    )
    .unwrap();
    let name = format!("{}:1", unique("on-debian"));
    let stderr = ok(build(ctx.path(), home.path(), &["-t", &name, "--push"]));
    // The three base layers were mounted from library/debian, not uploaded.
    assert!(stderr.contains("3 mounted"), "{stderr}");
    let raw = Command::new("skopeo")
        .args(["inspect", "--tls-verify=false", "--raw"])
        .arg(format!("docker://{name}"))
        .output()
        .unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(&raw.stdout).unwrap();
    let layers = manifest["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 5, "3 base layers, WORKDIR, COPY");
    for l in layers {
        assert_eq!(
            l["mediaType"], "application/vnd.oci.image.layer.v1.tar+gzip",
            "Docker layer media types become their OCI names in an OCI manifest"
        );
    }
    let work = tempfile::tempdir().unwrap();
    let rootfs = umoci_unpack(&name, work.path());
    assert!(rootfs.join("etc/debian_version").is_file());
    assert!(rootfs.join("usr/bin/bash").is_file() || rootfs.join("bin/bash").exists());
    assert_eq!(
        fs::read_to_string(rootfs.join("etc/motd.d/rbuild")).unwrap(),
        "built on debian\n"
    );
    // daemon is uid 1 / gid 1 in Debian's /etc/passwd and /etc/group.
    assert_eq!(mode_owner(&rootfs.join("etc/motd.d/rbuild")), (0o644, 1, 1));
    assert!(rootfs.join("opt/app").is_dir());
}

#[test]
fn run_steps_build_push_unpack_and_rebuild_cached() {
    let dir = tempfile::tempdir().unwrap();
    let df = format!(
        "FROM {}/library/busybox\n\
         ARG GREETING=hello\n\
         WORKDIR /work\n\
         RUN echo \"$GREETING\" > greeting && rm /bin/ls && rm -rf /var && mkdir /var\n\
         RUN [\"/bin/sh\", \"-c\", \"id -u > /work/uid\"]\n\
         USER nobody\n\
         RUN id -u > /tmp/nobody\n\
         RUN true\n",
        registry()
    );
    fs::write(dir.path().join("Dockerfile"), df).unwrap();
    let home = tempfile::tempdir().unwrap();
    let name = format!("{}:v1", unique("run"));
    let args = ["-t", name.as_str(), "--push"];
    let first = step_lines(&ok(build(dir.path(), home.path(), &args)));
    assert_eq!(first.len(), 5, "{first:?}");
    assert!(first.iter().all(|(_, cached)| !cached), "{first:?}");

    let config = skopeo_inspect(&["--config"], &name);
    let empty: Vec<bool> = config["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["empty_layer"] == serde_json::json!(true))
        .collect();
    // busybox's own layer, WORKDIR, three RUNs that change files, and `RUN true`'s empty
    // layer (BuildKit's: an empty tar, its diff_id that of 1024 zero bytes).
    let diff_ids = config["rootfs"]["diff_ids"].as_array().unwrap();
    assert_eq!(diff_ids.len(), 6);
    assert_eq!(
        diff_ids[5],
        "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"
    );
    assert_eq!(empty.last(), Some(&false), "{empty:?}");

    let work = tempfile::tempdir().unwrap();
    let rootfs = umoci_unpack(&name, work.path());
    let read = |p: &str| fs::read_to_string(rootfs.join(p)).unwrap();
    assert_eq!(read("work/greeting"), "hello\n");
    assert_eq!(read("work/uid"), "0\n");
    assert_eq!(read("tmp/nobody"), "65534\n");
    assert!(!rootfs.join("bin/ls").exists());
    assert!(rootfs.join("bin/sh").exists());
    assert_eq!(fs::read_dir(rootfs.join("var")).unwrap().count(), 0);
    // busybox has neither: no mount point residue.
    for p in ["etc/resolv.conf", "etc/hosts"] {
        assert!(!rootfs.join(p).exists(), "{p} leaked into the image");
    }

    let second = step_lines(&ok(build(dir.path(), home.path(), &args)));
    assert_eq!(second.len(), first.len());
    assert!(second.iter().all(|(_, cached)| *cached), "{second:?}");
}
