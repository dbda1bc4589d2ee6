//! A RUN step's `--mount`s and heredoc scripts, prepared on the host before the step runs and
//! released after it ([`Prepared`] drops: locks released, overlays unmounted, secret files and
//! sockets removed):
//!
//! * [`cache`] — persistent directories under `<state>/mounts/`, with BuildKit's sharing modes;
//! * [`view`] — the context's selected files or a stage's/image's filesystem for bind mounts
//!   (read-only, or writable with the writes thrown away) and a cache mount's initial content;
//! * [`secrets`] — `--secret` and `--ssh` sources; a secret's value is written only to a file in
//!   a private (0700) scratch dir, bind-mounted read-only, or put in the process's environment;
//!   it is in no key, record, log line or layer;
//! * [`ssh`] — a forwarding socket to the host's agent;
//! * `tmpfs` mounts need nothing on the host.
//!
//! The runtime creates missing mount targets in the root; [`crate::exec::mountpoints`] removes
//! those again, so no mount's contents or mount point reach the layer.

pub mod cache;
pub mod secrets;
pub mod ssh;
pub mod view;

use std::fs;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::BuildError;
use super::layers::LayerRef;
use super::run_step::RunContext;
use crate::exec::{ExecMount, ExecMountKind, Redacted};
use crate::plan::{FileSource, MountType, RunMount, RunOp, Sharing};

pub use secrets::{SecretSource, SshSource};

/// What a step's mounts need on the host while it runs; released on drop.
#[derive(Debug, Default)]
pub struct Prepared {
    /// The runtime's mounts.
    pub mounts: Vec<ExecMount>,
    /// Secret values exposed as environment variables.
    pub secret_env: Vec<(String, Redacted)>,
    /// Other variables the mounts set (`SSH_AUTH_SOCK`).
    pub env: Vec<(String, String)>,
    guards: Vec<Guard>,
    dir: Option<RemoveDir>,
}

/// Something held while the step runs.
#[derive(Debug)]
#[allow(dead_code)] // Held for their drop.
enum Guard {
    Cache(cache::CacheDir),
    View(view::View),
    Ssh(ssh::SshProxy),
}

/// A directory removed on drop (after the guards: they are dropped first).
#[derive(Debug)]
struct RemoveDir(PathBuf);

impl Drop for RemoveDir {
    fn drop(&mut self) {
        if let Err(e) = fs::remove_dir_all(&self.0)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!("removing {}: {e}", self.0.display());
        }
    }
}

impl Drop for Prepared {
    fn drop(&mut self) {
        // Views (overlay mounts) and sockets go before their directory.
        while let Some(g) = self.guards.pop() {
            drop(g);
        }
        self.dir.take();
    }
}

/// Prepares `op`'s mounts and script files under `scratch`; `from` gives the layers of a
/// stage or image a mount reads.
pub fn prepare(
    cx: &RunContext<'_>,
    line: usize,
    op: &RunOp,
    scratch: &Path,
) -> Result<Prepared, BuildError> {
    let mut out = Prepared::default();
    if op.mounts.is_empty() && op.files.is_empty() {
        return Ok(out);
    }
    let dir = scratch.join("mounts");
    fs::DirBuilder::new()
        .mode(0o700)
        .recursive(true)
        .create(&dir)
        .map_err(|e| io(line, "creating", &dir, e))?;
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))
        .map_err(|e| io(line, "creating", &dir, e))?;
    out.dir = Some(RemoveDir(dir.clone()));
    if !op.files.is_empty() {
        let pipes = dir.join("pipes");
        fs::create_dir(&pipes).map_err(|e| io(line, "creating", &pipes, e))?;
        for (name, content) in &op.files {
            let file = pipes.join(name);
            fs::write(&file, content).map_err(|e| io(line, "writing", &file, e))?;
            fs::set_permissions(&file, fs::Permissions::from_mode(0o755))
                .map_err(|e| io(line, "writing", &file, e))?;
        }
        out.mounts.push(ExecMount {
            target: RunOp::FILES_DIR.into(),
            kind: ExecMountKind::Bind {
                source: pipes,
                readonly: true,
            },
        });
    }
    for (n, m) in op.mounts.iter().enumerate() {
        let here = dir.join(n.to_string());
        match m.kind {
            MountType::Tmpfs => out.mounts.push(ExecMount {
                target: m.target.clone(),
                kind: ExecMountKind::Tmpfs { size: m.size },
            }),
            MountType::Bind => bind(cx, line, m, &here, &mut out)?,
            MountType::Cache => cache_mount(cx, line, m, &here, &mut out)?,
            MountType::Secret => secret(cx, line, m, &here, &mut out)?,
            MountType::Ssh => ssh_mount(cx, line, m, &here, &mut out)?,
        }
    }
    Ok(out)
}

