//! KuCoin (Spot host): `DELETE /api/v1/withdrawals/{withdrawalId}` (cancel),
//! `GET /api/v1/withdrawals/{withdrawalId}` (one withdrawal), `GET /api/v1/withdrawals`
//! (history, `currency` required, `status` optional) and `POST /api/v3/withdrawals` (withdraw,
//! which adds to the book).
//!
//! Auth headers: `KC-API-KEY`, `KC-API-SIGN`, `KC-API-TIMESTAMP` (Unix ms), `KC-API-PASSPHRASE`,
//! `KC-API-KEY-VERSION`.
//! `KC-API-SIGN = base64(HMAC-SHA256(secret as UTF-8, timestamp + METHOD + path[?query] + body))`
//! ([`sign`], [`verify_signature`]); with key version `2` (or `3`) `KC-API-PASSPHRASE` is
//! `base64(HMAC-SHA256(secret, passphrase))` ([`sign_passphrase`]), with `1` or none the
//! passphrase itself.
//!
//! Checks, in order, each answered with KuCoin's envelope `{"code":"<code>","msg":".."}`:
//!
//! | check | verdict | code | HTTP |
//! |---|---|---|---|
//! | method and path | [`Verdict::UnknownEndpoint`] | 404000 | 404 |
//! | the four `KC-API-*` headers present | [`Verdict::MissingHeader`] | 400001 | 401 |
//! | `KC-API-TIMESTAMP` is Unix ms | [`Verdict::InvalidTimestamp`] | 400002 | 400 |
//! | timestamp within 5 s of the fake's [`Clock`] ([`Fake::set_timestamp_window`]) | [`Verdict::StaleTimestamp`] | 400002 | 400 |
//! | key known | [`Verdict::InvalidKey`] | 400003 | 401 |
//! | `KC-API-KEY-VERSION` absent, `1`, `2` or `3` | [`Verdict::InvalidArguments`] | 400009 | 401 |
//! | passphrase | [`Verdict::WrongPassphrase`] | 400004 | 401 |
//! | signature | [`Verdict::InvalidSignature`] | 400005 | 401 |
//! | history: `currency` given, `status` one of KuCoin's; withdraw: `application/json` body with `currency`, `toAddress`, `amount`, `withdrawType` | [`Verdict::InvalidArguments`] | 400100 | 400 |
//!
//! The codes and messages are KuCoin's documented ones (its gateway error table, and the older
//! spot error table for 400001, 400100 and 429000). KuCoin's docs give no HTTP status per code:
//! 400 for `400002` is what KuCoin was seen to answer (hummingbot issue 6866); 401 for the other
//! authentication errors follows KuCoin's older docs ("401 Unauthorized – Invalid API Key").
//!
//! # The withdrawal book
//!
//! KuCoin has no cancelled status: a withdrawal is `REVIEW`, `PROCESSING`,
//! `WALLET_PROCESSING`, `SUCCESS` or `FAILURE`, and "only withdrawal requests with PROCESSING
//! status can be canceled". The single-withdrawal record also carries `cancelType`
//! (`CANCELABLE`, `CANCELING`, `NON_CANCELABLE`). The fake shows a cancel in progress as
//! `PROCESSING` with `cancelType: CANCELING`, and a cancelled withdrawal as `FAILURE`, exactly as
//! a failed one ([`State::Cancelled`] and [`State::Failure`] look the same on the wire), since
//! the funds stay on the exchange either way and nothing in KuCoin's docs or spec tells the two
//! apart.
//!
//! | script | cancel | status afterwards |
//! |---|---|---|
//! | unknown id, or [`CancelScript::Unknown`] | 400100 `Parameter Error` | by id: `data: null`; never in the history |
//! | [`CancelScript::CancelsAfter`] `{ polls: n }` | `{"code":"200000","data":null}` | `n` polls `PROCESSING`/`CANCELING`, then `FAILURE` |
//! | [`CancelScript::StaysPending`] | `200000` | `PROCESSING`/`CANCELING` for ever |
//! | [`CancelScript::AlreadyCompleted`] | `200000` (the reply only means "accepted") | `SUCCESS` |
//! | [`CancelScript::NotCancellable`] | 400100 `Only withdrawal requests with PROCESSING status can be canceled.` | unchanged |
//! | already cancelling or cancelled | the same 400100 refusal | unchanged |
//!
//! KuCoin documents no code of its own for an unknown or uncancellable withdrawal; the fake uses
//! its generic parameter error, with the spec's own sentence as the message for the refusal.
//! What KuCoin's single-withdrawal endpoint answers for an unknown id is not documented either:
//! the fake answers `data: null`.

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

