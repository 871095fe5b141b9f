//! End-to-end tests of the generated Kraken client (`xgen_clients::kraken`) against a fake Kraken
//! that runs on 127.0.0.1 and checks signatures, nonces and arguments with its own code
//! (`xgen_fake_exchanges::kraken`, re-exported as `support::fake_kraken`). The fake's own
//! checks are tested in `fake-exchanges/tests/fakes/kraken.rs`.

use std::collections::HashSet;
use std::sync::Arc;

use crate::support::fake_kraken::{
    kraken_sign_b64, FakeKraken, Reply, Verdict, WITHDRAW_CANCEL_PATH,
};
use crate::support::{self, KRAKEN_DOC_SECRET, OTHER_SECRET, TEST_API_KEY};
use xgen_clients::kraken::{CancelWithdrawalRequest, Client};
use xgen_runtime::kraken::{KrakenCredentials, KrakenErrorKind, KrakenSigner, Severity};
use xgen_runtime::{Error, FixedNonce, MonotonicNonce, NonceSource};

const REFID: &str = "FTQcuak-V6Za8qrWnhzTx67yYHz8Tg";

fn cancel_request() -> CancelWithdrawalRequest {
    CancelWithdrawalRequest {
        asset: "XBT".into(),
        refid: REFID.into(),
    }
}

fn signer(key: &str, secret_b64: &str) -> KrakenSigner {
    KrakenSigner::new(KrakenCredentials::new(key, secret_b64).expect("valid credentials"))
}

fn client(fake: &FakeKraken, key: &str, secret_b64: &str) -> Client {
    Client::with_base_url(signer(key, secret_b64), &fake.base_url()).expect("client builds")
}

fn client_with_nonce(fake: &FakeKraken, nonce: Arc<dyn NonceSource>) -> Client {
    let signer = signer(TEST_API_KEY, KRAKEN_DOC_SECRET).with_nonce_source(nonce);
    Client::with_base_url(signer, &fake.base_url()).expect("client builds")
}

/// The Kraken error list of an `Error::Kraken`, or a panic naming what came instead.
fn kraken_errors(result: Result<bool, Error>) -> (u16, Vec<xgen_runtime::kraken::KrakenError>) {
    match result {
        Err(Error::Kraken(e)) => (e.status, e.errors.clone()),
        other => panic!("expected Error::Kraken, got {other:?}"),
    }
}

#[tokio::test]
async fn cancel_withdrawal_succeeds_with_a_valid_signature() {
    let fake = FakeKraken::start(TEST_API_KEY, KRAKEN_DOC_SECRET).await;
    let client = client(&fake, TEST_API_KEY, KRAKEN_DOC_SECRET);

    let ok = client
        .cancel_withdrawal(&cancel_request())
        .await
        .expect("cancel succeeds");
    assert!(ok);

    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    let req = &reqs[0];
    assert_eq!(req.verdict, Verdict::Accepted);
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, WITHDRAW_CANCEL_PATH);
    assert_eq!(req.header("api-key"), Some(TEST_API_KEY));
    let content_type = req.header("content-type").expect("Content-Type sent");
    assert_eq!(
        content_type.split(';').next().unwrap().trim(),
        "application/json"
    );

    // The body is a JSON object with exactly nonce, asset, refid; nonce a JSON integer.
    let body = req.json().expect("JSON body");
    let object = body.as_object().expect("JSON object");
    let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["asset", "nonce", "refid"],
        "body: {}",
        req.body_text()
    );
    assert_eq!(object["asset"], "XBT");
    assert_eq!(object["refid"], REFID);
    let nonce = object["nonce"].as_u64().expect("nonce is a JSON integer");
    assert_eq!(req.nonce, Some(nonce));

    // And the signature is what Kraken computes over those exact bytes.
    let expected = kraken_sign_b64(
        KRAKEN_DOC_SECRET,
        WITHDRAW_CANCEL_PATH,
        &nonce.to_string(),
        &req.body,
    );
    assert_eq!(req.header("api-sign"), Some(expected.as_str()));
}

