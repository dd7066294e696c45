// Panicking on a wrong expectation is what a test is for.
#![allow(clippy::unwrap_used)]

use dicom_core::Tag;
use proptest::prelude::*;

use super::{PathStep, TagParseError, TagPath, TagPattern, TagSpec};

fn tag(group: u16, element: u16) -> TagSpec {
    TagSpec::Tag(Tag(group, element))
}

fn private(group: u16, creator: &str, element: u8) -> TagSpec {
    TagSpec::Private {
        group,
        creator: creator.to_owned(),
        element,
    }
}

fn path(text: &str) -> TagPath {
    match text.parse() {
        Ok(path) => path,
        Err(e) => panic!("{text:?} should parse: {e}"),
    }
}

fn pattern(text: &str) -> TagPattern {
    match text.parse() {
        Ok(pattern) => pattern,
        Err(e) => panic!("{text:?} should parse: {e}"),
    }
}

#[test]
fn accepted_tag_forms() {
    let cases: &[(&str, TagSpec)] = &[
        ("(0010,0010)", tag(0x0010, 0x0010)),
        ("0010,0010", tag(0x0010, 0x0010)),
        ("00100010", tag(0x0010, 0x0010)),
        ("(00100010)", tag(0x0010, 0x0010)),
        ("PatientName", tag(0x0010, 0x0010)),
        ("DecayFactor", tag(0x0054, 0x1321)),
        ("( 0010 , 0010 )", tag(0x0010, 0x0010)),
        ("  (7FE0,0010)  ", tag(0x7FE0, 0x0010)),
        ("(0009,1010)", tag(0x0009, 0x1010)),
        (
            "(0009,{GEMS_IDEN_01}10)",
            private(0x0009, "GEMS_IDEN_01", 0x10),
        ),
        (
            "0009,{GEMS_IDEN_01}10",
            private(0x0009, "GEMS_IDEN_01", 0x10),
        ),
        (
            "0009[GEMS_IDEN_01]10",
            private(0x0009, "GEMS_IDEN_01", 0x10),
        ),
        (
            "(0009[GEMS_IDEN_01]10)",
            private(0x0009, "GEMS_IDEN_01", 0x10),
        ),
        (
            "(0029,{ SIEMENS CSA HEADER }ff)",
            private(0x0029, "SIEMENS CSA HEADER", 0xFF),
        ),
        (
            "(0029,{Siemens: Thorax/Multix FD Lab Settings}00)",
            private(0x0029, "Siemens: Thorax/Multix FD Lab Settings", 0x00),
        ),
    ];
    for (text, expected) in cases {
        let parsed: Result<TagSpec, _> = text.parse();
        assert_eq!(parsed.as_ref(), Ok(expected), "{text:?}");
        let path: Result<TagPath, _> = text.parse();
        assert_eq!(
            path.map(|p| p.is_single().cloned()),
            Ok(Some(expected.clone())),
            "{text:?}"
        );
    }
}

#[test]
fn accepted_path_forms() {
    let cases: &[(&str, Vec<PathStep>, &str)] = &[
        (
            "ReferencedStudySequence/ReferencedSOPInstanceUID",
            vec![tag(0x0008, 0x1110).into(), tag(0x0008, 0x1155).into()],
            "(0008,1110)/(0008,1155)",
        ),
        (
            "ReferencedStudySequence::ReferencedSOPInstanceUID",
            vec![tag(0x0008, 0x1110).into(), tag(0x0008, 0x1155).into()],
            "(0008,1110)/(0008,1155)",
        ),
        (
            "*/PatientName",
            vec![PathStep::AnyDepth, tag(0x0010, 0x0010).into()],
            "*/(0010,0010)",
        ),
        (
            "*/*/PatientName",
            vec![PathStep::AnyDepth, tag(0x0010, 0x0010).into()],
            "*/(0010,0010)",
        ),
        (
            " (0008,1110) / * :: 0009[ACME 1.0/x]3a ",
            vec![
                tag(0x0008, 0x1110).into(),
                PathStep::AnyDepth,
                private(0x0009, "ACME 1.0/x", 0x3A).into(),
            ],
            "(0008,1110)/*/(0009,{ACME 1.0/x}3A)",
        ),
    ];
    for (text, steps, display) in cases {
        let parsed = path(text);
        assert_eq!(parsed.steps(), steps.as_slice(), "{text:?}");
        assert_eq!(parsed.to_string(), *display, "{text:?}");
        assert_eq!(path(display), parsed, "{display:?}");
    }
}

