//! Shell patterns in `${VAR#pat}`, `${VAR%pat}` and `${VAR/pat/repl}`, as BuildKit handles them.
//!
//! A pattern becomes a regular expression: `*` is any run of characters (lazy for the shortest
//! forms), `?` any one character, `\*`, `\?` and `\\` are literal, `\}` and `\/` are the bare
//! character, and any other `\x` is an error. Bracket expressions are not supported: `[` is a
//! literal. Suffix trimming reverses the value and the pattern and trims a prefix. `//` replaces
//! with Go's `ReplaceAllString`, so `$0` in the replacement is the match and `$$` is `$`.

use regex::Regex;

use super::chars::{EOF_RUNE, is_digit, is_letter};

/// BuildKit's `convertShellPatternToRegex`: the regular expression for a shell pattern.
///
/// The text is the one Go builds (so messages and tests can compare it); it means the same to the
/// `regex` crate, which like Go's RE2 uses leftmost-first matching.
pub(crate) fn pattern_to_regex_text(
    pattern: &str,
    greedy: bool,
    anchored: bool,
) -> Result<String, String> {
    // Go's text/scanner skips a byte-order mark at the start of its input.
    let pattern = pattern.strip_prefix('\u{feff}').unwrap_or(pattern);
    let mut out = String::with_capacity(pattern.len() + 4);
    if anchored {
        out.push('^');
    }
    let star = if greedy { ".*" } else { ".*?" };
    let mut chars = pattern.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '*' => out.push_str(star),
            '?' => out.push('.'),
            '\\' => {
                // `\}` and `\/` only keep the brace or slash from ending the `${}`.
                if matches!(chars.peek(), Some('}' | '/')) {
                    continue;
                }
                match chars.next() {
                    Some(escaped @ ('*' | '?' | '\\')) => {
                        out.push('\\');
                        out.push(escaped);
                    }
                    other => {
                        return Err(format!("invalid escape '\\{}'", other.unwrap_or(EOF_RUNE)));
                    }
                }
            }
            '[' | ']' | '{' | '}' | '.' | '+' | '(' | ')' | '|' | '^' | '$' => {
                out.push('\\');
                out.push(ch);
            }
            _ => out.push(ch),
        }
    }
    Ok(out)
}

/// The compiled regular expression for a shell pattern.
pub(crate) fn pattern_to_regex(
    pattern: &str,
    greedy: bool,
    anchored: bool,
) -> Result<Regex, String> {
    let text = pattern_to_regex_text(pattern, greedy, anchored)?;
    Regex::new(&text).map_err(|e| e.to_string())
}

fn invalid_pattern(pattern: &str, err: &str) -> String {
    format!("invalid pattern ({pattern}) in substitution: {err}")
}

/// `${VAR#pattern}` (shortest) and `${VAR##pattern}` (longest): `value` without the prefix the
/// pattern matches.
pub(crate) fn trim_prefix(pattern: &str, value: &str, greedy: bool) -> Result<String, String> {
    let re = pattern_to_regex(pattern, greedy, true).map_err(|e| invalid_pattern(pattern, &e))?;
    Ok(match re.find(value) {
        Some(m) => value[m.end()..].to_string(),
        None => value.to_string(),
    })
}

/// `${VAR%pattern}` and `${VAR%%pattern}`: a prefix trim of the reversed value with the reversed
/// pattern (errors name the reversed pattern, as BuildKit's do).
pub(crate) fn trim_suffix(pattern: &str, value: &str, greedy: bool) -> Result<String, String> {
    let trimmed = trim_prefix(&reverse_pattern(pattern), &reverse_string(value), greedy)?;
    Ok(reverse_string(&trimmed))
}

/// Reverses a pattern but keeps each `\x` escape pair in order (`a\*c` becomes `c\*a`).
pub(crate) fn reverse_pattern(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut units: Vec<&[char]> = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let len = if chars[i] == '\\' && i + 1 < chars.len() {
            2
        } else {
            1
        };
        units.push(&chars[i..i + len]);
        i += len;
    }
    units.iter().rev().flat_map(|unit| unit.iter()).collect()
}

/// The characters of `s` in reverse order.
pub(crate) fn reverse_string(s: &str) -> String {
    s.chars().rev().collect()
}

/// `${VAR/pattern/replacement}` (first match, replacement taken literally) and
/// `${VAR//pattern/replacement}` (every match, replacement expanded like Go's `Regexp.Expand`).
pub(crate) fn replace(
    pattern: &str,
    replacement: &str,
    value: &str,
    all: bool,
) -> Result<String, String> {
    let re = pattern_to_regex(pattern, true, false).map_err(|e| invalid_pattern(pattern, &e))?;
    if !all {
        return Ok(match re.find(value) {
            Some(m) => format!("{}{replacement}{}", &value[..m.start()], &value[m.end()..]),
            None => value.to_string(),
        });
    }
    // Go's ReplaceAllString loop: an empty match right after a match is not replaced, and the
    // search always moves on by at least one character.
    let mut out = String::with_capacity(value.len());
    let mut last_end = 0;
    let mut search = 0;
    while search <= value.len() {
        let Some(m) = re.find_at(value, search) else {
            break;
        };
        out.push_str(&value[last_end..m.start()]);
        if m.end() > last_end || m.start() == 0 {
            expand_template(replacement, m.as_str(), &mut out);
        }
        last_end = m.end();
        let width = value[search..].chars().next().map_or(0, char::len_utf8);
        if search + width > m.end() {
            search += width;
        } else if search + 1 > m.end() {
            search += 1;
        } else {
            search = m.end();
        }
    }
    out.push_str(&value[last_end..]);
    Ok(out)
}

