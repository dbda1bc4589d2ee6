//! Lower layers made present for a step: streamed from the registry into their snapshots, all
//! at once, and what a crash leaves behind (store::durability): a build killed (SIGKILL) in the
//! middle of materializing never leaves a snapshot the next build trusts, and a snapshot
//! published during an earlier boot and never synced is unpacked again. Layers of stages only
//! caches hold are zstd, and gzip again once they make an image. The layers a cache names are
//! made present before the step that needs them asks (build::early).

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::support::{Relay, context, oci_layers, rbuild_build, registry};

/// Runs `rbuild build ARGS CTX` on the state dir `home` with `env`; its stderr (fails the test
/// with it unless the build succeeds).
fn build_ok(ctx: &Path, home: &Path, args: &[&str], env: &[(&str, &str)]) -> String {
    let out = rbuild_build(ctx, home, args)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    stderr
}

/// A base image of three layers of incompressible random data (`/a`, `/b`, `/c`, 6 MiB each),
/// each with its sha256 beside it (`/sums`), pushed as `{REG}/<name>:1`.
fn push_base(name: &str) {
    let ctx = context(
        "FROM {REG}/library/busybox:latest\n\
         RUN head -c 6291456 /dev/urandom > /a\n\
         RUN head -c 6291456 /dev/urandom > /b\n\
         RUN head -c 6291456 /dev/urandom > /c && sha256sum /a /b /c > /sums\n",
        &[],
    );
    let home = tempfile::tempdir().unwrap();
    let image = format!("{}/{name}:1", registry());
    build_ok(ctx.path(), home.path(), &["-t", &image, "--push"], &[]);
}

/// Snapshot dirs being unpacked in `home`'s `tmp/` that already hold a file.
fn unpacking(home: &Path) -> bool {
    let Ok(entries) = fs::read_dir(home.join("tmp")) else {
        return false;
    };
    entries.flatten().any(|e| {
        e.file_name().to_string_lossy().ends_with("-snapshot")
            && fs::read_dir(e.path()).is_ok_and(|mut d| d.next().is_some())
    })
}

/// `rbuild.materialize` of a metadata file: layers made present, summed over stages.
fn layers_made(meta: &Path) -> u64 {
    let doc: serde_json::Value = serde_json::from_slice(&fs::read(meta).unwrap()).unwrap();
    doc["rbuild.materialize"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["layers"].as_u64().unwrap())
        .sum()
}

#[test]
fn a_build_killed_while_materializing_leaves_nothing_the_next_build_trusts() {
    let name = format!("materialize-crash-{}", std::process::id());
    push_base(&name);
    // 18 MiB through a relay of 2 MiB/s per connection: several seconds of streaming to kill.
    let relay = Relay::slow(registry(), 2 << 20);
    let dockerfile = format!(
        "FROM {}/{name}:1\nRUN sha256sum -c /sums && echo {{STEP}} > /ok\n",
        relay.addr
    );
    let home = tempfile::tempdir().unwrap();
    let env = [("RBUILD_INSECURE_REGISTRIES", relay.addr.as_str())];

    let first = context(&dockerfile.replace("{STEP}", "first"), &[]);
    let mut child = rbuild_build(first.path(), home.path(), &[])
        .envs(env)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !unpacking(home.path()) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the build ended before it unpacked anything"
        );
        assert!(Instant::now() < deadline, "no snapshot was being unpacked");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        unpacking(home.path()),
        "the killed build's partial snapshot"
    );

    // The next build: the partial snapshot is a dead process's temp, never published; every
    // file the RUN step checks is whole.
    let second = context(&dockerfile.replace("{STEP}", "second"), &[]);
    let meta = home.path().join("meta.json");
    let meta_args = ["--metadata-file", meta.to_str().unwrap()];
    let stderr = build_ok(second.path(), home.path(), &meta_args, &env);
    assert!(
        stderr.contains("/a: OK") && stderr.contains("/c: OK"),
        "{stderr}"
    );
    assert!(!unpacking(home.path()), "the dead build's temp is gone");
    let snapshots: Vec<String> = fs::read_dir(home.path().join("snapshots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        snapshots.iter().all(|n| !n.ends_with(".unsynced")),
        "the build's end synced its snapshots: {snapshots:?}"
    );

    // A crash of the machine: the snapshots carry the marker of a boot that ended before they
    // were synced, and one lost the end of a file. The next build unpacks them again.
    let mut base_layers = 0;
    for n in snapshots.iter().filter(|n| n.len() == 64) {
        let dir = home.path().join("snapshots").join(n);
        for f in ["a", "b", "c"] {
            if dir.join(f).is_file() {
                fs::OpenOptions::new()
                    .write(true)
                    .open(dir.join(f))
                    .unwrap()
                    .set_len(100)
                    .unwrap();
                base_layers += 1;
            }
        }
        fs::write(
            home.path().join("snapshots").join(format!("{n}.unsynced")),
            "00000000-0000-0000-0000-000000000000",
        )
        .unwrap();
    }
    assert_eq!(base_layers, 3);
    let third = context(&dockerfile.replace("{STEP}", "third"), &[]);
    let stderr = build_ok(third.path(), home.path(), &meta_args, &env);
    assert!(stderr.contains("/b: OK"), "{stderr}");
    assert!(
        layers_made(&meta) >= 4,
        "busybox and the three layers again"
    );
}