#[test]
fn hex_is_case_insensitive_keywords_are_not() {
    let upper: TagSpec = "(7FE0,00AB)".parse().unwrap();
    for text in ["(7fe0,00ab)", "7Fe0,00aB", "7fe000ab", "(7FE0,00ab)"] {
        assert_eq!(text.parse::<TagSpec>().as_ref(), Ok(&upper), "{text:?}");
    }
    assert_eq!(upper.to_string(), "(7FE0,00AB)");
    assert_eq!(
        "0009[acme]ab".parse::<TagSpec>(),
        "(0009,{acme}AB)".parse::<TagSpec>()
    );
    // The creator is kept as written, not case-folded.
    assert_ne!(
        "0009[acme]ab".parse::<TagSpec>(),
        "0009[ACME]ab".parse::<TagSpec>()
    );
    assert!("patientname".parse::<TagSpec>().is_err());
    assert!("PATIENTNAME".parse::<TagSpec>().is_err());
    assert_eq!(pattern("(50XX,xxXX)"), pattern("(50xx,xxxx)"));
    assert_eq!(pattern("(7fe0,0010)"), pattern("(7FE0,0010)"));
}

fn error<T: std::str::FromStr<Err = TagParseError> + std::fmt::Debug>(text: &str) -> String {
    match text.parse::<T>() {
        Ok(value) => panic!("{text:?} should not parse, got {value:?}"),
        Err(e) => {
            assert_eq!(e.input(), text);
            e.to_string()
        }
    }
}

