//! The main job over generated Enhanced CT multi-frame files (feature
//! `synth`): the output keeps every frame, and the Basic profile reaches
//! PHI nested in the functional groups — per-frame DateTimes, the
//! localizer's UID, private blocks — as well as the top level.

use dicom_core::Tag;
use dicom_core::header::Header as _;
use dicom_dictionary_std::{tags, uids};
use dicom_object::{DefaultDicomObject, InMemDicomObject, open_file};
use gantry::config::Config;
use gantry::privacy::Policy;
use gantry::redaction::Redactor;
use gantry::synth::{CorpusSpec, generate_corpus};
use gantry::{ExportOptions, NoProgress, Session};

use crate::support::files_under;

const FRAMES: u32 = 6;

fn text(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let value = obj.get(tag)?.to_str().ok()?;
    Some(value.trim_end_matches(['\0', ' ']).to_owned())
}

fn items(obj: &InMemDicomObject, tag: Tag) -> &[InMemDicomObject] {
    obj.element(tag).unwrap().items().unwrap()
}

/// Per frame: (FrameAcquisitionDateTime, FrameReferenceDateTime), `None`
/// where absent.
type FrameTimes = Vec<(Option<String>, Option<String>)>;

fn frame_times(obj: &InMemDicomObject) -> FrameTimes {
    items(obj, tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE)
        .iter()
        .map(|frame| {
            let content = &items(frame, tags::FRAME_CONTENT_SEQUENCE)[0];
            (
                text(content, tags::FRAME_ACQUISITION_DATE_TIME),
                text(content, tags::FRAME_REFERENCE_DATE_TIME),
            )
        })
        .collect()
}

/// The localizer's UID in the shared Referenced Image functional group.
fn localizer_uid(obj: &InMemDicomObject) -> Option<String> {
    let shared = &items(obj, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE)[0];
    let reference = &items(shared, tags::REFERENCED_IMAGE_SEQUENCE)[0];
    text(reference, tags::REFERENCED_SOP_INSTANCE_UID)
}

fn enhanced_ct(paths: &[std::path::PathBuf]) -> DefaultDicomObject {
    let mut found: Vec<_> = paths
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "dcm"))
        .map(|p| open_file(p).unwrap())
        .filter(|o| {
            text(o, tags::SOP_CLASS_UID).as_deref() == Some(uids::ENHANCED_CT_IMAGE_STORAGE)
        })
        .collect();
    assert_eq!(found.len(), 1, "one Enhanced CT file");
    found.pop().unwrap()
}

#[test]
fn run_keeps_every_frame_and_replaces_per_frame_dates() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    let spec = CorpusSpec {
        rows: 32,
        columns: 32,
        patients: 1,
        multiframe_files: 1,
        frames_per_multiframe: FRAMES,
        ..CorpusSpec::with_files(4)
    };
    let generated = generate_corpus(&input, &spec).unwrap();
    assert_eq!(
        (generated.files, generated.frames),
        (5, 4 + u64::from(FRAMES))
    );
    let source = enhanced_ct(&files_under(&input));

    let mut session = Session::open(dir.path().join("gantry.db")).unwrap();
    let out = dir.path().join("out");
    let report = session
        .run(
            &[input],
            &out,
            Policy::default(),
            None,
            &Redactor::new(&Config::default(), true).unwrap(),
            &ExportOptions::default(),
            &NoProgress,
        )
        .unwrap();
    assert_eq!(report.ingest.indexed, 5);
    assert_eq!(
        (
            report.export.written,
            report.export.failed,
            report.export.quarantined
        ),
        (5, 0, 0)
    );
    assert!(report.verify.is_clean(), "{:?}", report.verify.details);

    let output = enhanced_ct(&files_under(&out));
    // Every frame, byte for byte.
    let frames = |o: &DefaultDicomObject| {
        o.element(tags::NUMBER_OF_FRAMES)
            .unwrap()
            .to_int::<u32>()
            .unwrap()
    };
    assert_eq!((frames(&source), frames(&output)), (FRAMES, FRAMES));
    let pixels = |o: &DefaultDicomObject| {
        o.element(tags::PIXEL_DATA)
            .unwrap()
            .to_bytes()
            .unwrap()
            .into_owned()
    };
    let (before, after) = (pixels(&source), pixels(&output));
    assert_eq!(after.len(), 32 * 32 * 2 * FRAMES as usize);
    assert!(before == after, "Pixel Data changed");
    assert_eq!(
        items(&output, tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE).len(),
        FRAMES as usize
    );

    // No per-frame DateTime survives, in any frame.
    let originals = frame_times(&source);
    let originals: Vec<&String> = originals
        .iter()
        .flat_map(|(a, r)| [a.as_ref().unwrap(), r.as_ref().unwrap()])
        .collect();
    for (frame, (acquired, reference)) in frame_times(&output).iter().enumerate() {
        for value in [acquired, reference].into_iter().flatten() {
            assert!(
                !originals.contains(&value),
                "frame {}: an original DateTime survived",
                frame + 1
            );
        }
    }
    // The top level and the other nested PHI too.
    assert_ne!(
        text(&output, tags::PATIENT_NAME),
        text(&source, tags::PATIENT_NAME)
    );
    assert_ne!(
        text(&output, tags::ACQUISITION_DATE_TIME),
        text(&source, tags::ACQUISITION_DATE_TIME)
    );
    assert_ne!(localizer_uid(&output), localizer_uid(&source));
    for frame in items(&output, tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE) {
        assert!(
            frame.iter().all(|e| e.tag().group() % 2 == 0),
            "a private element survived in a per-frame item"
        );
    }
}
