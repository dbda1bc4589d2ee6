//! Heredoc detection on RUN, COPY and ADD lines (`<<EOF`, `<<-EOF`, `<<"EOF"`, `3<<EOF`).
//!
//! BuildKit finds heredoc words with its shell lexer (escape `\`, variables left unexpanded,
//! quotes and escapes kept raw), then checks each word against `^(\d*)<<(-?)\s*([^<]*)$` and lexes
//! the delimiter once with and once without quote removal: if the quote counts differ, part of it
//! was quoted and the body is not expanded. The lexer is the one variables are expanded with
//! ([`super::shell::Lexer`]), in the same modes BuildKit sets.

use super::shell::{Lexer, NoEnv};

/// A heredoc header found on an instruction line (its body is read by the parser).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HeredocHeader {
    /// The delimiter, quotes removed.
    pub(crate) name: String,
    /// False when part of the delimiter was quoted.
    pub(crate) expand: bool,
    /// `<<-`: leading tabs are ignored when looking for the terminator.
    pub(crate) chomp: bool,
}

/// The heredocs a logical line introduces, in order. Errors only for a delimiter BuildKit's
/// lexer rejects.
pub(crate) fn heredocs_from_line(line: &str) -> Result<Vec<HeredocHeader>, String> {
    // BuildKit ignores a lexing error on the whole line: then there are no heredocs.
    let words = lex_words(line, true, true).unwrap_or_default();
    let mut docs = Vec::new();
    for word in &words {
        if let Some(doc) = parse_heredoc(word)? {
            docs.push(doc);
        }
    }
    Ok(docs)
}

/// BuildKit's `ParseHeredoc` on one word.
pub(crate) fn parse_heredoc(word: &str) -> Result<Option<HeredocHeader>, String> {
    let digits = word.len() - word.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let Some(after) = word.get(digits..).and_then(|w| w.strip_prefix("<<")) else {
        return Ok(None);
    };
    let (chomp, after) = match after.strip_prefix('-') {
        Some(a) => (true, a),
        None => (false, after),
    };
    let rest = after.trim_start_matches(['\t', '\n', '\x0c', '\r', ' ']);
    if rest.contains('<') || rest.is_empty() {
        return Ok(None);
    }
    let words = lex_words(rest, false, false)?;
    let [name] = words.as_slice() else {
        return Ok(None);
    };
    let raw = lex_words(rest, true, false)?;
    let [raw_name] = raw.as_slice() else {
        return Err(format!(
            "internal lexing of heredoc produced inconsistent results: {rest}"
        ));
    };
    let quotes = |s: &str| s.chars().filter(|&c| c == '\'' || c == '"').count();
    Ok(Some(HeredocHeader {
        name: name.clone(),
        expand: quotes(name) == quotes(raw_name),
        chomp,
    }))
}

