//! Evaluation of stages: FROM lines, dependencies, and every step's key.
//!
//! Fields of each key (all through [`KeyHasher`], after the `rbuild-key-v1` header):
//!
//! | step | fields |
//! |---|---|
//! | FROM image | kind `from`; `platform`; `image` (normalized reference); `digest` (manifest digest, or none while unresolved) |
//! | FROM scratch | kind `from`; `platform`; `image` = `scratch` |
//! | FROM stage | the stage's final key itself (same filesystem and config) |
//! | every other step | kind `step`; `parent` (previous key); `instruction`; then per kind below |
//! | ENV, LABEL | `pairs`: expanded keys and values in order |
//! | WORKDIR | `path` (absolute, cleaned); `user` |
//! | USER, STOPSIGNAL, MAINTAINER | `value` expanded |
//! | EXPOSE, VOLUME | `values` expanded |
//! | CMD, ENTRYPOINT, SHELL | `args`; `json` |
//! | HEALTHCHECK | `test`; each option |
//! | ONBUILD | `trigger` text |
//! | RUN | `args`; `json`; `shell`; `heredocs` (name, content, chomp, expand); `env` (every variable the process gets, ENV and in-scope ARG values, in order); `user`; `workdir`; `network`; `security`; `devices`; per mount: its normalized spec and, for bind mounts, the source's key or content digest |
//! | COPY, ADD | `sources`; `dest` (absolute); `chown`; `chmod`; `link`; `parents`; `excludes`; `inline` files (name, content after expansion); then the source content: `context` Merkle digest, or `stage` key, or `image` digest; ADD URLs with `checksum` |
//!
//! ARG makes no key: it only brings values into scope. A later step that uses the value has it
//! in its own fields (expanded text, or RUN's `env`), so a build arg that no step uses changes
//! no key.

use super::resolve::{self, ImageSource, Source};
use super::scope::{BuildArgs, Vars};
use super::{Digest, KeyHasher, PlanError, PlanRequest, PlannedStep, Platform, StepInputs};
use crate::dockerfile::instructions::mount::{self, MountType};
use crate::dockerfile::instructions::{
    AddCommand, Command, CommandKind, CopyCommand, Healthcheck, KeyValue, RunCommand,
    SourcesAndDest,
};
use crate::dockerfile::shell::{Env, Lexer};
use std::collections::{BTreeMap, BTreeSet};

/// The PATH an image gets when its base defines none (Docker's default for Linux).
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// A stage's FROM line, evaluated.
pub(super) struct StageHead {
    pub base: String,
    pub source: Source,
    pub platform: Platform,
    pub depends_on: BTreeSet<usize>,
}

/// The state of a stage after a step: what later steps see.
#[derive(Debug, Clone)]
pub(super) struct StageState {
    /// Variables processes and expansions see: ENV and ARG values.
    run_env: Vars,
    /// Names declared with ARG in this stage (or inherited from the base stage).
    declared_args: BTreeSet<String>,
    workdir: String,
    user: String,
    shell: Vec<String>,
}

/// A planned stage.
pub(super) struct StageResult {
    pub key: Digest,
    pub base_image: Option<ImageSource>,
    pub steps: Vec<PlannedStep>,
    state: StageState,
}

/// The global scope: platform args, then the ARGs before the first FROM.
pub(super) fn global_args(
    req: &PlanRequest<'_>,
    lexer: &Lexer,
    build_args: &mut BuildArgs,
    target: &Platform,
    target_stage: &str,
) -> Result<Vars, PlanError> {
    let b = &req.build_platform;
    let mut vars = Vars::default();
    for (k, v) in [
        ("BUILDPLATFORM", b.to_string()),
        ("BUILDOS", b.os.clone()),
        ("BUILDOSVERSION", String::new()),
        ("BUILDARCH", b.arch.clone()),
        ("BUILDVARIANT", b.variant.clone()),
        ("TARGETPLATFORM", target.to_string()),
        ("TARGETOS", target.os.clone()),
        ("TARGETOSVERSION", String::new()),
        ("TARGETARCH", target.arch.clone()),
        ("TARGETVARIANT", target.variant.clone()),
        ("TARGETSTAGE", target_stage.to_string()),
    ] {
        let v = build_args.peek(k).map_or(v, str::to_string);
        vars.set(k, &v);
    }
    for cmd in &req.stages.meta_args {
        let CommandKind::Arg(decls) = &cmd.kind else {
            continue;
        };
        for d in decls {
            let value = match build_args.take(&d.name) {
                Some(v) => Some(v),
                None => match &d.default {
                    Some(def) => Some(expand(lexer, def, &vars, cmd.line)?.0),
                    None => None,
                },
            };
            if let Some(v) = value {
                vars.set(&d.name, &v);
            }
        }
    }
    Ok(vars)
}

