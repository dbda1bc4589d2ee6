//! One remote cache, whatever its type: the operations the build needs, dispatched to the
//! backend modules. Every backend offers the same five:
//!
//! * `load(scopes)`: the index of the first scope that has one (`None`: no cache yet);
//! * `fetch(desc, sink)`: a layer blob's bytes into a store writer (the writer verifies the
//!   digest on commit);
//! * `lacking(scope, layers)`: which of the layers the backend does not hold yet;
//! * `export(scope, index, upload, store)`: uploads `upload` (read from `store`) and then
//!   writes `index` as the scope's index (last writer wins per scope, blobs shared);
//! * and counts what it moves in its [`Meter`].

use std::sync::Arc;

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
use crate::store::{BlobWriter, Store};

/// An index as loaded.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The records.
    pub index: CacheIndex,
    /// Where it was found (the tag, object key or entry key), for messages.
    pub location: String,
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
        match self {
            Self::Registry(b) => b.load(scopes).await,
            Self::Local(b) => b.load(scopes).await,
            Self::S3(b) => b.load(scopes).await,
            Self::Gha(b) => b.load(scopes).await,
        }
    }

    /// Streams the blob of `desc` into `sink` (which verifies it on commit).
    pub async fn fetch(
        &self,
        desc: &LayerDescriptor,
        sink: &mut BlobWriter,
    ) -> Result<(), RemoteError> {
        match self {
            Self::Registry(b) => b.fetch(desc, sink).await,
            Self::Local(b) => b.fetch(desc, sink).await,
            Self::S3(b) => b.fetch(desc, sink).await,
            Self::Gha(b) => b.fetch(desc, sink).await,
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
        match self {
            Self::Registry(b) => b.export(scope, index, upload, store).await,
            Self::Local(b) => b.export(scope, index, upload, store).await,
            Self::S3(b) => b.export(scope, index, upload, store).await,
            Self::Gha(b) => b.export(scope, index, upload, store).await,
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
