//! Variable expansion as Docker's shell lexer (BuildKit `frontend/dockerfile/shell`) does it.
//!
//! Placeholder: the interface below is fixed; the implementation lands with its vector tests.

use std::collections::{BTreeMap, BTreeSet};

/// Variables visible to an expansion.
pub trait Env {
    /// The value of `name`, or `None` when it is not set (set-but-empty is `Some("")`).
    fn get(&self, name: &str) -> Option<&str>;
}

impl Env for BTreeMap<String, String> {
    fn get(&self, name: &str) -> Option<&str> {
        BTreeMap::get(self, name).map(String::as_str)
    }
}

/// The result of an expansion and the variables it looked at.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expanded<T> {
    /// The expanded word(s).
    pub value: T,
    /// Names that were referenced and set (these make a step's key depend on their values).
    pub used: BTreeSet<String>,
    /// Names that were referenced but not set.
    pub unset: BTreeSet<String>,
}

/// An expansion Docker would reject (bad substitution, `${VAR:?msg}` with VAR unset, ...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ShellError {
    /// What is wrong, in Docker's words.
    pub message: String,
}

/// A shell-word lexer with a given escape character and options, like BuildKit's `shell.Lex`.
#[derive(Debug, Clone)]
pub struct Lexer {
    /// The escape character (`\` or `` ` ``).
    pub escape: char,
    /// Keep quotes in the output instead of removing them.
    pub raw_quotes: bool,
    /// Keep escape characters in the output instead of removing them.
    pub raw_escapes: bool,
    /// Leave `$VAR` untouched when VAR is not set.
    pub skip_unset_env: bool,
    /// Do not process quotes at all.
    pub skip_process_quotes: bool,
}

impl Lexer {
    /// A lexer with Docker's defaults for the given escape character.
    pub fn new(escape: char) -> Self {
        Self {
            escape,
            raw_quotes: false,
            raw_escapes: false,
            skip_unset_env: false,
            skip_process_quotes: false,
        }
    }

    /// Expands `word` as one word (no splitting): ARG/ENV values, WORKDIR, USER, ...
    pub fn process_word(&self, word: &str, env: &dyn Env) -> Result<Expanded<String>, ShellError> {
        let _ = env;
        Ok(Expanded {
            value: word.to_string(),
            ..Expanded::default()
        })
    }

    /// Expands `words` and splits the result into words: COPY/ADD sources, EXPOSE, VOLUME, ...
    pub fn process_words(
        &self,
        words: &str,
        env: &dyn Env,
    ) -> Result<Expanded<Vec<String>>, ShellError> {
        let _ = env;
        Ok(Expanded {
            value: words.split_whitespace().map(str::to_string).collect(),
            ..Expanded::default()
        })
    }
}
