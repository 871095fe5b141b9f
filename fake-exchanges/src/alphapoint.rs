//! AlphaPoint APEX over HTTP: `POST /AP/CancelWithdraw`, body
//! `{"OMSId":1,"UserId":1,"AccountId":1,"RequestCode":"<guid>"}`.
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
//! | `Content-Type: application/json`, integer `OMSId`/`UserId`/`AccountId`, non-empty string `RequestCode` | [`Verdict::InvalidArguments`] | 100 Invalid Request |
//! | body `UserId` is the authenticated user | [`Verdict::PermissionDenied`] | 20 |
//!
//! Success: `{"result":true,"errormsg":null,"errorcode":0,"detail":null}`.
//!
//! The fake's choices: APEX documents no replay window, so rejecting a reused nonce is this
//! fake's rule (any nonce string is accepted once per key); APEX's HTTP status for errors and its
//! rate limit are undocumented (errors are sent with 200, a rate limit as a plain HTTP 429).
//! The docs' own sample reply (`"result":true` with `"errorcode":101`) is
//! [`Reply::ticket_not_found`](crate::Reply::ticket_not_found).

use std::collections::{HashMap, HashSet};
use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::reply::HttpReply;
use crate::server::machinery::{Answered, Checked, Machinery, RequestParts};
use crate::util::{header, hex_decode_lower, hex_lower, js, json_object, media_type, parse_digits};

pub use crate::clock::Clock;
pub use crate::record::Verdict;
pub use crate::server::{Fake, StartError};

/// The one endpoint the fake plays.
pub const CANCEL_WITHDRAW_PATH: &str = "/AP/CancelWithdraw";

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

/// The AlphaPoint exchange state: keys (secret, user id, used nonces).
pub struct AlphaPoint {
    keys: HashMap<String, ApexKey>,
}

impl crate::Exchange for AlphaPoint {}

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
}

impl Machinery for AlphaPoint {
    type Answer = Answer;
    const NAME: &'static str = "FakeAlphaPoint";
    const PATH: &'static str = CANCEL_WITHDRAW_PATH;

    fn verify(&mut self, req: &RequestParts, _now_ms: u64) -> Checked {
        if !req.is_endpoint(CANCEL_WITHDRAW_PATH) {
            return Checked::new(Verdict::UnknownEndpoint);
        }
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
        let body_user = match cancel_request_user(req) {
            Ok(user) => user,
            Err(why) => return checked(Verdict::InvalidArguments(why)),
        };
        if body_user != key.user_id {
            return checked(Verdict::PermissionDenied(format!(
                "body UserId {body_user} is not the authenticated user"
            )));
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

    fn answer(&self, answer: Answered<'_, Answer>, _req: &RequestParts, _now_ms: u64) -> HttpReply {
        match answer {
            Answered::Success => HttpReply::json(200, ack(true, None, 0, None)),
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

/// The generic acknowledgement, keys in the docs' order.
fn ack(result: bool, errormsg: Option<&str>, errorcode: i64, detail: Option<&str>) -> String {
    let opt = |s: Option<&str>| s.map_or_else(|| "null".to_owned(), js);
    format!(
        r#"{{"result":{result},"errormsg":{},"errorcode":{errorcode},"detail":{}}}"#,
        opt(errormsg),
        opt(detail)
    )
}

/// Checks the CancelWithdraw body and returns its `UserId`.
fn cancel_request_user(req: &RequestParts) -> Result<u64, String> {
    let media = media_type(&req.headers);
    if media != "application/json" {
        return Err(format!("Content-Type {media:?} is not application/json"));
    }
    let map = json_object(&req.body)?;
    let mut user = 0;
    for field in ["OMSId", "UserId", "AccountId"] {
        match map.get(field).and_then(serde_json::Value::as_u64) {
            Some(n) => {
                if field == "UserId" {
                    user = n;
                }
            }
            None => return Err(format!("{field} is missing or not a non-negative integer")),
        }
    }
    match map.get("RequestCode") {
        Some(serde_json::Value::String(s)) if !s.is_empty() => Ok(user),
        _ => Err("RequestCode is missing or not a non-empty string".into()),
    }
}
