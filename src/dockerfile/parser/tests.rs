//! The scenarios of BuildKit's `parser_test.go` and `parser_heredoc_test.go`, plus line-number,
//! error and robustness checks.

use super::*;
use crate::dockerfile::Heredoc;
use proptest::prelude::*;

fn heredoc(name: &str, content: &str, expand: bool, chomp: bool) -> Heredoc {
    Heredoc {
        name: name.to_string(),
        content: content.to_string(),
        expand,
        chomp,
    }
}

fn err(text: &str) -> (usize, String) {
    let e = parse(text).unwrap_err();
    (e.line, e.message)
}

#[test]
fn warns_on_empty_continuation_lines() {
    let text = "
FROM alpine:3.6

RUN valid \\
    continuation

RUN something \\

    following \\

    more

RUN another \\

    thing

RUN non-indented \\
# this is a comment
   after-comment

RUN indented \\
    # this is an indented comment
    comment
\t";
    let df = parse(text).unwrap();
    assert_eq!(df.warnings.len(), 2);
    assert_eq!(
        df.warnings[0].message,
        "Empty continuation line found in: RUN something     following     more"
    );
    assert_eq!(df.warnings[0].line, 11);
    assert_eq!(
        df.warnings[1].message,
        "Empty continuation line found in: RUN another     thing"
    );
    assert_eq!(df.warnings[1].line, 15);
    let runs: Vec<_> = df
        .instructions
        .iter()
        .map(|i| i.args()[0].clone())
        .collect();
    assert_eq!(
        runs[4..],
        ["non-indented    after-comment", "indented     comment"]
    );
}

#[test]
fn over_long_line_is_an_error() {
    let label = "a".repeat(64 * 1024);
    let text = format!("\n\t\tFROM image\n\t\tLABEL test={label}\n");
    assert_eq!(
        err(&text),
        (
            2,
            "dockerfile line greater than max allowed size of 65535".to_string()
        )
    );
    assert_eq!(err(&label).1, "file with no instructions");
}

#[test]
fn line_numbers() {
    let text = "# escape=\\\n\n\nFROM a\n\nRUN a \\\n  b \\\n\n  c\n\nRUN <<EOF\nx\nEOF\n";
    let df = parse(text).unwrap();
    let spans: Vec<_> = df
        .instructions
        .iter()
        .map(|i| (i.line, i.end_line))
        .collect();
    assert_eq!(spans, [(4, 4), (6, 9), (11, 13)]);
}

#[test]
fn error_lines_are_buildkits() {
    // Directive errors are reported one line early, as BuildKit does.
    assert_eq!(
        err("# escape=x\nFROM a\n"),
        (
            0,
            "invalid escape token 'x' does not match ` or \\".to_string()
        )
    );
    assert_eq!(
        err("# syntax=a\n# escape=`\n# Syntax=b\nFROM a\n"),
        (
            2,
            "only one syntax parser directive can be used".to_string()
        )
    );
    assert_eq!(err(""), (0, "file with no instructions".to_string()));
    assert_eq!(
        err("# a\n\n# b\n"),
        (3, "file with no instructions".to_string())
    );
    assert_eq!(
        err("FROM a\n\nENV a \\\n\n  \n"),
        (3, "ENV must have two arguments".to_string())
    );
    assert_eq!(
        err("FROM a\nRUN <<A <<B\na\nA\nb\n"),
        (2, "unterminated heredoc".to_string())
    );
    assert_eq!(
        err("FROM a\nCMD [\"a\",\\\n 1]\n"),
        (
            2,
            "when using JSON array syntax, arrays must be comprised of strings only".to_string()
        )
    );
}

const HEREDOCS: &str = r#"
FROM alpine:3.6

ENV NAME=me

RUN ls

USER <<INVALID
INVALID

RUN <<EMPTY
EMPTY

RUN 3<<EMPTY2
EMPTY2

RUN "<<NOHEREDOC"

RUN <<INDENT
	foo
	bar
INDENT

RUN <<-UNINDENT
	baz
	quux
UNINDENT

