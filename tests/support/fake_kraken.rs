//! A fake Kraken spot REST server that plays `POST /0/private/WithdrawCancel`.
//!
//! It is a real HTTP/1.1 server (hyper 1) on `127.0.0.1:<ephemeral port>`, started inside the
//! calling test's tokio runtime and stopped when the [`FakeKraken`] value is dropped.
//!
//! For every request it checks, in Kraken's order:
//! 1. method and path (`POST /0/private/WithdrawCancel`), else 404 `EGeneral:Unknown method`;
//! 2. `API-Key` is a configured key, else `EAPI:Invalid key`;
//! 3. the nonce can be read from the body (JSON `{"nonce":<integer>,...}` or form `nonce=<digits>`),
//!    else `EAPI:Invalid nonce`;
//! 4. `API-Sign` equals `base64(HMAC-SHA512(base64decode(secret), path_and_query ||
//!    SHA256(nonce_digits || raw_body)))`, recomputed here with its own code (the `hmac`, `sha2` and
//!    `base64` crates directly, never xgen-runtime's signer), else `EAPI:Invalid signature`;
//! 5. the nonce is fresh for that key (strictly greater than every nonce seen so far, or, with a
//!    nonce window `n`, not lower than the highest seen by more than `n` and never an exact reuse),
//!    else `EAPI:Invalid nonce`;
//! 6. the body holds `asset` and `refid` strings and no other field (`nonce`, `otp` are allowed),
//!    else `EGeneral:Invalid arguments`.
//!
//! A request that passes every check gets the scripted [`Reply`] (default [`Reply::Success`],
//! `{"error":[],"result":true}`). Every request is recorded ([`Recorded`]) with its verdict.
//!
//! The secret is kept decoded in memory only; nothing here prints it (`Debug` is redacted).

#![allow(dead_code)]

use std::collections::{HashMap, HashSet, VecDeque};
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use http_body_util::BodyExt;
use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use hyper::header::{HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use sha2::{Digest, Sha256, Sha512};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

/// The one endpoint the fake plays.
pub const WITHDRAW_CANCEL_PATH: &str = "/0/private/WithdrawCancel";

/// Body fields WithdrawCancel accepts. `otp` is Kraken's generic 2FA body parameter.
const ALLOWED_FIELDS: &[&str] = &["nonce", "asset", "refid", "otp"];

/// Computes Kraken's `API-Sign` independently of xgen-runtime.
///
/// `secret` is the *decoded* secret; `nonce_digits` the nonce as decimal digits (no quotes);
/// `body` the exact HTTP body bytes.
pub fn kraken_sign(secret: &[u8], path_and_query: &str, nonce_digits: &str, body: &[u8]) -> String {
    let mut inner = Sha256::new();
    inner.update(nonce_digits.as_bytes());
    inner.update(body);
    let inner = inner.finalize();
    let mut mac =
        <Hmac<Sha512> as KeyInit>::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(path_and_query.as_bytes());
    mac.update(&inner);
    B64.encode(mac.finalize().into_bytes())
}

/// [`kraken_sign`] with a base64 secret, as Kraken hands it out.
pub fn kraken_sign_b64(
    secret_b64: &str,
    path_and_query: &str,
    nonce_digits: &str,
    body: &[u8],
) -> String {
    let secret = B64.decode(secret_b64).expect("secret is valid base64");
    kraken_sign(&secret, path_and_query, nonce_digits, body)
}

/// What the fake answers to a request that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// 200, `{"error":[],"result":true}`.
    Success,
    /// 200, `{"error":[],"result":<json>}` where `<json>` is the given raw JSON text.
    Result(String),
    /// 200, `{"error":[<strings>]}` (no `result`), e.g. `EFunding:Unknown reference id`.
    Errors(Vec<String>),
    /// 200, `{"error":[<warnings>],"result":true}`: warnings next to a success.
    SuccessWithWarnings(Vec<String>),
    /// 502 with an HTML page and `Content-Type: text/html`, as a gateway in front of Kraken sends.
    Html502,
    /// 200 with `Content-Type: application/json` and an empty body (`Content-Length: 0`).
    EmptyBody,
    /// 200 declaring `Content-Length: declared` but writing only `sent`, then closing the connection.
    Truncated { declared: usize, sent: Vec<u8> },
    /// A status with a `text/plain` body, e.g. 500 `Internal Server Error`.
    PlainText { status: u16, body: String },
    /// Anything else: status, optional content type, body bytes.
    Raw {
        status: u16,
        content_type: Option<String>,
        body: Vec<u8>,
    },
}

