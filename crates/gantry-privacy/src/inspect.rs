//! PHI inspection: findings for `gantry audit` (SPEC §5).
//!
//! A finding is (attribute path, rule, proposed action, masked preview).
//! Findings come from the de-identification plan — every element the
//! active policy would remove, empty, replace or remap is reported with the
//! rule that fired — and from heuristics that look at values the policy
//! would keep:
//!
//! - the patient's own name, ID or birth date inside any free text (the
//!   rule `identifier-in-text`), private text included;
//! - dates written inside free text (`date-in-text`);
//! - burned-in text: BurnedInAnnotation = YES, or a modality that usually
//!   carries it (US, SC, XA, RF, ES, XC, OT, DOC), with no redaction rule
//!   covering the instance (`burned-in-annotation`).
//!
//! Previews are masked (`J*** D**, 8 chars`): the raw value never leaves
//! this function.

use dicom_core::header::Header as _;
use dicom_core::ops::AttributeAction;
use dicom_core::value::Value;
use dicom_core::{PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use gantry_model::Phi;

use crate::clean::Identifiers;
use crate::plan::Plan;

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// Attribute path, e.g. `(0008,1110)[0].(0008,1155)`.
    pub path: String,
    /// The leaf tag, as `(gggg,eeee)`.
    pub tag: String,
    /// Rule that fired (`profile:X`, `private`, `identifier-in-text`, …).
    pub rule: String,
    /// What de-identification will do (`remove`, `empty`, `replace`,
    /// `keep`, `redact`).
    pub action: String,
    /// A masked preview of the original value.
    pub preview: String,
}

/// What an audit of one instance needs besides the header and the plan.
#[derive(Debug)]
pub struct InspectContext<'a> {
    /// The patient's own identifiers.
    pub identifiers: &'a Identifiers,
    /// Whether a redaction rule covers this instance's pixels.
    pub redaction_rule: bool,
}

/// Modalities that usually carry burned-in text.
const BURNED_IN_MODALITIES: &[&str] = &["US", "SC", "XA", "RF", "ES", "XC", "OT", "DOC", "IVUS"];

/// Whether an image may carry burned-in text: BurnedInAnnotation is YES,
/// or its modality usually has text in the pixels (ultrasound, secondary
/// capture, angiography, fluoroscopy, endoscopy, photographs, documents).
/// Values are compared trimmed, ignoring ASCII case.
pub fn likely_burned_in(burned_in_annotation: Option<&str>, modality: Option<&str>) -> bool {
    burned_in_annotation.is_some_and(|v| v.trim().eq_ignore_ascii_case("YES"))
        || modality.is_some_and(|m| {
            BURNED_IN_MODALITIES
                .iter()
                .any(|known| m.trim().eq_ignore_ascii_case(known))
        })
}

/// Findings for one instance.
pub fn inspect(
    header: &InMemDicomObject,
    plan: &Plan,
    context: &InspectContext<'_>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for planned in &plan.ops {
        let selector = &planned.op.selector;
        let preview = header
            .value_at(selector.clone())
            .ok()
            .map(masked_value)
            .unwrap_or_default();
        let action = match &planned.op.action {
            AttributeAction::Remove => "remove",
            AttributeAction::Empty => "empty",
            _ => "replace",
        };
        let tag = selector
            .iter()
            .last()
            .map(|step| match step {
                dicom_core::ops::AttributeSelectorStep::Tag(t)
                | dicom_core::ops::AttributeSelectorStep::Nested { tag: t, .. } => *t,
            })
            .unwrap_or(Tag(0, 0));
        findings.push(Finding {
            path: selector.to_string(),
            tag: tag.to_string(),
            rule: planned.rule.name(),
            action: action.into(),
            preview,
        });
    }
    heuristics(header, "", context, &mut findings);
    let burned_in = header
        .get(tags::BURNED_IN_ANNOTATION)
        .and_then(|e| e.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("YES"));
    let modality = header
        .get(tags::MODALITY)
        .and_then(|e| e.to_str().ok())
        .map(|v| v.trim().to_uppercase())
        .unwrap_or_default();
    if (burned_in || BURNED_IN_MODALITIES.contains(&modality.as_str())) && !context.redaction_rule {
        findings.push(Finding {
            path: tags::BURNED_IN_ANNOTATION.to_string(),
            tag: tags::BURNED_IN_ANNOTATION.to_string(),
            rule: "burned-in-annotation".into(),
            action: "redact".into(),
            preview: if burned_in {
                "BurnedInAnnotation=YES".into()
            } else {
                format!("modality {modality}")
            },
        });
    }
    findings
}

