//! Binance: `POST /sapi/v1/capital/withdraw/apply` and `GET /sapi/v1/capital/withdraw/history`,
//! parameters in the query string (a POST may also send them as a form body).
//!
//! Auth: the header `X-MBX-APIKEY`, and the query parameters `timestamp` (Unix ms), optional
//! `recvWindow` (ms, default 5000, at most 60000) and `signature`, which must be in the query.
//! The signed payload is Binance's "totalParams": the query string as received with the
//! `signature` pair taken out, followed by the body ([`total_params`]). The signature depends on
//! how the key was registered with the fake ([`Credential`]):
//! - HMAC: hex of `HMAC-SHA256(secret as UTF-8, totalParams)`, either case ([`sign_hmac`]);
//! - Ed25519: base64 Ed25519 signature, percent-encoded in the query, verified with the public
//!   key the test gives;
//! - RSA: base64 RSASSA-PKCS1-v1_5 over SHA-256, percent-encoded, verified likewise.
//!
//! Checks, in order, each refusal answered with Binance's `{"code":N,"msg":".."}`:
//!
//! | check | verdict | code | HTTP |
//! |---|---|---|---|
//! | method and path | [`Verdict::UnknownEndpoint`] | — (plain `Not Found`) | 404 |
//! | `X-MBX-APIKEY` present | [`Verdict::MissingHeader`] | -2014 `API-key format invalid.` | 401 |
//! | key known | [`Verdict::InvalidKey`] | -2015 `Invalid API-key, IP, or permissions for action.` | 401 |
//! | `timestamp` present and digits, `recvWindow` digits up to 60000 | [`Verdict::InvalidTimestamp`] | -1102 / -1131 | 400 |
//! | `timestamp < server_time + 1000` (fake's [`Clock`]) | [`Verdict::StaleTimestamp`] | -1021 `Timestamp for this request was 1000ms ahead of the server's time.` | 400 |
//! | `server_time - timestamp <= recvWindow` | [`Verdict::StaleTimestamp`] | -1021 `Timestamp for this request is outside of the recvWindow.` | 400 |
//! | `signature` present in the query and valid | [`Verdict::InvalidSignature`] | -1022 `Signature for this request is not valid.` (-1102 when absent) | 400 |
//! | apply: `coin`, `address`, `amount` (a positive decimal) | [`Verdict::InvalidArguments`] | -1102 | 400 |
//! | history: `status` 0–6, `limit` 1–1000, `offset`, `startTime`/`endTime` at most 90 days apart | [`Verdict::InvalidArguments`] | -1100 / -1102 | 400 |
//!
//! # The withdrawal book
//!
//! An accepted apply adds a [`Withdrawal`] to the book with a fresh 32-hex `id`, status
//! [`Status::Processing`] (the fake's choice: API withdrawals skip the email step) and answers
//! `{"id":"<id>"}`. Tests add withdrawals of their own with [`Fake::add_withdrawal`] and move
//! them with [`Fake::set_withdrawal_state`]. Binance has no cancel endpoint, so a withdrawal's
//! [`CancelScript`] does nothing here.
//!
//! history answers a JSON array of records, newest `applyTime` first:
//! `{"id","amount","transactionFee","coin","status","address","addressTag","txId","applyTime",
//! "network","transferType","withdrawOrderId","info","confirmNo","walletType"}` where `applyTime`
//! is `"YYYY-MM-DD HH:MM:SS"` (UTC) and `withdrawOrderId` is left out when the withdrawal has
//! none, as Binance does (its spec marks it required). Records match `coin`, `withdrawOrderId`,
//! `status`, `idList` (comma-separated ids, which Binance documents but its spec leaves out) and
//! the window on `applyTime` (default: the last 90 days of the fake's clock); `offset` and
//! `limit` (default 1000) page them. A rate limit ([`Reply::RateLimited`]) is HTTP 429 with code
//! -1003 and `Retry-After: 1`; [`Answer::IpBanned`] is HTTP 418 with `Retry-After`. Each
//! accepted history request counts as a poll ([`Fake::status_polls`]) of every withdrawal its
//! filters select.

