//! Kraken spot REST: `POST /0/private/WithdrawCancel` and `POST /0/private/WithdrawStatus`.
//!
//! For every request the fake checks, in Kraken's order:
//! 1. method and path are one of the two endpoints, else HTTP 404 `EGeneral:Unknown method`
//!    ([`Verdict::UnknownEndpoint`]);
//! 2. `API-Key` is a configured key, else `EAPI:Invalid key` ([`Verdict::InvalidKey`]);
//! 3. the body parses per its `Content-Type` (`application/json` or
//!    `application/x-www-form-urlencoded`), else `EGeneral:Invalid arguments`;
//! 4. the nonce can be read from the body (JSON integer `nonce`, or form `nonce=<digits>`), else
//!    `EAPI:Invalid nonce`;
//! 5. `API-Sign` equals `base64(HMAC-SHA512(base64decode(secret), path_and_query ||
//!    SHA256(nonce_digits || raw_body)))`, recomputed by [`verify_signature`], else
//!    `EAPI:Invalid signature`;
//! 6. the nonce is fresh for that key: strictly greater than every nonce seen, or with a nonce
//!    window `n` ([`Fake::set_nonce_window`]) not lower than the highest seen by more than `n`,
//!    and never an exact reuse; else `EAPI:Invalid nonce`;
//! 7. WithdrawCancel: the body holds `asset` and `refid` strings and no other field (`nonce`,
//!    `otp` are allowed); WithdrawStatus: only `asset`, `aclass`, `method`, `start`, `end`
//!    (digits, Unix seconds), `cursor` (bool or string), `limit` (a positive integer),
//!    `rebase_multiplier`, `nonce`, `otp`; else `EGeneral:Invalid arguments`.
//!
//! Every rejection is HTTP 200 with `{"error":["<message>"]}` (no `result`), as Kraken does.
//! A request that passes gets the scripted [`Reply`] (default: the book's answer below).
//!
//! # The withdrawal book
//!
//! [`Fake::add_withdrawal`] adds a [`Withdrawal`] with a [`WithdrawalState`] (IFEX `status` plus
//! the optional `status-prop`) and a [`CancelScript`]. While the book is empty,
//! WithdrawCancel answers `{"error":[],"result":true}` to any refid (the behaviour before books
//! existed). Once it holds a withdrawal, WithdrawCancel looks the `refid` up (and the `asset`,
//! matched as described at [`legacy_asset_code`]):
//!
//! | script | WithdrawCancel | WithdrawStatus row afterwards |
//! |---|---|---|
//! | unknown refid, or [`CancelScript::Unknown`] | `{"error":["EFunding:Unknown reference id"]}` | not listed |
//! | [`CancelScript::CancelsAfter`] `{ polls: n }` | `{"error":[],"result":true}` | `n` polls: its status with `"status-prop":"cancel-pending"`; then `"status":"Failure","status-prop":"canceled"` (the docs' pairing) |
//! | [`CancelScript::StaysPending`] | `result: true` | its status with `cancel-pending`, for ever |
//! | [`CancelScript::AlreadyCompleted`] | `result: true` | `"status":"Success"`, no `status-prop` |
//! | [`CancelScript::NotCancellable`] | `result: true` (Kraken's reply is a request only) | its status with `cancel-denied` (a `return` prop is kept) |
//! | already `cancel-pending` / `canceled` | `result: true` | unchanged |
//!
//! WithdrawStatus answers `{"error":[],"result":[<row>...]}`, each row
//! `{"method","network","aclass","asset","refid","txid","info","amount","fee","time","status","status-prop"?,"key"}`
//! (`time` an integer, Unix seconds; `status-prop` left out when there is none), for the
//! withdrawals matching the request's `asset`, `method`, `aclass` (default `currency`) and
//! `start` ≤ `time` ≤ `end`, in the order added, at most `limit` (default 500). `asset` comes
//! back in Kraken's legacy form (`XXBT` when `XBT` was asked). The paginated shape for
//! `cursor=true` is undocumented: the fake accepts `cursor` and always answers the plain array.
//! Each accepted WithdrawStatus request counts as a poll ([`Fake::status_polls`]) for every
//! withdrawal its filters select.
//!
//! Secrets are kept decoded in memory only and never printed.

use std::collections::HashMap;
use std::fmt;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256, Sha512};

use crate::book::{book_api, Book, CancelOutcome, Ledger};
use crate::reply::HttpReply;
use crate::server::machinery::{Answered, Checked, Machinery, RequestParts};
use crate::util::{header, js, media_type, parse_digits, parse_form, NonceBooks};

pub use crate::book::CancelScript;
pub use crate::clock::Clock;
pub use crate::record::Verdict;
pub use crate::server::{Fake, StartError};

