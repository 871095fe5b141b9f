//! Request timestamps: where signers that sign the time (OKX, Bybit) get it, and the ISO-8601
//! text OKX wants.
//!
//! The calendar arithmetic is done here rather than through a date crate: only one format is
//! needed (UTC, milliseconds, `Z`), it is on the signing path of every OKX request, and Howard
//! Hinnant's civil-from-days algorithm is a few lines of integer arithmetic that never fails.

use std::fmt::{self, Debug};
use std::time::{SystemTime, UNIX_EPOCH};

/// Tells a signer the current time. Unlike a [`crate::NonceSource`], values need not increase:
/// exchanges that sign a timestamp check it against a window around their own clock.
pub trait TimestampSource: Send + Sync + Debug {
    /// Unix time in milliseconds.
    fn now_millis(&self) -> u64;
}

/// The system clock; what signers use unless told otherwise.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl TimestampSource for SystemClock {
    fn now_millis(&self) -> u64 {
        // A clock before 1970 is broken; the exchange will refuse the stale timestamp with its own
        // error, which says more than failing here would.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0)
    }
}

/// Always the same time, so a signed request can be checked by hand
/// (`xgen request --timestamp 2020-12-08T09:08:57.715Z`) or pinned in a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixedTimestamp {
    millis: u64,
}

impl FixedTimestamp {
    /// A source that always answers `millis` (Unix milliseconds).
    pub fn new(millis: u64) -> FixedTimestamp {
        FixedTimestamp { millis }
    }
}

impl TimestampSource for FixedTimestamp {
    fn now_millis(&self) -> u64 {
        self.millis
    }
}

/// `millis` (Unix milliseconds) as ISO-8601 UTC with exactly three fraction digits and `Z`:
/// `1607418537715` is `2020-12-08T09:08:57.715Z`, the form OKX signs and sends.
///
/// Years past 9999 (about 2.5 * 10^14 ms) get more year digits rather than wrapping.
pub fn iso8601_millis(millis: u64) -> String {
    IsoMillis::new(millis).as_str().to_owned()
}

/// Why text given as a timestamp was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimestampError {
    /// Nothing was given.
    #[error("the timestamp is empty")]
    Empty,
    /// Digits only, but more than fit in 64 bits.
    #[error(
        "the timestamp `{}` is too large for Unix milliseconds",
        crate::escape::Escaped(text)
    )]
    TooLarge {
        /// The text given.
        text: String,
    },
    /// Neither form.
    #[error(
        "the timestamp `{}` is neither Unix milliseconds nor ISO-8601 UTC like 2020-12-08T09:08:57.715Z: {reason}",
        crate::escape::Escaped(text)
    )]
    Invalid {
        /// The text given.
        text: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Reads a timestamp given as text: Unix milliseconds (`1607418537715`) or ISO-8601 UTC
/// (`2020-12-08T09:08:57.715Z`, with one to three fraction digits or none), as
/// `xgen request --timestamp` takes it. Surrounding whitespace is ignored.
pub fn parse_timestamp(text: &str) -> Result<u64, TimestampError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(TimestampError::Empty);
    }
    if trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return trimmed.parse().map_err(|_| TimestampError::TooLarge {
            text: trimmed.to_owned(),
        });
    }
    parse_iso(trimmed.as_bytes()).map_err(|reason| TimestampError::Invalid {
        text: trimmed.to_owned(),
        reason,
    })
}

/// ISO-8601 text of one instant, formatted on the stack: the OKX signer writes it into both the
/// prehash and a header on every request.
pub(crate) struct IsoMillis {
    // `YYYY-MM-DDTHH:MM:SS.mmmZ` is 24 bytes; the largest u64 needs a 9-digit year, 29 bytes.
    buf: [u8; 32],
    len: usize,
}

