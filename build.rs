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

    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    // Cargo runs build scripts in the package's folder, so the relative path makes the
    // diagnostics name `specs/...` exactly as `xgen generate` does from the repository root.
    let specs = PathBuf::from("specs");
    // A directory makes cargo re-run this script when any file under it changes.
    println!("cargo::rerun-if-changed=specs");
    let result = xgen_codegen::Config::new()
        .specs_dir(&specs)
        .load()
        .and_then(|apis| xgen_codegen::write_apis(&out_dir, &apis));
    if let Err(error) = result {
        // The generator's own lines, the ones `xgen generate` prints (one per problem, spec
        // text escaped): cargo shows each as `error: <file and place>: <what>` and fails the
        // build.
        for line in xgen_codegen::Locator::new().error(&error).lines() {
            println!("cargo::error={}", xgen_codegen::text::escape(line));
        }
    }
}
