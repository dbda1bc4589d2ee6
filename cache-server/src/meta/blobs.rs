//! Blobs and their links to repositories: linking, unlinking, forgetting, the facts eviction
//! reads.

use super::txn::*;
use super::*;

impl Meta {
    /// Links a stored blob of `size` bytes to `repository` (creating the repository). The size
    /// counts into the repository's logical bytes the first time it is linked there, and into the
    /// stored bytes the first time the blob is known at all. Returns whether the link is new.
    pub fn link_blob(&self, repository: &str, digest: &str, size: u64) -> Result<bool> {
        let txn = self.db.begin_write()?;
        let new = link(&txn, repository, digest, size)?;
        txn.commit()?;
        Ok(new)
    }

    /// Whether `digest` is linked to `repository`.
    pub fn is_linked(&self, repository: &str, digest: &str) -> Result<bool> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(REPO_BLOBS)?;
        Ok(table.get((repository, digest))?.is_some())
    }

    /// Repositories that link `digest`, in lexical order.
    pub fn repositories_of(&self, digest: &str) -> Result<Vec<String>> {
        let txn = self.db.begin_read()?;
        seconds_of(&txn.open_table(BLOB_REPOS)?, digest)
    }

    /// Removes the link of `digest` to `repository` (its size leaves the repository's logical
    /// bytes; the blob stays stored, for eviction to sweep once nothing references it). Use
    /// [`Meta::delete_manifest`] for manifests. Returns whether the link existed.
    pub fn unlink_blob(&self, repository: &str, digest: &str) -> Result<bool> {
        let txn = self.db.begin_write()?;
        let found = unlink(&txn, repository, digest)?.is_some();
        if found {
            drop_repo_if_empty(&txn, repository)?;
        }
        txn.commit()?;
        Ok(found)
    }

    /// Forgets a blob that the store deleted: its stored bytes and its links (and the logical
    /// bytes of every repository that linked it). When it is a manifest its record and tags go
    /// too; manifests that reference it are marked broken and removed by the next eviction run.
    pub fn forget_blob(&self, digest: &str) -> Result<()> {
        let txn = self.db.begin_write()?;
        forget(&txn, digest)?;
        drop_record(&txn, digest)?;
        let referrers = seconds_of(&txn.open_table(REFERRERS)?, digest)?;
        {
            let mut broken = txn.open_table(BROKEN)?;
            for manifest in referrers {
                broken.insert(manifest.as_str(), ())?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    /// Links several stored blobs to `repository` in one transaction; see [`Meta::link_blob`].
    pub fn link_blobs(&self, repository: &str, blobs: &[(String, u64)]) -> Result<()> {
        let txn = self.db.begin_write()?;
        for (digest, size) in blobs {
            link(&txn, repository, digest, *size)?;
        }
        txn.commit()?;
        Ok(())
    }

    /// Whether any repository links `digest` (a lookup in the by-digest link index).
    pub fn linked_anywhere(&self, digest: &str) -> Result<bool> {
        let txn = self.db.begin_read()?;
        let index = txn.open_table(BLOB_REPOS)?;
        let mut range = index.range((digest, "")..)?;
        Ok(match range.next() {
            Some(entry) => entry?.0.value().0 == digest,
            None => false,
        })
    }

    /// Whether anything was ever pushed to `repository`.
    pub fn has_repository(&self, repository: &str) -> Result<bool> {
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(REPOS)?.get(repository)?.is_some())
    }

    /// Number of blobs (and manifests) stored.
    pub fn blob_count(&self) -> Result<u64> {
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(BLOBS)?.len()?)
    }

    /// What eviction needs to decide about a stored digest, or `None` when it is not stored.
    pub fn blob_facts(&self, digest: &str) -> Result<Option<BlobFacts>> {
        let txn = self.db.begin_read()?;
        let Some(size) = txn.open_table(BLOBS)?.get(digest)?.map(|g| g.value()) else {
            return Ok(None);
        };
        Ok(Some(BlobFacts {
            size,
            last_access: txn
                .open_table(ACCESS)?
                .get(digest)?
                .map(|g| g.value())
                .unwrap_or(0),
            pushed: if txn.open_table(MANIFESTS)?.get(digest)?.is_some() {
                Some(
                    txn.open_table(PUSHED)?
                        .get(digest)?
                        .map(|g| g.value())
                        .unwrap_or(0),
                )
            } else {
                None
            },
            referenced: has_referrers(&txn.open_table(REFERRERS)?, digest)?,
            gha: gha_linked(&txn.open_table(BLOB_REPOS)?, digest)?,
        }))
    }

    /// [`Meta::unlink_blob`] inside the caller's write transaction on [`Meta::db`], so a module
    /// with tables of its own (the GitHub Actions cache entries) drops its record and the link
    /// atomically.
    pub fn unlink_in(txn: &WriteTransaction, repository: &str, digest: &str) -> Result<bool> {
        let found = unlink(txn, repository, digest)?.is_some();
        if found {
            drop_repo_if_empty(txn, repository)?;
        }
        Ok(found)
    }
}
