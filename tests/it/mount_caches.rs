//! Mount caches that travel: `RUN --mount=type=cache` directories exported with `--cache-to`
//! and restored on a fresh runner with `--cache-from`, through every backend; what an export
//! skips; and the faults a restore survives (a chunk gone or cut short, the backend down).

use std::fs;
use std::path::Path;

use super::remote_cache::{Built, build};
use super::support::context;

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
