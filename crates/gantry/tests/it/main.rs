//! Integration tests of the `gantry` facade against the shared corpus.

mod corpus;
mod hostile;
mod incremental;
mod roundtrip;
mod support;
