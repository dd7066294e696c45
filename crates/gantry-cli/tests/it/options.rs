//! Export options and config: `--safe` quarantine, selection, `config
//! init`, config errors with locations.

use crate::support::{corpus, gantry, json, run};

fn ingest_some(session: &std::path::Path) {
    let dev = corpus("dev");
    for name in [
        "pydicom_CT_small.dcm",
        "pydicom_MR_small.dcm",
        "pydicom_rtplan.dcm",
    ] {
        let output = run(gantry(session)
            .args(["--quiet", "ingest"])
            .arg(dev.join(name)));
        assert!(output.status.success());
    }
}

#[test]
fn safe_mode_quarantines_an_instance_whose_kept_values_identify_the_patient() {
    let tmp = tempfile::tempdir().unwrap();
    let session = tmp.path().join("s.db");
    ingest_some(&session);
    // Keeping PatientName is the user's call — but --safe must catch it.
    let config = tmp.path().join("cfg.yaml");
    std::fs::write(
        &config,
        "privacy_profile: basic\nphi_tags:\n  PatientName: KEEP\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let output = run(gantry(&session)
        .args(["--quiet", "export"])
        .arg(&out)
        .arg("--config")
        .arg(&config)
        .args(["--safe", "--json"]));
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    assert_eq!(report["written"], 0);
    assert_eq!(report["quarantined"], 3);
    let manifest = std::fs::read_to_string(out.join("manifest.csv")).unwrap();
    assert!(
        manifest.contains("--safe: a patient identifier remains in (0010,0010)"),
        "{manifest}"
    );
    // Without --safe the same config writes (the user asked for it).
    let out2 = tmp.path().join("out2");
    let output = run(gantry(&session)
        .args(["--quiet", "export"])
        .arg(&out2)
        .arg("--config")
        .arg(&config)
        .arg("--json"));
    assert_eq!(json(&output)["written"], 3);
}

#[test]
fn selection_by_where_filter_and_patient() {
    let tmp = tempfile::tempdir().unwrap();
    let session = tmp.path().join("s.db");
    ingest_some(&session);
    let out = tmp.path().join("ct");
    let output = run(gantry(&session)
        .args(["--quiet", "export"])
        .arg(&out)
        .args([
            "--where",
            "Modality = 'CT' OR Modality = 'RTPLAN'",
            "--json",
        ]));
    assert_eq!(json(&output)["written"], 2);
    let bad = run(gantry(&session)
        .args(["--quiet", "export"])
        .arg(tmp.path().join("x"))
        .args(["--where", "PatientName = 'Doe'"]));
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("'PatientName' is not a filterable attribute"),
        "{stderr}"
    );
}

#[test]
fn config_init_scaffolds_a_loadable_config_listing_every_machine() {
    let tmp = tempfile::tempdir().unwrap();
    let session = tmp.path().join("s.db");
    let output = run(gantry(&session)
        .args(["--quiet", "ingest"])
        .arg(corpus("dev")));
    assert!(output.status.success());
    let config = tmp.path().join("cfg.yaml");
    assert!(
        run(gantry(&session).args(["config", "init"]).arg(&config))
            .status
            .success()
    );
    let text = std::fs::read_to_string(&config).unwrap();
    for machine in [
        "GE MEDICAL SYSTEMS",
        "LightSpeed Ultra",
        "TOSHIBA_MEC",
        "MRT50H1",
    ] {
        assert!(
            text.contains(machine),
            "{machine} missing from the scaffold"
        );
    }
    // It loads: an audit with it runs.
    let audit = run(gantry(&session)
        .args(["--quiet", "audit", "--json", "--config"])
        .arg(&config));
    assert!(
        audit.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&audit.stderr)
    );
    let report = json(&audit);
    assert!(report["findings"].as_u64().unwrap() > 0);
    assert!(
        report["by_rule"]
            .as_object()
            .unwrap()
            .contains_key("profile:Z")
    );
    // Never overwrites.
    assert_eq!(
        run(gantry(&session).args(["config", "init"]).arg(&config))
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn config_errors_name_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    let session = tmp.path().join("s.db");
    let config = tmp.path().join("bad.yaml");
    std::fs::write(
        &config,
        "privacy_profile: basic\nphi_tag:\n  PatientName: KEEP\n",
    )
    .unwrap();
    let output = run(gantry(&session).args(["audit", "--config"]).arg(&config));
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.yaml:2:1"), "{stderr}");
    assert!(stderr.contains("unknown key 'phi_tag'"), "{stderr}");
}
