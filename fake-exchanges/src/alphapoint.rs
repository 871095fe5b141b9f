//! AlphaPoint APEX over HTTP: `POST /AP/CancelWithdraw`, body
//! `{"OMSId":1,"UserId":1,"AccountId":1,"RequestCode":"<guid>"}`, and the status calls
//! `POST /AP/GetWithdrawTicket` (`{"OMSId":1,"AccountId":1,"RequestCode":"<guid>"}`) and
//! `POST /AP/GetWithdraws` (`{"OMSId":1,"AccountId":1}`), authenticated the same way.
//!
//! Auth headers (per-request API key, as ccxt's `ndax` sends them): `Nonce`, `APIKey`,
//! `Signature`, `UserId`, with
//! `Signature = lower-case hex(HMAC-SHA256(secret as UTF-8, nonce + user_id + api_key))`
//! ([`sign`], [`verify_signature`]).
//!
//! Every answer is APEX's generic acknowledgement
//! `{"result":bool,"errormsg":string|null,"errorcode":int,"detail":string|null}`, HTTP 200:
//!
//! | check | verdict | errorcode |
//! |---|---|---|
//! | method and path | [`Verdict::UnknownEndpoint`] | — (HTTP 404, plain `Not Found`) |
//! | `Nonce`, `APIKey`, `Signature`, `UserId` present | [`Verdict::MissingHeader`] | 20 Not Authorized |
//! | key known | [`Verdict::InvalidKey`] | 20 |
//! | signature (lower-case hex) | [`Verdict::InvalidSignature`] | 20 |
//! | `UserId` header is the key's user | [`Verdict::PermissionDenied`] | 20 |
//! | nonce not used before with this key | [`Verdict::InvalidNonce`] | 20, `detail: "nonce reused"` |
//! | `Content-Type: application/json`, integer `OMSId`/`UserId`/`AccountId`, non-empty string `RequestCode` (GetWithdrawTicket: no `UserId`; GetWithdraws: `OMSId`, `AccountId` only) | [`Verdict::InvalidArguments`] | 100 Invalid Request |
//! | CancelWithdraw: body `UserId` is the authenticated user | [`Verdict::PermissionDenied`] | 20 |
//!
//! Success: `{"result":true,"errormsg":null,"errorcode":0,"detail":null}`.
//!
//! The fake's choices: APEX documents no replay window, so rejecting a reused nonce is this
//! fake's rule (any nonce string is accepted once per key); APEX's HTTP status for errors and its
//! rate limit are undocumented (errors are sent with 200, a rate limit as a plain HTTP 429).
//! The docs' own sample reply (`"result":true` with `"errorcode":101`) is
//! [`Reply::ticket_not_found`](crate::Reply::ticket_not_found).
//!
//! # The withdrawal book
//!
//! [`Fake::add_withdrawal`] adds a ticket ([`Withdrawal`]) with a [`TicketStatus`] and a
//! [`CancelScript`]. While the book is empty, CancelWithdraw acknowledges any `RequestCode` (the
//! behaviour before books existed). Once it holds a ticket, CancelWithdraw looks up
//! `RequestCode` with the same `OMSId` and `AccountId`:
//!
//! | script | CancelWithdraw | ticket `Status` afterwards |
//! |---|---|---|
//! | unknown, or [`CancelScript::Unknown`] | the docs' sample: `{"result":true,"errormsg":"Operation Failed","errorcode":101,"detail":"Withdraw Ticket not found for OmsId, AccountId, RequestCode"}` | not listed |
//! | [`CancelScript::CancelsAfter`] `{ polls: n }` | `errorcode` 0 | `n` polls unchanged (APEX has no cancelling status), then `UserCanceled` (11) |
//! | [`CancelScript::StaysPending`] | `errorcode` 0 | unchanged, for ever |
//! | [`CancelScript::AlreadyCompleted`] | `errorcode` 0 (the reply only confirms receipt) | `FullyProcessed` (5) |
//! | [`CancelScript::NotCancellable`] | `{"result":false,"errormsg":"Operation Failed","errorcode":101,"detail":"Withdraw Ticket cannot be canceled in status <name>"}` | unchanged |
//! | already `UserCanceled` / `AdminCanceled` (or cancelled, still showing the old status) | `errorcode` 101, `detail: "Withdraw Ticket is already canceled"` | unchanged |
//!
//! GetWithdrawTicket answers the ticket object
//! `{"assetManagerId","accountId","assetId","assetName","amount","templateForm","templateFormType","omsId","requestCode","requestIP","requestUserId","requestUserName","operatorId","Status","feeAmt","updatedByUser","updatedByUserName","ticketNumber","createdTimestamp","lastUpdateTimestamp","Comments","Attachments","AuditLog"}`
//! (`templateForm`, `Comments`, `Attachments`, `AuditLog` are JSON *strings*; timestamps ISO
//! 8601), or, for an unknown ticket, `{"result":false,"errormsg":"Resource Not Found","errorcode":104,"detail":"Withdraw Ticket not found for OmsId, AccountId, RequestCode"}`.
//! GetWithdraws answers an array (possibly empty) of
//! `{"withdrawId","accountId","omsId","assetId","assetName","amount","notionalValue","notionalProductId","feeAmt","templateForm","templateFormType","TicketStatus","withdrawCode","WithdrawTransactionDetails","AssetType","createdTimestamp","lastUpdateTimestamp"}`
//! for the account's tickets, oldest first (`withdrawCode` is the `RequestCode`,
//! `WithdrawTransactionDetails` a JSON string with `TxId`, `ExternalAddress`, `Amount`,
//! `Confirmed`, `LastUpdated`, `TimeSubmitted`). `Status` / `TicketStatus` is the integer code
//! by default; [`Fake::set_status_format`] switches to the name (`"UserCanceled"`), as live
//! venues seem to send. Amounts are JSON numbers. Each accepted GetWithdrawTicket counts as a
//! poll ([`Fake::status_polls`]) for its `RequestCode`, each GetWithdraws for every ticket of the
//! account.

