//! Binance spot and `/sapi` REST.
//!
//! - [`BinanceCredentials`]: the API key and its signing half: an HMAC secret (used as UTF-8
//!   text), or the private key of a self-generated Ed25519 or RSA key pair in PEM, checked up
//!   front.
//! - [`BinanceSigner`]: adds the header `X-MBX-APIKEY` and, on SIGNED endpoints (those whose
//!   operation declares the signer field `timestamp`), the query parameters `recvWindow` (only
//!   when set, see [`BinanceSigner::with_recv_window`]), `timestamp` (Unix ms) and, last,
//!   `signature` over Binance's "totalParams": the query string exactly as sent (without `?`)
//!   followed by the body bytes exactly as sent, no separator. HMAC keys sign with lowercase-hex
//!   HMAC-SHA256, Ed25519 keys with base64 Ed25519, RSA keys with base64 RSASSA-PKCS1-v1_5
//!   SHA-256; base64 signatures are percent-encoded in the query.
//! - [`BinanceEnvelope`]: a 2xx reply is the payload itself (no wrapper); an error is the HTTP
//!   status with `{"code":-1121,"msg":"Invalid symbol."}`, read into a [`BinanceError`]
//!   (carried as [`Error::Exchange`]); HTTP 429 and 418 are rate limits, with `Retry-After`.

use std::fmt;
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{MultipartSigner, SignatureEncoding, Signer as _};
use rsa::RsaPrivateKey;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::common::ApiKeyHint;
use super::common::{code_as_number, header_unsafe_position, hex_lower, loose_text, trim_owned};
use crate::digits::Digits;
use crate::envelope::Envelope;
use crate::envelope::{
    body_excerpt, decode_json, ensure_body, ensure_success, ensure_unique_keys, parse_failure,
};
use crate::error::{Error, ExchangeError};
use crate::escape::Escaped;
use crate::signer::{HttpRequest, SignError, Signer};
use crate::timestamp::{SystemClock, TimestampSource};
use crate::transport::RawResponse;

const SIGNER_NAME: &str = "Binance";

/// The header that carries the API key.
pub const API_KEY_HEADER: &str = "X-MBX-APIKEY";

/// The largest `recvWindow` Binance accepts, in ms.
pub const MAX_RECV_WINDOW: u64 = 60_000;

/// Why Binance credentials were refused. Messages never contain the secret, the private key, or
/// any part of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// The API key (first argument) is empty.
    #[error("the Binance API key (first argument) is empty")]
    EmptyApiKey,
    /// The API key cannot be sent as an HTTP header value.
    #[error(
        "the Binance API key (first argument) has a character that cannot go in an HTTP header, at position {position}"
    )]
    InvalidApiKey {
        /// The character position (0-based) of the first offending character.
        position: usize,
    },
    /// The secret or private key (second argument) is empty.
    #[error("the Binance API secret (second argument) is empty")]
    EmptySecret,
    /// The secret cannot key HMAC-SHA256 (HMAC takes any length; kept for safety).
    #[error("the Binance API secret (second argument) cannot be used as an HMAC-SHA256 key")]
    UnusableSecret,
    /// The text has no `-----BEGIN ...-----` line where a private key was expected.
    #[error(
        "the Binance private key (second argument) is not PEM text: expected a `-----BEGIN PRIVATE KEY-----` block"
    )]
    NotPem,
    /// A password-protected PKCS#8 key, which would need the password.
    #[error(
        "the Binance private key (second argument) is encrypted; decrypt it first (`openssl pkcs8 -in key.pem -out plain.pem`)"
    )]
    EncryptedPrivateKey,
    /// A public key where the private key belongs.
    #[error(
        "the Binance key (second argument) is a public key; the private key is needed to sign (the public one is what Binance is given)"
    )]
    PublicKeyGiven,
    /// A PEM block of another kind (an EC or OpenSSH key, a certificate).
    #[error(
        "the Binance private key (second argument) is a PEM `{label}` block, not `PRIVATE KEY` or `RSA PRIVATE KEY`"
    )]
    UnsupportedPem {
        /// The PEM label, or `unreadable` if it is not a plain upper-case label.
        label: String,
    },
    /// The PEM block holds neither an Ed25519 nor an RSA private key that can be read.
    #[error("the Binance private key (second argument) could not be read as {format}: {problem}")]
    InvalidPrivateKey {
        /// `PKCS#8 (Ed25519 or RSA)` or `PKCS#1 (RSA)`.
        format: &'static str,
        /// What the decoder objected to (structure, never key material).
        problem: String,
    },
}

