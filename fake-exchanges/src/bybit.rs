//! Bybit v5: `POST /v5/asset/withdraw/cancel`, body `{"id":"<withdrawal id>"}`.
//!
//! Auth headers: `X-BAPI-API-KEY`, `X-BAPI-TIMESTAMP` (Unix ms), `X-BAPI-SIGN`,
//! `X-BAPI-RECV-WINDOW` (ms, default 5000), `X-BAPI-SIGN-TYPE` (recorded, not checked).
//! The string to sign is `timestamp + api_key + recv_window + body` ([`prehash`]), where
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
//! | `X-BAPI-API-KEY` present | [`Verdict::MissingHeader`] | 10003 | 401 |
//! | key known | [`Verdict::InvalidKey`] | 10003 | 401 |
//! | `X-BAPI-TIMESTAMP` / `X-BAPI-SIGN` present | [`Verdict::MissingHeader`] | 10002 / 10004 | 401 |
//! | timestamp and recv window are digits | [`Verdict::InvalidTimestamp`] | 10002 | 200 |
//! | `server_time - recv_window <= timestamp < server_time + 1000` (fake's [`Clock`]) | [`Verdict::StaleTimestamp`] | 10002 | 200 |
//! | signature | [`Verdict::InvalidSignature`] | 10004 (`retMsg` shows the origin string, as Bybit's does) | 200 |
//! | `Content-Type: application/json`, JSON object, `id` a non-empty string | [`Verdict::InvalidArguments`] | 10001 | 200 |
//!
//! Success: `{"retCode":0,"retMsg":"OK","result":{"status":1},"retExtInfo":{},"time":<ms>}`.

use std::collections::HashMap;
use std::fmt;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rsa::RsaPublicKey;
use sha2::Sha256;

use crate::reply::HttpReply;
use crate::server::machinery::{Answered, Checked, Machinery, RequestParts};
use crate::util::{header, hex_decode_lower, hex_lower, js, json_object, media_type, parse_digits};

pub use crate::clock::Clock;
pub use crate::record::Verdict;
pub use crate::server::{Fake, StartError};

/// The one endpoint the fake plays.
pub const WITHDRAW_CANCEL_PATH: &str = "/v5/asset/withdraw/cancel";

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

/// The Bybit exchange state: keys and how they sign.
pub struct Bybit {
    keys: HashMap<String, Credential>,
}

impl crate::Exchange for Bybit {}

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
        Fake::spawn(Bybit { keys }).await
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
        if !req.is_endpoint(WITHDRAW_CANCEL_PATH) {
            return Checked::new(Verdict::UnknownEndpoint);
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
        let message = prehash(ts, api_key, recv_window_text, &req.body);
        let signed = match credential {
            Credential::Hmac(secret) => verify_hmac(secret, &message, signature),
            Credential::Rsa(public_key) => verify_rsa(public_key, &message, signature),
        };
        if !signed {
            return Checked::new(Verdict::InvalidSignature);
        }
        match withdrawal_id(req) {
            Ok(_) => Checked::new(Verdict::Accepted),
            Err(why) => Checked::new(Verdict::InvalidArguments(why)),
        }
    }

    fn reject(&self, verdict: &Verdict, req: &RequestParts, now_ms: u64) -> HttpReply {
        let (status, code, msg) = match verdict {
            Verdict::UnknownEndpoint => return HttpReply::text(404, "Not Found"),
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
                    &req.body,
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

    fn answer(&self, answer: Answered<'_, Answer>, _req: &RequestParts, now_ms: u64) -> HttpReply {
        match answer {
            Answered::Success => HttpReply::json(200, envelope(0, "OK", r#"{"status":1}"#, now_ms)),
            Answered::Exchange(Answer::StatusFail) => {
                HttpReply::json(200, envelope(0, "OK", r#"{"status":0}"#, now_ms))
            }
            Answered::RateLimited
            | Answered::Exchange(Answer::Error(DocumentedError::TooManyVisits)) => {
                let e = DocumentedError::TooManyVisits;
                HttpReply::json(200, envelope(e.code(), e.message(), "{}", now_ms))
                    .with_header("X-Bapi-Limit", "60")
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
