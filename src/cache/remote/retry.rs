//! Retries with backoff for the HTTP backends: 429 (honouring `Retry-After`), 5xx and
//! connection failures are retried with exponential backoff and jitter, up to a bound of
//! attempts and of total waiting; anything else fails at once.

use std::future::Future;
use std::time::{Duration, Instant};

/// How an attempt failed.
#[derive(Debug)]
pub enum Attempt<E> {
    /// Worth another try, after at least `after` when the peer said so (`Retry-After`).
    Retry {
        /// The error, returned if no attempt is left.
        error: E,
        /// The peer's `Retry-After`, if any.
        after: Option<Duration>,
    },
    /// Not worth another try.
    Fail(E),
}

/// The retry policy.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// Attempts in all (the first included).
    pub attempts: u32,
    /// Wait before the second attempt; doubled after each failure.
    pub initial: Duration,
    /// Longest single wait.
    pub max_wait: Duration,
    /// Give up when the waits so far add up to more than this.
    pub budget: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            attempts: 8,
            initial: Duration::from_millis(200),
            max_wait: Duration::from_secs(30),
            budget: Duration::from_secs(120),
        }
    }
}

impl Backoff {
    /// Runs `op` until it succeeds, fails for good, or the policy gives up; `what` names the
    /// operation in the debug log of each retry.
    pub async fn run<T, E, F, Fut>(&self, what: &str, mut op: F) -> Result<T, E>
    where
        E: std::fmt::Display,
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Attempt<E>>>,
    {
        let started = Instant::now();
        let mut wait = self.initial;
        let mut attempt = 1;
        loop {
            match op().await {
                Ok(v) => return Ok(v),
                Err(Attempt::Fail(e)) => return Err(e),
                Err(Attempt::Retry { error, after }) => {
                    let pause = after.unwrap_or(wait).min(self.max_wait);
                    let pause = pause + jitter(pause);
                    if attempt >= self.attempts || started.elapsed() + pause > self.budget {
                        return Err(error);
                    }
                    tracing::debug!(
                        "{what}: attempt {attempt} failed ({error}); retrying in {pause:?}"
                    );
                    tokio::time::sleep(pause).await;
                    wait = (wait * 2).min(self.max_wait);
                    attempt += 1;
                }
            }
        }
    }
}

/// Up to a quarter of `d`, from the clock's nanoseconds (no RNG needed to spread runners).
fn jitter(d: Duration) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |t| t.subsec_nanos());
    d.mul_f64(f64::from(nanos % 1000) / 4000.0)
}

/// Classifies an HTTP status: `None` for success, else whether to retry.
pub fn status_is_retryable(status: u16) -> bool {
    status == 429 || status == 408 || (500..600).contains(&status)
}

/// Parses a `Retry-After` value given in seconds (the HTTP-date form is treated as absent).
pub fn retry_after(value: Option<&str>) -> Option<Duration> {
    value?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Classifies a reqwest outcome: success statuses pass, retryable statuses and transport
/// errors become [`Attempt::Retry`], other statuses [`Attempt::Fail`]; `describe` turns a
/// failure into the caller's error.
pub async fn classify<E>(
    result: Result<reqwest::Response, reqwest::Error>,
    describe: impl Fn(String) -> E,
) -> Result<reqwest::Response, Attempt<E>> {
    match result {
        Ok(resp) if resp.status().is_success() => Ok(resp),
        Ok(resp) => {
            let status = resp.status().as_u16();
            let after = retry_after(
                resp.headers()
                    .get(reqwest::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok()),
            );
            let body = resp.text().await.unwrap_or_default();
            let body: String = body.chars().take(300).collect();
            let error = describe(format!("HTTP {status}: {}", body.trim()));
            if status_is_retryable(status) {
                Err(Attempt::Retry { error, after })
            } else {
                Err(Attempt::Fail(error))
            }
        }
        Err(e) => {
            let error = describe(format!("{e}"));
            if e.is_connect() || e.is_timeout() || e.is_request() || e.is_body() {
                Err(Attempt::Retry { error, after: None })
            } else {
                Err(Attempt::Fail(error))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn quick() -> Backoff {
        Backoff {
            attempts: 4,
            initial: Duration::from_millis(1),
            max_wait: Duration::from_millis(5),
            budget: Duration::from_secs(5),
        }
    }

    #[tokio::test]
    async fn retries_until_success_and_gives_up_after_the_attempts() {
        let calls = AtomicU32::new(0);
        let r: Result<u32, String> = quick()
            .run("op", || async {
                let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
                if n < 3 {
                    Err(Attempt::Retry {
                        error: format!("try {n}"),
                        after: Some(Duration::from_millis(1)),
                    })
                } else {
                    Ok(n)
                }
            })
            .await;
        assert_eq!(r, Ok(3));
        let calls = AtomicU32::new(0);
        let r: Result<(), String> = quick()
            .run("op", || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(Attempt::Retry {
                    error: "busy".to_string(),
                    after: None,
                })
            })
            .await;
        assert_eq!(r, Err("busy".to_string()));
        assert_eq!(calls.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_final_failure_is_not_retried() {
        let calls = AtomicU32::new(0);
        let r: Result<(), String> = quick()
            .run("op", || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(Attempt::Fail("denied".to_string()))
            })
            .await;
        assert_eq!(r, Err("denied".to_string()));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn statuses_and_retry_after() {
        assert!(status_is_retryable(429));
        assert!(status_is_retryable(503));
        assert!(!status_is_retryable(404));
        assert!(!status_is_retryable(401));
        assert_eq!(retry_after(Some(" 3")), Some(Duration::from_secs(3)));
        assert_eq!(retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")), None);
        assert_eq!(retry_after(None), None);
    }
}
