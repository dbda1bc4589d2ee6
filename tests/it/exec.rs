//! RUN execution against the real runtime (runc) on the test registry's busybox, unpacked into a
//! store: output, exit codes, users, working directories, networks, and the upper dir's changes
//! turned into layer entries. Needs root and runc (`scripts/peers.sh` installs it).

use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use rbuild::digest::Digest;
use rbuild::exec::{self, ExecError, Network, RunSpec, Runtime};
use rbuild::image::layer::{EntryKind, OverlaySource};
use rbuild::image::manifest::Manifest;
use rbuild::oci::reference::Reference;
use rbuild::plan::Platform;
use rbuild::registry::{Registry, RegistryOptions};
use rbuild::store::{Compression, Store, chain_id};

/// The busybox snapshot stack, pulled and unpacked once per test binary.
fn busybox_stack() -> Vec<PathBuf> {
    static STACK: OnceLock<(tempfile::TempDir, Vec<PathBuf>)> = OnceLock::new();
    STACK
        .get_or_init(|| {
            let state = tempfile::tempdir().unwrap();
            let rt = tokio::runtime::Runtime::new().unwrap();
            let stack = rt.block_on(pull_busybox(state.path()));
            (state, stack)
        })
        .1
        .clone()
}

async fn pull_busybox(state: &Path) -> Vec<PathBuf> {
    let reg = std::env::var("RBUILD_TEST_REGISTRY").unwrap_or_else(|_| {
        panic!("RBUILD_TEST_REGISTRY is not set: run `eval \"$(scripts/peers.sh env)\"` first")
    });
    let client = Registry::new(&RegistryOptions {
        docker_config: Some("/nonexistent/rbuild-test/config.json".into()),
        ..RegistryOptions::default()
    })
    .unwrap();
    let image = Reference::parse(&format!("{reg}/library/busybox:latest")).unwrap();
    let r = client
        .resolve(&image, &Platform::parse("linux/amd64").unwrap())
        .await
        .unwrap();
    let store = Store::open(state).unwrap();
    let m: Manifest = serde_json::from_slice(&r.manifest_bytes).unwrap();
    let mut diff_ids = Vec::new();
    let mut stack = Vec::new();
    for layer in &m.layers {
        let mut w = store.writer(Some(&layer.digest)).unwrap();
        client
            .fetch_blob(&r.repository, &layer.digest, &mut w)
            .await
            .unwrap();
        w.commit().unwrap();
        // The diff_id is checked by the store's unpack only when given; the chain id only names
        // the snapshot here.
        diff_ids.push(layer.digest.clone());
        let id: Digest = chain_id(&diff_ids).unwrap();
        let blob = store.blobs().open(&layer.digest).unwrap();
        let compression = Compression::from_media_type(&layer.media_type).unwrap();
        stack.push(store.unpack(&id, blob, compression, None).unwrap());
    }
    stack.reverse();
    stack
}

/// The runtime; fails clearly when the machine cannot run steps.
fn runtime() -> Runtime {
    assert!(
        rustix::process::geteuid().is_root(),
        "the exec tests need root (mounts, namespaces)"
    );
    Runtime::find(None).unwrap_or_else(|e| panic!("{e}"))
}

fn spec(args: &[&str]) -> RunSpec {
    RunSpec {
        lower: busybox_stack(),
        args: args.iter().map(|s| s.to_string()).collect(),
        env: vec![],
        user: String::new(),
        workdir: "/".into(),
        network: Network::Host,
        hostname: "rbuild-test".into(),
        ..RunSpec::default()
    }
}

/// Runs `spec`; returns the result and the output.
fn run(spec: &RunSpec, scratch: &Path) -> (exec::Finished, String) {
    let mut out = Vec::new();
    let f = exec::run(spec, &runtime(), scratch, &mut |b| out.extend_from_slice(b))
        .unwrap_or_else(|e| panic!("{e}: {:?}", std::error::Error::source(&e)));
    (f, String::from_utf8_lossy(&out).into_owned())
}

fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in walk(dir) {
        out.push(e.strip_prefix(dir).unwrap().display().to_string());
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        out.push(p.clone());
        if p.symlink_metadata().unwrap().is_dir() {
            out.extend(walk(&p));
        }
    }
    out
}

/// A stack deeper than one page of lower-dir paths holds (~35 snapshots at real path lengths)
/// still mounts: its lower dirs are named by descriptor.
#[test]
fn a_stack_of_eighty_layers_with_long_paths_mounts() {
    let deep = tempfile::tempdir().unwrap();
    let mut lower = Vec::new();
    for n in 0..80 {
        let dir = deep.path().join(format!("{n:03}-{}", "x".repeat(100)));
        std::fs::create_dir_all(dir.join("layers")).unwrap();
        std::fs::write(dir.join("layers").join(format!("n{n:03}")), "").unwrap();
        lower.push(dir);
    }
    lower.reverse();
    lower.extend(busybox_stack());
    let long: usize = lower.iter().map(|p| p.as_os_str().len() + 1).sum();
    assert!(long > 4096, "the stack must exceed one page: {long}");
    let scratch = tempfile::tempdir().unwrap();
    let (f, out) = run(
        &RunSpec {
            lower,
            ..spec(&["sh", "-c", "ls /layers | wc -l; ls /layers | head -n1"])
        },
        scratch.path(),
    );
    assert_eq!(f.exit_code, 0, "{out}");
    assert_eq!(out.split_whitespace().collect::<Vec<_>>(), ["80", "n000"]);
}

