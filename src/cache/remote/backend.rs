//! One remote cache, whatever its type: the [`RemoteBackend`] trait every backend implements
//! (one file or folder each: [`super::registry`], [`super::local`], [`super::s3`],
//! [`super::gha`]), and [`Backend`], a connected one. A new backend is its module plus one line
//! in [`Backend::connect`]. Every backend offers:
//!
//! * `load(scopes)`: the index of the first scope that has one (`None`: no cache yet);
//! * `fetch(desc, sink)`: a layer blob's bytes into a store writer (the writer verifies the
//!   digest on commit);
//! * `lacking(scope, layers)`: which of the layers the backend does not hold yet;
//! * `export(scope, index, upload, store)`: uploads `upload` (read from `store`) and then
//!   writes `index` as the scope's index (last writer wins per scope, blobs shared);
//! * `load_doc` / `export_doc`: the same for any document ([`super::document`]): the index or
//!   a mount cache's manifest;
//! * `after_export`: what the backend does once an export is written (gha: `prune=true`);
//! * `check(scope)`: the start-up probe of a `--cache-to` backend, before the build: whether it
//!   is [`Access::ReadWrite`], [`Access::ReadOnly`] or [`Access::Unreachable`], found with
//!   requests that change nothing a build would see;
//! * and counts what it moves in its [`Meter`].
//!
//! The trait's futures are boxed (the trait is used as `dyn RemoteBackend`) and not `Send`: they
//! run on the build's runtime through `block_on`, and `fetch` holds the caller's `&mut dyn
//! BlobSink`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use super::document::{DocKind, DocName, Document, LoadedDoc, MAX_DOC_BYTES};
use super::error::RemoteError;
use super::gha::GhaBackend;
use super::gha::entries::EntriesApi;
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

/// What a backend's start-up probe found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Reads and writes are allowed.
    ReadWrite,
    /// Reads are allowed, writes refused (the backend's answer).
    ReadOnly(String),
    /// Nothing answered, or reads were refused (the backend's answer).
    Unreachable(String),
}

impl std::fmt::Display for Access {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ReadWrite => f.write_str("read-write"),
            Self::ReadOnly(why) => write!(f, "read-only ({why})"),
            Self::Unreachable(why) => write!(f, "unreachable ({why})"),
        }
    }
}

/// A future a backend returns.
pub type BackendFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, RemoteError>> + 'a>>;

/// What every remote cache backend offers the build (see the module docs).
pub trait RemoteBackend: std::fmt::Debug + Send + Sync {
    /// The backend's name in messages (its spec's `backend_ref`).
    fn name(&self) -> &str;

    /// The index of the first of `scopes` that has one (`None`: no cache yet).
    fn load<'a>(&'a self, scopes: &'a [String]) -> BackendFuture<'a, Option<Loaded>> {
        Box::pin(async move {
            let Some(doc) = self
                .load_doc(scopes, &DocName::Index, CacheIndex::KIND)
                .await?
            else {
                return Ok(None);
            };
            Loaded::from_doc(doc, self.name()).map(Some)
        })
    }