#[tokio::test]
async fn result_false_is_returned_as_false() {
    let fake = FakeKraken::start(TEST_API_KEY, KRAKEN_DOC_SECRET).await;
    fake.respond_with(Reply::result("false"));
    let client = client(&fake, TEST_API_KEY, KRAKEN_DOC_SECRET);
    assert!(!client
        .cancel_withdrawal(&cancel_request())
        .await
        .expect("a false result is not an error"));
}

#[tokio::test]
async fn warnings_next_to_a_result_do_not_fail_the_call() {
    // Kraken may send `W...` entries in `error` next to a successful `result`.
    let fake = FakeKraken::start(TEST_API_KEY, KRAKEN_DOC_SECRET).await;
    fake.respond_with(Reply::success_with_warnings(["WGeneral:Deprecated"]));
    let client = client(&fake, TEST_API_KEY, KRAKEN_DOC_SECRET);
    assert!(client
        .cancel_withdrawal(&cancel_request())
        .await
        .expect("warnings only: still a success"));
}

#[tokio::test]
async fn wrong_secret_is_a_typed_invalid_signature() {
    let fake = FakeKraken::start(TEST_API_KEY, KRAKEN_DOC_SECRET).await;
    let client = client(&fake, TEST_API_KEY, OTHER_SECRET);

    let (status, errors) = kraken_errors(client.cancel_withdrawal(&cancel_request()).await);
    assert_eq!(status, 200);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].kind(), KrakenErrorKind::InvalidSignature);
    assert_eq!(errors[0].raw, "EAPI:Invalid signature");
    assert_eq!(errors[0].severity, Severity::Error);
    assert_eq!(errors[0].category, "API");
    assert_eq!(errors[0].message, "Invalid signature");
    assert_eq!(
        fake.last_request().unwrap().verdict,
        Verdict::InvalidSignature
    );
}

#[tokio::test]
async fn wrong_key_is_a_typed_invalid_key() {
    let fake = FakeKraken::start(TEST_API_KEY, KRAKEN_DOC_SECRET).await;
    let client = client(&fake, "not-the-key", KRAKEN_DOC_SECRET);

    let (_, errors) = kraken_errors(client.cancel_withdrawal(&cancel_request()).await);
    assert_eq!(errors[0].kind(), KrakenErrorKind::InvalidKey);
    assert_eq!(errors[0].raw, "EAPI:Invalid key");
    assert_eq!(fake.last_request().unwrap().verdict, Verdict::InvalidKey);
}

#[tokio::test]
async fn scripted_error_envelopes_are_typed_and_keep_the_raw_text() {
    let fake = FakeKraken::start(TEST_API_KEY, KRAKEN_DOC_SECRET).await;
    let client = client(&fake, TEST_API_KEY, KRAKEN_DOC_SECRET);

    // (error string, kind, category, message)
    let cases: &[(&str, KrakenErrorKind, &str, &str)] = &[
        (
            "EFunding:Unknown reference id",
            KrakenErrorKind::UnknownReferenceId,
            "Funding",
            "Unknown reference id",
        ),
        (
            "EFunding:Invalid reference id",
            KrakenErrorKind::InvalidReferenceId,
            "Funding",
            "Invalid reference id",
        ),
        (
            "EAPI:Invalid nonce",
            KrakenErrorKind::InvalidNonce,
            "API",
            "Invalid nonce",
        ),
        (
            "EGeneral:Invalid arguments:refid",
            KrakenErrorKind::InvalidArguments,
            "General",
            "Invalid arguments:refid",
        ),
        (
            "EGeneral:Permission denied",
            KrakenErrorKind::PermissionDenied,
            "General",
            "Permission denied",
        ),
        (
            "EGeneral:Temporary lockout",
            KrakenErrorKind::TemporaryLockout,
            "General",
            "Temporary lockout",
        ),
        (
            "EAPI:Rate limit exceeded",
            KrakenErrorKind::RateLimitExceeded,
            "API",
            "Rate limit exceeded",
        ),
        (
            "EService:Unavailable",
            KrakenErrorKind::ServiceUnavailable,
            "Service",
            "Unavailable",
        ),
        (
            "EService: Throttled: 1700000000",
            KrakenErrorKind::Throttled,
            "Service",
            "Throttled: 1700000000",
        ),
        (
            "EFunding:Something Kraken added later",
            KrakenErrorKind::Other,
            "Funding",
            "Something Kraken added later",
        ),
    ];
    for &(raw, kind, category, message) in cases {
        fake.respond_with(Reply::error(raw));
        let (status, errors) = kraken_errors(client.cancel_withdrawal(&cancel_request()).await);
        assert_eq!(status, 200, "{raw}");
        assert_eq!(errors.len(), 1, "{raw}");
        assert_eq!(errors[0].raw, raw);
        assert_eq!(errors[0].severity, Severity::Error, "{raw}");
        assert_eq!(errors[0].category, category, "{raw}");
        assert_eq!(errors[0].message, message, "{raw}");
        assert_eq!(errors[0].kind(), kind, "{raw}");
    }

    // Several errors: all kept, in order.
    fake.respond_with(Reply::errors([
        "EGeneral:Invalid arguments",
        "EFunding:Unknown reference id",
    ]));
    let (_, errors) = kraken_errors(client.cancel_withdrawal(&cancel_request()).await);
    let raws: Vec<&str> = errors.iter().map(|e| e.raw.as_str()).collect();
    assert_eq!(
        raws,
        [
            "EGeneral:Invalid arguments",
            "EFunding:Unknown reference id"
        ]
    );
    assert_eq!(errors[1].kind(), KrakenErrorKind::UnknownReferenceId);
}

