//! xgen against `cargo-progenitor` (issue 11, item 7): generation time and peak memory for each
//! input, side by side, with the ratios from the same run; with `XGEN_BENCH_BUILD=1`, also the
//! clean build time of each generated crate per operation.
//!
//! ```sh
//! XGEN_PROGENITOR=/path/to/cargo-progenitor XGEN_BENCH_BUILD=1 \
//!     cargo bench -p xgen-codegen --bench versus -- [INPUT ...]
//! ```
//!
//! An input is an exchange folder (a folder with a `profile.yaml`, generated as it is), a specs
//! folder (each of its exchange folders), or one OpenAPI file (its folder is copied, so relative
//! `$ref`s resolve, with the profile `openapi: [<file>]`); `defaults` stands for the default list.
//! The inputs come from the arguments, else from `XGEN_VERSUS_INPUTS` (a `:`-separated list),
//! else the defaults: the repository's `specs/`, Kraken's published spot REST tree and Binance's
//! `spot_api.yaml` where `/work/shared/upstream-specs` has them (Kraken with the profile of
//! `specs/kraken`: signing, envelope and signer field `kraken`, `nonce`). A missing input is
//! skipped with a line saying so. A synthetic 4 MB document (the one `memory` uses) is always
//! added, for the "well under a second for a 4 MB spec" check.
//!
//! Each tool runs `XGEN_BENCH_RUNS` times (default 5), alternating, into a fresh folder; the
//! table shows the best time and the peak resident memory of the best run's process:
//! - xgen: this binary again, doing what `xgen generate` does for one exchange folder
//!   (`Config::load_exchange`, `write_apis`); its own `VmHWM`;
//! - progenitor: `cargo-progenitor progenitor -i <file> -o <dir> -n <name> -v 0.1.0`, found at
//!   `XGEN_PROGENITOR` or on the `PATH` (skipped with a note otherwise), run under this binary
//!   again as a wrapper that reads the largest `ru_maxrss` of the processes it waited for
//!   (progenitor runs `rustc -V` and `rustfmt` as children of its own; the largest is shown).
//!
//! Progenitor reads one OpenAPI document, so an exchange folder whose profile names several
//! files, hand-written schema files, or an `operations:` selection is not compared; where it
//! refuses a document, its message (error or panic) is shown instead of its numbers. A refusal
//! is not retried.
//!
//! With `XGEN_BENCH_BUILD=1`, each generated output is made a crate (xgen's: the generated
//! modules with `xgen-runtime` by path, `serde` and `serde_json`, the repository's lock file;
//! progenitor's: the crate it writes) and built with `cargo build` (dev profile, incremental
//! compilation off) in `XGEN_BENCH_BUILD_DIR` (default `<target>/versus-build`): once to build
//! the dependencies, then `XGEN_BENCH_BUILD_RUNS` times (default 1) after touching `src/lib.rs`,
//! so the time is the generated crate's alone. It is divided by the number of operations each
//! tool generated.

mod common;

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

/// The flag that makes this binary the wrapper measuring another program:
/// `<bench> --wrap <report file> <program> <args>...`.
const WRAP: &str = "--wrap";

/// Where the exchanges' published specs are kept on the machines this was written on.
const UPSTREAM: &str = "/work/shared/upstream-specs";

/// `specs/kraken/profile.yaml` without its `openapi` and `operations`: what Kraken's published
/// spot REST tree needs to generate as the real client does.
const KRAKEN_PROFILE: &str = "title: Kraken spot REST API
openapi: [openapi_v3.yaml]
base_urls:
  production: https://api.kraken.com
signing: kraken
envelope: kraken
signer_fields: [nonce]
";

/// Operation pairs of the synthetic document: a little over 4 MB of YAML.
const SYNTHETIC_PAIRS: usize = 1_100;

/// One thing to generate.
struct Input {
    name: String,
    /// The exchange folder xgen loads.
    exchange: PathBuf,
    /// The document progenitor reads, or why it is not given one.
    progenitor_input: Result<PathBuf, String>,
    /// Bytes and number of the spec files in the exchange folder (`profile.yaml` aside).
    bytes: u64,
    files: usize,
}

