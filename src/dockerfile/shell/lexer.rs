//! The expansion state machine: BuildKit's `shellWord`, one character at a time.

use std::collections::BTreeSet;

use super::Lexer;
use super::chars::{EOF_RUNE, is_digit, is_heredoc_blank, is_letter, is_special_param};
use super::env::Env;
use super::patterns::{replace, trim_prefix, trim_suffix};
use super::words::Words;

/// How deeply `${...}` words may nest before the input is rejected. BuildKit has no limit (Go
/// stacks grow); this keeps absurd input from exhausting the thread's stack.
pub(crate) const MAX_NESTING: usize = 500;

/// An expansion in progress over one input.
pub(crate) struct Scan<'a> {
    lexer: &'a Lexer,
    env: &'a dyn Env,
    chars: Vec<char>,
    pos: usize,
    raw_escapes: bool,
    depth: usize,
    /// The pending word, shared by every nesting level as BuildKit's `wordsBuffer` is.
    word_buf: String,
    pub(crate) used: BTreeSet<String>,
    pub(crate) unset: BTreeSet<String>,
}

type Step<T> = Result<T, String>;

impl<'a> Scan<'a> {
    pub(crate) fn new(lexer: &'a Lexer, env: &'a dyn Env, source: &str) -> Self {
        // Go's text/scanner skips a byte-order mark at the start of its input.
        let source = source.strip_prefix('\u{feff}').unwrap_or(source);
        Self {
            lexer,
            env,
            chars: source.chars().collect(),
            pos: 0,
            raw_escapes: lexer.raw_escapes,
            depth: 0,
            word_buf: String::new(),
            used: BTreeSet::new(),
            unset: BTreeSet::new(),
        }
    }

    /// Expands the whole input: the word and its split words, or BuildKit's inner error message.
    pub(crate) fn run(&mut self) -> Step<(String, Vec<String>)> {
        self.stop_on(None, self.lexer.raw_escapes)
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let ch = self.peek();
        if ch.is_some() {
            self.pos += 1;
        }
        ch
    }

