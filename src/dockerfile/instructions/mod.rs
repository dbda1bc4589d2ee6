//! Raw instructions -> typed, validated instructions grouped into stages, as BuildKit's
//! `instructions` package does: arity checks, the flags each instruction accepts, stage names,
//! the meta ARGs before the first FROM. Values stay unexpanded here: the planner expands them
//! with each stage's variables.

mod flags;
pub mod mount;

pub use flags::{FlagKind, Flags};

use super::{Body, Dockerfile, Heredoc, Instruction, ParseError};

/// A whole Dockerfile as stages, ready to plan.
#[derive(Debug, Clone)]
pub struct Stages {
    /// The escape character in force.
    pub escape: char,
    /// ARG instructions before the first FROM (the "meta" args usable in FROM lines).
    pub meta_args: Vec<Command>,
    /// Stages in file order; a stage's index is its position here.
    pub stages: Vec<Stage>,
}

/// One build stage: a FROM line and the commands after it.
#[derive(Debug, Clone)]
pub struct Stage {
    /// The name after `AS`, lowercased, if any.
    pub name: Option<String>,
    /// The base as written (an image reference, a stage name or `scratch`), unexpanded.
    pub base: String,
    /// `--platform` as written, unexpanded.
    pub platform: Option<String>,
    /// Line of the FROM instruction.
    pub line: usize,
    /// The FROM line as written.
    pub source: String,
    /// The commands of the stage in order.
    pub commands: Vec<Command>,
}

/// A typed instruction with where it came from.
#[derive(Debug, Clone)]
pub struct Command {
    /// First line.
    pub line: usize,
    /// Last line.
    pub end_line: usize,
    /// The instruction as written (continuations joined), for history and display.
    pub original: String,
    /// What it does.
    pub kind: CommandKind,
}

/// The typed instructions.
#[derive(Debug, Clone)]
pub enum CommandKind {
    /// `ENV k=v ...`.
    Env(Vec<KeyValue>),
    /// `LABEL k=v ...`.
    Label(Vec<KeyValue>),
    /// `MAINTAINER name` (sets the author).
    Maintainer(String),
    /// `ADD`.
    Add(AddCommand),
    /// `COPY`.
    Copy(CopyCommand),
    /// `RUN`.
    Run(RunCommand),
    /// `CMD`.
    Cmd(CommandLine),
    /// `ENTRYPOINT`.
    Entrypoint(CommandLine),
    /// `HEALTHCHECK`.
    Healthcheck(Healthcheck),
    /// `EXPOSE port[/proto] ...` (sorted, as BuildKit sorts them).
    Expose(Vec<String>),
    /// `USER user[:group]`.
    User(String),
    /// `VOLUME path ...`.
    Volume(Vec<String>),
    /// `STOPSIGNAL sig`.
    StopSignal(String),
    /// `ARG name[=default] ...`.
    Arg(Vec<ArgDecl>),
    /// `SHELL ["exe", "arg"]`.
    Shell(Vec<String>),
    /// `WORKDIR path`.
    Workdir(String),
    /// `ONBUILD <instruction>`: the trigger's text, stored in the image config.
    Onbuild(String),
}

/// A `key=value` pair of ENV or LABEL, unexpanded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    /// The key as written.
    pub key: String,
    /// The value as written.
    pub value: String,
}

/// One name of an ARG instruction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgDecl {
    /// The argument's name.
    pub name: String,
    /// The default value as written, if any.
    pub default: Option<String>,
}

/// A command line of RUN, CMD, ENTRYPOINT or HEALTHCHECK.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    /// Exec form: the argv; shell form: one element, the command text.
    pub args: Vec<String>,
    /// Shell form: the shell (SHELL, default `/bin/sh -c`) is prepended when it runs.
    pub prepend_shell: bool,
    /// Heredocs of the instruction (RUN only).
    pub files: Vec<Heredoc>,
}

/// Sources and destination of COPY/ADD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcesAndDest {
    /// Paths (or URLs for ADD), unexpanded.
    pub sources: Vec<String>,
    /// Inline files from heredocs (`COPY <<EOF /dest`).
    pub inline: Vec<InlineSource>,
    /// The destination as written.
    pub dest: String,
}

