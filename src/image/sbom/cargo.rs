//! Rust crates from the dependency list `cargo auditable` embeds in a binary: the `.dep-v0`
//! section, zlib-compressed JSON (`{"packages":[{"name","version","source","kind",...}]}`).
//!
//! Build dependencies (`"kind":"build"`) are left out: they run at build time and are not in
//! the binary. The JSON is decompressed to at most [`MAX_JSON`] bytes; a larger one is skipped.

use std::io::Read;

use serde_json::Value;

use super::Package;

/// The section holding the dependency list.
pub const SECTION: &str = ".dep-v0";

/// The largest decompressed dependency list read.
pub const MAX_JSON: u64 = 8 << 20;

/// The crates the `.dep-v0` section `section` lists, found at `location`.
pub fn packages(section: &[u8], location: &str) -> Vec<Package> {
    let mut json = Vec::new();
    let read = flate2::read::ZlibDecoder::new(section)
        .take(MAX_JSON + 1)
        .read_to_end(&mut json);
    if read.is_err() || json.len() as u64 > MAX_JSON {
        tracing::warn!("SBOM: {location}: unreadable or oversized {SECTION} section: skipped");
        return Vec::new();
    }
    let Ok(doc) = serde_json::from_slice::<Value>(&json) else {
        return Vec::new();
    };
    let Some(list) = doc.get("packages").and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .filter(|p| p.get("kind").and_then(Value::as_str) != Some("build"))
        .filter_map(|p| {
            let s = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_string);
            Some(Package {
                kind: "cargo",
                name: s("name")?,
                version: s("version")?,
                arch: String::new(),
                license: String::new(),
                location: location.to_string(),
            })
        })
        .collect()
}

/// `.dep-v0` sections for tests.
#[cfg(test)]
pub mod fixture {
    use std::io::Write;

    /// `json` compressed as cargo-auditable stores it.
    pub fn section(json: &[u8]) -> Vec<u8> {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(json).unwrap();
        z.finish().unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPS: &str = r#"{"packages":[
        {"name":"app","version":"0.1.0","source":"local","dependencies":[1,2],"root":true},
        {"name":"serde","version":"1.0.200","source":"crates.io"},
        {"name":"cc","version":"1.0.90","source":"crates.io","kind":"build"},
        {"name":"noversion","source":"crates.io"}]}"#;

    #[test]
    fn runtime_crates_are_listed() {
        let found = packages(&fixture::section(DEPS.as_bytes()), "usr/bin/app");
        let got: Vec<_> = found
            .iter()
            .map(|p| (p.kind, p.name.as_str(), p.version.as_str()))
            .collect();
        assert_eq!(
            got,
            [("cargo", "app", "0.1.0"), ("cargo", "serde", "1.0.200")]
        );
    }

    #[test]
    fn hostile_sections_give_nothing() {
        assert!(packages(b"not zlib at all", "x").is_empty());
        let good = fixture::section(DEPS.as_bytes());
        assert!(packages(&good[..good.len() / 2], "x").is_empty());
        assert!(packages(&fixture::section(b"[1,2,3]"), "x").is_empty());
        // A bomb: valid JSON padded with 64 MiB of spaces compresses to ~64 KiB;
        // decompression stops past the bound.
        let mut json = br#"{"packages":[{"name":"x","version":"1"}]}"#.to_vec();
        json.resize(64 << 20, b' ');
        assert!(serde_json::from_slice::<Value>(&json).is_ok());
        let bomb = fixture::section(&json);
        assert!(bomb.len() < 1 << 20);
        assert!(packages(&bomb, "x").is_empty());
    }
}
