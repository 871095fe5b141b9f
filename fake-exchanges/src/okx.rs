//! OKX v5: `POST /api/v5/asset/cancel-withdrawal`, body `{"wdId":"<id>"}`, and
//! `GET /api/v5/asset/withdrawal-history?wdId=..&ccy=..` (signed over the path **with** `?query`
//! exactly as received, and an empty body).
//!
//! Auth headers: `OK-ACCESS-KEY`, `OK-ACCESS-SIGN`, `OK-ACCESS-TIMESTAMP` (ISO-8601 UTC with
//! milliseconds and `Z`, e.g. `2020-12-08T09:08:57.715Z`), `OK-ACCESS-PASSPHRASE`, plus
//! `x-simulated-trading: 1` for demo trading (recorded like every header).
//! `OK-ACCESS-SIGN = base64(HMAC-SHA256(secret as UTF-8, timestamp + METHOD + path[?query] + body))`
//! ([`sign`], [`verify_signature`]).
//!
//! Checks, in order, each answered with OKX's envelope `{"code":"<code>","msg":"..","data":[]}`
//! and the HTTP status of the reference's table:
//!
//! | check | verdict | code | HTTP |
//! |---|---|---|---|
//! | method and path | [`Verdict::UnknownEndpoint`] | — (plain `Not Found`) | 404 |
//! | `OK-ACCESS-KEY` / `-PASSPHRASE` / `-TIMESTAMP` / `-SIGN` present | [`Verdict::MissingHeader`] | 50103 / 50104 / 50107 / 50106 | 401 |
//! | timestamp parses | [`Verdict::InvalidTimestamp`] | 50112 | 401 |
//! | timestamp within ±30 s of the fake's [`Clock`] ([`Fake::set_timestamp_window`]) | [`Verdict::StaleTimestamp`] | 50102 | 401 |
//! | key known | [`Verdict::InvalidKey`] | 50111 | 401 |
//! | key environment matches `x-simulated-trading` (`1` = demo, else live) | [`Verdict::WrongEnvironment`] | 50101 | 401 |
//! | passphrase | [`Verdict::WrongPassphrase`] | 50105 | 401 |
//! | signature | [`Verdict::InvalidSignature`] | 50113 | 401 |
//! | cancel: `Content-Type: application/json` and a JSON object body | [`Verdict::InvalidArguments`] | 50006 | 400 |
//! | cancel: `wdId` a non-empty string | [`Verdict::InvalidArguments`] | 50014 | 400 |
//! | history: the query decodes; `limit` 1–100, `after`/`before` Unix ms, `type` 3 or 4 | [`Verdict::InvalidArguments`] | 51000 `Parameter <name> error` (OKX's generic parameter code; the reference's table has none for this) | 400 |
//!
//! Cancel success: `{"code":"0","msg":"","data":[{"wdId":"<the request's wdId>"}]}`.
//!
//! # The withdrawal book
//!
//! [`Fake::add_withdrawal`] adds a [`Withdrawal`] with a [`State`] (OKX's `state` codes) and a
//! [`CancelScript`]. While the book is empty, the cancel answers success to any `wdId` (the
//! behaviour before books existed). Once it holds a withdrawal:
//!
//! | script | cancel-withdrawal | withdrawal-history `state` afterwards |
//! |---|---|---|
//! | unknown `wdId`, or [`CancelScript::Unknown`] | 58215 `Withdrawal ID does not exist.` | not listed |
//! | [`CancelScript::CancelsAfter`] `{ polls: n }` | `code "0"` | `n` polls `"-3"` (canceling), then `"-2"` (canceled) |
//! | [`CancelScript::StaysPending`] | `code "0"` | `"-3"` for ever |
//! | [`CancelScript::AlreadyCompleted`] | `code "0"` (the reply only means "accepted") | `"2"` (success) |
//! | [`CancelScript::NotCancellable`] | 58216 `Operation not allowed.` | unchanged |
//! | already `"-3"` / `"-2"` | 58220 `Withdrawal request already canceled.` | unchanged |
//!
//! The script decides; the fake does not apply OKX's "only 0, 17 and 19 can be cancelled" rule on
//! its own (script [`CancelScript::NotCancellable`] for that).
//!
//! withdrawal-history answers `{"code":"0","msg":"","data":[<row>...]}`, each row
//! `{"ccy","chain","amt","ts","from","to","txId","fee","feeCcy","state","wdId","clientId"}`, all
//! strings (`ts` Unix ms, `state` a code such as `"-3"`), for the withdrawals matching `wdId`,
//! `ccy`, `clientId`, `txId`, `state`, `after` (`ts` older than) and `before` (`ts` newer
//! than), newest first, at most `limit` (default 100). `type` is checked but not filtered on;
//! other parameters are ignored. Each accepted request counts as a poll
//! ([`Fake::status_polls`]) for its `wdId`, or, without one, for every withdrawal its filters
//! select.
//!
//! The reference gives no REST timestamp window (only 30 s for WebSocket login): the fake uses
//! 30 s. The real demo environment has no withdrawals at all; the fake accepts a demo key on
//! demo requests, so it only models the key/environment mismatch.

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::book::{book_api, Book, CancelOutcome, Ledger};
use crate::reply::HttpReply;
use crate::server::machinery::{Answered, Checked, Machinery, RequestParts};
use crate::util::{header, js, json_object, media_type, parse_digits, parse_form};

