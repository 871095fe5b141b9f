//! One cancel-and-confirm API over every exchange's withdrawal endpoints.
//!
//! Every exchange answers a withdrawal cancel with "request received", never "cancelled": the
//! outcome shows later in its status endpoint, in its own vocabulary. This module is the
//! hand-written layer over the generated clients that reads those vocabularies for you:
//!
//! - [`WithdrawalState`]: the state every exchange's status maps into (pending, cancelling,
//!   cancelled, completed, failed, not cancellable, unknown), always next to the exchange's own
//!   status and the whole record it came in ([`WithdrawalStatus`]);
//! - [`Cancel::cancel`]: sends the cancel and says what the exchange answered
//!   ([`CancelReply::Requested`], or its refusal in its own words);
//! - [`Status::status`]: reads the status endpoint once;
//! - [`Status::cancel_and_confirm`]: cancels, then polls the status endpoint, with backoff and
//!   within the endpoint's documented rate limit, until the state is final or the deadline
//!   passes, and returns an [`Outcome`] that cannot be misread.
//!
//! One type per exchange implements the traits: [`KrakenWithdrawals`], [`OkxWithdrawals`],
//! [`BybitWithdrawals`], [`AlphaPointWithdrawals`], [`KucoinWithdrawals`]. [`KrakenPayRequests`] implements
//! [`Cancel`] only: Kraken Pay has no status endpoint (the outcome arrives by signed webhook),
//! so `cancel_and_confirm` does not exist for it rather than pretending. [`BinanceWithdrawals`] is
//! the other way round: Binance has no cancel endpoint, so it has an inherent `status` alone.
//!
//! ```compile_fail
//! # async fn no_status(pay: xgen_clients::withdrawals::KrakenPayRequests) {
//! use xgen_clients::withdrawals::Status;
//! // Kraken Pay has no status endpoint: this does not compile.
//! pay.cancel_and_confirm("invoice-1", &Default::default()).await;
//! # }
//! ```

mod alphapoint;
mod binance;
mod bybit;
mod confirm;
mod kraken;
mod kraken_pay;
mod kucoin;
mod okx;
mod record;
mod state;

use std::fmt;
use std::future::Future;

use xgen_runtime::{Error, Operation, RateLimit};

pub use alphapoint::{AlphaPointAccount, AlphaPointWithdrawals};
pub use binance::BinanceWithdrawals;
pub use bybit::BybitWithdrawals;
pub use confirm::{ConfirmOptions, Progress};
pub use kraken::{KrakenWithdrawal, KrakenWithdrawals};
pub use kraken_pay::KrakenPayRequests;
pub use kucoin::KucoinWithdrawals;
pub use okx::OkxWithdrawals;
pub use state::{
    CancelReply, ExchangeRecord, Outcome, RecordError, TypedRecord, WithdrawalState,
    WithdrawalStatus,
};

/// An exchange on which a withdrawal (or payment request) can be asked to cancel.
pub trait Cancel: Sync {
    /// What names one withdrawal on this exchange (OKX `wdId`, Kraken asset and `refid`, ...).
    type Id: ?Sized + fmt::Display + Sync;

    /// The exchange's name in xgen (`okx`), for messages.
    fn exchange(&self) -> &'static str;

    /// The cancel endpoint, as the generated client describes it (method, path, rate limit).
    fn cancel_operation(&self) -> &'static Operation;

    /// The cancel request's fields as they go on the wire (the signer adds its own), to show
    /// an operator what was sent.
    fn cancel_request(&self, id: &Self::Id) -> serde_json::Value;

    /// Sends the cancel. `Ok` whenever the exchange answered about this withdrawal: the request
    /// was accepted ([`CancelReply::Requested`], which is not "cancelled"), or refused with its
    /// reason. `Err` for everything else (credentials, network, an unreadable reply); see
    /// [`Error::outcome_unknown`] for whether the cancel may still have gone through.
    fn cancel(&self, id: &Self::Id) -> impl Future<Output = Result<CancelReply, Error>> + Send;
}

/// An exchange whose status endpoint tells what became of a withdrawal.
pub trait Status: Cancel {
    /// The status endpoint, as the generated client describes it (method, path, rate limit).
    fn status_operation(&self) -> &'static Operation;

    /// Reads the withdrawal's status once: `Ok(None)` when the status endpoint does not list
    /// it.
    ///
    /// The state is read from the record's id and status fields alone: a record that lacks
    /// another documented field, carries fields the docs do not list, or has an unrelated field
    /// of another type still gives its state (what did not fit is in
    /// [`ExchangeRecord::typed`]). A reply the envelope refuses, or a record whose status field
    /// is missing or unreadable, is [`Error::Decode`] naming the JSON path.
    fn status(
        &self,
        id: &Self::Id,
    ) -> impl Future<Output = Result<Option<WithdrawalStatus>, Error>> + Send;

    /// The rate limit polling keeps to: the status endpoint's documented limit, if its spec
    /// gives one.
    fn status_rate_limit(&self) -> Option<RateLimit> {
        self.status_operation().rate_limit
    }

    /// Cancels the withdrawal, then polls its status until the state is final or
    /// `options.deadline` passes; see [`Outcome`] for what each result means.
    ///
    /// `Err` only when the cancel was definitely not accepted and nothing more can be learned:
    /// bad credentials, a missing permission, a request the exchange rejects as malformed. Once
    /// a cancel may have been accepted, every answer is an [`Outcome`] (a status endpoint that
    /// keeps failing gives [`Outcome::StillUnknown`] with its last error).
    ///
    /// The future can be dropped at any point (between polls it is only waiting): nothing more
    /// is sent after it is dropped.
    fn cancel_and_confirm(
        &self,
        id: &Self::Id,
        options: &ConfirmOptions,
    ) -> impl Future<Output = Result<Outcome, Error>> + Send
    where
        Self: Sized,
    {
        confirm::cancel_and_confirm(self, id, options, |_: &Progress<'_>| {})
    }

    /// [`Status::cancel_and_confirm`], telling `observe` about each step as it happens: what
    /// was sent, each status seen, each wait. `xgen cancel` prints these.
    fn cancel_and_confirm_observed<F>(
        &self,
        id: &Self::Id,
        options: &ConfirmOptions,
        observe: F,
    ) -> impl Future<Output = Result<Outcome, Error>> + Send
    where
        Self: Sized,
        F: FnMut(&Progress<'_>) + Send,
    {
        confirm::cancel_and_confirm(self, id, options, observe)
    }
}
