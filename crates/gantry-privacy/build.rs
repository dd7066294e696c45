//! Turns the standard's tables in `data/` into Rust tables in `OUT_DIR`.
//!
//! - `profile_table.rs` (included by `src/profile.rs`): PS3.15 Table E.1-1,
//!   every row and option column, plus lookup indexes.
//! - `iod_table.rs` (included by `src/iod.rs`): per IOD, the type (1, 1C, 2,
//!   2C, 3) of every top-level attribute, and SOP Class UID → IOD.
//!
//! The data files are read only here; the crate itself carries the
//! generated tables. A malformed or unexpected input fails the build with a
//! message naming the file and the offending row, so that a newer edition
//! dropped into `data/` is checked rather than half-understood.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

type BuildError = Box<dyn std::error::Error>;
type Result<T, E = BuildError> = std::result::Result<T, E>;

const PROFILE_TABLE: &str = "ps315_table_e1_1_2024b.json";
const SOPS: &str = "innolitics_sops_2024b.json";
const CIOD_MODULES: &str = "innolitics_ciod_to_modules_2024b.json";
const PART3_XML: &str = "gdcm_part3_iod_modules_2008.xml";

fn main() -> Result<()> {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?);
    let data = manifest.join("data");
    let out = PathBuf::from(env::var("OUT_DIR")?);
    println!("cargo:rerun-if-changed=build.rs");
    for file in [PROFILE_TABLE, SOPS, CIOD_MODULES, PART3_XML] {
        println!("cargo:rerun-if-changed={}", data.join(file).display());
    }
    profile::generate(&data.join(PROFILE_TABLE), &out.join("profile_table.rs"))?;
    iod::generate(
        &data.join(SOPS),
        &data.join(CIOD_MODULES),
        &data.join(PART3_XML),
        &out.join("iod_table.rs"),
    )?;
    Ok(())
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()).into())
}

fn fail<T>(message: String) -> Result<T> {
    Err(message.into())
}

/// Lower-case words joined by single dashes: "CT Image" → "ct-image",
/// "Image – Equipment Coordinate Relationship" → "image-equipment-coordinate-relationship".
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

mod profile {
    use super::*;
    use serde::Deserialize;

    /// JSON column → `ProfileOption` variant, in `ProfileOption::ALL` order.
    pub(crate) const COLUMNS: [(&str, &str); 10] = [
        ("retain_safe_private", "RetainSafePrivate"),
        ("retain_uids", "RetainUids"),
        ("retain_device_identity", "RetainDeviceIdentity"),
        ("retain_institution_identity", "RetainInstitutionIdentity"),
        (
            "retain_patient_characteristics",
            "RetainPatientCharacteristics",
        ),
        (
            "retain_longitudinal_full_dates",
            "RetainLongitudinalFullDates",
        ),
        (
            "retain_longitudinal_modified_dates",
            "RetainLongitudinalModifiedDates",
        ),
        ("clean_descriptors", "CleanDescriptors"),
        ("clean_structured_content", "CleanStructuredContent"),
        ("clean_graphics", "CleanGraphics"),
    ];

    #[derive(Deserialize)]
    struct Table {
        meta: Meta,
        attributes: Vec<Row>,
    }

    #[derive(Deserialize)]
    struct Meta {
        standard_edition: String,
        row_count: usize,
        option_codes_cid7050: BTreeMap<String, String>,
    }

    #[derive(Deserialize)]
    struct Row {
        tag: String,
        name: String,
        keyword: Option<String>,
        in_std_comp_iod: Option<bool>,
        basic_profile: String,
        #[serde(flatten)]
        cells: BTreeMap<String, serde_json::Value>,
    }