pub use crate::book::CancelScript;
pub use crate::clock::Clock;
pub use crate::record::Verdict;
pub use crate::server::{Fake, StartError};

/// The cancel endpoint.
pub const CANCEL_WITHDRAWAL_PATH: &str = "/api/v5/asset/cancel-withdrawal";

/// The status endpoint (`GET`, parameters in the query).
pub const WITHDRAWAL_HISTORY_PATH: &str = "/api/v5/asset/withdrawal-history";

/// withdrawal-history's default and largest `limit`.
const HISTORY_LIMIT: usize = 100;

/// A withdrawal's `state` in withdrawal-history (sent as a string code).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum State {
    /// `"0"`: waiting withdrawal (cancellable; the default).
    #[default]
    WaitingWithdrawal,
    /// `"1"`: broadcasting.
    Broadcasting,
    /// `"2"`: success.
    Success,
    /// `"4"`, `"5"`, `"6"`, `"8"`, `"9"` or `"12"`: waiting manual review (the code given).
    WaitingManualReview(u8),
    /// `"7"`: approved.
    Approved,
    /// `"10"`: waiting transfer.
    WaitingTransfer,
    /// `"15"`: pending transaction validation.
    PendingTxValidation,
    /// `"16"`: regulatory delay (up to 24 h).
    RegulatoryDelay,
    /// `"17"`: pending Travel Rule vendor (cancellable).
    PendingTravelRule,
    /// `"19"`: hot wallet insufficient (cancellable).
    HotWalletInsufficient,
    /// `"-3"`: canceling.
    Canceling,
    /// `"-2"`: canceled.
    Canceled,
    /// `"-1"`: failed.
    Failed,
    /// Any other code, sent as given.
    Other(String),
}

impl State {
    /// The wire code, e.g. `"-3"`.
    pub fn code(&self) -> String {
        let code = match self {
            State::WaitingWithdrawal => "0",
            State::Broadcasting => "1",
            State::Success => "2",
            State::WaitingManualReview(n) => return n.to_string(),
            State::Approved => "7",
            State::WaitingTransfer => "10",
            State::PendingTxValidation => "15",
            State::RegulatoryDelay => "16",
            State::PendingTravelRule => "17",
            State::HotWalletInsufficient => "19",
            State::Canceling => "-3",
            State::Canceled => "-2",
            State::Failed => "-1",
            State::Other(code) => return code.clone(),
        };
        code.to_owned()
    }

    /// The state of a wire code (unlisted codes become [`State::Other`]).
    pub fn from_code(code: &str) -> State {
        match code {
            "0" => State::WaitingWithdrawal,
            "1" => State::Broadcasting,
            "2" => State::Success,
            "4" | "5" | "6" | "8" | "9" | "12" => {
                State::WaitingManualReview(code.parse().unwrap_or(4))
            }
            "7" => State::Approved,
            "10" => State::WaitingTransfer,
            "15" => State::PendingTxValidation,
            "16" => State::RegulatoryDelay,
            "17" => State::PendingTravelRule,
            "19" => State::HotWalletInsufficient,
            "-3" => State::Canceling,
            "-2" => State::Canceled,
            "-1" => State::Failed,
            other => State::Other(other.to_owned()),
        }
    }

    /// `true` for the states OKX documents as cancellable: `0`, `17`, `19`.
    pub fn is_cancellable(&self) -> bool {
        matches!(
            self,
            State::WaitingWithdrawal | State::PendingTravelRule | State::HotWalletInsufficient
        )
    }
}

/// One withdrawal in the fake's book: the fields of a withdrawal-history row, its state, and
/// what a cancel does to it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Withdrawal {
    /// `wdId`: the id cancel-withdrawal takes.
    pub wd_id: String,
    /// `ccy`, e.g. `BTC`.
    pub ccy: String,
    /// `chain`, e.g. `BTC-Bitcoin`.
    pub chain: String,
    /// `amt`, a decimal string.
    pub amt: String,
    /// `fee`, a decimal string.
    pub fee: String,
    /// `feeCcy` (empty: the same as `ccy`).
    pub fee_ccy: String,
    /// `from`: the sender's account (email, phone or UID) for internal transfers, else empty.
    pub from: String,
    /// `to`: the destination address.
    pub to: String,
    /// `txId` (empty until broadcast, and for internal transfers).
    pub tx_id: String,
    /// `clientId`.
    pub client_id: String,
    /// `ts`: creation time, Unix ms; 0 is replaced by the fake's clock when added.
    pub ts: u64,
    /// The current state.
    pub state: State,
    /// What a cancel does.
    pub script: CancelScript,
}

