//! The steps every write transaction is made of: links, tags, counters, access times and
//! the indexes kept in step with them, each on the caller's transaction.

use super::*;

/// Every tag as (manifest digest, repository, tag), for building the tag index and auditing
/// it. A storage error fails the read: a skipped tag would leave the index short.
pub(super) fn all_tags(
    tags: &impl ReadableTable<(&'static str, &'static str), &'static str>,
) -> Result<Vec<(String, String, String)>> {
    let mut out = Vec::new();
    for entry in tags.iter()? {
        let (key, digest) = entry?;
        let (repository, tag) = key.value();
        out.push((
            digest.value().to_string(),
            repository.to_string(),
            tag.to_string(),
        ));
    }
    Ok(out)
}

/// Reading a redb range or table entry by entry: `.map_while(failed.ok())` stops at the first
/// storage error and keeps it, and `failed.check()?` returns it once the iteration is done, so a
/// listing, an index or an eviction decision never rests on a read that silently skipped entries.
#[derive(Default)]
pub(super) struct Failed(Option<redb::StorageError>);

impl Failed {
    /// The `map_while` function: the entry, or `None` (and the error kept) on a storage error.
    pub(super) fn ok<T>(
        &mut self,
    ) -> impl FnMut(std::result::Result<T, redb::StorageError>) -> Option<T> + '_ {
        move |entry| match entry {
            Ok(entry) => Some(entry),
            Err(e) => {
                self.0 = Some(e);
                None
            }
        }
    }

    /// The storage error the iteration stopped at, if any.
    pub(super) fn check(self) -> Result<()> {
        match self.0 {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }
}

pub(super) fn get_u64(
    table: &impl ReadableTable<&'static str, u64>,
    key: &str,
) -> Result<Option<u64>> {
    Ok(table.get(key)?.map(|g| g.value()))
}

/// Adds `add` and subtracts `sub` from a counter.
pub(super) fn bump(txn: &WriteTransaction, name: &str, add: u64, sub: u64) -> Result<()> {
    let mut counters = txn.open_table(COUNTERS)?;
    let value = get_u64(&counters, name)?.unwrap_or(0);
    counters.insert(name, (value + add).saturating_sub(sub))?;
    Ok(())
}

pub(super) fn set_access(txn: &WriteTransaction, digest: &str, time: u64) -> Result<()> {
    let old = txn
        .open_table(ACCESS)?
        .insert(digest, time)?
        .map(|g| g.value());
    let mut order = txn.open_table(ACCESS_ORDER)?;
    let mut manifests = txn.open_table(MANIFEST_ORDER)?;
    if let Some(old) = old {
        order.remove((old, digest))?;
        manifests.remove((old, digest))?;
    }
    order.insert((time, digest), ())?;
    if txn.open_table(MANIFESTS)?.get(digest)?.is_some() {
        manifests.insert((time, digest), ())?;
    }
    Ok(())
}

pub(super) fn clear_access(txn: &WriteTransaction, digest: &str) -> Result<()> {
    let old = txn.open_table(ACCESS)?.remove(digest)?.map(|g| g.value());
    if let Some(old) = old {
        txn.open_table(ACCESS_ORDER)?.remove((old, digest))?;
        txn.open_table(MANIFEST_ORDER)?.remove((old, digest))?;
    }
    Ok(())
}

/// Links `digest` to `repository` inside `txn`; see [`Meta::link_blob`].
pub(super) fn link(
    txn: &WriteTransaction,
    repository: &str,
    digest: &str,
    size: u64,
) -> Result<bool> {
    let new = {
        let mut links = txn.open_table(REPO_BLOBS)?;
        let new = links.get((repository, digest))?.is_none();
        if new {
            links.insert((repository, digest), size)?;
        }
        new
    };
    {
        let mut repos = txn.open_table(REPOS)?;
        let logical = get_u64(&repos, repository)?;
        if new || logical.is_none() {
            let add = if new { size } else { 0 };
            repos.insert(repository, logical.unwrap_or(0) + add)?;
        }
    }
    if new {
        txn.open_table(BLOB_REPOS)?
            .insert((digest, repository), size)?;
        bump(txn, LOGICAL_BYTES, size, 0)?;
    }
    let stored_new = {
        let mut blobs = txn.open_table(BLOBS)?;
        let stored_new = blobs.get(digest)?.is_none();
        if stored_new {
            blobs.insert(digest, size)?;
        }
        stored_new
    };
    if stored_new {
        bump(txn, STORED_BYTES, size, 0)?;
    }
    txn.open_table(PENDING_DELETES)?.remove(digest)?;
    set_access(txn, digest, now())?;
    refresh_unreferenced(txn, digest)?;
    Ok(new)
}

