//! A build session: [`BuildRequest`] -> [`BuildResult`], everything between a front end's
//! parsed flags and its tables (DESIGN.md, "Repository layout"). The CLI's `rbuild build` is
//! one front end; the GitHub Action's entry and a library user would be others, with nothing to
//! copy.
//!
//! * [`request`] — the request in plain values;
//! * [`input`] — the Dockerfile read and parsed, the context opened, the plan made (also used
//!   by `rbuild plan` and `rbuild parse`);
//! * [`named`] — `--build-context` values opened (directories, images, fetched URLs);
//! * [`checks`] — the Dockerfile checks of a build and of `rbuild check`;
//! * [`run`] — the session: caches opened, the build (one plan per target platform), the retry
//!   after a poisoned cache blob, outputs, cache export, `--iidfile`, `--metadata-file`;
//! * `blobs` — which layer blobs the outputs and exports need in the store;
//! * `export` — the cache export and its failure policy;
//! * `metadata` — rbuild's keys of the metadata file;
//! * [`error`] — why a session failed, with the flag, file, line or path.

pub mod annotations;
pub mod attest;
pub mod checks;
pub mod entitlements;
pub mod error;
pub mod input;
pub mod named;
pub mod request;
pub mod run;

mod blobs;
mod export;
mod isolation;
mod metadata;

pub use error::SessionError;
pub use input::{PlanInput, Planned, make_plan};
pub use request::{BuildRequest, Output};
pub use run::{BuildResult, build};
