//! AlphaPoint APEX: CancelWithdraw, confirmed through GetWithdrawTicket.

use xgen_runtime::alphapoint::{AlphaPointEnvelope, AlphaPointError, AlphaPointErrorKind};
use xgen_runtime::{Error, Operation};

use super::record::StatusReply;
use super::state::{exchange_words, wire_fields, wire_text};
use super::{Cancel, CancelReply, Status, TypedRecord, WithdrawalState, WithdrawalStatus};
use crate::alphapoint::{
    operations, CancelWithdrawalRequest, Client, GetWithdrawTicketRequest, TicketStatus,
    TicketStatusCode as Code, TicketStatusName as Name, WithdrawTicket,
};

/// The account a venue's withdraw tickets belong to: every APEX call names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AlphaPointAccount {
    /// The order management system (`OMSId`), usually 1.
    pub oms_id: i64,
    /// The user the API key belongs to (`UserId`).
    pub user_id: i64,
    /// The account the withdrawal was made from (`AccountId`).
    pub account_id: i64,
}

/// AlphaPoint APEX withdrawals, by `RequestCode` (the ticket's GUID): CancelWithdraw,
/// confirmed through GetWithdrawTicket.
///
/// | CancelWithdraw reply | [`CancelReply`] |
/// |---|---|
/// | `errorcode: 0` (receipt only, as APEX says) | `Requested` |
/// | `errorcode` 101/104 with a detail saying "not found" | `NotFound` |
/// | `errorcode` 101 with a detail saying "already canceled" | `AlreadyCancelling` |
/// | `errorcode` 101, any other detail | `Refused` |
///
/// GetWithdrawTicket `Status`, accepted as its integer code or its name (APEX has no
/// "cancelling" status: the ticket keeps its status until it shows `UserCanceled`):
///
/// | `Status` | [`WithdrawalState`] |
/// |---|---|
/// | 11 `UserCanceled`, 12 `AdminCanceled` | `Cancelled` |
/// | 5 `FullyProcessed` | `Completed` |
/// | 3 `Rejected`, 6 `Failed`, 15 `AmlRejected`, 16 `AmlFailed`, 18 `LimitsRejected` | `Failed` |
/// | every other documented status (`New`, `Pending`, `Submitted`, ...) | `Pending` |
/// | any other value | `Unknown` |
///
/// A GetWithdrawTicket answered with `104` (resource not found) means "not listed".
#[derive(Clone, Debug)]
pub struct AlphaPointWithdrawals {
    client: Client,
    account: AlphaPointAccount,
}

impl AlphaPointWithdrawals {
    /// Cancels and confirms `account`'s withdrawals through `client`.
    pub fn new(client: Client, account: AlphaPointAccount) -> AlphaPointWithdrawals {
        AlphaPointWithdrawals { client, account }
    }

    /// The generated client underneath.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The account whose withdrawals this cancels.
    pub fn account(&self) -> AlphaPointAccount {
        self.account
    }

    fn request(&self, request_code: &str) -> CancelWithdrawalRequest {
        CancelWithdrawalRequest {
            oms_id: self.account.oms_id,
            user_id: self.account.user_id,
            account_id: self.account.account_id,
            request_code: request_code.to_owned(),
        }
    }
}

fn state_of_code(code: Code) -> WithdrawalState {
    match code {
        Code::UserCanceled | Code::AdminCanceled => WithdrawalState::Cancelled,
        Code::FullyProcessed => WithdrawalState::Completed,
        Code::Rejected
        | Code::Failed
        | Code::AmlRejected
        | Code::AmlFailed
        | Code::LimitsRejected => WithdrawalState::Failed,
        Code::New
        | Code::AdminProcessing
        | Code::Accepted
        | Code::SystemProcessing
        | Code::Pending
        | Code::Pending2Fa
        | Code::AutoAccepted
        | Code::Delayed
        | Code::AmlProcessing
        | Code::AmlAccepted
        | Code::LimitsAccepted
        | Code::Submitted
        | Code::Confirmed
        | Code::ManuallyConfirmed
        | Code::Confirmed2Fa => WithdrawalState::Pending,
        Code::Other(_) => WithdrawalState::Unknown,
    }
}

