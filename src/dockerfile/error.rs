//! Errors of the Dockerfile front end. Every one carries the 1-based line it is about so that the
//! CLI can print `FILE:LINE: message`.

/// A Dockerfile that Docker would reject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ParseError {
    /// 1-based line of the instruction (or directive) at fault.
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
