//! Tokens and rights: who may read and write which repositories.
//!
//! With no tokens configured everything is allowed. Otherwise a request carries
//! `Authorization: Basic base64(<name>:<secret>)` (docker login, skopeo `--creds`),
//! `Bearer <secret>` (GitHub Actions cache clients, curl) or `Bearer <token>` that `GET|POST
//! /token` issued (the registry token flow Docker, containerd/BuildKit, skopeo and oci-client
//! follow after a 401 challenge). Issued tokens are stateless and signed ([`token`]), so
//! replicas sharing a configuration accept each other's tokens.
//!
//! [`middleware`] classifies every request ([`mod@classify`]) and answers 401 (no or bad
//! credentials, with a `WWW-Authenticate: Bearer realm=...` challenge) or 403 `DENIED` (valid
//! credentials without the right) in the distribution API's error format before the handler
//! runs. Other modules call [`Authorizer::check`] directly.

pub mod classify;
pub mod grants;
pub mod token;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest as _, Sha256};

use crate::config::{Access, Config, ConfigError};
use classify::{Need, classify, query_pairs};
use grants::CompiledGrant;
use token::{Claims, GrantedScope, constant_time_eq};

/// The `service` the challenge names and `/token` expects.
pub const SERVICE: &str = "rbuild-cache";

/// Default lifetime of issued tokens.
pub const DEFAULT_TOKEN_TTL_SECONDS: u64 = 300;

/// A configured token, ready to check.
#[derive(Debug)]
struct TokenRights {
    name: String,
    secret_sha256: [u8; 32],
    grants: Vec<CompiledGrant>,
}

/// Who a request is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// No credentials (or authentication is off).
    Anonymous,
    /// A configured token, by name, that presented its secret.
    Token(String),
    /// A token `/token` issued.
    Issued(Claims),
}

impl Principal {
    /// The configured token's name, if any.
    pub fn name(&self) -> Option<&str> {
        match self {
            Principal::Anonymous => None,
            Principal::Token(name) => Some(name),
            Principal::Issued(claims) => claims.sub.as_deref(),
        }
    }
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No credentials where they are needed, or credentials that do not verify (401).
    #[error("authentication required: {0}")]
    Unauthenticated(String),
    /// Valid credentials without the right (403 `DENIED`).
    #[error("requested access to the resource is denied")]
    Denied,
}

/// Decides who may do what; built once from the configuration and shared.
#[derive(Debug)]
pub struct Authorizer {
    tokens: Vec<TokenRights>,
    anonymous_read: bool,
    key: Vec<u8>,
    ttl: u64,
    authenticated_paths: Vec<String>,
}

fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The actions a token scope names for an access.
fn actions(access: Access) -> &'static str {
    match access {
        Access::Read => "pull",
        Access::Write => "pull,push",
    }
}

