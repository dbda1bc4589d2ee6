//! A RUN step: the stage's layers unpacked as snapshots, its mounts and heredoc scripts prepared
//! by [`super::mounts`], the command run by [`crate::exec`] on an overlay of them, the upper dir written as the step's layer ([`OverlaySource`]); an empty
//! upper dir makes no layer. The process's output is shown line by line as it arrives; a
//! non-zero exit fails the build with the line, the code and the last lines of output.

use std::collections::VecDeque;
use std::path::Path;

use super::BuildError;
use super::layers::{LayerRef, Materializer};
use super::mounts::{self, SecretSource, SshSource};
use super::progress::Progress;
use crate::context::BuildContext;
use crate::exec::container::ContainerRoot;
use crate::exec::{self, Isolation, Network, RunSpec, Runtime};
use crate::image::layer::{LayerDescriptor, LayerOptions, OverlaySource, diff_of, write_layer};
use crate::plan::FileSource;
use crate::plan::RunOp;
use crate::store::{Store, child_chain_id};

/// How many output lines a failed step's error repeats.
const TAIL_LINES: usize = 10;

/// What a RUN step needs from the build.
pub struct RunContext<'a> {
    /// Snapshots of the stage's layers.
    pub materializer: &'a Materializer<'a>,
    /// Where the layer blob goes.
    pub store: &'a Store,
    /// Where output lines go.
    pub progress: &'a dyn Progress,
    /// The step's progress id (its output lines carry it).
    pub id: usize,
    /// How the layer is written.
    pub options: LayerOptions,
    /// The build context (bind mounts without `from=`).
    pub context: &'a BuildContext,
    /// The `--build-context` names (bind mounts `from=` one of their directories).
    pub named: &'a crate::plan::NamedContexts,
    /// `--secret` sources.
    pub secrets: &'a [SecretSource],
    /// `--ssh` agents.
    pub ssh: &'a [SshSource],
    /// `--runtime`: the OCI runtime's name or path (`None`: runc, else crun).
    pub runtime: Option<&'a str>,
    /// How the step is isolated.
    pub isolation: &'a Isolation,
    /// The root the container isolation runs steps at.
    pub container_root: Option<&'a ContainerRoot>,
    /// The layers of the stage or image a mount's `from=` names (`line` for errors).
    pub mount_source: &'a MountSource<'a>,
    /// Remote mount caches: restores new cache directories, notes the ones used.
    pub mount_sync: Option<&'a dyn crate::cache::mounts::MountSync>,
    /// Whether the step's layer may stay lazy (`crate::store::lazy`): its stage is in no image
    /// this build outputs, so only caches need the layer's bytes, and later.
    pub lazy: bool,
    /// The scope whose cache-mount directories steps use (see
    /// [`super::mounts::cache::scoped_dir_name`]); `None`: the unscoped ones.
    pub mount_scope: Option<&'a str>,
}

/// Resolves a mount's `from=` to the layers of that stage or image.
pub type MountSource<'a> =
    dyn Fn(&FileSource, usize) -> Result<Vec<LayerRef>, BuildError> + Sync + 'a;

