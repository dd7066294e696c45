//! `gantry config init`: a commented configuration written from the
//! session's inventory, which loads back as it is.

use std::fmt::Write as _;

use gantry_store::{EquipmentCount, Inventory};

use super::types::{DateSettings, DeidOption, Layout, ProfileName, Pseudonyms, Zone};
use super::yaml_text::{comment, quoted};

/// A commented YAML configuration listing every inventoried machine with
/// empty `redaction_zones`, the default profile, the options (commented
/// out, with what each does), the private policy, the date range and the
/// export layout. It loads back with [`Config::from_str`](super::Config::from_str).
pub fn scaffold(inventory: &Inventory) -> String {
    scaffold_with(inventory, |_| Vec::new())
}

/// Zones pre-filled for a machine's images, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefill {
    /// The zones to write.
    pub zones: Vec<Zone>,
    /// The rule that matched (its origin and condition), quoted in a
    /// comment above the entry.
    pub signature: String,
    /// Conditions narrowing the entry to the images the rule matched, such
    /// as `("Rows", "480")`: a machine whose images of different
    /// geometries match different rules gets one entry per geometry.
    pub conditions: Vec<(String, String)>,
}

/// Like [`scaffold`], with `zones_for` pre-filling a machine's zones: one
/// entry per [`Prefill`] it returns (none: one entry with empty zones). The
/// hook for the built-in CTP knowledge base (SPEC §7).
pub fn scaffold_with(
    inventory: &Inventory,
    zones_for: impl Fn(&EquipmentCount) -> Vec<Prefill>,
) -> String {
    let mut out = String::new();
    header(&mut out, inventory);
    profile_and_options(&mut out);
    privacy(&mut out);
    machines(&mut out, inventory, &zones_for);
    export(&mut out);
    out
}

fn header(out: &mut String, inventory: &Inventory) {
    out.push_str(
        "# Gantry configuration, written by `gantry config init` from the session's inventory.\n\
         #\n\
         # YAML (or JSON in a .json file). Every key is optional; unknown keys are\n\
         # errors. Gantry and Isocenter configurations (privacy_profile, phi_tags,\n\
         # date_jitter, remove_private_tags, machines) load as they are.\n\
         #\n",
    );
    let _ = writeln!(
        out,
        "# Inventory: {} patients, {} studies, {} series, {} instances.",
        inventory.patients, inventory.studies, inventory.series, inventory.instances
    );
    if !inventory.modalities.is_empty() {
        let modalities: Vec<String> = inventory
            .modalities
            .iter()
            .map(|(modality, n)| {
                let name = if modality.is_empty() {
                    "(none)"
                } else {
                    modality
                };
                format!("{} {n}", comment(name))
            })
            .collect();
        let _ = writeln!(out, "# Modalities: {}.", modalities.join(", "));
    }
    if inventory.burned_in_annotation_yes > 0 {
        let _ = writeln!(
            out,
            "# {} instances say BurnedInAnnotation = YES: check the machines below.",
            inventory.burned_in_annotation_yes
        );
    }
    out.push('\n');
}

fn profile_and_options(out: &mut String) {
    let research: Vec<&str> = ProfileName::Research
        .preset_options()
        .iter()
        .map(|o| o.as_str())
        .collect();
    out.push_str(&wrapped(&format!(
        "Base profile: basic (PS3.15 Annex E, Basic Profile) or research (basic + {}).",
        research.join(", ")
    )));
    let _ = write!(out, "profile: {}\n\n", ProfileName::Basic);
    out.push_str(
        "# Options (PS3.15 Table E.1-1 columns), on top of the profile. List the\n\
         # ones to apply, e.g. options: [retain-uids, clean-descriptors]\n",
    );
    for option in DeidOption::ALL {
        let _ = writeln!(out, "#   {:<32}{}", option.as_str(), option.summary());
    }
    out.push_str("options: []\n\n");
    out.push_str(
        "# strict: true removes every attribute that is not explicitly safe.\n\
         strict: false\n\n",
    );
}

fn privacy(out: &mut String) {
    let defaults = DateSettings::default();
    let _ = write!(
        out,
        "# Private attributes: remove (all of them), keep-safe (those PS3.15\n\
         # Table E.3.10-1 lists as safe), or keep, with creators: [CREATOR, ...].\n\
         private_tags:\n  policy: remove\n\n\
         # Dates move by one offset per patient, drawn from [min_days, max_days]\n\
         # by a keyed function of the PatientID: the same in every run with the same key.\n\
         dates:\n  min_days: {}\n  max_days: {}\n  shift_times: false\n\n\
         # Project key (`gantry key new FILE`), relative to this file. Without one,\n\
         # pseudonyms, UIDs and date offsets are private to the session.\n\
         # key_file: project.key\n\n\
         # PatientID / PatientName pseudonyms: keyed, with this prefix, or from a\n\
         # CSV table (original,pseudonym) whose missing patients fail or are generated.\n\
         pseudonyms:\n  prefix: {}\n  # table: pseudonyms.csv\n  # missing: fail\n\n\
         # Overrides of the profile, one per attribute. Tags in any form:\n\
         # (0010,0010), 0010,0010, PatientName, (0009,{{CREATOR}}10), */PatientName.\n\
         {}\
         # For example:\n\
         #   \"0008,1030\": {{action: KEEP}}\n\
         #   PatientID: {{action: REPLACE, value: STUDY-01}}\n\
         phi_tags: {{}}\n\n",
        defaults.min_days,
        defaults.max_days,
        Pseudonyms::DEFAULT_PREFIX,
        wrapped(&format!(
            "Actions: {}; REPLACE takes a value.",
            super::types::UserAction::NAMES.join(", ")
        )),
    );
}

