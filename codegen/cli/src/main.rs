//! The `xgen` command: argument mapping and exit codes only; the work is in `xgen-codegen`
//! and the runtime.
//!
//! It never links the clients it generates: `generate`, `check`, `diff`, `ops` and `request`
//! read the specs folder when they run, so any spec the loaders accept regenerates, and an
//! endpoint added to `specs/` can be called, without rebuilding this binary. `xgen cancel`,
//! which needs the hand-written withdrawal layer, runs the separate `xgen-cancel` binary.

// A third faster than the system allocator on large documents (see codegen/benches/versus.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod catalog;
mod diff;
mod ops;
mod params;
mod request;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// xgen: typed, signed crypto-exchange clients from exchange API specs.
#[derive(Debug, Parser)]
#[command(name = "xgen", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Regenerate the clients from the specs, writing only files whose contents changed.
    Generate {
        /// The specs folder: one folder per exchange, each with a profile.yaml.
        #[arg(long, default_value = "specs")]
        specs: PathBuf,
        /// Where the generated Rust goes.
        #[arg(long, default_value = "generated")]
        out: PathBuf,
        /// Make every warning (an operation left out, a spec defect repaired) an error.
        #[arg(long)]
        strict: bool,
    },
    /// Exit 1 and name the stale files when the generated code differs from what the specs
    /// produce; exit 0 when it is fresh.
    Check {
        /// The specs folder.
        #[arg(long, default_value = "specs")]
        specs: PathBuf,
        /// The generated code to check.
        #[arg(long, default_value = "generated")]
        out: PathBuf,
        /// Make every warning (an operation left out, a spec defect repaired) an error.
        #[arg(long)]
        strict: bool,
    },
    /// List the operations the specs define (name, method, path, auth, rate limit, what
    /// success means), or one operation's parameters and credentials.
    #[command(after_help = ops::AFTER_HELP)]
    Ops(ops::OpsArgs),
    /// Build a signed request for any operation in the specs and send it, or print it.
    #[command(after_long_help = request::AFTER_HELP)]
    Request(request::RequestArgs),
    /// Say what changed between two versions of the specs for code using the generated
    /// clients, and whether it breaks it.
    #[command(after_help = diff::AFTER_HELP)]
    Diff(diff::DiffArgs),
    /// Cancel a withdrawal and follow it to an outcome: runs the `xgen-cancel` binary, which
    /// links the withdrawal layer (`xgen cancel --help` shows its options and exit codes).
    #[command(disable_help_flag = true)]
    Cancel {
        /// Passed to `xgen-cancel` as they are.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<std::ffi::OsString>,
    },
}

/// How a command failed, which decides the exit code.
#[derive(Debug)]
pub enum Failure {
    /// Bad input: a broken spec, an unknown exchange, operation or parameter (exit 2).
    Input(String),
    /// The request was well-formed but the exchange or the network said no (exit 1).
    Refused(String),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Generate { specs, out, strict } => generate(specs, out, strict),
        Command::Check { specs, out, strict } => check(specs, out, strict),
        Command::Ops(args) => ops::run(args),
        Command::Request(args) => request::run(args),
        Command::Diff(args) => diff::run(args),
        Command::Cancel { args } => cancel(args),
    };
    match result {
        Ok(code) => code,
        Err(Failure::Input(message)) => {
            print_error(&message);
            ExitCode::from(2)
        }
        Err(Failure::Refused(message)) => {
            print_error(&message);
            ExitCode::from(1)
        }
    }
}

/// `error: <message>` on stderr, each line escaped: messages quote spec names and exchange
/// replies, which must not drive the terminal.
fn print_error(message: &str) {
    for (index, line) in message.lines().enumerate() {
        let prefix = if index == 0 { "error: " } else { "" };
        eprintln!("{prefix}{}", xgen_codegen::text::escape(line));
    }
}

