//! The image config: OCI's `application/vnd.oci.image.config.v1+json` with Docker's extensions
//! (Healthcheck, OnBuild, Shell, ArgsEscaped), and how each Dockerfile instruction changes it,
//! following BuildKit's `dockerfile2llb` dispatchers.
//!
//! Fields serialize in the order BuildKit writes them, so that the JSON reads the same.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An empty JSON object, the value type of `ExposedPorts` and `Volumes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// The whole image config document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageConfig {
    /// When the image was created (RFC 3339), if recorded.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub created: Option<String>,
    /// MAINTAINER.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub author: Option<String>,
    /// `amd64`, `arm64`, ...
    #[serde(default)]
    pub architecture: String,
    /// `linux`.
    #[serde(default)]
    pub os: String,
    /// `v7`, `v8`, ...
    #[serde(
        skip_serializing_if = "String::is_empty",
        default,
        deserialize_with = "null_default"
    )]
    pub variant: String,
    /// What a container of this image runs with.
    #[serde(default)]
    pub config: ContainerConfig,
    /// The layers' diff ids.
    #[serde(default)]
    pub rootfs: RootFs,
    /// One entry per instruction.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        default,
        deserialize_with = "null_default"
    )]
    pub history: Vec<History>,
}

/// The `config` object of an image config.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerConfig {
    /// USER.
    #[serde(
        skip_serializing_if = "String::is_empty",
        default,
        deserialize_with = "null_default"
    )]
    pub user: String,
    /// EXPOSE, as `port/proto`.
    #[serde(
        skip_serializing_if = "BTreeMap::is_empty",
        default,
        deserialize_with = "null_default"
    )]
    pub exposed_ports: BTreeMap<String, Empty>,
    /// ENV, as `KEY=value`, in definition order.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        default,
        deserialize_with = "null_default"
    )]
    pub env: Vec<String>,
    /// ENTRYPOINT.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub entrypoint: Option<Vec<String>>,
    /// CMD.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cmd: Option<Vec<String>>,
    /// VOLUME.
    #[serde(
        skip_serializing_if = "BTreeMap::is_empty",
        default,
        deserialize_with = "null_default"
    )]
    pub volumes: BTreeMap<String, Empty>,
    /// WORKDIR.
    #[serde(
        skip_serializing_if = "String::is_empty",
        default,
        deserialize_with = "null_default"
    )]
    pub working_dir: String,
    /// LABEL.
    #[serde(
        skip_serializing_if = "BTreeMap::is_empty",
        default,
        deserialize_with = "null_default"
    )]
    pub labels: BTreeMap<String, String>,
    /// STOPSIGNAL.
    #[serde(
        skip_serializing_if = "String::is_empty",
        default,
        deserialize_with = "null_default"
    )]
    pub stop_signal: String,
    /// Set by CMD, as BuildKit does (Docker image spec compatibility).
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub args_escaped: bool,
    /// HEALTHCHECK.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub healthcheck: Option<HealthConfig>,
    /// ONBUILD triggers.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        default,
        deserialize_with = "null_default"
    )]
    pub on_build: Vec<String>,
    /// SHELL.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        default,
        deserialize_with = "null_default"
    )]
    pub shell: Vec<String>,
}

/// HEALTHCHECK settings; durations in nanoseconds, 0 meaning "inherit the default".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HealthConfig {
    /// `["NONE"]`, `["CMD", ...]` or `["CMD-SHELL", "..."]`.
    pub test: Vec<String>,
    /// `--interval`.
    #[serde(skip_serializing_if = "is_zero", default)]
    pub interval: u64,
    /// `--timeout`.
    #[serde(skip_serializing_if = "is_zero", default)]
    pub timeout: u64,
    /// `--start-period`.
    #[serde(skip_serializing_if = "is_zero", default)]
    pub start_period: u64,
    /// `--start-interval`.
    #[serde(skip_serializing_if = "is_zero", default)]
    pub start_interval: u64,
    /// `--retries`.
    #[serde(skip_serializing_if = "is_zero_u32", default)]
    pub retries: u32,
}