/// The layers of a stage or image a mount reads.
fn from_layers(
    cx: &RunContext<'_>,
    line: usize,
    from: &FileSource,
) -> Result<Vec<LayerRef>, BuildError> {
    (cx.mount_source)(from, line)
}

fn bind(
    cx: &RunContext<'_>,
    line: usize,
    m: &RunMount,
    here: &Path,
    out: &mut Prepared,
) -> Result<(), BuildError> {
    let writable = !m.readonly;
    // The container isolation cannot mount: its views are copies.
    let copies = cx.container_root.is_some();
    fs::create_dir_all(here).map_err(|e| io(line, "creating", here, e))?;
    let context = match &m.from {
        None | Some(FileSource::Context) => Some(cx.context),
        Some(FileSource::Local(n)) => Some(cx.named.local(*n).ok_or_else(|| {
            BuildError::Internal(format!("line {line}: no build context directory {n}"))
        })?),
        Some(_) => None,
    };
    let source = match (context, &m.from) {
        (Some(context), _) => {
            let copy = view::materialize_context(
                context,
                if m.source.is_empty() { "." } else { &m.source },
                &here.join("context"),
                writable,
                line,
            )?;
            if copy.is_dir() && writable {
                let v = view::stack_view(&[copy], true, here, line, copies)?;
                let root = v.root.clone();
                out.guards.push(Guard::View(v));
                root
            } else {
                copy
            }
        }
        (None, from) => {
            let from = from.as_ref().ok_or_else(|| {
                BuildError::Internal(format!("line {line}: bind mount without a source"))
            })?;
            let layers = from_layers(cx, line, from)?;
            let stack = cx.materializer.rootfs(&layers)?.stack;
            let v = view::stack_view(&stack, writable, here, line, copies)?;
            let path = view::resolve_in_root(&v.root, &m.source, line)?;
            out.guards.push(Guard::View(v));
            path
        }
    };
    out.mounts.push(ExecMount {
        target: m.target.clone(),
        kind: ExecMountKind::Bind {
            source,
            readonly: m.readonly,
        },
    });
    Ok(())
}

fn cache_mount(
    cx: &RunContext<'_>,
    line: usize,
    m: &RunMount,
    here: &Path,
    out: &mut Prepared,
) -> Result<(), BuildError> {
    let layers = match &m.from {
        Some(FileSource::Context) | None => None,
        Some(from) => Some(from_layers(cx, line, from)?),
    };
    let name = cache_name(m, layers.as_deref());
    let local = cache::scoped_dir_name(&name, cx.mount_scope);
    let owner_set = m.mode.is_some() || m.uid.is_some() || m.gid.is_some();
    let mounts = cx.store.root().join("mounts");
    let mut init = |tmp: &Path| -> Result<(), BuildError> {
        // A remote mount cache replaces the initial content (it grew from it).
        let restored = cx.mount_sync.is_some_and(|sync| {
            let warn = |w: &str| cx.progress.info(&format!("#{} WARNING: {w}", cx.id));
            sync.restore(&name, &m.id, tmp, &warn)
        });
        let copies = layers.is_some() && (!m.source.is_empty() || !owner_set);
        if copies && restored {
            return Ok(());
        }
        if let Some(layers) = &layers
            && copies
        {
            let stack = cx.materializer.rootfs(layers)?.stack;
            let v = view::stack_view(
                &stack,
                false,
                &here.join("init"),
                line,
                cx.container_root.is_some() && stack.len() > 1,
            )?;
            let src = view::resolve_in_root(&v.root, &m.source, line)?;
            view::copy_tree(&src, tmp, line)?;
            return Ok(());
        }
        set_owner_and_mode(m, tmp, line)
    };
    let dir = cache::acquire(&mounts, &local, m.sharing, line, &mut init)?;
    if let Some(sync) = cx.mount_sync {
        sync.used(&name, &local, &m.id);
    }
    out.mounts.push(ExecMount {
        target: m.target.clone(),
        kind: ExecMountKind::Bind {
            source: dir.path.clone(),
            readonly: m.readonly,
        },
    });
    out.guards.push(Guard::Cache(dir));
    Ok(())
}

