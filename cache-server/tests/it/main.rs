//! Integration tests of the cache server, one module per part.

mod evict;
