//! KuCoin REST (Spot, Futures and Broker hosts alike).
//!
//! - [`KucoinCredentials`]: the API key, the secret (used as UTF-8 text, not decoded) and the
//!   passphrase chosen when the key was created, checked up front.
//! - [`KucoinSigner`]: adds `KC-API-KEY` / `-SIGN` / `-TIMESTAMP` / `-PASSPHRASE` /
//!   `-KEY-VERSION`, where
//!   `KC-API-SIGN = base64(HMAC-SHA256(secret, timestamp || METHOD || path_and_query || body))`,
//!   the timestamp is Unix milliseconds in decimal, and (key version 2)
//!   `KC-API-PASSPHRASE = base64(HMAC-SHA256(secret, passphrase))`. The query is part of the
//!   signed path; the body is the exact bytes sent (empty for GET and DELETE).
//! - [`KucoinEnvelope`]: reads `{"code":"200000","data":...}` into `data` or a [`KucoinError`],
//!   carried by [`Error::Exchange`] (see [`KucoinError::of`]).

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
use crate::digits::Digits;
use crate::envelope::{
    body_excerpt, decode_json, ensure_body, ensure_success, ensure_unique_keys, parse_failure,
    Envelope,
};
use crate::error::{Error, ExchangeError};
use crate::escape::Escaped;
use crate::signer::{HttpRequest, SignError, Signer};
use crate::timestamp::{SystemClock, TimestampSource};
use crate::transport::RawResponse;

/// The `code` of every successful KuCoin reply.
pub const SUCCESS_CODE: &str = "200000";

/// The `KC-API-KEY-VERSION` sent: version 2 keys, whose passphrase travels HMAC-signed.
pub const KEY_VERSION: &str = "2";

/// Why KuCoin credentials were refused. Messages never contain the secret, the passphrase, or
/// any part of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// The API key (first argument) is empty.
    #[error("the KuCoin API key (first argument) is empty")]
    EmptyApiKey,
    /// The API key cannot be sent as an HTTP header value.
    #[error(
        "the KuCoin API key (first argument) has a character that cannot go in an HTTP header, at position {position}"
    )]
    InvalidApiKey {
        /// The character position (0-based) of the first offending character.
        position: usize,
    },
    /// The secret (second argument) is empty.
    #[error("the KuCoin API secret (second argument) is empty")]
    EmptySecret,
    /// The secret cannot key HMAC-SHA256 (HMAC takes any length; kept for safety).
    #[error("the KuCoin API secret (second argument) cannot be used as an HMAC-SHA256 key")]
    UnusableSecret,
    /// The passphrase (third argument) is empty.
    #[error("the KuCoin passphrase (third argument) is empty")]
    EmptyPassphrase,
}

/// A KuCoin API key, its secret and its passphrase.
#[derive(Clone)]
pub struct KucoinCredentials {
    api_key: String,
    // Keyed once here and cloned per request; the state is as good as the secret and is wiped
    // on drop.
    key: Hmac<Sha256>,
    // What goes in `KC-API-PASSPHRASE`: the passphrase signed with the secret, computed once
    // (it never changes) and as sensitive as the passphrase itself.
    signed_passphrase: SecretText,
}

impl KucoinCredentials {
    /// Checks the three values KuCoin shows when a key is created. The secret is used as the
    /// UTF-8 text it is (KuCoin does not base64-decode it).
    ///
    /// Surrounding whitespace is ignored in all three; anything else wrong is an error that
    /// names the argument but never repeats a secret. The passphrase may hold any character:
    /// only its HMAC goes in a header.
    pub fn new(
        api_key: impl Into<String>,
        secret: impl AsRef<str>,
        passphrase: impl AsRef<str>,
    ) -> Result<KucoinCredentials, CredentialsError> {
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
        let key = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
            .map_err(|_| CredentialsError::UnusableSecret)?;
        let mut mac = key.clone();
        mac.update(passphrase.as_bytes());
        let signed_passphrase = SecretText::new(STANDARD.encode(mac.finalize().into_bytes()));
        Ok(KucoinCredentials {
            api_key,
            key,
            signed_passphrase,
        })
    }