/// Docker writes `null` for empty lists, maps and strings (`"OnBuild": null`): read it as empty.
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn is_zero(v: &u64) -> bool {
    *v == 0
}

fn is_zero_u32(v: &u32) -> bool {
    *v == 0
}

/// The `rootfs` object: the layers by diff id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootFs {
    /// Always `layers`.
    #[serde(rename = "type")]
    pub kind: String,
    /// `sha256:` of each uncompressed layer, bottom first.
    pub diff_ids: Vec<String>,
}

impl Default for RootFs {
    fn default() -> Self {
        Self {
            kind: "layers".into(),
            diff_ids: Vec::new(),
        }
    }
}

/// One history entry.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// When (RFC 3339), if recorded.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub created: Option<String>,
    /// The instruction, as BuildKit words it.
    #[serde(
        skip_serializing_if = "String::is_empty",
        default,
        deserialize_with = "null_default"
    )]
    pub created_by: String,
    /// `buildkit.dockerfile.v0` for entries rbuild writes (tools key on it).
    #[serde(
        skip_serializing_if = "String::is_empty",
        default,
        deserialize_with = "null_default"
    )]
    pub comment: String,
    /// True when the instruction made no layer.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub empty_layer: bool,
}

/// The history comment BuildKit writes; kept so that tools reading history treat rbuild's images
/// the same.
pub const HISTORY_COMMENT: &str = "buildkit.dockerfile.v0";

/// A change an instruction makes to the config, with every value already expanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigChange {
    /// ENV pairs.
    Env(Vec<(String, String)>),
    /// LABEL pairs.
    Labels(Vec<(String, String)>),
    /// MAINTAINER.
    Author(String),
    /// WORKDIR, absolute.
    Workdir(String),
    /// USER.
    User(String),
    /// EXPOSE, already parsed into `port/proto`.
    Expose(Vec<String>),
    /// VOLUME.
    Volumes(Vec<String>),
    /// STOPSIGNAL.
    StopSignal(String),
    /// CMD: argv, or a shell-form command to run under the SHELL.
    Cmd {
        /// Exec form argv, or one string in shell form.
        args: Vec<String>,
        /// Shell form.
        prepend_shell: bool,
    },
    /// ENTRYPOINT, like CMD.
    Entrypoint {
        /// Exec form argv, or one string in shell form.
        args: Vec<String>,
        /// Shell form.
        prepend_shell: bool,
    },
    /// HEALTHCHECK.
    Healthcheck(HealthConfig),
    /// SHELL.
    Shell(Vec<String>),
    /// ONBUILD trigger text.
    OnBuild(String),
}

/// The shell for shell-form commands when SHELL set none (Linux).
pub const DEFAULT_SHELL: [&str; 2] = ["/bin/sh", "-c"];

