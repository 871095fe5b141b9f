//! Bybit v5: `POST /v5/asset/withdraw/cancel`, body `{"id":"<withdrawal id>"}`, and
//! `GET /v5/asset/withdraw/query-record?withdrawID=..` (signed over the query string exactly as
//! received).
//!
//! Auth headers: `X-BAPI-API-KEY`, `X-BAPI-TIMESTAMP` (Unix ms), `X-BAPI-SIGN`,
//! `X-BAPI-RECV-WINDOW` (ms, default 5000), `X-BAPI-SIGN-TYPE` (recorded, not checked).
//! The string to sign is `timestamp + api_key + recv_window + payload` ([`prehash`]): the payload
//! is the body for POST and the raw query string (without `?`) for GET, and
//! `recv_window` is the header's text as sent (empty when the header is absent). The signature
//! depends on how the key was registered with the fake ([`Credential`]):
//! - HMAC: lower-case hex of `HMAC-SHA256(secret as UTF-8, prehash)` ([`sign_hmac`]);
//! - RSA: base64 of RSASSA-PKCS1-v1_5 over SHA-256, verified with the public key the test gives
//!   ([`verify_rsa`]).
//!
//! Checks, in order, each answered with Bybit's envelope
//! `{"retCode":N,"retMsg":"..","result":{},"retExtInfo":{},"time":<fake clock ms>}`:
//!
//! | check | verdict | retCode | HTTP |
//! |---|---|---|---|
//! | method and path | [`Verdict::UnknownEndpoint`] | — (plain `Not Found`) | 404 |
//! | a GET carries no body | [`Verdict::InvalidArguments`] | — (plain `Forbidden`) | 403 |
//! | `X-BAPI-API-KEY` present | [`Verdict::MissingHeader`] | 10003 | 401 |
//! | key known | [`Verdict::InvalidKey`] | 10003 | 401 |
//! | `X-BAPI-TIMESTAMP` / `X-BAPI-SIGN` present | [`Verdict::MissingHeader`] | 10002 / 10004 | 401 |
//! | timestamp and recv window are digits | [`Verdict::InvalidTimestamp`] | 10002 | 200 |
//! | `server_time - recv_window <= timestamp < server_time + 1000` (fake's [`Clock`]) | [`Verdict::StaleTimestamp`] | 10002 | 200 |
//! | signature | [`Verdict::InvalidSignature`] | 10004 (`retMsg` shows the origin string, as Bybit's does) | 200 |
//! | cancel: `Content-Type: application/json`, JSON object, `id` a non-empty string | [`Verdict::InvalidArguments`] | 10001 | 200 |
//! | query-record: the query decodes; `withdrawType` 0–2, `limit` 1–50, `startTime`/`endTime` ms at most 30 days apart | [`Verdict::InvalidArguments`] | 10001 | 200 |
//!
//! Cancel success: `{"retCode":0,"retMsg":"OK","result":{"status":1},"retExtInfo":{},"time":<ms>}`.
//!
//! # The withdrawal book
//!
//! [`Fake::add_withdrawal`] adds a [`Withdrawal`] with a [`Status`] (Bybit's withdraw status
//! enum) and a [`CancelScript`]. While the book is empty, the cancel answers `status: 1` to any
//! id (the behaviour before books existed). Once it holds a withdrawal:
//!
//! | script | cancel | query-record `status` afterwards |
//! |---|---|---|
//! | unknown id, or [`CancelScript::Unknown`] | `retCode` 131002 `parameter error` (the fake's choice: no not-found code is documented) | not listed |
//! | [`CancelScript::CancelsAfter`] `{ polls: n }` | `result.status` 1 | `n` polls unchanged (Bybit has no cancelling status), then `CancelByUser` |
//! | [`CancelScript::StaysPending`] | `result.status` 1 | unchanged, for ever |
//! | [`CancelScript::AlreadyCompleted`] | `result.status` 1 (the reply only means "accepted") | `success` |
//! | [`CancelScript::NotCancellable`] | `retCode` 0 with `result.status` 0 | unchanged |
//! | already `CancelByUser` (or cancelled, still showing the old status) | `result.status` 0 | unchanged |
//!
//! query-record answers
//! `{"retCode":0,"retMsg":"OK","result":{"rows":[<row>...],"nextPageCursor":""},"retExtInfo":{},"time":<ms>}`,
//! each row
//! `{"coin","chain","amount","txID","status","toAddress","tag","withdrawFee","createTime","updateTime","withdrawId","withdrawType"}`
//! (note `withdrawId` here against `withdrawID` in the request; `createTime`/`updateTime` are
//! Unix ms **as strings**, `withdrawType` an integer, `txID` `""` once cancelled, rejected or
//! failed). Rows match `withdrawID`, `txID`, `coin`, `withdrawType` (default 0: on-chain only; 2
//! all) and the time window on `createTime` (default: the last 30 days of the fake's clock;
//! `startTime` alone: 30 days from it; `endTime` alone: 30 days up to it), newest first, at most
//! `limit` (default 50). `cursor` is accepted and ignored (one page). A rate limit
//! ([`Reply::RateLimited`]) carries `X-Bapi-Limit: 300` there (60 on the cancel). Each accepted
//! request counts as a poll ([`Fake::status_polls`]) for its `withdrawID`, or, without one, for
//! every withdrawal its filters select.

