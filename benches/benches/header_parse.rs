//! Header parsing: Gantry's scan (header bytes, indexed attributes and
//! pixel reference) against dicom-object's header-only read, on one
//! realistic CT file from the page cache.
#![allow(clippy::unwrap_used)] // bench set-up on generated data

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use dicom_dictionary_std::tags;
use gantry::ingest::{ScanOptions, scan_file};

fn header_parse(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let files = gantry_bench::ct_files(dir.path(), 1);
    let path = &files[0];
    let size = std::fs::metadata(path).unwrap().len();

    let mut group = c.benchmark_group("header_parse");
    group.bench_function("gantry_scan_file", |b| {
        b.iter(|| black_box(scan_file(black_box(path), size, ScanOptions::default())))
    });
    group.bench_function("dicom_object_read_until_pixel_data", |b| {
        b.iter(|| {
            black_box(
                dicom_object::OpenFileOptions::new()
                    .read_until(tags::PIXEL_DATA)
                    .open_file(black_box(path))
                    .unwrap(),
            )
        })
    });
    group.finish();
}

criterion_group!(benches, header_parse);
criterion_main!(benches);
