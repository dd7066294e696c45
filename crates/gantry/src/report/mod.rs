//! The compliance report (SPEC §11 `gantry report`): what was done to a
//! session and one of its exports, as JSON ([`Report`] serialized),
//! Markdown ([`Report::markdown`]) and one self-contained HTML page
//! ([`Report::html`]).
//!
//! The report reads the session and changes nothing: it appends no
//! audit-log event, so two reports of the same session differ only in
//! their `generated_at`, and the log's head hash printed in one still
//! names the state it describes. It reports, it does not judge: making it
//! succeeds whatever it finds (the CLI exits 0).
//!
//! # What it shows, and where each figure comes from
//!
//! | section | source |
//! |---|---|
//! | `tool` | this build's name and version, the time the report was made |
//! | `session` | the inventory: files per state, patients, studies, series, instances, modalities, transfer syntaxes; files not indexed grouped by reason |
//! | `export` | the export root reported on: by default the one the latest `export` event names (else the latest root in the export records); `--export OUT` chooses another. Records under it per status, bytes written, records per key fingerprint |
//! | `deidentification` | what that export applied, as its audit-log event recorded it: profile and options with their CID 7050 codes (the De-identification Method Code Sequence items stamped into every file), private-attribute policy, strict mode, date offset range, the config's overrides (tag and action, never a REPLACE value), pseudonym table used or not, `--safe`, sealing, transfer syntax, layout |
//! | `key` | fingerprint of the key that export used and whether it was a project key file or the session's own; key material is never recorded anywhere |
//! | `config` | SHA-256 of the config in force (its canonical JSON, stored in the session under that hash) for that export, else for the latest step that recorded one |
//! | `steps` | per step (ingest, audit, anonymize, redact, export, verify): how many times it ran, when last, and the counts its latest event recorded; export and verify only for the reported root |
//! | `findings.before` | the stored findings of the latest audit (by rule, the 20 most frequent tags) |
//! | `findings.after` | the latest verify of the reported root: leaks and other findings by kind |
//! | `quarantine` | instances of the root not written, grouped by status and reason (reasons name attributes and rules, never values) |
//! | `redaction` | per machine (manufacturer and model) the redaction the latest `redact` recorded: instances, matched, blanked, declared clean by a rule, and images that may carry burned-in text (BurnedInAnnotation YES, or a modality that usually has it) with no rule |
//! | `burned_in_annotation` | instances with BurnedInAnnotation YES / NO / absent / other, and how many YES a recorded redaction covers or blanks |
//! | `verification` | `clean`, `not-clean` or `not-verified`, with the figures of the latest verify of the root |
//! | `audit_log` | events, whether the hash chain verifies (else its first bad row), first and last event, head hash |
//!
//! Sections without data say so (`null`, or zero counts and a sentence in
//! Markdown and HTML): a report of an empty session is a valid report.
//!
//! # Never PHI
//!
//! Nothing identifying reaches any of the three forms: no patient names,
//! IDs, dates, UIDs, accession numbers, institution names, source paths
//! (they can hold names) or device serial numbers. Machines are named by
//! manufacturer and model; reasons and audit-log details hold tags, rule
//! names and counts; the only paths are the export root, which the user
//! chose for de-identified output. The HTML page links, loads and runs
//! nothing: inline CSS, no URL, no script, every value escaped.
//!
//! # Sessions older than the report
//!
//! Audit-log events written before Gantry recorded these details (the
//! export's root and applied policy, the verified root, the ingest event)
//! are used where they can be: an export or verify event without a root
//! is taken to belong to any root, and without an applied policy the
//! `deidentification` section is `null` and the key comes from the
//! fingerprint the event did record (source `unknown`).

mod doc;
mod html;
mod markdown;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::path::Path;

use gantry_privacy::private::PrivatePolicy;
use gantry_store::{AuditEvent, ExportStatus, FileCounts, FileState, Store};
use serde::{Deserialize, Serialize};