fn expand(
    lexer: &Lexer,
    word: &str,
    env: &dyn Env,
    line: usize,
) -> Result<(String, BTreeSet<String>), PlanError> {
    lexer
        .process_word(word, env)
        .map(|e| (e.value, e.used))
        .map_err(|e| PlanError::at(line, e.message))
}

/// Evaluates every FROM line and finds each stage's dependencies.
pub(super) fn stage_heads(
    req: &PlanRequest<'_>,
    lexer: &Lexer,
    global: &Vars,
    target_platform: &Platform,
) -> Result<Vec<StageHead>, PlanError> {
    let stages = &req.stages.stages;
    let names: Vec<Option<&str>> = stages.iter().map(|s| s.name.as_deref()).collect();
    let mut heads = Vec::with_capacity(stages.len());
    for (i, stage) in stages.iter().enumerate() {
        let (base, _) = expand(lexer, &stage.base, global, stage.line)?;
        if base.is_empty() {
            return Err(PlanError::at(
                stage.line,
                format!("base name ({}) should not be blank", stage.base),
            ));
        }
        let platform = match &stage.platform {
            None => target_platform.clone(),
            Some(p) => {
                let (v, _) = expand(lexer, p, global, stage.line)?;
                if v.is_empty() {
                    return Err(PlanError::at(
                        stage.line,
                        format!("empty platform value from expression {p}"),
                    ));
                }
                Platform::parse(&v).map_err(|e| {
                    PlanError::at(stage.line, format!("failed to parse platform {p}: {e}"))
                })?
            }
        };
        let mut depends_on = BTreeSet::new();
        let source = if base == "scratch" {
            Source::Scratch
        } else if let Some(j) = names[..i].iter().position(|n| *n == Some(base.as_str())) {
            depends_on.insert(j);
            Source::Stage(j)
        } else {
            Source::Image(ImageSource {
                reference: base.clone(),
                digest: None,
            })
        };
        for cmd in &stage.commands {
            for from in command_sources(cmd) {
                if let StageRef::Stage(j) = stage_ref(&from, i, &names, cmd.line)? {
                    depends_on.insert(j);
                }
            }
        }
        heads.push(StageHead {
            base,
            source,
            platform,
            depends_on,
        });
    }
    Ok(heads)
}

