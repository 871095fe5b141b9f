//! The generated clients `xgen-cancel` drives, each signed with credentials from the
//! environment through the runtime's registry: the variables and the signer come from the
//! signing scheme each client's profile names (`Client::SIGNING_SCHEME`), as for `xgen request`.

use xgen_clients::{alphapoint, bybit, kraken, kraken_pay, kucoin, okx};
use xgen_runtime::registry::{self, Environment, SignerSetup};

use crate::Failure;

/// The exchanges whose withdrawals the hand-written layer knows, sorted.
pub const NAMES: &[&str] = &[
    "alphapoint",
    "bybit",
    "kraken",
    "kraken-pay",
    "kucoin",
    "okx",
];

/// The scheme each exchange's generated client signs with.
fn scheme_of(exchange: &str) -> &'static str {
    match exchange {
        "alphapoint" => alphapoint::Client::SIGNING_SCHEME,
        "bybit" => bybit::Client::SIGNING_SCHEME,
        "kraken" => kraken::Client::SIGNING_SCHEME,
        "kraken-pay" => kraken_pay::Client::SIGNING_SCHEME,
        "kucoin" => kucoin::Client::SIGNING_SCHEME,
        _ => okx::Client::SIGNING_SCHEME,
    }
}

/// Where each exchange's credentials come from, for `--help`: from the registry.
pub fn credentials_help() -> String {
    let mut lines = vec!["Credentials come from the environment:".to_owned()];
    for exchange in NAMES {
        let Some(scheme) = registry::signing_scheme(scheme_of(exchange)) else {
            continue;
        };
        let names: Vec<String> = scheme
            .variables(exchange, &[])
            .into_iter()
            .map(|v| v.name)
            .collect();
        lines.push(format!("  {exchange:<11} {}", names.join(", ")));
    }
    lines.join("\n")
}

/// A runtime client for `base_url`, signed as `exchange`'s profile says, with every missing
/// variable named at once.
fn runtime(exchange: &str, base_url: &str) -> Result<xgen_runtime::Client, Failure> {
    let name = scheme_of(exchange);
    let scheme = registry::signing_scheme(name).ok_or_else(|| {
        Failure::Input(format!(
            "{exchange} names signing scheme '{name}', which the runtime does not have"
        ))
    })?;
    let setup = SignerSetup {
        exchange,
        source: &Environment,
        auth_schemes: &[],
        nonce: None,
        timestamp: None,
    };
    let signer = scheme
        .signer(&setup)
        .map_err(|e| Failure::Input(e.to_string()))?;
    xgen_runtime::Client::new(base_url, signer).map_err(|e| Failure::Input(e.to_string()))
}

pub fn kraken(base_url: Option<&str>) -> Result<kraken::Client, Failure> {
    let url = base_url.unwrap_or(kraken::Client::PRODUCTION_URL);
    runtime("kraken", url).map(kraken::Client::from_runtime)
}

pub fn kraken_pay(base_url: Option<&str>) -> Result<kraken_pay::Client, Failure> {
    let url = base_url.unwrap_or(kraken_pay::Client::PRODUCTION_URL);
    runtime("kraken-pay", url).map(kraken_pay::Client::from_runtime)
}

pub fn okx(base_url: Option<&str>) -> Result<okx::Client, Failure> {
    let url = base_url.unwrap_or(okx::Client::PRODUCTION_URL);
    runtime("okx", url).map(okx::Client::from_runtime)
}

pub fn bybit(base_url: Option<&str>) -> Result<bybit::Client, Failure> {
    let url = base_url.unwrap_or(bybit::Client::PRODUCTION_URL);
    runtime("bybit", url).map(bybit::Client::from_runtime)
}

/// KuCoin by default sends each operation to its production host (the withdrawal endpoints are
/// on the Spot host); `--base-url` sends every operation to that one URL, as a test server
/// wants.
pub fn kucoin(base_url: Option<&str>) -> Result<kucoin::Client, Failure> {
    let runtime = match base_url {
        Some(url) => runtime("kucoin", url)?,
        None => runtime("kucoin", kucoin::Client::PRODUCTION_URL)?
            .with_hosts(kucoin::Client::PRODUCTION_HOSTS)
            .map_err(|e| Failure::Input(e.to_string()))?,
    };
    Ok(kucoin::Client::from_runtime(runtime))
}

/// AlphaPoint APEX is white-label and has no production host of its own.
pub fn alphapoint(base_url: Option<&str>) -> Result<alphapoint::Client, Failure> {
    let url = base_url.ok_or_else(|| {
        Failure::Input(
            "alphapoint has no default host (APEX is white-label): give the venue's with --base-url"
                .to_owned(),
        )
    })?;
    runtime("alphapoint", url).map(alphapoint::Client::from_runtime)
}

/// `ALPHAPOINT_USER_ID` as the number AlphaPoint's request bodies carry (the signer sends the
/// same value as text, in the `UserId` header).
pub fn alphapoint_user_id() -> Result<i64, Failure> {
    let text = std::env::var("ALPHAPOINT_USER_ID").unwrap_or_default();
    if text.is_empty() {
        return Err(Failure::Input(
            "ALPHAPOINT_USER_ID is not set: the request cannot be signed without it".to_owned(),
        ));
    }
    text.trim().parse().map_err(|_| {
        Failure::Input(format!(
            "ALPHAPOINT_USER_ID must be a number (APEX user ids are), not '{text}'"
        ))
    })
}
