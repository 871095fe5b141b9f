//! The fake AlphaPoint APEX endpoint, driven by a bare reqwest client with hand-made signatures.

use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;
use xgen_fake_exchanges::alphapoint::{
    DocumentedError, FakeAlphaPoint, Reply, Verdict, CANCEL_WITHDRAW_PATH,
};

use crate::common::{check_drop_stops, check_transport_replies, post, Sent};

const KEY: &str = "28c68ac3fcfafc3d4e8d653fe57e5baf";
const SECRET: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
const USER: u64 = 96;
const OK: &str = r#"{"result":true,"errormsg":null,"errorcode":0,"detail":null}"#;

fn body(user: u64) -> String {
    format!(
        r#"{{"OMSId":1,"UserId":{user},"AccountId":7,"RequestCode":"866f6a6c-2d4e-4a3b-9c1d-0e7f5a3b2c1d"}}"#
    )
}

/// The test's own signature: lower-case hex HMAC-SHA256(secret, nonce + user + key).
fn ap_sign(secret: &str, nonce: &str, user: &str, key: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{nonce}{user}{key}").as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn send(
    fake: &FakeAlphaPoint,
    nonce: &str,
    user: &str,
    key: &str,
    sign: &str,
    body: String,
) -> Sent {
    post(
        &fake.endpoint_url(),
        &[
            ("Content-Type", "application/json"),
            ("Nonce", nonce),
            ("APIKey", key),
            ("Signature", sign),
            ("UserId", user),
        ],
        body,
    )
    .await
}

async fn call(fake: &FakeAlphaPoint, nonce: u64) -> Sent {
    let nonce = nonce.to_string();
    let sign = ap_sign(SECRET, &nonce, "96", KEY);
    send(fake, &nonce, "96", KEY, &sign, body(USER)).await
}

fn ack(sent: &Sent) -> serde_json::Value {
    assert_eq!(sent.status, 200, "{:?}", sent.body);
    sent.json()
}

fn not_authorized(detail: Option<&str>) -> serde_json::Value {
    json!({"result": false, "errormsg": "Not Authorized", "errorcode": 20, "detail": detail})
}

#[tokio::test]
async fn accepts_a_valid_request() {
    let fake = FakeAlphaPoint::start(KEY, SECRET, USER).await;
    let sent = call(&fake, 1_700_000_000_000).await;
    assert_eq!((sent.status, sent.text()), (200, OK));
    let req = fake.last_request().unwrap();
    assert_eq!(req.verdict, Verdict::Accepted);
    assert_eq!(req.nonce, Some(1_700_000_000_000));
    assert_eq!(req.header("apikey"), Some(KEY));
    // Any nonce string works once.
    let sign = ap_sign(SECRET, "abc-1", "96", KEY);
    assert_eq!(
        send(&fake, "abc-1", "96", KEY, &sign, body(USER))
            .await
            .text(),
        OK
    );
    assert_eq!(fake.last_request().unwrap().nonce, None);
    assert!(!format!("{fake:?}").contains(SECRET));
}

#[tokio::test]
async fn rejects_bad_signature_key_and_user() {
    let fake = FakeAlphaPoint::start(KEY, SECRET, USER).await;
    let sign = ap_sign("wrong", "1", "96", KEY);
    assert_eq!(
        ack(&send(&fake, "1", "96", KEY, &sign, body(USER)).await),
        not_authorized(None)
    );
    assert_eq!(
        fake.last_request().unwrap().verdict,
        Verdict::InvalidSignature
    );
    // Upper-case hex (the legacy docs' form) is not accepted.
    let sign = ap_sign(SECRET, "2", "96", KEY).to_ascii_uppercase();
    assert_eq!(
        ack(&send(&fake, "2", "96", KEY, &sign, body(USER)).await),
        not_authorized(None)
    );

    let sign = ap_sign(SECRET, "3", "96", "other");
    assert_eq!(
        ack(&send(&fake, "3", "96", "other", &sign, body(USER)).await),
        not_authorized(None)
    );
    assert_eq!(fake.last_request().unwrap().verdict, Verdict::InvalidKey);

    // Signed correctly, but for another user than the key's.
    let sign = ap_sign(SECRET, "4", "97", KEY);
    let v = ack(&send(&fake, "4", "97", KEY, &sign, body(97)).await);
    assert_eq!(v["errorcode"], 20);
    assert!(matches!(
        fake.last_request().unwrap().verdict,
        Verdict::PermissionDenied(_)
    ));
    // The body's UserId must be the authenticated user.
    let sign = ap_sign(SECRET, "5", "96", KEY);
    let v = ack(&send(&fake, "5", "96", KEY, &sign, body(97)).await);
    assert_eq!(v["errorcode"], 20);

    let sent = post(&fake.endpoint_url(), &[("APIKey", KEY)], body(USER)).await;
    assert_eq!(ack(&sent), not_authorized(Some("missing header nonce")));
    assert_eq!(
        fake.last_request().unwrap().verdict,
        Verdict::MissingHeader("nonce".into())
    );
}

