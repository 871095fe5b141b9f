//! A newer copy of Kraken's spot-rest.yaml drops in with no hand edits: operations the profile
//! does not select are skipped, whatever they contain, and the selected one comes out the same.

use std::fs;
use std::path::Path;

#[test]
fn newer_kraken_spec_drops_in_unedited() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let specs = tempfile::tempdir().unwrap();
    let kraken = specs.path().join("kraken");
    fs::create_dir_all(&kraken).unwrap();
    fs::copy(
        here.join("../specs/kraken/profile.yaml"),
        kraken.join("profile.yaml"),
    )
    .unwrap();
    fs::copy(
        here.join("tests/fixtures/kraken-newer/spot-rest.yaml"),
        kraken.join("spot-rest.yaml"),
    )
    .unwrap();
    // The profile's other OpenAPI file, as it is in specs/.
    fs::copy(
        here.join("../specs/kraken/withdraw-status.yaml"),
        kraken.join("withdraw-status.yaml"),
    )
    .unwrap();

    let files = xgen_codegen::Config::new()
        .specs_dir(specs.path())
        .generate()
        .unwrap();
    let kraken = files
        .iter()
        .find(|f| f.path.as_os_str() == "kraken.rs")
        .expect("kraken.rs is generated");
    let checked_in = fs::read_to_string(here.join("../generated/kraken.rs")).unwrap();
    assert!(
        kraken.contents == checked_in,
        "a newer spec with the same WithdrawCancel changed the Kraken client"
    );
}

#[test]
fn without_a_selection_every_operation_it_can_send_is_generated() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let specs = tempfile::tempdir().unwrap();
    let kraken = specs.path().join("kraken");
    fs::create_dir_all(&kraken).unwrap();
    let profile = fs::read_to_string(here.join("../specs/kraken/profile.yaml")).unwrap();
    let cut = profile.find("operations:").unwrap();
    fs::write(kraken.join("profile.yaml"), &profile[..cut]).unwrap();
    fs::copy(
        here.join("tests/fixtures/kraken-newer/spot-rest.yaml"),
        kraken.join("spot-rest.yaml"),
    )
    .unwrap();
    // The profile's other OpenAPI file, as it is in specs/.
    fs::copy(
        here.join("../specs/kraken/withdraw-status.yaml"),
        kraken.join("withdraw-status.yaml"),
    )
    .unwrap();

    // The full file has public GETs, one with a query parameter, and form-encoded private calls:
    // all of them generate.
    let files = xgen_codegen::Config::new()
        .specs_dir(specs.path())
        .generate()
        .unwrap();
    let kraken = &files
        .iter()
        .find(|f| f.path.as_os_str() == "kraken.rs")
        .unwrap()
        .contents;
    for expected in [
        "pub async fn cancel_withdrawal(",
        "pub async fn get_status_recent_withdrawals(",
        "pub async fn get_account_balance(",
        "pub async fn get_server_time(",
        "pub async fn get_ticker_information(",
        "location: ::xgen_runtime::ParamLocation::Query,",
        "body: ::xgen_runtime::BodyEncoding::Form,",
    ] {
        assert!(kraken.contains(expected), "missing `{expected}`");
    }
}
