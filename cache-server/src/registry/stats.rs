//! `GET /stats` (what clients pushed against what is stored) and `GET /healthz`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::RegistryState;
use super::error::Result;

/// The body of `GET /stats`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StatsBody {
    /// Bytes pushed, counted once per repository that links each blob.
    pub logical_bytes: u64,
    /// Bytes stored, each blob once.
    pub stored_bytes: u64,
    /// `logical_bytes / stored_bytes` (1 when nothing is stored).
    pub dedup_ratio: f64,
    /// Number of repositories.
    pub repositories: u64,
    /// Number of stored blobs (manifests included).
    pub blobs: u64,
}

/// `GET /stats`.
pub async fn stats(State(state): State<RegistryState>) -> Result<Json<StatsBody>> {
    let (stats, repositories, blobs) = state
        .meta(|m| Ok((m.stats()?, m.repositories()?.len() as u64, m.blob_count()?)))
        .await?;
    let dedup_ratio = if stats.stored_bytes == 0 {
        1.0
    } else {
        stats.logical_bytes as f64 / stats.stored_bytes as f64
    };
    Ok(Json(StatsBody {
        logical_bytes: stats.logical_bytes,
        stored_bytes: stats.stored_bytes,
        dedup_ratio,
        repositories,
        blobs,
    }))
}

/// `GET /healthz`: 200 when the metadata database answers.
pub async fn healthz(State(state): State<RegistryState>) -> Response {
    match state.meta(|m| m.stats()).await {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, format!("unhealthy: {e}\n")).into_response(),
    }
}