/// BuildKit's shell lexer as the heredoc code uses it: escape `\`, `SkipUnsetEnv`, no variables
/// set, `ProcessWords` mode; quotes and escapes kept raw or removed as asked.
fn lex_words(text: &str, raw_quotes: bool, raw_escapes: bool) -> Result<Vec<String>, String> {
    let lexer = Lexer {
        raw_quotes,
        raw_escapes,
        skip_unset_env: true,
        ..Lexer::new('\\')
    };
    lexer
        .process_words(text, &NoEnv)
        .map(|e| e.value)
        .map_err(|e| e.message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(line: &str) -> Vec<String> {
        heredocs_from_line(line)
            .unwrap()
            .into_iter()
            .map(|h| h.name)
            .collect()
    }

    fn doc(src: &str) -> Option<(String, bool, bool)> {
        parse_heredoc(src)
            .unwrap()
            .map(|h| (h.name, h.expand, h.chomp))
    }

    #[test]
    fn heredoc_words() {
        for src in [
            "<<EOF",
            "<<'EOF'",
            "<<\"EOF\"",
            "<<-EOF",
            "<<-'EOF'",
            "<<-\"EOF\"",
            "<<EO\"F\"",
            "<< EOF",
            "<<- EOF",
        ] {
            assert_eq!(doc(src).map(|d| d.0), Some("EOF".to_string()), "{src}");
        }
        for src in ["<<'EOF", "<<\"EOF", "<<EOF'", "<<EOF\""] {
            assert!(parse_heredoc(src).is_err(), "{src}");
        }
        for src in ["", "EOF", "<<", "<<-", "<EOF", "<<<EOF", "<<EOF sh"] {
            assert_eq!(doc(src), None, "{src}");
        }
        assert_eq!(
            parse_heredoc("<<'EOF").unwrap_err(),
            "failed to process \"'EOF\": unexpected end of statement while looking for matching \
             single-quote"
        );
    }

    #[test]
    fn expand_and_chomp() {
        assert_eq!(doc("<<EOF"), Some(("EOF".into(), true, false)));
        assert_eq!(doc("3<<-EOF"), Some(("EOF".into(), true, true)));
        assert_eq!(doc("<<eo'f'"), Some(("eof".into(), false, false)));
        assert_eq!(doc("<<eo\\'f"), Some(("eo'f".into(), true, false)));
        assert_eq!(doc("<<'e'o\\'f"), Some(("eo'f".into(), false, false)));
        assert_eq!(doc("<<'one two'"), Some(("one two".into(), false, false)));
        assert_eq!(doc("<<$EOF"), Some(("$EOF".into(), true, false)));
        assert_eq!(doc("<<${A:-x}"), Some(("${A:-x}".into(), true, false)));
    }

    #[test]
    fn heredocs_on_lines() {
        assert_eq!(names("RUN <<EOF"), ["EOF"]);
        assert_eq!(names("RUN <<-EOF"), ["EOF"]);
        // The lexer keeps blanks after `<<` in the word, but not after `<<-`: BuildKit's own test
        // for this line passes only because it checks no names when none are found.
        assert!(names("RUN <<- EOF").is_empty());
        assert_eq!(names("RUN << -EOF"), ["-EOF"]);
        assert_eq!(names("RUN <<'EOF'"), ["EOF"]);
        assert_eq!(names("RUN 4<<EOF"), ["EOF"]);
        assert_eq!(names("RUN <<EOF <<EOF2"), ["EOF", "EOF2"]);
        assert_eq!(names("RUN <<  EOF  > foo"), ["EOF"]);
        assert_eq!(names("COPY <<FILE1 <<FILE2 /dest"), ["FILE1", "FILE2"]);
        assert!(names("RUN '<<EOF'").is_empty());
        assert!(names("RUN \"<<EOF\"").is_empty());
        assert!(names("RUN <<\"EOF").is_empty());
        assert_eq!(names("RUN <<EOF>out"), ["EOF>out"]);
        assert!(names("RUN <<EOF<x").is_empty());
        assert!(names("RUN a<<EOF").is_empty());
    }

    #[test]
    fn lexer_quirks() {
        let words = |s: &str| lex_words(s, true, true);
        assert_eq!(
            words("a \\'b c"),
            Ok(vec!["a".into(), "\\'b".into(), "c".into()])
        );
        assert_eq!(words("x${a:-y z}"), Ok(vec!["${a:-y".into(), "z}".into()]));
        assert_eq!(words("${a//x/y}"), Ok(vec!["${a/x/y}".into()]));
        assert_eq!(words("$$a ${b}"), Ok(vec!["$$a".into(), "${b}".into()]));
        assert!(words("${").is_err());
        assert!(words("${:}").is_err());
        assert!(words("${a:#x}").is_err());
        assert!(words("${a!}").is_err());
        assert_eq!(lex_words("\u{feff}a", false, false), Ok(vec!["a".into()]));
    }
}