/// The cancel endpoint.
pub const WITHDRAW_CANCEL_PATH: &str = "/0/private/WithdrawCancel";

/// The status endpoint.
pub const WITHDRAW_STATUS_PATH: &str = "/0/private/WithdrawStatus";

/// Body fields WithdrawCancel accepts. `otp` is Kraken's generic 2FA body parameter.
const ALLOWED_FIELDS: &[&str] = &["nonce", "asset", "refid", "otp"];

/// Body fields WithdrawStatus accepts.
const STATUS_FIELDS: &[&str] = &[
    "nonce",
    "otp",
    "asset",
    "aclass",
    "method",
    "start",
    "end",
    "cursor",
    "limit",
    "rebase_multiplier",
];

/// WithdrawStatus's default `limit`.
const DEFAULT_STATUS_LIMIT: usize = 500;

/// A withdrawal's IFEX `status`, as WithdrawStatus shows it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Status {
    /// `Initial`.
    Initial,
    /// `Pending` (the default).
    #[default]
    Pending,
    /// `Settled`.
    Settled,
    /// `Success`.
    Success,
    /// `Failure` (also what a cancelled withdrawal shows, with `status-prop: canceled`).
    Failure,
}

impl Status {
    /// The wire value, e.g. `"Pending"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Initial => "Initial",
            Status::Pending => "Pending",
            Status::Settled => "Settled",
            Status::Success => "Success",
            Status::Failure => "Failure",
        }
    }
}

/// A withdrawal's optional `status-prop`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatusProp {
    /// `cancel-pending`: a cancel is in progress.
    CancelPending,
    /// `canceled`: cancelled.
    Canceled,
    /// `cancel-denied`: the cancel was refused.
    CancelDenied,
    /// `return`: initiated by Kraken, cannot be cancelled.
    Return,
    /// `onhold`.
    OnHold,
}

impl StatusProp {
    /// The wire value, e.g. `"cancel-pending"`.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusProp::CancelPending => "cancel-pending",
            StatusProp::Canceled => "canceled",
            StatusProp::CancelDenied => "cancel-denied",
            StatusProp::Return => "return",
            StatusProp::OnHold => "onhold",
        }
    }
}

/// A withdrawal's state in Kraken's words: `status` and the optional `status-prop`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct WithdrawalState {
    /// `status`.
    pub status: Status,
    /// `status-prop`, left out of the row when `None`.
    pub status_prop: Option<StatusProp>,
}

impl WithdrawalState {
    /// A state without `status-prop`.
    pub const fn new(status: Status) -> WithdrawalState {
        WithdrawalState {
            status,
            status_prop: None,
        }
    }

    /// A state with a `status-prop`.
    pub const fn with_prop(status: Status, prop: StatusProp) -> WithdrawalState {
        WithdrawalState {
            status,
            status_prop: Some(prop),
        }
    }

    /// `Pending`, `cancel-pending`.
    pub const CANCEL_PENDING: WithdrawalState =
        WithdrawalState::with_prop(Status::Pending, StatusProp::CancelPending);
    /// `Failure`, `canceled`: how a cancelled withdrawal shows.
    pub const CANCELED: WithdrawalState =
        WithdrawalState::with_prop(Status::Failure, StatusProp::Canceled);
}

/// One withdrawal in the fake's book: the fields of a WithdrawStatus row, its state, and what a
/// cancel does to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Withdrawal {
    /// `refid`: the id WithdrawCancel takes.
    pub refid: String,
    /// `asset` as WithdrawStatus lists it: Kraken's legacy code, e.g. `XXBT`
    /// ([`Withdrawal::new`] converts with [`legacy_asset_code`]).
    pub asset: String,
    /// `aclass`: `currency` (the default) or `tokenized_asset`.
    pub aclass: String,
    /// `method`, e.g. `Bitcoin`.
    pub method: String,
    /// `network`, e.g. `Bitcoin`.
    pub network: String,
    /// `amount`, a decimal string.
    pub amount: String,
    /// `fee`, a decimal string.
    pub fee: String,
    /// `txid` (empty until broadcast).
    pub txid: String,
    /// `info`: the destination address.
    pub info: String,
    /// `key`: the withdrawal key name.
    pub key: String,
    /// `time`: Unix seconds; 0 is replaced by the fake's clock when added.
    pub time: u64,
    /// The current state.
    pub state: WithdrawalState,
    /// What a cancel does.
    pub script: CancelScript,
}

