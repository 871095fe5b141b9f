//! Peak memory of regenerating a large spec against the size of the spec (issue 10: at most ten
//! times the input, or a clean refusal).
//!
//! Writes synthetic OpenAPI documents of about 1.5, 15, 30 and 40 MB (YAML, and JSON of the
//! same content; past the 32 MiB limit, the refusal is shown) into a temporary specs folder,
//! then runs `Config::load` and `write_apis` (what `xgen generate` runs) on each in a child
//! process of its own (this binary again) and reports that process's peak resident memory
//! (`VmHWM`, Linux), binary included, as a multiple of the file size: what `/usr/bin/time -v
//! xgen generate` shows, without the bench's own allocations in it.
//!
//! The documents are denser than published ones (short descriptions, many small schemas), so
//! they are a worst case: the README's "Measured" has published documents too.
//!
//! ```sh
//! cargo bench -p xgen-codegen --bench memory
//! ```

mod common;

use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if common::child(&args) {
        return;
    }
    // `cargo test --benches` and `cargo bench --no-run` must not spend minutes here.
    if !args.iter().any(|a| a == "--bench") {
        return;
    }
    let mb = |bytes: f64| bytes / 1e6;
    println!("format  file MB  operations  peak RSS MB  peak / file  seconds");
    // About 3.7 KB of YAML per operation pair.
    for pairs in [400, 4_000, 8_000, 11_000] {
        let doc = common::document(pairs);
        let texts = [
            ("yaml", yaml_serde::to_string(&doc).expect("YAML")),
            ("json", serde_json::to_string_pretty(&doc).expect("JSON")),
        ];
        drop(doc);
        for (format, text) in texts {
            let work = tempfile::tempdir().expect("a temporary folder");
            let specs = work.path().join("specs");
            let exchange = specs.join("synthetic");
            std::fs::create_dir_all(&exchange).unwrap();
            let file = format!("api.{format}");
            std::fs::write(exchange.join(&file), &text).unwrap();
            std::fs::write(
                exchange.join("profile.yaml"),
                format!("openapi: [{file}]\n"),
            )
            .unwrap();
            let size = text.len() as f64;
            drop(text);
            let out: PathBuf = work.path().join("out");
            match common::measure(&specs, &out) {
                Err(refusal) => println!(
                    "{format:6}  {:7.1}  {:10}  refused: {refusal}",
                    mb(size),
                    pairs * 2,
                ),
                Ok(measured) => {
                    let peak = measured.peak_kb as f64 * 1024.0;
                    println!(
                        "{format:6}  {:7.1}  {:10}  {:11.1}  {:10.1}x  {:7.2}",
                        mb(size),
                        pairs * 2,
                        mb(peak),
                        peak / size,
                        measured.seconds,
                    );
                }
            }
        }
    }
}
