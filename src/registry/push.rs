//! Pushing images (and any blobs) from the store to a registry.
//!
//! For every blob (the layers and the config), in this order of preference:
//! 1. the target repository has it (`HEAD /v2/<name>/blobs/<digest>`): skipped;
//! 2. a repository of the same registry the caller names ([`PushOptions::mount_from`], e.g. the
//!    base image's) has it: a cross-repository mount
//!    (`POST /v2/<name>/blobs/uploads/?mount=<digest>&from=<repo>`; `201` is a mount, `202` is
//!    an ordinary upload session, used for step 3);
//! 3. an upload streamed from the store's file (`POST` for a session, one monolithic `PUT` with
//!    `Content-Length`; never the whole blob in memory), the `Docker-Content-Digest` the
//!    registry answers checked against ours.
//!
//! Blobs go up a few at a time ([`DEFAULT_PUSH_CONCURRENCY`]); the manifest is `PUT` last, its
//! bytes exactly as stored (its digest is the image's identity), and the digest the registry
//! reports for it must be ours. A blob is read from the store only when it is uploaded, so a
//! blob the registry has (or can mount) need not be local at all.
//!
//! Authentication is oci-client's (docker config, credential helpers, the bearer-token dance,
//! push+pull scope on the target repository); the requests themselves are plain reqwest,
//! because oci-client's push calls hide the response headers to check. Credentials go only to
//! the registry's own host, never to an upload location elsewhere.

use super::error::RegistryError;
use super::resolve::MAX_MANIFEST_SIZE;
use super::session::Session;
use super::{Registry, Repository};
use crate::digest::Digest;
use crate::image::index::{Built, BuiltIndex};
use crate::image::manifest::{BuiltImage, Descriptor};
use crate::oci::reference::Reference;
use crate::store::Store;
use bytes::Bytes;
use futures_util::{StreamExt as _, TryStreamExt as _};
use oci_client::RegistryOperation;
use reqwest::{Method, Response, StatusCode, Url, header};
use std::io::Read as _;
use tokio::io::AsyncReadExt as _;
use tracing::debug;

/// The default number of blobs [`Registry::push`] uploads at once.
pub const DEFAULT_PUSH_CONCURRENCY: usize = 3;

/// How much of a blob file is read per chunk of the request body.
const READ_CHUNK: usize = 256 * 1024;

/// How [`Registry::push`] pushes.
#[derive(Debug, Clone, Default)]
pub struct PushOptions {
    /// Repositories of the target's registry that may hold the image's blobs (the base image's
    /// repository, a previous push's), tried for cross-repository mounts in order. Full
    /// repository names normalized like references (`127.0.0.1:5000/library/busybox`,
    /// `busybox` = `docker.io/library/busybox`); those of another registry are ignored.
    pub mount_from: Vec<String>,
    /// How many blobs are uploaded at once; 0 means [`DEFAULT_PUSH_CONCURRENCY`].
    pub concurrency: usize,
}

/// What a push did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushReport {
    /// The digest of the pushed manifest (the registry reported the same).
    pub manifest_digest: Digest,
    /// Blobs uploaded from the store.
    pub blobs_uploaded: usize,
    /// Blobs the repository already had.
    pub blobs_skipped: usize,
    /// Blobs mounted from another repository.
    pub blobs_mounted: usize,
    /// Bytes of blobs uploaded (the manifest not included).
    pub bytes_uploaded: u64,
}

/// What happened to one blob of a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobPush {
    /// The repository already had it.
    Skipped,
    /// Mounted from another repository of the registry.
    Mounted {
        /// The repository it came from.
        from: Repository,
    },
    /// Uploaded from the store.
    Uploaded {
        /// Its size.
        bytes: u64,
    },
}

impl Registry {
    /// Pushes `image` from `store` to `target` (its tag, `latest` without one; a pinned digest
    /// must be the image's): the blobs the repository lacks, then the manifest exactly as
    /// stored.
    pub async fn push(
        &self,
        store: &Store,
        image: &BuiltImage,
        target: &Reference,
        opts: &PushOptions,
    ) -> Result<PushReport, RegistryError> {
        let repo = Repository::of(target);
        // The manifest is read (and verified) first: nothing goes up for an incomplete image.
        let manifest = read_manifest(store, &image.manifest)?;
        let session = self.session(&repo, RegistryOperation::Push).await?;
        let blobs: Vec<&Descriptor> = image.layers.iter().chain([&image.config]).collect();
        let outcomes = session.push_blobs(store, &blobs, opts).await?;
        let mut report = PushReport {
            manifest_digest: image.manifest.digest.clone(),
            blobs_uploaded: 0,
            blobs_skipped: 0,
            blobs_mounted: 0,
            bytes_uploaded: 0,
        };
        for outcome in outcomes {
            match outcome {
                BlobPush::Skipped => report.blobs_skipped += 1,
                BlobPush::Mounted { .. } => report.blobs_mounted += 1,
                BlobPush::Uploaded { bytes } => {
                    report.blobs_uploaded += 1;
                    report.bytes_uploaded += bytes;
                }
            }
        }
        report.manifest_digest = session
            .put_manifest(target, &image.manifest.media_type, manifest)
            .await?;
        Ok(report)
    }

