//! Hostile input: the parser never panics, always returns, and keeps its
//! invariants on arbitrary text and on random mutations of the stock
//! script.

use std::sync::LazyLock;

use gantry_ctp::{Condition, Element, Method, Operand, PixelScript, Predicate, parse_pixel_script};
use proptest::prelude::*;
use proptest::sample::Index;

static STOCK: LazyLock<String> = LazyLock::new(|| crate::shared_ctp("DicomPixelAnonymizer.script"));

/// Everything that must hold for any input.
fn check_invariants(text: &str, script: &PixelScript) -> Result<(), TestCaseError> {
    let lines: Vec<&str> = text.split('\n').collect();
    for d in &script.diagnostics {
        prop_assert!(
            d.line >= 1 && (d.line as usize) <= lines.len(),
            "{d} outside the text"
        );
        let width = lines[d.line as usize - 1].chars().count();
        prop_assert!(
            d.column >= 1 && (d.column as usize) <= width + 1,
            "{d} beyond its line"
        );
        prop_assert!(!d.message.is_empty());
    }
    prop_assert!(
        script
            .diagnostics
            .windows(2)
            .all(|w| (w[0].line, w[0].column) <= (w[1].line, w[1].column)),
        "diagnostics in file order"
    );
    let mut previous_line = 0;
    for s in &script.signatures {
        prop_assert!(s.line >= 1 && (s.line as usize) <= lines.len());
        prop_assert!(s.line >= previous_line, "signatures in file order");
        previous_line = s.line;
        prop_assert_eq!(&s.condition_text, &s.condition.to_string());
        prop_assert!(s.regions.iter().all(|r| r.w > 0 && r.h > 0));
        // The normalised text parses back to the same condition.
        let again = parse_pixel_script(&format!("{{ {} }}", s.condition_text));
        prop_assert_eq!(
            again.signatures.first().map(|s| &s.condition),
            Some(&s.condition)
        );
        // Evaluation terminates whatever the values.
        let _ = s.condition.evaluate(&|_| Some("1".to_owned()));
        let _ = s.condition.evaluate(&|_| None);
    }
    for shadowed in script.shadowed() {
        prop_assert!(shadowed.by_line <= shadowed.line);
        prop_assert!(script.signatures.iter().any(|s| s.line == shadowed.line));
    }
    let json = script.to_json();
    prop_assert_eq!(
        json["signatures"].as_array().map(Vec::len),
        Some(script.signatures.len())
    );
    Ok(())
}

/// Characters that matter to the grammar, and some that do not.
const SPECIAL: &[char] = &[
    '{', '}', '(', ')', '[', ']', '"', '*', '+', '!', '.', ',', ':', '/', '\n', '\r', '\t', ' ',
    '-', '0', '7', 'a', 'Z', 'é', '\u{0}', '\u{FEFF}', '&', '|',
];

#[derive(Debug, Clone)]
enum Mutation {
    Delete(Index, usize),
    Insert(Index, char),
    Replace(Index, char),
    Duplicate(Index, usize),
    Truncate(Index),
}

fn a_char() -> impl Strategy<Value = char> {
    prop_oneof![3 => prop::sample::select(SPECIAL), 1 => any::<char>()]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => (any::<Index>(), 1..40usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
        3 => (any::<Index>(), a_char()).prop_map(|(i, c)| Mutation::Insert(i, c)),
        3 => (any::<Index>(), a_char()).prop_map(|(i, c)| Mutation::Replace(i, c)),
        3 => (any::<Index>(), 1..200usize).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
    ]
}

fn apply(text: &str, mutations: &[Mutation]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for m in mutations {
        let len = chars.len();
        let at = |i: &Index| if len == 0 { 0 } else { i.index(len) };
        match m {
            Mutation::Delete(i, n) => {
                let start = at(i);
                chars.drain(start..(start + n).min(len));
            }
            Mutation::Insert(i, c) => chars.insert(at(i), *c),
            Mutation::Replace(i, c) => {
                if len > 0 {
                    chars[at(i)] = *c;
                }
            }
            Mutation::Duplicate(i, n) => {
                let start = at(i);
                let copy: Vec<char> = chars[start..(start + n).min(len)].to_vec();
                chars.splice(start..start, copy);
            }
            Mutation::Truncate(i) => chars.truncate(at(i)),
        }
    }
    chars.into_iter().collect()
}

