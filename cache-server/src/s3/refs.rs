//! Tag references and repository links in the S3 bucket, so several stateless replicas serving
//! one bucket agree on what a tag points at and on which repository may read which blob. Same method names and meaning as the tag part of
//! [`crate::meta::Meta`] (`put_tag`, `get_tag`, `delete_tag`, `list_tags` with the distribution
//! API's `n` / `last`), async because every call is a request.
//!
//! Layout: one object per tag, `<prefix>repos/<repository>/tags/<tag>`, whose body is the manifest
//! digest (`sha256:<hex>`, no newline); one empty object per link of a blob or manifest to a
//! repository, `<prefix>repos/<repository>/links/<algorithm>/<hex>` (as distribution's
//! `_layers/.../link`), written when a replica links it and removed by a `DELETE` through any
//! replica (a blob is readable only where it is linked, across replicas too). Tag names (`[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`) and
//! repository names (lowercase path components) are valid key characters as they are, and S3
//! lists keys in lexical order, so a tag listing is one `ListObjectsV2` with `start-after`.
//!
//! Writes are compare-and-swap with S3 conditional writes:
//! - creating a tag is `PutObject` with `If-None-Match: *`;
//! - moving a tag is `PutObject` with `If-Match: <ETag read before>`;
//! - a 412 (another replica wrote in between) re-reads the tag and tries again, a bounded number
//!   of times; [`S3Refs::swap_tag`] exposes the single compare-and-swap for callers that must not
//!   overwrite a concurrent change.
//!
//! So no update is lost to a race and a reader always sees one whole digest. Manifests themselves
//! are content-addressed blobs in the blob store, so a replica that finds a tag here finds the
//! manifest in the bucket too. What stays per replica (in its redb) is derived data: access times
//! and byte counts for eviction and statistics.
//!
//! moto (the test peer) honours `If-None-Match: *` but ignores `If-Match` on `PutObject`; the
//! compare-and-swap of an existing tag is only enforced by real S3 (and servers that implement
//! it), which is why the tests only check races on creation.

use std::time::Duration;

use aws_sdk_s3::primitives::ByteStream;

use super::{Failure, S3BlobStore, classify};
use crate::blobs::{BlobError, Result};
use crate::meta::TagPage;

/// How many times `put_tag` re-reads and retries after losing a race.
const PUT_ATTEMPTS: usize = 8;

/// A tag's target and the version it was read at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRef {
    /// The manifest digest the tag points at.
    pub digest: String,
    /// The object's ETag, the version to compare against in [`S3Refs::swap_tag`].
    pub etag: String,
}

/// The outcome of a compare-and-swap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Swap {
    /// The tag now points at the new digest.
    Done,
    /// Another writer changed (or created) the tag first; nothing was written.
    Conflict,
}

/// Tag references in the bucket of an [`S3BlobStore`].
#[derive(Debug, Clone)]
pub struct S3Refs {
    store: S3BlobStore,
}

impl S3Refs {
    /// Tags kept next to the blobs of `store` (same client, bucket and prefix).
    pub fn new(store: S3BlobStore) -> Self {
        Self { store }
    }

    /// The object key of a tag: `<prefix>repos/<repository>/tags/<tag>`.
    pub fn key(&self, repository: &str, tag: &str) -> String {
        format!("{}{tag}", self.tags_prefix(repository))
    }

    fn tags_prefix(&self, repository: &str) -> String {
        format!("{}repos/{repository}/tags/", self.store.prefix())
    }

    /// The object key of the link of `digest` (`<algorithm>:<hex>`) to `repository`.
    pub fn link_key(&self, repository: &str, digest: &str) -> String {
        let path = digest.replacen(':', "/", 1);
        format!("{}repos/{repository}/links/{path}", self.store.prefix())
    }

    /// Records that `repository` links `digest` (idempotent).
    pub async fn put_link(&self, repository: &str, digest: &str) -> Result<()> {
        let key = self.link_key(repository, digest);
        self.store
            .client()
            .put_object()
            .bucket(self.store.bucket())
            .key(&key)
            .body(ByteStream::from_static(b""))
            .send()
            .await
            .map_err(|e| self.store.error("PutObject", &key, e))?;
        Ok(())
    }