impl ImageConfig {
    /// Applies one instruction's change. `cmd_set` tracks whether this stage set CMD itself: an
    /// ENTRYPOINT clears a CMD inherited from the base, not one set in the same stage (Docker's
    /// rule).
    pub fn apply(&mut self, change: &ConfigChange, cmd_set: &mut bool) {
        let c = &mut self.config;
        match change {
            ConfigChange::Env(pairs) => {
                for (k, v) in pairs {
                    let entry = format!("{k}={v}");
                    match c
                        .env
                        .iter_mut()
                        .find(|e| e.split_once('=').map_or(e.as_str(), |(key, _)| key) == k)
                    {
                        Some(existing) => *existing = entry,
                        None => c.env.push(entry),
                    }
                }
            }
            ConfigChange::Labels(pairs) => {
                for (k, v) in pairs {
                    c.labels.insert(k.clone(), v.clone());
                }
            }
            ConfigChange::Author(a) => self.author = Some(a.clone()),
            ConfigChange::Workdir(w) => c.working_dir = w.clone(),
            ConfigChange::User(u) => c.user = u.clone(),
            ConfigChange::Expose(ports) => {
                for p in ports {
                    c.exposed_ports.insert(p.clone(), Empty {});
                }
            }
            ConfigChange::Volumes(vs) => {
                for v in vs {
                    c.volumes.insert(v.clone(), Empty {});
                }
            }
            ConfigChange::StopSignal(s) => c.stop_signal = s.clone(),
            ConfigChange::Cmd {
                args,
                prepend_shell,
            } => {
                c.cmd = Some(with_shell(&c.shell, args, *prepend_shell));
                c.args_escaped = true;
                *cmd_set = true;
            }
            ConfigChange::Entrypoint {
                args,
                prepend_shell,
            } => {
                c.entrypoint = if args.is_empty() {
                    None
                } else {
                    Some(with_shell(&c.shell, args, *prepend_shell))
                };
                if !*cmd_set {
                    c.cmd = None;
                }
            }
            ConfigChange::Healthcheck(h) => c.healthcheck = Some(h.clone()),
            ConfigChange::Shell(s) => c.shell = s.clone(),
            ConfigChange::OnBuild(t) => c.on_build.push(t.clone()),
        }
    }

    /// Adds a history entry as BuildKit words it.
    pub fn record(&mut self, created_by: String, empty_layer: bool, created: Option<String>) {
        self.history.push(History {
            created,
            created_by,
            comment: HISTORY_COMMENT.into(),
            empty_layer,
        });
    }
}

/// Shell form runs under the SHELL (default `/bin/sh -c`) with the command joined into one
/// string, as BuildKit's `withShell` does.
fn with_shell(shell: &[String], args: &[String], prepend_shell: bool) -> Vec<String> {
    if !prepend_shell {
        return args.to_vec();
    }
    let mut out: Vec<String> = if shell.is_empty() {
        DEFAULT_SHELL.iter().map(|s| s.to_string()).collect()
    } else {
        shell.to_vec()
    };
    out.push(args.join(" "));
    out
}