/// Runs `op` on `layers`; the layer it made, `None` when it changed nothing.
pub fn run_step(
    cx: &RunContext<'_>,
    line: usize,
    op: &RunOp,
    layers: &[LayerRef],
    scratch: &Path,
) -> Result<Option<LayerDescriptor>, BuildError> {
    let network = match op.network.as_str() {
        "none" => Network::None,
        "default" | "host" | "" => Network::Host,
        other => {
            return Err(BuildError::at(
                line,
                format!("RUN --network={other} is not supported (default, host or none)"),
            ));
        }
    };
    let exec_err = |source| BuildError::Exec { line, source };
    match (cx.isolation, cx.container_root) {
        (Isolation::Unavailable(why), _) => return Err(BuildError::at(line, why.clone())),
        (Isolation::Container, Some(root)) => {
            if network == Network::None {
                return Err(BuildError::at(
                    line,
                    "RUN --network=none cannot be enforced by the container isolation (a \
                     network namespace needs CAP_SYS_ADMIN): remove it, or build where rbuild \
                     may mount (--isolation=runc)",
                ));
            }
            if let Some(what) = op.sandbox.unenforceable_in_container(op.insecure) {
                return Err(BuildError::at(
                    line,
                    format!(
                        "{what} cannot be applied by the container isolation (it needs runc): \
                         remove it, or build where rbuild may mount (--isolation=runc)"
                    ),
                ));
            }
            return run_in_container(cx, root, line, op, layers, scratch);
        }
        _ => {}
    }
    let runtime = Runtime::find(cx.runtime).map_err(exec_err)?;
    // The lower layers and the mounts (a remote mount cache's restore, above all) are made
    // present at once: on a fresh runner both are downloads.
    let (stack, prepared) = std::thread::scope(|s| {
        let prepare = s.spawn(|| mounts::prepare(cx, line, op, scratch));
        let stack = cx.materializer.rootfs(layers);
        let prepared = prepare
            .join()
            .unwrap_or_else(|_| Err(BuildError::Internal("preparing the mounts panicked".into())));
        (stack, prepared)
    });
    let (stack, prepared) = (stack?.stack, prepared?);
    let spec = RunSpec {
        lower: stack,
        args: op.args.clone(),
        env: step_env(op, &prepared),
        user: op.user.clone(),
        workdir: op.workdir.clone(),
        network,
        hostname: op.hostname().to_string(),
        mounts: prepared.mounts.clone(),
        secret_env: prepared.secret_env.clone(),
        sandbox: op.sandbox.clone(),
        privileged: op.insecure,
    };
    let finished = shown(cx, line, op, |output| {
        let f = exec::run(&spec, &runtime, scratch, output)?;
        let code = f.exit_code;
        Ok((f, code))
    })?;
    drop(prepared);
    let upper_is_empty = std::fs::read_dir(&finished.upper)
        .map(|mut d| d.next().is_none())
        .unwrap_or(false);
    if upper_is_empty {
        return Ok(None);
    }
    if cx.lazy
        && cx.options.source_date_epoch.is_none()
        && let Some(desc) = lazy_layer(cx, line, layers, &finished.upper)?
    {
        return Ok(Some(desc));
    }
    let entries = OverlaySource::new(&finished.upper)
        .entries()
        .map_err(|source| BuildError::Layer { line, source })?;
    let writer = cx.store.writer(None)?;
    let (desc, writer) = write_layer(entries, &cx.options, writer)
        .map_err(|source| BuildError::Layer { line, source })?;
    writer.commit()?;
    // The upper dir becomes the layer's snapshot: the next step stands on it without unpacking
    // the blob just written. Not with SOURCE_DATE_EPOCH, whose clamped mtimes only the layer
    // has.
    if cx.options.source_date_epoch.is_none() {
        let chain_id = match layers.last() {
            Some(parent) => child_chain_id(&parent.chain_id, &desc.diff_id),
            None => desc.diff_id.clone(),
        };
        if let Err(e) = cx.store.adopt_snapshot(&chain_id, &finished.upper) {
            tracing::debug!("line {line}: the upper dir was not kept as the snapshot: {e}");
        }
    }
    Ok(Some(desc))
}

/// [`run_step`] in the container isolation ([`crate::exec::container`]): the root is leased for
/// the step, made to hold `layers` (only the snapshots of the layers it lacks are made), and
/// the step's layer is written from the difference of the stat walks around it.
fn run_in_container(
    cx: &RunContext<'_>,
    root: &ContainerRoot,
    line: usize,
    op: &RunOp,
    layers: &[LayerRef],
    scratch: &Path,
) -> Result<Option<LayerDescriptor>, BuildError> {
    let prepared = mounts::prepare(cx, line, op, scratch)?;
    let lease = root.lease();
    let chain: Vec<_> = layers.iter().map(|l| l.chain_id.clone()).collect();
    let held = lease.holds_prefix(&chain);
    cx.materializer.materialize(&layers[held..])?;
    let stack: Vec<_> = layers
        .iter()
        .map(|l| (l.chain_id.clone(), cx.store.snapshot_path(&l.chain_id)))
        .collect();
    let spec = RunSpec {
        lower: Vec::new(),
        args: op.args.clone(),
        env: step_env(op, &prepared),
        user: op.user.clone(),
        workdir: op.workdir.clone(),
        network: Network::Host,
        hostname: op.hostname().to_string(),
        mounts: prepared.mounts.clone(),
        secret_env: prepared.secret_env.clone(),
        ..RunSpec::default()
    };
    let run = shown(cx, line, op, |output| {
        let run = lease.run(&stack, &spec, output)?;
        let code = run.exit_code;
        Ok((run, code))
    })?;
    drop(prepared);
    if run.changes.is_empty() {
        run.commit(None);
        return Ok(None);
    }
    let writer = cx.store.writer(None)?;
    let (desc, writer) = write_layer(run.changes.entries(), &cx.options, writer)
        .map_err(|source| BuildError::Layer { line, source })?;
    writer.commit()?;
    let chain_id = match layers.last() {
        Some(parent) => child_chain_id(&parent.chain_id, &desc.diff_id),
        None => desc.diff_id.clone(),
    };
    run.commit(Some(chain_id));
    Ok(Some(desc))
}