/// Puts `digest` in the `unreferenced` set or takes it out, as it now is.
pub(super) fn refresh_unreferenced(txn: &WriteTransaction, digest: &str) -> Result<()> {
    let member = txn.open_table(BLOBS)?.get(digest)?.is_some()
        && txn.open_table(MANIFESTS)?.get(digest)?.is_none()
        && !has_referrers(&txn.open_table(REFERRERS)?, digest)?
        && !gha_linked(&txn.open_table(BLOB_REPOS)?, digest)?;
    let mut set = txn.open_table(UNREFERENCED)?;
    if member {
        set.insert(digest, ())?;
    } else {
        set.remove(digest)?;
    }
    Ok(())
}

/// Removes the link of `digest` to `repository`; returns its size when it existed.
pub(super) fn unlink(
    txn: &WriteTransaction,
    repository: &str,
    digest: &str,
) -> Result<Option<u64>> {
    let size = txn
        .open_table(REPO_BLOBS)?
        .remove((repository, digest))?
        .map(|g| g.value());
    let Some(size) = size else {
        return Ok(None);
    };
    txn.open_table(BLOB_REPOS)?.remove((digest, repository))?;
    bump(txn, LOGICAL_BYTES, 0, size)?;
    let mut repos = txn.open_table(REPOS)?;
    let logical = get_u64(&repos, repository)?.unwrap_or(0);
    repos.insert(repository, logical.saturating_sub(size))?;
    drop(repos);
    refresh_unreferenced(txn, digest)?;
    Ok(Some(size))
}

/// Drops a repository that links nothing and has no tags left.
pub(super) fn drop_repo_if_empty(txn: &WriteTransaction, repository: &str) -> Result<()> {
    let linked = txn
        .open_table(REPO_BLOBS)?
        .range((repository, "")..)?
        .next()
        .transpose()?
        .is_some_and(|(k, _)| k.value().0 == repository);
    let tagged = txn
        .open_table(TAGS)?
        .range((repository, "")..)?
        .next()
        .transpose()?
        .is_some_and(|(k, _)| k.value().0 == repository);
    if !linked && !tagged {
        txn.open_table(REPOS)?.remove(repository)?;
    }
    Ok(())
}

pub(super) fn has_links(txn: &WriteTransaction, digest: &str) -> Result<bool> {
    Ok(txn
        .open_table(BLOB_REPOS)?
        .range((digest, "")..)?
        .next()
        .transpose()?
        .is_some_and(|(k, _)| k.value().0 == digest))
}

/// The second parts, in order, of the keys of `table` whose first part is `first`: the
/// manifests referring to a digest (`REFERRERS`), the repositories linking a blob
/// (`BLOB_REPOS`).
pub(super) fn seconds_of<V: redb::Value + 'static>(
    table: &impl ReadableTable<(&'static str, &'static str), V>,
    first: &str,
) -> Result<Vec<String>> {
    let mut failed = Failed::default();
    let out = table
        .range((first, "")..)?
        .map_while(failed.ok())
        .take_while(|(k, _)| k.value().0 == first)
        .map(|(k, _)| k.value().1.to_string())
        .collect();
    failed.check()?;
    Ok(out)
}

pub(super) fn has_referrers(
    table: &impl ReadableTable<(&'static str, &'static str), ()>,
    digest: &str,
) -> Result<bool> {
    Ok(table
        .range((digest, "")..)?
        .next()
        .transpose()?
        .is_some_and(|(k, _)| k.value().0 == digest))
}

pub(super) fn gha_linked(
    table: &impl ReadableTable<(&'static str, &'static str), u64>,
    digest: &str,
) -> Result<bool> {
    Ok(table
        .range((digest, GHA_PREFIX)..)?
        .next()
        .transpose()?
        .is_some_and(|(k, _)| k.value().0 == digest && k.value().1.starts_with(GHA_PREFIX)))
}

