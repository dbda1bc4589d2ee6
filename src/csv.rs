//! One CSV record as Go's `encoding/csv` reads it, the syntax of `RUN --mount=...` specs and of
//! buildx's `--output` / `--cache-to` / `--cache-from` values: fields separated by commas; a
//! field that starts with `"` is quoted, may hold commas, and spells `"` as `""`.

/// Why a record is not valid CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CsvError {
    /// A quoted field has no closing quote.
    #[error("a quoted field is not closed")]
    UnclosedQuote,
    /// Something other than a comma follows a closing quote.
    #[error("text after a closing quote")]
    TextAfterQuote,
    /// A `"` inside a field that did not start with one.
    #[error("a `\"` inside an unquoted field")]
    BareQuote,
}

/// Splits one record into its fields.
pub fn fields(record: &str) -> Result<Vec<String>, CsvError> {
    let mut fields = Vec::new();
    let mut chars = record.chars().peekable();
    loop {
        let mut field = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next() {
                    None => return Err(CsvError::UnclosedQuote),
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        field.push('"');
                    }
                    Some('"') => break,
                    Some(c) => field.push(c),
                }
            }
            match chars.next() {
                None => {
                    fields.push(field);
                    return Ok(fields);
                }
                Some(',') => fields.push(field),
                Some(_) => return Err(CsvError::TextAfterQuote),
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        fields.push(field);
                        return Ok(fields);
                    }
                    Some(',') => break,
                    Some('"') => return Err(CsvError::BareQuote),
                    Some(c) => field.push(c),
                }
            }
            fields.push(field);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_as_go_reads_it() {
        assert_eq!(fields("a,b").unwrap(), ["a", "b"]);
        assert_eq!(
            fields(r#"type=bind,"source=a,b",x"#).unwrap(),
            ["type=bind", "source=a,b", "x"]
        );
        assert_eq!(fields(r#""say ""hi""""#).unwrap(), [r#"say "hi""#]);
        assert_eq!(fields("").unwrap(), [""]);
        assert_eq!(fields("a,").unwrap(), ["a", ""]);
        assert_eq!(fields(r#""ab"#), Err(CsvError::UnclosedQuote));
        assert_eq!(fields(r#""a"b"#), Err(CsvError::TextAfterQuote));
        assert_eq!(fields(r#"a"b"#), Err(CsvError::BareQuote));
    }
}
