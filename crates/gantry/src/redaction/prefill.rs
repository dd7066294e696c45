//! `gantry config init` with the knowledge base: each inventoried
//! machine's zones pre-filled from the first CTP signature its images
//! match (SPEC §7).
//!
//! Signatures test more than the machine (Rows, Columns, Modality,
//! ImageType, …), so every instance is matched, not one per machine:
//! images of one machine are grouped by geometry (Rows × Columns), and
//! each geometry whose images match a signature gets its own entry with
//! `conditions: {Rows, Columns}`. Without those conditions a config entry
//! pre-filled for a Philips iU22's 480-row images would also blank its
//! 768-row images with the wrong zones, because config entries are tried
//! before the knowledge base. Geometries no signature matches get no entry
//! and fall through to the knowledge base (which has nothing for them).

use std::collections::BTreeMap;

use dicom_dictionary_std::tags;
use gantry_redact::{Edge, KnowledgeBase, Rule};
use gantry_store::{EquipmentCount, Inventory, Selection, Store};

use crate::Result;
use crate::config::{Prefill, Zone};

type MachineKey = (String, String, String);

/// The config scaffold of `inventory` with zones pre-filled from the
/// built-in knowledge base.
pub(crate) fn scaffold(store: &Store, inventory: &Inventory) -> Result<String> {
    let knowledge = KnowledgeBase::builtin();
    // Machine → geometry → index of the first matching rule.
    let mut seen: BTreeMap<MachineKey, BTreeMap<(u32, u32), Option<usize>>> = BTreeMap::new();
    let selection = Selection::default();
    let mut after = 0;
    loop {
        let page = store.candidates(&selection, after, 512)?;
        let Some(last) = page.last() else { break };
        after = last.id.0;
        for candidate in &page {
            let Ok(header) = candidate.header.decode() else {
                continue;
            };
            let text = |tag| {
                header
                    .get(tag)
                    .and_then(|e| e.to_str().ok())
                    .map(|s| s.trim_end_matches(['\0', ' ']).trim().to_string())
                    .unwrap_or_default()
            };
            let number = |tag| {
                header
                    .get(tag)
                    .and_then(|e| e.to_int::<u32>().ok())
                    .unwrap_or(0)
            };
            let machine = (
                text(tags::MANUFACTURER),
                text(tags::MANUFACTURER_MODEL_NAME),
                text(tags::DEVICE_SERIAL_NUMBER),
            );
            let geometry = (number(tags::ROWS), number(tags::COLUMNS));
            let geometries = seen.entry(machine).or_default();
            if geometries.contains_key(&geometry) {
                continue;
            }
            let lookup = |operand: &gantry_ctp::Operand| super::lookup::lookup(&header, operand);
            let rule = knowledge
                .rules()
                .iter()
                .position(|rule| rule.matches(&lookup));
            geometries.insert(geometry, rule);
        }
    }
    let rules = knowledge.rules();
    Ok(crate::config::scaffold_with(
        inventory,
        |equipment: &EquipmentCount| {
            let key = (
                equipment.manufacturer.trim().to_string(),
                equipment.model.trim().to_string(),
                equipment.serial.trim().to_string(),
            );
            let Some(geometries) = seen.get(&key) else {
                return Vec::new();
            };
            geometries
                .iter()
                .filter_map(|(&(rows, columns), rule)| {
                    let rule = &rules[(*rule)?];
                    Some(Prefill {
                        zones: zones_of(rule),
                        signature: format!("{}: {}", rule.origin, rule.condition),
                        conditions: vec![
                            ("Rows".to_string(), rows.to_string()),
                            ("Columns".to_string(), columns.to_string()),
                        ],
                    })
                })
                .collect()
        },
    ))
}

/// A knowledge-base rule's regions as config zones: CTP `(x, y, w, h)`,
/// the form they were written in.
fn zones_of(rule: &Rule) -> Vec<Zone> {
    rule.regions
        .iter()
        .map(|region| {
            let (rows, columns) = (region.rows(), region.columns());
            // A span from the far edge starts at a negative offset, which is
            // exactly CTP's negative x or y.
            debug_assert!(matches!(columns.edge(), Edge::Start) || columns.start() < 0);
            Zone::Ctp {
                x: columns.start() as i32,
                y: rows.start() as i32,
                w: (columns.end() - columns.start()) as u32,
                h: (rows.end() - rows.start()) as u32,
            }
        })
        .collect()
}
