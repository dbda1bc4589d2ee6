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
//! auth:
//!   token_key_env: RBUILD_CACHE_TOKEN_KEY  # key that signs `/token` tokens (default: derived
//!                                          # from the token secrets, so replicas agree)
//!   token_ttl_seconds: 300
//!   authenticated_paths: ["/stats"]        # paths outside /v2 that need a valid token
//! storage:
//!   s3: { bucket: rbuild-cache, prefix: "", region: us-east-1, endpoint: http://127.0.0.1:5001 }
//! limits:
//!   max_bytes: 100GiB
//!   grace_minutes: 60
//!   upload_ttl_minutes: 60
//!   gha_max_age_days: 7    # GitHub Actions cache entries unused this long are removed
//!   gha_uploads_per_minute: 0  # CreateCacheEntry calls a minute before 429s (0: unlimited)
//! ```

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Errors of loading and validating the configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The YAML is malformed or has unknown fields.
    #[error("{path}:{line}:{column}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: usize,
        /// 1-based column (0 when unknown).
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// An environment variable override has a value that does not parse.
    #[error("environment variable {name}={value:?}: {reason}")]
    Env {
        /// The variable.
        name: String,
        /// Its value.
        value: String,
        /// Why it is wrong.
        reason: String,
    },
    /// A `secret_env` / `token_key_env` names a variable that is unset or empty.
    #[error("token {token:?}: environment variable {name} is unset or empty")]
    MissingSecret {
        /// The token (or `auth.token_key`).
        token: String,
        /// The variable.
        name: String,
    },
    /// The configuration parses but makes no sense.
    #[error("invalid configuration: {0}")]
    Invalid(String),
    /// A size (`limits.max_bytes`) does not parse.
    #[error("invalid size {value:?}: {reason}")]
    Size {
        /// The text.
        value: String,
        /// Why.
        reason: String,
    },
}

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
    /// How tokens are issued and which other paths need them.
    pub auth: AuthSettings,
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

/// Settings of the bearer-token flow and of the paths outside the distribution API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSettings {
    /// Key that signs the tokens `/token` issues (`RBUILD_CACHE_TOKEN_KEY`).
    pub token_key: Option<String>,
    /// Or the environment variable that holds it.
    pub token_key_env: Option<String>,
    /// Lifetime of issued tokens in seconds (default 300).
    pub token_ttl_seconds: Option<u64>,
    /// Paths outside `/v2/` that need valid credentials (default `["/stats"]`); a trailing `*`
    /// matches a prefix.
    pub authenticated_paths: Option<Vec<String>>,
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
    /// GitHub Actions cache entries neither created nor restored for this many days are removed
    /// by eviction (default 7, as GitHub does).
    pub gha_max_age_days: Option<u64>,
    /// GitHub Actions cache `CreateCacheEntry` calls admitted per sliding minute, across all
    /// callers; beyond it they are answered 429 with `Retry-After`, as GitHub answers a
    /// repository saving too fast (`RBUILD_CACHE_LIMITS_GHA_UPLOADS_PER_MINUTE`; default 0:
    /// unlimited).
    pub gha_uploads_per_minute: Option<u64>,
    /// Seconds a connection has to send a request's header, after it is accepted or after its
    /// last response (default 30; connections accepted while the server is busy get 1).
    pub header_timeout_seconds: Option<u64>,
    /// Seconds without a byte read or written while the server waits for the client (a stalled
    /// request body) before the connection is closed (default 120).
    pub idle_timeout_seconds: Option<u64>,
    /// Connections open at once; beyond it new connections are closed when accepted (default
    /// 4096; keep it under the process's descriptor limit, `ulimit -n`).
    pub max_connections: Option<usize>,
    /// Of those, how many get the full header timeout (default 1024).
    pub patient_connections: Option<usize>,
    /// Whether this process runs the evictor (default: yes with a local store, no with S3).
    /// Replicas sharing one S3 store each know only their own metadata, so exactly one of them
    /// should evict (`evict: true`) or none.
    pub evict: Option<bool>,
}

