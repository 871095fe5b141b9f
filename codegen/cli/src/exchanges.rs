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

/// A signed request and the client that will send it.
pub struct Prepared {
    pub request: PreparedRequest,
    pub runtime: xgen_runtime::Client,
}

/// Names `xgen request` accepts, sorted.
pub const NAMES: &[&str] = &["kraken"];

pub fn by_name(name: &str) -> Option<Box<dyn Exchange>> {
    match name {
        "kraken" => Some(Box::new(Kraken)),
        _ => None,
    }
}

struct Kraken;

impl Exchange for Kraken {
    fn operations(&self) -> &'static [&'static Operation] {
        xgen_clients::kraken::operations::ALL
    }

    fn prepare(
        &self,
        base_url: Option<&str>,
        fixed: &Fixed,
        operation: &str,
        params: serde_json::Value,
    ) -> Result<Prepared, Failure> {
        use xgen_runtime::kraken::{KrakenCredentials, KrakenSigner};
        if fixed.timestamp.is_some() {
            return Err(Failure::Input(
                "kraken signs with a nonce, not a timestamp: use --nonce".to_owned(),
            ));
        }
        let key = env("KRAKEN_API_KEY")?;
        let secret = env("KRAKEN_API_SECRET")?;
        let credentials = KrakenCredentials::new(key, &secret)
            .map_err(|e| Failure::Input(format!("KRAKEN_API_SECRET: {e}")))?;
        let mut signer = KrakenSigner::new(credentials);
        if let Some(nonce) = fixed.nonce {
            signer = signer.with_nonce_source(Arc::new(xgen_runtime::FixedNonce::new(nonce)));
        }
        let base_url = base_url.unwrap_or(xgen_clients::kraken::Client::PRODUCTION_URL);
        let client = xgen_clients::kraken::Client::with_base_url(signer, base_url)
            .map_err(|e| Failure::Input(e.to_string()))?;
        let request = client
            .prepare_by_name(operation, params)
            .map_err(|e| Failure::Input(e.to_string()))?;
        Ok(Prepared {
            request,
            runtime: client.runtime().clone(),
        })
    }

    fn decode(&self, response: &RawResponse) -> Result<serde_json::Value, Error> {
        use xgen_runtime::Envelope;
        xgen_runtime::kraken::KrakenEnvelope::decode(response)
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
