//! Running one RUN step (DESIGN.md, "Layers and execution"): the snapshot stack is mounted as
//! an overlayfs with an empty upper dir, the command runs in an OCI runtime (runc or crun) from a
//! generated bundle, and the upper dir is left holding exactly the step's changes, ready for
//! [`crate::image::layer::OverlaySource`].
//!
//! * [`overlay`] mounts the root (`redirect_dir=off,index=off,metacopy=off`, so the upper dir is
//!   a plain diff) and unmounts it on every path;
//! * [`user`] resolves `USER` through the image's `/etc/passwd` and `/etc/group` as BuildKit does;
//! * [`spec`] writes the bundle's `config.json` (runc's and BuildKit's defaults);
//! * [`mountpoints`] creates the working directory and removes the empty mount points the runtime
//!   had to create (the defaults' and those of [`RunSpec::mounts`]), so that a step that changes
//!   nothing leaves an empty upper dir and a mount's contents never reach the layer;
//! * [`runtime`] finds and drives the runtime, and deletes containers left by a killed rbuild;
//! * [`binfmt`] checks (and registers) the QEMU handlers a RUN of another architecture needs.
//!
//! Everything of a run lives in `<scratch>/run-<pid>-<n>/` (`upper/`, `work/`, `merged/`,
//! `bundle/`), removed when the [`Finished`] value drops; the runtime's state is in
//! `<scratch>/runc/`. Needs root (mounts, namespaces).

pub mod binfmt;
pub mod container;
pub mod error;
pub mod isolation;
pub mod mountpoints;
pub mod overlay;
pub mod runtime;
pub mod sandbox;
pub mod spec;
pub mod user;

use std::path::{Path, PathBuf};

pub use error::ExecError;
pub use isolation::{Isolation, IsolationChoice, Privileges};
pub use runtime::Runtime;

use error::IoContext;

/// The network a step sees.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Network {
    /// The host's network (Docker's `--network=default` for RUN).
    #[default]
    Host,
    /// A network namespace with only a loopback device (`RUN --network=none`).
    None,
}

/// What to run and in which root filesystem.
#[derive(Debug, Clone, Default)]
pub struct RunSpec {
    /// Snapshot dirs (overlay "diff" format), top first; may be empty (`FROM scratch`).
    pub lower: Vec<PathBuf>,
    /// The full argv, the shell already prepended for the shell form.
    pub args: Vec<String>,
    /// `NAME=value` pairs; `PATH` gets BuildKit's default when absent.
    pub env: Vec<String>,
    /// The `USER` value: `""` (root), `name`, `uid`, `name:group` or `uid:gid`.
    pub user: String,
    /// The absolute working directory (`/` when empty); created when missing.
    pub workdir: String,
    /// The network.
    pub network: Network,
    /// The container's host name.
    pub hostname: String,
    /// Mounts besides the root filesystem and the runtime's defaults (`RUN --mount`).
    pub mounts: Vec<ExecMount>,
    /// Environment variables whose values are secrets (`RUN --mount=type=secret,env=...`): in
    /// the process's environment, never in debug output.
    pub secret_env: Vec<(String, Redacted)>,
    /// `--add-host`, `--shm-size`, `--ulimit`, `--cgroup-parent`.
    pub sandbox: sandbox::RunSandbox,
    /// `RUN --security=insecure` (allowed by `--allow security.insecure`): every capability,
    /// every device, no masked paths, as BuildKit's insecure mode.
    pub privileged: bool,
}

/// A mount of a step (`RUN --mount`), prepared on the host by the builder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecMount {
    /// The container path (absolute).
    pub target: String,
    /// What is mounted there.
    pub kind: ExecMountKind,
}

/// What an [`ExecMount`] mounts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecMountKind {
    /// A host directory, file or socket, bind-mounted.
    Bind {
        /// The host path.
        source: PathBuf,
        /// Mounted read-only.
        readonly: bool,
    },
    /// An empty tmpfs.
    Tmpfs {
        /// Its size limit in bytes.
        size: Option<u64>,
    },
}

/// A secret value: shown as `****` by `Debug`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Redacted(pub String);

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("****")
    }
}

/// A finished run: the process's exit code and the upper dir. Dropping it removes the run's
/// directory, the upper dir included: make the layer first.
#[derive(Debug)]
pub struct Finished {
    /// The overlay upper dir, holding exactly the step's changes (overlay unmounted).
    pub upper: PathBuf,
    /// The process's exit code (128 + signal number when a signal killed it).
    pub exit_code: i32,
    dir: RunDir,
}

