//! `type=registry`: the cache in an OCI registry repository (ECR, GHCR, distribution, the
//! cache server).
//!
//! * The index is a tagged OCI image manifest ([`super::index`]); its config is the records
//!   document and its layers the layer blobs, so the registry keeps every blob the index names.
//! * Where: `ref=<registry>/<repo>:<tag>` reads and writes exactly that tag, as buildx does
//!   (no scope fallback). `ref=<registry>/<repo>` without a tag puts each scope in a tag of its
//!   own (`<repo>:<scope>`, e.g. `app-cache:main`, `app-cache:pr-7`): writes go to the build's
//!   scope and reads fall back along the scope chain.
//! * Credentials are the registry client's: docker `config.json`, credential helpers, and ECR
//!   tokens from `GetAuthorizationToken` ([`crate::registry::ecr`]).
//! * A build that pushes its image to the registry holding the cache mounts the cached layers
//!   ([`RegistryBackend::mount_source`]): no layer is downloaded.

use std::io::Write;
use std::sync::Arc;

use bytes::Bytes;

use super::backend::Loaded;
use super::error::RemoteError;
use super::index::{CacheIndex, CacheManifest, MANIFEST_MEDIA_TYPE};
use super::meter::Meter;
use super::retry::{Attempt, Backoff};
use super::spec::CacheSpec;
use crate::digest::Digest;
use crate::image::layer::LayerDescriptor;
use crate::image::manifest::Descriptor;
use crate::plan::reference::Reference;
use crate::registry::{PushOptions, Registry, RegistryError, Repository};
use crate::store::{BlobWriter, Store};

/// A cache in a registry repository.
#[derive(Debug)]
pub struct RegistryBackend {
    name: String,
    repo: Repository,
    /// The tag of `ref=`, when one was given: the only place read and written.
    fixed_tag: Option<String>,
    registry: Registry,
    meter: Arc<Meter>,
    backoff: Backoff,
}

impl RegistryBackend {
    /// A backend for `reference` (`<registry>/<repo>[:<tag>]`; a digest is refused: a cache
    /// is written).
    pub fn new(
        spec: &CacheSpec,
        reference: &str,
        registry: Registry,
        meter: Arc<Meter>,
    ) -> Result<Self, RemoteError> {
        let spec_err = |reason: String| RemoteError::Spec {
            spec: spec.text.clone(),
            reason,
        };
        let parsed =
            Reference::parse(reference).map_err(|e| spec_err(format!("ref={reference}: {e}")))?;
        if parsed.digest.is_some() {
            return Err(spec_err(format!(
                "ref={reference}: a cache ref takes a tag, not a digest"
            )));
        }
        // `Reference::parse` defaults the tag to `latest`; only a tag the user wrote is fixed.
        let written_tag = reference
            .rsplit_once('/')
            .map_or(reference, |(_, last)| last)
            .contains(':');
        Ok(Self {
            name: spec.backend_ref(),
            repo: Repository::of(&parsed),
            fixed_tag: parsed.tag.filter(|_| written_tag),
            registry,
            meter,
            backoff: Backoff {
                attempts: 4,
                ..Backoff::default()
            },
        })
    }

    /// The repository holding the blobs: a push to the same registry mounts from it.
    pub fn mount_source(&self) -> Option<Repository> {
        Some(self.repo.clone())
    }

    /// The tags to read, in order, for `scopes`.
    fn read_tags(&self, scopes: &[String]) -> Vec<String> {
        match &self.fixed_tag {
            Some(tag) => vec![tag.clone()],
            None => scopes.to_vec(),
        }
    }

    /// Runs a registry call with retries (429, 5xx, dropped connections, cut-off bodies).
    async fn retrying<T, F, Fut>(&self, what: &str, mut op: F) -> Result<T, RegistryError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, RegistryError>>,
    {
        self.backoff
            .run(what, || {
                let attempt = op();
                async move {
                    self.meter.request();
                    attempt.await.map_err(|e| {
                        if retryable(&e) {
                            Attempt::Retry {
                                error: e,
                                after: None,
                            }
                        } else {
                            Attempt::Fail(e)
                        }
                    })
                }
            })
            .await
    }

    fn fail(&self, what: &str, e: &RegistryError) -> RemoteError {
        RemoteError::backend(&self.name, format!("{what}: {e}"))
    }

    /// The index of the first tag of the scope chain that exists.
    pub async fn load(&self, scopes: &[String]) -> Result<Option<Loaded>, RemoteError> {
        for tag in self.read_tags(scopes) {
            let fetched = self
                .retrying("reading the cache manifest", || {
                    self.registry.fetch_manifest_by_tag(&self.repo, &tag)
                })
                .await;
            let (bytes, _) = match fetched {
                Ok(found) => found,
                Err(RegistryError::NotFound { .. }) => continue,
                Err(e) => return Err(self.fail(&format!("reading {}:{tag}", self.repo), &e)),
            };
            self.meter.downloaded(bytes.len() as u64);
            let location = format!("{}:{tag}", self.repo);
            let invalid = |reason: String| RemoteError::InvalidIndex {
                backend: self.name.clone(),
                location: location.clone(),
                reason,
            };
            let manifest = CacheManifest::parse(&bytes).map_err(invalid)?;
            let config_digest = manifest.config_digest().map_err(invalid)?;
            let config = self
                .retrying("reading the cache records", || {
                    self.registry.fetch_config(&self.repo, &config_digest)
                })
                .await
                .map_err(|e| self.fail(&format!("reading the records of {location}"), &e))?;
            self.meter.downloaded(config.len() as u64);
            let index = CacheIndex::from_config_bytes(&config, Some(&manifest.layer_digests()))
                .map_err(invalid)?;
            return Ok(Some(Loaded { index, location }));
        }
        Ok(None)
    }

