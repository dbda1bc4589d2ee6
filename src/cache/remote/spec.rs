//! `--cache-to` / `--cache-from` values, spelled as buildx spells them:
//! `type=registry|s3|gha|local,key=value,...` (CSV: a value with commas is quoted).
//!
//! Options every type takes:
//! * `mode=min|max` (export): `min` exports the steps of the final image, `max` every step of
//!   every stage the build ran; default `min`, as buildx.
//! * `ignore-error=true|false` (export): a failing export only warns (default `true`); import
//!   errors always only warn, since a cache that is down makes steps miss, never fail.
//! * `prune=true|false`, `prune-max-size=SIZE` (`type=gha` export): delete superseded entries
//!   after the export and keep rbuild's entries under SIZE (`rbuild gha prune`).
//! * `mount-caches=true|false`: whether `RUN --mount=type=cache` directories travel with the
//!   cache (default `true`; [`super::mounts`]).
//! * `scope=NAME`: for `registry`, `s3` and `local`, the cache scope to write and the only one to
//!   read (default: from the branch, with fallback reads; see [`super::scope`]); for `gha`, the
//!   namespace of the entry keys (default `rbuild`; GitHub scopes entries by branch itself).
//! * `compression=gzip|zstd|uncompressed`, `compression-level=N`, `force-compression=`: accepted
//!   for buildx compatibility; layers are stored in the cache as built (`--compression`).
//! * `oci-mediatypes=`, `image-manifest=`: accepted; rbuild's registry index is always an OCI
//!   image manifest (DESIGN.md), the shape ECR accepts.
//!
//! Per type: `registry`: `ref=` (required); `s3`: `bucket=` (required), `region=` (else
//! `AWS_REGION`/`AWS_DEFAULT_REGION`), `prefix=`, `name=`, `endpoint_url=`, `use_path_style=`,
//! `touch_refresh=` (a duration, `24h` by default), `access_key_id=`, `secret_access_key=`,
//! `session_token=`; `gha`: `url=` (else `ACTIONS_RESULTS_URL`), `token=` (else
//! `ACTIONS_RUNTIME_TOKEN`), `timeout=`; `local`: `src=` (import) or `dest=` (export).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::error::RemoteError;

/// Which flag a spec came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// `--cache-from`.
    Import,
    /// `--cache-to`.
    Export,
}

/// `mode=`: which steps an export carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// The steps whose layers are in the final image.
    #[default]
    Min,
    /// Every step of every stage the build ran.
    Max,
}

/// One parsed `--cache-to` / `--cache-from` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSpec {
    /// The value as the user gave it, credentials redacted ([`redacted`]): for messages.
    pub text: String,
    /// The backend and its options.
    pub kind: Kind,
    /// `mode=`.
    pub mode: Mode,
    /// `ignore-error=`.
    pub ignore_error: bool,
    /// `scope=`.
    pub scope: Option<String>,
    /// `mount-caches=`: whether cache-mount directories are exported / restored.
    pub mount_caches: bool,
    /// `compression=` as given (layers are exported as built).
    pub compression: Option<String>,
}

/// The backend of a [`CacheSpec`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// An OCI registry (ECR, GHCR, distribution, the cache server).
    Registry {
        /// `ref=`: `<registry>/<repository>[:<tag>]`.
        reference: String,
    },
    /// An S3 bucket.
    S3(S3Spec),
    /// The GitHub Actions cache (service v2).
    Gha(GhaSpec),
    /// A directory in OCI layout.
    Local {
        /// `src=` (import) or `dest=` (export).
        dir: PathBuf,
    },
}

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

/// Options of `type=gha`.
#[derive(Clone, PartialEq, Eq)]
pub struct GhaSpec {
    /// `url=`: the cache service's base URL; `None`: `ACTIONS_RESULTS_URL`.
    pub url: Option<String>,
    /// `token=`: the runtime token; `None`: `ACTIONS_RUNTIME_TOKEN`.
    pub token: Option<String>,
    /// `timeout=`: bound of one request (10 min by default, as buildx).
    pub timeout: Duration,
    /// `prune=true` (export): after the export, delete superseded rbuild entries through the
    /// REST API (`GITHUB_TOKEN`), as `rbuild gha prune` does.
    pub prune: bool,
    /// `prune-max-size=SIZE`: with `prune=true`, the budget of rbuild's entries.
    pub prune_max_size: Option<u64>,
}