    fn action(code: &str) -> Option<&'static str> {
        Some(match code.trim() {
            "X" => "X",
            "Z" => "Z",
            "D" => "D",
            "K" => "K",
            "C" => "C",
            "U" => "U",
            "Z/D" => "ZD",
            "X/Z" => "XZ",
            "X/D" => "XD",
            "X/Z/D" => "XZD",
            "X/Z/U*" | "X/Z/U" => "XZU",
            _ => return None,
        })
    }

    /// `(GGGG,EEEE)` with lower-case `x` wildcards → (value, nibble mask).
    fn pattern(tag: &str) -> Option<(u32, u32)> {
        let inner = tag.strip_prefix('(')?.strip_suffix(')')?;
        let (group, element) = inner.split_once(',')?;
        if group.len() != 4 || element.len() != 4 {
            return None;
        }
        let (mut value, mut mask) = (0u32, 0u32);
        for c in group.chars().chain(element.chars()) {
            value <<= 4;
            mask <<= 4;
            if c == 'x' || c == 'X' {
                continue;
            }
            value |= c.to_digit(16)?;
            mask |= 0xF;
        }
        Some((value, mask))
    }

    pub(crate) fn generate(input: &Path, output: &Path) -> Result<()> {
        let file = input.display();
        let table: Table =
            serde_json::from_str(&read(input)?).map_err(|e| format!("{file}: {e}"))?;
        if table.attributes.len() != table.meta.row_count {
            return fail(format!(
                "{file}: meta.row_count is {} but there are {} rows",
                table.meta.row_count,
                table.attributes.len()
            ));
        }
        let mut codes = Vec::new();
        for (column, _) in COLUMNS {
            match table.meta.option_codes_cid7050.get(column) {
                Some(code) if code.bytes().all(|b| b.is_ascii_digit()) => codes.push(code),
                _ => {
                    return fail(format!(
                        "{file}: no CID 7050 code for option column {column}"
                    ));
                }
            }
        }

        let mut rows = String::new();
        let mut private = None;
        let mut exact: Vec<(u32, usize)> = Vec::new();
        let mut wildcard: Vec<(u32, usize)> = Vec::new();
        let mut index = 0usize;
        for row in &table.attributes {
            let at = format!("{file}: row {}", row.tag);
            let basic = action(&row.basic_profile).ok_or_else(|| {
                format!("{at}: unknown basic profile code {:?}", row.basic_profile)
            })?;
            let mut options = String::new();
            for (column, variant) in COLUMNS {
                match row.cells.get(column) {
                    None => return fail(format!("{at}: no column {column}")),
                    Some(serde_json::Value::Null) => {}
                    Some(serde_json::Value::String(code)) => {
                        let code = action(code)
                            .ok_or_else(|| format!("{at}: unknown code {code:?} in {column}"))?;
                        write!(options, "(ProfileOption::{variant}, ActionCode::{code}), ")?;
                    }
                    Some(other) => return fail(format!("{at}: {column} is {other}")),
                }
            }
            let keyword = match &row.keyword {
                Some(k) => format!("Some({k:?})"),
                None => "None".to_owned(),
            };
            let (value, mask) = if row.tag.starts_with("(gggg,eeee)") {
                // Odd group: bit 16 set.
                (0x0001_0000, 0x0001_0000)
            } else {
                pattern(&row.tag).ok_or_else(|| format!("{at}: cannot parse the tag"))?
            };
            let text = format!(
                "ProfileRow {{ tag: RowTag::from_bits({value:#010X}, {mask:#010X}), name: {:?}, \
                 keyword: {keyword}, basic: ActionCode::{basic}, options: &[{options}], \
                 in_std_comp_iod: {} }}",
                row.name,
                row.in_std_comp_iod.unwrap_or(false),
            );
            if mask == 0x0001_0000 {
                if private.replace(text).is_some() {
                    return fail(format!("{file}: two private-attribute rows"));
                }
                continue;
            }
            if mask == u32::MAX {
                exact.push((value, index));
            } else {
                wildcard.push((mask.count_zeros(), index));
            }
            writeln!(rows, "    {text},")?;
            index += 1;
        }
        let private = private.ok_or_else(|| format!("{file}: no private-attribute row"))?;
        exact.sort();
        if let Some(w) = exact.windows(2).find(|w| w[0].0 == w[1].0) {
            return fail(format!("{file}: tag {:#010X} listed twice", w[0].0));
        }
        // Most specific (fewest wildcard digits) first, then table order.
        wildcard.sort();

        let mut out = String::new();
        writeln!(
            out,
            "// Generated by build.rs from data/{PROFILE_TABLE}. Do not edit."
        )?;
        writeln!(
            out,
            "/// Edition of PS3.15 the table was taken from.\npub const EDITION: &str = {:?};",
            table.meta.standard_edition
        )?;
        writeln!(
            out,
            "/// CID 7050 codes of the options with a column, in `ProfileOption::ALL` order.\n\
             const COLUMN_CODES: [&str; {}] = {codes:?};",
            codes.len()
        )?;
        writeln!(out, "static ROWS: [ProfileRow; {index}] = [\n{rows}];")?;
        writeln!(out, "static PRIVATE_ROW: ProfileRow = {private};")?;
        write!(out, "static EXACT: [(u32, u16); {}] = [", exact.len())?;
        for (tag, i) in &exact {
            write!(out, "({tag:#010X}, {i}), ")?;
        }
        writeln!(out, "];")?;
        write!(out, "static WILDCARD: [u16; {}] = [", wildcard.len())?;
        for (_, i) in &wildcard {
            write!(out, "{i}, ")?;
        }
        writeln!(out, "];")?;
        fs::write(output, out)?;
        Ok(())
    }
}

