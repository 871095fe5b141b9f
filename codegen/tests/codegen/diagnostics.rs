//! Bad input: each error names the file and the place, and its text is pinned here.
//!
//! Every input is a fixture under `tests/fixtures/`, never the live `specs/`, which users edit:
//! the Kraken seed is a frozen copy in `tests/fixtures/diagnostics/kraken/`, so the lines and
//! columns pinned below move only when that copy does.

mod uncompilable;

use std::fs;
use std::path::PathBuf;

const SEED: &str = include_str!("../fixtures/diagnostics/kraken/spot-rest.yaml");
const PROFILE: &str = include_str!("../fixtures/diagnostics/kraken/profile.yaml");
/// The other OpenAPI file the Kraken profile names, written next to the seed unchanged.
const WITHDRAW_STATUS: &str = include_str!("../fixtures/diagnostics/kraken/withdraw-status.yaml");
// The golden fixtures for rate limits: their operations and limits stay put.
const VOCAB_PROFILE: &str = include_str!("../fixtures/vocabulary/specs/vocab/profile.yaml");
const HANDWRITTEN: &str = include_str!("../fixtures/schema-vocabulary/specs/handwritten/api.yaml");
const HANDWRITTEN_PROFILE: &str =
    include_str!("../fixtures/schema-vocabulary/specs/handwritten/profile.yaml");
const HANDWRITTEN_LIMIT: &str = "rate_limit: { requests: 5, per_seconds: 1, scope: UID }";
/// What the zero-limit error says after the pointer.
const ZERO: &str = "is 0; a rate limit allows at least 1 request per at least 1 second";

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
    fs::write(folder.join("withdraw-status.yaml"), WITHDRAW_STATUS).unwrap();
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

/// A copy of the specs of fixture `fixture` (under `tests/fixtures`), exchange `exchange`, with
/// the files in `replaced` (name, text) written over; what generating it gives, and the copy's
/// root (the copy lives as long as the `TempDir`).
fn fixture_copy(
    fixture: &str,
    exchange: &str,
    replaced: &[(&str, &str)],
) -> (tempfile::TempDir, PathBuf) {
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(fixture)
        .join("specs")
        .join(exchange);
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join(exchange);
    fs::create_dir_all(&folder).unwrap();
    for entry in fs::read_dir(&source).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), folder.join(entry.file_name())).unwrap();
    }
    for (name, text) in replaced {
        fs::write(folder.join(name), text).unwrap();
    }
    let root = dir.path().to_owned();
    (dir, root)
}

/// The error a fixture gives with `replaced` files, and its text with the temporary folder
/// shown as `specs`.
fn fixture_error(
    fixture: &str,
    exchange: &str,
    replaced: &[(&str, &str)],
) -> (xgen_codegen::Error, String) {
    let (_dir, root) = fixture_copy(fixture, exchange, replaced);
    let error = xgen_codegen::Config::new()
        .specs_dir(&root)
        .generate()
        .expect_err("must fail");
    let text = error
        .to_string()
        .replace(&root.display().to_string(), "specs");
    (error, text)
}

