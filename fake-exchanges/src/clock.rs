//! The fake's notion of "now", injectable so timestamp checks are deterministic.

use std::time::{SystemTime, UNIX_EPOCH};

/// Where a fake reads the current time, in Unix milliseconds.
///
/// OKX and Bybit reject requests whose timestamp is too far from the server's clock, and Bybit
/// stamps its replies with `time`. Tests that want a stale timestamp deterministically either fix
/// the fake's clock ([`Clock::Fixed`]) or shift it ([`Clock::Offset`]) instead of sleeping.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Clock {
    /// The system clock (the default).
    #[default]
    System,
    /// The system clock shifted by this many milliseconds: positive puts the fake ahead of the
    /// client (the client's timestamps look old), negative behind (they look early).
    Offset(i64),
    /// A frozen instant, in Unix milliseconds.
    Fixed(u64),
}

impl Clock {
    /// The current time of this clock, in Unix milliseconds (saturating at 0 and `u64::MAX`).
    pub fn now_ms(&self) -> u64 {
        match *self {
            Clock::System => system_ms(),
            Clock::Offset(offset) => {
                let now = system_ms();
                if offset >= 0 {
                    now.saturating_add(offset.unsigned_abs())
                } else {
                    now.saturating_sub(offset.unsigned_abs())
                }
            }
            Clock::Fixed(ms) => ms,
        }
    }
}

fn system_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::Clock;

    #[test]
    fn offsets_shift_the_system_clock() {
        let base = Clock::System.now_ms();
        let ahead = Clock::Offset(60_000).now_ms();
        let behind = Clock::Offset(-60_000).now_ms();
        assert!(ahead >= base + 60_000);
        assert!(behind < base);
        assert_eq!(Clock::Fixed(42).now_ms(), 42);
        assert_eq!(Clock::Offset(i64::MIN).now_ms(), 0);
    }
}