mod iod {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Sop {
        id: String,
        ciod: String,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct CiodModule {
        ciod_id: String,
        module_id: String,
    }

    /// Attribute type, strictest first (the derived order is used to keep
    /// the strictest when a tag is in several modules).
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
    enum Type {
        T1,
        T1C,
        T2,
        T2C,
        T3,
    }

    impl Type {
        fn parse(text: &str) -> Option<Type> {
            Some(match text.trim() {
                "1" => Type::T1,
                "1C" => Type::T1C,
                "2" => Type::T2,
                "2C" => Type::T2C,
                "3" => Type::T3,
                _ => return None,
            })
        }

        /// The type of an attribute of a macro that is included only under
        /// a condition: required only when the condition holds.
        fn conditional(self) -> Type {
            match self {
                Type::T1 => Type::T1C,
                Type::T2 => Type::T2C,
                other => other,
            }
        }
    }

    /// Retired SOP classes absent from the 2024b list whose instances follow
    /// (an earlier revision of) a current IOD.
    const RETIRED_SOP_CLASSES: [(&str, &str); 3] = [
        // Ultrasound Multi-frame Image Storage (Retired)
        ("1.2.840.10008.5.1.4.1.1.3", "ultrasound-multi-frame-image"),
        // Nuclear Medicine Image Storage (Retired)
        ("1.2.840.10008.5.1.4.1.1.5", "nuclear-medicine-image"),
        // Ultrasound Image Storage (Retired)
        ("1.2.840.10008.5.1.4.1.1.6", "ultrasound-image"),
    ];

    /// Innolitics module ids whose 2008 counterpart has another name.
    const MODULE_ALIASES: [(&str, &str); 2] = [
        ("palette-color-lookup-table", "palette-color-lookup"),
        (
            "supplemental-palette-color-lookup-table",
            "supplemental-palette-color-table-lookup",
        ),
    ];

    /// Modules added to PS3.3 after 2008 (so absent from the GDCM table)
    /// that the IODs Gantry must know (CT, MR, CR, DX, MG, SC, PT, NM, XA,
    /// RF, enhanced CT) use: their top-level attributes and types per PS3.3
    /// 2024b. Keywords are checked against the data dictionary by a test.
    /// A module's top-level attributes: (tag, keyword, type).
    type Attributes = &'static [(u32, &'static str, &'static str)];

