//! Evaluation of stages: FROM lines, dependencies, and every step's key.
//!
//! Fields of each key (all through [`KeyHasher`], after the `rbuild-key-v1` header):
//!
//! | step | fields |
//! |---|---|
//! | FROM image | kind `from`; `platform`; `image` (normalized reference); `digest` (manifest digest, or none while unresolved) |
//! | FROM scratch | kind `from`; `platform`; `image` = `scratch` |
//! | FROM stage | the stage's final key itself (same filesystem and config) |
//! | FROM an `oci-layout://` `--build-context` | kind `from`; `platform`; `image` = `oci-layout`; `digest` (the platform's manifest digest) |
//! | FROM a `--build-context` directory | kind `from`; `platform`; `context.local` (Merkle digest of its files, as COPY's `context`) |
//! | every other step | kind `step`; `parent` (previous key); `instruction`; then per kind below |
//! | ENV, LABEL | `pairs`: expanded keys and values in order |
//! | WORKDIR | `path` (absolute, cleaned); `user` |
//! | USER, STOPSIGNAL, MAINTAINER | `value` expanded |
//! | EXPOSE, VOLUME | `values` expanded |
//! | CMD, ENTRYPOINT, SHELL | `args`; `json` |
//! | HEALTHCHECK | `test`; each option |
//! | ONBUILD | `trigger` text |
//! | RUN | `args`; `json`; `shell`; `heredocs` (name, content, chomp, expand); `env` (every variable the process gets, ENV and in-scope ARG values, in order); `user`; `workdir`; `network`; `security`; `devices`; per mount: its normalized spec and, for bind mounts, the source's key or content digest |
//! | COPY, ADD | `sources`; `dest` (absolute); `chown`; `chmod`; `link`; `parents`; `excludes`; `inline` files (name, content after expansion); then the source content: `context` Merkle digest, or `stage` key, or `image` digest, or (`--from` a `--build-context` directory) `from.context`, the Merkle digest of the sources in it (an `oci-layout://` one: `from.image` = `oci-layout` and `from.digest`); ADD URLs: `checksum`, else (when `rbuild build` plans, fetching each URL once) `url` and `url.sha256` of what it served; ADD git sources: `git` and `git.commit` (the ref resolved by `git ls-remote`); `rbuild plan` fetches and resolves neither and marks the key provisional |
//!
//! ARG makes no key: it only brings values into scope. A later step that uses the value has it
//! in its own fields (expanded text, or RUN's `env`), so a build arg that no step uses changes
//! no key.

use super::heads::{StageHead, expand};
use super::history::{go_list, go_quoted_list};
use super::resolve::{self, ImageSource, Source};
use super::vars::{BuildArgs, Vars};
use super::{Digest, KeyHasher, PlanError, PlanRequest, PlannedStep, Platform, StepInputs, StepOp};
use crate::dockerfile::instructions::parse_go_duration;
use crate::dockerfile::instructions::{Command, CommandKind, Healthcheck, KeyValue};
use crate::dockerfile::shell::{Env, Lexer};
use crate::image::config::{ConfigChange, DEFAULT_SHELL, HealthConfig, ImageConfig, parse_ports};
use std::collections::{BTreeMap, BTreeSet};

/// The PATH an image gets when its base defines none (Docker's default for Linux).
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The state of a stage after a step: what later steps see.
#[derive(Debug, Clone)]
pub(super) struct StageState {
    /// Variables processes and expansions see: ENV and ARG values.
    pub(super) run_env: Vars,
    /// Names declared with ARG in this stage (or inherited from the base stage).
    pub(super) declared_args: BTreeSet<String>,
    /// Every ARG declaration in order, a name again when declared again (BuildKit 0.13's
    /// `buildArgs`, which a RUN's history entry lists: `|5 A=1 B=2 A=1 ...`).
    pub(super) arg_order: Vec<String>,
    /// The image config so far: WORKDIR, USER, SHELL, ENV, CMD, ... and history.
    pub(super) config: ImageConfig,
    /// Whether this stage set CMD (an ENTRYPOINT then keeps it).
    pub(super) cmd_set: bool,
}