impl Withdrawal {
    /// A withdrawal of `amt` `ccy` in state `"0"` (waiting withdrawal) with the default script
    /// ([`CancelScript::CancelsAfter`] `{ polls: 0 }`).
    pub fn new(wd_id: &str, ccy: &str, amt: &str) -> Withdrawal {
        Withdrawal {
            wd_id: wd_id.to_owned(),
            ccy: ccy.to_owned(),
            amt: amt.to_owned(),
            fee: "0".to_owned(),
            ..Withdrawal::default()
        }
    }

    /// Sets the state, builder style.
    pub fn with_state(mut self, state: State) -> Withdrawal {
        self.state = state;
        self
    }

    /// Sets the cancel script, builder style.
    pub fn with_script(mut self, script: CancelScript) -> Withdrawal {
        self.script = script;
        self
    }
}

impl Ledger for Withdrawal {
    type State = State;

    fn id(&self) -> &str {
        &self.wd_id
    }
    fn script(&self) -> CancelScript {
        self.script
    }
    fn state(&self) -> &State {
        &self.state
    }
    fn put_state(&mut self, state: State, _now_ms: u64) {
        self.state = state;
    }
    fn fill_defaults(&mut self, now_ms: u64, _position: usize) {
        if self.ts == 0 {
            self.ts = now_ms;
        }
    }
    fn cancelling(&self) -> State {
        State::Canceling
    }
    fn cancelled(&self) -> State {
        State::Canceled
    }
    fn completed(&self) -> State {
        State::Success
    }
    fn denied(&self) -> State {
        self.state.clone()
    }
    fn is_cancelling_or_cancelled(&self) -> bool {
        matches!(self.state, State::Canceling | State::Canceled)
    }
}

fn history_row(w: &Withdrawal) -> String {
    let fee_ccy = if w.fee_ccy.is_empty() {
        &w.ccy
    } else {
        &w.fee_ccy
    };
    format!(
        r#"{{"ccy":{},"chain":{},"amt":{},"ts":{},"from":{},"to":{},"txId":{},"fee":{},"feeCcy":{},"state":{},"wdId":{},"clientId":{}}}"#,
        js(&w.ccy),
        js(&w.chain),
        js(&w.amt),
        js(&w.ts.to_string()),
        js(&w.from),
        js(&w.to),
        js(&w.tx_id),
        js(&w.fee),
        js(fee_ccy),
        js(&w.state.code()),
        js(&w.wd_id),
        js(&w.client_id),
    )
}

/// withdrawal-history's parameters (empty values count as absent).
#[derive(Default)]
struct HistoryQuery {
    wd_id: Option<String>,
    ccy: Option<String>,
    client_id: Option<String>,
    tx_id: Option<String>,
    state: Option<String>,
    after: Option<u64>,
    before: Option<u64>,
    limit: usize,
}

impl HistoryQuery {
    /// Parses the query; the error names the offending parameter (`query` when the query
    /// string does not decode).
    fn parse(query: Option<&str>) -> Result<HistoryQuery, String> {
        let pairs = parse_form(query.unwrap_or("").as_bytes()).ok_or_else(|| "query".to_owned())?;
        let get = |name: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, v)| k == name && !v.is_empty())
                .map(|(_, v)| v.clone())
        };
        let ms = |name: &str| -> Result<Option<u64>, String> {
            match get(name) {
                None => Ok(None),
                Some(v) => parse_digits(&v).map(Some).ok_or_else(|| name.to_owned()),
            }
        };
        let limit = match get("limit") {
            None => HISTORY_LIMIT,
            Some(v) => match parse_digits(&v) {
                Some(n @ 1..=100) => n as usize,
                _ => return Err("limit".to_owned()),
            },
        };
        if get("type").is_some_and(|t| t != "3" && t != "4") {
            return Err("type".to_owned());
        }
        Ok(HistoryQuery {
            wd_id: get("wdId"),
            ccy: get("ccy"),
            client_id: get("clientId"),
            tx_id: get("txId"),
            state: get("state"),
            after: ms("after")?,
            before: ms("before")?,
            limit,
        })
    }

    fn matches(&self, w: &Withdrawal) -> bool {
        let eq = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|v| v == have);
        eq(&self.wd_id, &w.wd_id)
            && eq(&self.ccy, &w.ccy)
            && eq(&self.client_id, &w.client_id)
            && eq(&self.tx_id, &w.tx_id)
            && eq(&self.state, &w.state.code())
            && self.after.is_none_or(|a| w.ts < a)
            && self.before.is_none_or(|b| w.ts > b)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Cancel,
    History,
}

