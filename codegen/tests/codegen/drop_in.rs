//! A newer copy of Kraken's spot-rest tree drops in with no hand edits: what Kraken adds (a
//! version, an operation, a file it refers to) adds to the client, and nothing already generated
//! changes.

use std::fs;
use std::path::Path;

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// `specs/kraken` copied into a fresh specs folder, and the folder.
fn kraken_copy() -> (tempfile::TempDir, std::path::PathBuf) {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let specs = tempfile::tempdir().unwrap();
    let kraken = specs.path().join("kraken");
    copy_tree(&here.join("../specs/kraken"), &kraken);
    (specs, kraken)
}

fn generate_kraken(specs: &Path) -> String {
    let files = xgen_codegen::Config::new()
        .specs_dir(specs)
        .generate()
        .unwrap();
    files
        .into_iter()
        .find(|f| f.path.as_os_str() == "kraken.rs")
        .expect("kraken.rs is generated")
        .contents
}

fn replace_once(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert_eq!(
        text.matches(from).count(),
        1,
        "{from:?} in {}",
        path.display()
    );
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// The first line of `old` that `new` lacks, keeping order, if any: `None` means `new` is `old`
/// with lines added.
fn first_line_not_kept<'a>(old: &'a str, new: &str) -> Option<(usize, &'a str)> {
    let mut new_lines = new.lines();
    old.lines()
        .enumerate()
        .find(|(_, line)| !new_lines.any(|candidate| candidate == *line))
}

#[test]
fn newer_kraken_tree_drops_in_unedited() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (specs, kraken) = kraken_copy();
    // What a newer release of Kraken's tree looks like: a new version, and a new private
    // operation whose request and reply live in new files under new folders.
    let root = kraken.join("openapi_v3.yaml");
    replace_once(&root, "  version: 1.1.0\n", "  version: 1.2.0\n");
    replace_once(
        &root,
        "  /private/WithdrawCancel:\n",
        "  /private/WithdrawPause:
    post:
      summary: Pause a Withdrawal
      description: Pause a recently requested withdrawal.
      operationId: pauseWithdrawal
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: \"./requests/funding/pause/withdrawal.yaml\"
      responses:
        \"200\":
          description: Withdrawal paused.
          content:
            application/json:
              schema:
                $ref: \"./schemas/responses/funding/pause/withdrawal.yaml\"

  /private/WithdrawCancel:\n",
    );
    fs::create_dir_all(kraken.join("requests/funding/pause")).unwrap();
    fs::write(
        kraken.join("requests/funding/pause/withdrawal.yaml"),
        "type: object\nrequired: [nonce, refid]\nproperties:\n  nonce:\n    \
         $ref: \"../../../partials/properties/nonce.yaml\"\n  refid:\n    type: string\n    \
         description: Withdrawal reference ID\n",
    )
    .unwrap();
    fs::create_dir_all(kraken.join("schemas/responses/funding/pause")).unwrap();
    fs::write(
        kraken.join("schemas/responses/funding/pause/withdrawal.yaml"),
        "type: object\nproperties:\n  error:\n    type: array\n    items:\n      type: string\n  \
         result:\n    type: boolean\n    description: Whether the withdrawal was paused\n",
    )
    .unwrap();

    let newer = generate_kraken(specs.path());
    let checked_in = fs::read_to_string(here.join("../generated/kraken.rs")).unwrap();
    assert!(newer.contains("pub async fn pause_withdrawal("), "{newer}");
    assert_eq!(
        first_line_not_kept(&checked_in, &newer),
        None,
        "a newer tree that only adds an operation changed what was generated before"
    );
}

#[test]
fn a_profile_selection_picks_operations_from_the_tree() {
    let (specs, kraken) = kraken_copy();
    let profile = kraken.join("profile.yaml");
    let mut text = fs::read_to_string(&profile).unwrap();
    text.push_str("operations:\n  - cancelWithdrawal\n  - getStatusRecentWithdrawals\n");
    fs::write(&profile, text).unwrap();

    let module = generate_kraken(specs.path());
    let methods: Vec<&str> = module
        .lines()
        .filter_map(|line| line.trim().strip_prefix("pub async fn "))
        .collect();
    assert_eq!(
        methods.len(),
        2,
        "only the selected operations: {methods:?}"
    );
    assert!(methods[0].starts_with("cancel_withdrawal("), "{methods:?}");
    assert!(
        methods[1].starts_with("get_status_recent_withdrawals("),
        "{methods:?}"
    );
}
