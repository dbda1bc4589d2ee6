//! Counters over the accepted entries.

use std::collections::BTreeMap;

use crate::agents::Kind;
use crate::parse::Entry;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PathStats {
    pub hits: u64,
    pub bytes: u64,
    pub errors: u64,
}

#[derive(Debug, Default)]
pub struct Stats {
    pub requests: u64,
    pub bytes: u64,
    pub filtered: u64,
    pub by_status: BTreeMap<u16, u64>,
    pub by_method: BTreeMap<String, u64>,
    pub by_path: BTreeMap<String, PathStats>,
    pub by_kind: BTreeMap<Kind, u64>,
    pub clients: BTreeMap<String, u64>,
    pub malformed: Vec<String>,
}

impl Stats {
    pub fn add(&mut self, e: &Entry, kind: Kind) {
        self.requests += 1;
        self.bytes += e.bytes;
        *self.by_status.entry(e.status).or_insert(0) += 1;
        *self.by_method.entry(e.method.clone()).or_insert(0) += 1;
        *self.by_kind.entry(kind).or_insert(0) += 1;
        *self.clients.entry(e.client.clone()).or_insert(0) += 1;
        let p = self.by_path.entry(e.path.clone()).or_default();
        p.hits += 1;
        p.bytes += e.bytes;
        if e.status >= 500 {
            p.errors += 1;
        }
    }

    pub fn note_malformed(&mut self, file: &str, line: usize) {
        self.malformed.push(format!("{file}:{line}"));
    }

    /// Responses with a 5xx status.
    pub fn server_errors(&self) -> u64 {
        self.by_status.range(500..600).map(|(_, n)| n).sum()
    }
}
