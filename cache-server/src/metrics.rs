//! Prometheus metrics of the cache server: a [`Metrics`] registry of atomic counters, the axum
//! middleware [`layer`] that counts every request by method and status class and the bytes of
//! request and response bodies (counted as the bodies stream), and the `/metrics` endpoint
//! ([`router`]) in the Prometheus text format 0.0.4. Gauges of the store (logical and stored
//! bytes, dedup ratio, blobs, repositories) are read from [`Meta`] when the page is rendered.
//!
//! Other modules count through the same registry: eviction calls [`Metrics::evicted`].

use std::fmt::Write as _;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http_body_util::BodyExt as _;

use crate::meta::{Counts, Meta, MetaError, Stats};

/// Methods counted by name; everything else counts as `other`.
const METHODS: [&str; 8] = [
    "GET", "HEAD", "PUT", "POST", "PATCH", "DELETE", "OPTIONS", "other",
];
/// Status classes counted.
const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

/// Content type of the Prometheus text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Errors of the metrics endpoint.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// Reading the gauges from the metadata failed.
    #[error("reading gauges: {0}")]
    Meta(#[from] MetaError),
    /// The blocking metadata read did not complete.
    #[error("reading gauges: {0}")]
    Join(#[from] tokio::task::JoinError),
}

/// The counters of one server (shared as `Arc<Metrics>`).
#[derive(Debug)]
pub struct Metrics {
    requests: [[AtomicU64; CLASSES.len()]; METHODS.len()],
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    evicted_blobs: AtomicU64,
    evicted_bytes: AtomicU64,
    evicted_manifests: AtomicU64,
    swept_uploads: AtomicU64,
    eviction_runs: AtomicU64,
    evicted_gha_entries: AtomicU64,
    swept_gha_reservations: AtomicU64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            requests: std::array::from_fn(|_| std::array::from_fn(|_| AtomicU64::new(0))),
            bytes_in: AtomicU64::new(0),
            bytes_out: AtomicU64::new(0),
            evicted_blobs: AtomicU64::new(0),
            evicted_bytes: AtomicU64::new(0),
            evicted_manifests: AtomicU64::new(0),
            swept_uploads: AtomicU64::new(0),
            eviction_runs: AtomicU64::new(0),
            evicted_gha_entries: AtomicU64::new(0),
            swept_gha_reservations: AtomicU64::new(0),
        }
    }
}

/// Store gauges read from the metadata at render time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gauges {
    /// Logical and stored bytes.
    pub stats: Stats,
    /// Blobs, repositories, manifests, upload sessions.
    pub counts: Counts,
}

impl Gauges {
    /// Reads the gauges (blocking; async callers use [`Gauges::load`]).
    pub fn read(meta: &Meta) -> Result<Self, MetaError> {
        Ok(Self {
            stats: meta.stats()?,
            counts: meta.counts()?,
        })
    }

    /// Reads the gauges on the blocking pool.
    pub async fn load(meta: Arc<Meta>) -> Result<Self, MetricsError> {
        Ok(tokio::task::spawn_blocking(move || Self::read(&meta)).await??)
    }

    /// Logical bytes over stored bytes (1 when nothing is stored).
    pub fn dedup_ratio(&self) -> f64 {
        if self.stats.stored_bytes == 0 {
            1.0
        } else {
            self.stats.logical_bytes as f64 / self.stats.stored_bytes as f64
        }
    }
}

fn method_index(method: &Method) -> usize {
    METHODS
        .iter()
        .position(|m| *m == method.as_str())
        .unwrap_or(METHODS.len() - 1)
}

fn class_index(status: StatusCode) -> usize {
    usize::from(status.as_u16() / 100)
        .saturating_sub(1)
        .min(CLASSES.len() - 1)
}

