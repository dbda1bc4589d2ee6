//! The image's filesystem as the SBOM sees it: its layers read bottom first, whiteouts applied,
//! keeping only what names packages — metadata files (bytes) and executables (the packages
//! their build info lists, read while the layer streams by).
//!
//! Bounds: metadata files as [`metadata::interesting`] says; executables up to
//! [`MAX_EXECUTABLE`] bytes, read through [`elf::sections`]' windows, one at a time.

use std::collections::BTreeMap;
use std::io::Read;

use super::{Package, SbomError, cargo, elf, golang, metadata};
use crate::image::manifest::BuiltImage;
use crate::store::Store;
use crate::store::compression::Compression;

/// The largest executable whose build info is read.
pub const MAX_EXECUTABLE: u64 = 256 << 20;

/// What a path of the image holds, for the SBOM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A metadata file's bytes.
    Metadata(Vec<u8>),
    /// The packages built into an executable.
    Binary(Vec<Package>),
}

/// The packages an executable's sections list, found at `path`.
fn binary_packages(stream: &mut impl Read, size: u64, path: &str) -> std::io::Result<Vec<Package>> {
    let mut out = Vec::new();
    for (name, bytes) in elf::sections(stream, size, &[golang::SECTION, cargo::SECTION])? {
        if name == golang::SECTION {
            out.extend(golang::packages(&bytes, path));
        } else {
            out.extend(cargo::packages(&bytes, path));
        }
    }
    Ok(out)
}

/// Applies the whiteout `name` in `dir` to `files`; false when `name` is no whiteout.
fn whiteout(files: &mut BTreeMap<String, Found>, dir: &str, name: &str) -> bool {
    if name == ".wh..wh..opq" {
        let prefix = format!("{dir}/");
        files.retain(|p, _| !p.starts_with(&prefix));
        return true;
    }
    let Some(gone) = name.strip_prefix(".wh.") else {
        return false;
    };
    let gone = if dir.is_empty() {
        gone.to_string()
    } else {
        format!("{dir}/{gone}")
    };
    let prefix = format!("{gone}/");
    files.retain(|p, _| *p != gone && !p.starts_with(&prefix));
    true
}

/// Adds one layer's entries (a tar stream) to `files`.
pub fn apply_layer(files: &mut BTreeMap<String, Found>, stream: impl Read) -> std::io::Result<()> {
    let mut archive = tar::Archive::new(stream);
    for entry in archive.entries()? {
        let mut entry = entry?;
        let raw = entry.path_bytes().into_owned();
        let path = String::from_utf8_lossy(&raw)
            .trim_start_matches("./")
            .trim_start_matches('/')
            .trim_end_matches('/')
            .to_string();
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", &path));
        if whiteout(files, dir, name) {
            continue;
        }
        let kind = entry.header().entry_type();
        if !kind.is_dir() {
            // A file, link or device replacing a path: what it held is gone.
            files.remove(&path);
        }
        if !kind.is_file() {
            continue;
        }
        let size = entry.header().size().unwrap_or(u64::MAX);
        if let Some(limit) = metadata::interesting(&path) {
            if size > limit {
                tracing::warn!("SBOM: {path} is {size} bytes, more than {limit}: skipped");
                continue;
            }
            let mut bytes = Vec::with_capacity(size as usize);
            entry.by_ref().take(limit).read_to_end(&mut bytes)?;
            files.insert(path, Found::Metadata(bytes));
        } else if entry.header().mode().unwrap_or(0) & 0o111 != 0 && size <= MAX_EXECUTABLE {
            let found = binary_packages(&mut entry, size, &path)?;
            if !found.is_empty() {
                files.insert(path, Found::Binary(found));
            }
        }
    }
    Ok(())
}

/// The metadata files and executables' packages of `image`'s filesystem, as the top layer
/// leaves them.
pub fn scan(store: &Store, image: &BuiltImage) -> Result<BTreeMap<String, Found>, SbomError> {
    let mut files = BTreeMap::new();
    for layer in &image.layers {
        let err = |source| SbomError::Layer {
            digest: layer.digest.clone(),
            source,
        };
        let blob = store
            .blobs()
            .open(&layer.digest)
            .map_err(|e| err(std::io::Error::other(e.to_string())))?;
        let stream = Compression::Auto.decoder(blob).map_err(err)?;
        apply_layer(&mut files, stream).map_err(err)?;
    }
    Ok(files)
}

