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
use dicom_core::ops::{AttributeAction, AttributeSelector, AttributeSelectorStep};
use dicom_core::value::Value;
use dicom_core::{PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use gantry_model::Phi;

use crate::clean::Identifiers;
use crate::plan::{Plan, Rule};

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
    let mut findings = Vec::with_capacity(plan.ops.len() + 8);
    // Rule names repeat from operation to operation: formatted once each.
    let mut rule_names: Vec<(&Rule, String)> = Vec::new();
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
                AttributeSelectorStep::Tag(t) | AttributeSelectorStep::Nested { tag: t, .. } => *t,
            })
            .unwrap_or(Tag(0, 0));
        let rule = match rule_names.iter().find(|(rule, _)| *rule == &planned.rule) {
            Some((_, name)) => name.clone(),
            None => {
                let name = planned.rule.name();
                rule_names.push((&planned.rule, name.clone()));
                name
            }
        };
        findings.push(Finding {
            path: selector_string(selector),
            tag: tag_string(tag),
            rule,
            action: action.into(),
            preview,
        });
    }
    let mut path = String::with_capacity(64);
    heuristics(header, &mut path, context, &mut findings);
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
            path: tag_string(tags::BURNED_IN_ANNOTATION),
            tag: tag_string(tags::BURNED_IN_ANNOTATION),
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

/// `(GGGG,EEEE)`, as `Tag`'s `Display` writes it, without the formatting
/// machinery (every finding has one or two).
fn tag_string(tag: Tag) -> String {
    let mut out = String::with_capacity(11);
    push_tag(&mut out, tag);
    out
}

fn push_tag(out: &mut String, tag: Tag) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('(');
    for (i, half) in [tag.0, tag.1].into_iter().enumerate() {
        if i == 1 {
            out.push(',');
        }
        for shift in [12, 8, 4, 0] {
            out.push(char::from(HEX[usize::from((half >> shift) & 0xF)]));
        }
    }
    out.push(')');
}

/// An attribute path as `AttributeSelector`'s `Display` writes it:
/// `(GGGG,EEEE)[i].(GGGG,EEEE)`.
fn selector_string(selector: &AttributeSelector) -> String {
    let mut out = String::with_capacity(16);
    for (i, step) in selector.iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        match step {
            AttributeSelectorStep::Tag(tag) => push_tag(&mut out, *tag),
            AttributeSelectorStep::Nested { tag, item } => {
                push_tag(&mut out, *tag);
                push_item(&mut out, *item);
            }
        }
    }
    out
}

/// `[i]`.
fn push_item(out: &mut String, item: impl std::fmt::Display) {
    use std::fmt::Write as _;
    // Writing into a String cannot fail.
    let _ = write!(out, "[{item}]");
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
                Phi::new(text.trim_end_matches(['\0', ' '])).masked()
            }
            _ => format!("{} bytes", bytes.len()),
        },
        Value::Primitive(p) => {
            let text = p.to_str();
            Phi::new(text.trim_end_matches(['\0', ' '])).masked()
        }
        Value::Sequence(seq) => format!("sequence, {} items", seq.items().len()),
        Value::PixelSequence(_) => "encapsulated data".into(),
    }
}

/// Identifiers and dates inside free text, at any depth. `path` is the
/// path of `obj`'s items (empty at the top level), extended in place while
/// walking and restored before returning: a path is only copied out for a
/// finding.
fn heuristics(
    obj: &InMemDicomObject,
    path: &mut String,
    context: &InspectContext<'_>,
    out: &mut Vec<Finding>,
) {
    let prefix_len = path.len();
    for element in obj.iter() {
        let tag = element.tag();
        match element.value() {
            Value::Sequence(seq) => {
                push_step(path, prefix_len, tag);
                let element_len = path.len();
                for (i, item) in seq.items().iter().enumerate() {
                    push_item(path, i);
                    heuristics(item, path, context, out);
                    path.truncate(element_len);
                }
                path.truncate(prefix_len);
            }
            Value::Primitive(value)
                if matches!(
                    element.vr(),
                    VR::LO | VR::SH | VR::ST | VR::LT | VR::UT | VR::UC | VR::UN
                ) && !is_identifier_attribute(tag) =>
            {
                let bytes;
                let text = if element.vr() == VR::UN {
                    // private text read without its VR
                    bytes = value.to_bytes();
                    String::from_utf8_lossy(&bytes)
                } else {
                    value.to_str()
                };
                let masked = || Phi::new(text.trim_end_matches(['\0', ' '])).masked();
                let rule = if !context.identifiers.find(&text).is_empty() {
                    "identifier-in-text"
                } else if !crate::clean::find_dates(&text).is_empty() {
                    "date-in-text"
                } else {
                    continue;
                };
                push_step(path, prefix_len, tag);
                let finding_path = path.clone();
                path.truncate(prefix_len);
                if rule == "identifier-in-text" {
                    // Kept text is scrubbed by the plan, already reported
                    // under this rule: one finding per element.
                    if out
                        .iter()
                        .any(|f| f.path == finding_path && f.rule == "identifier-in-text")
                    {
                        continue;
                    }
                    out.push(Finding {
                        path: finding_path,
                        tag: tag_string(tag),
                        rule: "identifier-in-text".into(),
                        action: "clean".into(),
                        preview: masked(),
                    });
                } else {
                    out.push(Finding {
                        path: finding_path,
                        tag: tag_string(tag),
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

/// Append `tag` to the item path `path[..prefix_len]` (`.`-separated).
fn push_step(path: &mut String, prefix_len: usize, tag: Tag) {
    path.truncate(prefix_len);
    if prefix_len > 0 {
        path.push('.');
    }
    push_tag(path, tag);
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
