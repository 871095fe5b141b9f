//! AlphaPoint APEX over its HTTP gateway (`https://<venue>/AP/<FunctionName>`), with per-request
//! API-key headers.
//!
//! - [`AlphaPointCredentials`]: the API key, the secret (used as UTF-8 text) and the numeric
//!   user id, checked up front.
//! - [`AlphaPointSigner`]: adds `Nonce`, `APIKey`, `Signature`, `UserId`, where
//!   `Signature = hex(HMAC-SHA256(secret, nonce || user_id || api_key))`. The body and path are
//!   not signed. (The session-token flow, `/AP/Authenticate` then `aptoken`, is not supported.)
//! - [`AlphaPointEnvelope`]: APEX has no envelope; the reply object is the result, and an
//!   `errorcode` other than 0 makes it an [`AlphaPointError`].
//!
//! The signature formula comes from third-party clients (ccxt `ndax`) and AlphaPoint's legacy
//! docs (which upper-case the hex); the APEX docs only name its inputs.

use std::fmt;
use std::sync::Arc;

use hmac::{Hmac, KeyInit, Mac};
use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use sha2::Sha256;

use super::common::ApiKeyHint;
use super::common::{code_as_number, header_unsafe_position, hex_lower, loose_text, trim_owned};
use crate::digits::Digits;
use crate::envelope::{
    body_excerpt, decode_json, ensure_body, ensure_success, ensure_unique_keys, parse_failure,
    Envelope,
};
use crate::error::Error;
use crate::escape::Escaped;
use crate::nonce::{MonotonicNonce, NonceSource};
use crate::signer::{HttpRequest, SignError, Signer};
use crate::transport::RawResponse;

/// Why AlphaPoint credentials were refused. Messages never contain the secret or any part of
/// it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialsError {
    /// The API key (first argument) is empty.
    #[error("the AlphaPoint API key (first argument) is empty")]
    EmptyApiKey,
    /// The API key cannot be sent as an HTTP header value.
    #[error(
        "the AlphaPoint API key (first argument) has a character that cannot go in an HTTP header, at position {position}"
    )]
    InvalidApiKey {
        /// The character position (0-based) of the first offending character.
        position: usize,
    },
    /// The secret (second argument) is empty.
    #[error("the AlphaPoint API secret (second argument) is empty")]
    EmptySecret,
    /// The secret cannot key HMAC-SHA256 (HMAC takes any length; kept for safety).
    #[error("the AlphaPoint API secret (second argument) cannot be used as an HMAC-SHA256 key")]
    UnusableSecret,
    /// The user id (third argument) is empty.
    #[error("the AlphaPoint user id (third argument) is empty")]
    EmptyUserId,
    /// The user id cannot be sent as an HTTP header value.
    #[error(
        "the AlphaPoint user id (third argument) has a character that cannot go in an HTTP header, at position {position}"
    )]
    InvalidUserId {
        /// The character position (0-based) of the first offending character.
        position: usize,
    },
}

/// An AlphaPoint API key, its secret, and the id of the user it belongs to.
#[derive(Clone)]
pub struct AlphaPointCredentials {
    api_key: String,
    // Keyed once and cloned per request, which saves hashing the key every time; the state is
    // as good as the secret and is wiped on drop.
    key: Hmac<Sha256>,
    user_id: String,
}

impl AlphaPointCredentials {
    /// Checks the key, the secret (used as the UTF-8 text it is) and the user id (`"96"`; APEX
    /// user ids are numbers, sent as text).
    ///
    /// Surrounding whitespace is ignored in all three; anything else wrong is an error that
    /// names the argument but never repeats the secret.
    pub fn new(
        api_key: impl Into<String>,
        secret: impl AsRef<str>,
        user_id: impl Into<String>,
    ) -> Result<AlphaPointCredentials, CredentialsError> {
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
        let user_id = trim_owned(user_id.into());
        if user_id.is_empty() {
            return Err(CredentialsError::EmptyUserId);
        }
        if let Some(position) = header_unsafe_position(&user_id) {
            return Err(CredentialsError::InvalidUserId { position });
        }
        let key = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
            .map_err(|_| CredentialsError::UnusableSecret)?;
        Ok(AlphaPointCredentials {
            api_key,
            key,
            user_id,
        })
    }

    /// The public API key.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// The user id.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }
}

impl fmt::Debug for AlphaPointCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlphaPointCredentials")
            .field("api_key", &ApiKeyHint(&self.api_key))
            .field("secret", &format_args!("[redacted]"))
            .field("user_id", &self.user_id)
            .finish()
    }
}

