//! The fake Bybit endpoint, driven by a bare reqwest client with hand-made signatures (HMAC and
//! RSA keys).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;
use xgen_fake_exchanges::bybit::{
    Credential, DocumentedError, FakeBybit, Reply, Verdict, WITHDRAW_CANCEL_PATH,
};
use xgen_fake_exchanges::rsa::pkcs1v15::SigningKey;
use xgen_fake_exchanges::rsa::pkcs8::DecodePrivateKey;
use xgen_fake_exchanges::rsa::signature::{SignatureEncoding, Signer};
use xgen_fake_exchanges::rsa::RsaPrivateKey;
use xgen_fake_exchanges::Clock;

use crate::common::{check_drop_stops, check_transport_replies, post, Sent};

const KEY: &str = "XXXXXXXXXX";
const SECRET: &str = "bybit-test-secret-0123456789ABCDEFGHIJ";
const RSA_KEY: &str = "bybit-rsa-test-key";
const NOW: u64 = 1_672_197_227_732;
const BODY: &str = r#"{"id":"10197"}"#;

/// The test's own HMAC signature: lower-case hex.
fn hmac_sign(secret: &str, prehash: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(prehash.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn rsa_sign(prehash: &str) -> String {
    let private =
        RsaPrivateKey::from_pkcs8_pem(include_str!("../data/bybit-test-rsa-private.pem")).unwrap();
    let sig = SigningKey::<Sha256>::new(private).sign(prehash.as_bytes());
    B64.encode(sig.to_bytes())
}

async fn send(
    fake: &FakeBybit,
    key: &str,
    ts: u64,
    recv_window: Option<&str>,
    sign: &str,
    body: &str,
) -> Sent {
    let ts = ts.to_string();
    let mut headers = vec![
        ("Content-Type", "application/json"),
        ("X-BAPI-API-KEY", key),
        ("X-BAPI-TIMESTAMP", ts.as_str()),
        ("X-BAPI-SIGN", sign),
        ("X-BAPI-SIGN-TYPE", "2"),
    ];
    if let Some(rw) = recv_window {
        headers.push(("X-BAPI-RECV-WINDOW", rw));
    }
    post(&fake.endpoint_url(), &headers, body).await
}

/// A correctly HMAC-signed cancel at `ts` with a 5000 ms window.
async fn call_at(fake: &FakeBybit, ts: u64) -> Sent {
    let sign = hmac_sign(SECRET, &format!("{ts}{KEY}5000{BODY}"));
    send(fake, KEY, ts, Some("5000"), &sign, BODY).await
}

async fn call(fake: &FakeBybit) -> Sent {
    call_at(fake, NOW).await
}

async fn started() -> FakeBybit {
    FakeBybit::start(KEY, Credential::Hmac(SECRET.into()))
        .await
        .with_clock(Clock::Fixed(NOW))
}

fn assert_ret(sent: &Sent, status: u16, code: i64) -> serde_json::Value {
    assert_eq!(sent.status, status, "{:?}", sent.body);
    let v = sent.json();
    assert_eq!(v["retCode"], code, "{v}");
    assert_eq!(v["result"], json!({}));
    assert_eq!(v["retExtInfo"], json!({}));
    assert_eq!(v["time"], NOW);
    v
}

fn success(now: u64) -> String {
    format!(
        r#"{{"retCode":0,"retMsg":"OK","result":{{"status":1}},"retExtInfo":{{}},"time":{now}}}"#
    )
}

#[tokio::test]
async fn accepts_hmac_and_rsa_signed_requests() {
    let fake = started().await;
    assert_eq!(call(&fake).await.text(), success(NOW));

    fake.add_key(
        RSA_KEY,
        Credential::rsa_public_key_pem(include_str!("../data/bybit-test-rsa-public.pem")).unwrap(),
    );
    let sign = rsa_sign(&format!("{NOW}{RSA_KEY}5000{BODY}"));
    let sent = send(&fake, RSA_KEY, NOW, Some("5000"), &sign, BODY).await;
    assert_eq!(sent.text(), success(NOW));
    // An HMAC signature for an RSA key is a sign error, and vice versa.
    let hmac = hmac_sign(SECRET, &format!("{NOW}{RSA_KEY}5000{BODY}"));
    let sent = send(&fake, RSA_KEY, NOW, Some("5000"), &hmac, BODY).await;
    assert_ret(&sent, 200, 10004);
    let sent = send(
        &fake,
        KEY,
        NOW,
        Some("5000"),
        &rsa_sign(&format!("{NOW}{KEY}5000{BODY}")),
        BODY,
    )
    .await;
    assert_ret(&sent, 200, 10004);

    // Without X-BAPI-RECV-WINDOW the window is 5000 and the prehash has no window text.
    let sign = hmac_sign(SECRET, &format!("{NOW}{KEY}{BODY}"));
    assert_eq!(
        send(&fake, KEY, NOW, None, &sign, BODY).await.text(),
        success(NOW)
    );

    let req = fake.last_request().unwrap();
    assert_eq!(req.verdict, Verdict::Accepted);
    assert_eq!(req.header("x-bapi-sign-type"), Some("2"));
    assert!(!format!("{fake:?}").contains(SECRET));
}

#[tokio::test]
async fn rejects_bad_signatures_with_10004_and_the_origin_string() {
    let fake = started().await;
    let sign = hmac_sign("wrong", &format!("{NOW}{KEY}5000{BODY}"));
    let v = assert_ret(
        &send(&fake, KEY, NOW, Some("5000"), &sign, BODY).await,
        200,
        10004,
    );
    assert_eq!(
        v["retMsg"],
        format!("error sign! origin_string[{NOW}{KEY}5000{BODY}]")
    );
    // Upper-case hex is not what Bybit documents.
    let sign = hmac_sign(SECRET, &format!("{NOW}{KEY}5000{BODY}")).to_ascii_uppercase();
    assert_ret(
        &send(&fake, KEY, NOW, Some("5000"), &sign, BODY).await,
        200,
        10004,
    );
    assert_eq!(
        fake.last_request().unwrap().verdict,
        Verdict::InvalidSignature
    );
}

#[tokio::test]
async fn rejects_unknown_and_missing_keys_with_10003() {
    let fake = started().await;
    let sign = hmac_sign(SECRET, &format!("{NOW}other5000{BODY}"));
    let v = assert_ret(
        &send(&fake, "other", NOW, Some("5000"), &sign, BODY).await,
        401,
        10003,
    );
    assert_eq!(v["retMsg"], "API key is invalid.");
    assert_eq!(fake.last_request().unwrap().verdict, Verdict::InvalidKey);
    let sent = post(
        &fake.endpoint_url(),
        &[("Content-Type", "application/json")],
        BODY,
    )
    .await;
    assert_ret(&sent, 401, 10003);
    assert_eq!(
        fake.last_request().unwrap().verdict,
        Verdict::MissingHeader("x-bapi-api-key".into())
    );
    let sent = post(
        &fake.endpoint_url(),
        &[
            ("Content-Type", "application/json"),
            ("X-BAPI-API-KEY", KEY),
        ],
        BODY,
    )
    .await;
    assert_ret(&sent, 401, 10002);
}

#[tokio::test]
async fn timestamps_follow_the_recv_window_rule() {
    let fake = started().await;
    // server_time - recv_window <= ts < server_time + 1000
    for (ts, ok) in [
        (NOW - 5000, true),
        (NOW - 5001, false),
        (NOW + 999, true),
        (NOW + 1000, false),
    ] {
        let sent = call_at(&fake, ts).await;
        if ok {
            assert_eq!(sent.text(), success(NOW), "{ts}");
        } else {
            let v = assert_ret(&sent, 200, 10002);
            assert!(
                v["retMsg"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("req_timestamp[{ts}]")),
                "{v}"
            );
            assert!(matches!(
                fake.last_request().unwrap().verdict,
                Verdict::StaleTimestamp(_)
            ));
        }
    }
    // A bigger window admits an older timestamp.
    let ts = NOW - 20_000;
    let sign = hmac_sign(SECRET, &format!("{ts}{KEY}30000{BODY}"));
    assert_eq!(
        send(&fake, KEY, ts, Some("30000"), &sign, BODY)
            .await
            .text(),
        success(NOW)
    );
    // The fake's clock moves: a skew makes a fresh timestamp stale.
    fake.set_clock(Clock::Fixed(NOW + 10_000));
    let sent = call(&fake).await;
    assert_eq!(sent.json()["retCode"], 10002);
    fake.set_clock(Clock::Fixed(NOW));
    // Malformed values.
    let sign = hmac_sign(SECRET, &format!("{NOW}{KEY}abc{BODY}"));
    assert_ret(
        &send(&fake, KEY, NOW, Some("abc"), &sign, BODY).await,
        200,
        10002,
    );
    let sent = post(
        &fake.endpoint_url(),
        &[
            ("Content-Type", "application/json"),
            ("X-BAPI-API-KEY", KEY),
            ("X-BAPI-TIMESTAMP", "2022-12-28"),
            ("X-BAPI-SIGN", "00"),
        ],
        BODY,
    )
    .await;
    assert_ret(&sent, 200, 10002);
    assert!(matches!(
        fake.last_request().unwrap().verdict,
        Verdict::InvalidTimestamp(_)
    ));
}

#[tokio::test]
async fn rejects_bad_bodies_with_10001() {
    let fake = started().await;
    for body in [r#"{}"#, r#"{"id":10197}"#, r#"{"id":""}"#, "id=10197"] {
        let sign = hmac_sign(SECRET, &format!("{NOW}{KEY}5000{body}"));
        assert_ret(
            &send(&fake, KEY, NOW, Some("5000"), &sign, body).await,
            200,
            10001,
        );
    }
    let sent = post(
        &format!("{}/v5/asset/withdraw/create", fake.base_url()),
        &[],
        "",
    )
    .await;
    assert_eq!(sent.status, 404);
    assert_eq!(
        fake.last_request().unwrap().verdict,
        Verdict::UnknownEndpoint
    );
    assert_eq!(fake.endpoint_path(), WITHDRAW_CANCEL_PATH);
}

#[tokio::test]
async fn plays_documented_errors_and_rate_limits() {
    let fake = started().await;
    for error in DocumentedError::ALL {
        fake.respond_with(Reply::error(*error));
        let v = assert_ret(&call(&fake).await, error.http_status(), error.code());
        assert_eq!(v["retMsg"], error.message());
    }
    fake.respond_with(Reply::RateLimited);
    let sent = call(&fake).await;
    assert_ret(&sent, 200, 10006);
    assert_eq!(sent.header("x-bapi-limit"), Some("60"));
    assert_eq!(sent.header("x-bapi-limit-status"), Some("0"));
    assert_eq!(
        sent.header("x-bapi-limit-reset-timestamp"),
        Some((NOW + 1000).to_string().as_str())
    );
    fake.respond_with(Reply::Exchange(
        xgen_fake_exchanges::bybit::Answer::StatusFail,
    ));
    assert_eq!(
        call(&fake).await.text(),
        format!(
            r#"{{"retCode":0,"retMsg":"OK","result":{{"status":0}},"retExtInfo":{{}},"time":{NOW}}}"#
        )
    );
    fake.respond_with(Reply::code(403, 10009, "region"));
    assert_ret(&call(&fake).await, 403, 10009);
}

#[tokio::test]
async fn plays_transport_replies() {
    let fake = started().await;
    check_transport_replies(&fake, async || call(&fake).await, &success(NOW)).await;
    check_drop_stops(fake).await;
}