RUN <<-UNINDENT2
	baz
	quux
	UNINDENT2

RUN <<-EXPAND
	expand $NAME
EXPAND

RUN <<-'NOEXPAND'
	don't expand $NAME
NOEXPAND

RUN <<COPY
echo hello world
echo foo bar
COPY

RUN <<COMMENT
# internal comment
echo hello world
echo foo bar # trailing comment
COMMENT

RUN --mount=type=cache,target=/foo <<MOUNT
echo hello
MOUNT

COPY <<FILE1 <<FILE2 /dest
content 1
FILE1
content 2
FILE2

COPY <<EOF /quotes
"foo"
'bar'
EOF

COPY <<X <<Y /dest
Y
X
X
Y

RUN <<COMPLEX python3
print('hello world')
COMPLEX

COPY <<file.txt /dest
hello world
file.txt

RUN <<eo'f'
echo foo
eof

RUN <<eo\'f
echo foo
eo'f

RUN <<'e'o\'f
echo foo
eo'f

RUN <<'one two'
echo bar
one two

RUN <<$EOF
$EOF

RUN <<  EOF
EOF

RUN <<  EOF  > foo
EOF
	"#;

#[test]
fn extracts_heredocs() {
    let expected: Vec<Vec<Heredoc>> = vec![
        vec![],
        vec![],
        vec![],
        vec![],
        vec![heredoc("EMPTY", "", true, false)],
        vec![heredoc("EMPTY2", "", true, false)],
        vec![],
        vec![heredoc("INDENT", "\tfoo\n\tbar\n", true, false)],
        vec![heredoc("UNINDENT", "\tbaz\n\tquux\n", true, true)],
        vec![heredoc("UNINDENT2", "\tbaz\n\tquux\n", true, true)],
        vec![heredoc("EXPAND", "\texpand $NAME\n", true, true)],
        vec![heredoc("NOEXPAND", "\tdon't expand $NAME\n", false, true)],
        vec![heredoc(
            "COPY",
            "echo hello world\necho foo bar\n",
            true,
            false,
        )],
        vec![heredoc(
            "COMMENT",
            "# internal comment\necho hello world\necho foo bar # trailing comment\n",
            true,
            false,
        )],
        vec![heredoc("MOUNT", "echo hello\n", true, false)],
        vec![
            heredoc("FILE1", "content 1\n", true, false),
            heredoc("FILE2", "content 2\n", true, false),
        ],
        vec![heredoc("EOF", "\"foo\"\n'bar'\n", true, false)],
        vec![
            heredoc("X", "Y\n", true, false),
            heredoc("Y", "X\n", true, false),
        ],
        vec![heredoc("COMPLEX", "print('hello world')\n", true, false)],
        vec![heredoc("file.txt", "hello world\n", true, false)],
        vec![heredoc("eof", "echo foo\n", false, false)],
        vec![heredoc("eo'f", "echo foo\n", true, false)],
        vec![heredoc("eo'f", "echo foo\n", false, false)],
        vec![heredoc("one two", "echo bar\n", false, false)],
        vec![heredoc("$EOF", "", true, false)],
        vec![heredoc("EOF", "", true, false)],
        vec![heredoc("EOF", "", true, false)],
    ];
    let df = parse(HEREDOCS).unwrap();
    // BuildKit's test compares children 1..; `USER <<INVALID` has no heredoc, so `INVALID` is an
    // (unknown) instruction of its own.
    let got: Vec<Vec<Heredoc>> = df.instructions[1..]
        .iter()
        .map(|i| i.heredocs.clone())
        .collect();
    assert_eq!(got, expected);
    assert_eq!(df.instructions[4].cmd, "invalid");
}

#[test]
fn no_heredocs_in_json_form() {
    let df = parse("FROM alpine:3.6\n\nRUN [\"whoami\"]\nRUN [\"<<EOF\"]\nRUN [\"<<'EOF'\"]\n\t")
        .unwrap();
    assert!(df.instructions.iter().all(|i| i.heredocs.is_empty()));
    assert_eq!(df.instructions.len(), 4);
}

