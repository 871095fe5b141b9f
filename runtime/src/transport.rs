//! Sending requests: encode, sign, send, read the reply.

mod builder;

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::body::Body;
use crate::envelope::Envelope;
use crate::error::Error;
use crate::operation::{BodyEncoding, Method, Operation, ParamLocation, ValueKind};
use crate::signer::{CredentialPlace, HttpRequest, RedactedHeaders, Signer};

pub use builder::ClientBuilder;

/// Replies larger than this are refused rather than buffered: no endpoint a client calls returns
/// anything close, and a misbehaving server must not exhaust memory.
pub const MAX_RESPONSE_BYTES: usize = 32 * 1024 * 1024;

/// A client for one exchange: a base URL, a signer and a connection pool. Cheap to clone; clones
/// share the pool and the signer (and so the signer's nonce source).
///
/// Build one with [`Client::new`] (the defaults) or [`Client::builder`] (timeouts, a proxy, a
/// user agent, TLS roots): either way its HTTP client never follows a redirect, so a signed
/// request and its credential headers go to the base URL's host and nowhere else, and a 3xx
/// answer is [`Error::Redirected`].
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    /// Base URLs by host name, for operations served elsewhere than `base_url`; few, so a list.
    hosts: Vec<(String, String)>,
    signer: Arc<dyn Signer>,
}

/// A request encoded and signed, ready to send (or to show, for `xgen request`).
#[derive(Clone, PartialEq, Eq)]
pub struct PreparedRequest {
    /// The HTTP method.
    pub method: Method,
    /// The full URL.
    pub url: String,
    /// The headers, in send order.
    pub headers: Vec<(String, String)>,
    /// The body bytes, exactly as signed.
    pub body: Vec<u8>,
    /// Where the signer put long-lived credentials, for [`PreparedRequest::redacted`].
    credentials: Vec<CredentialPlace>,
}

/// A reply as received, before any envelope has looked at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawResponse {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type` header, if present and readable as text.
    pub content_type: Option<String>,
    /// The whole body.
    pub body: Vec<u8>,
    /// The `Retry-After` header as sent, if present and readable as text: the seconds to wait
    /// that a rate-limited reply (Binance's 429 and 418) carries.
    pub retry_after: Option<String>,
}

impl RawResponse {
    /// What the `Content-Type` header says: JSON (any media type naming it:
    /// `application/json`, `...+json`, with or without parameters), not JSON, or nothing.
    pub fn says_json(&self) -> Option<bool> {
        self.content_type
            .as_deref()
            .map(|value| value.to_ascii_lowercase().contains("json"))
    }
}

impl Client {
    /// A client for `base_url` (`https://api.kraken.com`) with [`ClientBuilder`]'s defaults: TLS
    /// through rustls, a 10 s connect timeout and a 30 s total timeout, the environment's
    /// proxy.
    ///
    /// Redirects are not followed: a signed request must not be replayed elsewhere, and custom
    /// auth headers (`API-Key`) are not stripped on cross-host redirects the way
    /// `Authorization` is. A 3xx answer is [`Error::Redirected`].
    pub fn new(base_url: &str, signer: Arc<dyn Signer>) -> Result<Client, Error> {
        ClientBuilder::new(base_url, signer).build()
    }

    /// A [`ClientBuilder`] for `base_url` and `signer`: timeouts, a proxy, a user agent or TLS
    /// roots of your choice, redirects still never followed.
    pub fn builder(base_url: &str, signer: Arc<dyn Signer>) -> ClientBuilder {
        ClientBuilder::new(base_url, signer)
    }

