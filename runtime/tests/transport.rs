//! `Client` against a real HTTP server on 127.0.0.1: canned replies, including broken ones, must
//! come back as the right typed errors.

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use xgen_runtime::kraken::{KrakenCredentials, KrakenEnvelope, KrakenErrorKind, KrakenSigner};
use xgen_runtime::{
    BodyEncoding, Client, Error, FixedNonce, Method, Operation, SignerField, ValueKind,
};

const ADD_ORDER: Operation = Operation {
    exchange: "kraken",
    id: "addOrder",
    name: "add-order",
    method: Method::Post,
    path: "/0/private/AddOrder",
    host: None,
    body: BodyEncoding::Form,
    params: &[],
    signer_fields: &[SignerField {
        wire_name: "nonce",
        kind: ValueKind::Integer,
        location: xgen_runtime::ParamLocation::Body,
    }],
    signed: true,
    rate_limit: None,
    security: &[],
};

const ORDER: [(&str, &str); 5] = [
    ("ordertype", "limit"),
    ("pair", "XBTUSD"),
    ("price", "37500"),
    ("type", "buy"),
    ("volume", "1.25"),
];

const DOC_SECRET: &str =
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";

/// Serves one connection: reads one request, writes `reply` verbatim, closes. Returns the base
/// URL and a handle yielding the raw request received.
async fn serve_once(reply: Vec<u8>) -> (String, JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let request = read_request(&mut socket).await;
        socket.write_all(&reply).await.unwrap();
        socket.flush().await.unwrap();
        // Dropping the socket closes the connection, cutting short any body still owed.
        request
    });
    (url, handle)
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> String {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = socket.read(&mut buf).await.unwrap();
        assert!(n > 0, "client closed before sending a full request");
        data.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&data).into_owned();
        let Some(head_end) = text.find("\r\n\r\n") else {
            continue;
        };
        let length = text[..head_end]
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().unwrap())
            })
            .unwrap_or(0);
        if data.len() >= head_end + 4 + length {
            return text;
        }
    }
}

