//! One remote cache, whatever its type: the operations the build needs, dispatched to the
//! backend modules. Every backend offers the same five:
//!
//! * `load(scopes)`: the index of the first scope that has one (`None`: no cache yet);
//! * `fetch(desc, sink)`: a layer blob's bytes into a store writer (the writer verifies the
//!   digest on commit);
//! * `lacking(scope, layers)`: which of the layers the backend does not hold yet;
//! * `export(scope, index, upload, store)`: uploads `upload` (read from `store`) and then
//!   writes `index` as the scope's index (last writer wins per scope, blobs shared);
//! * `load_doc` / `export_doc`: the same for any document ([`super::document`]): the index or
//!   a mount cache's manifest;
//! * and counts what it moves in its [`Meter`].

use std::sync::Arc;

use super::document::{DocKind, DocName, Document, LoadedDoc, MAX_DOC_BYTES};
use super::error::RemoteError;
use super::gha::GhaBackend;
use super::index::CacheIndex;
use super::local::LocalBackend;
use super::meter::Meter;
use super::registry::RegistryBackend;
use super::s3::S3Backend;
use super::spec::{CacheSpec, Kind};
use crate::image::layer::LayerDescriptor;
use crate::registry::{Registry, Repository};
use crate::store::{BlobSink, Store};

/// An index as loaded.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The records.
    pub index: CacheIndex,
    /// Where it was found (the tag, object key or entry key), for messages.
    pub location: String,
}

impl Loaded {
    /// The index in a loaded document of `backend`.
    pub fn from_doc(doc: LoadedDoc, backend: &str) -> Result<Self, RemoteError> {
        let index = CacheIndex::from_loaded(&doc).map_err(|reason| RemoteError::InvalidIndex {
            backend: backend.to_string(),
            location: doc.location.clone(),
            reason,
        })?;
        Ok(Self {
            index,
            location: doc.location,
        })
    }
}

/// A connected backend.
#[derive(Debug)]
pub enum Backend {
    /// `type=registry`.
    Registry(Box<RegistryBackend>),
    /// `type=local`.
    Local(LocalBackend),
    /// `type=s3`.
    S3(S3Backend),
    /// `type=gha`.
    Gha(GhaBackend),
}

impl Backend {
    /// Sets up the backend of `spec` (no request is made yet, except what authentication needs).
    pub async fn connect(
        spec: &CacheSpec,
        registry: &Registry,
        meter: Arc<Meter>,
    ) -> Result<Self, RemoteError> {
        Ok(match &spec.kind {
            Kind::Registry { reference } => Self::Registry(Box::new(RegistryBackend::new(
                spec,
                reference,
                registry.clone(),
                meter,
            )?)),
            Kind::Local { dir } => Self::Local(LocalBackend::new(spec, dir, meter)),
            Kind::S3(s3) => Self::S3(S3Backend::connect(spec, s3, meter).await?),
            Kind::Gha(gha) => Self::Gha(GhaBackend::connect(spec, gha, meter)?),
        })
    }

    /// The index of the first of `scopes` that has one.
    pub async fn load(&self, scopes: &[String]) -> Result<Option<Loaded>, RemoteError> {
        if let Self::Gha(b) = self {
            return b.load(scopes).await;
        }
        let Some(doc) = self
            .load_doc(scopes, &DocName::Index, CacheIndex::KIND)
            .await?
        else {
            return Ok(None);
        };
        Loaded::from_doc(doc, &self.name()).map(Some)
    }

    /// Document `name` (of `kind`) of the first of `scopes` that has it (gha: the newest
    /// entry of the job's branch scopes).
    pub async fn load_doc(
        &self,
        scopes: &[String],
        name: &DocName,
        kind: DocKind,
    ) -> Result<Option<LoadedDoc>, RemoteError> {
        match self {
            Self::Registry(b) => b.load_doc(scopes, name, kind).await,
            Self::Local(b) => b.load_doc(scopes, name, kind).await,
            Self::S3(b) => b.load_doc(scopes, name, kind).await,
            Self::Gha(b) => b.load_doc(name).await,
        }
    }

    /// The backend's name in messages (its `backend_ref`).
    fn name(&self) -> String {
        match self {
            Self::Registry(b) => b.name().to_string(),
            Self::Local(b) => b.name().to_string(),
            Self::S3(b) => b.name().to_string(),
            Self::Gha(b) => b.name().to_string(),
        }
    }

    /// Streams the blob of `desc` into `sink` (which verifies it on commit).
    pub async fn fetch(
        &self,
        desc: &LayerDescriptor,
        sink: &mut dyn BlobSink,
    ) -> Result<(), RemoteError> {
        match self {
            Self::Registry(b) => b.fetch(desc, sink).await,
            Self::Local(b) => b.fetch(desc, sink).await,
            Self::S3(b) => b.fetch(desc, sink).await,
            Self::Gha(b) => b.fetch(desc, sink).await,
        }
    }

