//! What rbuild and its cache server both speak (DESIGN.md, "Repository layout":
//! `crates/rbuild-wire/`). One implementation, so the two can never disagree; light dependencies
//! only. Today: cache scope names ([`scope`]).

pub mod scope;