use std::collections::HashMap;
use std::fmt;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rsa::RsaPublicKey;
use sha2::Sha256;

use crate::book::{book_api, Book, CancelOutcome, Ledger};
use crate::reply::HttpReply;
use crate::server::machinery::{Answered, Checked, Machinery, RequestParts};
use crate::util::{
    header, hex_decode_lower, hex_lower, js, json_object, media_type, parse_digits, parse_form,
};

pub use crate::book::CancelScript;
pub use crate::clock::Clock;
pub use crate::record::Verdict;
pub use crate::server::{Fake, StartError};

/// The cancel endpoint.
pub const WITHDRAW_CANCEL_PATH: &str = "/v5/asset/withdraw/cancel";

/// The status endpoint (`GET`, parameters in the query).
pub const QUERY_RECORD_PATH: &str = "/v5/asset/withdraw/query-record";

/// query-record's default and largest `limit`.
const RECORD_LIMIT: u64 = 50;

/// 30 days in ms: query-record's default window and longest span.
const THIRTY_DAYS_MS: u64 = 30 * 86_400_000;

/// A withdrawal's `status` in query-record (Bybit's `withdrawStatus` enum).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Status {
    /// `SecurityCheck`.
    SecurityCheck,
    /// `Pending` (the default).
    #[default]
    Pending,
    /// `success` (lower case, as Bybit sends it).
    Success,
    /// `CancelByUser`: how a cancelled withdrawal shows.
    CancelByUser,
    /// `Reject`.
    Reject,
    /// `Fail`.
    Fail,
    /// `BlockchainConfirmed`.
    BlockchainConfirmed,
    /// `MoreInformationRequired`.
    MoreInformationRequired,
    /// `Unknown` (rare).
    Unknown,
    /// Any other value, sent as given.
    Other(String),
}

impl Status {
    /// The wire value, e.g. `"CancelByUser"`.
    pub fn as_str(&self) -> &str {
        match self {
            Status::SecurityCheck => "SecurityCheck",
            Status::Pending => "Pending",
            Status::Success => "success",
            Status::CancelByUser => "CancelByUser",
            Status::Reject => "Reject",
            Status::Fail => "Fail",
            Status::BlockchainConfirmed => "BlockchainConfirmed",
            Status::MoreInformationRequired => "MoreInformationRequired",
            Status::Unknown => "Unknown",
            Status::Other(other) => other,
        }
    }
}

/// One withdrawal in the fake's book: the fields of a query-record row, its status, and what a
/// cancel does to it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Withdrawal {
    /// `withdrawId`: the id the cancel takes (as `id`) and query-record as `withdrawID`.
    pub withdraw_id: String,
    /// `coin`, upper case, e.g. `USDT`.
    pub coin: String,
    /// `chain`, e.g. `ETH`.
    pub chain: String,
    /// `amount`, a decimal string.
    pub amount: String,
    /// `withdrawFee`, a decimal string.
    pub withdraw_fee: String,
    /// `toAddress` (the UID for internal transfers).
    pub to_address: String,
    /// `tag`.
    pub tag: String,
    /// `txID`, shown while the status is not `CancelByUser`, `Reject` or `Fail`.
    pub tx_id: String,
    /// `withdrawType`: 0 on-chain (the default), 1 off-chain.
    pub withdraw_type: u8,
    /// `createTime`, Unix ms; 0 is replaced by the fake's clock when added.
    pub create_time: u64,
    /// `updateTime`, Unix ms; 0 becomes `create_time` when added, and every status change
    /// stamps it with the fake's clock.
    pub update_time: u64,
    /// The current status.
    pub status: Status,
    /// What a cancel does.
    pub script: CancelScript,
}

