//! Word splitting as BuildKit's line parsers do it: the `[\t\v\f\r ]+` separator, the
//! quote-aware `parseWords` (quotes and escapes kept), and the Go character classes they use.

/// BuildKit's `reWhitespace` class: `[\t\v\f\r ]` (ASCII only, no newline).
pub(crate) fn is_separator(c: char) -> bool {
    matches!(c, '\t' | '\x0b' | '\x0c' | '\r' | ' ')
}

/// Go's `unicode.IsSpace(rune(b))` applied to a single byte, as BuildKit does when it walks a
/// string byte by byte: ASCII blanks plus 0x85 and 0xA0 (Latin-1 NEL and NBSP).
pub(crate) fn is_space_byte(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0x85 | 0xa0)
}

/// Go's `strings.TrimSpace` (Unicode whitespace, which is Rust's `char::is_whitespace`).
pub(crate) fn trim_space(s: &str) -> &str {
    s.trim_matches(char::is_whitespace)
}

/// Go's `regexp.MustCompile("[\t\v\f\r ]+").Split(s, limit)`, quirks included (a leading
/// separator yields an empty first field, a trailing one an empty last field). `limit` of
/// `None` means no limit.
pub(crate) fn split_separators(s: &str, limit: Option<usize>) -> Vec<&str> {
    if limit == Some(0) {
        return Vec::new();
    }
    if s.is_empty() {
        return vec![""];
    }
    // Separator runs as (start, end) byte ranges.
    let mut runs = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        match (is_separator(c), start) {
            (true, None) => start = Some(i),
            (false, Some(st)) => {
                runs.push((st, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(st) = start {
        runs.push((st, s.len()));
    }
    if let Some(n) = limit {
        runs.truncate(n);
    }
    let mut fields = Vec::new();
    let (mut beg, mut end) = (0, 0);
    for (m0, m1) in runs {
        if limit.is_some_and(|n| fields.len() + 1 == n) {
            break;
        }
        end = m0;
        if m1 != 0 {
            fields.push(s.get(beg..end).unwrap_or(""));
        }
        beg = m1;
    }
    if end != s.len() {
        fields.push(s.get(beg..).unwrap_or(""));
    }
    fields
}

/// Go's `strings.ToLower` for an instruction keyword: per character, simple case mapping.
pub(crate) fn go_lower(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            // The one character whose full lowercase mapping is two characters; Go's simple
            // mapping gives a plain `i`.
            '\u{130}' => 'i',
            c => c.to_lowercase().next().unwrap_or(c),
        })
        .collect()
}

/// BuildKit's `parseWords`: splits on Unicode whitespace outside quotes, keeping quotes and
/// escapes in the words (they are removed later, when the words are expanded).
pub(crate) fn parse_words(rest: &str, escape: char) -> Vec<String> {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut quote = '\0';
    let mut blank_ok = false;
    let mut word = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(ch) = chars.next() {
        let at_end = chars.peek().is_none();
        if phase == Phase::Spaces {
            if ch.is_whitespace() {
                continue;
            }
            phase = Phase::Word;
        }
        if phase == Phase::Word {
            if ch.is_whitespace() {
                phase = Phase::Spaces;
                if blank_ok || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                word.clear();
                blank_ok = false;
                continue;
            }
            if ch == '\'' || ch == '"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
            }
            if ch == escape {
                if at_end {
                    continue; // an escape at the very end is dropped
                }
                word.push(ch);
                if let Some(next) = chars.next() {
                    word.push(next);
                }
                continue;
            }
            word.push(ch);
            continue;
        }
        // Inside quotes.
        if ch == quote {
            phase = Phase::Word;
        }
        if ch == escape && quote != '\'' {
            if at_end {
                phase = Phase::Word;
                continue;
            }
            word.push(ch);
            if let Some(next) = chars.next() {
                word.push(next);
            }
            continue;
        }
        word.push(ch);
    }
    if phase != Phase::Spaces && (blank_ok || !word.is_empty()) {
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_split_like_go() {
        assert_eq!(split_separators("a b\t\tc", None), ["a", "b", "c"]);
        assert_eq!(split_separators("a b c", Some(2)), ["a", "b c"]);
        assert_eq!(split_separators("abc", Some(2)), ["abc"]);
        assert_eq!(split_separators("", Some(2)), [""]);
        assert_eq!(split_separators(" a ", None), ["", "a", ""]);
        assert_eq!(split_separators("a\u{a0}b\nc", None), ["a\u{a0}b\nc"]);
        assert_eq!(split_separators("a\x0bb", Some(2)), ["a", "b"]);
    }

    #[test]
    fn byte_spaces() {
        assert!(is_space_byte(0xa0));
        assert!(is_space_byte(0x85));
        assert!(!is_space_byte(0xc2));
        assert_eq!(trim_space("\u{3000} a\u{a0}\n"), "a");
    }

    #[test]
    fn lowercase() {
        assert_eq!(go_lower("RUN"), "run");
        assert_eq!(go_lower("ΟΔΟΣ"), "οδοσ");
        assert_eq!(go_lower("\u{130}X"), "ix");
        assert_eq!(go_lower("HEALTHCHEC\u{212a}"), "healthcheck");
    }

    #[test]
    fn words_like_buildkit() {
        let w = |s| parse_words(s, '\\');
        assert_eq!(w("foo"), ["foo"]);
        assert_eq!(w("foo bar"), ["foo", "bar"]);
        assert_eq!(w("foo\\ bar"), ["foo\\ bar"]);
        assert_eq!(w("foo=bar"), ["foo=bar"]);
        assert_eq!(w("foo bar 'abc xyz'"), ["foo", "bar", "'abc xyz'"]);
        assert_eq!(w("foo bar \"abc xyz\""), ["foo", "bar", "\"abc xyz\""]);
        assert_eq!(w("àöû"), ["àöû"]);
        assert_eq!(w("föo bàr \"âbc xÿz\""), ["föo", "bàr", "\"âbc xÿz\""]);
        assert_eq!(w("a=\"\" b"), ["a=\"\"", "b"]);
        assert_eq!(w("\"\""), ["\"\""]);
        assert_eq!(w("a\\"), ["a"]);
        assert_eq!(w("'a\\'b'"), ["'a\\'b'"]);
        assert_eq!(w("\"a\\\"b c\" d"), ["\"a\\\"b c\"", "d"]);
        assert_eq!(w("\"a\\"), ["\"a"]);
        assert_eq!(w("a\\ "), ["a\\ "]);
        assert_eq!(w("x\u{a0}y"), ["x", "y"]);
        assert_eq!(parse_words("a` b", '`'), ["a` b"]);
        assert!(w("").is_empty());
        assert!(w("  ").is_empty());
    }
}