/// The best of the runs of one tool on one input.
#[derive(Clone, Copy)]
struct Best {
    seconds: f64,
    /// The largest process's peak resident memory, kB.
    peak_kb: u64,
    /// The tool's own process's, where it runs others (progenitor runs `rustfmt`).
    own_kb: u64,
}

/// What one input gave.
struct Row {
    input: Input,
    xgen: Result<(Best, usize, usize), String>,
    progenitor: Option<Result<(Best, usize), String>>,
    xgen_build: Option<Result<f64, String>>,
    progenitor_build: Option<Result<f64, String>>,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if common::child(&args) || wrap(&args) {
        return;
    }
    // `cargo test --benches` and `cargo bench --no-run` must not spend minutes here.
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    let runs = env_number("XGEN_BENCH_RUNS", 5).max(1);
    let build = std::env::var_os("XGEN_BENCH_BUILD").is_some_and(|v| v == "1");
    let build_runs = env_number("XGEN_BENCH_BUILD_RUNS", 1).max(1);
    let progenitor = find_progenitor();
    match &progenitor {
        Some(path) => eprintln!("progenitor: {}", path.display()),
        None => eprintln!(
            "progenitor: not found (set XGEN_PROGENITOR or put cargo-progenitor on the PATH); \
             xgen alone"
        ),
    }

    let work = tempfile::tempdir().expect("a temporary folder");
    let mut inputs = Vec::new();
    for entry in input_list(&args) {
        resolve(&entry, work.path(), &mut inputs);
    }
    inputs.push(synthetic(work.path()));

    let build_dir = build.then(build_dir);
    let mut rows = Vec::new();
    for (index, input) in inputs.into_iter().enumerate() {
        eprintln!("measuring {} ...", input.name);
        let scratch = work.path().join(format!("run-{index}"));
        std::fs::create_dir_all(&scratch).expect("a scratch folder");
        let xgen_out = scratch.join("xgen-out");
        let progenitor_out = scratch.join("progenitor-out");
        let crate_name = format!("versus-{index}-{}", input.name);
        let compared = match (&progenitor, &input.progenitor_input) {
            (Some(program), Ok(file)) => Some((program, file)),
            _ => None,
        };
        let mut xgen: Option<Result<(Best, usize, usize), String>> = None;
        let mut theirs: Option<Result<Best, String>> = None;
        for _ in 0..runs {
            if !matches!(xgen, Some(Err(_))) {
                let _ = std::fs::remove_dir_all(&xgen_out);
                let run = common::measure(&input.exchange, &xgen_out).map(|m| {
                    let best = Best {
                        seconds: m.wall_seconds,
                        peak_kb: m.peak_kb,
                        own_kb: m.peak_kb,
                    };
                    (best, m.operations, m.skipped)
                });
                xgen = Some(match (xgen, run) {
                    (Some(Ok(old)), Ok(new)) if old.0.seconds <= new.0.seconds => Ok(old),
                    (_, run) => run,
                });
            }
            if let Some((program, file)) = compared {
                if !matches!(theirs, Some(Err(_))) {
                    let _ = std::fs::remove_dir_all(&progenitor_out);
                    let run = run_progenitor(program, file, &progenitor_out, &crate_name, &scratch);
                    theirs = Some(match (theirs, run) {
                        (Some(Ok(old)), Ok(new)) if old.seconds <= new.seconds => Ok(old),
                        (_, run) => run,
                    });
                }
            }
        }
        let xgen = xgen.expect("at least one run");
        // Every operation of the document or a refusal: progenitor has no skipping.
        let progenitor = theirs.map(|result| {
            result.map(|best| {
                let file = compared.expect("compared").1;
                (best, document_operations(file))
            })
        });
        let progenitor = progenitor.or_else(|| {
            input
                .progenitor_input
                .as_ref()
                .err()
                .map(|why| Err(format!("not compared: {why}")))
        });
        let (mut xgen_build, mut progenitor_build) = (None, None);
        if let Some(dir) = &build_dir {
            if xgen.is_ok() {
                eprintln!("building xgen's {} ...", input.name);
                xgen_build = Some(build_xgen_crate(dir, &crate_name, &xgen_out, build_runs));
            }
            if matches!(progenitor, Some(Ok(_))) {
                eprintln!("building progenitor's {} ...", input.name);
                progenitor_build = Some(build_progenitor_crate(
                    dir,
                    &crate_name,
                    &progenitor_out,
                    build_runs,
                ));
            }
        }
        rows.push(Row {
            input,
            xgen,
            progenitor,
            xgen_build,
            progenitor_build,
        });
    }
    if progenitor.is_none() {
        println!("progenitor: not found (XGEN_PROGENITOR, PATH); xgen alone");
    }
    print!("{}", report(&rows, runs, build.then_some(build_runs)));
}

