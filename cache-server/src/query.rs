//! A request's query parameters, decoded once (`application/x-www-form-urlencoded`, as the
//! framework's `Query` decodes them) for both the authorization middleware and the handlers, so
//! the two can never read different values: a parameter whose name is escaped (`m%6Funt=`) is
//! the same parameter to both, and a name given twice is refused rather than read one way by
//! one and another way by the other.

/// The decoded `name=value` pairs of one query string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryParams(Vec<(String, String)>);

/// A parameter given more than once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("query parameter `{0}` is given more than once")]
pub struct Repeated(pub String);

impl QueryParams {
    /// Decodes `query` (the part after `?`; `None` or empty: no parameters).
    pub fn parse(query: Option<&str>) -> Self {
        Self(
            form_urlencoded::parse(query.unwrap_or_default().as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The value of `name`, `None` when absent; an error when it is given more than once.
    pub fn unique(&self, name: &str) -> Result<Option<&str>, Repeated> {
        let mut values = self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v);
        match (values.next(), values.next()) {
            (Some(_), Some(_)) => Err(Repeated(name.to_string())),
            (first, _) => Ok(first.map(String::as_str)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_names_are_the_same_parameter_and_repeats_are_refused() {
        let q = QueryParams::parse(Some("m%6Funt=sha256%3Aab&fr%6Fm=a%2Fb"));
        assert_eq!(q.unique("mount").unwrap(), Some("sha256:ab"));
        assert_eq!(q.unique("from").unwrap(), Some("a/b"));
        let q = QueryParams::parse(Some("mount=x&from=public&from=secret"));
        assert_eq!(q.unique("from"), Err(Repeated("from".into())));
        assert_eq!(QueryParams::parse(None).unique("mount").unwrap(), None);
    }
}
