//! `rbuild du` and `rbuild prune` against state directories filled through the library: records
//! pointing at real blobs and snapshots, ages set through file mtimes.

use std::fs;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, SystemTime};

use rbuild::cache::{CacheRecord, LocalCache};
use rbuild::digest::Digest;
use rbuild::image::layer::LayerDescriptor;
use rbuild::store::Store;

const HOUR: Duration = Duration::from_secs(3600);

fn rbuild(home: &Path, args: &[&str]) -> Output {
    super::support::Rbuild::new(home).args(args).output()
}

/// Runs `rbuild`, asserts success, returns standard output.
fn ok(home: &Path, args: &[&str]) -> String {
    let out = rbuild(home, args);
    assert!(
        out.status.success(),
        "rbuild {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn du_json(home: &Path) -> serde_json::Value {
    serde_json::from_str(&ok(home, &["du", "--format", "json"])).unwrap()
}

fn set_mtime(path: &Path, ago: Duration) {
    let t = filetime::FileTime::from_system_time(SystemTime::now() - ago);
    filetime::set_file_mtime(path, t).unwrap();
}

/// Three records, "RUN one", "RUN two", "RUN three", each with a 1000-byte layer blob and a
/// 1000-byte snapshot, last used 3, 2 and 1 hours ago; blobs and snapshots written a day ago.
fn fill(home: &Path) -> Vec<CacheRecord> {
    let store = Store::open(home).unwrap();
    let cache = LocalCache::open(&store).unwrap();
    let mut records = Vec::new();
    for (i, step) in ["RUN one", "RUN two", "RUN three"].into_iter().enumerate() {
        let bytes = vec![b'a' + i as u8; 1000];
        let digest = store.put_bytes(&bytes).unwrap();
        set_mtime(&store.blobs().path(&digest), 24 * HOUR);
        let chain = Digest::of(format!("chain {step}").as_bytes());
        let snapshot = store.snapshot_path(&chain);
        fs::create_dir(&snapshot).unwrap();
        fs::write(snapshot.join("f"), &bytes).unwrap();
        set_mtime(&snapshot, 24 * HOUR);
        let record = CacheRecord {
            key: Digest::of(step.as_bytes()),
            layer: Some(LayerDescriptor {
                digest: digest.clone(),
                diff_id: digest,
                size: 1000,
                media_type: "application/vnd.oci.image.layer.v1.tar".into(),
            }),
            chain_id: Some(chain),
            created: "2026-01-02T03:04:05Z".into(),
            created_by: step.into(),
            duration_ms: 12,
            lower_layers: Vec::new(),
            lower_chain_ids: Vec::new(),
            snapshot: None,
        };
        cache.put(&record).unwrap();
        set_mtime(&cache.record_path(&record.key), (3 - i as u32) * HOUR);
        records.push(record);
    }
    records
}

fn record_steps(du: &serde_json::Value) -> Vec<String> {
    du["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["created_by"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn du_of_an_empty_store() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("state");
    let text = ok(&home, &["du"]);
    assert!(home.join("cache/records").is_dir(), "du creates the layout");
    for line in ["Blobs:", "Snapshots:", "Cache records:", "Reclaimable:"] {
        let row = text.lines().find(|l| l.starts_with(line)).unwrap();
        assert!(row.ends_with(" 0B"), "{row:?} in\n{text}");
    }
    let state_line = format!("State directory:  {}", home.display());
    assert!(text.lines().any(|l| l == state_line), "{text}");
    let v = du_json(&home);
    assert_eq!(v["blobs"], serde_json::json!({"count": 0, "bytes": 0}));
    assert_eq!(v["total_bytes"], 0);
    assert_eq!(v["records"], serde_json::json!([]));
}

#[test]
fn du_of_a_filled_store() {
    let dir = tempfile::tempdir().unwrap();
    let records = fill(dir.path());
    let v = du_json(dir.path());
    assert_eq!(v["blobs"], serde_json::json!({"count": 3, "bytes": 3000}));
    assert_eq!(
        v["snapshots"],
        serde_json::json!({"count": 3, "bytes": 3000})
    );
    assert_eq!(
        v["cache_records"],
        serde_json::json!({"count": 3, "bytes": 3000})
    );
    assert_eq!(
        (v["reclaimable_bytes"].as_u64(), v["total_bytes"].as_u64()),
        (Some(6000), Some(6000))
    );
    assert_eq!(v["unreferenced_bytes"], 0);
    // Least recently used first.
    assert_eq!(record_steps(&v), ["RUN one", "RUN two", "RUN three"]);
    assert_eq!(v["records"][0]["key"], records[0].key.to_string());
    assert_eq!(v["records"][0]["size"], 1000);
    assert_eq!(v["records"][0]["usable"], true);

    let text = ok(dir.path(), &["du"]);
    let total = text.lines().find(|l| l.starts_with("Total:")).unwrap();
    assert!(total.ends_with(" 6kB"), "{text}");
    assert!(
        !text.contains("RUN one"),
        "records only with --verbose:\n{text}"
    );
    let verbose = ok(dir.path(), &["du", "--verbose"]);
    for (record, ago) in records
        .iter()
        .zip(["3 hours ago", "2 hours ago", "About an hour ago"])
    {
        let block = verbose
            .split("\n\n")
            .find(|b| b.contains(record.key.short()))
            .unwrap_or_else(|| panic!("{} not listed:\n{verbose}", record.key.short()));
        assert!(block.contains(&record.created_by), "{block}");
        assert!(block.contains("1kB") && block.contains(ago), "{block}");
    }
}

#[test]
fn prune_until_removes_only_records_unused_for_longer() {
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path());
    let text = ok(dir.path(), &["prune", "--filter", "until=90m", "-f"]);
    assert!(
        text.contains("RUN one") && text.contains("RUN two"),
        "{text}"
    );
    assert!(!text.contains("RUN three"), "{text}");
    assert!(text.lines().any(|l| l == "Total:\t4kB"), "{text}");
    let v = du_json(dir.path());
    assert_eq!(record_steps(&v), ["RUN three"]);
    assert_eq!(v["blobs"], serde_json::json!({"count": 1, "bytes": 1000}));
    assert_eq!(v["snapshots"]["count"], 1);
    // The kept record is still a hit.
    let store = Store::open(dir.path()).unwrap();
    let cache = LocalCache::open(&store).unwrap();
    assert!(cache.get(&Digest::of(b"RUN three")).unwrap().is_some());
}

#[test]
fn prune_keep_storage_keeps_the_most_recently_used() {
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path());
    // 6000 bytes; a 4500-byte budget (a bare number is bytes) leaves the two newest records.
    let v: serde_json::Value = serde_json::from_str(&ok(
        dir.path(),
        &["prune", "--keep-storage", "4500", "--format", "json"],
    ))
    .unwrap();
    assert_eq!(v["records"].as_array().unwrap().len(), 1);
    assert_eq!(v["records"][0]["created_by"], "RUN one");
    assert_eq!(v["reclaimed_bytes"], 2000);
    assert_eq!(v["blobs"].as_array().unwrap().len(), 1);
    let du = du_json(dir.path());
    assert_eq!(record_steps(&du), ["RUN two", "RUN three"]);
    assert_eq!(du["total_bytes"], 4000);
    // A budget in docker units that the store already fits removes nothing.
    let text = ok(dir.path(), &["prune", "--keep-storage", "1MB"]);
    assert!(text.lines().any(|l| l == "Total:\t0B"), "{text}");
    assert_eq!(record_steps(&du_json(dir.path())).len(), 2);
}

