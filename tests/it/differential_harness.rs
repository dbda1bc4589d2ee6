//! Whole builds against BuildKit: each case under `tests/data/differential/<case>/` (a
//! `Dockerfile` and a `context/`) is built by Docker 26 + buildx 0.13 (BuildKit 0.13, the docker
//! driver, `scripts/buildkit.sh`) and by rbuild, both to an OCI tar with the same
//! `SOURCE_DATE_EPOCH`, and the two images must agree on
//!
//! - the filesystem (all layers applied, whiteouts honoured): the set of paths and, per path, its
//!   type, mode bits (incl. setuid/setgid/sticky), uid, gid, content sha256 or symlink target, and
//!   mtime (not for directories: their mtimes depend on the order of writes);
//! - the config fields a container runs with (Env, Cmd, Entrypoint, WorkingDir, User,
//!   ExposedPorts, Labels, Volumes, StopSignal, Healthcheck, Shell, OnBuild, ArgsEscaped, author,
//!   platform, `created`);
//! - the history: `created_by`, `empty_layer`, `comment` and `created` of every entry, and as many
//!   layers as non-empty entries.
//!
//! Every difference is listed in one failure message. A case may list known differences (rbuild
//! bugs not fixed yet, each with its explanation; `[*]` stands for any index): they are printed
//! instead of failing, and a known difference that no longer occurs fails the case so that the
//! list stays true. Regular files, symlinks and other non-directories that share an inode are
//! compared as hard-link groups; xattrs come from `SCHILY.xattr.*` PAX records. The layers are read straight from the OCI
//! tar (no unpacking to disk: ownership and modes come from the tar headers, as `umoci unpack`
//! would apply them).
//!
//! The harness copies the context to a temporary directory and normalizes what git cannot store:
//! every entry gets mtime [`CONTEXT_MTIME`] (a name containing `future` gets [`FUTURE_MTIME`],
//! which the epoch clamps), a name containing `mode-NNNN` gets that octal mode, and a file named
//! `.empty` is removed so that its directory is empty. The Dockerfiles name their base
//! `${REGISTRY}/library/busybox:latest`; the harness passes `REGISTRY` as a build arg (the test
//! registry of `scripts/peers.sh`) and rewrites a literal `127.0.0.1:5000` to it (BuildKit does
//! not expand variables in `COPY --from=<image>`). No `# syntax=` lines: BuildKit would pull the frontend from
//! Docker Hub.
//!
//! Not covered because BuildKit 0.13's built-in frontend rejects them without a labs `# syntax=`
//! frontend image ("unknown flag: exclude" / "unknown flag: parents"): `COPY --exclude` and
//! `COPY --parents`.
//!
//! Needs the peer: `scripts/test.sh` starts it and exports `RBUILD_TEST_BUILDKIT_HOST`,
//! `RBUILD_TEST_DOCKER` and `RBUILD_TEST_DOCKER_CONFIG`. Without it the tests say why and pass,
//! unless `RBUILD_REQUIRE_DIFFERENTIAL=1` (set by CI) makes its absence a failure.

use flate2::read::GzDecoder;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The mtime the harness gives every context entry.
pub(crate) const CONTEXT_MTIME: i64 = 1_000_000_000;
/// The mtime of context entries named `*future*`: later than the epoch, so both builders clamp it.
pub(crate) const FUTURE_MTIME: i64 = 2_000_000_000;
/// `SOURCE_DATE_EPOCH` of both builds.
pub(crate) const EPOCH: i64 = 1_500_000_000;

/// The BuildKit peer, from the environment `scripts/buildkit.sh env` prints.
pub(crate) struct Peer {
    docker: PathBuf,
    pub(crate) host: String,
    config: PathBuf,
    pub(crate) registry: String,
}

