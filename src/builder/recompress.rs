//! The final image's layers in the compression the build asks for. A stage whose layers exist
//! only in caches writes them as zstd (they decompress several times faster on the runner that
//! imports them); when such a layer later ends up in an image (another `--target`), it is
//! recompressed here. The diff_id, and so the chain id and the snapshot, stay the same; only
//! the blob's digest, size and media type change. Layers of base images are left as they are.
//! A lazy layer (`crate::store::lazy`) has its blob made here, in the compression wanted.

use std::io::BufReader;

use super::BuildError;
use super::layers::{BlobOrigin, LayerRef, Materializer};
use crate::image::layer::{Compression, LayerDescriptor, recompress};

/// `layers` with every layer a step made in another compression than `want` recompressed into
/// the store (its blob fetched first when the store lacks it).
pub fn conform(
    materializer: &Materializer<'_>,
    layers: Vec<LayerRef>,
    want: Compression,
) -> Result<Vec<LayerRef>, BuildError> {
    let mut out = Vec::with_capacity(layers.len());
    for l in layers {
        if super::lazy::is_lazy(materializer.store, &l.desc) {
            let desc = super::lazy::realize(materializer.store, &l.desc, want)?;
            out.push(LayerRef {
                desc,
                chain_id: l.chain_id,
                origin: None,
            });
            continue;
        }
        let from_base = matches!(l.origin, Some(BlobOrigin::Registry(_)));
        if from_base || l.desc.media_type == want.media_type() {
            out.push(l);
            continue;
        }
        materializer.ensure_blobs(std::slice::from_ref(&l))?;
        let store = materializer.store;
        let blob = store.blobs().open(&l.desc.digest)?;
        let stored = crate::store::Compression::from_media_type(&l.desc.media_type)
            .unwrap_or(crate::store::Compression::Auto);
        let io = |source: std::io::Error| crate::store::StoreError::Io {
            path: store.blobs().path(&l.desc.digest),
            source,
        };
        let tar = stored.decoder(BufReader::new(blob)).map_err(io)?;
        let (writer, _, _) = recompress(tar, want, store.writer(None)?).map_err(io)?;
        let (digest, size) = writer.commit()?;
        tracing::debug!(
            "layer {} ({}) recompressed as {digest} ({})",
            l.desc.digest,
            l.desc.media_type,
            want.media_type()
        );
        out.push(LayerRef {
            desc: LayerDescriptor {
                digest,
                diff_id: l.desc.diff_id.clone(),
                size,
                media_type: want.media_type().to_string(),
            },
            chain_id: l.chain_id,
            origin: None,
        });
    }
    Ok(out)
}