impl Withdrawal {
    /// A `Pending` on-chain withdrawal of `amount` `coin` with the default script
    /// ([`CancelScript::CancelsAfter`] `{ polls: 0 }`).
    pub fn new(withdraw_id: &str, coin: &str, amount: &str) -> Withdrawal {
        Withdrawal {
            withdraw_id: withdraw_id.to_owned(),
            coin: coin.to_owned(),
            amount: amount.to_owned(),
            withdraw_fee: "0".to_owned(),
            ..Withdrawal::default()
        }
    }

    /// Sets the status, builder style.
    pub fn with_status(mut self, status: Status) -> Withdrawal {
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
    type State = Status;

    fn id(&self) -> &str {
        &self.withdraw_id
    }
    fn script(&self) -> CancelScript {
        self.script
    }
    fn state(&self) -> &Status {
        &self.status
    }
    fn put_state(&mut self, status: Status, now_ms: u64) {
        if self.status != status {
            self.status = status;
            self.update_time = now_ms;
        }
    }
    fn fill_defaults(&mut self, now_ms: u64, _position: usize) {
        if self.create_time == 0 {
            self.create_time = now_ms;
        }
        if self.update_time == 0 {
            self.update_time = self.create_time;
        }
    }
    fn cancelling(&self) -> Status {
        self.status.clone()
    }
    fn cancelled(&self) -> Status {
        Status::CancelByUser
    }
    fn completed(&self) -> Status {
        Status::Success
    }
    fn denied(&self) -> Status {
        self.status.clone()
    }
    fn is_cancelling_or_cancelled(&self) -> bool {
        self.status == Status::CancelByUser
    }
}

fn record_row(w: &Withdrawal) -> String {
    let tx_id = match w.status {
        Status::CancelByUser | Status::Reject | Status::Fail => "",
        _ => &w.tx_id,
    };
    format!(
        r#"{{"coin":{},"chain":{},"amount":{},"txID":{},"status":{},"toAddress":{},"tag":{},"withdrawFee":{},"createTime":{},"updateTime":{},"withdrawId":{},"withdrawType":{}}}"#,
        js(&w.coin),
        js(&w.chain),
        js(&w.amount),
        js(tx_id),
        js(w.status.as_str()),
        js(&w.to_address),
        js(&w.tag),
        js(&w.withdraw_fee),
        js(&w.create_time.to_string()),
        js(&w.update_time.to_string()),
        js(&w.withdraw_id),
        w.withdraw_type,
    )
}

/// query-record's parameters (empty values count as absent).
#[derive(Default)]
struct RecordQuery {
    withdraw_id: Option<String>,
    tx_id: Option<String>,
    coin: Option<String>,
    withdraw_type: u8,
    from_ms: u64,
    to_ms: Option<u64>,
    limit: usize,
}

impl RecordQuery {
    fn parse(query: Option<&str>, now_ms: u64) -> Result<RecordQuery, String> {
        let pairs = parse_form(query.unwrap_or("").as_bytes())
            .ok_or_else(|| "the query string does not decode".to_owned())?;
        let get = |name: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, v)| k == name && !v.is_empty())
                .map(|(_, v)| v.clone())
        };
        let number = |name: &str| -> Result<Option<u64>, String> {
            match get(name) {
                None => Ok(None),
                Some(v) => parse_digits(&v)
                    .map(Some)
                    .ok_or_else(|| format!("{name} {v:?} is not an integer")),
            }
        };
        let withdraw_type = match number("withdrawType")? {
            None => 0,
            Some(n @ 0..=2) => n as u8,
            Some(n) => return Err(format!("withdrawType {n} is not 0, 1 or 2")),
        };
        let limit = match number("limit")? {
            None => RECORD_LIMIT,
            Some(n @ 1..=RECORD_LIMIT) => n,
            Some(n) => return Err(format!("limit {n} is not 1-50")),
        };
        let (from_ms, to_ms) = match (number("startTime")?, number("endTime")?) {
            (None, None) => (now_ms.saturating_sub(THIRTY_DAYS_MS), None),
            (Some(start), None) => (start, Some(start.saturating_add(THIRTY_DAYS_MS))),
            (None, Some(end)) => (end.saturating_sub(THIRTY_DAYS_MS), Some(end)),
            (Some(start), Some(end)) => {
                if end < start || end - start > THIRTY_DAYS_MS {
                    return Err("endTime - startTime must be between 0 and 30 days".into());
                }
                (start, Some(end))
            }
        };
        Ok(RecordQuery {
            withdraw_id: get("withdrawID"),
            tx_id: get("txID"),
            coin: get("coin"),
            withdraw_type,
            from_ms,
            to_ms,
            limit: limit as usize,
        })
    }

    fn matches(&self, w: &Withdrawal) -> bool {
        let eq = |want: &Option<String>, have: &str| want.as_deref().is_none_or(|v| v == have);
        eq(&self.withdraw_id, &w.withdraw_id)
            && eq(&self.tx_id, &w.tx_id)
            && eq(&self.coin, &w.coin)
            && (self.withdraw_type == 2 || self.withdraw_type == w.withdraw_type)
            && w.create_time >= self.from_ms
            && self.to_ms.is_none_or(|to| w.create_time <= to)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Cancel,
    QueryRecord,
}

