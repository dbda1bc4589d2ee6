//! One build session: `BuildRequest` -> `BuildResult`. Plans, opens the caches (local, remote,
//! mount caches), builds with the retry after a poisoned cache blob, writes the outputs (exports
//! and pushes), exports the caches, and writes `--iidfile` and `--metadata-file`. What it prints
//! goes through the front end's [`Progress`]; the tables and reports are the front end's.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::annotations::{AnnotationTarget, Annotations};
use super::blobs::{keep_blobs, needed_blobs};
use super::error::{SessionError, at_line, chain};
use super::export::export_caches;
use super::input::make_plan;
use super::metadata::{explained, materialized, write_json_atomic};
use super::request::{BuildRequest, Output};
use crate::builder::copy::git::GitAuth;
use crate::builder::copy::url::{FetchingResolver, Prefetch};
use crate::builder::layers::{LayerRef, Materializer};
use crate::builder::resolver::RegistryResolver;
use crate::builder::{
    BuildError, BuildOptions, BuildOutput, Builder, LayeredCache, Progress, StepCache, StepReport,
};
use crate::cache::remote::gha::entries::{CacheEntries, EntriesApi};
use crate::cache::remote::meter::MeterReport;
use crate::cache::remote::mounts::MountReport;
use crate::cache::remote::scope::BranchFacts;
use crate::cache::remote::{Meter, RemoteCaches, Scopes};
use crate::cache::{LocalCache, RecordScope};
use crate::image::index::{Built, assemble_index};
use crate::oci::reference::Reference;
use crate::output::ImageName;
use crate::plan::Plan;
use crate::registry::PushOptions;
use crate::store::Store;

/// What a build session made.
#[derive(Debug)]
pub struct BuildResult {
    /// The image (its manifest and config in the store), or the index over one image per
    /// target platform.
    pub built: Built,
    /// The names it was pushed or exported as.
    pub names: Vec<ImageName>,
    /// What happened to each step that makes a layer.
    pub steps: Vec<StepReport>,
    /// What the Dockerfile checks found (printed at the start).
    pub findings: Vec<crate::lint::Finding>,
    /// Per remote cache backend: what moved, and how long import and export took.
    pub caches: BTreeMap<String, MeterReport>,
    /// Per mount cache: restored, exported.
    pub mounts: BTreeMap<String, MountReport>,
    /// The state directory the build used (for reports that read the image's layers).
    pub store: Store,
    /// A `--cache-to` failure with `ignore-error=false`: the image was built and written, and
    /// the build must still fail.
    pub export_failure: Option<SessionError>,
}

/// Whether this process runs as a CI job (GitHub Actions, any `CI=true`, CodeBuild).
fn on_ci() -> bool {
    ["GITHUB_ACTIONS", "CI"]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|v| v == "true"))
        || std::env::var_os("CODEBUILD_BUILD_ID").is_some()
}

