//! The raw syntax tree: what the parser saw, before variable expansion or quote removal.
//!
//! Its JSON form (via serde) is `rbuild parse --format json`'s contract:
//! `{"escape": "\\", "directives": {...}, "instructions": [...]}` where each instruction is
//! `{"line", "end_line", "cmd", "flags", ...}` plus `pairs` (ENV, LABEL), `inner` (ONBUILD) or
//! `args` + `json` (everything else), and `heredocs` when the instruction has any.

use serde::Serialize;
use std::collections::BTreeMap;

/// A whole parsed Dockerfile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dockerfile {
    /// The escape character in force (`\` unless `# escape=` set it to a backtick).
    pub escape: char,
    /// Parser directives from the top of the file (`syntax`, `escape`, `check`), lowercase keys.
    pub directives: BTreeMap<String, String>,
    /// The instructions in file order.
    pub instructions: Vec<Instruction>,
    /// Things Docker warns about but accepts (empty continuation lines, ...), with their line.
    #[serde(skip)]
    pub warnings: Vec<Warning>,
}

/// A non-fatal remark the parser makes about a line, as Docker prints `[WARNING]` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// 1-based line the warning is about.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// One instruction as written, spanning `line..=end_line` (1-based, inclusive, heredoc bodies
/// included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instruction {
    /// First line of the instruction.
    pub line: usize,
    /// Last line of the instruction (the heredoc terminator line when it has heredocs).
    pub end_line: usize,
    /// The instruction keyword in lowercase (`from`, `run`, ...).
    pub cmd: String,
    /// The `--flag[=value]` words before the arguments, with `--` kept and quotes removed as
    /// Docker does (`["--from=build", "--chown=1:1"]`).
    pub flags: Vec<String>,
    /// The arguments: their shape depends on the instruction.
    #[serde(flatten)]
    pub body: Body,
    /// Heredocs whose bodies follow the instruction line, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub heredocs: Vec<Heredoc>,
    /// The logical line after continuations were joined, as Docker keeps it in `Node.Original`.
    #[serde(skip)]
    pub original: String,
    /// The comment lines just above it (BuildKit's `PrevComment`: text after `#`, trimmed; an
    /// empty `#` line starts over, parser directives are left out): where a per-instruction
    /// `# check=skip=...` is read.
    #[serde(skip)]
    pub comments: Vec<String>,
}

/// The arguments of an instruction, in one of three shapes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Body {
    /// Everything but ENV, LABEL and ONBUILD: exec form gives the decoded JSON strings; shell form
    /// of RUN, CMD, ENTRYPOINT, SHELL (and HEALTHCHECK's command) gives one string; other
    /// instructions give their whitespace-separated words as written, quotes kept.
    Args {
        /// The argument words.
        args: Vec<String>,
        /// Whether the arguments came from a JSON array (exec form).
        json: bool,
    },
    /// ENV and LABEL: `key=value` pairs with raw (unexpanded, quoted) values. The legacy
    /// `ENV key value` form is one pair whose value is the rest of the line.
    Pairs {
        /// The pairs in order.
        pairs: Vec<(String, String)>,
        /// True for the legacy `ENV key value` form (no `=`): BuildKit records an empty
        /// separator for it and its linter warns about it. Not part of the JSON.
        #[serde(skip)]
        legacy: bool,
    },
    /// ONBUILD: the wrapped instruction.
    Inner {
        /// The instruction that runs when the image is used as a base.
        inner: Box<Instruction>,
    },
}

/// A heredoc (`<<EOF ... EOF`) attached to RUN, COPY or ADD.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heredoc {
    /// The delimiter word with quotes removed.
    pub name: String,
    /// The body exactly as written (every line with its newline; leading tabs kept even when
    /// `chomp` is set: they are removed when the instruction is used).
    pub content: String,
    /// False when any part of the delimiter was quoted: the body is then taken literally.
    pub expand: bool,
    /// True for `<<-`: leading tabs are stripped from the body and the terminator.
    pub chomp: bool,
}

impl Dockerfile {
    /// The JSON form printed by `rbuild parse --format json`, as a value (keys sorted).
    pub fn to_json(&self) -> serde_json::Value {
        // Serializing these plain structs cannot fail: every map key is a string.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// The JSON form printed by `rbuild parse --format json`: pretty-printed, keys in the
    /// contract's order (`escape`, `directives`, `instructions`; `line`, `end_line`, `cmd`, ...),
    /// with a final newline.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }
}

impl Instruction {
    /// The argument words when the body is [`Body::Args`], else an empty slice.
    pub fn args(&self) -> &[String] {
        match &self.body {
            Body::Args { args, .. } => args,
            _ => &[],
        }
    }

    /// Whether the arguments were given in exec (JSON) form.
    pub fn is_json(&self) -> bool {
        matches!(self.body, Body::Args { json: true, .. })
    }
}
