//! The exchanges `xgen request` can talk to: each maps environment credentials and fixed
//! nonces or timestamps onto its generated client.

use crate::Failure;
use std::sync::Arc;
use xgen_runtime::{Error, Operation, PreparedRequest, RawResponse};

/// Time-dependent values fixed on the command line, so output can be checked by hand.
#[derive(Debug, Default, Clone)]
pub struct Fixed {
    pub nonce: Option<u64>,
    pub timestamp: Option<String>,
}

/// A signed request and the client that will send it.
pub struct Prepared {
    pub request: PreparedRequest,
    pub runtime: xgen_runtime::Client,
}

/// One exchange as the command line sees it.
pub trait Exchange {
    /// Its operations, from the generated operation table.
    fn operations(&self) -> &'static [&'static Operation];
    /// Builds and signs a request through the generated client.
    fn prepare(
        &self,
        base_url: Option<&str>,
        fixed: &Fixed,
        operation: &str,
        params: serde_json::Value,
    ) -> Result<Prepared, Failure>;
    /// Decodes a reply through the exchange's envelope.
    fn decode(&self, response: &RawResponse) -> Result<serde_json::Value, Error>;
}

/// Names `xgen request` accepts, sorted.
pub const NAMES: &[&str] = &["alphapoint", "bybit", "kraken", "kraken-pay", "okx"];

pub fn by_name(name: &str) -> Option<Box<dyn Exchange>> {
    match name {
        "alphapoint" => Some(Box::new(AlphaPoint)),
        "bybit" => Some(Box::new(Bybit)),
        "kraken" => Some(Box::new(Kraken { pay: false })),
        "kraken-pay" => Some(Box::new(Kraken { pay: true })),
        "okx" => Some(Box::new(Okx)),
        _ => None,
    }
}

/// What the generated clients have in common, for the command line: every generated `Client`
/// has these three functions; this ties them to one exchange's types.
macro_rules! prepare_through {
    ($client:path, $signer:expr, $base_url:expr, $operation:expr, $params:expr) => {{
        let client = <$client>::with_base_url($signer, $base_url)
            .map_err(|e| Failure::Input(e.to_string()))?;
        let request = client
            .prepare_by_name($operation, $params)
            .map_err(|e| Failure::Input(e.to_string()))?;
        Ok(Prepared {
            request,
            runtime: client.runtime().clone(),
        })
    }};
}

struct Kraken {
    pay: bool,
}

impl Exchange for Kraken {
    fn operations(&self) -> &'static [&'static Operation] {
        if self.pay {
            xgen_clients::kraken_pay::operations::ALL
        } else {
            xgen_clients::kraken::operations::ALL
        }
    }

    fn prepare(
        &self,
        base_url: Option<&str>,
        fixed: &Fixed,
        operation: &str,
        params: serde_json::Value,
    ) -> Result<Prepared, Failure> {
        use xgen_runtime::kraken::{KrakenCredentials, KrakenSigner};
        let prefix = if self.pay { "KRAKEN_PAY" } else { "KRAKEN" };
        refuse_timestamp(if self.pay { "kraken-pay" } else { "kraken" }, fixed)?;
        let secret_var = format!("{prefix}_API_SECRET");
        let credentials =
            KrakenCredentials::new(env(&format!("{prefix}_API_KEY"))?, &env(&secret_var)?)
                .map_err(|e| Failure::Input(format!("{secret_var}: {e}")))?;
        let mut signer = KrakenSigner::new(credentials);
        if let Some(nonce) = fixed.nonce {
            signer = signer.with_nonce_source(Arc::new(xgen_runtime::FixedNonce::new(nonce)));
        }
        if self.pay {
            let base_url = base_url.unwrap_or(xgen_clients::kraken_pay::Client::PRODUCTION_URL);
            prepare_through!(
                xgen_clients::kraken_pay::Client,
                signer,
                base_url,
                operation,
                params
            )
        } else {
            let base_url = base_url.unwrap_or(xgen_clients::kraken::Client::PRODUCTION_URL);
            prepare_through!(
                xgen_clients::kraken::Client,
                signer,
                base_url,
                operation,
                params
            )
        }
    }

    fn decode(&self, response: &RawResponse) -> Result<serde_json::Value, Error> {
        use xgen_runtime::Envelope;
        xgen_runtime::kraken::KrakenEnvelope::decode(response)
    }
}

struct Okx;

impl Exchange for Okx {
    fn operations(&self) -> &'static [&'static Operation] {
        xgen_clients::okx::operations::ALL
    }

    fn prepare(
        &self,
        base_url: Option<&str>,
        fixed: &Fixed,
        operation: &str,
        params: serde_json::Value,
    ) -> Result<Prepared, Failure> {
        use xgen_runtime::okx::{OkxCredentials, OkxSigner};
        refuse_nonce("okx", fixed)?;
        let credentials = OkxCredentials::new(
            env("OKX_API_KEY")?,
            env("OKX_API_SECRET")?,
            env("OKX_API_PASSPHRASE")?,
        )
        .map_err(|e| Failure::Input(format!("OKX credentials: {e}")))?;
        let mut signer = OkxSigner::new(credentials);
        if let Some(timestamp) = fixed_timestamp(fixed)? {
            signer = signer.with_timestamp_source(timestamp);
        }
        let base_url = base_url.unwrap_or(xgen_clients::okx::Client::PRODUCTION_URL);
        prepare_through!(
            xgen_clients::okx::Client,
            signer,
            base_url,
            operation,
            params
        )
    }

    fn decode(&self, response: &RawResponse) -> Result<serde_json::Value, Error> {
        use xgen_runtime::Envelope;
        xgen_runtime::okx::OkxEnvelope::decode(response)
    }
}

