//! gantry-codec's integration tests: RLE Lossless round trips, exact bytes
//! checked by hand against PS3.5 Annex G, and independent decoders —
//! dicom-rs (dicom-pixeldata), pydicom and dcmtk's `dcmdrle` — on files we
//! write and on the RLE files of the shared dev corpus.
//!
//! pydicom and dcmtk are optional locally (a test that needs a missing one
//! says so on stderr and skips that check); `.ci/run` installs both and
//! sets `GANTRY_REQUIRE_ORACLES=1`, which turns a missing oracle into a
//! failure.

// Test helpers outside #[test] functions: a panic there is a failed test.
#![allow(clippy::unwrap_used)]

mod corpus;
mod decode_corpus;
mod dicom_files;
mod encapsulation;
mod encoders;
mod fragments;
mod hand_checked;
mod images;
mod oracles;
mod roundtrip;
mod written_files;
