//! Making the blob of a lazy layer (`crate::store::lazy`) when something needs its bytes: a
//! cache export, an image that holds the layer, an output. The layer is written again from its
//! snapshot, compressed as wanted, and kept only if its diff_id is the one recorded (the snapshot
//! holds the very files the step's layer was hashed from, so it is, unless the snapshot was
//! tampered with). The caller uses the new descriptor; the lazy marker stays (another record
//! may name the same layer). An image output made again later makes its blob again: only a cache
//! export stores the made descriptor in the record.

use super::BuildError;
use crate::cache::CacheRecord;
use crate::digest::Digest;
use crate::image::layer::{Compression, LayerDescriptor, LayerOptions, OverlaySource, write_layer};
use crate::store::Store;
use crate::store::lazy::LAZY_MEDIA_TYPE;

/// Whether `desc` is a lazy layer of `store` (its blob not made yet).
pub fn is_lazy(store: &Store, desc: &LayerDescriptor) -> bool {
    desc.media_type == LAZY_MEDIA_TYPE
        && desc.digest == desc.diff_id
        && !store.blobs().has(&desc.digest)
        && store.lazy_snapshot(&desc.digest).is_some()
}

/// The blob of lazy layer `desc` written into `store` from its snapshot as `compression`, and
/// its descriptor. An error when the snapshot is gone or no longer hashes to the diff_id.
pub fn realize(
    store: &Store,
    desc: &LayerDescriptor,
    compression: Compression,
) -> Result<LayerDescriptor, BuildError> {
    let fail = |message: String| BuildError::LazyLayer {
        digest: desc.digest.clone(),
        message,
    };
    let chain_id: Digest = store
        .lazy_snapshot(&desc.digest)
        .ok_or_else(|| fail("its snapshot is gone".into()))?;
    let root = store.snapshot_path(&chain_id);
    let entries = OverlaySource::new(&root)
        .entries()
        .map_err(|e| fail(e.to_string()))?;
    let options = LayerOptions {
        compression,
        source_date_epoch: None,
    };
    let (made, writer) =
        write_layer(entries, &options, store.writer(None)?).map_err(|e| fail(e.to_string()))?;
    if made.diff_id != desc.diff_id {
        // Dropping the writer discards the blob.
        drop(writer);
        return Err(fail(format!(
            "its snapshot {} now makes diff_id {}",
            root.display(),
            made.diff_id
        )));
    }
    writer.commit()?;
    tracing::debug!(
        "lazy layer {} made as {} ({})",
        desc.digest,
        made.digest,
        made.media_type
    );
    Ok(made)
}

/// `record` with its layer's blob made (as zstd, the compression of layers that live only in
/// caches) when it is lazy, and the record stored again under its key in `cache` so later
/// builds use the blob; `record` itself otherwise. The lazy marker stays: another record (the
/// step's other key) may name the same lazy layer.
pub fn realize_record(
    store: &Store,
    cache: &dyn super::StepCache,
    record: CacheRecord,
) -> Result<CacheRecord, BuildError> {
    let Some(layer) = record.layer.as_ref().filter(|l| is_lazy(store, l)) else {
        return Ok(record);
    };
    let made = realize(store, layer, Compression::zstd())?;
    let lazy_digest = layer.digest.clone();
    let record = CacheRecord {
        layer: Some(made),
        ..record
    };
    cache.put(&record).map_err(|e| BuildError::LazyLayer {
        digest: lazy_digest,
        message: format!("storing its step's record again: {e}"),
    })?;
    Ok(record)
}
