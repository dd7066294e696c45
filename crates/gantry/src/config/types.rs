//! The typed settings a [`Config`](super::Config) resolves to.

use std::fmt;
use std::path::PathBuf;

use dicom_core::Tag;
use gantry_model::TagPath;

/// A built-in de-identification profile (SPEC §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProfileName {
    /// PS3.15 Table E.1-1, Basic Profile column.
    Basic,
    /// `basic` plus retain-patient-characteristics, retain-long-modified-dates,
    /// retain-device-identity, clean-descriptors and clean-pixel-data.
    Research,
}

impl ProfileName {
    /// Every profile.
    pub const ALL: [ProfileName; 2] = [ProfileName::Basic, ProfileName::Research];

    /// `basic` or `research`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileName::Basic => "basic",
            ProfileName::Research => "research",
        }
    }

    /// The profile named `name` (ASCII case-insensitive).
    pub fn parse(name: &str) -> Option<ProfileName> {
        Self::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(name.trim()))
    }

    /// The options the profile turns on by itself.
    pub fn preset_options(self) -> &'static [DeidOption] {
        match self {
            ProfileName::Basic => &[],
            ProfileName::Research => &[
                DeidOption::RetainDeviceIdentity,
                DeidOption::RetainPatientCharacteristics,
                DeidOption::RetainLongModifiedDates,
                DeidOption::CleanDescriptors,
                DeidOption::CleanPixelData,
            ],
        }
    }
}

impl fmt::Display for ProfileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A PS3.15 Table E.1-1 option column (SPEC §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeidOption {
    /// Retain Safe Private Option.
    RetainSafePrivate,
    /// Retain UIDs Option.
    RetainUids,
    /// Retain Device Identity Option.
    RetainDeviceIdentity,
    /// Retain Institution Identity Option.
    RetainInstitutionIdentity,
    /// Retain Patient Characteristics Option.
    RetainPatientCharacteristics,
    /// Retain Longitudinal Temporal Information with Full Dates Option.
    RetainLongFullDates,
    /// Retain Longitudinal Temporal Information with Modified Dates Option.
    RetainLongModifiedDates,
    /// Clean Descriptors Option.
    CleanDescriptors,
    /// Clean Structured Content Option.
    CleanStructuredContent,
    /// Clean Graphics Option.
    CleanGraphics,
    /// Clean Pixel Data Option (burned-in text redaction).
    CleanPixelData,
}

impl DeidOption {
    /// Every option, in canonical order.
    pub const ALL: [DeidOption; 11] = [
        DeidOption::RetainSafePrivate,
        DeidOption::RetainUids,
        DeidOption::RetainDeviceIdentity,
        DeidOption::RetainInstitutionIdentity,
        DeidOption::RetainPatientCharacteristics,
        DeidOption::RetainLongFullDates,
        DeidOption::RetainLongModifiedDates,
        DeidOption::CleanDescriptors,
        DeidOption::CleanStructuredContent,
        DeidOption::CleanGraphics,
        DeidOption::CleanPixelData,
    ];

    /// The canonical name, such as `retain-uids`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeidOption::RetainSafePrivate => "retain-safe-private",
            DeidOption::RetainUids => "retain-uids",
            DeidOption::RetainDeviceIdentity => "retain-device-identity",
            DeidOption::RetainInstitutionIdentity => "retain-institution-identity",
            DeidOption::RetainPatientCharacteristics => "retain-patient-characteristics",
            DeidOption::RetainLongFullDates => "retain-long-full-dates",
            DeidOption::RetainLongModifiedDates => "retain-long-modified-dates",
            DeidOption::CleanDescriptors => "clean-descriptors",
            DeidOption::CleanStructuredContent => "clean-structured-content",
            DeidOption::CleanGraphics => "clean-graphics",
            DeidOption::CleanPixelData => "clean-pixel-data",
        }
    }

    /// What the option does, in a few words (for the scaffold).
    pub fn summary(self) -> &'static str {
        match self {
            DeidOption::RetainSafePrivate => {
                "keep private attributes PS3.15 Table E.3.10-1 lists as safe"
            }
            DeidOption::RetainUids => "keep original UIDs (no remapping)",
            DeidOption::RetainDeviceIdentity => "keep device names and serial numbers",
            DeidOption::RetainInstitutionIdentity => "keep institution names and addresses",
            DeidOption::RetainPatientCharacteristics => "keep sex, age, size, weight and the like",
            DeidOption::RetainLongFullDates => "keep dates and times unchanged",
            DeidOption::RetainLongModifiedDates => "keep dates, shifted by the per-patient offset",
            DeidOption::CleanDescriptors => "scrub identifiers out of descriptions and comments",
            DeidOption::CleanStructuredContent => "scrub identifiers out of SR content",
            DeidOption::CleanGraphics => "scrub identifiers out of graphic annotations",
            DeidOption::CleanPixelData => "redact burned-in text on matching machines",
        }
    }

    /// The option named `name`: canonical names, ASCII case-insensitive,
    /// with `_` or spaces accepted for `-`.
    pub fn parse(name: &str) -> Option<DeidOption> {
        let normalized: String = name
            .trim()
            .chars()
            .map(|c| match c {
                '_' | ' ' => '-',
                c => c.to_ascii_lowercase(),
            })
            .collect();
        Self::ALL.into_iter().find(|o| o.as_str() == normalized)
    }
}

