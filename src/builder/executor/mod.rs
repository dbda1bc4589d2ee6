//! Runs a plan: each needed stage on a thread of its own as soon as the stages it depends on are
//! built, at most `--jobs` at once ([`super::schedule`]); the first failure cancels the rest. In
//! each stage, every step's key is looked up in the cache and the step runs only on a miss. Layers of base images are fetched only when a step needs
//! their files; the final image is assembled from the target stage's layers and config.

mod gate;
mod run;
mod steps;

use gate::StageGate;

use run::Run;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::copy::{self, AddOptions, CopyFrom, CopyRequest, RootfsView};
use super::layers::{BlobOrigin, LayerRef, Materializer, push_layer};
use super::progress::{Progress, StepEnd};
use super::resolver::RegistryResolver;
use super::schedule::{self, Cancel, Failure, Task};
use super::time::{build_epoch, rfc3339};
use super::{BuildError, StepCache};
use crate::cache::CacheRecord;
use crate::context::BuildContext;
use crate::digest::Digest;
use crate::image::config::ImageConfig;
use crate::image::layer::{Compression, LayerDescriptor, LayerOptions, write_layer};
use crate::image::manifest::{BuiltImage, assemble};
use crate::oci::reference::Reference;
use crate::plan::{FileOp, FileSource, ImageSource, Plan, PlannedStage, Platform, StepOp};
use crate::registry::Repository;
use crate::store::Store;

/// How the build behaves.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Compression of new layers.
    pub compression: Compression,
    /// `SOURCE_DATE_EPOCH`: timestamps of the image and clamp of file mtimes.
    pub source_date_epoch: Option<i64>,
    /// `--no-cache`: run every step.
    pub no_cache: bool,
    /// `--no-cache-filter`: stages (by name or index) whose steps all run.
    pub no_cache_filter: Vec<String>,
    /// `--explain`: say why each missed step missed as it starts (a progress `info` line
    /// `#<id> MISS: <reason>`). The reason is in [`StepReport::miss_reason`] either way.
    pub explain: bool,
    /// `--secret`: where each secret's value is read from when a step mounts it.
    pub secrets: Vec<super::mounts::SecretSource>,
    /// `--ssh`: the agents steps may use.
    pub ssh: Vec<super::mounts::SshSource>,
    /// `--runtime`: the OCI runtime's name or path (`None`: runc, else crun).
    pub runtime: Option<String>,
    /// How RUN steps run: [`crate::exec::Isolation::Runc`], or directly in the container rbuild
    /// runs in (then with `container_root`); [`crate::exec::Isolation::Unavailable`] fails a RUN
    /// with its reason.
    pub isolation: crate::exec::Isolation,
    /// The root the container isolation runs steps at.
    pub container_root: Option<Arc<crate::exec::container::ContainerRoot>>,
    /// `--jobs`: at most this many stages at once; 0 means as many as the machine has cores.
    pub jobs: usize,
    /// A flag that, once set (a signal handler: [`super::interrupt::Watch`]), cancels the
    /// build as a failure does and makes it return [`BuildError::Interrupted`].
    pub interrupt: Option<Arc<AtomicBool>>,
    /// Counts base-image layer bytes pulled (`rbuild.pull` in the metadata file).
    pub pull_meter: Option<Arc<crate::cache::remote::Meter>>,
    /// Remote mount caches (`--cache-from` / `--cache-to` with `mount-caches=true`).
    pub mount_sync: Option<Arc<dyn crate::cache::mounts::MountSync>>,
    /// The cache scope whose cache-mount directories steps use, on CI runners shared by jobs
    /// of several branches (see [`super::mounts::cache::scoped_dir_name`]).
    pub mount_scope: Option<String>,
    /// `--label`: labels set on the final image's config (over the Dockerfile's `LABEL`s).
    pub labels: Vec<(String, String)>,
    /// `ADD` URLs the planner fetched (see [`super::copy::url`]): copied, not fetched again.
    pub prefetched: Option<Arc<super::copy::url::Prefetch>>,
    /// Which blobs are kept in the store when their layers are streamed into snapshots (what
    /// the outputs and cache exports need).
    pub keep_blobs: super::layers::KeepBlobs,
}

impl Default for BuildOptions {
    fn default() -> Self {
        Self {
            compression: Compression::gzip(),
            source_date_epoch: None,
            no_cache: false,
            no_cache_filter: Vec::new(),
            explain: false,
            secrets: Vec::new(),
            ssh: Vec::new(),
            runtime: None,
            isolation: crate::exec::Isolation::Runc,
            container_root: None,
            jobs: 0,
            interrupt: None,
            pull_meter: None,
            mount_sync: None,
            mount_scope: None,
            labels: Vec::new(),
            prefetched: None,
            keep_blobs: super::layers::KeepBlobs::All,
        }
    }
}