/// A count from the environment, or `default`.
fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

/// The inputs named by the arguments (those after `--bench` that are not flags), else by
/// `XGEN_VERSUS_INPUTS`, else the defaults; `defaults` in either list stands for them.
fn input_list(args: &[String]) -> Vec<PathBuf> {
    let mut named: Vec<PathBuf> = args
        .iter()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .collect();
    if named.is_empty() {
        if let Some(list) = std::env::var_os("XGEN_VERSUS_INPUTS") {
            named = std::env::split_paths(&list)
                .filter(|p| !p.as_os_str().is_empty())
                .collect();
        }
    }
    if named.is_empty() {
        return defaults();
    }
    named
        .into_iter()
        .flat_map(|path| match path.to_str() {
            Some("defaults") => defaults(),
            _ => vec![path],
        })
        .collect()
}

/// The repository's specs, then Kraken's and Binance's published documents.
fn defaults() -> Vec<PathBuf> {
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    vec![
        repository.join("specs"),
        Path::new(UPSTREAM).join("kraken/spot-rest/openapi_v3.yaml"),
        Path::new(UPSTREAM).join("binance/spot_api.yaml"),
    ]
}

/// Adds the inputs `path` names, or says why it names none.
fn resolve(path: &Path, work: &Path, inputs: &mut Vec<Input>) {
    if path.is_file() {
        let kraken = Path::new(UPSTREAM).join("kraken/spot-rest/openapi_v3.yaml");
        let (name, profile) = if path == kraken {
            ("kraken-spot".to_owned(), KRAKEN_PROFILE.to_owned())
        } else {
            let file = path.file_name().unwrap_or_default().to_string_lossy();
            // `binance/spot_api.yaml` is `binance-spot-api`.
            let folder = path.parent().and_then(Path::file_name).unwrap_or_default();
            let stem = path.file_stem().unwrap_or_default();
            let name = slug(&format!(
                "{}-{}",
                folder.to_string_lossy(),
                stem.to_string_lossy()
            ));
            (name, format!("openapi: [\"{file}\"]\n"))
        };
        let name = unique(name, inputs);
        let exchange = work.join("copies").join(&name);
        let parent = path.parent().unwrap_or(Path::new("."));
        if let Err(error) = copy_specs(parent, &exchange) {
            println!("skipped {}: copying its folder: {error}", path.display());
            return;
        }
        std::fs::write(exchange.join("profile.yaml"), profile).expect("write a profile");
        let (bytes, files) = spec_size(&exchange);
        let document = exchange.join(path.file_name().unwrap_or_default());
        inputs.push(Input {
            name,
            exchange,
            progenitor_input: Ok(document),
            bytes,
            files,
        });
    } else if path.join("profile.yaml").is_file() {
        let folder = path.file_name().unwrap_or(path.as_os_str());
        let name = unique(slug(&folder.to_string_lossy()), inputs);
        let (bytes, files) = spec_size(path);
        inputs.push(Input {
            name,
            exchange: path.to_owned(),
            progenitor_input: progenitor_document(path),
            bytes,
            files,
        });
    } else if path.is_dir() {
        let mut folders: Vec<PathBuf> = std::fs::read_dir(path)
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| entry.path())
            .filter(|p| p.join("profile.yaml").is_file())
            .collect();
        folders.sort();
        if folders.is_empty() {
            println!(
                "skipped {}: no profile.yaml in it or its folders",
                path.display()
            );
        }
        for folder in folders {
            resolve(&folder, work, inputs);
        }
    } else {
        println!("skipped {}: not found", path.display());
    }
}

