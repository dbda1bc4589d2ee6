//! The vocabulary every part of rbuild shares (DESIGN.md, "Repository layout": the bottom of the
//! import order): image references ([`mod@reference`]) and platforms ([`platform`]). Digests are
//! `crate::digest` (one type with the cache server's, from `rbuild-wire`).

pub mod platform;
pub mod reference;

pub use platform::{Platform, PlatformError};
pub use reference::{Reference, ReferenceError};
