//! The fake Kraken Pay endpoint, driven by a bare reqwest client with hand-made signatures.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use sha2::{Digest, Sha256, Sha512};
use xgen_fake_exchanges::kraken_pay::{
    DocumentedError, FakeKrakenPay, PayError, Reply, Verdict, REQUEST_CANCEL_PATH,
};

use crate::common::{check_drop_stops, check_transport_replies, post, Sent};

const SECRET: &str =
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";
const OTHER_SECRET: &str =
    "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg==";
const KEY: &str = "TEST-KRAKEN-PAY-KEY";
const OK: &str = r#"{"error":[],"result":{}}"#;

/// The test's own API-Sign; the prefix is the nonce digits without the JSON quotes.
fn api_sign(secret_b64: &str, nonce_digits: &str, body: &str) -> String {
    let inner = Sha256::digest(format!("{nonce_digits}{body}").as_bytes());
    let mut mac = Hmac::<Sha512>::new_from_slice(&B64.decode(secret_b64).unwrap()).unwrap();
    mac.update(REQUEST_CANCEL_PATH.as_bytes());
    mac.update(&inner);
    B64.encode(mac.finalize().into_bytes())
}

async fn signed(fake: &FakeKrakenPay, secret: &str, nonce_digits: &str, body: String) -> Sent {
    let sign = api_sign(secret, nonce_digits, &body);
    post(
        &fake.endpoint_url(),
        &[
            ("Content-Type", "application/json"),
            ("API-Key", KEY),
            ("API-Sign", &sign),
        ],
        body,
    )
    .await
}

