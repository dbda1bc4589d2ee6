//! Branch scopes (issue 5, "Branch scopes"): a cache repository is `<project>/<scope>`, the scope
//! being a sanitized branch name ([`sanitize`]). The builder writes to its branch's scope and reads
//! along a fallback chain it names (branch -> pull request base -> default branch) with one call:
//!
//! `GET /scopes/v1/resolve?project=<project>&reference=<tag or digest>&scope=<s1>&scope=<s2>...`
//!
//! The server tries `<project>/<s1>`, `<project>/<s2>`, ... in order (each `scope` sanitized
//! first) and answers 200 with the first repository holding the reference:
//! `{"repository","scope","reference","digest","skipped":[...]}`; scopes the caller may not read
//! are skipped (listed in `skipped`), never revealed. None found: 404 `MANIFEST_UNKNOWN` with
//! `detail: {project, reference, tried, skipped}`; if every scope was skipped and the request had
//! no credentials, 401 with the usual challenge instead.
//!
//! Lookups go through the registry's ([`crate::registry::tag_target`],
//! [`crate::registry::manifest_record`]), so replicas sharing an S3 store resolve tags from the
//! bucket and read through manifests another replica pushed.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::auth::classify::query_pairs;
use crate::auth::{AuthError, Authorizer, error_body, refusal};
use crate::blobs::Digest;
use crate::config::Access;
use crate::registry::{RegistryState, manifest_record, tag_target};

/// Longest scope segment [`sanitize`] returns.
pub const MAX_SCOPE_LEN: usize = 100;

/// The most scopes one resolve request may name.
pub const MAX_CHAIN: usize = 16;

/// Turns a branch name into a scope segment: lowercase; every character outside `[a-z0-9._-]`
/// becomes `-`; then, so that the result is a valid distribution path component, leading and
/// trailing separators are dropped and a run of separators other than `.`, `_`, `__` or dashes
/// becomes one `-`. An empty result becomes `default`; a result longer than [`MAX_SCOPE_LEN`]
/// keeps its first 87 characters plus `-` and 12 hex digits of the branch name's sha256.
/// `feature/Login` -> `feature-login`, `release/1.2` -> `release-1.2`, `Ünïcode` -> `n-code`.
pub fn sanitize(branch: &str) -> String {
    let mapped: String = branch
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let is_sep = |c: char| matches!(c, '.' | '_' | '-');
    let trimmed = mapped.trim_matches(is_sep);
    let mut out = String::with_capacity(trimmed.len());
    let mut run = String::new();
    for c in trimmed.chars() {
        if is_sep(c) {
            run.push(c);
            continue;
        }
        if !run.is_empty() {
            let valid = matches!(run.as_str(), "." | "_" | "__") || run.chars().all(|r| r == '-');
            out.push_str(if valid { &run } else { "-" });
            run.clear();
        }
        out.push(c);
    }
    if out.is_empty() {
        return "default".to_string();
    }
    if out.len() > MAX_SCOPE_LEN {
        let hash = hex::encode(Sha256::digest(branch.as_bytes()));
        let head = out[..MAX_SCOPE_LEN - 13].trim_end_matches(is_sep);
        return format!("{head}-{}", &hash[..12]);
    }
    out
}

/// State of the scopes API.
#[derive(Debug, Clone)]
pub struct ScopesState {
    registry: RegistryState,
    authz: Arc<Authorizer>,
}

/// `GET /scopes/v1/resolve`. Mount it outside the auth middleware's `/v2` rules (it checks read
/// rights per scope itself).
pub fn router(registry: RegistryState, authz: Arc<Authorizer>) -> Router {
    Router::new()
        .route("/scopes/v1/resolve", get(resolve))
        .with_state(ScopesState { registry, authz })
}

/// A successful resolution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolved {
    /// `<project>/<scope>`.
    pub repository: String,
    /// The scope that holds the reference.
    pub scope: String,
    /// The tag or digest asked for.
    pub reference: String,
    /// The manifest digest.
    pub digest: String,
    /// Scopes before it that the caller may not read.
    pub skipped: Vec<String>,
}

fn bad_request(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        error_body("UNSUPPORTED", message, serde_json::Value::Null),
    )
        .into_response()
}

fn valid_project(project: &str) -> bool {
    !project.is_empty()
        && project.split('/').all(|seg| {
            !seg.is_empty()
                && seg
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
        })
}