impl Default for Withdrawal {
    fn default() -> Self {
        Withdrawal {
            refid: String::new(),
            asset: String::new(),
            aclass: "currency".to_owned(),
            method: String::new(),
            network: String::new(),
            amount: "0".to_owned(),
            fee: "0".to_owned(),
            txid: String::new(),
            info: String::new(),
            key: String::new(),
            time: 0,
            state: WithdrawalState::default(),
            script: CancelScript::default(),
        }
    }
}

impl Withdrawal {
    /// A `Pending` withdrawal of `amount` `asset` (given as a client sends it, e.g. `XBT`; stored
    /// in legacy form, `XXBT`) with the default script ([`CancelScript::CancelsAfter`]
    /// `{ polls: 0 }`).
    pub fn new(refid: &str, asset: &str, amount: &str) -> Withdrawal {
        Withdrawal {
            refid: refid.to_owned(),
            asset: legacy_asset_code(asset),
            amount: amount.to_owned(),
            ..Withdrawal::default()
        }
    }

    /// Sets the state, builder style.
    pub fn with_state(mut self, state: WithdrawalState) -> Withdrawal {
        self.state = state;
        self
    }

    /// Sets the cancel script, builder style.
    pub fn with_script(mut self, script: CancelScript) -> Withdrawal {
        self.script = script;
        self
    }
}

/// Kraken's legacy code for an asset, as WithdrawStatus lists it: `XBT` → `XXBT`, `ETH` →
/// `XETH`, `USD` → `ZUSD`, ... (the X-/Z-prefixed assets: XBT, ETH, LTC, XDG, XRP, XLM, XMR,
/// ETC, ZEC, MLN, REP, USD, EUR, GBP, JPY, CAD, AUD). Other codes, and codes already in legacy
/// form, are returned unchanged. The fake matches a request's `asset` against a row's when
/// they are equal or this function maps the request's onto the row's.
pub fn legacy_asset_code(asset: &str) -> String {
    const X: &[&str] = &[
        "XBT", "ETH", "LTC", "XDG", "XRP", "XLM", "XMR", "ETC", "ZEC", "MLN", "REP",
    ];
    const Z: &[&str] = &["USD", "EUR", "GBP", "JPY", "CAD", "AUD"];
    if X.contains(&asset) {
        format!("X{asset}")
    } else if Z.contains(&asset) {
        format!("Z{asset}")
    } else {
        asset.to_owned()
    }
}

fn asset_matches(asked: &str, row: &str) -> bool {
    asked == row || legacy_asset_code(asked) == row
}

impl Ledger for Withdrawal {
    type State = WithdrawalState;

    fn id(&self) -> &str {
        &self.refid
    }
    fn script(&self) -> CancelScript {
        self.script
    }
    fn state(&self) -> &WithdrawalState {
        &self.state
    }
    fn put_state(&mut self, state: WithdrawalState, _now_ms: u64) {
        self.state = state;
    }
    fn fill_defaults(&mut self, now_ms: u64, _position: usize) {
        if self.time == 0 {
            self.time = now_ms / 1000;
        }
    }
    fn cancelling(&self) -> WithdrawalState {
        WithdrawalState::with_prop(self.state.status, StatusProp::CancelPending)
    }
    fn cancelled(&self) -> WithdrawalState {
        WithdrawalState::CANCELED
    }
    fn completed(&self) -> WithdrawalState {
        WithdrawalState::new(Status::Success)
    }
    fn denied(&self) -> WithdrawalState {
        match self.state.status_prop {
            Some(StatusProp::Return) => self.state,
            _ => WithdrawalState::with_prop(self.state.status, StatusProp::CancelDenied),
        }
    }
    fn is_cancelling_or_cancelled(&self) -> bool {
        matches!(
            self.state.status_prop,
            Some(StatusProp::CancelPending | StatusProp::Canceled)
        )
    }
}

/// WithdrawStatus's filters.
#[derive(Default)]
struct StatusQuery {
    asset: Option<String>,
    aclass: Option<String>,
    method: Option<String>,
    start: Option<u64>,
    end: Option<u64>,
    limit: Option<usize>,
}

impl StatusQuery {
    fn matches(&self, w: &Withdrawal) -> bool {
        self.asset
            .as_deref()
            .is_none_or(|a| asset_matches(a, &w.asset))
            && self.method.as_deref().is_none_or(|m| m == w.method)
            && self.aclass.as_deref().unwrap_or("currency") == w.aclass
            && self.start.is_none_or(|s| w.time >= s)
            && self.end.is_none_or(|e| w.time <= e)
    }
}