impl Reply {
    /// A one-error envelope, e.g. `Reply::error("EFunding:Unknown reference id")`.
    pub fn error(message: &str) -> Reply {
        Reply::Errors(vec![message.to_owned()])
    }

    /// A truncated success envelope: declares the full length, writes about half.
    pub fn truncated() -> Reply {
        let full = br#"{"error":[],"result":true}"#;
        Reply::Truncated {
            declared: full.len(),
            sent: full[..12].to_vec(),
        }
    }

    /// 500 `text/plain`.
    pub fn internal_server_error() -> Reply {
        Reply::PlainText {
            status: 500,
            body: "Internal Server Error".to_owned(),
        }
    }
}

/// Why the fake answered as it did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every check passed; the scripted reply was sent.
    Accepted,
    /// Wrong method or path.
    UnknownMethod,
    /// `API-Key` missing or not configured.
    InvalidKey,
    /// `API-Sign` missing, not base64, or not the expected value.
    InvalidSignature,
    /// Nonce missing, malformed, reused or too old.
    InvalidNonce(String),
    /// Body not parseable, missing `asset`/`refid`, wrong types or unknown fields.
    InvalidArguments(String),
}

impl Verdict {
    fn envelope(&self) -> (StatusCode, &'static str) {
        match self {
            Verdict::Accepted => unreachable!("accepted requests get the scripted reply"),
            Verdict::UnknownMethod => (
                StatusCode::NOT_FOUND,
                r#"{"error":["EGeneral:Unknown method"]}"#,
            ),
            Verdict::InvalidKey => (StatusCode::OK, r#"{"error":["EAPI:Invalid key"]}"#),
            Verdict::InvalidSignature => {
                (StatusCode::OK, r#"{"error":["EAPI:Invalid signature"]}"#)
            }
            Verdict::InvalidNonce(_) => (StatusCode::OK, r#"{"error":["EAPI:Invalid nonce"]}"#),
            Verdict::InvalidArguments(_) => (
                StatusCode::OK,
                r#"{"error":["EGeneral:Invalid arguments"]}"#,
            ),
        }
    }
}

/// One request as the fake received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// Path and query, exactly as in the request line.
    pub path: String,
    /// Header names lower-cased, in arrival order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The nonce read from the body, if any.
    pub nonce: Option<u64>,
    pub verdict: Verdict,
    /// The reply sent when the verdict is [`Verdict::Accepted`].
    pub reply: Option<Reply>,
}

impl Recorded {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The body as text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

#[derive(Default)]
struct NonceBook {
    max: Option<u64>,
    used: HashSet<u64>,
}

struct State {
    /// api key -> decoded secret.
    keys: HashMap<String, Vec<u8>>,
    nonces: HashMap<String, NonceBook>,
    nonce_window: u64,
    standing: Reply,
    queued: VecDeque<Reply>,
    requests: Vec<Recorded>,
}

struct Shared {
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking test thread must not hide the recorded requests from the others.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The fake exchange. Dropping it stops the server and every open connection.
pub struct FakeKraken {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl fmt::Debug for FakeKraken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.shared.lock();
        let mut keys: Vec<&str> = st.keys.keys().map(String::as_str).collect();
        keys.sort_unstable();
        f.debug_struct("FakeKraken")
            .field("addr", &self.addr)
            .field("keys", &keys)
            .field("secrets", &"<redacted>")
            .field("nonce_window", &st.nonce_window)
            .field("requests", &st.requests.len())
            .finish()
    }
}

impl Drop for FakeKraken {
    fn drop(&mut self) {
        // Aborting the accept task drops the listener and its JoinSet, which aborts every
        // connection task.
        self.task.abort();
    }
}

impl FakeKraken {
    /// Binds `127.0.0.1:0` and starts serving in the current tokio runtime.
    ///
    /// Panics if `secret_b64` is not base64 (a test bug).
    pub async fn start(api_key: &str, secret_b64: &str) -> FakeKraken {
        let secret = B64
            .decode(secret_b64)
            .expect("fake Kraken: secret must be base64");
        let mut keys = HashMap::new();
        keys.insert(api_key.to_owned(), secret);
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                keys,
                nonces: HashMap::new(),
                nonce_window: 0,
                standing: Reply::Success,
                queued: VecDeque::new(),
                requests: Vec::new(),
            }),
        });
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("fake Kraken: bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("fake Kraken: local_addr");
        let task = tokio::spawn(accept_loop(listener, shared.clone()));
        FakeKraken { addr, shared, task }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Accepts one more API key (its own nonce history).
    pub fn add_key(&self, api_key: &str, secret_b64: &str) {
        let secret = B64
            .decode(secret_b64)
            .expect("fake Kraken: secret must be base64");
        self.shared.lock().keys.insert(api_key.to_owned(), secret);
    }

    /// Kraken's per-key nonce window, in nonce units. 0 (the default) means every nonce must be
    /// strictly greater than the highest seen; `n` tolerates a nonce up to `n` below the highest
    /// seen. An exact reuse is rejected whatever the window.
    pub fn with_nonce_window(self, window: u64) -> FakeKraken {
        self.set_nonce_window(window);
        self
    }

    pub fn set_nonce_window(&self, window: u64) {
        self.shared.lock().nonce_window = window;
    }

    /// Sets the reply for every following accepted request (until changed).
    pub fn respond_with(&self, reply: Reply) {
        let mut st = self.shared.lock();
        st.queued.clear();
        st.standing = reply;
    }

    /// Queues a reply for the next accepted request only; the standing reply resumes after.
    pub fn respond_once(&self, reply: Reply) {
        self.shared.lock().queued.push_back(reply);
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().requests.clone()
    }

    pub fn last_request(&self) -> Option<Recorded> {
        self.shared.lock().requests.last().cloned()
    }

    pub fn clear_requests(&self) {
        self.shared.lock().requests.clear();
    }

    /// Nonces of the accepted requests, in arrival order.
    pub fn accepted_nonces(&self) -> Vec<u64> {
        self.shared
            .lock()
            .requests
            .iter()
            .filter(|r| r.verdict == Verdict::Accepted)
            .filter_map(|r| r.nonce)
            .collect()
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let shared = shared.clone();
                conns.spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let shared = shared.clone();
                        async move { Ok::<_, Infallible>(handle(shared, req).await) }
                    });
                    // Errors here are client hang-ups or the deliberate truncation: ignore.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Response<ReplyBody> {
    let method = req.method().as_str().to_owned();
    let path = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = match req.into_body().collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => Vec::new(),
    };

    let mut st = shared.lock();
    let (nonce, verdict) = judge(&mut st, &method, &path, &headers, &body);
    let reply = if verdict == Verdict::Accepted {
        Some(st.queued.pop_front().unwrap_or_else(|| st.standing.clone()))
    } else {
        None
    };
    st.requests.push(Recorded {
        method,
        path,
        headers,
        body,
        nonce,
        verdict: verdict.clone(),
        reply: reply.clone(),
    });
    drop(st);

    match reply {
        Some(reply) => render(&reply),
        None => {
            let (status, text) = verdict.envelope();
            json_response(status, text.as_bytes().to_vec())
        }
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// The body fields, parsed per Content-Type.
enum Parsed {
    Json(serde_json::Map<String, serde_json::Value>),
    Form(Vec<(String, String)>),
}

fn judge(
    st: &mut State,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> (Option<u64>, Verdict) {
    let path_only = path.split('?').next().unwrap_or(path);
    if method != "POST" || path_only != WITHDRAW_CANCEL_PATH {
        return (None, Verdict::UnknownMethod);
    }
    let Some(secret) =
        header(headers, "api-key").and_then(|k| st.keys.get(k).map(|s| (k.to_owned(), s.clone())))
    else {
        return (None, Verdict::InvalidKey);
    };
    let (api_key, secret) = secret;

    let content_type = header(headers, "content-type")
        .unwrap_or("")
        .to_ascii_lowercase();
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_owned();
    let parsed = match media.as_str() {
        "application/json" => match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(serde_json::Value::Object(map)) => Parsed::Json(map),
            Ok(_) => {
                return (
                    None,
                    Verdict::InvalidArguments("JSON body is not an object".into()),
                )
            }
            Err(e) => {
                return (
                    None,
                    Verdict::InvalidArguments(format!("JSON body does not parse: {e}")),
                )
            }
        },
        "application/x-www-form-urlencoded" => match parse_form(body) {
            Some(pairs) => Parsed::Form(pairs),
            None => {
                return (
                    None,
                    Verdict::InvalidArguments("form body does not parse".into()),
                )
            }
        },
        other => {
            return (
                None,
                Verdict::InvalidArguments(format!("unsupported Content-Type {other:?}")),
            )
        }
    };

    // The nonce: digits only, read from the body.
    let nonce = match &parsed {
        Parsed::Json(map) => match map.get("nonce") {
            Some(serde_json::Value::Number(n)) => match n.as_u64() {
                Some(n) => n,
                None => {
                    return (
                        None,
                        Verdict::InvalidNonce(format!("JSON nonce {n} is not a u64")),
                    )
                }
            },
            Some(other) => {
                return (
                    None,
                    Verdict::InvalidNonce(format!("JSON nonce is not an integer: {other}")),
                )
            }
            None => return (None, Verdict::InvalidNonce("no nonce in body".into())),
        },
        Parsed::Form(pairs) => {
            let values: Vec<&str> = pairs
                .iter()
                .filter(|(k, _)| k == "nonce")
                .map(|(_, v)| v.as_str())
                .collect();
            match values.as_slice() {
                [v] if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => {
                    match v.parse::<u64>() {
                        Ok(n) => n,
                        Err(_) => {
                            return (
                                None,
                                Verdict::InvalidNonce(format!("form nonce {v:?} overflows u64")),
                            )
                        }
                    }
                }
                [] => return (None, Verdict::InvalidNonce("no nonce in body".into())),
                _ => {
                    return (
                        None,
                        Verdict::InvalidNonce("form nonce missing, repeated or not digits".into()),
                    )
                }
            }
        }
    };

    // The signature, recomputed independently.
    let expected = kraken_sign(&secret, path, &nonce.to_string(), body);
    let Some(given) = header(headers, "api-sign") else {
        return (Some(nonce), Verdict::InvalidSignature);
    };
    let given_ok = match (B64.decode(given.trim()), B64.decode(&expected)) {
        (Ok(g), Ok(e)) => g == e,
        _ => false,
    };
    if !given_ok {
        return (Some(nonce), Verdict::InvalidSignature);
    }

    // Nonce freshness, per key.
    let window = st.nonce_window;
    let book = st.nonces.entry(api_key).or_default();
    if book.used.contains(&nonce) {
        return (
            Some(nonce),
            Verdict::InvalidNonce(format!("nonce {nonce} reused")),
        );
    }
    if let Some(max) = book.max {
        if nonce < max && max - nonce > window {
            return (
                Some(nonce),
                Verdict::InvalidNonce(format!("nonce {nonce} below {max} (window {window})")),
            );
        }
        if window == 0 && nonce <= max {
            return (
                Some(nonce),
                Verdict::InvalidNonce(format!("nonce {nonce} not above {max}")),
            );
        }
    }
    book.used.insert(nonce);
    book.max = Some(book.max.map_or(nonce, |m| m.max(nonce)));

    // Arguments.
    if let Err(why) = check_arguments(&parsed) {
        return (Some(nonce), Verdict::InvalidArguments(why));
    }
    (Some(nonce), Verdict::Accepted)
}

fn check_arguments(parsed: &Parsed) -> Result<(), String> {
    match parsed {
        Parsed::Json(map) => {
            if let Some(unknown) = map.keys().find(|k| !ALLOWED_FIELDS.contains(&k.as_str())) {
                return Err(format!("unknown field {unknown:?}"));
            }
            for field in ["asset", "refid"] {
                match map.get(field) {
                    Some(serde_json::Value::String(s)) if !s.is_empty() => {}
                    Some(other) => {
                        return Err(format!("{field} is not a non-empty string: {other}"))
                    }
                    None => return Err(format!("missing {field}")),
                }
            }
            if let Some(otp) = map.get("otp") {
                if !otp.is_string() {
                    return Err("otp is not a string".into());
                }
            }
        }
        Parsed::Form(pairs) => {
            if let Some((unknown, _)) = pairs
                .iter()
                .find(|(k, _)| !ALLOWED_FIELDS.contains(&k.as_str()))
            {
                return Err(format!("unknown field {unknown:?}"));
            }
            for field in ["asset", "refid"] {
                let values: Vec<&String> = pairs
                    .iter()
                    .filter(|(k, _)| k == field)
                    .map(|(_, v)| v)
                    .collect();
                match values.as_slice() {
                    [v] if !v.is_empty() => {}
                    [] => return Err(format!("missing {field}")),
                    _ => return Err(format!("{field} empty or repeated")),
                }
            }
        }
    }
    Ok(())
}

/// `application/x-www-form-urlencoded` parsing (`+` is a space, `%XX` escapes).
fn parse_form(body: &[u8]) -> Option<Vec<(String, String)>> {
    let text = std::str::from_utf8(body).ok()?;
    if text.is_empty() {
        return Some(Vec::new());
    }
    text.split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            Some((percent_decode(k)?, percent_decode(v)?))
        })
        .collect()
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

