//! Golden tests: each golden fixture under `tests/fixtures/` (`vocabulary`, `schema-vocabulary`)
//! (`openapi-auth`: OpenAPI's own security schemes and `signing: none`) (`fuzzed`: one exchange
//! per class of spec whose output once did not compile) holds a `specs/` folder and the
//! `expected/` output. Run with `XGEN_BLESS=1` to rewrite the
//! expectations after a deliberate change.

use std::fs;
use std::path::Path;

fn fixture(name: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let files = xgen_codegen::Config::new()
        .specs_dir(root.join("specs"))
        .generate()
        .expect("fixture generates");
    let expected = root.join("expected");
    if std::env::var_os("XGEN_BLESS").is_some() {
        xgen_codegen::write(&expected, &files).expect("bless writes");
        return;
    }
    let stale = xgen_codegen::check(&expected, &files).expect("expected folder readable");
    if let Some(first) = stale.first() {
        let generated = files
            .iter()
            .find(|f| f.path == first.path)
            .map(|f| f.contents.as_str())
            .unwrap_or("");
        let existing = fs::read_to_string(expected.join(&first.path)).unwrap_or_default();
        let line = generated
            .lines()
            .zip(existing.lines())
            .position(|(a, b)| a != b)
            .map_or(0, |i| i + 1);
        panic!(
            "{name}: {} is {:?} (first difference near line {line}); rerun with XGEN_BLESS=1 if the change is intended",
            first.path.display(),
            first.reason
        );
    }
}

#[test]
fn vocabulary() {
    fixture("vocabulary");
}

#[test]
fn schema_vocabulary() {
    fixture("schema-vocabulary");
}

#[test]
fn openapi_auth() {
    fixture("openapi-auth");
}

#[test]
fn openapi_reach() {
    fixture("openapi-reach");
}

/// One exchange per class of spec that once generated code that did not compile (issue 10):
/// `fuzzed/README.md` lists them.
#[test]
fn fuzzed() {
    fixture("fuzzed");
}

#[test]
fn output_is_byte_identical_across_runs_and_locations() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vocabulary/specs");
    let first = xgen_codegen::Config::new()
        .specs_dir(&source)
        .generate()
        .unwrap();
    // The same specs somewhere else: paths must not leak into the output.
    let elsewhere = tempfile::tempdir().unwrap();
    let copy = elsewhere.path().join("deeper/specs/vocab");
    fs::create_dir_all(&copy).unwrap();
    for entry in fs::read_dir(source.join("vocab")).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), copy.join(entry.file_name())).unwrap();
    }
    let second = xgen_codegen::Config::new()
        .specs_dir(elsewhere.path().join("deeper/specs"))
        .generate()
        .unwrap();
    assert_eq!(first, second);
}
