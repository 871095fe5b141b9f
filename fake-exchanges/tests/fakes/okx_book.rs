//! The fake OKX's withdrawal book: cancel-withdrawal consults it, withdrawal-history shows each
//! CancelScript's `state` sequence. GET requests are signed over the path and the query exactly
//! as sent. Driven by a bare reqwest client with hand-made signatures.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use xgen_fake_exchanges::okx::{
    CancelScript, FakeOkx, Reply, State, Verdict, Withdrawal, CANCEL_WITHDRAWAL_PATH,
    WITHDRAWAL_HISTORY_PATH,
};
use xgen_fake_exchanges::Clock;

use crate::common::{post, send, Sent};

const KEY: &str = "37c541a1-0000-4000-8000-10fe7a038418";
const SECRET: &str = "22582BD0CFF14C41EDBF1AB98506286D";
const PASSPHRASE: &str = "Test-Passphrase-1";
/// 2020-12-08T09:08:57.715Z
const NOW: u64 = 1_607_418_537_715;
const TS: &str = "2020-12-08T09:08:57.715Z";

/// The test's own OK-ACCESS-SIGN over `ts + METHOD + path_and_query + body`.
fn ok_sign(method: &str, path_and_query: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{TS}{method}{path_and_query}{body}").as_bytes());
    B64.encode(mac.finalize().into_bytes())
}

fn headers(sign: &str) -> Vec<(&'static str, String)> {
    vec![
        ("OK-ACCESS-KEY", KEY.to_owned()),
        ("OK-ACCESS-SIGN", sign.to_owned()),
        ("OK-ACCESS-TIMESTAMP", TS.to_owned()),
        ("OK-ACCESS-PASSPHRASE", PASSPHRASE.to_owned()),
    ]
}

/// GETs `sent_pq` signed over `signed_pq`.
async fn get_signed_as(fake: &FakeOkx, signed_pq: &str, sent_pq: &str) -> Sent {
    let h = headers(&ok_sign("GET", signed_pq, ""));
    let h: Vec<(&str, &str)> = h.iter().map(|(n, v)| (*n, v.as_str())).collect();
    send("GET", &fake.url(sent_pq), &h, Vec::new()).await
}

async fn history(fake: &FakeOkx, query: &str) -> Sent {
    let pq = format!("{WITHDRAWAL_HISTORY_PATH}?{query}");
    get_signed_as(fake, &pq, &pq).await
}

/// The `data` rows of a successful withdrawal-history answer.
async fn rows(fake: &FakeOkx, query: &str) -> Vec<Value> {
    let sent = history(fake, query).await;
    assert_eq!(sent.status, 200, "{:?}", sent.body);
    let v = sent.json();
    assert_eq!((&v["code"], &v["msg"]), (&json!("0"), &json!("")), "{v}");
    v["data"].as_array().unwrap().clone()
}

/// The `state` of one wdId (`None`: not listed).
async fn state(fake: &FakeOkx, wd_id: &str) -> Option<String> {
    rows(fake, &format!("wdId={wd_id}"))
        .await
        .first()
        .map(|r| r["state"].as_str().expect("state is a string").to_owned())
}

async fn cancel(fake: &FakeOkx, wd_id: &str) -> Value {
    let body = format!(r#"{{"wdId":"{wd_id}"}}"#);
    let h = headers(&ok_sign("POST", CANCEL_WITHDRAWAL_PATH, &body));
    let mut h: Vec<(&str, &str)> = h.iter().map(|(n, v)| (*n, v.as_str())).collect();
    h.push(("Content-Type", "application/json"));
    post(&fake.endpoint_url(), &h, body).await.json()
}

fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap()
}

async fn started() -> FakeOkx {
    FakeOkx::start(KEY, SECRET, PASSPHRASE)
        .await
        .with_clock(Clock::Fixed(NOW))
}

fn btc(wd_id: &str, script: CancelScript) -> Withdrawal {
    Withdrawal {
        chain: "BTC-Bitcoin".into(),
        to: "bc1qexampleaddress".into(),
        fee: "0.0005".into(),
        client_id: format!("client-{wd_id}"),
        ..Withdrawal::new(wd_id, "BTC", "0.1").with_script(script)
    }
}