#[test]
fn layers_stream_into_snapshots_without_keeping_blobs_no_output_needs() {
    let name = format!("materialize-stream-{}", std::process::id());
    push_base(&name);
    let ctx = context(
        &format!(
            "FROM {}/{name}:1\nRUN sha256sum -c /sums > /checked\n",
            registry()
        ),
        &[],
    );
    let home = tempfile::tempdir().unwrap();
    let meta = home.path().join("meta.json");
    // No output: the base layers' bytes are needed by nothing after their snapshots.
    build_ok(
        ctx.path(),
        home.path(),
        &["--metadata-file", meta.to_str().unwrap()],
        &[],
    );
    assert_eq!(layers_made(&meta), 4);
    let blobs = fs::read_dir(home.path().join("blobs/sha256"))
        .unwrap()
        .count();
    // The image's config and manifest, the step's layer, the base's config: no base layer.
    let sizes: Vec<u64> = fs::read_dir(home.path().join("blobs/sha256"))
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .collect();
    assert!(
        sizes.iter().all(|&n| n < 1 << 20),
        "no 6 MiB base layer kept: {blobs} blobs of {sizes:?}"
    );

    // An OCI layout needs every layer's bytes: they are kept while streaming.
    let home2 = tempfile::tempdir().unwrap();
    let dest = home2.path().join("out");
    let oci = format!("type=oci,dest={},tar=false", dest.display());
    build_ok(ctx.path(), home2.path(), &["-o", &oci], &[]);
    let big = fs::read_dir(home2.path().join("blobs/sha256"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().metadata().unwrap().len() > 6 << 20)
        .count();
    assert_eq!(big, 3, "the three random layers, kept");
    let status = Command::new("skopeo")
        .args(["inspect", &format!("oci:{}", dest.display())])
        .output()
        .unwrap();
    assert!(status.status.success());
}

#[test]
fn layers_of_cache_only_stages_are_lazy_zstd_when_exported_and_gzip_once_they_make_the_image() {
    let ctx = context(
        "FROM {REG}/library/busybox:latest AS deps\n\
         RUN echo deps > /deps\n\
         FROM {REG}/library/busybox:latest\n\
         COPY --from=deps /deps /deps\n\
         RUN echo app > /app\n",
        &[],
    );
    let home = tempfile::tempdir().unwrap();
    let gzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    let zstd_magic = [0x28, 0xb5, 0x2f, 0xfd];
    let blob_heads = |home: &Path| -> Vec<Vec<u8>> {
        fs::read_dir(home.join("blobs/sha256"))
            .unwrap()
            .map(|e| fs::read(e.unwrap().path()).unwrap()[..4].to_vec())
            .collect()
    };

    // The final image: `deps` is a stage only caches hold, its RUN layer is lazy (no blob
    // yet, rbuild::store::lazy), and zstd once a cache export makes it.
    let out = home.path().join("final");
    let spec = format!("type=oci,dest={},tar=false", out.display());
    build_ok(ctx.path(), home.path(), &["-o", &spec], &[]);
    let (layers, _) = oci_layers(&out);
    assert_eq!(layers.len(), 3);
    assert!(layers.iter().all(|(mt, _)| mt == gzip), "{layers:?}");
    let zstd_blobs = |home: &Path| {
        blob_heads(home)
            .iter()
            .filter(|h| **h == zstd_magic)
            .count()
    };
    assert_eq!(zstd_blobs(home.path()), 0, "the deps stage's layer is lazy");
    assert_eq!(fs::read_dir(home.path().join("lazy")).unwrap().count(), 1);
    let cache = home.path().join("cache-out");
    let to = format!("type=local,dest={},mode=max", cache.display());
    build_ok(ctx.path(), home.path(), &["--cache-to", &to], &[]);
    assert_eq!(zstd_blobs(home.path()), 1, "the deps stage's one layer");

    // `--target deps`: the same step, cached, now in the image: recompressed as gzip, the
    // diff_id unchanged.
    let out = home.path().join("deps");
    let spec = format!("type=oci,dest={},tar=false", out.display());
    let stderr = build_ok(
        ctx.path(),
        home.path(),
        &["--target", "deps", "-o", &spec],
        &[],
    );
    assert!(
        stderr
            .lines()
            .any(|l| l.contains("RUN echo deps") && l.contains("CACHED")),
        "{stderr}"
    );
    let (layers, diff_ids) = oci_layers(&out);
    assert_eq!(layers.len(), 2);
    assert!(layers.iter().all(|(mt, _)| mt == gzip), "{layers:?}");
    let top = &layers[1].1;
    let blob = fs::read(
        out.join("blobs/sha256")
            .join(top.trim_start_matches("sha256:")),
    )
    .unwrap();
    let mut tar = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&blob[..]), &mut tar).unwrap();
    let diff_id = format!("sha256:{}", {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(&tar))
    });
    assert_eq!(diff_id, diff_ids[1]);
}