    pub(crate) const SUPPLEMENT: [(&str, Attributes); 6] = [
        // C.7.10.1 General Acquisition Module: split out of General Image.
        (
            "general-acquisition",
            &[
                (0x0008_0017, "AcquisitionUID", "3"),
                (0x0020_0012, "AcquisitionNumber", "3"),
                (0x0008_0022, "AcquisitionDate", "3"),
                (0x0008_0032, "AcquisitionTime", "3"),
                (0x0008_002A, "AcquisitionDateTime", "3"),
                (0x0020_1002, "ImagesInAcquisition", "3"),
                (0x0008_3010, "IrradiationEventUID", "3"),
            ],
        ),
        // C.12.4 General Reference Module: split out of General Image.
        (
            "general-reference",
            &[
                (0x0008_1140, "ReferencedImageSequence", "3"),
                (0x0008_114A, "ReferencedInstanceSequence", "3"),
                (0x0008_2111, "DerivationDescription", "3"),
                (0x0008_9215, "DerivationCodeSequence", "3"),
                (0x0008_2112, "SourceImageSequence", "3"),
                (0x0042_0013, "SourceInstanceSequence", "3"),
            ],
        ),
        // C.7.6.22 Specimen Module (replaced the Specimen Identification Module).
        (
            "specimen",
            &[
                (0x0040_0512, "ContainerIdentifier", "1"),
                (0x0040_0513, "IssuerOfTheContainerIdentifierSequence", "2"),
                (0x0040_0515, "AlternateContainerIdentifierSequence", "3"),
                (0x0040_0518, "ContainerTypeCodeSequence", "2"),
                (0x0040_051A, "ContainerDescription", "3"),
                (0x0040_0520, "ContainerComponentSequence", "3"),
                (0x0040_0560, "SpecimenDescriptionSequence", "1"),
            ],
        ),
        // C.12.3 Frame Extraction Module.
        (
            "frame-extraction",
            &[(0x0008_1164, "FrameExtractionSequence", "1")],
        ),
        // C.8.2.2 Multi-energy CT Image Module.
        (
            "multi-energy-ct-image",
            &[
                (0x0018_9362, "MultienergyCTAcquisitionSequence", "1"),
                (0x0018_9363, "MultienergyCTProcessingSequence", "3"),
                (0x0018_9364, "MultienergyCTCharacteristicsSequence", "1C"),
            ],
        ),
        // C.8.15.3.x Enhanced Multi-energy CT Acquisition Module.
        (
            "enhanced-multi-energy-ct-acquisition",
            &[
                (0x0018_9365, "MultienergyCTXRaySourceSequence", "1"),
                (0x0018_936F, "MultienergyCTXRayDetectorSequence", "1"),
                (0x0018_9379, "MultienergyCTPathSequence", "1"),
            ],
        ),
    ];

    enum Item {
        Entry { tag: u32, ty: Type },
        Include { reference: String },
    }

    struct Part3Table {
        name: String,
        items: Vec<Item>,
    }

    /// `0010` → 0x0010; a repeating group `60xx` → 0x6000.
    fn hex16(text: &str) -> Option<u32> {
        let text = text.trim();
        if text.len() != 4 {
            return None;
        }
        let digits: String = text
            .chars()
            .map(|c| if c == 'x' || c == 'X' { '0' } else { c })
            .collect();
        u32::from_str_radix(&digits, 16).ok()
    }

    fn is_nested(text: &str) -> bool {
        text.trim_start().starts_with('>')
    }

    /// The table id an `<include ref=...>` names, e.g. "10-11" in
    /// "Include 'SOP Instance Reference Macro' Table 10-11".
    fn referenced_table(reference: &str) -> Option<String> {
        let at = reference.find("Table")?;
        let rest = reference[at + "Table".len()..].trim_start();
        let token: String = rest
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != ')' && *c != ',')
            .collect();
        let token = token.trim_end_matches('.');
        (!token.is_empty()).then(|| token.to_ascii_lowercase())
    }

    /// The quoted macro name of an include: "'Image Pixel Macro'" → "image-pixel-macro".
    fn referenced_name(reference: &str) -> Option<String> {
        let start = reference.find('\'')?;
        let rest = reference[start..].trim_start_matches(['\'', ' ']);
        let end = rest.find('\'')?;
        Some(slug(&rest[..end]))
    }

