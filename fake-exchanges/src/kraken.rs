//! Kraken spot REST: `POST /0/private/WithdrawCancel`.
//!
//! For every request the fake checks, in Kraken's order:
//! 1. method and path, else HTTP 404 `EGeneral:Unknown method` ([`Verdict::UnknownEndpoint`]);
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
//! 7. the body holds `asset` and `refid` strings and no other field (`nonce`, `otp` are
//!    allowed), else `EGeneral:Invalid arguments`.
//!
//! Every rejection is HTTP 200 with `{"error":["<message>"]}` (no `result`), as Kraken does.
//! A request that passes gets the scripted [`Reply`] (default `{"error":[],"result":true}`).
//!
//! Secrets are kept decoded in memory only and never printed.

use std::collections::HashMap;
use std::fmt;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256, Sha512};

use crate::reply::HttpReply;
use crate::server::machinery::{Answered, Checked, Machinery, RequestParts};
use crate::util::{header, media_type, parse_form, NonceBooks};

pub use crate::clock::Clock;
pub use crate::record::Verdict;
pub use crate::server::{Fake, StartError};

/// The one endpoint the fake plays.
pub const WITHDRAW_CANCEL_PATH: &str = "/0/private/WithdrawCancel";

/// Body fields WithdrawCancel accepts. `otp` is Kraken's generic 2FA body parameter.
const ALLOWED_FIELDS: &[&str] = &["nonce", "asset", "refid", "otp"];

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

/// The Kraken spot exchange state: keys (api key → decoded secret), nonce books, nonce window.
pub struct Kraken {
    keys: HashMap<String, Vec<u8>>,
    nonces: NonceBooks,
    nonce_window: u64,
}

impl crate::Exchange for Kraken {}

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

    fn verify(&mut self, req: &RequestParts, _now_ms: u64) -> Checked {
        if !req.is_endpoint(WITHDRAW_CANCEL_PATH) {
            return Checked::new(Verdict::UnknownEndpoint);
        }
        let Some((api_key, secret)) = header(&req.headers, "api-key")
            .and_then(|k| self.keys.get(k).map(|s| (k.to_owned(), s.clone())))
        else {
            return Checked::new(Verdict::InvalidKey);
        };

        let parsed = match media_type(&req.headers).as_str() {
            "application/json" => match crate::util::json_object(&req.body) {
                Ok(map) => Parsed::Json(map),
                Err(why) => return Checked::new(Verdict::InvalidArguments(why)),
            },
            "application/x-www-form-urlencoded" => match parse_form(&req.body) {
                Some(pairs) => Parsed::Form(pairs),
                None => {
                    return Checked::new(Verdict::InvalidArguments(
                        "form body does not parse".into(),
                    ))
                }
            },
            other => {
                return Checked::new(Verdict::InvalidArguments(format!(
                    "unsupported Content-Type {other:?}"
                )))
            }
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

        match check_arguments(&parsed) {
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

    fn answer(&self, answer: Answered<'_, Answer>, _req: &RequestParts, _now_ms: u64) -> HttpReply {
        let body = match answer {
            Answered::Success => r#"{"error":[],"result":true}"#.to_owned(),
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
