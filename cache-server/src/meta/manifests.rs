//! Manifests, tags and referrers.

use super::txn::*;
use super::*;

impl Meta {
    /// Stores a manifest's record and links it to `repository`; with `tag`, points the tag at it.
    /// Records the push time (the eviction grace period counts from it).
    pub fn put_manifest(
        &self,
        repository: &str,
        digest: &str,
        record: &ManifestRecord,
        tag: Option<&str>,
    ) -> Result<()> {
        let bytes = encode(digest, record)?;
        let txn = self.db.begin_write()?;
        let mut touched = record.references.clone();
        {
            let old = txn
                .open_table(MANIFESTS)?
                .insert(digest, bytes.as_slice())?
                .map(|g| g.value().to_vec());
            let mut referrers = txn.open_table(REFERRERS)?;
            if let Some(old) = old {
                let old: ManifestRecord = decode(digest, &old)?;
                for reference in &old.references {
                    referrers.remove((reference.as_str(), digest))?;
                }
                touched.extend(old.references);
            }
            for reference in &record.references {
                referrers.insert((reference.as_str(), digest), ())?;
            }
        }
        txn.open_table(PUSHED)?.insert(digest, now())?;
        txn.open_table(BROKEN)?.remove(digest)?;
        link(&txn, repository, digest, record.size)?;
        if let Some(tag) = tag {
            set_tag(&txn, repository, tag, digest)?;
        }
        for reference in &touched {
            refresh_unreferenced(&txn, reference)?;
        }
        txn.commit()?;
        Ok(())
    }

    /// The record of a manifest linked to `repository`.
    pub fn get_manifest(&self, repository: &str, digest: &str) -> Result<Option<ManifestRecord>> {
        let txn = self.db.begin_read()?;
        if txn
            .open_table(REPO_BLOBS)?
            .get((repository, digest))?
            .is_none()
        {
            return Ok(None);
        }
        let manifests = txn.open_table(MANIFESTS)?;
        let Some(bytes) = manifests.get(digest)? else {
            return Ok(None);
        };
        decode(digest, bytes.value()).map(Some)
    }

    /// Unlinks a manifest from `repository` and removes the repository's tags that point at it.
    /// The record is dropped once no repository links it. Returns whether it was linked.
    pub fn delete_manifest(&self, repository: &str, digest: &str) -> Result<bool> {
        let txn = self.db.begin_write()?;
        let mut failed = Failed::default();
        let stale: Vec<String> = txn
            .open_table(TAG_INDEX)?
            .range((digest, repository, "")..)?
            .map_while(failed.ok())
            .take_while(|(k, _)| k.value().0 == digest && k.value().1 == repository)
            .map(|(k, _)| k.value().2.to_string())
            .collect();
        failed.check()?;
        let found = unlink(&txn, repository, digest)?.is_some();
        if found {
            for tag in stale {
                remove_tag(&txn, repository, &tag)?;
            }
            drop_repo_if_empty(&txn, repository)?;
            if !has_links(&txn, digest)? {
                drop_record(&txn, digest)?;
            }
        }
        txn.commit()?;
        Ok(found)
    }

    /// Points `tag` of `repository` at a manifest digest.
    pub fn put_tag(&self, repository: &str, tag: &str, digest: &str) -> Result<()> {
        let txn = self.db.begin_write()?;
        set_tag(&txn, repository, tag, digest)?;
        txn.commit()?;
        Ok(())
    }

    /// The manifest digest `tag` of `repository` points at.
    pub fn get_tag(&self, repository: &str, tag: &str) -> Result<Option<String>> {
        let txn = self.db.begin_read()?;
        let tags = txn.open_table(TAGS)?;
        Ok(tags.get((repository, tag))?.map(|g| g.value().to_string()))
    }

    /// Removes a tag; returns whether it existed.
    pub fn delete_tag(&self, repository: &str, tag: &str) -> Result<bool> {
        let txn = self.db.begin_write()?;
        let found = remove_tag(&txn, repository, tag)?;
        txn.commit()?;
        Ok(found)
    }

    /// Tags of `repository` in lexical order, at most `n` (all when `None`), strictly after
    /// `last` (the distribution API's `n` and `last` parameters).
    pub fn list_tags(
        &self,
        repository: &str,
        n: Option<usize>,
        last: Option<&str>,
    ) -> Result<TagPage> {
        let txn = self.db.begin_read()?;
        let tags = txn.open_table(TAGS)?;
        let mut failed = Failed::default();
        let mut names = tags
            .range((repository, last.unwrap_or(""))..)?
            .map_while(failed.ok())
            .take_while(|(k, _)| k.value().0 == repository)
            .map(|(k, _)| k.value().1.to_string())
            .filter(|tag| Some(tag.as_str()) != last);
        let limit = n.unwrap_or(usize::MAX);
        let page: Vec<String> = names.by_ref().take(limit).collect();
        let more = names.next().is_some();
        drop(names);
        failed.check()?;
        Ok(TagPage { tags: page, more })
    }

    /// Repositories in lexical order.
    pub fn repositories(&self) -> Result<Vec<String>> {
        let txn = self.db.begin_read()?;
        let repos = txn.open_table(REPOS)?;
        let mut failed = Failed::default();
        let out = repos
            .iter()?
            .map_while(failed.ok())
            .map(|(k, _)| k.value().to_string())
            .collect();
        failed.check()?;
        Ok(out)
    }

    /// Manifests referencing `digest` (a blob or a child manifest), in lexical order.
    pub fn referrers(&self, digest: &str) -> Result<Vec<String>> {
        let txn = self.db.begin_read()?;
        seconds_of(&txn.open_table(REFERRERS)?, digest)
    }

    /// Records that the manifest `digest` in `repository` refers to `subject`, with the
    /// descriptor the referrers API lists for it.
    pub fn put_subject_referrer(
        &self,
        repository: &str,
        subject: &str,
        digest: &str,
        descriptor: &serde_json::Value,
    ) -> Result<()> {
        let bytes = encode(digest, descriptor)?;
        let txn = self.db.begin_write()?;
        txn.open_table(Self::SUBJECT_REFERRERS)?
            .insert((repository, subject, digest), bytes.as_slice())?;
        txn.commit()?;
        Ok(())
    }

    /// Descriptors of the manifests in `repository` whose subject is `subject` and that are still
    /// linked there.
    pub fn subject_referrers(
        &self,
        repository: &str,
        subject: &str,
    ) -> Result<Vec<serde_json::Value>> {
        let txn = self.db.begin_read()?;
        let table = match txn.open_table(Self::SUBJECT_REFERRERS) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let links = txn.open_table(REPO_BLOBS)?;
        let mut out = Vec::new();
        for entry in table.range((repository, subject, "")..)? {
            let (key, value) = entry?;
            let (repo, subj, digest) = key.value();
            if repo != repository || subj != subject {
                break;
            }
            if links.get((repository, digest))?.is_some() {
                out.push(decode(digest, value.value())?);
            }
        }
        Ok(out)
    }

    /// When the manifest `digest` was last pushed.
    pub fn pushed(&self, digest: &str) -> Result<Option<u64>> {
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(PUSHED)?.get(digest)?.map(|g| g.value()))
    }
}