    struct Part3 {
        tables: Vec<Part3Table>,
        by_id: HashMap<String, usize>,
        by_name: HashMap<String, usize>,
        /// Module slug → table index.
        modules: HashMap<String, usize>,
    }

    impl Part3 {
        fn parse(path: &Path) -> Result<Part3> {
            let file = path.display();
            let text = read(path)?;
            let doc = roxmltree::Document::parse(&text).map_err(|e| format!("{file}: {e}"))?;
            let mut part3 = Part3 {
                tables: Vec::new(),
                by_id: HashMap::new(),
                by_name: HashMap::new(),
                modules: HashMap::new(),
            };
            for node in doc.root_element().children().filter(|n| n.is_element()) {
                let kind = node.tag_name().name();
                if kind != "module" && kind != "macro" {
                    continue;
                }
                let (Some(id), Some(name)) = (node.attribute("table"), node.attribute("name"))
                else {
                    return fail(format!("{file}: a <{kind}> without table or name"));
                };
                let mut items = Vec::new();
                for child in node.children().filter(|n| n.is_element()) {
                    match child.tag_name().name() {
                        "entry" => {
                            let entry_name = child.attribute("name").unwrap_or_default();
                            if is_nested(entry_name) {
                                continue;
                            }
                            // Normalized (DIMSE) IOD modules give no types.
                            let Some(ty) = child.attribute("type").and_then(Type::parse) else {
                                continue;
                            };
                            let tag = child
                                .attribute("group")
                                .and_then(hex16)
                                .zip(child.attribute("element").and_then(hex16))
                                .map(|(g, e)| g << 16 | e)
                                .ok_or_else(|| {
                                    format!("{file}: table {id}: bad tag for {entry_name:?}")
                                })?;
                            items.push(Item::Entry { tag, ty });
                        }
                        "include" => {
                            let reference = child.attribute("ref").unwrap_or_default();
                            if !is_nested(reference) {
                                items.push(Item::Include {
                                    reference: reference.to_owned(),
                                });
                            }
                        }
                        _ => {}
                    }
                }
                let index = part3.tables.len();
                part3.by_id.insert(id.trim().to_ascii_lowercase(), index);
                let bare = name
                    .trim()
                    .trim_end_matches(" Attributes Description")
                    .trim_end_matches(" Attributes");
                part3.by_name.entry(slug(bare)).or_insert(index);
                if kind == "module" {
                    let lower = name.to_ascii_lowercase();
                    let bare = lower
                        .trim()
                        .trim_end_matches(" attributes")
                        .trim_end_matches(" module");
                    part3.modules.entry(slug(bare)).or_insert(index);
                }
                part3.tables.push(Part3Table {
                    name: name.to_owned(),
                    items,
                });
            }
            Ok(part3)
        }

        fn resolve_include(&self, reference: &str) -> Option<usize> {
            if let Some(id) = referenced_table(reference) {
                if let Some(&i) = self.by_id.get(&id) {
                    return Some(i);
                }
                // "C.8.82" for "C.8-82".
                if let Some(dot) = id.rfind('.') {
                    let dashed = format!("{}-{}", &id[..dot], &id[dot + 1..]);
                    if let Some(&i) = self.by_id.get(&dashed) {
                        return Some(i);
                    }
                }
            }
            let name = referenced_name(reference)?;
            self.by_name.get(&name).copied()
        }

