//! De-identification plans: what to do to every element of one instance.
//!
//! [`plan`] walks a decoded header — every element, through every sequence
//! item, private blocks included — and decides per element, in this order:
//!
//! 1. group length elements `(gggg,0000)` are removed (retired; writers
//!    recompute what they need);
//! 2. private elements follow the [`PrivatePolicy`]; a kept private block
//!    is still walked and cleaned like standard data;
//! 3. a user override (config `phi_tags`) for the element's path wins —
//!    including `CTP` rules, evaluated against the data set (`ctp.rs`;
//!    those marked `@always()` also create absent top-level elements);
//! 4. the profile's action for the tag (Table E.1-1 with its options), the
//!    conditional codes resolved against the attribute's type in the IOD of
//!    the instance's SOP class (at the top level; inside sequence items,
//!    where the type is not tabled here, the conservative conformant
//!    choice);
//! 5. any other UID value (VR UI) is remapped unless it is a well-known
//!    UID or UIDs are retained — so references in private or unlisted
//!    elements stay consistent with the instances they point to;
//! 6. `strict` removes what the IOD does not require;
//! 7. kept free text (LO, SH, ST, LT, UT, UC, and UN bytes that are
//!    text; in kept private blocks, PN too) that contains one of the
//!    patient's own identifiers is scrubbed.
//!
//! The result is a [`Plan`]: a list of `dicom_core::ops::AttributeOp`s,
//! each with the rule that produced it, plus the de-identification stamps
//! (SPEC §6.5). It can be shown (dry run) and then [`apply`]-ed. Nothing in
//! a plan's rules or paths holds an element value; new values do (they are
//! de-identified values).
//!
//! Decisions where the standard leaves room (documented for users):
//! - PatientID and PatientName get a keyed pseudonym (or the table's) even
//!   where the action is Z: the standard allows a dummy value for Z, and a
//!   research dataset needs its subjects told apart. PatientName is
//!   `<pseudonym>` as a single family-name component.
//! - D on a date is the date shifted by the patient's offset when valid,
//!   else a fixed dummy; D on a sequence keeps the sequence and cleans it.
//! - Dates that cannot be parsed are never left as they were: they become
//!   the dummy date (or empty where Z applies) and are reported in
//!   [`Plan::invalid_dates`].

use std::collections::HashMap;

use dicom_core::dictionary::{DataDictionary as _, DataDictionaryEntry as _};
use dicom_core::header::Header as _;
use dicom_core::ops::{AttributeAction, AttributeOp, AttributeSelector, AttributeSelectorStep};
use dicom_core::value::{DataSetSequence, Value};
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use gantry_model::{TagPath, TagSpec};

use crate::clean::Identifiers;
use crate::iod::{self, Requirement};
use crate::keys::{self, Keyring};
use crate::private::PrivatePolicy;
use crate::profile::{self, ActionCode, Profile, ProfileOption};
use crate::{dates, private};

mod ctp;

pub use ctp::CtpRule;

/// An action a user can ask for in a config (`phi_tags`), overriding the
/// profile for matching paths.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserAction {
    /// Keep the value (sequences are still cleaned inside).
    Keep,
    /// Remove the element.
    Remove,
    /// Zero-length value.
    Empty,
    /// A fixed value, validated against the VR when applied.
    Replace(String),
    /// Shift dates by the patient's offset (`SHIFT`, `JITTER`).
    Shift,
    /// Keyed hash of the value, as a valid value of its VR (see
    /// `Walker::hash`).
    Hash,
    /// Remap UIDs.
    Uid,
    /// A VR-conformant dummy.
    Dummy,
    /// Clean: shift dates, scrub identifiers from text.
    Clean,
    /// Round ages and weights to a bucket.
    Round,
    /// A CTP DicomAnonymizer rule (`CTP` in a config), evaluated against
    /// the data set (see [`CtpRule`]).
    Ctp(std::sync::Arc<CtpRule>),
}

impl UserAction {
    /// The config name of the action (`KEEP`, `REPLACE`, …), without its
    /// value: a REPLACE value is the user's text and could be anything.
    pub fn name(&self) -> &'static str {
        match self {
            UserAction::Keep => "KEEP",
            UserAction::Remove => "REMOVE",
            UserAction::Empty => "EMPTY",
            UserAction::Replace(_) => "REPLACE",
            UserAction::Shift => "SHIFT",
            UserAction::Hash => "HASH",
            UserAction::Uid => "UID",
            UserAction::Dummy => "DUMMY",
            UserAction::Clean => "CLEAN",
            UserAction::Round => "ROUND",
            UserAction::Ctp(_) => "CTP",
        }
    }
}

/// What to do when a pseudonym table lacks a patient.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MissingPseudonym {
    /// Derive a keyed pseudonym.
    #[default]
    Generate,
    /// Stop: the instance is not de-identified.
    Fail,
}

