//! Blobs in an S3 bucket: [`S3BlobStore`] implements [`BlobStore`] with one object per blob at
//! `<prefix>blobs/sha256/<hex>`, so any number of replicas serving one bucket share every blob.
//!
//! A put never buffers more than one part ([`PART_SIZE`]) and never makes a partial or wrong
//! object visible:
//! - a body smaller than one part is hashed in memory and, when the digest matches, stored with
//!   one `PutObject`;
//! - a larger body goes up as a multipart upload straight to the final key, hashed part by part;
//!   `CompleteMultipartUpload` is sent only when the digest matches, `AbortMultipartUpload`
//!   otherwise and on any error (also when the put's future is dropped mid-way). Uploads a crash
//!   leaves open are aborted by [`S3BlobStore::sweep_uploads`].
//!
//! Both writes are conditional (`If-None-Match: *`): when two replicas race to store the same
//! blob, S3 keeps the first and answers 412 to the second, which is success (the content is the
//! same, it is content-addressed). A backend that rejects conditional writes with 501 Not
//! Implemented gets the same write again without the header, and no further conditional writes:
//! an unconditional overwrite of a content-addressed object writes identical bytes, so the only
//! cost is the duplicate upload. A multipart put first checks whether the blob is already stored
//! and then only hashes the rest of the body, uploading nothing.
//!
//! Reads are `GetObject` with a `Range` header, streamed; `stat` is `HeadObject`; `list` pages
//! through `ListObjectsV2`. Every failure maps to [`BlobError::S3`] naming the operation, the
//! endpoint, the bucket and the key.
//!
//! Tag references for stateless replicas (objects next to the blobs, written with conditional
//! writes) live in [`refs`].

pub mod refs;

use std::ops::Range;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use bytes::Bytes;
use sha2::{Digest as _, Sha256};
use tokio::io::{AsyncRead, AsyncReadExt};

use rbuild_wire::s3::{AbortGuard, Failure, describe};

use crate::blobs::{BlobError, BlobStore, Digest, Result};
use crate::config::S3Config;

/// Size of one part of a multipart put, and the most a put holds in memory.
pub const PART_SIZE: usize = 8 * 1024 * 1024;

/// Region used when neither the configuration nor the AWS environment names one.
const FALLBACK_REGION: &str = "us-east-1";

/// How long a connection attempt may take before the request fails (then retried by the SDK).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Reader of an S3 object's bytes.
pub type S3Reader = Pin<Box<dyn AsyncRead + Send>>;

/// Blobs in an S3 bucket (or an S3-compatible server: MinIO, moto).
#[derive(Clone)]
pub struct S3BlobStore {
    client: Client,
    bucket: String,
    prefix: String,
    endpoint: String,
    /// Cleared when the backend answered 501 to `If-None-Match`; shared by clones.
    conditional: Arc<AtomicBool>,
}

impl std::fmt::Debug for S3BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3BlobStore")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

/// What an S3 error means to the store ([`rbuild_wire::s3::classify`]); a missing bucket
/// counts as a missing object here (the bucket is checked once at start-up).
fn classify<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Failure {
    match rbuild_wire::s3::classify(err) {
        Failure::NoSuchBucket => Failure::NotFound,
        other => other,
    }
}

impl S3BlobStore {
    /// Connects to the bucket `config` names, with credentials from the AWS environment (the
    /// SDK's default chain: environment variables, profile files, web identity, ECS/EC2 roles),
    /// and checks that the bucket answers (`HeadBucket`).
    pub async fn connect(config: &S3Config) -> Result<Self> {
        let loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        Self::connect_with(config, loader).await
    }

