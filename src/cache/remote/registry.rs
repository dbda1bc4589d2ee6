//! `type=registry`: the cache in an OCI registry repository (ECR, GHCR, distribution, the
//! cache server).
//!
//! * The index is a tagged OCI image manifest ([`super::index`]); its config is the records
//!   document and its layers the layer blobs, so the registry keeps every blob the index names.
//! * Where: `ref=<registry>/<repo>:<tag>` reads and writes exactly that tag, as buildx does
//!   (no scope fallback). `ref=<registry>/<repo>` without a tag puts each scope in a tag of its
//!   own (`<repo>:<scope>`, e.g. `app-cache:main`, `app-cache:pr-7`): writes go to the build's
//!   scope and reads fall back along the scope chain. `ref=` holding `{scope}` puts each scope
//!   in a repository of its own instead (`cache.example/app/{scope}` -> `app/main:cache`,
//!   `app/pr-7:cache`; the tag is `cache` unless one is given): the layout of the cache
//!   server, whose tokens grant writes by the repository's last segment (a fork's token may
//!   write `app/pr-*` only). Blobs another scope's repository holds are mounted, not uploaded.
//! * Credentials are the registry client's: docker `config.json`, credential helpers, and ECR
//!   tokens from `GetAuthorizationToken` ([`crate::registry::ecr`]).
//! * A build that pushes its image to the registry holding the cache mounts the cached layers
//!   ([`RegistryBackend::mount_source`]): no layer is downloaded.

use std::sync::Arc;

use bytes::Bytes;

use super::backend::{Access, BackendFuture, RemoteBackend};
use super::document::{
    DocKind, DocManifest, DocName, Document, LoadedDoc, MANIFEST_MEDIA_TYPE, registry_tag,
};
use super::error::RemoteError;
use super::meter::Counting;
use super::meter::Meter;
use super::retry::{Attempt, Backoff};
use super::spec::{Attributes, CacheSpec};
use crate::digest::Digest;
use crate::image::layer::LayerDescriptor;
use crate::image::manifest::Descriptor;
use crate::oci::reference::Reference;
use crate::registry::{PushOptions, Registry, RegistryError, Repository};
use crate::store::{BlobSink, Store};

