//! Known answers and envelope cases for the Binance plugin.
//!
//! HMAC: the two examples of Binance's "SIGNED Endpoint Examples for POST /api/v3/order"
//! (developers.binance.com, Wallet and Spot "General Info"), keys and signatures as published.
//! Ed25519 and RSA: Binance publishes the payload and signatures but not the private key
//! (`./test-prv-key.pem`), so these vectors sign the same payload with keys generated for this
//! test (`openssl genpkey`); the expected signatures were computed with `openssl pkeyutl` /
//! `openssl dgst -sha256 -sign` and checked again with Python's `cryptography` 48.

use super::*;
use crate::operation::{BodyEncoding, Method, Operation, ParamLocation, SignerField, ValueKind};
use crate::{Client, FixedTimestamp};

// Binance's documented HMAC example.
const DOC_API_KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
const DOC_SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
const DOC_TIME: u64 = 1_499_827_319_559;
const DOC_SIGNATURE: &str = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";
const DOC_UNICODE_SIGNATURE: &str =
    "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3";

// The payload of Binance's RSA and Ed25519 examples.
const KEY_PAIR_PAYLOAD: &str = "symbol=BTCUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=1&price=0.2&timestamp=1668481559918&recvWindow=5000";
const ED25519_PEM: &str = r"-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIGwPyJmAs9Gj5UbtpTpEVzVfmOyooim8ytsnPZ3nRFzg
-----END PRIVATE KEY-----";
const ED25519_SIGNATURE: &str =
    "6W4NdKBhH/A5WOr/ofIdzI6RoxQxd1AA241BF5dk5D1hMhxQIJWm4e1r+VJ41d/XnyVfsEaH9u+6fZFzgyEADw==";