/// `text` in the characters an exchange folder name may have: `spot_api` is `spot-api`.
fn slug(text: &str) -> String {
    let name: String = text
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '-',
        })
        .collect();
    match name.trim_matches('-') {
        "" => "input".to_owned(),
        name => name.to_owned(),
    }
}

/// `name`, or `name-2`, `name-3`... when an earlier input has it.
fn unique(name: String, inputs: &[Input]) -> String {
    let taken = |n: &str| inputs.iter().any(|i| i.name == n);
    if !taken(&name) {
        return name;
    }
    (2..)
        .map(|k| format!("{name}-{k}"))
        .find(|n| !taken(n))
        .expect("a free name")
}

/// Copies the folder `from` into `to`, without its `profile.yaml`.
fn copy_specs(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_specs(&entry.path(), &target)?;
        } else if entry.file_name() != "profile.yaml" {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Bytes and number of the YAML and JSON files under `dir`, `profile.yaml` aside.
fn spec_size(dir: &Path) -> (u64, usize) {
    let (mut bytes, mut files) = (0, 0);
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            let (b, f) = spec_size(&path);
            bytes += b;
            files += f;
        } else if entry.file_name() != "profile.yaml"
            && matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            )
        {
            bytes += entry.metadata().map(|m| m.len()).unwrap_or(0);
            files += 1;
        }
    }
    (bytes, files)
}

/// The one OpenAPI document of an exchange folder, or why progenitor cannot be given it.
fn progenitor_document(exchange: &Path) -> Result<PathBuf, String> {
    let text = std::fs::read_to_string(exchange.join("profile.yaml"))
        .map_err(|e| format!("profile.yaml: {e}"))?;
    let profile: serde_json::Value =
        yaml_serde::from_str(&text).map_err(|e| format!("profile.yaml: {e}"))?;
    let list = |key: &str| -> Vec<String> {
        profile[key]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let (openapi, schemas) = (list("openapi"), list("schemas"));
    if !schemas.is_empty() {
        return Err(format!(
            "hand-written schema files ({}), not OpenAPI",
            schemas.len()
        ));
    }
    if openapi.len() != 1 {
        return Err(format!(
            "{} OpenAPI files; progenitor reads one",
            openapi.len()
        ));
    }
    if let Some(selected) = profile["operations"].as_array() {
        return Err(format!(
            "the profile selects {} operations of the document",
            selected.len()
        ));
    }
    Ok(exchange.join(&openapi[0]))
}

/// The synthetic document `memory` uses, a little over 4 MB of YAML, with its error responses
/// as `400` rather than `default`.
fn synthetic(work: &Path) -> Input {
    let exchange = work.join("copies/synthetic-4mb");
    std::fs::create_dir_all(&exchange).expect("a folder for the synthetic document");
    let mut document = common::document(SYNTHETIC_PAIRS);
    // Progenitor refuses an operation with two response types, and reads a bare `default`
    // response as one: the same document with `400` for `default` is one both generate.
    for item in document["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|paths| paths.values_mut())
    {
        for operation in item
            .as_object_mut()
            .into_iter()
            .flat_map(|i| i.values_mut())
        {
            if let Some(responses) = operation["responses"].as_object_mut() {
                if let Some(default) = responses.remove("default") {
                    responses.insert("400".to_owned(), default);
                }
            }
        }
    }
    let text = yaml_serde::to_string(&document).expect("YAML");
    std::fs::write(exchange.join("api.yaml"), &text).expect("write the synthetic document");
    std::fs::write(exchange.join("profile.yaml"), "openapi: [api.yaml]\n").expect("a profile");
    Input {
        name: "synthetic-4mb".to_owned(),
        progenitor_input: Ok(exchange.join("api.yaml")),
        exchange,
        bytes: text.len() as u64,
        files: 1,
    }
}

/// `XGEN_PROGENITOR`, else `cargo-progenitor` on the `PATH`.
fn find_progenitor() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("XGEN_PROGENITOR") {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("cargo-progenitor"))
        .find(|p| p.is_file())
}

/// One run of progenitor on `file` into `out`, under the measuring wrapper; its stdout (a dump
/// of its type space) and stderr go to files in `scratch`. The error is its message.
fn run_progenitor(
    program: &Path,
    file: &Path,
    out: &Path,
    crate_name: &str,
    scratch: &Path,
) -> Result<Best, String> {
    let report = scratch.join("progenitor-report");
    let (stdout, stderr) = (
        scratch.join("progenitor-stdout"),
        scratch.join("progenitor-stderr"),
    );
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let status = Command::new(exe)
        .arg(WRAP)
        .arg(&report)
        .arg(program)
        .args(["progenitor", "-i"])
        .arg(file)
        .arg("-o")
        .arg(out)
        .args(["-n", crate_name, "-v", "0.1.0"])
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).map_err(|e| e.to_string())?)
        .stderr(std::fs::File::create(&stderr).map_err(|e| e.to_string())?)
        .status()
        .map_err(|e| format!("run the wrapper: {e}"))?;
    let reply = std::fs::read_to_string(&report).unwrap_or_default();
    let mut fields = reply.split_whitespace();
    let code: i32 = fields.next().and_then(|f| f.parse().ok()).unwrap_or(-1);
    let peak_kb: u64 = fields.next().and_then(|f| f.parse().ok()).unwrap_or(0);
    let own_kb: u64 = fields.next().and_then(|f| f.parse().ok()).unwrap_or(0);
    let seconds: f64 = fields.next().and_then(|f| f.parse().ok()).unwrap_or(0.0);
    if !status.success() || code != 0 {
        let text = std::fs::read_to_string(&stderr).unwrap_or_default()
            + &std::fs::read_to_string(&stdout).unwrap_or_default();
        return Err(progenitor_message(&text, code));
    }
    Ok(Best {
        seconds,
        peak_kb,
        own_kb,
    })
}

