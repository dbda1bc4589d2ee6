//! The remote caches of one build: the `--cache-from` indexes imported before the build, the
//! lookups the build makes in them, the blobs it fetches from them lazily, and the exports to
//! the `--cache-to` backends after it.
//!
//! * **Import** reads each backend's index (the first scope of the chain that has one) and
//!   nothing else: no layer moves until a step that misses must run on top of it, or an output
//!   needs its bytes ([`RemoteSource::fetch_into`]). A backend that fails to load only warns.
//! * **Blobs** fetched are verified against their digests (the store writer refuses a blob
//!   whose bytes do not hash to its digest). A blob that cannot be fetched or verified is
//!   *poisoned*: later lookups no longer return records whose layer it is, so the build, run
//!   again, runs those steps instead of using a wrong or missing layer.
//! * **Export** publishes the records of the build (`mode=min`: the final image's stages;
//!   `mode=max`: every stage that ran), uploading only the layers the backend lacks; a layer
//!   that is not in the local store (an imported hit never downloaded) is fetched from the
//!   backend that had it first. A failing export warns unless `ignore-error=false`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use futures_util::StreamExt as _;

use super::backend::{Access, Backend};
use super::error::RemoteError;
use super::gha::entries::EntriesApi;
use super::index::CacheIndex;
use super::meter::{Meter, MeterReport};
use super::scope::Scopes;
use super::spec::{CacheSpec, Mode};
use crate::cache::CacheRecord;
use crate::digest::Digest;
use crate::image::layer::LayerDescriptor;
use crate::registry::{Registry, Repository};
use crate::store::{BlobSink, Store, StoreError};

/// How many blobs of one backend are downloaded at once.
const FETCH_CONCURRENCY: usize = 4;

/// Digests whose bytes a backend could not deliver intact.
type Poisoned = Arc<Mutex<HashSet<Digest>>>;

/// One `--cache-from` backend and the index it loaded.
pub struct RemoteSource {
    /// The spec it was made from.
    pub spec: CacheSpec,
    backend: Backend,
    meter: Arc<Meter>,
    records: HashMap<Digest, CacheRecord>,
    handle: tokio::runtime::Handle,
    poisoned: Poisoned,
}

impl std::fmt::Debug for RemoteSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteSource")
            .field("backend", &self.spec.backend_ref())
            .field("records", &self.records.len())
            .finish_non_exhaustive()
    }
}

/// Why a blob could not be had from a remote cache.
#[derive(Debug, thiserror::Error)]
#[error("layer {digest} from the cache: {source}")]
pub struct FetchError {
    /// The blob.
    pub digest: Digest,
    /// What failed.
    #[source]
    pub source: RemoteError,
}

impl RemoteSource {
    /// The backend's name in reports.
    pub fn name(&self) -> String {
        self.spec.backend_ref()
    }

    /// The registry repository holding the blobs, if the backend is a registry: a push to the
    /// same registry mounts from it.
    pub fn mount_source(&self) -> Option<Repository> {
        self.backend.mount_source()
    }

    /// The connected backend.
    pub(crate) fn backend(&self) -> &Backend {
        &self.backend
    }

    /// What it moved.
    pub(crate) fn meter(&self) -> &Arc<Meter> {
        &self.meter
    }

    /// Downloads the blobs of `layers` the store lacks into it, verified, a few at a time.
    /// Blocks (call it from a build thread, not from async code). The first failure is
    /// returned; every blob that failed is poisoned.
    pub fn fetch_into(&self, layers: &[LayerDescriptor], store: &Store) -> Result<(), FetchError> {
        let wanted: Vec<&LayerDescriptor> = layers
            .iter()
            .filter(|l| !store.blobs().has(&l.digest))
            .collect();
        if wanted.is_empty() {
            return Ok(());
        }
        let started = Instant::now();
        let results: Vec<Result<(), FetchError>> = self.handle.block_on(
            futures_util::stream::iter(wanted)
                .map(|l| async move { self.fetch_one(l, store).await })
                .buffer_unordered(FETCH_CONCURRENCY)
                .collect(),
        );
        self.meter.import_time(started.elapsed());
        let mut first = None;
        for r in results {
            if let Err(e) = r {
                tracing::warn!("{e}; the steps that made it will run instead");
                self.poison(&e.digest);
                first.get_or_insert(e);
            }
        }
        first.map_or(Ok(()), Err)
    }

