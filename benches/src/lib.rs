//! Shared helpers for Gantry's criterion benches: inputs generated once
//! per run with `gantry::synth`, so benches need no data on disk.
//!
//! Everything here is set-up: it runs before criterion starts timing.

use std::path::{Path, PathBuf};

use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;
use gantry::privacy::clean::Identifiers;
use gantry::privacy::keys::{Keyring, ProjectKey};
use gantry::privacy::{Plan, Policy, Subject};
use gantry::store::{Candidate, Selection};
use gantry::synth::{CorpusSpec, generate_corpus};
use gantry::{IngestOptions, NoProgress, Session};

/// Generate `files` realistic single-frame 512×512 CT files under `dir` and
/// return their paths.
pub fn ct_files(dir: &Path, files: usize) -> Vec<PathBuf> {
    corpus_files(dir, &CorpusSpec::with_files(files))
}

/// Generate the corpus `spec` under `dir` and return its paths.
pub fn corpus_files(dir: &Path, spec: &CorpusSpec) -> Vec<PathBuf> {
    generate_corpus(dir, spec).expect("generate the bench corpus");
    spec.relative_paths().map(|p| dir.join(p)).collect()
}

/// `files` CT files with the realistic CT header but 32×32 pixels: for
/// benches that need many instances in a session, not pixel bytes.
/// Single-frame only, so that instance counts (and numbers) stay those of
/// earlier runs.
pub fn small_ct_spec(files: usize) -> CorpusSpec {
    CorpusSpec {
        rows: 32,
        columns: 32,
        multiframe_files: 0,
        ..CorpusSpec::with_files(files)
    }
}

/// Generate `spec` under `dir/in` and ingest it into a new session at
/// `dir/bench.db`.
pub fn ingested_session(dir: &Path, spec: &CorpusSpec) -> Session {
    let input = dir.join("in");
    corpus_files(&input, spec);
    let mut session = Session::open(dir.join("bench.db")).expect("open the bench session");
    let report = session
        .ingest(&[input], &IngestOptions::default(), &NoProgress)
        .expect("ingest the bench corpus");
    assert_eq!(
        report.indexed,
        spec.total_files() as u64,
        "every generated file is indexed"
    );
    session
}

/// Every instance of the session, in id order, as de-identification sees it.
pub fn candidates(session: &mut Session) -> Vec<Candidate> {
    let store = session.store_mut().expect("the bench session's store");
    let mut out = Vec::new();
    loop {
        let after = out.last().map_or(0, |c: &Candidate| c.id.0);
        let page = store
            .candidates(&Selection::default(), after, 1024)
            .expect("list the bench session's instances");
        if page.is_empty() {
            return out;
        }
        out.extend(page);
    }
}

/// A fixed project key, so runs are comparable.
pub fn bench_keyring() -> Keyring {
    ProjectKey::from_bytes([0x5a; 32]).keyring()
}

/// One instance ready for planning: the decoded stored header (UN
/// normalised, as the session's de-identifier does) and its subject.
#[derive(Debug)]
pub struct Prepared {
    /// The header as the session stores it (encoded bytes).
    pub stored: gantry::model::Header,
    /// The original header, decoded from the session.
    pub header: InMemDicomObject,
    /// The patient's key (original PatientID or a per-study stand-in).
    pub patient_key: String,
    /// The original PatientID.
    pub patient_id: Option<String>,
    /// The patient's own identifiers.
    pub identifiers: Identifiers,
}

impl Prepared {
    /// Decode and normalise the stored header of `candidate`.
    pub fn new(candidate: &Candidate) -> Prepared {
        let mut header = candidate
            .header
            .decode()
            .expect("the stored header decodes");
        gantry::privacy::normalize_un(&mut header);
        Prepared {
            stored: candidate.header.clone(),
            header,
            patient_key: candidate.patient_key.clone(),
            patient_id: candidate.patient_id.clone(),
            identifiers: identifiers_of(candidate),
        }
    }

    /// The subject for [`gantry::privacy::plan`].
    pub fn subject(&self) -> Subject<'_> {
        Subject {
            patient_key: &self.patient_key,
            patient_id: self.patient_id.as_deref(),
            identifiers: &self.identifiers,
        }
    }

    /// The plan under `policy` and `keys`.
    pub fn plan(&self, policy: &Policy, keys: &Keyring) -> Plan {
        gantry::privacy::plan(&self.header, policy, keys, &self.subject()).expect("plan")
    }

    /// The de-identified header under `policy` and `keys`.
    pub fn deidentified(&self, policy: &Policy, keys: &Keyring) -> InMemDicomObject {
        let plan = self.plan(policy, keys);
        let mut header = self.header.clone();
        gantry::privacy::apply(&mut header, &plan).expect("apply the plan");
        header
    }
}

/// The patient's own identifiers as the session indexed them.
pub use gantry::identifiers_of;

/// One realistic generated 512×512 CT instance, ingested into a session
/// under `dir` and decoded: the input of the per-instance benches.
pub fn one_ct_instance(dir: &Path) -> Prepared {
    let mut session = ingested_session(dir, &CorpusSpec::with_files(1));
    let candidates = candidates(&mut session);
    Prepared::new(&candidates[0])
}

/// The Pixel Data bytes (512×512 16-bit, 512 KiB) of a generated CT file.
pub fn ct_pixels(dir: &Path) -> Vec<u8> {
    let files = ct_files(dir, 1);
    let file = dicom_object::open_file(&files[0]).expect("open the generated file");
    let pixels = file
        .element(tags::PIXEL_DATA)
        .expect("the generated file has Pixel Data")
        .to_bytes()
        .expect("native Pixel Data")
        .into_owned();
    assert_eq!(pixels.len(), 512 * 512 * 2);
    pixels
}
