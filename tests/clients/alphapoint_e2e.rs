//! End-to-end tests of the generated AlphaPoint APEX client (`xgen_clients::alphapoint`) against
//! the fake APEX gateway of `xgen-fake-exchanges`, which runs on 127.0.0.1 and checks keys,
//! signatures, user ids and nonce reuse with its own code.

use std::sync::Arc;

use crate::support;
use xgen_clients::alphapoint::{CancelWithdrawalReceipt, CancelWithdrawalRequest, Client};
use xgen_fake_exchanges::alphapoint::{
    self as fake_ap, Answer, DocumentedError, FakeAlphaPoint, Reply, Verdict, CANCEL_WITHDRAW_PATH,
};
use xgen_runtime::alphapoint::{
    AlphaPointCredentials, AlphaPointError, AlphaPointErrorKind, AlphaPointSigner,
};
use xgen_runtime::{Error, FixedNonce, NonceSource};

const API_KEY: &str = "ap-e2e-key-28c68ac3fcfafc3d";
const SECRET: &str = "ap-e2e-secret-a1b2c3d4e5f60718";
const USER_ID: u64 = 96;
const REQUEST_CODE: &str = "866f9ee4-1d1b-4a6d-8b8e-6c0d4c6c2f3a";

fn cancel_request() -> CancelWithdrawalRequest {
    CancelWithdrawalRequest {
        account_id: 7,
        oms_id: 1,
        request_code: REQUEST_CODE.into(),
        user_id: USER_ID as i64,
    }
}

fn signer(key: &str, secret: &str, user_id: &str) -> AlphaPointSigner {
    AlphaPointSigner::new(
        AlphaPointCredentials::new(key, secret, user_id).expect("valid credentials"),
    )
}

fn client_with(fake: &FakeAlphaPoint, signer: AlphaPointSigner) -> Client {
    Client::with_base_url(signer, &fake.base_url()).expect("client builds")
}

fn client(fake: &FakeAlphaPoint) -> Client {
    client_with(fake, signer(API_KEY, SECRET, "96"))
}

fn client_with_nonce(fake: &FakeAlphaPoint, nonce: Arc<dyn NonceSource>) -> Client {
    client_with(fake, signer(API_KEY, SECRET, "96").with_nonce_source(nonce))
}

async fn start() -> FakeAlphaPoint {
    FakeAlphaPoint::start(API_KEY, SECRET, USER_ID).await
}

/// The APEX error of an `Error::AlphaPoint`, or a panic naming what came instead.
fn ap_error(result: Result<CancelWithdrawalReceipt, Error>) -> AlphaPointError {
    match result {
        Err(Error::AlphaPoint(e)) => e,
        other => panic!("expected Error::AlphaPoint, got {other:?}"),
    }
}

#[tokio::test]
async fn cancel_withdrawal_succeeds_with_a_valid_signature() {
    let fake = start().await;
    let client = client_with_nonce(&fake, Arc::new(FixedNonce::new(1_700_000_000_001)));

    let receipt = client
        .cancel_withdrawal(&cancel_request())
        .await
        .expect("cancel succeeds");
    assert_eq!(
        receipt,
        CancelWithdrawalReceipt {
            detail: None,
            errorcode: 0,
            errormsg: None,
            result: true,
        }
    );

    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    let req = &reqs[0];
    assert_eq!(req.verdict, Verdict::Accepted);
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, CANCEL_WITHDRAW_PATH);
    assert_eq!(req.query, None);
    assert_eq!(
        req.body_text(),
        r#"{"AccountId":7,"OMSId":1,"RequestCode":"866f9ee4-1d1b-4a6d-8b8e-6c0d4c6c2f3a","UserId":96}"#
    );
    let content_type = req.header("content-type").expect("Content-Type sent");
    assert_eq!(
        content_type.split(';').next().unwrap().trim(),
        "application/json"
    );
    assert_eq!(req.header("apikey"), Some(API_KEY));
    assert_eq!(req.header("userid"), Some("96"));
    assert_eq!(req.header("nonce"), Some("1700000000001"));
    assert_eq!(req.nonce, Some(1_700_000_000_001));
    // Signature = lower-case hex HMAC-SHA256(secret, nonce + user id + api key).
    let expected = fake_ap::sign(SECRET, "1700000000001", "96", API_KEY);
    assert_eq!(req.header("signature"), Some(expected.as_str()));
}

#[tokio::test]
async fn the_default_nonce_source_gives_fresh_nonces() {
    let fake = start().await;
    let client = client(&fake);
    for _ in 0..5 {
        client
            .cancel_withdrawal(&cancel_request())
            .await
            .expect("sequential call succeeds");
    }
    let nonces = fake.accepted_nonces();
    assert_eq!(nonces.len(), 5);
    assert!(nonces.windows(2).all(|w| w[0] < w[1]), "{nonces:?}");
}

