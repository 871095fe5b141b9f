//! Shared helpers for the self-tests: a bare reqwest client (no signing code of its own; every
//! signature is made in the tests) and the transport-level scripted replies every fake plays.

use xgen_fake_exchanges::{Exchange, Fake, Reply};

/// What came back.
#[derive(Debug)]
pub struct Sent {
    pub status: u16,
    pub content_type: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    /// The body, or the read error (a truncated body).
    pub body: Result<String, String>,
}

impl Sent {
    /// The body as JSON (panics with the body when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        let body = self.body.as_ref().expect("a complete body");
        serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
    }

    /// The body text (panics when it could not be read).
    pub fn text(&self) -> &str {
        self.body.as_deref().expect("a complete body")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// POSTs `body` with the given headers.
pub async fn post(url: &str, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) -> Sent {
    send("POST", url, headers, body.into()).await
}

/// A plain HTTP client for talking to the fakes.
pub fn http() -> reqwest::Client {
    // See the `rustls` dev-dependency: without a process-wide provider, a workspace build's
    // reqwest refuses to build a client at all.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new()
}

/// Any method.
pub async fn send(method: &str, url: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Sent {
    let http = http();
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = http.request(method, url).body(body);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let resp = req.send().await.expect("request reaches the fake");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let content_type = headers
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = match resp.bytes().await {
        Ok(b) => Ok(String::from_utf8_lossy(&b).into_owned()),
        Err(e) => Err(e.to_string()),
    };
    Sent {
        status,
        content_type,
        headers,
        body,
    }
}

/// Plays every exchange-independent scripted reply through `call` (a correctly signed request,
/// fresh each time) and checks what arrives. `success` is the exchange's success body for that
/// request (to check the truncated one is its prefix).
pub async fn check_transport_replies<E: Exchange>(
    fake: &Fake<E>,
    mut call: impl AsyncFnMut() -> Sent,
    success_prefix: &str,
) {
    fake.respond_with(Reply::Html502);
    let sent = call().await;
    assert_eq!(sent.status, 502);
    assert_eq!(sent.content_type.as_deref(), Some("text/html"));
    assert!(sent.text().contains("502 Bad Gateway"));

    fake.respond_with(Reply::EmptyBody);
    let sent = call().await;
    assert_eq!((sent.status, sent.text()), (200, ""));
    assert!(sent
        .content_type
        .as_deref()
        .unwrap()
        .starts_with("application/json"));

    fake.respond_with(Reply::truncated());
    let sent = call().await;
    assert_eq!(sent.status, 200);
    assert!(
        sent.body.is_err(),
        "truncated body read fully: {:?}",
        sent.body
    );
    let declared: usize = sent.header("content-length").unwrap().parse().unwrap();
    assert!(declared > success_prefix.len() / 2, "{declared}");

    fake.respond_with(Reply::Truncated {
        declared: 100,
        sent: b"{\"par".to_vec(),
    });
    let sent = call().await;
    assert_eq!(sent.header("content-length"), Some("100"));
    assert!(sent.body.is_err());

    // A declared length not above what is sent is raised, so the body is still cut short.
    fake.respond_with(Reply::Truncated {
        declared: 1,
        sent: b"{}".to_vec(),
    });
    let sent = call().await;
    assert_eq!(sent.header("content-length"), Some("3"));
    assert!(sent.body.is_err());

    fake.respond_with(Reply::internal_server_error());
    let sent = call().await;
    assert_eq!((sent.status, sent.text()), (500, "Internal Server Error"));
    assert!(sent.content_type.unwrap().starts_with("text/plain"));

    fake.respond_with(Reply::Raw {
        status: 418,
        content_type: Some("application/xml".into()),
        body: b"<teapot/>".to_vec(),
    });
    let sent = call().await;
    assert_eq!((sent.status, sent.text()), (418, "<teapot/>"));
    assert_eq!(sent.content_type.as_deref(), Some("application/xml"));

    fake.respond_with(Reply::raw_json(503, r#"{"down":true}"#));
    let sent = call().await;
    assert_eq!((sent.status, sent.text()), (503, r#"{"down":true}"#));

    // A scripted status that is not HTTP does not panic the fake: it answers 500 and says why.
    fake.respond_with(Reply::Raw {
        status: 1000,
        content_type: Some("bad\ncontent type".into()),
        body: Vec::new(),
    });
    let sent = call().await;
    assert_eq!(sent.status, 500);
    assert!(sent.text().contains("1000"), "{:?}", sent.body);

    // One-off replies, then the standing one again.
    fake.respond_with(Reply::Success);
    fake.respond_once(Reply::Html502);
    fake.respond_once(Reply::EmptyBody);
    assert_eq!(call().await.status, 502);
    assert_eq!(call().await.text(), "");
    let sent = call().await;
    assert_eq!(sent.status, 200);
    assert!(sent.text().starts_with(success_prefix), "{:?}", sent.body);

    // The recorder saw each of them as accepted, with the reply it sent.
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 12);
    assert!(reqs.iter().all(|r| r.is_accepted()), "{reqs:?}");
    assert_eq!(reqs[0].reply, Some(Reply::Html502));
    assert_eq!(reqs[11].reply, Some(Reply::Success));
}

/// Checks the server stops when the fake is dropped.
pub async fn check_drop_stops<E: Exchange>(fake: Fake<E>) {
    let addr = fake.addr();
    drop(fake);
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("{addr} still accepts connections after the fake was dropped");
}
