//! The builder: for each step of a plan, a cache lookup, else the step's work; then the image.
//!
//! * [`copy`] — COPY and ADD (and WORKDIR's directory) as layer entries, with Docker's rules.
pub mod copy;
