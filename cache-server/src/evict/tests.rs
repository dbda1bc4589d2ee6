//! The evictor's tests.

use super::*;
use crate::meta::{ManifestRecord, UploadSession};
use crate::store::Store;

const HOUR: u64 = 3600;

struct Fixture {
    dir: tempfile::TempDir,
    /// The server's store type, backed by a local directory.
    store: Store,
    meta: Arc<Meta>,
}

impl Fixture {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::local(dir.path()).await.unwrap();
        let meta = Arc::new(Meta::open(dir.path()).unwrap());
        Self { dir, store, meta }
    }

    async fn blob(&self, repository: &str, data: &[u8]) -> String {
        let digest = Digest::of(data);
        self.store.put(&digest, data).await.unwrap();
        self.meta
            .link_blob(repository, digest.as_str(), data.len() as u64)
            .unwrap();
        digest.to_string()
    }

    async fn manifest(&self, repository: &str, tag: &str, references: &[&str]) -> String {
        let body = serde_json::to_vec(&serde_json::json!({
            "tag": tag, "repository": repository, "layers": references,
        }))
        .unwrap();
        let digest = Digest::of(&body);
        self.store.put(&digest, &body[..]).await.unwrap();
        let record = ManifestRecord {
            media_type: "application/vnd.oci.image.manifest.v1+json".into(),
            size: body.len() as u64,
            references: references.iter().map(|r| r.to_string()).collect(),
        };
        self.meta
            .put_manifest(repository, digest.as_str(), &record, Some(tag))
            .unwrap();
        digest.to_string()
    }

    async fn stored(&self, digest: &str) -> bool {
        let digest = Digest::parse(digest).unwrap();
        self.store.stat(&digest).await.unwrap().is_some()
    }

    /// Metadata indexes and counters are consistent and name exactly what the store holds.
    async fn assert_exact(&self) {
        assert_eq!(self.meta.audit().unwrap(), Vec::<String>::new());
        let listed: u64 = self
            .store
            .list()
            .await
            .unwrap()
            .iter()
            .map(|(_, s)| s)
            .sum();
        assert_eq!(self.meta.stats().unwrap().stored_bytes, listed);
        assert!(self.meta.pending_deletes().unwrap().is_empty());
    }
}

fn evictor(max_bytes: Option<u64>, grace_secs: u64, upload_ttl_secs: u64) -> Evictor {
    Evictor::new(
        Policy {
            max_bytes,
            grace_secs,
            upload_ttl_secs,
            ..Policy::default()
        },
        None,
    )
}

/// The configuration once validated `limits.max_bytes` with one grammar (`10g` =
/// 10 GiB) and the evictor enforced it with another (`10g` = 10^9 bytes). Now the policy is
/// the configuration's own reading, for every way of writing a size.
#[test]
fn the_evictor_enforces_what_the_configuration_says() {
    for text in ["10g", "10GB", "10GiB", "2G", "512m", "1.5k", "1048576"] {
        let limits = Limits {
            max_bytes: Some(text.into()),
            ..Limits::default()
        };
        let policy = Policy::from_limits(&limits).unwrap();
        assert_eq!(policy.max_bytes, limits.max_bytes().unwrap(), "{text}");
    }
    let limits = Limits {
        max_bytes: Some("10 parsecs".into()),
        ..Limits::default()
    };
    assert!(Policy::from_limits(&limits).is_err());
    let limits = Limits {
        max_bytes: Some("2GB".into()),
        grace_minutes: None,
        upload_ttl_minutes: Some(5),
        gha_max_age_days: None,
        gha_uploads_per_minute: None,
        evict: None,
        ..Limits::default()
    };
    let policy = Policy::from_limits(&limits).unwrap();
    assert_eq!(policy.max_bytes, Some(2 << 30));
    assert_eq!(policy.grace_secs, 3600);
    assert_eq!(policy.upload_ttl_secs, 300);
}

