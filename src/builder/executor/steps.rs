//! What one step does: pulling a base, writing a COPY/ADD layer, running a RUN, each in a
//! scratch directory of its own.

use super::*;
use crate::plan::NamedValue;

impl Run<'_, '_> {
    /// Resolves and describes a base image (no blob is fetched until a step needs its files).
    pub(super) fn pull(
        &self,
        img: &ImageSource,
        platform: &str,
        line: usize,
    ) -> Result<StageOutput, BuildError> {
        let reference =
            Reference::parse(&img.reference).map_err(|e| BuildError::at(line, e.to_string()))?;
        let platform =
            Platform::parse(platform).map_err(|e| BuildError::at(line, e.to_string()))?;
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

    /// A stage's base made of the `--build-context` directory `n`: one layer of its files
    /// (owned by root, as BuildKit's local source sends them), no image config, and the history
    /// entry BuildKit's exporter gives a layer that has none.
    pub(super) fn local_base(
        &self,
        n: usize,
        stage: &PlannedStage,
        line: usize,
    ) -> Result<StageOutput, BuildError> {
        let named =
            self.builder.named.get(n).ok_or_else(|| {
                BuildError::Internal(format!("line {line}: no build context {n}"))
            })?;
        let context = self.builder.named.local(n).ok_or_else(|| {
            BuildError::Internal(format!("line {line}: {} is not a directory", named.name))
        })?;
        let scratch = self.scratch_dir()?;
        let req = CopyRequest {
            line,
            sources: vec![".".into()],
            inline: Vec::new(),
            dest: "/".into(),
            workdir: "/".into(),
            from: CopyFrom::Context(context),
            chown: None,
            chmod: None,
            excludes: Vec::new(),
            parents: false,
            link: false,
            add: None,
        };
        let entries = copy::copy_entries(&req, &RootfsView::default(), &scratch.0)?;
        let mut out = StageOutput {
            layers: Vec::new(),
            config: ImageConfig::default(),
            provisional: false,
        };
        if entries.is_empty() {
            return Ok(out);
        }
        let options = self.layer_options(stage);
        let writer = self.builder.store.writer(None)?;
        let (desc, writer) = write_layer(entries.into_iter().map(Ok), &options, writer)
            .map_err(|source| BuildError::Layer { line, source })?;
        writer.commit()?;
        push_layer(&mut out.layers, desc, None);
        out.config.history.push(crate::image::config::History {
            created: Some(self.created.clone()),
            created_by: format!("local source for {}", named.name),
            comment: "buildkit.exporter.image.v0".into(),
            empty_layer: false,
        });
        Ok(out)
    }

    /// The image of the `oci-layout://` `--build-context` `n` for the stage's platform: its
    /// layer blobs copied into the store (each verified), its config.
    pub(super) fn layout_base(
        &self,
        n: usize,
        stage: &PlannedStage,
        line: usize,
    ) -> Result<StageOutput, BuildError> {
        let Some(NamedValue::Layout(layout)) = self.builder.named.get(n).map(|c| &c.value) else {
            return Err(BuildError::Internal(format!(
                "line {line}: build context {n} is no OCI layout"
            )));
        };
        let platform =
            Platform::parse(&stage.platform).map_err(|e| BuildError::at(line, e.to_string()))?;
        let image = layout
            .resolve(&platform)
            .map_err(|e| BuildError::at(line, e))?;
        let diff_ids = &image.config.rootfs.diff_ids;
        if diff_ids.len() != image.manifest.layers.len() {
            return Err(BuildError::at(
                line,
                format!(
                    "oci-layout image {}: the manifest has {} layers but the config lists {} diff_ids",
                    image.digest,
                    image.manifest.layers.len(),
                    diff_ids.len()
                ),
            ));
        }
        let mut layers = Vec::new();
        for (l, diff_id) in image.manifest.layers.iter().zip(diff_ids) {
            let parse = |s: &str| {
                Digest::parse(s)
                    .ok_or_else(|| BuildError::at(line, format!("invalid digest {s:?}")))
            };
            let digest = parse(&l.digest)?;
            if !self.builder.store.blobs().has(&digest) {
                let path = layout.blob_path(&digest);
                let mut writer = self.builder.store.writer(Some(&digest))?;
                std::fs::File::open(&path)
                    .and_then(|mut f| std::io::copy(&mut f, &mut writer))
                    .map_err(|e| BuildError::at(line, format!("{}: {e}", path.display())))?;
                writer.commit()?;
            }
            let desc = LayerDescriptor {
                digest,
                diff_id: parse(diff_id)?,
                size: u64::try_from(l.size).unwrap_or(0),
                media_type: oci_media_type(&l.media_type),
            };
            push_layer(&mut layers, desc, None);
        }
        Ok(StageOutput {
            layers,
            config: image.config,
            provisional: false,
        })
    }

    /// Runs a WORKDIR, COPY/ADD or RUN step: the layer it made, `None` when it changed nothing.
    pub(super) fn layer_step(
        &self,
        id: usize,
        line: usize,
        op: &StepOp,
        layers: &[LayerRef],
        outputs: &BTreeMap<usize, StageOutput>,
        stage: &PlannedStage,
    ) -> Result<Option<LayerDescriptor>, BuildError> {
        if matches!(op, StepOp::Run(_))
            && let Ok(platform) = Platform::parse(&stage.platform)
        {
            // A foreign RUN needs a QEMU handler: say so at its line, with how to get one.
            crate::exec::binfmt::check(&platform, Path::new(crate::exec::binfmt::BINFMT_MISC))
                .map_err(|why| BuildError::at(line, why))?;
        }
        let scratch = self.scratch_dir()?;
        if let StepOp::Run(run) = op {
            let mount_source = |from: &FileSource, line: usize| match from {
                FileSource::Stage(j) => outputs.get(j).map(|o| o.layers.clone()).ok_or_else(|| {
                    BuildError::Internal(format!("line {line}: stage {j} not built"))
                }),
                FileSource::Image(img) => Ok(self.pull(img, &stage.platform, line)?.layers),
                FileSource::Local(n) => Ok(self.local_base(*n, stage, line)?.layers),
                FileSource::Layout(n) => Ok(self.layout_base(*n, stage, line)?.layers),
                FileSource::Context => Ok(Vec::new()),
            };
            let opts = &self.builder.options;
            let cx = crate::builder::run_step::RunContext {
                materializer: &self.materializer,
                store: self.builder.store,
                progress: self.builder.progress,
                id,
                options: self.layer_options(stage),
                context: self.builder.context,
                named: self.builder.named,
                secrets: &opts.secrets,
                ssh: &opts.ssh,
                runtime: opts.runtime.as_deref(),
                isolation: &opts.isolation,
                container_root: opts.container_root.as_deref(),
                mount_source: &mount_source,
                mount_sync: opts.mount_sync.as_deref(),
                mount_scope: opts.mount_scope.as_deref(),
                lazy: !self.image_stages.contains(&stage.index),
            };
            return crate::builder::run_step::run_step(&cx, line, run, layers, &scratch.0);
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

    pub(super) fn layer_entries(
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

    pub(super) fn copy_entries(
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
            FileSource::Local(n) => {
                CopyFrom::Context(self.builder.named.local(*n).ok_or_else(|| {
                    BuildError::Internal(format!("line {line}: no build context directory {n}"))
                })?)
            }
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
            FileSource::Layout(n) => {
                let out = self.layout_base(*n, stage, line)?;
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
    pub(super) fn scratch_dir(&self) -> Result<ScratchDir, BuildError> {
        // Named for this process (store::layout): no other rbuild on the same state dir takes
        // it for a leftover while this one lives.
        let dir = self.builder.store.layout().temp_path("step");
        std::fs::create_dir_all(&dir)
            .map_err(|e| BuildError::Internal(format!("creating {}: {e}", dir.display())))?;
        Ok(ScratchDir(dir))
    }
}

/// Removes a scratch directory when dropped.
pub(super) struct ScratchDir(pub(super) PathBuf);

impl Drop for ScratchDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
