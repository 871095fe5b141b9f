//! Hostile but correctly signed requests to the status endpoints never break a fake: each gets
//! the exchange's answer, and the fake keeps serving, whatever its clock says.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256, Sha512};
use xgen_fake_exchanges::{alphapoint, bybit, kraken, okx, CancelScript, Clock};

use crate::common::send;

const QUERIES: &[&str] = &[
    "",
    "limit=99999999999999999999999999",
    "limit=0&after=-1&before=18446744073709551615",
    "startTime=18446744073709551615&endTime=0",
    "startTime=0&endTime=18446744073709551615",
    "withdrawType=255&withdrawID=%ff%fe",
    "wdId=%zz&ccy",
    "&&&=&=",
    "state=-3&state=-2&type=3&type=4",
];

const BODIES: &[&str] = &[
    "{}",
    r#"{"limit":18446744073709551615}"#,
    r#"{"start":"99999999999999999999999","end":"0"}"#,
    r#"{"OMSId":18446744073709551615,"AccountId":0,"RequestCode":"\u0000"}"#,
    r#"{"OMSId":-1,"AccountId":1.5}"#,
    "[]",
    "not json",
];

const CLOCKS: &[Clock] = &[
    Clock::Fixed(0),
    Clock::Fixed(u64::MAX),
    Clock::Offset(i64::MIN),
];

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn okx_and_bybit_history_survive_signed_garbage() {
    let okx = okx::FakeOkx::start("k", "s", "p").await;
    okx.add_withdrawal(okx::Withdrawal::new("1", "BTC", "1"));
    let bybit = bybit::FakeBybit::start("k", bybit::Credential::Hmac("s".into())).await;
    bybit.add_withdrawal(bybit::Withdrawal::new("1", "USDT", "1"));
    for clock in CLOCKS {
        okx.set_clock(*clock);
        bybit.set_clock(*clock);
        for query in QUERIES {
            let ts = okx::timestamp(okx.now_ms().min(253_402_300_799_999));
            let pq = format!("{}?{query}", okx::WITHDRAWAL_HISTORY_PATH);
            let sign = okx::sign("s", &ts, "GET", &pq, b"");
            let h = [
                ("OK-ACCESS-KEY", "k"),
                ("OK-ACCESS-SIGN", sign.as_str()),
                ("OK-ACCESS-TIMESTAMP", ts.as_str()),
                ("OK-ACCESS-PASSPHRASE", "p"),
            ];
            let sent = send("GET", &okx.url(&pq), &h, Vec::new()).await;
            assert!([200, 400, 401].contains(&sent.status), "{query}: {sent:?}");
            sent.json();

            let ts = bybit.now_ms().to_string();
            let mut mac = Hmac::<Sha256>::new_from_slice(b"s").unwrap();
            mac.update(format!("{ts}k5000{query}").as_bytes());
            let sign = hex(&mac.finalize().into_bytes());
            let h = [
                ("X-BAPI-API-KEY", "k"),
                ("X-BAPI-TIMESTAMP", ts.as_str()),
                ("X-BAPI-SIGN", sign.as_str()),
                ("X-BAPI-RECV-WINDOW", "5000"),
            ];
            let url = bybit.url(&format!("{}?{query}", bybit::QUERY_RECORD_PATH));
            let sent = send("GET", &url, &h, Vec::new()).await;
            assert!([200, 401].contains(&sent.status), "{query}: {sent:?}");
            sent.json();
        }
    }
    // Still serving.
    okx.set_clock(Clock::System);
    assert_eq!(okx.withdrawals().len(), 1);
    assert!(okx.status_polls("1") > 0);
    assert!(bybit.status_polls("1") > 0);
}

#[tokio::test]
async fn kraken_and_alphapoint_status_survive_signed_garbage() {
    let secret = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
    let kraken = kraken::FakeKraken::start("k", secret).await;
    kraken.add_withdrawal(kraken::Withdrawal::new("R", "XBT", "1"));
    let ap = alphapoint::FakeAlphaPoint::start("k", "s", 1).await;
    ap.add_withdrawal(
        alphapoint::Withdrawal::new("G", 0, "BTC", "not a number")
            .with_script(CancelScript::StaysPending),
    );
    let mut nonce = 0u64;
    for clock in CLOCKS {
        kraken.set_clock(*clock);
        ap.set_clock(*clock);
        for body in BODIES {
            nonce += 1;
            let json_body = match body.strip_prefix('{') {
                Some(rest) if rest.len() > 1 => format!(r#"{{"nonce":{nonce},{rest}"#),
                Some(_) => format!(r#"{{"nonce":{nonce}}}"#),
                None => body.to_string(),
            };
            let inner = Sha256::digest(format!("{nonce}{json_body}").as_bytes());
            let mut mac = Hmac::<Sha512>::new_from_slice(&B64.decode(secret).unwrap()).unwrap();
            mac.update(kraken::WITHDRAW_STATUS_PATH.as_bytes());
            mac.update(&inner);
            let sign = B64.encode(mac.finalize().into_bytes());
            let h = [
                ("Content-Type", "application/json"),
                ("API-Key", "k"),
                ("API-Sign", sign.as_str()),
            ];
            let url = kraken.url(kraken::WITHDRAW_STATUS_PATH);
            let sent = send("POST", &url, &h, json_body.into_bytes()).await;
            assert_eq!(sent.status, 200, "{body}");
            sent.json();

            for path in [
                alphapoint::GET_WITHDRAW_TICKET_PATH,
                alphapoint::GET_WITHDRAWS_PATH,
                alphapoint::CANCEL_WITHDRAW_PATH,
            ] {
                nonce += 1;
                let n = nonce.to_string();
                let sign = alphapoint::sign("s", &n, "1", "k");
                let h = [
                    ("Content-Type", "application/json"),
                    ("Nonce", n.as_str()),
                    ("APIKey", "k"),
                    ("Signature", sign.as_str()),
                    ("UserId", "1"),
                ];
                let sent = send("POST", &ap.url(path), &h, body.as_bytes().to_vec()).await;
                assert_eq!(sent.status, 200, "{path} {body}");
                sent.json();
            }
        }
    }
    assert!(kraken.status_polls("R") > 0);
    // A non-numeric amount is sent as a string, never as broken JSON.
    ap.set_clock(Clock::Fixed(0));
    let n = "final";
    let sign = alphapoint::sign("s", n, "1", "k");
    let h = [
        ("Content-Type", "application/json"),
        ("Nonce", n),
        ("APIKey", "k"),
        ("Signature", sign.as_str()),
        ("UserId", "1"),
    ];
    let sent = send(
        "POST",
        &ap.url(alphapoint::GET_WITHDRAWS_PATH),
        &h,
        br#"{"OMSId":1,"AccountId":0}"#.to_vec(),
    )
    .await;
    assert_eq!(sent.json()[0]["amount"], "not a number");
}