use std::collections::{HashMap, HashSet};
use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::book::{book_api, Book, CancelOutcome, Ledger};
use crate::reply::HttpReply;
use crate::server::machinery::{Answered, Checked, Machinery, RequestParts};
use crate::util::{header, hex_decode_lower, hex_lower, js, json_object, media_type, parse_digits};

pub use crate::book::CancelScript;
pub use crate::clock::Clock;
pub use crate::record::Verdict;
pub use crate::server::{Fake, StartError};

/// The cancel endpoint.
pub const CANCEL_WITHDRAW_PATH: &str = "/AP/CancelWithdraw";

/// The status endpoint for one ticket.
pub const GET_WITHDRAW_TICKET_PATH: &str = "/AP/GetWithdrawTicket";

/// The status endpoint listing an account's withdrawals.
pub const GET_WITHDRAWS_PATH: &str = "/AP/GetWithdraws";

const TICKET_NOT_FOUND: &str = "Withdraw Ticket not found for OmsId, AccountId, RequestCode";

/// A withdraw ticket's status (documented as an integer, 0–22).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TicketStatus {
    /// 0 `New` (the default).
    #[default]
    New,
    /// 1 `AdminProcessing`.
    AdminProcessing,
    /// 2 `Accepted`.
    Accepted,
    /// 3 `Rejected`.
    Rejected,
    /// 4 `SystemProcessing`.
    SystemProcessing,
    /// 5 `FullyProcessed`.
    FullyProcessed,
    /// 6 `Failed`.
    Failed,
    /// 7 `Pending`.
    Pending,
    /// 8 `Pending2Fa`.
    Pending2Fa,
    /// 9 `AutoAccepted`.
    AutoAccepted,
    /// 10 `Delayed`.
    Delayed,
    /// 11 `UserCanceled`: how a cancelled ticket shows.
    UserCanceled,
    /// 12 `AdminCanceled`.
    AdminCanceled,
    /// 13 `AmlProcessing`.
    AmlProcessing,
    /// 14 `AmlAccepted`.
    AmlAccepted,
    /// 15 `AmlRejected`.
    AmlRejected,
    /// 16 `AmlFailed`.
    AmlFailed,
    /// 17 `LimitsAccepted`.
    LimitsAccepted,
    /// 18 `LimitsRejected`.
    LimitsRejected,
    /// 19 `Submitted`.
    Submitted,
    /// 20 `Confirmed`.
    Confirmed,
    /// 21 `ManuallyConfirmed`.
    ManuallyConfirmed,
    /// 22 `Confirmed2Fa`.
    Confirmed2Fa,
}