impl Authorizer {
    /// Compiles the configuration's tokens; secrets must already be resolved
    /// ([`Config::load`] does it).
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        let mut tokens = Vec::new();
        for t in &config.tokens {
            let secret = t
                .secret
                .as_deref()
                .filter(|s| !s.is_empty())
                .ok_or_else(|| ConfigError::Invalid(format!("token {:?} has no secret", t.name)))?;
            tokens.push(TokenRights {
                name: t.name.clone(),
                secret_sha256: sha256(secret.as_bytes()),
                grants: t
                    .grants
                    .iter()
                    .map(CompiledGrant::new)
                    .collect::<Result<_, _>>()?,
            });
        }
        let key = match &config.auth.token_key {
            Some(key) => key.as_bytes().to_vec(),
            None => {
                // Derived from every secret: replicas with the same tokens agree, and nobody
                // who knows fewer than all secrets can forge a token.
                let mut sorted: Vec<_> = config.tokens.iter().collect();
                sorted.sort_by(|a, b| a.name.cmp(&b.name));
                let mut h = Sha256::new();
                h.update(b"rbuild-cache-token-key-v1");
                for t in sorted {
                    let secret = t.secret.as_deref().unwrap_or_default();
                    for field in [t.name.as_bytes(), secret.as_bytes()] {
                        h.update((field.len() as u64).to_be_bytes());
                        h.update(field);
                    }
                }
                h.finalize().to_vec()
            }
        };
        Ok(Self {
            tokens,
            anonymous_read: config.anonymous_read,
            key,
            ttl: config
                .auth
                .token_ttl_seconds
                .unwrap_or(DEFAULT_TOKEN_TTL_SECONDS),
            authenticated_paths: config
                .auth
                .authenticated_paths
                .clone()
                .unwrap_or_else(|| vec!["/stats".to_string()]),
        })
    }

    /// Whether tokens are configured at all (otherwise everything is allowed).
    pub fn enabled(&self) -> bool {
        !self.tokens.is_empty()
    }

    /// Whether anonymous requests may read.
    pub fn anonymous_read(&self) -> bool {
        self.anonymous_read
    }

    fn token_by_secret(&self, secret: &str) -> Option<&TokenRights> {
        let hash = sha256(secret.as_bytes());
        let mut found = None;
        for t in &self.tokens {
            if constant_time_eq(&t.secret_sha256, &hash) {
                found = Some(t);
            }
        }
        found
    }

    fn token_by_name(&self, name: &str) -> Option<&TokenRights> {
        self.tokens.iter().find(|t| t.name == name)
    }

    /// Verifies `name:secret` of basic auth.
    fn basic(&self, name: &str, secret: &str) -> Option<&TokenRights> {
        let hash = sha256(secret.as_bytes());
        self.token_by_name(name)
            .filter(|t| constant_time_eq(&t.secret_sha256, &hash))
    }

    /// Who the request's `Authorization` header says it is. No header is
    /// [`Principal::Anonymous`]; a header that does not verify is an error.
    pub fn authenticate(&self, headers: &HeaderMap) -> Result<Principal, AuthError> {
        let Some(value) = headers.get(header::AUTHORIZATION) else {
            return Ok(Principal::Anonymous);
        };
        let bad = |why: &str| AuthError::Unauthenticated(why.to_string());
        let value = value
            .to_str()
            .map_err(|_| bad("authorization header is not text"))?
            .trim();
        let (scheme, credentials) = value.split_once(' ').unwrap_or((value, ""));
        let credentials = credentials.trim();
        if scheme.eq_ignore_ascii_case("basic") {
            let decoded = STANDARD
                .decode(credentials)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| bad("malformed basic credentials"))?;
            let (name, secret) = decoded
                .split_once(':')
                .ok_or_else(|| bad("malformed basic credentials"))?;
            self.basic(name, secret)
                .map(|t| Principal::Token(t.name.clone()))
                .ok_or_else(|| bad("invalid user name or secret"))
        } else if scheme.eq_ignore_ascii_case("bearer") {
            if token::is_issued(credentials) {
                token::verify(&self.key, credentials, now())
                    .map(Principal::Issued)
                    .map_err(|e| bad(&e.to_string()))
            } else {
                self.token_by_secret(credentials)
                    .map(|t| Principal::Token(t.name.clone()))
                    .ok_or_else(|| bad("invalid token"))
            }
        } else {
            Err(bad("unsupported authorization scheme"))
        }
    }

    /// Whether `principal` has `access` on `repository` (true for everyone when no tokens are
    /// configured).
    pub fn allows(&self, principal: &Principal, repository: &str, access: Access) -> bool {
        if !self.enabled() {
            return true;
        }
        let anonymous = self.anonymous_read && access == Access::Read;
        match principal {
            Principal::Anonymous => anonymous,
            Principal::Token(name) => self
                .token_by_name(name)
                .is_some_and(|t| grants::allows(&t.grants, repository, access)),
            Principal::Issued(claims) => {
                let action = match access {
                    Access::Read => "pull",
                    Access::Write => "push",
                };
                let in_token = claims.access.iter().any(|s| {
                    s.kind == "repository"
                        && s.name == repository
                        && s.actions.iter().any(|a| a == action || a == "*")
                });
                // The configured rights still apply, so removing a token or a grant revokes
                // the tokens issued from it.
                in_token
                    && match &claims.sub {
                        None => anonymous,
                        Some(name) => self
                            .token_by_name(name)
                            .is_some_and(|t| grants::allows(&t.grants, repository, access)),
                    }
            }
        }
    }

    /// Authenticates the request and checks `access` on `repository`: for other modules (the
    /// GitHub Actions cache, the scopes API). Anonymous without the right is
    /// [`AuthError::Unauthenticated`], a known principal without it [`AuthError::Denied`].
    pub fn check(
        &self,
        headers: &HeaderMap,
        repository: &str,
        access: Access,
    ) -> Result<Principal, AuthError> {
        if !self.enabled() {
            return Ok(Principal::Anonymous);
        }
        let principal = self.authenticate(headers)?;
        if self.allows(&principal, repository, access) {
            Ok(principal)
        } else if principal == Principal::Anonymous {
            Err(AuthError::Unauthenticated("credentials required".into()))
        } else {
            Err(AuthError::Denied)
        }
    }

    /// Checks that the request carries valid credentials (or, with `anonymous_ok`, none).
    pub fn check_authenticated(
        &self,
        headers: &HeaderMap,
        anonymous_ok: bool,
    ) -> Result<Principal, AuthError> {
        if !self.enabled() {
            return Ok(Principal::Anonymous);
        }
        let principal = self.authenticate(headers)?;
        if principal == Principal::Anonymous && !anonymous_ok {
            return Err(AuthError::Unauthenticated("credentials required".into()));
        }
        Ok(principal)
    }

    fn path_needs_auth(&self, path: &str) -> bool {
        self.authenticated_paths
            .iter()
            .any(|p| match p.strip_suffix('*') {
                Some(prefix) => path.starts_with(prefix),
                None => path == p,
            })
    }

    /// Issues a token for the requested `repository:<name>:<actions>` scopes, granting the
    /// subset `principal` holds.
    pub fn issue(&self, principal: &Principal, scopes: &[String]) -> String {
        let mut access = Vec::new();
        for scope in scopes.iter().flat_map(|s| s.split(' ')) {
            let mut parts = scope.splitn(3, ':');
            let (Some(kind), Some(name), Some(wanted)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            // `repository(plugin):name` style resource classes are treated as plain repositories.
            if kind.split('(').next() != Some("repository") {
                continue;
            }
            let mut granted: Vec<String> = Vec::new();
            for action in wanted.split(',') {
                let need = match action {
                    "pull" => Access::Read,
                    "push" | "delete" | "*" => Access::Write,
                    _ => continue,
                };
                let allowed = match principal {
                    Principal::Issued(_) => false,
                    other => self.allows(other, name, need),
                };
                if allowed && !granted.iter().any(|g| g == action) {
                    granted.push(action.to_string());
                }
            }
            if !granted.is_empty() {
                access.push(GrantedScope {
                    kind: "repository".into(),
                    name: name.to_string(),
                    actions: granted,
                });
            }
        }
        let claims = Claims {
            sub: principal.name().map(str::to_string),
            exp: now() + self.ttl,
            access,
        };
        token::sign(&self.key, &claims)
    }

    /// Lifetime of issued tokens in seconds.
    pub fn token_ttl(&self) -> u64 {
        self.ttl
    }
}

