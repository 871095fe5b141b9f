//! KuCoin: cancel-withdrawal, confirmed through the single-withdrawal record.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use xgen_runtime::kucoin::{KucoinEnvelope, KucoinError, KucoinErrorKind};
use xgen_runtime::{Error, Operation};

use super::record::StatusReply;
use super::state::{exchange_words, wire_fields};
use super::{Cancel, CancelReply, Status, TypedRecord, WithdrawalState, WithdrawalStatus};
use crate::kucoin::{
    operations, AccountWithdrawalCancelWithdrawalRequest,
    AccountWithdrawalGetWithdrawalHistoryByIdRequest,
    AccountWithdrawalGetWithdrawalHistoryByIdResponse, Client,
};

/// KuCoin withdrawals, by withdrawal id: `DELETE /api/v1/withdrawals/{withdrawalId}`,
/// confirmed through `GET /api/v1/withdrawals/{withdrawalId}`.
///
/// | cancel reply | [`CancelReply`] |
/// |---|---|
/// | `code: "200000"`, `data: null` (accepted; KuCoin says no more) | `Requested` |
/// | `400100`, KuCoin's generic parameter error, any HTTP status but 429 | `Refused`; the status read that follows tells "not found" (`data: null`), "too late" (`SUCCESS`) or "refused" |
///
/// KuCoin has no code of its own for "not `PROCESSING`" or "no such withdrawal", so both come as
/// `400100`; the status read after it tells them apart. The spec types the cancel's `data` as a
/// string, yet KuCoin's own example sends `null`: the reply is read as any JSON.
///
/// KuCoin has **no cancelled status**. Its spec gives the status as "Available value: REVIEW,
/// PROCESSING, WALLET_PROCESSING, SUCCESS and FAILURE" and says of the cancel "Only withdrawal
/// requests with PROCESSING status can be canceled"; the single-withdrawal record adds
/// `cancelType` (`CANCELABLE`, `CANCELING`, `NON_CANCELABLE`). A cancelled withdrawal leaves
/// `PROCESSING` for `FAILURE`, the status a failed one ends in too (the funds stay on KuCoin
/// either way), and nothing in the record tells the two apart once `cancelType` has moved on.
/// So `FAILURE` reads as `Cancelled` only when this value (or a clone) had its own cancel of that
/// id accepted, or when the record still says `CANCELING`; otherwise it is `Failed`:
///
/// | `status` (`cancelType`) | [`WithdrawalState`] |
/// |---|---|
/// | `PROCESSING` (`CANCELABLE`, or none) | `Pending` |
/// | `PROCESSING` (`CANCELING`) | `Cancelling` |
/// | `PROCESSING` (`NON_CANCELABLE`), `REVIEW`, `WALLET_PROCESSING` | `NotCancellable` |
/// | `SUCCESS` | `Completed` |
/// | `FAILURE` after a cancel of this id that KuCoin accepted through this value, or with `CANCELING` | `Cancelled` |
/// | `FAILURE` otherwise | `Failed` |
/// | any other value | `Unknown` |
///
/// [`WithdrawalStatus::exchange_status`] is `status` and `cancelType` together
/// (`FAILURE, cancelType NON_CANCELABLE`). What the single-withdrawal endpoint answers for an
/// unknown id is not documented; `data: null` reads as "not listed" (`Ok(None)`).
///
/// The client must send the withdrawal operations to the Spot host (`Client::new` does; a
/// client built with `with_base_url` sends everything to that one URL).
#[derive(Clone, Debug)]
pub struct KucoinWithdrawals {
    client: Client,
    // Ids whose cancel KuCoin accepted through this value (and its clones): what tells a
    // cancelled withdrawal's FAILURE from a failed one's.
    accepted: Arc<Mutex<HashSet<String>>>,
}

impl KucoinWithdrawals {
    /// Cancels and confirms through `client` (the Spot host).
    pub fn new(client: Client) -> KucoinWithdrawals {
        KucoinWithdrawals {
            client,
            accepted: Arc::default(),
        }
    }

    /// The generated client underneath.
    pub fn client(&self) -> &Client {
        &self.client
    }

    fn was_accepted(&self, id: &str) -> bool {
        self.accepted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(id)
    }
}

