//! Export (SPEC §10): write de-identified DICOM, atomically, resumably,
//! in parallel with bounded memory, with a manifest.
//!
//! Instances are taken from the session in pages of 512 (id order).
//! Per page: (1) in parallel, each header is decoded, planned and
//! de-identified and its output path rendered from the layout; (2) in id
//! order, output paths are claimed — two instances that would land on the
//! same path (files sharing a SOPInstanceUID) are resolved
//! deterministically: the first by id is written, the other quarantined
//! (claims of earlier pages and runs are looked up in the session, so
//! memory does not grow with the export);
//! `--safe` re-inspection happens here too; (3) in parallel, files are
//! written ([`write`]); (4) the page's outcomes are recorded in one
//! transaction. A resumed export skips instances recorded as written whose
//! file is still there with the recorded size, and removes temporary files
//! a crash left behind.

pub mod filter;
pub mod layout;
mod manifest;
pub(crate) mod pixels;
mod write;

pub(crate) use manifest::atomic_write as write_file_atomically;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use dicom_object::InMemDicomObject;
use gantry_privacy::clean::Identifiers;
use gantry_store::{Candidate, ExportRecord, ExportStatus, Selection, Store};
use rayon::prelude::*;

use crate::deid::Deidentifier;
use crate::{Error, Progress, Result};

/// Instances per page.
const PAGE: usize = 512;

/// How to export.
#[derive(Clone, Debug)]
pub struct ExportOptions {
    /// Layout template (see [`layout`]).
    pub layout: String,
    /// Re-inspect every outgoing data set and quarantine any with findings.
    pub safe: bool,
    /// Which instances.
    pub selection: Selection,
    /// Seal the original values of everything changed into each instance
    /// (SPEC §6.6): with the project key (AES-SIV) when the de-identifier
    /// has one, and for every recipient below.
    pub reversible: bool,
    /// Recipient certificates of reversible sealing: one CMS item each.
    pub recipients: Vec<gantry_privacy::seal::Recipient>,
    /// Write every instance in this transfer syntax (a UID); `None` keeps
    /// each source's own, except where redaction needs another: then the
    /// source's when Gantry can encode it losslessly, else JPEG-LS lossless
    /// (grey) or RLE (colour); a lossy image is never re-compressed lossily.
    pub transfer_syntax: Option<String>,
    /// The manifest's checksum of every written file.
    pub checksum: Checksum,
}

/// The checksum the manifest gives each written file, computed as the file
/// is written, as `algorithm:hex`.
///
/// BLAKE3 by default (check with `b3sum`): it is cryptographic like
/// SHA-256 and costs a fraction of it — with SHA-256 (SHA-NI), hashing was
/// 9–12% of the main job's CPU time. SHA-256 (`sha256sum`) for workflows
/// that require it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Checksum {
    /// BLAKE3, 256-bit.
    #[default]
    Blake3,
    /// SHA-256.
    Sha256,
}

impl Checksum {
    /// `blake3` or `sha256`, as in the manifest's values.
    pub fn as_str(self) -> &'static str {
        match self {
            Checksum::Blake3 => "blake3",
            Checksum::Sha256 => "sha256",
        }
    }

    /// The algorithm called `name` (ASCII case-insensitive).
    pub fn parse(name: &str) -> Option<Checksum> {
        [Checksum::Blake3, Checksum::Sha256]
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            layout: layout::DEFAULT_LAYOUT.to_string(),
            safe: false,
            selection: Selection::default(),
            reversible: false,
            recipients: Vec::new(),
            transfer_syntax: None,
            checksum: Checksum::default(),
        }
    }
}

/// What an export did (SPEC §12.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ExportReport {
    /// Files written in this run.
    pub written: u64,
    /// Instances quarantined (not written), with reasons in the manifest.
    pub quarantined: u64,
    /// Instances that could not be written.
    pub failed: u64,
    /// Instances already written by an earlier run and still intact.
    pub skipped_existing: u64,
    /// Written instances whose burned-in text was redacted.
    pub redacted: u64,
    /// Written instances whose pixels were decoded and re-encoded
    /// (redaction or `--transfer-syntax`).
    pub transcoded: u64,
    /// Total size of the source files of the instances written.
    pub source_bytes: u64,
    /// Total size of the files written.
    pub written_bytes: u64,
}

