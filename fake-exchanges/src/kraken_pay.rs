//! Kraken Pay: `POST /0/private/Pay/request/cancel`.
//!
//! Same host and `API-Key` / `API-Sign` scheme as Kraken spot ([`kraken_sign`], with the
//! nonce digits as the prefix, without the JSON quotes), but:
//! - the body is JSON, `{"nonce":"<digits>","external_id":"<id>"}`: the nonce is a JSON
//!   **string** of digits;
//! - error items are **objects**,
//!   `{"severity":"E","errorClass":"..","type":"..","errorMessage":".."}` ([`PayError`]);
//! - success is `{"error":[],"result":{}}`;
//! - an `external_id` seen before gets the error object `"id already used"`.
//!
//! Checks, in order: endpoint (404), `API-Key` ([`Verdict::InvalidKey`]), `Content-Type:
//! application/json` and a JSON object ([`Verdict::InvalidArguments`]), the nonce is a string
//! of digits ([`Verdict::InvalidNonce`]), `API-Sign` ([`Verdict::InvalidSignature`]), nonce
//! freshness per key as on spot ([`Verdict::InvalidNonce`]), `external_id` a non-empty string and
//! no fields besides `nonce`, `external_id`, `otp` ([`Verdict::InvalidArguments`]), then
//! `external_id` not used before ([`Verdict::IdAlreadyUsed`]). Every answer is HTTP 200 except
//! the 404.
//!
//! The fake's choices, since the Pay docs show only `"<string>"` placeholders: `errorClass` is
//! the spot category without the severity letter (`API`, `General`, `Funding`, `Service`),
//! `type` a PascalCase name, `errorMessage` the spot message (see [`DocumentedError`]). An
//! `external_id` counts as used once a request carrying it passed every other check, whatever
//! reply was scripted (the docs' "retry after no response" case).
//! The docs' format rule for `external_id` (1–16 bytes, base64 without padding) contradicts their
//! advice to send a UUID, so the fake only requires a non-empty string.
//!
//! # No status endpoint, no withdrawal book
//!
//! Kraken Pay documents no status or query endpoint for payment requests: the outcome of a
//! cancel arrives by **webhook** (an ES256 JWT whose `payload.status` is `success`, `failed`,
//! `cancelled`, `expired` or `declined`). So, unlike the other fakes, this one keeps no
//! withdrawal book and serves no status endpoint; a test of the confirm step delivers the
//! webhook to the client itself.

use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::kraken::{decode_secret, verify_signature};
use crate::reply::HttpReply;
use crate::server::machinery::{Answered, Checked, Machinery, RequestParts};
use crate::util::{header, js, media_type, parse_digits, NonceBooks};

pub use crate::clock::Clock;
pub use crate::kraken::{kraken_sign, kraken_sign_b64};
pub use crate::record::Verdict;
pub use crate::server::{Fake, StartError};

/// The one endpoint the fake plays.
pub const REQUEST_CANCEL_PATH: &str = "/0/private/Pay/request/cancel";

const ALLOWED_FIELDS: &[&str] = &["nonce", "external_id", "otp"];

/// The fake Kraken Pay server.
pub type FakeKrakenPay = Fake<KrakenPay>;

/// What the fake answers to an accepted request: [`Reply::Success`] is
/// `{"error":[],"result":{}}`.
pub type Reply = crate::Reply<Answer>;

/// One recorded request.
pub type Recorded = crate::Recorded<Answer>;

/// One Kraken Pay error item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PayError {
    /// `E` for errors, `W` for warnings.
    pub severity: String,
    /// `errorClass`.
    pub error_class: String,
    /// `type`.
    pub kind: String,
    /// `errorMessage`.
    pub error_message: String,
}

impl PayError {
    /// An `E` item.
    pub fn new(error_class: &str, kind: &str, error_message: &str) -> PayError {
        PayError {
            severity: "E".to_owned(),
            error_class: error_class.to_owned(),
            kind: kind.to_owned(),
            error_message: error_message.to_owned(),
        }
    }

