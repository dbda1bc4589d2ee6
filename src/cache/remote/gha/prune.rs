//! Pruning rbuild's entries in the GitHub Actions cache (`rbuild gha prune`, `prune=true`):
//! GitHub keeps every entry until it is unused for a week or the repository passes its quota,
//! and then evicts by age whatever it finds, rbuild's newest index included.
//!
//! The plan ([`plan`]), per namespace:
//! 1. **Superseded documents**: of each ref's index entries, and of each ref's entries of one
//!    mount cache, all but the newest (keys end in their creation time) are deleted.
//! 2. **Unreferenced packs**: for the refs whose newest documents were read (the job's own,
//!    through the cache service), packs none of them names are deleted, unless made after the
//!    newest document (an export running now may be about to name them).
//! 3. **Budget**: while rbuild's entries of all refs exceed the budget, the least recently used
//!    go, never the job's own newest documents or the packs they name.
//!
//! Entries of other tools, and of other namespaces, are never touched.

use std::collections::{BTreeMap, BTreeSet};

use super::GhaBackend;
use super::entries::{CacheEntries, CacheEntry};
use crate::cache::remote::document::DocName;

/// Why an entry goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// A newer document of the same ref replaced it.
    Superseded,
    /// No newest document of its ref names this pack.
    Unreferenced,
    /// Least recently used, over the budget.
    OverBudget,
}

/// What kind of rbuild entry a key is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Index,
    Mount(String),
    Pack,
}

fn kind(ns: &str, key: &str) -> Option<Kind> {
    let base = format!("rbuild-v1-{ns}-");
    let rest = key.strip_prefix(&base)?;
    if rest.starts_with("index-") {
        Some(Kind::Index)
    } else if rest.starts_with("pack-") {
        Some(Kind::Pack)
    } else {
        let mount = rest.strip_prefix("mount/")?;
        let (name, _) = mount.split_once('/')?;
        Some(Kind::Mount(name.to_string()))
    }
}

/// What [`plan`] knows of the refs whose newest documents were read: ref -> the pack keys they
/// name.
pub type LivePacks = BTreeMap<String, BTreeSet<String>>;

/// The entries to delete, with why, in deletion order.
pub fn plan(
    entries: &[CacheEntry],
    ns: &str,
    live: &LivePacks,
    budget: Option<u64>,
) -> Vec<(CacheEntry, Reason)> {
    let ours: Vec<(&CacheEntry, Kind)> = entries
        .iter()
        .filter_map(|e| kind(ns, &e.key).map(|k| (e, k)))
        .collect();
    let mut out: Vec<(CacheEntry, Reason)> = Vec::new();
    let mut gone: BTreeSet<u64> = BTreeSet::new();
    // 1. Superseded documents: newest key per (ref, document) wins.
    let mut newest: BTreeMap<(String, Kind), &CacheEntry> = BTreeMap::new();
    for (e, k) in &ours {
        if *k == Kind::Pack {
            continue;
        }
        let slot = newest.entry((e.git_ref.clone(), k.clone())).or_insert(e);
        if e.key > slot.key {
            *slot = e;
        }
    }
    for (e, k) in &ours {
        if *k != Kind::Pack
            && newest
                .get(&(e.git_ref.clone(), k.clone()))
                .is_some_and(|n| n.id != e.id)
        {
            gone.insert(e.id);
            out.push(((*e).clone(), Reason::Superseded));
        }
    }
    // 2. Unreferenced packs of the refs that were read.
    let newest_time: BTreeMap<&str, &str> =
        newest.iter().fold(BTreeMap::new(), |mut m, ((r, _), e)| {
            let t = m.entry(r.as_str()).or_insert(e.created_at.as_str());
            if e.created_at.as_str() > *t {
                *t = e.created_at.as_str();
            }
            m
        });
    for (e, k) in &ours {
        if *k != Kind::Pack {
            continue;
        }
        let Some(named) = live.get(&e.git_ref) else {
            continue;
        };
        let after_newest = newest_time
            .get(e.git_ref.as_str())
            .is_none_or(|t| e.created_at.as_str() > *t);
        if !named.contains(&e.key) && !after_newest {
            gone.insert(e.id);
            out.push(((*e).clone(), Reason::Unreferenced));
        }
    }
    // 3. The budget, least recently used first; the read refs' live set is kept.
    if let Some(budget) = budget {
        let protected: BTreeSet<u64> = ours
            .iter()
            .filter(|(e, k)| match k {
                Kind::Pack => live.get(&e.git_ref).is_some_and(|n| n.contains(&e.key)),
                _ => {
                    live.contains_key(&e.git_ref)
                        && newest
                            .get(&(e.git_ref.clone(), k.clone()))
                            .is_some_and(|n| n.id == e.id)
                }
            })
            .map(|(e, _)| e.id)
            .collect();
        let mut left: u64 = ours
            .iter()
            .filter(|(e, _)| !gone.contains(&e.id))
            .map(|(e, _)| e.size_in_bytes)
            .sum();
        let mut candidates: Vec<&CacheEntry> = ours
            .iter()
            .map(|(e, _)| *e)
            .filter(|e| !gone.contains(&e.id) && !protected.contains(&e.id))
            .collect();
        candidates.sort_by(|a, b| {
            a.last_accessed_at
                .cmp(&b.last_accessed_at)
                .then(a.key.cmp(&b.key))
        });
        for e in candidates {
            if left <= budget {
                break;
            }
            left -= e.size_in_bytes;
            out.push((e.clone(), Reason::OverBudget));
        }
    }
    out
}