/// The peer, or `None` (after saying why) when the test should be skipped.
pub(crate) fn peer() -> Option<Peer> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let found = match (
        var("RBUILD_TEST_DOCKER"),
        var("RBUILD_TEST_BUILDKIT_HOST"),
        var("RBUILD_TEST_DOCKER_CONFIG"),
        var("RBUILD_TEST_REGISTRY"),
    ) {
        (Some(docker), Some(host), Some(config), Some(registry)) => Ok(Peer {
            docker: docker.into(),
            host,
            config: config.into(),
            registry,
        }),
        _ => Err(format!(
            "the BuildKit peer is not configured ({}): run the tests with scripts/test.sh",
            var("RBUILD_TEST_BUILDKIT_ERROR").unwrap_or_else(|| {
                "RBUILD_TEST_DOCKER, RBUILD_TEST_BUILDKIT_HOST, RBUILD_TEST_DOCKER_CONFIG or \
                 RBUILD_TEST_REGISTRY unset"
                    .into()
            })
        )),
    };
    let checked = found.and_then(|p| {
        let out = p
            .docker()
            .args(["version", "--format", "{{.Server.Version}}"])
            .output()
            .map_err(|e| format!("cannot run {}: {e}", p.docker.display()))?;
        if out.status.success() {
            Ok(p)
        } else {
            Err(format!(
                "the BuildKit peer at {} does not answer: {}",
                p.host,
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    });
    match checked {
        Ok(p) => Some(p),
        Err(why) if std::env::var("RBUILD_REQUIRE_DIFFERENTIAL").as_deref() == Ok("1") => {
            panic!("RBUILD_REQUIRE_DIFFERENTIAL=1 but {why}")
        }
        Err(why) => {
            eprintln!("SKIPPED differential build test: {why}");
            None
        }
    }
}

impl Peer {
    pub(crate) fn docker(&self) -> Command {
        let mut c = Command::new(&self.docker);
        c.env("DOCKER_HOST", &self.host)
            .env("DOCKER_CONFIG", &self.config)
            .env_remove("DOCKER_CONTEXT")
            .env_remove("BUILDX_BUILDER");
        c
    }
}

/// How a case is built.
#[derive(Default)]
pub(crate) struct Opts<'a> {
    pub(crate) target: Option<&'a str>,
    pub(crate) build_args: &'a [(&'a str, &'a str)],
    /// Extra preparation of the copied context (e.g. archives for ADD).
    pub(crate) setup: Option<fn(&Path)>,
    /// The case's `base.Dockerfile` is first built and pushed by BuildKit as
    /// `<registry>/differential/<this>:latest` (the case's Dockerfile names it as base).
    pub(crate) push_base: Option<&'a str>,
    /// Known differences, each the start of one or more lines of the report: tolerated (and
    /// printed), but each must still occur, so that a fix makes the test say to drop it.
    pub(crate) known: &'a [&'a str],
    /// rbuild runs in an unprivileged container (`support::container`), RUN steps in the
    /// container isolation.
    pub(crate) in_container: bool,
    /// Target platforms (`linux/amd64`, `linux/arm64`): both builders make one index over an
    /// image per platform; the indexes must name the same platforms, and each platform's images
    /// must agree. Foreign RUN steps need QEMU (`scripts/peers.sh` registers it).
    pub(crate) platforms: &'a [&'a str],
    /// Flags both builders get as they are (`--add-host`, `--ulimit`, ...).
    pub(crate) flags: &'a [&'a str],
    /// `--build-context NAME=VALUE` for both builders: a VALUE without `://` is a directory of
    /// the case (copied and normalized as the context is); others are given as written, a
    /// literal `127.0.0.1:5000` naming the test registry.
    pub(crate) build_contexts: &'a [(&'a str, &'a str)],
}