    /// Streams the blob of `desc` into `sink`.
    pub async fn fetch(
        &self,
        desc: &LayerDescriptor,
        sink: &mut BlobWriter,
    ) -> Result<(), RemoteError> {
        let mut attempt = 0;
        let result = loop {
            attempt += 1;
            if sink.resume_offset() > 0 || !sink.is_empty() {
                sink.restart().map_err(|source| RemoteError::Store {
                    backend: self.name.clone(),
                    source,
                })?;
            }
            self.meter.request();
            let counting = Counting {
                inner: &mut *sink,
                meter: &self.meter,
            };
            match self
                .registry
                .fetch_blob(&self.repo, &desc.digest, counting)
                .await
            {
                Err(e) if retryable(&e) && attempt < self.backoff.attempts => {
                    tracing::debug!("{}: {e}; retrying", self.name);
                    tokio::time::sleep(self.backoff.initial * attempt).await;
                }
                other => break other,
            }
        };
        match result {
            Ok(_) => {
                self.meter.blob_downloaded();
                Ok(())
            }
            Err(RegistryError::NotFound { .. }) => Err(RemoteError::MissingBlob {
                backend: self.name.clone(),
                digest: desc.digest.clone(),
            }),
            Err(RegistryError::DigestMismatch {
                expected, actual, ..
            }) => Err(RemoteError::DigestMismatch {
                backend: self.name.clone(),
                expected,
                actual,
            }),
            Err(e) => Err(self.fail(&format!("downloading {}", desc.digest), &e)),
        }
    }

    /// The layers the repository lacks.
    pub async fn lacking(
        &self,
        layers: &[LayerDescriptor],
    ) -> Result<Vec<LayerDescriptor>, RemoteError> {
        let digests: Vec<Digest> = layers.iter().map(|l| l.digest.clone()).collect();
        let missing = self
            .retrying("checking the cache's blobs", || {
                self.registry.missing_blobs(&self.repo, &digests)
            })
            .await
            .map_err(|e| self.fail(&format!("checking the blobs of {}", self.repo), &e))?;
        Ok(layers
            .iter()
            .filter(|l| missing.contains(&l.digest))
            .cloned()
            .collect())
    }

    /// Uploads `upload` and the records document, then tags the index manifest: the scope's
    /// tag (or the fixed tag).
    pub async fn export(
        &self,
        scope: &str,
        index: &CacheIndex,
        upload: &[LayerDescriptor],
        store: &Store,
    ) -> Result<(), RemoteError> {
        if let Some(host) = crate::registry::ecr::EcrHost::parse(&self.repo.domain) {
            // ECR refuses pushes to a repository nobody created; create it when allowed.
            match crate::registry::ecr::ensure_repository(&host, &self.repo.path).await {
                Ok(true) => tracing::info!("created the ECR repository {}", self.repo),
                Ok(false) => {}
                Err(e) => tracing::warn!("{e}; pushing to {} anyway", self.repo),
            }
        }
        let (config, manifest) = index.encode();
        let config_digest = store
            .put_bytes(&config)
            .map_err(|source| RemoteError::Store {
                backend: self.name.clone(),
                source,
            })?;
        let mut blobs: Vec<Descriptor> = upload
            .iter()
            .map(|l| Descriptor {
                media_type: l.media_type.clone(),
                digest: l.digest.clone(),
                size: l.size,
                annotations: Default::default(),
                platform: None,
            })
            .collect();
        blobs.push(Descriptor {
            media_type: super::index::CONFIG_MEDIA_TYPE.into(),
            digest: config_digest,
            size: config.len() as u64,
            annotations: Default::default(),
            platform: None,
        });
        let push_options = PushOptions::default();
        let outcomes = self
            .retrying("uploading cache blobs", || {
                self.registry
                    .push_blobs(store, &self.repo, &blobs, &push_options)
            })
            .await
            .map_err(|e| self.fail(&format!("uploading to {}", self.repo), &e))?;
        for (outcome, desc) in outcomes.iter().zip(&blobs) {
            if let crate::registry::BlobPush::Uploaded { bytes } = outcome {
                self.meter.uploaded(*bytes);
                if desc.media_type != super::index::CONFIG_MEDIA_TYPE {
                    self.meter.blob_uploaded();
                }
            }
        }
        let tag = self.fixed_tag.as_deref().unwrap_or(scope);
        let target = Reference {
            domain: self.repo.domain.clone(),
            path: self.repo.path.clone(),
            tag: Some(tag.to_string()),
            digest: None,
        };
        let size = manifest.len() as u64;
        let manifest = Bytes::from(manifest);
        self.retrying("tagging the cache manifest", || {
            self.registry
                .push_manifest_bytes(&target, MANIFEST_MEDIA_TYPE, manifest.clone())
        })
        .await
        .map_err(|e| self.fail(&format!("tagging {}:{tag}", self.repo), &e))?;
        self.meter.uploaded(size);
        Ok(())
    }
}

/// Counts the bytes written through it into a [`Meter`].
struct Counting<'a, W> {
    inner: W,
    meter: &'a Meter,
}

impl<W: Write> Write for Counting<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.meter.downloaded(n as u64);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Whether a registry failure may go away on its own: the registry unreachable (restarting),
/// a body cut short, or an error status it did not classify (429, 5xx).
fn retryable(e: &RegistryError) -> bool {
    matches!(
        e,
        RegistryError::Unreachable { .. }
            | RegistryError::Truncated { .. }
            | RegistryError::Registry { .. }
    )
}
