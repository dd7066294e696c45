//! Export (SPEC §10): write de-identified DICOM, atomically, resumably,
//! in parallel with bounded memory, with a manifest.
//!
//! Instances are taken from the session in pages of 512 (id order).
//! Per page: (1) in parallel, each header is decoded, planned and
//! de-identified and its output path rendered from the layout; (2) in id
//! order, output paths are claimed — two instances that would land on the
//! same path (files sharing a SOPInstanceUID) are resolved
//! deterministically: the first by id is written, the other quarantined;
//! `--safe` re-inspection happens here too; (3) in parallel, files are
//! written ([`write`]); (4) the page's outcomes are recorded in one
//! transaction. A resumed export skips instances recorded as written whose
//! file is still there with the recorded size, and removes temporary files
//! a crash left behind.

pub mod filter;
pub mod layout;
mod manifest;
mod write;

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
    /// (SPEC §6.6, project key, AES-SIV).
    pub reversible: bool,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            layout: layout::DEFAULT_LAYOUT.to_string(),
            safe: false,
            selection: Selection::default(),
            reversible: false,
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
}

struct Prepared {
    candidate: Candidate,
    outcome: std::result::Result<Ready, (ExportStatus, String)>,
}

struct Ready {
    deidentified: InMemDicomObject,
    path: String,
    identifiers: Identifiers,
}

pub(crate) fn export(
    store: &mut Store,
    deid: &Deidentifier,
    out: &Path,
    options: &ExportOptions,
    progress: &dyn Progress,
) -> Result<ExportReport> {
    layout::validate(&options.layout).map_err(|e| Error::Usage(e.to_string()))?;
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
    // What earlier runs wrote under this root: the paths they claimed, and
    // per instance the path and size to check a resumed export against.
    let mut claimed: HashMap<String, i64> = HashMap::new();
    let mut written_before: HashMap<i64, (String, u64)> = HashMap::new();
    for (_, record) in store.exports_under(&root)? {
        if let Some(path) = record.path {
            claimed.insert(path.clone(), record.instance.0);
            if let (ExportStatus::Written, Some(size)) = (record.status, record.size) {
                written_before.insert(record.instance.0, (path, size));
            }
        }
    }

    progress.begin("export", None);
    let mut report = ExportReport::default();
    let mut after = 0i64;
    loop {
        let page = store.candidates(&options.selection, after, PAGE)?;
        let Some(last) = page.last() else { break };
        after = last.id.0;

        // Resume: skip what is intact on disk.
        let mut todo = Vec::with_capacity(page.len());
        for candidate in page {
            match written_before.get(&candidate.id.0) {
                Some((path, size))
                    if std::fs::metadata(root_path.join(path)).is_ok_and(|m| m.len() == *size) =>
                {
                    report.skipped_existing += 1;
                    progress.advance(1);
                }
                _ => todo.push(candidate),
            }
        }

        // (1) de-identify in parallel.
        let prepared: Vec<Prepared> = todo
            .into_par_iter()
            .map(|candidate| {
                let outcome = deid
                    .run(&candidate)
                    .map_err(|reason| (ExportStatus::Failed, reason))
                    .and_then(|(original, mut deidentified, plan, identifiers)| {
                        if options.reversible {
                            seal_originals(deid, &original, &plan, &mut deidentified)
                                .map_err(|e| (ExportStatus::Failed, e))?;
                        }
                        let path = layout::render(&options.layout, &deidentified)
                            .map_err(|e| (ExportStatus::Failed, e.to_string()))?;
                        Ok(Ready {
                            deidentified,
                            path,
                            identifiers,
                        })
                    });
                Prepared { candidate, outcome }
            })
            .collect();

        // (2) claim paths in id order; --safe re-inspection.
        let mut to_write = Vec::with_capacity(prepared.len());
        let mut records = Vec::new();
        for Prepared { candidate, outcome } in prepared {
            let outcome = outcome.and_then(|ready| {
                match claimed.get(&ready.path) {
                    Some(&owner) if owner != candidate.id.0 => {
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
        let written: Vec<ExportRecord> = to_write
            .into_par_iter()
            .map(|(candidate, ready)| {
                let dest = root_path.join(&ready.path);
                let result = write::write_instance(
                    &dest,
                    &ready.deidentified,
                    Path::new(&candidate.path),
                    candidate.pixels.as_ref(),
                    &candidate.transfer_syntax,
                    sidecar.as_ref(),
                );
                progress.advance(1);
                match result {
                    Ok(w) => record(
                        &candidate,
                        &root,
                        Some((ready.path, w)),
                        ExportStatus::Written,
                        None,
                        deid,
                        Some(&ready.deidentified),
                    ),
                    Err(e) => record(
                        &candidate,
                        &root,
                        None,
                        ExportStatus::Failed,
                        Some(e.to_string()),
                        deid,
                        None,
                    ),
                }
            })
            .collect();
        for r in &written {
            match r.status {
                ExportStatus::Written => report.written += 1,
                _ => report.failed += 1,
            }
        }
        records.extend(written);
        // (4) record the page.
        store.record_exports(&records)?;
    }
    progress.end();
    manifest::write(store, &root_path, &root)?;
    Ok(report)
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
    let (path, size, sha256) = match written {
        Some((path, w)) => (Some(path), Some(w.size), Some(w.sha256)),
        None => (None, None, None),
    };
    ExportRecord {
        instance: candidate.id,
        root: root.to_string(),
        path,
        status,
        reason,
        size,
        sha256,
        sop_instance_uid: text(tags::SOP_INSTANCE_UID),
        study_instance_uid: text(tags::STUDY_INSTANCE_UID),
        series_instance_uid: text(tags::SERIES_INSTANCE_UID),
        patient_id: text(tags::PATIENT_ID),
        key_fingerprint: Some(deid.key_source().fingerprint().to_string()),
    }
}

/// Seal the originals of everything the plan changes into the
/// de-identified header (Encrypted Attributes Sequence).
fn seal_originals(
    deid: &Deidentifier,
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
    let sealed =
        gantry_privacy::seal::seal(originals, &deid.keys, &sop).map_err(|e| e.to_string())?;
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