/// Builds case `name` with both builders and asserts that the images agree.
pub(crate) fn check(name: &str, opts: &Opts<'_>) {
    let Some(peer) = peer() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let (dockerfile, ctx) = prepare(name, tmp.path(), &peer.registry, opts);
    let mut args = vec![format!("REGISTRY={}", peer.registry)];
    args.extend(opts.build_args.iter().map(|(k, v)| format!("{k}={v}")));
    let contexts = build_contexts(name, tmp.path(), &peer.registry, opts);

    if let Some(repo) = opts.push_base {
        let case = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/differential")
            .join(name);
        let base = std::fs::read_to_string(case.join("base.Dockerfile")).unwrap();
        let base_file = tmp.path().join("base.Dockerfile");
        std::fs::write(&base_file, base.replace("127.0.0.1:5000", &peer.registry)).unwrap();
        run(
            peer.docker()
                .args([
                    "buildx",
                    "build",
                    "--builder",
                    "default",
                    "--progress=plain",
                ])
                .args(["--provenance=false", "--sbom=false", "--push", "-f"])
                .arg(&base_file)
                .arg("--build-arg")
                .arg(format!("REGISTRY={}", peer.registry))
                .arg("-t")
                .arg(format!("{}/differential/{repo}:latest", peer.registry))
                .arg(&ctx)
                // The same digest on every run, so that concurrent runs push the same image.
                .env("SOURCE_DATE_EPOCH", EPOCH.to_string()),
            &format!("{name}: docker buildx build --push of base.Dockerfile"),
        );
    }
    let bk_tar = tmp.path().join("buildkit.tar");
    let mut bk = peer.docker();
    // --no-cache: BuildKit's cache keys ignore the mtimes of context files, so a layer cached
    // from a build of the same files with other mtimes would come back.
    bk.args([
        "buildx",
        "build",
        "--builder",
        "default",
        "--progress=plain",
    ])
    .args([
        "--no-cache",
        "--pull",
        "--provenance=false",
        "--sbom=false",
        "-f",
    ])
    .arg(&dockerfile)
    .arg("--output")
    .arg(format!(
        "type=oci,dest={},rewrite-timestamp=true",
        bk_tar.display()
    ))
    .env("SOURCE_DATE_EPOCH", EPOCH.to_string());
    let rb_tar = tmp.path().join("rbuild.tar");
    let mut rb = if opts.in_container {
        let epoch = EPOCH.to_string();
        let mut c = super::support::container::rbuild(
            &peer,
            &[tmp.path()],
            &[("SOURCE_DATE_EPOCH", &epoch)],
            &[],
        );
        c.args(["build", "--isolation", "container"]);
        c
    } else {
        let mut c = Command::new(env!("CARGO_BIN_EXE_rbuild"));
        c.arg("build")
            .env("RBUILD_HOME", tmp.path().join("rbuild-home"))
            .env("SOURCE_DATE_EPOCH", EPOCH.to_string());
        c
    };
    rb.args(["--progress=plain", "-f"])
        .arg(&dockerfile)
        .arg("--output")
        .arg(format!("type=oci,dest={}", rb_tar.display()));
    for cmd in [&mut bk, &mut rb] {
        if !opts.platforms.is_empty() {
            cmd.arg("--platform").arg(opts.platforms.join(","));
        }
        for a in &args {
            cmd.arg("--build-arg").arg(a);
        }
        if let Some(t) = opts.target {
            cmd.args(["--target", t]);
        }
        cmd.args(opts.flags);
        for c in &contexts {
            cmd.arg("--build-context").arg(c);
        }
        cmd.arg(&ctx);
    }
    run(&mut bk, &format!("{name}: docker buildx build (BuildKit)"));
    run(&mut rb, &format!("{name}: rbuild build"));

    let mut diffs = Vec::new();
    let platforms: Vec<Option<&str>> = if opts.platforms.is_empty() {
        vec![None]
    } else {
        let (theirs, ours) = (Image::platforms(&bk_tar), Image::platforms(&rb_tar));
        if theirs != ours {
            diffs.push(format!("index platforms: {theirs:?} vs {ours:?}"));
        }
        opts.platforms.iter().map(|p| Some(*p)).collect()
    };
    for platform in platforms {
        let theirs = Image::read(&bk_tar, platform);
        let ours = Image::read(&rb_tar, platform);
        let mut found = Vec::new();
        compare_files(&theirs.files, &ours.files, &mut found);
        compare_config(&theirs.config, &ours.config, &mut found);
        compare_history(&theirs, &ours, &mut found);
        diffs.extend(found.into_iter().map(|d| match platform {
            Some(p) => format!("{p}: {d}"),
            None => d,
        }));
    }
    for k in opts.known {
        let before = diffs.len();
        diffs.retain(|d| !is_known(d, k));
        if diffs.len() == before {
            diffs.push(format!(
                "known difference {k:?} no longer occurs: remove it from the test"
            ));
        } else {
            eprintln!("case {name}: known difference: {k}");
        }
    }
    assert!(
        diffs.is_empty(),
        "case {name}{}: rbuild differs from BuildKit in {} ways (\"BuildKit\" vs \"rbuild\"):\n  {}",
        opts.target
            .map(|t| format!(" --target {t}"))
            .unwrap_or_default(),
        diffs.len(),
        diffs.join("\n  ")
    );
}

