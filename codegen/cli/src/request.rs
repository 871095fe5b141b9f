//! `xgen request`: parameters by wire name into a signed request, printed or sent.

use crate::exchanges::{self, Fixed};
use crate::Failure;
use std::process::ExitCode;
use xgen_runtime::{Operation, ValueKind};

/// The text after `xgen request --help`'s options.
pub fn after_help() -> String {
    format!(
        "\
Exchanges and operations:
  kraken      cancel-withdrawal        --param asset=XBT --param refid=FTQcuak-V6Za8qrWnhzTx67yYHz8Tg
  kraken-pay  cancel-payment-request   --param external_id=Zm9vYmFy
  okx         cancel-withdrawal        --param wdId=1123456
  bybit       cancel-withdrawal        --param id=10197
  alphapoint  cancel-withdrawal        --param OMSId=1 --param UserId=1 --param AccountId=1
                                       --param RequestCode=<GUID> --base-url https://<venue host>

{credentials}

--nonce fixes Kraken's, Kraken Pay's and AlphaPoint's nonce; --timestamp fixes OKX's and Bybit's
timestamp (Unix milliseconds, or 2020-12-08T09:08:57.715Z), so output can be checked by hand.

Exit codes: 0 the exchange accepted the request (or --dry-run printed it); 1 the exchange or
the network refused it (the typed error is printed); 2 bad input (unknown exchange, operation or
parameter, a value of the wrong type, missing credentials).",
        credentials = exchanges::CREDENTIALS_HELP
    )
}

/// Arguments of `xgen request`.
#[derive(Debug, clap::Args)]
pub struct RequestArgs {
    /// The exchange: kraken, kraken-pay, okx, bybit or alphapoint.
    exchange: String,
    /// The operation, its id in kebab case (cancel-withdrawal, cancel-payment-request).
    operation: String,
    /// A parameter by its wire name: NAME=VALUE (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// Send to this base URL instead of the exchange's production URL.
    #[arg(long)]
    base_url: Option<String>,
    /// Print the signed request (method, URL, headers, body) instead of sending it.
    #[arg(long)]
    dry_run: bool,
    /// With --dry-run: print one JSON object {"method","url","headers","body"}.
    #[arg(long)]
    json: bool,
    /// Fix the nonce (Kraken, Kraken Pay, AlphaPoint), so the signature can be checked by hand.
    #[arg(long)]
    nonce: Option<u64>,
    /// Fix the timestamp (OKX, Bybit): Unix milliseconds or ISO-8601 with milliseconds.
    #[arg(long)]
    timestamp: Option<String>,
}

pub fn run(args: RequestArgs) -> Result<ExitCode, Failure> {
    let exchange = exchanges::by_name(&args.exchange).ok_or_else(|| {
        Failure::Input(format!(
            "unknown exchange '{}'; known: {}",
            args.exchange,
            exchanges::NAMES.join(", ")
        ))
    })?;
    let operation = exchange
        .operations()
        .iter()
        .find(|op| op.name == args.operation)
        .ok_or_else(|| {
            let known: Vec<&str> = exchange.operations().iter().map(|op| op.name).collect();
            Failure::Input(format!(
                "unknown operation '{}' for {}; known: {}",
                args.operation,
                args.exchange,
                known.join(", ")
            ))
        })?;
    let params = params_json(operation, &args.params)?;
    let fixed = Fixed {
        nonce: args.nonce,
        timestamp: args.timestamp.clone(),
    };
    let prepared = exchange.prepare(args.base_url.as_deref(), &fixed, operation.name, params)?;
    if args.dry_run {
        print_request(&prepared.request, args.json);
        return Ok(ExitCode::SUCCESS);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Refused(format!("cannot start the async runtime: {e}")))?;
    let response = runtime
        .block_on(prepared.runtime.execute(prepared.request))
        .map_err(|e| Failure::Refused(e.to_string()))?;
    match exchange.decode(&response) {
        Ok(result) => {
            println!("{result}");
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => Err(Failure::Refused(error.to_string())),
    }
}

/// `NAME=VALUE` pairs into a JSON object, each value typed by the operation's metadata.
fn params_json(operation: &Operation, pairs: &[String]) -> Result<serde_json::Value, Failure> {
    let mut object = serde_json::Map::new();
    let known = || {
        operation
            .params
            .iter()
            .map(|p| p.wire_name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    for pair in pairs {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| Failure::Input(format!("--param '{pair}' is not NAME=VALUE")))?;
        if operation.signer_field(name).is_some() {
            return Err(Failure::Input(format!(
                "'{name}' is set by the signer, not by --param; fix it with --{name} if you need to"
            )));
        }
        let param = operation.param(name).ok_or_else(|| {
            Failure::Input(format!(
                "unknown parameter '{name}' for {} {}; it takes: {}",
                operation.exchange,
                operation.name,
                known()
            ))
        })?;
        if object
            .insert(name.to_owned(), typed_value(name, param.kind, value)?)
            .is_some()
        {
            return Err(Failure::Input(format!("parameter '{name}' is given twice")));
        }
    }
    let missing: Vec<&str> = operation
        .params
        .iter()
        .filter(|p| p.required && !object.contains_key(p.wire_name))
        .map(|p| p.wire_name)
        .collect();
    if !missing.is_empty() {
        return Err(Failure::Input(format!(
            "{} {} needs --param for: {}",
            operation.exchange,
            operation.name,
            missing.join(", ")
        )));
    }
    Ok(serde_json::Value::Object(object))
}

fn typed_value(name: &str, kind: ValueKind, text: &str) -> Result<serde_json::Value, Failure> {
    let wrong =
        |what: &str| Failure::Input(format!("parameter '{name}' must be {what}, not '{text}'"));
    Ok(match kind {
        ValueKind::Integer => {
            serde_json::Value::from(text.parse::<i64>().map_err(|_| wrong("an integer"))?)
        }
        ValueKind::Number => {
            let number: f64 = text.parse().map_err(|_| wrong("a number"))?;
            serde_json::Number::from_f64(number)
                .map(serde_json::Value::Number)
                .ok_or_else(|| wrong("a finite number"))?
        }
        ValueKind::Boolean => {
            serde_json::Value::Bool(text.parse().map_err(|_| wrong("true or false"))?)
        }
        ValueKind::Json => serde_json::from_str(text).map_err(|_| wrong("JSON"))?,
        _ => serde_json::Value::String(text.to_owned()),
    })
}

fn print_request(request: &xgen_runtime::PreparedRequest, json: bool) {
    let body = String::from_utf8_lossy(&request.body);
    if json {
        let headers: serde_json::Map<String, serde_json::Value> = request
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        let object = serde_json::json!({
            "method": request.method.as_str(),
            "url": request.url,
            "headers": headers,
            "body": body,
        });
        println!("{object}");
        return;
    }
    println!("{} {}", request.method, request.url);
    for (name, value) in &request.headers {
        println!("{name}: {value}");
    }
    println!();
    println!("{body}");
}
