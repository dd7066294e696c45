//! Fuzz the `DicomPixelAnonymizer.script` parser: any text must parse to
//! signatures plus diagnostics positioned inside the text — never a panic,
//! hang or abort — and everything a caller does next (evaluate, lint,
//! render JSON) must be just as safe.
//!
//! Run: `cargo +nightly fuzz run ctp_pixel_script` (from `fuzz/`). Seed
//! the corpus with the stock scripts:
//! `cp ../../shared/ctp/*Pixel*.script ../../shared/ctp/example-dicom-pixel-anonymizer.script corpus/ctp_pixel_script/`.
//! Crashes land in `artifacts/ctp_pixel_script/`; replay them as tests in
//! `crates/gantry-ctp/tests/it/`.
#![no_main]

use gantry::ctp::{Operand, parse_pixel_script};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let script = parse_pixel_script(&text);

    let lines: Vec<&str> = text.split('\n').collect();
    for d in &script.diagnostics {
        let line = lines
            .get((d.line as usize).wrapping_sub(1))
            .unwrap_or_else(|| panic!("diagnostic on line {} of {}", d.line, lines.len()));
        assert!(d.column >= 1 && d.column as usize <= line.chars().count() + 1);
    }
    for s in &script.signatures {
        assert!(s.line >= 1 && s.line as usize <= lines.len());
        assert!(s.regions.iter().all(|r| r.w > 0 && r.h > 0));
    }

    // Evaluation (regexes included) against a value derived from the input.
    let value: String = text.chars().take(64).collect();
    let lookup = |_: &Operand| Some(value.clone());
    let _ = script.first_match(&lookup);
    let _ = script.first_match(&|_| None);
    let _ = script.shadowed();
    let _ = script.to_json();
});
