//! Errors of the Dockerfile front end. Every one carries the 1-based line it is about so that the
//! CLI can print `FILE:LINE: message`.

/// A Dockerfile that Docker would reject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    /// 1-based line of the instruction at fault, as BuildKit reports it. BuildKit's quirks are
    /// kept: a bad parser directive is reported on the line before it (0 for the first line),
    /// a file without instructions on its last line (0 when empty).
    pub line: usize,
    /// What is wrong, in Docker's words where Docker has them.
    pub message: String,
}

impl ParseError {
    /// An error about `line`.
    pub fn new(line: usize, message: impl Into<String>) -> Self {
        Self {
            line,
            message: message.into(),
        }
    }
}
