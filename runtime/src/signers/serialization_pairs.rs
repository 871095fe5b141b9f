//! Requests that differ only in serialisation (exchanges.md §6.1): raw UTF-8 against a `\u00e9`
//! escape in JSON, `+` against `%20` for a space in a form or query. They mean the same to the
//! exchange but are different bytes, so each must be signed over its own bytes: the signature of
//! each verifies, recomputed here from scratch over the bytes sent, and the two differ. A signer
//! that re-serialised, or signed the caller's values instead of the wire bytes, would fail this.

use std::sync::Arc;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256, Sha512};

use super::alphapoint::{AlphaPointCredentials, AlphaPointSigner};
use super::bybit::{BybitCredentials, BybitSigner};
use super::kraken::{KrakenCredentials, KrakenSigner};
use super::okx::{OkxCredentials, OkxSigner};
use crate::body::Body;
use crate::operation::{BodyEncoding, Method, Operation, SignerField, ValueKind};
use crate::signer::{HttpRequest, Signer};
use crate::{FixedNonce, FixedTimestamp};

const RAW_JSON: &str = r#"{"note":"café"}"#;
const ESCAPED_JSON: &str = r#"{"note":"caf\u00e9"}"#;
const PLUS_FORM: &str = "note=a+b";
const PERCENT_FORM: &str = "note=a%20b";

const KRAKEN_SECRET: &str =
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";
const OKX_SECRET: &str = "22582BD0CFF14C41EDBF1AB98506286D";
const BYBIT_SECRET: &str = "bybit-test-secret-0123456789ABCDEFGHIJ";
const APEX_SECRET: &str = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
const TIME: u64 = 1_607_418_537_715;

static POST: Operation = Operation {
    exchange: "test",
    id: "cancelWithdrawal",
    name: "cancel-withdrawal",
    method: Method::Post,
    path: "/private/cancel",
    host: None,
    body: BodyEncoding::Json,
    params: &[],
    signer_fields: &[],
    signed: true,
    rate_limit: None,
    security: &[],
};
static POST_FORM: Operation = Operation {
    body: BodyEncoding::Form,
    ..POST
};
static GET: Operation = Operation {
    method: Method::Get,
    path: "/private/history",
    host: None,
    body: BodyEncoding::None,
    ..POST
};
static KRAKEN_NONCE: [SignerField; 1] = [SignerField {
    wire_name: "nonce",
    kind: ValueKind::Integer,
    location: crate::ParamLocation::Body,
}];
static KRAKEN_JSON: Operation = Operation {
    signer_fields: &KRAKEN_NONCE,
    ..POST
};
static KRAKEN_FORM: Operation = Operation {
    signer_fields: &KRAKEN_NONCE,
    ..POST_FORM
};

fn mac256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap();
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn header<'a>(request: &'a HttpRequest, name: &str) -> &'a str {
    request
        .headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap()
}

/// Signs a POST with exactly `body` (as `encoding`).
fn post(
    signer: &dyn Signer,
    operation: &'static Operation,
    encoding: BodyEncoding,
    body: &str,
) -> HttpRequest {
    let mut request = HttpRequest::new(
        operation,
        String::new(),
        operation.path.to_owned(),
        Vec::new(),
        Body::from_bytes(encoding, body.as_bytes().to_vec()).unwrap(),
    );
    signer.sign(&mut request).unwrap();
    request
}

/// Signs a GET with exactly `query`.
fn get(signer: &dyn Signer, query: &str) -> HttpRequest {
    let mut request = HttpRequest::new(
        &GET,
        String::new(),
        format!("{}?{query}", GET.path),
        Vec::new(),
        Body::empty(),
    );
    signer.sign(&mut request).unwrap();
    request
}