const HTML_502: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n\
<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n";

fn json_response(status: StatusCode, body: Vec<u8>) -> Response<ReplyBody> {
    let mut resp = Response::new(ReplyBody::full(body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    resp
}

fn render(reply: &Reply) -> Response<ReplyBody> {
    match reply {
        Reply::Success => json_response(StatusCode::OK, br#"{"error":[],"result":true}"#.to_vec()),
        Reply::Result(raw) => json_response(
            StatusCode::OK,
            format!(r#"{{"error":[],"result":{raw}}}"#).into_bytes(),
        ),
        Reply::Errors(errors) => json_response(
            StatusCode::OK,
            serde_json::json!({ "error": errors })
                .to_string()
                .into_bytes(),
        ),
        Reply::SuccessWithWarnings(warnings) => json_response(
            StatusCode::OK,
            serde_json::json!({ "error": warnings, "result": true })
                .to_string()
                .into_bytes(),
        ),
        Reply::Html502 => {
            let mut resp = Response::new(ReplyBody::full(HTML_502.as_bytes().to_vec()));
            *resp.status_mut() = StatusCode::BAD_GATEWAY;
            resp.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("text/html"));
            resp
        }
        Reply::EmptyBody => json_response(StatusCode::OK, Vec::new()),
        Reply::Truncated { declared, sent } => {
            assert!(
                *declared > sent.len(),
                "a truncated reply must declare more than it sends"
            );
            let mut resp = Response::new(ReplyBody::truncated(sent.clone()));
            resp.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("application/json; charset=utf-8"),
            );
            resp.headers_mut()
                .insert(CONTENT_LENGTH, HeaderValue::from(*declared as u64));
            resp
        }
        Reply::PlainText { status, body } => {
            let mut resp = Response::new(ReplyBody::full(body.clone().into_bytes()));
            *resp.status_mut() = StatusCode::from_u16(*status).expect("valid status");
            resp.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            );
            resp
        }
        Reply::Raw {
            status,
            content_type,
            body,
        } => {
            let mut resp = Response::new(ReplyBody::full(body.clone()));
            *resp.status_mut() = StatusCode::from_u16(*status).expect("valid status");
            if let Some(ct) = content_type {
                resp.headers_mut().insert(
                    CONTENT_TYPE,
                    HeaderValue::from_str(ct).expect("valid content type"),
                );
            }
            resp
        }
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
        f.write_str("fake Kraken: deliberate truncation")
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
            let pause = self.pause.get_or_insert_with(|| {
                Box::pin(tokio::time::sleep(std::time::Duration::from_millis(50)))
            });
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
