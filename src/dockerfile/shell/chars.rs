//! Character classes as Go's `unicode` package defines them, and Go's `%q` quoting.
//!
//! BuildKit decides what a variable name is with `unicode.IsLetter` (category L) and
//! `unicode.IsDigit` (category Nd), and splits words on `unicode.IsSpace`. Rust's
//! `char::is_alphabetic`/`is_numeric` use wider Unicode properties, so the exact general
//! categories are checked with `regex` classes for non-ASCII characters.

use std::sync::LazyLock;

use regex::Regex;

/// One-character matchers for the Unicode general categories Go's predicates use.
struct Classes {
    letter: Option<Regex>,
    digit: Option<Regex>,
    print: Option<Regex>,
}

static CLASSES: LazyLock<Classes> = LazyLock::new(|| Classes {
    letter: Regex::new(r"\A\p{L}\z").ok(),
    digit: Regex::new(r"\A\p{Nd}\z").ok(),
    print: Regex::new(r"\A[\p{L}\p{M}\p{N}\p{P}\p{S}]\z").ok(),
});

fn class_matches(class: Option<&Regex>, ch: char) -> bool {
    let mut buf = [0u8; 4];
    class.is_some_and(|re| re.is_match(ch.encode_utf8(&mut buf)))
}

/// Go's `unicode.IsLetter`: general category L.
pub(crate) fn is_letter(ch: char) -> bool {
    if ch.is_ascii() {
        ch.is_ascii_alphabetic()
    } else {
        class_matches(CLASSES.letter.as_ref(), ch)
    }
}

/// Go's `unicode.IsDigit`: general category Nd.
pub(crate) fn is_digit(ch: char) -> bool {
    if ch.is_ascii() {
        ch.is_ascii_digit()
    } else {
        class_matches(CLASSES.digit.as_ref(), ch)
    }
}

/// Go's `unicode.IsSpace`, which is the Unicode `White_Space` property, as Rust's.
pub(crate) fn is_space(ch: char) -> bool {
    ch.is_whitespace()
}

/// The blanks BuildKit skips after `<<` (its `isWhitespace`).
pub(crate) fn is_heredoc_blank(ch: char) -> bool {
    matches!(ch, '\t' | '\r' | ' ')
}

/// POSIX special parameters (`$@`, `$*`, `$#`, `$?`, `$-`, `$$`, `$!`, `$0`).
pub(crate) fn is_special_param(ch: char) -> bool {
    matches!(ch, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0')
}

/// Go's `unicode.IsPrint`: categories L, M, N, P, S and the ASCII space.
fn is_print(ch: char) -> bool {
    if ch.is_ascii() {
        (' '..='~').contains(&ch)
    } else {
        class_matches(CLASSES.print.as_ref(), ch)
    }
}

/// How Go's `fmt` prints a rune that is really "end of input" (`%c` / `string(rune(-1))`).
pub(crate) const EOF_RUNE: char = '\u{FFFD}';

/// The text Go's `%q` (`strconv.Quote`) makes of `s`, for error messages.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' | '\\' => {
                out.push('\\');
                out.push(ch);
            }
            _ if is_print(ch) => out.push(ch),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            _ if ch < ' ' || ch == '\u{7f}' => out.push_str(&format!("\\x{:02x}", u32::from(ch))),
            _ if u32::from(ch) < 0x10000 => out.push_str(&format!("\\u{:04x}", u32::from(ch))),
            _ => out.push_str(&format!("\\U{:08x}", u32::from(ch))),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_and_digits_follow_go_categories() {
        assert!(is_letter('a') && is_letter('Z') && is_letter('한') && is_letter('é'));
        assert!(!is_letter('_') && !is_letter('1') && !is_letter('\u{2160}'));
        assert!(is_digit('7') && is_digit('\u{661}'));
        // Roman numeral (Nl) and superscript two (No) are numeric in Rust but not Go digits.
        assert!(!is_digit('\u{2160}') && !is_digit('\u{b2}') && !is_digit('a'));
    }

    #[test]
    fn spaces_follow_white_space() {
        for ch in [
            ' ', '\t', '\n', '\u{b}', '\u{c}', '\r', '\u{85}', '\u{a0}', '\u{3000}',
        ] {
            assert!(is_space(ch), "{ch:?}");
        }
        assert!(!is_space('\u{200b}') && !is_space('x'));
    }

    #[test]
    fn quote_matches_go() {
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote("\t\n\u{1}\u{7f}"), r#""\t\n\x01\x7f""#);
        assert_eq!(go_quote("안녕 é"), "\"안녕 é\"");
        assert_eq!(go_quote("\u{feff}\u{a0}"), r#""\ufeff\u00a0""#);
        assert_eq!(go_quote("\u{e0001}"), r#""\U000e0001""#);
        assert_eq!(go_quote("👽"), "\"👽\"");
    }
}