/// Checks a pair: each signature verifies over its own request, not over the other one, and
/// the two differ.
fn check_pair(
    a: &HttpRequest,
    b: &HttpRequest,
    signature_header: &str,
    expected: impl Fn(&HttpRequest) -> String,
) {
    let (sig_a, sig_b) = (header(a, signature_header), header(b, signature_header));
    assert_eq!(sig_a, expected(a), "{a:?}");
    assert_eq!(sig_b, expected(b), "{b:?}");
    assert_ne!(sig_a, sig_b);
    // A pair, not one request twice.
    assert!(a.body.as_bytes() != b.body.as_bytes() || a.path_and_query != b.path_and_query);
}

#[test]
fn kraken_signs_its_own_bytes() {
    let secret = STANDARD.decode(KRAKEN_SECRET).unwrap();
    let nonce = 1_616_492_376_594u64;
    // Two signers from the same nonce, so the pair differs in serialisation only.
    let signer = || {
        KrakenSigner::new(KrakenCredentials::new("key", KRAKEN_SECRET).unwrap())
            .with_nonce_source(Arc::new(FixedNonce::new(nonce)))
    };
    let expected = |request: &HttpRequest| {
        let inner = Sha256::new()
            .chain_update(nonce.to_string())
            .chain_update(request.body.as_bytes())
            .finalize();
        let mut mac = <Hmac<Sha512> as KeyInit>::new_from_slice(&secret).unwrap();
        mac.update(request.path_and_query.as_bytes());
        mac.update(&inner);
        STANDARD.encode(mac.finalize().into_bytes())
    };
    let raw = post(&signer(), &KRAKEN_JSON, BodyEncoding::Json, RAW_JSON);
    let escaped = post(&signer(), &KRAKEN_JSON, BodyEncoding::Json, ESCAPED_JSON);
    assert_eq!(
        raw.body.as_bytes(),
        r#"{"nonce":1616492376594,"note":"café"}"#.as_bytes()
    );
    assert_eq!(
        escaped.body.as_bytes(),
        br#"{"nonce":1616492376594,"note":"caf\u00e9"}"#
    );
    check_pair(&raw, &escaped, "API-Sign", expected);

    let plus = post(&signer(), &KRAKEN_FORM, BodyEncoding::Form, PLUS_FORM);
    let percent = post(&signer(), &KRAKEN_FORM, BodyEncoding::Form, PERCENT_FORM);
    assert_eq!(plus.body.as_bytes(), b"nonce=1616492376594&note=a+b");
    assert_eq!(percent.body.as_bytes(), b"nonce=1616492376594&note=a%20b");
    check_pair(&plus, &percent, "API-Sign", expected);
}

#[test]
fn okx_signs_its_own_bytes() {
    let signer = OkxSigner::new(OkxCredentials::new("key", OKX_SECRET, "pass").unwrap())
        .with_timestamp_source(Arc::new(FixedTimestamp::new(TIME)));
    let expected = |request: &HttpRequest| {
        STANDARD.encode(mac256(
            OKX_SECRET.as_bytes(),
            &[
                header(request, "OK-ACCESS-TIMESTAMP").as_bytes(),
                request.method.as_str().as_bytes(),
                request.path_and_query.as_bytes(),
                request.body.as_bytes(),
            ],
        ))
    };
    let raw = post(&signer, &POST, BodyEncoding::Json, RAW_JSON);
    let escaped = post(&signer, &POST, BodyEncoding::Json, ESCAPED_JSON);
    assert_eq!(raw.body.as_bytes(), RAW_JSON.as_bytes());
    assert_eq!(escaped.body.as_bytes(), ESCAPED_JSON.as_bytes());
    check_pair(&raw, &escaped, "OK-ACCESS-SIGN", expected);

    let plus = get(&signer, PLUS_FORM);
    let percent = get(&signer, PERCENT_FORM);
    check_pair(&plus, &percent, "OK-ACCESS-SIGN", expected);
}

