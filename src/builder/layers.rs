//! A stage's layers and the filesystem they make: blobs fetched from the registry only when a
//! step needs their files (or an output needs their bytes), streamed straight into their
//! snapshots, every layer of a stack at once, once per chain id.

use std::collections::HashMap;
use std::io::BufReader;
use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use super::BuildError;
use super::copy::RootfsView;
use super::layer_stream;
use crate::cache::remote::meter::Counting;
use crate::cache::remote::{Meter, RemoteSource};
use crate::digest::Digest;
use crate::image::layer::LayerDescriptor;
use crate::registry::{Registry, Repository};
use crate::store::{Compression, Store, child_chain_id};

/// How many blobs of one image are downloaded at once.
const FETCH_CONCURRENCY: usize = 4;

/// Where a layer blob the store lacks can be fetched from.
#[derive(Debug, Clone)]
pub enum BlobOrigin {
    /// A registry repository (layers of pulled images).
    Registry(Repository),
    /// A `--cache-from` backend (layers of steps found in a remote cache).
    Cache(Arc<RemoteSource>),
}

impl BlobOrigin {
    /// The registry repository a push to the same registry can mount the blob from.
    pub fn mount_source(&self) -> Option<Repository> {
        match self {
            Self::Registry(r) => Some(r.clone()),
            Self::Cache(s) => s.mount_source(),
        }
    }
}

/// One layer of a stage: its descriptor, the chain id of the filesystem up to it, and where its
/// blob can be fetched when the store lacks it.
#[derive(Debug, Clone)]
pub struct LayerRef {
    /// The blob.
    pub desc: LayerDescriptor,
    /// Chain id of this layer and those below it (the snapshot's name).
    pub chain_id: Digest,
    /// Where the blob can be fetched from when the store lacks it (`None`: made by this
    /// build or already in the store).
    pub origin: Option<BlobOrigin>,
}

/// Appends a layer on top of `below`.
pub fn push_layer(below: &mut Vec<LayerRef>, desc: LayerDescriptor, origin: Option<BlobOrigin>) {
    let chain_id = match below.last() {
        Some(parent) => child_chain_id(&parent.chain_id, &desc.diff_id),
        None => desc.diff_id.clone(),
    };
    below.push(LayerRef {
        desc,
        chain_id,
        origin,
    });
}

/// Which blobs are kept in the store when their layers are streamed into snapshots: only those
/// a later output (or cache export) needs the bytes of. Writing and syncing a blob nobody reads
/// costs as much as the unpacking on a fresh runner. A cache layer's local record is usable
/// without its blob on a later build that reads the same cache (the snapshot is there, the
/// blob is fetched again if an output needs it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum KeepBlobs {
    /// Every blob (an OCI layout or docker archive output, a cache export); the default.
    #[default]
    All,
    /// None: nothing needs a layer's bytes (no output, or a push that mounts them all).
    None,
    /// Those a push to any of these registry hosts cannot mount (from another host).
    UnlessPushedTo(Vec<String>),
}

impl KeepBlobs {
    fn keeps(&self, origin: &BlobOrigin) -> bool {
        match self {
            Self::All => true,
            Self::None => false,
            Self::UnlessPushedTo(hosts) => match origin.mount_source() {
                Some(repo) => hosts.iter().any(|h| *h != repo.domain),
                // A cache that is not a registry: nothing to mount from.
                None => true,
            },
        }
    }
}

/// How long making layers present took, as the build report and `--metadata-file` show it.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct MaterializeTimes {
    /// Snapshots unpacked.
    pub layers: u64,
    /// Compressed bytes downloaded for them.
    pub download_bytes: u64,
    /// Wall-clock seconds from the first request to the last byte of the last download.
    pub download_seconds: f64,
    /// Wall-clock seconds until every snapshot was unpacked and published (downloads included:
    /// they overlap).
    pub seconds: f64,
    /// Of [`Self::layers`], those started before the step asked for them (`build::early`):
    /// for these the seconds count only what the step still waited.
    pub early: u64,
}