impl TicketStatus {
    /// Every status, in code order (`ALL[n].code() == n`).
    pub const ALL: [TicketStatus; 23] = [
        TicketStatus::New,
        TicketStatus::AdminProcessing,
        TicketStatus::Accepted,
        TicketStatus::Rejected,
        TicketStatus::SystemProcessing,
        TicketStatus::FullyProcessed,
        TicketStatus::Failed,
        TicketStatus::Pending,
        TicketStatus::Pending2Fa,
        TicketStatus::AutoAccepted,
        TicketStatus::Delayed,
        TicketStatus::UserCanceled,
        TicketStatus::AdminCanceled,
        TicketStatus::AmlProcessing,
        TicketStatus::AmlAccepted,
        TicketStatus::AmlRejected,
        TicketStatus::AmlFailed,
        TicketStatus::LimitsAccepted,
        TicketStatus::LimitsRejected,
        TicketStatus::Submitted,
        TicketStatus::Confirmed,
        TicketStatus::ManuallyConfirmed,
        TicketStatus::Confirmed2Fa,
    ];

    /// The integer code, 0–22.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The status with this code, if documented.
    pub fn from_code(code: u8) -> Option<TicketStatus> {
        TicketStatus::ALL.get(usize::from(code)).copied()
    }

    /// The name, e.g. `"UserCanceled"`.
    pub fn name(self) -> &'static str {
        match self {
            TicketStatus::New => "New",
            TicketStatus::AdminProcessing => "AdminProcessing",
            TicketStatus::Accepted => "Accepted",
            TicketStatus::Rejected => "Rejected",
            TicketStatus::SystemProcessing => "SystemProcessing",
            TicketStatus::FullyProcessed => "FullyProcessed",
            TicketStatus::Failed => "Failed",
            TicketStatus::Pending => "Pending",
            TicketStatus::Pending2Fa => "Pending2Fa",
            TicketStatus::AutoAccepted => "AutoAccepted",
            TicketStatus::Delayed => "Delayed",
            TicketStatus::UserCanceled => "UserCanceled",
            TicketStatus::AdminCanceled => "AdminCanceled",
            TicketStatus::AmlProcessing => "AmlProcessing",
            TicketStatus::AmlAccepted => "AmlAccepted",
            TicketStatus::AmlRejected => "AmlRejected",
            TicketStatus::AmlFailed => "AmlFailed",
            TicketStatus::LimitsAccepted => "LimitsAccepted",
            TicketStatus::LimitsRejected => "LimitsRejected",
            TicketStatus::Submitted => "Submitted",
            TicketStatus::Confirmed => "Confirmed",
            TicketStatus::ManuallyConfirmed => "ManuallyConfirmed",
            TicketStatus::Confirmed2Fa => "Confirmed2Fa",
        }
    }
}

/// How `Status` / `TicketStatus` go on the wire.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum StatusFormat {
    /// The integer code, as documented: `"Status":11` (the default).
    #[default]
    Integer,
    /// The name, as live venues seem to send (ccxt maps names): `"Status":"UserCanceled"`.
    Name,
}

/// One withdraw ticket in the fake's book: the fields GetWithdrawTicket and GetWithdraws show,
/// its status, and what a cancel does to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Withdrawal {
    /// `requestCode` / `withdrawCode`: the GUID CancelWithdraw and GetWithdrawTicket take.
    pub request_code: String,
    /// `omsId` (default 1).
    pub oms_id: u64,
    /// `accountId`.
    pub account_id: u64,
    /// `assetId` (default 1).
    pub asset_id: u64,
    /// `assetName`, e.g. `BTC`.
    pub asset_name: String,
    /// `amount`, a decimal (sent as a JSON number when it is one, else as a string).
    pub amount: String,
    /// `feeAmt`, a decimal (sent like `amount`).
    pub fee_amt: String,
    /// `templateFormType` (default `ToExternalBitcoinAddress`).
    pub template_form_type: String,
    /// The destination, inside `templateForm` and `WithdrawTransactionDetails` as
    /// `ExternalAddress`.
    pub external_address: String,
    /// `TxId` inside `WithdrawTransactionDetails`.
    pub tx_id: String,
    /// `requestUserId` / `updatedByUser`.
    pub user_id: u64,
    /// `requestUserName` / `updatedByUserName`.
    pub user_name: String,
    /// `ticketNumber` / `withdrawId`; 0 is replaced by the position in the book (1, 2, ...)
    /// when added.
    pub ticket_number: u64,
    /// `createdTimestamp`, Unix ms; 0 is replaced by the fake's clock when added.
    pub created_ms: u64,
    /// `lastUpdateTimestamp`, Unix ms; 0 becomes `created_ms` when added, and every status
    /// change stamps it with the fake's clock.
    pub updated_ms: u64,
    /// The current status.
    pub status: TicketStatus,
    /// What a cancel does.
    pub script: CancelScript,
}

