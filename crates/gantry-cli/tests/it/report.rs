//! `gantry report` after a main job on third-party files: exact figures
//! per step, the CID 7050 codes, the quarantine reason, redaction coverage
//! per machine, verification and the key, in JSON, Markdown and HTML — and
//! none of the inputs' identifying values in any of them (SPEC §11).

use std::path::{Path, PathBuf};

use dicom_dictionary_std::tags;
use dicom_object::OpenFileOptions;

use crate::support::{corpus, gantry, json, run};

/// CT (no rule), NM with BurnedInAnnotation YES (the config's zone), MR
/// (no rule), and an ultrasound with a birth date, which the config keeps
/// and `--safe` therefore quarantines.
const INPUTS: [&str; 4] = [
    "pydicom_CT_small.dcm",
    "dicognito_burned_in_yes.dcm",
    "pydicom_MR_small.dcm",
    "deid-data_RGB_IMAGE.dcm",
];

const CONFIG: &str = "privacy_profile: basic
options: [retain-long-modified-dates, retain-device-identity]
phi_tags:
  PatientBirthDate: KEEP
machines:
  - manufacturer: GE Medical Systems
    model_name: MILLENNIUM MG
    redaction_zones: [[0, 40, 0, 256]]
";

const MACHINE_RULE: &str = "config machine #1 (GE Medical Systems MILLENNIUM MG)";

struct Job {
    tmp: tempfile::TempDir,
    session: PathBuf,
    out: PathBuf,
    run: serde_json::Value,
    key_fingerprint: String,
}

fn main_job() -> Job {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).unwrap();
    let dev = corpus("dev");
    for name in INPUTS {
        std::fs::copy(dev.join(name), input.join(name)).unwrap();
    }
    let config = tmp.path().join("cfg.yaml");
    std::fs::write(&config, CONFIG).unwrap();
    let key = tmp.path().join("project.key");
    let made = run(gantry(&tmp.path().join("unused.db"))
        .args(["key", "new"])
        .arg(&key));
    assert!(made.status.success());
    // "wrote PATH (fingerprint F)"
    let printed = String::from_utf8(made.stdout).unwrap();
    let key_fingerprint = printed
        .trim()
        .rsplit_once("(fingerprint ")
        .and_then(|(_, f)| f.strip_suffix(')'))
        .unwrap()
        .to_string();

    let session = tmp.path().join("s.db");
    let out = tmp.path().join("out");
    let output = run(gantry(&session)
        .args(["--quiet", "run"])
        .arg(&input)
        .arg(&out)
        .arg("--config")
        .arg(&config)
        .arg("--key")
        .arg(&key)
        .args(["--safe", "--no-knowledge-base", "--json"]));
    assert_eq!(
        output.status.code(),
        Some(1),
        "one quarantine needs a person: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let run = json(&output);
    Job {
        tmp,
        session,
        out,
        run,
        key_fingerprint,
    }
}

/// The identifying values of the inputs, as a person would search for
/// them: PatientName (whole and each name part), PatientID,
/// StudyInstanceUID, AccessionNumber — and the source file names (source
/// paths can hold names).
fn identifying_values() -> Vec<String> {
    let dev = corpus("dev");
    let mut values = Vec::new();
    for name in INPUTS {
        values.push(name.to_string());
        let obj = OpenFileOptions::new()
            .read_until(tags::PIXEL_DATA)
            .open_file(dev.join(name))
            .unwrap();
        for tag in [
            tags::PATIENT_NAME,
            tags::PATIENT_ID,
            tags::STUDY_INSTANCE_UID,
            tags::ACCESSION_NUMBER,
        ] {
            let Some(value) = obj
                .element_opt(tag)
                .unwrap()
                .and_then(|e| e.to_str().ok())
                .map(|v| v.trim_end_matches(['\0', ' ']).trim().to_string())
            else {
                continue;
            };
            if tag == tags::PATIENT_NAME {
                values.extend(
                    value
                        .split(['^', ' '])
                        .filter(|part| part.len() >= 4)
                        .map(str::to_string),
                );
            }
            if !value.is_empty() {
                values.push(value);
            }
        }
    }
    assert!(values.len() >= 16, "{values:?}");
    assert!(contains_token("a ZZZDOWNTIME^x", "zzzdowntime"));
    assert!(!contains_token("Summary", "MARY"));
    values
}

