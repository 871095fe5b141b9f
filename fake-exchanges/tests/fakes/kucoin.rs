//! The fake KuCoin: KC-API-* checked with the test's own HMAC code, KuCoin's gateway errors for
//! each failed check, and the withdrawal book behind the cancel, the single-withdrawal status,
//! the history and the withdraw endpoints. A cancelled withdrawal shows as `FAILURE`, as a
//! failed one does: KuCoin has no cancelled status.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use xgen_fake_exchanges::kucoin::{
    self, CancelScript, DocumentedError, FakeKuCoin, Reply, State, Verdict, Withdrawal,
    WITHDRAWAL_BY_ID_ROUTE, WITHDRAWAL_HISTORY_PATH, WITHDRAW_PATH,
};
use xgen_fake_exchanges::Clock;

use crate::common::{send, Sent};

const KEY: &str = "67e6515f7960ba0007b42025";
const SECRET: &str = "2142051e-5bda-4d4e-a3c6-a82395c66f80";
const PASSPHRASE: &str = "CorrectHorseBatteryStaple";
const NOW: u64 = 1_743_147_359_000;

fn hmac_b64(message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(message.as_bytes());
    B64.encode(mac.finalize().into_bytes())
}

/// A request signed by the test's own code at `ts`, key version 2, with the given passphrase.
async fn signed_with(
    fake: &FakeKuCoin,
    method: &str,
    path_and_query: &str,
    body: &str,
    ts: u64,
    passphrase: &str,
) -> Sent {
    let ts = ts.to_string();
    let sign = hmac_b64(&format!("{ts}{method}{path_and_query}{body}"));
    let passphrase = hmac_b64(passphrase);
    let mut headers = vec![
        ("KC-API-KEY", KEY),
        ("KC-API-SIGN", sign.as_str()),
        ("KC-API-TIMESTAMP", ts.as_str()),
        ("KC-API-PASSPHRASE", passphrase.as_str()),
        ("KC-API-KEY-VERSION", "2"),
    ];
    if !body.is_empty() {
        headers.push(("Content-Type", "application/json"));
    }
    send(
        method,
        &fake.url(path_and_query),
        &headers,
        body.as_bytes().to_vec(),
    )
    .await
}

async fn signed(fake: &FakeKuCoin, method: &str, path_and_query: &str, body: &str) -> Sent {
    signed_with(fake, method, path_and_query, body, NOW, PASSPHRASE).await
}

async fn start() -> FakeKuCoin {
    FakeKuCoin::start(KEY, SECRET, PASSPHRASE)
        .await
        .with_clock(Clock::Fixed(NOW))
}

fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap()
}

async fn cancel(fake: &FakeKuCoin, id: &str) -> Value {
    signed(fake, "DELETE", &format!("/api/v1/withdrawals/{id}"), "")
        .await
        .json()
}

/// The single-withdrawal record's `data` (`null` when the fake does not know the id).
async fn by_id(fake: &FakeKuCoin, id: &str) -> Value {
    let v = signed(fake, "GET", &format!("/api/v1/withdrawals/{id}"), "")
        .await
        .json();
    assert_eq!(code(&v), "200000", "{v}");
    v["data"].clone()
}

