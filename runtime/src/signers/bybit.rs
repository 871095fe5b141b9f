//! Bybit v5 REST.
//!
//! - [`BybitCredentials`]: the API key and either the HMAC secret (used as UTF-8 text) or the
//!   RSA private key of a self-generated key pair (PKCS#1 or PKCS#8 PEM), checked up front.
//! - [`BybitSigner`]: adds `X-BAPI-API-KEY` / `-TIMESTAMP` / `-SIGN` / `-RECV-WINDOW` /
//!   `-SIGN-TYPE`, signing `timestamp || api_key || recv_window || payload`, where the payload is
//!   the query string exactly as sent (without `?`) for GET and the body bytes otherwise. HMAC
//!   keys sign with lowercase-hex HMAC-SHA256, RSA keys with base64 RSASSA-PKCS1-v1_5 SHA-256.
//! - [`BybitEnvelope`]: reads `{"retCode":0,"retMsg":"OK","result":{...},...}` into `result` or
//!   a [`BybitError`].

use std::fmt;
use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{MultipartSigner, SignatureEncoding};
use rsa::RsaPrivateKey;
use serde::de::{self, DeserializeOwned, Deserializer};
use serde::Deserialize;
use sha2::Sha256;
use zeroize::Zeroizing;

use super::common::ApiKeyHint;
use super::common::{code_as_number, header_unsafe_position, hex_lower, loose_text, trim_owned};
use crate::digits::Digits;
use crate::envelope::{
    body_excerpt, decode_json, ensure_body, ensure_success, ensure_unique_keys, parse_failure,
    Envelope,
};
use crate::error::Error;
use crate::escape::Escaped;
use crate::operation::Method;
use crate::signer::{HttpRequest, SignError, Signer};
use crate::timestamp::{SystemClock, TimestampSource};
use crate::transport::RawResponse;

const SIGNER_NAME: &str = "Bybit";

/// Bybit's default receive window, in milliseconds.
pub const DEFAULT_RECV_WINDOW: u64 = 5000;

/// Why Bybit credentials were refused. Messages never contain the secret, the private key, or
/// any part of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// The API key (first argument) is empty.
    #[error("the Bybit API key (first argument) is empty")]
    EmptyApiKey,
    /// The API key cannot be sent as an HTTP header value.
    #[error(
        "the Bybit API key (first argument) has a character that cannot go in an HTTP header, at position {position}"
    )]
    InvalidApiKey {
        /// The character position (0-based) of the first offending character.
        position: usize,
    },
    /// The HMAC secret (second argument) is empty.
    #[error("the Bybit API secret (second argument) is empty")]
    EmptySecret,
    /// The secret cannot key HMAC-SHA256 (HMAC takes any length; kept for safety).
    #[error("the Bybit API secret (second argument) cannot be used as an HMAC-SHA256 key")]
    UnusableSecret,
    /// The RSA private key (second argument) is empty.
    #[error("the Bybit RSA private key (second argument) is empty")]
    EmptyPrivateKey,
    /// The text has no `-----BEGIN ...-----` line.
    #[error(
        "the Bybit RSA private key (second argument) is not PEM text: expected a `-----BEGIN PRIVATE KEY-----` or `-----BEGIN RSA PRIVATE KEY-----` block"
    )]
    NotPem,
    /// A password-protected PKCS#8 key, which would need the password.
    #[error(
        "the Bybit RSA private key (second argument) is encrypted; decrypt it first (`openssl pkcs8 -in key.pem -out plain.pem`)"
    )]
    EncryptedPrivateKey,
    /// A public key where the private key belongs.
    #[error(
        "the Bybit RSA key (second argument) is a public key; the private key is needed to sign (the public one is what Bybit is given)"
    )]
    PublicKeyGiven,
    /// A PEM block of another kind (an EC or OpenSSH key, a certificate).
    #[error(
        "the Bybit RSA private key (second argument) is a PEM `{label}` block, not `PRIVATE KEY` or `RSA PRIVATE KEY`"
    )]
    UnsupportedPem {
        /// The PEM label, or `unreadable` if it is not a plain upper-case label.
        label: String,
    },
    /// The PEM block does not hold a usable RSA private key.
    #[error(
        "the Bybit RSA private key (second argument) could not be read as {format}: {problem}"
    )]
    InvalidPrivateKey {
        /// `PKCS#8` or `PKCS#1`.
        format: &'static str,
        /// What the decoder objected to (structure and positions, never key material).
        problem: String,
    },
}

/// The signing half of the credentials.
#[derive(Clone)]
enum Key {
    // Keyed once and cloned per request, which saves hashing the key every time; the state is
    // as good as the secret and is wiped on drop.
    Hmac(Hmac<Sha256>),
    // Shared, not cloned: the key holds several big integers, and `SigningKey` wipes them on
    // drop.
    Rsa(Arc<SigningKey<Sha256>>),
}

impl Key {
    fn kind(&self) -> &'static str {
        match self {
            Key::Hmac(_) => "HMAC",
            Key::Rsa(_) => "RSA",
        }
    }
}

/// A Bybit API key and its HMAC secret or RSA private key.
#[derive(Clone)]
pub struct BybitCredentials {
    api_key: String,
    key: Key,
}

impl BybitCredentials {
    /// A system-generated key: the secret is used as the UTF-8 text it is (not decoded).
    ///
    /// Surrounding whitespace is ignored in both; anything else wrong is an error that names
    /// the argument but never repeats the secret.
    pub fn hmac(
        api_key: impl Into<String>,
        secret: impl AsRef<str>,
    ) -> Result<BybitCredentials, CredentialsError> {
        let api_key = check_api_key(api_key.into())?;
        let secret = secret.as_ref().trim();
        if secret.is_empty() {
            return Err(CredentialsError::EmptySecret);
        }
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
            .map_err(|_| CredentialsError::UnusableSecret)?;
        Ok(BybitCredentials {
            api_key,
            key: Key::Hmac(mac),
        })
    }

    /// A self-generated RSA key: `private_key_pem` is the private key as PKCS#8
    /// (`-----BEGIN PRIVATE KEY-----`) or PKCS#1 (`-----BEGIN RSA PRIVATE KEY-----`) PEM.
    ///
    /// Line breaks written as `\n` (as keys kept in environment variables or JSON often are)
    /// are understood. Errors say what is wrong with the text without repeating any of it.
    pub fn rsa(
        api_key: impl Into<String>,
        private_key_pem: impl AsRef<str>,
    ) -> Result<BybitCredentials, CredentialsError> {
        let api_key = check_api_key(api_key.into())?;
        let key = parse_private_key(private_key_pem.as_ref())?;
        Ok(BybitCredentials {
            api_key,
            key: Key::Rsa(Arc::new(SigningKey::<Sha256>::new(key))),
        })
    }

