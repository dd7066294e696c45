//! The converter on small scripts in both forms, and on the stock one.

use super::*;
use crate::config::UserAction;

const XML: &str = r#"<script>
 <p t="DATEINC">-30</p>
 <p t="SITE">Site 7</p>
 <e en="T" t="00080020" n="StudyDate">@incrementdate(this,@DATEINC)</e>
 <e en="T" t="00080021" n="SeriesDate">@incrementdate(this,-5)</e>
 <e en="T" t="00080080" n="InstitutionName">@param(@SITE)</e>
 <e en="T" t="00081030" n="StudyDescription">@if(this,isblank){@remove()}{@uppercase(this)}</e>
 <e en="T" t="00100010" n="PatientName"></e>
 <e en="F" t="00100020" n="PatientID">@keep()</e>
 <e en="T" t="00120062" n="PatientIdentityRemoved">@always()YES</e>
 <k en="T" t="0018">Keep group 0018</k>
 <k en="T" t="safeprivateelements">Keep safe private elements</k>
 <r en="T" t="privategroups">Remove private groups</r>
 <r en="T" t="unspecifiedelements">Remove unchecked elements</r>
</script>
"#;

const PROPERTIES: &str = "param.DATEINC=-30
param.SITE=Site 7
set.[0008,0020]StudyDate=@incrementdate(this,@DATEINC)
set.[0008,0021]SeriesDate=@incrementdate(this,-5)
set.[0008,0080]InstitutionName=@param(@SITE)
set.[0008,1030]StudyDescription=@if(this,isblank){@remove()}{@uppercase(this)}
set.[0010,0010]PatientName=
#set.[0010,0020]PatientID=@keep()
set.[0012,0062]PatientIdentityRemoved=@always()YES
keep.group0018=
keep.safeprivateelements=
remove.privategroups=
remove.unspecifiedelements=
";

fn converted(text: &str) -> Conversion {
    match import(text).expect("the converted config loads") {
        Imported::Anonymizer(conversion) => *conversion,
        Imported::Pixel(_) => panic!("read as a pixel script"),
    }
}

fn action(conversion: &Conversion, key: &str) -> Option<UserAction> {
    let tag: gantry_model::TagPath = key.parse().unwrap();
    conversion
        .config
        .phi_overrides()
        .iter()
        .find(|o| o.tag == tag)
        .map(|o| o.action.clone())
}

#[test]
fn rules_become_native_actions_where_they_can_and_ctp_rules_otherwise() {
    let c = converted(XML);
    assert_eq!(c.config.date_range(), (-30, -30));
    assert_eq!(action(&c, "(0008,0020)"), Some(UserAction::Shift));
    // Another increment than the first: kept as a CTP rule, exact.
    assert_eq!(
        action(&c, "(0008,0021)"),
        Some(UserAction::Ctp("@incrementdate(this,-5)".into()))
    );
    assert_eq!(
        action(&c, "(0008,0080)"),
        Some(UserAction::Replace("Site 7".into()))
    );
    assert_eq!(
        action(&c, "(0008,1030)"),
        Some(UserAction::Ctp(
            "@if(this,isblank){@remove()}{@uppercase(this)}".into()
        ))
    );
    // An enabled empty rule empties the element, as in CTP.
    assert_eq!(action(&c, "(0010,0010)"), Some(UserAction::Empty));
    // Disabled rules and stamped elements are not converted.
    assert_eq!(action(&c, "(0010,0020)"), None);
    assert_eq!(action(&c, "(0012,0062)"), None);
    assert!(c.config.strict());
    assert_eq!(
        c.config.private_policy(),
        &crate::config::PrivatePolicy::KeepSafe
    );
    assert_eq!(
        c.counts,
        ConversionCounts {
            rules: 6,
            native: 3,
            ctp: 2,
            dropped: 1,
            disabled: 1
        }
    );
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    let lines: Vec<(u32, &str)> = c
        .diagnostics
        .iter()
        .map(|d| (d.line, d.message.as_str()))
        .collect();
    assert!(
        lines
            .iter()
            .any(|(line, m)| *line == 10 && m.contains("Gantry writes this element itself")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|(line, m)| *line == 11 && m.starts_with("keep group 0018")),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|(line, m)| *line == 14 && m.contains("strict: true")),
        "{lines:?}"
    );
}

#[test]
fn both_forms_convert_to_the_same_config() {
    let xml = converted(XML);
    let properties = converted(PROPERTIES);
    assert_eq!(
        xml.config.canonical_json(),
        properties.config.canonical_json()
    );
    assert_eq!(xml.counts, properties.counts);
}

#[test]
fn pixel_scripts_are_not_mistaken_for_anonymizer_scripts() {
    let pixel = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/ctp/DicomPixelAnonymizer.script"
    ))
    .unwrap();
    assert!(!is_anonymizer_script(&pixel));
    assert!(is_anonymizer_script(XML));
    assert!(is_anonymizer_script(PROPERTIES));
    assert!(is_anonymizer_script("\u{feff}  <script/>"));
}

#[test]
fn the_stock_script_converts_without_errors() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/ctp/DicomAnonymizer.script"
    ))
    .unwrap();
    let c = converted(&text);
    assert!(!c.has_errors(), "{:#?}", c.diagnostics);
    assert_eq!(c.config.date_range(), (-3210, -3210));
    assert_eq!(
        action(&c, "(0010,0020)"),
        Some(UserAction::Ctp("@hash(this,10)".into()))
    );
    assert_eq!(
        action(&c, "(0054,0016)"),
        Some(UserAction::Ctp("@always()@process()".into()))
    );
    assert_eq!(
        c.counts.rules,
        c.counts.native + c.counts.ctp + c.counts.dropped
    );
    // Four stamped elements: PatientIdentityRemoved, DeidentificationMethod,
    // its code sequence and LongitudinalTemporalInformationModified.
    assert_eq!(c.counts.dropped, 4);
}