struct Prepared {
    candidate: Candidate,
    outcome: std::result::Result<Ready, (ExportStatus, String)>,
    /// With a [`RunSink`]: the instance's redaction decision, audit
    /// findings and plan counts, from the header export decoded anyway.
    decided: Option<(crate::redaction::Decision, crate::session::Planned)>,
}

/// What `run` decides inside export, from export's own decoded headers and
/// plans, so that the main job decodes and plans each instance once (SPEC
/// §13): the redaction decisions (recorded at the end, as `redact` records
/// them), the audit's findings and the anonymize step's counts. Every
/// selected instance is decided, including those an earlier run already
/// wrote (planned, not rewritten).
pub(crate) struct RunSink<'r> {
    pub(crate) redactor: &'r crate::redaction::Redactor,
    pub(crate) redact: crate::redaction::RedactReport,
    pub(crate) redactions: Vec<gantry_store::RedactionRow>,
    pub(crate) audit: crate::AuditReport,
    pub(crate) anonymize: crate::AnonymizeReport,
}

impl<'r> RunSink<'r> {
    pub(crate) fn new(redactor: &'r crate::redaction::Redactor) -> Self {
        RunSink {
            redactor,
            redact: Default::default(),
            redactions: Vec::new(),
            audit: Default::default(),
            anonymize: Default::default(),
        }
    }
}

struct Ready {
    deidentified: InMemDicomObject,
    path: String,
    identifiers: Identifiers,
    /// Rectangles to blank, as recorded by `redact`.
    blank: Option<Vec<gantry_redact::Region>>,
}