/// The documented code of a status name; `None` for a name the docs do not list.
fn code_of_name(name: &Name) -> Option<Code> {
    Some(match name {
        Name::New => Code::New,
        Name::AdminProcessing => Code::AdminProcessing,
        Name::Accepted => Code::Accepted,
        Name::Rejected => Code::Rejected,
        Name::SystemProcessing => Code::SystemProcessing,
        Name::FullyProcessed => Code::FullyProcessed,
        Name::Failed => Code::Failed,
        Name::Pending => Code::Pending,
        Name::Pending2Fa => Code::Pending2Fa,
        Name::AutoAccepted => Code::AutoAccepted,
        Name::Delayed => Code::Delayed,
        Name::UserCanceled => Code::UserCanceled,
        Name::AdminCanceled => Code::AdminCanceled,
        Name::AmlProcessing => Code::AmlProcessing,
        Name::AmlAccepted => Code::AmlAccepted,
        Name::AmlRejected => Code::AmlRejected,
        Name::AmlFailed => Code::AmlFailed,
        Name::LimitsAccepted => Code::LimitsAccepted,
        Name::LimitsRejected => Code::LimitsRejected,
        Name::Submitted => Code::Submitted,
        Name::Confirmed => Code::Confirmed,
        Name::ManuallyConfirmed => Code::ManuallyConfirmed,
        Name::Confirmed2Fa => Code::Confirmed2Fa,
        Name::Other(_) => return None,
    })
}

fn state_of(status: &TicketStatus) -> WithdrawalState {
    match status {
        TicketStatus::TicketStatusCode(code) => state_of_code(*code),
        TicketStatus::TicketStatusName(name) => {
            code_of_name(name).map_or(WithdrawalState::Unknown, state_of_code)
        }
    }
}

/// `11 UserCanceled` for a code (its documented name added), the name as sent otherwise.
fn exchange_status_of(status: &TicketStatus) -> String {
    match status {
        TicketStatus::TicketStatusCode(Code::Other(value)) => value.to_string(),
        TicketStatus::TicketStatusCode(code) => format!("{} {code:?}", code.value()),
        TicketStatus::TicketStatusName(name) => wire_text(name),
    }
}

/// What a CancelWithdraw refusal says, read from its `detail` (APEX uses 101 for all of them).
fn cancel_refusal(error: &AlphaPointError) -> Option<CancelReply> {
    let detail = error
        .detail
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let message = match (&error.message, &error.detail) {
        (Some(message), Some(detail)) => format!("{message}: {detail}"),
        (Some(text), None) | (None, Some(text)) => text.clone(),
        (None, None) => String::new(),
    };
    let reason = exchange_words(error.code, &message);
    match error.kind {
        AlphaPointErrorKind::ResourceNotFound => Some(CancelReply::NotFound { reason }),
        AlphaPointErrorKind::OperationFailed if detail.contains("not found") => {
            Some(CancelReply::NotFound { reason })
        }
        AlphaPointErrorKind::OperationFailed if detail.contains("already cancel") => {
            Some(CancelReply::AlreadyCancelling { reason })
        }
        AlphaPointErrorKind::OperationFailed => Some(CancelReply::Refused { reason }),
        _ => None,
    }
}

impl Cancel for AlphaPointWithdrawals {
    /// The ticket's `RequestCode` (a GUID; `withdrawCode` in GetWithdraws).
    type Id = str;

    fn exchange(&self) -> &'static str {
        "alphapoint"
    }

    fn cancel_operation(&self) -> &'static Operation {
        &operations::CANCEL_WITHDRAWAL
    }

    fn cancel_request(&self, request_code: &str) -> serde_json::Value {
        wire_fields(&self.request(request_code))
    }

    async fn cancel(&self, request_code: &str) -> Result<CancelReply, Error> {
        match self
            .client
            .cancel_withdrawal(&self.request(request_code))
            .await
        {
            Ok(_) => Ok(CancelReply::Requested),
            Err(Error::AlphaPoint(e)) => cancel_refusal(&e).ok_or(Error::AlphaPoint(e)),
            Err(other) => Err(other),
        }
    }
}

impl Status for AlphaPointWithdrawals {
    fn status_operation(&self) -> &'static Operation {
        &operations::GET_WITHDRAW_TICKET
    }

    async fn status(&self, request_code: &str) -> Result<Option<WithdrawalStatus>, Error> {
        let request = GetWithdrawTicketRequest {
            oms_id: self.account.oms_id,
            account_id: self.account.account_id,
            request_code: request_code.to_owned(),
        };
        // As `get_withdraw_ticket` sends it, read from `Status` alone (the ticket is the one
        // asked for by its RequestCode).
        let reply = match StatusReply::fetch::<AlphaPointEnvelope, _>(
            self.client.runtime(),
            &operations::GET_WITHDRAW_TICKET,
            &request,
            "",
        )
        .await
        {
            Ok(reply) => reply,
            Err(Error::AlphaPoint(e)) if e.kind == AlphaPointErrorKind::ResourceNotFound => {
                return Ok(None)
            }
            Err(other) => return Err(other),
        };
        let ticket = reply.payload().record()?;
        let status: TicketStatus = ticket.require("Status")?;
        Ok(Some(WithdrawalStatus {
            state: state_of(&status),
            exchange_status: exchange_status_of(&status),
            record: ticket.keep::<WithdrawTicket>(TypedRecord::AlphaPoint),
        }))
    }
}
