//! Local state: the content store of blobs by digest and unpacked layers (snapshots) by chain id,
//! under `$RBUILD_HOME` (DESIGN.md, "Layers and execution"). (Placeholder.)
