//! The JSON report.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::agents::Kind;
use crate::stats::Stats;

#[derive(Debug, Serialize)]
pub struct PathLine {
    pub path: String,
    pub hits: u64,
    pub bytes: u64,
    pub errors: u64,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub requests: u64,
    pub bytes: u64,
    pub filtered_out: u64,
    pub unique_clients: usize,
    pub status_classes: BTreeMap<String, u64>,
    pub methods: BTreeMap<String, u64>,
    pub client_kinds: BTreeMap<Kind, u64>,
    pub server_error_rate: f64,
    pub top_paths: Vec<PathLine>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub malformed: Vec<String>,
}

impl Report {
    pub fn build(s: &Stats, top: usize) -> Report {
        let mut status_classes: BTreeMap<String, u64> = BTreeMap::new();
        for (status, n) in &s.by_status {
            *status_classes
                .entry(format!("{}xx", status / 100))
                .or_insert(0) += *n;
        }
        let mut top_paths: Vec<PathLine> = s
            .by_path
            .iter()
            .map(|(path, p)| PathLine {
                path: path.clone(),
                hits: p.hits,
                bytes: p.bytes,
                errors: p.errors,
            })
            .collect();
        top_paths.sort_by(|a, b| b.hits.cmp(&a.hits).then_with(|| a.path.cmp(&b.path)));
        top_paths.truncate(top);
        let server_error_rate = if s.requests == 0 {
            0.0
        } else {
            s.server_errors() as f64 / s.requests as f64
        };
        Report {
            requests: s.requests,
            bytes: s.bytes,
            filtered_out: s.filtered,
            unique_clients: s.clients.len(),
            status_classes,
            methods: s.by_method.clone(),
            client_kinds: s.by_kind.clone(),
            server_error_rate,
            top_paths,
            malformed: s.malformed.clone(),
        }
    }
}
