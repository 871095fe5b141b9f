//! `generated/` is exactly what the generator makes of `specs/`, so a reviewer never sees drift
//! between a spec and the code checked in next to it.

use std::path::Path;

#[test]
fn generated_is_up_to_date() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = xgen_codegen::Config::new()
        .specs_dir(root.join("specs"))
        .generate()
        .unwrap_or_else(|e| panic!("specs/ does not generate: {e}"));
    let stale =
        xgen_codegen::check(&root.join("generated"), &files).expect("generated/ is readable");
    let names: Vec<String> = stale
        .iter()
        .map(|s| format!("generated/{} ({:?})", s.path.display(), s.reason))
        .collect();
    assert!(
        names.is_empty(),
        "stale: {}\nrun `cargo run --bin xgen -- generate` and commit the result",
        names.join(", ")
    );
}