#[test]
fn a_bare_prune_leaves_an_empty_store() {
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path());
    // A blob no record names, written long ago: swept too.
    let store = Store::open(dir.path()).unwrap();
    let orphan = store.put_bytes(b"orphan").unwrap();
    set_mtime(&store.blobs().path(&orphan), 24 * HOUR);
    let v: serde_json::Value = serde_json::from_str(&ok(
        dir.path(),
        &["prune", "--all", "--force", "--format", "json"],
    ))
    .unwrap();
    assert_eq!(v["records"].as_array().unwrap().len(), 3);
    assert_eq!(v["blobs"].as_array().unwrap().len(), 4);
    assert_eq!(v["snapshots"].as_array().unwrap().len(), 3);
    assert_eq!(v["reclaimed_bytes"], 6006);
    let du = du_json(dir.path());
    assert_eq!(du["total_bytes"], 0);
    assert_eq!(du["blobs"]["count"], 0);
    assert_eq!(du["records"], serde_json::json!([]));
    assert_eq!(
        fs::read_dir(dir.path().join("blobs/sha256"))
            .unwrap()
            .count(),
        0
    );
    assert_eq!(
        fs::read_dir(dir.path().join("snapshots")).unwrap().count(),
        0
    );
    assert_eq!(
        fs::read_dir(dir.path().join("cache/records"))
            .unwrap()
            .count(),
        0
    );
}

#[test]
fn a_prune_keeps_what_a_running_build_just_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let fresh = store.put_bytes(b"layer of a running build").unwrap();
    let text = ok(dir.path(), &["prune"]);
    assert!(text.lines().any(|l| l == "Total:\t0B"), "{text}");
    assert!(store.blobs().has(&fresh));
}

#[test]
fn state_dir_flag_and_bad_flags() {
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("other");
    fill(&other);
    let home = dir.path().join("home");
    let v: serde_json::Value = serde_json::from_str(&ok(
        &home,
        &[
            "du",
            "--state-dir",
            other.to_str().unwrap(),
            "--format",
            "json",
        ],
    ))
    .unwrap();
    assert_eq!(v["records"].as_array().unwrap().len(), 3);
    for (args, want) in [
        (
            &["prune", "--filter", "type=regular"][..],
            "unsupported filter `type`",
        ),
        (&["prune", "--filter", "until=1d"], "invalid duration"),
        (&["prune", "--keep-storage", "10XB"], "invalid size"),
    ] {
        let out = rbuild(&other, args);
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(want), "{args:?}: {stderr}");
    }
    // Nothing was removed by the refused commands.
    assert_eq!(record_steps(&du_json(&other)).len(), 3);
}
