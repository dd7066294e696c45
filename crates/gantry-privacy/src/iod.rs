//! Attribute types (1, 1C, 2, 2C, 3) per IOD, for resolving the
//! conditional action codes of PS3.15 ([`crate::profile::resolve`]).
//!
//! [`requirement`] answers: in an instance of this SOP class, what type
//! does this top-level attribute have? The tables are generated at build
//! time from three files in `data/`:
//!
//! 1. SOP Class UID → IOD name (innolitics/dicom-standard, 2024b), the
//!    IOD id being the name in lower-case words joined by dashes
//!    ("CT Image" → `ct-image`);
//! 2. IOD → modules (same source; usage M, C and U all count: an
//!    attribute's type applies whenever its module is present);
//! 3. module → top-level attributes and their types from GDCM's
//!    machine-readable PS3.3 (2008): module names matched to the
//!    innolitics module ids the same way, top-level `<include>`d macros
//!    expanded recursively, nested attributes (`>` in the name) skipped.
//!    A macro included only under a condition ("if and only if ...")
//!    turns its Type 1 and 2 into 1C and 2C.
//!
//! When a tag is in several modules of an IOD, the strictest type wins
//! (1, then 1C, 2, 2C, 3). Repeating groups `(50xx,eeee)` and
//! `(60xx,eeee)` are looked up as `(5000,eeee)` and `(6000,eeee)`.
//!
//! # What is not known
//!
//! The 2008 PS3.3 predates many modules. A few that the IODs Gantry must
//! support use (General Acquisition, General Reference, Specimen, Frame
//! Extraction, the two multi-energy CT modules) are supplied by hand from
//! PS3.3 2024b, the per-IOD "Multi-frame Functional Groups" modules map to
//! the generic one, and the rest are listed per IOD by
//! [`Iod::unmapped_modules`]. A tag found in none of an IOD's known
//! modules is [`Requirement::NotInIod`] when every module is known and
//! [`Requirement::UnknownAttribute`] otherwise; a SOP class that is not in
//! the list is [`Requirement::UnknownSopClass`]. Attributes added to an
//! existing module after 2008 show up as `NotInIod`: DICOM adds
//! attributes to existing modules as Type 3 or conditional on new
//! features, so the removal this allows stays conformant in practice.
//!
//! Every IOD of CT, MR, CR, DX, MG, US, US multi-frame, SC (all five), PT,
//! NM, XA, RF, Basic Text / Enhanced / Comprehensive SR, enhanced CT and
//! enhanced MR is complete.
//!
//! ```
//! use dicom_core::Tag;
//! use gantry_privacy::iod::{self, AttributeType, Requirement};
//!
//! const CT: &str = "1.2.840.10008.5.1.4.1.1.2";
//! assert_eq!(iod::iod_name(CT), Some("CT Image"));
//! assert_eq!(iod::requirement(CT, Tag(0x0010, 0x0010)), Requirement::Known(AttributeType::Type2));
//! assert_eq!(iod::requirement("1.2.3.4", Tag(0x0010, 0x0010)), Requirement::UnknownSopClass);
//! ```

use std::fmt;

use dicom_core::Tag;

/// The type of an attribute in a module (PS3.5 7.4), ordered strictest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AttributeType {
    /// Required, with a value.
    Type1,
    /// Required with a value when a condition holds.
    Type1C,
    /// Required, possibly empty.
    Type2,
    /// Required, possibly empty, when a condition holds.
    Type2C,
    /// Optional.
    Type3,
}

impl AttributeType {
    /// `"1"`, `"1C"`, `"2"`, `"2C"` or `"3"`.
    pub fn code(self) -> &'static str {
        match self {
            AttributeType::Type1 => "1",
            AttributeType::Type1C => "1C",
            AttributeType::Type2 => "2",
            AttributeType::Type2C => "2C",
            AttributeType::Type3 => "3",
        }
    }
}

impl fmt::Display for AttributeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What an IOD requires of an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Requirement {
    /// The attribute is at the top level of a module of the IOD, with this type.
    Known(AttributeType),
    /// No module of the IOD has the attribute at the top level, and all of
    /// the IOD's modules are known.
    NotInIod,
    /// The SOP class is not in the tables.
    UnknownSopClass,
    /// The SOP class is known, the attribute is in none of its IOD's known
    /// modules, but some modules of the IOD are not in the tables
    /// ([`Iod::unmapped_modules`]), so it may be in one of those.
    UnknownAttribute,
}

