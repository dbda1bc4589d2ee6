//! Registries that need no credentials at all, found once per host so that their blob requests
//! go out without oci-client's authentication round trip.
//!
//! oci-client asks `GET /v2/` for a token challenge before every request to a host it holds
//! credentials for, and it holds anonymous ones for every host it has talked to; when the
//! answer has no challenge (a registry without authentication: `registry:2` on a CI runner, the
//! test registry) there is no token to keep, so it asks again next time. Restoring a mount
//! cache of 240 chunks made 240 such pings, each as costly for the registry as a small blob.
//!
//! A host is *open* when `GET /v2/` without credentials answers 200: oci-client would then send
//! anonymous requests without any token either, so requests through [`OpenHosts::client`] are
//! the same requests minus the pings. Any other answer (a 401 challenge, an error) leaves the
//! host to oci-client's usual flow. Only anonymous callers ask: a caller with credentials
//! always goes through the challenge.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Which hosts answered `GET /v2/` with 200 to an anonymous request; asked once per host.
#[derive(Clone, Default)]
pub(crate) struct OpenHosts {
    known: Arc<Mutex<HashMap<String, bool>>>,
}

impl OpenHosts {
    /// Whether `host` (reached with `scheme`) needs no credentials, asking it once.
    pub(crate) async fn is_open(&self, http: &reqwest::Client, scheme: &str, host: &str) -> bool {
        if let Some(open) = self.lock().get(host) {
            return *open;
        }
        let open = match http.get(format!("{scheme}://{host}/v2/")).send().await {
            Ok(r) => r.status() == reqwest::StatusCode::OK,
            Err(e) => {
                tracing::debug!("{host}: /v2/ did not answer ({e}); using the usual auth flow");
                false
            }
        };
        self.lock().insert(host.to_string(), open);
        open
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, bool>> {
        self.known.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
