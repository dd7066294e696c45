//! The redaction step (SPEC §7): which rule covers which instance,
//! recorded in the session, and the pixels it blanks at export.
//!
//! `redact` decides; export applies. For every instance the rules are
//! tried in order — the config's `machines` first, then the built-in CTP
//! knowledge base (`DicomPixelAnonymizer.script`) — and the first whose
//! signature matches wins, as in CTP. Its regions are resolved against the
//! image (negative CTP offsets, clipping) and recorded with the rule's
//! origin in the session's `redactions` table; export decodes each frame,
//! blanks the recorded rectangles and re-encodes (see
//! [`crate::export`]). Because the recorded rectangles are what export
//! applies, the record is exactly what was done, and exporting again gives
//! the same bytes (redaction is idempotent).
//!
//! A matching knowledge-base rule with no regions (CTP's way of saying a
//! machine is known to be clean) covers the instance without touching its
//! pixels. A config machine without zones makes no rule at all: `config
//! init` writes such entries for machines it knows nothing about, and an
//! unreviewed entry must not declare their images clean. A rule
//! whose regions all fall outside the image covers nothing: the instance
//! counts as uncovered.
//!
//! With the `clean-pixel-data` option, export quarantines instances that
//! may carry burned-in text ([`gantry_privacy::likely_burned_in`]) and that
//! no rule covers.

pub(crate) mod lookup;
pub(crate) mod prefill;
pub(crate) mod preview;

pub use preview::PreviewReport;

use std::collections::BTreeMap;

use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use gantry_ctp::{Condition, Element, Method, Operand, Predicate};
use gantry_model::{PathStep, TagSpec};
use gantry_redact::{Fill, KnowledgeBase, Origin, Palette, Placement, Rule, RuleSet};
use gantry_store::{RedactionRow, Selection, Store};
use rayon::prelude::*;

use crate::config::{Config, Machine, Zone};
use crate::{Error, Progress, Result};

/// Instances per batch.
const BATCH: usize = 512;

/// The rules `redact` tries, in order.
#[derive(Clone, Debug)]
pub struct Redactor {
    rules: RuleSet,
}

impl Redactor {
    /// The config's machines, then (unless `knowledge_base` is false) the
    /// built-in CTP knowledge base.
    pub fn new(config: &Config, knowledge_base: bool) -> Result<Redactor> {
        let mut rules = Vec::new();
        for (index, machine) in config.machines().iter().enumerate() {
            // An entry without zones (what `config init` writes for a
            // machine no signature knows) is not a statement that its
            // images are clean: it makes no rule, so they stay uncovered.
            if !machine.zones.is_empty() {
                rules.push(machine_rule(index, machine)?);
            }
        }
        let mut rules = RuleSet::new(rules);
        if knowledge_base {
            rules = rules.with_knowledge_base(KnowledgeBase::builtin());
        }
        Ok(Redactor { rules })
    }

    /// The rules, in the order they are tried.
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// The first rule matching `header`, if any.
    pub fn rule_for(&self, header: &InMemDicomObject) -> Option<&Rule> {
        self.rules
            .first_match(&|operand| lookup::lookup(header, operand))
    }
}

/// How a config machine is named in records and reports: its position and
/// model (never its serial number, an identifier in PS3.15).
pub fn machine_name(index: usize, machine: &Machine) -> String {
    let describe = [
        machine.manufacturer.as_deref(),
        machine.model_name.as_deref(),
    ]
    .into_iter()
    .flatten()
    .map(str::trim)
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" ");
    if describe.is_empty() {
        format!("#{}", index + 1)
    } else {
        format!("#{} ({describe})", index + 1)
    }
}