impl Default for Withdrawal {
    fn default() -> Self {
        Withdrawal {
            request_code: String::new(),
            oms_id: 1,
            account_id: 0,
            asset_id: 1,
            asset_name: String::new(),
            amount: "0".to_owned(),
            fee_amt: "0".to_owned(),
            template_form_type: "ToExternalBitcoinAddress".to_owned(),
            external_address: String::new(),
            tx_id: String::new(),
            user_id: 0,
            user_name: String::new(),
            ticket_number: 0,
            created_ms: 0,
            updated_ms: 0,
            status: TicketStatus::default(),
            script: CancelScript::default(),
        }
    }
}

impl Withdrawal {
    /// A `New` ticket of `amount` `asset_name` for account `account_id` on OMS 1, with the
    /// default script ([`CancelScript::CancelsAfter`] `{ polls: 0 }`).
    pub fn new(request_code: &str, account_id: u64, asset_name: &str, amount: &str) -> Withdrawal {
        Withdrawal {
            request_code: request_code.to_owned(),
            account_id,
            asset_name: asset_name.to_owned(),
            amount: amount.to_owned(),
            ..Withdrawal::default()
        }
    }

    /// Sets the status, builder style.
    pub fn with_status(mut self, status: TicketStatus) -> Withdrawal {
        self.status = status;
        self
    }

    /// Sets the cancel script, builder style.
    pub fn with_script(mut self, script: CancelScript) -> Withdrawal {
        self.script = script;
        self
    }
}

impl Ledger for Withdrawal {
    type State = TicketStatus;

    fn id(&self) -> &str {
        &self.request_code
    }
    fn script(&self) -> CancelScript {
        self.script
    }
    fn state(&self) -> &TicketStatus {
        &self.status
    }
    fn put_state(&mut self, status: TicketStatus, now_ms: u64) {
        if self.status != status {
            self.status = status;
            self.updated_ms = now_ms;
        }
    }
    fn fill_defaults(&mut self, now_ms: u64, position: usize) {
        if self.created_ms == 0 {
            self.created_ms = now_ms;
        }
        if self.updated_ms == 0 {
            self.updated_ms = self.created_ms;
        }
        if self.ticket_number == 0 {
            self.ticket_number = position as u64;
        }
    }
    fn cancelling(&self) -> TicketStatus {
        self.status
    }
    fn cancelled(&self) -> TicketStatus {
        TicketStatus::UserCanceled
    }
    fn completed(&self) -> TicketStatus {
        TicketStatus::FullyProcessed
    }
    fn denied(&self) -> TicketStatus {
        self.status
    }
    fn is_cancelling_or_cancelled(&self) -> bool {
        matches!(
            self.status,
            TicketStatus::UserCanceled | TicketStatus::AdminCanceled
        )
    }
}

/// A decimal as a JSON number when it is a plain one (`-`, digits, one `.`), else as a string.
fn decimal(text: &str) -> String {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    let plain = !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && (int == "0" || !int.starts_with('0'));
    if plain {
        text.to_owned()
    } else {
        js(text)
    }
}

fn iso(ms: u64) -> String {
    crate::okx::timestamp(ms)
}

impl AlphaPoint {
    fn status_json(&self, status: TicketStatus) -> String {
        match self.status_format {
            StatusFormat::Integer => status.code().to_string(),
            StatusFormat::Name => js(status.name()),
        }
    }

    fn template_form(w: &Withdrawal) -> String {
        let form = serde_json::json!({ "ExternalAddress": w.external_address });
        js(&form.to_string())
    }

    /// GetWithdrawTicket's object.
    fn ticket_json(&self, w: &Withdrawal) -> String {
        format!(
            r#"{{"assetManagerId":1,"accountId":{},"assetId":{},"assetName":{},"amount":{},"templateForm":{},"templateFormType":{},"omsId":{},"requestCode":{},"requestIP":"127.0.0.1","requestUserId":{},"requestUserName":{},"operatorId":1,"Status":{},"feeAmt":{},"updatedByUser":{},"updatedByUserName":{},"ticketNumber":{},"createdTimestamp":{},"lastUpdateTimestamp":{},"Comments":"[]","Attachments":"[]","AuditLog":"[]"}}"#,
            w.account_id,
            w.asset_id,
            js(&w.asset_name),
            decimal(&w.amount),
            Self::template_form(w),
            js(&w.template_form_type),
            w.oms_id,
            js(&w.request_code),
            w.user_id,
            js(&w.user_name),
            self.status_json(w.status),
            decimal(&w.fee_amt),
            w.user_id,
            js(&w.user_name),
            w.ticket_number,
            js(&iso(w.created_ms)),
            js(&iso(w.updated_ms)),
        )
    }