/// The directory name of cache mount `m` (its initial content from `layers`, if any).
fn cache_name(m: &RunMount, layers: Option<&[LayerRef]>) -> String {
    let owner_set = m.mode.is_some() || m.uid.is_some() || m.gid.is_some();
    let mut base = String::new();
    if let Some(layers) = layers {
        let top = layers.last().map_or("empty", |l| l.chain_id.as_str());
        base.push_str(&format!("from={top};source={};", m.source));
    }
    if owner_set {
        base.push_str(&format!(
            "mode={:o};uid={};gid={}",
            m.mode.unwrap_or(0o755),
            m.uid.unwrap_or(0),
            m.gid.unwrap_or(0)
        ));
    }
    cache::dir_name(&m.id, &base)
}

/// A new cache directory that nothing filled gets the mount's owner and mode.
fn set_owner_and_mode(m: &RunMount, tmp: &Path, line: usize) -> Result<(), BuildError> {
    std::os::unix::fs::chown(tmp, Some(m.uid.unwrap_or(0)), Some(m.gid.unwrap_or(0)))
        .map_err(|e| io(line, "changing the owner of", tmp, e))?;
    fs::set_permissions(tmp, fs::Permissions::from_mode(m.mode.unwrap_or(0o755)))
        .map_err(|e| io(line, "changing the mode of", tmp, e))
}

/// Restores the remote caches of `op`'s cache mounts ahead of the step (`build::early`): each
/// directory is made as the step would make it, so the step finds it there. Only mounts whose
/// initial content is no stage's or image's, and whose sharing makes a step wait for the
/// directory's lock (`shared`, `locked`): a `private` step would take another directory
/// rather than wait. Failures are left for the step to meet again.
pub fn restore_early(
    store: &crate::store::Store,
    sync: &dyn crate::cache::mounts::MountSync,
    scope: Option<&str>,
    line: usize,
    op: &RunOp,
    warn: &dyn Fn(&str),
) {
    let mounts = store.root().join("mounts");
    for m in &op.mounts {
        let plain = matches!(m.from, None | Some(FileSource::Context));
        if m.kind != MountType::Cache || !plain || m.sharing == Sharing::Private {
            continue;
        }
        let name = cache_name(m, None);
        let mut init = |tmp: &Path| -> Result<(), BuildError> {
            if sync.restore(&name, &m.id, tmp, warn) {
                return Ok(());
            }
            set_owner_and_mode(m, tmp, line)
        };
        let local = cache::scoped_dir_name(&name, scope);
        if let Err(e) = cache::acquire(&mounts, &local, m.sharing, line, &mut init) {
            tracing::debug!("restoring cache mount {} early: {e}", m.id);
        }
    }
}

/// The source a secret or ssh mount names: `found`, else an error saying `missing()` when the
/// mount is `required`, else `None` (BuildKit skips an optional mount whose source is absent).
fn required<'s, T>(
    found: Option<&'s T>,
    m: &RunMount,
    line: usize,
    missing: impl FnOnce() -> String,
) -> Result<Option<&'s T>, BuildError> {
    match found {
        None if m.required => Err(BuildError::at(line, missing())),
        found => Ok(found),
    }
}

