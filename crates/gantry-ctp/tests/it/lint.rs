//! The shadowed-signature lint is sound: whenever it reports a signature,
//! every instance that signature matches is matched by the earlier one.

use gantry_ctp::{Operand, Shadowed, parse_pixel_script};
use proptest::prelude::*;

fn shadowed(text: &str) -> Vec<(u32, u32)> {
    let script = parse_pixel_script(text);
    assert_eq!(script.diagnostics, [], "{text}");
    script
        .shadowed()
        .iter()
        .map(|s| (s.line, s.by_line))
        .collect()
}

#[test]
fn subset_of_and_terms() {
    let text = "{ A.equals(\"1\") * B.equals(\"2\") }\n\
                { B.equals(\"2\") * C.equals(\"3\") * A.equals(\"1\") }\n\
                { A.equals(\"1\") * C.equals(\"3\") }\n";
    assert_eq!(shadowed(text), [(2, 1)]);
}

#[test]
fn first_shadowing_signature_is_named() {
    let text = "{ A.equals(\"1\") }\n{ B.equals(\"2\") }\n{ A.equals(\"1\") * B.equals(\"2\") }\n";
    assert_eq!(
        parse_pixel_script(text).shadowed(),
        [Shadowed {
            line: 3,
            by_line: 1
        }]
    );
}

#[test]
fn or_and_not() {
    // A later and-term matches one branch of an earlier or.
    assert_eq!(
        shadowed("{ A.equals(\"1\") + B.equals(\"2\") }\n{ B.equals(\"2\") * C.equals(\"3\") }\n"),
        [(2, 1)]
    );
    // Every branch of a later or is shadowed.
    assert_eq!(
        shadowed(
            "{ A.equals(\"1\") }\n{ A.equals(\"1\") * B.equals(\"2\") + A.equals(\"1\") * C.equals(\"3\") }\n"
        ),
        [(2, 1)]
    );
    assert_eq!(
        shadowed("{ A.equals(\"1\") }\n{ A.equals(\"1\") * B.equals(\"2\") + C.equals(\"3\") }\n"),
        []
    );
    // !contains("GE") implies !contains("GE MEDICAL").
    assert_eq!(
        shadowed("{ !A.contains(\"GE MEDICAL\") }\n{ !A.contains(\"GE\") }\n"),
        [(2, 1)]
    );
    assert_eq!(
        shadowed("{ !A.contains(\"GE\") }\n{ !A.contains(\"GE MEDICAL\") }\n"),
        []
    );
}

#[test]
fn identical_signatures() {
    assert_eq!(
        shadowed("{ A.matches(\"x.*\") }\n{ A.matches(\"x.*\") }\n"),
        [(2, 1)]
    );
    assert_eq!(
        shadowed("{ A.isLessThan(\"5\") }\n{ A.isLessThan(\"5\") }\n"),
        [(2, 1)]
    );
}

#[test]
fn case_insensitive_literals() {
    assert_eq!(
        shadowed("{ A.containsIgnoreCase(\"Siemens\") }\n{ A.containsIgnoreCase(\"SIEMENS\") }\n"),
        [(2, 1)]
    );
    assert_eq!(
        shadowed("{ A.contains(\"Siemens\") }\n{ A.contains(\"SIEMENS\") }\n"),
        []
    );
    assert_eq!(
        shadowed("{ A.containsIgnoreCase(\"siemens\") }\n{ A.equals(\"SIEMENS\") }\n"),
        [(2, 1)]
    );
}

#[test]
fn keyword_and_tag_are_not_compared() {
    assert_eq!(
        shadowed("{ Manufacturer.equals(\"GE\") }\n{ [0008,0070].equals(\"GE\") }\n"),
        []
    );
}

const OPERANDS: [&str; 2] = ["A", "B"];
const LITERALS: [&str; 8] = ["", "x", "X", "xy", "Xy", "yx", "é", "É"];
const VALUES: [&str; 10] = ["", "x", "X", "xy", "XY", "yx", "xyx", "é", "É", "10"];
const METHODS: [&str; 11] = [
    "equals",
    "equalsIgnoreCase",
    "contains",
    "containsIgnoreCase",
    "startsWith",
    "startsWithIgnoreCase",
    "endsWith",
    "endsWithIgnoreCase",
    "matches",
    "isLessThan",
    "isGreaterThan",
];

/// A random condition text over a tiny vocabulary.
fn condition_text() -> impl Strategy<Value = String> {
    let test = (0..OPERANDS.len(), 0..METHODS.len(), 0..LITERALS.len())
        .prop_map(|(o, m, l)| format!("{}.{}(\"{}\")", OPERANDS[o], METHODS[m], LITERALS[l]));
    let leaf = prop_oneof![8 => test, 1 => Just("true".to_owned())];
    leaf.prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| format!("!({c})")),
            prop::collection::vec(inner.clone(), 2..4).prop_map(|v| format!("({})", v.join(" * "))),
            prop::collection::vec(inner, 2..4).prop_map(|v| format!("({})", v.join(" + "))),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn shadowing_is_sound(earlier in condition_text(), later in condition_text()) {
        let script = parse_pixel_script(&format!("{{ {earlier} }}\n{{ {later} }}\n"));
        prop_assert_eq!(script.signatures.len(), 2);
        if script.shadowed().is_empty() {
            return Ok(());
        }
        let (first, second) = (&script.signatures[0].condition, &script.signatures[1].condition);
        for a in VALUES {
            for b in VALUES {
                let lookup = |op: &Operand| match op.as_keyword()? {
                    "A" => Some(a.to_owned()),
                    "B" => Some(b.to_owned()),
                    _ => None,
                };
                if second.evaluate(&lookup) {
                    prop_assert!(
                        first.evaluate(&lookup),
                        "A={a:?} B={b:?} matches {later} but not {earlier}"
                    );
                }
            }
        }
    }
}