/// Go's `Regexp.Expand` for a regular expression whose only group is the whole match (group 0):
/// `$$` is `$`, `$0`/`${0}` is the match, any other `$name`/`${name}` is empty, and a `$` that
/// starts no name is kept.
fn expand_template(template: &str, matched: &str, out: &mut String) {
    let mut rest = template;
    while let Some(dollar) = rest.find('$') {
        out.push_str(&rest[..dollar]);
        rest = &rest[dollar + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
            continue;
        }
        match template_name(rest) {
            Some((name, after)) => {
                if name == "0" {
                    out.push_str(matched);
                }
                rest = after;
            }
            None => out.push('$'),
        }
    }
    out.push_str(rest);
}

/// A group reference at the start of `s` (after the `$`): its name and the text after it.
fn template_name(s: &str) -> Option<(&str, &str)> {
    let (braced, body) = match s.strip_prefix('{') {
        Some(body) => (true, body),
        None => (false, s),
    };
    let len = body
        .char_indices()
        .find(|&(_, c)| !(is_letter(c) || is_digit(c) || c == '_'))
        .map_or(body.len(), |(i, _)| i);
    if len == 0 {
        return None;
    }
    let (name, after) = body.split_at(len);
    if braced {
        let after = after.strip_prefix('}')?;
        return Some((name, after));
    }
    Some((name, after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_like_buildkit() {
        let cases = [
            ("*", "^.*"),
            ("?", "^."),
            ("\\*", "^\\*"),
            (
                "(()[]{\\}^$.\\*\\?|\\\\",
                "^\\(\\(\\)\\[\\]\\{\\}\\^\\$\\.\\*\\?\\|\\\\",
            ),
        ];
        for (pattern, expected) in cases {
            assert_eq!(
                pattern_to_regex_text(pattern, true, true).as_deref(),
                Ok(expected)
            );
            assert!(pattern_to_regex(pattern, true, true).is_ok());
        }
        assert_eq!(
            pattern_to_regex_text("a*\\/", false, false).as_deref(),
            Ok("a.*?/")
        );
        for pattern in ["\\", "\\x", "\\\\\\"] {
            assert!(
                pattern_to_regex_text(pattern, true, true).is_err(),
                "{pattern}"
            );
        }
        assert_eq!(
            pattern_to_regex_text("\\", true, true),
            Err("invalid escape '\\\u{fffd}'".into())
        );
        assert_eq!(
            pattern_to_regex_text("\\x", true, true),
            Err("invalid escape '\\x'".into())
        );
    }

    #[test]
    fn characters_rust_treats_specially_stay_literal() {
        let re = pattern_to_regex("#&-~ \t\u{0}", true, true);
        assert!(re.is_ok_and(|re| re.is_match("#&-~ \t\u{0}")));
    }

    #[test]
    fn reverses() {
        assert_eq!(reverse_string("54321"), "12345");
        assert_eq!(reverse_string("🖖🚀👽"), "👽🚀🖖");
        let cases = [
            ("a\\*c", "c\\*a"),
            ("\\\\\\ab", "b\\a\\\\"),
            ("ab\\", "\\ba"),
            ("👽\\🚀🖖", "🖖\\🚀👽"),
            ("\\\\b", "b\\\\"),
        ];
        for (pattern, expected) in cases {
            assert_eq!(reverse_pattern(pattern), expected, "{pattern}");
        }
    }

    #[test]
    fn trims() {
        assert_eq!(trim_prefix("*x", "axbxc", false).as_deref(), Ok("bxc"));
        assert_eq!(trim_prefix("*x", "axbxc", true).as_deref(), Ok("c"));
        assert_eq!(trim_suffix("x*", "axbxc", false).as_deref(), Ok("axb"));
        assert_eq!(trim_suffix("x*", "axbxc", true).as_deref(), Ok("a"));
        assert_eq!(trim_suffix("한*", "a한b한c", false).as_deref(), Ok("a한b"));
        assert_eq!(
            trim_suffix("a\\x", "v", false),
            Err("invalid pattern (\\xa) in substitution: invalid escape '\\x'".into())
        );
    }

    #[test]
    fn replaces_like_go() {
        assert_eq!(replace("", "ww", "xxyy", false).as_deref(), Ok("wwxxyy"));
        assert_eq!(replace("", "-", "ab", true).as_deref(), Ok("-a-b-"));
        assert_eq!(replace("*", "x", "abc", true).as_deref(), Ok("x"));
        assert_eq!(replace("*", "x", "", true).as_deref(), Ok("x"));
        assert_eq!(replace("b*", "X", "abcb", true).as_deref(), Ok("aX"));
        assert_eq!(
            replace("b", "<$0>", "abcb", true).as_deref(),
            Ok("a<b>c<b>")
        );
        assert_eq!(
            replace("b", "<$0>", "abcb", false).as_deref(),
            Ok("a<$0>cb")
        );
        assert_eq!(
            replace("b", "${0}$$$1$x$00$", "ab", true).as_deref(),
            Ok("ab$$")
        );
        assert_eq!(
            replace("b", "${0$.${}", "ab", true).as_deref(),
            Ok("a${0$.${}")
        );
        assert_eq!(replace("é", "e", "éé", true).as_deref(), Ok("ee"));
    }
}
