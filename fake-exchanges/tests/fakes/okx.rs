//! The fake OKX endpoint, driven by a bare reqwest client with hand-made signatures.

use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;
use xgen_fake_exchanges::okx::{
    self, DocumentedError, Environment, FakeOkx, Reply, Verdict, CANCEL_WITHDRAWAL_PATH,
};
use xgen_fake_exchanges::Clock;

use crate::common::{check_drop_stops, check_transport_replies, post, Sent};

const KEY: &str = "37c541a1-0000-4000-8000-10fe7a038418";
const SECRET: &str = "22582BD0CFF14C41EDBF1AB98506286D";
const PASSPHRASE: &str = "Test-Passphrase-1";
/// 2020-12-08T09:08:57.715Z
const NOW: u64 = 1_607_418_537_715;
const TS: &str = "2020-12-08T09:08:57.715Z";
const BODY: &str = r#"{"wdId":"1123456"}"#;
const OK: &str = r#"{"code":"0","msg":"","data":[{"wdId":"1123456"}]}"#;

/// The test's own OK-ACCESS-SIGN.
fn ok_sign(secret: &str, ts: &str, path: &str, body: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}POST{path}{body}").as_bytes());
    B64.encode(mac.finalize().into_bytes())
}

struct Call<'a> {
    key: &'a str,
    secret: &'a str,
    passphrase: &'a str,
    ts: &'a str,
    body: &'a str,
    simulated: Option<&'a str>,
    drop_header: Option<&'a str>,
}

impl Default for Call<'_> {
    fn default() -> Self {
        Call {
            key: KEY,
            secret: SECRET,
            passphrase: PASSPHRASE,
            ts: TS,
            body: BODY,
            simulated: None,
            drop_header: None,
        }
    }
}

async fn send(fake: &FakeOkx, c: Call<'_>) -> Sent {
    let sign = ok_sign(c.secret, c.ts, CANCEL_WITHDRAWAL_PATH, c.body);
    let mut headers = vec![
        ("Content-Type", "application/json"),
        ("OK-ACCESS-KEY", c.key),
        ("OK-ACCESS-SIGN", sign.as_str()),
        ("OK-ACCESS-TIMESTAMP", c.ts),
        ("OK-ACCESS-PASSPHRASE", c.passphrase),
    ];
    if let Some(flag) = c.simulated {
        headers.push(("x-simulated-trading", flag));
    }
    headers.retain(|(n, _)| Some(*n) != c.drop_header);
    post(&fake.endpoint_url(), &headers, c.body).await
}

async fn call(fake: &FakeOkx) -> Sent {
    send(fake, Call::default()).await
}

async fn started() -> FakeOkx {
    FakeOkx::start(KEY, SECRET, PASSPHRASE)
        .await
        .with_clock(Clock::Fixed(NOW))
}

fn okx_error(code: &str) -> (String, String) {
    let e = DocumentedError::ALL
        .iter()
        .find(|e| e.code() == code)
        .unwrap();
    (e.code().to_owned(), e.message().to_owned())
}

fn assert_error(sent: &Sent, status: u16, code: &str) {
    let (code, msg) = okx_error(code);
    assert_eq!(sent.status, status, "{:?}", sent.body);
    assert_eq!(sent.json(), json!({"code": code, "msg": msg, "data": []}));
}

#[tokio::test]
async fn accepts_a_valid_request_and_echoes_wd_id() {
    let fake = started().await;
    let sent = call(&fake).await;
    assert_eq!((sent.status, sent.text()), (200, OK));
    // Demo flag "0" is live.
    let sent = send(
        &fake,
        Call {
            simulated: Some("0"),
            ..Call::default()
        },
    )
    .await;
    assert_eq!(sent.text(), OK);
    let req = fake.last_request().unwrap();
    assert_eq!(req.verdict, Verdict::Accepted);
    assert_eq!(req.header("x-simulated-trading"), Some("0"));
    assert_eq!(req.header("ok-access-passphrase"), Some(PASSPHRASE));
    assert!(!format!("{req:?}").contains(PASSPHRASE));
    assert!(!format!("{fake:?}").contains(SECRET));
}

#[tokio::test]
async fn rejects_bad_signature_key_and_passphrase() {
    let fake = started().await;
    let sent = send(
        &fake,
        Call {
            secret: "wrong",
            ..Call::default()
        },
    )
    .await;
    assert_error(&sent, 401, "50113");
    assert_eq!(
        fake.last_request().unwrap().verdict,
        Verdict::InvalidSignature
    );

    let sent = send(
        &fake,
        Call {
            key: "unknown",
            ..Call::default()
        },
    )
    .await;
    assert_error(&sent, 401, "50111");

    let sent = send(
        &fake,
        Call {
            passphrase: "wrong",
            ..Call::default()
        },
    )
    .await;
    assert_error(&sent, 401, "50105");
    assert_eq!(
        fake.last_request().unwrap().verdict,
        Verdict::WrongPassphrase
    );
}