struct Bybit;

impl Exchange for Bybit {
    fn operations(&self) -> &'static [&'static Operation] {
        xgen_clients::bybit::operations::ALL
    }

    fn prepare(
        &self,
        base_url: Option<&str>,
        fixed: &Fixed,
        operation: &str,
        params: serde_json::Value,
    ) -> Result<Prepared, Failure> {
        use xgen_runtime::bybit::{BybitCredentials, BybitSigner};
        refuse_nonce("bybit", fixed)?;
        let key = env("BYBIT_API_KEY")?;
        let secret = env("BYBIT_API_SECRET")?;
        // A PEM private key means a self-generated RSA key; anything else is an HMAC secret.
        let credentials = if secret.trim_start().starts_with("-----BEGIN") {
            BybitCredentials::rsa(key, &secret)
        } else {
            BybitCredentials::hmac(key, secret)
        }
        .map_err(|e| Failure::Input(format!("BYBIT_API_SECRET: {e}")))?;
        let mut signer = BybitSigner::new(credentials);
        if let Some(timestamp) = fixed_timestamp(fixed)? {
            signer = signer.with_timestamp_source(timestamp);
        }
        let base_url = base_url.unwrap_or(xgen_clients::bybit::Client::PRODUCTION_URL);
        prepare_through!(
            xgen_clients::bybit::Client,
            signer,
            base_url,
            operation,
            params
        )
    }

    fn decode(&self, response: &RawResponse) -> Result<serde_json::Value, Error> {
        use xgen_runtime::Envelope;
        xgen_runtime::bybit::BybitEnvelope::decode(response)
    }
}

struct AlphaPoint;

impl Exchange for AlphaPoint {
    fn operations(&self) -> &'static [&'static Operation] {
        xgen_clients::alphapoint::operations::ALL
    }

    fn prepare(
        &self,
        base_url: Option<&str>,
        fixed: &Fixed,
        operation: &str,
        params: serde_json::Value,
    ) -> Result<Prepared, Failure> {
        use xgen_runtime::alphapoint::{AlphaPointCredentials, AlphaPointSigner};
        refuse_timestamp("alphapoint", fixed)?;
        let base_url = base_url.ok_or_else(|| {
            Failure::Input("alphapoint has no default host (APEX is white-label): give the venue's with --base-url".to_owned())
        })?;
        let credentials = AlphaPointCredentials::new(
            env("ALPHAPOINT_API_KEY")?,
            env("ALPHAPOINT_API_SECRET")?,
            env("ALPHAPOINT_USER_ID")?,
        )
        .map_err(|e| Failure::Input(format!("AlphaPoint credentials: {e}")))?;
        let mut signer = AlphaPointSigner::new(credentials);
        if let Some(nonce) = fixed.nonce {
            signer = signer.with_nonce_source(Arc::new(xgen_runtime::FixedNonce::new(nonce)));
        }
        prepare_through!(
            xgen_clients::alphapoint::Client,
            signer,
            base_url,
            operation,
            params
        )
    }

    fn decode(&self, response: &RawResponse) -> Result<serde_json::Value, Error> {
        use xgen_runtime::Envelope;
        xgen_runtime::alphapoint::AlphaPointEnvelope::decode(response)
    }
}

fn fixed_timestamp(
    fixed: &Fixed,
) -> Result<Option<Arc<dyn xgen_runtime::TimestampSource>>, Failure> {
    let Some(text) = &fixed.timestamp else {
        return Ok(None);
    };
    let millis = xgen_runtime::parse_timestamp(text)
        .map_err(|e| Failure::Input(format!("--timestamp: {e}")))?;
    Ok(Some(Arc::new(xgen_runtime::FixedTimestamp::new(millis))))
}

fn refuse_timestamp(exchange: &str, fixed: &Fixed) -> Result<(), Failure> {
    match fixed.timestamp {
        Some(_) => Err(Failure::Input(format!(
            "{exchange} signs with a nonce, not a timestamp: use --nonce"
        ))),
        None => Ok(()),
    }
}

fn refuse_nonce(exchange: &str, fixed: &Fixed) -> Result<(), Failure> {
    match fixed.nonce {
        Some(_) => Err(Failure::Input(format!(
            "{exchange} signs with a timestamp, not a nonce: use --timestamp"
        ))),
        None => Ok(()),
    }
}

fn env(name: &str) -> Result<String, Failure> {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => Ok(value),
        _ => Err(Failure::Input(format!(
            "{name} is not set: the request cannot be signed without it"
        ))),
    }
}
