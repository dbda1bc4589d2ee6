//! Finding and reading `.dockerignore` files (moby/patternmatcher's `ignorefile.ReadAll` rules).
//!
//! Which file: `<Dockerfile path>.dockerignore` (e.g. `build/app.Dockerfile.dockerignore`) when
//! it exists, else `<context root>/.dockerignore`, else none (BuildKit's order).
//!
//! How it reads: a UTF-8 byte-order mark at the start is dropped; a line starting with `#` (before
//! any trimming) is a comment; other lines are trimmed, blank ones skipped; after an optional `!`
//! (itself trimmed after), the pattern is cleaned (`filepath.Clean`) and one leading `/` removed,
//! so `/a`, `./a` and `a/` all mean `a`. Invalid UTF-8 is read lossily.

use std::path::{Path, PathBuf};

use super::ContextError;
use super::dockerignore::PatternMatcher;
use super::glob;

/// A `.dockerignore` file's patterns, each with its 1-based line number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IgnoreFile {
    /// The file read, if any.
    pub path: Option<PathBuf>,
    /// `(line, pattern)` after the reading rules above (a `!` kept in front).
    pub patterns: Vec<(usize, String)>,
}

impl IgnoreFile {
    /// Finds and reads the ignore file for a context; no file is an empty list.
    pub fn locate(root: &Path, dockerfile: Option<&Path>) -> Result<Self, ContextError> {
        let mut candidates = Vec::new();
        if let Some(dockerfile) = dockerfile {
            let mut name = dockerfile.as_os_str().to_os_string();
            name.push(".dockerignore");
            candidates.push(PathBuf::from(name));
        }
        candidates.push(root.join(".dockerignore"));
        for candidate in candidates {
            match std::fs::read(&candidate) {
                Ok(bytes) => {
                    return Ok(Self {
                        patterns: parse(&String::from_utf8_lossy(&bytes)),
                        path: Some(candidate),
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(source) => {
                    return Err(ContextError::Io {
                        path: candidate,
                        source,
                    });
                }
            }
        }
        Ok(Self::default())
    }

    /// Compiles the patterns, reporting a bad one with its file and line.
    pub fn matcher(&self) -> Result<PatternMatcher, ContextError> {
        let texts: Vec<&str> = self.patterns.iter().map(|(_, p)| p.as_str()).collect();
        PatternMatcher::new(&texts).map_err(|e| ContextError::BadIgnorePattern {
            file: self
                .path
                .clone()
                .unwrap_or_else(|| PathBuf::from(".dockerignore")),
            line: self.patterns.get(e.index).map_or(0, |(line, _)| *line),
            message: e.message,
        })
    }
}

/// Reads ignore-file text into `(line, pattern)` pairs.
pub fn parse(text: &str) -> Vec<(usize, String)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    for (index, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with('#') {
            continue;
        }
        let mut pattern = line.trim();
        if pattern.is_empty() {
            continue;
        }
        let invert = pattern.starts_with('!');
        if invert {
            pattern = pattern[1..].trim();
        }
        let mut cleaned = String::new();
        if !pattern.is_empty() {
            cleaned = glob::clean(pattern);
            if cleaned.len() > 1 && cleaned.starts_with('/') {
                cleaned.remove(0);
            }
        }
        if invert {
            cleaned.insert(0, '!');
        }
        out.push((index + 1, cleaned));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_rules() {
        let text = "\u{feff}# comment\n\n  foo/  \r\n/bar\n./baz/../qux\n!  /keep\n  # not a comment\n!\n/\n";
        let got = parse(text);
        let want: Vec<(usize, String)> = vec![
            (3, "foo".into()),
            (4, "bar".into()),
            (5, "qux".into()),
            (6, "!keep".into()),
            (7, "# not a comment".into()),
            (8, "!".into()),
            (9, "/".into()),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn bad_pattern_reports_line() {
        let file = IgnoreFile {
            path: Some(PathBuf::from("ctx/.dockerignore")),
            patterns: parse("a\n# c\nb[\n"),
        };
        match file.matcher() {
            Err(ContextError::BadIgnorePattern { line, file, .. }) => {
                assert_eq!(line, 3);
                assert_eq!(file, PathBuf::from("ctx/.dockerignore"));
            }
            other => panic!("{other:?}"),
        }
    }
}
