//! BuildKit's rules over the parsed Dockerfile, with BuildKit's messages and the lines it
//! reports (`frontend/dockerfile/instructions/parse.go`, `dockerfile2llb/validations.go`,
//! `convert.go`, `convert_expose.go`): casing of keywords and stage names, stage names,
//! shell-form CMD/ENTRYPOINT, MAINTAINER, relative WORKDIR, repeated CMD/ENTRYPOINT/HEALTHCHECK,
//! legacy `ENV k v`, `FROM --platform` values, secret-looking ARG/ENV names, EXPOSE formats and
//! empty continuation lines. Every stage is checked, used by the target or not, as
//! `docker build --check` does.

use std::collections::BTreeSet;

use super::rule::{self, Rule};
use crate::dockerfile::ast::{Body, Dockerfile, Instruction};
use crate::oci::platform::Platform;

/// Where findings go: the rule, the message, the first and last line, and the instruction whose
/// `# check=` comment applies (`None`: the rules BuildKit runs over the whole file).
pub(super) type Emit<'a> =
    dyn FnMut(&'static Rule, String, usize, usize, Option<&Instruction>) + 'a;

/// The keyword as written (`FROM`, `from`, `From`).
fn keyword(i: &Instruction) -> &str {
    i.original.split_whitespace().next().unwrap_or(&i.cmd)
}

fn self_consistent(s: &str) -> bool {
    s == s.to_lowercase() || s == s.to_uppercase()
}

fn args(i: &Instruction) -> (&[String], bool) {
    match &i.body {
        Body::Args { args, json } => (args, *json),
        _ => (&[], false),
    }
}

/// A stage as the rules track it.
#[derive(Default, Clone)]
struct StageState {
    name: Option<String>,
    /// An absolute or relative WORKDIR was set in the stage or the stage it is built from.
    workdir_set: bool,
    /// A SHELL is in effect (then shell-form CMD/ENTRYPOINT is what the author chose).
    shell_set: bool,
    cmd: Option<(usize, usize)>,
    entrypoint: Option<(usize, usize)>,
    healthcheck: Option<(usize, usize)>,
}

/// Runs BuildKit's rules over `df`.
pub(super) fn check(df: &Dockerfile, emit: &mut Emit<'_>) {
    for w in &df.warnings {
        if w.message.starts_with("Empty continuation line") {
            emit(
                &rule::NO_EMPTY_CONTINUATION,
                "Empty continuation line".into(),
                w.line,
                w.line,
                None,
            );
        }
    }
    let first_from = df.instructions.iter().position(|i| i.cmd == "from");
    let in_stages = first_from.map_or(&[][..], |n| &df.instructions[n..]);
    casing(in_stages, emit);

    let mut stages: Vec<StageState> = Vec::new();
    let mut names: BTreeSet<String> = BTreeSet::new();
    for (n, i) in df.instructions.iter().enumerate() {
        if first_from.is_none_or(|f| n < f) {
            // Global ARGs: their names only.
            if i.cmd == "arg" {
                arg_secrets(i, emit);
            }
            continue;
        }
        if i.cmd == "from" {
            let state = from(i, &stages, &mut names, emit);
            stages.push(state);
            continue;
        }
        let Some(stage) = stages.last_mut() else {
            continue;
        };
        instruction(i, stage, emit);
    }
}

/// ConsistentInstructionCasing: every keyword against the majority's casing.
fn casing(instructions: &[Instruction], emit: &mut Emit<'_>) {
    let (mut lower, mut upper) = (0usize, 0usize);
    for i in instructions {
        let k = keyword(i);
        if self_consistent(k) {
            if k == k.to_lowercase() {
                lower += 1;
            } else {
                upper += 1;
            }
        }
    }
    let majority_lower = lower > upper;
    for i in instructions {
        let k = keyword(i);
        let want = if majority_lower && k.to_lowercase() != k {
            "lowercase"
        } else if !majority_lower && k.to_uppercase() != k {
            "uppercase"
        } else {
            continue;
        };
        emit(
            &rule::CONSISTENT_INSTRUCTION_CASING,
            format!("Command '{k}' should match the case of the command majority ({want})"),
            i.line,
            i.end_line,
            None,
        );
    }
}

/// A FROM line: stage name casing and uniqueness, `AS` casing, `--platform`.
fn from(
    i: &Instruction,
    stages: &[StageState],
    names: &mut BTreeSet<String>,
    emit: &mut Emit<'_>,
) -> StageState {
    let (a, _) = args(i);
    let kw = keyword(i);
    let mut state = StageState::default();
    if a.len() == 3 {
        let (as_kw, name) = (&a[1], &a[2]);
        if name.to_lowercase() != *name {
            emit(
                &rule::STAGE_NAME_CASING,
                format!("Stage name '{name}' should be lowercase"),
                i.line,
                i.end_line,
                Some(i),
            );
        }
        let from_lower = kw.to_lowercase() == kw;
        let from_upper = kw.to_uppercase() == kw;
        let matches = if from_lower {
            as_kw.to_lowercase() == *as_kw
        } else if from_upper {
            as_kw.to_uppercase() == *as_kw
        } else {
            true
        };
        if !matches {
            emit(
                &rule::FROM_AS_CASING,
                format!("'{as_kw}' and '{kw}' keywords' casing do not match"),
                i.line,
                i.end_line,
                Some(i),
            );
        }
        let lower = name.to_lowercase();
        if lower == "scratch" || lower == "context" {
            emit(
                &rule::RESERVED_STAGE_NAME,
                format!("Stage name should not use the same name as reserved stage \"{lower}\""),
                i.line,
                i.end_line,
                None,
            );
        }
        if !names.insert(lower.clone()) {
            emit(
                &rule::DUPLICATE_STAGE_NAME,
                format!("Duplicate stage name \"{lower}\", stage names should be unique"),
                i.line,
                i.end_line,
                None,
            );
        }
        definition_description("FROM", std::slice::from_ref(&lower), i, emit);
        state.name = Some(lower);
    }
    // Built on an earlier stage: its WORKDIR and SHELL carry over.
    if let Some(base) = a.first() {
        let base = base.to_lowercase();
        let parent = stages
            .iter()
            .rev()
            .find(|s| s.name.as_deref() == Some(base.as_str()))
            .or_else(|| base.parse::<usize>().ok().and_then(|n| stages.get(n)));
        if let Some(p) = parent {
            state.workdir_set = p.workdir_set;
            state.shell_set = p.shell_set;
        }
    }
    if let Some(platform) = i.flags.iter().find_map(|f| f.strip_prefix("--platform=")) {
        platform_flag(platform, state.name.as_deref(), i, emit);
    }
    state
}

/// RedundantTargetPlatform and FromPlatformFlagConstDisallowed.
fn platform_flag(value: &str, stage: Option<&str>, i: &Instruction, emit: &mut Emit<'_>) {
    if value == "$TARGETPLATFORM" || value == "${TARGETPLATFORM}" {
        emit(
            &rule::REDUNDANT_TARGET_PLATFORM,
            format!(
                "Setting platform to predefined {value} in FROM is redundant as this is the default behavior"
            ),
            i.line,
            i.end_line,
            Some(i),
        );
        return;
    }
    if value.contains('$') {
        return;
    }
    let Ok(p) = Platform::parse(value) else {
        return;
    };
    let stage = stage.unwrap_or_default();
    if stage.contains(&p.os) || stage.contains(&p.arch) {
        return;
    }
    emit(
        &rule::FROM_PLATFORM_FLAG_CONST_DISALLOWED,
        format!("FROM --platform flag should not use constant value \"{value}\""),
        i.line,
        i.end_line,
        Some(i),
    );
}

/// The rules of one instruction inside a stage.
fn instruction(i: &Instruction, stage: &mut StageState, emit: &mut Emit<'_>) {
    let at = (i.line, i.end_line);
    let name = keyword(i).to_string();
    match i.cmd.as_str() {
        "maintainer" => emit(
            &rule::MAINTAINER_DEPRECATED,
            "Maintainer instruction is deprecated in favor of using label".into(),
            at.0,
            at.1,
            Some(i),
        ),
        "env" | "label" => {
            if let Body::Pairs { pairs, legacy } = &i.body {
                if *legacy {
                    emit(
                        &rule::LEGACY_KEY_VALUE_FORMAT,
                        format!(
                            "\"{name} key=value\" should be used instead of legacy \"{name} key value\" format"
                        ),
                        at.0,
                        at.1,
                        Some(i),
                    );
                }
                if i.cmd == "env" {
                    for (key, _) in pairs {
                        secret(&name, key, i, emit);
                    }
                }
            }
        }
        "arg" => arg_secrets(i, emit),
        "workdir" => {
            let (a, _) = args(i);
            let path = a.join(" ");
            if !stage.workdir_set && !path.starts_with('/') && !path.starts_with('$') {
                emit(
                    &rule::WORKDIR_RELATIVE_PATH,
                    format!(
                        "Relative workdir \"{path}\" can have unexpected results if the base image changes"
                    ),
                    at.0,
                    at.1,
                    Some(i),
                );
            }
            stage.workdir_set = true;
        }
        "shell" => stage.shell_set = true,
        "cmd" | "entrypoint" | "healthcheck" => {
            let slot = match i.cmd.as_str() {
                "cmd" => &mut stage.cmd,
                "entrypoint" => &mut stage.entrypoint,
                _ => &mut stage.healthcheck,
            };
            // The earlier one is the one that is ignored: it is reported.
            if let Some((line, end)) = slot.replace(at) {
                emit(
                    &rule::MULTIPLE_INSTRUCTIONS_DISALLOWED,
                    format!(
                        "Multiple {name} instructions should not be used in the same stage because only the last one will be used"
                    ),
                    line,
                    end,
                    Some(i),
                );
            }
            let (_, json) = args(i);
            if i.cmd != "healthcheck" && !json && !stage.shell_set {
                emit(
                    &rule::JSON_ARGS_RECOMMENDED,
                    format!(
                        "JSON arguments recommended for {name} to prevent unintended behavior related to OS signals"
                    ),
                    at.0,
                    at.1,
                    Some(i),
                );
            }
        }
        "expose" => {
            let (a, _) = args(i);
            for port in a {
                expose(port, i, emit);
            }
        }
        _ => {}
    }
}

/// SecretsUsedInArgOrEnv for each ARG name, and the ARG's description comment.
fn arg_secrets(i: &Instruction, emit: &mut Emit<'_>) {
    let (a, _) = args(i);
    let keys: Vec<String> = a
        .iter()
        .map(|decl| {
            decl.split_once('=')
                .map_or(decl.as_str(), |(k, _)| k)
                .to_string()
        })
        .collect();
    for key in &keys {
        secret("ARG", key, i, emit);
    }
    definition_description("ARG", &keys, i, emit);
}

/// InvalidDefinitionDescription (experimental): the comment just above a named stage or an
/// ARG should start with its name (`# name description`).
fn definition_description(
    instruction: &str,
    keys: &[String],
    i: &Instruction,
    emit: &mut Emit<'_>,
) {
    let (Some(last), Some(first)) = (i.comments.last(), keys.first()) else {
        return;
    };
    let word = last.split(' ').next().unwrap_or_default();
    if keys.iter().any(|k| k == word) {
        return;
    }
    let example = if keys.len() > 1 { "<arg_key>" } else { first };
    emit(
        &rule::INVALID_DEFINITION_DESCRIPTION,
        format!("Comment for {instruction} should follow the format: `# {example} <description>`"),
        i.line,
        i.end_line,
        Some(i),
    );
}

/// Whether a name looks like it holds a secret, as BuildKit's `getSecretsRegex` decides: one of
/// its `_`-separated words (first or last, or the whole name) is a secret word and none is an
/// allowed one.
fn looks_secret(key: &str) -> bool {
    const DENY: &[&str] = &[
        "apikey",
        "auth",
        "credential",
        "credentials",
        "key",
        "password",
        "pword",
        "passwd",
        "secret",
        "token",
    ];
    const ALLOW: &[&str] = &["public", "file", "version"];
    let lower = key.to_lowercase();
    let words: Vec<&str> = lower.split('_').collect();
    // `(?:_|^)word(?:_|$)`: a whole `_`-delimited word anywhere.
    let has = |list: &[&str]| words.iter().any(|w| list.contains(w));
    has(DENY) && !has(ALLOW)
}

fn secret(instruction: &str, key: &str, i: &Instruction, emit: &mut Emit<'_>) {
    if looks_secret(key) {
        emit(
            &rule::SECRETS_USED_IN_ARG_OR_ENV,
            format!(
                "Do not use ARG or ENV instructions for sensitive data ({instruction} \"{key}\")"
            ),
            i.line,
            i.end_line,
            Some(i),
        );
    }
}

/// ExposeProtoCasing and ExposeInvalidFormat for one `[ip:][host:]port[/proto]`.
fn expose(raw: &str, i: &Instruction, emit: &mut Emit<'_>) {
    let (spec, proto) = match raw.rsplit_once('/') {
        Some((s, p)) => (s, p),
        None => (raw, ""),
    };
    if proto.to_lowercase() != proto {
        emit(
            &rule::EXPOSE_PROTO_CASING,
            format!("Defined protocol '{raw}' in EXPOSE instruction should be lowercase"),
            i.line,
            i.end_line,
            Some(i),
        );
    }
    // `[::1]:80:80` or `1.2.3.4:80:80` or `80:80`: anything before the container port.
    let mapped = if let Some(rest) = spec.strip_prefix('[') {
        rest.contains("]:")
    } else {
        spec.contains(':')
    };
    if mapped {
        emit(
            &rule::EXPOSE_INVALID_FORMAT,
            format!(
                "EXPOSE instruction should not define an IP address or host-port mapping, found '{raw}'"
            ),
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
    fn secret_names_as_buildkit_matches_them() {
        for yes in [
            "api_key",
            "DATABASE_PASSWORD",
            "GITHUB_TOKEN",
            "secret_MESSAGE",
            "AUTH",
        ] {
            assert!(looks_secret(yes), "{yes}");
        }
        for no in [
            "PUBLIC_KEY",
            "KEY_FILE",
            "TOKEN_VERSION",
            "monkey",
            "KEYS",
            "PATH",
        ] {
            assert!(!looks_secret(no), "{no}");
        }
    }
}
