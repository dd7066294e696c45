//! `gantry purge` on a finished main job over the real dev corpus: no
//! original identifier, UID or source path is left anywhere in the
//! session's files, what does not need the sources still works, and what
//! does refuses (SPEC §4).

use std::path::{Path, PathBuf};

use dicom_dictionary_std::tags;
use dicom_object::OpenFileOptions;

use crate::support::{corpus, gantry, json, run};

/// Identifying strings of a source: names, IDs, UIDs, accession number,
/// institution — the values the session indexed and kept in headers.
fn identifiers_of(path: &Path, out: &mut Vec<String>) {
    let Ok(obj) = OpenFileOptions::new()
        .read_until(tags::PIXEL_DATA)
        .open_file(path)
    else {
        return;
    };
    for tag in [
        tags::PATIENT_NAME,
        tags::PATIENT_ID,
        tags::STUDY_INSTANCE_UID,
        tags::SERIES_INSTANCE_UID,
        tags::SOP_INSTANCE_UID,
        tags::ACCESSION_NUMBER,
        tags::INSTITUTION_NAME,
    ] {
        if let Some(value) = obj.get(tag).and_then(|e| e.to_str().ok()) {
            let value = value.trim_end_matches(['\0', ' ']).trim_start();
            // Short values ("1", "CT") occur anywhere by chance; standard
            // UIDs (a palette's SOP instance) are no one's.
            if value.len() >= 8 && !value.starts_with("1.2.840.10008.") {
                out.push(value.to_owned());
            }
        }
    }
}

fn session_files(session: &Path) -> Vec<PathBuf> {
    let dir = session.parent().unwrap();
    let name = session.file_name().unwrap().to_string_lossy().into_owned();
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(name.as_str())
        })
        .collect()
}

#[test]
fn purge_leaves_nothing_that_identifies_the_sources() {
    let tmp = tempfile::tempdir().unwrap();
    let session = tmp.path().join("s.db");
    let out = tmp.path().join("out");
    let report = json(&run(gantry(&session)
        .args(["--quiet", "run"])
        .arg(corpus("dev"))
        .arg(&out)
        .args(["--profile", "basic", "--json"])));
    let instances = report["examine"]["instances"].as_u64().unwrap();
    let mapping: Vec<serde_json::Value> =
        serde_json::from_slice(&run(gantry(&session).args(["mapping", "--json"])).stdout).unwrap();
    let mut secrets = Vec::new();
    for row in &mapping {
        let source = PathBuf::from(row["source"].as_str().unwrap());
        identifiers_of(&source, &mut secrets);
        // File names, where they are distinctive ("DICOMDIR" is in a skip
        // reason by design).
        let stem = source.file_stem().unwrap().to_string_lossy().into_owned();
        if stem.len() >= 8 && !stem.bytes().all(|b| b.is_ascii_digit()) && stem != "DICOMDIR" {
            secrets.push(stem);
        }
    }
    // Equipment stays by design (redaction coverage per machine): an
    // institution named like a manufacturer is not a secret here.
    let equipment = report["examine"]["equipment"].as_array().unwrap();
    secrets.retain(|s| {
        !equipment
            .iter()
            .any(|e| e["manufacturer"] == s.as_str() || e["model"] == s.as_str())
    });
    secrets.sort();
    secrets.dedup();
    assert!(secrets.len() > 300, "{}", secrets.len());
    // The session held them before the purge.
    let before: Vec<u8> = session_files(&session)
        .iter()
        .flat_map(|p| std::fs::read(p).unwrap())
        .collect();
    let held = |bytes: &[u8], s: &str| bytes.windows(s.len()).any(|w| w == s.as_bytes());
    assert!(secrets.iter().filter(|s| held(&before, s)).count() > 300);

    // Irreversible: refused without --yes.
    let output = run(gantry(&session).args(["purge"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("run it again with --yes"));

    let stats = json(&run(gantry(&session).args(["purge", "--yes", "--json"])));
    assert_eq!(stats["instances"].as_u64(), Some(instances));

    let files = session_files(&session);
    assert!(
        files
            .iter()
            .all(|p| !p.to_string_lossy().ends_with(".pixels"))
    );
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        let left: Vec<&String> = secrets.iter().filter(|s| held(&bytes, s)).collect();
        assert!(
            left.is_empty(),
            "{} still holds {} identifying strings",
            file.display(),
            left.len()
        );
    }

    // What needs no source data still works.
    let examine = json(&run(gantry(&session).args(["examine", "--json"])));
    assert_eq!(examine["instances"].as_u64(), Some(instances));
    let output = run(gantry(&session).args(["report", "--json"]));
    assert_eq!(output.status.code(), Some(0));
    let purged_at = json(&output)["session"]["purged_at"].clone();
    assert!(
        purged_at.as_str().is_some_and(|at| at.ends_with('Z')),
        "{purged_at}"
    );
    let markdown = run(gantry(&session).arg("report"));
    assert!(String::from_utf8_lossy(&markdown.stdout).contains("; purged at "));
    let mapping: Vec<serde_json::Value> =
        serde_json::from_slice(&run(gantry(&session).args(["mapping", "--json"])).stdout).unwrap();
    assert!(
        mapping
            .iter()
            .all(|r| r["source"].as_str().unwrap().starts_with("purged/"))
    );
    // What needs it refuses, saying why.
    for args in [
        vec!["export", "out2"],
        vec!["verify", "out"],
        vec!["audit"],
        vec!["ingest", "."],
    ] {
        let output = run(gantry(&session).current_dir(tmp.path()).args(&args));
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("this session was purged at"),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // A second purge has nothing left to do.
    let again = json(&run(gantry(&session).args(["purge", "--yes", "--json"])));
    assert_eq!(again["instances"], 0);
}