fn machine_rule(index: usize, machine: &Machine) -> Result<Rule> {
    let mut terms = Vec::new();
    for criterion in machine.criteria() {
        let mut path = Vec::new();
        for step in criterion.tag.steps() {
            match step {
                PathStep::Tag(TagSpec::Tag(tag)) => path.push(Element::Tag {
                    group: tag.0,
                    element: tag.1,
                }),
                PathStep::Tag(TagSpec::Private {
                    group,
                    creator,
                    element,
                }) => path.push(Element::Private {
                    group: *group,
                    creator: creator.clone(),
                    element: *element,
                }),
                _ => {
                    return Err(Error::Usage(format!(
                        "machines[{index}]: condition {} uses a wildcard path, which redaction rules cannot match",
                        criterion.tag
                    )));
                }
            }
        }
        let predicate = Predicate::new(Operand { path }, Method::Equals, criterion.value.trim())
            .map_err(|e| Error::Usage(format!("machines[{index}]: {e:?}")))?;
        terms.push(Condition::Predicate(predicate));
    }
    let condition = match terms.len() {
        0 => Condition::Const(true),
        1 => terms.remove(0),
        _ => Condition::And(terms),
    };
    let regions = machine
        .zones
        .iter()
        .map(Zone::region)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::Usage(format!("machines[{index}]: {e}")))?;
    Ok(Rule::new(
        Origin::Config {
            machine: machine_name(index, machine),
        },
        condition,
        regions,
    ))
}

/// What `redact` decided (SPEC §12.1 `run` summary, `redact --json`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct RedactReport {
    /// Instances looked at.
    pub instances: u64,
    /// Instances a rule matched.
    pub matched: u64,
    /// Instances whose pixels will be blanked (a rule with regions on the
    /// image).
    pub redacted: u64,
    /// Instances that may carry burned-in text (BurnedInAnnotation YES or
    /// a modality that usually has it) that no rule covers.
    pub uncovered: u64,
    /// Configured regions that fell entirely outside their image.
    pub regions_outside: u64,
    /// Instances whose header could not be read.
    pub failed: u64,
    /// Instances per matching rule.
    pub by_rule: BTreeMap<String, u64>,
}

/// Decide and record the redaction of every instance.
pub(crate) fn redact(
    store: &mut Store,
    redactor: &Redactor,
    progress: &dyn Progress,
) -> Result<RedactReport> {
    let selection = Selection::default();
    let mut after = 0;
    let mut report = RedactReport::default();
    let mut rows = Vec::new();
    progress.begin("redact", None);
    loop {
        let page = store.candidates(&selection, after, BATCH)?;
        let Some(last) = page.last() else { break };
        after = last.id.0;
        let decided: Vec<Decision> = page
            .par_iter()
            .map(|candidate| {
                let decision = match candidate.header.decode() {
                    Err(_) => Decision::Failed,
                    Ok(header) => decide(redactor, candidate, &header),
                };
                progress.advance(1);
                decision
            })
            .collect();
        for decision in decided {
            tally(&mut report, &mut rows, decision);
        }
    }
    store.replace_redactions(&rows)?;
    progress.end();
    Ok(report)
}

/// The redaction of one instance, decided from its header: the first rule
/// that matches (config machines, then the knowledge base), its regions
/// placed on the image.
pub(crate) fn decide(
    redactor: &Redactor,
    candidate: &gantry_store::Candidate,
    header: &InMemDicomObject,
) -> Decision {
    let burned_in = || {
        gantry_privacy::likely_burned_in(
            candidate.burned_in_annotation.as_deref(),
            candidate.modality.as_deref(),
        )
    };
    let Some(rule) = redactor.rule_for(header) else {
        return Decision::NoRule {
            burned_in: burned_in(),
        };
    };
    let (rows_n, columns_n) = geometry(header);
    let mut rects = Vec::new();
    let mut outside = 0u32;
    for region in &rule.regions {
        match region.place(rows_n, columns_n) {
            Placement::Outside => outside += 1,
            placement => {
                if let Some(rect) = placement.rect() {
                    rects.push(rect.to_gantry());
                }
            }
        }
    }
    let row = RedactionRow {
        instance: candidate.id,
        rule: rule.origin.to_string(),
        regions: rects,
        frames: None,
        outside,
    };
    // A rule whose regions all miss the image covers nothing.
    if row.regions.is_empty() && row.outside > 0 {
        Decision::Missed {
            row,
            burned_in: burned_in(),
        }
    } else {
        Decision::Rule(row)
    }
}

/// Count a decision into `report`; the rows to record go to `rows`.
pub(crate) fn tally(report: &mut RedactReport, rows: &mut Vec<RedactionRow>, decision: Decision) {
    report.instances += 1;
    match decision {
        Decision::Failed => report.failed += 1,
        Decision::NoRule { burned_in } => report.uncovered += u64::from(burned_in),
        Decision::Missed { row, burned_in } => {
            report.regions_outside += u64::from(row.outside);
            report.uncovered += u64::from(burned_in);
        }
        Decision::Rule(row) => {
            report.matched += 1;
            report.regions_outside += u64::from(row.outside);
            if !row.regions.is_empty() {
                report.redacted += 1;
            }
            *report.by_rule.entry(row.rule.clone()).or_default() += 1;
            rows.push(row);
        }
    }
}

