//! What `docker buildx build`'s sandbox flags give every RUN step: extra `/etc/hosts` lines,
//! the size of `/dev/shm`, resource limits, a cgroup parent, a default network. Parsed here
//! (with Docker's names and messages) and applied by [`super::spec`].

/// What `docker buildx build`'s `--add-host`, `--shm-size`, `--ulimit` and `--cgroup-parent`
/// give every RUN step. In a step's key when set (BuildKit keeps them in the ExecOp), except
/// the cgroup parent, which places the process without changing what it makes (BuildKit's
/// provenance drops it as host-specific too). Unset, keys are what they were before these
/// flags existed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSandbox {
    /// `--add-host HOST:IP`: extra `/etc/hosts` lines, in order.
    pub extra_hosts: Vec<(String, String)>,
    /// `--shm-size`: the size of `/dev/shm`, in bytes.
    pub shm_size: Option<u64>,
    /// `--ulimit NAME=SOFT[:HARD]`.
    pub ulimits: Vec<Ulimit>,
    /// `--cgroup-parent`: the cgroup the step's cgroup is made under.
    pub cgroup_parent: Option<String>,
    /// `--network`: the network of RUN steps that name none (`none`, `host`; `None`: the
    /// default).
    pub network: Option<String>,
}

/// One `--ulimit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ulimit {
    /// Its name as Docker spells it (`nofile`, `nproc`, `core`, ...).
    pub name: String,
    /// The soft limit (`-1`: unlimited).
    pub soft: i64,
    /// The hard limit.
    pub hard: i64,
}

/// The `--ulimit` names Docker accepts.
pub const ULIMIT_NAMES: [&str; 15] = [
    "as",
    "core",
    "cpu",
    "data",
    "fsize",
    "locks",
    "memlock",
    "msgqueue",
    "nice",
    "nofile",
    "nproc",
    "rss",
    "rtprio",
    "rttime",
    "sigpending",
];

impl RunSandbox {
    /// The first option (or `RUN --security=insecure` when `privileged`) that only runc can
    /// apply, named as the user gave it; `None` when there is none.
    pub fn unenforceable_in_container(&self, privileged: bool) -> Option<&'static str> {
        if privileged {
            Some("RUN --security=insecure")
        } else if !self.extra_hosts.is_empty() {
            Some("--add-host")
        } else if self.shm_size.is_some() {
            Some("--shm-size")
        } else if !self.ulimits.is_empty() {
            Some("--ulimit")
        } else if self.cgroup_parent.is_some() {
            Some("--cgroup-parent")
        } else {
            None
        }
    }

    /// Parses `--network` (`default`, `none` or `host`).
    pub fn network(&mut self, value: &str) -> Result<(), String> {
        match value {
            "default" | "" => self.network = None,
            "none" | "host" => self.network = Some(value.to_string()),
            other => {
                return Err(format!(
                    "--network {other:?}: rbuild takes default, none or host (BuildKit's modes)"
                ));
            }
        }
        Ok(())
    }

    /// Parses `--add-host HOST:IP` (`HOST=IP` too, as buildx takes; IPv6 addresses may hold
    /// colons after the first).
    pub fn add_host(&mut self, value: &str) -> Result<(), String> {
        let (host, ip) = value
            .split_once('=')
            .or_else(|| value.split_once(':'))
            .filter(|(h, ip)| !h.is_empty() && !ip.is_empty())
            .ok_or_else(|| format!("--add-host {value:?}: want HOST:IP"))?;
        let ip = ip.trim_start_matches('[').trim_end_matches(']');
        if ip != "host-gateway" && ip.parse::<std::net::IpAddr>().is_err() {
            return Err(format!("--add-host {value:?}: invalid IP address {ip:?}"));
        }
        if ip == "host-gateway" {
            return Err(format!(
                "--add-host {value:?}: host-gateway needs a Docker daemon's gateway address; give the IP"
            ));
        }
        self.extra_hosts.push((host.to_string(), ip.to_string()));
        Ok(())
    }

    /// Parses `--ulimit NAME=SOFT[:HARD]` as Docker does (`-1` is unlimited).
    pub fn ulimit(&mut self, value: &str) -> Result<(), String> {
        let bad = |why: &str| format!("--ulimit {value:?}: {why}");
        let (name, limits) = value
            .split_once('=')
            .ok_or_else(|| bad("want NAME=SOFT[:HARD]"))?;
        if !ULIMIT_NAMES.contains(&name) {
            return Err(bad(&format!("invalid ulimit type: {name}")));
        }
        let num = |s: &str| {
            s.parse::<i64>()
                .map_err(|_| bad(&format!("invalid ulimit argument: {s}")))
        };
        let (soft, hard) = match limits.split_once(':') {
            Some((s, h)) => (num(s)?, num(h)?),
            None => (num(limits)?, num(limits)?),
        };
        if soft > hard && hard != -1 {
            return Err(bad(&format!(
                "ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}"
            )));
        }
        self.ulimits.retain(|u| u.name != name);
        self.ulimits.push(Ulimit {
            name: name.to_string(),
            soft,
            hard,
        });
        Ok(())
    }
}