/// The cancel endpoint's path as KuCoin writes it (`DELETE`, the id in place of
/// `{withdrawalId}`); also the name its scripted replies are kept under.
pub const CANCEL_WITHDRAWAL_PATH: &str = "/api/v1/withdrawals/{withdrawalId}";

/// The name the single-withdrawal status endpoint's scripted replies are kept under
/// (`GET /api/v1/withdrawals/{withdrawalId}`: the same path as the cancel, so the method tells
/// them apart), for [`Fake::respond_once_on`].
pub const WITHDRAWAL_BY_ID_ROUTE: &str = "GET /api/v1/withdrawals/{withdrawalId}";

/// The history endpoint (`GET`, parameters in the query).
pub const WITHDRAWAL_HISTORY_PATH: &str = "/api/v1/withdrawals";

/// The withdraw endpoint (`POST`, JSON body).
pub const WITHDRAW_PATH: &str = "/api/v3/withdrawals";

const WITHDRAWALS_PREFIX: &str = "/api/v1/withdrawals/";

/// The default accepted distance between `KC-API-TIMESTAMP` and the fake's clock: KuCoin's
/// documented 5 seconds.
pub const DEFAULT_TIMESTAMP_WINDOW: Duration = Duration::from_secs(5);

/// A withdrawal's state in the book. [`State::status`] and [`State::cancel_type`] give what the
/// endpoints show.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum State {
    /// `PROCESSING`, `cancelType: CANCELABLE` (the default): the only cancellable state.
    #[default]
    Processing,
    /// A cancel under way: `PROCESSING`, `cancelType: CANCELING`.
    Canceling,
    /// `REVIEW`.
    Review,
    /// `WALLET_PROCESSING`.
    WalletProcessing,
    /// `SUCCESS`.
    Success,
    /// `FAILURE`: the withdrawal failed.
    Failure,
    /// Cancelled: shown as `FAILURE`, like [`State::Failure`] (KuCoin has no cancelled status).
    Cancelled,
    /// Any other status, sent as given.
    Other(String),
}

impl State {
    /// The `status` shown, e.g. `PROCESSING`.
    pub fn status(&self) -> &str {
        match self {
            State::Processing | State::Canceling => "PROCESSING",
            State::Review => "REVIEW",
            State::WalletProcessing => "WALLET_PROCESSING",
            State::Success => "SUCCESS",
            State::Failure | State::Cancelled => "FAILURE",
            State::Other(status) => status,
        }
    }

    /// The `cancelType` the single-withdrawal endpoint shows.
    pub fn cancel_type(&self) -> &'static str {
        match self {
            State::Processing => "CANCELABLE",
            State::Canceling => "CANCELING",
            _ => "NON_CANCELABLE",
        }
    }
}

/// The statuses KuCoin documents, which history's `status` filter takes.
const STATUSES: &[&str] = &[
    "PROCESSING",
    "REVIEW",
    "WALLET_PROCESSING",
    "SUCCESS",
    "FAILURE",
];

/// One withdrawal in the fake's book: the fields of KuCoin's withdrawal records, its state, and
/// what a cancel does to it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Withdrawal {
    /// `id` (`withdrawalId` in the cancel): 0-padded hex from the book's position when empty.
    pub id: String,
    /// `currency`, e.g. `USDT`.
    pub currency: String,
    /// `chain` / `chainId`, e.g. `trx`.
    pub chain: String,
    /// `amount`, a decimal string.
    pub amount: String,
    /// `fee`, a decimal string.
    pub fee: String,
    /// `address`.
    pub address: String,
    /// `memo`.
    pub memo: String,
    /// `isInner`: an internal transfer.
    pub is_inner: bool,
    /// `remark`.
    pub remark: String,
    /// `createdAt`, Unix ms; 0 is replaced by the fake's clock when added.
    pub created_at: u64,
    /// `updatedAt`, Unix ms; stamped on every state change.
    pub updated_at: u64,
    /// The current state.
    pub state: State,
    /// What a cancel does.
    pub script: CancelScript,
}

