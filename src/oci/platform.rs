//! Platforms (`linux/amd64`, `linux/arm64/v8`) as containerd parses and normalizes them.

use std::fmt;

/// An OS/architecture/variant triple.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Platform {
    /// `linux`, `windows`, ...
    pub os: String,
    /// `amd64`, `arm64`, `arm`, `386`, ...
    pub arch: String,
    /// `v7`, `v8`, ... or empty.
    pub variant: String,
}

/// A platform that does not parse; the message is BuildKit's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?}: invalid platform specifier")]
pub struct PlatformError {
    /// The text as given.
    pub input: String,
}

impl Platform {
    /// The platform of the machine rbuild runs on.
    pub fn host() -> Self {
        let arch = normalize_arch(std::env::consts::ARCH, "");
        Self {
            os: "linux".to_string(),
            arch: arch.0,
            variant: arch.1,
        }
    }

    /// Parses `os[/arch[/variant]]` or a bare architecture (`arm64`), normalizing aliases
    /// (`x86_64` -> `amd64`, `aarch64` -> `arm64`, `arm64/v8` -> `arm64`).
    pub fn parse(s: &str) -> Result<Self, PlatformError> {
        let invalid = || PlatformError {
            input: s.to_string(),
        };
        let lower = s.trim().to_lowercase();
        let parts: Vec<&str> = lower.split('/').collect();
        let valid = |p: &str| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        };
        if parts.len() > 3 || !parts.iter().all(|p| valid(p)) {
            return Err(invalid());
        }
        let known_os = |p: &str| {
            matches!(
                p,
                "linux"
                    | "windows"
                    | "darwin"
                    | "freebsd"
                    | "netbsd"
                    | "openbsd"
                    | "solaris"
                    | "illumos"
                    | "aix"
                    | "android"
                    | "ios"
                    | "js"
                    | "wasip1"
                    | "plan9"
                    | "dragonfly"
            )
        };
        let (os, arch, variant) = match parts.as_slice() {
            [one] if known_os(one) => (one.to_string(), Platform::host().arch, String::new()),
            [one] => ("linux".to_string(), one.to_string(), String::new()),
            [os, arch] => (os.to_string(), arch.to_string(), String::new()),
            [os, arch, variant] => (os.to_string(), arch.to_string(), variant.to_string()),
            _ => return Err(invalid()),
        };
        let (arch, variant) = normalize_arch(&arch, &variant);
        Ok(Self { os, arch, variant })
    }
}

fn normalize_arch(arch: &str, variant: &str) -> (String, String) {
    let (a, v) = match (arch, variant) {
        ("i386", _) => ("386", ""),
        ("x86_64" | "x86-64" | "amd64", "") => ("amd64", ""),
        ("x86_64" | "x86-64" | "amd64", "v1") => ("amd64", ""),
        ("x86_64" | "x86-64", v) => ("amd64", v),
        ("aarch64" | "arm64", "8" | "v8" | "") => ("arm64", ""),
        ("aarch64", v) => ("arm64", v),
        ("armhf", _) => ("arm", "v7"),
        ("armel", _) => ("arm", "v6"),
        ("arm", "" | "7") => ("arm", "v7"),
        ("arm", "5" | "6" | "8") => return ("arm".into(), format!("v{variant}")),
        (a, v) => (a, v),
    };
    (a.to_string(), v.to_string())
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.arch)?;
        if !self.variant.is_empty() {
            write!(f, "/{}", self.variant)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_normalize() {
        assert_eq!(
            Platform::parse("linux/amd64").unwrap().to_string(),
            "linux/amd64"
        );
        assert_eq!(
            Platform::parse("linux/x86_64").unwrap().to_string(),
            "linux/amd64"
        );
        assert_eq!(
            Platform::parse("linux/arm64/v8").unwrap().to_string(),
            "linux/arm64"
        );
        assert_eq!(
            Platform::parse("linux/arm").unwrap().to_string(),
            "linux/arm/v7"
        );
        assert_eq!(Platform::parse("arm64").unwrap().to_string(), "linux/arm64");
        assert_eq!(
            Platform::parse("Linux/ARM64").unwrap().to_string(),
            "linux/arm64"
        );
        assert!(Platform::parse("linux//amd64").is_err());
        assert!(Platform::parse("a/b/c/d").is_err());
        assert!(Platform::parse("").is_err());
    }
}
