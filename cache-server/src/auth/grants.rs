//! Rights of one configured token: its grants compiled to glob matchers.
//!
//! A grant covers a repository when one of its repository globs matches the whole name; when it
//! lists `scopes`, the repository's branch scope (its last path segment; a one-segment
//! repository has none) must also match one of them. Write implies read.

use globset::GlobMatcher;

use crate::config::{Access, ConfigError, Grant, compile_glob};

/// One grant, compiled.
#[derive(Debug, Clone)]
pub struct CompiledGrant {
    repositories: Vec<GlobMatcher>,
    scopes: Vec<GlobMatcher>,
    access: Access,
}

/// The branch scope of a repository: its last path segment, none for one-segment names.
pub fn scope_of(repository: &str) -> Option<&str> {
    repository.rsplit_once('/').map(|(_, last)| last)
}

impl CompiledGrant {
    /// Compiles a configured grant.
    pub fn new(grant: &Grant) -> Result<Self, ConfigError> {
        let compile = |globs: &[String]| {
            globs
                .iter()
                .map(|g| {
                    compile_glob(g).map_err(|e| ConfigError::Invalid(format!("glob {g:?}: {e}")))
                })
                .collect::<Result<Vec<_>, _>>()
        };
        Ok(Self {
            repositories: compile(&grant.repositories)?,
            scopes: compile(&grant.scopes)?,
            access: grant.access,
        })
    }

    /// Whether this grant gives `access` on `repository`.
    pub fn allows(&self, repository: &str, access: Access) -> bool {
        if access > self.access {
            return false;
        }
        if !self.repositories.iter().any(|g| g.is_match(repository)) {
            return false;
        }
        if self.scopes.is_empty() {
            return true;
        }
        match scope_of(repository) {
            Some(scope) => self.scopes.iter().any(|g| g.is_match(scope)),
            None => false,
        }
    }
}

/// Whether any of `grants` gives `access` on `repository`.
pub fn allows(grants: &[CompiledGrant], repository: &str, access: Access) -> bool {
    grants.iter().any(|g| g.allows(repository, access))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(repos: &[&str], access: Access, scopes: &[&str]) -> CompiledGrant {
        CompiledGrant::new(&Grant {
            repositories: repos.iter().map(|s| s.to_string()).collect(),
            access,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
        })
        .unwrap()
    }

    #[test]
    fn fork_token_reads_everything_but_writes_only_pr_scopes() {
        let grants = [
            grant(&["proj/**"], Access::Read, &[]),
            grant(&["proj/*"], Access::Write, &["pr-*"]),
        ];
        assert!(allows(&grants, "proj/main", Access::Read));
        assert!(!allows(&grants, "proj/main", Access::Write));
        assert!(allows(&grants, "proj/pr-12", Access::Write));
        assert!(allows(&grants, "proj/pr-12", Access::Read));
        assert!(!allows(&grants, "proj/a/pr-12", Access::Write));
        assert!(allows(&grants, "proj/a/pr-12", Access::Read));
        assert!(!allows(&grants, "other/main", Access::Read));
    }

    #[test]
    fn write_implies_read_but_not_the_reverse() {
        let w = [grant(&["app"], Access::Write, &[])];
        assert!(allows(&w, "app", Access::Read));
        assert!(allows(&w, "app", Access::Write));
        let r = [grant(&["app"], Access::Read, &[])];
        assert!(allows(&r, "app", Access::Read));
        assert!(!allows(&r, "app", Access::Write));
    }

    #[test]
    fn scoped_grants_never_cover_unscoped_repositories() {
        let g = [grant(&["*"], Access::Write, &["*"])];
        assert!(!allows(&g, "app", Access::Read));
        let g = [grant(&["**"], Access::Write, &["main"])];
        assert!(allows(&g, "a/b/main", Access::Write));
        assert!(!allows(&g, "a/main/b", Access::Write));
        assert_eq!(scope_of("a/b/main"), Some("main"));
        assert_eq!(scope_of("app"), None);
    }
}