/// Whether report line `diff` is the known difference `known`: `diff` starts with `known`, where
/// a `[*]` in `known` stands for the first `[N]` index in `diff` (`history[*]: "RUN ` matches
/// every RUN entry of the history).
fn is_known(diff: &str, known: &str) -> bool {
    if !known.contains("[*]") {
        return diff.starts_with(known);
    }
    let Some(open) = diff.find('[') else {
        return false;
    };
    let Some(len) = diff[open + 1..].find(']') else {
        return false;
    };
    let index = &diff[open + 1..open + 1 + len];
    if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let generic = format!("{}[*]{}", &diff[..open], &diff[open + 2 + len..]);
    generic.starts_with(known)
}

pub(crate) fn run(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot start: {e}"));
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        tail(&String::from_utf8_lossy(&out.stderr), 60)
    );
}

fn tail(s: &str, lines: usize) -> String {
    let all: Vec<&str> = s.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Copies the case to `dir` (the Dockerfile, naming the test registry, and the normalized
/// context); returns their paths.
fn prepare(name: &str, dir: &Path, registry: &str, opts: &Opts<'_>) -> (PathBuf, PathBuf) {
    let case = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/differential")
        .join(name);
    let dockerfile = dir.join("Dockerfile");
    let text = std::fs::read_to_string(case.join("Dockerfile")).unwrap();
    std::fs::write(&dockerfile, text.replace("127.0.0.1:5000", registry)).unwrap();
    let ctx = dir.join("context");
    std::fs::create_dir(&ctx).unwrap();
    if case.join("context").is_dir() {
        copy_tree(&case.join("context"), &ctx);
    }
    if let Some(setup) = opts.setup {
        setup(&ctx);
    }
    normalize(&ctx);
    (dockerfile, ctx)
}

/// The `--build-context` values of `opts`: case directories copied to `dir` and normalized.
fn build_contexts(name: &str, dir: &Path, registry: &str, opts: &Opts<'_>) -> Vec<String> {
    let case = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/differential")
        .join(name);
    let mut out = Vec::new();
    for (n, value) in opts.build_contexts {
        if value.contains("://") {
            out.push(format!("{n}={}", value.replace("127.0.0.1:5000", registry)));
            continue;
        }
        let to = dir.join(format!("named-{n}"));
        std::fs::create_dir(&to).unwrap();
        copy_tree(&case.join(value), &to);
        normalize(&to);
        out.push(format!("{n}={}", to.display()));
    }
    out
}

fn copy_tree(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let ft = e.file_type().unwrap();
        if ft.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src).unwrap(), &dst).unwrap();
        } else if ft.is_dir() {
            std::fs::create_dir(&dst).unwrap();
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// Applies the naming conventions (see the module doc), children before their directory.
fn normalize(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        let ft = e.file_type().unwrap();
        if name == ".empty" {
            std::fs::remove_file(&path).unwrap();
            continue;
        }
        if ft.is_dir() {
            normalize(&path);
        }
        if !ft.is_symlink() {
            let mode = name
                .split_once("mode-")
                .and_then(|(_, rest)| u32::from_str_radix(rest.get(..4)?, 8).ok());
            let mode = mode.unwrap_or(if ft.is_dir() {
                0o755
            } else {
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o7777
            });
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        let t = filetime::FileTime::from_unix_time(
            if name.contains("future") {
                FUTURE_MTIME
            } else {
                CONTEXT_MTIME
            },
            0,
        );
        filetime::set_symlink_file_times(&path, t, t).unwrap();
    }
    let t = filetime::FileTime::from_unix_time(CONTEXT_MTIME, 0);
    filetime::set_symlink_file_times(dir, t, t).unwrap();
}

/// One path of an image's filesystem.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Node {
    /// `file`, `dir`, `symlink`, `char`, `block`, `fifo`.
    kind: &'static str,
    /// Permission bits with setuid/setgid/sticky.
    mode: u32,
    uid: u64,
    gid: u64,
    /// sha256 of a file's content, a symlink's target, a device's numbers.
    content: String,
    /// Seconds; `None` for directories (not compared).
    mtime: Option<i64>,
    /// Extended attributes (from `SCHILY.xattr.*` PAX records), sorted.
    xattrs: Vec<(String, String)>,
    /// The hard-link group: the first path (in path order) of the files that share this one's
    /// inode in the final filesystem; `None` for a file with one name.
    link_group: Option<String>,
    /// A small file's bytes (up to [`SMALL_FILE`]), to show how two contents differ.
    data: Option<Vec<u8>>,
}

