//! `xgen diff` through the real binary: each output format, each exit code, `--base` against a
//! git repository made here, and bad input.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use tempfile::TempDir;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn xgen_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xgen"))
        .arg("diff")
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("exited")
}

/// A scratch `specs/` holding a copy of the real OKX folder, as `old` and `new`.
struct Pair {
    dir: TempDir,
}

impl Pair {
    fn okx() -> Pair {
        let dir = TempDir::new().unwrap();
        for side in ["old", "new"] {
            let to = dir.path().join(side).join("okx");
            fs::create_dir_all(&to).unwrap();
            for entry in fs::read_dir(workspace().join("specs/okx")).unwrap() {
                let path = entry.unwrap().path();
                fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
            }
        }
        Pair { dir }
    }

    fn new_file(&self, name: &str) -> PathBuf {
        self.dir.path().join("new/okx").join(name)
    }

    /// Replaces `from` by `to` in the new side's `name`, exactly once.
    fn edit(&self, name: &str, from: &str, to: &str) {
        let path = self.new_file(name);
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches(from).count(), 1, "{from:?} once in {name}");
        fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }

    fn diff(&self, more: &[&str]) -> Output {
        let mut args = vec!["old", "new"];
        args.extend_from_slice(more);
        xgen_in(self.dir.path(), &args)
    }
}

/// A request parameter removed: breaking (code setting it stops compiling).
fn with_breaking_change() -> Pair {
    let pair = Pair::okx();
    pair.edit(
        "withdrawal-history.yaml",
        "      - name: limit\n        in: query\n        type: integer\n        description: Number of results per request. The maximum is `100`; the default is `100`.\n",
        "",
    );
    pair
}

/// A new value of the response enum `state`: potentially breaking.
fn with_new_response_enum_value() -> Pair {
    let pair = Pair::okx();
    pair.edit(
        "withdrawal-history.yaml",
        "`-2`, `-1`, `2`.\n    values:\n",
        "`-2`, `-1`, `2`.\n    values:\n      - value: \"21\"\n        name: UnderReview\n        description: Under review.\n",
    );
    pair
}

