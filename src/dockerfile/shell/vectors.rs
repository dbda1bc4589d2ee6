//! Table-driven tests: our vector file (`vectors.txt`, format at its top) and, when
//! `RBUILD_BUILDKIT_SHELL_VECTORS` names BuildKit's `frontend/dockerfile/shell` directory,
//! BuildKit's own `envVarTest` and `wordsTest` read the way its `lex_test.go` reads them.

use std::collections::BTreeSet;

use super::{Env, KeyValueEnv, Lexer};

const VECTORS: &str = include_str!("vectors.txt");
const SEPARATOR: char = '¦';

/// One line of `vectors.txt`.
struct Vector<'a> {
    line: usize,
    lexer: Lexer,
    split: bool,
    input: &'a str,
    expected: &'a str,
    used: BTreeSet<String>,
    unset: BTreeSet<String>,
}

/// A field between separators, without the one space on each side that belongs to them.
fn field(raw: &str) -> &str {
    let raw = raw.strip_prefix(' ').unwrap_or(raw);
    raw.strip_suffix(' ').unwrap_or(raw)
}

fn names(raw: &str) -> BTreeSet<String> {
    raw.split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(|n| {
            if n == "\"\"" {
                String::new()
            } else {
                n.to_string()
            }
        })
        .collect()
}

fn parse_mode(mode: &str, line: usize) -> (Lexer, bool) {
    let mut chars = mode.chars();
    let split = match chars.next() {
        Some('w') => false,
        Some('s') => true,
        other => panic!("line {line}: mode must start with w or s, not {other:?}"),
    };
    let escape = chars
        .next()
        .unwrap_or_else(|| panic!("line {line}: no escape character"));
    let mut lexer = Lexer::new(escape);
    for flag in chars {
        match flag {
            'Q' => lexer.raw_quotes = true,
            'E' => lexer.raw_escapes = true,
            'U' => lexer.skip_unset_env = true,
            'P' => lexer.skip_process_quotes = true,
            other => panic!("line {line}: unknown flag {other:?}"),
        }
    }
    (lexer, split)
}

/// The environments and vectors of `vectors.txt`.
fn parse_vectors(text: &str) -> Vec<(Vec<String>, Vector<'_>)> {
    let mut env: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix("@env") {
            env = rest
                .split(SEPARATOR)
                .skip(1)
                .map(|f| field(f).to_string())
                .collect();
            continue;
        }
        let fields: Vec<&str> = line.split(SEPARATOR).collect();
        assert_eq!(fields.len(), 5, "line {number}: want 5 fields: {line:?}");
        let (lexer, split) = parse_mode(fields[0].trim(), number);
        out.push((
            env.clone(),
            Vector {
                line: number,
                lexer,
                split,
                input: field(fields[1]),
                expected: field(fields[2]),
                used: names(fields[3]),
                unset: names(fields[4]),
            },
        ));
    }
    out
}

fn render_words(words: &[String]) -> String {
    words.iter().map(|w| format!("⟨{w}⟩")).collect()
}

/// Runs one vector, describing the difference if it fails.
fn check(env: &dyn Env, v: &Vector<'_>) -> Result<(), String> {
    let got = if v.split {
        v.lexer
            .process_words(v.input, env)
            .map(|e| (render_words(&e.value), e.used, e.unset))
    } else {
        v.lexer
            .process_word(v.input, env)
            .map(|e| (e.value, e.used, e.unset))
    };
    match (got, v.expected.strip_prefix("error: ")) {
        (Err(e), Some(message)) if e.message == message => Ok(()),
        (Ok((value, used, unset)), None)
            if value == v.expected && used == v.used && unset == v.unset =>
        {
            Ok(())
        }
        (got, _) => Err(format!(
            "line {}: {:?} expected {:?} used {:?} unset {:?}, got {:?}",
            v.line, v.input, v.expected, v.used, v.unset, got
        )),
    }
}