/// Files up to this size keep their bytes for the report.
const SMALL_FILE: usize = 8192;

impl std::fmt::Display for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {:04o} {}:{}",
            self.kind, self.mode, self.uid, self.gid
        )?;
        match self.kind {
            "symlink" => write!(f, " -> {}", self.content),
            "file" => write!(f, " sha256:{}", &self.content[..12]),
            _ => Ok(()),
        }?;
        for (k, v) in &self.xattrs {
            write!(f, " xattr {k}={v:?}")?;
        }
        match &self.link_group {
            Some(g) => write!(f, " (hard link of /{g})"),
            None => Ok(()),
        }
    }
}

/// What the harness compares of an image.
struct Image {
    files: BTreeMap<String, Node>,
    config: Value,
    layers: usize,
}

/// The regular files of the image in the OCI tar at `tar_path` (all layers applied), with the
/// bytes of the small ones.
pub(crate) fn image_files(tar_path: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    platform_files(tar_path, None)
}

/// [`image_files`] of the image of `platform` (`linux/arm64`) in a multi-platform tar.
pub(crate) fn platform_files(
    tar_path: &Path,
    platform: Option<&str>,
) -> BTreeMap<String, Option<Vec<u8>>> {
    Image::read(tar_path, platform)
        .files
        .into_iter()
        .filter(|(_, n)| n.kind == "file")
        .map(|(p, n)| (p, n.data))
        .collect()
}

/// An index entry's platform as `os/arch[/variant]`.
fn platform_of(desc: &Value) -> String {
    let p = &desc["platform"];
    let mut s = format!(
        "{}/{}",
        p["os"].as_str().unwrap_or("?"),
        p["architecture"].as_str().unwrap_or("?")
    );
    if let Some(v) = p["variant"].as_str().filter(|v| !v.is_empty()) {
        s.push('/');
        s.push_str(v);
    }
    s
}

impl Image {
    /// The platforms of the images of an OCI layout tar's index (attestations left out),
    /// sorted.
    fn platforms(tar_path: &Path) -> Vec<String> {
        let blobs = Self::blobs(tar_path);
        let json = |name: &str| -> Value { serde_json::from_slice(&blobs[name]).unwrap() };
        let top = json("index.json");
        let index = json(&format!(
            "blobs/{}",
            top["manifests"][0]["digest"]
                .as_str()
                .unwrap()
                .replacen(':', "/", 1)
        ));
        let mut out: Vec<String> = index["manifests"]
            .as_array()
            .unwrap_or_else(|| panic!("{}: the top entry is no index", tar_path.display()))
            .iter()
            .filter(|m| {
                m["annotations"]["vnd.docker.reference.type"].as_str()
                    != Some("attestation-manifest")
            })
            .map(platform_of)
            .collect();
        out.sort();
        out
    }

    fn blobs(tar_path: &Path) -> BTreeMap<String, Vec<u8>> {
        let mut blobs = BTreeMap::new();
        let mut archive = tar::Archive::new(std::fs::File::open(tar_path).unwrap());
        for e in archive.entries().unwrap() {
            let mut e = e.unwrap();
            let name = e.path().unwrap().to_string_lossy().into_owned();
            let mut data = Vec::new();
            e.read_to_end(&mut data).unwrap();
            blobs.insert(name.trim_start_matches("./").to_string(), data);
        }
        blobs
    }