/// Signs AlphaPoint requests. Clones share the nonce source.
#[derive(Clone)]
pub struct AlphaPointSigner {
    api_key: Arc<str>,
    key: Hmac<Sha256>,
    user_id: Arc<str>,
    nonce: Arc<dyn NonceSource>,
}

impl AlphaPointSigner {
    /// A signer with a fresh [`MonotonicNonce`] (Unix milliseconds, strictly increasing).
    pub fn new(credentials: AlphaPointCredentials) -> AlphaPointSigner {
        AlphaPointSigner {
            api_key: Arc::from(credentials.api_key),
            key: credentials.key,
            user_id: Arc::from(credentials.user_id),
            nonce: Arc::new(MonotonicNonce::new()),
        }
    }

    /// Uses `nonce` instead, e.g. a [`crate::FixedNonce`] for reproducible output, or a source
    /// shared with other signers of the same key.
    pub fn with_nonce_source(mut self, nonce: Arc<dyn NonceSource>) -> AlphaPointSigner {
        self.nonce = nonce;
        self
    }
}

impl fmt::Debug for AlphaPointSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AlphaPointSigner")
            .field("api_key", &ApiKeyHint(&self.api_key))
            .field("secret", &format_args!("[redacted]"))
            .field("user_id", &self.user_id)
            .field("nonce", &self.nonce)
            .finish()
    }
}

impl Signer for AlphaPointSigner {
    fn sign(&self, request: &mut HttpRequest) -> Result<(), SignError> {
        let nonce = self.nonce.next_nonce().map_err(|source| SignError::Nonce {
            operation: request.operation.id,
            source,
        })?;
        let nonce = Digits::new(nonce);
        let mut mac = self.key.clone();
        mac.update(nonce.as_bytes());
        mac.update(self.user_id.as_bytes());
        mac.update(self.api_key.as_bytes());
        let signature = hex_lower(&mac.finalize().into_bytes());
        let headers = &mut request.headers;
        headers.reserve(5);
        headers.push(("Nonce".to_owned(), nonce.as_str().to_owned()));
        headers.push(("APIKey".to_owned(), self.api_key.to_string()));
        headers.push(("Signature".to_owned(), signature));
        headers.push(("UserId".to_owned(), self.user_id.to_string()));
        if let Some(content_type) = request.body.content_type() {
            headers.push(("Content-Type".to_owned(), content_type.to_owned()));
        }
        request.mark_credential_header("APIKey");
        Ok(())
    }
}

/// The documented APEX error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AlphaPointErrorKind {
    /// `20`: not authorized.
    NotAuthorized,
    /// `100`: invalid request (one docs page says "Invalid Response").
    InvalidRequest,
    /// `101`: operation failed.
    OperationFailed,
    /// `102`: server error.
    ServerError,
    /// `104`: resource not found.
    ResourceNotFound,
    /// Any other code; [`AlphaPointError::code`] still says what it was.
    Other,
}

impl AlphaPointErrorKind {
    /// The kind of an `errorcode`, [`AlphaPointErrorKind::Other`] if it is not documented.
    pub fn from_code(code: i64) -> AlphaPointErrorKind {
        match code {
            20 => AlphaPointErrorKind::NotAuthorized,
            100 => AlphaPointErrorKind::InvalidRequest,
            101 => AlphaPointErrorKind::OperationFailed,
            102 => AlphaPointErrorKind::ServerError,
            104 => AlphaPointErrorKind::ResourceNotFound,
            _ => AlphaPointErrorKind::Other,
        }
    }
}

/// AlphaPoint answered with an `errorcode` other than 0.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AlphaPointError {
    /// The `errorcode`.
    pub code: i64,
    /// The `errormsg`, if any (`"Operation Failed"`, `"Not_Enough_Funds"`).
    pub message: Option<String>,
    /// The `detail`, if any (`"Withdraw Ticket not found for OmsId, AccountId, RequestCode"`).
    pub detail: Option<String>,
    /// The HTTP status.
    pub status: u16,
    /// Which documented error this is.
    pub kind: AlphaPointErrorKind,
    /// The first bytes of the body.
    pub body_excerpt: String,
}

impl AlphaPointError {
    /// Whether the request may have taken effect despite the error: a server error (`102`)
    /// after the request reached the venue. AlphaPoint does not document this; it is assumed
    /// because assuming the opposite could send a withdrawal action twice.
    pub fn outcome_unknown(&self) -> bool {
        self.kind == AlphaPointErrorKind::ServerError
    }
}

