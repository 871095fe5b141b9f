//! The fake APEX gateway's withdrawal book: CancelWithdraw consults it, GetWithdrawTicket and
//! GetWithdraws show each CancelScript's ticket status sequence, as integers or names. Driven by
//! a bare reqwest client with hand-made signatures.

use std::sync::atomic::{AtomicU64, Ordering};

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use xgen_fake_exchanges::alphapoint::{
    CancelScript, FakeAlphaPoint, Reply, StatusFormat, TicketStatus, Verdict, Withdrawal,
    CANCEL_WITHDRAW_PATH, GET_WITHDRAWS_PATH, GET_WITHDRAW_TICKET_PATH,
};
use xgen_fake_exchanges::Clock;

use crate::common::{post, Sent};

const KEY: &str = "28c68ac3fcfafc3d4e8d653fe57e5baf";
const SECRET: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
const USER: u64 = 96;
const ACCOUNT: u64 = 7;
/// 2020-12-08T09:08:57.715Z
const NOW: u64 = 1_607_418_537_715;
const OK: &str = r#"{"result":true,"errormsg":null,"errorcode":0,"detail":null}"#;

static NONCE: AtomicU64 = AtomicU64::new(1);

/// The test's own signature: lower-case hex HMAC-SHA256(secret, nonce + user + key).
fn ap_sign(secret: &str, nonce: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{nonce}{USER}{KEY}").as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn call_with(fake: &FakeAlphaPoint, secret: &str, path: &str, body: String) -> Sent {
    let nonce = NONCE.fetch_add(1, Ordering::Relaxed).to_string();
    let sign = ap_sign(secret, &nonce);
    let user = USER.to_string();
    post(
        &fake.url(path),
        &[
            ("Content-Type", "application/json"),
            ("Nonce", &nonce),
            ("APIKey", KEY),
            ("Signature", &sign),
            ("UserId", &user),
        ],
        body,
    )
    .await
}

async fn call(fake: &FakeAlphaPoint, path: &str, body: String) -> Sent {
    let sent = call_with(fake, SECRET, path, body).await;
    assert_eq!(sent.status, 200, "{:?}", sent.body);
    sent
}

