//! Build secrets (`--secret`) and ssh agents (`--ssh`) as buildx parses them; their values are
//! read only when a step mounts them and never leave the step's private scratch dir.
//!
//! * `--secret id=X,src=FILE` (also `source=`, `type=file`), `--secret id=X,env=VAR`
//!   (`type=env`, where `src=` names the variable); with neither, the variable named `X` when it
//!   is set, else the file `X` (BuildKit's secrets provider).
//! * `--ssh default` (the agent at `$SSH_AUTH_SOCK`), `--ssh ID=/path/to/socket`.

use std::path::PathBuf;

/// The largest secret BuildKit accepts (500 KiB).
pub const MAX_SECRET_SIZE: u64 = 500 << 10;

/// Where a secret's value comes from: a name, never the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretSource {
    /// The id a Dockerfile names it by.
    pub id: String,
    /// A file holding the value.
    pub file: Option<PathBuf>,
    /// An environment variable holding the value.
    pub env: Option<String>,
}

/// Why a secret could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The `--secret` or `--ssh` value is malformed.
    #[error("{0}")]
    Invalid(String),
    /// The file could not be read.
    #[error("reading secret `{id}` from `{}`: {source}", path.display())]
    Read {
        /// The secret's id.
        id: String,
        /// The file.
        path: PathBuf,
        /// The system error.
        #[source]
        source: std::io::Error,
    },
    /// The value is larger than BuildKit allows.
    #[error("secret {0} too big. max size 500KB")]
    TooBig(String),
    /// The variable is not set.
    #[error("secret `{id}`: environment variable `{var}` is not set")]
    NoEnv {
        /// The secret's id.
        id: String,
        /// The variable.
        var: String,
    },
}

impl SecretSource {
    /// Parses a `--secret` value as buildx does.
    pub fn parse(value: &str) -> Result<SecretSource, SecretError> {
        let fields = crate::csv::fields(value)
            .map_err(|e| SecretError::Invalid(format!("--secret {value:?}: {e}")))?;
        let mut typ = None;
        let (mut id, mut file, mut env) = (None, None, None);
        for field in fields {
            let Some((key, v)) = field.split_once('=') else {
                return Err(SecretError::Invalid(format!(
                    "invalid field '{field}' must be a key=value pair"
                )));
            };
            match key.to_lowercase().as_str() {
                "type" => {
                    if v != "file" && v != "env" {
                        return Err(SecretError::Invalid(format!(
                            "unsupported secret type {v:?}"
                        )));
                    }
                    typ = Some(v.to_string());
                }
                "id" => id = Some(v.to_string()),
                "source" | "src" => file = Some(v.to_string()),
                "env" => env = Some(v.to_string()),
                other => {
                    return Err(SecretError::Invalid(format!(
                        "unexpected key '{other}' in '{field}'"
                    )));
                }
            }
        }
        if typ.as_deref() == Some("env") && env.is_none() {
            env = file.take();
        }
        let id = id.filter(|i| !i.is_empty()).ok_or_else(|| {
            SecretError::Invalid(format!("--secret {value:?}: secret missing ID"))
        })?;
        if env.is_none() && file.is_none() {
            if std::env::var_os(&id).is_some() {
                env = Some(id.clone());
            } else {
                file = Some(id.clone());
            }
        }
        Ok(SecretSource {
            id,
            file: file.map(PathBuf::from),
            env,
        })
    }

    /// Reads the value (at most [`MAX_SECRET_SIZE`] bytes).
    pub fn read(&self) -> Result<Vec<u8>, SecretError> {
        let value = match (&self.file, &self.env) {
            (Some(path), _) => {
                let read = |source| SecretError::Read {
                    id: self.id.clone(),
                    path: path.clone(),
                    source,
                };
                let meta = std::fs::metadata(path).map_err(read)?;
                if meta.len() > MAX_SECRET_SIZE {
                    return Err(SecretError::TooBig(self.id.clone()));
                }
                std::fs::read(path).map_err(read)?
            }
            (None, Some(var)) => std::env::var_os(var)
                .ok_or_else(|| SecretError::NoEnv {
                    id: self.id.clone(),
                    var: var.clone(),
                })?
                .into_encoded_bytes(),
            (None, None) => Vec::new(),
        };
        if value.len() as u64 > MAX_SECRET_SIZE {
            return Err(SecretError::TooBig(self.id.clone()));
        }
        Ok(value)
    }
}

/// An ssh agent a step may use (`--ssh`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshSource {
    /// The id a Dockerfile names it by (`default` unless given).
    pub id: String,
    /// The agent's socket; `None`: `$SSH_AUTH_SOCK` when the step runs.
    pub socket: Option<PathBuf>,
}

impl SshSource {
    /// Parses a `--ssh` value as buildx does: `ID[=PATH[,PATH...]]` (only the first path, a
    /// socket, is used).
    pub fn parse(value: &str) -> Result<SshSource, SecretError> {
        let (id, paths) = match value.split_once('=') {
            Some((id, paths)) => (id, Some(paths)),
            None => (value, None),
        };
        if id.is_empty() {
            return Err(SecretError::Invalid(format!(
                "--ssh {value:?}: an id is needed"
            )));
        }
        let socket = paths
            .and_then(|p| p.split(',').next())
            .filter(|p| !p.is_empty())
            .map(PathBuf::from);
        Ok(SshSource {
            id: id.to_string(),
            socket,
        })
    }

    /// The socket to forward.
    pub fn socket(&self) -> Result<PathBuf, SecretError> {
        match &self.socket {
            Some(p) => Ok(p.clone()),
            None => std::env::var_os("SSH_AUTH_SOCK")
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .ok_or_else(|| {
                    SecretError::Invalid(format!(
                        "ssh `{}`: SSH_AUTH_SOCK is not set (start ssh-agent or give --ssh {}=/path/to/socket)",
                        self.id, self.id
                    ))
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_parse_as_buildx() {
        let s = SecretSource::parse("id=npm,src=/tmp/npmrc").unwrap();
        assert_eq!(s.file, Some(PathBuf::from("/tmp/npmrc")));
        assert_eq!(s.env, None);
        let s = SecretSource::parse("id=tok,env=MY_TOKEN").unwrap();
        assert_eq!(s.env.as_deref(), Some("MY_TOKEN"));
        let s = SecretSource::parse("type=env,id=tok,source=VAR").unwrap();
        assert_eq!((s.env.as_deref(), s.file), (Some("VAR"), None));
        assert!(SecretSource::parse("src=/x").is_err());
        assert!(SecretSource::parse("id=a,type=bogus").is_err());
        assert!(SecretSource::parse("id=a,bogus=1").is_err());
    }

    #[test]
    fn ssh_parses_as_buildx() {
        assert_eq!(
            SshSource::parse("default").unwrap(),
            SshSource {
                id: "default".into(),
                socket: None
            }
        );
        let s = SshSource::parse("gh=/run/agent.sock").unwrap();
        assert_eq!(s.socket, Some(PathBuf::from("/run/agent.sock")));
    }
}
