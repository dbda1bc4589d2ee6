//! `type=s3`'s attributes: `bucket=` (required), `region=` (else `AWS_REGION` /
//! `AWS_DEFAULT_REGION`), `prefix=`, `name=`, `endpoint_url=`, `use_path_style=`,
//! `touch_refresh=` (a duration, `24h` by default), `access_key_id=`, `secret_access_key=`,
//! `session_token=`.

use std::time::Duration;

use crate::cache::remote::error::RemoteError;
use crate::cache::remote::spec::Attributes;

/// Options of `type=s3`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Spec {
    /// `bucket=`.
    pub bucket: String,
    /// `region=`; `None`: from the environment.
    pub region: Option<String>,
    /// `prefix=`: put before every object key (`""` by default).
    pub prefix: String,
    /// `name=`: the index's name inside its scope (`cache` by default).
    pub name: String,
    /// `endpoint_url=`: a non-AWS endpoint (MinIO, moto, R2).
    pub endpoint_url: Option<String>,
    /// `use_path_style=`: `http://host/bucket/key` addressing.
    pub use_path_style: bool,
    /// `touch_refresh=`: blobs already in the bucket older than this are copied onto
    /// themselves on export, so lifecycle rules expiring unused objects keep the used ones.
    pub touch_refresh: Duration,
    /// Static credentials (`access_key_id=` and `secret_access_key=`, `session_token=`); the
    /// standard AWS chain otherwise.
    pub credentials: Option<S3Credentials>,
}

/// Static S3 credentials from a spec.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Credentials {
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key.
    pub secret_access_key: String,
    /// Session token.
    pub session_token: Option<String>,
}

impl std::fmt::Debug for S3Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Credentials")
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl S3Spec {
    /// Reads `type=s3`'s attributes from `attrs`.
    pub fn parse(attrs: &mut Attributes<'_>) -> Result<Self, RemoteError> {
        let use_path_style = attrs.bool("use_path_style", false)?;
        let touch_refresh =
            attrs.duration("touch_refresh", Duration::from_secs(24 * 3600), "24h, 30m")?;
        let access = attrs.take("access_key_id");
        let secret = attrs.take("secret_access_key");
        let session = attrs.take("session_token");
        let credentials = match (access, secret) {
            (Some(access_key_id), Some(secret_access_key)) => Some(S3Credentials {
                access_key_id,
                secret_access_key,
                session_token: session,
            }),
            (None, None) => None,
            _ => {
                return Err(
                    attrs.error("give both access_key_id= and secret_access_key=, or neither")
                );
            }
        };
        let mut prefix = attrs.take("prefix").unwrap_or_default();
        for legacy in ["blobs_prefix", "manifests_prefix"] {
            if attrs.take(legacy).is_some() {
                return Err(attrs.error(format!(
                    "`{legacy}=` is not supported: objects are `<prefix>blobs/...` and `<prefix>index/...`"
                )));
            }
        }
        if prefix.starts_with('/') {
            prefix = prefix.trim_start_matches('/').to_string();
        }
        Ok(S3Spec {
            bucket: attrs.require("bucket")?,
            region: attrs.take("region"),
            prefix,
            name: attrs.take("name").unwrap_or_else(|| "cache".into()),
            endpoint_url: attrs.take("endpoint_url"),
            use_path_style,
            touch_refresh,
            credentials,
        })
    }
}