fn generate(specs: PathBuf, out: PathBuf, strict: bool) -> Result<ExitCode, Failure> {
    let apis = load(&specs, strict)?;
    let report = xgen_codegen::write_apis(&out, &apis).map_err(input)?;
    let show = |verb: &str, paths: &[PathBuf]| {
        for path in paths {
            println!("{verb} {}", out.join(path).display());
        }
    };
    show("created", &report.created);
    show("updated", &report.updated);
    show("removed", &report.removed);
    if report.changed().is_empty() {
        println!(
            "{} is up to date ({} files)",
            out.display(),
            report.unchanged.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn check(specs: PathBuf, out: PathBuf, strict: bool) -> Result<ExitCode, Failure> {
    let apis = load(&specs, strict)?;
    let stale = xgen_codegen::check_apis(&out, &apis).map_err(input)?;
    if stale.is_empty() {
        println!("{} is up to date with {}", out.display(), specs.display());
        return Ok(ExitCode::SUCCESS);
    }
    for file in &stale {
        let why = match file.reason {
            xgen_codegen::StaleReason::Missing => "missing",
            xgen_codegen::StaleReason::Differs => "differs from what the specs produce",
            xgen_codegen::StaleReason::Extra => "no spec produces it any more",
        };
        println!("stale: {} ({why})", out.join(&file.path).display());
    }
    println!("run `cargo run --bin xgen -- generate` and commit the result");
    Ok(ExitCode::from(1))
}

/// Loads the specs and says on stderr, a `warning:` line each, which operations were left out
/// and why and which spec defects were read in their obvious way; with `strict`, those are
/// errors. Files are then made as they are written or compared, never held whole: a large
/// API's module is several times the size of its spec.
fn load(specs: &std::path::Path, strict: bool) -> Result<Vec<xgen_codegen::ir::Api>, Failure> {
    let apis = xgen_codegen::Config::new()
        .specs_dir(specs)
        .load()
        .map_err(input)?;
    let mut warnings = Vec::new();
    let mut locator = xgen_codegen::Locator::new();
    locator.prepare(apis.iter().flat_map(|api| {
        let skipped = api.skipped.iter().map(|s| &s.origin);
        skipped.chain(api.repairs.iter().map(|r| &r.origin))
    }));
    for api in &apis {
        for skipped in &api.skipped {
            warnings.push(format!(
                "{} {}: not generated: {} ({})",
                api.exchange,
                skipped.id,
                skipped.reason,
                locator.origin(&skipped.origin)
            ));
        }
        for repair in &api.repairs {
            warnings.push(format!(
                "{}: {}",
                locator.origin(&repair.origin),
                repair.message
            ));
        }
    }
    if strict && !warnings.is_empty() {
        let count = match warnings.len() {
            1 => "1 warning".to_owned(),
            n => format!("{n} warnings"),
        };
        return Err(Failure::Input(format!(
            "{count}, which --strict makes errors:\n{}",
            warnings.join("\n")
        )));
    }
    for line in &warnings {
        eprintln!("warning: {}", xgen_codegen::text::escape(line));
    }
    Ok(apis)
}

/// A generator error from loading `specs/` (or writing), each place given its line and column.
pub(crate) fn input(error: xgen_codegen::Error) -> Failure {
    Failure::Input(xgen_codegen::Locator::new().error(&error))
}

/// Runs `xgen-cancel` with `args`: the binary next to this one (as `cargo build` and
/// `cargo install` place them), or the first on the PATH. On Unix it replaces this process, so
/// Ctrl-C and the exit code are `xgen-cancel`'s own.
fn cancel(args: Vec<std::ffi::OsString>) -> Result<ExitCode, Failure> {
    const BINARY: &str = "xgen-cancel";
    let beside = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(BINARY)))
        .filter(|path| path.is_file());
    let program = beside.unwrap_or_else(|| PathBuf::from(BINARY));
    let mut command = std::process::Command::new(&program);
    command.args(&args);
    let not_found = || {
        Failure::Input(format!(
            "`xgen cancel` runs the `{BINARY}` binary, which links the generated clients, and it \
             is not built: run `cargo run --bin {BINARY} -- ...` from the repository, or \
             `cargo install --path cancel` to put it next to xgen"
        ))
    };
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let error = command.exec();
        if error.kind() == std::io::ErrorKind::NotFound {
            return Err(not_found());
        }
        Err(Failure::Input(format!(
            "cannot run {}: {error}",
            program.display()
        )))
    }
    #[cfg(not(unix))]
    {
        match command.status() {
            Ok(status) => Ok(ExitCode::from(
                status
                    .code()
                    .and_then(|c| u8::try_from(c).ok())
                    .unwrap_or(7),
            )),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Err(not_found()),
            Err(error) => Err(Failure::Input(format!(
                "cannot run {}: {error}",
                program.display()
            ))),
        }
    }
}
