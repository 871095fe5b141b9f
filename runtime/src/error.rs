//! The one error type generated clients return.

use crate::alphapoint::AlphaPointError;
use crate::bybit::BybitError;
use crate::escape::Escaped;
use crate::kraken::{CredentialsError, KrakenErrorKind, KrakenErrors};
use crate::okx::OkxError;
use crate::signer::SignError;

/// Everything that can go wrong between building a request and decoding its reply.
///
/// Variants that come from a reply carry the HTTP status and, where the body was not what was
/// expected, its first bytes ([`crate::envelope::body_excerpt`]), so a log line alone explains
/// the failure. No variant ever holds a secret.
///
/// `Display` never writes text from outside raw: control characters and Unicode bidi controls
/// in an exchange's message, a body excerpt or a URL are written as escapes (`\u{1b}`,
/// `\u{202e}`, see [`crate::escape_text`]), so a hostile reply cannot drive the terminal or
/// reorder the line that reports it. The fields keep the text as received.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The reply had a non-2xx status and did not carry an exchange error in its envelope.
    #[error(
        "the exchange answered HTTP {status}; body starts: {}",
        Escaped(body_excerpt)
    )]
    Http {
        /// The HTTP status.
        status: u16,
        /// The first bytes of the body.
        body_excerpt: String,
        /// The whole body, if it is JSON: what the spec's error reply describes, read with
        /// [`Error::error_body`].
        body: Option<Box<serde_json::Value>>,
    },
    /// The reply had no body (or only whitespace).
    #[error("the exchange answered HTTP {status} with an empty body")]
    EmptyBody {
        /// The HTTP status.
        status: u16,
    },
    /// The body is not JSON at all, typically an HTML error page from a proxy or CDN.
    #[error(
        "the exchange answered HTTP {status} with a body that is not JSON (content type {}); body starts: {}",
        Escaped(content_type.as_deref().unwrap_or("not given")), Escaped(body_excerpt)
    )]
    NotJson {
        /// The HTTP status.
        status: u16,
        /// The `Content-Type` header, if any.
        content_type: Option<String>,
        /// The first bytes of the body.
        body_excerpt: String,
    },
    /// The body looks like JSON but is truncated, malformed, not the expected shape, or
    /// ambiguous (an object that names a key twice, see [`crate::envelope::ensure_unique_keys`]).
    ///
    /// `Display` starts with the path: `data[0].state: invalid type: ... (JSON of an unexpected
    /// shape at line 1, column 299 of the exchange's HTTP 200 reply); body starts: ...`.
    #[error(
        "{}: {} ({}{} the exchange's HTTP {status} reply); body starts: {}",
        Escaped(shown_path(path)),
        Escaped(message_of(source)),
        decode_problem(source),
        position(source),
        Escaped(body_excerpt)
    )]
    Decode {
        /// The HTTP status.
        status: u16,
        /// The first bytes of the body.
        body_excerpt: String,
        /// Where in the reply decoding failed, as a JSON path from the top of the body:
        /// `data[0].state`, `result.rows[2]`, `ticketNumber`; empty for the body as a whole.
        path: String,
        /// What `serde_json` objected to, with its position.
        source: serde_json::Error,
    },
    /// The exchange's address answered with a redirect (3xx). Signed requests are never sent
    /// on to another address: the runtime's own HTTP client does not follow redirects (custom
    /// credential headers such as `API-Key` are not stripped on a cross-host redirect the way
    /// `Authorization` is).
    #[error(
        "the exchange answered HTTP {status} redirecting to {}, which signed requests do not follow{}",
        Escaped(location.as_deref().unwrap_or("an address it did not give")),
        if *followed { " (the HTTP client given to Client::with_http_client followed it anyway: the request, credentials included, reached that address)" } else { "" }
    )]
    Redirected {
        /// The HTTP status (301, 302, 303, 307, 308...); for a redirect the HTTP client
        /// followed, the status of the reply that came from the other address.
        status: u16,
        /// The `Location` header (for a redirect followed, the address the reply came from).
        location: Option<String>,
        /// `true` when a caller-built HTTP client ([`crate::Client::with_http_client`])
        /// followed the redirect before the runtime saw it: its reply is refused, but the
        /// request went there.
        followed: bool,
    },
    /// Kraken answered with one or more errors in its envelope.
    #[error(transparent)]
    Kraken(KrakenErrors),
    /// OKX answered with a `code` other than `"0"`.
    #[error(transparent)]
    Okx(OkxError),
    /// Bybit answered with a `retCode` other than 0.
    #[error(transparent)]
    Bybit(BybitError),
    /// AlphaPoint answered with an `errorcode` other than 0.
    #[error(transparent)]
    AlphaPoint(AlphaPointError),
    /// An exchange answered with an error of its own, decoded by an envelope that has no
    /// variant here: how a plugin added after these reports its exchange's errors without
    /// changing this type. [`Error::exchange_failure`] reaches it like the variants above.
    #[error(transparent)]
    Exchange(ExchangeError),
    /// The request could not be sent or its reply could not be read in full.
    #[error("{}", describe_transport(.0))]
    Transport(#[source] reqwest::Error),
    /// TLS could not be set up (the platform's certificate store could not be read).
    #[error("TLS could not be set up: {}", Escaped(.0))]
    Tls(String),
    /// The reply body was larger than the runtime accepts.
    #[error("the exchange's HTTP {status} reply is larger than the {limit} bytes accepted")]
    ResponseTooLarge {
        /// The HTTP status.
        status: u16,
        /// The limit in bytes.
        limit: usize,
    },
    /// The request body could not be encoded.
    #[error("could not encode the request body{}: {}", for_operation(*operation), Escaped(message))]
    Encode {
        /// The operation id, when known.
        operation: Option<&'static str>,
        /// What went wrong.
        message: String,
    },
    /// The signer could not sign the request.
    #[error(transparent)]
    Sign(#[from] SignError),
    /// The credentials given are unusable.
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    /// The OKX credentials given are unusable.
    #[error(transparent)]
    OkxCredentials(#[from] crate::okx::CredentialsError),
    /// The Bybit credentials given are unusable.
    #[error(transparent)]
    BybitCredentials(#[from] crate::bybit::CredentialsError),
    /// The AlphaPoint credentials given are unusable.
    #[error(transparent)]
    AlphaPointCredentials(#[from] crate::alphapoint::CredentialsError),
    /// The base URL given to [`crate::Client`] is unusable.
    #[error("the base URL `{}` is unusable: {}", Escaped(url), Escaped(reason))]
    InvalidBaseUrl {
        /// The URL, with any user name and password removed.
        url: String,
        /// Why it was rejected.
        reason: String,
    },
    /// The proxy URL given to [`crate::ClientBuilder::proxy`] is unusable.
    #[error("the proxy URL `{}` is unusable: {}", Escaped(url), Escaped(reason))]
    InvalidProxy {
        /// The URL, with any password removed.
        url: String,
        /// Why it was rejected.
        reason: String,
    },
}

impl Error {
    /// The HTTP status of the reply this error came from, if it came from one.
    pub fn status(&self) -> Option<u16> {
        if let Some(failure) = self.exchange_failure() {
            return Some(failure.status());
        }
        match self {
            Error::Http { status, .. }
            | Error::EmptyBody { status }
            | Error::NotJson { status, .. }
            | Error::Decode { status, .. }
            | Error::Redirected { status, .. }
            | Error::ResponseTooLarge { status, .. } => Some(*status),
            Error::Transport(e) => e.status().map(|s| s.as_u16()),
            _ => None,
        }
    }

    /// The body of an error reply the envelope did not read ([`Error::Http`]) as `T`: the type
    /// the spec gives that reply, which a generated method's docs name. `None` for other
    /// errors and for a body that is not JSON.
    pub fn error_body<T: serde::de::DeserializeOwned>(
        &self,
    ) -> Option<Result<T, serde_json::Error>> {
        match self {
            Error::Http {
                body: Some(body), ..
            } => Some(T::deserialize(body.as_ref())),
            _ => None,
        }
    }

    /// The exchange's own error, whichever envelope decoded it: the one place that lists the
    /// exchange variants, so the questions below ask each exchange's error type, not a `match`.
    pub fn exchange_failure(&self) -> Option<&dyn ExchangeFailure> {
        match self {
            Error::Kraken(e) => Some(e),
            Error::Okx(e) => Some(e),
            Error::Bybit(e) => Some(e),
            Error::AlphaPoint(e) => Some(e),
            Error::Exchange(e) => Some(e.0.as_ref()),
            _ => None,
        }
    }

    /// Whether a rate limit refused the request: HTTP 429, or the exchange's own rate-limit
    /// error (Kraken `EAPI:Rate limit exceeded` / `EService:Throttled`, OKX `50011`/`58102`,
    /// Bybit `10006`/`10018`). The request had no effect; send it again after a longer pause.
    pub fn is_rate_limited(&self) -> bool {
        match self.exchange_failure() {
            Some(failure) => failure.is_rate_limited(),
            None => self.status() == Some(429),
        }
    }

    /// Whether the request may have taken effect although no answer says so: the connection
    /// broke after sending, a proxy or the exchange failed mid-way (a 5xx, an HTML page, an
    /// empty, cut-short or unreadable reply), or the exchange itself says it does not know
    /// (Kraken `EService:Deadline elapsed`, OKX `50004`, Bybit `10000`/`10016`, AlphaPoint
    /// `102`). Check the outcome before acting as if nothing happened.
    ///
    /// A request that never left (no connection, a bad URL, a signing failure) and a refusal the
    /// exchange explains are not in doubt.
    pub fn outcome_unknown(&self) -> bool {
        if let Some(failure) = self.exchange_failure() {
            return failure.outcome_unknown();
        }
        match self {
            Error::Transport(e) => !(e.is_connect() || e.is_builder()),
            Error::Http { status, .. } => *status >= 500 || *status == 408,
            Error::EmptyBody { .. }
            | Error::NotJson { .. }
            | Error::Decode { .. }
            | Error::ResponseTooLarge { .. } => true,
            // A redirect the runtime did not follow left the request unprocessed; one a
            // caller-built client followed reached another address, which may have acted on it.
            Error::Redirected { followed, .. } => *followed,
            _ => false,
        }
    }

    /// Whether sending the same request again, after a pause, may succeed unchanged: rate
    /// limits ([`Error::is_rate_limited`]), replies whose outcome is unknown
    /// ([`Error::outcome_unknown`]), a connection that could not be made, and the exchange's own
    /// "busy, try again" errors. Everything else (credentials, permissions, parameters, an
    /// explained refusal) needs a change first.
    pub fn is_transient(&self) -> bool {
        let exchange_says_retry = match (self.exchange_failure(), self) {
            (Some(failure), _) => failure.is_retryable(),
            (None, Error::Transport(e)) => e.is_connect(),
            (None, _) => false,
        };
        exchange_says_retry || self.is_rate_limited() || self.outcome_unknown()
    }

    pub(crate) fn encode(message: impl Into<String>) -> Error {
        Error::Encode {
            operation: None,
            message: message.into(),
        }
    }

    /// Names the operation in an error that could not know it where it was made.
    pub(crate) fn in_operation(self, id: &'static str) -> Error {
        match self {
            Error::Encode {
                operation: None,
                message,
            } => Error::Encode {
                operation: Some(id),
                message,
            },
            other => other,
        }
    }
}

/// What every exchange's own error type answers, so that [`Error`]'s questions (status, rate
/// limit, unknown outcome, retry) reach it without a `match` per exchange.
pub trait ExchangeFailure: std::error::Error + std::any::Any + Send + Sync {
    /// The HTTP status of the reply that carried the error.
    fn status(&self) -> u16;
    /// Whether the exchange says a rate limit refused the request (it had no effect).
    fn is_rate_limited(&self) -> bool {
        false
    }
    /// Whether the exchange says it does not know whether the request took effect.
    fn outcome_unknown(&self) -> bool {
        false
    }
    /// Whether the exchange says the same request may succeed if sent again later.
    fn is_retryable(&self) -> bool {
        false
    }
}

/// An exchange error carried by [`Error::Exchange`]; `downcast_ref` recovers the plugin's type.
#[derive(Debug)]
pub struct ExchangeError(pub Box<dyn ExchangeFailure>);

impl ExchangeError {
    /// The plugin's own error type, if it is a `T`.
    pub fn downcast_ref<T: ExchangeFailure>(&self) -> Option<&T> {
        (self.0.as_ref() as &dyn std::any::Any).downcast_ref()
    }
}

impl std::fmt::Display for ExchangeError {
    /// The plugin's own `Display`, with control and bidi characters escaped as everywhere else.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&Escaped(&self.0), f)
    }
}

impl std::error::Error for ExchangeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl ExchangeFailure for KrakenErrors {
    fn status(&self) -> u16 {
        self.status
    }
    fn is_rate_limited(&self) -> bool {
        self.has_kind(KrakenErrorKind::RateLimitExceeded)
            || self.has_kind(KrakenErrorKind::Throttled)
    }
    fn outcome_unknown(&self) -> bool {
        self.has_kind(KrakenErrorKind::DeadlineElapsed)
    }
    fn is_retryable(&self) -> bool {
        KrakenErrors::is_retryable(self)
    }
}

fn for_operation(operation: Option<&str>) -> String {
    operation
        .map(|id| format!(" of operation `{id}`"))
        .unwrap_or_default()
}

/// The path as `Error::Decode` shows it first.
fn shown_path(path: &str) -> &str {
    if path.is_empty() {
        "the reply"
    } else {
        path
    }
}

/// ` at line L, column C of`, or ` in` when the error was found in a value already parsed (the
/// withdrawal layer reading one record), which has no position.
fn position(e: &serde_json::Error) -> String {
    if e.line() == 0 {
        " in".to_owned()
    } else {
        format!(" at line {}, column {} of", e.line(), e.column())
    }
}

/// serde_json's message without the ` at line L column C` it appends (shown separately).
fn message_of(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&position) {
        Some(message) => message.to_owned(),
        None => text,
    }
}

fn decode_problem(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Eof => "the JSON ends too early",
        serde_json::error::Category::Syntax => "malformed JSON",
        serde_json::error::Category::Data => "JSON of an unexpected shape",
        serde_json::error::Category::Io => "read error",
    }
}

fn describe_transport(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "failed while reading the reply body (connection closed or body cut short)"
    } else if e.is_builder() {
        "could not be built (invalid header or URL)"
    } else if e.is_redirect() {
        "was redirected, which signed requests do not follow"
    } else {
        "failed"
    };
    match e.url() {
        Some(url) => format!("the HTTP request to {url} {what}"),
        None => format!("the HTTP request {what}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_error_says_where() {
        let source =
            serde_json::from_slice::<serde_json::Value>(br#"{"error":[],"res"#).unwrap_err();
        let err = Error::Decode {
            status: 200,
            body_excerpt: r#"{"error":[],"res"#.into(),
            path: String::new(),
            source,
        };
        assert_eq!(
            err.to_string(),
            r#"the reply: EOF while parsing a string (the JSON ends too early at line 1, column 16 of the exchange's HTTP 200 reply); body starts: {"error":[],"res"#
        );
    }

    /// The error a reply decodes to through envelope `E`.
    fn reply_error<E: crate::envelope::Envelope>(status: u16, body: &str) -> Error {
        let response = crate::RawResponse {
            status,
            content_type: Some("application/json".into()),
            body: body.as_bytes().to_vec(),
            retry_after: None,
        };
        E::decode::<serde_json::Value>(&response).expect_err("an error reply")
    }

    fn kraken(body: &str) -> Error {
        reply_error::<crate::kraken::KrakenEnvelope>(200, body)
    }

    fn okx(code: &str) -> Error {
        let body = format!(r#"{{"code":"{code}","msg":"m","data":[]}}"#);
        reply_error::<crate::okx::OkxEnvelope>(200, &body)
    }

    fn bybit(code: i64) -> Error {
        let body = format!(r#"{{"retCode":{code},"retMsg":"m","result":{{}},"time":1}}"#);
        reply_error::<crate::bybit::BybitEnvelope>(200, &body)
    }

    fn alphapoint(code: i64) -> Error {
        let body = format!(r#"{{"result":false,"errormsg":"m","errorcode":{code},"detail":null}}"#);
        reply_error::<crate::alphapoint::AlphaPointEnvelope>(200, &body)
    }

    fn http(status: u16) -> Error {
        Error::Http {
            status,
            body_excerpt: String::new(),
            body: None,
        }
    }

    #[test]
    fn rate_limits_are_recognised_on_every_exchange() {
        for error in [
            kraken(r#"{"error":["EAPI:Rate limit exceeded"]}"#),
            kraken(r#"{"error":["EService:Throttled: 1700000000"]}"#),
            okx("50011"),
            okx("58102"),
            bybit(10006),
            bybit(10018),
            http(429),
        ] {
            assert!(error.is_rate_limited(), "{error}");
            assert!(error.is_transient(), "{error}");
            assert!(
                !error.outcome_unknown(),
                "a rate limit had no effect: {error}"
            );
        }
    }

    #[test]
    fn replies_that_leave_the_outcome_open() {
        let unreadable = serde_json::from_slice::<serde_json::Value>(b"{").unwrap_err();
        for error in [
            kraken(r#"{"error":["EService:Deadline elapsed"]}"#),
            okx("50004"),
            bybit(10000),
            bybit(10016),
            alphapoint(102),
            http(502),
            http(504),
            Error::EmptyBody { status: 200 },
            Error::NotJson {
                status: 502,
                content_type: Some("text/html".into()),
                body_excerpt: "<html>".into(),
            },
            Error::Decode {
                status: 200,
                body_excerpt: "{".into(),
                path: String::new(),
                source: unreadable,
            },
        ] {
            assert!(error.outcome_unknown(), "{error}");
            assert!(error.is_transient(), "{error}");
        }
    }

    #[test]
    fn explained_refusals_are_neither_in_doubt_nor_transient() {
        for error in [
            kraken(r#"{"error":["EAPI:Invalid key"]}"#),
            kraken(r#"{"error":["EFunding:Unknown reference id"]}"#),
            okx("50113"),
            okx("58216"),
            bybit(10003),
            bybit(131002),
            alphapoint(20),
            alphapoint(101),
            http(401),
            http(404),
        ] {
            assert!(!error.outcome_unknown(), "{error}");
            assert!(!error.is_transient(), "{error}");
            assert!(!error.is_rate_limited(), "{error}");
        }
    }

    #[test]
    fn busy_exchanges_are_transient_without_doubt() {
        for error in [
            kraken(r#"{"error":["EService:Unavailable"]}"#),
            okx("50001"),
        ] {
            assert!(error.is_transient(), "{error}");
        }
    }

    #[test]
    fn encode_error_names_operation_once_known() {
        let err = Error::encode("boom").in_operation("cancelWithdrawal");
        assert_eq!(
            err.to_string(),
            "could not encode the request body of operation `cancelWithdrawal`: boom"
        );
    }

    #[test]
    fn display_never_writes_terminal_controls_raw() {
        use crate::envelope::testing::{assert_escaped, HOSTILE};
        let unreadable = serde_json::from_slice::<serde_json::Value>(b"{").unwrap_err();
        // Fields a program may fill itself: Display escapes them whatever they hold.
        let errors = [
            Error::Http {
                status: 500,
                body_excerpt: HOSTILE.into(),
                body: None,
            },
            Error::NotJson {
                status: 502,
                content_type: Some(HOSTILE.into()),
                body_excerpt: HOSTILE.into(),
            },
            Error::Decode {
                status: 200,
                body_excerpt: HOSTILE.into(),
                path: HOSTILE.into(),
                source: unreadable,
            },
            Error::Redirected {
                status: 302,
                location: Some(HOSTILE.into()),
                followed: false,
            },
            Error::Tls(HOSTILE.into()),
            Error::Encode {
                operation: None,
                message: HOSTILE.into(),
            },
            Error::InvalidBaseUrl {
                url: HOSTILE.into(),
                reason: "r".into(),
            },
            Error::InvalidProxy {
                url: HOSTILE.into(),
                reason: "r".into(),
            },
            Error::Sign(crate::SignError::Body {
                operation: "op",
                message: HOSTILE.into(),
            }),
        ];
        for error in errors {
            assert_escaped(&error.to_string());
        }
    }

    #[test]
    fn a_plugins_own_display_is_escaped_too() {
        #[derive(Debug)]
        struct PluginError;
        impl std::fmt::Display for PluginError {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "refused: {}", crate::envelope::testing::HOSTILE)
            }
        }
        impl std::error::Error for PluginError {}
        impl ExchangeFailure for PluginError {
            fn status(&self) -> u16 {
                200
            }
        }
        let error = Error::Exchange(ExchangeError(Box::new(PluginError)));
        crate::envelope::testing::assert_escaped(&error.to_string());
    }
}