/// Checks every case, then reports all mismatches at once.
fn check_errors<T: std::str::FromStr<Err = TagParseError> + std::fmt::Debug>(
    cases: &[(&str, &str)],
) {
    let wrong: Vec<String> = cases
        .iter()
        .map(|&(text, expected)| (text, expected, error::<T>(text)))
        .filter(|(_, expected, actual)| expected != actual)
        .map(|(text, expected, actual)| {
            format!("{text:?}\n  expected: {expected}\n  actual:   {actual}")
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn rejected_tags() {
    let cases = [
        (
            "",
            "cannot parse tag \"\": column 1: empty; expected a tag such as (0010,0010) or PatientName",
        ),
        (
            "   ",
            "cannot parse tag \"   \": column 4: empty; expected a tag such as (0010,0010) or PatientName",
        ),
        (
            "(0010,001G)",
            "cannot parse tag \"(0010,001G)\": column 10: expected a hex digit, found 'G'",
        ),
        (
            "(010,0010)",
            "cannot parse tag \"(010,0010)\": column 2: expected 4 hex digits for the group (or 8 for ggggeeee), found 3 hex digits",
        ),
        (
            "(0010,00100)",
            "cannot parse tag \"(0010,00100)\": column 7: expected 4 hex digits for the element, found 5 hex digits",
        ),
        (
            "001000100",
            "cannot parse tag \"001000100\": column 1: expected 4 hex digits for the group (or 8 for ggggeeee), found 9 hex digits",
        ),
        (
            "00100010,0010",
            "cannot parse tag \"00100010,0010\": column 1: expected 4 hex digits for the group, found 8 hex digits",
        ),
        (
            "(0010,0010",
            "cannot parse tag \"(0010,0010\": column 11: expected ')', found end of input",
        ),
        (
            "0010,0010)",
            "cannot parse tag \"0010,0010)\": column 10: expected the end of the tag, found ')'",
        ),
        (
            "0010;0010",
            "cannot parse tag \"0010;0010\": column 5: expected ',' or '[' after the group, found ';'",
        ),
        (
            "(0010,)",
            "cannot parse tag \"(0010,)\": column 7: expected the element: 4 hex digits, or {CREATOR} and 2 hex digits, found ')'",
        ),
        (
            "(50xx,0010)",
            "cannot parse tag \"(50xx,0010)\": column 4: expected a hex digit, found 'x'",
        ),
        (
            "PatientNme",
            "cannot parse tag \"PatientNme\": column 1: unknown keyword \"PatientNme\" (keywords are case-sensitive, as in PS3.6)",
        ),
        (
            "patientName",
            "cannot parse tag \"patientName\": column 1: unknown keyword \"patientName\" (keywords are case-sensitive, as in PS3.6)",
        ),
        (
            "Patient-Name",
            "cannot parse tag \"Patient-Name\": column 1: expected a tag such as (0010,0010), 0010,0010, 00100010 or a keyword, found 'P'",
        ),
        (
            "OverlayData",
            "cannot parse tag \"OverlayData\": column 1: keyword OverlayData names the repeating tag (60xx,3000); write one tag of it instead",
        ),
        (
            "*",
            "cannot parse tag \"*\": column 1: expected a tag; '*' is only allowed in tag paths, found '*'",
        ),
        (
            "PatientName/PatientID",
            "cannot parse tag \"PatientName/PatientID\": column 12: expected a single tag, found a path",
        ),
        (
            "(0009,{}10)",
            "cannot parse tag \"(0009,{}10)\": column 7: private creator is empty",
        ),
        (
            "0009[  ]10",
            "cannot parse tag \"0009[  ]10\": column 5: private creator is empty",
        ),
        (
            "(0010,{ACME}10)",
            "cannot parse tag \"(0010,{ACME}10)\": column 2: group 0010 is even; private elements are in odd groups",
        ),
        (
            "0008[ACME]10",
            "cannot parse tag \"0008[ACME]10\": column 1: group 0008 is even; private elements are in odd groups",
        ),
        (
            "(0003,{ACME}10)",
            "cannot parse tag \"(0003,{ACME}10)\": column 2: group 0003 cannot hold private elements",
        ),
        (
            "(FFFF,{ACME}10)",
            "cannot parse tag \"(FFFF,{ACME}10)\": column 2: group FFFF cannot hold private elements",
        ),
        (
            "(0009,{ACME}1010)",
            "cannot parse tag \"(0009,{ACME}1010)\": column 13: expected 2 hex digits for the element in the private block, found 4 hex digits",
        ),
        (
            "(0009,{ACME}1)",
            "cannot parse tag \"(0009,{ACME}1)\": column 13: expected 2 hex digits for the element in the private block, found 1 hex digits",
        ),
        (
            "(0009,{ACME})",
            "cannot parse tag \"(0009,{ACME})\": column 13: expected 2 hex digits for the element in the private block, found ')'",
        ),
        (
            "(0009,{ACME 10)",
            "cannot parse tag \"(0009,{ACME 10)\": column 7: expected a private creator closed by '}', found end of input",
        ),
        (
            "0009[ACME",
            "cannot parse tag \"0009[ACME\": column 5: expected a private creator closed by ']', found end of input",
        ),
        (
            "0009[AC\\ME]10",
            "cannot parse tag \"0009[AC\\\\ME]10\": column 8: character '\\\\' is not allowed in a private creator",
        ),
        (
            "(0009,{A[B}10)",
            "cannot parse tag \"(0009,{A[B}10)\": column 9: character '[' is not allowed in a private creator",
        ),
        (
            "0009 [ACME]10",
            "cannot parse tag \"0009 [ACME]10\": column 5: expected ',' or '[' after the group, found ' '",
        ),
        (
            "é(0010,0010)",
            "cannot parse tag \"é(0010,0010)\": column 1: expected a tag such as (0010,0010), 0010,0010, 00100010 or a keyword, found 'é'",
        ),
        (
            "(0010,0010)é",
            "cannot parse tag \"(0010,0010)é\": column 12: expected the end of the tag, found 'é'",
        ),
    ];
    check_errors::<TagSpec>(&cases);
    let long = "A".repeat(65);
    assert_eq!(
        error::<TagSpec>(&format!("0009[{long}]10")),
        format!(
            "cannot parse tag \"0009[{long}]10\": column 6: private creator is 65 characters long; at most 64 are allowed"
        )
    );
    assert!(
        format!("0009[{}]10", "A".repeat(64))
            .parse::<TagSpec>()
            .is_ok()
    );
}

#[test]
fn rejected_paths() {
    let cases = [
        (
            "",
            "cannot parse tag path \"\": column 1: empty; expected a tag such as (0010,0010) or PatientName",
        ),
        (
            "PatientName/",
            "cannot parse tag path \"PatientName/\": column 13: empty step; steps are separated by '/' or '::'",
        ),
        (
            "/PatientName",
            "cannot parse tag path \"/PatientName\": column 1: empty step; steps are separated by '/' or '::'",
        ),
        (
            "PatientName//PatientID",
            "cannot parse tag path \"PatientName//PatientID\": column 13: empty step; steps are separated by '/' or '::'",
        ),
        (
            "ReferencedStudySequence/ /PatientName",
            "cannot parse tag path \"ReferencedStudySequence/ /PatientName\": column 26: empty step; steps are separated by '/' or '::'",
        ),
        (
            "PatientName/*",
            "cannot parse tag path \"PatientName/*\": column 13: '*' (any depth) cannot be the last step; name the attribute it leads to, as in */PatientName",
        ),
        (
            "*",
            "cannot parse tag path \"*\": column 1: '*' (any depth) cannot be the last step; name the attribute it leads to, as in */PatientName",
        ),
        (
            "*/*",
            "cannot parse tag path \"*/*\": column 3: '*' (any depth) cannot be the last step; name the attribute it leads to, as in */PatientName",
        ),
        (
            "**/PatientName",
            "cannot parse tag path \"**/PatientName\": column 1: expected a tag such as (0010,0010), 0010,0010, 00100010 or a keyword, found '*'",
        ),
        (
            "PatientName:PatientID",
            "cannot parse tag path \"PatientName:PatientID\": column 1: expected a tag such as (0010,0010), 0010,0010, 00100010 or a keyword, found 'P'",
        ),
        (
            "(0008,1110)/(0010,001)",
            "cannot parse tag path \"(0008,1110)/(0010,001)\": column 19: expected 4 hex digits for the element, found 3 hex digits",
        ),
        (
            "*/(0010,{X}10)",
            "cannot parse tag path \"*/(0010,{X}10)\": column 4: group 0010 is even; private elements are in odd groups",
        ),
    ];
    check_errors::<TagPath>(&cases);
}

#[test]
fn path_steps_parse_alone() {
    assert_eq!("*".parse::<PathStep>(), Ok(PathStep::AnyDepth));
    assert_eq!(" * ".parse::<PathStep>(), Ok(PathStep::AnyDepth));
    assert_eq!(
        "PatientName".parse::<PathStep>(),
        Ok(PathStep::Tag(tag(0x0010, 0x0010)))
    );
    assert_eq!(
        error::<PathStep>("A::B"),
        "cannot parse path step \"A::B\": column 3: expected a single tag, found a path"
    );
    assert_eq!(PathStep::AnyDepth.to_string(), "*");
    assert_eq!(PathStep::AnyDepth.as_spec(), None);
}

#[test]
fn tag_path_constructors() {
    assert_eq!(TagPath::new(vec![]), None);
    assert_eq!(TagPath::new(vec![PathStep::AnyDepth]), None);
    assert_eq!(
        TagPath::new(vec![tag(0x0010, 0x0010).into(), PathStep::AnyDepth]),
        None
    );
    let merged = TagPath::new(vec![
        PathStep::AnyDepth,
        PathStep::AnyDepth,
        tag(0x0010, 0x0010).into(),
    ]);
    assert_eq!(merged, Some(path("*/PatientName")));
    assert_eq!(TagPath::from(Tag(0x0010, 0x0010)), path("PatientName"));
    assert_eq!(path("*/PatientName").leaf(), &tag(0x0010, 0x0010));
    assert_eq!(path("*/PatientName").is_single(), None);
}

#[test]
fn wildcard_patterns() {
    let curve = pattern("(50xx,xxxx)");
    assert!(curve.matches(Tag(0x5000, 0x0010)));
    assert!(curve.matches(Tag(0x5010, 0x3000)));
    assert!(curve.matches(Tag(0x50FF, 0xFFFF)));
    assert!(!curve.matches(Tag(0x6000, 0x0010)));
    assert!(!curve.matches(Tag(0x5100, 0x0010)));
    assert_eq!(curve.wildcard_nibbles(), 6);
    assert_eq!(curve.tag(), None);
    assert_eq!(curve.to_string(), "(50xx,xxxx)");

    let overlay = pattern("(60xx,3000)");
    assert!(overlay.matches(Tag(0x6000, 0x3000)));
    assert!(overlay.matches(Tag(0x601E, 0x3000)));
    assert!(!overlay.matches(Tag(0x6000, 0x0010)));
    assert_eq!(overlay.wildcard_nibbles(), 2);
    assert_eq!(pattern("OverlayData"), overlay);
    assert_eq!(pattern("60xx3000"), overlay);
    assert_eq!(pattern("60xx,3000"), overlay);

    let exact = pattern("PatientName");
    assert_eq!(exact, TagPattern::exact(Tag(0x0010, 0x0010)));
    assert_eq!(exact.tag(), Some(Tag(0x0010, 0x0010)));
    assert_eq!(exact.wildcard_nibbles(), 0);
    assert_eq!(exact.to_string(), "(0010,0010)");

    let any = pattern("(xxxx,xxxx)");
    assert_eq!(any.wildcard_nibbles(), 8);
    assert!(any.matches(Tag(0x1234, 0x5678)));
    assert_eq!(pattern("GenericGroupLength").to_string(), "(xxxx,0000)");

    // The most specific matching pattern wins.
    let mut rows = [any, curve, pattern("(5010,xxxx)"), pattern("(5010,3000)")];
    rows.sort_by_key(TagPattern::wildcard_nibbles);
    let best = rows.iter().find(|p| p.matches(Tag(0x5010, 0x3000)));
    assert_eq!(best, Some(&pattern("(5010,3000)")));
    let best = rows.iter().find(|p| p.matches(Tag(0x5020, 0x3000)));
    assert_eq!(best, Some(&curve));
}

#[test]
fn rejected_patterns() {
    let cases = [
        (
            "",
            "cannot parse tag pattern \"\": column 1: empty; expected a tag such as (0010,0010) or PatientName",
        ),
        (
            "(50xx,xxx)",
            "cannot parse tag pattern \"(50xx,xxx)\": column 7: expected 4 hex digits for the element, found 3 hex digits",
        ),
        (
            "(50yy,xxxx)",
            "cannot parse tag pattern \"(50yy,xxxx)\": column 4: expected a hex digit, found 'y'",
        ),
        (
            "(0009,{ACME}10)",
            "cannot parse tag pattern \"(0009,{ACME}10)\": column 7: expected the element: 4 hex digits or x, found '{'",
        ),
        (
            "0009[ACME]10",
            "cannot parse tag pattern \"0009[ACME]10\": column 5: expected ',' after the group, found '['",
        ),
        (
            "*",
            "cannot parse tag pattern \"*\": column 1: expected a tag pattern such as (50xx,xxxx) or a keyword, found '*'",
        ),
        (
            "Overlay",
            "cannot parse tag pattern \"Overlay\": column 1: unknown keyword \"Overlay\" (keywords are case-sensitive, as in PS3.6)",
        ),
    ];
    check_errors::<TagPattern>(&cases);
}

#[test]
fn path_matching() {
    let seq = Tag(0x0008, 0x1110);
    let uid = Tag(0x0008, 0x1155);
    let name = Tag(0x0010, 0x0010);
    let other = Tag(0x0040, 0xA730);

    let top = path("PatientName");
    assert!(top.matches(&[name]));
    assert!(!top.matches(&[seq, name]));
    assert!(!top.matches(&[]));

    let nested = path("ReferencedStudySequence/ReferencedSOPInstanceUID");
    assert!(nested.matches(&[seq, uid]));
    assert!(!nested.matches(&[uid]));
    assert!(!nested.matches(&[other, seq, uid]));
    assert!(!nested.matches(&[seq, uid, uid]));

    let anywhere = path("*/PatientName");
    assert!(anywhere.matches(&[name]));
    assert!(anywhere.matches(&[seq, name]));
    assert!(anywhere.matches(&[seq, other, other, name]));
    assert!(!anywhere.matches(&[name, seq]));
    assert!(!anywhere.matches(&[]));

    let under = path("ReferencedStudySequence/*/ReferencedSOPInstanceUID");
    assert!(under.matches(&[seq, uid]));
    assert!(under.matches(&[seq, other, uid]));
    assert!(under.matches(&[seq, uid, seq, uid]));
    assert!(!under.matches(&[other, seq, uid]));
    assert!(!under.matches(&[uid]));

    let two_stars = path("*/ReferencedStudySequence/*/ReferencedSOPInstanceUID");
    assert!(two_stars.matches(&[other, seq, other, seq, other, uid]));
    assert!(two_stars.matches(&[seq, uid]));
    assert!(!two_stars.matches(&[uid, seq]));
}

#[test]
fn private_matching() {
    let spec = private(0x0009, "ACME", 0x10);
    let creators = |group: u16, block: u8| match (group, block) {
        (0x0009, 0x10) => Some("ACME "),
        (0x0009, 0x11) => Some("OTHER"),
        _ => None,
    };
    assert!(spec.matches(Tag(0x0009, 0x1010), creators));
    assert!(!spec.matches(Tag(0x0009, 0x1110), creators));
    assert!(!spec.matches(Tag(0x0009, 0x1011), creators));
    assert!(!spec.matches(Tag(0x0009, 0x1210), creators));
    assert!(!spec.matches(Tag(0x0011, 0x1010), creators));
    // Private creator elements themselves are not in any block.
    assert!(!spec.matches(Tag(0x0009, 0x0010), |_, _| Some("ACME")));
    assert_eq!(spec.tag(), None);

    let fixed = tag(0x0009, 0x1010);
    assert!(fixed.matches(Tag(0x0009, 0x1010), |_, _| None));

    // A path through a private sequence, resolving creators per level.
    let path = path("*/0029[ACME]20/PatientName");
    let elements = [
        Tag(0x0040, 0xA730),
        Tag(0x0029, 0x1120),
        Tag(0x0010, 0x0010),
    ];
    assert!(!path.matches(&elements));
    let resolved = path.matches_with(&elements, |spec, index, tag| {
        spec.matches(tag, |group, block| {
            (index == 1 && group == 0x0029 && block == 0x11).then_some("ACME")
        })
    });
    assert!(resolved);
}

#[test]
fn serde_uses_the_text_forms() {
    let parsed: TagPath =
        serde_json::from_str("\"ReferencedStudySequence/ReferencedSOPInstanceUID\"").unwrap();
    assert_eq!(
        serde_json::to_string(&parsed).unwrap(),
        "\"(0008,1110)/(0008,1155)\""
    );
    let spec: TagSpec = serde_json::from_str("\"0009[ACME]10\"").unwrap();
    assert_eq!(serde_json::to_string(&spec).unwrap(), "\"(0009,{ACME}10)\"");
    let pattern: TagPattern = serde_json::from_str("\"(50xx,xxxx)\"").unwrap();
    assert_eq!(serde_json::to_string(&pattern).unwrap(), "\"(50xx,xxxx)\"");
    let error = serde_json::from_str::<TagSpec>("\"Nope\"").unwrap_err();
    assert!(
        error.to_string().contains("unknown keyword \"Nope\""),
        "{error}"
    );
}

fn arb_creator() -> impl Strategy<Value = String> {
    "[ -~éß·]{1,64}".prop_filter_map("a non-empty creator", |raw| {
        let kept: String = raw.chars().filter(|c| !"{}[]\\".contains(*c)).collect();
        let trimmed = kept.trim();
        (!trimmed.is_empty()).then(|| trimmed.to_owned())
    })
}

fn arb_private_group() -> impl Strategy<Value = u16> {
    (4u16..0x7FFF).prop_map(|half| half * 2 + 1)
}

fn arb_spec() -> impl Strategy<Value = TagSpec> {
    prop_oneof![
        any::<(u16, u16)>().prop_map(|(g, e)| TagSpec::Tag(Tag(g, e))),
        (arb_private_group(), arb_creator(), any::<u8>()).prop_map(|(group, creator, element)| {
            TagSpec::Private {
                group,
                creator,
                element,
            }
        }),
    ]
}

fn arb_path() -> impl Strategy<Value = TagPath> {
    arb_path_of(arb_spec().boxed())
}

fn arb_public_path() -> impl Strategy<Value = TagPath> {
    arb_path_of(
        any::<(u16, u16)>()
            .prop_map(|(g, e)| TagSpec::Tag(Tag(g, e)))
            .boxed(),
    )
}

fn arb_path_of(spec: BoxedStrategy<TagSpec>) -> impl Strategy<Value = TagPath> {
    let step = prop_oneof![
        1 => Just(PathStep::AnyDepth),
        3 => spec.clone().prop_map(PathStep::Tag),
    ];
    (proptest::collection::vec(step, 0..5), spec).prop_filter_map(
        "a valid path",
        |(mut steps, leaf)| {
            steps.push(PathStep::Tag(leaf));
            TagPath::new(steps)
        },
    )
}

fn arb_pattern() -> impl Strategy<Value = TagPattern> {
    (any::<u32>(), any::<u8>()).prop_map(|(value, fixed)| {
        let mask = (0..8)
            .filter(|nibble| fixed & (1 << nibble) != 0)
            .fold(0u32, |mask, nibble| mask | (0xF << (nibble * 4)));
        TagPattern {
            value: value & mask,
            mask,
        }
    })
}

/// Text that looks like tags, so parsing gets past the first character.
const TAGGISH: &str = "[0-9a-fA-FxX(),{}\\[\\]/:* A-Za-zé]{0,40}";

fn check_no_panic(text: &str) -> Result<(), TestCaseError> {
    let columns = text.chars().count() + 1;
    if let Err(e) = text.parse::<TagPath>() {
        prop_assert!(e.column() >= 1 && e.column() <= columns, "{e}");
    }
    if let Err(e) = text.parse::<TagSpec>() {
        prop_assert!(e.column() >= 1 && e.column() <= columns, "{e}");
    }
    if let Err(e) = text.parse::<PathStep>() {
        prop_assert!(e.column() >= 1 && e.column() <= columns, "{e}");
    }
    if let Err(e) = text.parse::<TagPattern>() {
        prop_assert!(e.column() >= 1 && e.column() <= columns, "{e}");
    }
    Ok(())
}

proptest! {
    #[test]
    fn parsing_never_panics(text in any::<String>()) {
        check_no_panic(&text)?;
    }

    #[test]
    fn parsing_tag_like_text_never_panics(text in TAGGISH) {
        check_no_panic(&text)?;
    }

    #[test]
    fn whatever_parses_displays_canonically(text in TAGGISH) {
        if let Ok(parsed) = text.parse::<TagPath>() {
            let shown = parsed.to_string();
            prop_assert_eq!(shown.parse::<TagPath>(), Ok(parsed));
        }
        if let Ok(parsed) = text.parse::<TagPattern>() {
            let shown = parsed.to_string();
            prop_assert_eq!(shown.parse::<TagPattern>(), Ok(parsed));
        }
    }

    #[test]
    fn path_display_round_trips(path in arb_path()) {
        let shown = path.to_string();
        prop_assert_eq!(shown.parse::<TagPath>(), Ok(path.clone()));
        let ctp: Vec<String> = path.steps().iter().map(ToString::to_string).collect();
        let ctp = ctp.join("::");
        prop_assert_eq!(ctp.parse::<TagPath>(), Ok(path.clone()));
        prop_assert_eq!(shown.to_lowercase().parse::<TagPath>().is_ok(), true);
        if let Some(spec) = path.is_single() {
            prop_assert_eq!(shown.parse::<TagSpec>(), Ok(spec.clone()));
        }
    }

    #[test]
    fn path_matches_its_own_tags(
        path in arb_public_path(),
        fill in proptest::collection::vec(any::<(u16, u16)>(), 0..3),
    ) {
        // Replace each `*` by some tags and each step by its tag: the path
        // must match that element path, and not the same path one deeper.
        let mut elements = Vec::new();
        for step in path.steps() {
            match step {
                PathStep::AnyDepth => elements.extend(fill.iter().map(|&(g, e)| Tag(g, e))),
                PathStep::Tag(spec) => elements.extend(spec.tag()),
            }
        }
        prop_assert!(path.matches(&elements));
        if !path.steps().contains(&PathStep::AnyDepth) {
            elements.insert(0, Tag(0x0008, 0x1110));
            prop_assert!(!path.matches(&elements));
        }
    }

    #[test]
    fn pattern_display_round_trips(pattern in arb_pattern()) {
        let shown = pattern.to_string();
        prop_assert_eq!(shown.parse::<TagPattern>(), Ok(pattern));
        prop_assert_eq!(shown.to_uppercase().parse::<TagPattern>(), Ok(pattern));
    }

    #[test]
    fn exact_pattern_matches_only_its_tag(a in any::<(u16, u16)>(), b in any::<(u16, u16)>()) {
        let pattern = TagPattern::exact(Tag(a.0, a.1));
        prop_assert_eq!(pattern.matches(Tag(b.0, b.1)), a == b);
        prop_assert!(pattern.matches(Tag(a.0, a.1)));
    }
}