    /// A client that sends through `http`, an HTTP client you built yourself.
    ///
    /// **What this gives up**: the runtime cannot change how `http` treats redirects (reqwest
    /// fixes the policy when the client is built, per client, not per request). A client built
    /// with reqwest's defaults, `reqwest::Client::new()` included, follows up to 10 redirects
    /// and sends them every header the signer added, `API-Key`, `OK-ACCESS-KEY`,
    /// `OK-ACCESS-PASSPHRASE` and the other credential headers included (reqwest strips only
    /// `Authorization` and cookies when the host changes): a compromised or misconfigured
    /// proxy or CDN in front of the exchange could collect your API key that way. The runtime
    /// notices afterwards (the reply came from another URL) and refuses that reply with
    /// [`Error::Redirected`] `{ followed: true, .. }`, but the request has gone.
    ///
    /// So build `http` with `.redirect(reqwest::redirect::Policy::none())`, or better, use
    /// [`Client::builder`], which sets timeouts, a proxy, a user agent and TLS roots without
    /// giving anything up.
    pub fn with_http_client(
        base_url: &str,
        signer: Arc<dyn Signer>,
        http: reqwest::Client,
    ) -> Result<Client, Error> {
        Ok(Client {
            http,
            base_url: validate_base_url(base_url)?,
            hosts: Vec::new(),
            signer,
        })
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// This client with a base URL for each named host, `(name, base URL)`, for an API whose
    /// operations are served from several hosts ([`Operation::host`]); a generated client's
    /// `new` gives its `PRODUCTION_HOSTS`. A name given again takes the later URL. An operation
    /// whose host has no URL here goes to the base URL, so a client made for one test server
    /// sends everything there.
    pub fn with_hosts(mut self, hosts: &[(&str, &str)]) -> Result<Client, Error> {
        for (name, url) in hosts {
            let url = validate_base_url(url)?;
            match self.hosts.iter_mut().find(|(known, _)| known == name) {
                Some(entry) => entry.1 = url,
                None => self.hosts.push(((*name).to_owned(), url)),
            }
        }
        Ok(self)
    }

    /// The base URL `operation` is sent to: its host's, else the client's.
    pub fn base_url_of(&self, operation: &Operation) -> &str {
        operation
            .host
            .and_then(|host| self.hosts.iter().find(|(name, _)| name == host))
            .map_or(self.base_url.as_str(), |(_, url)| url.as_str())
    }

    /// Encodes `body` for `operation` and signs the request if the operation requires it.
    pub fn prepare<B: Serialize + ?Sized>(
        &self,
        operation: &'static Operation,
        body: &B,
    ) -> Result<PreparedRequest, Error> {
        let body_only = operation
            .params
            .iter()
            .all(|p| p.location == ParamLocation::Body);
        if body_only {
            return self.prepare_with_query(operation, &(), body);
        }
        // Path, query or header parameters: split the fields by where each travels.
        let routed = crate::route::route(operation, body)?;
        let body = match operation.body {
            // Routing leaves the body's fields sorted; the parts go in the request's order.
            BodyEncoding::Multipart => crate::body::ordered_fields(body).and_then(|fields| {
                let order: Vec<String> = fields.into_iter().map(|(name, _)| name).collect();
                Body::encode_multipart_in_order(routed.body, &order, |name| {
                    is_file_field(operation, name)
                })
            }),
            encoding => Body::encode_whole(encoding, &routed.body),
        }
        .map_err(|e| e.in_operation(operation.id))?;
        self.build(operation, &routed.path, &routed.query, routed.headers, body)
    }

    /// Like [`Client::prepare`], with query parameters: `query` is urlencoded and appended to the
    /// path (and so signed with it, where the exchange signs the path). An empty query adds
    /// nothing.
    pub fn prepare_with_query<Q: Serialize + ?Sized, B: Serialize + ?Sized>(
        &self,
        operation: &'static Operation,
        query: &Q,
        body: &B,
    ) -> Result<PreparedRequest, Error> {
        let body = match operation.body {
            BodyEncoding::Multipart => {
                Body::encode_multipart(body, |name| is_file_field(operation, name))
            }
            encoding => Body::encode(encoding, body),
        }
        .map_err(|e| e.in_operation(operation.id))?;
        let query = serde_urlencoded::to_string(query).map_err(|e| Error::Encode {
            operation: Some(operation.id),
            message: format!("the query parameters could not be urlencoded: {e}"),
        })?;
        self.build(operation, operation.path, &query, Vec::new(), body)
    }

    /// The request for `path?query` with `body`, signed if the operation is, with the header
    /// parameters first so the signer's headers follow them.
    fn build(
        &self,
        operation: &'static Operation,
        path: &str,
        query: &str,
        headers: Vec<(String, String)>,
        body: Body,
    ) -> Result<PreparedRequest, Error> {
        let mut path_and_query = String::with_capacity(path.len() + 1 + query.len());
        path_and_query.push_str(path);
        if !query.is_empty() {
            path_and_query.push('?');
            path_and_query.push_str(query);
        }
        let mut headers = headers;
        headers.reserve(4);
        let url = format!("{}{}", self.base_url_of(operation), path_and_query);
        let mut request = HttpRequest::new(operation, url, path_and_query, headers, body);
        if operation.signed {
            self.signer.sign(&mut request)?;
        }
        // Signers usually add it, since some sign it; add it here only if one did not.
        if let Some(content_type) = request.body.content_type() {
            let present = request
                .headers
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case("content-type"));
            if !present {
                request
                    .headers
                    .push(("Content-Type".to_owned(), content_type.to_owned()));
            }
        }
        let credentials = request.take_credentials();
        Ok(PreparedRequest {
            method: request.method,
            url: request.url,
            headers: request.headers,
            body: request.body.into_bytes(),
            credentials,
        })
    }

