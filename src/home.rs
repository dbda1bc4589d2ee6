//! Where rbuild keeps its local state (DESIGN.md, "Layers and execution"): `$RBUILD_HOME`, else
//! `/rbuild/state` when rbuild runs from its own image (its binary under `/rbuild`, the folder
//! the container isolation never touches), else `/var/lib/rbuild` for root, else
//! `$XDG_CACHE_HOME/rbuild` or `~/.cache/rbuild`.

use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};

/// The state directory.
pub fn state_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("RBUILD_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(home);
    }
    let in_own_image = std::env::current_exe()
        .is_ok_and(|exe| exe.starts_with(crate::exec::container::RBUILD_DIR));
    if is_root() && in_own_image {
        return Path::new(crate::exec::container::RBUILD_DIR).join("state");
    }
    if is_root() {
        return PathBuf::from("/var/lib/rbuild");
    }
    if let Some(xdg) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(xdg).join("rbuild");
    }
    match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        Some(h) => PathBuf::from(h).join(".cache").join("rbuild"),
        None => std::env::temp_dir().join("rbuild"),
    }
}

fn is_root() -> bool {
    // The owner of /proc/self is the effective uid; no libc call needed.
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

/// The hash-cache file for a build context: one per canonical context path, versioned.
pub fn hash_cache_file(state: &Path, context: &Path) -> PathBuf {
    let canonical = context
        .canonicalize()
        .unwrap_or_else(|_| context.to_path_buf());
    let id = hex::encode(Sha256::digest(canonical.as_os_str().as_encoded_bytes()));
    state.join("hashcache.v1").join(&id[..32])
}