/// The line of progenitor's output that says why it failed: its panic's message, its
/// generation error or its `Error:` line.
fn progenitor_message(text: &str, code: i32) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let what = if let Some(at) = lines.iter().position(|l| l.contains("panicked at")) {
        let message = lines.get(at + 1).copied().unwrap_or("");
        format!("panic: {}", message.trim_end_matches('{').trim())
    } else if let Some(line) = lines.iter().find(|l| l.starts_with("gen fail:")) {
        line.to_string()
    } else if let Some(line) = lines.iter().find(|l| l.starts_with("Error:")) {
        line.to_string()
    } else {
        lines
            .iter()
            .find(|l| !l.is_empty())
            .unwrap_or(&"no message")
            .to_string()
    };
    format!("{what} (exit {code})")
}

/// The wrapper: runs `<program> <args>...` and writes `<exit code> <peak kB> <own peak kB>
/// <seconds>` to the report file. The peak is the largest `ru_maxrss` of the processes it
/// waited for: the program's, or its largest child's; the own peak is the program's `VmHWM`
/// alone, read every 2 ms while it runs (growth in its last 2 ms is missed).
fn wrap(args: &[String]) -> bool {
    let [_, flag, report, program, rest @ ..] = args else {
        return false;
    };
    if flag != WRAP {
        return false;
    }
    let started = Instant::now();
    let own = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let (code, watcher) = match Command::new(program).args(rest).spawn() {
        Ok(mut child) => {
            let pid = child.id().to_string();
            let watcher = std::thread::spawn({
                let (own, done) = (Arc::clone(&own), Arc::clone(&done));
                move || {
                    while !done.load(Ordering::Relaxed) {
                        let Some(kb) = common::peak_rss_kb(&pid) else {
                            break;
                        };
                        own.fetch_max(kb, Ordering::Relaxed);
                        std::thread::sleep(Duration::from_millis(2));
                    }
                }
            });
            let code = match child.wait() {
                Ok(status) => status.code().unwrap_or(-1),
                Err(error) => {
                    eprintln!("{program}: {error}");
                    -1
                }
            };
            (code, Some(watcher))
        }
        Err(error) => {
            eprintln!("{program}: {error}");
            (-1, None)
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    if let Some(watcher) = watcher {
        let _ = watcher.join();
    }
    let peak_kb = children_peak_kb().unwrap_or(0);
    let own_kb = own.load(Ordering::Relaxed);
    std::fs::write(report, format!("{code} {peak_kb} {own_kb} {seconds}"))
        .expect("write the report");
    true
}

/// The largest peak resident memory of the children this process waited for, in kB.
#[cfg(target_os = "linux")]
fn children_peak_kb() -> Option<u64> {
    use std::os::raw::{c_int, c_long};
    /// `struct rusage`: two `struct timeval`, then fourteen `long`s, `ru_maxrss` first.
    #[repr(C)]
    struct Rusage {
        times: [c_long; 4],
        maxrss: c_long,
        rest: [c_long; 13],
    }
    extern "C" {
        fn getrusage(who: c_int, usage: *mut Rusage) -> c_int;
    }
    const RUSAGE_CHILDREN: c_int = -1;
    let mut usage = Rusage {
        times: [0; 4],
        maxrss: 0,
        rest: [0; 13],
    };
    // SAFETY: `usage` is a valid, writable `struct rusage` for the call's duration.
    let done = unsafe { getrusage(RUSAGE_CHILDREN, &mut usage) };
    (done == 0).then(|| u64::try_from(usage.maxrss).unwrap_or(0))
}

#[cfg(not(target_os = "linux"))]
fn children_peak_kb() -> Option<u64> {
    None
}

/// The operations in an OpenAPI document (its paths' methods): what progenitor generates when
/// it generates at all.
fn document_operations(file: &Path) -> usize {
    let Ok(text) = std::fs::read_to_string(file) else {
        return 0;
    };
    let document: serde_json::Value = if file.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).unwrap_or_default()
    } else {
        yaml_serde::from_str(&text).unwrap_or_default()
    };
    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];
    document["paths"]
        .as_object()
        .map(|paths| {
            paths
                .values()
                .map(|item| METHODS.iter().filter(|m| item.get(**m).is_some()).count())
                .sum()
        })
        .unwrap_or(0)
}

