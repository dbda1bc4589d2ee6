//! What rbuild and its cache server both speak (DESIGN.md, "Repository layout":
//! `crates/rbuild-wire/`). One implementation, so the two can never disagree; light dependencies
//! only: digests ([`digest`]), the Actions cache service's messages ([`gha`]), cache scope names
//! ([`scope`]) and sizes ([`units`]); with the feature `s3` (which brings the AWS SDK both
//! binaries already use), what an S3 error means and the multipart-upload abort guard (`s3`).

pub mod digest;
pub mod gha;
#[cfg(feature = "s3")]
pub mod s3;
pub mod scope;
pub mod units;
