//! What the benches share: a synthetic exchange-shaped OpenAPI document of any size, and the
//! measuring child, this bench binary run again as `<bench> --measure <specs> <out>`, which does
//! what `xgen generate` does (`load`, then `write_apis`) and reports its own peak resident memory
//! (`VmHWM`, Linux), binary included, without the parent's allocations in it.

use serde_json::{json, Map, Value};

// The allocator the `xgen` command uses (codegen/cli/src/main.rs), so a bench measures what
// `xgen generate` costs. A build script that generates takes its build script's allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
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

/// A document of `operations` operation pairs, about 3.7 KB of YAML each.
pub fn document(operations: usize) -> Value {
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

/// The flag that makes a bench binary the measuring child.
const MEASURE: &str = "--measure";

/// What one measuring child reported (each bench reads the fields it needs).
#[allow(dead_code)]
pub struct Measured {
    /// Peak resident memory (`VmHWM`) in kB, binary included; 0 where it cannot be read.
    pub peak_kb: u64,
    /// Seconds from the start of loading to the last file written, inside the child.
    pub seconds: f64,
    /// Seconds from spawning the child to its exit, as the parent saw them: what running
    /// `xgen generate` costs, process start and exit included.
    pub wall_seconds: f64,
    /// Operations generated.
    pub operations: usize,
    /// Operations left out, each with a reason (the warnings of `xgen generate`).
    pub skipped: usize,
}

/// The peak resident memory (`VmHWM`) in kB of `process`, `self` or a process id; `None` where
/// there is no `/proc` or the process has gone (a zombie has no memory to show).
pub fn peak_rss_kb(process: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{process}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The first thing a bench's `main` calls: in the measuring child (`args` are `<bench>
/// --measure <specs> <out>`), generates `specs` into `out`, prints `<peak kB> <seconds>
/// <operations> <skipped>` (or the error on stderr, exit code 2) and returns true. `specs` is a
/// specs folder, or one exchange folder (a folder with a `profile.yaml`), which is loaded alone
/// as `xgen generate` loads each folder of a specs folder.
pub fn child(args: &[String]) -> bool {
    let [_, flag, specs, out] = args else {
        return false;
    };
    if flag != MEASURE {
        return false;
    }
    let specs = Path::new(specs);
    let started = Instant::now();
    let loaded = if specs.join("profile.yaml").is_file() {
        xgen_codegen::Config::load_exchange(specs).map(|api| vec![api])
    } else {
        xgen_codegen::Config::new().specs_dir(specs).load()
    };
    let written =
        loaded.and_then(|apis| xgen_codegen::write_apis(Path::new(out), &apis).map(|_| apis));
    let apis = match written {
        Ok(apis) => apis,
        Err(error) => {
            eprintln!("{error}");
            std::process::exit(2);
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    let operations: usize = apis.iter().map(|api| api.operations.len()).sum();
    let skipped: usize = apis.iter().map(|api| api.skipped.len()).sum();
    let peak_kb = peak_rss_kb("self").unwrap_or(0);
    println!("{peak_kb} {seconds} {operations} {skipped}");
    true
}

/// Runs the measuring child (this binary again) on `specs`, writing into `out`; the error is
/// the generator's first line when it refused.
pub fn measure(specs: &Path, out: &Path) -> Result<Measured, String> {
    let exe = std::env::current_exe().map_err(|e| format!("this bench's path: {e}"))?;
    let started = Instant::now();
    let child = Command::new(exe)
        .arg(MEASURE)
        .arg(specs)
        .arg(out)
        .output()
        .map_err(|e| format!("run the measuring child: {e}"))?;
    let wall_seconds = started.elapsed().as_secs_f64();
    if !child.status.success() {
        let stderr = String::from_utf8_lossy(&child.stderr);
        let line = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(match line.trim() {
            "" => format!("the child failed ({})", child.status),
            line => line.to_owned(),
        });
    }
    let reply = String::from_utf8_lossy(&child.stdout);
    let mut numbers = reply.split_whitespace();
    let mut next = || {
        numbers
            .next()
            .and_then(|n| n.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    Ok(Measured {
        peak_kb: next() as u64,
        seconds: next(),
        wall_seconds,
        operations: next() as usize,
        skipped: next() as usize,
    })
}