/// Everything that decides how instances are de-identified.
#[derive(Clone, Debug)]
pub struct Policy {
    /// The PS3.15 profile with its options.
    pub profile: Profile,
    /// Private attributes.
    pub private: PrivatePolicy,
    /// User overrides, first match wins.
    pub overrides: Vec<(TagPath, UserAction)>,
    /// Date offsets are drawn per patient in `[min, max]` days.
    pub date_range: (i32, i32),
    /// Remove every attribute the IOD does not require.
    pub strict: bool,
    /// Prefix of generated pseudonyms.
    pub pseudonym_prefix: String,
    /// Original PatientID → pseudonym, when the user supplies a table.
    pub pseudonym_table: Option<HashMap<String, String>>,
    /// What to do when the table lacks a patient.
    pub missing_pseudonym: MissingPseudonym,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            profile: Profile::basic(),
            private: PrivatePolicy::Remove,
            overrides: Vec::new(),
            date_range: (-3650, -1),
            strict: false,
            pseudonym_prefix: "ANON".into(),
            pseudonym_table: None,
            missing_pseudonym: MissingPseudonym::Generate,
        }
    }
}

/// Who the instance belongs to, from the session (original values).
#[derive(Debug)]
pub struct Subject<'a> {
    /// Stable input for the patient's pseudonym and date offset: the
    /// original PatientID (with issuer), or the key of the study's unknown
    /// patient.
    pub patient_key: &'a str,
    /// The original PatientID, for a pseudonym table lookup.
    pub patient_id: Option<&'a str>,
    /// The patient's own identifiers, scrubbed from kept free text.
    pub identifiers: &'a Identifiers,
}

/// Why an operation is in the plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Table E.1-1: the code in the table and the code it resolved to.
    Profile {
        /// Code as tabled (possibly conditional).
        tabled: ActionCode,
        /// Code applied.
        applied: ActionCode,
    },
    /// A user override from the config.
    Override,
    /// The private attribute policy.
    Private,
    /// A UID outside the table, remapped for consistency.
    UidAnywhere,
    /// Removed by `strict`.
    Strict,
    /// The patient's identifier found in kept free text.
    IdentifierInText,
    /// Group length element.
    GroupLength,
}

impl Rule {
    /// A short name for reports (`profile:X/Z→Z`, `private`, …).
    pub fn name(&self) -> String {
        match self {
            Rule::Profile { tabled, applied } if tabled == applied => {
                format!("profile:{}", tabled.code())
            }
            Rule::Profile { tabled, applied } => {
                format!("profile:{}→{}", tabled.code(), applied.code())
            }
            Rule::Override => "config".into(),
            Rule::Private => "private".into(),
            Rule::UidAnywhere => "uid".into(),
            Rule::Strict => "strict".into(),
            Rule::IdentifierInText => "identifier-in-text".into(),
            Rule::GroupLength => "group-length".into(),
        }
    }
}

/// One decided operation.
#[derive(Clone, Debug)]
pub struct PlannedOp {
    /// What to do where.
    pub op: AttributeOp,
    /// Why.
    pub rule: Rule,
}

/// The plan for one instance.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Operations, in walk order.
    pub ops: Vec<PlannedOp>,
    /// Elements to put last (the de-identification stamps).
    pub stamps: Vec<DataElement<InMemDicomObject>>,
    /// The patient's date offset, in days.
    pub date_offset_days: i32,
    /// Paths of date values that could not be parsed (and were replaced).
    pub invalid_dates: Vec<String>,
    /// The new SOPInstanceUID, when it was remapped.
    pub sop_instance_uid: Option<String>,
}

/// Why a plan could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The pseudonym table has no entry for this patient and the policy
    /// says to fail.
    #[error("the pseudonym table has no entry for this instance's patient")]
    MissingPseudonym,
    /// A REPLACE value does not fit the element's VR.
    #[error("config REPLACE value for {path} is not valid for VR {vr}")]
    InvalidReplacement {
        /// Element path.
        path: String,
        /// The element's VR.
        vr: &'static str,
    },
    /// HASH was asked of an element whose VR has no valid hashed form
    /// (dates, times, ages, binary values).
    #[error(
        "config HASH for {path}: VR {vr} has no valid hashed value (use SHIFT, DUMMY, ROUND or REMOVE)"
    )]
    HashNotForVr {
        /// Element path.
        path: String,
        /// The element's VR.
        vr: &'static str,
    },
    /// A config's CTP rule could not be evaluated (an unsupported
    /// function, a missing parameter, bad arguments).
    #[error("config CTP rule for {path}: {message}")]
    Ctp {
        /// Element path.
        path: String,
        /// Where in the rule and what went wrong (never a value).
        message: String,
    },
    /// A config's CTP rule asked for the instance to be quarantined
    /// (`@quarantine()`), or to be passed on unanonymized (`@skip()`),
    /// which Gantry never does: the instance is not de-identified.
    #[error("config CTP rule for {path} calls @{function}(): the instance is held back")]
    CtpHeld {
        /// Element path.
        path: String,
        /// `quarantine` or `skip`.
        function: &'static str,
    },
    /// Applying an operation failed (a path that does not exist).
    #[error("cannot apply the plan at {path}: {message}")]
    Apply {
        /// Element path.
        path: String,
        /// What went wrong.
        message: String,
    },
}

struct Walker<'a> {
    policy: &'a Policy,
    keys: &'a Keyring,
    subject: &'a Subject<'a>,
    sop_class: String,
    retain_uids: bool,
    plan: Plan,
    pseudonym: Option<String>,
    dates_shifted: bool,
    /// Private creators of the data set at each depth of the walk (index
    /// = nesting level; entries deeper than the current level are stale),
    /// so that overrides naming private elements by creator resolve at the
    /// level they name. Only filled when there are overrides.
    creators: Vec<CreatorMap>,
}

