//! `.dockerignore` matching against the reference implementation: Go's moby/patternmatcher
//! (Debian's golang-github-moby-patternmatcher-dev, the package BuildKit vendors), driven by a
//! small Go program in `tests/differential/patternmatcher/`. Thousands of generated pattern sets
//! and paths must get the same verdict from both.
//!
//! Needs `go` and the Go package (installed by `.ci/run`). Without them the test says so and
//! passes, unless `RBUILD_REQUIRE_DIFFERENTIAL=1` (set by CI) makes their absence a failure.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rbuild::context::dockerignore::PatternMatcher;
use std::cell::{Cell, RefCell};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const GOPATH: &str = "/usr/share/gocode";

/// Builds the reference program, or explains why it cannot.
fn build_reference(dir: &Path) -> Result<PathBuf, String> {
    let pkg = Path::new(GOPATH).join("src/github.com/moby/patternmatcher");
    if !pkg.is_dir() {
        return Err(format!(
            "{} is missing (apt-get install golang-github-moby-patternmatcher-dev)",
            pkg.display()
        ));
    }
    let src =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential/patternmatcher/main.go");
    let bin = dir.join("patternmatcher-ref");
    let out = Command::new("go")
        .args(["build", "-o"])
        .arg(&bin)
        .arg(&src)
        .env("GO111MODULE", "off")
        .env("GOPATH", GOPATH)
        .env("GOCACHE", dir.join("gocache"))
        .env("GOFLAGS", "-mod=mod")
        .output()
        .map_err(|e| format!("cannot run `go` ({e}): apt-get install golang-go"))?;
    if !out.status.success() {
        return Err(format!(
            "go build failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(bin)
}

fn pattern() -> impl Strategy<Value = String> {
    let component = prop::sample::select(vec![
        "a", "b", "ab", "*", "**", "?", "a*", "*b", "*.txt", "[ab]", "[a-c]x", "[!a]", "a?b", ".",
        "..",
    ]);
    (
        prop::bool::weighted(0.25),
        prop::bool::weighted(0.15),
        prop::collection::vec(component, 1..4),
        prop::bool::weighted(0.1),
    )
        .prop_map(|(neg, leading_slash, parts, trailing)| {
            let mut p = parts.join("/");
            if leading_slash {
                p.insert(0, '/');
            }
            if trailing {
                p.push('/');
            }
            if neg {
                p.insert(0, '!');
            }
            p
        })
}

fn path() -> impl Strategy<Value = String> {
    let component = prop::sample::select(vec![
        "a", "b", "ab", "x", "c.txt", "ab.txt", "bb", "cx", ".hidden",
    ]);
    prop::collection::vec(component, 1..5).prop_map(|p| p.join("/"))
}

#[test]
fn dockerignore_matches_go_patternmatcher() {
    let dir = tempfile::tempdir().unwrap();
    let bin = match build_reference(dir.path()) {
        Ok(bin) => bin,
        Err(why) => {
            assert!(
                std::env::var("RBUILD_REQUIRE_DIFFERENTIAL").is_err(),
                "reference unavailable: {why}"
            );
            eprintln!("skipping the patternmatcher differential test: {why}");
            return;
        }
    };
    let mut child = Command::new(&bin)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = RefCell::new(child.stdin.take().unwrap());
    let stdout = RefCell::new(BufReader::new(child.stdout.take().unwrap()));
    let mut runner = TestRunner::new(Config {
        cases: 2000,
        ..Config::default()
    });
    let strategy = (
        prop::collection::vec(pattern(), 1..5),
        prop::collection::vec(path(), 1..8),
    );
    let compared = Cell::new(0usize);
    let result = runner.run(&strategy, |(patterns, paths)| {
        let case = serde_json::json!({ "patterns": patterns, "paths": paths });
        writeln!(stdin.borrow_mut(), "{case}").unwrap();
        let mut line = String::new();
        stdout.borrow_mut().read_line(&mut line).unwrap();
        let answer: serde_json::Value = serde_json::from_str(&line).unwrap();
        let ours: Result<Vec<bool>, String> = PatternMatcher::new(&patterns)
            .map_err(|e| e.message)
            .map(|m| {
                paths
                    .iter()
                    .map(|p| m.matches_or_parent_matches(p))
                    .collect()
            });
        match (answer["error"].as_str(), ours) {
            (Some(_), Err(_)) => {}
            (None, Ok(ours)) => {
                let theirs: Vec<bool> = serde_json::from_value(answer["matches"].clone()).unwrap();
                prop_assert_eq!(&ours, &theirs, "patterns {:?} paths {:?}", patterns, paths);
                compared.set(compared.get() + paths.len());
            }
            (theirs, ours) => {
                prop_assert!(
                    false,
                    "patterns {:?}: Go says {:?}, rbuild says {:?}",
                    patterns,
                    theirs,
                    ours
                );
            }
        }
        Ok(())
    });
    drop(stdin);
    let _ = child.wait();
    if let Err(e) = result {
        panic!("{e}");
    }
    let compared = compared.get();
    assert!(compared > 1000, "only {compared} verdicts compared");
}
