//! `type=s3`: the cache in an S3 bucket (or an S3-compatible server: MinIO, R2, moto).
//!
//! Objects ([`keys`]): `<prefix>blobs/sha256/<hex>` for layer blobs and records documents, and
//! `<prefix>index/<scope>/<name>` for each scope's index manifest (the same two documents as a
//! registry cache, [`super::index`]); a scope's mount-cache manifests are
//! `<prefix>index/<scope>/<name>.mount/<key>` ([`super::document`]).
//!
//! * `load(scopes)`: the first scope whose index object exists (no such key: the next scope;
//!   any other failure, a missing bucket included, is an error), then its records document,
//!   verified against the digest the manifest names. An index whose records document is gone
//!   (expired) is skipped like a missing one, with a warning.
//! * `fetch`: `GetObject`, streamed into the store writer, resumed with `Range` ([`download`]).
//! * `lacking`: `HeadObject` per layer, a few at a time; no such key (or an object of another
//!   size) means lacking.
//! * `export`: the blobs ([`upload`]: single put or parallel multipart, several blobs at once),
//!   then the records document, then the index object last, so a reader never sees an index
//!   naming blobs that are not there yet. Two runners exporting one scope: last writer wins,
//!   blobs are shared.
//!
//! **Expiring unused blobs.** `touch_refresh=` (24h by default) pairs with S3 lifecycle rules:
//! `lacking` notes the blobs that are present but were last modified longer ago than
//! `touch_refresh`, and `export` copies each onto itself (`CopyObject` with
//! `MetadataDirective=REPLACE`), which resets its age. Every export also rewrites its records
//! document and index. So right after an export, nothing its index names is older than
//! `touch_refresh`. Pair it with two expiration rules: `<prefix>blobs/` after N days and
//! `<prefix>index/` after N days minus `touch_refresh` (e.g. 7 and 6 days with the default):
//! blobs that no export used for N days go away, and an index never outlives the blobs it names.
//! Add `AbortIncompleteMultipartUpload` (a day) for uploads a killed runner left open. Blobs over
//! 5 GiB cannot be copied in one request and are not refreshed (a warning says so).
//!
//! Requests go through the SDK's standard retry mode ([`client`]); every HTTP attempt is counted
//! in the [`Meter`], as are the bytes and blobs moved and the time spent.

pub mod client;
pub mod download;
pub mod keys;
pub mod spec;
pub mod upload;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::types::MetadataDirective;
use futures_util::future::Either;
use futures_util::{StreamExt as _, TryStreamExt as _};

use super::backend::{Access, BackendFuture, RemoteBackend};
use super::document::{DocKind, DocManifest, DocName, Document, LoadedDoc};
use super::error::RemoteError;
use super::index::MAX_INDEX_BYTES;
use super::meter::Meter;
use super::spec::{CacheSpec, S3Spec};
use crate::digest::Digest;
use crate::image::layer::LayerDescriptor;
use crate::store::{BlobSink, Store};

pub use client::S3Options;
use keys::Keys;
use rbuild_wire::s3::{AbortGuard, Failure, classify, describe};

/// The largest object one `CopyObject` copies.
const MAX_COPY_BYTES: u64 = 5 << 30;

/// A cache in an S3 bucket.
#[derive(Debug)]
pub struct S3Backend {
    inner: Box<Inner>,
}

/// The backend's state (boxed: [`super::Backend`] holds every kind of backend inline).
#[derive(Debug)]
struct Inner {
    /// The spec's name (`s3://bucket/prefix`), in every error.
    name: String,
    client: Client,
    bucket: String,
    /// The endpoint, for messages.
    endpoint: String,
    keys: Keys,
    touch_refresh: Duration,
    options: S3Options,
    meter: Arc<Meter>,
    /// Blobs `lacking` found older than `touch_refresh` (digest -> size): refreshed on export.
    stale: Mutex<BTreeMap<Digest, u64>>,
}

impl S3Backend {
    /// The backend's name in messages.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Sets up the client (no request is made yet).
    pub async fn connect(
        spec: &CacheSpec,
        s3: &S3Spec,
        meter: Arc<Meter>,
    ) -> Result<Self, RemoteError> {
        Self::connect_with(spec, s3, meter, S3Options::default()).await
    }

