//! Bad input: each error names the file and the place, and its text is pinned here.

use std::fs;
use std::path::PathBuf;

const SEED: &str = include_str!("../../specs/kraken/spot-rest.yaml");
const PROFILE: &str = include_str!("../../specs/kraken/profile.yaml");

/// A specs folder with one `kraken` exchange, whose spec and profile are `spec` and `profile`.
fn specs(spec: &str, profile: &str) -> (tempfile::TempDir, PathBuf) {
    specs_named("kraken", spec, profile)
}

/// A specs folder with one exchange folder called `exchange`.
fn specs_named(exchange: &str, spec: &str, profile: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join(exchange);
    fs::create_dir_all(&folder).unwrap();
    fs::write(folder.join("spot-rest.yaml"), spec).unwrap();
    fs::write(folder.join("profile.yaml"), profile).unwrap();
    let root = dir.path().to_owned();
    (dir, root)
}

/// The error text, with the temporary folder replaced by `specs`.
fn error(spec: &str, profile: &str) -> String {
    let (_dir, root) = specs(spec, profile);
    let error = xgen_codegen::Config::new()
        .specs_dir(&root)
        .generate()
        .expect_err("must fail");
    error
        .to_string()
        .replace(&root.display().to_string(), "specs")
}

fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "fixture text not found: {from}");
    text.replacen(from, to, 1)
}

#[test]
fn the_seed_generates() {
    let (_dir, root) = specs(SEED, PROFILE);
    xgen_codegen::Config::new()
        .specs_dir(&root)
        .generate()
        .unwrap();
}

#[test]
fn malformed_yaml_gives_line_and_column() {
    let spec = replace_once(
        SEED,
        "      summary: Request Withdrawal Cancellation\n",
        "      summary: [unclosed\n",
    );
    assert_eq!(
        error(&spec, PROFILE),
        "specs/kraken/spot-rest.yaml:84:18: did not find expected ',' or ']' (while parsing a flow sequence at line 83 column 16)"
    );
}

#[test]
fn dangling_ref_gives_json_pointer() {
    let spec = replace_once(
        SEED,
        "$ref: '#/components/schemas/cancel-3'",
        "$ref: '#/components/schemas/cancel-4'",
    );
    assert_eq!(error(&spec, PROFILE), "specs/kraken/spot-rest.yaml#/paths/~1private~1WithdrawCancel/post/requestBody/content/application~1json/schema/$ref: $ref '#/components/schemas/cancel-4' points to nothing");
}

#[test]
fn unsupported_construct_gives_json_pointer() {
    let spec = replace_once(
        SEED,
        "        refid:\n          description: Withdrawal reference ID\n          type: string\n",
        "        refid:\n          not:\n            type: integer\n",
    );
    assert_eq!(error(&spec, PROFILE), "specs/kraken/spot-rest.yaml#/components/schemas/cancel-3/properties/refid: not supported: `not` schemas");
}

#[test]
fn external_ref_is_unsupported() {
    let spec = replace_once(
        SEED,
        "$ref: '#/components/schemas/cancel-3'",
        "$ref: 'other.yaml#/cancel'",
    );
    assert_eq!(error(&spec, PROFILE), "specs/kraken/spot-rest.yaml#/paths/~1private~1WithdrawCancel/post/requestBody/content/application~1json/schema: not supported: $ref 'other.yaml#/cancel' (only '#/components/schemas/...' in the same file)");
}

#[test]
fn signed_body_without_the_signer_field() {
    let spec = replace_once(
        SEED,
        "        nonce:\n          $ref: '#/components/schemas/nonce'\n",
        "",
    );
    assert_eq!(error(&spec, PROFILE), "specs/kraken/spot-rest.yaml#/components/schemas/cancel-3: the signed body has no 'nonce' property, which the profile says the signer fills in");
}

#[test]
fn unknown_profile_key_gives_line_and_column() {
    let profile = replace_once(
        PROFILE,
        "signing: kraken",
        "signing: kraken\nsigner: kraken",
    );
    assert_eq!(error(SEED, &profile), "specs/kraken/profile.yaml:10:1: unknown field `signer`, expected one of `title`, `openapi`, `schemas`, `base_urls`, `signing`, `envelope`, `signer_fields`, `operations`, `success_means`");
}

#[test]
fn unknown_signing_plugin() {
    let profile = replace_once(PROFILE, "signing: kraken", "signing: krakn");
    assert_eq!(
        error(SEED, &profile),
        "specs/kraken/profile.yaml:9:10: signing: unknown variant `krakn`, expected one of `kraken`, `okx`, `bybit`, `alphapoint`"
    );
}

#[test]
fn selected_operation_missing_from_spec() {
    let profile = replace_once(PROFILE, "  - cancelWithdrawal", "  - cancelWithdrawl");
    assert_eq!(error(SEED, &profile), "specs/kraken/profile.yaml#/operations/0: operation 'cancelWithdrawl' is in no spec file of kraken");
}

#[test]
fn missing_spec_file() {
    let profile = replace_once(PROFILE, "  - spot-rest.yaml", "  - spot-rest-v2.yaml");
    let message = error(SEED, &profile);
    assert!(
        message.starts_with("specs/kraken/spot-rest-v2.yaml: cannot read: "),
        "{message}"
    );
}

#[test]
fn a_parameter_may_not_share_a_body_fields_name() {
    let spec = replace_once(
        SEED,
        "      operationId: cancelWithdrawal\n",
        "      operationId: cancelWithdrawal\n      parameters:\n        - name: asset\n          in: query\n          schema:\n            type: string\n",
    );
    assert_eq!(
        error(&spec, PROFILE),
        "specs/kraken/spot-rest.yaml#/paths/~1private~1WithdrawCancel/post/parameters/0: parameter 'asset' has the same \
         name as the body field at specs/kraken/spot-rest.yaml#/components/schemas/cancel-3/properties/asset"
    );
}

#[test]
fn empty_specs_folder() {
    let dir = tempfile::tempdir().unwrap();
    let error = xgen_codegen::Config::new()
        .specs_dir(dir.path())
        .generate()
        .unwrap_err()
        .to_string();
    assert_eq!(
        error.replace(&dir.path().display().to_string(), "specs"),
        "specs: no exchange found: expected folders with a profile.yaml in them"
    );
}

#[test]
fn exchange_folder_names_must_make_module_names() {
    for bad in ["1inch", "type", "Kraken", "okx_v5"] {
        let (_dir, root) = specs_named(bad, SEED, PROFILE);
        let error = xgen_codegen::Config::new()
            .specs_dir(&root)
            .generate()
            .unwrap_err()
            .to_string();
        assert_eq!(
            error.replace(&root.display().to_string(), "specs"),
            format!(
                "specs/{bad}#: exchange folder name '{bad}' must be lower-case letters, digits and '-', \
                 start with a letter, and not be a Rust keyword"
            )
        );
    }
}
