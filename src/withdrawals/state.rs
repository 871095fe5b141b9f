//! The shared vocabulary: states, statuses, cancel replies and outcomes.

use std::fmt;

use xgen_runtime::{Error, Escaped};

use crate::{alphapoint, binance, bybit, kraken, kucoin, okx};

/// Where a withdrawal stands, in one vocabulary for every exchange.
///
/// Each exchange's status maps into exactly one state (the tables are in the docs of
/// [`KrakenWithdrawals`](super::KrakenWithdrawals) and its siblings); the exchange's own words
/// are always kept next to it in [`WithdrawalStatus`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WithdrawalState {
    /// Not sent yet, and as far as the exchange says, still cancellable.
    Pending,
    /// A cancel is in progress (OKX `-3` canceling, Kraken `cancel-pending`).
    Cancelling,
    /// Cancelled: the funds stay on the exchange. Final.
    Cancelled,
    /// Sent: the funds have left. Final.
    Completed,
    /// The withdrawal failed or was rejected by the exchange; the funds did not leave. Final.
    Failed,
    /// In progress, past the point where it can be cancelled (broadcasting, settled, a refused
    /// cancel). It will complete or fail, but not cancel.
    NotCancellable,
    /// A status this crate does not know (a value the docs do not list); the raw status says
    /// what the exchange sent.
    Unknown,
}

impl WithdrawalState {
    /// Whether the withdrawal can no longer change: cancelled, completed or failed.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            WithdrawalState::Cancelled | WithdrawalState::Completed | WithdrawalState::Failed
        )
    }

    /// The state in words, as `xgen cancel` prints it.
    pub fn as_str(self) -> &'static str {
        match self {
            WithdrawalState::Pending => "pending",
            WithdrawalState::Cancelling => "cancelling",
            WithdrawalState::Cancelled => "cancelled",
            WithdrawalState::Completed => "completed",
            WithdrawalState::Failed => "failed",
            WithdrawalState::NotCancellable => "not cancellable",
            WithdrawalState::Unknown => "unknown",
        }
    }
}

impl fmt::Display for WithdrawalState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One withdrawal's status as a status endpoint reported it: the shared state, the exchange's
/// own status, and the whole record, so nothing the exchange said is lost.
///
/// The state comes from the fields its mapping needs alone (the id that picks the record and
/// the status), so a record that lacks another documented field, carries fields the docs do not
/// list, or has an unrelated field of another type still gives its state; what did not fit the
/// documented type is in [`ExchangeRecord::typed`].
#[derive(Clone, Debug, PartialEq)]
pub struct WithdrawalStatus {
    /// The state in the shared vocabulary.
    pub state: WithdrawalState,
    /// The exchange's own status, as it sent it: `Failure, status-prop canceled` (Kraken),
    /// `-2` (OKX), `CancelByUser` (Bybit), `11 UserCanceled` or `UserCanceled` (AlphaPoint).
    /// `Display` escapes control characters in it; the field keeps it as sent.
    pub exchange_status: String,
    /// The record the status endpoint returned: as sent, and in the generated client's types.
    pub record: ExchangeRecord,
}

impl fmt::Display for WithdrawalStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.state, Escaped(&self.exchange_status))
    }
}

/// The record a status endpoint returned for one withdrawal: always as the exchange sent it,
/// and in the generated client's type when it decodes as one.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ExchangeRecord {
    /// The record's JSON object exactly as received (fields the docs do not list included).
    pub raw: serde_json::Value,
    /// The record in the generated client's type, or where and why it did not decode as one
    /// (`data[0]: missing field `amt``): the state never depends on it.
    pub typed: Result<TypedRecord, RecordError>,
}

/// Why a record did not decode as the generated client's type.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordError {
    /// The JSON path of the failure from the top of the reply: `data[0].amt`, `ticketNumber`,
    /// `result.rows[1]` (for a missing field, the record that lacks it).
    pub path: String,
    /// What did not fit, in serde's words: ``missing field `ticketNumber` ``,
    /// `invalid type: integer `7`, expected a string`.
    pub message: String,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() {
            "the record"
        } else {
            &self.path
        };
        write!(f, "{}: {}", Escaped(path), Escaped(&self.message))
    }
}

impl std::error::Error for RecordError {}

/// A status record in the generated client's type.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum TypedRecord {
    /// A row of Kraken's WithdrawStatus.
    Kraken(Box<kraken::Withdrawal>),
    /// A record of OKX's withdrawal history.
    Okx(Box<okx::WithdrawalRecord>),
    /// A row of Bybit's withdrawal records.
    Bybit(Box<bybit::WithdrawalRecord>),
    /// AlphaPoint's withdraw ticket.
    AlphaPoint(Box<alphapoint::WithdrawTicket>),
    /// A record of Binance's withdraw history.
    Binance(Box<binance::GetSapiV1CapitalWithdrawHistoryResponseItem>),
    /// KuCoin's single-withdrawal record.
    Kucoin(Box<kucoin::AccountWithdrawalGetWithdrawalHistoryByIdResponse>),
}

/// What the exchange answered to a cancel. Only [`CancelReply::Requested`] means it took the
/// request, and even that is not "cancelled": the status endpoint says whether it happened.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CancelReply {
    /// The exchange accepted the cancellation request.
    Requested,
    /// The exchange says the withdrawal is already cancelled or being cancelled (OKX `58220`,
    /// AlphaPoint "already canceled").
    AlreadyCancelling {
        /// The exchange's words.
        reason: String,
    },
    /// The exchange refused to cancel (OKX `58216`, Bybit `status: 0`, AlphaPoint `101`).
    Refused {
        /// The exchange's words.
        reason: String,
    },
    /// The exchange does not know this withdrawal (Kraken `EFunding:Unknown reference id`, OKX
    /// `58215`, AlphaPoint "Withdraw Ticket not found").
    NotFound {
        /// The exchange's words.
        reason: String,
    },
}

