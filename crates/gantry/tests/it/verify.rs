//! Verify finds the session's original UIDs wherever they reappear in the
//! output: as a whole value, inside free text, and as the root of a UID
//! derived from them — and nowhere else.

use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use gantry::privacy::Policy;
use gantry::{ExportOptions, NoProgress};

use crate::support::{corpus, files_under, ingest};

const IMAGE_COMMENTS: Tag = Tag(0x0020, 0x4000);

#[test]
fn original_uids_planted_in_an_output_are_leaks_where_they_are() {
    let dev = corpus("dev");
    let dir = tempfile::tempdir().unwrap();
    let (mut session, _, _) = ingest(dir.path(), std::slice::from_ref(&dev));
    let deid = session.deidentifier(Policy::default(), None).unwrap();
    let out = dir.path().join("out");
    session
        .export(&deid, &out, &ExportOptions::default(), &NoProgress)
        .unwrap();
    let clean = session.verify(&out, &NoProgress).unwrap();
    assert_eq!(clean.leaks, 0, "{:?}", clean.details);

    // Original UIDs of some indexed source.
    let (study, sop) = files_under(&dev)
        .iter()
        .filter_map(|path| dicom_object::open_file(path).ok())
        .find_map(|obj| {
            let uid = |tag| {
                obj.get(tag)
                    .and_then(|e| e.to_str().ok())
                    .map(|s| s.trim_end_matches(['\0', ' ']).to_string())
            };
            Some((uid(tags::STUDY_INSTANCE_UID)?, uid(tags::SOP_INSTANCE_UID)?))
        })
        .unwrap();
    let target = files_under(&out)
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "dcm"))
        .unwrap();
    let mut obj = dicom_object::open_file(&target).unwrap();
    let text =
        |value: String| DataElement::new(IMAGE_COMMENTS, VR::LT, PrimitiveValue::from(value));
    // Not leaks: a UID that merely shares digits with an original.
    obj.put(text(format!("9{sop} and {study}9")));
    obj.write_to_file(&target).unwrap();
    let near_misses = session.verify(&out, &NoProgress).unwrap();
    assert_eq!(near_misses.leaks, 0, "{:?}", near_misses.details);

    obj.put(text(format!("from study {study}; derived {sop}.7")));
    obj.write_to_file(&target).unwrap();
    let report = session.verify(&out, &NoProgress).unwrap();
    let file = target
        .strip_prefix(&out)
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let hits: Vec<_> = report
        .details
        .iter()
        .map(|d| (d.file.as_str(), d.location.as_str(), d.rule.as_str()))
        .collect();
    assert_eq!(
        hits,
        [
            (file.as_str(), "(0020,4000)", "leak:uid"),
            (file.as_str(), "(0020,4000)", "leak:uid")
        ]
    );
    assert_eq!(report.leaks, 2);
}
