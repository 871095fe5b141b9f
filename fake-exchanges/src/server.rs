//! The one server loop, recorder and reply queue behind every fake.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

use crate::clock::Clock;
use crate::record::{Recorded, Verdict};
use crate::reply::{HttpReply, Reply, ReplyBody};

pub(crate) mod machinery {
    //! The per-exchange hooks. Public in a private module: the trait is nameable inside the crate
    //! only, so [`Exchange`](super::Exchange) stays sealed.

    use std::fmt;

    use crate::record::Verdict;
    use crate::reply::HttpReply;

    /// A request as read off the wire.
    pub struct RequestParts {
        pub method: String,
        pub path: String,
        pub query: Option<String>,
        /// Names lower-cased.
        pub headers: Vec<(String, String)>,
        pub body: Vec<u8>,
    }

    impl RequestParts {
        /// The first value of a header.
        pub fn header(&self, name: &str) -> Option<&str> {
            crate::util::header(&self.headers, name)
        }

        /// Path plus `?query`, as signed by Kraken and OKX.
        pub fn path_and_query(&self) -> String {
            match &self.query {
                Some(q) => format!("{}?{}", self.path, q),
                None => self.path.clone(),
            }
        }

        /// `true` when the request is `POST path`.
        pub fn is_endpoint(&self, path: &str) -> bool {
            self.is("POST", path)
        }

        /// `true` when method and path are these.
        pub fn is(&self, method: &str, path: &str) -> bool {
            self.method == method && self.path == path
        }
    }

    /// The outcome of an exchange's checks.
    pub struct Checked {
        pub verdict: Verdict,
        /// The nonce, once read (numeric nonces only).
        pub nonce: Option<u64>,
    }

    impl Checked {
        pub fn new(verdict: Verdict) -> Checked {
            Checked {
                verdict,
                nonce: None,
            }
        }

        pub fn with_nonce(verdict: Verdict, nonce: u64) -> Checked {
            Checked {
                verdict,
                nonce: Some(nonce),
            }
        }
    }

    /// The scripted replies an exchange renders itself.
    pub enum Answered<'a, A> {
        Success,
        RateLimited,
        Exchange(&'a A),
    }

    /// One exchange's endpoints (its cancel endpoint, and its status endpoints): its checks
    /// and its envelopes.
    pub trait Machinery: Send + Sized + 'static {
        /// The exchange-specific scripted answers.
        type Answer: Clone + fmt::Debug + PartialEq + Send + 'static;
        /// For `Debug` and messages.
        const NAME: &'static str;
        /// The cancel endpoint's path (the one [`Fake::respond_with`](super::Fake::respond_with)
        /// scripts).
        const PATH: &'static str;

        /// The name scripted replies are kept under for `req`: its path, unless the exchange
        /// has endpoints whose path carries an id (KuCoin's `/api/v1/withdrawals/{id}`).
        fn route(req: &RequestParts) -> String {
            req.path.clone()
        }

        /// Checks a request (auth, replay, arguments), updating replay state when it passes.
        fn verify(&mut self, req: &RequestParts, now_ms: u64) -> Checked;

        /// The exchange's answer to a rejected request.
        fn reject(&self, verdict: &Verdict, req: &RequestParts, now_ms: u64) -> HttpReply;

        /// The exchange's answer to an accepted request. May move the withdrawal book (a cancel,
        /// a status poll).
        fn answer(
            &mut self,
            answer: Answered<'_, Self::Answer>,
            req: &RequestParts,
            now_ms: u64,
        ) -> HttpReply;

        /// The configuration worth showing in `Debug`, secrets left out.
        fn describe(&self, f: &mut fmt::DebugStruct<'_, '_>);
    }
}

use machinery::{Answered, Checked, Machinery, RequestParts};

/// One of the fake exchanges: [`kraken::Kraken`](crate::kraken::Kraken),
/// [`kraken_pay::KrakenPay`](crate::kraken_pay::KrakenPay), [`okx::Okx`](crate::okx::Okx),
/// [`bybit::Bybit`](crate::bybit::Bybit), [`alphapoint::AlphaPoint`](crate::alphapoint::AlphaPoint),
/// [`kucoin::KuCoin`](crate::kucoin::KuCoin).
///
/// Sealed: the server loop, recorder and reply queue in [`Fake`] work for these six only.
pub trait Exchange: Machinery {}

/// Why a fake could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// Not called from inside a tokio runtime.
    NoRuntime,
    /// Binding `127.0.0.1:<port>` failed.
    Bind(std::io::Error),
    /// A secret or key given to the fake is unusable (the reason, never the secret).
    InvalidCredential(String),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::NoRuntime => f.write_str("fake exchange: not inside a tokio runtime"),
            StartError::Bind(e) => write!(f, "fake exchange: cannot bind its 127.0.0.1 port: {e}"),
            StartError::InvalidCredential(why) => {
                write!(f, "fake exchange: unusable credential: {why}")
            }
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StartError::Bind(e) => Some(e),
            _ => None,
        }
    }
}

