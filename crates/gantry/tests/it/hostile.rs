//! Hostile input: random bytes, empty files, truncated and bit-flipped
//! copies of real files. Ingest must never panic, must account for every
//! file, and must give every skipped or failed file a reason.

use std::path::Path;

use crate::support::{corpus, files_under, ingest};

/// splitmix64: a tiny deterministic generator so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn check_all_accounted(dir: &Path) {
    let session_dir = tempfile::tempdir().unwrap();
    let (_session, report, inventory) = ingest(session_dir.path(), &[dir.to_path_buf()]);
    let on_disk = files_under(dir).len() as u64;
    let f = inventory.files;
    assert_eq!(f.indexed + f.skipped + f.failed, on_disk);
    assert_eq!(report.seen, on_disk);
    for problem in &inventory.failures {
        assert!(!problem.reason.is_empty(), "{} has no reason", problem.path);
    }
}

#[test]
fn random_bytes_and_empty_files_are_skipped_or_failed_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(7);
    std::fs::write(dir.path().join("empty.dcm"), b"").unwrap();
    for i in 0..64 {
        let len = rng.below(5000);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if i % 4 == 0 && bytes.len() > 132 {
            bytes[128..132].copy_from_slice(b"DICM");
        }
        if i % 4 == 1 && bytes.len() > 8 {
            // a plausible first group so the bare-data-set guess engages
            bytes[0..2].copy_from_slice(&[0x08, 0x00]);
        }
        std::fs::write(dir.path().join(format!("random-{i}.dcm")), bytes).unwrap();
    }
    check_all_accounted(dir.path());
    let session_dir = tempfile::tempdir().unwrap();
    let (_s, _r, inventory) = ingest(session_dir.path(), &[dir.path().to_path_buf()]);
    let empty = inventory
        .failures
        .iter()
        .find(|f| f.path.ends_with("empty.dcm"))
        .unwrap();
    assert_eq!(empty.reason, "not a DICOM file: empty");
}

#[test]
fn truncated_copies_of_corpus_files_never_panic() {
    let dev = corpus("dev");
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(11);
    for source in files_under(&dev).iter().filter(|p| {
        p.extension().is_some_and(|e| e == "dcm") && std::fs::metadata(p).unwrap().len() < 600_000
    }) {
        let bytes = std::fs::read(source).unwrap();
        let name = source.file_name().unwrap().to_string_lossy();
        for cut in [
            0,
            1,
            131,
            132,
            200,
            rng.below(bytes.len()),
            rng.below(bytes.len()),
            bytes.len().saturating_sub(1),
        ] {
            let cut = cut.min(bytes.len());
            std::fs::write(dir.path().join(format!("{name}.cut{cut}")), &bytes[..cut]).unwrap();
        }
    }
    check_all_accounted(dir.path());

    // A copy cut inside its Pixel Data is a failure that says so.
    let session_dir = tempfile::tempdir().unwrap();
    let (_s, _r, inventory) = ingest(session_dir.path(), &[dir.path().to_path_buf()]);
    let last_byte_cut = inventory
        .failures
        .iter()
        .find(|f| f.path.contains("pydicom_CT_small.dcm.cut") && f.reason.contains("Pixel Data"))
        .expect("CT_small cut before its end fails on Pixel Data");
    assert!(
        last_byte_cut.reason.starts_with("truncated"),
        "{}",
        last_byte_cut.reason
    );
}

#[test]
fn bit_flipped_headers_never_panic() {
    let dev = corpus("dev");
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(13);
    let sources: Vec<_> = files_under(&dev)
        .into_iter()
        .filter(|p| {
            p.extension().is_some_and(|e| e == "dcm")
                && std::fs::metadata(p).unwrap().len() < 300_000
        })
        .collect();
    for (n, source) in sources.iter().enumerate() {
        let original = std::fs::read(source).unwrap();
        let header_span = original.len().min(3000);
        for k in 0..6 {
            let mut bytes = original.clone();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(header_span);
                bytes[at] ^= 1 << rng.below(8);
            }
            std::fs::write(dir.path().join(format!("{n}-{k}.dcm")), bytes).unwrap();
        }
    }
    check_all_accounted(dir.path());
}

#[test]
fn inputs_found_by_fuzzing_are_failed_not_fatal() {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    check_all_accounted(dir.path());
    let session_dir = tempfile::tempdir().unwrap();
    let (_s, _r, inventory) = ingest(session_dir.path(), &[dir.path().to_path_buf()]);
    let parser_panic = inventory
        .failures
        .iter()
        .find(|f| f.path.ends_with("dicom-parser-item-outside-sequence.bin"))
        .unwrap();
    assert_eq!(
        parser_panic.reason,
        "malformed data set: the DICOM parser stopped on an internal assertion"
    );
}
