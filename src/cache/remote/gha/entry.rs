//! The entries `type=gha` writes, their keys, and the index entry's document.
//!
//! * **Pack entry** `rbuild-v1-<ns>-pack-<sha256 hex of the pack's blob list>`: the layer blobs
//!   one export uploaded, concatenated ([`super::pack`]).
//! * **Index entry** `rbuild-v1-<ns>-index-<15-digit unix millis>-<nonce>`: the JSON document
//!   `{"version":1,"records":[..],"blobs":{"sha256:..":{"key":"<pack key>","offset":N,"length":N}}}`
//!   — the records as [`CacheIndex`] writes them, plus where every layer of those records lives.
//!   Restored by the prefix `rbuild-v1-<ns>-index-`: the service answers the newest.
//! * **Mount-cache entry** `rbuild-v1-<ns>-mount/<key>/<15-digit unix millis>-<nonce>`: a mount
//!   cache's manifest (its config JSON) with the same `blobs` member: where its chunks are.
//!
//! Every entry carries the one [`version`], so no other tool's entry ever matches.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::cache::CacheRecord;
use crate::cache::remote::document::DocName;
use crate::cache::remote::index::{CacheIndex, FORMAT_VERSION};
use crate::digest::Digest;

/// What every key starts with (the format's version).
const KEY_PREFIX: &str = "rbuild-v1-";

/// Where one blob lives: a byte range of a pack entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// The pack entry's key.
    pub key: String,
    /// Offset of the blob's first byte in the pack.
    pub offset: u64,
    /// The blob's length.
    pub length: u64,
}

/// The `version` of every entry: the sha256 of `rbuild-cache-v1`, in hex.
pub fn version() -> String {
    hex::encode(Sha256::digest(b"rbuild-cache-v1"))
}

/// The prefix of the index entries of namespace `ns` (the restore key).
pub fn index_prefix(ns: &str) -> String {
    format!("{KEY_PREFIX}{ns}-index-")
}

/// An index entry's key, made at `millis` (unix time) by a writer tagged `nonce`.
pub fn index_key(ns: &str, millis: u128, nonce: &str) -> String {
    format!("{}{millis:015}-{nonce}", index_prefix(ns))
}

/// The prefix of the entries of document `name` of namespace `ns` (the restore key): the index
/// prefix, or `rbuild-v1-<ns>-mount/<key>/` for a mount-cache manifest (`/` ends the key, which
/// never holds one, so no key's prefix is another's).
pub fn doc_prefix(ns: &str, name: &DocName) -> String {
    match name {
        DocName::Index => index_prefix(ns),
        DocName::Mount(key) => format!("{KEY_PREFIX}{ns}-mount/{key}/"),
    }
}

/// The key of document `name`'s entry made at `millis` by a writer tagged `nonce`.
pub fn doc_key(ns: &str, name: &DocName, millis: u128, nonce: &str) -> String {
    format!("{}{millis:015}-{nonce}", doc_prefix(ns, name))
}

/// An entry's bytes for any document: its config (a JSON object) with the member `blobs`
/// added: the locations of `blobs`. For an index this is exactly [`encode`]'s document.
pub fn encode_doc(config: &[u8], blobs: &BTreeMap<Digest, Location>) -> Result<Vec<u8>, String> {
    let mut doc: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(config).map_err(|e| format!("config is not a JSON object: {e}"))?;
    let blobs = serde_json::to_value(blobs).map_err(|e| e.to_string())?;
    doc.insert("blobs".into(), blobs);
    serde_json::to_vec(&doc).map_err(|e| e.to_string())
}

/// The valid blob locations an entry's document holds (invalid ones dropped, with a warning).
pub fn decode_locations(bytes: &[u8]) -> Result<BTreeMap<Digest, Location>, String> {
    let Blobs { blobs } = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    Ok(blobs
        .into_iter()
        .filter(|(digest, loc)| {
            let valid = loc.key.starts_with(KEY_PREFIX)
                && !loc.key.contains(',')
                && loc.offset.checked_add(loc.length).is_some();
            if !valid {
                tracing::warn!("gha cache entry: blob {digest} has an invalid location, ignored");
            }
            valid
        })
        .collect())
}

/// The key of the pack holding `blobs`, in that order.
pub fn pack_key(ns: &str, blobs: &[Digest]) -> String {
    let mut list = Sha256::new();
    for digest in blobs {
        list.update(digest.as_str().as_bytes());
        list.update(b"\n");
    }
    format!("{KEY_PREFIX}{ns}-pack-{}", hex::encode(list.finalize()))
}

/// The document as written.
#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    records: &'a [CacheRecord],
    blobs: &'a BTreeMap<Digest, Location>,
}

/// The locations part of a document as read (the records are read by [`CacheIndex`]).
#[derive(Deserialize)]
struct Blobs {
    #[serde(default)]
    blobs: BTreeMap<Digest, Location>,
}

/// The index entry's bytes: `index`'s records and the locations of `blobs`.
pub fn encode(index: &CacheIndex, blobs: &BTreeMap<Digest, Location>) -> Vec<u8> {
    let doc = Document {
        version: FORMAT_VERSION,
        records: &index.records,
        blobs,
    };
    // Strings, numbers, maps and vectors: serializing cannot fail.
    serde_json::to_vec(&doc).unwrap_or_default()
}