/// Runs the build `req` asks for, reporting through `progress`.
pub fn build(req: &BuildRequest, progress: &dyn Progress) -> Result<BuildResult, SessionError> {
    let started = now();
    let outputs = &req.outputs;
    let resolver = RegistryResolver::new(&req.registry).map_err(|e| SessionError::Setup {
        what: "the registry client".into(),
        reason: chain(&e),
    })?;
    let state = req.state_dir.clone().unwrap_or_else(crate::home::state_dir);
    let isolation = super::isolation::setup(req, &state)?;
    let store = Store::open(&state)
        .and_then(|s| s.with_snapshot_format(isolation.format))
        .map_err(|e| SessionError::Path {
            path: state.clone(),
            reason: format!("cannot open the state directory: {}", chain(&e)),
        })?;
    // ADD URLs without --checksum are fetched while planning: their content is in the key.
    let prefetch_dir = store.layout().temp_path("add-url");
    // GIT_AUTH_TOKEN[.<host>] / GIT_AUTH_HEADER[.<host>]: credentials for ADD's git sources.
    let mut git_secrets = Vec::new();
    for s in req.secrets.iter().filter(|s| GitAuth::wants(&s.id)) {
        let value = s.read().map_err(|e| SessionError::Flag {
            flag: format!("--secret id={}", s.id),
            reason: chain(&e),
        })?;
        git_secrets.push((s.id.clone(), String::from_utf8_lossy(&value).into_owned()));
    }
    let prefetched = Arc::new(
        Prefetch::new(prefetch_dir.clone())
            .map_err(|e| SessionError::Path {
                path: prefetch_dir.clone(),
                reason: format!("cannot create: {e}"),
            })?
            .with_git_auth(GitAuth::new(git_secrets)),
    );
    let planned = make_plan(
        &req.input,
        &state,
        &FetchingResolver {
            images: &resolver,
            urls: &prefetched,
        },
    )?;
    for plan in &planned.plans {
        req.entitlements.check(plan, &planned.file)?;
    }
    if planned.plans.len() > 1 {
        refuse_single_platform_outputs(outputs)?;
    } else if !req.attestations.any()
        && (req.annotations.has(AnnotationTarget::Index)
            || req.annotations.has(AnnotationTarget::IndexDescriptor))
    {
        return Err(SessionError::Flag {
            flag: "--annotation index:...".into(),
            reason: "one platform without attestations makes an image, not an index: build several --platform values or add --provenance/--sbom, or annotate the manifest".into(),
        });
    }
    // The checks, as BuildKit runs them in every build: warnings first, an error stops here.
    let checked = super::checks::check_source(
        planned.source.clone(),
        &super::input::parse_build_args(&req.input.build_args)?,
        &req.input.context,
        &req.input.build_contexts,
        Some(&super::checks::base_env_from(&resolver)),
        LocalCache::open(&store)
            .ok()
            .map(super::checks::CacheHistory)
            .as_ref()
            .map(|h| h as &dyn crate::lint::history::History),
    )?;
    for f in &checked.findings {
        progress.info(&crate::lint::render::line(f));
    }
    if let Some(e) = checked.failure() {
        return Err(e);
    }
    let remote_caches = !(req.cache_from.is_empty() && req.cache_to.is_empty());
    // On a CI runner, which jobs of other branches and pull requests share, the local records
    // are tagged with the build's scope and served only to builds that read it
    // (cache::local); the scopes are then detected even without a remote cache.
    let on_ci = on_ci();
    let scopes = (remote_caches || on_ci).then(|| {
        let warn = |w: &str| progress.info(w);
        let api = remote_caches
            .then(|| {
                crate::ci::github::ApiBranchFacts::on_github_actions(resolver.runtime(), &warn)
            })
            .flatten();
        let scopes = Scopes::detect(
            &req.input.context,
            api.as_ref().map(|a| a as &dyn BranchFacts),
        );
        progress.info(&format!(
            "cache scope {} (reads {})",
            scopes.write,
            scopes.reads.join(" -> ")
        ));
        scopes
    });
    // On a CI runner, cache-mount directories are kept per scope as records are.
    let mount_scope = scopes.as_ref().filter(|_| on_ci).map(|s| s.write.clone());
    let local: Box<dyn StepCache> = Box::new(
        LocalCache::open(&store)
            .map_err(|e| SessionError::Setup {
                what: "opening the local cache".into(),
                reason: chain(&e),
            })?
            .with_scope(RecordScope {
                tag: scopes.as_ref().map(|s| s.write.clone()),
                readable: scopes.as_ref().filter(|_| on_ci).map(|s| {
                    let mut readable = s.reads.clone();
                    readable.push(s.write.clone());
                    readable
                }),
            }),
    );
    let remote = match scopes {
        Some(scopes) if remote_caches => RemoteCaches::open(
            &req.cache_from,
            &req.cache_to,
            scopes,
            resolver.registry(),
            resolver.runtime(),
            &|w| progress.info(w),
        )
        .map_err(|e| SessionError::Setup {
            what: "remote cache".into(),
            reason: chain(&e),
        })?
        .with_entries_api(EntriesApi::new(|| {
            crate::ci::github::GitHub::from_env(None)
                .map(|g| Arc::new(g) as Arc<dyn CacheEntries>)
                .map_err(|e| e.to_string())
        })),
        _ => RemoteCaches::none(),
    };
    let mount_caches = Arc::new(remote.mount_caches(
        &store.root().join(crate::cache::mounts::MOUNTS_DIR),
        req.mount_cache_max_size,
        resolver.runtime(),
    ));
    let cache = LayeredCache {
        local: local.as_ref(),
        remote: &remote,
    };
    let pull_meter = Arc::new(Meter::default());
    // Ctrl-C (or SIGTERM) during the build cancels it cleanly instead of killing rbuild.
    let watch =
        crate::builder::interrupt::Watch::start().map_err(|reason| SessionError::Setup {
            what: "watching for Ctrl-C".into(),
            reason,
        })?;
    let builder = Builder {
        store: &store,
        cache: &cache as &dyn StepCache,
        resolver: &resolver,
        context: &planned.context,
        named: &planned.named,
        progress,
        options: BuildOptions {
            compression: req.compression,
            source_date_epoch: req.source_date_epoch,
            no_cache: req.no_cache,
            no_cache_filter: req.no_cache_filter.clone(),
            explain: req.explain,
            secrets: req.secrets.clone(),
            ssh: req.ssh.clone(),
            runtime: req.runtime.clone(),
            isolation: isolation.isolation.clone(),
            container_root: isolation.root.clone(),
            jobs: req.jobs,
            interrupt: Some(watch.flag()),
            pull_meter: Some(pull_meter.clone()),
            labels: req.labels.clone(),
            prefetched: Some(prefetched.clone()),
            keep_blobs: keep_blobs(outputs, !req.cache_to.is_empty() || req.attestations.sbom),
            mount_scope: mount_scope.clone(),
            mount_sync: mount_caches
                .is_active()
                .then(|| mount_caches.clone() as Arc<dyn crate::cache::mounts::MountSync>),
        },
    };
    let materializer = Materializer {
        store: &store,
        registry: resolver.registry(),
        runtime: resolver.runtime(),
        pulled: Some(&pull_meter),
        keep: crate::builder::layers::KeepBlobs::All,
        making: Default::default(),
        early: Default::default(),
    };
    // One plan per target platform, built side by side; the images join into an index.
    let built = build_plans(
        &builder,
        &materializer,
        &remote,
        &planned.plans,
        // The SBOM reads every layer of the images; outputs need those they write or push.
        &|layers| {
            if req.attestations.sbom {
                layers
            } else {
                needed_blobs(outputs, &layers, &store)
            }
        },
        progress,
    );
    drop(watch);
    // One sync makes the snapshots this build published durable (store::durability).
    if let Err(e) = store.settle() {
        progress.info(&format!("WARNING: syncing the new snapshots: {e}"));
    }
    let mut built = built.map_err(|e| at_line(&planned.file, &e))?;
    for (b, plan) in built.iter_mut().zip(&planned.plans) {
        annotate_image(&mut b.image, &req.annotations, &plan.platform, &store)?;
    }
    let steps: Vec<StepReport> = built.iter().flat_map(|b| b.steps.clone()).collect();
    let image_layers: Vec<_> = built.iter().flat_map(|b| b.layers.clone()).collect();
    let attestations = attest_images(
        req,
        &planned,
        &built,
        &AttestInputs {
            store: &store,
            resolver: &resolver,
            started,
        },
        progress,
    )?;
    let result = match built.as_slice() {
        [one] if attestations.is_empty() => Built::Image(one.image.clone()),
        several => Built::Index(
            assemble_index(
                &store,
                several.iter().map(|b| b.image.clone()).collect(),
                attestations,
                req.annotations.for_target(AnnotationTarget::Index, ""),
            )
            .map(|mut index| {
                index.index.annotations = req
                    .annotations
                    .for_target(AnnotationTarget::IndexDescriptor, "");
                index
            })
            .map_err(|e| SessionError::Output {
                what: "the image index".into(),
                reason: chain(&e),
            })?,
        ),
    };
    let names = write_outputs(outputs, &result, &image_layers, &store, &resolver, progress)?;
    if outputs.is_empty() {
        progress.info(
            "WARNING: No output specified: the build result stays in rbuild's state only (use --push, -o type=oci,dest=... or -o type=docker,dest=...)",
        );
    }
    let export_failure = export_caches(
        &remote,
        local.as_ref(),
        planned.first(),
        &steps,
        &store,
        resolver.runtime(),
        progress,
    );
    mount_caches.export(&|w| progress.info(w));
    let mounts = mount_caches.reports();
    if let Some(path) = &req.iidfile {
        crate::output::write_iidfile(path, &result).map_err(|e| SessionError::Output {
            what: format!("--iidfile {}", path.display()),
            reason: chain(&e),
        })?;
    }
    if let Some(path) = &req.metadata_file {
        let mut doc = crate::output::metadata::metadata(&result, &names);
        if let Some(map) = doc.as_object_mut() {
            if req.explain {
                map.insert("rbuild.explain".into(), explained(&steps));
            }
            map.insert("rbuild.pull".into(), to_json(path, &pull_meter.report())?);
            map.insert(
                "rbuild.materialize".into(),
                materialized(planned.first(), &steps),
            );
            let caches = remote.reports();
            if !caches.is_empty() {
                map.insert("rbuild.cache".into(), to_json(path, &caches)?);
            }
            if mount_caches.is_active() {
                map.insert("rbuild.mount-caches".into(), to_json(path, &mounts)?);
            }
        }
        write_json_atomic(path, &doc)?;
    }
    if req.cleanup
        && let Some(root) = &isolation.root
    {
        root.clear().map_err(|e| SessionError::Setup {
            what: "--cleanup".into(),
            reason: chain(&e),
        })?;
    }
    Ok(BuildResult {
        built: result,
        names,
        steps,
        findings: checked.findings,
        caches: remote.reports(),
        mounts,
        store,
        export_failure,
    })
}

