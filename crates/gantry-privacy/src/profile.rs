//! The PS3.15 Annex E confidentiality profile: Table E.1-1 as data.
//!
//! The table is generated at build time from
//! `data/ps315_table_e1_1_2024b.json` ([`EDITION`]): [`rows`] gives its 620
//! attribute rows (wildcard rows `(50xx,xxxx)`, `(60xx,3000)`, `(60xx,4000)`
//! included) and [`private_row`] the "Private Attributes" row. Each row has
//! the Basic Profile action and a cell per option column.
//!
//! A [`Profile`] is the Basic Profile plus a set of [`ProfileOption`]s;
//! [`Profile::action`] gives the [`ActionCode`] for a tag, and [`resolve`]
//! turns the conditional codes (`X/Z`, `X/D`, `Z/D`, `X/Z/D`, `X/Z/U*`)
//! into a plain one using the attribute's type in the instance's IOD
//! ([`crate::iod`]).
//!
//! ```
//! use gantry_privacy::profile::{ActionCode, Profile, ProfileOption};
//! use gantry_privacy::iod::{self, AttributeType, Requirement};
//! use gantry_privacy::profile::resolve;
//! use dicom_core::Tag;
//!
//! let basic = Profile::basic();
//! assert_eq!(basic.action(Tag(0x0010, 0x0010)), Some(ActionCode::Z)); // Patient's Name
//! assert_eq!(basic.action(Tag(0x5010, 0x3000)), Some(ActionCode::X)); // (50xx,xxxx)
//!
//! let uids = basic.with_option(ProfileOption::RetainUids);
//! assert_eq!(uids.action(Tag(0x0020, 0x000D)), Some(ActionCode::K)); // Study Instance UID
//!
//! // Content Date is Z/D: Type 2C in CT Image, Type 1 in SR documents.
//! let ct = iod::requirement("1.2.840.10008.5.1.4.1.1.2", Tag(0x0008, 0x0023));
//! assert_eq!(ct, Requirement::Known(AttributeType::Type2C));
//! assert_eq!(resolve(ActionCode::ZD, ct), ActionCode::Z);
//! ```
//!
//! # Lookup
//!
//! [`Profile::action`] (and [`row`]) look a tag up in the exact rows first
//! (a binary search over a sorted table built at compile time), then in the
//! wildcard rows, most specific first (fewest wildcard digits). Tags of odd
//! groups are private: they get `None` there, and the table's
//! "Private Attributes" row is [`Profile::private_action`]. Standard tags the
//! table does not list get `None`; what to do with them is the caller's
//! policy.
//!
//! # Options and their precedence
//!
//! An enabled option's cell replaces the Basic Profile cell of its row; a
//! blank cell leaves the basic action. When several enabled options have a
//! cell in the same row, the one that retains most wins: `K` over `C`, and
//! `C` over any other code; ties go to the option listed first in
//! [`ProfileOption::ALL`]. In Table E.1-1 (2024b) the only real conflict
//! is Retain Longitudinal Temporal Information with Full Dates (`K`) against
//! …with Modified Dates (`C`) on 165 date and time rows: with both enabled,
//! dates are kept. The other overlaps agree (`K`+`K`, `C`+`C`). A
//! profile with a single option therefore reads exactly its column.
//!
//! [`ProfileOption::CleanPixelData`] has no column (it governs burned-in
//! text, not attributes); it only appears in [`Profile::deidentification_codes`].
//!
//! # Resolving conditional codes
//!
//! [`resolve`] keeps the output conformant to the instance's IOD while
//! removing as much as the code allows. With `T` the attribute's type:
//!
//! | code | Type 1 / 1C | Type 2 / 2C | Type 3, not in IOD | type unknown |
//! |---|---|---|---|---|
//! | `X/Z` | `Z` | `Z` | `X` | `Z` |
//! | `X/D` | `D` | `D` | `X` | `D` |
//! | `Z/D` | `D` | `Z` | `Z` | `D` |
//! | `X/Z/D` | `D` | `Z` | `X` | `D` |
//! | `X/Z/U*` | `U` | `Z` | `X` | `U` |
//!
//! "Type unknown" is [`Requirement::UnknownSopClass`] and
//! [`Requirement::UnknownAttribute`]: the choice that is conformant
//! whatever the type (`D` and `U` leave a non-empty value, which every
//! type allows). Two cells go beyond the letter of the table legend, which
//! assumes the attribute's type is one of those the code names: `X/Z` on a
//! Type 1 attribute gives `Z` (the attribute stays), and `X/D` on a Type 2
//! attribute gives `D`, since removing a Type 2 attribute would make the
//! output non-conformant. For `X/Z/U*` on a Type 1 sequence, `U` means:
//! keep the sequence and replace the UIDs it contains.
//!
//! Plain codes (`X`, `Z`, `D`, `K`, `C`, `U`) are returned unchanged.