/// The signing half of the credentials.
#[derive(Clone)]
enum Key {
    // Keyed once and cloned per request; the state is as good as the secret and is wiped on
    // drop (hmac's `zeroize` feature).
    Hmac(Hmac<Sha256>),
    // Shared, not cloned: both wipe their key material on drop.
    Ed25519(Arc<ed25519_dalek::SigningKey>),
    Rsa(Arc<SigningKey<Sha256>>),
}

impl Key {
    fn kind(&self) -> &'static str {
        match self {
            Key::Hmac(_) => "HMAC",
            Key::Ed25519(_) => "Ed25519",
            Key::Rsa(_) => "RSA",
        }
    }
}

/// A Binance API key and its HMAC secret, or Ed25519 or RSA private key.
#[derive(Clone)]
pub struct BinanceCredentials {
    api_key: String,
    key: Key,
}

impl BinanceCredentials {
    /// An HMAC key, the kind Binance generates: the secret is used as the UTF-8 text it is.
    ///
    /// Surrounding whitespace is ignored in both; anything else wrong is an error that names
    /// the argument but never repeats the secret.
    pub fn hmac(
        api_key: impl Into<String>,
        secret: impl AsRef<str>,
    ) -> Result<BinanceCredentials, CredentialsError> {
        let api_key = check_api_key(api_key.into())?;
        let secret = secret.as_ref().trim();
        if secret.is_empty() {
            return Err(CredentialsError::EmptySecret);
        }
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
            .map_err(|_| CredentialsError::UnusableSecret)?;
        Ok(BinanceCredentials {
            api_key,
            key: Key::Hmac(mac),
        })
    }

    /// A self-generated key pair: `private_key_pem` is the private key as PKCS#8 PEM
    /// (`-----BEGIN PRIVATE KEY-----`, what Binance's key generator and `openssl genpkey` write),
    /// Ed25519 or RSA; an RSA key in PKCS#1 (`-----BEGIN RSA PRIVATE KEY-----`) is read too.
    ///
    /// Line breaks written as `\n` (as keys kept in environment variables often are) are
    /// understood. Errors say what is wrong with the text without repeating any of it.
    pub fn private_key(
        api_key: impl Into<String>,
        private_key_pem: impl AsRef<str>,
    ) -> Result<BinanceCredentials, CredentialsError> {
        let api_key = check_api_key(api_key.into())?;
        let key = parse_private_key(private_key_pem.as_ref())?;
        Ok(BinanceCredentials { api_key, key })
    }

    /// [`BinanceCredentials::private_key`] when `secret` is PEM text (starts with
    /// `-----BEGIN`), [`BinanceCredentials::hmac`] otherwise: how `BINANCE_API_SECRET` is read,
    /// since an HMAC secret (64 letters and digits) never looks like PEM.
    pub fn from_secret(
        api_key: impl Into<String>,
        secret: impl AsRef<str>,
    ) -> Result<BinanceCredentials, CredentialsError> {
        let secret = secret.as_ref();
        if looks_like_pem(secret) {
            BinanceCredentials::private_key(api_key, secret)
        } else {
            BinanceCredentials::hmac(api_key, secret)
        }
    }

    /// The public API key.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// `HMAC`, `Ed25519` or `RSA`.
    pub fn kind(&self) -> &'static str {
        self.key.kind()
    }
}

impl fmt::Debug for BinanceCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BinanceCredentials")
            .field("api_key", &ApiKeyHint(&self.api_key))
            .field("kind", &self.key.kind())
            .field("secret", &format_args!("[redacted]"))
            .finish()
    }
}

fn looks_like_pem(text: &str) -> bool {
    text.trim_start().starts_with("-----BEGIN")
}

fn check_api_key(api_key: String) -> Result<String, CredentialsError> {
    let api_key = trim_owned(api_key);
    if api_key.is_empty() {
        return Err(CredentialsError::EmptyApiKey);
    }
    if let Some(position) = header_unsafe_position(&api_key) {
        return Err(CredentialsError::InvalidApiKey { position });
    }
    Ok(api_key)
}

