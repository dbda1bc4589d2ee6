//! Ctrl-C during a build: while a [`Watch`] lives, SIGINT and SIGTERM only set a flag that the
//! scheduler polls ([`super::schedule::Cancel`]): no new step starts, running RUN containers are
//! killed, overlays are unmounted and scratch dirs removed, and the build returns an error. A
//! second signal, or one while no build is watched, terminates the process as usual.
//!
//! The handlers are installed once per process (signal-hook cannot restore the default action
//! when its last handler goes); outside a watch they emulate the default action.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::flag;

/// The process's handler state.
struct Shared {
    /// No build is watched: a signal does what it does by default.
    idle: Arc<AtomicBool>,
    /// A signal arrived during the current watch (a second one terminates).
    interrupted: Arc<AtomicBool>,
    /// How many watches are alive.
    watches: Mutex<usize>,
}

static SHARED: OnceLock<Result<Shared, String>> = OnceLock::new();

fn install() -> Result<Shared, String> {
    let shared = Shared {
        idle: Arc::new(AtomicBool::new(true)),
        interrupted: Arc::new(AtomicBool::new(false)),
        watches: Mutex::new(0),
    };
    for sig in [SIGINT, SIGTERM] {
        // Order matters: the checks run before the flag is set by this signal.
        flag::register_conditional_default(sig, shared.idle.clone())
            .and_then(|_| flag::register_conditional_default(sig, shared.interrupted.clone()))
            .and_then(|_| flag::register(sig, shared.interrupted.clone()))
            .map_err(|e| format!("installing the handler of signal {sig}: {e}"))?;
    }
    Ok(shared)
}

/// Signals are turned into a flag while this lives.
#[derive(Debug)]
pub struct Watch {
    flag: Arc<AtomicBool>,
}

impl Watch {
    /// Starts watching SIGINT and SIGTERM (installing the handlers on first use).
    pub fn start() -> Result<Watch, String> {
        let shared = SHARED.get_or_init(install).as_ref().map_err(Clone::clone)?;
        let mut n = shared
            .watches
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if *n == 0 {
            shared.interrupted.store(false, Ordering::SeqCst);
        }
        *n += 1;
        shared.idle.store(false, Ordering::SeqCst);
        Ok(Watch {
            flag: shared.interrupted.clone(),
        })
    }

    /// The flag a signal sets.
    pub fn flag(&self) -> Arc<AtomicBool> {
        self.flag.clone()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some(Ok(shared)) = SHARED.get() {
            let mut n = shared
                .watches
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            *n = n.saturating_sub(1);
            if *n == 0 {
                shared.idle.store(true, Ordering::SeqCst);
            }
        }
    }
}