impl fmt::Display for DeidOption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a `phi_tags` entry asks for one attribute (SPEC §6.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UserAction {
    /// `KEEP` / `K`: keep (a kept sequence is still cleaned recursively).
    Keep,
    /// `REMOVE` / `X`: remove the element.
    Remove,
    /// `EMPTY` / `Z`: zero-length value.
    Empty,
    /// `REPLACE`: this fixed value, to be validated against the VR.
    /// Without a value it is [`UserAction::DEFAULT_REPLACEMENT`], as in
    /// Gantry and Isocenter.
    Replace(String),
    /// `SHIFT` or `JITTER` (synonyms, as in Gantry and Isocenter): shift
    /// dates by the patient's offset.
    Shift,
    /// `HASH`: keyed hash, as a valid value of the element's VR: uppercase
    /// hex cut to the maximum length for text VRs, decimal digits for IS
    /// and DS, the keyed UID remap for UI. Dates, times, ages and binary
    /// VRs have no hashed form; HASH on them fails the instance with an
    /// error naming the element.
    Hash,
    /// `UID` / `U`: remap the UID.
    Uid,
    /// `DUMMY` / `D`: a VR-conformant dummy value.
    Dummy,
    /// `CLEAN` / `C`: shift dates, scrub identifiers out of text.
    Clean,
    /// `ROUND`: round ages and weights to a bucket.
    Round,
    /// `CTP`: an RSNA CTP DicomAnonymizer rule, such as
    /// `@if(this,isblank){@remove()}{@initials(this)}`, evaluated per
    /// element with Gantry's keyed hashes and date offsets (SPEC §8).
    /// `gantry ctp import` writes these for rules with no native action;
    /// parameters (`@NAME`) come from `ctp_params`.
    Ctp(String),
}

impl UserAction {
    /// The value `REPLACE` writes when none is given (Gantry's default).
    pub const DEFAULT_REPLACEMENT: &'static str = "ANONYMIZED";

    /// The action names a configuration may use (plus the one-letter
    /// codes X, Z, D, K, C, U), for messages.
    pub const NAMES: [&'static str; 12] = [
        "KEEP", "REMOVE", "EMPTY", "REPLACE", "SHIFT", "JITTER", "HASH", "UID", "DUMMY", "CLEAN",
        "ROUND", "CTP",
    ];

    /// The canonical name: `KEEP`, `REMOVE`, `EMPTY`, `REPLACE`, `SHIFT`,
    /// `HASH`, `UID`, `DUMMY`, `CLEAN`, `ROUND` or `CTP`.
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

    /// The action called `name` (ASCII case-insensitive, surrounding
    /// spaces ignored), `REPLACE` with the default value. `CTP` has no
    /// form without its rule text: `None`.
    pub fn from_name(name: &str) -> Option<UserAction> {
        let action = match name.trim().to_ascii_uppercase().as_str() {
            "KEEP" | "K" => UserAction::Keep,
            "REMOVE" | "X" => UserAction::Remove,
            "EMPTY" | "Z" => UserAction::Empty,
            "REPLACE" => UserAction::Replace(Self::DEFAULT_REPLACEMENT.to_owned()),
            "SHIFT" | "JITTER" => UserAction::Shift,
            "HASH" => UserAction::Hash,
            "UID" | "U" => UserAction::Uid,
            "DUMMY" | "D" => UserAction::Dummy,
            "CLEAN" | "C" => UserAction::Clean,
            "ROUND" => UserAction::Round,
            _ => return None,
        };
        Some(action)
    }
}

impl fmt::Display for UserAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserAction::Replace(value) => write!(f, "REPLACE: {value}"),
            UserAction::Ctp(rule) => write!(f, "CTP: {rule}"),
            other => f.write_str(other.name()),
        }
    }
}

