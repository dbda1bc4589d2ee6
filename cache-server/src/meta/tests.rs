//! The metadata database's tests.

use super::*;

const D1: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const D2: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

#[test]
fn same_blob_in_ten_repositories_counts_ten_logical_one_stored() {
    let dir = tempfile::tempdir().unwrap();
    let meta = Meta::open(dir.path()).unwrap();
    for i in 0..10 {
        assert!(
            meta.link_blob(&format!("project/branch-{i}"), D1, 1000)
                .unwrap()
        );
        // A second push of the same blob to the same repository is not counted again.
        assert!(
            !meta
                .link_blob(&format!("project/branch-{i}"), D1, 1000)
                .unwrap()
        );
    }
    assert_eq!(
        meta.stats().unwrap(),
        Stats {
            logical_bytes: 10_000,
            stored_bytes: 1000
        }
    );
    assert_eq!(meta.repositories().unwrap().len(), 10);
    meta.forget_blob(D1).unwrap();
    assert_eq!(
        meta.stats().unwrap(),
        Stats {
            logical_bytes: 0,
            stored_bytes: 0
        }
    );
}

#[test]
fn tag_pagination() {
    let dir = tempfile::tempdir().unwrap();
    let meta = Meta::open(dir.path()).unwrap();
    for tag in ["e", "a", "d", "b", "c"] {
        meta.put_tag("repo", tag, D1).unwrap();
    }
    // Tags of a neighbouring repository never leak into the page.
    meta.put_tag("repo2", "a", D1).unwrap();
    meta.put_tag("rep", "z", D1).unwrap();
    let page = meta.list_tags("repo", Some(2), None).unwrap();
    assert_eq!(page.tags, ["a", "b"]);
    assert!(page.more);
    let page = meta.list_tags("repo", Some(2), Some("b")).unwrap();
    assert_eq!(page.tags, ["c", "d"]);
    assert!(page.more);
    let page = meta.list_tags("repo", Some(2), Some("d")).unwrap();
    assert_eq!(page.tags, ["e"]);
    assert!(!page.more);
    let page = meta.list_tags("repo", None, Some("bb")).unwrap();
    assert_eq!(page.tags, ["c", "d", "e"]);
    assert_eq!(
        meta.list_tags("nothing", None, None).unwrap().tags,
        Vec::<String>::new()
    );
}

#[test]
fn manifests_and_tags() {
    let dir = tempfile::tempdir().unwrap();
    let meta = Meta::open(dir.path()).unwrap();
    let record = ManifestRecord {
        media_type: "application/vnd.oci.image.manifest.v1+json".into(),
        size: 300,
        references: vec![D1.into()],
    };
    meta.put_manifest("a", D2, &record, Some("latest")).unwrap();
    meta.put_manifest("b", D2, &record, Some("v1")).unwrap();
    assert_eq!(meta.get_tag("a", "latest").unwrap().as_deref(), Some(D2));
    assert_eq!(meta.get_manifest("a", D2).unwrap(), Some(record.clone()));
    assert_eq!(meta.get_manifest("c", D2).unwrap(), None);
    assert!(meta.delete_manifest("a", D2).unwrap());
    assert_eq!(meta.get_tag("a", "latest").unwrap(), None);
    assert_eq!(meta.get_manifest("a", D2).unwrap(), None);
    // Still linked from b.
    assert_eq!(meta.get_manifest("b", D2).unwrap(), Some(record));
    assert!(meta.delete_tag("b", "v1").unwrap());
    assert!(!meta.delete_tag("b", "v1").unwrap());
}

#[test]
fn reopening_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let record = ManifestRecord {
        media_type: "application/vnd.docker.distribution.manifest.v2+json".into(),
        size: 50,
        references: vec![D1.into()],
    };
    let session = UploadSession {
        repository: "a".into(),
        started: 42,
        bytes: 7,
    };
    let stats = {
        let meta = Meta::open(dir.path()).unwrap();
        meta.link_blob("a", D1, 100).unwrap();
        meta.link_blob("b", D1, 100).unwrap();
        meta.put_manifest("a", D2, &record, Some("main")).unwrap();
        meta.put_upload("u1", &session).unwrap();
        meta.stats().unwrap()
    };
    assert_eq!(
        stats,
        Stats {
            logical_bytes: 250,
            stored_bytes: 150
        }
    );
    let meta = Meta::open(dir.path()).unwrap();
    assert_eq!(meta.stats().unwrap(), stats);
    assert!(meta.is_linked("b", D1).unwrap());
    assert_eq!(meta.get_tag("a", "main").unwrap().as_deref(), Some(D2));
    assert_eq!(meta.get_manifest("a", D2).unwrap(), Some(record));
    assert_eq!(meta.get_upload("u1").unwrap(), Some(session));
    assert!(meta.last_access(D1).unwrap().is_some());
    assert!(meta.delete_upload("u1").unwrap());
    assert_eq!(meta.get_upload("u1").unwrap(), None);
}

