//! Peak memory of regenerating a large spec against the size of the spec (issue 10: at most ten
//! times the input, or a clean refusal).
//!
//! Writes synthetic OpenAPI documents of about 1.5, 15, 30 and 40 MB (YAML, and JSON of the
//! same content; past the 32 MiB limit, the refusal is shown) into a temporary specs folder,
//! then runs `Config::load` and `write_apis` (what `xgen generate` runs) on each in a child
//! process of its own (this binary again) and reports that process's peak resident memory
//! (`VmHWM`, Linux), binary included, as a multiple of the file size: what `/usr/bin/time -v
//! xgen generate` shows, without the bench's own allocations in it.
//!
//! The documents are denser than published ones (short descriptions, many small schemas), so
//! they are a worst case: the README's "Measured" has published documents too.
//!
//! ```sh
//! cargo bench -p xgen-codegen --bench memory
//! ```

use serde_json::{json, Map, Value};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// One operation pair (a `get` and a `post` on one path) and the schemas they use, shaped like
/// an exchange's: query and header parameters, an enum, nested objects, arrays, a shared `$ref`.
fn add_operation(paths: &mut Map<String, Value>, schemas: &mut Map<String, Value>, n: usize) {
    let thing = format!("Thing{n}");
    let order = format!("Order{n}");
    let text = "Returned as the exchange records it; see the exchange's documentation for the \
                meaning of each state and the limits that apply to this account.";
    schemas.insert(
        thing.clone(),
        json!({
            "type": "object",
            "description": format!("Thing {n}. {text}"),
            "required": ["id", "symbol", "state"],
            "properties": {
                "id": {"type": "integer", "format": "int64", "description": "The id."},
                "symbol": {"type": "string", "description": "The trading pair, `BTCUSDT`."},
                "price": {"type": "string", "format": "decimal", "description": text},
                "quantity": {"type": "string", "description": "The quantity, as a decimal."},
                "state": {"$ref": "#/components/schemas/State"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "limits": {
                    "type": "object",
                    "properties": {
                        "min": {"type": "number"},
                        "max": {"type": "number"},
                        "step": {"type": "string"}
                    }
                },
                "updated": {"type": "integer", "format": "int64", "description": "Unix milliseconds."},
                "history": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "at": {"type": "integer"},
                            "state": {"$ref": "#/components/schemas/State"},
                            "note": {"type": "string", "nullable": true}
                        }
                    }
                }
            }
        }),
    );
    schemas.insert(
        order.clone(),
        json!({
            "type": "object",
            "required": ["symbol", "side", "quantity"],
            "properties": {
                "symbol": {"type": "string", "description": "The trading pair."},
                "side": {"type": "string", "enum": ["BUY", "SELL"]},
                "quantity": {"type": "string", "description": "A decimal."},
                "price": {"type": "string", "description": "A decimal; limit orders only."},
                "clientOrderId": {"type": "string", "maxLength": 36},
                "timeInForce": {"type": "string", "enum": ["GTC", "IOC", "FOK"]}
            }
        }),
    );
    let reply = |name: &str| {
        json!({
            "200": {
                "description": "The thing.",
                "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}
            },
            "default": {"description": "An error."}
        })
    };
    paths.insert(
        format!("/api/v3/group{}/thing{n}", n % 97),
        json!({
            "get": {
                "operationId": format!("getThing{n}"),
                "summary": format!("Get thing {n}"),
                "description": text,
                "parameters": [
                    {"name": "symbol", "in": "query", "required": true, "schema": {"type": "string"}, "description": "The pair."},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
                    {"name": "state", "in": "query", "schema": {"$ref": "#/components/schemas/State"}},
                    {"name": "startTime", "in": "query", "schema": {"type": "integer", "format": "int64"}},
                    {"name": "X-Request-Id", "in": "header", "schema": {"type": "string"}}
                ],
                "responses": reply(&thing)
            },
            "post": {
                "operationId": format!("placeOrder{n}"),
                "summary": format!("Place order {n}"),
                "requestBody": {
                    "required": true,
                    "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{order}")}}}
                },
                "responses": reply(&thing)
            }
        }),
    );
}

/// A document of `operations` operation pairs.
fn document(operations: usize) -> Value {
    let mut paths = Map::new();
    let mut schemas = Map::new();
    schemas.insert(
        "State".to_owned(),
        json!({"type": "string", "enum": ["NEW", "FILLED", "CANCELED", "EXPIRED"]}),
    );
    for n in 0..operations {
        add_operation(&mut paths, &mut schemas, n);
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "Synthetic exchange", "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": paths,
        "components": {"schemas": schemas}
    })
}

/// The child: generates and writes the specs folder `specs` into `out`, then prints its peak
/// resident memory in kB and the seconds it took.
fn measure(specs: &Path, out: &Path) {
    let started = Instant::now();
    let written = xgen_codegen::Config::new()
        .specs_dir(specs)
        .load()
        .and_then(|apis| xgen_codegen::write_apis(out, &apis));
    if let Err(error) = written {
        eprintln!("{error}");
        std::process::exit(2);
    }
    let seconds = started.elapsed().as_secs_f64();
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let peak_kb = status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .unwrap_or(0);
    println!("{peak_kb} {seconds}");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, specs, out] = args.as_slice() {
        if flag == "--measure" {
            return measure(Path::new(specs), Path::new(out));
        }
    }
    // `cargo test --benches` and `cargo bench --no-run` must not spend minutes here.
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    let mb = |bytes: f64| bytes / 1e6;
    println!("format  file MB  operations  peak RSS MB  peak / file  seconds");
    // About 3.7 KB of YAML per operation pair.
    for pairs in [400, 4_000, 8_000, 11_000] {
        let doc = document(pairs);
        let texts = [
            ("yaml", yaml_serde::to_string(&doc).expect("YAML")),
            ("json", serde_json::to_string_pretty(&doc).expect("JSON")),
        ];
        drop(doc);
        for (format, text) in texts {
            let work = tempfile::tempdir().expect("a temporary folder");
            let exchange = work.path().join("specs/synthetic");
            std::fs::create_dir_all(&exchange).unwrap();
            let file = format!("api.{format}");
            std::fs::write(exchange.join(&file), &text).unwrap();
            std::fs::write(
                exchange.join("profile.yaml"),
                format!("openapi: [{file}]\n"),
            )
            .unwrap();
            let size = text.len() as f64;
            drop(text);
            let child = Command::new(std::env::current_exe().unwrap())
                .arg("--measure")
                .arg(work.path().join("specs"))
                .arg(work.path().join("out"))
                .output()
                .expect("run the measuring child");
            let reply = String::from_utf8_lossy(&child.stdout);
            let mut numbers = reply
                .split_whitespace()
                .map(|n| n.parse::<f64>().unwrap_or(0.0));
            let (peak_kb, seconds) = (numbers.next().unwrap_or(0.0), numbers.next().unwrap_or(0.0));
            if !child.status.success() {
                println!(
                    "{format:6}  {:7.1}  {:10}  refused: {}",
                    mb(size),
                    pairs * 2,
                    String::from_utf8_lossy(&child.stderr)
                        .lines()
                        .find(|l| !l.is_empty())
                        .unwrap_or("")
                );
                continue;
            }
            let peak = peak_kb * 1024.0;
            println!(
                "{format:6}  {:7.1}  {:10}  {:11.1}  {:10.1}x  {seconds:7.2}",
                mb(size),
                pairs * 2,
                mb(peak),
                peak / size
            );
        }
    }
}
