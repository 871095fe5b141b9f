//! End-to-end tests of the generated OKX client (`xgen_clients::okx`) against the fake OKX of
//! `xgen-fake-exchanges`, which runs on 127.0.0.1 and checks keys, passphrases, timestamps and
//! signatures with its own code.

use std::sync::Arc;

use crate::support;
use xgen_clients::okx::{CancelWithdrawalAccepted, CancelWithdrawalRequest, Client};
use xgen_fake_exchanges::okx::{
    self as fake_okx, Clock, DocumentedError, Environment, FakeOkx, Reply, Verdict,
    CANCEL_WITHDRAWAL_PATH,
};
use xgen_runtime::okx::{OkxCredentials, OkxError, OkxErrorKind, OkxSigner};
use xgen_runtime::{Error, FixedTimestamp};

const API_KEY: &str = "okx-e2e-key-37c541a1";
const SECRET: &str = "OKXE2ESECRET22582BD0CFF14C41EDBF";
const PASSPHRASE: &str = "Okx-E2E-Passphrase-7";
const DEMO_KEY: &str = "okx-e2e-demo-key";
const DEMO_SECRET: &str = "OKXE2EDEMOSECRET0123456789ABCDEF";
const DEMO_PASSPHRASE: &str = "Okx-E2E-Demo-Pass-9";
const WD_ID: &str = "1123456";
/// 2020-12-08T09:08:57.715Z, the OKX docs' example time.
const DOC_TIME: u64 = 1_607_418_537_715;

fn cancel_request() -> CancelWithdrawalRequest {
    CancelWithdrawalRequest {
        wd_id: WD_ID.into(),
    }
}

fn signer(key: &str, secret: &str, passphrase: &str) -> OkxSigner {
    OkxSigner::new(OkxCredentials::new(key, secret, passphrase).expect("valid credentials"))
}

fn client_with(fake: &FakeOkx, signer: OkxSigner) -> Client {
    Client::with_base_url(signer, &fake.base_url()).expect("client builds")
}

fn client(fake: &FakeOkx) -> Client {
    client_with(fake, signer(API_KEY, SECRET, PASSPHRASE))
}

async fn start() -> FakeOkx {
    FakeOkx::start(API_KEY, SECRET, PASSPHRASE).await
}

/// The OKX error of an `Error::Okx`, or a panic naming what came instead.
fn okx_error(result: Result<Vec<CancelWithdrawalAccepted>, Error>) -> OkxError {
    match result {
        Err(Error::Okx(e)) => e,
        other => panic!("expected Error::Okx, got {other:?}"),
    }
}

fn assert_json_content_type(value: Option<&str>) {
    let value = value.expect("Content-Type sent");
    assert_eq!(
        value.split(';').next().unwrap().trim(),
        "application/json",
        "{value}"
    );
}

#[tokio::test]
async fn cancel_withdrawal_succeeds_with_a_valid_signature() {
    let fake = start().await;
    let client = client(&fake);

    let accepted = client
        .cancel_withdrawal(&cancel_request())
        .await
        .expect("cancel succeeds");
    assert_eq!(
        accepted,
        vec![CancelWithdrawalAccepted {
            wd_id: WD_ID.into()
        }]
    );

    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    let req = &reqs[0];
    assert_eq!(req.verdict, Verdict::Accepted);
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, CANCEL_WITHDRAWAL_PATH);
    assert_eq!(req.query, None);
    assert_eq!(req.body_text(), r#"{"wdId":"1123456"}"#);
    assert_json_content_type(req.header("content-type"));
    assert_eq!(req.header("ok-access-key"), Some(API_KEY));
    assert_eq!(req.header("ok-access-passphrase"), Some(PASSPHRASE));
    assert_eq!(req.header("x-simulated-trading"), None, "live by default");

    // The timestamp is OKX's ISO form, close to now, and the signature is what OKX computes over
    // it and the exact bytes sent.
    let ts = req.header("ok-access-timestamp").expect("timestamp sent");
    let ts_ms = fake_okx::parse_timestamp(ts).expect("ISO-8601 with milliseconds and Z");
    assert!(ts_ms.abs_diff(req.received_at_ms) < 30_000, "{ts}");
    let expected = fake_okx::sign(SECRET, ts, "POST", CANCEL_WITHDRAWAL_PATH, &req.body);
    assert_eq!(req.header("ok-access-sign"), Some(expected.as_str()));
}