use std::collections::HashMap;
use std::fmt;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rsa::RsaPublicKey;
use sha2::Sha256;

use crate::book::{book_api, Book, Ledger};
use crate::reply::HttpReply;
use crate::server::machinery::{Answered, Checked, Machinery, RequestParts};
use crate::util::{header, hex_lower, js, parse_digits, parse_form};

pub use crate::book::CancelScript;
pub use crate::clock::Clock;
pub use crate::record::Verdict;
pub use crate::server::{Fake, StartError};

/// The withdraw endpoint (the one [`Fake::respond_with`] scripts).
pub const WITHDRAW_APPLY_PATH: &str = "/sapi/v1/capital/withdraw/apply";

/// The withdraw history endpoint (`GET`).
pub const WITHDRAW_HISTORY_PATH: &str = "/sapi/v1/capital/withdraw/history";

/// The receive window Binance assumes when `recvWindow` is absent, in ms.
pub const DEFAULT_RECV_WINDOW_MS: u64 = 5000;

/// The largest `recvWindow` Binance accepts, in ms.
pub const MAX_RECV_WINDOW_MS: u64 = 60_000;

/// 90 days in ms: history's default window and longest span.
const NINETY_DAYS_MS: u64 = 90 * 86_400_000;

/// history's default and largest `limit`.
const HISTORY_LIMIT: u64 = 1000;

/// A withdrawal's `status` in the history, with the words of Binance's spec.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Status {
    /// `0` Email Sent.
    EmailSent,
    /// `1` Cancelled.
    Cancelled,
    /// `2` Awaiting Approval.
    AwaitingApproval,
    /// `3` Rejected.
    Rejected,
    /// `4` Processing (the default).
    #[default]
    Processing,
    /// `5` Failure.
    Failure,
    /// `6` Completed.
    Completed,
    /// Any other number, sent as given.
    Other(i64),
}

impl Status {
    /// The number Binance sends.
    pub fn code(self) -> i64 {
        match self {
            Status::EmailSent => 0,
            Status::Cancelled => 1,
            Status::AwaitingApproval => 2,
            Status::Rejected => 3,
            Status::Processing => 4,
            Status::Failure => 5,
            Status::Completed => 6,
            Status::Other(n) => n,
        }
    }

    /// The status of a number (`Other` for one the spec does not list).
    pub fn from_code(code: i64) -> Status {
        match code {
            0 => Status::EmailSent,
            1 => Status::Cancelled,
            2 => Status::AwaitingApproval,
            3 => Status::Rejected,
            4 => Status::Processing,
            5 => Status::Failure,
            6 => Status::Completed,
            n => Status::Other(n),
        }
    }
}

/// One withdrawal in the fake's book: the fields of a history record.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Withdrawal {
    /// `id`, as apply returns it.
    pub id: String,
    /// `withdrawOrderId`, the caller's id; left out of the record when `None`.
    pub withdraw_order_id: Option<String>,
    /// `coin`, e.g. `USDT`.
    pub coin: String,
    /// `network`, e.g. `ETH`.
    pub network: String,
    /// `address`.
    pub address: String,
    /// `addressTag`.
    pub address_tag: String,
    /// `amount`, a decimal string.
    pub amount: String,
    /// `transactionFee`, a decimal string.
    pub transaction_fee: String,
    /// `txId`.
    pub tx_id: String,
    /// `info`: the reason of a failure.
    pub info: String,
    /// `transferType`: 0 external, 1 internal.
    pub transfer_type: u8,
    /// `applyTime`, Unix ms; 0 is replaced by the fake's clock when added.
    pub apply_time: u64,
    /// The current status.
    pub status: Status,
    /// Unused: Binance has no cancel endpoint.
    pub script: CancelScript,
}

impl Withdrawal {
    /// A withdrawal of `amount` `coin` in [`Status::Processing`].
    pub fn new(id: &str, coin: &str, amount: &str) -> Withdrawal {
        Withdrawal {
            id: id.to_owned(),
            coin: coin.to_owned(),
            amount: amount.to_owned(),
            network: coin.to_owned(),
            transaction_fee: "0".to_owned(),
            ..Withdrawal::default()
        }
    }

