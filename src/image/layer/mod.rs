//! Deterministic layers: the same tree gives the same bytes, on any machine, whatever the readdir
//! order, inode numbers or creation order.
//!
//! A layer is made in three steps that stream into each other, never holding the layer in memory:
//!
//! 1. A source yields [`Entry`] values in layer order: [`DirSource`] for a plain directory tree
//!    (COPY results, with a target prefix and `--chown`/`--chmod` overrides) and
//!    [`OverlaySource`] for an overlayfs upper dir (RUN results: whiteouts and opaque dirs become
//!    OCI `.wh.` entries); [`ChangesSource`] for a root and the changes two stat walks found (RUN
//!    results of the in-container isolation, in the same shape).
//! 2. [`TarWriter`] writes each entry with normalized headers (see [`tar_writer`]).
//! 3. [`write_layer`] runs the tar on a second thread and compresses on the caller's thread, like
//!    `tar | gzip`, computing the diff_id (sha256 of the tar), the blob digest and its size on the
//!    way, and returns a [`LayerDescriptor`].
//!
//! Layer order: entries sorted by path, compared component by component (as Go's
//! `filepath.Walk`, so a directory comes right before its contents, `a/b` before `a-b`); in an
//! overlay layer a directory's opaque marker comes right after the directory, before its other
//! entries. Hard links to a file already in the layer (same device and inode) become tar link
//! entries to the first path in that order.

pub mod changes;
pub mod compress;
pub mod empty;
pub mod entries;
pub mod overlay;
pub mod pipeline;
pub mod tar_writer;
pub mod walk;

use std::io;
use std::path::PathBuf;

pub use changes::{Change, ChangesSource};
pub use compress::{Compression, LayerDescriptor, recompress};
pub use empty::empty_layer;
pub use entries::{Entry, EntryKind, FileData, Xattrs};
pub use overlay::OverlaySource;
pub use pipeline::{LayerOptions, diff_of, write_layer};
pub use tar_writer::TarWriter;
pub use walk::DirSource;

/// What can go wrong while making a layer.
#[derive(Debug, thiserror::Error)]
pub enum LayerError {
    /// Reading something from the source tree failed.
    #[error("reading `{}`", path.display())]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// The system error.
        #[source]
        source: io::Error,
    },
    /// A file's size changed between its stat and the end of reading it.
    #[error("`{}` changed while it was read: {expected} bytes expected, {actual} read", path.display())]
    FileChanged {
        /// The file.
        path: PathBuf,
        /// Its size when stat'ed.
        expected: u64,
        /// What reading found (at least one byte more than expected when it grew).
        actual: u64,
    },
    /// A path to include does not exist below the root.
    #[error("`{}` does not exist", path.display())]
    NotFound {
        /// The missing path.
        path: PathBuf,
    },
    /// A path given by the caller is not a clean relative path (empty component, `.` or `..`).
    #[error("`{}` is not a clean relative path", String::from_utf8_lossy(path))]
    BadPath {
        /// The path as given.
        path: Vec<u8>,
    },
    /// The overlay upper dir uses a feature whose diff is not a plain tree (mount with
    /// `redirect_dir=off,index=off,metacopy=off`).
    #[error("`{}` carries the overlay xattr `{xattr}`: mount overlayfs with redirect_dir=off,metacopy=off", path.display())]
    UnsupportedOverlay {
        /// The file or directory.
        path: PathBuf,
        /// The xattr found.
        xattr: String,
    },
    /// Writing the compressed layer to its destination failed.
    #[error("writing the layer")]
    Write(#[source] io::Error),
    /// The tar thread stopped without an answer (it panicked).
    #[error("the tar thread stopped unexpectedly")]
    TarThread,
}
