//! `xgen cancel` runs the separate `xgen-cancel` binary (which links the generated clients),
//! passing every argument through and exiting with its code; `xgen-cancel`'s own suite is in
//! `cancel/tests`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

/// A copy of `xgen` alone in a folder, optionally with a stand-in `xgen-cancel` beside it.
fn xgen_in_folder(stand_in: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(env!("CARGO_BIN_EXE_xgen"), dir.path().join("xgen")).unwrap();
    if let Some(script) = stand_in {
        let path = dir.path().join("xgen-cancel");
        fs::write(&path, script).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

/// Runs `command`, again if the kernel says a freshly written file is busy: another test
/// thread may have forked while it was still open for writing (ETXTBSY), which clears once that
/// child execs. Either file: `xgen` here, or the stand-in `xgen-cancel` when `xgen` execs it.
fn output(command: &mut Command) -> std::process::Output {
    for _ in 0..100 {
        match command.output() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {}
            Ok(out) if String::from_utf8_lossy(&out.stderr).contains("Text file busy") => {}
            result => return result.unwrap(),
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!("{command:?} stayed busy")
}

#[test]
fn arguments_and_the_exit_code_pass_through() {
    let dir = xgen_in_folder(Some("#!/bin/sh\necho \"got: $*\"\nexit 5\n"));
    let output = output(
        Command::new(dir.path().join("xgen"))
            .args(["cancel", "okx", "1123456", "--confirm", "--help"])
            .env("PATH", "/usr/bin:/bin"),
    );
    assert_eq!(output.status.code(), Some(5));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "got: okx 1123456 --confirm --help\n"
    );
}

#[test]
fn without_xgen_cancel_it_says_how_to_build_it() {
    let dir = xgen_in_folder(None);
    let output = output(
        Command::new(dir.path().join("xgen"))
            .args(["cancel", "okx", "1"])
            .env("PATH", dir.path()),
    );
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: `xgen cancel` runs the `xgen-cancel` binary, which links the generated clients, and it \
         is not built: run `cargo run --bin xgen-cancel -- ...` from the repository, or \
         `cargo install --path cancel` to put it next to xgen\n"
    );
}
