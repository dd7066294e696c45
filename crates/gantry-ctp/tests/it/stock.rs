//! The stock CTP scripts from `../shared/ctp/`.

use gantry_ctp::{
    Condition, Element, Method, Operand, PixelScript, Predicate, Severity, Shadowed,
    parse_pixel_script,
};

use crate::shared_ctp;

fn stock() -> PixelScript {
    parse_pixel_script(&shared_ctp("DicomPixelAnonymizer.script"))
}

/// (line of `{`, regions) per signature.
type Layout = Vec<(u32, Vec<[i64; 4]>)>;

/// A deliberately naive, independent reading of a script's layout: each
/// `{` to the next `}` is a signature, and each `(…)` between that `}` and
/// the next `{` is a region of four integers. Good enough for scripts
/// without errors; shares no code with the parser.
fn naive_layout(text: &str) -> Layout {
    let opens: Vec<usize> = text.match_indices('{').map(|(i, _)| i).collect();
    let mut out = Vec::new();
    for (k, &open) in opens.iter().enumerate() {
        let close = open + text[open..].find('}').expect("a } after each {");
        let next = opens.get(k + 1).copied().unwrap_or(text.len());
        let line = u32::try_from(text[..open].matches('\n').count() + 1).unwrap();
        let mut regions = Vec::new();
        let mut between = &text[close + 1..next];
        while let Some(a) = between.find('(') {
            let b = a + between[a..].find(')').expect("a ) after each (");
            let numbers: Vec<i64> = between[a + 1..b]
                .split(',')
                .map(|n| n.trim().parse().expect("an integer"))
                .collect();
            regions.push(<[i64; 4]>::try_from(numbers).expect("four numbers"));
            between = &between[b + 1..];
        }
        out.push((line, regions));
    }
    out
}

fn layout(script: &PixelScript) -> Layout {
    script
        .signatures
        .iter()
        .map(|s| {
            let regions = s
                .regions
                .iter()
                .map(|r| [r.x.into(), r.y.into(), r.w.into(), r.h.into()])
                .collect();
            (s.line, regions)
        })
        .collect()
}

fn predicate(keyword: &str, method: Method, literal: &str) -> Condition {
    Condition::Predicate(Predicate::new(Operand::keyword(keyword), method, literal).unwrap())
}

fn signature_at(script: &PixelScript, line: u32) -> &gantry_ctp::Signature {
    script
        .signatures
        .iter()
        .find(|s| s.line == line)
        .unwrap_or_else(|| panic!("no signature on line {line}"))
}

#[test]
fn stock_script_has_52_signatures_and_62_regions() {
    let script = stock();
    assert_eq!(script.diagnostics, []);
    assert_eq!(script.signatures.len(), 52);
    let regions: usize = script.signatures.iter().map(|s| s.regions.len()).sum();
    assert_eq!(regions, 62);
}

#[test]
fn stock_script_layout_matches_a_naive_scan() {
    let text = shared_ctp("DicomPixelAnonymizer.script");
    let naive = naive_layout(&text);
    assert_eq!(naive.len(), 52, "the naive scan itself");
    assert_eq!(layout(&parse_pixel_script(&text)), naive);
}

#[test]
fn example_script_parses_without_errors_and_matches_a_naive_scan() {
    let text = shared_ctp("example-dicom-pixel-anonymizer.script");
    let script = parse_pixel_script(&text);
    let errors: Vec<_> = script
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert_eq!(errors, Vec::<&gantry_ctp::Diagnostic>::new());
    assert_eq!(script.diagnostics, []);
    assert_eq!(layout(&script), naive_layout(&text));
    assert_eq!(script.signatures.len(), 44);
}

#[test]
fn stock_signature_with_or_and_parentheses() {
    let script = stock();
    let signature = signature_at(&script, 67);
    assert_eq!(
        signature.condition,
        Condition::And(vec![
            predicate("Manufacturer", Method::ContainsIgnoreCase, "VITAL Images"),
            Condition::Or(vec![
                predicate("SeriesDescription", Method::ContainsIgnoreCase, "AAA"),
                predicate("SeriesDescription", Method::ContainsIgnoreCase, "Report"),
            ]),
            predicate("Rows", Method::Equals, "1041"),
        ])
    );
    assert_eq!(
        signature.condition_text,
        r#"Manufacturer.containsIgnoreCase("VITAL Images") * (SeriesDescription.containsIgnoreCase("AAA") + SeriesDescription.containsIgnoreCase("Report")) * Rows.equals("1041")"#
    );
    let value = |description: &'static str| {
        move |op: &Operand| match op.as_keyword()? {
            "Manufacturer" => Some("Vital Images, Inc.".to_owned()),
            "SeriesDescription" => Some(description.to_owned()),
            "Rows" => Some("1041".to_owned()),
            _ => None,
        }
    };
    assert!(signature.condition.evaluate(&value("AAA stent plan")));
    assert!(signature.condition.evaluate(&value("final report")));
    assert!(!signature.condition.evaluate(&value("axial")));
}