#[test]
fn our_vectors() {
    let vectors = parse_vectors(VECTORS);
    assert!(vectors.len() >= 150, "only {} vectors", vectors.len());
    let failures: Vec<String> = vectors
        .iter()
        .filter_map(|(env, v)| check(&KeyValueEnv(env), v).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn vector_file_covers_both_escapes_and_all_modes() {
    let vectors = parse_vectors(VECTORS);
    let count = |f: &dyn Fn(&Vector<'_>) -> bool| vectors.iter().filter(|(_, v)| f(v)).count();
    assert!(count(&|v| v.lexer.escape == '`') >= 20);
    assert!(count(&|v| v.split) >= 20);
    assert!(count(&|v| v.expected.starts_with("error: ")) >= 20);
    assert!(count(&|v| v.lexer.raw_quotes) > 0 && count(&|v| v.lexer.raw_escapes) > 0);
    assert!(count(&|v| v.lexer.skip_unset_env) > 0 && count(&|v| v.lexer.skip_process_quotes) > 0);
}

/// BuildKit's vector files, when `RBUILD_BUILDKIT_SHELL_VECTORS` points at their directory.
fn buildkit_file(name: &str) -> Option<String> {
    let dir = std::env::var_os("RBUILD_BUILDKIT_SHELL_VECTORS")?;
    let path = std::path::Path::new(&dir).join(name);
    Some(std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// `TestShellParser4EnvVars`: `PLATFORM|INPUT|EXPECTED` with `error` for any error; Unix
/// (`U`) and all-platform (`A`) lines run.
#[test]
fn buildkit_env_var_vectors() {
    let Some(text) = buildkit_file("envVarTest") else {
        eprintln!("RBUILD_BUILDKIT_SHELL_VECTORS not set: skipping envVarTest");
        return;
    };
    let env = KeyValueEnv(&["PWD=/home", "SHELL=bash", "KOREAN=한국어", "NULL="]);
    let lexer = Lexer::new('\\');
    let mut ran = 0;
    let mut failures = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.trim().split('|').collect();
        assert_eq!(parts.len(), 3, "line {}: {line:?}", index + 1);
        let (platform, source, expected) = (parts[0].trim(), parts[1].trim(), parts[2].trim());
        assert!(matches!(platform, "W" | "A" | "U"), "line {}", index + 1);
        if platform == "W" {
            continue;
        }
        ran += 1;
        let got = lexer.process_word(source, &env);
        let ok = match &got {
            Err(_) => expected == "error",
            Ok(e) => expected != "error" && e.value == expected,
        };
        if !ok {
            failures.push(format!(
                "line {}: {source:?} -> {got:?}, want {expected:?}",
                index + 1
            ));
        }
    }
    assert!(ran > 200, "ran only {ran} vectors");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `TestShellParser4Words`: `ENV name=value` lines accumulate; `INPUT|w1,w2,...` with `error`
/// for any error. (BuildKit's second pass, with raw quotes and unset variables skipped, reads the
/// already-exhausted file and so checks nothing; it is not repeated here.)
#[test]
fn buildkit_words_vectors() {
    let Some(text) = buildkit_file("wordsTest") else {
        eprintln!("RBUILD_BUILDKIT_SHELL_VECTORS not set: skipping wordsTest");
        return;
    };
    let lexer = Lexer::new('\\');
    let mut env: Vec<String> = Vec::new();
    let mut ran = 0;
    for (index, line) in text.lines().enumerate() {
        if line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix("ENV ") {
            env.push(rest.trim_start_matches(' ').to_string());
            continue;
        }
        let parts: Vec<&str> = line.split('|').collect();
        assert_eq!(parts.len(), 2, "line {}: {line:?}", index + 1);
        let expected: Vec<&str> = parts[1].trim_start_matches(' ').split(',').collect();
        let got = match lexer.process_words(parts[0].trim(), &KeyValueEnv(&env)) {
            Ok(e) => e.value,
            Err(_) => vec!["error".to_string()],
        };
        assert_eq!(got, expected, "line {}: {line:?}", index + 1);
        ran += 1;
    }
    assert!(ran > 20, "ran only {ran} vectors");
}