struct State<E: Exchange> {
    exchange: E,
    clock: Clock,
    /// Per path: the standing reply (absent: [`Reply::Success`]).
    standing: HashMap<String, Reply<E::Answer>>,
    /// Per path: one-off replies, used first.
    queued: HashMap<String, VecDeque<Reply<E::Answer>>>,
    requests: Vec<Recorded<E::Answer>>,
}

impl<E: Exchange> State<E> {
    fn next_reply(&mut self, path: &str) -> Reply<E::Answer> {
        if let Some(reply) = self.queued.get_mut(path).and_then(VecDeque::pop_front) {
            return reply;
        }
        self.standing.get(path).cloned().unwrap_or(Reply::Success)
    }
}

struct Shared<E: Exchange> {
    state: Mutex<State<E>>,
}

impl<E: Exchange> Shared<E> {
    fn lock(&self) -> MutexGuard<'_, State<E>> {
        // A panicking test thread must not hide the recorded requests from the others.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running fake exchange: an HTTP/1.1 server on `127.0.0.1:<ephemeral port>` inside the
/// caller's tokio runtime. Dropping it stops the server and closes every open connection.
///
/// Each exchange module has an alias (`kraken::FakeKraken = Fake<kraken::Kraken>`, ...) with its
/// own `start` constructor and settings; the methods here are common to all six.
///
/// `Debug` shows the address, the API keys and settings, never a secret.
pub struct Fake<E: Exchange> {
    addr: SocketAddr,
    shared: Arc<Shared<E>>,
    task: JoinHandle<()>,
}

impl<E: Exchange> fmt::Debug for Fake<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.shared.lock();
        let mut d = f.debug_struct(E::NAME);
        d.field("addr", &self.addr);
        st.exchange.describe(&mut d);
        d.field("clock", &st.clock)
            .field("requests", &st.requests.len())
            .finish()
    }
}

impl<E: Exchange> Drop for Fake<E> {
    fn drop(&mut self) {
        // Aborting the accept task drops the listener and its JoinSet, which aborts every
        // connection task.
        self.task.abort();
    }
}

impl<E: Exchange> Fake<E> {
    /// Binds `127.0.0.1:0` and serves `exchange` in the current tokio runtime.
    pub(crate) async fn spawn(exchange: E) -> Result<Fake<E>, StartError> {
        Fake::spawn_on(exchange, 0).await
    }

