//! Per-instruction argument parsing (BuildKit's dispatch table and `line_parsers.go`): each
//! keyword gets its arguments in the shape BuildKit gives them.

use super::ast::{Body, Instruction};
use super::flags::split_command;
use super::json_form::{JsonArgs, NOT_STRING_ARRAY, parse_json};
use super::words::{go_lower, is_space_byte, parse_words, split_separators};

/// How an instruction's arguments are parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// JSON array, else the whole text as one argument (RUN, CMD, ENTRYPOINT, SHELL).
    MaybeJson,
    /// JSON array, else whitespace-separated words (ADD, COPY, VOLUME).
    MaybeJsonToList,
    /// Whitespace-separated words (FROM, EXPOSE).
    Whitespace,
    /// The whole text as one argument (MAINTAINER, STOPSIGNAL, USER, WORKDIR).
    String,
    /// Quote-aware words (ARG).
    Words,
    /// `key=value` pairs or the legacy `key value` (ENV, LABEL).
    NameVal,
    /// A nested instruction (ONBUILD).
    SubCommand,
    /// A type word then a possibly-JSON command (HEALTHCHECK).
    Health,
}

/// The parse kind of a lowercase keyword, `None` for instructions BuildKit does not know.
fn kind_of(cmd: &str) -> Option<Kind> {
    Some(match cmd {
        "run" | "cmd" | "entrypoint" | "shell" => Kind::MaybeJson,
        "add" | "copy" | "volume" => Kind::MaybeJsonToList,
        "from" | "expose" => Kind::Whitespace,
        "maintainer" | "stopsignal" | "user" | "workdir" => Kind::String,
        "arg" => Kind::Words,
        "env" | "label" => Kind::NameVal,
        "onbuild" => Kind::SubCommand,
        "healthcheck" => Kind::Health,
        _ => return None,
    })
}