    /// Streams the blob of `l` into `sink` without storing it (the caller unpacks it as it
    /// arrives and must check its digest: [`RemoteSource::poison`] when it is wrong). Blocks.
    /// A failure poisons the blob.
    pub fn stream(&self, l: &LayerDescriptor, sink: &mut dyn BlobSink) -> Result<(), FetchError> {
        let started = Instant::now();
        let result = self.handle.block_on(self.backend.fetch(l, sink));
        self.meter.import_time(started.elapsed());
        result.map_err(|source| {
            let e = FetchError {
                digest: l.digest.clone(),
                source,
            };
            tracing::warn!("{e}; the steps that made it will run instead");
            self.poison(&l.digest);
            e
        })
    }

    /// Marks a blob whose bytes this backend could not deliver intact: lookups no longer
    /// return records whose layer it is.
    pub fn poison(&self, digest: &Digest) {
        self.poisoned
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(digest.clone());
    }

    async fn fetch_one(&self, l: &LayerDescriptor, store: &Store) -> Result<(), FetchError> {
        let fail = |source| FetchError {
            digest: l.digest.clone(),
            source,
        };
        let store_err = |source: StoreError| {
            fail(RemoteError::Store {
                backend: self.name(),
                source,
            })
        };
        let mut writer = store.writer(Some(&l.digest)).map_err(store_err)?;
        self.backend.fetch(l, &mut writer).await.map_err(fail)?;
        match writer.commit() {
            Ok(_) => Ok(()),
            Err(StoreError::DigestMismatch {
                expected, actual, ..
            }) => Err(fail(RemoteError::DigestMismatch {
                backend: self.name(),
                expected,
                actual,
            })),
            Err(e) => Err(store_err(e)),
        }
    }
}

/// A remote hit: the record and the backend holding its layer.
#[derive(Debug, Clone)]
pub struct RemoteHit {
    /// The record.
    pub record: CacheRecord,
    /// The backend it came from.
    pub source: Arc<RemoteSource>,
}

/// One `--cache-to` backend.
#[derive(Debug)]
pub(crate) struct Target {
    /// Its spec.
    pub(crate) spec: CacheSpec,
    /// The connected backend.
    pub(crate) backend: Backend,
    /// What it moved.
    pub(crate) meter: Arc<Meter>,
}

/// The remote caches of one build.
#[derive(Debug)]
pub struct RemoteCaches {
    sources: Vec<Arc<RemoteSource>>,
    targets: Vec<Arc<Target>>,
    meters: BTreeMap<String, Arc<Meter>>,
    scopes: Scopes,
    poisoned: Poisoned,
    /// GitHub's REST API, for `type=gha,prune=true` (set by the front end).
    entries_api: Option<EntriesApi>,
}

/// What exporting did, per backend: its name, its `ignore-error=`, and the result.
pub type ExportOutcome = Vec<(String, bool, Result<(), RemoteError>)>;

impl RemoteCaches {
    /// No remote cache.
    pub fn none() -> Self {
        Self {
            sources: Vec::new(),
            targets: Vec::new(),
            meters: BTreeMap::new(),
            scopes: Scopes::fixed("default"),
            poisoned: Poisoned::default(),
            entries_api: None,
        }
    }

    /// These caches with GitHub's REST API for `type=gha,prune=true` (without it, such a prune
    /// fails with a clear message).
    pub fn with_entries_api(mut self, api: EntriesApi) -> Self {
        self.entries_api = Some(api);
        self
    }