impl Withdrawal {
    /// A `PROCESSING` withdrawal of `amount` `currency` with the default script
    /// ([`CancelScript::CancelsAfter`] `{ polls: 0 }`).
    pub fn new(id: &str, currency: &str, amount: &str) -> Withdrawal {
        Withdrawal {
            id: id.to_owned(),
            currency: currency.to_owned(),
            amount: amount.to_owned(),
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
        &self.id
    }
    fn script(&self) -> CancelScript {
        self.script
    }
    fn state(&self) -> &State {
        &self.state
    }
    fn put_state(&mut self, state: State, now_ms: u64) {
        self.state = state;
        self.updated_at = now_ms;
    }
    fn fill_defaults(&mut self, now_ms: u64, position: usize) {
        if self.id.is_empty() {
            // KuCoin's ids are 24 hex digits (`670deec84d64da0007d7c946`).
            self.id = format!("{position:024x}");
        }
        if self.created_at == 0 {
            self.created_at = now_ms;
        }
        if self.updated_at == 0 {
            self.updated_at = self.created_at;
        }
    }
    fn cancelling(&self) -> State {
        State::Canceling
    }
    fn cancelled(&self) -> State {
        State::Cancelled
    }
    fn completed(&self) -> State {
        State::Success
    }
    fn denied(&self) -> State {
        self.state.clone()
    }
    fn is_cancelling_or_cancelled(&self) -> bool {
        matches!(self.state, State::Canceling | State::Cancelled)
    }
}

/// The single-withdrawal record (`GET /api/v1/withdrawals/{withdrawalId}`'s `data`).
fn by_id_record(w: &Withdrawal) -> String {
    format!(
        r#"{{"id":{},"uid":165111215,"currency":{},"chainId":{},"chainName":{},"currencyName":{},"status":{},"failureReason":"","failureReasonMsg":null,"address":{},"memo":{},"isInner":{},"amount":{},"fee":{},"walletTxId":null,"addressRemark":null,"remark":{},"createdAt":{},"cancelType":{},"taxes":null,"taxDescription":null,"returnStatus":"NOT_RETURN","returnAmount":null,"returnCurrency":{}}}"#,
        js(&w.id),
        js(&w.currency),
        js(&w.chain),
        js(&w.chain.to_ascii_uppercase()),
        js(&w.currency),
        js(w.state.status()),
        js(&w.address),
        js(&w.memo),
        w.is_inner,
        js(&w.amount),
        js(&w.fee),
        js(&w.remark),
        w.created_at,
        js(w.state.cancel_type()),
        js(&w.currency),
    )
}

/// One item of the history (`GET /api/v1/withdrawals`'s `data.items`).
fn history_item(w: &Withdrawal) -> String {
    format!(
        r#"{{"id":{},"currency":{},"chain":{},"status":{},"address":{},"memo":{},"isInner":{},"amount":{},"fee":{},"walletTxId":null,"createdAt":{},"updatedAt":{},"remark":{}}}"#,
        js(&w.id),
        js(&w.currency),
        js(&w.chain),
        js(w.state.status()),
        js(&w.address),
        js(&w.memo),
        w.is_inner,
        js(&w.amount),
        js(&w.fee),
        w.created_at,
        w.updated_at,
        js(&w.remark),
    )
}

/// History's filters.
#[derive(Default)]
struct HistoryQuery {
    currency: String,
    status: Option<String>,
    page_size: usize,
}

impl HistoryQuery {
    /// Parses the query; the error says what is wrong.
    fn parse(query: Option<&str>) -> Result<HistoryQuery, String> {
        let pairs = parse_form(query.unwrap_or("").as_bytes())
            .ok_or_else(|| "the query does not decode".to_owned())?;
        let get = |name: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, v)| k == name && !v.is_empty())
                .map(|(_, v)| v.clone())
        };
        let currency = get("currency").ok_or_else(|| "currency is required".to_owned())?;
        let status = get("status");
        if let Some(status) = &status {
            if !STATUSES.contains(&status.as_str()) {
                return Err(format!("status {status:?} is not one of KuCoin's"));
            }
        }
        let page_size = match get("pageSize") {
            None => 50,
            Some(v) => match parse_digits(&v) {
                Some(n @ 10..=500) => n as usize,
                _ => return Err("pageSize must be 10 to 500".to_owned()),
            },
        };
        Ok(HistoryQuery {
            currency,
            status,
            page_size,
        })
    }

    fn matches(&self, w: &Withdrawal) -> bool {
        w.currency == self.currency && self.status.as_deref().is_none_or(|s| s == w.state.status())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Endpoint {
    Cancel(String),
    ById(String),
    History,
    Withdraw,
}

impl Endpoint {
    fn of(req: &RequestParts) -> Option<Endpoint> {
        if req.is("GET", WITHDRAWAL_HISTORY_PATH) {
            return Some(Endpoint::History);
        }
        if req.is("POST", WITHDRAW_PATH) {
            return Some(Endpoint::Withdraw);
        }
        let id = req.path.strip_prefix(WITHDRAWALS_PREFIX)?;
        if id.is_empty() || id.contains('/') || id == "quotas" {
            return None;
        }
        match req.method.as_str() {
            "DELETE" => Some(Endpoint::Cancel(id.to_owned())),
            "GET" => Some(Endpoint::ById(id.to_owned())),
            _ => None,
        }
    }
}

/// The fake KuCoin server.
pub type FakeKuCoin = Fake<KuCoin>;

/// What the fake answers to an accepted request: [`Reply::Success`] is the endpoint's success
/// envelope (answered from the book).
pub type Reply = crate::Reply<Answer>;

/// One recorded request.
pub type Recorded = crate::Recorded<Answer>;

/// KuCoin-specific scripted answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// A documented error, with its HTTP status.
    Error(DocumentedError),
    /// `{"code":"<code>","msg":"<msg>"}` with any status.
    Code {
        /// HTTP status.
        http_status: u16,
        /// The `code` string.
        code: String,
        /// The `msg` string.
        msg: String,
    },
    /// `{"code":"200000","data":<json>}` with the given raw JSON text, HTTP 200.
    Data(String),
    /// [`DocumentedError::TooManyRequests`] with a `Retry-After: seconds` header besides
    /// KuCoin's own `gw-ratelimit-*` ones: KuCoin documents only its own, but a gateway in front
    /// of it may add this one, and clients should keep it.
    TooManyRequestsRetryAfter {
        /// The `Retry-After` value.
        seconds: u64,
    },
}