#[test]
fn stock_signature_with_rows_and_columns() {
    let script = stock();
    let signature = signature_at(&script, 53);
    assert_eq!(
        signature.condition,
        Condition::And(vec![
            predicate("ImageType", Method::ContainsIgnoreCase, "VOLREN"),
            predicate("Rows", Method::Equals, "512"),
            predicate("Columns", Method::Equals, "512"),
        ])
    );
    let lookup = |columns: &'static str| {
        move |op: &Operand| match op.as_keyword()? {
            "ImageType" => Some(r"DERIVED\SECONDARY\VOLREN".to_owned()),
            "Rows" => Some("512".to_owned()),
            "Columns" => Some(columns.to_owned()),
            _ => None,
        }
    };
    assert!(signature.condition.evaluate(&lookup("512")));
    assert!(!signature.condition.evaluate(&lookup("1024")));
    let regions: Vec<_> = signature
        .regions
        .iter()
        .map(|r| (r.x, r.y, r.w, r.h))
        .collect();
    assert_eq!(regions, [(350, 0, 162, 30), (390, 80, 122, 15)]);
}

#[test]
fn stock_signature_with_tags() {
    let script = stock();
    let signature = signature_at(&script, 106);
    let Condition::And(terms) = &signature.condition else {
        panic!("an and: {}", signature.condition);
    };
    assert_eq!(terms.len(), 5);
    let Condition::Predicate(rows) = &terms[3] else {
        panic!("a test: {}", terms[3]);
    };
    assert_eq!(
        rows.operand().path,
        [Element::Tag {
            group: 0x0028,
            element: 0x0010
        }]
    );
    assert_eq!(rows.method(), Method::Equals);
    assert_eq!(rows.literal(), "446");
}

#[test]
fn stock_script_shadowed_signatures() {
    // Line 46 (GE AVA Report, 512 rows) repeats line 40's three tests and
    // adds one; line 366 (ADAC dual detector) repeats line 361's: CTP
    // never reaches either.
    assert_eq!(
        stock().shadowed(),
        [
            Shadowed {
                line: 46,
                by_line: 40
            },
            Shadowed {
                line: 366,
                by_line: 361
            },
        ]
    );
}

#[test]
fn first_match_wins() {
    let script = stock();
    // An ADAC dual-detector image matches both 361 and 366; 361 wins.
    let lookup = |op: &Operand| match op.path.as_slice() {
        [Element::Keyword(k)] if k == "Manufacturer" => Some("ADAC".to_owned()),
        [Element::Keyword(k)] if k == "Rows" => Some("832".to_owned()),
        [Element::Keyword(k)] if k == "Columns" => Some("1024".to_owned()),
        [
            Element::Tag {
                group: 0x0018,
                element: 0x1030,
            },
        ] => Some("DUAL DETECTOR".to_owned()),
        _ => None,
    };
    assert_eq!(script.first_match(&lookup).map(|s| s.line), Some(361));
    assert_eq!(script.first_match(&|_| None), None);
}

#[test]
fn json_has_the_spec_shape() {
    let json = stock().to_json();
    assert_eq!(json["kind"], "pixel");
    let signatures = json["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 52);
    assert_eq!(
        signatures[0],
        serde_json::json!({
            "line": 22,
            "condition": r#"CodeMeaning.containsIgnoreCase("IEC Body Dosimetry Phantom")"#,
            "regions": [[0, 0, 512, 200]],
        })
    );
    assert_eq!(
        json["shadowed"],
        serde_json::json!([{"line": 46, "by_line": 40}, {"line": 366, "by_line": 361}])
    );
    assert_eq!(json["diagnostics"], serde_json::json!([]));

    // Serializing the script directly keeps SPEC's key order.
    let text = serde_json::to_string(&stock()).unwrap();
    assert!(text.starts_with(r#"{"kind":"pixel","signatures":[{"line":22,"condition":"#));
    let shadowed = text.find(r#""shadowed""#).unwrap();
    let diagnostics = text.find(r#""diagnostics""#).unwrap();
    assert!(shadowed < diagnostics);
}

#[test]
fn diagnostics_serialize_with_lowercase_severity() {
    let script = parse_pixel_script("{ Modality.equals(\"CT\") }\n(1,2,3)\n");
    assert_eq!(
        script.to_json()["diagnostics"],
        serde_json::json!([{
            "line": 2,
            "column": 1,
            "severity": "error",
            "message": "a region needs 4 values (x,y,w,h), found 3",
        }])
    );
}
