//! What rbuild and its cache server both speak (DESIGN.md, "Repository layout":
//! `crates/rbuild-wire/`). One implementation, so the two can never disagree; light dependencies
//! only: cache scope names ([`scope`]) and sizes ([`units`]).

pub mod scope;
pub mod units;