const RSA_PEM: &str = r"-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQDi6Hae0HHuSSq4
OBCXCHUuCw3uPbWhBHrGSwhQYVC8/ywKFUDzKm19fB82nIGckQeEoYqdK/41t9Fq
qrpqnb2aGM6pnlq6DMkhwOi25y8eYptnC4QSnKuj8Sqk832lyNqWa3kRScuXYZ7h
lPo7Iz2m7IwtGp7BNvBbNxtPyR1y1UQe15HWUI5Hj2bY03guVupu49XtDqr4s8fw
qIba8FNnfrVEFL0WLImJRcFSGL02I8Uw/IMKtjgJ4CUCJgROhZ82fZCQe6bdBV4A
bs4pixEJBuBu/ABah8X/De163whU7BfLgwSxj8PN/m7YsFIL+1C5r4Wph6s5u+X0
t7ohYAgXAgMBAAECggEAZFbAsaziXKlNM0ZTi74pNzGbOOlf6nKVKh+e7xCBh/nc
yx6n6H+wCCf9k4Q0ynvVk8Btj+AW20FMYTtbEO9tGvnyVU5Zt2EVBhCMt+jWTLz1
FGWiwyo1ulrYbTXhL5D4nECtOkhkN65q+D0NRF5qkmiS+hUF89HsCqH9OVRpac/w
ejBQgFiKpnB9AeJVLa/Cg3oB3Hk4+P9L5SOxSaOQABDwt5CiBXWjf0jGB0aEFSJR
OyAumt/0uNha7/3r+GFRsbybCc/hLPeaIwyYeNbiH3VsWUPz2dlgLnLqSHt7ZfPD
yhG87AicylGhNEVoMN0CirAbh9EbB0sF0l4J6IJeIQKBgQD/ZBirFuUyiLyGO0GL
eT0hfutxTSDdeguskUG0GAqs64Pv0+cO5Zph0AXpmqibQ5UzPSTInLSHcqJJlX1T
+z3WXw8hgboL5pQHCKUUWMRiLYWORrKbUriYnv1xjkkc2ReGSy39tBjC7kaReCQH
EyoOmF4wxwimk/WVqQyq7b0sdwKBgQDjcvrE1r1Pu2Li7TXIFV1XihEJHk83A4GQ
EqxBZNWn76+gWJ7phzMsTfNYkPw7zCdvfA5yCvpSYOot1pL8MZ0AO04UHyOGatAq
rN+LYfcYc0zQ7zlP642h2MqVFBq/CLOZeZrsMzUtcs91emO3ZYwpz0ip+W+FZslo
pox6zW4JYQKBgDp7EkcDLCKhOwJFyWGFtqDX7lP4hGES1F+Et5Xkt3UXTRP64vr/
SpXBS8lNV/SNyjl8c9LYR2KItm7BI3y6mFNhWxaiHRciipz9tsds+DM/F0kYGUgF
7i1Mot6A5W8Mqx1eU763ob/pThF7gEx6b/P9ofvrZ6i1UtQdbMArRllLAoGAAa7n
Ji/EpONpHu7MeBeYYj52U8/ynCCdg9hvh+hcIGsIrLIbMvU6LrjA9UXVaAfhvtR3
Mubb5WIsOXyeB9nCJK9Lq6BzXdpKghZXbSujbX3k8qLilLHUkX8OOL42WHWTBq68
s8TJPvXbjS4DsObCe8i56/AZoC4bjXe2EG6WwuECgYAm64ZqXrxSeh1njaDfx8QH
nJBhHeq4UWgO43CGw44qsZ1qi69/i+pu3K6UBTsW6TTPphqATB6If4ANzWW6oF2v
TpOAPTY59qlyLjRG5wpeoK101H7mCY4dhhdvB3iXD/RUsKQyjBOBafSUMs1aCkSK
FNfZiEx470o6zF20SdbSkA==
-----END PRIVATE KEY-----";
const RSA_SIGNATURE: &str = "u/zYFjd6mYvov2VEvLwyxhyr9JGQMwzLcWpJSsGANvvrpaohbqU6mEm4l7dutrla9uqQt2zb8X2nQfNOjm9o76e6Srk/p9sGY5aKqCMGl01M5KbE1wOSMXE2Hdq4LBAs1xPX03EziZuXpDdS5DIduvG+od/f3IxBGzjJVlmmnXW/UDqRHyBHvehtc73OPVWa6ZEB9lKbhz9Bb8KtfTgvT9IxgdFQfaBr89+VxOmQbYO2Y9fWWyMK7NtGvrimaD3WOdKL/yZmxfINw/S/ZHmm5S/LwZJDfLVlKd8EPf21Jp6eHzeVQ2yPE1kvWdkPgPGPbAbeMGq1DtJZ2U+vxHSB0A==";

const FIELDS: &[SignerField] = &[
    SignerField {
        wire_name: "recvWindow",
        kind: ValueKind::Integer,
        location: ParamLocation::Query,
    },
    SignerField {
        wire_name: "signature",
        kind: ValueKind::String,
        location: ParamLocation::Query,
    },
    SignerField {
        wire_name: "timestamp",
        kind: ValueKind::Integer,
        location: ParamLocation::Query,
    },
];

static ORDER: Operation = Operation {
    exchange: "binance",
    id: "postApiV3Order",
    name: "post-api-v3-order",
    method: Method::Post,
    path: "/api/v3/order",
    host: None,
    body: BodyEncoding::None,
    params: &[],
    signer_fields: FIELDS,
    signed: true,
    rate_limit: None,
    security: &[],
};

// A USER_STREAM endpoint: the key alone.
static LISTEN_KEY: Operation = Operation {
    id: "postApiV3UserDataStream",
    name: "post-api-v3-user-data-stream",
    path: "/api/v3/userDataStream",
    signer_fields: &[],
    ..ORDER
};

fn order_params(symbol: &str) -> Vec<(&str, &str)> {
    vec![
        ("symbol", symbol),
        ("side", "BUY"),
        ("type", "LIMIT"),
        ("timeInForce", "GTC"),
        ("quantity", "1"),
        ("price", "0.1"),
    ]
}

fn doc_signer() -> BinanceSigner {
    BinanceSigner::new(BinanceCredentials::hmac(DOC_API_KEY, DOC_SECRET).unwrap())
        .with_recv_window(5000)
        .with_timestamp_source(Arc::new(FixedTimestamp::new(DOC_TIME)))
}