/// Reads an index entry: its records (those whose layer has no valid location are dropped, with
/// a warning) and the blobs' locations.
pub fn decode(bytes: &[u8]) -> Result<(CacheIndex, BTreeMap<Digest, Location>), String> {
    let blobs = decode_locations(bytes)?;
    let listed: BTreeSet<Digest> = blobs.keys().cloned().collect();
    let index = CacheIndex::from_config_bytes(bytes, Some(&listed))?;
    Ok((index, blobs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::layer::LayerDescriptor;

    fn record(n: u8, layer: Option<u8>) -> CacheRecord {
        CacheRecord {
            key: Digest::of(&[n]),
            layer: layer.map(|l| LayerDescriptor {
                digest: Digest::of(&[l, 1]),
                diff_id: Digest::of(&[l, 2]),
                size: 10,
                media_type: "application/vnd.oci.image.layer.v1.tar+gzip".into(),
            }),
            chain_id: None,
            created: "2026-01-01T00:00:00Z".into(),
            created_by: format!("RUN step {n}"),
            duration_ms: 5,
            lower_layers: Vec::new(),
            lower_chain_ids: Vec::new(),
            snapshot: None,
        }
    }

    fn at(key: &str, offset: u64) -> Location {
        Location {
            key: key.into(),
            offset,
            length: 10,
        }
    }

    #[test]
    fn round_trip_keeps_records_and_locations() {
        let index = CacheIndex::new(vec![
            record(1, Some(1)),
            record(2, None),
            record(3, Some(3)),
        ]);
        let blobs: BTreeMap<Digest, Location> = [
            (Digest::of(&[1, 1]), at("rbuild-v1-x-pack-a", 0)),
            (Digest::of(&[3, 1]), at("rbuild-v1-x-pack-b", 10)),
        ]
        .into();
        let bytes = encode(&index, &blobs);
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with(r#"{"version":1,"records":["#), "{text}");
        assert!(
            text.contains(r#""blobs":{"sha256:"#) && text.contains(r#""offset":10,"length":10"#),
            "{text}"
        );
        let (back, back_blobs) = decode(&bytes).unwrap();
        assert_eq!(back, index);
        assert_eq!(back_blobs, blobs);
    }

    #[test]
    fn records_without_a_valid_location_are_dropped() {
        let index = CacheIndex::new(vec![
            record(1, Some(1)),
            record(2, Some(2)),
            record(3, None),
        ]);
        let mut blobs: BTreeMap<Digest, Location> =
            [(Digest::of(&[1, 1]), at("rbuild-v1-x-pack-a", 0))].into();
        blobs.insert(
            Digest::of(&[2, 1]),
            Location {
                key: "rbuild-v1-x-pack-a".into(),
                offset: u64::MAX,
                length: 2,
            },
        );
        let (back, back_blobs) = decode(&encode(&index, &blobs)).unwrap();
        let keys: Vec<_> = back.records.iter().map(|r| r.key.clone()).collect();
        assert_eq!(keys, [Digest::of(&[1]), Digest::of(&[3])]);
        assert_eq!(back_blobs.len(), 1);
        assert!(decode(b"[1]").is_err());
        assert!(decode(br#"{"version":2,"records":[],"blobs":{}}"#).is_err());
        assert!(decode(br#"{"version":1,"records":[],"blobs":{"md5:x":{}}}"#).is_err());
    }

    #[test]
    fn keys_are_versioned_ordered_and_name_their_content() {
        assert_eq!(index_prefix("web"), "rbuild-v1-web-index-");
        let early = index_key("web", 1_700_000_000_000, "a1");
        let late = index_key("web", 1_800_000_000_000, "a1");
        assert_eq!(early, "rbuild-v1-web-index-001700000000000-a1");
        assert!(early < late && late.starts_with(&index_prefix("web")));
        let (a, b) = (Digest::of(b"a"), Digest::of(b"b"));
        let ab = pack_key("web", &[a.clone(), b.clone()]);
        assert!(ab.starts_with("rbuild-v1-web-pack-") && ab.len() == 19 + 64);
        assert_eq!(ab, pack_key("web", &[a.clone(), b.clone()]));
        assert_ne!(ab, pack_key("web", &[b, a]));
        assert_eq!(version().len(), 64);
        let mount = doc_key("web", &DocName::Mount("apt".into()), 1, "n");
        assert_eq!(mount, "rbuild-v1-web-mount/apt/000000000000001-n");
        assert!(!mount.starts_with(&doc_prefix("web", &DocName::Mount("ap".into()))));
    }

    #[test]
    fn any_document_carries_its_locations() {
        let index = CacheIndex::new(vec![record(1, Some(1))]);
        let blobs: BTreeMap<Digest, Location> =
            [(Digest::of(&[1, 1]), at("rbuild-v1-x-pack-a", 0))].into();
        let generic = encode_doc(&index.config_bytes(), &blobs).unwrap();
        let (back, back_blobs) = decode(&generic).unwrap();
        assert_eq!((back, back_blobs), (index, blobs.clone()));
        assert_eq!(decode_locations(&generic).unwrap(), blobs);
        assert!(encode_doc(b"[1]", &blobs).is_err());
    }
}