/// Layer tars for tests.
#[cfg(test)]
pub mod fixture {
    /// A tar of `(path, mode, bytes)` regular files.
    pub fn layer(files: &[(&str, u32, &[u8])]) -> Vec<u8> {
        let mut tar = tar::Builder::new(Vec::new());
        for (path, mode, bytes) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(bytes.len() as u64);
            h.set_mode(*mode);
            h.set_entry_type(tar::EntryType::Regular);
            tar.append_data(&mut h, path, *bytes).unwrap();
        }
        tar.into_inner().unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::fixture::layer;
    use super::*;

    fn go_binary(module: &str) -> Vec<u8> {
        let info = golang::fixture::section(
            "go1.22.1",
            &format!("path\t{module}\nmod\t{module}\tv1.0.0\t\n"),
        );
        elf::fixture::elf64(&[(".text", b"code"), (golang::SECTION, &info)])
    }

    fn names(files: &BTreeMap<String, Found>) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (path, found) in files {
            if let Found::Binary(found) = found {
                out.extend(found.iter().map(|p| (path.clone(), p.name.clone())));
            }
        }
        out
    }

    #[test]
    fn executables_with_build_info_are_kept() {
        let go = go_binary("example.com/a");
        let deps = cargo::fixture::section(br#"{"packages":[{"name":"app","version":"1.0.0"}]}"#);
        let rust = elf::fixture::elf64(&[(cargo::SECTION, &deps)]);
        let mut files = BTreeMap::new();
        let tar = layer(&[
            ("usr/bin/a", 0o755, &go),
            ("usr/bin/rs", 0o755, &rust),
            ("data/not-exec", 0o644, &go),
            ("usr/bin/script", 0o755, b"#!/bin/sh\n"),
        ]);
        apply_layer(&mut files, &tar[..]).unwrap();
        assert_eq!(
            names(&files),
            [
                ("usr/bin/a".to_string(), "example.com/a".to_string()),
                ("usr/bin/a".to_string(), "stdlib".to_string()),
                ("usr/bin/rs".to_string(), "app".to_string()),
            ]
        );
    }

    #[test]
    fn a_later_layer_removes_or_replaces_a_binary() {
        let a = go_binary("example.com/a");
        let mut files = BTreeMap::new();
        let first = layer(&[
            ("bin/a", 0o755, &a),
            ("bin/b", 0o755, &a),
            ("opt/x/c", 0o755, &a),
        ]);
        apply_layer(&mut files, &first[..]).unwrap();
        assert_eq!(files.len(), 3);
        let second = layer(&[
            ("bin/.wh.a", 0o644, b""),
            ("bin/b", 0o755, b"#!/bin/sh\n"),
            ("opt/x/.wh..wh..opq", 0o644, b""),
        ]);
        apply_layer(&mut files, &second[..]).unwrap();
        assert!(files.is_empty(), "{files:?}");
    }

    #[test]
    fn the_rpm_database_is_kept_and_whiteouts_apply() {
        let db = include_bytes!("../../../tests/data/sbom/rpmdb-4096.sqlite");
        let mut files = BTreeMap::new();
        let first = layer(&[
            ("var/lib/rpm/rpmdb.sqlite", 0o644, db),
            ("usr/lib/sysimage/rpm/rpmdb.sqlite", 0o644, db),
            ("var/lib/rpm/Packages", 0o644, b"old"),
        ]);
        apply_layer(&mut files, &first[..]).unwrap();
        assert_eq!(
            files.keys().collect::<Vec<_>>(),
            [
                "usr/lib/sysimage/rpm/rpmdb.sqlite",
                "var/lib/rpm/rpmdb.sqlite"
            ]
        );
        assert_eq!(
            files["var/lib/rpm/rpmdb.sqlite"],
            Found::Metadata(db.to_vec())
        );
        let second = layer(&[
            ("var/lib/rpm/.wh.rpmdb.sqlite", 0o644, b""),
            ("usr/lib/sysimage/.wh..wh..opq", 0o644, b""),
        ]);
        apply_layer(&mut files, &second[..]).unwrap();
        assert!(files.is_empty(), "{files:?}");
    }
}
