//! `xgen diff`: what a spec change means for code using the generated clients.
//!
//! This module only finds and loads the two sides (folders, single files, or `specs/` at a git
//! revision read with `git show`) and maps the result to output and an exit code; the comparison
//! and its rules are `xgen_codegen::diff`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::ValueEnum;
use tempfile::TempDir;
use xgen_codegen::diff::{self, Severity};
use xgen_codegen::ir::Api;
use xgen_codegen::{Config, Locator};

use crate::Failure;

/// What `xgen diff --help` says after the options.
pub const AFTER_HELP: &str = "\
Examples:
  xgen diff old-specs/ specs/                      two specs folders
  xgen diff old/okx/ specs/okx/                    one exchange's folder
  xgen diff /tmp/withdrawal-history.yaml specs/okx/withdrawal-history.yaml
  xgen diff --base origin/main --fail-on breaking  specs/ at a git revision against the working tree

Every change is classified for code using the generated client: breaking (it stops compiling,
or a request it sends starts failing), potentially breaking, or non-breaking; README.md lists
the rules. The generated files that would change are listed last.

Exit codes:
  0  nothing changed at or above the --fail-on level (always 0 without --fail-on)
  1  a change at or above the --fail-on level
  2  bad input: an unreadable or broken spec, two different exchanges, an unknown git revision";

/// Arguments of `xgen diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The old specs: a specs folder, one exchange's folder, or one spec file (a file with no
    /// profile.yaml beside it borrows NEW's exchange folder, with NEW's file replaced by it).
    #[arg(required_unless_present = "base")]
    old: Option<PathBuf>,
    /// The new specs, of the same kind as OLD.
    #[arg(required_unless_present = "base")]
    new: Option<PathBuf>,
    /// Compare the specs folder at this git revision (read with `git show`, no checkout) with
    /// the working tree's.
    #[arg(long, value_name = "GIT-REV", conflicts_with_all = ["old", "new"])]
    base: Option<String>,
    /// The specs folder, for --base.
    #[arg(long, default_value = "specs")]
    specs: PathBuf,
    /// How to print the changes.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Exit 1 when a change at or above this level is found.
    #[arg(long, value_enum, value_name = "LEVEL")]
    fail_on: Option<FailOn>,
    /// Colour the text format: on a terminal only (auto), always or never.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    /// One line per change, grouped by exchange.
    Text,
    /// A summary table, then details: for a review comment.
    Markdown,
    /// The stable JSON shape documented in the README.
    Json,
}

/// The level `--fail-on` stops at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum FailOn {
    /// Only breaking changes.
    Breaking,
    /// Breaking and potentially breaking changes.
    PotentiallyBreaking,
    /// Any change at all.
    Any,
}

impl FailOn {
    fn threshold(self) -> Severity {
        match self {
            FailOn::Breaking => Severity::Breaking,
            FailOn::PotentiallyBreaking => Severity::PotentiallyBreaking,
            FailOn::Any => Severity::NonBreaking,
        }
    }
}

/// When the text format is coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Color {
    /// When stdout is a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl Color {
    fn enabled(self) -> bool {
        match self {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        }
    }
}

/// One side of the comparison, loaded.
struct Side {
    apis: Vec<Api>,
    /// The exchange, when the side is one exchange's folder or file.
    exchange: Option<String>,
    /// Files copied out of git or another folder live here until the comparison is done.
    _scratch: Option<TempDir>,
}

/// What a path given on the command line is.
enum Input {
    /// A folder of exchange folders.
    Specs(PathBuf),
    /// A folder with a profile.yaml.
    Exchange(PathBuf),
    /// One spec file.
    File(PathBuf),
}

