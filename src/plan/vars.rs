//! Variables in scope while planning: the global (meta) ARGs usable in FROM lines, and each
//! stage's environment (ENV and ARG values, in order, the last definition of a name winning), as
//! BuildKit's `dockerfile2llb` keeps them.

use crate::dockerfile::shell::Env;
use std::collections::{BTreeMap, BTreeSet};

/// An ordered list of `NAME=value` definitions; a later definition of a name replaces the earlier.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Vars {
    entries: Vec<(String, String)>,
}

impl Vars {
    /// Sets `name` to `value`, keeping its first position when it already exists.
    pub fn set(&mut self, name: &str, value: &str) {
        match self.entries.iter_mut().find(|(k, _)| k == name) {
            Some(entry) => entry.1 = value.to_string(),
            None => self.entries.push((name.to_string(), value.to_string())),
        }
    }

    /// The definitions in order.
    pub fn entries(&self) -> &[(String, String)] {
        &self.entries
    }

    /// Whether `name` is defined.
    pub fn contains(&self, name: &str) -> bool {
        self.entries.iter().any(|(k, _)| k == name)
    }
}

impl Env for Vars {
    fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The build arguments given on the command line, and which of them something consumed.
#[derive(Debug, Clone, Default)]
pub struct BuildArgs {
    values: BTreeMap<String, String>,
    consumed: BTreeSet<String>,
}

/// Build args that need no ARG declaration and that Docker never reports as unused.
pub const PREDEFINED_ARGS: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
    "SOURCE_DATE_EPOCH",
    SANDBOX_HOSTNAME_ARG,
];

/// The build arg that names RUN's host name (BuildKit's `dockerui` turns it into the
/// `hostname` frontend option).
pub const SANDBOX_HOSTNAME_ARG: &str = "BUILDKIT_SANDBOX_HOSTNAME";

impl BuildArgs {
    /// The proxy build args given (`HTTP_PROXY` or `http_proxy`, `no_proxy`, ...), each in
    /// both casings as BuildKit's `llb.ProxyEnv` sets them: BuildKit passes them to every RUN
    /// without an ARG, and keeps them out of the cache key and the image.
    pub fn proxies(&self) -> Vec<String> {
        let mut out = Vec::new();
        for name in [
            "http_proxy",
            "https_proxy",
            "ftp_proxy",
            "no_proxy",
            "all_proxy",
        ] {
            let upper = name.to_ascii_uppercase();
            let value = self.values.get(&upper).or_else(|| self.values.get(name));
            if let Some(v) = value {
                out.push(format!("{upper}={v}"));
                out.push(format!("{name}={v}"));
            }
        }
        out
    }

    /// The host name RUN steps get from `--build-arg BUILDKIT_SANDBOX_HOSTNAME=...` (ignored
    /// when empty, as BuildKit's `dockerui` does); `None`: BuildKit's default.
    pub fn sandbox_hostname(&self) -> Option<&str> {
        self.values
            .get(SANDBOX_HOSTNAME_ARG)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Wraps `--build-arg` values.
    pub fn new(values: BTreeMap<String, String>) -> Self {
        Self {
            values,
            consumed: BTreeSet::new(),
        }
    }

    /// The value given for `name`, marking it consumed.
    pub fn take(&mut self, name: &str) -> Option<String> {
        let v = self.values.get(name).cloned();
        if v.is_some() {
            self.consumed.insert(name.to_string());
        }
        v
    }

    /// The value given for `name` without consuming it.
    pub fn peek(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    /// Build args no ARG consumed (Docker's "were not consumed" warning).
    pub fn unconsumed(&self) -> Vec<String> {
        self.values
            .keys()
            .filter(|k| !self.consumed.contains(*k) && !PREDEFINED_ARGS.contains(&k.as_str()))
            .filter(|k| !is_platform_arg(k))
            .cloned()
            .collect()
    }
}

/// Whether `name` is one of the automatic platform args (`TARGETARCH`, `BUILDPLATFORM`, ...).
pub fn is_platform_arg(name: &str) -> bool {
    matches!(
        name,
        "BUILDPLATFORM"
            | "BUILDOS"
            | "BUILDOSVERSION"
            | "BUILDARCH"
            | "BUILDVARIANT"
            | "TARGETPLATFORM"
            | "TARGETOS"
            | "TARGETOSVERSION"
            | "TARGETARCH"
            | "TARGETVARIANT"
            | "TARGETSTAGE"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_definition_wins_in_first_position() {
        let mut v = Vars::default();
        v.set("A", "1");
        v.set("B", "2");
        v.set("A", "3");
        assert_eq!(v.get("A"), Some("3"));
        assert_eq!(v.entries()[0].0, "A");
        assert_eq!(v.get("C"), None);
    }

    #[test]
    fn unconsumed_skips_predefined() {
        let mut b = BuildArgs::new(
            [
                ("A", "1"),
                ("HTTP_PROXY", "x"),
                ("TARGETARCH", "arm64"),
                ("B", "2"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        );
        b.take("A");
        assert_eq!(b.unconsumed(), ["B"]);
    }
}
