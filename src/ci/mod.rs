//! The CI environment rbuild runs in, above everything it hands plain values to (DESIGN.md,
//! "Repository layout"): GitHub's REST API ([`github`]: the Actions cache entries that
//! `prune=true` and `rbuild gha prune` delete, the branch facts that cache scopes fall back on).
//! Nothing below `cli/` and `session/` imports this module; what cache needs of it is a trait of
//! cache's own (`cache::remote::gha::entries::CacheEntries`, `cache::remote::scope::BranchFacts`).

pub mod github;
