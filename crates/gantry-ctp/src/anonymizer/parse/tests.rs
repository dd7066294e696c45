//! Tests of the `DicomAnonymizer.script` parser and of the text form
//! (`Display`): the stock script, the properties form, rule text, error
//! positions, and properties (never a panic; text form round trips).
// A panic in a helper is a failed test.
#![allow(clippy::unwrap_used)]

use std::sync::LazyLock;

use proptest::prelude::*;
use proptest::sample::Index;

use super::{ArgState, classify, parse_anonymizer_script};
use crate::anonymizer::{
    AnonymizerScript, Arg, Call, ElementRule, Function, Part, RemoveWhat, Script, ScriptForm,
    ScriptTag, Switch,
};
use crate::{Diagnostic, Severity};

static STOCK: LazyLock<String> = LazyLock::new(|| {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/ctp/DicomAnonymizer.script"
    );
    std::fs::read_to_string(path).unwrap()
});

// ----- helpers -----

fn tag(group: u16, element: u16) -> ScriptTag {
    ScriptTag::Tag { group, element }
}

fn text(s: &str) -> Part {
    Part::Text(s.to_owned())
}

fn call(function: Function, args: Vec<Arg>, clauses: Vec<Script>) -> Part {
    Part::Call(Call {
        line: 0,
        column: 0,
        function,
        args,
        clauses,
    })
}

fn script(parts: Vec<Part>) -> Script {
    Script { parts }
}

fn bare(s: &str) -> Arg {
    Arg::Bare(s.to_owned())
}

fn param(s: &str) -> Arg {
    Arg::Param(s.to_owned())
}

fn quoted(s: &str) -> Arg {
    Arg::Quoted(s.to_owned())
}

/// The script with every call's position set to 0, for comparisons.
fn strip(script: &Script) -> Script {
    Script {
        parts: script
            .parts
            .iter()
            .map(|part| match part {
                Part::Text(t) => Part::Text(t.clone()),
                Part::Call(c) => Part::Call(Call {
                    line: 0,
                    column: 0,
                    function: c.function.clone(),
                    args: c.args.clone(),
                    clauses: c.clauses.iter().map(strip).collect(),
                }),
            })
            .collect(),
    }
}

/// A rule's text parsed on its own, positions stripped.
fn rule(s: &str) -> (Script, Vec<Diagnostic>) {
    let (script, diagnostics) = Script::parse(s);
    (strip(&script), diagnostics)
}

/// Line, column and severity of each diagnostic.
fn positions(diagnostics: &[Diagnostic]) -> Vec<(u32, u32, Severity)> {
    diagnostics
        .iter()
        .map(|d| (d.line, d.column, d.severity))
        .collect()
}

fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(|d| d.severity == Severity::Error)
}

/// The only diagnostic, which must mention `needle`.
fn only(diagnostics: &[Diagnostic], needle: &str) -> (u32, u32, Severity) {
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    let d = &diagnostics[0];
    assert!(d.message.contains(needle), "{d} lacks {needle:?}");
    (d.line, d.column, d.severity)
}

fn rule_for<'s>(script: &'s AnonymizerScript, t: &ScriptTag) -> &'s ElementRule {
    script.elements.iter().find(|e| &e.tag == t).unwrap()
}

fn xml(body: &str) -> AnonymizerScript {
    parse_anonymizer_script(&format!("<script>\n{body}</script>\n"))
}

use Severity::{Error, Warning};

// ----- the stock script -----

#[test]
fn stock_script_reads_without_diagnostics() {
    let s = parse_anonymizer_script(&STOCK);
    assert_eq!(s.form, ScriptForm::Xml);
    assert_eq!(s.diagnostics, vec![]);
    assert_eq!(s.elements.len(), 1046);
    assert_eq!(s.elements.iter().filter(|e| e.enabled).count(), 287);
    let params: Vec<(u32, &str, &str)> = s
        .params
        .iter()
        .map(|p| (p.line, p.name.as_str(), p.value.as_str()))
        .collect();
    assert_eq!(
        params,
        vec![
            (2, "DATEINC", "-3210"),
            (
                3,
                "NOTICE1",
                "IMPORTANT: Be sure to review Series Descriptions for PHI!!"
            ),
            (
                4,
                "NOTICE2",
                "IMPORTANT: Tags inside of sequences may contain PHI."
            ),
            (5, "PROFILENAME", "CTP Clinical Trial Default"),
            (6, "PROJECTNAME", "Project"),
            (7, "SITENAME", "SiteName"),
            (8, "SITEID", "1"),
            (9, "TRIALNAME", "Trial"),
            (10, "SUBJECT", "Subject"),
            (11, "UIDROOT", "1.2.840.113654.2.70.1"),
        ]
    );
    fn off<T>(line: u32, what: T) -> Switch<T> {
        Switch {
            line,
            enabled: false,
            what,
        }
    }
    assert_eq!(
        s.keep_groups,
        vec![off(1058, 0x0018), off(1059, 0x0020), off(1060, 0x0028)]
    );
    assert_eq!(s.keep_safe_private, Some(off(1061, ())));
    let switch = |line, enabled, what| Switch {
        line,
        enabled,
        what,
    };
    assert_eq!(
        s.remove,
        vec![
            switch(1062, true, RemoveWhat::Curves),
            switch(1063, true, RemoveWhat::Overlays),
            switch(1064, true, RemoveWhat::PrivateGroups),
            switch(1065, false, RemoveWhat::UnspecifiedElements),
        ]
    );
}

