//! `type=gha`'s attributes: `url=` (else `ACTIONS_RESULTS_URL`), `token=` (else
//! `ACTIONS_RUNTIME_TOKEN`), `timeout=`, and for exports `prune=` and `prune-max-size=`.

use std::time::Duration;

use crate::cache::remote::error::RemoteError;
use crate::cache::remote::spec::Attributes;

/// Options of `type=gha`.
#[derive(Clone, PartialEq, Eq)]
pub struct GhaSpec {
    /// `url=`: the cache service's base URL; `None`: `ACTIONS_RESULTS_URL`.
    pub url: Option<String>,
    /// `token=`: the runtime token; `None`: `ACTIONS_RUNTIME_TOKEN`.
    pub token: Option<String>,
    /// `timeout=`: bound of one request (10 min by default, as buildx).
    pub timeout: Duration,
    /// `prune=true` (export): after the export, delete superseded rbuild entries through the
    /// REST API (`GITHUB_TOKEN`), as `rbuild gha prune` does.
    pub prune: bool,
    /// `prune-max-size=SIZE`: with `prune=true`, the budget of rbuild's entries.
    pub prune_max_size: Option<u64>,
}

impl std::fmt::Debug for GhaSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GhaSpec")
            .field("url", &self.url)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl GhaSpec {
    /// Reads `type=gha`'s attributes from `attrs`.
    pub fn parse(attrs: &mut Attributes<'_>) -> Result<Self, RemoteError> {
        let timeout = attrs.duration("timeout", Duration::from_secs(600), "10m, 30s")?;
        let prune = attrs.bool("prune", false)?;
        let prune_max_size = attrs.size("prune-max-size")?;
        Ok(GhaSpec {
            url: attrs.take("url"),
            token: attrs.take("token"),
            timeout,
            prune,
            prune_max_size,
        })
    }
}
