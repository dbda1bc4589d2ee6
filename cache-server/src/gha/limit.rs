//! `limits.gha_uploads_per_minute`: at most that many `CreateCacheEntry` calls are admitted in
//! any sliding minute for each scope written (a token's branch or pull request, as GitHub
//! counts per repository), so that one caller cannot spend everyone's budget (and a read-only
//! caller, refused before it is counted, spends none); beyond it the call is answered HTTP 429 with
//! `Retry-After: <seconds until a slot frees>`, as GitHub's cache service answers a repository
//! that saves more than about 200 entries a minute. It lets clients be tested against a 429
//! storm; 0 (the default) admits everything.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The window the rate is counted over.
const WINDOW: Duration = Duration::from_secs(60);

/// A sliding-window limit on entry creations, per scope.
#[derive(Debug)]
pub struct UploadLimiter {
    per_minute: usize,
    /// Per scope, when the admitted calls of the last minute were admitted, oldest first.
    admitted: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl UploadLimiter {
    /// A limiter admitting `per_minute` calls a minute; `None` for 0 (unlimited).
    pub fn new(per_minute: u64) -> Option<Self> {
        let per_minute = usize::try_from(per_minute).unwrap_or(usize::MAX);
        (per_minute > 0).then(|| Self {
            per_minute,
            admitted: Mutex::new(HashMap::new()),
        })
    }

    /// Admits a call writing `scope` at `now`, or says after how many whole seconds (at least
    /// 1) to retry.
    pub fn admit(&self, scope: &str, now: Instant) -> Result<(), u64> {
        let mut all = self
            .admitted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Scopes with nothing in the window are forgotten: the map holds only active writers.
        all.retain(|_, calls| {
            calls
                .back()
                .is_some_and(|t| now.saturating_duration_since(*t) < WINDOW)
        });
        let admitted = all.entry(scope.to_string()).or_default();
        while admitted
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= WINDOW)
        {
            admitted.pop_front();
        }
        if admitted.len() < self.per_minute {
            admitted.push_back(now);
            return Ok(());
        }
        let oldest = admitted.front().copied().unwrap_or(now);
        let wait = WINDOW.saturating_sub(now.saturating_duration_since(oldest));
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        Err(secs.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_is_unlimited() {
        assert!(UploadLimiter::new(0).is_none());
    }

    #[test]
    fn admits_the_rate_then_refuses_until_the_oldest_call_leaves_the_window() {
        let Some(limiter) = UploadLimiter::new(2) else {
            panic!("a rate of 2 must make a limiter");
        };
        let t0 = Instant::now();
        let admit = |s: u64| limiter.admit("main", t0 + Duration::from_millis(s));
        assert_eq!(admit(0), Ok(()));
        assert_eq!(admit(10_000), Ok(()));
        assert_eq!(admit(15_000), Err(45));
        assert_eq!(admit(59_500), Err(1));
        // Another scope has a budget of its own.
        assert_eq!(limiter.admit("pr-7", t0 + Duration::from_secs(16)), Ok(()));
        // Refused calls do not count: at 60 s the first slot is free again, the second is not.
        assert_eq!(admit(60_000), Ok(()));
        assert_eq!(admit(61_000), Err(9));
        assert_eq!(admit(70_000), Ok(()));
    }
}
