//! The fake Kraken spot endpoint, driven by a bare reqwest client with hand-made signatures.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256, Sha512};
use xgen_fake_exchanges::kraken::{
    DocumentedError, FakeKraken, Reply, Verdict, WITHDRAW_CANCEL_PATH,
};

use crate::common::{check_drop_stops, check_transport_replies, post, Sent};

/// Kraken's published documentation secret (spot-rest-auth guide): public test data.
const SECRET: &str =
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";
/// 64 bytes of 0x02.
const OTHER_SECRET: &str =
    "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg==";
const KEY: &str = "TEST-KRAKEN-PUBLIC-KEY";
const OK: &str = r#"{"error":[],"result":true}"#;

/// The test's own API-Sign (not the crate's): HMAC-SHA512(b64decode(secret), path || SHA256(nonce || body)).
fn api_sign(secret_b64: &str, path_and_query: &str, nonce: u64, body: &str) -> String {
    api_sign_prefixed(secret_b64, path_and_query, &nonce.to_string(), body)
}

/// [`api_sign`] with any text in the nonce's place in the SHA-256 prefix (e.g. the nonce quoted).
fn api_sign_prefixed(secret_b64: &str, path_and_query: &str, prefix: &str, body: &str) -> String {
    let inner = Sha256::digest(format!("{prefix}{body}").as_bytes());
    let mut mac = Hmac::<Sha512>::new_from_slice(&B64.decode(secret_b64).unwrap()).unwrap();
    mac.update(path_and_query.as_bytes());
    mac.update(&inner);
    B64.encode(mac.finalize().into_bytes())
}

fn json_body(nonce: u64) -> String {
    format!(r#"{{"nonce":{nonce},"asset":"XBT","refid":"FTQcuak-V6Za8qrWnhzTx67yYHz8Tg"}}"#)
}

async fn signed(
    fake: &FakeKraken,
    key: &str,
    secret: &str,
    nonce: u64,
    content_type: &str,
    body: String,
) -> Sent {
    let sign = api_sign(secret, WITHDRAW_CANCEL_PATH, nonce, &body);
    post(
        &fake.endpoint_url(),
        &[
            ("Content-Type", content_type),
            ("API-Key", key),
            ("API-Sign", &sign),
        ],
        body,
    )
    .await
}

async fn call(fake: &FakeKraken, nonce: u64) -> Sent {
    signed(
        fake,
        KEY,
        SECRET,
        nonce,
        "application/json",
        json_body(nonce),
    )
    .await
}

#[tokio::test]
async fn accepts_valid_json_and_form_requests() {
    let fake = FakeKraken::start(KEY, SECRET).await;
    let sent = call(&fake, 1).await;
    assert_eq!((sent.status, sent.text()), (200, OK));
    let content_type = sent.content_type.as_deref().expect("a Content-Type");
    assert_eq!(
        content_type.split(';').next().unwrap().trim(),
        "application/json",
        "{content_type}"
    );

    let form = "nonce=2&asset=XBT&refid=FTQcuak-V6Za8qrWnhzTx67yYHz8Tg".to_owned();
    let sent = signed(
        &fake,
        KEY,
        SECRET,
        2,
        "application/x-www-form-urlencoded",
        form,
    )
    .await;
    assert_eq!(sent.text(), OK);

    let reqs = fake.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs.iter().all(|r| r.verdict == Verdict::Accepted));
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].path, WITHDRAW_CANCEL_PATH);
    assert_eq!(reqs[0].query, None);
    assert_eq!(reqs[0].header("API-KEY"), Some(KEY));
    assert_eq!(reqs[0].json().unwrap()["asset"], "XBT");
    assert_eq!(reqs[0].reply, Some(Reply::Success));
    assert_eq!(fake.accepted_nonces(), vec![1, 2]);
}

