//! `xgen request`: one operation, found in the specs when the command runs, with `--param`
//! values checked against its types, routed and signed through the runtime plugin its profile
//! names, then printed (credentials redacted) or sent.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use xgen_codegen::describe;
use xgen_runtime::registry::{Environment, SignerSetup};
use xgen_runtime::{FixedNonce, FixedTimestamp, PreparedRequest};

use crate::{catalog, params, Failure};

/// The text after `xgen request --help`'s options.
pub const AFTER_HELP: &str = "\
The operation is found in the specs folder when the command runs: `xgen ops EXCHANGE` lists
the names it takes, `xgen ops EXCHANGE OPERATION` its parameters. Parameters go by wire name;
each value is checked against the spec's type (JSON for arrays and objects), and every bad,
unknown or missing one is named in one run.

Credentials come from the environment, named after the exchange folder and the signing scheme
its profile names (`xgen ops EXCHANGE OPERATION` lists them):
  KRAKEN_API_KEY, KRAKEN_API_SECRET          Kraken spot; the secret base64, as Kraken shows it
  KRAKEN_PAY_API_KEY, KRAKEN_PAY_API_SECRET  Kraken Pay; same kind of key
  OKX_API_KEY, OKX_API_SECRET, OKX_API_PASSPHRASE
  BYBIT_API_KEY, BYBIT_API_SECRET            the HMAC secret, or an RSA private key in PEM
  ALPHAPOINT_API_KEY, ALPHAPOINT_API_SECRET, ALPHAPOINT_USER_ID
  <EXCHANGE>_<SCHEME>                        an OpenAPI API key or bearer token, per security scheme
  <EXCHANGE>_<SCHEME>_USERNAME, _PASSWORD    an OpenAPI HTTP basic scheme
Operations that are not signed need none.

--nonce fixes the nonce of nonce-signed schemes (Kraken, AlphaPoint); --timestamp fixes the
timestamp of time-signed ones (OKX, Bybit; Unix milliseconds, or 2020-12-08T09:08:57.715Z), so
output can be checked by hand. A dry run prints credentials (API keys, passphrases, tokens) as
[redacted] and says which; signatures, nonces and timestamps are shown.

Exit codes: 0 the exchange accepted the request (or --dry-run printed it); 1 the exchange or
the network refused it (the typed error is printed); 2 bad input (unknown exchange, operation or
parameter, a value of the wrong type, missing credentials, a broken spec).";

/// Arguments of `xgen request`.
#[derive(Debug, clap::Args)]
pub struct RequestArgs {
    /// The exchange: its folder name under the specs folder (okx, kraken-pay, ...).
    exchange: String,
    /// The operation: its name in kebab case (cancel-withdrawal) or its id (cancelWithdrawal).
    operation: String,
    /// A parameter by its wire name: NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// The specs folder.
    #[arg(long, default_value = "specs")]
    specs: PathBuf,
    /// Send to this base URL instead of the exchange's production URL.
    #[arg(long)]
    base_url: Option<String>,
    /// Print the signed request (method, URL, headers, body) instead of sending it.
    #[arg(long)]
    dry_run: bool,
    /// With --dry-run: print one JSON object {"method","url","headers","body","redacted"}.
    #[arg(long)]
    json: bool,
    /// Fix the nonce (nonce-signed schemes), so the signature can be checked by hand.
    #[arg(long)]
    nonce: Option<u64>,
    /// Fix the timestamp (time-signed schemes): Unix milliseconds or ISO-8601 with milliseconds.
    #[arg(long)]
    timestamp: Option<String>,
}

