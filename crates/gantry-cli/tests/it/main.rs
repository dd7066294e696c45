//! End-to-end tests of the `gantry` binary: real processes, real files.

mod commands;
mod crash;
mod support;
