//! The in-container isolation (DESIGN.md "Layers and execution"; Kaniko's model): uid 0 in an
//! unprivileged container, no mounts, no namespaces. The container is the sandbox:
//!
//! 1. the root (`/`) is made to hold the stage's filesystem: everything that is not kept
//!    ([`keep`]: the container's mount points, rbuild's own folder, the state dir, the context)
//!    is removed and the stage's snapshots are laid over it ([`materialize`]); when the root
//!    already holds the lower part of the stack (the step before in the same stage), only the
//!    layers above it are laid;
//! 2. a stat walk records the root ([`walk`]);
//! 3. the step's mounts are placed at their targets ([`place`]) and its command runs directly,
//!    as the step's user, in its working directory ([`process`]);
//! 4. the mounts are taken away, a second walk records the root, and their difference is the
//!    step's layer ([`crate::image::layer::ChangesSource`]): the same changes runc's overlay
//!    upper dir records for the step.
//!
//! One step runs at a time ([`ContainerRoot::lease`]): the root is one. Snapshots are in
//! [`crate::store::SnapshotFormat::Files`]. Only for trusted Dockerfiles, as with Kaniko: a step
//! can change anything rbuild's container can.

pub mod keep;
pub mod materialize;
pub mod place;
pub mod process;
pub mod walk;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use super::ExecError;
use super::RunSpec;
use crate::digest::Digest;
use crate::image::layer::ChangesSource;
use keep::Keep;

/// Where rbuild's own files live in its image: never touched by a build.
pub const RBUILD_DIR: &str = "/rbuild";

/// Kaniko's folder (`/kaniko/executor`, `/kaniko/.docker`, `/kaniko/ssl`), which pipelines
/// moving from Kaniko mount or fill: never touched by a build either.
pub const KANIKO_DIR: &str = "/kaniko";

/// The root steps run at, and the layers it holds now.
#[derive(Debug)]
pub struct ContainerRoot {
    root: PathBuf,
    keep: Keep,
    /// The chain ids (bottom first) of the layers the root holds; `None`: unknown (before the
    /// first step, or after a step that did not finish).
    holds: Mutex<Option<Vec<Digest>>>,
}

impl ContainerRoot {
    /// `/` of the container rbuild runs in, keeping its mount points, the kernel's file
    /// systems, [`RBUILD_DIR`], [`KANIKO_DIR`], the container markers (`/.dockerenv`, `/run/.containerenv`)
    /// and `extra` (the state dir, the context, the output paths).
    pub fn slash(extra: &[PathBuf]) -> Result<Self, ExecError> {
        let mountinfo = Path::new("/proc/self/mountinfo");
        let text = std::fs::read_to_string(mountinfo).map_err(|source| ExecError::Io {
            what: "reading",
            path: mountinfo.to_path_buf(),
            source,
        })?;
        let mut keep = Keep::default();
        keep.add_mount_points(&text, Path::new("/"));
        // The container markers too: the next build in this container must still know it is
        // in one (`super::isolation`).
        for p in [
            "/proc",
            "/sys",
            "/dev",
            RBUILD_DIR,
            KANIKO_DIR,
            "/.dockerenv",
            "/run/.containerenv",
        ] {
            keep.add(Path::new(p));
        }
        for p in extra {
            keep.add(p);
        }
        Ok(Self::new("/", keep))
    }

    /// A root at `root` keeping `keep` (tests use a directory).
    pub fn new(root: impl Into<PathBuf>, keep: Keep) -> Self {
        Self {
            root: root.into(),
            keep,
            holds: Mutex::new(None),
        }
    }

    /// The root directory.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// Removes everything at the root that is not kept (after a build, for what runs next).
    pub fn clear(&self) -> Result<(), ExecError> {
        let mut held = self.lease();
        *held.holds = None;
        Ok(materialize::clear(&self.root, &self.keep)?)
    }

    /// The root for one step: other steps wait until the lease drops.
    pub fn lease(&self) -> Lease<'_> {
        Lease {
            root: self,
            holds: self.holds.lock().unwrap_or_else(PoisonError::into_inner),
        }
    }
}

