//! Verification of an export (SPEC §11): an independent re-scan of the
//! output tree.
//!
//! Every file under the export root (manifests excluded) is read back with
//! dicom-object — a file that does not parse is a finding — and checked
//! for the de-identification stamp; then every value in it (through all
//! sequences; text values as text, private and other binary values as
//! raw bytes) *and its path* are searched (Aho-Corasick, ASCII
//! case-insensitive) for every identifying string the session knows:
//! patient names and their family-name parts, IDs, birth dates, accession
//! numbers, institution names, and every original Study/Series/SOP
//! Instance UID. A hit is a leak, reported with file, attribute path and
//! kind — never the value.
//!
//! A match counts only as a whole token: the bytes around it must not be
//! letters or digits (an ID `12345` inside a remapped UID `2.25.…12345…`
//! is no leak). Not searched, because they would match where no one is
//! identified: strings with fewer than 4 letters or digits, numeric-only
//! strings shorter than 6 digits, institution names shorter than 5
//! characters; the dummy tokens Gantry writes (`ANONYMOUS`, the pseudonym
//! prefix …) and strings they begin with; strings contained in an
//! equipment name the profile keeps (test data often puts the
//! manufacturer in InstitutionName); well-known UIDs (a palette's SOP
//! Instance UID is a registry UID that must stay). Code strings (CS) are
//! not searched (defined terms such as ImageType `PERFUSION` are not a
//! patient named Perfusion), nor numbers in binary VRs, nor the top-level
//! Pixel Data (samples, not text; burned-in text is the redaction step's
//! business).

use std::path::{Path, PathBuf};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use dicom_dictionary_std::tags;
use gantry_store::Store;
use rayon::prelude::*;

use crate::{Error, Progress, Result};

/// One problem found in the output.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct VerifyDetail {
    /// File, relative to the export root.
    pub file: String,
    /// Where: `byte 1234`, `path`, or an attribute.
    pub location: String,
    /// What: `leak:name`, `leak:id`, `leak:date`, `leak:uid`,
    /// `unreadable`, `not-stamped`.
    pub rule: String,
}

/// The result of `gantry verify` (SPEC §12.1).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct VerifyReport {
    /// Files checked.
    pub files: u64,
    /// Identifying strings found.
    pub leaks: u64,
    /// Other findings (unreadable, not stamped).
    pub findings: u64,
    /// Every leak and finding.
    pub details: Vec<VerifyDetail>,
}

impl VerifyReport {
    /// Whether the output is clean.
    pub fn is_clean(&self) -> bool {
        self.leaks == 0 && self.findings == 0
    }
}

/// Tokens Gantry writes as dummies; never searched for.
const OWN_TOKENS: &[&str] = &["ANONYMOUS", "ANONYMIZED", "ANON", "REMOVED"];

#[derive(Clone, Copy)]
enum Kind {
    Name,
    Id,
    Uid,
}

pub(crate) fn verify(store: &Store, out: &Path, progress: &dyn Progress) -> Result<VerifyReport> {
    let known = store.known_identifiers()?;
    let mut patterns: Vec<(String, Kind)> = Vec::new();
    let equipment: Vec<String> = known
        .equipment
        .iter()
        .map(|e| e.trim().to_ascii_uppercase())
        .collect();
    let own = |s: &str| {
        let s = s.to_ascii_uppercase();
        OWN_TOKENS
            .iter()
            .any(|t| t.starts_with(&s) || s.starts_with(t))
            || equipment.iter().any(|e| e.contains(&s))
    };
    let mut push = |s: &str, kind: Kind, min_len: usize| {
        let s = s.trim_end_matches(['\0', ' ']).trim();
        let alnum = s.chars().filter(|c| c.is_alphanumeric()).count();
        let numeric = s.chars().all(|c| c.is_ascii_digit());
        let searchable = alnum >= 4 && s.chars().count() >= min_len && !(numeric && s.len() < 6);
        if searchable && !own(s) {
            patterns.push((s.to_string(), kind));
        }
    };
    for s in &known.strings {
        let kind = if s.contains('^') {
            Kind::Name
        } else {
            Kind::Id
        };
        push(s, kind, 4);
        // Family names on their own (the first PN component).
        if let Some((family, _)) = s.split_once('^') {
            push(family, Kind::Name, 4);
        }
    }
    for s in &known.institutions {
        push(s, Kind::Id, 5);
    }
    for uid in &known.uids {
        if !gantry_privacy::keys::is_well_known_uid(uid.trim_end_matches(['\0', ' '])) {
            push(uid, Kind::Uid, 4);
        }
    }
    patterns.sort_by(|a, b| a.0.cmp(&b.0));
    patterns.dedup_by(|a, b| a.0 == b.0);
    let matcher = if patterns.is_empty() {
        None
    } else {
        Some(
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostLongest)
                .build(patterns.iter().map(|(p, _)| p.as_bytes()))
                .map_err(|e| Error::Usage(format!("cannot build the verify matcher: {e}")))?,
        )
    };

    let files = output_files(out);
    progress.begin("verify", Some(files.len() as u64));
    let details: Vec<Vec<VerifyDetail>> = files
        .par_iter()
        .map(|path| {
            let found = check_file(out, path, matcher.as_ref(), &patterns);
            progress.advance(1);
            found
        })
        .collect();
    progress.end();
    let mut report = VerifyReport {
        files: files.len() as u64,
        ..VerifyReport::default()
    };
    for detail in details.into_iter().flatten() {
        if detail.rule.starts_with("leak:") {
            report.leaks += 1;
        } else {
            report.findings += 1;
        }
        report.details.push(detail);
    }
    Ok(report)
}

