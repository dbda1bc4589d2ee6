//! The HTTP side every `type=gha` request goes through: one client, the retry policy
//! ([`Backoff`] + [`classify`]: 429 with `Retry-After`, 408, 5xx and dropped connections are
//! retried), the [`Meter`] (every attempt is a request), and per-kind call counters.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::cache::remote::error::RemoteError;
use crate::cache::remote::meter::Meter;
use crate::cache::remote::retry::{Attempt, Backoff, classify};

/// Requests made, by kind (retries included), for reports and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Calls {
    /// `CreateCacheEntry` calls.
    pub creates: u64,
    /// `FinalizeCacheEntryUpload` calls.
    pub finalizes: u64,
    /// `GetCacheEntryDownloadURL` calls.
    pub lookups: u64,
    /// Blob `PUT`s (Put Blob, Put Block, Put Block List).
    pub puts: u64,
    /// Blob `GET`s.
    pub gets: u64,
}

/// Which counter a request goes to.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// `CreateCacheEntry`.
    Create,
    /// `FinalizeCacheEntryUpload`.
    Finalize,
    /// `GetCacheEntryDownloadURL`.
    Lookup,
    /// A blob `PUT`.
    Put,
    /// A blob `GET`.
    Get,
}

/// The client, retry policy and counters of one backend.
#[derive(Debug)]
pub struct Http {
    client: reqwest::Client,
    /// The backend's name, for errors.
    pub backend: String,
    /// Bytes, blobs and requests moved.
    pub meter: Arc<Meter>,
    /// The retry policy.
    pub backoff: Backoff,
    counts: [AtomicU64; 5],
}

impl Http {
    /// A client whose requests each end after `timeout`.
    pub fn new(
        backend: String,
        meter: Arc<Meter>,
        timeout: std::time::Duration,
    ) -> Result<Self, RemoteError> {
        let client = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10).min(timeout))
            .timeout(timeout)
            .user_agent(concat!("rbuild/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                RemoteError::backend(&backend, format!("cannot set up the HTTP client: {e}"))
            })?;
        Ok(Self {
            client,
            backend,
            meter,
            backoff: Backoff::default(),
            counts: Default::default(),
        })
    }

    /// The client, to build requests with.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// An error of this backend.
    pub fn error(&self, message: impl Into<String>) -> RemoteError {
        RemoteError::backend(&self.backend, message)
    }

    /// The calls so far.
    pub fn calls(&self) -> Calls {
        let get = |k: Kind| self.counts[k as usize].load(Ordering::Relaxed);
        Calls {
            creates: get(Kind::Create),
            finalizes: get(Kind::Finalize),
            lookups: get(Kind::Lookup),
            puts: get(Kind::Put),
            gets: get(Kind::Get),
        }
    }

    /// Sends the request `build` makes, again after each retryable failure; statuses in
    /// `accept` count as answers (the caller looks at them), as do 2xx. `what` names the
    /// operation in errors.
    pub async fn send(
        &self,
        kind: Kind,
        what: &str,
        accept: &[u16],
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, RemoteError> {
        self.backoff
            .run(what, move || self.send_once(kind, what, accept, build()))
            .await
    }

    /// One attempt of `request`, classified for [`Backoff::run`] (for callers that retry more
    /// than the sending, e.g. a download that resumes).
    pub async fn send_once(
        &self,
        kind: Kind,
        what: &str,
        accept: &[u16],
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, Attempt<RemoteError>> {
        self.meter.request();
        self.counts[kind as usize].fetch_add(1, Ordering::Relaxed);
        match request.send().await {
            Ok(resp) if accept.contains(&resp.status().as_u16()) => Ok(resp),
            result => classify(result, |m| self.error(format!("{what}: {}", pretty(&m)))).await,
        }
    }

    /// A failure while reading an answer's body: worth a retry (the connection dropped).
    pub fn body_error(&self, what: &str, e: &reqwest::Error) -> Attempt<RemoteError> {
        Attempt::Retry {
            error: self.error(format!("{what}: reading the answer: {e}")),
            after: None,
        }
    }
}

/// `HTTP 401: {"code":"unauthenticated","msg":"..."}` (a twirp error) as
/// `HTTP 401 (unauthenticated): ...`; other messages as they are.
fn pretty(message: &str) -> String {
    #[derive(serde::Deserialize)]
    struct TwirpError {
        code: String,
        msg: String,
    }
    let Some((status, body)) = message.split_once(": ") else {
        return message.to_string();
    };
    match serde_json::from_str::<TwirpError>(body) {
        Ok(e) => format!("{status} ({}): {}", e.code, e.msg),
        Err(_) => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twirp_errors_read_well() {
        assert_eq!(
            pretty(
                r#"HTTP 401: {"code":"unauthenticated","msg":"invalid runtime token: unknown runtime token"}"#
            ),
            "HTTP 401 (unauthenticated): invalid runtime token: unknown runtime token"
        );
        assert_eq!(pretty("HTTP 500: oops"), "HTTP 500: oops");
        assert_eq!(pretty("connection refused"), "connection refused");
    }
}