    /// The public API key.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }
}

impl fmt::Debug for KucoinCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KucoinCredentials")
            .field("api_key", &ApiKeyHint(&self.api_key))
            .field("secret", &format_args!("[redacted]"))
            .field("passphrase", &self.signed_passphrase)
            .finish()
    }
}

/// Signs KuCoin requests with the current time. Clones share the clock.
#[derive(Clone)]
pub struct KucoinSigner {
    api_key: Arc<str>,
    key: Hmac<Sha256>,
    signed_passphrase: SecretText,
    clock: Arc<dyn TimestampSource>,
}

impl KucoinSigner {
    /// A signer timed by the [`SystemClock`]. KuCoin refuses a timestamp more than 5 seconds
    /// from its own clock (`400002`).
    pub fn new(credentials: KucoinCredentials) -> KucoinSigner {
        KucoinSigner {
            api_key: Arc::from(credentials.api_key),
            key: credentials.key,
            signed_passphrase: credentials.signed_passphrase,
            clock: Arc::new(SystemClock),
        }
    }

    /// Takes the time from `clock` instead, e.g. a [`crate::FixedTimestamp`] for reproducible
    /// output.
    pub fn with_timestamp_source(mut self, clock: Arc<dyn TimestampSource>) -> KucoinSigner {
        self.clock = clock;
        self
    }
}

impl fmt::Debug for KucoinSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KucoinSigner")
            .field("api_key", &ApiKeyHint(&self.api_key))
            .field("secret", &format_args!("[redacted]"))
            .field("passphrase", &self.signed_passphrase)
            .field("clock", &self.clock)
            .finish()
    }
}

impl Signer for KucoinSigner {
    fn sign(&self, request: &mut HttpRequest) -> Result<(), SignError> {
        let timestamp = Digits::new(self.clock.now_millis());
        let mut mac = self.key.clone();
        mac.update(timestamp.as_bytes());
        mac.update(request.method.as_str().as_bytes());
        mac.update(request.path_and_query.as_bytes());
        mac.update(request.body.as_bytes());
        let signature = STANDARD.encode(mac.finalize().into_bytes());
        let content_type = request.body.content_type();
        let headers = &mut request.headers;
        headers.reserve(6);
        headers.push(("KC-API-KEY".to_owned(), self.api_key.to_string()));
        headers.push(("KC-API-SIGN".to_owned(), signature));
        headers.push(("KC-API-TIMESTAMP".to_owned(), timestamp.as_str().to_owned()));
        headers.push((
            "KC-API-PASSPHRASE".to_owned(),
            self.signed_passphrase.expose().to_owned(),
        ));
        headers.push(("KC-API-KEY-VERSION".to_owned(), KEY_VERSION.to_owned()));
        if let Some(content_type) = content_type {
            headers.push(("Content-Type".to_owned(), content_type.to_owned()));
        }
        request.mark_credential_header("KC-API-KEY");
        request.mark_credential_header("KC-API-PASSPHRASE");
        Ok(())
    }
}

/// KuCoin's documented error codes, for matching without comparing strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KucoinErrorKind {
    /// `200002`: too many requests to one private endpoint (rate limit 1.0, per uid and
    /// endpoint).
    EndpointRateLimited,
    /// `260210`: withdrawals of this currency or chain are closed, or frozen for the user
    /// (`withdraw.disabled`).
    WithdrawalDisabled,
    /// `400001`: a `KC-API-*` authentication header is missing (the new docs word it "check the
    /// URL of your request").
    MissingAuthHeaders,
    /// `400002`: `KC-API-TIMESTAMP` is invalid: more than 5 seconds from the server's clock.
    InvalidTimestamp,
    /// `400003`: the `KC-API-KEY` does not exist.
    ApiKeyNotFound,
    /// `400004`: the passphrase is wrong.
    InvalidPassphrase,
    /// `400005`: the signature is wrong.
    InvalidSignature,
    /// `400006`: the caller's IP is not in the key's whitelist.
    IpNotAllowed,
    /// `400007`: access denied: the key lacks the permission for this endpoint.
    AccessDenied,
    /// `400100`: parameter error; also KuCoin's answer to a business refusal that has no code
    /// of its own (a balance too low, an order or withdrawal that cannot be cancelled).
    ParameterError,
    /// `404000`: URL not found.
    UrlNotFound,
    /// `411100`: the user is frozen.
    UserFrozen,
    /// `415000`: unsupported media type (`Content-Type` must be `application/json`).
    UnsupportedMediaType,
    /// `429000` (HTTP 429): the resource pool's quota is used up, or the server is overloaded;
    /// retry after the reset time KuCoin gives in its headers.
    TooManyRequests,
    /// `500000`: internal server error. The outcome is unknown.
    InternalError,
    /// Any other code; [`KucoinError::code`] and [`KucoinError::message`] still say what it
    /// was.
    Other,
}