/// `XGEN_BENCH_BUILD_DIR`, else `versus-build` in the target folder this bench runs from
/// (`<target>/<profile>/deps/versus-<hash>`).
fn build_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("XGEN_BENCH_BUILD_DIR") {
        return PathBuf::from(dir);
    }
    let exe = std::env::current_exe().expect("this bench's path");
    exe.ancestors()
        .nth(3)
        .map(|target| target.join("versus-build"))
        .unwrap_or_else(|| std::env::temp_dir().join("xgen-versus-build"))
}

/// Makes xgen's output `generated` a crate named `name` in `dir` and times its build.
fn build_xgen_crate(dir: &Path, name: &str, generated: &Path, runs: usize) -> Result<f64, String> {
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let root = dir.join("crates").join(format!("{name}-xgen"));
    let _ = std::fs::remove_dir_all(&root);
    copy_tree(generated, &root.join("src/generated")).map_err(|e| e.to_string())?;
    let runtime = repository
        .join("runtime")
        .canonicalize()
        .map_err(|e| e.to_string())?;
    let manifest = format!(
        "[package]\nname = \"{name}-xgen\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
         publish = false\n\n[workspace]\n\n[dependencies]\n\
         xgen-runtime = {{ path = {runtime:?} }}\n\
         serde = {{ version = \"1\", features = [\"derive\"] }}\nserde_json = \"1\"\n"
    );
    std::fs::write(root.join("Cargo.toml"), manifest).map_err(|e| e.to_string())?;
    // The repository's versions of everything, so the dependencies are built once.
    let _ = std::fs::copy(repository.join("Cargo.lock"), root.join("Cargo.lock"));
    std::fs::write(
        root.join("src/lib.rs"),
        "#![allow(warnings)]\npub mod generated {\n    include!(\"generated/clients.rs\");\n}\n",
    )
    .map_err(|e| e.to_string())?;
    time_build(dir, &root, runs)
}

/// Makes progenitor's crate `generated` its own workspace in `dir` and times its build.
fn build_progenitor_crate(
    dir: &Path,
    name: &str,
    generated: &Path,
    runs: usize,
) -> Result<f64, String> {
    let root = dir.join("crates").join(format!("{name}-progenitor"));
    let _ = std::fs::remove_dir_all(&root);
    copy_tree(generated, &root).map_err(|e| e.to_string())?;
    let manifest = root.join("Cargo.toml");
    let mut text = std::fs::read_to_string(&manifest).map_err(|e| e.to_string())?;
    if !text.contains("[workspace]") {
        text.push_str("\n[workspace]\n");
    }
    std::fs::write(&manifest, text).map_err(|e| e.to_string())?;
    time_build(dir, &root, runs)
}

/// Copies a folder.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Builds the crate at `root` once (its dependencies with it), then `runs` times more after
/// touching `src/lib.rs`: the best of those, the crate alone.
fn time_build(dir: &Path, root: &Path, runs: usize) -> Result<f64, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let build = || {
        Command::new(&cargo)
            .args(["build", "--quiet", "--message-format", "short"])
            .current_dir(root)
            .env("CARGO_TARGET_DIR", dir.join("target"))
            .env("CARGO_INCREMENTAL", "0")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("run cargo: {e}"))
            .and_then(|output| {
                if output.status.success() {
                    return Ok(());
                }
                let stderr = String::from_utf8_lossy(&output.stderr);
                let errors = stderr.lines().filter(|l| l.contains("error")).count();
                let first = stderr
                    .lines()
                    .find(|l| l.contains("error"))
                    .unwrap_or("")
                    .to_owned();
                Err(format!("build failed ({errors} error lines): {first}"))
            })
    };
    build()?;
    let mut best = f64::INFINITY;
    for _ in 0..runs {
        std::fs::File::options()
            .write(true)
            .open(root.join("src/lib.rs"))
            .and_then(|file| file.set_modified(SystemTime::now()))
            .map_err(|e| format!("touch src/lib.rs: {e}"))?;
        let started = Instant::now();
        build()?;
        best = best.min(started.elapsed().as_secs_f64());
    }
    Ok(best)
}