fn masked_value(value: &Value<InMemDicomObject>) -> String {
    match value {
        // Bytes (UN, OB): text read without its VR is masked as text, as
        // in the heuristics; binary data is only described.
        Value::Primitive(PrimitiveValue::U8(bytes)) => match std::str::from_utf8(bytes) {
            Ok(text)
                if !text
                    .chars()
                    .any(|c| c.is_control() && !matches!(c, '\0' | '\t' | '\n' | '\r')) =>
            {
                Phi::new(text.trim_end_matches(['\0', ' ']).to_string()).masked()
            }
            _ => format!("{} bytes", bytes.len()),
        },
        Value::Primitive(p) => {
            let text = p.to_str();
            Phi::new(text.trim_end_matches(['\0', ' ']).to_string()).masked()
        }
        Value::Sequence(seq) => format!("sequence, {} items", seq.items().len()),
        Value::PixelSequence(_) => "encapsulated data".into(),
    }
}

/// Identifiers and dates inside free text, at any depth.
fn heuristics(
    obj: &InMemDicomObject,
    prefix: &str,
    context: &InspectContext<'_>,
    out: &mut Vec<Finding>,
) {
    for element in obj.iter() {
        let tag = element.tag();
        let path = if prefix.is_empty() {
            tag.to_string()
        } else {
            format!("{prefix}.{tag}")
        };
        match element.value() {
            Value::Sequence(seq) => {
                for (i, item) in seq.items().iter().enumerate() {
                    heuristics(item, &format!("{path}[{i}]"), context, out);
                }
            }
            Value::Primitive(_)
                if matches!(
                    element.vr(),
                    VR::LO | VR::SH | VR::ST | VR::LT | VR::UT | VR::UC | VR::UN
                ) && !is_identifier_attribute(tag) =>
            {
                let Ok(text) = element.to_str() else {
                    continue;
                };
                let text = if element.vr() == VR::UN {
                    // private text read without its VR
                    match element.value().to_bytes() {
                        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                        Err(_) => continue,
                    }
                } else {
                    text.into_owned()
                };
                let masked = || Phi::new(text.trim_end_matches(['\0', ' ']).to_string()).masked();
                if !context.identifiers.find(&text).is_empty() {
                    // Kept text is scrubbed by the plan, already reported
                    // under this rule: one finding per element.
                    if out
                        .iter()
                        .any(|f| f.path == path && f.rule == "identifier-in-text")
                    {
                        continue;
                    }
                    out.push(Finding {
                        path: path.clone(),
                        tag: tag.to_string(),
                        rule: "identifier-in-text".into(),
                        action: "clean".into(),
                        preview: masked(),
                    });
                } else if !crate::clean::find_dates(&text).is_empty() {
                    out.push(Finding {
                        path: path.clone(),
                        tag: tag.to_string(),
                        rule: "date-in-text".into(),
                        action: "review".into(),
                        preview: masked(),
                    });
                }
            }
            _ => {}
        }
    }
}

/// The attributes that hold the identifiers themselves (reported by the
/// profile rules, not by the text heuristic).
fn is_identifier_attribute(tag: Tag) -> bool {
    matches!(
        tag,
        tags::PATIENT_ID | tags::PATIENT_NAME | Tag(0x0010, 0x1000) | tags::ACCESSION_NUMBER
    )
}

#[cfg(test)]
mod tests;