    /// Document `name` (of `kind`) of the first of `scopes` that has it.
    fn load_doc<'a>(
        &'a self,
        scopes: &'a [String],
        name: &'a DocName,
        kind: DocKind,
    ) -> BackendFuture<'a, Option<LoadedDoc>>;

    /// Streams the blob of `desc` into `sink` (which verifies it on commit).
    fn fetch<'a>(
        &'a self,
        desc: &'a LayerDescriptor,
        sink: &'a mut dyn BlobSink,
    ) -> BackendFuture<'a, ()>;

    /// The bytes of a small blob (at most [`MAX_DOC_BYTES`], checked by [`Backend`] before),
    /// verified against its digest. By default through `scratch`, a store the blob passes
    /// through (and leaves).
    fn fetch_small<'a>(
        &'a self,
        desc: &'a LayerDescriptor,
        scratch: &'a Store,
    ) -> BackendFuture<'a, Vec<u8>> {
        Box::pin(async move {
            let name = self.name().to_string();
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
        })
    }

    /// The layers of `layers` the backend lacks in `scope` (the scope an export writes; only
    /// a registry whose `ref=` names a repository per scope stores blobs per scope).
    fn lacking<'a>(
        &'a self,
        scope: &'a str,
        layers: &'a [LayerDescriptor],
    ) -> BackendFuture<'a, Vec<LayerDescriptor>>;

    /// Uploads `upload` from `store`, then writes `index` as `scope`'s index.
    fn export<'a>(
        &'a self,
        scope: &'a str,
        index: &'a CacheIndex,
        upload: &'a [LayerDescriptor],
        store: &'a Store,
    ) -> BackendFuture<'a, ()> {
        Box::pin(async move {
            let doc = index.document();
            self.export_doc(scope, &DocName::Index, &doc, upload, store)
                .await
        })
    }

    /// Uploads `upload` from `store`, then writes `doc` as `scope`'s document `name` (last
    /// writer wins).
    fn export_doc<'a>(
        &'a self,
        scope: &'a str,
        name: &'a DocName,
        doc: &'a Document,
        upload: &'a [LayerDescriptor],
        store: &'a Store,
    ) -> BackendFuture<'a, ()>;

    /// The start-up probe: whether `scope` (the scope an export writes) can be read and
    /// written. An error is reported as [`Access::Unreachable`].
    fn check<'a>(&'a self, scope: &'a str) -> BackendFuture<'a, Access>;

    /// Runs once an export is written (gha: `prune=true` through `api`, GitHub's REST API
    /// when the build has it). Nothing by default.
    fn after_export<'a>(&'a self, api: Option<&'a EntriesApi>) -> BackendFuture<'a, ()> {
        let _ = api;
        Box::pin(async { Ok(()) })
    }

    /// The registry repository holding the blobs, when a push to the same registry can mount
    /// them instead of uploading.
    fn mount_source(&self) -> Option<Repository> {
        None
    }

    /// Whether the backend reads the branch scopes itself (the GitHub cache scopes entries by
    /// branch on the server), so the build passes only one scope.
    fn scopes_server_side(&self) -> bool {
        false
    }
}

/// A connected backend: any [`RemoteBackend`], its methods reached through `Deref`.
#[derive(Debug)]
pub struct Backend(Box<dyn RemoteBackend>);

impl std::ops::Deref for Backend {
    type Target = dyn RemoteBackend;

    fn deref(&self) -> &Self::Target {
        self.0.as_ref()
    }
}

impl Backend {
    /// Sets up the backend of `spec` (no request is made yet, except what authentication
    /// needs): one line per backend.
    pub async fn connect(
        spec: &CacheSpec,
        registry: &Registry,
        meter: Arc<Meter>,
    ) -> Result<Self, RemoteError> {
        let backend: Box<dyn RemoteBackend> = match &spec.kind {
            Kind::Registry { reference } => Box::new(RegistryBackend::new(
                spec,
                reference,
                registry.clone(),
                meter,
            )?),
            Kind::Local { dir } => Box::new(LocalBackend::new(spec, dir, meter)),
            Kind::S3(s3) => Box::new(S3Backend::connect(spec, s3, meter).await?),
            Kind::Gha(gha) => Box::new(GhaBackend::connect(spec, gha, meter)?),
        };
        Ok(Self(backend))
    }

    /// A backend already set up (tests, and front ends with a backend of their own).
    pub fn from_backend(backend: Box<dyn RemoteBackend>) -> Self {
        Self(backend)
    }

    /// The bytes of a small blob (a mount-cache chunk), verified against its digest. A size
    /// from a remote document is never allocated or downloaded beyond [`MAX_DOC_BYTES`].
    pub async fn fetch_bytes(
        &self,
        desc: &LayerDescriptor,
        scratch: &Store,
    ) -> Result<Vec<u8>, RemoteError> {
        if desc.size > MAX_DOC_BYTES {
            return Err(RemoteError::backend(
                self.name(),
                format!(
                    "blob {} announced as {} bytes: larger than {MAX_DOC_BYTES}, refused",
                    desc.digest, desc.size
                ),
            ));
        }
        self.0.fetch_small(desc, scratch).await
    }
}
