//! Unit tests of audit findings: masked previews, the text heuristics and
//! burned-in annotation, and that no raw value ever reaches a finding.

use super::*;
use crate::keys::{Keyring, ProjectKey};
use crate::plan::{Policy, Subject, plan};
use crate::private::PrivatePolicy;
use crate::profile::{Profile, ProfileOption};
use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue};

const CT: &str = "1.2.840.10008.5.1.4.1.1.2";
const US: &str = "1.2.840.10008.5.1.4.1.1.6.1";
const PATIENT_KEY: &str = "id:PAT001\u{1f}";

fn keyring() -> Keyring {
    ProjectKey::from_bytes([7u8; 32]).keyring()
}

fn identifiers() -> Identifiers {
    let mut ids = Identifiers::new();
    ids.add_patient_name("Doe^John");
    ids.add_patient_id("PAT001");
    ids.add_birth_date("19700101");
    ids
}

fn el(tag: Tag, vr: VR, value: &str) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, vr, PrimitiveValue::from(value))
}

fn sq(tag: Tag, items: Vec<InMemDicomObject>) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::SQ, DataSetSequence::from(items))
}

fn header_of(sop_class: &str, elements: Vec<DataElement<InMemDicomObject>>) -> InMemDicomObject {
    let mut header = InMemDicomObject::from_element_iter(elements);
    header.put(el(tags::SOP_CLASS_UID, VR::UI, sop_class));
    header
}

fn findings_with(header: &InMemDicomObject, policy: &Policy, redaction_rule: bool) -> Vec<Finding> {
    let ids = identifiers();
    let subject = Subject {
        patient_key: PATIENT_KEY,
        patient_id: Some("PAT001"),
        identifiers: &ids,
    };
    let plan = plan(header, policy, &keyring(), &subject).expect("plan");
    let context = InspectContext {
        identifiers: &ids,
        redaction_rule,
    };
    inspect(header, &plan, &context)
}

fn findings(header: &InMemDicomObject) -> Vec<Finding> {
    findings_with(header, &Policy::default(), false)
}

fn at<'f>(findings: &'f [Finding], path: &str, rule: &str) -> Vec<&'f Finding> {
    findings
        .iter()
        .filter(|f| f.path == path && f.rule == rule)
        .collect()
}

fn one<'f>(findings: &'f [Finding], path: &str, rule: &str) -> &'f Finding {
    let found = at(findings, path, rule);
    assert_eq!(found.len(), 1, "{path} {rule}: {findings:#?}");
    found[0]
}

/// No finding field holds any of `secrets`.
fn assert_no_raw_values(findings: &[Finding], secrets: &[&str]) {
    for finding in findings {
        for field in [
            &finding.path,
            &finding.tag,
            &finding.rule,
            &finding.action,
            &finding.preview,
        ] {
            for secret in secrets {
                assert!(
                    !field.contains(secret),
                    "{secret:?} leaked into a finding: {finding:?}"
                );
            }
        }
    }
}

#[test]
fn removed_and_replaced_elements_carry_masked_previews() {
    let header = header_of(
        CT,
        vec![
            el(tags::PATIENT_NAME, VR::PN, "Doe^John"),
            el(tags::PATIENT_ID, VR::LO, "PAT001"),
            el(tags::PATIENT_AGE, VR::AS, "047Y"),
            el(tags::STUDY_DATE, VR::DA, "20200315"),
            el(tags::INSTITUTION_NAME, VR::LO, "General Hospital"),
            el(tags::STUDY_INSTANCE_UID, VR::UI, "1.2.3.4.5"),
        ],
    );
    let findings = findings(&header);
    let name = one(&findings, "(0010,0010)", "profile:Z");
    assert_eq!(name.tag, "(0010,0010)");
    assert_eq!(name.action, "replace");
    assert_eq!(name.preview, "D** J***, 8 chars");
    let id = one(&findings, "(0010,0020)", "profile:Z/D→Z");
    assert_eq!(id.preview, "P*****, 6 chars");
    let age = one(&findings, "(0010,1010)", "profile:X");
    assert_eq!(age.action, "remove");
    assert_eq!(age.preview, "0***, 4 chars");
    let date = one(&findings, "(0008,0020)", "profile:Z");
    assert_eq!(date.action, "empty");
    assert_eq!(date.preview, "2*******, 8 chars");
    let institution = one(&findings, "(0008,0080)", "profile:X/Z/D→X");
    assert_eq!(institution.preview, "G****** H*******, 16 chars");
    let uid = one(&findings, "(0020,000D)", "profile:U");
    assert_eq!(uid.action, "replace");
    assert_eq!(uid.preview, "1********, 9 chars");
    assert_no_raw_values(
        &findings,
        &[
            "Doe",
            "John",
            "PAT001",
            "047Y",
            "20200315",
            "General",
            "1.2.3.4.5",
        ],
    );
}