    /// The public API key.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }
}

impl fmt::Debug for BybitCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BybitCredentials")
            .field("api_key", &ApiKeyHint(&self.api_key))
            .field("kind", &self.key.kind())
            .field("secret", &format_args!("[redacted]"))
            .finish()
    }
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

fn parse_private_key(pem: &str) -> Result<RsaPrivateKey, CredentialsError> {
    let text = pem.trim();
    if text.is_empty() {
        return Err(CredentialsError::EmptyPrivateKey);
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
    // Text before the block (openssl's "Bag Attributes", a comment) is allowed by RFC 7468 but
    // not by the decoder.
    let block = text.get(start..).unwrap_or_default();
    let label = block
        .get(BEGIN.len()..)
        .and_then(|rest| rest.split_once("-----"))
        .map(|(label, _)| label)
        .ok_or(CredentialsError::NotPem)?;
    let invalid = |format: &'static str| {
        move |problem: String| CredentialsError::InvalidPrivateKey { format, problem }
    };
    match label {
        "PRIVATE KEY" => {
            RsaPrivateKey::from_pkcs8_pem(block).map_err(|e| invalid("PKCS#8")(e.to_string()))
        }
        "RSA PRIVATE KEY" => {
            RsaPrivateKey::from_pkcs1_pem(block).map_err(|e| invalid("PKCS#1")(e.to_string()))
        }
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

/// Signs Bybit requests with the current time. Clones share the clock and the key.
#[derive(Clone)]
pub struct BybitSigner {
    api_key: Arc<str>,
    key: Key,
    recv_window: u64,
    clock: Arc<dyn TimestampSource>,
}

impl BybitSigner {
    /// A signer with the default 5000 ms receive window, timed by the [`SystemClock`].
    pub fn new(credentials: BybitCredentials) -> BybitSigner {
        BybitSigner {
            api_key: Arc::from(credentials.api_key),
            key: credentials.key,
            recv_window: DEFAULT_RECV_WINDOW,
            clock: Arc::new(SystemClock),
        }
    }

    /// How long after its timestamp (in ms) Bybit may still accept a request. Bybit accepts a
    /// request when `server_time - recv_window <= timestamp < server_time + 1000`; a larger
    /// window tolerates a slower network or a clock running behind, at the cost of a longer
    /// replay window.
    pub fn with_recv_window(mut self, millis: u64) -> BybitSigner {
        self.recv_window = millis;
        self
    }

    /// Takes the time from `clock` instead, e.g. a [`crate::FixedTimestamp`] for reproducible
    /// output.
    pub fn with_timestamp_source(mut self, clock: Arc<dyn TimestampSource>) -> BybitSigner {
        self.clock = clock;
        self
    }
}

impl fmt::Debug for BybitSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BybitSigner")
            .field("api_key", &ApiKeyHint(&self.api_key))
            .field("kind", &self.key.kind())
            .field("secret", &format_args!("[redacted]"))
            .field("recv_window", &self.recv_window)
            .field("clock", &self.clock)
            .finish()
    }
}

/// The four pieces Bybit signs, in order; their concatenation is the documented prehash.
fn prehash_parts<'a>(
    timestamp: &'a Digits,
    api_key: &'a str,
    recv_window: &'a Digits,
    request: &'a HttpRequest,
) -> [&'a [u8]; 4] {
    let payload = if request.method == Method::Get {
        // The query as it goes on the request line. Signing the caller's parameters instead
        // would break as soon as their order or escaping differed from what is sent.
        request
            .path_and_query
            .split_once('?')
            .map_or(&b""[..], |(_, query)| query.as_bytes())
    } else {
        request.body.as_bytes()
    };
    [
        timestamp.as_bytes(),
        api_key.as_bytes(),
        recv_window.as_bytes(),
        payload,
    ]
}

impl Signer for BybitSigner {
    fn sign(&self, request: &mut HttpRequest) -> Result<(), SignError> {
        let timestamp = Digits::new(self.clock.now_millis());
        let recv_window = Digits::new(self.recv_window);
        let parts = prehash_parts(&timestamp, &self.api_key, &recv_window, request);
        let signature = match &self.key {
            Key::Hmac(key) => {
                let mut mac = key.clone();
                for part in parts {
                    mac.update(part);
                }
                hex_lower(&mac.finalize().into_bytes())
            }
            // Fed in pieces, so the prehash is never assembled in memory.
            Key::Rsa(key) => key
                .try_multipart_sign(&parts)
                .map(|signature| STANDARD.encode(signature.to_bytes()))
                .map_err(|_| SignError::SignatureFailed {
                    operation: request.operation.id,
                    signer: SIGNER_NAME,
                })?,
        };
        let content_type = request.body.content_type();
        let headers = &mut request.headers;
        headers.reserve(6);
        headers.push(("X-BAPI-API-KEY".to_owned(), self.api_key.to_string()));
        headers.push(("X-BAPI-TIMESTAMP".to_owned(), timestamp.as_str().to_owned()));
        headers.push(("X-BAPI-SIGN".to_owned(), signature));
        headers.push((
            "X-BAPI-RECV-WINDOW".to_owned(),
            recv_window.as_str().to_owned(),
        ));
        // "2" is what Bybit's own examples and pybit send for HMAC and RSA alike.
        headers.push(("X-BAPI-SIGN-TYPE".to_owned(), "2".to_owned()));
        if let Some(content_type) = content_type {
            headers.push(("Content-Type".to_owned(), content_type.to_owned()));
        }
        request.mark_credential_header("X-BAPI-API-KEY");
        Ok(())
    }
}

