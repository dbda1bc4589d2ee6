//! The registry client: resolve tags to manifest digests for a platform and pull manifests,
//! configs and blobs, every byte verified against its digest while it streams. Built on
//! `oci-client` (HTTP, the bearer-token dance, Range requests); this module adds what a builder
//! needs on top:
//!
//! * [`auth`]: credentials from the docker CLI's `config.json` and credential helpers;
//! * [`ecr`]: Amazon ECR hosts get a token from ECR's `GetAuthorizationToken` (the AWS default
//!   credential chain) unless `config.json` names a credential helper for them;
//! * [`insecure`]: which hosts are plain HTTP (loopback and `--insecure-registry`, as Docker);
//! * [`resolve`](Registry::resolve): tag or digest -> image index -> the platform's manifest,
//!   matched as containerd matches platforms;
//! * [`pull`]: blobs streamed into any `Write` with digest verification, resumable from an
//!   offset, several at a time with bounded concurrency;
//! * [`probe`]: can a repository be read, and pushed to (start-up checks of a cache);
//! * [`push`]: images (and any blobs) pushed from the store: blobs the repository has are
//!   skipped, blobs of a sibling repository mounted, the rest streamed from their files, and
//!   every digest the registry reports checked against ours; an image index pushed after its
//!   images;
//! * [`join`]: images (of native runners) joined into one index, manifests copied byte for
//!   byte and blobs mounted (`rbuild imagetools create`);
//!
//! Image references are [`crate::oci::reference::Reference`]s, normalized as Docker does;
//! Docker Hub (`docker.io`) is reached at `registry-1.docker.io`.

pub mod auth;
pub mod ecr;
pub mod error;
pub mod insecure;
pub mod join;
pub mod oci_layout;
mod open;
pub mod probe;
pub mod pull;
pub mod push;
pub mod resolve;
mod session;
pub mod trust;

pub use error::RegistryError;
pub use insecure::InsecureRegistries;
pub use push::{BlobPush, PushOptions, PushReport};
pub use resolve::ResolvedImage;

use crate::oci::reference::Reference;
use auth::DockerConfig;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::secrets::RegistryAuth;
use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How a [`Registry`] client is set up.
#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// Extra hosts reached over plain HTTP (`--insecure-registry`); loopback always is.
    pub insecure_registries: Vec<String>,
    /// The docker config file with credentials; default `$DOCKER_CONFIG/config.json` or
    /// `~/.docker/config.json`.
    pub docker_config: Option<PathBuf>,
    /// Connection timeout (default 10 s).
    pub connect_timeout: Option<Duration>,
    /// Accept any TLS certificate (Kaniko's `--skip-tls-verify`): for registries with a
    /// self-signed certificate; a man in the middle goes unnoticed.
    pub skip_tls_verify: bool,
    /// Pull-through mirrors of Docker Hub (`host[:port][/prefix]`, Kaniko's
    /// `--registry-mirror`), tried in order before `docker.io` for its images.
    pub mirrors: Vec<String>,
}

/// A repository in a registry: `domain/path` of a reference, without tag or digest.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Repository {
    /// The reference's registry domain (`docker.io`, `127.0.0.1:5000`).
    pub domain: String,
    /// The repository path (`library/busybox`).
    pub path: String,
}

impl Repository {
    /// The repository `reference` is in.
    pub fn of(reference: &Reference) -> Self {
        Self {
            domain: reference.domain.clone(),
            path: reference.path.clone(),
        }
    }

    /// Parses `domain/path` (normalized like a reference: `busybox` is
    /// `docker.io/library/busybox`).
    pub fn parse(s: &str) -> Result<Self, RegistryError> {
        let r = Reference::parse(s).map_err(|e| RegistryError::Invalid(e.to_string()))?;
        if r.digest.is_some() || r.tag.as_deref().is_some_and(|t| t != "latest") {
            return Err(RegistryError::Invalid(format!(
                "{s:?}: a repository takes no tag or digest"
            )));
        }
        Ok(Self::of(&r))
    }

    /// The host the registry API is served from: `registry-1.docker.io` for Docker Hub, the
    /// domain otherwise.
    pub fn api_host(&self) -> &str {
        api_host(&self.domain)
    }

    /// An oci-client reference to `digest` in this repository.
    pub(crate) fn oci_digest(&self, digest: &str) -> oci_client::Reference {
        oci_client::Reference::with_digest(
            self.api_host().to_string(),
            self.path.clone(),
            digest.to_string(),
        )
    }
}

impl fmt::Display for Repository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.domain, self.path)
    }
}

/// Docker Hub's API host for its reference domain.
pub fn api_host(domain: &str) -> &str {
    match domain {
        "docker.io" | "index.docker.io" => "registry-1.docker.io",
        d => d,
    }
}

/// An async registry client (tokio). Cheap to clone; share one per build so tokens are reused.
#[derive(Clone)]
pub struct Registry {
    https: oci_client::Client,
    http: oci_client::Client,
    /// Plain reqwest for the push protocol, whose response headers oci-client does not expose;
    /// it carries the token oci-client negotiated.
    plain: reqwest::Client,
    insecure: InsecureRegistries,
    config: DockerConfig,
    /// Credentials per domain, looked up once (a credential helper is a process).
    credentials: Arc<Mutex<HashMap<String, RegistryAuth>>>,
    /// ECR tokens per domain, until they expire.
    ecr_tokens: Arc<ecr::TokenCache>,
    /// Clients that never hold credentials (HTTPS, plain HTTP), for [`open`] hosts.
    open_https: oci_client::Client,
    open_http: oci_client::Client,
    /// Hosts that need no credentials ([`open`]).
    open_hosts: open::OpenHosts,
    /// Credentials of recent pull sessions ([`session`]).
    pull_auth: Arc<session::PullAuthCache>,
}

