//! Scripted replies: the part shared by every exchange (transport faults, raw replies) and the
//! hook for each exchange's own answers.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Bytes, Frame, SizeHint};
use hyper::header::{HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Response, StatusCode};

/// What a fake answers to a request that passed every check.
///
/// `A` is the exchange's own answer type (e.g. [`kraken::Answer`](crate::kraken::Answer)); each
/// exchange module has a `Reply` alias and constructors for its documented errors, such as
/// `okx::Reply::error(okx::DocumentedError::WithdrawalIdDoesNotExist)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply<A> {
    /// The exchange's success envelope for the endpoint (the default).
    Success,
    /// An exchange-specific answer: a documented error, a custom result or code.
    Exchange(A),
    /// The exchange's rate-limit answer (Kraken `EAPI:Rate limit exceeded`, OKX 50011 with HTTP
    /// 429, Bybit 10006 with `X-Bapi-Limit-*` headers, AlphaPoint a plain HTTP 429).
    RateLimited,
    /// 502 with a gateway's HTML page and `Content-Type: text/html`.
    Html502,
    /// 200 with `Content-Type: application/json` and an empty body (`Content-Length: 0`).
    EmptyBody,
    /// 200 with the exchange's success body cut short: `Content-Length` declares the whole body,
    /// about half is written, then the connection closes.
    TruncatedSuccess,
    /// 200 declaring `Content-Length: declared` but writing only `sent`, then closing the
    /// connection. A `declared` not above `sent.len()` is raised to `sent.len() + 1`.
    Truncated {
        /// The `Content-Length` announced.
        declared: usize,
        /// The bytes actually written.
        sent: Vec<u8>,
    },
    /// A status with a `text/plain` body, e.g. 500 `Internal Server Error`.
    PlainText {
        /// The HTTP status code.
        status: u16,
        /// The body text.
        body: String,
    },
    /// Anything else: status, optional content type, body bytes. An invalid status is answered
    /// with a 500 that says so, an invalid content type is left out.
    Raw {
        /// The HTTP status code.
        status: u16,
        /// The `Content-Type` header, if any.
        content_type: Option<String>,
        /// The body bytes.
        body: Vec<u8>,
    },
}

impl<A> Reply<A> {
    /// The exchange's success body cut short ([`Reply::TruncatedSuccess`]).
    pub fn truncated() -> Self {
        Reply::TruncatedSuccess
    }

    /// 500 `text/plain` `Internal Server Error`.
    pub fn internal_server_error() -> Self {
        Reply::PlainText {
            status: 500,
            body: "Internal Server Error".to_owned(),
        }
    }

    /// A JSON body with the given status and raw JSON text (not checked).
    pub fn raw_json(status: u16, json: impl Into<String>) -> Self {
        Reply::Raw {
            status,
            content_type: Some("application/json".to_owned()),
            body: json.into().into_bytes(),
        }
    }
}

/// The HTML page a gateway (here: Cloudflare-style) sends for a 502.
pub(crate) const HTML_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n";

pub(crate) const JSON_UTF8: &str = "application/json; charset=utf-8";

/// A reply as the server writes it, before it becomes a hyper response.
#[derive(Clone, Debug)]
pub struct HttpReply {
    pub status: u16,
    pub content_type: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// `Some(n)`: announce `Content-Length: n`, write `body`, then break the connection.
    pub declared_len: Option<usize>,
}

impl HttpReply {
    /// A JSON reply (`application/json; charset=utf-8`).
    pub fn json(status: u16, body: impl Into<Vec<u8>>) -> HttpReply {
        HttpReply {
            status,
            content_type: Some(JSON_UTF8.to_owned()),
            headers: Vec::new(),
            body: body.into(),
            declared_len: None,
        }
    }

