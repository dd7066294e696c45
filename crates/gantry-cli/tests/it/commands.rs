//! The CLI contract of SPEC §12.1 for ingest and examine.

use crate::support::{corpus, gantry, json, run};

#[test]
fn ingest_and_examine_json_follow_the_contract() {
    let tmp = tempfile::tempdir().unwrap();
    let session = tmp.path().join("s.db");
    let output = run(gantry(&session)
        .args(["ingest", "--json"])
        .arg(corpus("dev")));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let ingest = json(&output);
    assert_eq!(ingest["files"]["indexed"], 129);
    assert_eq!(ingest["files"]["skipped"], 5);
    assert_eq!(ingest["files"]["failed"], 0);
    assert_eq!(ingest["instances"], 129);
    assert_eq!(ingest["run"]["scanned"], 134);

    let output = run(gantry(&session).args(["examine", "--json"]));
    assert_eq!(output.status.code(), Some(0));
    let examine = json(&output);
    for key in [
        "files",
        "patients",
        "studies",
        "series",
        "instances",
        "equipment",
        "transfer_syntaxes",
        "failures",
    ] {
        assert!(examine.get(key).is_some(), "examine --json lacks {key}");
    }
    assert_eq!(examine["transfer_syntaxes"]["1.2.840.10008.1.2.4.50"], 11);
    let ge = examine["equipment"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["manufacturer"] == "GE MEDICAL SYSTEMS" && e["model"] == "LightSpeed Ultra")
        .expect("GE LightSpeed Ultra in the inventory");
    assert_eq!(ge["instances"], 7);
    assert_eq!(ge["serial"], "");
    let failures = examine["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 5);
    assert!(
        failures
            .iter()
            .all(|f| f["path"].is_string() && f["reason"].is_string())
    );

    // Re-running is incremental and says so.
    let again = json(&run(gantry(&session)
        .args(["ingest", "--json"])
        .arg(corpus("dev"))));
    assert_eq!(again["run"]["scanned"], 0);
    assert_eq!(again["run"]["unchanged"], 134);
}

#[test]
fn failed_files_give_exit_status_1_and_keep_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let session = tmp.path().join("s.db");
    let output = run(gantry(&session)
        .args(["--quiet", "ingest", "--json"])
        .arg(corpus("malformed")));
    assert_eq!(output.status.code(), Some(1));
    let ingest = json(&output);
    assert_eq!(ingest["files"]["failed"], 5);
    assert_eq!(ingest["files"]["indexed"], 5);
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn a_missing_input_is_a_usage_error_naming_the_path() {
    let tmp = tempfile::tempdir().unwrap();
    let session = tmp.path().join("s.db");
    let output = run(gantry(&session).args(["ingest", "/nonexistent/incoming"]));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/nonexistent/incoming"), "{stderr}");
}

#[test]
fn offloaded_pixels_survive_compaction() {
    let tmp = tempfile::tempdir().unwrap();
    let session = tmp.path().join("s.db");
    let inputs = tmp.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    let dev = corpus("dev");
    for name in [
        "pydicom_CT_small.dcm",
        "pydicom_MR_small_RLE.dcm",
        "pydicom_image_dfl.dcm",
    ] {
        std::fs::copy(dev.join(name), inputs.join(name)).unwrap();
    }
    let output = run(gantry(&session)
        .args(["ingest", "--offload-pixels", "--json"])
        .arg(&inputs));
    assert_eq!(json(&output)["files"]["indexed"], 3);
    // Re-index one file so its first record becomes dead.
    std::fs::copy(
        dev.join("pydicom_MR_small.dcm"),
        inputs.join("pydicom_CT_small.dcm"),
    )
    .unwrap();
    run(gantry(&session)
        .args(["ingest", "--offload-pixels", "--json"])
        .arg(&inputs));
    let before = std::fs::metadata(tmp.path().join("s.db.pixels"))
        .unwrap()
        .len();
    let compact = json(&run(gantry(&session).args(["compact", "--json"])));
    assert_eq!(compact["records_kept"], 3);
    assert_eq!(compact["bytes_before"], before);
    let after = std::fs::metadata(tmp.path().join("s.db.pixels"))
        .unwrap()
        .len();
    assert_eq!(compact["bytes_after"], after);
    assert!(after < before);

    // Every record still reads back as the source's pixel bytes.
    let mut session = gantry::Session::open(&session).unwrap();
    let store = session.store_mut().unwrap();
    let mut instances = Vec::new();
    store
        .for_each_instance(|i| {
            instances.push(i);
            Ok(())
        })
        .unwrap();
    assert_eq!(instances.len(), 3);
    for instance in instances {
        let pixels = instance.pixels.expect("pixel data");
        let gantry::model::PixelLocation::Sidecar(id) = pixels.location else {
            panic!("offloaded pixels live in the sidecar");
        };
        let bytes = store.read_sidecar(id).unwrap();
        let source = dicom_object::open_file(&instance.path).unwrap();
        let expected = source
            .element(dicom_dictionary_std::tags::PIXEL_DATA)
            .unwrap();
        match expected.value() {
            dicom_core::value::Value::Primitive(value) => {
                assert_eq!(bytes, value.to_bytes().as_ref(), "{}", instance.path)
            }
            dicom_core::value::Value::PixelSequence(seq) => {
                // The record holds the encapsulated value: items + delimiter.
                let fragments: Vec<&[u8]> = pixels
                    .fragments
                    .iter()
                    .map(|f| &bytes[f.offset as usize..f.offset as usize + f.length as usize])
                    .collect();
                assert_eq!(fragments.len(), seq.fragments().len() + 1);
                for (got, want) in fragments[1..].iter().zip(seq.fragments()) {
                    assert_eq!(*got, want.as_slice());
                }
            }
            _ => panic!("pixel data is not a sequence"),
        }
    }
}

#[test]
fn ctp_import_json_lists_the_stock_signatures_and_regions() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/ctp/DicomPixelAnonymizer.script");
    let tmp = tempfile::tempdir().unwrap();
    let output = run(gantry(&tmp.path().join("s.db"))
        .args(["ctp", "import", "--json"])
        .arg(&script));
    assert_eq!(output.status.code(), Some(0));
    let report = json(&output);
    assert_eq!(report["kind"], "pixel");
    let signatures = report["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 52);
    let regions: usize = signatures
        .iter()
        .map(|s| s["regions"].as_array().unwrap().len())
        .sum();
    assert_eq!(regions, 62);
    assert_eq!(
        report["shadowed"],
        serde_json::json!([{"line": 46, "by_line": 40}, {"line": 366, "by_line": 361}])
    );
    // A malformed script: diagnostics with line and column, exit 1.
    let bad = tmp.path().join("bad.script");
    std::fs::write(&bad, "{ Manufacturer.equals(\"GE) }\n(0,0,10)\n").unwrap();
    let output = run(gantry(&tmp.path().join("s.db"))
        .args(["ctp", "import", "--json"])
        .arg(&bad));
    assert_eq!(output.status.code(), Some(1));
    let diagnostics = json(&output)["diagnostics"].as_array().unwrap().clone();
    assert!(!diagnostics.is_empty());
    assert!(
        diagnostics
            .iter()
            .all(|d| d["line"].as_u64().unwrap() >= 1 && d["column"].as_u64().unwrap() >= 1)
    );
}

#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/ctp/DicomPixelAnonymizer.script");
    let tmp = tempfile::tempdir().unwrap();
    // `gantry … | head -c0`: the reader is gone before anything is written.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = run(gantry(&tmp.path().join("s.db"))
        .args(["ctp", "import", "--json"])
        .arg(&script)
        .stdout(writer));
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