fn state_of(status: &str, cancel_type: Option<&str>, cancel_accepted: bool) -> WithdrawalState {
    match (status, cancel_type) {
        ("PROCESSING", Some("CANCELING")) => WithdrawalState::Cancelling,
        ("PROCESSING", Some("NON_CANCELABLE")) => WithdrawalState::NotCancellable,
        ("PROCESSING", _) => WithdrawalState::Pending,
        ("REVIEW" | "WALLET_PROCESSING", _) => WithdrawalState::NotCancellable,
        ("SUCCESS", _) => WithdrawalState::Completed,
        ("FAILURE", Some("CANCELING")) => WithdrawalState::Cancelled,
        ("FAILURE", _) if cancel_accepted => WithdrawalState::Cancelled,
        ("FAILURE", _) => WithdrawalState::Failed,
        _ => WithdrawalState::Unknown,
    }
}

fn cancel_request(id: &str) -> AccountWithdrawalCancelWithdrawalRequest {
    AccountWithdrawalCancelWithdrawalRequest {
        withdrawal_id: id.to_owned(),
    }
}

impl Cancel for KucoinWithdrawals {
    /// The withdrawal id (`withdrawalId`, the `id` of the records).
    type Id = str;

    fn exchange(&self) -> &'static str {
        "kucoin"
    }

    fn cancel_operation(&self) -> &'static Operation {
        &operations::ACCOUNT_WITHDRAWAL_CANCEL_WITHDRAWAL
    }

    fn cancel_request(&self, id: &str) -> serde_json::Value {
        wire_fields(&cancel_request(id))
    }

    async fn cancel(&self, id: &str) -> Result<CancelReply, Error> {
        // Read as any JSON: the spec types `data` as a string, KuCoin's own example sends null.
        let sent = self
            .client
            .runtime()
            .send::<_, KucoinEnvelope, serde_json::Value>(
                &operations::ACCOUNT_WITHDRAWAL_CANCEL_WITHDRAWAL,
                &cancel_request(id),
            )
            .await;
        match sent {
            Ok(_) => {
                self.accepted
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(id.to_owned());
                Ok(CancelReply::Requested)
            }
            Err(error) => match KucoinError::of(&error) {
                Some(e) if e.kind == KucoinErrorKind::ParameterError && e.status != 429 => {
                    Ok(CancelReply::Refused {
                        reason: exchange_words(&e.code, &e.message),
                    })
                }
                _ => Err(error),
            },
        }
    }
}

impl Status for KucoinWithdrawals {
    fn status_operation(&self) -> &'static Operation {
        &operations::ACCOUNT_WITHDRAWAL_GET_WITHDRAWAL_HISTORY_BY_ID
    }

    async fn status(&self, id: &str) -> Result<Option<WithdrawalStatus>, Error> {
        let request = AccountWithdrawalGetWithdrawalHistoryByIdRequest {
            withdrawal_id: id.to_owned(),
        };
        let reply = StatusReply::fetch::<KucoinEnvelope, _>(
            self.client.runtime(),
            &operations::ACCOUNT_WITHDRAWAL_GET_WITHDRAWAL_HISTORY_BY_ID,
            &request,
            "data",
        )
        .await?;
        let payload = reply.payload();
        if payload.is_null() {
            return Ok(None);
        }
        let record = payload.record()?;
        let status: String = record.require("status")?;
        let cancel_type: Option<String> = record.optional("cancelType")?;
        let state = state_of(&status, cancel_type.as_deref(), self.was_accepted(id));
        let exchange_status = match &cancel_type {
            Some(cancel_type) => format!("{status}, cancelType {cancel_type}"),
            None => status,
        };
        Ok(Some(WithdrawalStatus {
            state,
            exchange_status,
            record: record
                .keep::<AccountWithdrawalGetWithdrawalHistoryByIdResponse>(TypedRecord::Kucoin),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_is_cancelled_only_after_an_accepted_cancel() {
        use WithdrawalState::*;
        for (status, cancel_type, accepted, state) in [
            ("PROCESSING", Some("CANCELABLE"), false, Pending),
            ("PROCESSING", None, false, Pending),
            ("PROCESSING", Some("CANCELING"), true, Cancelling),
            ("PROCESSING", Some("NON_CANCELABLE"), false, NotCancellable),
            ("REVIEW", Some("NON_CANCELABLE"), false, NotCancellable),
            ("WALLET_PROCESSING", None, true, NotCancellable),
            ("SUCCESS", None, true, Completed),
            ("FAILURE", Some("NON_CANCELABLE"), true, Cancelled),
            ("FAILURE", Some("CANCELING"), false, Cancelled),
            ("FAILURE", Some("NON_CANCELABLE"), false, Failed),
            ("CANCELLED", None, true, Unknown),
        ] {
            assert_eq!(
                state_of(status, cancel_type, accepted),
                state,
                "{status} {cancel_type:?} {accepted}"
            );
        }
    }
}