/// One `phi_tags` entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhiOverride {
    /// The attribute (any form [`TagPath`] parses).
    pub tag: TagPath,
    /// What to do with it.
    pub action: UserAction,
    /// The informational `name` Gantry configs carry, if any.
    pub name: Option<String>,
}

/// What happens to private attributes (SPEC §6.4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PrivatePolicy {
    /// Remove every private attribute (odd groups, with their sequences
    /// and creators).
    Remove,
    /// Keep the private attributes PS3.15 Table E.3.10-1 lists as safe
    /// (matched by creator and element); remove the rest.
    KeepSafe,
    /// Keep every private attribute of these creators; remove the rest.
    Keep {
        /// Private creators, as written (matched exactly after trimming).
        creators: Vec<String>,
    },
}

impl PrivatePolicy {
    /// `remove`, `keep-safe` or `keep`.
    pub fn name(&self) -> &'static str {
        match self {
            PrivatePolicy::Remove => "remove",
            PrivatePolicy::KeepSafe => "keep-safe",
            PrivatePolicy::Keep { .. } => "keep",
        }
    }
}

/// Date shifting (SPEC §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateSettings {
    /// Smallest per-patient offset, in days (inclusive).
    pub min_days: i32,
    /// Largest per-patient offset, in days (inclusive).
    pub max_days: i32,
    /// Also apply the date policy to TM attributes, where the profile
    /// says so (SPEC §6.3). Default `false`.
    pub shift_times: bool,
}

impl DateSettings {
    /// Default smallest offset: a year back (Gantry's and Isocenter's
    /// default range, `{min_days: -365, max_days: -1}`).
    pub const DEFAULT_MIN_DAYS: i32 = -365;
    /// Default largest offset: one day back, so every date moves.
    pub const DEFAULT_MAX_DAYS: i32 = -1;
    /// Largest offset, either way, a configuration may ask for (100 years).
    pub const MAX_ABS_DAYS: i32 = 36_525;
}

impl Default for DateSettings {
    fn default() -> Self {
        DateSettings {
            min_days: Self::DEFAULT_MIN_DAYS,
            max_days: Self::DEFAULT_MAX_DAYS,
            shift_times: false,
        }
    }
}

/// How PatientID and PatientName pseudonyms are made (SPEC §6.3).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pseudonyms {
    /// Prefix of keyed pseudonyms (default `ANON`).
    pub prefix: String,
    /// CSV lookup table (original → pseudonym), resolved against the
    /// configuration's directory.
    pub table: Option<PathBuf>,
    /// What to do with a patient the table does not list (only used with
    /// a table; default [`MissingPseudonym::Fail`]).
    pub missing: MissingPseudonym,
}

impl Pseudonyms {
    /// The default prefix.
    pub const DEFAULT_PREFIX: &'static str = "ANON";
    /// Longest prefix allowed, in characters.
    pub const MAX_PREFIX_CHARS: usize = 32;
}

impl Default for Pseudonyms {
    fn default() -> Self {
        Pseudonyms {
            prefix: Self::DEFAULT_PREFIX.to_owned(),
            table: None,
            missing: MissingPseudonym::Fail,
        }
    }
}