use crate::deid::{Deidentifier, KeySource};
use crate::export::ExportOptions;
use crate::{Error, Result};

/// How many of the most frequent finding tags the report lists.
const TOP_TAGS: usize = 20;

/// How many reasons (quarantine, files not indexed) the report lists, most
/// frequent first; the rest are counted. Reasons can name one instance
/// each (a duplicate's output path, a byte offset), and the report must
/// not grow with the session.
pub const MAX_REASONS: usize = 100;

/// The steps whose latest event the report shows, in pipeline order.
pub const STEPS: [&str; 6] = ["ingest", "audit", "anonymize", "redact", "export", "verify"];

/// The compliance report of a session and one of its exports.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Which tool made it, and when.
    pub tool: Tool,
    /// What the session holds.
    pub session: SessionSummary,
    /// The export reported on; `None` when the session has none.
    pub export: Option<ExportSummary>,
    /// What that export applied; `None` when not recorded.
    pub deidentification: Option<Deidentification>,
    /// The key that export used; `None` when there is no export.
    pub key: Option<KeyInfo>,
    /// The config in force; `None` when none was recorded.
    pub config: Option<ConfigInfo>,
    /// The latest run of each step.
    pub steps: Vec<Step>,
    /// Findings before and after de-identification.
    pub findings: Findings,
    /// Instances not written.
    pub quarantine: Quarantine,
    /// Redaction coverage.
    pub redaction: Redaction,
    /// BurnedInAnnotation status.
    pub burned_in_annotation: BurnedIn,
    /// The verification of the export.
    pub verification: Verification,
    /// The audit log's integrity.
    pub audit_log: AuditLog,
}

/// The tool that made the report.
#[derive(Clone, Debug, Serialize)]
pub struct Tool {
    /// `gantry`.
    pub name: &'static str,
    /// This build's version.
    pub version: &'static str,
    /// When the report was made, RFC 3339 UTC.
    pub generated_at: String,
}

/// What the session holds.
#[derive(Clone, Debug, Serialize)]
pub struct SessionSummary {
    /// Nothing was ever ingested.
    pub empty: bool,
    /// Files per state.
    pub files: FileCounts,
    /// Distinct patients.
    pub patients: u64,
    /// Distinct studies.
    pub studies: u64,
    /// Distinct series.
    pub series: u64,
    /// Indexed instances.
    pub instances: u64,
    /// Instances per modality (`""` when absent).
    pub modalities: BTreeMap<String, u64>,
    /// Instances per transfer syntax UID.
    pub transfer_syntaxes: BTreeMap<String, u64>,
    /// Groups of files that share a SOPInstanceUID.
    pub duplicate_sop_instance_uid_groups: u64,
    /// Files not indexed, grouped by state and reason (no paths), most
    /// frequent first, at most [`MAX_REASONS`] groups.
    pub not_indexed: Vec<FileReason>,
    /// Files not indexed whose reasons are not listed.
    pub not_indexed_unlisted: u64,
    /// When `gantry purge` removed the sources' data (RFC 3339, UTC);
    /// counts stay, duplicate groups are no longer known.
    pub purged_at: Option<String>,
}

/// Files that share an ingest state and reason.
#[derive(Clone, Debug, Serialize)]
pub struct FileReason {
    /// `skipped` or `failed`.
    pub state: FileState,
    /// The reason.
    pub reason: String,
    /// How many files.
    pub files: u64,
}

/// The export root reported on.
#[derive(Clone, Debug, Serialize)]
pub struct ExportSummary {
    /// The root, absolute.
    pub root: String,
    /// When it was last exported to, if an event records it.
    pub last_export_at: Option<String>,
    /// Instances written.
    pub written: u64,
    /// Instances quarantined.
    pub quarantined: u64,
    /// Instances that failed.
    pub failed: u64,
    /// Total size of the files written.
    pub written_bytes: u64,
    /// Export records per key fingerprint (`""`: none recorded).
    pub key_fingerprints: BTreeMap<String, u64>,
}

