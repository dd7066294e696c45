//! End-to-end tests of the `gantry` binary: real processes, real files.
// Helpers outside #[test] functions unwrap too: a panic here is a failed test.
#![allow(clippy::unwrap_used)]

mod commands;
mod crash;
mod ctp_anonymizer;
mod determinism;
mod export_crash;
mod main_job;
mod options;
mod oracle;
mod purge;
mod ranges;
mod recipients;
mod redact_formats;
mod redaction;
mod report;
mod reversible;
mod support;