impl Endpoint {
    fn of(req: &RequestParts) -> Option<Endpoint> {
        if req.is("POST", WITHDRAW_CANCEL_PATH) {
            Some(Endpoint::Cancel)
        } else if req.is("GET", QUERY_RECORD_PATH) {
            Some(Endpoint::QueryRecord)
        } else {
            None
        }
    }
}

/// What Bybit signs after the recv window: the query string for GET, the body otherwise.
fn payload(req: &RequestParts) -> &[u8] {
    if req.method == "GET" {
        req.query.as_deref().unwrap_or("").as_bytes()
    } else {
        &req.body
    }
}

/// A GET with a body: Bybit's gateway answers 403.
fn get_with_body(req: &RequestParts) -> bool {
    req.method == "GET" && !req.body.is_empty()
}

/// The receive window Bybit assumes when `X-BAPI-RECV-WINDOW` is absent, in ms.
pub const DEFAULT_RECV_WINDOW_MS: u64 = 5000;

/// The fake Bybit server.
pub type FakeBybit = Fake<Bybit>;

/// What the fake answers to an accepted request: [`Reply::Success`] is
/// `{"retCode":0,"retMsg":"OK","result":{"status":1},"retExtInfo":{},"time":<ms>}`.
pub type Reply = crate::Reply<Answer>;

/// One recorded request.
pub type Recorded = crate::Recorded<Answer>;

/// How an API key signs.
#[derive(Clone)]
pub enum Credential {
    /// A Bybit-generated key: HMAC-SHA256 with this secret, lower-case hex.
    Hmac(String),
    /// A self-generated RSA key: the fake verifies with this public key.
    Rsa(RsaPublicKey),
}

impl Credential {
    /// An RSA credential from a PEM `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo) block,
    /// the form Bybit takes when a self-generated key is registered.
    pub fn rsa_public_key_pem(pem: &str) -> Result<Credential, StartError> {
        RsaPublicKey::from_public_key_pem(pem.trim())
            .map(Credential::Rsa)
            .map_err(|e| StartError::InvalidCredential(format!("not an RSA public key PEM: {e}")))
    }

    fn kind(&self) -> &'static str {
        match self {
            Credential::Hmac(_) => "hmac",
            Credential::Rsa(_) => "rsa",
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Hmac(_) => f.write_str("Hmac(<redacted>)"),
            Credential::Rsa(_) => f.write_str("Rsa(<public key>)"),
        }
    }
}

/// Bybit-specific scripted answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// A documented `retCode`, with its HTTP status.
    Error(DocumentedError),
    /// `retCode` 0 with `result.status` 0: Bybit's documented "fail" for this endpoint.
    StatusFail,
    /// Any `retCode` and `retMsg` with any HTTP status.
    Code {
        /// HTTP status.
        http_status: u16,
        /// `retCode`.
        ret_code: i64,
        /// `retMsg`.
        ret_msg: String,
    },
}

impl crate::Reply<Answer> {
    /// A documented error, e.g. `Reply::error(DocumentedError::ParamsError)`.
    pub fn error(error: DocumentedError) -> Reply {
        crate::Reply::Exchange(Answer::Error(error))
    }

    /// Any `retCode` and `retMsg` with any HTTP status.
    pub fn code(http_status: u16, ret_code: i64, ret_msg: &str) -> Reply {
        crate::Reply::Exchange(Answer::Code {
            http_status,
            ret_code,
            ret_msg: ret_msg.to_owned(),
        })
    }
}

