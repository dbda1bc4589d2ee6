//! `--output` specs in buildx's syntax: a CSV record of `key=value` fields (a field may be
//! double-quoted to hold commas: `"name=a:1,a:2"`), or a bare path meaning `type=local`.
//!
//! | spec | meaning |
//! |---|---|
//! | `type=oci,dest=out.tar` | an OCI image layout as a tar archive |
//! | `type=oci,dest=out/` or `type=oci,dest=out,tar=false` | an OCI image layout directory |
//! | `type=docker,dest=img.tar,name=foo:bar` | a `docker load` archive tagged `foo:bar` |
//! | `dir` | buildx's `type=local,dest=dir` (not supported yet) |
//! | `-` | buildx's `type=tar,dest=-` (not supported yet) |
//!
//! `dest=-` writes an archive to standard output. Like buildx, `type=oci` writes a tar unless
//! `tar=false`; rbuild also writes a directory when `dest` ends with `/` or is an existing
//! directory (where buildx would fail).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::error::{OutputError, Result};
use super::name::ImageName;

/// The exporters rbuild has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputKind {
    /// `type=oci`: an OCI image layout.
    Oci,
    /// `type=docker`: a `docker load` archive (which is also an OCI layout).
    Docker,
}

impl OutputKind {
    /// The `type=` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Oci => "oci",
            Self::Docker => "docker",
        }
    }
}

/// Where an export goes, once `dest` and `tar` are resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// An OCI layout directory, created or updated.
    Dir(PathBuf),
    /// A tar archive file, replaced atomically.
    Tar(PathBuf),
    /// A tar archive on standard output (`dest=-`).
    Stdout,
    /// The local Docker daemon (`type=docker` without `dest`, `--load`).
    Daemon,
}

/// A parsed `--output`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    /// The exporter.
    pub kind: OutputKind,
    /// `dest=`, as given (`-` is standard output).
    pub dest: PathBuf,
    /// `tar=`, when given.
    pub tar: Option<bool>,
    /// `name=`: the names the image is exported under, in the order given.
    pub names: Vec<ImageName>,
}

impl OutputSpec {
    /// Parses a buildx `--output` value.
    pub fn parse(spec: &str) -> Result<Self> {
        let fields = split_csv(spec)?;
        if let [only] = fields.as_slice()
            && !only.contains('=')
        {
            let (kind, hint) = if only == "-" {
                ("tar", "; use type=oci,dest=- or type=docker,dest=-")
            } else {
                (
                    "local",
                    "; use type=oci,dest=<dir>/ for an OCI layout directory",
                )
            };
            return Err(OutputError::Unsupported {
                spec: spec.into(),
                kind: kind.into(),
                hint: hint.into(),
            });
        }
        let mut kind = None;
        let mut dest = None;
        let mut tar = None;
        let mut names = None;
        for field in &fields {
            let Some((key, value)) = field.split_once('=') else {
                return Err(OutputError::Syntax {
                    spec: spec.into(),
                    reason: format!("field `{field}` is not key=value"),
                });
            };
            let key = key.trim().to_ascii_lowercase();
            let slot_taken = match key.as_str() {
                "type" => kind.replace(value.to_string()).is_some(),
                "dest" => dest.replace(value.to_string()).is_some(),
                "tar" => tar.replace(value.to_string()).is_some(),
                "name" => names.replace(value.to_string()).is_some(),
                _ => {
                    return Err(OutputError::UnknownKey {
                        spec: spec.into(),
                        key,
                    });
                }
            };
            if slot_taken {
                return Err(OutputError::DuplicateKey {
                    spec: spec.into(),
                    key,
                });
            }
        }
        let Some(kind_str) = kind else {
            return Err(OutputError::Syntax {
                spec: spec.into(),
                reason: "`type=` is missing".into(),
            });
        };
        let kind = match kind_str.as_str() {
            "oci" => OutputKind::Oci,
            "docker" => OutputKind::Docker,
            "local" | "tar" | "image" | "registry" | "cacheonly" => {
                return Err(OutputError::Unsupported {
                    spec: spec.into(),
                    kind: kind_str,
                    hint: "; rbuild writes type=oci and type=docker".into(),
                });
            }
            _ => {
                return Err(OutputError::UnknownType {
                    spec: spec.into(),
                    kind: kind_str,
                });
            }
        };
        let dest = match dest {
            Some(d) if !d.is_empty() => PathBuf::from(d),
            // Without dest, buildx's docker exporter loads into the Docker daemon.
            _ if kind == OutputKind::Docker => PathBuf::new(),
            _ => {
                return Err(OutputError::MissingDest {
                    spec: spec.into(),
                    kind: kind.as_str().into(),
                    hint: String::new(),
                });
            }
        };
        let tar = tar
            .map(|v| parse_bool(&v).ok_or((v, "expected true or false")))
            .transpose()
            .map_err(|(value, reason)| OutputError::BadValue {
                spec: spec.into(),
                key: "tar".into(),
                value,
                reason: reason.into(),
            })?;
        if kind == OutputKind::Docker && tar == Some(false) {
            return Err(OutputError::BadValue {
                spec: spec.into(),
                key: "tar".into(),
                value: "false".into(),
                reason: "type=docker writes an archive; use type=oci,tar=false for a directory"
                    .into(),
            });
        }
        if dest == Path::new("-") && tar == Some(false) {
            return Err(OutputError::BadValue {
                spec: spec.into(),
                key: "tar".into(),
                value: "false".into(),
                reason: "dest=- (standard output) takes an archive only".into(),
            });
        }
        let names = match names {
            Some(list) => parse_names(spec, &list)?,
            None => Vec::new(),
        };
        Ok(Self {
            kind,
            dest,
            tar,
            names,
        })
    }

