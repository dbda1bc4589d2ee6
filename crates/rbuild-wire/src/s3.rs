//! What both binaries need of S3 beyond the SDK (feature `s3`): what an error means
//! ([`classify`]), one line describing it ([`describe`]), and the guard that aborts a multipart
//! upload whoever drops it ([`AbortGuard`]). The builder's `type=s3` cache and the cache
//! server's S3 store used to carry one copy each.

use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};

/// The kinds of S3 failure a caller treats differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The object is not there (`NoSuchKey`, `NotFound`, or a 404 without a body, as
    /// `HeadObject` gets).
    NotFound,
    /// The bucket is not there (`NoSuchBucket`).
    NoSuchBucket,
    /// 412: a conditional write found the object already there.
    PreconditionFailed,
    /// 409: a concurrent conditional write to the same key is in progress.
    Conflict,
    /// 501: the store does not implement a header that was sent.
    NotImplemented,
    /// 416: a range starts at or past the object's end.
    InvalidRange,
    /// Anything else (the SDK retried what was worth retrying).
    Other,
}

/// Classifies an SDK error by its S3 error code, else its HTTP status.
pub fn classify<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Failure {
    let status = err.raw_response().map(|r| r.status().as_u16());
    let code = err.as_service_error().and_then(ProvideErrorMetadata::code);
    classify_parts(code, status)
}

/// [`classify`] on the error's parts: the S3 error code decides, else the HTTP status.
pub fn classify_parts(code: Option<&str>, status: Option<u16>) -> Failure {
    match (code, status) {
        (Some("NoSuchBucket"), _) => Failure::NoSuchBucket,
        (Some("NoSuchKey" | "NotFound"), _) => Failure::NotFound,
        (Some("PreconditionFailed"), _) | (_, Some(412)) => Failure::PreconditionFailed,
        (Some("ConditionalRequestConflict"), _) | (_, Some(409)) => Failure::Conflict,
        (Some("NotImplemented"), _) | (_, Some(501)) => Failure::NotImplemented,
        (Some("InvalidRange"), _) | (_, Some(416)) => Failure::InvalidRange,
        (_, Some(404)) => Failure::NotFound,
        _ => Failure::Other,
    }
}

/// One line for an SDK error: the status and S3 error code of a service error, else the chain
/// of causes (`dispatch failure: io error: ... Connection refused`).
pub fn describe<E>(err: &SdkError<E, HttpResponse>) -> String
where
    E: std::error::Error + ProvideErrorMetadata + 'static,
{
    if let Some(service) = err.as_service_error() {
        let status = err
            .raw_response()
            .map(|r| format!("HTTP {} ", r.status().as_u16()))
            .unwrap_or_default();
        let code = service.code().unwrap_or("error");
        return match service.message() {
            Some(message) => format!("{status}{code}: {message}"),
            None => format!("{status}{code}"),
        };
    }
    let mut out = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = cause.source();
    }
    out
}

/// Aborts a multipart upload unless disarmed: explicitly on the error paths ([`Self::abort`]),
/// and from a spawned task when the upload's future is dropped mid-way (a cancelled export, a
/// client that disconnected). An upload that could not be aborted is left to the bucket's
/// `AbortIncompleteMultipartUpload` lifecycle rule (and the cache server's sweep).
#[derive(Debug)]
pub struct AbortGuard {
    client: Option<Client>,
    bucket: String,
    key: String,
    upload_id: String,
}

impl AbortGuard {
    /// A guard of upload `upload_id` of `key` in `bucket`.
    pub fn new(client: Client, bucket: &str, key: &str, upload_id: &str) -> Self {
        Self {
            client: Some(client),
            bucket: bucket.to_string(),
            key: key.to_string(),
            upload_id: upload_id.to_string(),
        }
    }

    /// The upload completed: nothing to abort.
    pub fn disarm(&mut self) {
        self.client = None;
    }

    /// Aborts the upload now (once).
    pub async fn abort(&mut self) {
        if let Some(client) = self.client.take() {
            abort(
                client,
                self.bucket.clone(),
                self.key.clone(),
                self.upload_id.clone(),
            )
            .await;
        }
    }
}

impl Drop for AbortGuard {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else {
            return;
        };
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(abort(
                client,
                self.bucket.clone(),
                self.key.clone(),
                self.upload_id.clone(),
            ));
        }
    }
}

/// Aborts one multipart upload; a failure is only logged.
async fn abort(client: Client, bucket: String, key: String, upload_id: String) {
    if let Err(e) = client
        .abort_multipart_upload()
        .bucket(&bucket)
        .key(&key)
        .upload_id(&upload_id)
        .send()
        .await
    {
        tracing::warn!(
            "could not abort the multipart upload {upload_id} of s3://{bucket}/{key}: {}",
            describe(&e)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_error_code_decides_before_the_status() {
        assert_eq!(
            classify_parts(Some("NoSuchBucket"), Some(404)),
            Failure::NoSuchBucket
        );
        assert_eq!(
            classify_parts(Some("NoSuchKey"), Some(404)),
            Failure::NotFound
        );
        assert_eq!(classify_parts(None, Some(404)), Failure::NotFound);
        assert_eq!(
            classify_parts(Some("InvalidRange"), Some(416)),
            Failure::InvalidRange
        );
        assert_eq!(
            classify_parts(Some("PreconditionFailed"), Some(412)),
            Failure::PreconditionFailed
        );
        assert_eq!(classify_parts(None, Some(409)), Failure::Conflict);
        assert_eq!(
            classify_parts(Some("NotImplemented"), Some(501)),
            Failure::NotImplemented
        );
        assert_eq!(
            classify_parts(Some("AccessDenied"), Some(403)),
            Failure::Other
        );
        assert_eq!(classify_parts(None, None), Failure::Other);
    }
}
