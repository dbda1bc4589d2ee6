//! Runs a plan: each needed stage on a thread of its own as soon as the stages it depends on are
//! built, at most `--jobs` at once ([`super::schedule`]); the first failure cancels the rest. In
//! each stage, every step's key is looked up in the cache and the step runs only on a miss. Layers of base images are fetched only when a step needs
//! their files; the final image is assembled from the target stage's layers and config.

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
        let cancel = Cancel::new(self.options.interrupt.clone());
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
            progress: &progress,
            options: self.options.clone(),
        };
        let run = Run {
            builder: &builder,
            materializer,
            created: rfc3339(epoch),
            ids: AtomicUsize::new(0),
            single_stage: plan.stages.len() == 1,
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
            scheduled = Some(schedule::run(&tasks, self.jobs(), &cancel, work, || {
                crate::exec::runtime::kill_running();
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

/// State of one build run.
struct Run<'b, 'a> {
    builder: &'b Builder<'a>,
    materializer: Materializer<'b>,
    created: String,
    ids: AtomicUsize,
    single_stage: bool,
    /// The plan's stages (their names, for explanations).
    stages: &'b [PlannedStage],
    /// Set by the first failure or a signal: no new step starts.
    cancel: &'b Cancel,
    /// The stages whose layers make the image ([`Plan::image_stages`]); the others' are zstd.
    image_stages: Vec<usize>,
}

impl Run<'_, '_> {
    /// How `stage`'s new layers are compressed: as asked for when they make the image, else
    /// zstd, which the runner that imports them from a cache decompresses several times faster
    /// ([`super::recompress`] converts one that later lands in an image).
    fn layer_options(&self, stage: &PlannedStage) -> LayerOptions {
        let opts = &self.builder.options;
        LayerOptions {
            compression: if self.image_stages.contains(&stage.index) {
                opts.compression
            } else {
                Compression::zstd()
            },
            source_date_epoch: opts.source_date_epoch,
        }
    }

    fn next_id(&self) -> usize {
        self.ids.fetch_add(1, Ordering::Relaxed) + 1
    }

    fn stage_label(&self, stage: &PlannedStage) -> String {
        match &stage.name {
            Some(n) => format!("{n} "),
            None if self.single_stage => String::new(),
            None => format!("stage-{} ", stage.index),
        }
    }

    /// The record of `key`: the local cache's when its layer blob is in the store, else a
    /// remote cache's, with the backend to fetch its layer from (its record is stored locally
    /// too, usable once the blob is fetched).
    fn lookup(&self, key: &Digest) -> (Option<CacheRecord>, Option<BlobOrigin>) {
        let cache = self.builder.cache;
        let local = cache.get(key).filter(|r| {
            r.layer
                .as_ref()
                .is_none_or(|l| self.builder.store.has_layer(&l.digest))
        });
        if local.is_some() {
            return (local, None);
        }
        match cache.remote(key) {
            Some(hit) => {
                if let Err(e) = cache.put(&hit.record) {
                    tracing::debug!("cache record {key}: not stored locally: {e}");
                }
                let origin = hit
                    .record
                    .layer
                    .as_ref()
                    .filter(|l| !self.builder.store.blobs().has(&l.digest))
                    .map(|_| BlobOrigin::Cache(hit.source.clone()));
                (Some(hit.record), origin)
            }
            None => (None, None),
        }
    }

    /// Whether any stage's steps are looked up in the cache (else nothing can start early).
    fn caching_any(&self) -> bool {
        self.stages.iter().any(|s| self.caching(s))
    }

    fn caching(&self, stage: &PlannedStage) -> bool {
        let opts = &self.builder.options;
        !opts.no_cache
            && !opts.no_cache_filter.iter().any(|f| {
                stage.name.as_deref() == Some(f.to_lowercase().as_str())
                    || *f == stage.index.to_string()
            })
    }

    fn stage(
        &self,
        stage: &PlannedStage,
        outputs: &BTreeMap<usize, StageOutput>,
    ) -> Result<(StageOutput, Vec<StepReport>), BuildError> {
        let mut reports = Vec::new();
        let label = self.stage_label(stage);
        let total = stage.steps.len();
        let final_config = stage
            .config
            .clone()
            .ok_or_else(|| BuildError::Internal(format!("stage {} has no config", stage.index)))?;
        let mut layers: Vec<LayerRef> = Vec::new();
        let mut base_history = Vec::new();
        let mut provisional = false;
        // One flag per history entry this stage records: whether it made no layer.
        let mut own_empty: Vec<bool> = Vec::new();
        // And when its step made its result: a cached step keeps its record's time, so that an
        // unchanged rebuild makes the same image (as BuildKit's); `None` for config entries.
        let mut own_created: Vec<Option<String>> = Vec::new();
        // For explanations: config instructions since the last layer step, and the line of the
        // last step of this stage that missed.
        let mut before: Vec<String> = Vec::new();
        let mut earlier_miss: Option<usize> = None;
        for (n, step) in stage.steps.iter().enumerate() {
            if self.cancel.is_cancelled() {
                return Err(BuildError::Cancelled);
            }
            let from = match &step.op {
                StepOp::Copy(FileOp {
                    from_text: Some(f), ..
                }) => format!("--from={f} "),
                _ => String::new(),
            };
            let name = format!(
                "[{label}{}/{total}] {}{} {from}{}",
                n + 1,
                if step.onbuild { "ONBUILD " } else { "" },
                step.instruction,
                step.text
            );
            match &step.op {
                StepOp::From(source) => {
                    let id = self.next_id();
                    self.builder.progress.start(id, &name);
                    let started = Instant::now();
                    let base = match source {
                        crate::plan::Source::Scratch => StageOutput {
                            layers: Vec::new(),
                            config: ImageConfig::default(),
                            provisional: false,
                        },
                        crate::plan::Source::Stage(j) => {
                            outputs.get(j).cloned().ok_or_else(|| {
                                BuildError::Internal(format!(
                                    "stage {j} not built before {}",
                                    stage.index
                                ))
                            })?
                        }
                        crate::plan::Source::Image(img) => {
                            self.pull(img, &stage.platform, step.line)?
                        }
                    };
                    layers = base.layers;
                    base_history = base.config.history;
                    provisional = base.provisional;
                    self.builder
                        .progress
                        .end(id, &StepEnd::Done(started.elapsed()));
                }
                StepOp::Config => {
                    if step.instruction != "ONBUILD" {
                        own_empty.push(true);
                        own_created.push(None);
                    }
                    if step.instruction != "ARG" {
                        before.push(format!("{} {}", step.instruction, step.text));
                    }
                }
                StepOp::Workdir { .. } | StepOp::Copy(_) | StepOp::Run(_) => {
                    let key = step.key.clone().ok_or_else(|| {
                        BuildError::Internal(format!("line {}: step without key", step.line))
                    })?;
                    let id = self.next_id();
                    self.builder.progress.start(id, &name);
                    let started = Instant::now();
                    super::layers::take_thread_times();
                    provisional |= !step.inputs.unresolved.is_empty()
                        || step
                            .inputs
                            .stages
                            .iter()
                            .any(|(j, _)| outputs.get(j).is_some_and(|o| o.provisional));
                    let (hit, hit_origin) = if self.caching(stage) && !provisional {
                        self.lookup(&key)
                    } else {
                        (None, None)
                    };
                    let mut snapshot = None;
                    let mut miss_reason = None;
                    if hit.is_none() {
                        let mut now = super::explain::snapshot(stage, step, &before);
                        super::explain::name_stages(&mut now, self.stages);
                        let reason =
                            self.miss_reason(stage, step, &key, provisional, &now, earlier_miss);
                        if self.builder.options.explain {
                            self.builder.progress.info(&format!("#{id} MISS: {reason}"));
                        }
                        snapshot = Some(now.for_record());
                        miss_reason = Some(reason);
                        earlier_miss = Some(step.line);
                    }
                    before.clear();
                    let pinned = self.builder.options.source_date_epoch.is_some();
                    let mut kept = None;
                    let (layer, cached) = match hit {
                        Some(record) => {
                            own_created.push(Some(if pinned || record.created.is_empty() {
                                self.created.clone()
                            } else {
                                record.created.clone()
                            }));
                            let layer = record.layer.clone();
                            kept = Some(record);
                            (layer, true)
                        }
                        None => {
                            let made = self
                                .layer_step(id, step.line, &step.op, &layers, outputs, stage)
                                .inspect_err(|e| {
                                    self.builder
                                        .progress
                                        .end(id, &StepEnd::Error(e.to_string()))
                                })?;
                            own_created.push(Some(self.created.clone()));
                            (made, false)
                        }
                    };
                    let duration = started.elapsed();
                    let layer_size = layer.as_ref().map(|l| l.size);
                    own_empty.push(layer.is_none());
                    if let Some(desc) = layer {
                        push_layer(&mut layers, desc, hit_origin);
                    }
                    if !cached && !provisional {
                        let own = usize::from(layer_size.is_some());
                        let below = &layers[..layers.len() - own];
                        let record = CacheRecord {
                            key,
                            layer: layers.last().filter(|_| own == 1).map(|l| l.desc.clone()),
                            chain_id: layers.last().map(|l| l.chain_id.clone()),
                            created: self.created.clone(),
                            created_by: step.text.clone(),
                            duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
                            lower_layers: below.iter().map(|l| l.desc.digest.clone()).collect(),
                            lower_chain_ids: below.iter().map(|l| l.chain_id.clone()).collect(),
                            snapshot,
                        };
                        if let Err(e) = self.builder.cache.put(&record) {
                            tracing::warn!(
                                "line {}: the cache record was not saved: {e}",
                                step.line
                            );
                        }
                        kept = Some(record);
                    }
                    self.builder.progress.end(
                        id,
                        &if cached {
                            StepEnd::Cached
                        } else {
                            StepEnd::Done(duration)
                        },
                    );
                    reports.push(StepReport {
                        stage: stage.index,
                        line: step.line,
                        name,
                        cached,
                        duration,
                        layer_size,
                        miss_reason,
                        record: kept,
                        materialize: super::layers::take_thread_times(),
                    });
                }
            }
        }
        // The stage's history: its base's (as that was built) and the entries its own steps
        // recorded, marked empty where no layer was made and stamped with the time their step's
        // result was made (a config entry: the time of the entry before it).
        let mut config = final_config;
        let own_start = config.history.len().saturating_sub(own_empty.len());
        let mut own = config.history.split_off(own_start);
        // With SOURCE_DATE_EPOCH every entry of this stage is stamped with it (as BuildKit does).
        let pinned = self.builder.options.source_date_epoch.is_some();
        let mut last = if pinned {
            Some(self.created.clone())
        } else {
            base_history.last().and_then(|h| h.created.clone())
        };
        for ((h, empty), created) in own.iter_mut().zip(&own_empty).zip(own_created) {
            h.empty_layer = *empty;
            if h.created.is_none() {
                h.created = Some(
                    created
                        .or_else(|| last.clone())
                        .unwrap_or_else(|| self.created.clone()),
                );
            }
            last.clone_from(&h.created);
        }
        base_history.extend(own);
        config.history = base_history;
        Ok((
            StageOutput {
                layers,
                config,
                provisional,
            },
            reports,
        ))
    }

    /// Why a step that missed did (see [`super::explain`]): the cache was not consulted, or
    /// the differences from the closest record of the same step.
    fn miss_reason(
        &self,
        stage: &PlannedStage,
        step: &crate::plan::PlannedStep,
        key: &Digest,
        provisional: bool,
        now: &crate::cache::StepSnapshot,
        earlier_miss: Option<usize>,
    ) -> String {
        if self.builder.options.no_cache {
            return "--no-cache".into();
        }
        if !self.caching(stage) {
            return "stage in --no-cache-filter".into();
        }
        if provisional {
            return match step.inputs.unresolved.first() {
                Some(why) => {
                    match why.strip_suffix(": fetched when the build runs (no --checksum)") {
                        Some(url) => format!("not cacheable: ADD {url} without --checksum"),
                        None => format!("not cacheable: {why}"),
                    }
                }
                None => {
                    "not cacheable: an earlier step or a stage it reads is not cacheable".into()
                }
            };
        }
        super::explain::explain_miss(
            self.builder.cache,
            now,
            key,
            &step.inputs.near,
            earlier_miss,
        )
        .join("; ")
    }

    /// Resolves and describes a base image (no blob is fetched until a step needs its files).
    fn pull(
        &self,
        img: &ImageSource,
        platform: &str,
        line: usize,
    ) -> Result<StageOutput, BuildError> {
        let reference = Reference::parse(&img.reference).map_err(|e| BuildError::at(line, e))?;
        let platform = Platform::parse(platform).map_err(|e| BuildError::at(line, e))?;
        let resolver = self.builder.resolver;
        let resolved = resolver
            .resolve_image(&reference, &platform)
            .map_err(|source| BuildError::Registry {
                what: format!("line {line}: resolving {reference}"),
                source,
            })?;
        let config = crate::plan::BaseResolver::config(resolver, &reference, &platform)
            .map_err(|e| BuildError::at(line, e))?
            .unwrap_or_default();
        let diff_ids = &config.rootfs.diff_ids;
        if diff_ids.len() != resolved.manifest.layers.len() {
            return Err(BuildError::at(
                line,
                format!(
                    "{reference}: the manifest has {} layers but the config lists {} diff_ids",
                    resolved.manifest.layers.len(),
                    diff_ids.len()
                ),
            ));
        }
        let mut layers = Vec::new();
        for (l, diff_id) in resolved.manifest.layers.iter().zip(diff_ids) {
            let parse = |s: &str| {
                Digest::parse(s).ok_or_else(|| {
                    BuildError::at(line, format!("{reference}: invalid digest {s:?}"))
                })
            };
            let desc = LayerDescriptor {
                digest: parse(&l.digest)?,
                diff_id: parse(diff_id)?,
                size: u64::try_from(l.size).unwrap_or(0),
                media_type: oci_media_type(&l.media_type),
            };
            push_layer(
                &mut layers,
                desc,
                Some(BlobOrigin::Registry(resolved.repository.clone())),
            );
        }
        Ok(StageOutput {
            layers,
            config,
            provisional: false,
        })
    }

    /// Runs a WORKDIR, COPY/ADD or RUN step: the layer it made, `None` when it changed nothing.
    fn layer_step(
        &self,
        id: usize,
        line: usize,
        op: &StepOp,
        layers: &[LayerRef],
        outputs: &BTreeMap<usize, StageOutput>,
        stage: &PlannedStage,
    ) -> Result<Option<LayerDescriptor>, BuildError> {
        let scratch = self.scratch_dir()?;
        if let StepOp::Run(run) = op {
            let mount_source = |from: &FileSource, line: usize| match from {
                FileSource::Stage(j) => outputs.get(j).map(|o| o.layers.clone()).ok_or_else(|| {
                    BuildError::Internal(format!("line {line}: stage {j} not built"))
                }),
                FileSource::Image(img) => Ok(self.pull(img, &stage.platform, line)?.layers),
                FileSource::Context => Ok(Vec::new()),
            };
            let opts = &self.builder.options;
            let cx = super::run_step::RunContext {
                materializer: &self.materializer,
                store: self.builder.store,
                progress: self.builder.progress,
                id,
                options: self.layer_options(stage),
                context: self.builder.context,
                secrets: &opts.secrets,
                ssh: &opts.ssh,
                runtime: opts.runtime.as_deref(),
                mount_source: &mount_source,
                mount_sync: opts.mount_sync.as_deref(),
                mount_scope: opts.mount_scope.as_deref(),
                lazy: !self.image_stages.contains(&stage.index),
            };
            return super::run_step::run_step(&cx, line, run, layers, &scratch.0);
        }
        let result = self.layer_entries(line, op, layers, outputs, stage, &scratch.0);
        let entries = result?;
        if entries.is_empty() {
            return Ok(None);
        }
        let options = self.layer_options(stage);
        let writer = self.builder.store.writer(None)?;
        let (desc, writer) = write_layer(entries.into_iter().map(Ok), &options, writer)
            .map_err(|source| BuildError::Layer { line, source })?;
        writer.commit()?;
        Ok(Some(desc))
    }

    fn layer_entries(
        &self,
        line: usize,
        op: &StepOp,
        layers: &[LayerRef],
        outputs: &BTreeMap<usize, StageOutput>,
        stage: &PlannedStage,
        scratch: &Path,
    ) -> Result<Vec<crate::image::layer::Entry>, BuildError> {
        match op {
            StepOp::Workdir { path, user } => {
                let lower = self.materializer.rootfs(layers)?;
                let owner = if user.is_empty() {
                    None
                } else {
                    Some(copy::owner::resolve_chown(user, &lower, line)?)
                };
                copy::workdir_entries(path, &lower, owner).map_err(|e| {
                    let msg = e.to_string();
                    let msg = msg.strip_prefix("line 0: ").unwrap_or(&msg).to_string();
                    BuildError::at(line, format!("WORKDIR {path}: {msg}"))
                })
            }
            StepOp::Copy(f) => self.copy_entries(line, f, layers, outputs, stage, scratch),
            _ => Err(BuildError::Internal(format!(
                "line {line}: not a layer step"
            ))),
        }
    }

    fn copy_entries(
        &self,
        line: usize,
        f: &FileOp,
        layers: &[LayerRef],
        outputs: &BTreeMap<usize, StageOutput>,
        stage: &PlannedStage,
        scratch: &Path,
    ) -> Result<Vec<crate::image::layer::Entry>, BuildError> {
        let lower = if f.needs_lower() {
            self.materializer.rootfs(layers)?
        } else {
            RootfsView::default()
        };
        let source_view;
        let from = match &f.from {
            FileSource::Context => CopyFrom::Context(self.builder.context),
            FileSource::Stage(j) => {
                let out = outputs.get(j).ok_or_else(|| {
                    BuildError::Internal(format!("line {line}: stage {j} not built"))
                })?;
                source_view = self.materializer.rootfs(&out.layers)?;
                CopyFrom::Rootfs(&source_view)
            }
            FileSource::Image(img) => {
                let out = self.pull(img, &stage.platform, line)?;
                source_view = self.materializer.rootfs(&out.layers)?;
                CopyFrom::Rootfs(&source_view)
            }
        };
        let req = CopyRequest {
            line,
            sources: f.sources.clone(),
            inline: f.inline.clone(),
            dest: f.dest.clone(),
            workdir: f.workdir.clone(),
            from,
            chown: f.chown.clone(),
            chmod: f.chmod.clone(),
            excludes: f.excludes.clone(),
            parents: f.parents,
            link: f.link,
            add: f.add.then(|| AddOptions {
                checksum: f.checksum.clone(),
                unpack: f.unpack,
                prefetched: self.builder.options.prefetched.clone(),
                keep_git_dir: f.keep_git_dir,
            }),
        };
        Ok(copy::copy_entries(&req, &lower, scratch)?)
    }

    /// A fresh directory under the state dir's `tmp/` for a step's temporary files, removed
    /// when the guard drops.
    fn scratch_dir(&self) -> Result<ScratchDir, BuildError> {
        // Named for this process (store::layout): no other rbuild on the same state dir takes
        // it for a leftover while this one lives.
        let dir = self.builder.store.layout().temp_path("step");
        std::fs::create_dir_all(&dir)
            .map_err(|e| BuildError::Internal(format!("creating {}: {e}", dir.display())))?;
        Ok(ScratchDir(dir))
    }
}

impl super::early::Lookahead for Run<'_, '_> {
    fn caching(&self, stage: &PlannedStage) -> bool {
        Run::caching(self, stage)
    }

    fn hit(&self, key: &Digest) -> Option<(Option<LayerDescriptor>, Option<BlobOrigin>)> {
        let (record, origin) = self.lookup(key);
        record.map(|r| (r.layer, origin))
    }

    fn base(&self, img: &ImageSource, platform: &str, line: usize) -> Option<Vec<LayerRef>> {
        self.pull(img, platform, line).ok().map(|out| out.layers)
    }
}

/// Removes a scratch directory when dropped.
struct ScratchDir(PathBuf);

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
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
