//! Image outputs read back by real tools: skopeo reads the OCI layouts and the docker archive,
//! GNU tar lists and extracts the archives.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use rbuild::image::config::ImageConfig;
use rbuild::image::index::Built;
use rbuild::image::layer::{Compression, DirSource, LayerOptions, write_layer};
use rbuild::image::manifest::{BuiltImage, assemble};
use rbuild::output::{self, OutputSpec};
use rbuild::store::Store;
use serde_json::Value;

/// A store with a two-layer image (gzip and zstd layers).
fn image(state: &Path) -> (Store, BuiltImage) {
    let store = Store::open(state).unwrap();
    let mut layers = Vec::new();
    for (i, compression) in [Compression::gzip(), Compression::zstd()]
        .into_iter()
        .enumerate()
    {
        let ctx = tempfile::tempdir().unwrap();
        std::fs::write(
            ctx.path().join(format!("file{i}.txt")),
            format!("layer {i}\n"),
        )
        .unwrap();
        let opts = LayerOptions {
            compression,
            source_date_epoch: Some(0),
        };
        let entries = DirSource::new(ctx.path()).entries().unwrap();
        let (layer, writer) = write_layer(entries, &opts, store.writer(None).unwrap()).unwrap();
        writer.commit().unwrap();
        layers.push(layer);
    }
    let config = ImageConfig {
        architecture: "amd64".into(),
        os: "linux".into(),
        ..ImageConfig::default()
    };
    let img = assemble(&store, &config, &layers).unwrap();
    (store, img)
}

fn spec(s: &str) -> OutputSpec {
    OutputSpec::parse(s).unwrap()
}

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn skopeo(args: &[&str]) -> Vec<u8> {
    run(Command::new("skopeo").arg("--insecure-policy").args(args))
}

fn blob(store: &Store, digest: &rbuild::digest::Digest) -> Vec<u8> {
    let mut v = Vec::new();
    store
        .blobs()
        .open(digest)
        .unwrap()
        .read_to_end(&mut v)
        .unwrap();
    v
}

