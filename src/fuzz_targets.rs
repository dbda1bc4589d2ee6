//! Fuzz targets: what rbuild reads from outside — layer tars, cache
//! documents, mount-cache manifests — fed arbitrary and hostile input by proptest. Each target
//! asserts that the input is refused or taken, never a panic, and for layers that nothing is
//! written outside the snapshot. The Dockerfile parser's and the shell expansion's targets live
//! beside them (`dockerfile/parser/tests.rs`, `dockerfile/shell/proptests.rs`).
//!
//! `RBUILD_PROPTEST_CASES` sets the number of cases (a quick default for `cargo test`);
//! `bench/fuzz.sh` runs every target for a bounded time with many more.

use std::io::Read;
use std::path::Path;

use proptest::prelude::*;

use crate::cache::remote::document::{DocManifest, LoadedDoc};
use crate::cache::remote::index::CacheIndex;
use crate::cache::remote::mounts::manifest::MountManifest;
use crate::store::snapshots::SnapshotFormat;
use crate::store::unpack::unpack_tar;

fn cases() -> u32 {
    std::env::var("RBUILD_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// One tar entry of a hostile layer: a path from the ones that have broken extractors, a type,
/// a link target and a little content.
#[derive(Debug, Clone)]
struct Entry {
    path: String,
    kind: u8,
    link: String,
    mode: u32,
    data: Vec<u8>,
}

fn hostile_path() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        8 => prop::sample::select(vec!["a", "b", "l", "etc", "d", "passwd"]),
        2 => prop::sample::select(vec![".wh.a", ".wh..wh..opq", ".", "é"]),
        1 => prop::sample::select(vec!["..", "", "/", "../..", "\u{0}"]),
    ];
    (any::<bool>(), prop::collection::vec(piece, 1..5)).prop_map(|(absolute, p)| {
        let joined = p.join("/");
        if absolute {
            format!("/{joined}")
        } else {
            joined
        }
    })
}

fn entry() -> impl Strategy<Value = Entry> {
    let kind = prop_oneof![
        6 => Just(b'0'),
        3 => Just(b'5'),
        3 => Just(b'2'),
        2 => Just(b'1'),
        1 => prop::sample::select(vec![b'3', b'4', b'6', b'7', b'x', b'g', b'Z']),
    ];
    (
        hostile_path(),
        kind,
        hostile_path(),
        any::<u32>(),
        prop::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(path, kind, link, mode, data)| Entry {
            path,
            kind,
            link,
            mode,
            data,
        })
}

/// A tar of `entries`, headers written raw (paths and links as given, even where the `tar`
/// crate's builder would refuse them).
fn tar_of(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        let mut header = tar::Header::new_old();
        let raw = header.as_old_mut();
        let name = e.path.as_bytes();
        raw.name[..name.len().min(100)].copy_from_slice(&name[..name.len().min(100)]);
        let link = e.link.as_bytes();
        raw.linkname[..link.len().min(100)].copy_from_slice(&link[..link.len().min(100)]);
        header.set_mode(e.mode & 0o7777);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(0);
        header.set_size(e.data.len() as u64);
        header.set_entry_type(tar::EntryType::new(e.kind));
        header.set_cksum();
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(&e.data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

/// Every path under `dir`, relative.
fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            out.push(p.strip_prefix(dir).unwrap_or(&p).display().to_string());
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push(p);
            }
        }
    }
    out.sort();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Arbitrary bytes as a layer: refused or unpacked, never a panic.
    #[test]
    fn a_layer_of_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("snapshot");
        std::fs::create_dir(&dest).unwrap();
        let _ = unpack_tar(&dest, &bytes[..], SnapshotFormat::Overlay);
    }

    /// Hostile entries (`..`, absolute paths, links out and through links, whiteouts, devices,
    /// unknown types): whatever is taken lands inside the snapshot, nothing beside it.
    #[test]
    fn a_hostile_layer_writes_only_inside_its_snapshot(
        entries in prop::collection::vec(entry(), 1..12)
    ) {
        let root = tempfile::tempdir().unwrap();
        let dest = root.path().join("snapshot");
        let beside = root.path().join("beside");
        std::fs::create_dir(&dest).unwrap();
        std::fs::create_dir(&beside).unwrap();
        std::fs::write(beside.join("passwd"), b"unchanged").unwrap();
        let taken = unpack_tar(&dest, &tar_of(&entries)[..], SnapshotFormat::Overlay);
        if std::env::var_os("RBUILD_FUZZ_TRACE").is_some() {
            eprintln!("taken={:?} files={}", taken.as_ref().map_err(|e| e.to_string().chars().take(60).collect::<String>()), listing(&dest).len());
        }
        prop_assert_eq!(listing(root.path()).iter().filter(|p| !p.starts_with("snapshot")).cloned().collect::<Vec<_>>(), vec!["beside".to_string(), "beside/passwd".to_string()]);
        let mut kept = String::new();
        std::fs::File::open(beside.join("passwd")).unwrap().read_to_string(&mut kept).unwrap();
        prop_assert_eq!(kept, "unchanged");
    }

    /// Cache index and mount-cache documents, manifests and configs, from arbitrary bytes and
    /// from JSON-shaped text: refused or read, never a panic.
    #[test]
    fn cache_documents_of_arbitrary_bytes(
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
        json in "[{}\\[\\]\":,0-9a-z_ -]{0,400}",
    ) {
        for config in [bytes.clone(), json.clone().into_bytes()] {
            let doc = LoadedDoc { config, listed: None, location: "fuzz".into() };
            let _ = CacheIndex::from_loaded(&doc);
            let _ = MountManifest::from_loaded(&doc);
            for kind in [CacheIndex::KIND, MountManifest::KIND] {
                let _ = DocManifest::parse(&doc.config, kind);
            }
        }
    }
}
