//! Lazy layers (`rbuild::store::lazy`): a RUN layer of a stage no image holds is not compressed
//! when its step ends; its blob is made from its snapshot when a cache export or an image needs
//! it, with the diff_id the step recorded.

use std::fs;
use std::path::Path;

use super::support::{context, oci_layers, rbuild_build, unpack_layout};

/// A cache-only stage `tools` (a RUN making files, a link and a deletion) and a final stage
/// that copies one file from it.
const DOCKERFILE: &str = "\
FROM {REG}/library/busybox AS tools
RUN mkdir -p /big && seq 1 100000 > /big/a && ln -s a /big/l && rm /etc/group
FROM {REG}/library/busybox
COPY --from=tools /big/a /a
";

/// Runs `rbuild build ARGS CTX` with state `home`; its stderr (fails the test unless it
/// succeeds).
fn build(ctx: &Path, home: &Path, args: &[&str]) -> String {
    let mut all = vec!["--progress=plain"];
    all.extend_from_slice(args);
    let out = rbuild_build(ctx, home, &all).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    stderr
}

/// The lazy layers of state `home`: (digest hex, the snapshot chain id it is made from).
fn lazy(home: &Path) -> Vec<(String, String)> {
    match fs::read_dir(home.join("lazy")) {
        Ok(dir) => dir
            .map(|e| {
                let e = e.unwrap();
                let name = e.file_name().to_string_lossy().into_owned();
                (name, fs::read_to_string(e.path()).unwrap())
            })
            .collect(),
        Err(_) => Vec::new(),
    }
}

fn has_blob(home: &Path, hex: &str) -> bool {
    home.join("blobs/sha256").join(hex).exists()
}

fn cached(stderr: &str) -> usize {
    stderr.lines().filter(|l| l.ends_with(" CACHED")).count()
}

#[test]
fn a_cache_only_layer_is_made_only_when_an_export_or_an_image_needs_it() {
    let ctx = context(DOCKERFILE, &[]);
    let home = tempfile::tempdir().unwrap();
    build(ctx.path(), home.path(), &[]);
    let lazies = lazy(home.path());
    assert_eq!(lazies.len(), 1, "the tools stage's RUN: {lazies:?}");
    let (tar_hex, chain) = lazies[0].clone();
    assert!(!has_blob(home.path(), &tar_hex), "no blob was written");
    assert!(
        home.path()
            .join("snapshots")
            .join(chain.trim_start_matches("sha256:"))
            .join("big/a")
            .is_file()
    );
    assert_eq!(cached(&build(ctx.path(), home.path(), &[])), 2, "a rebuild");

    // An image holding the layer: its blob made from the snapshot, as gzip, same diff_id.
    let layout = tempfile::tempdir().unwrap();
    let dest = layout.path().join("oci");
    let out = format!("type=oci,dest={},tar=false,name=tools:v1", dest.display());
    let stderr = build(ctx.path(), home.path(), &["--target", "tools", "-o", &out]);
    assert_eq!(cached(&stderr), 1, "{stderr}");
    let (layers, diff_ids) = oci_layers(&dest);
    assert_eq!(diff_ids.last().unwrap(), &format!("sha256:{tar_hex}"));
    assert_eq!(
        layers.last().unwrap().0,
        "application/vnd.oci.image.layer.v1.tar+gzip"
    );
    let rootfs = unpack_layout(&dest, "v1", &layout.path().join("bundle"));
    assert_eq!(
        fs::read_to_string(rootfs.join("big/a"))
            .unwrap()
            .lines()
            .count(),
        100_000
    );
    assert_eq!(fs::read_link(rootfs.join("big/l")).unwrap(), Path::new("a"));
    assert!(!rootfs.join("etc/group").exists(), "the whiteout");

    // A mode=max export: the layer goes out as zstd, and the local record names that blob.
    let cache = tempfile::tempdir().unwrap();
    let to = format!("type=local,dest={},mode=max", cache.path().display());
    build(ctx.path(), home.path(), &["--cache-to", &to]);
    let exported = fs::read_to_string(cache.path().join("index.json")).unwrap();
    let blobs: Vec<String> = fs::read_dir(cache.path().join("blobs/sha256"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!blobs.contains(&tar_hex), "the plain tar was exported");
    let zstd_layers = blobs
        .iter()
        .filter(|b| {
            fs::read(cache.path().join("blobs/sha256").join(b))
                .is_ok_and(|bytes| bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]))
        })
        .count();
    assert_eq!(zstd_layers, 1, "{blobs:?}\n{exported}");

    // A fresh runner builds from it with every step cached.
    let fresh = tempfile::tempdir().unwrap();
    let from = format!("type=local,src={}", cache.path().display());
    let stderr = build(ctx.path(), fresh.path(), &["--cache-from", &from]);
    assert_eq!(cached(&stderr), 2, "{stderr}");
}

/// A snapshot changed behind rbuild's back no longer makes the recorded diff_id: the image
/// that needs the layer is refused with a message naming it, nothing wrong is written.
#[test]
fn a_lazy_layer_whose_snapshot_changed_is_refused() {
    let ctx = context(DOCKERFILE, &[]);
    let home = tempfile::tempdir().unwrap();
    build(ctx.path(), home.path(), &[]);
    let (_, chain) = lazy(home.path()).pop().expect("a lazy layer");
    let snapshot = home
        .path()
        .join("snapshots")
        .join(chain.trim_start_matches("sha256:"));
    fs::write(snapshot.join("big/a"), "planted\n").unwrap();
    let dest = tempfile::tempdir().unwrap();
    let out = format!(
        "type=oci,dest={},tar=false",
        dest.path().join("oci").display()
    );
    let result = rbuild_build(ctx.path(), home.path(), &["--target", "tools", "-o", &out])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(!result.status.success(), "{stderr}");
    assert!(
        stderr.contains("making its blob from its snapshot") && stderr.contains("diff_id"),
        "{stderr}"
    );
}
