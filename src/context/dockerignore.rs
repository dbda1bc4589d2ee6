//! The `.dockerignore` pattern matcher, with the semantics of moby/patternmatcher (what Docker
//! and BuildKit use).
//!
//! Each pattern is trimmed and cleaned (Go's `filepath.Clean`); a leading `!` makes it an
//! exception. It must pass Go's `filepath.Match` syntax check. It is then compiled to one of four
//! kinds, exactly as patternmatcher does:
//!
//! * exact (no wildcard): the path equals the pattern;
//! * prefix (`foo/**`, `foo**`): the path starts with the text before the trailing `**`;
//! * suffix (`**/foo`, `**foo`): the path ends with the text after the leading `**` (and
//!   `**/foo` also matches `foo`);
//! * regular expression otherwise: `*` is `[^/]*`, `?` is `[^/]`, `**` (with its `/`) is
//!   `(.*/)?` (or `.*` at the end), `[...]` a character class, `\x` a literal `x`.
//!
//! A path is excluded when the last pattern that matches it, or one of its parent directories, is
//! not an exception (the last match wins).
//!
//! Deviation, on purpose: patternmatcher hands the text between `[` and `]` to Go's regexp
//! unchanged, so there `*`, `?`, `[:alpha:]` and `\d` take regexp meanings (a `*` in a class
//! even breaks the class); rbuild gives them `filepath.Match`'s meaning (literal characters), as
//! the syntax check already does. Likewise `\d`, `\w`, ... outside a class are a literal `d`,
//! `w` here where Go's regexp would read a character class.

use regex::Regex;

use super::glob::{self, Glob, Token};

/// How one pattern matches, as patternmatcher compiles it.
#[derive(Debug, Clone)]
enum Kind {
    Exact,
    Prefix(String),
    Suffix(String),
    Regex(Regex),
}

/// One compiled `.dockerignore` pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    cleaned: String,
    exclusion: bool,
    kind: Kind,
}

impl Pattern {
    /// The cleaned pattern text, without its `!`.
    pub fn as_str(&self) -> &str {
        &self.cleaned
    }

    /// Whether this is an exception (`!pattern`).
    pub fn is_exclusion(&self) -> bool {
        self.exclusion
    }

    /// Whether the pattern matches `path` itself (slash-separated, relative, clean).
    pub fn matches(&self, path: &str) -> bool {
        match &self.kind {
            Kind::Exact => path == self.cleaned,
            Kind::Prefix(prefix) => path.starts_with(prefix.as_str()),
            Kind::Suffix(suffix) => {
                path.ends_with(suffix.as_str())
                    || suffix.strip_prefix('/').is_some_and(|rest| path == rest)
            }
            Kind::Regex(re) => re.is_match(path),
        }
    }

    /// Whether the pattern matches `path` or one of its parent directories.
    fn matches_self_or_parent(&self, path: &str) -> bool {
        if self.matches(path) {
            return true;
        }
        let mut end = 0;
        while let Some(slash) = path[end..].find('/') {
            end += slash;
            if self.matches(&path[..end]) {
                return true;
            }
            end += 1;
        }
        false
    }
}

/// Why a pattern was rejected: its index in the list given and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    /// Index of the pattern in the list passed to [`PatternMatcher::new`].
    pub index: usize,
    /// What is wrong.
    pub message: String,
}

/// Per-pattern results for a directory, handed to its children (patternmatcher's `MatchInfo`).
#[derive(Debug, Clone, Default)]
pub struct MatchInfo {
    parent_matched: Vec<bool>,
}

/// An ordered list of `.dockerignore` patterns.
#[derive(Debug, Clone, Default)]
pub struct PatternMatcher {
    patterns: Vec<Pattern>,
    exclusions: bool,
}

impl PatternMatcher {
    /// Compiles `patterns` (as read from an ignore file: blank ones are skipped).
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Self, PatternError> {
        let mut matcher = Self::default();
        for (index, raw) in patterns.iter().enumerate() {
            let trimmed = raw.as_ref().trim();
            if trimmed.is_empty() {
                continue;
            }
            let err = |message: String| PatternError { index, message };
            let mut text = glob::clean(trimmed);
            let mut exclusion = false;
            if let Some(rest) = text.strip_prefix('!') {
                if rest.is_empty() {
                    return Err(err("illegal exclusion pattern: \"!\"".to_string()));
                }
                exclusion = true;
                text = rest.to_string();
                matcher.exclusions = true;
            }
            Glob::new(&text)
                .map_err(|why| err(format!("syntax error in pattern `{text}`: {why}")))?;
            let kind = compile(&text)
                .map_err(|why| err(format!("syntax error in pattern `{text}`: {why}")))?;
            matcher.patterns.push(Pattern {
                cleaned: text,
                exclusion,
                kind,
            });
        }
        Ok(matcher)
    }

    /// The compiled patterns, in order.
    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// Whether any pattern is an exception (`!`).
    pub fn has_exclusions(&self) -> bool {
        self.exclusions
    }

