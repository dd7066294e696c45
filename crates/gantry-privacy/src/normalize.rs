//! Giving elements written with VR UN their real VR before planning.
//!
//! Some writers store standard attributes as UN (explicit VR files that
//! did not know the VR; implicit-to-explicit converters). Their values are
//! raw bytes, so a profile action reading them as text would see decimal
//! byte values, and a UID remap would remap each byte. Before planning,
//! every top-level or nested UN element whose tag the standard dictionary
//! knows with a single VR is re-read in that VR (as pydicom does): text
//! VRs from the bytes (split on `\`), numeric VRs from little-endian
//! bytes. Sequences stored as UN are left as they are. The output then
//! carries the real VR, which validators prefer.
//!
//! Text is decoded in the data set's Specific Character Set (0008,0005),
//! as dicom-rs decodes the rest of the file: its first value, and an item
//! that declares its own set uses that one for itself and what it nests.
//! Without one, or with a set dicom-rs does not know, or with bytes the set
//! cannot decode, the bytes are read as UTF-8 (invalid sequences become
//! U+FFFD) — a superset of the default repertoire that most such files turn
//! out to use.

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
use dicom_core::value::Value;
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{StandardDataDictionary, tags};
use dicom_encoding::text::{SpecificCharacterSet, TextCodec};
use dicom_object::InMemDicomObject;

/// Re-read UN elements in their dictionary VR, recursively.
pub fn normalize_un(obj: &mut InMemDicomObject) {
    normalize_in(obj, None);
}

/// [`normalize_un`] with the character set the enclosing data set
/// declared, if any.
fn normalize_in(obj: &mut InMemDicomObject, inherited: Option<SpecificCharacterSet>) {
    let charset = declared_charset(obj).or(inherited);
    let mut replacements = Vec::new();
    for element in obj.iter() {
        if element.vr() != VR::UN {
            continue;
        }
        let tag = element.header().tag;
        let Some(vr) = StandardDataDictionary
            .by_tag(tag)
            .and_then(|e| match e.vr() {
                VirtualVr::Exact(vr) => Some(vr),
                _ => None,
            })
        else {
            continue;
        };
        let bytes = match element.value() {
            Value::Primitive(PrimitiveValue::U8(bytes)) => bytes,
            // Empty: valid in any VR but a sequence's.
            Value::Primitive(PrimitiveValue::Empty) if vr != VR::SQ => {
                replacements.push(DataElement::new(tag, vr, PrimitiveValue::Empty));
                continue;
            }
            _ => continue,
        };
        if let Some(value) = reinterpret(bytes, vr, charset.as_ref()) {
            replacements.push(DataElement::new(tag, vr, value));
        }
    }
    for element in replacements {
        obj.put(element);
    }
    // Recurse into sequences.
    let tags: Vec<_> = obj
        .iter()
        .filter(|e| matches!(e.value(), Value::Sequence(_)))
        .map(|e| e.header().tag)
        .collect();
    for tag in tags {
        if let Some(mut element) = obj.take(tag) {
            if let Some(items) = element.items_mut() {
                for item in items.iter_mut() {
                    normalize_in(item, charset.clone());
                }
            }
            obj.put(element);
        }
    }
}

/// The character set `obj` declares in (0008,0005), if dicom-rs knows it.
fn declared_charset(obj: &InMemDicomObject) -> Option<SpecificCharacterSet> {
    let element = obj.get(tags::SPECIFIC_CHARACTER_SET)?;
    let first = match element.value() {
        Value::Primitive(PrimitiveValue::U8(bytes)) => {
            // Itself stored as UN.
            let text = String::from_utf8_lossy(bytes);
            text.split('\\')
                .next()
                .unwrap_or_default()
                .trim()
                .to_string()
        }
        _ => element
            .to_str()
            .ok()?
            .split('\\')
            .next()?
            .trim()
            .to_string(),
    };
    SpecificCharacterSet::from_code(&first)
}

/// Text of a UN value: in `charset` where it applies (the VRs whose
/// repertoire it extends) and decodes, else as (lossy) UTF-8.
fn decode_text(bytes: &[u8], vr: VR, charset: Option<&SpecificCharacterSet>) -> String {
    let extended = matches!(
        vr,
        VR::LO | VR::LT | VR::PN | VR::SH | VR::ST | VR::UC | VR::UT
    );
    charset
        .filter(|_| extended)
        .and_then(|charset| charset.decode(bytes).ok())
        .unwrap_or_else(|| String::from_utf8_lossy(bytes).into_owned())
}

