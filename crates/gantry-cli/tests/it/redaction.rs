//! Redaction through the CLI: the knowledge base picks zones by geometry,
//! `config init` pre-fills them, clean-pixel-data quarantines what no rule
//! covers, the preview page loads in headless Chromium, and `--transfer-
//! syntax` transcodes with the size reported.

use std::path::{Path, PathBuf};
use std::process::Command;

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::{InMemDicomObject, OpenFileOptions};

use crate::oracle;
use crate::support::{gantry, json, run};

/// Value of every pixel of the generated ultrasound images: text-like
/// content everywhere, so blanked rows read 0 and kept rows read this.
const BRIGHT: u8 = 200;

/// An 8-bit grey ultrasound image of `model`, `rows` × `columns`, every
/// pixel [`BRIGHT`], BurnedInAnnotation YES.
fn ultrasound(dir: &Path, name: &str, model: &str, rows: u16, columns: u16) -> PathBuf {
    let n = format!("{}", u32::from(rows) * 7 + u32::from(columns));
    let text = |tag, vr, value: &str| DataElement::new(tag, vr, PrimitiveValue::from(value));
    let obj = InMemDicomObject::from_element_iter([
        text(tags::SOP_CLASS_UID, VR::UI, uids::ULTRASOUND_IMAGE_STORAGE),
        text(
            tags::SOP_INSTANCE_UID,
            VR::UI,
            &format!("1.2.826.0.1.3680043.9.7.{n}.{}", name.len()),
        ),
        text(
            tags::STUDY_INSTANCE_UID,
            VR::UI,
            &format!("1.2.826.0.1.3680043.9.7.{n}.1"),
        ),
        text(
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            &format!("1.2.826.0.1.3680043.9.7.{n}.2"),
        ),
        text(tags::MODALITY, VR::CS, "US"),
        text(tags::MANUFACTURER, VR::LO, "Philips Medical Systems"),
        text(tags::MANUFACTURER_MODEL_NAME, VR::LO, model),
        text(tags::PATIENT_NAME, VR::PN, "Sonar^Sally"),
        text(tags::PATIENT_ID, VR::LO, "US-7781"),
        text(tags::BURNED_IN_ANNOTATION, VR::CS, "YES"),
        text(tags::IMAGE_TYPE, VR::CS, "ORIGINAL\\PRIMARY"),
        DataElement::new(tags::ROWS, VR::US, PrimitiveValue::from(rows)),
        DataElement::new(tags::COLUMNS, VR::US, PrimitiveValue::from(columns)),
        DataElement::new(tags::SAMPLES_PER_PIXEL, VR::US, PrimitiveValue::from(1u16)),
        text(tags::PHOTOMETRIC_INTERPRETATION, VR::CS, "MONOCHROME2"),
        DataElement::new(tags::BITS_ALLOCATED, VR::US, PrimitiveValue::from(8u16)),
        DataElement::new(tags::BITS_STORED, VR::US, PrimitiveValue::from(8u16)),
        DataElement::new(tags::HIGH_BIT, VR::US, PrimitiveValue::from(7u16)),
        DataElement::new(
            tags::PIXEL_REPRESENTATION,
            VR::US,
            PrimitiveValue::from(0u16),
        ),
        DataElement::new(
            tags::PIXEL_DATA,
            VR::OB,
            PrimitiveValue::from(vec![BRIGHT; usize::from(rows) * usize::from(columns)]),
        ),
    ]);
    let path = dir.join(name);
    obj.with_meta(FileMetaTableBuilder::new().transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN))
        .expect("meta")
        .write_to_file(&path)
        .expect("write");
    path
}

/// Two iU22 images of different geometry and one image of a machine no
/// rule knows.
fn inputs(dir: &Path) {
    std::fs::create_dir_all(dir).expect("mkdir");
    ultrasound(dir, "iu22-480.dcm", "iU22", 480, 640);
    ultrasound(dir, "iu22-768.dcm", "iU22", 768, 1024);
    ultrasound(dir, "unknown.dcm", "Nobody 9", 64, 64);
}

