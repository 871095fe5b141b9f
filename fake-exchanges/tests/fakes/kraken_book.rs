//! The fake Kraken's withdrawal book: WithdrawCancel consults it, WithdrawStatus shows each
//! CancelScript's state sequence. Driven by a bare reqwest client with hand-made signatures.

use std::sync::atomic::{AtomicU64, Ordering};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{json, Value};
use sha2::{Digest, Sha256, Sha512};
use xgen_fake_exchanges::kraken::{
    CancelScript, FakeKraken, Reply, Status, StatusProp, Verdict, Withdrawal, WithdrawalState,
    WITHDRAW_CANCEL_PATH, WITHDRAW_STATUS_PATH,
};
use xgen_fake_exchanges::Clock;

use crate::common::{post, Sent};

/// Kraken's published documentation secret (spot-rest-auth guide): public test data.
const SECRET: &str =
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";
const KEY: &str = "TEST-KRAKEN-PUBLIC-KEY";
/// 2021-03-29T10:43:06Z.
const NOW_MS: u64 = 1_617_014_586_000;
const OK: &str = r#"{"error":[],"result":true}"#;
const UNKNOWN_REFID: &str = r#"{"error":["EFunding:Unknown reference id"]}"#;

static NONCE: AtomicU64 = AtomicU64::new(1_000);

fn next_nonce() -> u64 {
    NONCE.fetch_add(1, Ordering::Relaxed)
}

/// The test's own API-Sign: HMAC-SHA512(b64decode(secret), path || SHA256(nonce || body)).
fn api_sign(path: &str, nonce: u64, body: &str) -> String {
    let inner = Sha256::digest(format!("{nonce}{body}").as_bytes());
    let mut mac = Hmac::<Sha512>::new_from_slice(&B64.decode(SECRET).unwrap()).unwrap();
    mac.update(path.as_bytes());
    mac.update(&inner);
    B64.encode(mac.finalize().into_bytes())
}