#[tokio::test]
async fn a_reused_nonce_is_not_authorized() {
    let fake = FakeAlphaPoint::start(KEY, SECRET, USER).await;
    assert_eq!(call(&fake, 10).await.text(), OK);
    assert_eq!(
        ack(&call(&fake, 10).await),
        not_authorized(Some("nonce reused"))
    );
    assert!(matches!(
        fake.last_request().unwrap().verdict,
        Verdict::InvalidNonce(_)
    ));
    // Lower nonces are fine: APEX documents no ordering, only the fake's no-reuse rule.
    assert_eq!(call(&fake, 9).await.text(), OK);
    // Nonces are per key.
    fake.add_key("second", "second-secret", 5);
    let sign = ap_sign("second-secret", "10", "5", "second");
    assert_eq!(
        send(&fake, "10", "5", "second", &sign, body(5))
            .await
            .text(),
        OK
    );
}

#[tokio::test]
async fn rejects_bad_bodies_with_invalid_request() {
    let fake = FakeAlphaPoint::start(KEY, SECRET, USER).await;
    for (nonce, b) in [
        ("1", r#"{"OMSId":1,"UserId":96,"AccountId":7}"#),
        (
            "2",
            r#"{"OMSId":"1","UserId":96,"AccountId":7,"RequestCode":"g"}"#,
        ),
        (
            "3",
            r#"{"OMSId":1,"UserId":96,"AccountId":7,"RequestCode":""}"#,
        ),
        ("4", "not json"),
    ] {
        let sign = ap_sign(SECRET, nonce, "96", KEY);
        let v = ack(&send(&fake, nonce, "96", KEY, &sign, b.into()).await);
        assert_eq!(v["errorcode"], 100, "{b}");
        assert_eq!(v["errormsg"], "Invalid Request");
        assert_eq!(v["result"], false);
    }
    let sent = post(
        // GetWithdrawTicket is served now (tests/alphapoint_book.rs); other calls are not.
        &format!("{}/AP/GetDepositTickets", fake.base_url()),
        &[],
        "",
    )
    .await;
    assert_eq!(sent.status, 404);
    assert_eq!(fake.endpoint_path(), CANCEL_WITHDRAW_PATH);
}

#[tokio::test]
async fn plays_documented_errors_the_docs_sample_and_rate_limits() {
    let fake = FakeAlphaPoint::start(KEY, SECRET, USER).await;
    let mut nonce = 0;
    for error in DocumentedError::ALL {
        fake.respond_with(Reply::error(*error, Some("why")));
        nonce += 1;
        let v = ack(&call(&fake, nonce).await);
        assert_eq!(
            v,
            json!({"result": false, "errormsg": error.message(), "errorcode": error.code(), "detail": "why"})
        );
    }
    fake.respond_with(Reply::ticket_not_found());
    nonce += 1;
    assert_eq!(
        call(&fake, nonce).await.text(),
        r#"{"result":true,"errormsg":"Operation Failed","errorcode":101,"detail":"Withdraw Ticket not found for OmsId, AccountId, RequestCode"}"#
    );
    fake.respond_with(Reply::RateLimited);
    nonce += 1;
    let sent = call(&fake, nonce).await;
    assert_eq!(sent.status, 429);
    assert!(sent.content_type.unwrap().starts_with("text/plain"));
}

#[tokio::test]
async fn plays_transport_replies() {
    let fake = FakeAlphaPoint::start(KEY, SECRET, USER).await;
    let mut nonce = 0;
    check_transport_replies(
        &fake,
        async || {
            nonce += 1;
            call(&fake, nonce).await
        },
        OK,
    )
    .await;
    check_drop_stops(fake).await;
}