/// Which audit-log event a figure comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EventRef {
    /// The step.
    pub event: String,
    /// Its row in the audit log.
    pub id: i64,
    /// When.
    pub at: String,
}

impl EventRef {
    fn of(event: &AuditEvent) -> EventRef {
        EventRef {
            event: event.event.clone(),
            id: event.id,
            at: event.at.clone(),
        }
    }
}

/// What an export applied, with the event that recorded it.
#[derive(Clone, Debug, Serialize)]
pub struct Deidentification {
    /// The export event.
    pub recorded_by: EventRef,
    /// What it applied.
    #[serde(flatten)]
    pub applied: Applied,
}

/// What an export applied, as its audit-log event records it (the
/// `applied` object of `export` events). Names and counts only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    /// The profile with its options, e.g. `basic+retain-uids`.
    pub profile: String,
    /// De-identification Method Code Sequence items (CID 7050): the Basic
    /// Profile, then each option.
    pub method_codes: Vec<MethodCode>,
    /// `remove`, `keep-safe` or `keep`.
    pub private_attributes: String,
    /// The private creators kept, with `keep`.
    #[serde(default)]
    pub private_creators: Vec<String>,
    /// Attributes the IOD does not require were removed.
    pub strict: bool,
    /// Per-patient date offsets are drawn in this range of days.
    pub date_offset_days: [i32; 2],
    /// The config's overrides of the profile, in order (first match wins).
    #[serde(default)]
    pub overrides: Vec<Override>,
    /// Pseudonyms came from a user-supplied table.
    pub pseudonym_table: bool,
    /// Every outgoing data set was re-inspected (`--safe`).
    pub safe: bool,
    /// The export was limited to selected patients, studies, series or a
    /// filter.
    pub selection: bool,
    /// The part of a sharded export (`--shard I/N`), as `I/N`.
    #[serde(default)]
    pub shard: Option<String>,
    /// Originals were sealed into each file (`--reversible`).
    pub reversible: bool,
    /// Certificate fingerprints the originals were sealed for.
    #[serde(default)]
    pub recipients: Vec<String>,
    /// The transfer syntax asked for, if any.
    pub transfer_syntax: Option<String>,
    /// The output layout template.
    pub layout: String,
    /// SHA-256 of the config in force.
    pub config_hash: Option<String>,
    /// The key used.
    pub key: KeyInfo,
}

impl Applied {
    /// What an export with `deid` and `options` applies.
    pub(crate) fn new(
        deid: &Deidentifier,
        options: &ExportOptions,
        config_hash: Option<&str>,
    ) -> Applied {
        let policy = &deid.policy;
        let (private_attributes, private_creators) = match &policy.private {
            PrivatePolicy::Remove => ("remove", Vec::new()),
            PrivatePolicy::KeepSafe => ("keep-safe", Vec::new()),
            PrivatePolicy::Keep(creators) => ("keep", creators.clone()),
        };
        let selection = &options.selection;
        Applied {
            profile: policy.profile.to_string(),
            method_codes: policy
                .profile
                .deidentification_codes()
                .map(|(code, meaning)| MethodCode {
                    code: code.to_string(),
                    scheme: "DCM".to_string(),
                    meaning: meaning.to_string(),
                })
                .collect(),
            private_attributes: private_attributes.to_string(),
            private_creators,
            strict: policy.strict,
            date_offset_days: [policy.date_range.0, policy.date_range.1],
            overrides: policy
                .overrides
                .iter()
                .map(|(path, action)| Override {
                    tag: path.to_string(),
                    action: action.name().to_string(),
                })
                .collect(),
            pseudonym_table: policy.pseudonym_table.is_some(),
            safe: options.safe,
            selection: !selection.patients.is_empty()
                || !selection.studies.is_empty()
                || !selection.series.is_empty()
                || selection.filter.is_some(),
            shard: selection.shard.map(|shard| shard.to_string()),
            reversible: options.reversible,
            recipients: options
                .recipients
                .iter()
                .map(|r| r.fingerprint().to_string())
                .collect(),
            transfer_syntax: options.transfer_syntax.clone(),
            layout: options.layout.clone(),
            config_hash: config_hash.map(str::to_string),
            key: KeyInfo::of(deid.key_source()),
        }
    }
}

