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
