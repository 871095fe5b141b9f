//! Signing plugins, one module per exchange.

pub mod kraken;