impl Endpoint {
    fn of(req: &RequestParts) -> Option<Endpoint> {
        if req.is("POST", CANCEL_WITHDRAWAL_PATH) {
            Some(Endpoint::Cancel)
        } else if req.is("GET", WITHDRAWAL_HISTORY_PATH) {
            Some(Endpoint::History)
        } else {
            None
        }
    }
}

/// The default accepted distance between `OK-ACCESS-TIMESTAMP` and the fake's clock.
pub const DEFAULT_TIMESTAMP_WINDOW: Duration = Duration::from_secs(30);

/// The fake OKX server.
pub type FakeOkx = Fake<Okx>;

/// What the fake answers to an accepted request: [`Reply::Success`] is
/// `{"code":"0","msg":"","data":[{"wdId":"<wdId>"}]}`.
pub type Reply = crate::Reply<Answer>;

/// One recorded request.
pub type Recorded = crate::Recorded<Answer>;

/// Which OKX environment an API key belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Environment {
    /// Production: requests without `x-simulated-trading: 1`.
    Live,
    /// Demo trading: requests with `x-simulated-trading: 1`.
    Demo,
}

/// OKX-specific scripted answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// A documented error, with its HTTP status.
    Error(DocumentedError),
    /// `{"code":"<code>","msg":"<msg>","data":[]}` with any status.
    Code {
        /// HTTP status.
        http_status: u16,
        /// The `code` string.
        code: String,
        /// The `msg` string.
        msg: String,
    },
    /// `{"code":"0","msg":"","data":<json>}` with the given raw JSON text, HTTP 200.
    Data(String),
}

impl crate::Reply<Answer> {
    /// A documented error, e.g. `Reply::error(DocumentedError::WithdrawalIdDoesNotExist)`.
    pub fn error(error: DocumentedError) -> Reply {
        crate::Reply::Exchange(Answer::Error(error))
    }

    /// Any code and message with any HTTP status.
    pub fn code(http_status: u16, code: &str, msg: &str) -> Reply {
        crate::Reply::Exchange(Answer::Code {
            http_status,
            code: code.to_owned(),
            msg: msg.to_owned(),
        })
    }
}

/// The OKX error codes of the reference's table. [`DocumentedError::code`],
/// [`DocumentedError::http_status`] and [`DocumentedError::message`] give the wire values (the
/// messages follow the docs' meaning; OKX's exact wording may differ).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DocumentedError {
    /// 1: operation failed.
    OperationFailed,
    /// 2: bulk operation partially succeeded.
    BulkPartiallySucceeded,
    /// 50001 (HTTP 503): service temporarily unavailable.
    ServiceUnavailable,
    /// 50004 (HTTP 400): endpoint request timeout; the outcome is unknown.
    EndpointTimeout,
    /// 50006 (HTTP 400): invalid media type / body not JSON.
    InvalidMediaType,
    /// 50011 (HTTP 429): rate limit reached.
    RateLimitReached,
    /// 50013 (HTTP 429): system busy.
    SystemBusy,
    /// 50014 (HTTP 400): a required parameter is empty (`wdId`).
    ParameterEmpty,
    /// 50101 (HTTP 401): API key does not match the environment.
    KeyEnvironmentMismatch,
    /// 50102 (HTTP 401): timestamp request expired.
    TimestampExpired,
    /// 50103 (HTTP 401): `OK-ACCESS-KEY` missing.
    MissingKey,
    /// 50104 (HTTP 401): `OK-ACCESS-PASSPHRASE` missing.
    MissingPassphrase,
    /// 50105 (HTTP 401): `OK-ACCESS-PASSPHRASE` incorrect.
    WrongPassphrase,
    /// 50106 (HTTP 401): `OK-ACCESS-SIGN` missing.
    MissingSign,
    /// 50107 (HTTP 401): `OK-ACCESS-TIMESTAMP` missing.
    MissingTimestamp,
    /// 50110 (HTTP 401): IP not in the key's whitelist.
    IpNotWhitelisted,
    /// 50111 (HTTP 401): invalid `OK-ACCESS-KEY`.
    InvalidKey,
    /// 50112 (HTTP 401): invalid `OK-ACCESS-TIMESTAMP`.
    InvalidTimestamp,
    /// 50113 (HTTP 401): invalid signature.
    InvalidSign,
    /// 50114 (HTTP 401): invalid authorization.
    InvalidAuthorization,
    /// 50120 (HTTP 200): the key lacks permission for this function.
    NoPermission,
    /// 58102 (HTTP 429): funding rate limit.
    FundingRateLimit,
    /// 58215 (HTTP 200): withdrawal ID does not exist.
    WithdrawalIdDoesNotExist,
    /// 58216 (HTTP 200): operation not allowed.
    OperationNotAllowed,
    /// 58220 (HTTP 200): withdrawal request already canceled.
    AlreadyCanceled,
}