pub fn run(args: RequestArgs) -> Result<ExitCode, Failure> {
    let apis = catalog::load(&args.specs, Some(&args.exchange))?;
    let Some(api) = apis.first() else {
        return Err(Failure::Input(format!("no exchange '{}'", args.exchange)));
    };
    let operation = catalog::find(api, &args.operation)?;
    let info = describe::describe(operation, api);
    // Every problem with the input in one run: parameters, then what signing needs.
    let mut problems = Vec::new();
    let params = params::parse(&info, api, &args.params).unwrap_or_else(|found| {
        problems.extend(found);
        serde_json::Value::Null
    });
    let runtime_op = catalog::runtime_operation(&info, api);
    let auth_schemes: Vec<_> = catalog::runtime_auth_schemes(api).into_values().collect();
    let signer = fixed_values(&args).and_then(|(nonce, timestamp)| {
        let setup = SignerSetup {
            exchange: &api.exchange,
            source: &Environment,
            auth_schemes: &auth_schemes,
            nonce,
            timestamp,
        };
        api.profile
            .signing
            .signer_for(&setup, runtime_op)
            .map_err(|e| e.to_string())
    });
    let signer = signer.unwrap_or_else(|problem| {
        problems.push(problem);
        Arc::new(xgen_runtime::Unsigned)
    });
    let base_url = args
        .base_url
        .clone()
        .or_else(|| api.profile.base_urls.get("production").cloned());
    if base_url.is_none() {
        problems.push(format!(
            "{} has no production base URL in its profile: give one with --base-url",
            api.exchange
        ));
    }
    if !problems.is_empty() {
        return Err(Failure::Input(problem_list(
            &info.exchange,
            &info.name,
            &problems,
        )));
    }
    // `--base-url` sends every operation there (a test server); else each goes to its host's
    // production URL, where the API has several.
    let hosts: Vec<(&str, &str)> = match args.base_url {
        Some(_) => Vec::new(),
        None => (api.profile.hosts.iter())
            .filter_map(|(host, urls)| Some((host.as_str(), urls.get("production")?.as_str())))
            .collect(),
    };
    let base_url = base_url.unwrap_or_default();
    let client = xgen_runtime::Client::new(&base_url, signer)
        .and_then(|client| client.with_hosts(&hosts))
        .map_err(|e| Failure::Input(e.to_string()))?;
    let prepared = client
        .prepare(runtime_op, &params)
        .map_err(|e| Failure::Input(e.to_string()))?;
    if args.dry_run {
        print_request(&prepared, args.json);
        return Ok(ExitCode::SUCCESS);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Refused(format!("cannot start the async runtime: {e}")))?;
    let response = runtime
        .block_on(client.execute(prepared))
        .map_err(|e| Failure::Refused(e.to_string()))?;
    match api.profile.envelope.decode_json(&response) {
        Ok(result) => {
            println!("{result}");
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => Err(Failure::Refused(error.to_string())),
    }
}

/// The fixed nonce and timestamp, as sources.
type Fixed = (
    Option<Arc<dyn xgen_runtime::NonceSource>>,
    Option<Arc<dyn xgen_runtime::TimestampSource>>,
);

fn fixed_values(args: &RequestArgs) -> Result<Fixed, String> {
    let nonce = args
        .nonce
        .map(|n| Arc::new(FixedNonce::new(n)) as Arc<dyn xgen_runtime::NonceSource>);
    let timestamp = match &args.timestamp {
        None => None,
        Some(text) => {
            let millis =
                xgen_runtime::parse_timestamp(text).map_err(|e| format!("--timestamp: {e}"))?;
            Some(Arc::new(FixedTimestamp::new(millis)) as Arc<dyn xgen_runtime::TimestampSource>)
        }
    };
    Ok((nonce, timestamp))
}

/// One problem on one line; several under a heading, one per line.
fn problem_list(exchange: &str, operation: &str, problems: &[String]) -> String {
    match problems {
        [one] => one.clone(),
        _ => {
            let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
            format!(
                "{exchange} {operation}: {} problems:\n{}",
                problems.len(),
                lines.join("\n")
            )
        }
    }
}

/// The request with its credentials redacted, as text or JSON; what was hidden is said on
/// stderr (text) or in `redacted` (JSON).
fn print_request(request: &PreparedRequest, json: bool) {
    let (shown, hidden) = request.redacted();
    let body = String::from_utf8_lossy(&shown.body);
    if json {
        let headers: serde_json::Map<String, serde_json::Value> = shown
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        let object = serde_json::json!({
            "method": shown.method.as_str(),
            "url": shown.url,
            "headers": headers,
            "body": body,
            "redacted": hidden,
        });
        println!("{object}");
        return;
    }
    println!("{} {}", shown.method, shown.url);
    for (name, value) in &shown.headers {
        println!("{name}: {value}");
    }
    println!();
    println!("{body}");
    if !hidden.is_empty() {
        eprintln!(
            "note: credentials shown as [redacted]: {}",
            hidden.join(", ")
        );
    }
}