#[tokio::test]
async fn rejects_bad_signatures_with_eapi_invalid_signature() {
    let fake = FakeKraken::start(KEY, SECRET).await;
    let invalid = r#"{"error":["EAPI:Invalid signature"]}"#;
    // Wrong secret.
    let sent = signed(
        &fake,
        KEY,
        OTHER_SECRET,
        1,
        "application/json",
        json_body(1),
    )
    .await;
    assert_eq!((sent.status, sent.text()), (200, invalid));
    // Signed over other bytes than sent (the signature covers the exact body).
    let sign = api_sign(SECRET, WITHDRAW_CANCEL_PATH, 2, &json_body(2));
    let spaced = json_body(2).replace(',', ", ");
    let sent = post(
        &fake.endpoint_url(),
        &[
            ("Content-Type", "application/json"),
            ("API-Key", KEY),
            ("API-Sign", &sign),
        ],
        spaced,
    )
    .await;
    assert_eq!(sent.text(), invalid);
    // The query string is part of the signed path.
    let sign = api_sign(SECRET, WITHDRAW_CANCEL_PATH, 3, &json_body(3));
    let sent = post(
        &format!("{}?x=1", fake.endpoint_url()),
        &[
            ("Content-Type", "application/json"),
            ("API-Key", KEY),
            ("API-Sign", &sign),
        ],
        json_body(3),
    )
    .await;
    assert_eq!(sent.text(), invalid);
    assert_eq!(fake.last_request().unwrap().query.as_deref(), Some("x=1"));
    // Signed with the nonce quoted in the SHA-256 prefix (`"4"`, not `4`).
    let sign = api_sign_prefixed(SECRET, WITHDRAW_CANCEL_PATH, "\"4\"", &json_body(4));
    let sent = post(
        &fake.endpoint_url(),
        &[
            ("Content-Type", "application/json"),
            ("API-Key", KEY),
            ("API-Sign", &sign),
        ],
        json_body(4),
    )
    .await;
    assert_eq!(sent.text(), invalid);
    // Missing and garbage signatures.
    for sign in [None, Some("%%%not base64")] {
        let mut headers = vec![("Content-Type", "application/json"), ("API-Key", KEY)];
        if let Some(sign) = sign {
            headers.push(("API-Sign", sign));
        }
        let sent = post(&fake.endpoint_url(), &headers, json_body(4)).await;
        assert_eq!(sent.text(), invalid);
    }
    assert!(fake
        .requests()
        .iter()
        .all(|r| r.verdict == Verdict::InvalidSignature));
    // Rejected nonces were not consumed.
    assert_eq!(call(&fake, 1).await.text(), OK);
}

