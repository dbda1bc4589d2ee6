//! CopyIgnoredFile, as BuildKit's `validateCopySourcePath` decides it: a COPY or ADD from the
//! context (no `--from`) names a source that `.dockerignore` excludes (itself or a parent).
//! Not checked when `.dockerignore` has exceptions (`!`): a directory may be excluded and a
//! file in it let back in, which no reading of the patterns alone can settle. `.` and `/`
//! count only when a pattern excludes everything (`*`, `**`, `**/*`). Sources with variables,
//! URLs, git sources and heredocs are not files of the context as written: not checked.

use super::buildkit::Emit;
use super::rule;
use crate::context::dockerignore::PatternMatcher;
use crate::dockerfile::ast::{Body, Dockerfile, Instruction};

/// Go's `filepath.Clean` of a slash path (enough for source paths: `.`, `..`, doubled and
/// trailing slashes).
fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if rooted => {}
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

fn excludes_everything(matcher: &PatternMatcher) -> bool {
    matcher
        .patterns()
        .iter()
        .any(|p| !p.is_exclusion() && matches!(p.as_str(), "*" | "**" | "**/*"))
}

/// Runs the rule over every COPY and ADD of `df`.
pub(super) fn check(df: &Dockerfile, matcher: &PatternMatcher, emit: &mut Emit<'_>) {
    if matcher.has_exclusions() {
        return;
    }
    for i in &df.instructions {
        copy(i, matcher, emit);
    }
}

fn copy(i: &Instruction, matcher: &PatternMatcher, emit: &mut Emit<'_>) {
    let verb = match i.cmd.as_str() {
        "copy" => "Copy",
        "add" => "Add",
        _ => return,
    };
    if i.flags.iter().any(|f| f.starts_with("--from=")) {
        return;
    }
    let Body::Args { args, .. } = &i.body else {
        return;
    };
    let Some((_, sources)) = args.split_last() else {
        return;
    };
    for src in sources {
        let remote = src.contains("://") || src.starts_with("git@");
        if remote || src.starts_with("<<") || src.contains('$') {
            continue;
        }
        let path = clean(src);
        if (path == "." || path == "/") && !excludes_everything(matcher) {
            continue;
        }
        if matcher.matches_or_parent_matches(path.trim_start_matches('/')) {
            emit(
                &rule::COPY_IGNORED_FILE,
                format!("Attempting to {verb} file \"{path}\" that is excluded by .dockerignore"),
                i.line,
                i.end_line,
                Some(i),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_clean_as_go_cleans_them() {
        assert_eq!(clean("./Dockerfile"), "Dockerfile");
        assert_eq!(clean("a//b/../c/"), "a/c");
        assert_eq!(clean("."), ".");
        assert_eq!(clean("/"), "/");
        assert_eq!(clean("../x"), "../x");
    }
}
