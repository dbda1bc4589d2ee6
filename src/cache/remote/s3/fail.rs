//! What an S3 SDK error means to the backend, and one line describing it for a
//! [`RemoteError`](super::super::RemoteError).

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};

/// The kinds of failure the backend treats differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The object is not there (`NoSuchKey`, or a 404 without a body, as `HeadObject` gets).
    NoSuchKey,
    /// The bucket is not there: never "no cache yet", always an error.
    NoSuchBucket,
    /// 416: a range starts at or past the object's end.
    InvalidRange,
    /// Anything else (the SDK retried what was worth retrying).
    Other,
}

/// Classifies an SDK error.
pub fn classify<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> Failure {
    let status = err.raw_response().map(|r| r.status().as_u16());
    let code = err.as_service_error().and_then(ProvideErrorMetadata::code);
    code_and_status(code, status)
}

fn code_and_status(code: Option<&str>, status: Option<u16>) -> Failure {
    match (code, status) {
        (Some("NoSuchBucket"), _) => Failure::NoSuchBucket,
        (Some("NoSuchKey" | "NotFound"), _) | (None, Some(404)) => Failure::NoSuchKey,
        (Some("InvalidRange"), _) | (_, Some(416)) => Failure::InvalidRange,
        (_, Some(404)) => Failure::NoSuchKey,
        _ => Failure::Other,
    }
}

/// One line for an SDK error: the status and S3 error code of a service error, else the chain of
/// causes (`dispatch failure: io error: ... Connection refused`).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_bucket_is_not_a_missing_key() {
        assert_eq!(
            code_and_status(Some("NoSuchBucket"), Some(404)),
            Failure::NoSuchBucket
        );
        assert_eq!(
            code_and_status(Some("NoSuchKey"), Some(404)),
            Failure::NoSuchKey
        );
        assert_eq!(code_and_status(None, Some(404)), Failure::NoSuchKey);
        assert_eq!(
            code_and_status(Some("InvalidRange"), Some(416)),
            Failure::InvalidRange
        );
        assert_eq!(
            code_and_status(Some("AccessDenied"), Some(403)),
            Failure::Other
        );
        assert_eq!(code_and_status(None, None), Failure::Other);
    }
}
