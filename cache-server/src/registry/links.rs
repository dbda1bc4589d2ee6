//! Which repository may read which blob or manifest: its *links* (module rules in [`super`]).
//!
//! A link lives in this replica's metadata and, when replicas share an S3 store, in the bucket
//! too ([`crate::s3::refs::S3Refs::put_link`]), so a blob pushed through one replica is readable
//! through another in the repository it was pushed to, and in no other.
//! Reads look at the local metadata first (no request for what this replica linked itself),
//! then at the bucket. A `DELETE` removes both; a replica that linked a blob itself keeps its
//! own link until it is deleted through it or evicted, as it keeps its own copy of a tag.
//!
//! Blobs pushed by a server before links were kept in the bucket have none there: they stay
//! readable through the replica that took them, and everywhere once a manifest referencing them
//! is pushed again (a manifest push links everything it references).

use futures_util::{StreamExt, TryStreamExt, stream};

use super::RegistryState;
use super::error::Result;

/// Bucket writes in flight while linking the references of one manifest.
const LINKS_IN_FLIGHT: usize = 8;

/// Links each `(digest, size)` of `links` to `name`: in the metadata, then in the bucket.
pub async fn link(state: &RegistryState, name: &str, links: Vec<(String, u64)>) -> Result<()> {
    let (repo, local) = (name.to_string(), links.clone());
    state.meta(move |m| m.link_blobs(&repo, &local)).await?;
    put_in_bucket(state, name, links.into_iter().map(|(d, _)| d)).await
}

/// Writes the bucket's links of `digests` to `name` (nothing without a shared store).
pub async fn put_in_bucket(
    state: &RegistryState,
    name: &str,
    digests: impl IntoIterator<Item = String>,
) -> Result<()> {
    let Some(refs) = state.store.s3_refs() else {
        return Ok(());
    };
    stream::iter(digests)
        .map(|digest| {
            let refs = refs.clone();
            async move { refs.put_link(name, &digest).await }
        })
        .buffer_unordered(LINKS_IN_FLIGHT)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

/// Whether `name` links `digest`, here or (shared store) in the bucket.
pub async fn is_linked(state: &RegistryState, name: &str, digest: &str) -> Result<bool> {
    let (repo, key) = (name.to_string(), digest.to_string());
    if state.meta(move |m| m.is_linked(&repo, &key)).await? {
        return Ok(true);
    }
    in_bucket(state, name, digest).await
}

/// Whether the bucket of a shared store links `digest` to `name` (`false` without one).
pub async fn in_bucket(state: &RegistryState, name: &str, digest: &str) -> Result<bool> {
    match state.store.s3_refs() {
        Some(refs) => Ok(refs.has_link(name, digest).await?),
        None => Ok(false),
    }
}

/// Removes the link of `digest` to `name`, here and in the bucket; whether either existed.
pub async fn unlink(state: &RegistryState, name: &str, digest: &str) -> Result<bool> {
    let (repo, key) = (name.to_string(), digest.to_string());
    let local = state.meta(move |m| m.unlink_blob(&repo, &key)).await?;
    let shared = match state.store.s3_refs() {
        Some(refs) => refs.delete_link(name, digest).await?,
        None => false,
    };
    Ok(local || shared)
}
