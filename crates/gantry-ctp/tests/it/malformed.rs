//! Malformed scripts: diagnostics land on the right line and column, and
//! parsing goes on with the next signature.

use gantry_ctp::{Severity, parse_pixel_script};

/// (line, column, severity, message) of each diagnostic.
fn diagnostics(text: &str) -> Vec<(u32, u32, Severity, String)> {
    parse_pixel_script(text)
        .diagnostics
        .into_iter()
        .map(|d| (d.line, d.column, d.severity, d.message))
        .collect()
}

/// The script has exactly one diagnostic, an error at `line:column` whose
/// message contains `needle`.
#[track_caller]
fn assert_one_error(text: &str, line: u32, column: u32, needle: &str) {
    let found = diagnostics(text);
    assert_eq!(found.len(), 1, "{found:#?}");
    let (l, c, severity, message) = &found[0];
    assert_eq!(
        (*l, *c, *severity),
        (line, column, Severity::Error),
        "{message}"
    );
    assert!(message.contains(needle), "{message:?} lacks {needle:?}");
}

#[test]
fn unterminated_string() {
    let text = "MR\n  { Modality.equals(\"MR) }\n  (0,0,1,1)\n";
    assert_one_error(text, 2, 21, "unterminated string literal");
    assert!(parse_pixel_script(text).signatures.is_empty());
}

#[test]
fn unterminated_string_at_end_of_line() {
    let text = "{ Modality.equals(\"MR) *\n  Rows.equals(\"512\") }\n";
    assert_one_error(text, 1, 19, "before the end of the line");
}

#[test]
fn brace_inside_a_string_ends_the_signature_as_in_ctp() {
    let found = diagnostics("{ SeriesDescription.contains(\"a}b\") }\n");
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(
        (found[0].0, found[0].1, found[0].2),
        (1, 30, Severity::Error)
    );
    assert!(found[0].3.contains("even inside quotes"));
    // The rest of the line is prose, with a stray `}`.
    assert_eq!(
        (found[1].0, found[1].1, found[1].2),
        (1, 37, Severity::Warning)
    );
}

#[test]
fn missing_closing_brace_resumes_at_the_next_signature() {
    let text = "{ A.equals(\"x\")\n(0,0,1,1)\n  { B.equals(\"y\") }\n(0,0,2,2)\n";
    assert_one_error(text, 1, 1, "before the next `{` (line 3)");
    let script = parse_pixel_script(text);
    assert_eq!(script.signatures.len(), 1);
    assert_eq!(script.signatures[0].line, 3);
    assert_eq!(script.signatures[0].regions.len(), 1);
    assert_eq!(script.signatures[0].regions[0].w, 2);
}

#[test]
fn braces_in_literals_and_comments_are_text_as_in_ctp() {
    let text = "{ A.equals(\"{x\") // a {comment\n * B.equals(\"y\") }\n(0,0,1,1)\n";
    let script = parse_pixel_script(text);
    assert_eq!(script.diagnostics, []);
    assert_eq!(
        script.signatures[0].condition_text,
        r#"A.equals("{x") * B.equals("y")"#
    );
    assert_eq!(script.signatures[0].regions.len(), 1);
}

#[test]
fn missing_closing_brace_at_end_of_script() {
    assert_one_error(
        "x\n\n   { A.equals(\"x\")\n(0,0,1,1)\n",
        3,
        4,
        "before the end of the script",
    );
}

#[test]
fn region_with_three_values() {
    let text = "{ A.equals(\"x\") }\n  (0,0,1,1) (1,2,3)\n";
    assert_one_error(text, 2, 13, "4 values (x,y,w,h), found 3");
    let script = parse_pixel_script(text);
    assert_eq!(
        script.signatures[0].regions.len(),
        1,
        "the good region stays"
    );
}

#[test]
fn region_with_a_non_numeric_value() {
    assert_one_error(
        "{ A.equals(\"x\") }\n(0, 0, 5l2, 25)\n",
        2,
        8,
        "`5l2` is not an integer",
    );
}