impl IsoMillis {
    pub(crate) fn new(millis: u64) -> IsoMillis {
        let days = millis / MILLIS_PER_DAY;
        let in_day = millis % MILLIS_PER_DAY;
        let (year, month, day) = civil_from_days(days);
        let mut out = IsoMillis {
            buf: [0; 32],
            len: 0,
        };
        out.push_number(year, 4);
        out.push(b'-');
        out.push_number(month, 2);
        out.push(b'-');
        out.push_number(day, 2);
        out.push(b'T');
        out.push_number(in_day / 3_600_000, 2);
        out.push(b':');
        out.push_number(in_day / 60_000 % 60, 2);
        out.push(b':');
        out.push_number(in_day / 1000 % 60, 2);
        out.push(b'.');
        out.push_number(in_day % 1000, 3);
        out.push(b'Z');
        out
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }

    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII was written, so this cannot fail; the fallback keeps it panic-free.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    fn push(&mut self, byte: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = byte;
            self.len += 1;
        }
    }

    /// Writes `n` in decimal, zero-padded to at least `width` digits.
    fn push_number(&mut self, n: u64, width: usize) {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        let mut rest = n;
        loop {
            start -= 1;
            digits[start] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        for _ in (digits.len() - start)..width {
            self.push(b'0');
        }
        for &d in &digits[start..] {
            self.push(d);
        }
    }
}

impl fmt::Debug for IsoMillis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

const MILLIS_PER_DAY: u64 = 86_400_000;