fn prepared(signer: BinanceSigner, op: &'static Operation, symbol: &str) -> crate::PreparedRequest {
    Client::new("https://api.binance.com", Arc::new(signer))
        .unwrap()
        .prepare_with_query(op, &order_params(symbol), &())
        .unwrap()
}

#[test]
fn vector_doc_hmac_query_string() {
    let request = prepared(doc_signer(), &ORDER, "LTCBTC");
    assert_eq!(
        request.url,
        format!("https://api.binance.com/api/v3/order?symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature={DOC_SIGNATURE}")
    );
    assert_eq!(
        request.headers,
        [(API_KEY_HEADER.to_owned(), DOC_API_KEY.to_owned())]
    );
    assert!(request.body.is_empty());
}

#[test]
fn vector_doc_hmac_non_ascii_symbol_is_signed_percent_encoded() {
    let request = prepared(doc_signer(), &ORDER, "１２３４５６");
    assert!(
        request
            .url
            .contains("?symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY"),
        "{}",
        request.url
    );
    assert!(
        request
            .url
            .ends_with(&format!("&signature={DOC_UNICODE_SIGNATURE}")),
        "{}",
        request.url
    );
}

#[test]
fn the_body_is_signed_after_the_query() {
    // totalParams = query string followed by the body, with no separator (the docs' example 3).
    let signer = doc_signer();
    let mut request = HttpRequest::new(
        &ORDER,
        "https://api.binance.com/api/v3/order?symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC"
            .into(),
        "/api/v3/order?symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC".into(),
        Vec::new(),
        crate::Body::from_bytes(BodyEncoding::Form, b"quantity=1&price=0.1".to_vec()).unwrap(),
    );
    signer.sign(&mut request).unwrap();
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(DOC_SECRET.as_bytes()).unwrap();
    mac.update(b"symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&recvWindow=5000&timestamp=1499827319559quantity=1&price=0.1");
    let expected = hex_lower(&mac.finalize().into_bytes());
    assert!(
        request.path_and_query.ends_with(&format!(
            "&recvWindow=5000&timestamp=1499827319559&signature={expected}"
        )),
        "{}",
        request.path_and_query
    );
}

fn key_pair_signature(pem: &str) -> String {
    let signer = BinanceSigner::new(BinanceCredentials::private_key("key", pem).unwrap());
    let request = HttpRequest::new(
        &ORDER,
        String::new(),
        String::new(),
        Vec::new(),
        crate::Body::empty(),
    );
    signer
        .signature(&request, [KEY_PAIR_PAYLOAD.as_bytes(), b""])
        .unwrap()
}

#[test]
fn vector_ed25519_docs_payload() {
    assert_eq!(key_pair_signature(ED25519_PEM), ED25519_SIGNATURE);
    // Keys kept in an environment variable with `\n` written out read the same.
    let escaped = ED25519_PEM.replace('\n', "\\n");
    assert_eq!(key_pair_signature(&escaped), ED25519_SIGNATURE);
}

#[test]
fn vector_rsa_docs_payload() {
    assert_eq!(key_pair_signature(RSA_PEM), RSA_SIGNATURE);
}

#[test]
fn base64_signatures_are_percent_encoded_last() {
    let credentials = BinanceCredentials::from_secret("key", RSA_PEM).unwrap();
    assert_eq!(credentials.kind(), "RSA");
    let signer = BinanceSigner::new(credentials)
        .with_timestamp_source(Arc::new(FixedTimestamp::new(1_668_481_559_918)));
    let request = prepared(signer, &ORDER, "BTCUSDT");
    let (rest, signature) = request.url.rsplit_once("&signature=").unwrap();
    assert!(
        rest.ends_with("&price=0.1&timestamp=1668481559918"),
        "{rest}"
    );
    // No recvWindow unless set.
    assert!(!rest.contains("recvWindow"), "{rest}");
    assert!(!signature.contains(['+', '/', '=']), "{signature}");
    assert!(
        signature.ends_with("%3D%3D") || signature.ends_with("%3D"),
        "{signature}"
    );
    let ed = BinanceCredentials::from_secret("key", ED25519_PEM).unwrap();
    assert_eq!(ed.kind(), "Ed25519");
}

