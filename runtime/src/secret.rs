//! Secret bytes that stay out of logs and memory dumps.

use zeroize::Zeroizing;

/// Secret bytes (an API secret, decoded). `Debug` prints `[redacted]`; the bytes are wiped when
/// dropped. Deliberately not `Clone` and not `Display`, so copies and printing take intent.
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    /// Wraps `bytes`.
    pub fn new(bytes: Vec<u8>) -> Secret {
        Secret(Zeroizing::new(bytes))
    }

    /// The bytes, for the one place that needs them (keying a MAC).
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The number of bytes; safe to show.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn debug_is_redacted() {
        let secret = Secret::new(b"hunter2".to_vec());
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(secret.expose(), b"hunter2");
    }
}