#[tokio::test]
async fn every_documented_error_is_typed_and_keeps_code_message_and_detail() {
    let fake = start().await;
    let client = client(&fake);
    assert!(!DocumentedError::ALL.is_empty());

    for &documented in DocumentedError::ALL {
        for detail in [None, Some("Withdraw Ticket not found")] {
            fake.respond_with(Reply::error(documented, detail));
            let err = match client.cancel_withdrawal(&cancel_request()).await {
                Err(Error::AlphaPoint(e)) => e,
                other => panic!("{documented:?}: expected Error::AlphaPoint, got {other:?}"),
            };
            let code = documented.code();
            assert_eq!(err.code, code, "{documented:?}");
            assert_eq!(
                err.message.as_deref(),
                Some(documented.message()),
                "{documented:?}"
            );
            assert_eq!(err.detail.as_deref(), detail, "{documented:?}");
            assert_eq!(err.status, 200, "{documented:?}");
            assert_eq!(
                err.kind,
                AlphaPointErrorKind::from_code(code),
                "{documented:?}"
            );
            assert_ne!(
                err.kind,
                AlphaPointErrorKind::Other,
                "{documented:?}: documented errorcode {code} has no kind"
            );
            assert!(
                err.body_excerpt.contains(documented.message()),
                "{documented:?}: {err:?}"
            );
            assert_eq!(
                fake.last_request().unwrap().verdict,
                Verdict::Accepted,
                "{documented:?}: the request itself was fine"
            );
        }
    }
}

#[tokio::test]
async fn the_documented_sample_with_result_true_and_errorcode_101_is_an_error() {
    // The CancelWithdraw docs' own reply: `"result": true` next to `"errorcode": 101`.
    let fake = start().await;
    fake.respond_with(Reply::ticket_not_found());
    let err = ap_error(client(&fake).cancel_withdrawal(&cancel_request()).await);
    assert_eq!(err.code, 101);
    assert_eq!(err.kind, AlphaPointErrorKind::OperationFailed);
    assert_eq!(err.message.as_deref(), Some("Operation Failed"));
    assert_eq!(
        err.detail.as_deref(),
        Some("Withdraw Ticket not found for OmsId, AccountId, RequestCode")
    );
    assert_eq!(err.status, 200);
    assert!(err.body_excerpt.contains(r#""result":true"#), "{err:?}");
}

#[tokio::test]
async fn errorcode_zero_decides_success_even_with_result_false() {
    let fake = start().await;
    fake.respond_with(Reply::Exchange(Answer::Ack {
        result: false,
        errormsg: None,
        errorcode: 0,
        detail: Some("received".into()),
    }));
    let receipt = client(&fake)
        .cancel_withdrawal(&cancel_request())
        .await
        .expect("errorcode 0 is a receipt, whatever `result` says");
    assert_eq!(receipt.errorcode, 0);
    assert!(!receipt.result, "`result` is kept as sent");
    assert_eq!(receipt.detail.as_deref(), Some("received"));
}

#[tokio::test]
async fn an_undocumented_code_is_other_but_kept() {
    let fake = start().await;
    fake.respond_with(Reply::Exchange(Answer::Ack {
        result: false,
        errormsg: Some("Not_Enough_Funds".into()),
        errorcode: 105,
        detail: None,
    }));
    let err = ap_error(client(&fake).cancel_withdrawal(&cancel_request()).await);
    assert_eq!(err.kind, AlphaPointErrorKind::Other);
    assert_eq!(err.code, 105);
    assert_eq!(err.message.as_deref(), Some("Not_Enough_Funds"));
}

#[tokio::test]
async fn wrong_secret_is_a_typed_not_authorized() {
    let fake = start().await;
    let client = client_with(&fake, signer(API_KEY, "not-the-secret-0123", "96"));
    let err = ap_error(client.cancel_withdrawal(&cancel_request()).await);
    assert_eq!(err.kind, AlphaPointErrorKind::NotAuthorized);
    assert_eq!(err.code, 20);
    assert_eq!(err.message.as_deref(), Some("Not Authorized"));
    assert_eq!(
        fake.last_request().unwrap().verdict,
        Verdict::InvalidSignature
    );
}

#[tokio::test]
async fn wrong_key_is_a_typed_not_authorized() {
    let fake = start().await;
    let client = client_with(&fake, signer("someone-elses-key", SECRET, "96"));
    let err = ap_error(client.cancel_withdrawal(&cancel_request()).await);
    assert_eq!(err.kind, AlphaPointErrorKind::NotAuthorized);
    assert_eq!(err.code, 20);
    assert_eq!(fake.last_request().unwrap().verdict, Verdict::InvalidKey);
}

#[tokio::test]
async fn another_users_id_is_a_typed_not_authorized() {
    let fake = start().await;
    // Signed correctly, but for user 97 while the key is user 96's.
    let client = client_with(&fake, signer(API_KEY, SECRET, "97"));
    let err = ap_error(client.cancel_withdrawal(&cancel_request()).await);
    assert_eq!(err.kind, AlphaPointErrorKind::NotAuthorized);
    assert!(
        matches!(
            fake.last_request().unwrap().verdict,
            Verdict::PermissionDenied(_)
        ),
        "{:?}",
        fake.last_request().unwrap().verdict
    );
}

#[tokio::test]
async fn a_reused_nonce_is_refused_with_the_fakes_error() {
    let fake = start().await;
    let first = client_with_nonce(&fake, Arc::new(FixedNonce::new(5)));
    first
        .cancel_withdrawal(&cancel_request())
        .await
        .expect("first use of nonce 5");

    let second = client_with_nonce(&fake, Arc::new(FixedNonce::new(5)));
    let err = ap_error(second.cancel_withdrawal(&cancel_request()).await);
    assert_eq!(err.kind, AlphaPointErrorKind::NotAuthorized);
    assert_eq!(err.code, 20);
    assert_eq!(err.detail.as_deref(), Some("nonce reused"));

    let reqs = fake.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].nonce, Some(5));
    assert_eq!(reqs[1].nonce, Some(5));
    assert!(
        matches!(reqs[1].verdict, Verdict::InvalidNonce(_)),
        "{:?}",
        reqs[1].verdict
    );
}