impl crate::Reply<Answer> {
    /// A documented error, e.g. `Reply::error(DocumentedError::ParameterError)`.
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

/// The KuCoin error codes the fake answers with. [`DocumentedError::code`],
/// [`DocumentedError::http_status`] and [`DocumentedError::message`] give the wire values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DocumentedError {
    /// 400001: an authentication header is missing.
    MissingHeaders,
    /// 400002 (HTTP 400): `KC-API-TIMESTAMP` invalid, more than 5 s from the server's clock.
    InvalidTimestamp,
    /// 400003: the API key does not exist.
    KeyNotFound,
    /// 400004: the passphrase is wrong.
    InvalidPassphrase,
    /// 400005: the signature is wrong.
    InvalidSign,
    /// 400006: the caller's IP is not whitelisted.
    IpNotAllowed,
    /// 400007: the key lacks the permission.
    AccessDenied,
    /// 400009: `KC-API-KEY-VERSION` invalid.
    InvalidKeyVersion,
    /// 400100 (HTTP 400): parameter error.
    ParameterError,
    /// 400100 (HTTP 200), the spec's sentence as message: the withdrawal is not `PROCESSING`.
    NotCancellable,
    /// 404000 (HTTP 404): URL not found.
    UrlNotFound,
    /// 260210: withdrawals disabled (`withdraw.disabled`).
    WithdrawalDisabled,
    /// 429000 (HTTP 429): too many requests.
    TooManyRequests,
    /// 500000 (HTTP 500): internal server error.
    InternalError,
}

