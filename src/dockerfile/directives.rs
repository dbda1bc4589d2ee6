//! Parser directives (`# syntax=...`, `# escape=...`, `# check=...`): recognised only in the
//! comment lines at the very top of the file, each at most once.

use std::collections::BTreeSet;

/// The directive names BuildKit knows (compared lowercase).
const KNOWN: [&str; 3] = ["syntax", "escape", "check"];

/// A recognised directive: lowercase name and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Directive {
    /// `syntax`, `escape` or `check`.
    pub(crate) name: String,
    /// The value, surrounding blanks removed.
    pub(crate) value: String,
}

/// Looks for directives line by line until the first line that is not one.
#[derive(Debug, Default)]
pub(crate) struct DirectiveParser {
    done: bool,
    seen: BTreeSet<String>,
}

/// Go's regexp `\s`: ASCII blanks only (no vertical tab).
fn is_re_space(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\x0c' | '\r' | ' ')
}

/// Matches `^([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` as Go's regexp does.
fn match_directive(text: &str) -> Option<(&str, &str)> {
    let mut chars = text.char_indices();
    match chars.next() {
        Some((_, c)) if c.is_ascii_alphabetic() => {}
        _ => return None,
    }
    let name_end = text
        .char_indices()
        .skip(1)
        .find(|(_, c)| !c.is_ascii_alphanumeric())
        .map_or(text.len(), |(i, _)| i);
    let (name, after) = text.split_at(name_end);
    let after = after.trim_start_matches(is_re_space).strip_prefix('=')?;
    // `.` never matches a newline, so a value spanning one cannot match.
    if after.contains('\n') {
        return None;
    }
    let value = after.trim_start_matches(is_re_space);
    if !value.is_empty() {
        return Some((name, value.trim_end_matches(is_re_space)));
    }
    // Only blanks after `=`: the lazy `.+?` takes the last one of them.
    let last = after.char_indices().last()?;
    Some((name, after.get(last.0..).unwrap_or("")))
}

impl DirectiveParser {
    /// Examines one line (its newline already removed). Returns the directive it holds, `None`
    /// once directives are over (the first line that is not a directive ends them), or the
    /// error for a repeated directive.
    pub(crate) fn parse_line(&mut self, line: &str) -> Result<Option<Directive>, String> {
        if self.done {
            return Ok(None);
        }
        let Some(rest) = line.strip_prefix('#') else {
            self.done = true;
            return Ok(None);
        };
        let Some((name, value)) = match_directive(rest.trim_start_matches(char::is_whitespace))
        else {
            self.done = true;
            return Ok(None);
        };
        let name = name.to_ascii_lowercase();
        if !KNOWN.contains(&name.as_str()) {
            self.done = true;
            return Ok(None);
        }
        if !self.seen.insert(name.clone()) {
            return Err(format!("only one {name} parser directive can be used"));
        }
        Ok(Some(Directive {
            name,
            value: value.to_string(),
        }))
    }
}

/// Validates an `escape` directive's value: only a backslash or a backtick.
pub(crate) fn escape_token(value: &str) -> Result<char, String> {
    match value {
        "\\" => Ok('\\'),
        "`" => Ok('`'),
        _ => Err(format!(
            "invalid escape token '{value}' does not match ` or \\"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_all(text: &str) -> Result<Vec<(String, String)>, String> {
        let mut p = DirectiveParser::default();
        let mut out = Vec::new();
        for line in text.lines() {
            if let Some(d) = p.parse_line(line)? {
                out.push((d.name, d.value));
            }
        }
        Ok(out)
    }

    #[test]
    fn only_leading_known_directives() {
        let d = parse_all("#escape=\\\n# key = FOO bar\n\n# smth\n").unwrap();
        assert_eq!(d, [("escape".to_string(), "\\".to_string())]);
        let d = parse_all("# EScape=\\\n# KEY = FOO bar\n# syntax=x\n").unwrap();
        assert_eq!(d, [("escape".to_string(), "\\".to_string())]);
        let d = parse_all("# syntax = docker/dockerfile:1 // x  \n#check=skip=all\n").unwrap();
        assert_eq!(
            d,
            [
                ("syntax".to_string(), "docker/dockerfile:1 // x".to_string()),
                ("check".to_string(), "skip=all".to_string())
            ]
        );
        assert!(parse_all("FROM a\n# escape=`\n").unwrap().is_empty());
        assert!(parse_all("# comment\n# escape=`\n").unwrap().is_empty());
        assert!(parse_all("\n# escape=`\n").unwrap().is_empty());
    }

    #[test]
    fn duplicates_are_errors() {
        assert_eq!(
            parse_all("# escape=`\n# ESCAPE=\\\n"),
            Err("only one escape parser directive can be used".to_string())
        );
    }

    #[test]
    fn regex_corners() {
        assert_eq!(match_directive("a=b"), Some(("a", "b")));
        assert_eq!(match_directive("a \t= \t b c \t"), Some(("a", "b c")));
        assert_eq!(match_directive("a=  "), Some(("a", " ")));
        assert_eq!(match_directive("a="), None);
        assert_eq!(match_directive("1a=b"), None);
        assert_eq!(match_directive("a-b=c"), None);
        assert_eq!(match_directive("a=\u{a0}"), Some(("a", "\u{a0}")));
        assert_eq!(match_directive(""), None);
    }

    #[test]
    fn escape_tokens() {
        assert_eq!(escape_token("`"), Ok('`'));
        assert_eq!(escape_token("\\"), Ok('\\'));
        assert_eq!(
            escape_token("x"),
            Err("invalid escape token 'x' does not match ` or \\".to_string())
        );
    }
}
