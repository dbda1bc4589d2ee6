//! The registry as the planner's [`BaseResolver`] (here, above both: `plan` and `registry` know
//! nothing of each other): the planner is synchronous, so this wraps a
//! [`Registry`] and a small tokio runtime of its own and blocks on each resolution. Every
//! (reference, platform) is resolved once per resolver, i.e. once per build, and the answer is
//! reused for every stage and `COPY --from` that names it; so is each image's config.

use crate::image::config::ImageConfig;
use crate::oci::Platform;
use crate::oci::reference::Reference;
use crate::plan::BaseResolver;
use crate::registry::{Registry, RegistryError, RegistryOptions, ResolvedImage};
use std::collections::HashMap;
use std::sync::Mutex;

/// Resolves base images against their registries, blocking.
pub struct RegistryResolver {
    registry: Registry,
    /// Docker Hub mirrors, tried first for `docker.io` images.
    mirrors: Vec<String>,
    runtime: tokio::runtime::Runtime,
    resolved: Mutex<HashMap<(Reference, Platform), ResolvedImage>>,
    configs: Mutex<HashMap<(Reference, Platform), ImageConfig>>,
}

impl RegistryResolver {
    /// A resolver with a new client configured by `options`. Must not be called from inside
    /// an async runtime (it starts its own).
    pub fn new(options: &RegistryOptions) -> Result<Self, RegistryError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("rbuild-registry")
            .enable_all()
            .build()
            .map_err(RegistryError::Runtime)?;
        Ok(Self {
            registry: Registry::new(options)?,
            mirrors: options.mirrors.clone(),
            runtime,
            resolved: Mutex::new(HashMap::new()),
            configs: Mutex::new(HashMap::new()),
        })
    }

    /// The runtime the resolver blocks on, for callers that go on to pull or push with
    /// [`RegistryResolver::registry`] (from outside any async context).
    pub fn runtime(&self) -> &tokio::runtime::Runtime {
        &self.runtime
    }

    /// The client, for callers that go on to pull what was resolved.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Resolves `reference` for `platform` (once; later calls reuse the answer).
    pub fn resolve_image(
        &self,
        reference: &Reference,
        platform: &Platform,
    ) -> Result<ResolvedImage, RegistryError> {
        let key = (reference.clone(), platform.clone());
        if let Some(r) = self.lock().get(&key) {
            return Ok(r.clone());
        }
        let resolved = self.resolve_mirrored(reference, platform)?;
        self.lock().insert(key, resolved.clone());
        Ok(resolved)
    }

    /// A `docker.io` image from the first mirror that has it (its layers are then pulled from
    /// that mirror), else from Docker Hub; any other image from its registry.
    fn resolve_mirrored(
        &self,
        reference: &Reference,
        platform: &Platform,
    ) -> Result<ResolvedImage, RegistryError> {
        if reference.domain == "docker.io" {
            for mirror in &self.mirrors {
                let mut at_mirror = reference.clone();
                let mirror = mirror.trim_end_matches('/');
                let (domain, prefix) = mirror.split_once('/').unwrap_or((mirror, ""));
                at_mirror.domain = domain.to_string();
                if !prefix.is_empty() {
                    at_mirror.path = format!("{prefix}/{}", reference.path);
                }
                match self
                    .runtime
                    .block_on(self.registry.resolve(&at_mirror, platform))
                {
                    Ok(found) => return Ok(found),
                    Err(e) => tracing::warn!("mirror {mirror}: {reference}: {e}; trying the next"),
                }
            }
        }
        self.runtime
            .block_on(self.registry.resolve(reference, platform))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(Reference, Platform), ResolvedImage>> {
        self.resolved
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl BaseResolver for RegistryResolver {
    fn resolve(
        &self,
        reference: &Reference,
        platform: &Platform,
    ) -> Result<Option<String>, String> {
        self.resolve_image(reference, platform)
            .map(|r| Some(r.manifest_digest.to_string()))
            .map_err(|e| e.to_string())
    }

    fn config(
        &self,
        reference: &Reference,
        platform: &Platform,
    ) -> Result<Option<ImageConfig>, String> {
        let key = (reference.clone(), platform.clone());
        let cached = self
            .configs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&key)
            .cloned();
        if let Some(config) = cached {
            return Ok(Some(config));
        }
        let resolved = self
            .resolve_image(reference, platform)
            .map_err(|e| e.to_string())?;
        let bytes = self
            .runtime
            .block_on(
                self.registry
                    .fetch_config(&resolved.repository, &resolved.config_digest),
            )
            .map_err(|e| e.to_string())?;
        let config: ImageConfig = serde_json::from_slice(&bytes).map_err(|e| {
            format!(
                "{}: image config {} is not valid JSON: {e}",
                resolved.reference, resolved.config_digest
            )
        })?;
        self.configs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(key, config.clone());
        Ok(Some(config))
    }
}
