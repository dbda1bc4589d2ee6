//! The command line: a handful of flags, parsed by hand.

use anyhow::{bail, Context, Result};

pub const USAGE: &str = "usage: logscan [--top N] [--status CLASS]... [--path-prefix P] \
[--expect-requests N] FILE...\n\
  --top N              how many paths to list (default 5)\n\
  --status CLASS       only count responses of this class (2xx, 4, 5xx ...); repeatable\n\
  --path-prefix P      only count requests whose path starts with P\n\
  --expect-requests N  fail unless exactly N requests were counted\n";

/// What the command line asked for.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Options {
    pub top: usize,
    pub classes: Vec<u16>,
    pub path_prefix: Option<String>,
    pub expect_requests: Option<u64>,
    pub files: Vec<String>,
    pub help: bool,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Options> {
        let mut o = Options {
            top: 5,
            ..Options::default()
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "-h" | "--help" => o.help = true,
                "--top" => {
                    let v = value(&mut it, a)?;
                    o.top = v
                        .parse()
                        .with_context(|| format!("--top {v}: not a count"))?;
                }
                "--status" => {
                    let v = value(&mut it, a)?;
                    o.classes.push(status_class(v)?);
                }
                "--path-prefix" => o.path_prefix = Some(value(&mut it, a)?.to_string()),
                "--expect-requests" => {
                    let v = value(&mut it, a)?;
                    let n: u64 = v
                        .parse()
                        .with_context(|| format!("--expect-requests {v}: not a count"))?;
                    o.expect_requests = Some(n);
                }
                s if s.starts_with('-') && s.len() > 1 => bail!("unknown option {s}\n{USAGE}"),
                s => o.files.push(s.to_string()),
            }
        }
        if o.files.is_empty() && !o.help {
            bail!("no input file\n{USAGE}");
        }
        Ok(o)
    }
}

fn value<'a>(it: &mut std::slice::Iter<'a, String>, flag: &str) -> Result<&'a str> {
    it.next()
        .map(String::as_str)
        .with_context(|| format!("{flag} needs a value"))
}

/// `2xx`, `2` or `200`-style class names -> the class digit.
fn status_class(v: &str) -> Result<u16> {
    let digit = v.trim_end_matches(|c| c == 'x' || c == 'X');
    let d: u16 = match digit.len() {
        1 => digit.parse().with_context(|| format!("--status {v}"))?,
        3 => {
            digit
                .parse::<u16>()
                .with_context(|| format!("--status {v}"))?
                / 100
        }
        _ => bail!("--status {v}: expected a class such as 2xx or 5"),
    };
    if !(1..=5).contains(&d) {
        bail!("--status {v}: no such status class");
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_flags_and_files() {
        let o = Options::parse(&args(&["--top", "3", "--status", "5xx", "a.log"])).unwrap();
        assert_eq!(o.top, 3);
        assert_eq!(o.classes, vec![5]);
        assert_eq!(o.files, vec!["a.log".to_string()]);
    }

    #[test]
    fn rejects_bad_classes() {
        assert!(status_class("7xx").is_err());
        assert!(status_class("20").is_err());
        assert_eq!(status_class("404").unwrap(), 4);
    }
}