#[test]
fn stock_script_rules() {
    let s = parse_anonymizer_script(&STOCK);

    let sop = rule_for(&s, &tag(0x0008, 0x0018));
    assert_eq!(
        (sop.line, sop.enabled, sop.name.as_str()),
        (18, true, "SOPInstanceUID")
    );
    assert_eq!(
        sop.script,
        script(vec![Part::Call(Call {
            line: 18,
            column: 44,
            function: Function::HashUid,
            args: vec![param("UIDROOT"), Arg::This],
            clauses: vec![],
        })])
    );

    let method = rule_for(&s, &tag(0x0012, 0x0063));
    assert_eq!((method.line, method.enabled), (182, true));
    assert_eq!(
        strip(&method.script),
        script(vec![
            call(Function::Always, vec![], vec![]),
            call(
                Function::Append,
                vec![],
                vec![script(vec![text(
                    "CTP Default:  based on DICOM PS3.15 AnnexE. Details in 0012,0064"
                )])]
            ),
        ])
    );
    let columns: Vec<(u32, u32)> = method
        .script
        .parts
        .iter()
        .filter_map(|p| match p {
            Part::Call(c) => Some((c.line, c.column)),
            Part::Text(_) => None,
        })
        .collect();
    assert_eq!(columns, vec![(182, 52), (182, 61)]);

    let removed = rule_for(&s, &tag(0x0012, 0x0062));
    assert_eq!(
        strip(&removed.script),
        script(vec![call(Function::Always, vec![], vec![]), text("YES")])
    );

    let name = rule_for(&s, &tag(0x0010, 0x0010));
    assert_eq!(
        strip(&name.script),
        script(vec![call(
            Function::HashName,
            vec![Arg::This, bare("6"), bare("2")],
            vec![]
        )])
    );

    let date = rule_for(&s, &tag(0x0008, 0x0020));
    assert_eq!(
        strip(&date.script),
        script(vec![call(
            Function::IncrementDate,
            vec![Arg::This, param("DATEINC")],
            vec![]
        )])
    );

    let codes = rule_for(&s, &tag(0x0012, 0x0064));
    assert_eq!(
        codes.script,
        script(vec![text("113100/113105/113107/113108/113109")])
    );

    let image_type = rule_for(&s, &tag(0x0008, 0x0008));
    assert_eq!(
        (image_type.enabled, image_type.script.is_empty()),
        (false, true)
    );

    let sponsor = rule_for(&s, &tag(0x0012, 0x0010));
    assert_eq!(
        (sponsor.enabled, strip(&sponsor.script)),
        (
            false,
            script(vec![call(
                Function::Param,
                vec![param("TRIALSPONSOR")],
                vec![]
            )])
        )
    );
}

/// Every stock rule's text form is the text in the file, and parses back.
#[test]
fn stock_rules_display_as_written() {
    let s = parse_anonymizer_script(&STOCK);
    let doc = roxmltree::Document::parse(&STOCK).unwrap();
    let texts: Vec<String> = doc
        .root_element()
        .children()
        .filter(|c| c.has_tag_name("e"))
        .map(|c| c.text().unwrap_or("").trim().to_owned())
        .collect();
    assert_eq!(texts.len(), s.elements.len());
    for (e, written) in s.elements.iter().zip(&texts) {
        assert_eq!(&e.script.to_string(), written);
        let (again, diagnostics) = rule(written);
        assert_eq!(again, strip(&e.script));
        assert_eq!(diagnostics, vec![]);
    }
}

// ----- the properties form -----

const PROPERTIES: &str = "\
# A properties-form script.
! Also a comment.

param.UIDROOT=1.2.840.113654.2.70.1
param.DATEINC = -3210
set.[0008,0018]SOPInstanceUID=@hashuid(@UIDROOT,this)
set.[0008,0020]StudyDate=@incrementdate(this,@DATEINC)
set.[0010,0010]PatientName=@hashname(this,6,2)
set.[0012,0062]PatientIdentityRemoved=@always()YES
set.[0012,0063]DeIdentificationMethod=@always()@append(){CTP Default:  based on DICOM PS3.15 AnnexE. Details in 0012,0064}
#set.[0008,0008]ImageType=
#keep.group0018=
#keep.safeprivateelements=
remove.privategroups=
#remove.unspecifiedelements=
";