use std::fmt;
use std::str::FromStr;

use dicom_core::Tag;
use gantry_model::TagPattern;

use crate::iod::{AttributeType, Requirement};

/// An action code of PS3.15 Table E.1-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionCode {
    /// `X`: remove.
    X,
    /// `Z`: replace with a zero-length value (or a dummy consistent with the VR).
    Z,
    /// `D`: replace with a non-zero-length dummy value consistent with the VR.
    D,
    /// `K`: keep (a kept sequence is still cleaned recursively).
    K,
    /// `C`: clean, i.e. replace with values of similar meaning that identify no one.
    C,
    /// `U`: replace with a non-zero-length UID, consistent within the set of instances.
    U,
    /// `Z/D`: `Z` unless `D` is needed for conformance (Type 2 vs Type 1).
    ZD,
    /// `X/Z`: `X` unless `Z` is needed for conformance (Type 3 vs Type 2).
    XZ,
    /// `X/D`: `X` unless `D` is needed for conformance (Type 3 vs Type 1).
    XD,
    /// `X/Z/D`: `X` unless `Z` or `D` is needed (Type 3 vs Type 2 vs Type 1).
    XZD,
    /// `X/Z/U*`: `X` unless `Z`, or replacing the contained instance UIDs
    /// (`U`), is needed (Type 3 vs Type 2 vs Type 1 sequences of references).
    XZU,
}

impl ActionCode {
    /// Every action code.
    pub const ALL: [ActionCode; 11] = [
        ActionCode::X,
        ActionCode::Z,
        ActionCode::D,
        ActionCode::K,
        ActionCode::C,
        ActionCode::U,
        ActionCode::ZD,
        ActionCode::XZ,
        ActionCode::XD,
        ActionCode::XZD,
        ActionCode::XZU,
    ];

    /// The code as the table writes it: `"X"`, `"Z/D"`, `"X/Z/U*"`.
    pub fn code(self) -> &'static str {
        match self {
            ActionCode::X => "X",
            ActionCode::Z => "Z",
            ActionCode::D => "D",
            ActionCode::K => "K",
            ActionCode::C => "C",
            ActionCode::U => "U",
            ActionCode::ZD => "Z/D",
            ActionCode::XZ => "X/Z",
            ActionCode::XD => "X/D",
            ActionCode::XZD => "X/Z/D",
            ActionCode::XZU => "X/Z/U*",
        }
    }

    /// Whether the code depends on the attribute's type in the IOD
    /// (`Z/D`, `X/Z`, `X/D`, `X/Z/D`, `X/Z/U*`); see [`resolve`].
    pub fn is_conditional(self) -> bool {
        matches!(
            self,
            ActionCode::ZD | ActionCode::XZ | ActionCode::XD | ActionCode::XZD | ActionCode::XZU
        )
    }
}

impl fmt::Display for ActionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A string that is not an action code of Table E.1-1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown PS3.15 action code {0:?} (expected one of X, Z, D, K, C, U, Z/D, X/Z, X/D, X/Z/D, X/Z/U*)"
)]
pub struct UnknownActionCode(String);

impl FromStr for ActionCode {
    type Err = UnknownActionCode;