/// A heredoc used as a COPY/ADD source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineSource {
    /// The heredoc's name (the file name it gets).
    pub name: String,
    /// The content, with tabs already stripped for `<<-`.
    pub data: String,
    /// Whether variables in the content are expanded.
    pub expand: bool,
}

/// `COPY`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyCommand {
    /// What to copy and where.
    pub files: SourcesAndDest,
    /// `--from=<stage|index|image>`.
    pub from: Option<String>,
    /// `--chown`.
    pub chown: Option<String>,
    /// `--chmod`.
    pub chmod: Option<String>,
    /// `--link`.
    pub link: bool,
    /// `--parents`.
    pub parents: bool,
    /// `--exclude` patterns.
    pub excludes: Vec<String>,
}

/// `ADD`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCommand {
    /// What to add and where.
    pub files: SourcesAndDest,
    /// `--chown`.
    pub chown: Option<String>,
    /// `--chmod`.
    pub chmod: Option<String>,
    /// `--link`.
    pub link: bool,
    /// `--keep-git-dir`.
    pub keep_git_dir: Option<bool>,
    /// `--checksum` of a remote source.
    pub checksum: Option<String>,
    /// `--unpack`.
    pub unpack: Option<bool>,
    /// `--exclude` patterns.
    pub excludes: Vec<String>,
}

/// `RUN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunCommand {
    /// The command.
    pub command: CommandLine,
    /// `--mount` specs as written (parsed with [`mount::parse`] after expansion).
    pub mounts: Vec<String>,
    /// `--network` (`default`, `none`, `host`).
    pub network: String,
    /// `--security` (`sandbox`, `insecure`).
    pub security: String,
    /// `--device` specs.
    pub devices: Vec<String>,
}

/// `HEALTHCHECK`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Healthcheck {
    /// `HEALTHCHECK NONE`: disables a base image's check.
    None,
    /// `HEALTHCHECK [options] CMD ...`.
    Check {
        /// `["CMD", argv...]` or `["CMD-SHELL", "cmd"]`, as in the image config.
        test: Vec<String>,
        /// `--interval`, as written.
        interval: Option<String>,
        /// `--timeout`.
        timeout: Option<String>,
        /// `--start-period`.
        start_period: Option<String>,
        /// `--start-interval`.
        start_interval: Option<String>,
        /// `--retries`.
        retries: Option<u32>,
    },
}

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
        let cmd = parse_command(inst).map_err(err)?;
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

/// Parses one non-FROM instruction (also used for ONBUILD triggers).
pub fn parse_command(inst: &Instruction) -> Result<Command, String> {
    let kind = parse_kind(inst)?;
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
        other => return Err(format!("unknown instruction: {}", other.to_uppercase())),
    })
}

fn parse_healthcheck(inst: &Instruction) -> Result<CommandKind, String> {
    let args = inst.args();
    let Some(first) = args.first() else {
        return Err("HEALTHCHECK requires at least one argument".into());
    };
    let typ = first.to_uppercase();
    let rest = &args[1..];
    if typ == "NONE" {
        if !rest.is_empty() {
            return Err("HEALTHCHECK NONE takes no arguments".into());
        }
        return Ok(CommandKind::Healthcheck(Healthcheck::None));
    }
    let f = Flags::parse(
        &inst.flags,
        &[
            ("interval", FlagKind::String),
            ("timeout", FlagKind::String),
            ("start-period", FlagKind::String),
            ("start-interval", FlagKind::String),
            ("retries", FlagKind::String),
        ],
    )?;
    if typ != "CMD" {
        return Err(format!("Unknown type \"{typ}\" in HEALTHCHECK (try CMD)"));
    }
    let cmd = json_args(rest, inst.is_json());
    if cmd.is_empty() {
        return Err("Missing command after HEALTHCHECK CMD".into());
    }
    let kind = if inst.is_json() { "CMD" } else { "CMD-SHELL" };
    let mut test = vec![kind.to_string()];
    test.extend(cmd);
    for name in ["interval", "timeout", "start-period", "start-interval"] {
        if let Some(v) = non_empty(f.string(name)) {
            check_duration(name, &v)?;
        }
    }
    let retries = match non_empty(f.string("retries")) {
        None => None,
        Some(r) => {
            let n: i64 = r
                .parse()
                .map_err(|_| format!("strconv.ParseInt: parsing {r:?}: invalid syntax"))?;
            if n < 0 {
                return Err(format!("--retries cannot be negative ({n})"));
            }
            Some(u32::try_from(n).map_err(|_| format!("--retries out of range ({n})"))?)
        }
    };
    Ok(CommandKind::Healthcheck(Healthcheck::Check {
        test,
        interval: non_empty(f.string("interval")),
        timeout: non_empty(f.string("timeout")),
        start_period: non_empty(f.string("start-period")),
        start_interval: non_empty(f.string("start-interval")),
        retries,
    }))
}

