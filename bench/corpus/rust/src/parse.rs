//! One access-log line -> an [`Entry`].
//!
//! Common log format: `host ident user [time] "METHOD path proto" status bytes`, optionally
//! followed (combined format) by `"referer" "user agent"`.

use regex::Regex;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub client: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub bytes: u64,
    pub agent: Option<String>,
}

pub struct Parser {
    line: Regex,
}

impl Parser {
    pub fn new() -> Parser {
        let line = Regex::new(
            r#"^(\S+) \S+ \S+ \[[^\]]+\] "([A-Z]+) (\S+)[^"]*" (\d{3}) (\d+|-)(?: "[^"]*" "([^"]*)")?\s*$"#,
        )
        .expect("the log line pattern compiles");
        Parser { line }
    }

    /// The entry of `line`, or `None` when it is not an access-log line.
    pub fn parse(&self, line: &str) -> Option<Entry> {
        let c = self.line.captures(line)?;
        let bytes: u64 = match &c[5] {
            "-" => 0,
            n => n.parse().ok()?,
        };
        Some(Entry {
            client: c[1].to_string(),
            method: c[2].to_string(),
            path: without_query(&c[3]).to_string(),
            status: c[4].parse().ok()?,
            bytes,
            agent: c.get(6).map(|m| m.as_str().to_string()),
        })
    }
}

fn without_query(path: &str) -> &str {
    path.split_once('?').map_or(path, |(p, _)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combined_line() {
        let p = Parser::new();
        let e = p
            .parse(r#"10.0.0.7 - - [01/Oct/2026:10:00:00 +0000] "GET /api/v1/items?page=2 HTTP/1.1" 200 512 "-" "curl/8.5.0""#)
            .unwrap();
        assert_eq!(e.path, "/api/v1/items");
        assert_eq!(e.status, 200);
        assert_eq!(e.agent.as_deref(), Some("curl/8.5.0"));
    }

    #[test]
    fn common_line_without_bytes() {
        let e = Parser::new()
            .parse(r#"::1 - alice [01/Oct/2026:10:00:00 +0000] "HEAD / HTTP/1.0" 304 -"#)
            .unwrap();
        assert_eq!((e.bytes, e.agent), (0, None));
    }

    #[test]
    fn garbage() {
        assert!(Parser::new().parse("not a log line").is_none());
    }
}