#[test]
fn nested_and_private_findings() {
    let header = header_of(
        CT,
        vec![
            el(Tag(0x0029, 0x0010), VR::LO, "ACME"),
            el(Tag(0x0029, 0x1001), VR::LO, "Scanner room 3"),
            sq(
                tags::REFERENCED_SERIES_SEQUENCE,
                vec![InMemDicomObject::from_element_iter([
                    el(tags::SERIES_INSTANCE_UID, VR::UI, "1.2.3.4.6"),
                    el(tags::IMAGE_COMMENTS, VR::LT, "Nothing to see"),
                ])],
            ),
            sq(
                tags::OTHER_PATIENT_I_DS_SEQUENCE,
                vec![
                    InMemDicomObject::from_element_iter([el(tags::PATIENT_ID, VR::LO, "X1")]),
                    InMemDicomObject::from_element_iter([el(tags::PATIENT_ID, VR::LO, "X2")]),
                ],
            ),
        ],
    );
    let findings = findings(&header);
    let private = one(&findings, "(0029,1001)", "private");
    assert_eq!(private.action, "remove");
    assert_eq!(private.preview, "S****** r*** 3, 14 chars");
    let creator = one(&findings, "(0029,0010)", "private");
    assert_eq!(creator.preview, "A***, 4 chars");
    let nested = one(&findings, "(0008,1115)[0].(0020,4000)", "profile:X");
    assert_eq!(nested.tag, "(0020,4000)");
    assert_eq!(nested.preview, "N****** t* s**, 14 chars");
    let uid = one(&findings, "(0008,1115)[0].(0020,000E)", "profile:U");
    assert_eq!(uid.tag, "(0020,000E)");
    let sequence = one(&findings, "(0010,1002)", "profile:X");
    assert_eq!(sequence.preview, "sequence, 2 items");
    assert_no_raw_values(&findings, &["Scanner", "Nothing", "1.2.3.4.6", "X1", "X2"]);
}

#[test]
fn the_patient_s_name_in_kept_free_text_is_one_finding() {
    // ContentDescription is not in Table E.1-1: the profile keeps it.
    let header = header_of(
        CT,
        vec![el(
            tags::CONTENT_DESCRIPTION,
            VR::LO,
            "Follow-up for John Doe",
        )],
    );
    let findings = findings(&header);
    let found = at(&findings, "(0070,0081)", "identifier-in-text");
    assert_eq!(found.len(), 1, "{findings:#?}");
    assert_eq!(found[0].tag, "(0070,0081)");
    assert_eq!(found[0].action, "replace");
    assert_eq!(found[0].preview, "F******** f** J*** D**, 22 chars");
    assert_no_raw_values(&findings, &["John", "Doe", "Follow"]);
}

#[test]
fn identifiers_in_text_are_found_at_any_depth_and_in_private_text() {
    let header = header_of(
        "1.2.840.10008.5.1.4.1.1.88.33",
        vec![
            sq(
                tags::CONTENT_SEQUENCE,
                vec![InMemDicomObject::from_element_iter([sq(
                    tags::CONTENT_SEQUENCE,
                    vec![InMemDicomObject::from_element_iter([el(
                        tags::TEXT_VALUE,
                        VR::UT,
                        "Patient PAT001 reports pain",
                    )])],
                )])],
            ),
            el(Tag(0x0031, 0x0010), VR::LO, "ACME"),
            DataElement::new(
                Tag(0x0031, 0x1001),
                VR::UN,
                PrimitiveValue::from(b"seen by Doe ".to_vec()),
            ),
        ],
    );
    let policy = Policy {
        private: PrivatePolicy::Keep(vec!["ACME".into()]),
        ..Policy::default()
    };
    let findings = findings_with(&header, &policy, false);
    let text = at(
        &findings,
        "(0040,A730)[0].(0040,A730)[0].(0040,A160)",
        "identifier-in-text",
    );
    assert_eq!(text.len(), 1, "{findings:#?}");
    assert_eq!(text[0].preview, "P****** P***** r****** p***, 27 chars");
    let private = one(&findings, "(0031,1001)", "identifier-in-text");
    assert_eq!(private.action, "replace");
    assert_eq!(private.preview, "s*** b* D**, 11 chars");
    assert_no_raw_values(&findings, &["PAT001", "Doe", "reports", "seen"]);
}

#[test]
fn previews_of_bytes_are_masked_text_or_a_size() {
    let header = header_of(
        CT,
        vec![
            el(Tag(0x0029, 0x0010), VR::LO, "ACME"),
            DataElement::new(
                Tag(0x0029, 0x1001),
                VR::UN,
                PrimitiveValue::from(b"Scanner room 3".to_vec()),
            ),
            DataElement::new(
                Tag(0x0029, 0x1002),
                VR::UN,
                PrimitiveValue::from(vec![0x01_u8, 0x02, 0xFF, 0x00]),
            ),
            DataElement::new(
                Tag(0x6000, 0x3000),
                VR::OB,
                PrimitiveValue::from(vec![0x00_u8, 0x01, 0x02, 0x03]),
            ),
        ],
    );
    let findings = findings(&header);
    assert_eq!(
        one(&findings, "(0029,1001)", "private").preview,
        "S****** r*** 3, 14 chars"
    );
    assert_eq!(one(&findings, "(0029,1002)", "private").preview, "4 bytes");
    assert_eq!(
        one(&findings, "(6000,3000)", "profile:X").preview,
        "4 bytes"
    );
}