fn parse_private_key(pem: &str) -> Result<Key, CredentialsError> {
    let text = pem.trim();
    if text.is_empty() {
        return Err(CredentialsError::EmptySecret);
    }
    // A copy only when needed, and wiped afterwards: it is the key.
    let unescaped: Zeroizing<String>;
    let text = if !text.contains('\n') && text.contains("\\n") {
        unescaped = Zeroizing::new(text.replace("\\r\\n", "\n").replace("\\n", "\n"));
        unescaped.as_str()
    } else {
        text
    };
    const BEGIN: &str = "-----BEGIN ";
    let start = text.find(BEGIN).ok_or(CredentialsError::NotPem)?;
    let block = text.get(start..).unwrap_or_default();
    let label = block
        .get(BEGIN.len()..)
        .and_then(|rest| rest.split_once("-----"))
        .map(|(label, _)| label)
        .ok_or(CredentialsError::NotPem)?;
    match label {
        "PRIVATE KEY" => {
            // PKCS#8 names its algorithm inside; each decoder refuses the other's OID, so
            // trying Ed25519 first costs nothing for an RSA key.
            if let Ok(key) = ed25519_dalek::SigningKey::from_pkcs8_pem(block) {
                return Ok(Key::Ed25519(Arc::new(key)));
            }
            RsaPrivateKey::from_pkcs8_pem(block)
                .map(|key| Key::Rsa(Arc::new(SigningKey::<Sha256>::new(key))))
                .map_err(|e| CredentialsError::InvalidPrivateKey {
                    format: "PKCS#8 (Ed25519 or RSA)",
                    problem: e.to_string(),
                })
        }
        "RSA PRIVATE KEY" => RsaPrivateKey::from_pkcs1_pem(block)
            .map(|key| Key::Rsa(Arc::new(SigningKey::<Sha256>::new(key))))
            .map_err(|e| CredentialsError::InvalidPrivateKey {
                format: "PKCS#1 (RSA)",
                problem: e.to_string(),
            }),
        "ENCRYPTED PRIVATE KEY" => Err(CredentialsError::EncryptedPrivateKey),
        "PUBLIC KEY" | "RSA PUBLIC KEY" => Err(CredentialsError::PublicKeyGiven),
        other => {
            // A label is not secret, but this text was meant to be one: show it only if it
            // looks like a label.
            let plain = other.len() <= 40
                && other
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b == b' ' || b.is_ascii_digit());
            Err(CredentialsError::UnsupportedPem {
                label: if plain { other } else { "unreadable" }.to_owned(),
            })
        }
    }
}

/// Signs Binance requests with the current time. Clones share the clock and the key.
#[derive(Clone)]
pub struct BinanceSigner {
    api_key: Arc<str>,
    key: Key,
    recv_window: Option<u64>,
    clock: Arc<dyn TimestampSource>,
}

impl BinanceSigner {
    /// A signer that sends no `recvWindow` (Binance then applies its default, 5000 ms), timed by
    /// the [`SystemClock`].
    pub fn new(credentials: BinanceCredentials) -> BinanceSigner {
        BinanceSigner {
            api_key: Arc::from(credentials.api_key),
            key: credentials.key,
            recv_window: None,
            clock: Arc::new(SystemClock),
        }
    }

    /// Sends `recvWindow=millis` (at most [`MAX_RECV_WINDOW`]; Binance refuses more) on
    /// operations that declare it: Binance accepts a request while
    /// `timestamp < server_time + 1000` and `server_time - timestamp <= recvWindow`. A larger
    /// window tolerates a slower network or a clock running behind, at the cost of a longer
    /// replay window; Binance advises 5000 or less.
    pub fn with_recv_window(mut self, millis: u64) -> BinanceSigner {
        self.recv_window = Some(millis);
        self
    }

    /// Takes the time from `clock` instead, e.g. a [`crate::FixedTimestamp`] for reproducible
    /// output.
    pub fn with_timestamp_source(mut self, clock: Arc<dyn TimestampSource>) -> BinanceSigner {
        self.clock = clock;
        self
    }

    /// The signature of `payload` (totalParams) as Binance wants it before percent-encoding.
    fn signature(&self, request: &HttpRequest, payload: [&[u8]; 2]) -> Result<String, SignError> {
        let failed = || SignError::SignatureFailed {
            operation: request.operation.id,
            signer: SIGNER_NAME,
        };
        Ok(match &self.key {
            Key::Hmac(key) => {
                let mut mac = key.clone();
                for part in payload {
                    mac.update(part);
                }
                hex_lower(&mac.finalize().into_bytes())
            }
            // Ed25519 hashes the message twice, so it needs it whole.
            Key::Ed25519(key) => {
                let message = [payload[0], payload[1]].concat();
                let signature = key.try_sign(&message).map_err(|_| failed())?;
                STANDARD.encode(signature.to_bytes())
            }
            Key::Rsa(key) => key
                .try_multipart_sign(&payload)
                .map(|signature| STANDARD.encode(signature.to_bytes()))
                .map_err(|_| failed())?,
        })
    }
}