/// Private creators of one data set: (group, block) → creator.
type CreatorMap = std::collections::BTreeMap<(u16, u8), String>;

/// Decide what to do to `header` (the instance's decoded data set).
pub fn plan(
    header: &InMemDicomObject,
    policy: &Policy,
    keys: &Keyring,
    subject: &Subject<'_>,
) -> Result<Plan, PlanError> {
    let (min, max) = policy.date_range;
    let sop_class = header
        .get(tags::SOP_CLASS_UID)
        .and_then(|e| e.to_str().ok())
        .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
        .unwrap_or_default();
    let mut walker = Walker {
        policy,
        keys,
        subject,
        sop_class,
        retain_uids: has_option(&policy.profile, ProfileOption::RetainUids),
        plan: Plan {
            date_offset_days: keys.date_offset_days(subject.patient_key, min, max),
            ..Plan::default()
        },
        pseudonym: None,
        dates_shifted: false,
        creators: Vec::new(),
    };
    walker.walk(header, &[])?;
    walker.ctp_absent(header)?;
    walker.stamp();
    Ok(walker.plan)
}

/// Apply a plan to the header it was made for.
pub fn apply(header: &mut InMemDicomObject, plan: &Plan) -> Result<(), PlanError> {
    use dicom_core::ops::ApplyOp;
    for planned in &plan.ops {
        header
            .apply(planned.op.clone())
            .map_err(|e| PlanError::Apply {
                path: planned.op.selector.to_string(),
                message: e.to_string(),
            })?;
    }
    for stamp in &plan.stamps {
        header.put(stamp.clone());
    }
    Ok(())
}

fn has_option(profile: &Profile, option: ProfileOption) -> bool {
    profile.has_option(option)
}

/// Attributes whose UIDs name a class, a syntax or a coding scheme, not
/// an instance: never remapped, whatever their value (a vendor's private
/// SOP class is not in any registry but must survive).
fn is_class_uid_attribute(tag: Tag) -> bool {
    use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};
    dicom_dictionary_std::StandardDataDictionary
        .by_tag(tag)
        .map(|entry| entry.alias())
        .is_some_and(|alias| {
            alias.ends_with("ClassUID")
                || alias.ends_with("TransferSyntaxUID")
                || alias.ends_with("CodingSchemeUID")
                || alias == "ContextGroupExtensionCreatorUID"
                || alias == "MappingResourceUID"
        })
}

fn selector(prefix: &[AttributeSelectorStep], tag: Tag) -> AttributeSelector {
    let steps = prefix
        .iter()
        .cloned()
        .chain([AttributeSelectorStep::Tag(tag)]);
    // A non-empty list ending in a tag is always a valid selector.
    AttributeSelector::new(steps).unwrap_or_else(|| AttributeSelector::from(tag))
}

/// Tags along a path, for matching user overrides.
fn tag_path(prefix: &[AttributeSelectorStep], tag: Tag) -> Vec<Tag> {
    prefix
        .iter()
        .map(|step| match step {
            AttributeSelectorStep::Tag(t) | AttributeSelectorStep::Nested { tag: t, .. } => *t,
        })
        .chain([tag])
        .collect()
}

/// Text VRs whose values are free text worth scrubbing.
fn is_free_text(vr: VR) -> bool {
    matches!(vr, VR::LO | VR::SH | VR::ST | VR::LT | VR::UT | VR::UC)
}

fn max_len(vr: VR) -> usize {
    match vr {
        VR::AE | VR::CS | VR::SH | VR::DA => 16,
        VR::AS => 4,
        VR::DS => 16,
        VR::IS => 12,
        VR::TM => 14,
        VR::DT => 26,
        VR::LO | VR::PN | VR::UI => 64,
        VR::ST => 1024,
        VR::LT => 10240,
        // Limited only by the 32-bit length field.
        VR::UT | VR::UC | VR::UR => 4_294_967_294,
        _ => 65536,
    }
}

