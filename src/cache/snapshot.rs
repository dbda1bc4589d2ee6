//! The explanation snapshot a record keeps: what the step's key was made from, in a form that
//! can be compared field by field with a later build's step ([`super::explain`]).
//!
//! A snapshot is not part of the key and is never trusted for a hit: it only says why a later
//! key differs. Secret values never enter it (mounts are kept as written, which names secrets
//! by id only). A COPY of a huge tree keeps at most [`MAX_LISTED`] entries of its listing (the
//! first ones by path), plus the Merkle digest and the total count, so a record stays small.

use crate::digest::Digest;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How many context entries a snapshot lists at most.
pub const MAX_LISTED: usize = 2000;

/// What a step's key was made from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StepSnapshot {
    /// The step's identity (`plan::identity`): the index entry the record is listed under.
    pub identity: Option<Digest>,
    /// The Dockerfile line of the step when it ran.
    pub line: usize,
    /// The keyword (`RUN`, `COPY`, ...).
    pub instruction: String,
    /// The instruction after variable expansion.
    pub text: String,
    /// The previous step's key.
    pub parent: Option<Digest>,
    /// Config-only instructions (ENV, USER, LABEL, ...) between the stage's previous layer
    /// step (or its FROM) and this one, as `KEYWORD text`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub before: Vec<String>,
    /// Build args the step used, with their values.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, String>,
    /// RUN: the argv (the shell prepended for the shell form).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// RUN: the environment, `NAME=value`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<String>,
    /// The user the step runs as (`""`: root).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user: String,
    /// The working directory.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub workdir: String,
    /// RUN: `--network`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub network: String,
    /// RUN: the `--mount` flags as written (secrets by id only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<String>,
    /// The stage's base image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<ImageRef>,
    /// Images the step reads (`COPY --from=<image>`, bind mounts from images).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<ImageRef>,
    /// `ADD` URLs (without `--checksum`) and the digest of what they served
    /// (`sha256:<hex>`), `ADD` git sources and the commit their ref named (`commit:<id>`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub urls: Vec<ImageRef>,
    /// Stages the step reads, with their keys.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stages: Vec<StageRef>,
    /// The context files it reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<ContextSnapshot>,
}

/// An image by reference and resolved manifest digest.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ImageRef {
    /// The normalized reference.
    pub reference: String,
    /// Its manifest digest, when it was resolved.
    pub digest: Option<String>,
}

/// A stage another step reads, by index, name and key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StageRef {
    /// The stage's index.
    pub index: usize,
    /// Its name, if it has one.
    pub name: Option<String>,
    /// Its result's key.
    pub key: Option<Digest>,
}

impl StageRef {
    /// How messages name it: its name, or `#<index>`.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None => format!("#{}", self.index),
        }
    }
}

/// The context entries a step reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContextSnapshot {
    /// The Merkle digest over all of them (the key's `context` field).
    pub digest: String,
    /// How many entries there are in all.
    pub total: usize,
    /// Path -> what it is (`file 644 <digest prefix>`, `dir 755`, ...); all entries, or the first
    /// [`MAX_LISTED`] by path when [`total`](Self::total) is larger.
    pub entries: BTreeMap<String, String>,
}

impl ContextSnapshot {
    /// A snapshot of a full listing.
    pub fn new(digest: String, listing: &[(String, String)]) -> Self {
        let entries: BTreeMap<String, String> = listing.iter().cloned().collect();
        Self {
            digest,
            total: entries.len(),
            entries,
        }
    }

    /// Whether the listing was cut to [`MAX_LISTED`] entries.
    pub fn is_capped(&self) -> bool {
        self.entries.len() < self.total
    }

    /// The same snapshot with at most [`MAX_LISTED`] entries (what a record stores).
    pub fn capped(mut self) -> Self {
        if self.entries.len() > MAX_LISTED {
            self.entries = std::mem::take(&mut self.entries)
                .into_iter()
                .take(MAX_LISTED)
                .collect();
        }
        self
    }
}

impl StepSnapshot {
    /// The snapshot as a record stores it: the context listing capped.
    pub fn for_record(mut self) -> Self {
        self.context = self.context.map(ContextSnapshot::capped);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_listing_is_capped_to_its_first_paths() {
        let listing: Vec<(String, String)> = (0..MAX_LISTED + 10)
            .map(|i| (format!("f{i:06}"), "file 644 00".to_string()))
            .collect();
        let full = ContextSnapshot::new("sha256:x".into(), &listing);
        assert!(!full.is_capped());
        let capped = full.capped();
        assert!(capped.is_capped());
        assert_eq!(capped.total, MAX_LISTED + 10);
        assert_eq!(capped.entries.len(), MAX_LISTED);
        assert!(capped.entries.contains_key("f000000"));
        assert!(!capped.entries.contains_key(&format!("f{:06}", MAX_LISTED)));
    }

    #[test]
    fn a_snapshot_missing_fields_reads_with_defaults() {
        let s: StepSnapshot = serde_json::from_str(r#"{"line":3,"text":"COPY a /a"}"#).unwrap();
        assert_eq!(s.line, 3);
        assert!(s.identity.is_none() && s.args.is_empty() && s.context.is_none());
    }
}
