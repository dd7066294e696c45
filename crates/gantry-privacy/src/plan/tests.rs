//! Unit tests of the de-identification planner: every action code, every
//! option column, the stamps, and the tricky corners (nested sequences, SR
//! content trees, private blocks, multi-valued elements, time zones,
//! invalid dates, references, character sets, class UIDs, overrides,
//! pseudonyms, UN elements, determinism). Expected values are written
//! out: what `apply` leaves in the header, and the rule of each op.

use super::*;
use crate::keys::ProjectKey;
use crate::normalize_un;
use dicom_core::chrono::{NaiveDate, TimeDelta};

const CT: &str = "1.2.840.10008.5.1.4.1.1.2";
const ENHANCED_CT: &str = "1.2.840.10008.5.1.4.1.1.2.1";
const PET: &str = "1.2.840.10008.5.1.4.1.1.128";
const XA: &str = "1.2.840.10008.5.1.4.1.1.12.1";
const COMPREHENSIVE_SR: &str = "1.2.840.10008.5.1.4.1.1.88.33";
const UNKNOWN_SOP_CLASS: &str = "1.2.3.4.5.6.7";
const VENDOR_SOP_CLASS: &str = "1.3.12.2.1107.5.9.1";
const PATIENT_KEY: &str = "id:PAT001\u{1f}";

// Retired (OtherPatientIDs) or repeating-group tags, spelled out.
const OTHER_PATIENT_IDS: Tag = Tag(0x0010, 0x1000);
const OVERLAY_ROWS: Tag = Tag(0x6000, 0x0010);
const OVERLAY_COLUMNS: Tag = Tag(0x6000, 0x0011);
const OVERLAY_DESCRIPTION: Tag = Tag(0x6000, 0x0022);
const OVERLAY_TYPE: Tag = Tag(0x6000, 0x0040);
const OVERLAY_DATA: Tag = Tag(0x6000, 0x3000);
const OVERLAY_COMMENTS: Tag = Tag(0x6000, 0x4000);

// ---------------------------------------------------------------- helpers

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

fn multi(tag: Tag, vr: VR, values: &[&str]) -> DataElement<InMemDicomObject> {
    DataElement::new(
        tag,
        vr,
        PrimitiveValue::Strs(values.iter().map(|v| v.to_string()).collect()),
    )
}

fn sq(tag: Tag, items: Vec<InMemDicomObject>) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::SQ, DataSetSequence::from(items))
}

fn obj(elements: Vec<DataElement<InMemDicomObject>>) -> InMemDicomObject {
    InMemDicomObject::from_element_iter(elements)
}

/// A header of the given SOP class with `elements`.
fn header_of(sop_class: &str, elements: Vec<DataElement<InMemDicomObject>>) -> InMemDicomObject {
    let mut header = obj(elements);
    header.put(el(tags::SOP_CLASS_UID, VR::UI, sop_class));
    header
}

fn ct(elements: Vec<DataElement<InMemDicomObject>>) -> InMemDicomObject {
    header_of(CT, elements)
}

fn policy_with(option: ProfileOption) -> Policy {
    Policy {
        profile: Profile::basic().with_option(option),
        ..Policy::default()
    }
}

fn try_plan_with(
    header: &InMemDicomObject,
    policy: &Policy,
    keys: &Keyring,
    ids: &Identifiers,
) -> Result<Plan, PlanError> {
    let subject = Subject {
        patient_key: PATIENT_KEY,
        patient_id: Some("PAT001"),
        identifiers: ids,
    };
    plan(header, policy, keys, &subject)
}

fn try_plan(header: &InMemDicomObject, policy: &Policy) -> Result<Plan, PlanError> {
    try_plan_with(header, policy, &keyring(), &identifiers())
}

fn deid_with(
    header: &InMemDicomObject,
    policy: &Policy,
    ids: &Identifiers,
) -> (Plan, InMemDicomObject) {
    let plan = try_plan_with(header, policy, &keyring(), ids).expect("plan");
    let mut out = header.clone();
    apply(&mut out, &plan).expect("apply");
    (plan, out)
}

fn deid(header: &InMemDicomObject, policy: &Policy) -> (Plan, InMemDicomObject) {
    deid_with(header, policy, &identifiers())
}

/// The value of an element as text (padding trimmed), `None` if absent.
fn value(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    obj.get(tag).map(|e| {
        e.to_str()
            .expect("a primitive value")
            .trim_end_matches(['\0', ' '])
            .to_string()
    })
}

fn items(obj: &InMemDicomObject, tag: Tag) -> &[InMemDicomObject] {
    obj.get(tag)
        .and_then(|e| e.items())
        .expect("a sequence element")
}

fn item(obj: &InMemDicomObject, tag: Tag, index: usize) -> &InMemDicomObject {
    &items(obj, tag)[index]
}

/// The rule name of the op at `path` (as `AttributeSelector` displays it).
fn rule(plan: &Plan, path: &str) -> Option<String> {
    let found: Vec<String> = plan
        .ops
        .iter()
        .filter(|o| o.op.selector.to_string() == path)
        .map(|o| o.rule.name())
        .collect();
    assert!(found.len() <= 1, "several ops at {path}: {found:?}");
    found.into_iter().next()
}

fn paths(plan: &Plan) -> Vec<String> {
    plan.ops.iter().map(|o| o.op.selector.to_string()).collect()
}

fn offset() -> i32 {
    keyring().date_offset_days(PATIENT_KEY, -3650, -1)
}

/// `YYYYMMDD` moved by the patient's offset, computed independently of
/// `dates`.
fn shifted(da: &str) -> String {
    let date = NaiveDate::parse_from_str(da, "%Y%m%d").expect("test date");
    (date + TimeDelta::days(i64::from(offset())))
        .format("%Y%m%d")
        .to_string()
}

fn pseudonym() -> String {
    keyring().pseudonym("patient", PATIENT_KEY, "ANON", 10)
}

fn remap(uid: &str) -> String {
    keyring().remap_uid(uid)
}

fn assert_remapped_uid(value: &str) {
    let digits = value.strip_prefix("2.25.").expect("a 2.25 UID");
    assert!(digits.parse::<u128>().is_ok(), "{value}");
    assert!(value.len() <= 64);
}

fn ops_fingerprint(plan: &Plan) -> Vec<String> {
    plan.ops
        .iter()
        .map(|o| format!("{:?} {:?}", o.op, o.rule))
        .collect()
}

// ----------------------------------------------------------- action codes

#[test]
fn the_offset_is_in_the_default_range() {
    let plan = try_plan(&ct(vec![]), &Policy::default()).unwrap();
    assert_eq!(plan.date_offset_days, offset());
    assert!((-3650..=-1).contains(&plan.date_offset_days));
}

#[test]
fn x_removes_elements_and_whole_sequences() {
    let header = ct(vec![
        el(tags::PATIENT_AGE, VR::AS, "047Y"),
        el(tags::STUDY_DESCRIPTION, VR::LO, "CT chest"),
        el(tags::PATIENT_ADDRESS, VR::LO, "1 Main Street"),
        multi(OTHER_PATIENT_IDS, VR::LO, &["A", "B"]),
        sq(
            tags::OTHER_PATIENT_I_DS_SEQUENCE,
            vec![obj(vec![el(tags::PATIENT_ID, VR::LO, "OTHER1")])],
        ),
    ]);
    let (plan, out) = deid(&header, &Policy::default());
    for tag in [
        tags::PATIENT_AGE,
        tags::STUDY_DESCRIPTION,
        tags::PATIENT_ADDRESS,
        OTHER_PATIENT_IDS,
        tags::OTHER_PATIENT_I_DS_SEQUENCE,
    ] {
        assert!(out.get(tag).is_none(), "{tag} should be removed");
        assert_eq!(rule(&plan, &tag.to_string()).as_deref(), Some("profile:X"));
    }
    // Nothing inside a removed sequence is planned.
    assert!(!paths(&plan).iter().any(|p| p.starts_with("(0010,1002)[")));
    assert_eq!(value(&out, tags::SOP_CLASS_UID).as_deref(), Some(CT));
}

#[test]
fn z_empties_values_and_sequences() {
    let header = ct(vec![
        el(tags::PATIENT_BIRTH_DATE, VR::DA, "19700101"),
        el(tags::PATIENT_SEX, VR::CS, "M"),
        el(tags::ACCESSION_NUMBER, VR::SH, "ACC12345"),
        el(tags::STUDY_ID, VR::SH, "S1234"),
        el(tags::STUDY_DATE, VR::DA, "20200315"),
        el(tags::STUDY_TIME, VR::TM, "101112"),
        el(tags::REFERRING_PHYSICIAN_NAME, VR::PN, "House^Gregory"),
        sq(
            tags::VERIFYING_OBSERVER_IDENTIFICATION_CODE_SEQUENCE,
            vec![
                obj(vec![el(tags::CODE_VALUE, VR::SH, "123")]),
                obj(vec![el(tags::CODE_VALUE, VR::SH, "456")]),
            ],
        ),
    ]);
    let (plan, out) = deid(&header, &Policy::default());
    for tag in [
        tags::PATIENT_BIRTH_DATE,
        tags::PATIENT_SEX,
        tags::ACCESSION_NUMBER,
        tags::STUDY_ID,
        tags::STUDY_DATE,
        tags::STUDY_TIME,
        tags::REFERRING_PHYSICIAN_NAME,
    ] {
        assert_eq!(value(&out, tag).as_deref(), Some(""), "{tag}");
        assert_eq!(rule(&plan, &tag.to_string()).as_deref(), Some("profile:Z"));
    }
    // The VR survives the emptying.
    assert_eq!(out.get(tags::STUDY_DATE).unwrap().vr(), VR::DA);
    let seq = out
        .get(tags::VERIFYING_OBSERVER_IDENTIFICATION_CODE_SEQUENCE)
        .unwrap();
    assert_eq!(seq.vr(), VR::SQ);
    assert_eq!(seq.items().map(<[_]>::len), Some(0));
    assert_eq!(rule(&plan, "(0040,A088)").as_deref(), Some("profile:Z"));
}

#[test]
fn z_on_patient_name_and_id_gives_the_keyed_pseudonym() {
    let header = ct(vec![
        el(tags::PATIENT_NAME, VR::PN, "Doe^John"),
        el(tags::PATIENT_ID, VR::LO, "PAT001"),
    ]);
    let (plan, out) = deid(&header, &Policy::default());
    let expected = pseudonym();
    assert!(expected.starts_with("ANON"));
    assert_eq!(expected.len(), 14);
    assert_eq!(value(&out, tags::PATIENT_NAME), Some(expected.clone()));
    assert_eq!(value(&out, tags::PATIENT_ID), Some(expected));
    assert_eq!(out.get(tags::PATIENT_NAME).unwrap().vr(), VR::PN);
    assert_eq!(rule(&plan, "(0010,0010)").as_deref(), Some("profile:Z"));
    // Z/D resolves to Z: PatientID is Type 2 in CT.
    assert_eq!(rule(&plan, "(0010,0020)").as_deref(), Some("profile:Z/D→Z"));
}

#[test]
fn d_gives_a_dummy_per_vr() {
    let header = ct(vec![
        el(tags::VERIFYING_OBSERVER_NAME, VR::PN, "Watson^John"),
        el(tags::CLINICAL_TRIAL_SPONSOR_NAME, VR::LO, "Big Pharma"),
        el(tags::STRUCTURE_SET_LABEL, VR::SH, "Doe plan"),
        el(
            tags::REASON_FOR_THE_ATTRIBUTE_MODIFICATION,
            VR::CS,
            "CORRECT",
        ),
        el(tags::DESTINATION_AE, VR::AE, "PACS_SITE1"),
        el(tags::SELECTOR_AS_VALUE, VR::AS, "047Y"),
        el(
            tags::TREATMENT_TOLERANCE_VIOLATION_DESCRIPTION,
            VR::ST,
            "Violation",
        ),
        el(tags::DATE, VR::DA, "20200315"),
        el(tags::TIME, VR::TM, "101112.5"),
        el(tags::DATE_TIME, VR::DT, "20200315101112"),
        el(tags::ANNOTATION_GROUP_UID, VR::UI, "1.2.3.4.99"),
    ]);
    let (plan, out) = deid(&header, &Policy::default());
    for tag in [
        tags::VERIFYING_OBSERVER_NAME,
        tags::CLINICAL_TRIAL_SPONSOR_NAME,
        tags::STRUCTURE_SET_LABEL,
        tags::REASON_FOR_THE_ATTRIBUTE_MODIFICATION,
        tags::DESTINATION_AE,
        tags::TREATMENT_TOLERANCE_VIOLATION_DESCRIPTION,
    ] {
        assert_eq!(value(&out, tag).as_deref(), Some("ANONYMOUS"), "{tag}");
        assert_eq!(rule(&plan, &tag.to_string()).as_deref(), Some("profile:D"));
    }
    assert_eq!(
        value(&out, tags::SELECTOR_AS_VALUE).as_deref(),
        Some("000Y")
    );
    assert_eq!(value(&out, tags::DATE), Some(shifted("20200315")));
    assert_eq!(value(&out, tags::TIME).as_deref(), Some("000000"));
    assert_eq!(
        value(&out, tags::DATE_TIME),
        Some(format!("{}101112", shifted("20200315")))
    );
    assert_eq!(
        value(&out, tags::ANNOTATION_GROUP_UID),
        Some(remap("1.2.3.4.99"))
    );
    assert_eq!(plan.invalid_dates, Vec::<String>::new());
}

#[test]
fn d_on_numbers_is_zero() {
    let policy = Policy {
        overrides: vec![
            ("PatientWeight".parse().unwrap(), UserAction::Dummy),
            ("SeriesNumber".parse().unwrap(), UserAction::Dummy),
            ("Rows".parse().unwrap(), UserAction::Dummy),
            ("DiffusionBValue".parse().unwrap(), UserAction::Dummy),
        ],
        ..Policy::default()
    };
    let header = ct(vec![
        el(tags::PATIENT_WEIGHT, VR::DS, "72.5"),
        el(tags::SERIES_NUMBER, VR::IS, "3"),
        DataElement::new(tags::ROWS, VR::US, PrimitiveValue::from(512_u16)),
        DataElement::new(
            tags::DIFFUSION_B_VALUE,
            VR::FD,
            PrimitiveValue::from(1000.0_f64),
        ),
    ]);
    let (plan, out) = deid(&header, &policy);
    assert_eq!(value(&out, tags::PATIENT_WEIGHT).as_deref(), Some("0"));
    assert_eq!(value(&out, tags::SERIES_NUMBER).as_deref(), Some("0"));
    assert_eq!(out.get(tags::ROWS).unwrap().to_int::<u16>().unwrap(), 0);
    assert_eq!(out.get(tags::ROWS).unwrap().vr(), VR::US);
    assert_eq!(
        out.get(tags::DIFFUSION_B_VALUE)
            .unwrap()
            .to_float64()
            .unwrap(),
        0.0
    );
    assert_eq!(rule(&plan, "(0028,0010)").as_deref(), Some("config"));
}