#[test]
fn onbuild_heredocs_belong_to_onbuild() {
    let df = parse("FROM a\nONBUILD RUN <<EOF\nx\nEOF\nONBUILD RUN [\"<<EOF\"]\n").unwrap();
    let onbuild = &df.instructions[1];
    assert_eq!(onbuild.heredocs, [heredoc("EOF", "x\n", true, false)]);
    assert_eq!((onbuild.line, onbuild.end_line), (2, 4));
    let Body::Inner { inner } = &onbuild.body else {
        panic!("no inner instruction")
    };
    assert_eq!(
        (inner.line, inner.end_line, inner.cmd.as_str()),
        (2, 4, "run")
    );
    assert!(inner.heredocs.is_empty());
    assert!(df.instructions[2].heredocs.is_empty());
}

#[test]
fn heredoc_terminators() {
    let df = parse("FROM a\nRUN <<-EOF\n\t\tx\n\t\tEOF\nRUN <<EOF\n\tEOF\nEOF \nEOF\r\n").unwrap();
    assert_eq!(df.instructions[1].heredocs[0].content, "\t\tx\n");
    assert_eq!(df.instructions[2].heredocs[0].content, "\tEOF\nEOF \n");
    assert_eq!(df.instructions[2].end_line, 8);
}

#[test]
fn bom_crlf_and_escape() {
    let df = parse("\u{feff}# escape=`\r\nFROM a\r\nRUN a `\r\n b\r\n").unwrap();
    assert_eq!(df.escape, '`');
    assert_eq!(df.directives.get("escape").map(String::as_str), Some("`"));
    assert_eq!(df.instructions[1].args(), ["a  b"]);
}

const FRAGMENTS: &[&str] = &[
    "\\\n",
    "`\n",
    "\n",
    "\r\n",
    " ",
    "\t",
    "<<EOF",
    "<<-EOF",
    "EOF\n",
    "\tEOF\n",
    "<<'EOF'",
    "<<\"E\"",
    "3<<",
    "[",
    "]",
    "\"",
    "'",
    ",",
    "# escape=`\n",
    "# escape=\\\n",
    "# syntax=x\n",
    "#",
    "RUN ",
    "COPY ",
    "ONBUILD ",
    "ENV ",
    "LABEL ",
    "ARG ",
    "HEALTHCHECK ",
    "CMD ",
    "FROM ",
    "a",
    "=",
    "--",
    "--from=",
    "${",
    "}",
    "$",
    ":-",
    "\\",
    "`",
    "é",
    "\u{a0}",
    "\u{85}",
    "\u{feff}",
    "\u{2020}",
    "\u{806}",
    "\\u",
    "\\ud800",
    "1",
    "null",
    "{",
];

fn dockerfileish() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..40).prop_map(|v| v.concat())
}

proptest! {
    // RBUILD_PROPTEST_CASES raises the number of cases for a longer local run.
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("RBUILD_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000)
    ))]

    #[test]
    fn never_panics_on_arbitrary_text(text in any::<String>()) {
        let _ = parse(&text);
    }

    #[test]
    fn never_panics_on_dockerfileish_text(text in dockerfileish()) {
        if let Ok(df) = parse(&text) {
            let _ = df.dump();
            let _ = df.to_json_pretty();
            for i in &df.instructions {
                prop_assert!(i.line >= 1 && i.line <= i.end_line);
            }
        }
    }
}

#[test]
fn comments_above_an_instruction_are_kept_as_buildkit_keeps_them() {
    let df = parse(
        "# check=skip=all\n# about the base\n\n# more\nFROM scratch\n# gone\n#\n# kept\nRUN a \\\n# inside\n  b\nCOPY a b\n",
    )
    .unwrap();
    // The directive is no comment; a blank line does not start over, an empty `#` does.
    assert_eq!(df.instructions[0].comments, ["about the base", "more"]);
    assert_eq!(df.instructions[1].comments, ["kept"]);
    assert!(
        df.instructions[2].comments.is_empty(),
        "a comment inside a continuation"
    );
}
