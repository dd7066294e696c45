//! Evaluating conditions against looked-up values, CTP style.

use gantry_ctp::{Condition, Element, Method, Operand, Predicate, parse_pixel_script};

/// The condition of a one-signature script without errors.
fn condition(text: &str) -> Condition {
    let script = parse_pixel_script(&format!("{{ {text} }}"));
    assert!(!script.has_errors(), "{text}: {:?}", script.diagnostics);
    script.signatures[0].condition.clone()
}

/// Evaluate `text` with one attribute `V` set to `value`.
fn eval(text: &str, value: Option<&str>) -> bool {
    let value = value.map(str::to_owned);
    condition(text).evaluate(&|op: &Operand| match op.as_keyword() {
        Some("V") => value.clone(),
        _ => None,
    })
}

#[test]
fn string_methods() {
    let cases = [
        ("equals", "GE", "GE", true),
        ("equals", "GE", "ge", false),
        ("equalsIgnoreCase", "GE", "ge", true),
        ("contains", "GE MEDICAL", "MED", true),
        ("contains", "GE MEDICAL", "med", false),
        ("containsIgnoreCase", "GE MEDICAL", "med", true),
        ("startsWith", "GE MEDICAL", "GE", true),
        ("startsWith", "GE MEDICAL", "MED", false),
        ("startsWithIgnoreCase", "GE MEDICAL", "ge m", true),
        ("endsWith", "GE MEDICAL", "CAL", true),
        ("endsWith", "GE MEDICAL", "cal", false),
        ("endsWithIgnoreCase", "GE MEDICAL", "cal", true),
        ("containsIgnoreCase", "ÉCHO", "écho", true),
    ];
    for (method, value, literal, expected) in cases {
        let text = format!("V.{method}(\"{literal}\")");
        assert_eq!(eval(&text, Some(value)), expected, "{value:?} {text}");
    }
}

#[test]
fn a_missing_attribute_is_the_empty_string() {
    assert!(eval("V.equals(\"\")", None));
    assert!(eval("V.contains(\"\")", None));
    assert!(!eval("V.contains(\"x\")", None));
    assert!(eval("!V.contains(\"x\")", None));
}

#[test]
fn numeric_comparisons_follow_ctp() {
    let cases = [
        ("isLessThan", "512", "1024", true),
        ("isGreaterThan", "512", "1024", false),
        ("isGreaterThan", "1,024", "512", true), // only digits and dots are kept
        ("isLessThan", "2.5", "10", true),
        ("isLessThan", "5.", ".6", false),
        ("isGreaterThan", "5.", ".6", true),
        ("isLessThan", "-5", "0", false), // CTP drops the minus sign too
        ("isGreaterThan", "-5", "0", true),
        ("isLessThan", "abc", "10", false), // not a number: false
        ("isGreaterThan", "abc", "10", false),
        ("isLessThan", "1.2.3", "10", false),
        ("isLessThan", "", "10", false),
        ("isGreaterThan", "10", "x", false),
    ];
    for (method, value, literal, expected) in cases {
        let text = format!("V.{method}(\"{literal}\")");
        assert_eq!(eval(&text, Some(value)), expected, "{value:?} {text}");
    }
    assert!(!eval("V.isLessThan(\"10\")", None));
}