#[tokio::test]
async fn a_reused_nonce_is_a_typed_invalid_nonce() {
    let fake = FakeKraken::start(TEST_API_KEY, KRAKEN_DOC_SECRET).await;
    let first = client_with_nonce(&fake, Arc::new(FixedNonce::new(5)));
    assert!(first
        .cancel_withdrawal(&cancel_request())
        .await
        .expect("first use of nonce 5"));

    let second = client_with_nonce(&fake, Arc::new(FixedNonce::new(5)));
    let (_, errors) = kraken_errors(second.cancel_withdrawal(&cancel_request()).await);
    assert_eq!(errors[0].kind(), KrakenErrorKind::InvalidNonce);
    assert_eq!(errors[0].raw, "EAPI:Invalid nonce");

    let reqs = fake.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].nonce, Some(5));
    assert_eq!(reqs[1].nonce, Some(5));
    assert!(
        matches!(reqs[1].verdict, Verdict::InvalidNonce(_)),
        "{:?}",
        reqs[1].verdict
    );
}

#[tokio::test]
async fn html_502_is_a_typed_error() {
    let fake = FakeKraken::start(TEST_API_KEY, KRAKEN_DOC_SECRET).await;
    fake.respond_with(Reply::Html502);
    let client = client(&fake, TEST_API_KEY, KRAKEN_DOC_SECRET);
    support::assert_html_502(client.cancel_withdrawal(&cancel_request()).await);
}

#[tokio::test]
async fn empty_body_is_a_typed_error() {
    let fake = FakeKraken::start(TEST_API_KEY, KRAKEN_DOC_SECRET).await;
    fake.respond_with(Reply::EmptyBody);
    let client = client(&fake, TEST_API_KEY, KRAKEN_DOC_SECRET);
    support::assert_empty_body(client.cancel_withdrawal(&cancel_request()).await);
}

#[tokio::test]
async fn truncated_body_is_a_typed_error() {
    let fake = FakeKraken::start(TEST_API_KEY, KRAKEN_DOC_SECRET).await;
    fake.respond_with(Reply::truncated());
    let client = client(&fake, TEST_API_KEY, KRAKEN_DOC_SECRET);
    support::assert_cut_short(client.cancel_withdrawal(&cancel_request()).await);
    // The client is still usable afterwards (a fresh connection).
    fake.respond_with(Reply::Success);
    assert!(client
        .cancel_withdrawal(&cancel_request())
        .await
        .expect("next call succeeds"));
}

