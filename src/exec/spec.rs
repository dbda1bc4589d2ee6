//! The bundle's `config.json`: what `runc spec` and BuildKit's runc executor generate, for one
//! RUN step.
//!
//! * process: the argv, environment (a default `PATH` when the step has none, as BuildKit adds),
//!   working directory and ids of [`super::user`]; Docker's default capability set (bounding,
//!   effective, permitted), no ambient or inheritable ones; `noNewPrivileges` off (Docker's
//!   default); `RLIMIT_NOFILE` 1024:1024 (runc's default spec);
//! * root: the overlay mount, writable;
//! * mounts: `/proc`, `/dev` (tmpfs), `/dev/pts`, `/dev/shm`, `/dev/mqueue`, `/sys` (read-only
//!   sysfs) and `/sys/fs/cgroup`, as `runc spec`; the host's `/etc/resolv.conf` and an
//!   `/etc/hosts` naming the step's host name ([`hosts_file`]) bind-mounted read-only, as
//!   BuildKit does; then the step's own ([`super::RunSpec::mounts`]:
//!   binds `rbind` + `ro`/`rw`, tmpfs `nosuid` with its size), parents before children, each in
//!   the place of a default mount of the same destination (`/dev/shm`), as BuildKit's
//!   `dedupMounts`;
//! * namespaces: pid, ipc, uts, mount, and network with [`super::Network::None`]; the masked and
//!   read-only `/proc` paths of `runc spec`; no cgroup limits.

use std::path::{Path, PathBuf};

use oci_spec::runtime::{
    Capability, LinuxBuilder, LinuxCapabilitiesBuilder, LinuxDeviceCgroup,
    LinuxDeviceCgroupBuilder, LinuxDeviceType, LinuxNamespaceBuilder, LinuxNamespaceType,
    LinuxResourcesBuilder, Mount, MountBuilder, ProcessBuilder, RootBuilder, Spec, UserBuilder,
    get_default_maskedpaths, get_default_mounts, get_default_readonly_paths,
};

use super::user::Ids;
use super::{ExecError, ExecMount, ExecMountKind, Network, RunSpec};

/// The `PATH` a step gets when its environment has none (BuildKit's default).
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Files bind-mounted read-only into every step (as BuildKit does): the host's
/// `/etc/resolv.conf`, and the generated [`hosts_file`] at `/etc/hosts`.
pub const HOST_FILES: [&str; 2] = ["/etc/resolv.conf", "/etc/hosts"];

/// A step's host name when none is given (BuildKit's).
pub const DEFAULT_HOSTNAME: &str = "buildkitsandbox";

/// The `/etc/hosts` of a step with host name `hostname`, as BuildKit's executor writes it
/// (`oci.GetHostsFile`; an empty name is [`DEFAULT_HOSTNAME`]): the host's own file is not used.
pub fn hosts_file(hostname: &str) -> String {
    let hostname = if hostname.is_empty() {
        DEFAULT_HOSTNAME
    } else {
        hostname
    };
    format!("127.0.0.1\tlocalhost {hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n")
}

/// Docker's default capabilities.
const DEFAULT_CAPS: [Capability; 14] = [
    Capability::Chown,
    Capability::DacOverride,
    Capability::Fsetid,
    Capability::Fowner,
    Capability::Mknod,
    Capability::NetRaw,
    Capability::Setgid,
    Capability::Setuid,
    Capability::Setfcap,
    Capability::Setpcap,
    Capability::NetBindService,
    Capability::SysChroot,
    Capability::Kill,
    Capability::AuditWrite,
];

/// The mount points of the spec (container paths), for [`super::mountpoints`].
pub fn mount_targets() -> Vec<PathBuf> {
    let mut targets: Vec<PathBuf> = get_default_mounts()
        .iter()
        .map(|m| m.destination().clone())
        .collect();
    targets.extend(HOST_FILES.iter().map(PathBuf::from));
    targets
}

/// The process environment of `spec`: its variables, the secret ones (`env=` secrets) in place
/// of any of the same name, and BuildKit's default `PATH` when it has none.
pub fn process_env(spec: &RunSpec) -> Vec<String> {
    let mut env = spec.env.clone();
    for (name, value) in &spec.secret_env {
        env.retain(|e| e.split_once('=').map_or(e.as_str(), |(k, _)| k) != name);
        env.push(format!("{name}={}", value.0));
    }
    if !env.iter().any(|e| e.starts_with("PATH=")) {
        env.push(format!("PATH={DEFAULT_PATH}"));
    }
    env
}

/// The spec for `spec` with root `merged` and ids `ids`; `hosts`: bind-mount [`HOST_FILES`],
/// `/etc/hosts` from this file (only when the root's `/etc` is a directory or absent).
pub fn build(
    spec: &RunSpec,
    merged: &Path,
    ids: &Ids,
    hosts: Option<&Path>,
) -> Result<Spec, ExecError> {
    build_inner(spec, merged, ids, hosts).map_err(|source| ExecError::Spec {
        path: merged.to_path_buf(),
        source,
    })
}

