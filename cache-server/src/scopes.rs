//! Branch scopes: a cache repository is `<project>/<scope>`, the scope
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

use crate::auth::classify::query_pairs;
use crate::auth::{AuthError, Authorizer, error_body, refusal};
use crate::blobs::Digest;
use crate::config::Access;
use crate::registry::{RegistryState, manifest_record, tag_target};

/// Longest scope segment [`sanitize`] returns.
pub const MAX_SCOPE_LEN: usize = rbuild_wire::scope::MAX_LEN;

/// The most scopes one resolve request may name.
pub const MAX_CHAIN: usize = 16;

/// A scope segment as the builder names it ([`rbuild_wire::scope`], one implementation for both):
/// names in a resolve chain are already scopes, and making them safe again changes nothing
/// (`clean` is idempotent); anything else is made safe the same way.
pub fn sanitize(scope: &str) -> String {
    rbuild_wire::scope::clean(scope)
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
                Some(d) => manifest_record(registry, &repository, &d, None)
                    .await?
                    .map(|_| reference.to_string()),
                None => None,
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
    fn the_builders_scope_names_pass_unchanged() {
        use rbuild_wire::scope;
        for name in [
            scope::branch("main"),
            scope::branch("feature/Login"),
            scope::branch("pr-7"),
            scope::pull_request(7),
            scope::branch(&"x".repeat(300)),
        ] {
            assert_eq!(sanitize(&name), name);
        }
        assert_eq!(sanitize("A/B"), "a-b");
        assert!(sanitize(&"y".repeat(300)).len() <= MAX_SCOPE_LEN);
    }
}