const KINDS: &[(&str, KucoinErrorKind)] = &[
    ("200002", KucoinErrorKind::EndpointRateLimited),
    ("260210", KucoinErrorKind::WithdrawalDisabled),
    ("400001", KucoinErrorKind::MissingAuthHeaders),
    ("400002", KucoinErrorKind::InvalidTimestamp),
    ("400003", KucoinErrorKind::ApiKeyNotFound),
    ("400004", KucoinErrorKind::InvalidPassphrase),
    ("400005", KucoinErrorKind::InvalidSignature),
    ("400006", KucoinErrorKind::IpNotAllowed),
    ("400007", KucoinErrorKind::AccessDenied),
    ("400100", KucoinErrorKind::ParameterError),
    ("404000", KucoinErrorKind::UrlNotFound),
    ("411100", KucoinErrorKind::UserFrozen),
    ("415000", KucoinErrorKind::UnsupportedMediaType),
    ("429000", KucoinErrorKind::TooManyRequests),
    ("500000", KucoinErrorKind::InternalError),
];

impl KucoinErrorKind {
    /// The kind of a KuCoin `code` (`"400005"`), [`KucoinErrorKind::Other`] if it is not one of
    /// the documented ones. Surrounding whitespace is ignored.
    pub fn from_code(code: &str) -> KucoinErrorKind {
        let code = code.trim();
        KINDS
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(KucoinErrorKind::Other, |(_, kind)| *kind)
    }

    /// The code this kind stands for, `None` for [`KucoinErrorKind::Other`].
    pub fn code(self) -> Option<&'static str> {
        KINDS.iter().find(|(_, k)| *k == self).map(|(c, _)| *c)
    }

    /// Whether this is one of the gateway's authentication refusals (`400001`–`400007`): the
    /// request was not processed, and sending it again unchanged will fail again.
    pub fn is_authentication(self) -> bool {
        matches!(
            self,
            KucoinErrorKind::MissingAuthHeaders
                | KucoinErrorKind::InvalidTimestamp
                | KucoinErrorKind::ApiKeyNotFound
                | KucoinErrorKind::InvalidPassphrase
                | KucoinErrorKind::InvalidSignature
                | KucoinErrorKind::IpNotAllowed
                | KucoinErrorKind::AccessDenied
        )
    }
}

/// KuCoin answered with a `code` other than `"200000"` (or a success code on a non-2xx reply).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct KucoinError {
    /// The `code` as received (KuCoin sends it as a string: `"400005"`).
    pub code: String,
    /// The `msg`, empty if there was none.
    pub message: String,
    /// The HTTP status (KuCoin's gateway answers authentication errors with 400 or 401, rate
    /// limits with 429).
    pub status: u16,
    /// Which documented error this is.
    pub kind: KucoinErrorKind,
    /// The `Retry-After` header as sent, if any. KuCoin documents its own rate-limit headers
    /// (`gw-ratelimit-reset`, in ms) rather than this one, but a gateway in front of it may
    /// send it with a 429: kept so a caller can honour it.
    pub retry_after: Option<String>,
    /// The first bytes of the body.
    pub body_excerpt: String,
}

impl KucoinError {
    /// The KuCoin error inside `error`, if that is what it carries.
    pub fn of(error: &Error) -> Option<&KucoinError> {
        match error {
            Error::Exchange(e) => e.downcast_ref(),
            _ => None,
        }
    }

