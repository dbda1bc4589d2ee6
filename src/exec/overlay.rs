//! The step's root filesystem: an overlayfs mount of the snapshot stack with an empty upper dir,
//! unmounted when the guard drops.
//!
//! Mounted with `redirect_dir=off,index=off,metacopy=off` (DESIGN.md, "Facts that trip builders")
//! so that the upper dir is a plain diff: a deleted path is a 0:0 character device, a replaced
//! directory carries `trusted.overlay.opaque=y`.
//!
//! Mounted `volatile` where the kernel has it (5.10+; retried without on older ones): overlayfs
//! then skips every sync of the upper dir, the step's own `fsync`s (dpkg makes thousands) and the
//! one at unmount, which is a `syncfs` of the whole upper file system: on a fresh runner it wrote
//! back the lower layers just unpacked (0.5 s for the rust corpus' 700 MB toolchain) before the
//! step's layer could be published. Nothing is lost by it: the upper dir becomes a snapshot under
//! `store::durability`'s rule (trusted in this boot only until the build's one sync), and a crash
//! during the step leaves a run directory that the next build removes.
//!
//! The kernel takes at most one page of mount options, which the absolute paths of a deep stack
//! (~100 bytes per snapshot) exceed at about 35 layers. A stack that long is named by short
//! `/proc/self/fd/N` paths of directories opened for the mount instead (overlayfs resolves each
//! lower dir when it mounts; the descriptors are closed right after): about 200 layers fit
//! (one page again, at ~20 bytes a layer; overlayfs itself stops at 500).

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rustix::mount::{MountFlags, UnmountFlags, mount, unmount};

use super::ExecError;
use super::error::IoContext;

/// The options every RUN overlay is mounted with.
pub const OVERLAY_OPTIONS: &str = "redirect_dir=off,index=off,metacopy=off";

/// Appended to [`OVERLAY_OPTIONS`] where the kernel takes it (see the module docs).
const VOLATILE: &str = ",volatile";

/// The largest mount option string the kernel takes (one page).
const MAX_OPTIONS: usize = 4095;

/// Whether a `volatile` overlay mount may be tried: cleared by the first kernel that refuses it.
static VOLATILE_WORKS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// The directories of one run's overlay, all under one run directory.
#[derive(Debug, Clone)]
pub struct OverlayDirs {
    /// The lower dirs, top first; an empty stack uses `empty`.
    pub lower: Vec<PathBuf>,
    /// An empty directory, the lower dir of an empty stack.
    pub empty: PathBuf,
    /// The upper dir: the step's changes.
    pub upper: PathBuf,
    /// Overlayfs' work dir.
    pub work: PathBuf,
    /// The mount point: the container's root.
    pub merged: PathBuf,
}

/// A mounted overlay; unmounted (lazily, if busy) on drop.
#[derive(Debug)]
pub struct OverlayMount {
    merged: PathBuf,
    mounted: bool,
}

impl OverlayDirs {
    /// The overlay option string for these dirs, the lower dirs named by their paths.
    pub fn options(&self) -> Result<String, ExecError> {
        self.options_with(&self.lower_paths())
    }

    /// The lower dirs to mount: the stack, or `empty` for an empty stack.
    fn lower_paths(&self) -> Vec<PathBuf> {
        if self.lower.is_empty() {
            vec![self.empty.clone()]
        } else {
            self.lower.clone()
        }
    }

    /// The option string with `lower` as the lower dirs.
    fn options_with(&self, lower: &[PathBuf]) -> Result<String, ExecError> {
        let mut all: Vec<&Path> = lower.iter().map(PathBuf::as_path).collect();
        all.extend([self.upper.as_path(), self.work.as_path()]);
        for p in all {
            let bytes = p.as_os_str().as_bytes();
            if bytes
                .iter()
                .any(|b| matches!(b, b',' | b':' | b'\\' | b'\0'))
            {
                return Err(ExecError::BadLowerPath {
                    path: p.to_path_buf(),
                    reason: "it contains `,`, `:` or `\\`",
                });
            }
        }
        let lowerdir = lower
            .iter()
            .map(|p| p.to_string_lossy())
            .collect::<Vec<_>>()
            .join(":");
        let options = format!(
            "lowerdir={lowerdir},upperdir={},workdir={},{OVERLAY_OPTIONS}",
            self.upper.display(),
            self.work.display()
        );
        if options.len() > MAX_OPTIONS {
            return Err(ExecError::BadLowerPath {
                path: self.lower.last().cloned().unwrap_or_default(),
                reason: "the stack of lower dirs is too long for one overlay mount (4 KiB of options)",
            });
        }
        Ok(options)
    }