#[tokio::test]
async fn rejects_unknown_keys() {
    let fake = FakeKraken::start(KEY, SECRET).await;
    let sent = signed(
        &fake,
        "other-key",
        SECRET,
        1,
        "application/json",
        json_body(1),
    )
    .await;
    assert_eq!(sent.text(), r#"{"error":["EAPI:Invalid key"]}"#);
    let sent = post(
        &fake.endpoint_url(),
        &[("Content-Type", "application/json")],
        json_body(2),
    )
    .await;
    assert_eq!(sent.text(), r#"{"error":["EAPI:Invalid key"]}"#);
    assert_eq!(fake.last_request().unwrap().verdict, Verdict::InvalidKey);
    // A second key, with its own nonce history.
    fake.add_key("other-key", OTHER_SECRET);
    assert_eq!(
        signed(
            &fake,
            "other-key",
            OTHER_SECRET,
            1,
            "application/json",
            json_body(1)
        )
        .await
        .text(),
        OK
    );
    assert!(fake.try_add_key("third", "not*base64").is_err());
}

#[tokio::test]
async fn rejects_reused_and_lower_nonces() {
    let fake = FakeKraken::start(KEY, SECRET).await;
    let invalid = r#"{"error":["EAPI:Invalid nonce"]}"#;
    assert_eq!(call(&fake, 100).await.text(), OK);
    assert_eq!(call(&fake, 100).await.text(), invalid);
    assert_eq!(call(&fake, 99).await.text(), invalid);
    assert_eq!(call(&fake, 101).await.text(), OK);
    assert!(matches!(
        fake.last_request().unwrap().verdict,
        Verdict::Accepted
    ));
    // With a window, a slightly lower nonce passes once.
    fake.set_nonce_window(10);
    assert_eq!(call(&fake, 95).await.text(), OK);
    assert_eq!(call(&fake, 95).await.text(), invalid);
    // Re-using the highest nonce seen is refused whatever the window.
    assert_eq!(call(&fake, 101).await.text(), invalid);
    assert_eq!(call(&fake, 90).await.text(), invalid);
    assert_eq!(fake.accepted_nonces(), vec![100, 101, 95]);
    // A nonce the body does not carry as an unsigned integer, or not at all.
    for body in [
        r#"{"nonce":"5","asset":"XBT","refid":"R"}"#,
        r#"{"asset":"XBT","refid":"R"}"#,
        r#"{"nonce":-7,"asset":"XBT","refid":"R"}"#,
    ] {
        let sent = signed(&fake, KEY, SECRET, 5, "application/json", body.into()).await;
        assert_eq!(sent.text(), invalid, "{body}");
        assert!(
            matches!(
                fake.last_request().unwrap().verdict,
                Verdict::InvalidNonce(_)
            ),
            "{body}"
        );
    }
}

#[tokio::test]
async fn keeps_nonce_histories_per_key() {
    let fake = FakeKraken::start(KEY, SECRET).await;
    fake.add_key("other-key", OTHER_SECRET);
    assert_eq!(call(&fake, 100).await.text(), OK);
    // Another key's history is its own: 1 is fresh for it after KEY's 100.
    let sent = signed(
        &fake,
        "other-key",
        OTHER_SECRET,
        1,
        "application/json",
        json_body(1),
    )
    .await;
    assert_eq!(sent.text(), OK);
    // And KEY's history still holds its 100.
    assert_eq!(
        call(&fake, 100).await.text(),
        r#"{"error":["EAPI:Invalid nonce"]}"#
    );
    assert_eq!(fake.accepted_nonces(), vec![100, 1]);
}

#[tokio::test]
async fn rejects_bad_arguments_and_other_endpoints() {
    let fake = FakeKraken::start(KEY, SECRET).await;
    let invalid = r#"{"error":["EGeneral:Invalid arguments"]}"#;
    for (nonce, body) in [
        (1, r#"{"nonce":1,"asset":"XBT"}"#),
        (2, r#"{"nonce":2,"refid":"R"}"#),
        (3, r#"{"nonce":3,"asset":7,"refid":"R"}"#),
        (4, r#"{"nonce":4,"asset":"XBT","refid":"R","amount":"1"}"#),
        (5, r#"{"nonce":5,"asset":"XBT","refid":null}"#),
    ] {
        let sent = signed(&fake, KEY, SECRET, nonce, "application/json", body.into()).await;
        assert_eq!(sent.text(), invalid, "{body}");
        assert!(
            matches!(
                fake.last_request().unwrap().verdict,
                Verdict::InvalidArguments(_)
            ),
            "{body}"
        );
    }
    let sent = signed(&fake, KEY, SECRET, 6, "text/plain", json_body(6)).await;
    assert_eq!(sent.text(), invalid);
    let sent = signed(&fake, KEY, SECRET, 7, "application/json", "nonce=7".into()).await;
    assert_eq!(sent.text(), invalid);
    // A body that does not parse is refused before the signature is checked.
    let sent = post(
        &fake.endpoint_url(),
        &[
            ("Content-Type", "application/json"),
            ("API-Key", KEY),
            ("API-Sign", "%%%not base64"),
        ],
        r#"{"nonce":8,"asset":"#,
    )
    .await;
    assert_eq!(sent.text(), invalid);
    assert!(matches!(
        fake.last_request().unwrap().verdict,
        Verdict::InvalidArguments(_)
    ));

    let sent = post(
        &format!("{}/0/private/Balance", fake.base_url()),
        &[("API-Key", KEY)],
        "",
    )
    .await;
    assert_eq!(
        (sent.status, sent.text()),
        (404, r#"{"error":["EGeneral:Unknown method"]}"#)
    );
    assert_eq!(
        fake.last_request().unwrap().verdict,
        Verdict::UnknownEndpoint
    );
    let sent = crate::common::send("GET", &fake.endpoint_url(), &[], Vec::new()).await;
    assert_eq!(sent.status, 404);
}

#[tokio::test]
async fn plays_documented_errors_and_rate_limits() {
    let fake = FakeKraken::start(KEY, SECRET).await;
    let mut nonce = 0;
    for error in DocumentedError::ALL {
        fake.respond_with(Reply::error(error));
        nonce += 1;
        let sent = call(&fake, nonce).await;
        assert_eq!(sent.status, 200);
        assert_eq!(
            sent.json(),
            serde_json::json!({ "error": [error.to_string()] })
        );
    }
    assert_eq!(
        DocumentedError::UnknownReferenceId.to_string(),
        "EFunding:Unknown reference id"
    );
    assert_eq!(
        DocumentedError::ServiceThrottled { until: 42 }.to_string(),
        "EService: Throttled: 42"
    );

    fake.respond_with(Reply::RateLimited);
    nonce += 1;
    assert_eq!(
        call(&fake, nonce).await.text(),
        r#"{"error":["EAPI:Rate limit exceeded"]}"#
    );
    fake.respond_with(Reply::errors([
        "EGeneral:Invalid arguments:asset",
        "EOther:x",
    ]));
    nonce += 1;
    assert_eq!(
        call(&fake, nonce).await.text(),
        r#"{"error":["EGeneral:Invalid arguments:asset","EOther:x"]}"#
    );
    fake.respond_with(Reply::result("false"));
    nonce += 1;
    assert_eq!(
        call(&fake, nonce).await.text(),
        r#"{"error":[],"result":false}"#
    );
    fake.respond_with(Reply::success_with_warnings(["WGeneral:Deprecated"]));
    nonce += 1;
    assert_eq!(
        call(&fake, nonce).await.text(),
        r#"{"error":["WGeneral:Deprecated"],"result":true}"#
    );
}

#[tokio::test]
async fn plays_transport_replies() {
    let fake = FakeKraken::start(KEY, SECRET).await;
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

#[tokio::test]
async fn never_prints_the_secret() {
    let fake = FakeKraken::start(KEY, SECRET).await;
    call(&fake, 1).await;
    let debug = format!("{fake:?} {:?}", fake.requests());
    assert!(debug.contains(KEY), "{debug}");
    assert!(
        !debug.contains(SECRET) && !debug.contains("kQH5HW"),
        "{debug}"
    );
    let err = FakeKraken::try_start(KEY, "not*base64*secret")
        .await
        .unwrap_err()
        .to_string();
    assert!(!err.contains("not*base64*secret"), "{err}");
}
