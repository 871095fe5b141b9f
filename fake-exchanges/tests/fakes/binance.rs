//! The fake Binance endpoints, driven by a bare reqwest client with hand-made signatures (HMAC
//! from Binance's documented example, and Ed25519).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use xgen_fake_exchanges::binance::{
    self, Credential, FakeBinance, Reply, Status, Verdict, Withdrawal, WITHDRAW_APPLY_PATH,
    WITHDRAW_HISTORY_PATH,
};
use xgen_fake_exchanges::ed25519_dalek::{Signer as _, SigningKey};
use xgen_fake_exchanges::Clock;

use crate::common::{check_drop_stops, send, Sent};

// Binance's documented HMAC example ("SIGNED Endpoint Examples for POST /api/v3/order").
const DOC_KEY: &str = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
const DOC_SECRET: &str = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";
const DOC_PAYLOAD: &str = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559";
const DOC_SIGNATURE: &str = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71";
const NOW: u64 = 1_499_827_319_559;

/// The test's own HMAC: hex.
fn hmac_sign(payload: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(DOC_SECRET.as_bytes()).unwrap();
    mac.update(payload.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn fake() -> FakeBinance {
    let fake = FakeBinance::start(DOC_KEY, Credential::Hmac(DOC_SECRET.into())).await;
    fake.set_clock(Clock::Fixed(NOW));
    fake
}

/// Sends `params&timestamp=ts&signature=<HMAC>` to `path`.
async fn signed(fake: &FakeBinance, method: &str, path: &str, params: &str, ts: u64) -> Sent {
    let query = format!(
        "{params}{}timestamp={ts}",
        if params.is_empty() { "" } else { "&" }
    );
    let url = fake.url(&format!("{path}?{query}&signature={}", hmac_sign(&query)));
    send(method, &url, &[("X-MBX-APIKEY", DOC_KEY)], Vec::new()).await
}

async fn apply(fake: &FakeBinance, params: &str) -> Sent {
    signed(fake, "POST", WITHDRAW_APPLY_PATH, params, NOW).await
}

async fn history(fake: &FakeBinance, params: &str) -> Sent {
    signed(fake, "GET", WITHDRAW_HISTORY_PATH, params, NOW).await
}

#[test]
fn the_docs_hmac_vector() {
    assert_eq!(
        binance::sign_hmac(DOC_SECRET, DOC_PAYLOAD.as_bytes()),
        DOC_SIGNATURE
    );
    assert_eq!(hmac_sign(DOC_PAYLOAD), DOC_SIGNATURE);
    let query = format!("{DOC_PAYLOAD}&signature={DOC_SIGNATURE}");
    let (payload, signature) = binance::total_params(&query, b"");
    assert_eq!(
        (payload.as_slice(), signature.as_deref()),
        (DOC_PAYLOAD.as_bytes(), Some(DOC_SIGNATURE))
    );
    // HMAC signatures are not case-sensitive.
    assert!(binance::verify_hmac(
        DOC_SECRET,
        DOC_PAYLOAD.as_bytes(),
        &DOC_SIGNATURE.to_uppercase()
    ));
    assert_eq!(
        binance::apply_time(1_570_878_722_000),
        "2019-10-12 11:12:02"
    );
}

#[tokio::test]
async fn withdraw_then_history() {
    let fake = fake().await;
    let applied = apply(
        &fake,
        "coin=USDT&address=0xabc&amount=8.91&network=ETH&withdrawOrderId=w-1",
    )
    .await;
    assert_eq!(applied.status, 200, "{}", applied.text());
    let id = applied.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 32);
    assert_eq!(fake.last_request().unwrap().verdict, Verdict::Accepted);
    let listed = history(&fake, "").await;
    assert_eq!(listed.status, 200);
    let rows = listed.json();
    assert_eq!(rows[0]["id"], id.as_str());
    assert_eq!(rows[0]["status"], 4);
    assert_eq!(rows[0]["withdrawOrderId"], "w-1");
    assert_eq!(rows[0]["applyTime"], "2017-07-12 02:41:59");
    assert_eq!(rows[0]["amount"], "8.91");
    assert_eq!(fake.status_polls(&id), 1);
    fake.set_withdrawal_state(&id, Status::Completed);
    assert_eq!(history(&fake, "").await.json()[0]["status"], 6);
}

#[tokio::test]
async fn history_filters_and_omits_a_missing_order_id() {
    let fake = fake().await;
    fake.add_withdrawal(Withdrawal::new("a1", "BTC", "0.1").with_status(Status::EmailSent));
    fake.add_withdrawal(
        Withdrawal::new("b2", "USDT", "5")
            .with_order_id("mine")
            .with_status(Status::Cancelled),
    );
    fake.add_withdrawal(Withdrawal::new("c3", "USDT", "6").with_status(Status::Rejected));
    let ids = |sent: Sent| -> Vec<String> {
        sent.json()
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids(history(&fake, "coin=USDT").await).len(), 2);
    assert_eq!(ids(history(&fake, "withdrawOrderId=mine").await), ["b2"]);
    assert_eq!(ids(history(&fake, "status=3").await), ["c3"]);
    assert_eq!(ids(history(&fake, "idList=a1,c3").await).len(), 2);
    let a1 = history(&fake, "idList=a1").await.json();
    assert!(a1[0].get("withdrawOrderId").is_none(), "{a1}");
    assert_eq!(a1[0]["status"], 0);
    let bad = history(&fake, "status=9").await;
    assert_eq!(
        (bad.status, bad.json()["code"].as_i64()),
        (400, Some(-1100))
    );
}

#[tokio::test]
async fn timestamps_outside_the_window_get_1021() {
    let fake = fake().await;
    let stale = signed(&fake, "GET", WITHDRAW_HISTORY_PATH, "", NOW - 5001).await;
    assert_eq!(stale.status, 400);
    assert_eq!(
        stale.text(),
        r#"{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}"#
    );
    // A wider window lets it through.
    let widened = signed(
        &fake,
        "GET",
        WITHDRAW_HISTORY_PATH,
        "recvWindow=10000",
        NOW - 5001,
    )
    .await;
    assert_eq!(widened.status, 200, "{}", widened.text());
    let ahead = signed(&fake, "GET", WITHDRAW_HISTORY_PATH, "", NOW + 1000).await;
    assert_eq!(
        (ahead.status, ahead.text()),
        (
            400,
            r#"{"code":-1021,"msg":"Timestamp for this request was 1000ms ahead of the server's time."}"#
        )
    );
    assert!(matches!(
        fake.last_request().unwrap().verdict,
        Verdict::StaleTimestamp(_)
    ));
    let too_wide = signed(&fake, "GET", WITHDRAW_HISTORY_PATH, "recvWindow=60001", NOW).await;
    assert_eq!(too_wide.json()["code"], -1131);
}

#[tokio::test]
async fn bad_keys_and_signatures() {
    let fake = fake().await;
    let url = fake.url(&format!(
        "{WITHDRAW_HISTORY_PATH}?timestamp={NOW}&signature=00"
    ));
    let missing = send("GET", &url, &[], Vec::new()).await;
    assert_eq!(
        (missing.status, missing.json()["code"].as_i64()),
        (401, Some(-2014))
    );
    let unknown = send("GET", &url, &[("X-MBX-APIKEY", "nope")], Vec::new()).await;
    assert_eq!(
        (unknown.status, unknown.text()),
        (
            401,
            r#"{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}"#
        )
    );
    let wrong = send("GET", &url, &[("X-MBX-APIKEY", DOC_KEY)], Vec::new()).await;
    assert_eq!(
        (wrong.status, wrong.text()),
        (
            400,
            r#"{"code":-1022,"msg":"Signature for this request is not valid."}"#
        )
    );
    assert_eq!(
        fake.last_request().unwrap().verdict,
        Verdict::InvalidSignature
    );
    let unsigned = fake.url(&format!("{WITHDRAW_HISTORY_PATH}?timestamp={NOW}"));
    let unsigned = send("GET", &unsigned, &[("X-MBX-APIKEY", DOC_KEY)], Vec::new()).await;
    assert_eq!(unsigned.json()["code"], -1102);
    let missing_args = apply(&fake, "coin=USDT&amount=1").await;
    assert_eq!(
        missing_args.json()["msg"],
        "Mandatory parameter 'address' was not sent, was empty/null, or malformed."
    );
    let nowhere = send("GET", &fake.url("/api/v3/order"), &[], Vec::new()).await;
    assert_eq!(nowhere.status, 404);
}

#[tokio::test]
async fn the_body_is_part_of_total_params() {
    let fake = fake().await;
    let query = format!("coin=USDT&timestamp={NOW}");
    let body = "address=0xabc&amount=1";
    let signature = hmac_sign(&format!("{query}{body}"));
    let url = fake.url(&format!(
        "{WITHDRAW_APPLY_PATH}?{query}&signature={signature}"
    ));
    let sent = send(
        "POST",
        &url,
        &[
            ("X-MBX-APIKEY", DOC_KEY),
            ("Content-Type", "application/x-www-form-urlencoded"),
        ],
        body.into(),
    )
    .await;
    assert_eq!(sent.status, 200, "{}", sent.text());
}

#[tokio::test]
async fn ed25519_keys_verify() {
    let key = SigningKey::from_bytes(&[7; 32]);
    let public = xgen_fake_exchanges::ed25519_dalek::pkcs8::EncodePublicKey::to_public_key_pem(
        &key.verifying_key(),
        Default::default(),
    )
    .unwrap();
    let fake = FakeBinance::start("ed-key", Credential::public_key_pem(&public).unwrap()).await;
    fake.set_clock(Clock::Fixed(NOW));
    let query = format!("timestamp={NOW}");
    let signature = B64.encode(key.sign(query.as_bytes()).to_bytes());
    let encoded: String = signature
        .bytes()
        .map(|b| match b {
            b'+' => "%2B".to_owned(),
            b'/' => "%2F".to_owned(),
            b'=' => "%3D".to_owned(),
            b => (b as char).to_string(),
        })
        .collect();
    let url = fake.url(&format!(
        "{WITHDRAW_HISTORY_PATH}?{query}&signature={encoded}"
    ));
    let sent = send("GET", &url, &[("X-MBX-APIKEY", "ed-key")], Vec::new()).await;
    assert_eq!((sent.status, sent.text()), (200, "[]"));
    let other = SigningKey::from_bytes(&[8; 32]);
    let forged = B64
        .encode(other.sign(query.as_bytes()).to_bytes())
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    let url = fake.url(&format!(
        "{WITHDRAW_HISTORY_PATH}?{query}&signature={forged}"
    ));
    let sent = send("GET", &url, &[("X-MBX-APIKEY", "ed-key")], Vec::new()).await;
    assert_eq!(sent.json()["code"], -1022);
    assert!(!format!("{fake:?}").contains(DOC_SECRET));
}

#[tokio::test]
async fn rate_limits_carry_retry_after() {
    let fake = fake().await;
    fake.respond_once_on(WITHDRAW_HISTORY_PATH, Reply::RateLimited);
    let limited = history(&fake, "").await;
    assert_eq!(
        (limited.status, limited.header("retry-after")),
        (429, Some("1"))
    );
    assert_eq!(limited.json()["code"], -1003);
    fake.respond_once_on(
        WITHDRAW_HISTORY_PATH,
        Reply::Exchange(binance::Answer::IpBanned { retry_after_s: 120 }),
    );
    let banned = history(&fake, "").await;
    assert_eq!(
        (banned.status, banned.header("retry-after")),
        (418, Some("120"))
    );
    assert_eq!(history(&fake, "").await.status, 200);
    check_drop_stops(fake).await;
}
