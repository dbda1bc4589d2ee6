//! Why an image is as big as it is: its layers by size with the instruction that made each
//! (from the config's history), and, for the largest layers, the largest files and directories
//! inside (read from the layer's tar stream). Used by `rbuild size IMAGE` and the build report.

use std::collections::HashMap;
use std::io::{self, Read};

use serde::Serialize;

use super::config::ImageConfig;
use crate::digest::Digest;
use crate::store::compression::Compression;

/// What is inside one layer, when it was read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Contents {
    /// Bytes of the regular files in the layer.
    pub unpacked: u64,
    /// Regular files in the layer.
    pub files: u64,
    /// The largest files: (path, bytes), largest first.
    pub largest_files: Vec<(String, u64)>,
    /// The directories holding the most bytes (files below them, at most three levels deep):
    /// (path, bytes), largest first.
    pub largest_dirs: Vec<(String, u64)>,
}

/// One layer of an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerSize {
    /// The blob's digest.
    pub digest: Digest,
    /// The blob's size (compressed, as pulled).
    pub size: u64,
    /// The instruction that made it (the config history's `created_by`), if recorded.
    pub created_by: String,
    /// What is inside, for the layers that were read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contents: Option<Contents>,
}

/// The instructions of `config`'s history entries that made a layer, in layer order.
pub fn layer_instructions(config: &ImageConfig, layers: usize) -> Vec<String> {
    let mut made: Vec<String> = config
        .history
        .iter()
        .filter(|h| !h.empty_layer)
        .map(|h| h.created_by.clone())
        .collect();
    made.resize(layers, String::new());
    made
}

/// Reads a layer blob (compressed as its bytes say) and keeps the `top` largest files and
/// directories.
pub fn read_contents(blob: impl Read, top: usize) -> io::Result<Contents> {
    let tar_stream = Compression::Auto.decoder(blob)?;
    let mut archive = tar::Archive::new(tar_stream);
    let mut files: Vec<(String, u64)> = Vec::new();
    let mut dirs: HashMap<String, u64> = HashMap::new();
    let mut out = Contents::default();
    for entry in archive.entries()? {
        let entry = entry?;
        if entry.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let size = entry.size();
        let path = entry
            .path()?
            .to_string_lossy()
            .trim_start_matches("./")
            .to_string();
        out.unpacked += size;
        out.files += 1;
        let parts: Vec<&str> = path.split('/').collect();
        for depth in 1..parts.len().min(4) {
            *dirs
                .entry(format!("/{}", parts[..depth].join("/")))
                .or_default() += size;
        }
        files.push((format!("/{path}"), size));
    }
    files.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    files.truncate(top);
    let mut dirs: Vec<(String, u64)> = dirs.into_iter().collect();
    dirs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    dirs.truncate(top);
    out.largest_files = files;
    out.largest_dirs = dirs;
    Ok(out)
}

/// A bar of `width` cells for `n` out of `max`, at least one cell.
pub fn bar(n: u64, max: u64, width: usize) -> String {
    let cells = n
        .saturating_mul(width as u64)
        .checked_div(max)
        .map_or(1, |c| usize::try_from(c).unwrap_or(width).max(1));
    "█".repeat(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(files: &[(&str, usize)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (path, size) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(*size as u64);
            h.set_mode(0o644);
            b.append_data(&mut h, path, &vec![0u8; *size][..]).unwrap();
        }
        let tar = b.into_inner().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, &tar).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn the_largest_files_and_directories_of_a_gzip_layer() {
        let blob = layer(&[
            ("usr/lib/big.so", 5000),
            ("usr/lib/small.so", 100),
            ("usr/share/doc/readme", 700),
            ("app/main", 2000),
        ]);
        let c = read_contents(&blob[..], 2).unwrap();
        assert_eq!(c.unpacked, 7800);
        assert_eq!(c.files, 4);
        assert_eq!(
            c.largest_files,
            [
                ("/usr/lib/big.so".to_string(), 5000),
                ("/app/main".to_string(), 2000)
            ]
        );
        assert_eq!(
            c.largest_dirs,
            [("/usr".to_string(), 5800), ("/usr/lib".to_string(), 5100)]
        );
        assert_eq!(bar(50, 100, 10), "█████");
        assert_eq!(bar(1, 1000, 10), "█");
    }
}