/// POSTs a signed JSON body: `fields` is the JSON object's inside, after the nonce.
async fn signed(fake: &FakeKraken, path: &str, fields: &str) -> Sent {
    let nonce = next_nonce();
    let body = if fields.is_empty() {
        format!(r#"{{"nonce":{nonce}}}"#)
    } else {
        format!(r#"{{"nonce":{nonce},{fields}}}"#)
    };
    let sign = api_sign(path, nonce, &body);
    post(
        &fake.url(path),
        &[
            ("Content-Type", "application/json"),
            ("API-Key", KEY),
            ("API-Sign", &sign),
        ],
        body,
    )
    .await
}

async fn cancel(fake: &FakeKraken, refid: &str) -> String {
    let sent = signed(
        fake,
        WITHDRAW_CANCEL_PATH,
        &format!(r#""asset":"XBT","refid":"{refid}""#),
    )
    .await;
    assert_eq!(sent.status, 200);
    sent.text().to_owned()
}

/// WithdrawStatus for XBT: the rows.
async fn status(fake: &FakeKraken) -> Vec<Value> {
    let sent = signed(fake, WITHDRAW_STATUS_PATH, r#""asset":"XBT""#).await;
    assert_eq!(sent.status, 200, "{:?}", sent.body);
    let v = sent.json();
    assert_eq!(v["error"], json!([]), "{v}");
    v["result"].as_array().expect("result is an array").clone()
}

/// `(status, status-prop)` of one refid in a WithdrawStatus answer.
async fn state_of(fake: &FakeKraken, refid: &str) -> Option<(String, Option<String>)> {
    status(fake)
        .await
        .into_iter()
        .find(|row| row["refid"] == refid)
        .map(|row| {
            (
                row["status"].as_str().unwrap().to_owned(),
                row.get("status-prop")
                    .map(|p| p.as_str().unwrap().to_owned()),
            )
        })
}

fn st(status: &str, prop: Option<&str>) -> Option<(String, Option<String>)> {
    Some((status.to_owned(), prop.map(str::to_owned)))
}

async fn started() -> FakeKraken {
    FakeKraken::start(KEY, SECRET)
        .await
        .with_clock(Clock::Fixed(NOW_MS))
}

fn btc(refid: &str, script: CancelScript) -> Withdrawal {
    Withdrawal {
        method: "Bitcoin".into(),
        network: "Bitcoin".into(),
        info: "bc1qexampleaddress".into(),
        fee: "0.00015000".into(),
        key: "my-btc-key".into(),
        ..Withdrawal::new(refid, "XBT", "0.72485000").with_script(script)
    }
}

#[tokio::test]
async fn cancels_after_n_polls_shows_cancel_pending_then_canceled() {
    let fake = started().await;
    fake.add_withdrawal(btc(
        "FTQcuak-V6Za8qrWnhzTx67yYHz8Tg",
        CancelScript::CancelsAfter { polls: 2 },
    ));

    // Before the cancel: the exact row, asset in legacy form although XBT was asked.
    let rows = status(&fake).await;
    assert_eq!(
        serde_json::to_string(&rows).unwrap(),
        r#"[{"aclass":"currency","amount":"0.72485000","asset":"XXBT","fee":"0.00015000","info":"bc1qexampleaddress","key":"my-btc-key","method":"Bitcoin","network":"Bitcoin","refid":"FTQcuak-V6Za8qrWnhzTx67yYHz8Tg","status":"Pending","time":1617014586,"txid":""}]"#
    );
    let raw = signed(&fake, WITHDRAW_STATUS_PATH, r#""asset":"XBT""#).await;
    assert_eq!(
        raw.text(),
        r#"{"error":[],"result":[{"method":"Bitcoin","network":"Bitcoin","aclass":"currency","asset":"XXBT","refid":"FTQcuak-V6Za8qrWnhzTx67yYHz8Tg","txid":"","info":"bc1qexampleaddress","amount":"0.72485000","fee":"0.00015000","time":1617014586,"status":"Pending","key":"my-btc-key"}]}"#
    );

    assert_eq!(cancel(&fake, "FTQcuak-V6Za8qrWnhzTx67yYHz8Tg").await, OK);
    let id = "FTQcuak-V6Za8qrWnhzTx67yYHz8Tg";
    assert_eq!(
        state_of(&fake, id).await,
        st("Pending", Some("cancel-pending"))
    );
    assert_eq!(
        state_of(&fake, id).await,
        st("Pending", Some("cancel-pending"))
    );
    assert_eq!(state_of(&fake, id).await, st("Failure", Some("canceled")));
    assert_eq!(state_of(&fake, id).await, st("Failure", Some("canceled")));
    assert_eq!(fake.status_polls(id), 6);
    assert_eq!(fake.status_poll_times(id), vec![NOW_MS; 6]);
    assert_eq!(
        fake.withdrawal(id).unwrap().state,
        WithdrawalState::CANCELED
    );
    // A second cancel: still `result: true`, nothing changes.
    assert_eq!(cancel(&fake, id).await, OK);
    assert_eq!(state_of(&fake, id).await, st("Failure", Some("canceled")));
}

#[tokio::test]
async fn every_script_has_its_sequence() {
    let fake = started().await;
    fake.add_withdrawal(btc("DONE", CancelScript::AlreadyCompleted));
    fake.add_withdrawal(btc("DENY", CancelScript::NotCancellable));
    fake.add_withdrawal(btc("RETURN", CancelScript::NotCancellable).with_state(
        WithdrawalState::with_prop(Status::Pending, StatusProp::Return),
    ));
    fake.add_withdrawal(btc("STUCK", CancelScript::StaysPending));
    fake.add_withdrawal(btc("GHOST", CancelScript::Unknown));
    fake.add_withdrawal(btc("NOW", CancelScript::CancelsAfter { polls: 0 }));

    assert_eq!(cancel(&fake, "DONE").await, OK);
    assert_eq!(state_of(&fake, "DONE").await, st("Success", None));

    assert_eq!(cancel(&fake, "DENY").await, OK);
    assert_eq!(
        state_of(&fake, "DENY").await,
        st("Pending", Some("cancel-denied"))
    );
    assert_eq!(cancel(&fake, "RETURN").await, OK);
    assert_eq!(
        state_of(&fake, "RETURN").await,
        st("Pending", Some("return"))
    );

    assert_eq!(cancel(&fake, "STUCK").await, OK);
    for _ in 0..5 {
        assert_eq!(
            state_of(&fake, "STUCK").await,
            st("Pending", Some("cancel-pending"))
        );
    }

    assert_eq!(cancel(&fake, "GHOST").await, UNKNOWN_REFID);
    assert_eq!(state_of(&fake, "GHOST").await, None);
    assert!(
        fake.status_polls("GHOST") > 0,
        "hidden rows still count polls"
    );

    assert_eq!(cancel(&fake, "NOW").await, OK);
    assert_eq!(
        state_of(&fake, "NOW").await,
        st("Failure", Some("canceled"))
    );
}

#[tokio::test]
async fn unknown_ids_and_the_empty_book() {
    let fake = started().await;
    // No book: any refid is "cancelled", as before books existed.
    assert_eq!(cancel(&fake, "ANYTHING").await, OK);
    assert_eq!(status(&fake).await, Vec::<Value>::new());

    fake.add_withdrawal(btc("KNOWN", CancelScript::default()));
    assert_eq!(cancel(&fake, "ANYTHING").await, UNKNOWN_REFID);
    // The asset must match too.
    let sent = signed(
        &fake,
        WITHDRAW_CANCEL_PATH,
        r#""asset":"ETH","refid":"KNOWN""#,
    )
    .await;
    assert_eq!(sent.text(), UNKNOWN_REFID);
    // The legacy code is accepted in the request as well.
    let sent = signed(
        &fake,
        WITHDRAW_CANCEL_PATH,
        r#""asset":"XXBT","refid":"KNOWN""#,
    )
    .await;
    assert_eq!(sent.text(), OK);
}

#[tokio::test]
async fn filters_form_bodies_and_hand_driven_states() {
    let fake = started().await;
    fake.add_withdrawal(btc("A", CancelScript::default()));
    fake.add_withdrawal(Withdrawal {
        method: "Ether".into(),
        time: 1_600_000_000,
        ..Withdrawal::new("B", "ETH", "1.5")
    });
    fake.add_withdrawal(Withdrawal {
        aclass: "tokenized_asset".into(),
        ..Withdrawal::new("C", "AAPLx", "2")
    });

    let refids = |v: Value| -> Vec<String> {
        v["result"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["refid"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = signed(&fake, WITHDRAW_STATUS_PATH, "").await.json();
    assert_eq!(refids(all), ["A", "B"], "aclass defaults to currency");
    let eth = signed(&fake, WITHDRAW_STATUS_PATH, r#""asset":"ETH""#).await;
    assert_eq!(eth.json()["result"][0]["asset"], "XETH");
    let tok = signed(&fake, WITHDRAW_STATUS_PATH, r#""aclass":"tokenized_asset""#).await;
    assert_eq!(refids(tok.json()), ["C"]);
    let windowed = signed(
        &fake,
        WITHDRAW_STATUS_PATH,
        r#""start":"1600000000","end":"1600000001","limit":5,"cursor":false"#,
    )
    .await;
    assert_eq!(refids(windowed.json()), ["B"]);
    let limited = signed(&fake, WITHDRAW_STATUS_PATH, r#""limit":"1""#).await;
    assert_eq!(refids(limited.json()), ["A"]);

    // A form body works the same.
    let nonce = next_nonce();
    let body = format!("nonce={nonce}&asset=XBT&method=Bitcoin");
    let sign = api_sign(WITHDRAW_STATUS_PATH, nonce, &body);
    let sent = post(
        &fake.url(WITHDRAW_STATUS_PATH),
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("API-Key", KEY),
            ("API-Sign", &sign),
        ],
        body,
    )
    .await;
    assert_eq!(refids(sent.json()), ["A"]);

    // Unknown fields and malformed values: EGeneral:Invalid arguments, no poll counted.
    let polls = fake.status_polls("A");
    for fields in [
        r#""refid":"A""#,
        r#""limit":0"#,
        r#""start":"yesterday""#,
        r#""asset":1"#,
    ] {
        let sent = signed(&fake, WITHDRAW_STATUS_PATH, fields).await;
        assert_eq!(
            sent.text(),
            r#"{"error":["EGeneral:Invalid arguments"]}"#,
            "{fields}"
        );
    }
    assert_eq!(fake.status_polls("A"), polls);

    // Driven by hand.
    assert!(fake.set_withdrawal_state("A", WithdrawalState::new(Status::Settled)));
    assert!(!fake.set_withdrawal_state("nope", WithdrawalState::new(Status::Settled)));
    assert_eq!(state_of(&fake, "A").await, st("Settled", None));
}

#[tokio::test]
async fn status_is_auth_checked_and_can_be_rate_limited_once() {
    let fake = started().await;
    fake.add_withdrawal(btc("R", CancelScript::CancelsAfter { polls: 1 }));
    assert_eq!(cancel(&fake, "R").await, OK);

    // Signed for the cancel path, sent to the status path: rejected, not counted.
    let nonce = next_nonce();
    let body = format!(r#"{{"nonce":{nonce}}}"#);
    let sign = api_sign(WITHDRAW_CANCEL_PATH, nonce, &body);
    let sent = post(
        &fake.url(WITHDRAW_STATUS_PATH),
        &[
            ("Content-Type", "application/json"),
            ("API-Key", KEY),
            ("API-Sign", &sign),
        ],
        body,
    )
    .await;
    assert_eq!(sent.text(), r#"{"error":["EAPI:Invalid signature"]}"#);
    assert_eq!(
        fake.last_request().unwrap().verdict,
        Verdict::InvalidSignature
    );
    assert_eq!(fake.status_polls("R"), 0);

    // One rate-limited poll: counted, but the countdown does not move.
    fake.respond_once_on(WITHDRAW_STATUS_PATH, Reply::RateLimited);
    let sent = signed(&fake, WITHDRAW_STATUS_PATH, "").await;
    assert_eq!(sent.text(), r#"{"error":["EAPI:Rate limit exceeded"]}"#);
    assert_eq!(fake.status_polls("R"), 1);
    assert_eq!(
        state_of(&fake, "R").await,
        st("Pending", Some("cancel-pending"))
    );
    assert_eq!(state_of(&fake, "R").await, st("Failure", Some("canceled")));
    assert_eq!(fake.status_polls("R"), 3);
    // The cancel endpoint's script is separate.
    fake.respond_once(Reply::error("EService:Unavailable"));
    assert_eq!(
        signed(&fake, WITHDRAW_STATUS_PATH, "").await.json()["error"],
        json!([])
    );
}