#[test]
fn k_keeps_and_a_kept_sequence_is_still_cleaned() {
    let header = ct(vec![
        el(tags::STUDY_INSTANCE_UID, VR::UI, "1.2.3.4.1"),
        sq(
            tags::REFERENCED_IMAGE_SEQUENCE,
            vec![obj(vec![
                el(tags::REFERENCED_SOP_CLASS_UID, VR::UI, CT),
                el(tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, "1.2.3.4.2"),
                el(tags::IMAGE_COMMENTS, VR::LT, "comment"),
                el(Tag(0x0009, 0x0010), VR::LO, "ACME"),
                el(Tag(0x0009, 0x1001), VR::LO, "private"),
                el(tags::PATIENT_NAME, VR::PN, "Doe^John"),
            ])],
        ),
    ]);
    let (plan, out) = deid(&header, &policy_with(ProfileOption::RetainUids));
    assert_eq!(
        value(&out, tags::STUDY_INSTANCE_UID).as_deref(),
        Some("1.2.3.4.1")
    );
    assert_eq!(rule(&plan, "(0020,000D)"), None);
    assert_eq!(rule(&plan, "(0008,1140)"), None);
    let inner = item(&out, tags::REFERENCED_IMAGE_SEQUENCE, 0);
    assert_eq!(
        value(inner, tags::REFERENCED_SOP_INSTANCE_UID).as_deref(),
        Some("1.2.3.4.2")
    );
    assert_eq!(
        value(inner, tags::REFERENCED_SOP_CLASS_UID).as_deref(),
        Some(CT)
    );
    assert!(inner.get(tags::IMAGE_COMMENTS).is_none());
    assert!(inner.get(Tag(0x0009, 0x0010)).is_none());
    assert!(inner.get(Tag(0x0009, 0x1001)).is_none());
    assert_eq!(value(inner, tags::PATIENT_NAME), Some(pseudonym()));
    assert_eq!(
        rule(&plan, "(0008,1140)[0].(0020,4000)").as_deref(),
        Some("profile:X")
    );
    assert_eq!(
        rule(&plan, "(0008,1140)[0].(0009,1001)").as_deref(),
        Some("private")
    );
    assert_eq!(
        rule(&plan, "(0008,1140)[0].(0009,0010)").as_deref(),
        Some("private")
    );
}

#[test]
fn c_shifts_dates_and_scrubs_text() {
    let policy = Policy {
        profile: Profile::basic()
            .with_option(ProfileOption::RetainLongitudinalModifiedDates)
            .with_option(ProfileOption::CleanDescriptors),
        ..Policy::default()
    };
    let header = ct(vec![
        el(tags::STUDY_DATE, VR::DA, "20200315"),
        el(tags::STUDY_TIME, VR::TM, "101112"),
        el(
            tags::STUDY_DESCRIPTION,
            VR::LO,
            "CT for John Doe, MRN PAT001",
        ),
        el(tags::SERIES_DESCRIPTION, VR::LO, "Axial 5mm"),
    ]);
    let (plan, out) = deid(&header, &policy);
    assert_eq!(value(&out, tags::STUDY_DATE), Some(shifted("20200315")));
    assert_eq!(rule(&plan, "(0008,0020)").as_deref(), Some("profile:C"));
    // C on a time keeps it (the offset is whole days).
    assert_eq!(value(&out, tags::STUDY_TIME).as_deref(), Some("101112"));
    assert_eq!(
        value(&out, tags::STUDY_DESCRIPTION).as_deref(),
        Some("CT for XXXX XXX, MRN XXXXXX")
    );
    assert_eq!(rule(&plan, "(0008,1030)").as_deref(), Some("profile:C"));
    // Nothing to clean: no op, the value stays.
    assert_eq!(
        value(&out, tags::SERIES_DESCRIPTION).as_deref(),
        Some("Axial 5mm")
    );
    assert_eq!(rule(&plan, "(0008,103E)"), None);
}

#[test]
fn u_remaps_uids_deterministically() {
    let header = ct(vec![
        el(tags::STUDY_INSTANCE_UID, VR::UI, "1.2.3.4.1"),
        el(tags::SERIES_INSTANCE_UID, VR::UI, "1.2.3.4.1.2"),
        el(tags::SOP_INSTANCE_UID, VR::UI, "1.2.3.4.1.2.3\0"),
        el(tags::FRAME_OF_REFERENCE_UID, VR::UI, "1.2.3.4.9"),
    ]);
    let (plan, out) = deid(&header, &Policy::default());
    let study = value(&out, tags::STUDY_INSTANCE_UID).unwrap();
    assert_remapped_uid(&study);
    assert_eq!(study, remap("1.2.3.4.1"));
    assert_eq!(
        value(&out, tags::SERIES_INSTANCE_UID),
        Some(remap("1.2.3.4.1.2"))
    );
    // Padding is not part of the UID.
    let sop = remap("1.2.3.4.1.2.3");
    assert_eq!(value(&out, tags::SOP_INSTANCE_UID), Some(sop.clone()));
    assert_eq!(plan.sop_instance_uid, Some(sop));
    assert_eq!(
        value(&out, tags::FRAME_OF_REFERENCE_UID),
        Some(remap("1.2.3.4.9"))
    );
    assert_eq!(rule(&plan, "(0020,000D)").as_deref(), Some("profile:U"));
    // Same input, same output; different input, different output.
    let (_, again) = deid(&header, &Policy::default());
    assert_eq!(value(&again, tags::STUDY_INSTANCE_UID), Some(study.clone()));
    assert_ne!(study, remap("1.2.3.4.2"));
}

#[test]
fn nested_references_get_the_referenced_instance_s_own_remap() {
    let referenced = ct(vec![
        el(tags::SOP_INSTANCE_UID, VR::UI, "1.2.3.4.5.100"),
        el(tags::SERIES_INSTANCE_UID, VR::UI, "1.2.3.4.5"),
    ]);
    // X/Z/U*: ReferencedImageSequence is Type 1C in XA, so it is kept and
    // its UIDs replaced.
    let referencing = header_of(
        XA,
        vec![
            el(tags::SOP_INSTANCE_UID, VR::UI, "1.2.3.4.6.1"),
            sq(
                tags::REFERENCED_IMAGE_SEQUENCE,
                vec![obj(vec![
                    el(tags::REFERENCED_SOP_CLASS_UID, VR::UI, CT),
                    el(tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, "1.2.3.4.5.100"),
                ])],
            ),
        ],
    );
    let (_, target) = deid(&referenced, &Policy::default());
    let (plan, source) = deid(&referencing, &Policy::default());
    let inner = item(&source, tags::REFERENCED_IMAGE_SEQUENCE, 0);
    assert_eq!(
        value(inner, tags::REFERENCED_SOP_INSTANCE_UID),
        value(&target, tags::SOP_INSTANCE_UID)
    );
    assert_eq!(
        value(inner, tags::REFERENCED_SOP_INSTANCE_UID),
        Some(remap("1.2.3.4.5.100"))
    );
    assert_eq!(
        value(inner, tags::REFERENCED_SOP_CLASS_UID).as_deref(),
        Some(CT)
    );
    assert_eq!(rule(&plan, "(0008,1140)"), None);
    assert_eq!(
        rule(&plan, "(0008,1140)[0].(0008,1155)").as_deref(),
        Some("profile:U")
    );
    assert_eq!(rule(&plan, "(0008,1140)[0].(0008,1150)"), None);
}

// ------------------------------------------------------ conditional codes

#[test]
fn conditional_codes_in_ct_follow_the_attribute_types() {
    let header = ct(vec![
        // X/Z, Type 3 → X
        el(tags::ACQUISITION_DATE, VR::DA, "20200315"),
        // X/Z, Type 2C → Z
        el(tags::PATIENT_SEX_NEUTERED, VR::CS, "ALTERED"),
        // Z/D, Type 2 → Z
        el(tags::CONTRAST_BOLUS_AGENT, VR::LO, "Iomeron"),
        // Z/D, Type 2C → Z
        el(tags::CONTENT_DATE, VR::DA, "20200315"),
        // X/D, Type 3 → X
        el(tags::SERIES_DATE, VR::DA, "20200315"),
        // X/Z/D, Type 3 → X
        el(tags::INSTITUTION_NAME, VR::LO, "General Hospital"),
        el(tags::DEVICE_SERIAL_NUMBER, VR::LO, "SN123"),
        // X/Z/U*, Type 3 → X
        sq(
            tags::REFERENCED_IMAGE_SEQUENCE,
            vec![obj(vec![el(
                tags::REFERENCED_SOP_INSTANCE_UID,
                VR::UI,
                "1.2.3",
            )])],
        ),
    ]);
    let (plan, out) = deid(&header, &Policy::default());
    assert!(out.get(tags::ACQUISITION_DATE).is_none());
    assert_eq!(rule(&plan, "(0008,0022)").as_deref(), Some("profile:X/Z→X"));
    assert_eq!(value(&out, tags::PATIENT_SEX_NEUTERED).as_deref(), Some(""));
    assert_eq!(rule(&plan, "(0010,2203)").as_deref(), Some("profile:X/Z→Z"));
    assert_eq!(value(&out, tags::CONTRAST_BOLUS_AGENT).as_deref(), Some(""));
    assert_eq!(rule(&plan, "(0018,0010)").as_deref(), Some("profile:Z/D→Z"));
    assert_eq!(value(&out, tags::CONTENT_DATE).as_deref(), Some(""));
    assert_eq!(rule(&plan, "(0008,0023)").as_deref(), Some("profile:Z/D→Z"));
    assert!(out.get(tags::SERIES_DATE).is_none());
    assert_eq!(rule(&plan, "(0008,0021)").as_deref(), Some("profile:X/D→X"));
    assert!(out.get(tags::INSTITUTION_NAME).is_none());
    assert_eq!(
        rule(&plan, "(0008,0080)").as_deref(),
        Some("profile:X/Z/D→X")
    );
    assert!(out.get(tags::DEVICE_SERIAL_NUMBER).is_none());
    assert!(out.get(tags::REFERENCED_IMAGE_SEQUENCE).is_none());
    assert_eq!(
        rule(&plan, "(0008,1140)").as_deref(),
        Some("profile:X/Z/U*→X")
    );
}