    /// [`connect`](Self::connect) with other retry, timeout and concurrency settings.
    pub async fn connect_with(
        spec: &CacheSpec,
        s3: &S3Spec,
        meter: Arc<Meter>,
        options: S3Options,
    ) -> Result<Self, RemoteError> {
        let client = client::build(s3, &options, meter.clone()).await;
        let inner = Inner {
            name: spec.backend_ref(),
            client,
            bucket: s3.bucket.clone(),
            endpoint: s3.endpoint_url.clone().unwrap_or_else(|| "AWS".to_string()),
            keys: Keys::new(&s3.prefix, &s3.name),
            touch_refresh: s3.touch_refresh,
            options,
            meter,
            stale: Mutex::new(BTreeMap::new()),
        };
        Ok(Self {
            inner: Box::new(inner),
        })
    }

    /// Document `name` of the first scope that has it.
    pub async fn load_doc(
        &self,
        scopes: &[String],
        name: &DocName,
        kind: DocKind,
    ) -> Result<Option<LoadedDoc>, RemoteError> {
        // Timed by the caller (`RemoteCaches`).
        self.inner.load_first(scopes, name, kind).await
    }

    /// Streams a blob into `sink` (which verifies it on commit).
    pub async fn fetch(
        &self,
        desc: &LayerDescriptor,
        sink: &mut dyn BlobSink,
    ) -> Result<(), RemoteError> {
        // Timed by the caller (`RemoteCaches`).
        self.inner.download(desc, sink).await
    }

    /// The layers the bucket lacks; notes the present ones due for a refresh on export.
    pub async fn lacking(
        &self,
        layers: &[LayerDescriptor],
    ) -> Result<Vec<LayerDescriptor>, RemoteError> {
        // Timed by the caller (`RemoteCaches`).
        self.inner.lacking(layers).await
    }

    /// Uploads `upload` from `store`, refreshes the blobs `lacking` found stale, then writes the
    /// document's config and its manifest as `scope`'s document `name`.
    pub async fn export_doc(
        &self,
        scope: &str,
        name: &DocName,
        doc: &Document,
        upload: &[LayerDescriptor],
        store: &Store,
    ) -> Result<(), RemoteError> {
        // Timed by the caller (`RemoteCaches`).
        self.inner.export(scope, name, doc, upload, store).await
    }
}

impl Inner {
    /// A [`RemoteError::Backend`] for `op` on `key`.
    fn error<E>(&self, op: &str, key: &str, err: &SdkError<E, HttpResponse>) -> RemoteError
    where
        E: std::error::Error + ProvideErrorMetadata + 'static,
    {
        RemoteError::backend(
            &self.name,
            format!(
                "{op} s3://{}/{key} (endpoint {}): {}",
                self.bucket,
                self.endpoint,
                rbuild_wire::s3::describe(err)
            ),
        )
    }

    fn invalid(&self, location: &str, reason: String) -> RemoteError {
        RemoteError::InvalidIndex {
            backend: self.name.clone(),
            location: location.to_string(),
            reason,
        }
    }

    async fn load_first(
        &self,
        scopes: &[String],
        name: &DocName,
        kind: DocKind,
    ) -> Result<Option<LoadedDoc>, RemoteError> {
        for scope in scopes {
            let Some(key) = self.keys.doc(scope, name) else {
                tracing::warn!(
                    "{}: scope {scope:?} cannot name an object; skipped",
                    self.name
                );
                continue;
            };
            let Some(bytes) = self.read_small(&key, MAX_INDEX_BYTES).await? else {
                tracing::debug!("{}: no index at {key}", self.name);
                continue;
            };
            let manifest = DocManifest::parse(&bytes, kind).map_err(|r| self.invalid(&key, r))?;
            let config_digest = manifest
                .config_digest()
                .map_err(|r| self.invalid(&key, r))?;
            let config_key = self.keys.blob(&config_digest);
            let Some(config) = self.read_small(&config_key, MAX_INDEX_BYTES).await? else {
                tracing::warn!(
                    "{}: {key} names config document {config_digest}, which is gone; \
                     trying the next scope",
                    self.name
                );
                continue;
            };
            let actual = Digest::of(&config);
            if actual != config_digest {
                return Err(RemoteError::DigestMismatch {
                    backend: self.name.clone(),
                    expected: config_digest,
                    actual,
                });
            }
            return Ok(Some(LoadedDoc {
                config,
                listed: Some(manifest.layer_digests()),
                location: format!("s3://{}/{key}", self.bucket),
            }));
        }
        Ok(None)
    }