impl fmt::Debug for Registry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registry")
            .field("insecure", &self.insecure)
            .finish_non_exhaustive()
    }
}

impl Registry {
    /// A client with `options`; reads the docker config file once.
    pub fn new(options: &RegistryOptions) -> Result<Self, RegistryError> {
        let config = match options
            .docker_config
            .clone()
            .or_else(DockerConfig::default_path)
        {
            Some(path) => DockerConfig::load(&path)?,
            None => DockerConfig::default(),
        };
        let connect = options.connect_timeout.unwrap_or(Duration::from_secs(10));
        let client = |protocol| -> Result<oci_client::Client, RegistryError> {
            let cfg = ClientConfig {
                protocol,
                connect_timeout: Some(connect),
                read_timeout: Some(Duration::from_secs(120)),
                platform_resolver: None,
                user_agent: concat!("rbuild/", env!("CARGO_PKG_VERSION")),
                ..ClientConfig::default()
            };
            oci_client::Client::try_from(cfg)
                .map_err(|e| RegistryError::Invalid(format!("cannot set up the HTTP client: {e}")))
        };
        let plain = reqwest::Client::builder()
            .danger_accept_invalid_certs(options.skip_tls_verify)
            .connect_timeout(connect)
            .read_timeout(Duration::from_secs(120))
            .user_agent(concat!("rbuild/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| RegistryError::Invalid(format!("cannot set up the HTTP client: {e}")))?;
        Ok(Self {
            https: client(ClientProtocol::Https)?,
            http: client(ClientProtocol::Http)?,
            open_https: client(ClientProtocol::Https)?,
            open_http: client(ClientProtocol::Http)?,
            open_hosts: open::OpenHosts::default(),
            pull_auth: Arc::default(),
            plain,
            insecure: InsecureRegistries::new(&options.insecure_registries),
            config,
            credentials: Arc::default(),
            ecr_tokens: Arc::default(),
        })
    }

    /// The HTTP client for `repo`'s host (plain HTTP or HTTPS) and its credentials.
    pub(crate) async fn client_for(
        &self,
        repo: &Repository,
    ) -> Result<(&oci_client::Client, RegistryAuth), RegistryError> {
        let client = if self.insecure.is_insecure(repo.api_host()) {
            &self.http
        } else {
            &self.https
        };
        Ok((client, self.credentials_for(&repo.domain).await?))
    }

    /// [`Self::client_for`] for reading `repo` with credentials in place: the credential-free
    /// client when the caller is anonymous and the host needs none ([`open`]), else the usual
    /// client with the credentials stored for its token flow.
    pub(crate) async fn authed_client_for(
        &self,
        repo: &Repository,
    ) -> Result<&oci_client::Client, RegistryError> {
        let (client, auth) = self.client_for(repo).await?;
        let host = repo.api_host();
        if matches!(auth, RegistryAuth::Anonymous) {
            let insecure = self.insecure.is_insecure(host);
            let scheme = if insecure { "http" } else { "https" };
            if self.open_hosts.is_open(&self.plain, scheme, host).await {
                return Ok(if insecure {
                    &self.open_http
                } else {
                    &self.open_https
                });
            }
        }
        client.store_auth_if_needed(host, &auth).await;
        Ok(client)
    }

    /// The credentials sent to `domain` (a reference's domain). An ECR host without a
    /// `credHelpers` entry gets a token from ECR ([`ecr`]; cached until it expires), falling back
    /// to `config.json`'s `credsStore` and `auths` when that fails; every other host gets
    /// [`DockerConfig::credentials`] (looked up once).
    pub async fn credentials_for(&self, domain: &str) -> Result<RegistryAuth, RegistryError> {
        if let Some(host) = ecr::EcrHost::parse(domain)
            && !self.config.has_cred_helper(domain)
        {
            let err = match self.ecr_tokens.token(domain, &host).await {
                Ok(t) => return Ok(RegistryAuth::Basic(t.username, t.password)),
                Err(e) => e,
            };
            return match self.config_credentials(domain) {
                Ok(auth @ (RegistryAuth::Basic(..) | RegistryAuth::Bearer(..))) => {
                    tracing::warn!("{err}; using the docker config's credentials for {domain}");
                    Ok(auth)
                }
                _ => Err(err),
            };
        }
        self.config_credentials(domain)
    }

    /// [`DockerConfig::credentials`], looked up once per domain.
    fn config_credentials(&self, domain: &str) -> Result<RegistryAuth, RegistryError> {
        if let Some(auth) = self.lock_credentials().get(domain) {
            return Ok(auth.clone());
        }
        let auth = self.config.credentials(domain)?;
        self.lock_credentials()
            .insert(domain.to_string(), auth.clone());
        Ok(auth)
    }

    fn lock_credentials(&self) -> std::sync::MutexGuard<'_, HashMap<String, RegistryAuth>> {
        // A panic while holding the lock cannot leave the map half-updated.
        self.credentials
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