/// Puts `--annotation`s for `platform`'s image in its manifest (a new manifest digest) and on
/// its descriptor in the index.
fn annotate_image(
    image: &mut crate::image::manifest::BuiltImage,
    annotations: &Annotations,
    platform: &str,
    store: &Store,
) -> Result<(), SessionError> {
    *image = crate::image::manifest::annotate(
        store,
        image,
        annotations.for_target(AnnotationTarget::Manifest, platform),
    )
    .map_err(|e| SessionError::Output {
        what: "the annotated manifest".into(),
        reason: chain(&e),
    })?;
    image
        .manifest
        .annotations
        .extend(annotations.for_target(AnnotationTarget::ManifestDescriptor, platform));
    Ok(())
}

/// Seconds since the epoch, now.
fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The full names the outputs give the image (the subjects of its attestations).
fn output_names(outputs: &[Output]) -> Vec<String> {
    let mut names = Vec::new();
    for out in outputs {
        match out {
            Output::Local(spec) => names.extend(spec.names.iter().map(ImageName::full)),
            Output::Registry(targets) => names.extend(
                targets
                    .iter()
                    .filter_map(|t| ImageName::parse(t).ok())
                    .map(|n| n.full()),
            ),
        }
    }
    names
}

/// The attestation manifests of the built images (one per image, in their order), with the
/// provenance and SBOM the request asks for; none when it asks for neither.
/// What [`attest_images`] reads besides the request and the build.
struct AttestInputs<'a> {
    store: &'a Store,
    resolver: &'a RegistryResolver,
    started: i64,
}