impl fmt::Display for AlphaPointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The exchange's words, escaped so they cannot drive the terminal.
        write!(
            f,
            "AlphaPoint refused the request (HTTP {}): errorcode {}",
            self.status, self.code
        )?;
        if let Some(message) = self.message.as_deref().filter(|m| !m.trim().is_empty()) {
            write!(f, ": {}", Escaped(message))?;
        }
        if let Some(detail) = self.detail.as_deref().filter(|d| !d.trim().is_empty()) {
            write!(f, " ({})", Escaped(detail))?;
        }
        Ok(())
    }
}

impl std::error::Error for AlphaPointError {}

impl crate::error::ExchangeFailure for AlphaPointError {
    fn status(&self) -> u16 {
        self.status
    }
    fn outcome_unknown(&self) -> bool {
        AlphaPointError::outcome_unknown(self)
    }
}

/// Decodes APEX replies, which have no envelope: the whole body is the result.
///
/// Success is decided on `errorcode == 0` alone, never on `result`: the documented
/// `CancelWithdraw` sample pairs `"result": true` with `"errorcode": 101`. A reply without
/// `errorcode` (most functions return their own objects, or arrays) is a success.
#[derive(Debug, Clone, Copy, Default)]
pub struct AlphaPointEnvelope;

/// The acknowledgement fields of a reply, if it is an object that has them.
#[derive(Default)]
struct Ack {
    errorcode: Option<i64>,
    errormsg: Option<String>,
    detail: Option<String>,
}

impl<'de> de::Deserialize<'de> for Ack {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Ack, D::Error> {
        deserializer.deserialize_any(AckVisitor)
    }
}

struct AckVisitor;