#[tokio::test]
async fn a_fixed_timestamp_gives_the_documented_header_and_signature() {
    let fake = start().await.with_clock(Clock::Fixed(DOC_TIME));
    let signer = signer(API_KEY, SECRET, PASSPHRASE)
        .with_timestamp_source(Arc::new(FixedTimestamp::new(DOC_TIME)));
    let client = client_with(&fake, signer);

    let accepted = client
        .cancel_withdrawal(&cancel_request())
        .await
        .expect("a timestamp equal to the server's clock is accepted");
    assert_eq!(accepted[0].wd_id, WD_ID);

    let req = fake.last_request().unwrap();
    assert_eq!(req.verdict, Verdict::Accepted);
    assert_eq!(
        req.header("ok-access-timestamp"),
        Some("2020-12-08T09:08:57.715Z")
    );
    let expected = fake_okx::sign(
        SECRET,
        "2020-12-08T09:08:57.715Z",
        "POST",
        CANCEL_WITHDRAWAL_PATH,
        br#"{"wdId":"1123456"}"#,
    );
    assert_eq!(req.header("ok-access-sign"), Some(expected.as_str()));
}

#[tokio::test]
async fn every_documented_error_is_typed_and_keeps_code_message_and_status() {
    let fake = start().await;
    let client = client(&fake);
    assert!(!DocumentedError::ALL.is_empty());

    for &documented in DocumentedError::ALL {
        fake.respond_with(Reply::error(documented));
        let result = client.cancel_withdrawal(&cancel_request()).await;
        let err = match result {
            Err(Error::Okx(e)) => e,
            other => panic!("{documented:?}: expected Error::Okx, got {other:?}"),
        };
        let code = documented.code();
        assert_eq!(err.code, code, "{documented:?}");
        assert_eq!(err.message, documented.message(), "{documented:?}");
        assert_eq!(err.status, documented.http_status(), "{documented:?}");
        assert_eq!(err.kind, OkxErrorKind::from_code(code), "{documented:?}");
        assert_ne!(
            err.kind,
            OkxErrorKind::Other,
            "{documented:?}: documented code {code} has no kind"
        );
        assert_eq!(err.kind.code(), Some(code), "{documented:?}");
        assert!(err.body_excerpt.contains(code), "{documented:?}: {err:?}");
        assert_eq!(
            Error::Okx(err).status(),
            Some(documented.http_status()),
            "{documented:?}"
        );
        assert_eq!(
            fake.last_request().unwrap().verdict,
            Verdict::Accepted,
            "{documented:?}: the request itself was fine"
        );
    }
}

#[tokio::test]
async fn code_50006_invalid_media_type_has_its_own_kind() {
    // The reference: "Content-Type: application/json: bodies must be valid JSON; error 50006
    // otherwise". The fake answers it for a non-JSON body, so it is a code callers meet.
    let fake = start().await;
    fake.respond_with(Reply::error(DocumentedError::InvalidMediaType));
    let err = okx_error(client(&fake).cancel_withdrawal(&cancel_request()).await);
    assert_eq!((err.code.as_str(), err.status), ("50006", 400));
    assert_eq!(err.message, "Invalid media type.");
    assert_ne!(
        err.kind,
        OkxErrorKind::Other,
        "50006 is documented but comes back as Other"
    );
    assert_eq!(err.kind.code(), Some("50006"));
}

#[tokio::test]
async fn an_undocumented_code_is_other_but_kept() {
    let fake = start().await;
    fake.respond_with(Reply::code(200, "59999", "Something OKX added later"));
    let err = okx_error(client(&fake).cancel_withdrawal(&cancel_request()).await);
    assert_eq!(err.kind, OkxErrorKind::Other);
    assert_eq!(err.code, "59999");
    assert_eq!(err.message, "Something OKX added later");
    assert_eq!(err.status, 200);
}

#[tokio::test]
async fn wrong_secret_is_a_typed_invalid_signature() {
    let fake = start().await;
    let client = client_with(
        &fake,
        signer(API_KEY, "NOT-THE-SECRET-0123456789", PASSPHRASE),
    );
    let err = okx_error(client.cancel_withdrawal(&cancel_request()).await);
    assert_eq!(err.kind, OkxErrorKind::InvalidSignature);
    assert_eq!(err.code, "50113");
    assert_eq!(err.status, 401);
    assert_eq!(err.message, DocumentedError::InvalidSign.message());
    assert_eq!(
        fake.last_request().unwrap().verdict,
        Verdict::InvalidSignature
    );
}