#[test]
fn bybit_signs_its_own_bytes() {
    let signer = |credentials| {
        BybitSigner::new(credentials).with_timestamp_source(Arc::new(FixedTimestamp::new(TIME)))
    };
    let payload = |request: &HttpRequest| -> Vec<u8> {
        let mut prehash = format!("{TIME}key5000").into_bytes();
        if request.method == Method::Get {
            let (_, query) = request.path_and_query.split_once('?').unwrap();
            prehash.extend_from_slice(query.as_bytes());
        } else {
            prehash.extend_from_slice(request.body.as_bytes());
        }
        prehash
    };
    let hmac = signer(BybitCredentials::hmac("key", BYBIT_SECRET).unwrap());
    let expected =
        |request: &HttpRequest| hex(&mac256(BYBIT_SECRET.as_bytes(), &[&payload(request)]));
    let raw = post(&hmac, &POST, BodyEncoding::Json, RAW_JSON);
    let escaped = post(&hmac, &POST, BodyEncoding::Json, ESCAPED_JSON);
    check_pair(&raw, &escaped, "X-BAPI-SIGN", expected);
    let plus = get(&hmac, PLUS_FORM);
    let percent = get(&hmac, PERCENT_FORM);
    check_pair(&plus, &percent, "X-BAPI-SIGN", expected);

    // RSA: PKCS#1 v1.5 is deterministic, so each signature can be checked with the public key
    // over its own prehash and must fail over the other's.
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::pkcs8::DecodePublicKey;
    use rsa::signature::Verifier;
    let public =
        VerifyingKey::<Sha256>::from_public_key_pem(super::bybit::tests::TEST_PUBLIC_PEM).unwrap();
    let rsa = signer(BybitCredentials::rsa("key", super::bybit::tests::TEST_PKCS8_PEM).unwrap());
    let verifies = |request: &HttpRequest, over: &HttpRequest| {
        let bytes = STANDARD.decode(header(request, "X-BAPI-SIGN")).unwrap();
        let signature = Signature::try_from(bytes.as_slice()).unwrap();
        public.verify(&payload(over), &signature).is_ok()
    };
    for (a, b) in [
        (
            post(&rsa, &POST, BodyEncoding::Json, RAW_JSON),
            post(&rsa, &POST, BodyEncoding::Json, ESCAPED_JSON),
        ),
        (get(&rsa, PLUS_FORM), get(&rsa, PERCENT_FORM)),
    ] {
        assert!(verifies(&a, &a) && verifies(&b, &b));
        assert!(!verifies(&a, &b) && !verifies(&b, &a));
        assert_ne!(header(&a, "X-BAPI-SIGN"), header(&b, "X-BAPI-SIGN"));
    }
}

#[test]
fn alphapoint_signs_no_body_so_serialisation_does_not_matter() {
    let signer = || {
        AlphaPointSigner::new(AlphaPointCredentials::new("key", APEX_SECRET, "96").unwrap())
            .with_nonce_source(Arc::new(FixedNonce::new(2_247_733_562)))
    };
    let expected = hex(&mac256(APEX_SECRET.as_bytes(), &[b"224773356296key"]));
    let raw = post(&signer(), &POST, BodyEncoding::Json, RAW_JSON);
    let escaped = post(&signer(), &POST, BodyEncoding::Json, ESCAPED_JSON);
    let plus = post(&signer(), &POST_FORM, BodyEncoding::Form, PLUS_FORM);
    let percent = post(&signer(), &POST_FORM, BodyEncoding::Form, PERCENT_FORM);
    for request in [&raw, &escaped, &plus, &percent] {
        assert_eq!(header(request, "Signature"), expected, "{request:?}");
        assert_eq!(header(request, "Nonce"), "2247733562");
    }
    // The bytes are still sent as given.
    assert_eq!(raw.body.as_bytes(), RAW_JSON.as_bytes());
    assert_eq!(escaped.body.as_bytes(), ESCAPED_JSON.as_bytes());
}