#[test]
fn properties_form_reads_like_the_xml() {
    let p = parse_anonymizer_script(PROPERTIES);
    let x = parse_anonymizer_script(&STOCK);
    assert_eq!(p.form, ScriptForm::Properties);
    assert_eq!(p.diagnostics, vec![]);
    let params: Vec<(u32, &str, &str)> = p
        .params
        .iter()
        .map(|p| (p.line, p.name.as_str(), p.value.as_str()))
        .collect();
    assert_eq!(
        params,
        vec![
            (4, "UIDROOT", "1.2.840.113654.2.70.1"),
            (5, "DATEINC", "-3210")
        ]
    );
    let tags = [
        (6, tag(0x0008, 0x0018)),
        (7, tag(0x0008, 0x0020)),
        (8, tag(0x0010, 0x0010)),
        (9, tag(0x0012, 0x0062)),
        (10, tag(0x0012, 0x0063)),
        (11, tag(0x0008, 0x0008)),
    ];
    assert_eq!(p.elements.len(), tags.len());
    for (e, (line, t)) in p.elements.iter().zip(tags) {
        let stock = rule_for(&x, &t);
        assert_eq!(e.line, line);
        assert_eq!(
            (&e.tag, e.enabled, &e.name, strip(&e.script)),
            (&stock.tag, stock.enabled, &stock.name, strip(&stock.script)),
        );
    }
    // Call positions are in the properties text.
    let Part::Call(c) = &p.elements[0].script.parts[0] else {
        panic!()
    };
    assert_eq!((c.line, c.column), (6, 31));
    assert_eq!(
        p.keep_groups,
        vec![Switch {
            line: 12,
            enabled: false,
            what: 0x0018
        }]
    );
    assert_eq!(
        p.keep_safe_private,
        Some(Switch {
            line: 13,
            enabled: false,
            what: ()
        })
    );
    assert_eq!(
        p.remove,
        vec![
            Switch {
                line: 14,
                enabled: true,
                what: RemoveWhat::PrivateGroups
            },
            Switch {
                line: 15,
                enabled: false,
                what: RemoveWhat::UnspecifiedElements
            },
        ]
    );
}

#[test]
fn properties_lines_as_java_reads_them() {
    // A continued line; separators `:` and blanks; escapes resolved once
    // by the properties reader, then again by the rule.
    let p = parse_anonymizer_script(
        "set.[0010,0010]PatientName=@always()\\\n    YES\nparam.A:1\nparam.B 2\n  param.C=a\\tb\\u00e9\n\
         set.[0010,0020]PatientID=@always()a\\\\,b\nkeep.group18\n",
    );
    assert_eq!(p.diagnostics, vec![]);
    assert_eq!(
        strip(&p.elements[0].script),
        script(vec![call(Function::Always, vec![], vec![]), text("YES")])
    );
    let params: Vec<(u32, &str, &str)> = p
        .params
        .iter()
        .map(|p| (p.line, p.name.as_str(), p.value.as_str()))
        .collect();
    assert_eq!(
        params,
        vec![(3, "A", "1"), (4, "B", "2"), (5, "C", "a\tb\u{e9}")]
    );
    // `a\\,b` is `a\,b` after the properties reader, `a,b` after the rule.
    assert_eq!(
        strip(&p.elements[1].script),
        script(vec![call(Function::Always, vec![], vec![]), text("a,b")])
    );
    assert_eq!(
        p.keep_groups,
        vec![Switch {
            line: 7,
            enabled: true,
            what: 0x0018
        }]
    );
}

#[test]
fn properties_positions_follow_continuations_and_escapes() {
    let p = parse_anonymizer_script(
        "set.[0010,0010]X=abc\\\n   @frob()\nset.[0010,0020]Y=\\u0041@frob()\n",
    );
    assert_eq!(
        positions(&p.diagnostics),
        vec![(2, 4, Error), (3, 24, Error)]
    );
    let Part::Call(c) = &p.elements[0].script.parts[1] else {
        panic!()
    };
    assert_eq!((c.line, c.column), (2, 4));
}

#[test]
fn properties_errors() {
    let p = parse_anonymizer_script("param.A=1\nparam.B=\\u12x\nparam.C=3\n");
    assert_eq!(only(&p.diagnostics, "uXXXX"), (2, 9, Error));
    assert_eq!(p.params.len(), 1, "CTP ignores the rest of the script");

    let p = parse_anonymizer_script("set.[PatientName]PatientName=@remove()\n");
    assert_eq!(
        only(&p.diagnostics, "keywords are not supported"),
        (1, 1, Error)
    );
    assert!(p.elements.is_empty());

    let p = parse_anonymizer_script("remove.privategroup=\nkeep.groupXYZ=\nkeep.safe=\nfoo=bar\n");
    assert_eq!(
        positions(&p.diagnostics),
        vec![(1, 1, Error), (2, 1, Error), (3, 1, Error), (4, 1, Warning)]
    );
    assert!(p.remove.is_empty() && p.keep_groups.is_empty() && p.keep_safe_private.is_none());

    let p = parse_anonymizer_script(
        "set.[0009[GEMS_IDEN_01]04]X=@keep()\nset.[0009,[CTP]10]Y=@keep()\nset.[00100010]Z=@keep()\nset.[0010[CTP]10]W=@keep()\n",
    );
    assert_eq!(only(&p.diagnostics, "even"), (4, 1, Error));
    let tags: Vec<&ScriptTag> = p.elements.iter().map(|e| &e.tag).collect();
    assert_eq!(
        tags,
        vec![
            &ScriptTag::Private {
                group: 0x0009,
                creator: "GEMS_IDEN_01".to_owned(),
                element: 0x04
            },
            &ScriptTag::Private {
                group: 0x0009,
                creator: "CTP".to_owned(),
                element: 0x10
            },
            &tag(0x0010, 0x0010),
        ]
    );
}