/// The `retCode` values of the reference (common codes and the asset module's 131xxx).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DocumentedError {
    /// 10001: request parameter error.
    ParamsError,
    /// 10002: request time outside the recv window.
    TimestampOutOfWindow,
    /// 10003 (HTTP 401): API key invalid.
    InvalidApiKey,
    /// 10004: sign error.
    SignError,
    /// 10005: permission denied.
    PermissionDenied,
    /// 10006: too many visits (rate limit); sent with `X-Bapi-Limit-*` headers.
    TooManyVisits,
    /// 10007: user authentication failed.
    AuthenticationFailed,
    /// 10009: region restricted.
    RegionRestricted,
    /// 10010: unmatched IP.
    UnmatchedIp,
    /// 10016: server error.
    ServerError,
    /// 10017: route not found.
    RouteNotFound,
    /// 10024: compliance rules triggered.
    ComplianceRules,
    /// 10027: transactions banned.
    TransactionsBanned,
    /// 33004: API key expired.
    KeyExpired,
    /// 131001: openapi svc error.
    OpenapiSvcError,
    /// 131002: parameter error (asset module).
    AssetParameterError,
    /// 131003: internal error (asset module).
    AssetInternalError,
    /// 131004: KYC needed.
    KycNeeded,
    /// 131082: do not repeat the request.
    DoNotRepeat,
}

impl DocumentedError {
    /// Every documented error.
    pub const ALL: &'static [DocumentedError] = &[
        DocumentedError::ParamsError,
        DocumentedError::TimestampOutOfWindow,
        DocumentedError::InvalidApiKey,
        DocumentedError::SignError,
        DocumentedError::PermissionDenied,
        DocumentedError::TooManyVisits,
        DocumentedError::AuthenticationFailed,
        DocumentedError::RegionRestricted,
        DocumentedError::UnmatchedIp,
        DocumentedError::ServerError,
        DocumentedError::RouteNotFound,
        DocumentedError::ComplianceRules,
        DocumentedError::TransactionsBanned,
        DocumentedError::KeyExpired,
        DocumentedError::OpenapiSvcError,
        DocumentedError::AssetParameterError,
        DocumentedError::AssetInternalError,
        DocumentedError::KycNeeded,
        DocumentedError::DoNotRepeat,
    ];

    /// The `retCode`.
    pub fn code(self) -> i64 {
        match self {
            DocumentedError::ParamsError => 10001,
            DocumentedError::TimestampOutOfWindow => 10002,
            DocumentedError::InvalidApiKey => 10003,
            DocumentedError::SignError => 10004,
            DocumentedError::PermissionDenied => 10005,
            DocumentedError::TooManyVisits => 10006,
            DocumentedError::AuthenticationFailed => 10007,
            DocumentedError::RegionRestricted => 10009,
            DocumentedError::UnmatchedIp => 10010,
            DocumentedError::ServerError => 10016,
            DocumentedError::RouteNotFound => 10017,
            DocumentedError::ComplianceRules => 10024,
            DocumentedError::TransactionsBanned => 10027,
            DocumentedError::KeyExpired => 33004,
            DocumentedError::OpenapiSvcError => 131001,
            DocumentedError::AssetParameterError => 131002,
            DocumentedError::AssetInternalError => 131003,
            DocumentedError::KycNeeded => 131004,
            DocumentedError::DoNotRepeat => 131082,
        }
    }

    /// The HTTP status sent with it: 401 for an invalid key (the reference's "bad key"), else 200.
    pub fn http_status(self) -> u16 {
        match self {
            DocumentedError::InvalidApiKey => 401,
            _ => 200,
        }
    }

    /// The `retMsg` (the docs' meaning; Bybit's exact wording may differ).
    pub fn message(self) -> &'static str {
        match self {
            DocumentedError::ParamsError => "params error",
            DocumentedError::TimestampOutOfWindow => {
                "invalid request, please check your server timestamp or recv_window param"
            }
            DocumentedError::InvalidApiKey => "API key is invalid.",
            DocumentedError::SignError => "error sign!",
            DocumentedError::PermissionDenied => {
                "Permission denied, please check your API key permissions."
            }
            DocumentedError::TooManyVisits => "Too many visits. Exceeded the API Rate Limit.",
            DocumentedError::AuthenticationFailed => "User authentication failed.",
            DocumentedError::RegionRestricted => "Region restricted.",
            DocumentedError::UnmatchedIp => {
                "Unmatched IP, please check your API key's bound IP addresses."
            }
            DocumentedError::ServerError => "Server error.",
            DocumentedError::RouteNotFound => "Route not found.",
            DocumentedError::ComplianceRules => "Compliance rules triggered.",
            DocumentedError::TransactionsBanned => "Transactions are banned.",
            DocumentedError::KeyExpired => "Your api key has expired.",
            DocumentedError::OpenapiSvcError => "openapi svc error",
            DocumentedError::AssetParameterError => "parameter error",
            DocumentedError::AssetInternalError => "internal error",
            DocumentedError::KycNeeded => "KYC needed",
            DocumentedError::DoNotRepeat => "Do not repeat the request",
        }
    }
}

