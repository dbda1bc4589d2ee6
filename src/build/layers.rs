//! A stage's layers and the filesystem they make: blobs fetched from the registry only when a
//! step needs their files (or an output needs their bytes), then unpacked once per chain id.

use std::io::BufReader;
use std::sync::Arc;

use super::BuildError;
use super::copy::RootfsView;
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

/// Makes blobs and snapshots present: the store, and the registry to fetch missing blobs from.
pub struct Materializer<'a> {
    /// The local store.
    pub store: &'a Store,
    /// The registry client.
    pub registry: &'a Registry,
    /// Runs the registry's futures.
    pub runtime: &'a tokio::runtime::Runtime,
    /// Counts the bytes and blobs of base-image layers pulled (`rbuild.pull`).
    pub pulled: Option<&'a Meter>,
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
                .map_err(|e| BuildError::CacheBlob {
                    backend: source.name(),
                    digest: e.digest.clone(),
                    reason: e.source.to_string(),
                })?;
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

    /// The filesystem `layers` make, every snapshot unpacked (blobs fetched first when missing).
    pub fn rootfs(&self, layers: &[LayerRef]) -> Result<RootfsView, BuildError> {
        let missing: Vec<LayerRef> = layers
            .iter()
            .filter(|l| !self.store.has_snapshot(&l.chain_id))
            .cloned()
            .collect();
        self.ensure_blobs(&missing)?;
        for l in &missing {
            let file = self.store.blobs().open(&l.desc.digest)?;
            let compression =
                Compression::from_media_type(&l.desc.media_type).unwrap_or(Compression::Auto);
            self.store.unpack(
                &l.chain_id,
                BufReader::new(file),
                compression,
                Some(&l.desc.diff_id),
            )?;
        }
        let top_first: Vec<Digest> = layers.iter().rev().map(|l| l.chain_id.clone()).collect();
        Ok(RootfsView {
            stack: self.store.stack(&top_first),
        })
    }
}

/// Counts the bytes written through it into a [`Meter`], if any (base-image pulls here, cache
/// downloads in [`crate::cache::remote::registry`]).
pub(crate) struct Counting<'a, W> {
    /// Where the bytes go.
    pub(crate) inner: W,
    /// What counts them.
    pub(crate) meter: Option<&'a Meter>,
}

impl<W: std::io::Write> std::io::Write for Counting<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        if let Some(m) = self.meter {
            m.downloaded(n as u64);
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}