/// One item of De-identification Method Code Sequence (CID 7050).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodCode {
    /// Code value, e.g. `113100`.
    pub code: String,
    /// Coding scheme designator, `DCM`.
    pub scheme: String,
    /// Code meaning.
    pub meaning: String,
}

/// A config override of the profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    /// The tag path as written.
    pub tag: String,
    /// The action's name (`KEEP`, `REPLACE`, …), never its value.
    pub action: String,
}

/// A key, by fingerprint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyInfo {
    /// `project` (a key file), `session` (the session's own random key)
    /// or `unknown` (an event that recorded only the fingerprint).
    pub source: String,
    /// The key's fingerprint.
    pub fingerprint: String,
}

impl KeyInfo {
    fn of(source: &KeySource) -> KeyInfo {
        let kind = match source {
            KeySource::Project { .. } => "project",
            KeySource::Session { .. } => "session",
        };
        KeyInfo {
            source: kind.to_string(),
            fingerprint: source.fingerprint().to_string(),
        }
    }
}

/// The config in force.
#[derive(Clone, Debug, Serialize)]
pub struct ConfigInfo {
    /// SHA-256 of its canonical JSON (the session stores the text under it).
    pub hash: String,
    /// The event that recorded it.
    pub recorded_by: EventRef,
}

/// The latest run of one step.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    /// `ingest`, `audit`, `anonymize`, `redact`, `export` or `verify`.
    pub step: &'static str,
    /// How many times it ran (export and verify: on the reported root).
    pub runs: u64,
    /// When it last ran.
    pub last_at: Option<String>,
    /// The counts its latest event recorded.
    pub counts: BTreeMap<String, u64>,
}

/// Findings before and after de-identification.
#[derive(Clone, Debug, Serialize)]
pub struct Findings {
    /// The latest audit's findings, in the originals.
    pub before: FindingsBefore,
    /// The latest verify's, in the output; `None` when not verified.
    pub after: Option<FindingsAfter>,
}

/// The latest audit's findings.
#[derive(Clone, Debug, Serialize)]
pub struct FindingsBefore {
    /// When the audit ran; `None` when it never did.
    pub audited_at: Option<String>,
    /// Findings.
    pub findings: u64,
    /// Instances with at least one.
    pub instances_with_findings: u64,
    /// Findings per rule.
    pub by_rule: BTreeMap<String, u64>,
    /// The most frequent tags, most frequent first.
    pub top_tags: Vec<TagCount>,
}

/// Findings of one tag.
#[derive(Clone, Debug, Serialize)]
pub struct TagCount {
    /// The tag.
    pub tag: String,
    /// How many findings.
    pub findings: u64,
}

/// The latest verify's findings.
#[derive(Clone, Debug, Serialize)]
pub struct FindingsAfter {
    /// When verify ran.
    pub verified_at: String,
    /// Identifying strings found in the output.
    pub leaks: u64,
    /// Other findings (unreadable, not stamped).
    pub findings: u64,
    /// Leaks and findings per kind (`leak:name`, `not-stamped`, …), when
    /// the event recorded them.
    pub by_rule: BTreeMap<String, u64>,
}

/// Instances of the export not written.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Quarantine {
    /// Quarantined.
    pub quarantined: u64,
    /// Failed.
    pub failed: u64,
    /// Grouped by status and reason, most frequent first, at most
    /// [`MAX_REASONS`] groups.
    pub reasons: Vec<QuarantineReason>,
    /// Groups not listed.
    pub unlisted_reasons: u64,
    /// Instances of the groups not listed.
    pub unlisted_instances: u64,
}

