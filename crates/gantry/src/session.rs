//! [`Session`]: the library entry point that strings the steps together.

use std::path::{Path, PathBuf};

use gantry_privacy::Policy;
use gantry_store::{
    CompactStats, FindingRow, FindingsSummary, Inventory, MappingRow, Selection, Store,
};
use rayon::prelude::*;

use crate::deid::Deidentifier;
use crate::export::{self, ExportOptions, ExportReport};
use crate::ingest::{self, IngestOptions, IngestReport};
use crate::redaction::{self, RedactReport, Redactor};
use crate::verify::{self, VerifyReport};
use crate::{Progress, Result};

/// Instances per batch for audit and anonymize.
const BATCH: usize = 512;

/// What `audit` found (SPEC §12.1).
pub type AuditReport = FindingsSummary;

/// What `anonymize` decided.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct AnonymizeReport {
    /// Instances planned.
    pub instances: u64,
    /// Attribute operations in all plans.
    pub operations: u64,
    /// Date values that could not be parsed (replaced, never kept).
    pub invalid_dates: u64,
    /// Instances whose plan could not be made (reasons in the export).
    pub failed: u64,
}

/// The whole main job's figures.
#[derive(Clone, Debug, serde::Serialize)]
pub struct RunReport {
    /// Ingest.
    pub ingest: IngestReport,
    /// Inventory after ingest.
    pub examine: Inventory,
    /// Audit.
    pub audit: AuditReport,
    /// Anonymize.
    pub anonymize: AnonymizeReport,
    /// Redaction decisions.
    pub redact: RedactReport,
    /// Export.
    pub export: ExportReport,
    /// Verify.
    pub verify: VerifyReport,
    /// The key used.
    pub key: crate::KeySource,
}

/// A Gantry session: the store at one path, and the operations on it.
///
/// ```no_run
/// use gantry::{Session, NoProgress, IngestOptions};
///
/// let mut session = Session::open("gantry.db")?;
/// session.ingest(&["incoming/".into()], &IngestOptions::default(), &NoProgress)?;
/// let inventory = session.examine()?;
/// println!("{} instances", inventory.instances);
/// # Ok::<(), gantry::Error>(())
/// ```
#[derive(Debug)]
pub struct Session {
    store: Option<Store>,
    path: PathBuf,
}

impl Session {
    /// Open the session at `path`, creating it if needed.
    pub fn open(path: impl AsRef<Path>) -> Result<Session> {
        let path = path.as_ref().to_path_buf();
        let store = Store::open(&path)?;
        Ok(Session {
            store: Some(store),
            path,
        })
    }

