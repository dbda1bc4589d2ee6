//! Integration tests of `rbuild-cache-server`: one module per part, each against real clients.

mod auth;