    /// `--load`: a docker archive loaded into the local Docker daemon, named by `tags`.
    pub fn load(tags: &[String]) -> Result<Self> {
        let mut spec = Self {
            kind: OutputKind::Docker,
            dest: PathBuf::new(),
            tar: None,
            names: Vec::new(),
        };
        spec.default_names(tags)?;
        Ok(spec)
    }

    /// Sets the names from `-t` tags when the spec has no `name=`, as buildx does for its
    /// image-producing exporters.
    pub fn default_names(&mut self, tags: &[String]) -> Result<()> {
        if self.names.is_empty() {
            self.names = tags
                .iter()
                .map(|t| ImageName::parse(t))
                .collect::<Result<_>>()?;
        }
        Ok(())
    }

    /// Where the export goes: standard output for `-`; a directory for `tar=false`, a `dest`
    /// ending in `/`, or an existing directory; a tar archive otherwise.
    pub fn destination(&self) -> Destination {
        if self.dest == Path::new("-") {
            return Destination::Stdout;
        }
        if self.kind == OutputKind::Docker && self.dest.as_os_str().is_empty() {
            return Destination::Daemon;
        }
        let dir = match self.tar {
            Some(tar) => !tar,
            None => {
                self.kind == OutputKind::Oci
                    && (self.dest.as_os_str().as_encoded_bytes().ends_with(b"/")
                        || self.dest.is_dir())
            }
        };
        if dir {
            Destination::Dir(self.dest.clone())
        } else {
            Destination::Tar(self.dest.clone())
        }
    }
}

impl FromStr for OutputSpec {
    type Err = OutputError;

    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    // Go's strconv.ParseBool, which buildkit uses.
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

fn parse_names(spec: &str, list: &str) -> Result<Vec<ImageName>> {
    let mut names = Vec::new();
    for name in list.split(',').map(str::trim) {
        let name = ImageName::parse(name).map_err(|e| OutputError::BadValue {
            spec: spec.into(),
            key: "name".into(),
            value: list.into(),
            reason: e.to_string(),
        })?;
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Ok(names)
}

/// Splits one CSV record as Go's `encoding/csv` does (which buildx uses).
fn split_csv(spec: &str) -> Result<Vec<String>> {
    if spec.trim().is_empty() {
        return Err(OutputError::Syntax {
            spec: spec.into(),
            reason: "it is empty".into(),
        });
    }
    crate::csv::fields(spec).map_err(|e| OutputError::Syntax {
        spec: spec.into(),
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(spec: &str) -> String {
        OutputSpec::parse(spec).unwrap_err().to_string()
    }

    #[test]
    fn parses_buildx_specs() {
        let s = OutputSpec::parse("type=oci,dest=out.tar").unwrap();
        assert_eq!(s.kind, OutputKind::Oci);
        assert_eq!(s.destination(), Destination::Tar("out.tar".into()));
        let s = OutputSpec::parse("type=oci,dest=out/").unwrap();
        assert_eq!(s.destination(), Destination::Dir("out/".into()));
        let s = OutputSpec::parse("type=oci,dest=out,tar=false").unwrap();
        assert_eq!(s.destination(), Destination::Dir("out".into()));
        let s = OutputSpec::parse("Type=docker,dest=-,name=foo:bar").unwrap();
        assert_eq!(s.kind, OutputKind::Docker);
        assert_eq!(s.destination(), Destination::Stdout);
        assert_eq!(s.names[0].full(), "docker.io/library/foo:bar");
        let s = OutputSpec::parse(r#"type=docker,dest=x.tar,"name=a:1,b""#).unwrap();
        let names: Vec<_> = s.names.iter().map(|n| n.familiar()).collect();
        assert_eq!(names, ["a:1", "b:latest"]);
    }

    #[test]
    fn default_names_only_fill_an_empty_list() {
        let mut s = OutputSpec::parse("type=oci,dest=o.tar").unwrap();
        s.default_names(&["x:1".into()]).unwrap();
        s.default_names(&["y:1".into()]).unwrap();
        assert_eq!(s.names.len(), 1);
        assert_eq!(s.names[0].familiar(), "x:1");
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        assert!(err("type=foo,dest=x").contains("unknown type `foo`"));
        assert!(err("type=oci").contains("needs `dest=<path>`"));
        assert!(err("type=oci,dest=").contains("needs `dest=<path>`"));
        // Without dest, buildx's docker exporter loads into the daemon; so does rbuild's.
        assert_eq!(
            OutputSpec::parse("type=docker").unwrap().destination(),
            Destination::Daemon
        );
        assert!(err("type=oci,dest=x,colour=red").contains("unknown key `colour`"));
        assert!(err("type=oci,dest=x,dest=y").contains("key `dest` is given twice"));
        assert!(err("type=oci,dest=x,tar=maybe").contains("`tar=maybe`"));
        assert!(err("type=oci,dest=x,name=Foo").contains("`name=Foo`"));
        assert!(err("dest=x").contains("`type=` is missing"));
        assert!(err("type=oci,dest").contains("field `dest` is not key=value"));
        assert!(err("type=oci,\"dest=x").contains("not closed"));
        assert!(err("type=oci,de\"st=x").contains("unquoted"));
        assert!(err("").contains("empty"));
        assert!(err("out").contains("type=local is not supported yet"));
        assert!(err("-").contains("type=tar is not supported yet"));
        assert!(err("type=registry,name=x").contains("type=registry is not supported yet"));
        assert!(err("type=docker,dest=x,tar=false").contains("type=oci,tar=false"));
    }
}