/// What to do with a patient the pseudonym table does not list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MissingPseudonym {
    /// Make a keyed pseudonym with the prefix.
    Generate,
    /// Stop with an error naming the table (never the patient).
    Fail,
}

impl MissingPseudonym {
    /// `generate` or `fail`.
    pub fn as_str(self) -> &'static str {
        match self {
            MissingPseudonym::Generate => "generate",
            MissingPseudonym::Fail => "fail",
        }
    }
}

/// A machine entry: which images it covers, and the regions to redact on them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Machine {
    /// Manufacturer (0008,0070).
    pub manufacturer: Option<String>,
    /// ManufacturerModelName (0008,1090).
    pub model_name: Option<String>,
    /// DeviceSerialNumber (0018,1000) (`serial_number` in Gantry configs).
    pub device_serial_number: Option<String>,
    /// Further conditions: attribute = value, all required.
    pub conditions: Vec<Condition>,
    /// Regions to redact, in file order (`redaction_zones` first, then `regions`).
    pub zones: Vec<Zone>,
    /// The informational `comment` Gantry configs carry, if any.
    pub comment: Option<String>,
}

impl Machine {
    /// What an image must match for this entry to apply, all required.
    ///
    /// With a serial number, the serial number and the conditions:
    /// manufacturer and model name are then descriptive, as in Gantry and
    /// Isocenter, where the serial number identifies the machine (their
    /// scaffolds write `Unknown` for a missing manufacturer, and their docs
    /// use `model_name: "Documentation Only"`). Without one, the
    /// manufacturer and model name given, and the conditions. Values are
    /// compared for equality; the engine trims DICOM padding first.
    pub fn criteria(&self) -> Vec<Condition> {
        let mut criteria = Vec::new();
        let mut push = |tag: Tag, value: &Option<String>| {
            if let Some(value) = value {
                criteria.push(Condition {
                    tag: TagPath::from(tag),
                    value: value.clone(),
                });
            }
        };
        if self.device_serial_number.is_some() {
            push(Tag(0x0018, 0x1000), &self.device_serial_number);
        } else {
            push(Tag(0x0008, 0x0070), &self.manufacturer);
            push(Tag(0x0008, 0x1090), &self.model_name);
        }
        criteria.extend(self.conditions.iter().cloned());
        criteria
    }
}

/// `attribute = value`, one condition of a machine entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Condition {
    /// The attribute.
    pub tag: TagPath,
    /// The value it must have (compared after trimming DICOM padding).
    pub value: String,
}

/// A region to redact, as written in the configuration (SPEC §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Zone {
    /// Gantry's `[r1, r2, c1, c2]`: rows `r1..r2` and columns `c1..c2`
    /// from the top-left corner, end-exclusive. `r1 < r2`, `c1 < c2`.
    Gantry {
        /// First row.
        r1: u32,
        /// Row after the last.
        r2: u32,
        /// First column.
        c1: u32,
        /// Column after the last.
        c2: u32,
    },
    /// CTP's `(x, y, w, h)`: `w` columns from column `x`, `h` rows from
    /// row `y`. A negative `x` (`y`) counts from the right (bottom) edge:
    /// `x = -100` starts 100 columns before the right edge. `w, h > 0`.
    Ctp {
        /// First column; negative: offset from the right edge.
        x: i32,
        /// First row; negative: offset from the bottom edge.
        y: i32,
        /// Width in columns.
        w: u32,
        /// Height in rows.
        h: u32,
    },
}

impl Zone {
    /// The zone as the redaction engine's region (which places and clips
    /// it on each image: [`gantry_redact::Region::place`]).
    ///
    /// # Errors
    ///
    /// An empty zone; a loaded config never holds one (checked at load).
    pub fn region(&self) -> Result<gantry_redact::Region, gantry_redact::Error> {
        match *self {
            Zone::Gantry { r1, r2, c1, c2 } => gantry_redact::Region::from_gantry([r1, r2, c1, c2]),
            Zone::Ctp { x, y, w, h } => {
                gantry_redact::Region::from_ctp(gantry_ctp::Region { x, y, w, h })
            }
        }
    }
}

