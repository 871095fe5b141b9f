//! Signing plugins, one module per exchange.

pub mod alphapoint;
pub mod binance;
pub mod bybit;
mod common;
pub mod kraken;
pub mod kucoin;
pub mod okx;
pub mod openapi;

#[cfg(test)]
mod serialization_pairs;
