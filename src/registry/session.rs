//! One repository of a registry spoken to with plain reqwest: its API base URL and the
//! credentials for it, negotiated once by oci-client (docker config, credential helpers, the
//! bearer-token dance for the scope asked). Pushes use it because oci-client's push calls hide
//! the response headers to check; manifest reads use it because oci-client reads a manifest
//! whole into memory whatever its size. Credentials go only to the registry's own host, never
//! to a location elsewhere (an upload URL, a redirect), and an anonymous caller of a registry
//! that needs no credentials ([`super::open`]) skips the token dance altogether.

use super::error::{RegistryError, classify, error_chain};
use super::{Registry, Repository};
use crate::digest::Digest;
use futures_util::StreamExt as _;
use oci_client::RegistryOperation;
use oci_client::secrets::RegistryAuth;
use reqwest::{Method, RequestBuilder, Response, StatusCode, Url};
use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How much of an error answer's body is read (to quote it in the error).
const ERROR_BODY_LIMIT: usize = 4096;

/// Requests to one repository: its API base URL and the credentials for it.
pub(super) struct Session<'a> {
    pub(super) http: &'a reqwest::Client,
    pub(super) repo: Repository,
    pub(super) host: String,
    /// `<scheme>://<host>/v2/<name>/`.
    pub(super) base: Url,
    authorization: Authorization,
}

/// How long a pull session's credentials are reused (registry tokens live 60 s or more:
/// Docker Hub's 300 s); resolving an image reads two manifests, and each used to cost a ping
/// and a token request of its own.
const PULL_AUTH_TTL: Duration = Duration::from_secs(60);

/// The credentials of recent pull sessions, per repository.
#[derive(Default)]
pub(super) struct PullAuthCache(Mutex<HashMap<(String, String), (Authorization, Instant)>>);

impl PullAuthCache {
    fn get(&self, key: &(String, String)) -> Option<Authorization> {
        let map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(key)
            .filter(|(_, at)| at.elapsed() < PULL_AUTH_TTL)
            .map(|(a, _)| a.clone())
    }

    fn put(&self, key: (String, String), authorization: Authorization) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.retain(|_, (_, at)| at.elapsed() < PULL_AUTH_TTL);
        map.insert(key, (authorization, Instant::now()));
    }
}

/// The credentials a session sends.
#[derive(Clone)]
enum Authorization {
    Anonymous,
    Bearer(String),
    Basic(String, String),
}

impl Registry {
    /// Authenticates for `op` (pull, or push which includes pull) on `repo`.
    pub(super) async fn session(
        &self,
        repo: &Repository,
        op: RegistryOperation,
    ) -> Result<Session<'_>, RegistryError> {
        let host = repo.api_host().to_string();
        let insecure = self.insecure.is_insecure(&host);
        let scheme = if insecure { "http" } else { "https" };
        let base = Url::parse(&format!("{scheme}://{host}/v2/{}/", repo.path))
            .map_err(|e| RegistryError::Invalid(format!("`{repo}`: not a valid URL: {e}")))?;
        let cache_key = (host.clone(), repo.path.clone());
        let cached = matches!(op, RegistryOperation::Pull)
            .then(|| self.pull_auth.get(&cache_key))
            .flatten();
        if let Some(authorization) = cached {
            return Ok(Session {
                http: &self.plain,
                repo: repo.clone(),
                host,
                base,
                authorization,
            });
        }
        let (client, auth) = self.client_for(repo).await?;
        let authorization = if matches!(auth, RegistryAuth::Anonymous)
            && self.open_hosts.is_open(&self.plain, scheme, &host).await
        {
            Authorization::Anonymous
        } else {
            let r =
                oci_client::Reference::with_tag(host.clone(), repo.path.clone(), "latest".into());
            client
                .store_auth_if_needed(r.resolve_registry(), &auth)
                .await;
            let token = client
                .auth(&r, &auth, op)
                .await
                .map_err(|e| classify(e, &repo.to_string(), &host))?;
            match (token, auth) {
                (Some(token), _) => Authorization::Bearer(token),
                (None, RegistryAuth::Basic(user, password)) => Authorization::Basic(user, password),
                (None, _) => Authorization::Anonymous,
            }
        };
        if matches!(op, RegistryOperation::Pull) {
            self.pull_auth.put(cache_key, authorization.clone());
        }
        Ok(Session {
            http: &self.plain,
            repo: repo.clone(),
            host,
            base,
            authorization,
        })
    }
}

impl Session<'_> {
    pub(super) fn url(&self, rest: &str) -> Result<Url, RegistryError> {
        self.base
            .join(rest)
            .map_err(|e| RegistryError::Invalid(format!("`{}`: bad URL: {e}", self.repo)))
    }

    /// `host/repo@digest`.
    pub(super) fn at(&self, digest: &Digest) -> String {
        format!("{}@{digest}", self.repo)
    }

    /// A request with the session's credentials when it goes to the registry's own host.
    pub(super) fn request(&self, method: Method, url: Url) -> RequestBuilder {
        let ours = url.host_str() == self.base.host_str()
            && url.port_or_known_default() == self.base.port_or_known_default();
        let req = self.http.request(method, url);
        match &self.authorization {
            _ if !ours => req,
            Authorization::Anonymous => req,
            Authorization::Bearer(token) => req.bearer_auth(token),
            Authorization::Basic(user, password) => req.basic_auth(user, Some(password)),
        }
    }

    pub(super) async fn send(
        &self,
        req: RequestBuilder,
        what: &str,
    ) -> Result<Response, RegistryError> {
        req.send().await.map_err(|e| {
            if e.is_connect() || e.is_timeout() {
                RegistryError::Unreachable {
                    host: self.host.clone(),
                    message: error_chain(&e),
                }
            } else {
                RegistryError::Registry {
                    reference: what.to_string(),
                    host: self.host.clone(),
                    message: error_chain(&e),
                }
            }
        })
    }

    /// The error for an unexpected answer.
    pub(super) async fn status_error(&self, res: Response, what: &str) -> RegistryError {
        let status = res.status();
        let reference = what.to_string();
        let host = self.host.clone();
        match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => {
                RegistryError::Unauthorized { reference, host }
            }
            StatusCode::NOT_FOUND => RegistryError::NotFound { reference, host },
            _ => {
                let body = error_text(res).await;
                let body: String = body.trim().chars().take(500).collect();
                RegistryError::Registry {
                    reference,
                    host,
                    message: format!("HTTP {status}: {body}"),
                }
            }
        }
    }
}

/// The start of an error answer's body, at most [`ERROR_BODY_LIMIT`] bytes of it read (a hostile
/// registry's error page can be as large as it likes).
async fn error_text(res: Response) -> String {
    let mut body = Vec::new();
    let mut stream = res.bytes_stream();
    while let Some(Ok(chunk)) = stream.next().await {
        let room = ERROR_BODY_LIMIT - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() == ERROR_BODY_LIMIT {
            break;
        }
    }
    String::from_utf8_lossy(&body).into_owned()
}