/// A planned stage.
pub(super) struct StageResult {
    pub key: Digest,
    pub base_image: Option<ImageSource>,
    pub steps: Vec<PlannedStep>,
    state: StageState,
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
    let names = super::heads::stage_names(req);
    let mut inputs = StepInputs::default();
    let mut base_image = None;
    let (key, state) = match &head.source {
        Source::Stage(j) => {
            let parent = done
                .get(j)
                .ok_or_else(|| PlanError::at(stage.line, "internal: base stage not planned"))?;
            inputs.stages.push((*j, parent.key.clone()));
            {
                let mut state = parent.state.clone();
                // "CMD set in this stage" starts over in every stage (BuildKit's dispatchState).
                state.cmd_set = false;
                (parent.key.clone(), state)
            }
        }
        Source::Scratch => {
            let mut h = KeyHasher::new("from");
            h.str("platform", &head.platform.to_string())
                .str("image", "scratch");
            // BuildKit's `emptyImage`: the default PATH and WorkingDir `/`.
            let mut state = StageState::fresh(&head.platform);
            state.config.config.working_dir = "/".into();
            (h.finish(), state)
        }
        Source::Local(n) => {
            let named = req
                .named
                .get(*n)
                .ok_or_else(|| PlanError::at(stage.line, "internal: unknown named context"))?;
            let context = req
                .named
                .local(*n)
                .ok_or_else(|| PlanError::at(stage.line, "internal: not a local context"))?;
            let d =
                context
                    .hash_sources(&[".".to_string()])
                    .map_err(|source| PlanError::Context {
                        line: stage.line,
                        source,
                    })?;
            let mut h = KeyHasher::new("from");
            h.str("platform", &head.platform.to_string())
                .str("context.local", &d.digest);
            inputs.named.push((named.name.clone(), d.digest));
            // BuildKit's `emptyImage`, as for scratch: a local context has no image config.
            let mut state = StageState::fresh(&head.platform);
            state.config.config.working_dir = "/".into();
            (h.finish(), state)
        }
        Source::Layout(n) => {
            let layout = match req.named.get(*n).map(|c| (&c.name, &c.value)) {
                Some((name, super::NamedValue::Layout(layout))) => (name, layout),
                _ => {
                    return Err(PlanError::at(
                        stage.line,
                        "internal: not an oci-layout context",
                    ));
                }
            };
            let (name, layout) = layout;
            let image = layout
                .resolve(&head.platform)
                .map_err(|e| PlanError::at(stage.line, e))?;
            let digest = image.digest.to_string();
            let mut h = KeyHasher::new("from");
            h.str("platform", &head.platform.to_string())
                .str("image", "oci-layout")
                .opt("digest", Some(&digest));
            let source = ImageSource {
                reference: format!("oci-layout ({name})"),
                digest: Some(digest),
            };
            inputs.images.push(source.clone());
            base_image = Some(source);
            (
                h.finish(),
                StageState::from_image(image.config, &head.platform),
            )
        }
        Source::Image(img) => {
            let unresolved = |e: String| {
                PlanError::at(stage.line, resolve::unresolved(&img.reference, &e, &names))
            };
            let resolved =
                resolve::image(&img.reference, &head.platform, req.resolver).map_err(unresolved)?;
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
            let base_config = resolve::image_config(&img.reference, &head.platform, req.resolver)
                .map_err(unresolved)?;
            inputs.images.push(resolved.clone());
            base_image = Some(resolved);
            let state = match base_config {
                Some(config) => StageState::from_image(config, &head.platform),
                None => StageState::fresh(&head.platform),
            };
            (h.finish(), state)
        }
    };
    let text = match (&stage.name, head.replaced.and_then(|n| req.named.get(n))) {
        (Some(name), Some(named)) => format!(
            "{} AS {name} (replaced by --build-context {})",
            head.base, named.name
        ),
        (Some(name), None) => format!("{} AS {name}", head.base),
        (None, _) => head.base.clone(),
    };
    let mut steps = vec![PlannedStep {
        line: stage.line,
        instruction: "FROM".into(),
        text,
        layer: false,
        key: Some(key.clone()),
        inputs,
        op: StepOp::From(head.source.clone()),
        onbuild: false,
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
    // A stage a named context replaces is that context: none of its instructions run.
    let commands: &[Command] = if head.replaced.is_some() {
        walker.state.config.config.on_build.clear();
        &[]
    } else {
        &stage.commands
    };
    // The base's ONBUILD triggers run first, as BuildKit's `initOnBuildTriggers` does; they do
    // not carry over into this stage's image.
    let triggers = std::mem::take(&mut walker.state.config.config.on_build);
    for trigger in &triggers {
        let cmd = onbuild_trigger(trigger, stage.line)?;
        let mut step = walker.step(&cmd)?;
        step.onbuild = true;
        steps.push(step);
    }
    for cmd in commands {
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

impl StageResult {
    /// The image config at the end of the stage.
    pub(super) fn config(&self) -> &ImageConfig {
        &self.state.config
    }
}

impl StageState {
    /// The state on top of an image whose config is not known yet (scratch, or a base the
    /// registry has not been asked about): Docker's default PATH, as BuildKit adds it.
    fn fresh(platform: &Platform) -> Self {
        let mut run_env = Vars::default();
        run_env.set("PATH", DEFAULT_PATH);
        let mut config = ImageConfig {
            architecture: platform.arch.clone(),
            os: platform.os.clone(),
            variant: platform.variant.clone(),
            ..ImageConfig::default()
        };
        config.config.env.push(format!("PATH={DEFAULT_PATH}"));
        Self {
            run_env,
            declared_args: BTreeSet::new(),
            arg_order: Vec::new(),
            config,
            cmd_set: false,
        }
    }

    /// The state on top of a base image whose config is known: its ENV is the environment
    /// (with Docker's default PATH added when it has none, as BuildKit does), and its config and
    /// history carry on. The platform is the stage's (BuildKit's "ensure platform is set"): an
    /// `arm64/v8` base built for `linux/arm64` gives an image without the variant.
    fn from_image(mut config: ImageConfig, platform: &Platform) -> Self {
        config.architecture = platform.arch.clone();
        config.os = platform.os.clone();
        config.variant = platform.variant.clone();
        if !config.config.env.iter().any(|e| e.starts_with("PATH=")) {
            config.config.env.push(format!("PATH={DEFAULT_PATH}"));
        }
        let mut run_env = Vars::default();
        for e in &config.config.env {
            let (k, v) = e.split_once('=').unwrap_or((e.as_str(), ""));
            run_env.set(k, v);
        }
        Self {
            run_env,
            declared_args: BTreeSet::new(),
            arg_order: Vec::new(),
            config,
            cmd_set: false,
        }
    }

    /// The working directory (`/` unless WORKDIR set one).
    pub(super) fn workdir(&self) -> &str {
        match self.config.config.working_dir.as_str() {
            "" => "/",
            w => w,
        }
    }

    /// The user steps run as (empty: the image's default, root).
    pub(super) fn user(&self) -> &str {
        &self.config.config.user
    }

    /// The shell of shell-form commands.
    pub(super) fn shell(&self) -> Vec<String> {
        if self.config.config.shell.is_empty() {
            DEFAULT_SHELL.iter().map(|s| s.to_string()).collect()
        } else {
            self.config.config.shell.clone()
        }
    }
}

pub(super) struct Walker<'r, 'a> {
    pub(super) req: &'r PlanRequest<'a>,
    pub(super) lexer: &'r Lexer,
    pub(super) global: &'r Vars,
    pub(super) build_args: &'r mut BuildArgs,
    pub(super) index: usize,
    pub(super) names: &'r [Option<&'r str>],
    pub(super) done: &'r BTreeMap<usize, StageResult>,
    pub(super) parent: Digest,
    pub(super) state: StageState,
    pub(super) platform: &'r Platform,
}

impl Walker<'_, '_> {
    /// Expands one word with the stage's variables, recording the build args it used.
    pub(super) fn word(
        &self,
        w: &str,
        line: usize,
        used: &mut BTreeMap<String, String>,
    ) -> Result<String, PlanError> {
        let (value, names) = expand(self.lexer, w, &self.state.run_env, line)?;
        for n in names {
            if self.state.declared_args.contains(&n)
                && let Some(v) = self.state.run_env.get(&n)
            {
                used.insert(n, v.to_string());
            }
        }
        Ok(value)
    }

    pub(super) fn words(
        &self,
        ws: &[String],
        line: usize,
        used: &mut BTreeMap<String, String>,
    ) -> Result<Vec<String>, PlanError> {
        ws.iter().map(|w| self.word(w, line, used)).collect()
    }

    fn step(&mut self, cmd: &Command) -> Result<PlannedStep, PlanError> {
        let line = cmd.line;
        let mut inputs = StepInputs {
            parent: Some(self.parent.clone()),
            ..StepInputs::default()
        };
        let mut h = KeyHasher::new("step");
        h.digest("parent", &self.parent);
        let mut change = None;
        let mut op = StepOp::Config;
        let mut run_history = None;
        let (instruction, text, layer) = match &cmd.kind {
            CommandKind::Arg(decls) => return self.arg(cmd, decls),
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
                change = Some(if is_env {
                    ConfigChange::Env(pairs)
                } else {
                    ConfigChange::Labels(pairs)
                });
                (name, text, false)
            }
            CommandKind::Maintainer(m) => {
                h.str("instruction", "MAINTAINER").str("value", m);
                change = Some(ConfigChange::Author(m.clone()));
                ("MAINTAINER", m.clone(), false)
            }
            CommandKind::Workdir(w) => {
                let w = self.word(w, line, &mut inputs.args)?;
                let path = resolve_path(self.state.workdir(), &w);
                let path = path.trim_end_matches('/').to_string();
                let path = if path.is_empty() { "/".into() } else { path };
                h.str("instruction", "WORKDIR")
                    .str("path", &path)
                    .str("user", self.state.user());
                change = Some(ConfigChange::Workdir(path.clone()));
                // BuildKit creates the directory, a layer, unless it is `/`.
                let layer = path != "/";
                if layer {
                    op = StepOp::Workdir {
                        path: path.clone(),
                        user: self.state.user().to_string(),
                    };
                }
                ("WORKDIR", path, layer)
            }
            CommandKind::User(u) => {
                let u = self.word(u, line, &mut inputs.args)?;
                h.str("instruction", "USER").str("value", &u);
                change = Some(ConfigChange::User(u.clone()));
                ("USER", u, false)
            }
            CommandKind::StopSignal(s) => {
                let s = self.word(s, line, &mut inputs.args)?;
                h.str("instruction", "STOPSIGNAL").str("value", &s);
                change = Some(ConfigChange::StopSignal(s.clone()));
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
                change = Some(if name == "EXPOSE" {
                    ConfigChange::Expose(parse_ports(&values).map_err(|e| PlanError::at(line, e))?)
                } else {
                    ConfigChange::Volumes(values.clone())
                });
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
                let (args, prepend_shell) = (c.args.clone(), c.prepend_shell);
                change = Some(if name == "CMD" {
                    ConfigChange::Cmd {
                        args,
                        prepend_shell,
                    }
                } else {
                    ConfigChange::Entrypoint {
                        args,
                        prepend_shell,
                    }
                });
                (name, display_args(&c.args, !c.prepend_shell), false)
            }
            CommandKind::Shell(s) => {
                h.str("instruction", "SHELL").list("args", s);
                change = Some(ConfigChange::Shell(s.clone()));
                ("SHELL", display_args(s, true), false)
            }
            CommandKind::Healthcheck(hc) => {
                h.str("instruction", "HEALTHCHECK");
                let text = match hc {
                    Healthcheck::None => {
                        h.str("test", "NONE");
                        change = Some(ConfigChange::Healthcheck(HealthConfig {
                            test: vec!["NONE".into()],
                            ..HealthConfig::default()
                        }));
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
                        let ns = |d: &Option<String>| {
                            d.as_deref()
                                .and_then(parse_go_duration)
                                .map_or(0, |n| u64::try_from(n).unwrap_or(u64::MAX))
                        };
                        change = Some(ConfigChange::Healthcheck(HealthConfig {
                            test: test.clone(),
                            interval: ns(interval),
                            timeout: ns(timeout),
                            start_period: ns(start_period),
                            start_interval: ns(start_interval),
                            retries: retries.unwrap_or(0),
                        }));
                        display_args(test, true)
                    }
                };
                ("HEALTHCHECK", text, false)
            }
            CommandKind::Onbuild(t) => {
                h.str("instruction", "ONBUILD").str("trigger", t);
                change = Some(ConfigChange::OnBuild(t.clone()));
                ("ONBUILD", t.clone(), false)
            }
            CommandKind::Run(r) => {
                let (text, run_op) = self.run(r, line, &mut h, &mut inputs)?;
                run_history = Some(super::history::run_created_by(
                    &run_op.args,
                    &self.state.arg_order,
                    &self.state.run_env,
                ));
                op = StepOp::Run(run_op);
                ("RUN", text, true)
            }
            CommandKind::Copy(c) => {
                let (text, file_op) = self.copy(c, line, &mut h, &mut inputs)?;
                op = StepOp::Copy(file_op);
                ("COPY", text, true)
            }
            CommandKind::Add(a) => {
                let (text, file_op) = self.add(a, line, &mut h, &mut inputs)?;
                op = StepOp::Copy(file_op);
                ("ADD", text, true)
            }
        };
        if let Some(change) = &change {
            self.state.config.apply(change, &mut self.state.cmd_set);
        }
        let cfg = &self.state.config.config;
        let created_by = match (instruction, &change, run_history) {
            (_, _, Some(run)) => run,
            ("RUN" | "COPY" | "ADD", _, _) => format!("{instruction} {text} # buildkit"),
            ("CMD", _, _) => {
                format!("CMD {}", go_quoted_list(cfg.cmd.as_deref().unwrap_or(&[])))
            }
            ("ENTRYPOINT", _, _) => format!(
                "ENTRYPOINT {}",
                go_quoted_list(cfg.entrypoint.as_deref().unwrap_or(&[]))
            ),
            (_, Some(ConfigChange::Shell(list) | ConfigChange::Volumes(list)), _) => {
                format!("{instruction} {}", go_list(list))
            }
            _ => format!("{instruction} {text}"),
        };
        // BuildKit records every instruction in the history but ONBUILD (ARG: in `arg`).
        if instruction != "ONBUILD" {
            self.state.config.record(created_by, !layer, None);
        }
        let key = h.finish();
        self.parent = key.clone();
        Ok(PlannedStep {
            line,
            instruction: instruction.into(),
            text,
            layer,
            key: Some(key),
            inputs,
            op,
            onbuild: false,
        })
    }

    /// ARG as BuildKit's `dispatchArg`: a build arg wins, then the default (expanded), then a
    /// global ARG of the same name; the value joins the environment of later steps.
    fn arg(
        &mut self,
        cmd: &Command,
        decls: &[crate::dockerfile::instructions::ArgDecl],
    ) -> Result<PlannedStep, PlanError> {
        let mut shown = Vec::new();
        let mut recorded = Vec::new();
        let mut inputs = StepInputs::default();
        for d in decls {
            let value = if let Some(v) = self.build_args.take(&d.name) {
                Some(v)
            } else if let Some(def) = &d.default {
                // As BuildKit's dispatchArg: a default that does not expand (`${FOO:?msg}` with
                // FOO unset) fails the ARG at its line.
                Some(
                    self.lexer
                        .process_word(def, &self.state.run_env)
                        .map_err(|e| PlanError::at(cmd.line, e.message))?
                        .value,
                )
            } else {
                self.global.get(&d.name).map(str::to_string)
            };
            self.state.declared_args.insert(d.name.clone());
            self.state.arg_order.push(d.name.clone());
            match value {
                Some(v) => {
                    self.state.run_env.set(&d.name, &v);
                    inputs.args.insert(d.name.clone(), v.clone());
                    shown.push(format!("{}={v}", d.name));
                }
                None => shown.push(d.name.clone()),
            }
            // BuildKit's history names the declared default (expanded), never the value given.
            recorded.push(match &d.default {
                Some(def) => {
                    let v = self
                        .lexer
                        .process_word(def, &self.state.run_env)
                        .map_or_else(|_| def.clone(), |e| e.value);
                    format!("{}={v}", d.name)
                }
                None => d.name.clone(),
            });
        }
        self.state
            .config
            .record(format!("ARG {}", recorded.join(" ")), true, None);
        Ok(PlannedStep {
            line: cmd.line,
            instruction: "ARG".into(),
            text: shown.join(" "),
            layer: false,
            key: None,
            inputs,
            op: StepOp::Config,
            onbuild: false,
        })
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
}

/// Parses one ONBUILD trigger of a base into a command placed at the stage's FROM line.
pub(super) fn onbuild_trigger(trigger: &str, line: usize) -> Result<Command, PlanError> {
    let bad = |m: String| PlanError::at(line, format!("ONBUILD trigger `{trigger}`: {m}"));
    let df = crate::dockerfile::parse(trigger).map_err(|e| bad(e.to_string()))?;
    let [inst] = df.instructions.as_slice() else {
        return Err(bad("onbuild trigger should be a single expression".into()));
    };
    let mut cmd =
        crate::dockerfile::instructions::parse_command(inst).map_err(|e| bad(e.message))?;
    cmd.line = line;
    cmd.end_line = line;
    Ok(cmd)
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
pub(super) fn display_args(args: &[String], json: bool) -> String {
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
