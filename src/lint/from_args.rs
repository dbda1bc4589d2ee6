//! The rules about the variables of FROM lines, as BuildKit's `buildDispatchStates` and
//! `validateBaseImagesWithDefaultArgs` run them: UndefinedArgInFrom (a variable neither a
//! global ARG nor a predefined platform arg, with a suggestion at edit distance under 3) and
//! InvalidDefaultArgInFrom (the base name, expanded with the ARG defaults alone, is no valid
//! image reference).

use std::collections::{BTreeMap, BTreeSet};

use super::buildkit::Emit;
use super::rule;
use crate::dockerfile::ast::{Body, Dockerfile, Instruction};
use crate::dockerfile::shell::Lexer;
use crate::oci::platform::Platform;
use crate::oci::reference::Reference;

/// The platform args BuildKit defines before any ARG (the build and target platform are the
/// machine's here: only which names exist matters to these rules).
fn predefined() -> BTreeMap<String, String> {
    let p = Platform::host();
    let mut env = BTreeMap::new();
    for prefix in ["BUILD", "TARGET"] {
        env.insert(format!("{prefix}PLATFORM"), p.to_string());
        env.insert(format!("{prefix}OS"), p.os.clone());
        env.insert(format!("{prefix}ARCH"), p.arch.clone());
        env.insert(format!("{prefix}VARIANT"), p.variant.clone());
    }
    env
}

/// The global ARGs (before the first FROM): name and default as written.
fn global_args(df: &Dockerfile) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for i in df.instructions.iter().take_while(|i| i.cmd != "from") {
        if let (true, Body::Args { args, .. }) = (i.cmd == "arg", &i.body) {
            for decl in args {
                match decl.split_once('=') {
                    Some((k, v)) => out.push((k.to_string(), Some(v.to_string()))),
                    None => out.push((decl.clone(), None)),
                }
            }
        }
    }
    out
}

/// The global scope: predefined args, then each global ARG with its build arg or its default
/// (expanded in the scope so far); an ARG without either is declared but not set.
fn scope(
    lexer: &Lexer,
    args: &[(String, Option<String>)],
    build_args: Option<&BTreeMap<String, String>>,
) -> BTreeMap<String, String> {
    let mut env = predefined();
    for (name, default) in args {
        let value = match build_args.and_then(|b| b.get(name)) {
            Some(v) => Some(v.clone()),
            None => default
                .as_deref()
                .and_then(|d| lexer.process_word(d, &env).ok())
                .map(|e| e.value),
        };
        if let Some(v) = value {
            env.insert(name.clone(), v);
        }
    }
    env
}

/// BuildKit's `suggest.Search`: the closest option at edit distance under 3 (an exact match
/// suggests nothing).
pub(super) fn suggest<'a>(
    value: &str,
    options: impl Iterator<Item = &'a String>,
) -> Option<&'a str> {
    let mut best: Option<&str> = None;
    let mut min = 3;
    for opt in options {
        if opt == value {
            return None;
        }
        let d = strsim::levenshtein(value, opt);
        if d < min {
            min = d;
            best = Some(opt);
        }
    }
    best
}

/// The global scope FROM lines (and stages' bare `ARG NAME`) see, with the build's args.
pub(super) fn global_scope(
    df: &Dockerfile,
    build_args: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    scope(&Lexer::new(df.escape), &global_args(df), Some(build_args))
}

/// Runs both rules over every FROM of `df`.
pub(super) fn check(df: &Dockerfile, build_args: &BTreeMap<String, String>, emit: &mut Emit<'_>) {
    let lexer = Lexer::new(df.escape);
    let args = global_args(df);
    let env = scope(&lexer, &args, Some(build_args));
    let defaults = scope(&lexer, &args, None);
    let declared: BTreeSet<String> = args
        .iter()
        .map(|(k, _)| k.clone())
        .chain(env.keys().cloned())
        .collect();
    for i in df.instructions.iter().filter(|i| i.cmd == "from") {
        let Body::Args { args: words, .. } = &i.body else {
            continue;
        };
        let Some(base) = words.first() else { continue };
        let platform = i.flags.iter().find_map(|f| f.strip_prefix("--platform="));
        for word in std::iter::once(base.as_str()).chain(platform) {
            undefined(&lexer, word, &env, &declared, i, emit);
        }
        let valid = lexer
            .process_word(base, &defaults)
            .is_ok_and(|e| !e.value.is_empty() && Reference::parse(&e.value).is_ok());
        if !valid {
            emit(
                &rule::INVALID_DEFAULT_ARG_IN_FROM,
                format!("Default value for ARG {base} results in empty or invalid base image name"),
                i.line,
                i.end_line,
                None,
            );
        }
    }
}

fn undefined(
    lexer: &Lexer,
    word: &str,
    env: &BTreeMap<String, String>,
    declared: &BTreeSet<String>,
    i: &Instruction,
    emit: &mut Emit<'_>,
) {
    let Ok(expanded) = lexer.process_word(word, env) else {
        return;
    };
    for name in expanded.unset.iter().filter(|n| !declared.contains(*n)) {
        let hint = suggest(name, declared.iter())
            .map(|s| format!(" (did you mean {s}?)"))
            .unwrap_or_default();
        emit(
            &rule::UNDEFINED_ARG_IN_FROM,
            format!("FROM argument '{name}' is not declared{hint}"),
            i.line,
            i.end_line,
            Some(i),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_under_three_edits_and_never_the_same_name() {
        let opts = ["BUILDPLATFORM".to_string(), "IMAGE".to_string()];
        assert_eq!(suggest("IMAEG", opts.iter()), Some("IMAGE"));
        assert_eq!(suggest("NOPE", opts.iter()), None);
        assert_eq!(suggest("IMAGE", opts.iter()), None);
    }
}