#[test]
fn dates_in_text_are_findings() {
    let header = header_of(
        CT,
        vec![
            el(
                tags::CONTENT_DESCRIPTION,
                VR::LO,
                "Compared with 2021-03-04",
            ),
            el(tags::MANUFACTURER_MODEL_NAME, VR::LO, "Model 2000"),
        ],
    );
    let findings = findings(&header);
    let date = one(&findings, "(0070,0081)", "date-in-text");
    assert_eq!(date.action, "review");
    assert_eq!(date.preview, "C******* w*** 2*********, 24 chars");
    assert!(at(&findings, "(0008,1090)", "date-in-text").is_empty());
    assert_no_raw_values(&findings, &["2021-03-04", "Compared"]);
}

#[test]
fn burned_in_annotation_without_a_redaction_rule() {
    let flagged = header_of(
        CT,
        vec![
            el(tags::MODALITY, VR::CS, "CT"),
            el(tags::BURNED_IN_ANNOTATION, VR::CS, "YES"),
        ],
    );
    let flagged_findings = findings(&flagged);
    let burned = one(&flagged_findings, "(0028,0301)", "burned-in-annotation");
    assert_eq!(burned.tag, "(0028,0301)");
    assert_eq!(burned.action, "redact");
    assert_eq!(burned.preview, "BurnedInAnnotation=YES");
    // A redaction rule covers it: no finding.
    let covered = findings_with(&flagged, &Policy::default(), true);
    assert!(at(&covered, "(0028,0301)", "burned-in-annotation").is_empty());

    // Ultrasound without the flag: the modality is enough.
    let us = header_of(US, vec![el(tags::MODALITY, VR::CS, "US")]);
    let us_findings = findings(&us);
    let burned = one(&us_findings, "(0028,0301)", "burned-in-annotation");
    assert_eq!(burned.preview, "modality US");
    assert!(
        at(
            &findings_with(&us, &Policy::default(), true),
            "(0028,0301)",
            "burned-in-annotation"
        )
        .is_empty()
    );

    // CT with BurnedInAnnotation=NO: nothing to redact.
    let clean = header_of(
        CT,
        vec![
            el(tags::MODALITY, VR::CS, "CT"),
            el(tags::BURNED_IN_ANNOTATION, VR::CS, "NO"),
        ],
    );
    assert!(
        findings(&clean)
            .iter()
            .all(|f| f.rule != "burned-in-annotation")
    );
}

#[test]
fn findings_follow_the_active_options() {
    let header = header_of(
        CT,
        vec![
            el(tags::STUDY_DESCRIPTION, VR::LO, "CT for John Doe"),
            el(tags::STUDY_DATE, VR::DA, "20200315"),
        ],
    );
    let policy = Policy {
        profile: Profile::basic()
            .with_option(ProfileOption::CleanDescriptors)
            .with_option(ProfileOption::RetainLongitudinalFullDates),
        ..Policy::default()
    };
    let findings = findings_with(&header, &policy, false);
    let description = one(&findings, "(0008,1030)", "profile:C");
    assert_eq!(description.action, "replace");
    assert_eq!(description.preview, "C* f** J*** D**, 15 chars");
    // Kept dates are not findings.
    assert!(findings.iter().all(|f| f.path != "(0008,0020)"));
    assert_no_raw_values(&findings, &["John", "Doe", "20200315"]);
}

#[test]
fn a_clean_header_has_no_findings() {
    let header = header_of(
        CT,
        vec![
            el(tags::MODALITY, VR::CS, "CT"),
            el(tags::MANUFACTURER, VR::LO, "ACME"),
            el(tags::CONTENT_DESCRIPTION, VR::LO, "Axial 5mm"),
        ],
    );
    assert_eq!(findings(&header), Vec::<Finding>::new());
}

#[test]
fn paths_and_tags_are_written_as_dicom_core_displays_them() {
    use dicom_core::ops::{AttributeSelector, AttributeSelectorStep};
    for tag in [
        Tag(0, 0),
        Tag(0x0008, 0x1155),
        Tag(0xFFFE, 0xE00D),
        Tag(0x7FE0, 0x0010),
    ] {
        assert_eq!(tag_string(tag), tag.to_string());
    }
    let selector = AttributeSelector::new([
        AttributeSelectorStep::Nested {
            tag: Tag(0x0040, 0xA730),
            item: 0,
        },
        AttributeSelectorStep::Nested {
            tag: Tag(0x0040, 0xA730),
            item: 12,
        },
        AttributeSelectorStep::Tag(Tag(0x0040, 0xA160)),
    ])
    .expect("selector");
    assert_eq!(selector_string(&selector), selector.to_string());
    let top = AttributeSelector::from(tags::PATIENT_NAME);
    assert_eq!(selector_string(&top), top.to_string());
}