    /// Sets the status, builder style.
    pub fn with_status(mut self, status: Status) -> Withdrawal {
        self.status = status;
        self
    }

    /// Sets `withdrawOrderId`, builder style.
    pub fn with_order_id(mut self, withdraw_order_id: &str) -> Withdrawal {
        self.withdraw_order_id = Some(withdraw_order_id.to_owned());
        self
    }
}

impl Ledger for Withdrawal {
    type State = Status;

    fn id(&self) -> &str {
        &self.id
    }
    fn script(&self) -> CancelScript {
        self.script
    }
    fn state(&self) -> &Status {
        &self.status
    }
    fn put_state(&mut self, status: Status, _now_ms: u64) {
        self.status = status;
    }
    fn fill_defaults(&mut self, now_ms: u64, _position: usize) {
        if self.apply_time == 0 {
            self.apply_time = now_ms;
        }
    }
    // Binance has no cancel endpoint: the book's cancel is never reached; these say what its
    // states would be.
    fn cancelling(&self) -> Status {
        self.status
    }
    fn cancelled(&self) -> Status {
        Status::Cancelled
    }
    fn completed(&self) -> Status {
        Status::Completed
    }
    fn denied(&self) -> Status {
        self.status
    }
    fn is_cancelling_or_cancelled(&self) -> bool {
        self.status == Status::Cancelled
    }
}

/// `"2019-10-12 11:12:02"`: `applyTime` as Binance writes it (UTC).
pub fn apply_time(unix_ms: u64) -> String {
    let iso = crate::okx::timestamp(unix_ms);
    iso.get(..19).unwrap_or_default().replacen('T', " ", 1)
}

fn record(w: &Withdrawal) -> String {
    let order_id = w
        .withdraw_order_id
        .as_deref()
        .map(|id| format!(r#","withdrawOrderId":{}"#, js(id)))
        .unwrap_or_default();
    format!(
        r#"{{"id":{},"amount":{},"transactionFee":{},"coin":{},"status":{},"address":{},"addressTag":{},"txId":{},"applyTime":{},"network":{},"transferType":{}{order_id},"info":{},"confirmNo":0,"walletType":0}}"#,
        js(&w.id),
        js(&w.amount),
        js(&w.transaction_fee),
        js(&w.coin),
        w.status.code(),
        js(&w.address),
        js(&w.address_tag),
        js(&w.tx_id),
        js(&apply_time(w.apply_time)),
        js(&w.network),
        w.transfer_type,
        js(&w.info),
    )
}

/// The fake Binance server.
pub type FakeBinance = Fake<Binance>;

/// What the fake answers to an accepted request: [`Reply::Success`] is `{"id":".."}` for apply
/// and the book's records for history.
pub type Reply = crate::Reply<Answer>;

/// One recorded request.
pub type Recorded = crate::Recorded<Answer>;

/// How an API key signs.
#[derive(Clone)]
pub enum Credential {
    /// An HMAC key: HMAC-SHA256 with this secret, hex.
    Hmac(String),
    /// A self-generated Ed25519 key: the fake verifies with this public key.
    Ed25519(ed25519_dalek::VerifyingKey),
    /// A self-generated RSA key: the fake verifies with this public key.
    Rsa(RsaPublicKey),
}

impl Credential {
    /// An Ed25519 or RSA credential from a PEM `-----BEGIN PUBLIC KEY-----` block, the form
    /// Binance takes when a self-generated key is registered.
    pub fn public_key_pem(pem: &str) -> Result<Credential, StartError> {
        let pem = pem.trim();
        if let Ok(key) = ed25519_dalek::VerifyingKey::from_public_key_pem(pem) {
            return Ok(Credential::Ed25519(key));
        }
        RsaPublicKey::from_public_key_pem(pem)
            .map(Credential::Rsa)
            .map_err(|e| {
                StartError::InvalidCredential(format!("not an Ed25519 or RSA public key PEM: {e}"))
            })
    }

    /// [`Credential::public_key_pem`] for PEM text, an HMAC secret otherwise.
    pub fn from_text(text: &str) -> Result<Credential, StartError> {
        if text.trim_start().starts_with("-----BEGIN") {
            Credential::public_key_pem(text)
        } else {
            Ok(Credential::Hmac(text.trim().to_owned()))
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Credential::Hmac(_) => "hmac",
            Credential::Ed25519(_) => "ed25519",
            Credential::Rsa(_) => "rsa",
        }
    }

    fn verifies(&self, payload: &[u8], signature: &str) -> bool {
        match self {
            Credential::Hmac(secret) => verify_hmac(secret, payload, signature),
            Credential::Ed25519(key) => {
                let Ok(bytes) = B64.decode(signature.trim()) else {
                    return false;
                };
                let Ok(signature) = ed25519_dalek::Signature::from_slice(&bytes) else {
                    return false;
                };
                key.verify(payload, &signature).is_ok()
            }
            Credential::Rsa(key) => {
                let Ok(bytes) = B64.decode(signature.trim()) else {
                    return false;
                };
                let Ok(signature) = rsa::pkcs1v15::Signature::try_from(bytes.as_slice()) else {
                    return false;
                };
                rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key.clone())
                    .verify(payload, &signature)
                    .is_ok()
            }
        }
    }
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Hmac(_) => f.write_str("Hmac(<redacted>)"),
            Credential::Ed25519(_) => f.write_str("Ed25519(<public key>)"),
            Credential::Rsa(_) => f.write_str("Rsa(<public key>)"),
        }
    }
}