    /// Pushes the images and attestation manifests of `index` by digest (each as
    /// [`Registry::push`] does), then the index itself to `target`: a name never points at an index whose manifests the
    /// repository lacks. The report sums the images' blobs; its digest is the index's.
    pub async fn push_index(
        &self,
        store: &Store,
        index: &BuiltIndex,
        target: &Reference,
        opts: &PushOptions,
    ) -> Result<PushReport, RegistryError> {
        let bytes = read_manifest(store, &index.index)?;
        let mut report = PushReport {
            manifest_digest: index.index.digest.clone(),
            blobs_uploaded: 0,
            blobs_skipped: 0,
            blobs_mounted: 0,
            bytes_uploaded: 0,
        };
        for image in index.images.iter().chain(&index.attestations) {
            let by_digest = Reference {
                tag: None,
                digest: Some(image.manifest.digest.to_string()),
                ..target.clone()
            };
            let one = self.push(store, image, &by_digest, opts).await?;
            report.blobs_uploaded += one.blobs_uploaded;
            report.blobs_skipped += one.blobs_skipped;
            report.blobs_mounted += one.blobs_mounted;
            report.bytes_uploaded += one.bytes_uploaded;
        }
        let session = self
            .session(&Repository::of(target), RegistryOperation::Push)
            .await?;
        report.manifest_digest = session
            .put_manifest(target, &index.index.media_type, bytes)
            .await?;
        Ok(report)
    }

    /// Pushes what a build made: the image, or the index and its images.
    pub async fn push_built(
        &self,
        store: &Store,
        built: &Built,
        target: &Reference,
        opts: &PushOptions,
    ) -> Result<PushReport, RegistryError> {
        match built {
            Built::Image(image) => self.push(store, image, target, opts).await,
            Built::Index(index) => self.push_index(store, index, target, opts).await,
        }
    }

    /// Pushes blobs of `store` to `repo` (skipped when there, mounted when possible, uploaded
    /// otherwise), several at a time; the outcomes are in the order of `blobs`, a digest listed
    /// twice is pushed once (and reported as skipped the second time).
    pub async fn push_blobs(
        &self,
        store: &Store,
        repo: &Repository,
        blobs: &[Descriptor],
        opts: &PushOptions,
    ) -> Result<Vec<BlobPush>, RegistryError> {
        let session = self.session(repo, RegistryOperation::Push).await?;
        let blobs: Vec<&Descriptor> = blobs.iter().collect();
        session.push_blobs(store, &blobs, opts).await
    }

    /// Pushes a manifest (or index) given as bytes to `target` (its tag, `latest` without one,
    /// or its pinned digest), with `media_type` as its content type; returns its digest, which
    /// the registry reported too. For an image pulled and pushed unchanged, pass the bytes the
    /// registry served ([`super::ResolvedImage::manifest_bytes`]): the digest stays the same.
    pub async fn push_manifest_bytes(
        &self,
        target: &Reference,
        media_type: &str,
        bytes: Bytes,
    ) -> Result<Digest, RegistryError> {
        let session = self
            .session(&Repository::of(target), RegistryOperation::Push)
            .await?;
        session.put_manifest(target, media_type, bytes).await
    }

    /// Which of `digests` the repository `repo` lacks (HEAD requests, several at once), with
    /// push credentials: what an export must upload.
    pub async fn missing_blobs(
        &self,
        repo: &Repository,
        digests: &[Digest],
    ) -> Result<Vec<Digest>, RegistryError> {
        let session = self.session(repo, RegistryOperation::Push).await?;
        let session = &session;
        let found: Vec<bool> = futures_util::stream::iter(digests)
            .map(|d| async move { session.has_blob(d).await })
            .buffered(DEFAULT_PUSH_CONCURRENCY)
            .try_collect()
            .await?;
        Ok(digests
            .iter()
            .zip(found)
            .filter(|(_, there)| !there)
            .map(|(d, _)| d.clone())
            .collect())
    }
}

/// What a mount attempt gave.
enum Mount {
    Mounted,
    /// Not mounted; the registry opened an upload session at this URL instead.
    Session(Url),
    /// Not mounted, no session.
    Refused,
}

