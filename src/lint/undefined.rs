//! UndefinedVar, as BuildKit's dispatch reports it: every word BuildKit expands (ENV and LABEL
//! pairs, COPY/ADD sources, destination and `--chown`/`--chmod`/`--checksum`, WORKDIR, USER,
//! VOLUME, STOPSIGNAL, RUN's `--mount` values, ARG defaults) is expanded in the stage's
//! environment; a variable that is not set there and not declared by an ARG of the stage is
//! reported, with the closest set name at edit distance under 3.
//!
//! The environment starts from the base: an earlier stage's, nothing for `scratch`, an image's
//! config `Env` from [`BaseEnv`]. A stage whose base environment is unknown (no registry asked,
//! or the image not found) is not checked: a false "undefined `$PATH`" is worse than silence.

use std::collections::{BTreeMap, BTreeSet};

use super::buildkit::Emit;
use super::from_args;
use super::rule;
use crate::dockerfile::ast::{Body, Dockerfile, Instruction};
use crate::dockerfile::shell::Lexer;

/// The `Env` of a base image's config (`KEY=value` entries), by the base as the FROM line
/// names it after expansion; `None` when it is not known.
pub type BaseEnv<'a> = dyn Fn(&str) -> Option<Vec<String>> + 'a;

/// BuildKit's non-env args: never reported.
const NON_ENV: &[&str] = &["BUILDKIT_SBOM_SCAN_CONTEXT", "BUILDKIT_SBOM_SCAN_STAGE"];

/// A stage's scope while its instructions are walked.
#[derive(Clone, Default)]
struct Scope {
    env: BTreeMap<String, String>,
    /// Names its ARGs declared (with or without a value).
    declared: BTreeSet<String>,
}

/// Runs the rule over every stage of `df`.
pub(super) fn check(
    df: &Dockerfile,
    build_args: &BTreeMap<String, String>,
    base_env: Option<&BaseEnv<'_>>,
    emit: &mut Emit<'_>,
) {
    let lexer = Lexer::new(df.escape);
    let globals = from_args::global_scope(df, build_args);
    let mut stages: Vec<(Option<String>, Option<Scope>)> = Vec::new();
    let mut current: Option<Scope> = None;
    for i in &df.instructions {
        if i.cmd == "from" {
            if let Some(last) = stages.last_mut() {
                last.1 = current.take();
            }
            let Body::Args { args, .. } = &i.body else {
                continue;
            };
            let name = (args.len() == 3).then(|| args[2].to_lowercase());
            let base = args
                .first()
                .and_then(|b| lexer.process_word(b, &globals).ok())
                .map(|e| e.value)
                .unwrap_or_default();
            let lower = base.to_lowercase();
            current = if lower == "scratch" {
                Some(Scope::default())
            } else if let Some((_, parent)) = stages
                .iter()
                .rev()
                .find(|(n, _)| n.as_deref() == Some(lower.as_str()))
            {
                parent.clone()
            } else {
                base_env.and_then(|f| f(&base)).map(|entries| Scope {
                    env: entries
                        .iter()
                        .map(|e| match e.split_once('=') {
                            Some((k, v)) => (k.to_string(), v.to_string()),
                            None => (e.clone(), String::new()),
                        })
                        .collect(),
                    declared: BTreeSet::new(),
                })
            };
            stages.push((name, None));
            continue;
        }
        if let Some(scope) = current.as_mut() {
            instruction(&lexer, i, scope, &globals, build_args, emit);
        }
    }
}

/// Reports the unset names of `word` expanded in `scope`.
fn expand(
    lexer: &Lexer,
    word: &str,
    scope: &Scope,
    i: &Instruction,
    emit: &mut Emit<'_>,
) -> String {
    let Ok(e) = lexer.process_word(word, &scope.env) else {
        return word.to_string();
    };
    for name in &e.unset {
        if scope.declared.contains(name) || NON_ENV.contains(&name.as_str()) {
            continue;
        }
        let hint = from_args::suggest(name, scope.env.keys())
            .map(|s| format!(" (did you mean ${s}?)"))
            .unwrap_or_default();
        emit(
            &rule::UNDEFINED_VAR,
            format!("Usage of undefined variable '${name}'{hint}"),
            i.line,
            i.end_line,
            Some(i),
        );
    }
    e.value
}

fn instruction(
    lexer: &Lexer,
    i: &Instruction,
    scope: &mut Scope,
    globals: &BTreeMap<String, String>,
    build_args: &BTreeMap<String, String>,
    emit: &mut Emit<'_>,
) {
    // The flags BuildKit expands.
    let expanded_flags: &[&str] = match i.cmd.as_str() {
        "copy" => &["--chown=", "--chmod="],
        "add" => &["--chown=", "--chmod=", "--checksum="],
        "run" => &["--mount="],
        _ => &[],
    };
    for f in &i.flags {
        if let Some(v) = expanded_flags.iter().find_map(|p| f.strip_prefix(p)) {
            expand(lexer, v, scope, i, emit);
        }
    }
    match (&i.body, i.cmd.as_str()) {
        (Body::Pairs { pairs, .. }, "env" | "label") => {
            let mut set = Vec::new();
            for (k, v) in pairs {
                let key = expand(lexer, k, scope, i, emit);
                let value = expand(lexer, v, scope, i, emit);
                set.push((key, value));
            }
            if i.cmd == "env" {
                scope.env.extend(set);
            }
        }
        (Body::Args { args, .. }, "arg") => {
            for decl in args {
                let (name, default) = match decl.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v)),
                    None => (decl.clone(), None),
                };
                let value = match (build_args.get(&name), default) {
                    (Some(v), _) => Some(v.clone()),
                    (None, Some(d)) => Some(expand(lexer, d, scope, i, emit)),
                    (None, None) => globals.get(&name).cloned(),
                };
                if let Some(v) = value {
                    scope.env.insert(name.clone(), v);
                }
                scope.declared.insert(name);
            }
        }
        (Body::Args { args, json }, "copy" | "add" | "volume") => {
            for a in args.iter().filter(|a| *json || !a.starts_with("<<")) {
                expand(lexer, a, scope, i, emit);
            }
        }
        (Body::Args { args, .. }, "workdir" | "user" | "stopsignal") => {
            expand(lexer, &args.join(" "), scope, i, emit);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, base_env: Option<&BaseEnv<'_>>) -> Vec<String> {
        let df = crate::dockerfile::parse(text).unwrap();
        let mut out = Vec::new();
        let mut emit =
            |_: &'static rule::Rule, m: String, line: usize, _: usize, _: Option<&Instruction>| {
                out.push(format!("{line}: {m}"))
            };
        check(&df, &BTreeMap::new(), base_env, &mut emit);
        out
    }

    #[test]
    fn stages_on_unknown_bases_are_not_checked_and_stages_inherit() {
        let text =
            "FROM alpine AS a\nENV X=$PATH\nFROM a\nWORKDIR $X/$Y\nFROM scratch\nARG Z\nUSER $Z\n";
        // alpine's ENV unknown: stage a is not checked, nor stage 1 built on it.
        assert!(run(text, None).is_empty(), "{:?}", run(text, None));
        let env = |_: &str| Some(vec!["PATH=/bin".to_string()]);
        assert_eq!(
            run(text, Some(&env)),
            ["4: Usage of undefined variable '$Y' (did you mean $X?)"]
        );
    }
}
