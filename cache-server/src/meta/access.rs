//! Last access times and eviction: least recently used, unreferenced blobs, the two-step
//! delete (metadata first, then the blob store).

use super::txn::*;
use super::*;

impl Meta {
    /// Records an access to a blob or manifest now. Digests that are not stored are ignored.
    /// An access within [`TOUCH_RESOLUTION`] seconds of the recorded one only reads (serving a
    /// blob costs no write transaction).
    pub fn touch(&self, digest: &str) -> Result<()> {
        let now = now();
        {
            let txn = self.db.begin_read()?;
            let last = txn.open_table(ACCESS)?.get(digest)?.map(|g| g.value());
            if last.is_some_and(|t| t <= now && now - t < TOUCH_RESOLUTION) {
                return Ok(());
            }
        }
        self.set_last_access(digest, now)
    }

    /// Records an access to a blob or manifest at `time` (seconds since the epoch); [`Meta::touch`]
    /// with an explicit clock, for tests and imports. Digests that are not stored are ignored.
    pub fn set_last_access(&self, digest: &str, time: u64) -> Result<()> {
        let txn = self.db.begin_write()?;
        if txn.open_table(BLOBS)?.get(digest)?.is_none() {
            return Ok(());
        }
        set_access(&txn, digest, time)?;
        txn.commit()?;
        Ok(())
    }

