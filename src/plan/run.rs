//! RUN steps: the command, its environment and every mount go into the key.

use super::op::{FileSource, RunMount, RunOp};
use super::steps::{Walker, display_args, resolve_path};
use super::{KeyHasher, PlanError, StepInputs};
use crate::dockerfile::Heredoc;
use crate::dockerfile::instructions::RunCommand;
use crate::dockerfile::instructions::chomp_heredoc;
use crate::dockerfile::instructions::mount::{self, MountType, Sharing};
use crate::dockerfile::shell::Env;
use std::collections::BTreeMap;

impl Walker<'_, '_> {
    pub(super) fn run(
        &mut self,
        r: &RunCommand,
        line: usize,
        h: &mut KeyHasher,
        inputs: &mut StepInputs,
    ) -> Result<(String, RunOp), PlanError> {
        let c = &r.command;
        h.str("instruction", "RUN")
            .list("args", &c.args)
            .flag("json", !c.prepend_shell)
            .list("shell", &self.state.shell());
        h.bytes("heredocs", &(c.files.len() as u64).to_be_bytes());
        for f in &c.files {
            h.str("heredoc.name", &f.name)
                .str("heredoc.content", &f.content)
                .flag("heredoc.chomp", f.chomp)
                .flag("heredoc.expand", f.expand);
        }
        // Every variable is in the process's environment: all of them are inputs.
        h.pairs("env", self.state.run_env.entries());
        for n in &self.state.declared_args {
            if let Some(v) = self.state.run_env.get(n) {
                inputs.args.insert(n.clone(), v.to_string());
            }
        }
        // `--network` is the mode of steps that name none (BuildKit's force-network-mode).
        let network = match (r.network.as_str(), &self.req.sandbox.network) {
            ("default", Some(forced)) => forced.clone(),
            _ => r.network.clone(),
        };
        h.str("user", self.state.user())
            .str("workdir", self.state.workdir())
            .str("network", &network)
            .str("security", &r.security)
            .list("devices", &r.devices);
        // The build-wide sandbox options, only when set: keys without them stay as they were.
        let sandbox = &self.req.sandbox;
        if !sandbox.extra_hosts.is_empty() {
            let hosts: Vec<String> = sandbox
                .extra_hosts
                .iter()
                .map(|(h, ip)| format!("{h}={ip}"))
                .collect();
            h.list("extra-hosts", &hosts);
        }
        if let Some(size) = sandbox.shm_size {
            h.bytes("shm-size", &size.to_be_bytes());
        }
        if !sandbox.ulimits.is_empty() {
            let limits: Vec<String> = sandbox
                .ulimits
                .iter()
                .map(|u| format!("{}={}:{}", u.name, u.soft, u.hard))
                .collect();
            h.list("ulimits", &limits);
        }
        // Only when given, so that the keys of every other build stay as they were.
        let hostname = self.build_args.sandbox_hostname().map(str::to_string);
        if let Some(name) = &hostname {
            h.str("hostname", name);
        }
        h.bytes("mounts", &(r.mounts.len() as u64).to_be_bytes());
        let mut shown_flags = Vec::new();
        let mut mounts = Vec::new();
        let mut ssh_count = 0;
        for spec in &r.mounts {
            let mut used = BTreeMap::new();
            let m = mount::parse(spec, |v| {
                self.word(v, line, &mut used).map_err(|e| e.to_string())
            })
            .map_err(|e| PlanError::at(line, e))?;
            inputs.args.extend(used);
            let mut mount = self.mount_key(&m, line, h, inputs)?;
            if mount.kind == MountType::Ssh {
                if mount.target.is_empty() {
                    mount.target = format!("/run/buildkit/ssh_agent.{ssh_count}");
                }
                ssh_count += 1;
            }
            mounts.push(mount);
            shown_flags.push(format!("--mount={spec}"));
        }
        if r.network != "default" {
            shown_flags.push(format!("--network={}", r.network));
        }
        let mut text = shown_flags.join(" ");
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(&display_args(&c.args, !c.prepend_shell));
        let (command, files) = heredoc_command(&c.args, &c.files, c.prepend_shell)
            .map_err(|e| PlanError::at(line, e))?;
        let mut args = if c.prepend_shell {
            self.state.shell()
        } else {
            Vec::new()
        };
        args.extend(command);
        let op = RunOp {
            args,
            env: self
                .state
                .run_env
                .entries()
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect(),
            user: self.state.user().to_string(),
            workdir: self.state.workdir().to_string(),
            network,
            files,
            mounts,
            proxy_env: self.build_args.proxies(),
            insecure: r.security == "insecure",
            sandbox: sandbox.clone(),
            hostname,
        };
        Ok((text, op))
    }

