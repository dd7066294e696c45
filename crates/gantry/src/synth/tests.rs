use std::collections::BTreeSet;
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

/// [`small_spec`] with multi-frame files: 32×32, `frames` frames each.
fn multiframe_spec(files: usize, multiframe_files: usize, frames: u32) -> CorpusSpec {
    CorpusSpec {
        rows: 32,
        columns: 32,
        multiframe_files,
        frames_per_multiframe: frames,
        ..small_spec(files)
    }
}

fn text(obj: &dicom_object::InMemDicomObject, tag: dicom_core::Tag) -> String {
    obj.element(tag)
        .unwrap()
        .to_str()
        .unwrap()
        .trim_end_matches(['\0', ' '])
        .to_owned()
}

/// The items of sequence `tag` of `obj`.
fn items(
    obj: &dicom_object::InMemDicomObject,
    tag: dicom_core::Tag,
) -> &[dicom_object::InMemDicomObject] {
    obj.element(tag).unwrap().items().unwrap()
}

#[test]
fn multiframe_files_read_back_belong_to_their_patient_and_are_reused() {
    let spec = multiframe_spec(12, 2, 8);
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let first = generate_corpus(a.path(), &spec).unwrap();
    assert_eq!(
        (first.files, first.multiframe_files, first.frames),
        (14, 2, 12 + 2 * 8)
    );
    assert_eq!((first.written, first.reused), (14, 0));
    assert_eq!((first.patients, first.studies, first.series), (2, 4, 8 + 2));
    let paths: Vec<_> = spec.relative_paths().collect();
    assert_eq!(paths.len(), 14);
    assert_eq!(
        paths[12],
        Path::new("patient-0001/study-01/series-mf01/00001.dcm")
    );
    assert_eq!(
        paths[13],
        Path::new("patient-0002/study-02/series-mf02/00001.dcm")
    );

    generate_corpus(b.path(), &spec).unwrap();
    for rel in &paths[12..] {
        assert_eq!(
            fs_err::read(a.path().join(rel)).unwrap(),
            fs_err::read(b.path().join(rel)).unwrap(),
            "{rel:?} differs between runs"
        );
    }
    let again = generate_corpus(a.path(), &spec).unwrap();
    assert_eq!(
        (again.written, again.reused, again.bytes),
        (0, 14, first.bytes)
    );

    let single: Vec<_> = (0..spec.files)
        .map(|i| {
            (
                spec.locate(i).unwrap(),
                open_file(a.path().join(&paths[i])).unwrap(),
            )
        })
        .collect();
    for (index, rel) in paths.iter().enumerate().skip(spec.files) {
        let at = spec.locate(index).unwrap();
        let obj = open_file(a.path().join(rel)).unwrap();
        assert_eq!(obj.meta().transfer_syntax(), "1.2.840.10008.1.2.1");
        assert_eq!(
            text(&obj, tags::SOP_CLASS_UID),
            "1.2.840.10008.5.1.4.1.1.2.1"
        );
        assert_eq!(
            obj.element(tags::NUMBER_OF_FRAMES)
                .unwrap()
                .to_int::<u32>()
                .unwrap(),
            8
        );
        let pixels = obj.element(tags::PIXEL_DATA).unwrap().to_bytes().unwrap();
        assert_eq!(pixels.len(), 32 * 32 * 2 * 8);
        let frame = 32 * 32 * 2;
        assert_ne!(pixels[..frame], pixels[frame..2 * frame], "frames vary");
        assert_eq!(obj.iter().count(), spec.header_elements);

        // One per-frame item per frame, each with its own acquisition
        // DateTime (a PHI date) and position.
        let per_frame = items(&obj, tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE);
        assert_eq!(per_frame.len(), 8);
        let times: BTreeSet<String> = per_frame
            .iter()
            .map(|item| {
                let content = &items(item, tags::FRAME_CONTENT_SEQUENCE)[0];
                let acquired = text(content, tags::FRAME_ACQUISITION_DATE_TIME);
                assert!(text(content, tags::FRAME_REFERENCE_DATE_TIME) > acquired);
                acquired
            })
            .collect();
        assert_eq!(times.len(), 8);
        assert!(
            times
                .iter()
                .all(|t| t.starts_with(&text(&obj, tags::STUDY_DATE)))
        );
        assert_eq!(
            items(&obj, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE).len(),
            1
        );

        // The patient's and study's identity as in their single-frame
        // files; a series of its own.
        let same_patient: Vec<_> = single
            .iter()
            .filter(|(l, _)| l.patient == at.patient)
            .collect();
        assert!(!same_patient.is_empty());
        for (_, sf) in &same_patient {
            assert_eq!(text(&obj, tags::PATIENT_ID), text(sf, tags::PATIENT_ID));
            assert_eq!(text(&obj, tags::PATIENT_NAME), text(sf, tags::PATIENT_NAME));
        }
        let (_, same_study) = same_patient
            .iter()
            .find(|(l, _)| l.study == at.study)
            .unwrap();
        assert_eq!(
            text(&obj, tags::STUDY_INSTANCE_UID),
            text(same_study, tags::STUDY_INSTANCE_UID)
        );
        assert_eq!(
            text(&obj, tags::ACCESSION_NUMBER),
            text(same_study, tags::ACCESSION_NUMBER)
        );
        assert!(
            single
                .iter()
                .all(|(_, sf)| text(sf, tags::SERIES_INSTANCE_UID)
                    != text(&obj, tags::SERIES_INSTANCE_UID))
        );
    }
}

/// dicom3tools' validator (Debian package dicom3tools) finds nothing
/// wrong with the generated Enhanced CT files, for every vendor.
#[test]
fn dciodvfy_finds_no_errors_in_multiframe_files() {
    if std::process::Command::new("dciodvfy").output().is_err() {
        eprintln!("SKIPPED: dciodvfy is not installed (apt-get install dicom3tools)");
        return;
    }
    let spec = multiframe_spec(12, 6, 4);
    let dir = tempfile::tempdir().unwrap();
    generate_corpus(dir.path(), &spec).unwrap();
    let vendors: BTreeSet<String> = (spec.files..spec.total_files())
        .map(|index| {
            let path = dir.path().join(spec.relative_path(index).unwrap());
            let run = std::process::Command::new("dciodvfy")
                .arg(&path)
                .output()
                .unwrap();
            let report = String::from_utf8_lossy(&run.stderr).into_owned()
                + &String::from_utf8_lossy(&run.stdout);
            assert!(report.contains("EnhancedCTImage"), "{path:?}: {report}");
            let errors: Vec<&str> = report.lines().filter(|l| l.contains("Error")).collect();
            assert!(errors.is_empty(), "{path:?}:\n{}", errors.join("\n"));
            text(&open_file(&path).unwrap(), tags::MANUFACTURER)
        })
        .collect();
    assert!(vendors.len() >= 2, "{vendors:?}");
}