#[tokio::test]
async fn actions_cache_entries_unused_past_the_max_age_go_with_their_archives() {
    use crate::gha::entries::BlobRef;
    let f = Fixture::new().await;
    let t0 = meta::now();
    let repo = crate::gha::scope::repository_of("main");
    let archive = f.blob(&repo, b"an archive").await;
    // Also a layer of a manifest: the entry's removal must not take it.
    let layer = f.blob(&repo, b"a layer too").await;
    f.manifest("proj/main", "latest", &[&layer]).await;
    let entries = Entries::open(f.meta.clone()).unwrap();
    for (key, digest, size) in [("k1", &archive, 10), ("k2", &layer, 11)] {
        let upload = format!("u-{key}");
        entries.reserve("main", key, "v", &upload, t0).unwrap();
        let blob = BlobRef {
            digest: digest.clone(),
            size,
        };
        entries.commit_upload(&upload, blob).unwrap();
        entries.finalize("main", key, "v", Some(size)).unwrap();
    }
    // A reservation nobody finalized.
    entries.reserve("main", "k3", "v", "u-k3", t0).unwrap();
    let evictor = Evictor::new(Policy::default(), None);

    let report = evictor
        .run_at(&f.store, &f.meta, t0 + 6 * DAY)
        .await
        .unwrap();
    assert_eq!((report.gha_entries, report.gha_reservations), (0, 1));
    assert!(f.stored(&archive).await && f.stored(&layer).await);
    assert_eq!(entries.list().unwrap().len(), 2);

    let report = evictor
        .run_at(&f.store, &f.meta, t0 + 8 * DAY)
        .await
        .unwrap();
    assert_eq!(report.gha_entries, 2);
    assert!(
        !f.stored(&archive).await,
        "the expired entry's archive stays"
    );
    assert!(
        f.stored(&layer).await,
        "a manifest's layer went with an entry"
    );
    assert!(entries.list().unwrap().is_empty());
    assert_eq!(entries.audit().unwrap(), Vec::<String>::new());
    f.assert_exact().await;
}

#[test]
fn gha_max_age_zero_keeps_entries() {
    let limits = Limits {
        gha_max_age_days: Some(0),
        ..Limits::default()
    };
    assert_eq!(Policy::from_limits(&limits).unwrap().gha_max_age_secs, None);
    assert_eq!(
        Policy::from_limits(&Limits::default())
            .unwrap()
            .gha_max_age_secs,
        Some(7 * DAY)
    );
}

#[tokio::test]
async fn budget_evicts_least_recently_used_unreferenced_first() {
    let f = Fixture::new().await;
    let now = meta::now();
    let a = f.blob("p/main", &[b'a'; 100]).await;
    let b = f.blob("p/main", &[b'b'; 100]).await;
    let c = f.blob("p/main", &[b'c'; 100]).await;
    let m = f.manifest("p/main", "latest", &[&c]).await;
    // The referenced blob is the least recently used of all; unreferenced ones still go
    // first, the older of them first.
    f.meta.set_last_access(&c, now - 9000).unwrap();
    f.meta.set_last_access(&m, now - 9000).unwrap();
    f.meta.set_last_access(&a, now - 3000).unwrap();
    f.meta.set_last_access(&b, now - 2000).unwrap();
    let total = f.meta.stats().unwrap().stored_bytes;
    // Long grace (the manifest is fresh), short upload TTL (a and b are not fresh uploads).
    let report = evictor(Some(total - 100), 10 * 24 * HOUR, 60)
        .run_at(&f.store, &f.meta, now)
        .await
        .unwrap();
    assert_eq!((report.blobs, report.bytes), (1, 100));
    assert!(!report.over_budget);
    assert!(!f.stored(&a).await && f.stored(&b).await && f.stored(&c).await);
    assert!(f.meta.blob_facts(&a).unwrap().is_none());
    f.assert_exact().await;

    // Below what the fresh manifest needs: b goes, then nothing more can.
    let report = evictor(Some(10), 10 * 24 * HOUR, 60)
        .run_at(&f.store, &f.meta, now)
        .await
        .unwrap();
    assert_eq!(report.blobs, 1);
    assert!(report.over_budget);
    assert!(!f.stored(&b).await && f.stored(&c).await && f.stored(&m).await);
    assert_eq!(f.meta.get_tag("p/main", "latest").unwrap(), Some(m));
    f.assert_exact().await;
}