async fn cancel(fake: &FakeAlphaPoint, code: &str) -> Value {
    let body =
        format!(r#"{{"OMSId":1,"UserId":{USER},"AccountId":{ACCOUNT},"RequestCode":"{code}"}}"#);
    call(fake, CANCEL_WITHDRAW_PATH, body).await.json()
}

async fn ticket(fake: &FakeAlphaPoint, code: &str) -> Value {
    let body = format!(r#"{{"OMSId":1,"AccountId":{ACCOUNT},"RequestCode":"{code}"}}"#);
    call(fake, GET_WITHDRAW_TICKET_PATH, body).await.json()
}

async fn withdraws(fake: &FakeAlphaPoint) -> Vec<Value> {
    let body = format!(r#"{{"OMSId":1,"AccountId":{ACCOUNT}}}"#);
    let v = call(fake, GET_WITHDRAWS_PATH, body).await.json();
    v.as_array().expect("an array").clone()
}

async fn started() -> FakeAlphaPoint {
    FakeAlphaPoint::start(KEY, SECRET, USER)
        .await
        .with_clock(Clock::Fixed(NOW))
}

fn btc(code: &str, script: CancelScript) -> Withdrawal {
    Withdrawal {
        external_address: "bc1qexampleaddress".into(),
        user_id: USER,
        user_name: "trader".into(),
        ..Withdrawal::new(code, ACCOUNT, "BTC", "0.5").with_script(script)
    }
}

fn ack(result: bool, errormsg: &str, errorcode: i64, detail: &str) -> Value {
    json!({"result": result, "errormsg": errormsg, "errorcode": errorcode, "detail": detail})
}

#[tokio::test]
async fn cancels_after_n_polls_goes_to_user_canceled() {
    let fake = started().await;
    let code = "866f6a6c-2d4e-4a3b-9c1d-0e7f5a3b2c1d";
    fake.add_withdrawal(btc(code, CancelScript::CancelsAfter { polls: 1 }));

    let sent = call(
        &fake,
        GET_WITHDRAW_TICKET_PATH,
        format!(r#"{{"OMSId":1,"AccountId":7,"RequestCode":"{code}"}}"#),
    )
    .await;
    assert_eq!(
        sent.text(),
        r#"{"assetManagerId":1,"accountId":7,"assetId":1,"assetName":"BTC","amount":0.5,"templateForm":"{\"ExternalAddress\":\"bc1qexampleaddress\"}","templateFormType":"ToExternalBitcoinAddress","omsId":1,"requestCode":"866f6a6c-2d4e-4a3b-9c1d-0e7f5a3b2c1d","requestIP":"127.0.0.1","requestUserId":96,"requestUserName":"trader","operatorId":1,"Status":0,"feeAmt":0,"updatedByUser":96,"updatedByUserName":"trader","ticketNumber":1,"createdTimestamp":"2020-12-08T09:08:57.715Z","lastUpdateTimestamp":"2020-12-08T09:08:57.715Z","Comments":"[]","Attachments":"[]","AuditLog":"[]"}"#
    );

    assert_eq!(
        call(
            &fake,
            CANCEL_WITHDRAW_PATH,
            format!(r#"{{"OMSId":1,"UserId":96,"AccountId":7,"RequestCode":"{code}"}}"#)
        )
        .await
        .text(),
        OK
    );
    assert_eq!(
        ticket(&fake, code).await["Status"],
        0,
        "no cancelling status"
    );
    fake.set_clock(Clock::Fixed(NOW + 1000));
    let t = ticket(&fake, code).await;
    assert_eq!(t["Status"], 11);
    assert_eq!(t["lastUpdateTimestamp"], "2020-12-08T09:08:58.715Z");
    assert_eq!(fake.status_polls(code), 3);
    assert_eq!(
        fake.withdrawal(code).unwrap().status,
        TicketStatus::UserCanceled
    );

    // Names instead of integers.
    fake.set_status_format(StatusFormat::Name);
    assert_eq!(ticket(&fake, code).await["Status"], "UserCanceled");
    let items = withdraws(&fake).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["TicketStatus"], "UserCanceled");
    assert_eq!(items[0]["withdrawCode"], code);
    assert_eq!(fake.status_polls(code), 5);

    // Cancelling again: Operation Failed.
    assert_eq!(
        cancel(&fake, code).await,
        ack(
            false,
            "Operation Failed",
            101,
            "Withdraw Ticket is already canceled"
        )
    );
}

#[tokio::test]
async fn get_withdraws_lists_the_accounts_tickets() {
    let fake = started().await;
    fake.add_withdrawal(Withdrawal {
        tx_id: "txhash".into(),
        ..btc("a", CancelScript::default()).with_status(TicketStatus::FullyProcessed)
    });
    fake.add_withdrawal(btc("b", CancelScript::default()));
    fake.add_withdrawal(Withdrawal::new("other-account", 8, "BTC", "1"));

    let body = format!(r#"{{"OMSId":1,"AccountId":{ACCOUNT}}}"#);
    let sent = call(&fake, GET_WITHDRAWS_PATH, body).await;
    let first = r#"{"withdrawId":1,"accountId":7,"omsId":1,"assetId":1,"assetName":"BTC","amount":0.5,"notionalValue":0.5,"notionalProductId":1,"feeAmt":0,"templateForm":"{\"ExternalAddress\":\"bc1qexampleaddress\"}","templateFormType":"ToExternalBitcoinAddress","TicketStatus":5,"withdrawCode":"a","WithdrawTransactionDetails":"{\"TxId\":\"txhash\",\"ExternalAddress\":\"bc1qexampleaddress\",\"Amount\":0.5,\"Confirmed\":true,\"LastUpdated\":\"2020-12-08T09:08:57.715Z\",\"TimeSubmitted\":\"2020-12-08T09:08:57.715Z\"}","AssetType":"CryptoCurrency","createdTimestamp":"2020-12-08T09:08:57.715Z","lastUpdateTimestamp":"2020-12-08T09:08:57.715Z"}"#;
    assert!(
        sent.text().starts_with(&format!("[{first},")),
        "{}",
        sent.text()
    );
    let items = sent.json();
    let codes: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["withdrawCode"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["a", "b"]);
    assert_eq!(fake.status_polls("a"), 1);
    assert_eq!(fake.status_polls("other-account"), 0);

    // Names round-trip with codes.
    for (n, status) in TicketStatus::ALL.iter().enumerate() {
        assert_eq!(usize::from(status.code()), n);
        assert_eq!(TicketStatus::from_code(status.code()), Some(*status));
    }
    assert_eq!(TicketStatus::UserCanceled.code(), 11);
    assert_eq!(TicketStatus::from_code(23), None);
}

#[tokio::test]
async fn every_script_has_its_sequence() {
    let fake = started().await.with_status_format(StatusFormat::Name);
    fake.add_withdrawal(btc("done", CancelScript::AlreadyCompleted));
    fake.add_withdrawal(
        btc("deny", CancelScript::NotCancellable).with_status(TicketStatus::SystemProcessing),
    );
    fake.add_withdrawal(
        btc("stuck", CancelScript::StaysPending).with_status(TicketStatus::Pending),
    );
    fake.add_withdrawal(btc("ghost", CancelScript::Unknown));

    assert_eq!(
        cancel(&fake, "done").await,
        json!({"result": true, "errormsg": null, "errorcode": 0, "detail": null})
    );
    assert_eq!(ticket(&fake, "done").await["Status"], "FullyProcessed");

    assert_eq!(
        cancel(&fake, "deny").await,
        ack(
            false,
            "Operation Failed",
            101,
            "Withdraw Ticket cannot be canceled in status SystemProcessing"
        )
    );
    assert_eq!(ticket(&fake, "deny").await["Status"], "SystemProcessing");

    assert_eq!(cancel(&fake, "stuck").await["errorcode"], 0);
    for _ in 0..5 {
        assert_eq!(ticket(&fake, "stuck").await["Status"], "Pending");
    }

    let not_found = "Withdraw Ticket not found for OmsId, AccountId, RequestCode";
    assert_eq!(
        cancel(&fake, "ghost").await,
        ack(true, "Operation Failed", 101, not_found),
        "the docs' own sample reply"
    );
    assert_eq!(
        ticket(&fake, "ghost").await,
        ack(false, "Resource Not Found", 104, not_found)
    );
    let listed: Vec<Value> = withdraws(&fake)
        .await
        .into_iter()
        .filter(|i| i["withdrawCode"] == "ghost")
        .collect();
    assert!(listed.is_empty());
    assert_eq!(fake.status_polls("ghost"), 2);
}

#[tokio::test]
async fn unknown_tickets_auth_and_rate_limits() {
    let fake = started().await;
    // Empty book: acknowledged, as before.
    assert_eq!(cancel(&fake, "anything").await["errorcode"], 0);

    fake.add_withdrawal(btc("known", CancelScript::CancelsAfter { polls: 0 }));
    let not_found = "Withdraw Ticket not found for OmsId, AccountId, RequestCode";
    assert_eq!(
        cancel(&fake, "anything").await,
        ack(true, "Operation Failed", 101, not_found)
    );
    assert_eq!(
        ticket(&fake, "anything").await,
        ack(false, "Resource Not Found", 104, not_found)
    );
    assert_eq!(fake.status_polls("anything"), 1);
    // The account must match.
    let body = r#"{"OMSId":1,"UserId":96,"AccountId":8,"RequestCode":"known"}"#;
    assert_eq!(
        call(&fake, CANCEL_WITHDRAW_PATH, body.into()).await.json()["errorcode"],
        101
    );

    // Status calls are authenticated like the cancel.
    let body = format!(r#"{{"OMSId":1,"AccountId":{ACCOUNT},"RequestCode":"known"}}"#);
    let v = call_with(&fake, "wrong-secret", GET_WITHDRAW_TICKET_PATH, body)
        .await
        .json();
    assert_eq!(
        v,
        json!({"result": false, "errormsg": "Not Authorized", "errorcode": 20, "detail": null})
    );
    assert_eq!(
        fake.last_request().unwrap().verdict,
        Verdict::InvalidSignature
    );
    assert_eq!(fake.status_polls("known"), 0);
    // Bad bodies: Invalid Request.
    for (path, body) in [
        (GET_WITHDRAW_TICKET_PATH, r#"{"OMSId":1,"AccountId":7}"#),
        (GET_WITHDRAWS_PATH, r#"{"OMSId":1}"#),
        (GET_WITHDRAWS_PATH, r#"{"OMSId":1,"AccountId":"7"}"#),
    ] {
        let v = call(&fake, path, body.into()).await.json();
        assert_eq!(v["errorcode"], 100, "{path} {body}");
    }

    assert_eq!(cancel(&fake, "known").await["errorcode"], 0);
    // One rate-limited poll (APEX documents none: a plain 429), then the ticket.
    fake.respond_once_on(GET_WITHDRAW_TICKET_PATH, Reply::RateLimited);
    let body = format!(r#"{{"OMSId":1,"AccountId":{ACCOUNT},"RequestCode":"known"}}"#);
    let sent = call_with(&fake, SECRET, GET_WITHDRAW_TICKET_PATH, body).await;
    assert_eq!((sent.status, sent.text()), (429, "Too Many Requests"));
    assert_eq!(ticket(&fake, "known").await["Status"], 11);
    assert_eq!(fake.status_polls("known"), 2);

    assert!(fake.set_withdrawal_state("known", TicketStatus::AmlProcessing));
    assert_eq!(ticket(&fake, "known").await["Status"], 13);
}