impl MaterializeTimes {
    /// Adds `other` to these.
    pub fn add(&mut self, other: &Self) {
        self.layers += other.layers;
        self.download_bytes += other.download_bytes;
        self.download_seconds += other.download_seconds;
        self.seconds += other.seconds;
        self.early += other.early;
    }
}

thread_local! {
    /// What this thread's calls to [`Materializer::rootfs`] took since the last
    /// [`take_thread_times`]: each stage runs on a thread of its own, so this is the stage's.
    static THREAD_TIMES: std::cell::Cell<MaterializeTimes> =
        const { std::cell::Cell::new(MaterializeTimes { layers: 0, download_bytes: 0, download_seconds: 0.0, seconds: 0.0, early: 0 }) };
}

/// What materializing took on this thread since the last call (and starts counting anew).
pub fn take_thread_times() -> MaterializeTimes {
    THREAD_TIMES.with(|t| t.take())
}

/// At most this many layers are fetched and unpacked at once: each is a connection and a
/// decompressing thread; more than the cores still helps while downloads wait on the network.
fn parallel_layers() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    (cores * 2).clamp(4, 16)
}

/// Makes blobs and snapshots present: the store, and the registry to fetch missing blobs from.
///
/// A missing snapshot is made in one pass: download -> digest verified while streaming ->
/// decompress -> unpack ([`super::layer_stream`]), every missing layer of a stack at once, the
/// blob teed into the store only when something later needs its bytes ([`KeepBlobs`]). A
/// snapshot is published only after both its compressed digest and its diff_id are verified.
pub struct Materializer<'a> {
    /// The local store.
    pub store: &'a Store,
    /// The registry client.
    pub registry: &'a Registry,
    /// Runs the registry's futures.
    pub runtime: &'a tokio::runtime::Runtime,
    /// Counts the bytes and blobs of base-image layers pulled (`rbuild.pull`).
    pub pulled: Option<&'a Meter>,
    /// Which pulled blobs are kept when streamed.
    pub keep: KeepBlobs,
    /// One lock per snapshot being made, so that two stages needing it make it once.
    pub making: SnapshotLocks,
    /// What [`Self::prefetch`] made, until a step that needs it counts it as its own.
    pub early: MadeEarly,
}

/// The snapshots [`Materializer::prefetch`] made and no step has counted yet, by chain id.
#[derive(Debug, Default)]
pub struct MadeEarly(Mutex<HashMap<Digest, Made>>);

impl MadeEarly {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Digest, Made>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Per-chain-id locks of a [`Materializer`].
#[derive(Debug, Default)]
pub struct SnapshotLocks(Mutex<HashMap<Digest, Arc<Mutex<()>>>>);

impl SnapshotLocks {
    fn of(&self, chain_id: &Digest) -> Arc<Mutex<()>> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(chain_id.clone())
            .or_default()
            .clone()
    }
}

