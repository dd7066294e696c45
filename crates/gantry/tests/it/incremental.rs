//! Incremental ingest: unchanged files are not read again; changed files
//! are re-indexed; duplicate SOPInstanceUIDs are reported, not merged.

use crate::support::{corpus, ingest};
use gantry::{IngestOptions, NoProgress};

#[test]
fn rerun_on_unchanged_folder_reads_nothing() {
    let dev = corpus("dev");
    let tmp = tempfile::tempdir().unwrap();
    let (mut session, first, before) = ingest(tmp.path(), std::slice::from_ref(&dev));
    assert_eq!(first.scanned, first.seen);

    let second = session
        .ingest(
            std::slice::from_ref(&dev),
            &IngestOptions::default(),
            &NoProgress,
        )
        .unwrap();
    assert_eq!(second.scanned, 0, "a re-run must not open any file");
    assert_eq!(second.unchanged, second.seen);
    assert_eq!(session.examine().unwrap(), before);
}

#[test]
fn changed_files_are_reindexed_and_others_are_not() {
    let dev = corpus("dev");
    let work = tempfile::tempdir().unwrap();
    let inputs = work.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    for name in [
        "pydicom_CT_small.dcm",
        "pydicom_MR_small.dcm",
        "pydicom_rtplan.dcm",
    ] {
        std::fs::copy(dev.join(name), inputs.join(name)).unwrap();
    }
    let (mut session, _, before) = ingest(work.path(), std::slice::from_ref(&inputs));
    assert_eq!(before.instances, 3);
    assert_eq!(before.modalities.get("CT"), Some(&1));

    // Replace the CT with a different file under the same name.
    std::fs::copy(
        dev.join("pydicom_MR_small_implicit.dcm"),
        inputs.join("pydicom_CT_small.dcm"),
    )
    .unwrap();
    let report = session
        .ingest(
            std::slice::from_ref(&inputs),
            &IngestOptions::default(),
            &NoProgress,
        )
        .unwrap();
    assert_eq!(report.scanned, 1);
    assert_eq!(report.unchanged, 2);
    let after = session.examine().unwrap();
    assert_eq!(after.instances, 3);
    assert_eq!(after.modalities.get("CT"), None);
    assert_eq!(after.modalities.get("MR"), Some(&2));
    // The two MR files now share a SOPInstanceUID: reported, both kept.
    assert_eq!(after.duplicate_sop_instance_uids.len(), 1);
    assert_eq!(after.duplicate_sop_instance_uids[0].paths.len(), 2);
    // The CT's study, series and patient are gone with it; the implicit
    // MR_small joins MR_small's study.
    assert_eq!((before.studies, after.studies), (3, 2));
}

#[test]
fn duplicate_sop_instance_uids_in_the_dev_corpus_are_reported() {
    let dev = corpus("dev");
    let tmp = tempfile::tempdir().unwrap();
    let (_s, _r, inventory) = ingest(tmp.path(), &[dev]);
    // e.g. MR_small in explicit, implicit, big endian, RLE, JPEG-LS, J2K.
    let mr_small = inventory
        .duplicate_sop_instance_uids
        .iter()
        .find(|g| g.paths.iter().any(|p| p.ends_with("pydicom_MR_small.dcm")))
        .expect("MR_small and its transcodes share a SOPInstanceUID");
    assert!(
        mr_small
            .paths
            .iter()
            .any(|p| p.ends_with("pydicom_MR_small_implicit.dcm"))
    );
    let total: usize = inventory
        .duplicate_sop_instance_uids
        .iter()
        .map(|g| g.paths.len())
        .sum();
    assert!(total as u64 <= inventory.instances);
}