    /// Reads an OCI layout tar: the image's config and its layers applied in order (the
    /// image of `platform` when the tar holds an index of several).
    fn read(tar_path: &Path, platform: Option<&str>) -> Self {
        let blobs = Self::blobs(tar_path);
        let json = |name: &str| -> Value {
            let data = blobs
                .get(name)
                .unwrap_or_else(|| panic!("{}: no {name}", tar_path.display()));
            serde_json::from_slice(data).unwrap()
        };
        let blob_name = |desc: &Value| {
            format!(
                "blobs/{}",
                desc["digest"].as_str().unwrap().replacen(':', "/", 1)
            )
        };
        let mut manifest = json("index.json");
        // Follow indexes down to the image manifest (skipping attestation manifests).
        while manifest.get("manifests").is_some() {
            let images: Vec<&Value> = manifest["manifests"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|m| {
                    m["annotations"]["vnd.docker.reference.type"].as_str()
                        != Some("attestation-manifest")
                })
                .filter(|m| {
                    m.get("platform").is_none() || platform.is_none_or(|p| platform_of(m) == p)
                })
                .collect();
            assert_eq!(
                images.len(),
                1,
                "{}: expected one image in {manifest}",
                tar_path.display()
            );
            manifest = json(&blob_name(images[0]));
        }
        let config = json(&blob_name(&manifest["config"]));
        let mut files = BTreeMap::new();
        // BuildKit writes `"layers": null` for an image without layers.
        let layers = manifest["layers"].as_array().cloned().unwrap_or_default();
        for (index, l) in layers.iter().enumerate() {
            let data = &blobs[&blob_name(l)];
            let media = l["mediaType"].as_str().unwrap_or_default();
            let reader: Box<dyn Read + '_> = if media.ends_with("gzip") {
                Box::new(GzDecoder::new(&data[..]))
            } else if media.ends_with("zstd") {
                Box::new(zstd::Decoder::new(&data[..]).unwrap())
            } else {
                Box::new(&data[..])
            };
            apply_layer(&mut files, reader, index);
        }
        link_groups(&mut files);
        Self {
            files,
            config,
            layers: layers.len(),
        }
    }
}

/// Normalized path of a tar entry: no leading `./` or `/`, no trailing `/`.
fn clean(p: &str) -> String {
    p.trim_start_matches("./")
        .trim_start_matches('/')
        .trim_end_matches('/')
        .to_string()
}

fn remove_tree(files: &mut BTreeMap<String, Node>, path: &str) {
    files.remove(path);
    let prefix = format!("{path}/");
    files.retain(|p, _| !p.starts_with(&prefix));
}

/// Applies one layer: first its whiteouts (to the lower layers), then its entries.
/// Files that share an inode carry the same provisional `link_group` (`layer:target`, set by
/// [`apply_layer`]); this names each group by its first path and clears lone members.
fn link_groups(files: &mut BTreeMap<String, Node>) {
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (path, node) in files.iter() {
        if let Some(g) = &node.link_group {
            groups.entry(g.clone()).or_default().push(path.clone());
        }
    }
    for members in groups.values() {
        let name = (members.len() > 1).then(|| members[0].clone());
        for m in members {
            if let Some(node) = files.get_mut(m) {
                node.link_group = name.clone();
            }
        }
    }
}

