//! The scenarios of BuildKit's `lex_test.go` (matched/unmatched names, mandatory variables,
//! patterns, platform names), plus raw modes, the backtick escape and nesting limits.

use std::collections::{BTreeMap, BTreeSet};

use super::lexer::MAX_NESTING;
use super::{Env, Expanded, KeyValueEnv, Lexer, NoEnv};

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| n.to_string()).collect()
}

fn word(input: &str, env: &dyn Env) -> Result<Expanded<String>, String> {
    Lexer::new('\\')
        .process_word(input, env)
        .map_err(|e| e.message)
}

#[test]
fn mandatory_variables() {
    let set_env = KeyValueEnv(&["VAR=plain", "ARG=x"]);
    let empty_env = KeyValueEnv(&["VAR=", "ARG=x"]);
    let unset_env = KeyValueEnv(&["ARG=x"]);
    let no_empty = "${VAR:?message here$ARG}";
    let no_unset = "${VAR?message here$ARG}";

    assert_eq!(
        word(no_empty, &set_env).map(|e| e.value),
        Ok("plain".into())
    );
    let msg = "failed to process \"${VAR:?message here$ARG}\": VAR: message herex";
    assert_eq!(word(no_empty, &empty_env), Err(msg.into()));
    assert_eq!(word(no_empty, &unset_env), Err(msg.into()));

    assert_eq!(
        word(no_unset, &set_env).map(|e| e.value),
        Ok("plain".into())
    );
    assert_eq!(
        word(no_unset, &empty_env).map(|e| e.value),
        Ok(String::new())
    );
    let msg = "failed to process \"${VAR?message here$ARG}\": VAR: message herex";
    assert_eq!(word(no_unset, &unset_env), Err(msg.into()));
}