/// A random condition tree in the shape the parser produces (chains
/// flattened), over every operand form and method.
fn condition() -> impl Strategy<Value = Condition> {
    let element = prop_oneof![
        "[A-Z][A-Za-z0-9]{0,12}".prop_map(Element::Keyword),
        (any::<u16>(), any::<u16>()).prop_map(|(group, element)| Element::Tag { group, element }),
        (
            any::<u16>(),
            "[A-Za-z0-9_.]([A-Za-z0-9_. ]{0,8}[A-Za-z0-9_.])?",
            any::<u8>()
        )
            .prop_map(|(group, creator, element)| Element::Private {
                group: group | 1,
                creator,
                element
            }),
    ];
    let predicate = (
        prop::collection::vec(element, 1..4),
        prop::sample::select(Method::ALL.to_vec()),
        "[^\"\n}]{0,12}",
    )
        // A `matches` literal that is not a regex is an error: skip those.
        .prop_filter_map("an invalid regex", |(path, method, literal)| {
            Predicate::new(Operand { path }, method, literal)
                .ok()
                .map(Condition::Predicate)
        });
    let leaf = prop_oneof![6 => predicate, 1 => any::<bool>().prop_map(Condition::Const)];
    leaf.prop_recursive(5, 40, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| Condition::Not(Box::new(c))),
            prop::collection::vec(inner.clone(), 2..5).prop_map(|v| flatten(Condition::And(v))),
            prop::collection::vec(inner, 2..5).prop_map(|v| flatten(Condition::Or(v))),
        ]
    })
}

/// Splice chains of the same kind, as the parser does.
fn flatten(c: Condition) -> Condition {
    match c {
        Condition::And(terms) => Condition::And(
            terms
                .into_iter()
                .flat_map(|t| match t {
                    Condition::And(inner) => inner,
                    t => vec![t],
                })
                .collect(),
        ),
        Condition::Or(terms) => Condition::Or(
            terms
                .into_iter()
                .flat_map(|t| match t {
                    Condition::Or(inner) => inner,
                    t => vec![t],
                })
                .collect(),
        ),
        c => c,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn arbitrary_strings(text in any::<String>()) {
        let script = parse_pixel_script(&text);
        check_invariants(&text, &script)?;
    }

    #[test]
    fn arbitrary_script_like_strings(
        text in prop::collection::vec(
            prop_oneof![
                4 => prop::sample::select(SPECIAL).prop_map(String::from),
                2 => prop::sample::select(vec![
                    "Rows", "Modality", "equals", "containsIgnoreCase", "isLessThan", "matches",
                    "true", "false", "[0008,0070]", "(0028,0010)", "0009[GEMS]10", "::", "//",
                    "\"CT\"", "(0,0,512,25)", "(1,2,3)", "(-5,+6,7,8)", "{ A.equals(\"x\") }",
                ]).prop_map(String::from),
            ],
            0..120,
        ).prop_map(|parts| parts.concat())
    ) {
        let script = parse_pixel_script(&text);
        check_invariants(&text, &script)?;
    }

    #[test]
    fn mutations_of_the_stock_script(mutations in prop::collection::vec(mutation(), 1..12)) {
        let text = apply(&STOCK, &mutations);
        let script = parse_pixel_script(&text);
        check_invariants(&text, &script)?;
    }

    #[test]
    fn conditions_round_trip(c in condition()) {
        let text = format!("{{ {c} }}\n(0,0,1,1)\n");
        let script = parse_pixel_script(&text);
        prop_assert!(!script.has_errors(), "{text}\n{:?}", script.diagnostics);
        prop_assert_eq!(&script.signatures[0].condition, &c);
        check_invariants(&text, &script)?;
    }
}

/// Unmutated, the stock script passes the same checks.
#[test]
fn stock_script_invariants() {
    let script = parse_pixel_script(&STOCK);
    check_invariants(&STOCK, &script).unwrap();
}