    /// Like [`S3BlobStore::connect`] from a caller-prepared SDK configuration loader (explicit
    /// credentials, say); the region and endpoint of `config` override the loader's.
    pub async fn connect_with(config: &S3Config, loader: aws_config::ConfigLoader) -> Result<Self> {
        let mut loader = loader.timeout_config(
            aws_config::timeout::TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .build(),
        );
        if let Some(region) = &config.region {
            loader = loader.region(aws_config::Region::new(region.clone()));
        }
        if let Some(endpoint) = &config.endpoint {
            loader = loader.endpoint_url(endpoint.clone());
        }
        let sdk = loader.load().await;
        let mut builder = aws_sdk_s3::config::Builder::from(&sdk);
        if sdk.region().is_none() {
            builder = builder.region(aws_config::Region::new(FALLBACK_REGION));
        }
        if config.endpoint.is_some() {
            // S3-compatible servers rarely serve virtual-host buckets or the newer checksums.
            builder = builder
                .force_path_style(true)
                .request_checksum_calculation(
                    aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired,
                )
                .response_checksum_validation(
                    aws_sdk_s3::config::ResponseChecksumValidation::WhenRequired,
                );
        }
        let store = Self::new(
            Client::from_conf(builder.build()),
            &config.bucket,
            &config.prefix,
            config.endpoint.as_deref(),
        );
        store.check_bucket().await?;
        Ok(store)
    }

    /// A store over an existing client. A non-empty `prefix` gets a trailing `/` when it lacks
    /// one; `endpoint` is only used in error messages.
    pub fn new(client: Client, bucket: &str, prefix: &str, endpoint: Option<&str>) -> Self {
        let mut prefix = prefix.to_string();
        if !prefix.is_empty() && !prefix.ends_with('/') {
            prefix.push('/');
        }
        Self {
            client,
            bucket: bucket.to_string(),
            prefix,
            endpoint: endpoint.unwrap_or("AWS default").to_string(),
            conditional: Arc::new(AtomicBool::new(true)),
        }
    }

    /// The SDK client, for modules that keep other objects in the same bucket ([`refs`]).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The key prefix, empty or ending in `/`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The object key of a blob: `<prefix>blobs/sha256/<hex>`.
    pub fn key(&self, digest: &Digest) -> String {
        format!("{}blobs/sha256/{}", self.prefix, digest.hex())
    }

    fn blobs_prefix(&self) -> String {
        format!("{}blobs/sha256/", self.prefix)
    }