#[test]
fn conditional_codes_on_type_1_and_2_attributes_keep_the_output_conformant() {
    // PET: SeriesDate/SeriesTime are Type 1 (X/D → D), AcquisitionDate
    // Type 2 (X/Z → Z).
    let pet = header_of(
        PET,
        vec![
            el(tags::SERIES_DATE, VR::DA, "20200315"),
            el(tags::SERIES_TIME, VR::TM, "101112"),
            el(tags::ACQUISITION_DATE, VR::DA, "20200315"),
        ],
    );
    let (plan, out) = deid(&pet, &Policy::default());
    assert_eq!(value(&out, tags::SERIES_DATE), Some(shifted("20200315")));
    assert_eq!(rule(&plan, "(0008,0021)").as_deref(), Some("profile:X/D→D"));
    assert_eq!(value(&out, tags::SERIES_TIME).as_deref(), Some("000000"));
    assert_eq!(value(&out, tags::ACQUISITION_DATE).as_deref(), Some(""));
    assert_eq!(rule(&plan, "(0008,0022)").as_deref(), Some("profile:X/Z→Z"));

    // Enhanced CT: DeviceSerialNumber Type 1 (X/Z/D → D), ContentDate
    // Type 1 (Z/D → D), AcquisitionDateTime Type 1C (X/Z/D → D),
    // AcquisitionContextSequence Type 2 (X/Z → Z).
    let enhanced = header_of(
        ENHANCED_CT,
        vec![
            el(tags::DEVICE_SERIAL_NUMBER, VR::LO, "SN123"),
            el(tags::CONTENT_DATE, VR::DA, "20200315"),
            el(tags::ACQUISITION_DATE_TIME, VR::DT, "20200315101112"),
            sq(
                tags::ACQUISITION_CONTEXT_SEQUENCE,
                vec![obj(vec![el(tags::VALUE_TYPE, VR::CS, "TEXT")])],
            ),
        ],
    );
    let (plan, out) = deid(&enhanced, &Policy::default());
    assert_eq!(
        value(&out, tags::DEVICE_SERIAL_NUMBER).as_deref(),
        Some("ANONYMOUS")
    );
    assert_eq!(
        rule(&plan, "(0018,1000)").as_deref(),
        Some("profile:X/Z/D→D")
    );
    assert_eq!(value(&out, tags::CONTENT_DATE), Some(shifted("20200315")));
    assert_eq!(rule(&plan, "(0008,0023)").as_deref(), Some("profile:Z/D→D"));
    assert_eq!(
        value(&out, tags::ACQUISITION_DATE_TIME),
        Some(format!("{}101112", shifted("20200315")))
    );
    assert_eq!(
        items(&out, tags::ACQUISITION_CONTEXT_SEQUENCE).len(),
        0,
        "emptied to zero items"
    );
    assert_eq!(rule(&plan, "(0040,0555)").as_deref(), Some("profile:X/Z→Z"));
    // A dummy date makes the temporal information "modified".
    assert_eq!(
        value(&out, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(),
        Some("MODIFIED")
    );
}

#[test]
fn unknown_sop_classes_take_the_conservative_conformant_choice() {
    let header = header_of(
        UNKNOWN_SOP_CLASS,
        vec![
            el(tags::ACQUISITION_DATE, VR::DA, "20200315"),
            el(tags::SERIES_DATE, VR::DA, "20200315"),
            el(tags::CONTRAST_BOLUS_AGENT, VR::LO, "Iomeron"),
            el(tags::INSTITUTION_NAME, VR::LO, "General Hospital"),
            sq(
                tags::REFERENCED_IMAGE_SEQUENCE,
                vec![obj(vec![
                    el(tags::REFERENCED_SOP_CLASS_UID, VR::UI, CT),
                    el(tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, "1.2.3.4.5"),
                ])],
            ),
            sq(
                tags::REFERENCED_STUDY_SEQUENCE,
                vec![obj(vec![el(
                    tags::REFERENCED_SOP_INSTANCE_UID,
                    VR::UI,
                    "1.2.3.4",
                )])],
            ),
        ],
    );
    let (plan, out) = deid(&header, &Policy::default());
    assert_eq!(value(&out, tags::ACQUISITION_DATE).as_deref(), Some(""));
    assert_eq!(rule(&plan, "(0008,0022)").as_deref(), Some("profile:X/Z→Z"));
    assert_eq!(value(&out, tags::SERIES_DATE), Some(shifted("20200315")));
    assert_eq!(rule(&plan, "(0008,0021)").as_deref(), Some("profile:X/D→D"));
    assert_eq!(
        value(&out, tags::CONTRAST_BOLUS_AGENT).as_deref(),
        Some("ANONYMOUS")
    );
    assert_eq!(rule(&plan, "(0018,0010)").as_deref(), Some("profile:Z/D→D"));
    assert_eq!(
        value(&out, tags::INSTITUTION_NAME).as_deref(),
        Some("ANONYMOUS")
    );
    assert_eq!(
        rule(&plan, "(0008,0080)").as_deref(),
        Some("profile:X/Z/D→D")
    );
    let inner = item(&out, tags::REFERENCED_IMAGE_SEQUENCE, 0);
    assert_eq!(
        value(inner, tags::REFERENCED_SOP_INSTANCE_UID),
        Some(remap("1.2.3.4.5"))
    );
    assert_eq!(items(&out, tags::REFERENCED_STUDY_SEQUENCE).len(), 0);
    assert_eq!(rule(&plan, "(0008,1110)").as_deref(), Some("profile:X/Z→Z"));
    // No SOP class at all: the same.
    let (plan, _) = deid(
        &obj(vec![el(tags::ACQUISITION_DATE, VR::DA, "20200315")]),
        &Policy::default(),
    );
    assert_eq!(rule(&plan, "(0008,0022)").as_deref(), Some("profile:X/Z→Z"));
}

#[test]
fn conditional_codes_inside_sequences_are_resolved_conservatively() {
    // At the top level of a CT, AcquisitionDate (Type 3) is removed; in a
    // sequence item the type is not tabled, so it is emptied.
    let header = ct(vec![sq(
        tags::REFERENCED_SERIES_SEQUENCE,
        vec![obj(vec![
            el(tags::ACQUISITION_DATE, VR::DA, "20200315"),
            el(tags::SERIES_DATE, VR::DA, "20200315"),
        ])],
    )]);
    let (plan, out) = deid(&header, &Policy::default());
    let inner = item(&out, tags::REFERENCED_SERIES_SEQUENCE, 0);
    assert_eq!(value(inner, tags::ACQUISITION_DATE).as_deref(), Some(""));
    assert_eq!(value(inner, tags::SERIES_DATE), Some(shifted("20200315")));
    assert_eq!(
        rule(&plan, "(0008,1115)[0].(0008,0022)").as_deref(),
        Some("profile:X/Z→Z")
    );
}

// ---------------------------------------------------------------- options

fn dated_ct() -> InMemDicomObject {
    ct(vec![
        el(tags::STUDY_DATE, VR::DA, "20200315"),
        el(tags::STUDY_TIME, VR::TM, "101112"),
        el(tags::CONTENT_DATE, VR::DA, "20200316"),
        el(tags::ACQUISITION_DATE_TIME, VR::DT, "20200315101112"),
        el(tags::PATIENT_BIRTH_DATE, VR::DA, "19700101"),
    ])
}

#[test]
fn basic_removes_dates_and_says_so() {
    let (plan, out) = deid(&dated_ct(), &Policy::default());
    assert_eq!(value(&out, tags::STUDY_DATE).as_deref(), Some(""));
    assert_eq!(value(&out, tags::STUDY_TIME).as_deref(), Some(""));
    assert_eq!(value(&out, tags::CONTENT_DATE).as_deref(), Some(""));
    assert_eq!(value(&out, tags::PATIENT_BIRTH_DATE).as_deref(), Some(""));
    assert!(out.get(tags::ACQUISITION_DATE_TIME).is_none());
    assert_eq!(
        rule(&plan, "(0008,002A)").as_deref(),
        Some("profile:X/Z/D→X")
    );
    assert_eq!(
        value(&out, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(),
        Some("REMOVED")
    );
}

#[test]
fn retain_uids_keeps_every_uid() {
    let header = ct(vec![
        el(tags::STUDY_INSTANCE_UID, VR::UI, "1.2.3.4.1"),
        el(tags::SOP_INSTANCE_UID, VR::UI, "1.2.3.4.1.2.3"),
        // Not in the table: kept too, not remapped "anywhere".
        el(tags::CONCATENATION_UID, VR::UI, "1.2.3.4.7"),
        el(Tag(0x0020, 0x9164), VR::UI, "1.2.3.4.8"),
        el(tags::FAILED_SOP_INSTANCE_UID_LIST, VR::UI, "1.2.3.4.9"),
        el(tags::CREATOR_VERSION_UID, VR::UI, "1.2.3.4.10"),
    ]);
    let (plan, out) = deid(&header, &policy_with(ProfileOption::RetainUids));
    assert_eq!(
        value(&out, tags::STUDY_INSTANCE_UID).as_deref(),
        Some("1.2.3.4.1")
    );
    assert_eq!(
        value(&out, tags::SOP_INSTANCE_UID).as_deref(),
        Some("1.2.3.4.1.2.3")
    );
    assert_eq!(
        value(&out, tags::CREATOR_VERSION_UID).as_deref(),
        Some("1.2.3.4.10")
    );
    assert_eq!(plan.sop_instance_uid, None);
    assert!(
        plan.ops
            .iter()
            .all(|o| !matches!(o.rule, Rule::UidAnywhere)),
        "{:?}",
        paths(&plan)
    );
    let codes: Vec<String> = items(&out, tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE)
        .iter()
        .map(|i| value(i, tags::CODE_VALUE).unwrap())
        .collect();
    assert_eq!(codes, ["113100", "113110"]);
}

#[test]
fn retain_long_full_dates_keeps_dates() {
    let (plan, out) = deid(
        &dated_ct(),
        &policy_with(ProfileOption::RetainLongitudinalFullDates),
    );
    assert_eq!(value(&out, tags::STUDY_DATE).as_deref(), Some("20200315"));
    assert_eq!(value(&out, tags::STUDY_TIME).as_deref(), Some("101112"));
    assert_eq!(value(&out, tags::CONTENT_DATE).as_deref(), Some("20200316"));
    assert_eq!(
        value(&out, tags::ACQUISITION_DATE_TIME).as_deref(),
        Some("20200315101112")
    );
    assert_eq!(rule(&plan, "(0008,0020)"), None);
    // Not a longitudinal date: still emptied.
    assert_eq!(value(&out, tags::PATIENT_BIRTH_DATE).as_deref(), Some(""));
    assert_eq!(
        value(&out, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(),
        Some("UNMODIFIED")
    );
}

#[test]
fn retain_long_modified_dates_shifts_dates() {
    let (plan, out) = deid(
        &dated_ct(),
        &policy_with(ProfileOption::RetainLongitudinalModifiedDates),
    );
    assert_eq!(value(&out, tags::STUDY_DATE), Some(shifted("20200315")));
    assert_eq!(value(&out, tags::CONTENT_DATE), Some(shifted("20200316")));
    assert_eq!(
        value(&out, tags::ACQUISITION_DATE_TIME),
        Some(format!("{}101112", shifted("20200315")))
    );
    assert_eq!(value(&out, tags::STUDY_TIME).as_deref(), Some("101112"));
    assert_eq!(rule(&plan, "(0008,002A)").as_deref(), Some("profile:C"));
    assert_eq!(value(&out, tags::PATIENT_BIRTH_DATE).as_deref(), Some(""));
    assert_eq!(
        value(&out, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(),
        Some("MODIFIED")
    );
    // Both date options: full dates win.
    let both = Policy {
        profile: Profile::basic()
            .with_option(ProfileOption::RetainLongitudinalModifiedDates)
            .with_option(ProfileOption::RetainLongitudinalFullDates),
        ..Policy::default()
    };
    let (_, out) = deid(&dated_ct(), &both);
    assert_eq!(value(&out, tags::STUDY_DATE).as_deref(), Some("20200315"));
    assert_eq!(
        value(&out, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(),
        Some("UNMODIFIED")
    );
}

#[test]
fn retain_device_identity_keeps_device_attributes() {
    let header = ct(vec![
        el(tags::DEVICE_SERIAL_NUMBER, VR::LO, "SN123"),
        el(tags::STATION_NAME, VR::SH, "CT01"),
        el(Tag(0x0018, 0x1008), VR::LO, "GANTRY7"),
    ]);
    let (basic_plan, basic) = deid(&header, &Policy::default());
    assert!(basic.get(tags::DEVICE_SERIAL_NUMBER).is_none());
    assert!(basic.get(tags::STATION_NAME).is_none());
    assert!(basic.get(Tag(0x0018, 0x1008)).is_none());
    assert_eq!(
        rule(&basic_plan, "(0018,1000)").as_deref(),
        Some("profile:X/Z/D→X")
    );
    let (plan, out) = deid(&header, &policy_with(ProfileOption::RetainDeviceIdentity));
    assert_eq!(
        value(&out, tags::DEVICE_SERIAL_NUMBER).as_deref(),
        Some("SN123")
    );
    assert_eq!(value(&out, tags::STATION_NAME).as_deref(), Some("CT01"));
    assert_eq!(value(&out, Tag(0x0018, 0x1008)).as_deref(), Some("GANTRY7"));
    assert_eq!(rule(&plan, "(0018,1000)"), None);
}

#[test]
fn retain_institution_identity_keeps_institution_attributes() {
    let header = ct(vec![
        el(tags::INSTITUTION_NAME, VR::LO, "General Hospital"),
        el(tags::INSTITUTION_ADDRESS, VR::ST, "1 Hospital Road"),
        el(tags::INSTITUTIONAL_DEPARTMENT_NAME, VR::LO, "Radiology"),
    ]);
    let (_, basic) = deid(&header, &Policy::default());
    assert!(basic.get(tags::INSTITUTION_NAME).is_none());
    assert!(basic.get(tags::INSTITUTION_ADDRESS).is_none());
    assert!(basic.get(tags::INSTITUTIONAL_DEPARTMENT_NAME).is_none());
    let (plan, out) = deid(
        &header,
        &policy_with(ProfileOption::RetainInstitutionIdentity),
    );
    assert_eq!(
        value(&out, tags::INSTITUTION_NAME).as_deref(),
        Some("General Hospital")
    );
    assert_eq!(
        value(&out, tags::INSTITUTION_ADDRESS).as_deref(),
        Some("1 Hospital Road")
    );
    assert_eq!(
        value(&out, tags::INSTITUTIONAL_DEPARTMENT_NAME).as_deref(),
        Some("Radiology")
    );
    assert!(plan.ops.is_empty(), "{:?}", paths(&plan));
}

#[test]
fn retain_patient_characteristics_keeps_sex_age_and_size() {
    let header = ct(vec![
        el(tags::PATIENT_SEX, VR::CS, "F"),
        el(tags::PATIENT_AGE, VR::AS, "047Y"),
        el(tags::PATIENT_WEIGHT, VR::DS, "72.5"),
        el(tags::PATIENT_NAME, VR::PN, "Doe^Jane"),
    ]);
    let (plan, out) = deid(
        &header,
        &policy_with(ProfileOption::RetainPatientCharacteristics),
    );
    assert_eq!(value(&out, tags::PATIENT_SEX).as_deref(), Some("F"));
    assert_eq!(value(&out, tags::PATIENT_AGE).as_deref(), Some("047Y"));
    assert_eq!(value(&out, tags::PATIENT_WEIGHT).as_deref(), Some("72.5"));
    assert_eq!(value(&out, tags::PATIENT_NAME), Some(pseudonym()));
    assert_eq!(paths(&plan), ["(0010,0010)"]);
}

#[test]
fn clean_descriptors_scrubs_instead_of_removing() {
    let header = ct(vec![
        el(tags::STUDY_DESCRIPTION, VR::LO, "Doe John follow-up"),
        el(tags::PROTOCOL_NAME, VR::LO, "Chest 1970-01-01 JOHN"),
        el(tags::IMAGE_COMMENTS, VR::LT, "no identifiers"),
    ]);
    let (_, basic) = deid(&header, &Policy::default());
    assert!(basic.get(tags::STUDY_DESCRIPTION).is_none());
    assert!(basic.get(tags::IMAGE_COMMENTS).is_none());
    let (plan, out) = deid(&header, &policy_with(ProfileOption::CleanDescriptors));
    assert_eq!(
        value(&out, tags::STUDY_DESCRIPTION).as_deref(),
        Some("XXX XXXX follow-up")
    );
    assert_eq!(
        value(&out, tags::PROTOCOL_NAME).as_deref(),
        Some("Chest XXXXXXXXXX XXXX")
    );
    assert_eq!(
        value(&out, tags::IMAGE_COMMENTS).as_deref(),
        Some("no identifiers")
    );
    assert_eq!(rule(&plan, "(0008,1030)").as_deref(), Some("profile:C"));
    assert_eq!(rule(&plan, "(0018,1030)").as_deref(), Some("profile:C"));
}

fn sr_header() -> InMemDicomObject {
    let code = |value: &str, meaning: &str| {
        sq(
            tags::CONCEPT_NAME_CODE_SEQUENCE,
            vec![obj(vec![
                el(tags::CODE_VALUE, VR::SH, value),
                el(tags::CODING_SCHEME_DESIGNATOR, VR::SH, "DCM"),
                el(tags::CODE_MEANING, VR::LO, meaning),
            ])],
        )
    };
    let leaves = vec![
        obj(vec![
            el(tags::VALUE_TYPE, VR::CS, "PNAME"),
            el(tags::PERSON_NAME, VR::PN, "Doe^John"),
        ]),
        obj(vec![
            el(tags::VALUE_TYPE, VR::CS, "DATE"),
            el(tags::DATE, VR::DA, "20200315"),
        ]),
        obj(vec![
            el(tags::VALUE_TYPE, VR::CS, "TIME"),
            el(tags::TIME, VR::TM, "101112"),
        ]),
        obj(vec![
            el(tags::VALUE_TYPE, VR::CS, "UIDREF"),
            el(tags::UID, VR::UI, "1.2.3.4.5.6.7.8"),
        ]),
        obj(vec![
            el(tags::VALUE_TYPE, VR::CS, "IMAGE"),
            sq(
                tags::REFERENCED_SOP_SEQUENCE,
                vec![obj(vec![
                    el(tags::REFERENCED_SOP_CLASS_UID, VR::UI, CT),
                    el(tags::REFERENCED_SOP_INSTANCE_UID, VR::UI, "1.2.3.4.5.100"),
                ])],
            ),
        ]),
    ];
    let text = obj(vec![
        el(tags::RELATIONSHIP_TYPE, VR::CS, "CONTAINS"),
        el(tags::VALUE_TYPE, VR::CS, "TEXT"),
        code("121071", "Finding"),
        el(
            tags::TEXT_VALUE,
            VR::UT,
            "John Doe reports pain since 1970-01-01",
        ),
        sq(tags::CONTENT_SEQUENCE, leaves),
    ]);
    header_of(
        COMPREHENSIVE_SR,
        vec![
            el(tags::CONTENT_DATE, VR::DA, "20200315"),
            el(tags::VALUE_TYPE, VR::CS, "CONTAINER"),
            code("126000", "Imaging Report"),
            sq(
                tags::CONTENT_SEQUENCE,
                vec![obj(vec![
                    el(tags::RELATIONSHIP_TYPE, VR::CS, "CONTAINS"),
                    el(tags::VALUE_TYPE, VR::CS, "CONTAINER"),
                    code("121070", "Findings"),
                    sq(tags::CONTENT_SEQUENCE, vec![text]),
                ])],
            ),
            sq(
                tags::VERIFYING_OBSERVER_SEQUENCE,
                vec![obj(vec![
                    el(tags::VERIFYING_OBSERVER_NAME, VR::PN, "Watson^John"),
                    el(tags::VERIFYING_ORGANIZATION, VR::LO, "General Hospital"),
                    el(tags::VERIFICATION_DATE_TIME, VR::DT, "20200316090000"),
                    sq(
                        tags::VERIFYING_OBSERVER_IDENTIFICATION_CODE_SEQUENCE,
                        vec![obj(vec![el(tags::CODE_VALUE, VR::SH, "12345")])],
                    ),
                ])],
            ),
        ],
    )
}

fn assert_sr_content_cleaned(plan: &Plan, out: &InMemDicomObject) {
    // Content Date is Type 1 in SR documents: Z/D → D.
    assert_eq!(value(out, tags::CONTENT_DATE), Some(shifted("20200315")));
    let level1 = item(out, tags::CONTENT_SEQUENCE, 0);
    assert_eq!(
        value(
            item(level1, tags::CONCEPT_NAME_CODE_SEQUENCE, 0),
            tags::CODE_MEANING
        )
        .as_deref(),
        Some("Findings")
    );
    let level2 = item(level1, tags::CONTENT_SEQUENCE, 0);
    assert_eq!(
        value(level2, tags::TEXT_VALUE).as_deref(),
        Some("XXXX XXX reports pain since XXXXXXXXXX")
    );
    assert_eq!(
        rule(plan, "(0040,A730)[0].(0040,A730)[0].(0040,A160)").as_deref(),
        Some("identifier-in-text")
    );
    let leaves = items(level2, tags::CONTENT_SEQUENCE);
    assert_eq!(leaves.len(), 5);
    assert_eq!(
        value(&leaves[0], tags::PERSON_NAME).as_deref(),
        Some("ANONYMOUS")
    );
    assert_eq!(
        rule(
            plan,
            "(0040,A730)[0].(0040,A730)[0].(0040,A730)[0].(0040,A123)"
        )
        .as_deref(),
        Some("profile:D")
    );
    assert_eq!(value(&leaves[1], tags::DATE), Some(shifted("20200315")));
    assert_eq!(value(&leaves[2], tags::TIME).as_deref(), Some("000000"));
    assert_eq!(value(&leaves[3], tags::UID), Some(remap("1.2.3.4.5.6.7.8")));
    let reference = item(&leaves[4], tags::REFERENCED_SOP_SEQUENCE, 0);
    assert_eq!(
        value(reference, tags::REFERENCED_SOP_INSTANCE_UID),
        Some(remap("1.2.3.4.5.100"))
    );
    assert_eq!(
        value(reference, tags::REFERENCED_SOP_CLASS_UID).as_deref(),
        Some(CT)
    );
    assert_eq!(
        value(&leaves[4], tags::VALUE_TYPE).as_deref(),
        Some("IMAGE")
    );
    let observer = item(out, tags::VERIFYING_OBSERVER_SEQUENCE, 0);
    assert_eq!(
        value(observer, tags::VERIFYING_OBSERVER_NAME).as_deref(),
        Some("ANONYMOUS")
    );
    assert_eq!(
        value(observer, tags::VERIFYING_ORGANIZATION).as_deref(),
        Some("ANONYMOUS")
    );
    assert_eq!(
        value(observer, tags::VERIFICATION_DATE_TIME),
        Some(format!("{}090000", shifted("20200316")))
    );
    assert_eq!(
        items(
            observer,
            tags::VERIFYING_OBSERVER_IDENTIFICATION_CODE_SEQUENCE
        )
        .len(),
        0
    );
}

#[test]
fn sr_content_tree_three_levels_deep_is_cleaned_under_basic() {
    let (plan, out) = deid(&sr_header(), &Policy::default());
    assert_sr_content_cleaned(&plan, &out);
    // D on a sequence keeps it: no op on the sequence itself.
    assert_eq!(rule(&plan, "(0040,A730)"), None);
    assert_eq!(rule(&plan, "(0040,A073)"), None);
}

#[test]
fn clean_structured_content_cleans_the_content_tree() {
    let (plan, out) = deid(
        &sr_header(),
        &policy_with(ProfileOption::CleanStructuredContent),
    );
    assert_sr_content_cleaned(&plan, &out);
    assert_eq!(rule(&plan, "(0040,A730)"), None);
    let codes: Vec<String> = items(&out, tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE)
        .iter()
        .map(|i| value(i, tags::CODE_VALUE).unwrap())
        .collect();
    assert_eq!(codes, ["113100", "113104"]);
}

fn overlay_ct() -> InMemDicomObject {
    ct(vec![
        DataElement::new(OVERLAY_ROWS, VR::US, PrimitiveValue::from(4_u16)),
        DataElement::new(OVERLAY_COLUMNS, VR::US, PrimitiveValue::from(4_u16)),
        el(OVERLAY_TYPE, VR::CS, "G"),
        el(OVERLAY_DESCRIPTION, VR::LO, "annotations"),
        DataElement::new(
            OVERLAY_DATA,
            VR::OW,
            PrimitiveValue::from(vec![0xFF_u8, 0x00]),
        ),
        el(OVERLAY_COMMENTS, VR::LT, "drawn for John Doe"),
        // A second overlay group without Overlay Data.
        el(Tag(0x6002, 0x0022), VR::LO, "other overlay"),
        el(Tag(0x6002, 0x4000), VR::LT, "comment"),
        sq(
            tags::GRAPHIC_ANNOTATION_SEQUENCE,
            vec![obj(vec![sq(
                tags::TEXT_OBJECT_SEQUENCE,
                vec![obj(vec![el(
                    tags::UNFORMATTED_TEXT_VALUE,
                    VR::ST,
                    "Doe, John: lesion",
                )])],
            )])],
        ),
    ])
}

#[test]
fn overlay_groups_go_entirely_when_overlay_data_is_removed() {
    let (plan, out) = deid(&overlay_ct(), &Policy::default());
    for element in overlay_ct().iter() {
        let tag = element.tag();
        if tag.group() == 0x6000 {
            assert!(out.get(tag).is_none(), "{tag}");
            assert_eq!(rule(&plan, &tag.to_string()).as_deref(), Some("profile:X"));
        }
    }
    // No Overlay Data in 6002: only its (60xx,4000) comment row applies.
    assert_eq!(
        value(&out, Tag(0x6002, 0x0022)).as_deref(),
        Some("other overlay")
    );
    assert!(out.get(Tag(0x6002, 0x4000)).is_none());
    // Graphic annotations: D keeps the sequence and cleans the text.
    let text = item(
        item(&out, tags::GRAPHIC_ANNOTATION_SEQUENCE, 0),
        tags::TEXT_OBJECT_SEQUENCE,
        0,
    );
    assert_eq!(
        value(text, tags::UNFORMATTED_TEXT_VALUE).as_deref(),
        Some("XXX, XXXX: lesion")
    );
}

#[test]
fn clean_graphics_keeps_overlays_and_scrubs_their_text() {
    let (plan, out) = deid(&overlay_ct(), &policy_with(ProfileOption::CleanGraphics));
    assert!(out.get(OVERLAY_DATA).is_some());
    assert_eq!(value(&out, OVERLAY_TYPE).as_deref(), Some("G"));
    assert_eq!(out.get(OVERLAY_ROWS).unwrap().to_int::<u16>().unwrap(), 4);
    assert_eq!(
        value(&out, OVERLAY_COMMENTS).as_deref(),
        Some("drawn for XXXX XXX")
    );
    assert_eq!(rule(&plan, "(6000,4000)").as_deref(), Some("profile:C"));
    assert_eq!(rule(&plan, "(6000,3000)"), None);
    assert_eq!(value(&out, Tag(0x6002, 0x4000)).as_deref(), Some("comment"));
    let text = item(
        item(&out, tags::GRAPHIC_ANNOTATION_SEQUENCE, 0),
        tags::TEXT_OBJECT_SEQUENCE,
        0,
    );
    assert_eq!(
        value(text, tags::UNFORMATTED_TEXT_VALUE).as_deref(),
        Some("XXX, XXXX: lesion")
    );
}

#[test]
fn an_override_on_overlay_data_keeps_its_group() {
    let policy = Policy {
        overrides: vec![("(6000,3000)".parse().unwrap(), UserAction::Keep)],
        ..Policy::default()
    };
    let (_, out) = deid(&overlay_ct(), &policy);
    assert!(out.get(OVERLAY_DATA).is_some());
    assert!(out.get(OVERLAY_ROWS).is_some());
    // The comment row still applies.
    assert!(out.get(OVERLAY_COMMENTS).is_none());
}

fn safe_private_ct() -> InMemDicomObject {
    ct(vec![
        el(Tag(0x0043, 0x0010), VR::LO, "GEMS_PARM_01"),
        el(Tag(0x0043, 0x1027), VR::SH, "1.375:1"),
        el(Tag(0x0043, 0x1001), VR::LO, "unsafe"),
        el(Tag(0x0043, 0x0011), VR::LO, "SOME OTHER VENDOR"),
        el(Tag(0x0043, 0x1127), VR::SH, "not safe here"),
        el(Tag(0x0045, 0x0010), VR::LO, "GEMS_PARM_01"),
        el(Tag(0x0045, 0x1027), VR::SH, "wrong group"),
    ])
}

#[test]
fn retain_safe_private_keeps_safe_elements_with_their_creator() {
    let policy = Policy {
        profile: Profile::basic().with_option(ProfileOption::RetainSafePrivate),
        private: PrivatePolicy::KeepSafe,
        ..Policy::default()
    };
    let (plan, out) = deid(&safe_private_ct(), &policy);
    assert_eq!(
        value(&out, Tag(0x0043, 0x0010)).as_deref(),
        Some("GEMS_PARM_01")
    );
    assert_eq!(value(&out, Tag(0x0043, 0x1027)).as_deref(), Some("1.375:1"));
    for tag in [
        Tag(0x0043, 0x1001),
        Tag(0x0043, 0x0011),
        Tag(0x0043, 0x1127),
        Tag(0x0045, 0x0010),
        Tag(0x0045, 0x1027),
    ] {
        assert!(out.get(tag).is_none(), "{tag}");
        assert_eq!(rule(&plan, &tag.to_string()).as_deref(), Some("private"));
    }
    let codes: Vec<String> = items(&out, tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE)
        .iter()
        .map(|i| value(i, tags::CODE_VALUE).unwrap())
        .collect();
    assert_eq!(codes, ["113100", "113111"]);
    // The same header under `remove`: every private element goes.
    let (_, removed) = deid(&safe_private_ct(), &Policy::default());
    assert!(removed.iter().all(|e| e.tag().group() % 2 == 0));
}

// ----------------------------------------------------------------- stamps

fn method_values(out: &InMemDicomObject) -> Vec<String> {
    let element = out.get(tags::DEIDENTIFICATION_METHOD).unwrap();
    assert_eq!(element.vr(), VR::LO);
    element
        .value()
        .to_multi_str()
        .unwrap()
        .iter()
        .map(|s| s.to_string())
        .collect()
}

#[test]
fn stamps_of_the_basic_profile() {
    let (plan, out) = deid(&ct(vec![]), &Policy::default());
    assert!(plan.ops.is_empty());
    assert_eq!(plan.stamps.len(), 4);
    assert_eq!(
        value(&out, tags::PATIENT_IDENTITY_REMOVED).as_deref(),
        Some("YES")
    );
    assert_eq!(
        out.get(tags::PATIENT_IDENTITY_REMOVED).unwrap().vr(),
        VR::CS
    );
    assert_eq!(method_values(&out), ["Gantry PS3.15 E.1-1 Basic Profile"]);
    let codes = items(&out, tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE);
    assert_eq!(codes.len(), 1);
    assert_eq!(
        value(&codes[0], tags::CODE_VALUE).as_deref(),
        Some("113100")
    );
    assert_eq!(
        value(&codes[0], tags::CODING_SCHEME_DESIGNATOR).as_deref(),
        Some("DCM")
    );
    assert_eq!(
        value(&codes[0], tags::CODE_MEANING).as_deref(),
        Some("Basic Application Confidentiality Profile")
    );
    assert_eq!(
        value(&out, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(),
        Some("REMOVED")
    );
}

#[test]
fn stamps_with_one_option_fit_one_value() {
    let (_, out) = deid(&ct(vec![]), &policy_with(ProfileOption::RetainUids));
    assert_eq!(
        method_values(&out),
        ["Gantry PS3.15 E.1-1 Basic Profile + retain-uids"]
    );
}

#[test]
fn stamps_with_every_option_name_each_option_whole() {
    let profile = ProfileOption::ALL
        .into_iter()
        .fold(Profile::basic(), Profile::with_option);
    let policy = Policy {
        profile,
        ..Policy::default()
    };
    let (_, out) = deid(&dated_ct(), &policy);
    let values = method_values(&out);
    assert!(values.len() > 1);
    for value in &values {
        assert!(value.len() <= 64, "{value:?} is longer than LO allows");
        assert_eq!(value.trim(), value, "no padding inside values");
    }
    // Every option is named whole, in one value, in order.
    let mut expected = String::from("Gantry PS3.15 E.1-1 Basic Profile");
    for option in ProfileOption::ALL {
        expected.push_str(" + ");
        expected.push_str(option.name());
        assert!(
            values
                .iter()
                .any(|v| v.split(" + ").any(|part| part == option.name())),
            "{} is not named whole in {values:?}",
            option.name()
        );
    }
    assert_eq!(values.join(" + "), expected);
    let codes: Vec<(String, String, String)> =
        items(&out, tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE)
            .iter()
            .map(|i| {
                (
                    value(i, tags::CODE_VALUE).unwrap(),
                    value(i, tags::CODING_SCHEME_DESIGNATOR).unwrap(),
                    value(i, tags::CODE_MEANING).unwrap(),
                )
            })
            .collect();
    let code_values: Vec<&str> = codes.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(
        code_values,
        [
            "113100", "113111", "113110", "113109", "113112", "113108", "113106", "113107",
            "113105", "113104", "113103", "113101"
        ]
    );
    assert!(codes.iter().all(|c| c.1 == "DCM" && !c.2.is_empty()));
    assert_eq!(codes[11].2, "Clean Pixel Data Option");
    assert_eq!(
        value(&out, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(),
        Some("UNMODIFIED")
    );
}

#[test]
fn stamps_replace_existing_stamps() {
    let header = ct(vec![
        el(tags::PATIENT_IDENTITY_REMOVED, VR::CS, "NO"),
        el(
            tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED,
            VR::CS,
            "UNMODIFIED",
        ),
    ]);
    let (_, out) = deid(&header, &Policy::default());
    assert_eq!(
        value(&out, tags::PATIENT_IDENTITY_REMOVED).as_deref(),
        Some("YES")
    );
    assert_eq!(
        value(&out, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(),
        Some("REMOVED")
    );
}

// ---------------------------------------------------------- private data

fn acme_ct() -> InMemDicomObject {
    ct(vec![
        el(Tag(0x0029, 0x0010), VR::LO, "ACME"),
        el(Tag(0x0029, 0x0011), VR::LO, "OTHER VENDOR"),
        sq(
            Tag(0x0029, 0x1001),
            vec![obj(vec![
                el(tags::PATIENT_NAME, VR::PN, "Doe^John"),
                el(Tag(0x0029, 0x0010), VR::LO, "ACME"),
                el(Tag(0x0029, 0x1002), VR::LO, "seen John Doe"),
                el(Tag(0x0029, 0x1003), VR::UI, "1.2.3.4.5.100"),
                el(Tag(0x0029, 0x1004), VR::PN, "Doe^John"),
                el(Tag(0x0029, 0x1005), VR::LO, "harmless"),
                sq(
                    Tag(0x0029, 0x1006),
                    vec![obj(vec![
                        el(Tag(0x0029, 0x0010), VR::LO, "ACME"),
                        el(Tag(0x0029, 0x1007), VR::LT, "John's scan"),
                        el(tags::STUDY_DATE, VR::DA, "20200315"),
                    ])],
                ),
            ])],
        ),
        el(Tag(0x0029, 0x1010), VR::LO, "ACME setting"),
        el(Tag(0x0029, 0x1101), VR::LO, "other vendor data"),
    ])
}

#[test]
fn private_sequences_are_removed_whole_with_their_creators() {
    let (plan, out) = deid(&acme_ct(), &Policy::default());
    for tag in [
        Tag(0x0029, 0x0010),
        Tag(0x0029, 0x0011),
        Tag(0x0029, 0x1001),
        Tag(0x0029, 0x1010),
        Tag(0x0029, 0x1101),
    ] {
        assert!(out.get(tag).is_none(), "{tag}");
        assert_eq!(rule(&plan, &tag.to_string()).as_deref(), Some("private"));
    }
    assert!(!paths(&plan).iter().any(|p| p.starts_with("(0029,1001)[")));
    assert!(out.iter().all(|e| e.tag().group() != 0x0029));
}

#[test]
fn kept_private_blocks_are_walked_and_cleaned() {
    let policy = Policy {
        private: PrivatePolicy::Keep(vec!["ACME".into()]),
        ..Policy::default()
    };
    let (plan, out) = deid(&acme_ct(), &policy);
    assert_eq!(value(&out, Tag(0x0029, 0x0010)).as_deref(), Some("ACME"));
    assert_eq!(
        value(&out, Tag(0x0029, 0x1010)).as_deref(),
        Some("ACME setting")
    );
    // The other vendor's block goes, creator included.
    assert!(out.get(Tag(0x0029, 0x0011)).is_none());
    assert!(out.get(Tag(0x0029, 0x1101)).is_none());
    assert_eq!(rule(&plan, "(0029,0011)").as_deref(), Some("private"));
    assert_eq!(rule(&plan, "(0029,1001)"), None);

    let inner = item(&out, Tag(0x0029, 0x1001), 0);
    assert_eq!(value(inner, tags::PATIENT_NAME), Some(pseudonym()));
    assert_eq!(
        value(inner, Tag(0x0029, 0x1002)).as_deref(),
        Some("seen XXXX XXX")
    );
    assert_eq!(
        rule(&plan, "(0029,1001)[0].(0029,1002)").as_deref(),
        Some("identifier-in-text")
    );
    assert_eq!(
        value(inner, Tag(0x0029, 0x1005)).as_deref(),
        Some("harmless")
    );
    assert_eq!(value(inner, Tag(0x0029, 0x0010)).as_deref(), Some("ACME"));
    let deeper = item(inner, Tag(0x0029, 0x1006), 0);
    assert_eq!(
        value(deeper, Tag(0x0029, 0x1007)).as_deref(),
        Some("XXXX's scan")
    );
    assert_eq!(value(deeper, tags::STUDY_DATE).as_deref(), Some(""));
}

#[test]
fn kept_private_person_names_are_scrubbed() {
    let policy = Policy {
        private: PrivatePolicy::Keep(vec!["ACME".into()]),
        ..Policy::default()
    };
    let (plan, out) = deid(&acme_ct(), &policy);
    let inner = item(&out, Tag(0x0029, 0x1001), 0);
    assert_eq!(
        value(inner, Tag(0x0029, 0x1004)).as_deref(),
        Some("XXX^XXXX")
    );
    assert_eq!(
        rule(&plan, "(0029,1001)[0].(0029,1004)").as_deref(),
        Some("identifier-in-text")
    );
}

#[test]
fn kept_private_uids_are_remapped_like_any_other_uid() {
    let policy = Policy {
        private: PrivatePolicy::Keep(vec!["ACME".into()]),
        ..Policy::default()
    };
    let (plan, out) = deid(&acme_ct(), &policy);
    let inner = item(&out, Tag(0x0029, 0x1001), 0);
    assert_eq!(
        value(inner, Tag(0x0029, 0x1003)),
        Some(remap("1.2.3.4.5.100"))
    );
    assert_eq!(
        rule(&plan, "(0029,1001)[0].(0029,1003)").as_deref(),
        Some("uid")
    );
    // Unless UIDs are retained.
    let retain = Policy {
        profile: Profile::basic().with_option(ProfileOption::RetainUids),
        ..policy
    };
    let (_, out) = deid(&acme_ct(), &retain);
    let inner = item(&out, Tag(0x0029, 0x1001), 0);
    assert_eq!(
        value(inner, Tag(0x0029, 0x1003)).as_deref(),
        Some("1.2.3.4.5.100")
    );
}

#[test]
fn kept_private_text_without_its_vr_is_scrubbed() {
    // Private elements of implicit VR files come as UN bytes.
    let policy = Policy {
        private: PrivatePolicy::Keep(vec!["ACME".into()]),
        ..Policy::default()
    };
    let header = ct(vec![
        el(Tag(0x0029, 0x0010), VR::LO, "ACME"),
        DataElement::new(
            Tag(0x0029, 0x1020),
            VR::UN,
            PrimitiveValue::from(b"seen by Doe ".to_vec()),
        ),
        DataElement::new(
            Tag(0x0029, 0x1021),
            VR::UN,
            PrimitiveValue::from(vec![0x44_u8, 0x6F, 0x65, 0xFF]),
        ),
        DataElement::new(
            Tag(0x0029, 0x1022),
            VR::UN,
            PrimitiveValue::from(b"nothing here".to_vec()),
        ),
    ]);
    let (plan, out) = deid(&header, &policy);
    let scrubbed = out.get(Tag(0x0029, 0x1020)).unwrap();
    assert_eq!(scrubbed.vr(), VR::UN);
    assert_eq!(&*scrubbed.to_bytes().unwrap(), b"seen by XXX ");
    assert_eq!(
        rule(&plan, "(0029,1020)").as_deref(),
        Some("identifier-in-text")
    );
    // Not text: left alone. No identifier: no op.
    assert_eq!(
        &*out.get(Tag(0x0029, 0x1021)).unwrap().to_bytes().unwrap(),
        &[0x44, 0x6F, 0x65, 0xFF]
    );
    assert_eq!(rule(&plan, "(0029,1021)"), None);
    assert_eq!(rule(&plan, "(0029,1022)"), None);
}

#[test]
fn orphan_private_elements_are_removed() {
    let policy = Policy {
        private: PrivatePolicy::Keep(vec!["ACME".into()]),
        ..Policy::default()
    };
    let header = ct(vec![
        // No creator for block 0x10 of group 0x0031.
        el(Tag(0x0031, 0x1010), VR::LO, "orphan"),
        // Elements 0001–000F belong to no block.
        el(Tag(0x0033, 0x0010), VR::LO, "ACME"),
        el(Tag(0x0033, 0x0005), VR::LO, "orphan too"),
        el(Tag(0x0033, 0x1001), VR::LO, "kept"),
        // A creator whose block is empty.
        el(Tag(0x0035, 0x0010), VR::LO, "ACME"),
    ]);
    let (plan, out) = deid(&header, &policy);
    assert!(out.get(Tag(0x0031, 0x1010)).is_none());
    assert!(out.get(Tag(0x0033, 0x0005)).is_none());
    assert_eq!(value(&out, Tag(0x0033, 0x1001)).as_deref(), Some("kept"));
    assert_eq!(value(&out, Tag(0x0033, 0x0010)).as_deref(), Some("ACME"));
    assert!(out.get(Tag(0x0035, 0x0010)).is_none());
    assert_eq!(rule(&plan, "(0031,1010)").as_deref(), Some("private"));
    assert_eq!(rule(&plan, "(0033,0005)").as_deref(), Some("private"));
    assert_eq!(rule(&plan, "(0035,0010)").as_deref(), Some("private"));
}

// ------------------------------------------------------- values and VRs

#[test]
fn multi_valued_elements() {
    let policy = Policy {
        profile: Profile::basic().with_option(ProfileOption::RetainLongitudinalModifiedDates),
        ..Policy::default()
    };
    let header = ct(vec![
        multi(OTHER_PATIENT_IDS, VR::LO, &["A", "B"]),
        multi(
            tags::FAILED_SOP_INSTANCE_UID_LIST,
            VR::UI,
            &["1.2.3.4", "1.2.840.10008.1.2", "1.2.3.5"],
        ),
        multi(
            tags::DATE_OF_LAST_CALIBRATION,
            VR::DA,
            &["20200101", "", "20210615"],
        ),
        multi(
            tags::MANUFACTURER_MODEL_NAME,
            VR::LO,
            &["Scanner", "John's"],
        ),
    ]);
    let (plan, out) = deid(&header, &policy);
    assert!(out.get(OTHER_PATIENT_IDS).is_none());
    assert_eq!(
        value(&out, tags::FAILED_SOP_INSTANCE_UID_LIST),
        Some(format!(
            "{}\\1.2.840.10008.1.2\\{}",
            remap("1.2.3.4"),
            remap("1.2.3.5")
        ))
    );
    assert_eq!(
        value(&out, tags::DATE_OF_LAST_CALIBRATION),
        Some(format!(
            "{}\\\\{}",
            shifted("20200101"),
            shifted("20210615")
        ))
    );
    assert_eq!(
        value(&out, tags::MANUFACTURER_MODEL_NAME).as_deref(),
        Some("Scanner\\XXXX's")
    );
    assert_eq!(
        rule(&plan, "(0008,1090)").as_deref(),
        Some("identifier-in-text")
    );
}

#[test]
fn long_texts_are_scrubbed_not_cut() {
    // UT holds up to 2^32-2 bytes: scrubbing a long report keeps all of it.
    let long = format!("John Doe {}", "a".repeat(70_000));
    let header = header_of(
        COMPREHENSIVE_SR,
        vec![sq(
            tags::CONTENT_SEQUENCE,
            vec![obj(vec![el(tags::TEXT_VALUE, VR::UT, &long)])],
        )],
    );
    let (_, out) = deid(&header, &Policy::default());
    let text = value(item(&out, tags::CONTENT_SEQUENCE, 0), tags::TEXT_VALUE).unwrap();
    assert_eq!(text.len(), long.len());
    assert_eq!(text, format!("XXXX XXX {}", "a".repeat(70_000)));
    // ST is cut at its maximum of 1024.
    let header = ct(vec![el(
        tags::INSTITUTION_ADDRESS,
        VR::ST,
        &format!("John {}", "b".repeat(1100)),
    )]);
    let (_, out) = deid(
        &header,
        &policy_with(ProfileOption::RetainInstitutionIdentity),
    );
    let text = value(&out, tags::INSTITUTION_ADDRESS).unwrap();
    assert_eq!(text.len(), 1024);
    assert!(text.starts_with("XXXX bbb"));
}

#[test]
fn date_times_keep_their_time_and_time_zone() {
    let policy = policy_with(ProfileOption::RetainLongitudinalModifiedDates);
    let header = ct(vec![
        el(
            tags::ACQUISITION_DATE_TIME,
            VR::DT,
            "20200102030405.123456+0100",
        ),
        el(tags::OBSERVATION_DATE_TIME, VR::DT, "20200102-0500 "),
    ]);
    let (plan, out) = deid(&header, &policy);
    assert_eq!(
        value(&out, tags::ACQUISITION_DATE_TIME),
        Some(format!("{}030405.123456+0100", shifted("20200102")))
    );
    assert_eq!(
        value(&out, tags::OBSERVATION_DATE_TIME),
        Some(format!("{}-0500", shifted("20200102")))
    );
    assert!(plan.invalid_dates.is_empty());
}

#[test]
fn invalid_dates_are_emptied_or_replaced_and_reported() {
    // C: emptied.
    let policy = policy_with(ProfileOption::RetainLongitudinalModifiedDates);
    let header = ct(vec![
        el(tags::STUDY_DATE, VR::DA, "20231340"),
        el(tags::CONTENT_DATE, VR::DA, "notadate"),
        multi(
            tags::DATE_OF_LAST_CALIBRATION,
            VR::DA,
            &["20200101", "20200230"],
        ),
        el(tags::ACQUISITION_DATE_TIME, VR::DT, "20201301120000"),
        el(tags::SERIES_DATE, VR::DA, "20200315"),
    ]);
    let (plan, out) = deid(&header, &policy);
    assert_eq!(value(&out, tags::STUDY_DATE).as_deref(), Some(""));
    assert_eq!(value(&out, tags::CONTENT_DATE).as_deref(), Some(""));
    assert_eq!(
        value(&out, tags::DATE_OF_LAST_CALIBRATION).as_deref(),
        Some("")
    );
    assert_eq!(
        value(&out, tags::ACQUISITION_DATE_TIME).as_deref(),
        Some("")
    );
    assert_eq!(value(&out, tags::SERIES_DATE), Some(shifted("20200315")));
    assert_eq!(
        plan.invalid_dates,
        ["(0008,0020)", "(0008,0023)", "(0008,002A)", "(0018,1200)"]
    );

    // D: a dummy date, never the original.
    let sr = header_of(
        COMPREHENSIVE_SR,
        vec![sq(
            tags::CONTENT_SEQUENCE,
            vec![obj(vec![
                el(tags::DATE, VR::DA, "notadate"),
                el(tags::DATE_TIME, VR::DT, "2023134012"),
            ])],
        )],
    );
    let (plan, out) = deid(&sr, &Policy::default());
    let inner = item(&out, tags::CONTENT_SEQUENCE, 0);
    assert_eq!(value(inner, tags::DATE).as_deref(), Some("19000101"));
    assert_eq!(
        value(inner, tags::DATE_TIME).as_deref(),
        Some("19000101000000")
    );
    assert_eq!(
        plan.invalid_dates,
        ["(0040,A730)[0].(0040,A120)", "(0040,A730)[0].(0040,A121)"]
    );
    // Paths hold no values.
    assert!(plan.invalid_dates.iter().all(|p| !p.contains("notadate")));
}

#[test]
fn references_to_another_series_use_that_series_remap() {
    let study = "1.2.826.0.1.3680043.2.1";
    let other = ct(vec![
        el(tags::STUDY_INSTANCE_UID, VR::UI, study),
        el(
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            "1.2.826.0.1.3680043.2.1.2",
        ),
        el(
            tags::SOP_INSTANCE_UID,
            VR::UI,
            "1.2.826.0.1.3680043.2.1.2.7",
        ),
    ]);
    let this = ct(vec![
        el(tags::STUDY_INSTANCE_UID, VR::UI, study),
        el(
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            "1.2.826.0.1.3680043.2.1.1",
        ),
        el(
            tags::SOP_INSTANCE_UID,
            VR::UI,
            "1.2.826.0.1.3680043.2.1.1.1",
        ),
        sq(
            tags::REFERENCED_SERIES_SEQUENCE,
            vec![obj(vec![
                el(
                    tags::SERIES_INSTANCE_UID,
                    VR::UI,
                    "1.2.826.0.1.3680043.2.1.2",
                ),
                sq(
                    tags::REFERENCED_INSTANCE_SEQUENCE,
                    vec![obj(vec![
                        el(tags::REFERENCED_SOP_CLASS_UID, VR::UI, CT),
                        el(
                            tags::REFERENCED_SOP_INSTANCE_UID,
                            VR::UI,
                            "1.2.826.0.1.3680043.2.1.2.7",
                        ),
                    ])],
                ),
            ])],
        ),
    ]);
    let (_, other_out) = deid(&other, &Policy::default());
    let (plan, this_out) = deid(&this, &Policy::default());
    let reference = item(&this_out, tags::REFERENCED_SERIES_SEQUENCE, 0);
    assert_eq!(
        value(reference, tags::SERIES_INSTANCE_UID),
        value(&other_out, tags::SERIES_INSTANCE_UID)
    );
    assert_ne!(
        value(reference, tags::SERIES_INSTANCE_UID),
        value(&this_out, tags::SERIES_INSTANCE_UID)
    );
    assert_eq!(
        value(
            item(reference, tags::REFERENCED_INSTANCE_SEQUENCE, 0),
            tags::REFERENCED_SOP_INSTANCE_UID
        ),
        value(&other_out, tags::SOP_INSTANCE_UID)
    );
    assert_eq!(
        value(&this_out, tags::STUDY_INSTANCE_UID),
        value(&other_out, tags::STUDY_INSTANCE_UID)
    );
    assert_eq!(
        rule(&plan, "(0008,1115)[0].(0020,000E)").as_deref(),
        Some("profile:U")
    );
    assert_eq!(
        rule(&plan, "(0008,1115)[0].(0008,114A)[0].(0008,1155)").as_deref(),
        Some("profile:U")
    );
}

#[test]
fn utf8_names_are_replaced_and_scrubbed() {
    let mut ids = Identifiers::new();
    ids.add_patient_name("Müller^Jörg");
    ids.add_patient_id("PAT001");
    let header = ct(vec![
        el(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 192"),
        el(tags::PATIENT_NAME, VR::PN, "Müller^Jörg"),
        el(tags::STUDY_DESCRIPTION, VR::LO, "Befund Müller Jörg"),
        el(tags::SERIES_DESCRIPTION, VR::LO, "MUELLER, JOERG"),
    ]);
    let (_, out) = deid_with(&header, &policy_with(ProfileOption::CleanDescriptors), &ids);
    assert_eq!(value(&out, tags::PATIENT_NAME), Some(pseudonym()));
    assert_eq!(
        value(&out, tags::SPECIFIC_CHARACTER_SET).as_deref(),
        Some("ISO_IR 192")
    );
    assert_eq!(
        value(&out, tags::STUDY_DESCRIPTION).as_deref(),
        Some("Befund XXXXXX XXXX")
    );
    assert_eq!(
        value(&out, tags::SERIES_DESCRIPTION).as_deref(),
        Some("XXXXXXX, XXXXX")
    );
}

#[test]
fn japanese_names_are_replaced_and_the_character_set_stays() {
    let mut ids = Identifiers::new();
    ids.add_patient_name("Yamada^Tarou=山田^太郎=やまだ^たろう");
    let header = ct(vec![
        multi(
            tags::SPECIFIC_CHARACTER_SET,
            VR::CS,
            &["", "ISO 2022 IR 87"],
        ),
        el(
            tags::PATIENT_NAME,
            VR::PN,
            "Yamada^Tarou=山田^太郎=やまだ^たろう",
        ),
        el(tags::CONTENT_DESCRIPTION, VR::LO, "山田さんの検査"),
    ]);
    let (plan, out) = deid_with(&header, &Policy::default(), &ids);
    assert_eq!(value(&out, tags::PATIENT_NAME), Some(pseudonym()));
    assert_eq!(
        value(&out, tags::SPECIFIC_CHARACTER_SET).as_deref(),
        Some("\\ISO 2022 IR 87")
    );
    assert_eq!(rule(&plan, "(0008,0005)"), None);
    assert_eq!(
        value(&out, tags::CONTENT_DESCRIPTION).as_deref(),
        Some("XXさんの検査")
    );
}

#[test]
fn class_uids_are_never_remapped() {
    let header = header_of(
        VENDOR_SOP_CLASS,
        vec![
            el(tags::SOP_INSTANCE_UID, VR::UI, "1.3.12.2.1107.5.1.4.99.1"),
            el(tags::MEDIA_STORAGE_SOP_CLASS_UID, VR::UI, VENDOR_SOP_CLASS),
            el(tags::TRANSFER_SYNTAX_UID, VR::UI, "1.2.840.10008.1.2.1"),
            el(
                tags::ENCRYPTED_CONTENT_TRANSFER_SYNTAX_UID,
                VR::UI,
                "1.3.46.670589.33.1.4.1",
            ),
            el(
                tags::RELATED_GENERAL_SOP_CLASS_UID,
                VR::UI,
                "1.3.12.2.1107.5.9.2",
            ),
            sq(
                tags::REFERENCED_SERIES_SEQUENCE,
                vec![obj(vec![sq(
                    tags::REFERENCED_INSTANCE_SEQUENCE,
                    vec![obj(vec![
                        el(tags::REFERENCED_SOP_CLASS_UID, VR::UI, VENDOR_SOP_CLASS),
                        el(
                            tags::REFERENCED_SOP_INSTANCE_UID,
                            VR::UI,
                            "1.3.12.2.1107.5.1.4.99.2",
                        ),
                    ])],
                )])],
            ),
        ],
    );
    let (plan, out) = deid(&header, &Policy::default());
    assert_eq!(
        value(&out, tags::SOP_CLASS_UID).as_deref(),
        Some(VENDOR_SOP_CLASS)
    );
    assert_eq!(
        value(&out, tags::MEDIA_STORAGE_SOP_CLASS_UID).as_deref(),
        Some(VENDOR_SOP_CLASS)
    );
    assert_eq!(
        value(&out, tags::TRANSFER_SYNTAX_UID).as_deref(),
        Some("1.2.840.10008.1.2.1")
    );
    assert_eq!(
        value(&out, tags::ENCRYPTED_CONTENT_TRANSFER_SYNTAX_UID).as_deref(),
        Some("1.3.46.670589.33.1.4.1")
    );
    assert_eq!(
        value(&out, tags::RELATED_GENERAL_SOP_CLASS_UID).as_deref(),
        Some("1.3.12.2.1107.5.9.2")
    );
    let reference = item(
        item(&out, tags::REFERENCED_SERIES_SEQUENCE, 0),
        tags::REFERENCED_INSTANCE_SEQUENCE,
        0,
    );
    assert_eq!(
        value(reference, tags::REFERENCED_SOP_CLASS_UID).as_deref(),
        Some(VENDOR_SOP_CLASS)
    );
    assert_eq!(
        value(reference, tags::REFERENCED_SOP_INSTANCE_UID),
        Some(remap("1.3.12.2.1107.5.1.4.99.2"))
    );
    assert_eq!(
        value(&out, tags::SOP_INSTANCE_UID),
        Some(remap("1.3.12.2.1107.5.1.4.99.1"))
    );
    assert_eq!(
        paths(&plan),
        ["(0008,0018)", "(0008,1115)[0].(0008,114A)[0].(0008,1155)"]
    );
}

#[test]
fn well_known_uids_are_never_remapped() {
    let header = ct(vec![
        // Coding scheme UIDs in an attribute that is otherwise remapped.
        el(tags::UID, VR::UI, "2.16.840.1.113883.6.1"),
        el(tags::IRRADIATION_EVENT_UID, VR::UI, "1.2.840.10008.1.2"),
        sq(
            tags::CONCEPT_NAME_CODE_SEQUENCE,
            vec![obj(vec![
                el(tags::CODE_VALUE, VR::SH, "121071"),
                el(tags::CONTEXT_UID, VR::UI, "1.2.840.10008.6.1.19"),
                el(tags::CODING_SCHEME_UID, VR::UI, "2.16.840.1.113883.6.96"),
            ])],
        ),
    ]);
    let (plan, out) = deid(&header, &Policy::default());
    assert_eq!(
        value(&out, tags::UID).as_deref(),
        Some("2.16.840.1.113883.6.1")
    );
    assert_eq!(
        value(&out, tags::IRRADIATION_EVENT_UID).as_deref(),
        Some("1.2.840.10008.1.2")
    );
    let code = item(&out, tags::CONCEPT_NAME_CODE_SEQUENCE, 0);
    assert_eq!(
        value(code, tags::CONTEXT_UID).as_deref(),
        Some("1.2.840.10008.6.1.19")
    );
    assert_eq!(
        value(code, tags::CODING_SCHEME_UID).as_deref(),
        Some("2.16.840.1.113883.6.96")
    );
    assert!(plan.ops.is_empty(), "{:?}", paths(&plan));
}

#[test]
fn uids_outside_the_table_are_remapped_anywhere() {
    let header = ct(vec![sq(
        tags::CONCEPT_NAME_CODE_SEQUENCE,
        vec![obj(vec![el(tags::CONTEXT_UID, VR::UI, "1.2.3.4.77")])],
    )]);
    let (plan, out) = deid(&header, &Policy::default());
    assert_eq!(
        value(
            item(&out, tags::CONCEPT_NAME_CODE_SEQUENCE, 0),
            tags::CONTEXT_UID
        ),
        Some(remap("1.2.3.4.77"))
    );
    assert_eq!(
        rule(&plan, "(0040,A043)[0].(0008,0117)").as_deref(),
        Some("uid")
    );
}

#[test]
fn group_length_elements_are_removed() {
    let header = ct(vec![
        DataElement::new(Tag(0x0008, 0x0000), VR::UL, PrimitiveValue::from(100_u32)),
        DataElement::new(Tag(0x0010, 0x0000), VR::UL, PrimitiveValue::from(20_u32)),
        DataElement::new(Tag(0x0009, 0x0000), VR::UL, PrimitiveValue::from(8_u32)),
        sq(
            tags::REFERENCED_SERIES_SEQUENCE,
            vec![obj(vec![DataElement::new(
                Tag(0x0020, 0x0000),
                VR::UL,
                PrimitiveValue::from(30_u32),
            )])],
        ),
    ]);
    let (plan, out) = deid(&header, &Policy::default());
    for path in [
        "(0008,0000)",
        "(0009,0000)",
        "(0010,0000)",
        "(0008,1115)[0].(0020,0000)",
    ] {
        assert_eq!(rule(&plan, path).as_deref(), Some("group-length"), "{path}");
    }
    assert!(out.iter().all(|e| e.tag().element() != 0));
    assert!(
        item(&out, tags::REFERENCED_SERIES_SEQUENCE, 0)
            .get(Tag(0x0020, 0x0000))
            .is_none()
    );
}

// -------------------------------------------------------------- overrides

fn override_policy(overrides: Vec<(&str, UserAction)>) -> Policy {
    Policy {
        overrides: overrides
            .into_iter()
            .map(|(path, action)| (path.parse().expect("a tag path"), action))
            .collect(),
        ..Policy::default()
    }
}

#[test]
fn override_keep_wins_over_the_profile() {
    let header = ct(vec![el(tags::PATIENT_AGE, VR::AS, "047Y")]);
    let (plan, out) = deid(
        &header,
        &override_policy(vec![("PatientAge", UserAction::Keep)]),
    );
    assert_eq!(value(&out, tags::PATIENT_AGE).as_deref(), Some("047Y"));
    assert!(plan.ops.is_empty());
}

#[test]
fn override_replace_is_validated_against_the_vr() {
    let header = ct(vec![
        el(tags::PATIENT_BIRTH_DATE, VR::DA, "19700101"),
        el(tags::PATIENT_SEX, VR::CS, "M"),
    ]);
    let error = try_plan(
        &header,
        &override_policy(vec![("PatientBirthDate", UserAction::Replace("X".into()))]),
    )
    .unwrap_err();
    match &error {
        PlanError::InvalidReplacement { path, vr } => {
            assert_eq!(path, "(0010,0030)");
            assert_eq!(*vr, "DA");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "config REPLACE value for (0010,0030) is not valid for VR DA"
    );
    assert!(matches!(
        try_plan(
            &header,
            &override_policy(vec![("PatientSex", UserAction::Replace("male".into()))]),
        ),
        Err(PlanError::InvalidReplacement { .. })
    ));
    let (plan, out) = deid(
        &header,
        &override_policy(vec![
            ("PatientBirthDate", UserAction::Replace("19000101".into())),
            ("PatientSex", UserAction::Replace("O".into())),
        ]),
    );
    assert_eq!(
        value(&out, tags::PATIENT_BIRTH_DATE).as_deref(),
        Some("19000101")
    );
    assert_eq!(value(&out, tags::PATIENT_SEX).as_deref(), Some("O"));
    assert_eq!(rule(&plan, "(0010,0030)").as_deref(), Some("config"));
}

#[test]
fn override_hash_is_keyed_and_truncated_to_the_vr() {
    let header = ct(vec![
        el(tags::ACCESSION_NUMBER, VR::SH, "ACC12345"),
        el(tags::STUDY_DESCRIPTION, VR::LO, "CT chest"),
        el(tags::BODY_PART_EXAMINED, VR::CS, "CHEST"),
    ]);
    let (plan, out) = deid(
        &header,
        &override_policy(vec![
            ("AccessionNumber", UserAction::Hash),
            ("StudyDescription", UserAction::Hash),
            ("BodyPartExamined", UserAction::Hash),
        ]),
    );
    let accession = value(&out, tags::ACCESSION_NUMBER).unwrap();
    assert_eq!(accession.len(), 16);
    assert_eq!(accession, keyring().hash("ACC12345", 16));
    assert!(accession.chars().all(|c| c.is_ascii_hexdigit()));
    let description = value(&out, tags::STUDY_DESCRIPTION).unwrap();
    assert_eq!(description.len(), 64);
    assert_eq!(description, keyring().hash("CT chest", 64));
    // CS allows upper case, digits, space and underscore only.
    let body_part = value(&out, tags::BODY_PART_EXAMINED).unwrap();
    assert_eq!(body_part.len(), 16);
    assert!(valid_for_vr(&body_part, VR::CS), "{body_part}");
    assert_eq!(rule(&plan, "(0008,0050)").as_deref(), Some("config"));
    // Another key, another hash.
    let other = ProjectKey::from_bytes([8u8; 32]).keyring();
    assert_ne!(other.hash("ACC12345", 16), accession);
}

#[test]
fn override_hash_gives_numbers_and_uids_valid_values() {
    let study_uid = "1.2.840.113619.2.55.3.604688119.868.1249633385.29";
    let header = ct(vec![
        el(tags::STUDY_INSTANCE_UID, VR::UI, study_uid),
        el(tags::STUDY_ID, VR::SH, "4711"),
        el(tags::SERIES_NUMBER, VR::IS, "4711"),
        el(tags::PATIENT_WEIGHT, VR::DS, "72.4"),
    ]);
    let (_, out) = deid(
        &header,
        &override_policy(vec![
            ("StudyInstanceUID", UserAction::Hash),
            ("SeriesNumber", UserAction::Hash),
            ("PatientWeight", UserAction::Hash),
        ]),
    );
    // UI: the keyed UID remap, so references to the study still agree.
    assert_eq!(
        value(&out, tags::STUDY_INSTANCE_UID).as_deref(),
        Some(keyring().remap_uid(study_uid).as_str())
    );
    let series_number = value(&out, tags::SERIES_NUMBER).unwrap();
    assert_eq!(series_number, keyring().hash_digits("4711", 9));
    assert!(series_number.len() <= 9 && series_number.parse::<i32>().is_ok());
    assert_ne!(series_number, "4711");
    let weight = value(&out, tags::PATIENT_WEIGHT).unwrap();
    assert!(
        weight.len() <= 16 && valid_for_vr(&weight, VR::DS),
        "{weight}"
    );
    assert_ne!(weight, "72.4");
}

#[test]
fn override_hash_refuses_sequences() {
    let item = InMemDicomObject::from_element_iter([el(tags::CODE_VALUE, VR::SH, "T-A0100")]);
    let header = ct(vec![DataElement::new(
        tags::ANATOMIC_REGION_SEQUENCE,
        VR::SQ,
        DataSetSequence::from(vec![item]),
    )]);
    let error = try_plan(
        &header,
        &override_policy(vec![("AnatomicRegionSequence", UserAction::Hash)]),
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "config HASH for (0008,2218): VR SQ has no valid hashed value (use SHIFT, DUMMY, ROUND or REMOVE)"
    );
}

#[test]
fn override_hash_refuses_vrs_without_a_hashed_form() {
    for (keyword, tag, vr, text) in [
        (
            "PatientBirthDate",
            tags::PATIENT_BIRTH_DATE,
            VR::DA,
            "19700101",
        ),
        ("StudyTime", tags::STUDY_TIME, VR::TM, "101500"),
        ("PatientAge", tags::PATIENT_AGE, VR::AS, "047Y"),
        ("PixelSpacing", tags::PIXEL_SPACING, VR::FL, "0.5"),
    ] {
        let header = ct(vec![el(tag, vr, text)]);
        let error =
            try_plan(&header, &override_policy(vec![(keyword, UserAction::Hash)])).unwrap_err();
        assert!(
            matches!(&error, PlanError::HashNotForVr { vr: v, .. } if *v == vr.to_string()),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(message.starts_with("config HASH for ("), "{message}");
        assert!(
            !message.contains(text),
            "the value must not be in {message}"
        );
    }
}

#[test]
fn overrides_name_private_elements_by_creator_at_their_own_level() {
    let seq = Tag(0x0009, 0x1110);
    let item = InMemDicomObject::from_element_iter([
        el(Tag(0x0009, 0x0011), VR::LO, "ACME_NESTED"),
        el(Tag(0x0009, 0x1120), VR::SH, "NESTED-KEPT"),
        el(Tag(0x0009, 0x1121), VR::SH, "NESTED-GOES"),
    ]);
    let header = ct(vec![
        el(Tag(0x0009, 0x0010), VR::LO, "GEMS_IDEN_01"),
        el(Tag(0x0009, 0x0011), VR::LO, "ACME_NESTED"),
        el(Tag(0x0009, 0x1004), VR::SH, "LightSpeed VCT"),
        el(Tag(0x0009, 0x1002), VR::SH, "CT01"),
        el(Tag(0x0009, 0x1005), VR::SH, "GONE"),
        // Same element number, another creator: not named.
        el(Tag(0x0009, 0x1104), VR::SH, "OTHER"),
        DataElement::new(seq, VR::SQ, DataSetSequence::from(vec![item])),
    ]);
    let policy = override_policy(vec![
        ("(0009,{GEMS_IDEN_01}04)", UserAction::Keep),
        ("(0009,{GEMS_IDEN_01}02)", UserAction::Replace("XX".into())),
        // Inside the sequence (itself kept), a block whose creator the item
        // declares.
        ("(0009,{ACME_NESTED}10)", UserAction::Keep),
        (
            "(0009,{ACME_NESTED}10)/(0009,{ACME_NESTED}20)",
            UserAction::Keep,
        ),
    ]);
    assert_eq!(policy.private, PrivatePolicy::Remove);
    let (plan, out) = deid(&header, &policy);
    assert_eq!(
        value(&out, Tag(0x0009, 0x1004)).as_deref(),
        Some("LightSpeed VCT")
    );
    assert_eq!(value(&out, Tag(0x0009, 0x1002)).as_deref(), Some("XX"));
    assert_eq!(rule(&plan, "(0009,1002)").as_deref(), Some("config"));
    assert_eq!(value(&out, Tag(0x0009, 0x1005)), None);
    assert_eq!(value(&out, Tag(0x0009, 0x1104)), None);
    // Kept blocks keep their creators.
    assert_eq!(
        value(&out, Tag(0x0009, 0x0010)).as_deref(),
        Some("GEMS_IDEN_01")
    );
    assert_eq!(
        value(&out, Tag(0x0009, 0x0011)).as_deref(),
        Some("ACME_NESTED")
    );
    let items = out.get(seq).expect("the kept sequence").items().unwrap();
    assert_eq!(
        value(&items[0], Tag(0x0009, 0x1120)).as_deref(),
        Some("NESTED-KEPT")
    );
    assert_eq!(value(&items[0], Tag(0x0009, 0x1121)), None);
    assert_eq!(
        value(&items[0], Tag(0x0009, 0x0011)).as_deref(),
        Some("ACME_NESTED")
    );
}

#[test]
fn a_private_override_for_another_creator_changes_nothing() {
    let header = ct(vec![
        el(Tag(0x0009, 0x0010), VR::LO, "GEMS_IDEN_01"),
        el(Tag(0x0009, 0x1004), VR::SH, "LightSpeed VCT"),
    ]);
    let (_, out) = deid(
        &header,
        &override_policy(vec![("(0009,{SIEMENS CSA HEADER}04)", UserAction::Keep)]),
    );
    assert_eq!(value(&out, Tag(0x0009, 0x1004)), None);
    assert_eq!(value(&out, Tag(0x0009, 0x0010)), None);
}

#[test]
fn override_round_buckets_ages_and_weights() {
    let header = ct(vec![
        el(tags::PATIENT_AGE, VR::AS, "047Y"),
        el(tags::PATIENT_WEIGHT, VR::DS, "72.4"),
        el(tags::PATIENT_SIZE, VR::DS, "1.82"),
    ]);
    let (plan, out) = deid(
        &header,
        &override_policy(vec![
            ("PatientAge", UserAction::Round),
            ("PatientWeight", UserAction::Round),
        ]),
    );
    assert_eq!(value(&out, tags::PATIENT_AGE).as_deref(), Some("045Y"));
    assert_eq!(value(&out, tags::PATIENT_WEIGHT).as_deref(), Some("70"));
    assert_eq!(rule(&plan, "(0010,1010)").as_deref(), Some("config"));
    // Not overridden: the profile removes it.
    assert!(out.get(tags::PATIENT_SIZE).is_none());
    // Ages in months are left as they are.
    let (_, out) = deid(
        &ct(vec![el(tags::PATIENT_AGE, VR::AS, "003M")]),
        &override_policy(vec![("PatientAge", UserAction::Round)]),
    );
    assert_eq!(value(&out, tags::PATIENT_AGE).as_deref(), Some("003M"));
}

#[test]
fn override_shift_moves_dates_by_the_patient_offset() {
    let header = ct(vec![
        el(tags::PATIENT_BIRTH_DATE, VR::DA, "19700101"),
        el(tags::STUDY_DATE, VR::DA, "20200315"),
    ]);
    let (plan, out) = deid(
        &header,
        &override_policy(vec![
            ("PatientBirthDate", UserAction::Shift),
            ("StudyDate", UserAction::Shift),
        ]),
    );
    assert_eq!(
        value(&out, tags::PATIENT_BIRTH_DATE),
        Some(shifted("19700101"))
    );
    assert_eq!(value(&out, tags::STUDY_DATE), Some(shifted("20200315")));
    assert_eq!(rule(&plan, "(0010,0030)").as_deref(), Some("config"));
    assert_eq!(
        value(&out, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(),
        Some("MODIFIED")
    );
}

#[test]
fn shifted_dates_are_stamped_modified_even_with_full_dates() {
    let policy = Policy {
        profile: Profile::basic().with_option(ProfileOption::RetainLongitudinalFullDates),
        ..override_policy(vec![("StudyDate", UserAction::Shift)])
    };
    let (_, out) = deid(&dated_ct(), &policy);
    assert_eq!(value(&out, tags::STUDY_DATE), Some(shifted("20200315")));
    assert_eq!(value(&out, tags::CONTENT_DATE).as_deref(), Some("20200316"));
    assert_eq!(
        value(&out, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(),
        Some("MODIFIED")
    );
}

#[test]
fn override_replace_checks_ages_and_decimals() {
    let header = ct(vec![
        el(tags::PATIENT_AGE, VR::AS, "047Y"),
        el(tags::PATIENT_WEIGHT, VR::DS, "72.5"),
    ]);
    for (path, bad) in [
        ("PatientAge", "047Q"),
        ("PatientAge", "4 7Y"),
        ("PatientAge", "04é"),
        ("PatientWeight", "NaN"),
        ("PatientWeight", "inf"),
    ] {
        assert!(
            matches!(
                try_plan(
                    &header,
                    &override_policy(vec![(path, UserAction::Replace(bad.into()))])
                ),
                Err(PlanError::InvalidReplacement { .. })
            ),
            "{path} = {bad:?} accepted"
        );
    }
    let (_, out) = deid(
        &header,
        &override_policy(vec![
            ("PatientAge", UserAction::Replace("045Y".into())),
            ("PatientWeight", UserAction::Replace("7.25e1".into())),
        ]),
    );
    assert_eq!(value(&out, tags::PATIENT_AGE).as_deref(), Some("045Y"));
    assert_eq!(value(&out, tags::PATIENT_WEIGHT).as_deref(), Some("7.25e1"));
}

#[test]
fn override_shift_leaves_times_as_they_are() {
    // The offset is whole days: a time has nothing to shift, and it is not
    // an invalid date.
    let header = ct(vec![
        el(tags::STUDY_DATE, VR::DA, "20200315"),
        el(tags::STUDY_TIME, VR::TM, "101112"),
    ]);
    let (plan, out) = deid(
        &header,
        &override_policy(vec![
            ("StudyDate", UserAction::Shift),
            ("StudyTime", UserAction::Shift),
        ]),
    );
    assert_eq!(value(&out, tags::STUDY_DATE), Some(shifted("20200315")));
    assert_eq!(value(&out, tags::STUDY_TIME).as_deref(), Some("101112"));
    assert_eq!(rule(&plan, "(0008,0030)"), None);
    assert!(plan.invalid_dates.is_empty(), "{:?}", plan.invalid_dates);
}

#[test]
fn override_paths_with_any_depth() {
    let header = ct(vec![
        el(tags::PATIENT_NAME, VR::PN, "Doe^John"),
        sq(
            tags::REFERENCED_SERIES_SEQUENCE,
            vec![obj(vec![
                el(tags::PATIENT_NAME, VR::PN, "Doe^John"),
                sq(
                    tags::REFERENCED_INSTANCE_SEQUENCE,
                    vec![obj(vec![el(tags::PATIENT_NAME, VR::PN, "Doe^John")])],
                ),
            ])],
        ),
    ]);
    let (plan, out) = deid(
        &header,
        &override_policy(vec![(
            "*/PatientName",
            UserAction::Replace("SUBJECT".into()),
        )]),
    );
    assert_eq!(value(&out, tags::PATIENT_NAME).as_deref(), Some("SUBJECT"));
    let level1 = item(&out, tags::REFERENCED_SERIES_SEQUENCE, 0);
    assert_eq!(
        value(level1, tags::PATIENT_NAME).as_deref(),
        Some("SUBJECT")
    );
    assert_eq!(
        value(
            item(level1, tags::REFERENCED_INSTANCE_SEQUENCE, 0),
            tags::PATIENT_NAME
        )
        .as_deref(),
        Some("SUBJECT")
    );
    assert_eq!(
        rule(&plan, "(0008,1115)[0].(0008,114A)[0].(0010,0010)").as_deref(),
        Some("config")
    );
    // First match wins: the top level kept, nested ones removed.
    let (_, out) = deid(
        &header,
        &override_policy(vec![
            ("PatientName", UserAction::Keep),
            ("*/PatientName", UserAction::Remove),
        ]),
    );
    assert_eq!(value(&out, tags::PATIENT_NAME).as_deref(), Some("Doe^John"));
    let level1 = item(&out, tags::REFERENCED_SERIES_SEQUENCE, 0);
    assert!(level1.get(tags::PATIENT_NAME).is_none());
    // A sequence path matches only there.
    let (_, out) = deid(
        &header,
        &override_policy(vec![(
            "ReferencedSeriesSequence/PatientName",
            UserAction::Empty,
        )]),
    );
    assert_eq!(value(&out, tags::PATIENT_NAME), Some(pseudonym()));
    let level1 = item(&out, tags::REFERENCED_SERIES_SEQUENCE, 0);
    assert_eq!(value(level1, tags::PATIENT_NAME).as_deref(), Some(""));
    assert_eq!(
        value(
            item(level1, tags::REFERENCED_INSTANCE_SEQUENCE, 0),
            tags::PATIENT_NAME
        ),
        Some(pseudonym())
    );
}

#[test]
fn override_uid_and_clean() {
    let header = ct(vec![
        el(tags::MANUFACTURER, VR::LO, "ACME for John Doe"),
        el(tags::CREATOR_VERSION_UID, VR::UI, "1.2.3.4.10"),
    ]);
    let policy = Policy {
        profile: Profile::basic().with_option(ProfileOption::RetainUids),
        ..override_policy(vec![
            ("Manufacturer", UserAction::Clean),
            ("CreatorVersionUID", UserAction::Uid),
        ])
    };
    let (plan, out) = deid(&header, &policy);
    assert_eq!(
        value(&out, tags::MANUFACTURER).as_deref(),
        Some("ACME for XXXX XXX")
    );
    assert_eq!(
        value(&out, tags::CREATOR_VERSION_UID),
        Some(remap("1.2.3.4.10"))
    );
    assert_eq!(rule(&plan, "(0008,0070)").as_deref(), Some("config"));
}

// ------------------------------------------------------------- pseudonyms

#[test]
fn pseudonyms_are_keyed_with_a_configurable_prefix() {
    let header = ct(vec![
        el(tags::PATIENT_NAME, VR::PN, "Doe^John"),
        el(tags::PATIENT_ID, VR::LO, "PAT001"),
    ]);
    let policy = Policy {
        pseudonym_prefix: "SUBJ-".into(),
        ..Policy::default()
    };
    let (_, out) = deid(&header, &policy);
    let expected = keyring().pseudonym("patient", PATIENT_KEY, "SUBJ-", 10);
    assert!(expected.starts_with("SUBJ-"));
    assert_eq!(value(&out, tags::PATIENT_ID), Some(expected.clone()));
    assert_eq!(value(&out, tags::PATIENT_NAME), Some(expected));
    // Deterministic.
    let (_, again) = deid(&header, &Policy::default());
    let (_, once_more) = deid(&header, &Policy::default());
    assert_eq!(value(&again, tags::PATIENT_ID), Some(pseudonym()));
    assert_eq!(value(&once_more, tags::PATIENT_ID), Some(pseudonym()));
}

#[test]
fn pseudonyms_from_a_table() {
    let header = ct(vec![
        el(tags::PATIENT_NAME, VR::PN, "Doe^John"),
        el(tags::PATIENT_ID, VR::LO, "PAT001"),
    ]);
    let table: HashMap<String, String> = [("PAT001".to_string(), "STUDY-0042".to_string())]
        .into_iter()
        .collect();
    let policy = Policy {
        pseudonym_table: Some(table),
        missing_pseudonym: MissingPseudonym::Fail,
        ..Policy::default()
    };
    let (_, out) = deid(&header, &policy);
    assert_eq!(value(&out, tags::PATIENT_ID).as_deref(), Some("STUDY-0042"));
    assert_eq!(
        value(&out, tags::PATIENT_NAME).as_deref(),
        Some("STUDY-0042")
    );
}

#[test]
fn missing_pseudonyms_fail_or_are_generated() {
    let header = ct(vec![el(tags::PATIENT_ID, VR::LO, "PAT001")]);
    let table: HashMap<String, String> = [("PAT999".to_string(), "STUDY-0999".to_string())]
        .into_iter()
        .collect();
    let failing = Policy {
        pseudonym_table: Some(table.clone()),
        missing_pseudonym: MissingPseudonym::Fail,
        ..Policy::default()
    };
    assert!(matches!(
        try_plan(&header, &failing),
        Err(PlanError::MissingPseudonym)
    ));
    let generating = Policy {
        pseudonym_table: Some(table),
        missing_pseudonym: MissingPseudonym::Generate,
        ..Policy::default()
    };
    let (_, out) = deid(&header, &generating);
    assert_eq!(value(&out, tags::PATIENT_ID), Some(pseudonym()));
}

// ---------------------------------------------------------- UN elements

#[test]
fn un_elements_are_read_in_their_real_vr_before_planning() {
    let mut header = ct(vec![
        DataElement::new(
            tags::PATIENT_NAME,
            VR::UN,
            PrimitiveValue::from(b"Doe^John".to_vec()),
        ),
        DataElement::new(
            tags::STUDY_INSTANCE_UID,
            VR::UN,
            PrimitiveValue::from(b"1.2.3.4.5\0".to_vec()),
        ),
        DataElement::new(
            tags::ROWS,
            VR::UN,
            PrimitiveValue::from(vec![0x00_u8, 0x02]),
        ),
        sq(
            tags::REFERENCED_SERIES_SEQUENCE,
            vec![obj(vec![DataElement::new(
                tags::SERIES_INSTANCE_UID,
                VR::UN,
                PrimitiveValue::from(b"1.2.3.4.6".to_vec()),
            )])],
        ),
    ]);
    normalize_un(&mut header);
    assert_eq!(header.get(tags::PATIENT_NAME).unwrap().vr(), VR::PN);
    assert_eq!(
        value(&header, tags::PATIENT_NAME).as_deref(),
        Some("Doe^John")
    );
    assert_eq!(header.get(tags::STUDY_INSTANCE_UID).unwrap().vr(), VR::UI);
    assert_eq!(header.get(tags::ROWS).unwrap().vr(), VR::US);
    assert_eq!(
        header.get(tags::ROWS).unwrap().to_int::<u16>().unwrap(),
        512
    );

    let (plan, out) = deid(&header, &Policy::default());
    assert_eq!(value(&out, tags::PATIENT_NAME), Some(pseudonym()));
    assert_eq!(out.get(tags::PATIENT_NAME).unwrap().vr(), VR::PN);
    // One UID, remapped once (not byte by byte).
    assert_eq!(
        value(&out, tags::STUDY_INSTANCE_UID),
        Some(remap("1.2.3.4.5"))
    );
    assert_eq!(
        value(
            item(&out, tags::REFERENCED_SERIES_SEQUENCE, 0),
            tags::SERIES_INSTANCE_UID
        ),
        Some(remap("1.2.3.4.6"))
    );
    assert_eq!(rule(&plan, "(0020,000D)").as_deref(), Some("profile:U"));
}

// ------------------------------------------------------------ determinism

fn busy_header() -> InMemDicomObject {
    let mut header = sr_header();
    for (group, creator) in [
        (0x0009_u16, "A"),
        (0x0011, "B"),
        (0x0013, "C"),
        (0x0015, "D"),
        (0x0017, "E"),
        (0x0019, "F"),
    ] {
        for block in [0x10_u16, 0x11, 0x12] {
            header.put(el(Tag(group, block), VR::LO, creator));
            header.put(el(Tag(group, block << 8 | 0x01), VR::LO, "data"));
        }
    }
    header.put(el(tags::PATIENT_NAME, VR::PN, "Doe^John"));
    header.put(el(tags::STUDY_INSTANCE_UID, VR::UI, "1.2.3.4.1"));
    header
}

#[test]
fn planning_twice_gives_identical_ops() {
    let header = busy_header();
    let first = try_plan(&header, &Policy::default()).unwrap();
    for _ in 0..20 {
        let again = try_plan(&header, &Policy::default()).unwrap();
        assert_eq!(ops_fingerprint(&again), ops_fingerprint(&first));
        assert_eq!(format!("{:?}", again.stamps), format!("{:?}", first.stamps));
        assert_eq!(again.date_offset_days, first.date_offset_days);
    }
}

#[test]
fn another_key_gives_other_uids_pseudonyms_and_offsets() {
    let header = busy_header();
    let ids = identifiers();
    let other_keys = ProjectKey::from_bytes([8u8; 32]).keyring();
    let ours = try_plan_with(&header, &Policy::default(), &keyring(), &ids).unwrap();
    let theirs = try_plan_with(&header, &Policy::default(), &other_keys, &ids).unwrap();
    assert_ne!(ours.date_offset_days, theirs.date_offset_days);
    assert_eq!(
        theirs.date_offset_days,
        other_keys.date_offset_days(PATIENT_KEY, -3650, -1)
    );
    let mut ours_out = header.clone();
    apply(&mut ours_out, &ours).unwrap();
    let mut theirs_out = header.clone();
    apply(&mut theirs_out, &theirs).unwrap();
    assert_ne!(
        value(&ours_out, tags::STUDY_INSTANCE_UID),
        value(&theirs_out, tags::STUDY_INSTANCE_UID)
    );
    assert_eq!(
        value(&theirs_out, tags::STUDY_INSTANCE_UID),
        Some(other_keys.remap_uid("1.2.3.4.1"))
    );
    assert_ne!(
        value(&ours_out, tags::PATIENT_NAME),
        value(&theirs_out, tags::PATIENT_NAME)
    );
    assert_ne!(
        value(&ours_out, tags::CONTENT_DATE),
        value(&theirs_out, tags::CONTENT_DATE)
    );
    // Same paths either way.
    assert_eq!(paths(&ours), paths(&theirs));
}

#[test]
fn the_date_range_of_the_policy_is_used() {
    let policy = Policy {
        date_range: (-30, -10),
        ..Policy::default()
    };
    let plan = try_plan(&ct(vec![]), &policy).unwrap();
    assert_eq!(
        plan.date_offset_days,
        keyring().date_offset_days(PATIENT_KEY, -30, -10)
    );
    assert!((-30..=-10).contains(&plan.date_offset_days));
}

#[test]
fn plans_hold_no_original_values_in_rules_or_paths() {
    let header = busy_header();
    let plan = try_plan(&header, &Policy::default()).unwrap();
    for op in &plan.ops {
        let text = format!("{} {:?}", op.op.selector, op.rule);
        for secret in ["Doe", "John", "PAT001", "1.2.3.4.1", "19700101"] {
            assert!(!text.contains(secret), "{text}");
        }
    }
}

// ------------------------------------------------------------------ strict

#[test]
fn strict_removes_what_the_iod_does_not_require() {
    let header = ct(vec![
        el(tags::MANUFACTURER, VR::LO, "ACME"),
        el(tags::BODY_PART_EXAMINED, VR::CS, "CHEST"),
        el(tags::MODALITY, VR::CS, "CT"),
        el(tags::SPECIFIC_CHARACTER_SET, VR::CS, "ISO_IR 192"),
        DataElement::new(tags::ROWS, VR::US, PrimitiveValue::from(512_u16)),
    ]);
    let policy = Policy {
        strict: true,
        ..Policy::default()
    };
    let (plan, out) = deid(&header, &policy);
    // Type 2 in the General Equipment module: kept.
    assert_eq!(value(&out, tags::MANUFACTURER).as_deref(), Some("ACME"));
    // Type 3: removed.
    assert!(out.get(tags::BODY_PART_EXAMINED).is_none());
    assert_eq!(rule(&plan, "(0018,0015)").as_deref(), Some("strict"));
    assert_eq!(value(&out, tags::MODALITY).as_deref(), Some("CT"));
    assert_eq!(
        value(&out, tags::SPECIFIC_CHARACTER_SET).as_deref(),
        Some("ISO_IR 192")
    );
    assert!(out.get(tags::ROWS).is_some());
}

// ------------------------------------------------------------------ apply

#[test]
fn apply_reports_paths_that_do_not_exist() {
    let header = ct(vec![sq(
        tags::REFERENCED_SERIES_SEQUENCE,
        vec![obj(vec![el(tags::IMAGE_COMMENTS, VR::LT, "comment")])],
    )]);
    let plan = try_plan(&header, &Policy::default()).unwrap();
    let mut elsewhere = ct(vec![]);
    let error = apply(&mut elsewhere, &plan).unwrap_err();
    assert!(
        matches!(error, PlanError::Apply { ref path, .. } if path == "(0008,1115)[0].(0020,4000)"),
        "{error:?}"
    );
}

// ------------------------------------------------------------ CTP rules

/// A policy whose only overrides are CTP rules, with `UIDROOT` and
/// `DATEINC` parameters.
fn ctp_policy(rules: &[(&str, &str)]) -> Policy {
    let params = std::sync::Arc::new(gantry_ctp::Params(
        [("UIDROOT", "1.2.3"), ("DATEINC", "-10")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
    ));
    override_policy(
        rules
            .iter()
            .map(|(path, text)| {
                let (script, diagnostics) = gantry_ctp::parse_rule(text);
                assert!(diagnostics.is_empty(), "{text}: {diagnostics:?}");
                let rule = CtpRule {
                    script,
                    params: params.clone(),
                };
                (*path, UserAction::Ctp(std::sync::Arc::new(rule)))
            })
            .collect(),
    )
}

#[test]
fn ctp_rules_use_gantrys_keyed_hashes_and_uid_remap() {
    let header = ct(vec![
        el(tags::ACCESSION_NUMBER, VR::SH, "ACC12345"),
        el(tags::STUDY_INSTANCE_UID, VR::UI, "1.2.840.99.1"),
    ]);
    let policy = ctp_policy(&[
        ("AccessionNumber", "@hash(this,8)"),
        ("StudyInstanceUID", "@hashuid(@UIDROOT,this)"),
    ]);
    let (plan, out) = deid(&header, &policy);
    let keys = keyring();
    assert_eq!(
        value(&out, tags::ACCESSION_NUMBER),
        Some(keys.hash_digits("ACC12345", 8))
    );
    assert_eq!(
        value(&out, tags::STUDY_INSTANCE_UID),
        Some(keys.remap_uid("1.2.840.99.1"))
    );
    assert!(
        plan.ops
            .iter()
            .filter(|op| op.op.selector.to_string().contains("0008,0050"))
            .all(|op| op.rule == Rule::Override)
    );
}

#[test]
fn ctp_incrementdate_moves_dates_by_exactly_its_days() {
    let header = ct(vec![el(tags::STUDY_DATE, VR::DA, "20240305")]);
    let (_, out) = deid(
        &header,
        &ctp_policy(&[("StudyDate", "@incrementdate(this,@DATEINC)")]),
    );
    assert_eq!(value(&out, tags::STUDY_DATE).as_deref(), Some("20240224"));
    assert_eq!(
        value(&out, tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED).as_deref(),
        Some("MODIFIED")
    );
}

#[test]
fn ctp_if_reads_other_elements_of_the_data_set() {
    let rule = r#"@if(Modality,equals,"CT"){@remove()}{@keep()}"#;
    let policy = ctp_policy(&[("SeriesDescription", rule)]);
    let ct_header = ct(vec![
        el(tags::MODALITY, VR::CS, "CT"),
        el(tags::SERIES_DESCRIPTION, VR::LO, "HEAD"),
    ]);
    let (_, out) = deid(&ct_header, &policy);
    assert_eq!(value(&out, tags::SERIES_DESCRIPTION), None);
    let mr_header = ct(vec![
        el(tags::MODALITY, VR::CS, "MR"),
        el(tags::SERIES_DESCRIPTION, VR::LO, "HEAD"),
    ]);
    let (_, out) = deid(&mr_header, &policy);
    assert_eq!(
        value(&out, tags::SERIES_DESCRIPTION).as_deref(),
        Some("HEAD")
    );
}

#[test]
fn ctp_always_creates_an_absent_element_with_its_dictionary_vr() {
    let header = ct(vec![]);
    let (_, out) = deid(
        &header,
        &ctp_policy(&[("ClinicalTrialTimePointID", "@always()TP1")]),
    );
    let created = out
        .get(tags::CLINICAL_TRIAL_TIME_POINT_ID)
        .expect("created");
    assert_eq!(created.vr(), VR::LO);
    assert_eq!(
        value(&out, tags::CLINICAL_TRIAL_TIME_POINT_ID).as_deref(),
        Some("TP1")
    );
    // Without @always an absent element stays absent.
    let (_, out) = deid(&header, &ctp_policy(&[("ClinicalTrialTimePointID", "TP1")]));
    assert_eq!(value(&out, tags::CLINICAL_TRIAL_TIME_POINT_ID), None);
}

#[test]
fn ctp_quarantine_skip_and_unsupported_functions_hold_the_instance_back() {
    let header = ct(vec![el(tags::PATIENT_COMMENTS, VR::LT, "call Dr Who")]);
    let held = |rule: &str| try_plan(&header, &ctp_policy(&[("PatientComments", rule)]));
    match held("@quarantine()") {
        Err(PlanError::CtpHeld { path, function }) => {
            assert_eq!((path.as_str(), function), ("(0010,4000)", "quarantine"));
        }
        other => panic!("expected CtpHeld, got {other:?}"),
    }
    assert!(matches!(
        held("@skip()"),
        Err(PlanError::CtpHeld {
            function: "skip",
            ..
        })
    ));
    match held(r#"@encrypt(this,"secret")"#) {
        Err(err @ PlanError::Ctp { .. }) => {
            let message = err.to_string();
            assert!(message.contains("(0010,4000)"), "{message}");
            assert!(message.contains("@encrypt"), "{message}");
            assert!(!message.contains("Dr Who"), "{message}");
        }
        other => panic!("expected a CTP error, got {other:?}"),
    }
}

#[test]
fn ctp_value_invalid_for_the_vr_is_refused_by_name() {
    let header = ct(vec![el(tags::STUDY_DATE, VR::DA, "20240305")]);
    let err = try_plan(
        &header,
        &ctp_policy(&[("StudyDate", "@always()not a date")]),
    )
    .expect_err("not a DA value");
    assert!(
        matches!(&err, PlanError::InvalidReplacement { path, vr } if path == "(0008,0020)" && *vr == "DA"),
        "{err:?}"
    );
}
