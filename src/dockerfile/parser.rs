//! Text -> raw [`Dockerfile`]: BuildKit's `parser.Parse` loop (directives, comments, line
//! continuations, heredoc bodies and line numbers).

use std::collections::BTreeMap;

use super::ast::{Body, Heredoc, Instruction, Warning};
use super::directives::{DirectiveParser, escape_token};
use super::dispatch::instruction_from_line;
use super::heredoc::heredocs_from_line;
use super::lines::{
    Lines, is_comment, is_empty_continuation_line, line_too_long_message, trim_continuation,
    trim_leading_whitespace, trim_newline,
};
use super::{Dockerfile, ParseError};

/// Parses Dockerfile text exactly as Docker's (BuildKit's) parser does.
///
/// Errors carry the line BuildKit reports: the first line of the instruction at fault; for a
/// bad parser directive BuildKit reports the line *before* it (0 for the first line); for a file
/// without instructions, the number of lines read.
pub fn parse(text: &str) -> Result<Dockerfile, ParseError> {
    let mut state = State {
        escape: '\\',
        directive_parser: DirectiveParser::default(),
        directives: BTreeMap::new(),
        directive_count: 0,
    };
    let mut lines = Lines::new(text);
    let mut current = 0usize;
    let mut instructions = Vec::new();
    let mut warnings = Vec::new();
    let mut comments: Vec<String> = Vec::new();

    while let Some(raw) = lines.next() {
        let raw = match current {
            0 => raw.strip_prefix('\u{feff}').unwrap_or(raw),
            _ => raw,
        };
        if is_comment(raw) {
            // BuildKit takes the text after the line's first byte, trimmed.
            let text = raw.get(1..).unwrap_or_default().trim();
            if text.is_empty() {
                comments.clear();
            } else {
                comments.push(text.to_string());
            }
        }
        let directives = state.directive_count;
        let token = state
            .process_line(raw, true)
            .map_err(|m| ParseError::new(current, m))?;
        if state.directive_count > directives {
            comments.pop();
        }
        current += 1;
        let start = current;
        let (first, mut end_of_line) = trim_continuation(token, state.escape);
        if end_of_line && first.is_empty() {
            continue;
        }
        let mut line = first.to_string();
        let mut has_empty_continuation = false;
        while !end_of_line {
            let Some(raw) = lines.next() else { break };
            let token = state
                .process_line(raw, false)
                .map_err(|m| ParseError::new(current, m))?;
            current += 1;
            if is_comment(raw) {
                continue;
            }
            if is_empty_continuation_line(token) {
                has_empty_continuation = true;
                continue;
            }
            let (part, end) = trim_continuation(token, state.escape);
            end_of_line = end;
            line.push_str(part);
        }

        if has_empty_continuation {
            warnings.push(Warning {
                line: current,
                message: format!("Empty continuation line found in: {line}"),
            });
        }

        let mut instruction =
            instruction_from_line(&line, state.escape).map_err(|m| ParseError::new(start, m))?;
        if can_contain_heredoc(&instruction) && line.contains("<<") {
            let headers = heredocs_from_line(&line).map_err(|m| ParseError::new(start, m))?;
            for header in headers {
                let mut content = String::new();
                let mut terminated = false;
                for raw in lines.by_ref() {
                    current += 1;
                    let mut candidate = trim_newline(raw);
                    if header.chomp {
                        candidate = candidate.trim_start_matches('\t');
                    }
                    if candidate == header.name {
                        terminated = true;
                        break;
                    }
                    content.push_str(raw);
                }
                if !terminated {
                    return Err(ParseError::new(start, "unterminated heredoc"));
                }
                instruction.heredocs.push(Heredoc {
                    name: header.name,
                    content,
                    expand: header.expand,
                    chomp: header.chomp,
                });
            }
        }
        set_lines(&mut instruction, start, current);
        instruction.comments = std::mem::take(&mut comments);
        instructions.push(instruction);
    }

    if instructions.is_empty() {
        return Err(ParseError::new(current, "file with no instructions"));
    }
    if lines.too_long() {
        return Err(ParseError::new(current, line_too_long_message()));
    }
    Ok(Dockerfile {
        escape: state.escape,
        directives: state.directives,
        instructions,
        warnings,
    })
}

/// What the parser carries from line to line.
struct State {
    escape: char,
    directive_parser: DirectiveParser,
    directives: BTreeMap<String, String>,
    /// How many directive lines were read (a comment that is a directive is no comment).
    directive_count: usize,
}

impl State {
    /// BuildKit's `processLine`: trims the newline (and leading blanks on an instruction's first
    /// line), records a parser directive, and blanks out comments.
    fn process_line<'a>(&mut self, raw: &'a str, strip_left: bool) -> Result<&'a str, String> {
        let mut token = trim_newline(raw);
        if strip_left {
            token = trim_leading_whitespace(token);
        }
        if let Some(directive) = self.directive_parser.parse_line(token)? {
            if directive.name == "escape" {
                self.escape = escape_token(&directive.value)?;
            }
            self.directives.insert(directive.name, directive.value);
            self.directive_count += 1;
        }
        Ok(if is_comment(token) { "" } else { token })
    }
}

/// Heredocs are read for RUN, COPY and ADD in shell form, also behind ONBUILD (where BuildKit
/// attaches them to the ONBUILD instruction).
fn can_contain_heredoc(instruction: &Instruction) -> bool {
    let target = match &instruction.body {
        Body::Inner { inner } if instruction.cmd == "onbuild" => inner,
        _ => instruction,
    };
    matches!(target.cmd.as_str(), "run" | "copy" | "add") && !target.is_json()
}

fn set_lines(instruction: &mut Instruction, start: usize, end: usize) {
    instruction.line = start;
    instruction.end_line = end;
    if let Body::Inner { inner } = &mut instruction.body {
        set_lines(inner, start, end);
    }
}

#[cfg(test)]
mod tests;