/// Instances that share a status and reason.
#[derive(Clone, Debug, Serialize)]
pub struct QuarantineReason {
    /// `quarantined` or `failed`.
    pub status: ExportStatus,
    /// The reason.
    pub reason: String,
    /// How many.
    pub instances: u64,
}

/// Redaction coverage, as the latest `redact` recorded it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Redaction {
    /// When `redact` last ran; `None` when it never did.
    pub decided_at: Option<String>,
    /// Instances.
    pub instances: u64,
    /// Instances a rule matched.
    pub matched: u64,
    /// Instances whose pixels the rule blanks.
    pub blanked: u64,
    /// Instances a rule without regions declares clean.
    pub declared_clean: u64,
    /// Instances that may carry burned-in text that no rule covers.
    pub may_carry_text_without_rule: u64,
    /// Per machine, by manufacturer then model.
    pub machines: Vec<MachineCoverage>,
}

/// Redaction coverage of one machine.
#[derive(Clone, Debug, Default, Serialize)]
pub struct MachineCoverage {
    /// Manufacturer, empty when absent.
    pub manufacturer: String,
    /// Model, empty when absent.
    pub model: String,
    /// Instances per modality.
    pub modalities: BTreeMap<String, u64>,
    /// Instances.
    pub instances: u64,
    /// Instances a rule matched.
    pub matched: u64,
    /// Instances whose pixels the rule blanks.
    pub blanked: u64,
    /// Instances a rule without regions declares clean.
    pub declared_clean: u64,
    /// Instances that may carry burned-in text that no rule covers.
    pub may_carry_text_without_rule: u64,
    /// Instances per matching rule.
    pub rules: BTreeMap<String, u64>,
}

/// BurnedInAnnotation (0028,0301) over the session's instances.
#[derive(Clone, Debug, Default, Serialize)]
pub struct BurnedIn {
    /// `YES`.
    pub yes: u64,
    /// `NO`.
    pub no: u64,
    /// Absent or empty.
    pub absent: u64,
    /// Any other value.
    pub other: u64,
    /// `YES` images a recorded redaction covers (blanked or declared clean).
    pub yes_covered: u64,
    /// `YES` images whose pixels a recorded redaction blanks.
    pub yes_blanked: u64,
    /// `YES` images no rule covers.
    pub yes_without_rule: u64,
}

/// The verification of the export.
#[derive(Clone, Debug, Serialize)]
pub struct Verification {
    /// `clean`, `not-clean` or `not-verified`.
    pub status: &'static str,
    /// When verify last ran on the root.
    pub at: Option<String>,
    /// The root it checked, when recorded.
    pub root: Option<String>,
    /// Files checked.
    pub files: u64,
    /// Identifying strings found.
    pub leaks: u64,
    /// Other findings.
    pub findings: u64,
}

/// The audit log's state.
#[derive(Clone, Debug, Serialize)]
pub struct AuditLog {
    /// Events.
    pub events: u64,
    /// The hash chain verifies.
    pub intact: bool,
    /// The first row that does not verify.
    pub first_bad_row: Option<i64>,
    /// First event's time.
    pub first_at: Option<String>,
    /// Last event's time.
    pub last_at: Option<String>,
    /// The last event's chain hash: names the state this report describes.
    pub head_hash: Option<String>,
}

impl Report {
    /// The report as Markdown.
    pub fn markdown(&self) -> String {
        markdown::render(self)
    }

    /// The report as one self-contained HTML page (inline CSS; no URL,
    /// script or external resource).
    pub fn html(&self) -> String {
        html::render(self)
    }

    /// Write [`Report::markdown`] to `path` through a temporary file and a
    /// rename.
    pub fn write_markdown(&self, path: &Path) -> Result<()> {
        crate::export::write_file_atomically(path, self.markdown().as_bytes())
    }