pub(super) fn set_tag(
    txn: &WriteTransaction,
    repository: &str,
    tag: &str,
    digest: &str,
) -> Result<()> {
    let old = txn
        .open_table(TAGS)?
        .insert((repository, tag), digest)?
        .map(|g| g.value().to_string());
    let mut index = txn.open_table(TAG_INDEX)?;
    if let Some(old) = old {
        index.remove((old.as_str(), repository, tag))?;
    }
    index.insert((digest, repository, tag), ())?;
    Ok(())
}

pub(super) fn remove_tag(txn: &WriteTransaction, repository: &str, tag: &str) -> Result<bool> {
    let old = txn
        .open_table(TAGS)?
        .remove((repository, tag))?
        .map(|g| g.value().to_string());
    let Some(old) = old else {
        return Ok(false);
    };
    txn.open_table(TAG_INDEX)?
        .remove((old.as_str(), repository, tag))?;
    Ok(true)
}

pub(super) fn tag_count(txn: &WriteTransaction, digest: &str) -> Result<usize> {
    let mut failed = Failed::default();
    let count = txn
        .open_table(TAG_INDEX)?
        .range((digest, "", "")..)?
        .map_while(failed.ok())
        .take_while(|(k, _)| k.value().0 == digest)
        .count();
    failed.check()?;
    Ok(count)
}

/// Drops a manifest's record, its push time, its reference index entries and every tag pointing
/// at it (in any repository). Returns the record when there was one.
pub(super) fn drop_record(txn: &WriteTransaction, digest: &str) -> Result<Option<ManifestRecord>> {
    let bytes = txn
        .open_table(MANIFESTS)?
        .remove(digest)?
        .map(|g| g.value().to_vec());
    txn.open_table(BROKEN)?.remove(digest)?;
    let Some(bytes) = bytes else {
        return Ok(None);
    };
    let record: ManifestRecord = decode(digest, &bytes)?;
    txn.open_table(PUSHED)?.remove(digest)?;
    let access = txn.open_table(ACCESS)?.get(digest)?.map(|g| g.value());
    if let Some(access) = access {
        txn.open_table(MANIFEST_ORDER)?.remove((access, digest))?;
    }
    {
        let mut referrers = txn.open_table(REFERRERS)?;
        for reference in &record.references {
            referrers.remove((reference.as_str(), digest))?;
        }
    }
    refresh_unreferenced(txn, digest)?;
    for reference in &record.references {
        refresh_unreferenced(txn, reference)?;
    }
    let mut failed = Failed::default();
    let tags: Vec<(String, String)> = txn
        .open_table(TAG_INDEX)?
        .range((digest, "", "")..)?
        .map_while(failed.ok())
        .take_while(|(k, _)| k.value().0 == digest)
        .map(|(k, _)| (k.value().1.to_string(), k.value().2.to_string()))
        .collect();
    failed.check()?;
    for (repository, tag) in &tags {
        remove_tag(txn, repository, tag)?;
        drop_repo_if_empty(txn, repository)?;
    }
    Ok(Some(record))
}

/// Forgets a stored digest: its stored bytes, every link to it and its access time. Returns its
/// size when it was stored.
pub(super) fn forget(txn: &WriteTransaction, digest: &str) -> Result<Option<u64>> {
    let size = txn.open_table(BLOBS)?.remove(digest)?.map(|g| g.value());
    if let Some(size) = size {
        bump(txn, STORED_BYTES, 0, size)?;
    }
    let repos = seconds_of(&txn.open_table(BLOB_REPOS)?, digest)?;
    for repository in &repos {
        unlink(txn, repository, digest)?;
        drop_repo_if_empty(txn, repository)?;
    }
    clear_access(txn, digest)?;
    txn.open_table(UNREFERENCED)?.remove(digest)?;
    Ok(size)
}

/// Every entry of `table`, mapped by `f` and collected; a storage error fails the read (through
/// [`Failed`]): an audit or a listing never rests on a read that skipped entries.
pub(super) fn scan<K, V, T, C>(
    table: &impl ReadableTable<K, V>,
    f: impl FnMut((redb::AccessGuard<'_, K>, redb::AccessGuard<'_, V>)) -> T,
) -> Result<C>
where
    K: redb::Key + 'static,
    V: redb::Value + 'static,
    C: FromIterator<T>,
{
    let mut failed = Failed::default();
    let out = table.iter()?.map_while(failed.ok()).map(f).collect();
    failed.check()?;
    Ok(out)
}
