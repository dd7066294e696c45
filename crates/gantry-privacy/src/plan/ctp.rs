//! `CTP` overrides: one RSNA CTP DicomAnonymizer rule, run by
//! gantry-ctp's evaluator against the data set being walked (SPEC §8).
//!
//! A config converted from a `DicomAnonymizer.script` keeps the rules that
//! have no native Gantry action (`@if`, `@contents`, `@initials`, …) as
//! CTP text. The planner evaluates them here, with Gantry's keyed
//! operations in place of CTP's unkeyed ones:
//! - `@hash`, `@hashname`, `@hashptid`: keyed decimal digits
//!   ([`Keyring::hash_digits`], at most 19);
//! - `@hashuid`: the keyed `2.25.` UID remap every other UID gets, so
//!   references stay consistent (CTP's root argument is not used);
//! - `@hashdate(this, X)`: the patient's own date offset when X's value is
//!   the patient's PatientID, else an offset keyed on X's value, in the
//!   configured range;
//! - `@date`/`@time`: the UTC moment of planning. They are the one thing a
//!   CTP rule can make differ between runs; `gantry ctp import` warns.
//! - `@lookup`: Gantry has no lookup tables; the evaluator reports it.
//!
//! Elements named in arguments are looked up in the data set being walked
//! (the item, inside a sequence), as CTP does.

use std::str::FromStr;
use std::sync::Arc;

use dicom_core::{DataElement, Tag};
use dicom_object::InMemDicomObject;
use gantry_ctp::{Context, Params, Script};
use gantry_model::{TagPath, TagSpec};

use crate::keys::Keyring;

/// A CTP DicomAnonymizer rule with the script's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CtpRule {
    /// The rule's text, parsed.
    pub script: Script,
    /// The parameters (`@NAME`) of the script the rule came from.
    pub params: Arc<Params>,
}

impl CtpRule {
    /// Whether the rule also applies when its element is absent
    /// (`@always()`, `@require()`): it may then create the element.
    pub fn applies_when_absent(&self) -> bool {
        self.script.applies_when_absent()
    }
}

/// The [`Context`] of one element of one data set.
pub(super) struct DataSetContext<'a> {
    /// The element the rule is for, when present.
    pub this: Option<&'a DataElement<InMemDicomObject>>,
    /// The data set being walked.
    pub obj: &'a InMemDicomObject,
    /// Whether `obj` is the top-level data set.
    pub root: bool,
    pub keys: &'a Keyring,
    /// The original PatientID, to recognise `@hashdate(this, PatientID)`.
    pub patient_id: Option<&'a str>,
    /// The patient's date offset, in days.
    pub patient_offset: i32,
    /// The configured offset range.
    pub date_range: (i32, i32),
}

/// An element's value as CTP sees it: values joined by `\`, padding
/// removed. Sequences and binary values have none.
fn text_of(element: &DataElement<InMemDicomObject>) -> Option<String> {
    if element.vr() == dicom_core::VR::SQ {
        return None;
    }
    let text = element.to_str().ok()?;
    Some(text.trim_end_matches(['\0', ' ']).to_owned())
}

/// The tag `name` names in `obj`: a keyword or any tag form Gantry reads,
/// `[gggg,eeee]` (CTP's) included; a private element by creator resolved
/// against `obj`'s own creators.
fn resolve(obj: &InMemDicomObject, name: &str) -> Option<Tag> {
    let name = name.trim();
    let bracketed = name
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .filter(|inner| inner.contains(','));
    let path = TagPath::from_str(bracketed.unwrap_or(name)).ok()?;
    match path.is_single()? {
        TagSpec::Tag(tag) => Some(*tag),
        spec @ TagSpec::Private { group, element, .. } => {
            let creators: std::collections::BTreeMap<u8, String> = (0x10..=0xFF_u16)
                .filter_map(|block| {
                    let text = obj.get(Tag(*group, block))?.to_str().ok()?;
                    Some((block as u8, text.trim_end_matches(['\0', ' ']).to_owned()))
                })
                .collect();
            creators
                .keys()
                .map(|&block| Tag(*group, u16::from(block) << 8 | u16::from(*element)))
                .find(|&tag| spec.matches(tag, |_, block| creators.get(&block).map(String::as_str)))
        }
    }
}

impl Context for DataSetContext<'_> {
    fn this(&self) -> Option<String> {
        self.this.and_then(text_of)
    }

    fn element(&self, name: &str) -> Option<String> {
        let tag = resolve(self.obj, name)?;
        self.obj.get(tag).and_then(text_of)
    }

    fn is_root(&self) -> bool {
        self.root
    }

    fn hash(&self, text: &str, max_len: Option<usize>) -> String {
        let digits = max_len.map_or(19, |n| u32::try_from(n).unwrap_or(19).clamp(1, 19));
        self.keys.hash_digits(text, digits)
    }

    fn hash_uid(&self, _root: &str, uid: &str) -> String {
        let uid = uid.trim_end_matches(['\0', ' ']).trim_start();
        if uid.is_empty() || crate::keys::is_well_known_uid(uid) {
            uid.to_owned()
        } else {
            self.keys.remap_uid(uid)
        }
    }

    fn date_offset_days(&self, key: &str) -> i32 {
        if self.patient_id.is_some_and(|id| id.trim() == key.trim()) {
            return self.patient_offset;
        }
        let (min, max) = self.date_range;
        self.keys.date_offset_days(key, min, max)
    }

    fn now(&self) -> (String, String) {
        let now = chrono::Utc::now();
        (
            now.format("%Y%m%d").to_string(),
            now.format("%H%M%S").to_string(),
        )
    }

    fn lookup(&self, _key_type: &str, _key: &str) -> Option<String> {
        None
    }
}