const D3: &str = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
const D4: &str = "sha256:4444444444444444444444444444444444444444444444444444444444444444";

fn record(references: &[&str]) -> ManifestRecord {
    ManifestRecord {
        media_type: "application/vnd.oci.image.manifest.v1+json".into(),
        size: 10,
        references: references.iter().map(|r| r.to_string()).collect(),
    }
}

fn assert_consistent(meta: &Meta) {
    assert_eq!(meta.audit().unwrap(), Vec::<String>::new());
}

#[test]
fn indexes_follow_links_manifests_and_tags() {
    let dir = tempfile::tempdir().unwrap();
    let meta = Meta::open(dir.path()).unwrap();
    meta.link_blob("p/main", D1, 100).unwrap();
    meta.link_blob("p/dev", D1, 100).unwrap();
    meta.link_blob("_gha/main", D3, 7).unwrap();
    assert_eq!(meta.repositories_of(D1).unwrap(), ["p/dev", "p/main"]);
    meta.put_manifest("p/main", D2, &record(&[D1]), Some("latest"))
        .unwrap();
    meta.put_tag("p/main", "v1", D2).unwrap();
    assert_consistent(&meta);
    assert_eq!(meta.referrers(D1).unwrap(), [D2]);
    // Referenced (D1), GitHub cache (D3) and manifests (D2) are not unreferenced.
    assert!(meta.unreferenced(u64::MAX).unwrap().is_empty());
    let manifests = meta.manifests_by_access(None, u64::MAX, 10).unwrap();
    assert_eq!(manifests.len(), 1);
    assert_eq!(manifests[0].1, D2);
    meta.set_last_access(D2, 3).unwrap();
    assert_eq!(
        meta.manifests_by_access(None, u64::MAX, 10).unwrap(),
        [(3, D2.to_string())]
    );
    let facts = meta.blob_facts(D1).unwrap().unwrap();
    assert!(facts.referenced && !facts.gha && facts.pushed.is_none());
    assert_eq!(facts.size, 100);
    let facts = meta.blob_facts(D3).unwrap().unwrap();
    assert!(!facts.referenced && facts.gha);
    assert!(meta.blob_facts(D2).unwrap().unwrap().pushed.is_some());
    assert_eq!(meta.blob_facts(D4).unwrap(), None);
    // Retagging moves the tag index entry.
    meta.put_manifest("p/main", D4, &record(&[]), Some("latest"))
        .unwrap();
    assert_consistent(&meta);
    // Unlinking the manifest drops its remaining tag (v1) and its record and references.
    assert!(meta.delete_manifest("p/main", D2).unwrap());
    assert_consistent(&meta);
    assert_eq!(meta.get_tag("p/main", "v1").unwrap(), None);
    assert_eq!(
        meta.get_tag("p/main", "latest").unwrap().as_deref(),
        Some(D4)
    );
    assert!(meta.referrers(D1).unwrap().is_empty());
    assert!(!meta.blob_facts(D1).unwrap().unwrap().referenced);
    // So is the manifest's own blob, now that no repository links it.
    let mut loose: Vec<String> = meta
        .unreferenced(u64::MAX)
        .unwrap()
        .into_iter()
        .map(|(_, d)| d)
        .collect();
    loose.sort();
    assert_eq!(loose, [D1, D2]);
    assert_eq!(meta.counts().unwrap().manifests, 1);
    // Forgetting a blob drops every link and the repositories left empty.
    meta.forget_blob(D1).unwrap();
    meta.forget_blob(D2).unwrap();
    assert_consistent(&meta);
    assert_eq!(meta.repositories().unwrap(), ["_gha/main", "p/main"]);
    assert_eq!(
        meta.stats().unwrap(),
        Stats {
            logical_bytes: 17,
            stored_bytes: 17
        }
    );
    let counts = meta.counts().unwrap();
    assert_eq!((counts.blobs, counts.repositories), (2, 2));
}

#[test]
fn least_recently_used_order_pages() {
    let dir = tempfile::tempdir().unwrap();
    let meta = Meta::open(dir.path()).unwrap();
    for (digest, time) in [(D1, 30), (D2, 10), (D3, 20), (D4, 20)] {
        meta.link_blob("r", digest, 1).unwrap();
        meta.set_last_access(digest, time).unwrap();
    }
    // Touching moves the entry instead of adding one.
    meta.set_last_access(D1, 5).unwrap();
    assert_consistent(&meta);
    let all = meta.least_recently_used(None, u64::MAX, 10).unwrap();
    let order: Vec<&str> = all.iter().map(|(_, d)| d.as_str()).collect();
    assert_eq!(order, [D1, D2, D3, D4]);
    let page = meta
        .least_recently_used(Some((20, D3)), u64::MAX, 10)
        .unwrap();
    assert_eq!(page, [(20, D4.to_string())]);
    let page = meta.least_recently_used(None, 20, 10).unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(
        meta.least_recently_used(None, u64::MAX, 1).unwrap().len(),
        1
    );
}