fn http_reply(status: &str, content_type: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn client(base_url: &str) -> Client {
    let credentials = KrakenCredentials::new("TEST-KRAKEN-PUBLIC-KEY", DOC_SECRET).unwrap();
    let signer = KrakenSigner::new(credentials)
        .with_nonce_source(Arc::new(FixedNonce::new(1_616_492_376_594)));
    Client::new(base_url, Arc::new(signer)).unwrap()
}

async fn send_order(reply: Vec<u8>) -> (Result<bool, Error>, String) {
    let (url, server) = serve_once(reply).await;
    let result = client(&url)
        .send::<_, KrakenEnvelope, bool>(&ADD_ORDER, &ORDER)
        .await;
    (result, server.await.unwrap())
}

#[tokio::test]
async fn signed_request_goes_out_as_documented_and_result_decodes() {
    let (result, request) = send_order(http_reply(
        "200 OK",
        "application/json",
        r#"{"error":[],"result":true}"#,
    ))
    .await;
    assert!(result.unwrap());
    let lower = request.to_ascii_lowercase();
    assert!(
        request.starts_with("POST /0/private/AddOrder HTTP/1.1\r\n"),
        "{request}"
    );
    assert!(
        lower.contains("\r\napi-key: test-kraken-public-key\r\n"),
        "{request}"
    );
    // Kraken's published signature for this exact request.
    assert!(
        request.contains("4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ=="),
        "{request}"
    );
    assert!(
        lower.contains("\r\ncontent-type: application/x-www-form-urlencoded\r\n"),
        "{request}"
    );
    assert!(
        request.ends_with("\r\n\r\nnonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25"),
        "{request}"
    );
}

#[tokio::test]
async fn kraken_error_in_the_envelope() {
    let (result, _) = send_order(http_reply(
        "200 OK",
        "application/json",
        r#"{"error":["EAPI:Invalid nonce"]}"#,
    ))
    .await;
    let err = result.unwrap_err();
    let Error::Kraken(errors) = &err else {
        panic!("{err:?}")
    };
    assert!(errors.has_kind(KrakenErrorKind::InvalidNonce));
    assert_eq!(errors.status, 200);
}

#[tokio::test]
async fn html_bad_gateway_is_not_json() {
    let page = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    let (result, _) = send_order(http_reply("502 Bad Gateway", "text/html", page)).await;
    let err = result.unwrap_err();
    assert!(
        matches!(&err, Error::NotJson { status: 502, body_excerpt, .. } if body_excerpt.contains("502 Bad Gateway")),
        "{err:?}"
    );
}

#[tokio::test]
async fn plain_text_500_keeps_its_status() {
    let (result, _) = send_order(http_reply(
        "500 Internal Server Error",
        "text/plain",
        "upstream exploded",
    ))
    .await;
    let err = result.unwrap_err();
    assert_eq!(err.status(), Some(500), "{err:?}");
    assert!(
        matches!(err, Error::NotJson { .. } | Error::Http { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn empty_body() {
    let (result, _) = send_order(http_reply("200 OK", "application/json", "")).await;
    assert!(
        matches!(result, Err(Error::EmptyBody { status: 200 })),
        "{result:?}"
    );
}

#[tokio::test]
async fn complete_but_truncated_json_is_a_decode_error() {
    let (result, _) = send_order(http_reply(
        "200 OK",
        "application/json",
        r#"{"error":[],"res"#,
    ))
    .await;
    assert!(
        matches!(result, Err(Error::Decode { status: 200, .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn body_cut_short_by_a_closed_connection_is_a_transport_error() {
    let mut reply =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            .to_vec();
    reply.extend_from_slice(br#"{"error":["#);
    let (url, server) = serve_once(reply).await;
    let client = client(&url);
    let prepared = client.prepare(&ADD_ORDER, &ORDER).unwrap();
    let err = client.execute(prepared).await.unwrap_err();
    server.await.unwrap();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(err.to_string().contains("reading the reply body"), "{err}");
}

#[tokio::test]
async fn nothing_listening_is_a_transport_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let err = client(&url)
        .send::<_, KrakenEnvelope, bool>(&ADD_ORDER, &ORDER)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("could not connect") && text.contains("127.0.0.1"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------------
// Redirects: credentials go to the base URL's host and nowhere else

/// A server that records every request it receives (each on its own connection) and answers
/// each with `reply`. Returns its base URL and the requests so far.
async fn recording_server(
    reply: Vec<u8>,
) -> (String, Arc<std::sync::Mutex<Vec<String>>>, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let handle = tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            let request = read_request(&mut socket).await;
            record.lock().unwrap().push(request);
            socket.write_all(&reply).await.unwrap();
            socket.flush().await.unwrap();
        }
    });
    (url, seen, handle)
}

/// The exchange's address answering 302 to `elsewhere`.
fn redirect_to(elsewhere: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 302 Found\r\nLocation: {elsewhere}/collect\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .into_bytes()
}

fn kraken_signer() -> Arc<KrakenSigner> {
    let credentials = KrakenCredentials::new("TEST-KRAKEN-PUBLIC-KEY", DOC_SECRET).unwrap();
    Arc::new(
        KrakenSigner::new(credentials)
            .with_nonce_source(Arc::new(FixedNonce::new(1_616_492_376_594))),
    )
}

/// Whether a recorded request carries a credential or signature header.
fn carries_credentials(request: &str) -> bool {
    let lower = request.to_ascii_lowercase();
    lower.contains("\r\napi-key:") || lower.contains("\r\napi-sign:")
}

#[tokio::test]
async fn a_redirect_is_an_error_and_credentials_never_reach_the_other_host() {
    let (elsewhere, collected, _collector) = recording_server(http_reply(
        "200 OK",
        "application/json",
        r#"{"error":[],"result":true}"#,
    ))
    .await;
    let (exchange, seen, _exchange) = recording_server(redirect_to(&elsewhere)).await;
    let builder_made = Client::builder(&exchange, kraken_signer())
        .timeout(std::time::Duration::from_secs(5))
        .user_agent("treasury-bot/2.1")
        .build()
        .unwrap();
    for client in [client(&exchange), builder_made] {
        let err = client
            .send::<_, KrakenEnvelope, bool>(&ADD_ORDER, &ORDER)
            .await
            .unwrap_err();
        let Error::Redirected {
            status,
            location,
            followed,
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!(
            (*status, location.as_deref(), *followed),
            (302, Some(format!("{elsewhere}/collect").as_str()), false)
        );
        assert_eq!(err.status(), Some(302));
        assert!(!err.outcome_unknown() && !err.is_transient(), "{err}");
        let text = err.to_string();
        assert!(
            text.starts_with("the exchange answered HTTP 302 redirecting to http://127.0.0.1:")
                && text.ends_with("/collect, which signed requests do not follow"),
            "{text}"
        );
    }
    assert_eq!(
        seen.lock().unwrap().len(),
        2,
        "the exchange's address was asked"
    );
    assert!(carries_credentials(&seen.lock().unwrap()[0]));
    assert!(
        collected.lock().unwrap().is_empty(),
        "the other host received: {:?}",
        collected.lock().unwrap()
    );
}

#[tokio::test]
async fn a_caller_built_client_without_redirects_keeps_credentials_home() {
    let (elsewhere, collected, _collector) = recording_server(http_reply(
        "200 OK",
        "application/json",
        r#"{"error":[],"result":true}"#,
    ))
    .await;
    let (exchange, _, _exchange) = recording_server(redirect_to(&elsewhere)).await;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let client = Client::with_http_client(&exchange, kraken_signer(), http).unwrap();
    let err = client
        .send::<_, KrakenEnvelope, bool>(&ADD_ORDER, &ORDER)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Redirected {
                status: 302,
                followed: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(collected.lock().unwrap().is_empty());
}

/// What `Client::with_http_client` documents it gives up, pinned: a client that follows
/// redirects sends the credentials on (the runtime cannot stop it), and the reply that comes
/// back from the other host is refused, never taken as the exchange's.
#[tokio::test]
async fn a_caller_built_client_that_follows_gets_its_reply_refused() {
    let (elsewhere, collected, _collector) = recording_server(http_reply(
        "200 OK",
        "application/json",
        r#"{"error":[],"result":true}"#,
    ))
    .await;
    let (exchange, _, _exchange) = recording_server(redirect_to(&elsewhere)).await;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client =
        Client::with_http_client(&exchange, kraken_signer(), reqwest::Client::new()).unwrap();
    let err = client
        .send::<_, KrakenEnvelope, bool>(&ADD_ORDER, &ORDER)
        .await
        .unwrap_err();
    let Error::Redirected {
        location, followed, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(*followed);
    assert_eq!(
        location.as_deref(),
        Some(format!("{elsewhere}/collect").as_str())
    );
    assert!(err.outcome_unknown(), "the other host may have acted on it");
    assert!(err.to_string().contains("followed it anyway"), "{err}");
    let collected = collected.lock().unwrap();
    assert_eq!(collected.len(), 1);
    assert!(
        carries_credentials(&collected[0]),
        "the documented limitation no longer holds; update Client::with_http_client's docs: {}",
        collected[0]
    );
}

// ---------------------------------------------------------------------------------------------
// ClientBuilder: timeouts, proxy, user agent

#[tokio::test]
async fn the_total_timeout_takes_effect_against_a_slow_server() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let _slow = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        read_request(&mut socket).await;
        tokio::time::sleep(std::time::Duration::from_secs(10)).await;
        let _ = socket
            .write_all(&http_reply(
                "200 OK",
                "application/json",
                r#"{"error":[],"result":true}"#,
            ))
            .await;
    });
    let client = Client::builder(&url, kraken_signer())
        .timeout(std::time::Duration::from_millis(300))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client
        .send::<_, KrakenEnvelope, bool>(&ADD_ORDER, &ORDER)
        .await
        .unwrap_err();
    let waited = started.elapsed();
    let Error::Transport(e) = &err else {
        panic!("{err:?}")
    };
    assert!(e.is_timeout(), "{err:?}");
    assert!(
        waited >= std::time::Duration::from_millis(250)
            && waited < std::time::Duration::from_secs(5),
        "{waited:?}"
    );
    assert!(err.to_string().contains("timed out"), "{err}");
    assert!(err.outcome_unknown(), "the request was sent");
}

#[tokio::test]
async fn the_connect_timeout_takes_effect_against_a_server_that_never_accepts() {
    // A listener whose accept queue is full: the kernel leaves further connection attempts
    // unanswered, so only the connect timeout ends them.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(1).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        match tokio::time::timeout(
            std::time::Duration::from_millis(200),
            tokio::net::TcpStream::connect(addr),
        )
        .await
        {
            Ok(Ok(stream)) => fillers.push(stream),
            _ => break,
        }
    }
    let client = Client::builder(&format!("http://{addr}"), kraken_signer())
        .connect_timeout(std::time::Duration::from_millis(300))
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client
        .send::<_, KrakenEnvelope, bool>(&ADD_ORDER, &ORDER)
        .await
        .unwrap_err();
    let waited = started.elapsed();
    let Error::Transport(e) = &err else {
        panic!("{err:?}")
    };
    assert!(e.is_connect() && e.is_timeout(), "{err:?}");
    assert!(
        waited >= std::time::Duration::from_millis(250)
            && waited < std::time::Duration::from_secs(10),
        "{waited:?}: the connect timeout did not end it: {err}"
    );
    assert!(!err.outcome_unknown(), "nothing was sent: {err}");
    drop(listener);
}

#[tokio::test]
async fn requests_go_through_the_proxy_with_the_user_agent() {
    // A proxy stub: records the request line a client sends a plain-HTTP proxy (the absolute
    // URL) and answers for the exchange.
    let (proxy, seen, _proxy) = recording_server(http_reply(
        "200 OK",
        "application/json",
        r#"{"error":[],"result":true}"#,
    ))
    .await;
    let client = Client::builder("http://exchange.invalid", kraken_signer())
        .proxy(&proxy)
        .user_agent("treasury-bot/2.1")
        .build()
        .unwrap();
    let accepted: bool = client
        .send::<_, KrakenEnvelope, bool>(&ADD_ORDER, &ORDER)
        .await
        .unwrap();
    assert!(accepted);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert!(
        seen[0].starts_with("POST http://exchange.invalid/0/private/AddOrder HTTP/1.1\r\n"),
        "{}",
        seen[0]
    );
    let lower = seen[0].to_ascii_lowercase();
    assert!(
        lower.contains("\r\nuser-agent: treasury-bot/2.1\r\n"),
        "{}",
        seen[0]
    );
    assert!(carries_credentials(&seen[0]));
}

#[tokio::test]
async fn unusable_builder_settings_are_refused_without_showing_secrets() {
    for bad in [
        "not a url",
        "ftp://proxy.internal:21",
        "http://user:hunter2@",
    ] {
        let err = Client::builder("https://api.kraken.com", kraken_signer())
            .proxy(bad)
            .build()
            .unwrap_err();
        assert!(matches!(err, Error::InvalidProxy { .. }), "{bad}: {err:?}");
        assert!(!err.to_string().contains("hunter2"), "{err}");
    }
    let err = Client::builder("https://api.kraken.com", kraken_signer())
        .user_agent("bot\r\nX-Injected: 1")
        .build()
        .unwrap_err();
    assert!(matches!(err, Error::Encode { .. }), "{err:?}");
    let ok = Client::builder("https://api.kraken.com/", kraken_signer())
        .proxy("http://user:hunter2@proxy.internal:3128")
        .no_proxy()
        .build()
        .unwrap();
    assert_eq!(ok.base_url(), "https://api.kraken.com");
}

/// A multipart upload as a server reads it: the boundary from the `Content-Type` header, the
/// body split on it, each part's name, filename, type and content.
fn multipart_parts(request: &str) -> Vec<(String, Option<String>, Option<String>, String)> {
    let (head, body) = request.split_once("\r\n\r\n").unwrap();
    let content_type = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-type")
                .then(|| value.trim())
        })
        .unwrap();
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap();
    let delimiter = format!("--{boundary}");
    let sections: Vec<&str> = body.split(delimiter.as_str()).collect();
    assert_eq!(sections.first(), Some(&""), "{body}");
    assert_eq!(sections.last(), Some(&"--\r\n"), "{body}");
    let quoted = |headers: &str, key: &str| {
        let start = headers.find(&format!("{key}=\""))? + key.len() + 2;
        Some(headers[start..].split('"').next()?.to_owned())
    };
    sections[1..sections.len() - 1]
        .iter()
        .map(|section| {
            let section = section.strip_prefix("\r\n").unwrap();
            let (headers, content) = section.split_once("\r\n\r\n").unwrap();
            let content = content.strip_suffix("\r\n").unwrap().to_owned();
            let disposition = headers
                .lines()
                .find(|l| l.starts_with("Content-Disposition: form-data;"))
                .unwrap();
            let part_type = headers
                .lines()
                .find_map(|l| l.strip_prefix("Content-Type: "))
                .map(str::to_owned);
            (
                quoted(disposition, "name").unwrap(),
                quoted(disposition, " filename"),
                part_type,
                content,
            )
        })
        .collect()
}

#[tokio::test]
async fn a_multipart_upload_reaches_the_server_as_parts() {
    static UPLOAD: Operation = Operation {
        id: "upload",
        name: "upload",
        path: "/upload",
        body: BodyEncoding::Multipart,
        params: &[xgen_runtime::Param {
            wire_name: "file",
            location: xgen_runtime::ParamLocation::Body,
            kind: ValueKind::Bytes,
            required: true,
            style: xgen_runtime::ParamStyle::Form,
            explode: true,
        }],
        signer_fields: &[],
        signed: false,
        ..ADD_ORDER
    };
    #[derive(serde::Serialize)]
    struct Upload {
        file: Vec<u8>,
        note: &'static str,
        size: u32,
    }
    let (url, server) = serve_once(http_reply("204 No Content", "text/plain", "")).await;
    let client = client(&url);
    let upload = Upload {
        // A file holding what looks like a boundary must not end its part early.
        file: b"line one\r\n--xgen-boundary-0\r\nline two".to_vec(),
        note: "a \"quoted\" note",
        size: 37,
    };
    let prepared = client.prepare(&UPLOAD, &upload).unwrap();
    let reply = client.execute(prepared).await.unwrap();
    assert_eq!(reply.status, 204);
    let request = server.await.unwrap();
    let parts = multipart_parts(&request);
    let part = |name: &str, filename: Option<&str>, kind: Option<&str>, content: &str| {
        (
            name.to_owned(),
            filename.map(str::to_owned),
            kind.map(str::to_owned),
            content.to_owned(),
        )
    };
    assert_eq!(
        parts,
        [
            part(
                "file",
                Some("file"),
                Some("application/octet-stream"),
                "line one\r\n--xgen-boundary-0\r\nline two"
            ),
            part("note", None, None, "a \"quoted\" note"),
            part("size", None, None, "37"),
        ]
    );
}