fn reinterpret(
    bytes: &[u8],
    vr: VR,
    charset: Option<&SpecificCharacterSet>,
) -> Option<PrimitiveValue> {
    use VR::*;
    let le = |n: usize| bytes.len().is_multiple_of(n);
    Some(match vr {
        AE | AS | CS | DA | DS | DT | IS | LO | LT | PN | SH | ST | TM | UC | UI | UR | UT => {
            let text = decode_text(bytes, vr, charset);
            let text = text.trim_end_matches(['\0', ' ']);
            if matches!(vr, LT | ST | UT | UR) {
                PrimitiveValue::from(text.to_string())
            } else {
                PrimitiveValue::Strs(text.split('\\').map(str::to_string).collect())
            }
        }
        US if le(2) => PrimitiveValue::U16(
            bytes
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect(),
        ),
        SS if le(2) => PrimitiveValue::I16(
            bytes
                .chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]]))
                .collect(),
        ),
        UL if le(4) => PrimitiveValue::U32(
            bytes
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ),
        SL if le(4) => PrimitiveValue::I32(
            bytes
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ),
        FL if le(4) => PrimitiveValue::F32(
            bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ),
        FD if le(8) => PrimitiveValue::F64(
            bytes
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                .collect(),
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use dicom_core::value::DataSetSequence;
    use dicom_core::{DataElement, PrimitiveValue, VR};
    use dicom_dictionary_std::tags;
    use dicom_object::InMemDicomObject;

    use super::normalize_un;

    fn un(tag: dicom_core::Tag, bytes: &[u8]) -> DataElement<InMemDicomObject> {
        DataElement::new(tag, VR::UN, PrimitiveValue::U8(bytes.into()))
    }

    fn text(obj: &InMemDicomObject, tag: dicom_core::Tag) -> (VR, String) {
        let element = obj.get(tag).unwrap();
        (element.vr(), element.to_str().unwrap().into_owned())
    }

    /// "Müller^Jörg" in ISO 8859-1.
    const LATIN1_NAME: &[u8] = b"M\xfcller^J\xf6rg";

    #[test]
    fn text_is_decoded_in_the_declared_character_set() {
        let mut obj = InMemDicomObject::from_element_iter([
            DataElement::new(
                tags::SPECIFIC_CHARACTER_SET,
                VR::CS,
                PrimitiveValue::from("ISO_IR 100"),
            ),
            un(tags::PATIENT_NAME, LATIN1_NAME),
            un(tags::STUDY_DESCRIPTION, b"K\xf6rper "),
            un(tags::STUDY_DATE, b"20240102"),
        ]);
        normalize_un(&mut obj);
        assert_eq!(
            text(&obj, tags::PATIENT_NAME),
            (VR::PN, "Müller^Jörg".into())
        );
        assert_eq!(
            text(&obj, tags::STUDY_DESCRIPTION),
            (VR::LO, "Körper".into())
        );
        assert_eq!(text(&obj, tags::STUDY_DATE), (VR::DA, "20240102".into()));
    }

    #[test]
    fn empty_un_values_take_their_real_vr_too() {
        let mut obj = InMemDicomObject::from_element_iter([
            DataElement::new(tags::ACCESSION_NUMBER, VR::UN, PrimitiveValue::Empty),
            DataElement::new(
                tags::PATIENT_NAME,
                VR::UN,
                PrimitiveValue::U8(Vec::new().into()),
            ),
        ]);
        normalize_un(&mut obj);
        assert_eq!(text(&obj, tags::ACCESSION_NUMBER), (VR::SH, String::new()));
        assert_eq!(text(&obj, tags::PATIENT_NAME), (VR::PN, String::new()));
    }

    #[test]
    fn items_inherit_or_declare_their_own_character_set() {
        let inherits = InMemDicomObject::from_element_iter([un(tags::PATIENT_NAME, LATIN1_NAME)]);
        let declares_utf8 = InMemDicomObject::from_element_iter([
            DataElement::new(
                tags::SPECIFIC_CHARACTER_SET,
                VR::CS,
                PrimitiveValue::from("ISO_IR 192"),
            ),
            un(tags::PATIENT_NAME, "Gómez^Ana".as_bytes()),
        ]);
        let mut obj = InMemDicomObject::from_element_iter([
            // The set itself stored as UN.
            un(tags::SPECIFIC_CHARACTER_SET, b"ISO_IR 100"),
            DataElement::new(
                tags::REFERENCED_PATIENT_SEQUENCE,
                VR::SQ,
                DataSetSequence::from(vec![inherits, declares_utf8]),
            ),
        ]);
        normalize_un(&mut obj);
        let items = obj
            .get(tags::REFERENCED_PATIENT_SEQUENCE)
            .unwrap()
            .items()
            .unwrap();
        assert_eq!(
            text(&items[0], tags::PATIENT_NAME).1,
            "Müller^Jörg",
            "inherited ISO_IR 100"
        );
        assert_eq!(
            text(&items[1], tags::PATIENT_NAME).1,
            "Gómez^Ana",
            "the item's own ISO_IR 192"
        );
    }

    #[test]
    fn without_a_known_character_set_text_is_read_as_utf8() {
        for charset in [None, Some("ISO_IR 9999")] {
            let mut elements = vec![
                un(tags::PATIENT_NAME, "Gómez^Ana".as_bytes()),
                un(tags::STUDY_DESCRIPTION, LATIN1_NAME),
            ];
            if let Some(code) = charset {
                elements.push(DataElement::new(
                    tags::SPECIFIC_CHARACTER_SET,
                    VR::CS,
                    PrimitiveValue::from(code),
                ));
            }
            let mut obj = InMemDicomObject::from_element_iter(elements);
            normalize_un(&mut obj);
            assert_eq!(text(&obj, tags::PATIENT_NAME).1, "Gómez^Ana");
            // Not UTF-8: replacement characters, never a panic.
            assert_eq!(
                text(&obj, tags::STUDY_DESCRIPTION).1,
                "M\u{fffd}ller^J\u{fffd}rg"
            );
        }
    }
}
