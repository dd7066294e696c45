//! Fuzz the header scan: any bytes, written to a file, must give an
//! instance, a skip or a failure — never a panic, hang or abort.
//!
//! Run: `cargo +nightly fuzz run scan_file` (from `fuzz/`). Seed the corpus
//! with real files: `cp ../../shared/corpus/dev/*.dcm corpus/scan_file/`.
//! Crashes land in `artifacts/scan_file/`; commit them and replay them in
//! `crates/gantry/tests/it/hostile.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("gantry-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("input.dcm");
    if std::fs::write(&path, data).is_ok() {
        let options = gantry::ingest::ScanOptions::default();
        let _ = gantry::ingest::scan_file(&path, data.len() as u64, options);
        let offload = gantry::ingest::ScanOptions { offload_pixels: true };
        let _ = gantry::ingest::scan_file(&path, data.len() as u64, offload);
    }
});