    /// Whether the paths are fine but too long, so that naming the lower dirs by descriptor
    /// helps (a path with a forbidden character fails either way).
    fn options_fit_by_fd(&self) -> bool {
        let short: Vec<PathBuf> = (0..self.lower_paths().len())
            .map(|_| PathBuf::from("/proc/self/fd/1048576"))
            .collect();
        self.options_with(&short).is_ok()
            && self.lower_paths().iter().all(|p| {
                !p.as_os_str()
                    .as_bytes()
                    .iter()
                    .any(|b| matches!(b, b',' | b':' | b'\\' | b'\0'))
            })
    }

    /// Creates the upper, work, empty and merged dirs and mounts the overlay (a stack too long
    /// for one page of options named by descriptors, see the module docs).
    pub fn mount(&self) -> Result<OverlayMount, ExecError> {
        for d in [&self.empty, &self.upper, &self.work, &self.merged] {
            std::fs::create_dir_all(d).at("creating", d)?;
        }
        let plain = self.options();
        // Held open until the mount is made: the short names below point at them.
        let mut held = Vec::new();
        let options = match plain {
            Ok(options) => options,
            Err(ExecError::BadLowerPath { .. }) if self.options_fit_by_fd() => {
                let mut short = Vec::new();
                for dir in self.lower_paths() {
                    let f = std::fs::File::open(&dir).at("opening", &dir)?;
                    short.push(PathBuf::from(format!(
                        "/proc/self/fd/{}",
                        std::os::fd::AsRawFd::as_raw_fd(&f)
                    )));
                    held.push(f);
                }
                self.options_with(&short)?
            }
            Err(e) => return Err(e),
        };
        let volatile = format!("{options}{VOLATILE}");
        let mounted = if volatile.len() <= MAX_OPTIONS
            && VOLATILE_WORKS.load(std::sync::atomic::Ordering::Relaxed)
        {
            match mount_overlay(&self.merged, &volatile) {
                Err(rustix::io::Errno::INVAL) => {
                    VOLATILE_WORKS.store(false, std::sync::atomic::Ordering::Relaxed);
                    mount_overlay(&self.merged, &options)
                }
                other => other,
            }
        } else {
            mount_overlay(&self.merged, &options)
        };
        mounted.map_err(|e| ExecError::Mount {
            target: self.merged.clone(),
            options,
            source: e.into(),
        })?;
        drop(held);
        Ok(OverlayMount {
            merged: self.merged.clone(),
            mounted: true,
        })
    }
}

/// Mounts an overlay at `merged` with the option string `options`.
fn mount_overlay(merged: &Path, options: &str) -> rustix::io::Result<()> {
    // The options were checked for NUL bytes with the paths (`options_with`).
    let data = CString::new(options).map_err(|_| rustix::io::Errno::INVAL)?;
    mount(
        "overlay",
        merged,
        "overlay",
        MountFlags::empty(),
        Some(data.as_c_str()),
    )
}

impl OverlayMount {
    /// The mount point.
    pub fn merged(&self) -> &Path {
        &self.merged
    }

    /// Unmounts now (the upper dir is stable afterwards).
    pub fn unmount(mut self) -> Result<(), ExecError> {
        self.mounted = false;
        unmount(&self.merged, UnmountFlags::empty())
            .map_err(std::io::Error::from)
            .at("unmounting", &self.merged)
    }
}

impl Drop for OverlayMount {
    fn drop(&mut self) {
        if self.mounted {
            detach(&self.merged);
        }
    }
}

/// Unmounts `merged`, lazily when busy; errors are only logged (a cleanup path).
pub fn detach(merged: &Path) {
    if unmount(merged, UnmountFlags::empty()).is_err()
        && let Err(e) = unmount(merged, UnmountFlags::DETACH)
    {
        tracing::debug!("unmounting {}: {e}", merged.display());
    }
}
