//! Image names in the three spellings an export needs, as containerd's archive exporter (which
//! buildx uses) writes them: the full name (`docker.io/library/foo:bar`, the
//! `io.containerd.image.name` annotation and buildx's `image.name`), the tag alone (the OCI
//! `org.opencontainers.image.ref.name`) and the familiar name (`foo:bar`, Docker's `RepoTags`).

use std::fmt;

use super::error::{OutputError, Result};
use crate::oci::reference::Reference;

/// A normalized, tagged image name (`foo` means `docker.io/library/foo:latest`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ImageName {
    reference: Reference,
    tag: String,
}

impl ImageName {
    /// Parses and normalizes `name` as Docker does; a name pinned by digest is refused (an
    /// exported image is named by tag).
    pub fn parse(name: &str) -> Result<Self> {
        let bad = |reason: String| OutputError::BadName {
            name: name.to_string(),
            reason,
        };
        let reference = Reference::parse(name).map_err(|e| bad(e.to_string()))?;
        if reference.digest.is_some() {
            return Err(bad(
                "an exported image is named by tag, not by digest".into()
            ));
        }
        let tag = reference.tag.clone().unwrap_or_else(|| "latest".into());
        Ok(Self { reference, tag })
    }

    /// `docker.io/library/foo:bar`.
    pub fn full(&self) -> String {
        format!("{}:{}", self.reference.repository(), self.tag)
    }

    /// `bar`: the OCI layout's `org.opencontainers.image.ref.name`.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// `foo` for `docker.io/library/foo`, `user/app` for `docker.io/user/app`, the full
    /// repository otherwise: Docker's familiar form.
    pub fn familiar_repository(&self) -> String {
        if self.reference.domain == "docker.io" {
            let path = &self.reference.path;
            path.strip_prefix("library/")
                .filter(|rest| !rest.contains('/'))
                .unwrap_or(path)
                .to_string()
        } else {
            self.reference.repository()
        }
    }

    /// `foo:bar`: Docker's `RepoTags` entry.
    pub fn familiar(&self) -> String {
        format!("{}:{}", self.familiar_repository(), self.tag)
    }
}

impl fmt::Display for ImageName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        let n = ImageName::parse("foo:bar").unwrap();
        assert_eq!(n.full(), "docker.io/library/foo:bar");
        assert_eq!(n.tag(), "bar");
        assert_eq!(n.familiar(), "foo:bar");
        let n = ImageName::parse("user/app").unwrap();
        assert_eq!(n.full(), "docker.io/user/app:latest");
        assert_eq!(n.familiar(), "user/app:latest");
        let n = ImageName::parse("localhost:5000/a/b:v1").unwrap();
        assert_eq!(n.full(), "localhost:5000/a/b:v1");
        assert_eq!(n.familiar(), "localhost:5000/a/b:v1");
        assert_eq!(n.tag(), "v1");
    }

    #[test]
    fn refuses_digests_and_garbage() {
        let d = format!("sha256:{}", "0".repeat(64));
        assert!(ImageName::parse(&format!("foo@{d}")).is_err());
        assert!(ImageName::parse("Foo").is_err());
        assert!(ImageName::parse("").is_err());
    }
}
