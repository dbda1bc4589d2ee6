//! Physical lines: the scanner that hands them out with their line endings (and enforces
//! BuildKit's maximum line length), and the small per-line predicates and trims the parser
//! applies (comments, empty continuation lines, the line-continuation escape).

/// The longest line BuildKit's scanner accepts, in bytes, not counting the newline
/// (`bufio.MaxScanTokenSize - 1`).
pub(crate) const MAX_LINE_LEN: usize = 64 * 1024 - 1;

/// The error BuildKit reports for a line longer than [`MAX_LINE_LEN`].
pub(crate) fn line_too_long_message() -> String {
    format!("dockerfile line greater than max allowed size of {MAX_LINE_LEN}")
}

/// Yields the lines of a text, each with its `\n` kept (the last one may lack it).
///
/// Like Go's `bufio.Scanner`, it stops at the first line longer than [`MAX_LINE_LEN`] and
/// remembers that it did so in [`Lines::too_long`].
pub(crate) struct Lines<'a> {
    rest: &'a str,
    too_long: bool,
}

impl<'a> Lines<'a> {
    /// A scanner over `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        Self {
            rest: text,
            too_long: false,
        }
    }

    /// Whether scanning stopped on an over-long line.
    pub(crate) fn too_long(&self) -> bool {
        self.too_long
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        if self.too_long || self.rest.is_empty() {
            return None;
        }
        let (line, content_len) = match self.rest.find('\n') {
            Some(i) => (self.rest.get(..=i).unwrap_or(self.rest), i),
            None => (self.rest, self.rest.len()),
        };
        if content_len > MAX_LINE_LEN {
            self.too_long = true;
            return None;
        }
        self.rest = self.rest.get(line.len()..).unwrap_or("");
        Some(line)
    }
}

/// Removes every trailing `\r` and `\n` (Go's `bytes.TrimRight(line, "\r\n")`).
pub(crate) fn trim_newline(line: &str) -> &str {
    line.trim_end_matches(['\r', '\n'])
}

/// Removes leading Unicode whitespace (Go's `unicode.IsSpace`, which matches Rust's
/// `char::is_whitespace`).
pub(crate) fn trim_leading_whitespace(line: &str) -> &str {
    line.trim_start_matches(char::is_whitespace)
}

/// Whether the line is a comment: its first non-whitespace character is `#`.
pub(crate) fn is_comment(line: &str) -> bool {
    trim_leading_whitespace(line).starts_with('#')
}

/// Whether a continuation line is empty (only whitespace).
pub(crate) fn is_empty_continuation_line(line: &str) -> bool {
    trim_leading_whitespace(trim_newline(line)).is_empty()
}

/// Strips a line-continuation escape from the end of `line`.
///
/// Returns the line without the escape (and the blanks after it) and whether the logical line
/// ends here. Like BuildKit's regular expression `([^E])E[ \t]*$|^E[ \t]*$`, an escape preceded
/// by another escape is not a continuation.
pub(crate) fn trim_continuation(line: &str, escape: char) -> (&str, bool) {
    let body = line.trim_end_matches([' ', '\t']);
    let Some(before) = body.strip_suffix(escape) else {
        return (line, true);
    };
    if before.is_empty() || !before.ends_with(escape) {
        (before, false)
    } else {
        (line, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_their_endings() {
        let lines: Vec<_> = Lines::new("a\r\nb\n\nc").collect();
        assert_eq!(lines, ["a\r\n", "b\n", "\n", "c"]);
        assert_eq!(Lines::new("").count(), 0);
        assert_eq!(Lines::new("\n").collect::<Vec<_>>(), ["\n"]);
    }

    #[test]
    fn over_long_lines_stop_the_scanner() {
        let ok = "a".repeat(MAX_LINE_LEN);
        let text = format!("x\n{ok}\n{ok}");
        let mut lines = Lines::new(&text);
        assert_eq!(lines.by_ref().count(), 3);
        assert!(!lines.too_long());

        let long = "a".repeat(MAX_LINE_LEN + 1);
        let text = format!("x\n{long}\ny\n");
        let mut lines = Lines::new(&text);
        assert_eq!(lines.next(), Some("x\n"));
        assert_eq!(lines.next(), None);
        assert!(lines.too_long());
        assert_eq!(lines.next(), None);
    }

    #[test]
    fn trims() {
        assert_eq!(trim_newline("a\r\r\n"), "a");
        assert_eq!(trim_newline("a \n"), "a ");
        assert_eq!(trim_leading_whitespace("\u{a0}\t a "), "a ");
        assert!(is_comment("  # x"));
        assert!(!is_comment("x # y"));
        assert!(is_empty_continuation_line(" \t\r\n"));
        assert!(!is_empty_continuation_line(" x\n"));
    }

    #[test]
    fn continuations() {
        assert_eq!(trim_continuation("a \\", '\\'), ("a ", false));
        assert_eq!(trim_continuation("a\\ \t ", '\\'), ("a", false));
        assert_eq!(trim_continuation("\\", '\\'), ("", false));
        assert_eq!(trim_continuation("  \\  ", '\\'), ("  ", false));
        assert_eq!(trim_continuation("a\\\\", '\\'), ("a\\\\", true));
        assert_eq!(trim_continuation("\\\\", '\\'), ("\\\\", true));
        assert_eq!(trim_continuation("a", '\\'), ("a", true));
        assert_eq!(trim_continuation("", '\\'), ("", true));
        assert_eq!(trim_continuation("a `", '`'), ("a ", false));
        assert_eq!(trim_continuation("a \\", '`'), ("a \\", true));
        assert_eq!(trim_continuation("é\\", '\\'), ("é", false));
    }
}
