//! Fuzz the `DicomAnonymizer.script` parser: any text, in either form, must
//! parse to items plus diagnostics positioned inside the text — never a
//! panic, hang or abort — and every rule's text form must read back as the
//! same rule whenever the rule read without errors.
//!
//! Run: `cargo +nightly fuzz run ctp_anonymizer_script` (from `fuzz/`).
//! Seed the corpus with the stock script:
//! `cp ../../shared/ctp/DicomAnonymizer.script corpus/ctp_anonymizer_script/`.
//! Crashes land in `artifacts/ctp_anonymizer_script/`; replay them as
//! tests in `crates/gantry-ctp/src/anonymizer/parse/tests.rs`.
#![no_main]

use gantry::ctp::{Part, Script, Severity, parse_anonymizer_script};
use libfuzzer_sys::fuzz_target;

/// Every call's line and column.
fn calls(script: &Script, out: &mut Vec<(u32, u32)>) {
    for part in &script.parts {
        if let Part::Call(call) = part {
            out.push((call.line, call.column));
            for clause in &call.clauses {
                calls(clause, out);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let script = parse_anonymizer_script(&text);

    let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let lines: Vec<&str> = body.split('\n').collect();
    let in_text = |line: u32, column: u32| {
        let line = lines
            .get((line as usize).wrapping_sub(1))
            .unwrap_or_else(|| panic!("line {line} of {}", lines.len()));
        assert!(column >= 1 && column as usize <= line.chars().count() + 1);
    };
    for d in &script.diagnostics {
        in_text(d.line, d.column);
    }
    for rule in &script.elements {
        in_text(rule.line, 1);
        let mut found = Vec::new();
        calls(&rule.script, &mut found);
        for (line, column) in found {
            in_text(line, column);
        }
    }

    // The text form of each rule reads back as the same rule (positions
    // aside) when the rule itself reads without errors.
    for rule in &script.elements {
        let written = rule.script.to_string();
        let (first, diagnostics) = Script::parse(&written);
        if diagnostics.iter().any(|d| d.severity == Severity::Error) {
            continue;
        }
        let (again, _) = Script::parse(&first.to_string());
        assert_eq!(
            format!("{first}"),
            format!("{again}"),
            "text form not stable for {written:?}"
        );
    }

    // The whole text as one rule.
    let _ = Script::parse(&text);
});
