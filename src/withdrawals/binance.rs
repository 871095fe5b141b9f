//! Binance: status only, through the withdraw history. Binance has no withdrawal-cancel
//! endpoint (a withdrawal awaiting email confirmation or approval is cancelled in its app or
//! website), so `BinanceWithdrawals` implements neither [`Cancel`](super::Cancel) nor
//! [`Status`](super::Status), whose `cancel_and_confirm` would need one: it has
//! [`BinanceWithdrawals::status`] alone.

use xgen_runtime::binance::BinanceEnvelope;
use xgen_runtime::{Error, Operation};

use super::record::StatusReply;
use super::{TypedRecord, WithdrawalState, WithdrawalStatus};
use crate::binance::{
    operations, Client, GetSapiV1CapitalWithdrawHistoryRequest,
    GetSapiV1CapitalWithdrawHistoryResponseItem,
};

/// Binance withdrawals, by the `id` that `POST /sapi/v1/capital/withdraw/apply` returns, read
/// from `GET /sapi/v1/capital/withdraw/history`.
///
/// The history's `status` (its description in Binance's spec), mapped:
///
/// | `status` | [`WithdrawalState`] |
/// |---|---|
/// | `0` Email Sent, `2` Awaiting Approval | `Pending` (not sent; cancellable in Binance's app, not by API) |
/// | `4` Processing | `NotCancellable` |
/// | `1` Cancelled | `Cancelled` |
/// | `3` Rejected, `5` Failure | `Failed` |
/// | `6` Completed | `Completed` |
/// | any other value | `Unknown` |
///
/// The spec's history request has no `idList` (Binance's docs list one; the published spec does
/// not), so `status` reads the default window (the last 90 days, newest first, up to 1000
/// records) and picks the record by `id`: a withdrawal older than that reads as `None`.
#[derive(Clone, Debug)]
pub struct BinanceWithdrawals {
    client: Client,
}

impl BinanceWithdrawals {
    /// Reads statuses through `client`.
    pub fn new(client: Client) -> BinanceWithdrawals {
        BinanceWithdrawals { client }
    }

    /// The generated client underneath (its `post_sapi_v1_capital_withdraw_apply` submits a
    /// withdrawal).
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The status endpoint, as the generated client describes it.
    pub fn status_operation(&self) -> &'static Operation {
        &operations::GET_SAPI_V1_CAPITAL_WITHDRAW_HISTORY
    }

    /// Reads the withdrawal's status once: `Ok(None)` when the history does not list `id`.
    ///
    /// The state is read from the record's `id` and `status` alone: a record that lacks another
    /// documented field (Binance leaves out `withdrawOrderId` when there is none, which its
    /// spec marks required) still gives its state, and what did not fit the generated type is
    /// in [`ExchangeRecord::typed`](super::ExchangeRecord::typed).
    pub async fn status(&self, id: &str) -> Result<Option<WithdrawalStatus>, Error> {
        let request = GetSapiV1CapitalWithdrawHistoryRequest {
            limit: Some(1000),
            ..GetSapiV1CapitalWithdrawHistoryRequest::default()
        };
        let reply = StatusReply::fetch::<BinanceEnvelope, _>(
            self.client.runtime(),
            self.status_operation(),
            &request,
            "",
        )
        .await?;
        let Some(record) = reply.payload().find("id", id)? else {
            return Ok(None);
        };
        let status: i64 = record.require("status")?;
        Ok(Some(WithdrawalStatus {
            state: state_of(status),
            exchange_status: status_words(status),
            record: record
                .keep::<GetSapiV1CapitalWithdrawHistoryResponseItem>(TypedRecord::Binance),
        }))
    }
}

fn state_of(status: i64) -> WithdrawalState {
    match status {
        0 | 2 => WithdrawalState::Pending,
        4 => WithdrawalState::NotCancellable,
        1 => WithdrawalState::Cancelled,
        3 | 5 => WithdrawalState::Failed,
        6 => WithdrawalState::Completed,
        _ => WithdrawalState::Unknown,
    }
}

/// `6 Completed`: the number Binance sends, with its spec's words.
fn status_words(status: i64) -> String {
    let words = match status {
        0 => "Email Sent",
        1 => "Cancelled",
        2 => "Awaiting Approval",
        3 => "Rejected",
        4 => "Processing",
        5 => "Failure",
        6 => "Completed",
        _ => return status.to_string(),
    };
    format!("{status} {words}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_status_maps() {
        let mapped: Vec<(WithdrawalState, String)> =
            (0..=7).map(|s| (state_of(s), status_words(s))).collect();
        assert_eq!(
            mapped,
            [
                (WithdrawalState::Pending, "0 Email Sent".to_owned()),
                (WithdrawalState::Cancelled, "1 Cancelled".to_owned()),
                (WithdrawalState::Pending, "2 Awaiting Approval".to_owned()),
                (WithdrawalState::Failed, "3 Rejected".to_owned()),
                (WithdrawalState::NotCancellable, "4 Processing".to_owned()),
                (WithdrawalState::Failed, "5 Failure".to_owned()),
                (WithdrawalState::Completed, "6 Completed".to_owned()),
                (WithdrawalState::Unknown, "7".to_owned()),
            ]
        );
    }
}