    /// `Retry-After` as a number of seconds, when it is one.
    pub fn retry_after_seconds(&self) -> Option<u64> {
        self.retry_after.as_deref()?.trim().parse().ok()
    }

    /// Whether a rate limit refused the request: `429000`, `200002`, or HTTP 429.
    pub fn is_rate_limited(&self) -> bool {
        self.status == 429
            || matches!(
                self.kind,
                KucoinErrorKind::TooManyRequests | KucoinErrorKind::EndpointRateLimited
            )
    }

    /// Whether KuCoin's own failure leaves it open whether the request took effect: `500000`.
    pub fn outcome_unknown(&self) -> bool {
        self.kind == KucoinErrorKind::InternalError
    }

    /// Whether sending the request again, after a pause, may succeed unchanged: server-side
    /// trouble only (rate limits are told apart by [`KucoinError::is_rate_limited`]).
    pub fn is_retryable(&self) -> bool {
        self.kind == KucoinErrorKind::InternalError
    }
}

impl fmt::Display for KucoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The code and message are the exchange's words, escaped so a hostile reply cannot
        // drive the terminal.
        write!(
            f,
            "KuCoin refused the request (HTTP {}): code {}",
            self.status,
            Escaped(&self.code)
        )?;
        if !self.message.trim().is_empty() {
            write!(f, ": {}", Escaped(&self.message))?;
        }
        if let Some(after) = &self.retry_after {
            write!(f, " (Retry-After: {})", Escaped(after))?;
        }
        Ok(())
    }
}

impl std::error::Error for KucoinError {}

impl crate::error::ExchangeFailure for KucoinError {
    fn status(&self) -> u16 {
        self.status
    }
    fn is_rate_limited(&self) -> bool {
        KucoinError::is_rate_limited(self)
    }
    fn outcome_unknown(&self) -> bool {
        KucoinError::outcome_unknown(self)
    }
    fn is_retryable(&self) -> bool {
        KucoinError::is_retryable(self)
    }
}

/// Decodes KuCoin replies. A `code` other than `"200000"` makes the reply a [`KucoinError`]
/// (in [`Error::Exchange`]) whatever the HTTP status and whatever `data` holds; a reply without
/// a `code` on a non-2xx status is [`Error::Http`].
#[derive(Debug, Clone, Copy, Default)]
pub struct KucoinEnvelope;

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

impl Envelope for KucoinEnvelope {
    fn decode<T: DeserializeOwned>(response: &RawResponse) -> Result<T, Error> {
        ensure_body(response)?;
        ensure_unique_keys(response)?;
        // One pass on the usual path; only when it fails (error replies carry no `data`) is
        // the body read again for the code alone.
        match decode_json::<Reply<T>>(&response.body) {
            Ok(reply) => {
                if reply.code.trim() != SUCCESS_CODE {
                    return Err(kucoin_error(reply.code, reply.msg, response));
                }
                ensure_success(response)?;
                Ok(reply.data)
            }
            Err(first) => {
                if let Ok(head) = serde_json::from_slice::<Head>(&response.body) {
                    if head.code.trim() != SUCCESS_CODE {
                        return Err(kucoin_error(head.code, head.msg, response));
                    }
                }
                Err(parse_failure(response, first))
            }
        }
    }
}

fn kucoin_error(code: String, message: Option<String>, response: &RawResponse) -> Error {
    Error::Exchange(ExchangeError(Box::new(KucoinError {
        kind: KucoinErrorKind::from_code(&code),
        code,
        message: message.unwrap_or_default(),
        status: response.status,
        retry_after: response.retry_after.clone(),
        body_excerpt: body_excerpt(&response.body),
    })))
}

