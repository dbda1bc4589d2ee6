//! Integration tests of `rbuild-cache-server`, one module per part, against real peers.

mod load;