#[test]
fn identical_specs_report_nothing_and_exit_0_even_failing_on_any() {
    let pair = Pair::okx();
    let output = pair.diff(&["--fail-on", "any"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(
        stdout(&output).contains("no spec changes"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn fail_on_sets_exit_1_only_at_or_above_its_level() {
    let breaking = with_breaking_change();
    assert_eq!(code(&breaking.diff(&[])), 0, "no --fail-on: always 0");
    assert_eq!(code(&breaking.diff(&["--fail-on", "breaking"])), 1);
    assert_eq!(
        code(&breaking.diff(&["--fail-on", "potentially-breaking"])),
        1
    );
    assert_eq!(code(&breaking.diff(&["--fail-on", "any"])), 1);

    let potential = with_new_response_enum_value();
    assert_eq!(code(&potential.diff(&["--fail-on", "breaking"])), 0);
    assert_eq!(
        code(&potential.diff(&["--fail-on", "potentially-breaking"])),
        1
    );
    assert_eq!(code(&potential.diff(&["--fail-on", "any"])), 1);
}

#[test]
fn text_is_plain_off_a_terminal_and_coloured_on_request() {
    let pair = with_breaking_change();
    let plain = stdout(&pair.diff(&[]));
    // Off a terminal: no escape codes, the exact lines.
    assert_eq!(
        plain,
        "breaking              okx getWithdrawalHistory: request field \
         `GetWithdrawalHistoryRequest.limit`: removed\n\
         \n\
         1 change: 1 breaking, 0 potentially breaking, 0 non-breaking\n\
         generated files that would change:\n  modified  generated/okx.rs\n"
    );
    let coloured = stdout(&pair.diff(&["--color", "always"]));
    assert!(coloured.contains('\u{1b}'), "{coloured}");
}

#[test]
fn markdown_has_a_summary_table_then_details() {
    let output = with_breaking_change().diff(&["--format", "markdown"]);
    assert_eq!(code(&output), 0);
    let text = stdout(&output);
    let table = text.find('|').expect("a table");
    assert!(text[table..].contains("breaking"), "{text}");
    assert!(text.contains("limit"), "{text}");
    assert!(!text.contains('\u{1b}'), "{text}");
}

#[test]
fn json_has_the_documented_shape() {
    let output = with_new_response_enum_value().diff(&["--format", "json"]);
    assert_eq!(code(&output), 0);
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).expect("JSON");
    assert_eq!(json["version"], 1);
    assert!(json["summary"].is_object(), "{json}");
    let changes = json["changes"].as_array().expect("changes");
    assert!(!changes.is_empty());
    for key in [
        "exchange",
        "operation",
        "severity",
        "rule",
        "subject",
        "detail",
        "why",
    ] {
        assert!(changes[0].get(key).is_some(), "{key} in {}", changes[0]);
    }
    assert!(changes
        .iter()
        .any(|c| c["severity"] == "potentially-breaking"));
    let generated = json["generated"].as_array().expect("generated");
    assert!(
        generated.iter().any(|g| g["path"] == "generated/okx.rs"),
        "{json}"
    );
}

#[test]
fn a_lone_old_file_stands_in_for_the_new_one() {
    let pair = with_breaking_change();
    // The old file alone, away from any profile: it borrows NEW's exchange folder.
    let lone = pair.dir.path().join("withdrawal-history.yaml");
    fs::copy(
        pair.dir.path().join("old/okx/withdrawal-history.yaml"),
        &lone,
    )
    .unwrap();
    let output = xgen_in(
        pair.dir.path(),
        &[
            "withdrawal-history.yaml",
            "new/okx/withdrawal-history.yaml",
            "--fail-on",
            "breaking",
        ],
    );
    assert_eq!(code(&output), 1, "{}{}", stdout(&output), stderr(&output));
    assert!(stdout(&output).contains("limit"), "{}", stdout(&output));
}

#[test]
fn exchange_folders_compare_too() {
    let pair = with_breaking_change();
    let output = xgen_in(
        pair.dir.path(),
        &["old/okx", "new/okx", "--fail-on", "breaking"],
    );
    assert_eq!(code(&output), 1, "{}", stderr(&output));
}

#[test]
fn two_different_exchanges_are_bad_input() {
    let output = xgen_in(&workspace(), &["specs/okx", "specs/bybit"]);
    assert_eq!(code(&output), 2);
    assert_eq!(
        stderr(&output).trim(),
        "error: OLD is exchange `okx` and NEW is exchange `bybit`: compare two versions of the \
         same exchange"
    );
    assert!(stdout(&output).is_empty());
}

#[test]
fn an_unreadable_file_is_bad_input() {
    let output = xgen_in(&workspace(), &["specs/okx/nope.yaml", "specs/okx"]);
    assert_eq!(code(&output), 2);
    let err = stderr(&output);
    assert!(
        err.starts_with("error: cannot read specs/okx/nope.yaml: "),
        "{err}"
    );
}

#[test]
fn a_broken_spec_is_bad_input_naming_the_file() {
    let pair = Pair::okx();
    pair.edit(
        "withdrawal-history.yaml",
        "    method: GET\n",
        "    method: FETCH\n",
    );
    let output = pair.diff(&[]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("withdrawal-history.yaml"),
        "{}",
        stderr(&output)
    );
}

/// A git repository with `specs/okx` committed, then edited in the working tree.
fn repository() -> TempDir {
    let pair = with_breaking_change();
    let repo = TempDir::new().unwrap();
    let git = |args: &[&str]| {
        let status = Command::new("git")
            .args(args)
            .current_dir(repo.path())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    let specs = repo.path().join("specs/okx");
    fs::create_dir_all(&specs).unwrap();
    for entry in fs::read_dir(pair.dir.path().join("old/okx")).unwrap() {
        let path = entry.unwrap().path();
        fs::copy(&path, specs.join(path.file_name().unwrap())).unwrap();
    }
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "specs"]);
    // The working tree now has the edit, uncommitted.
    for entry in fs::read_dir(pair.dir.path().join("new/okx")).unwrap() {
        let path = entry.unwrap().path();
        fs::copy(&path, specs.join(path.file_name().unwrap())).unwrap();
    }
    repo
}

#[test]
fn base_compares_a_git_revision_with_the_working_tree() {
    let repo = repository();
    let output = xgen_in(repo.path(), &["--base", "HEAD", "--fail-on", "breaking"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert!(stdout(&output).contains("limit"), "{}", stdout(&output));
    // Nothing was checked out: the working tree keeps its edit.
    let status = Command::new("git")
        .args(["status", "--porcelain"])
        .current_dir(repo.path())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&status.stdout).contains("withdrawal-history.yaml"));
}

#[test]
fn base_with_an_unknown_revision_is_bad_input() {
    let repo = repository();
    let output = xgen_in(repo.path(), &["--base", "no-such-branch"]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).starts_with(
            "error: git revision `no-such-branch` does not exist in the repository of specs"
        ),
        "{}",
        stderr(&output)
    );
}

#[test]
fn help_lists_the_exit_codes() {
    let output = Command::new(env!("CARGO_BIN_EXE_xgen"))
        .args(["diff", "--help"])
        .output()
        .unwrap();
    let help = stdout(&output);
    for line in [
        "  0  nothing changed",
        "  1  a change at or above",
        "  2  bad input",
    ] {
        assert!(help.contains(line), "{line:?} in:\n{help}");
    }
}
