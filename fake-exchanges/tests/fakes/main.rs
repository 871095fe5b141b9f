//! The self-tests of the fake exchanges, as one test binary: each fake accepts requests signed as
//! its exchange documents, rejects the rest with that exchange's errors, plays its scripted and
//! withdrawal-book replies, matches the known signing vectors, and survives malformed requests.

mod alphapoint;
mod alphapoint_book;
mod binance;
mod book_robustness;
mod bybit;
mod bybit_book;
mod cli;
mod common;
mod kraken;
mod kraken_book;
mod kraken_pay;
mod kucoin;
mod okx;
mod okx_book;
mod robustness;
mod vectors;
