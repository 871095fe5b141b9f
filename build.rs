//! Regenerates the clients from `specs/` into OUT_DIR at build time, so editing a spec and
//! running `cargo build` rebuilds the client. With the `codegen` feature off (depend on this
//! crate with `default-features = false`) nothing runs and `src/lib.rs` compiles the checked-in
//! `generated/` instead, without compiling the generator.

fn main() {
    #[cfg(feature = "codegen")]
    regenerate();
}

#[cfg(feature = "codegen")]
fn regenerate() {
    use std::path::PathBuf;

    let manifest_dir = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let specs = manifest_dir.join("specs");
    // A directory makes cargo re-run this script when any file under it changes.
    println!("cargo:rerun-if-changed={}", specs.display());
    let result = xgen_codegen::Config::new()
        .specs_dir(&specs)
        .generate()
        .and_then(|files| xgen_codegen::write(&out_dir, &files));
    if let Err(error) = result {
        // One clear diagnostic, with the file and place, instead of a panic backtrace.
        eprintln!("error: xgen could not generate the clients: {error}");
        std::process::exit(1);
    }
}