async fn call(fake: &FakeKrakenPay, nonce: u64, external_id: &str) -> Sent {
    let body = format!(r#"{{"nonce":"{nonce}","external_id":"{external_id}"}}"#);
    signed(fake, SECRET, &nonce.to_string(), body).await
}

fn error_object(class: &str, kind: &str, message: &str) -> serde_json::Value {
    json!({"error": [{"severity": "E", "errorClass": class, "type": kind, "errorMessage": message}], "result": {}})
}

#[tokio::test]
async fn accepts_a_string_nonce_signed_without_quotes() {
    let fake = FakeKrakenPay::start(KEY, SECRET).await;
    let sent = call(&fake, 1_700_000_000_456, "aWQtMQ").await;
    assert_eq!((sent.status, sent.text()), (200, OK));
    let req = fake.last_request().unwrap();
    assert_eq!(req.verdict, Verdict::Accepted);
    assert_eq!(req.nonce, Some(1_700_000_000_456));
    assert_eq!(req.json().unwrap()["nonce"], "1700000000456");
}

#[tokio::test]
async fn rejects_bad_signature_key_and_nonce_with_error_objects() {
    let fake = FakeKrakenPay::start(KEY, SECRET).await;
    // Signed with the quotes in the prefix: wrong.
    let body = r#"{"nonce":"1","external_id":"a"}"#.to_owned();
    let sent = signed(&fake, SECRET, "\"1\"", body).await;
    assert_eq!(
        sent.json(),
        error_object("API", "InvalidSignature", "Invalid signature")
    );
    let body = r#"{"nonce":"1","external_id":"a"}"#.to_owned();
    let sent = signed(&fake, OTHER_SECRET, "1", body).await;
    assert_eq!(
        fake.last_request().unwrap().verdict,
        Verdict::InvalidSignature
    );
    assert_eq!(sent.status, 200);

    let sent = post(
        &fake.endpoint_url(),
        &[("Content-Type", "application/json"), ("API-Key", "nope")],
        r#"{"nonce":"1","external_id":"a"}"#,
    )
    .await;
    assert_eq!(
        sent.json(),
        error_object("API", "InvalidKey", "Invalid key")
    );

    // An integer nonce is not the documented string.
    let body = r#"{"nonce":2,"external_id":"a"}"#.to_owned();
    let sent = signed(&fake, SECRET, "2", body).await;
    assert_eq!(
        sent.json(),
        error_object("API", "InvalidNonce", "Invalid nonce")
    );

    assert_eq!(call(&fake, 10, "a").await.text(), OK);
    let sent = call(&fake, 10, "b").await;
    assert_eq!(
        sent.json(),
        error_object("API", "InvalidNonce", "Invalid nonce")
    );
    assert!(matches!(
        fake.last_request().unwrap().verdict,
        Verdict::InvalidNonce(_)
    ));
}

#[tokio::test]
async fn a_reused_external_id_is_id_already_used() {
    let fake = FakeKrakenPay::start(KEY, SECRET).await;
    // Even when the first reply was lost (a 502), the id counts as used.
    fake.respond_once(Reply::Html502);
    assert_eq!(call(&fake, 1, "dXNlZA").await.status, 502);
    let sent = call(&fake, 2, "dXNlZA").await;
    assert_eq!(
        sent.json(),
        error_object("General", "IdAlreadyUsed", "id already used")
    );
    assert_eq!(
        fake.last_request().unwrap().verdict,
        Verdict::IdAlreadyUsed("dXNlZA".into())
    );
    fake.mark_id_used("cHJl");
    assert_eq!(
        call(&fake, 3, "cHJl").await.json()["error"][0]["errorMessage"],
        "id already used"
    );
    assert_eq!(call(&fake, 4, "bmV3").await.text(), OK);
}

#[tokio::test]
async fn rejects_bad_arguments_and_other_endpoints() {
    let fake = FakeKrakenPay::start(KEY, SECRET).await;
    let invalid = error_object("General", "InvalidArguments", "Invalid arguments");
    for (nonce, body) in [
        (1, r#"{"nonce":"1"}"#),
        (2, r#"{"nonce":"2","external_id":""}"#),
        (3, r#"{"nonce":"3","external_id":5}"#),
        (4, r#"{"nonce":"4","external_id":"a","amount":"1"}"#),
    ] {
        let sent = signed(&fake, SECRET, &nonce.to_string(), body.into()).await;
        assert_eq!(sent.json(), invalid, "{body}");
    }
    let sent = post(
        &fake.endpoint_url(),
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("API-Key", KEY),
        ],
        "nonce=5&external_id=a",
    )
    .await;
    assert_eq!(sent.json(), invalid);
    let sent = post(
        &format!("{}/0/private/Pay/request/create", fake.base_url()),
        &[],
        "",
    )
    .await;
    assert_eq!(sent.status, 404);
    assert_eq!(
        sent.json(),
        error_object("General", "UnknownMethod", "Unknown method")
    );
}

#[tokio::test]
async fn plays_documented_errors_and_rate_limits() {
    let fake = FakeKrakenPay::start(KEY, SECRET).await;
    let mut nonce = 0;
    for error in DocumentedError::ALL {
        fake.respond_with(Reply::error(*error));
        nonce += 1;
        let sent = call(&fake, nonce, &format!("id{nonce}")).await;
        let (class, kind, message) = error.parts();
        assert_eq!(sent.json(), error_object(class, kind, message), "{error:?}");
    }
    fake.respond_with(Reply::RateLimited);
    let sent = call(&fake, 100, "rl").await;
    assert_eq!(
        sent.json(),
        error_object("API", "RateLimitExceeded", "Rate limit exceeded")
    );
    fake.respond_with(Reply::error(PayError::new(
        "Funding",
        "Custom",
        "with \"quotes\"",
    )));
    let sent = call(&fake, 101, "c").await;
    assert_eq!(
        sent.json(),
        error_object("Funding", "Custom", "with \"quotes\"")
    );
    fake.respond_with(Reply::result(r#"{"status":"cancelled"}"#));
    assert_eq!(
        call(&fake, 102, "d").await.text(),
        r#"{"error":[],"result":{"status":"cancelled"}}"#
    );
}

#[tokio::test]
async fn plays_transport_replies() {
    let fake = FakeKrakenPay::start(KEY, SECRET).await;
    let mut nonce = 0;
    check_transport_replies(
        &fake,
        async || {
            nonce += 1;
            call(&fake, nonce, &format!("t{nonce}")).await
        },
        OK,
    )
    .await;
    let debug = format!("{fake:?}");
    assert!(!debug.contains("kQH5HW"), "{debug}");
    check_drop_stops(fake).await;
}