/// Wraps the build's progress: once the build is cancelled, a step that ends in an error was
/// stopped by the cancellation (a killed RUN) and shows as `CANCELED`. The failure that
/// cancelled the build ends its step before it trips the cancellation: it shows as an error.
struct CancelAware<'a> {
    inner: &'a dyn Progress,
    cancel: &'a Cancel,
}

impl Progress for CancelAware<'_> {
    fn start(&self, id: usize, name: &str) {
        self.inner.start(id, name);
    }

    fn end(&self, id: usize, end: &StepEnd) {
        match end {
            StepEnd::Error(_) if self.cancel.is_cancelled() => {
                self.inner.end(id, &StepEnd::Canceled);
            }
            _ => self.inner.end(id, end),
        }
    }

    fn info(&self, line: &str) {
        self.inner.info(line);
    }

    fn output(&self, id: usize, line: &str) {
        self.inner.output(id, line);
    }
}

/// What the builder works with.
pub struct Builder<'a> {
    /// The local store.
    pub store: &'a Store,
    /// The per-step cache.
    pub cache: &'a dyn StepCache,
    /// Registry access (bases, `COPY --from=<image>`).
    pub resolver: &'a RegistryResolver,
    /// The build context.
    pub context: &'a BuildContext,
    /// The `--build-context` names the plan refers to.
    pub named: &'a crate::plan::NamedContexts,
    /// Where step events go.
    pub progress: &'a dyn Progress,
    /// Behaviour.
    pub options: BuildOptions,
}

/// One step as the build handled it.
#[derive(Debug, Clone)]
pub struct StepReport {
    /// Stage index.
    pub stage: usize,
    /// Dockerfile line.
    pub line: usize,
    /// Its display name (`[build 2/4] COPY a /b`).
    pub name: String,
    /// Reused from the cache.
    pub cached: bool,
    /// Time taken.
    pub duration: Duration,
    /// Size of the layer it made, if any.
    pub layer_size: Option<u64>,
    /// Why it missed the cache (reasons joined with `; `, most specific first); `None` for a
    /// hit. See [`super::explain`].
    pub miss_reason: Option<String>,
    /// The cache record of the step (the one it hit, or the one it stored); `None` when the
    /// step is not cacheable. What `--cache-to` exports.
    pub record: Option<CacheRecord>,
    /// What making the layers it ran on present took (zero for a hit, or when they were).
    pub materialize: super::layers::MaterializeTimes,
}

/// The result of a build.
#[derive(Debug, Clone)]
pub struct BuildOutput {
    /// The image of the target stage, its manifest and config in the store.
    pub image: BuiltImage,
    /// Every layer of the image with where its blob lives when the store lacks it.
    pub layers: Vec<LayerRef>,
    /// What happened to each step that makes a layer.
    pub steps: Vec<StepReport>,
}

/// A stage's result: its layers and its image config.
#[derive(Debug, Clone)]
struct StageOutput {
    layers: Vec<LayerRef>,
    config: ImageConfig,
    /// Some step's key could not cover all its inputs (an ADD URL without `--checksum`): the
    /// stage's keys name no fixed content, so they are neither looked up nor recorded.
    provisional: bool,
}

/// Docker media types of layers and their OCI names (same bytes).
fn oci_media_type(media_type: &str) -> String {
    match media_type {
        "application/vnd.docker.image.rootfs.diff.tar.gzip" => {
            "application/vnd.oci.image.layer.v1.tar+gzip".into()
        }
        "application/vnd.docker.image.rootfs.diff.tar" => {
            "application/vnd.oci.image.layer.v1.tar".into()
        }
        other => other.into(),
    }
}

