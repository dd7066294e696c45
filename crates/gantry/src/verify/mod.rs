//! Verification of an export (SPEC §11): an independent re-scan of the
//! output tree.
//!
//! Every file under the export root (manifests excluded) is read back —
//! its header, by ingest's scanner and dicom-object, never its top-level
//! Pixel Data value; a file that does not parse is a finding — and checked
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
//!
//! Memory does not grow with the export: the output tree is walked and
//! checked in chunks of [`CHUNK`] files, and the original UIDs (one per
//! instance) are searched as hashes ([`uids`]), not by the matcher.

mod uids;

use std::path::{Path, PathBuf};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use dicom_dictionary_std::tags;
use gantry_store::Store;
use rayon::prelude::*;

use crate::{Error, Progress, Result};
use uids::OriginalUids;

/// Files checked in parallel at a time.
const CHUNK: usize = 4096;

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
    // Read through a side connection with a small page cache: the scans
    // below read each table once, and the session's main connection would
    // keep 8 MB of those pages for nothing.
    let reader = Store::open_reader(store.path())?;
    let store = &reader;
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

    let mut uids = OriginalUids::default();
    store.for_each_original_uid(|uid| {
        let uid = uid.trim_end_matches(['\0', ' ']).trim();
        let alnum = uid.chars().filter(|c| c.is_alphanumeric()).count();
        if alnum >= 4 && !gantry_privacy::keys::is_well_known_uid(uid) && !own(uid) {
            uids.insert(uid);
        }
    })?;
    uids.finish();
    let search = Search {
        matcher,
        patterns,
        uids,
    };

    progress.begin("verify", None);
    let mut report = VerifyReport::default();
    let mut details = Vec::new();
    for_each_chunk(out, CHUNK, |files| {
        report.files += files.len() as u64;
        let found: Vec<Vec<VerifyDetail>> = files
            .par_iter()
            .map(|path| {
                let found = check_file(out, path, &search);
                progress.advance(1);
                found
            })
            .collect();
        details.extend(found.into_iter().flatten());
    });
    progress.end();
    // The walk follows the directory order; the report is by file.
    details.sort_by(|a, b| a.file.cmp(&b.file));
    for detail in details {
        if detail.rule.starts_with("leak:") {
            report.leaks += 1;
        } else {
            report.findings += 1;
        }
        report.details.push(detail);
    }
    Ok(report)
}

/// What verify searches for: names, IDs, dates and institutions with the
/// matcher, original UIDs by hash.
struct Search {
    matcher: Option<AhoCorasick>,
    patterns: Vec<(String, Kind)>,
    uids: OriginalUids,
}

impl Search {
    /// Every identifying string in `bytes`, as whole tokens.
    fn find(&self, bytes: &[u8], mut hit: impl FnMut(&'static str)) {
        if let Some(matcher) = &self.matcher {
            for m in matcher.find_iter(bytes) {
                if whole_token(bytes, m.start(), m.end()) {
                    hit(kind_rule(self.patterns[m.pattern().as_usize()].1));
                }
            }
        }
        for _ in self.uids.find(bytes) {
            hit(kind_rule(Kind::Uid));
        }
    }
}

fn check_file(root: &Path, path: &Path, search: &Search) -> Vec<VerifyDetail> {
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
    search.find(relative.as_bytes(), |rule| {
        out.push(detail("path".into(), rule))
    });
    let obj = match read_header(path) {
        Ok(obj) => obj,
        Err(reason) => {
            out.push(detail(format!("parse: {reason}"), "unreadable"));
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
    let mut hits = Vec::new();
    search_values(&obj, "", true, search, &mut hits);
    out.extend(
        hits.into_iter()
            .map(|(location, rule)| detail(location, rule)),
    );
    out
}

/// The data set of an output file without its top-level Pixel Data value
/// (which is never searched): read by ingest's scanner, which stops at the
/// Pixel Data element header, skips the value and reads what follows it,
/// then decoded by dicom-object. Memory stays at the header's size however
/// large the file's frames are.
fn read_header(path: &Path) -> std::result::Result<dicom_object::InMemDicomObject, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("read error: {e}"))?
        .len();
    match crate::ingest::scan_file(path, size, crate::ingest::ScanOptions::default()) {
        crate::ingest::Scan::Instance(instance) => {
            instance.header.decode().map_err(|e| e.to_string())
        }
        crate::ingest::Scan::Skipped(reason) | crate::ingest::Scan::Failed(reason) => Err(reason),
    }
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
fn search_values(
    obj: &dicom_object::InMemDicomObject,
    prefix: &str,
    top: bool,
    search: &Search,
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
                    search_values(item, &format!("{path}[{i}]."), false, search, hits);
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
                search.find(&bytes, |rule| hits.push((path.clone(), rule)));
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

/// Hand every regular file under `root` except the top-level manifests
/// to `each`, `chunk` files at a time (directory order). Unreadable
/// directories are skipped.
fn for_each_chunk(root: &Path, chunk: usize, mut each: impl FnMut(&[PathBuf])) {
    let mut files = Vec::with_capacity(chunk);
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
                        if files.len() == chunk {
                            each(&files);
                            files.clear();
                        }
                    }
                }
                _ => {}
            }
        }
    }
    if !files.is_empty() {
        each(&files);
    }
}
