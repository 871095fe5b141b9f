//! The hand-written runtime that xgen-generated exchange clients call.
//!
//! Generated code is thin: one [`Operation`] constant per endpoint, request and response
//! structs, and methods that call [`Client::send`]. Everything that has to be right byte for
//! byte lives here instead, written once:
//!
//! - [`Body`] encodes the request fields (JSON or form) and lets a signer splice its own fields
//!   (Kraken's `nonce`) in front of them without re-serialising, so the signature covers exactly
//!   the bytes that go on the wire.
//! - [`Signer`] is the seam for authentication. [`Client`] builds an [`HttpRequest`] and hands it
//!   to the signer, which adds body fields and headers in place. One plugin per exchange lives
//!   under its own module ([`kraken`], [`okx`], [`bybit`], [`alphapoint`]).
//! - [`NonceSource`] hands out strictly increasing nonces; [`MonotonicNonce`] is the default,
//!   [`FileNonce`] shares one sequence among processes through a locked file, and
//!   [`FixedNonce`] makes output reproducible. Signers that sign the time instead (OKX, Bybit)
//!   read a [`TimestampSource`]: [`SystemClock`] by default, [`FixedTimestamp`] for reproducible
//!   output.
//! - [`Envelope`] is the seam for replies: each exchange wraps results its own way
//!   (`{"error":[],"result":..}` for Kraken, `{"code":"0","data":..}` for OKX,
//!   `{"retCode":0,"result":..}` for Bybit, none at all for AlphaPoint). An envelope turns a
//!   [`RawResponse`] into the typed result or a typed [`Error`]; the helpers in [`envelope`] give
//!   every exchange the same treatment of empty, non-JSON, truncated and non-2xx replies.
//! - [`Error`] is the single error type callers match on.
//!
//! ```no_run
//! # async fn demo(op: &'static xgen_runtime::Operation) -> Result<(), xgen_runtime::Error> {
//! use std::sync::Arc;
//! use xgen_runtime::kraken::{KrakenCredentials, KrakenEnvelope, KrakenSigner};
//!
//! let credentials = KrakenCredentials::new("my-api-key", "c2VjcmV0")?;
//! let client = xgen_runtime::Client::new(
//!     "https://api.kraken.com",
//!     Arc::new(KrakenSigner::new(credentials)),
//! )?;
//! let params = serde_json::json!({ "asset": "XBT", "refid": "FTQcuak-V6Za8qrWnhzTx67yYHz8Tg" });
//! let cancelled: bool = client.send::<_, KrakenEnvelope, bool>(op, &params).await?;
//! # let _ = cancelled;
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod operation;
pub use operation::*;

mod body;
mod digits;
pub mod envelope;
mod error;
mod escape;
mod nonce;
pub mod registry;
mod reply;
mod route;
mod secret;
mod signer;
mod signers;
pub mod timestamp;
mod transport;

pub use body::{Body, BodyField, FieldValue};
pub use envelope::{Envelope, PlainJson};
pub use error::{Error, ExchangeError, ExchangeFailure};
pub use escape::{escape_text, needs_escape, Escaped};
pub use nonce::{FileNonce, FixedNonce, MonotonicNonce, NonceError, NonceSource};
pub use secret::Secret;
pub use signer::{HttpRequest, SignError, Signer, Unsigned};
// Every scheme module is public under its name (`xgen_runtime::okx`): a new one needs no line here.
pub use signers::*;
pub use timestamp::{
    iso8601_millis, parse_timestamp, FixedTimestamp, SystemClock, TimestampError, TimestampSource,
};
pub use transport::{Client, ClientBuilder, PreparedRequest, RawResponse};
