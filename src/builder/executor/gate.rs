//! One stage key at a time: the plans of a multi-platform build run side by side, and a stage
//! they share (`FROM --platform=$BUILDPLATFORM` with the same inputs, so the same key) must run
//! once. The first plan to reach it runs it; the others wait for it and then find each of its
//! steps in the cache, as BuildKit's solver merges equal vertices.

use std::collections::BTreeSet;
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

use super::Cancel;
use crate::digest::Digest;

/// How often a waiting stage looks at the cancellation.
const TICK: Duration = Duration::from_millis(100);

/// The stage keys being built now.
#[derive(Debug, Default)]
pub(super) struct StageGate {
    running: Mutex<BTreeSet<Digest>>,
    changed: Condvar,
}

/// Holds a key: dropped, the next stage with that key may start.
pub(super) struct Held<'a> {
    gate: &'a StageGate,
    key: Digest,
}

impl StageGate {
    /// Waits until no other plan builds a stage with `key`, then holds it; `None` when the
    /// build was cancelled while waiting.
    pub(super) fn enter(&self, key: &Digest, cancel: &Cancel) -> Option<Held<'_>> {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        while running.contains(key) {
            if cancel.is_cancelled() {
                return None;
            }
            running = self
                .changed
                .wait_timeout(running, TICK)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        running.insert(key.clone());
        Some(Held {
            gate: self,
            key: key.clone(),
        })
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        self.gate
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.key);
        self.gate.changed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn one_holder_per_key_and_other_keys_pass() {
        let gate = StageGate::default();
        let cancel = Cancel::new(None);
        let a = Digest::of(b"a");
        let b = Digest::of(b"b");
        let inside = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    let _held = gate.enter(&a, &cancel).unwrap();
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    inside.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        assert_eq!(most.load(Ordering::SeqCst), 1);
        let _held_a = gate.enter(&a, &cancel).unwrap();
        assert!(
            gate.enter(&b, &cancel).is_some(),
            "another key is not held up"
        );
    }

    #[test]
    fn a_cancelled_build_stops_waiting() {
        let gate = StageGate::default();
        let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let cancel = Cancel::new(Some(flag.clone()));
        let key = Digest::of(b"k");
        let _held = gate.enter(&key, &cancel).unwrap();
        std::thread::scope(|s| {
            let waiter = s.spawn(|| gate.enter(&key, &cancel).is_none());
            std::thread::sleep(Duration::from_millis(50));
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
            assert!(waiter.join().unwrap());
        });
    }
}