/// A distribution-API error body: `{"errors":[{"code","message","detail"}]}`.
pub fn error_body(code: &str, message: &str, detail: serde_json::Value) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "errors": [{ "code": code, "message": message, "detail": detail }]
    }))
}

fn quote(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The `WWW-Authenticate` challenge for a request: realm `<scheme>://<Host>/token` (scheme
/// from `X-Forwarded-Proto`, default http), service [`SERVICE`], and the scope when a repository
/// is concerned.
pub fn challenge(headers: &HeaderMap, scope: Option<(&str, Access)>) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|s| *s == "https" || *s == "http")
        .unwrap_or("http");
    let mut value = format!(
        "Bearer realm=\"{scheme}://{}/token\",service=\"{SERVICE}\"",
        quote(host)
    );
    if let Some((repository, access)) = scope {
        value.push_str(&format!(
            ",scope=\"repository:{}:{}\"",
            quote(repository),
            actions(access)
        ));
    }
    value
}

/// The response for a refused request: 401 with a challenge, or 403 `DENIED`.
pub fn refusal(headers: &HeaderMap, error: &AuthError, scope: Option<(&str, Access)>) -> Response {
    match error {
        AuthError::Unauthenticated(why) => {
            let mut response = (
                StatusCode::UNAUTHORIZED,
                error_body(
                    "UNAUTHORIZED",
                    "authentication required",
                    why.as_str().into(),
                ),
            )
                .into_response();
            if let Ok(v) = HeaderValue::from_str(&challenge(headers, scope)) {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
            }
            response
        }
        AuthError::Denied => {
            let detail = scope
                .map(|(r, a)| serde_json::json!({ "repository": r, "actions": actions(a) }))
                .unwrap_or_default();
            (
                StatusCode::FORBIDDEN,
                error_body(
                    "DENIED",
                    "requested access to the resource is denied",
                    detail,
                ),
            )
                .into_response()
        }
    }
}

