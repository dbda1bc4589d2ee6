//! rbuild: a daemonless container-image builder for CI with remote caches.
//!
//! Data flows one way through the modules (see `DESIGN.md`):
//!
//! * [`dockerfile`] turns Dockerfile text into raw instructions (with line spans, before any
//!   variable expansion) and then into typed, validated instructions grouped in stages;
//!   [`dockerfile::shell`] expands variables exactly as Docker's shell lexer does.
//! * [`context`] walks the build context, applies `.dockerignore`, and computes the content
//!   (Merkle) hashes that cache keys are made of, with a local hash cache.
//! * [`plan`] turns stages into a graph of steps, each with its cache key (`rbuild-key-v1`).
//! * [`store`] keeps blobs and unpacked layers; [`image`] writes deterministic layers and image
//!   documents; [`registry`] pulls bases and pushes results.
//! * [`output`] writes a finished image out as buildx's `--output` does: an OCI layout
//!   (directory or tar) or a `docker load` archive, plus `--iidfile` and `--metadata-file`.
//! * [`exec`] runs a RUN step in an OCI runtime on an overlayfs of the snapshots; the upper dir
//!   is the step's layer.
//! * [`lint`] checks Dockerfiles: BuildKit's rules by their names and messages, `# check=`.
//! * [`ci`] knows the CI environment (GitHub's REST API) and hands plain values and trait
//!   objects down.
//! * [`session`] runs one build from a request in plain values: caches, build, outputs, cache
//!   export, metadata.
//! * [`cli`] parses flags into requests and renders results; the binary is a thin shell over it.

pub mod builder;
pub mod cache;
pub mod ci;
pub mod cli;
pub mod context;
pub mod csv;
pub mod digest;
pub mod dockerfile;
pub mod exec;

pub mod home;
pub mod image;
pub mod lint;
pub mod oci;
pub mod output;
pub mod plan;
pub mod registry;
pub mod session;
pub mod store;

#[cfg(test)]
mod fuzz_targets;
