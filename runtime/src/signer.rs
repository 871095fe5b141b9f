//! The signing seam: a request about to be sent, and the trait that authenticates it.

use std::fmt;

use crate::body::Body;
use crate::operation::{Method, Operation, ValueKind};

/// A request about to be sent, as the signer sees it. The signer edits it in place: it may add
/// body fields it owns and headers, and must sign the bytes as they will be sent.
pub struct HttpRequest {
    /// The operation this request is for.
    pub operation: &'static Operation,
    /// The HTTP method.
    pub method: Method,
    /// The full URL: base URL, path, and `?query` if any.
    pub url: String,
    /// The path and query as they go on the request line (`/0/private/WithdrawCancel`).
    pub path_and_query: String,
    /// Headers, in the order they will be sent.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
    /// Where the signer put long-lived credentials, so a request shown to a person can hide
    /// them ([`crate::PreparedRequest::redacted`]).
    credentials: Vec<CredentialPlace>,
}

/// Where a long-lived credential (an API key, a passphrase, a token) sits in a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CredentialPlace {
    /// The value of this header.
    Header(String),
    /// The value of this query parameter.
    Query(String),
}

impl HttpRequest {
    /// A request about to be signed: `url` is the base URL followed by `path_and_query`.
    pub fn new(
        operation: &'static Operation,
        url: String,
        path_and_query: String,
        headers: Vec<(String, String)>,
        body: Body,
    ) -> HttpRequest {
        HttpRequest {
            operation,
            method: operation.method,
            url,
            path_and_query,
            headers,
            body,
            credentials: Vec::new(),
        }
    }

    /// Adds a header whose value is a long-lived credential (an API key, a passphrase, a
    /// token): sent as it is, shown as `[redacted]` when the request is printed. Per-request
    /// values (signatures, nonces, timestamps) go in `headers` directly.
    pub fn push_credential_header(&mut self, name: &str, value: impl Into<String>) {
        self.headers.push((name.to_owned(), value.into()));
        self.credentials
            .push(CredentialPlace::Header(name.to_owned()));
    }

    /// Records that the header `name`, already added, holds a long-lived credential (see
    /// [`HttpRequest::push_credential_header`]), for signers that add headers in a fixed order.
    pub fn mark_credential_header(&mut self, name: &str) {
        self.credentials
            .push(CredentialPlace::Header(name.to_owned()));
    }

    /// Appends `name=value` to the query, percent-encoded, as a long-lived credential (an
    /// OpenAPI `apiKey` in the query), so it is signed and sent with the URL but shown as
    /// `[redacted]`.
    pub fn push_credential_query(&mut self, name: &str, value: &str) {
        self.push_query(name, value);
        self.credentials
            .push(CredentialPlace::Query(name.to_owned()));
    }

    /// Appends `name=value` to the query, percent-encoded (RFC 3986 unreserved characters
    /// kept), to both the URL and the path and query, so what is signed afterwards is what is
    /// sent: Binance's `timestamp` and `signature`.
    pub fn push_query(&mut self, name: &str, value: &str) {
        let mut pair = String::new();
        crate::route::percent_encode_into(&mut pair, name);
        pair.push('=');
        crate::route::percent_encode_into(&mut pair, value);
        let separator = if self.path_and_query.contains('?') {
            '&'
        } else {
            '?'
        };
        for target in [&mut self.url, &mut self.path_and_query] {
            target.push(separator);
            target.push_str(&pair);
        }
    }

    /// The credential places, for [`crate::PreparedRequest`].
    pub(crate) fn take_credentials(&mut self) -> Vec<CredentialPlace> {
        std::mem::take(&mut self.credentials)
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("operation", &self.operation.id)
            .field("method", &self.method)
            .field("url", &self.url)
            .field("path_and_query", &self.path_and_query)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body", &self.body)
            .finish()
    }
}

/// Authenticates requests for one exchange.
pub trait Signer: Send + Sync + fmt::Debug {
    /// Adds the body fields the signer owns and the auth headers, over the exact bytes that will
    /// be sent.
    fn sign(&self, request: &mut HttpRequest) -> Result<(), SignError>;
}

/// Why a request could not be signed. Each message names the operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The operation does not declare a body field the signer must fill in.
    #[error(
        "operation `{operation}` is signed, but declares no `{field}` body field, which the {signer} signer needs"
    )]
    MissingSignerField {
        /// The operation id.
        operation: &'static str,
        /// The field the signer needs.
        field: &'static str,
        /// The signer's name.
        signer: &'static str,
    },
    /// A signer-owned field is declared with a type the signer cannot produce.
    #[error(
        "operation `{operation}` declares its `{field}` body field as {kind:?}, but the {signer} signer can only fill it as an integer or a string"
    )]
    UnsupportedFieldKind {
        /// The operation id.
        operation: &'static str,
        /// The field name.
        field: &'static str,
        /// The declared kind.
        kind: ValueKind,
        /// The signer's name.
        signer: &'static str,
    },
    /// The signer's fields could not be added to the body.
    #[error(
        "could not add the signer's fields to the body of operation `{operation}`: {}",
        crate::escape::Escaped(message)
    )]
    Body {
        /// The operation id.
        operation: &'static str,
        /// What went wrong.
        message: String,
    },
    /// The signature itself could not be computed (an RSA key the signing primitive refused).
    /// Nothing about the key is said.
    #[error("the {signer} signer could not compute the signature for operation `{operation}`")]
    SignatureFailed {
        /// The operation id.
        operation: &'static str,
        /// The signer's name.
        signer: &'static str,
    },
    /// The operation's OpenAPI `security` names schemes, and the client has credentials for
    /// none of its alternatives.
    #[error(
        "operation `{operation}` needs credentials for {}, and the client has none of them",
        crate::escape::Escaped(needed)
    )]
    NoUsableCredentials {
        /// The operation id.
        operation: &'static str,
        /// The alternatives, `a + b, or c`.
        needed: String,
    },
    /// The nonce source could not give a nonce (a [`crate::FileNonce`] whose file cannot be
    /// locked, read or written): nothing was sent.
    #[error("operation `{operation}` could not be signed: {source}")]
    Nonce {
        /// The operation id.
        operation: &'static str,
        /// Why no nonce could be drawn.
        source: crate::nonce::NonceError,
    },
    /// The operation must be signed, but the client has no credentials.
    #[error(
        "operation `{operation}` must be signed, but the client was built without credentials"
    )]
    NoCredentials {
        /// The operation id.
        operation: &'static str,
    },
}

/// A signer for clients without credentials: public operations go through, signed ones fail
/// with [`SignError::NoCredentials`] before anything is sent.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unsigned;

impl Signer for Unsigned {
    fn sign(&self, request: &mut HttpRequest) -> Result<(), SignError> {
        Err(SignError::NoCredentials {
            operation: request.operation.id,
        })
    }
}

/// Shows header names, and values only for headers that cannot hold credentials.
pub(crate) struct RedactedHeaders<'a>(pub(crate) &'a [(String, String)]);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // An allow-list, because the names that carry keys, signatures and passphrases differ
        // per exchange and new plugins should be safe by default.
        const SHOWN: [&str; 3] = ["content-type", "accept", "user-agent"];
        f.debug_list()
            .entries(self.0.iter().map(|(name, value)| {
                let shown = SHOWN.iter().any(|s| name.eq_ignore_ascii_case(s));
                (
                    name.as_str(),
                    if shown { value.as_str() } else { "[redacted]" },
                )
            }))
            .finish()
    }
}