    /// A [`BlobError::S3`] for `op` on `key`.
    pub fn error<E>(&self, op: &'static str, key: &str, err: SdkError<E, HttpResponse>) -> BlobError
    where
        E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
    {
        BlobError::S3 {
            op,
            endpoint: self.endpoint.clone(),
            bucket: self.bucket.clone(),
            key: key.to_string(),
            message: describe(&err),
        }
    }

    async fn check_bucket(&self) -> Result<()> {
        self.client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map_err(|e| self.error("HeadBucket", "", e))?;
        Ok(())
    }

    /// Aborts multipart uploads under `<prefix>blobs/` started more than `older_than` ago (puts a
    /// crashed replica left open); returns how many were aborted. Uploads of puts still running
    /// on other replicas are younger than any sensible cutoff (an hour or more).
    pub async fn sweep_uploads(&self, older_than: Duration) -> Result<usize> {
        let prefix = format!("{}blobs/", self.prefix);
        let cutoff = SystemTime::now()
            .checked_sub(older_than)
            .unwrap_or(SystemTime::UNIX_EPOCH)
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut aborted = 0;
        let mut key_marker: Option<String> = None;
        let mut upload_marker: Option<String> = None;
        loop {
            let page = self
                .client
                .list_multipart_uploads()
                .bucket(&self.bucket)
                .prefix(&prefix)
                .set_key_marker(key_marker.clone())
                .set_upload_id_marker(upload_marker.clone())
                .send()
                .await
                .map_err(|e| self.error("ListMultipartUploads", &prefix, e))?;
            for upload in page.uploads() {
                let (Some(key), Some(id)) = (upload.key(), upload.upload_id()) else {
                    continue;
                };
                // An upload without a start time is treated as old: nothing else can clear it.
                let started = upload.initiated().map_or(0, |t| t.secs());
                if u64::try_from(started).unwrap_or(0) > cutoff {
                    continue;
                }
                match self
                    .client
                    .abort_multipart_upload()
                    .bucket(&self.bucket)
                    .key(key)
                    .upload_id(id)
                    .send()
                    .await
                {
                    Ok(_) => aborted += 1,
                    // Completed or aborted meanwhile by another replica.
                    Err(e) if matches!(classify(&e), Failure::NotFound) => {}
                    Err(e) => return Err(self.error("AbortMultipartUpload", key, e)),
                }
                tracing::info!(key, upload_id = id, "aborted a stale multipart upload");
            }
            let next = (
                page.next_key_marker().map(str::to_string),
                page.next_upload_id_marker().map(str::to_string),
            );
            if page.is_truncated() != Some(true) || next == (key_marker.clone(), upload_marker) {
                break;
            }
            (key_marker, upload_marker) = next;
        }
        Ok(aborted)
    }

    /// One `PutObject` of a small body, conditional unless the backend refused conditions.
    async fn put_small(&self, key: &str, data: Bytes) -> Result<()> {
        loop {
            let conditional = self.conditional.load(Ordering::Relaxed);
            let mut request = self
                .client
                .put_object()
                .bucket(&self.bucket)
                .key(key)
                .content_length(i64::try_from(data.len()).unwrap_or(i64::MAX))
                .body(ByteStream::from(data.clone()));
            if conditional {
                request = request.if_none_match("*");
            }
            return match request.send().await {
                Ok(_) => Ok(()),
                Err(e) => match classify(&e) {
                    // Someone stored this content-addressed blob first.
                    Failure::PreconditionFailed => Ok(()),
                    Failure::Conflict => self.stored_by_other(key, e, "PutObject").await,
                    Failure::NotImplemented if conditional => {
                        self.refuse_conditions(key);
                        continue;
                    }
                    _ => Err(self.error("PutObject", key, e)),
                },
            };
        }
    }

    fn refuse_conditions(&self, key: &str) {
        tracing::warn!(
            bucket = self.bucket,
            key,
            "the S3 backend does not implement If-None-Match; writing unconditionally"
        );
        self.conditional.store(false, Ordering::Relaxed);
    }

    /// After a 409 (a concurrent conditional write won the race): fine if the object is there.
    async fn stored_by_other<E>(
        &self,
        key: &str,
        err: SdkError<E, HttpResponse>,
        op: &'static str,
    ) -> Result<()>
    where
        E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
    {
        if self.head(key).await?.is_some() {
            Ok(())
        } else {
            Err(self.error(op, key, err))
        }
    }

    async fn head(&self, key: &str) -> Result<Option<u64>> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => Ok(Some(
                out.content_length()
                    .and_then(|n| u64::try_from(n).ok())
                    .unwrap_or(0),
            )),
            Err(e) if matches!(classify(&e), Failure::NotFound) => Ok(None),
            Err(e) => Err(self.error("HeadObject", key, e)),
        }
    }

    /// The multipart path: `first` is a full part and the body has more (or exactly nothing
    /// more). Returns the digest and size of everything read.
    async fn put_multipart<R: AsyncRead + Send + Unpin>(
        &self,
        key: &str,
        expected: &Digest,
        first: Vec<u8>,
        body: &mut R,
    ) -> Result<u64> {
        let mut hasher = Sha256::new();
        hasher.update(&first);
        let mut size = first.len() as u64;
        if self.head(key).await?.is_some() {
            // Already stored: verify the body without uploading it again.
            let mut buf = first;
            loop {
                buf.clear();
                let eof = fill(body, &mut buf, key).await?;
                hasher.update(&buf);
                size += buf.len() as u64;
                if eof {
                    break;
                }
            }
            return check(expected, hasher).map(|()| size);
        }
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| self.error("CreateMultipartUpload", key, e))?;
        let Some(upload_id) = created.upload_id().map(str::to_string) else {
            return Err(BlobError::S3 {
                op: "CreateMultipartUpload",
                endpoint: self.endpoint.clone(),
                bucket: self.bucket.clone(),
                key: key.to_string(),
                message: "the response has no upload id".to_string(),
            });
        };
        let mut guard = AbortGuard::new(self.client.clone(), &self.bucket, key, &upload_id);
        let mut parts = Vec::new();
        let mut part = Bytes::from(first);
        let mut last = false;
        loop {
            let number = i32::try_from(parts.len() + 1).unwrap_or(i32::MAX);
            let uploaded = self
                .client
                .upload_part()
                .bucket(&self.bucket)
                .key(key)
                .upload_id(&upload_id)
                .part_number(number)
                .content_length(i64::try_from(part.len()).unwrap_or(i64::MAX))
                .body(ByteStream::from(part))
                .send()
                .await;
            let uploaded = match uploaded {
                Ok(out) => out,
                Err(e) => {
                    guard.abort().await;
                    return Err(self.error("UploadPart", key, e));
                }
            };
            parts.push(
                CompletedPart::builder()
                    .part_number(number)
                    .set_e_tag(uploaded.e_tag().map(str::to_string))
                    .build(),
            );
            if last {
                break;
            }
            let mut buf = Vec::with_capacity(PART_SIZE);
            last = match fill(body, &mut buf, key).await {
                Ok(eof) => eof,
                Err(e) => {
                    guard.abort().await;
                    return Err(e);
                }
            };
            if buf.is_empty() {
                break;
            }
            hasher.update(&buf);
            size += buf.len() as u64;
            part = Bytes::from(buf);
        }
        if let Err(e) = check(expected, hasher) {
            guard.abort().await;
            return Err(e);
        }
        let completed = CompletedMultipartUpload::builder()
            .set_parts(Some(parts))
            .build();
        loop {
            let conditional = self.conditional.load(Ordering::Relaxed);
            let mut request = self
                .client
                .complete_multipart_upload()
                .bucket(&self.bucket)
                .key(key)
                .upload_id(&upload_id)
                .multipart_upload(completed.clone());
            if conditional {
                request = request.if_none_match("*");
            }
            let result = match request.send().await {
                Ok(_) => {
                    guard.disarm();
                    Ok(size)
                }
                Err(e) => match classify(&e) {
                    Failure::PreconditionFailed => {
                        guard.abort().await;
                        Ok(size)
                    }
                    Failure::Conflict => {
                        guard.abort().await;
                        self.stored_by_other(key, e, "CompleteMultipartUpload")
                            .await
                            .map(|()| size)
                    }
                    Failure::NotImplemented if conditional => {
                        self.refuse_conditions(key);
                        continue;
                    }
                    _ => {
                        guard.abort().await;
                        Err(self.error("CompleteMultipartUpload", key, e))
                    }
                },
            };
            return result;
        }
    }
}

