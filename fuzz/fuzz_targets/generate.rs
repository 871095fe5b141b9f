//! `Config::generate` over one exchange built from the input: a profile and one spec file.
//!
//! Input layout (see `fuzz/README.md`):
//!
//! - byte 0 chooses the profile: bit 0 the format (0: OpenAPI, `openapi: [api.yaml]`; 1: the
//!   hand-written format, `schemas: [api.yaml]`), bits 1-3 `signing`, bits 4-6 `envelope`,
//!   bit 7 `signer_fields: [nonce]`;
//! - the rest is the spec file `api.yaml`, up to a line `#%profile`; whatever follows that line
//!   is appended to the profile, so the fuzzer can reach the profile's keys too.
//!
//! The exchange lives in a folder on tmpfs (`/dev/shm` where there is one), rewritten for each
//! input. `generate` may return `Ok` or `Err`; a panic, an abort (stack overflow), a timeout or
//! running out of memory is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

/// `signing:` by bits 1-3 of the first byte (`None`: no `signing` line, so `openapi`).
const SIGNING: [Option<&str>; 8] = [
    None,
    Some("none"),
    Some("kraken"),
    Some("okx"),
    Some("bybit"),
    Some("alphapoint"),
    Some("http-bearer"),
    Some("http-basic"),
];

/// `envelope:` by bits 4-6 (`fuzz` is a name the registry does not know: an error path).
const ENVELOPE: [Option<&str>; 8] = [
    None,
    Some("none"),
    Some("kraken"),
    Some("okx"),
    Some("bybit"),
    Some("alphapoint"),
    Some("fuzz"),
    None,
];

/// The line that ends the spec and starts the profile's extra lines.
const PROFILE_MARKER: &[u8] = b"\n#%profile\n";

/// The specs folder, and in it the exchange folder `fz`, made once per process.
fn folders() -> &'static (PathBuf, PathBuf) {
    static FOLDERS: OnceLock<(PathBuf, PathBuf)> = OnceLock::new();
    FOLDERS.get_or_init(|| {
        let base = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let specs = base.join(format!("xgen-fuzz-{}", std::process::id()));
        let exchange = specs.join("fz");
        std::fs::create_dir_all(&exchange).expect("create the fuzz specs folder");
        (specs, exchange)
    })
}

fn profile(selector: u8, extra: &[u8]) -> Vec<u8> {
    let mut profile = Vec::with_capacity(160 + extra.len());
    if selector & 1 == 0 {
        profile.extend_from_slice(b"openapi: [api.yaml]\n");
    } else {
        profile.extend_from_slice(b"title: Fuzz\nschemas: [api.yaml]\n");
    }
    profile.extend_from_slice(b"base_urls:\n  production: https://fuzz.example\n");
    if let Some(signing) = SIGNING[usize::from((selector >> 1) & 7)] {
        profile.extend_from_slice(format!("signing: {signing}\n").as_bytes());
    }
    if let Some(envelope) = ENVELOPE[usize::from((selector >> 4) & 7)] {
        profile.extend_from_slice(format!("envelope: {envelope}\n").as_bytes());
    }
    if selector & 0x80 != 0 {
        profile.extend_from_slice(b"signer_fields: [nonce]\n");
    }
    profile.extend_from_slice(extra);
    profile
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let (spec, extra) = match rest
        .windows(PROFILE_MARKER.len())
        .position(|w| w == PROFILE_MARKER)
    {
        Some(at) => (&rest[..at], &rest[at + PROFILE_MARKER.len()..]),
        None => (rest, &[][..]),
    };
    let (specs, exchange) = folders();
    std::fs::write(exchange.join("profile.yaml"), profile(selector, extra))
        .expect("write profile.yaml");
    std::fs::write(exchange.join("api.yaml"), spec).expect("write api.yaml");
    // Ok or Err are both fine; only a panic (or worse) is a finding.
    let _ = xgen_codegen::Config::new().specs_dir(specs).generate();
});
