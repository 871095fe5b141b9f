//! End-to-end tests of the generated Kraken Pay client (`xgen_clients::kraken_pay`) against the
//! fake Kraken Pay of `xgen-fake-exchanges`, which runs on 127.0.0.1 and checks keys, signatures,
//! string nonces and reused `external_id`s with its own code.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::support;
use xgen_clients::kraken_pay::{CancelPayRequestRequest, Client};
use xgen_fake_exchanges::kraken_pay::{
    kraken_sign_b64, Answer, DocumentedError, FakeKrakenPay, PayError, Reply, Verdict,
    REQUEST_CANCEL_PATH,
};
use xgen_runtime::kraken::{
    KrakenCredentials, KrakenError, KrakenErrorKind, KrakenSigner, Severity,
};
use xgen_runtime::{Error, FixedNonce, NonceSource};

const TEST_API_KEY: &str = "TEST-KRAKEN-PAY-PUBLIC-KEY";
/// Kraken's published documentation secret (spot-rest-auth guide). Public test data.
const KRAKEN_DOC_SECRET: &str =
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";
/// Another valid base64 secret (64 bytes of 0x02) for "wrong secret" tests.
const OTHER_SECRET: &str =
    "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg==";
/// "test-id-0001" as base64 without padding: 12 bytes, within the documented 1-16.
const EXTERNAL_ID: &str = "dGVzdC1pZC0wMDAx";

/// What `cancel_pay_request` returns: Kraken's file declares the result nullable.
type Payload = Option<BTreeMap<String, serde_json::Value>>;

fn cancel_request(external_id: &str) -> CancelPayRequestRequest {
    CancelPayRequestRequest {
        external_id: external_id.into(),
    }
}

fn signer(key: &str, secret_b64: &str) -> KrakenSigner {
    KrakenSigner::new(KrakenCredentials::new(key, secret_b64).expect("valid credentials"))
}

fn client_with(fake: &FakeKrakenPay, signer: KrakenSigner) -> Client {
    Client::with_base_url(signer, &fake.base_url()).expect("client builds")
}

fn client(fake: &FakeKrakenPay) -> Client {
    client_with(fake, signer(TEST_API_KEY, KRAKEN_DOC_SECRET))
}

fn client_with_nonce(fake: &FakeKrakenPay, nonce: Arc<dyn NonceSource>) -> Client {
    client_with(
        fake,
        signer(TEST_API_KEY, KRAKEN_DOC_SECRET).with_nonce_source(nonce),
    )
}

async fn start() -> FakeKrakenPay {
    FakeKrakenPay::start(TEST_API_KEY, KRAKEN_DOC_SECRET).await
}

/// The single Kraken error of an `Error::Kraken` (and its HTTP status), or a panic naming what
/// came instead.
fn the_kraken_error(result: Result<Payload, Error>) -> (u16, KrakenError) {
    match result {
        Err(Error::Kraken(e)) => {
            let [one] = e.errors.as_slice() else {
                panic!("expected exactly one error, got {e:?}")
            };
            (e.status, one.clone())
        }
        other => panic!("expected Error::Kraken, got {other:?}"),
    }
}

/// The kind each fake error should come back as, from its spot equivalent (`E<class>:<message>`).
/// `None`: no kind exists for it (see the ignored test for "id already used").
fn expected_kind(error: DocumentedError) -> Option<KrakenErrorKind> {
    Some(match error {
        DocumentedError::InvalidKey => KrakenErrorKind::InvalidKey,
        DocumentedError::InvalidSignature => KrakenErrorKind::InvalidSignature,
        DocumentedError::InvalidNonce => KrakenErrorKind::InvalidNonce,
        DocumentedError::RateLimitExceeded => KrakenErrorKind::RateLimitExceeded,
        DocumentedError::InvalidArguments => KrakenErrorKind::InvalidArguments,
        DocumentedError::PermissionDenied => KrakenErrorKind::PermissionDenied,
        DocumentedError::TemporaryLockout => KrakenErrorKind::TemporaryLockout,
        DocumentedError::InternalError => KrakenErrorKind::InternalError,
        DocumentedError::ServiceUnavailable => KrakenErrorKind::ServiceUnavailable,
        // `EGeneral:Unknown method` is not in the reference's error table.
        DocumentedError::UnknownMethod => KrakenErrorKind::Other,
        _ => return None,
    })
}

/// The error object as the fake puts it on the wire.
fn wire_object(error: &PayError) -> serde_json::Value {
    serde_json::json!({
        "severity": error.severity,
        "errorClass": error.error_class,
        "type": error.kind,
        "errorMessage": error.error_message,
    })
}