#[test]
fn echo_output_is_captured_and_a_step_that_changes_nothing_leaves_an_empty_upper() {
    let scratch = tempfile::tempdir().unwrap();
    let (f, out) = run(
        &spec(&["/bin/sh", "-c", "echo hi; echo err >&2"]),
        scratch.path(),
    );
    assert_eq!(f.exit_code, 0);
    // Both streams arrive; their relative order is not guaranteed (seen once in CI: the
    // stderr line first).
    let mut lines: Vec<&str> = out.lines().collect();
    lines.sort_unstable();
    assert_eq!(lines, ["err", "hi"], "{out:?}");
    assert_eq!(listing(&f.upper), Vec::<String>::new());
    let dir = f.dir().to_path_buf();
    drop(f);
    assert!(!dir.exists(), "the run dir is removed on drop");
}

#[test]
fn exit_codes_are_reported() {
    let scratch = tempfile::tempdir().unwrap();
    let (f, _) = run(&spec(&["/bin/sh", "-c", "exit 3"]), scratch.path());
    assert_eq!(f.exit_code, 3);
}

#[test]
fn changes_land_in_upper_and_become_oci_layer_entries() {
    let scratch = tempfile::tempdir().unwrap();
    let script = "echo new > /new && echo more >> /etc/passwd && rm /bin/ls && \
                  rm -rf /var && mkdir -p /var/fresh && echo x > /var/fresh/f";
    let (f, out) = run(&spec(&["/bin/sh", "-c", script]), scratch.path());
    assert_eq!(f.exit_code, 0, "{out}");
    let up = &f.upper;
    assert_eq!(std::fs::read_to_string(up.join("new")).unwrap(), "new\n");
    assert!(
        std::fs::read_to_string(up.join("etc/passwd"))
            .unwrap()
            .ends_with("more\n")
    );
    let wh = up.join("bin/ls").symlink_metadata().unwrap();
    assert!(wh.file_type().is_char_device() && wh.rdev() == 0, "{wh:?}");
    assert_eq!(
        xattr::get(up.join("var"), "trusted.overlay.opaque").unwrap(),
        Some(b"y".to_vec())
    );

    let entries: Vec<_> = OverlaySource::new(up)
        .entries()
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    let paths: Vec<String> = entries
        .iter()
        .map(|e| String::from_utf8_lossy(&e.path).into_owned())
        .collect();
    for want in [
        "bin/.wh.ls",
        "etc/passwd",
        "new",
        "var",
        "var/.wh..wh..opq",
        "var/fresh/f",
    ] {
        assert!(paths.iter().any(|p| p == want), "{want} in {paths:?}");
    }
    let pos = |p: &str| paths.iter().position(|x| x == p).unwrap();
    assert!(pos("var/.wh..wh..opq") < pos("var/fresh"), "{paths:?}");
    assert!(paths.iter().all(|p| p != "bin/ls"), "{paths:?}");
    // No mount point leaked into the layer.
    for p in ["proc", "sys", "dev", "etc/resolv.conf", "etc/hosts"] {
        assert!(paths.iter().all(|x| x != p), "{p} in {paths:?}");
    }
    let opq = &entries[pos("var/.wh..wh..opq")];
    assert!(matches!(opq.kind, EntryKind::File { .. }), "{opq:?}");
}

#[test]
fn user_env_and_workdir_apply_and_the_workdir_is_created() {
    let scratch = tempfile::tempdir().unwrap();
    let mut s = spec(&["/bin/sh", "-c", "id -u; id -g; echo $FOO; pwd"]);
    s.user = "nobody".into();
    s.env = vec!["FOO=bar".into()];
    s.workdir = "/some/dir".into();
    let (f, out) = run(&s, scratch.path());
    assert_eq!(f.exit_code, 0, "{out}");
    assert_eq!(out, "65534\n65534\nbar\n/some/dir\n");
    assert_eq!(listing(&f.upper), ["some", "some/dir"]);

    s.user = "1234:5678".into();
    s.args = vec!["/bin/sh".into(), "-c".into(), "id -u; id -g".into()];
    let (_, out) = run(&s, scratch.path());
    assert_eq!(out, "1234\n5678\n");
}

#[test]
fn an_unknown_user_is_a_clear_error() {
    let scratch = tempfile::tempdir().unwrap();
    let mut s = spec(&["/bin/true"]);
    s.user = "no-such-user".into();
    let e = exec::run(&s, &runtime(), scratch.path(), &mut |_| {}).unwrap_err();
    assert!(matches!(e, ExecError::UnknownUser { .. }), "{e}");
    assert!(e.to_string().contains("`no-such-user`"), "{e}");
}

#[test]
fn network_none_has_only_loopback() {
    let scratch = tempfile::tempdir().unwrap();
    let mut s = spec(&["/bin/ls", "/sys/class/net"]);
    s.network = Network::None;
    let (f, out) = run(&s, scratch.path());
    assert_eq!(f.exit_code, 0, "{out}");
    assert_eq!(out, "lo\n");
}

#[test]
fn an_empty_stack_runs_nothing_but_fails_cleanly() {
    // No shell in an empty root: the runtime's own error, naming it, and nothing left behind.
    let scratch = tempfile::tempdir().unwrap();
    let mut s = spec(&["/bin/sh", "-c", "true"]);
    s.lower = vec![];
    let e = exec::run(&s, &runtime(), scratch.path(), &mut |_| {}).unwrap_err();
    assert!(matches!(e, ExecError::Runtime { .. }), "{e}");
    assert!(e.to_string().contains("runc"), "{e}");
    let left: Vec<_> = std::fs::read_dir(scratch.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("run-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_missing_runtime_names_the_package() {
    let e = Runtime::find(Some("no-such-runtime-rbuild")).unwrap_err();
    assert!(e.to_string().contains("apt-get install runc"), "{e}");
}