fn build_inner(
    spec: &RunSpec,
    merged: &Path,
    ids: &Ids,
    hosts: Option<&Path>,
) -> Result<Spec, oci_spec::OciSpecError> {
    let env = process_env(spec);
    let caps: oci_spec::runtime::Capabilities = if spec.privileged {
        all_capabilities()
    } else {
        DEFAULT_CAPS.into_iter().collect()
    };
    let capabilities = LinuxCapabilitiesBuilder::default()
        .bounding(caps.clone())
        .effective(caps.clone())
        .permitted(caps)
        .build()?;
    let user = UserBuilder::default()
        .uid(ids.uid)
        .gid(ids.gid)
        .additional_gids(ids.additional_gids.clone())
        .build()?;
    let process = ProcessBuilder::default()
        .terminal(false)
        .args(spec.args.clone())
        .env(env)
        .cwd(if spec.workdir.is_empty() {
            "/"
        } else {
            spec.workdir.as_str()
        })
        .user(user)
        .capabilities(capabilities)
        .no_new_privileges(false)
        .rlimits(rlimits(&spec.sandbox.ulimits)?)
        .build()?;
    let mut mounts: Vec<Mount> = get_default_mounts();
    for m in &mut mounts {
        if m.destination() == Path::new("/dev/shm")
            && let Some(size) = spec.sandbox.shm_size
        {
            // `--shm-size`: the size of /dev/shm (runc's default is 64 MiB).
            let options: Vec<String> = m
                .options()
                .iter()
                .flatten()
                .filter(|o| !o.starts_with("size="))
                .cloned()
                .chain([format!("size={size}")])
                .collect();
            m.set_options(Some(options));
        }
        if spec.privileged && m.destination() == Path::new("/sys") {
            // Insecure mode: sysfs writable, as BuildKit's privileged steps get it.
            let options: Vec<String> = m
                .options()
                .iter()
                .flatten()
                .filter(|o| *o != "ro")
                .cloned()
                .collect();
            m.set_options(Some(options));
        }
    }
    let sources = hosts.map(|hosts| [Path::new(HOST_FILES[0]), hosts]);
    for (file, source) in HOST_FILES.iter().zip(sources.into_iter().flatten()) {
        if source.is_file() {
            mounts.push(
                MountBuilder::default()
                    .destination(file)
                    .typ("bind")
                    .source(source)
                    .options(vec!["rbind".into(), "ro".into()])
                    .build()?,
            );
        }
    }
    // Parents before children: a mount inside another mount's target comes after it.
    let mut extra: Vec<&ExecMount> = spec.mounts.iter().collect();
    extra.sort_by_key(|m| Path::new(&m.target).components().count());
    for m in extra {
        mounts.push(match &m.kind {
            ExecMountKind::Bind { source, readonly } => MountBuilder::default()
                .destination(&m.target)
                .typ("bind")
                .source(source)
                .options(vec![
                    "rbind".into(),
                    if *readonly { "ro" } else { "rw" }.into(),
                ])
                .build()?,
            ExecMountKind::Tmpfs { size } => {
                let mut options = vec!["nosuid".to_string()];
                if let Some(size) = size {
                    options.push(format!("size={size}"));
                }
                MountBuilder::default()
                    .destination(&m.target)
                    .typ("tmpfs")
                    .source("tmpfs")
                    .options(options)
                    .build()?
            }
        });
    }
    let mounts = dedup_mounts(mounts);
    let mut kinds = vec![
        LinuxNamespaceType::Pid,
        LinuxNamespaceType::Ipc,
        LinuxNamespaceType::Uts,
        LinuxNamespaceType::Mount,
    ];
    if spec.network == Network::None {
        kinds.push(LinuxNamespaceType::Network);
    }
    let namespaces = kinds
        .into_iter()
        .map(|typ| LinuxNamespaceBuilder::default().typ(typ).build())
        .collect::<Result<Vec<_>, _>>()?;
    let devices = if spec.privileged {
        vec![
            LinuxDeviceCgroupBuilder::default()
                .allow(true)
                .typ(LinuxDeviceType::A)
                .access("rwm")
                .build()?,
        ]
    } else {
        device_rules()?
    };
    let mut linux = LinuxBuilder::default()
        .namespaces(namespaces)
        .resources(LinuxResourcesBuilder::default().devices(devices).build()?);
    if !spec.privileged {
        linux = linux
            .masked_paths(get_default_maskedpaths())
            .readonly_paths(get_default_readonly_paths());
    }
    if let Some(parent) = &spec.sandbox.cgroup_parent {
        // `--cgroup-parent`: the step's cgroup is made under it (runc takes `parent/name`).
        linux = linux.cgroups_path(PathBuf::from(format!(
            "{}/rbuild-{}",
            parent.trim_end_matches('/'),
            unique_name()
        )));
    }
    let linux = linux.build()?;
    let mut out = Spec::default();
    out.set_process(Some(process))
        .set_root(Some(
            RootBuilder::default()
                .path(merged)
                .readonly(false)
                .build()?,
        ))
        .set_hostname(Some(spec.hostname.clone()))
        .set_mounts(Some(mounts))
        .set_linux(Some(linux));
    Ok(out)
}