impl Walker<'_> {
    fn push(
        &mut self,
        prefix: &[AttributeSelectorStep],
        tag: Tag,
        action: AttributeAction,
        rule: Rule,
    ) {
        self.plan.ops.push(PlannedOp {
            op: AttributeOp::new(selector(prefix, tag), action),
            rule,
        });
    }

    fn walk(
        &mut self,
        obj: &InMemDicomObject,
        prefix: &[AttributeSelectorStep],
    ) -> Result<(), PlanError> {
        // Private creators of this data set: (group, block) → creator.
        // Ordered, so that the creator removals below come out in the same
        // order every time (plans must be deterministic).
        let mut creators = CreatorMap::new();
        for element in obj.iter() {
            let tag = element.tag();
            if tag.group() % 2 == 1
                && (0x0010..=0x00FF).contains(&tag.element())
                && let Ok(text) = element.to_str()
            {
                creators.insert(
                    (tag.group(), tag.element() as u8),
                    text.trim_end_matches(['\0', ' ']).trim_start().to_string(),
                );
            }
        }
        if !self.policy.overrides.is_empty() {
            self.creators.truncate(prefix.len());
            self.creators.push(creators.clone());
        }
        // Private blocks with at least one kept element keep their creator.
        let mut kept_blocks: std::collections::HashSet<(u16, u8)> =
            std::collections::HashSet::new();
        let top_level = prefix.is_empty();

        // Overlay groups whose Overlay Data the plan removes go entirely:
        // an Overlay Plane module without its data is not conformant.
        let removed_overlays: std::collections::HashSet<u16> = obj
            .iter()
            .map(|e| e.tag())
            .filter(|t| {
                (0x6000..=0x601E).contains(&t.group())
                    && t.group() % 2 == 0
                    && t.element() == 0x3000
            })
            .filter(|t| {
                self.override_for(prefix, *t).is_none()
                    && matches!(self.policy.profile.action(*t), Some(ActionCode::X))
            })
            .map(|t| t.group())
            .collect();
        for element in obj.iter() {
            let tag = element.tag();
            if removed_overlays.contains(&tag.group()) {
                let tabled = ActionCode::X;
                self.push(
                    prefix,
                    tag,
                    AttributeAction::Remove,
                    Rule::Profile {
                        tabled,
                        applied: tabled,
                    },
                );
                continue;
            }
            if tag.element() == 0x0000 {
                self.push(prefix, tag, AttributeAction::Remove, Rule::GroupLength);
                continue;
            }
            if tag.group() % 2 == 1 {
                if (0x0010..=0x00FF).contains(&tag.element()) {
                    continue; // creators: decided after their blocks
                }
                let block = (tag.group(), (tag.element() >> 8) as u8);
                // The user's word first, as for standard attributes; the
                // block keeps its creator unless the element goes.
                if let Some(action) = self.override_for(prefix, tag) {
                    if action != UserAction::Remove {
                        kept_blocks.insert(block);
                    }
                    self.user_action(element, obj, prefix, tag, &action)?;
                    continue;
                }
                let creator = creators.get(&block).map(String::as_str);
                let keep = match private::decide(&self.policy.private, creator, tag) {
                    private::PrivateDecision::Keep => true,
                    private::PrivateDecision::Remove => false,
                };
                if keep {
                    kept_blocks.insert(block);
                    match element.vr() {
                        // Step 5 holds for private UIDs too: no original
                        // UID survives, and references stay consistent.
                        VR::UI if !self.retain_uids => {
                            self.remap_uids(element, prefix, tag, Rule::UidAnywhere);
                        }
                        // A kept private element is still scanned for
                        // identifiers (SPEC §6.4), person names included.
                        VR::PN => self.clean(element, prefix, tag, Rule::IdentifierInText)?,
                        _ => self.keep(element, prefix, tag)?,
                    }
                } else {
                    self.push(prefix, tag, AttributeAction::Remove, Rule::Private);
                }
                continue;
            }
            if let Some(action) = self.override_for(prefix, tag) {
                self.user_action(element, obj, prefix, tag, &action)?;
                continue;
            }
            if let Some(tabled) = self.policy.profile.action(tag) {
                // The type tables come from PS3.3 2008 plus additions: an
                // attribute they do not list for the IOD may have been
                // added since. Treat it like an unknown one (the
                // conservative conformant choice) rather than removing it.
                let requirement = match top_level.then(|| iod::requirement(&self.sop_class, tag)) {
                    Some(Requirement::NotInIod) | None => Requirement::UnknownSopClass,
                    Some(known) => known,
                };
                let applied = profile::resolve(tabled, requirement);
                self.profile_action(
                    element,
                    prefix,
                    tag,
                    Rule::Profile { tabled, applied },
                    applied,
                )?;
                continue;
            }
            if element.vr() == VR::UI && !self.retain_uids {
                self.remap_uids(element, prefix, tag, Rule::UidAnywhere);
                continue;
            }
            if self.policy.strict && top_level && !required(&self.sop_class, tag) {
                self.push(prefix, tag, AttributeAction::Remove, Rule::Strict);
                continue;
            }
            self.keep(element, prefix, tag)?;
        }
        // Private creators go with their blocks.
        for &(group, block) in creators.keys() {
            if !kept_blocks.contains(&(group, block)) {
                self.push(
                    prefix,
                    Tag(group, u16::from(block)),
                    AttributeAction::Remove,
                    Rule::Private,
                );
            }
        }
        Ok(())
    }

    /// The first user override whose path matches the element at `prefix`
    /// / `tag`, private steps resolved against the creators of the data
    /// set at their own level.
    fn override_for(&self, prefix: &[AttributeSelectorStep], tag: Tag) -> Option<UserAction> {
        if self.policy.overrides.is_empty() {
            return None;
        }
        let path = tag_path(prefix, tag);
        self.policy
            .overrides
            .iter()
            .find(|(p, _)| {
                p.matches_with(&path, |spec, depth, tag| {
                    spec.matches(tag, |group, block| {
                        self.creators
                            .get(depth)?
                            .get(&(group, block))
                            .map(String::as_str)
                    })
                })
            })
            .map(|(_, action)| action.clone())
    }

    /// Keep an element: recurse into sequences, scrub identifiers out of
    /// free text.
    fn keep(
        &mut self,
        element: &DataElement<InMemDicomObject>,
        prefix: &[AttributeSelectorStep],
        tag: Tag,
    ) -> Result<(), PlanError> {
        match element.value() {
            Value::Sequence(seq) => self.recurse(seq.items(), prefix, tag),
            Value::Primitive(_) if is_free_text(element.vr()) => {
                if let Ok(text) = element.to_str()
                    && let Some(clean) = self.subject.identifiers.scrub(&text)
                {
                    let clean = truncate(clean, max_len(element.vr()));
                    self.push(
                        prefix,
                        tag,
                        AttributeAction::Set(PrimitiveValue::from(clean)),
                        Rule::IdentifierInText,
                    );
                }
                Ok(())
            }
            // Text stored without its VR (private elements of implicit VR
            // files): scrubbed too when it is text, as the audit reports.
            Value::Primitive(PrimitiveValue::U8(bytes)) if element.vr() == VR::UN => {
                if let Ok(text) = std::str::from_utf8(bytes)
                    && let Some(clean) = self.subject.identifiers.scrub(text)
                {
                    self.push(
                        prefix,
                        tag,
                        AttributeAction::Set(PrimitiveValue::from(clean.into_bytes())),
                        Rule::IdentifierInText,
                    );
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn recurse(
        &mut self,
        items: &[InMemDicomObject],
        prefix: &[AttributeSelectorStep],
        tag: Tag,
    ) -> Result<(), PlanError> {
        for (i, item) in items.iter().enumerate() {
            let mut nested = prefix.to_vec();
            nested.push(AttributeSelectorStep::Nested {
                tag,
                item: i as u32,
            });
            self.walk(item, &nested)?;
        }
        Ok(())
    }

    fn profile_action(
        &mut self,
        element: &DataElement<InMemDicomObject>,
        prefix: &[AttributeSelectorStep],
        tag: Tag,
        rule: Rule,
        applied: ActionCode,
    ) -> Result<(), PlanError> {
        let vr = element.vr();
        match applied {
            ActionCode::X => {
                self.push(prefix, tag, AttributeAction::Remove, rule);
            }
            ActionCode::Z => {
                if let Some(pseudonym) = self.patient_pseudonym(tag)? {
                    self.push(prefix, tag, AttributeAction::Set(pseudonym), rule);
                } else if vr == VR::SQ {
                    self.push(
                        prefix,
                        tag,
                        AttributeAction::Set(PrimitiveValue::Empty),
                        rule,
                    );
                } else {
                    self.push(prefix, tag, AttributeAction::Empty, rule);
                }
            }
            ActionCode::D => self.dummy(element, prefix, tag, rule)?,
            ActionCode::C => self.clean(element, prefix, tag, rule)?,
            ActionCode::U => {
                if vr == VR::SQ {
                    self.keep(element, prefix, tag)?;
                } else if !self.retain_uids {
                    self.remap_uids(element, prefix, tag, rule);
                }
            }
            // K, and any code `resolve` left conditional (it does not).
            _ => self.keep(element, prefix, tag)?,
        }
        Ok(())
    }

    fn user_action(
        &mut self,
        element: &DataElement<InMemDicomObject>,
        obj: &InMemDicomObject,
        prefix: &[AttributeSelectorStep],
        tag: Tag,
        action: &UserAction,
    ) -> Result<(), PlanError> {
        let vr = element.vr();
        match action {
            UserAction::Keep => self.keep(element, prefix, tag)?,
            UserAction::Remove => self.push(prefix, tag, AttributeAction::Remove, Rule::Override),
            UserAction::Empty => self.push(prefix, tag, AttributeAction::Empty, Rule::Override),
            UserAction::Replace(value) => {
                if !valid_for_vr(value, vr) {
                    return Err(PlanError::InvalidReplacement {
                        path: selector(prefix, tag).to_string(),
                        vr: vr.to_string(),
                    });
                }
                self.push(
                    prefix,
                    tag,
                    AttributeAction::Set(PrimitiveValue::from(value.clone())),
                    Rule::Override,
                );
            }
            UserAction::Shift if matches!(vr, VR::DA | VR::DT) => {
                self.shift_dates(element, prefix, tag, Rule::Override, false);
            }
            // Offsets are whole days: times (and anything else) stay, as
            // with C, rather than being emptied as invalid dates.
            UserAction::Shift => self.keep(element, prefix, tag)?,
            UserAction::Hash => self.hash(element, prefix, tag)?,
            UserAction::Uid => self.remap_uids(element, prefix, tag, Rule::Override),
            UserAction::Dummy => self.dummy(element, prefix, tag, Rule::Override)?,
            UserAction::Clean => self.clean(element, prefix, tag, Rule::Override)?,
            UserAction::Round => {
                if let Some(rounded) = round_value(element) {
                    self.push(prefix, tag, AttributeAction::Set(rounded), Rule::Override);
                }
            }
            UserAction::Ctp(rule) => self.ctp(Some(element), obj, prefix, tag, rule)?,
        }
        Ok(())
    }

    /// A CTP rule for `tag` in `obj` (`element` is `None` when the rule
    /// applies to an absent element: `@always()`, `@require()`).
    fn ctp(
        &mut self,
        element: Option<&DataElement<InMemDicomObject>>,
        obj: &InMemDicomObject,
        prefix: &[AttributeSelectorStep],
        tag: Tag,
        rule: &CtpRule,
    ) -> Result<(), PlanError> {
        let context = ctp::DataSetContext {
            this: element,
            obj,
            root: prefix.is_empty(),
            keys: self.keys,
            patient_id: self.subject.patient_id,
            patient_offset: self.plan.date_offset_days,
            date_range: self.policy.date_range,
        };
        let path = || selector(prefix, tag).to_string();
        let outcome = gantry_ctp::evaluate(&rule.script, &rule.params, &context).map_err(|e| {
            PlanError::Ctp {
                path: path(),
                message: e.to_string(),
            }
        })?;
        match outcome {
            gantry_ctp::Outcome::Keep | gantry_ctp::Outcome::Process => {
                if let Some(element) = element {
                    self.keep(element, prefix, tag)?;
                }
            }
            gantry_ctp::Outcome::Remove => {
                if element.is_some() {
                    self.push(prefix, tag, AttributeAction::Remove, Rule::Override);
                }
            }
            // Absent and asked for empty (`@always()@empty()`, `@require()`):
            // created zero-length, as CTP does.
            gantry_ctp::Outcome::Empty if element.is_none() => {
                let action = AttributeAction::Set(PrimitiveValue::Empty);
                self.push(prefix, tag, action, Rule::Override);
            }
            gantry_ctp::Outcome::Value(value) if element.is_none() && value.is_empty() => {
                let action = AttributeAction::Set(PrimitiveValue::Empty);
                self.push(prefix, tag, action, Rule::Override);
            }
            gantry_ctp::Outcome::Empty => {
                self.push(prefix, tag, AttributeAction::Empty, Rule::Override);
            }
            gantry_ctp::Outcome::Value(value) => {
                // A created element gets its dictionary VR (as dicom-rs
                // gives it); one the dictionary does not know cannot be
                // created with a valid value.
                let vr = match element {
                    Some(element) => element.vr(),
                    None => dicom_dictionary_std::StandardDataDictionary
                        .by_tag(tag)
                        .and_then(|entry| entry.vr().exact())
                        .unwrap_or(VR::UN),
                };
                // CTP values may hold several, joined by `\`.
                if !value.split('\\').all(|v| valid_for_vr(v, vr)) {
                    return Err(PlanError::InvalidReplacement {
                        path: path(),
                        vr: vr.to_string(),
                    });
                }
                if matches!(vr, VR::DA | VR::DT) {
                    self.dates_shifted = true;
                }
                let action = AttributeAction::Set(PrimitiveValue::from(value));
                self.push(prefix, tag, action, Rule::Override);
            }
            gantry_ctp::Outcome::Quarantine => {
                return Err(PlanError::CtpHeld {
                    path: path(),
                    function: "quarantine",
                });
            }
            gantry_ctp::Outcome::Skip => {
                return Err(PlanError::CtpHeld {
                    path: path(),
                    function: "skip",
                });
            }
        }
        Ok(())
    }

    /// CTP rules that apply to absent elements (`@always()`,
    /// `@require()`) and name a top-level standard attribute the data set
    /// lacks.
    fn ctp_absent(&mut self, root: &InMemDicomObject) -> Result<(), PlanError> {
        let policy = self.policy;
        for (path, action) in &policy.overrides {
            let UserAction::Ctp(rule) = action else {
                continue;
            };
            let Some(TagSpec::Tag(tag)) = path.is_single() else {
                continue;
            };
            if rule.applies_when_absent() && root.get(*tag).is_none() {
                self.ctp(None, root, &[], *tag, rule)?;
            }
        }
        Ok(())
    }

    /// `HASH`: a keyed hash that is a valid value of the element's VR.
    /// Text VRs get uppercase hex cut to the VR's maximum length; IS and DS
    /// decimal digits (9 and 16); UI the keyed UID remap, so references to
    /// the UID stay consistent. Dates, times, ages and binary VRs have no
    /// valid hashed form: an error names the element, as for an invalid
    /// REPLACE (use SHIFT, DUMMY, ROUND or REMOVE there).
    fn hash(
        &mut self,
        element: &DataElement<InMemDicomObject>,
        prefix: &[AttributeSelectorStep],
        tag: Tag,
    ) -> Result<(), PlanError> {
        let vr = element.vr();
        if vr == VR::UI {
            self.remap_uids(element, prefix, tag, Rule::Override);
            return Ok(());
        }
        let hashable = matches!(
            vr,
            VR::IS
                | VR::DS
                | VR::AE
                | VR::CS
                | VR::LO
                | VR::LT
                | VR::PN
                | VR::SH
                | VR::ST
                | VR::UC
                | VR::UR
                | VR::UT
        );
        // Sequences included: a hashed sequence would not be one.
        let text = match element.to_str() {
            Ok(text) if hashable => text,
            _ => {
                return Err(PlanError::HashNotForVr {
                    path: selector(prefix, tag).to_string(),
                    vr: vr.to_string(),
                });
            }
        };
        let text = text.trim_end_matches(['\0', ' ']);
        let hashed = match vr {
            VR::IS => self.keys.hash_digits(text, 9),
            VR::DS => self.keys.hash_digits(text, 16),
            _ => self.keys.hash(text, max_len(vr)),
        };
        self.push(
            prefix,
            tag,
            AttributeAction::Set(PrimitiveValue::from(hashed)),
            Rule::Override,
        );
        Ok(())
    }

    /// The pseudonym for PatientID / PatientName at the top level.
    fn patient_pseudonym(&mut self, tag: Tag) -> Result<Option<PrimitiveValue>, PlanError> {
        if tag != tags::PATIENT_ID && tag != tags::PATIENT_NAME {
            return Ok(None);
        }
        if self.pseudonym.is_none() {
            let from_table = match (&self.policy.pseudonym_table, self.subject.patient_id) {
                (Some(table), Some(id)) => table.get(id).cloned(),
                _ => None,
            };
            let pseudonym = match from_table {
                Some(p) => p,
                None if self.policy.pseudonym_table.is_some()
                    && self.policy.missing_pseudonym == MissingPseudonym::Fail =>
                {
                    return Err(PlanError::MissingPseudonym);
                }
                None => self.keys.pseudonym(
                    "patient",
                    self.subject.patient_key,
                    &self.policy.pseudonym_prefix,
                    10,
                ),
            };
            self.pseudonym = Some(pseudonym);
        }
        Ok(self.pseudonym.clone().map(PrimitiveValue::from))
    }

    fn dummy(
        &mut self,
        element: &DataElement<InMemDicomObject>,
        prefix: &[AttributeSelectorStep],
        tag: Tag,
        rule: Rule,
    ) -> Result<(), PlanError> {
        if let Some(pseudonym) = self.patient_pseudonym(tag)? {
            self.push(prefix, tag, AttributeAction::Set(pseudonym), rule);
            return Ok(());
        }
        let value = match element.vr() {
            VR::SQ => return self.keep(element, prefix, tag),
            VR::DA | VR::DT => {
                self.shift_dates(element, prefix, tag, rule, true);
                return Ok(());
            }
            VR::UI => {
                self.remap_uids(element, prefix, tag, rule);
                return Ok(());
            }
            VR::PN | VR::LO | VR::SH | VR::LT | VR::ST | VR::UT | VR::UC | VR::CS => {
                PrimitiveValue::from("ANONYMOUS")
            }
            VR::AE => PrimitiveValue::from("ANONYMOUS"),
            VR::TM => PrimitiveValue::from("000000"),
            VR::AS => PrimitiveValue::from("000Y"),
            VR::IS | VR::DS => PrimitiveValue::from("0"),
            VR::US => PrimitiveValue::from(0_u16),
            VR::SS => PrimitiveValue::from(0_i16),
            VR::UL => PrimitiveValue::from(0_u32),
            VR::SL => PrimitiveValue::from(0_i32),
            VR::FL => PrimitiveValue::from(0_f32),
            VR::FD => PrimitiveValue::from(0_f64),
            VR::UR => PrimitiveValue::from(""),
            _ => {
                self.push(prefix, tag, AttributeAction::Empty, rule);
                return Ok(());
            }
        };
        self.push(prefix, tag, AttributeAction::Set(value), rule);
        Ok(())
    }

    fn clean(
        &mut self,
        element: &DataElement<InMemDicomObject>,
        prefix: &[AttributeSelectorStep],
        tag: Tag,
        rule: Rule,
    ) -> Result<(), PlanError> {
        match element.vr() {
            VR::DA | VR::DT => self.shift_dates(element, prefix, tag, rule, false),
            VR::SQ => self.keep(element, prefix, tag)?,
            VR::UI => self.remap_uids(element, prefix, tag, rule),
            vr if is_free_text(vr) || vr == VR::PN => {
                if let Ok(text) = element.to_str()
                    && let Some(clean) = self.subject.identifiers.scrub(&text)
                {
                    self.push(
                        prefix,
                        tag,
                        AttributeAction::Set(PrimitiveValue::from(truncate(clean, max_len(vr)))),
                        rule,
                    );
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Shift every DA/DT value of the element by the patient's offset.
    /// Values that do not parse are replaced by a dummy (`dummy`) or
    /// emptied, and reported.
    fn shift_dates(
        &mut self,
        element: &DataElement<InMemDicomObject>,
        prefix: &[AttributeSelectorStep],
        tag: Tag,
        rule: Rule,
        dummy: bool,
    ) {
        let vr = element.vr();
        let Ok(text) = element.to_str() else {
            return;
        };
        let days = self.plan.date_offset_days;
        let mut out = Vec::new();
        let mut invalid = false;
        for value in text.split('\\') {
            let value = value.trim_end_matches(['\0', ' ']).trim_start();
            if value.is_empty() {
                out.push(String::new());
                continue;
            }
            let shifted = match vr {
                VR::DT => dates::shift_dt(value, days),
                _ => dates::shift_da(value, days),
            };
            match shifted {
                Ok(v) => out.push(v),
                Err(_) => {
                    invalid = true;
                    out.push(match vr {
                        VR::DT => "19000101000000".to_string(),
                        _ => "19000101".to_string(),
                    });
                }
            }
        }
        if invalid {
            self.plan
                .invalid_dates
                .push(selector(prefix, tag).to_string());
        }
        if invalid && !dummy {
            self.push(prefix, tag, AttributeAction::Empty, rule);
            return;
        }
        self.dates_shifted = true;
        self.push(
            prefix,
            tag,
            AttributeAction::Set(PrimitiveValue::from(out.join("\\"))),
            rule,
        );
    }

    fn remap_uids(
        &mut self,
        element: &DataElement<InMemDicomObject>,
        prefix: &[AttributeSelectorStep],
        tag: Tag,
        rule: Rule,
    ) {
        if is_class_uid_attribute(tag) {
            return;
        }
        let Ok(text) = element.to_str() else {
            return;
        };
        let mut changed = false;
        let mapped: Vec<String> = text
            .split('\\')
            .map(|uid| {
                let uid = uid.trim_end_matches(['\0', ' ']).trim_start();
                if uid.is_empty() || keys::is_well_known_uid(uid) {
                    uid.to_string()
                } else {
                    changed = true;
                    self.keys.remap_uid(uid)
                }
            })
            .collect();
        if !changed {
            return;
        }
        let joined = mapped.join("\\");
        if prefix.is_empty() && tag == tags::SOP_INSTANCE_UID {
            self.plan.sop_instance_uid = Some(joined.clone());
        }
        self.push(
            prefix,
            tag,
            AttributeAction::Set(PrimitiveValue::from(joined)),
            rule,
        );
    }

    /// SPEC §6.5: PatientIdentityRemoved, DeidentificationMethod and its
    /// code sequence (CID 7050), LongitudinalTemporalInformationModified.
    fn stamp(&mut self) {
        let profile = &self.policy.profile;
        let options: Vec<ProfileOption> = profile.options().collect();
        // LO values are at most 64 characters: "<profile> + <option> + …",
        // continued in further values, never splitting a name.
        let mut values = vec![String::from("Gantry PS3.15 E.1-1 Basic Profile")];
        for option in &options {
            match values.last_mut() {
                Some(last) if last.len() + 3 + option.name().len() <= 64 => {
                    last.push_str(" + ");
                    last.push_str(option.name());
                }
                _ => values.push(option.name().to_string()),
            }
        }
        self.plan.stamps.push(DataElement::new(
            tags::PATIENT_IDENTITY_REMOVED,
            VR::CS,
            PrimitiveValue::from("YES"),
        ));
        self.plan.stamps.push(DataElement::new(
            tags::DEIDENTIFICATION_METHOD,
            VR::LO,
            PrimitiveValue::Strs(values.into()),
        ));
        let mut codes = vec![profile::BASIC_PROFILE_CODE];
        codes.extend(options.iter().map(|o| o.cid7050()));
        let items: Vec<InMemDicomObject> = codes
            .into_iter()
            .map(|(value, meaning)| {
                InMemDicomObject::from_element_iter([
                    DataElement::new(tags::CODE_VALUE, VR::SH, PrimitiveValue::from(value)),
                    DataElement::new(
                        tags::CODING_SCHEME_DESIGNATOR,
                        VR::SH,
                        PrimitiveValue::from("DCM"),
                    ),
                    DataElement::new(tags::CODE_MEANING, VR::LO, PrimitiveValue::from(meaning)),
                ])
            })
            .collect();
        self.plan.stamps.push(DataElement::new(
            tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE,
            VR::SQ,
            DataSetSequence::from(items),
        ));
        // Shifted dates are "modified" whatever the options (an override
        // can shift dates the full-dates option keeps).
        let temporal = if self.dates_shifted {
            "MODIFIED"
        } else if options.contains(&ProfileOption::RetainLongitudinalFullDates) {
            "UNMODIFIED"
        } else {
            "REMOVED"
        };
        self.plan.stamps.push(DataElement::new(
            tags::LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED,
            VR::CS,
            PrimitiveValue::from(temporal),
        ));
    }
}

/// Whether the IOD requires the attribute (Type 1, 1C, 2, 2C), for
/// `strict`. Image pixel description (group 0028) is always kept.
fn required(sop_class: &str, tag: Tag) -> bool {
    use crate::iod::AttributeType::*;
    tag.group() == 0x0028
        || tag.group() == 0x0008 && tag.element() == 0x0005
        || matches!(
            iod::requirement(sop_class, tag),
            Requirement::Known(Type1 | Type1C | Type2 | Type2C)
        )
}

fn truncate(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text
}

/// Whether a REPLACE value fits the VR (length and character repertoire
/// for the common text VRs; dates must parse).
fn valid_for_vr(value: &str, vr: VR) -> bool {
    if value.len() > max_len(vr) {
        return false;
    }
    match vr {
        VR::DA => dates::validate_da(value),
        VR::DT => dates::validate_dt(value),
        VR::TM => dates::validate_tm(value),
        VR::UI => value.chars().all(|c| c.is_ascii_digit() || c == '.'),
        VR::IS => value.trim().parse::<i64>().is_ok(),
        // Rust parses "NaN" and "inf", which DS does not allow.
        VR::DS => value.trim().parse::<f64>().is_ok_and(f64::is_finite),
        VR::CS => value
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == ' ' || c == '_'),
        VR::AS => {
            value.len() == 4
                && value.as_bytes()[..3].iter().all(u8::is_ascii_digit)
                && matches!(value.as_bytes()[3], b'D' | b'W' | b'M' | b'Y')
        }
        VR::SQ | VR::OB | VR::OW | VR::UN => false,
        _ => true,
    }
}

/// ROUND: ages (AS) to 5-year buckets above 1 year, weights and sizes (DS)
/// to the nearest 5 (kg) — documented rounding for `ROUND` overrides.
fn round_value(element: &DataElement<InMemDicomObject>) -> Option<PrimitiveValue> {
    let text = element.to_str().ok()?;
    let text = text.trim_end_matches(['\0', ' ']).trim();
    match element.vr() {
        VR::AS if text.len() == 4 => {
            let (n, unit) = text.split_at(3);
            let n: u32 = n.parse().ok()?;
            if unit == "Y" {
                Some(PrimitiveValue::from(format!("{:03}Y", n / 5 * 5)))
            } else {
                Some(PrimitiveValue::from(text.to_string()))
            }
        }
        VR::DS | VR::IS => {
            let v: f64 = text.parse().ok()?;
            Some(PrimitiveValue::from(format!("{}", (v / 5.0).round() * 5.0)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;
