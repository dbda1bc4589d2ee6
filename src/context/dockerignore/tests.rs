//! Vector tables for the `.dockerignore` matcher (written for rbuild from the documented rules).

use super::*;

/// (pattern, path, whether the pattern matches the path itself).
const SINGLE: &[(&str, &str, bool)] = &[
    // exact
    ("foo", "foo", true),
    ("foo", "foobar", false),
    ("foo", "bar/foo", false),
    ("foo/bar", "foo/bar", true),
    ("foo/", "foo", true),
    ("./foo", "foo", true),
    ("foo/./bar/../baz", "foo/baz", true),
    ("foo.txt", "fooxtxt", false),
    ("a+b(c)|{d}$", "a+b(c)|{d}$", true),
    // `*` stays within a component
    ("*", "foo", true),
    ("*", "foo/bar", false),
    ("*.go", "main.go", true),
    ("*.go", "cmd/main.go", false),
    ("*/*.go", "cmd/main.go", true),
    ("*/*.go", "a/cmd/main.go", false),
    ("foo*", "foo", true),
    ("foo*bar", "foo/bar", false),
    ("a*b*c", "aXbYc", true),
    // `?`
    ("?", "a", true),
    ("?", "ab", false),
    ("a?c", "abc", true),
    ("a?c", "a/c", false),
    ("a?c", "aéc", true),
    // classes
    ("[abc]", "b", true),
    ("[abc]", "d", false),
    ("[a-c]x", "cx", true),
    ("[^a-c]x", "dx", true),
    ("[^a-c]x", "ax", false),
    ("[!a]", "!", true),
    ("[!a]", "b", false),
    ("a[^x]b", "a/b", true),
    ("[\\]]", "]", true),
    ("[*]", "*", true),
    ("[*]", "x", false),
    ("file[0-9].txt", "file7.txt", true),
    ("file[0-9].txt", "fileA.txt", false),
    ("x]", "x]", true),
    // `**`
    ("**", "anything/at/all", true),
    ("**", "x", true),
    ("**/foo", "foo", true),
    ("**/foo", "a/b/foo", true),
    ("**/foo", "a/b/foobar", false),
    ("**/foo", "a/xfoo", false),
    ("**foo", "a/xfoo", true),
    ("**/*.go", "main.go", true),
    ("**/*.go", "a/b/main.go", true),
    ("**/*.go", "a/b/main.goo", false),
    ("foo/**", "foo/bar", true),
    ("foo/**", "foo/bar/baz", true),
    ("foo/**", "foo", false),
    ("foo**", "foobar/baz", true),
    ("foo/**/bar", "foo/bar", true),
    ("foo/**/bar", "foo/a/b/bar", true),
    ("foo/**/bar", "foo/a/b/barx", false),
    ("foo/**/*.md", "foo/x/y.md", true),
    ("a/**/**/b", "a/b", true),
    ("a/**/**/b", "a/x/y/z/b", true),
    ("**/**", "a/b", true),
    ("*/**", "a/b", true),
    ("**/a/**", "x/a/y", true),
    ("**/a/**", "x/a", false),
    // `\` escapes
    ("a\\*b", "a*b", true),
    ("a\\*b", "axb", false),
    ("\\?", "?", true),
    ("\\?", "x", false),
    ("\\[x]", "[x]", true),
    ("a\\.b", "a.b", true),
    ("a\\.b", "axb", false),
    // cleaning leaves `..` that can never match a context path
    ("../foo", "foo", false),
];

#[test]
fn single_patterns() {
    for &(pattern, path, want) in SINGLE {
        let matcher =
            PatternMatcher::new(&[pattern]).unwrap_or_else(|e| panic!("{pattern}: {e:?}"));
        let got = matcher.patterns()[0].matches(path);
        assert_eq!(got, want, "pattern {pattern:?} on {path:?}");
    }
}

/// (patterns, path, excluded): whole-list decisions, parent directories included.
const LISTS: &[(&[&str], &str, bool)] = &[
    (&["foo"], "foo/bar/baz", true),
    (&["foo/bar"], "foo", false),
    (&["foo/bar"], "foo/bar/x", true),
    (&["*.txt"], "dir/a.txt", false),
    (&["dir"], "dir/a.txt", true),
    (&["d*"], "dir/sub/a.txt", true),
    (&["**/node_modules"], "a/node_modules/x/y.js", true),
    (&["foo", "!foo/keep"], "foo/keep", false),
    (&["foo", "!foo/keep"], "foo/keep/deep/file", false),
    (&["foo", "!foo/keep"], "foo/other", true),
    (&["*.md", "!README.md"], "README.md", false),
    (&["*.md", "!README.md"], "CHANGES.md", true),
    (&["*.md", "!README.md", "README.md"], "README.md", true),
    (&["!README.md", "*.md"], "README.md", true),
    (&["**/*.log", "!important.log"], "important.log", false),
    (&["**/*.log", "!important.log"], "x/important.log", true),
    (&["**/*.log", "!**/important.log"], "x/important.log", false),
    (&["a", "!a/b", "a/b/c"], "a/b/c", true),
    (&["a", "!a/b", "a/b/c"], "a/b/d", false),
    (&["a", "!a/b", "a/b/c"], "a/b/c/e", true),
    (&["*", "!keep"], "keep", false),
    (&["*", "!keep"], "other", true),
    (&["*", "!keep"], "keep/inner", false),
    (&["", "   ", "foo"], "foo", true),
    (&["  foo  "], "foo", true),
];

#[test]
fn pattern_lists() {
    for &(patterns, path, want) in LISTS {
        let matcher =
            PatternMatcher::new(patterns).unwrap_or_else(|e| panic!("{patterns:?}: {e:?}"));
        assert_eq!(
            matcher.matches_or_parent_matches(path),
            want,
            "patterns {patterns:?} on {path:?}"
        );
        // The walker's incremental form agrees with the one-shot form.
        let mut info = MatchInfo::default();
        let mut got = false;
        let mut prefix = String::new();
        for component in path.split('/') {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(component);
            (got, info) = matcher.matches_using_parent_results(&prefix, &info);
        }
        assert_eq!(got, want, "incremental: patterns {patterns:?} on {path:?}");
    }
}

#[test]
fn malformed_patterns() {
    for bad in [
        "!", "  !  ", "[", "a[b", "[]", "foo\\", "[z-", "[^", "[-a]", "[a-]", "[z-a]",
    ] {
        let err = PatternMatcher::new(&["ok", bad]).expect_err(bad);
        assert_eq!(err.index, 1, "{bad}");
    }
}

#[test]
fn exclusions_flag() {
    assert!(!PatternMatcher::new(&["a", "b"]).unwrap().has_exclusions());
    assert!(PatternMatcher::new(&["a", "!b"]).unwrap().has_exclusions());
}