#[tokio::test]
async fn cancel_pay_request_succeeds_with_a_valid_signature() {
    let fake = start().await;
    let client = client_with_nonce(&fake, Arc::new(FixedNonce::new(1_700_000_000_456)));

    let result = client
        .cancel_pay_request(&cancel_request(EXTERNAL_ID))
        .await
        .expect("cancel succeeds");
    // Kraken's file declares the result nullable: the method returns an Option.
    assert!(result.as_ref().is_some_and(|r| r.is_empty()), "{result:?}");

    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    let req = &reqs[0];
    assert_eq!(req.verdict, Verdict::Accepted);
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, REQUEST_CANCEL_PATH);
    assert_eq!(req.query, None);
    assert_eq!(req.header("api-key"), Some(TEST_API_KEY));
    let content_type = req.header("content-type").expect("Content-Type sent");
    assert_eq!(
        content_type.split(';').next().unwrap().trim(),
        "application/json"
    );
    // The nonce is a JSON string of digits, first; the signature prefix is the bare digits.
    assert_eq!(
        req.body_text(),
        r#"{"nonce":"1700000000456","external_id":"dGVzdC1pZC0wMDAx"}"#
    );
    assert_eq!(req.nonce, Some(1_700_000_000_456));
    let expected = kraken_sign_b64(
        KRAKEN_DOC_SECRET,
        REQUEST_CANCEL_PATH,
        "1700000000456",
        &req.body,
    );
    assert_eq!(req.header("api-sign"), Some(expected.as_str()));
}

#[tokio::test]
async fn a_null_result_is_none_as_the_file_allows() {
    let fake = start().await;
    fake.respond_with(Reply::result("null"));
    let result = client(&fake)
        .cancel_pay_request(&cancel_request(EXTERNAL_ID))
        .await
        .expect("`result: null` is a success the file declares");
    assert_eq!(result, None);
}

