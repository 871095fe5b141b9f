//! `xgen ops`: the operations the specs define, and one operation's parameters, as text or
//! JSON, read from the specs folder when the command runs.

use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;
use xgen_codegen::describe::{self, OperationInfo};
use xgen_codegen::ir::{Api, RateLimit};

use crate::{catalog, Failure};

/// The text after `xgen ops --help`'s options.
pub const AFTER_HELP: &str = "\
Examples:
  xgen ops                          every operation of every exchange
  xgen ops okx                      OKX's operations
  xgen ops okx cancel-withdrawal    one operation, with its parameters and credentials
  xgen ops okx --json               the same as a JSON array (README.md documents the shape)

NAME is what `xgen request` takes. Exit codes: 0 listed; 2 bad input (an unknown exchange or
operation, a broken spec).";

/// Arguments of `xgen ops`.
#[derive(Debug, clap::Args)]
pub struct OpsArgs {
    /// Only this exchange (its folder name under the specs folder).
    exchange: Option<String>,
    /// Only this operation, with its parameters (kebab-case name or id).
    operation: Option<String>,
    /// The specs folder.
    #[arg(long, default_value = "specs")]
    specs: PathBuf,
    /// Print a JSON array of operation objects instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: OpsArgs) -> Result<ExitCode, Failure> {
    let apis = catalog::load(&args.specs, args.exchange.as_deref())?;
    let mut selected: Vec<(&Api, OperationInfo)> = Vec::new();
    for api in &apis {
        match &args.operation {
            Some(name) => selected.push((api, describe::describe(catalog::find(api, name)?, api))),
            None => {
                // By the name shown, which a method name's order need not follow
                // (`get24hr_stats` before `get_all`, `get-all` before `get24hr-stats`).
                let mut operations = describe::operations(api);
                operations.sort_by(|a, b| a.name.cmp(&b.name));
                selected.extend(operations.into_iter().map(|op| (api, op)));
            }
        }
    }
    if args.json {
        let array: Vec<serde_json::Value> =
            selected.iter().map(|(api, op)| to_json(api, op)).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&array).unwrap_or_default()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let detailed = args.operation.is_some();
    for (index, (api, op)) in selected.iter().enumerate() {
        if detailed && index > 0 {
            println!();
        }
        print_operation(api, op, detailed);
    }
    Ok(ExitCode::SUCCESS)
}

/// `6 per 1 s per User ID`.
fn rate_text(limit: &RateLimit) -> String {
    format!(
        "{} per {} s per {}",
        limit.requests, limit.per_seconds, limit.scope
    )
}

/// How the operation is authenticated, in words.
fn auth_text(api: &Api, op: &OperationInfo) -> String {
    if !op.signed {
        return "public (not signed)".to_owned();
    }
    let scheme = api.profile.signing;
    if op.security.is_empty() {
        return format!("signed ({})", scheme.name);
    }
    let alternatives: Vec<String> = op
        .security
        .iter()
        .map(|alternative| match alternative.is_empty() {
            true => "none".to_owned(),
            false => alternative
                .iter()
                .map(|name| match api.profile.auth_schemes.get(name) {
                    Some(s) => format!("{name} ({})", describe::auth_text(&s.kind)),
                    None => name.clone(),
                })
                .collect::<Vec<_>>()
                .join(" + "),
        })
        .collect();
    format!("signed (openapi): {}", alternatives.join(", or "))
}

/// The environment variables a call of `op` reads.
fn credentials(api: &Api, op: &OperationInfo) -> Vec<String> {
    if !op.signed {
        return Vec::new();
    }
    let schemes: Vec<_> = catalog::runtime_auth_schemes(api)
        .into_iter()
        .filter(|(name, _)| op.security.iter().flatten().any(|n| n == name))
        .map(|(_, scheme)| scheme)
        .collect();
    api.profile
        .signing
        .variables(&api.exchange, &schemes)
        .into_iter()
        .map(|v| v.name)
        .collect()
}

fn print_operation(api: &Api, op: &OperationInfo, detailed: bool) {
    println!(
        "{} {}  {} {}",
        op.exchange,
        op.name,
        op.method.as_str(),
        op.path
    );
    let mut facts = vec![format!("id {}", op.id), auth_text(api, op)];
    if let Some(permission) = &op.permissions {
        facts.push(format!("permission: {}", one_line(permission)));
    }
    if let Some(limit) = &op.rate_limit {
        facts.push(format!("rate limit: {}", rate_text(limit)));
    }
    println!("    {}", facts.join("; "));
    if let Some(summary) = &op.summary {
        println!("    {}", one_line(summary));
    }
    if let Some(meaning) = &op.success_means {
        println!("    success means: {}", one_line(meaning));
    }
    if !detailed {
        return;
    }
    let variables = credentials(api, op);
    if !variables.is_empty() {
        println!("    credentials: {}", variables.join(", "));
    }
    if !op.signer_fields.is_empty() {
        let owned: Vec<&str> = op
            .signer_fields
            .iter()
            .map(|(wire, ..)| wire.as_str())
            .collect();
        println!("    set by the signer: {}", owned.join(", "));
    }
    if op.params.is_empty() {
        println!("    parameters: none");
        return;
    }
    println!("    parameters:");
    let rows: Vec<[String; 4]> = op
        .params
        .iter()
        .map(|p| {
            [
                p.key.clone(),
                describe::type_text(&p.ty, api),
                if p.required { "required" } else { "optional" }.to_owned(),
                p.location.as_str().to_owned(),
            ]
        })
        .collect();
    let width = |column: usize| {
        rows.iter()
            .map(|r| r[column].chars().count())
            .max()
            .unwrap_or(0)
    };
    // A long type (an enum's values) overflows its column rather than widening every row.
    let widths = [width(0), width(1).min(24), width(2), width(3)];
    for (row, param) in rows.iter().zip(&op.params) {
        let description = param
            .description
            .as_deref()
            .map(one_line)
            .unwrap_or_default();
        println!(
            "      {:w0$}  {:w1$}  {:w2$}  {:w3$}  {description}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2],
            w3 = widths[3],
        );
    }
}

/// Spec text on one line: runs of whitespace become one space, control characters are shown
/// escaped so spec text cannot drive the terminal.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&xgen_codegen::text::escape(word));
    }
    out
}

fn to_json(api: &Api, op: &OperationInfo) -> serde_json::Value {
    let params: Vec<serde_json::Value> = op
        .params
        .iter()
        .map(|p| {
            json!({
                "name": p.key,
                "type": describe::type_text(&p.ty, api),
                "required": p.required,
                "location": p.location.as_str(),
                "description": p.description,
            })
        })
        .collect();
    json!({
        "exchange": op.exchange,
        "id": op.id,
        "name": op.name,
        "method": op.method.as_str(),
        "path": op.path,
        "signed": op.signed,
        "signing": api.profile.signing.name,
        "security": op.security,
        "credentials": credentials(api, op),
        "permission": op.permissions,
        "rate_limit": op.rate_limit.as_ref().map(|l| json!({
            "requests": l.requests,
            "per_seconds": l.per_seconds,
            "scope": l.scope,
        })),
        "success_means": op.success_means,
        "summary": op.summary,
        "signer_fields": op.signer_fields.iter().map(|(wire, ..)| wire).collect::<Vec<_>>(),
        "params": params,
    })
}