/// Days since 1970-01-01 to (year, month 1-12, day 1-31), proleptic Gregorian.
///
/// Hinnant's algorithm shifted to unsigned arithmetic: only dates from 1970 on occur, and eras
/// of 400 years (146097 days) start on March 1st so the leap day falls at the end of a year.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // 1970-01-01 is day 719468 counted from 0000-03-01.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097; // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11], March = 0
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// (year >= 1970, month 1-12, day 1-31) to days since 1970-01-01; the inverse of
/// [`civil_from_days`].
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y % 400;
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn is_leap(year: u64) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.f{1,3}]Z`.
fn parse_iso(text: &[u8]) -> Result<u64, &'static str> {
    const SHAPE: &str = "expected the shape YYYY-MM-DDTHH:MM:SS.mmmZ";
    let number = |range: std::ops::Range<usize>| -> Result<u64, &'static str> {
        let digits = text.get(range).ok_or(SHAPE)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return Err(SHAPE);
        }
        Ok(digits.iter().fold(0, |n, d| n * 10 + u64::from(d - b'0')))
    };
    let at = |i: usize, expected: &[u8]| text.get(i).is_some_and(|b| expected.contains(b));
    if text.len() < 20
        || !at(4, b"-")
        || !at(7, b"-")
        || !at(10, b"Tt")
        || !at(13, b":")
        || !at(16, b":")
    {
        return Err(SHAPE);
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    let rest = text.get(19..).unwrap_or_default();
    let millis = match rest {
        [b'Z' | b'z'] => 0,
        [b'.', fraction @ .., b'Z' | b'z'] => {
            if fraction.is_empty() || fraction.len() > 3 {
                return Err("the fraction of a second must have one to three digits");
            }
            if !fraction.iter().all(u8::is_ascii_digit) {
                return Err(SHAPE);
            }
            let value = fraction.iter().fold(0, |n, d| n * 10 + u64::from(d - b'0'));
            // `.7` is 700 ms, `.71` is 710 ms.
            value * 10u64.pow(3 - fraction.len() as u32)
        }
        [.., b'Z' | b'z'] => return Err(SHAPE),
        _ => return Err("only UTC is accepted: end with `Z`, not an offset"),
    };
    if year < 1970 {
        return Err("it is before 1970, which Unix milliseconds cannot express");
    }
    if !(1..=12).contains(&month) {
        return Err("the month is not 01 to 12");
    }
    if day == 0 || day > days_in_month(year, month) {
        return Err("that day does not exist in that month");
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err("the time of day is out of range");
    }
    let days = days_from_civil(year, month, day);
    Ok(days * MILLIS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (Unix ms, ISO text), both directions.
    const TABLE: &[(u64, &str)] = &[
        (0, "1970-01-01T00:00:00.000Z"),
        (1, "1970-01-01T00:00:00.001Z"),
        (86_399_999, "1970-01-01T23:59:59.999Z"),
        (1_607_418_537_715, "2020-12-08T09:08:57.715Z"),
        (1_658_384_314_791, "2022-07-21T06:18:34.791Z"),
        // Leap years: 2000 is one (divisible by 400), 1900 would not be, 2100 is not.
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (951_868_800_000, "2000-03-01T00:00:00.000Z"),
        (1_582_934_400_000, "2020-02-29T00:00:00.000Z"),
        (1_709_251_199_999, "2024-02-29T23:59:59.999Z"),
        (4_107_456_000_000, "2100-02-28T00:00:00.000Z"),
        (4_107_542_400_000, "2100-03-01T00:00:00.000Z"),
        (1_704_067_199_999, "2023-12-31T23:59:59.999Z"),
        (1_704_067_200_000, "2024-01-01T00:00:00.000Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
    ];

    #[test]
    fn formats_and_parses_the_table() {
        for &(millis, text) in TABLE {
            assert_eq!(iso8601_millis(millis), text, "{millis}");
            assert_eq!(parse_timestamp(text), Ok(millis), "{text}");
            assert_eq!(parse_timestamp(&millis.to_string()), Ok(millis));
        }
    }

    #[test]
    fn round_trips_every_day_for_centuries() {
        // Each day from 1970 to about 2500, at an awkward time of day.
        for day in 0..194_000u64 {
            let millis = day * MILLIS_PER_DAY + 45_296_789;
            let text = iso8601_millis(millis);
            assert_eq!(text.len(), 24, "{text}");
            assert_eq!(parse_timestamp(&text), Ok(millis), "{text}");
        }
    }

    #[test]
    fn the_largest_value_does_not_panic() {
        assert_eq!(iso8601_millis(u64::MAX), "584556019-04-03T14:25:51.615Z");
    }

    #[test]
    fn accepts_variants_of_the_iso_form() {
        for (text, millis) in [
            ("2020-12-08T09:08:57Z", 1_607_418_537_000),
            ("2020-12-08T09:08:57.7Z", 1_607_418_537_700),
            ("2020-12-08T09:08:57.71Z", 1_607_418_537_710),
            ("2020-12-08t09:08:57.715z", 1_607_418_537_715),
            ("  1607418537715\n", 1_607_418_537_715),
        ] {
            assert_eq!(parse_timestamp(text), Ok(millis), "{text}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_timestamp() {
        assert_eq!(parse_timestamp(" "), Err(TimestampError::Empty));
        assert!(matches!(
            parse_timestamp("99999999999999999999"),
            Err(TimestampError::TooLarge { .. })
        ));
        for bad in [
            "2020-12-08T09:08:57.715",
            "2020-12-08T09:08:57.715+01:00",
            "2020-12-08 09:08:57.715Z",
            "2020-12-08T09:08:57.7155Z",
            "2020-12-08T09:08:57.Z",
            "2021-02-29T00:00:00.000Z",
            "2100-02-29T00:00:00.000Z",
            "2020-13-01T00:00:00.000Z",
            "2020-04-31T00:00:00.000Z",
            "2020-12-08T24:00:00.000Z",
            "2020-12-08T23:60:00.000Z",
            "2020-12-08T23:59:60.000Z",
            "1969-12-31T23:59:59.999Z",
            "-1",
            "1.5",
            "2020-1a-08T09:08:57.715Z",
            "2020-12-08T09:08:57.71xZ",
            "2020-12-08T09:08:57.715Zjunk",
            "é020-12-08T09:08:57.715Z",
        ] {
            let err = parse_timestamp(bad).unwrap_err();
            assert!(
                matches!(err, TimestampError::Invalid { .. }),
                "{bad}: {err:?}"
            );
            assert!(err.to_string().contains(bad.trim()), "{err}");
        }
    }

    #[test]
    fn sources() {
        let fixed = FixedTimestamp::new(1_607_418_537_715);
        assert_eq!(fixed.now_millis(), 1_607_418_537_715);
        assert_eq!(fixed.now_millis(), 1_607_418_537_715);
        let now = SystemClock.now_millis();
        // After 2024 and in milliseconds, not seconds or nanoseconds.
        assert!(
            (1_704_067_200_000..10_000_000_000_000).contains(&now),
            "{now}"
        );
    }
}