impl DocumentedError {
    /// Every documented error.
    pub const ALL: &'static [DocumentedError] = &[
        DocumentedError::OperationFailed,
        DocumentedError::BulkPartiallySucceeded,
        DocumentedError::ServiceUnavailable,
        DocumentedError::EndpointTimeout,
        DocumentedError::InvalidMediaType,
        DocumentedError::RateLimitReached,
        DocumentedError::SystemBusy,
        DocumentedError::ParameterEmpty,
        DocumentedError::KeyEnvironmentMismatch,
        DocumentedError::TimestampExpired,
        DocumentedError::MissingKey,
        DocumentedError::MissingPassphrase,
        DocumentedError::WrongPassphrase,
        DocumentedError::MissingSign,
        DocumentedError::MissingTimestamp,
        DocumentedError::IpNotWhitelisted,
        DocumentedError::InvalidKey,
        DocumentedError::InvalidTimestamp,
        DocumentedError::InvalidSign,
        DocumentedError::InvalidAuthorization,
        DocumentedError::NoPermission,
        DocumentedError::FundingRateLimit,
        DocumentedError::WithdrawalIdDoesNotExist,
        DocumentedError::OperationNotAllowed,
        DocumentedError::AlreadyCanceled,
    ];

    /// The `code` string, e.g. `"58215"`.
    pub fn code(self) -> &'static str {
        self.wire().0
    }

    /// The HTTP status the reference documents for this code.
    pub fn http_status(self) -> u16 {
        self.wire().1
    }

    /// The `msg` text.
    pub fn message(self) -> &'static str {
        self.wire().2
    }

    fn wire(self) -> (&'static str, u16, &'static str) {
        match self {
            DocumentedError::OperationFailed => ("1", 200, "Operation failed."),
            DocumentedError::BulkPartiallySucceeded => {
                ("2", 200, "Bulk operation partially succeeded.")
            }
            DocumentedError::ServiceUnavailable => (
                "50001",
                503,
                "Service temporarily unavailable. Please try again later.",
            ),
            DocumentedError::EndpointTimeout => (
                "50004",
                400,
                "API endpoint request timeout (does not mean that the request was successful or failed, please check the request result).",
            ),
            DocumentedError::InvalidMediaType => ("50006", 400, "Invalid media type."),
            DocumentedError::RateLimitReached => ("50011", 429, "Too Many Requests"),
            DocumentedError::SystemBusy => (
                "50013",
                429,
                "Systems are busy. Please try again later.",
            ),
            DocumentedError::ParameterEmpty => ("50014", 400, "Parameter wdId can not be empty."),
            DocumentedError::KeyEnvironmentMismatch => (
                "50101",
                401,
                "APIKey does not match current environment.",
            ),
            DocumentedError::TimestampExpired => ("50102", 401, "Timestamp request expired."),
            DocumentedError::MissingKey => (
                "50103",
                401,
                "Request header \"OK-ACCESS-KEY\" cannot be empty.",
            ),
            DocumentedError::MissingPassphrase => (
                "50104",
                401,
                "Request header \"OK-ACCESS-PASSPHRASE\" cannot be empty.",
            ),
            DocumentedError::WrongPassphrase => (
                "50105",
                401,
                "Request header \"OK-ACCESS-PASSPHRASE\" incorrect.",
            ),
            DocumentedError::MissingSign => (
                "50106",
                401,
                "Request header \"OK-ACCESS-SIGN\" cannot be empty.",
            ),
            DocumentedError::MissingTimestamp => (
                "50107",
                401,
                "Request header \"OK-ACCESS-TIMESTAMP\" cannot be empty.",
            ),
            DocumentedError::IpNotWhitelisted => (
                "50110",
                401,
                "Your IP is not included in your API key's IP whitelist.",
            ),
            DocumentedError::InvalidKey => ("50111", 401, "Invalid OK-ACCESS-KEY."),
            DocumentedError::InvalidTimestamp => ("50112", 401, "Invalid OK-ACCESS-TIMESTAMP."),
            DocumentedError::InvalidSign => ("50113", 401, "Invalid Sign."),
            DocumentedError::InvalidAuthorization => ("50114", 401, "Invalid authorization."),
            DocumentedError::NoPermission => (
                "50120",
                200,
                "API key doesn't have permission to use this function.",
            ),
            DocumentedError::FundingRateLimit => (
                "58102",
                429,
                "Rate limit reached. Please refer to API docs and throttle requests accordingly.",
            ),
            DocumentedError::WithdrawalIdDoesNotExist => {
                ("58215", 200, "Withdrawal ID does not exist.")
            }
            DocumentedError::OperationNotAllowed => ("58216", 200, "Operation not allowed."),
            DocumentedError::AlreadyCanceled => {
                ("58220", 200, "Withdrawal request already canceled.")
            }
        }
    }

    fn reply(self) -> HttpReply {
        error_reply(self.http_status(), self.code(), self.message())
    }
}