    /// The bytes of a small blob (a mount-cache chunk), verified against its digest: read into
    /// memory by the registry and local backends, through `scratch` by the others.
    pub async fn fetch_bytes(
        &self,
        desc: &LayerDescriptor,
        scratch: &Store,
    ) -> Result<Vec<u8>, RemoteError> {
        // Small blobs only (mount-cache chunks, documents): a size from a remote document is
        // never allocated or downloaded beyond this.
        if desc.size > MAX_DOC_BYTES {
            return Err(RemoteError::backend(
                self.name(),
                format!(
                    "blob {} announced as {} bytes: larger than {MAX_DOC_BYTES}, refused",
                    desc.digest, desc.size
                ),
            ));
        }
        match self {
            Self::Registry(b) => b.fetch_bytes(desc).await,
            Self::Local(b) => b.fetch_bytes(desc).await,
            Self::S3(_) | Self::Gha(_) => {
                let name = self.name();
                let store_err = |source| RemoteError::Store {
                    backend: name.clone(),
                    source,
                };
                let mut writer = scratch.writer(Some(&desc.digest)).map_err(store_err)?;
                self.fetch(desc, &mut writer).await?;
                let (digest, size) = writer.commit().map_err(|e| match e {
                    crate::store::StoreError::DigestMismatch { expected, actual } => {
                        RemoteError::DigestMismatch {
                            backend: name.clone(),
                            expected,
                            actual,
                        }
                    }
                    other => store_err(other),
                })?;
                let path = scratch.blobs().path(&digest);
                if size > MAX_DOC_BYTES {
                    let _ = tokio::fs::remove_file(&path).await;
                    return Err(RemoteError::backend(
                        &name,
                        format!("blob {digest} is {size} bytes: larger than {MAX_DOC_BYTES}"),
                    ));
                }
                let bytes = tokio::fs::read(&path).await.map_err(|e| {
                    RemoteError::backend(&name, format!("reading {}: {e}", path.display()))
                })?;
                let _ = tokio::fs::remove_file(&path).await;
                Ok(bytes)
            }
        }
    }

    /// The layers of `layers` the backend lacks in `scope` (the scope an export writes; only
    /// a registry whose `ref=` names a repository per scope stores blobs per scope).
    pub async fn lacking(
        &self,
        scope: &str,
        layers: &[LayerDescriptor],
    ) -> Result<Vec<LayerDescriptor>, RemoteError> {
        match self {
            Self::Registry(b) => b.lacking(scope, layers).await,
            Self::Local(b) => b.lacking(layers).await,
            Self::S3(b) => b.lacking(layers).await,
            Self::Gha(b) => b.lacking(layers).await,
        }
    }

    /// Uploads `upload` from `store`, then writes `index` as `scope`'s index.
    pub async fn export(
        &self,
        scope: &str,
        index: &CacheIndex,
        upload: &[LayerDescriptor],
        store: &Store,
    ) -> Result<(), RemoteError> {
        if let Self::Gha(b) = self {
            return b.export(scope, index, upload, store).await;
        }
        self.export_doc(scope, &DocName::Index, &index.document(), upload, store)
            .await
    }

    /// Uploads `upload` from `store`, then writes `doc` as `scope`'s document `name` (last
    /// writer wins). gha packs the blobs its packs lack, whatever `upload` says; for a mount
    /// cache they must all be in `store`.
    pub async fn export_doc(
        &self,
        scope: &str,
        name: &DocName,
        doc: &Document,
        upload: &[LayerDescriptor],
        store: &Store,
    ) -> Result<(), RemoteError> {
        match self {
            Self::Registry(b) => b.export_doc(scope, name, doc, upload, store).await,
            Self::Local(b) => b.export_doc(scope, name, doc, upload, store).await,
            Self::S3(b) => b.export_doc(scope, name, doc, upload, store).await,
            Self::Gha(b) => b.export_doc(name, doc, store).await,
        }
    }

    /// The registry repository holding the blobs, when a push to the same registry can mount
    /// them instead of uploading.
    pub fn mount_source(&self) -> Option<Repository> {
        match self {
            Self::Registry(b) => b.mount_source(),
            _ => None,
        }
    }

    /// Whether the backend reads the branch scopes itself (the GitHub cache scopes entries by
    /// branch on the server), so the build passes only one scope.
    pub fn scopes_server_side(&self) -> bool {
        matches!(self, Self::Gha(_))
    }
}