fn status_row(w: &Withdrawal) -> String {
    let prop = w
        .state
        .status_prop
        .map(|p| format!(r#","status-prop":{}"#, js(p.as_str())))
        .unwrap_or_default();
    format!(
        r#"{{"method":{},"network":{},"aclass":{},"asset":{},"refid":{},"txid":{},"info":{},"amount":{},"fee":{},"time":{},"status":{}{prop},"key":{}}}"#,
        js(&w.method),
        js(&w.network),
        js(&w.aclass),
        js(&w.asset),
        js(&w.refid),
        js(&w.txid),
        js(&w.info),
        js(&w.amount),
        js(&w.fee),
        w.time,
        js(w.state.status.as_str()),
        js(&w.key),
    )
}

/// The fake Kraken spot server.
pub type FakeKraken = Fake<Kraken>;

/// What the fake answers to an accepted request: [`Reply::Success`] is
/// `{"error":[],"result":true}`.
pub type Reply = crate::Reply<Answer>;

/// One recorded request.
pub type Recorded = crate::Recorded<Answer>;

/// Kraken-specific scripted answers (all HTTP 200).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// `{"error":[],"result":<json>}` where `<json>` is the given raw JSON text.
    Result(String),
    /// `{"error":[<strings>]}` (no `result`), e.g. `EFunding:Unknown reference id`.
    Errors(Vec<String>),
    /// `{"error":[<warnings>],"result":true}`: warnings next to a success.
    SuccessWithWarnings(Vec<String>),
}

impl crate::Reply<Answer> {
    /// A one-error envelope: a [`DocumentedError`] or any string, e.g.
    /// `Reply::error(DocumentedError::UnknownReferenceId)` or `Reply::error("EFunding:Other")`.
    pub fn error(error: impl fmt::Display) -> Reply {
        crate::Reply::Exchange(Answer::Errors(vec![error.to_string()]))
    }

    /// An envelope with several error strings.
    pub fn errors<I>(errors: I) -> Reply
    where
        I: IntoIterator,
        I::Item: fmt::Display,
    {
        crate::Reply::Exchange(Answer::Errors(
            errors.into_iter().map(|e| e.to_string()).collect(),
        ))
    }

    /// `{"error":[],"result":<json>}` with the given raw JSON text, e.g. `"false"`.
    pub fn result(json: impl Into<String>) -> Reply {
        crate::Reply::Exchange(Answer::Result(json.into()))
    }

    /// `{"error":[<warnings>],"result":true}`.
    pub fn success_with_warnings<I>(warnings: I) -> Reply
    where
        I: IntoIterator,
        I::Item: fmt::Display,
    {
        crate::Reply::Exchange(Answer::SuccessWithWarnings(
            warnings.into_iter().map(|w| w.to_string()).collect(),
        ))
    }
}

/// The error strings Kraken documents for spot REST (reference §1). `Display` gives the exact
/// string, e.g. `EFunding:Unknown reference id`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DocumentedError {
    /// `EGeneral:Invalid arguments`.
    InvalidArguments,
    /// `EGeneral:Permission denied`.
    PermissionDenied,
    /// `EGeneral:Temporary lockout`.
    TemporaryLockout,
    /// `EGeneral:Internal error`.
    InternalError,
    /// `EAPI:Invalid key`.
    InvalidKey,
    /// `EAPI:Invalid signature`.
    InvalidSignature,
    /// `EAPI:Invalid nonce`.
    InvalidNonce,
    /// `EAPI:Rate limit exceeded`.
    RateLimitExceeded,
    /// `EService:Unavailable`.
    ServiceUnavailable,
    /// `EService:Busy` (older docs and SDK maps only).
    ServiceBusy,
    /// `EService: Throttled: <unix ts>` (retry after that time; note Kraken's space after the colon).
    ServiceThrottled {
        /// Unix seconds after which to retry.
        until: u64,
    },
    /// `EService:Deadline elapsed`.
    DeadlineElapsed,
    /// `EFunding:Unknown reference id`.
    UnknownReferenceId,
    /// `EFunding:Invalid reference id`.
    InvalidReferenceId,
    /// `EFunding:Unknown withdraw key`.
    UnknownWithdrawKey,
    /// `EFunding:Invalid amount`.
    InvalidAmount,
    /// `EFunding:Unknown asset`.
    UnknownAsset,
    /// `EFunding:Max fee exceeded`.
    MaxFeeExceeded,
}

