use super::*;
use crate::dockerfile::Heredoc;
use crate::dockerfile::ast::Dockerfile;
use std::collections::BTreeMap;

fn inst(line: usize, cmd: &str, flags: &[&str], args: &[&str], json: bool) -> Instruction {
    Instruction {
        line,
        end_line: line,
        cmd: cmd.to_string(),
        flags: flags.iter().map(|s| s.to_string()).collect(),
        body: Body::Args {
            args: args.iter().map(|s| s.to_string()).collect(),
            json,
        },
        heredocs: Vec::new(),
        original: format!("{} {}", cmd.to_uppercase(), args.join(" ")),
        comments: Vec::new(),
    }
}

fn df(instructions: Vec<Instruction>) -> Dockerfile {
    Dockerfile {
        escape: '\\',
        directives: BTreeMap::new(),
        instructions,
        warnings: Vec::new(),
    }
}

#[test]
fn stages_and_meta_args() {
    let s = from_dockerfile(&df(vec![
        inst(1, "arg", &[], &["V=1"], false),
        inst(
            2,
            "from",
            &["--platform=$BUILDPLATFORM"],
            &["alpine:$V", "AS", "Build"],
            false,
        ),
        inst(3, "run", &[], &["make"], false),
        inst(4, "from", &[], &["scratch"], false),
        inst(5, "copy", &["--from=build"], &["/out", "/"], false),
    ]))
    .unwrap();
    assert_eq!(s.meta_args.len(), 1);
    assert_eq!(s.stages.len(), 2);
    assert_eq!(s.stages[0].name.as_deref(), Some("build"));
    assert_eq!(s.stages[0].platform.as_deref(), Some("$BUILDPLATFORM"));
    assert_eq!(s.stages[1].commands.len(), 1);
}

#[test]
fn errors_carry_lines_and_buildkit_messages() {
    let err = |i: Instruction| {
        from_dockerfile(&df(vec![inst(1, "from", &[], &["a"], false), i])).unwrap_err()
    };
    let e = err(inst(7, "copy", &["--foo=bar"], &["a", "b"], false));
    // BuildKit's hint: "foo" is two edits from "from".
    assert_eq!(
        (e.line, e.message.as_str()),
        (7, "unknown flag: --foo (did you mean from?)")
    );
    assert_eq!(
        err(inst(2, "copy", &[], &["a"], false)).message,
        "COPY requires at least two arguments, but only one was provided. Destination could not be determined"
    );
    assert_eq!(
        err(inst(2, "frob", &[], &["a"], false)).message,
        "unknown instruction: FROB (did you mean FROM?)"
    );
    assert_eq!(
        err(inst(2, "frobnicate", &[], &["a"], false)).message,
        "unknown instruction: FROBNICATE"
    );
    assert_eq!(
        err(inst(2, "workdir", &[], &["a", "b"], false)).message,
        "WORKDIR requires exactly one argument"
    );
    assert_eq!(
        err(inst(2, "shell", &[], &["/bin/sh -c"], false)).message,
        "SHELL requires the arguments to be in JSON form"
    );
    assert_eq!(
        err(inst(2, "run", &["--network=bridge"], &["x"], false)).message,
        "invalid network mode \"bridge\""
    );
    assert_eq!(
        err(inst(2, "healthcheck", &[], &["CMD"], false)).message,
        "Missing command after HEALTHCHECK CMD"
    );
    assert_eq!(
        err(inst(
            2,
            "healthcheck",
            &["--interval=1us"],
            &["CMD", "true"],
            false
        ))
        .message,
        "Interval \"interval\" cannot be less than 1ms"
    );
    let e = from_dockerfile(&df(vec![inst(3, "run", &[], &["x"], false)])).unwrap_err();
    assert_eq!(
        (e.line, e.message.as_str()),
        (3, "no build stage in current context")
    );
    let e =
        from_dockerfile(&df(vec![inst(1, "from", &[], &["a", "AS", "1x"], false)])).unwrap_err();
    assert!(
        e.message
            .starts_with("invalid name for build stage: \"1x\"")
    );
}

#[test]
fn heredoc_sources_become_inline_files() {
    let mut copy = inst(2, "copy", &[], &["<<-EOF", "/etc/conf"], false);
    copy.heredocs.push(Heredoc {
        name: "EOF".into(),
        content: "\tkey=1\n\t\tnested\n".into(),
        expand: true,
        chomp: true,
    });
    let s = from_dockerfile(&df(vec![inst(1, "from", &[], &["a"], false), copy])).unwrap();
    let CommandKind::Copy(c) = &s.stages[0].commands[0].kind else {
        panic!("not a copy")
    };
    assert!(c.files.sources.is_empty());
    assert_eq!(c.files.inline[0].data, "key=1\nnested\n");
    assert_eq!(c.files.dest, "/etc/conf");
}

#[test]
fn go_durations() {
    assert_eq!(parse_go_duration("30s"), Some(30_000_000_000));
    assert_eq!(parse_go_duration("1m30s"), Some(90_000_000_000));
    assert_eq!(parse_go_duration("1.5h"), Some(5_400_000_000_000));
    assert_eq!(parse_go_duration("10"), None);
    assert_eq!(parse_go_duration(""), None);
}
