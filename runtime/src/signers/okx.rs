//! OKX v5 REST.
//!
//! - [`OkxCredentials`]: the API key, the secret (used as UTF-8 text, not decoded) and the
//!   passphrase chosen when the key was created, checked up front.
//! - [`OkxSigner`]: adds `OK-ACCESS-KEY` / `-SIGN` / `-TIMESTAMP` / `-PASSPHRASE`, where
//!   `OK-ACCESS-SIGN = base64(HMAC-SHA256(secret, timestamp || METHOD || path_and_query || body))`
//!   and the timestamp is ISO-8601 UTC with milliseconds (`2020-12-08T09:08:57.715Z`). The query
//!   string is part of the signed path; the body is the exact bytes sent (empty for GET).
//! - [`OkxEnvelope`]: reads `{"code":"0","msg":"","data":[...]}` into `data` or an [`OkxError`].

use std::fmt;
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use sha2::Sha256;

use super::common::SecretText;
use super::common::{code_as_text, header_unsafe_position, loose_text, trim_owned, ApiKeyHint};
use crate::envelope::{
    body_excerpt, decode_json, ensure_body, ensure_success, ensure_unique_keys, parse_failure,
    Envelope,
};
use crate::error::Error;
use crate::escape::Escaped;
use crate::signer::{HttpRequest, SignError, Signer};
use crate::timestamp::{IsoMillis, SystemClock, TimestampSource};
use crate::transport::RawResponse;

/// Why OKX credentials were refused. Messages never contain the secret, the passphrase, or any
/// part of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// The API key (first argument) is empty.
    #[error("the OKX API key (first argument) is empty")]
    EmptyApiKey,
    /// The API key cannot be sent as an HTTP header value.
    #[error(
        "the OKX API key (first argument) has a character that cannot go in an HTTP header, at position {position}"
    )]
    InvalidApiKey {
        /// The character position (0-based) of the first offending character.
        position: usize,
    },
    /// The secret (second argument) is empty.
    #[error("the OKX API secret (second argument) is empty")]
    EmptySecret,
    /// The secret cannot key HMAC-SHA256 (HMAC takes any length; kept for safety).
    #[error("the OKX API secret (second argument) cannot be used as an HMAC-SHA256 key")]
    UnusableSecret,
    /// The passphrase (third argument) is empty.
    #[error("the OKX passphrase (third argument) is empty")]
    EmptyPassphrase,
    /// The passphrase cannot be sent as an HTTP header value. No position is given: it would
    /// say something about a secret.
    #[error(
        "the OKX passphrase (third argument) has a character that cannot go in an HTTP header (only printable ASCII can)"
    )]
    InvalidPassphrase,
}

/// An OKX API key, its secret and its passphrase.
#[derive(Clone)]
pub struct OkxCredentials {
    api_key: String,
    // Keyed once here and cloned per request, which saves hashing the key every time; the state
    // is as good as the secret and is wiped on drop.
    key: Hmac<Sha256>,
    passphrase: SecretText,
}

impl OkxCredentials {
    /// Checks the three values OKX shows when a key is created. The secret is used as the UTF-8
    /// text it is (OKX does not base64-decode it).
    ///
    /// Surrounding whitespace is ignored in all three (HTTP would drop it from the headers
    /// anyway); anything else wrong is an error that names the argument but never repeats a
    /// secret.
    pub fn new(
        api_key: impl Into<String>,
        secret: impl AsRef<str>,
        passphrase: impl AsRef<str>,
    ) -> Result<OkxCredentials, CredentialsError> {
        let api_key = trim_owned(api_key.into());
        if api_key.is_empty() {
            return Err(CredentialsError::EmptyApiKey);
        }
        if let Some(position) = header_unsafe_position(&api_key) {
            return Err(CredentialsError::InvalidApiKey { position });
        }
        let secret = secret.as_ref().trim();
        if secret.is_empty() {
            return Err(CredentialsError::EmptySecret);
        }
        let passphrase = passphrase.as_ref().trim();
        if passphrase.is_empty() {
            return Err(CredentialsError::EmptyPassphrase);
        }
        if header_unsafe_position(passphrase).is_some() {
            return Err(CredentialsError::InvalidPassphrase);
        }
        let key = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
            .map_err(|_| CredentialsError::UnusableSecret)?;
        Ok(OkxCredentials {
            api_key,
            key,
            passphrase: SecretText::new(passphrase.to_owned()),
        })
    }