impl std::fmt::Debug for GhaSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GhaSpec")
            .field("url", &self.url)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl CacheSpec {
    /// Parses a `--cache-to` (`Export`) or `--cache-from` (`Import`) value.
    pub fn parse(text: &str, direction: Direction) -> Result<Self, RemoteError> {
        let shown = redacted(text);
        let err = |reason: String| RemoteError::Spec {
            spec: shown.clone(),
            reason,
        };
        let fields = crate::csv::fields(text).map_err(|e| err(e.to_string()))?;
        let mut map: BTreeMap<String, String> = BTreeMap::new();
        for field in fields {
            if field.trim().is_empty() {
                continue;
            }
            let (key, value) = match field.split_once('=') {
                Some((k, v)) => (k.trim().to_ascii_lowercase(), v.to_string()),
                // buildx: a bare value is a registry ref (`--cache-from user/app:cache`).
                None if map.is_empty() => ("ref".to_string(), field.clone()),
                None => return Err(err(format!("field `{field}` is not key=value"))),
            };
            if map.insert(key.clone(), value).is_some() {
                return Err(err(format!("`{key}=` is given twice")));
            }
        }
        if !map.contains_key("type") && map.contains_key("ref") {
            map.insert("type".into(), "registry".into());
        }
        let kind_name = map
            .remove("type")
            .ok_or_else(|| err("`type=` is missing (registry, s3, gha or local)".into()))?;
        let mode = match map.remove("mode").as_deref() {
            None | Some("min") => Mode::Min,
            Some("max") => Mode::Max,
            Some(other) => return Err(err(format!("mode={other}: expected min or max"))),
        };
        let ignore_error = match map.remove("ignore-error") {
            None => true,
            Some(v) => {
                parse_bool(&v).ok_or_else(|| err(format!("ignore-error={v}: not a bool")))?
            }
        };
        let mount_caches = match map.remove("mount-caches") {
            None => true,
            Some(v) => {
                parse_bool(&v).ok_or_else(|| err(format!("mount-caches={v}: not a bool")))?
            }
        };
        let compression = map.remove("compression");
        if let Some(c) = &compression
            && !matches!(c.as_str(), "gzip" | "zstd" | "uncompressed" | "estargz")
        {
            return Err(err(format!(
                "compression={c}: expected gzip, zstd or uncompressed"
            )));
        }
        for accepted in [
            "compression-level",
            "force-compression",
            "oci-mediatypes",
            "image-manifest",
        ] {
            map.remove(accepted);
        }
        let scope = map.remove("scope").filter(|s| !s.is_empty());
        let mut take = |key: &str| map.remove(key).filter(|v| !v.is_empty());
        let kind = match kind_name.as_str() {
            "registry" => Kind::Registry {
                reference: take("ref").ok_or_else(|| err("`ref=` is missing".into()))?,
            },
            "local" => {
                let (want, other) = match direction {
                    Direction::Import => ("src", "dest"),
                    Direction::Export => ("dest", "src"),
                };
                if take(other).is_some() {
                    return Err(err(format!(
                        "`{other}=` belongs to --cache-{}; use `{want}=`",
                        if other == "src" { "from" } else { "to" }
                    )));
                }
                Kind::Local {
                    dir: PathBuf::from(
                        take(want).ok_or_else(|| err(format!("`{want}=` is missing")))?,
                    ),
                }
            }
            "s3" => {
                let bool_opt = |v: Option<String>, key: &str| match v {
                    None => Ok(false),
                    Some(v) => parse_bool(&v).ok_or_else(|| err(format!("{key}={v}: not a bool"))),
                };
                let use_path_style = bool_opt(take("use_path_style"), "use_path_style")?;
                let touch_refresh = match take("touch_refresh") {
                    None => Duration::from_secs(24 * 3600),
                    Some(v) => parse_duration(&v).ok_or_else(|| {
                        err(format!("touch_refresh={v}: not a duration (24h, 30m)"))
                    })?,
                };
                let access = take("access_key_id");
                let secret = take("secret_access_key");
                let session = take("session_token");
                let credentials = match (access, secret) {
                    (Some(access_key_id), Some(secret_access_key)) => Some(S3Credentials {
                        access_key_id,
                        secret_access_key,
                        session_token: session,
                    }),
                    (None, None) => None,
                    _ => {
                        return Err(err(
                            "give both access_key_id= and secret_access_key=, or neither".into(),
                        ));
                    }
                };
                let mut prefix = take("prefix").unwrap_or_default();
                for legacy in ["blobs_prefix", "manifests_prefix"] {
                    if take(legacy).is_some() {
                        return Err(err(format!(
                            "`{legacy}=` is not supported: objects are `<prefix>blobs/...` and `<prefix>index/...`"
                        )));
                    }
                }
                if prefix.starts_with('/') {
                    prefix = prefix.trim_start_matches('/').to_string();
                }
                Kind::S3(S3Spec {
                    bucket: take("bucket").ok_or_else(|| err("`bucket=` is missing".into()))?,
                    region: take("region"),
                    prefix,
                    name: take("name").unwrap_or_else(|| "cache".into()),
                    endpoint_url: take("endpoint_url"),
                    use_path_style,
                    touch_refresh,
                    credentials,
                })
            }
            "gha" => {
                let timeout = match take("timeout") {
                    None => Duration::from_secs(600),
                    Some(v) => parse_duration(&v)
                        .ok_or_else(|| err(format!("timeout={v}: not a duration (10m, 30s)")))?,
                };
                let prune = match take("prune") {
                    None => false,
                    Some(v) => {
                        parse_bool(&v).ok_or_else(|| err(format!("prune={v}: not a bool")))?
                    }
                };
                let prune_max_size = match take("prune-max-size") {
                    None => None,
                    Some(v) => Some(
                        rbuild_wire::units::parse_size(&v)
                            .map_err(|e| err(format!("prune-max-size={v}: {e}")))?,
                    ),
                };
                Kind::Gha(GhaSpec {
                    url: take("url"),
                    token: take("token"),
                    timeout,
                    prune,
                    prune_max_size,
                })
            }
            other => {
                return Err(err(format!(
                    "type={other}: expected registry, s3, gha or local"
                )));
            }
        };
        if let Some(key) = map.keys().next() {
            return Err(err(format!("unknown key `{key}=` for type={kind_name}")));
        }
        Ok(Self {
            text: shown.clone(),
            kind,
            mode,
            ignore_error,
            scope,
            mount_caches,
            compression,
        })
    }

    /// How the backend is named in reports and `--metadata-file` (`rbuild.cache`): the
    /// registry ref, `s3://bucket/prefix`, `gha:<scope>`, or the directory.
    pub fn backend_ref(&self) -> String {
        match &self.kind {
            Kind::Registry { reference } => reference.clone(),
            Kind::S3(s) => format!("s3://{}/{}", s.bucket, s.prefix),
            Kind::Gha(_) => format!("gha:{}", self.scope.as_deref().unwrap_or("rbuild")),
            Kind::Local { dir } => dir.display().to_string(),
        }
    }
}

