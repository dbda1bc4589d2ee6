//! `type=gha`: the cache in the GitHub Actions cache (service v2; DESIGN.md "Cache export and
//! import").
//!
//! GitHub takes about 200 uploads a minute per repository and its entries are immutable, so an
//! export is not one entry per blob (BuildKit's way, and its users' 429s) but at most two:
//!
//! * a **pack entry** with the layer blobs the cache lacks, concatenated ([`pack`]);
//! * an **index entry**: the records plus, for every layer they name, the (pack entry, offset,
//!   length) holding it ([`entry`]). Layers that an earlier pack already holds keep that
//!   location and are not uploaded again.
//!
//! A mount cache's manifest ([`super::mounts`]) is exported the same way: a pack entry with the
//! chunks no pack holds, then an entry `rbuild-v1-<ns>-mount/<key>/...` with the manifest and
//! every chunk's location (two uploads per changed cache id, none for an unchanged one).
//!
//! `load` restores the newest index entry by its key prefix; GitHub scopes entries by branch
//! itself (a job reads its branch, then the pull request's base, then the default branch), so
//! the build's scope list is not used. `fetch` reads one blob with a ranged download of its pack,
//! whose signed URL is asked for once per pack. The wire protocol: [`twirp`] (the service's API)
//! and [`azure`] (the signed blob URLs), both through [`http`] (retries with backoff on 429,
//! 408, 5xx and dropped connections; every request, byte and blob counted in the [`Meter`]).

pub mod azure;
pub mod entries;
pub mod entry;
pub mod http;
pub mod pack;
pub mod prune;
pub mod spec;
pub mod twirp;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;

use self::azure::BlockSource;
use self::entries::EntriesApi;
use self::entry::Location;
use self::http::{Calls, Http, Kind};
use self::pack::{BLOCK_SIZE, Pack, PackReader};
use self::twirp::{Created, Twirp};
use super::backend::{Access, BackendFuture, Loaded, RemoteBackend};
use super::document::{DocKind, DocName, Document, LoadedDoc};
use super::error::RemoteError;
use super::index::{CacheIndex, MAX_INDEX_BYTES};
use super::meter::Meter;
use super::retry::{Attempt, Backoff};
use super::spec::{CacheSpec, GhaSpec};
use crate::digest::Digest;
use crate::image::layer::LayerDescriptor;
use crate::store::{BlobSink, Store, StoreError};

/// The namespace (`scope=`) when none is given.
pub const DEFAULT_NAMESPACE: &str = "rbuild";
/// Longest namespace accepted (keys stay far below GitHub's 512 bytes).
const MAX_NAMESPACE: usize = 200;

/// A cache in the GitHub Actions cache.
#[derive(Debug)]
pub struct GhaBackend {
    ns: String,
    version: String,
    http: Box<Http>,
    twirp: Box<Twirp>,
    state: Box<Mutex<State>>,
    /// `prune=true`: prune after each export, with `prune-max-size=` as the budget.
    prune: Option<Option<u64>>,
}

/// What the backend learned from the service.
#[derive(Debug, Default)]
struct State {
    /// Whether the newest index was read (or found absent) already.
    loaded: bool,
    /// Where blobs live, from the indexes read and written.
    known: BTreeMap<Digest, Location>,
    /// Signed download URLs by pack key; `None`: the pack entry is gone.
    urls: HashMap<String, Option<String>>,
}

/// How [`GhaBackend::save_entry`] went.
enum Saved {
    /// Uploaded and finalized.
    Uploaded,
    /// The key exists in the job's scope, or another job is saving it.
    Exists,
}

/// A value from the spec or, when absent, the environment.
fn setting(given: Option<&String>, var: &str) -> Option<String> {
    given
        .cloned()
        .or_else(|| std::env::var(var).ok())
        .filter(|v| !v.trim().is_empty())
}

/// A string unique to this writer: the process id and a per-process counter over the clock.
fn nonce() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()));
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{:x}{:08x}", std::process::id(), nanos ^ (n << 32) ^ n)
}

