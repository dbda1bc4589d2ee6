//! Uploads of blobs from the local store, streamed from their files (never a whole blob in
//! memory): a single `PutObject` up to [`SINGLE_PUT_MAX`], else a multipart upload whose parts
//! ([`part_size`]: 8 MiB, more only past 80 GB to stay under S3's 10,000 parts) go up a few at a
//! time, each read from its file range (so the SDK can resend it on a retry). A failed multipart
//! upload is aborted, also when the export's future is dropped mid-way.

use rbuild_wire::s3::AbortGuard;
use std::path::Path;

use aws_sdk_s3::primitives::{ByteStream, Length};
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use futures_util::{StreamExt as _, TryStreamExt as _};

use super::super::error::RemoteError;
use super::Inner;

/// Blobs up to this size go up with one `PutObject`.
pub const SINGLE_PUT_MAX: u64 = 16 << 20;
/// The part size of multipart uploads of blobs up to 80 GB.
pub const PART_SIZE: u64 = 8 << 20;
/// S3's limit of parts per upload.
const MAX_PARTS: u64 = 10_000;

/// The part size for a blob of `total` bytes.
pub fn part_size(total: u64) -> u64 {
    PART_SIZE.max(total.div_ceil(MAX_PARTS))
}

/// One part: its number (from 1), offset and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// Part number, from 1.
    pub number: i32,
    /// Offset in the blob.
    pub offset: u64,
    /// Length in bytes.
    pub len: u64,
}

/// The parts of a blob of `total` bytes.
pub fn parts(total: u64) -> Vec<Part> {
    let size = part_size(total);
    let mut out = Vec::new();
    let mut offset = 0;
    while offset < total {
        let len = size.min(total - offset);
        out.push(Part {
            number: i32::try_from(out.len() + 1).unwrap_or(i32::MAX),
            offset,
            len,
        });
        offset += len;
    }
    out
}

fn content_length(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Inner {
    /// Uploads the file at `path` (`size` bytes) to `key`.
    pub(super) async fn put_file(
        &self,
        key: &str,
        path: &Path,
        size: u64,
    ) -> Result<(), RemoteError> {
        if size <= SINGLE_PUT_MAX {
            let body = self.file_body(path, 0, size).await?;
            self.client
                .put_object()
                .bucket(&self.bucket)
                .key(key)
                .content_length(content_length(size))
                .body(body)
                .send()
                .await
                .map_err(|e| self.error("PutObject", key, &e))?;
            self.meter.uploaded(size);
            return Ok(());
        }
        self.put_multipart(key, path, size).await
    }

    /// Uploads small bytes (an index document) to `key`.
    pub(super) async fn put_bytes(&self, key: &str, bytes: Vec<u8>) -> Result<(), RemoteError> {
        let size = bytes.len() as u64;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_length(content_length(size))
            .content_type("application/json")
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| self.error("PutObject", key, &e))?;
        self.meter.uploaded(size);
        Ok(())
    }

    async fn file_body(
        &self,
        path: &Path,
        offset: u64,
        len: u64,
    ) -> Result<ByteStream, RemoteError> {
        ByteStream::read_from()
            .path(path)
            .offset(offset)
            .length(Length::Exact(len))
            .build()
            .await
            .map_err(|e| {
                RemoteError::backend(
                    &self.name,
                    format!("reading {} for upload: {e}", path.display()),
                )
            })
    }

    async fn put_multipart(&self, key: &str, path: &Path, size: u64) -> Result<(), RemoteError> {
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| self.error("CreateMultipartUpload", key, &e))?;
        let Some(upload_id) = created.upload_id().map(str::to_string) else {
            return Err(RemoteError::backend(
                &self.name,
                format!("CreateMultipartUpload {key}: the answer has no upload id"),
            ));
        };
        let mut guard = AbortGuard::new(self.client.clone(), &self.bucket, key, &upload_id);
        let uploaded = futures_util::stream::iter(parts(size))
            .map(|part| self.upload_part(key, &upload_id, path, part))
            .buffer_unordered(self.options.part_concurrency.max(1))
            .try_collect::<Vec<CompletedPart>>()
            .await;
        let mut completed = match uploaded {
            Ok(parts) => parts,
            Err(e) => {
                guard.abort().await;
                return Err(e);
            }
        };
        completed.sort_by_key(|p| p.part_number());
        let result = self
            .client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(&upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(completed))
                    .build(),
            )
            .send()
            .await;
        match result {
            Ok(_) => {
                guard.disarm();
                Ok(())
            }
            Err(e) => {
                guard.abort().await;
                Err(self.error("CompleteMultipartUpload", key, &e))
            }
        }
    }

    async fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        path: &Path,
        part: Part,
    ) -> Result<CompletedPart, RemoteError> {
        let body = self.file_body(path, part.offset, part.len).await?;
        let out = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(part.number)
            .content_length(content_length(part.len))
            .body(body)
            .send()
            .await
            .map_err(|e| self.error("UploadPart", key, &e))?;
        self.meter.uploaded(part.len);
        Ok(CompletedPart::builder()
            .part_number(part.number)
            .set_e_tag(out.e_tag().map(str::to_string))
            .build())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_cover_the_blob_in_order() {
        assert!(parts(0).is_empty());
        let p = parts(PART_SIZE * 2 + 5);
        assert_eq!(
            p,
            vec![
                Part {
                    number: 1,
                    offset: 0,
                    len: PART_SIZE
                },
                Part {
                    number: 2,
                    offset: PART_SIZE,
                    len: PART_SIZE
                },
                Part {
                    number: 3,
                    offset: PART_SIZE * 2,
                    len: 5
                },
            ]
        );
        assert_eq!(parts(PART_SIZE * 3).len(), 3);
    }

    #[test]
    fn huge_blobs_stay_under_ten_thousand_parts() {
        let total = 200u64 << 30;
        let p = parts(total);
        assert!(p.len() as u64 <= MAX_PARTS, "{}", p.len());
        assert!(part_size(total) > PART_SIZE);
        assert_eq!(p.iter().map(|p| p.len).sum::<u64>(), total);
        assert_eq!(part_size(SINGLE_PUT_MAX + 1), PART_SIZE);
    }
}
