//! Malformed requests never break a fake: each gets the exchange's error (or a 404), and the
//! fake keeps serving afterwards, whatever its clock says.

use xgen_fake_exchanges::alphapoint::FakeAlphaPoint;
use xgen_fake_exchanges::bybit::{Credential, FakeBybit};
use xgen_fake_exchanges::kraken::FakeKraken;
use xgen_fake_exchanges::kraken_pay::FakeKrakenPay;
use xgen_fake_exchanges::okx::FakeOkx;
use xgen_fake_exchanges::{Clock, Exchange, Fake};

const B64_SECRET: &str = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";

/// Header names every fake looks at, to fill with hostile values.
const AUTH_HEADERS: &[&str] = &[
    "API-Key",
    "API-Sign",
    "OK-ACCESS-KEY",
    "OK-ACCESS-SIGN",
    "OK-ACCESS-TIMESTAMP",
    "OK-ACCESS-PASSPHRASE",
    "x-simulated-trading",
    "X-BAPI-API-KEY",
    "X-BAPI-TIMESTAMP",
    "X-BAPI-SIGN",
    "X-BAPI-RECV-WINDOW",
    "Nonce",
    "APIKey",
    "Signature",
    "UserId",
];

fn hostile_values(key: &str) -> Vec<Vec<u8>> {
    vec![
        key.as_bytes().to_vec(),
        b"".to_vec(),
        b"\xff\xfe\x80".to_vec(),
        b"18446744073709551616".to_vec(),
        b"99999999999999999999999999999".to_vec(),
        b"-1".to_vec(),
        b"9999-12-31T23:59:59.999Z".to_vec(),
        b"0000-00-00T00:00:00.000Z".to_vec(),
        "\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}"
            .as_bytes()
            .to_vec(),
        b"%%%%".to_vec(),
        vec![b'a'; 8192],
    ]
}

fn hostile_bodies() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("application/json", b"".to_vec()),
        ("application/json", b"\xff\xfe".to_vec()),
        ("application/json", b"{\"nonce\":".to_vec()),
        ("application/json", b"{\"nonce\":-1}".to_vec()),
        ("application/json", b"{\"nonce\":1e400}".to_vec()),
        (
            "application/json",
            b"{\"nonce\":\"99999999999999999999999\",\"external_id\":\"x\"}".to_vec(),
        ),
        (
            "application/json",
            b"[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]".to_vec(),
        ),
        (
            "application/x-www-form-urlencoded",
            b"nonce=%zz&asset".to_vec(),
        ),
        (
            "application/x-www-form-urlencoded",
            b"nonce=1&nonce=2".to_vec(),
        ),
        ("application/x-www-form-urlencoded", b"&&&=&=".to_vec()),
        ("text/plain", b"hello".to_vec()),
        ("", vec![0u8; 100_000]),
    ]
}

async fn hammer<E: Exchange>(fake: &Fake<E>, key: &str) {
    let http = crate::common::http();
    let mut sent = 0;
    for clock in [
        Clock::System,
        Clock::Fixed(0),
        Clock::Fixed(u64::MAX),
        Clock::Offset(i64::MIN),
    ] {
        fake.set_clock(clock);
        for value in hostile_values(key) {
            for (content_type, body) in hostile_bodies() {
                let mut req = http.post(fake.endpoint_url()).body(body);
                if !content_type.is_empty() {
                    req = req.header("Content-Type", content_type);
                }
                for name in AUTH_HEADERS {
                    let v = reqwest::header::HeaderValue::from_bytes(&value).unwrap();
                    req = req.header(*name, v);
                }
                let resp = req.send().await.expect("the fake answers");
                let status = resp.status().as_u16();
                assert!(
                    [200, 400, 401, 404].contains(&status),
                    "{status} for {:?}",
                    String::from_utf8_lossy(&value)
                );
                resp.bytes().await.expect("a complete body");
                sent += 1;
            }
        }
        // Other paths and methods.
        for (method, path) in [
            ("GET", fake.endpoint_path()),
            ("POST", "/"),
            ("DELETE", "/x?y=%"),
        ] {
            let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let url = format!("{}{}", fake.base_url(), path);
            let resp = http.request(method, url).send().await.unwrap();
            assert_eq!(resp.status().as_u16(), 404);
            sent += 1;
        }
    }
    let reqs = fake.requests();
    assert_eq!(reqs.len(), sent);
    assert!(reqs.iter().all(|r| !r.is_accepted()));
}

#[tokio::test]
async fn kraken_survives_garbage() {
    let fake = FakeKraken::start("k", B64_SECRET).await;
    hammer(&fake, "k").await;
}

#[tokio::test]
async fn kraken_pay_survives_garbage() {
    let fake = FakeKrakenPay::start("k", B64_SECRET).await;
    hammer(&fake, "k").await;
}

#[tokio::test]
async fn okx_survives_garbage() {
    let fake = FakeOkx::start("k", "s", "p").await;
    hammer(&fake, "k").await;
}

#[tokio::test]
async fn bybit_survives_garbage() {
    let fake = FakeBybit::start("k", Credential::Hmac("s".into())).await;
    let pem = include_str!("../data/bybit-test-rsa-public.pem");
    fake.add_key("r", Credential::rsa_public_key_pem(pem).unwrap());
    hammer(&fake, "k").await;
    fake.clear_requests();
    hammer(&fake, "r").await;
}

#[tokio::test]
async fn alphapoint_survives_garbage() {
    let fake = FakeAlphaPoint::start("k", "s", 1).await;
    hammer(&fake, "k").await;
}

#[tokio::test]
async fn start_errors_are_reported_not_panicked() {
    let err = FakeKraken::try_start("k", "***").await.unwrap_err();
    assert!(matches!(
        err,
        xgen_fake_exchanges::StartError::InvalidCredential(_)
    ));
    assert!(!err.to_string().contains("***"));
}