    /// [`Fake::spawn`] on `127.0.0.1:port` (0: an ephemeral port), for a fake run as a server
    /// at a known address (`xgen-fake --port`).
    pub(crate) async fn spawn_on(exchange: E, port: u16) -> Result<Fake<E>, StartError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(StartError::NoRuntime);
        }
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(StartError::Bind)?;
        let addr = listener.local_addr().map_err(StartError::Bind)?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                exchange,
                clock: Clock::System,
                standing: HashMap::new(),
                queued: HashMap::new(),
                requests: Vec::new(),
            }),
        });
        let task = tokio::spawn(accept_loop(listener, shared.clone()));
        Ok(Fake { addr, shared, task })
    }

    /// The same fake (keys, settings, withdrawal book, recorded requests) served on
    /// `127.0.0.1:port` instead (0: an ephemeral port): to run it at a known address, as
    /// `xgen-fake --port` does.
    pub async fn serve_on(self, port: u16) -> Result<Fake<E>, StartError> {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .await
            .map_err(StartError::Bind)?;
        let addr = listener.local_addr().map_err(StartError::Bind)?;
        let shared = self.shared.clone();
        // Stops the old listener and its connections; the state lives on in `shared`.
        drop(self);
        let task = tokio::spawn(accept_loop(listener, shared.clone()));
        Ok(Fake { addr, shared, task })
    }

    /// Runs `f` on the exchange's state (its settings, keys and withdrawal book).
    pub(crate) fn with_exchange<R>(&self, f: impl FnOnce(&mut E) -> R) -> R {
        f(&mut self.shared.lock().exchange)
    }

    /// [`Fake::with_exchange`], also passing the fake clock's current time (Unix ms).
    pub(crate) fn with_exchange_at<R>(&self, f: impl FnOnce(&mut E, u64) -> R) -> R {
        let mut st = self.shared.lock();
        let now = st.clock.now_ms();
        f(&mut st.exchange, now)
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash: the base URL to give a client.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The full URL of the cancel endpoint this fake plays.
    pub fn endpoint_url(&self) -> String {
        format!("{}{}", self.base_url(), E::PATH)
    }

    /// The path of the cancel endpoint this fake plays, e.g. `/api/v5/asset/cancel-withdrawal`
    /// (each module also has constants for its status endpoints).
    pub fn endpoint_path(&self) -> &'static str {
        E::PATH
    }

    /// The base URL followed by `path_and_query`, e.g.
    /// `fake.url("/v5/asset/withdraw/query-record?withdrawID=10197")`.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{}", self.base_url(), path_and_query)
    }

    /// The socket address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Sets the reply for every following accepted request to the cancel endpoint
    /// ([`Fake::endpoint_path`]), until changed. Clears its queued one-off replies. Status
    /// endpoints are scripted with [`Fake::respond_with_on`].
    pub fn respond_with(&self, reply: Reply<E::Answer>) {
        self.respond_with_on(E::PATH, reply);
    }

    /// Queues a reply for the next accepted request to the cancel endpoint only; the standing
    /// reply resumes after the queue is used up.
    pub fn respond_once(&self, reply: Reply<E::Answer>) {
        self.respond_once_on(E::PATH, reply);
    }

    /// [`Fake::respond_with`] for the endpoint at `path` (without query), e.g. a status
    /// endpoint. [`Reply::Success`] there means "answer from the withdrawal book".
    pub fn respond_with_on(&self, path: &str, reply: Reply<E::Answer>) {
        let mut st = self.shared.lock();
        st.queued.remove(path);
        st.standing.insert(path.to_owned(), reply);
    }

    /// [`Fake::respond_once`] for the endpoint at `path` (without query), e.g.
    /// `fake.respond_once_on(okx::WITHDRAWAL_HISTORY_PATH, Reply::RateLimited)` to test a
    /// client's backoff while polling.
    pub fn respond_once_on(&self, path: &str, reply: Reply<E::Answer>) {
        self.shared
            .lock()
            .queued
            .entry(path.to_owned())
            .or_default()
            .push_back(reply);
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded<E::Answer>> {
        self.shared.lock().requests.clone()
    }

    /// The most recent request, if any.
    pub fn last_request(&self) -> Option<Recorded<E::Answer>> {
        self.shared.lock().requests.last().cloned()
    }

    /// How many requests arrived so far.
    pub fn request_count(&self) -> usize {
        self.shared.lock().requests.len()
    }

    /// Forgets the recorded requests (not the replay state: used nonces stay used).
    pub fn clear_requests(&self) {
        self.shared.lock().requests.clear();
    }

    /// The nonces of the accepted requests, in arrival order (numeric nonces only).
    pub fn accepted_nonces(&self) -> Vec<u64> {
        self.shared
            .lock()
            .requests
            .iter()
            .filter(|r| r.verdict == Verdict::Accepted)
            .filter_map(|r| r.nonce)
            .collect()
    }

    /// Sets the fake's clock, used for timestamp checks and timestamps in replies.
    pub fn set_clock(&self, clock: Clock) {
        self.shared.lock().clock = clock;
    }

    /// [`Fake::set_clock`], builder style.
    pub fn with_clock(self, clock: Clock) -> Self {
        self.set_clock(clock);
        self
    }

    /// The fake's clock setting.
    pub fn clock(&self) -> Clock {
        self.shared.lock().clock
    }

    /// The fake's current time, Unix milliseconds.
    pub fn now_ms(&self) -> u64 {
        self.shared.lock().clock.now_ms()
    }
}

async fn accept_loop<E: Exchange>(listener: TcpListener, shared: Arc<Shared<E>>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(_) => {
                        // E.g. out of file descriptors: back off instead of spinning.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
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

async fn handle<E: Exchange>(
    shared: Arc<Shared<E>>,
    req: Request<Incoming>,
) -> Response<ReplyBody> {
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().map(str::to_owned);
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
    let parts = RequestParts {
        method,
        path,
        query,
        headers,
        body,
    };

    let mut st = shared.lock();
    let now_ms = st.clock.now_ms();
    let Checked { verdict, nonce } = st.exchange.verify(&parts, now_ms);
    let (reply, http) = if verdict.is_accepted() {
        let reply = st.next_reply(&E::route(&parts));
        let http = render(&mut st.exchange, &reply, &parts, now_ms);
        (Some(reply), http)
    } else {
        (None, st.exchange.reject(&verdict, &parts, now_ms))
    };
    st.requests.push(Recorded {
        method: parts.method,
        path: parts.path,
        query: parts.query,
        headers: parts.headers,
        body: parts.body,
        nonce,
        received_at_ms: now_ms,
        verdict,
        reply,
    });
    drop(st);
    http.into_response()
}

fn render<E: Exchange>(
    exchange: &mut E,
    reply: &Reply<E::Answer>,
    req: &RequestParts,
    now_ms: u64,
) -> HttpReply {
    // A truncated success is a request the exchange processed: it moves the book too.
    let success = || exchange.answer(Answered::Success, req, now_ms);
    if let Some(http) = HttpReply::transport(reply, success) {
        return http;
    }
    match reply {
        Reply::RateLimited => exchange.answer(Answered::RateLimited, req, now_ms),
        Reply::Exchange(answer) => exchange.answer(Answered::Exchange(answer), req, now_ms),
        _ => exchange.answer(Answered::Success, req, now_ms),
    }
}
