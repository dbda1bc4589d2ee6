//! What a check found: the rule, the message (BuildKit's wording for its rules), the lines, and
//! whether it counts as an error.

use super::rule::Rule;

/// How a finding counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// A suggestion (a rule marked `info`): reported, never an error.
    Info,
    /// Reported; the build goes on.
    Warning,
    /// `# check=error=true` on one of BuildKit's rules: the check (and a build) fails.
    Error,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule.
    pub rule: &'static Rule,
    /// What is wrong here.
    pub message: String,
    /// First line of the instruction at fault (1-based).
    pub line: usize,
    /// Its last line.
    pub end_line: usize,
    /// Warning, or error under `error=true`.
    pub level: Level,
}

impl Finding {
    /// BuildKit's short form: `RuleName: message (line N)`.
    pub fn short(&self) -> String {
        format!("{}: {} (line {})", self.rule.name, self.message, self.line)
    }
}
