//! Data-driven tests: each `test_data/pixel/NAME.script` is parsed and
//! rendered as text, compared with `NAME.txt` next to it. Run with
//! `UPDATE_EXPECT=1` to (re)write the expected files, then review the diff.

use std::fmt::Write as _;
use std::path::Path;

use gantry_ctp::{PixelScript, parse_pixel_script};

/// Signatures with their regions, shadowed signatures, diagnostics.
pub(crate) fn render(script: &PixelScript) -> String {
    let mut out = String::new();
    for signature in &script.signatures {
        writeln!(
            out,
            "signature {}: {}",
            signature.line, signature.condition_text
        )
        .unwrap();
        for r in &signature.regions {
            writeln!(out, "  ({},{},{},{})", r.x, r.y, r.w, r.h).unwrap();
        }
    }
    for s in script.shadowed() {
        writeln!(out, "shadowed {} by {}", s.line, s.by_line).unwrap();
    }
    for d in &script.diagnostics {
        writeln!(out, "{d}").unwrap();
    }
    out
}

#[test]
fn pixel_scripts_match_expected_output() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/pixel");
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut scripts: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "script"))
        .collect();
    scripts.sort();
    assert!(
        scripts.len() >= 10,
        "test data missing in {}",
        dir.display()
    );

    let mut failures = Vec::new();
    for path in &scripts {
        let text = std::fs::read_to_string(path).unwrap();
        let actual = render(&parse_pixel_script(&text));
        let expected_path = path.with_extension("txt");
        if update {
            std::fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if actual != expected {
            failures.push(format!(
                "{}:\n--- expected\n{expected}--- actual\n{actual}",
                path.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} scripts differ (UPDATE_EXPECT=1 rewrites the .txt files):\n\n{}",
        failures.len(),
        scripts.len(),
        failures.join("\n")
    );
}

/// Rendering a signature's condition and parsing it again gives the same
/// condition, for every signature of every test script.
#[test]
fn conditions_round_trip_through_display() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test_data/pixel");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "script") {
            continue;
        }
        let script = parse_pixel_script(&std::fs::read_to_string(&path).unwrap());
        for signature in &script.signatures {
            let again = parse_pixel_script(&format!("{{ {} }}", signature.condition_text));
            assert_eq!(
                again.signatures.first().map(|s| &s.condition),
                Some(&signature.condition),
                "{}:{}",
                path.display(),
                signature.line
            );
        }
    }
}