impl fmt::Debug for BinanceSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BinanceSigner")
            .field("api_key", &ApiKeyHint(&self.api_key))
            .field("kind", &self.key.kind())
            .field("secret", &format_args!("[redacted]"))
            .field("recv_window", &self.recv_window)
            .field("clock", &self.clock)
            .finish()
    }
}

impl Signer for BinanceSigner {
    fn sign(&self, request: &mut HttpRequest) -> Result<(), SignError> {
        let operation = request.operation;
        request.push_credential_header(API_KEY_HEADER, self.api_key.to_string());
        // USER_STREAM and MARKET_DATA endpoints take the key alone: their operations declare
        // no `timestamp` for the signer to fill in.
        if operation.signer_field("timestamp").is_none() {
            return Ok(());
        }
        if operation.signer_field("signature").is_none() {
            return Err(SignError::MissingSignerField {
                operation: operation.id,
                field: "signature",
                signer: SIGNER_NAME,
            });
        }
        if let (Some(window), Some(_)) = (self.recv_window, operation.signer_field("recvWindow")) {
            request.push_query("recvWindow", Digits::new(window).as_str());
        }
        request.push_query("timestamp", Digits::new(self.clock.now_millis()).as_str());
        // totalParams: the query as it goes on the request line, then the body, unseparated.
        let query = request
            .path_and_query
            .split_once('?')
            .map_or("", |(_, query)| query);
        let signature = self.signature(request, [query.as_bytes(), request.body.as_bytes()])?;
        request.push_query("signature", &signature);
        Ok(())
    }
}

/// The documented Binance error codes (and HTTP statuses) that callers act on, for matching
/// without comparing numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BinanceErrorKind {
    /// `-1000`: an unknown error occurred while processing the request.
    Unknown,
    /// `-1001`: internal error; unable to process the request. Try again.
    Disconnected,
    /// `-1002`: not authorized to execute this request.
    Unauthorized,
    /// `-1003` (with HTTP 429): too many requests; the IP's request weight is used up.
    TooManyRequests,
    /// `-1006`: an unexpected response came from the message bus; execution status unknown.
    UnexpectedResponse,
    /// `-1007`: timeout waiting for the backend; send status unknown, execution status unknown.
    Timeout,
    /// `-1008`: the server is busy; try again.
    ServerBusy,
    /// `-1021`: the timestamp is outside `recvWindow`, or more than 1000 ms ahead of the
    /// server's clock (check the clock, or widen the window with
    /// [`BinanceSigner::with_recv_window`]).
    TimestampOutsideRecvWindow,
    /// `-1022`: the signature is not valid.
    InvalidSignature,
    /// `-1102`: a mandatory parameter was not sent, was empty or malformed.
    MandatoryParamMissing,
    /// `-1121`: invalid symbol.
    InvalidSymbol,
    /// `-2014`: the API key's format is invalid.
    BadApiKeyFormat,
    /// `-2015`: invalid API key, IP, or permissions for the action.
    RejectedApiKey,
    /// HTTP 418: the IP is banned for continuing to send after a 429 (`Retry-After` says until
    /// when).
    IpBanned,
    /// HTTP 429 without a Binance code: a rate limit (`Retry-After` says how long to wait).
    RateLimited,
    /// Any other code; [`BinanceError::code`] and [`BinanceError::message`] still say what it
    /// was.
    Other,
}

const KINDS: &[(i64, BinanceErrorKind)] = &[
    (-1000, BinanceErrorKind::Unknown),
    (-1001, BinanceErrorKind::Disconnected),
    (-1002, BinanceErrorKind::Unauthorized),
    (-1003, BinanceErrorKind::TooManyRequests),
    (-1006, BinanceErrorKind::UnexpectedResponse),
    (-1007, BinanceErrorKind::Timeout),
    (-1008, BinanceErrorKind::ServerBusy),
    (-1021, BinanceErrorKind::TimestampOutsideRecvWindow),
    (-1022, BinanceErrorKind::InvalidSignature),
    (-1102, BinanceErrorKind::MandatoryParamMissing),
    (-1121, BinanceErrorKind::InvalidSymbol),
    (-2014, BinanceErrorKind::BadApiKeyFormat),
    (-2015, BinanceErrorKind::RejectedApiKey),
];

