//! Fake crypto exchanges for testing exchange clients: the withdrawal-cancel endpoints of
//! Kraken spot, Kraken Pay, OKX v5, Bybit v5, AlphaPoint APEX, Binance and KuCoin, and the withdrawal-status
//! endpoints a client confirms a cancel with, each a real HTTP/1.1 server on
//! `127.0.0.1:<ephemeral port>`.
//!
//! Each fake:
//! - starts inside the caller's tokio runtime and stops when dropped;
//! - checks auth with **its own** signing code (`hmac`, `sha2`, `base64`, and `rsa` for Bybit RSA
//!   keys), never with the signers of the client under test, and enforces the exchange's replay
//!   rules (Kraken nonces, OKX and Bybit timestamp windows, AlphaPoint nonce reuse);
//! - answers the way the exchange does: its envelope, its error codes, its HTTP statuses. A bad
//!   request never panics the fake; it gets the exchange's error;
//! - records every request ([`Recorded`]: method, path, query, headers, body, the [`Verdict`]
//!   its checks reached, and the reply sent);
//! - plays a scripted [`Reply`] to requests that pass: success (the default), any documented
//!   error of that exchange (a `DocumentedError` enum per module), a rate limit, an HTML 502,
//!   a truncated body, an empty body, or anything raw;
//! - reads time from an injectable [`Clock`], so stale timestamps are deterministic;
//! - keeps a **withdrawal book** (all but Kraken Pay): withdrawals the test adds, each with a
//!   state in the exchange's own vocabulary and a [`CancelScript`] saying what a cancel does and
//!   what the status endpoint shows over the following polls.
//!
//! | module | cancel endpoint | status endpoint(s) | fake |
//! |---|---|---|---|
//! | [`kraken`] | `POST /0/private/WithdrawCancel` | `POST /0/private/WithdrawStatus` | [`kraken::FakeKraken`] |
//! | [`kraken_pay`] | `POST /0/private/Pay/request/cancel` | none (outcome by webhook) | [`kraken_pay::FakeKrakenPay`] |
//! | [`okx`] | `POST /api/v5/asset/cancel-withdrawal` | `GET /api/v5/asset/withdrawal-history` | [`okx::FakeOkx`] |
//! | [`bybit`] | `POST /v5/asset/withdraw/cancel` | `GET /v5/asset/withdraw/query-record` | [`bybit::FakeBybit`] |
//! | [`alphapoint`] | `POST /AP/CancelWithdraw` | `POST /AP/GetWithdrawTicket`, `POST /AP/GetWithdraws` | [`alphapoint::FakeAlphaPoint`] |
//! | [`binance`] | none (Binance has none); its scripted endpoint is `POST /sapi/v1/capital/withdraw/apply` | `GET /sapi/v1/capital/withdraw/history` | [`binance::FakeBinance`] |
//! | [`kucoin`] | `DELETE /api/v1/withdrawals/{withdrawalId}` | `GET /api/v1/withdrawals/{withdrawalId}`, `GET /api/v1/withdrawals` | [`kucoin::FakeKuCoin`] |
//!
//! All seven are [`Fake<E>`](Fake): `base_url`, `respond_with` / `respond_once` (the cancel
//! endpoint), `respond_with_on` / `respond_once_on` (any endpoint, e.g. a one-off rate limit on
//! a status poll), `requests` / `last_request`, `set_clock` work the same everywhere; each
//! module adds its `start` constructor, key management and settings, its `Reply` alias with
//! constructors for its documented errors, its own signing functions (handy for hand-made
//! requests), and its withdrawal book: `add_withdrawal`, `set_withdrawal_state`, `withdrawal`,
//! `withdrawals`, `status_polls`, `status_poll_times`.
//!
//! # The withdrawal book
//!
//! While a fake's book is empty its cancel endpoint answers success to any id, as it always
//! did. Once a test adds a withdrawal, the cancel endpoint consults the book: a known id moves
//! along its [`CancelScript`], an unknown id gets the exchange's not-found error. A scripted
//! reply other than [`Reply::Success`] wins over the book (the request then changes nothing).
//! Status endpoints answer from the book (a [`Reply::Success`] there means exactly that); each
//! accepted status request is counted per withdrawal it concerns (`status_polls`), and each
//! *answered* poll advances a [`CancelScript::CancelsAfter`] countdown by one.
//! [`set_withdrawal_state`](okx::FakeOkx::set_withdrawal_state) drives a withdrawal by hand.
//!
//! Secrets given to a fake stay in memory: no `Debug`, `Display` or error message prints them,
//! and `Recorded`'s `Debug` redacts credential headers such as `OK-ACCESS-PASSPHRASE`.
//!
//! # Example
//!
//! Start a fake, point the client's base URL at [`Fake::base_url`], script a reply, and look at
//! what the fake received. Here the "client" is a bare HTTP request signed by hand; a generated
//! client takes the same base URL (e.g. `Client::with_base_url(signer, &fake.base_url())`).
//!
//! ```
//! use xgen_fake_exchanges::okx::{self, DocumentedError, FakeOkx, Reply, Verdict};
//! use xgen_fake_exchanges::Clock;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! # let _ = rustls::crypto::ring::default_provider().install_default();
//! let fake = FakeOkx::start("my-key", "my-secret", "my-passphrase").await;
//! fake.set_clock(Clock::Fixed(1_607_418_537_715)); // 2020-12-08T09:08:57.715Z
//!
//! let body = r#"{"wdId":"1123456"}"#;
//! let ts = okx::timestamp(1_607_418_537_715);
//! let sign = okx::sign("my-secret", &ts, "POST", okx::CANCEL_WITHDRAWAL_PATH, body.as_bytes());
//! let send = || {
//!     reqwest::Client::new()
//!         .post(format!("{}{}", fake.base_url(), okx::CANCEL_WITHDRAWAL_PATH))
//!         .header("Content-Type", "application/json")
//!         .header("OK-ACCESS-KEY", "my-key")
//!         .header("OK-ACCESS-SIGN", &sign)
//!         .header("OK-ACCESS-TIMESTAMP", &ts)
//!         .header("OK-ACCESS-PASSPHRASE", "my-passphrase")
//!         .body(body)
//!         .send()
//! };
//!
//! let reply = send().await.unwrap().text().await.unwrap();
//! assert_eq!(reply, r#"{"code":"0","msg":"","data":[{"wdId":"1123456"}]}"#);
//!
//! fake.respond_with(Reply::error(DocumentedError::WithdrawalIdDoesNotExist));
//! let reply = send().await.unwrap().text().await.unwrap();
//! assert_eq!(reply, r#"{"code":"58215","msg":"Withdrawal ID does not exist.","data":[]}"#);
//!
//! let seen = fake.last_request().unwrap();
//! assert_eq!(seen.verdict, Verdict::Accepted);
//! assert_eq!(seen.header("ok-access-key"), Some("my-key"));
//! # }
//! ```

#![warn(missing_docs)]

mod book;
mod clock;
mod record;
mod reply;
mod server;
mod util;

pub mod alphapoint;
pub mod binance;
pub mod bybit;
pub mod kraken;
pub mod kraken_pay;
pub mod kucoin;
pub mod okx;

pub use book::CancelScript;
pub use clock::Clock;
pub use record::{Recorded, Verdict};
pub use reply::Reply;
pub use server::{Exchange, Fake, StartError};

/// The `rsa` crate this crate verifies Bybit RSA signatures with, for building
/// [`bybit::Credential::Rsa`] keys of the matching version.
pub use rsa;

/// The `ed25519-dalek` crate this crate verifies Binance Ed25519 signatures with, for building
/// [`binance::Credential::Ed25519`] keys of the matching version.
pub use ed25519_dalek;