/// The documented Bybit `retCode`s, for matching without comparing numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BybitErrorKind {
    /// `10000`: server timeout. The outcome is unknown.
    ServerTimeout,
    /// `10001`: request parameter error.
    ParameterError,
    /// `10002`: the request time is outside the receive window (check the clock, or widen the
    /// window with [`BybitSigner::with_recv_window`]).
    OutsideRecvWindow,
    /// `10003`: the API key is invalid, or belongs to another environment (mainnet, testnet,
    /// demo).
    InvalidApiKey,
    /// `10004`: signature error.
    SignatureError,
    /// `10005`: permission denied for this key.
    PermissionDenied,
    /// `10006`: too many visits (the per-UID rate limit).
    TooManyVisits,
    /// `10007`: user authentication failed.
    AuthenticationFailed,
    /// `10008`: the user has been banned.
    UserBanned,
    /// `10009`: region restricted (older docs: IP banned).
    RegionRestricted,
    /// `10010`: the request IP is not one the key is bound to.
    UnmatchedIp,
    /// `10014`: invalid duplicate request.
    DuplicateRequest,
    /// `10016`: internal server error.
    ServerError,
    /// `10017`: route not found.
    RouteNotFound,
    /// `10018`: the IP rate limit was exceeded.
    IpRateLimitExceeded,
    /// `10024`: compliance rules triggered.
    ComplianceRulesTriggered,
    /// `10027`: transactions are banned.
    TransactionsBanned,
    /// `33004` or `-2015`: the API key has expired.
    ApiKeyExpired,
    /// `131001`: asset service ("openapi svc") error.
    AssetServiceError,
    /// `131002`: asset parameter error.
    AssetParameterError,
    /// `131003`: asset internal error.
    AssetInternalError,
    /// `131004`: KYC needed.
    KycNeeded,
    /// `131082`: "Do not repeat the request".
    DoNotRepeatRequest,
    /// `131099`: listed as "Hot wallet status can cancel the withdraw"; its meaning is unclear.
    HotWalletStatus,
    /// Any other code; [`BybitError::ret_code`] and [`BybitError::message`] still say what it
    /// was.
    Other,
}

const KINDS: &[(i64, BybitErrorKind)] = &[
    (10000, BybitErrorKind::ServerTimeout),
    (10001, BybitErrorKind::ParameterError),
    (10002, BybitErrorKind::OutsideRecvWindow),
    (10003, BybitErrorKind::InvalidApiKey),
    (10004, BybitErrorKind::SignatureError),
    (10005, BybitErrorKind::PermissionDenied),
    (10006, BybitErrorKind::TooManyVisits),
    (10007, BybitErrorKind::AuthenticationFailed),
    (10008, BybitErrorKind::UserBanned),
    (10009, BybitErrorKind::RegionRestricted),
    (10010, BybitErrorKind::UnmatchedIp),
    (10014, BybitErrorKind::DuplicateRequest),
    (10016, BybitErrorKind::ServerError),
    (10017, BybitErrorKind::RouteNotFound),
    (10018, BybitErrorKind::IpRateLimitExceeded),
    (10024, BybitErrorKind::ComplianceRulesTriggered),
    (10027, BybitErrorKind::TransactionsBanned),
    (33004, BybitErrorKind::ApiKeyExpired),
    (-2015, BybitErrorKind::ApiKeyExpired),
    (131001, BybitErrorKind::AssetServiceError),
    (131002, BybitErrorKind::AssetParameterError),
    (131003, BybitErrorKind::AssetInternalError),
    (131004, BybitErrorKind::KycNeeded),
    (131082, BybitErrorKind::DoNotRepeatRequest),
    (131099, BybitErrorKind::HotWalletStatus),
];

impl BybitErrorKind {
    /// The kind of a `retCode`, [`BybitErrorKind::Other`] if it is not one of the documented
    /// ones.
    pub fn from_code(ret_code: i64) -> BybitErrorKind {
        KINDS
            .iter()
            .find(|(c, _)| *c == ret_code)
            .map_or(BybitErrorKind::Other, |(_, kind)| *kind)
    }
}

/// Bybit answered with a non-zero `retCode`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BybitError {
    /// The `retCode` (Bybit sends a number).
    pub ret_code: i64,
    /// The `retMsg`, empty if there was none.
    pub message: String,
    /// The HTTP status (usually 200: Bybit reports errors in the body).
    pub status: u16,
    /// Which documented error this is.
    pub kind: BybitErrorKind,
    /// The first bytes of the body (`retExtInfo` sometimes says more).
    pub body_excerpt: String,
}

impl BybitError {
    /// Whether sending the request again, after a pause, may succeed without changing
    /// anything: server-side trouble only. Authentication and clock errors need a fix, rate
    /// limits a longer wait (see [`BybitError::is_rate_limited`]).
    ///
    /// This says nothing about whether the failed attempt had an effect; see
    /// [`BybitError::outcome_unknown`].
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            BybitErrorKind::ServerTimeout | BybitErrorKind::ServerError
        )
    }

    /// Whether a rate limit refused the request (`10006`, `10018`).
    pub fn is_rate_limited(&self) -> bool {
        matches!(
            self.kind,
            BybitErrorKind::TooManyVisits | BybitErrorKind::IpRateLimitExceeded
        )
    }

    /// Whether the request may have taken effect despite the error: a server timeout or
    /// internal error after the request reached Bybit. Bybit does not document this; it is
    /// assumed because assuming the opposite could send a withdrawal action twice. Check (e.g.
    /// the withdrawal records) before sending it again.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self.kind,
            BybitErrorKind::ServerTimeout | BybitErrorKind::ServerError
        )
    }
}

impl fmt::Display for BybitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Bybit refused the request (HTTP {}): retCode {}",
            self.status, self.ret_code
        )?;
        if !self.message.trim().is_empty() {
            // The exchange's words, escaped so they cannot drive the terminal.
            write!(f, ": {}", Escaped(&self.message))?;
        }
        Ok(())
    }
}

impl std::error::Error for BybitError {}

impl crate::error::ExchangeFailure for BybitError {
    fn status(&self) -> u16 {
        self.status
    }
    fn is_rate_limited(&self) -> bool {
        BybitError::is_rate_limited(self)
    }
    fn outcome_unknown(&self) -> bool {
        BybitError::outcome_unknown(self)
    }
    fn is_retryable(&self) -> bool {
        BybitError::is_retryable(self)
    }
}

/// Decodes Bybit replies. A `retCode` other than 0 makes the reply [`Error::Bybit`], whatever
/// the HTTP status and whatever `result` holds. Bybit's HTML 403 ("access too frequent") and
/// other proxy pages come out as [`Error::NotJson`] or [`Error::Http`].
#[derive(Debug, Clone, Copy, Default)]
pub struct BybitEnvelope;

#[derive(Deserialize)]
struct Reply<T> {
    #[serde(rename = "retCode", deserialize_with = "ret_code")]
    ret_code: i64,
    #[serde(rename = "retMsg", default, deserialize_with = "loose_text")]
    ret_msg: Option<String>,
    result: T,
}

#[derive(Deserialize)]
struct Head {
    #[serde(rename = "retCode", deserialize_with = "ret_code")]
    ret_code: i64,
    #[serde(rename = "retMsg", default, deserialize_with = "loose_text")]
    ret_msg: Option<String>,
}

fn ret_code<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    code_as_number(deserializer)?.ok_or_else(|| de::Error::custom("retCode is null"))
}

