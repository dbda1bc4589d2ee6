//! Images: deterministic layers (tar, compression, digest and diff_id in one pass), image config
//! and manifests. (Placeholder.)

pub mod config;
