//! One build run's state and a stage's steps in order: each key looked up, a miss explained,
//! the step run (or its layer taken from the cache).

use super::*;

/// State of one build run.
pub(super) struct Run<'b, 'a> {
    pub(super) builder: &'b Builder<'a>,
    pub(super) materializer: Materializer<'b>,
    pub(super) created: String,
    /// Step ids, shared by the plans of one multi-platform build (progress lines never clash).
    pub(super) ids: &'b AtomicUsize,
    pub(super) single_stage: bool,
    /// The target platform, in step names, when a build makes several (`[linux/arm64 build 2/4]`,
    /// as buildx names them).
    pub(super) platform: Option<String>,
    /// The plan's stages (their names, for explanations).
    pub(super) stages: &'b [PlannedStage],
    /// Set by the first failure or a signal: no new step starts.
    pub(super) cancel: &'b Cancel,
    /// The stages whose layers make the image ([`Plan::image_stages`]); the others' are zstd.
    pub(super) image_stages: Vec<usize>,
}

impl Run<'_, '_> {
    /// How `stage`'s new layers are compressed: as asked for when they make the image, else
    /// zstd, which the runner that imports them from a cache decompresses several times faster
    /// ([`crate::builder::recompress`] converts one that later lands in an image).
    /// The empty layer in the stage's compression, its blob put in the store.
    fn empty_layer(&self, stage: &PlannedStage) -> Result<LayerDescriptor, BuildError> {
        let (bytes, desc) = crate::image::layer::empty_layer(self.layer_options(stage).compression);
        if !self.builder.store.blobs().has(&desc.digest) {
            self.builder.store.put_bytes(&bytes)?;
        }
        Ok(desc)
    }

    pub(super) fn layer_options(&self, stage: &PlannedStage) -> LayerOptions {
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

    pub(super) fn next_id(&self) -> usize {
        self.ids.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub(super) fn stage_label(&self, stage: &PlannedStage) -> String {
        let name = match &stage.name {
            Some(n) => format!("{n} "),
            None if self.single_stage => String::new(),
            None => format!("stage-{} ", stage.index),
        };
        match &self.platform {
            Some(p) => format!("{p} {name}"),
            None => name,
        }
    }

    /// The record of `key`: the local cache's when its layer blob is in the store, else a
    /// remote cache's, with the backend to fetch its layer from (its record is stored locally
    /// too, usable once the blob is fetched).
    pub(super) fn lookup(&self, key: &Digest) -> (Option<CacheRecord>, Option<BlobOrigin>) {
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
    pub(super) fn caching_any(&self) -> bool {
        self.stages.iter().any(|s| self.caching(s))
    }

    pub(super) fn caching(&self, stage: &PlannedStage) -> bool {
        let opts = &self.builder.options;
        !opts.no_cache
            && !opts.no_cache_filter.iter().any(|f| {
                stage.name.as_deref() == Some(f.to_lowercase().as_str())
                    || *f == stage.index.to_string()
            })
    }

    pub(super) fn stage(
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
                        crate::plan::Source::Local(n) => self.local_base(*n, stage, step.line)?,
                        crate::plan::Source::Layout(n) => self.layout_base(*n, stage, step.line)?,
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
                    crate::builder::layers::take_thread_times();
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
                        let mut now = crate::builder::explain::snapshot(stage, step, &before);
                        crate::builder::explain::name_stages(&mut now, self.stages);
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
                    // BuildKit commits a RUN that changed nothing as an empty layer (and so
                    // does rbuild; records made before it did say "no layer").
                    let layer = match (layer, &step.op) {
                        (None, StepOp::Run(_)) => Some(self.empty_layer(stage)?),
                        (layer, _) => layer,
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
                        materialize: crate::builder::layers::take_thread_times(),
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

    /// Why a step that missed did (see [`crate::builder::explain`]): the cache was not consulted, or
    /// the differences from the closest record of the same step.
    pub(super) fn miss_reason(
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
        crate::builder::explain::explain_miss(
            self.builder.cache,
            now,
            key,
            &step.inputs.near,
            earlier_miss,
        )
        .join("; ")
    }
}

impl crate::builder::early::Lookahead for Run<'_, '_> {
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