    /// One GetWithdraws item.
    fn withdraws_item(&self, w: &Withdrawal) -> String {
        let details = format!(
            r#"{{"TxId":{},"ExternalAddress":{},"Amount":{},"Confirmed":{},"LastUpdated":{},"TimeSubmitted":{}}}"#,
            js(&w.tx_id),
            js(&w.external_address),
            decimal(&w.amount),
            w.status == TicketStatus::FullyProcessed,
            js(&iso(w.updated_ms)),
            js(&iso(w.created_ms)),
        );
        format!(
            r#"{{"withdrawId":{},"accountId":{},"omsId":{},"assetId":{},"assetName":{},"amount":{},"notionalValue":{},"notionalProductId":{},"feeAmt":{},"templateForm":{},"templateFormType":{},"TicketStatus":{},"withdrawCode":{},"WithdrawTransactionDetails":{},"AssetType":"CryptoCurrency","createdTimestamp":{},"lastUpdateTimestamp":{}}}"#,
            w.ticket_number,
            w.account_id,
            w.oms_id,
            w.asset_id,
            js(&w.asset_name),
            decimal(&w.amount),
            decimal(&w.amount),
            w.asset_id,
            decimal(&w.fee_amt),
            Self::template_form(w),
            js(&w.template_form_type),
            self.status_json(w.status),
            js(&w.request_code),
            js(&details),
            js(&iso(w.created_ms)),
            js(&iso(w.updated_ms)),
        )
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Cancel,
    Ticket,
    Withdraws,
}

impl Endpoint {
    fn of(req: &RequestParts) -> Option<Endpoint> {
        if req.is_endpoint(CANCEL_WITHDRAW_PATH) {
            Some(Endpoint::Cancel)
        } else if req.is_endpoint(GET_WITHDRAW_TICKET_PATH) {
            Some(Endpoint::Ticket)
        } else if req.is_endpoint(GET_WITHDRAWS_PATH) {
            Some(Endpoint::Withdraws)
        } else {
            None
        }
    }
}

/// The body's ids, per endpoint.
#[derive(Default)]
struct Ids {
    oms_id: u64,
    user_id: u64,
    account_id: u64,
    request_code: String,
}

impl Ids {
    fn is_account_of(&self, w: &Withdrawal) -> bool {
        w.oms_id == self.oms_id && w.account_id == self.account_id
    }
}

/// The fake AlphaPoint APEX server.
pub type FakeAlphaPoint = Fake<AlphaPoint>;

/// What the fake answers to an accepted request: [`Reply::Success`] is
/// `{"result":true,"errormsg":null,"errorcode":0,"detail":null}`.
pub type Reply = crate::Reply<Answer>;

/// One recorded request.
pub type Recorded = crate::Recorded<Answer>;

/// AlphaPoint-specific scripted answers (HTTP 200).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// `{"result":false,"errormsg":<message>,"errorcode":<code>,"detail":<detail>}`.
    Error {
        /// The documented error.
        error: DocumentedError,
        /// The optional `detail` text.
        detail: Option<String>,
    },
    /// Any acknowledgement, field by field (e.g. the docs' `result: true` with `errorcode: 101`).
    Ack {
        /// `result`.
        result: bool,
        /// `errormsg`.
        errormsg: Option<String>,
        /// `errorcode`.
        errorcode: i64,
        /// `detail`.
        detail: Option<String>,
    },
}

impl crate::Reply<Answer> {
    /// A documented error with `result: false` and an optional detail.
    pub fn error(error: DocumentedError, detail: Option<&str>) -> Reply {
        crate::Reply::Exchange(Answer::Error {
            error,
            detail: detail.map(str::to_owned),
        })
    }

    /// The CancelWithdraw docs' sample reply, byte for byte:
    /// `{"result":true,"errormsg":"Operation Failed","errorcode":101,"detail":"Withdraw Ticket not found for OmsId, AccountId, RequestCode"}`.
    /// Note `result: true` next to an error code: success must be decided on `errorcode == 0`.
    pub fn ticket_not_found() -> Reply {
        crate::Reply::Exchange(Answer::Ack {
            result: true,
            errormsg: Some("Operation Failed".to_owned()),
            errorcode: 101,
            detail: Some("Withdraw Ticket not found for OmsId, AccountId, RequestCode".to_owned()),
        })
    }
}