#[test]
fn key_only_endpoints_get_the_header_alone() {
    let request = prepared(doc_signer(), &LISTEN_KEY, "LTCBTC");
    assert!(!request.url.contains("timestamp"), "{}", request.url);
    assert!(!request.url.contains("signature"), "{}", request.url);
    assert_eq!(request.headers[0].0, API_KEY_HEADER);
    let (shown, hidden) = request.redacted();
    assert_eq!(hidden, ["header X-MBX-APIKEY"]);
    assert!(!format!("{:?}", shown.headers).contains(DOC_API_KEY));
}

#[test]
fn debug_never_shows_secrets() {
    let hmac = BinanceCredentials::hmac(DOC_API_KEY, DOC_SECRET).unwrap();
    let rsa = BinanceCredentials::private_key("abcdefgh", RSA_PEM).unwrap();
    for debug in [
        format!("{hmac:?}"),
        format!("{:?}", doc_signer()),
        format!("{rsa:?}"),
        format!("{:?}", BinanceSigner::new(rsa.clone())),
    ] {
        assert!(!debug.contains(&DOC_SECRET[..12]), "{debug}");
        assert!(!debug.contains(DOC_API_KEY), "{debug}");
        assert!(!debug.contains("MIIE"), "{debug}");
        assert!(debug.contains("[redacted]"), "{debug}");
    }
}

#[test]
fn credentials_are_checked_without_repeating_them() {
    assert_eq!(
        BinanceCredentials::hmac(" k ", " s\n").unwrap().api_key(),
        "k"
    );
    for (key, secret, err) in [
        ("", DOC_SECRET, CredentialsError::EmptyApiKey),
        (
            "a\tb",
            DOC_SECRET,
            CredentialsError::InvalidApiKey { position: 1 },
        ),
        ("k", "  ", CredentialsError::EmptySecret),
        (
            "k",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----",
            CredentialsError::PublicKeyGiven,
        ),
        (
            "k",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----",
            CredentialsError::EncryptedPrivateKey,
        ),
        (
            "k",
            "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----",
            CredentialsError::UnsupportedPem {
                label: "EC PRIVATE KEY".into(),
            },
        ),
    ] {
        assert_eq!(
            BinanceCredentials::from_secret(key, secret).unwrap_err(),
            err,
            "{secret}"
        );
    }
    let broken = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LXNlY3JldA==\n-----END PRIVATE KEY-----";
    let err = BinanceCredentials::from_secret("k", broken).unwrap_err();
    assert!(
        matches!(err, CredentialsError::InvalidPrivateKey { .. }),
        "{err:?}"
    );
    assert!(!err.to_string().contains("c2VjcmV0"), "{err}");
}

#[test]
fn the_registry_builds_it_from_the_environment() {
    use std::collections::BTreeMap;
    let scheme = crate::registry::signing_scheme("binance").unwrap();
    let names: Vec<String> = scheme
        .variables("binance", &[])
        .into_iter()
        .map(|v| v.name)
        .collect();
    assert_eq!(names, ["BINANCE_API_KEY", "BINANCE_API_SECRET"]);
    let source: BTreeMap<String, String> = [
        ("BINANCE_API_KEY".to_owned(), DOC_API_KEY.to_owned()),
        ("BINANCE_API_SECRET".to_owned(), DOC_SECRET.to_owned()),
    ]
    .into();
    let setup = crate::registry::SignerSetup {
        exchange: "binance",
        source: &source,
        auth_schemes: &[],
        nonce: None,
        timestamp: Some(Arc::new(FixedTimestamp::new(DOC_TIME))),
    };
    let signer = scheme.signer(&setup).unwrap();
    let request = Client::new("https://api.binance.com", signer)
        .unwrap()
        .prepare_with_query(&ORDER, &order_params("LTCBTC"), &())
        .unwrap();
    // The registry's signer sends no recvWindow, so the signature differs from the docs'.
    assert!(
        request
            .url
            .contains("&price=0.1&timestamp=1499827319559&signature="),
        "{}",
        request.url
    );
    let source: BTreeMap<String, String> = [
        ("BINANCE_API_KEY".to_owned(), "k".to_owned()),
        (
            "BINANCE_API_SECRET".to_owned(),
            "-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----".to_owned(),
        ),
    ]
    .into();
    let err = scheme
        .signer(&crate::registry::SignerSetup {
            source: &source,
            timestamp: None,
            ..setup
        })
        .unwrap_err();
    assert!(err.to_string().starts_with("BINANCE_API_SECRET: "), "{err}");
}