fn secret(
    cx: &RunContext<'_>,
    line: usize,
    m: &RunMount,
    here: &Path,
    out: &mut Prepared,
) -> Result<(), BuildError> {
    let found = cx.secrets.iter().find(|s| s.id == m.id);
    let Some(src) = required(found, m, line, || {
        format!(
            "secret {} not found: it is required (give it with --secret id={},src=FILE or --secret id={},env=VAR)",
            m.id, m.id, m.id
        )
    })?
    else {
        return Ok(());
    };
    let value = src
        .read()
        .map_err(|e| BuildError::at(line, e.to_string()))?;
    if let Some(var) = &m.env {
        out.secret_env.push((
            var.clone(),
            Redacted(String::from_utf8_lossy(&value).into_owned()),
        ));
    }
    if m.target.is_empty() {
        return Ok(());
    }
    fs::DirBuilder::new()
        .mode(0o700)
        .create(here)
        .map_err(|e| io(line, "creating", here, e))?;
    let file = here.join("secret");
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = fs::File::options()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&file)
            .map_err(|e| io(line, "creating", &file, e))?;
        f.write_all(&value)
            .map_err(|e| io(line, "writing", &file, e))?;
    }
    std::os::unix::fs::chown(&file, Some(m.uid.unwrap_or(0)), Some(m.gid.unwrap_or(0)))
        .map_err(|e| io(line, "changing the owner of", &file, e))?;
    fs::set_permissions(&file, fs::Permissions::from_mode(m.mode.unwrap_or(0o400)))
        .map_err(|e| io(line, "changing the mode of", &file, e))?;
    out.mounts.push(ExecMount {
        target: m.target.clone(),
        kind: ExecMountKind::Bind {
            source: file,
            readonly: true,
        },
    });
    Ok(())
}

fn ssh_mount(
    cx: &RunContext<'_>,
    line: usize,
    m: &RunMount,
    here: &Path,
    out: &mut Prepared,
) -> Result<(), BuildError> {
    let found = cx.ssh.iter().find(|s| s.id == m.id);
    let Some(src) = required(found, m, line, || {
        format!(
            "no SSH key {:?} forwarded from the client: it is required (give it with --ssh {})",
            m.id, m.id
        )
    })?
    else {
        return Ok(());
    };
    let agent = src
        .socket()
        .map_err(|e| BuildError::at(line, e.to_string()))?;
    let is_socket = fs::metadata(&agent)
        .map(|meta| std::os::unix::fs::FileTypeExt::is_socket(&meta.file_type()))
        .unwrap_or(false);
    if !is_socket {
        return Err(BuildError::at(
            line,
            format!(
                "ssh `{}`: `{}` is not an agent socket (load keys into ssh-agent and give its socket)",
                m.id,
                agent.display()
            ),
        ));
    }
    fs::DirBuilder::new()
        .mode(0o700)
        .create(here)
        .map_err(|e| io(line, "creating", here, e))?;
    let sock = here.join("agent.sock");
    let proxy = ssh::SshProxy::start(
        &agent,
        &sock,
        m.uid.unwrap_or(0),
        m.gid.unwrap_or(0),
        m.mode.unwrap_or(0o600),
    )
    .map_err(|e| io(line, "listening on", &sock, e))?;
    out.guards.push(Guard::Ssh(proxy));
    if !out.env.iter().any(|(k, _)| k == "SSH_AUTH_SOCK") {
        out.env.push(("SSH_AUTH_SOCK".into(), m.target.clone()));
    }
    out.mounts.push(ExecMount {
        target: m.target.clone(),
        kind: ExecMountKind::Bind {
            source: sock,
            readonly: true,
        },
    });
    Ok(())
}

fn io(line: usize, what: &str, path: &Path, e: std::io::Error) -> BuildError {
    BuildError::at(line, format!("{what} `{}`: {e}", path.display()))
}