        /// Top-level attributes of a module or macro, includes expanded.
        fn attributes(
            &self,
            table: usize,
            into: &mut BTreeMap<u32, Type>,
            stack: &mut Vec<usize>,
            unresolved: &mut BTreeSet<(String, String)>,
        ) {
            if stack.contains(&table) {
                return;
            }
            stack.push(table);
            for item in &self.tables[table].items {
                match item {
                    Item::Entry { tag, ty } => merge(into, *tag, *ty),
                    Item::Include { reference } => match self.resolve_include(reference) {
                        Some(included) => {
                            let mut inner = BTreeMap::new();
                            self.attributes(included, &mut inner, stack, unresolved);
                            let conditional =
                                reference.contains("if and only if") || reference.contains(" if ");
                            for (tag, ty) in inner {
                                let ty = if conditional { ty.conditional() } else { ty };
                                merge(into, tag, ty);
                            }
                        }
                        None => {
                            unresolved.insert((self.tables[table].name.clone(), reference.clone()));
                        }
                    },
                }
            }
            stack.pop();
        }
    }

    fn merge(into: &mut BTreeMap<u32, Type>, tag: u32, ty: Type) {
        into.entry(tag)
            .and_modify(|t| *t = (*t).min(ty))
            .or_insert(ty);
    }

    /// The GDCM module (or supplement) an innolitics module id stands for.
    enum ModuleSource {
        Part3(usize),
        Supplement(usize),
    }

    fn module_source(part3: &Part3, module_id: &str) -> Option<ModuleSource> {
        let mut id = slug(module_id);
        if let Some((_, to)) = MODULE_ALIASES.iter().find(|(from, _)| *from == id) {
            id = (*to).to_owned();
        }
        // Per-IOD variants ("enhanced-ct-image-multi-frame-functional-groups")
        // differ only inside the functional group sequences.
        if id.ends_with("-multi-frame-functional-groups") {
            id = "multi-frame-functional-groups".to_owned();
        }
        if let Some(&i) = part3.modules.get(&id) {
            return Some(ModuleSource::Part3(i));
        }
        SUPPLEMENT
            .iter()
            .position(|(name, _)| *name == id)
            .map(ModuleSource::Supplement)
    }

