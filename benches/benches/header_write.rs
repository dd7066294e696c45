//! Header write: encoding a de-identified CT header (basic profile, no
//! Pixel Data) as Explicit VR Little Endian into a reused buffer, as
//! export does before copying the pixels. One element = one header.
#![allow(clippy::unwrap_used)] // bench set-up on generated data

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dicom_transfer_syntax_registry::entries::EXPLICIT_VR_LITTLE_ENDIAN;
use gantry::privacy::Policy;

fn header_write(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let instance = gantry_bench::one_ct_instance(dir.path());
    let header = instance.deidentified(&Policy::default(), &gantry_bench::bench_keyring());
    let ts = EXPLICIT_VR_LITTLE_ENDIAN.erased();
    let mut out = Vec::with_capacity(64 * 1024);

    let mut group = c.benchmark_group("header_write");
    group.throughput(Throughput::Elements(1));
    group.bench_function("deidentified_ct_explicit_vr_le", |b| {
        b.iter(|| {
            out.clear();
            black_box(&header)
                .write_dataset_with_ts(&mut out, &ts)
                .unwrap();
            black_box(out.len())
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50);
    targets = header_write
}
criterion_main!(benches);
