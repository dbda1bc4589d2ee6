//! One layer through every streaming path of the library, one phase per process so that
//! `bench/stream-1g.sh` can measure each phase's wall time and peak RSS with `/usr/bin/time -v`:
//!
//! ```text
//! stream_layer pack   STORE TREE gzip|zstd [LEVEL]  packs TREE into a layer blob in STORE and
//!                                                   assembles a one-layer image; prints its
//!                                                   manifest digest
//! stream_layer push   STORE MANIFEST_DIGEST REF     pushes that image to REF (host/repo:tag)
//! stream_layer pull   STORE REF                     resolves REF (linux/amd64) and fetches its
//!                                                   config and layers into STORE; prints the
//!                                                   manifest digest
//! stream_layer unpack STORE MANIFEST_DIGEST         unpacks the image's layers as snapshots;
//!                                                   prints the top snapshot's directory
//! ```
//!
//! STORE is a state directory ([`Store::open`]); `SOURCE_DATE_EPOCH` is honoured by `pack`.
//! Registries on loopback are spoken to over plain HTTP; `~/.docker/config.json` gives
//! credentials as for `rbuild`.

use anyhow::{Context, bail};
use rbuild::digest::Digest;
use rbuild::image::config::ImageConfig;
use rbuild::image::layer::{Compression, DirSource, LayerOptions, write_layer};
use rbuild::image::manifest::{BuiltImage, Descriptor, Manifest, PlatformSpec, assemble};
use rbuild::oci::reference::Reference;
use rbuild::plan::Platform;
use rbuild::registry::{PushOptions, Registry, RegistryOptions};
use rbuild::store::{Compression as StoreCompression, Store, chain_id};
use std::path::Path;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| -> anyhow::Result<&str> {
        args.get(i)
            .map(String::as_str)
            .context("usage: stream_layer pack|push|pull|unpack STORE ... (see the source)")
    };
    let store = Store::open(Path::new(arg(1)?))?;
    match arg(0)? {
        "pack" => println!("{}", pack(&store, arg(2)?, arg(3)?, args.get(4))?),
        "push" => {
            let image = stored_image(&store, &digest(arg(2)?)?)?;
            let target = Reference::parse(arg(3)?).map_err(anyhow::Error::msg)?;
            let report = registry()?
                .push(&store, &image, &target, &PushOptions::default())
                .await?;
            eprintln!("{report:?}");
        }
        "pull" => {
            let reference = Reference::parse(arg(2)?).map_err(anyhow::Error::msg)?;
            let c = registry()?;
            let r = c
                .resolve(
                    &reference,
                    &Platform::parse("linux/amd64").map_err(anyhow::Error::msg)?,
                )
                .await?;
            let m: Manifest = serde_json::from_slice(&r.manifest_bytes)?;
            for d in [&m.config].into_iter().chain(&m.layers) {
                let mut w = store.writer(Some(&d.digest))?;
                c.fetch_blob(&r.repository, &d.digest, &mut w).await?;
                w.commit()?;
            }
            store.put_bytes(&r.manifest_bytes)?;
            println!("{}", r.manifest_digest);
        }
        "unpack" => {
            let image = stored_image(&store, &digest(arg(2)?)?)?;
            let config: ImageConfig =
                serde_json::from_reader(store.blobs().open(&image.config.digest)?)?;
            let diff_ids = config
                .rootfs
                .diff_ids
                .iter()
                .map(|d| digest(d))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let mut top = None;
            for (i, layer) in image.layers.iter().enumerate() {
                let id = chain_id(&diff_ids[..=i]).context("no layers")?;
                let compression = StoreCompression::from_media_type(&layer.media_type)
                    .with_context(|| format!("{} is not a layer", layer.media_type))?;
                let blob =
                    std::io::BufReader::with_capacity(1 << 20, store.blobs().open(&layer.digest)?);
                top = Some(store.unpack(&id, blob, compression, Some(&diff_ids[i]))?);
            }
            println!("{}", top.context("no layers")?.display());
        }
        other => bail!("unknown phase {other:?}: want pack, push, pull or unpack"),
    }
    Ok(())
}

/// Packs `tree` into a layer in `store` and assembles a one-layer linux/amd64 image over it.
fn pack(store: &Store, tree: &str, kind: &str, level: Option<&String>) -> anyhow::Result<Digest> {
    let level = level.map(|l| l.parse::<i32>()).transpose()?;
    let compression = match kind {
        "gzip" => Compression::Gzip {
            level: level.map_or(Compression::DEFAULT_GZIP_LEVEL, |l| l.clamp(0, 9) as u32),
        },
        "zstd" => Compression::Zstd {
            level: level.unwrap_or(Compression::DEFAULT_ZSTD_LEVEL),
        },
        other => bail!("unknown compression {other:?}: want gzip or zstd"),
    };
    let source_date_epoch = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => Some(v.parse().context("SOURCE_DATE_EPOCH")?),
        Err(_) => None,
    };
    let options = LayerOptions {
        compression,
        source_date_epoch,
    };
    let entries = DirSource::new(tree).entries()?;
    let (layer, writer) = write_layer(entries, &options, store.writer(None)?)?;
    writer.commit()?;
    let config = ImageConfig {
        architecture: "amd64".into(),
        os: "linux".into(),
        ..ImageConfig::default()
    };
    Ok(assemble(store, &config, &[layer])?.manifest.digest)
}

/// The image whose manifest is the blob `manifest` of `store`.
fn stored_image(store: &Store, manifest: &Digest) -> anyhow::Result<BuiltImage> {
    let bytes = std::fs::read(store.blobs().path(manifest))
        .with_context(|| format!("manifest {manifest} is not in the store"))?;
    let m: Manifest = serde_json::from_slice(&bytes)?;
    Ok(BuiltImage {
        manifest: Descriptor {
            media_type: m.media_type.clone(),
            digest: manifest.clone(),
            size: bytes.len() as u64,
            annotations: Default::default(),
            platform: None,
        },
        config: m.config,
        layers: m.layers,
        platform: PlatformSpec {
            architecture: "amd64".into(),
            os: "linux".into(),
            variant: String::new(),
        },
    })
}

fn digest(s: &str) -> anyhow::Result<Digest> {
    Digest::parse(s).with_context(|| format!("{s:?} is not a sha256 digest"))
}

fn registry() -> anyhow::Result<Registry> {
    Ok(Registry::new(&RegistryOptions::default())?)
}
