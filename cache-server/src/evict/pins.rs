//! Pins: a push holds one on a digest from storing its bytes to linking them, and eviction
//! deletes bytes only while none is held.

use super::*;

/// Digests a request is storing or linking right now, whose bytes eviction must not delete
/// meanwhile. The registry holds a [`Pin`] from before it writes a blob to the store until it has
/// linked it (and around a cross-repository mount's check and link); eviction deletes a blob's
/// bytes only while no pin on it is held, and nobody pins it until the delete is done. So a push
/// either completes before (the blob is linked again and kept) or starts after (it writes the
/// bytes anew). Pins are per process: replicas sharing one S3 store need more than this.
#[derive(Debug, Default)]
pub struct Pins {
    locks: std::sync::Mutex<HashMap<String, Weak<RwLock<()>>>>,
}

/// A held pin on a digest (see [`Pins`]); dropping it releases the pin.
#[derive(Debug)]
pub struct Pin {
    _guard: OwnedRwLockReadGuard<()>,
}

impl Pins {
    /// No pins.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock_for(&self, digest: &str) -> Arc<RwLock<()>> {
        let mut locks = self
            .locks
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(lock) = locks.get(digest).and_then(Weak::upgrade) {
            return lock;
        }
        if locks.len() >= 1024 {
            locks.retain(|_, lock| lock.strong_count() > 0);
        }
        let lock = Arc::new(RwLock::new(()));
        locks.insert(digest.to_string(), Arc::downgrade(&lock));
        lock
    }

    /// Pins `digest` until the returned [`Pin`] is dropped; waits while eviction is deleting it.
    pub async fn pin(&self, digest: &str) -> Pin {
        Pin {
            _guard: self.lock_for(digest).read_owned().await,
        }
    }

    /// Waits until no pin on `digest` is held and keeps new ones out until the guard is dropped.
    pub(super) async fn exclusive(&self, digest: &str) -> OwnedRwLockWriteGuard<()> {
        self.lock_for(digest).write_owned().await
    }
}