impl fmt::Display for Zone {
    /// As written: `[r1, r2, c1, c2]` or `(x, y, w, h)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Gantry { r1, r2, c1, c2 } => write!(f, "[{r1}, {r2}, {c1}, {c2}]"),
            Zone::Ctp { x, y, w, h } => write!(f, "({x}, {y}, {w}, {h})"),
        }
    }
}

/// Export settings (SPEC §10).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ExportSettings {
    /// Where each instance goes, relative to the export root.
    pub layout: Layout,
    /// Transcode to this transfer syntax; `None` keeps each file's own.
    pub transfer_syntax: Option<TransferSyntaxChoice>,
    /// `--safe`: re-inspect every dataset before writing; quarantine any
    /// with a remaining finding.
    pub safe: bool,
}

/// An export transfer syntax a user may choose (SPEC §10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransferSyntaxChoice {
    /// Explicit VR Little Endian.
    ExplicitVrLittleEndian,
    /// Deflated Explicit VR Little Endian.
    Deflated,
    /// RLE Lossless.
    Rle,
    /// JPEG-LS Lossless.
    JpegLsLossless,
    /// JPEG 2000 Lossless.
    Jpeg2000Lossless,
}

impl TransferSyntaxChoice {
    /// Every choice.
    pub const ALL: [TransferSyntaxChoice; 5] = [
        TransferSyntaxChoice::ExplicitVrLittleEndian,
        TransferSyntaxChoice::Deflated,
        TransferSyntaxChoice::Rle,
        TransferSyntaxChoice::JpegLsLossless,
        TransferSyntaxChoice::Jpeg2000Lossless,
    ];

    /// The name a configuration uses, such as `explicit-le`.
    pub fn name(self) -> &'static str {
        match self {
            TransferSyntaxChoice::ExplicitVrLittleEndian => "explicit-le",
            TransferSyntaxChoice::Deflated => "deflate",
            TransferSyntaxChoice::Rle => "rle",
            TransferSyntaxChoice::JpegLsLossless => "jpeg-ls-lossless",
            TransferSyntaxChoice::Jpeg2000Lossless => "j2k-lossless",
        }
    }

    /// The transfer syntax UID.
    pub fn uid(self) -> &'static str {
        match self {
            TransferSyntaxChoice::ExplicitVrLittleEndian => "1.2.840.10008.1.2.1",
            TransferSyntaxChoice::Deflated => "1.2.840.10008.1.2.1.99",
            TransferSyntaxChoice::Rle => "1.2.840.10008.1.2.5",
            TransferSyntaxChoice::JpegLsLossless => "1.2.840.10008.1.2.4.80",
            TransferSyntaxChoice::Jpeg2000Lossless => "1.2.840.10008.1.2.4.90",
        }
    }

    /// The choice named `text`: a name (ASCII case-insensitive) or a UID.
    pub fn parse(text: &str) -> Option<TransferSyntaxChoice> {
        let text = text.trim();
        Self::ALL.into_iter().find(|c| {
            c.name().eq_ignore_ascii_case(text)
                || c.uid() == text
                || match c {
                    TransferSyntaxChoice::ExplicitVrLittleEndian => {
                        text.eq_ignore_ascii_case("explicit-vr-little-endian")
                    }
                    TransferSyntaxChoice::Deflated => text.eq_ignore_ascii_case("deflated"),
                    TransferSyntaxChoice::Jpeg2000Lossless => {
                        text.eq_ignore_ascii_case("jpeg2000-lossless")
                    }
                    _ => false,
                }
        })
    }
}

/// An attribute the export layout may name: de-identified values only
/// (SPEC §10: never original values in paths).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LayoutField {
    /// PatientID (the pseudonym).
    PatientID,
    /// PatientName (the pseudonym).
    PatientName,
    /// StudyInstanceUID (remapped).
    StudyInstanceUID,
    /// SeriesInstanceUID (remapped).
    SeriesInstanceUID,
    /// SOPInstanceUID (remapped).
    SOPInstanceUID,
    /// Modality.
    Modality,
    /// SeriesNumber.
    SeriesNumber,
    /// InstanceNumber.
    InstanceNumber,
    /// StudyDate (shifted).
    StudyDate,
    /// AccessionNumber (as de-identified).
    AccessionNumber,
}

