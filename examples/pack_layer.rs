//! Packs a directory into a layer blob, for `bench/layer-pack.sh` and manual checks:
//! `cargo run --release --example pack_layer -- DIR OUT [gzip|zstd|none] [LEVEL]`.
//! Prints the layer descriptor as JSON. `SOURCE_DATE_EPOCH` is honoured.

use std::io::BufWriter;

use anyhow::{Context, bail};
use rbuild::image::layer::{Compression, DirSource, LayerOptions, write_layer};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(dir), Some(out)) = (args.first(), args.get(1)) else {
        bail!("usage: pack_layer DIR OUT [gzip|zstd|none] [LEVEL]");
    };
    let level = args.get(3).map(|l| l.parse::<i32>()).transpose()?;
    let compression = match args.get(2).map_or("gzip", String::as_str) {
        "gzip" => Compression::Gzip {
            level: level.map_or(Compression::DEFAULT_GZIP_LEVEL, |l| l.clamp(0, 9) as u32),
        },
        "zstd" => Compression::Zstd {
            level: level.unwrap_or(Compression::DEFAULT_ZSTD_LEVEL),
        },
        "none" => Compression::None,
        other => bail!("unknown compression {other:?}: want gzip, zstd or none"),
    };
    let source_date_epoch = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => Some(v.parse().context("SOURCE_DATE_EPOCH")?),
        Err(_) => None,
    };
    let options = LayerOptions {
        compression,
        source_date_epoch,
    };
    let file = std::fs::File::create(out).with_context(|| format!("creating {out}"))?;
    let entries = DirSource::new(dir).entries()?;
    let (desc, writer) = write_layer(entries, &options, BufWriter::with_capacity(1 << 20, file))?;
    writer
        .into_inner()
        .map_err(|e| e.into_error())?
        .sync_all()?;
    println!("{}", serde_json::to_string(&desc)?);
    Ok(())
}
