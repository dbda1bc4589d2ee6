//! The exec (JSON array) form of arguments, decoded as Go's `encoding/json` decodes it.

/// BuildKit's error for a JSON array holding something other than strings.
pub(crate) const NOT_STRING_ARRAY: &str =
    "when using JSON array syntax, arrays must be comprised of strings only";

/// The outcome of trying to read arguments as a JSON array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JsonArgs {
    /// Valid JSON array of strings.
    Strings(Vec<String>),
    /// Not a JSON array (or not valid JSON): the caller falls back to the shell form.
    NotJson,
    /// A valid JSON array with a non-string element: an error.
    NotStrings,
}

/// Parses `rest` as a JSON array of strings, like BuildKit's `parseJSON`.
pub(crate) fn parse_json(rest: &str) -> JsonArgs {
    let rest = rest.trim_start_matches(char::is_whitespace);
    if !rest.starts_with('[') {
        return JsonArgs::NotJson;
    }
    let fixed = replace_lone_surrogates(rest);
    let Ok(values) = serde_json::from_str::<Vec<serde_json::Value>>(&fixed) else {
        return JsonArgs::NotJson;
    };
    let mut out = Vec::with_capacity(values.len());
    for value in values {
        match value {
            serde_json::Value::String(s) => out.push(s),
            _ => return JsonArgs::NotStrings,
        }
    }
    JsonArgs::Strings(out)
}

/// Go decodes a `\u` escape of an unpaired UTF-16 surrogate to U+FFFD where serde_json rejects
/// the document: rewrite such escapes (inside string literals only) to `\ufffd` first.
fn replace_lone_surrogates(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("\\u") {
        return text.into();
    }
    let chars: Vec<char> = text.chars().collect();
    let hex4 = |at: usize| -> Option<u32> {
        if chars.get(at) != Some(&'\\') || chars.get(at + 1) != Some(&'u') {
            return None;
        }
        let digits: String = chars.get(at + 2..at + 6)?.iter().collect();
        if digits.len() != 4 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(&digits, 16).ok()
    };
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if !in_string {
            in_string = c == '"';
            out.push(c);
            i += 1;
            continue;
        }
        match c {
            '"' => {
                in_string = false;
                out.push(c);
                i += 1;
            }
            '\\' => match hex4(i) {
                Some(0xd800..=0xdbff) => {
                    if matches!(hex4(i + 6), Some(0xdc00..=0xdfff)) {
                        out.extend(chars.get(i..i + 12).unwrap_or(&[]));
                        i += 12;
                    } else {
                        out.push_str("\\ufffd");
                        i += 6;
                    }
                }
                Some(0xdc00..=0xdfff) => {
                    out.push_str("\\ufffd");
                    i += 6;
                }
                _ => {
                    // Any other escape: copy it whole so an escaped quote stays inside.
                    out.push(c);
                    if let Some(&n) = chars.get(i + 1) {
                        out.push(n);
                    }
                    i += 2;
                }
            },
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> JsonArgs {
        JsonArgs::Strings(v.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn valid_arrays() {
        assert_eq!(parse_json("[]"), strings(&[]));
        assert_eq!(parse_json("[\"\"]"), strings(&[""]));
        assert_eq!(parse_json("[ \"a\", \"b\" ]"), strings(&["a", "b"]));
        assert_eq!(parse_json("\t[\t\"a\",\t\"b\"\t]\t"), strings(&["a", "b"]));
        assert_eq!(
            parse_json(r#"["abc 123", "♥", "☃", "\" \\ \/ \b \f \n \r \t \u0000"]"#),
            strings(&["abc 123", "♥", "☃", "\" \\ / \u{8} \u{c} \n \r \t \0"])
        );
        assert_eq!(parse_json(r#"["\u00e9\ud83d\ude00"]"#), strings(&["é😀"]));
    }

    #[test]
    fn non_strings_are_errors() {
        for bad in [
            r#"["a",42,"b"]"#,
            r#"["a",123.456,"b"]"#,
            r#"["a",{},"b"]"#,
            r#"["a",{"c": "d"},"b"]"#,
            r#"["a",["c"],"b"]"#,
            r#"["a",true,"b"]"#,
            r#"["a",false,"b"]"#,
            r#"["a",null,"b"]"#,
            r#"[ "echo", [ "nested json" ] ]"#,
        ] {
            assert_eq!(parse_json(bad), JsonArgs::NotStrings, "{bad}");
        }
    }

    #[test]
    fn invalid_json_is_shell_form() {
        for s in [
            "['a']",
            "[\"a\"",
            "[\"a]",
            "[\"a\"] x",
            "a [\"b\"]",
            "[\"a\",]",
            "[\"a\"\u{b}]",
            "[1e400]",
            "[\"\u{1}\"]",
        ] {
            assert_eq!(parse_json(s), JsonArgs::NotJson, "{s}");
        }
    }

    #[test]
    fn lone_surrogates_become_replacement_characters() {
        assert_eq!(parse_json(r#"["\ud800"]"#), strings(&["\u{fffd}"]));
        assert_eq!(parse_json(r#"["\udc00x"]"#), strings(&["\u{fffd}x"]));
        assert_eq!(
            parse_json(r#"["\ud800\u0041", "\\ud800"]"#),
            strings(&["\u{fffd}A", "\\ud800"])
        );
    }
}