    fn to_json(&self) -> String {
        format!(
            r#"{{"severity":{},"errorClass":{},"type":{},"errorMessage":{}}}"#,
            js(&self.severity),
            js(&self.error_class),
            js(&self.kind),
            js(&self.error_message)
        )
    }
}

impl From<DocumentedError> for PayError {
    fn from(e: DocumentedError) -> PayError {
        let (class, kind, message) = e.parts();
        PayError::new(class, kind, message)
    }
}

/// Kraken-Pay-specific scripted answers (all HTTP 200).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// `{"error":[],"result":<json>}` with the given raw JSON text.
    Result(String),
    /// `{"error":[<objects>],"result":{}}`.
    Errors(Vec<PayError>),
}

impl crate::Reply<Answer> {
    /// A one-error envelope, e.g. `Reply::error(DocumentedError::IdAlreadyUsed)`.
    pub fn error(error: impl Into<PayError>) -> Reply {
        crate::Reply::Exchange(Answer::Errors(vec![error.into()]))
    }

    /// `{"error":[],"result":<json>}` with the given raw JSON text.
    pub fn result(json: impl Into<String>) -> Reply {
        crate::Reply::Exchange(Answer::Result(json.into()))
    }
}

/// Errors the fake can answer with: Kraken's spot errors as objects (the Pay docs share the
/// security scheme with spot), plus Pay's documented "id already used".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DocumentedError {
    /// `id already used`: the `external_id` was seen before.
    IdAlreadyUsed,
    /// `Invalid key`.
    InvalidKey,
    /// `Invalid signature`.
    InvalidSignature,
    /// `Invalid nonce`.
    InvalidNonce,
    /// `Rate limit exceeded`.
    RateLimitExceeded,
    /// `Invalid arguments`.
    InvalidArguments,
    /// `Permission denied`.
    PermissionDenied,
    /// `Temporary lockout`.
    TemporaryLockout,
    /// `Internal error`.
    InternalError,
    /// `Unavailable`.
    ServiceUnavailable,
    /// `Unknown method` (the 404 for other paths).
    UnknownMethod,
}

impl DocumentedError {
    /// Every error the fake knows.
    pub const ALL: &'static [DocumentedError] = &[
        DocumentedError::IdAlreadyUsed,
        DocumentedError::InvalidKey,
        DocumentedError::InvalidSignature,
        DocumentedError::InvalidNonce,
        DocumentedError::RateLimitExceeded,
        DocumentedError::InvalidArguments,
        DocumentedError::PermissionDenied,
        DocumentedError::TemporaryLockout,
        DocumentedError::InternalError,
        DocumentedError::ServiceUnavailable,
        DocumentedError::UnknownMethod,
    ];

    /// `(errorClass, type, errorMessage)`.
    pub fn parts(self) -> (&'static str, &'static str, &'static str) {
        match self {
            DocumentedError::IdAlreadyUsed => ("General", "IdAlreadyUsed", "id already used"),
            DocumentedError::InvalidKey => ("API", "InvalidKey", "Invalid key"),
            DocumentedError::InvalidSignature => ("API", "InvalidSignature", "Invalid signature"),
            DocumentedError::InvalidNonce => ("API", "InvalidNonce", "Invalid nonce"),
            DocumentedError::RateLimitExceeded => {
                ("API", "RateLimitExceeded", "Rate limit exceeded")
            }
            DocumentedError::InvalidArguments => {
                ("General", "InvalidArguments", "Invalid arguments")
            }
            DocumentedError::PermissionDenied => {
                ("General", "PermissionDenied", "Permission denied")
            }
            DocumentedError::TemporaryLockout => {
                ("General", "TemporaryLockout", "Temporary lockout")
            }
            DocumentedError::InternalError => ("General", "InternalError", "Internal error"),
            DocumentedError::ServiceUnavailable => ("Service", "Unavailable", "Unavailable"),
            DocumentedError::UnknownMethod => ("General", "UnknownMethod", "Unknown method"),
        }
    }
}