fn check_file(
    root: &Path,
    path: &Path,
    matcher: Option<&AhoCorasick>,
    patterns: &[(String, Kind)],
) -> Vec<VerifyDetail> {
    let relative = path
        .strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned();
    let mut out = Vec::new();
    let detail = |location: String, rule: &str| VerifyDetail {
        file: relative.clone(),
        location,
        rule: rule.to_string(),
    };
    if let Some(matcher) = matcher {
        for m in matcher.find_iter(relative.as_bytes()) {
            if whole_token(relative.as_bytes(), m.start(), m.end()) {
                out.push(detail(
                    "path".into(),
                    kind_rule(patterns[m.pattern().as_usize()].1),
                ));
            }
        }
    }
    let obj = match dicom_object::open_file(path) {
        Ok(obj) => obj,
        Err(e) => {
            out.push(detail(format!("parse: {e}"), "unreadable"));
            return out;
        }
    };
    let stamped = obj
        .get(tags::PATIENT_IDENTITY_REMOVED)
        .and_then(|e| e.to_str().ok())
        .is_some_and(|v| v.trim() == "YES");
    if !stamped {
        out.push(detail(
            tags::PATIENT_IDENTITY_REMOVED.to_string(),
            "not-stamped",
        ));
    }
    if let Some(matcher) = matcher {
        let mut hits = Vec::new();
        search(&obj, "", true, matcher, patterns, &mut hits);
        out.extend(
            hits.into_iter()
                .map(|(location, rule)| detail(location, rule)),
        );
    }
    out
}

fn kind_rule(kind: Kind) -> &'static str {
    match kind {
        Kind::Name => "leak:name",
        Kind::Id => "leak:id",
        Kind::Uid => "leak:uid",
    }
}

/// Search every value of a data set: text values as text, binary values
/// (private blobs, UN) as bytes. Code strings (CS) are defined terms, not
/// free text, and the top-level Pixel Data holds samples, not text: both
/// are skipped.
fn search(
    obj: &dicom_object::InMemDicomObject,
    prefix: &str,
    top: bool,
    matcher: &AhoCorasick,
    patterns: &[(String, Kind)],
    hits: &mut Vec<(String, &'static str)>,
) {
    use dicom_core::VR;
    use dicom_core::header::Header as _;
    use dicom_core::value::Value;
    for element in obj.iter() {
        let tag = element.tag();
        let path = format!("{prefix}{tag}");
        match element.value() {
            Value::Sequence(seq) => {
                for (i, item) in seq.items().iter().enumerate() {
                    search(
                        item,
                        &format!("{path}[{i}]."),
                        false,
                        matcher,
                        patterns,
                        hits,
                    );
                }
            }
            Value::PixelSequence(_) => {}
            Value::Primitive(value) => {
                if (top && tag == tags::PIXEL_DATA) || element.vr() == VR::CS {
                    continue;
                }
                let bytes: Vec<u8> = match element.vr() {
                    VR::OB | VR::OW | VR::UN | VR::OD | VR::OF | VR::OL | VR::OV => {
                        value.to_bytes().into_owned()
                    }
                    VR::US
                    | VR::SS
                    | VR::UL
                    | VR::SL
                    | VR::FL
                    | VR::FD
                    | VR::AT
                    | VR::SV
                    | VR::UV => {
                        continue;
                    }
                    _ => value.to_str().as_bytes().to_vec(),
                };
                for m in matcher.find_iter(&bytes) {
                    if whole_token(&bytes, m.start(), m.end()) {
                        hits.push((path.clone(), kind_rule(patterns[m.pattern().as_usize()].1)));
                    }
                }
            }
        }
    }
}

/// Whether `bytes[start..end]` is not glued to letters or digits.
fn whole_token(bytes: &[u8], start: usize, end: usize) -> bool {
    let before = start.checked_sub(1).and_then(|i| bytes.get(i));
    let after = bytes.get(end);
    !before.is_some_and(u8::is_ascii_alphanumeric) && !after.is_some_and(u8::is_ascii_alphanumeric)
}

/// Every regular file under `root` except the manifests, sorted.
fn output_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(path),
                Ok(t) if t.is_file() => {
                    let top_level_manifest = path.parent() == Some(root)
                        && matches!(
                            path.file_name().and_then(|n| n.to_str()),
                            Some("manifest.csv" | "manifest.json")
                        );
                    if !top_level_manifest {
                        files.push(path);
                    }
                }
                _ => {}
            }
        }
    }
    files.sort();
    files
}