    /// Parses the table's spelling ([`ActionCode::code`]); `X/Z/U` without
    /// the asterisk is accepted too.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s == "X/Z/U" {
            return Ok(ActionCode::XZU);
        }
        ActionCode::ALL
            .into_iter()
            .find(|a| a.code() == s)
            .ok_or_else(|| UnknownActionCode(s.to_owned()))
    }
}

/// An option of the Basic Application Level Confidentiality Profile
/// (PS3.15 E.3), named as on the command line and in configuration files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProfileOption {
    /// `retain-safe-private`: keep private attributes known to be safe.
    RetainSafePrivate,
    /// `retain-uids`: keep UIDs.
    RetainUids,
    /// `retain-device-identity`: keep device names and serial numbers.
    RetainDeviceIdentity,
    /// `retain-institution-identity`: keep institution names and addresses.
    RetainInstitutionIdentity,
    /// `retain-patient-characteristics`: keep age, sex, size, weight and the like.
    RetainPatientCharacteristics,
    /// `retain-long-full-dates`: keep dates and times.
    RetainLongitudinalFullDates,
    /// `retain-long-modified-dates`: shift dates and times consistently.
    RetainLongitudinalModifiedDates,
    /// `clean-descriptors`: clean free-text descriptions instead of removing them.
    CleanDescriptors,
    /// `clean-structured-content`: clean SR content.
    CleanStructuredContent,
    /// `clean-graphics`: clean graphics and overlays.
    CleanGraphics,
    /// `clean-pixel-data`: redact burned-in identifying text (no table column).
    CleanPixelData,
}

impl ProfileOption {
    /// Every option, in the order used for precedence ties and for
    /// [`Profile::options`].
    pub const ALL: [ProfileOption; 11] = [
        ProfileOption::RetainSafePrivate,
        ProfileOption::RetainUids,
        ProfileOption::RetainDeviceIdentity,
        ProfileOption::RetainInstitutionIdentity,
        ProfileOption::RetainPatientCharacteristics,
        ProfileOption::RetainLongitudinalFullDates,
        ProfileOption::RetainLongitudinalModifiedDates,
        ProfileOption::CleanDescriptors,
        ProfileOption::CleanStructuredContent,
        ProfileOption::CleanGraphics,
        ProfileOption::CleanPixelData,
    ];

    /// The kebab-case name used by the CLI and configuration files.
    pub fn name(self) -> &'static str {
        match self {
            ProfileOption::RetainSafePrivate => "retain-safe-private",
            ProfileOption::RetainUids => "retain-uids",
            ProfileOption::RetainDeviceIdentity => "retain-device-identity",
            ProfileOption::RetainInstitutionIdentity => "retain-institution-identity",
            ProfileOption::RetainPatientCharacteristics => "retain-patient-characteristics",
            ProfileOption::RetainLongitudinalFullDates => "retain-long-full-dates",
            ProfileOption::RetainLongitudinalModifiedDates => "retain-long-modified-dates",
            ProfileOption::CleanDescriptors => "clean-descriptors",
            ProfileOption::CleanStructuredContent => "clean-structured-content",
            ProfileOption::CleanGraphics => "clean-graphics",
            ProfileOption::CleanPixelData => "clean-pixel-data",
        }
    }

    /// The option with this [`name`](Self::name) (ASCII case ignored).
    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.trim();
        Self::ALL
            .into_iter()
            .find(|o| o.name().eq_ignore_ascii_case(name))
    }

    /// The option's code in DICOM CID 7050 "De-identification Method" and
    /// its code meaning, for De-identification Method Code Sequence
    /// (0012,0064); coding scheme `DCM`.
    pub fn cid7050(self) -> (&'static str, &'static str) {
        let meaning = match self {
            ProfileOption::RetainSafePrivate => "Retain Safe Private Option",
            ProfileOption::RetainUids => "Retain UIDs Option",
            ProfileOption::RetainDeviceIdentity => "Retain Device Identity Option",
            ProfileOption::RetainInstitutionIdentity => "Retain Institution Identity Option",
            ProfileOption::RetainPatientCharacteristics => "Retain Patient Characteristics Option",
            ProfileOption::RetainLongitudinalFullDates => {
                "Retain Longitudinal Temporal Information Full Dates Option"
            }
            ProfileOption::RetainLongitudinalModifiedDates => {
                "Retain Longitudinal Temporal Information Modified Dates Option"
            }
            ProfileOption::CleanDescriptors => "Clean Descriptors Option",
            ProfileOption::CleanStructuredContent => "Clean Structured Content Option",
            ProfileOption::CleanGraphics => "Clean Graphics Option",
            ProfileOption::CleanPixelData => return ("113101", "Clean Pixel Data Option"),
        };
        (COLUMN_CODES[self as usize], meaning)
    }

    /// The option's column in the table's JSON (`retain_longitudinal_full_dates`),
    /// or `None` for [`CleanPixelData`](Self::CleanPixelData), which has none.
    pub fn table_column(self) -> Option<&'static str> {
        Some(match self {
            ProfileOption::RetainSafePrivate => "retain_safe_private",
            ProfileOption::RetainUids => "retain_uids",
            ProfileOption::RetainDeviceIdentity => "retain_device_identity",
            ProfileOption::RetainInstitutionIdentity => "retain_institution_identity",
            ProfileOption::RetainPatientCharacteristics => "retain_patient_characteristics",
            ProfileOption::RetainLongitudinalFullDates => "retain_longitudinal_full_dates",
            ProfileOption::RetainLongitudinalModifiedDates => "retain_longitudinal_modified_dates",
            ProfileOption::CleanDescriptors => "clean_descriptors",
            ProfileOption::CleanStructuredContent => "clean_structured_content",
            ProfileOption::CleanGraphics => "clean_graphics",
            ProfileOption::CleanPixelData => return None,
        })
    }

    fn bit(self) -> u16 {
        1 << self as u16
    }
}

