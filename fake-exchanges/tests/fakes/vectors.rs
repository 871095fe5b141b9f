//! Each fake's signing and verifying functions against the known answers in
//! `tests/data/signing-examples.json` (a copy of the project's reference file: values published by
//! the exchanges or cross-checked with their official SDKs) and an OpenSSL-made Bybit RSA vector.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde_json::Value;
use xgen_fake_exchanges::rsa::pkcs8::DecodePublicKey;
use xgen_fake_exchanges::rsa::RsaPublicKey;
use xgen_fake_exchanges::{alphapoint, bybit, kraken, kucoin, okx};

fn vectors() -> Vec<Value> {
    let text = include_str!("../data/signing-examples.json");
    let doc: Value = serde_json::from_str(text).unwrap();
    doc["vectors"].as_array().unwrap().clone()
}

fn s<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("{}: no string {field}", v["id"]))
}

fn path_and_query(v: &Value) -> String {
    match s(v, "query") {
        "" => s(v, "path").to_owned(),
        q => format!("{}?{q}", s(v, "path")),
    }
}

/// A different valid signature of the same shape: one bit flipped.
fn flip_b64(sig: &str) -> String {
    let mut bytes = B64.decode(sig).unwrap();
    bytes[0] ^= 1;
    B64.encode(bytes)
}

#[test]
fn every_vector_is_checked() {
    let mut seen = std::collections::BTreeMap::new();
    for v in vectors() {
        *seen.entry(s(&v, "exchange").to_owned()).or_insert(0) += 1;
    }
    assert_eq!(seen.get("kraken"), Some(&3));
    assert_eq!(seen.get("okx"), Some(&1));
    assert_eq!(seen.get("bybit"), Some(&2));
    assert_eq!(seen.get("alphapoint"), Some(&1));
    assert_eq!(seen.get("kucoin"), Some(&2));
    assert_eq!(seen.values().sum::<i32>(), 9, "{seen:?}");
}

#[test]
fn kucoin_vectors() {
    for v in vectors().iter().filter(|v| v["exchange"] == "kucoin") {
        let (secret, expected) = (s(v, "secret"), &v["expected"]);
        assert_eq!(
            kucoin::sign_passphrase(secret, s(v, "passphrase")),
            s(expected, "KC-API-PASSPHRASE"),
            "{}",
            v["id"]
        );
        let Some(sign) = expected["KC-API-SIGN"].as_str() else {
            continue;
        };
        let (ts, method) = (s(v, "timestamp_or_nonce"), s(v, "method"));
        let pq = path_and_query(v);
        let body = s(v, "body").as_bytes();
        assert_eq!(
            kucoin::prehash(ts, method, &pq, body),
            s(v, "prehash").as_bytes()
        );
        assert_eq!(kucoin::sign(secret, ts, method, &pq, body), sign);
        assert!(kucoin::verify_signature(
            secret, ts, method, &pq, body, sign
        ));
        assert!(!kucoin::verify_signature(
            secret,
            ts,
            method,
            &pq,
            body,
            &flip_b64(sign)
        ));
        // The query is signed: the bare path does not verify.
        assert!(!kucoin::verify_signature(
            secret,
            ts,
            method,
            s(v, "path"),
            body,
            sign
        ));
    }
}

#[test]
fn kraken_vectors() {
    for v in vectors().iter().filter(|v| v["exchange"] == "kraken") {
        let secret = B64.decode(s(v, "secret")).unwrap();
        let pq = path_and_query(v);
        let nonce = s(v, "timestamp_or_nonce");
        let body = s(v, "body").as_bytes();
        let expected = s(&v["expected"], "API-Sign");
        assert_eq!(
            kraken::kraken_sign(&secret, &pq, nonce, body),
            expected,
            "{}",
            v["id"]
        );
        assert_eq!(
            kraken::kraken_sign_b64(s(v, "secret"), &pq, nonce, body),
            expected
        );
        assert!(kraken::verify_signature(
            &secret, &pq, nonce, body, expected
        ));
        assert!(!kraken::verify_signature(
            &secret,
            &pq,
            nonce,
            body,
            &flip_b64(expected)
        ));
        assert!(!kraken::verify_signature(
            &secret,
            "/0/private/Other",
            nonce,
            body,
            expected
        ));
        assert!(!kraken::verify_signature(&secret, &pq, "1", body, expected));
        assert!(!kraken::verify_signature(
            &secret,
            &pq,
            nonce,
            body,
            "not base64!"
        ));
    }
}