#[test]
fn forgetting_a_referenced_blob_marks_the_manifest_broken() {
    let dir = tempfile::tempdir().unwrap();
    let meta = Meta::open(dir.path()).unwrap();
    meta.link_blob("r", D1, 5).unwrap();
    meta.put_manifest("r", D2, &record(&[D1]), Some("t"))
        .unwrap();
    meta.forget_blob(D1).unwrap();
    assert_eq!(meta.broken_manifests().unwrap(), [D2]);
    assert_consistent(&meta);
    // Pushing the manifest again (after the blob) repairs it.
    meta.link_blob("r", D1, 5).unwrap();
    meta.put_manifest("r", D2, &record(&[D1]), None).unwrap();
    assert!(meta.broken_manifests().unwrap().is_empty());
}

#[test]
fn unlink_keeps_the_blob_and_touch_ignores_unknown_digests() {
    let dir = tempfile::tempdir().unwrap();
    let meta = Meta::open(dir.path()).unwrap();
    meta.link_blob("a", D1, 10).unwrap();
    meta.link_blob("b", D1, 10).unwrap();
    assert!(meta.unlink_blob("a", D1).unwrap());
    assert!(!meta.unlink_blob("a", D1).unwrap());
    assert_eq!(meta.repositories().unwrap(), ["b"]);
    assert_eq!(
        meta.stats().unwrap(),
        Stats {
            logical_bytes: 10,
            stored_bytes: 10
        }
    );
    meta.touch(D2).unwrap();
    assert_eq!(meta.last_access(D2).unwrap(), None);
    // A touch right after the link's records nothing new; an old access is moved to now.
    let linked = meta.last_access(D1).unwrap().unwrap();
    meta.touch(D1).unwrap();
    assert_eq!(meta.last_access(D1).unwrap(), Some(linked));
    meta.set_last_access(D1, 5).unwrap();
    meta.touch(D1).unwrap();
    assert!(meta.last_access(D1).unwrap().unwrap() >= linked);
    assert_consistent(&meta);
}

#[test]
fn a_database_without_indexes_gets_them_on_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        // The tables as the first version of this module wrote them.
        let db = Database::create(dir.path().join("meta.redb")).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut repos = txn.open_table(REPOS).unwrap();
            repos.insert("a", 110).unwrap();
            repos.insert("b", 100).unwrap();
            let mut links = txn.open_table(REPO_BLOBS).unwrap();
            links.insert(("a", D1), 100).unwrap();
            links.insert(("b", D1), 100).unwrap();
            links.insert(("a", D2), 10).unwrap();
            let mut blobs = txn.open_table(BLOBS).unwrap();
            blobs.insert(D1, 100).unwrap();
            blobs.insert(D2, 10).unwrap();
            let bytes = serde_json::to_vec(&record(&[D1])).unwrap();
            txn.open_table(MANIFESTS)
                .unwrap()
                .insert(D2, bytes.as_slice())
                .unwrap();
            txn.open_table(TAGS)
                .unwrap()
                .insert(("a", "t"), D2)
                .unwrap();
            let mut access = txn.open_table(ACCESS).unwrap();
            access.insert(D1, 5).unwrap();
            access.insert(D2, 6).unwrap();
            txn.open_table(COUNTERS)
                .unwrap()
                .insert(STORED_BYTES, 110)
                .unwrap();
        }
        txn.commit().unwrap();
    }
    let meta = Meta::open(dir.path()).unwrap();
    assert_consistent(&meta);
    assert_eq!(
        meta.stats().unwrap(),
        Stats {
            logical_bytes: 210,
            stored_bytes: 110
        }
    );
    assert_eq!(meta.referrers(D1).unwrap(), [D2]);
    assert_eq!(meta.repositories_of(D1).unwrap(), ["a", "b"]);
    let lru = meta.least_recently_used(None, u64::MAX, 10).unwrap();
    assert_eq!(lru, [(5, D1.to_string()), (6, D2.to_string())]);
    assert!(meta.delete_manifest("a", D2).unwrap());
    assert_eq!(meta.get_tag("a", "t").unwrap(), None);
    assert_consistent(&meta);
}

#[test]
fn uploads_list_with_last_update() {
    let dir = tempfile::tempdir().unwrap();
    let meta = Meta::open(dir.path()).unwrap();
    let session = UploadSession {
        repository: "r".into(),
        started: 1,
        bytes: 0,
    };
    meta.put_upload("a", &session).unwrap();
    meta.put_upload("b", &session).unwrap();
    let list = meta.uploads().unwrap();
    assert_eq!(list.len(), 2);
    assert!(
        list.iter()
            .all(|e| e.updated >= now() - 5 && e.session == session)
    );
    meta.delete_upload("a").unwrap();
    assert_eq!(meta.uploads().unwrap().len(), 1);
    assert_eq!(meta.counts().unwrap().uploads, 1);
}
