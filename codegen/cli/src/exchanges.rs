//! The exchanges `xgen request` and `xgen cancel` talk to: environment credentials and fixed
//! nonces or timestamps onto each generated client, in one place for both commands.

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

/// Where each exchange's credentials come from, for `--help`.
pub const CREDENTIALS_HELP: &str = "\
Credentials come from the environment:
  KRAKEN_API_KEY, KRAKEN_API_SECRET          Kraken spot; the secret base64, as Kraken shows it
  KRAKEN_PAY_API_KEY, KRAKEN_PAY_API_SECRET  Kraken Pay; same kind of key
  OKX_API_KEY, OKX_API_SECRET, OKX_API_PASSPHRASE
  BYBIT_API_KEY, BYBIT_API_SECRET            the HMAC secret, or an RSA private key in PEM
  ALPHAPOINT_API_KEY, ALPHAPOINT_API_SECRET, ALPHAPOINT_USER_ID";

/// Names `xgen request` and `xgen cancel` accept, sorted.
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

/// Builds and signs a request by operation name through a generated client: every generated
/// `Client` has `prepare_by_name` and `runtime`; this ties them to one exchange's types.
macro_rules! prepare_through {
    ($client:expr, $operation:expr, $params:expr) => {{
        let client = $client;
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
        if self.pay {
            prepare_through!(kraken_pay_client(base_url, fixed)?, operation, params)
        } else {
            prepare_through!(kraken_client(base_url, fixed)?, operation, params)
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
        prepare_through!(okx_client(base_url, fixed)?, operation, params)
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
        prepare_through!(bybit_client(base_url, fixed)?, operation, params)
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
        prepare_through!(alphapoint_client(base_url, fixed)?, operation, params)
    }

    fn decode(&self, response: &RawResponse) -> Result<serde_json::Value, Error> {
        use xgen_runtime::Envelope;
        xgen_runtime::alphapoint::AlphaPointEnvelope::decode(response)
    }
}

// Each exchange's generated client, signed with the credentials in the environment: the one
// place `xgen request` and `xgen cancel` read them. `base_url` replaces the production URL;
// `fixed` pins the nonce or timestamp (`Fixed::default()` for none).

/// Kraken spot: `KRAKEN_API_KEY`, `KRAKEN_API_SECRET`.
pub fn kraken_client(
    base_url: Option<&str>,
    fixed: &Fixed,
) -> Result<xgen_clients::kraken::Client, Failure> {
    use xgen_clients::kraken::Client;
    let signer = kraken_signer("kraken", "KRAKEN", fixed)?;
    Client::with_base_url(signer, base_url.unwrap_or(Client::PRODUCTION_URL)).map_err(bad_base_url)
}

/// Kraken Pay: `KRAKEN_PAY_API_KEY`, `KRAKEN_PAY_API_SECRET`.
pub fn kraken_pay_client(
    base_url: Option<&str>,
    fixed: &Fixed,
) -> Result<xgen_clients::kraken_pay::Client, Failure> {
    use xgen_clients::kraken_pay::Client;
    let signer = kraken_signer("kraken-pay", "KRAKEN_PAY", fixed)?;
    Client::with_base_url(signer, base_url.unwrap_or(Client::PRODUCTION_URL)).map_err(bad_base_url)
}

fn kraken_signer(
    exchange: &str,
    prefix: &str,
    fixed: &Fixed,
) -> Result<xgen_runtime::kraken::KrakenSigner, Failure> {
    use xgen_runtime::kraken::{KrakenCredentials, KrakenSigner};
    refuse_timestamp(exchange, fixed)?;
    let secret_var = format!("{prefix}_API_SECRET");
    let credentials =
        KrakenCredentials::new(env(&format!("{prefix}_API_KEY"))?, &env(&secret_var)?)
            .map_err(|e| Failure::Input(format!("{secret_var}: {e}")))?;
    let mut signer = KrakenSigner::new(credentials);
    if let Some(nonce) = fixed.nonce {
        signer = signer.with_nonce_source(Arc::new(xgen_runtime::FixedNonce::new(nonce)));
    }
    Ok(signer)
}

/// OKX: `OKX_API_KEY`, `OKX_API_SECRET`, `OKX_API_PASSPHRASE`.
pub fn okx_client(
    base_url: Option<&str>,
    fixed: &Fixed,
) -> Result<xgen_clients::okx::Client, Failure> {
    use xgen_clients::okx::Client;
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
    Client::with_base_url(signer, base_url.unwrap_or(Client::PRODUCTION_URL)).map_err(bad_base_url)
}

/// Bybit: `BYBIT_API_KEY`, `BYBIT_API_SECRET` (an HMAC secret, or an RSA private key in PEM).
pub fn bybit_client(
    base_url: Option<&str>,
    fixed: &Fixed,
) -> Result<xgen_clients::bybit::Client, Failure> {
    use xgen_clients::bybit::Client;
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
    Client::with_base_url(signer, base_url.unwrap_or(Client::PRODUCTION_URL)).map_err(bad_base_url)
}

/// AlphaPoint APEX: `ALPHAPOINT_API_KEY`, `ALPHAPOINT_API_SECRET`, `ALPHAPOINT_USER_ID`, and a
/// base URL, since APEX is white-label and has no production host of its own.
pub fn alphapoint_client(
    base_url: Option<&str>,
    fixed: &Fixed,
) -> Result<xgen_clients::alphapoint::Client, Failure> {
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
    xgen_clients::alphapoint::Client::with_base_url(signer, base_url).map_err(bad_base_url)
}

/// `ALPHAPOINT_USER_ID` as the number AlphaPoint's request bodies carry (the signer sends the
/// same value as text, in the `UserId` header).
pub fn alphapoint_user_id() -> Result<i64, Failure> {
    let text = env("ALPHAPOINT_USER_ID")?;
    text.trim().parse().map_err(|_| {
        Failure::Input(format!(
            "ALPHAPOINT_USER_ID must be a number (APEX user ids are), not '{text}'"
        ))
    })
}

fn bad_base_url(error: Error) -> Failure {
    Failure::Input(error.to_string())
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
