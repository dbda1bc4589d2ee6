//! Cache scopes of a GitHub Actions job, read from its runtime token.
//!
//! GitHub puts them in the `ac` claim of the JWT it hands the runner as `ACTIONS_RUNTIME_TOKEN`:
//! a JSON *string* holding a list `[{"Scope":"refs/heads/main","Permission":1},
//! {"Scope":"refs/heads/feature","Permission":3}]`, from the most general scope (the default
//! branch) to the job's own ref. `Permission` is a bit set: 1 read, 2 write. A job reads from the
//! last scope backwards (its branch, then the pull request's base, then the default branch) and
//! writes to the last scope that grants write, as GitHub's cache service and BuildKit's client do.
//!
//! [`resolve_scopes`] decodes the token WITHOUT checking its signature: that is only right on an
//! open server (no tokens configured), where any caller may write anyway. A server with tokens
//! installs its own resolver in [`super::GhaState`].

use base64::Engine as _;
use serde::Deserialize;

use super::GhaError;

/// Read permission bit of an `ac` entry.
const PERMISSION_READ: u64 = 1;
/// Write permission bit of an `ac` entry.
const PERMISSION_WRITE: u64 = 2;

/// The scope of a job without any scope information (an open server, a token without `ac`).
pub const DEFAULT_SCOPE: &str = "";

/// Where a job may look for cache entries and where it writes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeChain {
    /// Scopes to search, in order (the job's branch first, the default branch last).
    pub read: Vec<String>,
    /// The scope new entries go to; `None` means the job may only read.
    pub write: Option<String>,
}

impl ScopeChain {
    /// The chain of a caller without scope information: one scope, readable and writable.
    pub fn open() -> Self {
        Self {
            read: vec![DEFAULT_SCOPE.to_string()],
            write: Some(DEFAULT_SCOPE.to_string()),
        }
    }

    /// Builds the chain from `ac` entries in GitHub's order (most general first).
    pub fn from_entries(entries: &[(String, u64)]) -> Self {
        let read = entries
            .iter()
            .rev()
            .filter(|(_, perm)| perm & (PERMISSION_READ | PERMISSION_WRITE) != 0)
            .map(|(scope, _)| scope.clone())
            .fold(Vec::new(), |mut out: Vec<String>, scope| {
                if !out.contains(&scope) {
                    out.push(scope);
                }
                out
            });
        let write = entries
            .iter()
            .rev()
            .find(|(_, perm)| perm & PERMISSION_WRITE != 0)
            .map(|(scope, _)| scope.clone());
        Self { read, write }
    }
}

#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    ac: Option<String>,
}

#[derive(Deserialize)]
struct AcEntry {
    #[serde(rename = "Scope")]
    scope: String,
    #[serde(rename = "Permission")]
    permission: u64,
}

/// The scope chain a bearer token names, decoded without signature checking (open servers only,
/// see the module docs). No token, or a token that is not a JWT, gets [`ScopeChain::open`]; a JWT
/// whose `ac` claim does not decode is refused.
pub fn resolve_scopes(bearer: Option<&str>) -> Result<ScopeChain, GhaError> {
    let Some(token) = bearer else {
        return Ok(ScopeChain::open());
    };
    let parts: Vec<&str> = token.split('.').collect();
    let [_, payload, _] = parts.as_slice() else {
        return Ok(ScopeChain::open());
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|e| GhaError::BadToken(format!("payload is not base64url: {e}")))?;
    let claims: Claims = serde_json::from_slice(&bytes)
        .map_err(|e| GhaError::BadToken(format!("payload is not JSON claims: {e}")))?;
    let Some(ac) = claims.ac else {
        return Ok(ScopeChain::open());
    };
    let entries: Vec<AcEntry> = serde_json::from_str(&ac)
        .map_err(|e| GhaError::BadToken(format!("`ac` claim is not a scope list: {e}")))?;
    let entries: Vec<(String, u64)> = entries
        .into_iter()
        .map(|e| (e.scope, e.permission))
        .collect();
    if entries.is_empty() {
        return Ok(ScopeChain::open());
    }
    Ok(ScopeChain::from_entries(&entries))
}

/// The pseudo-repository whose links hold a scope's entries (`_gha/<scope segment>`), so that
/// `/stats` counts them and eviction sees them, named as the builder names scopes
/// ([`rbuild_wire::scope`]): `refs/heads/<b>` is branch `<b>`'s scope, `refs/pull/<N>/merge`
/// pull request `<N>`'s, anything else made safe (the empty scope of an open server becomes
/// `default`).
pub fn repository_of(scope: &str) -> String {
    use rbuild_wire::scope as names;
    let pull = scope
        .strip_prefix("refs/pull/")
        .and_then(|rest| rest.strip_suffix("/merge"))
        .and_then(|n| n.parse::<u64>().ok());
    let name = match (pull, scope.strip_prefix("refs/heads/")) {
        (Some(n), _) => names::pull_request(n),
        (None, Some(branch)) => names::branch(branch),
        (None, None) => names::clean(scope),
    };
    format!("_gha/{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &serde_json::Value) -> String {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.sig",
            b64.encode(br#"{"alg":"RS256","typ":"JWT"}"#),
            b64.encode(claims.to_string())
        )
    }

    #[test]
    fn reads_branch_then_base_then_default_and_writes_last_writable() {
        let ac = r#"[{"Scope":"refs/heads/main","Permission":1},{"Scope":"refs/heads/dev","Permission":1},{"Scope":"refs/heads/feat","Permission":3}]"#;
        let token = jwt(&serde_json::json!({ "ac": ac, "scp": "Actions.Results:1:2" }));
        let chain = resolve_scopes(Some(&token)).unwrap();
        assert_eq!(
            chain.read,
            ["refs/heads/feat", "refs/heads/dev", "refs/heads/main"]
        );
        assert_eq!(chain.write.as_deref(), Some("refs/heads/feat"));
    }

    #[test]
    fn read_only_token_has_no_write_scope() {
        let ac = r#"[{"Scope":"refs/heads/main","Permission":1}]"#;
        let chain = resolve_scopes(Some(&jwt(&serde_json::json!({ "ac": ac })))).unwrap();
        assert_eq!(chain.read, ["refs/heads/main"]);
        assert_eq!(chain.write, None);
    }

    #[test]
    fn no_token_or_opaque_token_is_open() {
        assert_eq!(resolve_scopes(None).unwrap(), ScopeChain::open());
        assert_eq!(
            resolve_scopes(Some("not-a-jwt")).unwrap(),
            ScopeChain::open()
        );
    }

    #[test]
    fn malformed_ac_is_refused() {
        let token = jwt(&serde_json::json!({ "ac": "[{\"Scope\":1}]" }));
        assert!(matches!(
            resolve_scopes(Some(&token)),
            Err(GhaError::BadToken(_))
        ));
        assert!(matches!(
            resolve_scopes(Some("a.!!!.c")),
            Err(GhaError::BadToken(_))
        ));
    }

    #[test]
    fn repositories_are_sanitized() {
        assert_eq!(
            repository_of("refs/heads/Feature/X"),
            format!("_gha/{}", rbuild_wire::scope::branch("Feature/X"))
        );
        assert_eq!(repository_of("refs/heads/main"), "_gha/main");
        assert_eq!(repository_of("refs/pull/12/merge"), "_gha/pr-12");
        assert_ne!(repository_of("refs/heads/pr-12"), "_gha/pr-12");
        assert_eq!(repository_of(""), "_gha/default");
    }
}