    /// Adds a mount's fields to the key and returns it with BuildKit's defaults applied.
    pub(super) fn mount_key(
        &self,
        m: &mount::Mount,
        line: usize,
        h: &mut KeyHasher,
        inputs: &mut StepInputs,
    ) -> Result<RunMount, PlanError> {
        let target = m
            .target
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(|t| {
                resolve_path(self.state.workdir(), t)
                    .trim_end_matches('/')
                    .to_string()
            })
            .map(|t| if t.is_empty() { "/".to_string() } else { t });
        let id = match m.kind {
            // BuildKit: `path.Clean(target)` as written.
            MountType::Cache => m.id.clone().or_else(|| m.target.as_deref().map(clean)),
            MountType::Secret => m.id.clone().or_else(|| m.source.clone()).or_else(|| {
                target
                    .as_deref()
                    .map(|t| t.rsplit('/').next().unwrap_or(t).to_string())
            }),
            MountType::Ssh => Some(m.id.clone().unwrap_or_else(|| "default".into())),
            _ => m.id.clone(),
        };
        if matches!(
            m.kind,
            MountType::Bind | MountType::Cache | MountType::Tmpfs
        ) && target.is_none()
        {
            return Err(PlanError::at(
                line,
                format!("mount type {} requires a target", m.kind.as_str()),
            ));
        }
        if target.as_deref() == Some("/") {
            return Err(PlanError::at(line, "invalid mount target \"/\""));
        }
        if m.kind == MountType::Ssh && m.source.is_some() {
            return Err(PlanError::at(line, "ssh does not support source"));
        }
        h.str("mount.type", m.kind.as_str())
            .opt("mount.target", target.as_deref())
            .opt("mount.id", id.as_deref())
            .opt("mount.source", m.source.as_deref())
            .opt("mount.from", m.from.as_deref())
            .flag("mount.readonly", m.readonly)
            .opt("mount.sharing", m.sharing.map(|s| s.as_str()))
            .flag("mount.required", m.required)
            .opt("mount.env", m.env.as_deref())
            .opt("mount.mode", m.mode.map(|v| format!("{v:o}")).as_deref())
            .opt("mount.uid", m.uid.map(|v| v.to_string()).as_deref())
            .opt("mount.gid", m.gid.map(|v| v.to_string()).as_deref())
            .opt("mount.size", m.size.map(|v| v.to_string()).as_deref());
        let source = m.source.clone().unwrap_or_else(|| ".".into());
        let from = match (m.kind, &m.from) {
            (MountType::Bind | MountType::Cache, Some(from)) => {
                Some(self.source_key(from, std::slice::from_ref(&source), line, h, inputs)?)
            }
            (MountType::Bind, None) => {
                self.context_key(std::slice::from_ref(&source), &[], false, line, h, inputs)?;
                Some(FileSource::Context)
            }
            _ => None,
        };
        let target = match (m.kind, target) {
            (_, Some(t)) => t,
            (MountType::Secret, None) if m.env.is_none() => {
                let id = id.as_deref().unwrap_or_default();
                format!("/run/secrets/{}", id.rsplit('/').next().unwrap_or(id))
            }
            _ => String::new(),
        };
        Ok(RunMount {
            kind: m.kind,
            target,
            id: id.unwrap_or_default(),
            from,
            source: clean(&format!("/{source}"))
                .trim_start_matches('/')
                .to_string(),
            readonly: m.readonly,
            sharing: m.sharing.unwrap_or(Sharing::Shared),
            mode: m.mode,
            uid: m.uid,
            gid: m.gid,
            required: m.required,
            env: m.env.clone(),
            size: m.size,
        })
    }
}

