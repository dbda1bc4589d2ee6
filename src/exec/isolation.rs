//! Which isolation runs RUN steps (`--isolation auto|runc|container`, DESIGN.md "Layers and
//! execution"):
//!
//! * `runc`: root with CAP_SYS_ADMIN (a VM runner, a privileged container): overlayfs and an OCI
//!   runtime, each step in containers of its own;
//! * `container`: uid 0 in an unprivileged container (Docker's default profile, Kubernetes,
//!   CodeBuild without privileged mode): the container is the sandbox and the step runs in it
//!   directly, at `/` ([`super::container`]);
//! * `auto` picks `runc` when rbuild may mount (a missing runtime is then the step's error,
//!   naming the package to install), else `container` when it is uid 0 without CAP_SYS_ADMIN
//!   inside a container, else says what is missing (at the first RUN step: a build without
//!   one needs neither).
//!
//! The container isolation replaces `/`: it is refused outside a container, which rbuild tells
//! by `/.dockerenv` (Docker), `/run/.containerenv` (Podman, Buildah), `KUBERNETES_SERVICE_HOST`
//! (any Kubernetes pod), or `RBUILD_IN_CONTAINER=1` for other container runners.

use std::path::Path;

/// `--isolation`, as given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum IsolationChoice {
    /// `runc` when possible, else `container` in an unprivileged container.
    #[default]
    Auto,
    /// Overlayfs and an OCI runtime (root with CAP_SYS_ADMIN).
    Runc,
    /// The container rbuild runs in is the sandbox (uid 0, no CAP_SYS_ADMIN needed).
    Container,
}

impl std::str::FromStr for IsolationChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" | "default" => Ok(Self::Auto),
            "runc" => Ok(Self::Runc),
            "container" | "chroot" => Ok(Self::Container),
            other => Err(format!(
                "unknown isolation `{other}` (auto, runc or container)"
            )),
        }
    }
}

/// The isolation a build's RUN steps use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Isolation {
    /// Overlayfs and an OCI runtime.
    Runc,
    /// Directly in the container rbuild runs in, at `/`.
    Container,
    /// None can run here; the message says what is missing (a RUN step fails with it).
    Unavailable(String),
}

/// What rbuild found about the process it runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Privileges {
    /// Effective uid 0.
    pub root: bool,
    /// CAP_SYS_ADMIN in the effective set (mounts).
    pub sys_admin: bool,
    /// Inside a container (see the module docs).
    pub in_container: bool,
}

/// The bit of CAP_SYS_ADMIN in `/proc/self/status`'s capability masks.
const CAP_SYS_ADMIN: u32 = 21;

impl Privileges {
    /// Finds out about this process.
    pub fn of_this_process() -> Self {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        Self {
            root: rustix::process::geteuid().is_root(),
            sys_admin: effective_caps(&status).is_some_and(|c| c & (1 << CAP_SYS_ADMIN) != 0),
            in_container: in_container(Path::new("/"), |k| std::env::var_os(k).is_some()),
        }
    }

    /// The snapshot format a build here uses with `--isolation auto` (what `du` and `prune`
    /// read): overlayfs' where rbuild may mount, whiteouts as files elsewhere.
    pub fn snapshot_format(&self) -> crate::store::SnapshotFormat {
        if self.root && self.sys_admin {
            crate::store::SnapshotFormat::Overlay
        } else {
            crate::store::SnapshotFormat::Files
        }
    }

