//! RUN steps: the command, its environment and every mount go into the key.

use super::op::RunOp;
use super::steps::{Walker, display_args, resolve_path};
use super::{KeyHasher, PlanError, StepInputs};
use crate::dockerfile::instructions::RunCommand;
use crate::dockerfile::instructions::mount::{self, MountType};
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
        h.str("user", self.state.user())
            .str("workdir", self.state.workdir())
            .str("network", &r.network)
            .str("security", &r.security)
            .list("devices", &r.devices);
        h.bytes("mounts", &(r.mounts.len() as u64).to_be_bytes());
        let mut shown_flags = Vec::new();
        for spec in &r.mounts {
            let mut used = BTreeMap::new();
            let m = mount::parse(spec, |v| {
                self.word(v, line, &mut used).map_err(|e| e.to_string())
            })
            .map_err(|e| PlanError::at(line, e))?;
            inputs.args.extend(used);
            self.mount_key(&m, line, h, inputs)?;
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
        let mut args = if c.prepend_shell {
            self.state.shell()
        } else {
            Vec::new()
        };
        args.extend(c.args.iter().cloned());
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
            network: r.network.clone(),
            heredocs: c.files.len(),
            mounts: r.mounts.clone(),
        };
        Ok((text, op))
    }

    pub(super) fn mount_key(
        &self,
        m: &mount::Mount,
        line: usize,
        h: &mut KeyHasher,
        inputs: &mut StepInputs,
    ) -> Result<(), PlanError> {
        let target = m
            .target
            .as_deref()
            .map(|t| resolve_path(self.state.workdir(), t));
        let id = match m.kind {
            MountType::Cache => m.id.clone().or_else(|| target.clone()),
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
        if m.kind == MountType::Bind {
            let source = m.source.clone().unwrap_or_else(|| ".".into());
            match &m.from {
                Some(from) => {
                    self.source_key(from, &[source], line, h, inputs)?;
                }
                None => self.context_key(&[source], &[], line, h, inputs)?,
            }
        }
        Ok(())
    }
}