/// The `--from` names a command reads from.
fn command_sources(cmd: &Command) -> Vec<String> {
    match &cmd.kind {
        CommandKind::Copy(c) => c.from.iter().cloned().collect(),
        CommandKind::Run(r) => r
            .mounts
            .iter()
            .filter_map(|m| mount::csv_fields(m).ok())
            .flat_map(|fields| {
                fields.into_iter().filter_map(|f| {
                    let (k, v) = f.split_once('=')?;
                    (k.eq_ignore_ascii_case("from") && !v.is_empty()).then(|| v.to_string())
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

enum StageRef {
    Stage(usize),
    Image(String),
}

/// Resolves a `--from` value of stage `current`: a stage index, an earlier stage's name, or else
/// an image reference, with BuildKit's messages.
fn stage_ref(
    from: &str,
    current: usize,
    names: &[Option<&str>],
    line: usize,
) -> Result<StageRef, PlanError> {
    if from.contains('$') && !from.ends_with('$') {
        return Err(PlanError::at(
            line,
            "variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround",
        ));
    }
    let current_name = names
        .get(current)
        .copied()
        .flatten()
        .unwrap_or("")
        .to_string();
    let later = || {
        PlanError::at(
            line,
            format!(
                "cannot copy from stage {from:?}, it needs to be defined before current stage {current_name:?}"
            ),
        )
    };
    if let Ok(index) = from.parse::<i64>() {
        if index < 0 || index as usize >= names.len() {
            return Err(PlanError::at(line, format!("invalid stage index {index}")));
        }
        let index = index as usize;
        return if index < current {
            Ok(StageRef::Stage(index))
        } else {
            Err(later())
        };
    }
    let lower = from.to_lowercase();
    match names.iter().position(|n| *n == Some(lower.as_str())) {
        Some(j) if j < current => Ok(StageRef::Stage(j)),
        Some(_) => Err(later()),
        None => Ok(StageRef::Image(from.to_string())),
    }
}

/// Plans one needed stage; every stage it depends on is in `done` already.
pub(super) fn plan_stage(
    req: &PlanRequest<'_>,
    lexer: &Lexer,
    global: &Vars,
    build_args: &mut BuildArgs,
    index: usize,
    head: &StageHead,
    done: &BTreeMap<usize, StageResult>,
) -> Result<StageResult, PlanError> {
    let stage = &req.stages.stages[index];
    let names: Vec<Option<&str>> = req
        .stages
        .stages
        .iter()
        .map(|s| s.name.as_deref())
        .collect();
    let mut inputs = StepInputs::default();
    let mut base_image = None;
    let (key, state) = match &head.source {
        Source::Stage(j) => {
            let parent = done
                .get(j)
                .ok_or_else(|| PlanError::at(stage.line, "internal: base stage not planned"))?;
            inputs.stages.push((*j, parent.key.clone()));
            (parent.key.clone(), parent.state.clone())
        }
        Source::Scratch => {
            let mut h = KeyHasher::new("from");
            h.str("platform", &head.platform.to_string())
                .str("image", "scratch");
            (h.finish(), StageState::fresh())
        }
        Source::Image(img) => {
            let resolved = resolve::image(&img.reference, &head.platform, req.resolver)
                .map_err(|e| PlanError::at(stage.line, e))?;
            let mut h = KeyHasher::new("from");
            h.str("platform", &head.platform.to_string())
                .str("image", &resolved.reference)
                .opt("digest", resolved.digest.as_deref());
            if resolved.digest.is_none() {
                inputs.unresolved.push(format!(
                    "{}: tag not resolved to a digest yet",
                    resolved.reference
                ));
            }
            inputs.images.push(resolved.clone());
            base_image = Some(resolved);
            (h.finish(), StageState::fresh())
        }
    };
    let mut steps = vec![PlannedStep {
        line: stage.line,
        instruction: "FROM".into(),
        text: match &stage.name {
            Some(name) => format!("{} AS {name}", head.base),
            None => head.base.clone(),
        },
        layer: false,
        key: Some(key.clone()),
        inputs,
    }];
    let mut walker = Walker {
        req,
        lexer,
        global,
        build_args,
        index,
        names: &names,
        done,
        parent: key,
        state,
        platform: &head.platform,
    };
    for cmd in &stage.commands {
        let step = walker.step(cmd)?;
        steps.push(step);
    }
    Ok(StageResult {
        key: walker.parent,
        base_image,
        steps,
        state: walker.state,
    })
}

impl StageState {
    fn fresh() -> Self {
        let mut run_env = Vars::default();
        run_env.set("PATH", DEFAULT_PATH);
        Self {
            run_env,
            declared_args: BTreeSet::new(),
            workdir: "/".into(),
            user: String::new(),
            shell: vec!["/bin/sh".into(), "-c".into()],
        }
    }
}

struct Walker<'r, 'a> {
    req: &'r PlanRequest<'a>,
    lexer: &'r Lexer,
    global: &'r Vars,
    build_args: &'r mut BuildArgs,
    index: usize,
    names: &'r [Option<&'r str>],
    done: &'r BTreeMap<usize, StageResult>,
    parent: Digest,
    state: StageState,
    platform: &'r Platform,
}

impl Walker<'_, '_> {
    /// Expands one word with the stage's variables, recording the build args it used.
    fn word(
        &self,
        w: &str,
        line: usize,
        used: &mut BTreeMap<String, String>,
    ) -> Result<String, PlanError> {
        let (value, names) = expand(self.lexer, w, &self.state.run_env, line)?;
        for n in names {
            if self.state.declared_args.contains(&n) {
                if let Some(v) = self.state.run_env.get(&n) {
                    used.insert(n, v.to_string());
                }
            }
        }
        Ok(value)
    }

    fn words(
        &self,
        ws: &[String],
        line: usize,
        used: &mut BTreeMap<String, String>,
    ) -> Result<Vec<String>, PlanError> {
        ws.iter().map(|w| self.word(w, line, used)).collect()
    }

    fn step(&mut self, cmd: &Command) -> Result<PlannedStep, PlanError> {
        let line = cmd.line;
        let mut inputs = StepInputs::default();
        let mut h = KeyHasher::new("step");
        h.digest("parent", &self.parent);
        let (instruction, text, layer) = match &cmd.kind {
            CommandKind::Arg(decls) => return Ok(self.arg(cmd, decls)),
            CommandKind::Env(kvs) | CommandKind::Label(kvs) => {
                let is_env = matches!(cmd.kind, CommandKind::Env(_));
                let pairs = self.pairs(kvs, line, &mut inputs.args)?;
                let name = if is_env { "ENV" } else { "LABEL" };
                h.str("instruction", name).pairs("pairs", &pairs);
                if is_env {
                    for (k, v) in &pairs {
                        self.state.run_env.set(k, v);
                    }
                }
                let text = pairs
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ");
                (name, text, false)
            }
            CommandKind::Maintainer(m) => {
                h.str("instruction", "MAINTAINER").str("value", m);
                ("MAINTAINER", m.clone(), false)
            }
            CommandKind::Workdir(w) => {
                let w = self.word(w, line, &mut inputs.args)?;
                let path = resolve_path(&self.state.workdir, &w);
                let path = path.trim_end_matches('/').to_string();
                self.state.workdir = if path.is_empty() { "/".into() } else { path };
                h.str("instruction", "WORKDIR")
                    .str("path", &self.state.workdir)
                    .str("user", &self.state.user);
                ("WORKDIR", self.state.workdir.clone(), true)
            }
            CommandKind::User(u) => {
                let u = self.word(u, line, &mut inputs.args)?;
                self.state.user = u.clone();
                h.str("instruction", "USER").str("value", &u);
                ("USER", u, false)
            }
            CommandKind::StopSignal(s) => {
                let s = self.word(s, line, &mut inputs.args)?;
                h.str("instruction", "STOPSIGNAL").str("value", &s);
                ("STOPSIGNAL", s, false)
            }
            CommandKind::Expose(ports) | CommandKind::Volume(ports) => {
                let name = if matches!(cmd.kind, CommandKind::Expose(_)) {
                    "EXPOSE"
                } else {
                    "VOLUME"
                };
                let mut values = Vec::new();
                for p in ports {
                    let e = self
                        .lexer
                        .process_words(p, &self.state.run_env)
                        .map_err(|e| PlanError::at(line, e.message))?;
                    for n in e.used {
                        if self.state.declared_args.contains(&n) {
                            inputs.args.insert(
                                n.clone(),
                                self.state.run_env.get(&n).unwrap_or("").to_string(),
                            );
                        }
                    }
                    values.extend(e.value);
                }
                h.str("instruction", name).list("values", &values);
                (name, values.join(" "), false)
            }
            CommandKind::Cmd(c) | CommandKind::Entrypoint(c) => {
                let name = if matches!(cmd.kind, CommandKind::Cmd(_)) {
                    "CMD"
                } else {
                    "ENTRYPOINT"
                };
                h.str("instruction", name)
                    .list("args", &c.args)
                    .flag("json", !c.prepend_shell);
                (name, display_args(&c.args, !c.prepend_shell), false)
            }
            CommandKind::Shell(s) => {
                self.state.shell = s.clone();
                h.str("instruction", "SHELL").list("args", s);
                ("SHELL", display_args(s, true), false)
            }
            CommandKind::Healthcheck(hc) => {
                h.str("instruction", "HEALTHCHECK");
                let text = match hc {
                    Healthcheck::None => {
                        h.str("test", "NONE");
                        "NONE".to_string()
                    }
                    Healthcheck::Check {
                        test,
                        interval,
                        timeout,
                        start_period,
                        start_interval,
                        retries,
                    } => {
                        h.list("test", test)
                            .opt("interval", interval.as_deref())
                            .opt("timeout", timeout.as_deref())
                            .opt("start-period", start_period.as_deref())
                            .opt("start-interval", start_interval.as_deref())
                            .opt("retries", retries.map(|r| r.to_string()).as_deref());
                        display_args(test, true)
                    }
                };
                ("HEALTHCHECK", text, false)
            }
            CommandKind::Onbuild(t) => {
                h.str("instruction", "ONBUILD").str("trigger", t);
                ("ONBUILD", t.clone(), false)
            }
            CommandKind::Run(r) => {
                let text = self.run(r, line, &mut h, &mut inputs)?;
                ("RUN", text, true)
            }
            CommandKind::Copy(c) => {
                let text = self.copy(c, line, &mut h, &mut inputs)?;
                ("COPY", text, true)
            }
            CommandKind::Add(a) => {
                let text = self.add(a, line, &mut h, &mut inputs)?;
                ("ADD", text, true)
            }
        };
        let key = h.finish();
        self.parent = key.clone();
        Ok(PlannedStep {
            line,
            instruction: instruction.into(),
            text,
            layer,
            key: Some(key),
            inputs,
        })
    }

    /// ARG as BuildKit's `dispatchArg`: a build arg wins, then the default (expanded), then a
    /// global ARG of the same name; the value joins the environment of later steps.
    fn arg(
        &mut self,
        cmd: &Command,
        decls: &[crate::dockerfile::instructions::ArgDecl],
    ) -> PlannedStep {
        let mut shown = Vec::new();
        let mut inputs = StepInputs::default();
        for d in decls {
            let value = if let Some(v) = self.build_args.take(&d.name) {
                Some(v)
            } else if let Some(def) = &d.default {
                // An expansion error in a default is reported by the step that uses the value.
                self.lexer
                    .process_word(def, &self.state.run_env)
                    .ok()
                    .map(|e| e.value)
            } else {
                self.global.get(&d.name).map(str::to_string)
            };
            self.state.declared_args.insert(d.name.clone());
            match value {
                Some(v) => {
                    self.state.run_env.set(&d.name, &v);
                    inputs.args.insert(d.name.clone(), v.clone());
                    shown.push(format!("{}={v}", d.name));
                }
                None => shown.push(d.name.clone()),
            }
        }
        PlannedStep {
            line: cmd.line,
            instruction: "ARG".into(),
            text: shown.join(" "),
            layer: false,
            key: None,
            inputs,
        }
    }

    fn pairs(
        &self,
        kvs: &[KeyValue],
        line: usize,
        used: &mut BTreeMap<String, String>,
    ) -> Result<Vec<(String, String)>, PlanError> {
        kvs.iter()
            .map(|kv| {
                Ok((
                    self.word(&kv.key, line, used)?,
                    self.word(&kv.value, line, used)?,
                ))
            })
            .collect()
    }

    fn run(
        &mut self,
        r: &RunCommand,
        line: usize,
        h: &mut KeyHasher,
        inputs: &mut StepInputs,
    ) -> Result<String, PlanError> {
        let c = &r.command;
        h.str("instruction", "RUN")
            .list("args", &c.args)
            .flag("json", !c.prepend_shell)
            .list("shell", &self.state.shell);
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
        h.str("user", &self.state.user)
            .str("workdir", &self.state.workdir)
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
        Ok(text)
    }

    fn mount_key(
        &self,
        m: &mount::Mount,
        line: usize,
        h: &mut KeyHasher,
        inputs: &mut StepInputs,
    ) -> Result<(), PlanError> {
        let target = m
            .target
            .as_deref()
            .map(|t| resolve_path(&self.state.workdir, t));
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
                Some(from) => self.source_key(from, &[source], line, h, inputs)?,
                None => self.context_key(&[source], &[], line, h, inputs)?,
            }
        }
        Ok(())
    }

    /// Adds the key of what `from` names (an earlier stage or an image).
    fn source_key(
        &self,
        from: &str,
        paths: &[String],
        line: usize,
        h: &mut KeyHasher,
        inputs: &mut StepInputs,
    ) -> Result<(), PlanError> {
        h.list("from.paths", paths);
        match stage_ref(from, self.index, self.names, line)? {
            StageRef::Stage(j) => {
                let key = &self
                    .done
                    .get(&j)
                    .ok_or_else(|| PlanError::at(line, "internal: source stage not planned"))?
                    .key;
                h.digest("from.stage", key);
                inputs.stages.push((j, key.clone()));
            }
            StageRef::Image(name) => {
                let img = resolve::image(&name, self.platform, self.req.resolver)
                    .map_err(|e| PlanError::at(line, e))?;
                h.str("from.image", &img.reference)
                    .opt("from.digest", img.digest.as_deref());
                if img.digest.is_none() {
                    inputs.unresolved.push(format!(
                        "{}: tag not resolved to a digest yet",
                        img.reference
                    ));
                }
                inputs.images.push(img);
            }
        }
        Ok(())
    }

    /// Adds the content digest of context sources.
    fn context_key(
        &self,
        sources: &[String],
        excludes: &[String],
        line: usize,
        h: &mut KeyHasher,
        inputs: &mut StepInputs,
    ) -> Result<(), PlanError> {
        let d = self
            .req
            .context
            .hash_sources_with(sources, excludes)
            .map_err(|source| PlanError::Context { line, source })?;
        h.str("context", &d.digest);
        inputs.files.extend(d.paths);
        inputs.context_digest = Some((d.digest, d.entries));
        Ok(())
    }

    /// The fields COPY and ADD share; returns the expanded sources and destination.
    fn files(
        &self,
        f: &SourcesAndDest,
        opts: FileFlags<'_>,
        line: usize,
        h: &mut KeyHasher,
        inputs: &mut StepInputs,
    ) -> Result<(Vec<String>, String, Vec<String>), PlanError> {
        let sources = self.words(&f.sources, line, &mut inputs.args)?;
        let dest_raw = self.word(&f.dest, line, &mut inputs.args)?;
        let dest = resolve_path(&self.state.workdir, &dest_raw);
        let chown = opts
            .chown
            .map(|c| self.word(c, line, &mut inputs.args))
            .transpose()?;
        let chmod = opts
            .chmod
            .map(|c| self.word(c, line, &mut inputs.args))
            .transpose()?;
        let excludes = self.words(opts.excludes, line, &mut inputs.args)?;
        h.list("sources", &sources)
            .str("dest", &dest)
            .opt("chown", chown.as_deref())
            .opt("chmod", chmod.as_deref())
            .list("excludes", &excludes);
        h.bytes("inline", &(f.inline.len() as u64).to_be_bytes());
        let raw_lexer = Lexer {
            skip_process_quotes: true,
            ..self.lexer.clone()
        };
        for file in &f.inline {
            let data = if file.expand {
                raw_lexer
                    .process_word(&file.data, &self.state.run_env)
                    .map_err(|e| PlanError::at(line, e.message))?
                    .value
            } else {
                file.data.clone()
            };
            h.str("inline.name", &file.name).str("inline.data", &data);
        }
        Ok((sources, dest_raw, excludes))
    }

    fn copy(
        &self,
        c: &CopyCommand,
        line: usize,
        h: &mut KeyHasher,
        inputs: &mut StepInputs,
    ) -> Result<String, PlanError> {
        h.str("instruction", "COPY")
            .flag("link", c.link)
            .flag("parents", c.parents);
        let opts = FileFlags {
            chown: c.chown.as_deref(),
            chmod: c.chmod.as_deref(),
            excludes: &c.excludes,
        };
        let (sources, dest, excludes) = self.files(&c.files, opts, line, h, inputs)?;
        match &c.from {
            Some(from) => self.source_key(from, &sources, line, h, inputs)?,
            None if !sources.is_empty() => {
                self.context_key(&sources, &excludes, line, h, inputs)?
            }
            None => {}
        }
        let mut words: Vec<String> = c.from.iter().map(|f| format!("--from={f}")).collect();
        words.extend(sources);
        words.extend(c.files.inline.iter().map(|f| format!("<<{}", f.name)));
        words.push(dest);
        Ok(words.join(" "))
    }

    fn add(
        &self,
        a: &AddCommand,
        line: usize,
        h: &mut KeyHasher,
        inputs: &mut StepInputs,
    ) -> Result<String, PlanError> {
        h.str("instruction", "ADD")
            .flag("link", a.link)
            .opt(
                "keep-git-dir",
                a.keep_git_dir.map(|b| b.to_string()).as_deref(),
            )
            .opt("unpack", a.unpack.map(|b| b.to_string()).as_deref());
        let opts = FileFlags {
            chown: a.chown.as_deref(),
            chmod: a.chmod.as_deref(),
            excludes: &a.excludes,
        };
        let (sources, dest, excludes) = self.files(&a.files, opts, line, h, inputs)?;
        let checksum = a
            .checksum
            .as_deref()
            .map(|c| self.word(c, line, &mut inputs.args))
            .transpose()?;
        h.opt("checksum", checksum.as_deref());
        let (remote, local): (Vec<String>, Vec<String>) =
            sources.iter().cloned().partition(|s| is_remote(s));
        for url in &remote {
            if checksum.is_none() {
                inputs.unresolved.push(format!(
                    "{url}: fetched when the build runs (no --checksum)"
                ));
            }
        }
        if !local.is_empty() {
            self.context_key(&local, &excludes, line, h, inputs)?;
        }
        let mut words = sources;
        words.extend(a.files.inline.iter().map(|f| format!("<<{}", f.name)));
        words.push(dest);
        Ok(words.join(" "))
    }
}

/// The COPY/ADD flags that are expanded and keyed the same way.
struct FileFlags<'a> {
    chown: Option<&'a str>,
    chmod: Option<&'a str>,
    excludes: &'a [String],
}

/// Whether an ADD source is fetched rather than read from the context.
fn is_remote(s: &str) -> bool {
    s.starts_with("http://")
        || s.starts_with("https://")
        || s.starts_with("git@")
        || s.starts_with("git://")
}

/// `p` made absolute against `workdir` and cleaned; a trailing `/` is kept (it means "a
/// directory" to COPY).
pub(super) fn resolve_path(workdir: &str, p: &str) -> String {
    let joined = if p.starts_with('/') {
        p.to_string()
    } else {
        format!("{}/{p}", workdir.trim_end_matches('/'))
    };
    let trailing = joined.ends_with('/') || joined.ends_with("/.");
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let mut out = format!("/{}", parts.join("/"));
    if trailing && out != "/" {
        out.push('/');
    }
    out
}

/// Exec form as a JSON array, shell form as its text.
fn display_args(args: &[String], json: bool) -> String {
    if json {
        serde_json::to_string(args).unwrap_or_default()
    } else {
        args.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::resolve_path;

    #[test]
    fn paths_resolve_against_workdir() {
        assert_eq!(resolve_path("/", "app"), "/app");
        assert_eq!(resolve_path("/src", "out/"), "/src/out/");
        assert_eq!(resolve_path("/src", "."), "/src/");
        assert_eq!(resolve_path("/src", "../etc/x"), "/etc/x");
        assert_eq!(resolve_path("/src", "/abs//y/./z"), "/abs/y/z");
        assert_eq!(resolve_path("/", "../../.."), "/");
    }
}
