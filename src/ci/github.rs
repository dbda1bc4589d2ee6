//! GitHub's REST API through octocrab: the repository's Actions cache entries, listed and
//! deleted (`rbuild gha prune`, `prune=true` in a `type=gha` spec). The API's address is
//! `GITHUB_API_URL` (GitHub Enterprise, or a stand-in in tests), the repository
//! `GITHUB_REPOSITORY`, the token `GITHUB_TOKEN` (the action passes its `github-token` input; the
//! workflow needs `actions: write` to delete).

use crate::cache::remote::gha::entries::{ApiFuture, CacheEntries, CacheEntry};
use crate::cache::remote::scope::BranchFacts;
use octocrab::Octocrab;
use serde::{Deserialize, Serialize};

/// Why a GitHub API call failed.
#[derive(Debug, thiserror::Error)]
pub enum GitHubError {
    /// A setting is missing or wrong.
    #[error("GitHub API: {0}")]
    Setup(String),
    /// A request failed.
    #[error("GitHub API {what}: {reason}")]
    Request {
        /// The request.
        what: String,
        /// Why.
        reason: String,
    },
}

/// The string at `path` in `doc`, the answer to `GET route`.
fn string_at(doc: &serde_json::Value, path: &[&str], route: &str) -> Result<String, GitHubError> {
    path.iter()
        .fold(doc, |v, k| &v[*k])
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .ok_or_else(|| GitHubError::Request {
            what: format!("GET {route}"),
            reason: format!("the answer has no {}", path.join(".")),
        })
}

/// [`BranchFacts`] from the REST API, for scope fallback when the event payload is silent:
/// each question is asked once, with a short timeout; a failure is reported through `warn` and
/// answered `None` (the fallback goes on to git).
pub struct ApiBranchFacts<'a> {
    github: GitHub,
    runtime: &'a tokio::runtime::Runtime,
    warn: &'a dyn Fn(&str),
}

/// How long one scope question may take: the build waits for it.
const FACT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

impl<'a> ApiBranchFacts<'a> {
    /// The API client from the environment (see [`GitHub::from_env`]) when running on GitHub
    /// Actions (`GITHUB_ACTIONS=true`) with a token; `None` otherwise.
    pub fn on_github_actions(
        runtime: &'a tokio::runtime::Runtime,
        warn: &'a dyn Fn(&str),
    ) -> Option<Self> {
        if std::env::var("GITHUB_ACTIONS").ok().as_deref() != Some("true") {
            return None;
        }
        let _entered = runtime.enter();
        let github = GitHub::from_env(None).ok()?;
        Some(Self {
            github,
            runtime,
            warn,
        })
    }

    fn ask(
        &self,
        what: &str,
        question: impl std::future::Future<Output = Result<String, GitHubError>>,
    ) -> Option<String> {
        let answer = self
            .runtime
            .block_on(async { tokio::time::timeout(FACT_TIMEOUT, question).await });
        match answer {
            Ok(Ok(branch)) => Some(branch),
            Ok(Err(e)) => {
                (self.warn)(&format!("warning: cannot learn {what}: {e}"));
                None
            }
            Err(_) => {
                (self.warn)(&format!(
                    "warning: cannot learn {what}: GitHub API did not answer in {}s",
                    FACT_TIMEOUT.as_secs()
                ));
                None
            }
        }
    }
}

impl BranchFacts for ApiBranchFacts<'_> {
    fn default_branch(&self) -> Option<String> {
        self.ask("the default branch", self.github.default_branch())
    }

    fn pull_request_base(&self, number: u64) -> Option<String> {
        self.ask(
            &format!("pull request {number}'s base branch"),
            self.github.pull_request_base(number),
        )
    }
}

/// A page of `GET /repos/{owner}/{repo}/actions/caches`.
#[derive(Debug, Deserialize)]
struct CachePage {
    total_count: u64,
    actions_caches: Vec<CacheEntry>,
}

/// A client for one repository.
#[derive(Debug)]
pub struct GitHub {
    client: Octocrab,
    /// The API's base URL, without a trailing `/`.
    api: String,
    repository: String,
}

