//! The `xgen` binary, run for real: what the command line adds to the generator and the runtime
//! (arguments, what it prints, exit codes), with servers on 127.0.0.1 that check signatures
//! with their own code. The generator's diagnostics and the runtime's signing are specified in
//! their own crates' suites; here each appears once, through the command.

mod cancel;
mod diff;
mod generate;
mod ops;
mod request;
mod support;