/// Binance-specific scripted answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// A documented code, with its HTTP status.
    Error(DocumentedError),
    /// HTTP 418 (the IP is banned after going on past a 429), code -1003, with
    /// `Retry-After: seconds`.
    IpBanned {
        /// The `Retry-After` value.
        retry_after_s: u64,
    },
    /// Any code and message with any HTTP status.
    Code {
        /// HTTP status.
        http_status: u16,
        /// `code`.
        code: i64,
        /// `msg`.
        msg: String,
    },
}

impl crate::Reply<Answer> {
    /// A documented error, e.g. `Reply::error(DocumentedError::InvalidSignature)`.
    pub fn error(error: DocumentedError) -> Reply {
        crate::Reply::Exchange(Answer::Error(error))
    }

    /// Any code and message with any HTTP status.
    pub fn code(http_status: u16, code: i64, msg: &str) -> Reply {
        crate::Reply::Exchange(Answer::Code {
            http_status,
            code,
            msg: msg.to_owned(),
        })
    }
}

/// The Binance error codes the fake answers with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DocumentedError {
    /// -1000 (HTTP 500 here): unknown error.
    Unknown,
    /// -1003 (HTTP 429): too many requests.
    TooManyRequests,
    /// -1007 (HTTP 504 here): timeout waiting for the backend; execution status unknown.
    Timeout,
    /// -1021 (HTTP 400): timestamp outside the recvWindow.
    TimestampOutsideRecvWindow,
    /// -1022 (HTTP 400): invalid signature.
    InvalidSignature,
    /// -2014 (HTTP 401): API-key format invalid.
    BadApiKeyFormat,
    /// -2015 (HTTP 401): invalid API-key, IP, or permissions for action.
    RejectedApiKey,
    /// -4026 (HTTP 400): the balance is insufficient (a `/sapi` wallet code).
    InsufficientBalance,
}

impl DocumentedError {
    /// The code.
    pub fn code(self) -> i64 {
        match self {
            DocumentedError::Unknown => -1000,
            DocumentedError::TooManyRequests => -1003,
            DocumentedError::Timeout => -1007,
            DocumentedError::TimestampOutsideRecvWindow => -1021,
            DocumentedError::InvalidSignature => -1022,
            DocumentedError::BadApiKeyFormat => -2014,
            DocumentedError::RejectedApiKey => -2015,
            DocumentedError::InsufficientBalance => -4026,
        }
    }