/// The step's environment: its own, then what its mounts add (`SSH_AUTH_SOCK`) unless set.
fn step_env(op: &RunOp, prepared: &mounts::Prepared) -> Vec<String> {
    let mut env = op.env.clone();
    let named = |env: &[String], k: &str| {
        env.iter()
            .any(|e| e.split_once('=').is_some_and(|(n, _)| n == k))
    };
    for p in &op.proxy_env {
        if let Some((k, _)) = p.split_once('=')
            && !named(&env, k)
        {
            env.push(p.clone());
        }
    }
    for (k, v) in &prepared.env {
        if !env
            .iter()
            .any(|e| e.split_once('=').is_some_and(|(n, _)| n == k))
        {
            env.push(format!("{k}={v}"));
        }
    }
    env
}

/// Runs a step through `run` (given where its output goes; returning what it made and the
/// exit code) with the output shown line by line as it arrives; a non-zero exit is the step's
/// error, with the last lines of its output.
fn shown<T>(
    cx: &RunContext<'_>,
    line: usize,
    op: &RunOp,
    run: impl FnOnce(&mut dyn FnMut(&[u8])) -> Result<(T, i32), exec::ExecError>,
) -> Result<T, BuildError> {
    let mut lines = OutputLines::default();
    let (made, code) = run(&mut |bytes| lines.push(bytes, cx.progress, cx.id))
        .map_err(|source| BuildError::Exec { line, source })?;
    lines.flush(cx.progress, cx.id);
    if code != 0 {
        return Err(exit_error(line, op, code, lines));
    }
    Ok(made)
}

/// The error of a step that exited with `code`, with the last lines of its output.
fn exit_error(line: usize, op: &RunOp, code: i32, lines: OutputLines) -> BuildError {
    let tail: Vec<String> = lines.tail.into_iter().collect();
    BuildError::at(
        line,
        format!(
            "RUN {:?} exited with code {code}{}",
            op.args.last().cloned().unwrap_or_default(),
            if tail.is_empty() {
                String::new()
            } else {
                format!("; last output:\n{}", tail.join("\n"))
            }
        ),
    )
}

/// The layer of a finished RUN whose upper dir is `upper`, left lazy (`crate::store::lazy`):
/// the plain tar's diff_id and size are computed (no blob written), the upper dir becomes the
/// snapshot and the lazy marker names it. `None` when the upper dir could not be adopted (the
/// caller writes the blob as usual).
fn lazy_layer(
    cx: &RunContext<'_>,
    line: usize,
    layers: &[LayerRef],
    upper: &Path,
) -> Result<Option<LayerDescriptor>, BuildError> {
    let entries = OverlaySource::new(upper)
        .entries()
        .map_err(|source| BuildError::Layer { line, source })?;
    let (diff_id, size) =
        diff_of(entries, None).map_err(|source| BuildError::Layer { line, source })?;
    let chain_id = match layers.last() {
        Some(parent) => child_chain_id(&parent.chain_id, &diff_id),
        None => diff_id.clone(),
    };
    match cx.store.adopt_snapshot(&chain_id, upper) {
        Ok(_) if cx.store.has_snapshot(&chain_id) => {}
        Ok(_) => return Ok(None),
        Err(e) => {
            tracing::debug!("line {line}: the upper dir was not kept as the snapshot: {e}");
            return Ok(None);
        }
    }
    cx.store.record_lazy(&diff_id, &chain_id)?;
    Ok(Some(LayerDescriptor {
        digest: diff_id.clone(),
        diff_id,
        size,
        media_type: crate::store::lazy::LAZY_MEDIA_TYPE.into(),
    }))
}

/// The process's output split into lines for the progress display, the last ones kept.
#[derive(Default)]
struct OutputLines {
    partial: Vec<u8>,
    tail: VecDeque<String>,
}

impl OutputLines {
    fn push(&mut self, bytes: &[u8], progress: &dyn Progress, id: usize) {
        self.partial.extend_from_slice(bytes);
        while let Some(pos) = self.partial.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=pos).collect();
            self.emit(&line[..line.len() - 1], progress, id);
        }
    }

    fn flush(&mut self, progress: &dyn Progress, id: usize) {
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.emit(&line, progress, id);
        }
    }

    fn emit(&mut self, line: &[u8], progress: &dyn Progress, id: usize) {
        let text = String::from_utf8_lossy(line).into_owned();
        progress.output(id, &text);
        if self.tail.len() == TAIL_LINES {
            self.tail.pop_front();
        }
        self.tail.push_back(text);
    }
}