    /// Connects to every backend and imports the `--cache-from` indexes (on `runtime`). A
    /// backend that cannot be reached or whose index is invalid is reported through `warn` and
    /// skipped; a `--cache-to` backend that cannot be set up is an error only when its
    /// `ignore-error=false`.
    pub fn open(
        from: &[CacheSpec],
        to: &[CacheSpec],
        scopes: Scopes,
        registry: &Registry,
        runtime: &tokio::runtime::Runtime,
        warn: &dyn Fn(&str),
    ) -> Result<Self, RemoteError> {
        let mut caches = Self {
            scopes,
            ..Self::none()
        };
        let handle = runtime.handle().clone();
        for spec in from {
            let meter = caches.meter(spec);
            let started = Instant::now();
            let loaded = runtime.block_on(async {
                let backend = Backend::connect(spec, registry, meter.clone()).await?;
                let reads = match &spec.scope {
                    Some(s) if !backend.scopes_server_side() => Scopes::fixed(s).reads,
                    _ => caches.scopes.reads.clone(),
                };
                let loaded = backend.load(&reads).await?;
                Ok::<_, RemoteError>((backend, loaded))
            });
            meter.import_time(started.elapsed());
            match loaded {
                Ok((backend, loaded)) => {
                    let records = match loaded {
                        Some(l) => {
                            tracing::info!(
                                "cache {}: {} records from {}",
                                spec.backend_ref(),
                                l.index.records.len(),
                                l.location
                            );
                            l.index.by_key()
                        }
                        None => {
                            warn(&format!(
                                "cache {}: no cache yet for scopes {}",
                                spec.backend_ref(),
                                caches.scopes.reads.join(", ")
                            ));
                            HashMap::new()
                        }
                    };
                    caches.sources.push(Arc::new(RemoteSource {
                        spec: spec.clone(),
                        backend,
                        meter,
                        records,
                        handle: handle.clone(),
                        poisoned: caches.poisoned.clone(),
                    }));
                }
                Err(e) => warn(&format!("WARNING: cache import skipped: {e}")),
            }
        }
        for spec in to {
            let meter = caches.meter(spec);
            match runtime.block_on(Backend::connect(spec, registry, meter.clone())) {
                Ok(backend) => caches.targets.push(Arc::new(Target {
                    spec: spec.clone(),
                    backend,
                    meter,
                })),
                Err(e) if spec.ignore_error => {
                    warn(&format!("WARNING: cache export skipped: {e}"));
                }
                Err(e) => return Err(e),
            }
        }
        caches.check_targets(runtime, warn);
        Ok(caches)
    }

    /// Probes every `--cache-to` backend at once, before the build: one that is read-only or
    /// unreachable is reported now (its export, attempted anyway, would fail only at the end).
    fn check_targets(&self, runtime: &tokio::runtime::Runtime, warn: &dyn Fn(&str)) {
        let probes = self.targets.iter().map(|t| async move {
            let scope = self.write_scope(t);
            let access = t
                .backend
                .check(&scope)
                .await
                .unwrap_or_else(|e| Access::Unreachable(e.to_string()));
            (t, access)
        });
        for (t, access) in runtime.block_on(futures_util::future::join_all(probes)) {
            let name = t.spec.backend_ref();
            if access == Access::ReadWrite {
                tracing::info!("cache-to {name}: {access}");
                continue;
            }
            let then = if t.spec.ignore_error {
                "its export will be skipped (ignore-error=true)"
            } else {
                "its export will fail the build (add ignore-error=true to go on without it)"
            };
            warn(&format!("WARNING: cache-to {name} is {access}: {then}"));
        }
    }

    /// The scope `t` writes.
    fn write_scope(&self, t: &Target) -> String {
        match &t.spec.scope {
            Some(s) if !t.backend.scopes_server_side() => Scopes::fixed(s).write,
            _ => self.scopes.write.clone(),
        }
    }

    fn meter(&mut self, spec: &CacheSpec) -> Arc<Meter> {
        self.meters.entry(spec.backend_ref()).or_default().clone()
    }

    /// Whether any `--cache-from` backend is set up.
    pub fn has_sources(&self) -> bool {
        !self.sources.is_empty()
    }

    /// Whether any `--cache-to` backend is set up.
    pub fn has_targets(&self) -> bool {
        !self.targets.is_empty()
    }

    /// Whether any `--cache-to` backend exports the records of every stage (`mode=max`), not
    /// only of the image's.
    pub fn exports_every_stage(&self) -> bool {
        self.targets.iter().any(|t| t.spec.mode == Mode::Max)
    }