/// Checks a Go `time.ParseDuration` value (`30s`, `1m30s`, `500ms`) and BuildKit's 1ms minimum.
fn check_duration(flag: &str, value: &str) -> Result<(), String> {
    let nanos =
        parse_go_duration(value).ok_or_else(|| format!("time: invalid duration {value:?}"))?;
    if nanos != 0 && nanos < 1_000_000 {
        return Err(format!("Interval \"{flag}\" cannot be less than 1ms"));
    }
    Ok(())
}

/// Parses a Go duration string into nanoseconds (sign not allowed to be negative here).
pub fn parse_go_duration(s: &str) -> Option<u128> {
    if s == "0" {
        return Some(0);
    }
    let mut rest = s.strip_prefix('+').unwrap_or(s);
    if rest.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, tail) = rest.split_at(num_len);
        let value: f64 = num.parse().ok()?;
        let unit_len = tail
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let scale = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        total += value * scale;
        rest = tail;
    }
    Some(total as u128)
}

fn no_destination(args: &[String], upper: &str) -> Result<(), String> {
    if args.len() < 2 {
        return Err(format!(
            "{upper} requires at least two arguments, but only one was provided. Destination could not be determined"
        ));
    }
    Ok(())
}

fn non_empty(v: Option<String>) -> Option<String> {
    v.filter(|s| !s.is_empty())
}

/// BuildKit's `handleJSONArgs`: exec form as is, shell form joined into one string.
fn json_args(args: &[String], json: bool) -> Vec<String> {
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

/// Whether a word is a heredoc marker (`<<EOF`, `<<-"EOF"`, `3<<EOF`).
fn is_heredoc_word(word: &str) -> bool {
    let w = word.trim_start_matches(|c: char| c.is_ascii_digit());
    w.strip_prefix("<<")
        .map(|r| r.strip_prefix('-').unwrap_or(r))
        .is_some_and(|r| !r.is_empty() && !r.contains('<'))
}

fn sources_and_dest(inst: &Instruction, upper: &str) -> Result<SourcesAndDest, String> {
    let args = inst.args();
    let (dest, srcs) = match args.split_last() {
        Some(split) => split,
        None => return Err(format!("{upper} requires at least two arguments")),
    };
    if !inst.heredocs.is_empty() && is_heredoc_word(dest) {
        return Err(format!("{upper} cannot accept a heredoc as a destination"));
    }
    let mut heredocs = inst.heredocs.iter();
    let mut sources = Vec::new();
    let mut inline = Vec::new();
    for src in srcs {
        if !inst.is_json() && is_heredoc_word(src) {
            if let Some(h) = heredocs.next() {
                inline.push(InlineSource {
                    name: h.name.clone(),
                    data: if h.chomp {
                        chomp_heredoc(&h.content)
                    } else {
                        h.content.clone()
                    },
                    expand: h.expand,
                });
                continue;
            }
        }
        sources.push(src.clone());
    }
    Ok(SourcesAndDest {
        sources,
        inline,
        dest: dest.clone(),
    })
}

/// Removes leading tabs from every line, as `<<-` asks.
pub fn chomp_heredoc(content: &str) -> String {
    content
        .split_inclusive('\n')
        .map(|l| l.trim_start_matches('\t'))
        .collect()
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