#[tokio::test]
async fn plain_text_500_is_a_typed_not_json_error() {
    // The runtime's documented order (xgen_runtime::envelope): a body that is not JSON at all is
    // `NotJson` whatever the status; `Http` is for a non-2xx whose body is JSON but no envelope.
    let fake = FakeKraken::start(TEST_API_KEY, KRAKEN_DOC_SECRET).await;
    fake.respond_with(Reply::internal_server_error());
    let client = client(&fake, TEST_API_KEY, KRAKEN_DOC_SECRET);
    let err = client
        .cancel_withdrawal(&cancel_request())
        .await
        .expect_err("a 500 is an error");
    assert_eq!(err.status(), Some(500));
    match err {
        Error::NotJson {
            status,
            content_type,
            body_excerpt,
        } => {
            assert_eq!(status, 500);
            assert!(content_type.unwrap_or_default().starts_with("text/plain"));
            assert_eq!(body_excerpt, "Internal Server Error");
        }
        other => panic!("expected Error::NotJson for a text/plain 500, got {other:?}"),
    }
}

#[tokio::test]
async fn non_2xx_json_without_an_envelope_is_a_typed_http_error() {
    let fake = FakeKraken::start(TEST_API_KEY, KRAKEN_DOC_SECRET).await;
    fake.respond_with(Reply::Raw {
        status: 503,
        content_type: Some("application/json".into()),
        body: br#"{"message":"down for maintenance"}"#.to_vec(),
    });
    let client = client(&fake, TEST_API_KEY, KRAKEN_DOC_SECRET);
    match client.cancel_withdrawal(&cancel_request()).await {
        Err(Error::Http {
            status,
            body_excerpt,
            ..
        }) => {
            assert_eq!(status, 503);
            assert!(
                body_excerpt.contains("down for maintenance"),
                "{body_excerpt:?}"
            );
        }
        other => panic!("expected Error::Http, got {other:?}"),
    }
}

#[tokio::test]
async fn an_error_envelope_on_a_non_2xx_status_is_still_the_kraken_error() {
    let fake = FakeKraken::start(TEST_API_KEY, KRAKEN_DOC_SECRET).await;
    fake.respond_with(Reply::Raw {
        status: 403,
        content_type: Some("application/json".into()),
        body: br#"{"error":["EGeneral:Permission denied"]}"#.to_vec(),
    });
    let client = client(&fake, TEST_API_KEY, KRAKEN_DOC_SECRET);
    let (status, errors) = kraken_errors(client.cancel_withdrawal(&cancel_request()).await);
    assert_eq!(status, 403);
    assert_eq!(errors[0].kind(), KrakenErrorKind::PermissionDenied);
}

#[tokio::test]
async fn complete_but_cut_json_is_a_typed_decode_error() {
    // The HTTP message is whole (Content-Length matches) but the JSON in it stops early, or has
    // the wrong shape for `result: bool`.
    let fake = FakeKraken::start(TEST_API_KEY, KRAKEN_DOC_SECRET).await;
    let client = client(&fake, TEST_API_KEY, KRAKEN_DOC_SECRET);
    for body in [
        &br#"{"error":[],"res"#[..],
        br#"{"error":[],"result":"yes"}"#,
    ] {
        fake.respond_with(Reply::Raw {
            status: 200,
            content_type: Some("application/json".into()),
            body: body.to_vec(),
        });
        match client.cancel_withdrawal(&cancel_request()).await {
            Err(Error::Decode { status, .. }) => assert_eq!(status, 200),
            other => panic!(
                "expected Error::Decode for {}, got {other:?}",
                String::from_utf8_lossy(body)
            ),
        }
    }
}

