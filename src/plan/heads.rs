//! The global scope and the FROM line of every stage: base, platform, and the stages each one
//! depends on (`FROM <stage>`, `COPY --from`, `RUN --mount from=`, and those of the ONBUILD
//! triggers of a base stage), with BuildKit's rules for stage references.

use super::named::NamedContexts;
use super::resolve::{self, ImageSource, Source};
use super::vars::{BuildArgs, Vars};
use super::{PlanError, PlanRequest, Platform};
use crate::dockerfile::instructions::mount;
use crate::dockerfile::instructions::{Command, CommandKind};
use crate::dockerfile::shell::{Env, Lexer};
use std::collections::BTreeSet;

/// A stage's FROM line, evaluated.
pub(super) struct StageHead {
    pub base: String,
    pub source: Source,
    pub platform: Platform,
    pub depends_on: BTreeSet<usize>,
    /// A `--build-context` of the stage's name replaces it: its instructions are not run.
    pub replaced: Option<usize>,
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

pub(super) fn expand(
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
    let names = stage_names(req);
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
        // BuildKit's dockerfile2llb: a named context of the stage's name replaces the stage.
        if let Some((n, named)) = stage.name.as_deref().and_then(|s| req.named.lookup(s)) {
            heads.push(StageHead {
                base,
                source: resolve::named_source(n, named),
                platform,
                depends_on,
                replaced: Some(n),
            });
            continue;
        }
        let source = if base == "scratch" {
            Source::Scratch
        } else if let Some(j) = names[..i].iter().position(|n| *n == Some(base.as_str())) {
            depends_on.insert(j);
            // The base stage's ONBUILD instructions are this stage's triggers.
            let triggers: Vec<String> = stages[j]
                .commands
                .iter()
                .filter_map(|c| match &c.kind {
                    CommandKind::Onbuild(expr) => Some(expr.clone()),
                    _ => None,
                })
                .collect();
            depends_on.extend(trigger_deps(&triggers, i, &names, req.named, stage.line));
            Source::Stage(j)
        } else if let Some((n, named)) = req.named.lookup(&base) {
            resolve::named_source(n, named)
        } else {
            Source::Image(ImageSource {
                reference: base.clone(),
                digest: None,
            })
        };
        for cmd in &stage.commands {
            for from in command_sources(cmd) {
                if let StageRef::Stage(j) = stage_ref(&from, i, &names, req.named, cmd.line)? {
                    depends_on.insert(j);
                }
            }
        }
        heads.push(StageHead {
            base,
            source,
            platform,
            depends_on,
            replaced: None,
        });
    }
    Ok(heads)
}

/// Each stage's `AS` name, in file order (what `--from`, `FROM` and `--target` are matched
/// against).
pub(super) fn stage_names<'a>(req: &'a PlanRequest<'_>) -> Vec<Option<&'a str>> {
    req.stages
        .stages
        .iter()
        .map(|s| s.name.as_deref())
        .collect()
}

/// The stages that the ONBUILD `triggers` of a base, run in stage `current`, copy or mount
/// from (as BuildKit's `initOnBuildTriggers` adds them as dependencies). A trigger that does not
/// parse, or names a stage it may not, adds nothing: planning the stage reports it.
pub(super) fn trigger_deps(
    triggers: &[String],
    current: usize,
    names: &[Option<&str>],
    named: &NamedContexts,
    line: usize,
) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    for trigger in triggers {
        let Ok(cmd) = super::steps::onbuild_trigger(trigger, line) else {
            continue;
        };
        for from in command_sources(&cmd) {
            if let Ok(StageRef::Stage(j)) = stage_ref(&from, current, names, named, line) {
                out.insert(j);
            }
        }
    }
    out
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

pub(super) enum StageRef {
    Stage(usize),
    /// A `--build-context`, by index.
    Named(usize),
    Image(String),
}

/// Resolves a `--from` value of stage `current`: a stage index, an earlier stage's name (unless
/// a named context replaces that stage), a named context, or else an image reference, with
/// BuildKit's messages.
pub(super) fn stage_ref(
    from: &str,
    current: usize,
    names: &[Option<&str>],
    named: &NamedContexts,
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
        None => match named.lookup(from) {
            Some((n, _)) => Ok(StageRef::Named(n)),
            None => Ok(StageRef::Image(from.to_string())),
        },
    }
}