    /// Sends a prepared request and reads the whole reply. Any status is a reply, except a
    /// redirect ([`Error::Redirected`]); otherwise only failures to send or to read the body in
    /// full are errors here.
    pub async fn execute(&self, request: PreparedRequest) -> Result<RawResponse, Error> {
        let sent_to = reqwest::Url::parse(&request.url).ok();
        let mut builder = self.http.request(to_reqwest(request.method), &request.url);
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if !request.body.is_empty() {
            builder = builder.body(request.body);
        }
        let mut response = builder.send().await.map_err(Error::Transport)?;
        let status = response.status().as_u16();
        if response.status().is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            return Err(Error::Redirected {
                status,
                location,
                followed: false,
            });
        }
        // Only an HTTP client given to `with_http_client` can have followed a redirect: the
        // reply is then another server's, and is refused.
        if sent_to.as_ref().is_some_and(|sent| sent != response.url()) {
            return Err(Error::Redirected {
                status,
                location: Some(response.url().to_string()),
                followed: true,
            });
        }
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let capacity = response
            .content_length()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0)
            .min(MAX_RESPONSE_BYTES);
        let mut body = Vec::with_capacity(capacity);
        // A body cut short (connection closed before Content-Length bytes) surfaces here as a
        // reqwest body error.
        while let Some(chunk) = response.chunk().await.map_err(Error::Transport)? {
            if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                return Err(Error::ResponseTooLarge {
                    status,
                    limit: MAX_RESPONSE_BYTES,
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(RawResponse {
            status,
            content_type,
            body,
            retry_after,
        })
    }

    /// Prepares, sends, and decodes the reply with the envelope `E`.
    pub async fn send<B: Serialize + ?Sized, E: Envelope, T: DeserializeOwned>(
        &self,
        operation: &'static Operation,
        body: &B,
    ) -> Result<T, Error> {
        let request = self.prepare(operation, body)?;
        let response = self.execute(request).await?;
        E::decode(&response)
    }
}

impl PreparedRequest {
    /// The request with every long-lived credential the signer added (API keys, passphrases,
    /// tokens, passwords) replaced by `[redacted]`, for showing to a person; signatures, nonces
    /// and timestamps stay, since they are worthless once used. The second value names what
    /// was hidden (`header OK-ACCESS-PASSPHRASE`, `query api_key`), so the output can say so.
    pub fn redacted(&self) -> (PreparedRequest, Vec<String>) {
        let mut shown = self.clone();
        let mut hidden = Vec::new();
        for place in &self.credentials {
            match place {
                CredentialPlace::Header(name) => {
                    for (header, value) in &mut shown.headers {
                        if header.eq_ignore_ascii_case(name) {
                            *value = REDACTED.to_owned();
                        }
                    }
                    hidden.push(format!("header {name}"));
                }
                CredentialPlace::Query(name) => {
                    shown.url = redact_query(&shown.url, name);
                    hidden.push(format!("query parameter {name}"));
                }
            }
        }
        shown.credentials.clear();
        (shown, hidden)
    }

    /// The body as text, with invalid UTF-8 replaced.
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body", &self.body_text())
            .finish()
    }
}

const REDACTED: &str = "[redacted]";

/// `url` with the value of every query parameter named `name` (percent-encoded as the
/// runtime encodes it) replaced by `[redacted]`.
fn redact_query(url: &str, name: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let mut encoded_name = String::new();
    crate::route::percent_encode_into(&mut encoded_name, name);
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key == encoded_name => format!("{key}={REDACTED}"),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", pairs.join("&"))
}

/// Whether the body field `name` of a multipart body is a file: the operation's table says its
/// kind is bytes.
fn is_file_field(operation: &Operation, name: &str) -> bool {
    operation.params.iter().any(|param| {
        param.location == ParamLocation::Body
            && param.kind == ValueKind::Bytes
            && param.wire_name == name
    })
}

fn to_reqwest(method: Method) -> reqwest::Method {
    match method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Patch => reqwest::Method::PATCH,
        Method::Delete => reqwest::Method::DELETE,
    }
}