    /// The public API key.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }
}

impl fmt::Debug for OkxCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OkxCredentials")
            .field("api_key", &ApiKeyHint(&self.api_key))
            .field("secret", &format_args!("[redacted]"))
            .field("passphrase", &self.passphrase)
            .finish()
    }
}

/// Signs OKX requests with the current time. Clones share the clock.
#[derive(Clone)]
pub struct OkxSigner {
    api_key: Arc<str>,
    key: Hmac<Sha256>,
    passphrase: SecretText,
    clock: Arc<dyn TimestampSource>,
    demo: bool,
}

impl OkxSigner {
    /// A signer for the live environment, timed by the [`SystemClock`].
    pub fn new(credentials: OkxCredentials) -> OkxSigner {
        OkxSigner {
            api_key: Arc::from(credentials.api_key),
            key: credentials.key,
            passphrase: credentials.passphrase,
            clock: Arc::new(SystemClock),
            demo: false,
        }
    }

    /// Takes the time from `clock` instead, e.g. a [`crate::FixedTimestamp`] for reproducible
    /// output.
    pub fn with_timestamp_source(mut self, clock: Arc<dyn TimestampSource>) -> OkxSigner {
        self.clock = clock;
        self
    }

    /// Whether to address OKX demo trading, which shares the live host and tells requests apart
    /// by the header `x-simulated-trading: 1`. Demo keys only work there, live keys only without
    /// it (error 50101 otherwise). Demo trading has no withdrawals.
    pub fn demo_trading(mut self, demo: bool) -> OkxSigner {
        self.demo = demo;
        self
    }
}

impl fmt::Debug for OkxSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OkxSigner")
            .field("api_key", &ApiKeyHint(&self.api_key))
            .field("secret", &format_args!("[redacted]"))
            .field("passphrase", &self.passphrase)
            .field("clock", &self.clock)
            .field("demo", &self.demo)
            .finish()
    }
}

impl Signer for OkxSigner {
    fn sign(&self, request: &mut HttpRequest) -> Result<(), SignError> {
        // OKX declares no signer-owned body fields: the body is signed as the caller built it.
        let timestamp = IsoMillis::new(self.clock.now_millis());
        let mut mac = self.key.clone();
        mac.update(timestamp.as_bytes());
        mac.update(request.method.as_str().as_bytes());
        mac.update(request.path_and_query.as_bytes());
        mac.update(request.body.as_bytes());
        let signature = STANDARD.encode(mac.finalize().into_bytes());
        let headers = &mut request.headers;
        headers.reserve(6);
        headers.push(("OK-ACCESS-KEY".to_owned(), self.api_key.to_string()));
        headers.push(("OK-ACCESS-SIGN".to_owned(), signature));
        headers.push((
            "OK-ACCESS-TIMESTAMP".to_owned(),
            timestamp.as_str().to_owned(),
        ));
        headers.push((
            "OK-ACCESS-PASSPHRASE".to_owned(),
            self.passphrase.expose().to_owned(),
        ));
        if let Some(content_type) = request.body.content_type() {
            headers.push(("Content-Type".to_owned(), content_type.to_owned()));
        }
        if self.demo {
            headers.push(("x-simulated-trading".to_owned(), "1".to_owned()));
        }
        request.mark_credential_header("OK-ACCESS-KEY");
        request.mark_credential_header("OK-ACCESS-PASSPHRASE");
        Ok(())
    }
}