impl BinanceErrorKind {
    /// The kind of a Binance `code`, [`BinanceErrorKind::Other`] if it is not one named here.
    pub fn from_code(code: i64) -> BinanceErrorKind {
        KINDS
            .iter()
            .find(|(c, _)| *c == code)
            .map_or(BinanceErrorKind::Other, |(_, kind)| *kind)
    }

    /// The code this kind stands for, `None` for the kinds named after an HTTP status and
    /// [`BinanceErrorKind::Other`].
    pub fn code(self) -> Option<i64> {
        KINDS.iter().find(|(_, k)| *k == self).map(|(c, _)| *c)
    }

    /// The kind of a reply: HTTP 418 is an IP ban whatever the body says; otherwise the code's
    /// kind, and a 429 that carries no known code is a rate limit.
    fn of(status: u16, code: Option<i64>) -> BinanceErrorKind {
        let by_code = code.map_or(BinanceErrorKind::Other, BinanceErrorKind::from_code);
        match status {
            418 => BinanceErrorKind::IpBanned,
            429 if by_code == BinanceErrorKind::Other => BinanceErrorKind::RateLimited,
            _ => by_code,
        }
    }
}

/// Binance refused the request: a non-2xx reply (with `{"code":..,"msg":..}` when Binance
/// wrote one), or a 2xx reply carrying a negative `code`.
///
/// It reaches callers as [`Error::Exchange`]; [`BinanceError::of`] finds it in an [`Error`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BinanceError {
    /// The `code` (negative), `None` when the reply had none (a bare 429 or 418).
    pub code: Option<i64>,
    /// The `msg`, empty if there was none.
    pub message: String,
    /// The HTTP status (400 for most request errors, 401 for key errors, 429/418 for limits).
    pub status: u16,
    /// Which documented error this is.
    pub kind: BinanceErrorKind,
    /// The `Retry-After` header as sent (seconds to wait, on 429 and 418), if any.
    pub retry_after: Option<String>,
    /// The first bytes of the body.
    pub body_excerpt: String,
}

impl BinanceError {
    /// The Binance error inside `error`, if it is one.
    pub fn of(error: &Error) -> Option<&BinanceError> {
        match error {
            Error::Exchange(e) => e.downcast_ref(),
            _ => None,
        }
    }

    /// `Retry-After` as a number of seconds, when it is one.
    pub fn retry_after_seconds(&self) -> Option<u64> {
        self.retry_after.as_deref()?.trim().parse().ok()
    }

    /// Whether a rate limit refused the request: `-1003`, HTTP 429, or an IP ban (418). Wait
    /// [`BinanceError::retry_after_seconds`] before sending anything again: Binance bans an IP
    /// that goes on after a 429, for longer each time.
    pub fn is_rate_limited(&self) -> bool {
        matches!(
            self.kind,
            BinanceErrorKind::TooManyRequests
                | BinanceErrorKind::IpBanned
                | BinanceErrorKind::RateLimited
        ) || matches!(self.status, 418 | 429)
    }

    /// Whether the request may have taken effect despite the error: Binance says so of `-1006`
    /// and `-1007` ("execution status unknown"), and of any 5xx. Check (e.g. the withdrawal
    /// history) before sending it again.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self.kind,
            BinanceErrorKind::UnexpectedResponse | BinanceErrorKind::Timeout
        ) || self.status >= 500
    }

    /// Whether sending the request again, after a pause, may succeed without changing
    /// anything: service-side trouble only.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            BinanceErrorKind::Disconnected
                | BinanceErrorKind::ServerBusy
                | BinanceErrorKind::UnexpectedResponse
                | BinanceErrorKind::Timeout
        )
    }
}

impl fmt::Display for BinanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Binance refused the request (HTTP {})", self.status)?;
        if let Some(code) = self.code {
            write!(f, ": code {code}")?;
        }
        if !self.message.trim().is_empty() {
            // The exchange's words, escaped so they cannot drive the terminal.
            write!(f, ": {}", Escaped(&self.message))?;
        }
        if let Some(after) = &self.retry_after {
            write!(f, " (Retry-After: {})", Escaped(after))?;
        }
        Ok(())
    }
}

impl std::error::Error for BinanceError {}

