//! Splitting a logical line into keyword, `--flags` and the rest (BuildKit's `splitCommand`
//! and `extractBuilderFlags`).
//!
//! BuildKit walks the flags byte by byte and turns each byte into a character on its own, so a
//! non-ASCII byte in a flag becomes its Latin-1 character, and the bytes 0x85 and 0xA0 (parts of
//! some UTF-8 characters) count as blanks. This is reproduced; where BuildKit would then cut a
//! UTF-8 character in two, the broken bytes become U+FFFD.

use super::words::{is_space_byte, split_separators, trim_space};

/// A logical line split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SplitLine {
    /// The keyword as written.
    pub(crate) cmd: String,
    /// The `--flag` words, quotes and escapes processed, `--` not included.
    pub(crate) flags: Vec<String>,
    /// The arguments after the flags, trimmed.
    pub(crate) rest: String,
}

/// Splits `line` into keyword, flags and arguments.
pub(crate) fn split_command(line: &str, escape: char) -> SplitLine {
    let fields = split_separators(trim_space(line), Some(2));
    let cmd = fields.first().copied().unwrap_or("").to_string();
    let (rest, flags) = match fields.get(1) {
        Some(args) => extract_builder_flags(args, escape),
        None => (String::new(), Vec::new()),
    };
    SplitLine {
        cmd,
        flags,
        rest: trim_space(&rest).to_string(),
    }
}

/// Takes the leading `--flag[=value]` words off `line`. Returns the remaining text and the
/// flags. A lone `--` ends the flags and is dropped.
pub(crate) fn extract_builder_flags(line: &str, escape: char) -> (String, Vec<String>) {
    #[derive(PartialEq)]
    enum Phase {
        Spaces,
        Word,
        Quote,
    }
    let bytes = line.as_bytes();
    // The escape token is `\` or a backtick: one byte.
    let escape = u8::try_from(escape).unwrap_or(b'\\');
    let rest_from =
        |pos: usize| String::from_utf8_lossy(bytes.get(pos..).unwrap_or(&[])).into_owned();
    let mut words = Vec::new();
    let mut phase = Phase::Spaces;
    let mut word = String::new();
    let mut quote = 0u8;
    let mut blank_ok = false;
    let mut pos = 0;
    while pos < bytes.len() {
        let mut ch = bytes[pos];
        if phase == Phase::Spaces {
            if is_space_byte(ch) {
                pos += 1;
                continue;
            }
            if ch != b'-' || bytes.get(pos + 1) != Some(&b'-') {
                return (rest_from(pos), words);
            }
            phase = Phase::Word;
        }
        if phase == Phase::Word {
            if is_space_byte(ch) {
                phase = Phase::Spaces;
                if word == "--" {
                    return (rest_from(pos), words);
                }
                if blank_ok || !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
                word.clear();
                blank_ok = false;
                pos += 1;
                continue;
            }
            if ch == b'\'' || ch == b'"' {
                quote = ch;
                blank_ok = true;
                phase = Phase::Quote;
                pos += 1;
                continue;
            }
            if ch == escape {
                if pos + 1 == bytes.len() {
                    pos += 1;
                    continue; // an escape at the very end is dropped
                }
                pos += 1;
                ch = bytes[pos];
            }
            word.push(char::from(ch));
            pos += 1;
            continue;
        }
        // Inside quotes.
        if ch == quote {
            phase = Phase::Word;
            pos += 1;
            continue;
        }
        if ch == escape {
            if pos + 1 == bytes.len() {
                phase = Phase::Word;
                pos += 1;
                continue;
            }
            pos += 1;
            ch = bytes[pos];
        }
        word.push(char::from(ch));
        pos += 1;
    }
    if phase != Phase::Spaces && word != "--" && (blank_ok || !word.is_empty()) {
        words.push(word);
    }
    (String::new(), words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(line: &str) -> (String, Vec<String>, String) {
        let s = split_command(line, '\\');
        (s.cmd, s.flags, s.rest)
    }

    #[test]
    fn keyword_flags_rest() {
        assert_eq!(
            split("  COPY --from=a --chown=1:1  src dst "),
            (
                "COPY".into(),
                vec!["--from=a".into(), "--chown=1:1".into()],
                "src dst".into()
            )
        );
        assert_eq!(split("RUN"), ("RUN".into(), vec![], "".into()));
        assert_eq!(split(""), ("".into(), vec![], "".into()));
        assert_eq!(
            split("CMD\t[\"a\"]"),
            ("CMD".into(), vec![], "[\"a\"]".into())
        );
    }

    #[test]
    fn double_dash_ends_flags() {
        assert_eq!(
            split("COPY --doit=true -- foo /tmp/"),
            (
                "COPY".into(),
                vec!["--doit=true".into()],
                "foo /tmp/".into()
            )
        );
        assert_eq!(split("COPY -- --x"), ("COPY".into(), vec![], "--x".into()));
        assert_eq!(
            split("CMD --doit --"),
            ("CMD".into(), vec!["--doit".into()], "".into())
        );
        assert_eq!(split("CMD -x"), ("CMD".into(), vec![], "-x".into()));
    }

    #[test]
    fn quotes_and_escapes_in_flags() {
        let (_, flags, rest) =
            split(r#"RUN --mount="type=bind,a b" --x='1 2' --e=a\ b --q="" cmd"#);
        assert_eq!(
            flags,
            ["--mount=type=bind,a b", "--x=1 2", "--e=a b", "--q="]
        );
        assert_eq!(rest, "cmd");
        let (_, flags, _) = split(r#"RUN --a="x\"y" c"#);
        assert_eq!(flags, ["--a=x\"y"]);
        let (_, flags, rest) = split("RUN --a\\");
        assert_eq!((flags, rest), (vec!["--a".to_string()], String::new()));
        let (_, flags, _) = split("RUN --a=\"x");
        assert_eq!(flags, ["--a=x"]);
    }

    #[test]
    fn bytes_become_latin1_like_buildkit() {
        let (_, flags, rest) = split("COPY --from=é x");
        assert_eq!(flags, ["--from=\u{c3}\u{a9}"]);
        assert_eq!(rest, "x");
        // U+00E0 is C3 A0: A0 counts as a blank.
        let (_, flags, rest) = split("COPY --a=à x");
        assert_eq!(flags, ["--a=\u{c3}"]);
        assert_eq!(rest, "x");
    }
}
