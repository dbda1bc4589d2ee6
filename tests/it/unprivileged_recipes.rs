//! The recipes of `docs/unprivileged.md` (`examples/unprivileged/`): each parses as YAML, the
//! doc names each, and every rbuild command line in them uses only flags rbuild takes
//! (`rbuild build --help`; Kaniko's flags as `rbuild executor` lists them).

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize as _;
use serde_yaml::Value;

const RECIPES: [&str; 5] = [
    "gitlab-ci.yml",
    "kubernetes-job.yaml",
    "tekton-task.yaml",
    "codebuild-buildspec.yml",
    "arc-workflow.yml",
];

/// Every command line of rbuild in `v`: (`build` or `executor`, its flags).
fn command_lines(v: &Value, out: &mut Vec<(String, Vec<String>)>) {
    match v {
        Value::String(s) => {
            let words: Vec<&str> = s.split_whitespace().collect();
            let kind = match words.as_slice() {
                ["rbuild", "build", ..] => "build",
                ["/kaniko/executor", ..] => "executor",
                _ => return,
            };
            out.push((kind.into(), flags(words.iter().map(|w| w.to_string()))));
        }
        Value::Sequence(items) => {
            let first = items.first().and_then(Value::as_str);
            if let Some(kind @ ("build" | "executor")) = first {
                let words = items.iter().filter_map(|i| i.as_str().map(str::to_string));
                out.push((kind.into(), flags(words)));
            } else {
                items.iter().for_each(|i| command_lines(i, out));
            }
        }
        Value::Mapping(m) => m.values().for_each(|i| command_lines(i, out)),
        _ => {}
    }
}

fn flags(words: impl Iterator<Item = String>) -> Vec<String> {
    words
        .filter(|w| w.starts_with("--"))
        .map(|w| w.split('=').next().unwrap_or_default().to_string())
        .collect()
}

fn rbuild(args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rbuild"))
        .args(args)
        .output()
        .unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn the_recipes_parse_are_documented_and_use_only_rbuilds_flags() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/unprivileged.md")).unwrap();
    let build_help = rbuild(&["build", "--help"]);
    // The refusal of an unknown flag lists the ones `rbuild executor` takes.
    let executor_flags = rbuild(&["executor", "--no-such-flag"]);
    assert!(executor_flags.contains("--cache-repo"), "{executor_flags}");
    let mut seen = BTreeSet::new();
    for name in RECIPES {
        assert!(
            doc.contains(name),
            "docs/unprivileged.md does not name {name}"
        );
        let text = std::fs::read_to_string(root.join("examples/unprivileged").join(name)).unwrap();
        let mut lines = Vec::new();
        for doc in serde_yaml::Deserializer::from_str(&text) {
            let v = Value::deserialize(doc).unwrap_or_else(|e| panic!("{name}: {e}"));
            command_lines(&v, &mut lines);
        }
        assert!(!lines.is_empty(), "{name}: no rbuild command line found");
        for (kind, flags) in lines {
            seen.insert(kind.clone());
            let known = if kind == "build" {
                &build_help
            } else {
                &executor_flags
            };
            for f in flags {
                assert!(
                    known.contains(&f),
                    "{name}: `{f}` is not a flag of rbuild {kind}"
                );
            }
        }
    }
    assert_eq!(seen, BTreeSet::from(["build".into(), "executor".into()]));
}