    /// The first imported record of `key` whose layer was not poisoned.
    pub fn lookup(&self, key: &Digest) -> Option<RemoteHit> {
        let poisoned = self.poisoned.lock().unwrap_or_else(PoisonError::into_inner);
        self.sources.iter().find_map(|s| {
            let record = s.records.get(key)?;
            if record
                .layer
                .as_ref()
                .is_some_and(|l| poisoned.contains(&l.digest))
            {
                return None;
            }
            Some(RemoteHit {
                record: record.clone(),
                source: s.clone(),
            })
        })
    }

    /// How many blobs were poisoned so far (a build retried after a bad blob stops when this
    /// no longer grows).
    pub fn poisoned_count(&self) -> usize {
        self.poisoned
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Exports `records` (every step record of the build, with whether its stage is in the
    /// final image's chain) to each `--cache-to` backend, each as its `mode=` says. Layers the
    /// store lacks are fetched from the `--cache-from` backend that had them.
    pub fn export(
        &self,
        records: &[(CacheRecord, bool)],
        store: &Store,
        runtime: &tokio::runtime::Runtime,
    ) -> ExportOutcome {
        let mut out = Vec::new();
        for t in &self.targets {
            let started = Instant::now();
            let chosen: Vec<CacheRecord> = records
                .iter()
                .filter(|(_, in_image)| t.spec.mode == Mode::Max || *in_image)
                .map(|(r, _)| r.clone())
                .collect();
            let index = CacheIndex::new(chosen);
            let scope = self.write_scope(t);
            let mut result = self.export_one(t, &scope, &index, store, runtime);
            if result.is_ok() {
                result = runtime.block_on(t.backend.after_export(self.entries_api.as_ref()));
            }
            t.meter.export_time(started.elapsed());
            out.push((t.spec.backend_ref(), t.spec.ignore_error, result));
        }
        out
    }

    fn export_one(
        &self,
        t: &Target,
        scope: &str,
        index: &CacheIndex,
        store: &Store,
        runtime: &tokio::runtime::Runtime,
    ) -> Result<(), RemoteError> {
        let layers = index.layers();
        let lacking = runtime.block_on(t.backend.lacking(scope, &layers))?;
        let absent: Vec<LayerDescriptor> = lacking
            .iter()
            .filter(|l| !store.blobs().has(&l.digest))
            .cloned()
            .collect();
        for l in &absent {
            let source = self
                .sources
                .iter()
                .find(|s| {
                    s.records
                        .values()
                        .any(|r| r.layer.as_ref().is_some_and(|x| x.digest == l.digest))
                })
                .ok_or_else(|| RemoteError::MissingBlob {
                    backend: t.spec.backend_ref(),
                    digest: l.digest.clone(),
                })?;
            source
                .fetch_into(std::slice::from_ref(l), store)
                .map_err(|e| e.source)?;
        }
        runtime.block_on(t.backend.export(scope, index, &lacking, store))
    }

    /// The mount caches of this build: restored from the `--cache-from` backends and exported
    /// to the `--cache-to` backends whose `mount-caches=` is on; `mounts_dir` is the state's
    /// cache-mount folder, `max_size` bounds what one id exports.
    pub fn mount_caches(
        &self,
        mounts_dir: &std::path::Path,
        max_size: Option<u64>,
        runtime: &tokio::runtime::Runtime,
    ) -> super::mounts::MountCaches {
        super::mounts::MountCaches::new(
            self.sources
                .iter()
                .filter(|s| s.spec.mount_caches)
                .cloned()
                .collect(),
            self.targets
                .iter()
                .filter(|t| t.spec.mount_caches)
                .cloned()
                .collect(),
            self.scopes.clone(),
            mounts_dir,
            max_size,
            runtime.handle().clone(),
        )
    }

    /// The meters of every backend, by backend name.
    pub fn reports(&self) -> BTreeMap<String, MeterReport> {
        self.meters
            .iter()
            .map(|(k, m)| (k.clone(), m.report()))
            .collect()
    }
}