/// The documented OKX error codes, for matching without comparing strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OkxErrorKind {
    /// `1`: operation failed (per-item `sCode`/`sMsg` in `data` say why).
    OperationFailed,
    /// `2`: bulk operation partially succeeded.
    BulkPartiallySucceeded,
    /// `50001` (HTTP 503): service temporarily unavailable.
    ServiceUnavailable,
    /// `50004` (HTTP 400): endpoint request timeout. The outcome is unknown: check the state
    /// before acting again.
    RequestTimeout,
    /// `50006`: the body is not valid JSON, or the `Content-Type` is not `application/json`.
    InvalidMediaType,
    /// `50011` (HTTP 200 or 429): rate limit reached.
    RateLimitReached,
    /// `50013` (HTTP 429): systems are busy.
    SystemBusy,
    /// `50014` (HTTP 400): a required parameter is empty.
    ParameterEmpty,
    /// `50101` (HTTP 401): the API key does not match the environment (a live key on demo
    /// trading, or the reverse).
    ApiKeyEnvironmentMismatch,
    /// `50102` (HTTP 401): timestamp request expired (check the clock).
    TimestampExpired,
    /// `50103` (HTTP 401): header `OK-ACCESS-KEY` missing.
    MissingApiKeyHeader,
    /// `50104` (HTTP 401): header `OK-ACCESS-PASSPHRASE` missing.
    MissingPassphraseHeader,
    /// `50105` (HTTP 401): the passphrase is incorrect.
    IncorrectPassphrase,
    /// `50106` (HTTP 401): header `OK-ACCESS-SIGN` missing.
    MissingSignHeader,
    /// `50107` (HTTP 401): header `OK-ACCESS-TIMESTAMP` missing.
    MissingTimestampHeader,
    /// `50110` (HTTP 401): the caller's IP is not in the key's whitelist.
    IpNotWhitelisted,
    /// `50111` (HTTP 401): invalid `OK-ACCESS-KEY`.
    InvalidApiKey,
    /// `50112` (HTTP 401): invalid `OK-ACCESS-TIMESTAMP`.
    InvalidTimestamp,
    /// `50113` (HTTP 401): invalid signature.
    InvalidSignature,
    /// `50114` (HTTP 401): invalid authorization.
    InvalidAuthorization,
    /// `50120`: the key lacks the permission for this function.
    PermissionDenied,
    /// `58102` (HTTP 429): funding rate limit reached.
    FundingRateLimitReached,
    /// `58215`: the withdrawal ID does not exist.
    WithdrawalNotFound,
    /// `58216`: operation not allowed (e.g. the withdrawal can no longer be cancelled).
    OperationNotAllowed,
    /// `58220`: the withdrawal request is already canceled.
    WithdrawalAlreadyCanceled,
    /// Any other code; [`OkxError::code`] and [`OkxError::message`] still say what it was.
    Other,
}

const KINDS: &[(&str, OkxErrorKind)] = &[
    ("1", OkxErrorKind::OperationFailed),
    ("2", OkxErrorKind::BulkPartiallySucceeded),
    ("50001", OkxErrorKind::ServiceUnavailable),
    ("50004", OkxErrorKind::RequestTimeout),
    ("50006", OkxErrorKind::InvalidMediaType),
    ("50011", OkxErrorKind::RateLimitReached),
    ("50013", OkxErrorKind::SystemBusy),
    ("50014", OkxErrorKind::ParameterEmpty),
    ("50101", OkxErrorKind::ApiKeyEnvironmentMismatch),
    ("50102", OkxErrorKind::TimestampExpired),
    ("50103", OkxErrorKind::MissingApiKeyHeader),
    ("50104", OkxErrorKind::MissingPassphraseHeader),
    ("50105", OkxErrorKind::IncorrectPassphrase),
    ("50106", OkxErrorKind::MissingSignHeader),
    ("50107", OkxErrorKind::MissingTimestampHeader),
    ("50110", OkxErrorKind::IpNotWhitelisted),
    ("50111", OkxErrorKind::InvalidApiKey),
    ("50112", OkxErrorKind::InvalidTimestamp),
    ("50113", OkxErrorKind::InvalidSignature),
    ("50114", OkxErrorKind::InvalidAuthorization),
    ("50120", OkxErrorKind::PermissionDenied),
    ("58102", OkxErrorKind::FundingRateLimitReached),
    ("58215", OkxErrorKind::WithdrawalNotFound),
    ("58216", OkxErrorKind::OperationNotAllowed),
    ("58220", OkxErrorKind::WithdrawalAlreadyCanceled),
];

