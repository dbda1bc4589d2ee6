//! Image outputs, as buildx's `--output` writes them, from a finished image in the store.
//!
//! * [`spec`] parses `--output` (`type=oci,dest=out.tar`, `type=docker,dest=x.tar,name=a:b`);
//!   [`name`] spells image names the ways each file wants them.
//! * `type=oci` writes an OCI image layout: a directory, created or updated in place with blobs
//!   hard-linked from the store when it can, or a tar archive.
//! * `type=docker` writes a tar archive that `docker load` takes and that is also an OCI layout:
//!   Docker's `manifest.json` (and `repositories`) beside `index.json`, as buildx and Docker 25+
//!   write them.
//! * [`metadata`] writes `--iidfile` and `--metadata-file`.
//!
//! Archives are deterministic (sorted entries, fixed headers): the same image exported twice
//! gives the same bytes. Files are written under temp names and renamed into place, so a killed
//! export leaves the previous output (or none), never a half one.

mod archive;
mod daemon;
mod documents;
pub mod error;
mod files;
mod layout;
pub mod metadata;
pub mod name;
pub mod spec;

pub use error::{OutputError, Result};
pub use metadata::{write_iidfile, write_metadata_file};
pub use name::ImageName;
pub use spec::{Destination, OutputKind, OutputSpec};

use crate::image::index::Built;
use crate::store::Store;

/// Exports `built` (an image, or the index of a multi-platform build), whose blobs are all in
/// `store`, as `spec` says. A docker archive holds one platform: an index is refused with
/// BuildKit's message.
pub fn export(store: &Store, built: &Built, spec: &OutputSpec) -> Result<()> {
    match spec.destination() {
        Destination::Dir(dir) => layout::export_dir(store, built, &spec.names, &dir),
        Destination::Tar(file) => {
            archive::export_tar_file(store, built, spec.kind, &spec.names, &file)
        }
        Destination::Stdout => archive::export_stdout(store, built, spec.kind, &spec.names),
        Destination::Daemon => daemon::load(store, built, &spec.names),
    }
}