    /// The HTTP status sent with it.
    pub fn http_status(self) -> u16 {
        match self {
            DocumentedError::Unknown => 500,
            DocumentedError::TooManyRequests => 429,
            DocumentedError::Timeout => 504,
            DocumentedError::BadApiKeyFormat | DocumentedError::RejectedApiKey => 401,
            _ => 400,
        }
    }

    /// The `msg`.
    pub fn message(self) -> &'static str {
        match self {
            DocumentedError::Unknown => "An unknown error occured while processing the request.",
            DocumentedError::TooManyRequests => "Too many requests; please use the websocket for live updates to avoid polling the API.",
            DocumentedError::Timeout => "Timeout waiting for response from backend server. Send status unknown; execution status unknown.",
            DocumentedError::TimestampOutsideRecvWindow => {
                "Timestamp for this request is outside of the recvWindow."
            }
            DocumentedError::InvalidSignature => "Signature for this request is not valid.",
            DocumentedError::BadApiKeyFormat => "API-key format invalid.",
            DocumentedError::RejectedApiKey => "Invalid API-key, IP, or permissions for action.",
            DocumentedError::InsufficientBalance => "User has insufficient balance",
        }
    }
}

/// Binance's "totalParams" for a query string as received and a body: the query without its
/// `signature` pair (the other pairs as received, in order), then the body, unseparated. Also
/// returns the signature, percent-decoded, if the query has one.
pub fn total_params(query: &str, body: &[u8]) -> (Vec<u8>, Option<String>) {
    let mut kept: Vec<&str> = Vec::new();
    let mut signature = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.strip_prefix("signature=") {
            Some(value) => {
                signature = parse_form(format!("s={value}").as_bytes())
                    .and_then(|pairs| pairs.into_iter().next())
                    .map(|(_, v)| v);
            }
            None => kept.push(pair),
        }
    }
    let mut payload = kept.join("&").into_bytes();
    payload.extend_from_slice(body);
    (payload, signature)
}

/// The `signature` of an HMAC key: lower-case hex of `HMAC-SHA256(secret, total_params)` (this
/// crate's own code, independent of xgen-runtime).
pub fn sign_hmac(secret: &str, total_params: &[u8]) -> String {
    let mut mac = crate::util::hmac::<Hmac<Sha256>>(secret.as_bytes());
    mac.update(total_params);
    hex_lower(&mac.finalize().into_bytes())
}

/// `true` when `signature` is [`sign_hmac`]'s value, in either case (Binance: HMAC signatures
/// are not case-sensitive); constant-time comparison.
pub fn verify_hmac(secret: &str, total_params: &[u8], signature: &str) -> bool {
    let lower = signature.trim().to_ascii_lowercase();
    let Some(given) = crate::util::hex_decode_lower(&lower) else {
        return false;
    };
    let mut mac = crate::util::hmac::<Hmac<Sha256>>(secret.as_bytes());
    mac.update(total_params);
    mac.verify_slice(&given).is_ok()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Apply,
    History,
}

impl Endpoint {
    fn of(req: &RequestParts) -> Option<Endpoint> {
        if req.is("POST", WITHDRAW_APPLY_PATH) {
            Some(Endpoint::Apply)
        } else if req.is("GET", WITHDRAW_HISTORY_PATH) {
            Some(Endpoint::History)
        } else {
            None
        }
    }
}

/// Every parameter of a request: the query's, then a form body's (Binance takes both, the
/// query's value winning on a clash).
fn params(req: &RequestParts) -> Option<Vec<(String, String)>> {
    let mut pairs = parse_form(req.query.as_deref().unwrap_or("").as_bytes())?;
    if !req.body.is_empty() {
        pairs.extend(parse_form(&req.body)?);
    }
    Some(pairs)
}

fn get<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.as_str())
}

fn mandatory(name: &str) -> String {
    format!("Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")
}

