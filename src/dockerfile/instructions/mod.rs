//! Raw instructions -> typed, validated instructions grouped into stages, as BuildKit's
//! `instructions` package does: arity checks, the flags each instruction accepts, stage names,
//! the meta ARGs before the first FROM. Values stay unexpanded here: the planner expands them
//! with each stage's variables.

mod flags;
mod healthcheck;
pub mod mount;
mod sources;
mod types;

pub use flags::{FlagKind, Flags};
pub use healthcheck::parse_go_duration;
pub use sources::chomp_heredoc;
pub use types::*;

use healthcheck::parse_healthcheck;
use sources::sources_and_dest;

use super::{Body, Dockerfile, Instruction, ParseError};

/// Checks every raw instruction and groups them into stages. Errors carry the instruction's line
/// and BuildKit's message.
pub fn from_dockerfile(df: &Dockerfile) -> Result<Stages, ParseError> {
    let mut out = Stages {
        escape: df.escape,
        meta_args: Vec::new(),
        stages: Vec::new(),
    };
    for inst in &df.instructions {
        let err = |m: String| ParseError::new(inst.line, m);
        if inst.cmd == "from" {
            out.stages.push(parse_from(inst).map_err(err)?);
            continue;
        }
        let cmd = parse_command(inst)?;
        match out.stages.last_mut() {
            Some(stage) => stage.commands.push(cmd),
            None if matches!(cmd.kind, CommandKind::Arg(_)) => out.meta_args.push(cmd),
            None => {
                return Err(ParseError::new(
                    inst.line,
                    "no build stage in current context",
                ));
            }
        }
    }
    if out.stages.is_empty() {
        let line = df.instructions.last().map_or(1, |i| i.line);
        return Err(ParseError::new(line, "no build stage in current context"));
    }
    Ok(out)
}

const NO_FLAGS: &[(&str, FlagKind)] = &[];

fn parse_from(inst: &Instruction) -> Result<Stage, String> {
    let args = inst.args();
    let name = match args {
        [_, as_kw, name] if as_kw.eq_ignore_ascii_case("as") => {
            let lower = name.to_lowercase();
            if !valid_stage_name(&lower) {
                return Err(format!(
                    "invalid name for build stage: {name:?}, name can't start with a number or contain symbols"
                ));
            }
            Some(lower)
        }
        [_] => None,
        _ => return Err("FROM requires either one or three arguments".to_string()),
    };
    let flags = Flags::parse(&inst.flags, &[("platform", FlagKind::String)])?;
    Ok(Stage {
        name,
        base: args.first().cloned().unwrap_or_default(),
        platform: flags.string("platform").filter(|p| !p.is_empty()),
        line: inst.line,
        source: inst.original.trim().to_string(),
        commands: Vec::new(),
    })
}

/// `^[a-z][a-z0-9-_.]*$`, BuildKit's rule for stage names.
fn valid_stage_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c))
}

/// Parses one non-FROM instruction (also used for ONBUILD triggers); an error is at the
/// instruction's line.
pub fn parse_command(inst: &Instruction) -> Result<Command, ParseError> {
    let kind = parse_kind(inst).map_err(|m| ParseError::new(inst.line, m))?;
    Ok(Command {
        line: inst.line,
        end_line: inst.end_line,
        original: inst.original.clone(),
        kind,
    })
}