#[tokio::test]
async fn grace_period_protects_a_fresh_manifest_and_then_lets_it_go() {
    let f = Fixture::new().await;
    let now = meta::now();
    let l1 = f.blob("p/main", &[1; 50]).await;
    let l2 = f.blob("p/main", &[2; 70]).await;
    let m = f.manifest("p/main", "v1", &[&l1, &l2]).await;
    f.meta.put_tag("p/other", "copy", &m).unwrap();
    let ev = evictor(Some(0), HOUR, HOUR);
    let report = ev.run_at(&f.store, &f.meta, now).await.unwrap();
    assert_eq!(report.blobs, 0);
    assert!(report.over_budget);
    for d in [&l1, &l2, &m] {
        assert!(f.stored(d).await);
    }
    // Two hours later the manifest is outside the grace period: it goes with its tags
    // (in every repository) and the blobs only it referenced.
    let report = ev.run_at(&f.store, &f.meta, now + 2 * HOUR).await.unwrap();
    assert_eq!((report.blobs, report.manifests, report.tags), (3, 1, 2));
    assert!(!report.over_budget);
    for d in [&l1, &l2, &m] {
        assert!(!f.stored(d).await);
    }
    assert_eq!(f.meta.get_tag("p/main", "v1").unwrap(), None);
    assert_eq!(f.meta.get_tag("p/other", "copy").unwrap(), None);
    assert!(f.meta.repositories().unwrap().is_empty());
    assert_eq!(f.meta.stats().unwrap().logical_bytes, 0);
    f.assert_exact().await;
}

#[tokio::test]
async fn a_fresh_index_protects_an_old_child_manifest() {
    let f = Fixture::new().await;
    let layer = f.blob("p/main", &[7; 40]).await;
    let child = f.manifest("p/main", "child", &[&layer]).await;
    // Push times have a one-second resolution: the index is pushed two seconds later.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let index = f.manifest("p/main", "multi", &[&child]).await;
    let now = meta::now();
    // A one-second grace period: the child is outside it, the index inside.
    let ev = evictor(Some(0), 1, 1);
    assert!(f.meta.pushed(&child).unwrap() < Some(now - 1));
    let report = ev.run_at(&f.store, &f.meta, now).await.unwrap();
    assert_eq!((report.blobs, report.manifests), (0, 0));
    assert!(report.over_budget);
    for d in [&layer, &child, &index] {
        assert!(f.stored(d).await);
    }
    // Once both are outside it, the index goes with the child and the layer.
    let report = ev.run_at(&f.store, &f.meta, now + 10).await.unwrap();
    assert_eq!((report.blobs, report.manifests, report.tags), (3, 2, 2));
    assert!(f.meta.repositories().unwrap().is_empty());
    f.assert_exact().await;
}

#[tokio::test]
async fn a_manifest_whose_blob_is_gone_disappears_with_its_tags() {
    let f = Fixture::new().await;
    let l1 = f.blob("p/main", &[1; 10]).await;
    let l2 = f.blob("p/main", &[2; 10]).await;
    let m1 = f.manifest("p/main", "amd64", &[&l1]).await;
    let m2 = f.manifest("p/main", "arm64", &[&l2]).await;
    let index = f.manifest("p/main", "multi", &[&m1, &m2]).await;
    f.meta.put_tag("p/dev", "amd64", &m1).unwrap();
    // The store lost l1 (or a client deleted it): the metadata forgets it.
    f.store.delete(&Digest::parse(&l1).unwrap()).await.unwrap();
    f.meta.forget_blob(&l1).unwrap();
    // Fresh manifests, default grace: broken ones go anyway, with the index naming them.
    let report = evictor(None, HOUR, HOUR)
        .run_at(&f.store, &f.meta, meta::now())
        .await
        .unwrap();
    assert_eq!(report.manifests, 2);
    assert_eq!(report.tags, 3);
    assert!(!f.stored(&m1).await && !f.stored(&index).await);
    assert_eq!(f.meta.get_tag("p/main", "amd64").unwrap(), None);
    assert_eq!(f.meta.get_tag("p/dev", "amd64").unwrap(), None);
    assert_eq!(f.meta.get_tag("p/main", "multi").unwrap(), None);
    // The sibling is whole and stays.
    assert_eq!(f.meta.get_tag("p/main", "arm64").unwrap(), Some(m2.clone()));
    assert!(f.stored(&m2).await && f.stored(&l2).await);
    f.assert_exact().await;
}