    /// Write [`Report::html`] to `path` through a temporary file and a
    /// rename.
    pub fn write_html(&self, path: &Path) -> Result<()> {
        crate::export::write_file_atomically(path, self.html().as_bytes())
    }
}

/// The section ids and headings, in order, shared by the Markdown and
/// HTML forms. Ids are the JSON keys they show, except `summary`, an
/// overview of the others.
pub(crate) const SECTIONS: [(&str, &str); 13] = [
    ("summary", "Summary"),
    ("session", "Session"),
    ("export", "Export"),
    ("deidentification", "De-identification method"),
    ("key", "Key"),
    ("config", "Configuration"),
    ("steps", "Steps"),
    ("findings", "Findings before and after"),
    ("quarantine", "Quarantined and failed instances"),
    ("redaction", "Redaction coverage per machine"),
    ("burned_in_annotation", "BurnedInAnnotation"),
    ("verification", "Verification"),
    ("audit_log", "Audit log integrity"),
];

/// Build the report of the session in `store`, about the export at
/// `export` (by default the latest one).
pub(crate) fn build(store: &Store, export: Option<&Path>) -> Result<Report> {
    let inventory = store.inventory()?;
    let events = store.audit_events()?;
    let first_bad_row = store.verify_audit_log()?;

    let root = match export {
        Some(path) => {
            let root = std::path::absolute(path)
                .map_err(|source| Error::Input {
                    path: path.to_path_buf(),
                    source,
                })?
                .to_string_lossy()
                .into_owned();
            let recorded = events
                .iter()
                .any(|e| e.event == "export" && root_of(e) == Some(root.as_str()))
                || store.export_outcomes(&root, 0)? != gantry_store::ExportOutcomes::default();
            if !recorded {
                return Err(Error::Usage(format!(
                    "no export to {root} is recorded in this session"
                )));
            }
            Some(root)
        }
        None => match events
            .iter()
            .rev()
            .filter(|e| e.event == "export")
            .find_map(root_of)
        {
            Some(root) => Some(root.to_string()),
            None => store.latest_export_root()?,
        },
    };
    let for_root = |e: &&AuditEvent| match (&root, root_of(e)) {
        (Some(root), Some(of)) => root == of,
        // An event without a root predates root recording.
        (Some(_), None) => true,
        (None, _) => false,
    };
    let latest = |step: &str| events.iter().rev().find(|e| e.event == step);
    let export_event = events
        .iter()
        .rev()
        .filter(|e| e.event == "export")
        .find(for_root);
    let verify_event = events
        .iter()
        .rev()
        .filter(|e| e.event == "verify")
        .find(for_root);

    let outcomes = match &root {
        Some(root) => Some(store.export_outcomes(root, MAX_REASONS)?),
        None => None,
    };
    let export_summary = match (&root, &outcomes) {
        (Some(root), Some(o)) => Some(ExportSummary {
            root: root.clone(),
            last_export_at: export_event.map(|e| e.at.clone()),
            written: o.written,
            quarantined: o.quarantined,
            failed: o.failed,
            written_bytes: o.written_bytes,
            key_fingerprints: o.key_fingerprints.clone(),
        }),
        _ => None,
    };

    let applied: Option<Applied> =
        export_event.and_then(|e| serde_json::from_value(e.details.get("applied")?.clone()).ok());
    let key = match (&applied, export_event) {
        (Some(applied), _) => Some(applied.key.clone()),
        (None, Some(event)) => event
            .details
            .get("key_fingerprint")
            .and_then(|v| v.as_str())
            .map(|fingerprint| KeyInfo {
                source: "unknown".into(),
                fingerprint: fingerprint.to_string(),
            }),
        (None, None) => None,
    };
    let config = match (&applied, export_event) {
        (
            Some(Applied {
                config_hash: Some(hash),
                ..
            }),
            Some(event),
        ) => Some(ConfigInfo {
            hash: hash.clone(),
            recorded_by: EventRef::of(event),
        }),
        _ => events.iter().rev().find_map(|e| {
            Some(ConfigInfo {
                hash: e.details.get("config_hash")?.as_str()?.to_string(),
                recorded_by: EventRef::of(e),
            })
        }),
    };
    let deidentification = match (applied, export_event) {
        (Some(applied), Some(event)) => Some(Deidentification {
            recorded_by: EventRef::of(event),
            applied,
        }),
        _ => None,
    };

    let steps = STEPS
        .iter()
        .map(|&step| {
            let mine: Vec<&AuditEvent> = events
                .iter()
                .filter(|e| e.event == step)
                .filter(|e| !matches!(step, "export" | "verify") || for_root(e))
                .collect();
            let last = mine.last();
            Step {
                step,
                runs: mine.len() as u64,
                last_at: last.map(|e| e.at.clone()),
                counts: last.map(|e| counts_of(&e.details)).unwrap_or_default(),
            }
        })
        .collect();

    let summary = store.findings_summary()?;
    let mut top_tags: Vec<TagCount> = summary
        .by_tag
        .iter()
        .map(|(tag, &findings)| TagCount {
            tag: tag.clone(),
            findings,
        })
        .collect();
    top_tags.sort_by(|a, b| b.findings.cmp(&a.findings).then(a.tag.cmp(&b.tag)));
    top_tags.truncate(TOP_TAGS);
    let before = FindingsBefore {
        audited_at: latest("audit").map(|e| e.at.clone()),
        findings: summary.findings,
        instances_with_findings: summary.instances_with_findings,
        by_rule: summary.by_rule,
        top_tags,
    };
    let number = |e: &AuditEvent, key: &str| e.details.get(key).and_then(|v| v.as_u64());
    let after = verify_event.map(|e| FindingsAfter {
        verified_at: e.at.clone(),
        leaks: number(e, "leaks").unwrap_or(0),
        findings: number(e, "findings").unwrap_or(0),
        by_rule: e.details.get("by_rule").map(counts_of).unwrap_or_default(),
    });
    let verification = match verify_event {
        Some(e) => {
            let (leaks, findings) = (
                number(e, "leaks").unwrap_or(0),
                number(e, "findings").unwrap_or(0),
            );
            Verification {
                status: if leaks + findings == 0 {
                    "clean"
                } else {
                    "not-clean"
                },
                at: Some(e.at.clone()),
                root: root_of(e).map(str::to_string),
                files: number(e, "files").unwrap_or(0),
                leaks,
                findings,
            }
        }
        None => Verification {
            status: "not-verified",
            at: None,
            root: None,
            files: 0,
            leaks: 0,
            findings: 0,
        },
    };

    let quarantine = match &outcomes {
        Some(o) => Quarantine {
            quarantined: o.quarantined,
            failed: o.failed,
            unlisted_reasons: o.distinct_reasons - o.reasons.len() as u64,
            unlisted_instances: o.quarantined + o.failed
                - o.reasons.iter().map(|r| r.instances).sum::<u64>(),
            reasons: o
                .reasons
                .iter()
                .map(|r| QuarantineReason {
                    status: r.status,
                    reason: r.reason.clone(),
                    instances: r.instances,
                })
                .collect(),
        },
        None => Quarantine::default(),
    };

    let (mut redaction, burned_in_annotation) = coverage(store)?;
    redaction.decided_at = latest("redact").map(|e| e.at.clone());

    let audit_log = AuditLog {
        events: events.len() as u64,
        intact: first_bad_row.is_none(),
        first_bad_row,
        first_at: events.first().map(|e| e.at.clone()),
        last_at: events.last().map(|e| e.at.clone()),
        head_hash: events.last().map(|e| e.hash.clone()),
    };

    let not_indexed: Vec<FileReason> = store
        .ingest_problems(MAX_REASONS)?
        .into_iter()
        .map(|p| FileReason {
            state: p.state,
            reason: p.reason,
            files: p.files,
        })
        .collect();
    let session = SessionSummary {
        empty: inventory.instances == 0
            && inventory.files.indexed + inventory.files.skipped + inventory.files.failed == 0,
        files: inventory.files,
        patients: inventory.patients,
        studies: inventory.studies,
        series: inventory.series,
        instances: inventory.instances,
        modalities: inventory.modalities,
        transfer_syntaxes: inventory.transfer_syntaxes,
        duplicate_sop_instance_uid_groups: inventory.duplicate_sop_instance_uids.len() as u64,
        not_indexed_unlisted: (inventory.files.skipped + inventory.files.failed)
            .saturating_sub(not_indexed.iter().map(|p| p.files).sum()),
        not_indexed,
        purged_at: store.purged_at()?,
    };

    Ok(Report {
        tool: Tool {
            name: "gantry",
            version: env!("CARGO_PKG_VERSION"),
            generated_at: gantry_store::utc_now(),
        },
        session,
        export: export_summary,
        deidentification,
        key,
        config,
        steps,
        findings: Findings { before, after },
        quarantine,
        redaction,
        burned_in_annotation,
        verification,
        audit_log,
    })
}