/// Environment variables that override the file.
pub const ENV_OVERRIDES: [&str; 9] = [
    "RBUILD_CACHE_LISTEN",
    "RBUILD_CACHE_DIR",
    "RBUILD_CACHE_MAX_BYTES",
    "RBUILD_CACHE_ANONYMOUS_READ",
    "RBUILD_CACHE_S3_BUCKET",
    "RBUILD_CACHE_S3_ENDPOINT",
    "RBUILD_CACHE_S3_PREFIX",
    "RBUILD_CACHE_S3_REGION",
    "RBUILD_CACHE_LIMITS_GHA_UPLOADS_PER_MINUTE",
];

impl Config {
    /// Loads the configuration: defaults, then the YAML file (if any), then the `RBUILD_CACHE_*`
    /// environment overrides, then resolves `secret_env` and validates.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        Self::load_with_env(path, |name| std::env::var(name).ok())
    }

    /// [`Config::load`] with an explicit environment lookup (tests, embedding).
    pub fn load_with_env(
        path: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut config = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                Self::parse(path, &text)?
            }
            None => Config::default(),
        };
        config.apply_env(&env)?;
        config.resolve_secrets(&env)?;
        config.validate()?;
        Ok(config)
    }

    /// Parses YAML text; errors name `path` and the line.
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        if text.trim().is_empty() {
            return Ok(Config::default());
        }
        serde_yaml::from_str(text).map_err(|e| {
            let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
            ConfigError::Parse {
                path: path.to_path_buf(),
                line,
                column,
                message: e.to_string(),
            }
        })
    }

    /// Applies the `RBUILD_CACHE_*` overrides ([`ENV_OVERRIDES`]).
    pub fn apply_env(&mut self, env: &impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let get = |name: &str| env(name).filter(|v| !v.is_empty());
        if let Some(v) = get("RBUILD_CACHE_LISTEN") {
            self.listen = Some(v);
        }
        if let Some(v) = get("RBUILD_CACHE_DIR") {
            self.data_dir = Some(PathBuf::from(v));
        }
        if let Some(v) = get("RBUILD_CACHE_MAX_BYTES") {
            rbuild_wire::units::parse_size(&v).map_err(|e| ConfigError::Env {
                name: "RBUILD_CACHE_MAX_BYTES".into(),
                value: v.clone(),
                reason: e.to_string(),
            })?;
            self.limits.max_bytes = Some(v);
        }
        if let Some(v) = get("RBUILD_CACHE_ANONYMOUS_READ") {
            self.anonymous_read = parse_bool(&v).ok_or_else(|| ConfigError::Env {
                name: "RBUILD_CACHE_ANONYMOUS_READ".into(),
                value: v.clone(),
                reason: "expected true/false, 1/0, yes/no or on/off".into(),
            })?;
        }
        if let Some(v) = get("RBUILD_CACHE_LIMITS_GHA_UPLOADS_PER_MINUTE") {
            let n = v.trim().parse::<u64>().map_err(|_| ConfigError::Env {
                name: "RBUILD_CACHE_LIMITS_GHA_UPLOADS_PER_MINUTE".into(),
                value: v.clone(),
                reason: "expected a whole number of calls (0: unlimited)".into(),
            })?;
            self.limits.gha_uploads_per_minute = Some(n);
        }
        let s3_vars = [
            "RBUILD_CACHE_S3_BUCKET",
            "RBUILD_CACHE_S3_ENDPOINT",
            "RBUILD_CACHE_S3_PREFIX",
            "RBUILD_CACHE_S3_REGION",
        ];
        if s3_vars.iter().any(|n| get(n).is_some()) {
            let s3 = self.storage.s3.get_or_insert_with(S3Config::default);
            if let Some(v) = get("RBUILD_CACHE_S3_BUCKET") {
                s3.bucket = v;
            }
            if let Some(v) = get("RBUILD_CACHE_S3_ENDPOINT") {
                s3.endpoint = Some(v);
            }
            if let Some(v) = get("RBUILD_CACHE_S3_PREFIX") {
                s3.prefix = v;
            }
            if let Some(v) = get("RBUILD_CACHE_S3_REGION") {
                s3.region = Some(v);
            }
        }
        Ok(())
    }

    /// Replaces every `secret_env` (and `auth.token_key_env`) by the variable's value, kept in
    /// `secret` (`auth.token_key`). A value in both places is an error.
    pub fn resolve_secrets(
        &mut self,
        env: &impl Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        for token in &mut self.tokens {
            if let Some(name) = &token.secret_env {
                if token.secret.is_some() {
                    return Err(ConfigError::Invalid(format!(
                        "token {:?} has both secret and secret_env",
                        token.name
                    )));
                }
                let value = env(name).filter(|v| !v.is_empty()).ok_or_else(|| {
                    ConfigError::MissingSecret {
                        token: token.name.clone(),
                        name: name.clone(),
                    }
                })?;
                token.secret = Some(value);
            }
        }
        if let Some(name) = &self.auth.token_key_env {
            if self.auth.token_key.is_some() {
                return Err(ConfigError::Invalid(
                    "auth has both token_key and token_key_env".into(),
                ));
            }
            let value =
                env(name)
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| ConfigError::MissingSecret {
                        token: "auth.token_key".into(),
                        name: name.clone(),
                    })?;
            self.auth.token_key = Some(value);
        } else if self.auth.token_key.is_none() {
            self.auth.token_key = env("RBUILD_CACHE_TOKEN_KEY").filter(|v| !v.is_empty());
        }
        Ok(())
    }

    /// Checks what serde cannot: every token has a name, a secret and grants; names and
    /// secrets are unique; globs compile; sizes parse; S3 has a bucket.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let mut names = HashSet::new();
        let mut secrets = HashSet::new();
        for token in &self.tokens {
            let name = &token.name;
            if name.is_empty() {
                return Err(ConfigError::Invalid("a token has no name".into()));
            }
            if name.contains(':') {
                return Err(ConfigError::Invalid(format!(
                    "token name {name:?} contains ':' (basic auth cannot carry it)"
                )));
            }
            if !names.insert(name.as_str()) {
                return Err(ConfigError::Invalid(format!(
                    "duplicate token name {name:?}"
                )));
            }
            let secret = token
                .secret
                .as_deref()
                .filter(|s| !s.is_empty())
                .ok_or_else(|| {
                    ConfigError::Invalid(format!("token {name:?} has no secret or secret_env"))
                })?;
            if !secrets.insert(secret) {
                return Err(ConfigError::Invalid(format!(
                    "token {name:?} has the same secret as another token"
                )));
            }
            if token.grants.is_empty() {
                return Err(ConfigError::Invalid(format!(
                    "token {name:?} has no grants"
                )));
            }
            for grant in &token.grants {
                if grant.repositories.is_empty() {
                    return Err(ConfigError::Invalid(format!(
                        "token {name:?} has a grant with no repositories"
                    )));
                }
                for glob in grant.repositories.iter().chain(&grant.scopes) {
                    compile_glob(glob).map_err(|e| {
                        ConfigError::Invalid(format!("token {name:?}: glob {glob:?}: {e}"))
                    })?;
                }
            }
        }
        if let Some(p) = self
            .auth
            .authenticated_paths
            .iter()
            .flatten()
            .find(|p| !p.starts_with('/'))
        {
            return Err(ConfigError::Invalid(format!(
                "auth.authenticated_paths: {p:?} does not start with '/'"
            )));
        }
        if self.auth.token_ttl_seconds == Some(0) {
            return Err(ConfigError::Invalid(
                "auth.token_ttl_seconds must be positive".into(),
            ));
        }
        self.limits.max_bytes()?;
        if self
            .storage
            .s3
            .as_ref()
            .is_some_and(|s3| s3.bucket.is_empty())
        {
            return Err(ConfigError::Invalid(
                "storage.s3 has no bucket (RBUILD_CACHE_S3_BUCKET)".into(),
            ));
        }
        Ok(())
    }
}