pub(crate) fn export(
    store: &mut Store,
    deid: &Deidentifier,
    out: &Path,
    options: &ExportOptions,
    progress: &dyn Progress,
    mut sink: Option<&mut RunSink<'_>>,
) -> Result<ExportReport> {
    layout::validate(&options.layout).map_err(|e| Error::Usage(e.to_string()))?;
    if options.reversible
        && options.recipients.is_empty()
        && !matches!(deid.source, crate::KeySource::Project { .. })
    {
        return Err(Error::Usage(
            "reversible export needs a project key or a recipient certificate: the session's own key cannot be used outside it".into(),
        ));
    }
    fs_err::create_dir_all(out).map_err(|source| Error::Input {
        path: out.to_path_buf(),
        source,
    })?;
    let root_path = std::path::absolute(out).map_err(|source| Error::Input {
        path: out.to_path_buf(),
        source,
    })?;
    let root = root_path.to_string_lossy().into_owned();
    remove_stale_temporaries(&root_path);
    let sidecar = store.sidecar_reader()?;
    let clean_pixel_data = deid
        .policy
        .profile
        .has_option(gantry_privacy::profile::ProfileOption::CleanPixelData);
    let target = options.transfer_syntax.as_deref();
    progress.begin("export", None);
    let mut report = ExportReport::default();
    let mut after = 0i64;
    loop {
        let page = store.candidates(&options.selection, after, PAGE)?;
        let Some(last) = page.last() else { break };
        after = last.id.0;

        // Resume: skip what an earlier run wrote and is intact on disk.
        let ids: Vec<_> = page.iter().map(|c| c.id).collect();
        let written_before = store.written_under(&root, &ids)?;
        let mut todo = Vec::with_capacity(page.len());
        let mut skipped = Vec::new();
        for candidate in page {
            match written_before.get(&candidate.id) {
                Some((path, size))
                    if std::fs::metadata(root_path.join(path)).is_ok_and(|m| m.len() == *size) =>
                {
                    report.skipped_existing += 1;
                    progress.advance(1);
                    skipped.push(candidate);
                }
                _ => todo.push(candidate),
            }
        }

        // (1) de-identify in parallel.
        let redactor = sink.as_ref().map(|sink| sink.redactor);
        // Recorded by `redact`, unless this is `run`, which decides here.
        let recorded = match redactor {
            None => store.redactions_for(&ids)?,
            Some(_) => HashMap::new(),
        };
        let mut prepared: Vec<Prepared> = todo
            .into_par_iter()
            .map(|candidate| {
                let run = deid.run(&candidate);
                let decided = redactor.map(|redactor| match &run {
                    Ok((original, _, plan, identifiers)) => {
                        decide_and_audit(redactor, &candidate, original, plan, identifiers)
                    }
                    Err(reason) => undecided(&candidate, reason.clone()),
                });
                let redaction = match &decided {
                    Some((decision, _)) => decision.row(),
                    None => recorded.get(&candidate.id),
                };
                let outcome = run
                    .map_err(|reason| (ExportStatus::Failed, reason))
                    .and_then(|(original, mut deidentified, plan, identifiers)| {
                        let blank = blanking(&candidate, redaction, clean_pixel_data)
                            .map_err(|reason| (ExportStatus::Quarantined, reason))?;
                        if blank.is_some() {
                            pixels::note_redaction(&mut deidentified);
                        }
                        if options.reversible {
                            seal_originals(deid, options, &original, &plan, &mut deidentified)
                                .map_err(|e| (ExportStatus::Failed, e))?;
                        }
                        let path = layout::render(&options.layout, &deidentified)
                            .map_err(|e| (ExportStatus::Failed, e.to_string()))?;
                        Ok(Ready {
                            deidentified,
                            path,
                            identifiers,
                            blank,
                        })
                    });
                Prepared {
                    candidate,
                    outcome,
                    decided,
                }
            })
            .collect();
        if let Some(sink) = sink.as_deref_mut() {
            // Instances written before are decided and planned, not
            // rewritten.
            let earlier: Vec<_> = skipped
                .par_iter()
                .map(|candidate| match deid.plan_only(candidate) {
                    Ok((original, plan, identifiers)) => {
                        decide_and_audit(sink.redactor, candidate, &original, &plan, &identifiers)
                    }
                    Err(reason) => undecided(candidate, reason),
                })
                .collect();
            let mut planned = Vec::with_capacity(prepared.len() + earlier.len());
            for (decision, one) in prepared
                .iter_mut()
                .filter_map(|p| p.decided.take())
                .chain(earlier)
            {
                crate::redaction::tally(&mut sink.redact, &mut sink.redactions, decision);
                planned.push(one);
            }
            crate::session::collect_planned(store, sink, planned.into_iter())?;
        }

        // (2) claim paths in id order; --safe re-inspection. Claims of
        // earlier pages and runs are in the session (recorded at (4)); this
        // page's are in `claimed`.
        let mut to_write = Vec::with_capacity(prepared.len());
        let mut records = Vec::new();
        let mut claimed: HashMap<String, i64> = HashMap::new();
        for Prepared {
            candidate, outcome, ..
        } in prepared
        {
            let owner = match &outcome {
                Ok(ready) => match claimed.get(&ready.path) {
                    Some(&owner) => Some(owner),
                    None => store.path_owner(&root, &ready.path)?.map(|id| id.0),
                },
                Err(_) => None,
            };
            let outcome = outcome.and_then(|ready| {
                match owner {
                    Some(owner) if owner != candidate.id.0 => {
                        return Err((
                            ExportStatus::Quarantined,
                            format!(
                                "duplicate SOPInstanceUID: another source of the same instance was written as {}",
                                ready.path
                            ),
                        ));
                    }
                    _ => {}
                }
                if options.safe
                    && let Some(reason) = safe_check(&ready) {
                        return Err((ExportStatus::Quarantined, reason));
                    }
                claimed.insert(ready.path.clone(), candidate.id.0);
                Ok(ready)
            });
            match outcome {
                Ok(ready) => to_write.push((candidate, ready)),
                Err((status, reason)) => {
                    match status {
                        ExportStatus::Quarantined => report.quarantined += 1,
                        _ => report.failed += 1,
                    }
                    progress.advance(1);
                    records.push(record(
                        &candidate,
                        &root,
                        None,
                        status,
                        Some(reason),
                        deid,
                        None,
                    ));
                }
            }
        }

        // (3) write in parallel.
        let written: Vec<Outcome> = to_write
            .into_par_iter()
            .map(|(candidate, ready)| {
                let dest = root_path.join(&ready.path);
                let result = write_one(
                    &dest,
                    &candidate,
                    &ready,
                    target,
                    sidecar.as_ref(),
                    options.checksum,
                );
                progress.advance(1);
                match result {
                    Ok((w, outcome)) => Outcome::Written(
                        outcome,
                        record(
                            &candidate,
                            &root,
                            Some((ready.path, w)),
                            ExportStatus::Written,
                            None,
                            deid,
                            Some(&ready.deidentified),
                        ),
                    ),
                    Err(e) => Outcome::Failed(record(
                        &candidate,
                        &root,
                        None,
                        ExportStatus::Failed,
                        Some(e),
                        deid,
                        None,
                    )),
                }
            })
            .collect();
        for outcome in written {
            match outcome {
                Outcome::Written(written, r) => {
                    report.written += 1;
                    report.redacted += u64::from(written.redacted);
                    report.transcoded += u64::from(written.transcoded);
                    report.source_bytes += written.source_bytes;
                    report.written_bytes += r.size.unwrap_or(0);
                    records.push(r);
                }
                Outcome::Failed(r) => {
                    report.failed += 1;
                    records.push(r);
                }
            }
        }
        // (4) record the page.
        store.record_exports(&records)?;
    }
    progress.end();
    manifest::write(store, &root_path, &root)?;
    Ok(report)
}