#[tokio::test]
async fn rate_limit_is_a_typed_error_that_keeps_status_429() {
    // APEX documents no rate-limit reply; the fake sends a plain-text HTTP 429.
    let fake = start().await;
    fake.respond_with(Reply::RateLimited);
    let err = client(&fake)
        .cancel_withdrawal(&cancel_request())
        .await
        .expect_err("a 429 is an error");
    assert_eq!(err.status(), Some(429));
    match err {
        Error::NotJson {
            status,
            body_excerpt,
            ..
        } => {
            assert_eq!(status, 429);
            assert_eq!(body_excerpt, "Too Many Requests");
        }
        other => panic!("expected Error::NotJson for a text/plain 429, got {other:?}"),
    }
}

#[tokio::test]
async fn html_502_is_a_typed_not_json_error() {
    let fake = start().await;
    fake.respond_with(Reply::Html502);
    support::assert_html_502(client(&fake).cancel_withdrawal(&cancel_request()).await);
}

#[tokio::test]
async fn empty_body_is_a_typed_error() {
    let fake = start().await;
    fake.respond_with(Reply::EmptyBody);
    support::assert_empty_body(client(&fake).cancel_withdrawal(&cancel_request()).await);
}

#[tokio::test]
async fn truncated_body_is_a_typed_transport_error_and_the_client_recovers() {
    let fake = start().await;
    fake.respond_with(Reply::truncated());
    let client = client(&fake);
    support::assert_cut_short(client.cancel_withdrawal(&cancel_request()).await);
    fake.respond_with(Reply::Success);
    let receipt = client
        .cancel_withdrawal(&cancel_request())
        .await
        .expect("next call succeeds");
    assert_eq!(receipt.errorcode, 0);
}

#[tokio::test]
async fn no_secret_in_debug_or_error_text() {
    let fake = start().await;
    let creds = AlphaPointCredentials::new(API_KEY, SECRET, "96").expect("valid credentials");
    let signer = AlphaPointSigner::new(creds.clone());
    let client = client_with(&fake, signer.clone());

    fake.respond_with(Reply::ticket_not_found());
    let api_error = client
        .cancel_withdrawal(&cancel_request())
        .await
        .expect_err("scripted error");
    fake.respond_with(Reply::Html502);
    let html_error = client
        .cancel_withdrawal(&cancel_request())
        .await
        .expect_err("scripted 502");
    fake.respond_with(Reply::truncated());
    let transport_error = client
        .cancel_withdrawal(&cancel_request())
        .await
        .expect_err("scripted truncation");
    fake.respond_with(Reply::Success);
    let auth_error = client_with(&fake, self::signer(API_KEY, "WRONGSECRETWRONGSECRET", "96"))
        .cancel_withdrawal(&cancel_request())
        .await
        .expect_err("wrong secret");

    let mut texts = vec![
        ("credentials", format!("{creds:?}")),
        ("signer", format!("{signer:?}")),
        ("client", format!("{client:?}")),
    ];
    for (what, err) in [
        ("api error", &api_error),
        ("502 error", &html_error),
        ("transport error", &transport_error),
        ("wrong-secret error", &auth_error),
    ] {
        texts.push((what, format!("{err:?}")));
        texts.push((what, err.to_string()));
    }
    for (what, text) in &texts {
        for needle in [SECRET, &SECRET[..12], "a1b2c3d4e5f6", "WRONGSECRET"] {
            assert!(
                !text.contains(needle),
                "{what} leaks the secret ({needle:?}): {text}"
            );
        }
    }
}