#[test]
fn lower_layers_a_cache_names_are_made_present_before_the_step_that_needs_them_asks() {
    let name = format!("materialize-early-{}", std::process::id());
    push_base(&name);
    let cache = format!(
        "{}/materialize-early-cache-{}",
        registry(),
        std::process::id()
    );
    // On a fresh runner with the cache: `big` is all hits, `slow` misses (edit.txt changed)
    // and sleeps, the last stage's first miss (its COPY --from=slow) stands on big's 5 layers.
    let dockerfile = format!(
        "FROM {reg}/{name}:1 AS big\n\
         RUN echo cached > /cached\n\
         FROM {reg}/library/busybox:latest AS slow\n\
         COPY edit.txt /edit.txt\n\
         RUN sleep 2 && cp /edit.txt /slow.txt\n\
         FROM big\n\
         COPY --from=slow /slow.txt /slow.txt\n\
         RUN sha256sum -c /sums && cat /cached /slow.txt > /out\n",
        reg = registry()
    );
    let first = context(&dockerfile, &[("edit.txt", "one\n")]);
    let home = tempfile::tempdir().unwrap();
    let to = format!("type=registry,ref={cache},mode=max");
    build_ok(first.path(), home.path(), &["--cache-to", &to], &[]);

    let second = context(&dockerfile, &[("edit.txt", "two\n")]);
    let fresh = tempfile::tempdir().unwrap();
    let meta = fresh.path().join("meta.json");
    let from = format!("type=registry,ref={cache}");
    let stderr = build_ok(
        second.path(),
        fresh.path(),
        &[
            "--cache-from",
            &from,
            "--metadata-file",
            meta.to_str().unwrap(),
        ],
        &[],
    );
    let doc: serde_json::Value = serde_json::from_slice(&fs::read(&meta).unwrap()).unwrap();
    let stages = doc["rbuild.materialize"].as_array().unwrap();
    let of = |stage: &str, key: &str| {
        stages
            .iter()
            .find(|s| s["stage"] == stage)
            .map_or(0, |s| s[key].as_u64().unwrap())
    };
    // The last stage's COPY stands on big's 5 layers: busybox's (slow's COPY needed it first,
    // and counts it) and the 4 above it, made while slow ran. It also unpacks slow's own new
    // layers, which this build made.
    assert!(of("2", "early") >= 4, "{stderr}");
    assert!(of("2", "download_bytes") > 18 << 20, "{stderr}");
    assert!(stderr.contains(" started early)"), "{stderr}");
}