impl GitHub {
    /// A client from the environment (`GITHUB_API_URL`, `GITHUB_REPOSITORY`) and `token` (else
    /// `GITHUB_TOKEN`). Must be called inside a tokio runtime.
    pub fn from_env(token: Option<String>) -> Result<Self, GitHubError> {
        let repository = std::env::var("GITHUB_REPOSITORY")
            .ok()
            .filter(|r| r.contains('/'))
            .ok_or_else(|| {
                GitHubError::Setup("GITHUB_REPOSITORY (owner/name) is not set".into())
            })?;
        let token = token
            .or_else(|| std::env::var("GITHUB_TOKEN").ok())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                GitHubError::Setup(
                    "no token: set GITHUB_TOKEN (the action passes its github-token input)".into(),
                )
            })?;
        let api =
            std::env::var("GITHUB_API_URL").unwrap_or_else(|_| "https://api.github.com".into());
        let client = Octocrab::builder()
            .base_uri(api.as_str())
            .map_err(|e| GitHubError::Setup(format!("GITHUB_API_URL {api}: {e}")))?
            .personal_token(token)
            .build()
            .map_err(|e| GitHubError::Setup(e.to_string()))?;
        Ok(Self {
            client,
            api: api.trim_end_matches('/').to_string(),
            repository,
        })
    }

    /// Every cache entry whose key starts with `prefix`, all refs, all pages.
    pub async fn caches(&self, prefix: &str) -> Result<Vec<CacheEntry>, GitHubError> {
        #[derive(Serialize)]
        struct Query<'a> {
            key: &'a str,
            per_page: u32,
            page: u32,
        }
        let route = format!("/repos/{}/actions/caches", self.repository);
        let mut out = Vec::new();
        for page in 1.. {
            let got: CachePage = self
                .client
                .get(
                    &route,
                    Some(&Query {
                        key: prefix,
                        per_page: 100,
                        page,
                    }),
                )
                .await
                .map_err(|e| GitHubError::Request {
                    what: format!("GET {route} page {page}"),
                    reason: e.to_string(),
                })?;
            let n = got.actions_caches.len();
            out.extend(
                got.actions_caches
                    .into_iter()
                    .filter(|c| c.key.starts_with(prefix)),
            );
            if n < 100 || out.len() as u64 >= got.total_count {
                break;
            }
        }
        Ok(out)
    }

    /// The repository's default branch (`GET /repos/{repo}`).
    pub async fn default_branch(&self) -> Result<String, GitHubError> {
        let route = format!("/repos/{}", self.repository);
        let repo: serde_json::Value = self.get_json(&route).await?;
        string_at(&repo, &["default_branch"], &route)
    }

    /// Pull request `number`'s base branch (`GET /repos/{repo}/pulls/{number}`).
    pub async fn pull_request_base(&self, number: u64) -> Result<String, GitHubError> {
        let route = format!("/repos/{}/pulls/{number}", self.repository);
        let pull: serde_json::Value = self.get_json(&route).await?;
        string_at(&pull, &["base", "ref"], &route)
    }

    async fn get_json(&self, route: &str) -> Result<serde_json::Value, GitHubError> {
        self.client
            .get(route, None::<&()>)
            .await
            .map_err(|e| GitHubError::Request {
                what: format!("GET {route}"),
                reason: e.to_string(),
            })
    }

    /// Deletes cache entry `id` (one already gone is not an error).
    pub async fn delete_cache(&self, id: u64) -> Result<(), GitHubError> {
        let route = format!("/repos/{}/actions/caches/{id}", self.repository);
        let fail = |reason: String| GitHubError::Request {
            what: format!("DELETE {route}"),
            reason,
        };
        let response = self
            .client
            ._delete(format!("{}{route}", self.api), None::<&()>)
            .await
            .map_err(|e| fail(e.to_string()))?;
        let status = response.status();
        if status.is_success() || status.as_u16() == 404 {
            Ok(())
        } else {
            Err(fail(format!("HTTP {status}")))
        }
    }
}

impl CacheEntries for GitHub {
    fn list<'a>(&'a self, prefix: &'a str) -> ApiFuture<'a, Vec<CacheEntry>> {
        Box::pin(async move { self.caches(prefix).await.map_err(|e| e.to_string()) })
    }

    fn delete(&self, id: u64) -> ApiFuture<'_, ()> {
        Box::pin(async move { self.delete_cache(id).await.map_err(|e| e.to_string()) })
    }
}
