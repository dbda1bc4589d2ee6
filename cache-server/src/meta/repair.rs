//! The indexes rebuilt from the primary tables (a database from before an index existed) and
//! audited against them (tests, offline checks).

use super::txn::*;
use super::*;

/// Builds every index and counter from the primary tables: once, when a database written before
/// the indexes existed is opened (a new database has nothing to index). Manifests get the current
/// time as their push time, so they start with a full grace period.
pub(super) fn rebuild_indexes(txn: &WriteTransaction) -> Result<()> {
    let mut failed = Failed::default();
    let links: Vec<(String, String, u64)> = txn
        .open_table(REPO_BLOBS)?
        .iter()?
        .map_while(failed.ok())
        .map(|(k, v)| (k.value().0.to_string(), k.value().1.to_string(), v.value()))
        .collect();
    failed.check()?;
    {
        let mut by_digest = txn.open_table(BLOB_REPOS)?;
        for (repository, digest, size) in &links {
            by_digest.insert((digest.as_str(), repository.as_str()), size)?;
        }
    }
    let logical: u64 = links.iter().map(|(_, _, size)| size).sum();
    let mut failed = Failed::default();
    let stored: u64 = txn
        .open_table(BLOBS)?
        .iter()?
        .map_while(failed.ok())
        .map(|(_, v)| v.value())
        .sum();
    failed.check()?;
    {
        let mut counters = txn.open_table(COUNTERS)?;
        counters.insert(LOGICAL_BYTES, logical)?;
        counters.insert(STORED_BYTES, stored)?;
    }
    let mut failed = Failed::default();
    let access: Vec<(String, u64)> = txn
        .open_table(ACCESS)?
        .iter()?
        .map_while(failed.ok())
        .map(|(k, v)| (k.value().to_string(), v.value()))
        .collect();
    failed.check()?;
    {
        let mut order = txn.open_table(ACCESS_ORDER)?;
        for (digest, time) in &access {
            order.insert((*time, digest.as_str()), ())?;
        }
    }
    let mut manifests = Vec::new();
    for entry in txn.open_table(MANIFESTS)?.iter()? {
        let (k, v) = entry?;
        let record: ManifestRecord = decode(k.value(), v.value())?;
        manifests.push((k.value().to_string(), record));
    }
    {
        let mut referrers = txn.open_table(REFERRERS)?;
        let mut pushed = txn.open_table(PUSHED)?;
        let when = now();
        let access_of: std::collections::HashMap<&str, u64> =
            access.iter().map(|(d, t)| (d.as_str(), *t)).collect();
        let mut manifest_order = txn.open_table(MANIFEST_ORDER)?;
        for (digest, record) in &manifests {
            pushed.insert(digest.as_str(), when)?;
            if let Some(time) = access_of.get(digest.as_str()) {
                manifest_order.insert((*time, digest.as_str()), ())?;
            }
            for reference in &record.references {
                referrers.insert((reference.as_str(), digest.as_str()), ())?;
            }
        }
    }
    let tags = all_tags(&txn.open_table(TAGS)?)?;
    {
        let mut index = txn.open_table(TAG_INDEX)?;
        for (digest, repository, tag) in &tags {
            index.insert((digest.as_str(), repository.as_str(), tag.as_str()), ())?;
        }
    }
    let stored: Vec<String> = scan(&txn.open_table(BLOBS)?, |(k, _)| k.value().to_string())?;
    for digest in &stored {
        refresh_unreferenced(txn, digest)?;
    }
    Ok(())
}

