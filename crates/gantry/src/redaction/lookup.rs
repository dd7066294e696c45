//! Reading the attribute a CTP operand names out of a decoded header, the
//! way CTP's `DicomPixelAnonymizer` reads it: the value as text (multiple
//! values joined by `\`), padding trimmed; a sequence path `A::B` reads
//! the first item of each sequence on the way.

use dicom_core::value::Value;
use dicom_core::{DataDictionary, Tag};
use dicom_dictionary_std::StandardDataDictionary;
use dicom_object::InMemDicomObject;
use gantry_ctp::{Element, Operand};

/// The text value of `operand` in `header`, or `None` when absent.
pub(crate) fn lookup(header: &InMemDicomObject, operand: &Operand) -> Option<String> {
    let (last, path) = operand.path.split_last()?;
    let mut object = header;
    for element in path {
        let tag = resolve(object, element)?;
        object = object.get(tag)?.items()?.first()?;
    }
    let tag = resolve(object, last)?;
    let element = object.get(tag)?;
    match element.value() {
        Value::Primitive(_) => element
            .to_str()
            .ok()
            .map(|s| s.trim_end_matches(['\0', ' ']).trim_start().to_string()),
        _ => None,
    }
}

/// The tag an operand element names in `object` (private elements through
/// their creator's block).
fn resolve(object: &InMemDicomObject, element: &Element) -> Option<Tag> {
    match element {
        Element::Keyword(keyword) => StandardDataDictionary
            .by_name(keyword)
            .map(|entry| entry.tag.inner()),
        Element::Tag { group, element } => Some(Tag(*group, *element)),
        Element::Private {
            group,
            creator,
            element,
        } => (0x10u16..=0xFF).find_map(|block| {
            let reservation = object.get(Tag(*group, block))?;
            (reservation.header().tag == Tag(*group, block)
                && reservation
                    .to_str()
                    .ok()?
                    .trim_end_matches(['\0', ' '])
                    .trim()
                    == creator)
                .then_some(Tag(*group, (block << 8) | u16::from(*element)))
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use dicom_core::value::{DataSetSequence, PrimitiveValue};
    use dicom_core::{DataElement, VR};
    use dicom_dictionary_std::tags;

    use super::*;

    fn keyword(k: &str) -> Operand {
        Operand::keyword(k)
    }

    #[test]
    fn keywords_tags_private_and_sequence_paths() {
        let item = InMemDicomObject::from_element_iter([DataElement::new(
            tags::CODE_MEANING,
            VR::LO,
            PrimitiveValue::from("Dose Report "),
        )]);
        let header = InMemDicomObject::from_element_iter([
            DataElement::new(tags::ROWS, VR::US, PrimitiveValue::from(480u16)),
            DataElement::new(
                tags::IMAGE_TYPE,
                VR::CS,
                PrimitiveValue::Strs(["DERIVED".to_string(), "SECONDARY".to_string()].into()),
            ),
            DataElement::new(
                Tag(0x0019, 0x0010),
                VR::LO,
                PrimitiveValue::from("ACME 1.0"),
            ),
            DataElement::new(Tag(0x0019, 0x1005), VR::LO, PrimitiveValue::from("x")),
            DataElement::new(
                tags::CONCEPT_NAME_CODE_SEQUENCE,
                VR::SQ,
                Value::Sequence(DataSetSequence::from(vec![item])),
            ),
        ]);
        assert_eq!(lookup(&header, &keyword("Rows")).as_deref(), Some("480"));
        assert_eq!(
            lookup(&header, &keyword("ImageType")).as_deref(),
            Some("DERIVED\\SECONDARY")
        );
        let tag = Operand {
            path: vec![Element::Tag {
                group: 0x0028,
                element: 0x0010,
            }],
        };
        assert_eq!(lookup(&header, &tag).as_deref(), Some("480"));
        let private = Operand {
            path: vec![Element::Private {
                group: 0x0019,
                creator: "ACME 1.0".into(),
                element: 0x05,
            }],
        };
        assert_eq!(lookup(&header, &private).as_deref(), Some("x"));
        let nested = Operand {
            path: vec![
                Element::Keyword("ConceptNameCodeSequence".into()),
                Element::Keyword("CodeMeaning".into()),
            ],
        };
        assert_eq!(lookup(&header, &nested).as_deref(), Some("Dose Report"));
        assert_eq!(lookup(&header, &keyword("Columns")), None);
        assert_eq!(lookup(&header, &keyword("NotAKeyword")), None);
    }
}