fn error_reply(status: u16, code: &str, msg: &str) -> HttpReply {
    HttpReply::json(
        status,
        format!(r#"{{"code":{},"msg":{},"data":[]}}"#, js(code), js(msg)),
    )
}

/// OKX's prehash: `timestamp + UPPER(method) + path_and_query + body`.
pub fn prehash(timestamp: &str, method: &str, path_and_query: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(timestamp.len() + path_and_query.len() + body.len() + 8);
    out.extend_from_slice(timestamp.as_bytes());
    out.extend_from_slice(method.to_ascii_uppercase().as_bytes());
    out.extend_from_slice(path_and_query.as_bytes());
    out.extend_from_slice(body);
    out
}

/// `OK-ACCESS-SIGN`: `base64(HMAC-SHA256(secret as UTF-8 text, prehash))` (this crate's own
/// code, independent of xgen-runtime).
pub fn sign(
    secret: &str,
    timestamp: &str,
    method: &str,
    path_and_query: &str,
    body: &[u8],
) -> String {
    B64.encode(
        mac(secret, timestamp, method, path_and_query, body)
            .finalize()
            .into_bytes(),
    )
}

/// `true` when `signature` is [`sign`]'s value for these inputs (constant-time comparison).
pub fn verify_signature(
    secret: &str,
    timestamp: &str,
    method: &str,
    path_and_query: &str,
    body: &[u8],
    signature: &str,
) -> bool {
    let Ok(given) = B64.decode(signature.trim()) else {
        return false;
    };
    mac(secret, timestamp, method, path_and_query, body)
        .verify_slice(&given)
        .is_ok()
}

fn mac(
    secret: &str,
    timestamp: &str,
    method: &str,
    path_and_query: &str,
    body: &[u8],
) -> Hmac<Sha256> {
    let mut mac = crate::util::hmac::<Hmac<Sha256>>(secret.as_bytes());
    mac.update(&prehash(timestamp, method, path_and_query, body));
    mac
}

/// Formats Unix milliseconds as OKX's `OK-ACCESS-TIMESTAMP`, e.g. `2020-12-08T09:08:57.715Z`.
pub fn timestamp(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let days = secs / 86_400;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        unix_ms % 1000
    )
}

/// Parses `YYYY-MM-DDTHH:MM:SS.mmmZ` (exactly OKX's format) into Unix milliseconds.
pub fn parse_timestamp(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 24
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'.'
        || b[23] != b'Z'
    {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u64> {
        let part = s.get(range)?;
        crate::util::parse_digits(part)
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second, milli) = (num(11..13)?, num(14..16)?, num(17..19)?, num(20..23)?);
    if !(1970..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let days = days_from_civil(year as i64, month as u32, day as u32);
    let secs = u64::try_from(days).ok()? * 86_400 + hour * 3600 + minute * 60 + second;
    Some(secs * 1000 + milli)
}

fn days_in_month(year: u64, month: u64) -> u64 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        _ => 31,
    }
}

// Howard Hinnant's civil-calendar algorithms (proleptic Gregorian, days since 1970-01-01).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

struct OkxKey {
    secret: String,
    passphrase: String,
    environment: Environment,
}

/// The OKX exchange state: keys (with passphrase and environment), timestamp window,
/// withdrawal book.
pub struct Okx {
    keys: HashMap<String, OkxKey>,
    window_ms: u64,
    book: Book<Withdrawal>,
}

impl crate::Exchange for Okx {}

book_api!(Okx, Withdrawal, State, "wdId");

impl Fake<Okx> {
    /// Starts a fake OKX accepting one live API key.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, or if `127.0.0.1:0` cannot be bound (see
    /// [`Fake::<Okx>::try_start`]).
    pub async fn start(api_key: &str, secret: &str, passphrase: &str) -> FakeOkx {
        match Self::try_start(api_key, secret, passphrase).await {
            Ok(fake) => fake,
            Err(e) => panic!("{e}"),
        }
    }

    /// [`Fake::<Okx>::start`], returning the failure instead of panicking.
    pub async fn try_start(
        api_key: &str,
        secret: &str,
        passphrase: &str,
    ) -> Result<FakeOkx, StartError> {
        let mut keys = HashMap::new();
        keys.insert(
            api_key.to_owned(),
            OkxKey {
                secret: secret.to_owned(),
                passphrase: passphrase.to_owned(),
                environment: Environment::Live,
            },
        );
        Fake::spawn(Okx {
            keys,
            window_ms: DEFAULT_TIMESTAMP_WINDOW.as_millis() as u64,
            book: Book::default(),
        })
        .await
    }

