//! Integration tests of the cache server against real clients and peers (one binary; one module
//! per area).

// Test helpers outside `#[test]` functions panic on purpose when a peer or the server fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod deploy;
mod e2e;
mod evict;
mod gha;
mod hardening;
mod registry;
mod replicas;
mod s3;
mod support;