/// A cache in a registry repository.
#[derive(Debug)]
pub struct RegistryBackend {
    name: String,
    repo: Repository,
    /// The tag of `ref=`, when one was given: the only place read and written.
    fixed_tag: Option<String>,
    /// `ref=` when it holds `{scope}`: one repository per scope.
    template: Option<String>,
    /// The repository the index was loaded from (where imported blobs are fetched).
    loaded: std::sync::Mutex<Option<Repository>>,
    /// Where the blobs of loaded mount-cache manifests are (their scope's repository).
    sources: std::sync::Mutex<std::collections::HashMap<Digest, Repository>>,
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
        let template = reference.contains("{scope}").then(|| reference.to_string());
        let probe = reference.replace("{scope}", "main");
        let parsed =
            Reference::parse(&probe).map_err(|e| spec_err(format!("ref={reference}: {e}")))?;
        if parsed.digest.is_some() {
            return Err(spec_err(format!(
                "ref={reference}: a cache ref takes a tag, not a digest"
            )));
        }
        // `Reference::parse` defaults the tag to `latest`; only a tag the user wrote is fixed.
        let written_tag = probe
            .rsplit_once('/')
            .map_or(probe.as_str(), |(_, last)| last)
            .contains(':');
        let fixed_tag = match parsed.tag.clone().filter(|_| written_tag) {
            None if template.is_some() => Some("cache".to_string()),
            t => t,
        };
        Ok(Self {
            name: spec.backend_ref(),
            repo: Repository::of(&parsed),
            fixed_tag,
            template,
            loaded: std::sync::Mutex::new(None),
            sources: std::sync::Mutex::default(),
            registry,
            meter,
            backoff: Backoff {
                attempts: 4,
                ..Backoff::default()
            },
        })
    }

    /// The backend's name in messages.
    pub fn name(&self) -> &str {
        self.name.as_str()
    }

    /// The repository holding the imported blobs: a push to the same registry mounts from it.
    pub fn mount_source(&self) -> Option<Repository> {
        Some(self.source_repo())
    }

    /// The repository to fetch `digest` from: the one whose mount-cache manifest listed it,
    /// else the index's.
    fn source_of(&self, digest: &Digest) -> Repository {
        let known = self
            .sources
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(digest)
            .cloned();
        known.unwrap_or_else(|| self.source_repo())
    }

    /// Where the index was loaded from (the `ref=` repository before a load).
    fn source_repo(&self) -> Repository {
        self.loaded
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
            .unwrap_or_else(|| self.repo.clone())
    }

    /// The repository and tag of `scope`.
    fn location(&self, scope: &str) -> Result<(Repository, String), RemoteError> {
        let repo = match &self.template {
            Some(t) => {
                let r = Reference::parse(&t.replace("{scope}", scope)).map_err(|e| {
                    RemoteError::Spec {
                        spec: t.clone(),
                        reason: format!("scope {scope}: {e}"),
                    }
                })?;
                Repository::of(&r)
            }
            None => self.repo.clone(),
        };
        let tag = self.fixed_tag.clone().unwrap_or_else(|| scope.to_string());
        Ok((repo, tag))
    }

    /// The places to read, in order, for `scopes`.
    fn read_locations(&self, scopes: &[String]) -> Result<Vec<(Repository, String)>, RemoteError> {
        if self.template.is_none()
            && let Some(tag) = &self.fixed_tag
        {
            return Ok(vec![(self.repo.clone(), tag.clone())]);
        }
        scopes.iter().map(|s| self.location(s)).collect()
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

    /// Document `name` of the first scope of the chain that has it (checked to be of `kind`).
    pub async fn load_doc(
        &self,
        scopes: &[String],
        name: &DocName,
        kind: DocKind,
    ) -> Result<Option<LoadedDoc>, RemoteError> {
        for (repo, tag) in self.read_locations(scopes)? {
            let tag = registry_tag(&tag, name);
            let fetched = self
                .retrying("reading the cache manifest", || {
                    self.registry.fetch_manifest_by_tag(&repo, &tag)
                })
                .await;
            let (bytes, _) = match fetched {
                Ok(found) => found,
                Err(RegistryError::NotFound { .. }) => continue,
                Err(e) => return Err(self.fail(&format!("reading {repo}:{tag}"), &e)),
            };
            self.meter.downloaded(bytes.len() as u64);
            let location = format!("{repo}:{tag}");
            let invalid = |reason: String| RemoteError::InvalidIndex {
                backend: self.name.clone(),
                location: location.clone(),
                reason,
            };
            let manifest = DocManifest::parse(&bytes, kind).map_err(invalid)?;
            let config_digest = manifest.config_digest().map_err(invalid)?;
            let config = self
                .retrying("reading the cache document", || {
                    self.registry.fetch_config(&repo, &config_digest)
                })
                .await
                .map_err(|e| self.fail(&format!("reading the config of {location}"), &e))?;
            self.meter.downloaded(config.len() as u64);
            let listed = manifest.layer_digests();
            if *name == DocName::Index {
                *self
                    .loaded
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(repo);
            } else {
                let mut sources = self
                    .sources
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                for digest in &listed {
                    sources.insert(digest.clone(), repo.clone());
                }
            }
            return Ok(Some(LoadedDoc {
                config: config.to_vec(),
                listed: Some(listed),
                location,
            }));
        }
        Ok(None)
    }

    /// Streams the blob of `desc` into `sink`.
    pub async fn fetch(
        &self,
        desc: &LayerDescriptor,
        sink: &mut dyn BlobSink,
    ) -> Result<(), RemoteError> {
        let source = self.source_of(&desc.digest);
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
                meter: Some(&self.meter),
            };
            match self
                .registry
                .fetch_blob(&source, &desc.digest, counting)
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
            Err(e) => Err(self.download_error(desc, e)),
        }
    }

    /// A failed download of `desc` as the cache reports it: gone, corrupt, or the registry's
    /// error.
    fn download_error(&self, desc: &LayerDescriptor, e: RegistryError) -> RemoteError {
        match e {
            RegistryError::NotFound { .. } => RemoteError::MissingBlob {
                backend: self.name.clone(),
                digest: desc.digest.clone(),
            },
            RegistryError::DigestMismatch {
                expected, actual, ..
            } => RemoteError::DigestMismatch {
                backend: self.name.clone(),
                expected,
                actual,
            },
            e => self.fail(&format!("downloading {}", desc.digest), &e),
        }
    }

    /// The bytes of a small blob, verified by the registry client.
    pub async fn fetch_bytes(&self, desc: &LayerDescriptor) -> Result<Vec<u8>, RemoteError> {
        let source = self.source_of(&desc.digest);
        let fetched = self
            .retrying("downloading a cache blob", || async {
                let mut bytes = Vec::new();
                let counting = Counting {
                    inner: UpTo {
                        bytes: &mut bytes,
                        limit: desc.size,
                    },
                    meter: Some(&self.meter),
                };
                self.registry
                    .fetch_blob(&source, &desc.digest, counting)
                    .await
                    .map(|_| bytes)
            })
            .await;
        match fetched {
            Ok(bytes) => {
                self.meter.blob_downloaded();
                Ok(bytes)
            }
            Err(e) => Err(self.download_error(desc, e)),
        }
    }

    /// The layers the repository of `scope` lacks (blobs the loaded scope's repository holds
    /// are not lacking: the export mounts them).
    pub async fn lacking(
        &self,
        scope: &str,
        layers: &[LayerDescriptor],
    ) -> Result<Vec<LayerDescriptor>, RemoteError> {
        let (repo, _) = self.location(scope)?;
        let digests: Vec<Digest> = layers.iter().map(|l| l.digest.clone()).collect();
        let mut missing = self
            .retrying("checking the cache's blobs", || {
                self.registry.missing_blobs(&repo, &digests)
            })
            .await
            .map_err(|e| self.fail(&format!("checking the blobs of {repo}"), &e))?;
        let source = self.source_repo();
        if source != repo && !missing.is_empty() {
            let elsewhere = missing.clone();
            missing = self
                .retrying("checking the cache's blobs", || {
                    self.registry.missing_blobs(&source, &elsewhere)
                })
                .await
                .unwrap_or(elsewhere);
        }
        Ok(layers
            .iter()
            .filter(|l| missing.contains(&l.digest))
            .cloned()
            .collect())
    }

    /// Uploads `upload` and the document's config, then tags its manifest: the scope's tag
    /// (or the fixed tag), with `-mount-<key>` for a mount-cache manifest.
    pub async fn export_doc(
        &self,
        scope: &str,
        name: &DocName,
        doc: &Document,
        upload: &[LayerDescriptor],
        store: &Store,
    ) -> Result<(), RemoteError> {
        let (repo, tag) = self.location(scope)?;
        let tag = registry_tag(&tag, name);
        if let Some(host) = crate::registry::ecr::EcrHost::parse(&repo.domain) {
            // ECR refuses pushes to a repository nobody created; create it when allowed.
            match crate::registry::ecr::ensure_repository(&host, &repo.path).await {
                Ok(true) => tracing::info!("created the ECR repository {repo}"),
                Ok(false) => {}
                Err(e) => tracing::warn!("{e}; pushing to {repo} anyway"),
            }
        }
        let (config, manifest) = (&doc.config, doc.manifest_bytes());
        let config_digest = store
            .put_bytes(config)
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
            media_type: doc.kind.config_media_type.into(),
            digest: config_digest,
            size: config.len() as u64,
            annotations: Default::default(),
            platform: None,
        });
        // Every index layer: those another scope's repository holds are mounted from it.
        let mut all: Vec<Descriptor> = doc
            .blobs
            .iter()
            .filter(|l| !upload.iter().any(|u| u.digest == l.digest))
            .map(|l| Descriptor {
                media_type: l.media_type.clone(),
                digest: l.digest.clone(),
                size: l.size,
                annotations: Default::default(),
                platform: None,
            })
            .collect();
        let source = self.source_repo();
        let mut mount_from = vec![source.to_string()];
        for other in self
            .sources
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .values()
        {
            let other = other.to_string();
            if !mount_from.contains(&other) {
                mount_from.push(other);
            }
        }
        if mount_from.len() == 1 && source == repo {
            all.clear();
        }
        blobs.extend(all);
        let push_options = PushOptions {
            mount_from,
            ..PushOptions::default()
        };
        let outcomes = self
            .retrying("uploading cache blobs", || {
                self.registry
                    .push_blobs(store, &repo, &blobs, &push_options)
            })
            .await
            .map_err(|e| self.fail(&format!("uploading to {repo}"), &e))?;
        for (outcome, desc) in outcomes.iter().zip(&blobs) {
            if let crate::registry::BlobPush::Uploaded { bytes } = outcome {
                self.meter.uploaded(*bytes);
                if desc.media_type != doc.kind.config_media_type {
                    self.meter.blob_uploaded();
                }
            }
        }
        let target = Reference {
            domain: repo.domain.clone(),
            path: repo.path.clone(),
            tag: Some(tag.clone()),
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

/// A `Vec` that takes at most `limit` bytes: a registry sending more than the descriptor's size
/// fails the download there instead of growing it.
struct UpTo<'a> {
    bytes: &'a mut Vec<u8>,
    limit: u64,
}

