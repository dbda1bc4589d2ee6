//! The storage core of `rbuild-cache-server` (DESIGN.md, "The cache server"): content-addressed
//! blobs stored once whatever repository pushed them ([`blobs`]) and the metadata that gives them
//! names, repositories and byte counts ([`meta`]). The HTTP side (OCI distribution API) builds on
//! these two modules.

pub mod blobs;
pub mod config;
pub mod evict;
pub mod meta;
pub mod metrics;
pub mod store;