/// The root, leased to one step.
#[derive(Debug)]
pub struct Lease<'a> {
    root: &'a ContainerRoot,
    holds: MutexGuard<'a, Option<Vec<Digest>>>,
}

/// A finished step: what it changed and how it exited. Its layer is read from the root, so the
/// root stays leased until [`StepRun::commit`] or drop.
#[derive(Debug)]
pub struct StepRun<'a> {
    lease: Lease<'a>,
    stack: Vec<Digest>,
    /// What the step changed.
    pub changes: ChangesSource,
    /// The process's exit code (128 + signal number when a signal killed it).
    pub exit_code: i32,
}

impl<'a> Lease<'a> {
    /// How many layers of `stack` (chain ids, bottom first) the root holds already: those need
    /// no snapshot for [`Lease::run`].
    pub fn holds_prefix(&self, stack: &[Digest]) -> usize {
        match self.holds.as_ref() {
            Some(held) if stack.starts_with(held) => held.len(),
            _ => 0,
        }
    }

    /// Runs `spec` with the root holding `stack` (chain id and snapshot dir per layer, bottom
    /// first; the snapshots of the layers [`Lease::holds_prefix`] counted may be absent).
    pub fn run(
        mut self,
        stack: &[(Digest, PathBuf)],
        spec: &RunSpec,
        output: &mut dyn FnMut(&[u8]),
    ) -> Result<StepRun<'a>, ExecError> {
        let chain: Vec<Digest> = stack.iter().map(|(c, _)| c.clone()).collect();
        let held = self.holds_prefix(&chain);
        let root = self.root.root.clone();
        let keep = self.root.keep.clone();
        // From here the root changes: unknown until the step commits.
        *self.holds = None;
        if held == 0 {
            materialize::clear(&root, &keep)?;
        }
        for (_, snapshot) in &stack[held..] {
            materialize::apply(&root, snapshot, &keep)?;
        }
        let ids = super::user::resolve_user(&spec.user, std::slice::from_ref(&root))?;
        // runc gives a step without `HOME` its user's home directory.
        let mut spec = spec.clone();
        if !spec.env.iter().any(|e| e.starts_with("HOME=")) {
            let home = super::user::home_of(ids.uid, std::slice::from_ref(&root))?;
            spec.env.push(format!("HOME={home}"));
        }
        let spec = &spec;

        let mut step_keep = keep.clone();
        step_keep.add(&place::aside_dir(Path::new("/")));
        for m in &spec.mounts {
            if let Some(target) = place::target_in_root(&root, &m.target)? {
                step_keep.add(&target);
            }
        }
        let before = walk::walk(&root, &step_keep)?;
        let workdir = if spec.workdir.is_empty() {
            "/"
        } else {
            &spec.workdir
        };
        super::mountpoints::create_workdir(&root, workdir)?;
        let placed = place::place(&root, &spec.mounts, &mut step_keep)?;
        let exit_code = process::run(&root, spec, &ids, output)?;
        placed.remove()?;
        let after = walk::walk(&root, &step_keep)?;
        let changes = ChangesSource::new(&root, walk::diff(&before, &after));
        Ok(StepRun {
            lease: self,
            stack: chain,
            changes,
            exit_code,
        })
    }
}

impl StepRun<'_> {
    /// The step's layer is made (`layer`: its chain id; `None` when the step changed
    /// nothing): the root holds the stack and that layer, for the next step to start from.
    pub fn commit(mut self, layer: Option<Digest>) {
        let mut held = std::mem::take(&mut self.stack);
        held.extend(layer);
        *self.lease.holds = Some(held);
    }
}

impl From<materialize::MaterializeError> for ExecError {
    fn from(e: materialize::MaterializeError) -> Self {
        ExecError::Io {
            what: e.what,
            path: e.path,
            source: e.source,
        }
    }
}

impl From<walk::WalkError> for ExecError {
    fn from(e: walk::WalkError) -> Self {
        ExecError::Io {
            what: "walking",
            path: e.path,
            source: e.source,
        }
    }
}