/// Lists rbuild's entries of namespace `ns` through `api`, reads the job's own newest documents through
/// `backend` when there is one (`git_ref` is the job's ref, as GitHub lists entries), plans, and
/// deletes (unless `dry_run`). Returns what went (or would go).
pub async fn prune(
    api: &dyn CacheEntries,
    backend: Option<&GhaBackend>,
    git_ref: Option<&str>,
    ns: &str,
    budget: Option<u64>,
    dry_run: bool,
) -> Result<Vec<(CacheEntry, Reason)>, String> {
    let entries = api.list(&format!("rbuild-v1-{ns}-")).await?;
    let mut live = LivePacks::new();
    if let (Some(backend), Some(git_ref)) = (backend, git_ref) {
        backend
            .load(&[])
            .await
            .map_err(|e| format!("reading the newest index: {e}"))?;
        let mounts: BTreeSet<String> = entries
            .iter()
            .filter(|e| e.git_ref == git_ref)
            .filter_map(|e| match kind(ns, &e.key) {
                Some(Kind::Mount(name)) => Some(name),
                _ => None,
            })
            .collect();
        for name in mounts {
            backend
                .load_doc(&DocName::Mount(name.clone()))
                .await
                .map_err(|e| format!("reading mount cache {name}: {e}"))?;
        }
        live.insert(git_ref.to_string(), backend.known_pack_keys());
    }
    let planned = plan(&entries, ns, &live, budget);
    if !dry_run {
        for (e, _) in &planned {
            api.delete(e.id).await?;
        }
    }
    Ok(planned)
}

/// `prune=true` after an export through `gha`: superseded entries and the budget, through
/// `api` (GitHub's REST API, when the build has it).
pub(crate) async fn after_export(
    gha: &GhaBackend,
    api: Option<&super::entries::EntriesApi>,
    budget: Option<u64>,
) -> Result<(), crate::cache::remote::RemoteError> {
    use crate::cache::remote::RemoteError;
    let fail = |reason: String| RemoteError::backend(gha.name(), format!("prune=true: {reason}"));
    let api = api
        .ok_or_else(|| fail("this build has no access to GitHub's REST API".into()))?
        .connect()
        .map_err(fail)?;
    let git_ref = std::env::var("GITHUB_REF").ok();
    let done = prune(
        api.as_ref(),
        Some(gha),
        git_ref.as_deref(),
        gha.namespace(),
        budget,
        false,
    )
    .await
    .map_err(fail)?;
    tracing::info!(deleted = done.len(), "type=gha prune");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: u64, r: &str, key: &str, size: u64, used: &str) -> CacheEntry {
        CacheEntry {
            id,
            git_ref: r.into(),
            key: key.into(),
            size_in_bytes: size,
            created_at: used.into(),
            last_accessed_at: used.into(),
        }
    }

    const MAIN: &str = "refs/heads/main";
    const PR: &str = "refs/pull/7/merge";

    fn entries() -> Vec<CacheEntry> {
        vec![
            entry(
                1,
                MAIN,
                "rbuild-v1-ns-index-000000000000001-a",
                10,
                "2026-11-01",
            ),
            entry(
                2,
                MAIN,
                "rbuild-v1-ns-index-000000000000002-b",
                10,
                "2026-11-02",
            ),
            entry(3, MAIN, "rbuild-v1-ns-pack-old", 500, "2026-11-01"),
            entry(4, MAIN, "rbuild-v1-ns-pack-live", 400, "2026-11-02"),
            entry(
                5,
                MAIN,
                "rbuild-v1-ns-mount/apt/000000000000001-a",
                5,
                "2026-11-01",
            ),
            entry(
                6,
                MAIN,
                "rbuild-v1-ns-mount/apt/000000000000003-c",
                5,
                "2026-11-03",
            ),
            entry(
                7,
                PR,
                "rbuild-v1-ns-index-000000000000005-d",
                10,
                "2026-10-01",
            ),
            entry(8, PR, "rbuild-v1-ns-pack-pr", 300, "2026-10-01"),
            entry(9, MAIN, "node-cache-Linux-abc", 9999, "2026-01-01"),
            entry(
                10,
                MAIN,
                "rbuild-v1-other-index-000000000000001-a",
                10,
                "2026-01-01",
            ),
        ]
    }

    fn ids(plan: &[(CacheEntry, Reason)], reason: Reason) -> Vec<u64> {
        plan.iter()
            .filter(|(_, r)| *r == reason)
            .map(|(e, _)| e.id)
            .collect()
    }

    #[test]
    fn superseded_documents_go_and_the_newest_stay() {
        let plan = plan(&entries(), "ns", &LivePacks::new(), None);
        assert_eq!(ids(&plan, Reason::Superseded), [1, 5]);
        assert!(
            ids(&plan, Reason::Unreferenced).is_empty(),
            "packs of unread refs stay"
        );
        assert!(
            plan.iter().all(|(e, _)| e.id != 9 && e.id != 10),
            "not ours"
        );
    }

    #[test]
    fn unreferenced_packs_of_a_read_ref_go_and_the_budget_keeps_its_live_set() {
        let live = LivePacks::from([(
            MAIN.to_string(),
            BTreeSet::from(["rbuild-v1-ns-pack-live".to_string()]),
        )]);
        let plan = plan(&entries(), "ns", &live, Some(450));
        assert_eq!(ids(&plan, Reason::Superseded), [1, 5]);
        assert_eq!(ids(&plan, Reason::Unreferenced), [3]);
        // Left: 2 (10), 4 (400, live), 6 (5), 7 (10), 8 (300) = 725 > 450: the pull request's
        // entries (least recently used) go; main's live set stays.
        assert_eq!(ids(&plan, Reason::OverBudget), [7, 8]);
        let kept: u64 = [10u64, 400, 5].iter().sum();
        assert!(kept <= 450);
    }
}