impl Metrics {
    /// A registry with every counter at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one request answered with `status`.
    pub fn request(&self, method: &Method, status: StatusCode) {
        if let Some(counter) = self
            .requests
            .get(method_index(method))
            .and_then(|row| row.get(class_index(status)))
        {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Requests counted so far with `method` (e.g. `"GET"`, `"other"`) and status class
    /// (`"2xx"`).
    pub fn requests(&self, method: &str, class: &str) -> u64 {
        let m = METHODS.iter().position(|m| *m == method);
        let c = CLASSES.iter().position(|c| *c == class);
        m.zip(c)
            .and_then(|(m, c)| self.requests.get(m).and_then(|row| row.get(c)))
            .map_or(0, |counter| counter.load(Ordering::Relaxed))
    }

    /// Counts bytes read from request bodies.
    pub fn bytes_in(&self, bytes: u64) {
        self.bytes_in.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Counts bytes written in response bodies.
    pub fn bytes_out(&self, bytes: u64) {
        self.bytes_out.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Counts one evicted blob (or manifest's bytes) of `bytes` bytes.
    pub fn evicted(&self, bytes: u64) {
        self.evicted_blobs.fetch_add(1, Ordering::Relaxed);
        self.evicted_bytes.fetch_add(bytes, Ordering::Relaxed);
    }

    /// Counts manifest records removed by eviction.
    pub fn evicted_manifests(&self, count: u64) {
        self.evicted_manifests.fetch_add(count, Ordering::Relaxed);
    }

    /// Counts stale upload sessions swept.
    pub fn swept_uploads(&self, count: u64) {
        self.swept_uploads.fetch_add(count, Ordering::Relaxed);
    }

    /// Counts one completed eviction run.
    pub fn eviction_run(&self) {
        self.eviction_runs.fetch_add(1, Ordering::Relaxed);
    }

    /// The metrics page in the Prometheus text format 0.0.4, with the store gauges when given.
    pub fn render(&self, gauges: Option<&Gauges>) -> String {
        let mut out = String::new();
        header_lines(
            &mut out,
            "rbuild_cache_http_requests_total",
            "counter",
            "HTTP requests by method and status class.",
        );
        for (m, row) in METHODS.iter().zip(&self.requests) {
            for (c, counter) in CLASSES.iter().zip(row) {
                let _ = writeln!(
                    out,
                    "rbuild_cache_http_requests_total{{method=\"{m}\",class=\"{c}\"}} {}",
                    counter.load(Ordering::Relaxed)
                );
            }
        }
        let counters = [
            (
                "rbuild_cache_http_request_bytes_total",
                "Bytes read from request bodies.",
                &self.bytes_in,
            ),
            (
                "rbuild_cache_http_response_bytes_total",
                "Bytes written in response bodies.",
                &self.bytes_out,
            ),
            (
                "rbuild_cache_evicted_blobs_total",
                "Blobs and manifests deleted by eviction.",
                &self.evicted_blobs,
            ),
            (
                "rbuild_cache_evicted_bytes_total",
                "Bytes deleted by eviction.",
                &self.evicted_bytes,
            ),
            (
                "rbuild_cache_evicted_manifests_total",
                "Manifest records removed by eviction, with their tags.",
                &self.evicted_manifests,
            ),
            (
                "rbuild_cache_swept_uploads_total",
                "Stale upload sessions swept.",
                &self.swept_uploads,
            ),
            (
                "rbuild_cache_eviction_runs_total",
                "Completed eviction runs.",
                &self.eviction_runs,
            ),
            (
                "rbuild_cache_evicted_gha_entries_total",
                "GitHub Actions cache entries removed by eviction (expired or least recently used).",
                &self.evicted_gha_entries,
            ),
            (
                "rbuild_cache_swept_gha_reservations_total",
                "Unfinished GitHub Actions cache reservations swept.",
                &self.swept_gha_reservations,
            ),
        ];
        for (name, help, counter) in counters {
            header_lines(&mut out, name, "counter", help);
            let _ = writeln!(out, "{name} {}", counter.load(Ordering::Relaxed));
        }
        if let Some(g) = gauges {
            let gauges: [(&str, &str, String); 7] = [
                (
                    "rbuild_cache_logical_bytes",
                    "Bytes clients pushed, counted once per repository linking each blob.",
                    g.stats.logical_bytes.to_string(),
                ),
                (
                    "rbuild_cache_stored_bytes",
                    "Bytes the store holds, each blob once.",
                    g.stats.stored_bytes.to_string(),
                ),
                (
                    "rbuild_cache_dedup_ratio",
                    "Logical bytes over stored bytes.",
                    format!("{}", g.dedup_ratio()),
                ),
                (
                    "rbuild_cache_blobs",
                    "Stored blobs and manifests.",
                    g.counts.blobs.to_string(),
                ),
                (
                    "rbuild_cache_repositories",
                    "Repositories.",
                    g.counts.repositories.to_string(),
                ),
                (
                    "rbuild_cache_manifests",
                    "Manifests.",
                    g.counts.manifests.to_string(),
                ),
                (
                    "rbuild_cache_upload_sessions",
                    "Upload sessions in progress.",
                    g.counts.uploads.to_string(),
                ),
            ];
            for (name, help, value) in gauges {
                header_lines(&mut out, name, "gauge", help);
                let _ = writeln!(out, "{name} {value}");
            }
        }
        out
    }

    /// Counts GitHub Actions cache entries removed by eviction.
    pub fn evicted_gha_entries(&self, count: u64) {
        self.evicted_gha_entries.fetch_add(count, Ordering::Relaxed);
    }

    /// Counts unfinished GitHub Actions cache reservations swept.
    pub fn swept_gha_reservations(&self, count: u64) {
        self.swept_gha_reservations
            .fetch_add(count, Ordering::Relaxed);
    }
}

fn header_lines(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A body that counts the bytes of its data frames into `metrics` as they stream.
fn counted(body: Body, metrics: Arc<Metrics>, outgoing: bool) -> Body {
    Body::new(body.map_frame(move |frame| {
        if let Some(data) = frame.data_ref() {
            let n = data.len() as u64;
            if outgoing {
                metrics.bytes_out(n);
            } else {
                metrics.bytes_in(n);
            }
        }
        frame
    }))
}

/// The middleware counting requests and body bytes into `metrics`:
/// `router.layer(metrics::layer(metrics))`.
pub fn layer(metrics: Arc<Metrics>) -> MetricsLayer {
    MetricsLayer { metrics }
}

/// Tower layer of [`layer`].
#[derive(Debug, Clone)]
pub struct MetricsLayer {
    metrics: Arc<Metrics>,
}

impl<S> tower::Layer<S> for MetricsLayer {
    type Service = MetricsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        MetricsService {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

/// Service wrapped by [`MetricsLayer`].
#[derive(Debug, Clone)]
pub struct MetricsService<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

impl<S> tower::Service<Request> for MetricsService<S>
where
    S: tower::Service<Request, Response = Response> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let metrics = self.metrics.clone();
        let method = request.method().clone();
        let in_metrics = metrics.clone();
        let request = request.map(|body| counted(body, in_metrics, false));
        // The clone is ready only if polled; take the one that was, leave the clone.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let response = inner.call(request).await?;
            metrics.request(&method, response.status());
            let out_metrics = metrics.clone();
            Ok(response.map(|body| counted(body, out_metrics, true)))
        })
    }
}

/// `GET /metrics`: the counters of `metrics` and the gauges of `meta`.
pub fn router(metrics: Arc<Metrics>, meta: Arc<Meta>) -> Router {
    Router::new()
        .route("/metrics", get(serve))
        .with_state((metrics, meta))
}

async fn serve(State((metrics, meta)): State<(Arc<Metrics>, Arc<Meta>)>) -> Response {
    match Gauges::load(meta).await {
        Ok(gauges) => (
            [(header::CONTENT_TYPE, CONTENT_TYPE)],
            metrics.render(Some(&gauges)),
        )
            .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "metrics gauges");
            (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_and_methods() {
        let m = Metrics::new();
        m.request(&Method::GET, StatusCode::OK);
        m.request(&Method::GET, StatusCode::NOT_FOUND);
        m.request(
            &Method::from_bytes(b"PROPFIND").unwrap(),
            StatusCode::CREATED,
        );
        m.request(&Method::PUT, StatusCode::from_u16(599).unwrap());
        assert_eq!(m.requests("GET", "2xx"), 1);
        assert_eq!(m.requests("GET", "4xx"), 1);
        assert_eq!(m.requests("other", "2xx"), 1);
        assert_eq!(m.requests("PUT", "5xx"), 1);
        assert_eq!(m.requests("PUT", "2xx"), 0);
        let text = m.render(None);
        assert!(
            text.contains("rbuild_cache_http_requests_total{method=\"GET\",class=\"4xx\"} 1\n")
        );
        assert!(text.contains("# TYPE rbuild_cache_http_requests_total counter\n"));
        assert!(!text.contains("rbuild_cache_stored_bytes"));
    }

    #[test]
    fn gauges_and_ratio() {
        let m = Metrics::new();
        m.evicted(100);
        m.evicted(23);
        let gauges = Gauges {
            stats: Stats {
                logical_bytes: 1000,
                stored_bytes: 250,
            },
            counts: Counts {
                blobs: 3,
                repositories: 4,
                manifests: 1,
                uploads: 0,
            },
        };
        let text = m.render(Some(&gauges));
        for line in [
            "rbuild_cache_evicted_blobs_total 2",
            "rbuild_cache_evicted_bytes_total 123",
            "rbuild_cache_dedup_ratio 4",
            "rbuild_cache_stored_bytes 250",
            "rbuild_cache_repositories 4",
            "# TYPE rbuild_cache_dedup_ratio gauge",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
        }
    }
}