/// What `redact` decided for one instance.
pub(crate) enum Decision {
    /// The header could not be read.
    Failed,
    /// No rule matches.
    NoRule { burned_in: bool },
    /// A rule matches, but all its regions fall outside the image (not
    /// recorded: it covers nothing).
    Missed { row: RedactionRow, burned_in: bool },
    /// A rule matches: recorded; export blanks its regions.
    Rule(RedactionRow),
}

impl Decision {
    /// The row export and the audit go by: a recorded rule's.
    pub(crate) fn row(&self) -> Option<&RedactionRow> {
        match self {
            Decision::Rule(row) => Some(row),
            _ => None,
        }
    }
}

/// Rows and Columns of an image (0 when absent: every region is outside).
fn geometry(header: &InMemDicomObject) -> (u32, u32) {
    let number = |tag| {
        header
            .get(tag)
            .and_then(|e| e.to_int::<u32>().ok())
            .unwrap_or(0)
    };
    (number(tags::ROWS), number(tags::COLUMNS))
}

/// The fill for an instance: the darkest displayed value; for PALETTE
/// COLOR images the index of the palette's darkest entry when the header
/// carries the lookup tables.
pub(crate) fn fill_for(header: &InMemDicomObject) -> Fill {
    match palette(header) {
        Some(palette) => Fill::DarkestInPalette(palette),
        None => Fill::Darkest,
    }
}

/// The palette colour lookup tables of a PALETTE COLOR header, if whole.
fn palette(header: &InMemDicomObject) -> Option<Palette> {
    let photometric = header
        .get(tags::PHOTOMETRIC_INTERPRETATION)?
        .to_str()
        .ok()?;
    if photometric.trim() != "PALETTE COLOR" {
        return None;
    }
    let descriptor = |tag| -> Option<Vec<i64>> {
        let element = header.get(tag)?;
        element.to_multi_int::<i64>().ok()
    };
    let red = descriptor(tags::RED_PALETTE_COLOR_LOOKUP_TABLE_DESCRIPTOR)?;
    if red.len() != 3 {
        return None;
    }
    let entries = if red[0] == 0 { 65536 } else { red[0] as usize };
    let first_mapped = red[1];
    let bits = u8::try_from(red[2]).ok().filter(|b| matches!(b, 8 | 16))?;
    let data = |tag| -> Option<Vec<u16>> {
        let bytes = header.get(tag)?.to_bytes().ok()?;
        Some(
            if bits == 8 && bytes.len() >= entries && bytes.len() < entries * 2 {
                bytes.iter().map(|&b| u16::from(b)).collect()
            } else {
                bytes
                    .chunks_exact(2)
                    .map(|c| u16::from_le_bytes([c[0], c[1]]))
                    .collect()
            },
        )
    };
    let (r, g, b) = (
        data(tags::RED_PALETTE_COLOR_LOOKUP_TABLE_DATA)?,
        data(tags::GREEN_PALETTE_COLOR_LOOKUP_TABLE_DATA)?,
        data(tags::BLUE_PALETTE_COLOR_LOOKUP_TABLE_DATA)?,
    );
    let n = entries.min(r.len()).min(g.len()).min(b.len());
    if n == 0 {
        return None;
    }
    Some(Palette {
        first_mapped,
        bits,
        entries: (0..n).map(|i| [r[i], g[i], b[i]]).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_machines_come_before_the_knowledge_base() {
        let config = Config::from_str(
            "machines:\n  - manufacturer: ACME\n    model_name: Scope 1\n    redaction_zones: [[0, 40, 0, 100]]\n",
            "cfg.yaml",
        )
        .expect("config");
        let redactor = Redactor::new(&config, true).expect("rules");
        let rules = redactor.rules().rules();
        assert_eq!(
            rules[0].origin.to_string(),
            "config machine #1 (ACME Scope 1)"
        );
        assert_eq!(rules.len(), 1 + KnowledgeBase::builtin().rules().len());
        let without = Redactor::new(&config, false).expect("rules");
        assert_eq!(without.rules().rules().len(), 1);
    }
}