/// history's filters.
struct HistoryQuery {
    coin: Option<String>,
    order_id: Option<String>,
    status: Option<i64>,
    ids: Option<Vec<String>>,
    from_ms: u64,
    to_ms: u64,
    offset: usize,
    limit: usize,
}

impl HistoryQuery {
    fn parse(pairs: &[(String, String)], now_ms: u64) -> Result<HistoryQuery, String> {
        let number = |name: &str| -> Result<Option<u64>, String> {
            match get(pairs, name) {
                None => Ok(None),
                Some(v) => parse_digits(v).map(Some).ok_or_else(|| mandatory(name)),
            }
        };
        let status = match number("status")? {
            None => None,
            Some(n @ 0..=6) => Some(n as i64),
            Some(_) => return Err("Illegal characters found in parameter 'status'.".into()),
        };
        let limit = match number("limit")? {
            None => HISTORY_LIMIT,
            Some(n @ 1..=HISTORY_LIMIT) => n,
            Some(_) => return Err("limit must be between 1 and 1000.".into()),
        };
        let (from_ms, to_ms) = match (number("startTime")?, number("endTime")?) {
            (None, None) => (now_ms.saturating_sub(NINETY_DAYS_MS), now_ms),
            (Some(start), None) => (start, start.saturating_add(NINETY_DAYS_MS)),
            (None, Some(end)) => (end.saturating_sub(NINETY_DAYS_MS), end),
            (Some(start), Some(end)) => {
                if end < start || end - start > NINETY_DAYS_MS {
                    return Err("Time interval must be within 0-90 days".into());
                }
                (start, end)
            }
        };
        Ok(HistoryQuery {
            coin: get(pairs, "coin").map(str::to_owned),
            order_id: get(pairs, "withdrawOrderId").map(str::to_owned),
            status,
            ids: get(pairs, "idList").map(|list| list.split(',').map(str::to_owned).collect()),
            from_ms,
            to_ms,
            offset: number("offset")?.unwrap_or(0) as usize,
            limit: limit as usize,
        })
    }

    fn matches(&self, w: &Withdrawal) -> bool {
        self.coin.as_deref().is_none_or(|c| c == w.coin)
            && self
                .order_id
                .as_deref()
                .is_none_or(|o| Some(o) == w.withdraw_order_id.as_deref())
            && self.status.is_none_or(|s| s == w.status.code())
            && self.ids.as_ref().is_none_or(|ids| ids.contains(&w.id))
            && w.apply_time >= self.from_ms
            && w.apply_time <= self.to_ms
    }
}

/// The Binance exchange state: keys and how they sign, withdrawal book.
pub struct Binance {
    keys: HashMap<String, Credential>,
    book: Book<Withdrawal>,
    applied: u64,
}

impl crate::Exchange for Binance {}

book_api!(Binance, Withdrawal, Status, "id");

impl Fake<Binance> {
    /// Starts a fake Binance accepting one API key.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, or if `127.0.0.1:0` cannot be bound (see
    /// [`Fake::<Binance>::try_start`]).
    pub async fn start(api_key: &str, credential: Credential) -> FakeBinance {
        match Self::try_start(api_key, credential).await {
            Ok(fake) => fake,
            Err(e) => panic!("{e}"),
        }
    }

    /// [`Fake::<Binance>::start`], returning the failure instead of panicking.
    pub async fn try_start(
        api_key: &str,
        credential: Credential,
    ) -> Result<FakeBinance, StartError> {
        Self::try_start_on(api_key, credential, 0).await
    }

    /// [`Fake::<Binance>::try_start`] on `127.0.0.1:port` (0: an ephemeral port).
    pub async fn try_start_on(
        api_key: &str,
        credential: Credential,
        port: u16,
    ) -> Result<FakeBinance, StartError> {
        let mut keys = HashMap::new();
        keys.insert(api_key.to_owned(), credential);
        Fake::spawn_on(
            Binance {
                keys,
                book: Book::default(),
                applied: 0,
            },
            port,
        )
        .await
    }

    /// Accepts one more API key.
    pub fn add_key(&self, api_key: &str, credential: Credential) {
        self.with_exchange(|b| b.keys.insert(api_key.to_owned(), credential));
    }
}

