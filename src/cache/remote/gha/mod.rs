//! `type=gha`: the cache in the GitHub Actions cache (to be written).

use std::sync::Arc;

use super::backend::Loaded;
use super::error::RemoteError;
use super::index::CacheIndex;
use super::meter::Meter;
use super::spec::{CacheSpec, GhaSpec};
use crate::image::layer::LayerDescriptor;
use crate::store::{BlobWriter, Store};

/// A cache in the GitHub Actions cache.
#[derive(Debug)]
pub struct GhaBackend {
    name: String,
}

impl GhaBackend {
    /// Sets up the client.
    pub fn connect(
        spec: &CacheSpec,
        _gha: &GhaSpec,
        _meter: Arc<Meter>,
    ) -> Result<Self, RemoteError> {
        Ok(Self {
            name: spec.backend_ref(),
        })
    }

    fn unsupported(&self) -> RemoteError {
        RemoteError::backend(&self.name, "type=gha is not implemented yet")
    }

    /// The index of the first scope that has one.
    pub async fn load(&self, _scopes: &[String]) -> Result<Option<Loaded>, RemoteError> {
        Err(self.unsupported())
    }

    /// Streams a blob into `sink`.
    pub async fn fetch(
        &self,
        _desc: &LayerDescriptor,
        _sink: &mut BlobWriter,
    ) -> Result<(), RemoteError> {
        Err(self.unsupported())
    }

    /// The layers the cache lacks.
    pub async fn lacking(
        &self,
        _layers: &[LayerDescriptor],
    ) -> Result<Vec<LayerDescriptor>, RemoteError> {
        Err(self.unsupported())
    }

    /// Uploads blobs and writes the scope's index.
    pub async fn export(
        &self,
        _scope: &str,
        _index: &CacheIndex,
        _upload: &[LayerDescriptor],
        _store: &Store,
    ) -> Result<(), RemoteError> {
        Err(self.unsupported())
    }
}