/// `TestProcessWithMatches`: (input, env, expected value or None for an error, used, unset).
#[test]
fn matches_and_unmatched() {
    let fb = [("FOO", "xxx"), ("BAR", "")];
    #[allow(clippy::type_complexity)]
    let cases: Vec<(&str, Vec<(&str, &str)>, Option<&str>, &[&str], &[&str])> = vec![
        ("x", vec![("DUMMY", "dummy")], Some("x"), &[], &[]),
        (
            "x ${UNUSED}",
            vec![("DUMMY", "dummy")],
            Some("x "),
            &[],
            &["UNUSED"],
        ),
        ("x ${FOO}", vec![("FOO", "y")], Some("x y"), &["FOO"], &[]),
        (
            "${FOO-aaa} ${BAR-bbb} ${BAZ-ccc}",
            fb.to_vec(),
            Some("xxx  ccc"),
            &["FOO", "BAR"],
            &["BAZ"],
        ),
        (
            "${FOO:-aaa} ${BAR:-bbb} ${BAZ:-ccc}",
            fb.to_vec(),
            Some("xxx bbb ccc"),
            &["FOO", "BAR"],
            &["BAZ"],
        ),
        ("${FOO:-}", fb.to_vec(), Some("xxx"), &["FOO"], &[]),
        ("${FOO:-}", vec![], Some(""), &[], &["FOO"]),
        (
            "${FOO+aaa} ${BAR+bbb} ${BAZ+ccc}",
            fb.to_vec(),
            Some("aaa bbb "),
            &["FOO", "BAR"],
            &["BAZ"],
        ),
        (
            "${FOO:+aaa} ${BAR:+bbb} ${BAZ:+ccc}",
            fb.to_vec(),
            Some("aaa  "),
            &["FOO", "BAR"],
            &["BAZ"],
        ),
        ("${FOO?aaa}", fb.to_vec(), Some("xxx"), &["FOO"], &[]),
        ("${BAR?bbb}", fb.to_vec(), Some(""), &["BAR"], &[]),
        ("${BAZ?ccc}", fb.to_vec(), None, &[], &[]),
        ("${FOO:?aaa}", fb.to_vec(), Some("xxx"), &["FOO"], &[]),
        ("${BAR:?bbb}", fb.to_vec(), None, &[], &[]),
        ("${BAZ:?ccc}", fb.to_vec(), None, &[], &[]),
        ("${BAZ:?}", fb.to_vec(), None, &[], &[]),
        ("${FOO=aaa}", fb.to_vec(), None, &[], &[]),
        ("${FOO=:aaa}", fb.to_vec(), None, &[], &[]),
        ("${FOO=}", vec![], None, &[], &[]),
        (
            "${FOO#()[]{\\}^$.\\*\\?|\\\\}",
            vec![("FOO", "()[]{}^$.*?|\\x")],
            Some("x"),
            &["FOO"],
            &[],
        ),
        (
            "${FOO%%\\**}",
            vec![("FOO", "xx**")],
            Some("xx"),
            &["FOO"],
            &[],
        ),
        (
            "${FOO#*x*y}",
            vec![("FOO", "xxyy")],
            Some("y"),
            &["FOO"],
            &[],
        ),
        (
            "${FOO#*}",
            vec![("FOO", "xxyy")],
            Some("xxyy"),
            &["FOO"],
            &[],
        ),
        (
            "${FOO#$BAR}",
            vec![("FOO", "xxyy"), ("BAR", "x")],
            Some("xyy"),
            &["FOO", "BAR"],
            &[],
        ),
        (
            "${FOO#$BAR}",
            vec![("FOO", "xxyy"), ("BAR", "")],
            Some("xxyy"),
            &["FOO", "BAR"],
            &[],
        ),
        (
            "${FOO#}",
            vec![("FOO", "xxyy")],
            Some("xxyy"),
            &["FOO"],
            &[],
        ),
        (
            "${FOO##*x}",
            vec![("FOO", "xxyy")],
            Some("yy"),
            &["FOO"],
            &[],
        ),
        (
            "${FOO##}",
            vec![("FOO", "xxyy")],
            Some("xxyy"),
            &["FOO"],
            &[],
        ),
        (
            "${FOO#?\\?}",
            vec![("FOO", "???y")],
            Some("?y"),
            &["FOO"],
            &[],
        ),
        (
            "${ABC:-.}${FOO%x}${ABC:-.}",
            vec![("FOO", "xxyy")],
            Some(".xxyy."),
            &["FOO"],
            &["ABC"],
        ),
        (
            "${FOO%%\\**\\*}",
            vec![("FOO", "a***yy*")],
            Some("a"),
            &["FOO"],
            &[],
        ),
        (
            "${FOO%}",
            vec![("FOO", "xxyy")],
            Some("xxyy"),
            &["FOO"],
            &[],
        ),
        (
            "${FOO%%$BAR}",
            vec![("FOO", "xxyy"), ("BAR", "")],
            Some("xxyy"),
            &["FOO", "BAR"],
            &[],
        ),
        ("${FOO:#}", vec![], None, &[], &[]),
        ("${FOO:##}", vec![], None, &[], &[]),
        ("${FOO:%}", vec![], None, &[], &[]),
        ("${FOO:%%}", vec![], None, &[], &[]),
        (
            "${FOO/$NEEDLE/.} - ${FOO//$NEEDLE/.}",
            vec![("FOO", "/foo*/*/*.txt"), ("NEEDLE", "\\*/")],
            Some("/foo.*/*.txt - /foo..*.txt"),
            &["FOO", "NEEDLE"],
            &[],
        ),
        (
            "${FOO/$NEEDLE/} - ${FOO//$NEEDLE/}",
            vec![("FOO", "/tmp/tmp/bar.txt"), ("NEEDLE", "/tmp")],
            Some("/tmp/bar.txt - /bar.txt"),
            &["FOO", "NEEDLE"],
            &[],
        ),
        (
            "${FOO/$NEEDLE/$REPLACEMENT} - ${FOO//$NEEDLE/$REPLACEMENT}",
            vec![
                ("FOO", "/a/foo/b/c.txt"),
                ("NEEDLE", "/?/"),
                ("REPLACEMENT", "/"),
            ],
            Some("/foo/b/c.txt - /foo/c.txt"),
            &["FOO", "NEEDLE", "REPLACEMENT"],
            &[],
        ),
        (
            "${FOO/$NEEDLE/$REPLACEMENT}",
            vec![
                ("FOO", "http://google.de"),
                ("NEEDLE", "http://"),
                ("REPLACEMENT", "https://"),
            ],
            Some("https://google.de"),
            &["FOO", "NEEDLE", "REPLACEMENT"],
            &[],
        ),
        (
            "${FOO//\\//\\/}",
            vec![("FOO", "/tmp/foo.txt")],
            Some("\\/tmp\\/foo.txt"),
            &["FOO"],
            &[],
        ),
        (
            "${FOO/$BAR/ww}",
            vec![("FOO", "xxyy"), ("BAR", "")],
            Some("wwxxyy"),
            &["FOO", "BAR"],
            &[],
        ),
        ("${FOO//ww}", vec![("FOO", "xxyy")], None, &[], &[]),
        ("${FOO//}", vec![("FOO", "xxyy")], None, &[], &[]),
        (
            "${FOO///}",
            vec![("FOO", "xxyy")],
            Some("xxyy"),
            &["FOO"],
            &[],
        ),
        ("${FOO///}", vec![], Some(""), &[], &["FOO"]),
    ];
    for (input, pairs, expected, used, unset) in cases {
        let got = word(input, &env(&pairs));
        match expected {
            None => assert!(got.is_err(), "{input}: {got:?}"),
            Some(value) => {
                let want = Expanded {
                    value: value.to_string(),
                    used: set(used),
                    unset: set(unset),
                };
                assert_eq!(got, Ok(want), "{input}");
            }
        }
    }
}

