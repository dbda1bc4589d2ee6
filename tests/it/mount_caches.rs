//! Mount caches that travel: `RUN --mount=type=cache` directories exported with `--cache-to`
//! and restored on a fresh runner with `--cache-from`, through every backend; what an export
//! skips; and the faults a restore survives (a chunk gone or cut short, the backend down).

use std::fs;
use std::path::Path;

use super::remote_backends::{cache_server, gha_env, main_token, s3_spec};
use super::remote_cache::{Built, build};
use super::support::{Relay, context, registry};

/// A cache-filling step whose output says whether it had to "download": it fills `/cache`
/// only when `big` is not there yet. `src.txt` changes invalidate it.
pub(crate) const DOCKERFILE: &str = "\
FROM {REG}/library/busybox:latest
COPY src.txt /src.txt
RUN --mount=type=cache,target=/cache,sharing=locked \\
    if [ -f /cache/big ]; then echo REUSED; else seq 1 300000 > /cache/big; echo FETCHED; fi; \\
    cp /src.txt /cache/last; ls /cache > /seen.txt
";

/// The context of [`DOCKERFILE`] with `src.txt` holding `src`.
pub(crate) fn scenario(src: &str) -> tempfile::TempDir {
    context(DOCKERFILE, &[("src.txt", src)])
}

/// Whether the RUN step printed `word` (a line of its own, not the echoed command).
pub(crate) fn said(b: &Built, word: &str) -> bool {
    b.stderr
        .lines()
        .any(|l| l.starts_with('#') && l.ends_with(&format!(" {word}")))
}

/// The `rbuild.mount-caches` report of the `/cache` mount.
pub(crate) fn report(b: &Built) -> serde_json::Value {
    let all = &b.metadata["rbuild.mount-caches"];
    all.as_object()
        .and_then(|m| m.values().find(|r| r["id"] == "/cache"))
        .cloned()
        .unwrap_or_else(|| panic!("no /cache mount report in {all}\n{}", b.stderr))
}

/// Runner A exports, runner B (fresh state) with a changed source restores the cache: the
/// step runs and finds its files. Then an unchanged directory exports nothing.
pub(crate) fn travels(to: &str, from: &str, env: &[(&str, &str)]) {
    let ctx = scenario("one\n");
    let a = tempfile::tempdir().unwrap();
    let first = build(ctx.path(), a.path(), &["--cache-to", to], env);
    assert!(said(&first, "FETCHED"), "{}", first.stderr);
    let r = report(&first);
    assert!(r["chunks_uploaded"].as_u64().unwrap() >= 1, "{r}");
    assert_eq!(r["restored"], false);

    fs::write(ctx.path().join("src.txt"), "two\n").unwrap();
    let b = tempfile::tempdir().unwrap();
    let second = build(
        ctx.path(),
        b.path(),
        &["--cache-from", from, "--cache-to", to],
        env,
    );
    assert!(
        said(&second, "REUSED") && !said(&second, "FETCHED"),
        "runner B had to fetch again:\n{}",
        second.stderr
    );
    let r = report(&second);
    assert_eq!(r["restored"], true, "{r}");
    assert!(r["bytes_downloaded"].as_u64().unwrap() > 0, "{r}");
    // `last` changed: one small chunk at most is new, the big file's chunks are reused.
    assert!(r["chunks_reused"].as_u64().unwrap() >= 1, "{r}");
    assert!(r["chunks_uploaded"].as_u64().unwrap() <= 2, "{r}");
    let cache = mount_dir(b.path());
    assert_eq!(fs::read_to_string(cache.join("last")).unwrap(), "two\n");
    assert_eq!(fs::metadata(cache.join("big")).unwrap().len(), 1_988_895);

    // A fully cached build on a third runner restores nothing: no step runs.
    let c = tempfile::tempdir().unwrap();
    let third = build(ctx.path(), c.path(), &["--cache-from", from], env);
    assert!(third.ran().is_empty(), "{:?}", third.steps);
    assert_eq!(
        third.metadata["rbuild.mount-caches"],
        serde_json::json!({}),
        "{}",
        third.stderr
    );
    assert!(
        !c.path().join("mounts").exists()
            || fs::read_dir(c.path().join("mounts"))
                .unwrap()
                .next()
                .is_none()
    );
}

