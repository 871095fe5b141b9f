//! `xgen-fake EXCHANGE [--port N] [--key K] [--secret S] [--passphrase P] [--user-id U]`: runs
//! one fake exchange as a server on 127.0.0.1, prints its base URL, and serves until stopped
//! (Ctrl-C). Credentials come from the flags, or else from the variables `xgen request` reads
//! (`BINANCE_API_KEY`, `BINANCE_API_SECRET`, `OKX_API_PASSPHRASE`, ...). For a key pair
//! (Binance Ed25519 or RSA, Bybit RSA) give the fake the PUBLIC key in PEM: it verifies, it never
//! signs.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;

use xgen_fake_exchanges::{alphapoint, binance, bybit, kraken, kraken_pay, kucoin, okx};

/// What a fake is started from.
struct Given {
    port: u16,
    key: String,
    secret: String,
    passphrase: String,
    user_id: u64,
}

/// A running fake, kept alive by the box, and its base URL.
type Running = Result<(String, Box<dyn Any>), String>;
type Start = fn(Given) -> Pin<Box<dyn Future<Output = Running>>>;

/// One row per fake: its name (the exchange's name in xgen), the credentials it needs beyond
/// the key and secret, and how it starts. Adding a fake is one row.
const FAKES: &[(&str, &[&str], Start)] = &[
    ("alphapoint", &["user-id"], |g| {
        Box::pin(async move {
            let fake = alphapoint::FakeAlphaPoint::try_start(&g.key, &g.secret, g.user_id).await;
            serve(fake, g.port).await
        })
    }),
    ("binance", &[], |g| {
        Box::pin(async move {
            let credential = binance::Credential::from_text(&g.secret);
            let fake = match credential {
                Ok(c) => binance::FakeBinance::try_start(&g.key, c).await,
                Err(e) => Err(e),
            };
            serve(fake, g.port).await
        })
    }),
    ("bybit", &[], |g| {
        Box::pin(async move {
            let credential = if g.secret.trim_start().starts_with("-----BEGIN") {
                bybit::Credential::rsa_public_key_pem(&g.secret)
            } else {
                Ok(bybit::Credential::Hmac(g.secret.clone()))
            };
            let fake = match credential {
                Ok(c) => bybit::FakeBybit::try_start(&g.key, c).await,
                Err(e) => Err(e),
            };
            serve(fake, g.port).await
        })
    }),
    ("kraken", &[], |g| {
        Box::pin(async move {
            serve(
                kraken::FakeKraken::try_start(&g.key, &g.secret).await,
                g.port,
            )
            .await
        })
    }),
    ("kraken-pay", &[], |g| {
        Box::pin(async move {
            serve(
                kraken_pay::FakeKrakenPay::try_start(&g.key, &g.secret).await,
                g.port,
            )
            .await
        })
    }),
    ("kucoin", &["passphrase"], |g| {
        Box::pin(async move {
            let fake = kucoin::FakeKuCoin::try_start(&g.key, &g.secret, &g.passphrase).await;
            serve(fake, g.port).await
        })
    }),
    ("okx", &["passphrase"], |g| {
        Box::pin(async move {
            let fake = okx::FakeOkx::try_start(&g.key, &g.secret, &g.passphrase).await;
            serve(fake, g.port).await
        })
    }),
];

async fn serve<E: xgen_fake_exchanges::Exchange>(
    fake: Result<xgen_fake_exchanges::Fake<E>, xgen_fake_exchanges::StartError>,
    port: u16,
) -> Running {
    let fake = fake.map_err(|e| e.to_string())?;
    let fake = fake.serve_on(port).await.map_err(|e| e.to_string())?;
    Ok((fake.base_url(), Box::new(fake)))
}

const USAGE: &str =
    "usage: xgen-fake EXCHANGE [--port N] [--key K] [--secret S] [--passphrase P] [--user-id U]";

fn main() {
    if let Err(message) = run() {
        eprintln!("xgen-fake: {message}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let names: Vec<&str> = FAKES.iter().map(|(name, _, _)| *name).collect();
    let exchange = args
        .next()
        .ok_or_else(|| format!("{USAGE}\nfakes: {}", names.join(", ")))?;
    let (_, extra, start) = FAKES
        .iter()
        .find(|(name, _, _)| *name == exchange)
        .ok_or_else(|| format!("no fake named `{exchange}`; fakes: {}", names.join(", ")))?;
    let mut flags = std::collections::BTreeMap::new();
    while let Some(flag) = args.next() {
        let name = flag
            .strip_prefix("--")
            .filter(|n| ["port", "key", "secret", "passphrase", "user-id"].contains(n))
            .ok_or_else(|| format!("unknown argument `{flag}`\n{USAGE}"))?;
        let value = args
            .next()
            .ok_or_else(|| format!("--{name} needs a value"))?;
        flags.insert(name.to_owned(), value);
    }
    // The variables `xgen request` reads: `kraken-pay` -> `KRAKEN_PAY_API_KEY`.
    let prefix = exchange.to_uppercase().replace('-', "_");
    let value = |flag: &str, suffix: &str| -> Result<String, String> {
        let variable = format!("{prefix}_{suffix}");
        flags
            .get(flag)
            .cloned()
            .or_else(|| std::env::var(&variable).ok().filter(|v| !v.is_empty()))
            .ok_or_else(|| format!("give --{flag} or set {variable}"))
    };
    let port = match flags.get("port") {
        Some(p) => p
            .parse()
            .map_err(|_| format!("--port {p:?} is not a port number"))?,
        None => 0,
    };
    let optional = |flag: &str, suffix: &str| -> Result<String, String> {
        if extra.contains(&flag) {
            value(flag, suffix)
        } else {
            Ok(String::new())
        }
    };
    let user_id = optional("user-id", "USER_ID")?;
    let given = Given {
        port,
        key: value("key", "API_KEY")?,
        secret: value("secret", "API_SECRET")?,
        passphrase: optional("passphrase", "API_PASSPHRASE")?,
        user_id: if user_id.is_empty() {
            0
        } else {
            user_id
                .parse()
                .map_err(|_| format!("the user id {user_id:?} is not a number"))?
        },
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start tokio: {e}"))?;
    runtime.block_on(async move {
        let (base_url, _fake) = start(given).await?;
        println!("{base_url}");
        eprintln!("xgen-fake: {exchange} listening at {base_url}; Ctrl-C stops it");
        // Serves until the process is stopped; SIGINT's default action ends it.
        std::future::pending::<Result<(), String>>().await
    })
}