/// The axum middleware: `router.layer(axum::middleware::from_fn_with_state(authz,
/// auth::middleware))`. The principal is put in the request's extensions for handlers.
pub async fn middleware(
    State(authz): State<Arc<Authorizer>>,
    mut request: Request,
    next: Next,
) -> Response {
    if !authz.enabled() {
        request.extensions_mut().insert(Principal::Anonymous);
        return next.run(request).await;
    }
    let headers = request.headers();
    let path = request.uri().path();
    let result = match classify(request.method(), path, request.uri().query()) {
        None => {
            return (
                StatusCode::BAD_REQUEST,
                error_body("NAME_INVALID", "malformed repository name", path.into()),
            )
                .into_response();
        }
        Some(Need::Other) => {
            if authz.path_needs_auth(path) {
                authz
                    .check_authenticated(headers, false)
                    .map_err(|e| refusal(headers, &e, None))
            } else {
                Ok(Principal::Anonymous)
            }
        }
        // The version check `/v2/` challenges callers without credentials even with anonymous
        // read (as distribution and Docker Hub do): clients (skopeo, Docker) learn the auth
        // scheme only from that challenge, and without it never send the credentials a push
        // needs. Anonymous readers follow it to `/token` and get a pull-only token.
        Some(Need::Registry) => authz
            .check_authenticated(headers, authz.anonymous_read && !is_version_check(path))
            .map_err(|e| refusal(headers, &e, None)),
        Some(Need::Repository {
            repository,
            access,
            mount_from,
        }) => match authz.check(headers, &repository, access) {
            Err(e) => Err(refusal(headers, &e, Some((&repository, access)))),
            Ok(principal) => {
                if let Some(from) = mount_from
                    && !authz.allows(&principal, &from, Access::Read)
                {
                    // No read on the source: the mount is dropped and the request becomes a
                    // plain upload (202), as the spec lets a registry do when it cannot mount.
                    drop_mount(&mut request);
                }
                Ok(principal)
            }
        },
    };
    match result {
        Ok(principal) => {
            request.extensions_mut().insert(principal);
            next.run(request).await
        }
        Err(response) => response,
    }
}

/// Whether `path` is the API version check, `/v2/` (or `/v2`).
fn is_version_check(path: &str) -> bool {
    path == "/v2/" || path == "/v2"
}

/// Removes `mount` and `from` from the request's query.
fn drop_mount(request: &mut Request) {
    let uri = request.uri();
    // Decoded as the handlers decode it: an escaped name (`m%6Funt=`) is `mount` here too.
    let mut kept = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()) {
        if key != "mount" && key != "from" {
            kept.append_pair(&key, &value);
        }
    }
    let query = kept.finish();
    let path_and_query = if query.is_empty() {
        uri.path().to_string()
    } else {
        format!("{}?{query}", uri.path())
    };
    let mut parts = uri.clone().into_parts();
    if let Ok(pq) = path_and_query.parse() {
        parts.path_and_query = Some(pq);
        if let Ok(new) = axum::http::Uri::from_parts(parts) {
            *request.uri_mut() = new;
        }
    }
}

/// Wraps `router` in the auth [`middleware`].
pub fn protect<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    authz: Arc<Authorizer>,
) -> Router<S> {
    router.layer(axum::middleware::from_fn_with_state(authz, middleware))
}

/// `GET /token` and `POST /token`: the registry token endpoint.
/// The largest `/token` request body read (a form of a few fields).
pub const MAX_TOKEN_BODY: usize = 64 << 10;

/// `/token` (GET and the POST form), its body bounded by [`MAX_TOKEN_BODY`]: a larger one is
/// refused (413) without being buffered.
pub fn router(authz: Arc<Authorizer>) -> Router {
    Router::new()
        .route("/token", get(token_get).post(token_post))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_TOKEN_BODY))
        .with_state(authz)
}

