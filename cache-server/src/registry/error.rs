//! Errors of the distribution API and their HTTP form: the spec's error codes and statuses, with
//! the body `{"errors":[{"code":"BLOB_UNKNOWN","message":"...","detail":...}]}`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::blobs::BlobError;
use crate::meta::MetaError;

/// An error answered to a distribution API client.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The blob is not stored (or not in this repository).
    #[error("blob unknown to registry: {0}")]
    BlobUnknown(String),
    /// The upload is malformed (bad Content-Range, bad body).
    #[error("blob upload invalid: {0}")]
    BlobUploadInvalid(String),
    /// A chunk does not start where the upload ends.
    #[error("chunk out of order: upload has {have} bytes, chunk starts at {start}")]
    ChunkOutOfOrder {
        /// Bytes received so far.
        have: u64,
        /// Where the chunk claims to start.
        start: u64,
    },
    /// No upload session with this id in this repository.
    #[error("blob upload unknown: {0}")]
    BlobUploadUnknown(String),
    /// A digest is malformed or does not match the content.
    #[error("provided digest did not match uploaded content: {0}")]
    DigestInvalid(String),
    /// A manifest references a blob or manifest that is not stored.
    #[error("manifest references a blob unknown to registry: {0}")]
    ManifestBlobUnknown(String),
    /// The manifest does not parse or is too large.
    #[error("manifest invalid: {0}")]
    ManifestInvalid(String),
    /// No manifest with this tag or digest in this repository.
    #[error("manifest unknown: {0}")]
    ManifestUnknown(String),
    /// The repository name does not match the spec's grammar.
    #[error("invalid repository name: {0}")]
    NameInvalid(String),
    /// The repository does not exist.
    #[error("repository name not known to registry: {0}")]
    NameUnknown(String),
    /// A length or size parameter is wrong.
    #[error("provided length did not match content length: {0}")]
    SizeInvalid(String),
    /// A byte range of a blob GET that lies outside the blob.
    #[error("range not satisfiable for a blob of {size} bytes")]
    RangeNotSatisfiable {
        /// Size of the blob.
        size: u64,
    },
    /// The `n` parameter of a paginated list is not a number.
    #[error("invalid number of results requested: {0:?}")]
    PaginationInvalid(String),
    /// The path or method is not part of the API.
    #[error("the operation is unsupported: {0}")]
    Unsupported(String),
    /// No route.
    #[error("not found: {0}")]
    NotFound(String),
    /// The blob store failed.
    #[error("blob store: {0}")]
    Blob(#[from] BlobError),
    /// The metadata database failed.
    #[error("metadata: {0}")]
    Meta(#[from] MetaError),
    /// A filesystem operation on an upload failed.
    #[error("upload {op}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A blocking task panicked or was cancelled.
    #[error("internal task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

impl RegistryError {
    /// The spec's error code and the HTTP status.
    pub fn code_and_status(&self) -> (&'static str, StatusCode) {
        match self {
            Self::BlobUnknown(_) => ("BLOB_UNKNOWN", StatusCode::NOT_FOUND),
            Self::BlobUploadInvalid(_) => ("BLOB_UPLOAD_INVALID", StatusCode::BAD_REQUEST),
            Self::ChunkOutOfOrder { .. } => {
                ("BLOB_UPLOAD_INVALID", StatusCode::RANGE_NOT_SATISFIABLE)
            }
            Self::BlobUploadUnknown(_) => ("BLOB_UPLOAD_UNKNOWN", StatusCode::NOT_FOUND),
            Self::DigestInvalid(_) => ("DIGEST_INVALID", StatusCode::BAD_REQUEST),
            Self::ManifestBlobUnknown(_) => ("MANIFEST_BLOB_UNKNOWN", StatusCode::BAD_REQUEST),
            Self::ManifestInvalid(_) => ("MANIFEST_INVALID", StatusCode::BAD_REQUEST),
            Self::ManifestUnknown(_) => ("MANIFEST_UNKNOWN", StatusCode::NOT_FOUND),
            Self::NameInvalid(_) => ("NAME_INVALID", StatusCode::BAD_REQUEST),
            Self::NameUnknown(_) => ("NAME_UNKNOWN", StatusCode::NOT_FOUND),
            Self::SizeInvalid(_) => ("SIZE_INVALID", StatusCode::BAD_REQUEST),
            Self::RangeNotSatisfiable { .. } => {
                ("RANGE_INVALID", StatusCode::RANGE_NOT_SATISFIABLE)
            }
            Self::PaginationInvalid(_) => ("PAGINATION_NUMBER_INVALID", StatusCode::BAD_REQUEST),
            Self::Unsupported(_) => ("UNSUPPORTED", StatusCode::METHOD_NOT_ALLOWED),
            Self::NotFound(_) => ("NOT_FOUND", StatusCode::NOT_FOUND),
            Self::Blob(BlobError::DigestMismatch { .. } | BlobError::InvalidDigest(_)) => {
                ("DIGEST_INVALID", StatusCode::BAD_REQUEST)
            }
            Self::Blob(BlobError::NotFound(_)) => ("BLOB_UNKNOWN", StatusCode::NOT_FOUND),
            Self::Blob(BlobError::RangeNotSatisfiable { .. }) => {
                ("RANGE_INVALID", StatusCode::RANGE_NOT_SATISFIABLE)
            }
            Self::Blob(_) | Self::Meta(_) | Self::Io { .. } | Self::Task(_) => {
                ("UNKNOWN", StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }

    /// Wraps an I/O error of upload handling.
    pub fn io(op: &'static str) -> impl FnOnce(std::io::Error) -> Self {
        move |source| Self::Io { op, source }
    }
}

impl IntoResponse for RegistryError {
    fn into_response(self) -> Response {
        let (code, status) = self.code_and_status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        } else {
            tracing::debug!(error = %self, code, "request refused");
        }
        let body = serde_json::json!({
            "errors": [{ "code": code, "message": self.to_string(), "detail": serde_json::Value::Null }]
        });
        let mut response = (status, axum::Json(body)).into_response();
        let size = match &self {
            Self::RangeNotSatisfiable { size }
            | Self::Blob(BlobError::RangeNotSatisfiable { size, .. }) => Some(*size),
            _ => None,
        };
        if let Some(size) = size
            && let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}"))
        {
            response.headers_mut().insert(header::CONTENT_RANGE, value);
        }
        if let Self::ChunkOutOfOrder { have, .. } = &self
            && let Ok(value) = HeaderValue::from_str(&super::uploads::range_header(*have))
        {
            response.headers_mut().insert(header::RANGE, value);
        }
        response
    }
}

/// Result of distribution API handlers.
pub type Result<T> = std::result::Result<T, RegistryError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_the_spec() {
        let cases = [
            (RegistryError::BlobUnknown("x".into()), "BLOB_UNKNOWN", 404),
            (
                RegistryError::ChunkOutOfOrder { have: 3, start: 5 },
                "BLOB_UPLOAD_INVALID",
                416,
            ),
            (RegistryError::NameInvalid("A".into()), "NAME_INVALID", 400),
            (
                RegistryError::ManifestBlobUnknown("d".into()),
                "MANIFEST_BLOB_UNKNOWN",
                400,
            ),
            (
                RegistryError::Blob(BlobError::InvalidDigest("md5:x".into())),
                "DIGEST_INVALID",
                400,
            ),
        ];
        for (error, code, status) in cases {
            let (c, s) = error.code_and_status();
            assert_eq!((c, s.as_u16()), (code, status), "{error}");
        }
    }
}
