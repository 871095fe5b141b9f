//! Kraken API credentials, checked when they are given rather than on the first request.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::{DecodeError, Engine as _};
use hmac::{Hmac, KeyInit};
use sha2::Sha512;

use crate::secret::Secret;
pub(crate) use crate::signers::common::ApiKeyHint;

/// Why Kraken credentials were refused. Messages never contain the secret or any part of it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// The API key (first argument) is empty.
    #[error("the Kraken API key (first argument) is empty")]
    EmptyApiKey,
    /// The API key cannot be sent as an HTTP header value.
    #[error(
        "the Kraken API key (first argument) has a character that cannot go in an HTTP header, at position {position}"
    )]
    InvalidApiKey {
        /// The character position (0-based) of the first offending character.
        position: usize,
    },
    /// The secret (second argument) is empty.
    #[error("the Kraken API secret (second argument) is empty")]
    EmptySecret,
    /// The secret (second argument) is not valid base64.
    #[error(
        "the Kraken API secret (second argument, {length} characters) is not valid base64: {problem}"
    )]
    InvalidSecretBase64 {
        /// What is wrong, with a position but never the offending character.
        problem: String,
        /// The length of the secret text.
        length: usize,
    },
    /// The decoded secret cannot key HMAC-SHA512 (HMAC takes any length; kept for safety).
    #[error("the Kraken API secret (second argument) cannot be used as an HMAC-SHA512 key")]
    UnusableSecret,
}

/// The decoded secret, already absorbed into HMAC-SHA512. Keying once and cloning the keyed state
/// per request saves hashing the key on every request; the state is wiped on drop.
#[derive(Clone)]
pub struct KrakenKey {
    pub(crate) mac: Hmac<Sha512>,
}

impl KrakenKey {
    /// Keys HMAC-SHA512 with the decoded secret bytes.
    pub fn from_secret(secret: &Secret) -> Result<KrakenKey, CredentialsError> {
        let mac = <Hmac<Sha512> as KeyInit>::new_from_slice(secret.expose())
            .map_err(|_| CredentialsError::UnusableSecret)?;
        Ok(KrakenKey { mac })
    }
}

impl fmt::Debug for KrakenKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KrakenKey([redacted])")
    }
}

/// A Kraken API key and its secret.
#[derive(Clone)]
pub struct KrakenCredentials {
    pub(crate) api_key: String,
    pub(crate) key: KrakenKey,
}

impl KrakenCredentials {
    /// Checks the key and decodes the base64 secret, as Kraken shows them when a key is created.
    ///
    /// Surrounding whitespace is ignored in both (a newline pasted from a file is the usual
    /// culprit); anything else wrong is an error that names the argument but never repeats the
    /// secret.
    pub fn new(api_key: impl Into<String>, secret_base64: &str) -> Result<Self, CredentialsError> {
        let mut api_key: String = api_key.into();
        let trimmed_len = api_key.trim_end().len();
        api_key.truncate(trimmed_len);
        let leading = api_key.len() - api_key.trim_start().len();
        api_key.drain(..leading);
        if api_key.is_empty() {
            return Err(CredentialsError::EmptyApiKey);
        }
        if let Some(position) = api_key
            .chars()
            .position(|c| !(c.is_ascii_graphic() || c == ' '))
        {
            return Err(CredentialsError::InvalidApiKey { position });
        }
        let secret_text = secret_base64.trim();
        if secret_text.is_empty() {
            return Err(CredentialsError::EmptySecret);
        }
        let secret = STANDARD.decode(secret_text).map(Secret::new).map_err(|e| {
            CredentialsError::InvalidSecretBase64 {
                problem: describe(&e),
                length: secret_text.chars().count(),
            }
        })?;
        if secret.is_empty() {
            return Err(CredentialsError::EmptySecret);
        }
        let key = KrakenKey::from_secret(&secret)?;
        Ok(KrakenCredentials { api_key, key })
    }

    /// The public API key.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// The keyed secret, for calling [`super::sign`] directly.
    pub fn key(&self) -> &KrakenKey {
        &self.key
    }
}

impl fmt::Debug for KrakenCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KrakenCredentials")
            .field("api_key", &ApiKeyHint(&self.api_key))
            .field("secret", &format_args!("[redacted]"))
            .finish()
    }
}

/// Describes a base64 error without the offending byte, which is a character of the secret.
fn describe(e: &DecodeError) -> String {
    match e {
        DecodeError::InvalidByte(offset, _) => {
            format!("invalid character at offset {offset}")
        }
        DecodeError::InvalidLength(_) => {
            "its length is not a valid base64 length (truncated when copied?)".to_owned()
        }
        DecodeError::InvalidLastSymbol { offset, .. } => {
            format!("the last symbol, at offset {offset}, has impossible trailing bits")
        }
        DecodeError::InvalidPadding => "the `=` padding is missing or wrong".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str =
        "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";

    #[test]
    fn debug_shows_key_hint_and_no_secret() {
        let credentials = KrakenCredentials::new("TEST-KRAKEN-PUBLIC-KEY", SECRET).unwrap();
        let debug = format!("{credentials:?}");
        assert_eq!(
            debug,
            r#"KrakenCredentials { api_key: "TEST…", secret: [redacted] }"#
        );
        let decoded = STANDARD.decode(SECRET).unwrap();
        assert!(!debug.contains(SECRET) && !debug.contains(&SECRET[..8]));
        assert!(!debug.contains(&format!("{decoded:?}")));
        assert!(!debug.contains(&format!("{:?}", &decoded[..4])));
    }

    #[test]
    fn whitespace_around_both_is_ignored() {
        let credentials = KrakenCredentials::new("  key\n", &format!("{SECRET}\n")).unwrap();
        assert_eq!(credentials.api_key(), "key");
    }

    #[test]
    fn invalid_base64_names_argument_but_not_secret() {
        let bad = "kQH5HW/8p1uGOVjb!WA7FunAmGO8lsSUXNsu";
        let err = KrakenCredentials::new("key", bad).unwrap_err();
        let text = err.to_string();
        assert_eq!(
            text,
            "the Kraken API secret (second argument, 36 characters) is not valid base64: invalid character at offset 16"
        );
        assert!(
            !text.contains("kQH5") && !text.contains('!') && !format!("{err:?}").contains("kQH5")
        );
        // The offending byte's value must not leak either ('!' is 33).
        assert!(!text.contains("33"));
    }

    #[test]
    fn empty_and_bad_keys_are_refused() {
        assert_eq!(
            KrakenCredentials::new(" ", SECRET).unwrap_err(),
            CredentialsError::EmptyApiKey
        );
        assert_eq!(
            KrakenCredentials::new("ke\ny", SECRET).unwrap_err(),
            CredentialsError::InvalidApiKey { position: 2 }
        );
        assert_eq!(
            KrakenCredentials::new("key", "").unwrap_err(),
            CredentialsError::EmptySecret
        );
        assert!(matches!(
            KrakenCredentials::new("key", "abc").unwrap_err(),
            CredentialsError::InvalidSecretBase64 { .. }
        ));
    }
}
