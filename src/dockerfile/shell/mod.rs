//! Variable expansion as Docker's shell lexer (BuildKit `frontend/dockerfile/shell`) does it.
//!
//! [`Lexer::process_word`] and [`Lexer::process_words`] give the results BuildKit's
//! `ProcessWordWithMatches` and `ProcessWords` give, including their quirks and error messages
//! (`failed to process "<word>": <reason>`):
//!
//! - `$NAME`, `${NAME}`; `${NAME:-w}`, `${NAME-w}`, `${NAME:+w}`, `${NAME+w}`, `${NAME:?msg}`,
//!   `${NAME?msg}`; `${NAME#pat}`, `${NAME##pat}`, `${NAME%pat}`, `${NAME%%pat}`;
//!   `${NAME/pat/repl}`, `${NAME//pat/repl}` (patterns have `*`, `?` and `\` escapes but no
//!   bracket expressions). The word after a modifier is itself expanded. `:=`/`=` and `:#`-style
//!   modifiers are errors.
//! - Names are letters, digits and `_` (Unicode letters and decimal digits count), a run of digits
//!   (positional parameters), or one of `@*#?-$!0`; positional and special parameters are looked
//!   up like any other name (and so are normally unset). A `$` that starts no name stays `$`.
//! - Single quotes are literal; double quotes expand `$` and let the escape character escape only
//!   `"`, `$` and itself; elsewhere the escape character escapes any character and an escape at the
//!   end of the input is dropped. A leading byte-order mark is dropped.
//! - Splitting (`process_words`) happens on whitespace in unquoted text and expansion results;
//!   quoted and escaped characters never split, empty words are dropped, `<<` keeps the blanks
//!   after it, and a `${NAME<modifier>...}` drops the text of the word it is in that precedes it
//!   (BuildKit shares one word buffer with nested words: `a${X:-b}c` splits to `bc`).

pub(crate) mod chars;
mod env;
mod lexer;
mod patterns;
mod words;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod vectors;

use std::collections::BTreeSet;

pub use env::{Env, KeyValueEnv, NoEnv};

/// The result of an expansion and the variables it looked at.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expanded<T> {
    /// The expanded word(s).
    pub value: T,
    /// Names that were referenced and set (these make a step's key depend on their values):
    /// BuildKit's `Matched`.
    pub used: BTreeSet<String>,
    /// Names that were referenced but not set: BuildKit's `Unmatched`.
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
    ///
    /// `used` and `unset` are exactly BuildKit's `Matched` and `Unmatched`.
    pub fn process_word(&self, word: &str, env: &dyn Env) -> Result<Expanded<String>, ShellError> {
        self.process(word, env).map(|e| Expanded {
            value: e.value.0,
            used: e.used,
            unset: e.unset,
        })
    }

    /// Expands `words` and splits the result into words: COPY/ADD sources, EXPOSE, VOLUME, ...
    ///
    /// BuildKit reports no variables for this call; `used` and `unset` are what
    /// [`Lexer::process_word`] would report for the same input.
    pub fn process_words(
        &self,
        words: &str,
        env: &dyn Env,
    ) -> Result<Expanded<Vec<String>>, ShellError> {
        self.process(words, env).map(|e| Expanded {
            value: e.value.1,
            used: e.used,
            unset: e.unset,
        })
    }

    /// Expands `source` once, giving both the single word and its split words.
    pub fn process(
        &self,
        source: &str,
        env: &dyn Env,
    ) -> Result<Expanded<(String, Vec<String>)>, ShellError> {
        let mut scan = lexer::Scan::new(self, env, source);
        match scan.run() {
            Ok(value) => Ok(Expanded {
                value,
                used: scan.used,
                unset: scan.unset,
            }),
            Err(reason) => Err(ShellError {
                message: format!("failed to process {}: {reason}", chars::go_quote(source)),
            }),
        }
    }
}