#[tokio::test]
async fn cancels_after_n_polls_goes_canceling_then_canceled() {
    let fake = started().await;
    fake.add_withdrawal(btc("1123456", CancelScript::CancelsAfter { polls: 1 }));

    let sent = history(&fake, "wdId=1123456&ccy=BTC").await;
    assert_eq!(
        sent.text(),
        r#"{"code":"0","msg":"","data":[{"ccy":"BTC","chain":"BTC-Bitcoin","amt":"0.1","ts":"1607418537715","from":"","to":"bc1qexampleaddress","txId":"","fee":"0.0005","feeCcy":"BTC","state":"0","wdId":"1123456","clientId":"client-1123456"}]}"#
    );

    let v = cancel(&fake, "1123456").await;
    assert_eq!(
        v,
        json!({"code": "0", "msg": "", "data": [{"wdId": "1123456"}]})
    );
    assert_eq!(state(&fake, "1123456").await.as_deref(), Some("-3"));
    assert_eq!(state(&fake, "1123456").await.as_deref(), Some("-2"));
    assert_eq!(state(&fake, "1123456").await.as_deref(), Some("-2"));
    assert_eq!(fake.status_polls("1123456"), 4);
    assert_eq!(fake.withdrawal("1123456").unwrap().state, State::Canceled);

    // Cancelling again: 58220.
    let v = cancel(&fake, "1123456").await;
    assert_eq!(code(&v), "58220");
}

#[tokio::test]
async fn every_script_has_its_sequence() {
    let fake = started().await;
    fake.add_withdrawal(btc("done", CancelScript::AlreadyCompleted));
    fake.add_withdrawal(btc("deny", CancelScript::NotCancellable).with_state(State::Broadcasting));
    fake.add_withdrawal(btc("stuck", CancelScript::StaysPending));
    fake.add_withdrawal(btc("ghost", CancelScript::Unknown));

    assert_eq!(code(&cancel(&fake, "done").await), "0");
    assert_eq!(state(&fake, "done").await.as_deref(), Some("2"));

    let v = cancel(&fake, "deny").await;
    assert_eq!(
        v,
        json!({"code": "58216", "msg": "Operation not allowed.", "data": []})
    );
    assert_eq!(state(&fake, "deny").await.as_deref(), Some("1"));

    assert_eq!(code(&cancel(&fake, "stuck").await), "0");
    for _ in 0..5 {
        assert_eq!(state(&fake, "stuck").await.as_deref(), Some("-3"));
    }
    assert_eq!(code(&cancel(&fake, "stuck").await), "58220");

    let v = cancel(&fake, "ghost").await;
    assert_eq!(
        v,
        json!({"code": "58215", "msg": "Withdrawal ID does not exist.", "data": []})
    );
    assert_eq!(state(&fake, "ghost").await, None);
    assert_eq!(fake.status_polls("ghost"), 1);

    // Codes round-trip.
    for code in ["0", "-3", "-2", "-1", "2", "17", "19", "4", "12", "99"] {
        assert_eq!(State::from_code(code).code(), code);
    }
    assert!(State::PendingTravelRule.is_cancellable());
    assert!(!State::Broadcasting.is_cancellable());
}

