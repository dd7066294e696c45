//! A stock RSNA CTP `DicomAnonymizer.script`, converted by `gantry ctp
//! import` and run on the real dev corpus: the output carries what the
//! script asks for (SPEC §8, §12.1).

use std::path::{Path, PathBuf};

use dicom_core::Tag;
use dicom_core::chrono::{NaiveDate, TimeDelta};
use dicom_core::header::Header as _;
use dicom_dictionary_std::tags;
use dicom_object::OpenFileOptions;

use crate::support::{corpus, gantry, json, run};

fn stock_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/ctp/DicomAnonymizer.script")
}

/// The element's text, padding trimmed; `None` when absent or empty.
fn text(obj: &dicom_object::InMemDicomObject, tag: Tag) -> Option<String> {
    let value = obj.get(tag)?.to_str().ok()?;
    let value = value.trim_end_matches(['\0', ' ']).trim_start().to_owned();
    (!value.is_empty()).then_some(value)
}

/// The header, UN elements read in their real VR (some sources store
/// standard attributes as UN); `None` for the few sources dicom-object
/// cannot open alone (no file meta group).
fn header(path: &Path) -> Option<dicom_object::InMemDicomObject> {
    let mut header = OpenFileOptions::new()
        .read_until(tags::PIXEL_DATA)
        .open_file(path)
        .ok()?
        .into_inner();
    gantry::privacy::normalize_un(&mut header);
    Some(header)
}

#[test]
fn ctp_import_converts_the_stock_anonymizer_script() {
    let tmp = tempfile::tempdir().unwrap();
    let output = run(gantry(&tmp.path().join("s.db"))
        .args(["ctp", "import", "--json"])
        .arg(stock_script()));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    assert_eq!(report["kind"], "anonymizer");
    let config = &report["config"];
    assert_eq!(config["profile"], "basic");
    // @incrementdate(this,@DATEINC) with DATEINC = -3210.
    assert_eq!(config["dates"]["min_days"], -3210);
    assert_eq!(config["dates"]["max_days"], -3210);
    let phi = &config["phi_tags"];
    assert_eq!(phi["(0008,0018)"]["action"], "UID");
    assert_eq!(phi["(0008,0020)"]["action"], "SHIFT");
    assert_eq!(phi["(0008,0030)"]["action"], "KEEP");
    assert_eq!(phi["(0008,0080)"]["action"], "REMOVE");
    assert_eq!(phi["(0008,0090)"]["action"], "EMPTY");
    assert_eq!(
        phi["(0010,0010)"],
        serde_json::json!({"action": "CTP", "value": "@hashname(this,6,2)"})
    );
    assert_eq!(
        phi["(0008,0050)"],
        serde_json::json!({"action": "CTP", "value": "@hash(this,16)"})
    );
    // Disabled rules are not converted; stamped elements are not either,
    // with a warning at their line.
    assert!(phi.get("(0008,0008)").is_none());
    assert!(phi.get("(0012,0062)").is_none());
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert!(
        diagnostics
            .iter()
            .all(|d| d["severity"] == "warning" && d["line"].as_u64().unwrap() >= 1),
        "{diagnostics:#?}"
    );
    assert!(diagnostics.iter().any(|d| {
        d["line"] == 181
            && d["message"]
                .as_str()
                .unwrap()
                .contains("Gantry writes this element itself")
    }));
    let counts = &report["counts"];
    assert_eq!(
        counts["rules"].as_u64().unwrap(),
        counts["native"].as_u64().unwrap()
            + counts["ctp"].as_u64().unwrap()
            + counts["dropped"].as_u64().unwrap()
    );

    // Without --json: the YAML on stdout loads as a config.
    let output = run(gantry(&tmp.path().join("s.db"))
        .args(["--quiet", "ctp", "import"])
        .arg(stock_script()));
    assert_eq!(output.status.code(), Some(0));
    let yaml = String::from_utf8(output.stdout).unwrap();
    assert!(yaml.contains("date_jitter: -3210"), "{yaml}");
    let config = gantry::config::Config::from_str(&yaml, "stdout.yaml").unwrap();
    assert_eq!(config.date_range(), (-3210, -3210));
}