/// APEX's documented error codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DocumentedError {
    /// 20 `Not Authorized`.
    NotAuthorized,
    /// 100 `Invalid Request` (the background page says "Invalid Response").
    InvalidRequest,
    /// 101 `Operation Failed`.
    OperationFailed,
    /// 102 `Server Error`.
    ServerError,
    /// 104 `Resource Not Found`.
    ResourceNotFound,
}

impl DocumentedError {
    /// Every documented error.
    pub const ALL: &'static [DocumentedError] = &[
        DocumentedError::NotAuthorized,
        DocumentedError::InvalidRequest,
        DocumentedError::OperationFailed,
        DocumentedError::ServerError,
        DocumentedError::ResourceNotFound,
    ];

    /// The `errorcode`.
    pub fn code(self) -> i64 {
        match self {
            DocumentedError::NotAuthorized => 20,
            DocumentedError::InvalidRequest => 100,
            DocumentedError::OperationFailed => 101,
            DocumentedError::ServerError => 102,
            DocumentedError::ResourceNotFound => 104,
        }
    }

    /// The `errormsg`.
    pub fn message(self) -> &'static str {
        match self {
            DocumentedError::NotAuthorized => "Not Authorized",
            DocumentedError::InvalidRequest => "Invalid Request",
            DocumentedError::OperationFailed => "Operation Failed",
            DocumentedError::ServerError => "Server Error",
            DocumentedError::ResourceNotFound => "Resource Not Found",
        }
    }
}

/// `Signature`: lower-case hex of `HMAC-SHA256(secret as UTF-8, nonce + user_id + api_key)`
/// (this crate's own code, independent of xgen-runtime).
pub fn sign(secret: &str, nonce: &str, user_id: &str, api_key: &str) -> String {
    hex_lower(&mac(secret, nonce, user_id, api_key).finalize().into_bytes())
}

/// `true` when `signature` is [`sign`]'s value (lower-case hex only; constant-time comparison).
pub fn verify_signature(
    secret: &str,
    nonce: &str,
    user_id: &str,
    api_key: &str,
    signature: &str,
) -> bool {
    let Some(given) = hex_decode_lower(signature.trim()) else {
        return false;
    };
    mac(secret, nonce, user_id, api_key)
        .verify_slice(&given)
        .is_ok()
}

fn mac(secret: &str, nonce: &str, user_id: &str, api_key: &str) -> Hmac<Sha256> {
    let mut mac = crate::util::hmac::<Hmac<Sha256>>(secret.as_bytes());
    mac.update(nonce.as_bytes());
    mac.update(user_id.as_bytes());
    mac.update(api_key.as_bytes());
    mac
}

struct ApexKey {
    secret: String,
    user_id: u64,
    nonces: HashSet<String>,
}

/// The AlphaPoint exchange state: keys (secret, user id, used nonces), withdrawal book, status
/// format.
pub struct AlphaPoint {
    keys: HashMap<String, ApexKey>,
    book: Book<Withdrawal>,
    status_format: StatusFormat,
}

impl crate::Exchange for AlphaPoint {}

book_api!(AlphaPoint, Withdrawal, TicketStatus, "RequestCode");

impl Fake<AlphaPoint> {
    /// Starts a fake APEX gateway accepting one API key, belonging to `user_id`.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, or if `127.0.0.1:0` cannot be bound (see
    /// [`Fake::<AlphaPoint>::try_start`]).
    pub async fn start(api_key: &str, secret: &str, user_id: u64) -> FakeAlphaPoint {
        match Self::try_start(api_key, secret, user_id).await {
            Ok(fake) => fake,
            Err(e) => panic!("{e}"),
        }
    }

    /// [`Fake::<AlphaPoint>::start`], returning the failure instead of panicking.
    pub async fn try_start(
        api_key: &str,
        secret: &str,
        user_id: u64,
    ) -> Result<FakeAlphaPoint, StartError> {
        let fake = Fake::spawn(AlphaPoint {
            keys: HashMap::new(),
            book: Book::default(),
            status_format: StatusFormat::default(),
        })
        .await?;
        fake.add_key(api_key, secret, user_id);
        Ok(fake)
    }

    /// Accepts one more API key (with its own nonce history).
    pub fn add_key(&self, api_key: &str, secret: &str, user_id: u64) {
        let key = ApexKey {
            secret: secret.to_owned(),
            user_id,
            nonces: HashSet::new(),
        };
        self.with_exchange(|ap| ap.keys.insert(api_key.to_owned(), key));
    }