impl Builder<'_> {
    /// How many stages may run at once: `--jobs`, else the number of cores.
    fn jobs(&self) -> usize {
        match self.options.jobs {
            0 => std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            n => n,
        }
    }

    /// Builds the plan's target stage: each needed stage starts as soon as the stages it
    /// depends on are built, at most [`BuildOptions::jobs`] at once. The first failure (or an
    /// interrupt) cancels the build: no new step starts, running RUN containers are killed (their
    /// overlays unmounted, scratch dirs removed as every step's are), and that first error is
    /// returned.
    pub fn build(&self, plan: &Plan) -> Result<BuildOutput, BuildError> {
        let shared = Shared {
            ids: AtomicUsize::new(0),
            gate: StageGate::default(),
            label: false,
            failed: Arc::new(AtomicBool::new(false)),
            jobs: self.jobs(),
        };
        self.build_one(plan, &shared)
    }

    /// Builds the plans of several target platforms of one Dockerfile side by side, one image
    /// each (in the order of `plans`). `--jobs` is shared among them; a stage they share (same
    /// key) runs once, the others wait for it and find its steps cached (the `gate` module);
    /// step names carry the platform (`[linux/arm64 build 2/4] RUN ...`). The first failure
    /// cancels every platform and is returned.
    pub fn build_platforms(&self, plans: &[Plan]) -> Result<Vec<BuildOutput>, BuildError> {
        if let [plan] = plans {
            return self.build(plan).map(|b| vec![b]);
        }
        let shared = Shared {
            ids: AtomicUsize::new(0),
            gate: StageGate::default(),
            label: true,
            failed: Arc::new(AtomicBool::new(false)),
            jobs: (self.jobs() / plans.len().max(1)).max(1),
        };
        let results: Vec<Result<BuildOutput, BuildError>> = std::thread::scope(|s| {
            let handles: Vec<_> = plans
                .iter()
                .map(|plan| {
                    let shared = &shared;
                    s.spawn(move || {
                        let result = self.build_one(plan, shared);
                        if result.is_err() {
                            shared.failed.store(true, Ordering::SeqCst);
                        }
                        result
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(BuildError::Internal("a platform's build panicked".into()))
                    })
                })
                .collect()
        });
        let mut built = Vec::with_capacity(results.len());
        let mut interrupted = None;
        for result in results {
            match result {
                Ok(b) => built.push(b),
                // Stopped because another platform failed: that one's error is the answer.
                Err(BuildError::Interrupted) => interrupted = Some(BuildError::Interrupted),
                Err(e) => return Err(e),
            }
        }
        match interrupted {
            Some(e) => Err(e),
            None => Ok(built),
        }
    }

    /// One plan's build, with what the plans of one session share.
    fn build_one(&self, plan: &Plan, shared: &Shared) -> Result<BuildOutput, BuildError> {
        let materializer = Materializer {
            store: self.store,
            registry: self.resolver.registry(),
            runtime: self.resolver.runtime(),
            pulled: self.options.pull_meter.as_deref(),
            keep: self.options.keep_blobs.clone(),
            making: Default::default(),
            early: Default::default(),
        };
        let epoch = build_epoch(self.options.source_date_epoch);
        let cancel = Cancel::new(self.options.interrupt.clone()).watching(shared.failed.clone());
        // Steps that fail because the build was cancelled show as CANCELED, not as errors.
        let progress = CancelAware {
            inner: self.progress,
            cancel: &cancel,
        };
        let builder = Builder {
            store: self.store,
            cache: self.cache,
            resolver: self.resolver,
            context: self.context,
            named: self.named,
            progress: &progress,
            options: self.options.clone(),
        };
        let run = Run {
            builder: &builder,
            materializer,
            created: rfc3339(epoch),
            ids: &shared.ids,
            single_stage: plan.stages.len() == 1,
            platform: shared.label.then(|| plan.platform.clone()),
            stages: &plan.stages,
            cancel: &cancel,
            image_stages: plan.image_stages(),
        };
        // A stage starts once the stages it needs are built (schedule.rs); the plan lists only
        // the stages the target needs.
        let tasks: Vec<Task> = plan
            .order
            .iter()
            .map(|&i| Task {
                id: i,
                deps: plan
                    .stages
                    .get(i)
                    .map(|s| s.depends_on.clone())
                    .unwrap_or_default(),
            })
            .collect();
        let reports: Mutex<BTreeMap<usize, Vec<StepReport>>> = Mutex::new(BTreeMap::new());
        let work = |i: usize, inputs: BTreeMap<usize, StageOutput>| {
            let stage = plan
                .stages
                .get(i)
                .ok_or_else(|| BuildError::Internal(format!("stage {i} not in plan")))?;
            // A stage another platform's plan is building with the same key: wait for it.
            let _held = match &stage.key {
                Some(key) => Some(
                    shared
                        .gate
                        .enter(key, &cancel)
                        .ok_or(BuildError::Interrupted)?,
                ),
                None => None,
            };
            let (out, steps) = run.stage(stage, &inputs)?;
            reports
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(i, steps);
            Ok(out)
        };
        // Start early: the layers the first missing step of each stage stands on are made present,
        // and its cache mounts restored, on threads of their own while the stages run up to those
        // steps (early.rs).
        let finished = AtomicBool::new(false);
        let stop = || finished.load(Ordering::Relaxed) || cancel.is_cancelled();
        let mut scheduled = None;
        std::thread::scope(|s| {
            if run.caching_any() {
                s.spawn(|| {
                    let needs = super::early::needs(plan, &run);
                    std::thread::scope(|s| {
                        if let Some(sync) = self.options.mount_sync.as_deref() {
                            let runs = &needs.runs;
                            let progress = &progress;
                            s.spawn(move || {
                                let warn = |w: &str| progress.info(&format!("WARNING: {w}"));
                                for (line, op) in runs {
                                    if stop() {
                                        break;
                                    }
                                    super::mounts::restore_early(
                                        self.store,
                                        sync,
                                        self.options.mount_scope.as_deref(),
                                        *line,
                                        op,
                                        &warn,
                                    );
                                }
                            });
                        }
                        run.materializer.prefetch(&needs.layers, &stop);
                    });
                });
            }
            scheduled = Some(schedule::run(&tasks, shared.jobs, &cancel, work, || {
                crate::exec::runtime::kill_running();
                crate::exec::container::process::kill_running();
            }));
            finished.store(true, Ordering::Relaxed);
        });
        let scheduled = scheduled
            .ok_or_else(|| BuildError::Internal("the stages were not scheduled".into()))?;
        let mut outputs = scheduled.map_err(|f| match f {
            Failure::Failed { error, .. } => error,
            Failure::Panicked { id } => BuildError::Internal(format!("stage {id} panicked")),
            Failure::Interrupted => BuildError::Interrupted,
            Failure::Unrunnable(ids) => {
                BuildError::Internal(format!("stages {ids:?} wait for stages not in the plan"))
            }
        })?;
        let mut by_stage = reports.into_inner().unwrap_or_else(PoisonError::into_inner);
        let reports: Vec<StepReport> = plan
            .order
            .iter()
            .filter_map(|i| by_stage.remove(i))
            .flatten()
            .collect();
        let target = outputs
            .remove(&plan.target)
            .ok_or_else(|| BuildError::Internal("target stage not built".into()))?;
        let mut config = target.config;
        for (k, v) in &self.options.labels {
            config.config.labels.insert(k.clone(), v.clone());
        }
        // The image is as new as its newest step: the last history entry's time (an unchanged
        // rebuild keeps the digest, as BuildKit's does); SOURCE_DATE_EPOCH when it is set.
        config.created = if self.options.source_date_epoch.is_some() {
            Some(run.created.clone())
        } else {
            config
                .history
                .last()
                .and_then(|h| h.created.clone())
                .or_else(|| Some(run.created.clone()))
        };
        let layers =
            super::recompress::conform(&run.materializer, target.layers, self.options.compression)?;
        let descs: Vec<LayerDescriptor> = layers.iter().map(|l| l.desc.clone()).collect();
        let image = assemble(self.store, &config, &descs)?;
        Ok(BuildOutput {
            image,
            layers,
            steps: reports,
        })
    }
}