impl Session<'_> {
    async fn push_blobs(
        &self,
        store: &Store,
        blobs: &[&Descriptor],
        opts: &PushOptions,
    ) -> Result<Vec<BlobPush>, RegistryError> {
        let mounts: Vec<Repository> = opts
            .mount_from
            .iter()
            .filter_map(|s| match Repository::parse(s) {
                Ok(r) if r.domain == self.repo.domain && r.path != self.repo.path => Some(r),
                Ok(_) => None,
                Err(e) => {
                    debug!("mount source {s:?} ignored: {e}");
                    None
                }
            })
            .collect();
        let concurrency = match opts.concurrency {
            0 => DEFAULT_PUSH_CONCURRENCY,
            n => n,
        };
        let mut seen = std::collections::HashSet::new();
        let work: Vec<(&Descriptor, bool)> = blobs
            .iter()
            .map(|d| (*d, seen.insert(d.digest.clone())))
            .collect();
        futures_util::stream::iter(work)
            .map(|(desc, first)| {
                let mounts = &mounts;
                async move {
                    if first {
                        self.push_blob(store, desc, mounts).await
                    } else {
                        Ok(BlobPush::Skipped)
                    }
                }
            })
            .buffered(concurrency)
            .try_collect()
            .await
    }

    async fn push_blob(
        &self,
        store: &Store,
        desc: &Descriptor,
        mounts: &[Repository],
    ) -> Result<BlobPush, RegistryError> {
        let digest = &desc.digest;
        if self.has_blob(digest).await? {
            debug!("{}@{digest}: already there", self.repo);
            return Ok(BlobPush::Skipped);
        }
        let mut session = None;
        for from in mounts {
            match self.mount(digest, from).await? {
                Mount::Mounted => {
                    if let Some(unused) = session {
                        self.cancel(unused).await;
                    }
                    debug!("{}@{digest}: mounted from {from}", self.repo);
                    return Ok(BlobPush::Mounted { from: from.clone() });
                }
                Mount::Session(url) if session.is_none() => session = Some(url),
                Mount::Session(url) => self.cancel(url).await,
                Mount::Refused => {}
            }
        }
        let bytes = self.upload(store, desc, session).await?;
        debug!("{}@{digest}: uploaded {bytes} bytes", self.repo);
        Ok(BlobPush::Uploaded { bytes })
    }

    async fn has_blob(&self, digest: &Digest) -> Result<bool, RegistryError> {
        let what = self.at(digest);
        let url = self.url(&format!("blobs/{digest}"))?;
        let res = self.send(self.request(Method::HEAD, url), &what).await?;
        match res.status() {
            s if s.is_success() => Ok(true),
            StatusCode::NOT_FOUND => Ok(false),
            _ => Err(self.status_error(res, &what).await),
        }
    }

    async fn mount(&self, digest: &Digest, from: &Repository) -> Result<Mount, RegistryError> {
        let what = self.at(digest);
        let mut url = self.url("blobs/uploads/")?;
        url.query_pairs_mut()
            .append_pair("mount", digest.as_str())
            .append_pair("from", &from.path);
        let req = self
            .request(Method::POST, url)
            .header(header::CONTENT_LENGTH, 0);
        let res = self.send(req, &what).await?;
        match res.status() {
            StatusCode::CREATED => {
                self.check_digest(&res, digest, &what)?;
                Ok(Mount::Mounted)
            }
            StatusCode::ACCEPTED => Ok(Mount::Session(self.location(&res, &what)?)),
            status => {
                // A registry without mounts, or a source we may not read: upload instead.
                debug!("{what}: mount from {from} refused ({status})");
                Ok(Mount::Refused)
            }
        }
    }

    /// Opens an upload session; its URL.
    pub(super) async fn start_upload(&self, what: &str) -> Result<Url, RegistryError> {
        let url = self.url("blobs/uploads/")?;
        let req = self
            .request(Method::POST, url)
            .header(header::CONTENT_LENGTH, 0);
        let res = self.send(req, what).await?;
        if res.status() != StatusCode::ACCEPTED {
            return Err(self.status_error(res, what).await);
        }
        self.location(&res, what)
    }

    /// Best effort: ends an upload session that will not be used.
    pub(super) async fn cancel(&self, url: Url) {
        let res = self.request(Method::DELETE, url).send().await;
        if let Err(e) = res {
            debug!("{}: cancelling an unused upload: {e}", self.repo);
        }
    }

    /// Streams the blob from the store into `session` (a new one if none) with one PUT.
    async fn upload(
        &self,
        store: &Store,
        desc: &Descriptor,
        session: Option<Url>,
    ) -> Result<u64, RegistryError> {
        let digest = &desc.digest;
        let what = self.at(digest);
        let local = |source| RegistryError::LocalBlob {
            digest: digest.clone(),
            source,
        };
        let file = store.blobs().open(digest).map_err(local)?;
        let size = store.blobs().size(digest).map_err(local)?;
        if size != desc.size {
            return Err(RegistryError::Invalid(format!(
                "blob `{digest}` to push: the store holds {size} bytes, its descriptor says {}",
                desc.size
            )));
        }
        let mut url = match session {
            Some(url) => url,
            None => self.start_upload(&what).await?,
        };
        url.query_pairs_mut().append_pair("digest", digest.as_str());
        let body = reqwest::Body::wrap_stream(file_chunks(tokio::fs::File::from_std(file)));
        let req = self
            .request(Method::PUT, url)
            .header(header::CONTENT_LENGTH, size)
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(body);
        let res = self.send(req, &what).await?;
        if !res.status().is_success() {
            return Err(self.status_error(res, &what).await);
        }
        if !self.check_digest(&res, digest, &what)? && !self.has_blob(digest).await? {
            return Err(RegistryError::Registry {
                reference: what,
                host: self.host.clone(),
                message: "the upload was accepted but the blob is not there".into(),
            });
        }
        Ok(size)
    }

    /// PUTs a manifest under `target`'s tag (or pinned digest); checks the digest the registry
    /// reports.
    async fn put_manifest(
        &self,
        target: &Reference,
        media_type: &str,
        bytes: Bytes,
    ) -> Result<Digest, RegistryError> {
        let digest = Digest::of(&bytes);
        if let Some(pinned) = &target.digest
            && *pinned != digest.as_str()
        {
            return Err(RegistryError::Invalid(format!(
                "`{target}`: the manifest to push is `{digest}`, not the pinned digest"
            )));
        }
        let what = target.to_string();
        let name = match (&target.tag, &target.digest) {
            (Some(tag), _) => tag.clone(),
            (None, Some(pinned)) => pinned.clone(),
            (None, None) => "latest".into(),
        };
        let url = self.url(&format!("manifests/{name}"))?;
        let req = self
            .request(Method::PUT, url)
            .header(header::CONTENT_TYPE, media_type)
            .body(bytes);
        let res = self.send(req, &what).await?;
        if !res.status().is_success() {
            return Err(self.status_error(res, &what).await);
        }
        self.check_digest(&res, &digest, &what)?;
        Ok(digest)
    }

    /// `Docker-Content-Digest` of `res` against `expected`: `Ok(false)` when there is none.
    fn check_digest(
        &self,
        res: &Response,
        expected: &Digest,
        what: &str,
    ) -> Result<bool, RegistryError> {
        let Some(value) = res.headers().get("Docker-Content-Digest") else {
            return Ok(false);
        };
        let actual = String::from_utf8_lossy(value.as_bytes()).trim().to_string();
        if actual != expected.as_str() {
            return Err(RegistryError::PushDigestMismatch {
                location: what.to_string(),
                expected: expected.clone(),
                actual,
            });
        }
        Ok(true)
    }

    /// The `Location` of `res`, resolved against the registry's URL.
    fn location(&self, res: &Response, what: &str) -> Result<Url, RegistryError> {
        let location = res
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| RegistryError::Registry {
                reference: what.to_string(),
                host: self.host.clone(),
                message: format!("{} without a Location header", res.status()),
            })?;
        self.base
            .join(location)
            .map_err(|e| RegistryError::Registry {
                reference: what.to_string(),
                host: self.host.clone(),
                message: format!("invalid Location {location:?}: {e}"),
            })
    }
}