/// The one cache directory under `home`'s state.
pub(crate) fn mount_dir(home: &Path) -> std::path::PathBuf {
    let mounts = home.join("mounts");
    fs::read_dir(&mounts)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.is_dir() && !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .unwrap_or_else(|| panic!("no cache directory in {}", mounts.display()))
}

#[test]
fn local_mount_cache_travels() {
    let dir = tempfile::tempdir().unwrap();
    let spec = format!("type=local,dest={}", dir.path().display());
    let from = format!("type=local,src={}", dir.path().display());
    travels(&format!("{spec},mode=max"), &from, &[]);
}

/// A Debian package repository on loopback (no outside network): one package,
/// `rbuild-fixture`, whose .deb holds 3 MB of data, served by `python3 -m http.server`, which
/// logs every request (so a test sees whether apt downloaded the .deb).
pub(crate) struct AptRepo {
    /// `127.0.0.1:<port>`.
    pub addr: String,
    dir: tempfile::TempDir,
    server: std::process::Child,
}

impl AptRepo {
    /// Builds the package with `dpkg-deb`, writes `Packages` and `Release`, starts the server.
    pub(crate) fn start() -> Self {
        use sha2::{Digest as _, Sha256};
        let dir = tempfile::tempdir().unwrap();
        let pkg = dir.path().join("pkg");
        fs::create_dir_all(pkg.join("DEBIAN")).unwrap();
        fs::create_dir_all(pkg.join("usr/share/rbuild-fixture")).unwrap();
        fs::write(
            pkg.join("DEBIAN/control"),
            "Package: rbuild-fixture\nVersion: 1.0\nArchitecture: all\n\
             Maintainer: rbuild tests <tests@rbuild.invalid>\n\
             Description: a package for rbuild's mount-cache tests\n",
        )
        .unwrap();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let data: Vec<u8> = (0..3_000_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        fs::write(pkg.join("usr/share/rbuild-fixture/data"), data).unwrap();
        let repo = dir.path().join("repo");
        fs::create_dir(&repo).unwrap();
        let deb = repo.join("rbuild-fixture_1.0_all.deb");
        let made = std::process::Command::new("dpkg-deb")
            .args(["--root-owner-group", "-Zxz", "--build"])
            .arg(&pkg)
            .arg(&deb)
            .output()
            .unwrap();
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
        let bytes = fs::read(&deb).unwrap();
        let packages = format!(
            "Package: rbuild-fixture\nVersion: 1.0\nArchitecture: all\n\
             Maintainer: rbuild tests <tests@rbuild.invalid>\n\
             Filename: ./rbuild-fixture_1.0_all.deb\nSize: {}\nSHA256: {}\n\
             Description: a package for rbuild's mount-cache tests\n\n",
            bytes.len(),
            hex::encode(Sha256::digest(&bytes))
        );
        fs::write(repo.join("Packages"), &packages).unwrap();
        fs::write(
            repo.join("Release"),
            format!(
                "Origin: rbuild-tests\nLabel: rbuild-tests\nSuite: stable\nCodename: fixture\n\
                 Date: Wed, 25 Nov 2026 00:00:00 UTC\nArchitectures: amd64 all\nSHA256:\n {} {} Packages\n",
                hex::encode(Sha256::digest(packages.as_bytes())),
                packages.len()
            ),
        )
        .unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = fs::File::create(dir.path().join("access.log")).unwrap();
        let server = std::process::Command::new("python3")
            .args([
                "-m",
                "http.server",
                "--bind",
                "127.0.0.1",
                &port.to_string(),
            ])
            .current_dir(&repo)
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let addr = format!("127.0.0.1:{port}");
        for _ in 0..200 {
            if std::net::TcpStream::connect(&addr).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
        Self { addr, dir, server }
    }

    /// How many times the .deb was downloaded so far.
    pub(crate) fn deb_downloads(&self) -> usize {
        fs::read_to_string(self.dir.path().join("access.log"))
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("\"GET ") && l.contains("rbuild-fixture_1.0_all.deb"))
            .count()
    }
}

impl Drop for AptRepo {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}

/// The Dockerfile: apt with its archive cache and lists in cache mounts, from the
/// Debian base, installing from the loopback repository at `{APT}`.
const APT_DOCKERFILE: &str = "\
FROM {REG}/library/debian:bookworm-slim
RUN rm -f /etc/apt/apt.conf.d/docker-clean /etc/apt/sources.list.d/* /etc/apt/sources.list; \\
    echo 'Binary::apt::APT::Keep-Downloaded-Packages \"true\";' > /etc/apt/apt.conf.d/keep-cache; \\
    echo 'deb [trusted=yes] http://{APT}/ ./' > /etc/apt/sources.list.d/fixture.list
COPY app.txt /app.txt
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\
    --mount=type=cache,target=/var/lib/apt/lists,sharing=locked \\
    apt-get update && apt-get install -y --no-install-recommends rbuild-fixture && \\
    test -s /usr/share/rbuild-fixture/data && cat /app.txt
";

/// Runner A builds with `--cache-to`; runner B starts empty, with `app.txt` changed (the apt
/// step's stage must run) and `--cache-from`: apt downloads no archive.
pub(crate) fn apt_downloads_nothing(to: &str, from: &str, env: &[(&str, &str)]) {
    let repo = AptRepo::start();
    let dockerfile = APT_DOCKERFILE.replace("{APT}", &repo.addr);
    let ctx = context(&dockerfile, &[("app.txt", "v1\n")]);
    let a = tempfile::tempdir().unwrap();
    let first = build(ctx.path(), a.path(), &["--cache-to", to], env);
    assert_eq!(repo.deb_downloads(), 1, "runner A downloads the package");
    assert!(
        first.stderr.contains("Get:") && first.stderr.contains("rbuild-fixture"),
        "{}",
        first.stderr
    );
    let reports = &first.metadata["rbuild.mount-caches"];
    assert_eq!(reports.as_object().map(|m| m.len()), Some(2), "{reports}");

    fs::write(ctx.path().join("app.txt"), "v2\n").unwrap();
    let b = tempfile::tempdir().unwrap();
    let second = build(ctx.path(), b.path(), &["--cache-from", from], env);
    assert_eq!(
        repo.deb_downloads(),
        1,
        "runner B downloaded the package again:\n{}",
        second.stderr
    );
    assert!(
        second.stderr.contains("Need to get 0 B/"),
        "apt fetched archives on runner B:\n{}",
        second.stderr
    );
    assert!(
        second.ran().iter().any(|s| s.contains("apt-get update")),
        "the apt step ran: {:?}",
        second.steps
    );
    let reports = second.metadata["rbuild.mount-caches"]
        .as_object()
        .unwrap()
        .clone();
    for (key, r) in &reports {
        assert_eq!(r["restored"], true, "{key}: {r}");
    }
}

#[test]
fn apt_downloads_nothing_on_a_fresh_runner_with_a_local_cache() {
    let dir = tempfile::tempdir().unwrap();
    apt_downloads_nothing(
        &format!("type=local,dest={},mode=max", dir.path().display()),
        &format!("type=local,src={}", dir.path().display()),
        &[],
    );
}

#[test]
fn apt_downloads_nothing_on_a_fresh_runner_with_a_registry_cache() {
    let reference = format!("{}/rbuild-test/apt-{}", registry(), std::process::id());
    apt_downloads_nothing(
        &format!("type=registry,ref={reference},mode=max"),
        &format!("type=registry,ref={reference}"),
        &[],
    );
}

#[test]
fn apt_downloads_nothing_on_a_fresh_runner_with_an_s3_cache() {
    let spec = s3_spec("rbuild-apt");
    apt_downloads_nothing(&format!("{spec},mode=max"), &spec, &[]);
}

#[test]
fn apt_downloads_nothing_on_a_fresh_runner_with_the_actions_cache() {
    let (_server, url, _) = cache_server();
    let token = main_token();
    apt_downloads_nothing("type=gha,mode=max", "type=gha", &gha_env(&url, &token));
}

#[test]
fn apt_downloads_nothing_on_a_fresh_runner_with_the_cache_server() {
    let (_server, _, addr) = cache_server();
    let reference = format!("{addr}/proj/{{scope}}");
    apt_downloads_nothing(
        &format!("type=registry,ref={reference},mode=max"),
        &format!("type=registry,ref={reference}"),
        &[],
    );
}

/// The chunk blobs of the `/cache` mount's manifest in a `type=local` cache directory.
fn local_chunks(dir: &Path) -> Vec<std::path::PathBuf> {
    let blob = |digest: &str| {
        dir.join("blobs/sha256")
            .join(digest.trim_start_matches("sha256:"))
    };
    let index: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("index.json")).unwrap()).unwrap();
    let entry = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| {
            m["annotations"]["org.opencontainers.image.ref.name"]
                .as_str()
                .is_some_and(|n| n.contains("/mount/"))
        })
        .expect("a mount-cache entry in index.json");
    assert_eq!(
        entry["artifactType"],
        "application/vnd.rbuild.mount-cache.v1"
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(blob(entry["digest"].as_str().unwrap())).unwrap())
            .unwrap();
    manifest["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| blob(l["digest"].as_str().unwrap()))
        .collect()
}

/// Runner B's build after `damage` broke the cache: it succeeds, its step starts from an empty
/// cache (it "fetches"), the report says why, and the image is the one a build without any
/// cache makes.
fn survives(damage: impl FnOnce(&Path) -> (String, Option<Relay>)) {
    let epoch = [("SOURCE_DATE_EPOCH", "1700000000")];
    let dir = tempfile::tempdir().unwrap();
    let ctx = scenario("one\n");
    let a = tempfile::tempdir().unwrap();
    let to = format!("type=local,dest={},mode=max", dir.path().display());
    build(ctx.path(), a.path(), &["--cache-to", &to], &epoch);
    let (from, _proxy) = damage(dir.path());
    fs::write(ctx.path().join("src.txt"), "two\n").unwrap();
    let b = tempfile::tempdir().unwrap();
    let second = build(ctx.path(), b.path(), &["--cache-from", &from], &epoch);
    assert!(said(&second, "FETCHED"), "{}", second.stderr);
    let r = report(&second);
    assert_eq!(r["restored"], false, "{r}");
    assert!(r["restore_error"].is_string(), "{r}");
    assert!(
        second.stderr.contains("starting empty"),
        "{}",
        second.stderr
    );
    let clean = tempfile::tempdir().unwrap();
    let reference = build(ctx.path(), clean.path(), &[], &epoch);
    assert_eq!(second.digest(), reference.digest(), "a correct image");
}

#[test]
fn a_chunk_deleted_from_the_backend_restores_an_empty_cache() {
    survives(|dir| {
        let chunks = local_chunks(dir);
        fs::remove_file(&chunks[chunks.len() / 2]).unwrap();
        (format!("type=local,src={}", dir.display()), None)
    });
}

#[test]
fn a_truncated_chunk_restores_an_empty_cache() {
    survives(|dir| {
        let chunks = local_chunks(dir);
        let victim = &chunks[0];
        let bytes = fs::read(victim).unwrap();
        fs::write(victim, &bytes[..bytes.len() / 2]).unwrap();
        (format!("type=local,src={}", dir.display()), None)
    });
}

#[test]
fn a_backend_down_during_the_restore_restores_an_empty_cache() {
    survives(|_| {
        // The same cache, in a registry reached through a proxy that dies once the step
        // records and the mount manifest are through, in the middle of the chunks.
        let repo = format!("rbuild-test/mc-down-{}", std::process::id());
        let ctx = scenario("one\n");
        let a = tempfile::tempdir().unwrap();
        let to = format!("type=registry,ref={}/{repo},mode=max", registry());
        build(
            ctx.path(),
            a.path(),
            &["--cache-to", &to],
            &[("SOURCE_DATE_EPOCH", "1700000000")],
        );
        let proxy = Relay::dying(registry(), 24 * 1024);
        (
            format!("type=registry,ref={}/{repo}", proxy.addr),
            Some(proxy),
        )
    });
}

#[test]
fn mount_caches_false_keeps_them_home() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = scenario("one\n");
    let a = tempfile::tempdir().unwrap();
    let to = format!(
        "type=local,dest={},mode=max,mount-caches=false",
        dir.path().display()
    );
    let first = build(ctx.path(), a.path(), &["--cache-to", &to], &[]);
    assert!(
        first.metadata.get("rbuild.mount-caches").is_none(),
        "{}",
        first.metadata
    );
    let index = fs::read_to_string(dir.path().join("index.json")).unwrap();
    assert!(!index.contains("/mount/"), "{index}");
}

#[test]
fn a_size_bound_leaves_the_largest_least_recent_files_out_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = scenario("one\n");
    let a = tempfile::tempdir().unwrap();
    let to = format!("type=local,dest={},mode=max", dir.path().display());
    let first = build(
        ctx.path(),
        a.path(),
        &["--cache-to", &to, "--mount-cache-max-size", "1kB"],
        &[],
    );
    let r = report(&first);
    assert_eq!(r["dropped_files"], 1, "{r}");
    assert_eq!(r["dropped_bytes"], 1_988_895, "{r}");
    assert!(
        first.stderr.contains("left out by --mount-cache-max-size"),
        "{}",
        first.stderr
    );
    // Runner B gets the small file only: its step fetches `big` again.
    fs::write(ctx.path().join("src.txt"), "two\n").unwrap();
    let b = tempfile::tempdir().unwrap();
    let from = format!("type=local,src={}", dir.path().display());
    let second = build(ctx.path(), b.path(), &["--cache-from", &from], &[]);
    assert_eq!(report(&second)["restored"], true);
    assert!(said(&second, "FETCHED"), "{}", second.stderr);
}

#[test]
fn prune_mount_caches_removes_only_them_and_du_lists_them() {
    let ctx = scenario("one\n");
    let home = tempfile::tempdir().unwrap();
    build(ctx.path(), home.path(), &[], &[]);
    let home_dir = home.path().to_str().unwrap().to_string();
    let rbuild =
        |args: &[&str]| super::support::rbuild_ok(args, &[("RBUILD_HOME", home_dir.as_str())], &[]);
    let du = rbuild(&["du"]);
    assert!(du.contains("CACHE MOUNT") && du.contains("cache-"), "{du}");
    let records_before = rbuild(&["du", "--format", "json"]);
    let pruned = rbuild(&["prune", "--mount-caches"]);
    assert!(pruned.contains("cache mount"), "{pruned}");
    let du = rbuild(&["du", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&du).unwrap();
    let before: serde_json::Value = serde_json::from_str(&records_before).unwrap();
    assert_eq!(doc["cache_mounts"]["count"], 0, "{doc}");
    assert_eq!(doc["records"], before["records"], "records are kept");
}

#[test]
fn two_runners_exporting_one_id_at_once_leave_a_valid_manifest() {
    let reference = format!("{}/rbuild-test/mc-race-{}", registry(), std::process::id());
    let to = format!("type=registry,ref={reference},mode=max");
    let from = format!("type=registry,ref={reference}");
    let runners: Vec<_> = ["one\n", "two\n"]
        .into_iter()
        .map(|src| {
            let to = to.clone();
            std::thread::spawn(move || {
                let ctx = scenario(src);
                let home = tempfile::tempdir().unwrap();
                build(ctx.path(), home.path(), &["--cache-to", &to], &[]);
            })
        })
        .collect();
    for r in runners {
        r.join().unwrap();
    }
    // The last writer won; its manifest and every chunk it names are there.
    let ctx = scenario("three\n");
    let c = tempfile::tempdir().unwrap();
    let third = build(ctx.path(), c.path(), &["--cache-from", &from], &[]);
    assert_eq!(report(&third)["restored"], true, "{}", third.stderr);
    assert!(said(&third, "REUSED"), "{}", third.stderr);
}