impl std::io::Write for UpTo<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if (self.bytes.len() + buf.len()) as u64 > self.limit {
            return Err(std::io::Error::other(format!(
                "more than the {} bytes its descriptor says",
                self.limit
            )));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Reads `type=registry`'s one attribute: `ref=` (`<registry>/<repository>[:<tag>]`,
/// required; a bare value is a `ref=` too, as buildx reads `--cache-from user/app:cache`).
pub fn parse_spec(attrs: &mut Attributes<'_>) -> Result<String, RemoteError> {
    attrs.require("ref")
}

/// `type=registry` as a [`RemoteBackend`]: the methods above.
impl RemoteBackend for RegistryBackend {
    fn name(&self) -> &str {
        RegistryBackend::name(self)
    }

    fn load_doc<'a>(
        &'a self,
        scopes: &'a [String],
        name: &'a DocName,
        kind: DocKind,
    ) -> BackendFuture<'a, Option<LoadedDoc>> {
        Box::pin(RegistryBackend::load_doc(self, scopes, name, kind))
    }

    fn fetch<'a>(
        &'a self,
        desc: &'a LayerDescriptor,
        sink: &'a mut dyn BlobSink,
    ) -> BackendFuture<'a, ()> {
        Box::pin(RegistryBackend::fetch(self, desc, sink))
    }

    fn fetch_small<'a>(
        &'a self,
        desc: &'a LayerDescriptor,
        _scratch: &'a Store,
    ) -> BackendFuture<'a, Vec<u8>> {
        Box::pin(RegistryBackend::fetch_bytes(self, desc))
    }

    fn lacking<'a>(
        &'a self,
        scope: &'a str,
        layers: &'a [LayerDescriptor],
    ) -> BackendFuture<'a, Vec<LayerDescriptor>> {
        Box::pin(RegistryBackend::lacking(self, scope, layers))
    }

    fn export_doc<'a>(
        &'a self,
        scope: &'a str,
        name: &'a DocName,
        doc: &'a Document,
        upload: &'a [LayerDescriptor],
        store: &'a Store,
    ) -> BackendFuture<'a, ()> {
        Box::pin(RegistryBackend::export_doc(
            self, scope, name, doc, upload, store,
        ))
    }

    fn check<'a>(&'a self, scope: &'a str) -> BackendFuture<'a, Access> {
        Box::pin(async move {
            let (repo, tag) = self.location(scope)?;
            if let Err(e) = self.registry.probe_pull(&repo, &tag).await {
                return Ok(Access::Unreachable(e.to_string()));
            }
            Ok(match self.registry.probe_push(&repo).await {
                Ok(()) => Access::ReadWrite,
                Err(e @ RegistryError::Unreachable { .. }) => Access::Unreachable(e.to_string()),
                Err(e) => Access::ReadOnly(e.to_string()),
            })
        })
    }

    fn mount_source(&self) -> Option<Repository> {
        RegistryBackend::mount_source(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn a_blob_longer_than_its_descriptor_stops_at_the_descriptors_size() {
        let mut bytes = Vec::new();
        let mut up_to = UpTo {
            bytes: &mut bytes,
            limit: 10,
        };
        up_to.write_all(b"0123456789").unwrap();
        assert!(up_to.write_all(b"x").is_err());
        assert_eq!(bytes.len(), 10);
    }
}