/// Every capability rbuild's own bounding set holds (what it can grant: the kernel's, less
/// any its own container dropped), for `RUN --security=insecure`, as containerd's privileged
/// spec takes the current process's.
fn all_capabilities() -> oci_spec::runtime::Capabilities {
    use std::str::FromStr;
    let bounding = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("CapBnd:"))
                .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        })
        .unwrap_or(0);
    // The kernel's capabilities in bit order (capability.h, 0 to 40).
    [
        "CAP_CHOWN",
        "CAP_DAC_OVERRIDE",
        "CAP_DAC_READ_SEARCH",
        "CAP_FOWNER",
        "CAP_FSETID",
        "CAP_KILL",
        "CAP_SETGID",
        "CAP_SETUID",
        "CAP_SETPCAP",
        "CAP_LINUX_IMMUTABLE",
        "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST",
        "CAP_NET_ADMIN",
        "CAP_NET_RAW",
        "CAP_IPC_LOCK",
        "CAP_IPC_OWNER",
        "CAP_SYS_MODULE",
        "CAP_SYS_RAWIO",
        "CAP_SYS_CHROOT",
        "CAP_SYS_PTRACE",
        "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN",
        "CAP_SYS_BOOT",
        "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE",
        "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG",
        "CAP_MKNOD",
        "CAP_LEASE",
        "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP",
        "CAP_MAC_OVERRIDE",
        "CAP_MAC_ADMIN",
        "CAP_SYSLOG",
        "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND",
        "CAP_AUDIT_READ",
        "CAP_PERFMON",
        "CAP_BPF",
        "CAP_CHECKPOINT_RESTORE",
    ]
    .iter()
    .enumerate()
    .filter(|(bit, _)| bounding & (1u64 << bit) != 0)
    // oci-spec spells them without the prefix.
    .filter_map(|(_, c)| Capability::from_str(c.trim_start_matches("CAP_")).ok())
    .collect()
}

/// The process's resource limits: runc's default `RLIMIT_NOFILE` 1024:1024, then the
/// `--ulimit`s (`-1`: unlimited).
fn rlimits(
    ulimits: &[super::sandbox::Ulimit],
) -> Result<Vec<oci_spec::runtime::PosixRlimit>, oci_spec::OciSpecError> {
    use oci_spec::runtime::{PosixRlimitBuilder, PosixRlimitType as T};
    let typ = |name: &str| match name {
        "as" => Some(T::RlimitAs),
        "core" => Some(T::RlimitCore),
        "cpu" => Some(T::RlimitCpu),
        "data" => Some(T::RlimitData),
        "fsize" => Some(T::RlimitFsize),
        "locks" => Some(T::RlimitLocks),
        "memlock" => Some(T::RlimitMemlock),
        "msgqueue" => Some(T::RlimitMsgqueue),
        "nice" => Some(T::RlimitNice),
        "nofile" => Some(T::RlimitNofile),
        "nproc" => Some(T::RlimitNproc),
        "rss" => Some(T::RlimitRss),
        "rtprio" => Some(T::RlimitRtprio),
        "rttime" => Some(T::RlimitRttime),
        "sigpending" => Some(T::RlimitSigpending),
        _ => None,
    };
    let value = |v: i64| if v < 0 { u64::MAX } else { v as u64 };
    let mut out = Vec::new();
    if !ulimits.iter().any(|u| u.name == "nofile") {
        out.push(
            PosixRlimitBuilder::default()
                .typ(T::RlimitNofile)
                .soft(1024u64)
                .hard(1024u64)
                .build()?,
        );
    }
    for u in ulimits {
        if let Some(t) = typ(&u.name) {
            out.push(
                PosixRlimitBuilder::default()
                    .typ(t)
                    .soft(value(u.soft))
                    .hard(value(u.hard))
                    .build()?,
            );
        }
    }
    Ok(out)
}

/// A name no other step of this machine has at the same time (pid and nanoseconds).
fn unique_name() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{}-{nanos}", std::process::id())
}