#[tokio::test]
async fn wrong_key_is_a_typed_invalid_key() {
    let fake = start().await;
    let client = client_with(&fake, signer("someone-elses-key", SECRET, PASSPHRASE));
    let err = okx_error(client.cancel_withdrawal(&cancel_request()).await);
    assert_eq!(err.kind, OkxErrorKind::InvalidApiKey);
    assert_eq!(err.code, "50111");
    assert_eq!(err.status, 401);
    assert_eq!(fake.last_request().unwrap().verdict, Verdict::InvalidKey);
}

#[tokio::test]
async fn wrong_passphrase_is_a_typed_incorrect_passphrase() {
    let fake = start().await;
    let client = client_with(&fake, signer(API_KEY, SECRET, "Not-The-Passphrase"));
    let err = okx_error(client.cancel_withdrawal(&cancel_request()).await);
    assert_eq!(err.kind, OkxErrorKind::IncorrectPassphrase);
    assert_eq!(err.code, "50105");
    assert_eq!(err.status, 401);
    assert_eq!(
        fake.last_request().unwrap().verdict,
        Verdict::WrongPassphrase
    );
}

#[tokio::test]
async fn a_timestamp_far_in_the_past_is_a_typed_timestamp_expired() {
    let fake = start().await;
    let signer = signer(API_KEY, SECRET, PASSPHRASE)
        .with_timestamp_source(Arc::new(FixedTimestamp::new(DOC_TIME)));
    let err = okx_error(
        client_with(&fake, signer)
            .cancel_withdrawal(&cancel_request())
            .await,
    );
    assert_eq!(err.kind, OkxErrorKind::TimestampExpired);
    assert_eq!(err.code, "50102");
    assert_eq!(err.status, 401);
    let req = fake.last_request().unwrap();
    assert_eq!(
        req.header("ok-access-timestamp"),
        Some("2020-12-08T09:08:57.715Z")
    );
    assert!(
        matches!(req.verdict, Verdict::StaleTimestamp(_)),
        "{:?}",
        req.verdict
    );
}

#[tokio::test]
async fn a_server_clock_ahead_or_behind_is_a_typed_timestamp_expired() {
    let fake = start().await;
    let client = client(&fake);
    // The fake's clock a minute ahead (the client's time looks old), then a minute behind.
    for offset in [60_000, -60_000] {
        fake.set_clock(Clock::Offset(offset));
        let err = okx_error(client.cancel_withdrawal(&cancel_request()).await);
        assert_eq!(err.kind, OkxErrorKind::TimestampExpired, "offset {offset}");
        assert_eq!(err.status, 401, "offset {offset}");
        assert!(
            matches!(
                fake.last_request().unwrap().verdict,
                Verdict::StaleTimestamp(_)
            ),
            "offset {offset}"
        );
    }
    // Back in step: accepted again.
    fake.set_clock(Clock::System);
    client
        .cancel_withdrawal(&cancel_request())
        .await
        .expect("clocks in step");
}

#[tokio::test]
async fn demo_trading_sends_the_simulated_trading_header() {
    let fake = start().await;
    fake.add_key(DEMO_KEY, DEMO_SECRET, DEMO_PASSPHRASE, Environment::Demo);
    let demo = client_with(
        &fake,
        signer(DEMO_KEY, DEMO_SECRET, DEMO_PASSPHRASE).demo_trading(true),
    );

    let accepted = demo
        .cancel_withdrawal(&cancel_request())
        .await
        .expect("a demo key on demo trading is accepted");
    assert_eq!(accepted[0].wd_id, WD_ID);
    let req = fake.last_request().unwrap();
    assert_eq!(req.verdict, Verdict::Accepted);
    assert_eq!(req.header("x-simulated-trading"), Some("1"));
    assert_eq!(req.header("ok-access-key"), Some(DEMO_KEY));

    // `demo_trading(false)` is the live default: no header.
    let live = client_with(
        &fake,
        signer(API_KEY, SECRET, PASSPHRASE).demo_trading(false),
    );
    live.cancel_withdrawal(&cancel_request())
        .await
        .expect("live key on live");
    assert_eq!(
        fake.last_request().unwrap().header("x-simulated-trading"),
        None
    );
}