    /// How GetWithdrawTicket's `Status` and GetWithdraws' `TicketStatus` are sent: the integer
    /// code (the default, as documented) or the name (as live venues seem to).
    pub fn set_status_format(&self, format: StatusFormat) {
        self.with_exchange(|ap| ap.status_format = format);
    }

    /// [`Fake::<AlphaPoint>::set_status_format`], builder style.
    pub fn with_status_format(self, format: StatusFormat) -> FakeAlphaPoint {
        self.set_status_format(format);
        self
    }
}

impl Machinery for AlphaPoint {
    type Answer = Answer;
    const NAME: &'static str = "FakeAlphaPoint";
    const PATH: &'static str = CANCEL_WITHDRAW_PATH;

    fn verify(&mut self, req: &RequestParts, now_ms: u64) -> Checked {
        let Some(endpoint) = Endpoint::of(req) else {
            return Checked::new(Verdict::UnknownEndpoint);
        };
        let mut values = Vec::with_capacity(4);
        for name in ["nonce", "apikey", "signature", "userid"] {
            match header(&req.headers, name) {
                Some(v) if !v.is_empty() => values.push(v),
                _ => return Checked::new(Verdict::MissingHeader(name.to_owned())),
            }
        }
        let (nonce_text, api_key, signature, user_id) =
            (values[0], values[1], values[2], values[3]);
        let numeric_nonce = parse_digits(nonce_text);
        let checked = |verdict| Checked {
            verdict,
            nonce: numeric_nonce,
        };
        let Some(key) = self.keys.get_mut(api_key) else {
            return checked(Verdict::InvalidKey);
        };
        if !verify_signature(&key.secret, nonce_text, user_id, api_key, signature) {
            return checked(Verdict::InvalidSignature);
        }
        if user_id != key.user_id.to_string() {
            return checked(Verdict::PermissionDenied(format!(
                "UserId header {user_id:?} is not the key's user"
            )));
        }
        if !key.nonces.insert(nonce_text.to_owned()) {
            return checked(Verdict::InvalidNonce("nonce reused".into()));
        }
        let ids = match request_ids(req, endpoint) {
            Ok(ids) => ids,
            Err(why) => return checked(Verdict::InvalidArguments(why)),
        };
        match endpoint {
            Endpoint::Cancel if ids.user_id != key.user_id => {
                return checked(Verdict::PermissionDenied(format!(
                    "body UserId {} is not the authenticated user",
                    ids.user_id
                )));
            }
            Endpoint::Cancel => {}
            Endpoint::Ticket => {
                self.book
                    .record_poll(Some(&ids.request_code), |_| false, now_ms);
            }
            Endpoint::Withdraws => {
                self.book
                    .record_poll(None, |w| ids.is_account_of(w), now_ms);
            }
        }
        checked(Verdict::Accepted)
    }

    fn reject(&self, verdict: &Verdict, _req: &RequestParts, _now_ms: u64) -> HttpReply {
        let (error, detail) = match verdict {
            Verdict::UnknownEndpoint => return HttpReply::text(404, "Not Found"),
            Verdict::MissingHeader(name) => (
                DocumentedError::NotAuthorized,
                Some(format!("missing header {name}")),
            ),
            Verdict::InvalidNonce(why) => (DocumentedError::NotAuthorized, Some(why.clone())),
            Verdict::PermissionDenied(why) => (DocumentedError::NotAuthorized, Some(why.clone())),
            Verdict::InvalidArguments(why) => (DocumentedError::InvalidRequest, Some(why.clone())),
            _ => (DocumentedError::NotAuthorized, None),
        };
        HttpReply::json(
            200,
            ack(
                false,
                Some(error.message()),
                error.code(),
                detail.as_deref(),
            ),
        )
    }

    fn answer(
        &mut self,
        answer: Answered<'_, Answer>,
        req: &RequestParts,
        now_ms: u64,
    ) -> HttpReply {
        match answer {
            Answered::Success => self.answer_from_book(req, now_ms),
            Answered::RateLimited => HttpReply::text(429, "Too Many Requests"),
            Answered::Exchange(Answer::Error { error, detail }) => HttpReply::json(
                200,
                ack(
                    false,
                    Some(error.message()),
                    error.code(),
                    detail.as_deref(),
                ),
            ),
            Answered::Exchange(Answer::Ack {
                result,
                errormsg,
                errorcode,
                detail,
            }) => HttpReply::json(
                200,
                ack(*result, errormsg.as_deref(), *errorcode, detail.as_deref()),
            ),
        }
    }