impl fmt::Display for ProfileOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// CID 7050 code and meaning of the Basic Profile itself.
pub const BASIC_PROFILE_CODE: (&str, &str) =
    ("113100", "Basic Application Confidentiality Profile");

/// The tag (or tags) a row of Table E.1-1 applies to: an exact tag, a
/// pattern with wildcard hex digits such as `(50xx,xxxx)`, or, for
/// [`private_row`], every tag of an odd group.
///
/// [`TagPattern`] is not constructible in a `static`, hence this type;
/// [`RowTag::pattern`] converts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RowTag {
    /// Fixed bits as `group << 16 | element`.
    value: u32,
    /// Which bits are fixed.
    mask: u32,
}

impl RowTag {
    const PRIVATE_BITS: u32 = 0x0001_0000;

    const fn from_bits(value: u32, mask: u32) -> Self {
        RowTag { value, mask }
    }

    /// Whether the row applies to `tag`.
    pub fn matches(self, tag: Tag) -> bool {
        tag_bits(tag) & self.mask == self.value
    }

    /// How many of the eight hex digits are wildcards (0 for an exact tag);
    /// the fewer, the more specific. The private row counts as 8.
    pub fn wildcard_nibbles(self) -> u32 {
        if self.is_private() {
            return 8;
        }
        (0..8)
            .filter(|n| (self.mask >> (n * 4)) & 0xF != 0xF)
            .count() as u32
    }

    /// The tag, if the row names exactly one.
    pub fn tag(self) -> Option<Tag> {
        (self.mask == u32::MAX).then_some(Tag((self.value >> 16) as u16, self.value as u16))
    }

    /// Whether this is the "Private Attributes" row (every odd group).
    pub fn is_private(self) -> bool {
        self.mask == Self::PRIVATE_BITS && self.value == Self::PRIVATE_BITS
    }

    /// The same tag or pattern as a [`TagPattern`]; `None` for the private row.
    pub fn pattern(self) -> Option<TagPattern> {
        match self.tag() {
            Some(tag) => Some(TagPattern::exact(tag)),
            None if self.is_private() => None,
            None => self.to_string().parse().ok(),
        }
    }
}

