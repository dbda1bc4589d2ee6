//! Scope chains of the configured tokens, for a server that has tokens: there the runtime
//! token's unverified JWT claims ([`super::resolve_scopes`]) must not be trusted, so the
//! GitHub Actions cache takes the bearer as one of the configured token secrets and reads the
//! job's scopes from that token's grants.
//!
//! A grant on the pseudo-repository `_gha/<scope>` (a literal name, no glob) gives the token
//! that cache scope: `access: write` makes it writable, `read` readable. The read chain is the
//! grants' scopes in the order the config lists them (the job's branch first, the default branch
//! last); entries are written to the first writable one. A fork's pull-request runner gets
//!
//! ```yaml
//! - name: pr-123
//!   secret_env: PR_TOKEN
//!   grants:
//!     - { repositories: ["_gha/pr-123"], access: write }
//!     - { repositories: ["_gha/main"], access: read }
//! ```
//!
//! and so restores `main`'s entries but never writes them.

use std::sync::Arc;

use sha2::{Digest as _, Sha256};

use super::{GhaError, ScopeChain, ScopeResolver};
use crate::config::{Access, Config};

/// Prefix of the pseudo-repositories that name GitHub Actions cache scopes in grants.
pub const GHA_REPOSITORY_PREFIX: &str = "_gha/";

/// One token's chain, keyed by the sha256 of its secret.
struct TokenChain {
    secret_sha256: [u8; 32],
    chain: ScopeChain,
}

/// The chain a token's grants give (see the module docs).
pub fn chain_of_grants(grants: &[crate::config::Grant]) -> ScopeChain {
    let mut read = Vec::new();
    let mut write = None;
    for grant in grants {
        for repository in &grant.repositories {
            let Some(scope) = repository.strip_prefix(GHA_REPOSITORY_PREFIX) else {
                continue;
            };
            if scope.is_empty() || scope.contains(['*', '?', '[', '{', '/']) {
                continue;
            }
            if !read.iter().any(|s: &String| s == scope) {
                read.push(scope.to_string());
            }
            if grant.access == Access::Write && write.is_none() {
                write = Some(scope.to_string());
            }
        }
    }
    ScopeChain { read, write }
}

/// The resolver of a server with tokens, or `None` when none are configured (an open server
/// keeps [`super::resolve_scopes`]).
pub fn token_resolver(config: &Config) -> Option<ScopeResolver> {
    if config.tokens.is_empty() {
        return None;
    }
    let chains: Vec<TokenChain> = config
        .tokens
        .iter()
        .filter_map(|token| {
            let secret = token.secret.as_deref()?;
            Some(TokenChain {
                secret_sha256: Sha256::digest(secret.as_bytes()).into(),
                chain: chain_of_grants(&token.grants),
            })
        })
        .collect();
    Some(Arc::new(move |bearer: Option<&str>| {
        let bearer =
            bearer.ok_or_else(|| GhaError::BadToken("no runtime token (bearer) given".into()))?;
        let hash: [u8; 32] = Sha256::digest(bearer.as_bytes()).into();
        // Comparing hashes of equal length keeps the comparison's time independent of the secret.
        let found = chains.iter().find(|t| t.secret_sha256 == hash);
        match found {
            Some(t) if !t.chain.read.is_empty() => Ok(t.chain.clone()),
            Some(_) => Err(GhaError::BadToken(
                "the token has no `_gha/<scope>` grant for the Actions cache".into(),
            )),
            None => Err(GhaError::BadToken("unknown runtime token".into())),
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Grant, TokenConfig};

    fn grant(repo: &str, access: Access) -> Grant {
        Grant {
            repositories: vec![repo.to_string()],
            access,
            scopes: vec![],
        }
    }

    #[test]
    fn fork_token_reads_main_and_writes_its_own_scope() {
        let chain = chain_of_grants(&[
            grant("_gha/pr-123", Access::Write),
            grant("_gha/main", Access::Read),
            grant("proj/**", Access::Read),
            grant("_gha/*", Access::Read),
        ]);
        assert_eq!(chain.read, vec!["pr-123", "main"]);
        assert_eq!(chain.write.as_deref(), Some("pr-123"));
    }

    #[test]
    fn resolver_checks_the_secret() {
        let config = Config {
            tokens: vec![TokenConfig {
                name: "main".into(),
                secret: Some("s3cret".into()),
                grants: vec![grant("_gha/main", Access::Write)],
                ..TokenConfig::default()
            }],
            ..Config::default()
        };
        let Some(resolve) = token_resolver(&config) else {
            panic!("tokens configured: a resolver expected");
        };
        assert!(matches!(resolve(None), Err(GhaError::BadToken(_))));
        assert!(matches!(resolve(Some("wrong")), Err(GhaError::BadToken(_))));
        let Ok(chain) = resolve(Some("s3cret")) else {
            panic!("the configured secret must resolve");
        };
        assert_eq!(chain.write.as_deref(), Some("main"));
        assert!(token_resolver(&Config::default()).is_none());
    }
}
