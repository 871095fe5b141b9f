//! Kraken spot REST (and Kraken Pay, which shares its host and auth).
//!
//! - [`KrakenCredentials`]: the API key and the base64 secret, decoded and checked up front.
//! - [`KrakenSigner`]: adds the `nonce` body field and the `API-Key` / `API-Sign` headers.
//! - [`KrakenEnvelope`]: reads `{"error":[...],"result":...}` into the result or
//!   [`KrakenErrors`].

mod credentials;
mod envelope;
mod errors;
mod signer;

pub use credentials::{CredentialsError, KrakenCredentials, KrakenKey};
pub use envelope::KrakenEnvelope;
pub use errors::{KrakenError, KrakenErrorKind, KrakenErrors, Severity};
pub use signer::{sign, KrakenSigner};

use std::sync::Arc;

use crate::registry::{Clock, Credentials, Envelope, Given, SetupError, SigningScheme};

/// `signing: kraken` (spot and Kraken Pay).
pub(crate) static SIGNING: SigningScheme = SigningScheme::new(
    "kraken",
    "API-Key + API-Sign: HMAC-SHA512 over the path and SHA-256 of nonce and body; a nonce body field",
    "::xgen_runtime::kraken::KrakenSigner",
    Credentials::Fixed(&[
        ("API_KEY", "the API key"),
        ("API_SECRET", "the API secret, base64 as Kraken shows it"),
    ]),
    Clock::Nonce,
    build_signer,
);

fn build_signer(given: &Given<'_>) -> Result<Arc<dyn crate::Signer>, SetupError> {
    let credentials = KrakenCredentials::new(given.value("API_KEY"), given.value("API_SECRET"))
        .map_err(|e| match e {
            CredentialsError::EmptyApiKey | CredentialsError::InvalidApiKey { .. } => {
                given.invalid("API_KEY", e)
            }
            _ => given.invalid("API_SECRET", e),
        })?;
    let mut signer = KrakenSigner::new(credentials);
    if let Some(nonce) = &given.nonce {
        signer = signer.with_nonce_source(nonce.clone());
    }
    Ok(Arc::new(signer))
}

/// `envelope: kraken`.
pub(crate) static ENVELOPE: Envelope = Envelope::new(
    "kraken",
    r#"{"error": [...], "result": ...}; error items are "EClass:Message" strings or objects"#,
    "::xgen_runtime::kraken::KrakenEnvelope",
    Some("result"),
    <KrakenEnvelope as crate::Envelope>::decode::<serde_json::Value>,
);