fn parse_kind(inst: &Instruction) -> Result<CommandKind, String> {
    let args = inst.args();
    let upper = inst.cmd.to_uppercase();
    let no_flags = || Flags::parse(&inst.flags, NO_FLAGS);
    let exactly_one = || -> Result<String, String> {
        match args {
            [one] => Ok(one.clone()),
            _ => Err(format!("{upper} requires exactly one argument")),
        }
    };
    let at_least_one = || -> Result<(), String> {
        if args.is_empty() {
            Err(format!("{upper} requires at least one argument"))
        } else {
            Ok(())
        }
    };
    Ok(match inst.cmd.as_str() {
        "env" | "label" => {
            no_flags()?;
            let pairs = match &inst.body {
                Body::Pairs { pairs, .. } if !pairs.is_empty() => pairs,
                _ => return Err(format!("{upper} requires at least one argument")),
            };
            let mut kvs = Vec::with_capacity(pairs.len());
            for (key, value) in pairs {
                if key.is_empty() {
                    return Err(format!("{upper} names can not be blank"));
                }
                kvs.push(KeyValue {
                    key: key.clone(),
                    value: value.clone(),
                });
            }
            if inst.cmd == "env" {
                CommandKind::Env(kvs)
            } else {
                CommandKind::Label(kvs)
            }
        }
        "maintainer" => {
            let m = exactly_one()?;
            no_flags()?;
            CommandKind::Maintainer(m)
        }
        "add" => {
            no_destination(args, &upper)?;
            let f = Flags::parse(
                &inst.flags,
                &[
                    ("chown", FlagKind::String),
                    ("chmod", FlagKind::String),
                    ("link", FlagKind::Bool),
                    ("keep-git-dir", FlagKind::Bool),
                    ("checksum", FlagKind::String),
                    ("unpack", FlagKind::Bool),
                    ("exclude", FlagKind::Strings),
                ],
            )?;
            CommandKind::Add(AddCommand {
                files: sources_and_dest(inst, &upper)?,
                chown: non_empty(f.string("chown")),
                chmod: non_empty(f.string("chmod")),
                link: f.bool("link").unwrap_or(false),
                keep_git_dir: f.bool("keep-git-dir"),
                checksum: non_empty(f.string("checksum")),
                unpack: f.bool("unpack"),
                excludes: f.strings("exclude"),
            })
        }
        "copy" => {
            no_destination(args, &upper)?;
            let f = Flags::parse(
                &inst.flags,
                &[
                    ("chown", FlagKind::String),
                    ("from", FlagKind::String),
                    ("chmod", FlagKind::String),
                    ("link", FlagKind::Bool),
                    ("exclude", FlagKind::Strings),
                    ("parents", FlagKind::Bool),
                ],
            )?;
            CommandKind::Copy(CopyCommand {
                files: sources_and_dest(inst, &upper)?,
                from: non_empty(f.string("from")),
                chown: non_empty(f.string("chown")),
                chmod: non_empty(f.string("chmod")),
                link: f.bool("link").unwrap_or(false),
                parents: f.bool("parents").unwrap_or(false),
                excludes: f.strings("exclude"),
            })
        }
        "onbuild" => {
            let Body::Inner { inner } = &inst.body else {
                return Err("ONBUILD requires at least one argument".to_string());
            };
            no_flags()?;
            match inner.cmd.as_str() {
                "onbuild" => {
                    return Err("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed".into());
                }
                "maintainer" | "from" => {
                    return Err(format!(
                        "{} isn't allowed as an ONBUILD trigger",
                        inner.cmd.to_uppercase()
                    ));
                }
                _ => {}
            }
            // Like BuildKit, the trigger itself is checked only when an image built on this one
            // runs it: `ONBUILD COPY --bogus=1 a b` is accepted here.
            let mut text = strip_onbuild_keyword(&inst.original);
            for h in inst.heredocs.iter().chain(&inner.heredocs) {
                text.push('\n');
                text.push_str(&h.content);
                text.push_str(&h.name);
            }
            CommandKind::Onbuild(text)
        }
        "workdir" => {
            let w = exactly_one()?;
            no_flags()?;
            CommandKind::Workdir(w)
        }
        "run" => {
            let f = Flags::parse(
                &inst.flags,
                &[
                    ("mount", FlagKind::Strings),
                    ("network", FlagKind::String),
                    ("security", FlagKind::String),
                    ("device", FlagKind::Strings),
                ],
            )?;
            let network = f.string("network").unwrap_or_else(|| "default".into());
            if !matches!(network.as_str(), "default" | "none" | "host") {
                return Err(format!("invalid network mode {network:?}"));
            }
            let security = f.string("security").unwrap_or_else(|| "sandbox".into());
            if !matches!(security.as_str(), "sandbox" | "insecure") {
                return Err(format!(
                    "security={security} is not valid: expected sandbox or insecure"
                ));
            }
            let mounts = f.strings("mount");
            for m in &mounts {
                mount::check_unexpanded(m)?;
            }
            CommandKind::Run(RunCommand {
                command: command_line(inst),
                mounts,
                network,
                security,
                devices: f.strings("device"),
            })
        }
        "cmd" => {
            no_flags()?;
            CommandKind::Cmd(command_line(inst))
        }
        "entrypoint" => {
            no_flags()?;
            CommandKind::Entrypoint(command_line(inst))
        }
        "healthcheck" => parse_healthcheck(inst)?,
        "expose" => {
            at_least_one()?;
            no_flags()?;
            let mut ports = args.to_vec();
            ports.sort();
            CommandKind::Expose(ports)
        }
        "user" => {
            let u = exactly_one()?;
            no_flags()?;
            CommandKind::User(u)
        }
        "volume" => {
            at_least_one()?;
            no_flags()?;
            let mut volumes = Vec::with_capacity(args.len());
            for v in args {
                let v = v.trim();
                if v.is_empty() {
                    return Err("VOLUME specified can not be an empty string".into());
                }
                volumes.push(v.to_string());
            }
            CommandKind::Volume(volumes)
        }
        // BuildKit checks no flags on STOPSIGNAL and ARG.
        "stopsignal" => CommandKind::StopSignal(exactly_one()?),
        "arg" => {
            at_least_one()?;
            let mut decls = Vec::with_capacity(args.len());
            for a in args {
                let decl = match a.split_once('=') {
                    Some(("", _)) => return Err("ARG names can not be blank".into()),
                    Some((k, v)) => ArgDecl {
                        name: k.to_string(),
                        default: Some(v.to_string()),
                    },
                    None => ArgDecl {
                        name: a.clone(),
                        default: None,
                    },
                };
                decls.push(decl);
            }
            CommandKind::Arg(decls)
        }
        "shell" => {
            no_flags()?;
            if args.is_empty() {
                return Err("SHELL requires at least one argument".into());
            }
            if !inst.is_json() {
                return Err("SHELL requires the arguments to be in JSON form".into());
            }
            CommandKind::Shell(args.to_vec())
        }
        other => {
            // As written (BuildKit's node value), with its hint (case-insensitive).
            let written = inst
                .original
                .split([' ', '\t', '\u{b}', '\u{c}', '\r'])
                .find(|w| !w.is_empty())
                .filter(|w| w.to_lowercase() == other)
                .map_or_else(|| other.to_uppercase(), str::to_string);
            return Err(crate::dockerfile::suggest::hint(
                format!("unknown instruction: {written}"),
                &written,
                &crate::dockerfile::dispatch::KEYWORDS,
                false,
            ));
        }
    })
}

fn no_destination(args: &[String], upper: &str) -> Result<(), String> {
    if args.len() < 2 {
        return Err(format!(
            "{upper} requires at least two arguments, but only one was provided. Destination could not be determined"
        ));
    }
    Ok(())
}

pub(super) fn non_empty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

/// BuildKit's `handleJSONArgs`: exec form as is, shell form joined into one string.
pub(super) fn json_args(args: &[String], json: bool) -> Vec<String> {
    if args.is_empty() {
        Vec::new()
    } else if json {
        args.to_vec()
    } else {
        vec![args.join(" ")]
    }
}

fn command_line(inst: &Instruction) -> CommandLine {
    CommandLine {
        args: json_args(inst.args(), inst.is_json()),
        prepend_shell: !inst.is_json(),
        files: inst.heredocs.clone(),
    }
}

fn strip_onbuild_keyword(original: &str) -> String {
    let t = original.trim_start();
    let kw_len = t
        .char_indices()
        .take_while(|(_, c)| c.is_alphabetic())
        .last()
        .map_or(0, |(i, c)| i + c.len_utf8());
    t[kw_len..].trim_start().to_string()
}

#[cfg(test)]
mod tests;
