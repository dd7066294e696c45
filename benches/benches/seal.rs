//! Sealing originals per instance (SPEC §6.6, reversible pseudonymisation):
//! selecting the originals a plan changes, sealing them with the project
//! key (AES-SIV) and for a recipient certificate (CMS: RSA-2048 key
//! transport + AES-256-CBC), and opening both. In group `seal`, one element
//! = one instance (a realistic CT header planned with the basic profile),
//! on one thread.
//!
//! Group `seal_100k`: 100,000 instances sealed in parallel with rayon on
//! every core, one element = one instance. Two workloads, not to be
//! confused:
//!
//! - `ct_basic_profile`: what export does with `--reversible --key`: per
//!   instance, select the originals the basic profile changes or removes
//!   (≈136 elements, ≈3.5 kB encoded for these CTs) and seal them with the
//!   project key.
//! - `identity_5_attributes`: a comparison workload shaped like the original
//!   Gantry's published "identity locking" figure: per instance (not per
//!   patient, unlike that figure), seal just PatientName, PatientID,
//!   PatientBirthDate, PatientSex and AccessionNumber (plus the Specific
//!   Character Set) with the project key. Not what export seals.
//!
//! Each comes as `seal` (the keyring API export calls, which prepares the
//! key per call) and `sealer` (a [`seal::ProjectSealer`] prepared once).
//! The 100,000 instances cycle over 16 distinct generated CT instances.
#![allow(clippy::unwrap_used)] // bench set-up on generated data

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dicom_dictionary_std::tags;
use dicom_object::{InMemDicomObject, Tag};
use gantry::privacy::seal::{self, Originals, ProjectSealer, Recipient, RecipientKey};
use gantry::privacy::{Plan, Policy, apply};
use rayon::prelude::*;

/// Test-only certificate and key of gantry-privacy's seal tests.
const CERT: &[u8] = include_bytes!("../../crates/gantry-privacy/src/seal/testdata/alice.cert.pem");
const KEY: &[u8] = include_bytes!("../../crates/gantry-privacy/src/seal/testdata/alice.key.pem");

/// Instances per iteration of the `seal_100k` group.
const MANY: usize = 100_000;

/// Instances per iteration: [`MANY`], or 1,000 for the smoke run
/// (`cargo test --benches` runs each bench once, unoptimised).
fn many_instances() -> usize {
    if std::env::args().any(|arg| arg == "--test") {
        1_000
    } else {
        MANY
    }
}

/// The attributes of the original Gantry's "identity locking".
const IDENTITY: [Tag; 5] = [
    tags::PATIENT_NAME,
    tags::PATIENT_ID,
    tags::PATIENT_BIRTH_DATE,
    tags::PATIENT_SEX,
    tags::ACCESSION_NUMBER,
];

/// The new SOP Instance UID of a de-identified header.
fn sop_of(deidentified: &InMemDicomObject) -> String {
    deidentified
        .get(tags::SOP_INSTANCE_UID)
        .unwrap()
        .to_str()
        .unwrap()
        .trim_end_matches(['\0', ' '])
        .to_string()
}

fn sealing(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let instance = gantry_bench::one_ct_instance(dir.path());
    let keys = gantry_bench::bench_keyring();
    let sealer = ProjectSealer::new(&keys);
    let policy = Policy::default();
    let plan = instance.plan(&policy, &keys);
    let header = &instance.header;
    let mut deidentified = header.clone();
    apply(&mut deidentified, &plan).unwrap();
    let sop_owned = sop_of(&deidentified);
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
    group.bench_function("seal_project_sealer", |b| {
        b.iter(|| black_box(sealer.seal(originals.clone(), sop).unwrap()))
    });
    group.bench_function("originals_and_seal_identity_5", |b| {
        b.iter(|| {
            let originals = Originals::of(black_box(header), IDENTITY);
            black_box(seal::seal(originals, &keys, sop).unwrap())
        })
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

/// One instance ready to seal: original header, plan, new SOP Instance UID.
struct Instance {
    header: InMemDicomObject,
    plan: Plan,
    sop: String,
}

fn many(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut session = gantry_bench::ingested_session(dir.path(), &gantry_bench::small_ct_spec(16));
    let keys = gantry_bench::bench_keyring();
    let sealer = ProjectSealer::new(&keys);
    let policy = Policy::default();
    let instances: Vec<Instance> = gantry_bench::candidates(&mut session)
        .iter()
        .map(|candidate| {
            let prepared = gantry_bench::Prepared::new(candidate);
            let plan = prepared.plan(&policy, &keys);
            let mut deidentified = prepared.header.clone();
            apply(&mut deidentified, &plan).unwrap();
            Instance {
                sop: sop_of(&deidentified),
                header: prepared.header,
                plan,
            }
        })
        .collect();
    let instance = |i: usize| &instances[i % instances.len()];
    let many = many_instances();

    let mut group = c.benchmark_group("seal_100k");
    group.throughput(Throughput::Elements(many as u64));
    group.sample_size(10);
    group.bench_function("ct_basic_profile/seal", |b| {
        b.iter(|| {
            (0..many).into_par_iter().for_each(|i| {
                let it = instance(i);
                let originals = seal::originals(&it.header, &it.plan);
                black_box(seal::seal(originals, &keys, &it.sop).unwrap());
            })
        })
    });
    group.bench_function("ct_basic_profile/sealer", |b| {
        b.iter(|| {
            (0..many).into_par_iter().for_each(|i| {
                let it = instance(i);
                let originals = seal::originals(&it.header, &it.plan);
                black_box(sealer.seal(originals, &it.sop).unwrap());
            })
        })
    });
    group.bench_function("identity_5_attributes/seal", |b| {
        b.iter(|| {
            (0..many).into_par_iter().for_each(|i| {
                let it = instance(i);
                let originals = Originals::of(&it.header, IDENTITY);
                black_box(seal::seal(originals, &keys, &it.sop).unwrap());
            })
        })
    });
    group.bench_function("identity_5_attributes/sealer", |b| {
        b.iter(|| {
            (0..many).into_par_iter().for_each(|i| {
                let it = instance(i);
                let originals = Originals::of(&it.header, IDENTITY);
                black_box(sealer.seal(originals, &it.sop).unwrap());
            })
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
    targets = sealing, many
}
criterion_main!(benches);
