//! The passes of a run: GitHub Actions cache entries past their age, the least-recently-used
//! passes under the budget, and the two-step delete (metadata first, then the bytes).

use super::*;

impl Evictor {
    /// Removes GitHub Actions cache entries neither created nor restored within the max age, and
    /// reservations never finalized within [`RESERVATION_TTL`]. Each entry's archive loses its
    /// link to `_gha/<scope>` in the same transaction, so the unreferenced sweep that follows
    /// deletes the archives nothing else links (after the grace period, metadata before bytes).
    pub(super) async fn expire_gha_entries(
        &self,
        meta: &Arc<Meta>,
        now: u64,
        report: &mut EvictionReport,
    ) -> Result<()> {
        let max_age = self.policy.gha_max_age_secs;
        let meta = meta.clone();
        let (entries, reservations) = tokio::task::spawn_blocking(
            move || -> std::result::Result<(usize, usize), GhaError> {
                let table = Entries::open(meta)?;
                let (mut entries, mut reservations) = (0, 0);
                for listed in table.list()? {
                    let finalized = listed.record.blob.is_some();
                    let cutoff = match (finalized, max_age) {
                        (true, Some(age)) => now.saturating_sub(age),
                        (true, None) => continue,
                        (false, _) => now.saturating_sub(RESERVATION_TTL),
                    };
                    if listed.record.last_used() >= cutoff {
                        continue;
                    }
                    let removed = table.remove(
                        &listed.scope,
                        &listed.key,
                        &listed.version,
                        listed.record.id,
                        cutoff,
                    )?;
                    match (removed, finalized) {
                        (Some(_), true) => entries += 1,
                        (Some(_), false) => reservations += 1,
                        (None, _) => {}
                    }
                }
                Ok((entries, reservations))
            },
        )
        .await??;
        report.gha_entries += entries;
        report.gha_reservations += reservations;
        if let Some(metrics) = &self.metrics {
            metrics.evicted_gha_entries(entries as u64);
            metrics.swept_gha_reservations(reservations as u64);
        }
        Ok(())
    }

    /// Evicts `pass`'s candidates accessed before `before`, least recently used first: the
    /// `unreferenced` set for blobs, the manifests' least-recently-used order for manifests. With
    /// `budget`, only while the stored bytes exceed it.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn pass<S: BlobStore>(
        &self,
        store: &S,
        meta: &Arc<Meta>,
        pass: Pass,
        before: u64,
        grace_cutoff: u64,
        budget: Option<u64>,
        report: &mut EvictionReport,
    ) -> Result<()> {
        let mut cursor: Option<(u64, String)> = None;
        let mut last_page = false;
        loop {
            if last_page {
                return Ok(());
            }
            if let Some(max) = budget
                && blocking(meta, |m| m.stats()).await?.stored_bytes <= max
            {
                return Ok(());
            }
            let after = cursor.clone();
            last_page = pass == Pass::Unreferenced;
            let page = blocking(meta, move |m| {
                let page = match pass {
                    Pass::Unreferenced => m.unreferenced(before)?,
                    Pass::Manifests => {
                        let after = after.as_ref().map(|(t, d)| (*t, d.as_str()));
                        m.manifests_by_access(after, before, PAGE)?
                    }
                };
                page.into_iter()
                    .map(|(time, digest)| {
                        let facts = m.blob_facts(&digest)?;
                        Ok((time, digest, facts))
                    })
                    .collect::<meta::Result<Vec<_>>>()
            })
            .await?;
            let Some((time, digest, _)) = page.last() else {
                return Ok(());
            };
            cursor = Some((*time, digest.clone()));
            for (time, digest, facts) in page {
                let Some(facts) = facts else { continue };
                let candidate = match pass {
                    Pass::Unreferenced => !facts.referenced && !facts.gha && facts.pushed.is_none(),
                    Pass::Manifests => facts.pushed.is_some_and(|p| p < grace_cutoff) && !facts.gha,
                };
                if !candidate {
                    continue;
                }
                let rule = EvictRule {
                    accessed_before: time + 1,
                    grace_cutoff,
                    with_referrers: pass == Pass::Manifests,
                    ignore_grace: false,
                };
                let evicted = blocking(meta, move |m| m.evict(&digest, rule)).await?;
                self.apply(store, meta, evicted, report).await?;
                if let Some(max) = budget
                    && blocking(meta, |m| m.stats()).await?.stored_bytes <= max
                {
                    return Ok(());
                }
            }
        }
    }

    /// Deletes the bytes of what [`Meta::evict`] removed and counts it.
    pub(super) async fn apply<S: BlobStore>(
        &self,
        store: &S,
        meta: &Arc<Meta>,
        evicted: Option<Evicted>,
        report: &mut EvictionReport,
    ) -> Result<()> {
        let Some(evicted) = evicted else {
            return Ok(());
        };
        for (digest, size) in &evicted.blobs {
            self.delete_bytes(store, meta, digest).await?;
            report.blobs += 1;
            report.bytes += size;
            if let Some(metrics) = &self.metrics {
                metrics.evicted(*size);
            }
            tracing::info!(%digest, size, "evicted");
        }
        report.manifests += evicted.manifests.len();
        report.tags += evicted.tags;
        if let Some(metrics) = &self.metrics {
            metrics.evicted_manifests(evicted.manifests.len() as u64);
        }
        Ok(())
    }

    /// Deletes the bytes of a digest queued for deletion; returns whether it did.
    pub(super) async fn delete_bytes<S: BlobStore>(
        &self,
        store: &S,
        meta: &Arc<Meta>,
        digest: &str,
    ) -> Result<bool> {
        // No push of this digest runs between the check and the end of the delete.
        let _exclusive = self.pins.exclusive(digest).await;
        let owned = digest.to_string();
        if !blocking(meta, move |m| m.may_delete(&owned)).await? {
            return Ok(false);
        }
        let Some(parsed) = Digest::parse(digest) else {
            // Not something the store can hold; just drop it from the queue.
            let owned = digest.to_string();
            blocking(meta, move |m| m.finish_delete(&owned)).await?;
            return Ok(false);
        };
        store.delete(&parsed).await?;
        let owned = digest.to_string();
        if !blocking(meta, move |m| m.finish_delete(&owned)).await?
            && store.stat(&parsed).await?.is_none()
        {
            // Linked again between the check and the delete by someone who held no pin: the
            // bytes are gone, so the metadata must not keep claiming them.
            tracing::warn!(%digest, "blob linked again while it was being evicted; forgetting it");
            let owned = digest.to_string();
            blocking(meta, move |m| m.forget_blob(&owned)).await?;
        }
        Ok(true)
    }
}
