//! What rbuild and its cache server both speak (DESIGN.md, "Repository layout":
//! `crates/rbuild-wire/`). One implementation, so the two can never disagree; light dependencies
//! only: digests ([`digest`]), the Actions cache service's messages ([`gha`]), cache scope names ([`scope`]) and sizes ([`units`]).

pub mod digest;
pub mod gha;
pub mod scope;
pub mod units;
