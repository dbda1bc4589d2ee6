//! Stages -> step graph with cache keys. (Placeholder.)