// ----- rule text -----

#[test]
fn calls_and_arguments() {
    assert_eq!(
        rule("@if(this,contains,\"a,b\"){@remove()}{@keep()}"),
        (
            script(vec![call(
                Function::If,
                vec![Arg::This, bare("contains"), quoted("a,b")],
                vec![
                    script(vec![call(Function::Remove, vec![], vec![])]),
                    script(vec![call(Function::Keep, vec![], vec![])]),
                ]
            )]),
            vec![]
        )
    );
    assert_eq!(
        rule("@value([0010,0020], (a,b) ,\"\", @X)").0,
        script(vec![call(
            Function::Value,
            vec![bare("[0010,0020]"), bare("(a,b)"), quoted(""), param("X")],
            vec![]
        )])
    );
    // Escapes in text and in arguments; an empty last argument is dropped,
    // an empty first one is not.
    assert_eq!(
        rule("a\\@b\\\\c@uppercase(a\\,b\\)c)").0,
        script(vec![
            text("a@b\\c"),
            call(Function::Uppercase, vec![bare("a,b)c")], vec![])
        ])
    );
    assert_eq!(
        rule("@value(this,)@value(,this)").0,
        script(vec![
            call(Function::Value, vec![Arg::This], vec![]),
            call(Function::Value, vec![bare(""), Arg::This], vec![]),
        ])
    );
    // Blanks in the name are removed, as CTP does.
    assert_eq!(
        rule("@ hash uid (@UIDROOT, this )").0,
        script(vec![call(
            Function::HashUid,
            vec![param("UIDROOT"), Arg::This],
            vec![]
        )])
    );
    // `@select` with its two clauses; clauses are trimmed.
    assert_eq!(
        rule("@select(){ @remove() } {@empty()}x").0,
        script(vec![
            call(
                Function::Select,
                vec![],
                vec![
                    script(vec![call(Function::Remove, vec![], vec![])]),
                    script(vec![call(Function::Empty, vec![], vec![])]),
                ]
            ),
            text("x"),
        ])
    );
    // Leading blanks of the rule are CTP's to trim; escaped ones stay.
    assert_eq!(rule("  \\ a b  ").0, script(vec![text(" a b")]));
}

#[test]
fn calls_positions() {
    let (s, d) = Script::parse("ab\n  x@keep()@if(this,isblank){\n@remove()}{}");
    assert_eq!(d, vec![]);
    let mut found = Vec::new();
    fn walk(s: &Script, out: &mut Vec<(u32, u32)>) {
        for p in &s.parts {
            if let Part::Call(c) = p {
                out.push((c.line, c.column));
                c.clauses.iter().for_each(|c| walk(c, out));
            }
        }
    }
    walk(&s, &mut found);
    assert_eq!(found, vec![(2, 4), (2, 11), (3, 1)]);
}

#[test]
fn rule_text_errors() {
    // A lone `@`: CTP stops reading; what came before is kept.
    let (s, d) = rule("abc@def");
    assert_eq!(
        (s, only(&d, "stops reading")),
        (script(vec![text("abc")]), (1, 4, Error))
    );

    let (s, d) = rule("x@hash(this");
    assert_eq!(
        (s, only(&d, "not closed")),
        (script(vec![text("x")]), (1, 2, Error))
    );

    let (s, d) = rule("@hash(\"this)");
    assert_eq!((s, only(&d, "not closed")), (script(vec![]), (1, 1, Error)));

    let (s, d) = rule("@frobnicate(this)x");
    assert_eq!(only(&d, "unknown function @frobnicate"), (1, 1, Error));
    assert_eq!(
        s,
        script(vec![
            call(
                Function::Unknown("frobnicate".to_owned()),
                vec![Arg::This],
                vec![]
            ),
            text("x")
        ])
    );

    let (s, d) = rule("a\\");
    assert_eq!(
        (s, only(&d, "escapes nothing")),
        (script(vec![text("a")]), (1, 2, Error))
    );

    // An unclosed clause: empty, and CTP ignores the rest.
    let (s, d) = rule("@append(){abc @keep()");
    assert_eq!(only(&d, "not closed"), (1, 10, Error));
    assert_eq!(
        s,
        script(vec![call(
            Function::Append,
            vec![],
            vec![Script::default()]
        )])
    );

    // Text where a clause should be: the clause is empty, the text dropped.
    let (s, d) = rule("@if(this,isblank) x{y}");
    assert_eq!(only(&d, "expects a clause"), (1, 19, Error));
    assert_eq!(
        s,
        script(vec![call(
            Function::If,
            vec![Arg::This, bare("isblank")],
            vec![Script::default(), Script::default()]
        )])
    );
}