impl Envelope for BybitEnvelope {
    fn decode<T: DeserializeOwned>(response: &RawResponse) -> Result<T, Error> {
        ensure_body(response)?;
        ensure_unique_keys(response)?;
        // One pass on the usual path. Only when it fails (a `result` that does not fit `T`, as
        // on most errors where it is `{}` or null) is the body read again for the code alone.
        match decode_json::<Reply<T>>(&response.body) {
            Ok(reply) => {
                if reply.ret_code != 0 {
                    return Err(bybit_error(reply.ret_code, reply.ret_msg, response));
                }
                ensure_success(response)?;
                Ok(reply.result)
            }
            Err(first) => {
                if let Ok(head) = serde_json::from_slice::<Head>(&response.body) {
                    if head.ret_code != 0 {
                        return Err(bybit_error(head.ret_code, head.ret_msg, response));
                    }
                }
                Err(parse_failure(response, first))
            }
        }
    }
}

fn bybit_error(ret_code: i64, message: Option<String>, response: &RawResponse) -> Error {
    Error::Bybit(BybitError {
        ret_code,
        message: message.unwrap_or_default(),
        status: response.status,
        kind: BybitErrorKind::from_code(ret_code),
        body_excerpt: body_excerpt(&response.body),
    })
}

/// `signing: bybit`.
pub(crate) static SIGNING: crate::registry::SigningScheme = crate::registry::SigningScheme::new(
    "bybit",
    "X-BAPI-*: HMAC-SHA256 (hex) or RSA (base64) over timestamp, key, receive window and payload",
    "::xgen_runtime::bybit::BybitSigner",
    crate::registry::Credentials::Fixed(&[
        ("API_KEY", "the API key"),
        (
            "API_SECRET",
            "the HMAC secret, or an RSA private key in PEM",
        ),
    ]),
    crate::registry::Clock::Timestamp,
    build_signer,
);

fn build_signer(
    given: &crate::registry::Given<'_>,
) -> Result<Arc<dyn Signer>, crate::registry::SetupError> {
    let (key, secret) = (given.value("API_KEY"), given.value("API_SECRET"));
    // A PEM private key means a self-generated RSA key; anything else is an HMAC secret.
    let credentials = if secret.trim_start().starts_with("-----BEGIN") {
        BybitCredentials::rsa(key, secret)
    } else {
        BybitCredentials::hmac(key, secret)
    }
    .map_err(|e| match e {
        CredentialsError::EmptyApiKey | CredentialsError::InvalidApiKey { .. } => {
            given.invalid("API_KEY", e)
        }
        _ => given.invalid("API_SECRET", e),
    })?;
    let mut signer = BybitSigner::new(credentials);
    if let Some(clock) = &given.timestamp {
        signer = signer.with_timestamp_source(clock.clone());
    }
    Ok(Arc::new(signer))
}