impl fmt::Display for CancelReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CancelReply::Requested => {
                f.write_str("cancellation requested (accepted, not yet done)")
            }
            CancelReply::AlreadyCancelling { reason } => {
                write!(f, "already cancelled or cancelling: {}", Escaped(reason))
            }
            CancelReply::Refused { reason } => write!(f, "cancel refused: {}", Escaped(reason)),
            CancelReply::NotFound { reason } => {
                write!(f, "withdrawal not found: {}", Escaped(reason))
            }
        }
    }
}

/// What [`Status::cancel_and_confirm`](super::Status::cancel_and_confirm) found out. Only
/// [`Outcome::Cancelled`] means the funds stay home because of the cancel.
#[derive(Debug)]
#[non_exhaustive]
pub enum Outcome {
    /// The status endpoint shows the withdrawal cancelled.
    Cancelled {
        /// The status that showed it.
        status: WithdrawalStatus,
    },
    /// Too late: the status endpoint shows the withdrawal completed; the funds have left.
    TooLate {
        /// The status that showed it.
        status: WithdrawalStatus,
    },
    /// The withdrawal failed or was rejected by the exchange on its own: the funds did not
    /// leave, but not because of this cancel.
    Failed {
        /// The status that showed it.
        status: WithdrawalStatus,
    },
    /// The exchange refused the cancel, or its status shows the withdrawal past cancelling; it
    /// will go ahead.
    Refused {
        /// The exchange's reason, in its words.
        reason: String,
        /// The status read after the refusal, if the endpoint listed the withdrawal.
        status: Option<WithdrawalStatus>,
    },
    /// The exchange does not know this withdrawal: the cancel said so and the status endpoint
    /// does not list it.
    NotFound {
        /// The exchange's words.
        reason: String,
    },
    /// The deadline passed (or the status endpoint cannot be read) before the state was final.
    /// The cancel may still happen: check again.
    StillUnknown {
        /// Why the outcome is unknown, in words.
        reason: String,
        /// The last status seen, if any.
        last_status: Option<WithdrawalStatus>,
        /// The last error, if the last attempt failed.
        last_error: Option<Error>,
    },
}

impl Outcome {
    /// Whether the withdrawal is confirmed cancelled.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, Outcome::Cancelled { .. })
    }

    /// The last status seen, if any.
    pub fn status(&self) -> Option<&WithdrawalStatus> {
        match self {
            Outcome::Cancelled { status }
            | Outcome::TooLate { status }
            | Outcome::Failed { status } => Some(status),
            Outcome::Refused { status, .. } => status.as_ref(),
            Outcome::StillUnknown { last_status, .. } => last_status.as_ref(),
            Outcome::NotFound { .. } => None,
        }
    }
}

impl fmt::Display for Outcome {
    /// The outcome in words; the exchange's words in it are escaped (control characters and
    /// bidi controls), as in every runtime error.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Cancelled { status } => write!(
                f,
                "cancelled: the exchange shows the withdrawal cancelled ({})",
                Escaped(&status.exchange_status)
            ),
            Outcome::TooLate { status } => write!(
                f,
                "too late: the withdrawal completed and the funds have left ({})",
                Escaped(&status.exchange_status)
            ),
            Outcome::Failed { status } => write!(
                f,
                "failed: the withdrawal failed or was rejected by the exchange, not cancelled; \
                 the funds did not leave ({})",
                Escaped(&status.exchange_status)
            ),
            Outcome::Refused { reason, status } => {
                write!(
                    f,
                    "refused: the exchange will not cancel it: {}",
                    Escaped(reason)
                )?;
                match status {
                    Some(status) => write!(f, "; status now {status}"),
                    None => Ok(()),
                }
            }
            Outcome::NotFound { reason } => {
                write!(
                    f,
                    "not found: the exchange does not know this withdrawal: {}",
                    Escaped(reason)
                )
            }
            Outcome::StillUnknown {
                reason,
                last_status,
                last_error,
            } => {
                write!(f, "still unknown: {}", Escaped(reason))?;
                if let Some(status) = last_status {
                    write!(f, "; last status {status}")?;
                }
                if let Some(error) = last_error {
                    write!(f, "; last error: {error}")?;
                }
                Ok(())
            }
        }
    }
}

/// An exchange's refusal in its own words, `code: message`, made safe to print: the text comes
/// from the exchange and must not drive a terminal.
pub(super) fn exchange_words(code: impl fmt::Display, message: &str) -> String {
    xgen_runtime::envelope::body_excerpt(format!("{code}: {message}").as_bytes())
}

/// A request's fields as they go on the wire, for [`Cancel::cancel_request`](super::Cancel::cancel_request):
/// serialized from the request itself, so what is shown is what is sent.
pub(super) fn wire_fields<T: serde::Serialize>(request: &T) -> serde_json::Value {
    // Generated request structs hold strings and numbers only, which always serialize.
    serde_json::to_value(request).unwrap_or_default()
}

/// A status value as it travels on the wire (`cancel-pending`, `-3`, `11`), for
/// [`WithdrawalStatus::exchange_status`].
pub(super) fn wire_text<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        Ok(other) => other.to_string(),
        // Generated enums serialize to a string or a number; nothing else reaches here.
        Err(e) => format!("<unprintable: {e}>"),
    }
}