/// Parses EXPOSE specs (`80`, `80/udp`, `8000-8002/tcp`) into `port/proto` entries, as Docker's
/// port parsing does (ranges expand, the protocol is lowercased and defaults to tcp).
pub fn parse_ports(specs: &[String]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for raw in specs {
        // `[ip:][hostPort:]containerPort[/proto]`: only the container port matters for EXPOSE.
        let container = raw.rsplit(':').next().unwrap_or(raw);
        let (port, proto) = match container.split_once('/') {
            Some((p, proto)) if !proto.is_empty() => (p, proto.to_lowercase()),
            Some(_) => return Err(format!("invalid port: {raw:?}: no protocol after /")),
            None => (container, "tcp".to_string()),
        };
        let parse = |s: &str| -> Result<u16, String> {
            s.parse::<u16>()
                .map_err(|_| format!("invalid containerPort: {port}"))
        };
        let (start, end) = match port.split_once('-') {
            Some((a, b)) => (parse(a)?, parse(b)?),
            None => {
                let p = parse(port)?;
                (p, p)
            }
        };
        if end < start {
            return Err(format!("invalid containerPort: {port}"));
        }
        for p in start..=end {
            out.push(format!("{p}/{proto}"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn entrypoint_clears_inherited_cmd_only() {
        let mut img = ImageConfig::default();
        img.config.cmd = Some(strings(&["sh"]));
        let mut cmd_set = false;
        img.apply(
            &ConfigChange::Entrypoint {
                args: strings(&["/app"]),
                prepend_shell: false,
            },
            &mut cmd_set,
        );
        assert_eq!(img.config.cmd, None, "inherited CMD is cleared");
        img.apply(
            &ConfigChange::Cmd {
                args: strings(&["--help"]),
                prepend_shell: false,
            },
            &mut cmd_set,
        );
        img.apply(
            &ConfigChange::Entrypoint {
                args: strings(&["run me"]),
                prepend_shell: true,
            },
            &mut cmd_set,
        );
        assert_eq!(
            img.config.cmd,
            Some(strings(&["--help"])),
            "CMD set here stays"
        );
        assert_eq!(
            img.config.entrypoint,
            Some(strings(&["/bin/sh", "-c", "run me"]))
        );
    }

    #[test]
    fn env_replaces_in_place_and_shell_applies() {
        let mut img = ImageConfig::default();
        let mut cmd_set = false;
        img.config.env = strings(&["PATH=/bin", "A=1"]);
        img.apply(
            &ConfigChange::Env(vec![
                ("PATH".into(), "/x:/bin".into()),
                ("B".into(), "2".into()),
            ]),
            &mut cmd_set,
        );
        assert_eq!(img.config.env, strings(&["PATH=/x:/bin", "A=1", "B=2"]));
        img.apply(
            &ConfigChange::Shell(strings(&["bash", "-lc"])),
            &mut cmd_set,
        );
        img.apply(
            &ConfigChange::Cmd {
                args: strings(&["echo hi"]),
                prepend_shell: true,
            },
            &mut cmd_set,
        );
        assert_eq!(img.config.cmd, Some(strings(&["bash", "-lc", "echo hi"])));
        assert!(img.config.args_escaped);
    }

    #[test]
    fn ports() {
        assert_eq!(
            parse_ports(&strings(&["80", "53/UDP", "8000-8002"])).unwrap(),
            strings(&["80/tcp", "53/udp", "8000/tcp", "8001/tcp", "8002/tcp"])
        );
        assert_eq!(
            parse_ports(&strings(&["127.0.0.1:80:8080/tcp"])).unwrap(),
            strings(&["8080/tcp"])
        );
        assert!(parse_ports(&strings(&["http"])).is_err());
        assert!(parse_ports(&strings(&["9-1"])).is_err());
        assert!(parse_ports(&strings(&["70000"])).is_err());
    }

    #[test]
    fn reads_docker_written_configs_with_nulls() {
        let json = r#"{"architecture":"amd64","os":"linux","created":"2024-01-01T00:00:00Z",
            "config":{"Hostname":"","Env":["PATH=/usr/bin","A=1"],"Cmd":["sh"],"Entrypoint":null,
            "OnBuild":null,"Labels":null,"WorkingDir":"","Volumes":null,"ArgsEscaped":true},
            "rootfs":{"type":"layers","diff_ids":["sha256:0000000000000000000000000000000000000000000000000000000000000000"]},
            "history":[{"created":"2024-01-01T00:00:00Z","created_by":"/bin/sh -c #(nop) CMD [\"sh\"]","empty_layer":true}]}"#;
        let img: ImageConfig = serde_json::from_str(json).unwrap();
        assert_eq!(img.config.env, strings(&["PATH=/usr/bin", "A=1"]));
        assert_eq!(img.config.cmd, Some(strings(&["sh"])));
        assert!(img.config.on_build.is_empty() && img.config.labels.is_empty());
        assert_eq!(img.history.len(), 1);
        assert_eq!(img.rootfs.diff_ids.len(), 1);
    }

    #[test]
    fn json_shape_is_dockers() {
        let mut img = ImageConfig {
            architecture: "amd64".into(),
            os: "linux".into(),
            ..ImageConfig::default()
        };
        let mut cmd_set = false;
        img.apply(&ConfigChange::Expose(strings(&["80/tcp"])), &mut cmd_set);
        img.apply(&ConfigChange::Workdir("/app".into()), &mut cmd_set);
        let v = serde_json::to_value(&img).unwrap();
        assert_eq!(v["config"]["ExposedPorts"]["80/tcp"], serde_json::json!({}));
        assert_eq!(v["config"]["WorkingDir"], "/app");
        assert_eq!(v["rootfs"]["type"], "layers");
        assert!(v["config"].get("Cmd").is_none());
    }
}
