//! The registry client: resolve tags, pull and push blobs and manifests, with auth. (Placeholder.)
