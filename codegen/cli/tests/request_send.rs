//! `xgen request` without `--dry-run`: the real binary signs and sends to a fake Kraken on
//! 127.0.0.1, which checks the signature with its own code.

#[path = "../../../tests/support/mod.rs"]
mod support;

use std::process::{Command, Output};
use support::fake_kraken::{FakeKraken, Reply};
use support::{KRAKEN_DOC_SECRET, TEST_API_KEY};

async fn xgen(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_xgen"))
            .args(&args)
            .env("KRAKEN_API_KEY", TEST_API_KEY)
            .env("KRAKEN_API_SECRET", KRAKEN_DOC_SECRET)
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

fn send_args(fake: &FakeKraken, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "request",
        "kraken",
        "cancel-withdrawal",
        "--param",
        "asset=XBT",
        "--param",
        "refid=FTQcuak-V6Za8qrWnhzTx67yYHz8Tg",
        "--base-url",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(fake.base_url());
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

#[tokio::test(flavor = "multi_thread")]
async fn sends_and_prints_the_result() {
    let fake = FakeKraken::start(TEST_API_KEY, KRAKEN_DOC_SECRET).await;
    let output = xgen(send_args(&fake, &[])).await;
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), "true\n");
    let request = fake.last_request().expect("the fake saw the request");
    assert_eq!(request.path, "/0/private/WithdrawCancel");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exchange_error_exits_1_with_the_typed_error() {
    let fake = FakeKraken::start(TEST_API_KEY, KRAKEN_DOC_SECRET).await;
    fake.respond_with(Reply::error("EFunding:Unknown reference id"));
    let output = xgen(send_args(&fake, &[])).await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("error: ") && stderr.contains("EFunding:Unknown reference id"),
        "{stderr}"
    );
    assert!(!stderr.contains(KRAKEN_DOC_SECRET));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reused_nonce_is_refused_by_the_exchange() {
    let fake = FakeKraken::start(TEST_API_KEY, KRAKEN_DOC_SECRET).await;
    let first = xgen(send_args(&fake, &["--nonce", "42"])).await;
    assert_eq!(first.status.code(), Some(0));
    let again = xgen(send_args(&fake, &["--nonce", "42"])).await;
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("EAPI:Invalid nonce"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_html_error_page_exits_1_with_status_and_excerpt() {
    let fake = FakeKraken::start(TEST_API_KEY, KRAKEN_DOC_SECRET).await;
    fake.respond_with(Reply::Html502);
    let output = xgen(send_args(&fake, &[])).await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("HTTP 502") && stderr.contains("<html"),
        "{stderr}"
    );
}