/// Every file under `root` (relative path -> content).
fn tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(
                    p.strip_prefix(root).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn tar_list(file: &Path) -> Vec<String> {
    let out = run(Command::new("tar").arg("-tf").arg(file));
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn layout_names(img: &BuiltImage) -> Vec<String> {
    let mut names = vec!["blobs/".to_string(), "blobs/sha256/".to_string()];
    for d in img.layers.iter().chain([&img.config, &img.manifest]) {
        names.push(format!("blobs/sha256/{}", d.digest.hex()));
    }
    names.extend(["index.json".into(), "oci-layout".into()]);
    names.sort();
    names
}

#[test]
fn oci_directory_is_a_layout_skopeo_reads_and_updates_in_place() {
    let state = tempfile::tempdir().unwrap();
    let (store, img) = image(state.path());
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("layout");
    let dest = format!("type=oci,dest={},tar=false,name=foo:v1", dir.display());
    output::export(&store, &Built::Image(img.clone()), &spec(&dest)).unwrap();

    let raw = skopeo(&["inspect", "--raw", &format!("oci:{}:v1", dir.display())]);
    assert_eq!(raw, blob(&store, &img.manifest.digest));
    let copy = out.path().join("copy");
    skopeo(&[
        "copy",
        &format!("oci:{}:v1", dir.display()),
        &format!("dir:{}", copy.display()),
    ]);
    assert_eq!(
        std::fs::read(copy.join("manifest.json")).unwrap(),
        blob(&store, &img.manifest.digest)
    );

    let index: Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let entry = &index["manifests"][0];
    assert_eq!(entry["digest"], img.manifest.digest.as_str());
    assert_eq!(
        entry["annotations"]["org.opencontainers.image.ref.name"],
        "v1"
    );
    assert_eq!(
        entry["annotations"]["io.containerd.image.name"],
        "docker.io/library/foo:v1"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("oci-layout")).unwrap(),
        r#"{"imageLayoutVersion":"1.0.0"}"#
    );

    // Another tag is added beside the first; the same tag again replaces its entry.
    let second = format!("type=oci,dest={}/,name=foo:v2", dir.display());
    output::export(&store, &Built::Image(img.clone()), &spec(&second)).unwrap();
    output::export(&store, &Built::Image(img.clone()), &spec(&dest)).unwrap();
    let index: Value =
        serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
    let refs: Vec<&str> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            m["annotations"]["org.opencontainers.image.ref.name"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(refs, ["v2", "v1"]);
    skopeo(&["inspect", "--raw", &format!("oci:{}:v2", dir.display())]);
    // No temp files are left behind.
    assert_eq!(
        tree(&dir).keys().cloned().collect::<Vec<_>>(),
        layout_names(&img)
            .iter()
            .filter(|n| !n.ends_with('/'))
            .map(PathBuf::from)
            .collect::<Vec<_>>()
    );
}

#[test]
fn oci_tar_holds_exactly_the_layout_and_is_deterministic() {
    let state = tempfile::tempdir().unwrap();
    let (store, img) = image(state.path());
    let out = tempfile::tempdir().unwrap();
    let tar = out.path().join("sub/out.tar");
    output::export(
        &store,
        &Built::Image(img.clone()),
        &spec(&format!("type=oci,dest={},name=foo:v1", tar.display())),
    )
    .unwrap();
    assert_eq!(tar_list(&tar), layout_names(&img));

    let dir = out.path().join("dir");
    output::export(
        &store,
        &Built::Image(img.clone()),
        &spec(&format!("type=oci,dest={}/,name=foo:v1", dir.display())),
    )
    .unwrap();
    let extracted = out.path().join("extracted");
    std::fs::create_dir(&extracted).unwrap();
    run(Command::new("tar")
        .arg("-xf")
        .arg(&tar)
        .arg("-C")
        .arg(&extracted));
    assert_eq!(tree(&extracted), tree(&dir));
    skopeo(&[
        "inspect",
        "--raw",
        &format!("oci-archive:{}:v1", tar.display()),
    ]);

    let again = out.path().join("again.tar");
    output::export(
        &store,
        &Built::Image(img.clone()),
        &spec(&format!("type=oci,dest={},name=foo:v1", again.display())),
    )
    .unwrap();
    assert_eq!(std::fs::read(&tar).unwrap(), std::fs::read(&again).unwrap());
    // The same image from another store, built again, gives the same bytes.
    let state2 = tempfile::tempdir().unwrap();
    let (store2, img2) = image(state2.path());
    let third = out.path().join("third.tar");
    output::export(
        &store2,
        &Built::Image(img2.clone()),
        &spec(&format!("type=oci,dest={},name=foo:v1", third.display())),
    )
    .unwrap();
    assert_eq!(std::fs::read(&tar).unwrap(), std::fs::read(&third).unwrap());
}

#[test]
fn docker_archive_is_loadable_and_deterministic() {
    let state = tempfile::tempdir().unwrap();
    let (store, img) = image(state.path());
    let out = tempfile::tempdir().unwrap();
    let tar = out.path().join("img.tar");
    let s = format!("type=docker,dest={},\"name=foo:v1,bar\"", tar.display());
    output::export(&store, &Built::Image(img.clone()), &spec(&s)).unwrap();

    let mut expected = layout_names(&img);
    expected.extend(["manifest.json".into(), "repositories".into()]);
    expected.sort();
    assert_eq!(tar_list(&tar), expected);

    let inspect: Value = serde_json::from_slice(&skopeo(&[
        "inspect",
        &format!("docker-archive:{}:foo:v1", tar.display()),
    ]))
    .unwrap();
    // skopeo reads a docker archive's layers uncompressed: it reports their diff_ids.
    let config: Value = serde_json::from_slice(&blob(&store, &img.config.digest)).unwrap();
    assert_eq!(inspect["Layers"], config["rootfs"]["diff_ids"]);
    assert_eq!(inspect["Layers"].as_array().unwrap().len(), 2);
    assert_eq!(inspect["Architecture"], "amd64");
    skopeo(&[
        "copy",
        &format!("docker-archive:{}:bar:latest", tar.display()),
        &format!("dir:{}", out.path().join("copy").display()),
    ]);

    let extracted = out.path().join("x");
    std::fs::create_dir(&extracted).unwrap();
    run(Command::new("tar")
        .arg("-xf")
        .arg(&tar)
        .arg("-C")
        .arg(&extracted));
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(extracted.join("manifest.json")).unwrap()).unwrap();
    let m = &manifest[0];
    assert_eq!(m["RepoTags"], serde_json::json!(["foo:v1", "bar:latest"]));
    assert_eq!(
        m["Config"],
        format!("blobs/sha256/{}", img.config.digest.hex())
    );
    for (path, layer) in m["Layers"].as_array().unwrap().iter().zip(&img.layers) {
        let bytes = std::fs::read(extracted.join(path.as_str().unwrap())).unwrap();
        assert_eq!(rbuild::digest::Digest::of(&bytes), layer.digest);
    }
    assert!(extracted.join(m["Config"].as_str().unwrap()).is_file());
    let repos: Value =
        serde_json::from_slice(&std::fs::read(extracted.join("repositories")).unwrap()).unwrap();
    let top = img.layers.last().unwrap().digest.hex().to_string();
    assert_eq!(repos["foo"]["v1"], top);
    assert_eq!(repos["bar"]["latest"], top);

    let again = out.path().join("again.tar");
    let s = format!("type=docker,dest={},\"name=foo:v1,bar\"", again.display());
    output::export(&store, &Built::Image(img.clone()), &spec(&s)).unwrap();
    assert_eq!(std::fs::read(&tar).unwrap(), std::fs::read(&again).unwrap());
}

#[test]
fn iidfile_and_metadata_file() {
    let state = tempfile::tempdir().unwrap();
    let (_store, img) = image(state.path());
    let out = tempfile::tempdir().unwrap();
    let iid = out.path().join("iid");
    output::write_iidfile(&iid, &Built::Image(img.clone())).unwrap();
    assert_eq!(
        std::fs::read_to_string(&iid).unwrap(),
        img.config.digest.as_str()
    );

    let meta = out.path().join("meta.json");
    let s = spec("type=docker,dest=x.tar,\"name=foo:v1,ghcr.io/o/r\"");
    output::write_metadata_file(&meta, &Built::Image(img.clone()), &s.names).unwrap();
    let m: Value = serde_json::from_slice(&std::fs::read(&meta).unwrap()).unwrap();
    assert_eq!(m["containerimage.digest"], img.manifest.digest.as_str());
    assert_eq!(
        m["containerimage.config.digest"],
        img.config.digest.as_str()
    );
    let d = &m["containerimage.descriptor"];
    assert_eq!(d["digest"], img.manifest.digest.as_str());
    assert_eq!(d["mediaType"], img.manifest.media_type);
    assert_eq!(d["size"], img.manifest.size);
    assert_eq!(
        m["image.name"],
        "docker.io/library/foo:v1,ghcr.io/o/r:latest"
    );

    output::write_metadata_file(&meta, &Built::Image(img.clone()), &[]).unwrap();
    let m: Value = serde_json::from_slice(&std::fs::read(&meta).unwrap()).unwrap();
    assert!(m.get("image.name").is_none());
}

#[test]
fn bad_output_specs_and_destinations_are_clear_errors() {
    let err = |s: &str| OutputSpec::parse(s).unwrap_err().to_string();
    assert_eq!(
        err("type=floppy,dest=a"),
        "invalid --output `type=floppy,dest=a`: unknown type `floppy` (known: oci, docker, \
         local, tar, image, registry)"
    );
    assert_eq!(
        err("type=oci"),
        "invalid --output `type=oci`: type=oci needs `dest=<path>`"
    );
    assert!(err("type=oci,dest=a,compression=zstd").contains("unknown key `compression`"));
    assert!(err("out").contains("type=local is not supported yet"));

    // A directory that holds something else than a layout is not overwritten.
    let state = tempfile::tempdir().unwrap();
    let (store, img) = image(state.path());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.json"), "not json").unwrap();
    let e = output::export(
        &store,
        &Built::Image(img.clone()),
        &spec(&format!("type=oci,dest={}", dir.path().display())),
    )
    .unwrap_err();
    assert!(e.to_string().contains("not an OCI image layout"), "{e}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("index.json")).unwrap(),
        "not json"
    );
}

#[test]
fn blobs_are_hard_linked_on_one_file_system_and_copied_across() {
    use std::os::unix::fs::MetadataExt;
    let state = tempfile::tempdir().unwrap();
    let (store, img) = image(state.path());
    let layer = &img.layers[0].digest;
    let store_ino = std::fs::metadata(store.blobs().path(layer)).unwrap().ino();

    let same = tempfile::tempdir_in(state.path()).unwrap();
    output::export(
        &store,
        &Built::Image(img.clone()),
        &spec(&format!("type=oci,dest={}/", same.path().display())),
    )
    .unwrap();
    let linked = same.path().join(format!("blobs/sha256/{}", layer.hex()));
    assert_eq!(std::fs::metadata(&linked).unwrap().ino(), store_ino);

    // /dev/shm is another file system on Linux runners; skip where it is not.
    let Ok(other) = tempfile::tempdir_in("/dev/shm") else {
        return;
    };
    let other_dev = std::fs::metadata(other.path()).unwrap().dev();
    if other_dev == std::fs::metadata(state.path()).unwrap().dev() {
        return;
    }
    output::export(
        &store,
        &Built::Image(img.clone()),
        &spec(&format!(
            "type=oci,dest={}/,name=a:b",
            other.path().display()
        )),
    )
    .unwrap();
    skopeo(&[
        "inspect",
        "--raw",
        &format!("oci:{}:b", other.path().display()),
    ]);
    let copied = other.path().join(format!("blobs/sha256/{}", layer.hex()));
    assert_eq!(std::fs::read(&copied).unwrap(), blob(&store, layer));
    assert_eq!(std::fs::metadata(&copied).unwrap().nlink(), 1);
}

#[test]
fn a_corrupt_store_blob_fails_the_export_and_leaves_nothing() {
    let state = tempfile::tempdir().unwrap();
    let (store, img) = image(state.path());
    let path = store.blobs().path(&img.layers[1].digest);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[0] ^= 0xff;
    std::fs::remove_file(&path).unwrap();
    std::fs::write(&path, &bytes).unwrap();

    let out = tempfile::tempdir().unwrap();
    let tar = out.path().join("img.tar");
    let e = output::export(
        &store,
        &Built::Image(img.clone()),
        &spec(&format!("type=docker,dest={}", tar.display())),
    )
    .unwrap_err();
    assert!(
        matches!(e, output::OutputError::DigestMismatch { .. }),
        "{e}"
    );
    assert_eq!(std::fs::read_dir(out.path()).unwrap().count(), 0);
}