impl Finished {
    /// The run's directory (holding `upper`).
    pub fn dir(&self) -> &Path {
        &self.dir.0
    }
}

/// A run's directory, removed on drop.
#[derive(Debug)]
struct RunDir(PathBuf);

impl Drop for RunDir {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_dir_all(&self.0)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!("removing {}: {e}", self.0.display());
        }
    }
}

/// Runs `spec` with `runtime`; the run's files go under `scratch` (a directory on the state
/// dir's filesystem). The process's stdout and stderr go to `output` as they arrive. A process
/// that exits non-zero is a [`Finished`] with that code; an error is a failure to set up or of
/// the runtime itself.
pub fn run(
    spec: &RunSpec,
    runtime: &Runtime,
    scratch: &Path,
    output: &mut dyn FnMut(&[u8]),
) -> Result<Finished, ExecError> {
    std::fs::create_dir_all(scratch).at("creating", scratch)?;
    let state = scratch.join("runc");
    sweep(runtime, scratch, &state);

    let ids = user::resolve_user(&spec.user, &spec.lower)?;
    let etc = crate::store::lookup::resolve(&spec.lower, Path::new("/etc")).map_err(|source| {
        ExecError::Store {
            path: "/etc".into(),
            source,
        }
    })?;
    let host_files = etc.as_ref().is_none_or(|(_, m)| m.is_dir());
    let targets: Vec<PathBuf> = spec::mount_targets()
        .into_iter()
        .filter(|t| host_files || !spec::HOST_FILES.iter().any(|f| Path::new(f) == t))
        .chain(spec.mounts.iter().map(|m| PathBuf::from(&m.target)))
        .collect();
    let absent = mountpoints::absent_targets(&spec.lower, &targets)?;

    let id = Runtime::new_id();
    let dir = RunDir(scratch.join(id.replacen("rbuild-", "run-", 1)));
    // Private: the bundle's config.json holds `--secret id=X,env=VAR` values, the upper dir
    // what the step wrote (setuid files included).
    private_dir(&dir.0)?;
    let dirs = overlay::OverlayDirs {
        lower: spec.lower.clone(),
        empty: dir.0.join("empty"),
        upper: dir.0.join("upper"),
        work: dir.0.join("work"),
        merged: dir.0.join("merged"),
    };
    let bundle = dir.0.join("bundle");
    private_dir(&bundle)?;

    let mount = dirs.mount()?;
    let workdir = if spec.workdir.is_empty() {
        "/"
    } else {
        &spec.workdir
    };
    mountpoints::create_workdir(mount.merged(), workdir)?;
    // BuildKit's own /etc/hosts (localhost and the host name), then `--add-host`'s lines.
    let hosts = bundle.join("hosts");
    let mut hosts_text = spec::hosts_file(&spec.hostname);
    for (host, ip) in &spec.sandbox.extra_hosts {
        hosts_text.push_str(&format!("{ip}\t{host}\n"));
    }
    std::fs::write(&hosts, hosts_text).at("writing", &hosts)?;
    let config = bundle.join("config.json");
    let generated = spec::build(
        spec,
        mount.merged(),
        &ids,
        host_files.then_some(hosts.as_path()),
    )?;
    save_private(&config, &generated)?;
    let exit = runtime.run(&state, &bundle, &id, output)?;
    mount.unmount()?;
    std::fs::remove_dir_all(&dirs.work).at("removing", &dirs.work)?;
    mountpoints::remove_residue(&dirs.upper, &spec.lower, &absent)?;
    Ok(Finished {
        upper: dirs.upper,
        exit_code: exit.code,
        dir,
    })
}

/// Creates `dir` for its owner only (0700; a umask only ever removes bits).
fn private_dir(dir: &Path) -> Result<(), ExecError> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(dir)
        .at("creating", dir)
}

/// Writes the runtime spec to `path`, readable by its owner only (0600): it may hold secrets.
fn save_private(path: &Path, spec: &oci_spec::runtime::Spec) -> Result<(), ExecError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let json = serde_json::to_vec(spec).map_err(|e| ExecError::Spec {
        path: path.to_path_buf(),
        source: oci_spec::OciSpecError::Other(e.to_string()),
    })?;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(&json))
        .at("writing", path)
}

/// Removes what runs of dead rbuild processes left under `scratch`: containers, mounts, dirs.
fn sweep(runtime: &Runtime, scratch: &Path, state: &Path) {
    runtime.sweep(state);
    let Ok(entries) = std::fs::read_dir(scratch) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("run-") && runtime::owner_is_gone(&name) {
            overlay::detach(&entry.path().join("merged"));
            drop(RunDir(entry.path()));
        }
    }
}