/// `run`'s decisions for one planned instance: its redaction, then its
/// audit findings (knowing whether the redaction covers the image) and
/// plan counts.
fn decide_and_audit(
    redactor: &crate::redaction::Redactor,
    candidate: &Candidate,
    original: &InMemDicomObject,
    plan: &gantry_privacy::Plan,
    identifiers: &Identifiers,
) -> (crate::redaction::Decision, crate::session::Planned) {
    let decision = crate::redaction::decide(redactor, candidate, original);
    let covered = decision
        .row()
        .is_some_and(gantry_store::RedactionRow::covers_image);
    let planned = crate::session::audited(candidate.id, original, plan, identifiers, covered);
    (decision, planned)
}

/// `run`'s decisions for an instance no plan could be made for.
fn undecided(
    candidate: &Candidate,
    reason: String,
) -> (crate::redaction::Decision, crate::session::Planned) {
    (
        crate::redaction::Decision::Failed,
        crate::session::unreadable(candidate.id, reason),
    )
}

/// What writing one instance did.
enum Outcome {
    Written(WriteOutcome, ExportRecord),
    Failed(ExportRecord),
}

#[derive(Clone, Copy, Debug, Default)]
struct WriteOutcome {
    redacted: bool,
    transcoded: bool,
    source_bytes: u64,
}

/// The regions to blank on `candidate`, from its recorded redaction; with
/// the clean-pixel-data option, an error (the quarantine reason) when the
/// image may carry burned-in text and no rule covers it.
fn blanking(
    candidate: &Candidate,
    redaction: Option<&gantry_store::RedactionRow>,
    clean_pixel_data: bool,
) -> std::result::Result<Option<Vec<gantry_redact::Region>>, String> {
    let covered = redaction.is_some_and(gantry_store::RedactionRow::covers_image);
    if clean_pixel_data
        && !covered
        && gantry_privacy::likely_burned_in(
            candidate.burned_in_annotation.as_deref(),
            candidate.modality.as_deref(),
        )
    {
        return Err(
            "clean-pixel-data: the image may carry burned-in text (BurnedInAnnotation YES or its modality) and no redaction rule covers it; add zones for its machine (gantry config init) and run gantry redact".into(),
        );
    }
    let Some(row) = redaction.filter(|r| !r.regions.is_empty()) else {
        return Ok(None);
    };
    row.regions
        .iter()
        .map(|&rect| gantry_redact::Region::from_gantry(rect))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map(Some)
        .map_err(|e| format!("recorded redaction ({}) is invalid: {e}", row.rule))
}