#[test]
fn export_checksum_sha256_matches_sha256sum() {
    let tmp = tempfile::tempdir().unwrap();
    let session = tmp.path().join("s.db");
    let out = tmp.path().join("out");
    let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples");
    let output = run(gantry(&session)
        .args(["--quiet", "run"])
        .arg(&samples)
        .arg(&out)
        .args(["--checksum", "sha256", "--json"]));
    assert!(json(&output)["export"]["written"].as_u64().unwrap() > 0);
    let csv = std::fs::read_to_string(out.join("manifest.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let (path_at, checksum_at) = (
        header.iter().position(|h| *h == "path").unwrap(),
        header.iter().position(|h| *h == "checksum").unwrap(),
    );
    let mut checked = 0;
    for line in lines {
        let fields: Vec<&str> = line.split(',').collect();
        if fields[checksum_at].is_empty() {
            continue;
        }
        // The independent oracle: coreutils' sha256sum.
        let sum = std::process::Command::new("sha256sum")
            .arg(out.join(fields[path_at]))
            .output()
            .unwrap();
        let sum = String::from_utf8(sum.stdout).unwrap();
        let hex = sum.split_whitespace().next().unwrap();
        assert_eq!(fields[checksum_at], format!("sha256:{hex}"));
        checked += 1;
    }
    assert!(checked > 0);
    // An unknown algorithm is a usage error.
    let output = run(gantry(&session)
        .args(["export"])
        .arg(tmp.path().join("o2"))
        .args(["--checksum", "md5"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("'md5' is not one of: blake3, sha256"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `run` decides redactions, findings and plan counts inside its export;
/// the separate steps, run afterwards on the same session, agree.
#[test]
fn run_decides_what_the_separate_steps_decide() {
    let tmp = tempfile::tempdir().unwrap();
    let session = tmp.path().join("s.db");
    let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples");
    let config = samples.join("gantry.yaml");
    let key = tmp.path().join("k.key");
    run(gantry(&session).args(["key", "new"]).arg(&key));
    let output = run(gantry(&session)
        .args(["--quiet", "run"])
        .arg(&samples)
        .arg(tmp.path().join("out"))
        .arg("--config")
        .arg(&config)
        .arg("--key")
        .arg(&key)
        .arg("--json"));
    let report = json(&output);
    assert!(
        report["redact"]["redacted"].as_u64().unwrap() > 0,
        "{report:#}"
    );
    let step = |args: &[&str]| {
        json(&run(gantry(&session)
            .arg("--quiet")
            .args(args)
            .arg("--config")
            .arg(&config)
            .arg("--key")
            .arg(&key)
            .arg("--json")))
    };
    assert_eq!(step(&["redact"]), report["redact"]);
    assert_eq!(step(&["audit"]), report["audit"]);
    assert_eq!(step(&["anonymize"]), report["anonymize"]);
}