#[tokio::test]
async fn a_key_used_in_the_wrong_environment_is_a_typed_mismatch() {
    let fake = start().await;
    fake.add_key(DEMO_KEY, DEMO_SECRET, DEMO_PASSPHRASE, Environment::Demo);

    // A live key sent to demo trading, and a demo key sent without the demo header.
    let cases = [
        signer(API_KEY, SECRET, PASSPHRASE).demo_trading(true),
        signer(DEMO_KEY, DEMO_SECRET, DEMO_PASSPHRASE),
    ];
    for signer in cases {
        let what = format!("{signer:?}");
        let err = okx_error(
            client_with(&fake, signer)
                .cancel_withdrawal(&cancel_request())
                .await,
        );
        assert_eq!(err.kind, OkxErrorKind::ApiKeyEnvironmentMismatch, "{what}");
        assert_eq!(err.code, "50101", "{what}");
        assert_eq!(err.status, 401, "{what}");
        assert_eq!(
            fake.last_request().unwrap().verdict,
            Verdict::WrongEnvironment,
            "{what}"
        );
    }
}

#[tokio::test]
async fn rate_limit_is_a_typed_error_with_status_429() {
    let fake = start().await;
    fake.respond_with(Reply::RateLimited);
    let client = client(&fake);
    let err = okx_error(client.cancel_withdrawal(&cancel_request()).await);
    assert_eq!(err.kind, OkxErrorKind::RateLimitReached);
    assert_eq!(err.code, "50011");
    assert_eq!(err.status, 429);
    assert!(err.is_rate_limited());
    assert!(!err.is_retryable());
    assert_eq!(Error::Okx(err).status(), Some(429));
}

#[tokio::test]
async fn html_502_is_a_typed_not_json_error() {
    let fake = start().await;
    fake.respond_with(Reply::Html502);
    support::assert_html_502(client(&fake).cancel_withdrawal(&cancel_request()).await);
}

#[tokio::test]
async fn empty_body_is_a_typed_error() {
    let fake = start().await;
    fake.respond_with(Reply::EmptyBody);
    support::assert_empty_body(client(&fake).cancel_withdrawal(&cancel_request()).await);
}

#[tokio::test]
async fn truncated_body_is_a_typed_transport_error_and_the_client_recovers() {
    let fake = start().await;
    fake.respond_with(Reply::truncated());
    let client = client(&fake);
    support::assert_cut_short(client.cancel_withdrawal(&cancel_request()).await);
    fake.respond_with(Reply::Success);
    let accepted = client
        .cancel_withdrawal(&cancel_request())
        .await
        .expect("next call succeeds");
    assert_eq!(accepted[0].wd_id, WD_ID);
}

#[tokio::test]
async fn no_secret_or_passphrase_in_debug_or_error_text() {
    let fake = start().await;
    let creds = OkxCredentials::new(API_KEY, SECRET, PASSPHRASE).expect("valid credentials");
    let signer = OkxSigner::new(creds.clone());
    let client = client_with(&fake, signer.clone());

    fake.respond_with(Reply::error(DocumentedError::WithdrawalIdDoesNotExist));
    let api_error = client
        .cancel_withdrawal(&cancel_request())
        .await
        .expect_err("scripted error");
    fake.respond_with(Reply::Html502);
    let html_error = client
        .cancel_withdrawal(&cancel_request())
        .await
        .expect_err("scripted 502");
    fake.respond_with(Reply::truncated());
    let transport_error = client
        .cancel_withdrawal(&cancel_request())
        .await
        .expect_err("scripted truncation");
    fake.respond_with(Reply::Success);
    // Auth failures, where the secret or passphrase was involved.
    let bad_passphrase = client_with(&fake, self::signer(API_KEY, SECRET, "Wrong-Pass-Phrase-5"))
        .cancel_withdrawal(&cancel_request())
        .await
        .expect_err("wrong passphrase");
    let bad_secret = client_with(
        &fake,
        self::signer(API_KEY, "WRONGSECRETWRONGSECRET", PASSPHRASE),
    )
    .cancel_withdrawal(&cancel_request())
    .await
    .expect_err("wrong secret");

    let mut texts = vec![
        ("credentials", format!("{creds:?}")),
        ("signer", format!("{signer:?}")),
        ("client", format!("{client:?}")),
        ("runtime client", format!("{:?}", client.runtime())),
    ];
    for (what, err) in [
        ("api error", &api_error),
        ("502 error", &html_error),
        ("transport error", &transport_error),
        ("wrong-passphrase error", &bad_passphrase),
        ("wrong-secret error", &bad_secret),
    ] {
        texts.push((what, format!("{err:?}")));
        texts.push((what, err.to_string()));
    }
    let needles = [
        SECRET,
        &SECRET[..10],
        PASSPHRASE,
        "E2E-Passphrase",
        "Wrong-Pass-Phrase",
        "WRONGSECRET",
    ];
    for (what, text) in &texts {
        for needle in needles {
            assert!(
                !text.contains(needle),
                "{what} leaks a secret ({needle:?}): {text}"
            );
        }
    }
}
