//! `RUN --mount=type=...,key=value` specs, with BuildKit's defaults, aliases and messages.
//!
//! A spec is checked twice, as BuildKit does: when the Dockerfile is read
//! ([`check_unexpanded`]: CSV syntax, no variables in `from`), and once its values are expanded
//! ([`parse`]: every key, type-specific rules).

/// What kind of mount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountType {
    /// A read-only (by default) view of the context or of a stage or image.
    Bind,
    /// A persistent cache directory (`id` shared across builds).
    Cache,
    /// An empty tmpfs.
    Tmpfs,
    /// A secret file or env var.
    Secret,
    /// An SSH agent socket.
    Ssh,
}

impl MountType {
    /// The name as written in Dockerfiles.
    pub fn as_str(self) -> &'static str {
        match self {
            MountType::Bind => "bind",
            MountType::Cache => "cache",
            MountType::Tmpfs => "tmpfs",
            MountType::Secret => "secret",
            MountType::Ssh => "ssh",
        }
    }
}

/// `sharing=` of a cache mount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    /// Several builds use the directory at once (default).
    Shared,
    /// Each concurrent user gets its own copy.
    Private,
    /// One user at a time.
    Locked,
}

impl Sharing {
    /// The name as written in Dockerfiles.
    pub fn as_str(self) -> &'static str {
        match self {
            Sharing::Shared => "shared",
            Sharing::Private => "private",
            Sharing::Locked => "locked",
        }
    }
}

/// A parsed, expanded mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// The kind.
    pub kind: MountType,
    /// `from=` stage, index or image.
    pub from: Option<String>,
    /// `source=`/`src=`.
    pub source: Option<String>,
    /// `target=`/`dst=`/`destination=`.
    pub target: Option<String>,
    /// Read-only (bind, secret, ssh default to true).
    pub readonly: bool,
    /// `size=` of a tmpfs, in bytes.
    pub size: Option<u64>,
    /// `id=` (cache id, secret id, ssh id).
    pub id: Option<String>,
    /// `sharing=` of a cache mount.
    pub sharing: Option<Sharing>,
    /// `required=` of a secret or ssh mount.
    pub required: bool,
    /// `env=` of a secret mount.
    pub env: Option<String>,
    /// `mode=` (octal).
    pub mode: Option<u32>,
    /// `uid=`.
    pub uid: Option<u32>,
    /// `gid=`.
    pub gid: Option<u32>,
}

/// Splits a mount spec into its CSV fields, with BuildKit's message prefix on errors.
pub fn csv_fields(s: &str) -> Result<Vec<String>, String> {
    crate::csv::fields(s).map_err(|e| match e {
        crate::csv::CsvError::BareQuote => {
            "failed to parse csv mounts: bare \" in non-quoted-field".to_string()
        }
        _ => "failed to parse csv mounts: extraneous or missing \" in quoted-field".to_string(),
    })
}

/// The checks BuildKit makes before expansion: valid CSV and no variable in `from`.
pub fn check_unexpanded(spec: &str) -> Result<(), String> {
    for field in csv_fields(spec)? {
        if let Some((key, value)) = field.split_once('=')
            && key.eq_ignore_ascii_case("from")
            && let Some(i) = value.find('$')
            && i != value.len() - 1
        {
            return Err(
                "'from' doesn't support variable expansion, define alias stage instead".into(),
            );
        }
    }
    Ok(())
}

fn parse_bool(key: &str, value: &str) -> Result<bool, String> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Ok(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Ok(false),
        _ => Err(format!("invalid value for {key}: {value}")),
    }
}