/// Whether `key=`'s value is a credential, never to be shown: `secret_access_key=`,
/// `session_token=`, gha's `token=`, and any key naming a secret, token or password.
fn is_secret_key(key: &str) -> bool {
    let key = key.trim().trim_matches('"').to_ascii_lowercase();
    ["secret", "token", "password"]
        .iter()
        .any(|word| key.contains(word))
}

/// `text` (a cache spec) as errors and reports show it: every credential's value replaced by
/// `***`. A value that does not parse as CSV is not shown at all (a quoted comma could split a
/// credential into pieces that no key names).
pub fn redacted(text: &str) -> String {
    match crate::csv::fields(text) {
        Ok(fields) => fields
            .iter()
            .map(|field| match field.split_once('=') {
                Some((key, _)) if is_secret_key(key) => format!("{key}=***"),
                _ => field.clone(),
            })
            .collect::<Vec<_>>()
            .join(","),
        Err(_) => format!("({} characters, not shown: not CSV)", text.chars().count()),
    }
}

/// `true`/`false` as Go's `strconv.ParseBool` reads them.
fn parse_bool(v: &str) -> Option<bool> {
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

/// A Go-style duration made of `<number><unit>` parts (`h`, `m`, `s`, `ms`), e.g. `1h30m`;
/// a bare number is seconds.
pub fn parse_duration(v: &str) -> Option<Duration> {
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut rest = v;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit())?;
        if digits == 0 {
            return None;
        }
        let n: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "h" => Duration::from_secs(n.checked_mul(3600)?),
            "m" => Duration::from_secs(n.checked_mul(60)?),
            "s" => Duration::from_secs(n),
            "ms" => Duration::from_millis(n),
            _ => return None,
        };
        total = total.checked_add(unit)?;
        rest = &rest[unit_len..];
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str, d: Direction) -> CacheSpec {
        match CacheSpec::parse(s, d) {
            Ok(spec) => spec,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    fn fails(s: &str, d: Direction) -> String {
        match CacheSpec::parse(s, d) {
            Ok(spec) => panic!("{s}: parsed as {spec:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn credentials_are_redacted_wherever_the_spec_is_shown() {
        assert_eq!(
            redacted("type=s3,bucket=b,access_key_id=A,secret_access_key=S,session_token=T"),
            "type=s3,bucket=b,access_key_id=A,secret_access_key=***,session_token=***"
        );
        // A quoted comma does not split a credential into an unnamed piece.
        assert_eq!(redacted("type=gha,\"token=a,b\""), "type=gha,token=***");
        assert!(!redacted("type=gha,\"token=a,b").contains("a,b"));
        let e = fails(
            "type=s3,bucket=b,secret_access_key=S3CRET,x=1",
            Direction::Export,
        );
        assert!(
            !e.contains("S3CRET") && e.contains("secret_access_key=***"),
            "{e}"
        );
        let spec = ok(
            "type=gha,token=T0KEN,url=http://127.0.0.1:1/",
            Direction::Import,
        );
        assert!(!spec.text.contains("T0KEN"), "{}", spec.text);
    }

    #[test]
    fn registry_specs_as_buildx_writes_them() {
        let s = ok(
            "type=registry,ref=127.0.0.1:5000/app:cache,mode=max,ignore-error=false",
            Direction::Export,
        );
        assert_eq!(
            s.kind,
            Kind::Registry {
                reference: "127.0.0.1:5000/app:cache".into()
            }
        );
        assert_eq!(s.mode, Mode::Max);
        assert!(!s.ignore_error);
        let bare = ok("user/app:cache", Direction::Import);
        assert_eq!(
            bare.kind,
            Kind::Registry {
                reference: "user/app:cache".into()
            }
        );
        assert_eq!(bare.mode, Mode::Min);
        assert!(bare.ignore_error);
        assert!(bare.mount_caches);
        let off = ok(
            "type=local,dest=/tmp/c,mount-caches=false",
            Direction::Export,
        );
        assert!(!off.mount_caches);
        ok(
            "type=registry,ref=x/y,image-manifest=true,oci-mediatypes=true,compression=zstd",
            Direction::Export,
        );
    }

    #[test]
    fn s3_specs() {
        let s = ok(
            "type=s3,bucket=ci,region=eu-west-1,prefix=app/,endpoint_url=http://127.0.0.1:5001,use_path_style=true,touch_refresh=1h30m",
            Direction::Export,
        );
        let Kind::S3(s3) = &s.kind else {
            panic!("{s:?}")
        };
        assert_eq!(s3.bucket, "ci");
        assert_eq!(s3.prefix, "app/");
        assert_eq!(s3.name, "cache");
        assert!(s3.use_path_style);
        assert_eq!(s3.touch_refresh, Duration::from_secs(5400));
        assert_eq!(s.backend_ref(), "s3://ci/app/");
        assert!(fails("type=s3,region=x", Direction::Export).contains("bucket="));
        assert!(fails("type=s3,bucket=b,access_key_id=a", Direction::Export).contains("neither"));
    }

    #[test]
    fn gha_and_local_specs() {
        let g = ok("type=gha,scope=web,timeout=30s", Direction::Export);
        assert!(
            matches!(&g.kind, Kind::Gha(GhaSpec { timeout, .. }) if *timeout == Duration::from_secs(30))
        );
        assert_eq!(g.backend_ref(), "gha:web");
        let l = ok("type=local,src=/tmp/c", Direction::Import);
        assert_eq!(
            l.kind,
            Kind::Local {
                dir: "/tmp/c".into()
            }
        );
        assert!(fails("type=local,src=/tmp/c", Direction::Export).contains("dest="));
        assert!(fails("type=local", Direction::Import).contains("src="));
    }

    #[test]
    fn mistakes_are_named() {
        assert!(fails("type=ftp,ref=x", Direction::Export).contains("type=ftp"));
        assert!(fails("type=registry", Direction::Export).contains("ref="));
        assert!(fails("type=registry,ref=a,ref=b", Direction::Export).contains("twice"));
        assert!(fails("type=registry,ref=a,colour=red", Direction::Export).contains("colour"));
        assert!(fails("type=registry,ref=a,mode=all", Direction::Export).contains("mode=all"));
        assert!(fails("type=registry,ref=\"a", Direction::Export).contains("quoted"));
        assert!(fails("mode=max", Direction::Export).contains("type="));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("24h"), Some(Duration::from_secs(86400)));
        assert_eq!(parse_duration("90"), Some(Duration::from_secs(90)));
        assert_eq!(
            parse_duration("1m500ms"),
            Some(Duration::from_millis(60500))
        );
        assert_eq!(parse_duration(""), None);
        assert_eq!(parse_duration("h"), None);
        assert_eq!(parse_duration("5d"), None);
    }
}
