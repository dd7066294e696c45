//! Reversible pseudonymisation with the project key (SPEC §6.6): de-identify
//! with `--reversible`, recover, and get the originals back element for
//! element; a wrong key or altered content fails clearly and writes nothing.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use dicom_core::Tag;

use crate::support::{corpus, gantry, json, run};

pub(crate) struct Sealed {
    pub(crate) tmp: tempfile::TempDir,
    /// The project key, when sealed with one.
    pub(crate) key: Option<PathBuf>,
    pub(crate) out: PathBuf,
    /// (source, output) of every written file.
    pub(crate) written: Vec<(PathBuf, PathBuf)>,
}

impl Sealed {
    pub(crate) fn session(&self) -> PathBuf {
        self.tmp.path().join("s.db")
    }
}

fn seal_dev() -> Sealed {
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("project.key");
    assert!(
        run(gantry(&tmp.path().join("s.db"))
            .args(["key", "new"])
            .arg(&key))
        .status
        .success()
    );
    let mut args = vec![OsString::from("--key"), key.clone().into()];
    seal_with(tmp, &corpus("dev"), Some(key), &mut args)
}

/// `gantry run INPUT OUT --reversible EXTRA...` on a fresh session in
/// `tmp`; no file may fail.
pub(crate) fn seal_with(
    tmp: tempfile::TempDir,
    input: &Path,
    key: Option<PathBuf>,
    extra: &mut Vec<OsString>,
) -> Sealed {
    let session = tmp.path().join("s.db");
    let out = tmp.path().join("out");
    let output = run(gantry(&session)
        .args(["--quiet", "run"])
        .arg(input)
        .arg(&out)
        .args(["--reversible", "--json"])
        .args(extra.drain(..)));
    let report = json(&output);
    assert_eq!(report["export"]["failed"], 0, "{:#}", report["export"]);
    let mapping: Vec<serde_json::Value> =
        serde_json::from_slice(&run(gantry(&session).args(["mapping", "--json"])).stdout).unwrap();
    let written = mapping
        .iter()
        .filter(|r| r["status"] == "written")
        .map(|r| {
            (
                PathBuf::from(r["source"].as_str().unwrap()),
                out.join(r["output"].as_str().unwrap()),
            )
        })
        .collect();
    Sealed {
        tmp,
        key,
        out,
        written,
    }
}

/// The oracle: pydicom reads both sides of every (original, recovered,
/// redacted) triple and finds them equal element for element (see
/// tests/oracle/same_dataset.py; for an instance whose export redacted its
/// pixels, what describes the pixels is not compared: redaction is not
/// reversible). Skips loudly without pydicom (fails under
/// GANTRY_REQUIRE_ORACLES).
pub(crate) fn assert_same_datasets(pairs: &[(PathBuf, PathBuf, bool)]) {
    if !crate::oracle::pydicom_available() {
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/same_dataset.py");
    let mut command = std::process::Command::new("python3");
    command.arg(script);
    for (original, recovered, redacted) in pairs {
        if *redacted {
            command.arg("--redacted");
        }
        command.arg(original).arg(recovered);
    }
    let result = command.output().unwrap();
    assert!(
        result.status.success(),
        "recovered files differ from their originals:\n{}{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
}

/// Whether Gantry's export of this file blanked burned-in text (its
/// De-identification Method Code Sequence has 113101).
pub(crate) fn was_redacted(exported: &Path) -> bool {
    let obj = dicom_object::OpenFileOptions::new()
        .read_until(dicom_dictionary_std::tags::PIXEL_DATA)
        .open_file(exported)
        .unwrap();
    obj.get(dicom_dictionary_std::tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE)
        .and_then(|e| e.items())
        .is_some_and(|items| {
            items.iter().any(|item| {
                item.get(dicom_dictionary_std::tags::CODE_VALUE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.trim() == "113101")
            })
        })
}

/// (source, recovered copy in `rec`, redacted) of every written file.
pub(crate) fn recovered_pairs(sealed: &Sealed, rec: &Path) -> Vec<(PathBuf, PathBuf, bool)> {
    sealed
        .written
        .iter()
        .map(|(source, output)| {
            (
                source.clone(),
                rec.join(output.file_name().unwrap()),
                was_redacted(output),
            )
        })
        .collect()
}

#[test]
fn recovered_files_equal_the_originals_element_for_element() {
    let sealed = seal_dev();
    let rec = sealed.tmp.path().join("recovered");
    let output = run(gantry(&sealed.session())
        .arg("recover")
        .arg(&sealed.out)
        .arg("--key")
        .arg(sealed.key.as_ref().unwrap())
        .arg("--out")
        .arg(&rec)
        .arg("--json"));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        json(&output)["recovered"].as_u64().unwrap() as usize,
        sealed.written.len()
    );
    assert_same_datasets(&recovered_pairs(&sealed, &rec));
}

#[test]
fn wrong_key_and_altered_content_fail_clearly_and_write_nothing() {
    let sealed = seal_dev();
    let session = sealed.session();
    let other = sealed.tmp.path().join("other.key");
    assert!(
        run(gantry(&session).args(["key", "new"]).arg(&other))
            .status
            .success()
    );
    let rec = sealed.tmp.path().join("wrong");
    let output = run(gantry(&session)
        .arg("recover")
        .arg(&sealed.out)
        .arg("--key")
        .arg(&other)
        .arg("--out")
        .arg(&rec));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("sealed with project key"), "{stderr}");
    assert!(stderr.contains("not with the given key"), "{stderr}");
    assert!(!rec.exists());

    // Flip one bit of one file's sealed content.
    let (_, victim) = &sealed.written[0];
    let obj = dicom_object::open_file(victim).unwrap();
    let content = obj
        .get(Tag(0x0400, 0x0500))
        .and_then(|e| e.items())
        .and_then(|items| items[0].get(Tag(0x0400, 0x0520)))
        .unwrap()
        .to_bytes()
        .unwrap()
        .into_owned();
    let mut bytes = std::fs::read(victim).unwrap();
    let at = bytes
        .windows(content.len())
        .position(|w| w == content.as_slice())
        .unwrap();
    bytes[at + content.len() - 5] ^= 0x10;
    let tampered = sealed.tmp.path().join("tampered.dcm");
    std::fs::write(&tampered, bytes).unwrap();
    let rec = sealed.tmp.path().join("tampered-out");
    let output = run(gantry(&session)
        .arg("recover")
        .arg(&tampered)
        .arg("--key")
        .arg(sealed.key.as_ref().unwrap())
        .arg("--out")
        .arg(&rec));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("does not authenticate"), "{stderr}");
    assert!(!rec.exists());
}
