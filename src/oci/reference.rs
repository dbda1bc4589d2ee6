//! Image references, normalized as Docker does: `busybox` ->
//! `docker.io/library/busybox:latest`; a digest pins the reference.

use std::fmt;

/// A parsed, normalized image reference.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Reference {
    /// Registry host (`docker.io`, `127.0.0.1:5000`, `ghcr.io`).
    pub domain: String,
    /// Repository path (`library/busybox`).
    pub path: String,
    /// Tag, if given (`latest` is filled in only when neither tag nor digest is given).
    pub tag: Option<String>,
    /// `sha256:...` digest, if pinned.
    pub digest: Option<String>,
}

/// A reference that does not parse; the message is Docker's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid reference format: {input:?}")]
pub struct ReferenceError {
    /// The text as given.
    pub input: String,
}

impl Reference {
    /// Parses and normalizes a reference.
    pub fn parse(s: &str) -> Result<Self, ReferenceError> {
        let invalid = || ReferenceError {
            input: s.to_string(),
        };
        if s.is_empty() || s.len() > 4096 || s.chars().any(|c| c.is_whitespace()) {
            return Err(invalid());
        }
        let (name_tag, digest) = match s.split_once('@') {
            Some((n, d)) => {
                let (algo, hex) = d.split_once(':').ok_or_else(invalid)?;
                let ok = match algo {
                    "sha256" => hex.len() == 64,
                    "sha512" => hex.len() == 128,
                    _ => false,
                } && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
                if !ok {
                    return Err(invalid());
                }
                (n, Some(d.to_string()))
            }
            None => (s, None),
        };
        let last_slash = name_tag.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match name_tag[last_slash..].rfind(':') {
            Some(i) => {
                let tag = &name_tag[last_slash + i + 1..];
                let tag_ok = !tag.is_empty()
                    && tag.len() <= 128
                    && tag
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                    && tag
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
                if !tag_ok {
                    return Err(invalid());
                }
                (&name_tag[..last_slash + i], Some(tag.to_string()))
            }
            None => (name_tag, None),
        };
        let (domain, path) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.')
                    || first.contains(':')
                    || first == "localhost"
                    || first.chars().any(|c| c.is_ascii_uppercase()) =>
            {
                (first.to_string(), rest.to_string())
            }
            _ => ("docker.io".to_string(), name.to_string()),
        };
        let domain = if domain == "index.docker.io" {
            "docker.io".to_string()
        } else {
            domain
        };
        let path = if domain == "docker.io" && !path.contains('/') {
            format!("library/{path}")
        } else {
            path
        };
        if !path.split('/').all(valid_path_component) {
            return Err(invalid());
        }
        let tag = match (&tag, &digest) {
            (None, None) => Some("latest".to_string()),
            _ => tag,
        };
        Ok(Self {
            domain,
            path,
            tag,
            digest,
        })
    }

    /// `domain/path` without tag or digest.
    pub fn repository(&self) -> String {
        format!("{}/{}", self.domain, self.path)
    }
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
fn valid_path_component(c: &str) -> bool {
    let b = c.as_bytes();
    if b.is_empty() || !b[0].is_ascii_lowercase() && !b[0].is_ascii_digit() {
        return false;
    }
    let alnum = |x: u8| x.is_ascii_lowercase() || x.is_ascii_digit();
    let mut i = 0;
    while i < b.len() {
        if alnum(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && !alnum(b[i]) {
            i += 1;
        }
        let sep = &c[start..i];
        let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|x| x == b'-');
        if !ok || i == b.len() {
            return false;
        }
    }
    true
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.domain, self.path)?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> String {
        Reference::parse(s).unwrap().to_string()
    }

    #[test]
    fn normalizes_like_docker() {
        assert_eq!(n("busybox"), "docker.io/library/busybox:latest");
        assert_eq!(n("library/busybox:1.36"), "docker.io/library/busybox:1.36");
        assert_eq!(n("user/app"), "docker.io/user/app:latest");
        assert_eq!(n("index.docker.io/user/app"), "docker.io/user/app:latest");
        assert_eq!(
            n("127.0.0.1:5000/library/busybox:latest"),
            "127.0.0.1:5000/library/busybox:latest"
        );
        assert_eq!(n("localhost/app"), "localhost/app:latest");
        assert_eq!(n("ghcr.io/o/r/deep:v1.2"), "ghcr.io/o/r/deep:v1.2");
        let d = format!("sha256:{}", "0".repeat(64));
        assert_eq!(
            n(&format!("alpine@{d}")),
            format!("docker.io/library/alpine@{d}")
        );
        assert_eq!(
            n(&format!("alpine:3@{d}")),
            format!("docker.io/library/alpine:3@{d}")
        );
    }

    #[test]
    fn rejects_invalid() {
        for bad in [
            "",
            "Busybox",
            "a b",
            "alpine:",
            "alpine@sha256:12",
            "a//b",
            "-a",
            "a:b:c",
            "a/b-",
            "x@md5:00",
        ] {
            assert!(Reference::parse(bad).is_err(), "{bad}");
        }
    }
}