    /// Path of the session database.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn store(&mut self) -> Result<&mut Store> {
        let store = match self.store.take() {
            Some(store) => store,
            None => Store::open(&self.path)?,
        };
        Ok(self.store.insert(store))
    }

    /// The underlying store, for queries the facade does not wrap.
    pub fn store_mut(&mut self) -> Result<&mut Store> {
        self.store()
    }

    /// Index files and folders (SPEC §3). Unchanged files from earlier runs
    /// are not read again.
    pub fn ingest(
        &mut self,
        inputs: &[PathBuf],
        options: &IngestOptions,
        progress: &dyn Progress,
    ) -> Result<IngestReport> {
        let store = match self.store.take() {
            Some(store) => store,
            None => Store::open(&self.path)?,
        };
        let (store, report) = ingest::ingest(store, inputs, options, progress)?;
        self.store = Some(store);
        Ok(report)
    }

    /// The inventory of the session (SPEC §12.1 `examine`).
    pub fn examine(&mut self) -> Result<Inventory> {
        Ok(self.store()?.inventory()?)
    }

    /// The policy and keys for de-identification: the project key from
    /// `key_file`, or the session's own key.
    pub fn deidentifier(
        &mut self,
        policy: Policy,
        key_file: Option<&Path>,
    ) -> Result<Deidentifier> {
        Deidentifier::new(self.store()?, policy, key_file)
    }

    /// PHI findings for every instance under the policy (SPEC §5); stored
    /// in the session, nothing modified.
    pub fn audit(&mut self, deid: &Deidentifier, progress: &dyn Progress) -> Result<AuditReport> {
        let store = self.store()?;
        let selection = Selection::default();
        let mut after = 0;
        progress.begin("audit", None);
        loop {
            let page = store.candidates(&selection, after, BATCH)?;
            let Some(last) = page.last() else { break };
            after = last.id.0;
            let batch: Vec<_> = page
                .par_iter()
                .map(|candidate| {
                    let rows = match deid.run(candidate) {
                        Ok((original, _, plan, identifiers)) => {
                            let redaction_rule = false; // redaction rules: a later issue
                            let context = gantry_privacy::InspectContext {
                                identifiers: &identifiers,
                                redaction_rule,
                            };
                            gantry_privacy::inspect(&original, &plan, &context)
                                .into_iter()
                                .map(|f| FindingRow {
                                    path: f.path,
                                    tag: f.tag,
                                    rule: f.rule,
                                    action: f.action,
                                    preview: f.preview,
                                })
                                .collect()
                        }
                        Err(reason) => vec![FindingRow {
                            path: String::new(),
                            tag: String::new(),
                            rule: "unreadable".into(),
                            action: "review".into(),
                            preview: reason,
                        }],
                    };
                    progress.advance(1);
                    (candidate.id, rows)
                })
                .collect();
            store.replace_findings(&batch)?;
        }
        progress.end();
        let summary = store.findings_summary()?;
        store.append_event(
            "audit",
            &serde_json::json!({"findings": summary.findings, "instances_with_findings": summary.instances_with_findings}),
        )?;
        Ok(summary)
    }

    /// Plan the de-identification of every instance (SPEC §1 `anonymize`).
    /// Plans are computed from the original headers each time, so running
    /// this twice changes nothing; export applies the same plans.
    pub fn anonymize(
        &mut self,
        deid: &Deidentifier,
        progress: &dyn Progress,
    ) -> Result<AnonymizeReport> {
        let store = self.store()?;
        let selection = Selection::default();
        let mut after = 0;
        let mut report = AnonymizeReport::default();
        progress.begin("anonymize", None);
        loop {
            let page = store.candidates(&selection, after, BATCH)?;
            let Some(last) = page.last() else { break };
            after = last.id.0;
            let counts: Vec<Option<(u64, u64)>> = page
                .par_iter()
                .map(|candidate| {
                    let counted = deid.run(candidate).ok().map(|(_, _, plan, _)| {
                        (plan.ops.len() as u64, plan.invalid_dates.len() as u64)
                    });
                    progress.advance(1);
                    counted
                })
                .collect();
            for c in counts {
                report.instances += 1;
                match c {
                    Some((ops, invalid)) => {
                        report.operations += ops;
                        report.invalid_dates += invalid;
                    }
                    None => report.failed += 1,
                }
            }
        }
        progress.end();
        store.append_event(
            "anonymize",
            &serde_json::to_value(report).unwrap_or_default(),
        )?;
        Ok(report)
    }

    /// Decide, for every instance, which rule's regions to blank (SPEC §7)
    /// and record it in the session; export applies it.
    pub fn redact(&mut self, redactor: &Redactor, progress: &dyn Progress) -> Result<RedactReport> {
        let store = self.store()?;
        let report = redaction::redact(store, redactor, progress)?;
        store.append_event(
            "redact",
            &serde_json::json!({
                "instances": report.instances, "matched": report.matched,
                "redacted": report.redacted, "uncovered": report.uncovered,
                "regions_outside": report.regions_outside, "by_rule": report.by_rule,
            }),
        )?;
        Ok(report)
    }

    /// `redact --preview DIR`: a PNG per machine and rule with the
    /// recorded regions outlined, and `DIR/index.html` listing them. Run
    /// after [`Session::redact`].
    pub fn preview(&mut self, dir: &Path) -> Result<redaction::PreviewReport> {
        redaction::preview::write(self.store()?, dir)
    }

    /// `config init`: a commented config listing every machine, with zones
    /// pre-filled from the built-in CTP knowledge base where a signature
    /// matches its images.
    pub fn scaffold_config(&mut self, inventory: &gantry_store::Inventory) -> Result<String> {
        redaction::prefill::scaffold(self.store()?, inventory)
    }

    /// Write de-identified DICOM under `out` (SPEC §10).
    pub fn export(
        &mut self,
        deid: &Deidentifier,
        out: &Path,
        options: &ExportOptions,
        progress: &dyn Progress,
    ) -> Result<ExportReport> {
        let store = self.store()?;
        let report = export::export(store, deid, out, options, progress)?;
        store.append_event(
            "export",
            &serde_json::json!({
                "written": report.written, "quarantined": report.quarantined,
                "failed": report.failed, "skipped_existing": report.skipped_existing,
                "key_fingerprint": deid.key_source().fingerprint(),
                // Who can recover this export: the project key's fingerprint
                // and the recipients' certificate SHA-256 fingerprints.
                "sealed": options.reversible.then(|| serde_json::json!({
                    "key": matches!(deid.key_source(), crate::KeySource::Project { .. })
                        .then(|| deid.key_source().fingerprint()),
                    "recipients": options.recipients.iter()
                        .map(|r| r.fingerprint()).collect::<Vec<_>>(),
                })),
            }),
        )?;
        Ok(report)
    }

    /// Re-scan an export for anything identifying (SPEC §11).
    pub fn verify(&mut self, out: &Path, progress: &dyn Progress) -> Result<VerifyReport> {
        let store = self.store()?;
        let report = verify::verify(store, out, progress)?;
        store.append_event(
            "verify",
            &serde_json::json!({"files": report.files, "leaks": report.leaks, "findings": report.findings}),
        )?;
        Ok(report)
    }

    /// Every source file and what became of it (SPEC §12.1 `mapping`).
    pub fn mapping(&mut self) -> Result<Vec<MappingRow>> {
        Ok(self.store()?.mapping()?)
    }

    /// The main job: ingest → audit → anonymize → redact → export → verify.
    #[allow(clippy::too_many_arguments)]
    pub fn run(
        &mut self,
        inputs: &[PathBuf],
        out: &Path,
        policy: Policy,
        key_file: Option<&Path>,
        redactor: &Redactor,
        export_options: &ExportOptions,
        progress: &dyn Progress,
    ) -> Result<RunReport> {
        let ingest = self.ingest(inputs, &IngestOptions::default(), progress)?;
        let examine = self.examine()?;
        let deid = self.deidentifier(policy, key_file)?;
        let audit = self.audit(&deid, progress)?;
        let anonymize = self.anonymize(&deid, progress)?;
        let redact = self.redact(redactor, progress)?;
        let export = self.export(&deid, out, export_options, progress)?;
        let verify = self.verify(out, progress)?;
        Ok(RunReport {
            ingest,
            examine,
            audit,
            anonymize,
            redact,
            export,
            verify,
            key: deid.key_source().clone(),
        })
    }

    /// Rewrite the pixel sidecar without dead records.
    pub fn compact(&mut self) -> Result<CompactStats> {
        Ok(self.store()?.compact()?)
    }
}
