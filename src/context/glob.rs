//! Go's `filepath.Match` (Unix flavour) and `filepath.Clean`: the wildcard syntax of COPY/ADD
//! sources, and the syntax check `.dockerignore` patterns must pass.
//!
//! Syntax: `*` (any run of characters but `/`), `?` (one character but `/`), `[...]` (one
//! character in the class; `^` negates; `a-z` ranges; `\` escapes inside), `\x` (a literal `x`).
//! A malformed pattern (unterminated class, empty class, trailing `\`, a range with a missing
//! end) is an error, whatever the name it is matched against, as in Go.

/// One element of a parsed wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token {
    /// A character matched as is.
    Literal(char),
    /// `*`: any run of characters except `/`.
    Star,
    /// `?`: one character except `/`.
    AnyChar,
    /// `[...]`: one character (which may be `/`) inside (or, negated, outside) the ranges.
    Class {
        /// `[^...]`.
        negated: bool,
        /// Inclusive ranges; a single character is `(c, c)`.
        ranges: Vec<(char, char)>,
    },
}

/// A parsed `filepath.Match` pattern.
#[derive(Debug, Clone)]
pub(crate) struct Glob {
    tokens: Vec<Token>,
}

impl Glob {
    /// Parses `pattern`, rejecting what Go's `filepath.Match` rejects (`ErrBadPattern`).
    pub(crate) fn new(pattern: &str) -> Result<Self, String> {
        let mut tokens = Vec::new();
        let mut chars = pattern.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '*' => {
                    if tokens.last() != Some(&Token::Star) {
                        tokens.push(Token::Star);
                    }
                }
                '?' => tokens.push(Token::AnyChar),
                '\\' => match chars.next() {
                    Some(escaped) => tokens.push(Token::Literal(escaped)),
                    None => return Err("trailing backslash".to_string()),
                },
                '[' => tokens.push(parse_class(&mut chars)?),
                other => tokens.push(Token::Literal(other)),
            }
        }
        Ok(Self { tokens })
    }

    /// The parsed tokens.
    pub(crate) fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// Whether `name` matches the whole pattern.
    pub(crate) fn matches(&self, name: &str) -> bool {
        let name: Vec<char> = name.chars().collect();
        // failed[t * (n + 1) + i]: tokens[t..] already failed against name[i..].
        let mut failed = vec![false; (self.tokens.len() + 1) * (name.len() + 1)];
        self.match_from(0, 0, &name, &mut failed)
    }

    fn match_from(&self, t: usize, i: usize, name: &[char], failed: &mut [bool]) -> bool {
        let slot = t * (name.len() + 1) + i;
        if failed[slot] {
            return false;
        }
        let ok = match self.tokens.get(t) {
            None => i == name.len(),
            Some(Token::Star) => {
                let mut j = i;
                loop {
                    if self.match_from(t + 1, j, name, failed) {
                        break true;
                    }
                    if j == name.len() || name[j] == '/' {
                        break false;
                    }
                    j += 1;
                }
            }
            Some(token) => match name.get(i) {
                Some(&c) if token_matches_char(token, c) => {
                    self.match_from(t + 1, i + 1, name, failed)
                }
                _ => false,
            },
        };
        if !ok {
            failed[slot] = true;
        }
        ok
    }
}

/// Whether a one-character token matches `c`.
fn token_matches_char(token: &Token, c: char) -> bool {
    match token {
        Token::Literal(l) => *l == c,
        Token::AnyChar => c != '/',
        Token::Class { negated, ranges } => {
            ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
        }
        Token::Star => false,
    }
}

/// Parses a class after its `[`, as Go's `matchChunk`/`getEsc` do.
fn parse_class(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<Token, String> {
    let negated = chars.next_if_eq(&'^').is_some();
    let mut ranges = Vec::new();
    loop {
        if !ranges.is_empty() && chars.next_if_eq(&']').is_some() {
            return Ok(Token::Class { negated, ranges });
        }
        let lo = class_char(chars)?;
        let mut hi = lo;
        if chars.next_if_eq(&'-').is_some() {
            hi = class_char(chars)?;
        }
        ranges.push((lo, hi));
    }
}

/// One (possibly escaped) character of a class; it must be followed by more pattern.
fn class_char(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<char, String> {
    let c = match chars.next() {
        None => return Err("unterminated character class".to_string()),
        Some('-') | Some(']') => return Err("empty range in character class".to_string()),
        Some('\\') => chars
            .next()
            .ok_or_else(|| "unterminated character class".to_string())?,
        Some(c) => c,
    };
    if chars.peek().is_none() {
        return Err("unterminated character class".to_string());
    }
    Ok(c)
}

/// Whether a path component holds a wildcard (`*`, `?`, `[`, skipping `\`-escaped characters),
/// as BuildKit's copy decides whether to expand it.
pub(crate) fn contains_wildcards(component: &str) -> bool {
    let mut chars = component.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '*' | '?' | '[' => return true,
            _ => {}
        }
    }
    false
}

