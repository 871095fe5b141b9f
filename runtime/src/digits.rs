//! Decimal digits of a `u64` without allocating.
//!
//! A nonce is written twice per signed request (into the body and into the signed prehash), on
//! the hot path, so it is worth not going through `fmt`.

/// The ASCII decimal digits of one `u64`.
pub(crate) struct Digits {
    buf: [u8; 20],
    start: usize,
}

impl Digits {
    /// Writes `n` in decimal; `u64::MAX` has 20 digits, which is the buffer size.
    pub(crate) fn new(mut n: u64) -> Self {
        let mut buf = [0u8; 20];
        let mut start = buf.len();
        loop {
            start -= 1;
            buf[start] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        Digits { buf, start }
    }

    /// The digits as bytes.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// The digits as text.
    pub(crate) fn as_str(&self) -> &str {
        // Only ASCII digits were written, so this cannot fail; the fallback keeps it panic-free.
        std::str::from_utf8(self.as_bytes()).unwrap_or("0")
    }
}

#[cfg(test)]
mod tests {
    use super::Digits;

    #[test]
    fn matches_display() {
        for n in [
            0,
            1,
            9,
            10,
            99,
            1_616_492_376_594,
            1_700_000_000_000_000_000,
            u64::MAX,
        ] {
            assert_eq!(Digits::new(n).as_str(), n.to_string());
        }
    }
}
