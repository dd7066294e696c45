//! Output paths from a layout template over de-identified values.
//!
//! The default layout is
//! `{PatientID}/{StudyInstanceUID}/{SeriesInstanceUID}/{SOPInstanceUID}.dcm`.
//! Placeholders are filled from the *de-identified* data set, so no
//! original value can reach a path (SPEC §10). Each filled value is made
//! safe as a path component: characters other than ASCII letters, digits,
//! `.`, `-`, `_` become `_`, a leading dot is replaced, and an empty value
//! becomes `unknown`.

use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

/// The default layout.
pub const DEFAULT_LAYOUT: &str =
    "{PatientID}/{StudyInstanceUID}/{SeriesInstanceUID}/{SOPInstanceUID}.dcm";

/// Placeholders a layout may use, with their tags.
pub const PLACEHOLDERS: &[(&str, Tag)] = &[
    ("PatientID", tags::PATIENT_ID),
    ("PatientName", tags::PATIENT_NAME),
    ("StudyInstanceUID", tags::STUDY_INSTANCE_UID),
    ("SeriesInstanceUID", tags::SERIES_INSTANCE_UID),
    ("SOPInstanceUID", tags::SOP_INSTANCE_UID),
    ("Modality", tags::MODALITY),
    ("SeriesNumber", tags::SERIES_NUMBER),
    ("InstanceNumber", tags::INSTANCE_NUMBER),
    ("StudyDate", tags::STUDY_DATE),
    ("AccessionNumber", tags::ACCESSION_NUMBER),
];

/// Why a layout is not usable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum LayoutError {
    /// A `{…}` names no known placeholder.
    #[error("layout placeholder {{{0}}} is not one of: {1}")]
    UnknownPlaceholder(String, String),
    /// A `{` without its `}`.
    #[error("layout has an unclosed '{{'")]
    Unclosed,
    /// The layout could escape the export root.
    #[error("layout must be a relative path without '..' components")]
    Escapes,
}

/// Check a layout template.
pub fn validate(layout: &str) -> Result<(), LayoutError> {
    if layout.starts_with('/') || layout.split('/').any(|c| c == "..") {
        return Err(LayoutError::Escapes);
    }
    render_with(layout, |_| Some(String::new())).map(|_| ())
}

/// Fill the layout from a de-identified data set.
pub fn render(layout: &str, deidentified: &InMemDicomObject) -> Result<String, LayoutError> {
    render_with(layout, |tag| {
        deidentified
            .get(tag)
            .and_then(|e| e.to_str().ok())
            .map(|s| s.trim_end_matches(['\0', ' ']).trim().to_string())
    })
}

fn render_with(layout: &str, value: impl Fn(Tag) -> Option<String>) -> Result<String, LayoutError> {
    let mut out = String::with_capacity(layout.len() + 128);
    let mut rest = layout;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or(LayoutError::Unclosed)?;
        let name = &after[..close];
        let tag = PLACEHOLDERS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| *t)
            .ok_or_else(|| {
                LayoutError::UnknownPlaceholder(
                    name.to_string(),
                    PLACEHOLDERS
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            })?;
        out.push_str(&component(&value(tag).unwrap_or_default()));
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Make a value safe as (part of) one path component.
fn component(value: &str) -> String {
    let mut safe: String = value
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if safe.starts_with('.') {
        safe.replace_range(0..1, "_");
    }
    if safe.is_empty() {
        safe.push_str("unknown");
    }
    safe
}

#[cfg(test)]
mod tests {
    use super::*;
    use dicom_core::{DataElement, PrimitiveValue, VR};

    #[test]
    fn fills_placeholders_from_the_deidentified_values() {
        let obj = InMemDicomObject::from_element_iter([
            DataElement::new(tags::PATIENT_ID, VR::LO, PrimitiveValue::from("ANON12 ")),
            DataElement::new(
                tags::STUDY_INSTANCE_UID,
                VR::UI,
                PrimitiveValue::from("2.25.1\0"),
            ),
            DataElement::new(
                tags::SERIES_INSTANCE_UID,
                VR::UI,
                PrimitiveValue::from("2.25.2"),
            ),
            DataElement::new(
                tags::SOP_INSTANCE_UID,
                VR::UI,
                PrimitiveValue::from("2.25.3"),
            ),
            DataElement::new(tags::MODALITY, VR::CS, PrimitiveValue::from("../CT")),
        ]);
        assert_eq!(
            render(DEFAULT_LAYOUT, &obj).unwrap(),
            "ANON12/2.25.1/2.25.2/2.25.3.dcm"
        );
        assert_eq!(
            render("{Modality}/{PatientName}", &obj).unwrap(),
            "_._CT/unknown"
        );
    }

    #[test]
    fn rejects_unknown_placeholders_and_escapes() {
        assert_eq!(
            validate("{PatientBirthDate}/x.dcm")
                .unwrap_err()
                .to_string(),
            format!(
                "layout placeholder {{PatientBirthDate}} is not one of: {}",
                PLACEHOLDERS
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        );
        assert_eq!(validate("../{SOPInstanceUID}"), Err(LayoutError::Escapes));
        assert_eq!(validate("/abs/{SOPInstanceUID}"), Err(LayoutError::Escapes));
        assert_eq!(validate("{SOPInstanceUID"), Err(LayoutError::Unclosed));
        assert_eq!(validate(DEFAULT_LAYOUT), Ok(()));
    }
}
