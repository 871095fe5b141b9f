//! Spec defects with one obvious reading are read that way and named, each as a repair with its
//! place; the files themselves are never edited. (`xgen generate --strict` makes them errors:
//! see the CLI's tests.)

use std::fs;
use std::path::Path;

/// A specs folder with exchange `pay`: `files` (name, text) next to a profile naming `api.yaml`.
fn specs(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("pay");
    for (name, text) in files {
        let path = folder.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    fs::write(
        folder.join("profile.yaml"),
        "openapi: [api.yaml]\nbase_urls: { production: https://pay.example }\n",
    )
    .unwrap();
    dir
}

const API: &str = r#"openapi: 3.0.0
info: { title: Pay, version: "1" }
paths:
  /cancel:
    post:
      operationId: cancel
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: "./requests/cancel.yaml"
      responses:
        "200":
          description: Done.
"#;

/// Kraken Pay's request files: a `$ref` among the properties, to a file of properties.
const CANCEL: &str = r#"type: object
required: [nonce, external_id]
properties:
  nonce:
    type: string
  $ref: "../partials/external_id.yaml"
"#;

const EXTERNAL_ID: &str = "external_id:\n  type: string\n  description: Your id.\n";

fn load(root: &Path) -> xgen_codegen::Result<Vec<xgen_codegen::ir::Api>> {
    xgen_codegen::Config::new().specs_dir(root).load()
}

#[test]
fn a_ref_among_properties_lists_the_properties_of_its_file() {
    let dir = specs(&[
        ("api.yaml", API),
        ("requests/cancel.yaml", CANCEL),
        ("partials/external_id.yaml", EXTERNAL_ID),
    ]);
    let apis = load(dir.path()).expect("loads");
    let repairs: Vec<String> = apis[0]
        .repairs
        .iter()
        .map(|r| format!("{}: {}", r.origin, r.message))
        .collect();
    let place = dir.path().join("pay/requests/cancel.yaml");
    assert_eq!(
        repairs,
        [format!(
            "{}#/properties/$ref: `$ref` among the properties is not a property; read as the \
             properties in '../partials/external_id.yaml' (`external_id`) listed here",
            place.display()
        )]
    );
    let files = xgen_codegen::generate_apis(&apis).unwrap();
    let module = &files
        .iter()
        .find(|f| f.path.as_os_str() == "pay.rs")
        .unwrap()
        .contents;
    assert!(module.contains("pub external_id: String,"), "{module}");
    assert!(module.contains("pub nonce: String,"), "{module}");
    assert!(
        !module.contains("ref_"),
        "no field is named after `$ref`: {module}"
    );
    assert_eq!(
        fs::read_to_string(&place).unwrap(),
        CANCEL,
        "the file is not edited"
    );
}

#[test]
fn a_ref_among_properties_to_anything_but_properties_leaves_the_operation_out() {
    let dir = specs(&[
        ("api.yaml", API),
        ("requests/cancel.yaml", CANCEL),
        ("partials/external_id.yaml", "type: string\n"),
    ]);
    let apis = load(dir.path()).expect("loads, without the operation");
    assert!(apis[0].operations.is_empty());
    let skipped: Vec<String> = apis[0]
        .skipped
        .iter()
        .map(|s| format!("{} {}: {}", s.id, s.origin, s.reason))
        .collect();
    assert_eq!(
        skipped,
        [format!(
            "cancel {}#/properties/$ref: `$ref` among the properties is not a property, and \
             '../partials/external_id.yaml' is not a mapping of property names to schemas to \
             list in its place",
            dir.path().join("pay/requests/cancel.yaml").display()
        )]
    );
    assert!(apis[0].repairs.is_empty(), "{:?}", apis[0].repairs);
}

#[test]
fn a_ref_among_properties_that_lists_its_own_schema_is_an_error_not_a_stack_overflow() {
    // Found by the mutation run: `Thing`'s properties list every schema, `Thing` among them,
    // written inline each time.
    let api = API.replace(
        "              $ref: \"./requests/cancel.yaml\"",
        "              $ref: \"#/components/schemas/Thing\"",
    )
        + "components:\n  schemas:\n    Thing:\n      type: object\n      properties:\n        \
         $ref: \"#/components/schemas\"\n        id: { type: string }\n";
    let dir = specs(&[("api.yaml", &api)]);
    let root = dir.path().to_owned();
    // The stack `xgen generate` and `build.rs` run on: a main thread's.
    let apis = std::thread::Builder::new()
        .stack_size(8 * 1024 * 1024)
        .spawn(move || load(&root).expect("loads, without the operation"))
        .unwrap()
        .join()
        .unwrap();
    assert!(apis[0].operations.is_empty());
    assert!(
        apis[0].skipped[0]
            .reason
            .starts_with("objects nested more than 64 deep"),
        "{:?}",
        apis[0].skipped
    );
}

#[test]
fn a_null_description_and_a_stray_quote_in_a_name_are_read_as_meant_and_said() {
    // Binance's file has both: `description: null`, and a property `optionType"`.
    let api = API.replace(
        "      operationId: cancel\n",
        "      operationId: cancel\n      description: null\n",
    );
    let cancel = "type: object\nproperties:\n  optionType\":\n    type: string\n";
    let dir = specs(&[("api.yaml", &api), ("requests/cancel.yaml", cancel)]);
    let apis = load(dir.path()).expect("loads");
    let mut repairs: Vec<String> = apis[0]
        .repairs
        .iter()
        .map(|r| format!("{}: {}", r.origin.pointer, r.message))
        .collect();
    repairs.sort();
    assert_eq!(
        repairs,
        [
            "/paths/~1cancel/post/description: `description: null` is read as no description",
            "/properties/optionType\": the property name `optionType\"` has a stray quote; read as \
             `optionType`",
        ]
    );
    let files = xgen_codegen::generate_apis(&apis).unwrap();
    let module = &files
        .iter()
        .find(|f| f.path.as_os_str() == "pay.rs")
        .unwrap()
        .contents;
    assert!(
        module.contains("#[serde(rename = \"optionType\")]"),
        "{module}"
    );
}