#[test]
fn region_with_an_empty_size() {
    assert_one_error("{ A.equals(\"x\") }\n(0,0,0,25)\n", 2, 6, "width is 0");
    assert_one_error("{ A.equals(\"x\") }\n(0,0,10,-1)\n", 2, 9, "height is -1");
}

#[test]
fn unclosed_region() {
    assert_one_error("{ A.equals(\"x\") }\n  (0,0,10,10\n", 2, 3, "not closed");
}

#[test]
fn prose_in_parentheses_is_a_warning() {
    let found = diagnostics("{ A.equals(\"x\") }\n(0,0,1,1) see the wiki (RSNA)\n");
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].0, found[0].1, found[0].2),
        (2, 24, Severity::Warning)
    );
}

#[test]
fn region_before_the_first_signature_is_a_warning() {
    let found = diagnostics("Header (see notes)\n(0,0,10,10)\n{ A.equals(\"x\") }\n");
    assert_eq!(found.len(), 1, "prose in the header is silent: {found:#?}");
    assert_eq!(
        (found[0].0, found[0].1, found[0].2),
        (2, 1, Severity::Warning)
    );
    assert!(
        parse_pixel_script("(0,0,10,10)\n{ A.equals(\"x\") }\n").signatures[0]
            .regions
            .is_empty()
    );
}

#[test]
fn unknown_method() {
    assert_one_error(
        "\n\n  { Modality.equals(\"CT\") * Rows.lessThan(\"512\") }\n",
        3,
        34,
        "unknown method `lessThan`",
    );
    assert_one_error(
        "{ Modality.EqualsIgnoreCase(\"CT\") }",
        1,
        12,
        "did you mean `equalsIgnoreCase`?",
    );
}

#[test]
fn unbalanced_parentheses() {
    assert_one_error(
        "{ A.equals(\"a\") *\n  ( B.equals(\"b\") + C.equals(\"c\") }\n",
        2,
        3,
        "this `(` is not closed",
    );
    assert_one_error(
        "{ A.equals(\"a\") * B.equals(\"b\") ) }\n",
        1,
        33,
        "unmatched `)`",
    );
    assert_one_error("{ () }", 1, 4, "unexpected `)`");
}

#[test]
fn missing_operand_and_operator() {
    assert_one_error("{ A.equals(\"a\") * }", 1, 19, "ends too early");
    assert_one_error(
        "{ A.equals(\"a\") B.equals(\"b\") }",
        1,
        17,
        "missing operator",
    );
    assert_one_error(
        "{ A.equals(\"a\") || B.equals(\"b\") }",
        1,
        17,
        "*or* is `+`",
    );
    assert_one_error("{ A.equals(a) }", 1, 12, "string literal");
    assert_one_error("{ A.equals(\"a\"\"b\") }", 1, 15, "cannot contain `\"`");
}

#[test]
fn empty_condition() {
    assert_one_error("x\n {}\n(0,0,1,1)\n", 2, 2, "empty condition");
    assert_one_error("{ // nothing\n }", 1, 1, "empty condition");
}

#[test]
fn errors_do_not_leak_into_the_next_signature() {
    let text = "{ A.nope(\"x\") }\n(0,0,1,1)\n{ B.equals(\"y\") }\n(0,0,2,2)\n";
    let script = parse_pixel_script(text);
    assert_eq!(script.signatures.len(), 1);
    assert_eq!(script.signatures[0].line, 3);
    let regions: Vec<_> = script.signatures[0].regions.iter().map(|r| r.w).collect();
    assert_eq!(
        regions,
        [2],
        "the dropped signature's region is dropped with it"
    );
}

#[test]
fn columns_count_characters() {
    // A tab is one column; é is one column although two bytes.
    assert_one_error("\t{ A.nope(\"x\") }", 1, 6, "unknown method");
    assert_one_error(
        "{ A.equals(\"é\") * B.nope(\"x\") }",
        1,
        21,
        "unknown method",
    );
}

