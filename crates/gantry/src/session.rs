//! [`Session`]: the library entry point that strings the steps together.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use gantry_model::InstanceId;
use gantry_privacy::Policy;
use gantry_store::{
    Candidate, CompactStats, FindingRow, FindingsSummary, Inventory, MappingRow, Selection, Store,
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
    /// Hash of the config recorded by [`Session::record_config`], named in
    /// the audit-log events of the steps that follow.
    config_hash: Option<String>,
}

impl Session {
    /// Open the session at `path`, creating it if needed.
    pub fn open(path: impl AsRef<Path>) -> Result<Session> {
        let path = path.as_ref().to_path_buf();
        let store = Store::open(&path)?;
        Ok(Session {
            store: Some(store),
            path,
            config_hash: None,
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

    /// An error when the session was purged: `step` needs the sources'
    /// data that [`Session::purge`] removed.
    fn refuse_if_purged(&mut self, step: &str) -> Result<()> {
        match self.store()?.purged_at()? {
            Some(at) => Err(crate::Error::Usage(format!(
                "this session was purged at {at}: it no longer holds the sources' data `{step}` needs; use a new session (--session PATH)"
            ))),
            None => Ok(()),
        }
    }

    /// Remove everything that identifies the sources from this finished
    /// session (SPEC §4; see `gantry_store::Store::purge`): original
    /// headers, findings, source paths, identifying indexed attributes, the
    /// pixel sidecar. Counts, export records, redaction decisions, configs
    /// and the audit log stay, so `examine`, `report` and `mapping` still
    /// work; steps that need the sources refuse. Irreversible.
    pub fn purge(&mut self) -> Result<gantry_store::PurgeStats> {
        Ok(self.store()?.purge()?)
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
        self.refuse_if_purged("ingest")?;
        let store = match self.store.take() {
            Some(store) => store,
            None => Store::open(&self.path)?,
        };
        let (store, report) = ingest::ingest(store, inputs, options, progress)?;
        let store = self.store.insert(store);
        store.append_event("ingest", &serde_json::to_value(report).unwrap_or_default())?;
        Ok(report)
    }

    /// The inventory of the session (SPEC §12.1 `examine`).
    pub fn examine(&mut self) -> Result<Inventory> {
        Ok(self.store()?.inventory()?)
    }

    /// Record the config in force (its canonical JSON, stored in the
    /// session under its SHA-256) and name that hash in the audit-log
    /// events of the steps this session handle runs next (audit,
    /// anonymize, redact, export), so that `report` can say which config
    /// an export was made with. Returns the hash.
    pub fn record_config(&mut self, config: &crate::config::Config) -> Result<String> {
        let hash = self.store()?.record_config(&config.canonical_json())?;
        self.config_hash = Some(hash.clone());
        Ok(hash)
    }

    /// The policy and keys for de-identification: the project key from
    /// `key_file`, or the session's own key.
    pub fn deidentifier(
        &mut self,
        policy: Policy,
        key_file: Option<&Path>,
    ) -> Result<Deidentifier> {
        self.refuse_if_purged("de-identification")?;
        Deidentifier::new(self.store()?, policy, key_file)
    }

    /// PHI findings for every instance under the policy (SPEC §5); stored
    /// in the session, nothing modified. An instance that a redaction
    /// recorded by [`Session::redact`] covers has no burned-in-annotation
    /// finding.
    pub fn audit(&mut self, deid: &Deidentifier, progress: &dyn Progress) -> Result<AuditReport> {
        let config_hash = self.config_hash.clone();
        let store = self.store()?;
        let (audit, _) = plan_pass(store, deid, progress, Pass::Audit)?;
        append_audit_event(store, &audit, config_hash.as_deref())?;
        Ok(audit)
    }

    /// Plan the de-identification of every instance (SPEC §1 `anonymize`).
    /// Plans are computed from the original headers each time, so running
    /// this twice changes nothing; export applies the same plans.
    pub fn anonymize(
        &mut self,
        deid: &Deidentifier,
        progress: &dyn Progress,
    ) -> Result<AnonymizeReport> {
        let config_hash = self.config_hash.clone();
        let store = self.store()?;
        let (_, report) = plan_pass(store, deid, progress, Pass::Anonymize)?;
        append_anonymize_event(store, &report, config_hash.as_deref())?;
        Ok(report)
    }

    /// Decide, for every instance, which rule's regions to blank (SPEC §7)
    /// and record it in the session; export applies it.
    pub fn redact(&mut self, redactor: &Redactor, progress: &dyn Progress) -> Result<RedactReport> {
        self.refuse_if_purged("redact")?;
        let config_hash = self.config_hash.clone();
        let store = self.store()?;
        let report = redaction::redact(store, redactor, progress)?;
        append_redact_event(store, &report, config_hash.as_deref())?;
        Ok(report)
    }

    /// `redact --preview DIR`: a PNG per machine and rule with the
    /// recorded regions outlined, and `DIR/index.html` listing them. Run
    /// after [`Session::redact`].
    pub fn preview(&mut self, dir: &Path) -> Result<redaction::PreviewReport> {
        self.refuse_if_purged("redact --preview")?;
        redaction::preview::write(self.store()?, dir)
    }

    /// `config init`: a commented config listing every machine, with zones
    /// pre-filled from the built-in CTP knowledge base where a signature
    /// matches its images.
    pub fn scaffold_config(&mut self, inventory: &gantry_store::Inventory) -> Result<String> {
        self.refuse_if_purged("config init")?;
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
        let report = export::export(self.store()?, deid, out, options, progress, None)?;
        self.append_export_event(deid, out, options, &report)?;
        Ok(report)
    }

    fn append_export_event(
        &mut self,
        deid: &Deidentifier,
        out: &Path,
        options: &ExportOptions,
        report: &ExportReport,
    ) -> Result<()> {
        let applied = crate::report::Applied::new(deid, options, self.config_hash.as_deref());
        self.store()?.append_event(
            "export",
            &serde_json::json!({
                "root": absolute_root(out),
                "written": report.written, "quarantined": report.quarantined,
                "failed": report.failed, "skipped_existing": report.skipped_existing,
                "redacted": report.redacted, "transcoded": report.transcoded,
                "key_fingerprint": deid.key_source().fingerprint(),
                // What was applied (names and counts; `report` reads it).
                "applied": applied,
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
        Ok(())
    }

    /// Re-scan an export for anything identifying (SPEC §11).
    pub fn verify(&mut self, out: &Path, progress: &dyn Progress) -> Result<VerifyReport> {
        self.refuse_if_purged("verify")?;
        let store = self.store()?;
        let report = verify::verify(store, out, progress)?;
        let mut by_rule: BTreeMap<&str, u64> = BTreeMap::new();
        for detail in &report.details {
            *by_rule.entry(detail.rule.as_str()).or_default() += 1;
        }
        store.append_event(
            "verify",
            &serde_json::json!({
                "root": absolute_root(out),
                "files": report.files, "leaks": report.leaks, "findings": report.findings,
                "by_rule": by_rule,
            }),
        )?;
        Ok(report)
    }

    /// The compliance report (SPEC §11) of this session and one of its
    /// exports: `export` names the export root, by default the latest
    /// one. Reads the session, changes nothing; see [`crate::report`].
    pub fn report(&mut self, export: Option<&Path>) -> Result<crate::report::Report> {
        crate::report::build(self.store()?, export)
    }

    /// Every source file and what became of it (SPEC §12.1 `mapping`).
    pub fn mapping(&mut self) -> Result<Vec<MappingRow>> {
        Ok(self.store()?.mapping()?)
    }

    /// The main job: ingest → audit → anonymize → redact → export → verify
    /// (SPEC §1), run as ingest → export → verify, export deciding each
    /// instance's redaction, audit findings and plan counts from the header
    /// it decodes and the plan it makes anyway: each instance is decoded
    /// and planned once (SPEC §13). The decisions, findings and counts are
    /// those `redact`, `audit` and `anonymize` make (redaction first, so
    /// the audit knows which images a rule covers); instances an earlier
    /// run wrote are decided and planned too. The audit log gets the
    /// steps' events in their order: redact, audit, anonymize, export.
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
        let config_hash = self.config_hash.clone();
        // Redaction decisions, the audit's findings and the anonymize
        // counts come from export's own decoded headers and plans (each
        // instance decoded and planned once); their events precede
        // export's, in the order of the steps.
        let mut sink = export::RunSink::new(redactor);
        let export = export::export(
            self.store()?,
            &deid,
            out,
            export_options,
            progress,
            Some(&mut sink),
        )?;
        let store = self.store()?;
        store.replace_redactions(&sink.redactions)?;
        append_redact_event(store, &sink.redact, config_hash.as_deref())?;
        append_audit_event(store, &sink.audit, config_hash.as_deref())?;
        append_anonymize_event(store, &sink.anonymize, config_hash.as_deref())?;
        self.append_export_event(&deid, out, export_options, &export)?;
        let (redact, audit, anonymize) = (sink.redact, sink.audit, sink.anonymize);
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

/// What a pass over the instances' plans is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pass {
    /// Findings, stored in the session.
    Audit,
    /// Counts of the plans.
    Anonymize,
}

impl Pass {
    fn audits(self) -> bool {
        self == Pass::Audit
    }

    fn phase(self) -> &'static str {
        match self {
            Pass::Audit => "audit",
            Pass::Anonymize => "anonymize",
        }
    }
}

/// One instance after planning: its findings (when auditing) and its
/// plan's counts (operations, invalid dates), `None` when no plan could be
/// made.
pub(crate) type Planned = (InstanceId, Vec<FindingRow>, Option<(u64, u64)>);

/// Decode and plan every instance once (never applying the plan: audit
/// and anonymize only look at it), page by page; with `pass.audits()`,
/// inspect each and replace the stored findings. Storing a page's findings
/// overlaps planning the next page. The audit summary is counted from the
/// findings as they are stored (every instance is audited, so they are
/// all the session holds).
fn plan_pass(
    store: &mut Store,
    deid: &Deidentifier,
    progress: &dyn Progress,
    pass: Pass,
) -> Result<(AuditReport, AnonymizeReport)> {
    let selection = Selection::default();
    let mut after = 0;
    let mut summary = AuditReport::default();
    let mut report = AnonymizeReport::default();
    let mut pending: Vec<(InstanceId, Vec<FindingRow>)> = Vec::new();
    progress.begin(pass.phase(), None);
    loop {
        let page = store.candidates(&selection, after, BATCH)?;
        let Some(last) = page.last() else { break };
        after = last.id.0;
        let covered = if pass.audits() {
            covered_by_redaction(store, &page)?
        } else {
            HashSet::new()
        };
        let to_store = std::mem::take(&mut pending);
        let (stored, planned) = rayon::join(
            || store_findings(store, &mut summary, &to_store),
            || {
                page.par_iter()
                    .map(|candidate| {
                        let planned =
                            plan_one(deid, candidate, pass, covered.contains(&candidate.id));
                        progress.advance(1);
                        planned
                    })
                    .collect::<Vec<Planned>>()
            },
        );
        stored?;
        for (id, findings, counted) in planned {
            count_plan(&mut report, counted);
            if pass.audits() {
                pending.push((id, findings));
            }
        }
    }
    store_findings(store, &mut summary, &pending)?;
    progress.end();
    Ok((summary, report))
}

/// Count one instance's plan into the anonymize report.
fn count_plan(report: &mut AnonymizeReport, counted: Option<(u64, u64)>) {
    report.instances += 1;
    match counted {
        Some((operations, invalid_dates)) => {
            report.operations += operations;
            report.invalid_dates += invalid_dates;
        }
        None => report.failed += 1,
    }
}

/// Plan one instance and, when auditing, inspect it.
fn plan_one(deid: &Deidentifier, candidate: &Candidate, pass: Pass, covered: bool) -> Planned {
    if pass.audits() {
        return plan_for_audit(deid, candidate, covered);
    }
    match deid.plan_only(candidate) {
        Ok((_, plan, _)) => (
            candidate.id,
            Vec::new(),
            Some((plan.ops.len() as u64, plan.invalid_dates.len() as u64)),
        ),
        Err(_) => (candidate.id, Vec::new(), None),
    }
}

/// Plan one instance and inspect it.
pub(crate) fn plan_for_audit(deid: &Deidentifier, candidate: &Candidate, covered: bool) -> Planned {
    match deid.plan_only(candidate) {
        Ok((original, plan, identifiers)) => {
            audited(candidate.id, &original, &plan, &identifiers, covered)
        }
        Err(reason) => unreadable(candidate.id, reason),
    }
}

/// The findings and counts of an instance planned from `original`.
pub(crate) fn audited(
    id: InstanceId,
    original: &dicom_object::InMemDicomObject,
    plan: &gantry_privacy::Plan,
    identifiers: &gantry_privacy::clean::Identifiers,
    covered: bool,
) -> Planned {
    let context = gantry_privacy::InspectContext {
        identifiers,
        redaction_rule: covered,
    };
    let findings = gantry_privacy::inspect(original, plan, &context)
        .into_iter()
        .map(|f| FindingRow {
            path: f.path,
            tag: f.tag,
            rule: f.rule,
            action: f.action,
            preview: f.preview,
        })
        .collect();
    let counted = Some((plan.ops.len() as u64, plan.invalid_dates.len() as u64));
    (id, findings, counted)
}

/// An instance no plan could be made for: one `unreadable` finding with
/// the reason (which names no value).
pub(crate) fn unreadable(id: InstanceId, reason: String) -> Planned {
    let finding = FindingRow {
        path: String::new(),
        tag: String::new(),
        rule: "unreadable".into(),
        action: "review".into(),
        preview: reason,
    };
    (id, vec![finding], None)
}

/// Store a page's findings and count its plans into `sink` (the main
/// job's audit, made from export's plans).
pub(crate) fn collect_planned(
    store: &mut Store,
    sink: &mut crate::export::RunSink<'_>,
    planned: impl Iterator<Item = Planned>,
) -> Result<()> {
    let mut batch = Vec::new();
    for (id, findings, counted) in planned {
        count_plan(&mut sink.anonymize, counted);
        batch.push((id, findings));
    }
    store_findings(store, &mut sink.audit, &batch)
}

/// The instances of `page` whose pixels a recorded redaction covers: a
/// rule with regions on the image, or a matching rule without regions (a
/// machine known to be clean) — as export's `blanking` decides.
fn covered_by_redaction(store: &Store, page: &[Candidate]) -> Result<HashSet<InstanceId>> {
    let ids: Vec<InstanceId> = page.iter().map(|c| c.id).collect();
    Ok(store
        .redactions_for(&ids)?
        .into_iter()
        .filter(|(_, row)| row.covers_image())
        .map(|(id, _)| id)
        .collect())
}

/// Replace the stored findings of a page and count them into `summary`.
fn store_findings(
    store: &mut Store,
    summary: &mut AuditReport,
    batch: &[(InstanceId, Vec<FindingRow>)],
) -> Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    store.replace_findings(batch)?;
    for (_, findings) in batch.iter().filter(|(_, f)| !f.is_empty()) {
        summary.findings += findings.len() as u64;
        summary.instances_with_findings += 1;
        for finding in findings {
            count(&mut summary.by_rule, &finding.rule);
            count(&mut summary.by_tag, &finding.tag);
        }
    }
    Ok(())
}

fn count(counts: &mut BTreeMap<String, u64>, key: &str) {
    match counts.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            counts.insert(key.to_owned(), 1);
        }
    }
}

fn append_redact_event(
    store: &mut Store,
    report: &RedactReport,
    config_hash: Option<&str>,
) -> Result<()> {
    store.append_event(
        "redact",
        &serde_json::json!({
            "instances": report.instances, "matched": report.matched,
            "redacted": report.redacted, "uncovered": report.uncovered,
            "regions_outside": report.regions_outside, "by_rule": report.by_rule,
            "config_hash": config_hash,
        }),
    )?;
    Ok(())
}

fn append_audit_event(
    store: &mut Store,
    audit: &AuditReport,
    config_hash: Option<&str>,
) -> Result<()> {
    store.append_event(
        "audit",
        &serde_json::json!({
            "findings": audit.findings, "instances_with_findings": audit.instances_with_findings,
            "config_hash": config_hash,
        }),
    )?;
    Ok(())
}

fn append_anonymize_event(
    store: &mut Store,
    report: &AnonymizeReport,
    config_hash: Option<&str>,
) -> Result<()> {
    let mut details = serde_json::to_value(report).unwrap_or_default();
    if let Some(object) = details.as_object_mut() {
        object.insert("config_hash".into(), config_hash.into());
    }
    store.append_event("anonymize", &details)?;
    Ok(())
}

/// An export root as export records it (absolute, lossy UTF-8); the path
/// as given when it cannot be made absolute.
fn absolute_root(out: &Path) -> String {
    std::path::absolute(out)
        .unwrap_or_else(|_| out.to_path_buf())
        .to_string_lossy()
        .into_owned()
}