#[tokio::test]
async fn a_non_empty_result_is_decoded_too() {
    let fake = start().await;
    fake.respond_with(Reply::result(r#"{"note":"cancelled"}"#));
    let result = client(&fake)
        .cancel_pay_request(&cancel_request(EXTERNAL_ID))
        .await
        .expect("a result object");
    assert_eq!(
        result.unwrap().get("note"),
        Some(&serde_json::json!("cancelled"))
    );
}

#[tokio::test]
async fn every_documented_error_is_typed_and_keeps_the_raw_object() {
    let fake = start().await;
    let client = client(&fake);
    assert!(!DocumentedError::ALL.is_empty());

    for (i, &documented) in DocumentedError::ALL.iter().enumerate() {
        fake.respond_with(Reply::error(documented));
        // Every request that passes the checks uses up its external_id: a fresh one each time.
        let external_id = format!("ZXJyb3It{i:04}");
        let result = client
            .cancel_pay_request(&cancel_request(&external_id))
            .await;
        let (status, err) = match result {
            Err(Error::Kraken(e)) if e.errors.len() == 1 => (e.status, e.errors[0].clone()),
            other => panic!("{documented:?}: expected one Error::Kraken entry, got {other:?}"),
        };
        let (class, kind, message) = documented.parts();
        assert_eq!(status, 200, "{documented:?}");
        assert_eq!(err.severity, Severity::Error, "{documented:?}");
        assert_eq!(err.category, class, "{documented:?}");
        assert_eq!(err.message, message, "{documented:?}");
        assert_eq!(err.error_type.as_deref(), Some(kind), "{documented:?}");
        // The raw entry is the object as sent.
        let raw: serde_json::Value = serde_json::from_str(&err.raw)
            .unwrap_or_else(|e| panic!("{documented:?}: raw is not JSON ({e}): {}", err.raw));
        assert_eq!(
            raw,
            wire_object(&PayError::from(documented)),
            "{documented:?}"
        );

        // The kind is the spot error's: the same as `E<class>:<message>` parses to.
        let spot = KrakenError::parse(&format!("E{class}:{message}"));
        assert_eq!(err.kind(), spot.kind(), "{documented:?}");
        if let Some(expected) = expected_kind(documented) {
            assert_eq!(err.kind(), expected, "{documented:?}");
            if documented != DocumentedError::UnknownMethod {
                assert_ne!(err.kind(), KrakenErrorKind::Other, "{documented:?}");
            }
        }
        assert_eq!(
            fake.last_request().unwrap().verdict,
            Verdict::Accepted,
            "{documented:?}: the request itself was fine"
        );
    }
}

#[tokio::test]
async fn a_reused_external_id_is_an_error_that_keeps_its_message_and_type() {
    let fake = start().await;
    let client = client(&fake);
    client
        .cancel_pay_request(&cancel_request(EXTERNAL_ID))
        .await
        .expect("first use of the id");

    let (status, err) = the_kraken_error(
        client
            .cancel_pay_request(&cancel_request(EXTERNAL_ID))
            .await,
    );
    assert_eq!(status, 200);
    assert_eq!(err.severity, Severity::Error);
    assert_eq!(err.message, "id already used");
    assert_eq!(err.error_type.as_deref(), Some("IdAlreadyUsed"));
    assert!(err.raw.contains("id already used"), "{}", err.raw);
    assert!(
        matches!(
            fake.last_request().unwrap().verdict,
            Verdict::IdAlreadyUsed(_)
        ),
        "{:?}",
        fake.last_request().unwrap().verdict
    );

    // An id marked used beforehand (a request whose reply never arrived) is refused the same way.
    fake.mark_id_used("bG9zdC1yZXBseQ");
    let (_, err) = the_kraken_error(
        client
            .cancel_pay_request(&cancel_request("bG9zdC1yZXBseQ"))
            .await,
    );
    assert_eq!(err.message, "id already used");
}

#[tokio::test]
async fn a_reused_external_id_has_a_kind() {
    // The Pay docs call "id already used" the only guard against double requests: a caller
    // retrying after a lost reply must be able to recognise it without comparing text.
    let fake = start().await;
    let client = client(&fake);
    fake.mark_id_used(EXTERNAL_ID);
    let (_, err) = the_kraken_error(
        client
            .cancel_pay_request(&cancel_request(EXTERNAL_ID))
            .await,
    );
    assert_eq!(err.message, "id already used");
    assert_eq!(err.kind(), KrakenErrorKind::IdAlreadyUsed, "{err:?}");
}

#[tokio::test]
async fn wrong_secret_is_a_typed_invalid_signature() {
    let fake = start().await;
    let client = client_with(&fake, signer(TEST_API_KEY, OTHER_SECRET));
    let (status, err) = the_kraken_error(
        client
            .cancel_pay_request(&cancel_request(EXTERNAL_ID))
            .await,
    );
    assert_eq!(status, 200);
    assert_eq!(err.kind(), KrakenErrorKind::InvalidSignature);
    assert_eq!(err.message, "Invalid signature");
    assert_eq!(
        fake.last_request().unwrap().verdict,
        Verdict::InvalidSignature
    );
}

#[tokio::test]
async fn wrong_key_is_a_typed_invalid_key() {
    let fake = start().await;
    let client = client_with(&fake, signer("not-the-key", KRAKEN_DOC_SECRET));
    let (_, err) = the_kraken_error(
        client
            .cancel_pay_request(&cancel_request(EXTERNAL_ID))
            .await,
    );
    assert_eq!(err.kind(), KrakenErrorKind::InvalidKey);
    assert_eq!(err.message, "Invalid key");
    assert_eq!(fake.last_request().unwrap().verdict, Verdict::InvalidKey);
}

#[tokio::test]
async fn a_reused_nonce_is_a_typed_invalid_nonce() {
    let fake = start().await;
    let first = client_with_nonce(&fake, Arc::new(FixedNonce::new(5)));
    first
        .cancel_pay_request(&cancel_request(EXTERNAL_ID))
        .await
        .expect("first use of nonce 5");

    // Another id, the same nonce.
    let second = client_with_nonce(&fake, Arc::new(FixedNonce::new(5)));
    let (_, err) = the_kraken_error(
        second
            .cancel_pay_request(&cancel_request("b3RoZXItaWQ"))
            .await,
    );
    assert_eq!(err.kind(), KrakenErrorKind::InvalidNonce);
    assert_eq!(err.message, "Invalid nonce");

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
async fn the_default_nonce_source_keeps_increasing_across_calls() {
    let fake = start().await;
    let client = client(&fake);
    for i in 0..10 {
        client
            .cancel_pay_request(&cancel_request(&format!("c2VxLWlk{i:02}")))
            .await
            .expect("sequential call succeeds");
    }
    let nonces = fake.accepted_nonces();
    assert_eq!(nonces.len(), 10);
    assert!(nonces.windows(2).all(|w| w[0] < w[1]), "{nonces:?}");
}

#[tokio::test]
async fn rate_limit_is_a_typed_rate_limit_exceeded() {
    let fake = start().await;
    fake.respond_with(Reply::RateLimited);
    let (status, err) = the_kraken_error(
        client(&fake)
            .cancel_pay_request(&cancel_request(EXTERNAL_ID))
            .await,
    );
    assert_eq!(status, 200);
    assert_eq!(err.kind(), KrakenErrorKind::RateLimitExceeded);
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn several_errors_are_all_kept_in_order() {
    let fake = start().await;
    fake.respond_with(Reply::Exchange(Answer::Errors(vec![
        DocumentedError::InvalidArguments.into(),
        PayError::new("Funding", "UnknownAsset", "Unknown asset"),
    ])));
    match client(&fake)
        .cancel_pay_request(&cancel_request(EXTERNAL_ID))
        .await
    {
        Err(Error::Kraken(e)) => {
            let kinds: Vec<KrakenErrorKind> = e.errors.iter().map(KrakenError::kind).collect();
            assert_eq!(
                kinds,
                [
                    KrakenErrorKind::InvalidArguments,
                    KrakenErrorKind::UnknownAsset
                ]
            );
        }
        other => panic!("expected Error::Kraken, got {other:?}"),
    }
}

#[tokio::test]
async fn html_502_is_a_typed_not_json_error() {
    let fake = start().await;
    fake.respond_with(Reply::Html502);
    support::assert_html_502(
        client(&fake)
            .cancel_pay_request(&cancel_request(EXTERNAL_ID))
            .await,
    );
}

#[tokio::test]
async fn empty_body_is_a_typed_error() {
    let fake = start().await;
    fake.respond_with(Reply::EmptyBody);
    support::assert_empty_body(
        client(&fake)
            .cancel_pay_request(&cancel_request(EXTERNAL_ID))
            .await,
    );
}

#[tokio::test]
async fn truncated_body_is_a_typed_transport_error_and_the_client_recovers() {
    let fake = start().await;
    fake.respond_with(Reply::truncated());
    let client = client(&fake);
    support::assert_cut_short(
        client
            .cancel_pay_request(&cancel_request(EXTERNAL_ID))
            .await,
    );
    fake.respond_with(Reply::Success);
    let result = client
        .cancel_pay_request(&cancel_request("bmV4dC1pZA"))
        .await
        .expect("next call succeeds");
    assert!(result.is_some_and(|r| r.is_empty()));
}

#[tokio::test]
async fn no_secret_in_debug_or_error_text() {
    let fake = start().await;
    let creds = KrakenCredentials::new(TEST_API_KEY, KRAKEN_DOC_SECRET).expect("valid credentials");
    let signer = KrakenSigner::new(creds.clone());
    let client = client_with(&fake, signer.clone());

    fake.respond_with(Reply::error(DocumentedError::PermissionDenied));
    let api_error = client
        .cancel_pay_request(&cancel_request("ZGVidWctMQ"))
        .await
        .expect_err("scripted error");
    fake.respond_with(Reply::Html502);
    let html_error = client
        .cancel_pay_request(&cancel_request("ZGVidWctMg"))
        .await
        .expect_err("scripted 502");
    fake.respond_with(Reply::truncated());
    let transport_error = client
        .cancel_pay_request(&cancel_request("ZGVidWctMw"))
        .await
        .expect_err("scripted truncation");
    fake.respond_with(Reply::Success);
    let auth_error = client_with(&fake, self::signer(TEST_API_KEY, OTHER_SECRET))
        .cancel_pay_request(&cancel_request("ZGVidWctNA"))
        .await
        .expect_err("wrong secret");

    let mut texts = vec![
        ("credentials", format!("{creds:?}")),
        ("signer", format!("{signer:?}")),
        ("client", format!("{client:?}")),
    ];
    for (what, err) in [
        ("api error", &api_error),
        ("502 error", &html_error),
        ("transport error", &transport_error),
        ("wrong-secret error", &auth_error),
    ] {
        texts.push((what, format!("{err:?}")));
        texts.push((what, err.to_string()));
    }
    // The secrets as given, their starts, and the decoded bytes as Debug or hex would print them.
    let decoded_prefix = {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(KRAKEN_DOC_SECRET)
            .unwrap();
        format!("{:?}", &bytes[..4])
            .trim_end_matches(']')
            .to_owned()
    };
    let needles = [
        KRAKEN_DOC_SECRET,
        "kQH5HW",
        OTHER_SECRET,
        "AgICAgICAgIC",
        decoded_prefix.as_str(),
        "9101f9",
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