/// The Kraken Pay exchange state: keys, nonce books, used external ids.
pub struct KrakenPay {
    keys: HashMap<String, Vec<u8>>,
    nonces: NonceBooks,
    nonce_window: u64,
    used_ids: HashSet<String>,
}

impl crate::Exchange for KrakenPay {}

impl Fake<KrakenPay> {
    /// Starts a fake Kraken Pay accepting one API key with its base64 secret.
    ///
    /// # Panics
    ///
    /// If the secret is not base64, outside a tokio runtime, or if `127.0.0.1:0` cannot be bound
    /// (see [`Fake::<KrakenPay>::try_start`]).
    pub async fn start(api_key: &str, secret_b64: &str) -> FakeKrakenPay {
        match Self::try_start(api_key, secret_b64).await {
            Ok(fake) => fake,
            Err(e) => panic!("{e}"),
        }
    }

    /// [`Fake::<KrakenPay>::start`], returning the failure instead of panicking.
    pub async fn try_start(api_key: &str, secret_b64: &str) -> Result<FakeKrakenPay, StartError> {
        let secret = decode_secret(secret_b64)?;
        let mut keys = HashMap::new();
        keys.insert(api_key.to_owned(), secret);
        Fake::spawn(KrakenPay {
            keys,
            nonces: NonceBooks::default(),
            nonce_window: 0,
            used_ids: HashSet::new(),
        })
        .await
    }

    /// Accepts one more API key (with its own nonce history).
    pub fn try_add_key(&self, api_key: &str, secret_b64: &str) -> Result<(), StartError> {
        let secret = decode_secret(secret_b64)?;
        self.with_exchange(|k| k.keys.insert(api_key.to_owned(), secret));
        Ok(())
    }

    /// [`Fake::<KrakenPay>::try_add_key`].
    ///
    /// # Panics
    ///
    /// If the secret is not base64.
    pub fn add_key(&self, api_key: &str, secret_b64: &str) {
        if let Err(e) = self.try_add_key(api_key, secret_b64) {
            panic!("{e}");
        }
    }

    /// The per-key nonce window, as on Kraken spot (0, the default: strictly increasing).
    pub fn set_nonce_window(&self, window: u64) {
        self.with_exchange(|k| k.nonce_window = window);
    }

    /// Marks an `external_id` as already used, as if an earlier request had carried it.
    pub fn mark_id_used(&self, external_id: &str) {
        self.with_exchange(|k| k.used_ids.insert(external_id.to_owned()));
    }
}

impl Machinery for KrakenPay {
    type Answer = Answer;
    const NAME: &'static str = "FakeKrakenPay";
    const PATH: &'static str = REQUEST_CANCEL_PATH;