impl OkxErrorKind {
    /// The kind of an OKX `code` (`"50113"`), [`OkxErrorKind::Other`] if it is not one of the
    /// documented ones. Surrounding whitespace is ignored.
    pub fn from_code(code: &str) -> OkxErrorKind {
        let code = code.trim();
        KINDS
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(OkxErrorKind::Other, |(_, kind)| *kind)
    }

    /// The code this kind stands for, `None` for [`OkxErrorKind::Other`].
    pub fn code(self) -> Option<&'static str> {
        KINDS.iter().find(|(_, k)| *k == self).map(|(c, _)| *c)
    }
}

/// OKX answered with a non-zero `code`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OkxError {
    /// The `code` as received (OKX sends it as a string: `"58215"`).
    pub code: String,
    /// The `msg`, empty if there was none.
    pub message: String,
    /// The HTTP status (200 for most business errors, 401 for authentication errors).
    pub status: u16,
    /// Which documented error this is.
    pub kind: OkxErrorKind,
    /// The first bytes of the body (batch endpoints put per-item `sCode`/`sMsg` in `data`).
    pub body_excerpt: String,
}

impl OkxError {
    /// Whether sending the request again, after a pause, may succeed without changing
    /// anything: service-side trouble only. Authentication errors need a fix, rate limits a
    /// longer wait (see [`OkxError::is_rate_limited`]).
    ///
    /// This says nothing about whether the failed attempt had an effect; see
    /// [`OkxError::outcome_unknown`].
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            OkxErrorKind::ServiceUnavailable
                | OkxErrorKind::RequestTimeout
                | OkxErrorKind::SystemBusy
        )
    }

    /// Whether a rate limit refused the request (`50011`, `58102`).
    pub fn is_rate_limited(&self) -> bool {
        matches!(
            self.kind,
            OkxErrorKind::RateLimitReached | OkxErrorKind::FundingRateLimitReached
        )
    }

    /// Whether the request may have taken effect despite the error: after `50004` OKX says it
    /// does not know whether the request succeeded, so check (e.g. the withdrawal history)
    /// before sending it again.
    pub fn outcome_unknown(&self) -> bool {
        self.kind == OkxErrorKind::RequestTimeout
    }
}

impl fmt::Display for OkxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The code and message are the exchange's words, escaped so a hostile reply cannot
        // drive the terminal.
        write!(
            f,
            "OKX refused the request (HTTP {}): code {}",
            self.status,
            Escaped(&self.code)
        )?;
        if !self.message.trim().is_empty() {
            write!(f, ": {}", Escaped(&self.message))?;
        }
        Ok(())
    }
}

impl std::error::Error for OkxError {}

impl crate::error::ExchangeFailure for OkxError {
    fn status(&self) -> u16 {
        self.status
    }
    fn is_rate_limited(&self) -> bool {
        OkxError::is_rate_limited(self)
    }
    fn outcome_unknown(&self) -> bool {
        OkxError::outcome_unknown(self)
    }
    fn is_retryable(&self) -> bool {
        OkxError::is_retryable(self)
    }
}

/// Decodes OKX replies. A `code` other than `"0"` makes the reply [`Error::Okx`], whatever the
/// HTTP status (a 401 with an envelope is an [`OkxError`] with status 401) and whatever `data`
/// holds.
#[derive(Debug, Clone, Copy, Default)]
pub struct OkxEnvelope;

#[derive(Deserialize)]
struct Reply<T> {
    #[serde(deserialize_with = "code_as_text")]
    code: String,
    #[serde(default, deserialize_with = "loose_text")]
    msg: Option<String>,
    data: T,
}

#[derive(Deserialize)]
struct Head {
    #[serde(deserialize_with = "code_as_text")]
    code: String,
    #[serde(default, deserialize_with = "loose_text")]
    msg: Option<String>,
}

