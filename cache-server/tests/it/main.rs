//! Integration tests of `rbuild-cache-server` against real clients and peers; one module per
//! part of the server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod gha;