    async fn lacking(
        &self,
        layers: &[LayerDescriptor],
    ) -> Result<Vec<LayerDescriptor>, RemoteError> {
        let now = SystemTime::now();
        let heads: Vec<Option<Head>> = futures_util::stream::iter(layers)
            .map(|layer| self.head(&layer.digest))
            .buffered(self.options.head_concurrency.max(1))
            .try_collect()
            .await?;
        let mut lacking = Vec::new();
        let mut stale = Vec::new();
        for (layer, head) in layers.iter().zip(heads) {
            match head {
                Some(head) if head.size == layer.size => {
                    let age = head
                        .modified
                        .and_then(|m| now.duration_since(m).ok())
                        .unwrap_or(Duration::ZERO);
                    if age > self.touch_refresh {
                        stale.push((layer.digest.clone(), head.size));
                    }
                }
                Some(head) => {
                    tracing::warn!(
                        "{}: blob {} is {} bytes in the bucket, {} expected; uploading it again",
                        self.name,
                        layer.digest,
                        head.size,
                        layer.size
                    );
                    lacking.push(layer.clone());
                }
                None => lacking.push(layer.clone()),
            }
        }
        self.stale
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(stale);
        Ok(lacking)
    }

    async fn head(&self, digest: &Digest) -> Result<Option<Head>, RemoteError> {
        let key = self.keys.blob(digest);
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(&key)
            .send()
            .await
        {
            Ok(out) => Ok(Some(Head {
                size: out
                    .content_length()
                    .and_then(|n| u64::try_from(n).ok())
                    .unwrap_or(0),
                modified: out
                    .last_modified()
                    .and_then(|t| SystemTime::try_from(*t).ok()),
            })),
            Err(e) if classify(&e) == Failure::NotFound => Ok(None),
            Err(e) => Err(self.error("HeadObject", &key, &e)),
        }
    }

    async fn export(
        &self,
        scope: &str,
        name: &DocName,
        doc: &Document,
        upload: &[LayerDescriptor],
        store: &Store,
    ) -> Result<(), RemoteError> {
        let index_key = self.keys.doc(scope, name).ok_or_else(|| {
            RemoteError::backend(
                &self.name,
                format!("scope {scope:?} cannot name an index object"),
            )
        })?;
        // Each blob once; uploads and refreshes share the bound.
        let uploads: BTreeSet<&Digest> = upload.iter().map(|l| &l.digest).collect();
        let stale = std::mem::take(&mut *self.stale.lock().unwrap_or_else(PoisonError::into_inner));
        let jobs = uploads
            .iter()
            .map(|digest| Either::Left(self.upload_blob(digest, store)))
            .chain(
                stale
                    .iter()
                    .filter(|(digest, _)| !uploads.contains(digest))
                    .map(|(digest, size)| Either::Right(self.refresh(digest, *size, store))),
            );
        futures_util::stream::iter(jobs)
            .buffer_unordered(self.options.blob_concurrency.max(1))
            .try_collect::<Vec<()>>()
            .await?;
        let manifest = doc.manifest_bytes();
        self.put_bytes(
            &self.keys.blob(&Digest::of(&doc.config)),
            doc.config.clone(),
        )
        .await?;
        self.put_bytes(&index_key, manifest).await?;
        tracing::debug!(
            "{}: exported {} blobs to {index_key}",
            self.name,
            doc.blobs.len()
        );
        Ok(())
    }

    /// Uploads one blob of the store.
    async fn upload_blob(&self, digest: &Digest, store: &Store) -> Result<(), RemoteError> {
        let size = store
            .blobs()
            .size(digest)
            .map_err(|source| RemoteError::Store {
                backend: self.name.clone(),
                source,
            })?;
        let path = store.blobs().path(digest);
        self.put_file(&self.keys.blob(digest), &path, size).await?;
        self.meter.blob_uploaded();
        Ok(())
    }