impl Envelope for OkxEnvelope {
    fn decode<T: DeserializeOwned>(response: &RawResponse) -> Result<T, Error> {
        ensure_body(response)?;
        ensure_unique_keys(response)?;
        // One pass on the usual path. Only when it fails (no `data`, or a `data` that does not
        // fit `T`, as on most errors) is the body read again for the code alone.
        match decode_json::<Reply<T>>(&response.body) {
            Ok(reply) => {
                if reply.code != "0" {
                    return Err(okx_error(reply.code, reply.msg, response));
                }
                ensure_success(response)?;
                Ok(reply.data)
            }
            Err(first) => {
                if let Ok(head) = serde_json::from_slice::<Head>(&response.body) {
                    if head.code != "0" {
                        return Err(okx_error(head.code, head.msg, response));
                    }
                }
                Err(parse_failure(response, first))
            }
        }
    }
}

fn okx_error(code: String, message: Option<String>, response: &RawResponse) -> Error {
    Error::Okx(OkxError {
        kind: OkxErrorKind::from_code(&code),
        code,
        message: message.unwrap_or_default(),
        status: response.status,
        body_excerpt: body_excerpt(&response.body),
    })
}

/// `signing: okx`.
pub(crate) static SIGNING: crate::registry::SigningScheme = crate::registry::SigningScheme::new(
    "okx",
    "OK-ACCESS-KEY/-SIGN/-TIMESTAMP/-PASSPHRASE: base64 HMAC-SHA256 over timestamp, method, path and body",
    "::xgen_runtime::okx::OkxSigner",
    crate::registry::Credentials::Fixed(&[
        ("API_KEY", "the API key"),
        ("API_SECRET", "the API secret"),
        ("API_PASSPHRASE", "the passphrase chosen when the key was created"),
    ]),
    crate::registry::Clock::Timestamp,
    build_signer,
);

fn build_signer(
    given: &crate::registry::Given<'_>,
) -> Result<Arc<dyn Signer>, crate::registry::SetupError> {
    let credentials = OkxCredentials::new(
        given.value("API_KEY"),
        given.value("API_SECRET"),
        given.value("API_PASSPHRASE"),
    )
    .map_err(|e| match e {
        CredentialsError::EmptyApiKey | CredentialsError::InvalidApiKey { .. } => {
            given.invalid("API_KEY", e)
        }
        CredentialsError::EmptyPassphrase | CredentialsError::InvalidPassphrase => {
            given.invalid("API_PASSPHRASE", e)
        }
        _ => given.invalid("API_SECRET", e),
    })?;
    let mut signer = OkxSigner::new(credentials);
    if let Some(clock) = &given.timestamp {
        signer = signer.with_timestamp_source(clock.clone());
    }
    Ok(Arc::new(signer))
}