    /// Accepts one more API key, for the given environment.
    pub fn add_key(&self, api_key: &str, secret: &str, passphrase: &str, environment: Environment) {
        let key = OkxKey {
            secret: secret.to_owned(),
            passphrase: passphrase.to_owned(),
            environment,
        };
        self.with_exchange(|okx| okx.keys.insert(api_key.to_owned(), key));
    }

    /// The accepted distance between `OK-ACCESS-TIMESTAMP` and the fake's clock, either way
    /// (default [`DEFAULT_TIMESTAMP_WINDOW`]).
    pub fn set_timestamp_window(&self, window: Duration) {
        let ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX);
        self.with_exchange(|okx| okx.window_ms = ms);
    }
}

impl Machinery for Okx {
    type Answer = Answer;
    const NAME: &'static str = "FakeOkx";
    const PATH: &'static str = CANCEL_WITHDRAWAL_PATH;

    fn verify(&mut self, req: &RequestParts, now_ms: u64) -> Checked {
        let Some(endpoint) = Endpoint::of(req) else {
            return Checked::new(Verdict::UnknownEndpoint);
        };
        let mut values = Vec::with_capacity(4);
        for name in [
            "ok-access-key",
            "ok-access-passphrase",
            "ok-access-timestamp",
            "ok-access-sign",
        ] {
            match header(&req.headers, name) {
                Some(v) if !v.is_empty() => values.push(v),
                _ => return Checked::new(Verdict::MissingHeader(name.to_owned())),
            }
        }
        let (api_key, passphrase, ts, signature) = (values[0], values[1], values[2], values[3]);
        let Some(ts_ms) = parse_timestamp(ts) else {
            return Checked::new(Verdict::InvalidTimestamp(format!(
                "{ts:?} is not YYYY-MM-DDTHH:MM:SS.mmmZ"
            )));
        };
        if ts_ms.abs_diff(now_ms) > self.window_ms {
            return Checked::new(Verdict::StaleTimestamp(format!(
                "timestamp {ts} is {} ms from the server's {} (window {} ms)",
                i128::from(ts_ms) - i128::from(now_ms),
                timestamp(now_ms),
                self.window_ms
            )));
        }
        let Some(key) = self.keys.get(api_key) else {
            return Checked::new(Verdict::InvalidKey);
        };
        let requested = if header(&req.headers, "x-simulated-trading") == Some("1") {
            Environment::Demo
        } else {
            Environment::Live
        };
        if key.environment != requested {
            return Checked::new(Verdict::WrongEnvironment);
        }
        if key.passphrase != passphrase {
            return Checked::new(Verdict::WrongPassphrase);
        }
        if !verify_signature(
            &key.secret,
            ts,
            &req.method,
            &req.path_and_query(),
            &req.body,
            signature,
        ) {
            return Checked::new(Verdict::InvalidSignature);
        }
        if endpoint == Endpoint::History {
            return match HistoryQuery::parse(req.query.as_deref()) {
                Ok(query) => {
                    self.book
                        .record_poll(query.wd_id.as_deref(), |w| query.matches(w), now_ms);
                    Checked::new(Verdict::Accepted)
                }
                Err(name) => Checked::new(Verdict::InvalidArguments(format!(
                    "query parameter {name} is malformed"
                ))),
            };
        }
        match wd_id(req) {
            Ok(_) => Checked::new(Verdict::Accepted),
            Err(BodyProblem::Malformed(why)) | Err(BodyProblem::MissingWdId(why)) => {
                Checked::new(Verdict::InvalidArguments(why))
            }
        }
    }

    fn reject(&self, verdict: &Verdict, req: &RequestParts, _now_ms: u64) -> HttpReply {
        let error = match verdict {
            Verdict::UnknownEndpoint => return HttpReply::text(404, "Not Found"),
            Verdict::MissingHeader(name) => match name.as_str() {
                "ok-access-key" => DocumentedError::MissingKey,
                "ok-access-passphrase" => DocumentedError::MissingPassphrase,
                "ok-access-timestamp" => DocumentedError::MissingTimestamp,
                _ => DocumentedError::MissingSign,
            },
            Verdict::InvalidTimestamp(_) => DocumentedError::InvalidTimestamp,
            Verdict::StaleTimestamp(_) => DocumentedError::TimestampExpired,
            Verdict::InvalidKey => DocumentedError::InvalidKey,
            Verdict::WrongEnvironment => DocumentedError::KeyEnvironmentMismatch,
            Verdict::WrongPassphrase => DocumentedError::WrongPassphrase,
            Verdict::InvalidSignature => DocumentedError::InvalidSign,
            Verdict::InvalidArguments(_) if Endpoint::of(req) == Some(Endpoint::History) => {
                let name = HistoryQuery::parse(req.query.as_deref())
                    .err()
                    .unwrap_or_else(|| "query".to_owned());
                return error_reply(400, "51000", &format!("Parameter {name} error"));
            }
            Verdict::InvalidArguments(_) => match wd_id(req) {
                Err(BodyProblem::Malformed(_)) => DocumentedError::InvalidMediaType,
                _ => DocumentedError::ParameterEmpty,
            },
            _ => DocumentedError::InvalidAuthorization,
        };
        error.reply()
    }

