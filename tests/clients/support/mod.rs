//! Shared helpers for the end-to-end tests. The fake exchanges live in the `xgen-fake-exchanges`
//! crate (`fake-exchanges/`); the Kraken one keeps its old path here.

pub mod withdrawals;

use std::fmt::Debug;
use xgen_runtime::Error;

pub use xgen_fake_exchanges::kraken as fake_kraken;

/// Kraken's published documentation secret (spot-rest-auth guide). Public test data, not a credential.
pub const KRAKEN_DOC_SECRET: &str =
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg==";

/// Another valid base64 secret (64 bytes of 0x02) for "wrong secret" tests.
pub const OTHER_SECRET: &str =
    "AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg==";

pub const TEST_API_KEY: &str = "TEST-KRAKEN-PUBLIC-KEY";

// The failures every exchange's reply can have, asserted the same way for every client: what
// the runtime must make of a proxy's page, an empty body, and a body cut short.

/// An HTML 502 page from a proxy: a typed `NotJson` with the status, the content type and the
/// page's first bytes, never a panic or a decode error.
pub fn assert_html_502<T: Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::NotJson {
            status,
            content_type,
            body_excerpt,
        }) => {
            assert_eq!(status, 502);
            assert_eq!(content_type.as_deref(), Some("text/html"));
            assert!(body_excerpt.contains("502 Bad Gateway"), "{body_excerpt}");
        }
        other => panic!("expected Error::NotJson for an HTML 502, got {other:?}"),
    }
}

/// A 200 with no body: a typed `EmptyBody`.
pub fn assert_empty_body<T: Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::EmptyBody { status }) => assert_eq!(status, 200),
        other => panic!("expected Error::EmptyBody, got {other:?}"),
    }
}

/// A body that ends before its Content-Length: a typed `Transport` error.
pub fn assert_cut_short<T: Debug>(result: Result<T, Error>) {
    match result {
        Err(Error::Transport(_)) => {}
        other => panic!(
            "expected Error::Transport for a body cut short of Content-Length, got {other:?}"
        ),
    }
}