#[tokio::test]
async fn an_unreachable_server_is_a_transport_error() {
    let fake = FakeKraken::start(TEST_API_KEY, KRAKEN_DOC_SECRET).await;
    let client = client(&fake, TEST_API_KEY, KRAKEN_DOC_SECRET);
    let addr = fake.addr();
    drop(fake);
    // Wait until the port refuses connections.
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    match client.cancel_withdrawal(&cancel_request()).await {
        Err(Error::Transport(_)) => {}
        other => panic!("expected Error::Transport, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn one_client_cloned_into_32_tasks_signs_320_distinct_nonces() {
    // Concurrent requests reach the server out of order, so use a nonce window (as a Kraken key
    // used concurrently must). It still rejects any exact reuse. 60 s in nanoseconds covers ms,
    // µs and ns nonces alike.
    let fake = FakeKraken::start(TEST_API_KEY, KRAKEN_DOC_SECRET)
        .await
        .with_nonce_window(60_000_000_000);
    let client = client_with_nonce(&fake, Arc::new(MonotonicNonce::new()));

    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..32 {
        let client = client.clone();
        tasks.spawn(async move {
            for _ in 0..10 {
                let ok = client
                    .cancel_withdrawal(&cancel_request())
                    .await
                    .expect("concurrent call succeeds");
                assert!(ok);
            }
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.expect("task did not panic");
    }

    let reqs = fake.requests();
    assert_eq!(reqs.len(), 320);
    let rejected: Vec<_> = reqs
        .iter()
        .filter(|r| r.verdict != Verdict::Accepted)
        .collect();
    assert!(rejected.is_empty(), "{rejected:?}");
    let nonces: HashSet<u64> = reqs.iter().map(|r| r.nonce.expect("nonce")).collect();
    assert_eq!(nonces.len(), 320, "every request carried its own nonce");
}

#[tokio::test]
async fn the_default_nonce_source_keeps_increasing_across_calls() {
    // Kraken's default (nonce window 0): each nonce strictly above the last, in arrival order.
    let fake = FakeKraken::start(TEST_API_KEY, KRAKEN_DOC_SECRET).await;
    let client = client(&fake, TEST_API_KEY, KRAKEN_DOC_SECRET);
    for _ in 0..20 {
        assert!(client
            .cancel_withdrawal(&cancel_request())
            .await
            .expect("sequential call succeeds"));
    }
    let nonces = fake.accepted_nonces();
    assert_eq!(nonces.len(), 20);
    assert!(nonces.windows(2).all(|w| w[0] < w[1]), "{nonces:?}");
}

#[tokio::test]
async fn no_secret_in_debug_or_error_text() {
    let fake = FakeKraken::start(TEST_API_KEY, KRAKEN_DOC_SECRET).await;
    let creds = KrakenCredentials::new(TEST_API_KEY, KRAKEN_DOC_SECRET).expect("valid credentials");
    let signer = KrakenSigner::new(creds.clone());
    let client = Client::with_base_url(signer.clone(), &fake.base_url()).expect("client builds");

    // An error reply (wrong-secret signer elsewhere would also do) and a transport-level one.
    fake.respond_with(Reply::error("EFunding:Unknown reference id"));
    let api_error = client
        .cancel_withdrawal(&cancel_request())
        .await
        .expect_err("scripted error");
    fake.respond_with(Reply::Html502);
    let html_error = client
        .cancel_withdrawal(&cancel_request())
        .await
        .expect_err("scripted 502");

    // The secret as given, its start, and its decoded bytes as Debug would print them.
    let decoded_prefix = {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(KRAKEN_DOC_SECRET)
            .unwrap();
        format!("{:?}", &bytes[..4])
            .trim_end_matches(']')
            .to_owned()
    };
    let hex_prefix = "9101f9";
    let texts = [
        ("credentials", format!("{creds:?}")),
        ("signer", format!("{signer:?}")),
        ("client", format!("{client:?}")),
        ("api error Debug", format!("{api_error:?}")),
        ("api error Display", api_error.to_string()),
        ("502 error Debug", format!("{html_error:?}")),
        ("502 error Display", html_error.to_string()),
    ];
    for (what, text) in &texts {
        for needle in [
            KRAKEN_DOC_SECRET,
            "kQH5HW",
            decoded_prefix.as_str(),
            hex_prefix,
        ] {
            assert!(
                !text.contains(needle),
                "{what} leaks the secret ({needle:?}): {text}"
            );
        }
    }
    // Credentials built from a non-base64 secret fail without echoing it.
    let bad = "not base64 !!! secret-material";
    let err = KrakenCredentials::new(TEST_API_KEY, bad).expect_err("non-base64 secret is refused");
    assert!(
        !format!("{err:?} {err}").contains("secret-material"),
        "{err:?}"
    );
}