/// `envelope: okx`.
pub(crate) static ENVELOPE: crate::registry::Envelope = crate::registry::Envelope::new(
    "okx",
    r#"{"code": "0", "msg": "", "data": [...]}; `code` other than "0" is an OkxError"#,
    "::xgen_runtime::okx::OkxEnvelope",
    Some("data"),
    <OkxEnvelope as Envelope>::decode::<serde_json::Value>,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::Body;
    use crate::operation::{BodyEncoding, Method, Operation};
    use crate::{Client, FixedTimestamp};

    // The docs' example inputs (signing-examples.json, `okx-doc-get-balance`).
    const SECRET: &str = "22582BD0CFF14C41EDBF1AB98506286D";
    const API_KEY: &str = "37c541a1-0000-4000-8000-10fe7a038418";
    const PASSPHRASE: &str = "Test-Passphrase-1";
    const DOC_TIME: u64 = 1_607_418_537_715; // 2020-12-08T09:08:57.715Z

    static BALANCE: Operation = Operation {
        exchange: "okx",
        id: "getBalance",
        name: "get-balance",
        method: Method::Get,
        path: "/api/v5/account/balance",
        host: None,
        body: BodyEncoding::None,
        params: &[],
        signer_fields: &[],
        signed: true,
        rate_limit: None,
        security: &[],
    };
    static CANCEL: Operation = Operation {
        id: "cancelWithdrawal",
        name: "cancel-withdrawal",
        method: Method::Post,
        path: "/api/v5/asset/cancel-withdrawal",
        host: None,
        body: BodyEncoding::Json,
        ..BALANCE
    };

    fn signer() -> OkxSigner {
        OkxSigner::new(OkxCredentials::new(API_KEY, SECRET, PASSPHRASE).unwrap())
            .with_timestamp_source(Arc::new(FixedTimestamp::new(DOC_TIME)))
    }

    fn expected(prehash: &str) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(prehash.as_bytes());
        STANDARD.encode(mac.finalize().into_bytes())
    }

    fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap()
    }

    #[test]
    fn vector_doc_get_balance() {
        let mut request = HttpRequest::new(
            &BALANCE,
            "https://www.okx.com/api/v5/account/balance?ccy=BTC".into(),
            "/api/v5/account/balance?ccy=BTC".into(),
            Vec::new(),
            Body::empty(),
        );
        signer().sign(&mut request).unwrap();
        let expected: Vec<(String, String)> = [
            ("OK-ACCESS-KEY", API_KEY),
            (
                "OK-ACCESS-SIGN",
                "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY=",
            ),
            ("OK-ACCESS-TIMESTAMP", "2020-12-08T09:08:57.715Z"),
            ("OK-ACCESS-PASSPHRASE", PASSPHRASE),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
        assert_eq!(request.headers, expected);
        assert!(request.body.is_empty());
    }

    #[test]
    fn get_through_the_client_signs_the_query() {
        let client = Client::new("https://www.okx.com", Arc::new(signer())).unwrap();
        let prepared = client
            .prepare_with_query(&BALANCE, &[("ccy", "BTC")], &())
            .unwrap();
        assert_eq!(
            prepared.url,
            "https://www.okx.com/api/v5/account/balance?ccy=BTC"
        );
        assert_eq!(
            header(&prepared.headers, "OK-ACCESS-SIGN"),
            "HiZhvSfMtWJA3uUIVXV3a/bSXNPCWvYFXoGCVS8V4zY="
        );
        assert!(prepared.body.is_empty());
        assert!(
            !prepared.headers.iter().any(|(n, _)| n == "Content-Type"),
            "{:?}",
            prepared.headers
        );
    }

    #[test]
    fn post_signs_the_body_and_demo_header_comes_last() {
        let client =
            Client::new("https://www.okx.com", Arc::new(signer().demo_trading(true))).unwrap();
        let prepared = client
            .prepare(&CANCEL, &serde_json::json!({"wdId": "1123456"}))
            .unwrap();
        assert_eq!(prepared.body_text(), r#"{"wdId":"1123456"}"#);
        let names: Vec<&str> = prepared.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "OK-ACCESS-KEY",
                "OK-ACCESS-SIGN",
                "OK-ACCESS-TIMESTAMP",
                "OK-ACCESS-PASSPHRASE",
                "Content-Type",
                "x-simulated-trading"
            ]
        );
        assert_eq!(
            header(&prepared.headers, "Content-Type"),
            "application/json"
        );
        assert_eq!(header(&prepared.headers, "x-simulated-trading"), "1");
        assert_eq!(
            header(&prepared.headers, "OK-ACCESS-SIGN"),
            expected(
                r#"2020-12-08T09:08:57.715ZPOST/api/v5/asset/cancel-withdrawal{"wdId":"1123456"}"#
            )
        );
        let live = Client::new("https://www.okx.com", Arc::new(signer()))
            .unwrap()
            .prepare(&CANCEL, &serde_json::json!({"wdId": "1123456"}))
            .unwrap();
        assert!(!live.headers.iter().any(|(n, _)| n == "x-simulated-trading"));
    }

    #[test]
    fn the_clock_is_read_per_request() {
        let signer = OkxSigner::new(OkxCredentials::new(API_KEY, SECRET, PASSPHRASE).unwrap());
        let client = Client::new("https://www.okx.com", Arc::new(signer)).unwrap();
        let prepared = client.prepare(&BALANCE, &()).unwrap();
        let stamp = header(&prepared.headers, "OK-ACCESS-TIMESTAMP");
        let millis = crate::parse_timestamp(stamp).unwrap();
        let now = SystemClock.now_millis();
        assert!(now.abs_diff(millis) < 60_000, "{stamp}");
    }

    #[test]
    fn debug_never_shows_secrets() {
        let credentials = OkxCredentials::new(API_KEY, SECRET, PASSPHRASE).unwrap();
        for debug in [format!("{credentials:?}"), format!("{:?}", signer())] {
            assert!(
                !debug.contains(SECRET) && !debug.contains(&SECRET[..8]),
                "{debug}"
            );
            assert!(
                !debug.contains(PASSPHRASE) && !debug.contains("Passphrase-1"),
                "{debug}"
            );
            assert!(!debug.contains(API_KEY), "{debug}");
            assert!(debug.contains("37c5…"), "{debug}");
        }
        let mut request = HttpRequest::new(
            &BALANCE,
            String::new(),
            BALANCE.path.into(),
            Vec::new(),
            Body::empty(),
        );
        signer().sign(&mut request).unwrap();
        let debug = format!("{request:?}");
        assert!(!debug.contains(PASSPHRASE), "{debug}");
    }

    #[test]
    fn credentials_are_checked() {
        let credentials = OkxCredentials::new(" key\n", format!("{SECRET}\n"), " pw ").unwrap();
        assert_eq!(credentials.api_key(), "key");
        assert_eq!(credentials.passphrase.expose(), "pw");
        for (args, err) in [
            (("", SECRET, "pw"), CredentialsError::EmptyApiKey),
            (
                ("k\u{e9}y", SECRET, "pw"),
                CredentialsError::InvalidApiKey { position: 1 },
            ),
            (("key", " ", "pw"), CredentialsError::EmptySecret),
            (("key", SECRET, ""), CredentialsError::EmptyPassphrase),
            (
                ("key", SECRET, "p\u{e9}ss"),
                CredentialsError::InvalidPassphrase,
            ),
            (
                ("key", SECRET, "pa\rss"),
                CredentialsError::InvalidPassphrase,
            ),
        ] {
            assert_eq!(
                OkxCredentials::new(args.0, args.1, args.2).unwrap_err(),
                err,
                "{args:?}"
            );
        }
        let text = CredentialsError::InvalidPassphrase.to_string();
        assert!(text.contains("passphrase (third argument)"), "{text}");
    }

    fn reply(status: u16, body: &str) -> RawResponse {
        RawResponse {
            status,
            content_type: Some("application/json".into()),
            body: body.as_bytes().to_vec(),
            retry_after: None,
        }
    }

    fn decode<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, Error> {
        OkxEnvelope::decode(&reply(status, body))
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Cancelled {
        #[serde(rename = "wdId")]
        wd_id: String,
    }

    fn okx(err: Error) -> OkxError {
        match err {
            Error::Okx(e) => e,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn success_gives_data() {
        let data: Vec<Cancelled> =
            decode(200, r#"{"code":"0","msg":"","data":[{"wdId":"1123456"}]}"#).unwrap();
        assert_eq!(
            data,
            [Cancelled {
                wd_id: "1123456".into()
            }]
        );
    }

    #[test]
    fn documented_error_is_typed_and_keeps_its_parts() {
        let body = r#"{"code":"58215","msg":"Withdrawal ID does not exist.","data":[]}"#;
        let e = okx(decode::<Vec<Cancelled>>(200, body).unwrap_err());
        assert_eq!(e.code, "58215");
        assert_eq!(e.message, "Withdrawal ID does not exist.");
        assert_eq!(e.status, 200);
        assert_eq!(e.kind, OkxErrorKind::WithdrawalNotFound);
        assert_eq!(e.body_excerpt, body);
        assert!(!e.is_retryable() && !e.outcome_unknown());
        assert_eq!(
            e.to_string(),
            "OKX refused the request (HTTP 200): code 58215: Withdrawal ID does not exist."
        );
    }

    #[test]
    fn auth_error_on_401_keeps_status() {
        let e = okx(
            decode::<Vec<Cancelled>>(401, r#"{"msg":"Invalid Sign","code":"50113"}"#).unwrap_err(),
        );
        assert_eq!((e.status, e.kind), (401, OkxErrorKind::InvalidSignature));
        let err = Error::Okx(e);
        assert_eq!(err.status(), Some(401));
    }

    #[test]
    fn timeout_says_outcome_unknown() {
        let e = okx(decode::<Vec<Cancelled>>(
            400,
            r#"{"code":"50004","msg":"API endpoint request timeout","data":[]}"#,
        )
        .unwrap_err());
        assert!(e.outcome_unknown() && e.is_retryable());
        let limited = okx(decode::<Vec<Cancelled>>(
            429,
            r#"{"code":"50011","msg":"Too Many Requests"}"#,
        )
        .unwrap_err());
        assert!(limited.is_rate_limited() && !limited.is_retryable() && !limited.outcome_unknown());
    }

    #[test]
    fn unknown_code_is_other_but_kept() {
        let e = okx(decode::<Vec<Cancelled>>(
            200,
            r#"{"code":"59999","msg":"New thing","data":[]}"#,
        )
        .unwrap_err());
        assert_eq!(e.kind, OkxErrorKind::Other);
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("59999", "New thing")
        );
        // A numeric code (not what OKX documents) is still understood.
        let e = okx(decode::<Vec<Cancelled>>(200, r#"{"code":50113,"msg":null}"#).unwrap_err());
        assert_eq!(
            (e.kind, e.message.as_str()),
            (OkxErrorKind::InvalidSignature, "")
        );
    }

    #[test]
    fn every_documented_code_maps_to_its_kind_and_back() {
        for (code, kind) in KINDS {
            assert_eq!(OkxErrorKind::from_code(code), *kind);
            assert_eq!(kind.code(), Some(*code));
        }
        assert_eq!(
            OkxErrorKind::from_code("50103"),
            OkxErrorKind::MissingApiKeyHeader
        );
        assert_eq!(
            OkxErrorKind::from_code("50105"),
            OkxErrorKind::IncorrectPassphrase
        );
        assert_eq!(OkxErrorKind::Other.code(), None);
    }

    #[test]
    fn generic_failures() {
        let err = decode::<Vec<Cancelled>>(200, r#"{"code":"0","msg":""}"#).unwrap_err();
        assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
        let err = decode::<Vec<Cancelled>>(200, r#"{"code":"0","data":[{"wdId":"#).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        let err = decode::<Vec<Cancelled>>(500, r#"{"code":"0","msg":"","data":[]}"#).unwrap_err();
        assert!(matches!(err, Error::Http { status: 500, .. }), "{err:?}");
        let page = RawResponse {
            status: 502,
            content_type: Some("text/html".into()),
            body: b"<html><body>Bad Gateway</body></html>".to_vec(),
            retry_after: None,
        };
        let err = OkxEnvelope::decode::<Vec<Cancelled>>(&page).unwrap_err();
        assert!(matches!(err, Error::NotJson { status: 502, .. }), "{err:?}");
        let err = decode::<Vec<Cancelled>>(200, "  ").unwrap_err();
        assert!(matches!(err, Error::EmptyBody { status: 200 }), "{err:?}");
    }

    #[test]
    fn a_repeated_key_is_refused_never_read_as_either_value() {
        use crate::envelope::testing::assert_repeated_key_refused;
        assert_repeated_key_refused::<OkxEnvelope>(
            r#"{"code":"58216","msg":"Operation not allowed.","data":[],"code":"0"}"#,
            "code",
        );
        assert_repeated_key_refused::<OkxEnvelope>(
            r#"{"code":"0","msg":"","data":[],"data":[{"wdId":"1"}]}"#,
            "data",
        );
        assert_repeated_key_refused::<OkxEnvelope>(
            r#"{"code":"0","msg":"","msg":"x","data":[]}"#,
            "msg",
        );
        assert_repeated_key_refused::<OkxEnvelope>(
            r#"{"code":"0","msg":"","data":[{"wdId":"1","state":"-2","state":"2"}]}"#,
            "data[0].state",
        );
    }

    #[test]
    fn display_escapes_terminal_controls_and_keeps_the_raw_text() {
        use crate::envelope::testing::{assert_escaped, HOSTILE, HOSTILE_JSON};
        let body = format!(r#"{{"code":"59999","msg":"{HOSTILE_JSON}","data":[]}}"#);
        let e = okx(decode::<Vec<Cancelled>>(200, &body).unwrap_err());
        assert_eq!(e.message, HOSTILE);
        assert_escaped(&e.to_string());
        assert_escaped(&Error::Okx(e).to_string());
    }
}
