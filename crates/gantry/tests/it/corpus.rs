//! Ingest accounts for every file of the shared corpora, with the states
//! and reasons a person needs.

use std::collections::BTreeMap;

use gantry::store::FileState;

use crate::support::{catalog, corpus, files_under, ingest, relative};

#[test]
fn dev_corpus_every_file_accounted_and_every_pydicom_readable_file_indexed() {
    let dev = corpus("dev");
    let tmp = tempfile::tempdir().unwrap();
    let (mut session, report, inventory) = ingest(tmp.path(), std::slice::from_ref(&dev));

    let on_disk = files_under(&dev).len() as u64;
    let files = inventory.files;
    assert_eq!(files.indexed + files.skipped + files.failed, on_disk);
    assert_eq!(report.seen, on_disk);

    // The oracle: the corpus catalog says which files pydicom reads.
    let rows = catalog(&dev.join("catalog_dev.csv"));
    let mut expected_indexed: Vec<String> = rows
        .iter()
        .filter(|r| r["parses_pydicom"].starts_with("ok"))
        .filter(|r| r["sop_class_uid"] != "1.2.840.10008.1.3.10")
        .map(|r| r["set_path"].clone())
        .collect();
    expected_indexed.sort();
    let dicomdirs: Vec<String> = rows
        .iter()
        .filter(|r| r["sop_class_uid"] == "1.2.840.10008.1.3.10")
        .map(|r| r["set_path"].clone())
        .collect();
    assert_eq!(dicomdirs.len(), 3);

    let mut indexed = Vec::new();
    session
        .store_mut()
        .unwrap()
        .for_each_instance(|i| {
            indexed.push(relative(&dev, &i.path));
            Ok(())
        })
        .unwrap();
    indexed.sort();
    assert_eq!(indexed, expected_indexed);
    assert_eq!(files.failed, 0, "{:#?}", inventory.failures);

    let reasons: BTreeMap<String, (FileState, String)> = inventory
        .failures
        .iter()
        .map(|f| (relative(&dev, &f.path), (f.state, f.reason.clone())))
        .collect();
    for dicomdir in &dicomdirs {
        assert_eq!(
            reasons[dicomdir],
            (
                FileState::Skipped,
                "DICOMDIR (media storage directory, not an instance)".to_string()
            )
        );
    }
    for other in ["README.md", "catalog_dev.csv"] {
        assert_eq!(
            reasons[other],
            (
                FileState::Skipped,
                "not a DICOM file: no DICM magic and no recognisable data set".to_string()
            )
        );
    }
    assert_eq!(reasons.len(), 5);
}

#[test]
fn dev_corpus_inventory_matches_the_catalog() {
    let dev = corpus("dev");
    let tmp = tempfile::tempdir().unwrap();
    let (_session, _report, inventory) = ingest(tmp.path(), std::slice::from_ref(&dev));
    let rows: Vec<_> = catalog(&dev.join("catalog_dev.csv"))
        .into_iter()
        .filter(|r| r["sop_class_uid"] != "1.2.840.10008.1.3.10")
        .collect();

    // Transfer syntaxes: the catalog's column, where the file has a meta group.
    let mut expected_ts: BTreeMap<String, u64> = BTreeMap::new();
    for r in &rows {
        let ts = if r["transfer_syntax_uid"].is_empty() {
            // no meta: the catalog leaves it blank; we read them by their
            // look — rtstruct is implicit LE, ExplVR_BigEndNoMeta big endian.
            if r["set_path"].contains("BigEnd") {
                "1.2.840.10008.1.2.2".to_string()
            } else {
                "1.2.840.10008.1.2".to_string()
            }
        } else {
            r["transfer_syntax_uid"].clone()
        };
        *expected_ts.entry(ts).or_default() += 1;
    }
    assert_eq!(inventory.transfer_syntaxes, expected_ts);

    let yes = rows
        .iter()
        .filter(|r| r["burned_in_annotation"] == "YES")
        .count() as u64;
    assert_eq!(inventory.burned_in_annotation_yes, yes);

    // Equipment: instances per (manufacturer, model, serial) as the catalog has them.
    let mut expected: BTreeMap<(String, String, String), u64> = BTreeMap::new();
    for r in &rows {
        let key = (
            r["manufacturer"].trim().to_string(),
            r["model"].trim().to_string(),
            r["device_serial"].trim().to_string(),
        );
        *expected.entry(key).or_default() += 1;
    }
    let actual: BTreeMap<(String, String, String), u64> = inventory
        .equipment
        .iter()
        .map(|e| {
            (
                (e.manufacturer.clone(), e.model.clone(), e.serial.clone()),
                e.instances,
            )
        })
        .collect();
    assert_eq!(actual, expected);
    assert_eq!(inventory.instances, rows.len() as u64);
}

#[test]
fn malformed_corpus_reports_each_file_with_its_reason() {
    let malformed = corpus("malformed");
    let tmp = tempfile::tempdir().unwrap();
    let (_session, _report, inventory) = ingest(tmp.path(), std::slice::from_ref(&malformed));
    let on_disk = files_under(&malformed).len() as u64;
    let files = inventory.files;
    assert_eq!(files.indexed + files.skipped + files.failed, on_disk);

    let reasons: BTreeMap<String, (FileState, String)> = inventory
        .failures
        .iter()
        .map(|f| (relative(&malformed, &f.path), (f.state, f.reason.clone())))
        .collect();
    let expect = |name: &str, state: FileState, reason_start: &str| {
        let (s, r) = reasons
            .get(name)
            .unwrap_or_else(|| panic!("{name} should be {state:?}"));
        assert_eq!(*s, state, "{name}: {r}");
        assert!(r.starts_with(reason_start), "{name}: {r}");
    };
    use FileState::{Failed, Skipped};
    expect(
        "pydicom_MR_truncated.dcm",
        Failed,
        "truncated: Pixel Data (7FE0,0010) declares 8192 bytes but the file ends 8130 bytes after its start",
    );
    expect(
        "pydicom_rtplan_truncated.dcm",
        Failed,
        "truncated: the file ends inside",
    );
    expect(
        "pydicom-data_emri_small_jpeg_2k_lossless_too_short.dcm",
        Failed,
        "truncated: the file ends inside an element",
    );
    expect(
        "pydicom_SC_rgb_jpeg.dcm",
        Failed,
        "element (0008,0008) declares an implausible length",
    );
    expect(
        "dicognito_test_conversion_error_logs_filename_and_error_type__bad.dcm",
        Failed,
        "no data set: the file ends after its file meta group",
    );
    expect(
        "pydicom_no_meta.dcm",
        Skipped,
        "not a DICOM file: no DICM magic and no recognisable data set",
    );
    expect(
        "pydicom_DICOMDIR-nooffset.dcm",
        Skipped,
        "DICOMDIR (media storage directory, not an instance)",
    );
    expect(
        "pydicom_DICOMDIR-nopatient.dcm",
        Skipped,
        "DICOMDIR (media storage directory, not an instance)",
    );
    // These parse (as in pydicom, dcmtk and GDCM) and are indexed.
    for indexed in [
        "pydicom_badVR.dcm",
        "pydicom_nested_priv_SQ.dcm",
        "pynetdicom_CTImageStorage_bad_meta.dcm",
        "pydicom_JPEG2000-embedded-sequence-delimiter.dcm",
        "pydicom_meta_missing_tsyntax.dcm",
    ] {
        assert!(
            !reasons.contains_key(indexed),
            "{indexed}: {:?}",
            reasons.get(indexed)
        );
    }
}