/// The export root an event records, if any.
fn root_of(event: &AuditEvent) -> Option<&str> {
    event.details.get("root")?.as_str()
}

/// The top-level counts (non-negative integers) of an event's details.
fn counts_of(details: &serde_json::Value) -> BTreeMap<String, u64> {
    details
        .as_object()
        .map(|object| {
            object
                .iter()
                .filter_map(|(key, value)| Some((key.clone(), value.as_u64()?)))
                .collect()
        })
        .unwrap_or_default()
}

/// Redaction coverage per machine and BurnedInAnnotation counts, from the
/// recorded redactions.
fn coverage(store: &Store) -> Result<(Redaction, BurnedIn)> {
    let mut redaction = Redaction::default();
    let mut bia = BurnedIn::default();
    let mut machines: BTreeMap<(String, String), MachineCoverage> = BTreeMap::new();
    for row in store.redaction_coverage()? {
        let n = row.instances;
        let machine = machines
            .entry((row.manufacturer.clone(), row.model.clone()))
            .or_insert_with(|| MachineCoverage {
                manufacturer: row.manufacturer.clone(),
                model: row.model.clone(),
                ..MachineCoverage::default()
            });
        *machine.modalities.entry(row.modality.clone()).or_default() += n;
        machine.instances += n;
        let uncovered = row.rule.is_none()
            && gantry_privacy::likely_burned_in(
                row.burned_in_annotation.as_deref(),
                Some(row.modality.as_str()),
            );
        if let Some(rule) = &row.rule {
            machine.matched += n;
            if row.blanks {
                machine.blanked += n;
            } else {
                machine.declared_clean += n;
            }
            *machine.rules.entry(rule.clone()).or_default() += n;
        }
        if uncovered {
            machine.may_carry_text_without_rule += n;
        }
        match row.burned_in_annotation.as_deref() {
            Some("YES") => {
                bia.yes += n;
                if row.rule.is_some() {
                    bia.yes_covered += n;
                    if row.blanks {
                        bia.yes_blanked += n;
                    }
                } else {
                    bia.yes_without_rule += n;
                }
            }
            Some("NO") => bia.no += n,
            None => bia.absent += n,
            Some(_) => bia.other += n,
        }
    }
    for machine in machines.into_values() {
        redaction.instances += machine.instances;
        redaction.matched += machine.matched;
        redaction.blanked += machine.blanked;
        redaction.declared_clean += machine.declared_clean;
        redaction.may_carry_text_without_rule += machine.may_carry_text_without_rule;
        redaction.machines.push(machine);
    }
    Ok((redaction, bia))
}