    /// The isolation `choice` resolves to with these privileges.
    pub fn isolation(&self, choice: IsolationChoice) -> Isolation {
        let runc_missing = || {
            let mut missing = Vec::new();
            if !self.root {
                missing.push("uid 0");
            }
            if !self.sys_admin {
                missing.push("CAP_SYS_ADMIN (to mount overlayfs)");
            }
            missing
        };
        let container_missing = || {
            let mut missing = Vec::new();
            if !self.root {
                missing.push("uid 0 (run the container as root: `--user 0`)");
            }
            if !self.in_container {
                missing.push(
                    "a container of its own (it replaces `/`: rbuild found no /.dockerenv, \
                     /run/.containerenv or KUBERNETES_SERVICE_HOST; set RBUILD_IN_CONTAINER=1 \
                     if this is a container)",
                );
            }
            missing
        };
        match choice {
            IsolationChoice::Runc => match runc_missing() {
                m if m.is_empty() => Isolation::Runc,
                m => Isolation::Unavailable(format!("--isolation=runc needs {}", m.join(", "))),
            },
            IsolationChoice::Container => match container_missing() {
                m if m.is_empty() => Isolation::Container,
                m => Isolation::Unavailable(format!(
                    "--isolation=container needs {}",
                    m.join(" and ")
                )),
            },
            IsolationChoice::Auto => {
                let runc = runc_missing();
                if runc.is_empty() {
                    return Isolation::Runc;
                }
                let container = container_missing();
                if container.is_empty() && !self.sys_admin {
                    return Isolation::Container;
                }
                Isolation::Unavailable(format!(
                    "RUN steps cannot run here: the runc isolation needs {}; the container \
                     isolation needs {}",
                    runc.join(" and "),
                    container.join(" and ")
                ))
            }
        }
    }
}

/// The effective capability mask of a `/proc/<pid>/status` text.
fn effective_caps(status: &str) -> Option<u64> {
    let hex = status.lines().find_map(|l| l.strip_prefix("CapEff:"))?;
    u64::from_str_radix(hex.trim(), 16).ok()
}

/// Whether the process runs in a container, from the marker files under `root` and the
/// environment (`has_var`).
fn in_container(root: &Path, has_var: impl Fn(&str) -> bool) -> bool {
    root.join(".dockerenv").exists()
        || root.join("run/.containerenv").exists()
        || has_var("KUBERNETES_SERVICE_HOST")
        || std::env::var("RBUILD_IN_CONTAINER").is_ok_and(|v| v == "1")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(root: bool, sys_admin: bool, in_container: bool) -> Privileges {
        Privileges {
            root,
            sys_admin,
            in_container,
        }
    }

    #[test]
    fn auto_picks_runc_where_it_can_mount_and_the_container_in_an_unprivileged_one() {
        let vm_root = with(true, true, false);
        assert_eq!(vm_root.isolation(IsolationChoice::Auto), Isolation::Runc);
        let privileged_container = with(true, true, true);
        assert_eq!(
            privileged_container.isolation(IsolationChoice::Auto),
            Isolation::Runc
        );
        let docker_default = with(true, false, true);
        assert_eq!(
            docker_default.isolation(IsolationChoice::Auto),
            Isolation::Container
        );
    }

    #[test]
    fn what_is_missing_is_said() {
        let user = with(false, false, false);
        let Isolation::Unavailable(why) = user.isolation(IsolationChoice::Auto) else {
            panic!("a plain user cannot run steps");
        };
        assert!(
            why.contains("uid 0") && why.contains("CAP_SYS_ADMIN"),
            "{why}"
        );
        let vm = with(true, true, false);
        let Isolation::Unavailable(why) = vm.isolation(IsolationChoice::Container) else {
            panic!("the container isolation is refused outside a container");
        };
        assert!(why.contains("RBUILD_IN_CONTAINER=1"), "{why}");
        let unprivileged = with(true, false, true);
        let Isolation::Unavailable(why) = unprivileged.isolation(IsolationChoice::Runc) else {
            panic!("runc needs CAP_SYS_ADMIN");
        };
        assert!(why.contains("CAP_SYS_ADMIN"), "{why}");
    }

    #[test]
    fn capabilities_and_container_markers_are_read() {
        let status = "Name:\tx\nCapInh:\t0000000000000000\nCapEff:\t00000000a80425fb\n";
        let caps = effective_caps(status).unwrap();
        assert_eq!(
            caps & (1 << CAP_SYS_ADMIN),
            0,
            "Docker's default set has no SYS_ADMIN"
        );
        assert_ne!(
            effective_caps("CapEff:\t000001ffffffffff\n").unwrap() & (1 << 21),
            0
        );
        let root = tempfile::tempdir().unwrap();
        assert!(!in_container(root.path(), |_| false));
        assert!(in_container(root.path(), |k| k == "KUBERNETES_SERVICE_HOST"));
        std::fs::write(root.path().join(".dockerenv"), "").unwrap();
        assert!(in_container(root.path(), |_| false));
    }
}