impl crate::error::ExchangeFailure for BinanceError {
    fn status(&self) -> u16 {
        self.status
    }
    fn is_rate_limited(&self) -> bool {
        BinanceError::is_rate_limited(self)
    }
    fn outcome_unknown(&self) -> bool {
        BinanceError::outcome_unknown(self)
    }
    fn is_retryable(&self) -> bool {
        BinanceError::is_retryable(self)
    }
}

/// Decodes Binance replies: a 2xx reply is the payload as it is; a non-2xx reply is a
/// [`BinanceError`] when it is Binance's `{"code","msg"}` or a rate limit (429, 418, whatever
/// the body), and otherwise the generic [`Error::Http`] / [`Error::NotJson`]. A 2xx object with
/// a negative integer `code` and a `msg` is an error too (Binance's codes are all negative; no
/// payload uses that shape).
#[derive(Debug, Clone, Copy, Default)]
pub struct BinanceEnvelope;

#[derive(Deserialize)]
struct Head {
    #[serde(default, deserialize_with = "code_as_number")]
    code: Option<i64>,
    #[serde(default, deserialize_with = "loose_text")]
    msg: Option<String>,
}

impl Envelope for BinanceEnvelope {
    fn decode<T: DeserializeOwned>(response: &RawResponse) -> Result<T, Error> {
        let limited = matches!(response.status, 418 | 429);
        if limited && response.body.iter().all(u8::is_ascii_whitespace) {
            return Err(binance_error(None, None, response));
        }
        ensure_body(response)?;
        ensure_unique_keys(response)?;
        let head = serde_json::from_slice::<Head>(&response.body).ok();
        let success = (200..300).contains(&response.status);
        match head {
            Some(Head {
                code: Some(code),
                msg: Some(msg),
            }) if !success || code < 0 => {
                return Err(binance_error(Some(code), Some(msg), response))
            }
            Some(Head { code, msg }) if !success && (code.is_some() || limited) => {
                return Err(binance_error(code, msg, response))
            }
            _ if limited => return Err(binance_error(None, None, response)),
            _ => {}
        }
        match decode_json::<T>(&response.body) {
            Ok(payload) => {
                ensure_success(response)?;
                Ok(payload)
            }
            Err(e) => Err(parse_failure(response, e)),
        }
    }
}

fn binance_error(code: Option<i64>, message: Option<String>, response: &RawResponse) -> Error {
    Error::Exchange(ExchangeError(Box::new(BinanceError {
        kind: BinanceErrorKind::of(response.status, code),
        code,
        message: message.unwrap_or_default(),
        status: response.status,
        retry_after: response.retry_after.clone(),
        body_excerpt: body_excerpt(&response.body),
    })))
}

/// `signing: binance`.
pub(crate) static SIGNING: crate::registry::SigningScheme = crate::registry::SigningScheme::new(
    "binance",
    "X-MBX-APIKEY, and timestamp + signature query parameters: HMAC-SHA256 (hex), Ed25519 or RSA (base64) over query and body",
    "::xgen_runtime::binance::BinanceSigner",
    crate::registry::Credentials::Fixed(&[
        ("API_KEY", "the API key"),
        (
            "API_SECRET",
            "the HMAC secret, or an Ed25519 or RSA private key in PEM",
        ),
    ]),
    crate::registry::Clock::Timestamp,
    build_signer,
)
// USER_STREAM and MARKET_DATA endpoints take the API key alone; some SIGNED ones no recvWindow.
.fields_where_declared();

fn build_signer(
    given: &crate::registry::Given<'_>,
) -> Result<Arc<dyn Signer>, crate::registry::SetupError> {
    let credentials =
        BinanceCredentials::from_secret(given.value("API_KEY"), given.value("API_SECRET"))
            .map_err(|e| match e {
                CredentialsError::EmptyApiKey | CredentialsError::InvalidApiKey { .. } => {
                    given.invalid("API_KEY", e)
                }
                _ => given.invalid("API_SECRET", e),
            })?;
    let mut signer = BinanceSigner::new(credentials);
    if let Some(clock) = &given.timestamp {
        signer = signer.with_timestamp_source(clock.clone());
    }
    Ok(Arc::new(signer))
}

/// `envelope: binance`.
pub(crate) static ENVELOPE: crate::registry::Envelope = crate::registry::Envelope::new(
    "binance",
    r#"the payload as it is; errors are the HTTP status with {"code": -1121, "msg": "..."}"#,
    "::xgen_runtime::binance::BinanceEnvelope",
    None,
    <BinanceEnvelope as Envelope>::decode::<serde_json::Value>,
);

#[cfg(test)]
mod tests;