/// Write one prepared instance: splice its pixels, or decode, redact and
/// re-encode them (see [`pixels`]).
fn write_one(
    dest: &Path,
    candidate: &Candidate,
    ready: &Ready,
    target: Option<&str>,
    sidecar: Option<&gantry_store::Sidecar>,
    checksum: Checksum,
) -> std::result::Result<(write::Written, WriteOutcome), String> {
    let source_path = Path::new(&candidate.path);
    let mut outcome = WriteOutcome {
        source_bytes: std::fs::metadata(source_path).map(|m| m.len()).unwrap_or(0),
        ..WriteOutcome::default()
    };
    let Some(pixel_ref) = candidate.pixels.as_ref() else {
        let ts = target.unwrap_or(match candidate.transfer_syntax.as_str() {
            pixels::DEFLATED => pixels::EXPLICIT_VR_LE,
            ts => ts,
        });
        let written = write::write_instance(
            dest,
            &ready.deidentified,
            ts,
            write::PixelOutput::None,
            checksum,
        )
        .map_err(|e| e.to_string())?;
        return Ok((written, outcome));
    };
    let format = pixels::pixel_format(&ready.deidentified);
    let monochrome = format.as_ref().is_ok_and(|f| f.photometric.is_monochrome());
    let plan = pixels::plan(
        &candidate.transfer_syntax,
        target,
        ready.blank.is_some(),
        monochrome,
    );
    let written = match plan {
        pixels::PixelPlan::Splice { transfer_syntax } => write::write_instance(
            dest,
            &ready.deidentified,
            transfer_syntax,
            write::PixelOutput::Splice {
                pixels: pixel_ref,
                source_path,
                sidecar,
            },
            checksum,
        )
        .map_err(|e| e.to_string())?,
        pixels::PixelPlan::Rewrite { transfer_syntax } => {
            let format = format?;
            let source = match pixel_ref.location {
                gantry_model::PixelLocation::Source { offset, length } => {
                    pixels::SourceValue::File {
                        path: source_path,
                        offset,
                        length,
                    }
                }
                gantry_model::PixelLocation::Sidecar(id) => pixels::SourceValue::Memory(
                    sidecar
                        .ok_or("the session's pixel sidecar is missing")?
                        .read(id)
                        .map_err(|e| e.to_string())?,
                ),
            };
            let fill = ready
                .blank
                .as_ref()
                .map(|_| crate::redaction::fill_for(&ready.deidentified));
            let blanking = match (&ready.blank, &fill) {
                (Some(regions), Some(fill)) => Some(pixels::Blanking { regions, fill }),
                _ => None,
            };
            // The source's own syntax names its pixel bytes (a deflated
            // source's are Explicit VR Little Endian bytes).
            let source_ts = match candidate.transfer_syntax.as_str() {
                pixels::DEFLATED => pixels::EXPLICIT_VR_LE,
                ts => ts,
            };
            let reader = pixels::FrameReader::open(
                source,
                source_ts,
                pixel_ref.is_encapsulated(),
                pixel_ref.vr == dicom_core::VR::OW,
                format,
                pixels::number_of_frames(&ready.deidentified),
            )?;
            let encoded = pixels::rewrite(reader, transfer_syntax, blanking.as_ref())?;
            let mut header = ready.deidentified.clone();
            pixels::note_rewrite(&mut header, &encoded.format, source_ts, transfer_syntax);
            outcome.transcoded = true;
            outcome.redacted = ready.blank.is_some();
            write::write_instance(
                dest,
                &header,
                transfer_syntax,
                write::PixelOutput::Encoded(&encoded),
                checksum,
            )
            .map_err(|e| e.to_string())?
        }
    };
    Ok((written, outcome))
}

