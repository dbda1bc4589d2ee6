//! The parser against the conformance corpus in `tests/data/parse*`.
//!
//! * `tests/data/parse/<case>/Dockerfile` must parse to `expected.json` (the JSON printed by
//!   `rbuild parse --format json`, pretty-printed).
//!   Where BuildKit's instruction layer then rejects the file (unknown instruction, bad flag,
//!   wrong arity: what `rbuild parse` refuses after parsing), the case also holds
//!   `expected-error.txt` with that rejection (`LINE: message`); a case without it must pass.
//! * `tests/data/parse-negative/<case>/Dockerfile` must fail to parse with `expected-error.txt`
//!   (`LINE: message`).
//!
//! Run with `RBUILD_BLESS=1` to (re)write the expected files from the current parser instead of
//! comparing; review the diff by hand before committing it.
//!
//! With `RBUILD_BUILDKIT_TESTFILES=/path/to/buildkit/frontend/dockerfile/parser/testfiles`, the
//! parser is also checked against BuildKit's own corpus (`result` files in `Node.Dump()` form,
//! and the sibling `testfiles-negative` directory). That corpus is never copied here.

#![allow(clippy::unwrap_used)]

use rbuild::dockerfile::{instructions, parse};
use std::fs;
use std::path::{Path, PathBuf};

fn data_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn blessing() -> bool {
    std::env::var("RBUILD_BLESS").is_ok_and(|v| v == "1")
}

/// The case directories under `dir`, sorted.
fn cases(dir: &Path) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

fn read_dockerfile(case: &Path) -> String {
    let bytes = fs::read(case.join("Dockerfile")).unwrap();
    String::from_utf8(bytes)
        .unwrap_or_else(|e| panic!("{}: Dockerfile is not UTF-8: {e}", case.display()))
}

fn name(case: &Path) -> String {
    case.file_name().unwrap().to_string_lossy().into_owned()
}

/// Reports every mismatch at once, each with the case name and both texts.
fn finish(kind: &str, total: usize, failures: Vec<String>) {
    assert!(total > 0, "no {kind} cases found");
    assert!(
        failures.is_empty(),
        "{} of {total} {kind} cases failed:\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn mismatch(case: &str, expected: &str, actual: &str) -> String {
    format!("=== {case}\n--- expected\n{expected}\n+++ actual\n{actual}\n")
}

#[test]
fn parse_conformance_positive() {
    let dir = data_dir("parse");
    let cases = cases(&dir);
    let mut failures = Vec::new();
    for case in &cases {
        let text = read_dockerfile(case);
        let actual = match parse(&text) {
            Ok(df) => df.to_json_pretty(),
            Err(e) => format!("ERROR {}: {}\n", e.line, e.message),
        };
        let path = case.join("expected.json");
        check_instruction_layer(case, &text, &mut failures);
        if blessing() {
            fs::write(&path, &actual).unwrap();
            continue;
        }
        let expected = fs::read_to_string(&path).unwrap_or_default();
        if expected != actual {
            failures.push(mismatch(&name(case), &expected, &actual));
        }
    }
    finish("positive", cases.len(), failures);
}

/// The typed-instruction check `rbuild parse` makes after parsing: its error, if any, must be
/// the case's `expected-error.txt`.
fn check_instruction_layer(case: &Path, text: &str, failures: &mut Vec<String>) {
    let Ok(df) = parse(text) else { return };
    let actual = match instructions::from_dockerfile(&df) {
        Ok(_) => None,
        Err(e) => Some(format!("{}: {}\n", e.line, e.message)),
    };
    let path = case.join("expected-error.txt");
    if blessing() {
        match &actual {
            Some(a) => fs::write(&path, a).unwrap(),
            None => {
                let _ = fs::remove_file(&path);
            }
        }
        return;
    }
    let expected = fs::read_to_string(&path).ok();
    if expected != actual {
        failures.push(mismatch(
            &format!("{} (instruction layer)", name(case)),
            expected.as_deref().unwrap_or("accepted\n"),
            actual.as_deref().unwrap_or("accepted\n"),
        ));
    }
}

#[test]
fn parse_conformance_negative() {
    let dir = data_dir("parse-negative");
    let cases = cases(&dir);
    let mut failures = Vec::new();
    for case in &cases {
        let text = read_dockerfile(case);
        let actual = match parse(&text) {
            Ok(df) => format!("PARSED OK\n{}\n", df.dump()),
            Err(e) => format!("{}: {}\n", e.line, e.message),
        };
        let path = case.join("expected-error.txt");
        if blessing() {
            fs::write(&path, &actual).unwrap();
            continue;
        }
        let expected = fs::read_to_string(&path).unwrap_or_default();
        if expected != actual {
            failures.push(mismatch(&name(case), &expected, &actual));
        }
    }
    finish("negative", cases.len(), failures);
}

/// BuildKit's corpus: every `testfiles/<case>` must dump to its `result`, every
/// `testfiles-negative/<case>` must be rejected. Skipped unless `RBUILD_BUILDKIT_TESTFILES` is
/// set.
#[test]
fn buildkit_testfiles() {
    let Ok(dir) = std::env::var("RBUILD_BUILDKIT_TESTFILES") else {
        eprintln!("RBUILD_BUILDKIT_TESTFILES not set: skipping BuildKit's corpus");
        return;
    };
    let dir = PathBuf::from(dir);
    let positive = cases(&dir);
    let mut failures = Vec::new();
    for case in &positive {
        let text = read_dockerfile(case);
        let expected = fs::read_to_string(case.join("result")).unwrap();
        let actual = match parse(&text) {
            Ok(df) => df.dump() + "\n",
            Err(e) => format!("ERROR {}: {}\n", e.line, e.message),
        };
        if expected != actual {
            failures.push(mismatch(&name(case), &expected, &actual));
        }
    }
    finish("BuildKit testfiles", positive.len(), failures);

    let negative_dir = dir.with_file_name("testfiles-negative");
    let negative = cases(&negative_dir);
    let mut failures = Vec::new();
    for case in &negative {
        if let Ok(df) = parse(&read_dockerfile(case)) {
            failures.push(format!("=== {}: parsed\n{}\n", name(case), df.dump()));
        }
    }
    finish("BuildKit testfiles-negative", negative.len(), failures);

    // parser_test.go's TestParseIncludesLineNumbers.
    let line_file = dir.with_file_name("testfile-line").join("Dockerfile");
    if let Ok(text) = fs::read_to_string(line_file) {
        let df = parse(&text).unwrap();
        let spans: Vec<(usize, usize)> = df
            .instructions
            .iter()
            .map(|i| (i.line, i.end_line))
            .collect();
        assert_eq!(spans, [(5, 5), (11, 12), (17, 31)]);
    }
}