    fn type_const(ty: Type) -> &'static str {
        match ty {
            Type::T1 => "T1",
            Type::T1C => "T1C",
            Type::T2 => "T2",
            Type::T2C => "T2C",
            Type::T3 => "T3",
        }
    }

    pub(crate) fn generate(sops: &Path, ciods: &Path, xml: &Path, output: &Path) -> Result<()> {
        let sop_list: Vec<Sop> =
            serde_json::from_str(&read(sops)?).map_err(|e| format!("{}: {e}", sops.display()))?;
        let ciod_modules: Vec<CiodModule> =
            serde_json::from_str(&read(ciods)?).map_err(|e| format!("{}: {e}", ciods.display()))?;
        let part3 = Part3::parse(xml)?;

        // IOD id → its modules, in table order.
        let mut iods: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for m in &ciod_modules {
            let modules = iods.entry(slug(&m.ciod_id)).or_default();
            if !modules.contains(&m.module_id) {
                modules.push(m.module_id.clone());
            }
        }
        // IOD id → name, from the SOP classes.
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        let mut sop_classes: Vec<(String, String)> = Vec::new();
        for sop in &sop_list {
            let id = slug(&sop.ciod);
            names.entry(id.clone()).or_insert_with(|| sop.ciod.clone());
            sop_classes.push((sop.id.trim().to_owned(), id));
        }
        for (uid, iod) in RETIRED_SOP_CLASSES {
            if !sop_classes.iter().any(|(u, _)| u == uid) {
                sop_classes.push((uid.to_owned(), iod.to_owned()));
            }
        }
        sop_classes.sort();
        if let Some(w) = sop_classes.windows(2).find(|w| w[0].0 == w[1].0) {
            return fail(format!(
                "{}: SOP class {} listed twice",
                sops.display(),
                w[0].0
            ));
        }

        let mut unresolved = BTreeSet::new();
        let mut lists: Vec<Vec<(u32, Type)>> = Vec::new();
        let mut list_index: HashMap<Vec<(u32, Type)>, usize> = HashMap::new();
        let mut iod_rows = String::new();
        let mut iod_index: HashMap<String, usize> = HashMap::new();
        for (n, (id, modules)) in iods.iter().enumerate() {
            let mut attributes = BTreeMap::new();
            let mut unmapped = Vec::new();
            for module in modules {
                match module_source(&part3, module) {
                    Some(ModuleSource::Part3(table)) => {
                        let mut stack = Vec::new();
                        part3.attributes(table, &mut attributes, &mut stack, &mut unresolved);
                    }
                    Some(ModuleSource::Supplement(i)) => {
                        for (tag, _, ty) in SUPPLEMENT[i].1 {
                            let ty = Type::parse(ty).ok_or("bad type in SUPPLEMENT")?;
                            merge(&mut attributes, *tag, ty);
                        }
                    }
                    None => unmapped.push(module.clone()),
                }
            }
            let list: Vec<(u32, Type)> = attributes.into_iter().collect();
            let next = lists.len();
            let list_no = *list_index.entry(list.clone()).or_insert(next);
            if list_no == next {
                lists.push(list);
            }
            let name = names.get(id).cloned().unwrap_or_else(|| id.clone());
            writeln!(
                iod_rows,
                "    Iod {{ id: {id:?}, name: {name:?}, attributes: &ATTRIBUTES_{list_no}, \
                 unmapped_modules: &{unmapped:?} }},"
            )?;
            iod_index.insert(id.clone(), n);
        }

        let mut out = String::new();
        writeln!(
            out,
            "// Generated by build.rs from data/{SOPS}, data/{CIOD_MODULES} and \
             data/{PART3_XML}. Do not edit."
        )?;
        for (i, list) in lists.iter().enumerate() {
            write!(
                out,
                "static ATTRIBUTES_{i}: [(u32, AttributeType); {}] = [",
                list.len()
            )?;
            for (tag, ty) in list {
                write!(out, "({tag:#010X}, {}), ", type_const(*ty))?;
            }
            writeln!(out, "];")?;
        }
        writeln!(out, "static IODS: [Iod; {}] = [\n{iod_rows}];", iods.len())?;
        let mut sop_rows = String::new();
        let mut unknown = Vec::new();
        let mut count = 0;
        for (uid, iod) in &sop_classes {
            match iod_index.get(iod) {
                Some(i) => {
                    writeln!(sop_rows, "    ({uid:?}, {i}),")?;
                    count += 1;
                }
                None => unknown.push(format!("{uid} ({iod})")),
            }
        }
        writeln!(
            out,
            "static SOP_CLASSES: [(&str, u16); {count}] = [\n{sop_rows}];"
        )?;
        writeln!(
            out,
            "/// SOP classes whose IOD has no module list.\n\
             #[cfg(test)]\npub(crate) static SOP_CLASSES_WITHOUT_IOD: [&str; {}] = {unknown:?};",
            unknown.len()
        )?;
        let unresolved: Vec<String> = unresolved
            .into_iter()
            .map(|(table, reference)| format!("{table}: {reference}"))
            .collect();
        writeln!(
            out,
            "/// Top-level `<include>`s of the Part 3 XML that name no table there.\n\
             #[cfg(test)]\npub(crate) static UNRESOLVED_INCLUDES: [&str; {}] = {unresolved:?};",
            unresolved.len()
        )?;
        writeln!(
            out,
            "/// A supplemented module: id and top-level (tag, keyword, type).\n\
             #[cfg(test)]\n\
             pub(crate) type SupplementModule = (&'static str, &'static [(u32, &'static str, AttributeType)]);"
        )?;
        write!(
            out,
            "#[cfg(test)]\npub(crate) static SUPPLEMENT: [SupplementModule; {}] = [",
            SUPPLEMENT.len()
        )?;
        for (module, rows) in SUPPLEMENT {
            write!(out, "({module:?}, &[")?;
            for (tag, keyword, ty) in rows {
                let ty = Type::parse(ty).ok_or("bad type in SUPPLEMENT")?;
                write!(out, "({tag:#010X}, {keyword:?}, {}), ", type_const(ty))?;
            }
            write!(out, "]), ")?;
        }
        writeln!(out, "];")?;
        fs::write(output, out)?;
        Ok(())
    }
}