    fn lookup(&mut self, name: &str) -> Option<&'a str> {
        let value = self.env.get(name);
        let set = if value.is_some() {
            &mut self.used
        } else {
            &mut self.unset
        };
        if !set.contains(name) {
            set.insert(name.to_string());
        }
        value
    }

    /// Processes up to `stop` (consumed) or the end of input when `stop` is `None`, with escapes
    /// kept in the output when `raw_escapes`.
    fn stop_on(&mut self, stop: Option<char>, raw_escapes: bool) -> Step<(String, Vec<String>)> {
        if self.depth >= MAX_NESTING {
            return Err(format!("expansions nested more than {MAX_NESTING} deep"));
        }
        self.depth += 1;
        let saved = std::mem::replace(&mut self.raw_escapes, raw_escapes);
        let result = self.stop_on_inner(stop);
        self.raw_escapes = saved;
        self.depth -= 1;
        result
    }

    fn stop_on_inner(&mut self, stop: Option<char>) -> Step<(String, Vec<String>)> {
        let mut result = String::new();
        let mut words = Words::default();
        self.word_buf.clear();
        let quotes = !self.lexer.skip_process_quotes;

        while let Some(ch) = self.peek() {
            if stop == Some(ch) {
                self.next();
                return Ok((result, words.finish(&mut self.word_buf)));
            }
            let special = match ch {
                '$' => Some(self.process_dollar()),
                '<' => Some(Ok(self.process_possible_heredoc())),
                '\'' if quotes => Some(self.process_single_quote()),
                '"' if quotes => Some(self.process_double_quote()),
                _ => None,
            };
            if let Some(expanded) = special {
                let expanded = expanded?;
                result.push_str(&expanded);
                if ch == '$' {
                    words.add_str(&mut self.word_buf, &expanded);
                } else {
                    words.add_raw_str(&mut self.word_buf, &expanded);
                }
                continue;
            }
            self.next();
            if ch == self.lexer.escape {
                if self.raw_escapes {
                    words.add_raw_char(&mut self.word_buf, ch);
                    result.push(ch);
                }
                // An escape at the end of the input is dropped.
                let Some(escaped) = self.next() else {
                    break;
                };
                words.add_raw_char(&mut self.word_buf, escaped);
                result.push(escaped);
            } else {
                words.add_char(&mut self.word_buf, ch);
                result.push(ch);
            }
        }
        if let Some(stop) = stop {
            return Err(format!(
                "unexpected end of statement while looking for matching {stop}"
            ));
        }
        Ok((result, words.finish(&mut self.word_buf)))
    }

    /// `'...'`: everything literal up to the next single quote.
    fn process_single_quote(&mut self) -> Step<String> {
        let mut result = String::new();
        let open = self.next();
        if self.lexer.raw_quotes {
            result.extend(open);
        }
        loop {
            match self.next() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching single-quote"
                            .to_string(),
                    );
                }
                Some('\'') => {
                    if self.lexer.raw_quotes {
                        result.push('\'');
                    }
                    return Ok(result);
                }
                Some(ch) => result.push(ch),
            }
        }
    }

    /// `"..."`: `$` expands, and the escape character escapes only `"`, `$` and itself.
    fn process_double_quote(&mut self) -> Step<String> {
        let mut result = String::new();
        let open = self.next();
        if self.lexer.raw_quotes {
            result.extend(open);
        }
        loop {
            match self.peek() {
                None => {
                    return Err(
                        "unexpected end of statement while looking for matching double-quote"
                            .to_string(),
                    );
                }
                Some('"') => {
                    self.next();
                    if self.lexer.raw_quotes {
                        result.push('"');
                    }
                    return Ok(result);
                }
                Some('$') => {
                    let value = self.process_dollar()?;
                    result.push_str(&value);
                }
                Some(mut ch) => {
                    self.next();
                    if ch == self.lexer.escape {
                        if self.raw_escapes {
                            result.push(ch);
                        }
                        match self.peek() {
                            // A trailing escape is dropped (the missing quote is reported next).
                            None => continue,
                            Some(next)
                                if next == '"' || next == '$' || next == self.lexer.escape =>
                            {
                                self.next();
                                ch = next;
                            }
                            // Other escapes stay as they are.
                            Some(_) => {}
                        }
                    }
                    result.push(ch);
                }
            }
        }
    }

    /// `<` and `<<` with the blanks after it, kept whole in one word.
    fn process_possible_heredoc(&mut self) -> String {
        self.next();
        if self.peek() != Some('<') {
            return "<".to_string();
        }
        self.next();
        let mut result = "<<".to_string();
        while let Some(ch) = self.peek().filter(|&c| is_heredoc_blank(c)) {
            result.push(ch);
            self.next();
        }
        result
    }

    /// A name after `$` or `${`: digits (a positional parameter), one special parameter
    /// character, or letters, digits and `_`. Empty when none of these follows.
    fn process_name(&mut self) -> String {
        let mut name = String::new();
        while let Some(ch) = self.peek() {
            if name.is_empty() && is_digit(ch) {
                while let Some(digit) = self.peek().filter(|&c| is_digit(c)) {
                    name.push(digit);
                    self.next();
                }
                return name;
            }
            if name.is_empty() && is_special_param(ch) {
                self.next();
                return ch.to_string();
            }
            if !is_letter(ch) && !is_digit(ch) && ch != '_' {
                break;
            }
            name.push(ch);
            self.next();
        }
        name
    }

    /// `$NAME`, `${NAME}` and `${NAME<modifier>...}`.
    fn process_dollar(&mut self) -> Step<String> {
        self.next();
        let skip_unset = self.lexer.skip_unset_env;

        if self.peek() != Some('{') {
            let name = self.process_name();
            if name.is_empty() {
                return Ok("$".to_string());
            }
            return Ok(match self.lookup(&name) {
                Some(value) => value.to_string(),
                None if skip_unset => format!("${name}"),
                None => String::new(),
            });
        }

        self.next();
        match self.peek() {
            None => return Err(missing_brace()),
            Some('{' | '}' | ':') => return Err("syntax error: bad substitution".to_string()),
            Some(_) => {}
        }
        let name = self.process_name();
        let first = self.next();
        let mut modifier = first.unwrap_or(EOF_RUNE).to_string();

        let op = match first {
            Some('}') => {
                return Ok(match self.lookup(&name) {
                    Some(value) => value.to_string(),
                    None if skip_unset => format!("${{{name}}}"),
                    None => String::new(),
                });
            }
            Some('/') => return self.process_replace(&name),
            Some(':') => {
                let op = self.next();
                modifier.push(op.unwrap_or(EOF_RUNE));
                op
            }
            Some('+' | '-' | '?' | '#' | '%') => first,
            _ => return Err(unsupported(&modifier)),
        };
        let null_is_unset = first == Some(':');
        let pattern_op = matches!(op, Some('#' | '%'));
        if null_is_unset && pattern_op {
            return Err(unsupported(&modifier));
        }

        let word = self.sub_word('}', pattern_op, missing_brace)?;
        let found = self.lookup(&name);
        if found.is_none() && skip_unset {
            return Ok(format!("${{{name}{modifier}{word}}}"));
        }
        let set = found.is_some();
        let value = found.unwrap_or("");
        let null = !set || (null_is_unset && value.is_empty());

        match op {
            Some('-') => Ok(if null { word } else { value.to_string() }),
            Some('+') => Ok(if null { String::new() } else { word }),
            Some('?') => {
                if null {
                    let message = match (word.is_empty(), set) {
                        (false, _) => word,
                        (true, false) => "is not allowed to be unset".to_string(),
                        (true, true) => "is not allowed to be empty".to_string(),
                    };
                    return Err(format!("{name}: {message}"));
                }
                Ok(value.to_string())
            }
            Some(op @ ('#' | '%')) => {
                // A doubled operator (`##`, `%%`) is the longest match. BuildKit looks at the
                // expanded word, so `${V#$P}` with P=`#x` is a longest match of `x`.
                let (pattern, greedy) = match word.strip_prefix(op) {
                    Some(rest) => (rest, true),
                    None => (word.as_str(), false),
                };
                if op == '%' {
                    trim_suffix(pattern, value, greedy)
                } else {
                    trim_prefix(pattern, value, greedy)
                }
            }
            _ => Err(unsupported(&modifier)),
        }
    }

    /// `${NAME/pattern/replacement}` and `${NAME//pattern/replacement}`, after the first `/`.
    fn process_replace(&mut self, name: &str) -> Step<String> {
        let all = self.peek() == Some('/');
        if all {
            self.next();
        }
        let pattern =
            self.sub_word('/', true, || "syntax error: missing '/' in ${}".to_string())?;
        let replacement = self.sub_word('}', true, missing_brace)?;
        match self.lookup(name) {
            None if self.lexer.skip_unset_env => Ok(format!("${{{name}/{pattern}/{replacement}}}")),
            value => replace(&pattern, &replacement, value.unwrap_or(""), all),
        }
    }

    /// A word nested in `${...}` up to `stop`; running out of input is reported as `at_end`.
    fn sub_word(&mut self, stop: char, raw_escapes: bool, at_end: fn() -> String) -> Step<String> {
        match self.stop_on(Some(stop), raw_escapes) {
            Ok((word, _)) => Ok(word),
            Err(_) if self.peek().is_none() => Err(at_end()),
            Err(e) => Err(e),
        }
    }
}

fn missing_brace() -> String {
    "syntax error: missing '}'".to_string()
}

fn unsupported(modifier: &str) -> String {
    format!("unsupported modifier ({modifier}) in substitution")
}
