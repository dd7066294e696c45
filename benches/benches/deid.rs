//! De-identification per instance: planning the basic profile on one
//! realistic CT header (decoded once from the session in set-up), planning
//! and applying, and the audit's `inspect`. One element = one instance.
#![allow(clippy::unwrap_used)] // bench set-up on generated data

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gantry::privacy::{InspectContext, Policy, apply, inspect, plan};

fn deid(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let instance = gantry_bench::one_ct_instance(dir.path());
    let keys = gantry_bench::bench_keyring();
    let policy = Policy::default(); // the basic profile
    let subject = instance.subject();
    let header = &instance.header;
    let stored = &instance.stored;

    let mut group = c.benchmark_group("deid");
    group.throughput(Throughput::Elements(1));
    group.bench_function("decode_stored_header", |b| {
        b.iter(|| black_box(black_box(stored).decode().unwrap()))
    });
    group.bench_function("plan_basic_profile", |b| {
        b.iter(|| black_box(plan(black_box(header), &policy, &keys, &subject).unwrap()))
    });
    // As `Deidentifier::run` does after decoding: plan, copy, apply.
    group.bench_function("plan_and_apply_basic_profile", |b| {
        b.iter(|| {
            let plan = plan(black_box(header), &policy, &keys, &subject).unwrap();
            let mut out = header.clone();
            apply(&mut out, &plan).unwrap();
            black_box(out)
        })
    });
    let planned = plan(header, &policy, &keys, &subject).unwrap();
    let context = InspectContext {
        identifiers: &instance.identifiers,
        redaction_rule: false,
    };
    group.bench_function("inspect", |b| {
        b.iter(|| black_box(inspect(black_box(header), black_box(&planned), &context)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(50);
    targets = deid
}
criterion_main!(benches);