/// Bybit's string to sign: `timestamp + api_key + recv_window + payload` (payload: the JSON body
/// for POST, the query string for GET).
pub fn prehash(timestamp: &str, api_key: &str, recv_window: &str, payload: &[u8]) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(timestamp.len() + api_key.len() + recv_window.len() + payload.len());
    out.extend_from_slice(timestamp.as_bytes());
    out.extend_from_slice(api_key.as_bytes());
    out.extend_from_slice(recv_window.as_bytes());
    out.extend_from_slice(payload);
    out
}

/// `X-BAPI-SIGN` for an HMAC key: lower-case hex of `HMAC-SHA256(secret as UTF-8, prehash)`
/// (this crate's own code, independent of xgen-runtime).
pub fn sign_hmac(secret: &str, prehash: &[u8]) -> String {
    hex_lower(&hmac_of(secret, prehash).finalize().into_bytes())
}

/// `true` when `signature` is [`sign_hmac`]'s value (lower-case hex only; constant-time
/// comparison).
pub fn verify_hmac(secret: &str, prehash: &[u8], signature: &str) -> bool {
    let Some(given) = hex_decode_lower(signature.trim()) else {
        return false;
    };
    hmac_of(secret, prehash).verify_slice(&given).is_ok()
}

/// `true` when `signature_b64` is a base64 RSASSA-PKCS1-v1_5 / SHA-256 signature of `prehash`
/// under `public_key`.
pub fn verify_rsa(public_key: &RsaPublicKey, prehash: &[u8], signature_b64: &str) -> bool {
    let Ok(bytes) = B64.decode(signature_b64.trim()) else {
        return false;
    };
    let Ok(signature) = rsa::pkcs1v15::Signature::try_from(bytes.as_slice()) else {
        return false;
    };
    rsa::pkcs1v15::VerifyingKey::<Sha256>::new(public_key.clone())
        .verify(prehash, &signature)
        .is_ok()
}

fn hmac_of(secret: &str, prehash: &[u8]) -> Hmac<Sha256> {
    let mut mac = crate::util::hmac::<Hmac<Sha256>>(secret.as_bytes());
    mac.update(prehash);
    mac
}

/// The Bybit exchange state: keys and how they sign, withdrawal book.
pub struct Bybit {
    keys: HashMap<String, Credential>,
    book: Book<Withdrawal>,
}

impl crate::Exchange for Bybit {}

book_api!(Bybit, Withdrawal, Status, "withdrawId");

impl Fake<Bybit> {
    /// Starts a fake Bybit accepting one API key.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, or if `127.0.0.1:0` cannot be bound (see
    /// [`Fake::<Bybit>::try_start`]).
    pub async fn start(api_key: &str, credential: Credential) -> FakeBybit {
        match Self::try_start(api_key, credential).await {
            Ok(fake) => fake,
            Err(e) => panic!("{e}"),
        }
    }

    /// [`Fake::<Bybit>::start`], returning the failure instead of panicking.
    pub async fn try_start(api_key: &str, credential: Credential) -> Result<FakeBybit, StartError> {
        let mut keys = HashMap::new();
        keys.insert(api_key.to_owned(), credential);
        Fake::spawn(Bybit {
            keys,
            book: Book::default(),
        })
        .await
    }

    /// Accepts one more API key.
    pub fn add_key(&self, api_key: &str, credential: Credential) {
        self.with_exchange(|b| b.keys.insert(api_key.to_owned(), credential));
    }
}

impl Machinery for Bybit {
    type Answer = Answer;
    const NAME: &'static str = "FakeBybit";
    const PATH: &'static str = WITHDRAW_CANCEL_PATH;

