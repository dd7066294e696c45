//! Private attribute policies (SPEC §6.4).
//!
//! Private data elements live in odd groups, in blocks: the element
//! `(gggg,00bb)` (`bb` = `10`–`FF`) holds the *private creator* string that
//! owns the block `(gggg,bb00)`–`(gggg,bbFF)`. A [`PrivatePolicy`] says
//! which blocks survive de-identification; [`decide`] applies it to one
//! element.
//!
//! - `remove`: every private element goes, creators and private sequences
//!   included.
//! - `keep-safe`: only elements listed in PS3.15 Table E.3.10-1 (Safe
//!   Private Attributes; see [`safe_private`]) are kept, matched by group,
//!   creator and element byte within the block.
//! - `keep: [creator, …]`: whole blocks whose creator is listed are kept.
//!
//! Whatever the policy, elements with no creator (orphans: `(gggg,0001)`–
//! `(gggg,000F)`, or a data element whose block has no creator element),
//! private group lengths `(gggg,0000)` and elements of the groups that
//! PS3.5 §7.8.1 forbids for private use (0001, 0003, 0005, 0007, FFFF) are
//! removed.
//!
//! # Creator elements follow their block
//!
//! A creator element is needed exactly when some element of its block is
//! kept. [`decide`] on a creator element answers whether its block *may*
//! keep elements under the policy; the caller then drops every kept
//! creator element whose block kept no data element ([`creator_tag_of`]
//! gives the creator element of a data element). A kept private element
//! is still scanned for identifiers.
//!
//! # Creator matching
//!
//! Creator strings are compared after trimming spaces and NULs (LO
//! padding) on both ends, ignoring ASCII case: real files carry both
//! `Philips MR Imaging DD 001` (as the standard lists it) and
//! `PHILIPS MR IMAGING DD 001` for the same vendor block, and GDCM's
//! private dictionary has both spellings. The group must match exactly.

use std::collections::HashMap;
use std::sync::OnceLock;

use dicom_core::Tag;
use serde::{Deserialize, Serialize};

#[cfg(test)]
mod tests;

/// The PS3.15 Table E.3.10-1 data, bundled at build time.
const SAFE_PRIVATE_JSON: &str = include_str!("../data/ps315_table_e3_10_1_safe_private.json");

/// What to do with private attributes.
///
/// Serialised as `"remove"`, `"keep-safe"` or `{"keep": [creator, …]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PrivatePolicy {
    /// Remove every private element (the Basic Profile's default).
    #[default]
    Remove,
    /// Keep the elements PS3.15 Table E.3.10-1 lists as safe (the Retain
    /// Safe Private Option); remove the rest.
    KeepSafe,
    /// Keep whole blocks whose private creator is in the list; remove the
    /// rest.
    Keep(Vec<String>),
}

/// The outcome of [`decide`] for one element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrivateDecision {
    /// Keep the element (for a creator element: only if its block keeps a
    /// data element; see the [module docs](self)).
    Keep,
    /// Remove the element.
    Remove,
}

/// One row of PS3.15 Table E.3.10-1: a private element that the Retain
/// Safe Private Option may keep.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SafePrivate {
    /// The private creator as the standard spells it.
    pub private_creator: String,
    /// The (odd) group.
    pub group: u16,
    /// The element's low byte within its block (`xx` in `(gggg,bbxx)`).
    pub element_in_block: u8,
    /// The VR the standard gives (`OW/OB` for two rows); `None` for the five
    /// `SIEMENS Ultrasound SC2000` rows where the standard gives none.
    pub vr: Option<String>,
    /// The value multiplicity as the standard gives it.
    pub vm: String,
    /// The standard's description of the element.
    pub meaning: String,
}

/// Decide whether one element survives a private policy.
///
/// `creator` is the private creator of the element's block (for a creator
/// element `(gggg,00bb)`, its own value), or `None` if the block has none.
/// Standard (even-group) tags are outside private policies: they get
/// [`PrivateDecision::Keep`], meaning "no objection here", and are left
/// to the profile.
pub fn decide(policy: &PrivatePolicy, creator: Option<&str>, tag: Tag) -> PrivateDecision {
    if !is_private_group(tag.group()) {
        return if is_illegal_private_group(tag.group()) {
            PrivateDecision::Remove
        } else {
            PrivateDecision::Keep
        };
    }
    let element = tag.element();
    // Group lengths and elements 0001–000F belong to no block.
    if element < 0x0010 {
        return PrivateDecision::Remove;
    }
    let Some(creator) = creator.map(trim_creator).filter(|c| !c.is_empty()) else {
        return PrivateDecision::Remove;
    };
    let keep = match policy {
        PrivatePolicy::Remove => false,
        PrivatePolicy::Keep(creators) => creators
            .iter()
            .any(|listed| creators_match(listed, creator)),
        PrivatePolicy::KeepSafe if is_private_creator_tag(tag) => safe_table()
            .creators
            .get(&tag.group())
            .is_some_and(|listed| listed.iter().any(|listed| creators_match(listed, creator))),
        PrivatePolicy::KeepSafe => {
            safe_private(creator, tag.group(), (element & 0xff) as u8).is_some()
        }
    };
    if keep {
        PrivateDecision::Keep
    } else {
        PrivateDecision::Remove
    }
}