fn reply(status: u16, body: &str, retry_after: Option<&str>) -> RawResponse {
    RawResponse {
        status,
        content_type: Some("application/json".into()),
        body: body.as_bytes().to_vec(),
        retry_after: retry_after.map(str::to_owned),
    }
}

fn binance(error: Error) -> BinanceError {
    BinanceError::of(&error)
        .cloned()
        .unwrap_or_else(|| panic!("{error:?}"))
}

fn decode_err(status: u16, body: &str, retry_after: Option<&str>) -> BinanceError {
    binance(
        BinanceEnvelope::decode::<serde_json::Value>(&reply(status, body, retry_after))
            .unwrap_err(),
    )
}

#[test]
fn success_is_the_payload_itself() {
    #[derive(Debug, Deserialize, PartialEq)]
    struct Applied {
        id: String,
    }
    let applied: Applied = BinanceEnvelope::decode(&reply(
        200,
        r#"{"id":"7213fea8e94b4a5593d507237e5a555b"}"#,
        None,
    ))
    .unwrap();
    assert_eq!(applied.id, "7213fea8e94b4a5593d507237e5a555b");
    let list: Vec<serde_json::Value> =
        BinanceEnvelope::decode(&reply(200, r#"[{"id":"a","status":6}]"#, None)).unwrap();
    assert_eq!(list.len(), 1);
    // A payload with a non-negative `code` of its own is a payload.
    let value: serde_json::Value =
        BinanceEnvelope::decode(&reply(200, r#"{"code":"000000","msg":"ok"}"#, None)).unwrap();
    assert_eq!(value["code"], "000000");
}

#[test]
fn documented_errors_are_typed() {
    for (status, code, kind) in [
        (400, -1021, BinanceErrorKind::TimestampOutsideRecvWindow),
        (400, -1022, BinanceErrorKind::InvalidSignature),
        (401, -2014, BinanceErrorKind::BadApiKeyFormat),
        (401, -2015, BinanceErrorKind::RejectedApiKey),
        (400, -1121, BinanceErrorKind::InvalidSymbol),
        (400, -1102, BinanceErrorKind::MandatoryParamMissing),
    ] {
        let body = format!(r#"{{"code":{code},"msg":"m"}}"#);
        let e = decode_err(status, &body, None);
        assert_eq!((e.code, e.kind, e.status), (Some(code), kind, status));
        assert_eq!(kind.code(), Some(code));
        assert!(!e.is_rate_limited() && !e.outcome_unknown() && !e.is_retryable());
    }
    let e = decode_err(
        400,
        r#"{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}"#,
        None,
    );
    assert_eq!(
        e.to_string(),
        "Binance refused the request (HTTP 400): code -1021: Timestamp for this request is outside of the recvWindow."
    );
}

#[test]
fn rate_limits_keep_retry_after() {
    let e = decode_err(
        429,
        r#"{"code":-1003,"msg":"Too many requests."}"#,
        Some("7"),
    );
    assert_eq!(e.kind, BinanceErrorKind::TooManyRequests);
    assert_eq!(
        (e.retry_after.as_deref(), e.retry_after_seconds()),
        (Some("7"), Some(7))
    );
    assert!(e.is_rate_limited());
    let e = decode_err(
        418,
        r#"{"code":-1003,"msg":"Way too many requests; IP banned until 1700000000000."}"#,
        Some("120"),
    );
    assert_eq!(
        (e.kind, e.retry_after_seconds()),
        (BinanceErrorKind::IpBanned, Some(120))
    );
    // A bare 429, with no Binance body at all, is still a typed rate limit.
    let bare = RawResponse {
        status: 429,
        content_type: Some("text/html".into()),
        body: b"<html>Too Many Requests</html>".to_vec(),
        retry_after: Some("30".into()),
    };
    let err = BinanceEnvelope::decode::<serde_json::Value>(&bare).unwrap_err();
    assert!(
        err.is_rate_limited() && err.is_transient() && !err.outcome_unknown(),
        "{err}"
    );
    let e = binance(err);
    assert_eq!(
        (e.kind, e.code, e.retry_after_seconds()),
        (BinanceErrorKind::RateLimited, None, Some(30))
    );
    assert!(e.to_string().ends_with("(Retry-After: 30)"), "{e}");
    let empty = RawResponse {
        body: Vec::new(),
        ..bare
    };
    let e = binance(BinanceEnvelope::decode::<serde_json::Value>(&empty).unwrap_err());
    assert_eq!(e.kind, BinanceErrorKind::RateLimited);
}

#[test]
fn unknown_codes_and_outcome_unknown() {
    let e = decode_err(400, r#"{"code":-4026,"msg":"New thing"}"#, None);
    assert_eq!(
        (e.kind, e.code, e.message.as_str()),
        (BinanceErrorKind::Other, Some(-4026), "New thing")
    );
    assert_eq!(e.body_excerpt, r#"{"code":-4026,"msg":"New thing"}"#);
    let e = decode_err(
        500,
        r#"{"code":-1007,"msg":"Timeout waiting for response from backend server."}"#,
        None,
    );
    assert!(e.outcome_unknown() && e.is_retryable());
    // A negative code in a 200 is an error too.
    let e = decode_err(200, r#"{"code":-1000,"msg":"x"}"#, None);
    assert_eq!((e.status, e.kind), (200, BinanceErrorKind::Unknown));
}

#[test]
fn generic_failures() {
    let page = RawResponse {
        status: 502,
        content_type: Some("text/html".into()),
        body: b"<html>Bad Gateway</html>".to_vec(),
        retry_after: None,
    };
    let err = BinanceEnvelope::decode::<serde_json::Value>(&page).unwrap_err();
    assert!(matches!(err, Error::NotJson { status: 502, .. }), "{err:?}");
    let err = BinanceEnvelope::decode::<serde_json::Value>(&reply(404, r#"{"error":"x"}"#, None))
        .unwrap_err();
    assert!(matches!(err, Error::Http { status: 404, .. }), "{err:?}");
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Applied {
        id: String,
    }
    let err = BinanceEnvelope::decode::<Applied>(&reply(200, r#"{"id":"#, None)).unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    let err = BinanceEnvelope::decode::<Applied>(&reply(200, " ", None)).unwrap_err();
    assert!(matches!(err, Error::EmptyBody { status: 200 }), "{err:?}");
}

#[test]
fn a_repeated_key_is_refused() {
    crate::envelope::testing::assert_repeated_key_refused::<BinanceEnvelope>(
        r#"{"code":-1022,"msg":"Signature for this request is not valid.","code":0}"#,
        "code",
    );
    crate::envelope::testing::assert_repeated_key_refused::<BinanceEnvelope>(
        r#"[{"id":"a","status":6,"status":1}]"#,
        "[0].status",
    );
}

#[test]
fn display_escapes_terminal_controls() {
    use crate::envelope::testing::{assert_escaped, HOSTILE, HOSTILE_JSON};
    let body = format!(r#"{{"code":-1000,"msg":"{HOSTILE_JSON}"}}"#);
    let err = BinanceEnvelope::decode::<serde_json::Value>(&reply(400, &body, None)).unwrap_err();
    assert_eq!(
        binance(
            BinanceEnvelope::decode::<serde_json::Value>(&reply(400, &body, None)).unwrap_err()
        )
        .message,
        HOSTILE
    );
    assert_escaped(&err.to_string());
}