fn apply_layer(files: &mut BTreeMap<String, Node>, reader: impl Read, layer: usize) {
    let mut archive = tar::Archive::new(reader);
    let mut entries = Vec::new();
    for e in archive.entries().unwrap() {
        let mut e = e.unwrap();
        let path = clean(&String::from_utf8_lossy(&e.path_bytes()));
        let (dir, base) = match path.rsplit_once('/') {
            Some((d, b)) => (d.to_string(), b.to_string()),
            None => (String::new(), path.clone()),
        };
        if base == ".wh..wh..opq" {
            let prefix = if dir.is_empty() {
                String::new()
            } else {
                format!("{dir}/")
            };
            files.retain(|p, _| !p.starts_with(&prefix) || p.len() == prefix.len());
            continue;
        }
        if let Some(hidden) = base.strip_prefix(".wh.") {
            let victim = if dir.is_empty() {
                hidden.to_string()
            } else {
                format!("{dir}/{hidden}")
            };
            remove_tree(files, &victim);
            continue;
        }
        let h = e.header().clone();
        let mut pax_mtime = None;
        let mut xattrs = Vec::new();
        if let Ok(Some(pax)) = e.pax_extensions() {
            for x in pax.filter_map(Result::ok) {
                let Ok(key) = x.key() else { continue };
                if key == "mtime" {
                    pax_mtime = String::from_utf8_lossy(x.value_bytes())
                        .split('.')
                        .next()
                        .and_then(|v| v.parse::<i64>().ok());
                } else if let Some(name) = key.strip_prefix("SCHILY.xattr.") {
                    xattrs.push((
                        name.to_string(),
                        String::from_utf8_lossy(x.value_bytes()).into_owned(),
                    ));
                }
            }
        }
        xattrs.sort();
        let mtime = pax_mtime.unwrap_or_else(|| h.mtime().unwrap() as i64);
        let link = e
            .link_name_bytes()
            .map(|l| String::from_utf8_lossy(&l).into_owned());
        let mut node = Node {
            kind: "file",
            mode: h.mode().unwrap() & 0o7777,
            uid: h.uid().unwrap(),
            gid: h.gid().unwrap(),
            content: String::new(),
            mtime: Some(mtime),
            xattrs,
            link_group: None,
            data: None,
        };
        let et = h.entry_type();
        let hardlink = if et.is_hard_link() {
            Some(clean(&link.clone().unwrap_or_default()))
        } else {
            None
        };
        if et.is_dir() {
            node.kind = "dir";
            node.mtime = None;
        } else if et.is_symlink() {
            node.kind = "symlink";
            node.content = link.unwrap_or_default();
        } else if et.is_character_special() || et.is_block_special() {
            node.kind = if et.is_block_special() {
                "block"
            } else {
                "char"
            };
            node.content = format!(
                "{}:{}",
                h.device_major().ok().flatten().unwrap_or(0),
                h.device_minor().ok().flatten().unwrap_or(0)
            );
        } else if et.is_fifo() {
            node.kind = "fifo";
        } else if !et.is_hard_link() {
            let mut data = Vec::new();
            e.read_to_end(&mut data).unwrap();
            node.content = hex::encode(Sha256::digest(&data));
            if data.len() <= SMALL_FILE {
                node.data = Some(data);
            }
        }
        entries.push((path, node, hardlink));
    }
    for (path, node, hardlink) in entries {
        let node = match hardlink {
            Some(target) => {
                let group = format!("{layer}:{target}");
                let first = files
                    .get_mut(&target)
                    .unwrap_or_else(|| panic!("hard link {path} to missing {target}"));
                first.link_group = Some(group);
                first.clone()
            }
            None => node,
        };
        if path.is_empty() {
            continue; // the root itself
        }
        // Parents a layer does not list are created as an unpacker would: 0755 root.
        let mut parent = String::new();
        for part in path.split('/').collect::<Vec<_>>().split_last().unwrap().1 {
            if !parent.is_empty() {
                parent.push('/');
            }
            parent.push_str(part);
            if files.get(&parent).is_none_or(|n| n.kind != "dir") {
                remove_tree(files, &parent);
                files.insert(
                    parent.clone(),
                    Node {
                        kind: "dir",
                        mode: 0o755,
                        uid: 0,
                        gid: 0,
                        content: String::new(),
                        mtime: None,
                        xattrs: Vec::new(),
                        link_group: None,
                        data: None,
                    },
                );
            }
        }
        if node.kind != "dir" {
            remove_tree(files, &path);
        }
        files.insert(path, node);
    }
}

fn compare_files(
    theirs: &BTreeMap<String, Node>,
    ours: &BTreeMap<String, Node>,
    diffs: &mut Vec<String>,
) {
    let paths: BTreeSet<&String> = theirs.keys().chain(ours.keys()).collect();
    for p in paths {
        match (theirs.get(p), ours.get(p)) {
            (Some(t), None) => diffs.push(format!("/{p}: only in BuildKit ({t})")),
            (None, Some(o)) => diffs.push(format!("/{p}: only in rbuild ({o})")),
            (Some(t), Some(o)) if t != o => {
                let mut d = format!("/{p}:");
                if t.kind != o.kind
                    || t.content != o.content
                    || t.xattrs != o.xattrs
                    || t.link_group != o.link_group
                {
                    write!(d, " {t} vs {o}").unwrap();
                    if let (Some(a), Some(b)) = (&t.data, &o.data)
                        && a != b
                    {
                        d.push_str(&line_diff(a, b));
                    }
                } else {
                    if t.mode != o.mode {
                        write!(d, " mode {:04o} vs {:04o}", t.mode, o.mode).unwrap();
                    }
                    if (t.uid, t.gid) != (o.uid, o.gid) {
                        write!(d, " owner {}:{} vs {}:{}", t.uid, t.gid, o.uid, o.gid).unwrap();
                    }
                }
                if t.mtime != o.mtime {
                    write!(d, " mtime {:?} vs {:?}", t.mtime, o.mtime).unwrap();
                }
                diffs.push(d);
            }
            _ => {}
        }
    }
}