impl DocumentedError {
    /// Every documented error (with a sample time for `ServiceThrottled`).
    pub const ALL: &'static [DocumentedError] = &[
        DocumentedError::InvalidArguments,
        DocumentedError::PermissionDenied,
        DocumentedError::TemporaryLockout,
        DocumentedError::InternalError,
        DocumentedError::InvalidKey,
        DocumentedError::InvalidSignature,
        DocumentedError::InvalidNonce,
        DocumentedError::RateLimitExceeded,
        DocumentedError::ServiceUnavailable,
        DocumentedError::ServiceBusy,
        DocumentedError::ServiceThrottled {
            until: 1_700_000_000,
        },
        DocumentedError::DeadlineElapsed,
        DocumentedError::UnknownReferenceId,
        DocumentedError::InvalidReferenceId,
        DocumentedError::UnknownWithdrawKey,
        DocumentedError::InvalidAmount,
        DocumentedError::UnknownAsset,
        DocumentedError::MaxFeeExceeded,
    ];
}

impl fmt::Display for DocumentedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            DocumentedError::InvalidArguments => "EGeneral:Invalid arguments",
            DocumentedError::PermissionDenied => "EGeneral:Permission denied",
            DocumentedError::TemporaryLockout => "EGeneral:Temporary lockout",
            DocumentedError::InternalError => "EGeneral:Internal error",
            DocumentedError::InvalidKey => "EAPI:Invalid key",
            DocumentedError::InvalidSignature => "EAPI:Invalid signature",
            DocumentedError::InvalidNonce => "EAPI:Invalid nonce",
            DocumentedError::RateLimitExceeded => "EAPI:Rate limit exceeded",
            DocumentedError::ServiceUnavailable => "EService:Unavailable",
            DocumentedError::ServiceBusy => "EService:Busy",
            DocumentedError::ServiceThrottled { until } => {
                return write!(f, "EService: Throttled: {until}")
            }
            DocumentedError::DeadlineElapsed => "EService:Deadline elapsed",
            DocumentedError::UnknownReferenceId => "EFunding:Unknown reference id",
            DocumentedError::InvalidReferenceId => "EFunding:Invalid reference id",
            DocumentedError::UnknownWithdrawKey => "EFunding:Unknown withdraw key",
            DocumentedError::InvalidAmount => "EFunding:Invalid amount",
            DocumentedError::UnknownAsset => "EFunding:Unknown asset",
            DocumentedError::MaxFeeExceeded => "EFunding:Max fee exceeded",
        };
        f.write_str(s)
    }
}

/// Computes Kraken's `API-Sign` (this crate's own code, independent of xgen-runtime).
///
/// `secret` is the *decoded* secret; `nonce_digits` the nonce as decimal digits (no quotes, also
/// for Kraken Pay's string nonce); `body` the exact HTTP body bytes; `path_and_query` starts at
/// `/0/private/` and includes `?query` if any.
pub fn kraken_sign(secret: &[u8], path_and_query: &str, nonce_digits: &str, body: &[u8]) -> String {
    B64.encode(
        kraken_mac(secret, path_and_query, nonce_digits, body)
            .finalize()
            .into_bytes(),
    )
}

/// [`kraken_sign`] with a base64 secret, as Kraken hands it out.
///
/// # Panics
///
/// If `secret_b64` is not base64 (a bug in the calling test). The fake itself never panics on
/// what a client sends.
pub fn kraken_sign_b64(
    secret_b64: &str,
    path_and_query: &str,
    nonce_digits: &str,
    body: &[u8],
) -> String {
    let secret = B64
        .decode(secret_b64)
        .expect("kraken_sign_b64: the secret is not base64");
    kraken_sign(&secret, path_and_query, nonce_digits, body)
}

/// `true` when `api_sign` (base64) is Kraken's signature of this request under `secret`
/// (decoded). The comparison is constant-time.
pub fn verify_signature(
    secret: &[u8],
    path_and_query: &str,
    nonce_digits: &str,
    body: &[u8],
    api_sign: &str,
) -> bool {
    let Ok(given) = B64.decode(api_sign.trim()) else {
        return false;
    };
    kraken_mac(secret, path_and_query, nonce_digits, body)
        .verify_slice(&given)
        .is_ok()
}

fn kraken_mac(
    secret: &[u8],
    path_and_query: &str,
    nonce_digits: &str,
    body: &[u8],
) -> Hmac<Sha512> {
    let mut inner = Sha256::new();
    inner.update(nonce_digits.as_bytes());
    inner.update(body);
    let inner = inner.finalize();
    let mut mac = crate::util::hmac::<Hmac<Sha512>>(secret);
    mac.update(path_and_query.as_bytes());
    mac.update(&inner);
    mac
}

/// Decodes a base64 secret for the fakes, naming the problem but never the secret.
pub(crate) fn decode_secret(secret_b64: &str) -> Result<Vec<u8>, StartError> {
    B64.decode(secret_b64.trim()).map_err(|_| {
        StartError::InvalidCredential("the Kraken secret is not valid base64".to_owned())
    })
}

