//! Bybit: withdraw/cancel, confirmed through withdraw/query-record.

use xgen_runtime::bybit::{BybitEnvelope, BybitErrorKind};
use xgen_runtime::{Error, Operation};

use super::record::StatusReply;
use super::state::{exchange_words, wire_fields, wire_text};
use super::{Cancel, CancelReply, Status, TypedRecord, WithdrawalState, WithdrawalStatus};
use crate::bybit::{
    operations, CancelWithdrawalRequest, CancelWithdrawalResponseStatus, Client,
    GetWithdrawalRecordsRequest, WithdrawStatus, WithdrawType, WithdrawalRecord,
};

/// Bybit withdrawals, by withdrawal id: withdraw/cancel, confirmed through query-record
/// (asked with `withdrawID` and `withdrawType=2`, so off-chain withdrawals are listed too; the
/// row is matched on its `withdrawId`).
///
/// | withdraw/cancel reply | [`CancelReply`] |
/// |---|---|
/// | `result.status: 1` (accepted, as Bybit says) | `Requested` |
/// | `result.status: 0` (fail: not cancellable, or already cancelled) | `Refused` |
/// | `131002` asset parameter error (what an unknown id gets) | `Refused`; the status read that follows tells "not found" |
///
/// query-record `status` (Bybit has no "cancelling" status: a pending withdrawal stays
/// `Pending` until it shows `CancelByUser`):
///
/// | `status` | [`WithdrawalState`] |
/// |---|---|
/// | `SecurityCheck`, `Pending`, `MoreInformationRequired` | `Pending` |
/// | `CancelByUser` | `Cancelled` |
/// | `success`, `BlockchainConfirmed` | `Completed` |
/// | `Reject`, `Fail` | `Failed` |
/// | `Unknown`, any other value | `Unknown` |
#[derive(Clone, Debug)]
pub struct BybitWithdrawals {
    client: Client,
}

impl BybitWithdrawals {
    /// Cancels and confirms through `client`.
    pub fn new(client: Client) -> BybitWithdrawals {
        BybitWithdrawals { client }
    }

    /// The generated client underneath.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

fn state_of(status: &WithdrawStatus) -> WithdrawalState {
    match status {
        WithdrawStatus::SecurityCheck
        | WithdrawStatus::Pending
        | WithdrawStatus::MoreInformationRequired => WithdrawalState::Pending,
        WithdrawStatus::CancelByUser => WithdrawalState::Cancelled,
        WithdrawStatus::Success | WithdrawStatus::BlockchainConfirmed => WithdrawalState::Completed,
        WithdrawStatus::Reject | WithdrawStatus::Fail => WithdrawalState::Failed,
        WithdrawStatus::Unknown | WithdrawStatus::Other(_) => WithdrawalState::Unknown,
    }
}

fn cancel_request(id: &str) -> CancelWithdrawalRequest {
    CancelWithdrawalRequest { id: id.to_owned() }
}

impl Cancel for BybitWithdrawals {
    /// The withdrawal id (`withdrawId` in query-record, `id` in the cancel).
    type Id = str;

    fn exchange(&self) -> &'static str {
        "bybit"
    }

    fn cancel_operation(&self) -> &'static Operation {
        &operations::CANCEL_WITHDRAWAL
    }

    fn cancel_request(&self, id: &str) -> serde_json::Value {
        wire_fields(&cancel_request(id))
    }

    async fn cancel(&self, id: &str) -> Result<CancelReply, Error> {
        match self.client.cancel_withdrawal(&cancel_request(id)).await {
            Ok(reply) => Ok(match reply.status {
                CancelWithdrawalResponseStatus::V1 => CancelReply::Requested,
                CancelWithdrawalResponseStatus::V0 => CancelReply::Refused {
                    reason: "Bybit answered `status: 0` (fail): the withdrawal cannot be \
                             cancelled, or is already cancelled"
                        .into(),
                },
                CancelWithdrawalResponseStatus::Other(value) => CancelReply::Refused {
                    reason: format!("Bybit answered `status: {value}`, which its docs do not list"),
                },
            }),
            Err(Error::Bybit(e)) if e.kind == BybitErrorKind::AssetParameterError => {
                Ok(CancelReply::Refused {
                    reason: exchange_words(e.ret_code, &e.message),
                })
            }
            Err(other) => Err(other),
        }
    }
}

impl Status for BybitWithdrawals {
    fn status_operation(&self) -> &'static Operation {
        &operations::GET_WITHDRAWAL_RECORDS
    }

    async fn status(&self, id: &str) -> Result<Option<WithdrawalStatus>, Error> {
        let request = GetWithdrawalRecordsRequest {
            withdraw_id: Some(id.to_owned()),
            withdraw_type: Some(WithdrawType::All),
            ..GetWithdrawalRecordsRequest::default()
        };
        // As `get_withdrawal_records` sends it, read from `withdrawId` and `status` alone.
        let reply = StatusReply::fetch::<BybitEnvelope, _>(
            self.client.runtime(),
            &operations::GET_WITHDRAWAL_RECORDS,
            &request,
            "result",
        )
        .await?;
        let Some(row) = reply.payload().field("rows")?.find("withdrawId", id)? else {
            return Ok(None);
        };
        let status: WithdrawStatus = row.require("status")?;
        Ok(Some(WithdrawalStatus {
            state: state_of(&status),
            exchange_status: wire_text(&status),
            record: row.keep::<WithdrawalRecord>(TypedRecord::Bybit),
        }))
    }
}
