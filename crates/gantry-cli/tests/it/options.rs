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

/// Elements after Pixel Data (here a private block in group 7FE1, which
/// sorts after (7FE0,0010)) are de-identified like any other element, and
/// the pixels are spliced byte for byte.
#[test]
fn elements_after_pixel_data_are_deidentified_too() {
    use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
    use dicom_dictionary_std::{tags, uids};
    use dicom_object::InMemDicomObject;
    use dicom_object::meta::FileMetaTableBuilder;

    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).unwrap();
    let pixels: Vec<u8> = (0..64u32 * 64 * 2).map(|i| (i % 251) as u8).collect();
    let obj = InMemDicomObject::from_element_iter([
        DataElement::new(
            tags::SOP_CLASS_UID,
            VR::UI,
            PrimitiveValue::from(uids::CT_IMAGE_STORAGE),
        ),
        DataElement::new(
            tags::SOP_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from("1.2.3.4.5.6.7"),
        ),
        DataElement::new(
            tags::STUDY_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from("1.2.3.4.5"),
        ),
        DataElement::new(
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from("1.2.3.4.5.6"),
        ),
        DataElement::new(tags::MODALITY, VR::CS, PrimitiveValue::from("CT")),
        DataElement::new(
            tags::PATIENT_NAME,
            VR::PN,
            PrimitiveValue::from("Trailing^Tess"),
        ),
        DataElement::new(tags::PATIENT_ID, VR::LO, PrimitiveValue::from("TRAIL-0042")),
        DataElement::new(tags::ROWS, VR::US, PrimitiveValue::from(64_u16)),
        DataElement::new(tags::COLUMNS, VR::US, PrimitiveValue::from(64_u16)),
        DataElement::new(tags::BITS_ALLOCATED, VR::US, PrimitiveValue::from(16_u16)),
        DataElement::new(tags::BITS_STORED, VR::US, PrimitiveValue::from(16_u16)),
        DataElement::new(tags::HIGH_BIT, VR::US, PrimitiveValue::from(15_u16)),
        DataElement::new(
            tags::PIXEL_REPRESENTATION,
            VR::US,
            PrimitiveValue::from(0_u16),
        ),
        DataElement::new(tags::SAMPLES_PER_PIXEL, VR::US, PrimitiveValue::from(1_u16)),
        DataElement::new(
            tags::PHOTOMETRIC_INTERPRETATION,
            VR::CS,
            PrimitiveValue::from("MONOCHROME2"),
        ),
        DataElement::new(
            tags::PIXEL_DATA,
            VR::OW,
            PrimitiveValue::from(pixels.clone()),
        ),
        DataElement::new(
            Tag(0x7FE1, 0x0010),
            VR::LO,
            PrimitiveValue::from("ACME TRAILER"),
        ),
        DataElement::new(
            Tag(0x7FE1, 0x1010),
            VR::LO,
            PrimitiveValue::from("Trailing^Tess TRAIL-0042"),
        ),
    ]);
    let file = obj
        .with_meta(FileMetaTableBuilder::new().transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN))
        .unwrap();
    let source = input.join("trailer.dcm");
    file.write_to_file(&source).unwrap();
    let bytes = std::fs::read(&source).unwrap();
    let pixel_end = bytes
        .windows(12)
        .position(|w| w == b"ACME TRAILER")
        .unwrap();
    assert!(
        pixel_end > bytes.len() / 2,
        "the private block follows Pixel Data"
    );

    let session = tmp.path().join("s.db");
    let out = tmp.path().join("out");
    let output = run(gantry(&session)
        .args(["--quiet", "run"])
        .arg(&input)
        .arg(&out)
        .arg("--json"));
    let report = json(&output);
    assert_eq!(report["export"]["written"], 1, "{report:#}");
    let mapping: Vec<serde_json::Value> =
        serde_json::from_slice(&run(gantry(&session).args(["mapping", "--json"])).stdout).unwrap();
    let written = out.join(mapping[0]["output"].as_str().unwrap());
    let result = dicom_object::open_file(&written).unwrap();
    assert!(
        result.get(Tag(0x7FE1, 0x1010)).is_none(),
        "private element after Pixel Data kept"
    );
    assert!(
        result.get(Tag(0x7FE1, 0x0010)).is_none(),
        "its creator kept"
    );
    assert_eq!(
        result
            .element(tags::PIXEL_DATA)
            .unwrap()
            .to_bytes()
            .unwrap()
            .as_ref(),
        pixels.as_slice()
    );
    let text = std::fs::read(&written).unwrap();
    assert!(!text.windows(13).any(|w| w == b"Trailing^Tess"));
}

#[test]
fn hash_writes_values_valid_for_the_vr_and_refuses_dates() {
    let tmp = tempfile::tempdir().unwrap();
    let session = tmp.path().join("s.db");
    let ct = corpus("dev").join("pydicom_CT_small.dcm");
    let output = run(gantry(&session).args(["--quiet", "ingest"]).arg(&ct));
    assert!(output.status.success());
    let original = dicom_object::open_file(&ct).unwrap();
    let text = |obj: &dicom_object::DefaultDicomObject, tag| {
        obj.element(tag)
            .unwrap()
            .to_str()
            .unwrap()
            .trim_end_matches(['\0', ' '])
            .to_string()
    };
    use dicom_dictionary_std::tags;

    // Text, IS and UI: a keyed hash that is a valid value of the VR.
    let config = tmp.path().join("hash.yaml");
    std::fs::write(
        &config,
        "privacy_profile: basic\nphi_tags:\n  InstitutionName: HASH\n  SeriesNumber: HASH\n  FrameOfReferenceUID: HASH\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let output = run(gantry(&session)
        .args(["--quiet", "export"])
        .arg(&out)
        .arg("--config")
        .arg(&config)
        .arg("--json"));
    assert_eq!(json(&output)["written"], 1, "{output:?}");
    let written = crate::support::tree(&out);
    assert_eq!(written.len(), 1);
    let exported = dicom_object::from_reader(&written.values().next().unwrap()[128..]).unwrap();
    let institution = text(&exported, tags::INSTITUTION_NAME);
    assert_eq!(institution.len(), 64);
    assert!(institution.chars().all(|c| c.is_ascii_hexdigit()));
    let series_number = text(&exported, tags::SERIES_NUMBER);
    assert!(series_number.parse::<i32>().is_ok(), "{series_number}");
    assert_ne!(series_number, text(&original, tags::SERIES_NUMBER));
    let frame_of_reference = text(&exported, tags::FRAME_OF_REFERENCE_UID);
    assert!(
        frame_of_reference.starts_with("2.25."),
        "{frame_of_reference}"
    );
    assert!(
        frame_of_reference
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.')
    );

    // A date has no hashed form: the instance fails, the reason names the
    // element and not its value, and the text output points to it.
    std::fs::write(
        &config,
        "privacy_profile: basic\nphi_tags:\n  StudyDate: HASH\n",
    )
    .unwrap();
    let out2 = tmp.path().join("out2");
    let output = run(gantry(&session)
        .args(["export"])
        .arg(&out2)
        .arg("--config")
        .arg(&config));
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("export: 0 written, 0 quarantined, 1 failed"),
        "{stdout}"
    );
    assert!(stdout.contains("why each was not written:"), "{stdout}");
    let manifest = std::fs::read_to_string(out2.join("manifest.csv")).unwrap();
    assert!(
        manifest.contains("config HASH for (0008,0020): VR DA has no valid hashed value"),
        "{manifest}"
    );
    assert!(!manifest.contains(&text(&original, tags::STUDY_DATE)));
}