/// `envelope: bybit`.
pub(crate) static ENVELOPE: crate::registry::Envelope = crate::registry::Envelope::new(
    "bybit",
    r#"{"retCode": 0, "retMsg": "OK", "result": {...}, "time": ...}; retCode other than 0 is a BybitError"#,
    "::xgen_runtime::bybit::BybitEnvelope",
    Some("result"),
    <BybitEnvelope as Envelope>::decode::<serde_json::Value>,
);

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::body::Body;
    use crate::operation::{BodyEncoding, Operation};
    use crate::{Client, FixedTimestamp};
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::pkcs8::DecodePublicKey;
    use rsa::signature::Verifier;

    // The docs' example inputs (signing-examples.json, `bybit-doc-*-prehash`), with the test
    // secret the expected signatures were computed with.
    pub(crate) const SECRET: &str = "bybit-test-secret-0123456789ABCDEFGHIJ";
    pub(crate) const API_KEY: &str = "XXXXXXXXXX";
    const GET_TIME: u64 = 1_658_384_314_791;
    const POST_TIME: u64 = 1_658_385_579_423;
    const GET_PREHASH: &str =
        "1658384314791XXXXXXXXXX5000category=option&symbol=BTC-29JUL22-25000-C";
    const POST_PREHASH: &str = r#"1658385579423XXXXXXXXXX5000{"category": "option"}"#;

    // A 2048-bit RSA key made for these tests with `openssl genrsa 2048` (and converted with
    // `openssl pkcs8 -topk8 -nocrypt`, `openssl rsa -traditional`, `openssl rsa -pubout`). It
    // protects nothing.
    pub(crate) const TEST_PKCS8_PEM: &str = "-----BEGIN PRIVATE KEY-----\n\
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDBl+Vp7HEZItDe\n\
r61gt5VoBwooB5kJRxSW+Jy5TVlsWdKjf9F8EUrXDp1ymliij26SoGh5myE/QARU\n\
xhqTYxWphM+sj7nbg7zJD9wVTOVt0MNGDIv85tV25BDEHEI7+KlmKX9jD+np9ktk\n\
wj+V181L02SUs1GQqks9IDqPb0oOVXI0XFdfqmr1xgRTcmbb09mnUtcsumoRvx6i\n\
x5TPXVLyUSKGrW7/yiInBa8/iIAdK3cud5EDP4aVgCTQotSen3Bw6hsIzUtEUYZM\n\
ZMKQHk82ehgvTXgXVMlQlQ1hT51qdsrH8JF3RtFcH5VyvuQum0OmwW5Qhx7cBi8P\n\
coWmEzF3AgMBAAECggEAOJR+VlDmVSRZy1uo3oWJQxgbnctqrM17dQxAMeArbIFs\n\
EKEAxrP/HY+F8MKveQNWm8AKCNCQDP5WxbgIeF8TK7JHR/XRqhh8in76IbeRrmC/\n\
Ua/FEisc5FyPkeF4cjKgv90NABTclqaHLnGfR9oEhE7KLLOj+RXsW3cZ5mXuTPWl\n\
2pranhiX67j4hOS051vkhaXNjNdVltwER3wNZ2VGCp+osK1E3lB4Biu16QEKKCcg\n\
aEF42FAuhu2j/qzk/Q4T8emn5uH/HTYTti4noIhOoKFiaNeyfwEymMrI+n2TVNRg\n\
anli1F3BvS34H2gQZcOq41qYBTDF9oRGkknX7RY50QKBgQDqAymEJ5/bkAnIHIDB\n\
GzSLnbEXpq/xPEuDLHG+eFZlQwyJtPvc0ChskP2jdNZxSXzXBS3Vgw93AU5JZNS5\n\
6lTR3P9HwDKiKn7Iu+IHO7oyxzvaomqLxE2uxjJfz1SzLi8cbv/+Gy/kKk9HIvkY\n\
eLeI3vvgaNeuql1afTIQIV+SRQKBgQDTyIL5YK62lJUSTXz/U38z7YiUGrSNwufe\n\
4j4kWPgnZcoLut28esfSokA7oVSXgwS3vvtKMS9NGR/UCgn8T+dGVwDamcKK9Y95\n\
Q5uzaH5Rglr9IFTijuib+IY0yKnsXla9kpLkz77Y8mmP+He3zGVdZXaL9OEyByCz\n\
+qEx0uMOiwKBgF+0iV8uIXfXkdiQp6vSZ4wOIyZMGrrrcOql26MNbjAd2tva9ALb\n\
8xxrtAAMwcM1TeRWjuc6obGHDDCCF2otxyDJZHJAzbR68r0/8fIJYF5yEy2YrUCa\n\
OTcYgfOjRL2/Tq8vSmzvS4fiMegjCoMSo+VLZPHjjwo1TNa8SyRDseWNAoGAcq4B\n\
Pki8UuHiVybeqOPt3ZCihJBxdNI1/NtGCyiiN7NG1VM6/vT9f3Gclq2lwOWRiG5C\n\
ZMp9cqJIOem1vosGEXDLZZQdZGHUbzXM+jl7LWgJHUiErqn0C4FoKuz+FqB/F+hm\n\
4sAb+B5MS0mgikaEHS70IpVX3F8/tjXhU7l+ekECgYEAjhAhtb+JC0D+oHw4o1O2\n\
ZSyiH2ETXmIHhm9FRWkHP/clH/tsu4ajLKG1o13k82R8iLLqZ4T2yA2vFxi2kKa1\n\
0pKElo5lnjguKm7bWTTacG8f8W/5SSe8BNqMP5kZJtB5Mh0XcnQ3pp+MyqHdwIja\n\
Ke4SYHJcDJJO+vDXE/TJ468=\n\
-----END PRIVATE KEY-----";
    const TEST_PKCS1_PEM: &str = "-----BEGIN RSA PRIVATE KEY-----\n\
MIIEowIBAAKCAQEAwZflaexxGSLQ3q+tYLeVaAcKKAeZCUcUlvicuU1ZbFnSo3/R\n\
fBFK1w6dcppYoo9ukqBoeZshP0AEVMYak2MVqYTPrI+524O8yQ/cFUzlbdDDRgyL\n\
/ObVduQQxBxCO/ipZil/Yw/p6fZLZMI/ldfNS9NklLNRkKpLPSA6j29KDlVyNFxX\n\
X6pq9cYEU3Jm29PZp1LXLLpqEb8eoseUz11S8lEihq1u/8oiJwWvP4iAHSt3LneR\n\
Az+GlYAk0KLUnp9wcOobCM1LRFGGTGTCkB5PNnoYL014F1TJUJUNYU+danbKx/CR\n\
d0bRXB+Vcr7kLptDpsFuUIce3AYvD3KFphMxdwIDAQABAoIBADiUflZQ5lUkWctb\n\
qN6FiUMYG53LaqzNe3UMQDHgK2yBbBChAMaz/x2PhfDCr3kDVpvACgjQkAz+VsW4\n\
CHhfEyuyR0f10aoYfIp++iG3ka5gv1GvxRIrHORcj5HheHIyoL/dDQAU3Jamhy5x\n\
n0faBIROyiyzo/kV7Ft3GeZl7kz1pdqa2p4Yl+u4+ITktOdb5IWlzYzXVZbcBEd8\n\
DWdlRgqfqLCtRN5QeAYrtekBCignIGhBeNhQLobto/6s5P0OE/Hpp+bh/x02E7Yu\n\
J6CITqChYmjXsn8BMpjKyPp9k1TUYGp5YtRdwb0t+B9oEGXDquNamAUwxfaERpJJ\n\
1+0WOdECgYEA6gMphCef25AJyByAwRs0i52xF6av8TxLgyxxvnhWZUMMibT73NAo\n\
bJD9o3TWcUl81wUt1YMPdwFOSWTUuepU0dz/R8Ayoip+yLviBzu6Msc72qJqi8RN\n\
rsYyX89Usy4vHG7//hsv5CpPRyL5GHi3iN774GjXrqpdWn0yECFfkkUCgYEA08iC\n\
+WCutpSVEk18/1N/M+2IlBq0jcLn3uI+JFj4J2XKC7rdvHrH0qJAO6FUl4MEt777\n\
SjEvTRkf1AoJ/E/nRlcA2pnCivWPeUObs2h+UYJa/SBU4o7om/iGNMip7F5WvZKS\n\
5M++2PJpj/h3t8xlXWV2i/ThMgcgs/qhMdLjDosCgYBftIlfLiF315HYkKer0meM\n\
DiMmTBq663DqpdujDW4wHdrb2vQC2/Mca7QADMHDNU3kVo7nOqGxhwwwghdqLccg\n\
yWRyQM20evK9P/HyCWBechMtmK1Amjk3GIHzo0S9v06vL0ps70uH4jHoIwqDEqPl\n\
S2Tx448KNUzWvEskQ7HljQKBgHKuAT5IvFLh4lcm3qjj7d2QooSQcXTSNfzbRgso\n\
ojezRtVTOv70/X9xnJatpcDlkYhuQmTKfXKiSDnptb6LBhFwy2WUHWRh1G81zPo5\n\
ey1oCR1IhK6p9AuBaCrs/hagfxfoZuLAG/geTEtJoIpGhB0u9CKVV9xfP7Y14VO5\n\
fnpBAoGBAI4QIbW/iQtA/qB8OKNTtmUsoh9hE15iB4ZvRUVpBz/3JR/7bLuGoyyh\n\
taNd5PNkfIiy6meE9sgNrxcYtpCmtdKShJaOZZ44Lipu21k02nBvH/Fv+UknvATa\n\
jD+ZGSbQeTIdF3J0N6afjMqh3cCI2inuEmByXAySTvrw1xP0yeOv\n\
-----END RSA PRIVATE KEY-----";
    pub(crate) const TEST_PUBLIC_PEM: &str = "-----BEGIN PUBLIC KEY-----\n\
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwZflaexxGSLQ3q+tYLeV\n\
aAcKKAeZCUcUlvicuU1ZbFnSo3/RfBFK1w6dcppYoo9ukqBoeZshP0AEVMYak2MV\n\
qYTPrI+524O8yQ/cFUzlbdDDRgyL/ObVduQQxBxCO/ipZil/Yw/p6fZLZMI/ldfN\n\
S9NklLNRkKpLPSA6j29KDlVyNFxXX6pq9cYEU3Jm29PZp1LXLLpqEb8eoseUz11S\n\
8lEihq1u/8oiJwWvP4iAHSt3LneRAz+GlYAk0KLUnp9wcOobCM1LRFGGTGTCkB5P\n\
NnoYL014F1TJUJUNYU+danbKx/CRd0bRXB+Vcr7kLptDpsFuUIce3AYvD3KFphMx\n\
dwIDAQAB\n\
-----END PUBLIC KEY-----";
    // `printf '%s' "$GET_PREHASH" | openssl dgst -sha256 -sign key.pem | base64 -w0`:
    // PKCS#1 v1.5 signatures are deterministic, so this pins the RSA path to OpenSSL.
    const OPENSSL_GET_SIGNATURE: &str = "HItdtlt4bU/9VCFl0xiTWD76biSg95dNaEjBBULdbgbkp2qeQQBpVGjPtM/Mf7L0yRZdv5MVRvB3UYtfpn0uOPjMn161OH4KTWba+ZJQvFFmux4wroL8+BobXFt48gMND5rVsbsnvfbx6lYhHE9sulIMze6+pTf7beogYTpbPxGk/bB2WnBmCWe3FmtIXU5OMeSve/xLOpCSU50CHqhuUzf61Pio/K4aZPdwW6T/eYN9+kiRYDa5yyJMQ0JdfsvuOupdyT9IETj8R83ECgnPqkkBOPAt/k2arFv0UmjALqHCGLvJ4wU5GYcWkUnbvGPClInxmOac1727l38u52ZyeA==";
    const OPENSSL_POST_SIGNATURE: &str = "Y1WruRIP2+ZM5eMckvrNRi2wkrHGVVeAY6x4ljdbJPznw0aV47igNQ3mVFHJTb3AgMSMIqRvJyjWuNak06F99HisSNmQJ5Ap8ncIsQ9hU2HHznpDw1cYaVcFYB3qhut4PpKbEkK7S5VscploAA64Ge2/4xtzQJbfIfCkMd8QjYMYuoQ0Z9my/lzeL3t29H7bhMX8VGbw2yjXAqo0Z1KLjCK9z11+V03Xp4ZX3inzJMQ5r3hMGFKE+GbQBfjW6JfAkcwxHL+GBLJlZ324mtaNVfYl6QyxjNnvsBJ16tJ04Lg7DyG3cmns+n7CxARp31WFT9nXW5GqD6SyXAqqNsX0Kg==";

    static REALTIME: Operation = Operation {
        exchange: "bybit",
        id: "getOpenOrders",
        name: "get-open-orders",
        method: Method::Get,
        path: "/v5/order/realtime",
        host: None,
        body: BodyEncoding::None,
        params: &[],
        signer_fields: &[],
        signed: true,
        rate_limit: None,
        security: &[],
    };
    static CREATE: Operation = Operation {
        id: "createOrder",
        name: "create-order",
        method: Method::Post,
        path: "/v5/order/create",
        host: None,
        body: BodyEncoding::Json,
        ..REALTIME
    };

    fn signer(credentials: BybitCredentials, time: u64) -> BybitSigner {
        BybitSigner::new(credentials).with_timestamp_source(Arc::new(FixedTimestamp::new(time)))
    }

    fn hmac_signer(time: u64) -> BybitSigner {
        signer(BybitCredentials::hmac(API_KEY, SECRET).unwrap(), time)
    }

    fn get_request() -> HttpRequest {
        HttpRequest::new(&REALTIME, "https://api-testnet.bybit.com/v5/order/realtime?category=option&symbol=BTC-29JUL22-25000-C".into(), "/v5/order/realtime?category=option&symbol=BTC-29JUL22-25000-C".into(), Vec::new(), Body::empty())
    }

    fn post_request() -> HttpRequest {
        HttpRequest::new(
            &CREATE,
            "https://api-testnet.bybit.com/v5/order/create".into(),
            "/v5/order/create".into(),
            Vec::new(),
            // The docs' body, with Python's `", "` / `": "` separators, kept byte for byte.
            Body::from_bytes(BodyEncoding::Json, br#"{"category": "option"}"#.to_vec()).unwrap(),
        )
    }

    fn prehash_of(time: u64, request: &HttpRequest) -> String {
        let (t, r) = (Digits::new(time), Digits::new(DEFAULT_RECV_WINDOW));
        let bytes: Vec<u8> = prehash_parts(&t, API_KEY, &r, request).concat();
        String::from_utf8(bytes).unwrap()
    }

    fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn vector_doc_get() {
        let mut request = get_request();
        assert_eq!(prehash_of(GET_TIME, &request), GET_PREHASH);
        hmac_signer(GET_TIME).sign(&mut request).unwrap();
        assert_eq!(
            request.headers,
            pairs(&[
                ("X-BAPI-API-KEY", API_KEY),
                ("X-BAPI-TIMESTAMP", "1658384314791"),
                (
                    "X-BAPI-SIGN",
                    "72e491b7215c6b19f76b8c745d136f3f741608a8bf79e30d152260b678fbcca1"
                ),
                ("X-BAPI-RECV-WINDOW", "5000"),
                ("X-BAPI-SIGN-TYPE", "2"),
            ])
        );
    }

    #[test]
    fn vector_doc_post() {
        let mut request = post_request();
        assert_eq!(prehash_of(POST_TIME, &request), POST_PREHASH);
        hmac_signer(POST_TIME).sign(&mut request).unwrap();
        assert_eq!(
            request.headers,
            pairs(&[
                ("X-BAPI-API-KEY", API_KEY),
                ("X-BAPI-TIMESTAMP", "1658385579423"),
                (
                    "X-BAPI-SIGN",
                    "0930f78da0a5c3de0c04176533afb9946c7a434b6c369e85ace41796f4476576"
                ),
                ("X-BAPI-RECV-WINDOW", "5000"),
                ("X-BAPI-SIGN-TYPE", "2"),
                ("Content-Type", "application/json"),
            ])
        );
        assert_eq!(request.body.as_bytes(), br#"{"category": "option"}"#);
    }

    #[test]
    fn get_through_the_client_signs_the_query_as_sent() {
        let client = Client::new(
            "https://api-testnet.bybit.com",
            Arc::new(hmac_signer(GET_TIME)),
        )
        .unwrap();
        let prepared = client
            .prepare_with_query(
                &REALTIME,
                &[("category", "option"), ("symbol", "BTC-29JUL22-25000-C")],
                &(),
            )
            .unwrap();
        assert_eq!(
            prepared.url,
            "https://api-testnet.bybit.com/v5/order/realtime?category=option&symbol=BTC-29JUL22-25000-C"
        );
        assert_eq!(
            header(&prepared.headers, "X-BAPI-SIGN"),
            "72e491b7215c6b19f76b8c745d136f3f741608a8bf79e30d152260b678fbcca1"
        );
        assert!(prepared.body.is_empty());
        assert!(!prepared.headers.iter().any(|(n, _)| n == "Content-Type"));
        // A GET without a query signs an empty payload.
        let bare = client.prepare(&REALTIME, &()).unwrap();
        assert_eq!(
            header(&bare.headers, "X-BAPI-SIGN"),
            hmac_hex(&format!("{GET_TIME}{API_KEY}5000"))
        );
    }

    fn hmac_hex(prehash: &str) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(prehash.as_bytes());
        hex_lower(&mac.finalize().into_bytes())
    }

    #[test]
    fn recv_window_is_signed_and_sent() {
        let mut request = post_request();
        hmac_signer(POST_TIME)
            .with_recv_window(20_000)
            .sign(&mut request)
            .unwrap();
        assert_eq!(header(&request.headers, "X-BAPI-RECV-WINDOW"), "20000");
        assert_eq!(
            header(&request.headers, "X-BAPI-SIGN"),
            hmac_hex(r#"1658385579423XXXXXXXXXX20000{"category": "option"}"#)
        );
    }

    fn rsa_signature(credentials: BybitCredentials, time: u64, mut request: HttpRequest) -> String {
        signer(credentials, time).sign(&mut request).unwrap();
        assert_eq!(header(&request.headers, "X-BAPI-SIGN-TYPE"), "2");
        header(&request.headers, "X-BAPI-SIGN").to_owned()
    }

    fn verifies(prehash: &[u8], signature_base64: &str) -> bool {
        let public = VerifyingKey::<Sha256>::from_public_key_pem(TEST_PUBLIC_PEM).unwrap();
        let bytes = STANDARD.decode(signature_base64).unwrap();
        let signature = Signature::try_from(bytes.as_slice()).unwrap();
        public.verify(prehash, &signature).is_ok()
    }

    #[test]
    fn rsa_signs_like_openssl_and_verifies_with_the_public_key() {
        let pkcs8 = BybitCredentials::rsa(API_KEY, TEST_PKCS8_PEM).unwrap();
        let pkcs1 = BybitCredentials::rsa(API_KEY, TEST_PKCS1_PEM).unwrap();
        let get = rsa_signature(pkcs8.clone(), GET_TIME, get_request());
        assert_eq!(get, OPENSSL_GET_SIGNATURE);
        assert_eq!(rsa_signature(pkcs1, GET_TIME, get_request()), get);
        assert!(verifies(GET_PREHASH.as_bytes(), &get));
        let mut tampered = GET_PREHASH.as_bytes().to_vec();
        tampered[0] ^= 1;
        assert!(!verifies(&tampered, &get));
        assert!(!verifies(POST_PREHASH.as_bytes(), &get));

        let post = rsa_signature(pkcs8, POST_TIME, post_request());
        assert_eq!(post, OPENSSL_POST_SIGNATURE);
        assert!(verifies(POST_PREHASH.as_bytes(), &post));
    }

    #[test]
    fn rsa_key_with_escaped_newlines_or_leading_text_is_read() {
        let escaped = TEST_PKCS8_PEM.replace('\n', "\\n");
        let with_bag = format!("Bag Attributes\n    localKeyID: 01\n{TEST_PKCS1_PEM}\n");
        for text in [escaped, with_bag] {
            let credentials = BybitCredentials::rsa(API_KEY, &text).unwrap();
            assert_eq!(
                rsa_signature(credentials, GET_TIME, get_request()),
                OPENSSL_GET_SIGNATURE
            );
        }
    }

    #[test]
    fn bad_pem_is_a_typed_error_that_does_not_echo_the_key() {
        let body_line = TEST_PKCS8_PEM.lines().nth(3).unwrap();
        let mut corrupted: Vec<String> = TEST_PKCS8_PEM.lines().map(str::to_owned).collect();
        corrupted[3] = corrupted[3].replacen(|c: char| c.is_ascii_alphanumeric(), "!", 1);
        let truncated: String = TEST_PKCS8_PEM
            .lines()
            .take(6)
            .collect::<Vec<_>>()
            .join("\n")
            + "\n-----END PRIVATE KEY-----";
        let cases = [
            (String::new(), "EmptyPrivateKey"),
            ("not a key at all".to_owned(), "NotPem"),
            (TEST_PUBLIC_PEM.to_owned(), "PublicKeyGiven"),
            (
                TEST_PKCS8_PEM.replace("PRIVATE KEY", "ENCRYPTED PRIVATE KEY"),
                "EncryptedPrivateKey",
            ),
            (
                TEST_PKCS8_PEM.replace("PRIVATE KEY", "EC PRIVATE KEY"),
                "UnsupportedPem",
            ),
            (corrupted.join("\n"), "InvalidPrivateKey"),
            (truncated, "InvalidPrivateKey"),
            (
                TEST_PKCS8_PEM.replace("PRIVATE KEY", "RSA PRIVATE KEY"),
                "InvalidPrivateKey",
            ),
        ];
        for (text, variant) in cases {
            let err = BybitCredentials::rsa(API_KEY, &text).unwrap_err();
            let debug = format!("{err:?}");
            assert!(debug.starts_with(variant), "{variant}: {debug}");
            let shown = format!("{err} {debug}");
            assert!(!shown.contains(&body_line[..16]), "{shown}");
            for line in text
                .lines()
                .filter(|l| l.len() > 20 && !l.starts_with("-----"))
            {
                assert!(!shown.contains(&line[..12]), "{shown}");
            }
        }
        assert_eq!(
            BybitCredentials::rsa(
                API_KEY,
                TEST_PKCS8_PEM.replace("PRIVATE KEY", "EC PRIVATE KEY")
            )
            .unwrap_err(),
            CredentialsError::UnsupportedPem {
                label: "EC PRIVATE KEY".into()
            }
        );
    }

    #[test]
    fn debug_never_shows_secrets() {
        let hmac = BybitCredentials::hmac(API_KEY, SECRET).unwrap();
        let rsa = BybitCredentials::rsa("RSAKEY-PUBLIC", TEST_PKCS8_PEM).unwrap();
        let pem_piece = &TEST_PKCS8_PEM.lines().nth(2).unwrap()[..16];
        for debug in [
            format!("{hmac:?}"),
            format!("{:?}", hmac_signer(1)),
            format!("{rsa:?}"),
            format!("{:?}", signer(rsa.clone(), 1)),
        ] {
            assert!(
                !debug.contains(SECRET) && !debug.contains("bybit-test"),
                "{debug}"
            );
            assert!(!debug.contains(pem_piece), "{debug}");
            assert!(
                !debug.contains(API_KEY) && !debug.contains("RSAKEY-"),
                "{debug}"
            );
            assert!(debug.contains("[redacted]"), "{debug}");
        }
        // The RSA key's numbers must not show either (the rsa crate's own Debug is not used).
        assert!(format!("{:?}", signer(rsa, 1)).len() < 300);
    }

    #[test]
    fn credentials_are_checked() {
        assert_eq!(
            BybitCredentials::hmac(" k ", " s\n").unwrap().api_key(),
            "k"
        );
        assert_eq!(
            BybitCredentials::hmac("", SECRET).unwrap_err(),
            CredentialsError::EmptyApiKey
        );
        assert_eq!(
            BybitCredentials::hmac("a\tb", SECRET).unwrap_err(),
            CredentialsError::InvalidApiKey { position: 1 }
        );
        assert_eq!(
            BybitCredentials::hmac("k", "  ").unwrap_err(),
            CredentialsError::EmptySecret
        );
        assert_eq!(
            BybitCredentials::rsa("", TEST_PKCS8_PEM).unwrap_err(),
            CredentialsError::EmptyApiKey
        );
    }

    fn reply(status: u16, content_type: &str, body: &str) -> RawResponse {
        RawResponse {
            status,
            content_type: Some(content_type.into()),
            body: body.as_bytes().to_vec(),
            retry_after: None,
        }
    }

    fn decode<T: DeserializeOwned>(status: u16, body: &str) -> Result<T, Error> {
        BybitEnvelope::decode(&reply(status, "application/json", body))
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Cancelled {
        status: i64,
    }

    fn bybit(err: Error) -> BybitError {
        match err {
            Error::Bybit(e) => e,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn success_gives_result() {
        let body = r#"{"retCode":0,"retMsg":"success","result":{"status":1},"retExtInfo":{},"time":1669877264}"#;
        assert_eq!(
            decode::<Cancelled>(200, body).unwrap(),
            Cancelled { status: 1 }
        );
    }

    #[test]
    fn error_is_typed_and_keeps_its_parts() {
        let body = r#"{"retCode":10004,"retMsg":"error sign! origin_string[...]","result":{},"retExtInfo":{},"time":1669877264}"#;
        let e = bybit(decode::<Cancelled>(200, body).unwrap_err());
        assert_eq!(e.ret_code, 10004);
        assert_eq!(e.message, "error sign! origin_string[...]");
        assert_eq!(e.status, 200);
        assert_eq!(e.kind, BybitErrorKind::SignatureError);
        assert_eq!(e.body_excerpt, body);
        assert_eq!(
            e.to_string(),
            "Bybit refused the request (HTTP 200): retCode 10004: error sign! origin_string[...]"
        );
        // A result that happens to fit T does not hide the error either.
        let e = bybit(
            decode::<Option<Cancelled>>(
                401,
                r#"{"retCode":10003,"retMsg":"API key is invalid.","result":null}"#,
            )
            .unwrap_err(),
        );
        assert_eq!((e.status, e.kind), (401, BybitErrorKind::InvalidApiKey));
        assert_eq!(Error::Bybit(e).status(), Some(401));
    }

    #[test]
    fn documented_codes_and_helpers() {
        for (code, kind) in KINDS {
            assert_eq!(BybitErrorKind::from_code(*code), *kind);
        }
        assert_eq!(
            BybitErrorKind::from_code(-2015),
            BybitErrorKind::ApiKeyExpired
        );
        assert_eq!(
            BybitErrorKind::from_code(131082),
            BybitErrorKind::DoNotRepeatRequest
        );
        let e =
            bybit(decode::<Cancelled>(200, r#"{"retCode":131999,"retMsg":"new"}"#).unwrap_err());
        assert_eq!(
            (e.kind, e.ret_code, e.message.as_str()),
            (BybitErrorKind::Other, 131999, "new")
        );
        let e = bybit(
            decode::<Cancelled>(200, r#"{"retCode":10006,"retMsg":"Too many visits!"}"#)
                .unwrap_err(),
        );
        assert!(e.is_rate_limited() && !e.is_retryable() && !e.outcome_unknown());
        let e = bybit(
            decode::<Cancelled>(
                200,
                r#"{"retCode":10016,"retMsg":"Internal System Error."}"#,
            )
            .unwrap_err(),
        );
        assert!(e.is_retryable() && e.outcome_unknown());
    }

    #[test]
    fn generic_failures() {
        let page = "<html><body><h1>403 Forbidden</h1>access too frequent</body></html>";
        let err = BybitEnvelope::decode::<Cancelled>(&reply(403, "text/html", page)).unwrap_err();
        let Error::NotJson {
            status: 403,
            body_excerpt,
            ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert!(body_excerpt.contains("access too frequent"));
        let err = BybitEnvelope::decode::<Cancelled>(&reply(403, "text/plain", "")).unwrap_err();
        assert!(matches!(err, Error::EmptyBody { status: 403 }), "{err:?}");
        let err = decode::<Cancelled>(200, r#"{"retCode":0,"retMsg":"OK"}"#).unwrap_err();
        assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
        let err =
            decode::<Cancelled>(200, r#"{"retCode":0,"retMsg":"OK","result":{"stat"#).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        let err = decode::<Cancelled>(429, r#"{"retCode":0,"result":{"status":1}}"#).unwrap_err();
        assert!(matches!(err, Error::Http { status: 429, .. }), "{err:?}");
        let err =
            decode::<Cancelled>(200, r#"{"retCode":null,"result":{"status":1}}"#).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    }

    #[test]
    fn a_repeated_key_is_refused_never_read_as_either_value() {
        use crate::envelope::testing::assert_repeated_key_refused;
        assert_repeated_key_refused::<BybitEnvelope>(
            r#"{"retCode":10003,"retMsg":"API key is invalid.","result":{},"retCode":0,"time":1}"#,
            "retCode",
        );
        assert_repeated_key_refused::<BybitEnvelope>(
            r#"{"retCode":0,"retMsg":"OK","result":{"status":0},"result":{"status":1},"time":1}"#,
            "result",
        );
        assert_repeated_key_refused::<BybitEnvelope>(
            r#"{"retCode":0,"retMsg":"OK","result":{"rows":[{"withdrawId":"1","status":"Pending","status":"CancelByUser"}]},"time":1}"#,
            "result.rows[0].status",
        );
    }

    #[test]
    fn display_escapes_terminal_controls_and_keeps_the_raw_text() {
        use crate::envelope::testing::{assert_escaped, HOSTILE, HOSTILE_JSON};
        let body =
            format!(r#"{{"retCode":131001,"retMsg":"{HOSTILE_JSON}","result":{{}},"time":1}}"#);
        let e = bybit(decode::<serde_json::Value>(200, &body).unwrap_err());
        assert_eq!(e.message, HOSTILE);
        assert_escaped(&e.to_string());
        assert_escaped(&Error::Bybit(e).to_string());
    }
}