/// Reads `body` into `buf` until it holds [`PART_SIZE`] bytes or the body ends; returns whether
/// the body ended.
async fn fill<R: AsyncRead + Unpin>(body: &mut R, buf: &mut Vec<u8>, key: &str) -> Result<bool> {
    while buf.len() < PART_SIZE {
        let want = (PART_SIZE - buf.len()) as u64;
        let n = (&mut *body)
            .take(want)
            .read_to_end(buf)
            .await
            .map_err(|source| BlobError::Io {
                op: "read body for",
                path: key.into(),
                source,
            })?;
        if n == 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

fn check(expected: &Digest, hasher: Sha256) -> Result<()> {
    let actual = Digest::from_sha256(hasher.finalize().into());
    if &actual == expected {
        Ok(())
    } else {
        Err(BlobError::DigestMismatch {
            expected: expected.clone(),
            actual,
        })
    }
}

impl BlobStore for S3BlobStore {
    type Reader = S3Reader;

    async fn stat(&self, digest: &Digest) -> Result<Option<u64>> {
        self.head(&self.key(digest)).await
    }

    async fn put<R: AsyncRead + Send + Unpin>(
        &self,
        expected: &Digest,
        mut body: R,
    ) -> Result<u64> {
        let key = self.key(expected);
        let mut buf = Vec::with_capacity(PART_SIZE);
        if fill(&mut body, &mut buf, &key).await? {
            let size = buf.len() as u64;
            check(expected, Sha256::new_with_prefix(&buf))?;
            self.put_small(&key, Bytes::from(buf)).await?;
            return Ok(size);
        }
        self.put_multipart(&key, expected, buf, &mut body).await
    }

    async fn open(&self, digest: &Digest, range: Option<Range<u64>>) -> Result<(S3Reader, u64)> {
        let key = self.key(digest);
        if let Some(Range { start, end }) = range.clone()
            && start >= end
        {
            // HTTP cannot ask for zero bytes: check the range against the size instead.
            let size = self
                .head(&key)
                .await?
                .ok_or_else(|| BlobError::NotFound(digest.clone()))?;
            if start > end || end > size {
                return Err(BlobError::RangeNotSatisfiable { start, end, size });
            }
            return Ok((Box::pin(tokio::io::empty()), 0));
        }
        let mut request = self.client.get_object().bucket(&self.bucket).key(&key);
        if let Some(Range { start, end }) = &range {
            request = request.range(format!("bytes={start}-{}", end - 1));
        }
        let out = match request.send().await {
            Ok(out) => out,
            Err(e) => {
                return Err(match classify(&e) {
                    Failure::NotFound => BlobError::NotFound(digest.clone()),
                    Failure::InvalidRange => match (self.head(&key).await?, range) {
                        (Some(size), Some(Range { start, end })) => {
                            BlobError::RangeNotSatisfiable { start, end, size }
                        }
                        (None, _) => BlobError::NotFound(digest.clone()),
                        _ => self.error("GetObject", &key, e),
                    },
                    _ => self.error("GetObject", &key, e),
                });
            }
        };
        let len = out
            .content_length()
            .and_then(|n| u64::try_from(n).ok())
            .unwrap_or(0);
        if let Some(Range { start, end }) = range {
            // S3 shortens a range that runs past the end; the store's contract refuses it.
            if len != end - start {
                let size = out
                    .content_range()
                    .and_then(|r| r.rsplit('/').next())
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(start + len);
                return Err(BlobError::RangeNotSatisfiable { start, end, size });
            }
        }
        Ok((Box::pin(out.body.into_async_read()), len))
    }

    async fn delete(&self, digest: &Digest) -> Result<bool> {
        let key = self.key(digest);
        // DeleteObject answers the same whether the key existed: ask first.
        if self.head(&key).await?.is_none() {
            return Ok(false);
        }
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(&key)
            .send()
            .await
            .map_err(|e| self.error("DeleteObject", &key, e))?;
        Ok(true)
    }

    async fn list(&self) -> Result<Vec<(Digest, u64)>> {
        let prefix = self.blobs_prefix();
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(&prefix)
            .into_paginator()
            .send();
        let mut out = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| self.error("ListObjectsV2", &prefix, e))?;
            for object in page.contents() {
                let Some(hex) = object.key().and_then(|k| k.strip_prefix(&prefix)) else {
                    continue;
                };
                let Some(digest) = Digest::parse(&format!("sha256:{hex}")) else {
                    continue;
                };
                let size = object
                    .size()
                    .and_then(|n| u64::try_from(n).ok())
                    .unwrap_or(0);
                out.push((digest, size));
            }
        }
        out.sort();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offline(prefix: &str) -> S3BlobStore {
        let config = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .build();
        S3BlobStore::new(Client::from_conf(config), "bucket", prefix, None)
    }

    #[test]
    fn keys_get_a_slash_after_a_non_empty_prefix() {
        let digest = Digest::of(b"x");
        let hex = digest.hex().to_string();
        assert_eq!(offline("").key(&digest), format!("blobs/sha256/{hex}"));
        assert_eq!(
            offline("a/b").key(&digest),
            format!("a/b/blobs/sha256/{hex}")
        );
        assert_eq!(
            offline("a/b/").key(&digest),
            format!("a/b/blobs/sha256/{hex}")
        );
        assert_eq!(offline("").endpoint, "AWS default");
    }

    #[tokio::test]
    async fn fill_stops_at_one_part_and_reports_the_end() {
        let body = vec![7u8; PART_SIZE + 3];
        let mut reader = &body[..];
        let mut buf = Vec::new();
        assert!(!fill(&mut reader, &mut buf, "k").await.unwrap());
        assert_eq!(buf.len(), PART_SIZE);
        buf.clear();
        assert!(fill(&mut reader, &mut buf, "k").await.unwrap());
        assert_eq!(buf.len(), 3);

        // Exactly one part: full, and the end only shows on the next read.
        let body = vec![1u8; PART_SIZE];
        let mut reader = &body[..];
        let mut buf = Vec::new();
        assert!(!fill(&mut reader, &mut buf, "k").await.unwrap());
        buf.clear();
        assert!(fill(&mut reader, &mut buf, "k").await.unwrap());
        assert!(buf.is_empty());
    }

    #[test]
    fn check_names_both_digests() {
        let expected = Digest::of(b"a");
        assert!(check(&expected, Sha256::new_with_prefix(b"a")).is_ok());
        match check(&expected, Sha256::new_with_prefix(b"b")) {
            Err(BlobError::DigestMismatch {
                expected: e,
                actual,
            }) => {
                assert_eq!(e, expected);
                assert_eq!(actual, Digest::of(b"b"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
