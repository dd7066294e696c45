//! Date shifting (SPEC §6.4): DA and DT values moved by a patient's
//! offset. One element = one value.
#![allow(clippy::unwrap_used)] // fixed valid inputs

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gantry::privacy::dates::{shift_da, shift_dt};

const OFFSET_DAYS: i32 = -1234;

fn dates(c: &mut Criterion) {
    let mut group = c.benchmark_group("dates");
    group.throughput(Throughput::Elements(1));
    group.bench_function("shift_da", |b| {
        b.iter(|| black_box(shift_da(black_box("20240115"), black_box(OFFSET_DAYS)).unwrap()))
    });
    group.bench_function("shift_dt_with_time_zone", |b| {
        b.iter(|| {
            black_box(
                shift_dt(
                    black_box("20240115083015.123456+0100"),
                    black_box(OFFSET_DAYS),
                )
                .unwrap(),
            )
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50);
    targets = dates
}
criterion_main!(benches);
