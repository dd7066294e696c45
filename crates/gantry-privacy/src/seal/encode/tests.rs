//! The direct encoder writes what dicom-object's data set writer writes,
//! byte for byte, or leaves the data set to it.
#![allow(clippy::unwrap_used)]

use dicom_core::value::{C, DataSetSequence, DicomDate, DicomDateTime, DicomTime, PrimitiveValue};
use dicom_core::{DataElement, Tag, VR};
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::InMemDicomObject;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use proptest::prelude::*;

use super::super::{
    ENCRYPTED_CONTENT, EXPLICIT_VR_LE, MAGIC, MODIFIED_ATTRIBUTES_SEQUENCE, Originals, cipher,
    fingerprint_bytes, seal, write_plaintext,
};
use super::modified_item;

/// The plaintext as sealing wrote it before the direct encoder: the data
/// set of (0400,0550) with one item, through dicom-object's writer.
fn by_writer(item: &InMemDicomObject) -> Result<Vec<u8>, String> {
    let ts = TransferSyntaxRegistry.get(EXPLICIT_VR_LE).unwrap();
    let dataset = InMemDicomObject::from_element_iter([DataElement::new(
        MODIFIED_ATTRIBUTES_SEQUENCE,
        VR::SQ,
        DataSetSequence::from(vec![item.clone()]),
    )]);
    let mut out = Vec::new();
    dataset
        .write_dataset_with_ts(&mut out, ts)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// The plaintext as sealing writes it now, after some bytes already in
/// the buffer (the sealed content's head).
fn by_sealing(item: &InMemDicomObject) -> Result<Vec<u8>, String> {
    let mut out = b"head".to_vec();
    write_plaintext(&Originals::from(item), &mut out).map_err(|e| e.to_string())?;
    assert!(out.starts_with(b"head"));
    Ok(out.split_off(4))
}

fn direct(item: &InMemDicomObject) -> Option<Vec<u8>> {
    let mut out = b"head".to_vec();
    let written = modified_item(&mut out, item.iter());
    if written.is_none() {
        assert_eq!(
            out, b"head",
            "a refused data set leaves the buffer as it was"
        );
        return None;
    }
    Some(out.split_off(4))
}

fn strs(values: &[&str]) -> PrimitiveValue {
    PrimitiveValue::Strs(values.iter().map(|s| s.to_string()).collect())
}

/// A realistic item: character set, text of every kind, numbers, dates,
/// private data, a nested sequence with its own character set.
fn realistic() -> InMemDicomObject {
    let nested = InMemDicomObject::from_element_iter([
        DataElement::new(
            Tag(0x0008, 0x0005),
            VR::CS,
            PrimitiveValue::from("ISO_IR 100"),
        ),
        DataElement::new(
            Tag(0x0008, 0x0104),
            VR::LO,
            PrimitiveValue::from("Café crème"),
        ),
        DataElement::new(Tag(0x0040, 0xA160), VR::UT, PrimitiveValue::from("odd")),
    ]);
    InMemDicomObject::from_element_iter([
        DataElement::new(
            Tag(0x0008, 0x0005),
            VR::CS,
            PrimitiveValue::from("ISO_IR 192"),
        ),
        DataElement::new(
            Tag(0x0008, 0x0018),
            VR::UI,
            PrimitiveValue::from("1.2.3.4.5"),
        ),
        DataElement::new(
            Tag(0x0008, 0x0020),
            VR::DA,
            PrimitiveValue::from(DicomDate::from_ymd(2024, 2, 29).unwrap()),
        ),
        DataElement::new(
            Tag(0x0008, 0x0030),
            VR::TM,
            PrimitiveValue::from(DicomTime::from_hms_micro(23, 57, 59, 999_999).unwrap()),
        ),
        DataElement::new(
            Tag(0x0008, 0x002A),
            VR::DT,
            PrimitiveValue::from(DicomDateTime::from_date(
                DicomDate::from_ym(2020, 1).unwrap(),
            )),
        ),
        DataElement::new(Tag(0x0008, 0x0050), VR::SH, PrimitiveValue::from("A1")),
        DataElement::new(
            Tag(0x0008, 0x1111),
            VR::SQ,
            DataSetSequence::from(vec![nested]),
        ),
        DataElement::new(
            Tag(0x0009, 0x0010),
            VR::LO,
            PrimitiveValue::from("GEMS_IDEN_01"),
        ),
        DataElement::new(
            Tag(0x0009, 0x1001),
            VR::UN,
            PrimitiveValue::from(vec![1u8, 2, 3]),
        ),
        DataElement::new(
            Tag(0x0010, 0x0010),
            VR::PN,
            PrimitiveValue::from("Müller^Jürgen"),
        ),
        DataElement::new(Tag(0x0010, 0x0020), VR::LO, strs(&["A", "BC", ""])),
        DataElement::new(Tag(0x0010, 0x1010), VR::AS, PrimitiveValue::from("045Y")),
        DataElement::new(Tag(0x0010, 0x1020), VR::DS, PrimitiveValue::from(1.75f64)),
        DataElement::new(Tag(0x0018, 0x0050), VR::DS, PrimitiveValue::Empty),
        DataElement::new(Tag(0x0020, 0x0013), VR::IS, PrimitiveValue::from(7i32)),
        DataElement::new(Tag(0x0028, 0x0010), VR::US, PrimitiveValue::from(512u16)),
        DataElement::new(Tag(0x0028, 0x1052), VR::DS, strs(&["-1024", "0.5"])),
        DataElement::new(
            Tag(0x0020, 0x0032),
            VR::FD,
            PrimitiveValue::F64([1.5, -2.25, 3.0].into_iter().collect()),
        ),
        DataElement::new(
            Tag(0x0072, 0x0026),
            VR::AT,
            PrimitiveValue::Tags([Tag(0x0028, 0x2110)].into_iter().collect()),
        ),
        DataElement::new(
            Tag(0x0040, 0xA30A),
            VR::DS,
            PrimitiveValue::from(vec![0u8; 3]),
        ),
    ])
}

#[test]
fn realistic_items_are_encoded_directly_as_the_writer_does() {
    let item = realistic();
    let direct = direct(&item).expect("the direct encoder takes a realistic item");
    assert_eq!(direct, by_writer(&item).unwrap());
    assert_eq!(by_sealing(&item).unwrap(), direct);
}

#[test]
fn what_the_encoder_does_not_reproduce_goes_to_the_writer() {
    // Encapsulated pixel data (an icon inside a sequence).
    let fragments = dicom_core::value::PixelFragmentSequence::new(
        C::from_vec(vec![0u32]),
        C::from_vec(vec![vec![1u8, 2, 3]]),
    );
    let icon = InMemDicomObject::from_element_iter([DataElement::new(
        Tag(0x7FE0, 0x0010),
        VR::OB,
        dicom_core::value::Value::PixelSequence(fragments),
    )]);
    let mut item = realistic();
    item.put(DataElement::new(
        Tag(0x0088, 0x0200),
        VR::SQ,
        DataSetSequence::from(vec![icon]),
    ));
    assert_eq!(direct(&item), None);
    assert_eq!(by_sealing(&item), by_writer(&item));

    // Text the character set cannot encode: the writer's error.
    let mut item = realistic();
    item.put(DataElement::new(
        Tag(0x0008, 0x0005),
        VR::CS,
        PrimitiveValue::from("ISO_IR 100"),
    ));
    item.put(DataElement::new(
        Tag(0x0010, 0x0010),
        VR::PN,
        PrimitiveValue::from("Иванов"),
    ));
    assert_eq!(direct(&item), None);
    assert!(by_writer(&item).is_err());
    assert!(by_sealing(&item).is_err());

    // A 16-bit length that does not fit.
    let item = InMemDicomObject::from_element_iter([DataElement::new(
        Tag(0x0010, 0x0020),
        VR::LO,
        PrimitiveValue::from("x".repeat(70_000)),
    )]);
    assert_eq!(direct(&item), None);
    assert!(by_writer(&item).is_err());
    assert!(by_sealing(&item).is_err());
}

fn charset() -> impl Strategy<Value = PrimitiveValue> {
    prop_oneof![
        Just(PrimitiveValue::from("ISO_IR 100")),
        Just(PrimitiveValue::from("ISO_IR 192")),
        Just(PrimitiveValue::from("ISO_IR 144 ")),
        Just(PrimitiveValue::from("GB18030")),
        Just(PrimitiveValue::from("ISO_IR 13")),
        Just(strs(&["", "ISO 2022 IR 87"])),
        Just(strs(&["ISO 2022 IR 6", "ISO 2022 IR 100"])),
        Just(PrimitiveValue::from("ISO 2022 IR 6\\ISO 2022 IR 100")),
        Just(PrimitiveValue::from("NOT A CHARSET")),
        Just(PrimitiveValue::Empty),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[ -~]{0,12}",
        1 => "[a-zé^ü ]{0,8}",
        1 => "[Жд^ ]{0,6}",
        1 => "[山田^ ]{0,4}",
        1 => "[ÿ€\u{1F600}a]{0,3}",
    ]
}

fn text_vr() -> impl Strategy<Value = VR> {
    proptest::sample::select(vec![
        VR::AE,
        VR::AS,
        VR::CS,
        VR::DA,
        VR::DS,
        VR::DT,
        VR::IS,
        VR::TM,
        VR::UI,
        VR::LO,
        VR::LT,
        VR::PN,
        VR::SH,
        VR::ST,
        VR::UC,
        VR::UR,
        VR::UT,
    ])
}

fn any_vr() -> impl Strategy<Value = VR> {
    proptest::sample::select(vec![
        VR::AE,
        VR::AS,
        VR::AT,
        VR::CS,
        VR::DA,
        VR::DS,
        VR::DT,
        VR::FL,
        VR::FD,
        VR::IS,
        VR::LO,
        VR::LT,
        VR::OB,
        VR::OD,
        VR::OF,
        VR::OL,
        VR::OV,
        VR::OW,
        VR::PN,
        VR::SH,
        VR::SL,
        VR::SS,
        VR::ST,
        VR::SV,
        VR::TM,
        VR::UC,
        VR::UI,
        VR::UL,
        VR::UN,
        VR::UR,
        VR::US,
        VR::UT,
        VR::UV,
    ])
}

/// Values of every kind, on VRs that fit them or not.
fn primitive() -> impl Strategy<Value = (VR, PrimitiveValue)> {
    prop_oneof![
        4 => (text_vr(), text()).prop_map(|(vr, s)| (vr, PrimitiveValue::from(s))),
        2 => (text_vr(), proptest::collection::vec(text(), 0..4))
            .prop_map(|(vr, v)| (vr, PrimitiveValue::Strs(v.into_iter().collect()))),
        1 => (any_vr(), proptest::collection::vec(any::<u8>(), 0..7))
            .prop_map(|(vr, v)| (vr, PrimitiveValue::U8(v.into_iter().collect()))),
        1 => (any_vr(), proptest::collection::vec(any::<u16>(), 0..3))
            .prop_map(|(vr, v)| (vr, PrimitiveValue::U16(v.into_iter().collect()))),
        1 => (any_vr(), proptest::collection::vec(any::<i16>(), 0..3))
            .prop_map(|(vr, v)| (vr, PrimitiveValue::I16(v.into_iter().collect()))),
        1 => (any_vr(), proptest::collection::vec(any::<u32>(), 0..3))
            .prop_map(|(vr, v)| (vr, PrimitiveValue::U32(v.into_iter().collect()))),
        1 => (any_vr(), proptest::collection::vec(any::<i32>(), 0..3))
            .prop_map(|(vr, v)| (vr, PrimitiveValue::I32(v.into_iter().collect()))),
        1 => (any_vr(), proptest::collection::vec(any::<i64>(), 0..2))
            .prop_map(|(vr, v)| (vr, PrimitiveValue::I64(v.into_iter().collect()))),
        1 => (any_vr(), proptest::collection::vec(any::<u64>(), 0..2))
            .prop_map(|(vr, v)| (vr, PrimitiveValue::U64(v.into_iter().collect()))),
        1 => (any_vr(), proptest::collection::vec(-1e6f32..1e6, 0..3))
            .prop_map(|(vr, v)| (vr, PrimitiveValue::F32(v.into_iter().collect()))),
        1 => (any_vr(), proptest::collection::vec(any::<f64>(), 0..3))
            .prop_map(|(vr, v)| (vr, PrimitiveValue::F64(v.into_iter().collect()))),
        1 => (any_vr(), proptest::collection::vec((any::<u16>(), any::<u16>()), 0..3))
            .prop_map(|(vr, v)| {
                // (Tags as DS or IS: the writer panics.)
                let vr = if matches!(vr, VR::DS | VR::IS) { VR::AT } else { vr };
                (vr, PrimitiveValue::Tags(v.into_iter().map(|(g, e)| Tag(g, e)).collect()))
            }),
        1 => (any_vr(), (1900u16..2100, 1u8..13, 1u8..29, 0u8..3)).prop_map(|(vr, (y, m, d, p))| {
            let date = match p {
                0 => DicomDate::from_y(y),
                1 => DicomDate::from_ym(y, m),
                _ => DicomDate::from_ymd(y, m, d),
            }
            .unwrap();
            // (Dates as DS or IS: the writer panics.)
            let vr = if matches!(vr, VR::DS | VR::IS) { VR::DA } else { vr };
            (vr, PrimitiveValue::Date([date, date].into_iter().take(1 + usize::from(p)).collect()))
        }),
        1 => (0u8..24, 0u8..60, 0u8..60, 0u32..1_000_000, 0u8..4).prop_map(|(h, m, s, us, p)| {
            let time = match p {
                0 => DicomTime::from_h(h),
                1 => DicomTime::from_hm(h, m),
                2 => DicomTime::from_hms(h, m, s),
                _ => DicomTime::from_hms_micro(h, m, s, us),
            }
            .unwrap();
            (VR::TM, PrimitiveValue::from(time))
        }),
        1 => (1900u16..2100, 1u8..13).prop_map(|(y, m)| {
            let dt = DicomDateTime::from_date(DicomDate::from_ym(y, m).unwrap());
            (VR::DT, PrimitiveValue::from(dt))
        }),
        1 => any_vr().prop_map(|vr| (vr, PrimitiveValue::Empty)),
    ]
}

fn element(tag: Tag, vr: VR, value: PrimitiveValue) -> dicom_object::mem::InMemElement {
    DataElement::new(tag, vr, value)
}

/// Items of primitive elements, a character set, and sequences nested two
/// deep (with character sets of their own).
fn item() -> impl Strategy<Value = InMemDicomObject> {
    let tag = (0x0008u16..0x0040, any::<u16>()).prop_map(|(g, e)| Tag(g, e));
    let leaf = (
        proptest::option::of(charset()),
        proptest::collection::vec((tag.clone(), primitive()), 0..8),
    )
        .prop_map(|(charset, elements)| {
            let mut obj = InMemDicomObject::from_element_iter(
                elements
                    .into_iter()
                    .filter(|(tag, _)| *tag != Tag(0x0008, 0x0005))
                    .map(|(tag, (vr, value))| element(tag, vr, value)),
            );
            if let Some(charset) = charset {
                obj.put(element(Tag(0x0008, 0x0005), VR::CS, charset));
            }
            obj
        });
    leaf.prop_recursive(2, 24, 3, move |inner| {
        (
            inner.clone(),
            proptest::collection::vec(
                (
                    (0x0008u16..0x0040, any::<u16>()).prop_map(|(g, e)| Tag(g, e)),
                    proptest::collection::vec(inner, 0..3),
                ),
                0..3,
            ),
        )
            .prop_map(|(mut obj, sequences)| {
                for (tag, items) in sequences {
                    if tag != Tag(0x0008, 0x0005) {
                        obj.put(DataElement::new(tag, VR::SQ, DataSetSequence::from(items)));
                    }
                }
                obj
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]
    /// Whatever the item, sealing's plaintext is the writer's (or both
    /// fail), and the direct encoder either writes it or declines.
    #[test]
    fn plaintexts_are_the_writers_byte_for_byte(item in item()) {
        let writer = by_writer(&item);
        if let Some(direct) = direct(&item) {
            prop_assert_eq!(Ok(direct), writer.clone());
        }
        prop_assert_eq!(by_sealing(&item).is_ok(), writer.is_ok());
        if let Ok(writer) = writer {
            prop_assert_eq!(by_sealing(&item).unwrap(), writer);
        }
    }

    /// Text-only items in the character sets the writer encodes are
    /// always the direct encoder's.
    #[test]
    fn text_items_take_the_direct_path(
        charset in charset(),
        texts in proptest::collection::vec((text_vr(), "[ -~]{0,9}"), 0..12),
    ) {
        let mut item = InMemDicomObject::from_element_iter(
            texts.into_iter().enumerate().map(|(i, (vr, text))| {
                element(Tag(0x0010, 0x1000 + i as u16), vr, PrimitiveValue::from(text))
            }),
        );
        item.put(element(Tag(0x0008, 0x0005), VR::CS, charset));
        let direct = direct(&item);
        prop_assert!(direct.is_some());
        prop_assert_eq!(Ok(direct.unwrap()), by_writer(&item));
    }

    /// End to end: the sealed content is the one the writer and the
    /// aes-siv crate give, also when the direct encoder gives up half-way.
    #[test]
    fn sealed_contents_are_the_writers_and_aes_sivs(item in item(), icon_last in any::<bool>()) {
        let mut item = item;
        if icon_last {
            // Encapsulated pixel data in the last element: the direct
            // encoder gives up after writing (and reporting) the others.
            let fragments = dicom_core::value::PixelFragmentSequence::new(
                C::from_vec(vec![0u32]),
                C::from_vec(vec![vec![1u8, 2, 3]]),
            );
            let icon = InMemDicomObject::from_element_iter([DataElement::new(
                Tag(0x7FE0, 0x0010),
                VR::OB,
                dicom_core::value::Value::PixelSequence(fragments),
            )]);
            item.put(DataElement::new(
                Tag(0x0088, 0x0200),
                VR::SQ,
                DataSetSequence::from(vec![icon]),
            ));
        }
        let keys = crate::keys::ProjectKey::from_bytes([7; 32]).keyring();
        let sop = "2.25.987654321";
        let sealed = seal(&item, &keys, sop);
        let Ok(plaintext) = by_writer(&item) else {
            prop_assert!(sealed.is_err());
            return Ok(());
        };
        let mut expected = MAGIC.to_vec();
        expected.extend_from_slice(&fingerprint_bytes(&keys));
        expected.extend_from_slice(
            &cipher(&keys).encrypt([MAGIC.as_slice(), sop.as_bytes()], &plaintext).unwrap(),
        );
        if expected.len() % 2 == 1 {
            expected.push(0);
        }
        let sealed = sealed.unwrap();
        let content = sealed.items().unwrap()[0]
            .get(ENCRYPTED_CONTENT)
            .unwrap()
            .to_bytes()
            .unwrap()
            .into_owned();
        prop_assert_eq!(content, expected);
    }
}
