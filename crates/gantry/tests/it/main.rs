//! Integration tests of the `gantry` facade against the shared corpus.
// Helpers outside #[test] functions unwrap too: a panic here is a failed test.
#![allow(clippy::unwrap_used)]

mod audit;
mod corpus;
mod hostile;
mod incremental;
#[cfg(feature = "synth")]
mod multiframe;
mod roundtrip;
mod support;
mod verify;