impl fmt::Display for RowTag {
    /// `(0010,0010)`, `(50xx,xxxx)`, or `(gggg,eeee) where gggg is odd`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_private() {
            return f.write_str("(gggg,eeee) where gggg is odd");
        }
        f.write_str("(")?;
        for nibble in (0..8).rev() {
            if nibble == 3 {
                f.write_str(",")?;
            }
            let shift = nibble * 4;
            if (self.mask >> shift) & 0xF == 0xF {
                write!(f, "{:X}", (self.value >> shift) & 0xF)?;
            } else {
                f.write_str("x")?;
            }
        }
        f.write_str(")")
    }
}

fn tag_bits(tag: Tag) -> u32 {
    u32::from(tag.group()) << 16 | u32::from(tag.element())
}

/// One row of Table E.1-1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProfileRow {
    /// The tag or tag pattern.
    pub tag: RowTag,
    /// Attribute name as in the table.
    pub name: &'static str,
    /// PS3.6 keyword; `None` where the dictionary has none (`(50xx,xxxx)`,
    /// the private row).
    pub keyword: Option<&'static str>,
    /// The Basic Profile action.
    pub basic: ActionCode,
    /// The non-blank option cells, in [`ProfileOption::ALL`] order.
    pub options: &'static [(ProfileOption, ActionCode)],
    /// Whether the table marks the attribute as in a standard composite IOD.
    pub in_std_comp_iod: bool,
}

impl ProfileRow {
    /// The row's cell for `option`, `None` where blank.
    pub fn option(&self, option: ProfileOption) -> Option<ActionCode> {
        self.options
            .iter()
            .find(|(o, _)| *o == option)
            .map(|(_, code)| *code)
    }
}

include!(concat!(env!("OUT_DIR"), "/profile_table.rs"));

/// Every attribute row of Table E.1-1 in table order, wildcard rows
/// included, the "Private Attributes" row ([`private_row`]) excluded.
pub fn rows() -> &'static [ProfileRow] {
    &ROWS
}

/// The "Private Attributes" row: `(gggg,eeee) where gggg is odd`.
pub fn private_row() -> &'static ProfileRow {
    &PRIVATE_ROW
}

/// The row for a standard tag: its exact row, else the most specific
/// wildcard row that matches; `None` for tags the table does not list and
/// for private (odd-group) tags.
pub fn row(tag: Tag) -> Option<&'static ProfileRow> {
    if !tag.group().is_multiple_of(2) {
        return None;
    }
    let bits = tag_bits(tag);
    if let Ok(i) = EXACT.binary_search_by_key(&bits, |&(t, _)| t) {
        return Some(&ROWS[usize::from(EXACT[i].1)]);
    }
    WILDCARD
        .iter()
        .map(|&i| &ROWS[usize::from(i)])
        .find(|row| row.tag.matches(tag))
}

/// The Basic Profile with a set of options.
///
/// Cheap to copy; [`action`](Self::action) is a table lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Profile {
    options: u16,
}

impl Profile {
    /// The Basic Profile, no options.
    pub fn basic() -> Self {
        Profile { options: 0 }
    }

    /// The `research` preset: basic + retain-patient-characteristics +
    /// retain-long-modified-dates + retain-device-identity +
    /// clean-descriptors + clean-pixel-data.
    pub fn research() -> Self {
        Profile::basic()
            .with_option(ProfileOption::RetainPatientCharacteristics)
            .with_option(ProfileOption::RetainLongitudinalModifiedDates)
            .with_option(ProfileOption::RetainDeviceIdentity)
            .with_option(ProfileOption::CleanDescriptors)
            .with_option(ProfileOption::CleanPixelData)
    }

    /// A built-in profile by name: `basic` or `research` (ASCII case ignored).
    pub fn by_name(name: &str) -> Option<Self> {
        let name = name.trim();
        if name.eq_ignore_ascii_case("basic") {
            Some(Profile::basic())
        } else if name.eq_ignore_ascii_case("research") {
            Some(Profile::research())
        } else {
            None
        }
    }

    /// This profile with `option` enabled too.
    #[must_use]
    pub fn with_option(self, option: ProfileOption) -> Self {
        Profile {
            options: self.options | option.bit(),
        }
    }

