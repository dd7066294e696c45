//! Store inserts: recording a batch of 1,000 scanned CT instances in one
//! transaction, as ingest's writer thread does.
#![allow(clippy::unwrap_used)] // bench set-up on generated data

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use gantry::ingest::{Scan, ScanOptions, scan_file};
use gantry::store::{FileOutcome, FileStat, Store};

const BATCH: usize = 1000;

fn store_insert(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let files = gantry_bench::ct_files(&dir.path().join("in"), BATCH);
    let scanned: Vec<_> = files
        .iter()
        .map(|path| {
            let size = std::fs::metadata(path).unwrap().len();
            match scan_file(path, size, ScanOptions::default()) {
                Scan::Instance(instance) => (path.to_string_lossy().into_owned(), size, instance),
                other => panic!("generated file did not scan: {other:?}"),
            }
        })
        .collect();
    let mut store = Store::open(dir.path().join("bench.db")).unwrap();
    let mut round = 0i64;

    let mut group = c.benchmark_group("store_insert");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.sample_size(20);
    group.bench_function("write_batch_1000_instances", |b| {
        b.iter_batched(
            || {
                round += 1;
                scanned
                    .iter()
                    .map(|(path, size, instance)| FileOutcome::Indexed {
                        // a new mtime each round: the rows are replaced
                        stat: FileStat {
                            path: path.clone(),
                            size: *size,
                            mtime_ns: round,
                        },
                        instance: instance.clone(),
                    })
                    .collect::<Vec<_>>()
            },
            |batch| store.write_batch(black_box(batch)).unwrap(),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, store_insert);
criterion_main!(benches);