#[test]
fn rule_text_lints() {
    // A missing last clause with nothing after it: empty, as CTP.
    let (s, d) = rule("@if(this,isblank){@remove()}");
    assert_eq!(only(&d, "has 1 clause(s), not 2"), (1, 1, Warning));
    assert_eq!(
        s,
        script(vec![call(
            Function::If,
            vec![Arg::This, bare("isblank")],
            vec![
                script(vec![call(Function::Remove, vec![], vec![])]),
                Script::default()
            ]
        )])
    );

    let (s, d) = rule("@keep(){x}");
    assert_eq!(only(&d, "reads this as text"), (1, 8, Warning));
    assert_eq!(
        s,
        script(vec![call(Function::Keep, vec![], vec![]), text("{x}")])
    );

    let (_, d) = rule("YES@always()");
    assert_eq!(only(&d, "@always()"), (1, 4, Warning));
    let (_, d) = rule("@always ()YES");
    assert_eq!(only(&d, "@always()"), (1, 1, Warning));
    let (_, d) = rule("@always()@always()");
    assert_eq!(only(&d, "@always()"), (1, 10, Warning));

    let (_, d) = rule("@param(SITEID)");
    assert_eq!(only(&d, "@SITEID"), (1, 1, Warning));
}

#[test]
fn deep_clauses_are_cut_off() {
    let depth = 100;
    let text = format!("{}x{}", "@append(){".repeat(depth), "}".repeat(depth));
    let (s, d) = Script::parse(&text);
    assert_eq!(only(&d, "nested more than 64"), (1, 64 * 10 + 1, Error));
    let mut level = 0;
    let mut current = &s;
    while let Some(Part::Call(c)) = current.parts.first() {
        level += 1;
        current = &c.clauses[0];
    }
    assert_eq!((level, current.is_empty()), (64, true));
}

#[test]
fn long_rules_stay_fast() {
    // Linear in the length: these would take minutes if quadratic.
    let many_calls = "@keep()".repeat(100_000);
    assert_eq!(Script::parse(&many_calls).0.parts.len(), 100_000);
    let nested = format!("{}{}", "@if(a,b){".repeat(50_000), "}".repeat(50_000));
    assert!(has_errors(&Script::parse(&nested).1));
    let arguments = format!("@value({})", "[(\"a\",".repeat(100_000));
    assert!(has_errors(&Script::parse(&arguments).1));
    let xml_rules = format!(
        "<script>{}</script>",
        "<e en=\"T\" t=\"00100010\" n=\"x\">@keep()&amp;</e>".repeat(20_000)
    );
    assert_eq!(parse_anonymizer_script(&xml_rules).elements.len(), 20_000);
}

// ----- XML items and errors -----

#[test]
fn xml_items() {
    let s = xml(concat!(
        " <p t=\"A\"> x </p>\n",
        " <e en=\"T\" t=\"0009[GEMS_IDEN_01]04\" n=\"Private\">@remove()</e>\n",
        " <e en=\"T\" t=\"[0010,0020]\" n=\"PatientID\">@hash(this,@A)</e>\n",
        " <k en=\"T\" t=\"safeprivateelements\"/>\n",
        " <k en=\"T\" t=\"18\"/>\n",
        " <r en=\"T\" t=\"overlays\"/>\n",
    ));
    assert_eq!(only(&s.diagnostics, "bracketed"), (4, 15, Warning));
    assert_eq!(s.params[0].value, " x ");
    assert_eq!(
        s.elements[0].tag,
        ScriptTag::Private {
            group: 9,
            creator: "GEMS_IDEN_01".to_owned(),
            element: 4
        }
    );
    assert_eq!(s.elements[1].tag, tag(0x0010, 0x0020));
    assert_eq!(
        s.keep_safe_private.map(|k| (k.line, k.enabled)),
        Some((5, true))
    );
    assert_eq!(
        s.keep_groups.iter().map(|k| k.what).collect::<Vec<_>>(),
        vec![0x18]
    );
    assert_eq!(
        s.remove.iter().map(|r| r.what).collect::<Vec<_>>(),
        vec![RemoveWhat::Overlays]
    );
}

#[test]
fn xml_item_errors() {
    let s = xml(concat!(
        " <e en=\"T\" t=\"0010001\">@keep()</e>\n",
        " <e en=\"T\">@keep()</e>\n",
        " <e en=\"Y\" t=\"00100010\">@keep()</e>\n",
        " <e t=\"00100020\">@keep()</e>\n",
        " <r en=\"T\" t=\"privategroup\"/>\n",
        " <k en=\"T\" t=\"XYZ\"/>\n",
        " <x/>\n",
        " stray\n",
        " <p>1</p>\n",
        " <e en=\"T\" t=\"0010[CTP]10\">@keep()</e>\n",
    ));
    assert_eq!(
        positions(&s.diagnostics),
        vec![
            (2, 15, Error),
            (3, 2, Error),
            (4, 9, Warning),
            (5, 2, Warning),
            (6, 15, Error),
            (7, 15, Error),
            (8, 2, Warning),
            (9, 2, Warning),
            (10, 2, Error),
            (11, 15, Error),
        ]
    );
    // The two with a bad or missing `en` are kept, disabled.
    let kept: Vec<(u32, bool)> = s.elements.iter().map(|e| (e.line, e.enabled)).collect();
    assert_eq!(kept, vec![(4, false), (5, false)]);
    assert!(s.remove.is_empty() && s.keep_groups.is_empty() && s.params.is_empty());
}

