//! Generating every client in `specs/`, in memory (parse, lower, emit, format).

use criterion::{criterion_group, criterion_main, Criterion};
use std::path::Path;

fn generate(c: &mut Criterion) {
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vocabulary/specs");
    c.bench_function("generate_specs", |b| {
        b.iter(|| {
            xgen_codegen::Config::new()
                .specs_dir(&specs)
                .generate()
                .unwrap()
        })
    });
    c.bench_function("generate_vocabulary_fixture", |b| {
        b.iter(|| {
            xgen_codegen::Config::new()
                .specs_dir(&fixture)
                .generate()
                .unwrap()
        })
    });
}

criterion_group!(benches, generate);
criterion_main!(benches);