impl Machinery for Binance {
    type Answer = Answer;
    const NAME: &'static str = "FakeBinance";
    const PATH: &'static str = WITHDRAW_APPLY_PATH;

    fn verify(&mut self, req: &RequestParts, now_ms: u64) -> Checked {
        let Some(endpoint) = Endpoint::of(req) else {
            return Checked::new(Verdict::UnknownEndpoint);
        };
        let Some(api_key) = header(&req.headers, "x-mbx-apikey").filter(|k| !k.is_empty()) else {
            return Checked::new(Verdict::MissingHeader("x-mbx-apikey".into()));
        };
        let Some(credential) = self.keys.get(api_key) else {
            return Checked::new(Verdict::InvalidKey);
        };
        let Some(pairs) = params(req) else {
            return Checked::new(Verdict::InvalidArguments(
                "the parameters do not decode".into(),
            ));
        };
        let Some(ts_ms) = get(&pairs, "timestamp").and_then(parse_digits) else {
            return Checked::new(Verdict::InvalidTimestamp(mandatory("timestamp")));
        };
        let recv_window = match get(&pairs, "recvWindow") {
            None => DEFAULT_RECV_WINDOW_MS,
            Some(text) => match parse_digits(text) {
                Some(rw) if rw <= MAX_RECV_WINDOW_MS => rw,
                Some(_) => {
                    return Checked::new(Verdict::InvalidTimestamp(
                        "recvWindow must be less than 60000".into(),
                    ))
                }
                None => return Checked::new(Verdict::InvalidTimestamp(mandatory("recvWindow"))),
            },
        };
        if ts_ms >= now_ms.saturating_add(1000) {
            return Checked::new(Verdict::StaleTimestamp(
                "Timestamp for this request was 1000ms ahead of the server's time.".into(),
            ));
        }
        if now_ms.saturating_sub(ts_ms) > recv_window {
            return Checked::new(Verdict::StaleTimestamp(
                DocumentedError::TimestampOutsideRecvWindow
                    .message()
                    .to_owned(),
            ));
        }
        let (payload, signature) = total_params(req.query.as_deref().unwrap_or(""), &req.body);
        match signature {
            Some(signature) if credential.verifies(&payload, &signature) => {}
            _ => return Checked::new(Verdict::InvalidSignature),
        }
        match endpoint {
            Endpoint::Apply => match apply_arguments(&pairs) {
                Ok(()) => Checked::new(Verdict::Accepted),
                Err(why) => Checked::new(Verdict::InvalidArguments(why)),
            },
            Endpoint::History => match HistoryQuery::parse(&pairs, now_ms) {
                Ok(query) => {
                    self.book.record_poll(None, |w| query.matches(w), now_ms);
                    Checked::new(Verdict::Accepted)
                }
                Err(why) => Checked::new(Verdict::InvalidArguments(why)),
            },
        }
    }

    fn reject(&self, verdict: &Verdict, req: &RequestParts, _now_ms: u64) -> HttpReply {
        let (status, code, msg) = match verdict {
            Verdict::UnknownEndpoint => return HttpReply::text(404, "Not Found"),
            Verdict::MissingHeader(_) => {
                let e = DocumentedError::BadApiKeyFormat;
                (e.http_status(), e.code(), e.message().to_owned())
            }
            Verdict::InvalidTimestamp(why) => {
                let code = if why.starts_with("recvWindow") {
                    -1131
                } else {
                    -1102
                };
                (400, code, why.clone())
            }
            Verdict::StaleTimestamp(why) => (
                400,
                DocumentedError::TimestampOutsideRecvWindow.code(),
                why.clone(),
            ),
            Verdict::InvalidSignature => {
                let query = req.query.as_deref().unwrap_or("");
                if total_params(query, &req.body).1.is_none() {
                    (400, -1102, mandatory("signature"))
                } else {
                    let e = DocumentedError::InvalidSignature;
                    (e.http_status(), e.code(), e.message().to_owned())
                }
            }
            Verdict::InvalidArguments(why) => {
                let code = if why.starts_with("Illegal") {
                    -1100
                } else {
                    -1102
                };
                (400, code, why.clone())
            }
            _ => {
                let e = DocumentedError::RejectedApiKey;
                (e.http_status(), e.code(), e.message().to_owned())
            }
        };
        HttpReply::json(status, error_body(code, &msg))
    }