#[tokio::test]
async fn unknown_ids_filters_and_order() {
    let fake = started().await;
    // Empty book: any wdId is accepted, as before.
    assert_eq!(code(&cancel(&fake, "anything").await), "0");

    fake.add_withdrawal(Withdrawal {
        ts: NOW - 2000,
        ..btc("old", CancelScript::default())
    });
    fake.add_withdrawal(btc("new", CancelScript::default()));
    fake.add_withdrawal(Withdrawal::new("eth", "ETH", "2"));

    assert_eq!(code(&cancel(&fake, "nope").await), "58215");
    assert_eq!(rows(&fake, "wdId=nope").await, Vec::<Value>::new());
    assert_eq!(fake.status_polls("nope"), 1);

    let ids = |rows: Vec<Value>| -> Vec<String> {
        rows.iter()
            .map(|r| r["wdId"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        ids(rows(&fake, "ccy=BTC").await),
        ["new", "old"],
        "newest first"
    );
    assert_eq!(ids(rows(&fake, "").await), ["new", "eth", "old"]);
    assert_eq!(ids(rows(&fake, "ccy=BTC&limit=1").await), ["new"]);
    assert_eq!(
        ids(rows(&fake, &format!("after={NOW}")).await),
        ["old"],
        "after: older than"
    );
    assert_eq!(ids(rows(&fake, "clientId=client-old").await), ["old"]);
    assert_eq!(ids(rows(&fake, "state=0&ccy=ETH").await), ["eth"]);
    // A listing request counts as a poll for every row it selects.
    assert_eq!(fake.status_polls("old"), 5);

    for (query, name) in [
        ("limit=101", "limit"),
        ("type=9", "type"),
        ("after=x", "after"),
    ] {
        let sent = history(&fake, query).await;
        assert_eq!(sent.status, 400);
        assert_eq!(
            sent.json(),
            json!({"code": "51000", "msg": format!("Parameter {name} error"), "data": []})
        );
    }

    assert!(fake.set_withdrawal_state("new", State::Other("42".into())));
    assert_eq!(state(&fake, "new").await.as_deref(), Some("42"));
}

#[tokio::test]
async fn the_signature_covers_the_query_exactly_as_sent() {
    let fake = started().await;
    fake.add_withdrawal(btc("1", CancelScript::default()));
    let base = WITHDRAWAL_HISTORY_PATH;

    let ok = get_signed_as(
        &fake,
        &format!("{base}?wdId=1&ccy=BTC"),
        &format!("{base}?wdId=1&ccy=BTC"),
    )
    .await;
    assert_eq!(ok.status, 200, "{:?}", ok.body);
    assert_eq!(fake.status_polls("1"), 1);

    let invalid = json!({"code": "50113", "msg": "Invalid Sign.", "data": []});
    for (signed, sent) in [
        // Re-ordered after signing.
        (
            format!("{base}?wdId=1&ccy=BTC"),
            format!("{base}?ccy=BTC&wdId=1"),
        ),
        // Re-encoded after signing (same decoded value).
        (
            format!("{base}?wdId=1&clientId=a%20b"),
            format!("{base}?wdId=1&clientId=a+b"),
        ),
        (format!("{base}?wdId=%31"), format!("{base}?wdId=1")),
        // Signed without the query.
        (base.to_owned(), format!("{base}?wdId=1")),
    ] {
        let sent = get_signed_as(&fake, &signed, &sent).await;
        assert_eq!(
            (sent.status, sent.json()),
            (401, invalid.clone()),
            "{signed}"
        );
        assert_eq!(
            fake.last_request().unwrap().verdict,
            Verdict::InvalidSignature
        );
    }
    assert_eq!(fake.status_polls("1"), 1, "rejected requests are not polls");

    // Each encoding verifies over its own bytes.
    let encoded = format!("{base}?wdId=1&clientId=a%20b");
    assert_eq!(get_signed_as(&fake, &encoded, &encoded).await.status, 200);
    let plus = format!("{base}?wdId=1&clientId=a+b");
    assert_eq!(get_signed_as(&fake, &plus, &plus).await.status, 200);

    // POST to the history path, GET to the cancel path: not endpoints.
    let sent = get_signed_as(&fake, CANCEL_WITHDRAWAL_PATH, CANCEL_WITHDRAWAL_PATH).await;
    assert_eq!(sent.status, 404);
}

#[tokio::test]
async fn a_status_poll_can_be_rate_limited_once() {
    let fake = started().await;
    fake.add_withdrawal(btc("7", CancelScript::CancelsAfter { polls: 1 }));
    assert_eq!(code(&cancel(&fake, "7").await), "0");

    fake.respond_once_on(WITHDRAWAL_HISTORY_PATH, Reply::RateLimited);
    let sent = history(&fake, "wdId=7").await;
    assert_eq!(sent.status, 429);
    assert_eq!(
        sent.json(),
        json!({"code": "50011", "msg": "Too Many Requests", "data": []})
    );
    assert_eq!(state(&fake, "7").await.as_deref(), Some("-3"));
    assert_eq!(state(&fake, "7").await.as_deref(), Some("-2"));
    assert_eq!(fake.status_polls("7"), 3);

    // A standing reply on the cancel endpoint leaves the history alone.
    fake.respond_with(Reply::RateLimited);
    assert_eq!(state(&fake, "7").await.as_deref(), Some("-2"));
}

#[tokio::test]
async fn status_records_can_be_rewritten_and_the_rewrite_undone() {
    let fake = started().await;
    fake.add_withdrawal(btc("1123456", CancelScript::StaysPending));
    fake.rewrite_status_records(|record| {
        record.remove("amt");
        record.insert("addedField".into(), json!({"new": true}));
        record.insert("fee".into(), json!(0.0005));
    });

    let listed = rows(&fake, "wdId=1123456").await;
    let [row] = listed.as_slice() else {
        panic!("{listed:?}")
    };
    assert_eq!(row.get("amt"), None, "{row}");
    assert_eq!(row["addedField"], json!({"new": true}));
    assert_eq!(row["fee"], json!(0.0005));
    assert_eq!(
        (&row["wdId"], &row["state"]),
        (&json!("1123456"), &json!("0"))
    );
    assert_eq!(
        fake.withdrawal("1123456").unwrap().amt,
        "0.1",
        "the book is unchanged"
    );

    fake.clear_status_record_rewrite();
    let listed = rows(&fake, "wdId=1123456").await;
    assert_eq!(listed[0]["amt"], json!("0.1"));
    assert_eq!(listed[0].get("addedField"), None);
}