    /// Whether `path` (relative, slash-separated) is excluded: the last pattern matching it or a
    /// parent directory decides (patternmatcher's `MatchesOrParentMatches`).
    pub fn matches_or_parent_matches(&self, path: &str) -> bool {
        let mut matched = false;
        for pattern in &self.patterns {
            if pattern.exclusion != matched {
                continue;
            }
            if pattern.matches_self_or_parent(path) {
                matched = !pattern.exclusion;
            }
        }
        matched
    }

    /// Whether `path` is excluded, given its parent directory's results (the walker's form,
    /// patternmatcher's `MatchesUsingParentResults`); also returns the results for its children.
    /// `parent` is `MatchInfo::default()` for entries at the top of a walk.
    pub fn matches_using_parent_results(
        &self,
        path: &str,
        parent: &MatchInfo,
    ) -> (bool, MatchInfo) {
        let have_parent = !parent.parent_matched.is_empty();
        let mut matched = false;
        let mut info = MatchInfo {
            parent_matched: vec![false; self.patterns.len()],
        };
        for (i, pattern) in self.patterns.iter().enumerate() {
            let mut hit = have_parent && parent.parent_matched.get(i).copied().unwrap_or(false);
            if !hit {
                if pattern.exclusion != matched {
                    continue;
                }
                hit = if have_parent {
                    pattern.matches(path)
                } else {
                    pattern.matches_self_or_parent(path)
                };
            }
            info.parent_matched[i] = hit;
            if hit {
                matched = !pattern.exclusion;
            }
        }
        (matched, info)
    }
}

/// Compiles a cleaned pattern (without `!`) the way patternmatcher's `compile` does.
fn compile(pattern: &str) -> Result<Kind, String> {
    #[derive(PartialEq)]
    enum Detected {
        Exact,
        Prefix,
        Suffix,
        Regex,
    }
    let chars: Vec<char> = pattern.chars().collect();
    let mut re = String::from("^");
    let mut detected = Detected::Exact;
    let mut k = 0;
    let mut first = true;
    while k < chars.len() {
        let c = chars[k];
        k += 1;
        match c {
            '*' if chars.get(k) == Some(&'*') => {
                k += 1;
                if chars.get(k) == Some(&'/') {
                    k += 1;
                }
                if k == chars.len() {
                    if detected == Detected::Exact {
                        detected = Detected::Prefix;
                    } else {
                        re.push_str(".*");
                        detected = Detected::Regex;
                    }
                } else {
                    re.push_str("(.*/)?");
                    detected = Detected::Regex;
                }
                if first {
                    detected = Detected::Suffix;
                }
            }
            '*' => {
                re.push_str("[^/]*");
                detected = Detected::Regex;
            }
            '?' => {
                re.push_str("[^/]");
                detected = Detected::Regex;
            }
            '\\' => {
                if let Some(&escaped) = chars.get(k) {
                    k += 1;
                    re.push_str(&regex::escape(&escaped.to_string()));
                    detected = Detected::Regex;
                } else {
                    re.push_str(r"\\");
                }
            }
            '[' => {
                // The syntax check passed, so the class is well formed: parse it with
                // filepath.Match's rules and emit an equivalent regex class.
                let rest: String = chars[k - 1..].iter().collect();
                let (class, used) = leading_class(&rest)?;
                re.push_str(&class);
                k += used - 1;
                detected = Detected::Regex;
            }
            ']' => {
                re.push_str(r"\]");
                detected = Detected::Regex;
            }
            other => re.push_str(&regex::escape(&other.to_string())),
        }
        first = false;
    }
    Ok(match detected {
        Detected::Exact => Kind::Exact,
        Detected::Prefix => Kind::Prefix(pattern[..pattern.len() - 2].to_string()),
        Detected::Suffix => Kind::Suffix(pattern[2..].to_string()),
        Detected::Regex => {
            re.push('$');
            Kind::Regex(Regex::new(&re).map_err(|e| e.to_string())?)
        }
    })
}

/// The regex for the class that starts `text` (at its `[`), and how many characters it spans.
fn leading_class(text: &str) -> Result<(String, usize), String> {
    // Find the class's end with the same rules the parser uses: parse growing prefixes would be
    // quadratic; instead scan like Go's getEsc.
    let chars: Vec<char> = text.chars().collect();
    let mut k = 1;
    if chars.get(k) == Some(&'^') {
        k += 1;
    }
    let mut n = 0;
    loop {
        match chars.get(k) {
            Some(']') if n > 0 => {
                k += 1;
                break;
            }
            Some('\\') => k += 2,
            Some(_) => k += 1,
            None => return Err("unterminated character class".to_string()),
        }
        if chars.get(k) == Some(&'-') {
            k += 1;
            k += if chars.get(k) == Some(&'\\') { 2 } else { 1 };
        }
        n += 1;
    }
    let class_text: String = chars[..k].iter().collect();
    let glob = Glob::new(&class_text)?;
    let [Token::Class { negated, ranges }] = glob.tokens() else {
        return Err("malformed character class".to_string());
    };
    let mut out = String::from("[");
    if *negated {
        out.push('^');
    }
    for &(lo, hi) in ranges {
        out.push_str(&regex::escape(&lo.to_string()));
        if hi != lo {
            out.push('-');
            out.push_str(&regex::escape(&hi.to_string()));
        }
    }
    out.push(']');
    Ok((out, k))
}

#[cfg(test)]
mod tests;