fn attest_images(
    req: &BuildRequest,
    planned: &super::input::Planned,
    built: &[BuildOutput],
    inputs: &AttestInputs<'_>,
    progress: &dyn Progress,
) -> Result<Vec<crate::image::manifest::BuiltImage>, SessionError> {
    let AttestInputs {
        store,
        resolver,
        started,
    } = *inputs;
    use super::attest::{BuildFacts, invocation_id, provenance, sbom, vcs_facts};
    use crate::image::attestation::{attach, subjects};
    let wanted = &req.attestations;
    if !wanted.any() {
        return Ok(Vec::new());
    }
    let names = output_names(&req.outputs);
    let finished = now();
    let id = invocation_id();
    let failed = |what: &str, e: &dyn std::error::Error| SessionError::Output {
        what: what.to_string(),
        reason: chain(e),
    };
    // The context's git facts are the same for every platform: asked once.
    let vcs = if wanted.provenance.is_some() {
        vcs_facts(&req.input.context)
    } else {
        Default::default()
    };
    let mut out = Vec::new();
    for (b, plan) in built.iter().zip(&planned.plans) {
        let mut predicates = Vec::new();
        if let Some(opts) = &wanted.provenance {
            let facts = BuildFacts {
                request: req,
                dockerfile: &plan.dockerfile,
                started,
                finished,
                invocation_id: &id,
                vcs: vcs.clone(),
            };
            let top_digest = |reference: &str, platform: &str| {
                let r = Reference::parse(reference).ok()?;
                let p = crate::oci::platform::Platform::parse(platform).ok()?;
                let resolved = resolver.resolve_image(&r, &p).ok()?;
                Some(
                    resolved
                        .index_digest
                        .unwrap_or(resolved.manifest_digest)
                        .to_string(),
                )
            };
            predicates.push(provenance(plan, &facts, opts, &top_digest));
        }
        if wanted.sbom {
            progress.info(&format!("scanning {} for the SBOM", plan.platform));
            let name = names.first().cloned().unwrap_or_else(|| "image".into());
            let doc = crate::image::sbom::spdx(
                store,
                &b.image,
                &name,
                &crate::builder::time::rfc3339(finished),
            )
            .map_err(|e| failed("the SBOM", &e))?;
            predicates.push(sbom(doc));
        }
        out.push(
            attach(store, &b.image, &subjects(&b.image, &names), &predicates)
                .map_err(|e| failed("the attestation manifest", &e))?,
        );
    }
    Ok(out)
}

