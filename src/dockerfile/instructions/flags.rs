//! `--flag[=value]` validation for one instruction, with BuildKit's rules and messages
//! (`unknown flag: --x`, `duplicate flag specified: --x`, `missing a value on flag: --x`, ...).

use std::collections::BTreeMap;

/// The kind of value a flag takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagKind {
    /// `--link`, `--link=true|false`.
    Bool,
    /// `--from=x`, given at most once.
    String,
    /// `--mount=...`, may repeat.
    Strings,
}

/// The flags an instruction accepts and the values the Dockerfile gave them.
#[derive(Debug, Default)]
pub struct Flags {
    known: BTreeMap<&'static str, FlagKind>,
    values: BTreeMap<String, Vec<String>>,
}

impl Flags {
    /// Parses `words` (as the raw parser kept them, e.g. `--from=build`) against the flags in
    /// `known`. Returns BuildKit's message on the first bad flag.
    pub fn parse(words: &[String], known: &[(&'static str, FlagKind)]) -> Result<Self, String> {
        let mut flags = Flags {
            known: known.iter().copied().collect(),
            values: BTreeMap::new(),
        };
        for word in words {
            if word == "--" {
                break;
            }
            let Some(rest) = word.strip_prefix("--") else {
                return Err(format!("arg should start with -- : {word}"));
            };
            let (name, value) = match rest.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (rest, None),
            };
            let flag_name = format!("--{name}");
            let Some(kind) = flags.known.get(name).copied() else {
                let names: Vec<&str> = flags.known.keys().copied().collect();
                return Err(crate::dockerfile::suggest::hint(
                    format!("unknown flag: {flag_name}"),
                    name,
                    &names,
                    true,
                ));
            };
            if flags.values.contains_key(name) && kind != FlagKind::Strings {
                return Err(format!("duplicate flag specified: {flag_name}"));
            }
            let value = match (kind, value) {
                (FlagKind::Bool, Some("")) | (FlagKind::String | FlagKind::Strings, None) => {
                    return Err(format!("missing a value on flag: {flag_name}"));
                }
                (FlagKind::Bool, None) => "true".to_string(),
                (FlagKind::Bool, Some(v)) => match v.to_ascii_lowercase().as_str() {
                    "true" => "true".to_string(),
                    "false" => "false".to_string(),
                    _ => {
                        return Err(format!(
                            "expecting boolean value for flag {flag_name}, not: {v}"
                        ));
                    }
                },
                (_, Some(v)) => v.to_string(),
            };
            flags
                .values
                .entry(name.to_string())
                .or_default()
                .push(value);
        }
        Ok(flags)
    }

    /// The value of a string flag, if given.
    pub fn string(&self, name: &str) -> Option<String> {
        self.values.get(name).and_then(|v| v.last().cloned())
    }

    /// Every value of a repeatable flag, in order.
    pub fn strings(&self, name: &str) -> Vec<String> {
        self.values.get(name).cloned().unwrap_or_default()
    }

    /// A boolean flag: `None` when not given.
    pub fn bool(&self, name: &str) -> Option<bool> {
        self.values
            .get(name)
            .and_then(|v| v.last())
            .map(|v| v == "true")
    }

    /// Whether the flag was given at all.
    pub fn is_used(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    const COPY: &[(&str, FlagKind)] = &[
        ("from", FlagKind::String),
        ("link", FlagKind::Bool),
        ("exclude", FlagKind::Strings),
    ];

    #[test]
    fn values_and_defaults() {
        let f = Flags::parse(
            &words(&["--from=a", "--link", "--exclude=x", "--exclude=y"]),
            COPY,
        )
        .unwrap();
        assert_eq!(f.string("from").as_deref(), Some("a"));
        assert_eq!(f.bool("link"), Some(true));
        assert_eq!(f.strings("exclude"), ["x", "y"]);
        let f = Flags::parse(&words(&["--link=FALSE"]), COPY).unwrap();
        assert_eq!(f.bool("link"), Some(false));
        assert_eq!(f.string("from"), None);
    }

    #[test]
    fn buildkit_messages() {
        let err = |w: &[&str]| Flags::parse(&words(w), COPY).unwrap_err();
        assert_eq!(err(&["--chown=1"]), "unknown flag: --chown");
        assert_eq!(
            err(&["--from=a", "--from=b"]),
            "duplicate flag specified: --from"
        );
        assert_eq!(err(&["--from"]), "missing a value on flag: --from");
        assert_eq!(err(&["--link="]), "missing a value on flag: --link");
        assert_eq!(
            err(&["--link=yes"]),
            "expecting boolean value for flag --link, not: yes"
        );
        assert_eq!(err(&["-x"]), "arg should start with -- : -x");
        // `--` ends the flags.
        assert!(Flags::parse(&words(&["--", "--bogus"]), COPY).is_ok());
    }
}