/// Reads the three fields with the loose readers, skipping everything else without building
/// it; any value that is not an object (an array, a bare value) has no acknowledgement.
impl<'de> Visitor<'de> for AckVisitor {
    type Value = Ack;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an APEX reply")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Ack, A::Error> {
        let mut ack = Ack::default();
        while let Some(key) = map.next_key::<Field>()? {
            match key {
                Field::ErrorCode => ack.errorcode = map.next_value::<Code>()?.0,
                Field::ErrorMsg => ack.errormsg = map.next_value::<Text>()?.0,
                Field::Detail => ack.detail = map.next_value::<Text>()?.0,
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(ack)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Ack, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Ack::default())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Ack, E> {
        Ok(Ack::default())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Ack, E> {
        Ok(Ack::default())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Ack, E> {
        Ok(Ack::default())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Ack, E> {
        Ok(Ack::default())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Ack, E> {
        Ok(Ack::default())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Ack, E> {
        Ok(Ack::default())
    }
}

/// The keys the first pass looks for; matched without allocating.
#[derive(serde::Deserialize)]
#[serde(field_identifier)]
enum Field {
    #[serde(rename = "errorcode")]
    ErrorCode,
    #[serde(rename = "errormsg")]
    ErrorMsg,
    #[serde(rename = "detail")]
    Detail,
    #[serde(other)]
    Other,
}

struct Code(Option<i64>);

impl<'de> de::Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Code, D::Error> {
        code_as_number(deserializer).map(Code)
    }
}

struct Text(Option<String>);

impl<'de> de::Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Text, D::Error> {
        loose_text(deserializer).map(Text)
    }
}

impl Envelope for AlphaPointEnvelope {
    fn decode<T: DeserializeOwned>(response: &RawResponse) -> Result<T, Error> {
        ensure_body(response)?;
        // Before the first pass, which keeps the last of two `errorcode`s as serde_json does.
        ensure_unique_keys(response)?;
        // Two passes: with no envelope there is nothing to split the body on, and `T` need not
        // declare `errorcode`. The first pass skips everything but three fields.
        let ack = match serde_json::from_slice::<Ack>(&response.body) {
            Ok(ack) => ack,
            Err(e) => return Err(parse_failure(response, e)),
        };
        if let Some(code) = ack.errorcode.filter(|&c| c != 0) {
            return Err(Error::AlphaPoint(AlphaPointError {
                code,
                message: ack.errormsg,
                detail: ack.detail,
                status: response.status,
                kind: AlphaPointErrorKind::from_code(code),
                body_excerpt: body_excerpt(&response.body),
            }));
        }
        match decode_json::<T>(&response.body) {
            Ok(value) => {
                ensure_success(response)?;
                Ok(value)
            }
            Err(e) => Err(parse_failure(response, e)),
        }
    }
}

/// `signing: alphapoint`.
pub(crate) static SIGNING: crate::registry::SigningScheme = crate::registry::SigningScheme::new(
    "alphapoint",
    "Nonce, APIKey, Signature, UserId headers: HMAC-SHA256 (hex) over nonce, user id and key",
    "::xgen_runtime::alphapoint::AlphaPointSigner",
    crate::registry::Credentials::Fixed(&[
        ("API_KEY", "the API key"),
        ("API_SECRET", "the API secret"),
        ("USER_ID", "the APEX user id the key belongs to"),
    ]),
    crate::registry::Clock::Nonce,
    build_signer,
);

fn build_signer(
    given: &crate::registry::Given<'_>,
) -> Result<Arc<dyn Signer>, crate::registry::SetupError> {
    let credentials = AlphaPointCredentials::new(
        given.value("API_KEY"),
        given.value("API_SECRET"),
        given.value("USER_ID"),
    )
    .map_err(|e| match e {
        CredentialsError::EmptyApiKey | CredentialsError::InvalidApiKey { .. } => {
            given.invalid("API_KEY", e)
        }
        CredentialsError::EmptyUserId | CredentialsError::InvalidUserId { .. } => {
            given.invalid("USER_ID", e)
        }
        _ => given.invalid("API_SECRET", e),
    })?;
    let mut signer = AlphaPointSigner::new(credentials);
    if let Some(nonce) = &given.nonce {
        signer = signer.with_nonce_source(nonce.clone());
    }
    Ok(Arc::new(signer))
}

/// `envelope: alphapoint`.
pub(crate) static ENVELOPE: crate::registry::Envelope = crate::registry::Envelope::new(
    "alphapoint",
    r#"no envelope: the reply is the payload, and an `errorcode` other than 0 is an AlphaPointError"#,
    "::xgen_runtime::alphapoint::AlphaPointEnvelope",
    None,
    <AlphaPointEnvelope as Envelope>::decode::<serde_json::Value>,
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::body::Body;
    use crate::operation::{BodyEncoding, Method, Operation};
    use crate::{Client, FixedNonce};
    use serde::Deserialize;

    // signing-examples.json, `alphapoint-doc-authenticateuser-ws`.
    const SECRET: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
    const API_KEY: &str = "28c68ac3fcfafc3d4e8d653fe57e5baf";
    const USER_ID: &str = "96";
    const NONCE: u64 = 2_247_733_562;

    static CANCEL: Operation = Operation {
        exchange: "alphapoint",
        id: "CancelWithdraw",
        name: "cancel-withdraw",
        method: Method::Post,
        path: "/AP/CancelWithdraw",
        host: None,
        body: BodyEncoding::Json,
        params: &[],
        signer_fields: &[],
        signed: true,
        rate_limit: None,
        security: &[],
    };

    fn signer(first_nonce: u64) -> AlphaPointSigner {
        AlphaPointSigner::new(AlphaPointCredentials::new(API_KEY, SECRET, USER_ID).unwrap())
            .with_nonce_source(Arc::new(FixedNonce::new(first_nonce)))
    }

    #[test]
    fn vector_doc_authenticateuser() {
        let client = Client::new("https://apex.example", Arc::new(signer(NONCE))).unwrap();
        let body =
            serde_json::json!({"OMSId": 1, "UserId": 96, "AccountId": 7, "RequestCode": "a-b"});
        let prepared = client.prepare(&CANCEL, &body).unwrap();
        let expected: Vec<(String, String)> = [
            ("Nonce", "2247733562"),
            ("APIKey", API_KEY),
            (
                "Signature",
                "d32e9c20c2cfbe1e260d89ebb21dd362e43f813b2e104f08f7b9ed640db5175c",
            ),
            ("UserId", USER_ID),
            ("Content-Type", "application/json"),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
        assert_eq!(prepared.headers, expected);
        assert_eq!(prepared.url, "https://apex.example/AP/CancelWithdraw");
        // The body is sent as encoded, untouched by the signer.
        assert_eq!(
            prepared.body_text(),
            r#"{"AccountId":7,"OMSId":1,"RequestCode":"a-b","UserId":96}"#
        );
        // The next request uses the next nonce, and so a new signature.
        let again = client.prepare(&CANCEL, &body).unwrap();
        assert_eq!(again.headers[0].1, "2247733563");
        assert_ne!(again.headers[2].1, prepared.headers[2].1);
    }

    #[test]
    fn get_without_body_has_no_content_type() {
        let get = Operation {
            method: Method::Get,
            body: BodyEncoding::None,
            ..CANCEL
        };
        let mut request = HttpRequest::new(
            Box::leak(Box::new(get)),
            String::new(),
            "/AP/GetWithdrawTicket?OMSId=1".into(),
            Vec::new(),
            Body::empty(),
        );
        signer(NONCE).sign(&mut request).unwrap();
        let names: Vec<&str> = request.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["Nonce", "APIKey", "Signature", "UserId"]);
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let credentials = AlphaPointCredentials::new(API_KEY, SECRET, USER_ID).unwrap();
        for debug in [format!("{credentials:?}"), format!("{:?}", signer(1))] {
            assert!(
                !debug.contains(SECRET) && !debug.contains(&SECRET[..8]),
                "{debug}"
            );
            assert!(!debug.contains(API_KEY), "{debug}");
            assert!(debug.contains("28c6…"), "{debug}");
        }
    }

    #[test]
    fn credentials_are_checked() {
        let c = AlphaPointCredentials::new(" k ", "s\n", " 96\n").unwrap();
        assert_eq!((c.api_key(), c.user_id()), ("k", "96"));
        for (args, err) in [
            (("", SECRET, "1"), CredentialsError::EmptyApiKey),
            (
                ("k\u{0}", SECRET, "1"),
                CredentialsError::InvalidApiKey { position: 1 },
            ),
            (("k", "", "1"), CredentialsError::EmptySecret),
            (("k", SECRET, " "), CredentialsError::EmptyUserId),
            (
                ("k", SECRET, "9\n6"),
                CredentialsError::InvalidUserId { position: 1 },
            ),
        ] {
            assert_eq!(
                AlphaPointCredentials::new(args.0, args.1, args.2).unwrap_err(),
                err,
                "{args:?}"
            );
        }
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
        AlphaPointEnvelope::decode(&reply(status, body))
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Acknowledgement {
        result: bool,
        errormsg: Option<String>,
        errorcode: i64,
        detail: Option<String>,
    }

    fn apex(err: Error) -> AlphaPointError {
        match err {
            Error::AlphaPoint(e) => e,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn acknowledgement_success_is_the_whole_body() {
        let ack: Acknowledgement = decode(
            200,
            r#"{"result":true,"errormsg":null,"errorcode":0,"detail":null}"#,
        )
        .unwrap();
        assert_eq!(
            ack,
            Acknowledgement {
                result: true,
                errormsg: None,
                errorcode: 0,
                detail: None
            }
        );
    }

    #[test]
    fn documented_sample_with_result_true_and_errorcode_101_is_an_error() {
        let body = r#"{"result":true,"errormsg":"Operation Failed","errorcode":101,"detail":"Withdraw Ticket not found for OmsId, AccountId, RequestCode"}"#;
        let e = apex(decode::<Acknowledgement>(200, body).unwrap_err());
        assert_eq!(e.code, 101);
        assert_eq!(e.kind, AlphaPointErrorKind::OperationFailed);
        assert_eq!(e.message.as_deref(), Some("Operation Failed"));
        assert_eq!(
            e.detail.as_deref(),
            Some("Withdraw Ticket not found for OmsId, AccountId, RequestCode")
        );
        assert_eq!((e.status, e.body_excerpt.as_str()), (200, body));
        assert!(!e.outcome_unknown());
        assert_eq!(
            e.to_string(),
            "AlphaPoint refused the request (HTTP 200): errorcode 101: Operation Failed (Withdraw Ticket not found for OmsId, AccountId, RequestCode)"
        );
    }

    #[test]
    fn every_documented_code() {
        for (code, kind) in [
            (20, AlphaPointErrorKind::NotAuthorized),
            (100, AlphaPointErrorKind::InvalidRequest),
            (101, AlphaPointErrorKind::OperationFailed),
            (102, AlphaPointErrorKind::ServerError),
            (104, AlphaPointErrorKind::ResourceNotFound),
            (7, AlphaPointErrorKind::Other),
        ] {
            let body =
                format!(r#"{{"result":false,"errormsg":"x","errorcode":{code},"detail":null}}"#);
            let e = apex(decode::<Acknowledgement>(200, &body).unwrap_err());
            assert_eq!((e.code, e.kind), (code, kind));
        }
        // Order replies carry the code next to their own fields; a string code is understood.
        let e = apex(
            decode::<serde_json::Value>(
                200,
                r#"{"status":"Rejected","errormsg":"Not_Enough_Funds","errorcode":"101"}"#,
            )
            .unwrap_err(),
        );
        assert_eq!(
            (e.code, e.message.as_deref(), e.detail),
            (101, Some("Not_Enough_Funds"), None)
        );
        // An error on a non-2xx status keeps the venue's words and the status.
        let e = apex(
            decode::<Acknowledgement>(
                401,
                r#"{"result":false,"errormsg":"Not Authorized","errorcode":20}"#,
            )
            .unwrap_err(),
        );
        assert_eq!(
            (e.status, e.kind),
            (401, AlphaPointErrorKind::NotAuthorized)
        );
        assert_eq!(Error::AlphaPoint(e).status(), Some(401));
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Ticket {
        #[serde(rename = "requestCode")]
        request_code: String,
        #[serde(rename = "Status")]
        status: serde_json::Value,
    }

    #[test]
    fn replies_without_errorcode_are_results() {
        let ticket: Ticket = decode(
            200,
            r#"{"assetId":1,"requestCode":"866f","Status":"UserCanceled","result":false}"#,
        )
        .unwrap();
        assert_eq!(ticket.request_code, "866f");
        let tickets: Vec<Ticket> = decode(
            200,
            r#"[{"requestCode":"a","Status":11},{"requestCode":"b","Status":0}]"#,
        )
        .unwrap();
        assert_eq!(tickets.len(), 2);
        let null_code: serde_json::Value =
            decode(200, r#"{"errorcode":null,"errormsg":"","x":1}"#).unwrap();
        assert_eq!(null_code["x"], 1);
        let n: u32 = decode(200, "7").unwrap();
        assert_eq!(n, 7);
    }

    #[test]
    fn generic_failures() {
        let err = decode::<Ticket>(200, r#"{"requestCode":"a""#).unwrap_err();
        assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
        let err = decode::<Ticket>(200, r#"{"requestCode":"a"}"#).unwrap_err();
        assert!(matches!(err, Error::Decode { .. }), "{err:?}");
        let err = decode::<Acknowledgement>(
            404,
            r#"{"result":true,"errormsg":null,"errorcode":0,"detail":null}"#,
        )
        .unwrap_err();
        assert!(matches!(err, Error::Http { status: 404, .. }), "{err:?}");
        let page = RawResponse {
            status: 404,
            content_type: Some("text/html".into()),
            body: b"<html>Not Found</html>".to_vec(),
            retry_after: None,
        };
        let err = AlphaPointEnvelope::decode::<Acknowledgement>(&page).unwrap_err();
        assert!(matches!(err, Error::NotJson { status: 404, .. }), "{err:?}");
        let err = decode::<Acknowledgement>(200, "").unwrap_err();
        assert!(matches!(err, Error::EmptyBody { status: 200 }), "{err:?}");
    }

    #[test]
    fn a_repeated_key_is_refused_never_read_as_either_value() {
        use crate::envelope::testing::assert_repeated_key_refused;
        // serde_json alone keeps the last `errorcode`, 0: a refusal would read as a success.
        assert_repeated_key_refused::<AlphaPointEnvelope>(
            r#"{"result":false,"errormsg":"Invalid Request","errorcode":100,"errorcode":0,"detail":null}"#,
            "errorcode",
        );
        assert_repeated_key_refused::<AlphaPointEnvelope>(
            r#"{"result":false,"result":true,"errormsg":null,"errorcode":0,"detail":null}"#,
            "result",
        );
        assert_repeated_key_refused::<AlphaPointEnvelope>(
            r#"{"requestCode":"x","Status":"UserCanceled","Status":"FullyProcessed"}"#,
            "Status",
        );
    }

    #[test]
    fn display_escapes_terminal_controls_and_keeps_the_raw_text() {
        use crate::envelope::testing::{assert_escaped, HOSTILE, HOSTILE_JSON};
        let body = format!(
            r#"{{"result":false,"errormsg":"{HOSTILE_JSON}","errorcode":101,"detail":"{HOSTILE_JSON}"}}"#
        );
        let e = apex(decode::<Acknowledgement>(200, &body).unwrap_err());
        assert_eq!(e.message.as_deref(), Some(HOSTILE));
        assert_eq!(e.detail.as_deref(), Some(HOSTILE));
        let text = e.to_string();
        assert_escaped(&text);
        assert_eq!(text.matches("\\u{202e}").count(), 2, "{text}");
        assert_escaped(&Error::AlphaPoint(e).to_string());
    }
}
