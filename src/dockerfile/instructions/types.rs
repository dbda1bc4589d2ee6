//! The typed instructions and stages: values as written, unexpanded.

use crate::dockerfile::Heredoc;

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
    /// `--mount` specs as written (parsed with [`super::mount::parse`] after expansion).
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