    /// Last access of a blob or manifest, seconds since the epoch.
    pub fn last_access(&self, digest: &str) -> Result<Option<u64>> {
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(ACCESS)?.get(digest)?.map(|g| g.value()))
    }

    /// Up to `limit` digests in least-recently-used order, `(last access, digest)`, strictly
    /// after `after` and accessed before `before`.
    pub fn least_recently_used(
        &self,
        after: Option<(u64, &str)>,
        before: u64,
        limit: usize,
    ) -> Result<Vec<(u64, String)>> {
        self.by_access(ACCESS_ORDER, after, before, limit)
    }

    /// Like [`Meta::least_recently_used`], for manifests only.
    pub fn manifests_by_access(
        &self,
        after: Option<(u64, &str)>,
        before: u64,
        limit: usize,
    ) -> Result<Vec<(u64, String)>> {
        self.by_access(MANIFEST_ORDER, after, before, limit)
    }

    /// Up to `limit` entries of the access-ordered `table`, `(last access, digest)`, strictly
    /// after `after` and accessed before `before`.
    fn by_access(
        &self,
        table: TableDefinition<(u64, &str), ()>,
        after: Option<(u64, &str)>,
        before: u64,
        limit: usize,
    ) -> Result<Vec<(u64, String)>> {
        let txn = self.db.begin_read()?;
        let order = txn.open_table(table)?;
        let start = after.unwrap_or((0, ""));
        let mut failed = Failed::default();
        let out = order
            .range(start..)?
            .map_while(failed.ok())
            .map(|(k, _)| (k.value().0, k.value().1.to_string()))
            .filter(|(time, digest)| after != Some((*time, digest.as_str())))
            .take_while(|(time, _)| *time < before)
            .take(limit)
            .collect();
        failed.check()?;
        Ok(out)
    }

    /// Stored blobs that are no manifest, that no manifest references and that no GitHub Actions
    /// cache entry links, last accessed before `before`, least recently used first (reads only
    /// those blobs).
    pub fn unreferenced(&self, before: u64) -> Result<Vec<(u64, String)>> {
        let txn = self.db.begin_read()?;
        let access = txn.open_table(ACCESS)?;
        let mut out = Vec::new();
        for entry in txn.open_table(UNREFERENCED)?.iter()? {
            let (k, _) = entry?;
            let time = get_u64(&access, k.value())?.unwrap_or(0);
            if time < before {
                out.push((time, k.value().to_string()));
            }
        }
        out.sort();
        Ok(out)
    }

    /// Removes `digest` from the metadata if `rule` still allows it, with the manifests that
    /// reference it (when allowed), their tags, and the blobs only the removed manifests
    /// referenced. Everything removed is queued for deletion from the blob store
    /// ([`Meta::pending_deletes`]); the caller deletes the bytes, then calls
    /// [`Meta::finish_delete`]. Returns `None` when the rule keeps the digest.
    pub fn evict(&self, digest: &str, rule: EvictRule) -> Result<Option<Evicted>> {
        let txn = self.db.begin_write()?;
        let stored = txn.open_table(BLOBS)?.get(digest)?.is_some();
        let recorded = txn.open_table(MANIFESTS)?.get(digest)?.is_some();
        if !stored && !recorded {
            txn.open_table(BROKEN)?.remove(digest)?;
            txn.commit()?;
            return Ok(None);
        }
        let access = txn
            .open_table(ACCESS)?
            .get(digest)?
            .map(|g| g.value())
            .unwrap_or(0);
        if access >= rule.accessed_before || gha_linked(&txn.open_table(BLOB_REPOS)?, digest)? {
            return Ok(None);
        }
        // The digest and every manifest above it (referencing it directly or through others).
        let mut closure = vec![digest.to_string()];
        let mut seen: HashSet<String> = closure.iter().cloned().collect();
        {
            let referrers = txn.open_table(REFERRERS)?;
            let mut i = 0;
            while let Some(current) = closure.get(i).cloned() {
                for manifest in seconds_of(&referrers, &current)? {
                    if seen.insert(manifest.clone()) {
                        closure.push(manifest);
                    }
                }
                i += 1;
            }
        }
        if closure.len() > 1 && !rule.with_referrers {
            return Ok(None);
        }
        if !rule.ignore_grace {
            let pushed = txn.open_table(PUSHED)?;
            for d in &closure {
                if pushed
                    .get(d.as_str())?
                    .is_some_and(|g| g.value() >= rule.grace_cutoff)
                {
                    return Ok(None);
                }
            }
        }
        let mut out = Evicted::default();
        let mut freed_refs = Vec::new();
        let when = now();
        for d in &closure {
            out.tags += tag_count(&txn, d)?;
            if let Some(record) = drop_record(&txn, d)? {
                out.manifests.push(d.clone());
                freed_refs.extend(record.references);
            }
            if let Some(size) = forget(&txn, d)? {
                txn.open_table(PENDING_DELETES)?.insert(d.as_str(), when)?;
                out.blobs.push((d.clone(), size));
            }
        }
        for reference in freed_refs {
            if !seen.insert(reference.clone()) {
                continue;
            }
            let keep = txn
                .open_table(MANIFESTS)?
                .get(reference.as_str())?
                .is_some()
                || has_referrers(&txn.open_table(REFERRERS)?, &reference)?
                || gha_linked(&txn.open_table(BLOB_REPOS)?, &reference)?
                || txn
                    .open_table(ACCESS)?
                    .get(reference.as_str())?
                    .is_some_and(|g| g.value() >= rule.grace_cutoff);
            if keep {
                continue;
            }
            if let Some(size) = forget(&txn, &reference)? {
                txn.open_table(PENDING_DELETES)?
                    .insert(reference.as_str(), when)?;
                out.blobs.push((reference, size));
            }
        }
        txn.commit()?;
        Ok(Some(out))
    }

    /// Manifests one of whose references was forgotten ([`Meta::forget_blob`]).
    pub fn broken_manifests(&self) -> Result<Vec<String>> {
        let txn = self.db.begin_read()?;
        scan(&txn.open_table(BROKEN)?, |(k, _)| k.value().to_string())
    }

    /// Digests removed from the metadata whose bytes the blob store may still hold.
    pub fn pending_deletes(&self) -> Result<Vec<String>> {
        let txn = self.db.begin_read()?;
        scan(&txn.open_table(PENDING_DELETES)?, |(k, _)| {
            k.value().to_string()
        })
    }

    /// Whether the bytes of `digest` may be deleted now: it is queued and nothing linked it
    /// again since.
    pub fn may_delete(&self, digest: &str) -> Result<bool> {
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(PENDING_DELETES)?.get(digest)?.is_some()
            && txn.open_table(BLOBS)?.get(digest)?.is_none())
    }

    /// Takes `digest` off the delete queue after the blob store deleted it. Returns `false` when
    /// it had left the queue already: something linked it again meanwhile, and the caller must
    /// check that the store still holds it.
    pub fn finish_delete(&self, digest: &str) -> Result<bool> {
        let txn = self.db.begin_write()?;
        let found = txn.open_table(PENDING_DELETES)?.remove(digest)?.is_some();
        txn.commit()?;
        Ok(found)
    }
}