    fn answer(
        &mut self,
        answer: Answered<'_, Answer>,
        req: &RequestParts,
        now_ms: u64,
    ) -> HttpReply {
        match answer {
            Answered::Success if Endpoint::of(req) == Some(Endpoint::History) => {
                let query = HistoryQuery::parse(req.query.as_deref()).unwrap_or_default();
                let rows = self.book.poll(
                    |w| query.matches(w),
                    |a, b| b.ts.cmp(&a.ts),
                    query.limit,
                    now_ms,
                );
                let rows: Vec<String> = rows
                    .iter()
                    .map(|w| self.book.rendered(history_row(w)))
                    .collect();
                HttpReply::json(
                    200,
                    format!(r#"{{"code":"0","msg":"","data":[{}]}}"#, rows.join(",")),
                )
            }
            Answered::Success => {
                let id = wd_id(req).unwrap_or_default();
                match self.book.cancel(&id, |_| true, now_ms) {
                    CancelOutcome::NotFound => DocumentedError::WithdrawalIdDoesNotExist.reply(),
                    CancelOutcome::Refused => DocumentedError::OperationNotAllowed.reply(),
                    CancelOutcome::AlreadyCancelled => DocumentedError::AlreadyCanceled.reply(),
                    CancelOutcome::NoBook | CancelOutcome::Accepted => HttpReply::json(
                        200,
                        format!(r#"{{"code":"0","msg":"","data":[{{"wdId":{}}}]}}"#, js(&id)),
                    ),
                }
            }
            Answered::RateLimited => DocumentedError::RateLimitReached.reply(),
            Answered::Exchange(Answer::Error(e)) => e.reply(),
            Answered::Exchange(Answer::Code {
                http_status,
                code,
                msg,
            }) => error_reply(*http_status, code, msg),
            Answered::Exchange(Answer::Data(raw)) => {
                HttpReply::json(200, format!(r#"{{"code":"0","msg":"","data":{raw}}}"#))
            }
        }
    }

    fn describe(&self, f: &mut fmt::DebugStruct<'_, '_>) {
        let mut keys: Vec<(&str, Environment)> = self
            .keys
            .iter()
            .map(|(k, v)| (k.as_str(), v.environment))
            .collect();
        keys.sort_unstable_by_key(|(k, _)| *k);
        f.field("keys", &keys)
            .field("secrets", &"<redacted>")
            .field("timestamp_window_ms", &self.window_ms);
    }
}

enum BodyProblem {
    /// Not `application/json`, or not a JSON object: 50006.
    Malformed(String),
    /// `wdId` missing, empty or not a string: 50014.
    MissingWdId(String),
}

fn wd_id(req: &RequestParts) -> Result<String, BodyProblem> {
    let media = media_type(&req.headers);
    if media != "application/json" {
        return Err(BodyProblem::Malformed(format!(
            "Content-Type {media:?} is not application/json"
        )));
    }
    let map = json_object(&req.body).map_err(BodyProblem::Malformed)?;
    match map.get("wdId") {
        Some(serde_json::Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(other) => Err(BodyProblem::MissingWdId(format!(
            "wdId is not a non-empty string: {other}"
        ))),
        None => Err(BodyProblem::MissingWdId("missing wdId".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_timestamp, timestamp};

    #[test]
    fn timestamps_round_trip() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            parse_timestamp("2020-12-08T09:08:57.715Z"),
            Some(1_607_418_537_715)
        );
        assert_eq!(timestamp(1_607_418_537_715), "2020-12-08T09:08:57.715Z");
        for ms in [0, 951_782_400_000, 1_709_164_799_999, 4_102_444_800_123] {
            assert_eq!(parse_timestamp(&timestamp(ms)), Some(ms), "{ms}");
        }
        for bad in [
            "2020-12-08T09:08:57Z",
            "2020-12-08T09:08:57.715",
            "2020-12-08 09:08:57.715Z",
            "2021-02-29T00:00:00.000Z",
            "2020-13-01T00:00:00.000Z",
            "2020-12-08T24:00:00.000Z",
            "2020-12-08T09:08:5x.715Z",
            "1607418537715",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }
}
