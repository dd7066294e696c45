//! The built-in knowledge base: CTP's stock DicomPixelAnonymizer.script.

use gantry_ctp::Operand;
use gantry_redact::{KnowledgeBase, Origin, Placement, Rect, Region};

/// A lookup over keyword → value pairs.
fn attributes(pairs: &[(&str, &str)]) -> impl Fn(&Operand) -> Option<String> + use<> {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |op: &Operand| {
        let keyword = op.as_keyword()?;
        pairs
            .iter()
            .find(|(k, _)| k == keyword)
            .map(|(_, v)| v.clone())
    }
}

#[test]
fn builtin_has_the_52_stock_signatures() {
    let kb = KnowledgeBase::builtin();
    assert_eq!(kb.rules().len(), 52);
    assert_eq!(kb.diagnostics(), []);
    let regions: usize = kb.rules().iter().map(|r| r.regions.len()).sum();
    assert_eq!(regions, 62);
    // Parsed once: the same instance every time.
    assert!(std::ptr::eq(kb, KnowledgeBase::builtin()));
    // Origins name the script line of each signature's `{`, in order.
    assert_eq!(
        kb.rules()[0].origin,
        Origin::Script {
            script: "DicomPixelAnonymizer.script".to_owned(),
            line: 22
        }
    );
    let lines: Vec<u32> = kb
        .rules()
        .iter()
        .map(|r| match &r.origin {
            Origin::Script { line, .. } => *line,
            Origin::Config { .. } => panic!("a config origin in the knowledge base"),
        })
        .collect();
    assert!(lines.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn builtin_is_the_stock_script_byte_for_byte() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/ctp/DicomPixelAnonymizer.script");
    // The shared folder sits beside the repository in development; CI has
    // it too. Without it there is nothing to compare.
    if let Ok(stock) = std::fs::read_to_string(&shared) {
        assert_eq!(KnowledgeBase::builtin_script(), stock);
    }
}

#[test]
fn philips_iu22_geometries_get_their_own_zones() {
    let kb = KnowledgeBase::builtin();
    let iu22 = |rows: &str| {
        attributes(&[
            ("Manufacturer", "Philips Medical Systems"),
            ("ManufacturerModelName", "iU22"),
            ("Modality", "US"),
            ("Rows", rows),
        ])
    };
    let small = kb.first_match(&iu22("480")).unwrap();
    let large = kb.first_match(&iu22("768")).unwrap();
    assert_eq!(
        small.origin.to_string(),
        "CTP DicomPixelAnonymizer.script line 150"
    );
    assert_eq!(
        large.origin.to_string(),
        "CTP DicomPixelAnonymizer.script line 155"
    );
    let ctp = |x, y, w, h| Region::from_ctp(gantry_ctp::Region { x, y, w, h }).unwrap();
    assert_eq!(small.regions, [ctp(0, 0, 640, 47)]);
    assert_eq!(large.regions, [ctp(0, 0, 1024, 75)]);
    assert_eq!(
        small.regions[0].place(480, 640),
        Placement::Inside(Rect {
            rows: 0..47,
            columns: 0..640
        })
    );
    assert_eq!(
        large.regions[0].place(768, 1024),
        Placement::Inside(Rect {
            rows: 0..75,
            columns: 0..1024
        })
    );
    // A geometry the script does not know matches nothing.
    assert_eq!(kb.first_match(&iu22("1080")).map(|r| &r.origin), None);
}

#[test]
fn first_match_wins_in_script_order() {
    // An ADAC dual-detector image matches the signatures on lines 361 and
    // 366; CTP (and Gantry) take the first.
    let kb = KnowledgeBase::builtin();
    let lookup = |op: &Operand| match op.path.as_slice() {
        [gantry_ctp::Element::Keyword(k)] if k == "Manufacturer" => Some("ADAC".to_owned()),
        [gantry_ctp::Element::Keyword(k)] if k == "Rows" => Some("832".to_owned()),
        [gantry_ctp::Element::Keyword(k)] if k == "Columns" => Some("1024".to_owned()),
        [
            gantry_ctp::Element::Tag {
                group: 0x0018,
                element: 0x1030,
            },
        ] => Some("DUAL DETECTOR".to_owned()),
        _ => None,
    };
    let rule = kb.first_match(&lookup).unwrap();
    assert_eq!(
        rule.origin.to_string(),
        "CTP DicomPixelAnonymizer.script line 361"
    );
    assert!(kb.first_match(&|_| None).is_none());
}

#[test]
fn other_scripts_load_with_their_name_and_diagnostics() {
    let kb = KnowledgeBase::from_script(
        "site.script",
        "Ours\n{ Modality.equals(\"US\") }\n(0,0,10,10) (-5,-5,5,5)\n{ Bad.nope(\"x\") }\n",
    );
    assert_eq!(kb.rules().len(), 1);
    assert_eq!(kb.rules()[0].origin.to_string(), "CTP site.script line 2");
    assert_eq!(kb.rules()[0].regions.len(), 2);
    assert_eq!(kb.diagnostics().len(), 1);
    assert_eq!(kb.diagnostics()[0].line, 4);
}