/// The VR PS3.15 Table E.3.10-1 gives a safe private element, or `None`
/// when the element is not listed as safe.
///
/// `creator` is matched as described in the [module docs](self);
/// `element_low_byte` is the element's byte within its block. For the five
/// listed rows whose VR the standard leaves empty this returns `"UN"`
/// (the element is safe, its VR unknown); [`safe_private`] gives the row
/// as listed.
pub fn safe_private_vr(creator: &str, group: u16, element_low_byte: u8) -> Option<&'static str> {
    safe_private(creator, group, element_low_byte).map(|row| row.vr.as_deref().unwrap_or("UN"))
}

/// The PS3.15 Table E.3.10-1 row of a private element, if it is listed
/// as safe.
pub fn safe_private(
    creator: &str,
    group: u16,
    element_low_byte: u8,
) -> Option<&'static SafePrivate> {
    let creator = trim_creator(creator);
    safe_table()
        .rows
        .get(&(group, element_low_byte))?
        .iter()
        .find(|row| creators_match(&row.private_creator, creator))
}

/// Every row of PS3.15 Table E.3.10-1 (479 rows from 20 creators in the
/// bundled 2023b edition).
pub fn safe_private_rows() -> impl Iterator<Item = &'static SafePrivate> {
    safe_table().rows.values().flatten()
}

/// Whether a group is private: odd, and not one of the groups PS3.5
/// §7.8.1 forbids for private use (0001, 0003, 0005, 0007, FFFF).
pub fn is_private_group(group: u16) -> bool {
    group % 2 == 1 && !is_illegal_private_group(group)
}

/// Whether a group is one of the odd groups that may not carry private
/// elements (0001, 0003, 0005, 0007, FFFF); elements there are removed.
pub fn is_illegal_private_group(group: u16) -> bool {
    matches!(group, 0x0001 | 0x0003 | 0x0005 | 0x0007 | 0xFFFF)
}

/// Whether a tag is a private creator element `(gggg,0010)`–`(gggg,00FF)`
/// of a private group.
pub fn is_private_creator_tag(tag: Tag) -> bool {
    is_private_group(tag.group()) && (0x0010..=0x00FF).contains(&tag.element())
}

/// The creator element `(gggg,00bb)` that owns a private data element
/// `(gggg,bbxx)`, or `None` if the tag is not a private data element
/// (standard tag, creator element, group length or orphan range).
pub fn creator_tag_of(tag: Tag) -> Option<Tag> {
    if !is_private_group(tag.group()) || tag.element() < 0x1000 {
        return None;
    }
    Some(Tag(tag.group(), tag.element() >> 8))
}

fn trim_creator(creator: &str) -> &str {
    creator.trim_matches([' ', '\0'])
}

fn creators_match(a: &str, b: &str) -> bool {
    trim_creator(a).eq_ignore_ascii_case(trim_creator(b))
}

struct SafeTable {
    /// (group, element byte) → rows (one per creator using that slot).
    rows: HashMap<(u16, u8), Vec<SafePrivate>>,
    /// group → creators with at least one safe element in that group.
    creators: HashMap<u16, Vec<String>>,
}

#[derive(Deserialize)]
struct RawTable {
    attributes: Vec<RawRow>,
}

#[derive(Deserialize)]
struct RawRow {
    group: String,
    element_in_block: String,
    private_creator: String,
    vr: Option<String>,
    vm: Option<String>,
    meaning: Option<String>,
}

fn safe_table() -> &'static SafeTable {
    static TABLE: OnceLock<SafeTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let rows = load_rows();
        let mut creators: HashMap<u16, Vec<String>> = HashMap::new();
        for row in rows.values().flatten() {
            let listed = creators.entry(row.group).or_default();
            if !listed.contains(&row.private_creator) {
                listed.push(row.private_creator.clone());
            }
        }
        SafeTable { rows, creators }
    })
}

/// Parse the bundled table. The data is fixed at build time, so a failure
/// is a packaging bug: it is logged, and the table is then empty, which
/// makes `keep-safe` keep nothing (the safe direction). Tests assert the
/// row count.
fn load_rows() -> HashMap<(u16, u8), Vec<SafePrivate>> {
    let raw: RawTable = match serde_json::from_str(SAFE_PRIVATE_JSON) {
        Ok(raw) => raw,
        Err(error) => {
            tracing::error!(%error, "bundled PS3.15 Table E.3.10-1 is unreadable; keep-safe keeps nothing");
            return HashMap::new();
        }
    };
    let mut rows: HashMap<(u16, u8), Vec<SafePrivate>> = HashMap::new();
    for row in raw.attributes {
        let (Ok(group), Ok(element_in_block)) = (
            u16::from_str_radix(&row.group, 16),
            u8::from_str_radix(&row.element_in_block, 16),
        ) else {
            tracing::error!("skipping a malformed row of the bundled PS3.15 Table E.3.10-1");
            continue;
        };
        rows.entry((group, element_in_block))
            .or_default()
            .push(SafePrivate {
                private_creator: row.private_creator.trim().to_owned(),
                group,
                element_in_block,
                vr: row.vr.filter(|vr| !vr.trim().is_empty()),
                vm: row.vm.unwrap_or_default(),
                meaning: row.meaning.unwrap_or_default(),
            });
    }
    rows
}