    fn describe(&self, f: &mut fmt::DebugStruct<'_, '_>) {
        let mut keys: Vec<(&str, u64)> = self
            .keys
            .iter()
            .map(|(k, v)| (k.as_str(), v.user_id))
            .collect();
        keys.sort_unstable();
        f.field("keys", &keys).field("secrets", &"<redacted>");
    }
}

impl AlphaPoint {
    /// The success answer of an accepted request, from the withdrawal book.
    fn answer_from_book(&mut self, req: &RequestParts, now_ms: u64) -> HttpReply {
        let endpoint = Endpoint::of(req).unwrap_or(Endpoint::Cancel);
        let ids = request_ids(req, endpoint).unwrap_or_default();
        let body = match endpoint {
            Endpoint::Cancel => {
                let outcome = self
                    .book
                    .cancel(&ids.request_code, |w| ids.is_account_of(w), now_ms);
                let failed = DocumentedError::OperationFailed;
                match outcome {
                    CancelOutcome::NoBook | CancelOutcome::Accepted => ack(true, None, 0, None),
                    CancelOutcome::NotFound => ack(
                        true,
                        Some(failed.message()),
                        failed.code(),
                        Some(TICKET_NOT_FOUND),
                    ),
                    CancelOutcome::Refused => {
                        let status = self
                            .book
                            .get(&ids.request_code)
                            .map_or("", |w| w.status.name());
                        let detail =
                            format!("Withdraw Ticket cannot be canceled in status {status}");
                        ack(false, Some(failed.message()), failed.code(), Some(&detail))
                    }
                    CancelOutcome::AlreadyCancelled => ack(
                        false,
                        Some(failed.message()),
                        failed.code(),
                        Some("Withdraw Ticket is already canceled"),
                    ),
                }
            }
            Endpoint::Ticket => {
                let code = ids.request_code.clone();
                let found = self.book.poll(
                    |w| w.request_code == code && ids.is_account_of(w),
                    |_, _| std::cmp::Ordering::Equal,
                    1,
                    now_ms,
                );
                match found.first() {
                    Some(w) => self.book.rendered(self.ticket_json(w)),
                    None => {
                        let e = DocumentedError::ResourceNotFound;
                        ack(false, Some(e.message()), e.code(), Some(TICKET_NOT_FOUND))
                    }
                }
            }
            Endpoint::Withdraws => {
                let items = self.book.poll(
                    |w| ids.is_account_of(w),
                    |_, _| std::cmp::Ordering::Equal,
                    usize::MAX,
                    now_ms,
                );
                let items: Vec<String> = items
                    .iter()
                    .map(|w| self.book.rendered(self.withdraws_item(w)))
                    .collect();
                format!("[{}]", items.join(","))
            }
        };
        HttpReply::json(200, body)
    }
}

/// The generic acknowledgement, keys in the docs' order.
fn ack(result: bool, errormsg: Option<&str>, errorcode: i64, detail: Option<&str>) -> String {
    let opt = |s: Option<&str>| s.map_or_else(|| "null".to_owned(), js);
    format!(
        r#"{{"result":{result},"errormsg":{},"errorcode":{errorcode},"detail":{}}}"#,
        opt(errormsg),
        opt(detail)
    )
}

/// Checks the body of a call and reads its ids: CancelWithdraw takes `OMSId`, `UserId`,
/// `AccountId`, `RequestCode`; GetWithdrawTicket `OMSId`, `AccountId`, `RequestCode`;
/// GetWithdraws `OMSId`, `AccountId`.
fn request_ids(req: &RequestParts, endpoint: Endpoint) -> Result<Ids, String> {
    let media = media_type(&req.headers);
    if media != "application/json" {
        return Err(format!("Content-Type {media:?} is not application/json"));
    }
    let map = json_object(&req.body)?;
    let number = |field: &str| {
        map.get(field)
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| format!("{field} is missing or not a non-negative integer"))
    };
    let mut ids = Ids {
        oms_id: number("OMSId")?,
        ..Ids::default()
    };
    if endpoint == Endpoint::Cancel {
        ids.user_id = number("UserId")?;
    }
    ids.account_id = number("AccountId")?;
    if endpoint != Endpoint::Withdraws {
        match map.get("RequestCode") {
            Some(serde_json::Value::String(s)) if !s.is_empty() => ids.request_code = s.clone(),
            _ => return Err("RequestCode is missing or not a non-empty string".into()),
        }
    }
    Ok(ids)
}
