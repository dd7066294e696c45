use crate::profile;
use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};

#[test]
fn scratch_print() {
    for row in profile::rows() {
        if let Some(tag) = row.tag.tag() {
            let vr = dicom_dictionary_std::StandardDataDictionary
                .by_tag(tag)
                .map(|e| format!("{:?}", e.vr()))
                .unwrap_or_default();
            if vr.contains("SQ")
                && matches!(
                    row.basic,
                    profile::ActionCode::Z
                        | profile::ActionCode::XZ
                        | profile::ActionCode::ZD
                        | profile::ActionCode::K
                        | profile::ActionCode::U
                )
            {
                eprintln!(
                    "ROW {} {:?} {} {:?}",
                    row.tag,
                    row.keyword,
                    row.basic.code(),
                    vr
                );
            }
        }
    }
}
