//! [`ClientBuilder`]: the runtime's HTTP client with settings of the caller's choice, never
//! following redirects.

use std::sync::Arc;
use std::time::Duration;

use super::{validate_base_url, Client};
use crate::error::Error;
use crate::signer::Signer;

/// [`ClientBuilder`]'s default connect timeout.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// [`ClientBuilder`]'s default total timeout per request.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds a [`Client`] with settings of your choice, keeping what the runtime relies on: the
/// HTTP client it builds never follows redirects, and speaks TLS through rustls with the `ring`
/// provider handed to this client alone (never installed process-wide) and the platform's
/// certificate verifier, unless [`ClientBuilder::tls_config`] gives another configuration.
///
/// ```no_run
/// # fn demo(signer: std::sync::Arc<dyn xgen_runtime::Signer>) -> Result<(), xgen_runtime::Error> {
/// use std::time::Duration;
///
/// let client = xgen_runtime::Client::builder("https://api.kraken.com", signer)
///     .connect_timeout(Duration::from_secs(3))
///     .timeout(Duration::from_secs(10))
///     .proxy("http://proxy.internal:3128")
///     .user_agent("treasury-bot/2.1")
///     .build()?;
/// // A generated client takes it as it is: `xgen_clients::kraken::Client::from_runtime(client)`.
/// # let _ = client;
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct ClientBuilder {
    base_url: String,
    signer: Arc<dyn Signer>,
    connect_timeout: Duration,
    timeout: Duration,
    proxy: Option<String>,
    no_proxy: bool,
    user_agent: String,
    tls: Option<rustls::ClientConfig>,
}

impl ClientBuilder {
    /// A builder for a client of `base_url` signing with `signer`, with the defaults: a 10 s
    /// connect timeout, a 30 s total timeout per request, the proxy the environment names
    /// (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`, as reqwest reads them), the user agent
    /// `xgen-runtime/<version>`.
    pub fn new(base_url: &str, signer: Arc<dyn Signer>) -> ClientBuilder {
        ClientBuilder {
            base_url: base_url.to_owned(),
            signer,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            proxy: None,
            no_proxy: false,
            user_agent: concat!("xgen-runtime/", env!("CARGO_PKG_VERSION")).to_owned(),
            tls: None,
        }
    }

    /// How long to wait for a connection (TCP and TLS handshake) to the exchange or proxy
    /// (default 10 s). A request that cannot connect in time is [`Error::Transport`] with
    /// `is_timeout()`, and had no effect.
    pub fn connect_timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.connect_timeout = timeout;
        self
    }

    /// How long one request may take from sending to the last byte of the reply (default
    /// 30 s). A request that runs out of time is [`Error::Transport`] with `is_timeout()`; it
    /// may have reached the exchange ([`Error::outcome_unknown`]).
    pub fn timeout(mut self, timeout: Duration) -> ClientBuilder {
        self.timeout = timeout;
        self
    }

    /// Sends every request through the proxy at `url` (`http://host:port`, `https://...`, with
    /// `user:password@` for basic auth), instead of any the environment names. A URL that is
    /// not usable is [`Error::InvalidProxy`] from [`ClientBuilder::build`] (which never shows
    /// its password). HTTPS requests go through the proxy as a `CONNECT` tunnel, so the proxy
    /// sees the host but not the credentials.
    pub fn proxy(mut self, url: &str) -> ClientBuilder {
        self.proxy = Some(url.to_owned());
        self.no_proxy = false;
        self
    }

    /// Connects directly, ignoring the proxy the environment names (and any set with
    /// [`ClientBuilder::proxy`]).
    pub fn no_proxy(mut self) -> ClientBuilder {
        self.proxy = None;
        self.no_proxy = true;
        self
    }

    /// The `User-Agent` header (default `xgen-runtime/<version>`). A value that cannot go in
    /// an HTTP header (only printable ASCII can) makes [`ClientBuilder::build`] fail with
    /// [`Error::Encode`].
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> ClientBuilder {
        self.user_agent = user_agent.into();
        self
    }

    /// TLS through this rustls configuration instead of the runtime's (ring with the
    /// platform's verifier): to trust a test certificate authority, or to pin roots. If its
    /// ALPN list is empty, `h2` and `http/1.1` are offered. Redirects stay unfollowed.
    pub fn tls_config(mut self, config: rustls::ClientConfig) -> ClientBuilder {
        self.tls = Some(config);
        self
    }

    /// The client: checks the base URL, the proxy URL and the user agent, and sets up TLS.
    pub fn build(self) -> Result<Client, Error> {
        let base_url = validate_base_url(&self.base_url)?;
        let mut tls = match self.tls {
            Some(config) => config,
            None => tls_config()?,
        };
        if tls.alpn_protocols.is_empty() {
            // reqwest uses a preconfigured config as it is, so it must offer HTTP/2 itself.
            tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        }
        if header_value_unsafe(&self.user_agent) {
            return Err(Error::encode(
                "the user agent has a character that cannot go in an HTTP header (only printable ASCII can)",
            ));
        }
        let mut http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .user_agent(self.user_agent);
        if let Some(url) = &self.proxy {
            http = http.proxy(proxy(url)?);
        } else if self.no_proxy {
            http = http.no_proxy();
        }
        // Last, so no setting above can undo it: a signed request is never replayed elsewhere.
        let http = http
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(Error::Transport)?;
        Ok(Client {
            http,
            base_url,
            hosts: Vec::new(),
            signer: self.signer,
        })
    }
}

/// Whether `value` has a character the transport cannot send in a header (visible ASCII and
/// space only).
fn header_value_unsafe(value: &str) -> bool {
    !value.chars().all(|c| c.is_ascii_graphic() || c == ' ')
}

/// The proxy at `url`, or [`Error::InvalidProxy`] without its password.
fn proxy(url: &str) -> Result<reqwest::Proxy, Error> {
    let trimmed = url.trim();
    let invalid = |reason: String| Error::InvalidProxy {
        url: without_password(trimmed),
        reason,
    };
    let parsed =
        reqwest::Url::parse(trimmed).map_err(|e| invalid(format!("it is not a URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https".to_owned()));
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no host".to_owned()));
    }
    reqwest::Proxy::all(parsed.as_str()).map_err(|e| invalid(e.to_string()))
}

/// `url` with any password replaced, for messages.
fn without_password(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("[redacted]"));
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        // Unparseable: it may still hold `user:password@`, so show only what follows it.
        Err(_) => match url.rsplit_once('@') {
            Some((_, host)) => format!("[redacted]@{host}"),
            None => url.to_owned(),
        },
    }
}

/// rustls with the `ring` provider and the platform's certificate verifier, passed to reqwest
/// directly rather than installed as the process-wide default, so an application that links
/// this crate keeps whatever provider it chose for its own clients.
fn tls_config() -> Result<rustls::ClientConfig, Error> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls_error = |e: rustls::Error| Error::Tls(e.to_string());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .with_platform_verifier()
        .map_err(tls_error)?
        .with_no_client_auth();
    Ok(config)
}