    fn verify(&mut self, req: &RequestParts, now_ms: u64) -> Checked {
        let Some(endpoint) = Endpoint::of(req) else {
            return Checked::new(Verdict::UnknownEndpoint);
        };
        if get_with_body(req) {
            return Checked::new(Verdict::InvalidArguments("a GET with a body".into()));
        }
        let Some(api_key) = non_empty(req, "x-bapi-api-key") else {
            return Checked::new(Verdict::MissingHeader("x-bapi-api-key".into()));
        };
        let Some(credential) = self.keys.get(api_key) else {
            return Checked::new(Verdict::InvalidKey);
        };
        let Some(ts) = non_empty(req, "x-bapi-timestamp") else {
            return Checked::new(Verdict::MissingHeader("x-bapi-timestamp".into()));
        };
        let Some(signature) = non_empty(req, "x-bapi-sign") else {
            return Checked::new(Verdict::MissingHeader("x-bapi-sign".into()));
        };
        let Some(ts_ms) = parse_digits(ts) else {
            return Checked::new(Verdict::InvalidTimestamp(format!(
                "X-BAPI-TIMESTAMP {ts:?} is not Unix ms"
            )));
        };
        let recv_window_text = header(&req.headers, "x-bapi-recv-window").unwrap_or("");
        let recv_window = if recv_window_text.is_empty() {
            DEFAULT_RECV_WINDOW_MS
        } else {
            match parse_digits(recv_window_text) {
                Some(rw) => rw,
                None => {
                    return Checked::new(Verdict::InvalidTimestamp(format!(
                        "X-BAPI-RECV-WINDOW {recv_window_text:?} is not ms"
                    )))
                }
            }
        };
        // server_time - recv_window <= timestamp < server_time + 1000
        let in_window =
            ts_ms >= now_ms.saturating_sub(recv_window) && ts_ms < now_ms.saturating_add(1000);
        if !in_window {
            return Checked::new(Verdict::StaleTimestamp(format!(
                "req_timestamp[{ts_ms}],server_timestamp[{now_ms}],recv_window[{recv_window}]"
            )));
        }
        let message = prehash(ts, api_key, recv_window_text, payload(req));
        let signed = match credential {
            Credential::Hmac(secret) => verify_hmac(secret, &message, signature),
            Credential::Rsa(public_key) => verify_rsa(public_key, &message, signature),
        };
        if !signed {
            return Checked::new(Verdict::InvalidSignature);
        }
        if endpoint == Endpoint::QueryRecord {
            return match RecordQuery::parse(req.query.as_deref(), now_ms) {
                Ok(query) => {
                    self.book.record_poll(
                        query.withdraw_id.as_deref(),
                        |w| query.matches(w),
                        now_ms,
                    );
                    Checked::new(Verdict::Accepted)
                }
                Err(why) => Checked::new(Verdict::InvalidArguments(why)),
            };
        }
        match withdrawal_id(req) {
            Ok(_) => Checked::new(Verdict::Accepted),
            Err(why) => Checked::new(Verdict::InvalidArguments(why)),
        }
    }

    fn reject(&self, verdict: &Verdict, req: &RequestParts, now_ms: u64) -> HttpReply {
        let (status, code, msg) = match verdict {
            Verdict::UnknownEndpoint => return HttpReply::text(404, "Not Found"),
            Verdict::InvalidArguments(_) if get_with_body(req) => {
                return HttpReply::text(403, "Forbidden")
            }
            Verdict::MissingHeader(name) => {
                let error = match name.as_str() {
                    "x-bapi-timestamp" => DocumentedError::TimestampOutOfWindow,
                    "x-bapi-sign" => DocumentedError::SignError,
                    _ => DocumentedError::InvalidApiKey,
                };
                (401, error.code(), format!("missing header {name}"))
            }
            Verdict::InvalidTimestamp(why) => (
                200,
                DocumentedError::TimestampOutOfWindow.code(),
                format!("{}: {why}", DocumentedError::TimestampOutOfWindow.message()),
            ),
            Verdict::StaleTimestamp(why) => (
                200,
                DocumentedError::TimestampOutOfWindow.code(),
                format!("{}. {why}", DocumentedError::TimestampOutOfWindow.message()),
            ),
            Verdict::InvalidSignature => {
                let origin = prehash(
                    header(&req.headers, "x-bapi-timestamp").unwrap_or(""),
                    header(&req.headers, "x-bapi-api-key").unwrap_or(""),
                    header(&req.headers, "x-bapi-recv-window").unwrap_or(""),
                    payload(req),
                );
                (
                    200,
                    DocumentedError::SignError.code(),
                    format!(
                        "error sign! origin_string[{}]",
                        String::from_utf8_lossy(&origin)
                    ),
                )
            }
            Verdict::InvalidArguments(why) => (
                200,
                DocumentedError::ParamsError.code(),
                format!("params error: {why}"),
            ),
            Verdict::PermissionDenied(_) => (
                200,
                DocumentedError::PermissionDenied.code(),
                DocumentedError::PermissionDenied.message().to_owned(),
            ),
            _ => (
                401,
                DocumentedError::InvalidApiKey.code(),
                DocumentedError::InvalidApiKey.message().to_owned(),
            ),
        };
        HttpReply::json(status, envelope(code, &msg, "{}", now_ms))
    }