#[test]
fn xml_structure_errors() {
    let s = parse_anonymizer_script("<script>\n <e en=\"T\" t=\"00100010\">@keep()\n</script>\n");
    assert_eq!(
        only(&s.diagnostics, "expected 'e' tag, not 'script'"),
        (3, 1, Error)
    );
    assert!(s.elements.is_empty());

    let s = parse_anonymizer_script("<script>\n <e en=\"T\" t=\"00100010\">@keep()</e>\n");
    assert_eq!(only(&s.diagnostics, "not well-formed"), (3, 1, Error));

    let s = parse_anonymizer_script("<?xml version=\"1.0\"?>\n<!DOCTYPE script>\n<script/>");
    assert_eq!(only(&s.diagnostics, "DOCTYPE"), (2, 1, Error));

    let s = parse_anonymizer_script(
        "<anonymizer>\n <e en=\"T\" t=\"00100010\">@keep()</e>\n</anonymizer>",
    );
    assert_eq!(only(&s.diagnostics, "not <script>"), (1, 1, Warning));
    assert_eq!(s.elements.len(), 1);

    // CTP's test finds a `<` at the start of any line.
    let s = parse_anonymizer_script("param.A=1\n  <b>\n");
    assert_eq!(s.form, ScriptForm::Xml);
    assert_eq!(
        only(&s.diagnostics, "line 2 starts with `<`"),
        (1, 1, Error)
    );

    // A byte order mark is skipped; positions are counted after it.
    let s = parse_anonymizer_script("\u{feff}<script><e en=\"T\" t=\"00100010\">@x()</e></script>");
    assert_eq!(s.form, ScriptForm::Xml);
    assert_eq!(only(&s.diagnostics, "unknown function"), (1, 32, Error));
}

#[test]
fn xml_positions_inside_rules() {
    // Entities, character references, CDATA, comments and `\r\n` make the
    // decoded rule differ from the source; positions are the source's.
    let cases = [
        "<e en=\"T\" t=\"00100010\">A&amp;&#233;&lt; @frob()</e>",
        "<e en=\"T\" t=\"00100010\"><![CDATA[a<b]]>&#x41;<!-- c --> @frob()</e>",
        "<e en=\"T\" t=\"00100010\">a<?pi x?>b<i>c</i>d @frob()</e>",
    ];
    for case in cases {
        let s = xml(&format!(" {case}\n"));
        let column = case.find("@frob").unwrap() + 2;
        let errors: Vec<(u32, u32)> = s
            .diagnostics
            .iter()
            .filter(|d| d.severity == Error)
            .map(|d| (d.line, d.column))
            .collect();
        assert_eq!(errors, vec![(2, column as u32)], "{case}");
    }
    let s = parse_anonymizer_script(
        "<script>\r\n <e en=\"T\" t=\"00100010\">a\r\n  b\r\n  @frob()</e>\r\n</script>\r\n",
    );
    assert_eq!(only(&s.diagnostics, "unknown function"), (4, 3, Error));
    assert_eq!(strip(&s.elements[0].script).parts[0], text("a\n  b\n  "));
}

#[test]
fn xml_lints() {
    let s = xml(concat!(
        " <p t=\"A\">1</p>\n",
        " <p t=\"A\">2</p>\n",
        " <e en=\"T\" t=\"00100010\" n=\"PatientName\">@hash(this,@B)</e>\n",
        " <e en=\"T\" t=\"00100010\" n=\"PatientName\">@keep()</e>\n",
        " <e en=\"T\" t=\"00100010\" n=\"Name\">@keep()</e>\n",
        " <e en=\"F\" t=\"00100020\">@hash(this,@C)</e>\n",
        " <e en=\"T\" t=\"00100030\"></e>\n",
    ));
    assert_eq!(
        positions(&s.diagnostics),
        vec![
            (3, 2, Warning),
            (4, 52, Warning),
            (5, 2, Warning),
            (6, 2, Warning),
            (8, 2, Warning),
        ]
    );
    let messages: Vec<&str> = s.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert!(messages[0].contains("defined again"));
    assert!(messages[1].contains("@B is not defined"));
    assert!(messages[2].contains("uses this one"));
    assert!(messages[3].contains("unpredictable"));
    assert!(messages[4].contains("no text"));
}

// ----- the text form -----

#[test]
fn display_escapes() {
    let s = script(vec![
        text(" a@b\\{c}"),
        call(
            Function::Value,
            vec![
                bare("x,y)"),
                quoted("p,q)"),
                param("N"),
                bare("(a,b)"),
                bare(""),
            ],
            vec![],
        ),
        call(
            Function::If,
            vec![Arg::This, bare("isblank")],
            vec![Script::default(), script(vec![text("\tz")])],
        ),
    ]);
    let written = s.to_string();
    assert_eq!(
        written,
        "\\ a\\@b\\\\{c}@value(x\\,y\\),\"p,q)\",@N,(a,b),\\ )@if(this,isblank){}{\\\tz}"
    );
    assert_eq!(rule(&written), (s, vec![]));
    assert_eq!(tag(0x0010, 0x0010).to_string(), "(0010,0010)");
    assert_eq!(
        ScriptTag::Private {
            group: 0x0009,
            creator: "GEMS_IDEN_01".to_owned(),
            element: 0x4
        }
        .to_string(),
        "(0009,{GEMS_IDEN_01}04)"
    );
}