impl LayoutField {
    /// Every field, in the order messages list them.
    pub const ALL: [LayoutField; 10] = [
        LayoutField::PatientID,
        LayoutField::PatientName,
        LayoutField::StudyInstanceUID,
        LayoutField::SeriesInstanceUID,
        LayoutField::SOPInstanceUID,
        LayoutField::Modality,
        LayoutField::SeriesNumber,
        LayoutField::InstanceNumber,
        LayoutField::StudyDate,
        LayoutField::AccessionNumber,
    ];

    /// The DICOM keyword, as written in a layout: `{PatientID}`.
    pub fn keyword(self) -> &'static str {
        match self {
            LayoutField::PatientID => "PatientID",
            LayoutField::PatientName => "PatientName",
            LayoutField::StudyInstanceUID => "StudyInstanceUID",
            LayoutField::SeriesInstanceUID => "SeriesInstanceUID",
            LayoutField::SOPInstanceUID => "SOPInstanceUID",
            LayoutField::Modality => "Modality",
            LayoutField::SeriesNumber => "SeriesNumber",
            LayoutField::InstanceNumber => "InstanceNumber",
            LayoutField::StudyDate => "StudyDate",
            LayoutField::AccessionNumber => "AccessionNumber",
        }
    }

    /// The attribute's tag.
    pub fn tag(self) -> Tag {
        match self {
            LayoutField::PatientID => Tag(0x0010, 0x0020),
            LayoutField::PatientName => Tag(0x0010, 0x0010),
            LayoutField::StudyInstanceUID => Tag(0x0020, 0x000D),
            LayoutField::SeriesInstanceUID => Tag(0x0020, 0x000E),
            LayoutField::SOPInstanceUID => Tag(0x0008, 0x0018),
            LayoutField::Modality => Tag(0x0008, 0x0060),
            LayoutField::SeriesNumber => Tag(0x0020, 0x0011),
            LayoutField::InstanceNumber => Tag(0x0020, 0x0013),
            LayoutField::StudyDate => Tag(0x0008, 0x0020),
            LayoutField::AccessionNumber => Tag(0x0008, 0x0050),
        }
    }

    /// The field written `{keyword}` (case-sensitive, as DICOM keywords).
    pub fn parse(keyword: &str) -> Option<LayoutField> {
        Self::ALL.into_iter().find(|f| f.keyword() == keyword)
    }
}

/// One piece of a [`Layout`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LayoutPart {
    /// Literal text (`/` separates directories).
    Text(String),
    /// A de-identified attribute value.
    Field(LayoutField),
}

/// The export path template, such as
/// `{PatientID}/{StudyInstanceUID}/{SeriesInstanceUID}/{SOPInstanceUID}.dcm`.
///
/// Placeholders are `{Keyword}` for a [`LayoutField`]; `{{` and `}}` are
/// literal braces. The template is relative (no leading `/`, no drive) and
/// has no `..` component.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Layout {
    template: String,
    parts: Vec<LayoutPart>,
}

impl Default for Layout {
    fn default() -> Self {
        Layout::parse(Self::DEFAULT).unwrap_or_else(|_| Layout {
            template: Self::DEFAULT.to_owned(),
            parts: Vec::new(),
        })
    }
}

impl Layout {
    /// The default layout (SPEC §10).
    pub const DEFAULT: &'static str =
        "{PatientID}/{StudyInstanceUID}/{SeriesInstanceUID}/{SOPInstanceUID}.dcm";

    /// Longest a rendered path component may be, in bytes.
    const MAX_COMPONENT_BYTES: usize = 128;