#[test]
fn platform_file_name() {
    let release =
        "something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz";
    let base = [("VERSION", "v1.2.3"), ("TARGETOS", "linux")];
    let with = |extra: &[(&str, &str)]| {
        let pairs: Vec<_> = base.iter().chain(extra).copied().collect();
        word(release, &env(&pairs)).map(|e| e.value)
    };
    let arm = with(&[("TARGETARCH", "arm"), ("TARGETVARIANT", "v7")]);
    assert_eq!(arm.as_deref(), Ok("something-v1.2.3.linux-arm-v7.tar.gz"));
    let empty = with(&[("TARGETARCH", "arm64"), ("TARGETVARIANT", "")]);
    assert_eq!(empty.as_deref(), Ok("something-v1.2.3.linux-arm64.tar.gz"));
    let unset = word(
        release,
        &env(&[
            ("VERSION", "v1.2.3"),
            ("TARGETOS", "linux"),
            ("TARGETARCH", "arm64"),
        ]),
    );
    assert_eq!(
        unset.as_ref().map(|e| e.value.as_str()),
        Ok("something-v1.2.3.linux-arm64.tar.gz")
    );
    assert_eq!(unset.map(|e| e.unset), Ok(set(&["TARGETVARIANT"])));
}

#[test]
fn error_messages_quote_the_input_like_go() {
    let got = word("a\"b\t${", &NoEnv);
    assert_eq!(
        got,
        Err("failed to process \"a\\\"b\\t${\": syntax error: missing '}'".into())
    );
    let got = word("${PWD", &NoEnv);
    assert_eq!(
        got,
        Err("failed to process \"${PWD\": unsupported modifier (\u{fffd}) in substitution".into())
    );
}

