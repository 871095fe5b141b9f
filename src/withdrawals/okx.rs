//! OKX: cancel-withdrawal, confirmed through withdrawal-history.

use xgen_runtime::okx::{OkxEnvelope, OkxErrorKind};
use xgen_runtime::{Error, Operation};

use super::record::StatusReply;
use super::state::{exchange_words, wire_fields, wire_text};
use super::{Cancel, CancelReply, Status, TypedRecord, WithdrawalState, WithdrawalStatus};
use crate::okx::{
    operations, CancelWithdrawalRequest, Client, GetWithdrawalHistoryRequest, WithdrawalRecord,
    WithdrawalState as OkxState,
};

/// OKX withdrawals, by `wdId`: cancel-withdrawal, confirmed through withdrawal-history.
///
/// | cancel-withdrawal reply | [`CancelReply`] |
/// |---|---|
/// | `code: "0"` (accepted, "not strictly revoked", as OKX says) | `Requested` |
/// | `58220` withdrawal request already canceled | `AlreadyCancelling` |
/// | `58216` operation not allowed | `Refused` |
/// | `58215` withdrawal ID does not exist | `NotFound` |
///
/// withdrawal-history `state` (OKX: "only `0`, `17` and `19` can be cancelled"):
///
/// | `state` | [`WithdrawalState`] |
/// |---|---|
/// | `0` waiting withdrawal, `17` pending Travel Rule, `19` hot wallet insufficient | `Pending` |
/// | `10`, `4`, `5`, `6`, `8`, `9`, `12` (waiting), `7` approved, `1` broadcasting, `15` pending validation, `16` regulatory delay | `NotCancellable` |
/// | `-3` canceling | `Cancelling` |
/// | `-2` canceled | `Cancelled` |
/// | `-1` failed | `Failed` |
/// | `2` success | `Completed` |
/// | any other value | `Unknown` |
#[derive(Clone, Debug)]
pub struct OkxWithdrawals {
    client: Client,
}

impl OkxWithdrawals {
    /// Cancels and confirms through `client`.
    pub fn new(client: Client) -> OkxWithdrawals {
        OkxWithdrawals { client }
    }

    /// The generated client underneath.
    pub fn client(&self) -> &Client {
        &self.client
    }
}

fn state_of(state: &OkxState) -> WithdrawalState {
    match state {
        OkxState::WaitingWithdrawal
        | OkxState::PendingTravelRule
        | OkxState::HotWalletInsufficient => WithdrawalState::Pending,
        OkxState::WaitingTransfer
        | OkxState::WaitingManualReview4
        | OkxState::WaitingManualReview5
        | OkxState::WaitingManualReview6
        | OkxState::WaitingManualReview8
        | OkxState::WaitingManualReview9
        | OkxState::WaitingManualReview12
        | OkxState::Approved
        | OkxState::Broadcasting
        | OkxState::PendingTxValidation
        | OkxState::RegulatoryDelay => WithdrawalState::NotCancellable,
        OkxState::Canceling => WithdrawalState::Cancelling,
        OkxState::Canceled => WithdrawalState::Cancelled,
        OkxState::Failed => WithdrawalState::Failed,
        OkxState::Success => WithdrawalState::Completed,
        OkxState::Other(_) => WithdrawalState::Unknown,
    }
}

fn cancel_request(wd_id: &str) -> CancelWithdrawalRequest {
    CancelWithdrawalRequest {
        wd_id: wd_id.to_owned(),
    }
}

impl Cancel for OkxWithdrawals {
    /// The withdrawal's `wdId`.
    type Id = str;

    fn exchange(&self) -> &'static str {
        "okx"
    }

    fn cancel_operation(&self) -> &'static Operation {
        &operations::CANCEL_WITHDRAWAL
    }

    fn cancel_request(&self, wd_id: &str) -> serde_json::Value {
        wire_fields(&cancel_request(wd_id))
    }

    async fn cancel(&self, wd_id: &str) -> Result<CancelReply, Error> {
        match self.client.cancel_withdrawal(&cancel_request(wd_id)).await {
            Ok(_) => Ok(CancelReply::Requested),
            Err(Error::Okx(e)) => {
                let reason = exchange_words(&e.code, &e.message);
                match e.kind {
                    OkxErrorKind::WithdrawalAlreadyCanceled => {
                        Ok(CancelReply::AlreadyCancelling { reason })
                    }
                    OkxErrorKind::OperationNotAllowed => Ok(CancelReply::Refused { reason }),
                    OkxErrorKind::WithdrawalNotFound => Ok(CancelReply::NotFound { reason }),
                    _ => Err(Error::Okx(e)),
                }
            }
            Err(other) => Err(other),
        }
    }
}

impl Status for OkxWithdrawals {
    fn status_operation(&self) -> &'static Operation {
        &operations::GET_WITHDRAWAL_HISTORY
    }

    async fn status(&self, wd_id: &str) -> Result<Option<WithdrawalStatus>, Error> {
        let request = GetWithdrawalHistoryRequest {
            wd_id: Some(wd_id.to_owned()),
            ..GetWithdrawalHistoryRequest::default()
        };
        // As `get_withdrawal_history` sends it, read from `wdId` and `state` alone.
        let reply = StatusReply::fetch::<OkxEnvelope, _>(
            self.client.runtime(),
            &operations::GET_WITHDRAWAL_HISTORY,
            &request,
            "data",
        )
        .await?;
        let Some(record) = reply.payload().find("wdId", wd_id)? else {
            return Ok(None);
        };
        let state: OkxState = record.require("state")?;
        Ok(Some(WithdrawalStatus {
            state: state_of(&state),
            exchange_status: wire_text(&state),
            record: record.keep::<WithdrawalRecord>(TypedRecord::Okx),
        }))
    }
}