/// Parses a mount spec whose values `expand` turns into their final form.
pub fn parse(
    spec: &str,
    mut expand: impl FnMut(&str) -> Result<String, String>,
) -> Result<Mount, String> {
    let mut m = Mount {
        kind: MountType::Bind,
        from: None,
        source: None,
        target: None,
        readonly: true,
        size: None,
        id: None,
        sharing: None,
        required: false,
        env: None,
        mode: None,
        uid: None,
        gid: None,
    };
    let mut ro_auto = true;
    for field in csv_fields(spec)? {
        let Some((key, value)) = field.split_once('=') else {
            match field.to_lowercase().as_str() {
                "readonly" | "ro" => {
                    m.readonly = true;
                    ro_auto = false;
                }
                "readwrite" | "rw" => {
                    m.readonly = false;
                    ro_auto = false;
                }
                "required" if matches!(m.kind, MountType::Secret | MountType::Ssh) => {
                    m.required = true;
                }
                "required" => {
                    return Err(format!(
                        "unexpected key 'required' for mount type '{}'",
                        m.kind.as_str()
                    ));
                }
                _ => return Err(format!("invalid field '{field}' must be a key=value pair")),
            }
            continue;
        };
        let key = key.to_lowercase();
        let value = expand(value)?;
        match key.as_str() {
            "type" => {
                m.kind = match value.to_lowercase().as_str() {
                    "bind" => MountType::Bind,
                    "cache" => MountType::Cache,
                    "tmpfs" => MountType::Tmpfs,
                    "secret" => MountType::Secret,
                    "ssh" => MountType::Ssh,
                    _ => return Err(format!("unsupported mount type {value:?}")),
                }
            }
            "from" => m.from = Some(value),
            "source" | "src" => m.source = Some(value),
            "target" | "dst" | "destination" => m.target = Some(value),
            "readonly" | "ro" => {
                m.readonly = parse_bool(&key, &value)?;
                ro_auto = false;
            }
            "readwrite" | "rw" => {
                m.readonly = !parse_bool(&key, &value)?;
                ro_auto = false;
            }
            "required" if matches!(m.kind, MountType::Secret | MountType::Ssh) => {
                m.required = parse_bool(&key, &value)?;
            }
            "size" if m.kind == MountType::Tmpfs => {
                m.size = Some(
                    parse_ram_bytes(&value)
                        .ok_or_else(|| format!("invalid value for {key}: {value}"))?,
                );
            }
            "required" | "size" => {
                return Err(format!(
                    "unexpected key '{key}' for mount type '{}'",
                    m.kind.as_str()
                ));
            }
            "id" => m.id = Some(value),
            "sharing" => {
                m.sharing = Some(match value.to_lowercase().as_str() {
                    "shared" => Sharing::Shared,
                    "private" => Sharing::Private,
                    "locked" => Sharing::Locked,
                    _ => return Err(format!("unsupported sharing value {value:?}")),
                })
            }
            "mode" => {
                m.mode = Some(
                    u32::from_str_radix(&value, 8)
                        .map_err(|_| format!("invalid value {value} for mode"))?,
                )
            }
            "uid" => {
                m.uid = Some(
                    value
                        .parse()
                        .map_err(|_| format!("invalid value {value} for uid"))?,
                )
            }
            "gid" => {
                m.gid = Some(
                    value
                        .parse()
                        .map_err(|_| format!("invalid value {value} for gid"))?,
                )
            }
            "env" => m.env = Some(value),
            _ => return Err(format!("unexpected key '{key}' in '{field}'")),
        }
    }
    let file_info_allowed = matches!(
        m.kind,
        MountType::Secret | MountType::Ssh | MountType::Cache
    );
    if !file_info_allowed {
        for (name, set) in [
            ("mode", m.mode.is_some()),
            ("uid", m.uid.is_some()),
            ("gid", m.gid.is_some()),
        ] {
            if set {
                return Err(format!(
                    "{name} not allowed for \"{}\" type mounts",
                    m.kind.as_str()
                ));
            }
        }
    }
    if ro_auto {
        m.readonly = !matches!(m.kind, MountType::Cache | MountType::Tmpfs);
    }
    if m.kind == MountType::Secret {
        if m.from.is_some() {
            return Err("secret mount should not have a from".into());
        }
        if m.sharing.is_some() {
            return Err("secret mount should not define sharing".into());
        }
        if m.source.is_none() && m.target.is_none() && m.id.is_none() {
            return Err("invalid secret mount. one of source, target required".into());
        }
        if m.source.is_some() && m.id.is_some() {
            return Err("both source and id can't be set".into());
        }
    }
    if m.sharing.is_some() && m.kind != MountType::Cache {
        return Err(format!(
            "invalid cache sharing set for {} mount",
            m.kind.as_str()
        ));
    }
    Ok(m)
}

/// docker/go-units `RAMInBytes`: `64m`, `1g`, `512kb`, `100` (binary multiples).
fn parse_ram_bytes(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult: f64 = match unit.trim().to_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024f64.powi(4),
        "p" | "pb" | "pib" => 1024f64.powi(5),
        _ => return None,
    };
    Some((n * mult) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(spec: &str) -> Result<Mount, String> {
        parse(spec, |v| Ok(v.to_string()))
    }

    #[test]
    fn defaults_per_type() {
        let m = p("type=cache,target=/root/.cache").unwrap();
        assert_eq!(m.kind, MountType::Cache);
        assert!(!m.readonly);
        let m = p("target=/src").unwrap();
        assert_eq!(m.kind, MountType::Bind);
        assert!(m.readonly);
        let m = p("type=bind,target=/src,rw").unwrap();
        assert!(!m.readonly);
        let m = p("type=secret,id=npmrc,required").unwrap();
        assert!(m.required && m.readonly);
        let m = p("type=tmpfs,target=/t,size=64m").unwrap();
        assert_eq!(m.size, Some(64 << 20));
        let m = p("type=cache,target=/c,sharing=locked,mode=0755,uid=1000").unwrap();
        assert_eq!(m.sharing, Some(Sharing::Locked));
        assert_eq!(m.mode, Some(0o755));
        assert_eq!(m.uid, Some(1000));
    }

    #[test]
    fn errors_in_buildkit_words() {
        assert_eq!(p("type=foo").unwrap_err(), "unsupported mount type \"foo\"");
        assert_eq!(
            p("type=bind,mode=0700").unwrap_err(),
            "mode not allowed for \"bind\" type mounts"
        );
        assert_eq!(
            p("type=bind,required").unwrap_err(),
            "unexpected key 'required' for mount type 'bind'"
        );
        assert_eq!(
            p("type=secret,id=a,sharing=locked").unwrap_err(),
            "secret mount should not define sharing"
        );
        assert_eq!(
            p("type=bind,target=/x,sharing=locked").unwrap_err(),
            "invalid cache sharing set for bind mount"
        );
        assert_eq!(
            p("type=cache,bogus=1").unwrap_err(),
            "unexpected key 'bogus' in 'bogus=1'"
        );
        assert_eq!(
            p("type=cache,target").unwrap_err(),
            "invalid field 'target' must be a key=value pair"
        );
        assert!(check_unexpanded("type=bind,from=$STAGE").is_err());
        assert!(check_unexpanded("type=bind,from=a$").is_ok());
    }

    #[test]
    fn csv_quotes() {
        assert_eq!(
            csv_fields(r#"type=bind,"source=a,b",target=/x"#).unwrap(),
            ["type=bind", "source=a,b", "target=/x"]
        );
        assert!(csv_fields(r#"a"b"#).is_err());
        assert!(csv_fields(r#""ab"#).is_err());
    }
}
