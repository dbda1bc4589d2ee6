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
//! Per type, each backend's module reads its own attributes from an [`Attributes`]:
//! `registry`: `ref=` ([`super::registry::parse_spec`]); `local`: `src=` or `dest=`
//! ([`super::local::parse_spec`]); `s3`: [`S3Spec::parse`]; `gha`: [`GhaSpec::parse`]. A new
//! backend is its module, its `Kind` variant and one line in [`CacheSpec::parse`] (and one in
//! `Backend::connect`).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::error::RemoteError;
pub use super::gha::spec::GhaSpec;
pub use super::s3::spec::{S3Credentials, S3Spec};

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

/// The attributes of one spec still to be read: each backend's module takes its own
/// (`registry.rs`, `local.rs`, `s3/spec.rs`, `gha/spec.rs`); whatever is left afterwards is an
/// unknown key.
pub struct Attributes<'a> {
    map: BTreeMap<String, String>,
    shown: &'a str,
}

impl Attributes<'_> {
    /// The error for this spec, saying `reason`.
    pub fn error(&self, reason: impl Into<String>) -> RemoteError {
        RemoteError::Spec {
            spec: self.shown.to_string(),
            reason: reason.into(),
        }
    }

    /// `key=`'s value, if given and not empty; taken (not seen again).
    pub fn take(&mut self, key: &str) -> Option<String> {
        self.map.remove(key).filter(|v| !v.is_empty())
    }

    /// `key=`'s value, which must be given.
    pub fn require(&mut self, key: &str) -> Result<String, RemoteError> {
        self.take(key)
            .ok_or_else(|| self.error(format!("`{key}=` is missing")))
    }

    /// `key=` as a bool (Go's spellings), `default` when absent.
    pub fn bool(&mut self, key: &str, default: bool) -> Result<bool, RemoteError> {
        match self.take(key) {
            None => Ok(default),
            Some(v) => parse_bool(&v).ok_or_else(|| self.error(format!("{key}={v}: not a bool"))),
        }
    }

    /// `key=` as a Go-style duration (`hint` shows examples), `default` when absent.
    pub fn duration(
        &mut self,
        key: &str,
        default: Duration,
        hint: &str,
    ) -> Result<Duration, RemoteError> {
        match self.take(key) {
            None => Ok(default),
            Some(v) => parse_duration(&v)
                .ok_or_else(|| self.error(format!("{key}={v}: not a duration ({hint})"))),
        }
    }

    /// `key=` as a size (`10g`, `500MB`: rbuild's one unit grammar), if given.
    pub fn size(&mut self, key: &str) -> Result<Option<u64>, RemoteError> {
        match self.take(key) {
            None => Ok(None),
            Some(v) => rbuild_wire::units::parse_size(&v)
                .map(Some)
                .map_err(|e| self.error(format!("{key}={v}: {e}"))),
        }
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
        let mut attrs = Attributes { map, shown: &shown };
        // One line per backend: each module reads its own attributes.
        let kind = match kind_name.as_str() {
            "registry" => Kind::Registry {
                reference: super::registry::parse_spec(&mut attrs)?,
            },
            "local" => Kind::Local {
                dir: super::local::parse_spec(&mut attrs, direction)?,
            },
            "s3" => Kind::S3(S3Spec::parse(&mut attrs)?),
            "gha" => Kind::Gha(GhaSpec::parse(&mut attrs)?),
            other => {
                return Err(err(format!(
                    "type={other}: expected registry, s3, gha or local"
                )));
            }
        };
        let map = attrs.map;
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
pub fn parse_bool(v: &str) -> Option<bool> {
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