/// `value` as JSON for the metadata file at `path`.
fn to_json(
    path: &std::path::Path,
    value: &impl serde::Serialize,
) -> Result<serde_json::Value, SessionError> {
    serde_json::to_value(value).map_err(|e| SessionError::Output {
        what: format!("--metadata-file {}", path.display()),
        reason: e.to_string(),
    })
}

/// Builds the plans (one per target platform) and fetches the blobs `needed` picks of their
/// layers. A layer a
/// remote cache cannot deliver intact (missing, corrupt, the backend gone) is poisoned and the
/// build runs again: the steps that made it run instead (each round poisons at least one more
/// blob).
fn build_plans(
    builder: &Builder<'_>,
    materializer: &Materializer<'_>,
    remote: &RemoteCaches,
    plans: &[Plan],
    needed: &dyn Fn(Vec<LayerRef>) -> Vec<LayerRef>,
    progress: &dyn Progress,
) -> Result<Vec<BuildOutput>, BuildError> {
    loop {
        let poisoned = remote.poisoned_count();
        let result = builder.build_platforms(plans).and_then(|built| {
            let layers: Vec<_> = built.iter().flat_map(|b| b.layers.clone()).collect();
            materializer.ensure_blobs(&needed(layers))?;
            Ok(built)
        });
        match result {
            Err(BuildError::CacheBlob {
                backend,
                digest,
                reason,
            }) if remote.poisoned_count() > poisoned => {
                progress.info(&format!(
                    "WARNING: cache {backend}: layer {digest} unusable ({reason}); building again without it"
                ));
            }
            other => return other,
        }
    }
}

/// Outputs that hold one image refuse a multi-platform build before it starts, with
/// BuildKit's message (which buildx gives only after the build).
fn refuse_single_platform_outputs(outputs: &[Output]) -> Result<(), SessionError> {
    for out in outputs {
        if let Output::Local(spec) = out
            && spec.kind == crate::output::OutputKind::Docker
        {
            return Err(SessionError::Flag {
                flag: format!("--output type=docker,dest={}", spec.dest.display()),
                reason: "docker exporter does not currently support exporting manifest lists \
                         (build one --platform for type=docker, or use type=oci or --push)"
                    .into(),
            });
        }
    }
    Ok(())
}

/// Exports and pushes the image as `outputs` say; returns the names it went out as.
fn write_outputs(
    outputs: &[Output],
    built: &Built,
    layers: &[crate::builder::layers::LayerRef],
    store: &Store,
    resolver: &RegistryResolver,
    progress: &dyn Progress,
) -> Result<Vec<ImageName>, SessionError> {
    let mut names: Vec<ImageName> = Vec::new();
    for out in outputs {
        match out {
            Output::Local(spec) => {
                progress.info(&format!(
                    "exporting to {} {}",
                    spec.kind.as_str(),
                    spec.dest.display()
                ));
                crate::output::export(store, built, spec).map_err(|e| SessionError::Output {
                    what: format!(
                        "exporting to {} {}",
                        spec.kind.as_str(),
                        spec.dest.display()
                    ),
                    reason: chain(&e),
                })?;
                names.extend(spec.names.iter().cloned());
            }
            Output::Registry(targets) => {
                for t in targets {
                    let bad = |e: &dyn std::fmt::Display| SessionError::Flag {
                        flag: format!("{t:?}"),
                        reason: e.to_string(),
                    };
                    let name = ImageName::parse(t).map_err(|e| bad(&e))?;
                    let reference = Reference::parse(&name.full()).map_err(|e| bad(&e))?;
                    let opts = PushOptions {
                        mount_from: crate::builder::executor::mount_sources(layers),
                        ..PushOptions::default()
                    };
                    progress.info(&format!("pushing {}", name.full()));
                    let report = resolver
                        .runtime()
                        .block_on(
                            resolver
                                .registry()
                                .push_built(store, built, &reference, &opts),
                        )
                        .map_err(|e| SessionError::Output {
                            what: format!("pushing {}", name.full()),
                            reason: chain(&e),
                        })?;
                    progress.info(&format!(
                        "pushed {}@{} ({} blobs uploaded, {} mounted, {} already there)",
                        name.full(),
                        report.manifest_digest,
                        report.blobs_uploaded,
                        report.blobs_mounted,
                        report.blobs_skipped
                    ));
                    names.push(name);
                }
            }
        }
    }
    Ok(names)
}