// ----- properties -----

/// Characters that matter to rule text, and a few that do not.
const RULE_CHARS: &[char] = &[
    'a', 'b', ' ', '\t', '@', '\\', ',', '(', ')', '{', '}', '"', '[', ']', 'é', '\u{3000}',
    '\u{1}',
];

fn some_text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(RULE_CHARS), 1..6)
        .prop_map(|chars| chars.into_iter().collect())
}

/// The text CTP's argument scanner keeps for an argument.
fn arg_text(arg: &Arg) -> String {
    match arg {
        Arg::This => "this".to_owned(),
        Arg::Param(name) => format!("@{name}"),
        Arg::Quoted(text) => format!("\"{text}\""),
        Arg::Bare(text) => text.clone(),
    }
}

/// Arguments the parser can produce: they read back as themselves and
/// leave nothing open (no braces: clauses count them).
fn some_arg() -> impl Strategy<Value = Arg> {
    let chars = prop::collection::vec(
        prop::sample::select(
            RULE_CHARS
                .iter()
                .copied()
                .filter(|c| !matches!(c, '{' | '}'))
                .collect::<Vec<_>>(),
        ),
        0..5,
    )
    .prop_map(|chars| chars.into_iter().collect::<String>());
    prop_oneof![
        Just(Arg::This),
        chars.clone().prop_map(Arg::Param),
        chars.clone().prop_map(Arg::Quoted),
        chars.prop_map(Arg::Bare),
    ]
    .prop_filter("not a parser output", |arg| {
        let text = arg_text(arg);
        let mut state = ArgState::default();
        text.chars().for_each(|c| state.take(c));
        state.at_level_zero() && classify(&text) == *arg
    })
}

fn some_function() -> impl Strategy<Value = Function> {
    prop::sample::select(vec![
        "always", "append", "hash", "hashuid", "if", "keep", "select", "value", "frob",
    ])
    .prop_map(Function::from_name)
}

/// Any script, with any clause counts; [`representable`] makes it one the
/// text form can hold.
fn some_script() -> impl Strategy<Value = Script> {
    let leaf = prop::collection::vec(some_text().prop_map(Part::Text), 0..3).prop_map(script);
    leaf.prop_recursive(3, 32, 4, |inner| {
        let part = prop_oneof![
            some_text().prop_map(Part::Text),
            (
                some_function(),
                prop::collection::vec(some_arg(), 0..4),
                prop::collection::vec(inner, 0..3)
            )
                .prop_map(|(function, args, clauses)| Part::Call(Call {
                    line: 0,
                    column: 0,
                    function,
                    args,
                    clauses,
                })),
        ];
        prop::collection::vec(part, 0..5).prop_map(script)
    })
}

/// `script` changed into one the text form can hold: no braces in clause
/// text, adjacent texts merged, no empty text, no blank at the end, each
/// call with its function's number of clauses.
fn representable(script: &Script, in_clause: bool) -> Script {
    let mut parts: Vec<Part> = Vec::new();
    for part in &script.parts {
        match part {
            Part::Text(t) => {
                let t: String = t
                    .chars()
                    .filter(|c| !(in_clause && matches!(c, '{' | '}')))
                    .collect();
                match parts.last_mut() {
                    Some(Part::Text(last)) => last.push_str(&t),
                    _ if !t.is_empty() => parts.push(Part::Text(t)),
                    _ => {}
                }
            }
            Part::Call(c) => {
                let mut clauses: Vec<Script> =
                    c.clauses.iter().map(|s| representable(s, true)).collect();
                clauses.resize(c.function.clause_count(), Script::default());
                parts.push(Part::Call(Call {
                    clauses,
                    ..c.clone()
                }));
            }
        }
    }
    if let Some(Part::Text(last)) = parts.last_mut() {
        last.truncate(last.trim_end_matches(|c| c <= ' ').len());
        if last.is_empty() {
            parts.pop();
        }
    }
    Script { parts }
}

/// Hostile rule text: the constructs, in any order.
fn some_rule_text() -> impl Strategy<Value = String> {
    let token = prop::sample::select(vec![
        "@if(",
        "@append()",
        "@select(",
        "@keep()",
        "@value(",
        "@frob(",
        "@",
        "{",
        "}",
        "\\",
        ",",
        ")",
        "(",
        "\"",
        "[",
        "]",
        " ",
        "a",
        "this",
        "@X",
        "\u{3000}",
        "\t",
        "\n",
        "é",
    ]);
    prop::collection::vec(token, 0..40).prop_map(|tokens| tokens.concat())
}

