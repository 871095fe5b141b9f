//! What a fake saw: every request, with the verdict its checks reached.

use std::fmt;

use crate::reply::Reply;

/// Header names whose values are credentials (not signatures): redacted by `Debug`.
const REDACTED_HEADERS: &[&str] = &["ok-access-passphrase", "aptoken", "authorization"];

/// Why a fake answered a request as it did.
///
/// One enum for every exchange; each exchange module documents which variants it produces and
/// which exchange error each one is answered with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every check passed; the scripted [`Reply`] was sent.
    Accepted,
    /// Wrong HTTP method or path: not one of the fake's endpoints (its cancel endpoint and
    /// its status endpoints).
    UnknownEndpoint,
    /// A required auth header is absent (its lower-case name).
    MissingHeader(String),
    /// The API key is not one the fake was given.
    InvalidKey,
    /// OKX: the key's environment (live or demo) does not match `x-simulated-trading`.
    WrongEnvironment,
    /// OKX: `OK-ACCESS-PASSPHRASE` is not the key's passphrase.
    WrongPassphrase,
    /// A timestamp or receive-window header that does not parse.
    InvalidTimestamp(String),
    /// A timestamp outside the accepted window around the fake's [`Clock`](crate::Clock).
    StaleTimestamp(String),
    /// The signature is absent, malformed, or not the value the fake computes.
    InvalidSignature,
    /// Nonce missing, malformed, reused or too low.
    InvalidNonce(String),
    /// The body is not what the endpoint takes: wrong content type, does not parse, missing,
    /// mistyped or unknown fields.
    InvalidArguments(String),
    /// Kraken Pay: the `external_id` was already used.
    IdAlreadyUsed(String),
    /// Authenticated, but not allowed to do this (AlphaPoint: the body's `UserId` is not the
    /// authenticated user).
    PermissionDenied(String),
}

impl Verdict {
    /// `true` for [`Verdict::Accepted`].
    pub fn is_accepted(&self) -> bool {
        matches!(self, Verdict::Accepted)
    }
}

/// One request as a fake received it, and what the fake made of it.
///
/// `Debug` redacts credential headers (`OK-ACCESS-PASSPHRASE`, `aptoken`, `Authorization`);
/// [`Recorded::header`] still returns them for assertions.
#[derive(Clone, PartialEq)]
pub struct Recorded<A> {
    /// The HTTP method, e.g. `POST`.
    pub method: String,
    /// The path, without the query string.
    pub path: String,
    /// The query string (without `?`), if the request line had one.
    pub query: Option<String>,
    /// Header names lower-cased, values as sent (lossy UTF-8), in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body bytes exactly as received.
    pub body: Vec<u8>,
    /// The nonce, for exchanges with numeric nonces (Kraken, Kraken Pay, and AlphaPoint when its
    /// nonce is all digits), once it could be read.
    pub nonce: Option<u64>,
    /// The fake's clock when the request arrived, Unix milliseconds.
    pub received_at_ms: u64,
    /// What the checks concluded.
    pub verdict: Verdict,
    /// The scripted reply sent, when the verdict is [`Verdict::Accepted`].
    pub reply: Option<Reply<A>>,
}

impl<A> Recorded<A> {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path and, if any, `?` and the query, as in the request line.
    pub fn path_and_query(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{}", self.path, q),
            None => self.path.clone(),
        }
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The body as text (lossy UTF-8).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// `true` when every check passed.
    pub fn is_accepted(&self) -> bool {
        self.verdict.is_accepted()
    }
}

impl<A: fmt::Debug> fmt::Debug for Recorded<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                if REDACTED_HEADERS.contains(&n.as_str()) {
                    (n.as_str(), "<redacted>")
                } else {
                    (n.as_str(), v.as_str())
                }
            })
            .collect();
        f.debug_struct("Recorded")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &headers)
            .field("body", &self.body_text())
            .field("nonce", &self.nonce)
            .field("received_at_ms", &self.received_at_ms)
            .field("verdict", &self.verdict)
            .field("reply", &self.reply)
            .finish()
    }
}