/// An IOD (composite or normalized) and the types of its top-level attributes.
#[derive(Debug)]
pub struct Iod {
    id: &'static str,
    name: &'static str,
    attributes: &'static [(u32, AttributeType)],
    unmapped_modules: &'static [&'static str],
}

impl Iod {
    /// The IOD's id, e.g. `ct-image`.
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// The IOD's name, e.g. `CT Image`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Ids of the IOD's modules (innolitics spelling, e.g.
    /// `enhanced-pet-series`) whose attributes are not in the tables.
    pub fn unmapped_modules(&self) -> &'static [&'static str] {
        self.unmapped_modules
    }

    /// Whether the attributes of every module of the IOD are known.
    pub fn is_complete(&self) -> bool {
        self.unmapped_modules.is_empty()
    }

    /// The type of `tag` at the top level of the IOD, if a known module has it.
    pub fn attribute_type(&self, tag: Tag) -> Option<AttributeType> {
        let key = lookup_key(tag);
        self.attributes
            .binary_search_by_key(&key, |&(t, _)| t)
            .ok()
            .map(|i| self.attributes[i].1)
    }

    /// What the IOD requires of the top-level attribute `tag`.
    pub fn requirement(&self, tag: Tag) -> Requirement {
        match self.attribute_type(tag) {
            Some(ty) => Requirement::Known(ty),
            None if self.is_complete() => Requirement::NotInIod,
            None => Requirement::UnknownAttribute,
        }
    }

    /// The known top-level attributes and their types, in tag order;
    /// repeating groups as `(5000,eeee)` / `(6000,eeee)`.
    pub fn attributes(&self) -> impl Iterator<Item = (Tag, AttributeType)> + '_ {
        self.attributes
            .iter()
            .map(|&(t, ty)| (Tag((t >> 16) as u16, t as u16), ty))
    }
}

const T1: AttributeType = AttributeType::Type1;
const T1C: AttributeType = AttributeType::Type1C;
const T2: AttributeType = AttributeType::Type2;
const T2C: AttributeType = AttributeType::Type2C;
const T3: AttributeType = AttributeType::Type3;

include!(concat!(env!("OUT_DIR"), "/iod_table.rs"));

/// `(60xx,eeee)` and `(50xx,eeee)` as stored: `(6000,eeee)`, `(5000,eeee)`.
fn lookup_key(tag: Tag) -> u32 {
    let mut group = tag.group();
    if group.is_multiple_of(2) && matches!(group & 0xFF00, 0x5000 | 0x6000) {
        group &= 0xFF00;
    }
    u32::from(group) << 16 | u32::from(tag.element())
}

/// Trailing NUL and space padding of a UI value removed.
fn trim_uid(uid: &str) -> &str {
    uid.trim_end_matches(['\0', ' ']).trim_start()
}

/// Every IOD in the tables, ordered by id.
pub fn iods() -> &'static [Iod] {
    &IODS
}

/// Every SOP class in the tables with its IOD, ordered by UID. Besides the
/// SOP classes of PS3.4 2024b this includes three retired ones with a
/// current IOD: Ultrasound Image Storage (Retired), Ultrasound
/// Multi-frame Image Storage (Retired) and Nuclear Medicine Image Storage
/// (Retired).
pub fn sop_classes() -> impl Iterator<Item = (&'static str, &'static Iod)> {
    SOP_CLASSES
        .iter()
        .map(|&(uid, i)| (uid, &IODS[usize::from(i)]))
}

/// The IOD of a SOP class (trailing padding of the UID ignored).
pub fn iod(sop_class_uid: &str) -> Option<&'static Iod> {
    let uid = trim_uid(sop_class_uid);
    SOP_CLASSES
        .binary_search_by_key(&uid, |&(u, _)| u)
        .ok()
        .map(|i| &IODS[usize::from(SOP_CLASSES[i].1)])
}

/// The name of the IOD of a SOP class, e.g. `CT Image`.
pub fn iod_name(sop_class_uid: &str) -> Option<&'static str> {
    iod(sop_class_uid).map(Iod::name)
}

/// What the IOD of `sop_class_uid` requires of the top-level attribute `tag`.
pub fn requirement(sop_class_uid: &str, tag: Tag) -> Requirement {
    match iod(sop_class_uid) {
        Some(iod) => iod.requirement(tag),
        None => Requirement::UnknownSopClass,
    }
}

#[cfg(test)]
mod tests;