fn token_response(authz: &Authorizer, principal: &Principal, scopes: &[String]) -> Response {
    let token = authz.issue(principal, scopes);
    Json(serde_json::json!({
        "token": token,
        "access_token": token,
        "expires_in": authz.token_ttl(),
        "scope": scopes.join(" "),
    }))
    .into_response()
}

fn token_refusal(error: &AuthError) -> Response {
    let mut response = (
        StatusCode::UNAUTHORIZED,
        error_body("UNAUTHORIZED", &error.to_string(), serde_json::Value::Null),
    )
        .into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"rbuild-cache\""),
    );
    response
}

/// Who may get a token: basic credentials (or a raw bearer secret); without any, an anonymous
/// token when anonymous read is on.
fn token_principal(authz: &Authorizer, headers: &HeaderMap) -> Result<Principal, AuthError> {
    if !authz.enabled() {
        return Ok(Principal::Anonymous);
    }
    match authz.authenticate(headers)? {
        Principal::Issued(_) => Err(AuthError::Unauthenticated(
            "a token cannot be exchanged for another".into(),
        )),
        Principal::Anonymous if !authz.anonymous_read => {
            Err(AuthError::Unauthenticated("credentials required".into()))
        }
        other => Ok(other),
    }
}

async fn token_get(
    State(authz): State<Arc<Authorizer>>,
    headers: HeaderMap,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> Response {
    let scopes: Vec<String> = query_pairs(query.as_deref().unwrap_or_default())
        .into_iter()
        .filter(|(k, _)| k == "scope")
        .map(|(_, v)| v)
        .collect();
    match token_principal(&authz, &headers) {
        Ok(principal) => token_response(&authz, &principal, &scopes),
        Err(e) => token_refusal(&e),
    }
}

/// The OAuth2 form (`grant_type=password`) containerd and BuildKit post when they hold
/// credentials.
async fn token_post(
    State(authz): State<Arc<Authorizer>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let form = query_pairs(&body);
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let scopes: Vec<String> = form
        .iter()
        .filter(|(k, _)| k == "scope")
        .map(|(_, v)| v.clone())
        .collect();
    if !authz.enabled() {
        return token_response(&authz, &Principal::Anonymous, &scopes);
    }
    let principal = match (field("grant_type"), field("username"), field("password")) {
        (Some("password"), Some(user), Some(password)) => authz
            .basic(user, password)
            .map(|t| Principal::Token(t.name.clone()))
            .ok_or_else(|| AuthError::Unauthenticated("invalid user name or secret".into())),
        (Some("password"), _, _) => Err(AuthError::Unauthenticated(
            "username and password required".into(),
        )),
        _ => token_principal(&authz, &headers),
    };
    match principal {
        Ok(principal) => token_response(&authz, &principal, &scopes),
        Err(e) => token_refusal(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Grant, TokenConfig};

    fn config(anonymous_read: bool) -> Config {
        let grant = |repos: &[&str], access, scopes: &[&str]| Grant {
            repositories: repos.iter().map(|s| s.to_string()).collect(),
            access,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
        };
        Config {
            anonymous_read,
            tokens: vec![
                TokenConfig {
                    name: "ci".into(),
                    secret: Some("ci-secret".into()),
                    secret_env: None,
                    grants: vec![grant(&["proj/**"], Access::Write, &[])],
                },
                TokenConfig {
                    name: "fork".into(),
                    secret: Some("fork-secret".into()),
                    secret_env: None,
                    grants: vec![
                        grant(&["proj/**"], Access::Read, &[]),
                        grant(&["proj/*"], Access::Write, &["pr-*"]),
                    ],
                },
            ],
            ..Config::default()
        }
    }

    fn headers(auth: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(auth).unwrap());
        h
    }

    fn basic(user: &str, secret: &str) -> HeaderMap {
        headers(&format!(
            "Basic {}",
            STANDARD.encode(format!("{user}:{secret}"))
        ))
    }

    #[test]
    fn credentials() {
        let a = Authorizer::from_config(&config(false)).unwrap();
        assert_eq!(
            a.authenticate(&basic("ci", "ci-secret")),
            Ok(Principal::Token("ci".into()))
        );
        assert!(a.authenticate(&basic("fork", "ci-secret")).is_err());
        assert!(a.authenticate(&basic("nobody", "x")).is_err());
        assert_eq!(
            a.authenticate(&headers("Bearer fork-secret")),
            Ok(Principal::Token("fork".into()))
        );
        assert!(a.authenticate(&headers("Bearer nope")).is_err());
        assert!(a.authenticate(&headers("Digest x")).is_err());
        assert_eq!(a.authenticate(&HeaderMap::new()), Ok(Principal::Anonymous));
    }

    #[test]
    fn checks() {
        let a = Authorizer::from_config(&config(false)).unwrap();
        let fork = basic("fork", "fork-secret");
        assert!(a.check(&fork, "proj/main", Access::Read).is_ok());
        assert_eq!(
            a.check(&fork, "proj/main", Access::Write),
            Err(AuthError::Denied)
        );
        assert!(a.check(&fork, "proj/pr-3", Access::Write).is_ok());
        assert!(matches!(
            a.check(&HeaderMap::new(), "proj/main", Access::Read),
            Err(AuthError::Unauthenticated(_))
        ));
        let open = Authorizer::from_config(&config(true)).unwrap();
        assert!(
            open.check(&HeaderMap::new(), "proj/main", Access::Read)
                .is_ok()
        );
        assert!(
            open.check(&HeaderMap::new(), "proj/main", Access::Write)
                .is_err()
        );
        let none = Authorizer::from_config(&Config::default()).unwrap();
        assert!(none.check(&HeaderMap::new(), "x", Access::Write).is_ok());
    }

    #[test]
    fn issued_tokens_carry_only_held_rights() {
        let a = Authorizer::from_config(&config(false)).unwrap();
        let fork = Principal::Token("fork".into());
        let t = a.issue(
            &fork,
            &[
                "repository:proj/main:pull,push".into(),
                "repository:proj/pr-1:push,pull".into(),
                "repository:other:pull".into(),
            ],
        );
        let p = a.authenticate(&headers(&format!("Bearer {t}"))).unwrap();
        assert!(a.allows(&p, "proj/main", Access::Read));
        assert!(!a.allows(&p, "proj/main", Access::Write));
        assert!(a.allows(&p, "proj/pr-1", Access::Write));
        assert!(!a.allows(&p, "proj/pr-2", Access::Read));
        assert!(!a.allows(&p, "other", Access::Read));
        // Another replica with the same configuration accepts it.
        let b = Authorizer::from_config(&config(false)).unwrap();
        assert!(b.authenticate(&headers(&format!("Bearer {t}"))).is_ok());
    }

    #[test]
    fn authenticated_paths_default_and_prefix() {
        let a = Authorizer::from_config(&config(false)).unwrap();
        assert!(a.path_needs_auth("/stats"));
        assert!(!a.path_needs_auth("/healthz"));
        assert!(!a.path_needs_auth("/metrics"));
        let mut c = config(false);
        c.auth.authenticated_paths = Some(vec!["/metrics".into(), "/admin/*".into()]);
        let a = Authorizer::from_config(&c).unwrap();
        assert!(a.path_needs_auth("/metrics"));
        assert!(a.path_needs_auth("/admin/x/y"));
        assert!(!a.path_needs_auth("/stats"));
    }

    #[test]
    fn token_scopes_from_one_space_separated_field() {
        let a = Authorizer::from_config(&config(false)).unwrap();
        let t = a.issue(
            &Principal::Token("ci".into()),
            &["repository:proj/a:pull repository:proj/b:push".into()],
        );
        let p = a.authenticate(&headers(&format!("Bearer {t}"))).unwrap();
        assert!(a.allows(&p, "proj/a", Access::Read));
        assert!(!a.allows(&p, "proj/a", Access::Write));
        assert!(a.allows(&p, "proj/b", Access::Write));
    }

    #[test]
    fn challenge_names_realm_service_and_scope() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("cache.example:8080"));
        assert_eq!(
            challenge(&h, Some(("proj/main", Access::Write))),
            "Bearer realm=\"http://cache.example:8080/token\",service=\"rbuild-cache\",scope=\"repository:proj/main:pull,push\""
        );
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert_eq!(
            challenge(&h, None),
            "Bearer realm=\"https://cache.example:8080/token\",service=\"rbuild-cache\""
        );
    }
}