#[tokio::test]
async fn unreferenced_sweep_keeps_referenced_and_github_cache_blobs() {
    let f = Fixture::new().await;
    let now = meta::now();
    let loose = f.blob("p/main", b"loose").await;
    let gha = f.blob("_gha/main", b"cache entry").await;
    let used = f.blob("p/main", b"used").await;
    let m = f.manifest("p/main", "t", &[&used]).await;
    let ev = evictor(None, HOUR, HOUR);
    // Within the grace period nothing goes (the loose blob may belong to a push).
    let report = ev.run_at(&f.store, &f.meta, now).await.unwrap();
    assert!(report.is_empty());
    let report = ev.run_at(&f.store, &f.meta, now + 2 * HOUR).await.unwrap();
    assert_eq!((report.blobs, report.bytes), (1, 5));
    assert!(!f.stored(&loose).await);
    for d in [&gha, &used, &m] {
        assert!(f.stored(d).await);
    }
    f.assert_exact().await;
}

#[tokio::test]
async fn stale_upload_sessions_and_their_files_are_swept() {
    let f = Fixture::new().await;
    let uploads = f.dir.path().join("uploads");
    std::fs::create_dir_all(uploads.join("u1")).unwrap();
    std::fs::write(uploads.join("u1/data"), b"partial").unwrap();
    std::fs::write(uploads.join("orphan"), b"no session").unwrap();
    let session = UploadSession {
        repository: "p/main".into(),
        started: meta::now(),
        bytes: 7,
    };
    f.meta.put_upload("u1", &session).unwrap();
    let ev = Evictor::new(
        Policy {
            max_bytes: None,
            grace_secs: HOUR,
            upload_ttl_secs: HOUR,
            ..Policy::default()
        },
        Some(uploads.clone()),
    );
    let report = ev.run_at(&f.store, &f.meta, meta::now()).await.unwrap();
    assert_eq!(report.uploads, 0);
    assert!(uploads.join("u1/data").exists() && uploads.join("orphan").exists());
    let report = ev
        .run_at(&f.store, &f.meta, meta::now() + 2 * HOUR)
        .await
        .unwrap();
    assert_eq!(report.uploads, 2);
    assert_eq!(f.meta.get_upload("u1").unwrap(), None);
    assert!(!uploads.join("u1").exists() && !uploads.join("orphan").exists());
    assert!(f.meta.uploads().unwrap().is_empty());
}

