//! Images: deterministic layers (tar, compression, digest and diff_id in one pass), image config
//! and manifests.
//!
//! * [`layer`] turns a directory tree (a COPY result) or an overlayfs upper dir (a RUN result)
//!   into a layer blob: a deterministic tar, compressed while it is produced, with its digest,
//!   diff_id and size computed in the same streaming pass.
//! * [`config`] is the image config document and how each Dockerfile instruction changes it.
//! * [`manifest`] writes a finished image (config + manifest over its layers) into the store.
//! * [`index`] joins the images of several platforms into an OCI image index.
//! * [`attestation`] attaches in-toto statements (provenance, SBOM) as BuildKit does.
//! * [`sbom`] lists the packages in an image as an SPDX document.
//! * [`size`] says why an image is as big as it is (layers by size, their largest files).

pub mod attestation;
pub mod config;
pub mod index;
pub mod layer;
pub mod manifest;
pub mod sbom;
pub mod size;