fn machines(
    out: &mut String,
    inventory: &Inventory,
    zones_for: &impl Fn(&EquipmentCount) -> Vec<Prefill>,
) {
    out.push_str(
        "# Machines: burned-in text to redact on their images (clean-pixel-data).\n\
         # redaction_zones: [r1, r2, c1, c2], rows r1..r2 and columns c1..c2 from\n\
         # the top-left corner, end-exclusive; regions: {x, y, w, h} as in CTP\n\
         # (negative x or y count from the right or bottom edge). An entry with a\n\
         # device_serial_number matches on it; manufacturer and model_name then only\n\
         # describe the machine. conditions: {Attribute: value} narrow an entry.\n\
         # The first entry that matches an image applies.\n",
    );
    let named: Vec<&EquipmentCount> = inventory
        .equipment
        .iter()
        .filter(|e| !signature_is_empty(e))
        .collect();
    let unnamed: u64 = inventory
        .equipment
        .iter()
        .filter(|e| signature_is_empty(e))
        .map(|e| e.instances)
        .sum();
    if named.is_empty() {
        out.push_str("machines: []\n");
    } else {
        out.push_str("machines:\n");
        for equipment in named {
            let prefills = zones_for(equipment);
            if prefills.is_empty() {
                machine(out, equipment, None);
            }
            for prefill in prefills {
                machine(out, equipment, Some(prefill));
            }
        }
    }
    if unnamed > 0 {
        let _ = write!(
            out,
            "  # {unnamed} instances name no Manufacturer, model or serial number. To redact\n\
             \x20 # their images, add an entry with conditions, e.g.\n\
             \x20 # - conditions: {{Modality: US, Rows: \"480\"}}\n\
             \x20 #   redaction_zones: [[0, 40, 0, 640]]\n",
        );
    }
    out.push('\n');
}

/// `text` as `#` comment lines of at most about 78 characters.
fn wrapped(text: &str) -> String {
    let mut out = String::new();
    let mut line = String::from("#");
    for word in text.split_whitespace() {
        if line.len() > 1 && line.len() + 1 + word.len() > 78 {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

fn signature_is_empty(e: &EquipmentCount) -> bool {
    [&e.manufacturer, &e.model, &e.serial]
        .iter()
        .all(|s| s.trim().is_empty())
}

fn machine(out: &mut String, e: &EquipmentCount, prefilled: Option<Prefill>) {
    let shown = |s: &str| {
        if s.trim().is_empty() {
            "?".to_owned()
        } else {
            comment(s.trim())
        }
    };
    let _ = writeln!(
        out,
        "  # {} / {} / serial {}: {} instances.",
        shown(&e.manufacturer),
        shown(&e.model),
        shown(&e.serial),
        e.instances
    );
    let (zones, signature, conditions) = match prefilled {
        Some(p) => (p.zones, Some(p.signature), p.conditions),
        None => (Vec::new(), None, Vec::new()),
    };
    match &signature {
        Some(signature) => {
            let _ = writeln!(
                out,
                "  # Zones pre-filled from the built-in rule that matched: {}",
                comment(signature)
            );
            out.push_str("  # Check them on a preview (gantry redact --preview DIR).\n");
        }
        None => out.push_str(
            "  # No built-in rule matches: add zones if its images show burned-in text.\n",
        ),
    }
    let mut first = true;
    let mut key = |out: &mut String, name: &str, value: &str| {
        let lead = if first { "  - " } else { "    " };
        first = false;
        let _ = writeln!(out, "{lead}{name}: {value}");
    };
    for (name, value) in [
        ("manufacturer", &e.manufacturer),
        ("model_name", &e.model),
        ("device_serial_number", &e.serial),
    ] {
        if !value.trim().is_empty() {
            key(out, name, &quoted(value.trim()));
        }
    }
    if !conditions.is_empty() {
        let pairs: Vec<String> = conditions
            .iter()
            .map(|(k, v)| format!("{k}: {}", quoted(v)))
            .collect();
        key(out, "conditions", &format!("{{{}}}", pairs.join(", ")));
    }
    let gantry: Vec<String> = zones
        .iter()
        .filter(|z| matches!(z, Zone::Gantry { .. }))
        .map(Zone::to_string)
        .collect();
    let ctp: Vec<String> = zones
        .iter()
        .filter_map(|z| match z {
            Zone::Ctp { x, y, w, h } => Some(format!("{{x: {x}, y: {y}, w: {w}, h: {h}}}")),
            Zone::Gantry { .. } => None,
        })
        .collect();
    if !gantry.is_empty() || ctp.is_empty() {
        key(out, "redaction_zones", &format!("[{}]", gantry.join(", ")));
    }
    if !ctp.is_empty() {
        key(out, "regions", &format!("[{}]", ctp.join(", ")));
    }
}

fn export(out: &mut String) {
    let _ = write!(
        out,
        "# Export: the path of each file, from de-identified values only:\n\
         # {{PatientID}} {{PatientName}} {{StudyInstanceUID}} {{SeriesInstanceUID}}\n\
         # {{SOPInstanceUID}} {{Modality}} {{SeriesNumber}} {{InstanceNumber}}\n\
         # {{StudyDate}} (shifted) {{AccessionNumber}}. safe: true re-inspects every\n\
         # file before writing it and quarantines any with a finding left.\n\
         export:\n  layout: {}\n\
         \x20 # transfer_syntax: explicit-le   # or deflate, rle, jpeg-ls-lossless, j2k-lossless\n\
         \x20 safe: false\n\n\
         # Reversible pseudonymisation: seal each instance's original values into\n\
         # its Encrypted Attributes Sequence, for the key file or these certificates.\n\
         reversible: false\n\
         # recipients: [recipient-cert.pem]\n",
        quoted(Layout::DEFAULT)
    );
}