    fn answer(
        &mut self,
        answer: Answered<'_, Answer>,
        req: &RequestParts,
        now_ms: u64,
    ) -> HttpReply {
        let endpoint = Endpoint::of(req).unwrap_or(Endpoint::Apply);
        let pairs = params(req).unwrap_or_default();
        match answer {
            Answered::Success if endpoint == Endpoint::History => {
                let Ok(query) = HistoryQuery::parse(&pairs, now_ms) else {
                    return HttpReply::json(200, "[]");
                };
                let rows = self.book.poll(
                    |w| query.matches(w),
                    |a, b| b.apply_time.cmp(&a.apply_time),
                    query.offset.saturating_add(query.limit),
                    now_ms,
                );
                let rows: Vec<String> = rows
                    .iter()
                    .skip(query.offset)
                    .map(|w| self.book.rendered(record(w)))
                    .collect();
                HttpReply::json(200, format!("[{}]", rows.join(",")))
            }
            Answered::Success => {
                self.applied += 1;
                // 32 hex digits, like Binance's ids; from a counter, so tests can predict them.
                let id = format!("{:032x}", 0x7213_fea8_u128 << 96 | u128::from(self.applied));
                let mut w = Withdrawal::new(
                    &id,
                    get(&pairs, "coin").unwrap_or_default(),
                    get(&pairs, "amount").unwrap_or_default(),
                );
                w.address = get(&pairs, "address").unwrap_or_default().to_owned();
                w.address_tag = get(&pairs, "addressTag").unwrap_or_default().to_owned();
                w.withdraw_order_id = get(&pairs, "withdrawOrderId").map(str::to_owned);
                if let Some(network) = get(&pairs, "network") {
                    w.network = network.to_owned();
                }
                w.transfer_type = 0;
                self.book.add(w, now_ms);
                HttpReply::json(200, format!(r#"{{"id":{}}}"#, js(&id)))
            }
            Answered::RateLimited => {
                let e = DocumentedError::TooManyRequests;
                HttpReply::json(429, error_body(e.code(), e.message())).with_header("Retry-After", "1")
            }
            Answered::Exchange(Answer::IpBanned { retry_after_s }) => HttpReply::json(
                418,
                error_body(
                    -1003,
                    &format!(
                        "Way too many requests; IP(127.0.0.1) banned until {}. Please use the websocket for live updates to avoid bans.",
                        now_ms.saturating_add(retry_after_s.saturating_mul(1000))
                    ),
                ),
            )
            .with_header("Retry-After", retry_after_s.to_string()),
            Answered::Exchange(Answer::Error(e)) => {
                let reply = HttpReply::json(e.http_status(), error_body(e.code(), e.message()));
                if *e == DocumentedError::TooManyRequests {
                    reply.with_header("Retry-After", "1")
                } else {
                    reply
                }
            }
            Answered::Exchange(Answer::Code {
                http_status,
                code,
                msg,
            }) => HttpReply::json(*http_status, error_body(*code, msg)),
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

fn apply_arguments(pairs: &[(String, String)]) -> Result<(), String> {
    for name in ["coin", "address", "amount"] {
        if get(pairs, name).is_none() {
            return Err(mandatory(name));
        }
    }
    let amount = get(pairs, "amount").unwrap_or_default();
    let positive = amount
        .parse::<f64>()
        .is_ok_and(|a| a > 0.0 && a.is_finite());
    if !positive {
        return Err(mandatory("amount"));
    }
    Ok(())
}

fn error_body(code: i64, msg: &str) -> String {
    format!(r#"{{"code":{code},"msg":{}}}"#, js(msg))
}