#[test]
fn crlf_line_endings_change_nothing() {
    let text = crate::shared_ctp("DicomPixelAnonymizer.script");
    let crlf = text.replace('\n', "\r\n");
    let (lf, crlf) = (parse_pixel_script(&text), parse_pixel_script(&crlf));
    assert_eq!(crlf.diagnostics, []);
    assert_eq!(lf.signatures, crlf.signatures);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    for depth in [65, 10_000, 200_000] {
        let text = format!(
            "{{ {}A.equals(\"x\"){} }}",
            "(".repeat(depth),
            ")".repeat(depth)
        );
        let found = diagnostics(&text);
        assert_eq!(found.len(), 1, "depth {depth}");
        assert!(found[0].3.contains("nested too deeply"), "{}", found[0].3);
        let text = format!("{{ {}A.equals(\"x\") }}", "!".repeat(depth));
        assert!(diagnostics(&text)[0].3.contains("nested too deeply"));
    }
    let ok = format!("{{ {}A.equals(\"x\"){} }}", "(".repeat(60), ")".repeat(60));
    assert_eq!(diagnostics(&ok), []);
}

#[test]
fn empty_and_prose_only_scripts() {
    assert_eq!(parse_pixel_script("").signatures, []);
    assert_eq!(diagnostics(""), []);
    assert_eq!(
        diagnostics("just prose, (with a remark) and 1) a list\n"),
        []
    );
}

/// Inputs that would make a careless scanner quadratic (or a careless lint
/// explode) finish quickly. Sizes are modest for debug builds; a quadratic
/// scan would still take minutes on them.
#[test]
fn pathological_inputs_finish() {
    let n = 100_000;
    let inputs = [
        "{".repeat(n),
        "(".repeat(n),
        "{(".repeat(n),
        format!("{}}}", "{ // {\n".repeat(n)),
        format!("{{ {} }}", "A.equals(\"{\") * ".repeat(n / 10) + "x"),
        format!("{{ {}B.equals(\"x\") }}", "A.equals(\"x\") + ".repeat(n)),
        format!("{{ A.equals(\"x\") }}{}", "(0,0,1,1) ".repeat(n)),
        format!("{{ A.equals(\"x\") }}{}", "(0,0,1,1 ".repeat(n)),
    ];
    for text in &inputs {
        let start = std::time::Instant::now();
        let script = parse_pixel_script(text);
        let _ = script.to_json();
        assert!(
            start.elapsed() < std::time::Duration::from_secs(20),
            "{:?}…: {:?}",
            &text[..20],
            start.elapsed()
        );
    }
    // Many distinct signatures: the lint's work is bounded.
    let many: String = (0..5_000)
        .map(|i| format!("{{ A.equals(\"{i}\") * B.contains(\"{i}\") }}\n(0,0,1,1)\n"))
        .collect();
    let start = std::time::Instant::now();
    let script = parse_pixel_script(&many);
    assert_eq!(script.signatures.len(), 5_000);
    assert_eq!(script.shadowed(), []);
    assert!(
        start.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn invalid_regex_points_into_the_pattern() {
    // The `(` of the unclosed group: line 2, column 24 (the pattern starts at 23).
    let text = "Bad pattern\n  { Modality.matches(\"C(T\") }\n  (0,0,1,1)\n";
    assert_one_error(
        text,
        2,
        24,
        "invalid regular expression in `matches`: unclosed group",
    );
    assert!(parse_pixel_script(text).signatures.is_empty());
}

#[test]
fn unsupported_regex_features_are_errors() {
    // Java has look-around and backreferences; Gantry's engine has neither,
    // and a signature must not silently never match.
    let text = "{ Rows.equals(\"512\") *\n    SeriesDescription.matches(\"(?!x).*\") }\n";
    assert_one_error(text, 2, 32, "look-around");
    let text = "{ SeriesDescription.matches(\"(a)\\1\") }\n";
    assert_one_error(text, 1, 33, "backreferences");
}

#[test]
fn a_pattern_escaping_the_anchors_is_an_error() {
    // Wrapped as `\A(?:a)|(?:b)\z` this would parse, and match "a…" prefixes.
    assert_one_error("{ V.matches(\"a)|(b\") }\n", 1, 15, "unopened group");
}