impl Limits {
    /// `max_bytes` in bytes, in the size grammar both binaries share ([`rbuild_wire::units`]:
    /// Docker's, every unit binary, `10GB` = `10g` = 10 x 2^30 bytes). The evictor enforces
    /// exactly this ([`crate::evict::Policy::from_limits`]).
    pub fn max_bytes(&self) -> Result<Option<u64>, ConfigError> {
        self.max_bytes
            .as_deref()
            .map(|text| {
                rbuild_wire::units::parse_size(text).map_err(|e| ConfigError::Size {
                    value: text.to_string(),
                    reason: e.to_string(),
                })
            })
            .transpose()
    }
}

/// Compiles a repository or scope glob: `*` and `?` stay inside one path segment, `**` crosses
/// segments, `[...]` and `{a,b}` as usual.
pub fn compile_glob(glob: &str) -> Result<globset::GlobMatcher, globset::Error> {
    Ok(globset::GlobBuilder::new(glob)
        .literal_separator(true)
        .build()?
        .compile_matcher())
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn load_text(text: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().map_err(|source| ConfigError::Read {
            path: PathBuf::from("tmp"),
            source,
        })?;
        let path = dir.path().join("config.yaml");
        std::fs::write(&path, text).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        Config::load_with_env(Some(&path), env_of(env))
    }

    const FULL: &str = r#"
listen: 127.0.0.1:6000
data_dir: /tmp/cache
anonymous_read: true
tokens:
  - name: ci
    secret_env: CI_SECRET
    grants:
      - repositories: ["myorg/**"]
        access: write
  - name: fork
    secret: fork-secret
    grants:
      - repositories: ["myorg/**"]
      - repositories: ["myorg/*"]
        access: write
        scopes: ["pr-*"]
limits:
  max_bytes: 10GiB
"#;

    #[test]
    fn loads_file_and_resolves_secret_env() {
        let c = load_text(FULL, &[("CI_SECRET", "s3cr3t")]).unwrap();
        assert_eq!(c.listen.as_deref(), Some("127.0.0.1:6000"));
        assert!(c.anonymous_read);
        assert_eq!(c.tokens[0].secret.as_deref(), Some("s3cr3t"));
        assert_eq!(c.tokens[1].grants[1].access, Access::Write);
        assert_eq!(c.tokens[1].grants[0].access, Access::Read);
        assert_eq!(c.limits.max_bytes().unwrap(), Some(10 << 30));
    }

    #[test]
    fn missing_secret_env_is_an_error() {
        let e = load_text(FULL, &[]).unwrap_err();
        assert!(
            matches!(e, ConfigError::MissingSecret { ref name, .. } if name == "CI_SECRET"),
            "{e}"
        );
    }

    #[test]
    fn env_overrides_the_file() {
        let c = load_text(
            FULL,
            &[
                ("CI_SECRET", "x"),
                ("RBUILD_CACHE_LISTEN", "0.0.0.0:1"),
                ("RBUILD_CACHE_DIR", "/data"),
                ("RBUILD_CACHE_MAX_BYTES", "500MB"),
                ("RBUILD_CACHE_ANONYMOUS_READ", "false"),
                ("RBUILD_CACHE_S3_BUCKET", "b"),
                ("RBUILD_CACHE_S3_ENDPOINT", "http://127.0.0.1:5001"),
                ("RBUILD_CACHE_S3_PREFIX", "p/"),
                ("RBUILD_CACHE_S3_REGION", "eu-west-1"),
            ],
        )
        .unwrap();
        assert_eq!(c.listen.as_deref(), Some("0.0.0.0:1"));
        assert_eq!(c.data_dir, Some(PathBuf::from("/data")));
        assert_eq!(c.limits.max_bytes().unwrap(), Some(500 << 20));
        assert!(!c.anonymous_read);
        let s3 = c.storage.s3.unwrap();
        assert_eq!(
            (
                s3.bucket.as_str(),
                s3.prefix.as_str(),
                s3.region.as_deref(),
                s3.endpoint.as_deref()
            ),
            ("b", "p/", Some("eu-west-1"), Some("http://127.0.0.1:5001"))
        );
    }

    #[test]
    fn gha_upload_rate_from_the_file_and_the_environment() {
        let c = load_text("limits: {gha_uploads_per_minute: 200}", &[]).unwrap();
        assert_eq!(c.limits.gha_uploads_per_minute, Some(200));
        let c = load_text(
            "limits: {gha_uploads_per_minute: 200}",
            &[("RBUILD_CACHE_LIMITS_GHA_UPLOADS_PER_MINUTE", "3")],
        )
        .unwrap();
        assert_eq!(c.limits.gha_uploads_per_minute, Some(3));
        assert_eq!(Config::default().limits.gha_uploads_per_minute, None);
        let e = Config::load_with_env(
            None,
            env_of(&[("RBUILD_CACHE_LIMITS_GHA_UPLOADS_PER_MINUTE", "lots")]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("GHA_UPLOADS_PER_MINUTE"), "{e}");
    }

    #[test]
    fn bad_env_values_are_errors() {
        let e = Config::load_with_env(None, env_of(&[("RBUILD_CACHE_ANONYMOUS_READ", "maybe")]));
        assert!(matches!(e, Err(ConfigError::Env { .. })));
        let e = Config::load_with_env(None, env_of(&[("RBUILD_CACHE_MAX_BYTES", "10 parsecs")]));
        assert!(matches!(e, Err(ConfigError::Env { .. })));
        let e = Config::load_with_env(None, env_of(&[("RBUILD_CACHE_S3_REGION", "x")]));
        assert!(matches!(e, Err(ConfigError::Invalid(ref m)) if m.contains("bucket")));
    }

    #[test]
    fn no_file_gives_defaults() {
        let c = Config::load_with_env(None, env_of(&[])).unwrap();
        assert_eq!(c, Config::default());
    }

    #[test]
    fn parse_errors_name_file_and_line() {
        let e = load_text("listen: a\nbogus: 1\n", &[]).unwrap_err();
        match e {
            ConfigError::Parse { path, line, .. } => {
                assert!(path.ends_with("config.yaml"));
                assert_eq!(line, 2);
            }
            other => panic!("{other}"),
        }
        let e = load_text("tokens:\n  - name: a\n    grants: 3\n", &[]).unwrap_err();
        assert!(e.to_string().contains("config.yaml:3:"), "{e}");
    }

    #[test]
    fn validation_rejects_bad_tokens() {
        let cases = [
            ("tokens: [{name: a, secret: s}]", "no grants"),
            (
                "tokens: [{name: a, secret: s, grants: [{access: read}]}]",
                "no repositories",
            ),
            (
                "tokens: [{name: a, secret: s, grants: [{repositories: ['a/[b']}]}]",
                "glob",
            ),
            (
                "tokens: [{name: a, secret: s, grants: [{repositories: [a], scopes: ['{x']}]}]",
                "glob",
            ),
            (
                "tokens: [{name: a, secret: s, grants: [{repositories: [a]}]}, {name: b, secret: s, grants: [{repositories: [a]}]}]",
                "same secret",
            ),
            (
                "tokens: [{name: a, secret: s, grants: [{repositories: [a]}]}, {name: a, secret: t, grants: [{repositories: [a]}]}]",
                "duplicate token name",
            ),
            (
                "tokens: [{name: a, grants: [{repositories: [a]}]}]",
                "no secret",
            ),
            (
                "tokens: [{secret: s, grants: [{repositories: [a]}]}]",
                "no name",
            ),
            ("limits: {max_bytes: lots}", "invalid size"),
        ];
        for (yaml, want) in cases {
            let e = load_text(yaml, &[]).unwrap_err().to_string();
            assert!(e.contains(want), "{yaml}: {e}");
        }
    }

    #[test]
    fn max_bytes_is_in_the_shared_binary_grammar() {
        for (text, want) in [
            ("123", 123),
            ("500MB", 500 << 20),
            ("2g", 2 << 30),
            ("1.5KiB", 1536),
        ] {
            let limits = Limits {
                max_bytes: Some(text.into()),
                ..Limits::default()
            };
            assert_eq!(limits.max_bytes().unwrap(), Some(want), "{text}");
        }
        let limits = Limits {
            max_bytes: Some("12 apples".into()),
            ..Limits::default()
        };
        let e = limits.max_bytes().unwrap_err().to_string();
        assert!(e.contains("12 apples"), "{e}");
    }

    #[test]
    fn globs_stay_in_a_segment_unless_double_star() {
        let one = compile_glob("proj/*").unwrap();
        assert!(one.is_match("proj/main"));
        assert!(!one.is_match("proj/a/b"));
        let all = compile_glob("proj/**").unwrap();
        assert!(all.is_match("proj/a/b"));
        assert!(!all.is_match("other/a"));
    }
}