/// Every path under `root` with what a layer records of it: type, mode, owner, size and
/// content (or link target, or device number) and its xattrs but overlayfs' own (an opaque
/// directory's marker is kept: it is part of the layer).
fn describe(root: &Path) -> Vec<String> {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let mut children: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        children.sort();
        for path in children {
            let m = fs::symlink_metadata(&path).unwrap();
            let t = m.file_type();
            let what = if t.is_symlink() {
                format!("-> {}", fs::read_link(&path).unwrap().display())
            } else if t.is_file() {
                format!(
                    "{} bytes {:?}",
                    m.len(),
                    fs::read(&path)
                        .unwrap()
                        .iter()
                        .map(|b| u64::from(*b))
                        .sum::<u64>()
                )
            } else if t.is_char_device() || t.is_block_device() {
                format!("dev {}", m.rdev())
            } else {
                String::new()
            };
            let mut xattrs: Vec<String> = xattr::list(&path)
                .unwrap()
                .map(|k| k.to_string_lossy().into_owned())
                .filter(|k| !k.starts_with("trusted.overlay.") || k == "trusted.overlay.opaque")
                .map(|k| {
                    let v = xattr::get(&path, &k).unwrap().unwrap_or_default();
                    format!("{k}={}", String::from_utf8_lossy(&v))
                })
                .collect();
            xattrs.sort();
            out.push(format!(
                "{} {:o} {}:{} {what} [{}]",
                path.strip_prefix(root).unwrap().display(),
                m.mode(),
                m.uid(),
                m.gid(),
                xattrs.join(",")
            ));
            if t.is_dir() {
                walk(root, &path, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out
}

#[test]
fn a_run_steps_upper_dir_becomes_its_snapshot_equal_to_its_layer_unpacked() {
    // Files, a hard link, a symlink, a mode and an owner, a deleted file (whiteout), a replaced
    // directory (opaque).
    let ctx = context(
        "FROM {REG}/library/busybox:latest\n\
         RUN mkdir -p /d/e && echo one > /d/e/f && ln /d/e/f /d/hard && ln -s e/f /d/link \
             && chmod 0750 /d/e && chown 65534:65534 /d/e/f && rm /bin/yes \
             && rm -rf /var && mkdir /var && echo two > /var/z\n\
         COPY a /a\n",
        &[("a", "a\n")],
    );
    let home = tempfile::tempdir().unwrap();
    let meta = home.path().join("meta.json");
    let dest = home.path().join("out");
    let oci = format!("type=oci,dest={},tar=false", dest.display());
    let stderr = build_ok(
        ctx.path(),
        home.path(),
        &["-o", &oci, "--metadata-file", meta.to_str().unwrap()],
        &[],
    );
    // The COPY stood on busybox's layer (unpacked) and the RUN's upper dir (kept): one layer
    // made present, not two.
    assert_eq!(layers_made(&meta), 1, "{stderr}");

    let (layers, diff_ids) = oci_layers(&dest);
    assert_eq!(diff_ids.len(), 3);
    let digest = |s: &str| rbuild::digest::Digest::parse(s).unwrap();
    let base = digest(&diff_ids[0]);
    let run = rbuild::store::child_chain_id(&base, &digest(&diff_ids[1]));
    let kept = home.path().join("snapshots").join(run.hex());
    assert!(kept.is_dir(), "{}", kept.display());

    // The RUN's layer, unpacked into another store, is the same tree.
    let other = tempfile::tempdir().unwrap();
    let store = rbuild::store::Store::open(other.path()).unwrap();
    let blob = dest
        .join("blobs/sha256")
        .join(layers[1].1.trim_start_matches("sha256:"));
    let unpacked = store
        .unpack(
            &run,
            std::io::BufReader::new(fs::File::open(blob).unwrap()),
            rbuild::store::Compression::Auto,
            Some(&digest(&diff_ids[1])),
        )
        .unwrap();
    let (a, b) = (describe(&kept), describe(&unpacked));
    assert!(
        a.iter().any(|l| l.starts_with("bin/yes ")),
        "a whiteout: {a:#?}"
    );
    assert!(
        a.iter()
            .any(|l| l.starts_with("var ") && l.contains("trusted.overlay.opaque=y")),
        "an opaque directory: {a:#?}"
    );
    assert_eq!(a, b);
}