    /// Copies a blob onto itself so that its age starts over; a blob that vanished since
    /// `lacking` saw it is uploaded again from the store when the store has it.
    async fn refresh(&self, digest: &Digest, size: u64, store: &Store) -> Result<(), RemoteError> {
        let key = self.keys.blob(digest);
        if size > MAX_COPY_BYTES {
            tracing::warn!(
                "{}: blob {digest} ({size} bytes) is too large for one CopyObject; not refreshed",
                self.name
            );
            return Ok(());
        }
        let copied = self
            .client
            .copy_object()
            .bucket(&self.bucket)
            .key(&key)
            .copy_source(keys::copy_source(&self.bucket, &key))
            .metadata_directive(MetadataDirective::Replace)
            .send()
            .await;
        match copied {
            Ok(_) => Ok(()),
            Err(e) if classify(&e) == Failure::NotFound && store.blobs().has(digest) => {
                self.upload_blob(digest, store).await
            }
            Err(e) => Err(self.error("CopyObject", &key, &e)),
        }
    }
}

impl Inner {
    /// The start-up probe: a `HeadObject` of `scope`'s index (found or not: reads answer), then
    /// a multipart upload of the same key opened and aborted (nothing is written).
    async fn access(&self, scope: &str) -> Result<Access, RemoteError> {
        let key = self.keys.index(scope).ok_or_else(|| {
            RemoteError::backend(&self.name, format!("scope {scope:?} names no index key"))
        })?;
        let unreachable = |op: &str, why: String| {
            Access::Unreachable(format!("{op} s3://{}/{key}: {why}", self.bucket))
        };
        let head = self.client.head_object().bucket(&self.bucket).key(&key);
        match head.send().await {
            Ok(_) => {}
            Err(e) if classify(&e) == Failure::NotFound => {}
            Err(e) => return Ok(unreachable("HeadObject", describe(&e))),
        }
        let create = self.client.create_multipart_upload();
        match create.bucket(&self.bucket).key(&key).send().await {
            Ok(created) => {
                if let Some(id) = created.upload_id() {
                    AbortGuard::new(self.client.clone(), &self.bucket, &key, id)
                        .abort()
                        .await;
                }
                Ok(Access::ReadWrite)
            }
            // A missing bucket answers `HeadObject` with a bare 404, like a missing key.
            Err(e) if classify(&e) == Failure::NoSuchBucket => {
                Ok(unreachable("CreateMultipartUpload", describe(&e)))
            }
            Err(e) => Ok(Access::ReadOnly(format!(
                "CreateMultipartUpload s3://{}/{key}: {}",
                self.bucket,
                describe(&e)
            ))),
        }
    }
}

/// What `HeadObject` says about a blob.
#[derive(Debug, Clone, Copy)]
struct Head {
    size: u64,
    modified: Option<SystemTime>,
}

/// `type=s3` as a [`RemoteBackend`]: the methods above.
impl RemoteBackend for S3Backend {
    fn name(&self) -> &str {
        S3Backend::name(self)
    }

    fn load_doc<'a>(
        &'a self,
        scopes: &'a [String],
        name: &'a DocName,
        kind: DocKind,
    ) -> BackendFuture<'a, Option<LoadedDoc>> {
        Box::pin(S3Backend::load_doc(self, scopes, name, kind))
    }

    fn fetch<'a>(
        &'a self,
        desc: &'a LayerDescriptor,
        sink: &'a mut dyn BlobSink,
    ) -> BackendFuture<'a, ()> {
        Box::pin(S3Backend::fetch(self, desc, sink))
    }

    fn lacking<'a>(
        &'a self,
        scope: &'a str,
        layers: &'a [LayerDescriptor],
    ) -> BackendFuture<'a, Vec<LayerDescriptor>> {
        let _ = scope;
        Box::pin(S3Backend::lacking(self, layers))
    }

    fn export_doc<'a>(
        &'a self,
        scope: &'a str,
        name: &'a DocName,
        doc: &'a Document,
        upload: &'a [LayerDescriptor],
        store: &'a Store,
    ) -> BackendFuture<'a, ()> {
        Box::pin(S3Backend::export_doc(self, scope, name, doc, upload, store))
    }

    fn check<'a>(&'a self, scope: &'a str) -> BackendFuture<'a, Access> {
        Box::pin(self.inner.access(scope))
    }
}
