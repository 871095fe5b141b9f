//! xgen-codegen's integration suite, one binary with a module per concern. It specifies what the
//! generator promises from the outside: the golden output for the fixtures under
//! `tests/fixtures/` (and that it compiles without warnings and behaves), the error each kind of
//! bad input gives, `xgen diff`'s rules and reports, that a newer Kraken spec drops in unedited,
//! and what real-world OpenAPI documents (`tests/corpus/`) generate. Every expectation
//! reads files under `tests/`, except the checks that the real `specs/` generate, which assert
//! nothing about their line numbers or contents.
//!
//! Run with `XGEN_BLESS=1` to rewrite the golden files and README.md's diff rule table after a
//! deliberate change.

mod corpus;
mod diagnostics;
mod diff;
mod drop_in;
mod golden;
mod golden_compiles;
mod mutation;
mod operations;
mod repairs;
mod scratch;
