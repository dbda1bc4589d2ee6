//! The server's configuration: built-in defaults, then the YAML file given with `--config`,
//! then environment overrides, then command-line flags. With no file at all the server runs
//! with a local store, no tokens (everyone may read and write) and no size budget.
//!
//! ```yaml
//! listen: 127.0.0.1:5000
//! data_dir: /var/lib/rbuild-cache
//! anonymous_read: false
//! tokens:
//!   - name: ci
//!     secret: "…"            # or secret_env: CI_TOKEN
//!     grants:
//!       - repositories: ["myorg/**"]
//!         access: write        # read | write
//!         scopes: ["*"]        # branch scopes the grant covers (default: all)
//! storage:
//!   s3: { bucket: rbuild-cache, prefix: "", region: us-east-1, endpoint: http://127.0.0.1:5001 }
//! limits:
//!   max_bytes: 100GiB
//!   grace_minutes: 60
//!   upload_ttl_minutes: 60
//! ```

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// The whole configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on (`RBUILD_CACHE_LISTEN`, `--listen`).
    pub listen: Option<String>,
    /// Directory for blobs and metadata (`RBUILD_CACHE_DIR`, `--data-dir`).
    pub data_dir: Option<PathBuf>,
    /// Whether requests without credentials may read (pull, HEAD, GET).
    pub anonymous_read: bool,
    /// Tokens; none configured means no authentication at all.
    pub tokens: Vec<TokenConfig>,
    /// Where blobs live.
    pub storage: StorageConfig,
    /// Size budget and lifetimes.
    pub limits: Limits,
}

/// One token and what it may do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TokenConfig {
    /// Name shown in logs, and the user name for basic auth.
    pub name: String,
    /// The secret itself.
    pub secret: Option<String>,
    /// Or the environment variable that holds it.
    pub secret_env: Option<String>,
    /// What the token may do.
    pub grants: Vec<Grant>,
}

/// Read or write rights on repositories matching globs, optionally only in some branch scopes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Grant {
    /// Repository globs (`myorg/**`, `app/*`).
    pub repositories: Vec<String>,
    /// Read, or read and write.
    pub access: Access,
    /// Branch-scope globs the grant is limited to; empty means every scope.
    pub scopes: Vec<String>,
}

/// A right on a repository.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// Pull: HEAD and GET.
    #[default]
    Read,
    /// Push and delete (implies read).
    Write,
}

/// Which blob store backs the server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    /// Blobs in S3 instead of `<data>/blobs/`.
    pub s3: Option<S3Config>,
}

/// An S3 bucket for blobs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct S3Config {
    /// Bucket name.
    pub bucket: String,
    /// Key prefix inside the bucket.
    pub prefix: String,
    /// Region (default from the AWS environment).
    pub region: Option<String>,
    /// Endpoint URL for S3-compatible servers (MinIO, moto).
    pub endpoint: Option<String>,
}

/// Size budget and lifetimes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Evict least-recently-used blobs above this many stored bytes (`10GiB`, `500MB`, bytes).
    pub max_bytes: Option<String>,
    /// Nothing referenced by a manifest pushed within this many minutes is evicted.
    pub grace_minutes: Option<u64>,
    /// Upload sessions idle this long are swept.
    pub upload_ttl_minutes: Option<u64>,
}