/// See [`Meta::audit`].
pub(super) fn audit(txn: &ReadTransaction) -> Result<Vec<String>> {
    use std::collections::{BTreeMap, BTreeSet};
    let mut problems = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };
    let blobs: BTreeMap<String, u64> = scan(&txn.open_table(BLOBS)?, |(k, v)| {
        (k.value().to_string(), v.value())
    })?;
    let counters = txn.open_table(COUNTERS)?;
    let stored = get_u64(&counters, STORED_BYTES)?.unwrap_or(0);
    let logical = get_u64(&counters, LOGICAL_BYTES)?.unwrap_or(0);
    let sum: u64 = blobs.values().sum();
    check(
        stored == sum,
        format!("stored_bytes {stored} != sum of blobs {sum}"),
    );
    let links: BTreeMap<(String, String), u64> = scan(&txn.open_table(REPO_BLOBS)?, |(k, v)| {
        (
            (k.value().0.to_string(), k.value().1.to_string()),
            v.value(),
        )
    })?;
    let by_digest: BTreeMap<(String, String), u64> =
        scan(&txn.open_table(BLOB_REPOS)?, |(k, v)| {
            (
                (k.value().1.to_string(), k.value().0.to_string()),
                v.value(),
            )
        })?;
    check(
        links == by_digest,
        "blob_repos differs from repo_blobs".into(),
    );
    let sum: u64 = links.values().sum();
    check(
        logical == sum,
        format!("logical_bytes {logical} != sum of links {sum}"),
    );
    let mut per_repo: BTreeMap<String, u64> = BTreeMap::new();
    for ((repo, digest), size) in &links {
        *per_repo.entry(repo.clone()).or_default() += size;
        check(
            blobs.contains_key(digest),
            format!("{repo} links unknown {digest}"),
        );
    }
    for entry in txn.open_table(REPOS)?.iter()? {
        let (k, v) = entry?;
        let want = per_repo.remove(k.value()).unwrap_or(0);
        check(
            v.value() == want,
            format!(
                "repository {} has {} logical bytes, links sum {want}",
                k.value(),
                v.value()
            ),
        );
    }
    check(
        per_repo.is_empty(),
        format!("links of unlisted repositories {per_repo:?}"),
    );
    let access: BTreeSet<(u64, String)> = scan(&txn.open_table(ACCESS)?, |(k, v)| {
        (v.value(), k.value().to_string())
    })?;
    let order: BTreeSet<(u64, String)> = scan(&txn.open_table(ACCESS_ORDER)?, |(k, _)| {
        (k.value().0, k.value().1.to_string())
    })?;
    check(access == order, "access_order differs from access".into());
    let manifest_names: BTreeSet<String> =
        scan(&txn.open_table(MANIFESTS)?, |(k, _)| k.value().to_string())?;
    let want_manifest_order: BTreeSet<(u64, String)> = access
        .iter()
        .filter(|(_, d)| manifest_names.contains(d))
        .cloned()
        .collect();
    let manifest_order: BTreeSet<(u64, String)> =
        scan(&txn.open_table(MANIFEST_ORDER)?, |(k, _)| {
            (k.value().0, k.value().1.to_string())
        })?;
    check(
        manifest_order == want_manifest_order,
        "manifest_order differs from the access of manifests".into(),
    );
    let mut want_refs = BTreeSet::new();
    let pushed = txn.open_table(PUSHED)?;
    for entry in txn.open_table(MANIFESTS)?.iter()? {
        let (k, v) = entry?;
        let record: ManifestRecord = decode(k.value(), v.value())?;
        for reference in record.references {
            want_refs.insert((reference, k.value().to_string()));
        }
        check(
            pushed.get(k.value())?.is_some(),
            format!("manifest {} has no push time", k.value()),
        );
    }
    let refs: BTreeSet<(String, String)> = scan(&txn.open_table(REFERRERS)?, |(k, _)| {
        (k.value().0.to_string(), k.value().1.to_string())
    })?;
    check(
        refs == want_refs,
        "referrers differs from manifest references".into(),
    );
    let manifests: BTreeSet<String> =
        scan(&txn.open_table(MANIFESTS)?, |(k, _)| k.value().to_string())?;
    let referenced: BTreeSet<&String> = refs.iter().map(|(r, _)| r).collect();
    let gha: BTreeSet<&String> = links
        .keys()
        .filter(|(repo, _)| repo.starts_with(GHA_PREFIX))
        .map(|(_, digest)| digest)
        .collect();
    let want_unreferenced: BTreeSet<String> = blobs
        .keys()
        .filter(|d| !manifests.contains(*d) && !referenced.contains(d) && !gha.contains(d))
        .cloned()
        .collect();
    let unreferenced: BTreeSet<String> = scan(&txn.open_table(UNREFERENCED)?, |(k, _)| {
        k.value().to_string()
    })?;
    check(
        unreferenced == want_unreferenced,
        format!("unreferenced {unreferenced:?} != computed {want_unreferenced:?}"),
    );
    let tags: BTreeSet<(String, String, String)> =
        all_tags(&txn.open_table(TAGS)?)?.into_iter().collect();
    let index: BTreeSet<(String, String, String)> = scan(&txn.open_table(TAG_INDEX)?, |(k, _)| {
        (
            k.value().0.to_string(),
            k.value().1.to_string(),
            k.value().2.to_string(),
        )
    })?;
    check(tags == index, "tag_index differs from tags".into());
    Ok(problems)
}
