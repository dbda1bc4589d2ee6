//! `type=s3`: the cache in an S3 bucket (to be written).

use std::sync::Arc;

use super::backend::Loaded;
use super::error::RemoteError;
use super::index::CacheIndex;
use super::meter::Meter;
use super::spec::{CacheSpec, S3Spec};
use crate::image::layer::LayerDescriptor;
use crate::store::{BlobWriter, Store};

/// A cache in an S3 bucket.
#[derive(Debug)]
pub struct S3Backend {
    name: String,
}

impl S3Backend {
    /// Sets up the client.
    pub async fn connect(
        spec: &CacheSpec,
        _s3: &S3Spec,
        _meter: Arc<Meter>,
    ) -> Result<Self, RemoteError> {
        Ok(Self {
            name: spec.backend_ref(),
        })
    }

    fn unsupported(&self) -> RemoteError {
        RemoteError::backend(&self.name, "type=s3 is not implemented yet")
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

    /// The layers the bucket lacks.
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