    /// Whether `repository` links `digest` in the bucket.
    pub async fn has_link(&self, repository: &str, digest: &str) -> Result<bool> {
        let key = self.link_key(repository, digest);
        match self
            .store
            .client()
            .head_object()
            .bucket(self.store.bucket())
            .key(&key)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) if matches!(classify(&e), Failure::NotFound) => Ok(false),
            Err(e) => Err(self.store.error("HeadObject", &key, e)),
        }
    }

    /// Removes the link of `digest` to `repository`; returns whether it existed.
    pub async fn delete_link(&self, repository: &str, digest: &str) -> Result<bool> {
        if !self.has_link(repository, digest).await? {
            return Ok(false);
        }
        self.delete_key(&self.link_key(repository, digest)).await?;
        Ok(true)
    }

    /// Deletes the object `key` of the bucket.
    async fn delete_key(&self, key: &str) -> Result<()> {
        self.store
            .client()
            .delete_object()
            .bucket(self.store.bucket())
            .key(key)
            .send()
            .await
            .map_err(|e| self.store.error("DeleteObject", key, e))?;
        Ok(())
    }

    /// The tag's target and version, or `None` when there is no such tag.
    pub async fn read_tag(&self, repository: &str, tag: &str) -> Result<Option<TagRef>> {
        let key = self.key(repository, tag);
        let out = match self
            .store
            .client()
            .get_object()
            .bucket(self.store.bucket())
            .key(&key)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if matches!(classify(&e), Failure::NotFound) => return Ok(None),
            Err(e) => return Err(self.store.error("GetObject", &key, e)),
        };
        let etag = out.e_tag().unwrap_or_default().to_string();
        let body = out.body.collect().await.map_err(|e| BlobError::S3 {
            op: "GetObject",
            endpoint: self.store.endpoint.clone(),
            bucket: self.store.bucket().to_string(),
            key: key.clone(),
            message: e.to_string(),
        })?;
        let digest = String::from_utf8_lossy(&body.into_bytes())
            .trim()
            .to_string();
        Ok(Some(TagRef { digest, etag }))
    }

    /// The manifest digest `tag` of `repository` points at.
    pub async fn get_tag(&self, repository: &str, tag: &str) -> Result<Option<String>> {
        Ok(self.read_tag(repository, tag).await?.map(|r| r.digest))
    }

    /// Points `tag` at `digest` if the tag is still at version `expected` (`None`: if the tag
    /// does not exist yet).
    pub async fn swap_tag(
        &self,
        repository: &str,
        tag: &str,
        expected: Option<&TagRef>,
        digest: &str,
    ) -> Result<Swap> {
        let key = self.key(repository, tag);
        let mut request = self
            .store
            .client()
            .put_object()
            .bucket(self.store.bucket())
            .key(&key)
            .content_type("text/plain")
            .body(ByteStream::from(digest.as_bytes().to_vec()));
        request = match expected {
            None => request.if_none_match("*"),
            Some(current) => request.if_match(&current.etag),
        };
        match request.send().await {
            Ok(_) => Ok(Swap::Done),
            Err(e) => match classify(&e) {
                // 412: the version changed; 404 with If-Match: the tag was deleted meanwhile;
                // 409: a concurrent conditional write is in flight.
                Failure::PreconditionFailed | Failure::Conflict | Failure::NotFound => {
                    Ok(Swap::Conflict)
                }
                _ => Err(self.store.error("PutObject", &key, e)),
            },
        }
    }

    /// Points `tag` of `repository` at a manifest digest, whatever it pointed at (the last of
    /// racing writers wins, none is lost half-way).
    pub async fn put_tag(&self, repository: &str, tag: &str, digest: &str) -> Result<()> {
        for attempt in 0..PUT_ATTEMPTS {
            let current = self.read_tag(repository, tag).await?;
            if current.as_ref().is_some_and(|c| c.digest == digest) {
                return Ok(());
            }
            if self
                .swap_tag(repository, tag, current.as_ref(), digest)
                .await?
                == Swap::Done
            {
                return Ok(());
            }
            let backoff = 10u64 << attempt.min(6);
            tokio::time::sleep(Duration::from_millis(backoff)).await;
        }
        let key = self.key(repository, tag);
        Err(BlobError::S3 {
            op: "PutObject",
            endpoint: self.store.endpoint.clone(),
            bucket: self.store.bucket().to_string(),
            key,
            message: format!("the tag kept changing under {PUT_ATTEMPTS} attempts to set it"),
        })
    }

    /// Removes a tag; returns whether it existed.
    pub async fn delete_tag(&self, repository: &str, tag: &str) -> Result<bool> {
        if self.read_tag(repository, tag).await?.is_none() {
            return Ok(false);
        }
        self.delete_key(&self.key(repository, tag)).await?;
        Ok(true)
    }

    /// Tags of `repository` in lexical order, at most `n` (all when `None`), strictly after
    /// `last`.
    pub async fn list_tags(
        &self,
        repository: &str,
        n: Option<usize>,
        last: Option<&str>,
    ) -> Result<TagPage> {
        let prefix = self.tags_prefix(repository);
        let limit = n.unwrap_or(usize::MAX);
        let mut tags = Vec::new();
        let mut start_after = last.map(|l| format!("{prefix}{l}"));
        let mut token: Option<String> = None;
        loop {
            let page = self
                .store
                .client()
                .list_objects_v2()
                .bucket(self.store.bucket())
                .prefix(&prefix)
                .set_start_after(start_after.take())
                .set_continuation_token(token.take())
                .send()
                .await
                .map_err(|e| self.store.error("ListObjectsV2", &prefix, e))?;
            for key in page.contents().iter().filter_map(|o| o.key()) {
                let Some(tag) = key.strip_prefix(&prefix).filter(|t| !t.contains('/')) else {
                    continue;
                };
                if tags.len() == limit {
                    return Ok(TagPage { tags, more: true });
                }
                tags.push(tag.to_string());
            }
            match page.next_continuation_token() {
                Some(next) if page.is_truncated() == Some(true) => token = Some(next.to_string()),
                _ => return Ok(TagPage { tags, more: false }),
            }
        }
    }
}