#[test]
fn escapes_backtick_and_newlines() {
    let lexer = Lexer::new('`');
    let e = env(&[("A", "x y")]);
    let w = |s: &str| {
        lexer
            .process_word(s, &e)
            .map(|x| x.value)
            .map_err(|x| x.message)
    };
    assert_eq!(w("C:\\path`$A").as_deref(), Ok("C:\\path$A"));
    assert_eq!(w("\"a`\"b`$A``c`d\"").as_deref(), Ok("a\"b$A`c`d"));
    assert_eq!(w("a``").as_deref(), Ok("a`"));
    assert_eq!(w("a`").as_deref(), Ok("a"));
    assert_eq!(w("line1\nline2`\nx").as_deref(), Ok("line1\nline2\nx"));
    let words = lexer
        .process_words("a`\nb $A\n\"c\nd\"", &e)
        .map(|x| x.value);
    assert_eq!(
        words,
        Ok(vec![
            "a\nb".to_string(),
            "x".into(),
            "y".into(),
            "c\nd".into()
        ])
    );
}

#[test]
fn raw_modes_as_the_parser_uses_them() {
    // BuildKit's parser splits heredoc and flag words with raw quotes, raw escapes and unset
    // variables kept.
    let mut lexer = Lexer::new('\\');
    lexer.raw_quotes = true;
    lexer.raw_escapes = true;
    lexer.skip_unset_env = true;
    let got = lexer
        .process_words("<<\"EOF\" 'a b' \\$X ${Y:-z} $Z", &NoEnv)
        .map(|e| e.value);
    let want = ["<<\"EOF\"", "'a b'", "\\$X", "${Y:-z}", "$Z"];
    assert_eq!(got, Ok(want.iter().map(|s| s.to_string()).collect()));

    let mut lexer = Lexer::new('\\');
    lexer.skip_process_quotes = true;
    let got = lexer
        .process_word("'$A' \"$A\"", &env(&[("A", "1")]))
        .map(|e| e.value);
    assert_eq!(got, Ok("'1' \"1\"".to_string()));
}

#[test]
fn words_quirks() {
    let lexer = Lexer::new('\\');
    let e = env(&[("X", "b c"), ("E", "")]);
    let words = |s: &str| {
        lexer
            .process_words(s, &e)
            .map(|x| x.value)
            .map_err(|x| x.message)
    };
    let v = |w: &[&str]| Ok(w.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    assert_eq!(words("a \"\" '' b"), v(&["a", "b"]));
    assert_eq!(words("a$X"), v(&["ab", "c"]));
    // A `${...}` with a modifier clears the pending word (BuildKit shares the buffer).
    assert_eq!(words("a${X:-q}d"), v(&["b", "cd"]));
    assert_eq!(words("a\"${E:-q}\"d"), v(&["qd"]));
    assert_eq!(words("a ${X:+q}d"), v(&["a", "qd"]));
    assert_eq!(words("a<< b <c"), v(&["a<< b", "<c"]));
    assert_eq!(words("  "), v(&[]));
    assert_eq!(words(""), v(&[]));
}

#[test]
fn byte_order_mark_and_odd_characters() {
    let e = env(&[("A", "1")]);
    assert_eq!(
        word("\u{feff}$A\u{feff}", &e).map(|x| x.value),
        Ok("1\u{feff}".into())
    );
    assert_eq!(word("a\u{0}$A", &e).map(|x| x.value), Ok("a\u{0}1".into()));
    // The pattern scanner drops a leading byte-order mark too.
    let e = env(&[("A", "\u{feff}x"), ("P", "\u{feff}")]);
    assert_eq!(word("${A#$P}", &e).map(|x| x.value), Ok("\u{feff}x".into()));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let ok = format!(
        "{}x{}",
        "${A:-".repeat(MAX_NESTING - 1),
        "}".repeat(MAX_NESTING - 1)
    );
    assert_eq!(word(&ok, &NoEnv).map(|x| x.value), Ok("x".into()));
    let deep = format!("{}x{}", "${A:-".repeat(5000), "}".repeat(5000));
    assert!(word(&deep, &NoEnv).is_err());
    let deep = "\"${A:-".repeat(5000);
    assert!(word(&deep, &NoEnv).is_err());
}
