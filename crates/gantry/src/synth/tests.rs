use std::path::Path;

use dicom_dictionary_std::tags;
use dicom_object::{OpenFileOptions, open_file};

use super::*;

fn small_spec(files: usize) -> CorpusSpec {
    CorpusSpec {
        rows: 64,
        columns: 64,
        patients: 2,
        ..CorpusSpec::with_files(files)
    }
}

#[test]
fn locate_spreads_files_evenly_and_in_order() {
    let spec = CorpusSpec::with_files(10); // 1 patient × 2 × 2 = 4 series
    let at: Vec<_> = (0..10).map(|i| spec.locate(i).unwrap()).collect();
    let sizes: Vec<u32> = at
        .iter()
        .filter(|a| a.instance == 1)
        .map(|a| a.instances_in_series)
        .collect();
    assert_eq!(sizes.iter().sum::<u32>(), 10);
    assert!(sizes.iter().all(|&n| n == 2 || n == 3), "{sizes:?}");
    for w in at.windows(2) {
        let same =
            (w[0].patient, w[0].study, w[0].series) == (w[1].patient, w[1].study, w[1].series);
        if same {
            assert_eq!(w[1].instance, w[0].instance + 1);
        } else {
            assert_eq!(w[1].instance, 1);
        }
    }
    assert!(spec.locate(10).is_none());
    assert_eq!(
        spec.relative_path(0).unwrap(),
        Path::new("patient-0001/study-01/series-01/00001.dcm")
    );
}

#[test]
fn corpus_is_deterministic_rereads_and_is_reused() {
    let spec = small_spec(12);
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let first = generate_corpus(a.path(), &spec).unwrap();
    assert_eq!((first.files, first.written, first.reused), (12, 12, 0));
    assert_eq!((first.patients, first.studies, first.series), (2, 4, 8));
    generate_corpus(b.path(), &spec).unwrap();
    for i in 0..spec.files {
        let rel = spec.relative_path(i).unwrap();
        let bytes_a = fs_err::read(a.path().join(&rel)).unwrap();
        assert_eq!(
            bytes_a,
            fs_err::read(b.path().join(&rel)).unwrap(),
            "{rel:?} differs between runs"
        );
    }

    let again = generate_corpus(a.path(), &spec).unwrap();
    assert_eq!(
        (again.written, again.reused, again.bytes),
        (0, 12, first.bytes)
    );

    // A file of the right size with a different header is rewritten.
    let victim = a.path().join(spec.relative_path(2).unwrap());
    let mut bytes = fs_err::read(&victim).unwrap();
    bytes[200] ^= 0xFF;
    fs_err::write(&victim, &bytes).unwrap();
    let repaired = generate_corpus(a.path(), &spec).unwrap();
    assert_eq!((repaired.written, repaired.reused), (1, 11));

    // A truncated file is rewritten.
    let victim = a.path().join(spec.relative_path(3).unwrap());
    let len = fs_err::metadata(&victim).unwrap().len();
    fs_err::write(&victim, b"DICM").unwrap();
    let repaired = generate_corpus(a.path(), &spec).unwrap();
    assert_eq!((repaired.written, repaired.reused), (1, 11));
    assert_eq!(fs_err::metadata(&victim).unwrap().len(), len);

    // Full re-read and header-only re-read.
    let path = a.path().join(spec.relative_path(5).unwrap());
    let obj = open_file(&path).unwrap();
    assert_eq!(obj.meta().transfer_syntax(), "1.2.840.10008.1.2.1");
    assert_eq!(
        obj.element(tags::ROWS).unwrap().to_int::<u16>().unwrap(),
        64
    );
    assert_eq!(
        obj.element(tags::PIXEL_DATA)
            .unwrap()
            .to_bytes()
            .unwrap()
            .len(),
        64 * 64 * 2
    );
    assert_eq!(obj.iter().count(), spec.header_elements);
    let header = OpenFileOptions::new()
        .read_until(tags::PIXEL_DATA)
        .open_file(&path)
        .unwrap();
    assert!(header.get(tags::PIXEL_DATA).is_none());
    assert!(
        header
            .element(tags::PATIENT_NAME)
            .unwrap()
            .to_str()
            .unwrap()
            .contains('^')
    );
}

#[test]
fn uids_are_consistent_within_series_and_study() {
    let spec = small_spec(16); // 2 files per series
    let dir = tempfile::tempdir().unwrap();
    generate_corpus(dir.path(), &spec).unwrap();
    let read = |i: usize| open_file(dir.path().join(spec.relative_path(i).unwrap())).unwrap();
    let uid = |o: &dicom_object::DefaultDicomObject, t| {
        o.element(t).unwrap().to_str().unwrap().into_owned()
    };
    let (x, y) = (read(0), read(1));
    assert_eq!(
        spec.locate(0).unwrap().series,
        spec.locate(1).unwrap().series
    );
    assert_eq!(
        uid(&x, tags::SERIES_INSTANCE_UID),
        uid(&y, tags::SERIES_INSTANCE_UID)
    );
    assert_ne!(
        uid(&x, tags::SOP_INSTANCE_UID),
        uid(&y, tags::SOP_INSTANCE_UID)
    );
    let z = read(2); // second series of the same study
    assert_eq!(
        uid(&x, tags::STUDY_INSTANCE_UID),
        uid(&z, tags::STUDY_INSTANCE_UID)
    );
    assert_ne!(
        uid(&x, tags::SERIES_INSTANCE_UID),
        uid(&z, tags::SERIES_INSTANCE_UID)
    );
    assert_eq!(uid(&x, tags::PATIENT_ID), uid(&z, tags::PATIENT_ID));
    let other = read(15); // second patient
    assert_ne!(uid(&x, tags::PATIENT_ID), uid(&other, tags::PATIENT_ID));
}

#[test]
fn samples_are_small_deterministic_and_reread() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let paths = write_samples(a.path()).unwrap();
    write_samples(b.path()).unwrap();
    assert!((6..=10).contains(&paths.len()));
    let mut total = 0;
    for path in &paths {
        let bytes = fs_err::read(path).unwrap();
        total += bytes.len();
        assert_eq!(
            bytes,
            fs_err::read(b.path().join(path.file_name().unwrap())).unwrap()
        );
        let obj = open_file(path).unwrap();
        assert!(obj.element(tags::PATIENT_NAME).is_ok(), "{path:?}");
        assert!(obj.element(tags::PIXEL_DATA).is_ok(), "{path:?}");
    }
    assert!(total < 300_000, "samples take {total} bytes");
    let mr = open_file(a.path().join("mr-implicit.dcm")).unwrap();
    assert_eq!(mr.meta().transfer_syntax(), "1.2.840.10008.1.2");
    let us = open_file(a.path().join("us-rgb-burned-in.dcm")).unwrap();
    assert_eq!(
        us.element(tags::BURNED_IN_ANNOTATION)
            .unwrap()
            .to_str()
            .unwrap(),
        "YES"
    );
    let ct = open_file(a.path().join("ct-philips.dcm")).unwrap();
    assert_eq!(
        ct.element(tags::PATIENT_NAME).unwrap().to_str().unwrap(),
        "Müller^Jörg"
    );
}