/// The lines of two small files that only one has (`-` BuildKit, `+` rbuild), indented.
fn line_diff(theirs: &[u8], ours: &[u8]) -> String {
    let (t, o) = (
        String::from_utf8_lossy(theirs),
        String::from_utf8_lossy(ours),
    );
    let (tl, ol): (BTreeSet<&str>, BTreeSet<&str>) = (t.lines().collect(), o.lines().collect());
    let mut out = String::new();
    for l in t.lines().filter(|l| !ol.contains(l)) {
        write!(out, "\n      - {l}").unwrap();
    }
    for l in o.lines().filter(|l| !tl.contains(l)) {
        write!(out, "\n      + {l}").unwrap();
    }
    if out.is_empty() {
        out.push_str("\n      (same lines, other order or line ends)");
    }
    out
}

/// `null`, a missing key, `[]`, `{}` and `""` all mean "not set" to a container runtime.
fn normalized(v: Option<&Value>) -> Option<&Value> {
    v.filter(|v| match v {
        Value::Null => false,
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
        Value::String(s) => !s.is_empty(),
        Value::Bool(b) => *b,
        Value::Number(_) => true,
    })
}

fn compare_config(theirs: &Value, ours: &Value, diffs: &mut Vec<String>) {
    const FIELDS: [&str; 13] = [
        "Env",
        "Cmd",
        "Entrypoint",
        "WorkingDir",
        "User",
        "ExposedPorts",
        "Labels",
        "Volumes",
        "StopSignal",
        "Healthcheck",
        "Shell",
        "OnBuild",
        "ArgsEscaped",
    ];
    for f in FIELDS {
        let (t, o) = (
            normalized(theirs["config"].get(f)),
            normalized(ours["config"].get(f)),
        );
        if t != o {
            diffs.push(format!("config.{f}: {} vs {}", show(t), show(o)));
        }
    }
    for f in ["architecture", "os", "variant", "author", "created"] {
        let (t, o) = (normalized(theirs.get(f)), normalized(ours.get(f)));
        if t != o {
            diffs.push(format!("{f}: {} vs {}", show(t), show(o)));
        }
    }
}

fn show(v: Option<&Value>) -> String {
    v.map_or_else(|| "(unset)".into(), Value::to_string)
}

/// Instructions whose history wording rbuild keeps on purpose (see `src/plan/history.rs`):
/// BuildKit 0.13 writes Go's debug print of internal types for them (`EXPOSE map[80/tcp:{}]`,
/// `HEALTHCHECK &{["CMD" "true"] "0s" "0s" "0s" "0s" '\x00'}`), a wording later BuildKit releases
/// changed and no tool parses. Only the instruction is compared; the values are compared in the
/// config (ExposedPorts, Healthcheck).
const OWN_WORDING: [&str; 2] = ["EXPOSE ", "HEALTHCHECK "];

/// One history entry as compared: created_by, comment, empty_layer, created.
fn history(img: &Image) -> Vec<String> {
    img.config["history"]
        .as_array()
        .map(|h| {
            h.iter()
                .map(|e| {
                    let created_by = e["created_by"].as_str().unwrap_or_default();
                    let created_by = match OWN_WORDING.iter().find(|w| created_by.starts_with(*w)) {
                        Some(w) => format!("{w}..."),
                        None => created_by.to_string(),
                    };
                    format!(
                        "{created_by:?}{}{}{}",
                        e["comment"]
                            .as_str()
                            .map(|c| format!(" comment={c}"))
                            .unwrap_or_default(),
                        if e["empty_layer"].as_bool() == Some(true) {
                            " (empty layer)"
                        } else {
                            ""
                        },
                        e["created"]
                            .as_str()
                            .map(|c| format!(" at {c}"))
                            .unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn compare_history(theirs: &Image, ours: &Image, diffs: &mut Vec<String>) {
    let (t, o) = (history(theirs), history(ours));
    for i in 0..t.len().max(o.len()) {
        let (a, b) = (t.get(i), o.get(i));
        if a != b {
            diffs.push(format!(
                "history[{i}]: {} vs {}",
                a.map_or("(none)", String::as_str),
                b.map_or("(none)", String::as_str)
            ));
        }
    }
    for (who, img, h) in [("BuildKit", theirs, &t), ("rbuild", ours, &o)] {
        let non_empty = h.iter().filter(|e| !e.contains("(empty layer)")).count();
        if non_empty != img.layers {
            diffs.push(format!(
                "{who}: {} layers but {non_empty} non-empty history entries",
                img.layers
            ));
        }
    }
    if theirs.layers != ours.layers {
        diffs.push(format!("layers: {} vs {}", theirs.layers, ours.layers));
    }
}