/// `mounts` with one mount per destination: a later one takes the place of an earlier one
/// (BuildKit's `dedupMounts`), so that `RUN --mount=type=tmpfs,target=/dev/shm` replaces the
/// default `/dev/shm` instead of being mounted over it.
fn dedup_mounts(mounts: Vec<Mount>) -> Vec<Mount> {
    let mut out: Vec<Mount> = Vec::with_capacity(mounts.len());
    for m in mounts {
        match out.iter_mut().find(|o| o.destination() == m.destination()) {
            Some(slot) => *slot = m,
            None => out.push(m),
        }
    }
    out
}

/// The device cgroup rules of a step: every device denied, then the standard allow-list that
/// `runc spec` and containerd's default spec give (mknod of any node, and read, write and mknod
/// of /dev/null, zero, full, random, urandom, tty, console, ptmx and the pts). Without the
/// deny-all rule, a step's root (which has CAP_MKNOD, as in BuildKit) could make a node for the
/// host's disk and read or write it.
fn device_rules() -> Result<Vec<LinuxDeviceCgroup>, oci_spec::OciSpecError> {
    // No major or minor: any.
    let rule = |allow: bool,
                typ: LinuxDeviceType,
                major: Option<i64>,
                minor: Option<i64>,
                access: &str| {
        let mut b = LinuxDeviceCgroupBuilder::default()
            .allow(allow)
            .typ(typ)
            .access(access);
        if let Some(major) = major {
            b = b.major(major);
        }
        if let Some(minor) = minor {
            b = b.minor(minor);
        }
        b.build()
    };
    let mut rules = vec![
        rule(false, LinuxDeviceType::A, None, None, "rwm")?,
        rule(true, LinuxDeviceType::C, None, None, "m")?,
        rule(true, LinuxDeviceType::B, None, None, "m")?,
    ];
    for (major, minor) in [
        (1, 3),
        (1, 5),
        (1, 7),
        (1, 8),
        (1, 9),
        (5, 0),
        (5, 1),
        (5, 2),
    ] {
        rules.push(rule(
            true,
            LinuxDeviceType::C,
            Some(major),
            Some(minor),
            "rwm",
        )?);
    }
    rules.push(rule(true, LinuxDeviceType::C, Some(136), None, "rwm")?);
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_mount_replaces_the_default_of_its_destination() {
        let spec = RunSpec {
            args: vec!["true".into()],
            mounts: vec![ExecMount {
                target: "/dev/shm".into(),
                kind: ExecMountKind::Tmpfs {
                    size: Some(1 << 20),
                },
            }],
            ..RunSpec::default()
        };
        let ids = Ids {
            uid: 0,
            gid: 0,
            additional_gids: Vec::new(),
        };
        let built = build(&spec, Path::new("/merged"), &ids, None).unwrap();
        let mounts = built.mounts().as_ref().unwrap();
        let shm: Vec<&Mount> = mounts
            .iter()
            .filter(|m| m.destination() == Path::new("/dev/shm"))
            .collect();
        assert_eq!(shm.len(), 1, "{mounts:?}");
        assert_eq!(
            shm[0].options().as_deref(),
            Some(&["nosuid".to_string(), "size=1048576".to_string()][..])
        );
        // In the default's place: after /dev, before /dev/mqueue.
        let at = |d: &str| mounts.iter().position(|m| m.destination() == Path::new(d));
        assert!(at("/dev") < at("/dev/shm") && at("/dev/shm") < at("/dev/mqueue"));
    }

    #[test]
    fn the_hosts_file_is_buildkits() {
        assert_eq!(
            hosts_file("foo"),
            "127.0.0.1\tlocalhost foo\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        );
        assert_eq!(hosts_file(""), hosts_file(DEFAULT_HOSTNAME));
    }

    #[test]
    fn every_device_is_denied_but_the_standard_ones() {
        let rules = device_rules().unwrap();
        let first = &rules[0];
        assert!(!first.allow());
        assert_eq!(first.typ(), Some(LinuxDeviceType::A));
        assert_eq!((first.major(), first.minor()), (None, None));
        assert_eq!(first.access().as_deref(), Some("rwm"));
        // No block device is readable or writable, only made (mknod) as runc allows.
        assert!(rules.iter().all(|r| !r.allow()
            || r.typ() != Some(LinuxDeviceType::B)
            || r.access().as_deref() == Some("m")));
        let null = rules
            .iter()
            .find(|r| r.major() == Some(1) && r.minor() == Some(3))
            .unwrap();
        assert!(null.allow() && null.access().as_deref() == Some("rwm"));
    }

    #[test]
    fn insecure_steps_get_every_capability_rbuild_holds() {
        let caps = all_capabilities();
        // Root's bounding set holds these wherever the tests run; Docker's default set has
        // neither.
        assert!(caps.contains(&Capability::SysAdmin), "{caps:?}");
        assert!(caps.contains(&Capability::NetAdmin), "{caps:?}");
        assert!(caps.len() > DEFAULT_CAPS.len());
    }
}