impl DocumentedError {
    /// Every error the fake knows.
    pub const ALL: &'static [DocumentedError] = &[
        DocumentedError::MissingHeaders,
        DocumentedError::InvalidTimestamp,
        DocumentedError::KeyNotFound,
        DocumentedError::InvalidPassphrase,
        DocumentedError::InvalidSign,
        DocumentedError::IpNotAllowed,
        DocumentedError::AccessDenied,
        DocumentedError::InvalidKeyVersion,
        DocumentedError::ParameterError,
        DocumentedError::NotCancellable,
        DocumentedError::UrlNotFound,
        DocumentedError::WithdrawalDisabled,
        DocumentedError::TooManyRequests,
        DocumentedError::InternalError,
    ];

    /// The `code` string, e.g. `"400005"`.
    pub fn code(self) -> &'static str {
        self.wire().0
    }

    /// The HTTP status the fake sends it with.
    pub fn http_status(self) -> u16 {
        self.wire().1
    }

    /// The `msg` text.
    pub fn message(self) -> &'static str {
        self.wire().2
    }

    fn wire(self) -> (&'static str, u16, &'static str) {
        match self {
            DocumentedError::MissingHeaders => (
                "400001",
                401,
                "Any of KC-API-KEY, KC-API-SIGN, KC-API-TIMESTAMP, KC-API-PASSPHRASE is missing in your request header.",
            ),
            DocumentedError::InvalidTimestamp => ("400002", 400, "Invalid KC-API-TIMESTAMP"),
            DocumentedError::KeyNotFound => ("400003", 401, "KC-API-KEY does not exist."),
            DocumentedError::InvalidPassphrase => ("400004", 401, "Invalid KC-API-PASSPHRASE."),
            DocumentedError::InvalidSign => ("400005", 401, "Invalid KC-API-SIGN."),
            DocumentedError::IpNotAllowed => (
                "400006",
                401,
                "Invalid request IP, the current client IP is: 127.0.0.1.",
            ),
            DocumentedError::AccessDenied => {
                ("400007", 401, "Access denied, requires more permission.")
            }
            DocumentedError::InvalidKeyVersion => ("400009", 401, "Invalid KC-API-KEY-VERSION."),
            DocumentedError::ParameterError => ("400100", 400, "Parameter Error"),
            DocumentedError::NotCancellable => (
                "400100",
                200,
                "Only withdrawal requests with PROCESSING status can be canceled.",
            ),
            DocumentedError::UrlNotFound => ("404000", 404, "Url Not Found"),
            DocumentedError::WithdrawalDisabled => ("260210", 200, "withdraw.disabled"),
            DocumentedError::TooManyRequests => ("429000", 429, "Too Many Requests"),
            DocumentedError::InternalError => ("500000", 500, "Internal Server Error"),
        }
    }

    fn reply(self) -> HttpReply {
        let reply = error_reply(self.http_status(), self.code(), self.message());
        if self == DocumentedError::TooManyRequests {
            // KuCoin's rate-limit headers: the quota, what is left, and ms until it resets.
            return reply
                .with_header("gw-ratelimit-limit", "2000")
                .with_header("gw-ratelimit-remaining", "0")
                .with_header("gw-ratelimit-reset", "1000");
        }
        reply
    }
}

