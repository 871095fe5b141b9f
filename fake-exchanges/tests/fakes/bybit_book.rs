//! The fake Bybit's withdrawal book: the cancel consults it, query-record shows each
//! CancelScript's `status` sequence. GET requests are signed over the query string exactly as
//! sent. Driven by a bare reqwest client with hand-made signatures.

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use xgen_fake_exchanges::bybit::{
    CancelScript, Credential, FakeBybit, Reply, Status, Verdict, Withdrawal, QUERY_RECORD_PATH,
};
use xgen_fake_exchanges::Clock;

use crate::common::{post, send, Sent};

const KEY: &str = "XXXXXXXXXX";
const SECRET: &str = "bybit-test-secret-0123456789ABCDEFGHIJ";
const NOW: u64 = 1_672_197_227_732;

/// The test's own HMAC signature: lower-case hex.
fn hmac_sign(prehash: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(prehash.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn auth(ts: u64, sign: &str) -> Vec<(&'static str, String)> {
    vec![
        ("X-BAPI-API-KEY", KEY.to_owned()),
        ("X-BAPI-TIMESTAMP", ts.to_string()),
        ("X-BAPI-SIGN", sign.to_owned()),
        ("X-BAPI-RECV-WINDOW", "5000".to_owned()),
        ("X-BAPI-SIGN-TYPE", "2".to_owned()),
    ]
}

/// GETs query-record with `sent_query`, signed over `signed_query`, at the fake's time.
async fn get_signed_as(fake: &FakeBybit, signed_query: &str, sent_query: &str) -> Sent {
    let ts = fake.now_ms();
    let h = auth(ts, &hmac_sign(&format!("{ts}{KEY}5000{signed_query}")));
    let h: Vec<(&str, &str)> = h.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let url = fake.url(&format!("{QUERY_RECORD_PATH}?{sent_query}"));
    send("GET", &url, &h, Vec::new()).await
}

async fn records(fake: &FakeBybit, query: &str) -> Sent {
    get_signed_as(fake, query, query).await
}

async fn rows(fake: &FakeBybit, query: &str) -> Vec<Value> {
    let sent = records(fake, query).await;
    assert_eq!(sent.status, 200, "{:?}", sent.body);
    let v = sent.json();
    assert_eq!(v["retCode"], 0, "{v}");
    assert_eq!(v["result"]["nextPageCursor"], "");
    v["result"]["rows"].as_array().unwrap().clone()
}

async fn status(fake: &FakeBybit, id: &str) -> Option<String> {
    rows(fake, &format!("withdrawID={id}"))
        .await
        .first()
        .map(|r| r["status"].as_str().unwrap().to_owned())
}

/// The cancel: `(retCode, result)`.
async fn cancel(fake: &FakeBybit, id: &str) -> (i64, Value) {
    let ts = fake.now_ms();
    let body = format!(r#"{{"id":"{id}"}}"#);
    let h = auth(ts, &hmac_sign(&format!("{ts}{KEY}5000{body}")));
    let mut h: Vec<(&str, &str)> = h.iter().map(|(n, v)| (*n, v.as_str())).collect();
    h.push(("Content-Type", "application/json"));
    let v = post(&fake.endpoint_url(), &h, body).await.json();
    (v["retCode"].as_i64().unwrap(), v["result"].clone())
}

async fn started() -> FakeBybit {
    FakeBybit::start(KEY, Credential::Hmac(SECRET.into()))
        .await
        .with_clock(Clock::Fixed(NOW))
}

fn usdt(id: &str, script: CancelScript) -> Withdrawal {
    Withdrawal {
        chain: "ETH".into(),
        to_address: "0x99ced129603abc771c0dabe935c326ff6c86645d".into(),
        withdraw_fee: "1".into(),
        tx_id: "0xabc".into(),
        ..Withdrawal::new(id, "USDT", "10").with_script(script)
    }
}

#[tokio::test]
async fn cancels_after_n_polls_goes_to_cancel_by_user() {
    let fake = started().await;
    fake.add_withdrawal(usdt("10197", CancelScript::CancelsAfter { polls: 1 }));

    let sent = records(&fake, "withdrawID=10197").await;
    assert_eq!(
        sent.text(),
        format!(
            r#"{{"retCode":0,"retMsg":"OK","result":{{"rows":[{{"coin":"USDT","chain":"ETH","amount":"10","txID":"0xabc","status":"Pending","toAddress":"0x99ced129603abc771c0dabe935c326ff6c86645d","tag":"","withdrawFee":"1","createTime":"{NOW}","updateTime":"{NOW}","withdrawId":"10197","withdrawType":0}}],"nextPageCursor":""}},"retExtInfo":{{}},"time":{NOW}}}"#
        )
    );

    assert_eq!(cancel(&fake, "10197").await, (0, json!({"status": 1})));
    fake.set_clock(Clock::Fixed(NOW + 5_000));
    assert_eq!(status(&fake, "10197").await.as_deref(), Some("Pending"));
    fake.set_clock(Clock::Fixed(NOW + 9_000));
    let row = rows(&fake, "withdrawID=10197").await.remove(0);
    assert_eq!(row["status"], "CancelByUser");
    assert_eq!(row["txID"], "", "txID is empty once cancelled");
    assert_eq!(row["createTime"], NOW.to_string());
    assert_eq!(row["updateTime"], (NOW + 9_000).to_string());
    assert_eq!(fake.status_polls("10197"), 3);
    assert_eq!(
        fake.status_poll_times("10197"),
        vec![NOW, NOW + 5_000, NOW + 9_000]
    );

    // A second cancel: status 0.
    assert_eq!(cancel(&fake, "10197").await, (0, json!({"status": 0})));
}

#[tokio::test]
async fn every_script_has_its_sequence() {
    let fake = started().await;
    fake.add_withdrawal(usdt("done", CancelScript::AlreadyCompleted));
    fake.add_withdrawal(
        usdt("deny", CancelScript::NotCancellable).with_status(Status::BlockchainConfirmed),
    );
    fake.add_withdrawal(usdt("stuck", CancelScript::StaysPending));
    fake.add_withdrawal(usdt("ghost", CancelScript::Unknown));

    assert_eq!(cancel(&fake, "done").await, (0, json!({"status": 1})));
    assert_eq!(status(&fake, "done").await.as_deref(), Some("success"));

    assert_eq!(cancel(&fake, "deny").await, (0, json!({"status": 0})));
    assert_eq!(
        status(&fake, "deny").await.as_deref(),
        Some("BlockchainConfirmed")
    );

    assert_eq!(cancel(&fake, "stuck").await, (0, json!({"status": 1})));
    for _ in 0..5 {
        assert_eq!(status(&fake, "stuck").await.as_deref(), Some("Pending"));
    }

    assert_eq!(cancel(&fake, "ghost").await, (131002, json!({})));
    assert_eq!(status(&fake, "ghost").await, None);
    assert_eq!(fake.status_polls("ghost"), 1);
}

#[tokio::test]
async fn unknown_ids_and_filters() {
    let fake = started().await;
    assert_eq!(cancel(&fake, "anything").await, (0, json!({"status": 1})));

    fake.add_withdrawal(Withdrawal {
        create_time: NOW - 1000,
        ..usdt("a", CancelScript::default())
    });
    fake.add_withdrawal(usdt("b", CancelScript::default()));
    fake.add_withdrawal(Withdrawal {
        withdraw_type: 1,
        ..Withdrawal::new("internal", "BTC", "0.1")
    });
    fake.add_withdrawal(Withdrawal {
        create_time: NOW - 31 * 86_400_000,
        ..usdt("ancient", CancelScript::default())
    });

    assert_eq!(cancel(&fake, "nope").await, (131002, json!({})));
    assert_eq!(rows(&fake, "withdrawID=nope").await, Vec::<Value>::new());
    assert_eq!(fake.status_polls("nope"), 1);

    let ids = |rows: Vec<Value>| -> Vec<String> {
        rows.iter()
            .map(|r| r["withdrawId"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        ids(rows(&fake, "").await),
        ["b", "a"],
        "on-chain, last 30 days"
    );
    assert_eq!(
        ids(rows(&fake, "withdrawType=2").await),
        ["b", "internal", "a"],
        "newest first, ties in the order added"
    );
    assert_eq!(
        ids(rows(&fake, "coin=BTC&withdrawType=1").await),
        ["internal"]
    );
    assert_eq!(ids(rows(&fake, "coin=USDT&limit=1").await), ["b"]);
    let old = NOW - 40 * 86_400_000;
    assert_eq!(
        ids(rows(&fake, &format!("startTime={old}")).await),
        ["ancient"]
    );
    assert_eq!(rows(&fake, "withdrawType=2").await[1]["withdrawType"], 1);

    for query in [
        "limit=51".to_owned(),
        "withdrawType=3".to_owned(),
        format!("startTime={old}&endTime={NOW}"),
    ] {
        let v = records(&fake, &query).await.json();
        assert_eq!(v["retCode"], 10001, "{query}: {v}");
    }

    assert!(fake.set_withdrawal_state("a", Status::MoreInformationRequired));
    assert_eq!(
        status(&fake, "a").await.as_deref(),
        Some("MoreInformationRequired")
    );
}

#[tokio::test]
async fn the_signature_covers_the_query_exactly_as_sent() {
    let fake = started().await;
    fake.add_withdrawal(usdt("1", CancelScript::default()));

    let ok = get_signed_as(&fake, "withdrawID=1&coin=USDT", "withdrawID=1&coin=USDT").await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["retCode"], 0);

    for (signed, sent) in [
        ("withdrawID=1&coin=USDT", "coin=USDT&withdrawID=1"),
        ("withdrawID=1&txID=a%20b", "withdrawID=1&txID=a+b"),
        ("withdrawID=%31", "withdrawID=1"),
        ("", "withdrawID=1"),
    ] {
        let v = get_signed_as(&fake, signed, sent).await.json();
        assert_eq!(v["retCode"], 10004, "{signed} / {sent}: {v}");
        assert_eq!(
            fake.last_request().unwrap().verdict,
            Verdict::InvalidSignature
        );
    }
    assert_eq!(fake.status_polls("1"), 1, "rejected requests are not polls");

    // Each encoding verifies over its own bytes.
    for q in ["withdrawID=1&txID=a%20b", "withdrawID=1&txID=a+b"] {
        assert_eq!(records(&fake, q).await.json()["retCode"], 0);
    }

    // A GET with a body: 403 from the gateway.
    let ts = fake.now_ms();
    let h = auth(ts, &hmac_sign(&format!("{ts}{KEY}5000withdrawID=1")));
    let h: Vec<(&str, &str)> = h.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let url = fake.url(&format!("{QUERY_RECORD_PATH}?withdrawID=1"));
    let sent = send("GET", &url, &h, b"{}".to_vec()).await;
    assert_eq!(sent.status, 403);
    // POST to the status path: not an endpoint.
    let sent = send("POST", &url, &h, Vec::new()).await;
    assert_eq!(sent.status, 404);
}

#[tokio::test]
async fn a_status_poll_can_be_rate_limited_once() {
    let fake = started().await;
    fake.add_withdrawal(usdt("7", CancelScript::CancelsAfter { polls: 0 }));
    assert_eq!(cancel(&fake, "7").await, (0, json!({"status": 1})));

    fake.respond_once_on(QUERY_RECORD_PATH, Reply::RateLimited);
    let sent = records(&fake, "withdrawID=7").await;
    assert_eq!(sent.json()["retCode"], 10006);
    assert_eq!(sent.header("x-bapi-limit"), Some("300"));
    assert_eq!(
        sent.header("x-bapi-limit-reset-timestamp"),
        Some((NOW + 1000).to_string().as_str())
    );
    assert_eq!(status(&fake, "7").await.as_deref(), Some("CancelByUser"));
    assert_eq!(fake.status_polls("7"), 2);
}
