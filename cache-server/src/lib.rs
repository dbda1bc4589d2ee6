//! The storage core of `rbuild-cache-server` (DESIGN.md, "The cache server"): content-addressed
//! blobs stored once whatever repository pushed them ([`blobs`]) and the metadata that gives them
//! names, repositories and byte counts ([`meta`]). The OCI distribution API ([`registry`]) and the
//! server that serves it ([`server`]) build on these two modules.

pub mod auth;
pub mod blobs;
pub mod config;
pub mod connections;
pub mod evict;
pub mod gha;
pub mod mac;
pub mod meta;
pub mod metrics;
pub mod query;
pub mod registry;
pub mod s3;
pub mod scopes;
pub mod server;
pub mod store;

#[cfg(test)]
mod fuzz_targets;
