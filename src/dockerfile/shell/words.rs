//! Word splitting of an expanded line (BuildKit's `wordsStruct`).
//!
//! Characters from unquoted text and from `$` expansions split on whitespace; quoted text and
//! escaped characters are added raw. The pending word lives in a buffer owned by the caller:
//! BuildKit shares one buffer between a word and the `${...}` words nested in it, and each nested
//! word clears it, which drops the text of the pending outer word (`a${X:-b}` splits to `b`).
//! Passing the same buffer to every level reproduces that.

use super::chars::is_space;

/// The words finished so far at one nesting level.
#[derive(Debug, Default)]
pub(crate) struct Words {
    words: Vec<String>,
    in_word: bool,
}

impl Words {
    /// Adds a character that splits words when it is whitespace.
    pub(crate) fn add_char(&mut self, buf: &mut String, ch: char) {
        if !is_space(ch) {
            self.add_raw_char(buf, ch);
        } else if self.in_word && !buf.is_empty() {
            self.words.push(std::mem::take(buf));
            self.in_word = false;
        }
    }

    /// Adds a character that is part of the word whatever it is.
    pub(crate) fn add_raw_char(&mut self, buf: &mut String, ch: char) {
        buf.push(ch);
        self.in_word = true;
    }

    /// Adds each character of `s` with [`Words::add_char`].
    pub(crate) fn add_str(&mut self, buf: &mut String, s: &str) {
        for ch in s.chars() {
            self.add_char(buf, ch);
        }
    }

    /// Adds `s` to the word as it is (quoted text). An empty `s` still starts a word, but a word
    /// that stays empty is never emitted.
    pub(crate) fn add_raw_str(&mut self, buf: &mut String, s: &str) {
        buf.push_str(s);
        self.in_word = true;
    }

    /// The words, with the pending one if it is not empty.
    pub(crate) fn finish(mut self, buf: &mut String) -> Vec<String> {
        if !buf.is_empty() {
            self.words.push(std::mem::take(buf));
        }
        self.words
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_on_whitespace_and_drops_empty_words() {
        let mut buf = String::new();
        let mut w = Words::default();
        w.add_str(&mut buf, "  a b\t");
        w.add_raw_str(&mut buf, "");
        w.add_char(&mut buf, ' ');
        w.add_raw_str(&mut buf, " c ");
        w.add_char(&mut buf, 'd');
        assert_eq!(w.finish(&mut buf), vec!["a", "b", " c d"]);
        assert!(buf.is_empty());
    }
}
