//! Reversible pseudonymisation with the project key (SPEC §6.6): de-identify
//! with `--reversible`, recover, and get the originals back element for
//! element; a wrong key or altered content fails clearly and writes nothing.

use std::path::{Path, PathBuf};

use dicom_core::Tag;

use crate::support::{corpus, gantry, json, run};

struct Sealed {
    tmp: tempfile::TempDir,
    key: PathBuf,
    out: PathBuf,
    written: Vec<(PathBuf, PathBuf)>,
}

fn seal_dev() -> Sealed {
    let tmp = tempfile::tempdir().unwrap();
    let session = tmp.path().join("s.db");
    let key = tmp.path().join("project.key");
    assert!(
        run(gantry(&session).args(["key", "new"]).arg(&key))
            .status
            .success()
    );
    let out = tmp.path().join("out");
    let output = run(gantry(&session)
        .args(["--quiet", "run"])
        .arg(corpus("dev"))
        .arg(&out)
        .args(["--reversible", "--json", "--key"])
        .arg(&key));
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

#[test]
fn recovered_files_equal_the_originals_element_for_element() {
    let sealed = seal_dev();
    let rec = sealed.tmp.path().join("recovered");
    let output = run(gantry(&sealed.tmp.path().join("s.db"))
        .arg("recover")
        .arg(&sealed.out)
        .arg("--key")
        .arg(&sealed.key)
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
    // The oracle: pydicom reads both sides (see tests/oracle/same_dataset.py).
    if !crate::oracle::pydicom_available() {
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/same_dataset.py");
    let mut command = std::process::Command::new("python3");
    command.arg(script);
    for (source, output) in &sealed.written {
        command
            .arg(source)
            .arg(rec.join(output.file_name().unwrap()));
    }
    let result = command.output().unwrap();
    assert!(
        result.status.success(),
        "recovered files differ from their originals:\n{}{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
}

#[test]
fn wrong_key_and_altered_content_fail_clearly_and_write_nothing() {
    let sealed = seal_dev();
    let session = sealed.tmp.path().join("s.db");
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
        .arg(&sealed.key)
        .arg("--out")
        .arg(&rec));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("does not authenticate"), "{stderr}");
    assert!(!rec.exists());
}