/// Output path of each source file name, from `gantry mapping --json`.
fn outputs(session: &Path, root: &Path) -> Vec<(String, Option<PathBuf>, String)> {
    let rows = json(&run(gantry(session).args(["mapping", "--json"])));
    rows.as_array()
        .expect("array")
        .iter()
        .map(|r| {
            let source = Path::new(r["source"].as_str().expect("source"))
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            let output = r["output"].as_str().map(|p| root.join(p));
            (
                source,
                output,
                r["status"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Rows of an 8-bit native output whose pixels are all `value`.
fn rows_all(path: &Path, value: u8) -> Vec<bool> {
    let obj = OpenFileOptions::new()
        .open_file(path)
        .expect("output reads");
    let rows = obj
        .element(tags::ROWS)
        .expect("rows")
        .to_int::<usize>()
        .expect("rows");
    let columns = obj
        .element(tags::COLUMNS)
        .expect("cols")
        .to_int::<usize>()
        .expect("cols");
    let pixels = obj
        .element(tags::PIXEL_DATA)
        .expect("pixels")
        .to_bytes()
        .expect("bytes");
    (0..rows)
        .map(|r| {
            pixels[r * columns..(r + 1) * columns]
                .iter()
                .all(|&p| p == value)
        })
        .collect()
}

#[test]
fn knowledge_base_zones_follow_geometry_and_clean_pixel_data_quarantines_the_rest() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("in");
    inputs(&input);
    let session = tmp.path().join("s.db");
    run(gantry(&session).arg("--quiet").arg("ingest").arg(&input));

    let redact = run(gantry(&session).args(["redact", "--json"]));
    assert_eq!(
        redact.status.code(),
        Some(1),
        "an uncovered image needs a person"
    );
    let report = json(&redact);
    assert_eq!(report["instances"], 3);
    assert_eq!(report["redacted"], 2);
    assert_eq!(report["uncovered"], 1);
    // The stock script: iU22 with 480 rows at line 150, 768 rows at 155.
    let by_rule = report["by_rule"].as_object().expect("by_rule");
    assert_eq!(
        by_rule["CTP DicomPixelAnonymizer.script line 150"], 1,
        "{by_rule:?}"
    );
    assert_eq!(
        by_rule["CTP DicomPixelAnonymizer.script line 155"], 1,
        "{by_rule:?}"
    );

    let out = tmp.path().join("out");
    let export = run(gantry(&session)
        .args(["--quiet", "export", "--profile", "research", "--json"])
        .arg(&out));
    assert_eq!(export.status.code(), Some(1), "a quarantine needs a person");
    let report = json(&export);
    assert_eq!(
        (report["written"].as_u64(), report["quarantined"].as_u64()),
        (Some(2), Some(1))
    );
    assert_eq!(report["redacted"], 2);

    let mapped = outputs(&session, &out);
    let find = |name: &str| mapped.iter().find(|(s, _, _)| s == name).expect("mapped");
    // (0,0,640,47) on the 480-row image, (0,0,1024,75) on the 768-row one.
    for (name, blanked) in [("iu22-480.dcm", 47), ("iu22-768.dcm", 75)] {
        let output = find(name).1.clone().expect("written");
        let black = rows_all(&output, 0);
        let kept = rows_all(&output, BRIGHT);
        assert!(
            black[..blanked].iter().all(|&b| b),
            "{name}: rows 0..{blanked} blank"
        );
        assert!(
            kept[blanked..].iter().all(|&k| k),
            "{name}: rows from {blanked} untouched"
        );
        let obj = OpenFileOptions::new().open_file(&output).expect("reads");
        let text = |tag| {
            obj.element(tag)
                .expect("present")
                .to_str()
                .expect("text")
                .to_string()
        };
        assert_eq!(text(tags::BURNED_IN_ANNOTATION), "NO");
        assert!(text(tags::IMAGE_TYPE).starts_with("DERIVED"));
    }
    let (_, output, status) = find("unknown.dcm");
    assert_eq!((output, status.as_str()), (&None, "quarantined"));
    let manifest = std::fs::read_to_string(out.join("manifest.csv")).expect("manifest");
    assert!(manifest.contains("clean-pixel-data"), "{manifest}");

    // The basic profile has no clean-pixel-data option: the uncovered
    // image is written (its finding stays in the audit).
    let basic = tmp.path().join("basic");
    let report = json(&run(gantry(&session)
        .args(["--quiet", "export", "--json"])
        .arg(&basic)));
    assert_eq!(report["written"], 3);
}

/// Findings of `rule` in an audit summary.
fn findings_of(summary: &serde_json::Value, rule: &str) -> u64 {
    summary["by_rule"][rule].as_u64().unwrap_or(0)
}

#[test]
fn audit_drops_the_burned_in_finding_of_images_a_recorded_redaction_covers() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("in");
    inputs(&input);
    let session = tmp.path().join("s.db");
    run(gantry(&session).arg("--quiet").arg("ingest").arg(&input));

    // Before `redact`, no rule covers anything: three ultrasound images
    // with BurnedInAnnotation YES, three findings.
    let before = json(&run(gantry(&session).args(["--quiet", "audit", "--json"])));
    assert_eq!(findings_of(&before, "burned-in-annotation"), 3, "{before}");

    // The knowledge base covers both iU22 geometries; the unknown machine
    // keeps its finding, and nothing else changes.
    run(gantry(&session).args(["--quiet", "redact", "--json"]));
    let after = json(&run(gantry(&session).args(["--quiet", "audit", "--json"])));
    assert_eq!(findings_of(&after, "burned-in-annotation"), 1, "{after}");
    assert_eq!(
        before["findings"].as_u64().expect("count") - 2,
        after["findings"].as_u64().expect("count")
    );

    // Without the knowledge base nothing is recorded: the findings return.
    run(gantry(&session).args(["--quiet", "redact", "--no-knowledge-base", "--json"]));
    let uncovered = json(&run(gantry(&session).args(["--quiet", "audit", "--json"])));
    assert_eq!(
        findings_of(&uncovered, "burned-in-annotation"),
        3,
        "{uncovered}"
    );

    // The main job decides redaction before it audits.
    let fresh = tmp.path().join("run.db");
    let report = json(&run(gantry(&fresh)
        .args(["--quiet", "run", "--json"])
        .arg(&input)
        .arg(tmp.path().join("out"))));
    assert_eq!(
        findings_of(&report["audit"], "burned-in-annotation"),
        1,
        "{report}"
    );
}

#[test]
fn config_init_prefills_one_entry_per_geometry_and_it_loads_back() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("in");
    inputs(&input);
    let session = tmp.path().join("s.db");
    run(gantry(&session).arg("--quiet").arg("ingest").arg(&input));
    let config = tmp.path().join("cfg.yaml");
    assert!(
        run(gantry(&session).arg("config").arg("init").arg(&config))
            .status
            .success()
    );
    let text = std::fs::read_to_string(&config).expect("config");
    assert!(text.contains("built-in rule that matched: CTP DicomPixelAnonymizer.script line 150: ManufacturerModelName.containsIgnoreCase(\"iU22\") * Rows.equals(\"480\")"), "{text}");
    assert!(text.contains("conditions: {Rows: \"480\", Columns: \"640\"}\n    regions: [{x: 0, y: 0, w: 640, h: 47}]"), "{text}");
    assert!(text.contains("conditions: {Rows: \"768\", Columns: \"1024\"}\n    regions: [{x: 0, y: 0, w: 1024, h: 75}]"), "{text}");
    assert!(text.contains("Nobody 9"), "every machine is listed");
    // The pre-filled config alone (no knowledge base) covers both iU22
    // geometries with their own zones.
    let report = json(&run(gantry(&session)
        .args(["redact", "--no-knowledge-base", "--json", "--config"])
        .arg(&config)));
    assert_eq!(report["redacted"], 2, "{report}");
    let rules: Vec<&String> = report["by_rule"]
        .as_object()
        .expect("by_rule")
        .keys()
        .collect();
    assert_eq!(rules.len(), 2, "{rules:?}");
    assert!(
        rules.iter().all(|r| r.starts_with("config machine #")),
        "{rules:?}"
    );
}

#[test]
fn preview_page_loads_in_headless_chromium_and_shows_every_machine() {
    if !oracle::available("chromium", &["--version"]) {
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("in");
    inputs(&input);
    let session = tmp.path().join("s.db");
    run(gantry(&session).arg("--quiet").arg("ingest").arg(&input));
    let preview = tmp.path().join("preview");
    run(gantry(&session)
        .args(["--quiet", "redact", "--preview"])
        .arg(&preview));
    let index = std::fs::read_to_string(preview.join("index.html")).expect("index.html");
    assert_eq!(index.matches("<section class=\"machine\"").count(), 3);
    assert!(index.contains("CTP DicomPixelAnonymizer.script line 150"));
    assert!(
        !index.contains("Sonar") && !index.contains("US-7781"),
        "no PHI in the page"
    );
    // A harness page (test-only) loads the preview in a frame and reports
    // what the browser saw: sections, images decoded, broken images.
    let harness = preview.join("harness.html");
    std::fs::write(
        &harness,
        "<!DOCTYPE html><html><body><iframe id=\"f\" src=\"index.html\"></iframe><pre id=\"out\">pending</pre>\
         <script>document.getElementById('f').addEventListener('load', () => {\
         const d = document.getElementById('f').contentDocument;\
         const imgs = [...d.images];\
         const broken = imgs.filter(i => !(i.complete && i.naturalWidth > 0)).length;\
         const sections = [...d.querySelectorAll('section.machine h2')].map(h => h.textContent);\
         document.getElementById('out').textContent = JSON.stringify({sections, images: imgs.length, broken});\
         });</script></body></html>",
    )
    .expect("harness");
    let output = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--allow-file-access-from-files",
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(format!("file://{}", harness.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&output.stdout);
    let start = dom.find("<pre id=\"out\">").expect("result element") + "<pre id=\"out\">".len();
    let end = start + dom[start..].find("</pre>").expect("end");
    let seen: serde_json::Value = serde_json::from_str(&dom[start..end].replace("&quot;", "\""))
        .unwrap_or_else(|e| panic!("page did not report ({e}): {}", &dom[start..end]));
    let sections: Vec<&str> = seen["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    assert_eq!(sections.len(), 3, "{seen}");
    assert!(
        sections.contains(&"Philips Medical Systems / Nobody 9"),
        "{seen}"
    );
    assert_eq!(
        sections.iter().filter(|s| s.ends_with("/ iU22")).count(),
        2,
        "{seen}"
    );
    assert_eq!(seen["images"], 3, "{seen}");
    assert_eq!(
        seen["broken"], 0,
        "every PNG decodes in the browser: {seen}"
    );
}

#[test]
fn transfer_syntax_j2k_transcodes_every_file_and_reports_sizes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("in");
    inputs(&input);
    let session = tmp.path().join("s.db");
    run(gantry(&session).arg("--quiet").arg("ingest").arg(&input));
    let out = tmp.path().join("out");
    let output = run(gantry(&session)
        .args([
            "--quiet",
            "export",
            "--transfer-syntax",
            "j2k-lossless",
            "--json",
        ])
        .arg(&out));
    let report = json(&output);
    assert_eq!(report["written"], 3, "{report}");
    assert_eq!(report["transcoded"], 3, "{report}");
    let (source, written) = (
        report["source_bytes"].as_u64().expect("source_bytes"),
        report["written_bytes"].as_u64().expect("written_bytes"),
    );
    assert!(
        written * 10 < source,
        "flat images compress: {written} of {source} bytes"
    );
    for (_, output, _) in outputs(&session, &out) {
        let output = output.expect("written");
        let obj = OpenFileOptions::new().open_file(&output).expect("reads");
        assert_eq!(
            obj.meta().transfer_syntax().trim_end_matches('\0'),
            "1.2.840.10008.1.2.4.90"
        );
    }
    // Independent decoders read them back to the same pixels.
    if oracle::pydicom_available() {
        let script = "import sys, pydicom, numpy\nfor f in sys.argv[1:]:\n    a = pydicom.dcmread(f).pixel_array\n    assert (a == 200).all(), f\nprint('ok')\n";
        let files: Vec<PathBuf> = outputs(&session, &out)
            .into_iter()
            .filter_map(|(_, o, _)| o)
            .collect();
        let checked = Command::new("python3")
            .arg("-c")
            .arg(script)
            .args(&files)
            .output()
            .expect("python3");
        assert!(
            checked.status.success(),
            "pydicom: {}",
            String::from_utf8_lossy(&checked.stderr)
        );
    }
}