/// Checks `base_url` and returns it without trailing slashes.
fn validate_base_url(base_url: &str) -> Result<String, Error> {
    let trimmed = base_url.trim();
    let invalid = |url: String, reason: &str| Error::InvalidBaseUrl {
        url,
        reason: reason.to_owned(),
    };
    let mut url = reqwest::Url::parse(trimmed)
        .map_err(|e| invalid(trimmed.to_owned(), &format!("it is not a URL ({e})")))?;
    if !url.username().is_empty() || url.password().is_some() {
        // Keep credentials out of the error message.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        return Err(invalid(
            url.to_string(),
            "it must not contain a user name or password",
        ));
    }
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(invalid(
            trimmed.to_owned(),
            "the scheme must be http or https",
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid(trimmed.to_owned(), "it has no host"));
    }
    if url.query().is_some() {
        return Err(invalid(
            trimmed.to_owned(),
            "it must not have a query string",
        ));
    }
    if url.fragment().is_some() {
        return Err(invalid(trimmed.to_owned(), "it must not have a fragment"));
    }
    Ok(trimmed.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::{BodyEncoding, Operation};
    use crate::signer::Unsigned;

    const PUBLIC: Operation = Operation {
        exchange: "kraken",
        id: "getServerTime",
        name: "get-server-time",
        method: Method::Get,
        path: "/0/public/Time",
        host: None,
        body: BodyEncoding::None,
        params: &[],
        signer_fields: &[],
        signed: false,
        rate_limit: None,
        security: &[],
    };
    const SIGNED: Operation = Operation {
        id: "cancelWithdrawal",
        method: Method::Post,
        path: "/0/private/WithdrawCancel",
        host: None,
        body: BodyEncoding::Form,
        signed: true,
        rate_limit: None,
        ..PUBLIC
    };

    fn client(url: &str) -> Result<Client, Error> {
        Client::new(url, Arc::new(Unsigned))
    }

    #[test]
    fn an_operation_goes_to_its_hosts_base_url_and_without_one_to_the_clients() {
        static FUTURES: Operation = Operation {
            host: Some("Futures"),
            ..PUBLIC
        };
        static BROKER: Operation = Operation {
            host: Some("Broker"),
            ..PUBLIC
        };
        let kucoin = client("https://api.kucoin.com")
            .unwrap()
            .with_hosts(&[
                ("Futures", "https://old.example"),
                ("Futures", "https://api-futures.kucoin.com/"),
            ])
            .unwrap();
        let url = |op: &'static Operation| kucoin.prepare(op, &()).unwrap().url;
        assert_eq!(
            url(&FUTURES),
            "https://api-futures.kucoin.com/0/public/Time"
        );
        // A host without a URL of its own (a client made for one test server): the base URL.
        assert_eq!(url(&BROKER), "https://api.kucoin.com/0/public/Time");
        assert_eq!(url(&PUBLIC), "https://api.kucoin.com/0/public/Time");
        let bad = client("https://api.kucoin.com")
            .unwrap()
            .with_hosts(&[("Spot", "api.kucoin.com")]);
        assert!(matches!(bad, Err(Error::InvalidBaseUrl { .. })), "{bad:?}");
    }

    #[test]
    fn a_raw_body_goes_as_its_bytes_with_its_media_type() {
        use crate::operation::{Param, ParamLocation, ParamStyle, ValueKind};
        static UPLOAD: Operation = Operation {
            method: Method::Post,
            path: "/upload",
            body: BodyEncoding::Raw("application/octet-stream"),
            params: &[Param {
                wire_name: "body",
                location: ParamLocation::WholeBody,
                kind: ValueKind::String,
                required: true,
                style: ParamStyle::Simple,
                explode: false,
            }],
            ..PUBLIC
        };
        let client = client("https://x.example").unwrap();
        // A `Vec<u8>` as serde writes it, and text.
        let bytes = client
            .prepare(&UPLOAD, &serde_json::json!({"body": [0, 255, 104, 105]}))
            .unwrap();
        assert_eq!(bytes.body, [0, 255, b'h', b'i']);
        assert!(bytes.headers.contains(&(
            "Content-Type".to_owned(),
            "application/octet-stream".to_owned()
        )));
        let text = client
            .prepare(&UPLOAD, &serde_json::json!({"body": "hé"}))
            .unwrap();
        assert_eq!(text.body, "hé".as_bytes());
        let error = client
            .prepare(&UPLOAD, &serde_json::json!({"body": [256]}))
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains("a `application/octet-stream` body must be bytes"),
            "{error}"
        );
    }

    #[test]
    fn a_multipart_body_goes_as_parts_with_its_boundary_in_the_content_type() {
        use crate::operation::{Param, ParamLocation, ParamStyle, ValueKind};
        const fn param(wire_name: &'static str, location: ParamLocation, kind: ValueKind) -> Param {
            Param {
                wire_name,
                location,
                kind,
                required: false,
                style: ParamStyle::Simple,
                explode: false,
            }
        }
        static UPLOAD: Operation = Operation {
            method: Method::Post,
            path: "/pets/{id}/photo",
            body: BodyEncoding::Multipart,
            params: &[
                param("file", ParamLocation::Body, ValueKind::Bytes),
                param("id", ParamLocation::Path, ValueKind::Integer),
                param("name", ParamLocation::Body, ValueKind::String),
            ],
            ..PUBLIC
        };
        #[derive(serde::Serialize)]
        struct Request {
            id: u64,
            name: &'static str,
            file: Vec<u8>,
            note: Option<&'static str>,
        }
        let client = client("https://x.example").unwrap();
        let request = Request {
            id: 7,
            name: "rex",
            file: vec![0, 255],
            note: None,
        };
        let prepared = client.prepare(&UPLOAD, &request).unwrap();
        assert_eq!(prepared.url, "https://x.example/pets/7/photo");
        assert!(prepared.headers.contains(&(
            "Content-Type".to_owned(),
            "multipart/form-data; boundary=xgen-boundary-0".to_owned()
        )));
        // In the request's field order, not the sorted order routing leaves them in.
        let mut expected = b"--xgen-boundary-0\r\n\
            Content-Disposition: form-data; name=\"name\"\r\n\r\n\
            rex\r\n\
            --xgen-boundary-0\r\n\
            Content-Disposition: form-data; name=\"file\"; filename=\"file\"\r\n\
            Content-Type: application/octet-stream\r\n\r\n"
            .to_vec();
        expected.extend_from_slice(&[0, 255]);
        expected.extend_from_slice(b"\r\n--xgen-boundary-0--\r\n");
        assert_eq!(prepared.body, expected);
        // Body fields only: the same parts, without routing.
        static BODY_ONLY: Operation = Operation {
            path: "/photo",
            params: &[param("file", ParamLocation::Body, ValueKind::Bytes)],
            ..UPLOAD
        };
        let prepared = client
            .prepare(&BODY_ONLY, &serde_json::json!({"file": "hi"}))
            .unwrap();
        assert!(prepared.body.ends_with(
            b"filename=\"file\"\r\nContent-Type: application/octet-stream\r\n\r\nhi\r\n--xgen-boundary-0--\r\n"
        ));
    }

    #[test]
    fn base_url_is_validated_and_trimmed() {
        assert_eq!(
            client("https://api.kraken.com/").unwrap().base_url(),
            "https://api.kraken.com"
        );
        assert_eq!(
            client("http://127.0.0.1:8080/api").unwrap().base_url(),
            "http://127.0.0.1:8080/api"
        );
        for bad in [
            "api.kraken.com",
            "ftp://x.org",
            "https://x.org/?a=1",
            "https://x.org/#f",
            "",
        ] {
            let err = client(bad).unwrap_err();
            assert!(
                matches!(err, Error::InvalidBaseUrl { .. }),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn base_url_error_hides_password() {
        let err = client("https://user:hunter2@x.org")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2") && !err.contains("user:"), "{err}");
    }

    #[test]
    fn prepare_public_get_with_query() {
        let client = client("https://api.kraken.com").unwrap();
        let request = client
            .prepare_with_query(&PUBLIC, &[("pair", "XBT USD")], &())
            .unwrap();
        assert_eq!(
            request.url,
            "https://api.kraken.com/0/public/Time?pair=XBT+USD"
        );
        assert!(request.headers.is_empty(), "{:?}", request.headers);
        assert!(request.body.is_empty());
    }

    #[test]
    fn prepare_signed_without_credentials_fails_before_sending() {
        let client = client("https://api.kraken.com").unwrap();
        let err = client.prepare(&SIGNED, &[("asset", "XBT")]).unwrap_err();
        assert!(err.to_string().contains("cancelWithdrawal"), "{err}");
        assert!(matches!(err, Error::Sign(_)));
    }
}
