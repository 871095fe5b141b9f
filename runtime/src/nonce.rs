//! Nonces: numbers that must strictly increase per API key.

mod file;

use std::fmt::Debug;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub use file::FileNonce;

/// Hands out nonces. Every call returns a value greater than any returned before by the same
/// source, from any thread.
pub trait NonceSource: Send + Sync + Debug {
    /// The next nonce, or why none could be drawn (a [`FileNonce`] whose file became
    /// unreadable). A signer turns the error into [`crate::SignError::Nonce`] and sends nothing.
    fn next_nonce(&self) -> Result<u64, NonceError>;
}

/// Why a nonce could not be drawn. Never holds a secret; the path is the one given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NonceError {
    /// The nonce file could not be opened, locked, read or written.
    #[error("the nonce file `{}` could not be {action}: {}", crate::escape::Escaped(path.display()), crate::escape::Escaped(message))]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done: `opened`, `locked`, `read`, `written`.
        action: &'static str,
        /// The kind of I/O error.
        kind: std::io::ErrorKind,
        /// The I/O error, in words.
        message: String,
    },
    /// Another process held the nonce file's lock for longer than the source waits.
    #[error("the nonce file `{}` stayed locked by another process for {waited:?}; is one stuck?", crate::escape::Escaped(path.display()))]
    LockTimeout {
        /// The file.
        path: PathBuf,
        /// How long the source waited.
        waited: std::time::Duration,
    },
    /// The nonce file holds something other than a nonce: it is left as it is rather than
    /// overwritten, since the nonce it held is unknown.
    #[error("the nonce file `{}` does not hold a nonce (decimal digits): it starts `{}`", crate::escape::Escaped(path.display()), crate::escape::Escaped(start))]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Its first characters.
        start: String,
    },
    /// The last nonce is `u64::MAX`: there is no greater one.
    #[error("the nonce source is exhausted: its last nonce is the largest 64-bit number")]
    Exhausted,
}

/// Unix time in milliseconds, bumped by one whenever the clock has not moved on (or went back),
/// so values strictly increase even for bursts and across threads. Lock-free.
///
/// Milliseconds, not nanoseconds, on purpose. Kraken rejects any nonce not greater than the last
/// one it saw for the key, and the mark can never be lowered. Most other tools (the docs'
/// examples, ccxt, scripts) use milliseconds; a single nanosecond nonce (about 1.7 * 10^18) would
/// raise the key's mark a million times above the millisecond clock, which would not catch up
/// for fifty million years, locking those tools out of the key for good. Milliseconds allow a thousand requests per
/// second per key before running ahead of the clock, far above Kraken's rate limits.
#[derive(Debug, Default)]
pub struct MonotonicNonce {
    last: AtomicU64,
}

impl MonotonicNonce {
    /// A source starting from the current time.
    pub fn new() -> MonotonicNonce {
        MonotonicNonce::default()
    }
}

impl NonceSource for MonotonicNonce {
    fn next_nonce(&self) -> Result<u64, NonceError> {
        Ok(self.next())
    }
}

/// Unix time in milliseconds (0 for a clock before 1970).
pub(crate) fn unix_millis() -> u64 {
    // A clock before 1970 is broken, not an error worth failing a request over: the counters
    // still guarantee strictly increasing values.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

impl MonotonicNonce {
    fn next(&self) -> u64 {
        let now = unix_millis();
        let next = |prev: u64| prev.saturating_add(1).max(now);
        let prev = match self
            .last
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |prev| Some(next(prev)))
        {
            Ok(prev) | Err(prev) => prev,
        };
        next(prev)
    }
}

/// Returns `n`, `n + 1`, `n + 2`, ...: reproducible nonces, so a signed request can be checked
/// by hand (`xgen request --nonce N`) or pinned in a test.
#[derive(Debug)]
pub struct FixedNonce {
    next: AtomicU64,
}

impl FixedNonce {
    /// A source whose first nonce is `first`.
    pub fn new(first: u64) -> FixedNonce {
        FixedNonce {
            next: AtomicU64::new(first),
        }
    }
}

impl NonceSource for FixedNonce {
    fn next_nonce(&self) -> Result<u64, NonceError> {
        Ok(self.next.fetch_add(1, Ordering::AcqRel))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::sync::Arc;

    async fn draw_concurrently(source: Arc<dyn NonceSource>) -> Vec<Vec<u64>> {
        let tasks: Vec<_> = (0..64)
            .map(|_| {
                let source = Arc::clone(&source);
                tokio::spawn(async move {
                    let mut mine = Vec::with_capacity(500);
                    for i in 0..500 {
                        mine.push(source.next_nonce().unwrap());
                        if i % 50 == 0 {
                            tokio::task::yield_now().await;
                        }
                    }
                    mine
                })
            })
            .collect();
        let mut all = Vec::new();
        for task in tasks {
            all.push(task.await.unwrap());
        }
        all
    }

    fn check(per_task: &[Vec<u64>]) {
        let mut seen = HashSet::new();
        for mine in per_task {
            assert!(
                mine.windows(2).all(|w| w[0] < w[1]),
                "not strictly increasing within a task"
            );
            for &n in mine {
                assert!(seen.insert(n), "nonce {n} handed out twice");
            }
        }
        assert_eq!(seen.len(), 64 * 500);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 8)]
    async fn monotonic_is_unique_and_increasing_under_contention() {
        let source = Arc::new(MonotonicNonce::new());
        let before = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let per_task = draw_concurrently(source.clone()).await;
        check(&per_task);
        let min = per_task.iter().flatten().min().copied().unwrap();
        assert!(
            min >= before,
            "nonce is not Unix milliseconds: {min} < {before}"
        );
        // Milliseconds, not nanoseconds: below 10^15 until about the year 33700.
        assert!(min < 1_000_000_000_000_000);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 8)]
    async fn fixed_is_unique_and_increasing_under_contention() {
        let per_task = draw_concurrently(Arc::new(FixedNonce::new(1000))).await;
        check(&per_task);
        let all: HashSet<u64> = per_task.into_iter().flatten().collect();
        assert_eq!(all, (1000..1000 + 64 * 500).collect());
    }

    #[test]
    fn fixed_counts_up() {
        let source = FixedNonce::new(7);
        assert_eq!(
            [
                source.next_nonce().unwrap(),
                source.next_nonce().unwrap(),
                source.next_nonce().unwrap()
            ],
            [7, 8, 9]
        );
    }
}