impl Materializer<'_> {
    /// Fetches the blobs of `layers` the store lacks (in parallel per registry repository or
    /// cache backend), verified against their digests. A blob a remote cache cannot deliver
    /// intact is [`BuildError::CacheBlob`]: the build runs again without it.
    pub fn ensure_blobs(&self, layers: &[LayerRef]) -> Result<(), BuildError> {
        let mut by_repo: Vec<(Repository, Vec<Digest>)> = Vec::new();
        let mut by_cache: Vec<(Arc<RemoteSource>, Vec<LayerDescriptor>)> = Vec::new();
        for l in layers {
            if self.store.blobs().has(&l.desc.digest) {
                continue;
            }
            match &l.origin {
                None => {
                    return Err(BuildError::MissingBlob {
                        digest: l.desc.digest.clone(),
                    });
                }
                Some(BlobOrigin::Registry(repo)) => {
                    match by_repo.iter_mut().find(|(r, _)| r == repo) {
                        Some((_, ds)) => ds.push(l.desc.digest.clone()),
                        None => by_repo.push((repo.clone(), vec![l.desc.digest.clone()])),
                    }
                }
                Some(BlobOrigin::Cache(source)) => {
                    match by_cache.iter_mut().find(|(s, _)| Arc::ptr_eq(s, source)) {
                        Some((_, ls)) => ls.push(l.desc.clone()),
                        None => by_cache.push((source.clone(), vec![l.desc.clone()])),
                    }
                }
            }
        }
        for (source, descs) in by_cache {
            source
                .fetch_into(&descs, self.store)
                .map_err(|e| cache_blob(&source, &e.digest, &e.source))?;
        }
        for (repo, digests) in by_repo {
            let mut writers = Vec::new();
            for d in &digests {
                writers.push((d.clone(), self.store.writer(Some(d))?));
            }
            let sinks: Vec<(Digest, Counting<'_, &mut crate::store::BlobWriter>)> = writers
                .iter_mut()
                .map(|(d, w)| {
                    (
                        d.clone(),
                        Counting {
                            inner: w,
                            meter: self.pulled,
                        },
                    )
                })
                .collect();
            let results =
                self.runtime
                    .block_on(self.registry.fetch_blobs(&repo, sinks, FETCH_CONCURRENCY));
            for r in results {
                r.map_err(|source| BuildError::Registry {
                    what: format!("fetching a layer of {repo}"),
                    source,
                })?;
                if let Some(m) = self.pulled {
                    m.blob_downloaded();
                }
            }
            for (_, w) in writers {
                w.commit()?;
            }
        }
        Ok(())
    }

    /// The filesystem `layers` make, every snapshot present (made by [`Self::materialize`]).
    pub fn rootfs(&self, layers: &[LayerRef]) -> Result<RootfsView, BuildError> {
        self.materialize(layers)?;
        let top_first: Vec<Digest> = layers.iter().rev().map(|l| l.chain_id.clone()).collect();
        Ok(RootfsView {
            stack: self.store.stack(&top_first),
        })
    }

    /// Makes the snapshot of every layer of `layers` present, all at once (at most
    /// twice the cores, 4 to 16): from the blob when the store has it, else streamed from its
    /// origin. The first failure in layer order is returned once every layer is done. What it
    /// took is added to this thread's [`MaterializeTimes`], with the layers [`Self::prefetch`]
    /// made for this stack.
    pub fn materialize(&self, layers: &[LayerRef]) -> Result<(), BuildError> {
        let missing: Vec<&LayerRef> = layers
            .iter()
            .filter(|l| !self.store.has_snapshot(&l.chain_id))
            .collect();
        let started = Instant::now();
        let (made, first_error) = self.make_all(&missing, false, &|| false);
        let mut early: Vec<Made> = {
            let mut map = self.early.lock();
            layers
                .iter()
                .filter_map(|l| map.remove(&l.chain_id))
                .collect()
        };
        if made.is_empty() && early.is_empty() {
            return first_error.map_or(Ok(()), Err);
        }
        // The step about to run computes while the disk writes the new snapshots back.
        self.store.flush_ahead();
        for m in &mut early {
            m.early = true;
        }
        let mut times = MaterializeTimes::default();
        for m in made.iter().chain(&early) {
            times.layers += u64::from(m.unpacked);
            times.early += u64::from(m.early);
            times.download_bytes += m.downloaded;
            if let Some(end) = m.download_end {
                let waited = end.saturating_duration_since(started).as_secs_f64();
                times.download_seconds = times.download_seconds.max(waited);
            }
        }
        times.seconds = started.elapsed().as_secs_f64();
        THREAD_TIMES.with(|t| {
            let mut now = t.get();
            now.add(&times);
            t.set(now);
        });
        first_error.map_or(Ok(()), Err)
    }

    /// Makes the snapshots of `layers` present ahead of the steps that will need them
    /// (`build::early`), all at once as [`Self::materialize`] does, starting no new layer
    /// once `stop` says so. A failure is left for the step that needs the layer to meet again
    /// and report; what was made waits in [`Self::early`] for that step to count it.
    pub fn prefetch(&self, layers: &[LayerRef], stop: &(dyn Fn() -> bool + Sync)) {
        let missing: Vec<&LayerRef> = layers
            .iter()
            .filter(|l| !self.store.has_snapshot(&l.chain_id))
            .collect();
        let (_, error) = self.make_all(&missing, true, stop);
        if let Some(e) = error {
            tracing::debug!("making lower layers present early: {e}");
        }
    }

    /// Makes `missing`'s snapshots, at most [`parallel_layers`] at once: what each made (none
    /// for those another thread made meanwhile), and the first failure in layer order.
    fn make_all(
        &self,
        missing: &[&LayerRef],
        early: bool,
        stop: &(dyn Fn() -> bool + Sync),
    ) -> (Vec<Made>, Option<BuildError>) {
        if missing.is_empty() {
            return (Vec::new(), None);
        }
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<(usize, Result<Made, BuildError>)>> = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for _ in 0..missing.len().min(parallel_layers()) {
                s.spawn(|| {
                    loop {
                        if stop() {
                            break;
                        }
                        let i = next.fetch_add(1, AtomicOrdering::Relaxed);
                        let Some(l) = missing.get(i) else { break };
                        let r = self.make_snapshot(l, early);
                        results
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .push((i, r));
                    }
                });
            }
        });
        let mut results = results.into_inner().unwrap_or_else(PoisonError::into_inner);
        results.sort_by_key(|(i, _)| *i);
        let mut made = Vec::new();
        let mut first_error = None;
        for (_, r) in results {
            match r {
                Ok(m) if m.unpacked => made.push(m),
                Ok(_) => {}
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        (made, first_error)
    }

    /// Makes one snapshot (unless another thread made it meanwhile). One made `early` is
    /// recorded in [`Self::early`] before its lock is released, so that a step waiting for it
    /// finds it there.
    fn make_snapshot(&self, l: &LayerRef, early: bool) -> Result<Made, BuildError> {
        let lock = self.making.of(&l.chain_id);
        let _making = lock.lock().unwrap_or_else(PoisonError::into_inner);
        if self.store.has_snapshot(&l.chain_id) {
            return Ok(Made::default());
        }
        let made = self.make_snapshot_locked(l)?;
        if early {
            self.early.lock().insert(l.chain_id.clone(), made.clone());
            return Ok(Made::default());
        }
        Ok(made)
    }

    /// [`Self::make_snapshot`] under the chain id's lock.
    fn make_snapshot_locked(&self, l: &LayerRef) -> Result<Made, BuildError> {
        let compression =
            Compression::from_media_type(&l.desc.media_type).unwrap_or(Compression::Auto);
        if self.store.blobs().has(&l.desc.digest) {
            let file = self.store.blobs().open(&l.desc.digest)?;
            self.store.unpack(
                &l.chain_id,
                BufReader::new(file),
                compression,
                Some(&l.desc.diff_id),
            )?;
            return Ok(Made {
                unpacked: true,
                ..Made::default()
            });
        }
        let Some(origin) = &l.origin else {
            return Err(BuildError::MissingBlob {
                digest: l.desc.digest.clone(),
            });
        };
        self.stream_snapshot(l, origin, compression)
    }

    /// Downloads `l`'s blob from `origin` and unpacks it in the same pass (two threads joined
    /// by a bounded pipe); publishes the snapshot once the download verified.
    fn stream_snapshot(
        &self,
        l: &LayerRef,
        origin: &BlobOrigin,
        compression: Compression,
    ) -> Result<Made, BuildError> {
        let digest = &l.desc.digest;
        let tee = if self.keep.keeps(origin) {
            let mut w = self.store.writer(Some(digest))?;
            // A partial download left by an earlier run is not resumed: the unpacker needs
            // every byte from the first.
            if w.resume_offset() > 0 {
                w.restart()?;
            }
            Some(w)
        } else {
            None
        };
        let from_cache = matches!(origin, BlobOrigin::Cache(_));
        let meter = if from_cache { None } else { self.pulled };
        // A registry verifies its own downloads, and a teed blob is verified by its commit: the
        // sink hashes only a cache's bytes that nothing else checks.
        let verify = from_cache && tee.is_none();
        let (mut sink, reader) = layer_stream::pipe(digest, tee, verify, meter);
        let (download, staged) = std::thread::scope(|s| {
            let download = s.spawn(move || {
                let result = match origin {
                    BlobOrigin::Registry(repo) => self
                        .runtime
                        .block_on(self.registry.fetch_blob(repo, digest, &mut sink))
                        .map(|_| ())
                        .map_err(|source| BuildError::Registry {
                            what: format!("fetching a layer of {repo}"),
                            source,
                        }),
                    BlobOrigin::Cache(source) => source
                        .stream(&l.desc, &mut sink)
                        .map_err(|e| cache_blob(source, digest, &e.source)),
                };
                let gone = sink.reader_gone();
                let streamed = sink.finish();
                let done = Instant::now();
                // The teed blob is committed (fsynced, its digest checked) here, while the
                // unpacker finishes, not after it.
                let checked = match (&result, streamed.tee) {
                    (Ok(()), Some(tee)) => Some(tee.commit().map(|_| ())),
                    _ => None,
                };
                (result, gone, checked, streamed.actual, done)
            });
            let staged =
                self.store
                    .stage_snapshot(&l.chain_id, reader, compression, Some(&l.desc.diff_id));
            (download.join(), staged)
        });
        let (result, reader_gone, checked, hashed, download_end) = download
            .map_err(|_| BuildError::Internal(format!("the download of {digest} panicked")))?;
        // The unpacker's failure made the download stop: report the unpacker's.
        if let Err(e) = result
            && !(reader_gone && staged.is_err())
        {
            return Err(e);
        }
        let mismatch = match checked {
            Some(Ok(())) => None,
            Some(Err(crate::store::StoreError::DigestMismatch { actual, .. })) => Some(actual),
            Some(Err(e)) => return Err(e.into()),
            None => hashed.filter(|a| a != digest),
        };
        let staged = match origin {
            // A registry download is verified by the registry client before this.
            BlobOrigin::Registry(_) => match mismatch {
                Some(actual) => {
                    return Err(crate::store::StoreError::DigestMismatch {
                        expected: digest.clone(),
                        actual,
                    }
                    .into());
                }
                None => staged?,
            },
            // A cache layer with the wrong bytes, or one that does not unpack (a corrupt
            // stream, a wrong diff_id, a refused entry), is unusable: poisoned, its step runs.
            BlobOrigin::Cache(source) => {
                let reason = match (mismatch, staged) {
                    (Some(actual), _) => format!("digest mismatch: got {actual}"),
                    (None, Err(e)) => e.to_string(),
                    (None, Ok(staged)) => {
                        return self.publish(staged, l, from_cache, download_end);
                    }
                };
                source.poison(digest);
                return Err(BuildError::CacheBlob {
                    backend: source.name(),
                    digest: digest.clone(),
                    reason,
                });
            }
        };
        self.publish(staged, l, from_cache, download_end)
    }

    /// Publishes a verified snapshot and counts it.
    fn publish(
        &self,
        staged: crate::store::StagedSnapshot<'_>,
        l: &LayerRef,
        from_cache: bool,
        download_end: Instant,
    ) -> Result<Made, BuildError> {
        if !from_cache && let Some(m) = self.pulled {
            m.blob_downloaded();
        }
        staged.publish()?;
        Ok(Made {
            unpacked: true,
            downloaded: l.desc.size,
            download_end: Some(download_end),
            early: false,
        })
    }
}

/// What making one snapshot did.
#[derive(Debug, Default, Clone)]
struct Made {
    /// The snapshot was unpacked (not found made by another thread).
    unpacked: bool,
    /// Compressed bytes downloaded for it.
    downloaded: u64,
    /// When its download's last byte arrived.
    download_end: Option<Instant>,
    /// Made by [`Materializer::prefetch`].
    early: bool,
}

/// A remote cache's failure to deliver `digest`, as the build reports it.
fn cache_blob(
    source: &RemoteSource,
    digest: &Digest,
    e: &crate::cache::remote::RemoteError,
) -> BuildError {
    BuildError::CacheBlob {
        backend: source.name(),
        digest: digest.clone(),
        reason: e.to_string(),
    }
}