#[tokio::test]
async fn missing_headers_have_their_own_codes() {
    let fake = started().await;
    for (header, code) in [
        ("OK-ACCESS-KEY", "50103"),
        ("OK-ACCESS-PASSPHRASE", "50104"),
        ("OK-ACCESS-SIGN", "50106"),
        ("OK-ACCESS-TIMESTAMP", "50107"),
    ] {
        let sent = send(
            &fake,
            Call {
                drop_header: Some(header),
                ..Call::default()
            },
        )
        .await;
        assert_error(&sent, 401, code);
        assert_eq!(
            fake.last_request().unwrap().verdict,
            Verdict::MissingHeader(header.to_ascii_lowercase())
        );
    }
}

#[tokio::test]
async fn stale_and_malformed_timestamps() {
    let fake = started().await;
    // 31 s behind and ahead of the fake's clock: expired; 29 s: fine.
    for (offset, ok) in [
        (-31_000i64, false),
        (31_000, false),
        (-29_000, true),
        (29_000, true),
    ] {
        let ts = okx::timestamp((NOW as i64 + offset) as u64);
        let sent = send(
            &fake,
            Call {
                ts: &ts,
                ..Call::default()
            },
        )
        .await;
        if ok {
            assert_eq!(sent.text(), OK, "{offset}");
        } else {
            assert_error(&sent, 401, "50102");
            assert!(matches!(
                fake.last_request().unwrap().verdict,
                Verdict::StaleTimestamp(_)
            ));
        }
    }
    // A skewed clock instead of a fixed one: the system clock is far from 2020.
    fake.set_clock(Clock::Offset(0));
    assert_error(&call(&fake).await, 401, "50102");
    fake.set_clock(Clock::Fixed(NOW + 60_000));
    fake.set_timestamp_window(Duration::from_secs(120));
    assert_eq!(call(&fake).await.text(), OK);
    fake.set_clock(Clock::Fixed(NOW));

    for ts in [
        "1607418537715",
        "2020-12-08T09:08:57Z",
        "2020-12-08T09:08:57.715+00:00",
    ] {
        let sent = send(
            &fake,
            Call {
                ts,
                ..Call::default()
            },
        )
        .await;
        assert_error(&sent, 401, "50112");
    }
}

#[tokio::test]
async fn live_and_demo_keys_must_match_the_environment() {
    let fake = started().await;
    fake.add_key("demo-key", "demo-secret", "demo-pass", Environment::Demo);
    let sent = send(
        &fake,
        Call {
            simulated: Some("1"),
            ..Call::default()
        },
    )
    .await;
    assert_error(&sent, 401, "50101");
    assert_eq!(
        fake.last_request().unwrap().verdict,
        Verdict::WrongEnvironment
    );
    let demo = Call {
        key: "demo-key",
        secret: "demo-secret",
        passphrase: "demo-pass",
        ..Call::default()
    };
    assert_error(&send(&fake, demo).await, 401, "50101");
    let demo = Call {
        key: "demo-key",
        secret: "demo-secret",
        passphrase: "demo-pass",
        simulated: Some("1"),
        ..Call::default()
    };
    assert_eq!(send(&fake, demo).await.text(), OK);
}

#[tokio::test]
async fn rejects_bad_bodies() {
    let fake = started().await;
    for (body, status, code) in [
        (r#"{}"#, 400, "50014"),
        (r#"{"wdId":""}"#, 400, "50014"),
        (r#"{"wdId":1123456}"#, 400, "50014"),
        ("wdId=1", 400, "50006"),
        ("[]", 400, "50006"),
    ] {
        let sent = send(
            &fake,
            Call {
                body,
                ..Call::default()
            },
        )
        .await;
        assert_error(&sent, status, code);
        assert!(matches!(
            fake.last_request().unwrap().verdict,
            Verdict::InvalidArguments(_)
        ));
    }
    let sent = post(
        &format!("{}/api/v5/asset/withdrawal", fake.base_url()),
        &[],
        "",
    )
    .await;
    assert_eq!((sent.status, sent.text()), (404, "Not Found"));
}

#[tokio::test]
async fn plays_documented_errors_and_rate_limits() {
    let fake = started().await;
    for error in DocumentedError::ALL {
        fake.respond_with(Reply::error(*error));
        let sent = call(&fake).await;
        assert_error(&sent, error.http_status(), error.code());
    }
    assert_eq!(DocumentedError::WithdrawalIdDoesNotExist.code(), "58215");
    assert_eq!(DocumentedError::InvalidSign.http_status(), 401);

    fake.respond_with(Reply::RateLimited);
    assert_error(&call(&fake).await, 429, "50011");
    fake.respond_with(Reply::code(200, "58999", "custom"));
    assert_eq!(
        call(&fake).await.text(),
        r#"{"code":"58999","msg":"custom","data":[]}"#
    );
    fake.respond_with(Reply::Exchange(okx::Answer::Data(
        r#"[{"wdId":"9"}]"#.into(),
    )));
    assert_eq!(
        call(&fake).await.text(),
        r#"{"code":"0","msg":"","data":[{"wdId":"9"}]}"#
    );
}

#[tokio::test]
async fn plays_transport_replies() {
    let fake = started().await;
    check_transport_replies(&fake, async || call(&fake).await, OK).await;
    check_drop_stops(fake).await;
}