#[tokio::test]
async fn metadata_goes_first_and_a_crash_leftover_is_finished() {
    let f = Fixture::new().await;
    let now = meta::now();
    let a = f.blob("p/main", b"aaaa").await;
    let b = f.blob("p/main", b"bbbb").await;
    // As if a run crashed after forgetting both but before deleting their bytes.
    let rule = EvictRule {
        accessed_before: u64::MAX,
        grace_cutoff: now + 1,
        with_referrers: false,
        ignore_grace: false,
    };
    for d in [&a, &b] {
        let evicted = f.meta.evict(d, rule).unwrap().unwrap();
        assert_eq!(evicted.blobs, [(d.to_string(), 4)]);
    }
    assert_eq!(f.meta.stats().unwrap().stored_bytes, 0);
    assert!(f.stored(&a).await && f.stored(&b).await);
    // b is pushed again before the next run: its bytes must stay.
    f.meta.link_blob("p/main", &b, 4).unwrap();
    let report = evictor(None, HOUR, HOUR)
        .run_at(&f.store, &f.meta, now)
        .await
        .unwrap();
    assert_eq!(report.resumed, 1);
    assert!(!f.stored(&a).await && f.stored(&b).await);
    f.assert_exact().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pinned_push_keeps_its_bytes_from_a_pending_delete() {
    let f = Arc::new(Fixture::new().await);
    let ev = Arc::new(evictor(None, HOUR, HOUR));
    let data = b"pushed again while being evicted";
    let digest = Digest::parse(&f.blob("p/main", data).await).unwrap();
    // Eviction has chosen the blob: the metadata forgot it, the bytes are still to delete.
    let rule = EvictRule {
        accessed_before: u64::MAX,
        grace_cutoff: meta::now() + 1,
        with_referrers: false,
        ignore_grace: false,
    };
    f.meta.evict(digest.as_str(), rule).unwrap().unwrap();
    // A push of the same blob: pin, store the bytes...
    let pin = ev.pins().pin(digest.as_str()).await;
    f.store.put(&digest, &data[..]).await.unwrap();
    // ...while the next eviction run gets to the pending delete...
    let run = {
        let (f, ev) = (f.clone(), ev.clone());
        tokio::spawn(async move { ev.run_at(&f.store, &f.meta, meta::now()).await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    // ...then link and unpin.
    f.meta
        .link_blob("p/main", digest.as_str(), data.len() as u64)
        .unwrap();
    drop(pin);
    let report = run.await.unwrap().unwrap();
    assert_eq!(report.resumed, 0);
    assert!(
        f.stored(digest.as_str()).await,
        "linked blob lost its bytes"
    );
    f.assert_exact().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_pushes_and_eviction_keep_metadata_and_store_in_step() {
    let f = Arc::new(Fixture::new().await);
    // Evict everything it can, as often as it can.
    let ev = Arc::new(evictor(Some(0), 0, 0));
    let contents: Vec<Vec<u8>> = (0..8u8).map(|i| vec![i; 1000 + usize::from(i)]).collect();
    let digests: Vec<String> = contents.iter().map(|c| Digest::of(c).to_string()).collect();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let evicting = {
        let (f, ev, done) = (f.clone(), ev.clone(), done.clone());
        tokio::spawn(async move {
            let mut runs = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                ev.run_at(&f.store, &f.meta, meta::now() + 10)
                    .await
                    .unwrap();
                runs += 1;
            }
            runs
        })
    };
    let pins = ev.pins();
    for round in 0..300 {
        let data = &contents[round % contents.len()];
        let digest = Digest::of(data);
        // What the registry does for a push: pin, store the bytes, link, unpin.
        let pin = pins.pin(digest.as_str()).await;
        f.store.put(&digest, &data[..]).await.unwrap();
        let meta = f.meta.clone();
        let d = digest.to_string();
        let size = data.len() as u64;
        tokio::task::spawn_blocking(move || meta.link_blob("p/main", &d, size))
            .await
            .unwrap()
            .unwrap();
        drop(pin);
        if round % 7 == 0 {
            tokio::task::yield_now().await;
        }
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let runs = evicting.await.unwrap();
    assert!(runs > 0);
    for digest in &digests {
        if f.meta.blob_facts(digest).unwrap().is_some() {
            assert!(f.stored(digest).await, "{digest} linked but not stored");
        }
    }
    assert_eq!(f.meta.audit().unwrap(), Vec::<String>::new());
    ev.run_at(&f.store, &f.meta, meta::now() + 10)
        .await
        .unwrap();
    f.assert_exact().await;
    assert_eq!(f.meta.stats().unwrap().stored_bytes, 0);
}

#[tokio::test]
async fn spawn_runs_until_shutdown() {
    let f = Fixture::new().await;
    let metrics = Arc::new(Metrics::new());
    let ev = evictor(None, 0, 0).with_metrics(metrics.clone());
    let loose = f.blob("p/main", b"loose").await;
    f.meta.set_last_access(&loose, 1).unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let handle = spawn(
        ev,
        Arc::new(f.store.clone()),
        f.meta.clone(),
        Duration::from_millis(20),
        async move {
            let _ = rx.await;
        },
    );
    for _ in 0..200 {
        if !f.stored(&loose).await {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!f.stored(&loose).await);
    tx.send(()).unwrap();
    handle.await.unwrap();
    let text = metrics.render(None);
    assert!(
        text.lines()
            .any(|l| l == "rbuild_cache_evicted_bytes_total 5"),
        "{text}"
    );
}
