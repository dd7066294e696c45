//! Parsers for RSNA CTP scripts.
//!
//! This crate will own the two CTP script languages of SPEC §8:
//!
//! - `DicomPixelAnonymizer.script`: signatures (boolean conditions over
//!   attributes with `*`, `+`, `!` and parentheses) followed by pixel
//!   regions `(x, y, w, h)`, with first-match semantics and a lint for
//!   shadowed signatures;
//! - `DicomAnonymizer.script`: the XML `<script>` form and the legacy
//!   properties form, converted into a Gantry configuration.
//!
//! Parsing will never fail: it returns the script plus diagnostics with
//! line and column, like rust-analyzer's parser returns a tree plus errors.
//! The crate knows nothing about DICOM files and has no dependencies.
//!
//! It is not implemented yet.
#![forbid(unsafe_code)]
