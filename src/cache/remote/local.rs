//! `type=local`: the cache in an OCI layout directory (to be written).

use std::sync::Arc;

use super::backend::Loaded;
use super::error::RemoteError;
use super::index::CacheIndex;
use super::meter::Meter;
use super::spec::CacheSpec;
use crate::image::layer::LayerDescriptor;
use crate::store::{BlobWriter, Store};

/// A cache in an OCI layout directory.
#[derive(Debug)]
pub struct LocalBackend {
    name: String,
}

impl LocalBackend {
    /// A backend for the directory.
    pub fn new(spec: &CacheSpec, _dir: &std::path::Path, _meter: Arc<Meter>) -> Self {
        Self {
            name: spec.backend_ref(),
        }
    }

    fn unsupported(&self) -> RemoteError {
        RemoteError::backend(&self.name, "not implemented yet")
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

    /// The layers the directory lacks.
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