#[test]
fn okx_vectors() {
    for v in vectors().iter().filter(|v| v["exchange"] == "okx") {
        let (secret, ts, method) = (s(v, "secret"), s(v, "timestamp_or_nonce"), s(v, "method"));
        let pq = path_and_query(v);
        let body = s(v, "body").as_bytes();
        assert_eq!(
            okx::prehash(ts, method, &pq, body),
            s(v, "prehash").as_bytes()
        );
        let expected = s(&v["expected"], "OK-ACCESS-SIGN");
        assert_eq!(okx::sign(secret, ts, method, &pq, body), expected);
        // The method is upper-cased into the prehash.
        assert_eq!(okx::sign(secret, ts, "get", &pq, body), expected);
        assert!(okx::verify_signature(
            secret, ts, method, &pq, body, expected
        ));
        assert!(!okx::verify_signature(
            secret,
            ts,
            method,
            &pq,
            body,
            &flip_b64(expected)
        ));
        assert!(!okx::verify_signature(
            secret,
            ts,
            method,
            "/api/v5/account/balance",
            body,
            expected
        ));
        assert!(!okx::verify_signature(
            "other", ts, method, &pq, body, expected
        ));
        // The timestamp format round-trips.
        let ms = okx::parse_timestamp(ts).unwrap();
        assert_eq!(okx::timestamp(ms), ts);
    }
}

#[test]
fn bybit_hmac_vectors() {
    for v in vectors().iter().filter(|v| v["exchange"] == "bybit") {
        let (secret, key, ts, rw) = (
            s(v, "secret"),
            s(v, "api_key"),
            s(v, "timestamp_or_nonce"),
            s(v, "recv_window"),
        );
        let payload = if s(v, "method") == "GET" {
            s(v, "query")
        } else {
            s(v, "body")
        };
        let prehash = bybit::prehash(ts, key, rw, payload.as_bytes());
        assert_eq!(prehash, s(v, "prehash").as_bytes(), "{}", v["id"]);
        let expected = s(&v["expected"], "X-BAPI-SIGN");
        assert_eq!(bybit::sign_hmac(secret, &prehash), expected);
        assert!(bybit::verify_hmac(secret, &prehash, expected));
        // Lower-case hex only, as documented.
        assert!(!bybit::verify_hmac(
            secret,
            &prehash,
            &expected.to_ascii_uppercase()
        ));
        assert!(!bybit::verify_hmac("other", &prehash, expected));
        assert!(!bybit::verify_hmac(secret, b"other", expected));
        // The docs' own signature is made with an unpublished secret: not ours.
        let docs = s(v, "doc_published_signature_unreproducible");
        assert!(!bybit::verify_hmac(secret, &prehash, docs));
    }
}

#[test]
fn bybit_rsa_vector_made_with_openssl() {
    let v: Value = serde_json::from_str(include_str!("../data/bybit-rsa-vector.json")).unwrap();
    let public =
        RsaPublicKey::from_public_key_pem(include_str!("../data/bybit-test-rsa-public.pem"))
            .unwrap();
    let prehash = bybit::prehash(
        s(&v, "timestamp"),
        s(&v, "api_key"),
        s(&v, "recv_window"),
        s(&v, "body").as_bytes(),
    );
    assert_eq!(prehash, s(&v, "prehash").as_bytes());
    let sig = s(&v, "signature_b64");
    assert!(bybit::verify_rsa(&public, &prehash, sig));
    assert!(!bybit::verify_rsa(&public, &prehash, &flip_b64(sig)));
    assert!(!bybit::verify_rsa(&public, b"other", sig));
    assert!(!bybit::verify_rsa(&public, &prehash, "not base64!"));
    assert!(!bybit::verify_rsa(&public, &prehash, "AAAA"));
    // The credential constructor takes the same PEM.
    assert!(bybit::Credential::rsa_public_key_pem(include_str!(
        "../data/bybit-test-rsa-public.pem"
    ))
    .is_ok());
    let err = bybit::Credential::rsa_public_key_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("not an RSA public key PEM"), "{err}");
}

#[test]
fn alphapoint_vectors() {
    for v in vectors().iter().filter(|v| v["exchange"] == "alphapoint") {
        let (secret, key, user, nonce) = (
            s(v, "secret"),
            s(v, "api_key"),
            s(v, "user_id"),
            s(v, "timestamp_or_nonce"),
        );
        assert_eq!(format!("{nonce}{user}{key}"), s(v, "prehash"));
        let expected = s(&v["expected"], "Signature");
        assert_eq!(alphapoint::sign(secret, nonce, user, key), expected);
        assert!(alphapoint::verify_signature(
            secret, nonce, user, key, expected
        ));
        assert!(!alphapoint::verify_signature(
            secret,
            nonce,
            user,
            key,
            &expected.to_ascii_uppercase()
        ));
        assert!(!alphapoint::verify_signature(
            secret, "1", user, key, expected
        ));
        assert!(!alphapoint::verify_signature(
            "other", nonce, user, key, expected
        ));
        let docs = s(v, "doc_published_signature_unreproducible");
        assert!(!alphapoint::verify_signature(
            secret, nonce, user, key, docs
        ));
    }
}