impl GhaBackend {
    /// Sets up the client: the service URL from `url=` or `ACTIONS_RESULTS_URL`, the token from
    /// `token=` or `ACTIONS_RUNTIME_TOKEN`, the namespace from `scope=` (default `rbuild`).
    pub fn connect(
        spec: &CacheSpec,
        gha: &GhaSpec,
        meter: Arc<Meter>,
    ) -> Result<Self, RemoteError> {
        let err = |reason: &str| RemoteError::Spec {
            spec: spec.text.clone(),
            reason: reason.to_string(),
        };
        let url = setting(gha.url.as_ref(), "ACTIONS_RESULTS_URL").ok_or_else(|| {
            err(
                "type=gha needs the cache service's URL: give `url=` or set ACTIONS_RESULTS_URL \
                 (GitHub sets it for actions; a composite action or a `run:` step must get it \
                 exported, e.g. by crazy-max/ghaction-github-runtime)",
            )
        })?;
        reqwest::Url::parse(&url).map_err(|e| {
            err(&format!(
                "the cache service URL `{url}` does not parse: {e}"
            ))
        })?;
        let token = setting(gha.token.as_ref(), "ACTIONS_RUNTIME_TOKEN").ok_or_else(|| {
            err(
                "type=gha needs the job's runtime token: give `token=` or set \
                 ACTIONS_RUNTIME_TOKEN (exported as for ACTIONS_RESULTS_URL)",
            )
        })?;
        let ns = spec
            .scope
            .clone()
            .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string());
        if ns.contains(',') || ns.len() > MAX_NAMESPACE {
            return Err(err(&format!(
                "scope={ns}: a type=gha namespace has at most {MAX_NAMESPACE} bytes and no comma"
            )));
        }
        Ok(Self {
            ns,
            version: entry::version(),
            http: Box::new(Http::new(spec.backend_ref(), meter, gha.timeout)?),
            twirp: Box::new(Twirp::new(&url, &token)),
            state: Box::default(),
            prune: gha.prune.then_some(gha.prune_max_size),
        })
    }

    /// The backend's name in messages.
    pub fn name(&self) -> &str {
        self.http.backend.as_str()
    }

    /// Uses `backoff` for retries instead of the default (tests use short waits).
    pub fn with_backoff(mut self, backoff: Backoff) -> Self {
        self.http.backoff = backoff;
        self
    }

    /// The pack entries the documents read so far name (index and mount-cache manifests).
    pub fn known_pack_keys(&self) -> BTreeSet<String> {
        self.state().known.values().map(|l| l.key.clone()).collect()
    }

    /// The namespace (`scope=`).
    pub fn namespace(&self) -> &str {
        &self.ns
    }

    /// The requests made so far, by kind.
    pub fn calls(&self) -> Calls {
        self.http.calls()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The newest index entry (GitHub searches the job's branch, then the pull request's base,
    /// then the default branch; `scopes` is only logged).
    pub async fn load(&self, scopes: &[String]) -> Result<Option<Loaded>, RemoteError> {
        tracing::debug!(
            ?scopes,
            ns = %self.ns,
            "type=gha: the service scopes entries by branch; restoring the newest index"
        );
        // Timed by the caller (`RemoteCaches`).
        self.load_newest().await
    }

    async fn load_newest(&self) -> Result<Option<Loaded>, RemoteError> {
        let found = self.newest(&entry::index_prefix(&self.ns)).await;
        self.state().loaded = true;
        let Some((found, bytes)) = found? else {
            return Ok(None);
        };
        let (index, blobs) = entry::decode(&bytes).map_err(|reason| RemoteError::InvalidIndex {
            backend: self.http.backend.clone(),
            location: found.key.clone(),
            reason,
        })?;
        self.state().known.extend(blobs);
        tracing::debug!(key = %found.key, records = index.records.len(), "type=gha index restored");
        Ok(Some(Loaded {
            index,
            location: found.key,
        }))
    }

    /// The newest entry of document `name` (a mount-cache manifest; the index is read by
    /// [`GhaBackend::load`]); the locations it holds are remembered for fetches and exports.
    pub async fn load_doc(&self, name: &DocName) -> Result<Option<LoadedDoc>, RemoteError> {
        if *name == DocName::Index {
            let loaded = self.load_newest().await?;
            return Ok(loaded.map(|l| LoadedDoc {
                config: l.index.config_bytes(),
                listed: Some(l.index.layers().into_iter().map(|l| l.digest).collect()),
                location: l.location,
            }));
        }
        let Some((found, bytes)) = self.newest(&entry::doc_prefix(&self.ns, name)).await? else {
            return Ok(None);
        };
        let blobs =
            entry::decode_locations(&bytes).map_err(|reason| RemoteError::InvalidIndex {
                backend: self.http.backend.clone(),
                location: found.key.clone(),
                reason,
            })?;
        let listed = blobs.keys().cloned().collect();
        self.state().known.extend(blobs);
        Ok(Some(LoadedDoc {
            config: bytes,
            listed: Some(listed),
            location: found.key,
        }))
    }

    /// The newest entry whose key starts with `prefix`, and its document.
    async fn newest(&self, prefix: &str) -> Result<Option<(twirp::Found, Vec<u8>)>, RemoteError> {
        let found = self
            .twirp
            .lookup(&self.http, prefix, &[prefix.to_string()], &self.version)
            .await?;
        let Some(found) = found.filter(|f| f.key.starts_with(prefix)) else {
            return Ok(None);
        };
        let bytes = self.download_document(&found.url, &found.key).await?;
        Ok(Some((found, bytes)))
    }

    /// Reads the newest index once, if not done yet; a damaged one only warns.
    async fn ensure_loaded(&self) -> Result<(), RemoteError> {
        if self.state().loaded {
            return Ok(());
        }
        match self.load_newest().await {
            Ok(_) => Ok(()),
            Err(e @ RemoteError::InvalidIndex { .. }) => {
                tracing::warn!("{e}; its blobs are uploaded again");
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// A whole small document (an index entry), at most [`MAX_INDEX_BYTES`].
    async fn download_document(&self, url: &str, key: &str) -> Result<Vec<u8>, RemoteError> {
        let what = format!("Get Blob {key}");
        let (http, what) = (&self.http, what.as_str());
        http.backoff
            .run(what, move || async move {
                let mut resp = http
                    .send_once(Kind::Get, what, &[], azure::get(http, url))
                    .await?;
                let mut bytes = Vec::new();
                loop {
                    match resp.chunk().await {
                        Ok(Some(chunk)) => {
                            http.meter.downloaded(chunk.len() as u64);
                            bytes.extend_from_slice(&chunk);
                            if bytes.len() as u64 > MAX_INDEX_BYTES {
                                return Err(Attempt::Fail(http.error(format!(
                                    "{what}: the index is larger than {MAX_INDEX_BYTES} bytes"
                                ))));
                            }
                        }
                        Ok(None) => return Ok(bytes),
                        Err(e) => return Err(http.body_error(what, &e)),
                    }
                }
            })
            .await
    }

    /// The signed download URL of pack `key` (asked for once); `None` when the entry is gone.
    async fn pack_url(&self, key: &str) -> Result<Option<String>, RemoteError> {
        let cached = self.state().urls.get(key).cloned();
        if let Some(url) = cached {
            return Ok(url);
        }
        let found = self
            .twirp
            .lookup(&self.http, key, &[], &self.version)
            .await?;
        // Only the exact key: the service may answer an entry whose key merely starts with it.
        let url = found.filter(|f| f.key == key).map(|f| f.url);
        self.state().urls.insert(key.to_string(), url.clone());
        Ok(url)
    }

    /// The known locations of `digests` whose pack entry still exists; locations in packs
    /// that are gone (evicted) are forgotten.
    async fn live_locations<'a>(
        &self,
        digests: impl Iterator<Item = &'a Digest>,
    ) -> Result<BTreeMap<Digest, Location>, RemoteError> {
        let candidates: BTreeMap<Digest, Location> = {
            let state = self.state();
            digests
                .filter_map(|d| state.known.get(d).map(|l| (d.clone(), l.clone())))
                .collect()
        };
        let keys: BTreeSet<&String> = candidates.values().map(|l| &l.key).collect();
        let mut gone = BTreeSet::new();
        for key in keys {
            if self.pack_url(key).await?.is_none() {
                tracing::warn!("cache `{}`: pack entry {key} is gone", self.http.backend);
                gone.insert(key.clone());
            }
        }
        if !gone.is_empty() {
            self.state().known.retain(|_, l| !gone.contains(&l.key));
        }
        Ok(candidates
            .into_iter()
            .filter(|(_, l)| !gone.contains(&l.key))
            .collect())
    }

    /// Streams a blob into `sink` with a ranged download of its pack.
    pub async fn fetch(
        &self,
        desc: &LayerDescriptor,
        sink: &mut dyn BlobSink,
    ) -> Result<(), RemoteError> {
        // Timed by the caller (`RemoteCaches`).
        self.fetch_inner(desc, sink).await
    }

    async fn fetch_inner(
        &self,
        desc: &LayerDescriptor,
        sink: &mut dyn BlobSink,
    ) -> Result<(), RemoteError> {
        let missing = || RemoteError::MissingBlob {
            backend: self.http.backend.clone(),
            digest: desc.digest.clone(),
        };
        let mut location = self.state().known.get(&desc.digest).cloned();
        if location.is_none() && !self.state().loaded {
            self.ensure_loaded().await?;
            location = self.state().known.get(&desc.digest).cloned();
        }
        let location = location.ok_or_else(missing)?;
        let url = self.pack_url(&location.key).await?.ok_or_else(missing)?;
        if sink.resume_offset() > location.length {
            sink.restart().map_err(|source| RemoteError::Store {
                backend: self.http.backend.clone(),
                source,
            })?;
        }
        let result = self.read_range(&url, &location, &desc.digest, sink).await;
        match &result {
            Ok(()) => self.http.meter.blob_downloaded(),
            // The URL may have expired or the entry gone: ask again next time.
            Err(_) => {
                self.state().urls.remove(&location.key);
            }
        }
        result
    }

    /// Writes `location`'s bytes into `sink`, continuing after what `sink` holds; a dropped
    /// connection resumes where it stopped.
    async fn read_range(
        &self,
        url: &str,
        location: &Location,
        digest: &Digest,
        sink: &mut dyn BlobSink,
    ) -> Result<(), RemoteError> {
        let what = format!("Get Blob {} (blob {digest})", location.key);
        let sink = tokio::sync::Mutex::new(sink);
        let (http, sink, what) = (&self.http, &sink, what.as_str());
        http.backoff
            .run(what, move || async move {
                let mut guard = sink.lock().await;
                let sink: &mut dyn BlobSink = &mut **guard;
                let done = sink.len();
                if done > location.length {
                    return Err(Attempt::Fail(http.error(format!(
                        "{what}: {done} bytes written, more than its {}",
                        location.length
                    ))));
                }
                if done == location.length {
                    return Ok(());
                }
                let start = location.offset + done;
                let want = location.length - done;
                let request = azure::get_range(http, url, start, want);
                let mut resp = http
                    .send_once(Kind::Get, what, &[200, 206, 404], request)
                    .await?;
                let mut skip = match resp.status().as_u16() {
                    206 => 0,
                    // The whole pack: skip to the blob.
                    200 => start,
                    _ => {
                        return Err(Attempt::Fail(RemoteError::MissingBlob {
                            backend: http.backend.clone(),
                            digest: digest.clone(),
                        }));
                    }
                };
                let mut left = want;
                while left > 0 {
                    let chunk = match resp.chunk().await {
                        Ok(Some(chunk)) => chunk,
                        Ok(None) => break,
                        Err(e) => return Err(http.body_error(what, &e)),
                    };
                    http.meter.downloaded(chunk.len() as u64);
                    let mut bytes = &chunk[..];
                    let skipped = usize::try_from(skip).map_or(bytes.len(), |s| s.min(bytes.len()));
                    bytes = &bytes[skipped..];
                    skip -= skipped as u64;
                    let take = usize::try_from(left).map_or(bytes.len(), |l| l.min(bytes.len()));
                    sink.write_all(&bytes[..take]).map_err(|e| {
                        Attempt::Fail(http.error(format!("{what}: writing the blob: {e}")))
                    })?;
                    left -= take as u64;
                }
                if left > 0 {
                    return Err(Attempt::Retry {
                        error: http.error(format!("{what}: the answer ended {left} bytes early")),
                        after: None,
                    });
                }
                Ok(())
            })
            .await
    }

    /// The layers without a location in a pack entry that still exists.
    pub async fn lacking(
        &self,
        layers: &[LayerDescriptor],
    ) -> Result<Vec<LayerDescriptor>, RemoteError> {
        self.ensure_loaded().await?;
        let live = self
            .live_locations(layers.iter().map(|l| &l.digest))
            .await?;
        Ok(layers
            .iter()
            .filter(|l| !live.contains_key(&l.digest))
            .cloned()
            .collect())
    }

    /// Writes one pack entry with the layers of `index` that no existing pack holds (read from
    /// `store`), then an index entry mapping every layer of `index` to its pack. `upload` is
    /// what the build found lacking; the pack is recomputed from the locations known (a layer
    /// already in a pack is never uploaded again). Records whose layer is neither in a pack nor
    /// in `store` are left out, with a warning. `scope` is only logged: GitHub scopes entries.
    pub async fn export(
        &self,
        scope: &str,
        index: &CacheIndex,
        upload: &[LayerDescriptor],
        store: &Store,
    ) -> Result<(), RemoteError> {
        tracing::debug!(
            scope,
            ns = %self.ns,
            lacking = upload.len(),
            "type=gha export (the service scopes entries by branch)"
        );
        // Timed by the caller (`RemoteCaches`).
        self.export_inner(index, store).await
    }

    async fn export_inner(&self, index: &CacheIndex, store: &Store) -> Result<(), RemoteError> {
        self.ensure_loaded().await?;
        let layers = index.layers();
        let mut blobs = self
            .live_locations(layers.iter().map(|l| &l.digest))
            .await?;
        let mut packed = Vec::new();
        let mut absent = BTreeSet::new();
        for layer in &layers {
            if blobs.contains_key(&layer.digest) {
                continue;
            }
            match store.blobs().size(&layer.digest) {
                Ok(size) => packed.push((layer.digest.clone(), size)),
                Err(StoreError::BlobNotFound { .. }) => {
                    absent.insert(layer.digest.clone());
                }
                Err(source) => {
                    return Err(RemoteError::Store {
                        backend: self.http.backend.clone(),
                        source,
                    });
                }
            }
        }
        let index = if absent.is_empty() {
            index.clone()
        } else {
            tracing::warn!(
                "cache `{}`: {} layer(s) are neither in the cache nor on this machine; \
                 their steps are not exported",
                self.http.backend,
                absent.len()
            );
            CacheIndex::new(
                index
                    .records
                    .iter()
                    .filter(|r| r.layer.as_ref().is_none_or(|l| !absent.contains(&l.digest)))
                    .cloned()
                    .collect(),
            )
        };
        let pack = Pack::new(packed);
        if !pack.is_empty() {
            let key = self.save_pack(&pack, store).await?;
            blobs.extend(pack.locations(&key));
        }
        let document = entry::encode(&index, &blobs);
        let key = self.save_document(&DocName::Index, document).await?;
        tracing::info!(
            key,
            records = index.records.len(),
            packed = pack.blobs().len(),
            "type=gha cache exported"
        );
        self.state().known.extend(blobs);
        Ok(())
    }

    /// Writes a mount-cache manifest: one pack entry with the blobs of `doc` that no existing
    /// pack holds (all must be in `store`), then the document's entry with every blob's
    /// location.
    pub async fn export_doc(
        &self,
        name: &DocName,
        doc: &Document,
        store: &Store,
    ) -> Result<(), RemoteError> {
        self.ensure_loaded().await?;
        let mut blobs = self
            .live_locations(doc.blobs.iter().map(|l| &l.digest))
            .await?;
        let mut packed = Vec::new();
        for blob in &doc.blobs {
            if blobs.contains_key(&blob.digest) || packed.iter().any(|(d, _)| *d == blob.digest) {
                continue;
            }
            let size = store
                .blobs()
                .size(&blob.digest)
                .map_err(|source| RemoteError::Store {
                    backend: self.http.backend.clone(),
                    source,
                })?;
            packed.push((blob.digest.clone(), size));
        }
        let pack = Pack::new(packed);
        if !pack.is_empty() {
            let key = self.save_pack(&pack, store).await?;
            blobs.extend(pack.locations(&key));
        }
        let document = entry::encode_doc(&doc.config, &blobs)
            .map_err(|reason| self.http.error(format!("encoding {name:?}: {reason}")))?;
        let key = self.save_document(name, document).await?;
        tracing::info!(
            key,
            packed = pack.blobs().len(),
            "type=gha document exported"
        );
        self.state().known.extend(blobs);
        Ok(())
    }

    /// Saves `document` as a new entry of `name`; returns its key.
    async fn save_document(
        &self,
        name: &DocName,
        document: Vec<u8>,
    ) -> Result<String, RemoteError> {
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        let key = entry::doc_key(&self.ns, name, millis, &nonce());
        let size = document.len() as u64;
        let mut source = MemorySource::new(Bytes::from(document));
        match self.save_entry(&key, size, &mut source).await? {
            Saved::Uploaded => Ok(key),
            Saved::Exists => Err(self
                .http
                .error(format!("entry {key} exists already (a clash of writers)"))),
        }
    }

    /// Uploads `pack` from `store`; returns the key it is stored under (an identical pack that
    /// exists already is used as it is).
    async fn save_pack(&self, pack: &Pack, store: &Store) -> Result<String, RemoteError> {
        let mut key = pack.key(&self.ns);
        for _ in 0..2 {
            let mut source = PackSource {
                reader: PackReader::new(store.blobs().clone(), pack, BLOCK_SIZE),
                backend: &self.http.backend,
            };
            match self.save_entry(&key, pack.size(), &mut source).await? {
                Saved::Uploaded => {
                    for _ in pack.blobs() {
                        self.http.meter.blob_uploaded();
                    }
                    return Ok(key);
                }
                Saved::Exists => {
                    if self.pack_url(&key).await?.is_some() {
                        return Ok(key);
                    }
                    // Another job is uploading the same pack right now: store ours under a key
                    // of its own rather than wait.
                    key = format!("{}-{}", pack.key(&self.ns), nonce());
                }
            }
        }
        Err(self
            .http
            .error(format!("pack entry {key}: the service keeps refusing it")))
    }

    /// Creates entry `key`, uploads `source` (`size` bytes) and finalizes it.
    async fn save_entry(
        &self,
        key: &str,
        size: u64,
        source: &mut impl BlockSource,
    ) -> Result<Saved, RemoteError> {
        let url = match self.twirp.create(&self.http, key, &self.version).await? {
            Created::Exists => return Ok(Saved::Exists),
            Created::Upload(url) => url,
        };
        let uploaded = azure::upload(&self.http, &url, source).await?;
        if uploaded != size {
            return Err(self.http.error(format!(
                "entry {key}: uploaded {uploaded} bytes, expected {size} (a blob changed?)"
            )));
        }
        self.twirp
            .finalize(&self.http, key, &self.version, size)
            .await?;
        Ok(Saved::Uploaded)
    }
}

/// A pack's blocks, from the store.
struct PackSource<'a> {
    reader: PackReader,
    backend: &'a str,
}

impl BlockSource for PackSource<'_> {
    async fn next_block(&mut self) -> Result<Option<Bytes>, RemoteError> {
        self.reader
            .next_block()
            .await
            .map_err(|source| RemoteError::Store {
                backend: self.backend.to_string(),
                source,
            })
    }
}

/// A document in memory, in blocks of [`BLOCK_SIZE`].
struct MemorySource {
    blocks: VecDeque<Bytes>,
}

impl MemorySource {
    fn new(bytes: Bytes) -> Self {
        let mut blocks = VecDeque::new();
        let mut start = 0;
        while start < bytes.len() {
            let end = (start + BLOCK_SIZE).min(bytes.len());
            blocks.push_back(bytes.slice(start..end));
            start = end;
        }
        Self { blocks }
    }
}

impl BlockSource for MemorySource {
    async fn next_block(&mut self) -> Result<Option<Bytes>, RemoteError> {
        Ok(self.blocks.pop_front())
    }
}

/// `type=gha` as a [`RemoteBackend`]: the methods above. The service scopes entries by branch
/// itself, so `scopes` and `scope` are not used; `after_export` prunes for `prune=true`.
impl RemoteBackend for GhaBackend {
    fn name(&self) -> &str {
        GhaBackend::name(self)
    }

    fn load<'a>(&'a self, scopes: &'a [String]) -> BackendFuture<'a, Option<Loaded>> {
        Box::pin(GhaBackend::load(self, scopes))
    }

    fn load_doc<'a>(
        &'a self,
        _scopes: &'a [String],
        name: &'a DocName,
        _kind: DocKind,
    ) -> BackendFuture<'a, Option<LoadedDoc>> {
        Box::pin(GhaBackend::load_doc(self, name))
    }

    fn fetch<'a>(
        &'a self,
        desc: &'a LayerDescriptor,
        sink: &'a mut dyn BlobSink,
    ) -> BackendFuture<'a, ()> {
        Box::pin(GhaBackend::fetch(self, desc, sink))
    }

    fn lacking<'a>(
        &'a self,
        _scope: &'a str,
        layers: &'a [LayerDescriptor],
    ) -> BackendFuture<'a, Vec<LayerDescriptor>> {
        Box::pin(GhaBackend::lacking(self, layers))
    }

    fn export<'a>(
        &'a self,
        scope: &'a str,
        index: &'a CacheIndex,
        upload: &'a [LayerDescriptor],
        store: &'a Store,
    ) -> BackendFuture<'a, ()> {
        Box::pin(GhaBackend::export(self, scope, index, upload, store))
    }

    fn export_doc<'a>(
        &'a self,
        _scope: &'a str,
        name: &'a DocName,
        doc: &'a Document,
        _upload: &'a [LayerDescriptor],
        store: &'a Store,
    ) -> BackendFuture<'a, ()> {
        // gha packs the blobs its packs lack, whatever `upload` says.
        Box::pin(GhaBackend::export_doc(self, name, doc, store))
    }

    fn after_export<'a>(&'a self, api: Option<&'a EntriesApi>) -> BackendFuture<'a, ()> {
        Box::pin(async move {
            match self.prune {
                Some(budget) => prune::after_export(self, api, budget).await,
                None => Ok(()),
            }
        })
    }

    /// Reads are probed with a lookup of the index entry (no download). Writes are not: the
    /// only write the service offers reserves an entry, which cannot be undone, and every job
    /// with a runtime token may write its own branch's entries.
    fn check<'a>(&'a self, _scope: &'a str) -> BackendFuture<'a, Access> {
        Box::pin(async move {
            let prefix = entry::index_prefix(&self.ns);
            let found = self
                .twirp
                .lookup(
                    &self.http,
                    &prefix,
                    std::slice::from_ref(&prefix),
                    &self.version,
                )
                .await;
            Ok(match found {
                Ok(_) => Access::ReadWrite,
                Err(e) => Access::Unreachable(e.to_string()),
            })
        })
    }

    fn scopes_server_side(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::remote::spec::{Direction, Kind};

    fn connect(text: &str) -> Result<GhaBackend, RemoteError> {
        let spec = CacheSpec::parse(text, Direction::Export)?;
        let Kind::Gha(gha) = &spec.kind else {
            panic!("{text}: not a gha spec");
        };
        GhaBackend::connect(&spec, gha, Arc::default())
    }

    #[test]
    fn url_and_token_come_from_the_spec_or_a_clear_error() {
        let ok = connect("type=gha,url=http://127.0.0.1:1/,token=t,scope=web");
        assert!(ok.is_ok_and(|b| b.ns == "web"));
        let default_ns = connect("type=gha,url=http://127.0.0.1:1/,token=t");
        assert!(default_ns.is_ok_and(|b| b.ns == DEFAULT_NAMESPACE));
        if std::env::var_os("ACTIONS_RESULTS_URL").is_none() {
            let err = connect("type=gha,token=t").err().map(|e| e.to_string());
            assert!(
                err.as_deref()
                    .is_some_and(|e| e.contains("ACTIONS_RESULTS_URL")),
                "{err:?}"
            );
        }
        if std::env::var_os("ACTIONS_RUNTIME_TOKEN").is_none() {
            let err = connect("type=gha,url=http://127.0.0.1:1/")
                .err()
                .map(|e| e.to_string());
            assert!(
                err.as_deref()
                    .is_some_and(|e| e.contains("ACTIONS_RUNTIME_TOKEN")),
                "{err:?}"
            );
        }
        let err = connect("type=gha,url=not a url,token=t")
            .err()
            .map(|e| e.to_string());
        assert!(
            err.as_deref().is_some_and(|e| e.contains("does not parse")),
            "{err:?}"
        );
    }
}
