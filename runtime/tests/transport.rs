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
    body: BodyEncoding::Form,
    params: &[],
    signer_fields: &[SignerField {
        wire_name: "nonce",
        kind: ValueKind::Integer,
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