fn record(
    candidate: &Candidate,
    root: &str,
    written: Option<(String, write::Written)>,
    status: ExportStatus,
    reason: Option<String>,
    deid: &Deidentifier,
    deidentified: Option<&InMemDicomObject>,
) -> ExportRecord {
    let text = |tag| {
        deidentified
            .and_then(|o| o.get(tag))
            .and_then(|e| e.to_str().ok())
            .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
    };
    use dicom_dictionary_std::tags;
    let (path, size, checksum) = match written {
        Some((path, w)) => (Some(path), Some(w.size), Some(w.checksum)),
        None => (None, None, None),
    };
    ExportRecord {
        instance: candidate.id,
        root: root.to_string(),
        path,
        status,
        reason,
        size,
        checksum,
        sop_instance_uid: text(tags::SOP_INSTANCE_UID),
        study_instance_uid: text(tags::STUDY_INSTANCE_UID),
        series_instance_uid: text(tags::SERIES_INSTANCE_UID),
        patient_id: text(tags::PATIENT_ID),
        key_fingerprint: Some(deid.key_source().fingerprint().to_string()),
    }
}

/// Seal the originals of everything the plan changes into the
/// de-identified header (Encrypted Attributes Sequence): for each
/// recipient, and with the project key (never the session's own key, which
/// cannot be used outside the session).
fn seal_originals(
    deid: &Deidentifier,
    options: &ExportOptions,
    original: &InMemDicomObject,
    plan: &gantry_privacy::Plan,
    deidentified: &mut InMemDicomObject,
) -> std::result::Result<(), String> {
    use dicom_dictionary_std::tags;
    let sop = deidentified
        .get(tags::SOP_INSTANCE_UID)
        .and_then(|e| e.to_str().ok())
        .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
        .unwrap_or_default();
    let originals = gantry_privacy::seal::originals(original, plan);
    let key = matches!(deid.source, crate::KeySource::Project { .. }).then_some(&deid.keys);
    let sealed = gantry_privacy::seal::seal_for(originals, key, &options.recipients, &sop)
        .map_err(|e| e.to_string())?;
    deidentified.put(sealed);
    Ok(())
}

/// `--safe`: the patient's identifiers must not appear in any text value
/// of the outgoing data set. Returns a reason naming the attribute (never
/// the value) when one does.
fn safe_check(ready: &Ready) -> Option<String> {
    fn walk(obj: &InMemDicomObject, ids: &Identifiers, prefix: &str) -> Option<String> {
        use dicom_core::header::Header as _;
        use dicom_core::value::Value;
        for element in obj.iter() {
            let path = format!("{prefix}{}", element.tag());
            match element.value() {
                Value::Sequence(seq) => {
                    for (i, item) in seq.items().iter().enumerate() {
                        if let Some(hit) = walk(item, ids, &format!("{path}[{i}].")) {
                            return Some(hit);
                        }
                    }
                }
                Value::Primitive(_)
                    if !matches!(
                        element.vr(),
                        dicom_core::VR::UI
                            | dicom_core::VR::OB
                            | dicom_core::VR::OW
                            | dicom_core::VR::OF
                            | dicom_core::VR::OD
                            | dicom_core::VR::OL
                            | dicom_core::VR::OV
                            | dicom_core::VR::UN
                            | dicom_core::VR::US
                            | dicom_core::VR::SS
                            | dicom_core::VR::UL
                            | dicom_core::VR::SL
                            | dicom_core::VR::FL
                            | dicom_core::VR::FD
                    ) =>
                {
                    if let Ok(text) = element.to_str()
                        && !ids.find(&text).is_empty()
                    {
                        return Some(format!("--safe: a patient identifier remains in {path}"));
                    }
                }
                _ => {}
            }
        }
        None
    }
    walk(&ready.deidentified, &ready.identifiers, "")
}

/// Remove `.*.gantry-tmp` files a killed export left under `root`.
fn remove_stale_temporaries(root: &Path) {
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path: PathBuf = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(path),
                Ok(_) if path.to_string_lossy().ends_with(".gantry-tmp") => {
                    let _ = std::fs::remove_file(&path);
                }
                _ => {}
            }
        }
    }
}
