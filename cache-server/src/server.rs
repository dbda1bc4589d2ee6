//! The running server: opens the blob store and the metadata database from a [`Config`], sweeps
//! what a crash left behind, assembles every router and middleware in one place ([`app`]) and
//! serves until asked to stop, then lets in-flight requests finish (graceful shutdown).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::middleware::Next;
use axum::response::Response;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::auth::{self, Authorizer};
use crate::config::{Config, ConfigError};
use crate::connections::{self, ConnectionLimits};
use crate::evict::{self, Evictor, Policy};
use crate::gha::{self, GhaState};
use crate::meta::Meta;
use crate::metrics::{self, Metrics};
use crate::registry::{self, RegistryState};
use crate::scopes;
use crate::store::Store;

/// Address used when the configuration names none.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:5050";

/// Errors of starting or running the server.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The configuration names no data directory.
    #[error("no data directory configured (--data-dir, RBUILD_CACHE_DIR or data_dir:)")]
    NoDataDir,
    /// The configuration is invalid (tokens, grants).
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
    /// Creating a directory failed.
    #[error("create {path}: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The blob store did not open or sweep.
    #[error("blob store: {0}")]
    Store(#[from] crate::blobs::BlobError),
    /// The metadata database did not open.
    #[error("metadata: {0}")]
    Meta(#[from] crate::meta::MetaError),
    /// Sweeping orphaned uploads failed.
    #[error("sweeping uploads: {0}")]
    Uploads(#[from] registry::RegistryError),
    /// The GitHub Actions cache could not start.
    #[error("GitHub Actions cache: {0}")]
    Gha(#[from] gha::GhaError),
    /// The key that signs the Actions cache's blob URLs could not be read or created.
    #[error("signing key {path}: {source}")]
    SigningKey {
        /// The key file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The eviction policy is invalid.
    #[error("eviction: {0}")]
    Evict(#[from] crate::evict::EvictError),
    /// Binding the listen address failed.
    #[error("listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Serving failed.
    #[error("serving: {0}")]
    Serve(#[from] std::io::Error),
    /// The server task panicked.
    #[error("server task: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// A running server.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: JoinHandle<std::io::Result<()>>,
    eviction: Option<JoinHandle<()>>,
    state: RegistryState,
}

/// Opens the store, the metadata and the uploads directory under the configured data directory
/// and sweeps crash leftovers (temp files of blob puts, upload files no session records).
pub async fn open_state(config: &Config) -> Result<RegistryState, ServerError> {
    let data_dir = config.data_dir.clone().ok_or(ServerError::NoDataDir)?;
    let uploads_dir = data_dir.join("uploads");
    for dir in [&data_dir, &uploads_dir] {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|source| ServerError::CreateDir {
                path: dir.clone(),
                source,
            })?;
    }
    let store = Store::from_config(config, &data_dir).await?;
    let swept = store.sweep_temp().await?;
    let meta_dir = data_dir.clone();
    let meta = tokio::task::spawn_blocking(move || Meta::open(&meta_dir)).await??;
    let state = RegistryState::new(Arc::new(store), Arc::new(meta), uploads_dir);
    let orphans = registry::uploads::sweep_orphans(&state).await?;
    tracing::info!(
        data_dir = %data_dir.display(),
        swept_temp = swept,
        swept_uploads = orphans,
        "storage opened"
    );
    Ok(state)
}

/// The key that signs the GitHub Actions cache's upload and download URLs: derived from
/// `auth.token_key` when set (the same on every replica that shares a store), else a random key
/// kept in `<data>/gha-signing.key` (one replica).
async fn signing_key(config: &Config, data_dir: &std::path::Path) -> Result<Vec<u8>, ServerError> {
    use sha2::Digest as _;
    if let Some(key) = &config.auth.token_key {
        let mut hasher = sha2::Sha256::new();
        hasher.update(b"rbuild-cache gha urls\0");
        hasher.update(key.as_bytes());
        return Ok(hasher.finalize().to_vec());
    }
    let path = data_dir.join("gha-signing.key");
    let error = |source| ServerError::SigningKey {
        path: path.clone(),
        source,
    };
    match tokio::fs::read(&path).await {
        Ok(key) if key.len() >= 32 => return Ok(key),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(error(e)),
    }
    let key: Vec<u8> = [uuid::Uuid::new_v4(), uuid::Uuid::new_v4()]
        .iter()
        .flat_map(|u| u.as_bytes().to_vec())
        .collect();
    let temp = path.with_extension("tmp");
    tokio::fs::write(&temp, &key).await.map_err(error)?;
    tokio::fs::rename(&temp, &path).await.map_err(error)?;
    Ok(key)
}

/// The GitHub Actions cache's state: its staging area `<data>/gha-staging` (swept of abandoned
/// uploads at start), its signing key, and the token-based scope resolver when tokens exist.
async fn gha_state(config: &Config, state: &RegistryState) -> Result<GhaState, ServerError> {
    let data_dir = config.data_dir.clone().ok_or(ServerError::NoDataDir)?;
    let key = signing_key(config, &data_dir).await?;
    let mut gha = GhaState::new(
        state.store.clone(),
        state.meta.clone(),
        key,
        data_dir.join("gha-staging"),
    )?;
    if let Some(resolver) = gha::tokens::token_resolver(config) {
        gha = gha.with_scope_resolver(resolver);
    }
    if let Some(per_minute) = config.limits.gha_uploads_per_minute {
        gha = gha.with_uploads_per_minute(per_minute);
    }
    let swept = gha.sweep_staging().await?;
    tracing::info!(swept_staging = swept, "GitHub Actions cache ready");
    Ok(gha)
}

/// The whole HTTP application: every router and middleware the server serves, assembled here.
pub fn app(
    state: RegistryState,
    authz: Arc<Authorizer>,
    gha: GhaState,
    metrics: Arc<Metrics>,
) -> Router {
    let router = Router::new()
        .merge(registry::router(state.clone()))
        .merge(metrics::router(metrics.clone(), state.meta.clone()))
        .merge(gha::router(gha))
        .merge(scopes::router(state.clone(), authz.clone()))
        .merge(auth::router(authz.clone()));
    // Middleware, innermost first: the auth middleware (it classifies `/v2/...` by path and
    // method), the request log, then the metrics (which so count refused requests too).
    auth::protect(router, authz)
        .layer(DefaultBodyLimit::disable())
        .layer(axum::middleware::from_fn(log_request))
        .layer(metrics::layer(metrics))
}

/// Logs every request with its status and duration.
async fn log_request(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    tracing::info!(
        %method,
        %path,
        status = response.status().as_u16(),
        millis = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

impl Server {
    /// Opens everything the configuration names, binds the listen address (port 0 picks a free
    /// port) and starts serving in the background.
    pub async fn start(config: &Config) -> Result<Self, ServerError> {
        let authz = Arc::new(Authorizer::from_config(config)?);
        let state = open_state(config).await?;
        let listen = config
            .listen
            .clone()
            .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .map_err(|source| ServerError::Bind {
                addr: listen.clone(),
                source,
            })?;
        let addr = listener.local_addr()?;
        let (stop, mut stopped) = watch::channel(false);
        let metrics = Arc::new(Metrics::new());
        let evictor = Evictor::new(
            Policy::from_limits(&config.limits)?,
            Some(state.uploads_dir.clone()),
        )
        .with_metrics(metrics.clone());
        let state = state.with_pins(evictor.pins());
        let local = matches!(state.store.as_ref(), Store::Local(_));
        let eviction = if config.limits.evict.unwrap_or(local) {
            let mut stopped = stop.subscribe();
            Some(evict::spawn(
                evictor,
                state.store.clone(),
                state.meta.clone(),
                evict::DEFAULT_INTERVAL,
                async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                },
            ))
        } else {
            tracing::info!("eviction off on this replica (limits.evict)");
            None
        };
        let gha = gha_state(config, &state).await?;
        let app = app(state.clone(), authz, gha, metrics);
        let limits = ConnectionLimits::from_limits(&config.limits);
        let task = tokio::spawn(async move {
            connections::serve(listener, app, limits, async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            })
            .await
        });
        tracing::info!(%addr, "listening");
        Ok(Self {
            addr,
            stop,
            task,
            eviction,
            state,
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The store and metadata the server serves (for tests and the modules that run beside it).
    pub fn state(&self) -> &RegistryState {
        &self.state
    }

    /// Stops accepting connections, lets in-flight requests finish, and returns when the server
    /// has stopped.
    pub async fn shutdown(self) -> Result<(), ServerError> {
        let _ = self.stop.send(true);
        self.task.await??;
        if let Some(eviction) = self.eviction {
            eviction.await?;
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// Waits for SIGTERM or SIGINT (Ctrl-C).
pub async fn termination_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