#[test]
fn ctp_import_reports_what_cannot_run_and_exits_1() {
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("site.script");
    std::fs::write(
        &script,
        "<script>\n\
         <p t=\"KEY\">secret</p>\n\
         <e en=\"T\" t=\"00100020\" n=\"PatientID\">@encrypt(this,@KEY)</e>\n\
         <e en=\"T\" t=\"00100030\" n=\"PatientBirthDate\">@remove()</e>\n\
         </script>\n",
    )
    .unwrap();
    let output = run(gantry(&tmp.path().join("s.db"))
        .args(["ctp", "import", "--json"])
        .arg(&script));
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    let errors: Vec<&serde_json::Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "error")
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0]["line"], 3);
    let message = errors[0]["message"].as_str().unwrap();
    assert!(message.contains("@encrypt"), "{message}");
    assert!(!message.contains("secret"), "{message}");
    // The rule that converts is kept; the one that cannot is not.
    assert_eq!(
        report["config"]["phi_tags"]["(0010,0030)"]["action"],
        "REMOVE"
    );
    assert!(report["config"]["phi_tags"].get("(0010,0020)").is_none());
    // --out writes the YAML, and refuses to overwrite.
    let out = tmp.path().join("site.yaml");
    let output = run(gantry(&tmp.path().join("s.db"))
        .args(["--quiet", "ctp", "import", "--out"])
        .arg(&out)
        .arg(&script));
    assert_eq!(output.status.code(), Some(1));
    assert!(out.is_file());
    let output = run(gantry(&tmp.path().join("s.db"))
        .args(["--quiet", "ctp", "import", "--out"])
        .arg(&out)
        .arg(&script));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("it must not exist yet"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_converted_stock_script_de_identifies_the_dev_corpus_as_it_says() {
    let tmp = tempfile::tempdir().unwrap();
    let session = tmp.path().join("s.db");
    let config = tmp.path().join("ctp.yaml");
    let output = run(gantry(&session)
        .args(["--quiet", "ctp", "import", "--out"])
        .arg(&config)
        .arg(stock_script()));
    assert_eq!(output.status.code(), Some(0));
    let out = tmp.path().join("out");
    let output = run(gantry(&session)
        .args(["--quiet", "run"])
        .arg(corpus("dev"))
        .arg(&out)
        .arg("--config")
        .arg(&config)
        .arg("--json"));
    let report = json(&output);
    assert_eq!(report["export"]["failed"], 0, "{report:#}");
    assert_eq!(report["verify"]["leaks"], 0, "{:#}", report["verify"]);
    let mapping: Vec<serde_json::Value> =
        serde_json::from_slice(&run(gantry(&session).args(["mapping", "--json"])).stdout).unwrap();
    let written: Vec<(PathBuf, PathBuf)> = mapping
        .iter()
        .filter(|r| r["status"] == "written")
        .map(|r| {
            (
                PathBuf::from(r["source"].as_str().unwrap()),
                out.join(r["output"].as_str().unwrap()),
            )
        })
        .collect();
    assert!(written.len() > 100, "{}", written.len());
    let (mut dates, mut accessions, mut names, mut times) = (0, 0, 0, 0);
    for (source, output) in &written {
        let Some(before) = header(source) else {
            continue;
        };
        let after = header(output).expect("our output opens");
        // StudyDate: exactly DATEINC days earlier.
        if let Some(date) = text(&before, tags::STUDY_DATE)
            .and_then(|d| NaiveDate::parse_from_str(&d, "%Y%m%d").ok())
        {
            let expected = (date + TimeDelta::days(-3210)).format("%Y%m%d").to_string();
            assert_eq!(
                text(&after, tags::STUDY_DATE).as_deref(),
                Some(expected.as_str()),
                "{}",
                output.display()
            );
            dates += 1;
        }
        // AccessionNumber: @hash(this,16), keyed digits.
        if let Some(original) = text(&before, tags::ACCESSION_NUMBER) {
            let hashed = text(&after, tags::ACCESSION_NUMBER).expect("hashed, not removed");
            assert!(
                hashed.len() <= 16 && hashed.bytes().all(|b| b.is_ascii_digit()),
                "{}",
                output.display()
            );
            assert_ne!(hashed, original);
            accessions += 1;
        }
        // PatientName: @hashname(this,6,2), six keyed digits at most.
        if text(&before, tags::PATIENT_NAME).is_some() {
            let hashed = text(&after, tags::PATIENT_NAME).expect("hashed, not removed");
            assert!(
                hashed.len() <= 6 && hashed.bytes().all(|b| b.is_ascii_digit()),
                "{}: {hashed:?}",
                output.display()
            );
            names += 1;
        }
        // StudyTime: @keep(), where PS3.15's basic profile would not.
        if let Some(time) = text(&before, tags::STUDY_TIME) {
            assert_eq!(text(&after, tags::STUDY_TIME), Some(time));
            times += 1;
        }
        // The stamps describe Gantry's work, not the script's text.
        assert_eq!(
            text(&after, tags::PATIENT_IDENTITY_REMOVED).as_deref(),
            Some("YES")
        );
        // Private groups are removed (privategroups is on).
        assert!(
            after.iter().all(|e| e.tag().group() % 2 == 0),
            "{}",
            output.display()
        );
    }
    assert!(
        dates > 50 && accessions > 20 && names > 50 && times > 50,
        "{dates} {accessions} {names} {times}"
    );
}
