//! The documents a remote cache stores, whatever the backend: each scope's **cache index**
//! (the step records, [`super::index`]) and one **mount-cache manifest** per (mount id, scope)
//! (`cache::remote::mounts`). Both are an OCI image manifest (never an index: ECR
//! rejects manifest lists) with an `artifactType`, a JSON config blob and the blobs the document
//! keeps alive as its layers; backends store and name them side by side:
//!
//! | backend  | [`DocName::Index`]                | [`DocName::Mount`]`(key)`                       |
//! |----------|-----------------------------------|-------------------------------------------------|
//! | registry | tag `<tag>`                       | tag `<tag>-mount-<key>` (long ones hashed)      |
//! | local    | `index.json` ref.name `<scope>`   | ref.name `<scope>/mount/<key>`                  |
//! | s3       | `index/<scope>/<name>`            | `index/<scope>/<name>.mount/<key>`              |
//! | gha      | entry `rbuild-v1-<ns>-index-<t>`  | entry `rbuild-v1-<ns>-mount/<key>/<t>`           |
//!
//! A mount key is a cache directory name ([`crate::build::mounts::cache::dir_name`]): at most
//! 100 bytes of `[A-Za-z0-9._-]`.

use std::collections::BTreeSet;

use crate::digest::Digest;
use crate::image::layer::LayerDescriptor;

/// Which document of a scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocName {
    /// The scope's cache index (step records).
    Index,
    /// The manifest of the mount cache with this key.
    Mount(String),
}

/// What kind of document, as its OCI manifest says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocKind {
    /// The manifest's `artifactType`.
    pub artifact_type: &'static str,
    /// The config blob's media type.
    pub config_media_type: &'static str,
}

/// A document to store: its config bytes and the blobs it lists (kept alive by it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// Its kind.
    pub kind: DocKind,
    /// The config blob (JSON).
    pub config: Vec<u8>,
    /// The blobs listed as the manifest's layers, in order, each once.
    pub blobs: Vec<LayerDescriptor>,
}

/// A document as loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedDoc {
    /// The config bytes.
    pub config: Vec<u8>,
    /// The digests the manifest lists (`None`: the backend keeps no list, e.g. gha).
    pub listed: Option<BTreeSet<Digest>>,
    /// Where it was found (tag, object key, entry key), for messages.
    pub location: String,
}
