//! No input makes the lexer panic, whatever the options and environment.

use std::collections::BTreeMap;

use proptest::prelude::*;

use super::Lexer;

/// Text dense in the characters the lexer treats specially, plus arbitrary characters.
fn shellish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => prop::sample::select(vec![
            "$", "{", "}", ":", "-", "+", "?", "#", "%", "/", "'", "\"", "\\", "`", "<", " ",
            "*", "[", "]", "A", "B", "_", "1", "@", "0", "é", "한", "\u{feff}", "\n", "\t",
        ])
        .prop_map(str::to_string),
        2 => prop::sample::select(vec!["${A", "${B:-", "${A#", "${A//", "$A", "}", "${"])
            .prop_map(str::to_string),
        1 => any::<char>().prop_map(|c| c.to_string()),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

fn lexer() -> impl Strategy<Value = Lexer> {
    (
        prop::sample::select(vec!['\\', '`', '$', '\'']),
        any::<[bool; 4]>(),
    )
        .prop_map(|(escape, f)| {
            let mut lexer = Lexer::new(escape);
            lexer.raw_quotes = f[0];
            lexer.raw_escapes = f[1];
            lexer.skip_unset_env = f[2];
            lexer.skip_process_quotes = f[3];
            lexer
        })
}

fn env() -> impl Strategy<Value = BTreeMap<String, String>> {
    prop::collection::btree_map(
        prop::sample::select(vec!["A", "B", "1", "@", ""]).prop_map(str::to_string),
        shellish(),
        0..4,
    )
}

proptest! {
    // RBUILD_PROPTEST_CASES raises the number of cases (bench/fuzz.sh).
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("RBUILD_PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(2000)
    ))]

    #[test]
    fn never_panics(lexer in lexer(), input in shellish(), env in env()) {
        let word = lexer.process_word(&input, &env);
        let words = lexer.process_words(&input, &env);
        prop_assert_eq!(word.is_ok(), words.is_ok());
        if let (Ok(word), Ok(words)) = (word, words) {
            prop_assert_eq!(word.used, words.used);
            prop_assert_eq!(word.unset, words.unset);
        }
    }

    #[test]
    fn never_panics_on_arbitrary_text(input in any::<String>(), env in env()) {
        let lexer = Lexer::new('\\');
        let _ = lexer.process_word(&input, &env);
        let _ = lexer.process_words(&input, &env);
    }
}