/// What the plans of one build share.
struct Shared {
    /// Step ids for progress lines.
    ids: AtomicUsize,
    /// Stage keys being built.
    gate: StageGate,
    /// Whether step names carry the plan's platform.
    label: bool,
    /// Set when a plan's build failed: the others stop.
    failed: Arc<AtomicBool>,
    /// Stages at once, per plan.
    jobs: usize,
}

/// Repositories of the layers' origins, for cross-repository mounts when pushing.
pub fn mount_sources(layers: &[LayerRef]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in layers {
        if let Some(r) = l.origin.as_ref().and_then(BlobOrigin::mount_source) {
            let s = format!("{}/{}", r.domain, r.path);
            if !out.contains(&s) {
                out.push(s);
            }
        }
    }
    out
}

/// Layers whose blobs the store lacks and that a push to `target` cannot mount (another
/// registry).
pub fn unmountable(layers: &[LayerRef], target: &Repository, store: &Store) -> Vec<LayerRef> {
    layers
        .iter()
        .filter(|l| !store.blobs().has(&l.desc.digest))
        .filter(|l| {
            l.origin
                .as_ref()
                .and_then(BlobOrigin::mount_source)
                .is_none_or(|o| o.domain != target.domain)
        })
        .cloned()
        .collect()
}