#[test]
fn matches_is_a_whole_value_regex_match() {
    let cases = [
        (r"GE.*", "GE MEDICAL", true),
        (r"GE", "GE MEDICAL", false), // the whole value, as Java's String.matches
        (r"MEDICAL", "GE MEDICAL", false),
        (r".*MEDICAL", "GE MEDICAL", true),
        (r"\d+\.\d*", "12.5", true), // backslashes reach the engine untouched
        (r"\d+\.\d*", "12x5", false),
        (r"a|b", "a", true),
        (r"a|b", "ab", false), // the alternation is inside the anchors
        (r"(?i)philips.*", "Philips Medical Systems", true),
        (r"[0-9]+", "512", true), // (no `{3}`: a signature ends at its first `}`)
        (r"[0-9]+", "51a", false),
        (r"", "", true),
        (r"x?", "", true), // a missing attribute is the empty string
    ];
    for (pattern, value, expected) in cases {
        let text = format!("V.matches(\"{pattern}\")");
        assert_eq!(eval(&text, Some(value)), expected, "{value:?} {text}");
    }
    assert!(eval(r#"V.matches("x?")"#, None));
    assert!(!eval(r#"V.matches("x")"#, None));
    // A newline in a value is not swallowed by `$`-like anchoring.
    assert!(!eval(r#"V.matches("GE")"#, Some("GE\n")));
}

#[test]
fn matches_patterns_compile_at_construction() {
    let ok = Predicate::new(Operand::keyword("V"), Method::Matches, r"\d+").unwrap();
    assert!(ok.test("512"));
    assert_eq!(ok.literal(), r"\d+");
    let err = Predicate::new(Operand::keyword("V"), Method::Matches, "ab(c").unwrap_err();
    assert_eq!(err.offset, 2, "{err}");
    assert!(err.message.contains("unclosed group"), "{err}");
    // A pattern that would only parse inside the anchoring group.
    let err = Predicate::new(Operand::keyword("V"), Method::Matches, "a)|(b").unwrap_err();
    assert_eq!(err.offset, 1, "{err}");
    // Unsupported Java features are errors, not silent mismatches.
    let err = Predicate::new(Operand::keyword("V"), Method::Matches, "(?=a)a").unwrap_err();
    assert!(err.message.contains("look-around"), "{err}");
    // Literals of the other methods are never patterns.
    assert!(Predicate::new(Operand::keyword("V"), Method::Equals, "ab(c").is_ok());
}

#[test]
fn operators() {
    let lookup = |op: &Operand| match op.as_keyword()? {
        "A" => Some("a".to_owned()),
        "B" => Some("b".to_owned()),
        _ => None,
    };
    let cases = [
        (r#"A.equals("a") * B.equals("b")"#, true),
        (r#"A.equals("a") * B.equals("x")"#, false),
        (r#"A.equals("x") + B.equals("b")"#, true),
        (r#"!A.equals("x")"#, true),
        (r#"!A.equals("a") + B.equals("b")"#, true), // (!A) + B
        (r#"!(A.equals("a") + B.equals("b"))"#, false),
        (r#"A.equals("x") * B.equals("x") + A.equals("a")"#, true), // (A*B) + A
        (r#"A.equals("x") * (B.equals("x") + A.equals("a"))"#, false),
        ("true", true),
        (r#"A.equals("a") * false"#, false),
    ];
    for (text, expected) in cases {
        assert_eq!(condition(text).evaluate(&lookup), expected, "{text}");
    }
}

#[test]
fn lookup_receives_the_whole_operand() {
    let c = condition(r#"ContentSequence::[0040,A043]::[0009[GEMS]04].equals("x")"#);
    let lookup = |op: &Operand| {
        assert_eq!(
            op.path,
            [
                Element::Keyword("ContentSequence".to_owned()),
                Element::Tag {
                    group: 0x0040,
                    element: 0xA043
                },
                Element::Private {
                    group: 0x0009,
                    creator: "GEMS".to_owned(),
                    element: 0x04
                },
            ]
        );
        assert_eq!(op.as_keyword(), None);
        Some("x".to_owned())
    };
    assert!(c.evaluate(&lookup));
}

#[test]
fn hand_built_conditions_render_in_ctp_syntax() {
    let test = |k: &str, lit: &str| {
        Condition::Predicate(Predicate::new(Operand::keyword(k), Method::Equals, lit).unwrap())
    };
    let c = Condition::Not(Box::new(Condition::And(vec![
        test("A", "1"),
        Condition::Or(vec![test("B", "2"), Condition::Const(true)]),
    ])));
    assert_eq!(
        c.to_string(),
        r#"!(A.equals("1") * (B.equals("2") + true))"#
    );
    assert_eq!(condition(&c.to_string()), c);
    assert_eq!(
        Method::from_name("isGreaterThan"),
        Some(Method::IsGreaterThan)
    );
    assert_eq!(Method::from_name("isgreaterthan"), None);
    assert!(
        Method::ALL
            .iter()
            .all(|m| Method::from_name(m.name()) == Some(*m))
    );
}