/// Every keyword BuildKit knows, in uppercase (its `command.Commands`).
pub(crate) const KEYWORDS: [&str; 18] = [
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// Whether BuildKit's parser knows the (lowercase) keyword. Unknown ones are accepted by the
/// parser and rejected later.
pub(crate) fn is_known(cmd: &str) -> bool {
    kind_of(cmd).is_some()
}

/// How deeply `ONBUILD ONBUILD ...` may nest. BuildKit's parser has no limit (a later stage
/// rejects any chaining); this keeps absurd input from overflowing the stack.
const MAX_ONBUILD_NESTING: usize = 16;

/// Parses one logical line into an instruction (line numbers left at 0 for the caller).
pub(crate) fn instruction_from_line(line: &str, escape: char) -> Result<Instruction, String> {
    nested_instruction(line, escape, 0)
}

fn nested_instruction(line: &str, escape: char, depth: usize) -> Result<Instruction, String> {
    let split = split_command(line, escape);
    let cmd = go_lower(&split.cmd);
    let body = match kind_of(&cmd) {
        Some(kind) => parse_body(kind, &cmd, &split.rest, escape, depth)?,
        None => args(whitespace_words(&split.rest), false),
    };
    Ok(Instruction {
        line: 0,
        end_line: 0,
        cmd,
        flags: split.flags,
        body,
        heredocs: Vec::new(),
        original: line.to_string(),
        comments: Vec::new(),
    })
}

fn args(args: Vec<String>, json: bool) -> Body {
    Body::Args { args, json }
}

fn parse_body(
    kind: Kind,
    cmd: &str,
    rest: &str,
    escape: char,
    depth: usize,
) -> Result<Body, String> {
    Ok(match kind {
        Kind::MaybeJson => maybe_json(rest)?,
        Kind::MaybeJsonToList => match parse_json(rest) {
            JsonArgs::Strings(v) => args(v, true),
            JsonArgs::NotStrings => return Err(NOT_STRING_ARRAY.to_string()),
            JsonArgs::NotJson => args(whitespace_words(rest), false),
        },
        Kind::Whitespace => args(whitespace_words(rest), false),
        Kind::String => args(single(rest), false),
        Kind::Words => args(parse_words(rest, escape), false),
        Kind::NameVal => name_val(rest, &cmd.to_ascii_uppercase(), escape)?,
        Kind::SubCommand => {
            if rest.is_empty() {
                args(Vec::new(), false)
            } else if depth >= MAX_ONBUILD_NESTING {
                return Err("ONBUILD nested too deeply".to_string());
            } else {
                Body::Inner {
                    inner: Box::new(nested_instruction(rest, escape, depth + 1)?),
                }
            }
        }
        Kind::Health => health(rest)?,
    })
}

/// `parseString`: the whole text as one argument, nothing when empty.
fn single(rest: &str) -> Vec<String> {
    if rest.is_empty() {
        Vec::new()
    } else {
        vec![rest.to_string()]
    }
}

/// `parseStringsWhitespaceDelimited`.
fn whitespace_words(rest: &str) -> Vec<String> {
    if rest.is_empty() {
        return Vec::new();
    }
    split_separators(rest, None)
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// `parseMaybeJSON`.
fn maybe_json(rest: &str) -> Result<Body, String> {
    if rest.is_empty() {
        return Ok(args(Vec::new(), false));
    }
    match parse_json(rest) {
        JsonArgs::Strings(v) => Ok(args(v, true)),
        JsonArgs::NotStrings => Err(NOT_STRING_ARRAY.to_string()),
        JsonArgs::NotJson => Ok(args(vec![rest.to_string()], false)),
    }
}

/// `parseNameVal` for ENV and LABEL (`key` is the keyword in upper case, for messages).
fn name_val(rest: &str, key: &str, escape: char) -> Result<Body, String> {
    let words = parse_words(rest, escape);
    let Some(first) = words.first() else {
        return Ok(Body::Pairs {
            pairs: Vec::new(),
            legacy: false,
        });
    };
    if !first.contains('=') {
        let parts = split_separators(rest, Some(2));
        return match parts.as_slice() {
            [name, value] => Ok(Body::Pairs {
                pairs: vec![(name.to_string(), value.to_string())],
                legacy: true,
            }),
            _ => Err(format!("{key} must have two arguments")),
        };
    }
    let mut pairs = Vec::with_capacity(words.len());
    for word in &words {
        let Some((name, value)) = word.split_once('=') else {
            return Err(format!(
                "Syntax error - can't find = in {}. Must be of the form: name=value",
                super::dump::go_quote(word)
            ));
        };
        pairs.push((name.to_string(), value.to_string()));
    }
    Ok(Body::Pairs {
        pairs,
        legacy: false,
    })
}

/// `parseHealthConfig`: the type word (`CMD`, `NONE`, ...) then the command, JSON or not.
/// BuildKit finds the end of the type word byte by byte (see [`is_space_byte`]).
fn health(rest: &str) -> Result<Body, String> {
    let bytes = rest.as_bytes();
    let sep = bytes
        .iter()
        .position(|&b| is_space_byte(b))
        .unwrap_or(bytes.len());
    if sep == 0 {
        return Ok(args(Vec::new(), false));
    }
    let next = bytes
        .iter()
        .skip(sep)
        .position(|&b| !is_space_byte(b))
        .map_or(bytes.len(), |p| p + sep);
    let typ = String::from_utf8_lossy(bytes.get(..sep).unwrap_or(&[])).into_owned();
    let cmd = String::from_utf8_lossy(bytes.get(next..).unwrap_or(&[])).into_owned();
    match maybe_json(&cmd)? {
        Body::Args { args: mut a, json } => {
            a.insert(0, typ);
            Ok(args(a, json))
        }
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(line: &str) -> Result<Body, String> {
        instruction_from_line(line, '\\').map(|i| i.body)
    }

    fn a(v: &[&str], json: bool) -> Body {
        args(v.iter().map(|s| s.to_string()).collect(), json)
    }

    fn pairs(v: &[(&str, &str)], legacy: bool) -> Body {
        Body::Pairs {
            pairs: v
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            legacy,
        }
    }

    #[test]
    fn shapes_per_keyword() {
        assert_eq!(body("RUN echo  a"), Ok(a(&["echo  a"], false)));
        assert_eq!(body("cmd [\"a\", \"b\"]"), Ok(a(&["a", "b"], true)));
        assert_eq!(body("CMD"), Ok(a(&[], false)));
        assert_eq!(body("COPY a  b"), Ok(a(&["a", "b"], false)));
        assert_eq!(body("COPY [\"a b\", \"c\"]"), Ok(a(&["a b", "c"], true)));
        assert_eq!(body("FROM x AS y"), Ok(a(&["x", "AS", "y"], false)));
        assert_eq!(body("WORKDIR /a b"), Ok(a(&["/a b"], false)));
        assert_eq!(body("ARG a=\"1 2\" b"), Ok(a(&["a=\"1 2\"", "b"], false)));
        assert_eq!(body("FOO a  b"), Ok(a(&["a", "b"], false)));
        assert_eq!(body("RUN [1]"), Err(NOT_STRING_ARRAY.to_string()));
        assert_eq!(body("RUN ['a']"), Ok(a(&["['a']"], false)));
    }

    #[test]
    fn env_and_label() {
        assert_eq!(body("ENV a b c"), Ok(pairs(&[("a", "b c")], true)));
        assert_eq!(body("LABEL foo bar"), Ok(pairs(&[("foo", "bar")], true)));
        assert_eq!(
            body("ENV a=1 b=\"2 3\""),
            Ok(pairs(&[("a", "1"), ("b", "\"2 3\"")], false))
        );
        assert_eq!(body("ENV"), Ok(pairs(&[], false)));
        assert_eq!(
            body("ENV a"),
            Err("ENV must have two arguments".to_string())
        );
        assert_eq!(
            body("label a"),
            Err("LABEL must have two arguments".to_string())
        );
        assert_eq!(
            body("ENV a=b c"),
            Err("Syntax error - can't find = in \"c\". Must be of the form: name=value".into())
        );
        assert_eq!(
            body("ENV a\u{a0}b"),
            Err("ENV must have two arguments".to_string())
        );
        assert_eq!(body("ENV \"a b\" c"), Ok(pairs(&[("\"a", "b\" c")], true)));
    }

    #[test]
    fn onbuild_and_healthcheck() {
        let inner = instruction_from_line("ONBUILD RUN --x=1 echo", '\\').unwrap();
        let Body::Inner { inner } = inner.body else {
            panic!("not inner")
        };
        assert_eq!(
            (inner.cmd.as_str(), inner.flags.as_slice()),
            ("run", &["--x=1".to_string()][..])
        );
        assert_eq!(inner.args(), ["echo"]);
        assert_eq!(body("ONBUILD"), Ok(a(&[], false)));
        let deep = format!("{}RUN x", "ONBUILD ".repeat(10_000));
        assert_eq!(body(&deep), Err("ONBUILD nested too deeply".into()));
        let ok = format!("{}RUN x", "ONBUILD ".repeat(MAX_ONBUILD_NESTING));
        assert!(body(&ok).is_ok());
        assert_eq!(
            body("ONBUILD ENV a"),
            Err("ENV must have two arguments".into())
        );
        assert_eq!(body("HEALTHCHECK"), Ok(a(&[], false)));
        assert_eq!(body("HEALTHCHECK NONE"), Ok(a(&["NONE"], false)));
        assert_eq!(body("HEALTHCHECK CMD"), Ok(a(&["CMD"], false)));
        assert_eq!(
            body("HEALTHCHECK   CMD   a b"),
            Ok(a(&["CMD", "a b"], false))
        );
        assert_eq!(body("HEALTHCHECK CMD [\"a\"]"), Ok(a(&["CMD", "a"], true)));
        assert_eq!(
            body("HEALTHCHECK CMD [1]"),
            Err(NOT_STRING_ARRAY.to_string())
        );
    }
}
