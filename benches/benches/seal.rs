//! Sealing originals per instance (SPEC §6.6, reversible pseudonymisation):
//! selecting the originals a plan changes, sealing them with the project
//! key (AES-SIV) and for a recipient certificate (CMS: RSA-2048 key
//! transport + AES-256-CBC), and opening both. One element = one instance
//! (a realistic CT header planned with the basic profile).
#![allow(clippy::unwrap_used)] // bench set-up on generated data

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gantry::privacy::seal::{self, Recipient, RecipientKey};
use gantry::privacy::{Policy, apply};

/// Test-only certificate and key of gantry-privacy's seal tests.
const CERT: &[u8] = include_bytes!("../../crates/gantry-privacy/src/seal/testdata/alice.cert.pem");
const KEY: &[u8] = include_bytes!("../../crates/gantry-privacy/src/seal/testdata/alice.key.pem");

fn sealing(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let instance = gantry_bench::one_ct_instance(dir.path());
    let keys = gantry_bench::bench_keyring();
    let policy = Policy::default();
    let plan = instance.plan(&policy, &keys);
    let header = &instance.header;
    let mut deidentified = header.clone();
    apply(&mut deidentified, &plan).unwrap();
    let sop_owned = deidentified
        .get(dicom_dictionary_std::tags::SOP_INSTANCE_UID)
        .unwrap()
        .to_str()
        .unwrap()
        .trim_end_matches(['\0', ' '])
        .to_string();
    let sop = sop_owned.as_str();
    let recipient = Recipient::from_certificate(CERT).unwrap();
    let key_path = dir.path().join("key.pem");
    std::fs::write(&key_path, KEY).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key_path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let private = RecipientKey::read_files(&key_path, None).unwrap();

    let mut group = c.benchmark_group("seal");
    group.throughput(Throughput::Elements(1));
    group.bench_function("originals", |b| {
        b.iter(|| black_box(seal::originals(black_box(header), &plan)))
    });
    let originals = seal::originals(header, &plan);
    group.bench_function("seal_project_key", |b| {
        b.iter(|| black_box(seal::seal(originals.clone(), &keys, sop).unwrap()))
    });
    group.bench_function("seal_recipient", |b| {
        b.iter(|| {
            black_box(
                seal::seal_for(
                    originals.clone(),
                    None,
                    std::slice::from_ref(&recipient),
                    sop,
                )
                .unwrap(),
            )
        })
    });
    let mut sealed = deidentified.clone();
    sealed.put(seal::seal_for(originals.clone(), Some(&keys), &[recipient], sop).unwrap());
    group.bench_function("open_project_key", |b| {
        b.iter(|| black_box(seal::open(black_box(&sealed), &keys).unwrap()))
    });
    group.bench_function("open_recipient", |b| {
        b.iter(|| black_box(seal::open_with_private_key(black_box(&sealed), &private).unwrap()))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
    targets = sealing
}
criterion_main!(benches);
