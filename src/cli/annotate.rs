//! GitHub Actions workflow commands for failures: when `GITHUB_ACTIONS=true`, an error that names
//! a Dockerfile line (`path/Dockerfile:3: unknown instruction: FOO`, a RUN step that exited
//! non-zero, ...) is also printed as `::error file=...,line=...::message`, which GitHub shows as
//! an annotation on that line of the pull request.

use std::path::Path;

/// The `::error` command for `message` when it starts with `<file>:<line>: `; `file` is made
/// relative to `workspace` (`$GITHUB_WORKSPACE`) when inside it.
pub(crate) fn error_annotation(message: &str, workspace: Option<&Path>) -> Option<String> {
    let first = message.lines().next()?;
    let (location, text) = first.split_once(": ")?;
    let (file, line) = location.rsplit_once(':')?;
    let line: usize = line.parse().ok()?;
    if file.is_empty() || file.contains(' ') || file.contains("://") {
        return None;
    }
    let path = Path::new(file);
    let shown = workspace
        .and_then(|w| path.strip_prefix(w).ok())
        .unwrap_or(path)
        .display()
        .to_string();
    // The rest of the message (a RUN step's last output) goes into the annotation too.
    let rest: Vec<&str> = message.lines().skip(1).collect();
    let mut body = text.to_string();
    if !rest.is_empty() {
        body.push('\n');
        body.push_str(&rest.join("\n"));
    }
    Some(format!(
        "::error file={},line={line}::{}",
        escape_property(&shown),
        escape_data(&body)
    ))
}

/// Escapes a command's message as the runner expects (`%`, CR, LF).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property (also `:` and `,`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerfile_errors_become_annotations_on_their_line() {
        let ws = Path::new("/home/runner/work/app/app");
        assert_eq!(
            error_annotation(
                "/home/runner/work/app/app/svc/Dockerfile:2: unknown instruction: FOO",
                Some(ws)
            )
            .as_deref(),
            Some("::error file=svc/Dockerfile,line=2::unknown instruction: FOO")
        );
        assert_eq!(
            error_annotation(
                "Dockerfile:7: RUN \"make\" exited with code 2; last output:\nerror: 50%",
                None
            )
            .as_deref(),
            Some(
                "::error file=Dockerfile,line=7::RUN \"make\" exited with code 2; last output:%0Aerror: 50%25"
            )
        );
        assert_eq!(
            error_annotation("/x: build context is not a directory", None),
            None
        );
        assert_eq!(
            error_annotation("cache export to gha failed: 429", None),
            None
        );
    }
}