/// A manifest blob of the store, verified against its descriptor.
fn read_manifest(store: &Store, desc: &Descriptor) -> Result<Bytes, RegistryError> {
    let digest = &desc.digest;
    let local = |source| RegistryError::LocalBlob {
        digest: digest.clone(),
        source,
    };
    let file = store.blobs().open(digest).map_err(local)?;
    let mut bytes = Vec::new();
    file.take(MAX_MANIFEST_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| RegistryError::Io {
            location: store.blobs().path(digest).display().to_string(),
            source,
        })?;
    if bytes.len() as u64 > MAX_MANIFEST_SIZE {
        return Err(RegistryError::InvalidManifest {
            reference: digest.to_string(),
            message: format!("larger than {MAX_MANIFEST_SIZE} bytes"),
        });
    }
    let actual = Digest::of(&bytes);
    if actual != *digest {
        return Err(RegistryError::DigestMismatch {
            location: store.blobs().path(digest).display().to_string(),
            expected: digest.clone(),
            actual,
        });
    }
    Ok(Bytes::from(bytes))
}

/// The file as a stream of chunks, read as the request body is sent.
fn file_chunks(
    file: tokio::fs::File,
) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    futures_util::stream::try_unfold(file, |mut file| async move {
        let mut buf = vec![0u8; READ_CHUNK];
        let n = file.read(&mut buf).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.truncate(n);
        Ok(Some((Bytes::from(buf), file)))
    })
}