/// The Kraken spot exchange state: keys (api key → decoded secret), nonce books, nonce window,
/// withdrawal book.
pub struct Kraken {
    keys: HashMap<String, Vec<u8>>,
    nonces: NonceBooks,
    nonce_window: u64,
    book: Book<Withdrawal>,
}

impl crate::Exchange for Kraken {}

book_api!(Kraken, Withdrawal, WithdrawalState, "refid");

impl Fake<Kraken> {
    /// Starts a fake Kraken accepting one API key with its base64 secret.
    ///
    /// # Panics
    ///
    /// If the secret is not base64, outside a tokio runtime, or if `127.0.0.1:0` cannot be bound
    /// (see [`Fake::<Kraken>::try_start`] for the `Result` version).
    pub async fn start(api_key: &str, secret_b64: &str) -> FakeKraken {
        match Self::try_start(api_key, secret_b64).await {
            Ok(fake) => fake,
            Err(e) => panic!("{e}"),
        }
    }

    /// [`Fake::<Kraken>::start`], returning the failure instead of panicking.
    pub async fn try_start(api_key: &str, secret_b64: &str) -> Result<FakeKraken, StartError> {
        let secret = decode_secret(secret_b64)?;
        let mut keys = HashMap::new();
        keys.insert(api_key.to_owned(), secret);
        Fake::spawn(Kraken {
            keys,
            nonces: NonceBooks::default(),
            nonce_window: 0,
            book: Book::default(),
        })
        .await
    }

    /// Accepts one more API key (with its own nonce history).
    pub fn try_add_key(&self, api_key: &str, secret_b64: &str) -> Result<(), StartError> {
        let secret = decode_secret(secret_b64)?;
        self.with_exchange(|k| k.keys.insert(api_key.to_owned(), secret));
        Ok(())
    }

    /// [`Fake::<Kraken>::try_add_key`].
    ///
    /// # Panics
    ///
    /// If the secret is not base64.
    pub fn add_key(&self, api_key: &str, secret_b64: &str) {
        if let Err(e) = self.try_add_key(api_key, secret_b64) {
            panic!("{e}");
        }
    }

    /// Kraken's per-key nonce window, in nonce units. 0 (the default) means every nonce must be
    /// strictly greater than the highest seen; `n` tolerates a nonce up to `n` below the highest
    /// seen. An exact reuse is rejected whatever the window.
    pub fn set_nonce_window(&self, window: u64) {
        self.with_exchange(|k| k.nonce_window = window);
    }

    /// [`Fake::<Kraken>::set_nonce_window`], builder style.
    pub fn with_nonce_window(self, window: u64) -> FakeKraken {
        self.set_nonce_window(window);
        self
    }
}

/// The body fields, parsed per Content-Type.
enum Parsed {
    Json(serde_json::Map<String, serde_json::Value>),
    Form(Vec<(String, String)>),
}

impl Machinery for Kraken {
    type Answer = Answer;
    const NAME: &'static str = "FakeKraken";
    const PATH: &'static str = WITHDRAW_CANCEL_PATH;

    fn verify(&mut self, req: &RequestParts, now_ms: u64) -> Checked {
        let Some(endpoint) = Endpoint::of(req) else {
            return Checked::new(Verdict::UnknownEndpoint);
        };
        let Some((api_key, secret)) = header(&req.headers, "api-key")
            .and_then(|k| self.keys.get(k).map(|s| (k.to_owned(), s.clone())))
        else {
            return Checked::new(Verdict::InvalidKey);
        };

        let parsed = match parse_body(req) {
            Ok(parsed) => parsed,
            Err(why) => return Checked::new(Verdict::InvalidArguments(why)),
        };

        let nonce = match read_nonce(&parsed) {
            Ok(n) => n,
            Err(why) => return Checked::new(Verdict::InvalidNonce(why)),
        };

        let signed = header(&req.headers, "api-sign").is_some_and(|given| {
            verify_signature(
                &secret,
                &req.path_and_query(),
                &nonce.to_string(),
                &req.body,
                given,
            )
        });
        if !signed {
            return Checked::with_nonce(Verdict::InvalidSignature, nonce);
        }

        if let Err(why) = self
            .nonces
            .check_and_record(&api_key, nonce, self.nonce_window)
        {
            return Checked::with_nonce(Verdict::InvalidNonce(why), nonce);
        }

        let checked = match endpoint {
            Endpoint::Cancel => check_arguments(&parsed),
            Endpoint::Status => status_query(&parsed).map(|query| {
                self.book
                    .record_poll(None, |w: &Withdrawal| query.matches(w), now_ms);
            }),
        };
        match checked {
            Ok(()) => Checked::with_nonce(Verdict::Accepted, nonce),
            Err(why) => Checked::with_nonce(Verdict::InvalidArguments(why), nonce),
        }
    }