async fn history(fake: &FakeKuCoin, query: &str) -> Vec<Value> {
    let v = signed(
        fake,
        "GET",
        &format!("{WITHDRAWAL_HISTORY_PATH}?{query}"),
        "",
    )
    .await
    .json();
    assert_eq!(code(&v), "200000", "{v}");
    v["data"]["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_request_signed_as_kucoin_documents_is_accepted() {
    let fake = start().await;
    let v = cancel(&fake, "670b891f7e0f440007730692").await;
    assert_eq!(v, json!({"code": "200000", "data": null}));
    let seen = fake.last_request().unwrap();
    assert_eq!(seen.verdict, Verdict::Accepted);
    assert_eq!(seen.method, "DELETE");
    // The passphrase travels HMAC-signed: the fake's function agrees with the test's.
    assert_eq!(
        seen.header("kc-api-passphrase"),
        Some(kucoin::sign_passphrase(SECRET, PASSPHRASE).as_str())
    );
}

#[tokio::test]
async fn each_failed_check_gets_kucoins_own_error() {
    let fake = start().await;
    let path = "/api/v1/withdrawals/1";

    // More than 5 s from the server's clock, either way: 400002 with HTTP 400.
    for ts in [NOW - 5_001, NOW + 5_001] {
        let sent = signed_with(&fake, "DELETE", path, "", ts, PASSPHRASE).await;
        assert_eq!(sent.status, 400);
        assert_eq!(
            sent.json(),
            json!({"code": "400002", "msg": "Invalid KC-API-TIMESTAMP"})
        );
        assert!(matches!(
            fake.last_request().unwrap().verdict,
            Verdict::StaleTimestamp(_)
        ));
    }
    // Exactly 5 s off is still accepted.
    let sent = signed_with(&fake, "DELETE", path, "", NOW - 5_000, PASSPHRASE).await;
    assert_eq!(code(&sent.json()), "200000");

    let sent = signed_with(&fake, "DELETE", path, "", NOW, "not-the-passphrase").await;
    assert_eq!((sent.status, code(&sent.json())), (401, "400004"));

    let ts = NOW.to_string();
    let good_sign = hmac_b64(&format!("{ts}DELETE{path}"));
    let good_pass = hmac_b64(PASSPHRASE);
    let attempt = |key: &'static str, sign: String, version: &'static str| {
        let (ts, pass, url) = (ts.clone(), good_pass.clone(), fake.url(path));
        async move {
            let headers = [
                ("KC-API-KEY", key),
                ("KC-API-SIGN", sign.as_str()),
                ("KC-API-TIMESTAMP", ts.as_str()),
                ("KC-API-PASSPHRASE", pass.as_str()),
                ("KC-API-KEY-VERSION", version),
            ];
            send("DELETE", &url, &headers, Vec::new()).await
        }
    };
    let sent = attempt(
        KEY,
        hmac_b64(&format!("{ts}DELETE/api/v1/withdrawals/2")),
        "2",
    )
    .await;
    assert_eq!(
        (sent.status, sent.json()),
        (
            401,
            json!({"code": "400005", "msg": "Invalid KC-API-SIGN."})
        )
    );
    let sent = attempt("unknown-key", good_sign.clone(), "2").await;
    assert_eq!((sent.status, code(&sent.json())), (401, "400003"));
    let sent = attempt(KEY, good_sign.clone(), "7").await;
    assert_eq!(code(&sent.json()), "400009");
    // Key version 1 sends the passphrase itself: the signed one is then wrong.
    let sent = attempt(KEY, good_sign, "1").await;
    assert_eq!(code(&sent.json()), "400004");

    let sent = send(
        "DELETE",
        &fake.url(path),
        &[("KC-API-KEY", KEY)],
        Vec::new(),
    )
    .await;
    assert_eq!((sent.status, code(&sent.json())), (401, "400001"));
    let sent = signed(&fake, "PUT", path, "").await;
    assert_eq!((sent.status, code(&sent.json())), (404, "404000"));
    assert_eq!(
        fake.last_request().unwrap().verdict,
        Verdict::UnknownEndpoint
    );
}

#[tokio::test]
async fn scripted_replies_are_kept_per_endpoint() {
    let fake = start().await;
    fake.add_withdrawal(Withdrawal::new("w1", "USDT", "3"));
    fake.respond_once(Reply::RateLimited);
    fake.respond_once_on(
        WITHDRAWAL_BY_ID_ROUTE,
        Reply::error(DocumentedError::InternalError),
    );

    let sent = signed(&fake, "GET", "/api/v1/withdrawals/w1", "").await;
    assert_eq!((sent.status, code(&sent.json())), (500, "500000"));

    let sent = signed(&fake, "DELETE", "/api/v1/withdrawals/w1", "").await;
    assert_eq!(sent.status, 429);
    assert_eq!(
        sent.json(),
        json!({"code": "429000", "msg": "Too Many Requests"})
    );
    assert_eq!(sent.header("gw-ratelimit-reset"), Some("1000"));
    // The rate-limited cancel changed nothing; the next one is answered from the book.
    assert_eq!(by_id(&fake, "w1").await["status"], "PROCESSING");
    assert_eq!(code(&cancel(&fake, "w1").await), "200000");
}

#[tokio::test]
async fn a_cancelled_withdrawal_shows_cancelling_then_failure() {
    let fake = start().await;
    fake.add_withdrawal(
        Withdrawal::new("w1", "USDT", "3").with_script(CancelScript::CancelsAfter { polls: 2 }),
    );
    let before = by_id(&fake, "w1").await;
    assert_eq!(
        (&before["status"], &before["cancelType"]),
        (&json!("PROCESSING"), &json!("CANCELABLE"))
    );

    assert_eq!(
        cancel(&fake, "w1").await,
        json!({"code": "200000", "data": null})
    );
    let mut seen = Vec::new();
    for _ in 0..4 {
        let record = by_id(&fake, "w1").await;
        seen.push(format!("{}/{}", record["status"], record["cancelType"]));
    }
    assert_eq!(
        seen,
        [
            r#""PROCESSING"/"CANCELING""#,
            r#""PROCESSING"/"CANCELING""#,
            r#""FAILURE"/"NON_CANCELABLE""#,
            r#""FAILURE"/"NON_CANCELABLE""#,
        ]
    );
    assert_eq!(fake.withdrawal("w1").unwrap().state, State::Cancelled);
    assert_eq!(fake.status_polls("w1"), 5);

    // A second cancel is refused in KuCoin's words.
    let again = cancel(&fake, "w1").await;
    assert_eq!(
        again,
        json!({"code": "400100", "msg": "Only withdrawal requests with PROCESSING status can be canceled."})
    );
}

#[tokio::test]
async fn each_script_answers_as_its_table_says() {
    let fake = start().await;
    fake.add_withdrawal(
        Withdrawal::new("done", "USDT", "1").with_script(CancelScript::AlreadyCompleted),
    );
    fake.add_withdrawal(
        Withdrawal::new("wallet", "USDT", "1")
            .with_state(State::WalletProcessing)
            .with_script(CancelScript::NotCancellable),
    );
    fake.add_withdrawal(Withdrawal::new("ghost", "USDT", "1").with_script(CancelScript::Unknown));
    fake.add_withdrawal(
        Withdrawal::new("slow", "USDT", "1").with_script(CancelScript::StaysPending),
    );

    assert_eq!(code(&cancel(&fake, "done").await), "200000");
    assert_eq!(by_id(&fake, "done").await["status"], "SUCCESS");

    let refused = cancel(&fake, "wallet").await;
    assert_eq!(code(&refused), "400100");
    assert_eq!(by_id(&fake, "wallet").await["status"], "WALLET_PROCESSING");

    for id in ["ghost", "never-added"] {
        assert_eq!(
            cancel(&fake, id).await,
            json!({"code": "400100", "msg": "Parameter Error"})
        );
        assert_eq!(by_id(&fake, id).await, Value::Null);
    }

    assert_eq!(code(&cancel(&fake, "slow").await), "200000");
    for _ in 0..3 {
        assert_eq!(by_id(&fake, "slow").await["cancelType"], "CANCELING");
    }
}

#[tokio::test]
async fn history_filters_by_currency_and_status_and_needs_a_currency() {
    let fake = start().await;
    fake.add_withdrawal(Withdrawal::new("a", "USDT", "1"));
    fake.add_withdrawal(Withdrawal::new("b", "USDT", "2").with_state(State::Success));
    fake.add_withdrawal(Withdrawal::new("c", "BTC", "3"));
    fake.add_withdrawal(Withdrawal::new("d", "USDT", "4").with_state(State::Cancelled));
    fake.add_withdrawal(Withdrawal::new("e", "USDT", "5").with_state(State::Failure));

    let ids = |items: Vec<Value>| -> Vec<String> {
        items
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        ids(history(&fake, "currency=USDT").await),
        ["a", "b", "d", "e"]
    );
    assert_eq!(
        ids(history(&fake, "currency=USDT&status=SUCCESS").await),
        ["b"]
    );
    // Cancelled and failed withdrawals are both FAILURE: the history cannot tell them apart.
    assert_eq!(
        ids(history(&fake, "currency=USDT&status=FAILURE").await),
        ["d", "e"]
    );
    assert_eq!(fake.status_polls("d"), 2);

    let sent = signed(&fake, "GET", WITHDRAWAL_HISTORY_PATH, "").await;
    assert_eq!(
        (sent.status, sent.json()),
        (400, json!({"code": "400100", "msg": "Parameter Error"}))
    );
    let sent = signed(
        &fake,
        "GET",
        &format!("{WITHDRAWAL_HISTORY_PATH}?currency=USDT&status=CANCELLED"),
        "",
    )
    .await;
    assert_eq!(code(&sent.json()), "400100");
}

#[tokio::test]
async fn withdraw_v3_adds_a_processing_withdrawal_that_can_be_cancelled() {
    let fake = start().await;
    let body = r#"{"currency":"USDT","toAddress":"TKFRQXSDcY","amount":"3","withdrawType":"ADDRESS","chain":"trx"}"#;
    let v = signed(&fake, "POST", WITHDRAW_PATH, body).await.json();
    assert_eq!(code(&v), "200000", "{v}");
    let id = v["data"]["withdrawalId"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 24);
    let record = by_id(&fake, &id).await;
    assert_eq!(
        (
            &record["status"],
            &record["amount"],
            &record["chainId"],
            &record["address"]
        ),
        (
            &json!("PROCESSING"),
            &json!("3"),
            &json!("trx"),
            &json!("TKFRQXSDcY")
        )
    );
    assert_eq!(code(&cancel(&fake, &id).await), "200000");
    assert_eq!(by_id(&fake, &id).await["status"], "FAILURE");

    let missing = r#"{"currency":"USDT","amount":"3","withdrawType":"ADDRESS"}"#;
    let sent = signed(&fake, "POST", WITHDRAW_PATH, missing).await;
    assert_eq!((sent.status, code(&sent.json())), (400, "400100"));
}

#[tokio::test]
async fn debug_shows_keys_never_secrets() {
    let fake = start().await;
    let debug = format!("{fake:?}");
    assert!(debug.contains(KEY), "{debug}");
    assert!(
        !debug.contains(SECRET) && !debug.contains(PASSPHRASE),
        "{debug}"
    );
}
