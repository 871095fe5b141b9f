//! `xgen-fake`, the command line that runs any fake as a server: started as a process, it
//! prints its base URL and answers a signed request.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::common::send;

/// Kills the child when the test ends, passing or not.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `xgen-fake` with `args` and `env`, and reads the base URL it prints.
async fn start(args: &[&str], env: &[(&str, &str)]) -> (Child, String) {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_xgen-fake"))
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let base_url = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line.trim().to_owned()
    })
    .await
    .unwrap();
    assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url}");
    (child, base_url)
}

fn now_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

#[tokio::test]
async fn runs_binance_on_a_port_and_checks_signatures() {
    let (_child, base_url) = start(
        &["binance", "--port", "0", "--key", "cli-key"],
        &[("BINANCE_API_SECRET", "cli-secret")],
    )
    .await;
    let now = now_ms();
    let query = format!("timestamp={now}");
    let mut mac = Hmac::<Sha256>::new_from_slice(b"cli-secret").unwrap();
    mac.update(query.as_bytes());
    let signature: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let url = format!("{base_url}/sapi/v1/capital/withdraw/history?{query}&signature={signature}");
    let sent = send("GET", &url, &[("X-MBX-APIKEY", "cli-key")], Vec::new()).await;
    assert_eq!((sent.status, sent.text()), (200, "[]"));
    let forged = send("GET", &url, &[("X-MBX-APIKEY", "other")], Vec::new()).await;
    assert_eq!(forged.status, 401);
}

#[tokio::test]
async fn runs_kucoin_with_its_passphrase_and_checks_signatures() {
    use xgen_fake_exchanges::kucoin;

    let (_child, base_url) = start(
        &[
            "kucoin",
            "--port",
            "0",
            "--key",
            "cli-key",
            "--secret",
            "cli-secret",
        ],
        &[("KUCOIN_API_PASSPHRASE", "cli-passphrase")],
    )
    .await;
    let path = "/api/v1/withdrawals/670deec84d64da0007d7c946";
    let timestamp = now_ms().to_string();
    let signature = kucoin::sign("cli-secret", &timestamp, "GET", path, b"");
    let signed_passphrase = kucoin::sign_passphrase("cli-secret", "cli-passphrase");
    let url = format!("{base_url}{path}");
    fn headers<'a>(
        signature: &'a str,
        timestamp: &'a str,
        passphrase: &'a str,
    ) -> Vec<(&'static str, &'a str)> {
        vec![
            ("KC-API-KEY", "cli-key"),
            ("KC-API-SIGN", signature),
            ("KC-API-TIMESTAMP", timestamp),
            ("KC-API-PASSPHRASE", passphrase),
            ("KC-API-KEY-VERSION", "2"),
        ]
    }
    // Key version 2: the passphrase goes signed with the secret.
    let sent = send(
        "GET",
        &url,
        &headers(&signature, &timestamp, &signed_passphrase),
        Vec::new(),
    )
    .await;
    assert_eq!(
        (sent.status, sent.text()),
        (200, r#"{"code":"200000","data":null}"#)
    );
    let refused = send(
        "GET",
        &url,
        &headers(&signature, &timestamp, "cli-passphrase"),
        Vec::new(),
    )
    .await;
    assert_eq!(refused.status, 401);
    assert!(refused.text().contains("400004"), "{}", refused.text());
}

#[test]
fn unknown_fakes_and_missing_credentials_are_named() {
    let out = Command::new(env!("CARGO_BIN_EXE_xgen-fake"))
        .arg("nope")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        text.contains(
            "no fake named `nope`; fakes: alphapoint, binance, bybit, kraken, kraken-pay, kucoin, \
             okx"
        ),
        "{text}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_xgen-fake"))
        .args(["okx", "--key", "k", "--secret", "s"])
        .env_remove("OKX_API_PASSPHRASE")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("give --passphrase or set OKX_API_PASSPHRASE"),
        "{text}"
    );
}
