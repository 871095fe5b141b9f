//! The `xgen` command: argument mapping and exit codes only; the work is in `xgen-codegen`,
//! the generated clients and the runtime.

mod cancel;
mod diff;
mod exchanges;
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
    },
    /// Build a signed request through the generated client and send it, or print it.
    #[command(after_long_help = request::after_help())]
    Request(request::RequestArgs),
    /// Say what changed between two versions of the specs for code using the generated
    /// clients, and whether it breaks it.
    #[command(after_help = diff::AFTER_HELP)]
    Diff(diff::DiffArgs),
    /// Cancel a withdrawal; with --confirm, follow its status to an outcome (the exit code says
    /// which).
    #[command(after_help = cancel::after_help())]
    Cancel(cancel::CancelArgs),
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
        Command::Generate { specs, out } => generate(specs, out),
        Command::Check { specs, out } => check(specs, out),
        Command::Request(args) => request::run(args),
        Command::Diff(args) => diff::run(args),
        // Exits through its own table of codes, failures included.
        Command::Cancel(args) => return cancel::run(args),
    };
    match result {
        Ok(code) => code,
        Err(Failure::Input(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(Failure::Refused(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

fn generate(specs: PathBuf, out: PathBuf) -> Result<ExitCode, Failure> {
    let files = xgen_codegen::Config::new()
        .specs_dir(&specs)
        .generate()
        .map_err(input)?;
    let report = xgen_codegen::write(&out, &files).map_err(input)?;
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

fn check(specs: PathBuf, out: PathBuf) -> Result<ExitCode, Failure> {
    let files = xgen_codegen::Config::new()
        .specs_dir(&specs)
        .generate()
        .map_err(input)?;
    let stale = xgen_codegen::check(&out, &files).map_err(input)?;
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

fn input(error: xgen_codegen::Error) -> Failure {
    Failure::Input(error.to_string())
}
