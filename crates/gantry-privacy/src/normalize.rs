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

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
use dicom_core::value::Value;
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::StandardDataDictionary;
use dicom_object::InMemDicomObject;

/// Re-read UN elements in their dictionary VR, recursively.
pub fn normalize_un(obj: &mut InMemDicomObject) {
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
        let Value::Primitive(PrimitiveValue::U8(bytes)) = element.value() else {
            continue;
        };
        if let Some(value) = reinterpret(bytes, vr) {
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
                    normalize_un(item);
                }
            }
            obj.put(element);
        }
    }
}

fn reinterpret(bytes: &[u8], vr: VR) -> Option<PrimitiveValue> {
    use VR::*;
    let le = |n: usize| bytes.len().is_multiple_of(n);
    Some(match vr {
        AE | AS | CS | DA | DS | DT | IS | LO | LT | PN | SH | ST | TM | UC | UI | UR | UT => {
            let text = String::from_utf8_lossy(bytes);
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