/// Go's `path.Clean` on a `/`-separated path: the shortest equivalent path (`.` for empty).
pub(crate) fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// A path's bytes as text the way Go's regexp and `filepath.Match` see them: valid UTF-8 as is,
/// each byte of an invalid sequence as one U+FFFD.
pub(crate) fn bytes_to_match_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for _ in chunk.invalid() {
            out.push(char::REPLACEMENT_CHARACTER);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, name: &str) -> Result<bool, String> {
        Glob::new(pattern).map(|g| g.matches(name))
    }

    #[test]
    fn match_table() {
        let ok = [
            ("abc", "abc", true),
            ("*", "abc", true),
            ("*c", "abc", true),
            ("a*", "a", true),
            ("a*", "abc", true),
            ("a*", "ab/c", false),
            ("a*/b", "abc/b", true),
            ("a*/b", "a/c/b", false),
            ("a*b*c*d*e*/f", "axbxcxdxe/f", true),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/f", true),
            ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false),
            ("a*b?c*x", "abxbbxdbxebxczzx", true),
            ("a*b?c*x", "abxbbxdbxebxczzy", false),
            ("ab[c]", "abc", true),
            ("ab[b-d]", "abc", true),
            ("ab[e-g]", "abc", false),
            ("ab[^c]", "abc", false),
            ("ab[^b-d]", "abc", false),
            ("ab[^e-g]", "abc", true),
            ("a\\*b", "a*b", true),
            ("a\\*b", "ab", false),
            ("a?b", "a☺b", true),
            ("a[^a]b", "a☺b", true),
            ("a???b", "a☺b", false),
            ("a[^a][^a][^a]b", "a☺b", false),
            ("[a-ζ]*", "α", true),
            ("*[a-ζ]", "A", false),
            ("a?b", "a/b", false),
            ("a*b", "a/b", false),
            ("[\\]a]", "]", true),
            ("[\\-]", "-", true),
            ("[x\\-]", "x", true),
            ("[x\\-]", "-", true),
            ("[x\\-]", "z", false),
            ("[\\-x]", "x", true),
            ("[!a]", "!", true),
            ("a[^x]b", "a/b", true),
            ("*x", "xxx", true),
            ("a]", "a]", true),
        ];
        for (pattern, name, want) in ok {
            assert_eq!(m(pattern, name), Ok(want), "{pattern} ~ {name}");
        }
        let bad = [
            "[", "[^", "[^bc", "a[", "[]a]", "[-]", "[x-]", "[-x]", "[\\", "[a-", "a\\", "[a-b-c",
            "[a-b-c]", "[]", "*[",
        ];
        for pattern in bad {
            assert!(Glob::new(pattern).is_err(), "{pattern} should be bad");
        }
    }

    #[test]
    fn clean_table() {
        for (input, want) in [
            ("", "."),
            (".", "."),
            ("./", "."),
            ("a/", "a"),
            ("a//b", "a/b"),
            ("./a/./b/", "a/b"),
            ("a/../b", "b"),
            ("../a", "../a"),
            ("a/../..", ".."),
            ("/..", "/"),
            ("/../a", "/a"),
            ("//a", "/a"),
            ("/", "/"),
        ] {
            assert_eq!(clean(input), want, "{input}");
        }
    }

    #[test]
    fn wildcard_detection_and_bytes() {
        assert!(contains_wildcards("*.txt"));
        assert!(contains_wildcards("a[b]"));
        assert!(!contains_wildcards("a\\*b"));
        assert!(!contains_wildcards("plain"));
        assert_eq!(bytes_to_match_text(b"a\xff\xfeb"), "a\u{fffd}\u{fffd}b");
    }
}