fn error_reply(status: u16, code: &str, msg: &str) -> HttpReply {
    HttpReply::json(
        status,
        format!(r#"{{"code":{},"msg":{}}}"#, js(code), js(msg)),
    )
}

fn data_reply(data: &str) -> HttpReply {
    HttpReply::json(200, format!(r#"{{"code":"200000","data":{data}}}"#))
}

/// KuCoin's prehash: `timestamp + UPPER(method) + path_and_query + body`.
pub fn prehash(timestamp: &str, method: &str, path_and_query: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(timestamp.len() + path_and_query.len() + body.len() + 8);
    out.extend_from_slice(timestamp.as_bytes());
    out.extend_from_slice(method.to_ascii_uppercase().as_bytes());
    out.extend_from_slice(path_and_query.as_bytes());
    out.extend_from_slice(body);
    out
}

/// `KC-API-SIGN`: `base64(HMAC-SHA256(secret as UTF-8 text, prehash))` (this crate's own code,
/// independent of xgen-runtime).
pub fn sign(
    secret: &str,
    timestamp: &str,
    method: &str,
    path_and_query: &str,
    body: &[u8],
) -> String {
    let mut mac = crate::util::hmac::<Hmac<Sha256>>(secret.as_bytes());
    mac.update(&prehash(timestamp, method, path_and_query, body));
    B64.encode(mac.finalize().into_bytes())
}

/// `KC-API-PASSPHRASE` for key versions 2 and 3: `base64(HMAC-SHA256(secret, passphrase))`.
pub fn sign_passphrase(secret: &str, passphrase: &str) -> String {
    let mut mac = crate::util::hmac::<Hmac<Sha256>>(secret.as_bytes());
    mac.update(passphrase.as_bytes());
    B64.encode(mac.finalize().into_bytes())
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
    let mut mac = crate::util::hmac::<Hmac<Sha256>>(secret.as_bytes());
    mac.update(&prehash(timestamp, method, path_and_query, body));
    mac.verify_slice(&given).is_ok()
}

struct KuCoinKey {
    secret: String,
    passphrase: String,
}

/// The KuCoin exchange state: keys (with passphrase), timestamp window, withdrawal book.
pub struct KuCoin {
    keys: HashMap<String, KuCoinKey>,
    window_ms: u64,
    book: Book<Withdrawal>,
}

impl crate::Exchange for KuCoin {}

book_api!(KuCoin, Withdrawal, State, "withdrawal id");

impl Fake<KuCoin> {
    /// Starts a fake KuCoin accepting one API key (any key version).
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, or if `127.0.0.1:0` cannot be bound (see
    /// [`Fake::<KuCoin>::try_start`]).
    pub async fn start(api_key: &str, secret: &str, passphrase: &str) -> FakeKuCoin {
        match Self::try_start(api_key, secret, passphrase).await {
            Ok(fake) => fake,
            Err(e) => panic!("{e}"),
        }
    }

    /// [`Fake::<KuCoin>::start`], returning the failure instead of panicking.
    pub async fn try_start(
        api_key: &str,
        secret: &str,
        passphrase: &str,
    ) -> Result<FakeKuCoin, StartError> {
        let mut keys = HashMap::new();
        keys.insert(
            api_key.to_owned(),
            KuCoinKey {
                secret: secret.to_owned(),
                passphrase: passphrase.to_owned(),
            },
        );
        Fake::spawn(KuCoin {
            keys,
            window_ms: DEFAULT_TIMESTAMP_WINDOW.as_millis() as u64,
            book: Book::default(),
        })
        .await
    }

    /// Accepts one more API key.
    pub fn add_key(&self, api_key: &str, secret: &str, passphrase: &str) {
        let key = KuCoinKey {
            secret: secret.to_owned(),
            passphrase: passphrase.to_owned(),
        };
        self.with_exchange(|kucoin| kucoin.keys.insert(api_key.to_owned(), key));
    }

    /// The accepted distance between `KC-API-TIMESTAMP` and the fake's clock, either way
    /// (default [`DEFAULT_TIMESTAMP_WINDOW`]).
    pub fn set_timestamp_window(&self, window: Duration) {
        let ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX);
        self.with_exchange(|kucoin| kucoin.window_ms = ms);
    }
}

impl Machinery for KuCoin {
    type Answer = Answer;
    const NAME: &'static str = "FakeKuCoin";
    const PATH: &'static str = CANCEL_WITHDRAWAL_PATH;

    fn route(req: &RequestParts) -> String {
        match Endpoint::of(req) {
            Some(Endpoint::Cancel(_)) => CANCEL_WITHDRAWAL_PATH.to_owned(),
            Some(Endpoint::ById(_)) => WITHDRAWAL_BY_ID_ROUTE.to_owned(),
            _ => req.path.clone(),
        }
    }

    fn verify(&mut self, req: &RequestParts, now_ms: u64) -> Checked {
        let Some(endpoint) = Endpoint::of(req) else {
            return Checked::new(Verdict::UnknownEndpoint);
        };
        let mut values = Vec::with_capacity(4);
        for name in [
            "kc-api-key",
            "kc-api-sign",
            "kc-api-timestamp",
            "kc-api-passphrase",
        ] {
            match header(&req.headers, name) {
                Some(v) if !v.is_empty() => values.push(v),
                _ => return Checked::new(Verdict::MissingHeader(name.to_owned())),
            }
        }
        let (api_key, signature, ts, passphrase) = (values[0], values[1], values[2], values[3]);
        let Some(ts_ms) = parse_digits(ts) else {
            return Checked::new(Verdict::InvalidTimestamp(format!(
                "{ts:?} is not Unix milliseconds"
            )));
        };
        if ts_ms.abs_diff(now_ms) > self.window_ms {
            return Checked::new(Verdict::StaleTimestamp(format!(
                "timestamp {ts} is {} ms from the server's {now_ms} (window {} ms)",
                i128::from(ts_ms) - i128::from(now_ms),
                self.window_ms
            )));
        }
        let Some(key) = self.keys.get(api_key) else {
            return Checked::new(Verdict::InvalidKey);
        };
        let expected_passphrase = match header(&req.headers, "kc-api-key-version") {
            None | Some("1") => key.passphrase.clone(),
            Some("2") | Some("3") => sign_passphrase(&key.secret, &key.passphrase),
            Some(other) => {
                return Checked::new(Verdict::InvalidArguments(format!(
                    "KC-API-KEY-VERSION {other:?} is not 1, 2 or 3"
                )))
            }
        };
        if expected_passphrase != passphrase {
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
        match endpoint {
            Endpoint::History => match HistoryQuery::parse(req.query.as_deref()) {
                Ok(query) => {
                    self.book.record_poll(None, |w| query.matches(w), now_ms);
                    Checked::new(Verdict::Accepted)
                }
                Err(why) => Checked::new(Verdict::InvalidArguments(why)),
            },
            Endpoint::ById(id) => {
                self.book.record_poll(Some(&id), |_| true, now_ms);
                Checked::new(Verdict::Accepted)
            }
            Endpoint::Withdraw => match withdraw_request(req) {
                Ok(_) => Checked::new(Verdict::Accepted),
                Err(why) => Checked::new(Verdict::InvalidArguments(why)),
            },
            Endpoint::Cancel(_) => Checked::new(Verdict::Accepted),
        }
    }

    fn reject(&self, verdict: &Verdict, _req: &RequestParts, _now_ms: u64) -> HttpReply {
        let error = match verdict {
            Verdict::UnknownEndpoint => DocumentedError::UrlNotFound,
            Verdict::MissingHeader(_) => DocumentedError::MissingHeaders,
            Verdict::InvalidTimestamp(_) | Verdict::StaleTimestamp(_) => {
                DocumentedError::InvalidTimestamp
            }
            Verdict::InvalidKey => DocumentedError::KeyNotFound,
            Verdict::WrongPassphrase => DocumentedError::InvalidPassphrase,
            Verdict::InvalidSignature => DocumentedError::InvalidSign,
            Verdict::InvalidArguments(why) if why.starts_with("KC-API-KEY-VERSION") => {
                DocumentedError::InvalidKeyVersion
            }
            Verdict::InvalidArguments(_) => DocumentedError::ParameterError,
            _ => DocumentedError::AccessDenied,
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
            Answered::Success => match Endpoint::of(req) {
                Some(Endpoint::History) => {
                    let query = HistoryQuery::parse(req.query.as_deref()).unwrap_or_default();
                    let items = self.book.poll(
                        |w| query.matches(w),
                        |a, b| b.created_at.cmp(&a.created_at),
                        query.page_size,
                        now_ms,
                    );
                    let items: Vec<String> = items
                        .iter()
                        .map(|w| self.book.rendered(history_item(w)))
                        .collect();
                    let total = items.len();
                    data_reply(&format!(
                        r#"{{"currentPage":1,"pageSize":{},"totalNum":{total},"totalPage":{},"items":[{}]}}"#,
                        query.page_size,
                        usize::from(total > 0),
                        items.join(",")
                    ))
                }
                Some(Endpoint::ById(id)) => {
                    let found =
                        self.book
                            .poll(|w| w.id == id, |_, _| std::cmp::Ordering::Equal, 1, now_ms);
                    match found.first() {
                        Some(w) => data_reply(&self.book.rendered(by_id_record(w))),
                        None => data_reply("null"),
                    }
                }
                Some(Endpoint::Withdraw) => {
                    let Ok(w) = withdraw_request(req) else {
                        return DocumentedError::ParameterError.reply();
                    };
                    self.book.add(w, now_ms);
                    let id = self
                        .book
                        .all()
                        .last()
                        .map(|w| w.id.clone())
                        .unwrap_or_default();
                    data_reply(&format!(r#"{{"withdrawalId":{}}}"#, js(&id)))
                }
                Some(Endpoint::Cancel(id)) => match self.book.cancel(&id, |_| true, now_ms) {
                    CancelOutcome::NotFound => DocumentedError::ParameterError.reply(),
                    CancelOutcome::Refused | CancelOutcome::AlreadyCancelled => {
                        DocumentedError::NotCancellable.reply()
                    }
                    CancelOutcome::NoBook | CancelOutcome::Accepted => data_reply("null"),
                },
                None => DocumentedError::UrlNotFound.reply(),
            },
            Answered::RateLimited => DocumentedError::TooManyRequests.reply(),
            Answered::Exchange(Answer::Error(e)) => e.reply(),
            Answered::Exchange(Answer::Code {
                http_status,
                code,
                msg,
            }) => error_reply(*http_status, code, msg),
            Answered::Exchange(Answer::Data(raw)) => data_reply(raw),
            Answered::Exchange(Answer::TooManyRequestsRetryAfter { seconds }) => {
                DocumentedError::TooManyRequests
                    .reply()
                    .with_header("Retry-After", seconds.to_string())
            }
        }
    }

    fn describe(&self, f: &mut fmt::DebugStruct<'_, '_>) {
        let mut keys: Vec<&str> = self.keys.keys().map(String::as_str).collect();
        keys.sort_unstable();
        f.field("keys", &keys)
            .field("secrets", &"<redacted>")
            .field("timestamp_window_ms", &self.window_ms);
    }
}

/// The withdrawal a `POST /api/v3/withdrawals` body asks for (`PROCESSING`, default script),
/// or why the body is refused.
fn withdraw_request(req: &RequestParts) -> Result<Withdrawal, String> {
    let media = media_type(&req.headers);
    if media != "application/json" {
        return Err(format!("Content-Type {media:?} is not application/json"));
    }
    let map = json_object(&req.body)?;
    let text = |name: &str| -> Result<String, String> {
        match map.get(name) {
            Some(serde_json::Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            Some(other) => Err(format!("{name} is not a non-empty string: {other}")),
            None => Err(format!("missing {name}")),
        }
    };
    let optional = |name: &str| map.get(name).and_then(|v| v.as_str()).unwrap_or_default();
    let withdraw_type = text("withdrawType")?;
    if !["ADDRESS", "UID", "MAIL", "PHONE"].contains(&withdraw_type.as_str()) {
        return Err(format!(
            "withdrawType {withdraw_type:?} is not one of KuCoin's"
        ));
    }
    Ok(Withdrawal {
        currency: text("currency")?,
        amount: text("amount")?,
        address: text("toAddress")?,
        chain: optional("chain").to_owned(),
        memo: optional("memo").to_owned(),
        remark: optional("remark").to_owned(),
        is_inner: map
            .get("isInner")
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
        fee: "0".to_owned(),
        ..Withdrawal::default()
    })
}
