//! The request path without the network: build a WithdrawCancel request, serialize it, add the
//! nonce and sign it, next to a bare HMAC-SHA512 over the same bytes. The target is that the
//! whole path costs no more than twice the bare HMAC.

use criterion::{criterion_group, criterion_main, Criterion};
use hmac::{Hmac, KeyInit, Mac};
use std::hint::black_box;
use std::sync::Arc;
use xgen_clients::kraken::{operations, CancelWithdrawalRequest, Client};
use xgen_runtime::kraken::{KrakenCredentials, KrakenSigner};
use xgen_runtime::FixedNonce;

const SECRET: &str =
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";

fn request_path(c: &mut Criterion) {
    let credentials = KrakenCredentials::new("TEST-KRAKEN-PUBLIC-KEY", SECRET).unwrap();
    let signer = KrakenSigner::new(credentials)
        .with_nonce_source(Arc::new(FixedNonce::new(1_695_828_271_000)));
    let client = Client::with_base_url(signer, "http://127.0.0.1:1").unwrap();
    let runtime = client.runtime();

    let mut group = c.benchmark_group("withdraw_cancel");
    group.bench_function("build_serialize_sign", |b| {
        b.iter(|| {
            let request = CancelWithdrawalRequest {
                asset: black_box("XBT").to_owned(),
                refid: black_box("FTQcuak-V6Za8qrWnhzTx67yYHz8Tg").to_owned(),
            };
            runtime
                .prepare(&operations::CANCEL_WITHDRAWAL, &request)
                .unwrap()
        })
    });

    // The same bytes the signed request carries: the path and the final body.
    let prepared = runtime
        .prepare(
            &operations::CANCEL_WITHDRAWAL,
            &CancelWithdrawalRequest {
                asset: "XBT".into(),
                refid: "FTQcuak-V6Za8qrWnhzTx67yYHz8Tg".into(),
            },
        )
        .unwrap();
    let mut message = b"/0/private/WithdrawCancel".to_vec();
    message.extend_from_slice(&prepared.body);
    let key = base64_decode(SECRET);
    group.bench_function("bare_hmac_sha512", |b| {
        b.iter(|| {
            let mut mac = Hmac::<sha2::Sha512>::new_from_slice(black_box(&key)).unwrap();
            mac.update(black_box(&message));
            mac.finalize().into_bytes()
        })
    });
    // The signer keys its HMAC once at construction; this is the bare HMAC with the same saving.
    let keyed = Hmac::<sha2::Sha512>::new_from_slice(&key).unwrap();
    group.bench_function("bare_hmac_sha512_prekeyed", |b| {
        b.iter(|| {
            let mut mac = keyed.clone();
            mac.update(black_box(&message));
            mac.finalize().into_bytes()
        })
    });
    group.finish();
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

criterion_group!(benches, request_path);
criterion_main!(benches);