/// Go's `path.Clean` of `p` (absolute stays absolute; `""` is `.`).
fn clean(p: &str) -> String {
    let abs = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !abs {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (abs, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// Script files of a RUN: name and content.
type ScriptFiles = Vec<(String, String)>;

/// The command BuildKit's `dispatchRun` makes of a RUN with heredocs, and the script files it
/// mounts at [`RunOp::FILES_DIR`]:
///
/// * the whole command is one heredoc (`RUN <<EOF`): a body starting with `#!` is written to
///   a file (mode 0755) that is run; any other body is itself the shell command;
/// * otherwise the heredocs are put back after the command line (`cmd <<EOF` + newline + body +
///   delimiter) and the shell handles them (so `RUN python3 <<EOF` feeds the body on stdin).
///
/// The bodies are not expanded by the builder (the shell does it), as in BuildKit.
fn heredoc_command(
    args: &[String],
    files: &[Heredoc],
    prepend_shell: bool,
) -> Result<(Vec<String>, ScriptFiles), String> {
    if files.is_empty() {
        return Ok((args.to_vec(), Vec::new()));
    }
    let ([arg], true) = (args, prepend_shell) else {
        return Err(format!("parsing produced an invalid run command: {args:?}"));
    };
    let whole = crate::dockerfile::heredoc::parse_heredoc(arg)
        .ok()
        .flatten();
    match (whole, files.first()) {
        (Some(_), Some(first)) => {
            let data = if first.chomp {
                chomp_heredoc(&first.content)
            } else {
                first.content.clone()
            };
            if data.starts_with("#!") {
                let script = format!("{}/{}", RunOp::FILES_DIR, first.name);
                Ok((vec![script], vec![(first.name.clone(), data)]))
            } else {
                Ok((vec![data], Vec::new()))
            }
        }
        _ => {
            let mut text = arg.clone();
            for f in files {
                text.push('\n');
                text.push_str(&f.content);
                text.push_str(&f.name);
            }
            Ok((vec![text], Vec::new()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(name: &str, content: &str) -> Heredoc {
        Heredoc {
            name: name.into(),
            content: content.into(),
            expand: true,
            chomp: false,
        }
    }

    #[test]
    fn heredocs_become_buildkit_commands() {
        let (args, files) =
            heredoc_command(&["<<EOF".into()], &[doc("EOF", "echo a\necho b\n")], true).unwrap();
        assert_eq!(args, ["echo a\necho b\n"]);
        assert!(files.is_empty());
        let (args, files) = heredoc_command(
            &["<<EOF".into()],
            &[doc("EOF", "#!/bin/sh\necho a\n")],
            true,
        )
        .unwrap();
        assert_eq!(args, ["/dev/pipes/EOF"]);
        assert_eq!(
            files,
            [("EOF".to_string(), "#!/bin/sh\necho a\n".to_string())]
        );
        let (args, _) = heredoc_command(
            &["cat <<A >/a && cat <<B >/b".into()],
            &[doc("A", "1\n"), doc("B", "2\n")],
            true,
        )
        .unwrap();
        assert_eq!(args, ["cat <<A >/a && cat <<B >/b\n1\nA\n2\nB"]);
        assert!(heredoc_command(&["a".into(), "b".into()], &[doc("E", "")], false).is_err());
    }

    #[test]
    fn clean_is_go_path_clean() {
        assert_eq!(clean("/a/b/../c/"), "/a/c");
        assert_eq!(clean("a//b/./"), "a/b");
        assert_eq!(clean(""), ".");
        assert_eq!(clean("/.."), "/");
    }
}
