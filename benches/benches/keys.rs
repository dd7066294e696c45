//! Keyed mappings (SPEC §6.3) with a fixed project key: UID remapping,
//! per-patient date offsets and pseudonyms. One element = one call.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// A UUID-derived UID (44 characters), like those Gantry writes.
const UID_2_25: &str = "2.25.329800735698586629295641978511506172918";
/// A vendor-rooted UID as scanners write them (Siemens root, 55 characters).
const UID_VENDOR: &str = "1.3.12.2.1107.5.1.4.73450.30000024011208412345600000012";
const PATIENT_ID: &str = "PAT-00012345";

fn keys(c: &mut Criterion) {
    let keys = gantry_bench::bench_keyring();

    let mut group = c.benchmark_group("keys");
    group.throughput(Throughput::Elements(1));
    group.bench_function("remap_uid_2.25", |b| {
        b.iter(|| black_box(keys.remap_uid(black_box(UID_2_25))))
    });
    group.bench_function("remap_uid_vendor", |b| {
        b.iter(|| black_box(keys.remap_uid(black_box(UID_VENDOR))))
    });
    group.bench_function("date_offset_days", |b| {
        b.iter(|| black_box(keys.date_offset_days(black_box(PATIENT_ID), -3650, -1)))
    });
    // As the planner asks for the patient's pseudonym: 10 characters.
    group.bench_function("pseudonym_10", |b| {
        b.iter(|| black_box(keys.pseudonym("patient", black_box(PATIENT_ID), "ANON", 10)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50);
    targets = keys
}
criterion_main!(benches);