    /// A `text/plain; charset=utf-8` reply.
    pub fn text(status: u16, body: &str) -> HttpReply {
        HttpReply {
            status,
            content_type: Some("text/plain; charset=utf-8".to_owned()),
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
            declared_len: None,
        }
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> HttpReply {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// The shared, exchange-independent replies. `success` renders the exchange's success body
    /// (used by [`Reply::TruncatedSuccess`]).
    pub fn transport<A>(
        reply: &Reply<A>,
        success: impl FnOnce() -> HttpReply,
    ) -> Option<HttpReply> {
        Some(match reply {
            Reply::Success | Reply::Exchange(_) | Reply::RateLimited => return None,
            Reply::Html502 => HttpReply {
                status: 502,
                content_type: Some("text/html".to_owned()),
                headers: Vec::new(),
                body: HTML_502.as_bytes().to_vec(),
                declared_len: None,
            },
            Reply::EmptyBody => HttpReply::json(200, Vec::new()),
            Reply::TruncatedSuccess => {
                let mut full = success();
                let len = full.body.len();
                full.body.truncate(len / 2);
                full.declared_len = Some(len.max(1));
                full
            }
            Reply::Truncated { declared, sent } => HttpReply {
                status: 200,
                content_type: Some(JSON_UTF8.to_owned()),
                headers: Vec::new(),
                body: sent.clone(),
                declared_len: Some((*declared).max(sent.len() + 1)),
            },
            Reply::PlainText { status, body } => HttpReply::text(*status, body),
            Reply::Raw {
                status,
                content_type,
                body,
            } => HttpReply {
                status: *status,
                content_type: content_type.clone(),
                headers: Vec::new(),
                body: body.clone(),
                declared_len: None,
            },
        })
    }

    /// The hyper response. Never panics: an invalid status becomes a 500 explaining it, invalid
    /// header names or values are left out.
    pub fn into_response(self) -> Response<ReplyBody> {
        let Ok(status) = StatusCode::from_u16(self.status) else {
            let text = format!(
                "fake exchange: the scripted status {} is not a valid HTTP status",
                self.status
            );
            return HttpReply::text(500, &text).into_response();
        };
        let body = match self.declared_len {
            Some(_) => ReplyBody::truncated(self.body),
            None => ReplyBody::full(self.body),
        };
        let mut resp = Response::new(body);
        *resp.status_mut() = status;
        let headers = resp.headers_mut();
        if let Some(ct) = self.content_type {
            if let Ok(value) = HeaderValue::from_str(&ct) {
                headers.insert(CONTENT_TYPE, value);
            }
        }
        for (name, value) in self.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(&value),
            ) {
                headers.append(name, value);
            }
        }
        if let Some(declared) = self.declared_len {
            headers.insert(CONTENT_LENGTH, HeaderValue::from(declared as u64));
        }
        resp
    }
}

/// A response body: either complete, or a first chunk, a pause (so hyper flushes the head and
/// that chunk), then an error so hyper closes the connection short of the declared
/// `Content-Length`.
pub struct ReplyBody {
    chunk: Option<Bytes>,
    len: u64,
    truncated: bool,
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl ReplyBody {
    fn full(body: Vec<u8>) -> ReplyBody {
        ReplyBody {
            len: body.len() as u64,
            chunk: Some(Bytes::from(body)),
            truncated: false,
            pause: None,
        }
    }

    fn truncated(sent: Vec<u8>) -> ReplyBody {
        ReplyBody {
            len: sent.len() as u64,
            chunk: Some(Bytes::from(sent)),
            truncated: true,
            pause: None,
        }
    }
}

#[derive(Debug)]
struct Truncation;

impl fmt::Display for Truncation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("fake exchange: deliberate truncation")
    }
}

impl std::error::Error for Truncation {}

impl Body for ReplyBody {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        if let Some(chunk) = self.chunk.take() {
            if !chunk.is_empty() {
                return Poll::Ready(Some(Ok(Frame::data(chunk))));
            }
        }
        if self.truncated {
            let pause = self
                .pause
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(Duration::from_millis(50))));
            if pause.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.truncated = false;
            return Poll::Ready(Some(Err(Box::new(Truncation))));
        }
        Poll::Ready(None)
    }

    fn is_end_stream(&self) -> bool {
        !self.truncated && self.chunk.as_ref().is_none_or(|c| c.is_empty())
    }

    fn size_hint(&self) -> SizeHint {
        if self.truncated {
            // Unknown: hyper then trusts the Content-Length header we set.
            SizeHint::default()
        } else {
            SizeHint::with_exact(self.len)
        }
    }
}
