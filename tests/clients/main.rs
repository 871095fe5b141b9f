//! The integration tests of `xgen-clients`, as one test binary: each generated client signs and
//! decodes as its exchange documents, end to end against that exchange's fake on 127.0.0.1
//! (`xgen-fake-exchanges`, which checks every request with its own code); the withdrawal layer
//! (`xgen_clients::withdrawals`) reaches every outcome on every exchange; the README's examples
//! are the code tested here; and `generated/` is exactly what the generator makes of `specs/`.

mod support;

mod alphapoint_e2e;
mod binance_e2e;
mod bybit_e2e;
mod generated_up_to_date;
mod kraken_e2e;
mod kraken_pay_e2e;
mod kucoin_e2e;
mod okx_e2e;
mod readme_examples;
mod status_e2e;
mod withdrawals;