    /// This profile with `option` disabled.
    #[must_use]
    pub fn without_option(self, option: ProfileOption) -> Self {
        Profile {
            options: self.options & !option.bit(),
        }
    }

    /// Whether `option` is enabled.
    pub fn has_option(self, option: ProfileOption) -> bool {
        self.options & option.bit() != 0
    }

    /// The enabled options, in [`ProfileOption::ALL`] order.
    pub fn options(self) -> impl Iterator<Item = ProfileOption> {
        ProfileOption::ALL
            .into_iter()
            .filter(move |o| self.has_option(*o))
    }

    /// The action for a standard tag (see [`row`]), options applied with
    /// the precedence described in the [module docs](self); `None` if the
    /// table has no row for it or the tag is private. Conditional codes are
    /// returned as such; see [`resolve`].
    pub fn action(self, tag: Tag) -> Option<ActionCode> {
        row(tag).map(|row| self.row_action(row))
    }

    /// The action of a row under this profile's options.
    pub fn row_action(self, row: &ProfileRow) -> ActionCode {
        let mut chosen: Option<ActionCode> = None;
        for &(option, code) in row.options {
            if !self.has_option(option) {
                continue;
            }
            chosen = match chosen {
                Some(current) if retention(current) <= retention(code) => Some(current),
                _ => Some(code),
            };
        }
        chosen.unwrap_or(row.basic)
    }

    /// The action of the "Private Attributes" row under this profile
    /// (`X`, or `C` with retain-safe-private). Which private attributes
    /// are safe is [`crate::private`]'s business.
    pub fn private_action(self) -> ActionCode {
        self.row_action(&PRIVATE_ROW)
    }

    /// CID 7050 code and meaning for De-identification Method Code Sequence
    /// (0012,0064): the Basic Profile first, then each enabled option.
    pub fn deidentification_codes(self) -> impl Iterator<Item = (&'static str, &'static str)> {
        std::iter::once(BASIC_PROFILE_CODE).chain(self.options().map(ProfileOption::cid7050))
    }
}

impl fmt::Display for Profile {
    /// `basic`, or `basic+retain-uids+clean-descriptors`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("basic")?;
        for option in self.options() {
            write!(f, "+{}", option.name())?;
        }
        Ok(())
    }
}

/// Lower retains more: `K`, then `C`, then everything else.
fn retention(code: ActionCode) -> u8 {
    match code {
        ActionCode::K => 0,
        ActionCode::C => 1,
        _ => 2,
    }
}

/// Resolves a conditional action code to a plain one (`X`, `Z`, `D`, `U`)
/// given the attribute's type in the instance's IOD; plain codes are
/// returned unchanged. The rules are tabulated in the [module docs](self).
pub fn resolve(code: ActionCode, requirement: Requirement) -> ActionCode {
    use ActionCode::{D, U, X, XD, XZ, XZD, XZU, Z, ZD};
    // Present with a value / present / may be absent / unknown.
    enum Need {
        Value,
        Presence,
        Nothing,
        Unknown,
    }
    let need = match requirement {
        Requirement::Known(AttributeType::Type1 | AttributeType::Type1C) => Need::Value,
        Requirement::Known(AttributeType::Type2 | AttributeType::Type2C) => Need::Presence,
        Requirement::Known(AttributeType::Type3) | Requirement::NotInIod => Need::Nothing,
        Requirement::UnknownSopClass | Requirement::UnknownAttribute => Need::Unknown,
    };
    match (code, need) {
        (XZ, Need::Nothing) => X,
        (XZ, _) => Z,
        (XD, Need::Nothing) => X,
        (XD, _) => D,
        (ZD, Need::Value | Need::Unknown) => D,
        (ZD, _) => Z,
        (XZD, Need::Value | Need::Unknown) => D,
        (XZD, Need::Presence) => Z,
        (XZD, Need::Nothing) => X,
        (XZU, Need::Value | Need::Unknown) => U,
        (XZU, Need::Presence) => Z,
        (XZU, Need::Nothing) => X,
        (plain, _) => plain,
    }
}

#[cfg(test)]
mod tests;