/// Rule text that mostly reads without errors: text, escapes, calls with
/// awkward arguments, and clauses nesting them.
fn mostly_good_rule_text() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        6 => prop::sample::select(vec![
            "a", " ", "\t", "é", "\u{3000}", "\\@", "\\\\", "\\{", "\\}", ",", ")", "(", "\"",
            "[", "]", "\\\u{3000}", "\\ ", "\\,", "@keep()", "@always()", "@X", "this",
            "@value( a , \"x,y)\" ,[1,)], (p,q), @X,)", "@value(,)", "@value(\\ ,b\\))",
            "@hash(this\\,\\\u{3000}x)", "@ hash uid (@UIDROOT,this)",
        ]),
        1 => prop::sample::select(vec!["{", "}", "@", "\\"]),
    ]
    .prop_map(str::to_owned);
    atom.prop_recursive(3, 48, 6, |inner| {
        let many = prop::collection::vec(inner, 0..6).prop_map(|parts| parts.concat());
        prop_oneof![
            many.clone(),
            (many.clone(), many.clone())
                .prop_map(|(a, b)| format!("@if(this,isblank){{{a}}} {{{b}}}")),
            (many.clone(), many.clone()).prop_map(|(a, b)| format!("@select(){{{a}}}{{{b}}}")),
            many.prop_map(|a| format!("@append(){{{a}}}")),
        ]
    })
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(Index, usize),
    Insert(Index, char),
    Duplicate(Index, usize),
    Truncate(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let a_char = prop_oneof![
        3 => prop::sample::select(vec!['<', '>', '/', '"', '=', '&', ';', '@', '(', ')', '{', '}', '\\', '\n', '\r', ' ', 'e', 'T', '1', '[', ']', '#', '!', '\u{feff}', 'é']),
        1 => any::<char>(),
    ];
    prop_oneof![
        3 => (any::<Index>(), 1..40usize).prop_map(|(i, n)| Mutation::Delete(i, n)),
        3 => (any::<Index>(), a_char).prop_map(|(i, c)| Mutation::Insert(i, c)),
        2 => (any::<Index>(), 1..200usize).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
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

/// What holds for any input: positions inside the text (after a byte
/// order mark), diagnostics in order, lines of items in range.
fn check(text: &str, s: &AnonymizerScript) -> Result<(), TestCaseError> {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = body.split('\n').collect();
    let in_text = |line: u32, column: u32| {
        line >= 1
            && (line as usize) <= lines.len()
            && column >= 1
            && (column as usize) <= lines[line as usize - 1].chars().count() + 1
    };
    for d in &s.diagnostics {
        prop_assert!(in_text(d.line, d.column), "{d} outside the text");
        prop_assert!(!d.message.is_empty());
    }
    prop_assert!(
        s.diagnostics
            .windows(2)
            .all(|w| (w[0].line, w[0].column) <= (w[1].line, w[1].column))
    );
    fn calls(s: &Script, out: &mut Vec<(u32, u32)>) {
        for p in &s.parts {
            if let Part::Call(c) = p {
                out.push((c.line, c.column));
                c.clauses.iter().for_each(|c| calls(c, out));
            }
        }
    }
    for e in &s.elements {
        prop_assert!(in_text(e.line, 1));
        let mut found = Vec::new();
        calls(&e.script, &mut found);
        for (line, column) in found {
            prop_assert!(
                in_text(line, column),
                "call at {line}:{column} outside the text"
            );
            prop_assert!(line >= e.line);
        }
    }
    for line in s
        .params
        .iter()
        .map(|p| p.line)
        .chain(s.keep_groups.iter().map(|k| k.line))
        .chain(s.remove.iter().map(|r| r.line))
    {
        prop_assert!(in_text(line, 1));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    /// The text form of a script reads back as the same script.
    #[test]
    fn display_round_trips(s in some_script()) {
        let s = representable(&s, false);
        let written = s.to_string();
        let (again, _) = rule(&written);
        prop_assert_eq!(again, s, "{}", written);
    }

    /// Whatever the parser returns without errors, its text form reads
    /// back the same, without errors.
    #[test]
    fn parsed_rules_round_trip(text in mostly_good_rule_text()) {
        let (s, d) = rule(&text);
        let written = s.to_string();
        let (again, d_again) = rule(&written);
        if !has_errors(&d) {
            prop_assert!(!has_errors(&d_again), "{written:?}: {d_again:?}");
            prop_assert_eq!(again, s, "{:?}", written);
        }
    }

    #[test]
    fn rule_text_never_panics(text in some_rule_text()) {
        let xml = format!(
            "<script><e en=\"T\" t=\"00100010\">{}</e></script>",
            text.replace('&', "&amp;").replace('<', "&lt;")
        );
        check(&xml, &parse_anonymizer_script(&xml))?;
        let properties = format!("set.[0010,0010]X={}", text.replace('\n', " "));
        check(&properties, &parse_anonymizer_script(&properties))?;
    }

    #[test]
    fn any_text_never_panics(text in any::<String>()) {
        let s = parse_anonymizer_script(&text);
        check(&text, &s)?;
    }

    #[test]
    fn mutated_stock_never_panics(mutations in prop::collection::vec(mutation(), 1..8)) {
        let text = apply(&STOCK, &mutations);
        let s = parse_anonymizer_script(&text);
        check(&text, &s)?;
    }

    #[test]
    fn mutated_properties_never_panic(mutations in prop::collection::vec(mutation(), 1..12)) {
        let text = apply(PROPERTIES, &mutations);
        let s = parse_anonymizer_script(&text);
        check(&text, &s)?;
    }
}