/// The vocabulary fixture (OpenAPI) with its profile's `rate_limits` entry for `placeThing`
/// replaced by `entry`.
fn openapi_rate_limit_error(entry: &str) -> String {
    let profile = replace_once(
        VOCAB_PROFILE,
        "  placeThing: { requests: 6, per_seconds: 1, scope: API key }\n",
        entry,
    );
    fixture_error("vocabulary", "vocab", &[("profile.yaml", &profile)]).1
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
fn an_external_ref_to_a_missing_file_names_it() {
    let spec = replace_once(
        SEED,
        "$ref: '#/components/schemas/cancel-3'",
        "$ref: 'other.yaml#/cancel'",
    );
    let message = error(&spec, PROFILE);
    assert!(
        message.starts_with("specs/kraken/spot-rest.yaml#/paths/~1private~1WithdrawCancel/post/requestBody/content/application~1json/schema: \
             $ref names specs/kraken/other.yaml, which cannot be read: "),
        "{message}"
    );
}

#[test]
fn a_ref_to_a_url_is_unsupported() {
    let spec = replace_once(
        SEED,
        "$ref: '#/components/schemas/cancel-3'",
        "$ref: 'https://example.com/other.yaml#/cancel'",
    );
    assert_eq!(error(&spec, PROFILE), "specs/kraken/spot-rest.yaml#/paths/~1private~1WithdrawCancel/post/requestBody/content/application~1json/schema/$ref: not supported: $ref 'https://example.com/other.yaml#/cancel' to a URL (files next to the document are)");
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
    assert_eq!(error(SEED, &profile), "specs/kraken/profile.yaml:10:1: unknown field `signer`, expected one of `title`, `openapi`, `schemas`, `base_urls`, `host_by`, `hosts`, `signing`, `envelope`, `signer_fields`, `operation_names`, `signed_when`, `operations`, `success_means`, `payload_may_be_null`, `rate_limits`");
}

#[test]
fn unknown_signing_plugin() {
    let profile = replace_once(PROFILE, "signing: kraken", "signing: krakn");
    assert_eq!(
        error(SEED, &profile),
        "specs/kraken/profile.yaml#/signing: unknown signing scheme 'krakn'; known: alphapoint, \
         binance, bybit, http-basic, http-bearer, kraken, kucoin, none, okx, openapi"
    );
}

#[test]
fn unknown_envelope() {
    let profile = replace_once(PROFILE, "envelope: kraken", "envelope: krakn");
    assert_eq!(
        error(SEED, &profile),
        "specs/kraken/profile.yaml#/envelope: unknown envelope 'krakn'; known: alphapoint, binance, bybit, kraken, kucoin, none, okx"
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

#[test]
fn profile_rate_limit_for_an_operation_not_generated() {
    let entry = "  placeThng: { requests: 6, per_seconds: 1, scope: API key }\n";
    assert_eq!(
        openapi_rate_limit_error(entry),
        "specs/vocab/profile.yaml#/rate_limits/placeThng: names operation 'placeThng', \
         which is not generated for vocab"
    );
}

#[test]
fn profile_rate_limit_of_zero_requests_or_seconds() {
    let entry = "  placeThing: { requests: 0, per_seconds: 1, scope: API key }\n";
    assert_eq!(
        openapi_rate_limit_error(entry),
        format!("specs/vocab/profile.yaml#/rate_limits/placeThing/requests: requests {ZERO}")
    );
    let entry = "  placeThing: { requests: 6, per_seconds: 0, scope: API key }\n";
    assert_eq!(
        openapi_rate_limit_error(entry),
        format!("specs/vocab/profile.yaml#/rate_limits/placeThing/per_seconds: per_seconds {ZERO}")
    );
}

#[test]
fn profile_rate_limit_with_an_unknown_key_gives_line_and_column() {
    let entry = "  placeThing: { requests: 6, per_second: 1, scope: API key }\n";
    assert_eq!(
        openapi_rate_limit_error(entry),
        "specs/vocab/profile.yaml:13:30: rate_limits.placeThing: unknown field `per_second`, \
         expected one of `requests`, `per_seconds`, `scope`"
    );
}

#[test]
fn hand_written_rate_limit_of_zero_requests_or_seconds() {
    for (limit, key) in [
        ("{ requests: 0, per_seconds: 1, scope: UID }", "requests"),
        ("{ requests: 5, per_seconds: 0, scope: UID }", "per_seconds"),
    ] {
        let schema = replace_once(
            HANDWRITTEN,
            HANDWRITTEN_LIMIT,
            &format!("rate_limit: {limit}"),
        );
        let (_, text) = fixture_error("schema-vocabulary", "handwritten", &[("api.yaml", &schema)]);
        assert_eq!(
            text,
            format!("specs/handwritten/api.yaml#/operations/0/rate_limit/{key}: {key} {ZERO}")
        );
    }
}

#[test]
fn rate_limit_in_both_the_schema_file_and_the_profile_is_refused() {
    let profile = format!(
        "{HANDWRITTEN_PROFILE}rate_limits:\n  placeTransfer: {{ requests: 5, per_seconds: 1, scope: UID }}\n"
    );
    let (_, text) = fixture_error(
        "schema-vocabulary",
        "handwritten",
        &[("profile.yaml", &profile)],
    );
    assert_eq!(
        text,
        "specs/handwritten/profile.yaml#/rate_limits/placeTransfer: operation 'placeTransfer' already \
         has a rate limit at specs/handwritten/api.yaml#/operations/0/rate_limit; give it in one \
         place, not both"
    );
}

#[test]
fn profile_rate_limit_applies_to_a_hand_written_operation_without_one() {
    let schema = replace_once(HANDWRITTEN, &format!("    {HANDWRITTEN_LIMIT}\n"), "");
    let profile = format!(
        "{HANDWRITTEN_PROFILE}rate_limits:\n  placeTransfer: {{ requests: 120, per_seconds: 60, scope: UID }}\n"
    );
    let (_dir, root) = fixture_copy(
        "schema-vocabulary",
        "handwritten",
        &[("api.yaml", &schema), ("profile.yaml", &profile)],
    );
    let files = xgen_codegen::Config::new()
        .specs_dir(&root)
        .generate()
        .unwrap();
    let module = files
        .iter()
        .find(|f| f.path == std::path::Path::new("handwritten.rs"))
        .unwrap();
    assert!(
        module
            .contents
            .contains("requests: 120,\n            per_seconds: 60,\n            scope: \"UID\","),
        "{}",
        module.contents
    );
}

#[test]
fn rate_limit_errors_are_typed() {
    let profile = format!(
        "{HANDWRITTEN_PROFILE}rate_limits:\n  placeTransfer: {{ requests: 0, per_seconds: 1, scope: UID }}\n"
    );
    let (error, _) = fixture_error(
        "schema-vocabulary",
        "handwritten",
        &[("profile.yaml", &profile)],
    );
    let xgen_codegen::Error::RateLimit { origin, problem } = error else {
        panic!("expected a rate-limit error, got {error:?}");
    };
    assert_eq!(origin.pointer, "/rate_limits/placeTransfer/requests");
    assert_eq!(
        problem,
        xgen_codegen::RateLimitProblem::Zero { key: "requests" }
    );
}

#[test]
fn a_path_variable_without_its_parameter_is_an_error_for_a_named_operation() {
    let spec = replace_once(
        SEED,
        "  /private/WithdrawCancel:\n",
        "  /private/WithdrawCancel/{thingId}:\n",
    );
    assert_eq!(
        error(&spec, PROFILE),
        "specs/kraken/spot-rest.yaml#/paths/~1private~1WithdrawCancel~1{thingId}/post: the path has \
         `{thingId}` but the operation declares no path parameter named 'thingId'"
    );
}

#[test]
fn a_path_variable_without_its_parameter_is_an_error_in_schema_files_too() {
    let spec = replace_once(
        HANDWRITTEN,
        "    path: /v5/transfer/place\n",
        "    path: /v5/transfer/{thingId}\n",
    );
    let (_, text) = fixture_error("schema-vocabulary", "handwritten", &[("api.yaml", &spec)]);
    assert_eq!(
        text,
        "specs/handwritten/api.yaml#/operations/0: the path has `{thingId}` but the operation \
         declares no path parameter named 'thingId'"
    );
}

#[test]
fn a_profile_with_schema_files_names_its_signing_scheme() {
    let profile = HANDWRITTEN_PROFILE
        .lines()
        .filter(|line| !line.starts_with("signing:"))
        .collect::<Vec<_>>()
        .join("\n");
    let (_, text) = fixture_error(
        "schema-vocabulary",
        "handwritten",
        &[("profile.yaml", &profile)],
    );
    assert_eq!(
        text,
        "specs/handwritten/profile.yaml#/signing: a profile with schema files names its signing \
         scheme (`none` if the API needs no authentication): schema files declare no security of \
         their own"
    );
}

#[test]
fn an_operation_nobody_named_that_cannot_be_generated_is_skipped_with_its_reason() {
    // The same document with no `operations:` selection: the broken operation is left out and
    // said so, and the others generate.
    let spec = replace_once(
        SEED,
        "  /private/WithdrawCancel:\n",
        "  /private/WithdrawCancel/{thingId}:\n",
    );
    let profile = "title: Kraken\nopenapi: [spot-rest.yaml, withdraw-status.yaml]\n\
                   signing: kraken\nenvelope: kraken\nsigner_fields: [nonce]\n";
    let (_dir, root) = specs(&spec, profile);
    let apis = xgen_codegen::Config::new().specs_dir(&root).load();
    let apis = match apis {
        Ok(apis) => apis,
        Err(error) => panic!("{error}"),
    };
    let skipped = &apis[0].skipped;
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0].id, "cancelWithdrawal");
    assert!(skipped[0]
        .reason
        .contains("declares no path parameter named 'thingId'"));
}

#[test]
fn a_ref_that_is_not_text_is_an_error_not_a_loop() {
    // Found by fuzzing: `$ref: true` and `$ref:` (null) once recursed until the stack overflowed.
    for (value, kind) in [("true", "a boolean"), ("", "null"), ("[]", "a sequence")] {
        let spec = replace_once(
            SEED,
            "$ref: '#/components/schemas/cancel-3'",
            &format!("$ref: {value}"),
        );
        assert_eq!(
            error(&spec, PROFILE),
            format!(
                "specs/kraken/spot-rest.yaml#/paths/~1private~1WithdrawCancel/post/requestBody/content/\
                 application~1json/schema/$ref: `$ref` is {kind}, not a reference"
            )
        );
    }
}

/// A specs folder with one exchange `fz`: `profile` and `api.yaml`.
fn one_exchange(profile: &str, api: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("fz");
    fs::create_dir_all(&folder).unwrap();
    fs::write(folder.join("profile.yaml"), profile).unwrap();
    fs::write(folder.join("api.yaml"), api).unwrap();
    let root = dir.path().to_owned();
    (dir, root)
}

const OPENAPI_HEAD: &str = "openapi: 3.0.0\ninfo: {title: t, version: \"1\"}\npaths:\n  /a:\n    get:\n      responses:\n        \"200\":\n          description: ok\n          content:\n            application/json:\n              schema:\n";

#[test]
fn files_outside_the_exchange_folder_are_never_read() {
    // Found by fuzzing: `$ref: /dev/zero` read forever.
    for reference in ["/dev/zero", "../../../../etc/passwd"] {
        let api = format!("{OPENAPI_HEAD}                $ref: \"{reference}\"\n");
        let (_dir, root) = one_exchange("openapi: [api.yaml]\n", &api);
        let error = xgen_codegen::Config::new()
            .specs_dir(&root)
            .generate()
            .unwrap_err();
        let text = error
            .to_string()
            .replace(&root.display().to_string(), "specs");
        assert!(
            text.contains("which is outside the exchange folder"),
            "{text}"
        );
    }
    let (_dir, root) = one_exchange("schemas: [/dev/zero]\nsigning: none\n", "");
    let error = xgen_codegen::Config::new()
        .specs_dir(&root)
        .generate()
        .unwrap_err();
    assert_eq!(
        error
            .to_string()
            .replace(&root.display().to_string(), "specs"),
        "specs/fz/profile.yaml#/schemas/0: names /dev/zero, which is outside the exchange folder"
    );
}

#[test]
fn schemas_that_include_the_one_before_twice_cost_linear_time() {
    // Found by fuzzing: each level including the previous one twice cost 2^n. At 60 levels an
    // exponential walk would never finish; this one returns at once.
    let mut api = format!("{OPENAPI_HEAD}                $ref: \"#/components/schemas/S60\"\ncomponents:\n  schemas:\n    S0: {{type: object, properties: {{x: {{type: string}}}}}}\n");
    for i in 1..=60 {
        api.push_str(&format!(
            "    S{i}: {{allOf: [{{$ref: '#/components/schemas/S{p}'}}, {{$ref: '#/components/schemas/S{p}'}}, {{type: object, properties: {{p{i}: {{type: string}}}}}}]}}\n",
            p = i - 1
        ));
    }
    let (_dir, root) = one_exchange("openapi: [api.yaml]\n", &api);
    let files = xgen_codegen::Config::new()
        .specs_dir(&root)
        .generate()
        .unwrap();
    let client = &files
        .iter()
        .find(|f| f.path.ends_with("fz.rs"))
        .unwrap()
        .contents;
    assert!(client.contains("pub p60: Option<String>") && client.contains("pub x: Option<String>"));

    // The schema format limits nesting through `ref`s to 64 levels: 28 types deep is 2^28
    // walks if each were lowered again.
    let mut schema = String::from("source: {url: u, captured: c, written: w}\noperations:\n  - {id: op, summary: s, method: POST, path: /a, body: json, params: [{name: q, ref: T28, required: true}], response: {ref: T28}}\ntypes:\n  T0: {type: object, fields: [{name: x, type: string}]}\n");
    for i in 1..=28 {
        schema.push_str(&format!(
            "  T{i}: {{type: object, fields: [{{name: a, ref: T{p}}}, {{name: b, ref: T{p}}}]}}\n",
            p = i - 1
        ));
    }
    let (_dir, root) = one_exchange("schemas: [api.yaml]\nsigning: none\n", &schema);
    if let Err(error) = xgen_codegen::Config::new().specs_dir(&root).generate() {
        panic!("{error}");
    }
}

#[test]
fn types_nested_deeper_than_rustc_can_check_are_an_error() {
    // Found by fuzzing: 61 nested objects generated, then failed to compile with E0275.
    let mut inner = String::from("{type: string}");
    for _ in 0..45 {
        inner = format!("{{type: object, properties: {{p: {inner}}}}}");
    }
    let api = format!("{OPENAPI_HEAD}                $ref: \"#/components/schemas/Pet\"\ncomponents:\n  schemas:\n    Pet: {inner}\n");
    let (_dir, root) = one_exchange("openapi: [api.yaml]\n", &api);
    let error = xgen_codegen::Config::new()
        .specs_dir(&root)
        .generate()
        .unwrap_err();
    assert_eq!(
        error
            .to_string()
            .replace(&root.display().to_string(), "specs"),
        "specs/fz/api.yaml#/components/schemas/Pet: nests types 45 levels deep, more than the 40 \
         the Rust compiler can check (E0275); flatten some of the inner objects"
    );
}