/// `signing: kucoin`.
pub(crate) static SIGNING: crate::registry::SigningScheme = crate::registry::SigningScheme::new(
    "kucoin",
    "KC-API-KEY/-SIGN/-TIMESTAMP/-PASSPHRASE/-KEY-VERSION: base64 HMAC-SHA256 over timestamp, method, path and body; passphrase HMAC-signed (key version 2)",
    "::xgen_runtime::kucoin::KucoinSigner",
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
    let credentials = KucoinCredentials::new(
        given.value("API_KEY"),
        given.value("API_SECRET"),
        given.value("API_PASSPHRASE"),
    )
    .map_err(|e| match e {
        CredentialsError::EmptyApiKey | CredentialsError::InvalidApiKey { .. } => {
            given.invalid("API_KEY", e)
        }
        CredentialsError::EmptyPassphrase => given.invalid("API_PASSPHRASE", e),
        _ => given.invalid("API_SECRET", e),
    })?;
    let mut signer = KucoinSigner::new(credentials);
    if let Some(clock) = &given.timestamp {
        signer = signer.with_timestamp_source(clock.clone());
    }
    Ok(Arc::new(signer))
}

/// `envelope: kucoin`.
pub(crate) static ENVELOPE: crate::registry::Envelope = crate::registry::Envelope::new(
    "kucoin",
    r#"{"code": "200000", "data": ...}; any other `code` is a KucoinError"#,
    "::xgen_runtime::kucoin::KucoinEnvelope",
    Some("data"),
    <KucoinEnvelope as Envelope>::decode::<serde_json::Value>,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::Body;
    use crate::operation::{BodyEncoding, Method, Operation};
    use crate::{Client, FixedTimestamp};

    // The inputs of kucoin-universal-sdk's signer test (sdk/python/.../test_default_signer.py,
    // `test_sign`): HMAC-SHA256("test_api_secret", "test_plain") in base64 is published there.
    const SDK_SECRET: &str = "test_api_secret";
    const SDK_PLAIN: &str = "test_plain";
    const SDK_SIGNATURE: &str = "jie/gxS38wLFFaBwl/cAzFbAzlI8MIny96jSXrB+iP4=";

    const API_KEY: &str = "67e6515f7960ba0007b42025";
    const SECRET: &str = "2142051e-5bda-4d4e-a3c6-a82395c66f80";
    const PASSPHRASE: &str = "CorrectHorseBatteryStaple";
    const TIME: u64 = 1_743_147_359_000;

    static HISTORY_BY_ID: Operation = Operation {
        exchange: "kucoin",
        id: "getWithdrawalHistoryById",
        name: "account-withdrawal-get-withdrawal-history-by-id",
        method: Method::Get,
        path: "/api/v1/withdrawals/{withdrawalId}",
        host: None,
        body: BodyEncoding::None,
        params: &[],
        signer_fields: &[],
        signed: true,
        rate_limit: None,
        security: &[],
    };
    static WITHDRAW: Operation = Operation {
        id: "withdrawalV3",
        name: "account-withdrawal-withdrawal-v3",
        method: Method::Post,
        path: "/api/v3/withdrawals",
        body: BodyEncoding::Json,
        ..HISTORY_BY_ID
    };
    static PUBLIC: Operation = Operation {
        id: "getServerTime",
        name: "spot-market-get-server-time",
        path: "/api/v1/timestamp",
        signed: false,
        ..HISTORY_BY_ID
    };

    fn signer() -> KucoinSigner {
        KucoinSigner::new(KucoinCredentials::new(API_KEY, SECRET, PASSPHRASE).unwrap())
            .with_timestamp_source(Arc::new(FixedTimestamp::new(TIME)))
    }

    // An independent computation of the recipe (Python's hmac and base64 gave the same values
    // for the literals asserted below).
    fn expected(secret: &str, prehash: &str) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(prehash.as_bytes());
        STANDARD.encode(mac.finalize().into_bytes())
    }

    fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn passphrase_header_is_the_sdks_published_hmac() {
        // KC-API-PASSPHRASE is HMAC(secret, passphrase): with the SDK test's secret and
        // `test_plain` as the passphrase it must be the SDK's published value.
        let signer = KucoinSigner::new(KucoinCredentials::new("k", SDK_SECRET, SDK_PLAIN).unwrap())
            .with_timestamp_source(Arc::new(FixedTimestamp::new(TIME)));
        let mut request = HttpRequest::new(
            &HISTORY_BY_ID,
            String::new(),
            "/api/v1/withdrawals/1".into(),
            Vec::new(),
            Body::empty(),
        );
        signer.sign(&mut request).unwrap();
        assert_eq!(
            header(&request.headers, "KC-API-PASSPHRASE"),
            Some(SDK_SIGNATURE)
        );
        assert_eq!(expected(SDK_SECRET, SDK_PLAIN), SDK_SIGNATURE);
    }

    #[test]
    fn get_signs_timestamp_method_and_path_with_query() {
        let mut request = HttpRequest::new(
            &HISTORY_BY_ID,
            "https://api.kucoin.com/api/v1/withdrawals?currency=USDT&status=PROCESSING".into(),
            "/api/v1/withdrawals?currency=USDT&status=PROCESSING".into(),
            Vec::new(),
            Body::empty(),
        );
        signer().sign(&mut request).unwrap();
        let expected: Vec<(String, String)> = [
            ("KC-API-KEY", API_KEY),
            (
                "KC-API-SIGN",
                "r4MRXRjW0lqqe5RkOUTKVblX0FSoPh9A3r2I9XlR5YA=",
            ),
            ("KC-API-TIMESTAMP", "1743147359000"),
            (
                "KC-API-PASSPHRASE",
                "QSKgC0/w6Qs+vvP5BamAfc5jzlweAAs62dd4VvlSwoQ=",
            ),
            ("KC-API-KEY-VERSION", "2"),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
        assert_eq!(request.headers, expected);
        assert_eq!(
            header(&request.headers, "KC-API-SIGN").unwrap(),
            self::expected(
                SECRET,
                "1743147359000GET/api/v1/withdrawals?currency=USDT&status=PROCESSING"
            )
        );
    }

    #[test]
    fn post_signs_the_body_as_sent_and_says_it_is_json() {
        let client = Client::new("https://api.kucoin.com", Arc::new(signer())).unwrap();
        let body = serde_json::json!({
            "currency": "USDT", "toAddress": "TKFRQXSDcY", "amount": "3", "withdrawType": "ADDRESS"
        });
        let prepared = client.prepare(&WITHDRAW, &body).unwrap();
        let sent = prepared.body_text();
        assert_eq!(
            header(&prepared.headers, "KC-API-SIGN").unwrap(),
            expected(
                SECRET,
                &format!("1743147359000POST/api/v3/withdrawals{sent}")
            )
        );
        assert_eq!(
            header(&prepared.headers, "Content-Type"),
            Some("application/json")
        );
    }

    #[test]
    fn public_operations_carry_no_kc_headers() {
        let client = Client::new("https://api.kucoin.com", Arc::new(signer())).unwrap();
        let prepared = client.prepare(&PUBLIC, &()).unwrap();
        assert!(
            !prepared.headers.iter().any(|(n, _)| n.starts_with("KC-")),
            "{:?}",
            prepared.headers
        );
    }

    #[test]
    fn the_clock_is_read_per_request() {
        let signer =
            KucoinSigner::new(KucoinCredentials::new(API_KEY, SECRET, PASSPHRASE).unwrap());
        let client = Client::new("https://api.kucoin.com", Arc::new(signer)).unwrap();
        let prepared = client.prepare(&HISTORY_BY_ID, &()).unwrap();
        let stamp: u64 = header(&prepared.headers, "KC-API-TIMESTAMP")
            .unwrap()
            .parse()
            .unwrap();
        assert!(SystemClock.now_millis().abs_diff(stamp) < 60_000, "{stamp}");
    }

    #[test]
    fn debug_never_shows_secrets() {
        let credentials = KucoinCredentials::new(API_KEY, SECRET, PASSPHRASE).unwrap();
        let signed = credentials.signed_passphrase.expose().to_owned();
        for debug in [format!("{credentials:?}"), format!("{:?}", signer())] {
            for secret in [SECRET, &SECRET[..8], PASSPHRASE, signed.as_str(), API_KEY] {
                assert!(!debug.contains(secret), "{debug}");
            }
            assert!(debug.contains("67e6…"), "{debug}");
        }
        let client = Client::new("https://api.kucoin.com", Arc::new(signer())).unwrap();
        let shown = format!(
            "{:?}",
            client
                .prepare(&HISTORY_BY_ID, &())
                .unwrap()
                .redacted()
                .0
                .headers
        );
        assert!(
            !shown.contains(&signed) && !shown.contains(API_KEY),
            "{shown}"
        );
    }

    #[test]
    fn credentials_are_checked() {
        let credentials =
            KucoinCredentials::new(" key\n", format!("{SECRET}\n"), " pass word ").unwrap();
        assert_eq!(credentials.api_key(), "key");
        assert_eq!(
            credentials.signed_passphrase.expose(),
            expected(SECRET, "pass word")
        );
        for (args, err) in [
            (("", SECRET, "pw"), CredentialsError::EmptyApiKey),
            (
                ("k\u{e9}y", SECRET, "pw"),
                CredentialsError::InvalidApiKey { position: 1 },
            ),
            (("key", " ", "pw"), CredentialsError::EmptySecret),
            (("key", SECRET, " "), CredentialsError::EmptyPassphrase),
        ] {
            assert_eq!(
                KucoinCredentials::new(args.0, args.1, args.2).unwrap_err(),
                err,
                "{args:?}"
            );
        }
    }

    fn decode<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, Error> {
        decode_with_retry_after(status, body, None)
    }

    fn decode_with_retry_after<T: DeserializeOwned>(
        status: u16,
        body: &str,
        retry_after: Option<&str>,
    ) -> Result<T, Error> {
        KucoinEnvelope::decode(&RawResponse {
            status,
            content_type: Some("application/json".into()),
            body: body.as_bytes().to_vec(),
            retry_after: retry_after.map(str::to_owned),
        })
    }

    fn kucoin(err: Error) -> KucoinError {
        match KucoinError::of(&err) {
            Some(e) => e.clone(),
            None => panic!("{err:?}"),
        }
    }

    #[test]
    fn success_gives_data_even_null() {
        let data: Option<String> = decode(200, r#"{"code":"200000","data":null}"#).unwrap();
        assert_eq!(data, None);
        let data: serde_json::Value = decode(
            200,
            r#"{"code":"200000","data":{"withdrawalId":"670deec84d64da0007d7c946"}}"#,
        )
        .unwrap();
        assert_eq!(data["withdrawalId"], "670deec84d64da0007d7c946");
    }

    #[test]
    fn gateway_errors_are_typed_and_keep_their_parts() {
        let body = r#"{"code":"400002","msg":"KC-API-TIMESTAMP Invalid"}"#;
        let err = decode::<serde_json::Value>(400, body).unwrap_err();
        assert_eq!(err.status(), Some(400));
        assert!(!err.is_transient());
        let e = kucoin(err);
        assert_eq!(
            (e.code.as_str(), e.message.as_str(), e.status, e.kind),
            (
                "400002",
                "KC-API-TIMESTAMP Invalid",
                400,
                KucoinErrorKind::InvalidTimestamp
            )
        );
        assert!(e.kind.is_authentication());
        assert_eq!(e.body_excerpt, body);
        assert_eq!(
            e.to_string(),
            "KuCoin refused the request (HTTP 400): code 400002: KC-API-TIMESTAMP Invalid"
        );
    }

    #[test]
    fn rate_limits_are_rate_limits() {
        let err =
            decode::<serde_json::Value>(429, r#"{"code":"429000","msg":"Too Many Requests"}"#)
                .unwrap_err();
        assert!(err.is_rate_limited() && err.is_transient() && !err.outcome_unknown());
        assert_eq!(kucoin(err).kind, KucoinErrorKind::TooManyRequests);
        // HTTP 429 with KuCoin's envelope but another code, and a bare 429, are rate limits too.
        let err = decode::<serde_json::Value>(429, r#"{"code":"400100","msg":"x"}"#).unwrap_err();
        assert!(err.is_rate_limited());
        let err = decode::<serde_json::Value>(429, "<html>Too Many</html>").unwrap_err();
        assert!(err.is_rate_limited(), "{err:?}");
        let err =
            decode::<serde_json::Value>(200, r#"{"code":"200002","msg":"busy"}"#).unwrap_err();
        assert!(err.is_rate_limited());
    }

    #[test]
    fn a_rate_limit_keeps_retry_after_when_the_reply_has_one() {
        let body = r#"{"code":"429000","msg":"Too Many Requests"}"#;
        let e =
            kucoin(decode_with_retry_after::<serde_json::Value>(429, body, Some("3")).unwrap_err());
        assert_eq!(
            (e.kind, e.retry_after.as_deref(), e.retry_after_seconds()),
            (KucoinErrorKind::TooManyRequests, Some("3"), Some(3))
        );
        assert!(e.to_string().ends_with("(Retry-After: 3)"), "{e}");
        let e = kucoin(decode::<serde_json::Value>(429, body).unwrap_err());
        assert_eq!(
            (e.retry_after.as_deref(), e.retry_after_seconds()),
            (None, None)
        );
    }

    #[test]
    fn unknown_code_is_other_but_kept_and_a_numeric_code_is_read() {
        let e = kucoin(
            decode::<serde_json::Value>(200, r#"{"code":"115999","msg":"New thing"}"#).unwrap_err(),
        );
        assert_eq!(e.kind, KucoinErrorKind::Other);
        assert_eq!(
            (e.code.as_str(), e.message.as_str()),
            ("115999", "New thing")
        );
        let e =
            kucoin(decode::<serde_json::Value>(401, r#"{"code":400005,"msg":null}"#).unwrap_err());
        assert_eq!(
            (e.kind, e.message.as_str(), e.status),
            (KucoinErrorKind::InvalidSignature, "", 401)
        );
        let e = kucoin(
            decode::<serde_json::Value>(200, r#"{"code":"500000","msg":"Internal Server Error"}"#)
                .unwrap_err(),
        );
        assert!(e.outcome_unknown() && e.is_retryable());
    }

    #[test]
    fn every_documented_code_maps_to_its_kind_and_back() {
        for (code, kind) in KINDS {
            assert_eq!(KucoinErrorKind::from_code(code), *kind);
            assert_eq!(kind.code(), Some(*code));
        }
        assert_eq!(KucoinErrorKind::Other.code(), None);
        let auth: Vec<&str> = KINDS
            .iter()
            .filter(|(_, k)| k.is_authentication())
            .map(|(c, _)| *c)
            .collect();
        assert_eq!(
            auth,
            ["400001", "400002", "400003", "400004", "400005", "400006", "400007"]
        );
    }

    #[test]
    fn generic_failures() {
        let err = decode::<serde_json::Value>(200, r#"{"code":"200000"}"#).unwrap_err();
        assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
        let err = decode::<serde_json::Value>(500, r#"{"code":"200000","data":null}"#).unwrap_err();
        assert!(matches!(err, Error::Http { status: 500, .. }), "{err:?}");
        let err = decode::<serde_json::Value>(200, "  ").unwrap_err();
        assert!(matches!(err, Error::EmptyBody { status: 200 }), "{err:?}");
    }

    #[test]
    fn a_repeated_key_is_refused_never_read_as_either_value() {
        use crate::envelope::testing::assert_repeated_key_refused;
        assert_repeated_key_refused::<KucoinEnvelope>(
            r#"{"code":"400100","msg":"x","code":"200000","data":null}"#,
            "code",
        );
        assert_repeated_key_refused::<KucoinEnvelope>(
            r#"{"code":"200000","data":{"status":"PROCESSING","status":"FAILURE"}}"#,
            "data.status",
        );
    }

    #[test]
    fn display_escapes_terminal_controls_and_keeps_the_raw_text() {
        use crate::envelope::testing::{assert_escaped, HOSTILE, HOSTILE_JSON};
        let body = format!(r#"{{"code":"400100","msg":"{HOSTILE_JSON}"}}"#);
        let err = decode::<serde_json::Value>(200, &body).unwrap_err();
        assert_eq!(
            kucoin(decode::<serde_json::Value>(200, &body).unwrap_err()).message,
            HOSTILE
        );
        assert_escaped(&err.to_string());
    }
}