    fn reject(&self, verdict: &Verdict, _req: &RequestParts, _now_ms: u64) -> HttpReply {
        let message = match verdict {
            Verdict::UnknownEndpoint => {
                return HttpReply::json(404, r#"{"error":["EGeneral:Unknown method"]}"#)
            }
            Verdict::InvalidSignature => DocumentedError::InvalidSignature,
            Verdict::InvalidNonce(_) => DocumentedError::InvalidNonce,
            Verdict::InvalidArguments(_) => DocumentedError::InvalidArguments,
            Verdict::PermissionDenied(_) => DocumentedError::PermissionDenied,
            // Kraken produces only the verdicts above and InvalidKey.
            _ => DocumentedError::InvalidKey,
        };
        HttpReply::json(200, errors_json(&[message.to_string()], None))
    }

    fn answer(
        &mut self,
        answer: Answered<'_, Answer>,
        req: &RequestParts,
        now_ms: u64,
    ) -> HttpReply {
        let body = match answer {
            Answered::Success => self.answer_from_book(req, now_ms),
            Answered::RateLimited => {
                errors_json(&[DocumentedError::RateLimitExceeded.to_string()], None)
            }
            Answered::Exchange(Answer::Result(raw)) => format!(r#"{{"error":[],"result":{raw}}}"#),
            Answered::Exchange(Answer::Errors(errors)) => errors_json(errors, None),
            Answered::Exchange(Answer::SuccessWithWarnings(warnings)) => {
                errors_json(warnings, Some("true"))
            }
        };
        HttpReply::json(200, body)
    }

    fn describe(&self, f: &mut fmt::DebugStruct<'_, '_>) {
        let mut keys: Vec<&str> = self.keys.keys().map(String::as_str).collect();
        keys.sort_unstable();
        f.field("keys", &keys)
            .field("secrets", &"<redacted>")
            .field("nonce_window", &self.nonce_window);
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Cancel,
    Status,
}

impl Endpoint {
    fn of(req: &RequestParts) -> Option<Endpoint> {
        if req.is_endpoint(WITHDRAW_CANCEL_PATH) {
            Some(Endpoint::Cancel)
        } else if req.is_endpoint(WITHDRAW_STATUS_PATH) {
            Some(Endpoint::Status)
        } else {
            None
        }
    }
}

impl Kraken {
    /// The success answer of an accepted request, from the withdrawal book.
    fn answer_from_book(&mut self, req: &RequestParts, now_ms: u64) -> String {
        let parsed = parse_body(req).unwrap_or(Parsed::Form(Vec::new()));
        match Endpoint::of(req) {
            Some(Endpoint::Status) => {
                let query = status_query(&parsed).unwrap_or_default();
                let rows = self.book.poll(
                    |w| query.matches(w),
                    |_, _| std::cmp::Ordering::Equal,
                    query.limit.unwrap_or(DEFAULT_STATUS_LIMIT),
                    now_ms,
                );
                let rows: Vec<String> = rows
                    .iter()
                    .map(|w| self.book.rendered(status_row(w)))
                    .collect();
                format!(r#"{{"error":[],"result":[{}]}}"#, rows.join(","))
            }
            _ => {
                let refid = text_field(&parsed, "refid").unwrap_or_default();
                let asset = text_field(&parsed, "asset").unwrap_or_default();
                let outcome = self
                    .book
                    .cancel(&refid, |w| asset_matches(&asset, &w.asset), now_ms);
                match outcome {
                    CancelOutcome::NotFound => {
                        errors_json(&[DocumentedError::UnknownReferenceId.to_string()], None)
                    }
                    CancelOutcome::NoBook
                    | CancelOutcome::Accepted
                    | CancelOutcome::Refused
                    | CancelOutcome::AlreadyCancelled => r#"{"error":[],"result":true}"#.to_owned(),
                }
            }
        }
    }
}

fn parse_body(req: &RequestParts) -> Result<Parsed, String> {
    match media_type(&req.headers).as_str() {
        "application/json" => crate::util::json_object(&req.body).map(Parsed::Json),
        "application/x-www-form-urlencoded" => parse_form(&req.body)
            .map(Parsed::Form)
            .ok_or_else(|| "form body does not parse".to_owned()),
        other => Err(format!("unsupported Content-Type {other:?}")),
    }
}

/// A field's value as text: a JSON string (or, for numbers and booleans, their JSON text), or
/// the one form value.
fn text_field(parsed: &Parsed, name: &str) -> Option<String> {
    match parsed {
        Parsed::Json(map) => match map.get(name)? {
            serde_json::Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        },
        Parsed::Form(pairs) => pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone()),
    }
}

/// Checks WithdrawStatus's body and reads its filters.
fn status_query(parsed: &Parsed) -> Result<StatusQuery, String> {
    let names: Vec<&str> = match parsed {
        Parsed::Json(map) => map.keys().map(String::as_str).collect(),
        Parsed::Form(pairs) => pairs.iter().map(|(k, _)| k.as_str()).collect(),
    };
    if let Some(unknown) = names.iter().find(|k| !STATUS_FIELDS.contains(k)) {
        return Err(format!("unknown field {unknown:?}"));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(repeated) = names.iter().find(|k| !seen.insert(**k)) {
        return Err(format!("{repeated} repeated"));
    }
    if let Parsed::Json(map) = parsed {
        for (name, value) in map {
            let ok = match name.as_str() {
                "nonce" => true,
                "cursor" => value.is_boolean() || value.is_string(),
                "limit" => value.is_u64() || value.is_string(),
                _ => value.is_string(),
            };
            if !ok {
                return Err(format!("{name} has the wrong type: {value}"));
            }
        }
    }
    let time = |name: &str| -> Result<Option<u64>, String> {
        match text_field(parsed, name) {
            None => Ok(None),
            Some(v) => parse_digits(&v)
                .map(Some)
                .ok_or_else(|| format!("{name} {v:?} is not Unix seconds")),
        }
    };
    let limit = match text_field(parsed, "limit") {
        None => None,
        Some(v) => match parse_digits(&v).and_then(|n| usize::try_from(n).ok()) {
            Some(n) if n > 0 => Some(n),
            _ => return Err(format!("limit {v:?} is not a positive integer")),
        },
    };
    Ok(StatusQuery {
        asset: text_field(parsed, "asset"),
        aclass: text_field(parsed, "aclass"),
        method: text_field(parsed, "method"),
        start: time("start")?,
        end: time("end")?,
        limit,
    })
}

/// `{"error":[...]}` or `{"error":[...],"result":<raw>}`.
fn errors_json(errors: &[String], result: Option<&str>) -> String {
    let list = serde_json::Value::from(errors.to_vec()).to_string();
    match result {
        Some(raw) => format!(r#"{{"error":{list},"result":{raw}}}"#),
        None => format!(r#"{{"error":{list}}}"#),
    }
}

fn read_nonce(parsed: &Parsed) -> Result<u64, String> {
    match parsed {
        Parsed::Json(map) => match map.get("nonce") {
            Some(serde_json::Value::Number(n)) => n
                .as_u64()
                .ok_or_else(|| format!("JSON nonce {n} is not a u64")),
            Some(other) => Err(format!("JSON nonce is not an integer: {other}")),
            None => Err("no nonce in body".into()),
        },
        Parsed::Form(pairs) => {
            let values: Vec<&str> = pairs
                .iter()
                .filter(|(k, _)| k == "nonce")
                .map(|(_, v)| v.as_str())
                .collect();
            match values.as_slice() {
                [v] => crate::util::parse_digits(v)
                    .ok_or_else(|| format!("form nonce {v:?} is not a u64 in digits")),
                [] => Err("no nonce in body".into()),
                _ => Err("form nonce repeated".into()),
            }
        }
    }
}

fn check_arguments(parsed: &Parsed) -> Result<(), String> {
    match parsed {
        Parsed::Json(map) => {
            if let Some(unknown) = map.keys().find(|k| !ALLOWED_FIELDS.contains(&k.as_str())) {
                return Err(format!("unknown field {unknown:?}"));
            }
            for field in ["asset", "refid"] {
                match map.get(field) {
                    Some(serde_json::Value::String(s)) if !s.is_empty() => {}
                    Some(other) => {
                        return Err(format!("{field} is not a non-empty string: {other}"))
                    }
                    None => return Err(format!("missing {field}")),
                }
            }
            if map.get("otp").is_some_and(|otp| !otp.is_string()) {
                return Err("otp is not a string".into());
            }
        }
        Parsed::Form(pairs) => {
            if let Some((unknown, _)) = pairs
                .iter()
                .find(|(k, _)| !ALLOWED_FIELDS.contains(&k.as_str()))
            {
                return Err(format!("unknown field {unknown:?}"));
            }
            for field in ["asset", "refid"] {
                let values: Vec<&String> = pairs
                    .iter()
                    .filter(|(k, _)| k == field)
                    .map(|(_, v)| v)
                    .collect();
                match values.as_slice() {
                    [v] if !v.is_empty() => {}
                    [] => return Err(format!("missing {field}")),
                    _ => return Err(format!("{field} empty or repeated")),
                }
            }
        }
    }
    Ok(())
}
