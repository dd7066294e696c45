//! Persisting findings: `Store::replace_findings` with one batch of 100,000
//! findings over 1,000 instances (100 each), in one transaction, as audit
//! does per page. One element = one finding.
//!
//! The findings are real: the audit's own `inspect` output for generated
//! CT instances (32×32 pixels, full headers) ingested into the session in
//! set-up, repeated to 100 per instance. To keep set-up short in CI's
//! smoke run, every tenth instance is inspected and lends its findings to
//! the nine after it (same series, same shapes of values).
//!
//! Two cases: `first_audit` writes into an empty findings table (emptied
//! outside the timing); `reaudit` replaces the 100,000 findings a previous
//! iteration stored, deletes included.
#![allow(clippy::unwrap_used)] // bench set-up on generated data

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use gantry::model::InstanceId;
use gantry::privacy::{InspectContext, Policy, inspect};
use gantry::store::{Candidate, FindingRow};

const INSTANCES: usize = 1_000;
const PER_INSTANCE: usize = 100;
const INSPECT_EVERY: usize = 10;

fn findings(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut session =
        gantry_bench::ingested_session(dir.path(), &gantry_bench::small_ct_spec(INSTANCES));
    let batch = findings_batch(&gantry_bench::candidates(&mut session));
    let empty: Vec<(InstanceId, Vec<FindingRow>)> =
        batch.iter().map(|(id, _)| (*id, Vec::new())).collect();
    let store = session.store_mut().unwrap();

    let mut group = c.benchmark_group("findings");
    group.throughput(Throughput::Elements((INSTANCES * PER_INSTANCE) as u64));
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function("replace_100k_first_audit", |b| {
        b.iter_custom(|iters| {
            let mut elapsed = Duration::ZERO;
            for _ in 0..iters {
                store.replace_findings(&empty).unwrap();
                let start = Instant::now();
                store.replace_findings(black_box(&batch)).unwrap();
                elapsed += start.elapsed();
            }
            elapsed
        })
    });
    group.bench_function("replace_100k_reaudit", |b| {
        b.iter(|| store.replace_findings(black_box(&batch)).unwrap())
    });
    group.finish();

    let summary = store.findings_summary().unwrap();
    assert_eq!(summary.findings, (INSTANCES * PER_INSTANCE) as u64);
}

/// The basic profile's findings for each instance, repeated to
/// `PER_INSTANCE`; inspected for every `INSPECT_EVERY`th instance.
fn findings_batch(candidates: &[Candidate]) -> Vec<(InstanceId, Vec<FindingRow>)> {
    assert_eq!(candidates.len(), INSTANCES);
    let keys = gantry_bench::bench_keyring();
    let policy = Policy::default();
    let inspected: Vec<Vec<FindingRow>> = candidates
        .iter()
        .step_by(INSPECT_EVERY)
        .map(|candidate| {
            let instance = gantry_bench::Prepared::new(candidate);
            let plan = instance.plan(&policy, &keys);
            let context = InspectContext {
                identifiers: &instance.identifiers,
                redaction_rule: false,
            };
            let found = inspect(&instance.header, &plan, &context);
            assert!(!found.is_empty(), "a generated CT header has findings");
            found
                .iter()
                .cycle()
                .take(PER_INSTANCE)
                .map(|f| FindingRow {
                    path: f.path.clone(),
                    tag: f.tag.clone(),
                    rule: f.rule.clone(),
                    action: f.action.clone(),
                    preview: f.preview.clone(),
                })
                .collect()
        })
        .collect();
    candidates
        .iter()
        .enumerate()
        .map(|(i, candidate)| (candidate.id, inspected[i / INSPECT_EVERY].clone()))
        .collect()
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .sample_size(10);
    targets = findings
}
criterion_main!(benches);
