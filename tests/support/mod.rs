//! Shared helpers for the end-to-end tests. The fake exchanges live in the `xgen-fake-exchanges`
//! crate (`fake-exchanges/`); the Kraken one keeps its old path here.

#![allow(dead_code)]

pub use xgen_fake_exchanges::kraken as fake_kraken;

/// Kraken's published documentation secret (spot-rest-auth guide). Public test data, not a credential.
pub const KRAKEN_DOC_SECRET: &str =
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";

/// Another valid base64 secret (64 bytes of 0x02) for "wrong secret" tests.
pub const OTHER_SECRET: &str =
    "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg==";

pub const TEST_API_KEY: &str = "TEST-KRAKEN-PUBLIC-KEY";
