//! The layer of a step that changed nothing. BuildKit commits every RUN as a layer, an empty
//! tar (1024 zero bytes: two end-of-archive blocks) when the step changed no file, so its
//! images have one layer per RUN and history entries that are never `empty_layer`. With gzip
//! its blob is the well-known 32 bytes `sha256:4f4fb700…` that Docker Hub images share; rbuild
//! writes the same bytes, so the blob is shared with theirs too.

use super::compress::{Compression, LayerDescriptor};
use crate::digest::Digest;

/// An empty tar archive: two zero blocks.
const EMPTY_TAR: [u8; 1024] = [0; 1024];

/// BuildKit's (Go's compress/gzip) gzip of [`EMPTY_TAR`].
const EMPTY_TAR_GZIP: [u8; 32] = [
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0x62, 0x18, 0x05, 0xa3, 0x60, 0x14,
    0x8c, 0x58, 0x00, 0x08, 0x00, 0x00, 0xff, 0xff, 0x2e, 0xaf, 0xb5, 0xef, 0x00, 0x04, 0x00, 0x00,
];

/// The empty layer's blob compressed as `compression` says, and its descriptor.
pub fn empty_layer(compression: Compression) -> (Vec<u8>, LayerDescriptor) {
    let bytes = match compression {
        Compression::None => EMPTY_TAR.to_vec(),
        Compression::Gzip { .. } => EMPTY_TAR_GZIP.to_vec(),
        Compression::Zstd { level } => {
            zstd::bulk::compress(&EMPTY_TAR, level).unwrap_or_else(|_| EMPTY_TAR.to_vec())
        }
    };
    let desc = LayerDescriptor {
        digest: Digest::of(&bytes),
        diff_id: Digest::of(&EMPTY_TAR),
        size: bytes.len() as u64,
        media_type: if bytes.len() == EMPTY_TAR.len() {
            Compression::None.media_type()
        } else {
            compression.media_type()
        }
        .to_string(),
    };
    (bytes, desc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_gzip_blob_is_buildkits_and_every_form_unpacks_to_an_empty_tar() {
        let (_, gz) = empty_layer(Compression::gzip());
        assert_eq!(
            gz.digest.as_str(),
            "sha256:4f4fb700ef54461cfa02571ae0db9a0dc1e0cdb5577484a6d75e68dc38e8acc1"
        );
        assert_eq!(
            gz.diff_id.as_str(),
            "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"
        );
        for c in [Compression::gzip(), Compression::zstd(), Compression::None] {
            let (bytes, desc) = empty_layer(c);
            let mut plain = Vec::new();
            crate::store::compression::Compression::Auto
                .decoder(bytes.as_slice())
                .unwrap()
                .read_to_end(&mut plain)
                .unwrap();
            assert_eq!(plain, EMPTY_TAR, "{c:?}");
            assert_eq!(desc.diff_id, Digest::of(&plain));
            assert!(
                tar::Archive::new(plain.as_slice())
                    .entries()
                    .unwrap()
                    .next()
                    .is_none()
            );
        }
    }
}