async fn resolve(
    State(state): State<ScopesState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let pairs = query_pairs(query.as_deref().unwrap_or_default());
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let Some(project) = field("project").filter(|p| valid_project(p)) else {
        return (
            StatusCode::BAD_REQUEST,
            error_body(
                "NAME_INVALID",
                "project missing or not a valid repository name",
                serde_json::Value::Null,
            ),
        )
            .into_response();
    };
    let Some(reference) = field("reference")
        .or_else(|| field("tag"))
        .filter(|r| !r.is_empty())
    else {
        return bad_request("reference missing");
    };
    let chain: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "scope")
        .map(|(_, v)| sanitize(v))
        .collect();
    if chain.is_empty() {
        return bad_request("at least one scope is required");
    }
    if chain.len() > MAX_CHAIN {
        return bad_request("too many scopes");
    }
    if let Err(e) = state.authz.authenticate(&headers) {
        return refusal(&headers, &e, None);
    }
    let mut readable = Vec::new();
    let mut skipped = Vec::new();
    let mut unauthenticated = None;
    for scope in &chain {
        let repository = format!("{project}/{scope}");
        match state.authz.check(&headers, &repository, Access::Read) {
            Ok(_) => readable.push((scope.clone(), repository)),
            Err(e) => {
                if matches!(e, AuthError::Unauthenticated(_)) {
                    unauthenticated = Some((e, repository));
                }
                skipped.push(scope.clone());
            }
        }
    }
    if readable.is_empty()
        && let Some((e, repository)) = unauthenticated
    {
        return refusal(&headers, &e, Some((&repository, Access::Read)));
    }
    match lookup(&state.registry, readable, &reference).await {
        Ok(Some((scope, repository, digest))) => {
            let skipped_before = chain
                .iter()
                .take_while(|s| **s != scope)
                .filter(|s| skipped.contains(s))
                .cloned()
                .collect();
            Json(Resolved {
                repository,
                scope,
                reference,
                digest,
                skipped: skipped_before,
            })
            .into_response()
        }
        Ok(None) => (
            StatusCode::NOT_FOUND,
            error_body(
                "MANIFEST_UNKNOWN",
                "no scope in the chain has this reference",
                serde_json::json!({
                    "project": project,
                    "reference": reference,
                    "tried": chain.iter().filter(|s| !skipped.contains(s)).collect::<Vec<_>>(),
                    "skipped": skipped,
                }),
            ),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "scopes: lookup failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                error_body("UNKNOWN", "metadata lookup failed", serde_json::Value::Null),
            )
                .into_response()
        }
    }
}

/// The first readable `(scope, repository)` holding `reference` (a tag, or a manifest digest),
/// with the manifest digest. Tags and manifests are looked up as the registry serves them: from
/// the bucket (tags) and read through from the store (manifests) when replicas share S3.
async fn lookup(
    registry: &RegistryState,
    readable: Vec<(String, String)>,
    reference: &str,
) -> crate::registry::Result<Option<(String, String, String)>> {
    for (scope, repository) in readable {
        let digest = if reference.contains(':') {
            match Digest::parse(reference) {
                Ok(d) => manifest_record(registry, &repository, &d, None)
                    .await?
                    .map(|_| reference.to_string()),
                Err(_) => None,
            }
        } else {
            tag_target(registry, &repository, reference).await?
        };
        if let Some(digest) = digest {
            return Ok(Some((scope, repository, digest)));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes_branch_names_into_path_components() {
        assert_eq!(sanitize("main"), "main");
        assert_eq!(sanitize("feature/Login"), "feature-login");
        assert_eq!(sanitize("release/1.2"), "release-1.2");
        assert_eq!(
            sanitize("dependabot/npm_and_yarn/x"),
            "dependabot-npm_and_yarn-x"
        );
        assert_eq!(sanitize("Ünïcode"), "n-code");
        assert_eq!(sanitize("a..b"), "a-b");
        assert_eq!(sanitize("a._b"), "a-b");
        assert_eq!(sanitize("a__b"), "a__b");
        assert_eq!(sanitize("a---b"), "a---b");
        assert_eq!(sanitize("-.x_"), "x");
        assert_eq!(sanitize("///"), "default");
        assert_eq!(sanitize(""), "default");
        let long = sanitize(&"x".repeat(300));
        assert_eq!(long.len(), MAX_SCOPE_LEN);
        assert_ne!(long, sanitize(&"x".repeat(301)));
        // Idempotent on its own output.
        for b in ["feature/Login", "a..b", "Ünïcode", &"y".repeat(200)] {
            assert_eq!(sanitize(&sanitize(b)), sanitize(b), "{b}");
        }
    }
}