    fn answer(
        &mut self,
        answer: Answered<'_, Answer>,
        req: &RequestParts,
        now_ms: u64,
    ) -> HttpReply {
        let endpoint = Endpoint::of(req).unwrap_or(Endpoint::Cancel);
        match answer {
            Answered::Success if endpoint == Endpoint::QueryRecord => {
                let query = RecordQuery::parse(req.query.as_deref(), now_ms).unwrap_or_default();
                let rows = self.book.poll(
                    |w| query.matches(w),
                    |a, b| b.create_time.cmp(&a.create_time),
                    query.limit,
                    now_ms,
                );
                let rows: Vec<String> = rows
                    .iter()
                    .map(|w| self.book.rendered(record_row(w)))
                    .collect();
                let result = format!(r#"{{"rows":[{}],"nextPageCursor":""}}"#, rows.join(","));
                HttpReply::json(200, envelope(0, "OK", &result, now_ms))
            }
            Answered::Success => {
                let id = withdrawal_id(req).unwrap_or_default();
                let result = match self.book.cancel(&id, |_| true, now_ms) {
                    CancelOutcome::NotFound => {
                        let e = DocumentedError::AssetParameterError;
                        return HttpReply::json(
                            e.http_status(),
                            envelope(e.code(), e.message(), "{}", now_ms),
                        );
                    }
                    CancelOutcome::Refused | CancelOutcome::AlreadyCancelled => r#"{"status":0}"#,
                    CancelOutcome::NoBook | CancelOutcome::Accepted => r#"{"status":1}"#,
                };
                HttpReply::json(200, envelope(0, "OK", result, now_ms))
            }
            Answered::Exchange(Answer::StatusFail) => {
                HttpReply::json(200, envelope(0, "OK", r#"{"status":0}"#, now_ms))
            }
            Answered::RateLimited
            | Answered::Exchange(Answer::Error(DocumentedError::TooManyVisits)) => {
                let e = DocumentedError::TooManyVisits;
                let limit = match endpoint {
                    Endpoint::Cancel => "60",
                    Endpoint::QueryRecord => "300",
                };
                HttpReply::json(200, envelope(e.code(), e.message(), "{}", now_ms))
                    .with_header("X-Bapi-Limit", limit)
                    .with_header("X-Bapi-Limit-Status", "0")
                    .with_header(
                        "X-Bapi-Limit-Reset-Timestamp",
                        now_ms.saturating_add(1000).to_string(),
                    )
            }
            Answered::Exchange(Answer::Error(e)) => HttpReply::json(
                e.http_status(),
                envelope(e.code(), e.message(), "{}", now_ms),
            ),
            Answered::Exchange(Answer::Code {
                http_status,
                ret_code,
                ret_msg,
            }) => HttpReply::json(*http_status, envelope(*ret_code, ret_msg, "{}", now_ms)),
        }
    }

    fn describe(&self, f: &mut fmt::DebugStruct<'_, '_>) {
        let mut keys: Vec<(&str, &str)> = self
            .keys
            .iter()
            .map(|(k, c)| (k.as_str(), c.kind()))
            .collect();
        keys.sort_unstable();
        f.field("keys", &keys).field("secrets", &"<redacted>");
    }
}

fn non_empty<'a>(req: &'a RequestParts, name: &str) -> Option<&'a str> {
    header(&req.headers, name).filter(|v| !v.is_empty())
}

fn envelope(ret_code: i64, ret_msg: &str, result: &str, now_ms: u64) -> String {
    format!(
        r#"{{"retCode":{ret_code},"retMsg":{},"result":{result},"retExtInfo":{{}},"time":{now_ms}}}"#,
        js(ret_msg)
    )
}

fn withdrawal_id(req: &RequestParts) -> Result<String, String> {
    let media = media_type(&req.headers);
    if media != "application/json" {
        return Err(format!("Content-Type {media:?} is not application/json"));
    }
    let map = json_object(&req.body)?;
    match map.get("id") {
        Some(serde_json::Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(other) => Err(format!("id is not a non-empty string: {other}")),
        None => Err("missing id".into()),
    }
}