    /// Parse a template; the error says what is wrong and at which
    /// character (1-based) of the template.
    pub fn parse(template: &str) -> Result<Layout, String> {
        if template.trim().is_empty() {
            return Err("the layout is empty".to_owned());
        }
        let drive = matches!(template.as_bytes(), [d, b':', ..] if d.is_ascii_alphabetic());
        if drive || template.starts_with(['/', '\\']) {
            return Err(format!(
                "'{template}' is an absolute path; the layout is relative to the export folder"
            ));
        }
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut chars = template.char_indices().peekable();
        let column = |byte: usize| template[..byte].chars().count() + 1;
        while let Some((at, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|&(_, c)| c) == Some('{') => {
                    chars.next();
                    text.push('{');
                }
                '}' if chars.peek().map(|&(_, c)| c) == Some('}') => {
                    chars.next();
                    text.push('}');
                }
                '}' => {
                    return Err(format!(
                        "unmatched '}}' at character {} (write '}}}}' for a literal brace)",
                        column(at)
                    ));
                }
                '{' => {
                    let rest = &template[at + 1..];
                    let Some(len) = rest.find('}') else {
                        return Err(format!(
                            "'{{' at character {} is not closed (write '{{{{' for a literal brace)",
                            column(at)
                        ));
                    };
                    let name = rest[..len].trim();
                    let Some(field) = LayoutField::parse(name) else {
                        let allowed: Vec<&str> =
                            LayoutField::ALL.iter().map(|f| f.keyword()).collect();
                        return Err(format!(
                            "unknown placeholder {{{name}}} at character {} (allowed, de-identified values only: {})",
                            column(at),
                            allowed.join(", ")
                        ));
                    };
                    if !text.is_empty() {
                        parts.push(LayoutPart::Text(std::mem::take(&mut text)));
                    }
                    parts.push(LayoutPart::Field(field));
                    // Skip the name and the closing brace.
                    let close = at + 1 + len;
                    for (i, _) in chars.by_ref() {
                        if i == close {
                            break;
                        }
                    }
                }
                c => text.push(c),
            }
        }
        if !text.is_empty() {
            parts.push(LayoutPart::Text(text));
        }
        // `..` as a whole component, judged on the literal text around
        // placeholders (a placeholder's rendered value is never `..`).
        let mut component = String::new();
        let mut only_text = true;
        let check = |component: &str, only_text: bool| {
            if only_text && component == ".." {
                Err(
                    "the layout has a '..' component; it must stay inside the export folder"
                        .to_owned(),
                )
            } else {
                Ok(())
            }
        };
        for part in &parts {
            match part {
                LayoutPart::Field(_) => {
                    only_text = false;
                    component.push('\0');
                }
                LayoutPart::Text(t) => {
                    for c in t.chars() {
                        if c == '/' || c == '\\' {
                            check(&component, only_text)?;
                            component.clear();
                            only_text = true;
                        } else {
                            component.push(c);
                        }
                    }
                }
            }
        }
        check(&component, only_text)?;
        Ok(Layout {
            template: template.to_owned(),
            parts,
        })
    }

    /// The template as written.
    pub fn template(&self) -> &str {
        &self.template
    }

    /// The pieces of the template.
    pub fn parts(&self) -> &[LayoutPart] {
        &self.parts
    }

    /// Whether the template names `field`.
    pub fn uses(&self, field: LayoutField) -> bool {
        self.parts.contains(&LayoutPart::Field(field))
    }

    /// The relative path for one instance. `value` gives each field's
    /// de-identified value; each value is made safe as one path component
    /// (characters other than ASCII letters, digits, `.`, `-` and `_`
    /// become `_`; a missing or empty value becomes `unknown`; a leading
    /// `.` becomes `_`; at most 128 bytes).
    pub fn render(&self, mut value: impl FnMut(LayoutField) -> Option<String>) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                LayoutPart::Text(text) => out.push_str(text),
                LayoutPart::Field(field) => {
                    let raw = value(*field).unwrap_or_default();
                    let mut safe: String = raw
                        .trim()
                        .chars()
                        .map(|c| {
                            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                                c
                            } else {
                                '_'
                            }
                        })
                        .take(Self::MAX_COMPONENT_BYTES)
                        .collect();
                    if safe.is_empty() {
                        safe.push_str("unknown");
                    }
                    if safe.starts_with('.') {
                        safe.replace_range(..1, "_");
                    }
                    out.push_str(&safe);
                }
            }
        }
        out
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.template)
    }
}