/// Megabytes (10^6 bytes) of a count of kB (KiB, as `/proc` and `getrusage` count).
fn kb_to_mb(kb: u64) -> f64 {
    kb as f64 * 1024.0 / 1e6
}

/// The table, then a note for each refusal, then the time against spec size.
fn report(rows: &[Row], runs: usize, build_runs: Option<usize>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nbest of {runs} runs each, alternating; s: process start to exit; MB: peak resident \
         memory (prog: its largest process, own: cargo-progenitor alone); x: progenitor / xgen"
    );
    let mut header = format!(
        "{:<22} {:>7} {:>5} {:>11} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7} {:>7}",
        "input",
        "size MB",
        "files",
        "ops x/p",
        "xgen s",
        "xgen MB",
        "prog s",
        "prog MB",
        "own MB",
        "time x",
        "MB x"
    );
    if let Some(build_runs) = build_runs {
        let _ = writeln!(
            out,
            "build: clean `cargo build` of the generated crate alone (dev profile, dependencies \
             built before), best of {build_runs}, and per operation generated"
        );
        let _ = write!(
            header,
            " {:>8} {:>7} {:>8} {:>7} {:>6}",
            "xbuild s", "ms/op", "pbuild s", "ms/op", "/op x"
        );
    }
    let _ = writeln!(out, "{header}");
    let _ = writeln!(out, "{}", "-".repeat(header.len()));
    let mut notes = Vec::new();
    for row in rows {
        let name = &row.input.name;
        let mut line = format!(
            "{:<22} {:>7.2} {:>5}",
            name,
            row.input.bytes as f64 / 1e6,
            row.input.files
        );
        let xgen = match &row.xgen {
            Ok((best, operations, skipped)) => Some((best, *operations, *skipped)),
            Err(error) => {
                notes.push(format!("{name}: xgen refused: {error}"));
                None
            }
        };
        let theirs = match &row.progenitor {
            Some(Ok((best, operations))) => Some((best, *operations)),
            Some(Err(error)) => {
                notes.push(format!("{name}: progenitor: {error}"));
                None
            }
            None => None,
        };
        if let Some((_, _, skipped @ 1..)) = xgen {
            notes.push(format!(
                "{name}: xgen left out {skipped} operations (with a warning each)"
            ));
        }
        let operations = format!(
            "{}/{}",
            xgen.map_or("-".to_owned(), |x| x.1.to_string()),
            theirs.map_or("-".to_owned(), |p| p.1.to_string())
        );
        let _ = write!(line, " {operations:>11}");
        match xgen {
            Some((best, ..)) => {
                let _ = write!(
                    line,
                    " {:>7.3} {:>7.1}",
                    best.seconds,
                    kb_to_mb(best.peak_kb)
                );
            }
            None => {
                let _ = write!(line, " {:>7} {:>7}", "refused", "-");
            }
        }
        let absent = if row.input.progenitor_input.is_err() {
            "n/a"
        } else if row.progenitor.is_some() {
            "refused"
        } else {
            "-"
        };
        match theirs {
            Some((best, _)) => {
                let _ = write!(
                    line,
                    " {:>7.3} {:>7.1} {:>7.1}",
                    best.seconds,
                    kb_to_mb(best.peak_kb),
                    kb_to_mb(best.own_kb)
                );
            }
            None => {
                let _ = write!(line, " {absent:>7} {:>7} {:>7}", "-", "-");
            }
        }
        match (xgen, theirs) {
            (Some((ours, ..)), Some((best, _))) => {
                let _ = write!(
                    line,
                    " {:>6.1}x {:>6.1}x",
                    best.seconds / ours.seconds,
                    best.peak_kb as f64 / ours.peak_kb.max(1) as f64
                );
            }
            _ => {
                let _ = write!(line, " {:>7} {:>7}", "-", "-");
            }
        }
        if build_runs.is_some() {
            let mut per_operation =
                |build: &Option<Result<f64, String>>, operations: usize, tool| match build {
                    Some(Ok(seconds)) => {
                        let per = seconds * 1000.0 / operations.max(1) as f64;
                        (format!("{seconds:.2}"), format!("{per:.1}"), Some(per))
                    }
                    Some(Err(error)) => {
                        notes.push(format!("{name}: {tool}'s crate: {error}"));
                        ("failed".to_owned(), "-".to_owned(), None)
                    }
                    None => ("-".to_owned(), "-".to_owned(), None),
                };
            let (xs, xper, x) = per_operation(&row.xgen_build, xgen.map_or(0, |x| x.1), "xgen");
            let (ps, pper, p) = per_operation(
                &row.progenitor_build,
                theirs.map_or(0, |p| p.1),
                "progenitor",
            );
            let ratio = match (x, p) {
                (Some(x), Some(p)) => format!("{:.1}x", p / x),
                _ => "-".to_owned(),
            };
            let _ = write!(line, " {xs:>8} {xper:>7} {ps:>8} {pper:>7} {ratio:>6}");
        }
        let _ = writeln!(out, "{line}");
    }
    if !notes.is_empty() {
        let _ = writeln!(out);
        for note in notes {
            let _ = writeln!(out, "{note}");
        }
    }
    let _ = writeln!(
        out,
        "\nxgen's time against spec size (the bar: well under a second for a 4 MB spec):"
    );
    for row in rows.iter().filter(|r| r.input.bytes >= 2_000_000) {
        if let Ok((best, ..)) = &row.xgen {
            let megabytes = row.input.bytes as f64 / 1e6;
            let per_megabyte = best.seconds / megabytes;
            let verdict = if (3.5..4.5).contains(&megabytes) {
                match best.seconds {
                    s if s < 0.5 => ": well under a second",
                    s if s < 1.0 => ": under a second, not well under",
                    _ => ": NOT under a second",
                }
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "  {megabytes:5.1} MB {:<22} {:6.3} s  {per_megabyte:.3} s/MB, {:.2} s at 4 MB{verdict}",
                row.input.name,
                best.seconds,
                per_megabyte * 4.0
            );
        }
    }
    out
}
