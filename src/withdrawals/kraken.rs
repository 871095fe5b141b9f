//! Kraken spot: WithdrawCancel, confirmed through WithdrawStatus.

use std::fmt;

use xgen_runtime::kraken::{KrakenEnvelope, KrakenErrorKind};
use xgen_runtime::{Error, Operation};

use super::record::StatusReply;
use super::state::{wire_fields, wire_text};
use super::{Cancel, CancelReply, Status, TypedRecord, WithdrawalState, WithdrawalStatus};
use crate::kraken::{
    operations, CancelWithdrawalRequest, Client, GetStatusRecentWithdrawalsRequest, Withdrawal,
    WithdrawalStatus as IfexStatus, WithdrawalStatusProp,
};

/// A Kraken withdrawal: WithdrawCancel needs the asset as well as the reference id.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KrakenWithdrawal {
    /// The asset withdrawn (`XBT`); WithdrawStatus lists it in Kraken's legacy form (`XXBT`),
    /// which Kraken matches either way.
    pub asset: String,
    /// The withdrawal's reference id (`FTQcuak-V6Za8qrWnhzTx67yYHz8Tg`), not the chain txid.
    pub refid: String,
}

impl fmt::Display for KrakenWithdrawal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.refid, self.asset)
    }
}

/// Kraken spot withdrawals: WithdrawCancel, confirmed through WithdrawStatus (the row whose
/// `refid` matches, among the asset's recent withdrawals).
///
/// | WithdrawCancel reply | [`CancelReply`] |
/// |---|---|
/// | `result: true` (a request only, as Kraken says) | `Requested` |
/// | `result: false` | `Refused` |
/// | `EFunding:Unknown reference id`, `EFunding:Invalid reference id` | `NotFound` |
///
/// WithdrawStatus row: `status-prop` decides when it says anything about a cancel, else the
/// IFEX `status`:
///
/// | `status-prop` | `status` | [`WithdrawalState`] |
/// |---|---|---|
/// | `canceled` | any (the docs pair it with `Failure`) | `Cancelled` |
/// | `cancel-pending` | any | `Cancelling` |
/// | `cancel-denied`, `return` (initiated by Kraken) | any | `NotCancellable` |
/// | none, `onhold` | `Initial`, `Pending` | `Pending` |
/// | none, `onhold` | `Settled` | `NotCancellable` |
/// | none, `onhold` | `Success` | `Completed` |
/// | none, `onhold` | `Failure` | `Failed` |
/// | any other value | | `Unknown` |
///
/// Polling keeps to the rate limit the profile gives WithdrawStatus (Kraken's call counter).
#[derive(Clone, Debug)]
pub struct KrakenWithdrawals {
    client: Client,
}

impl KrakenWithdrawals {
    /// Cancels and confirms through `client`.
    pub fn new(client: Client) -> KrakenWithdrawals {
        KrakenWithdrawals { client }
    }

    /// The generated client underneath.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

/// The shared state of a WithdrawStatus row's `status` and `status-prop`.
fn state_of(status: &IfexStatus, status_prop: Option<&WithdrawalStatusProp>) -> WithdrawalState {
    match status_prop {
        Some(WithdrawalStatusProp::Canceled) => WithdrawalState::Cancelled,
        Some(WithdrawalStatusProp::CancelPending) => WithdrawalState::Cancelling,
        Some(WithdrawalStatusProp::CancelDenied | WithdrawalStatusProp::Return) => {
            WithdrawalState::NotCancellable
        }
        Some(WithdrawalStatusProp::Other(_)) => WithdrawalState::Unknown,
        Some(WithdrawalStatusProp::Onhold) | None => match status {
            IfexStatus::Initial | IfexStatus::Pending => WithdrawalState::Pending,
            IfexStatus::Settled => WithdrawalState::NotCancellable,
            IfexStatus::Success => WithdrawalState::Completed,
            IfexStatus::Failure => WithdrawalState::Failed,
            IfexStatus::Other(_) => WithdrawalState::Unknown,
        },
    }
}

fn cancel_request(id: &KrakenWithdrawal) -> CancelWithdrawalRequest {
    CancelWithdrawalRequest {
        asset: id.asset.clone(),
        refid: id.refid.clone(),
    }
}

/// `Pending`, or `Failure, status-prop canceled`.
fn exchange_status_of(status: &IfexStatus, status_prop: Option<&WithdrawalStatusProp>) -> String {
    let mut text = wire_text(status);
    if let Some(prop) = status_prop {
        text.push_str(", status-prop ");
        text.push_str(&wire_text(prop));
    }
    text
}

impl Cancel for KrakenWithdrawals {
    type Id = KrakenWithdrawal;

    fn exchange(&self) -> &'static str {
        "kraken"
    }

    fn cancel_operation(&self) -> &'static Operation {
        &operations::CANCEL_WITHDRAWAL
    }

    fn cancel_request(&self, id: &KrakenWithdrawal) -> serde_json::Value {
        wire_fields(&cancel_request(id))
    }

    async fn cancel(&self, id: &KrakenWithdrawal) -> Result<CancelReply, Error> {
        match self.client.cancel_withdrawal(&cancel_request(id)).await {
            Ok(true) => Ok(CancelReply::Requested),
            Ok(false) => Ok(CancelReply::Refused {
                reason: "Kraken answered `result: false`".into(),
            }),
            Err(Error::Kraken(errors))
                if errors.has_kind(KrakenErrorKind::UnknownReferenceId)
                    || errors.has_kind(KrakenErrorKind::InvalidReferenceId) =>
            {
                let raw: Vec<&str> = errors.errors.iter().map(|e| e.raw.as_str()).collect();
                Ok(CancelReply::NotFound {
                    reason: xgen_runtime::envelope::body_excerpt(raw.join("; ").as_bytes()),
                })
            }
            Err(other) => Err(other),
        }
    }
}

impl Status for KrakenWithdrawals {
    fn status_operation(&self) -> &'static Operation {
        &operations::GET_STATUS_RECENT_WITHDRAWALS
    }

    async fn status(&self, id: &KrakenWithdrawal) -> Result<Option<WithdrawalStatus>, Error> {
        let request = GetStatusRecentWithdrawalsRequest {
            asset: Some(id.asset.clone()),
            ..GetStatusRecentWithdrawalsRequest::default()
        };
        // As `get_status_recent_withdrawals` sends it, read from `refid`, `status` and
        // `status-prop` alone.
        let reply = StatusReply::fetch::<KrakenEnvelope, _>(
            self.client.runtime(),
            &operations::GET_STATUS_RECENT_WITHDRAWALS,
            &request,
            "result",
        )
        .await?;
        let Some(row) = reply.payload().find("refid", &id.refid)? else {
            return Ok(None);
        };
        let status: IfexStatus = row.require("status")?;
        let status_prop: Option<WithdrawalStatusProp> = row.optional("status-prop")?;
        Ok(Some(WithdrawalStatus {
            state: state_of(&status, status_prop.as_ref()),
            exchange_status: exchange_status_of(&status, status_prop.as_ref()),
            record: row.keep::<Withdrawal>(TypedRecord::Kraken),
        }))
    }
}