/// Whether `value` occurs in `text` (ASCII case ignored) as a whole token:
/// not inside a longer run of letters or digits (a name part `MARY` is not
/// found in the heading `Summary`).
fn contains_token(text: &str, value: &str) -> bool {
    let text = text.to_ascii_lowercase();
    let value = value.to_ascii_lowercase();
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    text.match_indices(&value).any(|(at, _)| {
        !word(text[..at].chars().next_back()) && !word(text[at + value.len()..].chars().next())
    })
}

fn report_json(session: &Path, extra: &[&str]) -> serde_json::Value {
    let output = run(gantry(session).args(["report", "--json"]).args(extra));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    json(&output)
}

fn step<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == name)
        .unwrap_or_else(|| panic!("step {name} missing"))
}

#[test]
fn report_after_a_main_job_gives_exact_figures_in_three_forms_without_phi() {
    let job = main_job();
    let report = report_json(&job.session, &[]);

    // Which tool, which export.
    assert_eq!(report["tool"]["name"], "gantry");
    assert_eq!(report["tool"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(report["export"]["root"], job.out.to_str().unwrap());
    assert_eq!(
        (
            &report["export"]["written"],
            &report["export"]["quarantined"],
            &report["export"]["failed"]
        ),
        (&3.into(), &1.into(), &0.into())
    );
    let session = &report["session"];
    assert_eq!(session["empty"], false);
    assert_eq!(session["instances"], 4);
    assert_eq!(session["patients"], 4);
    assert_eq!(session["files"]["indexed"], 4);

    // Counts per step: each ran once, with the figures the run printed.
    for name in ["ingest", "audit", "anonymize", "redact", "export", "verify"] {
        assert_eq!(step(&report, name)["runs"], 1, "{name}");
        assert!(step(&report, name)["last_at"].is_string(), "{name}");
    }
    let counts = |name: &str| step(&report, name)["counts"].clone();
    assert_eq!(counts("ingest")["indexed"], 4);
    assert_eq!(counts("ingest")["failed"], 0);
    assert_eq!(counts("audit")["findings"], job.run["audit"]["findings"]);
    assert_eq!(counts("audit")["instances_with_findings"], 4);
    assert_eq!(counts("anonymize")["instances"], 4);
    assert_eq!(
        counts("anonymize")["operations"],
        job.run["anonymize"]["operations"]
    );
    assert_eq!(counts("anonymize")["failed"], 0);
    assert_eq!(counts("redact")["instances"], 4);
    assert_eq!(counts("redact")["matched"], 1);
    assert_eq!(counts("redact")["redacted"], 1);
    assert_eq!(counts("redact")["uncovered"], 1);
    assert_eq!(counts("export")["written"], 3);
    assert_eq!(counts("export")["quarantined"], 1);
    assert_eq!(counts("export")["redacted"], 1);
    assert_eq!(counts("verify")["files"], 3);
    assert_eq!(counts("verify")["leaks"], 0);

    // Profile and options with their CID 7050 codes, as applied.
    let deid = &report["deidentification"];
    assert_eq!(
        deid["profile"],
        "basic+retain-device-identity+retain-long-modified-dates"
    );
    let codes: Vec<(&str, &str, &str)> = deid["method_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["code"].as_str().unwrap(),
                c["scheme"].as_str().unwrap(),
                c["meaning"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [
            ("113100", "DCM", "Basic Application Confidentiality Profile"),
            ("113109", "DCM", "Retain Device Identity Option"),
            (
                "113107",
                "DCM",
                "Retain Longitudinal Temporal Information Modified Dates Option"
            ),
        ]
    );
    assert_eq!(
        deid["overrides"],
        serde_json::json!([{"tag": "(0010,0030)", "action": "KEEP"}])
    );
    assert_eq!(deid["safe"], true);
    assert_eq!(deid["private_attributes"], "remove");
    assert_eq!(deid["recorded_by"]["event"], "export");

    // The key: the project key's fingerprint, as `key new` and `run` printed.
    assert_eq!(job.run["key"]["fingerprint"], job.key_fingerprint.as_str());
    assert_eq!(
        report["key"],
        serde_json::json!({"source": "project", "fingerprint": job.key_fingerprint})
    );
    assert_eq!(
        report["export"]["key_fingerprints"],
        serde_json::json!({ job.key_fingerprint.clone(): 4 })
    );
    let config_hash = report["config"]["hash"].as_str().unwrap();
    assert_eq!(config_hash.len(), 64);
    assert!(config_hash.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(deid["config_hash"], config_hash);

    // Findings before (the audit) and after (verify).
    assert_eq!(
        report["findings"]["before"]["findings"],
        job.run["audit"]["findings"]
    );
    assert_eq!(
        report["findings"]["before"]["by_rule"]["burned-in-annotation"], 1,
        "the ultrasound no rule covers"
    );
    assert_eq!(report["findings"]["after"]["leaks"], 0);
    assert_eq!(report["findings"]["after"]["findings"], 0);

    // The quarantine and its reason.
    assert_eq!(
        report["quarantine"]["reasons"],
        serde_json::json!([{
            "status": "quarantined",
            "reason": "--safe: a patient identifier remains in (0010,0030)",
            "instances": 1,
        }])
    );

    // Redaction coverage per machine.
    let machines = report["redaction"]["machines"].as_array().unwrap();
    let machine = |manufacturer: &str| {
        machines
            .iter()
            .find(|m| m["manufacturer"] == manufacturer)
            .unwrap_or_else(|| panic!("{manufacturer} missing: {machines:?}"))
    };
    let nm = machine("GE Medical Systems");
    assert_eq!(nm["model"], "MILLENNIUM MG");
    assert_eq!(
        (&nm["instances"], &nm["matched"], &nm["blanked"]),
        (&1.into(), &1.into(), &1.into())
    );
    assert_eq!(nm["rules"], serde_json::json!({ MACHINE_RULE: 1 }));
    assert_eq!(nm["may_carry_text_without_rule"], 0);
    let us = machine("SIEMENS");
    assert_eq!(us["model"], "S2000");
    assert_eq!(us["modalities"], serde_json::json!({"US": 1}));
    assert_eq!(
        (&us["matched"], &us["may_carry_text_without_rule"]),
        (&0.into(), &1.into())
    );
    for quiet in ["GE MEDICAL SYSTEMS", "TOSHIBA_MEC"] {
        let m = machine(quiet);
        assert_eq!(
            (&m["matched"], &m["may_carry_text_without_rule"]),
            (&0.into(), &0.into()),
            "{quiet}"
        );
    }
    assert_eq!(machines.len(), 4);
    assert!(
        machines.iter().all(|m| m.get("serial").is_none()),
        "serial numbers are identifiers"
    );
    let redaction = &report["redaction"];
    assert_eq!(
        (
            &redaction["instances"],
            &redaction["matched"],
            &redaction["blanked"],
            &redaction["may_carry_text_without_rule"]
        ),
        (&4.into(), &1.into(), &1.into(), &1.into())
    );

    // BurnedInAnnotation: the NM image says YES, and its zone blanks it.
    assert_eq!(
        report["burned_in_annotation"],
        serde_json::json!({
            "yes": 1, "no": 0, "absent": 3, "other": 0,
            "yes_covered": 1, "yes_blanked": 1, "yes_without_rule": 0,
        })
    );

    // Verification and the audit log.
    assert_eq!(report["verification"]["status"], "clean");
    assert_eq!(report["verification"]["files"], 3);
    assert_eq!(report["verification"]["root"], job.out.to_str().unwrap());
    assert_eq!(report["audit_log"]["events"], 6);
    assert_eq!(report["audit_log"]["intact"], true);
    assert_eq!(
        report["audit_log"]["first_bad_row"],
        serde_json::Value::Null
    );

    // Markdown and HTML files, and Markdown on stdout by default.
    let markdown = job.tmp.path().join("report.md");
    let html = job.tmp.path().join("report.html");
    let written = run(gantry(&job.session)
        .arg("report")
        .arg("--markdown")
        .arg(&markdown)
        .arg("--html")
        .arg(&html));
    assert_eq!(written.status.code(), Some(0));
    let markdown = std::fs::read_to_string(&markdown).unwrap();
    let html = std::fs::read_to_string(&html).unwrap();
    let stdout = run(gantry(&job.session).arg("report"));
    assert_eq!(stdout.status.code(), Some(0));
    let stdout = String::from_utf8(stdout.stdout).unwrap();
    assert!(
        stdout.starts_with("# Gantry compliance report\n"),
        "{stdout}"
    );
    for title in [
        "Summary",
        "Session",
        "Export",
        "De-identification method",
        "Key",
        "Configuration",
        "Steps",
        "Findings before and after",
        "Quarantined and failed instances",
        "Redaction coverage per machine",
        "BurnedInAnnotation",
        "Verification",
        "Audit log integrity",
    ] {
        assert!(markdown.contains(&format!("\n## {title}\n")), "{title}");
        assert!(stdout.contains(&format!("\n## {title}\n")), "{title}");
        assert!(html.contains(&format!("<h2>{title}</h2>")), "{title}");
    }
    for form in [&markdown, &html] {
        assert!(form.contains("113107"));
        assert!(form.contains(&job.key_fingerprint));
        assert!(form.contains(config_hash));
        assert!(form.contains("--safe: a patient identifier remains in (0010,0030)"));
        assert!(form.contains(MACHINE_RULE));
    }
    assert!(html.starts_with("<!DOCTYPE html>"));
    for forbidden in ["http", "<script", "<link"] {
        assert!(!html.contains(forbidden), "HTML holds {forbidden}");
    }

    // No identifying value of any input, in any form.
    let json_text = serde_json::to_string(&report).unwrap();
    for value in identifying_values() {
        for (form, text) in [
            ("json", &json_text),
            ("markdown", &markdown),
            ("stdout", &stdout),
            ("html", &html),
        ] {
            assert!(
                !contains_token(text, &value),
                "{form} holds an input's identifying value"
            );
        }
    }

    // Reporting changes nothing: the audit log has the same events.
    let again = report_json(&job.session, &[]);
    assert_eq!(again["audit_log"], report["audit_log"]);
}

#[test]
fn report_names_its_export_and_refuses_one_never_made() {
    let job = main_job();
    let report = report_json(&job.session, &["--export", job.out.to_str().unwrap()]);
    assert_eq!(report["export"]["root"], job.out.to_str().unwrap());
    let missing = run(gantry(&job.session)
        .args(["report", "--json", "--export"])
        .arg(job.tmp.path().join("never")));
    assert_eq!(missing.status.code(), Some(2));
    assert!(missing.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("no export to"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
}

#[test]
fn report_of_an_empty_session_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let session = tmp.path().join("s.db");
    let report = report_json(&session, &[]);
    assert_eq!(report["session"]["empty"], true);
    assert_eq!(report["export"], serde_json::Value::Null);
    assert_eq!(report["verification"]["status"], "not-verified");
    let markdown = run(gantry(&session).arg("report"));
    assert_eq!(markdown.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&markdown.stdout).contains("This session is empty"));
}