/// Runs `xgen diff`.
pub fn run(args: DiffArgs) -> Result<ExitCode, Failure> {
    let (old, new) = match (&args.base, &args.old, &args.new) {
        (Some(rev), _, _) => (load_revision(rev, &args.specs)?, load_specs(&args.specs)?),
        (None, Some(old), Some(new)) => load_pair(old, new)?,
        _ => return Err(Failure::Input("give OLD and NEW, or --base GIT-REV".into())),
    };
    if let (Some(a), Some(b)) = (&old.exchange, &new.exchange) {
        if a != b {
            return Err(Failure::Input(format!(
                "OLD is exchange `{a}` and NEW is exchange `{b}`: compare two versions of the \
                 same exchange"
            )));
        }
    }
    let changes = diff::compare(&old.apis, &new.apis).map_err(|e| Failure::Input(e.to_string()))?;
    let rendered = match args.format {
        Format::Text => changes.render_text(args.color.enabled()),
        Format::Markdown => changes.render_markdown(),
        Format::Json => changes.render_json(),
    };
    print!("{rendered}");
    if !rendered.ends_with('\n') {
        println!();
    }
    let fails = args
        .fail_on
        .zip(changes.worst())
        .is_some_and(|(level, worst)| worst >= level.threshold());
    Ok(if fails {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn classify(path: &Path) -> Result<Input, Failure> {
    let metadata = std::fs::metadata(path)
        .map_err(|e| Failure::Input(format!("cannot read {}: {e}", path.display())))?;
    Ok(if metadata.is_file() {
        Input::File(path.to_owned())
    } else if path.join(PROFILE).is_file() {
        Input::Exchange(path.to_owned())
    } else {
        Input::Specs(path.to_owned())
    })
}

const PROFILE: &str = "profile.yaml";

fn load_pair(old: &Path, new: &Path) -> Result<(Side, Side), Failure> {
    let (old, new) = (classify(old)?, classify(new)?);
    let new_side = load(&new, None)?;
    let old_side = load(&old, Some(&new))?;
    Ok((old_side, new_side))
}

fn load(input: &Input, partner: Option<&Input>) -> Result<Side, Failure> {
    match input {
        Input::Specs(dir) => load_specs(dir),
        Input::Exchange(dir) => load_exchange(dir),
        Input::File(file) => {
            let dir = file.parent().unwrap_or_else(|| Path::new("."));
            if dir.join(PROFILE).is_file() {
                return load_exchange(dir);
            }
            match partner {
                Some(Input::File(theirs)) => load_in_place_of(file, theirs),
                _ => Err(Failure::Input(format!(
                    "{}: no {PROFILE} beside it, and NEW is not a spec file whose exchange \
                     folder it could stand in",
                    file.display()
                ))),
            }
        }
    }
}

fn load_specs(dir: &Path) -> Result<Side, Failure> {
    let apis = Config::new().specs_dir(dir).load().map_err(crate::input)?;
    Ok(Side {
        apis,
        exchange: None,
        _scratch: None,
    })
}

fn load_exchange(dir: &Path) -> Result<Side, Failure> {
    let api = Config::load_exchange(dir).map_err(|e| {
        let parent = dir.parent().unwrap_or_else(|| Path::new(""));
        Failure::Input(Locator::within(parent).error(&e))
    })?;
    Ok(Side {
        exchange: Some(api.exchange.clone()),
        apis: vec![api],
        _scratch: None,
    })
}

/// `file` in place of `theirs`: a copy of `theirs`'s exchange folder with that one file
/// replaced, so the profile and the other spec files are the same on both sides.
fn load_in_place_of(file: &Path, theirs: &Path) -> Result<Side, Failure> {
    let their_dir = theirs.parent().unwrap_or_else(|| Path::new("."));
    let exchange = their_dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .ok_or_else(|| Failure::Input(format!("{}: no exchange folder", theirs.display())))?;
    let scratch = scratch()?;
    let copy = scratch.path().join(&exchange);
    copy_files(their_dir, &copy)?;
    let name = theirs.file_name().unwrap_or_default();
    std::fs::copy(file, copy.join(name))
        .map_err(|e| Failure::Input(format!("cannot read {}: {e}", file.display())))?;
    let api = Config::load_exchange(&copy).map_err(|e| {
        // Point at the file the user named, not at the copy.
        let copied = copy.join(name);
        Failure::Input(
            Locator::within(scratch.path())
                .error(&e)
                .replace(&copied.display().to_string(), &file.display().to_string())
                .replace(
                    &format!("{exchange}/{}", Path::new(name).display()),
                    &file.display().to_string(),
                ),
        )
    })?;
    Ok(Side {
        exchange: Some(api.exchange.clone()),
        apis: vec![api],
        _scratch: Some(scratch),
    })
}

/// The specs folder as it was at `rev`, read with `git show` into a scratch folder.
fn load_revision(rev: &str, specs: &Path) -> Result<Side, Failure> {
    if !specs.is_dir() {
        return Err(Failure::Input(format!(
            "{}: no such specs folder (give --specs)",
            specs.display()
        )));
    }
    let commit = format!("{rev}^{{commit}}");
    if git(specs, &["rev-parse", "--verify", "--quiet", &commit]).is_err() {
        return Err(Failure::Input(format!(
            "git revision `{rev}` does not exist in the repository of {}",
            specs.display()
        )));
    }
    let listing = git(specs, &["ls-tree", "-r", "-z", "--name-only", rev])?;
    let scratch = scratch()?;
    let root = scratch.path().join("specs");
    for path in listing.split(|b| *b == 0).filter(|p| !p.is_empty()) {
        let path = String::from_utf8_lossy(path).into_owned();
        let contents = git(specs, &["show", &format!("{rev}:./{path}")])?;
        let target = root.join(&path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(scratch_error)?;
        }
        std::fs::write(&target, contents).map_err(scratch_error)?;
    }
    if !root.is_dir() {
        return Err(Failure::Input(format!(
            "{} did not exist at git revision `{rev}`",
            specs.display()
        )));
    }
    let label = format!("{rev}:{}", specs.display());
    let apis = Config::new().specs_dir(&root).load().map_err(|e| {
        let located = Locator::new().error(&e);
        Failure::Input(located.replace(&root.display().to_string(), &label))
    })?;
    Ok(Side {
        apis,
        exchange: None,
        _scratch: Some(scratch),
    })
}

/// Runs git in `dir`; its stdout, or a bad-input failure with git's own words.
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, Failure> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| Failure::Input(format!("cannot run git: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(Failure::Input(format!(
            "git {} failed: {}",
            args.join(" "),
            stderr.trim()
        )));
    }
    Ok(output.stdout)
}

fn scratch() -> Result<TempDir, Failure> {
    tempfile::Builder::new()
        .prefix("xgen-diff-")
        .tempdir()
        .map_err(scratch_error)
}

fn scratch_error(e: std::io::Error) -> Failure {
    Failure::Input(format!("cannot write a scratch folder: {e}"))
}

/// Copies the files (not subfolders) of `from` into a new folder `to`.
fn copy_files(from: &Path, to: &Path) -> Result<(), Failure> {
    let read = |e: std::io::Error| Failure::Input(format!("cannot read {}: {e}", from.display()));
    std::fs::create_dir_all(to).map_err(scratch_error)?;
    for entry in std::fs::read_dir(from).map_err(read)? {
        let path = entry.map_err(read)?.path();
        if path.is_file() {
            if let Some(name) = path.file_name() {
                std::fs::copy(&path, to.join(name)).map_err(read)?;
            }
        }
    }
    Ok(())
}