    fn verify(&mut self, req: &RequestParts, _now_ms: u64) -> Checked {
        if !req.is_endpoint(REQUEST_CANCEL_PATH) {
            return Checked::new(Verdict::UnknownEndpoint);
        }
        let Some((api_key, secret)) = header(&req.headers, "api-key")
            .and_then(|k| self.keys.get(k).map(|s| (k.to_owned(), s.clone())))
        else {
            return Checked::new(Verdict::InvalidKey);
        };
        let media = media_type(&req.headers);
        if media != "application/json" {
            return Checked::new(Verdict::InvalidArguments(format!(
                "Content-Type {media:?} is not application/json"
            )));
        }
        let map = match crate::util::json_object(&req.body) {
            Ok(map) => map,
            Err(why) => return Checked::new(Verdict::InvalidArguments(why)),
        };
        let (digits, nonce) = match map.get("nonce") {
            Some(serde_json::Value::String(s)) => match parse_digits(s) {
                Some(n) => (s.clone(), n),
                None => {
                    return Checked::new(Verdict::InvalidNonce(format!(
                        "nonce {s:?} is not a u64 in digits"
                    )))
                }
            },
            Some(other) => {
                return Checked::new(Verdict::InvalidNonce(format!(
                    "nonce must be a JSON string of digits, got {other}"
                )))
            }
            None => return Checked::new(Verdict::InvalidNonce("no nonce in body".into())),
        };
        let signed = header(&req.headers, "api-sign").is_some_and(|given| {
            verify_signature(&secret, &req.path_and_query(), &digits, &req.body, given)
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
        if let Some(unknown) = map.keys().find(|k| !ALLOWED_FIELDS.contains(&k.as_str())) {
            return Checked::with_nonce(
                Verdict::InvalidArguments(format!("unknown field {unknown:?}")),
                nonce,
            );
        }
        if map.get("otp").is_some_and(|otp| !otp.is_string()) {
            return Checked::with_nonce(
                Verdict::InvalidArguments("otp is not a string".into()),
                nonce,
            );
        }
        let external_id = match map.get("external_id") {
            Some(serde_json::Value::String(s)) if !s.is_empty() => s.clone(),
            Some(other) => {
                return Checked::with_nonce(
                    Verdict::InvalidArguments(format!(
                        "external_id is not a non-empty string: {other}"
                    )),
                    nonce,
                )
            }
            None => {
                return Checked::with_nonce(
                    Verdict::InvalidArguments("missing external_id".into()),
                    nonce,
                )
            }
        };
        if !self.used_ids.insert(external_id.clone()) {
            return Checked::with_nonce(Verdict::IdAlreadyUsed(external_id), nonce);
        }
        Checked::with_nonce(Verdict::Accepted, nonce)
    }

    fn reject(&self, verdict: &Verdict, _req: &RequestParts, _now_ms: u64) -> HttpReply {
        let error = match verdict {
            Verdict::UnknownEndpoint => {
                return HttpReply::json(404, errors_json(&[DocumentedError::UnknownMethod.into()]))
            }
            Verdict::IdAlreadyUsed(_) => DocumentedError::IdAlreadyUsed,
            Verdict::InvalidSignature => DocumentedError::InvalidSignature,
            Verdict::InvalidNonce(_) => DocumentedError::InvalidNonce,
            Verdict::InvalidArguments(_) => DocumentedError::InvalidArguments,
            Verdict::PermissionDenied(_) => DocumentedError::PermissionDenied,
            _ => DocumentedError::InvalidKey,
        };
        HttpReply::json(200, errors_json(&[error.into()]))
    }

    fn answer(
        &mut self,
        answer: Answered<'_, Answer>,
        _req: &RequestParts,
        _now_ms: u64,
    ) -> HttpReply {
        let body = match answer {
            Answered::Success => r#"{"error":[],"result":{}}"#.to_owned(),
            Answered::RateLimited => errors_json(&[DocumentedError::RateLimitExceeded.into()]),
            Answered::Exchange(Answer::Result(raw)) => format!(r#"{{"error":[],"result":{raw}}}"#),
            Answered::Exchange(Answer::Errors(errors)) => errors_json(errors),
        };
        HttpReply::json(200, body)
    }

    fn describe(&self, f: &mut fmt::DebugStruct<'_, '_>) {
        let mut keys: Vec<&str> = self.keys.keys().map(String::as_str).collect();
        keys.sort_unstable();
        f.field("keys", &keys)
            .field("secrets", &"<redacted>")
            .field("nonce_window", &self.nonce_window)
            .field("used_ids", &self.used_ids.len());
    }
}

/// `{"error":[<objects>],"result":{}}`, the documented response shape.
fn errors_json(errors: &[PayError]) -> String {
    let items: Vec<String> = errors.iter().map(PayError::to_json).collect();
    format!(r#"{{"error":[{}],"result":{{}}}}"#, items.join(","))
}
