//! The registry client's one error type: every variant names what it was about (a reference, a
//! host, a digest) so a message alone tells the user where to look.

use crate::digest::Digest;
use crate::store::StoreError;
use oci_client::errors::{OciDistributionError, OciErrorCode};

/// Why a registry operation failed.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The registry could not be reached at all (DNS, connection refused, TLS).
    #[error("registry `{host}` is unreachable: {message}")]
    Unreachable {
        /// The registry host (`127.0.0.1:5000`, `registry-1.docker.io`).
        host: String,
        /// What the connection attempt said.
        message: String,
    },
    /// The tag, digest or repository does not exist.
    #[error("`{reference}`: not found in registry `{host}` (no such repository, tag or digest)")]
    NotFound {
        /// What was asked for (`host/repo:tag`, `host/repo@digest`).
        reference: String,
        /// The registry host.
        host: String,
    },
    /// The registry refused the credentials (or anonymous access).
    #[error(
        "`{reference}`: not authorized by registry `{host}` (log in, or check the credentials for `{host}`)"
    )]
    Unauthorized {
        /// What was asked for.
        reference: String,
        /// The registry host.
        host: String,
    },
    /// An image index has no manifest for the requested platform.
    #[error("`{reference}`: no image for platform `{platform}`; available: {}", .available.join(", "))]
    PlatformNotFound {
        /// The image reference.
        reference: String,
        /// The platform asked for.
        platform: String,
        /// The platforms the index lists.
        available: Vec<String>,
    },
    /// Downloaded content does not hash to the digest it was asked for by.
    #[error("`{location}`: digest mismatch: expected `{expected}`, got `{actual}`")]
    DigestMismatch {
        /// The blob or manifest (`host/repo@digest`).
        location: String,
        /// The digest asked for.
        expected: Digest,
        /// The digest of what arrived.
        actual: Digest,
    },
    /// The body ended before the announced length.
    #[error("`{location}`: download cut short after {received} of {expected} bytes")]
    Truncated {
        /// The blob (`host/repo@digest`).
        location: String,
        /// Bytes received (including a resumed prefix).
        received: u64,
        /// Bytes announced.
        expected: u64,
    },
    /// A document (manifest, index, config) is larger than rbuild reads: refused before or
    /// while reading it, never held whole.
    #[error("`{location}`: {what} larger than {limit} bytes ({announced}); refused")]
    TooLarge {
        /// What was asked for (`host/repo:tag`, `host/repo@digest`).
        location: String,
        /// What kind of document (`manifest`, `image config`).
        what: &'static str,
        /// The limit.
        limit: u64,
        /// What the registry announced, or how much arrived before the read stopped.
        announced: String,
    },
    /// A manifest could not be understood.
    #[error("`{reference}`: invalid manifest: {message}")]
    InvalidManifest {
        /// The manifest's reference.
        reference: String,
        /// What is wrong.
        message: String,
    },
    /// The registry answered with an error this client does not classify further.
    #[error("`{reference}`: registry `{host}` failed: {message}")]
    Registry {
        /// What was asked for.
        reference: String,
        /// The registry host.
        host: String,
        /// The registry's error.
        message: String,
    },
    /// Writing downloaded bytes (or reading a resumed prefix) failed.
    #[error("`{location}`: local I/O failed: {source}")]
    Io {
        /// The blob (`host/repo@digest`).
        location: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The docker config file (`config.json`) could not be read.
    #[error("docker config `{path}`: {message}")]
    DockerConfig {
        /// Its path.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A credential helper failed.
    #[error("credential helper `docker-credential-{helper}` for `{host}`: {message}")]
    CredentialHelper {
        /// The helper's name (`ecr-login`, `pass`, ...).
        helper: String,
        /// The registry asked about.
        host: String,
        /// What went wrong.
        message: String,
    },
    /// ECR's `GetAuthorizationToken` failed (no AWS credentials, access denied, ...).
    #[error(
        "ECR credentials for account `{account}` in `{region}` (GetAuthorizationToken): {message}"
    )]
    Ecr {
        /// The registry's AWS account id.
        account: String,
        /// Its region.
        region: String,
        /// What went wrong (the SDK's error and its causes).
        message: String,
    },
    /// The registry reports a digest for pushed content (a blob or a manifest) other than the
    /// digest of what was sent: it rewrote or corrupted it, and the image would not be the one
    /// built.
    #[error(
        "`{location}`: the registry reports digest `{actual}` for what was pushed as `{expected}`"
    )]
    PushDigestMismatch {
        /// What was pushed (`host/repo@digest`, `host/repo:tag`).
        location: String,
        /// The digest of the bytes sent.
        expected: Digest,
        /// What the registry's `Docker-Content-Digest` header said.
        actual: String,
    },
    /// A blob to push is missing from the local store or cannot be read.
    #[error("blob `{digest}` to push: {source}")]
    LocalBlob {
        /// The blob.
        digest: Digest,
        /// The store's error (it names the path).
        #[source]
        source: StoreError,
    },
    /// An argument that is not a valid reference or host.
    #[error("{0}")]
    Invalid(String),
    /// The async runtime for a synchronous caller could not be started.
    #[error("cannot start the registry client's runtime: {0}")]
    Runtime(#[source] std::io::Error),
}

/// Classifies an error of `oci-client` for a request about `reference` on `host`.
pub(crate) fn classify(err: OciDistributionError, reference: &str, host: &str) -> RegistryError {
    let reference = reference.to_string();
    let host = host.to_string();
    match err {
        OciDistributionError::RequestError(e) if e.is_connect() || e.is_timeout() => {
            RegistryError::Unreachable {
                host,
                message: error_chain(&e),
            }
        }
        OciDistributionError::UnauthorizedError { .. }
        | OciDistributionError::AuthenticationFailure(_) => {
            RegistryError::Unauthorized { reference, host }
        }
        OciDistributionError::ImageManifestNotFoundError(_) => {
            RegistryError::NotFound { reference, host }
        }
        OciDistributionError::ServerError { code: 404, .. } => {
            RegistryError::NotFound { reference, host }
        }
        OciDistributionError::ServerError {
            code: 401 | 403, ..
        } => RegistryError::Unauthorized { reference, host },
        OciDistributionError::RegistryError { envelope, url } => {
            let not_found = envelope.errors.iter().any(|e| {
                matches!(
                    e.code,
                    OciErrorCode::ManifestUnknown
                        | OciErrorCode::NameUnknown
                        | OciErrorCode::BlobUnknown
                )
            });
            let denied = envelope
                .errors
                .iter()
                .any(|e| matches!(e.code, OciErrorCode::Unauthorized | OciErrorCode::Denied));
            if not_found {
                RegistryError::NotFound { reference, host }
            } else if denied {
                RegistryError::Unauthorized { reference, host }
            } else {
                RegistryError::Registry {
                    reference,
                    host,
                    message: format!("{envelope} ({url})"),
                }
            }
        }
        OciDistributionError::RequestError(e) => RegistryError::Registry {
            reference,
            host,
            message: error_chain(&e),
        },
        other => RegistryError::Registry {
            reference,
            host,
            message: other.to_string(),
        },
    }
}

/// An error and its sources, `: `-separated (reqwest hides the useful part in the sources).
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cur = s.source();
    }
    out
}
